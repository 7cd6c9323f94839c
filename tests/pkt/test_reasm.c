/* SPDX-License-Identifier: MIT */
/*
 * IP reassembly (dataplane/net_frag.c) through net_classify(): long sets
 * (18 and 45 fragments: a 26 KB and a 64 KB NOTIFY at MTU 1500) in order,
 * reversed, shuffled and duplicated; overlaps (RFC 5722, RFC 1858 tiny
 * fragments) and random forged fragments never yielding altered bytes; a
 * missing fragment; datagrams over 65,535 bytes; a full table and the mbuf
 * bound; too many fragments; IPv6 extension headers before the fragment
 * header; chained, padded and jumbo fragments; and rte_ip_frag as the
 * reference for sets of up to 8 fragments (same fragments in, same bytes
 * out).
 *
 * Frames are built byte by byte here; checksums are verified with the
 * reference implementation below, not with DPDK's or the library's.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <reglane/net.h>

#include "../unit/check.h"

/* ---- bytes ---- */

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint64_t
rnd(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

static const uint8_t MAC_US[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t MAC_PEER[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t IP4_US[4] = { 198, 51, 100, 10 };
static const uint8_t IP4_PEER[4] = { 192, 0, 2, 20 };
static const uint8_t IP4_PEER2[4] = { 192, 0, 2, 21 };
static const uint8_t IP6_US[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
static const uint8_t IP6_PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x20 };

/*
 * IPv6 headers that may precede the fragment header (RFC 8200 4.1 order):
 * hop-by-hop (PadN), destination options (PadN, 16 bytes), routing with no
 * segments left; the last one's Next Header is the fragment header.
 */
static const uint8_t EXT6[32] = {
	60, 0, 1, 4, 0, 0, 0, 0,                        /* HBH -> DSTOPTS */
	43, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* DSTOPTS -> ROUTING */
	44, 0, 253, 0, 0, 0, 0, 0,                      /* ROUTING, segments left 0 -> FRAG */
};

/* ---- the original datagram and its fragments ---- */

#define BODY_MAX (65536 + 64)
#define FRAME_ROOM 9400

enum ext_where { EXT_NONE, EXT_ALL, EXT_FIRST, EXT_NOT_FIRST };

struct dgram {
	int fam;
	int vlan;                 /* -1: untagged */
	const uint8_t *src;
	const uint8_t *dst;
	uint32_t id;
	uint32_t opts0;           /* IPv4 option bytes in the offset-0 fragment */
	uint32_t optsn;           /* ... in the others */
	enum ext_where ext;       /* IPv6: where EXT6 goes */
	int inner_dstopts;        /* IPv6: 8-byte destination options after the fragment header */
	uint32_t plen;            /* UDP payload bytes */
	uint32_t blen;            /* fragmentable part: [dstopts] UDP header, payload */
	uint8_t body[BODY_MAX];
};

static uint32_t
l2_of(const struct dgram *d)
{
	return d->vlan >= 0 ? 18 : 14;
}

/* The UDP checksum of @p d, over its pseudo-header (after a change of source). */
static void
dgram_csum(struct dgram *d)
{
	uint8_t *u = d->body + (d->inner_dstopts ? 8 : 0);
	uint32_t acc, ulen = 8 + d->plen;
	size_t alen = d->fam == 4 ? 4 : 16;

	put16(u + 6, 0);
	acc = sum16(d->src, alen, 0);
	acc = sum16(d->dst, alen, acc);
	acc += 17 + ulen;
	acc = sum16(u, ulen, acc);
	acc = (uint16_t)~fold(acc);
	put16(u + 6, acc == 0 ? 0xffff : acc);
}

/*
 * A datagram of @p plen UDP payload bytes from the peer to us: a NOTIFY
 * start, then bytes from @p seed. Oversized sets set d->blen beyond the
 * UDP length afterwards.
 */
static void
dgram_init(struct dgram *d, int fam, int vlan, uint32_t plen, uint32_t id, uint64_t seed)
{
	uint8_t *u;
	uint32_t ulen = 8 + plen;

	d->fam = fam;
	d->vlan = vlan;
	d->src = fam == 4 ? IP4_PEER : IP6_PEER;
	d->dst = fam == 4 ? IP4_US : IP6_US;
	d->id = id;
	d->opts0 = d->optsn = 0;
	d->ext = EXT_NONE;
	d->plen = plen;
	u = d->body;
	if (d->inner_dstopts) {
		static const uint8_t dso[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };

		memcpy(u, dso, 8);
		u += 8;
	}
	d->blen = (uint32_t)(u - d->body) + ulen;
	put16(u, 5062);
	put16(u + 2, 5060);
	put16(u + 4, ulen & 0xffff);
	put16(u + 6, 0);
	memcpy(u + 8, "NOTIFY sip:x SIP/2.0\r\n", 22);
	for (uint32_t i = 22; i < plen; i++)
		u[8 + i] = (uint8_t)(rnd(&seed) >> 24);
	dgram_csum(d);
}

/* One fragment [ofs, ofs + len) of @p d carrying @p data; its frame length. */
static uint32_t
make_frag(const struct dgram *d, uint32_t ofs, uint32_t len, int more, const uint8_t *data,
	  uint8_t *f)
{
	uint32_t l2 = l2_of(d);
	uint8_t *ip = f + l2;

	memcpy(f, MAC_US, 6);
	memcpy(f + 6, MAC_PEER, 6);
	if (d->vlan >= 0) {
		put16(f + 12, 0x8100);
		put16(f + 14, (uint32_t)d->vlan);
	}
	put16(f + l2 - 2, d->fam == 4 ? 0x0800 : 0x86dd);
	if (d->fam == 4) {
		uint32_t ihl = 20 + (ofs == 0 ? d->opts0 : d->optsn);

		memset(ip, 0, ihl);
		ip[0] = (uint8_t)(0x40 | ihl / 4);
		put16(ip + 2, ihl + len);
		put16(ip + 4, d->id & 0xffff);
		put16(ip + 6, (more ? 0x2000 : 0) | (ofs / 8));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, d->src, 4);
		memcpy(ip + 16, d->dst, 4);
		for (uint32_t i = 20; i < ihl; i++)
			ip[i] = 1; /* NOP */
		put16(ip + 10, (uint16_t)~fold(sum16(ip, ihl, 0)));
		memcpy(ip + ihl, data, len);
		return l2 + ihl + len;
	} else {
		uint8_t *x = ip + 40;
		int ext = d->ext == EXT_ALL || (d->ext == EXT_FIRST && ofs == 0) ||
			  (d->ext == EXT_NOT_FIRST && ofs != 0);

		memset(ip, 0, 40);
		ip[0] = 0x60;
		ip[7] = 64;
		memcpy(ip + 8, d->src, 16);
		memcpy(ip + 24, d->dst, 16);
		if (ext) {
			memcpy(x, EXT6, sizeof(EXT6));
			ip[6] = 0;
			x += sizeof(EXT6);
		} else {
			ip[6] = 44;
		}
		x[0] = d->inner_dstopts ? 60 : 17;
		x[1] = 0;
		put16(x + 2, (ofs & 0xfff8) | (more ? 1 : 0));
		x[4] = (uint8_t)(d->id >> 24);
		x[5] = (uint8_t)(d->id >> 16);
		x[6] = (uint8_t)(d->id >> 8);
		x[7] = (uint8_t)d->id;
		memcpy(x + 8, data, len);
		put16(ip + 4, (uint32_t)(x + 8 - (ip + 40)) + len);
		return (uint32_t)(x + 8 - f) + len;
	}
}

static unsigned
nfrags(const struct dgram *d, uint32_t per)
{
	return (d->blen + per - 1) / per;
}

/* Fragment @p i of @p d cut in @p per-byte pieces (a multiple of 8). */
static uint32_t
frag_i(const struct dgram *d, uint32_t per, unsigned i, uint8_t *f)
{
	uint32_t ofs = i * per, len = d->blen - ofs < per ? d->blen - ofs : per;

	return make_frag(d, ofs, len, ofs + len < d->blen, d->body + ofs, f);
}

/* ---- mbufs ---- */

static struct rte_mempool *pool; /* 2 KiB data rooms */

static struct rte_mbuf *
mk1(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL || len > rte_pktmbuf_tailroom(m)) {
		fprintf(stderr, "mk1: no mbuf for %u bytes\n", len);
		exit(2);
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

/*
 * A frame as an mbuf: one segment when it fits, else (or with @p first
 * != 0) a chain whose first segment holds @p first bytes and the others
 * @p seg bytes each.
 */
static struct rte_mbuf *
mk(const uint8_t *f, uint32_t len, uint32_t first, uint32_t seg)
{
	struct rte_mbuf *head, *last;

	if (first == 0) {
		if (len <= 2048)
			return mk1(f, len);
		first = seg = 2048;
	}
	if (first > len)
		first = len;
	head = last = mk1(f, first);
	for (uint32_t o = first; o < len; o += seg) {
		uint32_t n = len - o < seg ? len - o : seg;
		struct rte_mbuf *s = mk1(f + o, n);

		last->next = s;
		last = s;
		head->nb_segs++;
		head->pkt_len += n;
	}
	return head;
}

static uint32_t
flat(const struct rte_mbuf *m, uint8_t *out)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next) {
		memcpy(out + n, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
		n += m->data_len;
	}
	return n;
}

/* nb_segs and pkt_len agree with the segments. */
static void
check_chain(const struct rte_mbuf *m)
{
	uint32_t segs = 0, bytes = 0;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		segs++;
		bytes += s->data_len;
	}
	CHECK_INT(segs, m->nb_segs);
	CHECK_INT(bytes, m->pkt_len);
}

/* ---- library state ---- */

static struct net_config cfg;
static struct net_lcore lc;
static uint64_t now = 1000000;
static uint8_t scratch[NET_SCRATCH_SIZE];
static uint8_t fbuf[FRAME_ROOM], flatbuf[BODY_MAX + 256];
static struct dgram dg, dg2;

static void
setup_cfg(struct net_config *c, uint32_t entries, uint16_t max_frags, uint32_t max_held)
{
	memset(c, 0, sizeof(*c));
	c->sip_port = 5060;
	memcpy(&c->mac, MAC_US, 6);
	c->n_ip4 = 1;
	memcpy(&c->ip4[0], IP4_US, 4);
	c->n_ip6 = 1;
	memcpy(c->ip6[0], IP6_US, 16);
	c->frag_max_entries = entries;
	c->frag_timeout_ms = 100;
	c->frag_max_frags = max_frags;
	c->frag_max_held = max_held;
}

/* Everything in flight times out: a clean table for the next test. */
static void
settle(struct net_lcore *l)
{
	now += 10 * l->frag_ttl_cycles;
	net_frag_expire(l, now);
	net_frag_flush(l);
}

/* What a classified frame left: free it unless held, empty the death row. */
static void
release(struct net_lcore *l, enum net_verdict v, struct net_pkt *res)
{
	if (v != NET_V_HELD)
		rte_pktmbuf_free(res->m);
	res->m = NULL;
	net_frag_flush(l);
}

/* The reassembled @p d: headers fixed up, every byte of the body in place. */
static void
check_dgram(const struct dgram *d, const struct net_pkt *res)
{
	uint32_t l2 = l2_of(d), n;
	const uint8_t *ip = flatbuf + l2, *view;
	uint32_t inner = d->inner_dstopts ? 8 : 0;

	CHECK_INT(res->reassembled, 1);
	if (res->m == NULL)
		return;
	check_chain(res->m);
	n = flat(res->m, flatbuf);
	if (d->fam == 4) {
		uint32_t ihl = 20 + d->opts0;

		CHECK_INT(n, l2 + ihl + d->blen);
		CHECK_INT(ip[0], 0x40 | ihl / 4);
		CHECK_INT(be16(ip + 2), ihl + d->blen);
		CHECK_INT(be16(ip + 6), 0);
		CHECK_INT(fold(sum16(ip, ihl, 0)), 0xffff);
		CHECK(n == l2 + ihl + d->blen && memcmp(ip + ihl, d->body, d->blen) == 0);
		CHECK_INT(res->l3_len, ihl);
	} else {
		CHECK_INT(n, l2 + 40 + d->blen);
		CHECK_INT(be16(ip + 4), d->blen);
		CHECK_INT(ip[6], inner ? 60 : 17);
		CHECK(n == l2 + 40 + d->blen && memcmp(ip + 40, d->body, d->blen) == 0);
		CHECK_INT(res->l3_len, 40 + inner);
	}
	CHECK(memcmp(flatbuf + 6, MAC_PEER, 6) == 0);
	if (d->vlan >= 0)
		CHECK_INT(res->vlan_tci, d->vlan);
	CHECK_INT(res->payload_len, d->plen);
	view = net_payload_view(res, scratch);
	CHECK(view != NULL && memcmp(view, d->body + inner + 8, d->plen) == 0);
}

/*
 * Feed fragments idx[0..n) of @p d cut at @p per, checking each verdict
 * against a model of the table: a fragment already held is a dropped copy,
 * the one that completes the set gives the datagram (checked byte for
 * byte), anything else is held. @return datagrams completed.
 */
static unsigned
run(struct net_lcore *l, const struct dgram *d, uint32_t per, const unsigned *idx, unsigned n)
{
	static uint8_t seen[256];
	unsigned nf = nfrags(d, per), nseen = 0, done = 0;

	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < n; i++) {
		struct net_pkt res;
		uint32_t len = frag_i(d, per, idx[i], fbuf);
		enum net_verdict v = net_classify(l, mk(fbuf, len, 0, 0), now, &res), want;

		if (seen[idx[i]]) {
			want = NET_V_DROP_FRAG_BAD;
		} else {
			seen[idx[i]] = 1;
			want = ++nseen == nf ? NET_V_SIP : NET_V_HELD;
		}
		CHECK_INT(v, want);
		if (want == NET_V_SIP) {
			memset(seen, 0, sizeof(seen));
			nseen = 0;
		}
		if (v == NET_V_SIP) {
			check_dgram(d, &res);
			CHECK_INT(res.m->nb_segs, nf);
			done++;
		}
		release(l, v, &res);
	}
	return done;
}

