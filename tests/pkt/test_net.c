/* SPDX-License-Identifier: MIT */
/*
 * L2-L4 tests: every verdict of net_classify(), the in-place ARP / ICMP /
 * ND answers, IPv4 and IPv6 reassembly (in order, shuffled, incomplete,
 * inconsistent, table full), and the SIP reply framing (IPv4, IPv6, VLAN,
 * offload flags, chained input, fresh mbuf, fragmentation).
 *
 * Frames are built byte by byte here and every checksum the library writes
 * is verified with the reference implementation below, never with DPDK's
 * or the library's own helpers.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <reglane/net.h>

#include "../unit/check.h"

/* ---- reference checksums (RFC 1071, big-endian words) ---- */

static uint32_t
ref_add(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint32_t
ref_phdr(int fam, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t len)
{
	uint8_t t[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			 (uint8_t)len, 0, 0, 0, proto };
	uint32_t acc = ref_add(src, fam == 4 ? 4 : 16, 0);

	acc = ref_add(dst, fam == 4 ? 4 : 16, acc);
	return ref_add(t, 8, acc);
}

/* Checksum to store in a header, big-endian value. */
static uint16_t
ref_cksum(uint32_t acc)
{
	return (uint16_t)~ref_fold(acc);
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- addresses ---- */

static const uint8_t MAC_US[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t MAC_PEER[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t IP4_US[4] = { 198, 51, 100, 10 };
static const uint8_t IP4_PEER[4] = { 192, 0, 2, 20 };
static const uint8_t IP4_OTHER[4] = { 198, 51, 100, 99 };
static const uint8_t IP6_US[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
static const uint8_t IP6_PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x20 };
static const uint8_t IP6_OTHER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x99 };
static const uint8_t IP6_SOLICITED_US[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x10 };

/* ---- frame builder ---- */

struct pk {
	int vlan;              /* -1: untagged, else the TCI */
	int fam;               /* 4 or 6 */
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;         /* transport; default UDP */
	uint32_t ip4_opts;     /* bytes of IPv4 options (multiple of 4) */
	const uint8_t *ext;    /* IPv6 extension headers, chained, last one's next = proto */
	uint32_t ext_len;
	uint8_t ext_first;     /* next-header value of the first extension header */
	int zero_csum, bad_csum, bad_ipcsum;
	uint16_t ip_id;
	uint8_t hop;           /* IPv6 hop limit / IPv4 TTL; default 64 */
};

#define FRAME_MAX 70000

static uint32_t
put_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, int vlan, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlan >= 0) {
		put16(f + 12, 0x8100);
		put16(f + 14, (uint16_t)vlan);
		put16(f + 16, type);
		return 18;
	}
	put16(f + 12, type);
	return 14;
}

/* A whole frame around a transport message @p l4 (its checksum filled for UDP). */
static uint32_t
build(uint8_t *f, const struct pk *k, const uint8_t *l4, uint32_t l4len)
{
	uint8_t proto = k->proto ? k->proto : 17;
	uint8_t hop = k->hop ? k->hop : 64;
	uint32_t off = put_eth(f, MAC_US, MAC_PEER, k->vlan, k->fam == 4 ? 0x0800 : 0x86dd);
	uint8_t *ip = f + off;
	uint8_t *t;

	if (k->fam == 4) {
		uint32_t ihl = 20 + k->ip4_opts;

		memset(ip, 0, ihl);
		ip[0] = (uint8_t)(0x40 | ihl / 4);
		put16(ip + 2, (uint16_t)(ihl + l4len));
		put16(ip + 4, k->ip_id);
		ip[8] = hop;
		ip[9] = proto;
		memcpy(ip + 12, k->src, 4);
		memcpy(ip + 16, k->dst, 4);
		for (uint32_t i = 20; i < ihl; i++)
			ip[i] = 1; /* NOP */
		put16(ip + 10, ref_cksum(ref_add(ip, ihl, 0)) ^ (k->bad_ipcsum ? 0x5555 : 0));
		t = ip + ihl;
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(k->ext_len + l4len));
		ip[6] = k->ext_len ? k->ext_first : proto;
		ip[7] = hop;
		memcpy(ip + 8, k->src, 16);
		memcpy(ip + 24, k->dst, 16);
		if (k->ext_len != 0)
			memcpy(ip + 40, k->ext, k->ext_len);
		t = ip + 40 + k->ext_len;
	}
	memcpy(t, l4, l4len);
	if (proto == 17 && l4len >= 8) {
		uint16_t c;

		put16(t, k->sport);
		put16(t + 2, k->dport);
		put16(t + 4, (uint16_t)l4len);
		put16(t + 6, 0);
		c = ref_cksum(ref_phdr(k->fam, k->src, k->dst, 17, l4len) + ref_add(t, l4len, 0));
		if (c == 0)
			c = 0xffff;
		if (k->zero_csum)
			c = 0;
		if (k->bad_csum)
			c ^= 0x0101;
		put16(t + 6, c);
	}
	return (uint32_t)(t - f) + l4len;
}

/* UDP message: 8-byte header placeholder (filled by build) + payload. */
static uint32_t
udp_msg(uint8_t *u, const char *payload, uint32_t n)
{
	memset(u, 0, 8);
	memcpy(u + 8, payload, n);
	return 8 + n;
}

static struct pk
pk4(void)
{
	return (struct pk){ .vlan = -1, .fam = 4, .src = IP4_PEER, .dst = IP4_US,
			    .sport = 5062, .dport = 5060, .ip_id = 0x1234 };
}

static struct pk
pk6(void)
{
	return (struct pk){ .vlan = -1, .fam = 6, .src = IP6_PEER, .dst = IP6_US,
			    .sport = 5062, .dport = 5060 };
}

/* ---- mbufs ---- */

static struct rte_mempool *pool;       /* 2 KiB data rooms */
static struct rte_mempool *small_pool; /* 256 B data rooms */
static struct rte_mempool *ind_pool;   /* indirect mbufs for fragmentation */

static struct rte_mbuf *
mk(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	if (m == NULL || len > rte_pktmbuf_tailroom(m)) {
		fprintf(stderr, "mk: no mbuf for %u bytes\n", len);
		exit(2);
	}
	p = rte_pktmbuf_append(m, (uint16_t)len);
	memcpy(p, f, len);
	return m;
}

/* A chain: first segment @p first bytes, the rest in @p seg-byte pieces. */
static struct rte_mbuf *
mk_chain(const uint8_t *f, uint32_t len, uint32_t first, uint32_t seg)
{
	struct rte_mbuf *head = mk(f, first), *last = head;

	for (uint32_t o = first; o < len; o += seg) {
		uint32_t n = len - o < seg ? len - o : seg;
		struct rte_mbuf *s = mk(f + o, n);

		last->next = s;
		last = s;
		head->nb_segs++;
		head->pkt_len += n;
	}
	return head;
}

/* The bytes of a packet, flattened. */
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

/* ---- library state ---- */

static struct net_config cfg;
static struct net_lcore lc;
static uint64_t now = 1000000;
static uint8_t scratch[NET_SCRATCH_SIZE];
static uint8_t fbuf[FRAME_MAX], fbuf2[FRAME_MAX], l4buf[FRAME_MAX];

static enum net_verdict
classify(struct rte_mbuf *m, struct net_pkt *res)
{
	return net_classify(&lc, m, now, res);
}

/* Classify a frame and free whatever comes back; the verdict. */
static enum net_verdict
verdict_of(const uint8_t *f, uint32_t len)
{
	struct net_pkt res;
	enum net_verdict v = classify(mk(f, len), &res);

	if (v != NET_V_HELD)
		rte_pktmbuf_free(res.m);
	net_frag_flush(&lc);
	return v;
}

static void
setup_cfg(struct net_config *c, int with_addrs)
{
	memset(c, 0, sizeof(*c));
	c->sip_port = 5060;
	memcpy(&c->mac, MAC_US, 6);
	if (with_addrs) {
		c->n_ip4 = 1;
		memcpy(&c->ip4[0], IP4_US, 4);
		c->n_ip6 = 1;
		memcpy(c->ip6[0], IP6_US, 16);
	}
	c->frag_max_entries = 4;
	c->frag_timeout_ms = 100;
}

/* ---- tests: plain UDP ---- */

static const char SIPMSG[] = "NOTIFY sip:as@198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP "
			     "192.0.2.20:5062;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n";

static void
test_udp4(void)
{
	struct pk k = pk4();
	uint32_t ul = udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1);
	uint32_t n = build(fbuf, &k, l4buf, ul);
	struct net_pkt res;
	struct rte_mbuf *m = mk(fbuf, n);

	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK(res.m == m);
	CHECK_INT(res.src.family, 4);
	CHECK(memcmp(res.src.addr, IP4_PEER, 4) == 0);
	CHECK(memcmp(res.dst.addr, IP4_US, 4) == 0);
	CHECK_INT(res.src.port, 5062);
	CHECK_INT(res.dst.port, 5060);
	CHECK_INT(res.l2_len, 14);
	CHECK_INT(res.l3_len, 20);
	CHECK_INT(res.has_vlan, 0);
	CHECK_INT(res.payload_off, 14 + 20 + 8);
	CHECK_INT(res.payload_len, sizeof(SIPMSG) - 1);
	CHECK(res.payload != NULL && memcmp(res.payload, SIPMSG, sizeof(SIPMSG) - 1) == 0);
	CHECK(net_payload_view(&res, scratch) == res.payload);
	CHECK(memcmp(&res.src_mac, MAC_PEER, 6) == 0 && memcmp(&res.dst_mac, MAC_US, 6) == 0);
	rte_pktmbuf_free(m);

	/* Ethernet minimum-size padding after the IP packet is ignored. */
	k = pk4();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, "x", 1));
	memset(fbuf + n, 0xee, 20);
	CHECK_INT(verdict_of(fbuf, n + 20), NET_V_SIP);

	/* IP options are allowed; TTL is irrelevant. */
	k = pk4();
	k.ip4_opts = 8;
	k.hop = 1;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.l3_len, 28);
	CHECK(res.payload != NULL && memcmp(res.payload, SIPMSG, 10) == 0);
	rte_pktmbuf_free(m);

	/* Zero UDP checksum: "none" over IPv4. */
	k = pk4();
	k.zero_csum = 1;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 20))),
		  NET_V_SIP);
}

