/*
 * setup/config.c - utcp.conf, arp.conf and route.conf.
 *
 * Call order:
 *   utcp_config_defaults(cfg)
 *   -> utcp_config_load(cfg, "utcp.conf")    every `key = value` line through
 *        the key table below, or, for a key of a backend or middleware
 *        (tap_*, dpdk_args, psio_dev, pcap*, fault_*), through the table it
 *        exports (utcp_nic_config_key_find, utcp/nic.h), then the static
 *        ARP table and routes
 *        (arp_file / route_file, else config/arp.conf and config/route.conf
 *        next to utcp.conf, when they exist)
 *   -> utcp_config_set(cfg, key, value)      command-line overrides, if any
 *   -> utcp_config_finish(cfg)               required keys, cross-key rules,
 *        connected routes and the default route.
 *
 * utcp.conf follows mTCP's format (mtcp/src/config.c, ParseConfiguration):
 * one `key = value` or `key value` per line, `#` starts a comment, blanks
 * around keys and values are ignored.  Unlike mTCP every mistake is reported
 * precisely: an unknown key, a value that is not a number or not in range, a
 * bad address, a key given twice, a per-port key for a port not listed in
 * `port`.  Errors read "FILE:LINE: key 'KEY': what is wrong"; for a key that
 * is missing altogether, "FILE: key 'KEY': ...".  See config/sample_utcp.conf
 * for every key, its meaning and its default.
 *
 * arp.conf and route.conf are mTCP's files: a header `ARP_ENTRY n` or
 * `ROUTES n`, then exactly n lines `A.B.C.D/PREFIX xx:xx:xx:xx:xx:xx` or
 * `A.B.C.D/PREFIX ifname`.  utcp also accepts `A.B.C.D/PREFIX ifname via GW`
 * (a route through a gateway) and an address without /PREFIX (a host, /32).
 *
 * Addresses are stored in network byte order.  Nothing here allocates beyond
 * the line buffer of getline(); nothing reads a clock or draws randomness.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <utcp/utcp.h>

#include "core/base/args.h"
#include "core/wire/wire.h"

/* cfg->set_keys bits */
#define SET_RCVBUF (1u << 0)
#define SET_SNDBUF (1u << 1)

#define MAX_INT_VALUE (1 << 24)

/* Where a message comes from: "FILE:LINE: key 'KEY': ". */
struct cfg_err {
	char *buf;
	size_t len;
	const char *file; /* NULL: not from a file */
	int line;         /* 0: no line */
	const char *key;  /* NULL: not about one key */
};

static int fail(const struct cfg_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Control characters of a message (from a garbage key or value) as \xNN,
 * in place, within len bytes. */
static void escape_controls(char *buf, size_t len)
{
	char tmp[1024];
	size_t o = 0;
	for (const char *p = buf; *p != '\0' && o + 5 < sizeof(tmp); p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "\\x%02x", c);
		else
			tmp[o++] = (char)c;
	}
	tmp[o] = '\0';
	snprintf(buf, len, "%s", tmp);
}

static int fail(const struct cfg_err *e, const char *fmt, ...)
{
	errno = EINVAL;
	if (e->buf == NULL || e->len == 0)
		return -1;
	size_t n = 0;
	e->buf[0] = '\0';
	if (e->file && e->line > 0)
		snprintf(e->buf, e->len, "%s:%d: ", e->file, e->line);
	else if (e->file)
		snprintf(e->buf, e->len, "%s: ", e->file);
	n = strlen(e->buf);
	if (e->key && n + 1 < e->len) {
		snprintf(e->buf + n, e->len - n, "key '%s': ", e->key);
		n = strlen(e->buf);
	}
	if (n + 1 < e->len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->buf + n, e->len - n, fmt, ap);
		va_end(ap);
	}
	escape_controls(e->buf, e->len);
	errno = EINVAL;
	return -1;
}

/* ---- value parsers (numbers: core/base/args.h) -------------------------- */

/* A.B.C.D, each part 0..255 in decimal, into network byte order. */
static int parse_ip(const char *v, uint32_t *out)
{
	uint32_t ip = 0;
	for (int part = 0; part < 4; part++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		unsigned x = 0;
		int digits = 0;
		while (isdigit((unsigned char)*v) && digits < 4) {
			x = x * 10 + (unsigned)(*v++ - '0');
			digits++;
		}
		if (x > 255 || digits > 3 || (digits > 1 && v[-digits] == '0'))
			return -1; /* no leading zeros: 010 would be octal to inet_aton */
		ip = ip << 8 | x;
		if (part < 3 && *v++ != '.')
			return -1;
	}
	if (*v != '\0')
		return -1;
	*out = htonl(ip);
	return 0;
}

static uint32_t prefix_mask(int prefix)
{
	return prefix == 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
}

enum { NET_BAD_ADDR = -1, NET_BAD_PREFIX = -2, NET_NO_PREFIX = -3 };

/* A.B.C.D/PREFIX; without /PREFIX, *prefix = dflt (or NET_NO_PREFIX if < 0). */
static int parse_net(const char *v, uint32_t *ip, uint8_t *prefix, int dflt)
{
	char addr[16];
	const char *slash = strchr(v, '/');
	size_t alen = slash ? (size_t)(slash - v) : strlen(v);
	if (alen >= sizeof(addr))
		return NET_BAD_ADDR;
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	if (parse_ip(addr, ip) < 0)
		return NET_BAD_ADDR;
	if (slash == NULL) {
		if (dflt < 0)
			return NET_NO_PREFIX;
		*prefix = (uint8_t)dflt;
		return 0;
	}
	long p;
	if (!isdigit((unsigned char)slash[1]) || utcp_parse_long(slash + 1, 0, 32, &p) != 0)
		return NET_BAD_PREFIX;
	*prefix = (uint8_t)p;
	return 0;
}

static int parse_mac(const char *v, uint8_t mac[UTCP_ETH_ALEN])
{
	for (int i = 0; i < UTCP_ETH_ALEN; i++) {
		if (!isxdigit((unsigned char)v[0]) || !isxdigit((unsigned char)v[1]))
			return -1;
		char hex[3] = { v[0], v[1], '\0' };
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
		v += 2;
		if (i < UTCP_ETH_ALEN - 1 && *v++ != ':')
			return -1;
	}
	return *v == '\0' ? 0 : -1;
}

