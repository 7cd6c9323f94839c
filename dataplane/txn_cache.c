/* SPDX-License-Identifier: MIT */
/*
 * Server-transaction cache: see include/reglane/txn_cache.h for the model.
 *
 * The key is a keyed 128-bit hash of the RFC 3261 17.2.3 matching fields,
 * computed with an incremental SipHash-2-4 so that the fields are hashed
 * where they lie in the datagram, without assembling a copy. Each field is
 * preceded by its length, so ("ab","c") and ("a","bc") differ.
 */

#include <errno.h>
#include <string.h>

#include <reglane/txn_cache.h>

/* ---- SipHash-2-4, 128-bit output, incremental --------------------------- */

struct sip_hash {
	uint64_t v0, v1, v2, v3;
	uint64_t tail; /* pending bytes, little-endian */
	uint32_t ntail;
	uint64_t total; /* bytes absorbed */
};

static inline uint64_t
rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void
sip_round(struct sip_hash *h)
{
	h->v0 += h->v1;
	h->v1 = rotl(h->v1, 13);
	h->v1 ^= h->v0;
	h->v0 = rotl(h->v0, 32);
	h->v2 += h->v3;
	h->v3 = rotl(h->v3, 16);
	h->v3 ^= h->v2;
	h->v0 += h->v3;
	h->v3 = rotl(h->v3, 21);
	h->v3 ^= h->v0;
	h->v2 += h->v1;
	h->v1 = rotl(h->v1, 17);
	h->v1 ^= h->v2;
	h->v2 = rotl(h->v2, 32);
}

static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void
store_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
sh_init(struct sip_hash *h, uint64_t k0, uint64_t k1)
{
	h->v0 = 0x736f6d6570736575ull ^ k0;
	h->v1 = 0x646f72616e646f6dull ^ k1 ^ 0xee; /* 0xee: 128-bit output */
	h->v2 = 0x6c7967656e657261ull ^ k0;
	h->v3 = 0x7465646279746573ull ^ k1;
	h->tail = 0;
	h->ntail = 0;
	h->total = 0;
}

static inline void
sh_block(struct sip_hash *h, uint64_t m)
{
	h->v3 ^= m;
	sip_round(h);
	sip_round(h);
	h->v0 ^= m;
}

static void
sh_update(struct sip_hash *h, const void *data, size_t len)
{
	const uint8_t *p = data;

	h->total += len;
	while (h->ntail != 0 && len != 0) {
		h->tail |= (uint64_t)*p++ << (8 * h->ntail);
		len--;
		if (++h->ntail == 8) {
			sh_block(h, h->tail);
			h->tail = 0;
			h->ntail = 0;
		}
	}
	for (; len >= 8; p += 8, len -= 8)
		sh_block(h, load_le64(p));
	for (; len != 0; len--)
		h->tail |= (uint64_t)*p++ << (8 * h->ntail++);
}

static void
sh_final(struct sip_hash *h, uint64_t *lo, uint64_t *hi)
{
	sh_block(h, h->tail | (h->total << 56));
	h->v2 ^= 0xee;
	for (int i = 0; i < 4; i++)
		sip_round(h);
	*lo = h->v0 ^ h->v1 ^ h->v2 ^ h->v3;
	h->v1 ^= 0xdd;
	for (int i = 0; i < 4; i++)
		sip_round(h);
	*hi = h->v0 ^ h->v1 ^ h->v2 ^ h->v3;
}

void
txn_siphash128(const uint8_t key[16], const void *data, size_t len, uint8_t out[16])
{
	struct sip_hash h;
	uint64_t lo, hi;

	sh_init(&h, load_le64(key), load_le64(key + 8));
	sh_update(&h, data, len);
	sh_final(&h, &lo, &hi);
	store_le64(out, lo);
	store_le64(out + 8, hi);
}

static void
sh_u32(struct sip_hash *h, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sh_update(h, b, sizeof(b));
}

/* A field: its length (absent = all ones, so absent != empty), then bytes. */
static void
sh_field(struct sip_hash *h, struct rgl_slice s)
{
	sh_u32(h, rgl_slice_present(s) ? s.len : UINT32_MAX);
	if (rgl_slice_present(s))
		sh_update(h, s.p, s.len);
}

/* Host names compare case-insensitively (RFC 3261 19.1.4); hash them folded. */
static void
sh_field_lower(struct sip_hash *h, struct rgl_slice s)
{
	uint8_t buf[64];

	sh_u32(h, rgl_slice_present(s) ? s.len : UINT32_MAX);
	for (uint32_t done = 0; done < s.len;) {
		uint32_t n = s.len - done < sizeof(buf) ? s.len - done : (uint32_t)sizeof(buf);

		for (uint32_t i = 0; i < n; i++) {
			uint8_t c = (uint8_t)s.p[done + i];

			buf[i] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
		}
		sh_update(h, buf, n);
		done += n;
	}
}

