/*
 * core/base/pool.c - fixed-size object pools and packet-buffer pools.
 *
 * A pool's memory is one allocation: from malloc when small, from mmap
 * when it is POOL_MAP_MIN bytes or more.  Lazy pools reserve room for a
 * context's whole connection limit (up to gigabytes of address space that
 * stays untouched); mapped directly, that reservation costs nothing under
 * AddressSanitizer either, whose allocator would poison and unpoison the
 * shadow of every reserved byte at each creation and release.  Mapped
 * memory is not a heap chunk that LeakSanitizer scans, so it is named to
 * it as a root region while it lives.
 */
#include "core/base/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <utcp/nic.h>

#define POOL_ALIGN 64
#define POOL_MAP_MIN ((size_t)1 << 20)

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define POOL_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_LEAK__)
#define POOL_LSAN 1
#endif
#ifdef POOL_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static void *pool_mem_get(size_t len)
{
	void *mem = NULL;
	if (len < POOL_MAP_MIN)
		return posix_memalign(&mem, POOL_ALIGN, len) == 0 ? mem : NULL;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
#ifdef POOL_LSAN
	__lsan_register_root_region(mem, len);
#endif
	return mem;
}

static void pool_mem_put(void *mem, size_t len)
{
	if (len < POOL_MAP_MIN) {
		free(mem);
		return;
	}
#ifdef POOL_LSAN
	__lsan_unregister_root_region(mem, len);
#endif
	munmap(mem, len);
}

/* The allocation, nothing threaded: every object is still fresh. */
static int pool_alloc(struct utcp_pool *p, const char *name, size_t size, uint32_t count)
{
	memset(p, 0, sizeof(*p));
	p->obj_size = size;
	if (size < sizeof(void *))
		size = sizeof(void *);
	size = (size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	if (count == 0 || size > SIZE_MAX / count) {
		errno = EINVAL;
		return -1;
	}
	p->mem = pool_mem_get(size * count);
	if (p->mem == NULL) {
		errno = ENOMEM;
		return -1;
	}
	p->size = size;
	p->count = count;
	p->name = name;
	return 0;
}

int utcp_pool_init_lazy(struct utcp_pool *p, const char *name, size_t size, uint32_t count)
{
	return pool_alloc(p, name, size, count);
}

int utcp_pool_init(struct utcp_pool *p, const char *name, size_t size, uint32_t count)
{
	if (pool_alloc(p, name, size, count) < 0)
		return -1;
	/* Thread the free list so that get() hands out objects in address order. */
	char *base = p->mem;
	for (uint32_t i = p->count; i-- > 0;) {
		void *obj = base + (size_t)i * p->size;
		*(void **)obj = p->free_list;
		p->free_list = obj;
	}
	p->fresh = p->count;
	return 0;
}

void utcp_pool_destroy(struct utcp_pool *p)
{
	if (p->mem != NULL)
		pool_mem_put(p->mem, p->size * p->count);
	memset(p, 0, sizeof(*p));
}

/* utcp_pool_get, in line for this file's packet pools (an exported
 * function is not inlined in the shared library). */
static inline void *pool_get(struct utcp_pool *p)
{
	void *obj = p->free_list;
	if (obj != NULL) {
		p->free_list = *(void **)obj;
	} else if (p->fresh < p->count) { /* lazy mode: carve the next one */
		obj = (char *)p->mem + (size_t)p->fresh++ * p->size;
	} else {
		p->failures++;
		return NULL;
	}
	p->in_use++;
	if (p->in_use > p->high_water)
		p->high_water = p->in_use;
	return obj;
}

void *utcp_pool_get(struct utcp_pool *p)
{
	return pool_get(p);
}

/* utcp_pool_put, in line here as pool_get. */
static inline void pool_put(struct utcp_pool *p, void *obj)
{
	*(void **)obj = p->free_list;
	p->free_list = obj;
	p->in_use--;
}

void utcp_pool_put(struct utcp_pool *p, void *obj)
{
	pool_put(p, obj);
}

int utcp_pool_owns(const struct utcp_pool *p, const void *obj)
{
	const char *base = p->mem, *o = obj;
	if (o < base || o >= base + p->size * p->count)
		return 0;
	return (size_t)(o - base) % p->size == 0;
}

static size_t pkt_hdr_size(void)
{
	return (sizeof(struct utcp_pkt) + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
}

int utcp_pkt_pool_init(struct utcp_pkt_pool *pp, const char *name, uint32_t buf_size,
		       uint32_t count)
{
	pp->buf_size = buf_size;
	return utcp_pool_init(&pp->pool, name, pkt_hdr_size() + buf_size, count);
}

void utcp_pkt_pool_destroy(struct utcp_pkt_pool *pp)
{
	utcp_pool_destroy(&pp->pool);
}

struct utcp_pkt *utcp_pkt_pool_get(struct utcp_pkt_pool *pp)
{
	struct utcp_pkt *pkt = pool_get(&pp->pool);
	if (pkt == NULL)
		return NULL;
	pkt->buf = (uint8_t *)pkt + pkt_hdr_size();
	pkt->buf_len = pp->buf_size;
	pkt->owner = pp;
	pkt->queue = 0;
	utcp_pkt_reset(pkt);
	return pkt;
}

void utcp_pkt_pool_put(struct utcp_pkt *pkt)
{
	struct utcp_pkt_pool *pp = pkt->owner;
	pool_put(&pp->pool, pkt);
}

struct utcp_pkt *utcp_pkt_pool_clone(struct utcp_pkt_pool *pp, const struct utcp_pkt *src)
{
	struct utcp_pkt *p = utcp_pkt_pool_get(pp);
	if (p == NULL)
		return NULL;
	if (src->len > utcp_pkt_tailroom(p)) {
		utcp_pkt_pool_put(p);
		return NULL;
	}
	memcpy(p->data, src->data, src->len);
	p->len = src->len;
	p->queue = src->queue;
	p->ol_flags = src->ol_flags;
	p->rss_hash = src->rss_hash;
	p->l2_len = src->l2_len;
	p->l3_len = src->l3_len;
	p->tso_segsz = src->tso_segsz;
	p->lro_segs = src->lro_segs;
	return p;
}
