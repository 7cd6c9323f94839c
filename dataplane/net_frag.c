/* SPDX-License-Identifier: MIT */
/*
 * IP reassembly, one table per lcore: IPv4 and IPv6 datagrams of up to
 * 65,535 bytes in up to cfg->frag_max_frags fragments (64 by default).
 *
 * Why not rte_ip_frag: DPDK 22.11 is built with RTE_LIBRTE_IP_FRAG_MAX_FRAG
 * = 8, i.e. 11,840 B of IPv4 payload at MTU 1500, while a reg-event NOTIFY
 * for a large implicit registration set is 16-41 KB (up to 30 fragments).
 * tests/pkt/test_reasm.c keeps rte_ip_frag as the reference for sets of up
 * to 8 fragments: same fragments in, same bytes out.
 *
 * Layout. A fixed array of frag_max_entries flows, found through a chained
 * hash of (family, source, destination, id, IPv4 protocol) — the RFC 791 /
 * RFC 8200 key — seeded at random per lcore so that nobody can aim many keys
 * at one bucket. Each flow owns a fixed array of frag_max_frags slots kept
 * sorted by offset; a slot is one fragment's mbuf as received (headers and
 * all, padding trimmed) with its payload offset and length. Nothing is
 * allocated per packet; every array is sized by the configuration at init.
 *
 * Life of a flow. Its first fragment (at any offset) creates it at the young
 * end of an age list; it leaves the table when complete, when it times out
 * (net_frag_expire(), or found stale by a later fragment of the same key),
 * or when evicted. The age list is in creation order, so expiry and eviction
 * both take flows from its old end in O(1) each.
 *
 * Completion. The last fragment (MF clear) fixes the datagram's length; as
 * held fragments never overlap, the datagram is complete when their lengths
 * add up to it. The fragments are then chained in offset order behind the
 * first one, each stripped of its own headers, and the first fragment's
 * headers are fixed up — what rte_ip_frag hands back too, and what
 * net_classify() then reads: IPv4 total length set, MF and offset cleared
 * (DF kept), header checksum recomputed (rte_ip_frag leaves it 0); IPv6 the
 * fragment header and the extension headers before it removed (nothing in
 * hop-by-hop, destination or routing headers with no segments left matters
 * once the destination was checked), Next Header and Payload Length set.
 *
 * Hostile sets. A fragment that overlaps a held one, ends beyond the
 * datagram's known end, is a last fragment disagreeing with an earlier one,
 * would make the datagram exceed 65,535 bytes, is empty, is not a multiple
 * of 8 bytes with more to follow, or is one fragment too many kills its
 * datagram: the fragments held are dropped and the flow stays as a
 * tombstone that drops every later fragment of that datagram until it times
 * out. RFC 5722 requires exactly this for IPv6 ("the entire datagram (and
 * any constituent fragments, including those not yet received) MUST be
 * silently discarded"). We do the same for IPv4, where RFC 791 would let
 * the later copy of the bytes win: overlaps are how the tiny-fragment and
 * overlapping-fragment attacks (RFC 1858, RFC 3128) rewrite a header after
 * it was checked, and no sender we serve produces them. An exact duplicate
 * (same offset, length, flag and bytes) is a network artefact and only the
 * copy is dropped (RFC 8200 4.5 allows that); same offset and length with
 * other bytes is an overlap.
 *
 * Table full: the oldest datagram is evicted for the new one, as Linux does
 * (its fragments are counted in NET_FRAG_DROP, or NET_FRAG_TIMEOUT if it
 * had expired anyway); new datagrams are never refused, so
 * NET_V_DROP_FRAG_FULL is not returned. Refusing new datagrams would let
 * anyone sending frag_max_entries first fragments per timeout stop all
 * reassembly; with eviction an attacker has to start frag_max_entries
 * datagrams within the time one genuine datagram takes to arrive. mbufs are
 * bounded the same way: at most frag_max_held fragments are held per lcore,
 * the oldest datagrams going first, so incomplete datagrams cannot empty
 * the pool the NIC receives into.
 *
 * Dropped fragments go to a death row, freed in bulk by net_frag_flush()
 * after the burst (the caller may still look at the current mbuf until
 * then); a full death row is flushed on the spot.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "net_priv.h"

#define FRAG_NIL UINT32_MAX
#define FRAG_DATAGRAM_MAX 65535u
#define FRAG_DEFAULT_MAX_FRAGS 64u
/* 65,535 bytes in 8-byte pieces: more fragments than that cannot be legal. */
#define FRAG_MAX_MAX_FRAGS 8192u
#define FRAG_DEFAULT_MAX_HELD 8192u
#define FRAG_MAX_ENTRIES (1u << 20)