enum order { ORD_IN, ORD_REVERSED, ORD_SHUFFLED, ORD_DUPLICATED };

/* Fragment indices in @p o; @return how many. */
static unsigned
make_order(enum order o, unsigned nf, unsigned *idx, uint64_t *r)
{
	unsigned n = 0;

	switch (o) {
	case ORD_IN:
		for (unsigned i = 0; i < nf; i++)
			idx[n++] = i;
		break;
	case ORD_REVERSED:
		for (unsigned i = nf; i-- > 0;)
			idx[n++] = i;
		break;
	case ORD_SHUFFLED:
	case ORD_DUPLICATED:
		for (unsigned i = 0; i < nf; i++) {
			idx[n++] = i;
			if (o == ORD_DUPLICATED)
				idx[n++] = i;
		}
		for (unsigned i = n - 1; i > 0; i--) {
			unsigned j = (unsigned)(rnd(r) % (i + 1)), t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
		}
		break;
	}
	return n;
}

/* ---- tests ---- */

/*
 * 18 fragments (a 26 KB NOTIFY, corpus case 034's size) and 45 (the largest
 * IPv4 datagram, total length 65,535; 64 KB over IPv6) at MTU 1500, both
 * families, tagged or not, in every order.
 */
static void
test_long_sets(void)
{
	static unsigned idx[512];
	uint64_t r = 0x1234567;
	uint32_t id = 0x100;

	for (int fam = 4; fam <= 6; fam += 2) {
		uint32_t per = fam == 4 ? 1480 : 1448;

		for (unsigned nf = 18; nf <= 45; nf += 27) {
			for (int o = ORD_IN; o <= ORD_DUPLICATED; o++) {
				uint32_t blen = nf == 45 && fam == 4 ? 65515 : per * (nf - 1) + 700;
				uint64_t held0 = lc.frag_stats[NET_FRAG_HELD];
				uint64_t re0 = lc.frag_stats[NET_FRAG_REASSEMBLED];
				unsigned n, done;

				dgram_init(&dg, fam, o % 2 ? 7 : -1, blen - 8, id++, r);
				CHECK_INT(nfrags(&dg, per), nf);
				n = make_order((enum order)o, nf, idx, &r);
				done = run(&lc, &dg, per, idx, n);
				CHECK(done >= 1);
				CHECK_INT(lc.frag_stats[NET_FRAG_REASSEMBLED] - re0, done);
				if (o != ORD_DUPLICATED)
					CHECK_INT(lc.frag_stats[NET_FRAG_HELD] - held0, nf - 1);
				settle(&lc);
			}
		}
	}

	/* The largest IPv6 payload: 65,535 bytes in 46 fragments. */
	dgram_init(&dg, 6, -1, 65535 - 8, 0xfeedbeef, 5);
	CHECK_INT(nfrags(&dg, 1448), 46);
	CHECK_INT(run(&lc, &dg, 1448, idx, make_order(ORD_SHUFFLED, 46, idx, &r)), 1);

	/* Two datagrams interleaved, same id, different sources. */
	dgram_init(&dg, 4, -1, 20000, 77, 1);
	dgram_init(&dg2, 4, -1, 20000, 77, 2);
	dg2.src = IP4_PEER2;
	dgram_csum(&dg2);
	{
		unsigned nf = nfrags(&dg, 1480), got = 0;

		for (unsigned i = 0; i < nf; i++) {
			for (int k = 0; k < 2; k++) {
				struct dgram *d = k ? &dg2 : &dg;
				struct net_pkt res;
				uint32_t len = frag_i(d, 1480, nf - 1 - i, fbuf);
				enum net_verdict v = net_classify(&lc, mk(fbuf, len, 0, 0), now, &res);

				CHECK_INT(v, i + 1 < nf ? NET_V_HELD : NET_V_SIP);
				if (v == NET_V_SIP) {
					check_dgram(d, &res);
					CHECK(memcmp(flatbuf + l2_of(d) + 12, d->src, 4) == 0);
					got++;
				}
				release(&lc, v, &res);
			}
		}
		CHECK_INT(got, 2);
	}
	settle(&lc);
}

