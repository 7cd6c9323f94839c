/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_REGTABLE_H
#define REGLANE_REGTABLE_H

/**
 * @file
 * The registration table: per-subscription RFC 3680 state in lock-free
 * RCU hash tables (liburcu QSBR, see include/reglane/rcu.h), with an alias
 * index from every AoR to the subscription that last reported it.
 *
 * Model (SEMANTICS.md 2, 3.2-3.7, 4, 5, 7):
 *  - The unit of update is the subscription: (normalized NOTIFY From URI,
 *    Call-ID). Version, CSeq and Subscription-State are per subscription.
 *  - A subscription holds an immutable snapshot: its registrations, keyed
 *    by (registration id, AoR key), each with its contacts. apply() builds
 *    a new snapshot and publishes it with a compare-and-swap; readers
 *    always see one whole snapshot.
 *  - The alias index maps each normalized AoR (aor_norm.h) to the
 *    subscription that most recently reported it (seed 8.1.2: "replace
 *    the old Registration Event Information"). A lookup by any AoR of an
 *    implicit registration set finds the set; an alias whose AoR is no
 *    longer in the subscription's snapshot answers not-found.
 *  - Device roles (SEMANTICS 7) and per-contact CPM services (services.h)
 *    are computed whenever a snapshot is built and stored with each
 *    contact. Over all contacts of the subscription (the implicit set):
 *    the alive contact (regtable_contact_alive) with the most configured
 *    hints is primary; ties go to the most recent registration
 *    (received_at - duration-registered; without duration-registered, the
 *    time of the NOTIFY that reported it), then to the lowest contact id
 *    (shorter first, then bytewise: numeric order for ids of one format);
 *    no hint, no primary. Every alive contact of the same device (same
 *    instance, case-insensitive, else the same URI) is primary too;
 *    everything else is secondary.
 *
 * Threads (RCU.md sections 0, 3): every function except create/destroy and
 * the config helpers runs on a thread registered with urcu-qsbr
 * (urcu_qsbr_register_thread) and ONLINE, between two quiescent states.
 * Pointers handed out (snapshots, registrations, contacts) stay valid until
 * the caller's next urcu_qsbr_quiescent_state() / thread_offline(); copy
 * what must live longer. Nothing here blocks, calls synchronize_rcu or
 * resizes from the caller's thread; memory is freed with
 * urcu_qsbr_call_rcu, so writer threads should have a call_rcu_data
 * (urcu_qsbr_set_thread_call_rcu_data) created on the control thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <reglane/config.h>
#include <reglane/reginfo.h>
#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Results                                                                   */

/** apply() outcomes: symbol, SIP status the dataplane answers, description. */
#define foreach_regtable_result                                                \
	_(APPLIED, 200, "document applied")                                    \
	_(DUPLICATE, 200, "partial document with the local version, discarded") \
	_(STALE, 200, "version lower than the local one, discarded")           \
	_(GAP, 200, "partial document after a version gap, applied, refresh needed") \
	_(NO_CHANGE, 200, "no reginfo body, nothing applied")                  \
	_(SUB_TERMINATED, 481, "subscription already terminated")              \
	_(FORKED, 481, "another notifier's dialog on the subscription (fork)")  \
	_(CSEQ_OLD, 500, "CSeq lower than the last accepted one")              \
	_(CAPACITY, 503, "registration or per-subscription limit reached")     \
	_(NO_MEMORY, 503, "memory budget exhausted")                           \
	_(INVALID, 400, "unusable resource URI or Call-ID")

enum regtable_result {
#define _(sym, status, desc) REGTABLE_##sym,
	foreach_regtable_result
#undef _
	REGTABLE_RESULT__COUNT
};

/** Short name of @p r ("applied", "stale", ...). */
const char *regtable_result_str(enum regtable_result r);

/** SIP status code the dataplane answers for @p r (200, 481, 500, 503, 400). */
int regtable_result_status(enum regtable_result r);

/* ------------------------------------------------------------------------ */
/* Stored state (read-only views into an immutable snapshot)                 */

/**
 * A string inside a snapshot: byte offset from the snapshot's start and
 * length. off == 0 means absent; present strings may be empty. Resolve
 * with regtable_str(). Strings are not NUL-terminated.
 */
struct regtable_sref {
	uint32_t off;
	uint32_t len;
};

enum regtable_role {
	REGTABLE_ROLE_SECONDARY = 0,
	REGTABLE_ROLE_PRIMARY,
};

