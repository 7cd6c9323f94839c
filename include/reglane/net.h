/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_NET_H
#define REGLANE_NET_H

/**
 * @file
 * L2-L4 of the dataplane: classify a received mbuf (Ethernet, one 802.1Q
 * tag, IPv4/IPv6, UDP to the SIP port), answer ARP / ICMP echo / ICMPv6
 * neighbour solicitation and echo in place, reassemble IP fragments (our
 * own per-lcore reassembler, net_frag.c), and rewrite a request mbuf into the
 * UDP datagram carrying its SIP response.
 *
 * Concurrency: a struct net_lcore belongs to one lcore; every function that
 * takes one must run on that lcore only. struct net_config is read-only once
 * the lcores run and may be shared by all of them. Nothing here blocks,
 * logs per packet or calls the kernel.
 *
 * mbuf ownership (the one rule callers must get right):
 * - net_classify() takes @p m. On return the packet to continue with is
 *   `res->m`: the same mbuf, a different one (a reassembled chain), or NULL
 *   when the library kept or already freed it (NET_V_HELD, NET_V_DROP_FRAG_*).
 *   The caller owns `res->m` and frees it on a drop: `rte_pktmbuf_free(res->m)`
 *   is always right, NULL included.
 * - net_reply_build() / net_reply_alloc() consume the mbuf only on success.
 *
 * Reassembly: IPv4 and IPv6 datagrams of up to 65,535 bytes in up to
 * net_config.frag_max_frags fragments (64 by default: a 64 KiB datagram
 * takes 45 at MTU 1500, 54 over IPv6 at 1280), in any order, duplicates
 * dropped alone. A set with overlapping or inconsistent fragments, one
 * fragment too many, or more than 65,535 bytes is dropped whole, and the
 * rest of that datagram too until it times out (RFC 5722, applied to IPv4
 * as well). A full table evicts its oldest datagram; NET_V_DROP_FRAG_FULL
 * is not returned. The design notes are at the top of net_frag.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <reglane/sip_reply.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * What net_classify() decided, one per packet. The caller does exactly one
 * thing per verdict and bumps one counter (indexed by the verdict).
 */
#define foreach_net_verdict                                                            \
	_(SIP, "sip", "UDP datagram to the SIP port, for the SIP layer")               \
	_(LOCAL_REPLY, "local_reply", "ARP / echo / neighbour solicitation answered in place") \
	_(HELD, "frag_held", "IP fragment held for reassembly")                        \
	_(DROP_TRUNCATED, "drop_truncated", "frame shorter than its headers or IP length") \
	_(DROP_ETHERTYPE, "drop_ethertype", "not ARP/IPv4/IPv6, or more than one VLAN tag") \
	_(DROP_ARP, "drop_arp", "ARP that is not an Ethernet/IPv4 request")            \
	_(DROP_NOT_OURS, "drop_not_ours", "destination (or ARP/ND target) is not ours") \
	_(DROP_BAD_IP, "drop_bad_ip", "bad IP version, header length or total length") \
	_(DROP_BAD_SRC, "drop_bad_src", "source multicast, broadcast, unspecified or loopback") \
	_(DROP_IP_CKSUM, "drop_ip_cksum", "bad IPv4 header checksum")                  \
	_(DROP_IPV6_EXT, "drop_ipv6_ext", "malformed or unsupported IPv6 extension header") \
	_(DROP_NOT_UDP, "drop_not_udp", "transport is neither UDP nor ICMP")           \
	_(DROP_ICMP, "drop_icmp", "ICMP/ICMPv6 message we do not answer")              \
	_(DROP_ICMP_CKSUM, "drop_icmp_cksum", "bad ICMP/ICMPv6 checksum")              \
	_(DROP_UDP_LEN, "drop_udp_len", "UDP length inconsistent with the IP length")  \
	_(DROP_PORT, "drop_port", "UDP to a port other than the SIP port")             \
	_(DROP_UDP_CKSUM, "drop_udp_cksum", "bad UDP checksum, or no checksum over IPv6") \
	_(DROP_FRAG_BAD, "drop_frag_bad", "bad fragment or set (overlap, too many fragments, > 64 KiB)") \
	_(DROP_FRAG_FULL, "drop_frag_full", "reassembly table full (not returned: the oldest is evicted)")

enum net_verdict {
#define _(sym, name, help) NET_V_##sym,
	foreach_net_verdict
#undef _
	NET_V__COUNT
};

/** Counter name of a verdict ("sip", "drop_port", ...); "?" when out of range. */
const char *net_verdict_name(enum net_verdict v);
/** One-line description of a verdict, for metrics help texts. */
const char *net_verdict_help(enum net_verdict v);

static inline bool
net_verdict_is_drop(enum net_verdict v)
{
	return v >= NET_V_DROP_TRUNCATED;
}

/**
 * Reassembly counters of one lcore. They count fragments (one mbuf chain
 * each), except `reassembled` (datagrams). `drop` covers fragments of killed
 * sets, exact duplicates, fragments of a killed datagram arriving later, and
 * datagrams evicted by a full table; `timeout` an evicted datagram that had
 * expired anyway, too.
 */
