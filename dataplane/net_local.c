/* SPDX-License-Identifier: MIT */
/*
 * Answers for our own addresses, built in place (VPP udp-echo style): ARP
 * request -> reply, ICMP echo -> echo reply, ICMPv6 neighbour solicitation
 * -> neighbour advertisement, ICMPv6 echo -> echo reply. The answer goes
 * back out of the port it came in on, to the asker's MAC, with the VLAN tag
 * it came with.
 *
 * Every answer is small, so it is written into the first segment; a chained
 * request (a reassembled echo) is not answered: its reply would need
 * fragmenting, and nobody needs 64 KiB pings from a SIP processor.
 */

#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_priv.h"

#define ARP_LEN ((uint32_t)sizeof(struct rte_arp_hdr))
#define ND_NS_LEN 24         /* type, code, cksum, reserved, target */
#define ND_NA_LEN (24 + 8)   /* ... plus the target link-layer address option */

/* The MAC we answer from: the port's, else the unicast one we were asked on. */
static const struct rte_ether_addr *
our_mac(const struct net_config *cfg, const struct net_pkt *res)
{
	if (!rte_is_zero_ether_addr(&cfg->mac))
		return &cfg->mac;
	if (rte_is_unicast_ether_addr(&res->dst_mac))
		return &res->dst_mac;
	return NULL;
}

/*
 * Make @p m exactly @p len bytes, all in its first segment, and put back a
 * VLAN tag the NIC stripped. False when the first segment cannot hold it.
 */
static bool
finish_local(struct rte_mbuf *m, struct net_pkt *res, uint32_t len)
{
	if (len > (uint32_t)m->buf_len - m->data_off)
		return false;
	if (m->next != NULL) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		if (rte_vlan_insert(&m) != 0)
			return false;
		res->l2_len = NET_ETH_LEN + NET_VLAN_LEN;
	}
	net_reset_ol_flags(m);
	return true;
}

static void
write_eth(uint8_t *eth, const struct rte_ether_addr *dst, const struct rte_ether_addr *src)
{
	memcpy(eth, dst, RTE_ETHER_ADDR_LEN);
	memcpy(eth + RTE_ETHER_ADDR_LEN, src, RTE_ETHER_ADDR_LEN);
}

enum net_verdict
net_local_arp(const struct net_config *cfg, struct rte_mbuf *m, struct net_pkt *res)
{
	uint32_t l2 = res->l2_len;
	struct rte_arp_hdr *arp;
	const struct rte_ether_addr *mac;
	struct rte_ether_addr sha;
	uint32_t sip, tip;

	if (l2 + ARP_LEN > m->data_len)
		return NET_V_DROP_TRUNCATED;
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, l2);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return NET_V_DROP_ARP;
	sha = arp->arp_data.arp_sha;
	if (!rte_is_unicast_ether_addr(&sha) || rte_is_zero_ether_addr(&sha))
		return NET_V_DROP_ARP;
	tip = arp->arp_data.arp_tip;
	sip = arp->arp_data.arp_sip;
	/* A gratuitous ARP announces the sender; nothing to answer. */
	if (cfg->n_ip4 == 0 || tip == sip)
		return NET_V_DROP_NOT_OURS;
	{
		bool ours = false;

		for (unsigned i = 0; i < cfg->n_ip4; i++)
			ours |= cfg->ip4[i] == tip;
		if (!ours)
			return NET_V_DROP_NOT_OURS;
	}
	mac = our_mac(cfg, res);
	if (mac == NULL)
		return NET_V_DROP_ARP;

	/* RFC 826: swap sender and target, fill in our hardware address. */
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = sha;
	arp->arp_data.arp_tip = sip;
	arp->arp_data.arp_sha = *mac;
	arp->arp_data.arp_sip = tip;
	write_eth(rte_pktmbuf_mtod(m, uint8_t *), &sha, mac);
	if (!finish_local(m, res, l2 + ARP_LEN))
		return NET_V_DROP_ARP;
	return NET_V_LOCAL_REPLY;
}

