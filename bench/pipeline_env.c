/* SPDX-License-Identifier: MIT */
/*
 * The reglane process inside bench_pipeline: what dataplane/main.c and
 * control/ctl_thread.c set up, minus the control thread (the benchmark
 * makes the table itself and calls regtable_maintain() where the control
 * thread would), with a net_ring port whose rings the benchmark fills and
 * drains. See pipeline_env.h.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <reglane/admission.h>
#include <reglane/app.h>
#include <reglane/config.h>
#include <reglane/net.h>
#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/sip.h>
#include <reglane/sip_reply.h>
#include <reglane/txn_cache.h>

#include "pipeline_env.h"
#include "port.h"
#include "worker.h"

/* dataplane/main.c defines it for the reglane binary; worker.c and port.c
 * log through it. */
int rgl_logtype = RTE_LOGTYPE_USER1;

_Static_assert(PIPE_TX_MAX >= WORKER_TX_MAX, "pipe_env_process() output array");

#define PIPE_MAX_WORKERS 2
#define PIPE_RING_SIZE 32768 /* a 2-worker drain run pre-fills up to this */
#define REPLY_MAX 65536      /* as worker.c */

/* The stage harness's per-lcore state: what worker_create() gives a worker. */
struct pipe_harness {
	struct net_lcore net;
	struct net_tx tx;
	struct rte_mempool *pool;
	struct admit_ctx admit;
	struct txn_cache txn;
	void *txn_mem;
	struct reginfo_parser *rp;
	struct regtable_writer *writer;
	struct sip_msg msg;
	char reply[REPLY_MAX];
	uint8_t scratch[NET_SCRATCH_SIZE];
};

struct pipe_env {
	struct reglane_config cfg;
	struct rgl_app app;
	struct port_set ps;
	struct rte_ring *rx[PIPE_MAX_WORKERS];
	struct rte_ring *tx[PIPE_MAX_WORKERS];
	struct worker *w[PIPE_MAX_WORKERS];
	unsigned n_workers;
	unsigned lcore[PIPE_MAX_WORKERS];
	struct pipe_harness *h;
	atomic_bool go;
};

static const char *const stage_names[] = {
#define _(sym, name, help) name,
	foreach_pipe_stage
#undef _
};

const char *
pipe_stage_name(enum pipe_stage s)
{
	return (unsigned)s < PIPE_STAGE__COUNT ? stage_names[s] : "?";
}

int
pipe_eal_init(const char *prog, unsigned n_lcores, unsigned mem_mb)
{
	char lcores[16], mem[16], prefix[64];
	char *argv[16];
	int argc = 0;

	snprintf(lcores, sizeof(lcores), n_lcores > 1 ? "0-%u" : "0", n_lcores - 1);
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "--file-prefix=bench_pipe_%d", (int)getpid());
	argv[argc++] = (char *)prog;
	argv[argc++] = (char *)"-l";
	argv[argc++] = lcores;
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--log-level=warning";
	argv[argc] = NULL;
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

/* As dataplane/main.c app_init(), with fixed secrets (runs repeat). */
static void
pipe_app_init(struct rgl_app *app, const struct reglane_config *cfg)
{
	struct timespec now;

	app->cfg = cfg;
	clock_gettime(CLOCK_REALTIME, &now);
	app->clock.tsc0 = rte_get_tsc_cycles();
	app->clock.hz = rte_get_tsc_hz();
	app->clock.hz_ms = app->clock.hz / 1000 != 0 ? app->clock.hz / 1000 : 1;
	app->clock.epoch_s = (uint64_t)now.tv_sec;
	atomic_init(&app->stop, false);
	app->tag_secret = 0x5eed5eed12345678ull;
	for (unsigned i = 0; i < sizeof(app->txn_seed); i++)
		app->txn_seed[i] = (uint8_t)(0xa5 ^ i * 17);
}