static const char *ip_str(uint32_t ip, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

/* ---- the key table ------------------------------------------------------ */

struct key_def;
typedef int (*set_fn)(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		      const struct cfg_err *e);

struct key_def {
	const char *name;
	set_fn set;
	size_t off;     /* field in struct utcp_config (or utcp_port_config) */
	long min, max;  /* numbers: range; strings: max is the field size */
};

#define FIELD(f) offsetof(struct utcp_config, f)
#define PFIELD(f) offsetof(struct utcp_port_config, f)
#define AT(cfg, k, type) ((type *)((char *)(cfg) + (k)->off))

/* An integer in k's range, or the message that says why not. */
static int key_long(const struct key_def *k, const char *v, const struct cfg_err *e, long *x)
{
	int rc = utcp_parse_long(v, k->min, k->max, x);
	if (rc == UTCP_NUM_SYNTAX)
		return fail(e, "'%s' is not an integer", v);
	if (rc == UTCP_NUM_RANGE)
		return fail(e, "'%s' is out of range (%ld..%ld)", v, k->min, k->max);
	return 0;
}

static int set_int(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		   const struct cfg_err *e)
{
	long x;
	(void)port;
	if (key_long(k, v, e, &x) < 0)
		return -1;
	*AT(cfg, k, int) = (int)x;
	return 0;
}

/* rcvbuf / sndbuf: as in mTCP, if only one is given the other copies it. */
static int set_buf(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		   const struct cfg_err *e)
{
	if (set_int(cfg, k, port, v, e) < 0)
		return -1;
	if (k->off == FIELD(rcvbuf)) {
		cfg->set_keys |= SET_RCVBUF;
		if (!(cfg->set_keys & SET_SNDBUF))
			cfg->sndbuf = cfg->rcvbuf;
	} else {
		cfg->set_keys |= SET_SNDBUF;
		if (!(cfg->set_keys & SET_RCVBUF))
			cfg->rcvbuf = cfg->sndbuf;
	}
	return 0;
}

static int set_str(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		   const struct cfg_err *e)
{
	(void)port;
	if (strlen(v) >= (size_t)k->max)
		return fail(e, "'%s' is too long (at most %ld characters)", v, k->max - 1);
	memcpy(AT(cfg, k, char), v, strlen(v) + 1);
	return 0;
}

/* UTCP_KEY_ARGS (dpdk_args): a command line; it must split into words. */
static int set_args(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		    const struct cfg_err *e)
{
	char *argv[UTCP_MAX_ARGS], buf[sizeof(cfg->dpdk_args)];
	const char *why = NULL;
	if (strlen(v) < (size_t)k->max &&
	    utcp_split_args(v, argv, UTCP_MAX_ARGS, buf, sizeof(buf), &why) < 0)
		return fail(e, "cannot split '%s' into arguments: %s", v, why);
	return set_str(cfg, k, port, v, e);
}

static const char *const cc_names[] = { "cubic", "newreno", NULL };

static int in_list(const char *v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0)
			return 1;
	return 0;
}

/* Whether the registry has a backend named `io`; if not, its names
 * ("sim, tap, dpdk, psio") are written to `names`. */
static int known_io(const char *io, char *names, size_t len)
{
	if (utcp_nic_backend_find(io) != NULL)
		return 1;
	utcp_nic_backend_names(names, len);
	return 0;
}

static int set_io(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		  const struct cfg_err *e)
{
	char names[128];
	if (!known_io(v, names, sizeof(names)))
		return fail(e, "'%s' is not one of %s", v, names);
	return set_str(cfg, k, port, v, e);
}

static int set_cc(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		  const struct cfg_err *e)
{
	if (!in_list(v, cc_names))
		return fail(e, "'%s' is not one of cubic, newreno", v);
	return set_str(cfg, k, port, v, e);
}

static int set_seed(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		    const struct cfg_err *e)
{
	(void)k;
	(void)port;
	if (utcp_parse_u64(v, 0, 0, UINT64_MAX, &cfg->seed) != 0)
		return fail(e, "'%s' is not an unsigned 64-bit integer", v);
	cfg->has_seed = 1;
	return 0;
}

static int set_core_mask(struct utcp_config *cfg, const struct key_def *k, int port,
			 const char *v, const struct cfg_err *e)
{
	uint64_t m;
	(void)k;
	(void)port;
	if (utcp_parse_u64(v, 16, 0, UINT64_MAX, &m) != 0)
		return fail(e, "'%s' is not a hexadecimal CPU mask", v);
	if (m == 0)
		return fail(e, "the CPU mask is empty");
	cfg->core_mask = m;
	return 0;
}

/* A double in min..max (UTCP_KEY_DOUBLE). */
static int set_double(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		      const struct cfg_err *e)
{
	double x;
	(void)port;
	int rc = utcp_parse_double(v, (double)k->min, (double)k->max, &x);
	if (rc == UTCP_NUM_SYNTAX)
		return fail(e, "'%s' is not a number", v);
	if (rc == UTCP_NUM_RANGE)
		return fail(e, "'%s' is out of range (%ld..%ld)", v, k->min, k->max);
	*AT(cfg, k, double) = x;
	return 0;
}

/* Whole microseconds in min..max, stored in ns (UTCP_KEY_USEC). */
static int set_usec(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		    const struct cfg_err *e)
{
	long x;
	(void)port;
	if (key_long(k, v, e, &x) < 0)
		return -1;
	*AT(cfg, k, utcp_time_t) = (utcp_time_t)x * UTCP_NSEC_PER_USEC;
	return 0;
}

/* Any uint64_t, decimal or 0x hexadecimal (UTCP_KEY_U64). */
static int set_u64(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		   const struct cfg_err *e)
{
	(void)port;
	if (utcp_parse_u64(v, 0, 0, UINT64_MAX, AT(cfg, k, uint64_t)) != 0)
		return fail(e, "'%s' is not an unsigned 64-bit integer", v);
	return 0;
}

/* Split a space-separated list of names; returns the count or -1. */
static int split_names(const char *v, char names[UTCP_MAX_PORTS][32], const struct cfg_err *e)
{
	int n = 0;
	while (*v) {
		while (isspace((unsigned char)*v))
			v++;
		if (*v == '\0')
			break;
		size_t len = 0;
		while (v[len] && !isspace((unsigned char)v[len]))
			len++;
		if (n == UTCP_MAX_PORTS)
			return fail(e, "too many names (at most %d)", UTCP_MAX_PORTS);
		if (len >= 32)
			return fail(e, "name '%.*s' is too long (at most 31 characters)",
				    (int)len, v);
		memcpy(names[n], v, len);
		names[n][len] = '\0';
		for (int i = 0; i < n; i++)
			if (strcmp(names[i], names[n]) == 0)
				return fail(e, "'%s' is listed twice", names[n]);
		n++;
		v += len;
	}
	return n;
}

static int set_stat_print(struct utcp_config *cfg, const struct key_def *k, int port,
			  const char *v, const struct cfg_err *e)
{
	char names[UTCP_MAX_PORTS][32];
	(void)k;
	(void)port;
	int n = split_names(v, names, e);
	if (n < 0)
		return -1;
	memcpy(cfg->stat_print, names, sizeof(names));
	cfg->nb_stat_print = n;
	return 0;
}

