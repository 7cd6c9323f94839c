/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_STATS_H
#define REGLANE_STATS_H

/**
 * @file
 * Per-lcore counters, declared once (STYLE idiom 5, VPP foreach_*_error).
 *
 * enum reglane_counter is the concatenation of:
 * - foreach_reglane_counter below (packets, responses sent by status,
 *   retransmissions, ARP/ICMP/ND, tx drops);
 * - the network layer's verdicts ("net_<verdict>", drops by reason) and
 *   reassembly counters ("frag_*"), mirrored from net.h (see below);
 * - one counter per admission verdict (foreach_admit_verdict), named
 *   "admit_<verdict>": the worker bumps exactly one per request;
 * - one per regtable_apply() result ("table_<result>", foreach_regtable_result:
 *   applied, duplicate, stale, gap, no_change, sub_terminated, cseq_old,
 *   capacity, no_memory, invalid);
 * - one per enum sip_err ("sip_err_<code>", bumped with sip_parse()'s
 *   result, "sip_err_ok" included) and one per enum reginfo_err
 *   ("reginfo_err_<code>", reginfo_parse()'s result and first_skip).
 * So adding a verdict or an error code adds its counter, with no edit here.
 *
 * Concurrency: each worker lcore owns one struct reglane_lcore_stats and is
 * its only writer (rgl_stats_inc/add). Any thread may read it at any time
 * (reglane_stats_sum, the emitters): values are 64-bit relaxed atomic loads
 * and stores, so a reader sees each counter whole, possibly one burst
 * behind, never torn; counters are not mutually consistent snapshots.
 * No DPDK include: cache alignment is spelled alignas(64).
 */

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <reglane/admission.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/sip.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The network layer's verdicts and reassembly counters, mirrored one to one
 * from foreach_net_verdict / foreach_net_frag_counter in net.h (same symbols,
 * same order), because net.h includes DPDK headers and this file must not.
 * A translation unit that sees both checks the mirror:
 *	_Static_assert(NET_V__COUNT == RGL_STATS_NET_VERDICTS, "stats.h mirror");
 *	_Static_assert(NET_FRAG__COUNT == RGL_STATS_NET_FRAG_COUNTERS, "stats.h mirror");
 * and counts with RGL_CTR_NET(v) / RGL_CTR_NET_FRAG(c).
 */
#define foreach_reglane_net_verdict                                                    \
	_(SIP, "net_sip", "UDP datagram to the SIP port, for the SIP layer")           \
	_(LOCAL_REPLY, "net_local_reply", "ARP / ICMP echo / neighbour solicitation answered") \
	_(HELD, "net_frag_held", "IP fragment held for reassembly")                    \
	_(DROP_TRUNCATED, "net_drop_truncated", "frame shorter than its headers or IP length") \
	_(DROP_ETHERTYPE, "net_drop_ethertype", "not ARP/IPv4/IPv6, or more than one VLAN tag") \
	_(DROP_ARP, "net_drop_arp", "ARP that is not an Ethernet/IPv4 request")        \
	_(DROP_NOT_OURS, "net_drop_not_ours", "destination (or ARP/ND target) is not ours") \
	_(DROP_BAD_IP, "net_drop_bad_ip", "bad IP version, header length or total length") \
	_(DROP_BAD_SRC, "net_drop_bad_src", "source multicast, broadcast, unspecified or loopback") \
	_(DROP_IP_CKSUM, "net_drop_ip_cksum", "bad IPv4 header checksum")              \
	_(DROP_IPV6_EXT, "net_drop_ipv6_ext", "malformed or unsupported IPv6 extension header") \
	_(DROP_NOT_UDP, "net_drop_not_udp", "transport is neither UDP nor ICMP")       \
	_(DROP_ICMP, "net_drop_icmp", "ICMP/ICMPv6 message we do not answer")          \
	_(DROP_ICMP_CKSUM, "net_drop_icmp_cksum", "bad ICMP/ICMPv6 checksum")          \
	_(DROP_UDP_LEN, "net_drop_udp_len", "UDP length inconsistent with the IP length") \
	_(DROP_PORT, "net_drop_port", "UDP to a port other than the SIP port")         \
	_(DROP_UDP_CKSUM, "net_drop_udp_cksum", "bad UDP checksum, or none over IPv6") \
	_(DROP_FRAG_BAD, "net_drop_frag_bad", "malformed fragment or fragment set")    \
	_(DROP_FRAG_FULL, "net_drop_frag_full", "reassembly table full")

