/* SPDX-License-Identifier: MIT */
/*
 * Receive-side classification: Ethernet -> (802.1Q) -> ARP | IPv4 | IPv6 ->
 * fragment reassembly -> UDP to the SIP port | ICMP answered in place.
 *
 * Every check that fails returns its own verdict at once; nothing here
 * touches the packet except the local answers (net_local.c) and the IPv6
 * header shuffle before reassembly (net_frag.c). All header fields are read
 * from the first segment, bounded by its data_len; lengths are checked
 * against pkt_len, so a chained mbuf is read without copying.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "net_priv.h"

static const char *const verdict_names[] = {
#define _(sym, name, help) name,
	foreach_net_verdict
#undef _
};

static const char *const verdict_helps[] = {
#define _(sym, name, help) help,
	foreach_net_verdict
#undef _
};

static const char *const frag_names[] = {
#define _(sym, name, help) name,
	foreach_net_frag_counter
#undef _
};

const char *
net_verdict_name(enum net_verdict v)
{
	return (unsigned)v < NET_V__COUNT ? verdict_names[v] : "?";
}

const char *
net_verdict_help(enum net_verdict v)
{
	return (unsigned)v < NET_V__COUNT ? verdict_helps[v] : "?";
}

const char *
net_frag_counter_name(enum net_frag_counter c)
{
	return (unsigned)c < NET_FRAG__COUNT ? frag_names[c] : "?";
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline bool
any_own_addr(const struct net_config *cfg)
{
	return cfg->n_ip4 != 0 || cfg->n_ip6 != 0;
}

static bool
ours4(const struct net_config *cfg, const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a, 4);
	for (unsigned i = 0; i < cfg->n_ip4; i++)
		if (cfg->ip4[i] == v)
			return true;
	return false;
}

static bool
ours6(const struct net_config *cfg, const uint8_t *a)
{
	for (unsigned i = 0; i < cfg->n_ip6; i++)
		if (memcmp(cfg->ip6[i], a, 16) == 0)
			return true;
	return false;
}

/* ff02::1:ffXX:XXXX for one of our addresses (RFC 4291 2.7.1). */
static bool
solicited6(const struct net_config *cfg, const uint8_t *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	if (memcmp(a, pfx, sizeof(pfx)) != 0)
		return false;
	for (unsigned i = 0; i < cfg->n_ip6; i++)
		if (memcmp(cfg->ip6[i] + 13, a + 13, 3) == 0)
			return true;
	return false;
}

