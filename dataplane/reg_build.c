/* SPDX-License-Identifier: MIT */
/*
 * Snapshot construction: merge the old snapshot of a subscription with a
 * reginfo document (RFC 3680 5.2 as SEMANTICS 3.4-3.5 resolves it) or with
 * the sweeper's expiry decisions, normalize contact data (SEMANTICS 3.7),
 * assign roles, and lay the result out as one block.
 *
 * Everything happens in the writer's scratch (one thread, no sharing):
 * strings go to an arena that already has the block's final layout, with
 * identical strings stored once (an implicit registration set repeats the
 * same contact, instance and feature values under every AoR), and the
 * arrays go to side buffers. reg_build_emit() then copies the exact number
 * of bytes into a pool object, so a snapshot costs its size rounded to a
 * size class, not a worst-case bound.
 *
 * All input is hostile: every index into the event is bounds-checked, and
 * the work is bounded by the per-subscription limits of the configuration.
 */

#include <errno.h>
#include <string.h>

#include <reglane/services.h>

#include "regtable_priv.h"

#define INTERN_PROBES 16

bool
rt_mem_ieq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

static bool
slice_ieq(struct rgl_slice a, const char *lit)
{
	return a.p != NULL && rt_mem_ieq(a.p, a.len, lit, strlen(lit));
}

static bool
slice_eq(struct rgl_slice a, struct rgl_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0) &&
	       (a.p != NULL) == (b.p != NULL);
}