static int
pipe_harness_init(struct pipe_env *e)
{
	const struct port_info *pi = &e->ps.ports[0];
	struct pipe_harness *h;
	struct reginfo_limits lim;
	size_t txn_bytes;

	h = rte_zmalloc("pipe_harness", sizeof(*h), RTE_CACHE_LINE_SIZE);
	if (h == NULL)
		return -ENOMEM;
	e->h = h;
	if (net_lcore_init(&h->net, &pi->net, 0) < 0)
		return -ENOMEM;
	h->tx.offloads = pi->tx_offloads;
	h->tx.mtu = pi->mtu;
	if (pi->tx_offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		h->tx.frag_direct = e->ps.pool[0];
		h->tx.frag_indirect = e->ps.indirect[0];
	}
	h->pool = e->ps.pool[0];
	admit_ctx_init(&h->admit, &e->cfg, e->app.tag_secret);
	txn_bytes = txn_cache_mem_size(e->cfg.txn_cache_size);
	h->txn_mem = rte_zmalloc("pipe_txn", txn_bytes, 64);
	if (h->txn_mem == NULL ||
	    txn_cache_init(&h->txn, h->txn_mem, e->cfg.txn_cache_size, e->app.txn_seed) < 0)
		return -ENOMEM;
	reginfo_limits_default(&lim);
	lim.max_doc_bytes = e->cfg.max_body_bytes;
	lim.arena_bytes = 2 * e->cfg.max_body_bytes;
	h->rp = reginfo_parser_new(&lim);
	if (h->rp == NULL)
		return -ENOMEM;
	reginfo_parser_set_zero_copy(h->rp, true); /* as worker_create() */
	return 0;
}

static void
pipe_harness_free(struct pipe_harness *h)
{
	if (h == NULL)
		return;
	net_lcore_fini(&h->net);
	reginfo_parser_free(h->rp);
	rte_free(h->txn_mem);
	rte_free(h);
}

/* On failure the benchmark exits: what was made so far is not undone. */
int
pipe_env_open(unsigned n_workers, const char *own_ip4, struct pipe_env **out)
{
	struct pipe_env *e;
	cpu_set_t all;
	int rc;

	if (n_workers == 0 || n_workers > PIPE_MAX_WORKERS || n_workers > rte_lcore_count())
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	config_defaults(&e->cfg);
	if (config_parse_addr(own_ip4, &e->cfg.addrs[0]) < 0) {
		free(e);
		return -EINVAL;
	}
	e->cfg.n_addrs = 1;
	pipe_app_init(&e->app, &e->cfg);
	e->n_workers = n_workers;
	e->app.n_workers = n_workers;

	for (unsigned i = 0; i < n_workers; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pipe_rx%u", i);
		e->rx[i] = rte_ring_create(name, PIPE_RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "pipe_tx%u", i);
		e->tx[i] = rte_ring_create(name, PIPE_RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (e->rx[i] == NULL || e->tx[i] == NULL)
			return -ENOMEM;
		e->lcore[i] = i == 0 ? rte_get_main_lcore() : rte_get_next_lcore(e->lcore[i - 1], 1, 0);
	}
	if (rte_eth_from_rings("net_ring_bench", e->rx, n_workers, e->tx, n_workers, 0) < 0)
		return -ENODEV;
	rc = port_init_all(&e->ps, &e->cfg, e->lcore, n_workers);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < n_workers; i++) {
		e->w[i] = worker_create(&e->app, &e->ps, i, e->lcore[i]);
		if (e->w[i] == NULL)
			return -ENOMEM;
	}
	rc = port_start_all(&e->ps);
	if (rc < 0)
		return rc;
	rc = pipe_harness_init(e);
	if (rc < 0)
		return rc;

	/* As ctl_thread.c: one call_rcu thread per worker (RT flavour). The
	 * control thread's threads get the control cpuset; here every worker
	 * lcore is busy, so they may run on any CPU and the scheduler decides
	 * who they take time from (BM_Workers reports it). */
	CPU_ZERO(&all);
	for (long c = 0; c < CPU_SETSIZE && c < sysconf(_SC_NPROCESSORS_ONLN); c++)
		CPU_SET(c, &all);
	for (unsigned i = 0; i < n_workers; i++) {
		e->app.workers[i].crdp = urcu_qsbr_create_call_rcu_data(URCU_CALL_RCU_RT, -1);
		if (e->app.workers[i].crdp == NULL)
			return -ENOMEM;
		pthread_setaffinity_np(urcu_qsbr_get_call_rcu_thread(e->app.workers[i].crdp),
				       sizeof(all), &all);
	}
	urcu_qsbr_register_thread();
	urcu_qsbr_set_thread_call_rcu_data(e->app.workers[0].crdp);
	*out = e;
	return 0;
}