/* What identifies a datagram (RFC 791 3.2, RFC 8200 4.5); compared whole. */
struct frag_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;     /* IPv4 16-bit id or IPv6 32-bit id, as read */
	uint8_t family;  /* 4 or 6 */
	uint8_t proto;   /* IPv4 protocol; 0 for IPv6 (not part of its key) */
	uint8_t pad[2];  /* always 0, so memcmp and the hash see fixed bytes */
};

/* One fragment held. */
struct frag_slot {
	struct rte_mbuf *m;
	uint32_t ofs;    /* payload offset in the datagram */
	uint16_t len;    /* payload bytes */
	uint16_t hdr;    /* bytes before the payload in m: L2, IP, ext., fragment header */
};

struct frag_flow {
	struct frag_key key;
	uint64_t start;  /* arrival of the first fragment seen (TSC) */
	uint32_t hash;
	uint32_t hnext;  /* next flow in the bucket, or in the free list */
	uint32_t older;  /* age list neighbours */
	uint32_t newer;
	uint32_t total;  /* payload length once the last fragment is in, else 0 */
	uint32_t have;   /* payload bytes held */
	uint32_t segs;   /* mbuf segments held (a chain counts them in 16 bits) */
	uint16_t n;      /* slots used */
	uint16_t unfrag; /* offset-0 fragment: IPv4 header / IPv6 headers before the frag. header */
	uint8_t l2;      /* offset-0 fragment: L2 header bytes */
	uint8_t dead;    /* tombstone of a killed datagram */
	struct frag_slot *slot;
};

/* Per-lcore table; the opaque struct net_reasm of net.h. */
struct net_reasm {
	struct frag_flow *flow;
	struct frag_slot *slots;
	uint32_t *bucket;
	uint32_t bucket_mask;
	uint32_t seed;
	uint32_t free_head;
	uint32_t oldest;
	uint32_t newest;
	uint32_t last;       /* flow of the previous fragment, while in the table */
	uint32_t held;       /* fragments in all slots */
	uint32_t max_held;
	uint32_t max_frags;
	uint32_t dr_cnt;
	uint32_t dr_cap;
	struct rte_mbuf **dr; /* death row */
};

/* What net_frag_ip4/ip6 read from one fragment. */
struct frag_in {
	struct frag_key key;
	uint32_t ofs;
	uint32_t len;
	uint32_t hdr;
	uint32_t unfrag; /* bytes besides ofs + len that count against 65,535 */
	uint32_t l2;
	bool more;
};

static void
reasm_free(struct net_reasm *r)
{
	if (r == NULL)
		return;
	rte_free(r->dr);
	rte_free(r->bucket);
	rte_free(r->slots);
	rte_free(r->flow);
	rte_free(r);
}

