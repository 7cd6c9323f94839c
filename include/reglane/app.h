/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_APP_H
#define REGLANE_APP_H

/**
 * @file
 * The process: what main() builds once and hands, by pointer, to the
 * worker lcores (dataplane/worker.c) and to the control thread
 * (control/ctl_thread.c). It is the glue of the `reglane` binary, so it may
 * use DPDK's log macros; the modules it ties together do not include it.
 *
 * Who writes what (everything else is read-only once the lcores run):
 * - main: every field before the control thread starts;
 * - the control thread: @c table and each worker view's @c crdp before it
 *   reports ready; @c final_* and @c leaked during its teardown;
 * - worker i: workers[i].drained (release store);
 * - anyone (signal handler, control thread on drain, main on a fatal
 *   error): @c stop, release store; readers use acquire loads (STYLE 9).
 * The signal handler touches nothing but @c stop: liburcu 0.13.2 helper
 * threads do not block signals, so it may run on any thread (RCU.md 1).
 */

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include <reglane/config.h>
#include <reglane/regtable.h>
#include <reglane/stats.h>

/**
 * reglane's log lines ("REGLANE: ..."): a dynamic DPDK log type registered
 * by main() as "reglane", its level from --log-level (DPDK's own libraries
 * log under USER1, e.g. ip_frag, so that type is not ours to use).
 */
extern int rgl_logtype;
#define RTE_LOGTYPE_REGLANE rgl_logtype
#define RGL_LOG(level, ...) RTE_LOG(level, REGLANE, __VA_ARGS__)

/** Most worker lcores one process runs (each gets a struct rgl_worker_view). */
#define RGL_MAX_WORKERS 128

/**
 * The one clock of the process: TSC cycles mapped to wall-clock seconds
 * (the regtable's `now`, expiry in the state dump) and to a millisecond
 * count (transaction Timer J). Workers read the TSC once per burst and
 * convert; no system call on the packet path.
 */
struct rgl_clock {
	uint64_t tsc0;    /**< TSC at start */
	uint64_t hz;      /**< TSC cycles per second */
	uint64_t hz_ms;   /**< TSC cycles per millisecond (>= 1) */
	uint64_t epoch_s; /**< CLOCK_REALTIME seconds at tsc0 */
};

/** Seconds since the Unix epoch at TSC value @p tsc. */
static inline uint64_t
rgl_clock_s(const struct rgl_clock *c, uint64_t tsc)
{
	return c->epoch_s + (tsc - c->tsc0) / c->hz;
}

/** Milliseconds since start at TSC value @p tsc (monotonic). */
static inline uint64_t
rgl_clock_ms(const struct rgl_clock *c, uint64_t tsc)
{
	return (tsc - c->tsc0) / c->hz_ms;
}

struct call_rcu_data;

/** What the rest of the process sees of one worker lcore. */
struct rgl_worker_view {
	alignas(64) struct reglane_lcore_stats *stats; /**< owned by the worker */
	struct call_rcu_data *crdp; /**< its reclamation thread (control thread made it) */
	unsigned lcore_id;
	/** No packet for a while after the input was consumed (see worker.c). */
	atomic_bool drained;
};

struct rgl_app {
	const struct reglane_config *cfg;
	struct rgl_clock clock;
	uint64_t tag_secret;   /**< To-tag secret, random per process */
	uint8_t txn_seed[16];  /**< transaction-cache SipHash key, random per process */

	alignas(64) atomic_bool stop; /**< workers leave their loop */

	struct regtable *table; /**< created and destroyed by the control thread */
	unsigned n_workers;
	struct rgl_worker_view workers[RGL_MAX_WORKERS];

	/* Control thread bookkeeping (control/ctl_thread.c). */
	pthread_t ctl_tid;
	atomic_int ctl_state;  /**< 0 starting, 1 ready, < 0 -errno of a failed start */
	atomic_bool ctl_quit;  /**< main asks for the final dump and teardown */
	bool final_dump;       /**< main: --dump-state at teardown (not after a failed start) */
	struct regtable_stats final_table; /**< table counts just before teardown */
	uint64_t leaked;       /**< regtable_destroy(): objects still allocated */
	int dump_rc;           /**< last state dump: 0, -errno, or 1 when none was asked */
};

/** Ask every worker to stop (async-signal-safe). */
static inline void
rgl_app_request_stop(struct rgl_app *app)
{
	atomic_store_explicit(&app->stop, true, memory_order_release);
}

static inline bool
rgl_app_stopping(struct rgl_app *app)
{
	return atomic_load_explicit(&app->stop, memory_order_acquire);
}

#endif /* REGLANE_APP_H */
