/*
 * core/base/pool.h - fixed-size object pools, preallocated once.
 *
 * A pool hands out `count` objects of `size` bytes from one allocation made
 * at creation; get/put are O(1) pointer pops/pushes on a free list and never
 * call malloc.  in_use counts objects handed out and not yet returned, so
 * tests can assert that nothing leaked.  A pool belongs to one context.
 *
 * Two modes, one get/put:
 *   eager (utcp_pool_init): the free list is threaded through every object
 *     at creation, so get() hands them out in address order.
 *   lazy (utcp_pool_init_lazy): creation touches no object; get() takes
 *     the free list first and otherwise carves the next never-used object,
 *     up to count.  A large pool then costs address space, and resident
 *     memory only for the objects ever handed out (TCBs, socket buffers).
 */
#ifndef UTCP_CORE_POOL_H
#define UTCP_CORE_POOL_H

#include <stddef.h>
#include <stdint.h>

struct utcp_pool {
	void *mem;            /* the one allocation */
	void *free_list;      /* singly linked through the first word of each object */
	size_t size;          /* object stride: obj_size (>= sizeof(void *)), aligned */
	size_t obj_size;      /* object size asked for */
	uint32_t count;       /* objects in the pool */
	uint32_t fresh;       /* objects [fresh, count) never handed out (lazy mode) */
	uint32_t in_use;      /* objects handed out */
	uint32_t high_water;  /* most ever in use */
	uint64_t failures;    /* get() calls that found the pool empty */
	const char *name;
};

/* 0, or -1 with errno EINVAL (count 0, too large) or ENOMEM.  Objects are
 * 64-byte aligned. */
int utcp_pool_init(struct utcp_pool *p, const char *name, size_t size, uint32_t count);
/* The same, in lazy mode: no object is touched before get() hands it out. */
int utcp_pool_init_lazy(struct utcp_pool *p, const char *name, size_t size, uint32_t count);
void utcp_pool_destroy(struct utcp_pool *p);
/* An object, or NULL when the pool is empty (counted in failures). */
void *utcp_pool_get(struct utcp_pool *p);
void utcp_pool_put(struct utcp_pool *p, void *obj);
/* 1 if obj is an object of this pool (lazy mode: carved or not). */
int utcp_pool_owns(const struct utcp_pool *p, const void *obj);
static inline uint32_t utcp_pool_avail(const struct utcp_pool *p)
{
	return p->count - p->in_use;
}

/*
 * A pool of packet buffers: each object is a struct utcp_pkt followed by its
 * buffer (buf_size bytes).  Backends that do not wrap their own memory use it.
 */
struct utcp_pkt;
struct utcp_pkt_pool {
	struct utcp_pool pool;
	uint32_t buf_size;
};
int utcp_pkt_pool_init(struct utcp_pkt_pool *pp, const char *name, uint32_t buf_size,
		       uint32_t count);
void utcp_pkt_pool_destroy(struct utcp_pkt_pool *pp);
/* A buffer in utcp_pkt_reset() state with owner = pp, or NULL. */
struct utcp_pkt *utcp_pkt_pool_get(struct utcp_pkt_pool *pp);
/* Return a buffer to the pool recorded in pkt->owner. */
void utcp_pkt_pool_put(struct utcp_pkt *pkt);
/* Copy a frame (data, len, ol_flags, rss_hash, queue) into a fresh buffer of pp. */
struct utcp_pkt *utcp_pkt_pool_clone(struct utcp_pkt_pool *pp, const struct utcp_pkt *src);

#endif