#define foreach_reglane_net_frag_counter                                               \
	_(HELD, "frag_held", "fragments accepted into the reassembly table")          \
	_(REASSEMBLED, "frag_reassembled", "datagrams completed")                      \
	_(TIMEOUT, "frag_timeout", "fragments dropped because their datagram timed out") \
	_(DROP, "frag_drop", "fragments dropped with a bad set or a full table")       \
	_(FREED, "frag_freed", "mbufs released from the death row")

/* symbol, name (JSON key / metric suffix), help */
#define foreach_reglane_counter                                                        \
	_(RX_PKTS, "rx_pkts", "packets received")                                      \
	_(RX_BYTES, "rx_bytes", "bytes received (frames)")                             \
	_(TX_PKTS, "tx_pkts", "packets sent")                                          \
	_(TX_200, "tx_200", "200 OK sent")                                             \
	_(TX_400, "tx_400", "400 Bad Request sent")                                    \
	_(TX_403, "tx_403", "403 Forbidden sent")                                      \
	_(TX_405, "tx_405", "405 Method Not Allowed sent")                             \
	_(TX_413, "tx_413", "413 Request Entity Too Large sent")                       \
	_(TX_415, "tx_415", "415 Unsupported Media Type sent")                         \
	_(TX_420, "tx_420", "420 Bad Extension sent")                                  \
	_(TX_481, "tx_481", "481 Subscription Does Not Exist sent")                    \
	_(TX_489, "tx_489", "489 Bad Event sent")                                      \
	_(TX_500, "tx_500", "500 Server Internal Error sent")                          \
	_(TX_503, "tx_503", "503 Service Unavailable sent")                            \
	_(TX_505, "tx_505", "505 Version Not Supported sent")                          \
	_(TX_OTHER, "tx_other", "responses with any other status")                    \
	/* Transactions. */                                                            \
	_(TXN_RETRANS, "txn_retrans_answered", "retransmission answered from the cache") \
	_(TXN_EVICTED_LIVE, "txn_evicted_live", "transaction evicted before Timer J")  \
	/* Body parsing. */                                                            \
	_(REGINFO_SLOW_PATH, "reginfo_slow_path", "bodies the fast scanner left to libxml2") \
	/* Answered locally. */                                                        \
	_(ARP_REPLIED, "arp_replied", "ARP requests answered")                         \
	_(ICMP_ECHO_REPLIED, "icmp_echo_replied", "ICMP echo requests answered")       \
	_(ICMP6_ECHO_REPLIED, "icmp6_echo_replied", "ICMPv6 echo requests answered")   \
	_(ND_REPLIED, "nd_replied", "neighbour solicitations answered")                \
	/* Transmit side. */                                                           \
	_(DROP_TX_FULL, "drop_tx_full", "response dropped: tx queue full")             \
	_(DROP_REPLY_BUILD, "drop_reply_build", "response could not be built")

enum reglane_counter {
#define _(sym, name, help) RGL_CTR_##sym,
	foreach_reglane_counter
#undef _
#define _(sym, name, help) RGL_CTR_NET_##sym,
	foreach_reglane_net_verdict
#undef _
#define _(sym, name, help) RGL_CTR_NET_FRAG_##sym,
	foreach_reglane_net_frag_counter
#undef _
#define _(sym, status, name, help) RGL_CTR_ADMIT_##sym,
	foreach_admit_verdict
#undef _
#define _(sym, status, help) RGL_CTR_TABLE_##sym,
	foreach_regtable_result
#undef _
#define _(sym, str) RGL_CTR_SIP_ERR_##sym,
	foreach_sip_err
#undef _
#define _(sym, str) RGL_CTR_REGINFO_ERR_##sym,
	foreach_reginfo_err
#undef _
	RGL_CTR__COUNT
};

