/* SPDX-License-Identifier: MIT */
/*
 * Pre-faulted size-class pools for the registration table (design notes in
 * regalloc.h).
 *
 * Who writes what:
 *  - carving: any allocating thread takes whole units with one fetch_add on
 *    next_unit, writes unit_class[] for them, and pushes the objects (but
 *    the one it returns) as one chain onto the class stack;
 *  - pops: allocating threads, inside read-side sections;
 *  - pushes: the call_rcu threads (regalloc_retire callbacks), and
 *    teardown (regalloc_put_now).
 * The region is unmapped only by regalloc_fini(), after urcu_qsbr_barrier().
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "regalloc.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RA_ASAN 1
#endif

#ifdef RA_ASAN
#include <sanitizer/asan_interface.h>
/* The first 16 bytes (rcu_head / free link) stay addressable: a
 * concurrent pop may read the link of an object another thread just took. */
#define RA_POISON(p, n) ASAN_POISON_MEMORY_REGION((char *)(p) + 16, (n) - 16)
#define RA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define RA_POISON(p, n) ((void)(p), (void)(n))
#define RA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/*
 * Regions alive in this process, so that a call_rcu callback (which gets
 * only the rcu_head) finds the pool an object belongs to without a
 * per-object back pointer. Written under a mutex at init/fini only.
 */
#define RA_MAX_REGIONS 64
static struct regalloc *_Atomic ra_regions[RA_MAX_REGIONS];
static pthread_mutex_t ra_regions_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t
class_size(int c)
{
	unsigned e, q;

	if (c < 5)
		return RA_MIN_SIZE + 16u * (unsigned)c;
	e = 7 + (unsigned)(c - 5) / 8;
	q = (unsigned)(c - 5) % 8 + 1;
	return ((size_t)1 << e) + (size_t)q * ((size_t)1 << (e - 3));
}

int
regalloc_class_of(size_t size)
{
	unsigned e;
	size_t step, q;

	if (size <= RA_MIN_SIZE)
		return 0;
	if (size <= 128)
		return (int)((size - RA_MIN_SIZE + 15) / 16);
	if (size > RA_MAX_SIZE)
		return -1;
	e = 63u - (unsigned)__builtin_clzll((unsigned long long)(size - 1));
	step = (size_t)1 << (e - 3);
	q = (size - ((size_t)1 << e) + step - 1) / step;
	return (int)(5 + (e - 7) * 8 + q - 1);
}

size_t
regalloc_class_size(const struct regalloc *a, int c)
{
	return a->cls[c].size;
}

static void
registry_add(struct regalloc *a)
{
	pthread_mutex_lock(&ra_regions_lock);
	for (int i = 0; i < RA_MAX_REGIONS; i++) {
		if (atomic_load(&ra_regions[i]) == NULL) {
			atomic_store(&ra_regions[i], a);
			break;
		}
	}
	pthread_mutex_unlock(&ra_regions_lock);
}

static void
registry_del(struct regalloc *a)
{
	pthread_mutex_lock(&ra_regions_lock);
	for (int i = 0; i < RA_MAX_REGIONS; i++)
		if (atomic_load(&ra_regions[i]) == a)
			atomic_store(&ra_regions[i], NULL);
	pthread_mutex_unlock(&ra_regions_lock);
}

static struct regalloc *
registry_find(const void *p)
{
	for (int i = 0; i < RA_MAX_REGIONS; i++) {
		struct regalloc *a = atomic_load_explicit(&ra_regions[i], memory_order_acquire);

		if (a != NULL && (const char *)p >= a->base && (const char *)p < a->base + a->bytes)
			return a;
	}
	return NULL;
}

int
regalloc_init(struct regalloc *a, size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	int used = 0;

	memset(a, 0, sizeof(*a));
	bytes &= ~(RA_UNIT - 1);
	if (bytes < RA_UNIT)
		return -EINVAL;
	for (int i = 0; i < RA_MAX_REGIONS; i++)
		used += atomic_load(&ra_regions[i]) != NULL;
	if (used >= RA_MAX_REGIONS)
		return -EMFILE;

	a->base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED) {
		int err = errno;

		a->base = NULL;
		return -err;
	}
	/* Fewer TLB misses on a multi-GiB region; best effort. */
	(void)madvise(a->base, bytes, MADV_HUGEPAGE);
	if (page <= 0)
		page = 4096;
	for (size_t off = 0; off < bytes; off += (size_t)page)
		((volatile char *)a->base)[off] = 0;

	a->bytes = bytes;
	a->units = bytes >> RA_UNIT_SHIFT;
	a->unit_class = calloc(a->units, 1);
	if (a->unit_class == NULL) {
		munmap(a->base, bytes);
		a->base = NULL;
		return -ENOMEM;
	}
	for (int c = 0; c < RA_NCLASS; c++) {
		size_t sz = class_size(c);

		a->cls[c].size = (uint32_t)sz;
		a->cls[c].slab =
			(uint32_t)(sz <= RA_UNIT ? RA_UNIT : (sz + RA_UNIT - 1) & ~(RA_UNIT - 1));
		atomic_init(&a->cls[c].head, NULL);
	}
	RA_POISON(a->base, bytes);
	registry_add(a);
	return 0;
}

