/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_REGALLOC_H
#define REGLANE_REGALLOC_H

/*
 * Record memory of the registration table (private to dataplane/).
 *
 * One mmap'd region, touched page by page at init so that no page is first
 * faulted on the packet path, is carved on demand into 64 KiB slab units;
 * each slab serves one size class (64..128 B in 16 B steps, then 8 classes
 * per power of two up to 2 MiB: at most 12.5 % of an object is slack).
 * Freed objects go back to their class's lock-free free list and are never
 * returned to the region, so memory handed to a class stays in that class
 * (the budget is approximate by the classes' partly used slabs).
 *
 * Free lists are Treiber stacks. A pop reads head->next of an object that
 * another thread may pop and reuse concurrently (the ABA problem); that is
 * safe here because pops run inside RCU read-side sections (callers are
 * registered and online) and an object only comes back to a free list
 * through urcu_qsbr_call_rcu, i.e. after every pop that could have seen it
 * has finished. It is the argument that lets liburcu's __cds_lfs_pop run
 * under the read lock; an own 20-line stack instead of cds_lfs only so
 * that a freshly carved slab is pushed as one chain (one CAS, not one per
 * object). Objects a writer took but never published are kept in the
 * writer (regtable.c), never pushed back at once.
 *
 * Every object starts with a struct rcu_head (the first 16 bytes); while
 * free, those bytes hold the free-list link. Under ASan the rest of a free
 * object is poisoned, so a use after free of a record is reported.
 */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <reglane/rcu.h>

#define RA_UNIT_SHIFT 16
#define RA_UNIT ((size_t)1 << RA_UNIT_SHIFT)
#define RA_MIN_SIZE 64u
#define RA_NCLASS 117 /* 64..128 by 16, then 8 steps per doubling up to 2 MiB */
#define RA_MAX_SIZE ((size_t)2 << 20)

struct ra_free {
	struct ra_free *_Atomic next;
};

struct ra_class {
	_Alignas(64) struct ra_free *_Atomic head;
	uint32_t size;
	uint32_t slab;
	_Atomic uint64_t allocs;
	_Atomic uint64_t frees;
	_Atomic uint64_t carved;
};

struct regalloc {
	char *base;
	size_t bytes;
	size_t units;
	uint8_t *unit_class; /* per unit: class index + 1, 0 = not carved */
	_Alignas(64) _Atomic size_t next_unit;
	_Atomic uint64_t retired;
	_Atomic uint64_t freed;
	_Atomic uint64_t failures;
	struct ra_class cls[RA_NCLASS];
};

/* Map and pre-fault @p bytes (rounded down to whole units). -errno on failure. */
int regalloc_init(struct regalloc *a, size_t bytes);

/* Unmap. Context: nothing uses the region, no callback pending. */
void regalloc_fini(struct regalloc *a);

/* Class index for @p size, or -1 when larger than RA_MAX_SIZE. */
int regalloc_class_of(size_t size);

/* Size of class @p c. */
size_t regalloc_class_size(const struct regalloc *a, int c);

/*
 * An object of at least @p size bytes, or NULL (budget exhausted, or too
 * large). Context: registered, online (the pop's ABA safety needs it).
 */
void *regalloc_get(struct regalloc *a, size_t size);

/* Class index of an object from this region. */
int regalloc_class_of_obj(const struct regalloc *a, const void *obj);

/*
 * Free @p obj after a grace period (urcu_qsbr_call_rcu). Context:
 * registered, online.
 */
void regalloc_retire(struct regalloc *a, void *obj);

/*
 * Free @p obj at once. Only for objects no other thread can reach and only
 * while no other thread allocates (teardown): an immediate push can make a
 * concurrent pop's CAS succeed on a stale link.
 */
void regalloc_put_now(struct regalloc *a, void *obj);

#endif /* REGLANE_REGALLOC_H */