/* Feed one crafted fragment; its verdict. */
static enum net_verdict
feed_frag(struct net_lcore *l, const struct dgram *d, uint32_t ofs, uint32_t len, int more,
	  const uint8_t *data)
{
	struct net_pkt res;
	uint32_t fl = make_frag(d, ofs, len, more, data, fbuf);
	enum net_verdict v = net_classify(l, mk(fbuf, fl, 0, 0), now, &res);

	if (v == NET_V_SIP || res.reassembled)
		check_dgram(d, &res);
	release(l, v, &res);
	return v;
}

static enum net_verdict
feed_i(struct net_lcore *l, const struct dgram *d, uint32_t per, unsigned i)
{
	uint32_t ofs = i * per, len = d->blen - ofs < per ? d->blen - ofs : per;

	return feed_frag(l, d, ofs, len, ofs + len < d->blen, d->body + ofs);
}

/*
 * Overlaps kill the whole datagram, including its fragments still to come,
 * until it times out (RFC 5722; applied to IPv4 too). Once it has, the
 * genuine set goes through untouched.
 */
static void
test_overlaps(void)
{
	static uint8_t evil[2048];
	uint64_t d0;
	unsigned nf;

	memset(evil, 'X', sizeof(evil));
	for (int fam = 4; fam <= 6; fam += 2) {
		uint32_t per = fam == 4 ? 1480 : 1448;

		/* Partial overlap: a forged piece 8 bytes into fragment 3. */
		dgram_init(&dg, fam, -1, per * 17 + 500, 0x5000 + (uint32_t)fam, 11);
		nf = nfrags(&dg, per);
		d0 = lc.frag_stats[NET_FRAG_DROP];
		for (unsigned i = 0; i < 5; i++)
			CHECK_INT(feed_i(&lc, &dg, per, i), NET_V_HELD);
		CHECK_INT(feed_frag(&lc, &dg, 3 * per + 8, per, 1, evil), NET_V_DROP_FRAG_BAD);
		CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, 6);
		/* Every genuine fragment is now dropped too, none held. */
		for (unsigned i = 0; i < nf; i++)
			CHECK_INT(feed_i(&lc, &dg, per, i), NET_V_DROP_FRAG_BAD);
		CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, 6 + nf);
		CHECK_INT(net_frag_expire(&lc, now + lc.frag_ttl_cycles + 1), 0);
		now += lc.frag_ttl_cycles + 1;
		for (unsigned i = 0; i < nf; i++)
			CHECK_INT(feed_i(&lc, &dg, per, i), i + 1 < nf ? NET_V_HELD : NET_V_SIP);
		settle(&lc);

		/* Same place, same size, other bytes: an overlap, not a copy. */
		dg.id++;
		CHECK_INT(feed_i(&lc, &dg, per, 4), NET_V_HELD);
		CHECK_INT(feed_frag(&lc, &dg, 4 * per, per, 1, evil), NET_V_DROP_FRAG_BAD);
		CHECK_INT(feed_i(&lc, &dg, per, 5), NET_V_DROP_FRAG_BAD);
		settle(&lc);

		/* A forged fragment first: the genuine one is the overlap. */
		dg.id++;
		CHECK_INT(feed_frag(&lc, &dg, 2 * per - 16, 32, 1, evil), NET_V_HELD);
		CHECK_INT(feed_i(&lc, &dg, per, 0), NET_V_HELD);
		CHECK_INT(feed_i(&lc, &dg, per, 1), NET_V_DROP_FRAG_BAD);
		for (unsigned i = 2; i < nf; i++)
			CHECK_INT(feed_i(&lc, &dg, per, i), NET_V_DROP_FRAG_BAD);
		settle(&lc);

		/* Two last fragments disagreeing, and a middle one past the end. */
		dg.id++;
		CHECK_INT(feed_i(&lc, &dg, per, nf - 1), NET_V_HELD);
		CHECK_INT(feed_frag(&lc, &dg, (nf - 1) * per, 8, 0, dg.body), NET_V_DROP_FRAG_BAD);
		dg.id++;
		CHECK_INT(feed_i(&lc, &dg, per, nf - 1), NET_V_HELD);
		CHECK_INT(feed_frag(&lc, &dg, nf * per, 64, 1, evil), NET_V_DROP_FRAG_BAD);
		dg.id++;
		CHECK_INT(feed_i(&lc, &dg, per, 2), NET_V_HELD);
		/* A last fragment where a middle one already ends further on. */
		CHECK_INT(feed_frag(&lc, &dg, per, 16, 0, dg.body + per), NET_V_DROP_FRAG_BAD);
		dg.id++;
		/* The copy of a middle fragment claiming to be the last. */
		CHECK_INT(feed_i(&lc, &dg, per, 2), NET_V_HELD);
		CHECK_INT(feed_frag(&lc, &dg, 2 * per, per, 0, dg.body + 2 * per),
			  NET_V_DROP_FRAG_BAD);
		settle(&lc);
	}

	/*
	 * RFC 1858 tiny fragments: an 8-byte first fragment (the UDP
	 * header), then a forged 16-byte one at offset 0 rewriting the ports
	 * and length; in either order the datagram dies.
	 */
	dgram_init(&dg, 4, -1, 3000, 0x6000, 12);
	for (int forged_first = 0; forged_first < 2; forged_first++) {
		uint8_t forged[16];

		memcpy(forged, dg.body, 16);
		put16(forged + 2, 5061);
		dg.id++;
		if (forged_first) {
			CHECK_INT(feed_frag(&lc, &dg, 0, 16, 1, forged), NET_V_HELD);
			CHECK_INT(feed_frag(&lc, &dg, 0, 8, 1, dg.body), NET_V_DROP_FRAG_BAD);
		} else {
			CHECK_INT(feed_frag(&lc, &dg, 0, 8, 1, dg.body), NET_V_HELD);
			CHECK_INT(feed_frag(&lc, &dg, 0, 16, 1, forged), NET_V_DROP_FRAG_BAD);
		}
		CHECK_INT(feed_frag(&lc, &dg, 8, dg.blen - 8, 0, dg.body + 8), NET_V_DROP_FRAG_BAD);
		/* The 8-byte pieces alone are a legal set. */
		dg.id++;
		CHECK_INT(feed_frag(&lc, &dg, 8, dg.blen - 8, 0, dg.body + 8), NET_V_HELD);
		CHECK_INT(feed_frag(&lc, &dg, 0, 8, 1, dg.body), NET_V_SIP);
	}
	settle(&lc);
}