int
net_lcore_init(struct net_lcore *lc, const struct net_config *cfg, int socket_id)
{
	struct net_reasm *r;
	uint32_t entries, max_frags, max_held, nb = 16;

	memset(lc, 0, sizeof(*lc));
	if (cfg == NULL || cfg->n_ip4 > NET_MAX_ADDRS || cfg->n_ip6 > NET_MAX_ADDRS)
		return -EINVAL;
	entries = cfg->frag_max_entries;
	max_frags = cfg->frag_max_frags != 0 ? cfg->frag_max_frags : FRAG_DEFAULT_MAX_FRAGS;
	max_held = cfg->frag_max_held != 0 ? cfg->frag_max_held
					   : RTE_MAX(FRAG_DEFAULT_MAX_HELD, max_frags);
	/* One datagram must fit under the mbuf bound, or it could never complete. */
	if (entries == 0 || entries > FRAG_MAX_ENTRIES || cfg->frag_timeout_ms == 0 ||
	    max_frags < 2 || max_frags > FRAG_MAX_MAX_FRAGS || max_held < max_frags)
		return -EINVAL;
	lc->cfg = cfg;
	lc->frag_ttl_cycles = (rte_get_tsc_hz() + 999) / 1000 * cfg->frag_timeout_ms;

	while (nb < 2 * entries)
		nb <<= 1;
	r = rte_zmalloc_socket("net_reasm", sizeof(*r), RTE_CACHE_LINE_SIZE, socket_id);
	if (r == NULL)
		return -ENOMEM;
	r->flow = rte_zmalloc_socket("net_reasm_flows", (size_t)entries * sizeof(*r->flow),
				     RTE_CACHE_LINE_SIZE, socket_id);
	r->slots = rte_malloc_socket("net_reasm_slots",
				     (size_t)entries * max_frags * sizeof(*r->slots),
				     RTE_CACHE_LINE_SIZE, socket_id);
	r->bucket = rte_malloc_socket("net_reasm_buckets", (size_t)nb * sizeof(*r->bucket),
				      RTE_CACHE_LINE_SIZE, socket_id);
	/* Worst single call: a stale flow, an evicted one, a killed one, the fragment. */
	r->dr_cap = 4 * max_frags;
	r->dr = rte_malloc_socket("net_reasm_dr", (size_t)r->dr_cap * sizeof(*r->dr),
				  RTE_CACHE_LINE_SIZE, socket_id);
	if (r->flow == NULL || r->slots == NULL || r->bucket == NULL || r->dr == NULL) {
		reasm_free(r);
		return -ENOMEM;
	}
	r->bucket_mask = nb - 1;
	for (uint32_t i = 0; i < nb; i++)
		r->bucket[i] = FRAG_NIL;
	for (uint32_t i = 0; i < entries; i++) {
		r->flow[i].slot = r->slots + (size_t)i * max_frags;
		r->flow[i].hnext = i + 1 < entries ? i + 1 : FRAG_NIL;
	}
	r->free_head = 0;
	r->oldest = r->newest = r->last = FRAG_NIL;
	r->max_frags = max_frags;
	r->max_held = max_held;
	/* Keyed per lcore: bucket positions are not predictable from outside. */
	r->seed = (uint32_t)rte_rand();
	lc->reasm = r;
	return 0;
}

uint32_t
net_frag_flush(struct net_lcore *lc)
{
	struct net_reasm *r = lc->reasm;
	uint32_t n;

	if (r == NULL || r->dr_cnt == 0)
		return 0;
	n = r->dr_cnt;
	rte_pktmbuf_free_bulk(r->dr, n);
	r->dr_cnt = 0;
	lc->frag_stats[NET_FRAG_FREED] += n;
	return n;
}

static void
dr_push(struct net_lcore *lc, struct rte_mbuf *m)
{
	struct net_reasm *r = lc->reasm;

	if (r->dr_cnt == r->dr_cap)
		net_frag_flush(lc);
	r->dr[r->dr_cnt++] = m;
}

/* Drop the fragments a flow holds, counted in @p ctr; the flow stays. */
static uint32_t
flow_clear(struct net_lcore *lc, struct frag_flow *f, enum net_frag_counter ctr)
{
	uint32_t n = f->n;

	for (uint32_t i = 0; i < n; i++)
		dr_push(lc, f->slot[i].m);
	lc->reasm->held -= n;
	lc->frag_stats[ctr] += n;
	f->n = 0;
	f->have = 0;
	f->total = 0;
	f->segs = 0;
	return n;
}

