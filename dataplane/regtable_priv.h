/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_REGTABLE_PRIV_H
#define REGLANE_REGTABLE_PRIV_H

/*
 * Internals shared by regtable.c (tables, apply, sweep), reg_build.c
 * (snapshot construction) and role.c (device roles). Private to dataplane/.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <reglane/aor_norm.h>
#include <reglane/rcu.h>
#include <reglane/regtable.h>
#include <reglane/services.h>

#include "regalloc.h"

/* Longest Call-ID accepted (RFC 3261 sets none; 255 covers real stacks). */
#define REGTABLE_CALLID_MAX 255
/* Longest subscription key: resource key, NUL, Call-ID. */
#define REGTABLE_SUBKEY_MAX (AOR_NORM_MAX + 1 + REGTABLE_CALLID_MAX)

/*
 * A snapshot block: one pool object holding the public snapshot, then its
 * strings, then the registration, contact and feature arrays. String
 * offsets are relative to &blk->s; the three array pointers point into the
 * same block. Immutable once published.
 */
struct snap_blk {
	struct rcu_head rcu; /* regalloc: first member */
	struct regtable_snapshot s;
};

/* Offset of the first string byte inside a block. */
#define SNAP_STR0 (sizeof(struct snap_blk))
/* Convert a block position to an sref offset. */
#define SNAP_OFF(pos) ((uint32_t)((pos) - offsetof(struct snap_blk, s)))

/*
 * A subscription: stable in the table for its whole life; its content is
 * the snapshot behind @snap, replaced by compare-and-swap. A sweeper that
 * removes the node first swaps in &regtable_dead (a tombstone), so no
 * update can land in a node that is about to leave the table.
 */
struct sub_node {
	struct rcu_head rcu; /* regalloc: first member */
	struct cds_lfht_node hnode;
	struct snap_blk *snap; /* RCU pointer */
	uint64_t hash;
	uint16_t key_len;
	char key[]; /* resource key, NUL, Call-ID */
};

/*
 * An alias: AoR key -> subscription key. Immutable; re-pointing replaces
 * the node (cds_lfht_add_replace). It names the subscription by key, not
 * by pointer, so a subscription can be freed without touching its aliases;
 * an alias left pointing at nothing answers not-found and the sweeper
 * drops it.
 */
struct alias_node {
	struct rcu_head rcu; /* regalloc: first member */
	struct cds_lfht_node hnode;
	uint64_t hash;
	uint64_t sub_hash;
	uint16_t key_len;
	uint16_t sub_key_len;
	char key[]; /* AoR key, then the subscription key */
};

extern struct snap_blk regtable_dead;

/* The sweeper's resume point in one table: a key, never a pointer. */
struct sweep_cursor {
	bool valid;
	uint16_t len;
	uint64_t hash;
	char key[REGTABLE_SUBKEY_MAX + AOR_NORM_MAX];
};

struct regtable {
	struct regtable_config cfg;
	struct rgl_svc_matcher svc; /* prepared from cfg.services */
	struct cds_lfht *subs;
	struct cds_lfht *aliases;
	uint64_t seed[2];
	/* Bucket counts: only regtable_maintain() resizes, so these are exact. */
	unsigned long sub_buckets;   /* control thread only */
	unsigned long alias_buckets; /* control thread only */
	_Alignas(64) _Atomic uint64_t n_regs;
	_Atomic uint64_t n_subs;
	_Atomic uint64_t n_aliases;
	struct sweep_cursor sub_cursor;   /* sweeper thread only */
	struct sweep_cursor alias_cursor; /* sweeper thread only */
	struct regalloc mem;
};

/* ------------------------------------------------------------------ */
/* Writer (per thread)                                                 */

#define WNONE UINT32_MAX

/* A registration being assembled: from the old snapshot and/or the document. */
struct wreg {
	struct rgl_slice aor;
	struct rgl_slice id;
	struct rgl_slice wild;
	struct regtable_sref aor_key; /* already in the string arena */
	uint64_t updated_at;
	uint32_t head, tail; /* wcontact list */
	uint32_t had_contacts; /* live contacts carried from the old snapshot */
	uint8_t state;
};