#define foreach_net_frag_counter                                                       \
	_(HELD, "frag_held", "fragments accepted into the reassembly table")          \
	_(REASSEMBLED, "frag_reassembled", "datagrams completed")                      \
	_(TIMEOUT, "frag_timeout", "fragments dropped because their datagram timed out") \
	_(DROP, "frag_drop", "fragments dropped with a bad set or a full table")       \
	_(FREED, "frag_freed", "mbufs released from the death row")

enum net_frag_counter {
#define _(sym, name, help) NET_FRAG_##sym,
	foreach_net_frag_counter
#undef _
	NET_FRAG__COUNT
};

/** Counter name of a reassembly counter; "?" when out of range. */
const char *net_frag_counter_name(enum net_frag_counter c);

#define NET_MAX_ADDRS 16
/** Bytes a caller's scratch buffer for net_payload_view() must hold. */
#define NET_SCRATCH_SIZE 65535

/** Configuration shared by every lcore; read-only once they run. */
struct net_config {
	uint16_t sip_port;             /**< UDP port of SIP, host order (5060) */
	struct rte_ether_addr mac;     /**< the port's MAC: source of ARP/NA replies */
	uint8_t n_ip4;                 /**< own IPv4 addresses in ip4[] */
	uint8_t n_ip6;                 /**< own IPv6 addresses in ip6[] */
	/**
	 * Own addresses, network order. With none at all (n_ip4 == n_ip6 == 0)
	 * every packet to the SIP port is accepted whatever its destination,
	 * and ARP, ND and ICMP echo are not answered (replay/sniffer mode).
	 * With addresses of one family only, the other family is not ours.
	 */
	uint32_t ip4[NET_MAX_ADDRS];
	uint8_t ip6[NET_MAX_ADDRS][16];
	/**
	 * Datagrams under reassembly per lcore, 1..1048576; the table costs
	 * about 100 B + 16 B * frag_max_frags per entry (1.1 KiB by default;
	 * rte_malloc, on the lcore's socket). When full, the oldest datagram
	 * is evicted.
	 */
	uint32_t frag_max_entries;
	uint32_t frag_timeout_ms;      /**< a datagram not complete by then is dropped */
	/**
	 * Fragments one datagram may arrive in, 2..8192; 0 means 64. A
	 * datagram needing more is dropped.
	 */
	uint16_t frag_max_frags;
	/**
	 * Fragments (mbufs) held per lcore at most, over all datagrams, at
	 * least frag_max_frags; the oldest datagrams are evicted to stay
	 * under it. 0 means 8192 (or frag_max_frags if larger).
	 */
	uint32_t frag_max_held;
};

/** Reassembly table and death row of one lcore (net_frag.c). */
struct net_reasm;

/** Per-lcore state: the reassembly table and counters. */
struct net_lcore {
	const struct net_config *cfg;
	struct net_reasm *reasm;
	uint64_t frag_ttl_cycles;
	uint64_t frag_stats[NET_FRAG__COUNT];
};

/**
 * Set up @p lc for the calling lcore: creates its reassembly table on
 * @p socket_id (rte_malloc memory; nothing is allocated per packet). @p cfg
 * must outlive @p lc. Context: init path, EAL initialised. @return 0,
 * -EINVAL (bad config), -ENOMEM.
 */
int net_lcore_init(struct net_lcore *lc, const struct net_config *cfg, int socket_id);

/** Free the table and every fragment still held. Idempotent. */
void net_lcore_fini(struct net_lcore *lc);

/** Result of net_classify(); fields beyond `m` are valid for NET_V_SIP. */
struct net_pkt {
	struct rte_mbuf *m;            /**< the packet now (see ownership in @file) */
	struct sip_endpoint src;       /**< sender address/port */
	struct sip_endpoint dst;       /**< our address/port the request came to */
	struct rte_ether_addr src_mac; /**< Ethernet source of the request */
	struct rte_ether_addr dst_mac; /**< Ethernet destination of the request */
	uint16_t vlan_tci;             /**< host order, valid when has_vlan */
	uint8_t has_vlan;              /**< tagged in the frame or stripped by the NIC */
	uint8_t tos;                   /**< IPv4 TOS / IPv6 traffic class */
	uint8_t l2_len;                /**< Ethernet header (+ tag) bytes in the frame */
	uint8_t reassembled;           /**< 1 when built from fragments */
	uint16_t l3_len;               /**< IP header incl. options / extension headers */
	uint32_t payload_off;          /**< UDP payload offset in the packet */
	uint32_t payload_len;          /**< UDP payload bytes */
	/** UDP payload when contiguous in the first segment, else NULL. */
	const uint8_t *payload;
};