/* Take an empty flow out of its bucket and the age list, onto the free list. */
static void
flow_unlink(struct net_reasm *r, uint32_t idx)
{
	struct frag_flow *f = &r->flow[idx];
	uint32_t *pp = &r->bucket[f->hash & r->bucket_mask];

	while (*pp != idx)
		pp = &r->flow[*pp].hnext;
	*pp = f->hnext;
	if (f->older != FRAG_NIL)
		r->flow[f->older].newer = f->newer;
	else
		r->oldest = f->newer;
	if (f->newer != FRAG_NIL)
		r->flow[f->newer].older = f->older;
	else
		r->newest = f->older;
	f->hnext = r->free_head;
	r->free_head = idx;
	if (r->last == idx)
		r->last = FRAG_NIL;
}

static uint32_t
flow_remove(struct net_lcore *lc, uint32_t idx, enum net_frag_counter ctr)
{
	uint32_t n = flow_clear(lc, &lc->reasm->flow[idx], ctr);

	flow_unlink(lc->reasm, idx);
	return n;
}

static inline bool
flow_expired(const struct net_lcore *lc, const struct frag_flow *f, uint64_t now)
{
	return now > f->start && now - f->start > lc->frag_ttl_cycles;
}

/* Evict a flow to make room: a timeout if it had expired, else a drop. */
static void
flow_evict(struct net_lcore *lc, uint32_t idx, uint64_t now)
{
	bool expired = flow_expired(lc, &lc->reasm->flow[idx], now);

	flow_remove(lc, idx, expired ? NET_FRAG_TIMEOUT : NET_FRAG_DROP);
}

static uint32_t
flow_find(const struct net_reasm *r, const struct frag_key *k, uint32_t h)
{
	for (uint32_t i = r->bucket[h & r->bucket_mask]; i != FRAG_NIL; i = r->flow[i].hnext)
		if (r->flow[i].hash == h && memcmp(&r->flow[i].key, k, sizeof(*k)) == 0)
			return i;
	return FRAG_NIL;
}

static uint32_t
flow_new(struct net_lcore *lc, const struct frag_key *k, uint32_t h, uint64_t now)
{
	struct net_reasm *r = lc->reasm;
	struct frag_flow *f;
	uint32_t idx;

	/* Table full: the oldest goes (see the top of the file). */
	if (r->free_head == FRAG_NIL)
		flow_evict(lc, r->oldest, now);
	idx = r->free_head;
	f = &r->flow[idx];
	r->free_head = f->hnext;

	f->key = *k;
	f->hash = h;
	/* Never older than the youngest: the age list stays sorted for expiry. */
	f->start = now;
	if (r->newest != FRAG_NIL && r->flow[r->newest].start > now)
		f->start = r->flow[r->newest].start;
	f->total = f->have = f->segs = 0;
	f->n = 0;
	f->unfrag = 0;
	f->l2 = 0;
	f->dead = 0;
	f->hnext = r->bucket[h & r->bucket_mask];
	r->bucket[h & r->bucket_mask] = idx;
	f->older = r->newest;
	f->newer = FRAG_NIL;
	if (r->newest != FRAG_NIL)
		r->flow[r->newest].newer = idx;
	else
		r->oldest = idx;
	r->newest = idx;
	return idx;
}

uint32_t
net_frag_expire(struct net_lcore *lc, uint64_t now)
{
	struct net_reasm *r = lc->reasm;
	uint32_t n = 0;

	if (r == NULL)
		return 0;
	while (r->oldest != FRAG_NIL && flow_expired(lc, &r->flow[r->oldest], now))
		n += flow_remove(lc, r->oldest, NET_FRAG_TIMEOUT);
	return n;
}

