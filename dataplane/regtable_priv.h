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
#include <string.h>

#include <reglane/aor_norm.h>
#include <reglane/rcu.h>
#include <reglane/regtable.h>
#include <reglane/services.h>

#include "regalloc.h"

/* Longest Call-ID accepted (RFC 3261 sets none; 255 covers real stacks). */
#define REGTABLE_CALLID_MAX 4096 /* SIP_MAX_HEADER_LEN: any Call-ID the parser accepts */
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

/*
 * The configured role hints, prepared once at create (lengths measured,
 * the +sip.instance hint recognised) so a contact's hints cost one pass
 * over its features. Index i is hint bit i.
 */
struct role_prep {
	uint8_t n; /* hints in use, <= 8 */
	uint8_t instance_mask; /* bits of the hints that test the instance */
	struct {
		const char *name; /* NULL: unused slot */
		uint16_t nlen;
		uint8_t n_values;
		struct {
			const char *v;
			uint16_t len;
			uint8_t prefix; /* trailing '*': case-insensitive prefix */
		} values[RGL_CFG_MAX_HINT_VALUES];
	} h[8];
};

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
	struct role_prep roles;     /* prepared from cfg.role_hints */
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

/*
 * Per-build lookup tables of reg_build.c, stamped with the writer's build
 * generation, so starting a build clears them in O(1).
 */

/* String interning by content: one string stored once per snapshot. */
struct intern_slot {
	uint32_t gen;
	uint32_t hash;
	uint32_t pos; /* block position */
	uint32_t len;
};

#define INTERN_SLOTS 2048u

/* Old snapshot string (off, len) -> its copy in the block being built. */
struct xlat_slot {
	uint32_t gen;
	uint32_t old_off;
	struct regtable_sref nw;
	uint32_t old_len;
};

#define XLAT_BITS 10
#define XLAT_SLOTS (1u << XLAT_BITS)

/*
 * A contact emitted earlier in this build, by its URI: under the other
 * AoRs of an implicit set the same device comes again with the same data
 * (from the document, or from the old snapshot), and only its id differs.
 */
struct twin_slot {
	uint32_t gen;
	uint32_t contact;   /* index into the writer's contacts */
	const void *src;    /* its struct reginfo_contact or old regtable_contact */
	uint8_t from_event; /* which of the two @src is */
};

#define TWIN_SLOTS 64u

/*
 * What a feature (name as received, value trimmed and unquoted) normalizes
 * to: its services, its role hints, the decoded value of an ICSI/IARI list,
 * and the interning hashes of the stored name and value. Per writer and
 * kept across builds (device models repeat the same features for every
 * user), verified byte for byte on every hit. Direct-mapped; features
 * whose bytes do not fit are simply not cached.
 */
#define FCACHE_SLOTS 256u
#define FCACHE_BYTES 1000u

struct fcache_ent {
	uint8_t valid;
	uint8_t decoded; /* bytes hold the decoded value after the input */
	uint8_t hints;
	uint16_t name_len;
	uint16_t in_len;
	uint16_t norm_len;   /* of the stored value */
	uint32_t key;        /* sampled hash of name and input */
	uint32_t name_hash;  /* str_hash() of the name */
	uint32_t value_hash; /* str_hash() of the stored value */
	uint32_t services;
	char bytes[FCACHE_BYTES]; /* name, input value, decoded value */
};


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
	struct xlat_slot *xlat;
	uint32_t intern_gen; /* build generation of intern, xlat and twins */
	struct twin_slot twins[TWIN_SLOTS];
	struct fcache_ent *fcache;

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

/* Prepare @p rp from the role hints of @p cfg (the strings stay in @p cfg). */
void role_prep_init(struct role_prep *rp, const struct regtable_config *cfg);

/* Hint bits that a contact's instance (quotes and <> removed) sets. */
uint8_t role_hints_instance(const struct role_prep *rp, struct rgl_slice instance);

/*
 * Hint bits that one feature (name as received, normalized value) sets.
 * A contact's hints are the OR of its instance's and its features' bits:
 * a contact holds at most one feature per name (case-insensitively).
 */
uint8_t role_hints_feature(const struct role_prep *rp, struct rgl_slice name,
			   struct rgl_slice value);

/*
 * Assign roles over all contacts of one subscription (SEMANTICS 7, rule
 * spelled out in regtable.h): the alive contact with the most hints is
 * primary, ties to the most recent registration, then the lowest contact
 * id; alive contacts of the same device (instance, else URI) share its
 * role; all others are secondary.
 */
void role_assign(const char *base, struct regtable_contact *c, uint32_t n, uint64_t now);

/* Helpers shared by the three files. */

/* Whether @p a and @p b (@p n bytes) are equal but for the case of ASCII letters. */
static inline bool
rt_ieq_bytes(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x == y)
			continue;
		/* only a letter may differ, and only in case */
		if ((x ^ y) != 0x20 || (unsigned char)((x | 0x20) - 'a') > 'z' - 'a')
			return false;
	}
	return true;
}

/*
 * ASCII case-insensitive equality. Inline, and eight bytes at a time: a
 * word that differs in any bit but the case bit (0x20) settles it, so
 * only words that differ in case alone are looked at byte by byte.
 */
static inline bool
rt_mem_ieq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0;

	if (an != bn)
		return false;
	for (; i + 8 <= an; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x == y)
			continue;
		if (((x ^ y) & ~0x2020202020202020ull) != 0 || !rt_ieq_bytes(a + i, b + i, 8))
			return false;
	}
	return rt_ieq_bytes(a + i, b + i, an - i);
}

static inline struct rgl_slice
rt_str(const char *base, struct regtable_sref r)
{
	if (r.off == 0)
		return RGL_SLICE_NONE;
	return rgl_slice_make(base + r.off, r.len);
}

#endif /* REGLANE_REGTABLE_PRIV_H */
