/*
 * nic/mw/pcap.c - capture middleware: a NIC that records every frame it
 * passes, in both directions, to a pcap file (libpcap, DLT_EN10MB,
 * nanosecond timestamps).
 *
 * utcp_pcap_wrap(lower, path, snaplen) -> the stack uses the returned NIC
 * -> close() flushes the file and closes `lower` too.
 *
 *   rx_burst: lower rx_burst, then every frame received is written.
 *   tx_burst: every frame is written, then lower tx_burst; frames `lower`
 *             refused are taken out of the file again (see cap_tx_burst).
 *   alloc/free/wait/wake/now/stats: forwarded, buffers pass through untouched.
 *
 * Timestamps come from the lower NIC's clock (virtual in the simulator), and
 * nothing else in the file depends on the wall clock or the host, so the
 * same frames at the same times give a byte-identical file.
 *
 * Queues may be driven by different threads (one context per core), so the
 * dumper is serialised by a mutex.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "nic/mw/mw.h"

/* utcp.conf: pcap (the file; with several ports each gets its own, see
 * nic/registry.c) and pcap_snaplen (0: 65535). */
const struct utcp_config_key utcp_pcap_keys[UTCP_PCAP_NB_KEYS] = {
	{ "pcap", UTCP_KEY_STR, offsetof(struct utcp_config, pcap), 0,
	  sizeof(((struct utcp_config *)0)->pcap), 0, 0 },
	{ "pcap_snaplen", UTCP_KEY_INT, offsetof(struct utcp_config, pcap_snaplen), 0, 262144, 0, 0 },
};
_Static_assert(sizeof(((struct utcp_config *)0)->pcap_snaplen) == sizeof(int),
	       "pcap_snaplen is set as an int");

/* Bytes of a record header in the file (ts_sec, ts_frac, caplen, len). */
#define PCAP_REC_HDR 16

struct pcap_mw {
	pcap_t *pd;
	pcap_dumper_t *dumper;
	uint32_t snaplen;
	int seekable;            /* the file can be truncated (a regular file) */
	pthread_mutex_t lock;
};

static void dump_frames(struct pcap_mw *pc, utcp_time_t now, struct utcp_pkt **pkts, uint16_t n)
{
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof(h));
	/* With PCAP_TSTAMP_PRECISION_NANO, tv_usec carries nanoseconds. */
	h.ts.tv_sec = (time_t)(now / UTCP_NSEC_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(now % UTCP_NSEC_PER_SEC);
	for (uint16_t i = 0; i < n; i++) {
		h.len = pkts[i]->len;
		h.caplen = pkts[i]->len < pc->snaplen ? pkts[i]->len : pc->snaplen;
		pcap_dump((u_char *)pc->dumper, &h, pkts[i]->data);
	}
}

static uint16_t cap_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct pcap_mw *pc = nic->priv;
	uint16_t got = utcp_nic_rx_burst(nic->lower, q, pkts, n);
	if (got == 0)
		return 0;
	utcp_time_t now = utcp_nic_now(nic->lower);
	pthread_mutex_lock(&pc->lock);
	dump_frames(pc, now, pkts, got);
	pthread_mutex_unlock(&pc->lock);
	return got;
}

/* Take the last records (those written from file offset `pos` on) back out. */
static void rollback(struct pcap_mw *pc, int64_t pos)
{
	FILE *f = pcap_dump_file(pc->dumper);
	if (fflush(f) != 0 || ftruncate(fileno(f), (off_t)pos) != 0)
		return;
	fseeko(f, (off_t)pos, SEEK_SET);
}

/*
 * The frames are written BEFORE they are handed down: once `lower` accepts a
 * buffer it owns it and may already have freed or reused it when tx_burst
 * returns, so reading it afterwards is not allowed.  Only the frames `lower`
 * accepted belong in the capture, so the records of the refused tail are
 * truncated away again afterwards (a regular file; on a pipe they stay, and
 * the caller's retry writes them once more).  The lock is held across the
 * lower call so that no other queue's records land between ours.
 */
static uint16_t cap_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct pcap_mw *pc = nic->priv;
	if (n == 0)
		return utcp_nic_tx_burst(nic->lower, q, pkts, n);
	utcp_time_t now = utcp_nic_now(nic->lower);

	pthread_mutex_lock(&pc->lock);
	dump_frames(pc, now, pkts, n);
	int64_t end = pc->seekable ? pcap_dump_ftell64(pc->dumper) : -1;
	uint16_t sent = utcp_nic_tx_burst(nic->lower, q, pkts, n);
	if (sent < n && end >= 0) {
		/* pkts[sent..n) are still the caller's, so their sizes may be read. */
		for (uint16_t i = sent; i < n; i++)
			end -= PCAP_REC_HDR + (pkts[i]->len < pc->snaplen ? pkts[i]->len : pc->snaplen);
		rollback(pc, end);
	}
	pthread_mutex_unlock(&pc->lock);
	return sent;
}