enum regtable_instance_source {
	REGTABLE_INSTANCE_NONE = 0,
	REGTABLE_INSTANCE_SIP_INSTANCE, /**< "+sip.instance" */
	REGTABLE_INSTANCE_PUB_GRUU,     /**< "pub-gruu": the gr= URN of the public GRUU */
};

/** Subscription-State values (RFC 6665 4.1.3); unknown ones count as active. */
enum regtable_sub_state {
	REGTABLE_SUBSTATE_ACTIVE = 0,
	REGTABLE_SUBSTATE_PENDING,
	REGTABLE_SUBSTATE_TERMINATED,
};

/** One contact feature: an <unknown-param> other than +sip.instance, q, expires. */
struct regtable_feature {
	struct regtable_sref name;  /**< as received */
	/** trimmed, one pair of quotes removed, ICSI/IARI percent-decoded; "" when none */
	struct regtable_sref value;
};

struct regtable_contact {
	struct regtable_sref id;
	struct regtable_sref uri;          /**< trimmed */
	struct regtable_sref display_name; /**< absent when none */
	struct regtable_sref callid;
	struct regtable_sref q;            /**< as received */
	struct regtable_sref instance;     /**< quotes and <> removed; absent when none */
	struct regtable_sref pub_gruu;
	struct regtable_sref temp_gruu;
	uint64_t received_at; /**< `now` of the apply() that last wrote this contact */
	uint64_t expires_at;  /**< received_at + expires, with REGINFO_HAS_EXPIRES */
	uint64_t retry_after;
	uint64_t duration_registered; /**< as received (at received_at) */
	uint64_t cseq;
	uint64_t temp_gruu_first_cseq;
	uint32_t has;         /**< enum reginfo_contact_has bits */
	uint32_t services;    /**< RGL_SVC_BIT() mask (services.h) */
	uint32_t first_feature; /**< index into regtable_snapshot.features */
	uint16_t n_features;
	uint8_t state;           /**< enum reginfo_contact_state: always ACTIVE when stored */
	uint8_t event;           /**< enum reginfo_contact_event */
	uint8_t instance_source; /**< enum regtable_instance_source */
	uint8_t role;            /**< enum regtable_role */
	uint8_t hints;           /**< bit i: configured role hint i holds */
	uint8_t pad_;
};

struct regtable_registration {
	struct regtable_sref aor;     /**< as received in the document */
	struct regtable_sref aor_key; /**< aor_norm() key; absent when the AoR is garbage */
	struct regtable_sref id;
	struct regtable_sref wildcarded_identity; /**< 3GPP extRegExp; absent when none */
	uint64_t updated_at;     /**< `now` of the last document that listed it */
	uint32_t first_contact;  /**< index into regtable_snapshot.contacts */
	uint32_t n_contacts;     /**< 0 for init/terminated (SEMANTICS 3.2) */
	uint8_t state;           /**< enum reginfo_reg_state */
	uint8_t pad_[7];
};

/** One subscription's state; immutable once published. */
struct regtable_snapshot {
	struct regtable_sref resource;     /**< NOTIFY From URI as received */
	struct regtable_sref resource_key; /**< its aor_norm() key */
	struct regtable_sref callid;
	struct regtable_sref from_tag;     /**< of the last accepted NOTIFY */
	struct regtable_sref to_tag;
	struct regtable_sref sub_reason;   /**< Subscription-State reason; absent when none */
	const struct regtable_registration *regs;
	const struct regtable_contact *contacts;
	const struct regtable_feature *features;
	uint64_t last_cseq;  /**< highest accepted CSeq */
	uint64_t updated_at; /**< `now` of the last change */
	uint32_t version;    /**< local reginfo version, valid when version_set */
	uint32_t n_regs;
	uint32_t n_contacts;
	uint32_t n_features;
	uint32_t bytes;      /**< size of the block holding this snapshot */
	uint8_t version_set;    /**< a document has been applied */
	uint8_t refresh_needed; /**< version gap seen; cleared by a full document */
	uint8_t sub_state;      /**< enum regtable_sub_state */
	uint8_t pad_;
};

/** Resolve @p r inside @p s (absent -> { NULL, 0 }). */
static inline struct rgl_slice
regtable_str(const struct regtable_snapshot *s, struct regtable_sref r)
{
	if (r.off == 0)
		return RGL_SLICE_NONE;
	return rgl_slice_make((const char *)s + r.off, r.len);
}

