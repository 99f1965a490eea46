/*
 * nic/fanout.c - per-queue rings of ARP/ICMP frame copies (see fanout.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nic/fanout.h"

#define ETH_HLEN 14
#define IPPROTO_ICMP_ 1
#define ICMP_ECHO_REQUEST 8
#define IPPROTO_ICMPV6_ 58
#define ICMP6_ECHO_REQUEST 128

int utcp_fanout_init(struct utcp_fanout *f, uint16_t nb_queues)
{
	f->nb_queues = nb_queues;
	f->ring = NULL;
	if (nb_queues <= 1)
		return 0;
	f->ring = calloc(nb_queues, sizeof(*f->ring));
	if (f->ring == NULL)
		goto nomem;
	for (uint16_t q = 0; q < nb_queues; q++) {
		pthread_mutex_init(&f->ring[q].lock, NULL);
		f->ring[q].data = malloc(UTCP_FANOUT_SLOTS * sizeof(*f->ring[q].data));
		if (f->ring[q].data == NULL)
			goto nomem;
	}
	return 0;
nomem:
	utcp_fanout_destroy(f);
	errno = ENOMEM;
	return -1;
}

void utcp_fanout_destroy(struct utcp_fanout *f)
{
	if (f->ring != NULL) {
		for (uint16_t q = 0; q < f->nb_queues; q++) {
			free(f->ring[q].data);
			pthread_mutex_destroy(&f->ring[q].lock);
		}
		free(f->ring);
	}
	f->ring = NULL;
}

int utcp_fanout_wanted(const uint8_t *frame, uint32_t len)
{
	if (len < ETH_HLEN)
		return 0;
	if (frame[12] == 0x86 && frame[13] == 0xdd) {
		/* IPv6: TCP and UDP are steered by the 4-tuple like IPv4's;
		 * ICMPv6 (neighbour discovery, errors) reaches every context
		 * but an echo request, which one answers. */
		if (len < ETH_HLEN + 40 + 1 || frame[ETH_HLEN + 6] != IPPROTO_ICMPV6_)
			return 0;
		return frame[ETH_HLEN + 40] != ICMP6_ECHO_REQUEST;
	}
	if (frame[12] != 0x08 || frame[13] != 0x00)
		return 1; /* not IPv4: ARP and the rest */
	if (len < ETH_HLEN + 20 || frame[ETH_HLEN + 9] != IPPROTO_ICMP_)
		return 0;
	uint32_t ihl = (uint32_t)(frame[ETH_HLEN] & 0x0f) * 4;
	if (len < ETH_HLEN + ihl + 1)
		return 0;
	return frame[ETH_HLEN + ihl] != ICMP_ECHO_REQUEST;
}

static void ring_put(struct utcp_fanout_ring *r, const uint8_t *frame, uint32_t len)
{
	pthread_mutex_lock(&r->lock);
	if (r->count == UTCP_FANOUT_SLOTS || len > UTCP_FANOUT_FRAME) {
		r->dropped++;
	} else {
		uint32_t slot = (r->head + r->count) % UTCP_FANOUT_SLOTS;
		memcpy(r->data[slot], frame, len);
		r->len[slot] = (uint16_t)len;
		__atomic_store_n(&r->count, r->count + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&r->lock);
}

void utcp_fanout_push(struct utcp_fanout *f, uint16_t from, const uint8_t *frame, uint32_t len)
{
	if (f->ring == NULL)
		return;
	for (uint16_t q = 0; q < f->nb_queues; q++)
		if (q != from)
			ring_put(&f->ring[q], frame, len);
}

uint32_t utcp_fanout_pop(struct utcp_fanout *f, uint16_t q, uint8_t *buf, uint32_t room)
{
	if (f->ring == NULL)
		return 0;
	struct utcp_fanout_ring *r = &f->ring[q];
	if (__atomic_load_n(&r->count, __ATOMIC_ACQUIRE) == 0)
		return 0;
	uint32_t len = 0;
	pthread_mutex_lock(&r->lock);
	while (r->count > 0 && len == 0) {
		uint32_t slot = r->head;
		r->head = (r->head + 1) % UTCP_FANOUT_SLOTS;
		__atomic_store_n(&r->count, r->count - 1, __ATOMIC_RELEASE);
		if (r->len[slot] <= room) {
			memcpy(buf, r->data[slot], r->len[slot]);
			len = r->len[slot];
		} else {
			r->dropped++;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return len;
}

uint64_t utcp_fanout_dropped(const struct utcp_fanout *f)
{
	uint64_t n = 0;
	for (uint16_t q = 0; f->ring != NULL && q < f->nb_queues; q++)
		n += f->ring[q].dropped;
	return n;
}
