/*
 * compat/mtcp/conf.c - an mTCP program's configuration as utcp.conf.
 *
 * Call order (mtcp_init): utcp_config_defaults -> what mtcp_setconf set
 * before mtcp_init (mtcp_conf_apply) -> utcp_config_load(file), whose keys
 * override those -> a port without `<port>.ip`: the address of the Linux
 * interface of that name (getifaddrs), as mTCP took every address from
 * Linux -> utcp_config_finish.  mtcp_setconf after mtcp_init goes through
 * mtcp_conf_apply too, so its values get the same checks as the file's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "compat/mtcp/mtcp_int.h"

static int set_int(struct utcp_config *cfg, const char *key, long v, char *err, size_t errlen)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", v);
	return utcp_config_set(cfg, key, buf, err, errlen);
}

/* Fields mTCP would take: counts and sizes > 0, tcp_timeout >= -1,
 * tcp_timewait >= 0 (what mtcp_getconf filled in comes back unchanged). */
int mtcp_conf_apply(struct utcp_config *cfg, const struct mtcp_conf *c, char *err, size_t errlen)
{
	if ((c->num_cores > 0 && set_int(cfg, "num_cores", c->num_cores, err, errlen) < 0) ||
	    (c->max_concurrency > 0 &&
	     set_int(cfg, "max_concurrency", c->max_concurrency, err, errlen) < 0) ||
	    (c->max_num_buffers > 0 &&
	     set_int(cfg, "max_num_buffers", c->max_num_buffers, err, errlen) < 0) ||
	    (c->rcvbuf_size > 0 && set_int(cfg, "rcvbuf", c->rcvbuf_size, err, errlen) < 0) ||
	    (c->sndbuf_size > 0 && set_int(cfg, "sndbuf", c->sndbuf_size, err, errlen) < 0) ||
	    (c->tcp_timeout >= -1 && set_int(cfg, "tcp_timeout", c->tcp_timeout, err, errlen) < 0) ||
	    (c->tcp_timewait >= 0 && set_int(cfg, "tcp_timewait", c->tcp_timewait, err, errlen) < 0))
		return -1;
	return 0;
}

static int prefix_len(uint32_t mask_be)
{
	uint32_t m = ntohl(mask_be);
	int n = 0;
	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	return n;
}

/* `<port>.ip` from the Linux interface `name`: 1 found, 0 none. */
static int addr_from_linux(struct utcp_config *cfg, const char *name, char *err, size_t errlen)
{
	struct ifaddrs *all, *a;
	int found = 0;
	if (getifaddrs(&all) < 0)
		return 0;
	for (a = all; a != NULL && !found; a = a->ifa_next) {
		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET ||
		    strcmp(a->ifa_name, name) != 0)
			continue;
		struct sockaddr_in *ip = (struct sockaddr_in *)a->ifa_addr;
		struct sockaddr_in *nm = (struct sockaddr_in *)a->ifa_netmask;
		char key[48], val[32], txt[INET_ADDRSTRLEN];
		int plen = nm != NULL ? prefix_len(nm->sin_addr.s_addr) : 32;
		inet_ntop(AF_INET, &ip->sin_addr, txt, sizeof(txt));
		snprintf(key, sizeof(key), "%s.ip", name);
		snprintf(val, sizeof(val), "%s/%d", txt, plen > 0 ? plen : 32);
		if (utcp_config_set(cfg, key, val, err, errlen) < 0) {
			freeifaddrs(all);
			return -1;
		}
		fprintf(stderr, "mtcp_init: %s = %s (from the Linux interface %s)\n", key, val, name);
		found = 1;
	}
	freeifaddrs(all);
	return found;
}

static int port_addresses(struct utcp_config *cfg, const char *path)
{
	char err[512];
	for (int i = 0; i < cfg->nb_ports; i++) {
		const char *name = cfg->ports[i].name;
		if (cfg->ports[i].ip != 0)
			continue;
		int rc = addr_from_linux(cfg, name, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "mtcp_init: %s\n", err);
			return -1;
		}
		if (rc == 0) {
			fprintf(stderr,
				"mtcp_init: %s: key '%s.ip': required key is missing, and no Linux "
				"interface '%s' has an IPv4 address to take it from; add "
				"'%s.ip = A.B.C.D/N' to %s\n",
				path, name, name, name, path);
			return -1;
		}
	}
	return 0;
}

int mtcp_conf_load(struct utcp_config *cfg, const char *path, const struct mtcp_conf *pre)
{
	char err[512];
	utcp_config_defaults(cfg);
	struct mtcp_conf p = pre != NULL ? *pre : (struct mtcp_conf){ 0, 0, 0, 0, 0, -2, -2 };
	/* what mtcp_getconf reported as a default is not a setting (an rcvbuf
	 * set here would keep the file's sndbuf from standing for both) */
	if (p.rcvbuf_size == cfg->rcvbuf)
		p.rcvbuf_size = 0;
	if (p.sndbuf_size == cfg->sndbuf)
		p.sndbuf_size = 0;
	if (mtcp_conf_apply(cfg, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "mtcp_init: mtcp_setconf: %s\n", err);
		return -1;
	}
	if (utcp_config_load(cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "mtcp_init: %s\n", err);
		return -1;
	}
	if (port_addresses(cfg, path) < 0)
		return -1;
	if (utcp_config_finish(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mtcp_init: %s\n", err);
		return -1;
	}
	return 0;
}
