/*
 * tests/fuzz/fuzz_pcap.c - fuzz target: a pcap trace read and played into
 * the stack under fuzzing (tests/fuzz/fuzzhost.h).
 *
 * The file is read through libpcap (pcap_fopen_offline on the input held in
 * memory, nanosecond precision), as the trace tools read the pcaps of traces/.  The
 * first IPv4 TCP SYN names the conversation's client and server; every frame
 * the client sent is readdressed to the host under test (MACs, addresses, the
 * server's port becomes the listener's port 80, both checksums made right)
 * and fed in, with the clock advanced by the trace's timestamps (at most 10 s
 * a step).  Frames that are not IPv4 TCP go in as recorded.  The seed
 * corpus holds the small recorded traces of traces/.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/fuzz/fuzzhost.h"
#include "tests/unit/tcptest.h"

#define FP_MAX_FRAMES 4000
#define FP_MAX_STEP (10 * TT_SEC)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fp_conv {
	int known;
	uint32_t client, server;     /* network order */
	uint16_t sport;              /* the server's port, network order */
};

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t seed)
{
	return utcp_csum_fold(utcp_csum_partial(p, len, seed));
}

/* Readdress one client frame (a copy) to the host; 0 if it is not ours. */
static int fp_rewrite(struct fp_conv *cv, uint8_t *f, size_t n)
{
	if (n < 14 + 20 || (f[12] << 8 | f[13]) != UTCP_ETH_P_IPV4)
		return 1;
	uint8_t *ip = f + 14;
	unsigned ihl = (ip[0] & 15u) * 4, tot = (unsigned)(ip[2] << 8 | ip[3]);
	if (ip[9] != UTCP_IPPROTO_TCP || ihl < 20 || tot < ihl + 20 || 14 + tot > n)
		return 1;
	uint8_t *t = ip + ihl;
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if (!cv->known && (t[13] & (TH_SYN | TH_ACK)) == TH_SYN) {
		*cv = (struct fp_conv){ 1, src, dst, 0 };
		memcpy(&cv->sport, t + 2, 2);
	}
	if (!cv->known || src != cv->client || dst != cv->server)
		return 0;
	uint32_t hip = TN_HOST_IP, pip = TN_PEER_IP;
	uint16_t port = htons(TT_HOST_PORT), z = 0;
	memcpy(f, tn_host_mac, 6);
	memcpy(f + 6, tn_peer_mac, 6);
	memcpy(ip + 12, &pip, 4);
	memcpy(ip + 16, &hip, 4);
	memcpy(ip + 10, &z, 2);
	uint16_t ck = sum16(ip, ihl, 0);
	memcpy(ip + 10, &ck, 2);
	if (memcmp(t + 2, &cv->sport, 2) == 0)
		memcpy(t + 2, &port, 2);
	memcpy(t + 16, &z, 2);
	unsigned tl = tot - ihl;
	ck = sum16(t, tl, utcp_csum_pseudo(pip, hip, UTCP_IPPROTO_TCP, (uint16_t)tl));
	memcpy(t + 16, &ck, 2);
	return 1;
}

static void fp_play(pcap_t *pd)
{
	static uint8_t f[65536];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	struct fp_conv cv = { 0 };
	uint64_t last = 0;
	for (int i = 0; i < FP_MAX_FRAMES && pcap_next_ex(pd, &h, &bytes) == 1; i++) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * TT_SEC + (uint64_t)h->ts.tv_usec;
		if (i > 0 && ts > last)
			fh_advance(ts - last > FP_MAX_STEP ? FP_MAX_STEP : ts - last);
		last = ts;
		size_t n = h->caplen < sizeof(f) ? h->caplen : sizeof(f);
		memcpy(f, bytes, n);
		if (fp_rewrite(&cv, f, n))
			fh_frame(f, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "rb");
	if (fp == NULL)
		return 0;
	pcap_t *pd = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO,
							      errbuf);
	if (pd == NULL) {
		fclose(fp);
		return 0; /* not a pcap file: libpcap said so */
	}
	fh_up();
	fp_play(pd);
	pcap_close(pd); /* closes fp */
	fh_down();
	return 0;
}
