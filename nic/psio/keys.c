/*
 * nic/psio/keys.c - the PSIO backend's utcp.conf keys (see psio.h).
 *
 * psio_dev: the io_engine device to open (default: the port's name).
 */
#include <stddef.h>
#include <utcp/utcp.h>

#include "nic/psio/psio.h"

const struct utcp_config_key utcp_psio_keys[UTCP_PSIO_NB_KEYS] = {
	{ "psio_dev", UTCP_KEY_STR, offsetof(struct utcp_config, psio_dev), 0,
	  sizeof(((struct utcp_config *)0)->psio_dev), 0, 0 },
};
