/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_DP_PORT_H
#define REGLANE_DP_PORT_H

/*
 * Ethernet ports (dataplane/port.c): every DPDK port, one rx and one tx
 * queue per worker lcore (fewer when the device has fewer), RSS on IP + UDP
 * when a port has more than one queue, one packet mempool (and one indirect
 * pool for reply fragmentation) per NUMA socket that runs a worker, checksum
 * and multi-segment tx offloads when the device offers them.
 *
 * Init path only; returns -errno and logs once where it fails (STYLE 6).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <reglane/config.h>
#include <reglane/net.h>

struct port_info {
	uint16_t port_id;
	uint16_t n_queues;  /**< rx = tx queues; queue i belongs to worker i */
	uint16_t mtu;
	bool started;
	uint64_t tx_offloads; /**< enabled; handed to net_tx */
	struct net_config net; /**< this port's MAC, our addresses, SIP port */
};

struct port_set {
	uint16_t n_ports;
	struct port_info ports[RTE_MAX_ETHPORTS];
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES];     /**< packets, per socket */
	struct rte_mempool *indirect[RTE_MAX_NUMA_NODES]; /**< fragment indirect mbufs */
};

/** Socket an lcore allocates on (0 when EAL does not know). */
unsigned port_socket_of_lcore(unsigned lcore_id);

/**
 * Create the pools and configure every port with one queue pair per worker
 * (@p lcores[i] is worker i's lcore: its socket holds queue i's memory).
 * @return 0, -ENODEV (no port at all), or -errno.
 */
int port_init_all(struct port_set *ps, const struct reglane_config *cfg, const unsigned *lcores,
		  unsigned n_workers);

/** Start every port. @return 0 or -errno. */
int port_start_all(struct port_set *ps);

/**
 * Stop and close every port. The pcap PMD writes and closes its tx file
 * here, so call it once every worker has sent its last burst.
 */
void port_close_all(struct port_set *ps);

/** Free the mempools (after port_close_all and after every mbuf came back). */
void port_free_pools(struct port_set *ps);

#endif /* REGLANE_DP_PORT_H */