int
pipe_env_new_table(struct pipe_env *e, uint64_t max_regs, uint64_t max_mem)
{
	struct regtable_config rc;
	int rc_create;

	pipe_env_drop_table(e);
	/* ctl_table_config() of the control thread, sizes from the caller. */
	regtable_config_default(&rc);
	rc.max_registrations = max_regs;
	rc.max_memory = max_mem;
	rc.n_role_hints = e->cfg.n_role_hints;
	memcpy(rc.role_hints, e->cfg.role_hints, sizeof(rc.role_hints));
	memcpy(rc.services, e->cfg.services, sizeof(rc.services));
	rc_create = regtable_create(&rc, &e->app.table);
	if (rc_create < 0) {
		e->app.table = NULL;
		return rc_create;
	}
	for (unsigned i = 0; i < e->n_workers; i++)
		if (worker_attach_table(e->w[i]) < 0)
			return -ENOMEM;
	e->h->writer = regtable_writer_new(e->app.table);
	return e->h->writer != NULL ? 0 : -ENOMEM;
}

uint64_t
pipe_env_drop_table(struct pipe_env *e)
{
	uint64_t leaked;

	if (e->app.table == NULL)
		return 0;
	for (unsigned i = 0; i < e->n_workers; i++)
		worker_detach_table(e->w[i]);
	regtable_writer_free(e->h->writer);
	e->h->writer = NULL;
	urcu_qsbr_quiescent_state();
	leaked = regtable_destroy(e->app.table);
	e->app.table = NULL;
	return leaked;
}

void
pipe_env_close(struct pipe_env *e)
{
	if (e == NULL)
		return;
	pipe_env_drop_table(e);
	for (unsigned i = 0; i < e->n_workers; i++)
		worker_free(e->w[i]);
	pipe_harness_free(e->h);
	port_close_all(&e->ps);
	urcu_qsbr_set_thread_call_rcu_data(NULL);
	urcu_qsbr_unregister_thread();
	/* The mempools stay: every mbuf is back, but the call_rcu threads
	 * (never joined by liburcu 0.13.2, RCU.md 1) live until exit anyway. */
	free(e);
}

void
pipe_env_maintain(struct pipe_env *e)
{
	urcu_qsbr_quiescent_state();
	regtable_maintain(e->app.table);
}

void
pipe_env_table_stats(struct pipe_env *e, struct regtable_stats *st)
{
	regtable_stats(e->app.table, st);
}

void
pipe_env_mac(const struct pipe_env *e, uint8_t mac[6])
{
	memcpy(mac, &e->ps.ports[0].net.mac, 6);
}

uint16_t
pipe_env_process(struct pipe_env *e, unsigned wi, struct rte_mbuf **pkts, uint16_t n,
		 struct rte_mbuf **out)
{
	return worker_process_burst(e->w[wi], 0, pkts, n, out);
}

uint32_t
pipe_env_poll(struct pipe_env *e, unsigned wi)
{
	return worker_poll_once(e->w[wi]);
}

void
pipe_env_quiescent(void)
{
	urcu_qsbr_quiescent_state();
}

struct rte_ring *
pipe_env_rx_ring(struct pipe_env *e, unsigned wi)
{
	return e->rx[wi];
}

struct rte_ring *
pipe_env_tx_ring(struct pipe_env *e, unsigned wi)
{
	return e->tx[wi];
}