/*
 * Random sets with forged fragments (random place, size and bytes) and
 * duplicates, shuffled: whatever is reassembled is the genuine datagram,
 * byte for byte (check_dgram() runs on every reassembled result, whatever
 * the verdict after it).
 */
static void
test_forgery_property(void)
{
	static uint8_t evil[2048];
	static unsigned idx[128];
	static uint32_t fofs[8], flen[8];
	static int fmore[8];
	uint64_t r = 0xdeadbeefcafef00dull;
	unsigned completed = 0, dropped = 0;

	for (unsigned t = 0; t < 400; t++) {
		int fam = rnd(&r) % 2 ? 4 : 6;
		uint32_t per = 8 * (uint32_t)(8 + rnd(&r) % 170);
		unsigned nf = 3 + (unsigned)(rnd(&r) % 18), nforged = (unsigned)(rnd(&r) % 3);
		unsigned n = 0, total;
		uint64_t re0 = lc.frag_stats[NET_FRAG_REASSEMBLED];

		dgram_init(&dg, fam, rnd(&r) % 2 ? 3 : -1, per * (nf - 1) + 1 + (uint32_t)(rnd(&r) % per) - 8,
			   0x10000 + t, r);
		nf = nfrags(&dg, per);
		/*
		 * Forged pieces start inside a genuine fragment: one matching a
		 * genuine fragment's bounds exactly and arriving first is a
		 * forged datagram no reassembler can tell (first wins).
		 */
		for (unsigned i = 0; i < nforged; i++) {
			fofs[i] = 8 * (uint32_t)(rnd(&r) % (dg.blen / 8));
			if (fofs[i] % per == 0)
				fofs[i] += 8;
			flen[i] = 8 * (uint32_t)(1 + rnd(&r) % (per / 8));
			fmore[i] = rnd(&r) % 4 != 0;
			if (!fmore[i] && rnd(&r) % 2)
				flen[i] = dg.blen - fofs[i]; /* a forged last fragment at the true end */
			if (flen[i] > 1400)
				flen[i] = 1400;
		}
		for (unsigned i = 0; i < nf; i++) {
			idx[n++] = i;
			if (rnd(&r) % 4 == 0)
				idx[n++] = i;
		}
		total = n + nforged;
		for (unsigned i = 0; i < nforged; i++)
			idx[n++] = 1000 + i;
		for (unsigned i = total - 1; i > 0; i--) {
			unsigned j = (unsigned)(rnd(&r) % (i + 1)), x = idx[i];

			idx[i] = idx[j];
			idx[j] = x;
		}
		for (unsigned i = 0; i < total; i++) {
			struct net_pkt res;
			enum net_verdict v;
			uint32_t fl;

			if (idx[i] >= 1000) {
				unsigned k = idx[i] - 1000;

				for (uint32_t b = 0; b < flen[k]; b++)
					evil[b] = (uint8_t)rnd(&r);
				fl = make_frag(&dg, fofs[k], flen[k], fmore[k], evil, fbuf);
			} else {
				fl = frag_i(&dg, per, idx[i], fbuf);
			}
			v = net_classify(&lc, mk(fbuf, fl, 0, 0), now, &res);
			if (res.reassembled)
				check_dgram(&dg, &res);
			if (v == NET_V_DROP_FRAG_BAD)
				dropped++;
			release(&lc, v, &res);
		}
		completed += (unsigned)(lc.frag_stats[NET_FRAG_REASSEMBLED] - re0);
		settle(&lc);
	}
	/* Both outcomes happened often: the property was not checked on nothing. */
	CHECK(completed > 100);
	CHECK(dropped > 100);
}