enum net_verdict
net_local_icmp4(const struct net_config *cfg, struct rte_mbuf *m, struct net_pkt *res,
		uint32_t ihl, uint32_t tot)
{
	uint32_t l2 = res->l2_len;
	uint32_t len = tot - ihl;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
	uint8_t *icmp = ip + ihl;
	uint8_t tmp[4];
	uint16_t c;

	if (m->nb_segs > 1 || res->reassembled || l2 + tot > m->data_len)
		return NET_V_DROP_ICMP;
	if (len < sizeof(struct rte_icmp_hdr))
		return NET_V_DROP_TRUNCATED;
	if (icmp[0] != RTE_IP_ICMP_ECHO_REQUEST || icmp[1] != 0)
		return NET_V_DROP_ICMP;
	if (rte_raw_cksum(icmp, len) != 0xffff)
		return NET_V_DROP_ICMP_CKSUM;

	/* The reply carries no IP options: move the message up behind 20 bytes. */
	if (ihl != NET_IP4_LEN) {
		memmove(ip + NET_IP4_LEN, icmp, len);
		icmp = ip + NET_IP4_LEN;
	}
	icmp[0] = RTE_IP_ICMP_ECHO_REPLY;
	icmp[2] = icmp[3] = 0;
	c = net_cksum_final(rte_raw_cksum(icmp, len), false);
	memcpy(icmp + 2, &c, 2);

	ip[0] = 0x45;
	ip[2] = (uint8_t)((NET_IP4_LEN + len) >> 8);
	ip[3] = (uint8_t)(NET_IP4_LEN + len);
	ip[6] = ip[7] = 0;
	ip[8] = NET_TTL;
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[10] = ip[11] = 0;
	c = net_cksum_final(rte_raw_cksum(ip, NET_IP4_LEN), false);
	memcpy(ip + 10, &c, 2);

	write_eth(rte_pktmbuf_mtod(m, uint8_t *), &res->src_mac,
		  our_mac(cfg, res) != NULL ? our_mac(cfg, res) : &res->dst_mac);
	if (!finish_local(m, res, l2 + NET_IP4_LEN + len))
		return NET_V_DROP_ICMP;
	return NET_V_LOCAL_REPLY;
}

static bool
own6(const struct net_config *cfg, const uint8_t *a)
{
	for (unsigned i = 0; i < cfg->n_ip6; i++)
		if (memcmp(cfg->ip6[i], a, 16) == 0)
			return true;
	return false;
}

/* ICMPv6 checksum of @p len bytes at @p icmp under the addresses at @p ip. */
static uint16_t
icmp6_sum(const uint8_t *ip, const uint8_t *icmp, uint32_t len)
{
	uint16_t s = net_phdr_sum(6, ip + 8, ip + 24, IPPROTO_ICMPV6, len);

	return net_cksum_fold((uint32_t)s + rte_raw_cksum(icmp, len));
}

static void
icmp6_set_cksum(const uint8_t *ip, uint8_t *icmp, uint32_t len)
{
	uint16_t c;

	icmp[2] = icmp[3] = 0;
	c = net_cksum_final(icmp6_sum(ip, icmp, len), false);
	memcpy(icmp + 2, &c, 2);
}

/*
 * RFC 4861 7.1.1 validity of a solicitation, then 7.2.4: answer with our
 * link-layer address, solicited + override, to the asker (or to all nodes
 * when the asker is doing duplicate address detection from ::).
 */