void
net_lcore_fini(struct net_lcore *lc)
{
	struct net_reasm *r = lc->reasm;

	if (r == NULL)
		return;
	while (r->oldest != FRAG_NIL)
		flow_remove(lc, r->oldest, NET_FRAG_TIMEOUT);
	net_frag_flush(lc);
	reasm_free(r);
	lc->reasm = NULL;
}

/* Cut trailing bytes (Ethernet padding, junk past the IP length) off @p m. */
static void
frag_trim(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *s = m;
	uint32_t done = 0;
	uint16_t segs = 1;

	while (done + s->data_len < keep) {
		done += s->data_len;
		s = s->next;
		segs++;
	}
	s->data_len = (uint16_t)(keep - done);
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->nb_segs = segs;
	m->pkt_len = keep;
}

/* Whether the payloads of two fragments of @p len bytes are the same bytes. */
static bool
frag_same_bytes(const struct rte_mbuf *a, uint32_t a_off, const struct rte_mbuf *b,
		uint32_t b_off, uint32_t len)
{
	uint8_t ba[256], bb[256];

	for (uint32_t o = 0; o < len; o += sizeof(ba)) {
		uint32_t c = RTE_MIN(len - o, (uint32_t)sizeof(ba));
		const void *pa = rte_pktmbuf_read(a, a_off + o, c, ba);
		const void *pb = rte_pktmbuf_read(b, b_off + o, c, bb);

		if (pa == NULL || pb == NULL || memcmp(pa, pb, c) != 0)
			return false;
	}
	return true;
}

/* Drop just this fragment. */
static enum net_verdict
frag_drop(struct net_lcore *lc, struct rte_mbuf *m)
{
	dr_push(lc, m);
	lc->frag_stats[NET_FRAG_DROP]++;
	return NET_V_DROP_FRAG_BAD;
}

/* A bad set: drop what the datagram holds and this fragment; keep a tombstone. */
static enum net_verdict
flow_kill(struct net_lcore *lc, struct frag_flow *f, struct rte_mbuf *m)
{
	flow_clear(lc, f, NET_FRAG_DROP);
	f->dead = 1;
	return m != NULL ? frag_drop(lc, m) : NET_V_DROP_FRAG_BAD;
}

/*
 * The headers after the first segment's first @p hdr bytes are gone; when
 * that empties the segment, the next one heads the fragment instead.
 */
static struct rte_mbuf *
frag_strip(struct rte_mbuf *m, uint16_t hdr)
{
	rte_pktmbuf_adj(m, hdr);
	if (m->data_len == 0 && m->next != NULL) {
		struct rte_mbuf *n = m->next;

		n->nb_segs = (uint16_t)(m->nb_segs - 1);
		n->pkt_len = m->pkt_len;
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = 0;
		rte_pktmbuf_free(m);
		m = n;
	}
	return m;
}

/* Chain a complete datagram's fragments and fix up the first one's headers. */
static struct rte_mbuf *
flow_build(struct frag_flow *f)
{
	struct frag_slot *s = f->slot;
	struct rte_mbuf *head = s[0].m, *tail = rte_pktmbuf_lastseg(head);
	uint32_t l2 = f->l2;

	for (uint32_t i = 1; i < f->n; i++) {
		struct rte_mbuf *m = frag_strip(s[i].m, s[i].hdr);

		tail->next = m;
		head->nb_segs = (uint16_t)(head->nb_segs + m->nb_segs);
		head->pkt_len += m->pkt_len;
		tail = rte_pktmbuf_lastseg(m);
	}

	if (f->key.family == 4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(head, struct rte_ipv4_hdr *, l2);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(f->unfrag + f->total));
		ip->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		head->l3_len = f->unfrag;
	} else {
		/*
		 * Slide L2 and the fixed header over the headers up to and
		 * including the fragment header; its Next Header becomes the
		 * fixed header's.
		 */
		uint8_t *p = rte_pktmbuf_mtod(head, uint8_t *);
		uint32_t cut = s[0].hdr - l2 - NET_IP6_LEN;
		uint8_t next = p[s[0].hdr - NET_IP6_FRAG_LEN];
		struct rte_ipv6_hdr *ip;

		memmove(p + cut, p, l2 + NET_IP6_LEN);
		rte_pktmbuf_adj(head, (uint16_t)cut);
		ip = rte_pktmbuf_mtod_offset(head, struct rte_ipv6_hdr *, l2);
		ip->proto = next;
		ip->payload_len = rte_cpu_to_be_16((uint16_t)f->total);
		head->l3_len = NET_IP6_LEN;
	}
	head->l2_len = l2 & 0x7f;
	return head;
}