/* ---- the cache ----------------------------------------------------------- */

static int
entries_ok(uint32_t n)
{
	return n >= TXN_CACHE_WAYS && (n & (n - 1)) == 0;
}

size_t
txn_cache_mem_size(uint32_t n_entries)
{
	return entries_ok(n_entries) ? (size_t)n_entries * sizeof(struct txn_entry) : 0;
}

int
txn_cache_init(struct txn_cache *c, void *mem, uint32_t n_entries, const uint8_t seed[16])
{
	if (c == NULL || mem == NULL || seed == NULL || !entries_ok(n_entries))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	memset(mem, 0, txn_cache_mem_size(n_entries));
	c->slots = mem;
	c->mask = n_entries - 1;
	c->k0 = load_le64(seed);
	c->k1 = load_le64(seed + 8);
	return 0;
}

void
txn_cache_key(const struct txn_cache *c, const struct sip_msg *m, struct txn_key *k)
{
	static const char cookie[] = "z9hG4bK";
	const struct sip_via *v = &m->vias[0];
	struct sip_hash h;

	sh_init(&h, c->k0, c->k1);
	if (m->n_vias != 0 && v->branch.len > sizeof(cookie) - 1 &&
	    memcmp(v->branch.p, cookie, sizeof(cookie) - 1) == 0) {
		/* RFC 3261 17.2.3, first rule (+ Call-ID). */
		sh_u32(&h, 3261);
		sh_field(&h, v->branch);
		sh_field_lower(&h, v->host);
		sh_u32(&h, v->port);
		sh_field(&h, m->method_name);
		sh_field(&h, m->call_id);
	} else {
		/* RFC 3261 17.2.3, the RFC 2543 rule. */
		sh_u32(&h, 2543);
		sh_field(&h, m->ruri);
		sh_field(&h, m->from.tag);
		sh_field(&h, m->to.tag);
		sh_field(&h, m->call_id);
		sh_u32(&h, m->has_cseq ? m->cseq : UINT32_MAX);
		sh_field(&h, m->cseq_method);
		sh_field(&h, m->n_vias != 0 ? v->value : rgl_slice_make(NULL, 0));
	}
	sh_final(&h, &k->lo, &k->hi);
}

static inline struct txn_entry *
bucket(const struct txn_cache *c, const struct txn_key *k)
{
	return &c->slots[(uint32_t)k->hi & c->mask & ~(TXN_CACHE_WAYS - 1)];
}

/* Unsigned difference: a time before sent_ms (clock went back) counts as expired. */
static inline int
live(const struct txn_entry *e, uint64_t now_ms)
{
	return e->reply.status != 0 && now_ms - e->sent_ms < TXN_TIMER_J_MS;
}

const struct txn_reply *
txn_cache_lookup(struct txn_cache *c, const struct txn_key *k, uint64_t now_ms)
{
	struct txn_entry *b = bucket(c, k);

	for (unsigned i = 0; i < TXN_CACHE_WAYS; i++)
		if (b[i].key.lo == k->lo && b[i].key.hi == k->hi && live(&b[i], now_ms)) {
			c->hits++;
			return &b[i].reply;
		}
	return NULL;
}

void
txn_cache_insert(struct txn_cache *c, const struct txn_key *k, const struct txn_reply *r,
		 uint64_t now_ms)
{
	struct txn_entry *b = bucket(c, k), *victim = NULL, *oldest = &b[0];

	for (unsigned i = 0; i < TXN_CACHE_WAYS; i++) {
		struct txn_entry *e = &b[i];

		if (e->key.lo == k->lo && e->key.hi == k->hi && e->reply.status != 0) {
			victim = e; /* same transaction: replace */
			break;
		}
		if (victim == NULL && !live(e, now_ms))
			victim = e;
		if (e->sent_ms < oldest->sent_ms)
			oldest = e;
	}
	if (victim == NULL) {
		victim = oldest;
		c->evicted_live++;
	}
	victim->key = *k;
	victim->sent_ms = now_ms;
	victim->reply = *r;
	c->inserts++;
}

void
txn_reply_save(struct txn_reply *r, unsigned status, const struct sip_reply_opts *opts)
{
	memset(r, 0, sizeof(*r));
	r->status = (uint16_t)status;
	if (opts != NULL) {
		r->reason = opts->reason;
		r->retry_after = opts->retry_after;
		r->accept = opts->accept;
		if (opts->n_unsupported != 0)
			r->flags |= TXN_REPLY_F_UNSUPPORTED;
	}
}