static void
test_udp4_drops(void)
{
	struct pk k;
	uint32_t n;
	struct net_pkt res;
	struct rte_mbuf *m;

	k = pk4();
	k.bad_csum = 1;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	CHECK_INT(verdict_of(fbuf, n), NET_V_DROP_UDP_CKSUM);
	/* The NIC's word is taken both ways. */
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	CHECK_INT(classify(m, &res), NET_V_SIP);
	rte_pktmbuf_free(res.m);
	k.bad_csum = 0;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	CHECK_INT(classify(m, &res), NET_V_DROP_UDP_CKSUM);
	rte_pktmbuf_free(res.m);

	k = pk4();
	k.bad_ipcsum = 1;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	CHECK_INT(verdict_of(fbuf, n), NET_V_DROP_IP_CKSUM);
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	CHECK_INT(classify(m, &res), NET_V_SIP);
	rte_pktmbuf_free(res.m);
	k.bad_ipcsum = 0;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	CHECK_INT(classify(m, &res), NET_V_DROP_IP_CKSUM);
	rte_pktmbuf_free(res.m);

	k = pk4();
	k.dport = 5070;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_PORT);

	k = pk4();
	k.dst = IP4_OTHER;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_NOT_OURS);

	k = pk4();
	k.src = (const uint8_t[]){ 224, 0, 0, 1 };
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_BAD_SRC);
	k.src = (const uint8_t[]){ 255, 255, 255, 255 };
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_BAD_SRC);

	k = pk4();
	k.proto = 6;
	memset(l4buf, 0, 20);
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, 20)), NET_V_DROP_NOT_UDP);

	/* Truncated: IP total length beyond the frame. */
	k = pk4();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 60));
	CHECK_INT(verdict_of(fbuf, n - 10), NET_V_DROP_TRUNCATED);
	CHECK_INT(verdict_of(fbuf, 10), NET_V_DROP_TRUNCATED);
	CHECK_INT(verdict_of(fbuf, 14 + 12), NET_V_DROP_TRUNCATED);

	/* Bad version, header length, total length. */
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 60));
	memcpy(fbuf2, fbuf, n);
	fbuf2[14] = 0x55;
	CHECK_INT(verdict_of(fbuf2, n), NET_V_DROP_BAD_IP);
	memcpy(fbuf2, fbuf, n);
	fbuf2[14] = 0x44;
	CHECK_INT(verdict_of(fbuf2, n), NET_V_DROP_BAD_IP);
	memcpy(fbuf2, fbuf, n);
	put16(fbuf2 + 16, 12);
	CHECK_INT(verdict_of(fbuf2, n), NET_V_DROP_BAD_IP);

	/* UDP length larger than the IP payload, or below 8. */
	memcpy(fbuf2, fbuf, n);
	put16(fbuf2 + 14 + 20 + 4, 200);
	CHECK_INT(verdict_of(fbuf2, n), NET_V_DROP_UDP_LEN);
	memcpy(fbuf2, fbuf, n);
	put16(fbuf2 + 14 + 20 + 4, 7);
	CHECK_INT(verdict_of(fbuf2, n), NET_V_DROP_UDP_LEN);

	/* Ethertypes: LLDP, QinQ, two 802.1Q tags, a stripped tag plus one in the frame. */
	n = put_eth(fbuf, MAC_US, MAC_PEER, -1, 0x88cc);
	memset(fbuf + n, 0, 46);
	CHECK_INT(verdict_of(fbuf, n + 46), NET_V_DROP_ETHERTYPE);
	n = put_eth(fbuf, MAC_US, MAC_PEER, -1, 0x88a8);
	memset(fbuf + n, 0, 46);
	CHECK_INT(verdict_of(fbuf, n + 46), NET_V_DROP_ETHERTYPE);
	n = put_eth(fbuf, MAC_US, MAC_PEER, 7, 0x8100);
	memset(fbuf + n, 0, 46);
	CHECK_INT(verdict_of(fbuf, n + 46), NET_V_DROP_ETHERTYPE);
	k = pk4();
	k.vlan = 5;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 9;
	CHECK_INT(classify(m, &res), NET_V_DROP_ETHERTYPE);
	rte_pktmbuf_free(res.m);
}

static void
test_vlan(void)
{
	struct pk k = pk4();
	struct net_pkt res;
	struct rte_mbuf *m;
	uint32_t n;

	k.vlan = 0x2064; /* PCP 1, VID 100 */
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.has_vlan, 1);
	CHECK_INT(res.vlan_tci, 0x2064);
	CHECK_INT(res.l2_len, 18);
	CHECK_INT(res.payload_off, 18 + 20 + 8);
	rte_pktmbuf_free(m);

	/* Tag stripped by the NIC. */
	k.vlan = -1;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 77;
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.has_vlan, 1);
	CHECK_INT(res.vlan_tci, 77);
	CHECK_INT(res.l2_len, 14);
	rte_pktmbuf_free(m);
}

static void
test_udp6(void)
{
	struct pk k = pk6();
	struct net_pkt res;
	struct rte_mbuf *m;
	uint32_t n;
	uint8_t ext[32];

	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.src.family, 6);
	CHECK(memcmp(res.src.addr, IP6_PEER, 16) == 0);
	CHECK(memcmp(res.dst.addr, IP6_US, 16) == 0);
	CHECK_INT(res.l3_len, 40);
	CHECK_INT(res.payload_len, sizeof(SIPMSG) - 1);
	CHECK(res.payload != NULL && memcmp(res.payload, SIPMSG, 20) == 0);
	rte_pktmbuf_free(m);

	k.zero_csum = 1;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_UDP_CKSUM);
	k = pk6();
	k.bad_csum = 1;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_UDP_CKSUM);
	k = pk6();
	k.dst = IP6_OTHER;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_NOT_OURS);
	k = pk6();
	k.src = IP6_SOLICITED_US;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_BAD_SRC);
	/* UDP to our solicited-node group is not for us. */
	k = pk6();
	k.dst = IP6_SOLICITED_US;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_NOT_OURS);

	/* Hop-by-hop (PadN) then UDP. */
	k = pk6();
	memset(ext, 0, sizeof(ext));
	ext[0] = 17;
	ext[1] = 0;
	ext[2] = 1; /* PadN */
	ext[3] = 4;
	k.ext = ext;
	k.ext_len = 8;
	k.ext_first = 0;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.l3_len, 48);
	CHECK_INT(res.payload_off, 14 + 48 + 8);
	CHECK(res.payload != NULL && memcmp(res.payload, SIPMSG, 20) == 0);
	rte_pktmbuf_free(m);

	/* Hop-by-hop -> destination options (16 B) -> routing (segments left 0) -> UDP. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 60;                /* HBH, next: dst opts */
	ext[2] = 1, ext[3] = 4;
	ext[8] = 43;                /* dst opts, 16 bytes, next: routing */
	ext[9] = 1;
	ext[10] = 1, ext[11] = 12;
	ext[24] = 17;               /* routing type 0-style, 8 bytes, segments left 0 */
	ext[25] = 0;
	ext[26] = 4;
	ext[27] = 0;
	k.ext_len = 32;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.l3_len, 72);
	rte_pktmbuf_free(m);
	/* Same with segments left: we are only a waypoint. */
	ext[27] = 1;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_IPV6_EXT);
	ext[27] = 0;
	/* An extension header running past the payload. */
	ext[25] = 200;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_IPV6_EXT);
	ext[25] = 0;

	/* Hop-by-hop anywhere but first. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 0; /* dst opts -> HBH */
	ext[2] = 1, ext[3] = 4;
	ext[8] = 17;
	ext[10] = 1, ext[11] = 4;
	k.ext_first = 60;
	k.ext_len = 16;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30))),
		  NET_V_DROP_IPV6_EXT);

	/* ESP is not ours to decrypt; No Next Header carries nothing. */
	k = pk6();
	k.proto = 50;
	memset(l4buf, 0, 40);
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, 40)), NET_V_DROP_IPV6_EXT);
	k.proto = 59;
	CHECK_INT(verdict_of(fbuf, build(fbuf, &k, l4buf, 40)), NET_V_DROP_NOT_UDP);

	/* An atomic fragment (RFC 6946) is a whole datagram. */
	k = pk6();
	memset(ext, 0, sizeof(ext));
	ext[0] = 17;
	ext[4] = 0xab;
	k.ext = ext;
	k.ext_len = 8;
	k.ext_first = 44;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.l3_len, 48);
	rte_pktmbuf_free(m);

	/* Payload length 0 (jumbogram) and a bad version. */
	k = pk6();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	memcpy(fbuf2, fbuf, n);
	put16(fbuf2 + 14 + 4, 0);
	CHECK_INT(verdict_of(fbuf2, n), NET_V_DROP_BAD_IP);
	memcpy(fbuf2, fbuf, n);
	fbuf2[14] = 0x40;
	CHECK_INT(verdict_of(fbuf2, n), NET_V_DROP_BAD_IP);
	CHECK_INT(verdict_of(fbuf, n - 1), NET_V_DROP_TRUNCATED);
}