uint64_t
pipe_env_counter(const struct pipe_env *e, unsigned wi, enum reglane_counter c)
{
	return rgl_stats_get(e->app.workers[wi].stats, c);
}

void
pipe_env_worker_cycles(const struct pipe_env *e, unsigned wi, uint64_t *rx, uint64_t *handle,
		       uint64_t *tx)
{
	struct worker_cycles c;

	worker_get_cycles(e->w[wi], &c);
	*rx = c.rx;
	*handle = c.handle;
	*tx = c.tx;
}

/* ---- several workers at once ---- */

struct pipe_drain_arg {
	struct pipe_env *e;
	unsigned wi;
	bool other_thread;
	uint64_t cycles;
	uint64_t cpu_ns;
};

static int
pipe_drain_one(void *arg)
{
	struct pipe_drain_arg *a = arg;
	struct pipe_env *e = a->e;
	struct rte_ring *rx = e->rx[a->wi];
	uint64_t t0;

	if (a->other_thread) {
		urcu_qsbr_register_thread();
		urcu_qsbr_set_thread_call_rcu_data(e->app.workers[a->wi].crdp);
	}
	while (!atomic_load_explicit(&e->go, memory_order_acquire))
		rte_pause();
	t0 = rte_rdtsc();
	a->cpu_ns = pipe_cpu_ns();
	while (rte_ring_count(rx) != 0)
		worker_poll_once(e->w[a->wi]);
	a->cpu_ns = pipe_cpu_ns() - a->cpu_ns;
	a->cycles = rte_rdtsc() - t0;
	if (a->other_thread) {
		urcu_qsbr_set_thread_call_rcu_data(NULL);
		urcu_qsbr_unregister_thread();
	}
	return 0;
}

int
pipe_env_drain(struct pipe_env *e, unsigned n, uint64_t *cycles, uint64_t *cpu_ns)
{
	struct pipe_drain_arg a[PIPE_MAX_WORKERS];
	int rc = 0;

	if (n == 0 || n > e->n_workers)
		return -EINVAL;
	atomic_store_explicit(&e->go, false, memory_order_relaxed);
	for (unsigned i = 0; i < n; i++) {
		a[i] = (struct pipe_drain_arg){ .e = e, .wi = i, .other_thread = i != 0 };
		if (i != 0) {
			rc = rte_eal_remote_launch(pipe_drain_one, &a[i], e->lcore[i]);
			if (rc != 0) {
				n = i;
				break;
			}
		}
	}
	atomic_store_explicit(&e->go, true, memory_order_release);
	if (rc == 0)
		pipe_drain_one(&a[0]);
	for (unsigned i = 1; i < n; i++)
		rte_eal_wait_lcore(e->lcore[i]);
	urcu_qsbr_quiescent_state();
	for (unsigned i = 0; i < n; i++) {
		cycles[i] = a[i].cycles;
		cpu_ns[i] = a[i].cpu_ns;
	}
	return rc;
}

/* ---- stage harness: worker.c's worker_sip() / worker_notify(), stamped ---- */

/* One frame's stage cycles, committed to the totals only if the frame was
 * not preempted (a shared machine's scheduler would otherwise charge a
 * whole time slice to whichever stage it interrupted). */
struct frame_cyc {
	uint64_t c[PIPE_STAGE__COUNT];
	uint32_t stamps[PIPE_STAGE__COUNT];
	uint64_t t;
};

static inline void
stamp(struct frame_cyc *f, enum pipe_stage s)
{
	uint64_t now = rte_rdtsc();

	f->c[s] += now - f->t;
	f->stamps[s]++;
	f->t = now;
}

static void
commit(struct pipe_stages *acc, struct frame_cyc *f, uint64_t limit, bool notify)
{
	uint64_t sum = 0;

	for (unsigned s = 0; s < PIPE_STAGE__COUNT; s++)
		sum += f->c[s];
	if (sum <= limit) {
		for (unsigned s = 0; s < PIPE_STAGE__COUNT; s++) {
			acc->cyc[s] += f->c[s];
			acc->stamps[s] += f->stamps[s];
		}
		acc->timed += notify;
	} else {
		acc->rejected++;
	}
	memset(f->c, 0, sizeof(f->c));
	memset(f->stamps, 0, sizeof(f->stamps));
}