/**
 * Whether a NOTIFY with @p from_tag comes from another dialog than the one
 * subscription @p s lives in: the same Call-ID from a second notifier (a
 * forked SUBSCRIBE). RFC 3680 4.9: a subscriber "MUST NOT create multiple
 * dialogs as a result of a single subscription request", so such NOTIFYs
 * get 481 (SEMANTICS 2). Compared only when both tags are present.
 */
static inline bool
regtable_forked(const struct regtable_snapshot *s, struct rgl_slice from_tag)
{
	struct rgl_slice t = regtable_str(s, s->from_tag);

	if (t.p == NULL || from_tag.p == NULL)
		return false;
	return t.len != from_tag.len || memcmp(t.p, from_tag.p, t.len) != 0;
}

/** The contacts of @p r. */
static inline const struct regtable_contact *
regtable_reg_contacts(const struct regtable_snapshot *s, const struct regtable_registration *r)
{
	return s->contacts + r->first_contact;
}

/** The features of @p c. */
static inline const struct regtable_feature *
regtable_contact_features(const struct regtable_snapshot *s, const struct regtable_contact *c)
{
	return s->features + c->first_feature;
}

/** Whether @p c still counts as connected at @p now (expiry < now: gone). */
static inline bool
regtable_contact_alive(const struct regtable_contact *c, uint64_t now)
{
	return c->state == REGINFO_CONTACT_ACTIVE &&
	       (!(c->has & REGINFO_HAS_EXPIRES) || c->expires_at >= now);
}

const char *regtable_role_str(enum regtable_role r);                       /**< "primary" ... */
const char *regtable_sub_state_str(enum regtable_sub_state s);             /**< "active" ... */
const char *regtable_instance_source_str(enum regtable_instance_source s); /**< NULL for NONE */

/** Subscription-State value (case-insensitive); anything unknown is ACTIVE. */
enum regtable_sub_state regtable_sub_state_parse(struct rgl_slice value);

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */

/** Compile-time ceilings of the per-subscription limits below. */
#define REGTABLE_MAX_REGS_PER_SUB 256
#define REGTABLE_MAX_CONTACTS_PER_SUB 2048
#define REGTABLE_MAX_FEATURES_PER_CONTACT 128
#define REGTABLE_MAX_SNAPSHOT_BYTES (1u << 20)

struct regtable_config {
	uint64_t max_registrations; /**< stored registrations, all subscriptions; default 1 Mi */
	uint64_t max_memory;        /**< bytes of records, pre-faulted at create; default 1 GiB */
	uint64_t init_buckets;      /**< 0: max_registrations / 2 (rounded to a power of two) */
	uint32_t max_regs_per_sub;         /**< default 256 */
	uint32_t max_contacts_per_sub;     /**< default 1024 */
	uint32_t max_features_per_contact; /**< more are dropped; default 64 */
	uint32_t max_snapshot_bytes;       /**< default 1 MiB */
	uint64_t linger_s; /**< how long empty registrations and terminated
			        subscriptions stay before the sweeper drops them; default 3600 */
	/** Primary-device hints (SEMANTICS 7), format of config.h; default:
	 *  +sip.instance=urn:gsma:imei:*, +g.3gpp.smsip, +g.gsma.rcs.telephony=cs|volte. */
	struct rgl_role_hint role_hints[RGL_CFG_MAX_ROLE_HINTS];
	uint8_t n_role_hints;
	struct rgl_service_tags services[RGL_SVC__COUNT]; /**< default rgl_services_default() */
};

/** Fill @p cfg with the defaults above. */
void regtable_config_default(struct regtable_config *cfg);

/** Fill @p hints with the three default role hints; @return their count. */
uint8_t regtable_role_hints_default(struct rgl_role_hint hints[RGL_CFG_MAX_ROLE_HINTS]);

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */

struct regtable;
struct regtable_writer;

/**
 * Create a table. Maps and touches cfg->max_memory bytes (so no page is
 * first touched on the packet path) and creates both hash tables on the
 * QSBR flavor with init_buckets buckets (grown later by
 * regtable_maintain(), not by CDS_LFHT_AUTO_RESIZE: see there), seeded
 * from getrandom().
 * Context: init path, the control thread. Need not be registered.
 * @return 0 or -EINVAL (bad config), -ENOMEM, -errno from mmap/getrandom.
 */
int regtable_create(const struct regtable_config *cfg, struct regtable **out);

