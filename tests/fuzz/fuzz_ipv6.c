/*
 * tests/fuzz/fuzz_ipv6.c - fuzz target: IPv6, ICMPv6 and neighbour
 * discovery frames into a host with IPv6 (tests/unit/ip6test.h: tn0 =
 * 2001:db8::1/64 and fe80::ff:fe00:1).
 *
 * The first byte chooses DAD (odd: addresses tentative for the first
 * seconds) and static neighbours; then operations until the input runs out:
 *   0 LEN BYTES          a raw Ethernet frame
 *   1 S D NXT HLIM LEN BYTES   an IPv6 packet, addresses from a table
 *                        (peer, peer link-local, host, host link-local,
 *                        all-nodes, solicited-node, ::, other), payload raw
 *   2 S D HLIM LEN BYTES an ICMPv6 message with its checksum made right,
 *                        so that echo, errors and ND get past it
 *   3 MS                 advance the clock (ms, 16 bits) and poll
 * A crash, a sanitizer report or a buffer left behind (tn_host_down's leak
 * check) is a failure.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/ip6test.h"

/* A reader over the input: past its end every read gives zeros. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static uint8_t fz_u8(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

static uint16_t fz_u16(struct fz *f)
{
	uint16_t hi = fz_u8(f);
	return (uint16_t)(hi << 8 | fz_u8(f));
}

static size_t fz_bytes(struct fz *f, uint8_t *out, size_t want)
{
	size_t n = want < f->n ? want : f->n;
	memcpy(out, f->p, n);
	memset(out + n, 0, want - n);
	f->p += n;
	f->n -= n;
	return want;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAME_CAP 1600
static struct tn_host h;
static uint8_t frame[FRAME_CAP + 64], msg[FRAME_CAP];

static const struct utcp_in6 *addr(uint8_t i)
{
	static const struct utcp_in6 other = { { 0x20, 0x01, 0x0d, 0xb9, [15] = 7 } };
	const struct utcp_in6 *t[] = { &t6_peer, &t6_peer_ll, &t6_host, &t6_host_ll,
				       &t6_all_nodes, &t6_host_sn, &t6_unspec, &other };
	return t[i % 8];
}

static const uint8_t *mac_for(const struct utcp_in6 *dst)
{
	static uint8_t m[6];
	if (dst->b[0] != 0xff)
		return tn_host_mac;
	m[0] = m[1] = 0x33;
	memcpy(m + 2, dst->b + 12, 4);
	return m;
}

static void inject(size_t len)
{
	if (tn_inject(h.nic, 0, frame, len) == 0)
		utcp_ctx_poll(h.ctx);
	tn_tx_drain(h.nic);
}

static void op_ipv6(struct fz *f, int icmp)
{
	const struct utcp_in6 *s = addr(fz_u8(f)), *d = addr(fz_u8(f));
	uint8_t nxt = icmp ? 58 : fz_u8(f), hlim = fz_u8(f);
	size_t len = fz_bytes(f, msg, fz_u16(f) % (FRAME_CAP - 54));
	if (icmp)
		len = t6_icmp6(frame, mac_for(d), tn_peer_mac, s, d, hlim, msg, len);
	else
		len = t6_ipv6(frame, mac_for(d), tn_peer_mac, s, d, nxt, hlim, msg, len);
	inject(len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct utcp_config c;
	uint8_t mode = fz_u8(&f);

	t6_config(&c, mode & 1);
	if (mode & 2) {
		c.nb_neigh6 = 1;
		c.neigh6[0] = (struct utcp_neigh6_entry){ .ip6 = t6_peer, .port = 0 };
		memcpy(c.neigh6[0].mac, tn_peer_mac, 6);
	}
	/* Small tables: a fresh host per input stays cheap. */
	c.max_concurrency = 16;
	c.max_num_buffers = 16;
	tn_host_nb_bufs = 320; /* a full pending queue and room to answer */
	tn_host_up(&h, &c, 1);
	for (int ops = 0; f.n > 0 && ops < 256; ops++) {
		switch (fz_u8(&f) % 4) {
		case 0:
			inject(fz_bytes(&f, frame, fz_u16(&f) % FRAME_CAP));
			break;
		case 1:
			op_ipv6(&f, 0);
			break;
		case 2:
			op_ipv6(&f, 1);
			break;
		default:
			tn_advance(h.nic, (utcp_time_t)fz_u16(&f) * UTCP_NSEC_PER_MSEC);
			utcp_ctx_poll(h.ctx);
			tn_tx_drain(h.nic);
			break;
		}
	}
	/* Let the timers run (resolutions give up, entries go stale and
	 * expire, DAD ends); the leak check does not depend on it. */
	for (int i = 0; i < 10; i++) {
		tn_advance(h.nic, 10 * UTCP_NSEC_PER_SEC);
		utcp_ctx_poll(h.ctx);
		tn_tx_drain(h.nic);
	}
	tn_host_down(&h);
	return 0;
}