static unsigned
harness_table_status(enum regtable_result res, struct sip_reply_opts *opts)
{
	if (res == REGTABLE_CAPACITY || res == REGTABLE_NO_MEMORY)
		opts->retry_after = 5;
	return (unsigned)regtable_result_status(res);
}

/* Steps 5-14 (worker_notify). */
static unsigned
harness_notify(struct pipe_env *e, struct pipe_harness *h, uint64_t now_s,
	       struct sip_reply_opts *opts, struct pipe_stages *acc, struct frame_cyc *f)
{
	const struct sip_msg *m = &h->msg;
	const struct regtable_snapshot *snap;
	const struct reginfo_event *ev = NULL;
	struct regtable_notify n;
	enum regtable_result res;
	enum admit_verdict v;

	v = admit_phase_b(&h->admit, m, opts);
	if (v != RGL_V_CONTINUE)
		return admit_verdict_status(v);
	stamp(f, PIPE_STAGE_ADMIT);
	snap = regtable_find_subscription(e->app.table, m->from.uri, m->call_id);
	if (snap != NULL) {
		if (snap->sub_state == REGTABLE_SUBSTATE_TERMINATED)
			return harness_table_status(REGTABLE_SUB_TERMINATED, opts);
		if (regtable_forked(snap, m->from.tag))
			return harness_table_status(REGTABLE_FORKED, opts);
		if ((uint64_t)m->cseq < snap->last_cseq)
			return harness_table_status(REGTABLE_CSEQ_OLD, opts);
	}
	stamp(f, PIPE_STAGE_DIALOG);
	v = admit_phase_c(&h->admit, m, opts);
	stamp(f, PIPE_STAGE_ADMIT);
	if (v == RGL_V_ACCEPT_BODY) {
		enum reginfo_err err = reginfo_parse(h->rp, m->body.p, m->body.len, &ev);

		stamp(f, PIPE_STAGE_REGINFO);
		if (err != REGINFO_ERR_OK) {
			opts->reason = reginfo_err_str(err);
			return 400;
		}
	} else if (v != RGL_V_ACCEPT_EMPTY) {
		return admit_verdict_status(v);
	}
	n.resource = m->from.uri;
	n.callid = m->call_id;
	n.from_tag = m->from.tag;
	n.to_tag = m->to.tag;
	n.cseq = m->cseq;
	n.sub_state = regtable_sub_state_parse(m->subs_state_value);
	n.sub_reason = m->subs_reason;
	res = regtable_apply(e->app.table, h->writer, &n, ev, now_s);
	acc->applied += res == REGTABLE_APPLIED;
	stamp(f, PIPE_STAGE_APPLY);
	return harness_table_status(res, opts);
}

/* worker_reply(): response text in scratch, then the request mbuf rewritten. */
static int
harness_reply(struct pipe_harness *h, struct net_pkt *pkt, unsigned status,
	      const struct sip_reply_opts *opts, struct rte_mbuf **out, uint16_t room)
{
	struct sip_endpoint dst;
	int len, n;

	len = sip_reply_build(&h->msg, &pkt->src, status, opts, h->reply, sizeof(h->reply), &dst);
	if (len < 0) {
		rte_pktmbuf_free(pkt->m);
		return 0;
	}
	n = net_reply_build(pkt->m, pkt, &dst, h->reply, (uint32_t)len, &h->tx, out, room);
	if (n == -ENOSPC || n == -EBUSY) {
		n = net_reply_alloc(h->pool, pkt, &dst, h->reply, (uint32_t)len, &h->tx, out, room);
		rte_pktmbuf_free(pkt->m);
	} else if (n < 0 && n != -ENOMEM) {
		rte_pktmbuf_free(pkt->m);
	}
	return n < 0 ? 0 : n;
}

