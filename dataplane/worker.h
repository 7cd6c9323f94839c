/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_DP_WORKER_H
#define REGLANE_DP_WORKER_H

/*
 * Worker lcores (dataplane/worker.c): the poll loop of RCU.md section 4 and
 * the per-packet path rx -> net_classify -> SIP -> admission -> table ->
 * response -> tx. One struct worker per lcore, allocated on its socket,
 * passed explicitly (STYLE 2); nothing in it is shared with other lcores
 * except the counters (single writer, relaxed atomics, stats.h) and the
 * drained flag of its view.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include <reglane/app.h>

#include "port.h"

#define WORKER_BURST_MAX 512     /**< largest --burst */
#define WORKER_TX_PER_REPLY 64   /**< mbufs one reply may become (IP fragments) */
#define WORKER_TX_MAX (WORKER_BURST_MAX + WORKER_TX_PER_REPLY)
#define WORKER_MAX_QUEUES 32     /**< (port, queue) pairs one worker polls */

struct worker;

/** Cycle accounting of one worker, for the final report. */
struct worker_cycles {
	uint64_t rx;      /**< in rte_eth_rx_burst calls that returned packets */
	uint64_t handle;  /**< classifying, parsing, applying, building replies */
	uint64_t tx;      /**< in rte_eth_tx_burst */
	uint64_t bursts;  /**< non-empty rx bursts */
	uint64_t pkts;    /**< packets in them */
};

/**
 * Allocate and initialise worker @p idx for lcore @p lcore_id: its queues
 * (queue idx of every port that has one), reassembly tables, transaction
 * cache, reginfo parser. The regtable writer comes later
 * (worker_attach_table), once the control thread made the table.
 * Context: main thread, init path. @return the worker or NULL (logged).
 */
struct worker *worker_create(struct rgl_app *app, struct port_set *ps, unsigned idx,
			     unsigned lcore_id);

/** Give @p w its regtable writer. @return 0 or -ENOMEM. */
int worker_attach_table(struct worker *w);

/**
 * Free @p w's table writer (worker_main does it when it returns), so that
 * a driver that runs the worker itself (benchmarks) can destroy the table
 * and attach another. Context: registered with urcu-qsbr, online; @p w
 * not running.
 */
void worker_detach_table(struct worker *w);

/**
 * The lcore function (rte_eal_remote_launch, or called directly on the main
 * lcore when it is the only one). Registers with urcu-qsbr, polls until
 * app->stop, flushes, frees its writer and held fragments, unregisters.
 */
int worker_main(void *arg);

/**
 * One iteration of worker_main()'s loop, without its idle handling: every
 * queue polled once (rx burst, per-packet path, tx burst, reassembly
 * housekeeping), then urcu_qsbr_quiescent_state(). For benchmarks and
 * tests that drive a worker from their own thread.
 * Context: the one thread driving @p w, registered with urcu-qsbr and
 * online, with a call_rcu_data of its own (as worker_main sets up).
 * @return packets received.
 */
uint32_t worker_poll_once(struct worker *w);

/**
 * The per-packet path alone (no rx burst, no tx burst): handle @p n packets
 * as if rx queue @p qi of @p w had returned them — classify, reassemble,
 * SIP parse, admission, transaction cache, reginfo parse, table apply,
 * reply built in the request mbuf — then reassembly housekeeping. The
 * frames to transmit are moved to @p out (which takes WORKER_TX_MAX) and
 * belong to the caller. Counters are kept as worker_main() keeps them.
 * rte_eth_tx_burst is still called if the burst's replies need more than
 * WORKER_TX_MAX - WORKER_TX_PER_REPLY mbufs (many fragmented replies).
 * Context: as worker_poll_once(); the caller announces quiescent states.
 * @return the number of mbufs placed in @p out.
 */
uint16_t worker_process_burst(struct worker *w, unsigned qi, struct rte_mbuf **pkts, uint16_t n,
			      struct rte_mbuf **out);

/** Cycle accounting (read after the worker returned). */
void worker_get_cycles(const struct worker *w, struct worker_cycles *c);

/** Free @p w (after it returned). */
void worker_free(struct worker *w);

#endif /* REGLANE_DP_WORKER_H */