static struct utcp_pkt *cap_alloc(struct utcp_nic *nic, uint16_t q)
{
	return utcp_nic_alloc(nic->lower, q);
}

/* TSO frames are captured as handed to the NIC, before it cuts them, as
 * tcpdump sees a Linux sender's GSO frames. */
static struct utcp_pkt *cap_alloc_large(struct utcp_nic *nic, uint16_t q)
{
	struct utcp_nic *lower = nic->lower;
	return lower->ops->alloc_large != NULL ? lower->ops->alloc_large(lower, q) : NULL;
}

static void cap_free(struct utcp_nic *nic, struct utcp_pkt *pkt)
{
	utcp_nic_free(nic->lower, pkt);
}

static int cap_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	return utcp_nic_wait(nic->lower, q, deadline);
}

static int cap_wake(struct utcp_nic *nic, uint16_t q)
{
	return utcp_nic_wake(nic->lower, q);
}

static int cap_poll_fd(struct utcp_nic *nic, uint16_t q)
{
	return nic->lower->ops->poll_fd != NULL ? nic->lower->ops->poll_fd(nic->lower, q) : -1;
}

static utcp_time_t cap_now(struct utcp_nic *nic)
{
	return utcp_nic_now(nic->lower);
}

static int cap_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	if (nic->lower->ops->stats == NULL) {
		errno = ENOTSUP;
		return -1;
	}
	return nic->lower->ops->stats(nic->lower, st);
}

static void pcap_mw_free(struct pcap_mw *pc)
{
	if (pc->dumper != NULL) {
		pcap_dump_flush(pc->dumper);
		pcap_dump_close(pc->dumper);
	}
	if (pc->pd != NULL)
		pcap_close(pc->pd);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

static void cap_close(struct utcp_nic *nic)
{
	pcap_mw_free(nic->priv);
	utcp_nic_close(nic->lower);
	free(nic);
}

static const struct utcp_nic_ops cap_ops = {
	.name = "pcap",
	.rx_burst = cap_rx_burst,
	.tx_burst = cap_tx_burst,
	.alloc = cap_alloc,
	.alloc_large = cap_alloc_large,
	.free = cap_free,
	.wait = cap_wait,
	.now = cap_now,
	.stats = cap_stats,
	.close = cap_close,
	.wake = cap_wake,
	.poll_fd = cap_poll_fd,
};

static int is_regular(pcap_dumper_t *d)
{
	FILE *f = pcap_dump_file(d);
	off_t pos = ftello(f);
	return pos >= 0 && lseek(fileno(f), 0, SEEK_CUR) >= 0;
}

/* On failure returns NULL with err set; `lower` is left open (the caller's). */
struct utcp_nic *utcp_pcap_wrap(struct utcp_nic *lower, const char *path, uint32_t snaplen,
				char *err, size_t errlen)
{
	struct pcap_mw *pc = calloc(1, sizeof(*pc));
	struct utcp_nic *nic = calloc(1, sizeof(*nic));
	if (pc == NULL || nic == NULL) {
		snprintf(err, errlen, "pcap %s: out of memory", path);
		free(pc);
		free(nic);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&pc->lock, NULL);
	pc->snaplen = snaplen ? snaplen : 65535;
	pc->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)pc->snaplen,
						      PCAP_TSTAMP_PRECISION_NANO);
	if (pc->pd == NULL) {
		snprintf(err, errlen, "pcap %s: pcap_open_dead failed", path);
		goto fail;
	}
	pc->dumper = pcap_dump_open(pc->pd, path);
	if (pc->dumper == NULL) {
		snprintf(err, errlen, "pcap %s: %s", path, pcap_geterr(pc->pd));
		goto fail;
	}
	pc->seekable = is_regular(pc->dumper);

	nic->ops = &cap_ops;
	nic->caps = lower->caps;
	memcpy(nic->name, lower->name, sizeof(nic->name));
	nic->lower = lower;
	nic->priv = pc;
	return nic;
fail:
	pcap_mw_free(pc);
	free(nic);
	errno = EIO;
	return NULL;
}
