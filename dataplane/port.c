/* SPDX-License-Identifier: MIT */
/*
 * Ports: the init path between EAL and the worker lcores.
 *
 * Queue model (l3fwd): worker i owns rx queue i and tx queue i of every
 * port that has at least i + 1 queues, so no queue is ever shared and no
 * lock is needed on rx or tx. A port gets min(workers, device max rx, device
 * max tx) queue pairs; the net_pcap vdev has one, so in replay only worker
 * 0 sees traffic (the others idle and report drained at once).
 *
 * RSS (IP + UDP when the device supports them) keeps a UDP flow on one
 * queue, hence on one lcore: the per-lcore transaction cache relies on it
 * (txn_cache.h), and so does fragment reassembly (all fragments of a
 * datagram carry the same addresses; the device hashes them on IP only).
 *
 * Offloads are used only when the device offers them: rx IPv4/UDP checksum
 * (net_classify() trusts the GOOD/BAD flags and computes otherwise), rx
 * scatter (frames larger than one mbuf), tx IPv4/UDP checksum (net_tx reads
 * the enabled bits and computes in software otherwise) and tx multi-segment
 * (needed for replies that are fragmented or larger than one mbuf; without
 * it such replies are refused by net_reply_build and counted).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <reglane/app.h>

#include "port.h"
#include "worker.h"

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024
#define PORT_POOL_CACHE 256
#define PORT_INDIRECT_MBUFS 4095
/* mbufs a worker may hold outside the rings: a burst, its replies and
 * fragments waiting for reassembly (the rest of a full reassembly table
 * is not reserved: an exhausted pool drops on rx, it does not break). */
#define PORT_MBUFS_PER_WORKER (WORKER_BURST_MAX + WORKER_TX_MAX + 8192)

unsigned
port_socket_of_lcore(unsigned lcore_id)
{
	unsigned s = rte_lcore_to_socket_id(lcore_id);

	return s < RTE_MAX_NUMA_NODES ? s : 0;
}

static uint32_t
round_pool_size(uint64_t n)
{
	/* Mempools are most efficient at 2^k - 1 elements (ring size 2^k). */
	uint64_t p = 1;

	while (p < n + 1 && p < (1ull << 24))
		p <<= 1;
	return (uint32_t)(p - 1);
}

static int
port_create_pools(struct port_set *ps, const unsigned *lcores, unsigned n_workers,
		  uint64_t ring_mbufs)
{
	uint64_t per_socket[RTE_MAX_NUMA_NODES] = { 0 };

	for (unsigned i = 0; i < n_workers; i++)
		per_socket[port_socket_of_lcore(lcores[i])] += PORT_MBUFS_PER_WORKER;
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		uint32_t n;

		if (per_socket[s] == 0)
			continue;
		/* Every socket's pool can fill every ring: rings may be on any. */
		n = round_pool_size(per_socket[s] + ring_mbufs);
		snprintf(name, sizeof(name), "rgl_pkt_%u", s);
		ps->pool[s] = rte_pktmbuf_pool_create(name, n, PORT_POOL_CACHE, 0,
						      RTE_MBUF_DEFAULT_BUF_SIZE, (int)s);
		if (ps->pool[s] == NULL) {
			RGL_LOG(ERR, "mempool of %u mbufs on socket %u: %s\n", n, s,
				rte_strerror(rte_errno));
			return -(rte_errno != 0 ? rte_errno : ENOMEM);
		}
		/* rte_ipv4/ipv6_fragment_packet(): headers in direct mbufs from
		 * the packet pool, payload by reference through indirect ones. */
		snprintf(name, sizeof(name), "rgl_ind_%u", s);
		ps->indirect[s] = rte_pktmbuf_pool_create(name, PORT_INDIRECT_MBUFS, 32, 0, 0,
							  (int)s);
		if (ps->indirect[s] == NULL) {
			RGL_LOG(ERR, "indirect mempool on socket %u: %s\n", s,
				rte_strerror(rte_errno));
			return -(rte_errno != 0 ? rte_errno : ENOMEM);
		}
	}
	return 0;
}

static void
port_net_config(struct port_info *pi, const struct reglane_config *cfg)
{
	struct net_config *nc = &pi->net;

	memset(nc, 0, sizeof(*nc));
	nc->sip_port = cfg->sip_port;
	rte_eth_macaddr_get(pi->port_id, &nc->mac);
	for (unsigned i = 0; i < cfg->n_addrs; i++) {
		const struct rgl_addr *a = &cfg->addrs[i];

		if (a->family == 4 && nc->n_ip4 < NET_MAX_ADDRS)
			memcpy(&nc->ip4[nc->n_ip4++], a->addr, 4);
		else if (a->family == 6 && nc->n_ip6 < NET_MAX_ADDRS)
			memcpy(nc->ip6[nc->n_ip6++], a->addr, 16);
	}
	nc->frag_max_entries = cfg->frag_max_entries;
	nc->frag_timeout_ms = cfg->frag_timeout_ms;
}