/* A datagram whose UDP payload spans three segments. */
static void
test_multiseg_input(void)
{
	struct pk k = pk4();
	struct net_pkt res;
	struct rte_mbuf *m;
	uint32_t n, plen = 1500;
	const uint8_t *view;

	for (uint32_t i = 0; i < plen; i++)
		l4buf[8 + i] = (uint8_t)('a' + i % 26);
	n = build(fbuf, &k, l4buf, 8 + plen);
	m = mk_chain(fbuf, n, 100, 701);
	CHECK_INT(m->nb_segs, 4);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(res.payload_len, plen);
	CHECK(res.payload == NULL);
	view = net_payload_view(&res, scratch);
	CHECK(view == scratch);
	CHECK(view != NULL && memcmp(view, l4buf + 8, plen) == 0);
	rte_pktmbuf_free(m);

	/* A bad checksum is found across segments too (odd split included). */
	k.bad_csum = 1;
	n = build(fbuf, &k, l4buf, 8 + plen);
	m = mk_chain(fbuf, n, 101, 333);
	CHECK_INT(classify(m, &res), NET_V_DROP_UDP_CKSUM);
	rte_pktmbuf_free(m);

	/* IPv6, payload entirely in a second segment. */
	k = pk6();
	n = build(fbuf, &k, l4buf, 8 + plen);
	m = mk_chain(fbuf, n, 14 + 40 + 8, 2000);
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK(res.payload == NULL);
	view = net_payload_view(&res, scratch);
	CHECK(view != NULL && memcmp(view, l4buf + 8, plen) == 0);
	rte_pktmbuf_free(m);

	/* Headers not in the first segment: refused, not read out of bounds. */
	k = pk4();
	n = build(fbuf, &k, l4buf, 8 + 100);
	m = mk_chain(fbuf, n, 30, 40);
	CHECK_INT(classify(m, &res), NET_V_DROP_TRUNCATED);
	rte_pktmbuf_free(m);
}

/* ---- tests: local answers ---- */

static uint32_t
arp_frame(uint8_t *f, int vlan, uint16_t op, const uint8_t *tip, const uint8_t *eth_dst)
{
	uint32_t n = put_eth(f, eth_dst, MAC_PEER, vlan, 0x0806);
	uint8_t *a = f + n;

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, MAC_PEER, 6);
	memcpy(a + 14, IP4_PEER, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tip, 4);
	memset(a + 28, 0, 18); /* Ethernet padding to 60 bytes */
	return n + 46;
}

static void
test_arp(void)
{
	struct net_pkt res;
	struct rte_mbuf *m;
	uint32_t n;
	const uint8_t *p, *a;

	n = arp_frame(fbuf, -1, 1, IP4_US, BCAST);
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
	CHECK(res.m == m);
	CHECK_INT(rte_pktmbuf_pkt_len(m), 42);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	a = p + 14;
	CHECK(memcmp(p, MAC_PEER, 6) == 0);
	CHECK(memcmp(p + 6, MAC_US, 6) == 0);
	CHECK_INT(be16(p + 12), 0x0806);
	CHECK_INT(be16(a + 6), 2);
	CHECK(memcmp(a + 8, MAC_US, 6) == 0);
	CHECK(memcmp(a + 14, IP4_US, 4) == 0);
	CHECK(memcmp(a + 18, MAC_PEER, 6) == 0);
	CHECK(memcmp(a + 24, IP4_PEER, 4) == 0);
	rte_pktmbuf_free(m);

	/* Tagged request: tagged answer. */
	n = arp_frame(fbuf, 42, 1, IP4_US, BCAST);
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	CHECK_INT(rte_pktmbuf_pkt_len(m), 46);
	CHECK_INT(be16(p + 12), 0x8100);
	CHECK_INT(be16(p + 14), 42);
	CHECK_INT(be16(p + 16), 0x0806);
	CHECK_INT(be16(p + 18 + 6), 2);
	rte_pktmbuf_free(m);

	/* Stripped tag: put back into the frame. */
	n = arp_frame(fbuf, -1, 1, IP4_US, BCAST);
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 300;
	CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	CHECK_INT(rte_pktmbuf_pkt_len(m), 46);
	CHECK_INT(be16(p + 12), 0x8100);
	CHECK_INT(be16(p + 14), 300);
	CHECK(memcmp(p, MAC_PEER, 6) == 0);
	CHECK(memcmp(p + 18 + 14, IP4_US, 4) == 0);
	CHECK((m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) == 0);
	rte_pktmbuf_free(m);

	CHECK_INT(verdict_of(fbuf, arp_frame(fbuf, -1, 1, IP4_OTHER, BCAST)), NET_V_DROP_NOT_OURS);
	CHECK_INT(verdict_of(fbuf, arp_frame(fbuf, -1, 2, IP4_US, MAC_US)), NET_V_DROP_ARP);
	/* Gratuitous ARP for the peer itself. */
	CHECK_INT(verdict_of(fbuf, arp_frame(fbuf, -1, 1, IP4_PEER, BCAST)), NET_V_DROP_NOT_OURS);
	n = arp_frame(fbuf, -1, 1, IP4_US, BCAST);
	fbuf[14 + 5] = 16; /* plen */
	CHECK_INT(verdict_of(fbuf, n), NET_V_DROP_ARP);
	CHECK_INT(verdict_of(fbuf, 14 + 20), NET_V_DROP_TRUNCATED);
}

static uint32_t
icmp4_frame(uint8_t *f, uint32_t opts, uint8_t type, int bad)
{
	struct pk k = pk4();
	uint32_t len = 8 + 56;

	memset(l4buf, 0, len);
	l4buf[0] = type;
	put16(l4buf + 4, 0x4242);
	put16(l4buf + 6, 7);
	for (uint32_t i = 8; i < len; i++)
		l4buf[i] = (uint8_t)i;
	put16(l4buf + 2, ref_cksum(ref_add(l4buf, len, 0)) ^ (bad ? 1 : 0));
	k.proto = 1;
	k.ip4_opts = opts;
	k.hop = 3;
	return build(f, &k, l4buf, len);
}

static void
test_icmp4(void)
{
	struct net_pkt res;
	struct rte_mbuf *m;
	const uint8_t *p, *ip, *ic;
	uint32_t n;

	for (uint32_t opts = 0; opts <= 4; opts += 4) {
		n = icmp4_frame(fbuf, opts, 8, 0);
		m = mk(fbuf, n);
		CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		ip = p + 14;
		ic = ip + 20;
		CHECK_INT(rte_pktmbuf_pkt_len(m), 14 + 20 + 64);
		CHECK(memcmp(p, MAC_PEER, 6) == 0 && memcmp(p + 6, MAC_US, 6) == 0);
		CHECK_INT(ip[0], 0x45);
		CHECK_INT(be16(ip + 2), 20 + 64);
		CHECK_INT(ip[8], 64);
		CHECK_INT(ip[9], 1);
		CHECK(memcmp(ip + 12, IP4_US, 4) == 0 && memcmp(ip + 16, IP4_PEER, 4) == 0);
		CHECK_INT(ref_fold(ref_add(ip, 20, 0)), 0xffff);
		CHECK_INT(ic[0], 0);
		CHECK_INT(be16(ic + 4), 0x4242);
		CHECK_INT(be16(ic + 6), 7);
		CHECK(memcmp(ic + 8, l4buf + 8, 56) == 0);
		CHECK_INT(ref_fold(ref_add(ic, 64, 0)), 0xffff);
		rte_pktmbuf_free(m);
	}
	CHECK_INT(verdict_of(fbuf, icmp4_frame(fbuf, 0, 8, 1)), NET_V_DROP_ICMP_CKSUM);
	CHECK_INT(verdict_of(fbuf, icmp4_frame(fbuf, 0, 13, 0)), NET_V_DROP_ICMP);
	CHECK_INT(verdict_of(fbuf, icmp4_frame(fbuf, 0, 0, 0)), NET_V_DROP_ICMP);
}

/* Neighbour solicitation for @p target from @p src to @p dst, with or without SLLA. */
static uint32_t
ns_frame(uint8_t *f, const uint8_t *src, const uint8_t *dst, const uint8_t *target, int slla,
	 uint8_t hop, int bad)
{
	struct pk k = pk6();
	uint32_t len = 24 + (slla ? 8 : 0);

	memset(l4buf, 0, len);
	l4buf[0] = 135;
	memcpy(l4buf + 8, target, 16);
	if (slla) {
		l4buf[24] = 1;
		l4buf[25] = 1;
		memcpy(l4buf + 26, MAC_PEER, 6);
	}
	put16(l4buf + 2, ref_cksum(ref_phdr(6, src, dst, 58, len) + ref_add(l4buf, len, 0)) ^
				 (bad ? 1 : 0));
	k.src = src;
	k.dst = dst;
	k.proto = 58;
	k.hop = hop;
	return build(f, &k, l4buf, len);
}

static void
check_na(struct rte_mbuf *m, const uint8_t *eth_dst, const uint8_t *ip_dst, uint8_t flags)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = p + 14, *ic = ip + 40;

	CHECK_INT(rte_pktmbuf_pkt_len(m), 14 + 40 + 32);
	CHECK(memcmp(p, eth_dst, 6) == 0 && memcmp(p + 6, MAC_US, 6) == 0);
	CHECK_INT(be16(p + 12), 0x86dd);
	CHECK_INT(ip[0] >> 4, 6);
	CHECK_INT(be16(ip + 4), 32);
	CHECK_INT(ip[6], 58);
	CHECK_INT(ip[7], 255);
	CHECK(memcmp(ip + 8, IP6_US, 16) == 0);
	CHECK(memcmp(ip + 24, ip_dst, 16) == 0);
	CHECK_INT(ic[0], 136);
	CHECK_INT(ic[1], 0);
	CHECK_INT(ic[4], flags);
	CHECK(memcmp(ic + 8, IP6_US, 16) == 0);
	CHECK_INT(ic[24], 2);
	CHECK_INT(ic[25], 1);
	CHECK(memcmp(ic + 26, MAC_US, 6) == 0);
	CHECK_INT(ref_fold(ref_phdr(6, ip + 8, ip + 24, 58, 32) + ref_add(ic, 32, 0)), 0xffff);
}