static int find_port(const struct utcp_config *cfg, const char *name, size_t len)
{
	for (int i = 0; i < cfg->nb_ports; i++) {
		const char *pn = cfg->ports[i].name;
		if (strlen(pn) == len && strncmp(pn, name, len) == 0)
			return i;
	}
	return -1;
}

/* A new port list keeps the settings (and routes) of ports it still names. */
static int set_ports(struct utcp_config *cfg, const struct key_def *k, int port, const char *v,
		     const struct cfg_err *e)
{
	char names[UTCP_MAX_PORTS][32];
	struct utcp_port_config ports[UTCP_MAX_PORTS];
	int map[UTCP_MAX_PORTS];
	(void)k;
	(void)port;
	int n = split_names(v, names, e);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], "all") == 0)
			return fail(e, "'all' is not supported: list the interface names");
		int old = find_port(cfg, names[i], strlen(names[i]));
		memset(&ports[i], 0, sizeof(ports[i]));
		if (old >= 0)
			ports[i] = cfg->ports[old];
		memcpy(ports[i].name, names[i], sizeof(names[i]));
	}
	for (int r = 0; r < cfg->nb_routes; r++) {
		const char *name = cfg->ports[cfg->routes[r].port].name;
		map[r] = -1;
		for (int i = 0; i < n; i++)
			if (strcmp(names[i], name) == 0)
				map[r] = i;
		if (map[r] < 0)
			return fail(e, "port '%s' is used by a route", name);
	}
	for (int r = 0; r < cfg->nb_routes; r++)
		cfg->routes[r].port = map[r];
	memcpy(cfg->ports, ports, sizeof(ports[0]) * (size_t)n);
	cfg->nb_ports = n;
	return 0;
}

static int net_fail(const struct cfg_err *e, int rc, const char *v, const char *want, int minp)
{
	if (rc == NET_NO_PREFIX)
		return fail(e, "'%s' has no prefix (expected %s)", v, want);
	if (rc == NET_BAD_PREFIX)
		return fail(e, "the prefix of '%s' is not in %d..32", v, minp);
	return fail(e, "'%s' is not %s", v, want);
}

static int set_port_ip(struct utcp_config *cfg, const struct key_def *k, int port,
		       const char *v, const struct cfg_err *e)
{
	struct utcp_port_config *pc = &cfg->ports[port];
	uint32_t ip;
	uint8_t prefix;
	(void)k;
	int rc = parse_net(v, &ip, &prefix, -1);
	if (rc < 0)
		return net_fail(e, rc, v, "A.B.C.D/PREFIX", 1);
	if (prefix == 0)
		return fail(e, "the prefix of '%s' is not in 1..32", v);
	if (ip == 0)
		return fail(e, "'%s' is not a usable address", v);
	pc->ip = ip;
	pc->prefix = prefix;
	return 0;
}

static int set_port_mac(struct utcp_config *cfg, const struct key_def *k, int port,
			const char *v, const struct cfg_err *e)
{
	struct utcp_port_config *pc = &cfg->ports[port];
	uint8_t mac[UTCP_ETH_ALEN];
	(void)k;
	if (parse_mac(v, mac) < 0)
		return fail(e, "'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", v);
	if (mac[0] & 1)
		return fail(e, "'%s' is a multicast address", v);
	memcpy(pc->mac, mac, sizeof(mac));
	pc->has_mac = 1;
	return 0;
}

/* gateway / peer_ip: a plain A.B.C.D into the port's field. */
static int set_port_addr(struct utcp_config *cfg, const struct key_def *k, int port,
			 const char *v, const struct cfg_err *e)
{
	uint32_t ip;
	if (parse_ip(v, &ip) < 0)
		return fail(e, "'%s' is not an IPv4 address (A.B.C.D)", v);
	if (ip == 0)
		return fail(e, "'%s' is not a usable address", v);
	*AT(&cfg->ports[port], k, uint32_t) = ip;
	return 0;
}

/* ---- IPv6 keys (RFC 8200, RFC 4861) --------------------------------------- */

/* A unicast address we may own or talk to: not ::, not a group, not ::1,
 * not IPv4-mapped. */
static int in6_unicast(const struct utcp_in6 *a)
{
	return !utcp_in6_is_unspec(a) && !utcp_in6_is_multicast(a) && !utcp_in6_is_loopback(a) &&
	       !utcp_in6_is_v4mapped(a);
}

/* `<port>.ip6 = ADDR/PLEN`: the port's global address and on-link prefix. */
static int set_port_ip6(struct utcp_config *cfg, const struct key_def *k, int port,
			const char *v, const struct cfg_err *e)
{
	struct utcp_port_config *pc = &cfg->ports[port];
	struct utcp_in6 a;
	uint8_t plen;
	(void)k;
	if (utcp_in6_parse_net(v, &a, &plen, 1) < 0)
		return fail(e, "'%s' is not an IPv6 address with a prefix (ADDR/PREFIX)", v);
	if (plen < 1 || plen > 128)
		return fail(e, "the prefix of '%s' is not in 1..128", v);
	if (!in6_unicast(&a) || utcp_in6_is_linklocal(&a))
		return fail(e, "'%s' is not a usable global address (the link-local one comes from the MAC)", v);
	pc->ip6 = a;
	pc->prefix6 = plen;
	return 0;
}

/* `<port>.gateway6 = ADDR`: the default router, link-local or on the prefix. */
static int set_port_gateway6(struct utcp_config *cfg, const struct key_def *k, int port,
			     const char *v, const struct cfg_err *e)
{
	struct utcp_in6 a;
	(void)k;
	if (utcp_in6_parse(v, &a) < 0)
		return fail(e, "'%s' is not an IPv6 address", v);
	if (!in6_unicast(&a))
		return fail(e, "'%s' is not a usable address", v);
	cfg->ports[port].gateway6 = a;
	return 0;
}

/* `<port>.neigh6 = ADDR MAC[, ADDR MAC ...]`: static neighbours. */
static int set_port_neigh6(struct utcp_config *cfg, const struct key_def *k, int port,
			   const char *v, const struct cfg_err *e)
{
	char item[128], addr[UTCP_IN6_STRLEN], mac_s[32], extra[2];
	(void)k;
	for (const char *p = v; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n >= sizeof(item))
			return fail(e, "'%.*s' is too long", (int)n, p);
		memcpy(item, p, n);
		item[n] = '\0';
		struct utcp_neigh6_entry *ne = &cfg->neigh6[cfg->nb_neigh6];
		if (sscanf(item, " %45s %31s %1s", addr, mac_s, extra) != 2 ||
		    utcp_in6_parse(addr, &ne->ip6) < 0 || parse_mac(mac_s, ne->mac) < 0)
			return fail(e, "'%s' is not 'ADDR xx:xx:xx:xx:xx:xx'", item);
		if (!in6_unicast(&ne->ip6) || (ne->mac[0] & 1))
			return fail(e, "'%s': not a unicast address and MAC", item);
		if (cfg->nb_neigh6 == UTCP_MAX_ARP_ENTRIES)
			return fail(e, "too many neighbours (at most %d)", UTCP_MAX_ARP_ENTRIES);
		ne->port = port;
		cfg->nb_neigh6++;
		p += n + (comma != NULL);
	}
	return 0;
}

