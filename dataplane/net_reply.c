/* SPDX-License-Identifier: MIT */
/*
 * The UDP datagram carrying a SIP response, built in the request's mbuf
 * (VPP udp-echo style: the addresses come from the request, swapped) or in
 * a fresh one when it does not fit.
 *
 * Layout written: Ethernet [802.1Q] | IPv4 (20 B, no options) or IPv6 (40 B,
 * no extension headers) | UDP | payload. Everything is validated before the
 * first byte is written, so an error leaves the request mbuf untouched.
 *
 * Replies above the MTU are fragmented with rte_ipv4/ipv6_fragment_packet()
 * when the caller gave pools for it (or, with only the direct pool, for a
 * port without multi-segment TX, copied into one flat mbuf per fragment). Those functions want the IP header at
 * the start of the packet, a UDP checksum already in place (fragments cannot
 * be checksummed by the NIC), DF clear, and they leave the IPv4 header
 * checksums zero and the IPv6 fragment id 0 — all fixed up here.
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "net_priv.h"

/* Sizes of one reply, computed once by reply_plan(). */
struct plan {
	uint32_t l2, l3, hdr;   /* hdr = l2 + l3 + UDP */
	uint32_t ip_len;        /* IP packet bytes */
	uint16_t frag_mtu;      /* 0: not fragmented; else the MTU handed to rte_ip_frag */
	uint16_t n_frags;
};

static int
reply_plan(const struct net_pkt *req, const struct sip_endpoint *to, uint32_t len,
	   const struct net_tx *tx, uint16_t n_out, struct plan *pl)
{
	uint8_t fam = req->dst.family;
	uint32_t per;

	if ((fam != 4 && fam != 6) || to->family != fam)
		return -EAFNOSUPPORT;
	pl->l2 = NET_ETH_LEN + (req->has_vlan ? NET_VLAN_LEN : 0);
	pl->l3 = fam == 4 ? NET_IP4_LEN : NET_IP6_LEN;
	pl->hdr = pl->l2 + pl->l3 + NET_UDP_LEN;
	/* IPv4 total length and IPv6 payload length are 16-bit fields. */
	if (len > UINT16_MAX - NET_UDP_LEN - (fam == 4 ? NET_IP4_LEN : 0))
		return -EMSGSIZE;
	pl->ip_len = pl->l3 + NET_UDP_LEN + len;
	pl->frag_mtu = 0;
	pl->n_frags = 1;
	if (n_out == 0)
		return -EMSGSIZE;
	if (pl->ip_len <= tx->mtu)
		return 0;
	if (tx->frag_direct == NULL)
		return -EMSGSIZE;
	/* Every fragment but the last carries a multiple of 8 bytes. */
	if (fam == 4) {
		if (tx->mtu < 68)
			return -EMSGSIZE;
		per = (tx->mtu - NET_IP4_LEN) & ~7u;
		pl->frag_mtu = (uint16_t)(NET_IP4_LEN + per);
	} else {
		if (tx->mtu < RTE_IPV6_MIN_MTU)
			return -EMSGSIZE;
		per = (tx->mtu - NET_IP6_LEN - NET_IP6_FRAG_LEN) & ~7u;
		pl->frag_mtu = (uint16_t)(NET_IP6_LEN + NET_IP6_FRAG_LEN + per);
	}
	pl->n_frags = (uint16_t)((NET_UDP_LEN + len + per - 1) / per);
	if (pl->n_frags > n_out)
		return -EMSGSIZE;
	/* Copied fragments are single mbufs: each must fit one data room. */
	if (tx->frag_indirect == NULL &&
	    (uint32_t)rte_pktmbuf_data_room_size(tx->frag_direct) <
		    RTE_PKTMBUF_HEADROOM + pl->l2 + pl->frag_mtu)
		return -EMSGSIZE;
	return 0;
}

