/*
 * tests/psio-fake/include/ps.h - a FAKE of the PacketShader I/O engine's
 * user API (io_engine's include/ps.h and libps), for tests only.
 *
 * The real engine needs its ps_ixgbe kernel driver (Linux 2.6, Intel 82599
 * NICs), which no test machine has.  This header declares the same types,
 * constants and functions the real one declares for user space, with the
 * same names and meanings, so nic/psio/psio.c compiles unchanged against
 * either; tests/psio-fake/fake_ps.c implements them in memory.  Nothing here
 * talks to a device.  The ps_fake_* functions at the end exist only in the
 * fake: a test builds its devices and wires with them.
 */
#ifndef UTCP_FAKE_PS_H
#define UTCP_FAKE_PS_H

#include <stdint.h>

#define MAX_DEVICES 16
#define MAX_RINGS 64

#ifndef IFNAMSIZ
#define IFNAMSIZ 16
#endif
#ifndef ETH_ALEN
#define ETH_ALEN 6
#endif

#define MAX_PACKET_SIZE 2048 /* bytes per frame slot in a chunk */
#define MAX_CHUNK_SIZE 4096  /* frames a chunk can hold */
#define ENTRY_CNT 4096

/* ps_pkt_info.checksum_rx: what the NIC found. */
#define PS_CHECKSUM_RX_UNKNOWN 0
#define PS_CHECKSUM_RX_GOOD 1
#define PS_CHECKSUM_RX_BAD 2

struct ps_device {
	char name[IFNAMSIZ];
	char dev_addr[ETH_ALEN];
	uint32_t ip_addr;   /* network order */
	int ifindex;        /* the engine's index (not the kernel's) */
	int kifindex;       /* the kernel's ifindex */
	int num_rx_queues;
	int num_tx_queues;
};

struct ps_queue {
	int ifindex;
	int qidx;
};

struct ps_pkt_info {
	uint32_t offset;    /* of the frame in chunk->buf */
	uint16_t len;
	uint8_t checksum_rx;
};

struct ps_chunk {
	int cnt;            /* in: room (rx) / frames (tx); out: frames */
	int recv_blocking;
	struct ps_queue queue; /* rx: where the frames came from; tx: where to */
	struct ps_pkt_info *info;
	char *buf;
};

typedef uint16_t nids_set;
#define NID_ZERO(isp) (isp = 0)
#define NID_SET(id, isp) (isp |= 1 << (id))
#define NID_CLR(id, isp) (isp &= ~(1 << (id)))
#define NID_ISSET(id, isp) ((isp) & (1 << (id)))

struct ps_event {
	long timeout;       /* microseconds */
	int qidx;
	nids_set rx_nids;   /* in: devices to watch; out: devices with frames */
	nids_set tx_nids;
};

struct ps_handle {
	int fd;
	uint64_t rx_chunks[MAX_DEVICES];
	uint64_t rx_packets[MAX_DEVICES];
	uint64_t rx_bytes[MAX_DEVICES];
	uint64_t tx_chunks[MAX_DEVICES];
	uint64_t tx_packets[MAX_DEVICES];
	uint64_t tx_bytes[MAX_DEVICES];
	void *priv;
};

int ps_list_devices(struct ps_device *devices);
int ps_init_handle(struct ps_handle *handle);
void ps_close_handle(struct ps_handle *handle);
int ps_attach_rx_device(struct ps_handle *handle, struct ps_queue *queue);
int ps_detach_rx_device(struct ps_handle *handle, struct ps_queue *queue);
int ps_alloc_chunk(struct ps_handle *handle, struct ps_chunk *chunk);
void ps_free_chunk(struct ps_chunk *chunk);
int ps_recv_chunk(struct ps_handle *handle, struct ps_chunk *chunk);
int ps_send_chunk(struct ps_handle *handle, struct ps_chunk *chunk);
int ps_select(struct ps_handle *handle, struct ps_event *event);

/* ---- fake only ---------------------------------------------------------- */

/* Add a device with `queues` rx and tx queues; returns its ifindex or -1. */
int ps_fake_add_device(const char *name, const uint8_t mac[ETH_ALEN], int queues);
/* Wire two devices back to back: what one sends, the other receives, on the
 * queue the 82599 would pick (Toeplitz with the symmetric key over the IPv4
 * TCP 4-tuple, redirection table entry i -> queue i % queues; other frames
 * on queue 0).  A queue holds at most `depth` frames; more are dropped. */
int ps_fake_link(int ifindex_a, int ifindex_b, int depth);
/* Frames received on (ifindex, queue) so far. */
uint64_t ps_fake_rx_count(int ifindex, int queue);
/* Handles and chunks not yet closed/freed (0 after a clean shutdown). */
int ps_fake_open_handles(void);
int ps_fake_open_chunks(void);
/* Remove every device and the frames they hold. */
void ps_fake_reset(void);

#endif /* UTCP_FAKE_PS_H */
