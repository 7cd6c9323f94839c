/* SPDX-License-Identifier: MIT */
/*
 * The registration table: design notes.
 *
 * Two cds_lfht tables on the urcu-qsbr flavor (include/reglane/rcu.h):
 *
 *   subs     (resource key, Call-ID) -> struct sub_node -> snapshot
 *   aliases  AoR key -> subscription key                  (struct alias_node)
 *
 * Who writes what:
 *  - Workers (apply) create sub nodes with cds_lfht_add_unique, replace
 *    snapshots with rcu_cmpxchg_pointer, and add or re-point aliases with
 *    cds_lfht_add_replace. Many workers may update the same subscription
 *    at once: each reads the current snapshot, decides (terminated? CSeq?
 *    version?) and builds a candidate from it, and publishes only if the
 *    snapshot is still the one it read; otherwise it decides again on the
 *    newer one. So no update is lost and versions apply in order, whatever
 *    lcore a NOTIFY lands on.
 *  - The sweeper (control thread) replaces snapshots through the same CAS,
 *    removes subscriptions and stale aliases. To remove a subscription it
 *    first CASes the snapshot to the tombstone &regtable_dead, so a worker
 *    either published before (and the sweeper re-decides on its snapshot)
 *    or sees the tombstone, helps unlink the node and starts a fresh one.
 *  - Readers (control plane) look up an alias, then the subscription, then
 *    load the snapshot once: they see one whole snapshot, never a mix.
 *
 * Aliases name subscriptions by key, not by pointer: freeing a
 * subscription never leaves an alias dangling, and a stale alias (the AoR
 * is not in that subscription's snapshot any more) answers not-found. The
 * sweeper deletes stale aliases and then re-checks the snapshot, while an
 * applier publishes and then checks the alias; with a full barrier on both
 * sides (cmpxchg) at least one of them sees the other, so an alias that is
 * needed is never lost.
 *
 * Table size: the tables are created sized from the capacity and grown
 * only by regtable_maintain() on the control thread (cds_lfht_resize,
 * grow-only), never by CDS_LFHT_AUTO_RESIZE. In liburcu 0.13.2 the lazy
 * resize launch stores resize_initiated = 1 after queueing the work, so a
 * resize worker that finishes first leaves the flag set and the table
 * never resizes again (measured here: 1 M nodes left in 2048 buckets in
 * every run of a plain cds_lfht test). Explicit resizes fix that, but must
 * not meet lazy ones: an ACCOUNTING table queues lazy shrinks whose
 * synchronize_rcu, run under resize_mutex, would wait forever for a
 * control thread blocked online on that mutex. With neither flag there is
 * no resize worker at all, the table never shrinks, and the bucket count
 * is always the one we asked for.
 *
 * When memory is freed: every node and snapshot that was ever reachable
 * goes through urcu_qsbr_call_rcu (regalloc_retire), i.e. after every
 * reader that could hold it passed a quiescent state. Objects that never
 * became reachable (a losing candidate, a node that lost add_unique) are
 * kept in the writer for reuse. Nothing here calls synchronize_rcu, so
 * workers never block; the lfht resize worker grows the tables in the
 * background (it needs the workers to keep quiescing).
 *
 * Limits: max_registrations is an atomic counter reserved before a
 * publish and released when it fails; memory is the pre-faulted pool.
 * Both fail an apply before anything becomes visible (503, never a silent
 * drop).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <reglane/services.h>

#include "regtable_priv.h"
#include "siphash.h"

struct snap_blk regtable_dead;

/* liburcu 0.13 node flags (src/rculfhash.c), for regtable_chain_stats(). */
#define LFHT_REMOVED_FLAG 1UL
#define LFHT_BUCKET_FLAG 2UL
#define LFHT_FLAGS_MASK 7UL

/* ------------------------------------------------------------------ */
/* Names                                                               */

static const char *const result_names[] = {
#define _(sym, status, desc) [REGTABLE_##sym] = #sym,
	foreach_regtable_result
#undef _
};

static const int result_status[] = {
#define _(sym, status, desc) [REGTABLE_##sym] = status,
	foreach_regtable_result
#undef _
};

const char *
regtable_result_str(enum regtable_result r)
{
	return (unsigned)r < REGTABLE_RESULT__COUNT ? result_names[r] : "?";
}

int
regtable_result_status(enum regtable_result r)
{
	return (unsigned)r < REGTABLE_RESULT__COUNT ? result_status[r] : 500;
}

const char *
regtable_role_str(enum regtable_role r)
{
	return r == REGTABLE_ROLE_PRIMARY ? "primary" : "secondary";
}

const char *
regtable_sub_state_str(enum regtable_sub_state s)
{
	switch (s) {
	case REGTABLE_SUBSTATE_PENDING:
		return "pending";
	case REGTABLE_SUBSTATE_TERMINATED:
		return "terminated";
	default:
		return "active";
	}
}

const char *
regtable_instance_source_str(enum regtable_instance_source s)
{
	switch (s) {
	case REGTABLE_INSTANCE_SIP_INSTANCE:
		return "+sip.instance";
	case REGTABLE_INSTANCE_PUB_GRUU:
		return "pub-gruu";
	default:
		return NULL;
	}
}