/* Ethernet, IP and UDP headers at the start of @p m (checksums not yet). */
static void
write_headers(struct rte_mbuf *m, const struct net_pkt *req, const struct sip_endpoint *to,
	      uint32_t len, const struct plan *pl, struct net_tx *tx)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = p + pl->l2;
	uint8_t *udp = ip + pl->l3;
	uint16_t ulen = (uint16_t)(NET_UDP_LEN + len);

	/* Back to the sender's MAC even when a Via maddr moved the IP destination. */
	memcpy(p, &req->src_mac, RTE_ETHER_ADDR_LEN);
	memcpy(p + 6, &req->dst_mac, RTE_ETHER_ADDR_LEN);
	if (req->has_vlan) {
		p[12] = RTE_ETHER_TYPE_VLAN >> 8;
		p[13] = RTE_ETHER_TYPE_VLAN & 0xff;
		p[14] = (uint8_t)(req->vlan_tci >> 8);
		p[15] = (uint8_t)req->vlan_tci;
	}
	if (req->dst.family == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		p[pl->l2 - 2] = RTE_ETHER_TYPE_IPV4 >> 8;
		p[pl->l2 - 1] = RTE_ETHER_TYPE_IPV4 & 0xff;
		h->version_ihl = 0x45;
		/* Keep the DSCP the peer chose for signalling; ECN is per hop. */
		h->type_of_service = (uint8_t)(req->tos & ~3u);
		h->total_length = rte_cpu_to_be_16((uint16_t)pl->ip_len);
		h->packet_id = rte_cpu_to_be_16((uint16_t)tx->ip_id++);
		/* DF would make rte_ipv4_fragment_packet() refuse the packet. */
		h->fragment_offset = pl->frag_mtu ? 0 : rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		h->time_to_live = NET_TTL;
		h->next_proto_id = IPPROTO_UDP;
		h->hdr_checksum = 0;
		memcpy(&h->src_addr, req->dst.addr, 4);
		memcpy(&h->dst_addr, to->addr, 4);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

		p[pl->l2 - 2] = RTE_ETHER_TYPE_IPV6 >> 8;
		p[pl->l2 - 1] = RTE_ETHER_TYPE_IPV6 & 0xff;
		h->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)(req->tos & ~3u) << 20);
		h->payload_len = rte_cpu_to_be_16(ulen);
		h->proto = IPPROTO_UDP;
		h->hop_limits = NET_TTL;
		memcpy(h->src_addr, req->dst.addr, 16);
		memcpy(h->dst_addr, to->addr, 16);
	}
	udp[0] = (uint8_t)(req->dst.port >> 8);
	udp[1] = (uint8_t)req->dst.port;
	udp[2] = (uint8_t)(to->port >> 8);
	udp[3] = (uint8_t)to->port;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	udp[6] = udp[7] = 0;
}

/* Checksums and offload flags of an unfragmented reply, or the UDP one before fragmenting. */
static void
set_checksums(struct rte_mbuf *m, const struct plan *pl, const struct net_tx *tx, uint8_t fam)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pl->l2);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + pl->l3);
	bool frag = pl->frag_mtu != 0;
	uint32_t ulen = pl->ip_len - pl->l3;

	net_reset_ol_flags(m);
	m->l2_len = pl->l2 & 0x7f;
	m->l3_len = pl->l3 & 0x1ff;
	m->l4_len = NET_UDP_LEN;
	if (fam == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		if (!frag && (tx->offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM))
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		else
			h->hdr_checksum = rte_ipv4_cksum(h);
		if (!frag && (tx->offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) {
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(h, m->ol_flags);
			return;
		}
	} else if (!frag && (tx->offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum =
			rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)ip, m->ol_flags);
		return;
	}
	/* Software: over the whole chain, pseudo-header included. */
	udp->dgram_cksum = 0;
	udp->dgram_cksum = net_cksum_final(
		(uint16_t)net_l4_sum(m, pl->l2 + pl->l3, ulen, fam, ip + (fam == 4 ? 12 : 8),
				     ip + (fam == 4 ? 16 : 24), IPPROTO_UDP),
		true);
}

/*
 * Split @p m (headers written, UDP checksum set) into fragments in @p out.
 * Consumes @p m: the fragments reference its data. -ENOMEM on allocation
 * failure, after freeing @p m.
 */
static int
fragment(struct rte_mbuf *m, const struct plan *pl, struct net_tx *tx, uint8_t fam,
	 struct rte_mbuf **out, uint16_t n_out)
{
	uint8_t l2hdr[NET_ETH_LEN + NET_VLAN_LEN];
	int32_t n;

