/*
 * nic/registry.c - the table of NIC backends and utcp_nic_open().
 *
 * `io = sim|tap|dpdk|psio` in utcp.conf names an entry.  Every backend is
 * listed whether or not it was built, so that a config naming one that is
 * missing gets a message saying how to build it.
 *
 * utcp_nic_open(cfg, port, nb_queues):
 *   utcp_nic_backend_find(cfg->io) -> backend open()
 *   -> utcp_fault_wrap() when cfg->fault_enabled
 *   -> utcp_pcap_wrap() on top when cfg->pcap is set,
 * so a capture shows what the stack sent and what it received after the
 * impairments.  Closing the returned NIC closes the whole chain.
 *
 * utcp_nic_config_key_find() / utcp_nic_config_key_at(): the utcp.conf keys
 * each backend and middleware owns, from the tables they export, for the
 * config parser (setup/config.c).
 *
 * The simulator's NIC lives above nic/ (sim/): its entry opens through a
 * function the simulator hands over when it makes a world
 * (utcp_nic_backend_provide), so nothing here calls up into it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "core/base/err.h"
#include "nic/dpdk/dpdk.h"
#include "nic/mw/mw.h"
#include "nic/psio/psio.h"
#include "nic/tap/tap.h"

#if defined(HAVE_DPDK) && defined(UTCP_DPDK_BACKEND)
#define DPDK_OPEN utcp_dpdk_open
#define DPDK_MISSING NULL
#else
#define DPDK_OPEN NULL
#define DPDK_MISSING "utcp was built without DPDK; install libdpdk-dev and re-run " \
		     "configure (--with-dpdk)"
#endif

#if defined(HAVE_PSIO) && defined(UTCP_PSIO_BACKEND)
#define PSIO_OPEN utcp_psio_open
#define PSIO_MISSING NULL
#else
#define PSIO_OPEN NULL
#define PSIO_MISSING "utcp was built without PSIO; re-run configure with --with-psio=DIR " \
		     "(a PacketShader io_engine tree with include/ps.h and lib/libps)"
#endif

/* `io = sim`: the simulator's open function, once a world exists. */
static utcp_nic_open_fn sim_open;

static struct utcp_nic *open_sim(const struct utcp_config *cfg,
				 const struct utcp_port_config *port, uint16_t nb_queues,
				 char *err, size_t errlen)
{
	utcp_nic_open_fn fn = __atomic_load_n(&sim_open, __ATOMIC_ACQUIRE);

	if (fn == NULL) {
		utcp_set_err(err, errlen, "io = sim: no simulated world to attach port %s to (sim "
			"NICs live in a world made by the simulator, e.g. tools/utcp-sim)",
			port->name);
		errno = ENODEV;
		return NULL;
	}
	return fn(cfg, port, nb_queues, err, errlen);
}

static const struct utcp_nic_backend backends[] = {
	{ "sim", open_sim, NULL },
	{ "tap", utcp_tap_open, NULL },
	{ "dpdk", DPDK_OPEN, DPDK_MISSING },
	{ "psio", PSIO_OPEN, PSIO_MISSING },
};
#define NB_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/* The key tables, in the order keys are numbered. */
static const struct {
	const struct utcp_config_key *keys;
	size_t nb_keys;
} key_tables[] = {
	{ utcp_tap_keys, UTCP_TAP_NB_KEYS },
	{ utcp_dpdk_keys, UTCP_DPDK_NB_KEYS },
	{ utcp_psio_keys, UTCP_PSIO_NB_KEYS },
	{ utcp_pcap_keys, UTCP_PCAP_NB_KEYS },
	{ utcp_fault_keys, UTCP_FAULT_NB_KEYS },
};
#define NB_KEY_TABLES (sizeof(key_tables) / sizeof(key_tables[0]))
_Static_assert(UTCP_TAP_NB_KEYS + UTCP_DPDK_NB_KEYS + UTCP_PSIO_NB_KEYS + UTCP_PCAP_NB_KEYS +
		       UTCP_FAULT_NB_KEYS <= UTCP_NIC_MAX_CONFIG_KEYS,
	       "raise UTCP_NIC_MAX_CONFIG_KEYS");


const struct utcp_nic_backend *utcp_nic_backend_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < NB_BACKENDS; i++)
		if (strcmp(backends[i].name, name) == 0)
			return &backends[i];
	return NULL;
}

const struct utcp_nic_backend *utcp_nic_backends(size_t *count)
{
	if (count != NULL)
		*count = NB_BACKENDS;
	return backends;
}

const struct utcp_config_key *utcp_nic_config_key_at(int index)
{
	if (index < 0)
		return NULL;
	size_t i = (size_t)index;
	for (size_t t = 0; t < NB_KEY_TABLES; t++) {
		if (i < key_tables[t].nb_keys)
			return &key_tables[t].keys[i];
		i -= key_tables[t].nb_keys;
	}
	return NULL;
}