/** Entries in the net.h mirrors (see foreach_reglane_net_verdict). */
#define RGL_STATS_NET_VERDICTS (RGL_CTR_NET_FRAG_HELD - RGL_CTR_NET_SIP)
#define RGL_STATS_NET_FRAG_COUNTERS (RGL_CTR_ADMIT_CONTINUE - RGL_CTR_NET_FRAG_HELD)

/** Counter of a net verdict / reassembly counter / admission verdict /
 * regtable_apply() result / sip_parse() result / reginfo_parse() result. */
#define RGL_CTR_NET(v) ((enum reglane_counter)(RGL_CTR_NET_SIP + (int)(v)))
#define RGL_CTR_NET_FRAG(c) ((enum reglane_counter)(RGL_CTR_NET_FRAG_HELD + (int)(c)))
#define RGL_CTR_ADMIT(v) ((enum reglane_counter)(RGL_CTR_ADMIT_CONTINUE + (int)(v)))
#define RGL_CTR_TABLE(r) ((enum reglane_counter)(RGL_CTR_TABLE_APPLIED + (int)(r)))
#define RGL_CTR_SIP_ERR(e) ((enum reglane_counter)(RGL_CTR_SIP_ERR_OK + (int)(e)))
#define RGL_CTR_REGINFO_ERR(e) ((enum reglane_counter)(RGL_CTR_REGINFO_ERR_OK + (int)(e)))

/** One lcore's counters; cache-line aligned and sized (no false sharing). */
struct reglane_lcore_stats {
	alignas(64) uint64_t c[RGL_CTR__COUNT];
};

/** Add @p n to counter @p ctr. Context: the owner lcore only (single writer). */
static inline void
rgl_stats_add(struct reglane_lcore_stats *s, enum reglane_counter ctr, uint64_t n)
{
	/* Not a locked RMW: there is one writer. The relaxed atomic store only
	 * guarantees readers never see a torn value. */
	__atomic_store_n(&s->c[ctr], __atomic_load_n(&s->c[ctr], __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

static inline void
rgl_stats_inc(struct reglane_lcore_stats *s, enum reglane_counter ctr)
{
	rgl_stats_add(s, ctr, 1);
}

/** Counter of the response status sent (RGL_CTR_TX_OTHER for the rest). */
enum reglane_counter rgl_stats_tx_status(unsigned status);

/** Read one counter (any thread). */
static inline uint64_t
rgl_stats_get(const struct reglane_lcore_stats *s, enum reglane_counter ctr)
{
	return __atomic_load_n(&s->c[ctr], __ATOMIC_RELAXED);
}

/**
 * @p total = the sum of @p n per-lcore blocks (NULL entries are skipped).
 * Context: any thread.
 */
void reglane_stats_sum(struct reglane_lcore_stats *total,
		       const struct reglane_lcore_stats *const *each, unsigned n);

/**
 * The name of a counter, lower case, as used in JSON and metrics
 * ("rx_pkts", "admit_reply_489_event", "sip_err_no_call_id").
 * @return the length written (without NUL), or -1 when out of range.
 */
int reglane_counter_name(enum reglane_counter ctr, char *buf, size_t cap);

/** One-line description of a counter, "?" when out of range. */
const char *reglane_counter_help(enum reglane_counter ctr);

/**
 * Call @p fn for every counter in enum order with its name, help and value.
 * Context: any thread.
 */
void reglane_stats_foreach(const struct reglane_lcore_stats *s,
			   void (*fn)(const char *name, const char *help, uint64_t value,
				      void *arg),
			   void *arg);

/**
 * Write the counters as one JSON object {"rx_pkts":1,...} (NUL-terminated).
 * @return bytes written without the NUL, or -ENOSPC when @p cap is too small.
 */
int reglane_stats_json(const struct reglane_lcore_stats *s, char *buf, size_t cap);

/**
 * Write "name value" lines; with @p skip_zero, counters at 0 are left out.
 * @return 0 or -EIO.
 */
int reglane_stats_text(const struct reglane_lcore_stats *s, FILE *out, int skip_zero);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_STATS_H */