	memcpy(l2hdr, rte_pktmbuf_mtod(m, uint8_t *), pl->l2);
	rte_pktmbuf_adj(m, (uint16_t)pl->l2);
	if (fam == 4)
		n = rte_ipv4_fragment_packet(m, out, n_out, pl->frag_mtu, tx->frag_direct,
					     tx->frag_indirect);
	else
		n = rte_ipv6_fragment_packet(m, out, n_out, pl->frag_mtu, tx->frag_direct,
					     tx->frag_indirect);
	/* The fragments hold references to the data they need. */
	rte_pktmbuf_free(m);
	if (n < 0)
		return n == -EINVAL ? -EMSGSIZE : -ENOMEM;

	for (int32_t i = 0; i < n; i++) {
		struct rte_mbuf *f = out[i];
		uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(f, (uint16_t)pl->l2);

		if (p == NULL) {
			/* Direct pools come with RTE_PKTMBUF_HEADROOM; never here. */
			for (int32_t j = 0; j < n; j++)
				rte_pktmbuf_free(out[j]);
			return -ENOMEM;
		}
		memcpy(p, l2hdr, pl->l2);
		net_reset_ol_flags(f);
		f->l2_len = pl->l2 & 0x7f;
		if (fam == 4) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)(p + pl->l2);

			f->l3_len = NET_IP4_LEN;
			h->hdr_checksum = 0;
			if (tx->offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
				f->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
			else
				h->hdr_checksum = rte_ipv4_cksum(h);
		} else {
			struct rte_ipv6_fragment_ext *fh =
				(struct rte_ipv6_fragment_ext *)(p + pl->l2 + NET_IP6_LEN);

			f->l3_len = NET_IP6_LEN + NET_IP6_FRAG_LEN;
			fh->id = rte_cpu_to_be_32(tx->ip_id);
		}
	}
	if (fam == 6)
		tx->ip_id++;
	return n;
}

/*
 * fragment() for a port without multi-segment TX (net_pcap, some vdevs):
 * every fragment is copied into one flat mbuf from tx->frag_direct, headers
 * included. @p m (headers written, UDP checksum set; may be a chain) is
 * consumed. -ENOMEM on allocation failure, nothing left allocated.
 */
static int
fragment_flat(struct rte_mbuf *m, const struct plan *pl, struct net_tx *tx, uint8_t fam,
	      struct rte_mbuf **out)
{
	const uint8_t *head = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t fl3 = fam == 4 ? NET_IP4_LEN : NET_IP6_LEN + NET_IP6_FRAG_LEN;
	uint32_t per = pl->frag_mtu - fl3;
	uint32_t total = pl->ip_len - pl->l3; /* UDP header + payload */
	uint16_t i;