const struct utcp_config_key *utcp_nic_config_key_find(const char *name, int *index)
{
	const struct utcp_config_key *k;
	for (int i = 0; name != NULL && (k = utcp_nic_config_key_at(i)) != NULL; i++) {
		if (strcmp(k->name, name) == 0) {
			if (index != NULL)
				*index = i;
			return k;
		}
	}
	return NULL;
}

void utcp_nic_backend_names(char *buf, size_t len)
{
	size_t off = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < NB_BACKENDS && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", backends[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static int port_index(const struct utcp_config *cfg, const struct utcp_port_config *port)
{
	if (port >= cfg->ports && port < cfg->ports + UTCP_MAX_PORTS)
		return (int)(port - cfg->ports);
	return 0;
}

/* With several ports each gets its own capture: "cap.pcap" -> "cap-eth0.pcap". */
static void pcap_path(const struct utcp_config *cfg, const struct utcp_port_config *port,
		      char *out, size_t len)
{
	if (cfg->nb_ports <= 1 || port->name[0] == '\0') {
		snprintf(out, len, "%s", cfg->pcap);
		return;
	}
	const char *slash = strrchr(cfg->pcap, '/');
	const char *dot = strrchr(cfg->pcap, '.');
	if (dot == NULL || (slash != NULL && dot < slash) || dot == cfg->pcap ||
	    (slash != NULL && dot == slash + 1))
		snprintf(out, len, "%s-%s", cfg->pcap, port->name);
	else
		snprintf(out, len, "%.*s-%s%s", (int)(dot - cfg->pcap), cfg->pcap, port->name, dot);
}

/* Fault injection on top of `nic`; each port draws from its own stream. */
static struct utcp_nic *wrap_fault(const struct utcp_config *cfg,
				   const struct utcp_port_config *port, struct utcp_nic *nic,
				   char *err, size_t errlen)
{
	struct utcp_fault_params fp = cfg->fault;
	fp.seed += (uint64_t)port_index(cfg, port) * 0x9e3779b97f4a7c15ull;
	struct utcp_nic *w = utcp_fault_wrap(nic, &fp, err, errlen);
	if (w == NULL)
		utcp_nic_close(nic);
	return w;
}

static struct utcp_nic *wrap_pcap(const struct utcp_config *cfg,
				  const struct utcp_port_config *port, struct utcp_nic *nic,
				  char *err, size_t errlen)
{
	char path[sizeof(cfg->pcap) + sizeof(port->name) + 2];
	pcap_path(cfg, port, path, sizeof(path));
	struct utcp_nic *w = utcp_pcap_wrap(nic, path, cfg->pcap_snaplen, err, errlen);
	if (w == NULL)
		utcp_nic_close(nic);
	return w;
}

struct utcp_nic *utcp_nic_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
			       uint16_t nb_queues, char *err, size_t errlen)
{
	char names[64];
	const struct utcp_nic_backend *be = utcp_nic_backend_find(cfg->io);

	if (be == NULL) {
		utcp_nic_backend_names(names, sizeof(names));
		if (cfg->io[0] == '\0')
			utcp_set_err(err, errlen, "io is not set (known backends: %s)", names);
		else
			utcp_set_err(err, errlen, "io = %s: unknown NIC backend (known backends: %s)",
				cfg->io, names);
		errno = ENOENT;
		return NULL;
	}
	if (be->open == NULL) {
		utcp_set_err(err, errlen, "io = %s: %s", be->name, be->missing);
		errno = ENOTSUP;
		return NULL;
	}
	if (nb_queues == 0 || nb_queues > UTCP_MAX_QUEUES) {
		utcp_set_err(err, errlen, "io = %s: %u queues (1 to %d)", be->name, nb_queues,
			UTCP_MAX_QUEUES);
		errno = EINVAL;
		return NULL;
	}
	struct utcp_nic *nic = be->open(cfg, port, nb_queues, err, errlen);
	if (nic == NULL)
		return NULL;
	if (cfg->fault_enabled && (nic = wrap_fault(cfg, port, nic, err, errlen)) == NULL)
		return NULL;
	if (cfg->pcap[0] != '\0' && (nic = wrap_pcap(cfg, port, nic, err, errlen)) == NULL)
		return NULL;
	return nic;
}

int utcp_nic_backend_provide(const char *name, utcp_nic_open_fn open)
{
	utcp_nic_open_fn cur;

	if (name == NULL || strcmp(name, "sim") != 0 || open == NULL) {
		errno = ENOENT;
		return -1;
	}
	cur = __atomic_load_n(&sim_open, __ATOMIC_ACQUIRE);
	if (cur != NULL && cur != open) {
		errno = EEXIST;
		return -1;
	}
	__atomic_store_n(&sim_open, open, __ATOMIC_RELEASE);
	return 0;
}