static const struct key_def keys[] = {
	{ "io", set_io, FIELD(io), 0, sizeof(((struct utcp_config *)0)->io) },
	{ "num_cores", set_int, FIELD(num_cores), 1, UTCP_MAX_CORES },
	{ "max_concurrency", set_int, FIELD(max_concurrency), 1, MAX_INT_VALUE },
	{ "max_num_buffers", set_int, FIELD(max_num_buffers), 1, MAX_INT_VALUE },
	{ "max_pkt_buffers", set_int, FIELD(max_pkt_buffers), 1, MAX_INT_VALUE },
	{ "rcvbuf", set_buf, FIELD(rcvbuf), 64, 1 << 30 },
	{ "sndbuf", set_buf, FIELD(sndbuf), 64, 1 << 30 },
	{ "tcp_timeout", set_int, FIELD(tcp_timeout), -1, 86400 },
	{ "tcp_timewait", set_int, FIELD(tcp_timewait), 0, 3600 },
	{ "tcp_syncookies", set_int, FIELD(tcp_syncookies), 0, 1 },
	{ "tcp_rto_min", set_int, FIELD(tcp_rto_min), 1, 60000 },
	{ "tcp_delack", set_int, FIELD(tcp_delack), 1, 500 },
	{ "tcp_quickack", set_int, FIELD(tcp_quickack), 0, 255 },
	{ "tcp_abc", set_int, FIELD(tcp_abc), 1, 2 },
	{ "tcp_abc_nolimit", set_int, FIELD(tcp_abc_nolimit), 0, 1 },
	{ "tcp_prr_safeack", set_int, FIELD(tcp_prr_safeack), 0, 1 },
	{ "tcp_rto_min_var", set_int, FIELD(tcp_rto_min_var), 0, 1 },
	{ "tcp_pto_cap", set_int, FIELD(tcp_pto_cap), 0, 1 },
	{ "tcp_recovery_probe", set_int, FIELD(tcp_recovery_probe), 0, 1 },
	{ "tcp_undo", set_int, FIELD(tcp_undo), 0, 1 },
	{ "tcp_tlp_again", set_int, FIELD(tcp_tlp_again), 0, 8 },
	{ "tcp_mtu_probing", set_int, FIELD(tcp_mtu_probing), 0, 2 },
	{ "tcp_base_mss", set_int, FIELD(tcp_base_mss), 0, 65495 },
	{ "tcp_rst_ack", set_int, FIELD(tcp_rst_ack), 0, 1 },
	{ "tcp_push_each_write", set_int, FIELD(tcp_push_each_write), 0, 2 },
	{ "tcp_min_tso_segs", set_int, FIELD(tcp_min_tso_segs), 0, 255 },
	{ "tcp_zwp_empty", set_int, FIELD(tcp_zwp_empty), 0, 1 },
	{ "tcp_cubic_md_cwnd", set_int, FIELD(tcp_cubic_md_cwnd), 0, 1 },
	{ "tcp_cwnd_limited", set_int, FIELD(tcp_cwnd_limited), 0, 1 },
	{ "tcp_wmem", set_int, FIELD(tcp_wmem), 0, 1 << 30 },
	{ "tcp_fastopen", set_int, FIELD(tcp_fastopen), 0, 3 },
	{ "tcp_timestamps", set_int, FIELD(tcp_timestamps), 0, 1 },
	{ "tcp_sack", set_int, FIELD(tcp_sack), 0, 1 },
	{ "tcp_window_scaling", set_int, FIELD(tcp_window_scaling), 0, 1 },
	{ "tcp_wscale", set_int, FIELD(tcp_wscale), 0, 14 },
	{ "tcp_syn_retries", set_int, FIELD(tcp_syn_retries), 1, 127 },
	{ "tcp_retries2", set_int, FIELD(tcp_retries2), 1, 127 },
	{ "tcp_ecn", set_int, FIELD(tcp_ecn), 0, 2 },
	{ "tcp_pacing", set_int, FIELD(tcp_pacing), 0, 1 },
	{ "tcp_pacing_ss_ratio", set_int, FIELD(tcp_pacing_ss_ratio), 1, 1000 },
	{ "tcp_pacing_ca_ratio", set_int, FIELD(tcp_pacing_ca_ratio), 1, 1000 },
	{ "sock_buf_double", set_int, FIELD(sock_buf_double), 0, 1 },
	{ "tcp_ts_required", set_int, FIELD(tcp_ts_required), 0, 1 },
	{ "stat_print", set_stat_print, 0, 0, 0 },
	{ "port", set_ports, 0, 0, 0 },
	{ "num_rx_desc", set_int, FIELD(num_rx_desc), 16, 32768 },
	{ "num_tx_desc", set_int, FIELD(num_tx_desc), 16, 32768 },
	{ "core_mask", set_core_mask, 0, 0, 0 },
	{ "num_mem_ch", set_int, FIELD(num_mem_ch), 1, 64 },
	{ "mtcp_ignore_unknown_sockopt", set_int, FIELD(mtcp_ignore_unknown_sockopt), 0, 1 },
	{ "seed", set_seed, 0, 0, 0 },
	{ "cc", set_cc, FIELD(cc), 0, sizeof(((struct utcp_config *)0)->cc) },
	{ "arp_timeout", set_int, FIELD(arp_timeout), 0, 86400 },
	{ "ip6_dad_transmits", set_int, FIELD(ip6_dad_transmits), 0, 10 },
	{ "arp_file", set_str, FIELD(arp_file), 0, sizeof(((struct utcp_config *)0)->arp_file) },
	{ "route_file", set_str, FIELD(route_file), 0,
	  sizeof(((struct utcp_config *)0)->route_file) },
	{ "control_socket", set_str, FIELD(control_socket), 0,
	  sizeof(((struct utcp_config *)0)->control_socket) },
};
#define NB_KEYS (int)(sizeof(keys) / sizeof(keys[0]))

/* Per-port keys: `<port>.ip`, `<port>.mac`, ... */
static const struct key_def port_keys[] = {
	{ "ip", set_port_ip, 0, 0, 0 },
	{ "mac", set_port_mac, 0, 0, 0 },
	{ "gateway", set_port_addr, PFIELD(gateway), 0, 0 },
	{ "peer_ip", set_port_addr, PFIELD(peer_ip), 0, 0 },
	{ "ip6", set_port_ip6, 0, 0, 0 },
	{ "gateway6", set_port_gateway6, 0, 0, 0 },
	{ "neigh6", set_port_neigh6, 0, 0, 0 },
};
#define NB_PORT_KEYS (int)(sizeof(port_keys) / sizeof(port_keys[0]))
/* Ids for duplicate detection: this file's keys, the backends' and
 * middleware's keys (utcp_nic_config_key_find), then the per-port keys. */