static struct rgl_slice
trim(struct rgl_slice s)
{
	if (s.p == NULL)
		return s;
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
			     s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

static struct rgl_slice
unwrap(struct rgl_slice s, char open, char close)
{
	if (s.p != NULL && s.len >= 2 && s.p[0] == open && s.p[s.len - 1] == close) {
		s.p++;
		s.len -= 2;
	}
	return s;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* ------------------------------------------------------------------ */
/* String arena with interning                                         */

/*
 * Word-at-a-time hash for interning within one snapshot. Not keyed: an
 * adversary can only make strings collide, and probing is bounded
 * (INTERN_PROBES), after which a string is simply stored unshared.
 */
static uint32_t
str_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return (uint32_t)h;
}

static bool
arena_room(struct regtable_writer *w, size_t n)
{
	if (n > w->cap || w->pos > w->cap - n) {
		w->overflow = true;
		return false;
	}
	return true;
}

/* The bytes from @p begin to pos form one string: intern it. */
static struct regtable_sref
arena_commit(struct regtable_writer *w, uint32_t begin)
{
	uint32_t len = w->pos - begin;
	uint32_t h = str_hash(w->scratch + begin, len);

	for (uint32_t i = 0; i < INTERN_PROBES; i++) {
		struct intern_slot *s = &w->intern[(h + i) & (INTERN_SLOTS - 1)];

		if (s->gen != w->intern_gen) {
			*s = (struct intern_slot){ w->intern_gen, h, begin, len };
			break;
		}
		if (s->hash == h && s->len == len &&
		    memcmp(w->scratch + s->pos, w->scratch + begin, len) == 0) {
			w->pos = begin;
			return (struct regtable_sref){ SNAP_OFF(s->pos), len };
		}
	}
	/* Table neighbourhood full (adversarial input): store unshared. */
	return (struct regtable_sref){ SNAP_OFF(begin), len };
}

static struct regtable_sref
put_slice(struct regtable_writer *w, struct rgl_slice s)
{
	uint32_t begin = w->pos;

	if (s.p == NULL || !arena_room(w, s.len))
		return (struct regtable_sref){ 0, 0 };
	memcpy(w->scratch + begin, s.p, s.len);
	w->pos += s.len;
	return arena_commit(w, begin);
}

static int
hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode @p s into the arena (invalid escapes kept literally). */
static struct regtable_sref
put_decoded(struct regtable_writer *w, struct rgl_slice s)
{
	uint32_t begin = w->pos, i = 0;

	if (s.p == NULL || !arena_room(w, s.len))
		return (struct regtable_sref){ 0, 0 };
	while (i < s.len) {
		const char *pct = memchr(s.p + i, '%', s.len - i);
		uint32_t run = pct ? (uint32_t)(pct - (s.p + i)) : s.len - i;
		int hi, lo;

		/* copy up to the next escape in one go */
		memcpy(w->scratch + w->pos, s.p + i, run);
		w->pos += run;
		i += run;
		if (i >= s.len)
			break;
		hi = i + 2 < s.len ? hexv((unsigned char)s.p[i + 1]) : -1;
		lo = i + 2 < s.len ? hexv((unsigned char)s.p[i + 2]) : -1;
		if (hi >= 0 && lo >= 0) {
			w->scratch[w->pos++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			w->scratch[w->pos++] = '%';
			i++;
		}
	}
	return arena_commit(w, begin);
}

/* ------------------------------------------------------------------ */
/* Contact normalization (SEMANTICS 3.7)                               */

static bool
is_decoded_param(struct rgl_slice name)
{
	return slice_ieq(name, RGL_ICSI_REF) || slice_ieq(name, RGL_IARI_REF);
}

/* Feature value: trimmed, one pair of quotes removed, ICSI/IARI decoded. */
static struct regtable_sref
put_feature_value(struct regtable_writer *w, struct rgl_slice name, struct rgl_slice value)
{
	struct rgl_slice v = value.p ? unwrap(trim(value), '"', '"') : rgl_slice_make("", 0);

	return is_decoded_param(name) ? put_decoded(w, v) : put_slice(w, v);
}

/*
 * The instance a public GRUU names: its gr parameter when that is a URN
 * (RFC 5627: public GRUU = AoR + ";gr=" + instance ID).
 */
static struct rgl_slice
gruu_instance(struct rgl_slice gruu)
{
	for (uint32_t i = 0; i + 3 < gruu.len; i++) {
		uint32_t j;

		if (gruu.p[i] != ';' || !rt_mem_ieq(gruu.p + i + 1, 3, "gr=", 3))
			continue;
		j = i + 4;
		while (j < gruu.len && gruu.p[j] != ';' && gruu.p[j] != '?' && gruu.p[j] != '>')
			j++;
		if (j - (i + 4) > 4 && rt_mem_ieq(gruu.p + i + 4, 4, "urn:", 4))
			return rgl_slice_make(gruu.p + i + 4, j - (i + 4));
		return RGL_SLICE_NONE;
	}
	return RGL_SLICE_NONE;
}

static int
emit_event_contact(struct regtable_writer *w, const struct build_req *rq,
		   const struct reginfo_contact *ec, struct regtable_contact *c)
{
	const struct regtable_config *cfg = &w->t->cfg;
	const struct reginfo_event *ev = rq->ev;
	const char *base = w->scratch + offsetof(struct snap_blk, s);
	struct rgl_slice inst = RGL_SLICE_NONE;
	uint32_t nf = 0;

	memset(c, 0, sizeof(*c));
	c->id = put_slice(w, ec->id);
	c->uri = put_slice(w, trim(ec->uri));
	c->display_name = put_slice(w, ec->display_name);
	c->callid = put_slice(w, ec->callid);
	c->q = put_slice(w, ec->q);
	c->pub_gruu = put_slice(w, trim(ec->pub_gruu));
	c->temp_gruu = put_slice(w, trim(ec->temp_gruu));
	c->received_at = rq->now;
	c->has = ec->has & (REGINFO_HAS_EXPIRES | REGINFO_HAS_RETRY_AFTER | REGINFO_HAS_DURATION |
			    REGINFO_HAS_CSEQ | REGINFO_HAS_TEMP_GRUU_CSEQ);
	if (c->has & REGINFO_HAS_EXPIRES)
		c->expires_at = sat_add(rq->now, ec->expires);
	c->retry_after = ec->retry_after;
	c->duration_registered = ec->duration_registered;
	c->cseq = ec->cseq;
	c->temp_gruu_first_cseq = ec->temp_gruu_first_cseq;
	c->state = REGINFO_CONTACT_ACTIVE;
	c->event = (uint8_t)ec->event;
	c->first_feature = w->n_features;

	if (ec->first_param <= ev->n_params && ec->n_params <= ev->n_params - ec->first_param) {
		for (uint32_t k = 0; k < ec->n_params; k++) {
			const struct reginfo_param *p = &ev->params[ec->first_param + k];
			struct rgl_slice name = trim(p->name);
			struct regtable_feature *f = NULL;

			if (name.p == NULL || name.len == 0)
				continue;
			if (slice_ieq(name, "+sip.instance")) {
				inst = p->value;
				continue;
			}
			/* RFC 3261 contact parameters, not capabilities */
			if (slice_ieq(name, "q") || slice_ieq(name, "expires"))
				continue;
			for (uint32_t j = 0; j < nf; j++) {
				struct regtable_feature *g = &w->features[c->first_feature + j];

				if (rt_mem_ieq(base + g->name.off, g->name.len, name.p, name.len)) {
					f = g; /* a repeated parameter: the last one wins */
					break;
				}
			}
			if (f == NULL) {
				if (nf >= cfg->max_features_per_contact ||
				    w->n_features >= w->cap_features)
					continue; /* beyond the cap: dropped */
				f = &w->features[w->n_features++];
				nf++;
			}
			f->name = put_slice(w, name);
			f->value = put_feature_value(w, name, p->value);
		}
	}
	c->n_features = (uint16_t)nf;

	if (inst.p != NULL) {
		struct rgl_slice v = unwrap(unwrap(trim(inst), '"', '"'), '<', '>');

		if (v.len > 0) {
			c->instance = put_slice(w, v);
			c->instance_source = REGTABLE_INSTANCE_SIP_INSTANCE;
		}
	}
	if (c->instance_source == REGTABLE_INSTANCE_NONE && ec->pub_gruu.p != NULL) {
		struct rgl_slice g = gruu_instance(trim(ec->pub_gruu));

		if (g.p != NULL) {
			c->instance = put_decoded(w, g);
			c->instance_source = REGTABLE_INSTANCE_PUB_GRUU;
		}
	}
	if (w->overflow)
		return -E2BIG;

	c->hints = role_hints_of(cfg, rt_str(base, c->instance), base,
				 &w->features[c->first_feature], nf);
	for (uint32_t j = 0; j < nf; j++) {
		const struct regtable_feature *f = &w->features[c->first_feature + j];

		c->services |= rgl_svc_match_feature(&w->t->svc, rt_str(base, f->name),
						     rt_str(base, f->value));
	}
	return 0;
}

static int
emit_old_contact(struct regtable_writer *w, const struct regtable_snapshot *old,
		 const struct regtable_contact *oc, struct regtable_contact *c)
{
	const struct regtable_feature *of = regtable_contact_features(old, oc);

	*c = *oc;
	c->id = put_slice(w, regtable_str(old, oc->id));
	c->uri = put_slice(w, regtable_str(old, oc->uri));
	c->display_name = put_slice(w, regtable_str(old, oc->display_name));
	c->callid = put_slice(w, regtable_str(old, oc->callid));
	c->q = put_slice(w, regtable_str(old, oc->q));
	c->instance = put_slice(w, regtable_str(old, oc->instance));
	c->pub_gruu = put_slice(w, regtable_str(old, oc->pub_gruu));
	c->temp_gruu = put_slice(w, regtable_str(old, oc->temp_gruu));
	c->first_feature = w->n_features;
	if (oc->n_features > w->cap_features - w->n_features)
		return -E2BIG;
	for (uint32_t j = 0; j < oc->n_features; j++) {
		struct regtable_feature *f = &w->features[w->n_features++];

		f->name = put_slice(w, regtable_str(old, of[j].name));
		f->value = put_slice(w, regtable_str(old, of[j].value));
	}
	return w->overflow ? -E2BIG : 0;
}

/* ------------------------------------------------------------------ */
/* Merge                                                               */

static struct wreg *
wreg_new(struct regtable_writer *w)
{
	struct wreg *r;

	if (w->n_wregs >= w->cap_wregs)
		return NULL;
	r = &w->wregs[w->n_wregs++];
	memset(r, 0, sizeof(*r));
	r->head = r->tail = WNONE;
	return r;
}

static struct wcontact *
wc_append(struct regtable_writer *w, struct wreg *r)
{
	struct wcontact *c;

	if (w->n_wcs >= w->cap_wcs)
		return NULL;
	c = &w->wcs[w->n_wcs];
	memset(c, 0, sizeof(*c));
	c->next = WNONE;
	if (r->tail == WNONE)
		r->head = w->n_wcs;
	else
		w->wcs[r->tail].next = w->n_wcs;
	r->tail = w->n_wcs++;
	return c;
}

static struct rgl_slice
wc_id(const struct regtable_writer *w, const struct build_req *rq, const struct wcontact *c)
{
	(void)w;
	return c->evc ? c->evc->id : regtable_str(rq->old, c->oldc->id);
}

/* Registration of the document entry (@p id, @p key / raw @p aor). */
static struct wreg *
wreg_find(struct regtable_writer *w, struct rgl_slice id, struct rgl_slice key,
	  struct rgl_slice aor)
{
	const char *base = w->scratch + offsetof(struct snap_blk, s);

	for (uint32_t i = 0; i < w->n_wregs; i++) {
		struct wreg *r = &w->wregs[i];

		if (!slice_eq(r->id, id))
			continue;
		if (key.p != NULL ? slice_eq(rt_str(base, r->aor_key), key)
				  : (r->aor_key.off == 0 && slice_eq(r->aor, aor)))
			return r;
	}
	return NULL;
}

static int
merge_old(struct regtable_writer *w, const struct build_req *rq)
{
	const struct regtable_snapshot *old = rq->old;

	for (uint32_t i = 0; i < old->n_regs; i++) {
		const struct regtable_registration *or = &old->regs[i];
		const struct regtable_contact *oc = regtable_reg_contacts(old, or);
		struct wreg *r = wreg_new(w);

		if (r == NULL)
			return -E2BIG;
		r->aor = regtable_str(old, or->aor);
		r->id = regtable_str(old, or->id);
		r->wild = regtable_str(old, or->wildcarded_identity);
		r->aor_key = put_slice(w, regtable_str(old, or->aor_key));
		r->state = or->state;
		r->updated_at = or->updated_at;
		r->had_contacts = or->n_contacts;
		for (uint32_t k = 0; k < or->n_contacts; k++) {
			struct wcontact *c = wc_append(w, r);

			if (c == NULL)
				return -E2BIG;
			c->oldc = &oc[k];
		}
	}
	return 0;
}

static int
merge_doc(struct regtable_writer *w, const struct build_req *rq)
{
	const struct reginfo_event *ev = rq->ev;
	char key[AOR_NORM_MAX];

	for (uint32_t i = 0; i < ev->n_regs; i++) {
		const struct reginfo_registration *e = &ev->regs[i];
		struct rgl_slice k = RGL_SLICE_NONE;
		struct wreg *r;
		int kl;

		if (e->aor.p == NULL || e->id.p == NULL)
			continue; /* the parser skips these; never trust it */
		kl = aor_norm_slice(e->aor, key, sizeof(key));
		if (kl > 0)
			k = rgl_slice_make(key, (size_t)kl);
		r = wreg_find(w, e->id, k, e->aor);
		if (r == NULL) {
			r = wreg_new(w);
			if (r == NULL)
				return -E2BIG;
			r->id = e->id;
			r->aor_key = put_slice(w, k);
		}
		r->aor = e->aor; /* the latest spelling */
		r->wild = e->wildcarded_identity;
		r->state = (uint8_t)e->state;
		r->updated_at = rq->now;

		if (e->state != REGINFO_REG_ACTIVE) {
			/* SEMANTICS 3.2/3.5: init or terminated -> no contacts */
			for (uint32_t c = r->head; c != WNONE; c = w->wcs[c].next)
				w->wcs[c].removed = 1;
			continue;
		}
		if (e->first_contact > ev->n_contacts ||
		    e->n_contacts > ev->n_contacts - e->first_contact)
			continue;
		for (uint32_t j = 0; j < e->n_contacts; j++) {
			const struct reginfo_contact *ec = &ev->contacts[e->first_contact + j];
			struct wcontact *found = NULL;

			if (ec->id.p == NULL)
				continue;
			for (uint32_t c = r->head; c != WNONE; c = w->wcs[c].next) {
				struct wcontact *x = &w->wcs[c];

				if (!x->removed && slice_eq(wc_id(w, rq, x), ec->id)) {
					found = x;
					break;
				}
			}
			if (ec->state == REGINFO_CONTACT_TERMINATED) {
				/* removed at once, also inside a full document */
				if (found != NULL)
					found->removed = 1;
				continue;
			}
			if (found == NULL) {
				found = wc_append(w, r);
				if (found == NULL)
					return -E2BIG;
			}
			found->evc = ec; /* a listed contact is replaced whole */
			found->oldc = NULL;
		}
	}
	return w->overflow ? -E2BIG : 0;
}

static int
emit(struct regtable_writer *w, struct build_req *rq)
{
	const struct regtable_config *cfg = &w->t->cfg;

	for (uint32_t i = 0; i < w->n_wregs; i++) {
		struct wreg *r = &w->wregs[i];
		struct regtable_registration *o;
		uint32_t live = 0;

		for (uint32_t c = r->head; c != WNONE; c = w->wcs[c].next) {
			struct wcontact *x = &w->wcs[c];

			if (x->removed)
				continue;
			if (rq->sweep && x->oldc != NULL &&
			    !regtable_contact_alive(x->oldc, rq->now)) {
				x->removed = 1;
				rq->contacts_expired++;
				continue;
			}
			live++;
		}
		/* Sweep: a registration emptied by expiry goes; one reported
		 * without contacts goes after linger_s without news. */
		if (rq->sweep && live == 0 &&
		    (r->had_contacts > 0 || sat_add(r->updated_at, cfg->linger_s) <= rq->now)) {
			rq->regs_removed++;
			continue;
		}
		if (w->n_regs >= cfg->max_regs_per_sub)
			return -E2BIG;
		if (live > cfg->max_contacts_per_sub - w->n_contacts)
			return -E2BIG;
		o = &w->regs[w->n_regs++];
		memset(o, 0, sizeof(*o));
		o->aor = put_slice(w, r->aor);
		o->aor_key = r->aor_key;
		o->id = put_slice(w, r->id);
		o->wildcarded_identity = put_slice(w, r->wild);
		o->updated_at = r->updated_at;
		o->state = r->state;
		o->first_contact = w->n_contacts;
		for (uint32_t c = r->head; c != WNONE; c = w->wcs[c].next) {
			struct wcontact *x = &w->wcs[c];
			struct regtable_contact *out;
			int rc;

			if (x->removed)
				continue;
			out = &w->contacts[w->n_contacts++];
			rc = x->evc ? emit_event_contact(w, rq, x->evc, out)
				    : emit_old_contact(w, rq->old, x->oldc, out);
			if (rc < 0)
				return rc;
			o->n_contacts++;
		}
	}
	return w->overflow ? -E2BIG : 0;
}

int
reg_build(struct regtable_writer *w, struct build_req *rq)
{
	const struct regtable_config *cfg = &w->t->cfg;
	struct snap_blk *hdr = (struct snap_blk *)(void *)w->scratch;
	struct regtable_snapshot *s = &hdr->s;
	size_t size;
	int rc;

	if ((rq->body != BODY_KEEP && rq->ev == NULL) || (rq->sweep && rq->old == NULL))
		return -EINVAL;
	w->pos = (uint32_t)SNAP_STR0;
	w->overflow = false;
	w->n_wregs = w->n_wcs = 0;
	w->n_regs = w->n_contacts = w->n_features = 0;
	if (++w->intern_gen == 0) {
		memset(w->intern, 0, sizeof(w->intern[0]) * INTERN_SLOTS);
		w->intern_gen = 1;
	}
	memset(s, 0, sizeof(*s));
	s->resource = put_slice(w, rq->resource);
	s->resource_key = put_slice(w, rq->resource_key);
	s->callid = put_slice(w, rq->callid);
	s->from_tag = put_slice(w, rq->from_tag);
	s->to_tag = put_slice(w, rq->to_tag);
	s->sub_reason = put_slice(w, rq->sub_reason);

	if (rq->old != NULL && rq->body != BODY_FULL) {
		rc = merge_old(w, rq);
		if (rc < 0)
			return rc;
	}
	if (rq->body != BODY_KEEP) {
		rc = merge_doc(w, rq);
		if (rc < 0)
			return rc;
	}
	rc = emit(w, rq);
	if (rc < 0)
		return rc;
	role_assign(w->scratch + offsetof(struct snap_blk, s), w->contacts, w->n_contacts, rq->now);

	s->last_cseq = rq->last_cseq;
	s->updated_at = rq->now;
	if (rq->sweep && rq->old != NULL)
		s->updated_at = rq->old->updated_at; /* a sweep is not news */
	s->version = rq->version;
	s->version_set = rq->version_set;
	s->refresh_needed = rq->refresh_needed;
	s->sub_state = rq->sub_state;
	s->n_regs = w->n_regs;
	s->n_contacts = w->n_contacts;
	s->n_features = w->n_features;

	size = ((size_t)w->pos + 7u) & ~(size_t)7u;
	size += (size_t)w->n_regs * sizeof(struct regtable_registration);
	size += (size_t)w->n_contacts * sizeof(struct regtable_contact);
	size += (size_t)w->n_features * sizeof(struct regtable_feature);
	if (size > cfg->max_snapshot_bytes)
		return -E2BIG;
	s->bytes = (uint32_t)size;
	return (int)size;
}

void
reg_build_emit(struct regtable_writer *w, struct snap_blk *blk, uint32_t size)
{
	char *dst = (char *)blk;
	size_t off = ((size_t)w->pos + 7u) & ~(size_t)7u;
	size_t n;

	memcpy(dst, w->scratch, w->pos);
	memset(dst + w->pos, 0, off - w->pos);
	n = (size_t)w->n_regs * sizeof(struct regtable_registration);
	memcpy(dst + off, w->regs, n);
	blk->s.regs = (const struct regtable_registration *)(void *)(dst + off);
	off += n;
	n = (size_t)w->n_contacts * sizeof(struct regtable_contact);
	memcpy(dst + off, w->contacts, n);
	blk->s.contacts = (const struct regtable_contact *)(void *)(dst + off);
	off += n;
	n = (size_t)w->n_features * sizeof(struct regtable_feature);
	memcpy(dst + off, w->features, n);
	blk->s.features = (const struct regtable_feature *)(void *)(dst + off);
	off += n;
	(void)size;
}