/* One fragment missing: all held until the timeout, then dropped and counted. */
static void
test_missing(void)
{
	static unsigned idx[64];
	uint64_t r = 99, t0, f0;
	unsigned n;

	settle(&lc);
	t0 = lc.frag_stats[NET_FRAG_TIMEOUT];
	f0 = lc.frag_stats[NET_FRAG_FREED];
	dgram_init(&dg, 4, -1, 65515 - 8, 0x7000, 3);
	n = make_order(ORD_SHUFFLED, 45, idx, &r);
	for (unsigned i = 0; i < n; i++) {
		if (idx[i] == 20)
			continue;
		CHECK_INT(feed_i(&lc, &dg, 1480, idx[i]), NET_V_HELD);
	}
	CHECK_INT(net_frag_expire(&lc, now + lc.frag_ttl_cycles / 2), 0);
	CHECK_INT(net_frag_expire(&lc, now + lc.frag_ttl_cycles + 1), 44);
	CHECK_INT(lc.frag_stats[NET_FRAG_TIMEOUT] - t0, 44);
	CHECK_INT(net_frag_flush(&lc), 44);
	CHECK_INT(lc.frag_stats[NET_FRAG_FREED] - f0, 44);
	/* The same over IPv6, ended by a late fragment finding it stale. */
	dgram_init(&dg, 6, 9, 30000, 0x7001, 4);
	for (unsigned i = 1; i < nfrags(&dg, 1448); i++)
		CHECK_INT(feed_i(&lc, &dg, 1448, i), NET_V_HELD);
	t0 = lc.frag_stats[NET_FRAG_TIMEOUT];
	now += lc.frag_ttl_cycles + 1;
	CHECK_INT(feed_i(&lc, &dg, 1448, 0), NET_V_HELD);
	CHECK_INT(lc.frag_stats[NET_FRAG_TIMEOUT] - t0, nfrags(&dg, 1448) - 1);
	settle(&lc);
}