/* Martian sources we never answer: 0/8, 127/8, 224/4 and 240/4 (incl. broadcast). */
static bool
bad_src4(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

static bool
is_unspec6(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static bool
is_loopback6(const uint8_t *a)
{
	static const uint8_t lo[16] = { [15] = 1 };

	return memcmp(a, lo, 16) == 0;
}

static void
set_endpoints(struct net_pkt *res, uint8_t family, const uint8_t *src, const uint8_t *dst,
	      const uint8_t *udp)
{
	size_t alen = family == 4 ? 4 : 16;

	res->src.family = family;
	res->dst.family = family;
	memset(res->src.addr, 0, sizeof(res->src.addr));
	memset(res->dst.addr, 0, sizeof(res->dst.addr));
	memcpy(res->src.addr, src, alen);
	memcpy(res->dst.addr, dst, alen);
	res->src.port = udp != NULL ? rd16(udp) : 0;
	res->dst.port = udp != NULL ? rd16(udp + 2) : 0;
}

/*
 * UDP, common to both families. @p l4 is the header offset, @p room the IP
 * payload bytes from there on. NIC checksum flags are ignored for a
 * reassembled datagram: they described its first fragment only.
 */
static enum net_verdict
classify_udp(const struct net_config *cfg, struct rte_mbuf *m, struct net_pkt *res,
	     uint32_t l4, uint32_t room, uint8_t family, const uint8_t *src, const uint8_t *dst)
{
	const uint8_t *udp;
	uint16_t ulen, csum;
	uint64_t l4f;

	if (room < NET_UDP_LEN)
		return NET_V_DROP_UDP_LEN;
	if (l4 + NET_UDP_LEN > m->data_len)
		return NET_V_DROP_TRUNCATED;
	udp = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4);
	ulen = rd16(udp + 4);
	/* Shorter than the IP payload is legal (trailing bytes are ignored). */
	if (ulen < NET_UDP_LEN || ulen > room)
		return NET_V_DROP_UDP_LEN;
	if (rd16(udp + 2) != cfg->sip_port)
		return NET_V_DROP_PORT;

	csum = rd16(udp + 6);
	l4f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (csum == 0) {
		/* RFC 768 allows "no checksum" over IPv4; RFC 8200 8.1 forbids it over IPv6. */
		if (family != 4)
			return NET_V_DROP_UDP_CKSUM;
	} else if (!res->reassembled && l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		return NET_V_DROP_UDP_CKSUM;
	} else if (res->reassembled || (l4f != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
					l4f != RTE_MBUF_F_RX_L4_CKSUM_NONE)) {
		if (net_l4_sum(m, l4, ulen, family, src, dst, IPPROTO_UDP) != 0xffff)
			return NET_V_DROP_UDP_CKSUM;
	}

	set_endpoints(res, family, src, dst, udp);
	res->l3_len = (uint16_t)(l4 - res->l2_len);
	res->payload_off = l4 + NET_UDP_LEN;
	res->payload_len = ulen - NET_UDP_LEN;
	res->payload = res->payload_off + res->payload_len <= m->data_len
			       ? rte_pktmbuf_mtod_offset(m, const uint8_t *, res->payload_off)
			       : NULL;
	return NET_V_SIP;
}

static enum net_verdict
classify_ip4(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now, struct net_pkt *res)
{
	const struct net_config *cfg = lc->cfg;
	uint32_t l2 = res->l2_len;
	uint8_t *ip;
	uint32_t ihl, tot;
	uint16_t fo;
	uint64_t ipf;
	enum net_verdict v;

	if (l2 + NET_IP4_LEN > m->data_len)
		return NET_V_DROP_TRUNCATED;
	ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
	if ((ip[0] >> 4) != 4)
		return NET_V_DROP_BAD_IP;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < NET_IP4_LEN)
		return NET_V_DROP_BAD_IP;
	if (l2 + ihl > m->data_len)
		return NET_V_DROP_TRUNCATED;
	tot = rd16(ip + 2);
	if (tot < ihl)
		return NET_V_DROP_BAD_IP;
	if (l2 + tot > m->pkt_len)
		return NET_V_DROP_TRUNCATED;

	ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return NET_V_DROP_IP_CKSUM;
	if (ipf != RTE_MBUF_F_RX_IP_CKSUM_GOOD && ipf != RTE_MBUF_F_RX_IP_CKSUM_NONE &&
	    rte_raw_cksum(ip, ihl) != 0xffff)
		return NET_V_DROP_IP_CKSUM;

	if (bad_src4(ip + 12))
		return NET_V_DROP_BAD_SRC;
	if (any_own_addr(cfg) && !ours4(cfg, ip + 16))
		return NET_V_DROP_NOT_OURS;
	res->tos = ip[1];

	fo = rd16(ip + 6);
	if (fo & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		struct rte_mbuf *whole;

		v = net_frag_ip4(lc, m, now, l2, ihl, tot, &whole);
		if (v != NET_V_SIP) {
			res->m = NULL;
			return v;
		}
		/* The first fragment's mbuf now heads the chain; re-read from it. */
		m = whole;
		res->m = m;
		res->reassembled = 1;
		/* Header (and options) of the first fragment, lengths of the whole. */
		ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
		ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		tot = rd16(ip + 2);
		if (tot < ihl || l2 + tot > m->pkt_len || l2 + ihl > m->data_len)
			return NET_V_DROP_FRAG_BAD;
	}

	switch (ip[9]) {
	case IPPROTO_UDP:
		return classify_udp(cfg, m, res, l2 + ihl, tot - ihl, 4, ip + 12, ip + 16);
	case IPPROTO_ICMP:
		/* Sniffer mode (no own address) answers nothing. */
		if (!any_own_addr(cfg))
			return NET_V_DROP_NOT_OURS;
		return net_local_icmp4(cfg, m, res, ihl, tot);
	default:
		return NET_V_DROP_NOT_UDP;
	}
}

/* What the IPv6 destination is to us. */
enum dst6_kind { DST6_OTHER, DST6_OURS, DST6_SOLICITED };