static void
test_nd(void)
{
	static const uint8_t unspec[16];
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct net_pkt res;
	struct rte_mbuf *m;
	uint32_t n;

	/* To the solicited-node group, with the asker's link-layer address. */
	n = ns_frame(fbuf, IP6_PEER, IP6_SOLICITED_US, IP6_US, 1, 255, 0);
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
	check_na(m, MAC_PEER, IP6_PEER, 0x60);
	rte_pktmbuf_free(m);

	/* Unicast NUD probe without options: the answer grows by 8 bytes. */
	n = ns_frame(fbuf, IP6_PEER, IP6_US, IP6_US, 0, 255, 0);
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
	check_na(m, MAC_PEER, IP6_PEER, 0x60);
	rte_pktmbuf_free(m);

	/* Duplicate address detection from ::: to all nodes, not solicited. */
	n = ns_frame(fbuf, unspec, IP6_SOLICITED_US, IP6_US, 0, 255, 0);
	m = mk(fbuf, n);
	CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
	check_na(m, all_nodes_mac, all_nodes, 0x20);
	rte_pktmbuf_free(m);

	CHECK_INT(verdict_of(fbuf, ns_frame(fbuf, unspec, IP6_SOLICITED_US, IP6_US, 1, 255, 0)),
		  NET_V_DROP_ICMP);
	CHECK_INT(verdict_of(fbuf, ns_frame(fbuf, IP6_PEER, IP6_SOLICITED_US, IP6_US, 1, 64, 0)),
		  NET_V_DROP_ICMP);
	CHECK_INT(verdict_of(fbuf, ns_frame(fbuf, IP6_PEER, IP6_SOLICITED_US, IP6_US, 1, 255, 1)),
		  NET_V_DROP_ICMP_CKSUM);
	CHECK_INT(verdict_of(fbuf, ns_frame(fbuf, IP6_PEER, IP6_US, IP6_OTHER, 1, 255, 0)),
		  NET_V_DROP_NOT_OURS);
	CHECK_INT(verdict_of(fbuf, ns_frame(fbuf, IP6_PEER, IP6_OTHER, IP6_US, 1, 255, 0)),
		  NET_V_DROP_NOT_OURS);
	/* An option of length 0 is invalid (RFC 4861 4.6). */
	n = ns_frame(fbuf, IP6_PEER, IP6_US, IP6_US, 1, 255, 0);
	{
		uint8_t *ic = fbuf + 14 + 40;
		uint32_t acc;

		ic[25] = 0;
		ic[2] = ic[3] = 0;
		acc = ref_phdr(6, IP6_PEER, IP6_US, 58, 32) + ref_add(ic, 32, 0);
		put16(ic + 2, ref_cksum(acc));
	}
	CHECK_INT(verdict_of(fbuf, n), NET_V_DROP_ICMP);
}

static uint32_t
echo6_frame(uint8_t *f, int hbh, int bad)
{
	static uint8_t ext[8] = { 58, 0, 1, 4, 0, 0, 0, 0 };
	struct pk k = pk6();
	uint32_t len = 8 + 40;

	memset(l4buf, 0, len);
	l4buf[0] = 128;
	put16(l4buf + 4, 0x77);
	put16(l4buf + 6, 3);
	for (uint32_t i = 8; i < len; i++)
		l4buf[i] = (uint8_t)(0xa0 + i);
	put16(l4buf + 2,
	      ref_cksum(ref_phdr(6, IP6_PEER, IP6_US, 58, len) + ref_add(l4buf, len, 0)) ^
		      (bad ? 1 : 0));
	k.proto = 58;
	if (hbh) {
		k.ext = ext;
		k.ext_len = 8;
		k.ext_first = 0;
	}
	return build(f, &k, l4buf, len);
}

static void
test_echo6(void)
{
	struct net_pkt res;
	struct rte_mbuf *m;
	const uint8_t *p, *ip, *ic;

	for (int hbh = 0; hbh <= 1; hbh++) {
		m = mk(fbuf, echo6_frame(fbuf, hbh, 0));
		CHECK_INT(classify(m, &res), NET_V_LOCAL_REPLY);
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		ip = p + 14;
		ic = ip + 40;
		CHECK_INT(rte_pktmbuf_pkt_len(m), 14 + 40 + 48);
		CHECK(memcmp(p, MAC_PEER, 6) == 0 && memcmp(p + 6, MAC_US, 6) == 0);
		CHECK_INT(be16(ip + 4), 48);
		CHECK_INT(ip[6], 58);
		CHECK_INT(ip[7], 64);
		CHECK(memcmp(ip + 8, IP6_US, 16) == 0 && memcmp(ip + 24, IP6_PEER, 16) == 0);
		CHECK_INT(ic[0], 129);
		CHECK_INT(be16(ic + 4), 0x77);
		CHECK(memcmp(ic + 8, l4buf + 8, 40) == 0);
		CHECK_INT(ref_fold(ref_phdr(6, ip + 8, ip + 24, 58, 48) + ref_add(ic, 48, 0)),
			  0xffff);
		rte_pktmbuf_free(m);
	}
	CHECK_INT(verdict_of(fbuf, echo6_frame(fbuf, 0, 1)), NET_V_DROP_ICMP_CKSUM);
}

/* Without own addresses: every SIP datagram is taken, nothing is answered. */
static void
test_no_addrs(void)
{
	struct net_config c2;
	struct net_lcore lc2;
	struct net_pkt res;
	struct pk k = pk4();
	struct rte_mbuf *m;
	uint32_t n;

	setup_cfg(&c2, 0);
	CHECK_INT(net_lcore_init(&lc2, &c2, SOCKET_ID_ANY), 0);
	k.dst = IP4_OTHER;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	m = mk(fbuf, n);
	CHECK_INT(net_classify(&lc2, m, now, &res), NET_V_SIP);
	rte_pktmbuf_free(m);
	k = pk6();
	k.dst = IP6_OTHER;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, 30));
	m = mk(fbuf, n);
	CHECK_INT(net_classify(&lc2, m, now, &res), NET_V_SIP);
	rte_pktmbuf_free(m);

	m = mk(fbuf, arp_frame(fbuf, -1, 1, IP4_US, BCAST));
	CHECK_INT(net_classify(&lc2, m, now, &res), NET_V_DROP_NOT_OURS);
	rte_pktmbuf_free(res.m);
	m = mk(fbuf, ns_frame(fbuf, IP6_PEER, IP6_SOLICITED_US, IP6_US, 1, 255, 0));
	CHECK_INT(net_classify(&lc2, m, now, &res), NET_V_DROP_NOT_OURS);
	rte_pktmbuf_free(res.m);
	m = mk(fbuf, icmp4_frame(fbuf, 0, 8, 0));
	CHECK_INT(net_classify(&lc2, m, now, &res), NET_V_DROP_NOT_OURS);
	rte_pktmbuf_free(res.m);
	net_lcore_fini(&lc2);
}

/* ---- fragments ---- */

#define MAXF 16
struct frags {
	uint8_t f[MAXF][2048];
	uint32_t len[MAXF];
	unsigned n;
};

/*
 * Fragment an IPv4 frame (untagged or tagged, no options) into frames of at
 * most @p mtu IP bytes, @p per payload bytes each (multiple of 8).
 */
static void
frag4(const uint8_t *frame, uint32_t flen, uint32_t l2, uint32_t per, struct frags *out)
{
	const uint8_t *ip = frame + l2;
	uint32_t plen = flen - l2 - 20;

	out->n = 0;
	for (uint32_t o = 0; o < plen; o += per) {
		uint32_t c = plen - o < per ? plen - o : per;
		uint8_t *f = out->f[out->n];
		uint8_t *h = f + l2;

		memcpy(f, frame, l2 + 20);
		memcpy(h + 20, ip + 20 + o, c);
		put16(h + 2, (uint16_t)(20 + c));
		put16(h + 6, (uint16_t)((o / 8) | (o + c < plen ? 0x2000 : 0)));
		put16(h + 10, 0);
		put16(h + 10, ref_cksum(ref_add(h, 20, 0)));
		out->len[out->n++] = l2 + 20 + c;
	}
}

/*
 * Fragment an IPv6 frame (no extension headers) into fragments of @p per
 * bytes; with @p hbh, each fragment carries an 8-byte hop-by-hop header
 * before the fragment header.
 */
static void
frag6(const uint8_t *frame, uint32_t flen, uint32_t l2, uint32_t per, int hbh, uint32_t id,
      struct frags *out)
{
	const uint8_t *ip = frame + l2;
	uint32_t plen = flen - l2 - 40;

	out->n = 0;
	for (uint32_t o = 0; o < plen; o += per) {
		uint32_t c = plen - o < per ? plen - o : per;
		uint8_t *f = out->f[out->n];
		uint8_t *h = f + l2;
		uint8_t *x = h + 40;

		memcpy(f, frame, l2 + 40);
		if (hbh) {
			h[6] = 0;
			memset(x, 0, 8);
			x[0] = 44;
			x[2] = 1;
			x[3] = 4;
			x += 8;
		} else {
			h[6] = 44;
		}
		x[0] = ip[6];
		x[1] = 0;
		put16(x + 2, (uint16_t)(o | (o + c < plen ? 1 : 0)));
		x[4] = (uint8_t)(id >> 24);
		x[5] = (uint8_t)(id >> 16);
		x[6] = (uint8_t)(id >> 8);
		x[7] = (uint8_t)id;
		memcpy(x + 8, ip + 40 + o, c);
		put16(h + 4, (uint16_t)((hbh ? 8 : 0) + 8 + c));
		out->len[out->n++] = (uint32_t)(x + 8 - f) + c;
	}
}

static struct frags fr, fr2;

/* Feed fragments in @p order; the verdict of the last one, its result in @p res. */
static enum net_verdict
feed(const struct frags *x, const unsigned *order, unsigned n, struct net_pkt *res)
{
	enum net_verdict v = NET_V_DROP_TRUNCATED;

	for (unsigned i = 0; i < n; i++) {
		v = classify(mk(x->f[order[i]], x->len[order[i]]), res);
		if (i + 1 < n)
			CHECK_INT(v, NET_V_HELD);
	}
	return v;
}

