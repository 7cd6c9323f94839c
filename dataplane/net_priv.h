/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_NET_PRIV_H
#define REGLANE_NET_PRIV_H

/*
 * Helpers shared by the net_*.c files only (all static inline, nothing
 * exported): Internet checksums over pseudo-headers and mbuf chains, and
 * the frame layout constants the classifier and the reply builders agree on.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <reglane/net.h>

#define NET_ETH_LEN 14
#define NET_VLAN_LEN 4
#define NET_IP4_LEN 20
#define NET_IP6_LEN 40
#define NET_UDP_LEN 8
#define NET_IP6_FRAG_LEN 8
#define NET_TTL 64
#define NET_ND_HOP_LIMIT 255

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

/* ICMPv6 types we look at (RFC 4443, RFC 4861). */
#define NET_ICMP6_ECHO_REQUEST 128
#define NET_ICMP6_ECHO_REPLY 129
#define NET_ICMP6_NS 135
#define NET_ICMP6_NA 136
#define NET_ND_OPT_SLLA 1
#define NET_ND_OPT_TLLA 2
#define NET_NA_FLAG_SOLICITED 0x40
#define NET_NA_FLAG_OVERRIDE 0x20

/*
 * Checksums here, like rte_raw_cksum() and rte_ipv4_cksum(), are sums of
 * 16-bit words loaded in host order from network-order bytes: a result is
 * stored into the header as it is (memcpy or a plain uint16_t store), never
 * through rte_cpu_to_be_16(). A verified message sums to 0xffff.
 */

/* Fold a 32-bit one's complement accumulator to 16 bits (not inverted). */
static inline uint16_t
net_cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * One's complement sum of the IPv4 or IPv6 pseudo-header (RFC 768, RFC 8200
 * 8.1) for an upper-layer message of @p len bytes. Summed over bytes laid out
 * in network order, like rte_raw_cksum() sums the message itself, so the two
 * partial sums add up without byte swapping.
 */
static inline uint16_t
net_phdr_sum(uint8_t family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	     uint32_t len)
{
	uint8_t tail[8];
	uint32_t sum;
	size_t alen = family == 4 ? 4 : 16;

	sum = __rte_raw_cksum(src, alen, 0);
	sum = __rte_raw_cksum(dst, alen, sum);
	tail[0] = (uint8_t)(len >> 24);
	tail[1] = (uint8_t)(len >> 16);
	tail[2] = (uint8_t)(len >> 8);
	tail[3] = (uint8_t)len;
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = proto;
	sum = __rte_raw_cksum(tail, sizeof(tail), sum);
	return net_cksum_fold(sum);
}

/*
 * Sum of @p len bytes at @p off in a (possibly chained) mbuf plus the
 * pseudo-header; the caller checks the result against 0xffff (verify) or
 * inverts it (compute). -1 when the range is outside the packet.
 */
/*
 * Sum of @p len bytes at @p off across segments. Not rte_raw_cksum_mbuf():
 * in 22.11 it truncates a segment's unfolded sum to 16 bits before the
 * byte swap an odd boundary needs, losing carries; each segment is folded
 * first here. -1 when the range is outside the packet.
 */
static inline int
net_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *out)
{
	uint32_t sum = 0, done = 0;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return -1;
	for (; m != NULL && done < len; m = m->next) {
		uint32_t seglen = m->data_len, n;
		uint16_t s;

		if (off >= seglen) {
			off -= seglen;
			continue;
		}
		n = RTE_MIN(seglen - off, len - done);
		s = net_cksum_fold(__rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const uint8_t *, off),
						   n, 0));
		/* A piece starting at an odd position has its bytes in swapped lanes. */
		if (done & 1)
			s = rte_bswap16(s);
		sum += s;
		done += n;
		off = 0;
	}
	if (done != len)
		return -1;
	*out = net_cksum_fold(sum);
	return 0;
}

static inline int32_t
net_l4_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t family,
	   const uint8_t *src, const uint8_t *dst, uint8_t proto)
{
	uint16_t data;

	if (net_cksum_mbuf(m, off, len, &data) != 0)
		return -1;
	return net_cksum_fold((uint32_t)data + net_phdr_sum(family, src, dst, proto, len));
}

/* The checksum value to store: inverted sum, 0 sent as 0xffff for UDP. */
static inline uint16_t
net_cksum_final(uint16_t sum, bool udp)
{
	uint16_t c = (uint16_t)~sum;

	return (c == 0 && udp) ? 0xffff : c;
}

/* Whether an mbuf's data may be rewritten: direct and not shared. */
static inline bool
net_mbuf_writable(const struct rte_mbuf *m)
{
	return RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1;
}

/*
 * Drop every offload request and receive flag before an mbuf goes back out;
 * only the flags describing its buffer stay.
 */
static inline void
net_reset_ol_flags(struct rte_mbuf *m)
{
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
}

/*
 * Entry points between the net_*.c files. Not in include/: nothing outside
 * reglane_net calls them.
 */

/* net_local.c: answer in place; res->l2_len and res->has_vlan are set. */
enum net_verdict net_local_arp(const struct net_config *cfg, struct rte_mbuf *m,
			       struct net_pkt *res);
enum net_verdict net_local_icmp4(const struct net_config *cfg, struct rte_mbuf *m,
				 struct net_pkt *res, uint32_t ihl, uint32_t tot);
enum net_verdict net_local_icmp6(const struct net_config *cfg, struct rte_mbuf *m,
				 struct net_pkt *res, uint32_t l3_len, uint32_t len,
				 bool to_solicited);

/*
 * net_frag.c: hand one fragment to the reassembly table. NET_V_SIP means
 * "complete: continue with *whole"; any other verdict (HELD, DROP_FRAG_*)
 * means the mbuf now belongs to the table or the death row.
 */
enum net_verdict net_frag_ip4(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now,
			      uint32_t l2, uint32_t ihl, uint32_t tot, struct rte_mbuf **whole);
enum net_verdict net_frag_ip6(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now,
			      uint32_t l2, uint32_t frag_at, struct rte_mbuf **whole);

#endif /* REGLANE_NET_PRIV_H */