/**
 * Delete every subscription and alias, wait for pending reclamation
 * (urcu_qsbr_barrier) and free everything.
 * Context: a registered thread, outside any read-side section, after every
 * other thread stopped using the table and every writer was freed. Goes
 * offline internally and returns in the state it was called in.
 * @return the number of pool objects still allocated before the memory
 *   was released (0 unless something leaked).
 */
uint64_t regtable_destroy(struct regtable *t);

/**
 * Per-thread writer context: build scratch, merge work arrays and result
 * counters (STYLE: per-lcore context passed explicitly). One per thread
 * that calls apply() or sweep(); never shared.
 * Context: init path (allocates and touches its scratch).
 * @return NULL on allocation failure.
 */
struct regtable_writer *regtable_writer_new(struct regtable *t);

/** Free @p w. Context: the owning thread, registered and online. */
void regtable_writer_free(struct regtable_writer *w);

/** apply() results counted by @p w, indexed by enum regtable_result. */
const uint64_t *regtable_writer_counts(const struct regtable_writer *w);

/* ------------------------------------------------------------------------ */
/* Updates                                                                   */

/** What apply() needs from the NOTIFY's headers. Slices are only read during the call. */
struct regtable_notify {
	struct rgl_slice resource; /**< From URI (without <>), the subscribed user */
	struct rgl_slice callid;
	struct rgl_slice from_tag;
	struct rgl_slice to_tag;
	uint64_t cseq;
	enum regtable_sub_state sub_state;
	struct rgl_slice sub_reason; /**< absent when none */
};

/**
 * Apply one NOTIFY to its subscription (RFC 3680 5.2 as SEMANTICS 3.4-3.5
 * resolves it).
 *
 * Order of checks, all inside the compare-and-swap retry loop so that two
 * NOTIFYs of one subscription on two lcores are serialized by version:
 * subscription already terminated -> SUB_TERMINATED; a From tag other than
 * the one the subscription's NOTIFYs carry (a forked dialog, RFC 3680 4.9)
 * -> FORKED; CSeq lower than the
 * last accepted -> CSEQ_OLD; no body -> NO_CHANGE; then the version table:
 * first document -> apply; v < local -> STALE; v == local: full applies
 * again, partial is DUPLICATE; v == local+1 -> apply; v > local+1: full
 * applies (and clears refresh_needed), partial applies with GAP and sets
 * refresh_needed. A full document replaces every registration of the
 * subscription; a partial one updates the registrations and contacts it
 * lists (a listed contact is replaced whole); terminated contacts are
 * removed; a registration reported init/terminated keeps its AoR with that
 * state and no contacts. Contact expiry is absolute: now + expires.
 * A Subscription-State of terminated ends the subscription after the body
 * (if any) was handled; the state is kept (SEMANTICS 2) until the sweeper
 * drops it after linger_s. The accepted CSeq and the header state are
 * recorded even when the body is discarded.
 *
 * Context: @p w's thread, registered and online. Lock-free; allocates only
 * from the table's pre-faulted pools; never blocks.
 * @param ev the parsed body, NULL for an empty body.
 * @param now seconds on the clock the caller uses for every call.
 */
enum regtable_result regtable_apply(struct regtable *t, struct regtable_writer *w,
				    const struct regtable_notify *n,
				    const struct reginfo_event *ev, uint64_t now);

/** What one regtable_sweep() call did. */
struct regtable_sweep_stats {
	uint64_t subs_examined;
	uint64_t contacts_expired;
	uint64_t regs_removed;
	uint64_t subs_removed;
	uint64_t aliases_examined;
	uint64_t aliases_removed;
	uint64_t cas_retries;
	unsigned resizes; /**< tables grown by the regtable_maintain() at the end */
	bool wrapped; /**< the subscription cursor went round the whole table */
};

/**
 * Expiry sweep (control thread): visits up to @p budget subscriptions and
 * @p budget aliases from where the previous call stopped; removes contacts
 * whose expiry < now (recomputing roles), registrations left empty by
 * that, init/terminated registrations not reported for linger_s,
 * subscriptions with no registration that are terminated or idle for
 * linger_s, and terminated subscriptions idle for linger_s; drops aliases
 * that point at nothing; then runs regtable_maintain(). Every change goes
 * through the same compare-and-swap as apply(), so it races safely with
 * the workers.
 * Context: the control thread (one sweeper at a time), registered and
 * online, outside any read-side section; call it between quiescent states
 * (the cursor is a key, not a pointer).
 * @return the number of subscriptions examined.
 */