static uint32_t
big_udp(int fam, int vlan, uint32_t plen, int bad)
{
	static uint16_t id = 0x4321;
	struct pk k = fam == 4 ? pk4() : pk6();

	k.vlan = vlan;
	k.bad_csum = bad;
	k.ip_id = id++; /* a new datagram each time, as a sender would */
	memcpy(l4buf + 8, "NOTIFY sip:x SIP/2.0\r\n", 22);
	for (uint32_t i = 22; i < plen; i++)
		l4buf[8 + i] = (uint8_t)('A' + (i * 7) % 26);
	return build(fbuf, &k, l4buf, 8 + plen);
}

static void
check_whole(enum net_verdict v, const struct net_pkt *res, uint32_t plen, unsigned nfrag)
{
	const uint8_t *view;

	CHECK_INT(v, NET_V_SIP);
	if (v != NET_V_SIP)
		return;
	CHECK_INT(res->reassembled, 1);
	CHECK_INT(res->m->nb_segs, nfrag);
	CHECK_INT(res->payload_len, plen);
	view = net_payload_view(res, scratch);
	CHECK(view != NULL && memcmp(view, l4buf + 8, plen) == 0);
}

static void
test_frag4(void)
{
	static const unsigned in_order[] = { 0, 1, 2 }, shuffled[] = { 2, 0, 1 };
	struct net_pkt res;
	enum net_verdict v;
	uint32_t n, plen = 3000;
	uint64_t held0 = lc.frag_stats[NET_FRAG_HELD];

	n = big_udp(4, -1, plen, 0);
	frag4(fbuf, n, 14, 1480, &fr);
	CHECK_INT(fr.n, 3);
	v = feed(&fr, in_order, 3, &res);
	check_whole(v, &res, plen, 3);
	CHECK_INT(res.src.port, 5062);
	rte_pktmbuf_free(res.m);
	CHECK_INT(lc.frag_stats[NET_FRAG_HELD] - held0, 2);

	v = feed(&fr, shuffled, 3, &res);
	check_whole(v, &res, plen, 3);
	rte_pktmbuf_free(res.m);

	/* Tagged, small fragments, in a scrambled order. */
	n = big_udp(4, 9, 2900, 0);
	frag4(fbuf, n, 18, 368, &fr);
	CHECK_INT(fr.n, 8);
	{
		static const unsigned o8[] = { 7, 3, 5, 0, 1, 6, 2, 4 };

		v = feed(&fr, o8, 8, &res);
		check_whole(v, &res, 2900, 8);
		CHECK_INT(res.vlan_tci, 9);
		rte_pktmbuf_free(res.m);
	}
	/*
	 * Nine fragments: more than rte_ip_frag's 8 (the long sets are in
	 * test_reasm.c).
	 */
	n = big_udp(4, -1, 2900, 0);
	frag4(fbuf, n, 14, 328, &fr);
	CHECK_INT(fr.n, 9);
	{
		static const unsigned o9[] = { 8, 0, 7, 1, 6, 2, 5, 3, 4 };

		v = feed(&fr, o9, 9, &res);
		check_whole(v, &res, 2900, 9);
		rte_pktmbuf_free(res.m);
	}

	/* Reassembled, then the whole fails its UDP checksum. */
	n = big_udp(4, -1, plen, 1);
	frag4(fbuf, n, 14, 1480, &fr);
	v = feed(&fr, in_order, 3, &res);
	CHECK_INT(v, NET_V_DROP_UDP_CKSUM);
	CHECK(res.m != NULL);
	rte_pktmbuf_free(res.m);

	/* A fragment with a bad header checksum never reaches the table. */
	n = big_udp(4, -1, plen, 0);
	frag4(fbuf, n, 14, 1480, &fr);
	fr.f[1][14 + 10] ^= 0xff;
	CHECK_INT(verdict_of(fr.f[1], fr.len[1]), NET_V_DROP_IP_CKSUM);

	/* Duplicate first fragment: the copy is dropped, the datagram goes on. */
	frag4(fbuf, n, 14, 1480, &fr);
	{
		static const unsigned rest[] = { 1, 2 };
		uint64_t d0 = lc.frag_stats[NET_FRAG_DROP];

		CHECK_INT(verdict_of(fr.f[0], fr.len[0]), NET_V_HELD);
		CHECK_INT(verdict_of(fr.f[0], fr.len[0]), NET_V_DROP_FRAG_BAD);
		CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, 1);
		v = feed(&fr, rest, 2, &res);
		check_whole(v, &res, plen, 3);
		rte_pktmbuf_free(res.m);
	}

	/* Not a multiple of 8 with more to come; empty; beyond 64 KiB. */
	memcpy(fbuf2, fr.f[0], fr.len[0]);
	put16(fbuf2 + 14 + 2, 20 + 1001);
	put16(fbuf2 + 14 + 10, 0);
	put16(fbuf2 + 14 + 10, ref_cksum(ref_add(fbuf2 + 14, 20, 0)));
	CHECK_INT(verdict_of(fbuf2, 14 + 20 + 1001), NET_V_DROP_FRAG_BAD);
	memcpy(fbuf2, fr.f[1], fr.len[1]);
	put16(fbuf2 + 14 + 2, 20);
	put16(fbuf2 + 14 + 10, 0);
	put16(fbuf2 + 14 + 10, ref_cksum(ref_add(fbuf2 + 14, 20, 0)));
	CHECK_INT(verdict_of(fbuf2, 14 + 20), NET_V_DROP_FRAG_BAD);
	memcpy(fbuf2, fr.f[2], fr.len[2]);
	put16(fbuf2 + 14 + 6, 8190); /* offset 65520 */
	put16(fbuf2 + 14 + 10, 0);
	put16(fbuf2 + 14 + 10, ref_cksum(ref_add(fbuf2 + 14, 20, 0)));
	CHECK_INT(verdict_of(fbuf2, fr.len[2]), NET_V_DROP_FRAG_BAD);

	/* Fragments addressed to someone else are not kept. */
	{
		struct pk k = pk4();

		k.dst = IP4_OTHER;
		memcpy(l4buf + 8, "x", 1);
		n = build(fbuf2, &k, l4buf, 8 + 3000);
		frag4(fbuf2, n, 14, 1480, &fr2);
		CHECK_INT(verdict_of(fr2.f[0], fr2.len[0]), NET_V_DROP_NOT_OURS);
	}
}

/* One fragment missing: held until the timeout, then dropped and counted. */
static void
test_frag_timeout(void)
{
	struct net_pkt res;
	uint32_t n = big_udp(4, -1, 3000, 0);
	uint64_t t0 = lc.frag_stats[NET_FRAG_TIMEOUT];
	uint64_t f0 = lc.frag_stats[NET_FRAG_FREED];

	net_frag_expire(&lc, now + lc.frag_ttl_cycles + 1); /* clean slate */
	net_frag_flush(&lc);
	t0 = lc.frag_stats[NET_FRAG_TIMEOUT];
	f0 = lc.frag_stats[NET_FRAG_FREED];
	frag4(fbuf, n, 14, 1480, &fr);
	CHECK_INT(classify(mk(fr.f[0], fr.len[0]), &res), NET_V_HELD);
	CHECK(res.m == NULL);
	CHECK_INT(classify(mk(fr.f[2], fr.len[2]), &res), NET_V_HELD);
	CHECK_INT(net_frag_expire(&lc, now + lc.frag_ttl_cycles / 2), 0);
	CHECK_INT(net_frag_expire(&lc, now + lc.frag_ttl_cycles + 1), 2);
	CHECK_INT(lc.frag_stats[NET_FRAG_TIMEOUT] - t0, 2);
	CHECK_INT(net_frag_flush(&lc), 2);
	CHECK_INT(lc.frag_stats[NET_FRAG_FREED] - f0, 2);
	/* The missing one arriving late starts a new, incomplete datagram. */
	CHECK_INT(classify(mk(fr.f[1], fr.len[1]), &res), NET_V_HELD);

	/* Eviction on the way: a stale datagram is counted when its key comes back. */
	now += 10 * lc.frag_ttl_cycles;
	t0 = lc.frag_stats[NET_FRAG_TIMEOUT];
	CHECK_INT(classify(mk(fr.f[0], fr.len[0]), &res), NET_V_HELD);
	CHECK_INT(lc.frag_stats[NET_FRAG_TIMEOUT] - t0, 1);
	CHECK_INT(classify(mk(fr.f[2], fr.len[2]), &res), NET_V_HELD);
	CHECK_INT(classify(mk(fr.f[1], fr.len[1]), &res), NET_V_SIP);
	rte_pktmbuf_free(res.m);
	net_frag_flush(&lc);
}

static void
test_frag_full(void)
{
	struct net_pkt res;
	uint64_t d0;

	now += 10 * lc.frag_ttl_cycles;
	net_frag_expire(&lc, now);
	net_frag_flush(&lc);
	d0 = lc.frag_stats[NET_FRAG_DROP];
	/*
	 * frag_max_entries = 4: four datagrams in flight, the fifth evicts
	 * the oldest (its one fragment counted as a drop).
	 */
	for (unsigned i = 0; i < 5; i++) {
		struct pk k = pk4();
		uint32_t n;

		k.ip_id = (uint16_t)(100 + i);
		n = build(fbuf, &k, l4buf, 8 + 3000);
		frag4(fbuf, n, 14, 1480, &fr);
		CHECK_INT(classify(mk(fr.f[0], fr.len[0]), &res), NET_V_HELD);
		CHECK_INT(lc.frag_stats[NET_FRAG_DROP] - d0, i < 4 ? 0 : 1);
	}
	/* Once they time out there is room again. */
	now += lc.frag_ttl_cycles + 1;
	{
		struct pk k = pk4();
		uint32_t n;

		k.ip_id = 200;
		n = build(fbuf, &k, l4buf, 8 + 3000);
		frag4(fbuf, n, 14, 1480, &fr);
		CHECK_INT(classify(mk(fr.f[0], fr.len[0]), &res), NET_V_HELD);
	}
	now += lc.frag_ttl_cycles + 1;
	CHECK(net_frag_expire(&lc, now) >= 1);
	net_frag_flush(&lc);
}