/*
 * Where a fragment [ofs, end) goes among the held ones, sorted by offset:
 * the first slot not below @p ofs. In-order arrival appends without a search.
 */
static uint32_t
slot_pos(const struct frag_flow *f, uint32_t ofs)
{
	uint32_t lo = 0, hi = f->n;

	if (hi == 0 || f->slot[hi - 1].ofs < ofs)
		return hi;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (f->slot[mid].ofs < ofs)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static enum net_verdict
frag_add(struct net_lcore *lc, struct rte_mbuf *m, const struct frag_in *in, uint64_t now,
	 struct rte_mbuf **whole)
{
	struct net_reasm *r = lc->reasm;
	uint32_t h, idx, pos, end = in->ofs + in->len;
	struct frag_flow *f;
	struct frag_slot *s;

	*whole = NULL;
	/* Chaining rewrites mbuf metadata and the first one's headers. */
	if (!net_mbuf_writable(m))
		return frag_drop(lc, m);

	/* A datagram's fragments mostly arrive back to back: skip the hash. */
	if (r->last != FRAG_NIL &&
	    memcmp(&r->flow[r->last].key, &in->key, sizeof(in->key)) == 0) {
		idx = r->last;
		h = r->flow[idx].hash;
	} else {
		h = rte_jhash(&in->key, sizeof(in->key), r->seed);
		idx = flow_find(r, &in->key, h);
	}
	if (idx != FRAG_NIL && flow_expired(lc, &r->flow[idx], now)) {
		/* A stale datagram with the same key: this one starts afresh. */
		flow_remove(lc, idx, NET_FRAG_TIMEOUT);
		idx = FRAG_NIL;
	}
	if (idx == FRAG_NIL)
		idx = flow_new(lc, &in->key, h, now);
	r->last = idx;
	f = &r->flow[idx];
	s = f->slot;
	if (f->dead)
		return frag_drop(lc, m);

	/* The fragment on its own (RFC 791, RFC 8200 4.5). */
	if (in->len == 0 || (in->more && (in->len & 7) != 0) ||
	    end + in->unfrag > FRAG_DATAGRAM_MAX)
		return flow_kill(lc, f, m);
	/* Against the datagram's end, once a last fragment told it. */
	if (in->more ? (f->total != 0 && end >= f->total)
		     : ((f->total != 0 && end != f->total) ||
			(f->n != 0 && s[f->n - 1].ofs + s[f->n - 1].len > end)))
		return flow_kill(lc, f, m);

	pos = slot_pos(f, in->ofs);
	if (pos < f->n && s[pos].ofs == in->ofs && s[pos].len == in->len) {
		/*
		 * Same place and size. A copy of a held fragment is dropped
		 * alone; other bytes, or a last fragment where a middle one
		 * was, are an overlap.
		 */
		if ((in->more || f->total == end) &&
		    frag_same_bytes(m, in->hdr, s[pos].m, s[pos].hdr, in->len))
			return frag_drop(lc, m);
		return flow_kill(lc, f, m);
	}
	if ((pos > 0 && s[pos - 1].ofs + s[pos - 1].len > in->ofs) ||
	    (pos < f->n && end > s[pos].ofs))
		return flow_kill(lc, f, m);
	if (f->n == r->max_frags || f->segs + m->nb_segs > RTE_MBUF_MAX_NB_SEGS)
		return flow_kill(lc, f, m);

	/* The mbuf bound: the oldest other datagrams go. */
	while (r->held >= r->max_held) {
		uint32_t victim = r->oldest != idx ? r->oldest : f->newer;

		if (victim == FRAG_NIL)
			break;
		flow_evict(lc, victim, now);
	}

	if (m->pkt_len > in->hdr + in->len)
		frag_trim(m, in->hdr + in->len);
	memmove(&s[pos + 1], &s[pos], (f->n - pos) * sizeof(*s));
	s[pos] = (struct frag_slot){ .m = m, .ofs = in->ofs, .len = (uint16_t)in->len,
				     .hdr = (uint16_t)in->hdr };
	f->n++;
	f->have += in->len;
	f->segs += m->nb_segs;
	r->held++;
	if (!in->more)
		f->total = end;
	if (in->ofs == 0) {
		f->unfrag = (uint16_t)in->unfrag;
		f->l2 = (uint8_t)in->l2;
	}

	if (f->total == 0 || f->have != f->total || s[0].ofs != 0) {
		lc->frag_stats[NET_FRAG_HELD]++;
		return NET_V_HELD;
	}
	/*
	 * Complete. Each fragment was checked with its own header length;
	 * the whole gets the offset-0 fragment's (IPv4 options, IPv6
	 * headers before the fragment header).
	 */
	if (f->unfrag + f->total > FRAG_DATAGRAM_MAX)
		return flow_kill(lc, f, NULL);
	*whole = flow_build(f);
	r->held -= f->n;
	f->n = 0;
	flow_unlink(r, idx);
	lc->frag_stats[NET_FRAG_REASSEMBLED]++;
	return NET_V_SIP;
}

enum net_verdict
net_frag_ip4(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now, uint32_t l2, uint32_t ihl,
	     uint32_t tot, struct rte_mbuf **whole)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l2);
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	struct frag_in in;

	memset(&in.key, 0, sizeof(in.key));
	memcpy(in.key.src, &ip->src_addr, 4);
	memcpy(in.key.dst, &ip->dst_addr, 4);
	in.key.id = ip->packet_id;
	in.key.family = 4;
	in.key.proto = ip->next_proto_id;
	in.ofs = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	in.len = tot - ihl;
	in.hdr = l2 + ihl;
	in.unfrag = ihl;
	in.l2 = l2;
	in.more = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
	return frag_add(lc, m, &in, now, whole);
}