#define NIC_KEY_ID(i) (NB_KEYS + (i))
#define PORT_KEY_ID(p, a) (NB_KEYS + UTCP_NIC_MAX_CONFIG_KEYS + (p) * NB_PORT_KEYS + (a))
#define NB_KEY_IDS PORT_KEY_ID(UTCP_MAX_PORTS, 0)

/* A backend's or middleware's key (utcp/nic.h) as an entry of this file's
 * tables; its `enables` flag is applied by set_nic_flag(). */
static void nic_key_def(const struct utcp_config_key *nk, struct key_def *def)
{
	static const set_fn by_type[] = {
		[UTCP_KEY_INT] = set_int,       [UTCP_KEY_STR] = set_str,
		[UTCP_KEY_ARGS] = set_args,     [UTCP_KEY_DOUBLE] = set_double,
		[UTCP_KEY_USEC] = set_usec,     [UTCP_KEY_U64] = set_u64,
	};
	def->name = nk->name;
	def->set = by_type[nk->type];
	def->off = nk->off;
	def->min = nk->min;
	def->max = nk->max;
}

/* `<port>.<key>`: *def, *port and *id, or an error naming the key. */
static int lookup_port_key(const struct utcp_config *cfg, const char *key, struct key_def *def,
			   int *port, int *id, const struct cfg_err *e)
{
	const char *dot = strrchr(key, '.');
	if (dot == NULL || dot == key)
		return fail(e, "unknown key");
	int a = 0;
	while (a < NB_PORT_KEYS && strcmp(dot + 1, port_keys[a].name) != 0)
		a++;
	if (a == NB_PORT_KEYS)
		return fail(e, "unknown key");
	int p = find_port(cfg, key, (size_t)(dot - key));
	if (p < 0)
		return fail(e, "unknown port '%.*s' (not listed in 'port')", (int)(dot - key), key);
	*def = port_keys[a];
	*port = p;
	*id = PORT_KEY_ID(p, a);
	return 0;
}

/*
 * Find a key: this file's own, then the backends' and middleware's (through
 * the registry), then a per-port one.  *def, *port (-1 for a global key) and
 * a unique *id (for duplicate detection).  Errors name the key.
 */
static int lookup_key(const struct utcp_config *cfg, const char *key, struct key_def *def,
		      int *port, int *id, const struct cfg_err *e)
{
	*port = -1;
	for (int i = 0; i < NB_KEYS; i++) {
		if (strcmp(key, keys[i].name) == 0) {
			*def = keys[i];
			*id = i;
			return 0;
		}
	}
	int n;
	const struct utcp_config_key *nk = utcp_nic_config_key_find(key, &n);
	if (nk != NULL) {
		nic_key_def(nk, def);
		*id = NIC_KEY_ID(n);
		return 0;
	}
	return lookup_port_key(cfg, key, def, port, id, e);
}

/* After a backend's or middleware's key `id` was set: the int it enables. */
static void set_nic_flag(struct utcp_config *cfg, int id)
{
	if (id < NIC_KEY_ID(0) || id >= NIC_KEY_ID(UTCP_NIC_MAX_CONFIG_KEYS))
		return;
	const struct utcp_config_key *nk = utcp_nic_config_key_at(id - NIC_KEY_ID(0));
	if (nk != NULL && nk->enables)
		*(int *)((char *)cfg + nk->enable_off) = 1;
}

static int set_with(struct utcp_config *cfg, const char *key, const char *value,
		    struct cfg_err *e, int *seen_line)
{
	struct key_def def;
	int port = -1, id = 0;
	e->key = key;
	if (lookup_key(cfg, key, &def, &port, &id, e) < 0)
		return -1;
	if (seen_line) {
		if (seen_line[id])
			return fail(e, "duplicate key (first set on line %d)", seen_line[id]);
		seen_line[id] = e->line;
	}
	if (*value == '\0')
		return fail(e, "missing value");
	if (def.set(cfg, &def, port, value, e) < 0)
		return -1;
	set_nic_flag(cfg, id);
	return 0;
}

void utcp_config_defaults(struct utcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->io, "sim");
	cfg->num_cores = 1;
	cfg->max_concurrency = 10000;
	cfg->max_num_buffers = 10000;
	cfg->max_pkt_buffers = 8192;
	cfg->rcvbuf = 8192;
	cfg->sndbuf = 8192;
	cfg->tcp_timeout = 30;
	cfg->tcp_timewait = 60;
	cfg->tcp_syncookies = 1;
	cfg->tcp_ts_required = 1;
	cfg->tcp_rto_min = 1000;
	cfg->tcp_delack = 40;
	cfg->tcp_abc = 1;
	cfg->tcp_timestamps = 1;
	cfg->tcp_sack = 1;
	cfg->tcp_recovery_probe = 1;
	cfg->tcp_undo = 1;
	cfg->tcp_tlp_again = 2;
	cfg->tcp_window_scaling = 1;
	cfg->tcp_syn_retries = 7;
	cfg->tcp_retries2 = 12;
	cfg->tcp_ecn = 2; /* accept ECN when asked (Linux's default) */
	cfg->tcp_pacing_ss_ratio = 200; /* Linux's */
	cfg->tcp_pacing_ca_ratio = 120;
	cfg->tcp_fastopen = 1;
	strcpy(cfg->cc, "cubic");
	cfg->arp_timeout = 300;
	cfg->pcap_snaplen = 65535;
	cfg->num_rx_desc = 1024;
	cfg->num_tx_desc = 1024;
	cfg->tap_vnet_hdr = 1;
	cfg->dpdk_tso = 1;
	cfg->ip6_dad_transmits = 1; /* RFC 4862 §5.1 DupAddrDetectTransmits */
}

int utcp_config_set(struct utcp_config *cfg, const char *key, const char *value, char *err,
		    size_t errlen)
{
	struct cfg_err e = { err, errlen, NULL, 0, NULL };
	if (err && errlen)
		err[0] = '\0';
	if (cfg == NULL || key == NULL || value == NULL) {
		errno = EINVAL;
		return -1;
	}
	return set_with(cfg, key, value, &e, NULL);
}

/* ---- reading files ------------------------------------------------------ */

/* Cut the comment, trim; returns the content (maybe empty). */
static char *clean_line(char *line)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	while (isspace((unsigned char)*line))
		line++;
	size_t n = strlen(line);
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	return line;
}