uint64_t regtable_sweep(struct regtable *t, struct regtable_writer *w, uint64_t now,
			uint64_t budget, struct regtable_sweep_stats *st);

/**
 * Grow the hash tables (cds_lfht_resize, grow-only) when one holds more
 * than two entries per bucket. The tables are never resized anywhere else:
 * liburcu 0.13.2's automatic resize can stop for good (a launch race on
 * resize_initiated, see regtable.c), and lazy shrinks would deadlock
 * against an explicit resize. Cheap when nothing is due (two loads).
 * Context: the control thread only (not concurrently with sweep), a
 * registered thread, online, holding no pointer from the tables (it may
 * create and join the resize partition threads).
 * @return how many tables were grown.
 */
unsigned regtable_maintain(struct regtable *t);

/* ------------------------------------------------------------------------ */
/* Reads                                                                     */

struct regtable_match {
	const struct regtable_snapshot *snap;     /**< the subscription's snapshot */
	const struct regtable_registration *reg;  /**< the registration of the AoR */
};

/**
 * Find the registration of @p aor (any AoR of an implicit set, any form
 * aor_norm() maps to the same key).
 * Context: registered, online; the result is valid until the caller's
 * next quiescent state.
 * @return 0, -ENOENT (unknown or stale alias), -EINVAL (garbage AoR).
 */
int regtable_lookup(struct regtable *t, struct rgl_slice aor, struct regtable_match *m);

/**
 * The current snapshot of subscription (@p resource, @p callid), or NULL.
 * Context and lifetime as regtable_lookup().
 */
const struct regtable_snapshot *regtable_find_subscription(struct regtable *t,
							   struct rgl_slice resource,
							   struct rgl_slice callid);

/**
 * Whether @p reg of @p s is what a lookup of its AoR answers (false when a
 * more recent subscription reported the same AoR). Registrations without
 * an AoR key are always current. For dumps that must list each user once.
 */
bool regtable_reg_is_current(struct regtable *t, const struct regtable_snapshot *s,
			     const struct regtable_registration *reg);

/**
 * Call @p fn for every subscription's current snapshot (a concurrent
 * update may or may not be seen, cds_lfht guarantee C). Stops early when
 * @p fn returns non-zero and returns that value, else 0.
 * Context: registered, online; no quiescent state inside @p fn.
 */
int regtable_foreach(struct regtable *t,
		     int (*fn)(const struct regtable_snapshot *s, void *arg), void *arg);

/* ------------------------------------------------------------------------ */
/* Statistics                                                                */

struct regtable_stats {
	uint64_t registrations;      /**< stored, counted against max_registrations */
	uint64_t subscriptions;      /**< nodes in the subscription table */
	uint64_t aliases;            /**< nodes in the alias index */
	uint64_t sub_buckets;        /**< buckets of the subscription table */
	uint64_t alias_buckets;      /**< buckets of the alias index */
	uint64_t mem_total;          /**< bytes of the pre-faulted region */
	uint64_t mem_carved;         /**< bytes handed to size classes */
	uint64_t mem_in_use;         /**< bytes of allocated objects (class sizes) */
	uint64_t objects_in_use;
	uint64_t retired_pending;    /**< retired, waiting for a grace period */
	uint64_t alloc_failures;
};

/** Fill @p st. Context: registered, online (counts table nodes). */
void regtable_stats(struct regtable *t, struct regtable_stats *st);

enum regtable_index {
	REGTABLE_INDEX_SUBSCRIPTIONS = 0,
	REGTABLE_INDEX_ALIASES,
};

/** Shape of one hash table: what a lookup walks. */
struct regtable_chain_stats {
	uint64_t buckets;   /**< bucket nodes in the split-ordered list = table size */
	uint64_t nodes;     /**< live entries */
	uint64_t max_chain; /**< most entries between two bucket nodes */
};

/**
 * Walk the whole split-ordered list of one table and measure its chains
 * (a hash-flooding and resize check for operators and tests). O(size).
 * Relies on the node flag layout of liburcu 0.13 (src/rculfhash.c:
 * BUCKET_FLAG is bit 1 of a node's own next pointer).
 * Context: registered, online; quiet table for exact numbers.
 */
void regtable_chain_stats(struct regtable *t, enum regtable_index which,
			  struct regtable_chain_stats *cs);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_REGTABLE_H */