/* More than 65,535 bytes, however it is reached. */
static void
test_oversize(void)
{
	uint64_t d0;
	unsigned nf;

	/* IPv4: the last fragment ends 15 bytes too far; all 45 go. */
	dgram_init(&dg, 4, -1, 65530 - 8, 0x8000, 5);
	dg.blen = 65530;
	nf = nfrags(&dg, 1480);
	CHECK_INT(nf, 45);
	d0 = lc.frag_stats[NET_FRAG_DROP];
	for (unsigned i = 0; i < nf; i++)
		CHECK_INT(feed_i(&lc, &dg, 1480, i), i + 1 < nf ? NET_V_HELD : NET_V_DROP_FRAG_BAD);
	CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, 45);
	/* Coming first, it is refused at once, and the rest after it. */
	dg.id++;
	for (unsigned i = nf; i-- > 0;)
		CHECK_INT(feed_i(&lc, &dg, 1480, i), NET_V_DROP_FRAG_BAD);
	CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, 90);
	/* Ping of death: one fragment at offset 65,528. */
	dg.id++;
	CHECK_INT(feed_frag(&lc, &dg, 65528, 16, 0, dg.body), NET_V_DROP_FRAG_BAD);

	/*
	 * IPv4 options in the first fragment only: every fragment fits on its
	 * own, the whole (60-byte header + 65,515) does not.
	 */
	dgram_init(&dg, 4, -1, 65515 - 8, 0x8100, 6);
	dg.opts0 = 40;
	d0 = lc.frag_stats[NET_FRAG_DROP];
	for (unsigned i = 45; i-- > 0;)
		CHECK_INT(feed_i(&lc, &dg, 1480, i), i > 0 ? NET_V_HELD : NET_V_DROP_FRAG_BAD);
	CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, 45);
	/* With the options everywhere it fits in 65,535 once they are counted. */
	dgram_init(&dg, 4, -1, 65475 - 8, 0x8101, 6);
	dg.opts0 = dg.optsn = 40;
	for (unsigned i = 0; i < 45; i++)
		CHECK_INT(feed_i(&lc, &dg, 1480, i), i + 1 < 45 ? NET_V_HELD : NET_V_SIP);

	/* IPv6: a fragmentable part of 65,540 bytes. */
	dgram_init(&dg, 6, -1, 65527, 0x8200, 7);
	dg.blen = 65540;
	nf = nfrags(&dg, 1448);
	d0 = lc.frag_stats[NET_FRAG_DROP];
	for (unsigned i = 0; i < nf; i++)
		CHECK_INT(feed_i(&lc, &dg, 1448, i), i + 1 < nf ? NET_V_HELD : NET_V_DROP_FRAG_BAD);
	CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, nf);
	/*
	 * IPv6 with 32 bytes of headers before the fragment header: they
	 * count against 65,535 too (RFC 8200 4.5).
	 */
	dgram_init(&dg, 6, -1, 65535 - 16 - 8, 0x8300, 8);
	dg.ext = EXT_ALL;
	nf = nfrags(&dg, 1448);
	for (unsigned i = 0; i < nf; i++)
		CHECK_INT(feed_i(&lc, &dg, 1448, i), i + 1 < nf ? NET_V_HELD : NET_V_DROP_FRAG_BAD);
	settle(&lc);
}

/*
 * Bad single fragments: empty, not a multiple of 8 with more to follow;
 * and too many fragments for the configured maximum (64 here; 128 on
 * another table takes the same set).
 */
static void
test_bad_and_too_many(void)
{
	static struct net_config c2;
	static struct net_lcore l2;
	uint64_t d0;
	unsigned nf;

	dgram_init(&dg, 4, -1, 3000, 0x9000, 9);
	CHECK_INT(feed_frag(&lc, &dg, 0, 1001, 1, dg.body), NET_V_DROP_FRAG_BAD);
	dg.id++;
	CHECK_INT(feed_frag(&lc, &dg, 1480, 0, 1, dg.body), NET_V_DROP_FRAG_BAD);
	dgram_init(&dg, 6, -1, 3000, 0x9001, 9);
	CHECK_INT(feed_frag(&lc, &dg, 0, 1004, 1, dg.body), NET_V_DROP_FRAG_BAD);
	settle(&lc);

	/* 70 fragments of 504 bytes: the 65th kills the set. */
	dgram_init(&dg, 4, 12, 35000 - 8, 0x9100, 10);
	nf = nfrags(&dg, 504);
	CHECK_INT(nf, 70);
	d0 = lc.frag_stats[NET_FRAG_DROP];
	for (unsigned i = 0; i < nf; i++)
		CHECK_INT(feed_i(&lc, &dg, 504, i), i < 64 ? NET_V_HELD : NET_V_DROP_FRAG_BAD);
	CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, 70);
	settle(&lc);

	setup_cfg(&c2, 16, 128, 0);
	CHECK_INT(net_lcore_init(&l2, &c2, SOCKET_ID_ANY), 0);
	{
		static unsigned idx[128];
		uint64_t r = 5;

		dg.id++;
		CHECK_INT(run(&l2, &dg, 504, idx, make_order(ORD_SHUFFLED, nf, idx, &r)), 1);
		/* IPv4 at a 576-byte MTU: 64 KiB is 119 fragments. */
		dgram_init(&dg, 4, -1, 65515 - 8, 0x9101, 10);
		CHECK_INT(nfrags(&dg, 552), 119);
		CHECK_INT(run(&l2, &dg, 552, idx, make_order(ORD_REVERSED, 119, idx, &r)), 1);
	}
	net_lcore_fini(&l2);
}

/*
 * A full table evicts its oldest datagram, whose fragments count as drops;
 * the newer ones all complete, and the evicted one still can when its
 * fragments come again. The mbuf bound does the same across datagrams.
 */
static void
test_table_full(void)
{
	static struct net_config c2;
	static struct net_lcore l2;
	static struct dgram d9[9];
	uint64_t d0;

	setup_cfg(&c2, 8, 0, 0);
	CHECK_INT(net_lcore_init(&l2, &c2, SOCKET_ID_ANY), 0);
	for (unsigned i = 0; i < 9; i++)
		dgram_init(&d9[i], i % 2 ? 6 : 4, -1, 3000, 0xa000 + i, i);
	d0 = l2.frag_stats[NET_FRAG_DROP];
	for (unsigned i = 0; i < 9; i++) {
		CHECK_INT(feed_i(&l2, &d9[i], 1440, 0), NET_V_HELD);
		CHECK_INT(l2.frag_stats[NET_FRAG_DROP] - d0, i < 8 ? 0 : 1);
	}
	for (unsigned i = 8; i >= 1; i--) {
		CHECK_INT(feed_i(&l2, &d9[i], 1440, 2), NET_V_HELD);
		CHECK_INT(feed_i(&l2, &d9[i], 1440, 1), NET_V_SIP);
	}
	CHECK_INT(feed_i(&l2, &d9[0], 1440, 1), NET_V_HELD);
	CHECK_INT(feed_i(&l2, &d9[0], 1440, 2), NET_V_HELD);
	CHECK_INT(feed_i(&l2, &d9[0], 1440, 0), NET_V_SIP);
	CHECK_INT(l2.frag_stats[NET_FRAG_DROP] - d0, 1);
	/* An expired oldest is counted as a timeout, not a drop. */
	for (unsigned i = 0; i < 8; i++) {
		d9[i].id += 100;
		CHECK_INT(feed_i(&l2, &d9[i], 1440, 0), NET_V_HELD);
	}
	now += l2.frag_ttl_cycles + 1;
	{
		uint64_t t0 = l2.frag_stats[NET_FRAG_TIMEOUT];

		d9[8].id += 100;
		CHECK_INT(feed_i(&l2, &d9[8], 1440, 0), NET_V_HELD);
		CHECK_INT(l2.frag_stats[NET_FRAG_TIMEOUT] - t0, 1);
		CHECK_INT(l2.frag_stats[NET_FRAG_DROP] - d0, 1);
	}
	/* fini frees what is still held. */
	net_lcore_fini(&l2);
	net_lcore_fini(&l2);

	/* At most 20 fragments held: B's 21st evicts A's 11. */
	setup_cfg(&c2, 16, 16, 20);
	CHECK_INT(net_lcore_init(&l2, &c2, SOCKET_ID_ANY), 0);
	dgram_init(&dg, 4, -1, 504 * 11 + 100, 0xb000, 1);
	dgram_init(&dg2, 6, -1, 504 * 11 + 100, 0xb001, 2);
	CHECK_INT(nfrags(&dg, 504), 12);
	d0 = l2.frag_stats[NET_FRAG_DROP];
	for (unsigned i = 0; i < 11; i++)
		CHECK_INT(feed_i(&l2, &dg, 504, i), NET_V_HELD);
	for (unsigned i = 0; i < 10; i++)
		CHECK_INT(feed_i(&l2, &dg2, 504, i), NET_V_HELD);
	CHECK_INT(l2.frag_stats[NET_FRAG_DROP] - d0, 11);
	CHECK_INT(feed_i(&l2, &dg2, 504, 10), NET_V_HELD);
	CHECK_INT(feed_i(&l2, &dg2, 504, 11), NET_V_SIP);
	CHECK_INT(feed_i(&l2, &dg, 504, 11), NET_V_HELD);
	net_lcore_fini(&l2);
}