uint16_t
pipe_env_stages(struct pipe_env *e, struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **out,
		struct pipe_stages *acc)
{
	struct pipe_harness *h = e->h;
	uint64_t tsc = rte_rdtsc();
	uint64_t now_s = rgl_clock_s(&e->app.clock, tsc);
	uint64_t now_ms = rgl_clock_ms(&e->app.clock, tsc);
	uint64_t limit = e->app.clock.hz_ms / 10; /* 100 us: no frame takes that unpreempted */
	struct frame_cyc f;
	uint16_t n_out = 0;

	uint64_t fb0 = reginfo_parser_fallbacks(h->rp);

	memset(&f, 0, sizeof(f));
	f.t = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		const struct txn_reply *cached;
		struct sip_reply_opts opts;
		struct txn_reply saved;
		struct txn_key key;
		const uint8_t *payload;
		struct net_pkt pkt;
		enum admit_verdict v;
		enum net_verdict nv;
		unsigned status;

		nv = net_classify(&h->net, pkts[i], tsc, &pkt);
		stamp(&f, PIPE_STAGE_CLASSIFY);
		if (nv == NET_V_HELD) {
			commit(acc, &f, limit, false);
			continue;
		}
		if (nv != NET_V_SIP) {
			/* The benchmark feeds SIP only; a local reply or a drop is
			 * not a NOTIFY and is not counted. */
			rte_pktmbuf_free(pkt.m);
			commit(acc, &f, limit, false);
			continue;
		}
		acc->notifies++;
		payload = net_payload_view(&pkt, h->scratch);
		if (payload == NULL) {
			rte_pktmbuf_free(pkt.m);
			commit(acc, &f, limit, false);
			continue;
		}
		sip_parse((const char *)payload, pkt.payload_len, &h->msg);
		stamp(&f, PIPE_STAGE_SIP);
		v = admit_phase_a(&h->admit, &h->msg, &pkt.src, &opts);
		if (v != RGL_V_CONTINUE) {
			status = admit_verdict_status(v);
			if (status == 0) {
				rte_pktmbuf_free(pkt.m);
				commit(acc, &f, limit, false);
				continue;
			}
		} else {
			txn_cache_key(&h->txn, &h->msg, &key);
			cached = txn_cache_lookup(&h->txn, &key, now_ms);
			if (cached != NULL) {
				admit_replay_opts(&h->admit, &h->msg, cached, &opts);
				status = cached->status;
			} else {
				status = harness_notify(e, h, now_s, &opts, acc, &f);
				txn_reply_save(&saved, status, &opts);
				txn_cache_insert(&h->txn, &key, &saved, now_ms);
				stamp(&f, PIPE_STAGE_ADMIT);
			}
		}
		acc->ok += status == 200;
		n_out = (uint16_t)(n_out + harness_reply(h, &pkt, status, &opts, out + n_out,
							 (uint16_t)(PIPE_TX_MAX - n_out)));
		stamp(&f, PIPE_STAGE_REPLY);
		commit(acc, &f, limit, true);
	}
	net_frag_expire(&h->net, tsc);
	net_frag_flush(&h->net);
	stamp(&f, PIPE_STAGE_CLASSIFY);
	commit(acc, &f, limit, false);
	acc->fallbacks += reginfo_parser_fallbacks(h->rp) - fb0;
	return n_out;
}

/* ---- timing ---- */

uint64_t
pipe_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double
pipe_rdtsc_cost_cycles(void)
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < 20; r++) {
		uint64_t t0 = rte_rdtsc(), t1;

		for (int i = 0; i < 1000; i++)
			(void)rte_rdtsc();
		t1 = rte_rdtsc();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return (double)best / 1001.0;
}

void
pipe_env_print_counters(const struct pipe_env *e, FILE *out)
{
	for (unsigned i = 0; i < e->n_workers; i++) {
		fprintf(out, "worker %u counters (non-zero):\n", i);
		reglane_stats_text(e->app.workers[i].stats, out, 1);
	}
}