static enum net_verdict
answer_ns(const struct net_config *cfg, struct rte_mbuf *m, struct net_pkt *res, uint8_t *ip,
	  uint8_t *icmp, uint32_t len, bool to_solicited)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const struct rte_ether_addr all_nodes_mac = {
		.addr_bytes = { 0x33, 0x33, 0, 0, 0, 1 }
	};
	static const uint8_t zero[16];
	uint32_t l2 = res->l2_len;
	const struct rte_ether_addr *mac, *eth_dst;
	bool dad = memcmp(ip + 8, zero, 16) == 0;
	bool slla = false;
	uint8_t target[16];

	if (ip[7] != NET_ND_HOP_LIMIT || icmp[1] != 0)
		return NET_V_DROP_ICMP;
	if (len < ND_NS_LEN)
		return NET_V_DROP_TRUNCATED;
	memcpy(target, icmp + 8, 16);
	if (target[0] == 0xff)
		return NET_V_DROP_ICMP;
	for (uint32_t o = ND_NS_LEN; o < len;) {
		uint32_t olen;

		if (o + 2 > len || icmp[o + 1] == 0)
			return NET_V_DROP_ICMP;
		olen = (uint32_t)icmp[o + 1] * 8;
		if (o + olen > len)
			return NET_V_DROP_ICMP;
		slla |= icmp[o] == NET_ND_OPT_SLLA;
		o += olen;
	}
	if (dad && (slla || !to_solicited))
		return NET_V_DROP_ICMP;
	if (!own6(cfg, target))
		return NET_V_DROP_NOT_OURS;
	mac = our_mac(cfg, res);
	if (mac == NULL || rte_is_multicast_ether_addr(mac))
		return NET_V_DROP_ICMP;
	if (l2 + NET_IP6_LEN + ND_NA_LEN > (uint32_t)m->buf_len - m->data_off)
		return NET_V_DROP_ICMP;

	/* IPv6 header: from the target, to the asker or all nodes, no ext headers. */
	memcpy(ip + 24, dad ? all_nodes : ip + 8, 16);
	memcpy(ip + 8, target, 16);
	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	ip[4] = 0;
	ip[5] = ND_NA_LEN;
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = NET_ND_HOP_LIMIT;

	icmp = ip + NET_IP6_LEN;
	icmp[0] = NET_ICMP6_NA;
	icmp[1] = 0;
	icmp[4] = (uint8_t)((dad ? 0 : NET_NA_FLAG_SOLICITED) | NET_NA_FLAG_OVERRIDE);
	icmp[5] = icmp[6] = icmp[7] = 0;
	memcpy(icmp + 8, target, 16);
	icmp[24] = NET_ND_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, mac, RTE_ETHER_ADDR_LEN);
	icmp6_set_cksum(ip, icmp, ND_NA_LEN);

	eth_dst = dad ? &all_nodes_mac : &res->src_mac;
	write_eth(rte_pktmbuf_mtod(m, uint8_t *), eth_dst, mac);
	if (!finish_local(m, res, l2 + NET_IP6_LEN + ND_NA_LEN))
		return NET_V_DROP_ICMP;
	return NET_V_LOCAL_REPLY;
}

static enum net_verdict
answer_echo6(const struct net_config *cfg, struct rte_mbuf *m, struct net_pkt *res, uint8_t *ip,
	     uint8_t *icmp, uint32_t len, bool to_solicited)
{
	static const uint8_t zero[16];
	uint32_t l2 = res->l2_len;
	const struct rte_ether_addr *mac;
	uint8_t tmp[16];

	if (to_solicited)
		return NET_V_DROP_NOT_OURS;
	if (memcmp(ip + 8, zero, 16) == 0)
		return NET_V_DROP_BAD_SRC;
	if (icmp[1] != 0)
		return NET_V_DROP_ICMP;
	if (len < 8)
		return NET_V_DROP_TRUNCATED;

	/* No extension headers in the answer: the message follows the fixed header. */
	if (icmp != ip + NET_IP6_LEN) {
		memmove(ip + NET_IP6_LEN, icmp, len);
		icmp = ip + NET_IP6_LEN;
	}
	memcpy(tmp, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	ip[4] = (uint8_t)(len >> 8);
	ip[5] = (uint8_t)len;
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = NET_TTL;
	icmp[0] = NET_ICMP6_ECHO_REPLY;
	icmp6_set_cksum(ip, icmp, len);

	mac = our_mac(cfg, res);
	write_eth(rte_pktmbuf_mtod(m, uint8_t *), &res->src_mac, mac != NULL ? mac : &res->dst_mac);
	if (!finish_local(m, res, l2 + NET_IP6_LEN + len))
		return NET_V_DROP_ICMP;
	return NET_V_LOCAL_REPLY;
}

enum net_verdict
net_local_icmp6(const struct net_config *cfg, struct rte_mbuf *m, struct net_pkt *res,
		uint32_t l3_len, uint32_t len, bool to_solicited)
{
	uint32_t l2 = res->l2_len;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
	uint8_t *icmp = ip + l3_len;

	if (m->nb_segs > 1 || res->reassembled || l2 + l3_len + len > m->data_len)
		return NET_V_DROP_ICMP;
	if (len < 4)
		return NET_V_DROP_TRUNCATED;
	if (icmp6_sum(ip, icmp, len) != 0xffff)
		return NET_V_DROP_ICMP_CKSUM;
	switch (icmp[0]) {
	case NET_ICMP6_NS:
		return answer_ns(cfg, m, res, ip, icmp, len, to_solicited);
	case NET_ICMP6_ECHO_REQUEST:
		return answer_echo6(cfg, m, res, ip, icmp, len, to_solicited);
	default:
		return NET_V_DROP_ICMP;
	}
}