static enum net_verdict
classify_ip6(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now, struct net_pkt *res)
{
	const struct net_config *cfg = lc->cfg;
	uint32_t l2 = res->l2_len;
	uint8_t *ip;
	uint32_t plen, off, frag_at;
	uint8_t next;
	enum dst6_kind dk;
	enum net_verdict v;

again:
	if (l2 + NET_IP6_LEN > m->data_len)
		return NET_V_DROP_TRUNCATED;
	ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
	if ((ip[0] >> 4) != 6)
		return NET_V_DROP_BAD_IP;
	plen = rd16(ip + 4);
	/* 0 would be a jumbogram (RFC 2675): not for SIP over Ethernet. */
	if (plen == 0)
		return NET_V_DROP_BAD_IP;
	if (l2 + NET_IP6_LEN + plen > m->pkt_len)
		return NET_V_DROP_TRUNCATED;
	if (ip[8] == 0xff || is_loopback6(ip + 8))
		return NET_V_DROP_BAD_SRC;

	if (!any_own_addr(cfg) || ours6(cfg, ip + 24))
		dk = DST6_OURS;
	else if (solicited6(cfg, ip + 24))
		dk = DST6_SOLICITED;
	else
		return NET_V_DROP_NOT_OURS;
	res->tos = (uint8_t)(rd16(ip) >> 4);

	/*
	 * Walk the extension headers (RFC 8200 4). Each one is at least 8
	 * bytes, so the bound on the count also bounds the walk.
	 */
	next = ip[6];
	off = NET_IP6_LEN;
	frag_at = 0;
	for (unsigned n = 0;; n++) {
		const uint8_t *h = ip + off;
		uint32_t hl;

		if (n > 8)
			return NET_V_DROP_IPV6_EXT;
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
		    next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT)
			break;
		if (off + 8 > NET_IP6_LEN + plen)
			return NET_V_DROP_IPV6_EXT;
		if (l2 + off + 8 > m->data_len)
			return NET_V_DROP_TRUNCATED;
		if (next == IPPROTO_FRAGMENT) {
			uint16_t fd = rd16(h + 2);

			if (res->reassembled)
				return NET_V_DROP_FRAG_BAD;
			/* An atomic fragment (offset 0, no M flag; RFC 6946) is whole. */
			if ((fd & 0xfff9) != 0) {
				frag_at = off;
				break;
			}
			next = h[0];
			off += NET_IP6_FRAG_LEN;
			continue;
		}
		/* Hop-by-hop options only right after the fixed header. */
		if (next == IPPROTO_HOPOPTS && off != NET_IP6_LEN)
			return NET_V_DROP_IPV6_EXT;
		/* Segments left: we would be a waypoint, not the destination. */
		if (next == IPPROTO_ROUTING && h[3] != 0)
			return NET_V_DROP_IPV6_EXT;
		hl = ((uint32_t)h[1] + 1) * 8;
		if (off + hl > NET_IP6_LEN + plen)
			return NET_V_DROP_IPV6_EXT;
		next = h[0];
		off += hl;
	}

	if (frag_at != 0) {
		struct rte_mbuf *whole;

		if (dk != DST6_OURS)
			return NET_V_DROP_NOT_OURS;
		v = net_frag_ip6(lc, m, now, l2, frag_at, &whole);
		if (v != NET_V_SIP) {
			res->m = NULL;
			return v;
		}
		m = whole;
		res->m = m;
		res->reassembled = 1;
		/* The fragment header is gone; walk what follows it afresh. */
		goto again;
	}

	if (l2 + off > m->data_len)
		return NET_V_DROP_TRUNCATED;
	switch (next) {
	case IPPROTO_UDP:
		if (dk != DST6_OURS)
			return NET_V_DROP_NOT_OURS;
		if (is_unspec6(ip + 8))
			return NET_V_DROP_BAD_SRC;
		return classify_udp(cfg, m, res, l2 + off, NET_IP6_LEN + plen - off, 6, ip + 8,
				    ip + 24);
	case IPPROTO_ICMPV6:
		if (!any_own_addr(cfg))
			return NET_V_DROP_NOT_OURS;
		return net_local_icmp6(cfg, m, res, off, NET_IP6_LEN + plen - off,
				       dk == DST6_SOLICITED);
	case IPPROTO_AH:
	case IPPROTO_ESP:
		return NET_V_DROP_IPV6_EXT;
	default:
		return NET_V_DROP_NOT_UDP;
	}
}

enum net_verdict
net_classify(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now, struct net_pkt *res)
{
	const uint8_t *eth;
	uint16_t type;

	memset(res, 0, sizeof(*res));
	res->m = m;
	if (m->data_len < NET_ETH_LEN)
		return NET_V_DROP_TRUNCATED;
	eth = rte_pktmbuf_mtod(m, const uint8_t *);
	memcpy(&res->dst_mac, eth, RTE_ETHER_ADDR_LEN);
	memcpy(&res->src_mac, eth + 6, RTE_ETHER_ADDR_LEN);
	type = rd16(eth + 12);
	res->l2_len = NET_ETH_LEN;

	if (m->ol_flags & RTE_MBUF_F_RX_QINQ_STRIPPED)
		return NET_V_DROP_ETHERTYPE;
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		res->has_vlan = 1;
		res->vlan_tci = m->vlan_tci;
	}
	if (type == RTE_ETHER_TYPE_VLAN) {
		/* One tag only: a second one (stripped or in the frame) is QinQ. */
		if (res->has_vlan)
			return NET_V_DROP_ETHERTYPE;
		if (m->data_len < NET_ETH_LEN + NET_VLAN_LEN)
			return NET_V_DROP_TRUNCATED;
		res->has_vlan = 1;
		res->vlan_tci = rd16(eth + 14);
		type = rd16(eth + 16);
		res->l2_len = NET_ETH_LEN + NET_VLAN_LEN;
	}

	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		return classify_ip4(lc, m, now, res);
	case RTE_ETHER_TYPE_IPV6:
		return classify_ip6(lc, m, now, res);
	case RTE_ETHER_TYPE_ARP:
		return net_local_arp(lc->cfg, m, res);
	default:
		return NET_V_DROP_ETHERTYPE;
	}
}

const uint8_t *
net_payload_view(const struct net_pkt *p, uint8_t *scratch)
{
	if (p->payload != NULL)
		return p->payload;
	if (p->m == NULL || p->payload_len > NET_SCRATCH_SIZE)
		return NULL;
	return (const uint8_t *)rte_pktmbuf_read(p->m, p->payload_off, p->payload_len, scratch);
}
