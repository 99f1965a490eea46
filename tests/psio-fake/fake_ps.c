/*
 * tests/psio-fake/fake_ps.c - a FAKE, in-memory implementation of the
 * PacketShader I/O engine's user API (tests/psio-fake/include/ps.h), for
 * testing nic/psio/psio.c where no 82599 NIC and no ps_ixgbe driver exist.
 *
 * Model: devices made with ps_fake_add_device() and wired in pairs with
 * ps_fake_link().  Each device has one FIFO of frames per rx queue.
 * ps_send_chunk() copies the chunk's frames into the peer device's FIFOs,
 * steering each by the 82599's RSS (symmetric Toeplitz, redirection table
 * i -> i % queues); ps_recv_chunk() copies frames from the queues a handle
 * attached into the chunk, at MAX_PACKET_SIZE slots; ps_select() waits
 * (condition variable, timeout in microseconds) until one of them has
 * frames.  Like the real libps, the handle's rx/tx counters are updated.
 * Handles and chunks are counted so a test can check that the backend
 * released everything.  One mutex guards it all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ps.h"

#define FAKE_MAX_QUEUES 16

struct fake_frame {
	struct fake_frame *next;
	uint16_t len;
	char data[MAX_PACKET_SIZE];
};

struct fake_rxq {
	struct fake_frame *head, *tail;
	int count;
	uint64_t received;
};

struct fake_dev {
	struct ps_device info;
	int peer;        /* ifindex of the wired device, -1 none */
	int depth;
	struct fake_rxq q[FAKE_MAX_QUEUES];
};

struct fake_handle {
	struct ps_queue attached[MAX_RINGS];
	int nb_attached;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t arrived = PTHREAD_COND_INITIALIZER;
static struct fake_dev devs[MAX_DEVICES];
static int nb_devs;
static int open_handles, open_chunks;

/* The 82599's symmetric key: 0x6d5a repeated (Woo & Park). */
static uint32_t toeplitz(const uint8_t *in, int len)
{
	uint8_t key[40];
	for (int i = 0; i < 40; i += 2) {
		key[i] = 0x6d;
		key[i + 1] = 0x5a;
	}
	uint32_t hash = 0, v = ((uint32_t)key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3];
	for (int i = 0; i < len; i++) {
		for (int b = 7; b >= 0; b--) {
			if (in[i] & (1 << b))
				hash ^= v;
			v = (v << 1) | ((key[i + 4] >> b) & 1);
		}
	}
	return hash;
}

/* Queue for a frame: IPv4/TCP by RSS, everything else queue 0. */
static int steer(const char *f, int len, int queues)
{
	const uint8_t *p = (const uint8_t *)f;
	if (queues <= 1 || len < 14 + 20 + 4 || p[12] != 0x08 || p[13] != 0x00 || p[23] != 6)
		return 0;
	int ihl = (p[14] & 0x0f) * 4;
	if (len < 14 + ihl + 4)
		return 0;
	uint8_t in[12];
	memcpy(in, p + 26, 8);          /* source, destination address */
	memcpy(in + 8, p + 14 + ihl, 4); /* source, destination port */
	uint32_t h = toeplitz(in, 12);
	return (int)((h & 127) % (uint32_t)queues);
}

int ps_fake_add_device(const char *name, const uint8_t mac[ETH_ALEN], int queues)
{
	pthread_mutex_lock(&lock);
	int i = nb_devs;
	if (i == MAX_DEVICES || queues < 1 || queues > FAKE_MAX_QUEUES) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	memset(&devs[i], 0, sizeof(devs[i]));
	strncpy(devs[i].info.name, name, IFNAMSIZ - 1);
	memcpy(devs[i].info.dev_addr, mac, ETH_ALEN);
	devs[i].info.ifindex = i;
	devs[i].info.kifindex = 100 + i;
	devs[i].info.num_rx_queues = devs[i].info.num_tx_queues = queues;
	devs[i].peer = -1;
	nb_devs++;
	pthread_mutex_unlock(&lock);
	return i;
}

int ps_fake_link(int a, int b, int depth)
{
	if (a < 0 || b < 0 || a >= nb_devs || b >= nb_devs || a == b || depth < 1)
		return -1;
	pthread_mutex_lock(&lock);
	devs[a].peer = b;
	devs[b].peer = a;
	devs[a].depth = devs[b].depth = depth;
	pthread_mutex_unlock(&lock);
	return 0;
}

uint64_t ps_fake_rx_count(int ifindex, int queue)
{
	return devs[ifindex].q[queue].received;
}

int ps_fake_open_handles(void)
{
	return open_handles;
}

int ps_fake_open_chunks(void)
{
	return open_chunks;
}

void ps_fake_reset(void)
{
	pthread_mutex_lock(&lock);
	for (int d = 0; d < nb_devs; d++)
		for (int q = 0; q < FAKE_MAX_QUEUES; q++)
			while (devs[d].q[q].head) {
				struct fake_frame *f = devs[d].q[q].head;
				devs[d].q[q].head = f->next;
				free(f);
			}
	nb_devs = 0;
	pthread_mutex_unlock(&lock);
}

int ps_list_devices(struct ps_device *devices)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nb_devs; i++)
		devices[i] = devs[i].info;
	int n = nb_devs;
	pthread_mutex_unlock(&lock);
	return n;
}