void
regalloc_fini(struct regalloc *a)
{
	if (a->base == NULL)
		return;
	registry_del(a);
	RA_UNPOISON(a->base, a->bytes);
	munmap(a->base, a->bytes);
	free(a->unit_class);
	a->base = NULL;
}

static void
push_chain(struct ra_class *k, struct ra_free *first, struct ra_free *last)
{
	struct ra_free *old = atomic_load_explicit(&k->head, memory_order_relaxed);

	do {
		atomic_store_explicit(&last->next, old, memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(&k->head, &old, first,
							memory_order_release,
							memory_order_relaxed));
}

static void *
pop(struct ra_class *k)
{
	struct ra_free *old = atomic_load_explicit(&k->head, memory_order_acquire);

	while (old != NULL) {
		/* May read the link of an object a concurrent pop already took
		 * (and is overwriting): then head changed and the CAS fails.
		 * RCU keeps old from coming back as head meanwhile. */
		struct ra_free *next = atomic_load_explicit(&old->next, memory_order_relaxed);

		if (atomic_compare_exchange_weak_explicit(&k->head, &old, next,
							  memory_order_acquire,
							  memory_order_acquire))
			return old;
	}
	return NULL;
}

/* Take a new slab for class @p c; returns one object, pushes the rest. */
static void *
carve(struct regalloc *a, int c)
{
	struct ra_class *k = &a->cls[c];
	size_t nunits = k->slab >> RA_UNIT_SHIFT;
	size_t u = atomic_fetch_add_explicit(&a->next_unit, nunits, memory_order_relaxed);
	size_t n, sz = k->size;
	char *slab;

	if (u + nunits > a->units || u + nunits < u) {
		/* Out of budget; next_unit just stays past the end. */
		return NULL;
	}
	for (size_t i = 0; i < nunits; i++)
		a->unit_class[u + i] = (uint8_t)(c + 1);
	slab = a->base + (u << RA_UNIT_SHIFT);
	n = k->slab / sz;
	atomic_fetch_add_explicit(&k->carved, n, memory_order_relaxed);
	if (n > 1) {
		for (size_t i = 1; i < n; i++) {
			struct ra_free *f = (struct ra_free *)(slab + i * sz);

			RA_UNPOISON(f, 16);
			atomic_store_explicit(&f->next,
					      i + 1 < n ? (struct ra_free *)(slab + (i + 1) * sz)
							: NULL,
					      memory_order_relaxed);
		}
		push_chain(k, (struct ra_free *)(slab + sz),
			   (struct ra_free *)(slab + (n - 1) * sz));
	}
	return slab;
}

void *
regalloc_get(struct regalloc *a, size_t size)
{
	int c = regalloc_class_of(size);
	void *p;

	if (c < 0) {
		atomic_fetch_add_explicit(&a->failures, 1, memory_order_relaxed);
		return NULL;
	}
	p = pop(&a->cls[c]);
	if (p == NULL)
		p = carve(a, c);
	if (p == NULL) {
		atomic_fetch_add_explicit(&a->failures, 1, memory_order_relaxed);
		return NULL;
	}
	RA_UNPOISON(p, a->cls[c].size);
	atomic_fetch_add_explicit(&a->cls[c].allocs, 1, memory_order_relaxed);
	return p;
}

int
regalloc_class_of_obj(const struct regalloc *a, const void *obj)
{
	size_t u = (size_t)((const char *)obj - a->base) >> RA_UNIT_SHIFT;

	return (int)a->unit_class[u] - 1;
}

void
regalloc_put_now(struct regalloc *a, void *obj)
{
	int c = regalloc_class_of_obj(a, obj);
	struct ra_class *k = &a->cls[c];

	atomic_fetch_add_explicit(&k->frees, 1, memory_order_relaxed);
	RA_POISON(obj, k->size);
	push_chain(k, obj, obj);
}

static void
retire_cb(struct rcu_head *h)
{
	struct regalloc *a = registry_find(h);

	/* A callback for a destroyed region cannot happen: destroy runs
	 * urcu_qsbr_barrier() before regalloc_fini(). */
	if (a == NULL)
		return;
	regalloc_put_now(a, h);
	atomic_fetch_add_explicit(&a->freed, 1, memory_order_relaxed);
}

void
regalloc_retire(struct regalloc *a, void *obj)
{
	atomic_fetch_add_explicit(&a->retired, 1, memory_order_relaxed);
	urcu_qsbr_call_rcu((struct rcu_head *)obj, retire_cb);
}