/* "key = value" or "key value": split in place. */
static void split_key_value(char *s, char **key, char **value)
{
	char *p = s;
	while (*p && *p != '=' && !isspace((unsigned char)*p))
		p++;
	char *key_end = p;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '=')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	*key_end = '\0';
	*key = s;
	*value = p;
}

static FILE *open_file(const char *path, int must_exist, struct cfg_err *e, int *missing)
{
	FILE *f = fopen(path, "r");
	*missing = 0;
	if (f == NULL) {
		if (errno == ENOENT && !must_exist) {
			*missing = 1;
			return NULL;
		}
		fail(e, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		fail(e, "is a directory, not a configuration file");
		return NULL;
	}
	return f;
}

/* getline() that refuses a NUL byte, which would cut the line short
 * unseen: 1 a line, 0 the end, -1 an error naming the line. */
static int read_line(char **buf, size_t *cap, FILE *f, struct cfg_err *e)
{
	ssize_t n = getline(buf, cap, f);
	if (n < 0)
		return 0;
	e->line++;
	if (memchr(*buf, '\0', (size_t)n) != NULL) {
		e->key = NULL;
		return fail(e, "the line holds a NUL byte");
	}
	return 1;
}

/* seen_line[id]: the line that set each key (0: not set). */
static int parse_conf_stream(struct utcp_config *cfg, FILE *f, struct cfg_err *e, int *seen_line)
{
	char *buf = NULL;
	size_t cap = 0;
	int rc = 0;
	e->line = 0;
	while (rc == 0 && (rc = read_line(&buf, &cap, f, e)) > 0) {
		rc = 0;
		e->key = NULL;
		char *s = clean_line(buf), *key, *value;
		if (*s == '\0')
			continue;
		split_key_value(s, &key, &value);
		if (*key == '\0')
			rc = fail(e, "line has no key");
		else
			rc = set_with(cfg, key, value, e, seen_line);
	}
	free(buf);
	return rc;
}

/* dir of `path` + "/" + rel, or rel itself when absolute. */
static int path_near(char *out, size_t len, const char *path, const char *rel)
{
	if (rel[0] == '/')
		return snprintf(out, len, "%s", rel) < (int)len ? 0 : -1;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 1;
	const char *dir = slash ? path : ".";
	if (slash == path)
		dirlen = 1; /* "/utcp.conf" */
	return snprintf(out, len, "%.*s/%s", dirlen, dir, rel) < (int)len ? 0 : -1;
}

typedef int (*table_loader)(struct utcp_config *, FILE *, struct cfg_err *);
static int parse_arp_stream(struct utcp_config *cfg, FILE *f, struct cfg_err *e);
static int parse_route_stream_on_subnet(struct utcp_config *cfg, FILE *f, struct cfg_err *e);

static int load_table(struct utcp_config *cfg, const char *path, int must_exist,
		      table_loader parse, char *err, size_t errlen)
{
	struct cfg_err e = { err, errlen, path, 0, NULL };
	int missing;
	FILE *f = open_file(path, must_exist, &e, &missing);
	if (f == NULL)
		return missing ? 0 : -1;
	int rc = parse(cfg, f, &e);
	fclose(f);
	return rc;
}

/* The line of the config that set a global key, or 0. */
static int key_line(const int *seen_line, const char *name)
{
	for (int i = 0; i < NB_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return seen_line[i];
	return 0;
}

/* The table named by `key` (arp_file / route_file) in the config, or the
 * default one, which may be missing.  A named table that cannot be opened
 * is an error about the config's line and key. */
static int load_side_file(struct utcp_config *cfg, const char *conf, const int *seen_line,
			  const char *key, const char *given, const char *dflt,
			  table_loader parse, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *rel = given[0] ? given : dflt;
	struct cfg_err e = { err, errlen, conf, given[0] ? key_line(seen_line, key) : 0,
			     given[0] ? key : NULL };
	if (path_near(path, sizeof(path), conf, rel) < 0)
		return fail(&e, "path to '%s' is too long", rel);
	if (given[0] && access(path, R_OK) != 0)
		return fail(&e, "%s: cannot open: %s", path, strerror(errno));
	return load_table(cfg, path, given[0] != '\0', parse, err, errlen);
}

int utcp_config_load(struct utcp_config *cfg, const char *path, char *err, size_t errlen)
{
	struct cfg_err e = { err, errlen, path, 0, NULL };
	int missing;
	if (err && errlen)
		err[0] = '\0';
	if (cfg == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (strlen(path) >= sizeof(cfg->path))
		return fail(&e, "path is too long (at most %zu characters)", sizeof(cfg->path) - 1);
	FILE *f = open_file(path, 1, &e, &missing);
	if (f == NULL)
		return -1;
	strcpy(cfg->path, path);
	int seen_line[NB_KEY_IDS] = { 0 };
	int rc = parse_conf_stream(cfg, f, &e, seen_line);
	fclose(f);
	if (rc < 0)
		return -1;
	if (load_side_file(cfg, path, seen_line, "arp_file", cfg->arp_file, "config/arp.conf",
			   parse_arp_stream, err, errlen) < 0)
		return -1;
	return load_side_file(cfg, path, seen_line, "route_file", cfg->route_file,
			      "config/route.conf", parse_route_stream_on_subnet, err, errlen);
}

/*
 * arp.conf / route.conf: `HEADER n`, then n entries, one per line.  Calls
 * entry() for each entry line (tokens split on blanks).
 */
#define MAX_TOKENS 5
typedef int (*entry_fn)(struct utcp_config *cfg, char **tok, int ntok, const struct cfg_err *e);

static int split_tokens(char *s, char **tok)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_TOKENS)
			return n + 1;
		tok[n++] = t;
	}
	return n;
}

static int parse_header(char **tok, int ntok, const char *header, int max, long *count,
			const struct cfg_err *e)
{
	if (ntok != 2 || strcmp(tok[0], header) != 0)
		return fail(e, "expected '%s <count>'", header);
	int rc = utcp_parse_long(tok[1], 0, LONG_MAX, count);
	if (rc == UTCP_NUM_RANGE && tok[1][0] != '-')
		*count = LONG_MAX; /* reported as too many below */
	else if (rc != UTCP_NUM_OK)
		return fail(e, "'%s' is not a count", tok[1]);
	if (*count > max)
		return fail(e, "%ld entries, at most %d fit", *count, max);
	return 0;
}