int ps_init_handle(struct ps_handle *handle)
{
	memset(handle, 0, sizeof(*handle));
	handle->priv = calloc(1, sizeof(struct fake_handle));
	if (handle->priv == NULL) {
		errno = ENOMEM;
		return -1;
	}
	handle->fd = 1000 + open_handles;
	__atomic_add_fetch(&open_handles, 1, __ATOMIC_RELAXED);
	return 0;
}

void ps_close_handle(struct ps_handle *handle)
{
	free(handle->priv);
	handle->priv = NULL;
	handle->fd = -1;
	__atomic_sub_fetch(&open_handles, 1, __ATOMIC_RELAXED);
}

int ps_attach_rx_device(struct ps_handle *handle, struct ps_queue *queue)
{
	struct fake_handle *fh = handle->priv;
	if (queue->ifindex < 0 || queue->ifindex >= nb_devs || queue->qidx < 0 ||
	    queue->qidx >= devs[queue->ifindex].info.num_rx_queues || fh->nb_attached == MAX_RINGS) {
		errno = EINVAL;
		return -1;
	}
	fh->attached[fh->nb_attached++] = *queue;
	return 0;
}

int ps_detach_rx_device(struct ps_handle *handle, struct ps_queue *queue)
{
	struct fake_handle *fh = handle->priv;
	for (int i = 0; i < fh->nb_attached; i++)
		if (fh->attached[i].ifindex == queue->ifindex && fh->attached[i].qidx == queue->qidx) {
			fh->attached[i] = fh->attached[--fh->nb_attached];
			return 0;
		}
	errno = ENOENT;
	return -1;
}

int ps_alloc_chunk(struct ps_handle *handle, struct ps_chunk *chunk)
{
	(void)handle;
	memset(chunk, 0, sizeof(*chunk));
	chunk->info = calloc(MAX_CHUNK_SIZE, sizeof(*chunk->info));
	chunk->buf = malloc((size_t)MAX_PACKET_SIZE * MAX_CHUNK_SIZE);
	if (chunk->info == NULL || chunk->buf == NULL) {
		free(chunk->info);
		free(chunk->buf);
		errno = ENOMEM;
		return -1;
	}
	__atomic_add_fetch(&open_chunks, 1, __ATOMIC_RELAXED);
	return 0;
}

void ps_free_chunk(struct ps_chunk *chunk)
{
	free(chunk->info);
	free(chunk->buf);
	chunk->info = NULL;
	chunk->buf = NULL;
	__atomic_sub_fetch(&open_chunks, 1, __ATOMIC_RELAXED);
}