static void
test_frag6(void)
{
	static const unsigned in_order[] = { 0, 1, 2 }, shuffled[] = { 1, 2, 0 };
	struct net_pkt res;
	enum net_verdict v;
	uint32_t n, plen = 3000;

	n = big_udp(6, -1, plen, 0);
	frag6(fbuf, n, 14, 1448, 0, 0xabcdef01, &fr);
	CHECK_INT(fr.n, 3);
	v = feed(&fr, in_order, 3, &res);
	check_whole(v, &res, plen, 3);
	CHECK_INT(res.l3_len, 40);
	CHECK_INT(res.src.family, 6);
	rte_pktmbuf_free(res.m);

	v = feed(&fr, shuffled, 3, &res);
	check_whole(v, &res, plen, 3);
	rte_pktmbuf_free(res.m);

	/* Hop-by-hop before the fragment header, tagged. */
	n = big_udp(6, 33, plen, 0);
	frag6(fbuf, n, 18, 1440, 1, 7, &fr);
	v = feed(&fr, shuffled, 3, &res);
	check_whole(v, &res, plen, 3);
	CHECK_INT(res.l3_len, 40);
	CHECK_INT(res.vlan_tci, 33);
	rte_pktmbuf_free(res.m);

	/* One missing: timed out. */
	now += 10 * lc.frag_ttl_cycles;
	net_frag_expire(&lc, now);
	net_frag_flush(&lc);
	n = big_udp(6, -1, plen, 0);
	frag6(fbuf, n, 14, 1448, 0, 99, &fr);
	CHECK_INT(verdict_of(fr.f[0], fr.len[0]), NET_V_HELD);
	CHECK_INT(verdict_of(fr.f[1], fr.len[1]), NET_V_HELD);
	CHECK_INT(net_frag_expire(&lc, now + lc.frag_ttl_cycles + 1), 2);
	net_frag_flush(&lc);

	/* Bad UDP checksum of the whole, and a fragment not a multiple of 8. */
	n = big_udp(6, -1, plen, 1);
	frag6(fbuf, n, 14, 1448, 0, 100, &fr);
	v = feed(&fr, in_order, 3, &res);
	CHECK_INT(v, NET_V_DROP_UDP_CKSUM);
	rte_pktmbuf_free(res.m);
	n = big_udp(6, -1, plen, 0);
	frag6(fbuf, n, 14, 1452 - 4, 0, 101, &fr);
	memcpy(fbuf2, fr.f[0], fr.len[0]);
	put16(fbuf2 + 14 + 4, (uint16_t)(be16(fbuf2 + 14 + 4) - 3));
	CHECK_INT(verdict_of(fbuf2, fr.len[0] - 3), NET_V_DROP_FRAG_BAD);
	net_frag_flush(&lc);
}

/* ---- replies ---- */

static const char REPLY[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bK1;"
			    "received=192.0.2.20;rport=5062\r\nContent-Length: 0\r\n\r\n";

/* Check a reply frame: headers, lengths and checksums, payload. */
static void
check_reply(const uint8_t *p, uint32_t len, int fam, int vlan, const uint8_t *src_ip,
	    const uint8_t *dst_ip, uint16_t dport, const void *payload, uint32_t plen,
	    int udp_offloaded)
{
	uint32_t l2 = vlan >= 0 ? 18 : 14;
	const uint8_t *ip = p + l2, *u;
	uint32_t ulen = 8 + plen;

	CHECK(memcmp(p, MAC_PEER, 6) == 0);
	CHECK(memcmp(p + 6, MAC_US, 6) == 0);
	if (vlan >= 0) {
		CHECK_INT(be16(p + 12), 0x8100);
		CHECK_INT(be16(p + 14), vlan);
	}
	CHECK_INT(be16(p + l2 - 2), fam == 4 ? 0x0800 : 0x86dd);
	if (fam == 4) {
		CHECK_INT(len, l2 + 20 + ulen);
		CHECK_INT(ip[0], 0x45);
		CHECK_INT(be16(ip + 2), 20 + ulen);
		CHECK_INT(be16(ip + 6), 0x4000); /* DF */
		CHECK_INT(ip[8], 64);
		CHECK_INT(ip[9], 17);
		CHECK(memcmp(ip + 12, src_ip, 4) == 0 && memcmp(ip + 16, dst_ip, 4) == 0);
		if (!udp_offloaded)
			CHECK_INT(ref_fold(ref_add(ip, 20, 0)), 0xffff);
		u = ip + 20;
	} else {
		CHECK_INT(len, l2 + 40 + ulen);
		CHECK_INT(ip[0] >> 4, 6);
		CHECK_INT(be16(ip + 4), ulen);
		CHECK_INT(ip[6], 17);
		CHECK_INT(ip[7], 64);
		CHECK(memcmp(ip + 8, src_ip, 16) == 0 && memcmp(ip + 24, dst_ip, 16) == 0);
		u = ip + 40;
	}
	CHECK_INT(be16(u), 5060);
	CHECK_INT(be16(u + 2), dport);
	CHECK_INT(be16(u + 4), ulen);
	CHECK(memcmp(u + 8, payload, plen) == 0);
	if (udp_offloaded) {
		/* The NIC expects the pseudo-header sum, not inverted. */
		CHECK_INT(be16(u + 6), ref_fold(ref_phdr(fam, fam == 4 ? ip + 12 : ip + 8,
						       fam == 4 ? ip + 16 : ip + 24, 17, ulen)));
	} else {
		CHECK(be16(u + 6) != 0);
		CHECK_INT(ref_fold(ref_phdr(fam, fam == 4 ? ip + 12 : ip + 8,
					   fam == 4 ? ip + 16 : ip + 24, 17, ulen) +
				   ref_add(u, ulen, 0)),
			  0xffff);
	}
}

static struct rte_mbuf *
classified(const uint8_t *f, uint32_t n, struct net_pkt *res)
{
	struct rte_mbuf *m = mk(f, n);

	CHECK_INT(classify(m, res), NET_V_SIP);
	return res->m;
}

static void
test_reply(void)
{
	struct net_tx tx = { .offloads = 0, .mtu = 1500, .ip_id = 1 };
	struct rte_mbuf *out[64], *m;
	struct net_pkt res;
	struct sip_endpoint to;
	struct pk k;
	uint32_t n, rl = sizeof(REPLY) - 1;

	/* IPv4, software checksums, to the request's source. */
	k = pk4();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = classified(fbuf, n, &res);
	to = res.src;
	CHECK_INT(net_reply_build(m, &res, &to, REPLY, rl, &tx, out, 64), 1);
	CHECK(out[0] == m);
	CHECK_INT(m->nb_segs, 1);
	CHECK_INT(tx.ip_id, 2);
	check_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m), 4, -1, IP4_US,
		    IP4_PEER, 5062, REPLY, rl, 0);
	CHECK_INT(be16(rte_pktmbuf_mtod(m, uint8_t *) + 14 + 4), 1);
	CHECK((m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM)) == 0);
	rte_pktmbuf_free(m);

	/* IPv4 with offloads, a Via maddr elsewhere: still to the sender's MAC. */
	tx.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	k.ip4_opts = 12;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = classified(fbuf, n, &res);
	to = (struct sip_endpoint){ .family = 4, .addr = { 203, 0, 113, 5 }, .port = 5070 };
	CHECK_INT(net_reply_build(m, &res, &to, REPLY, rl, &tx, out, 64), 1);
	check_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m), 4, -1, IP4_US,
		    to.addr, 5070, REPLY, rl, 1);
	CHECK((m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			      RTE_MBUF_F_TX_UDP_CKSUM)) ==
	      (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM));
	CHECK_INT(m->l2_len, 14);
	CHECK_INT(m->l3_len, 20);
	CHECK_INT(be16(rte_pktmbuf_mtod(m, uint8_t *) + 14 + 10), 0);
	rte_pktmbuf_free(m);
	tx.offloads = 0;

	/* IPv6, tagged; the payload aliases the request's own payload. */
	k = pk6();
	k.vlan = 0x0123;
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = classified(fbuf, n, &res);
	to = res.src;
	CHECK_INT(net_reply_build(m, &res, &to, res.payload, res.payload_len, &tx, out, 64), 1);
	check_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m), 6, 0x0123, IP6_US,
		    IP6_PEER, 5062, SIPMSG, sizeof(SIPMSG) - 1, 0);
	rte_pktmbuf_free(m);

	/* IPv6 with a hop-by-hop header in the request: dropped in the reply. */
	{
		static uint8_t ext[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };

		k = pk6();
		k.ext = ext;
		k.ext_len = 8;
		k.ext_first = 0;
		n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
		m = classified(fbuf, n, &res);
		tx.offloads = RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		CHECK_INT(net_reply_build(m, &res, &res.src, REPLY, rl, &tx, out, 64), 1);
		check_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m), 6, -1, IP6_US,
			    IP6_PEER, 5062, REPLY, rl, 1);
		CHECK((m->ol_flags & (RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM)) ==
		      (RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM));
		rte_pktmbuf_free(m);
		tx.offloads = 0;
	}

	/* Tag stripped by the NIC: written into the reply frame. */
	k = pk4();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = mk(fbuf, n);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 500;
	CHECK_INT(classify(m, &res), NET_V_SIP);
	CHECK_INT(net_reply_build(m, &res, &res.src, REPLY, rl, &tx, out, 64), 1);
	check_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m), 4, 500, IP4_US,
		    IP4_PEER, 5062, REPLY, rl, 0);
	CHECK((m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) == 0);
	rte_pktmbuf_free(m);

	/* Family mismatch, oversize without fragmentation pools, no room in out[]. */
	k = pk4();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = classified(fbuf, n, &res);
	to = (struct sip_endpoint){ .family = 6, .port = 5060 };
	CHECK_INT(net_reply_build(m, &res, &to, REPLY, rl, &tx, out, 64), -EAFNOSUPPORT);
	CHECK_INT(net_reply_build(m, &res, &res.src, l4buf, 1600, &tx, out, 64), -EMSGSIZE);
	CHECK_INT(net_reply_build(m, &res, &res.src, REPLY, rl, &tx, out, 0), -EMSGSIZE);
	CHECK_INT(net_reply_build(m, &res, &res.src, l4buf, 70000, &tx, out, 64), -EMSGSIZE);
	/* Shared: not written. */
	rte_mbuf_refcnt_update(m, 1);
	CHECK_INT(net_reply_build(m, &res, &res.src, REPLY, rl, &tx, out, 64), -EBUSY);
	rte_mbuf_refcnt_update(m, -1);
	/* The request is untouched by all of those. */
	CHECK_INT(rte_pktmbuf_pkt_len(m), n);
	CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), fbuf, n) == 0);
	rte_pktmbuf_free(m);
}