static int parse_table(struct utcp_config *cfg, FILE *f, struct cfg_err *e, const char *header,
		       int max, entry_fn entry)
{
	char *buf = NULL, *tok[MAX_TOKENS];
	size_t cap = 0;
	long count = -1, found = 0;
	int rc = 0, header_line = 0;
	while (rc == 0 && (rc = read_line(&buf, &cap, f, e)) > 0) {
		rc = 0;
		char *s = clean_line(buf);
		if (*s == '\0')
			continue;
		int ntok = split_tokens(s, tok);
		if (count < 0) {
			header_line = e->line;
			rc = parse_header(tok, ntok, header, max, &count, e);
		} else if (found == count) {
			rc = fail(e, "more entries than '%s %ld' on line %d announced", header,
				  count, header_line);
		} else {
			rc = entry(cfg, tok, ntok, e);
			found++;
		}
	}
	free(buf);
	if (rc == 0 && found < count) {
		e->line = header_line;
		rc = fail(e, "'%s %ld' announced %ld entries, found %ld", header, count, count,
			  found);
	}
	return rc;
}

static int arp_entry(struct utcp_config *cfg, char **tok, int ntok, const struct cfg_err *e)
{
	struct utcp_arp_entry a;
	if (ntok != 2)
		return fail(e, "expected 'A.B.C.D/PREFIX xx:xx:xx:xx:xx:xx'");
	int rc = parse_net(tok[0], &a.ip, &a.prefix, 32);
	if (rc < 0)
		return net_fail(e, rc, tok[0], "A.B.C.D/PREFIX", 0);
	if (parse_mac(tok[1], a.mac) < 0)
		return fail(e, "'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", tok[1]);
	if (cfg->nb_arp == UTCP_MAX_ARP_ENTRIES)
		return fail(e, "too many ARP entries (at most %d)", UTCP_MAX_ARP_ENTRIES);
	a.ip &= prefix_mask(a.prefix);
	cfg->arp[cfg->nb_arp++] = a;
	return 0;
}

static int find_route(const struct utcp_config *cfg, uint32_t dst, uint8_t prefix)
{
	for (int i = 0; i < cfg->nb_routes; i++)
		if (cfg->routes[i].dst == dst && cfg->routes[i].prefix == prefix)
			return i;
	return -1;
}

static int on_subnet(const struct utcp_port_config *pc, uint32_t ip);

static int route_entry(struct utcp_config *cfg, char **tok, int ntok, const struct cfg_err *e)
{
	struct utcp_route r = { 0 };
	char a[INET_ADDRSTRLEN];
	if (ntok != 2 && !(ntok == 4 && strcmp(tok[2], "via") == 0))
		return fail(e, "expected 'A.B.C.D/PREFIX ifname [via A.B.C.D]'");
	int rc = parse_net(tok[0], &r.dst, &r.prefix, 32);
	if (rc < 0)
		return net_fail(e, rc, tok[0], "A.B.C.D/PREFIX", 0);
	r.port = find_port(cfg, tok[1], strlen(tok[1]));
	if (r.port < 0)
		return fail(e, "unknown interface '%s' (not listed in 'port')", tok[1]);
	if (ntok == 4 && (parse_ip(tok[3], &r.gateway) < 0 || r.gateway == 0))
		return fail(e, "gateway '%s' is not an IPv4 address (A.B.C.D)", tok[3]);
	r.dst &= prefix_mask(r.prefix);
	if (find_route(cfg, r.dst, r.prefix) >= 0)
		return fail(e, "duplicate route %s/%d", ip_str(r.dst, a), r.prefix);
	if (cfg->nb_routes == UTCP_MAX_ROUTES)
		return fail(e, "too many routes (at most %d)", UTCP_MAX_ROUTES);
	cfg->routes[cfg->nb_routes++] = r;
	return 0;
}

static int parse_arp_stream(struct utcp_config *cfg, FILE *f, struct cfg_err *e)
{
	return parse_table(cfg, f, e, "ARP_ENTRY", UTCP_MAX_ARP_ENTRIES, arp_entry);
}

static int parse_route_stream(struct utcp_config *cfg, FILE *f, struct cfg_err *e)
{
	return parse_table(cfg, f, e, "ROUTES", UTCP_MAX_ROUTES, route_entry);
}

/* route.conf read with its utcp.conf, whose ports are known by now: a
 * gateway off its port's subnet is this file's line, not utcp.conf's
 * fault (utcp_config_finish would otherwise find it, with no line). */
static int route_entry_on_subnet(struct utcp_config *cfg, char **tok, int ntok,
				 const struct cfg_err *e)
{
	if (route_entry(cfg, tok, ntok, e) < 0)
		return -1;
	const struct utcp_route *r = &cfg->routes[cfg->nb_routes - 1];
	const struct utcp_port_config *pc = &cfg->ports[r->port];
	if (r->gateway && pc->ip && !on_subnet(pc, r->gateway)) {
		cfg->nb_routes--;
		return fail(e, "gateway %s is not on %s's subnet", tok[3], pc->name);
	}
	return 0;
}

static int parse_route_stream_on_subnet(struct utcp_config *cfg, FILE *f, struct cfg_err *e)
{
	return parse_table(cfg, f, e, "ROUTES", UTCP_MAX_ROUTES, route_entry_on_subnet);
}