static int
port_setup(struct port_set *ps, struct port_info *pi, const unsigned *lcores,
	   unsigned n_workers)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t port = pi->port_id, nq, nb_rxd = PORT_RX_DESC, nb_txd = PORT_TX_DESC;
	uint64_t want;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		RGL_LOG(ERR, "port %u: device info: %s\n", port, strerror(-rc));
		return rc;
	}
	nq = (uint16_t)RTE_MIN(n_workers,
			       (unsigned)RTE_MIN(info.max_rx_queues, info.max_tx_queues));
	if (nq == 0) {
		RGL_LOG(WARNING, "port %u (%s): no rx/tx queue pair, not used\n", port,
			info.driver_name);
		return 0;
	}

	memset(&conf, 0, sizeof(conf));
	if (nq > 1) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;

		if (hf != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
		} else {
			RGL_LOG(WARNING, "port %u: no IP/UDP RSS, every packet goes to queue 0\n",
				port);
		}
	}
	want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
	       RTE_ETH_RX_OFFLOAD_SCATTER;
	conf.rxmode.offloads = want & info.rx_offload_capa;
	want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
	       RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	conf.txmode.offloads = want & info.tx_offload_capa;

	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc != 0) {
		RGL_LOG(ERR, "port %u: configure %u queues: %s\n", port, nq, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc != 0) {
		RGL_LOG(ERR, "port %u: descriptors: %s\n", port, strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < nq; q++) {
		/* Queue memory on the socket of the lcore that polls it. */
		unsigned s = port_socket_of_lcore(lcores[q]);
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = conf.rxmode.offloads;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, s, &rxc, ps->pool[s]);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, nb_txd, s, &txc);
		if (rc != 0) {
			RGL_LOG(ERR, "port %u: queue %u setup: %s\n", port, q, strerror(-rc));
			return rc;
		}
	}
	if (rte_eth_dev_get_mtu(port, &pi->mtu) != 0 || pi->mtu < RTE_ETHER_MIN_MTU)
		pi->mtu = RTE_ETHER_MTU;
	pi->n_queues = nq;
	pi->tx_offloads = conf.txmode.offloads;
	RGL_LOG(INFO, "port %u (%s): %u queue pair(s), mtu %u, rx offloads 0x%" PRIx64
		", tx offloads 0x%" PRIx64 "\n",
		port, info.driver_name, nq, pi->mtu, conf.rxmode.offloads, conf.txmode.offloads);
	return 0;
}

int
port_init_all(struct port_set *ps, const struct reglane_config *cfg, const unsigned *lcores,
	      unsigned n_workers)
{
	uint64_t ring_mbufs = 0;
	uint16_t port;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if (rte_eth_dev_count_avail() == 0) {
		RGL_LOG(ERR, "no DPDK port: bind a NIC, or give e.g. "
			"--vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap\n");
		return -ENODEV;
	}
	RTE_ETH_FOREACH_DEV(port) {
		ring_mbufs += (uint64_t)n_workers * (PORT_RX_DESC + PORT_TX_DESC);
	}
	rc = port_create_pools(ps, lcores, n_workers, ring_mbufs);
	if (rc < 0)
		return rc;
	RTE_ETH_FOREACH_DEV(port) {
		struct port_info *pi = &ps->ports[ps->n_ports];

		pi->port_id = port;
		rc = port_setup(ps, pi, lcores, n_workers);
		if (rc < 0)
			return rc;
		if (pi->n_queues == 0)
			continue;
		port_net_config(pi, cfg);
		ps->n_ports++;
	}
	if (ps->n_ports == 0) {
		RGL_LOG(ERR, "no usable DPDK port\n");
		return -ENODEV;
	}
	return 0;
}

int
port_start_all(struct port_set *ps)
{
	for (uint16_t i = 0; i < ps->n_ports; i++) {
		struct port_info *pi = &ps->ports[i];
		int rc = rte_eth_dev_start(pi->port_id);

		if (rc != 0) {
			RGL_LOG(ERR, "port %u: start: %s\n", pi->port_id, strerror(-rc));
			return rc;
		}
		pi->started = true;
		/* Solicited-node multicast (ND) must reach us; without own
		 * addresses reglane is a sniffer and wants everything. */
		rte_eth_allmulticast_enable(pi->port_id);
		if (pi->net.n_ip4 == 0 && pi->net.n_ip6 == 0)
			rte_eth_promiscuous_enable(pi->port_id);
	}
	return 0;
}

void
port_close_all(struct port_set *ps)
{
	for (uint16_t i = 0; i < ps->n_ports; i++) {
		struct port_info *pi = &ps->ports[i];

		if (pi->started) {
			rte_eth_dev_stop(pi->port_id);
			pi->started = false;
		}
		rte_eth_dev_close(pi->port_id);
	}
	ps->n_ports = 0;
}

void
port_free_pools(struct port_set *ps)
{
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(ps->pool[s]);
		rte_mempool_free(ps->indirect[s]);
		ps->pool[s] = ps->indirect[s] = NULL;
	}
}
