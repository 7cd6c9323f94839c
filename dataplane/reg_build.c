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
 * What is computed once and carried (apply() runs this per NOTIFY, so it
 * is the table's hot path):
 *  - A contact of the old snapshot that the document does not list is
 *    copied in its stored, already normalized form: services, hints and
 *    feature values are not recomputed, and each of its strings is
 *    interned by content only the first time its old (offset, length) is
 *    met, looked up by them after that (struct xlat_slot).
 *  - A contact built from the document is normalized once. What one
 *    feature gives (services, role hints, the percent-decoded ICSI/IARI
 *    list, the hashes of the stored strings) depends only on its name and
 *    value, and devices of one model send the same ones for every user:
 *    the writer caches them across builds (struct fcache_ent), verified
 *    byte for byte, so decoding, hashing and tag matching run once per
 *    distinct feature, not once per contact and snapshot.
 *  - An implicit registration set lists each device under every AoR with
 *    the same data and another contact id. A contact whose data equals
 *    that of one emitted earlier in the build (the same document bytes,
 *    or the same old strings) takes its strings, features and derived
 *    data from it (struct twin_slot); only the id is stored anew. The
 *    id is stored first on both paths, so the block is laid out as if
 *    every string had been interned one by one.
 *  - A document AoR spelled exactly as an AoR already in the subscription
 *    reuses that registration's key instead of normalizing it again.
 * The per-build tables are stamped with a build generation, never cleared.
 * None of this changes a snapshot: test_regtable.c checks carried and
 * twin contacts against contacts built from a full document, field by
 * field and by snapshot size.
 *
 * All input is hostile: every index into the event is bounds-checked, and
 * the work is bounded by the per-subscription limits of the configuration.
 */

#include <errno.h>
#include <string.h>

#include <reglane/services.h>

#include "regtable_priv.h"

#define INTERN_PROBES 16

static inline uint64_t
load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t
load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * Byte equality of two strings of length @p n. Most strings here are
 * shorter than 17 bytes: two overlapping word compares, no libc call.
 */
static inline bool
bytes_eq(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return memcmp(a, b, n) == 0;
	if (n >= 8)
		return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
	if (n >= 4)
		return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Copy @p n bytes (non-overlapping), short ones without a libc call. */
static inline void
bytes_copy(char *dst, const char *src, size_t n)
{
	if (n > 16) {
		memcpy(dst, src, n);
	} else if (n >= 8) {
		uint64_t x = load64(src), y = load64(src + n - 8);

		memcpy(dst, &x, 8);
		memcpy(dst + n - 8, &y, 8);
	} else if (n >= 4) {
		uint32_t x = load32(src), y = load32(src + n - 4);

		memcpy(dst, &x, 4);
		memcpy(dst + n - 4, &y, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	}
}

static inline bool
slice_eq(struct rgl_slice a, struct rgl_slice b)
{
	return a.len == b.len && (a.p != NULL) == (b.p != NULL) &&
	       (a.len == 0 || bytes_eq(a.p, b.p, a.len));
}

static inline bool
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline struct rgl_slice
trim(struct rgl_slice s)
{
	if (s.p == NULL || s.len == 0 || (!is_lws(s.p[0]) && !is_lws(s.p[s.len - 1])))
		return s; /* the usual case */
	while (s.len > 0 && is_lws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_lws(s.p[s.len - 1]))
		s.len--;
	return s;
}

static inline struct rgl_slice
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
 * (INTERN_PROBES), after which a string is simply stored unshared. The
 * tail is one overlapping load (no byte loop, no memcpy call).
 */
static inline uint32_t
str_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	if (n >= 8) {
		const char *last = p + n - 8;

		for (; p < last; p += 8) {
			h = (h ^ load64(p)) * 0xff51afd7ed558ccdull;
			h ^= h >> 32;
		}
		h ^= load64(last);
	} else if (n >= 4) {
		h ^= load32(p) | (uint64_t)load32(p + n - 4) << 32;
	} else if (n > 0) {
		h ^= (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
		     (uint64_t)(unsigned char)p[n - 1] << 16;
	}
	/* murmur3's fmix64: every input bit reaches the low (slot) bits */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static inline bool
arena_room(struct regtable_writer *w, size_t n)
{
	if (n > w->cap || w->pos > w->cap - n) {
		w->overflow = true;
		return false;
	}
	return true;
}

/* The bytes from @p begin to pos form one string, of hash @p h: intern it. */
static inline __attribute__((always_inline)) struct regtable_sref
arena_commit_h(struct regtable_writer *w, uint32_t begin, uint32_t h)
{
	uint32_t len = w->pos - begin;
	const char *str = w->scratch + begin;

	for (uint32_t i = 0; i < INTERN_PROBES; i++) {
		struct intern_slot *s = &w->intern[(h + i) & (INTERN_SLOTS - 1)];

		if (s->gen != w->intern_gen) {
			*s = (struct intern_slot){ w->intern_gen, h, begin, len };
			break;
		}
		if (s->hash == h && s->len == len && bytes_eq(w->scratch + s->pos, str, len)) {
			w->pos = begin;
			return (struct regtable_sref){ SNAP_OFF(s->pos), len };
		}
	}
	/* Table neighbourhood full (adversarial input): store unshared. */
	return (struct regtable_sref){ SNAP_OFF(begin), len };
}

/* Intern @p s into the arena; @p hash gets its str_hash() (0 when it fails). */
static inline __attribute__((always_inline)) struct regtable_sref
put_slice_h(struct regtable_writer *w, struct rgl_slice s, uint32_t *hash)
{
	uint32_t begin = w->pos;

	*hash = 0;
	if (s.p == NULL || !arena_room(w, s.len))
		return (struct regtable_sref){ 0, 0 };
	bytes_copy(w->scratch + begin, s.p, s.len);
	w->pos += s.len;
	*hash = str_hash(w->scratch + begin, s.len);
	return arena_commit_h(w, begin, *hash);
}

static struct regtable_sref
put_slice(struct regtable_writer *w, struct rgl_slice s)
{
	uint32_t h;

	return put_slice_h(w, s, &h);
}

/* put_slice() of bytes whose str_hash() is already known (@p h). */
static struct regtable_sref
put_hashed(struct regtable_writer *w, const char *p, uint32_t len, uint32_t h)
{
	uint32_t begin = w->pos;

	if (!arena_room(w, len))
		return (struct regtable_sref){ 0, 0 };
	bytes_copy(w->scratch + begin, p, len);
	w->pos += len;
	return arena_commit_h(w, begin, h);
}

#define XLAT_PROBES 8

/*
 * Copy string @p r of the old snapshot @p old: interned by content the
 * first time its (offset, length) is met, looked up by them after that
 * (the same bytes of the same block). The old block was interned as well,
 * so each distinct content is hashed once per build. (An empty string
 * shares its offset with the string stored after it, hence the length.)
 */
static struct regtable_sref
put_old(struct regtable_writer *w, const struct regtable_snapshot *old, struct regtable_sref r)
{
	uint32_t h = (r.off * 0x9e3779b1u) >> (32 - XLAT_BITS);
	struct xlat_slot *s = NULL;
	struct regtable_sref nw;

	if (r.off == 0)
		return r;
	for (uint32_t i = 0; i < XLAT_PROBES; i++) {
		struct xlat_slot *x = &w->xlat[(h + i) & (XLAT_SLOTS - 1)];

		if (x->gen != w->intern_gen) {
			s = x;
			break;
		}
		if (x->old_off == r.off && x->old_len == r.len)
			return x->nw;
	}
	nw = put_slice(w, regtable_str(old, r));
	if (s != NULL && nw.off != 0)
		*s = (struct xlat_slot){ w->intern_gen, r.off, nw, r.len };
	return nw;
}

static inline int
hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Bit 7 of each byte of @p x that is zero (exact for the lowest one). */
static inline uint64_t
zero_bytes(uint64_t x)
{
	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

/*
 * Percent-decode @p s into the arena (invalid escapes kept literally).
 * Runs without '%' are copied eight bytes at a time: the output never
 * outgrows the input, so an 8-byte store never passes the room checked.
 */
static struct regtable_sref
put_decoded(struct regtable_writer *w, struct rgl_slice s, uint32_t *hash)
{
	uint32_t begin = w->pos;
	const char *in, *end;
	char *out;

	*hash = 0;
	if (s.p == NULL || !arena_room(w, s.len))
		return (struct regtable_sref){ 0, 0 };
	in = s.p;
	end = s.p + s.len;
	out = w->scratch + begin;
	while (in < end) {
		int hi, lo;

		if (end - in >= 8) {
			uint64_t x = load64(in), m;
			unsigned k;

			memcpy(out, &x, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			x = __builtin_bswap64(x); /* lowest address in the low byte */
#endif
			m = zero_bytes(x ^ 0x2525252525252525ull);
			if (m == 0) {
				in += 8;
				out += 8;
				continue;
			}
			k = (unsigned)__builtin_ctzll(m) >> 3; /* first '%' */
			in += k;
			out += k;
		} else if (*in != '%') {
			*out++ = *in++;
			continue;
		}
		/* *in == '%' */
		hi = end - in > 2 ? hexv((unsigned char)in[1]) : -1;
		lo = end - in > 2 ? hexv((unsigned char)in[2]) : -1;
		if (hi >= 0 && lo >= 0) {
			*out++ = (char)(hi << 4 | lo);
			in += 3;
		} else {
			*out++ = '%';
			in++;
		}
	}
	w->pos = (uint32_t)(out - w->scratch);
	*hash = str_hash(w->scratch + begin, w->pos - begin);
	return arena_commit_h(w, begin, *hash);
}

/* ------------------------------------------------------------------ */
/* Contact normalization (SEMANTICS 3.7)                               */

enum param_kind {
	PK_FEATURE = 0, /* stored with its value as is (trimmed, unquoted) */
	PK_DECODED,     /* an ICSI / IARI list: value percent-decoded */
	PK_INSTANCE,    /* +sip.instance: the instance, not a feature */
	PK_SKIP,        /* q, expires: RFC 3261 contact parameters */
};

_Static_assert(sizeof(RGL_ICSI_REF) == sizeof(RGL_IARI_REF), "one length case for both lists");

/* What parameter @p name (trimmed, not empty) is; lengths first. */
static enum param_kind
param_kind(struct rgl_slice name)
{
	switch (name.len) {
	case 1:
		return (name.p[0] | 0x20) == 'q' ? PK_SKIP : PK_FEATURE;
	case 7:
		return rt_mem_ieq(name.p, 7, "expires", 7) ? PK_SKIP : PK_FEATURE;
	case 13:
		return rt_mem_ieq(name.p, 13, "+sip.instance", 13) ? PK_INSTANCE : PK_FEATURE;
	case sizeof(RGL_ICSI_REF) - 1:
		if (rt_mem_ieq(name.p, name.len, RGL_ICSI_REF, sizeof(RGL_ICSI_REF) - 1) ||
		    rt_mem_ieq(name.p, name.len, RGL_IARI_REF, sizeof(RGL_IARI_REF) - 1))
			return PK_DECODED;
		return PK_FEATURE;
	default:
		return PK_FEATURE;
	}
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

/* What a feature contributes to its contact (struct fcache_ent). */
struct fbits {
	uint32_t services;
	uint8_t hints;
};

/*
 * Cache slot hash of a string: its length and three words (start, middle,
 * end), whatever its length. A cache only needs a spread, not strength:
 * every hit is verified byte for byte, so a collision costs a miss.
 */
static inline uint64_t
sample_hash(const char *p, size_t n)
{
	uint64_t h = n * 0x9e3779b97f4a7c15ull;

	if (n >= 8) {
		h ^= load64(p);
		h *= 0xff51afd7ed558ccdull;
		h ^= load64(p + n - 8) ^ (uint64_t)load32(p + (n - 4) / 2) << 17;
	} else if (n >= 4) {
		h ^= load32(p) | (uint64_t)load32(p + n - 4) << 32;
	} else if (n > 0) {
		h ^= (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
		     (uint64_t)(unsigned char)p[n - 1] << 16;
	}
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ h >> 32;
}

/* The cache entry of (@p name, @p in), or NULL. */
static inline const struct fcache_ent *
fcache_find(const struct regtable_writer *w, uint32_t key, struct rgl_slice name,
	    struct rgl_slice in)
{
	const struct fcache_ent *e = &w->fcache[key % FCACHE_SLOTS];

	if (!e->valid || e->key != key || e->name_len != name.len || e->in_len != in.len ||
	    !bytes_eq(e->bytes, name.p, name.len) || !bytes_eq(e->bytes + name.len, in.p, in.len))
		return NULL;
	return e;
}

/*
 * Remember what (@p name, @p in) gave: the interning hashes of the name
 * and of the stored value, and the decoded value when it is not @p in.
 */
static void
fcache_put(struct regtable_writer *w, uint32_t key, struct rgl_slice name, struct rgl_slice in,
	   struct rgl_slice norm, uint32_t name_hash, uint32_t value_hash, struct fbits b)
{
	struct fcache_ent *e = &w->fcache[key % FCACHE_SLOTS];
	size_t need = (size_t)name.len + in.len + (norm.p ? norm.len : 0);

	if (need > FCACHE_BYTES)
		return;
	e->valid = 1;
	e->decoded = norm.p != NULL;
	e->hints = b.hints;
	e->name_len = (uint16_t)name.len;
	e->in_len = (uint16_t)in.len;
	e->norm_len = (uint16_t)(norm.p ? norm.len : in.len);
	e->key = key;
	e->name_hash = name_hash;
	e->value_hash = value_hash;
	e->services = b.services;
	memcpy(e->bytes, name.p, name.len);
	memcpy(e->bytes + name.len, in.p, in.len);
	if (norm.p != NULL)
		memcpy(e->bytes + name.len + in.len, norm.p, norm.len);
}

/*
 * Store feature @p name (trimmed, as received) with its value into @p f
 * and return what it gives. The value is trimmed, one pair of quotes
 * removed, and ICSI/IARI lists are percent-decoded (SEMANTICS 3.7). When
 * the writer has met this (name, value) before, the stored strings come
 * from its cache with their hashes: no decoding, hashing or tag matching.
 */
static struct fbits
put_feature(struct regtable_writer *w, enum param_kind kind, struct rgl_slice name,
	    struct rgl_slice value, struct regtable_feature *f)
{
	const struct regtable *t = w->t;
	const char *base = w->scratch + offsetof(struct snap_blk, s);
	struct rgl_slice in = value.p ? unwrap(trim(value), '"', '"') : rgl_slice_make("", 0);
	uint32_t key = (uint32_t)(sample_hash(name.p, name.len) * 0x9e3779b1u ^
				  sample_hash(in.p, in.len));
	const struct fcache_ent *e = fcache_find(w, key, name, in);
	struct rgl_slice norm = RGL_SLICE_NONE, stored;
	uint32_t name_hash, value_hash;
	struct fbits b;

	if (e != NULL && e->decoded == (kind == PK_DECODED)) {
		f->name = put_hashed(w, e->bytes, e->name_len, e->name_hash);
		f->value = put_hashed(w, e->bytes + e->name_len + (e->decoded ? e->in_len : 0),
				      e->norm_len, e->value_hash);
		return (struct fbits){ e->services, e->hints };
	}
	f->name = put_slice_h(w, name, &name_hash);
	if (kind == PK_DECODED) {
		f->value = put_decoded(w, in, &value_hash);
		norm = rt_str(base, f->value);
	} else {
		f->value = put_slice_h(w, in, &value_hash);
	}
	if (f->name.off == 0 || f->value.off == 0)
		return (struct fbits){ 0, 0 }; /* arena full: the build fails */
	stored = rt_str(base, f->value);
	b.services = rgl_svc_match_feature(&t->svc, name, stored);
	b.hints = role_hints_feature(&t->roles, name, stored);
	fcache_put(w, key, name, in, norm, name_hash, value_hash, b);
	return b;
}

/* ------------------------------------------------------------------ */
/* Twins: one device under several AoRs                                */

/* The twin slot of a contact with URI @p uri (document or old bytes). */
static struct twin_slot *
twin_slot(struct regtable_writer *w, struct rgl_slice uri, bool from_event)
{
	uint64_t h = uri.p ? sample_hash(uri.p, uri.len) : 0;

	return &w->twins[(h + from_event) % TWIN_SLOTS];
}

/* Whether document contacts @p a and @p b carry the same data but the id. */
static bool
same_event_data(const struct reginfo_event *ev, const struct reginfo_contact *a,
		const struct reginfo_contact *b)
{
	const struct reginfo_param *pa, *pb;

	if (!slice_eq(a->uri, b->uri) || !slice_eq(a->callid, b->callid) ||
	    !slice_eq(a->display_name, b->display_name) || !slice_eq(a->q, b->q) ||
	    !slice_eq(a->pub_gruu, b->pub_gruu) || !slice_eq(a->temp_gruu, b->temp_gruu) ||
	    a->n_params != b->n_params)
		return false;
	if (a->first_param > ev->n_params || a->n_params > ev->n_params - a->first_param ||
	    b->first_param > ev->n_params || b->n_params > ev->n_params - b->first_param)
		return false;
	pa = &ev->params[a->first_param];
	pb = &ev->params[b->first_param];
	for (uint32_t k = 0; k < a->n_params; k++)
		if (!slice_eq(pa[k].name, pb[k].name) || !slice_eq(pa[k].value, pb[k].value))
			return false;
	return true;
}

static bool
same_sref(struct regtable_sref a, struct regtable_sref b)
{
	return a.off == b.off && a.len == b.len;
}

/* Whether old contacts @p a and @p b hold the same data but the id. */
static bool
same_old_data(const struct regtable_snapshot *old, const struct regtable_contact *a,
	      const struct regtable_contact *b)
{
	const struct regtable_feature *fa = regtable_contact_features(old, a);
	const struct regtable_feature *fb = regtable_contact_features(old, b);

	if (!same_sref(a->uri, b->uri) || !same_sref(a->callid, b->callid) ||
	    !same_sref(a->display_name, b->display_name) || !same_sref(a->q, b->q) ||
	    !same_sref(a->instance, b->instance) || !same_sref(a->pub_gruu, b->pub_gruu) ||
	    !same_sref(a->temp_gruu, b->temp_gruu) || a->n_features != b->n_features ||
	    a->services != b->services || a->hints != b->hints ||
	    a->instance_source != b->instance_source)
		return false;
	for (uint32_t k = 0; k < a->n_features; k++)
		if (!same_sref(fa[k].name, fb[k].name) || !same_sref(fa[k].value, fb[k].value))
			return false;
	return true;
}

/*
 * Fill @p c from its twin @p p, emitted earlier in this build: every
 * string but the id (which the caller stored first, as the full path
 * does, so the block is laid out the same), the derived data and a copy
 * of the features.
 */
static void
copy_twin(struct regtable_writer *w, const struct regtable_contact *p, struct regtable_contact *c)
{
	c->uri = p->uri;
	c->display_name = p->display_name;
	c->callid = p->callid;
	c->q = p->q;
	c->instance = p->instance;
	c->pub_gruu = p->pub_gruu;
	c->temp_gruu = p->temp_gruu;
	c->instance_source = p->instance_source;
	c->services = p->services;
	c->hints = p->hints;
	c->first_feature = w->n_features;
	c->n_features = p->n_features;
	memcpy(&w->features[w->n_features], &w->features[p->first_feature],
	       p->n_features * sizeof(w->features[0]));
	w->n_features += p->n_features;
}

/* ------------------------------------------------------------------ */
/* Contacts                                                            */

static int
emit_event_contact(struct regtable_writer *w, const struct build_req *rq,
		   const struct reginfo_contact *ec, struct regtable_contact *c)
{
	const struct regtable_config *cfg = &w->t->cfg;
	const struct reginfo_event *ev = rq->ev;
	const char *base = w->scratch + offsetof(struct snap_blk, s);
	struct regtable_feature *feats = &w->features[w->n_features];
	struct fbits fb[REGTABLE_MAX_FEATURES_PER_CONTACT];
	struct rgl_slice inst = RGL_SLICE_NONE;
	uint32_t nf = 0, room = w->cap_features - w->n_features, gh;
	struct twin_slot *tw = twin_slot(w, ec->uri, true);

	if (room > cfg->max_features_per_contact)
		room = cfg->max_features_per_contact;
	memset(c, 0, sizeof(*c));
	c->id = put_slice(w, ec->id);
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
	if (tw->gen == w->intern_gen && tw->from_event && same_event_data(ev, tw->src, ec) &&
	    w->contacts[tw->contact].n_features <= room) {
		/* the same device under another AoR: all but the id is known
		 * (a twin never had more features than fit here, so the cap
		 * drops nothing it kept) */
		copy_twin(w, &w->contacts[tw->contact], c);
		return w->overflow ? -E2BIG : 0;
	}
	c->uri = put_slice(w, trim(ec->uri));
	c->display_name = put_slice(w, ec->display_name);
	c->callid = put_slice(w, ec->callid);
	c->q = put_slice(w, ec->q);
	c->pub_gruu = put_slice(w, trim(ec->pub_gruu));
	c->temp_gruu = put_slice(w, trim(ec->temp_gruu));
	c->first_feature = w->n_features;

	if (ec->first_param <= ev->n_params && ec->n_params <= ev->n_params - ec->first_param) {
		const struct reginfo_param *params = &ev->params[ec->first_param];

		for (uint32_t k = 0; k < ec->n_params; k++) {
			struct rgl_slice name = trim(params[k].name);
			enum param_kind kind;
			uint32_t j;

			if (name.p == NULL || name.len == 0)
				continue;
			kind = param_kind(name);
			if (kind == PK_INSTANCE) {
				inst = params[k].value;
				continue;
			}
			if (kind == PK_SKIP)
				continue;
			for (j = 0; j < nf; j++) {
				if (feats[j].name.len == name.len &&
				    rt_mem_ieq(base + feats[j].name.off, name.len, name.p, name.len))
					break; /* a repeated parameter: the last one wins */
			}
			if (j == nf) {
				if (nf >= room)
					continue; /* beyond the cap: dropped */
				nf++;
			}
			fb[j] = put_feature(w, kind, name, params[k].value, &feats[j]);
		}
	}
	w->n_features += nf;
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
			c->instance = put_decoded(w, g, &gh);
			c->instance_source = REGTABLE_INSTANCE_PUB_GRUU;
		}
	}
	if (w->overflow)
		return -E2BIG;

	/* computed once here; carried with the contact from then on */
	if (w->t->roles.instance_mask != 0)
		c->hints = role_hints_instance(&w->t->roles, rt_str(base, c->instance));
	for (uint32_t j = 0; j < nf; j++) {
		c->services |= fb[j].services;
		c->hints |= fb[j].hints;
	}
	*tw = (struct twin_slot){ w->intern_gen, (uint32_t)(c - w->contacts), ec, 1 };
	return 0;
}

/* A contact the document does not touch: copied in its stored form. */
static int
emit_old_contact(struct regtable_writer *w, const struct regtable_snapshot *old,
		 const struct regtable_contact *oc, struct regtable_contact *c)
{
	const struct regtable_feature *of = regtable_contact_features(old, oc);
	struct twin_slot *tw = twin_slot(w, regtable_str(old, oc->uri), false);
	struct regtable_feature *f;

	if (oc->n_features > w->cap_features - w->n_features)
		return -E2BIG;
	*c = *oc;
	c->id = put_old(w, old, oc->id);
	if (tw->gen == w->intern_gen && !tw->from_event && same_old_data(old, tw->src, oc)) {
		/* its twin under another AoR was copied already */
		copy_twin(w, &w->contacts[tw->contact], c);
		return w->overflow ? -E2BIG : 0;
	}
	c->uri = put_old(w, old, oc->uri);
	c->display_name = put_old(w, old, oc->display_name);
	c->callid = put_old(w, old, oc->callid);
	c->q = put_old(w, old, oc->q);
	c->instance = put_old(w, old, oc->instance);
	c->pub_gruu = put_old(w, old, oc->pub_gruu);
	c->temp_gruu = put_old(w, old, oc->temp_gruu);
	c->first_feature = w->n_features;
	f = &w->features[w->n_features];
	w->n_features += oc->n_features;
	for (uint32_t j = 0; j < oc->n_features; j++) {
		f[j].name = put_old(w, old, of[j].name);
		f[j].value = put_old(w, old, of[j].value);
	}
	if (w->overflow)
		return -E2BIG;
	*tw = (struct twin_slot){ w->intern_gen, (uint32_t)(c - w->contacts), oc, 0 };
	return 0;
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
		r->aor_key = put_old(w, old, or->aor_key);
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

/*
 * The key of document AoR @p aor. aor_norm() is a pure function of the
 * bytes, so an AoR spelled exactly as one already met in this build (a
 * registration carried from the old snapshot or an earlier one of the
 * document) or in the old snapshot takes that registration's key.
 */
static struct rgl_slice
doc_aor_key(struct regtable_writer *w, const struct build_req *rq, struct rgl_slice aor,
	    char key[AOR_NORM_MAX])
{
	const char *base = w->scratch + offsetof(struct snap_blk, s);
	const struct regtable_snapshot *old = rq->old;
	int kl;

	for (uint32_t i = 0; i < w->n_wregs; i++) {
		const struct wreg *r = &w->wregs[i];

		if (slice_eq(r->aor, aor))
			return rt_str(base, r->aor_key);
	}
	if (old != NULL && rq->body == BODY_FULL) {
		/* a full document merged nothing old: look at the old AoRs */
		for (uint32_t i = 0; i < old->n_regs; i++) {
			if (slice_eq(regtable_str(old, old->regs[i].aor), aor))
				return regtable_str(old, old->regs[i].aor_key);
		}
	}
	kl = aor_norm_slice(aor, key, AOR_NORM_MAX);
	return kl > 0 ? rgl_slice_make(key, (size_t)kl) : RGL_SLICE_NONE;
}

static int
merge_doc(struct regtable_writer *w, const struct build_req *rq)
{
	const struct reginfo_event *ev = rq->ev;
	char key[AOR_NORM_MAX];

	for (uint32_t i = 0; i < ev->n_regs; i++) {
		const struct reginfo_registration *e = &ev->regs[i];
		struct rgl_slice k;
		struct wreg *r;

		if (e->aor.p == NULL || e->id.p == NULL)
			continue; /* the parser skips these; never trust it */
		k = doc_aor_key(w, rq, e->aor, key);
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
			if (ec->state == REGINFO_CONTACT_TERMINATED ||
			    ec->event >= REGINFO_EV_EXPIRED) {
				/* removed at once, also inside a full document; a
				 * terminating event ends the binding even when the
				 * notifier left state="active" (RFC 3680 4.7.1,
				 * SEMANTICS 3.3) */
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
		/* once in 2^32 builds: stamps could match again */
		memset(w->intern, 0, sizeof(w->intern[0]) * INTERN_SLOTS);
		memset(w->xlat, 0, sizeof(w->xlat[0]) * XLAT_SLOTS);
		memset(w->twins, 0, sizeof(w->twins));
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