int utcp_config_load_arp(struct utcp_config *cfg, const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (cfg == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	return load_table(cfg, path, 0, parse_arp_stream, err, errlen);
}

int utcp_config_load_route(struct utcp_config *cfg, const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (cfg == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	return load_table(cfg, path, 0, parse_route_stream, err, errlen);
}

/* ---- utcp_config_finish ------------------------------------------------- */

static int int_in_range(const struct utcp_config *cfg, const struct key_def *k,
			struct cfg_err *e)
{
	int v = *(const int *)((const char *)cfg + k->off);
	e->key = k->name;
	if (v < k->min || v > k->max)
		return fail(e, "%d is out of range (%ld..%ld)", v, k->min, k->max);
	return 0;
}

/* Every integer key still in range (the struct may have been filled by code),
 * this file's and the backends' and middleware's. */
static int check_int_ranges(const struct utcp_config *cfg, struct cfg_err *e)
{
	for (int i = 0; i < NB_KEYS; i++) {
		const struct key_def *k = &keys[i];
		if (k->set != set_int && k->set != set_buf)
			continue;
		if (k->off == FIELD(num_mem_ch) && cfg->num_mem_ch == 0)
			continue; /* not given */
		if (int_in_range(cfg, k, e) < 0)
			return -1;
	}
	const struct utcp_config_key *nk;
	for (int i = 0; (nk = utcp_nic_config_key_at(i)) != NULL; i++) {
		struct key_def k;
		nic_key_def(nk, &k);
		if (nk->type == UTCP_KEY_INT && int_in_range(cfg, &k, e) < 0)
			return -1;
	}
	return 0;
}

static int check_ranges(const struct utcp_config *cfg, struct cfg_err *e)
{
	char names[128];
	if (check_int_ranges(cfg, e) < 0)
		return -1;
	e->key = "io";
	if (!known_io(cfg->io, names, sizeof(names)))
		return fail(e, "'%s' is not one of %s", cfg->io, names);
	e->key = "cc";
	if (!in_list(cfg->cc, cc_names))
		return fail(e, "'%s' is not one of cubic, newreno", cfg->cc);
	e->key = "core_mask";
	if (cfg->core_mask && __builtin_popcountll(cfg->core_mask) < cfg->num_cores)
		return fail(e, "%#llx has fewer CPUs than num_cores (%d)",
			    (unsigned long long)cfg->core_mask, cfg->num_cores);
	return 0;
}

static int on_subnet(const struct utcp_port_config *pc, uint32_t ip)
{
	uint32_t m = prefix_mask(pc->prefix);
	return (ip & m) == (pc->ip & m);
}

static int check_ports(const struct utcp_config *cfg, struct cfg_err *e)
{
	char key[48], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	e->key = "port";
	if (cfg->nb_ports <= 0 || cfg->nb_ports > UTCP_MAX_PORTS)
		return fail(e, "required key is missing");
	e->key = key;
	for (int i = 0; i < cfg->nb_ports; i++) {
		const struct utcp_port_config *pc = &cfg->ports[i];
		snprintf(key, sizeof(key), "%s.ip", pc->name);
		if (pc->ip == 0)
			return fail(e, "required key is missing");
		if (pc->prefix < 1 || pc->prefix > 32)
			return fail(e, "prefix %d is out of range (1..32)", pc->prefix);
		snprintf(key, sizeof(key), "%s.gateway", pc->name);
		if (pc->gateway && !on_subnet(pc, pc->gateway))
			return fail(e, "%s is not on %s/%d", ip_str(pc->gateway, a),
				    ip_str(pc->ip & prefix_mask(pc->prefix), b), pc->prefix);
	}
	e->key = "stat_print";
	for (int i = 0; i < cfg->nb_stat_print; i++) {
		const char *name = cfg->stat_print[i];
		if (find_port(cfg, name, strlen(name)) < 0)
			return fail(e, "unknown port '%s' (not listed in 'port')", name);
	}
	return 0;
}

static int check_routes(const struct utcp_config *cfg, struct cfg_err *e)
{
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	e->key = NULL;
	for (int i = 0; i < cfg->nb_routes; i++) {
		const struct utcp_route *r = &cfg->routes[i];
		if (r->port < 0 || r->port >= cfg->nb_ports || r->prefix > 32)
			return fail(e, "route %s/%d: bad port or prefix", ip_str(r->dst, a),
				    r->prefix);
		const struct utcp_port_config *pc = &cfg->ports[r->port];
		if (r->gateway && !on_subnet(pc, r->gateway))
			return fail(e, "route %s/%d via %s: gateway is not on %s's subnet",
				    ip_str(r->dst, a), r->prefix, ip_str(r->gateway, g), pc->name);
	}
	return 0;
}

static int add_route(struct utcp_config *cfg, uint32_t dst, uint8_t prefix, uint32_t gw, int port,
		     struct cfg_err *e)
{
	if (find_route(cfg, dst, prefix) >= 0)
		return 0; /* route.conf (or an earlier finish) has it */
	if (cfg->nb_routes == UTCP_MAX_ROUTES)
		return fail(e, "too many routes (at most %d)", UTCP_MAX_ROUTES);
	struct utcp_route *r = &cfg->routes[cfg->nb_routes++];
	r->dst = dst;
	r->prefix = prefix;
	r->gateway = gw;
	r->port = port;
	return 0;
}

/* A connected route per port; a default route via the first gateway. */
static int add_implicit_routes(struct utcp_config *cfg, struct cfg_err *e)
{
	e->key = NULL;
	for (int i = 0; i < cfg->nb_ports; i++) {
		const struct utcp_port_config *pc = &cfg->ports[i];
		if (add_route(cfg, pc->ip & prefix_mask(pc->prefix), pc->prefix, 0, i, e) < 0)
			return -1;
	}
	for (int i = 0; i < cfg->nb_ports; i++) {
		if (cfg->ports[i].gateway)
			return add_route(cfg, 0, 0, cfg->ports[i].gateway, i, e);
	}
	return 0;
}

/* IPv6: gateway6 link-local or on the prefix, and not without ip6; the
 * connected prefix of each port and a default route via the first
 * gateway6. */
static int add_routes6(struct utcp_config *cfg, struct cfg_err *e)
{
	char key[48];
	e->key = key;
	cfg->nb_routes6 = 0;
	for (int i = 0; i < cfg->nb_ports; i++) {
		const struct utcp_port_config *pc = &cfg->ports[i];
		snprintf(key, sizeof(key), "%s.gateway6", pc->name);
		if (utcp_in6_is_unspec(&pc->gateway6))
			continue;
		if (utcp_in6_is_unspec(&pc->ip6))
			return fail(e, "needs %s.ip6", pc->name);
		if (!utcp_in6_is_linklocal(&pc->gateway6) &&
		    !utcp_in6_prefix_eq(&pc->gateway6, &pc->ip6, pc->prefix6))
			return fail(e, "not link-local and not on %s's prefix", pc->name);
	}
	snprintf(key, sizeof(key), "neigh6");
	for (int i = 0; i < cfg->nb_neigh6; i++)
		if (utcp_in6_is_unspec(&cfg->ports[cfg->neigh6[i].port].ip6))
			return fail(e, "%s.neigh6 needs %s.ip6", cfg->ports[cfg->neigh6[i].port].name,
				    cfg->ports[cfg->neigh6[i].port].name);
	for (int i = 0; i < cfg->nb_ports; i++) {
		const struct utcp_port_config *pc = &cfg->ports[i];
		if (utcp_in6_is_unspec(&pc->ip6))
			continue;
		struct utcp_route6 *r = &cfg->routes6[cfg->nb_routes6++];
		memset(r, 0, sizeof(*r));
		r->dst = pc->ip6;
		for (int b = pc->prefix6; b < 128; b++) /* the prefix alone */
			r->dst.b[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
		r->prefix = pc->prefix6;
		r->port = i;
	}
	for (int i = 0; i < cfg->nb_ports; i++) {
		if (!utcp_in6_is_unspec(&cfg->ports[i].gateway6)) {
			struct utcp_route6 *r = &cfg->routes6[cfg->nb_routes6++];
			memset(r, 0, sizeof(*r));
			r->gateway = cfg->ports[i].gateway6;
			r->port = i;
			break;
		}
	}
	return 0;
}

int utcp_config_finish(struct utcp_config *cfg, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (cfg == NULL) {
		errno = EINVAL;
		return -1;
	}
	struct cfg_err e = { err, errlen, cfg->path[0] ? cfg->path : NULL, 0, NULL };
	if (check_ports(cfg, &e) < 0 || check_ranges(cfg, &e) < 0 || check_routes(cfg, &e) < 0 ||
	    add_routes6(cfg, &e) < 0)
		return -1;
	return add_implicit_routes(cfg, &e);
}
