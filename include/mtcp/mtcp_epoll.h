/*
 * mtcp_epoll.h - mTCP's epoll interface, on utcp (libutcp-mtcp).
 *
 * mTCP's names and values (the event bits are Linux's), and its event
 * structure, which unlike Linux's on x86-64 is not packed: 16 bytes.
 *
 * Call order: mtcp_epoll_create(mctx, size) -> mtcp_epoll_ctl(ADD/MOD/DEL)
 * -> loop mtcp_epoll_wait (drives the context's stack; -1 with EINTR after
 * SIGINT, see mtcp_register_signal) -> mtcp_close(mctx, epid).
 */
#ifndef MTCP_EPOLL_H
#define MTCP_EPOLL_H

#include <stdint.h>

#include "mtcp_api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mtcp_epoll_op {
	MTCP_EPOLL_CTL_ADD = 1,
	MTCP_EPOLL_CTL_DEL = 2,
	MTCP_EPOLL_CTL_MOD = 3,
};

enum mtcp_event_type {
	MTCP_EPOLLNONE = 0x000,
	MTCP_EPOLLIN = 0x001,
	MTCP_EPOLLPRI = 0x002,
	MTCP_EPOLLOUT = 0x004,
	MTCP_EPOLLRDNORM = 0x040,
	MTCP_EPOLLRDBAND = 0x080,
	MTCP_EPOLLWRNORM = 0x100,
	MTCP_EPOLLWRBAND = 0x200,
	MTCP_EPOLLMSG = 0x400,
	MTCP_EPOLLERR = 0x008,
	MTCP_EPOLLHUP = 0x010,
	MTCP_EPOLLRDHUP = 0x2000,
	MTCP_EPOLLONESHOT = (1 << 30),
	MTCP_EPOLLET = (int)0x80000000u, /* (1 << 31), without the overflow */
};

typedef union mtcp_epoll_data {
	void *ptr;
	int sockid;
	uint32_t u32;
	uint64_t u64;
} mtcp_epoll_data_t;

struct mtcp_epoll_event {
	uint32_t events;
	mtcp_epoll_data_t data;
};

int mtcp_epoll_create(mctx_t mctx, int size);
/* flags: 0 or O_CLOEXEC */
int mtcp_epoll_create1(mctx_t mctx, int flags);
int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sockid, struct mtcp_epoll_event *event);
int mtcp_epoll_wait(mctx_t mctx, int epid, struct mtcp_epoll_event *events, int maxevents,
		    int timeout);
/* "NONE", "IN", "PRI", "OUT", "ERR", "HUP", "RDHUP" for one event bit;
 * "UNKNOWN" for anything else (mTCP asserts). */
char *EventToString(uint32_t event);

#ifdef __cplusplus
}
#endif
#endif /* MTCP_EPOLL_H */