/* Frames from one attached queue into the chunk; lock held. */
static int take_frames(struct ps_handle *handle, struct ps_chunk *chunk, const struct ps_queue *pq)
{
	struct fake_rxq *q = &devs[pq->ifindex].q[pq->qidx];
	int n = 0;
	while (n < chunk->cnt && n < MAX_CHUNK_SIZE && q->head != NULL) {
		struct fake_frame *f = q->head;
		q->head = f->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->count--;
		chunk->info[n].offset = (uint32_t)n * MAX_PACKET_SIZE;
		chunk->info[n].len = f->len;
		chunk->info[n].checksum_rx = PS_CHECKSUM_RX_UNKNOWN;
		memcpy(chunk->buf + chunk->info[n].offset, f->data, f->len);
		handle->rx_bytes[pq->ifindex] += f->len;
		free(f);
		n++;
	}
	chunk->queue = *pq;
	handle->rx_packets[pq->ifindex] += (uint64_t)n;
	handle->rx_chunks[pq->ifindex]++;
	return n;
}

int ps_recv_chunk(struct ps_handle *handle, struct ps_chunk *chunk)
{
	struct fake_handle *fh = handle->priv;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < fh->nb_attached; i++) {
		const struct ps_queue *pq = &fh->attached[i];
		if (devs[pq->ifindex].q[pq->qidx].head != NULL) {
			int n = take_frames(handle, chunk, pq);
			pthread_mutex_unlock(&lock);
			chunk->cnt = n;
			return n;
		}
	}
	pthread_mutex_unlock(&lock);
	chunk->cnt = 0;
	errno = EAGAIN; /* nonblocking and nothing there */
	return -1;
}

/* One frame to the peer's queue; lock held.  0, or -1 if dropped. */
static int deliver(int dev, const char *data, uint16_t len)
{
	struct fake_dev *peer = &devs[devs[dev].peer];
	struct fake_rxq *q = &peer->q[steer(data, len, peer->info.num_rx_queues)];
	if (q->count >= devs[dev].depth)
		return -1;
	struct fake_frame *f = malloc(sizeof(*f));
	if (f == NULL)
		return -1;
	f->next = NULL;
	f->len = len;
	memcpy(f->data, data, len);
	if (q->tail)
		q->tail->next = f;
	else
		q->head = f;
	q->tail = f;
	q->count++;
	q->received++;
	return 0;
}

int ps_send_chunk(struct ps_handle *handle, struct ps_chunk *chunk)
{
	int dev = chunk->queue.ifindex;
	if (dev < 0 || dev >= nb_devs || chunk->queue.qidx < 0 ||
	    chunk->queue.qidx >= devs[dev].info.num_tx_queues || chunk->cnt < 0) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&lock);
	int i;
	for (i = 0; i < chunk->cnt; i++) {
		const struct ps_pkt_info *pi = &chunk->info[i];
		if (pi->len > MAX_PACKET_SIZE) {
			pthread_mutex_unlock(&lock);
			errno = EINVAL;
			return -1;
		}
		/* no peer: the wire is unplugged and frames vanish, as on a NIC */
		if (devs[dev].peer >= 0 && deliver(dev, chunk->buf + pi->offset, pi->len) < 0)
			break; /* the peer's queue is full: the ring did not take it */
		handle->tx_bytes[dev] += pi->len;
	}
	handle->tx_packets[dev] += (uint64_t)i;
	handle->tx_chunks[dev]++;
	pthread_cond_broadcast(&arrived);
	pthread_mutex_unlock(&lock);
	return i;
}

/* rx_nids out: attached devices of event->qidx with frames; lock held. */
static nids_set ready(struct fake_handle *fh, const struct ps_event *ev)
{
	nids_set s = 0;
	for (int i = 0; i < fh->nb_attached; i++) {
		const struct ps_queue *pq = &fh->attached[i];
		if (pq->qidx == ev->qidx && NID_ISSET(pq->ifindex, ev->rx_nids) &&
		    devs[pq->ifindex].q[pq->qidx].head != NULL)
			NID_SET(pq->ifindex, s);
	}
	return s;
}

int ps_select(struct ps_handle *handle, struct ps_event *event)
{
	struct fake_handle *fh = handle->priv;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	long us = event->timeout < 0 ? 0 : event->timeout;
	until.tv_sec += us / 1000000;
	until.tv_nsec += (us % 1000000) * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	nids_set s;
	while ((s = ready(fh, event)) == 0)
		if (pthread_cond_timedwait(&arrived, &lock, &until) == ETIMEDOUT)
			break;
	s = ready(fh, event);
	pthread_mutex_unlock(&lock);
	event->rx_nids = s;
	event->tx_nids = 0;
	return s != 0;
}