enum regtable_sub_state
regtable_sub_state_parse(struct rgl_slice v)
{
	if (rgl_slice_ieq(v, "terminated"))
		return REGTABLE_SUBSTATE_TERMINATED;
	if (rgl_slice_ieq(v, "pending"))
		return REGTABLE_SUBSTATE_PENDING;
	return REGTABLE_SUBSTATE_ACTIVE; /* SEMANTICS 9: unknown substates as active */
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

uint8_t
regtable_role_hints_default(struct rgl_role_hint hints[RGL_CFG_MAX_ROLE_HINTS])
{
	memset(hints, 0, sizeof(hints[0]) * RGL_CFG_MAX_ROLE_HINTS);
	snprintf(hints[0].name, sizeof(hints[0].name), "+sip.instance");
	snprintf(hints[0].values[0], sizeof(hints[0].values[0]), "urn:gsma:imei:*");
	hints[0].n_values = 1;
	snprintf(hints[1].name, sizeof(hints[1].name), "+g.3gpp.smsip");
	snprintf(hints[2].name, sizeof(hints[2].name), "+g.gsma.rcs.telephony");
	snprintf(hints[2].values[0], sizeof(hints[2].values[0]), "cs");
	snprintf(hints[2].values[1], sizeof(hints[2].values[1]), "volte");
	hints[2].n_values = 2;
	return 3;
}

void
regtable_config_default(struct regtable_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_registrations = 1u << 20;
	cfg->max_memory = (uint64_t)1 << 30;
	/* Whatever one document within the parser's limits describes must
	 * fit one subscription (reginfo_limits_default). */
	cfg->max_regs_per_sub = 256;
	cfg->max_contacts_per_sub = 1024;
	cfg->max_features_per_contact = 64;
	cfg->max_snapshot_bytes = 1u << 20;
	cfg->linger_s = 3600;
	cfg->n_role_hints = regtable_role_hints_default(cfg->role_hints);
	rgl_services_default(cfg->services);
}

static int
config_check(const struct regtable_config *c)
{
	if (c->max_registrations == 0 || c->max_memory < RA_UNIT)
		return -EINVAL;
	if (c->max_regs_per_sub == 0 || c->max_regs_per_sub > REGTABLE_MAX_REGS_PER_SUB)
		return -EINVAL;
	if (c->max_contacts_per_sub == 0 || c->max_contacts_per_sub > REGTABLE_MAX_CONTACTS_PER_SUB)
		return -EINVAL;
	if (c->max_features_per_contact > REGTABLE_MAX_FEATURES_PER_CONTACT)
		return -EINVAL;
	if (c->max_snapshot_bytes < 4096 || c->max_snapshot_bytes > REGTABLE_MAX_SNAPSHOT_BYTES)
		return -EINVAL;
	if (c->n_role_hints > RGL_CFG_MAX_ROLE_HINTS)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Keys and matching                                                   */

struct lkey {
	const char *p;
	size_t n;
};

static uint64_t
key_hash(const struct regtable *t, const char *p, size_t n)
{
	return siphash13(t->seed, p, n);
}

static int
sub_match(struct cds_lfht_node *node, const void *key)
{
	const struct sub_node *sn = caa_container_of(node, struct sub_node, hnode);
	const struct lkey *k = key;

	return sn->key_len == k->n && memcmp(sn->key, k->p, k->n) == 0;
}

static int
alias_match(struct cds_lfht_node *node, const void *key)
{
	const struct alias_node *an = caa_container_of(node, struct alias_node, hnode);
	const struct lkey *k = key;

	return an->key_len == k->n && memcmp(an->key, k->p, k->n) == 0;
}

static struct sub_node *
sub_find(struct regtable *t, const char *key, size_t n, uint64_t hash)
{
	struct lkey k = { key, n };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->subs, hash, sub_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? caa_container_of(node, struct sub_node, hnode) : NULL;
}

static struct alias_node *
alias_find(struct regtable *t, const char *key, size_t n, uint64_t hash)
{
	struct lkey k = { key, n };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->aliases, hash, alias_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? caa_container_of(node, struct alias_node, hnode) : NULL;
}

/* Subscription key: resource key, NUL, Call-ID. -EINVAL when unusable. */
static int
make_sub_key(struct rgl_slice resource, struct rgl_slice callid, char *buf, size_t *len,
	     size_t *rk_len)
{
	int rk = aor_norm_slice(resource, buf, AOR_NORM_MAX);

	if (rk <= 0)
		return -EINVAL;
	if (callid.p == NULL || callid.len == 0 || callid.len > REGTABLE_CALLID_MAX ||
	    memchr(callid.p, '\0', callid.len) != NULL)
		return -EINVAL;
	buf[rk] = '\0';
	memcpy(buf + rk + 1, callid.p, callid.len);
	*rk_len = (size_t)rk;
	*len = (size_t)rk + 1 + callid.len;
	return 0;
}

static struct snap_blk *
snap_of(struct sub_node *sn)
{
	return rcu_dereference(sn->snap);
}

/* The registration of @p s whose AoR key is @p key (one with contacts first). */
static const struct regtable_registration *
reg_by_key(const struct regtable_snapshot *s, const char *key, size_t n)
{
	const struct regtable_registration *first = NULL;

	for (uint32_t i = 0; i < s->n_regs; i++) {
		const struct regtable_registration *r = &s->regs[i];

		if (r->aor_key.off == 0 || r->aor_key.len != n ||
		    memcmp((const char *)s + r->aor_key.off, key, n) != 0)
			continue;
		if (r->n_contacts > 0)
			return r;
		if (first == NULL)
			first = r;
	}
	return first;
}

/* Whether alias @p an names the subscription whose snapshot is @p s. */
static bool
alias_names(const struct alias_node *an, const struct regtable_snapshot *s)
{
	struct rgl_slice rk = regtable_str(s, s->resource_key), cid = regtable_str(s, s->callid);
	const char *k = an->key + an->key_len;

	return rk.p != NULL && cid.p != NULL && an->sub_key_len == rk.len + 1 + cid.len &&
	       memcmp(k, rk.p, rk.len) == 0 && k[rk.len] == '\0' &&
	       memcmp(k + rk.len + 1, cid.p, cid.len) == 0;
}

/* ------------------------------------------------------------------ */
/* Pool objects through the writer                                     */

static void *
wget(struct regtable_writer *w, size_t size)
{
	int c = regalloc_class_of(size);
	void *p;

	if (c < 0)
		return NULL;
	p = w->spare[c];
	if (p != NULL) {
		w->spare[c] = NULL;
		return p;
	}
	return regalloc_get(&w->t->mem, size);
}

/* Give back an object that was never reachable by another thread. */
static void
wput(struct regtable_writer *w, void *obj)
{
	int c;

	if (obj == NULL)
		return;
	c = regalloc_class_of_obj(&w->t->mem, obj);
	if (w->spare[c] == NULL)
		w->spare[c] = obj;
	else
		regalloc_retire(&w->t->mem, obj);
}

static size_t
obj_capacity(struct regtable_writer *w, const void *obj)
{
	return regalloc_class_size(&w->t->mem, regalloc_class_of_obj(&w->t->mem, obj));
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

static unsigned long
pow2_at_least(uint64_t v)
{
	unsigned long p = 1;

	while (p < v && p < (1UL << 62))
		p <<= 1;
	return p;
}

int
regtable_create(const struct regtable_config *cfg, struct regtable **out)
{
	struct regtable *t;
	unsigned long init;
	ssize_t got;
	int rc;

	rc = config_check(cfg);
	if (rc < 0)
		return rc;
	t = aligned_alloc(64, (sizeof(*t) + 63) & ~(size_t)63);
	if (t == NULL)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	rgl_svc_matcher_init(&t->svc, t->cfg.services);
	role_prep_init(&t->roles, &t->cfg);
	got = getrandom(t->seed, sizeof(t->seed), 0);
	if (got != (ssize_t)sizeof(t->seed)) {
		rc = got < 0 ? -errno : -EIO;
		goto err_free;
	}
	rc = regalloc_init(&t->mem, cfg->max_memory);
	if (rc < 0)
		goto err_free;

	/* Sized from the capacity so that resizes are rare (RCU.md 0.5). */
	init = pow2_at_least(cfg->init_buckets ? cfg->init_buckets : cfg->max_registrations / 2);
	if (init < 4)
		init = 4;
	if (init > (1UL << 24))
		init = 1UL << 24;
	/* No AUTO_RESIZE / ACCOUNTING: see "Table size" at the top. */
	t->subs = cds_lfht_new_flavor(init, init, 0, 0, RGL_RCU_FLAVOR, NULL);
	if (t->subs == NULL) {
		rc = -ENOMEM;
		goto err_mem;
	}
	t->aliases = cds_lfht_new_flavor(init, init, 0, 0, RGL_RCU_FLAVOR, NULL);
	if (t->aliases == NULL) {
		rc = -ENOMEM;
		goto err_subs;
	}
	t->sub_buckets = init;
	t->alias_buckets = init;
	*out = t;
	return 0;

err_subs:
	cds_lfht_destroy(t->subs, NULL);
err_mem:
	regalloc_fini(&t->mem);
err_free:
	free(t);
	return rc;
}

uint64_t
regtable_destroy(struct regtable *t)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	uint64_t leaked = 0;
	int online;

	if (t == NULL)
		return 0;
	online = urcu_qsbr_read_ongoing();
	if (!online)
		urcu_qsbr_thread_online();

	/* Sole user now: unlink and free at once. Pending call_rcu callbacks
	 * may push concurrently; pushes need no grace period. The tables
	 * have no resize worker (created without AUTO_RESIZE), so destroy
	 * below is direct and avoids the 0.13.2 auto-resize destroy bug. */
	cds_lfht_first(t->aliases, &it);
	while ((node = cds_lfht_iter_get_node(&it)) != NULL) {
		struct alias_node *an = caa_container_of(node, struct alias_node, hnode);

		cds_lfht_next(t->aliases, &it);
		if (cds_lfht_del(t->aliases, node) == 0)
			regalloc_put_now(&t->mem, an);
	}
	cds_lfht_first(t->subs, &it);
	while ((node = cds_lfht_iter_get_node(&it)) != NULL) {
		struct sub_node *sn = caa_container_of(node, struct sub_node, hnode);

		cds_lfht_next(t->subs, &it);
		if (cds_lfht_del(t->subs, node) == 0) {
			if (sn->snap != &regtable_dead)
				regalloc_put_now(&t->mem, sn->snap);
			regalloc_put_now(&t->mem, sn);
		}
	}

	urcu_qsbr_barrier(); /* runs every pending reclamation callback */
	for (int c = 0; c < RA_NCLASS; c++)
		leaked += atomic_load(&t->mem.cls[c].allocs) - atomic_load(&t->mem.cls[c].frees);

	urcu_qsbr_thread_offline(); /* cds_lfht_destroy: offline (RCU.md 1) */
	cds_lfht_destroy(t->aliases, NULL);
	cds_lfht_destroy(t->subs, NULL);
	if (online)
		urcu_qsbr_thread_online();
	regalloc_fini(&t->mem);
	free(t);
	return leaked;
}

struct regtable_writer *
regtable_writer_new(struct regtable *t)
{
	const struct regtable_config *c = &t->cfg;
	struct regtable_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->t = t;
	w->cap = c->max_snapshot_bytes;
	w->cap_wregs = c->max_regs_per_sub;
	/* room for terminated/replaced rows of one document on top */
	w->cap_wcs = 2 * c->max_contacts_per_sub + 512;
	w->cap_features = c->max_contacts_per_sub * (c->max_features_per_contact ?
						     c->max_features_per_contact : 1);
	w->scratch = malloc(w->cap);
	w->wregs = calloc(w->cap_wregs, sizeof(*w->wregs));
	w->wcs = calloc(w->cap_wcs, sizeof(*w->wcs));
	w->regs = calloc(c->max_regs_per_sub, sizeof(*w->regs));
	w->contacts = calloc(c->max_contacts_per_sub, sizeof(*w->contacts));
	w->features = calloc(w->cap_features, sizeof(*w->features));
	w->intern = calloc(INTERN_SLOTS, sizeof(*w->intern));
	w->xlat = calloc(XLAT_SLOTS, sizeof(*w->xlat));
	w->fcache = calloc(FCACHE_SLOTS, sizeof(*w->fcache));
	if (!w->scratch || !w->wregs || !w->wcs || !w->regs || !w->contacts || !w->features ||
	    !w->intern || !w->xlat || !w->fcache) {
		regtable_writer_free(w);
		return NULL;
	}
	/* first touch here, not on the packet path */
	memset(w->scratch, 0, w->cap);
	memset(w->fcache, 0, FCACHE_SLOTS * sizeof(*w->fcache));
	return w;
}

void
regtable_writer_free(struct regtable_writer *w)
{
	if (w == NULL)
		return;
	for (int c = 0; c < RA_NCLASS; c++)
		if (w->spare[c] != NULL)
			regalloc_retire(&w->t->mem, w->spare[c]);
	free(w->scratch);
	free(w->wregs);
	free(w->wcs);
	free(w->regs);
	free(w->contacts);
	free(w->features);
	free(w->intern);
	free(w->xlat);
	free(w->fcache);
	free(w);
}

const uint64_t *
regtable_writer_counts(const struct regtable_writer *w)
{
	return w->counts;
}

/* ------------------------------------------------------------------ */
/* Apply                                                               */

struct decision {
	enum regtable_result res;
	enum build_body body;
	bool publish;
	bool version_set;
	bool refresh;
	uint32_t version;
	uint64_t cseq;
};

static bool
same_slice(struct rgl_slice a, struct rgl_slice b)
{
	if ((a.p == NULL) != (b.p == NULL) || a.len != b.len)
		return false;
	return a.len == 0 || memcmp(a.p, b.p, a.len) == 0;
}

/* The version table of SEMANTICS 3.4, on the snapshot just read. */
static void
decide(const struct regtable_snapshot *old, const struct regtable_notify *n,
       const struct reginfo_event *ev, struct decision *d)
{
	memset(d, 0, sizeof(*d));
	if (old != NULL && old->sub_state == REGTABLE_SUBSTATE_TERMINATED) {
		d->res = REGTABLE_SUB_TERMINATED;
		return;
	}
	if (old != NULL && regtable_forked(old, n->from_tag)) {
		d->res = REGTABLE_FORKED;
		return;
	}
	if (old != NULL && n->cseq < old->last_cseq) {
		d->res = REGTABLE_CSEQ_OLD;
		return;
	}
	d->cseq = n->cseq;
	if (old != NULL) {
		d->version = old->version;
		d->version_set = old->version_set;
		d->refresh = old->refresh_needed;
	}
	d->body = BODY_KEEP;
	if (ev == NULL) {
		d->res = REGTABLE_NO_CHANGE;
	} else {
		bool full = ev->state == REGINFO_DOC_FULL;
		uint64_t local = d->version, v = ev->version;

		if (!d->version_set) {
			d->res = REGTABLE_APPLIED; /* first document: local := v */
		} else if (v < local) {
			d->res = REGTABLE_STALE;
		} else if (v == local) {
			d->res = full ? REGTABLE_APPLIED : REGTABLE_DUPLICATE;
		} else if (v == local + 1) {
			d->res = REGTABLE_APPLIED;
		} else {
			d->res = full ? REGTABLE_APPLIED : REGTABLE_GAP;
		}
		if (d->res == REGTABLE_APPLIED || d->res == REGTABLE_GAP) {
			d->body = full ? BODY_FULL : BODY_PARTIAL;
			d->version = ev->version;
			d->version_set = true;
			if (full)
				d->refresh = false; /* full state re-synchronises */
			else if (d->res == REGTABLE_GAP)
				d->refresh = true;
		}
	}
	/* Header-only changes (CSeq, Subscription-State) are recorded too. */
	d->publish = d->body != BODY_KEEP || old == NULL || d->cseq != old->last_cseq ||
		     n->sub_state != old->sub_state ||
		     !same_slice(regtable_str(old, old->sub_reason), n->sub_reason);
}

static void
release_aliases(struct regtable_writer *w)
{
	for (uint32_t i = 0; i < w->n_alias_prep; i++)
		wput(w, w->alias_prep[i]);
	w->n_alias_prep = 0;
}

/*
 * Allocate the alias nodes the snapshot @p s will need (before publishing,
 * so that running out of memory changes nothing).
 */
static int
prepare_aliases(struct regtable *t, struct regtable_writer *w, const struct regtable_snapshot *s,
		const char *skey, size_t sklen, uint64_t shash)
{
	release_aliases(w);
	for (uint32_t i = 0; i < s->n_regs; i++) {
		struct rgl_slice k = regtable_str(s, s->regs[i].aor_key);
		struct alias_node *an;
		bool dup = false;
		uint64_t h;

		if (k.p == NULL)
			continue;
		for (uint32_t j = 0; j < i && !dup; j++) {
			struct rgl_slice o = regtable_str(s, s->regs[j].aor_key);

			dup = o.p != NULL && o.len == k.len && memcmp(o.p, k.p, k.len) == 0;
		}
		if (dup)
			continue;
		h = key_hash(t, k.p, k.len);
		an = alias_find(t, k.p, k.len, h);
		if (an != NULL && an->sub_key_len == sklen &&
		    memcmp(an->key + an->key_len, skey, sklen) == 0)
			continue; /* already points here */
		an = wget(w, sizeof(*an) + k.len + sklen);
		if (an == NULL)
			return -ENOMEM;
		an->hash = h;
		an->sub_hash = shash;
		an->key_len = (uint16_t)k.len;
		an->sub_key_len = (uint16_t)sklen;
		memcpy(an->key, k.p, k.len);
		memcpy(an->key + k.len, skey, sklen);
		w->alias_prep[w->n_alias_prep++] = an;
	}
	return 0;
}

static void
publish_aliases(struct regtable *t, struct regtable_writer *w)
{
	for (uint32_t i = 0; i < w->n_alias_prep; i++) {
		struct alias_node *an = w->alias_prep[i];
		struct lkey k = { an->key, an->key_len };
		struct cds_lfht_node *old;

		cds_lfht_node_init(&an->hnode);
		old = cds_lfht_add_replace(t->aliases, an->hash, alias_match, &k, &an->hnode);
		if (old != NULL)
			regalloc_retire(&t->mem, caa_container_of(old, struct alias_node, hnode));
		else
			atomic_fetch_add_explicit(&t->n_aliases, 1, memory_order_relaxed);
	}
	w->n_alias_prep = 0;
}

/* A tombstoned node: unlink it (whoever succeeds frees it). */
static void
help_unlink(struct regtable *t, struct sub_node *sn)
{
	if (cds_lfht_del(t->subs, &sn->hnode) == 0) {
		atomic_fetch_sub_explicit(&t->n_subs, 1, memory_order_relaxed);
		regalloc_retire(&t->mem, sn);
	}
}

static bool
reserve_regs(struct regtable *t, int64_t delta)
{
	uint64_t before;

	if (delta <= 0)
		return true;
	before = atomic_fetch_add_explicit(&t->n_regs, (uint64_t)delta, memory_order_relaxed);
	if (before + (uint64_t)delta > t->cfg.max_registrations) {
		atomic_fetch_sub_explicit(&t->n_regs, (uint64_t)delta, memory_order_relaxed);
		return false;
	}
	return true;
}

static void
unreserve_regs(struct regtable *t, int64_t delta)
{
	if (delta > 0)
		atomic_fetch_sub_explicit(&t->n_regs, (uint64_t)delta, memory_order_relaxed);
}

static enum regtable_result
apply_sub(struct regtable *t, struct regtable_writer *w, const struct regtable_notify *n,
	  const struct reginfo_event *ev, uint64_t now, const char *key, size_t klen,
	  size_t rklen, uint64_t hash)
{
	struct snap_blk *cand = NULL;
	enum regtable_result res;

	for (;;) {
		struct sub_node *sn = sub_find(t, key, klen, hash);
		struct snap_blk *old_blk = sn ? snap_of(sn) : NULL;
		const struct regtable_snapshot *old;
		struct build_req rq;
		struct decision d;
		int64_t delta;
		int size;

		if (old_blk == &regtable_dead) {
			/* being removed by the sweeper: unlink, start afresh */
			help_unlink(t, sn);
			continue;
		}
		old = old_blk ? &old_blk->s : NULL;
		decide(old, n, ev, &d);
		if (!d.publish) {
			res = d.res;
			break;
		}

		memset(&rq, 0, sizeof(rq));
		rq.old = old;
		rq.ev = ev;
		rq.body = d.body;
		rq.now = now;
		rq.resource = n->resource;
		rq.resource_key = rgl_slice_make(key, rklen);
		rq.callid = n->callid;
		rq.from_tag = n->from_tag;
		rq.to_tag = n->to_tag;
		rq.sub_reason = n->sub_reason;
		rq.sub_state = (uint8_t)n->sub_state;
		rq.last_cseq = d.cseq;
		rq.version = d.version;
		rq.version_set = d.version_set;
		rq.refresh_needed = d.refresh;
		size = reg_build(w, &rq);
		if (size < 0) {
			res = REGTABLE_CAPACITY;
			break;
		}
		if (cand != NULL && obj_capacity(w, cand) < (size_t)size) {
			wput(w, cand);
			cand = NULL;
		}
		if (cand == NULL)
			cand = wget(w, (size_t)size);
		if (cand == NULL) {
			res = REGTABLE_NO_MEMORY;
			break;
		}
		reg_build_emit(w, cand, (uint32_t)size);

		delta = (int64_t)cand->s.n_regs - (old ? (int64_t)old->n_regs : 0);
		if (!reserve_regs(t, delta)) {
			res = REGTABLE_CAPACITY;
			break;
		}
		if (prepare_aliases(t, w, &cand->s, key, klen, hash) < 0) {
			unreserve_regs(t, delta);
			res = REGTABLE_NO_MEMORY;
			break;
		}

		if (sn == NULL) {
			struct lkey k = { key, klen };
			struct cds_lfht_node *got;

			sn = wget(w, sizeof(*sn) + klen);
			if (sn == NULL) {
				unreserve_regs(t, delta);
				res = REGTABLE_NO_MEMORY;
				break;
			}
			sn->snap = cand;
			sn->hash = hash;
			sn->key_len = (uint16_t)klen;
			memcpy(sn->key, key, klen);
			cds_lfht_node_init(&sn->hnode);
			got = cds_lfht_add_unique(t->subs, hash, sub_match, &k, &sn->hnode);
			if (got != &sn->hnode) {
				/* another lcore created it first: decide on its state */
				wput(w, sn);
				unreserve_regs(t, delta);
				continue;
			}
			atomic_fetch_add_explicit(&t->n_subs, 1, memory_order_relaxed);
		} else if (rcu_cmpxchg_pointer(&sn->snap, old_blk, cand) != old_blk) {
			unreserve_regs(t, delta);
			continue; /* someone published in between: decide again */
		} else {
			regalloc_retire(&t->mem, old_blk);
		}
		if (delta < 0)
			atomic_fetch_sub_explicit(&t->n_regs, (uint64_t)-delta,
						  memory_order_relaxed);
		cand = NULL;
		publish_aliases(t, w);
		res = d.res;
		break;
	}
	release_aliases(w);
	wput(w, cand);
	return res;
}

enum regtable_result
regtable_apply(struct regtable *t, struct regtable_writer *w, const struct regtable_notify *n,
	       const struct reginfo_event *ev, uint64_t now)
{
	char key[REGTABLE_SUBKEY_MAX];
	size_t klen, rklen;
	enum regtable_result res;

	if (make_sub_key(n->resource, n->callid, key, &klen, &rklen) < 0)
		res = REGTABLE_INVALID;
	else
		res = apply_sub(t, w, n, ev, now, key, klen, rklen, key_hash(t, key, klen));
	w->counts[res]++;
	return res;
}

/* ------------------------------------------------------------------ */
/* Reads                                                               */

int
regtable_lookup(struct regtable *t, struct rgl_slice aor, struct regtable_match *m)
{
	char key[AOR_NORM_MAX];
	int kl = aor_norm_slice(aor, key, sizeof(key));
	struct alias_node *an;
	struct sub_node *sn;
	struct snap_blk *blk;
	const struct regtable_registration *r;

	if (kl <= 0)
		return -EINVAL;
	an = alias_find(t, key, (size_t)kl, key_hash(t, key, (size_t)kl));
	if (an == NULL)
		return -ENOENT;
	sn = sub_find(t, an->key + an->key_len, an->sub_key_len, an->sub_hash);
	if (sn == NULL)
		return -ENOENT;
	blk = snap_of(sn);
	if (blk == &regtable_dead)
		return -ENOENT;
	r = reg_by_key(&blk->s, key, (size_t)kl);
	if (r == NULL)
		return -ENOENT; /* stale alias */
	m->snap = &blk->s;
	m->reg = r;
	return 0;
}

const struct regtable_snapshot *
regtable_find_subscription(struct regtable *t, struct rgl_slice resource, struct rgl_slice callid)
{
	char key[REGTABLE_SUBKEY_MAX];
	size_t klen, rklen;
	struct sub_node *sn;
	struct snap_blk *blk;

	if (make_sub_key(resource, callid, key, &klen, &rklen) < 0)
		return NULL;
	sn = sub_find(t, key, klen, key_hash(t, key, klen));
	if (sn == NULL)
		return NULL;
	blk = snap_of(sn);
	return blk == &regtable_dead ? NULL : &blk->s;
}

bool
regtable_reg_is_current(struct regtable *t, const struct regtable_snapshot *s,
			const struct regtable_registration *reg)
{
	struct rgl_slice k = regtable_str(s, reg->aor_key);
	struct alias_node *an;

	if (k.p == NULL)
		return true;
	an = alias_find(t, k.p, k.len, key_hash(t, k.p, k.len));
	return an != NULL && alias_names(an, s);
}

int
regtable_foreach(struct regtable *t, int (*fn)(const struct regtable_snapshot *s, void *arg),
		 void *arg)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	/* cds_lfht_for_each_entry computes container_of(NULL) at the end
	 * (UB in 0.13.2, RCU.md 1): iterate by node. */
	for (cds_lfht_first(t->subs, &it); (node = cds_lfht_iter_get_node(&it)) != NULL;
	     cds_lfht_next(t->subs, &it)) {
		struct sub_node *sn = caa_container_of(node, struct sub_node, hnode);
		struct snap_blk *blk = snap_of(sn);
		int rc;

		if (blk == &regtable_dead)
			continue;
		rc = fn(&blk->s, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sweep                                                               */

static bool
snap_has_expired(const struct regtable_snapshot *s, uint64_t now, uint64_t linger,
		 uint32_t *regs_left)
{
	bool work = false;

	*regs_left = 0;
	for (uint32_t i = 0; i < s->n_regs; i++) {
		const struct regtable_registration *r = &s->regs[i];
		const struct regtable_contact *c = regtable_reg_contacts(s, r);
		uint32_t live = 0;

		for (uint32_t k = 0; k < r->n_contacts; k++) {
			if (regtable_contact_alive(&c[k], now))
				live++;
			else
				work = true;
		}
		if (live == 0 && (r->n_contacts > 0 || r->updated_at + linger <= now ||
				  r->updated_at + linger < r->updated_at))
			work = true;
		else
			(*regs_left)++;
	}
	return work;
}

static void
sweep_sub(struct regtable *t, struct regtable_writer *w, struct sub_node *sn, uint64_t now,
	  struct regtable_sweep_stats *st)
{
	uint64_t linger = t->cfg.linger_s;

	for (int attempt = 0; attempt < 8; attempt++) {
		struct snap_blk *blk = snap_of(sn), *cand;
		const struct regtable_snapshot *s;
		struct build_req rq;
		uint32_t regs_left;
		bool idle, work;
		int size;

		if (blk == &regtable_dead)
			return;
		s = &blk->s;
		idle = s->updated_at + linger <= now && s->updated_at + linger >= s->updated_at;
		work = snap_has_expired(s, now, linger, &regs_left);
		if ((s->sub_state == REGTABLE_SUBSTATE_TERMINATED && idle) ||
		    (regs_left == 0 && (idle || s->sub_state == REGTABLE_SUBSTATE_TERMINATED))) {
			/* tombstone first, so no apply lands in a leaving node */
			if (rcu_cmpxchg_pointer(&sn->snap, blk, &regtable_dead) != blk) {
				st->cas_retries++;
				continue;
			}
			atomic_fetch_sub_explicit(&t->n_regs, s->n_regs, memory_order_relaxed);
			st->regs_removed += s->n_regs;
			st->subs_removed++;
			regalloc_retire(&t->mem, blk);
			help_unlink(t, sn);
			return;
		}
		if (!work)
			return;

		memset(&rq, 0, sizeof(rq));
		rq.old = s;
		rq.body = BODY_KEEP;
		rq.sweep = true;
		rq.now = now;
		rq.resource = regtable_str(s, s->resource);
		rq.resource_key = regtable_str(s, s->resource_key);
		rq.callid = regtable_str(s, s->callid);
		rq.from_tag = regtable_str(s, s->from_tag);
		rq.to_tag = regtable_str(s, s->to_tag);
		rq.sub_reason = regtable_str(s, s->sub_reason);
		rq.sub_state = s->sub_state;
		rq.last_cseq = s->last_cseq;
		rq.version = s->version;
		rq.version_set = s->version_set;
		rq.refresh_needed = s->refresh_needed;
		size = reg_build(w, &rq);
		if (size < 0)
			return;
		cand = wget(w, (size_t)size);
		if (cand == NULL)
			return;
		reg_build_emit(w, cand, (uint32_t)size);
		if (rcu_cmpxchg_pointer(&sn->snap, blk, cand) != blk) {
			wput(w, cand);
			st->cas_retries++;
			continue;
		}
		regalloc_retire(&t->mem, blk);
		atomic_fetch_sub_explicit(&t->n_regs, s->n_regs - cand->s.n_regs,
					  memory_order_relaxed);
		st->contacts_expired += rq.contacts_expired;
		st->regs_removed += rq.regs_removed;
		return;
	}
}

/* Drop alias @p an when it points at nothing, then re-check (see top). */
static void
gc_alias(struct regtable *t, struct regtable_writer *w, struct alias_node *an,
	 struct regtable_sweep_stats *st)
{
	const char *skey = an->key + an->key_len;
	struct sub_node *sn = sub_find(t, skey, an->sub_key_len, an->sub_hash);
	struct snap_blk *blk = sn ? snap_of(sn) : NULL;
	struct alias_node *again;
	struct lkey k;

	if (blk != NULL && blk != &regtable_dead && reg_by_key(&blk->s, an->key, an->key_len))
		return;
	if (cds_lfht_del(t->aliases, &an->hnode) != 0)
		return; /* replaced or removed meanwhile */
	atomic_fetch_sub_explicit(&t->n_aliases, 1, memory_order_relaxed);
	st->aliases_removed++;

	sn = sub_find(t, skey, an->sub_key_len, an->sub_hash);
	blk = sn ? snap_of(sn) : NULL;
	if (blk == NULL || blk == &regtable_dead || !reg_by_key(&blk->s, an->key, an->key_len)) {
		regalloc_retire(&t->mem, an);
		return;
	}
	/* An apply published this AoR meanwhile and saw our node: restore. */
	again = wget(w, sizeof(*again) + an->key_len + an->sub_key_len);
	if (again != NULL) {
		memcpy(again, an, sizeof(*again) + an->key_len + an->sub_key_len);
		cds_lfht_node_init(&again->hnode);
		k.p = again->key;
		k.n = again->key_len;
		if (cds_lfht_add_unique(t->aliases, again->hash, alias_match, &k, &again->hnode) !=
		    &again->hnode) {
			wput(w, again);
		} else {
			atomic_fetch_add_explicit(&t->n_aliases, 1, memory_order_relaxed);
			st->aliases_removed--;
		}
	}
	regalloc_retire(&t->mem, an);
}

/*
 * Position @p it at the cursor's key (the first node not yet visited), or
 * at the start when there is none or it has left the table. Only the
 * sweeper removes subscriptions, and a replaced alias keeps its key, so
 * the cursor is rarely lost.
 */
static void
cursor_start(struct cds_lfht *ht, struct sweep_cursor *cur,
	     int (*match)(struct cds_lfht_node *, const void *), struct cds_lfht_iter *it)
{
	if (cur->valid) {
		struct lkey k = { cur->key, cur->len };

		cds_lfht_lookup(ht, cur->hash, match, &k, it);
		if (cds_lfht_iter_get_node(it) != NULL)
			return;
	}
	cds_lfht_first(ht, it);
}

static void
cursor_save(struct sweep_cursor *cur, const char *key, size_t len, uint64_t hash)
{
	if (len > sizeof(cur->key)) {
		cur->valid = false;
		return;
	}
	memcpy(cur->key, key, len);
	cur->len = (uint16_t)len;
	cur->hash = hash;
	cur->valid = true;
}

uint64_t
regtable_sweep(struct regtable *t, struct regtable_writer *w, uint64_t now, uint64_t budget,
	       struct regtable_sweep_stats *st)
{
	struct regtable_sweep_stats local;
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	uint64_t n = 0;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof(*st));

	cursor_start(t->subs, &t->sub_cursor, sub_match, &it);
	for (;;) {
		struct sub_node *sn;

		node = cds_lfht_iter_get_node(&it);
		if (node == NULL) {
			st->wrapped = true;
			t->sub_cursor.valid = false;
			break;
		}
		sn = caa_container_of(node, struct sub_node, hnode);
		if (n == budget) {
			/* resume here next time */
			cursor_save(&t->sub_cursor, sn->key, sn->key_len, sn->hash);
			break;
		}
		cds_lfht_next(t->subs, &it); /* safe past a node we remove */
		sweep_sub(t, w, sn, now, st);
		n++;
	}
	st->subs_examined = n;

	cursor_start(t->aliases, &t->alias_cursor, alias_match, &it);
	for (;;) {
		struct alias_node *an;

		node = cds_lfht_iter_get_node(&it);
		if (node == NULL) {
			t->alias_cursor.valid = false;
			break;
		}
		an = caa_container_of(node, struct alias_node, hnode);
		if (st->aliases_examined == budget) {
			cursor_save(&t->alias_cursor, an->key, an->key_len, an->hash);
			break;
		}
		cds_lfht_next(t->aliases, &it);
		gc_alias(t, w, an, st);
		st->aliases_examined++;
	}
	/* no table pointer is held any more: safe to resize */
	st->resizes = regtable_maintain(t);
	return n;
}

/* Grow @p ht when it holds more than twice as many nodes as buckets. */
static unsigned
grow_one(struct cds_lfht *ht, unsigned long *buckets, uint64_t nodes)
{
	unsigned long want;

	if (nodes <= 2 * (uint64_t)*buckets || *buckets >= (1UL << 40))
		return 0;
	want = pow2_at_least(nodes);
	/* grow-only: nobody else resizes, so no synchronize_rcu runs here */
	cds_lfht_resize(ht, want);
	*buckets = want;
	return 1;
}

unsigned
regtable_maintain(struct regtable *t)
{
	return grow_one(t->subs, &t->sub_buckets,
			atomic_load_explicit(&t->n_subs, memory_order_relaxed)) +
	       grow_one(t->aliases, &t->alias_buckets,
			atomic_load_explicit(&t->n_aliases, memory_order_relaxed));
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

void
regtable_stats(struct regtable *t, struct regtable_stats *st)
{
	size_t units = atomic_load_explicit(&t->mem.next_unit, memory_order_relaxed);

	memset(st, 0, sizeof(*st));
	st->registrations = atomic_load_explicit(&t->n_regs, memory_order_relaxed);
	st->subscriptions = atomic_load_explicit(&t->n_subs, memory_order_relaxed);
	st->aliases = atomic_load_explicit(&t->n_aliases, memory_order_relaxed);
	st->sub_buckets = t->sub_buckets;
	st->alias_buckets = t->alias_buckets;
	st->mem_total = t->mem.bytes;
	st->mem_carved = (uint64_t)(units < t->mem.units ? units : t->mem.units) << RA_UNIT_SHIFT;
	for (int c = 0; c < RA_NCLASS; c++) {
		uint64_t a = atomic_load_explicit(&t->mem.cls[c].allocs, memory_order_relaxed);
		uint64_t f = atomic_load_explicit(&t->mem.cls[c].frees, memory_order_relaxed);

		st->objects_in_use += a - f;
		st->mem_in_use += (a - f) * t->mem.cls[c].size;
	}
	st->retired_pending = atomic_load(&t->mem.retired) - atomic_load(&t->mem.freed);
	st->alloc_failures = atomic_load(&t->mem.failures);
}

void
regtable_chain_stats(struct regtable *t, enum regtable_index which,
		     struct regtable_chain_stats *cs)
{
	struct cds_lfht *ht = which == REGTABLE_INDEX_ALIASES ? t->aliases : t->subs;
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	uint64_t run = 0, buckets = 0;

	memset(cs, 0, sizeof(*cs));
	cds_lfht_first(ht, &it);
	node = cds_lfht_iter_get_node(&it);
	/*
	 * Walk the raw split-ordered list from the first entry: a node whose
	 * own next pointer carries BUCKET_FLAG is a bucket node; entries
	 * between two bucket nodes are what one lookup may walk.
	 */
	while (node != NULL) {
		struct cds_lfht_node *next = rcu_dereference(node->next);
		unsigned long bits = (unsigned long)next;

		if (bits & LFHT_BUCKET_FLAG) {
			buckets++;
			run = 0;
		} else if (!(bits & LFHT_REMOVED_FLAG)) {
			cs->nodes++;
			if (++run > cs->max_chain)
				cs->max_chain = run;
		}
		node = (struct cds_lfht_node *)(bits & ~LFHT_FLAGS_MASK);
	}
	/* The bucket nodes before the first entry are not walked; the table
	 * size is a power of two and, with spread hashes, fewer than half of
	 * its buckets precede the first entry. */
	cs->buckets = cs->nodes ? pow2_at_least(buckets) : 0;
}
