/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_BENCH_PIPELINE_ENV_H
#define REGLANE_BENCH_PIPELINE_ENV_H

/*
 * The reglane process inside bench_pipeline (pipeline_env.c): EAL, the
 * configuration, one net_ring port with one rx/tx ring pair per worker, the
 * real port.c set-up, real struct worker objects (dataplane/worker.c) and a
 * registration table the benchmark creates, fills and destroys.
 *
 * In C because dataplane/worker.h pulls in <stdatomic.h> types that C++17
 * cannot include; bench_pipeline.cc sees only this interface.
 *
 * Threads: the benchmark's main thread is lcore 0, registered with
 * urcu-qsbr (online) from pipe_env_open() to pipe_env_close(), with a
 * call_rcu_data of its own, and drives worker 0. Worker 1 runs only inside
 * pipe_env_drain(), on lcore 1.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <reglane/regtable.h>
#include <reglane/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_ring;
struct pipe_env;

/**
 * rte_eal_init with -l 0-(n_lcores-1) --no-huge -m @p mem_mb --no-pci
 * --no-shconf --file-prefix=bench_pipe_<pid>, DPDK logs at warning.
 * @return 0 or -1 (EAL refused).
 */
int pipe_eal_init(const char *prog, unsigned n_lcores, unsigned mem_mb);

/**
 * Configuration (defaults, own address @p own_ip4, trust all), one ring
 * port with @p n_workers queue pairs set up by port_init_all(), the
 * workers (worker i on lcore i), the main thread registered.
 * @return 0 or -errno.
 */
int pipe_env_open(unsigned n_workers, const char *own_ip4, struct pipe_env **out);

/** Undo pipe_env_open() (drops the table first). */
void pipe_env_close(struct pipe_env *e);

/**
 * Create a registration table (defaults of the reglane binary, with
 * @p max_regs registrations and @p max_mem bytes pre-faulted) and attach
 * every worker and the stage harness to it; drops the previous one.
 * @return 0 or -errno from regtable_create().
 */
int pipe_env_new_table(struct pipe_env *e, uint64_t max_regs, uint64_t max_mem);

/** Detach everyone and destroy the table. @return objects leaked (0). */
uint64_t pipe_env_drop_table(struct pipe_env *e);

/** regtable_maintain() (the control thread's job: grow the hash tables). */
void pipe_env_maintain(struct pipe_env *e);

/** regtable_stats() of the current table. */
void pipe_env_table_stats(struct pipe_env *e, struct regtable_stats *st);

/** The port's MAC address (the destination of the frames we feed). */
void pipe_env_mac(const struct pipe_env *e, uint8_t mac[6]);

/** worker_process_burst() of worker @p wi; @p out takes PIPE_TX_MAX. */
uint16_t pipe_env_process(struct pipe_env *e, unsigned wi, struct rte_mbuf **pkts, uint16_t n,
			  struct rte_mbuf **out);

#define PIPE_TX_MAX 1024 /* >= WORKER_TX_MAX */

/** worker_poll_once() of worker @p wi (rx ring -> tx ring). */
uint32_t pipe_env_poll(struct pipe_env *e, unsigned wi);

/** urcu_qsbr_quiescent_state() of the calling thread. */
void pipe_env_quiescent(void);

/** Rings behind worker @p wi's rx and tx queue. */
struct rte_ring *pipe_env_rx_ring(struct pipe_env *e, unsigned wi);
struct rte_ring *pipe_env_tx_ring(struct pipe_env *e, unsigned wi);

/** One counter of worker @p wi. */
uint64_t pipe_env_counter(const struct pipe_env *e, unsigned wi, enum reglane_counter c);

/** Every worker's non-zero counters, for a failure report. */
void pipe_env_print_counters(const struct pipe_env *e, FILE *out);

/** The worker's own cycle split (rx, handle, tx) since it was created. */
void pipe_env_worker_cycles(const struct pipe_env *e, unsigned wi, uint64_t *rx,
			    uint64_t *handle, uint64_t *tx);

/**
 * Run workers 0..@p n-1 at once (worker 0 here, the others on their
 * lcores), each polling its rx ring until it is empty, from a common start.
 * @p cycles[i] receives worker i's TSC cycles from the start to its ring
 * being drained, @p cpu_ns[i] the CPU time its thread used meanwhile.
 * @return 0 or -errno (launch failed).
 */
int pipe_env_drain(struct pipe_env *e, unsigned n, uint64_t *cycles, uint64_t *cpu_ns);

/**
 * CPU time of the calling thread in ns (CLOCK_THREAD_CPUTIME_ID): what the
 * benchmarks time with, because on a shared machine the wall clock also
 * counts the time slices other processes got. About 0.8 us per call on the
 * CI VM, so it brackets whole batches, not packets.
 */
uint64_t pipe_cpu_ns(void);

/** Cycles one rte_rdtsc() costs (the stage harness subtracts it per stamp). */
double pipe_rdtsc_cost_cycles(void);

/*
 * Stage harness: the per-packet path of worker.c (worker_sip and
 * worker_notify) restated step by step with a TSC stamp between steps, on
 * its own per-lcore state (reassembly table, transaction cache, reginfo
 * parser, table writer) made exactly as worker_create makes a worker's, and
 * the same table. Its total is checked against pipe_env_process() in the
 * benchmark: the two must agree for the split to mean anything.
 */
#define foreach_pipe_stage                                                     \
	_(CLASSIFY, "classify", "net_classify: L2-L4 checks, UDP checksum, reassembly") \
	_(SIP, "sip_parse", "payload view and sip_parse")                      \
	_(ADMIT, "admission", "admission phases A-C and the transaction cache") \
	_(DIALOG, "dialog_check", "regtable_find_subscription (the pre-parse table probe)") \
	_(REGINFO, "reginfo", "reginfo_parse of the body")                     \
	_(APPLY, "table_apply", "regtable_apply")                              \
	_(REPLY, "reply", "sip_reply_build and net_reply_build")

enum pipe_stage {
#define _(sym, name, help) PIPE_STAGE_##sym,
	foreach_pipe_stage
#undef _
	PIPE_STAGE__COUNT
};

const char *pipe_stage_name(enum pipe_stage s);

struct pipe_stages {
	uint64_t cyc[PIPE_STAGE__COUNT];
	uint64_t stamps[PIPE_STAGE__COUNT]; /**< rte_rdtsc() calls charged to each */
	uint64_t rejected;  /**< frames left out: preempted (> 100 us) */
	uint64_t notifies;  /**< SIP datagrams handled */
	uint64_t timed;     /**< of which answered and not rejected: the divisor */
	uint64_t ok;        /**< answered 200 */
	uint64_t applied;   /**< regtable_apply() said APPLIED */
	uint64_t fallbacks; /**< bodies the reginfo scanner left to libxml2 */
};

/**
 * The stage harness over @p n frames; replies go to @p out (PIPE_TX_MAX).
 * @return mbufs placed in @p out.
 */
uint16_t pipe_env_stages(struct pipe_env *e, struct rte_mbuf **pkts, uint16_t n,
			 struct rte_mbuf **out, struct pipe_stages *acc);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_BENCH_PIPELINE_ENV_H */