static void
test_reply_multiseg_and_fresh(void)
{
	struct net_tx tx = { .offloads = 0, .mtu = 1500, .ip_id = 7 };
	struct rte_mbuf *out[64], *m;
	struct net_pkt res;
	uint8_t flatb[FRAME_MAX];
	uint32_t n, rl = sizeof(REPLY) - 1, fl;
	static const unsigned order[] = { 0, 1, 2 };

	/* A reassembled request: extra segments freed, the first reused. */
	n = big_udp(4, -1, 3000, 0);
	frag4(fbuf, n, 14, 1480, &fr);
	CHECK_INT(feed(&fr, order, 3, &res), NET_V_SIP);
	m = res.m;
	CHECK_INT(m->nb_segs, 3);
	CHECK_INT(net_reply_build(m, &res, &res.src, REPLY, rl, &tx, out, 64), 1);
	CHECK(out[0] == m);
	CHECK_INT(m->nb_segs, 1);
	CHECK(m->next == NULL);
	check_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m), 4, -1, IP4_US,
		    IP4_PEER, 5062, REPLY, rl, 0);
	rte_pktmbuf_free(m);

	/* Does not fit the request's mbuf (256-byte room): -ENOSPC, then a fresh chain. */
	{
		struct pk k = pk4();
		struct rte_mbuf *sm;
		char *p;
		uint32_t big = 1200;

		n = build(fbuf, &k, l4buf, udp_msg(l4buf, "OPTIONS", 7));
		sm = rte_pktmbuf_alloc(small_pool);
		CHECK(sm != NULL);
		p = rte_pktmbuf_append(sm, (uint16_t)n);
		memcpy(p, fbuf, n);
		CHECK_INT(classify(sm, &res), NET_V_SIP);
		for (uint32_t i = 0; i < big; i++)
			fbuf2[i] = (uint8_t)(i * 13);
		CHECK_INT(net_reply_build(sm, &res, &res.src, fbuf2, big, &tx, out, 64), -ENOSPC);
		CHECK_INT(rte_pktmbuf_pkt_len(sm), n);
		rte_pktmbuf_free(sm);
		CHECK_INT(net_reply_alloc(small_pool, &res, &res.src, fbuf2, big, &tx, out, 64),
			  1);
		CHECK(out[0]->nb_segs > 1);
		fl = flat(out[0], flatb);
		CHECK_INT(fl, rte_pktmbuf_pkt_len(out[0]));
		check_reply(flatb, fl, 4, -1, IP4_US, IP4_PEER, 5062, fbuf2, big, 0);
		rte_pktmbuf_free(out[0]);
	}
}

/* Copy each (chained) fragment into a flat single-segment mbuf, as a wire would. */
static struct rte_mbuf *
wire(struct rte_mbuf *f)
{
	uint8_t b[2048];
	uint32_t n = flat(f, b);

	rte_pktmbuf_free(f);
	return mk(b, n);
}

static void
test_reply_fragmented(void)
{
	struct net_tx tx = { .offloads = 0, .mtu = 1500, .ip_id = 0x1000 };
	struct rte_mbuf *out[64], *m;
	struct net_pkt res, back;
	struct net_config pc;
	struct net_lcore plc;
	struct pk k;
	uint32_t n, big = 5000, fits = 1900;
	int nf;

	tx.frag_direct = pool;
	tx.frag_indirect = ind_pool;
	for (uint32_t i = 0; i < big; i++)
		fbuf2[i] = (uint8_t)('a' + i % 23);

	/* The peer's side: accepts anything to port 5062. */
	setup_cfg(&pc, 0);
	pc.sip_port = 5062;
	CHECK_INT(net_lcore_init(&plc, &pc, SOCKET_ID_ANY), 0);

	for (int fam = 4; fam <= 6; fam += 2) {
		for (int off = 0; off <= 1; off++) {
			const uint8_t *view;

			tx.offloads = off ? RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
						    RTE_ETH_TX_OFFLOAD_UDP_CKSUM
					  : 0;
			k = fam == 4 ? pk4() : pk6();
			k.vlan = off ? 12 : -1;
			n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
			m = classified(fbuf, n, &res);
			/* Fits the 2 KiB mbuf, not the 1500-byte MTU: two fragments. */
			nf = net_reply_build(m, &res, &res.src, fbuf2, fits, &tx, out, 64);
			CHECK_INT(nf, 2);
			if (nf <= 0)
				continue;
			for (int i = 0; i < nf; i++) {
				struct rte_mbuf *w;
				const uint8_t *p = rte_pktmbuf_mtod(out[i], const uint8_t *);
				uint32_t l2 = off ? 18 : 14;

				CHECK(rte_pktmbuf_pkt_len(out[i]) <= l2 + 1500);
				CHECK(memcmp(p, MAC_PEER, 6) == 0);
				if (off) {
					CHECK_INT(be16(p + 14), 12);
				}
				if (fam == 4 && off) {
					CHECK(out[i]->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
					CHECK((out[i]->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM) == 0);
				}
				w = wire(out[i]);
				if (fam == 4 && off) {
					/* What the NIC would have done to the header. */
					uint8_t *ip = rte_pktmbuf_mtod_offset(w, uint8_t *, l2);

					put16(ip + 10, 0);
					put16(ip + 10, ref_cksum(ref_add(ip, 20, 0)));
				}
				if (fam == 4) {
					const uint8_t *ip =
						rte_pktmbuf_mtod_offset(w, const uint8_t *, l2);

					CHECK_INT(ref_fold(ref_add(ip, 20, 0)), 0xffff);
					CHECK_INT(be16(ip + 4), tx.ip_id - 1);
				}
				CHECK_INT(net_classify(&plc, w, now, &back),
					  i + 1 < nf ? NET_V_HELD : NET_V_SIP);
			}
			view = net_payload_view(&back, scratch);
			CHECK_INT(back.payload_len, fits);
			CHECK(view != NULL && memcmp(view, fbuf2, fits) == 0);
			CHECK_INT(back.src.port, 5060);
			CHECK_INT(back.dst.port, 5062);
			rte_pktmbuf_free(back.m);
		}
	}
	tx.offloads = 0;

	/* Too many fragments for out[]: refused before anything is written. */
	k = pk4();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = classified(fbuf, n, &res);
	CHECK_INT(net_reply_build(m, &res, &res.src, fbuf2, fits, &tx, out, 1), -EMSGSIZE);
	CHECK_INT(net_reply_build(m, &res, &res.src, fbuf2, big, &tx, out, 64), -ENOSPC);
	CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), fbuf, n) == 0);
	/* A fresh mbuf, fragmented. */
	nf = net_reply_alloc(pool, &res, &res.src, fbuf2, big, &tx, out, 64);
	CHECK_INT(nf, 4);
	for (int i = 0; i < nf; i++)
		CHECK_INT(net_classify(&plc, wire(out[i]), now, &back),
			  i + 1 < nf ? NET_V_HELD : NET_V_SIP);
	CHECK(back.payload_len == big &&
	      memcmp(net_payload_view(&back, scratch), fbuf2, big) == 0);
	rte_pktmbuf_free(back.m);
	rte_pktmbuf_free(m);
	net_lcore_fini(&plc);
}