/**
 * Classify one received packet (see the verdict list). ARP requests, ICMP
 * echo requests and ICMPv6 neighbour solicitations / echo requests for our
 * addresses are rewritten in place into their answers (NET_V_LOCAL_REPLY:
 * transmit `res->m` on the port it came from). Fragments go to the lcore's
 * reassembly table; when one completes a datagram the verdict is that of
 * the whole datagram and `res->m` is the reassembled chain.
 *
 * Checksums: IPv4 header and UDP checksums are trusted from the NIC when
 * ol_flags say GOOD/BAD, computed in software otherwise (always for
 * reassembled datagrams). A zero UDP checksum is accepted over IPv4 only.
 * L2-L4 headers must lie in the first segment (true for every PMD that does
 * not split headers); the UDP payload may span segments.
 *
 * Context: the lcore owning @p lc. @p now is rte_rdtsc() (or any clock in
 * TSC cycles, for tests).
 */
enum net_verdict net_classify(struct net_lcore *lc, struct rte_mbuf *m, uint64_t now,
			      struct net_pkt *res);

/**
 * The UDP payload of a classified packet as one contiguous range: a pointer
 * into the mbuf when it is contiguous there, else a copy in @p scratch
 * (NET_SCRATCH_SIZE bytes, per lcore). NULL only if the mbuf is shorter than
 * the classification said (it never is for NET_V_SIP).
 */
const uint8_t *net_payload_view(const struct net_pkt *p, uint8_t *scratch);

/**
 * Time out incomplete datagrams older than the configured timeout; their
 * fragments go to the death row (counted as NET_FRAG_TIMEOUT). Call about
 * once per poll loop iteration. @return fragments timed out by this call.
 */
uint32_t net_frag_expire(struct net_lcore *lc, uint64_t now);

/**
 * Free what reassembly put on the death row. Call once per burst, after the
 * burst's packets are handled (l3fwd does the same), and before the lcore
 * stops. @return mbufs freed.
 */
uint32_t net_frag_flush(struct net_lcore *lc);

/** How replies leave a port; one per (lcore, port), ip_id advanced per reply. */
struct net_tx {
	/**
	 * The port's enabled TX offloads; RTE_ETH_TX_OFFLOAD_IPV4_CKSUM and
	 * RTE_ETH_TX_OFFLOAD_UDP_CKSUM are used, other bits ignored. 0 means
	 * every checksum is computed in software.
	 */
	uint64_t offloads;
	uint16_t mtu;                  /**< largest IP packet the port sends (1500) */
	/**
	 * Pools for a reply larger than @p mtu, sent as IP fragments. With
	 * both set, rte_ipv4/ipv6_fragment_packet() builds them as
	 * multi-segment mbufs (the port must accept those); with only
	 * @p frag_direct, each fragment is a flat copy in one mbuf (ports
	 * without MULTI_SEGS, e.g. net_pcap); with @p frag_direct NULL the
	 * reply is refused (-EMSGSIZE).
	 */
	struct rte_mempool *frag_direct;
	struct rte_mempool *frag_indirect;
	uint32_t ip_id;                /**< next IPv4 id / IPv6 fragment id */
};

/**
 * Rewrite @p m, the request classified into @p req, into the UDP datagram
 * from our address and port (`req->dst`) to @p to carrying @p payload: the
 * Ethernet destination is the request's source MAC (also when @p to is not
 * the request's source, e.g. a Via maddr), the VLAN tag is kept (inserted
 * into the frame when the NIC had stripped it), IPv4 gets a fresh id, TTL
 * 64, DF and no options, IPv6 hop limit 64 and no extension headers; the
 * checksums are offloaded as @p tx allows, else computed. Extra segments of
 * a chained @p m are freed and the first one reused.
 *
 * @p payload may alias the request's UDP payload area of @p m (it is moved
 * with memmove before the headers are written), not the header area.
 *
 * @param out   receives the mbufs to transmit, in order: @p m itself, or
 *              the fragments when the reply is larger than tx->mtu
 * @param n_out room in @p out (a 64 KiB reply at MTU 1500 makes 45
 *              fragments, at MTU 1280 54)
 * @return the number of mbufs in @p out (>= 1; @p m is consumed), or
 *   -ENOSPC (does not fit @p m's first segment), -EBUSY (@p m is shared or
 *   indirect: not writable) — for both use net_reply_alloc(), @p m is
 *   unchanged and still the caller's; -EAFNOSUPPORT (@p to is not the
 *   request's family), -EMSGSIZE (larger than UDP allows, or larger than
 *   the MTU without fragmentation pools, or more fragments than @p n_out):
 *   @p m is unchanged; -ENOMEM (fragment allocation failed): @p m was
 *   freed, nothing is to be sent.
 */
int net_reply_build(struct rte_mbuf *m, const struct net_pkt *req,
		    const struct sip_endpoint *to, const void *payload, uint32_t len,
		    struct net_tx *tx, struct rte_mbuf **out, uint16_t n_out);

/**
 * Same as net_reply_build() into a fresh mbuf (a chain when the reply is
 * larger than one data room) allocated from @p mp; only @p req is read, so
 * the request mbuf may already be freed. @return as net_reply_build(),
 * -ENOMEM when @p mp is empty.
 */
int net_reply_alloc(struct rte_mempool *mp, const struct net_pkt *req,
		    const struct sip_endpoint *to, const void *payload, uint32_t len,
		    struct net_tx *tx, struct rte_mbuf **out, uint16_t n_out);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_NET_H */