/*
 * IPv6 hop-by-hop, destination options and routing headers before the
 * fragment header (in every fragment, in the first only, in all but the
 * first), and destination options after it.
 */
static void
test_ipv6_ext(void)
{
	static unsigned idx[64];
	uint64_t r = 17;

	for (int where = EXT_ALL; where <= EXT_NOT_FIRST; where++) {
		for (int inner = 0; inner < 2; inner++) {
			unsigned nf;

			dg.inner_dstopts = inner;
			dgram_init(&dg, 6, where == EXT_FIRST ? 44 : -1, 1448 * 17 + 300 - 8 * inner,
				   0xc000 + (uint32_t)(where * 2 + inner), r);
			dg.ext = (enum ext_where)where;
			nf = nfrags(&dg, 1448);
			CHECK_INT(nf, 18);
			CHECK_INT(run(&lc, &dg, 1448, idx, make_order(ORD_SHUFFLED, nf, idx, &r)), 1);
		}
	}
	dg.inner_dstopts = 0;
	settle(&lc);
}

/*
 * Fragments as mbuf chains (a segment holding exactly the headers, which
 * reassembly then leaves out; jumbo frames), and a padded runt.
 */
static void
test_chains_and_padding(void)
{
	uint64_t r = 23;

	/* Three segments per fragment: 100 bytes, then 700-byte pieces. */
	dgram_init(&dg, 4, 5, 26000, 0xd000, r);
	{
		unsigned nf = nfrags(&dg, 1480), segs = 0;

		for (unsigned i = 0; i < nf; i++) {
			struct net_pkt res;
			uint32_t len = frag_i(&dg, 1480, nf - 1 - i, fbuf);
			struct rte_mbuf *m = mk(fbuf, len, 100, 700);
			enum net_verdict v;

			segs += m->nb_segs;
			v = net_classify(&lc, m, now, &res);
			CHECK_INT(v, i + 1 < nf ? NET_V_HELD : NET_V_SIP);
			if (v == NET_V_SIP) {
				check_dgram(&dg, &res);
				CHECK_INT(res.m->nb_segs, segs);
			}
			release(&lc, v, &res);
		}
	}
	/* First segment = headers exactly: those segments disappear. */
	dgram_init(&dg, 6, -1, 10000, 0xd001, r);
	{
		unsigned nf = nfrags(&dg, 1448);

		for (unsigned i = 0; i < nf; i++) {
			struct net_pkt res;
			uint32_t len = frag_i(&dg, 1448, i, fbuf);
			/* The offset-0 one whole: L2-L4 must be in the first segment. */
			struct rte_mbuf *m = mk(fbuf, len, i == 0 ? 0 : 14 + 48, 1500);
			enum net_verdict v = net_classify(&lc, m, now, &res);

			CHECK_INT(v, i + 1 < nf ? NET_V_HELD : NET_V_SIP);
			if (v == NET_V_SIP) {
				check_dgram(&dg, &res);
				/* Each later fragment's emptied header segment is gone. */
				CHECK_INT(res.m->nb_segs, nf);
			}
			release(&lc, v, &res);
		}
	}
	/* Jumbo frames (MTU 9000) in 2 KiB segments: 64 KiB in 8 fragments. */
	dgram_init(&dg, 4, -1, 65515 - 8, 0xd002, r);
	{
		static unsigned idx[8];

		CHECK_INT(nfrags(&dg, 8976), 8);
		make_order(ORD_SHUFFLED, 8, idx, &r);
		for (unsigned i = 0; i < 8; i++) {
			struct net_pkt res;
			uint32_t len = frag_i(&dg, 8976, idx[i], fbuf);
			enum net_verdict v = net_classify(&lc, mk(fbuf, len, 0, 0), now, &res);

			CHECK_INT(v, i + 1 < 8 ? NET_V_HELD : NET_V_SIP);
			if (v == NET_V_SIP)
				check_dgram(&dg, &res);
			release(&lc, v, &res);
		}
	}
	/* An 8-byte last fragment padded to the Ethernet minimum with junk. */
	dgram_init(&dg, 4, -1, 2 * 1480 - 8 + 8, 0xd003, r);
	CHECK_INT(nfrags(&dg, 1480), 3);
	CHECK_INT(feed_i(&lc, &dg, 1480, 0), NET_V_HELD);
	CHECK_INT(feed_i(&lc, &dg, 1480, 1), NET_V_HELD);
	{
		struct net_pkt res;
		uint32_t len = frag_i(&dg, 1480, 2, fbuf);
		enum net_verdict v;

		CHECK_INT(len, 42);
		memset(fbuf + len, 0xee, 60 - len);
		v = net_classify(&lc, mk(fbuf, 60, 0, 0), now, &res);
		CHECK_INT(v, NET_V_SIP);
		if (v == NET_V_SIP)
			check_dgram(&dg, &res);
		release(&lc, v, &res);
	}
	settle(&lc);
}

