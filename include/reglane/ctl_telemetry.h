/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_CTL_TELEMETRY_H
#define REGLANE_CTL_TELEMETRY_H

/**
 * @file
 * DPDK telemetry commands under /reglane/ (control/telemetry.c), answered
 * on DPDK's telemetry socket so that `dpdk-telemetry.py` works:
 *
 *   /reglane/info                 process summary: workers, table counts
 *   /reglane/stats                the dataplane counters summed over workers
 *   /reglane/user,<AoR>           one user's registration (any AoR of its set)
 *
 * Threads (RCU.md 3, "Telemetry rule"): DPDK runs each callback on a
 * telemetry connection thread that is not registered with urcu. The stats
 * command reads only the per-lcore counters (relaxed atomic loads). The
 * user command brackets its lookup with urcu_qsbr_register_thread() /
 * urcu_qsbr_unregister_thread() and copies what it answers, so no pointer
 * into the table outlives the bracket. A mutex orders the callbacks
 * against ctl_telemetry_detach(), after which they answer that the process
 * is stopping: the table and the counters can then be freed.
 */

#include <stdint.h>

#include <reglane/regtable.h>
#include <reglane/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ctl_telemetry_params {
	struct regtable *table;
	const struct reglane_lcore_stats *const *stats; /**< per worker; copied */
	unsigned n_stats;
	uint64_t (*now)(void *arg); /**< seconds on the table clock */
	void *arg;
};

/**
 * Point the commands at @p p's table and counters, and register them with
 * DPDK telemetry (once per process: DPDK cannot unregister a command).
 * Context: after rte_eal_init(), the control thread, before the workers run.
 * @return 0, -EINVAL (too many workers, bad params), or the -errno of
 *   rte_telemetry_register_cmd().
 */
int ctl_telemetry_attach(const struct ctl_telemetry_params *p);

/**
 * Make the commands stop touching the table and the counters; returns once
 * no callback is using them.
 * Context: any thread; before the table is destroyed and the workers'
 * counters are freed. A running callback never waits for a grace period,
 * so the caller may be online.
 */
void ctl_telemetry_detach(void);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_CTL_TELEMETRY_H */