enum net_verdict
net_frag_ip6(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now, uint32_t l2,
	     uint32_t frag_at, struct rte_mbuf **whole)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l2);
	const struct rte_ipv6_fragment_ext *fh =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_fragment_ext *, l2 + frag_at);
	uint32_t plen = rte_be_to_cpu_16(ip->payload_len);
	uint16_t fd = rte_be_to_cpu_16(fh->frag_data);
	struct frag_in in;

	*whole = NULL;
	/* The caller found the fragment header inside the payload; be sure. */
	if (frag_at < NET_IP6_LEN || NET_IP6_LEN + plen < frag_at + NET_IP6_FRAG_LEN)
		return frag_drop(lc, m);
	memset(&in.key, 0, sizeof(in.key));
	memcpy(in.key.src, &ip->src_addr, 16);
	memcpy(in.key.dst, &ip->dst_addr, 16);
	in.key.id = fh->id;
	in.key.family = 6;
	in.ofs = fd & RTE_IPV6_EHDR_FO_MASK;
	in.len = NET_IP6_LEN + plen - frag_at - NET_IP6_FRAG_LEN;
	in.hdr = l2 + frag_at + NET_IP6_FRAG_LEN;
	in.unfrag = frag_at - NET_IP6_LEN;
	in.l2 = l2;
	in.more = (fd & RTE_IPV6_EHDR_MF_MASK) != 0;
	return frag_add(lc, m, &in, now, whole);
}