/* ---- the reference: rte_ip_frag, for sets of up to 8 fragments ---- */

static struct rte_ip_frag_tbl *ref_tbl;
static struct rte_ip_frag_death_row ref_dr;

static struct rte_mbuf *
ref_feed(const struct dgram *d, const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = mk(f, len, 0, 0), *r;
	uint32_t l2 = l2_of(d);

	m->l2_len = l2 & 0x7f;
	if (d->fam == 4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l2);

		m->l3_len = rte_ipv4_hdr_len(ip) & 0x1ff;
		r = rte_ipv4_frag_reassemble_packet(ref_tbl, &ref_dr, m, now, ip);
	} else {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l2);

		m->l3_len = 48;
		r = rte_ipv6_frag_reassemble_packet(ref_tbl, &ref_dr, m, now, ip,
						    (struct rte_ipv6_fragment_ext *)(ip + 1));
	}
	rte_ip_frag_free_death_row(&ref_dr, 0);
	return r;
}

/*
 * Random sets of 2..8 fragments (both families, tagged or not, IPv4
 * options differing between the first fragment and the others, random
 * sizes and orders): both reassemblers complete on the same fragment and
 * produce the same bytes, except that rte_ip_frag leaves the IPv4 header
 * checksum 0 where we compute it.
 */
static void
test_differential(void)
{
	static uint8_t refbuf[BODY_MAX + 256];
	static unsigned idx[8];
	uint64_t r = 0xabcdef12345ull;
	unsigned compared = 0;

	ref_tbl = rte_ip_frag_table_create(64, 8, 256, lc.frag_ttl_cycles, SOCKET_ID_ANY);
	CHECK(ref_tbl != NULL);
	if (ref_tbl == NULL)
		return;
	for (unsigned t = 0; t < 300; t++) {
		int fam = rnd(&r) % 2 ? 4 : 6;
		unsigned want = 2 + (unsigned)(rnd(&r) % 7);
		uint32_t per = 8 * (uint32_t)(8 + rnd(&r) % (fam == 4 ? 178 : 174));
		uint32_t blen = per * (want - 1) + 1 + (uint32_t)(rnd(&r) % per);
		struct rte_mbuf *ref = NULL;
		struct net_pkt res;
		int got = 0;

		if (blen < 16)
			blen = 16;
		dgram_init(&dg, fam, rnd(&r) % 3 == 0 ? 100 : -1, blen - 8, 0x20000 + t, r);
		if (fam == 4) {
			dg.opts0 = 4 * (uint32_t)(rnd(&r) % 11);
			dg.optsn = 4 * (uint32_t)(rnd(&r) % (dg.opts0 / 4 + 1));
		}
		make_order(ORD_SHUFFLED, nfrags(&dg, per), idx, &r);
		for (unsigned i = 0; i < nfrags(&dg, per); i++) {
			uint32_t len = frag_i(&dg, per, idx[i], fbuf);
			enum net_verdict v = net_classify(&lc, mk(fbuf, len, 0, 0), now, &res);
			struct rte_mbuf *rm = ref_feed(&dg, fbuf, len);
			int last = i + 1 == nfrags(&dg, per);

			CHECK_INT(v, last ? NET_V_SIP : NET_V_HELD);
			CHECK(last ? rm != NULL : rm == NULL);
			if (v == NET_V_SIP)
				got = 1;
			else
				release(&lc, v, &res);
			if (rm != NULL) {
				rte_pktmbuf_free(ref);
				ref = rm;
			}
		}
		if (got && ref != NULL) {
			uint32_t n = flat(res.m, flatbuf), rn = flat(ref, refbuf);
			uint32_t l2 = l2_of(&dg);

			CHECK_INT(n, rn);
			CHECK_INT(res.m->pkt_len, ref->pkt_len);
			CHECK_INT(res.m->nb_segs, ref->nb_segs);
			if (fam == 4) {
				uint32_t ihl = 20 + dg.opts0;

				CHECK_INT(fold(sum16(flatbuf + l2, ihl, 0)), 0xffff);
				CHECK_INT(be16(refbuf + l2 + 10), 0);
				memcpy(refbuf + l2 + 10, flatbuf + l2 + 10, 2);
			}
			CHECK(n == rn && memcmp(flatbuf, refbuf, n) == 0);
			check_dgram(&dg, &res);
			compared++;
		}
		if (got)
			release(&lc, NET_V_SIP, &res);
		rte_pktmbuf_free(ref);
		net_frag_flush(&lc);
	}
	CHECK_INT(compared, 300);
	rte_ip_frag_table_destroy(ref_tbl);
	ref_tbl = NULL;
	settle(&lc);
}

static void
test_init_errors(void)
{
	struct net_config c;
	struct net_lcore l;

	setup_cfg(&c, 4, 1, 0);
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), -EINVAL);
	setup_cfg(&c, 4, 8193, 0);
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), -EINVAL);
	setup_cfg(&c, 4, 64, 63);
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), -EINVAL);
	setup_cfg(&c, (1u << 20) + 1, 0, 0);
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), -EINVAL);
	setup_cfg(&c, 4, 8192, 0);
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), 0);
	net_lcore_fini(&l);
	net_lcore_fini(&l);
	/* Far more than the 256 MB this EAL has. */
	setup_cfg(&c, 1u << 20, 8192, 0);
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), -ENOMEM);
	net_lcore_fini(&l);
}

int
main(void)
{
	char prefix[64];
	char *args[] = { "test_reasm", "-l", "0", "--no-huge", "-m", "256", "--no-pci",
			 "--no-shconf", "--log-level=lib.eal:error", "--file-prefix", prefix };

	snprintf(prefix, sizeof(prefix), "test_reasm_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(args), args) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("reasm_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	setup_cfg(&cfg, 64, 0, 0);
	if (net_lcore_init(&lc, &cfg, SOCKET_ID_ANY) != 0) {
		fprintf(stderr, "net_lcore_init failed\n");
		return 2;
	}

	test_init_errors();
	test_long_sets();
	test_overlaps();
	test_forgery_property();
	test_missing();
	test_oversize();
	test_bad_and_too_many();
	test_table_full();
	test_ipv6_ext();
	test_chains_and_padding();
	test_differential();

	/* Nothing leaked: every mbuf is back in the pool. */
	net_lcore_fini(&lc);
	CHECK_INT(rte_mempool_in_use_count(pool), 0);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return check_exit();
}