static uint64_t
rnd(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/*
 * Hostile input: valid frames of every kind with random bytes flipped, cut
 * short or padded, and random fragments. Nothing may crash or read out of
 * bounds (ASan build), and every mbuf must come back (checked in main()).
 */
static void
test_mutations(void)
{
	struct net_tx tx = { .mtu = 1500, .frag_direct = pool, .frag_indirect = ind_pool };
	uint64_t r = 0x9e3779b97f4a7c15ull;
	uint32_t base_len[8];
	static uint8_t base[8][4096];
	unsigned counts[NET_V__COUNT] = { 0 };
	uint32_t n;

	{
		struct pk k = pk4();
		static uint8_t ext[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };

		base_len[0] = build(base[0], &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
		k = pk6();
		k.ext = ext;
		k.ext_len = 8;
		k.vlan = 3;
		base_len[1] = build(base[1], &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
		base_len[2] = arp_frame(base[2], -1, 1, IP4_US, BCAST);
		base_len[3] = ns_frame(base[3], IP6_PEER, IP6_SOLICITED_US, IP6_US, 1, 255, 0);
		base_len[4] = icmp4_frame(base[4], 4, 8, 0);
		base_len[5] = echo6_frame(base[5], 1, 0);
		n = big_udp(4, 5, 3000, 0);
		frag4(fbuf, n, 18, 1480, &fr);
		memcpy(base[6], fr.f[1], fr.len[1]);
		base_len[6] = fr.len[1];
		n = big_udp(6, -1, 3000, 0);
		frag6(fbuf, n, 14, 1448, 1, 5, &fr2);
		memcpy(base[7], fr2.f[0], fr2.len[0]);
		base_len[7] = fr2.len[0];
	}
	for (unsigned it = 0; it < 30000; it++) {
		unsigned b = (unsigned)(rnd(&r) % 8), flips = (unsigned)(rnd(&r) % 4);
		uint32_t len = base_len[b];
		struct net_pkt res;
		enum net_verdict v;
		struct rte_mbuf *m, *out[8];

		memcpy(fbuf2, base[b], len);
		for (unsigned i = 0; i < flips; i++) {
			uint32_t at = (uint32_t)(rnd(&r) % len);

			fbuf2[at] ^= (uint8_t)(1u << (rnd(&r) % 8));
		}
		/* Mostly in the headers, where the decisions are. */
		if (rnd(&r) % 2) {
			uint32_t at = (uint32_t)(rnd(&r) % (len < 80 ? len : 80));

			fbuf2[at] = (uint8_t)rnd(&r);
		}
		switch (rnd(&r) % 4) {
		case 0:
			len = (uint32_t)(rnd(&r) % (len + 1));
			break;
		case 1:
			for (unsigned i = 0; i < 16; i++)
				fbuf2[len + i] = (uint8_t)rnd(&r);
			len += (uint32_t)(rnd(&r) % 17);
			break;
		default:
			break;
		}
		if (len == 0)
			len = 1;
		if (rnd(&r) % 4 == 0 && len > 60)
			m = mk_chain(fbuf2, len, 40 + (uint32_t)(rnd(&r) % 20), 61);
		else
			m = mk(fbuf2, len);
		if (rnd(&r) % 8 == 0)
			m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		v = net_classify(&lc, m, now, &res);
		counts[v]++;
		if (v == NET_V_SIP) {
			CHECK(res.payload_off + res.payload_len <= rte_pktmbuf_pkt_len(res.m));
			CHECK(net_payload_view(&res, scratch) != NULL);
			if (rnd(&r) % 2) {
				uint32_t rl = (uint32_t)(rnd(&r) % sizeof(REPLY));
				int k = net_reply_build(res.m, &res, &res.src, REPLY, rl, &tx, out, 8);

				if (k > 0) {
					for (int i = 0; i < k; i++)
						rte_pktmbuf_free(out[i]);
					res.m = NULL;
				}
			}
		}
		if (v != NET_V_HELD)
			rte_pktmbuf_free(res.m);
		if (it % 64 == 0) {
			now += lc.frag_ttl_cycles / 4;
			net_frag_expire(&lc, now);
		}
		net_frag_flush(&lc);
	}
	/* The mix reached the interesting verdicts, not just one early drop. */
	CHECK(counts[NET_V_SIP] > 100);
	CHECK(counts[NET_V_LOCAL_REPLY] > 100);
	CHECK(counts[NET_V_HELD] > 100);
	CHECK(counts[NET_V_DROP_TRUNCATED] > 100);
	now += 10 * lc.frag_ttl_cycles;
	net_frag_expire(&lc, now);
	net_frag_flush(&lc);
}

static void
test_names(void)
{
	CHECK(strcmp(net_verdict_name(NET_V_SIP), "sip") == 0);
	CHECK(strcmp(net_verdict_name(NET_V_DROP_FRAG_FULL), "drop_frag_full") == 0);
	CHECK(strcmp(net_verdict_name(NET_V__COUNT), "?") == 0);
	CHECK(strcmp(net_frag_counter_name(NET_FRAG_TIMEOUT), "frag_timeout") == 0);
	CHECK(net_verdict_is_drop(NET_V_DROP_TRUNCATED));
	CHECK(!net_verdict_is_drop(NET_V_HELD));
	for (int v = 0; v < NET_V__COUNT; v++)
		CHECK(net_verdict_help((enum net_verdict)v)[0] != '\0');
}

static void
test_init_errors(void)
{
	struct net_config c;
	struct net_lcore l;

	setup_cfg(&c, 1);
	c.frag_max_entries = 0;
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), -EINVAL);
	setup_cfg(&c, 1);
	c.n_ip4 = NET_MAX_ADDRS + 1;
	CHECK_INT(net_lcore_init(&l, &c, SOCKET_ID_ANY), -EINVAL);
	CHECK_INT(net_lcore_init(&l, NULL, SOCKET_ID_ANY), -EINVAL);
	net_lcore_fini(&l);
}

static void test_reply_fragmented_flat(void);

int
main(void)
{
	char prefix[64];
	char *args[] = { "test_net", "-l", "0-1", "--no-huge", "-m", "256", "--no-pci",
			 "--no-shconf", "--log-level=lib.eal:error", "--file-prefix", prefix };
	unsigned used;

	snprintf(prefix, sizeof(prefix), "test_net_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(args), args) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("t_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	small_pool = rte_pktmbuf_pool_create("t_small", 255, 0, 0, 256 + RTE_PKTMBUF_HEADROOM,
					     SOCKET_ID_ANY);
	ind_pool = rte_pktmbuf_pool_create("t_ind", 255, 0, 0, 0, SOCKET_ID_ANY);
	if (pool == NULL || small_pool == NULL || ind_pool == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	setup_cfg(&cfg, 1);
	if (net_lcore_init(&lc, &cfg, SOCKET_ID_ANY) != 0) {
		fprintf(stderr, "net_lcore_init failed\n");
		return 2;
	}

	test_names();
	test_init_errors();
	test_udp4();
	test_udp4_drops();
	test_vlan();
	test_udp6();
	test_multiseg_input();
	test_arp();
	test_icmp4();
	test_nd();
	test_echo6();
	test_no_addrs();
	test_frag4();
	test_frag_timeout();
	test_frag_full();
	test_frag6();
	test_reply();
	test_reply_multiseg_and_fresh();
	test_reply_fragmented();
	test_reply_fragmented_flat();
	test_mutations();

	/* Nothing leaked: every mbuf is back in its pool. */
	now += 100 * lc.frag_ttl_cycles;
	net_frag_expire(&lc, now);
	net_lcore_fini(&lc);
	used = rte_mempool_in_use_count(pool) + rte_mempool_in_use_count(small_pool) +
	       rte_mempool_in_use_count(ind_pool);
	CHECK_INT(used, 0);
	rte_mempool_free(pool);
	rte_mempool_free(small_pool);
	rte_mempool_free(ind_pool);
	rte_eal_cleanup();
	return check_exit();
}

/*
 * Audit (rulebook SIP torture, long To/Via): a port without multi-segment
 * TX (net_pcap) gets only the direct pool. Replies above the MTU were
 * refused (-EMSGSIZE) and the answer silently dropped; they are now copied
 * into one flat mbuf per fragment, which the peer reassembles.
 */
static void
test_reply_fragmented_flat(void)
{
	struct net_tx tx = { .offloads = 0, .mtu = 1500, .ip_id = 0x2000, .frag_direct = pool };
	struct rte_mbuf *out[64], *m;
	struct net_pkt res, back;
	struct net_config pc;
	struct net_lcore plc;
	struct pk k;
	uint32_t n, big = 5000, fits = 1900;
	int nf;

	for (uint32_t i = 0; i < big; i++)
		fbuf2[i] = (uint8_t)('A' + i % 19);
	setup_cfg(&pc, 0);
	pc.sip_port = 5062;
	CHECK_INT(net_lcore_init(&plc, &pc, SOCKET_ID_ANY), 0);

	for (int fam = 4; fam <= 6; fam += 2) {
		for (int fresh = 0; fresh <= 1; fresh++) {
			uint32_t len = fresh ? big : fits;
			const uint8_t *view;

			k = fam == 4 ? pk4() : pk6();
			k.vlan = fresh ? 5 : -1;
			n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
			m = classified(fbuf, n, &res);
			if (fresh) {
				nf = net_reply_alloc(pool, &res, &res.src, fbuf2, len, &tx, out, 64);
				rte_pktmbuf_free(m);
			} else {
				nf = net_reply_build(m, &res, &res.src, fbuf2, len, &tx, out, 64);
			}
			CHECK(nf >= 2);
			if (nf <= 0)
				continue;
			for (int i = 0; i < nf; i++) {
				uint32_t l2 = fresh ? 18 : 14;

				CHECK_INT(out[i]->nb_segs, 1);
				CHECK(rte_pktmbuf_pkt_len(out[i]) <= l2 + 1500);
				CHECK(memcmp(rte_pktmbuf_mtod(out[i], const uint8_t *), MAC_PEER,
					     6) == 0);
				if (fam == 4) {
					const uint8_t *ip =
						rte_pktmbuf_mtod_offset(out[i], const uint8_t *, l2);

					CHECK_INT(ref_fold(ref_add(ip, 20, 0)), 0xffff);
				}
				CHECK_INT(net_classify(&plc, out[i], now, &back),
					  i + 1 < nf ? NET_V_HELD : NET_V_SIP);
			}
			view = net_payload_view(&back, scratch);
			CHECK_INT(back.payload_len, len);
			CHECK(view != NULL && memcmp(view, fbuf2, len) == 0);
			CHECK_INT(back.src.port, 5060);
			CHECK_INT(back.dst.port, 5062);
			rte_pktmbuf_free(back.m);
		}
	}
	/* Without even the direct pool: still refused, @p m untouched. */
	tx.frag_direct = NULL;
	k = pk4();
	n = build(fbuf, &k, l4buf, udp_msg(l4buf, SIPMSG, sizeof(SIPMSG) - 1));
	m = classified(fbuf, n, &res);
	CHECK_INT(net_reply_build(m, &res, &res.src, fbuf2, fits, &tx, out, 64), -EMSGSIZE);
	CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), fbuf, n) == 0);
	rte_pktmbuf_free(m);
	net_lcore_fini(&plc);
}