	for (i = 0; i < pl->n_frags; i++) {
		uint32_t off = (uint32_t)i * per;
		uint32_t chunk = RTE_MIN(per, total - off);
		bool more = i + 1 < pl->n_frags;
		struct rte_mbuf *f = rte_pktmbuf_alloc(tx->frag_direct);
		uint8_t *p, *ip;
		const void *src;

		if (f == NULL) {
			while (i > 0)
				rte_pktmbuf_free(out[--i]);
			rte_pktmbuf_free(m);
			return -ENOMEM;
		}
		p = rte_pktmbuf_mtod(f, uint8_t *);
		ip = p + pl->l2;
		/* Ethernet [VLAN] and the IP header as written for the whole. */
		memcpy(p, head, pl->l2 + pl->l3);
		src = rte_pktmbuf_read(m, pl->l2 + pl->l3 + off, chunk, ip + fl3);
		if (src != ip + fl3)
			memcpy(ip + fl3, src, chunk);
		net_reset_ol_flags(f);
		f->l2_len = pl->l2 & 0x7f;
		f->l3_len = fl3 & 0x1ff;
		if (fam == 4) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

			h->total_length = rte_cpu_to_be_16((uint16_t)(NET_IP4_LEN + chunk));
			h->fragment_offset = rte_cpu_to_be_16(
				(uint16_t)((off >> 3) | (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
			h->hdr_checksum = 0;
			if (tx->offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
				f->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
			else
				h->hdr_checksum = rte_ipv4_cksum(h);
		} else {
			struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;
			struct rte_ipv6_fragment_ext *fh =
				(struct rte_ipv6_fragment_ext *)(ip + NET_IP6_LEN);

			h->payload_len = rte_cpu_to_be_16((uint16_t)(NET_IP6_FRAG_LEN + chunk));
			h->proto = IPPROTO_FRAGMENT;
			fh->next_header = IPPROTO_UDP;
			fh->reserved = 0;
			/* Offset in 8-byte units sits in bits 15..3: the byte offset. */
			fh->frag_data = rte_cpu_to_be_16((uint16_t)(off | (more ? 1u : 0u)));
			fh->id = rte_cpu_to_be_32(tx->ip_id);
		}
		f->data_len = (uint16_t)(pl->l2 + fl3 + chunk);
		f->pkt_len = f->data_len;
		out[i] = f;
	}
	if (fam == 6)
		tx->ip_id++;
	rte_pktmbuf_free(m);
	return pl->n_frags;
}

static int
reply_finish(struct rte_mbuf *m, const struct plan *pl, struct net_tx *tx, uint8_t fam,
	     struct rte_mbuf **out, uint16_t n_out)
{
	set_checksums(m, pl, tx, fam);
	if (pl->frag_mtu == 0) {
		out[0] = m;
		return 1;
	}
	if (tx->frag_indirect == NULL)
		return fragment_flat(m, pl, tx, fam, out);
	return fragment(m, pl, tx, fam, out, n_out);
}

int
net_reply_build(struct rte_mbuf *m, const struct net_pkt *req, const struct sip_endpoint *to,
		const void *payload, uint32_t len, struct net_tx *tx, struct rte_mbuf **out,
		uint16_t n_out)
{
	struct plan pl;
	int rc;

	rc = reply_plan(req, to, len, tx, n_out, &pl);
	if (rc != 0)
		return rc;
	if (!net_mbuf_writable(m))
		return -EBUSY;
	if (pl.hdr + len > (uint32_t)m->buf_len - m->data_off)
		return -ENOSPC;

	/*
	 * Payload first: it may alias the request's payload, which starts at
	 * or after the new one (our headers are never longer than the
	 * request's, except for a stripped VLAN tag put back: memmove copes).
	 * It may also live in a later segment, freed just below.
	 */
	if (len != 0)
		memmove(rte_pktmbuf_mtod_offset(m, uint8_t *, pl.hdr), payload, len);
	if (m->next != NULL) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	m->data_len = (uint16_t)(pl.hdr + len);
	m->pkt_len = pl.hdr + len;
	write_headers(m, req, to, len, &pl, tx);
	return reply_finish(m, &pl, tx, req->dst.family, out, n_out);
}

int
net_reply_alloc(struct rte_mempool *mp, const struct net_pkt *req, const struct sip_endpoint *to,
		const void *payload, uint32_t len, struct net_tx *tx, struct rte_mbuf **out,
		uint16_t n_out)
{
	const uint8_t *src = payload;
	struct rte_mbuf *m, *last;
	struct plan pl;
	uint32_t room, chunk, done;
	int rc;

	rc = reply_plan(req, to, len, tx, n_out, &pl);
	if (rc != 0)
		return rc;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return -ENOMEM;
	room = rte_pktmbuf_tailroom(m);
	if (room < pl.hdr) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	chunk = RTE_MIN(len, room - pl.hdr);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, pl.hdr), src, chunk);
	m->data_len = (uint16_t)(pl.hdr + chunk);
	m->pkt_len = pl.hdr + chunk;
	/* The rest in further segments, each filled to its data room. */
	last = m;
	for (done = chunk; done < len; done += chunk) {
		struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);

		if (seg == NULL) {
			rte_pktmbuf_free(m);
			return -ENOMEM;
		}
		room = rte_pktmbuf_tailroom(seg);
		if (room == 0) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free(m);
			return -ENOSPC;
		}
		chunk = RTE_MIN(len - done, room);
		memcpy(rte_pktmbuf_mtod(seg, uint8_t *), src + done, chunk);
		seg->data_len = (uint16_t)chunk;
		last->next = seg;
		last = seg;
		m->nb_segs++;
		m->pkt_len += chunk;
	}
	write_headers(m, req, to, len, &pl, tx);
	return reply_finish(m, &pl, tx, req->dst.family, out, n_out);
}