/* A contact being assembled: exactly one of evc / oldc. */
struct wcontact {
	const struct reginfo_contact *evc;
	const struct regtable_contact *oldc;
	uint32_t next;
	uint8_t removed;
};

struct intern_slot {
	uint32_t gen;
	uint32_t hash;
	uint32_t pos; /* block position */
	uint32_t len;
};

#define INTERN_SLOTS 2048u

struct regtable_writer {
	struct regtable *t;
	char *scratch;      /* block image: header + strings */
	uint32_t cap;       /* bytes of scratch */
	uint32_t pos;       /* next free string position */
	bool overflow;

	struct wreg *wregs;
	uint32_t n_wregs, cap_wregs;
	struct wcontact *wcs;
	uint32_t n_wcs, cap_wcs;

	struct regtable_registration *regs;
	struct regtable_contact *contacts;
	struct regtable_feature *features;
	uint32_t n_regs, n_contacts, n_features;
	uint32_t cap_features;

	struct intern_slot *intern;
	uint32_t intern_gen;

	/* Objects taken from the pool but never published: reused first,
	 * retired through call_rcu when the writer goes (see regalloc.h on
	 * why they may not be pushed back at once). */
	void *spare[RA_NCLASS];

	struct alias_node *alias_prep[REGTABLE_MAX_REGS_PER_SUB];
	uint32_t n_alias_prep;

	uint64_t counts[REGTABLE_RESULT__COUNT];
};

/* ------------------------------------------------------------------ */
/* Snapshot construction (reg_build.c)                                 */

enum build_body {
	BODY_KEEP = 0, /* registrations carried over unchanged */
	BODY_FULL,
	BODY_PARTIAL,
};

struct build_req {
	const struct regtable_snapshot *old; /* NULL for a new subscription */
	const struct reginfo_event *ev;      /* with BODY_FULL / BODY_PARTIAL */
	enum build_body body;
	bool sweep;                          /* drop expired contacts etc. */
	uint64_t now;
	/* header */
	struct rgl_slice resource, resource_key, callid, from_tag, to_tag, sub_reason;
	uint64_t last_cseq;
	uint32_t version;
	bool version_set;
	bool refresh_needed;
	uint8_t sub_state;
	/* sweep results */
	uint32_t contacts_expired;
	uint32_t regs_removed;
};

/*
 * Build the snapshot @p rq describes into @p w's scratch.
 * @return the block size, -E2BIG (a per-subscription limit or the
 *   snapshot size limit) or -EINVAL (bad request).
 */
int reg_build(struct regtable_writer *w, struct build_req *rq);

/* Copy the built snapshot into @p blk (size from reg_build) and fix its pointers. */
void reg_build_emit(struct regtable_writer *w, struct snap_blk *blk, uint32_t size);

/* ------------------------------------------------------------------ */
/* Device roles (role.c)                                               */

/*
 * Which configured role hints hold for a contact (bit i = hint i):
 * @p instance is its instance (quotes and <> removed), @p base resolves
 * the srefs of its @p nf features.
 */
uint8_t role_hints_of(const struct regtable_config *cfg, struct rgl_slice instance,
		      const char *base, const struct regtable_feature *f, uint32_t nf);

/*
 * Assign roles over all contacts of one subscription (SEMANTICS 7, rule
 * spelled out in regtable.h): the alive contact with the most hints is
 * primary, ties to the most recent registration, then the lowest contact
 * id; alive contacts of the same device (instance, else URI) share its
 * role; all others are secondary.
 */
void role_assign(const char *base, struct regtable_contact *c, uint32_t n, uint64_t now);

/* Helpers shared by the three files. */
bool rt_mem_ieq(const char *a, size_t an, const char *b, size_t bn);

static inline struct rgl_slice
rt_str(const char *base, struct regtable_sref r)
{
	if (r.off == 0)
		return RGL_SLICE_NONE;
	return rgl_slice_make(base + r.off, r.len);
}

#endif /* REGLANE_REGTABLE_PRIV_H */
