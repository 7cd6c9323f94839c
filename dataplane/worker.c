/* SPDX-License-Identifier: MIT */
/*
 * The worker lcore: RCU.md section 4 as a poll loop, and the per-packet
 * recipe of include/reglane/admission.h.
 *
 * Per loop iteration, for each (port, queue) the worker owns:
 *   rx burst -> for each packet (prefetching PREFETCH_AHEAD ahead):
 *     net_classify
 *       SIP datagram -> sip_parse -> admit phase A -> transaction cache
 *         (a retransmission gets the stored answer; nothing else happens)
 *         -> phase B -> dialog check (subscription terminated: 481, CSeq
 *         lower than accepted: 500) -> phase C -> reginfo_parse (400 naming
 *         the document error) -> regtable_apply -> status -> response built
 *         into the request mbuf -> transaction stored -> tx buffer
 *       ARP / ICMP / ND answered in place -> tx buffer
 *       fragment held, or dropped and counted
 *   -> tx burst (same port and queue) -> reassembly housekeeping.
 * Then one urcu_qsbr_quiescent_state(): no table pointer (snapshot, match)
 * outlives a packet, let alone the iteration (RCU.md 4 invariant).
 *
 * Per packet: no malloc (libxml2 aside, inside reginfo_parse's reused
 * context), no system call, no lock, no log line; exactly one admission
 * counter and one net verdict counter; the clock is read once per burst.
 *
 * When a poll finds nothing on any queue, the worker sleeps idle_sleep_us
 * OFFLINE (a sleeping reader must not hold up grace periods; RCU.md 4 "CI
 * note": on 2 CPUs the control and call_rcu threads need the time) and
 * runs drain detection for replay (see worker_idle()).
 */

#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include <reglane/admission.h>
#include <reglane/net.h>
#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/sip.h>
#include <reglane/sip_reply.h>
#include <reglane/stats.h>
#include <reglane/txn_cache.h>

#include "worker.h"

/* stats.h mirrors net.h's lists without including DPDK: check the mirror. */
_Static_assert(NET_V__COUNT == RGL_STATS_NET_VERDICTS, "stats.h net verdict mirror");
_Static_assert(NET_FRAG__COUNT == RGL_STATS_NET_FRAG_COUNTERS, "stats.h frag counter mirror");

#define PREFETCH_AHEAD 4
#define TX_RETRIES 8           /* tx_burst attempts before dropping the rest */
#define RETRY_AFTER_S 5        /* 503: table full or out of memory */
#define REPLY_MAX 65536        /* largest SIP response we build */
/* Drain: this many empty polls in a row, and no packet for DRAIN_QUIET_MS
 * (or, if nothing ever arrived, for DRAIN_EMPTY_MS since start). Counting
 * polls and time together keeps a busy, slow machine from declaring a
 * live input drained between two bursts. */
#define DRAIN_IDLE_POLLS 64
#define DRAIN_QUIET_MS 20
#define DRAIN_EMPTY_MS 1000
/* One lcore only (-l 0): the worker shares its CPU with the control and
 * call_rcu threads, so it must yield when idle. */
#define SINGLE_CORE_MIN_IDLE_US 10

static const char reason_invalid[] = "Invalid Resource URI or Call-ID";
static const char reason_cseq_old[] = "CSeq Lower Than Last Accepted";

/* One rx/tx queue pair of one port, owned by this worker. */
struct worker_q {
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t n_out;
	struct rte_mempool *pool;   /* for replies that do not fit in place */
	struct net_lcore net;       /* this port's config, reassembly table */
	struct net_tx tx;
	uint64_t frag_synced[NET_FRAG__COUNT];
	struct rte_mbuf *out[WORKER_TX_MAX];
};

struct worker {
	struct reglane_lcore_stats stats; /* first: cache-line aligned */
	struct rgl_app *app;
	struct rgl_worker_view *view;
	struct regtable *table;
	struct regtable_writer *writer;
	struct reginfo_parser *rp;
	uint64_t rp_fallbacks; /* reginfo_parser_fallbacks() at the last count */
	struct admit_ctx admit;
	struct txn_cache txn;
	void *txn_mem;
	uint64_t txn_evicted_synced;
	unsigned idx;
	unsigned lcore_id;
	uint16_t burst;
	uint32_t idle_sleep_us;
	unsigned n_q;

	/* Drain detection. */
	uint64_t idle_polls;
	uint64_t start_tsc;
	uint64_t last_rx_tsc;
	bool seen_rx;
	bool drained;

	struct worker_cycles cyc;
	struct worker_q q[WORKER_MAX_QUEUES];

	/* Per-packet scratch: parse result, response text, payload copy. */
	struct sip_msg msg;
	char reply[REPLY_MAX];
	uint8_t scratch[NET_SCRATCH_SIZE];
};

/* The clock, read once per burst. */
struct worker_now {
	uint64_t tsc;
	uint64_t s;  /* regtable time (seconds) */
	uint64_t ms; /* transaction cache time */
};

static inline void
worker_count(struct worker *w, enum reglane_counter c)
{
	rgl_stats_inc(&w->stats, c);
}

/* ---- transmit ---- */

static void
worker_flush_tx(struct worker *w, struct worker_q *q)
{
	uint16_t n = q->n_out, sent = 0;

	if (n == 0)
		return;
	for (int t = 0; t < TX_RETRIES && sent < n; t++)
		sent += rte_eth_tx_burst(q->port_id, q->queue_id, q->out + sent,
					 (uint16_t)(n - sent));
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(q->out + sent, n - sent);
		rgl_stats_add(&w->stats, RGL_CTR_DROP_TX_FULL, n - sent);
	}
	rgl_stats_add(&w->stats, RGL_CTR_TX_PKTS, sent);
	q->n_out = 0;
}

/* Make room for @p need more mbufs in the tx buffer. */
static inline void
worker_tx_room(struct worker *w, struct worker_q *q, uint16_t need)
{
	if (unlikely(WORKER_TX_MAX - q->n_out < need))
		worker_flush_tx(w, q);
}

/* Which local answer net_classify() wrote (for its counter). */
static enum reglane_counter
worker_local_counter(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l2 = RTE_ETHER_HDR_LEN;
	uint16_t et;

	if (m->data_len < RTE_ETHER_HDR_LEN)
		return RGL_CTR_ARP_REPLIED;
	et = (uint16_t)(p[12] << 8 | p[13]);
	if (et == RTE_ETHER_TYPE_VLAN && m->data_len >= RTE_ETHER_HDR_LEN + 4) {
		et = (uint16_t)(p[16] << 8 | p[17]);
		l2 += 4;
	}
	if (et == RTE_ETHER_TYPE_ARP)
		return RGL_CTR_ARP_REPLIED;
	if (et == RTE_ETHER_TYPE_IPV4)
		return RGL_CTR_ICMP_ECHO_REPLIED;
	/* IPv6: neighbour advertisement (136) or echo reply (129). */
	if (m->data_len > l2 + 40 && p[l2 + 6] == IPPROTO_ICMPV6 && p[l2 + 40] == 136)
		return RGL_CTR_ND_REPLIED;
	return RGL_CTR_ICMP6_ECHO_REPLIED;
}

/*
 * Send @p status for the request in w->msg. The response text is built in
 * the worker's scratch (sip_reply_build reads the request while it writes,
 * so it cannot write over the request's bytes), then net_reply_build turns
 * the request mbuf itself into the response datagram; only when that mbuf
 * cannot hold it (shared, or too small) is a fresh one allocated.
 * Consumes pkt->m in every case.
 */
static void
worker_reply(struct worker *w, struct worker_q *q, struct net_pkt *pkt, unsigned status,
	     const struct sip_reply_opts *opts)
{
	struct sip_endpoint dst;
	int len, n;

	len = sip_reply_build(&w->msg, &pkt->src, status, opts, w->reply, sizeof(w->reply), &dst);
	if (unlikely(len < 0)) {
		rte_pktmbuf_free(pkt->m);
		worker_count(w, RGL_CTR_DROP_REPLY_BUILD);
		return;
	}
	worker_tx_room(w, q, WORKER_TX_PER_REPLY);
	n = net_reply_build(pkt->m, pkt, &dst, w->reply, (uint32_t)len, &q->tx,
			    q->out + q->n_out, WORKER_TX_PER_REPLY);
	if (unlikely(n == -ENOSPC || n == -EBUSY)) {
		n = net_reply_alloc(q->pool, pkt, &dst, w->reply, (uint32_t)len, &q->tx,
				    q->out + q->n_out, WORKER_TX_PER_REPLY);
		rte_pktmbuf_free(pkt->m);
	} else if (unlikely(n < 0 && n != -ENOMEM)) {
		/* -EAFNOSUPPORT (a maddr of the other family), -EMSGSIZE. */
		rte_pktmbuf_free(pkt->m);
	}
	if (unlikely(n < 0)) {
		worker_count(w, RGL_CTR_DROP_REPLY_BUILD);
		return;
	}
	q->n_out = (uint16_t)(q->n_out + n);
	worker_count(w, rgl_stats_tx_status(status));
}

/* ---- the SIP path ---- */

/* Status and options for a table outcome (apply's, or the dialog pre-check's). */
static unsigned
worker_table_status(struct worker *w, enum regtable_result res, struct sip_reply_opts *opts)
{
	worker_count(w, RGL_CTR_TABLE(res));
	switch (res) {
	case REGTABLE_CAPACITY:
	case REGTABLE_NO_MEMORY:
		/* Never 200 for state we could not store (DESIGN.md). */
		opts->retry_after = RETRY_AFTER_S;
		break;
	case REGTABLE_INVALID:
		opts->reason = reason_invalid;
		break;
	case REGTABLE_CSEQ_OLD:
		opts->reason = reason_cseq_old;
		break;
	default:
		break;
	}
	return (unsigned)regtable_result_status(res);
}

/*
 * Steps 5-14 of SEMANTICS.md 1.2 for a request phase A accepted and the
 * transaction cache did not know. @return the status to answer (never 0:
 * phases B and C only decide replies) and sets *@p vout to the verdict that
 * ended admission (CONTINUE when the table decided).
 */
static unsigned
worker_notify(struct worker *w, const struct sip_msg *m, const struct worker_now *now,
	      struct sip_reply_opts *opts, enum admit_verdict *vout)
{
	const struct regtable_snapshot *snap;
	const struct reginfo_event *ev = NULL;
	struct regtable_notify n;
	enum regtable_result res;
	enum admit_verdict v;

	v = admit_phase_b(&w->admit, m, opts);
	*vout = v;
	if (v != RGL_V_CONTINUE)
		return admit_verdict_status(v);

	/* Steps 7-8 come before the body is looked at: a NOTIFY for a
	 * terminated subscription, or reordered behind a newer one, is
	 * refused without parsing XML. apply() repeats both checks inside its
	 * compare-and-swap loop and stays the authority (another lcore may
	 * move the subscription on between here and there). */
	snap = regtable_find_subscription(w->table, m->from.uri, m->call_id);
	if (snap != NULL) {
		if (snap->sub_state == REGTABLE_SUBSTATE_TERMINATED)
			return worker_table_status(w, REGTABLE_SUB_TERMINATED, opts);
		if (regtable_forked(snap, m->from.tag))
			return worker_table_status(w, REGTABLE_FORKED, opts);
		if ((uint64_t)m->cseq < snap->last_cseq)
			return worker_table_status(w, REGTABLE_CSEQ_OLD, opts);
	}

	v = admit_phase_c(&w->admit, m, opts);
	*vout = v;
	if (v == RGL_V_ACCEPT_BODY) {
		enum reginfo_err e = reginfo_parse(w->rp, m->body.p, m->body.len, &ev);
		uint64_t slow = reginfo_parser_fallbacks(w->rp);

		worker_count(w, RGL_CTR_REGINFO_ERR(e));
		if (slow != w->rp_fallbacks) {
			/* The scanner declined: libxml2 parsed it (DOCTYPE, CDATA, ...). */
			w->rp_fallbacks = slow;
			worker_count(w, RGL_CTR_REGINFO_SLOW_PATH);
		}
		if (e != REGINFO_ERR_OK) {
			/* RFC 3261 21.4.1: the reason phrase says what is wrong. */
			opts->reason = reginfo_err_str(e);
			return 400;
		}
		if (ev->n_skipped != 0)
			worker_count(w, RGL_CTR_REGINFO_ERR(ev->first_skip));
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
	res = regtable_apply(w->table, w->writer, &n, ev, now->s);
	return worker_table_status(w, res, opts);
}

static void
worker_sip(struct worker *w, struct worker_q *q, struct net_pkt *pkt,
	   const struct worker_now *now)
{
	struct sip_msg *m = &w->msg;
	const struct txn_reply *cached;
	struct sip_reply_opts opts;
	struct txn_reply saved;
	struct txn_key key;
	const uint8_t *payload;
	enum admit_verdict v;
	unsigned status;
	enum sip_err err;

	payload = net_payload_view(pkt, w->scratch);
	if (unlikely(payload == NULL)) {
		/* net.h: never for NET_V_SIP; counted as garbage if it were. */
		worker_count(w, RGL_CTR_ADMIT_DROP_NOT_SIP);
		rte_pktmbuf_free(pkt->m);
		return;
	}
	err = sip_parse((const char *)payload, pkt->payload_len, m);
	worker_count(w, RGL_CTR_SIP_ERR(err));

	v = admit_phase_a(&w->admit, m, &pkt->src, &opts);
	if (v != RGL_V_CONTINUE) {
		worker_count(w, RGL_CTR_ADMIT(v));
		status = admit_verdict_status(v);
		if (status == 0)
			rte_pktmbuf_free(pkt->m);
		else
			worker_reply(w, q, pkt, status, &opts);
		return;
	}

	/* Step 4: a retransmission is answered from the cache, nothing else. */
	txn_cache_key(&w->txn, m, &key);
	cached = txn_cache_lookup(&w->txn, &key, now->ms);
	if (cached != NULL) {
		admit_replay_opts(&w->admit, m, cached, &opts);
		worker_count(w, RGL_CTR_ADMIT_CONTINUE);
		worker_count(w, RGL_CTR_TXN_RETRANS);
		worker_reply(w, q, pkt, cached->status, &opts);
		return;
	}

	status = worker_notify(w, m, now, &opts, &v);
	worker_count(w, RGL_CTR_ADMIT(v));
	txn_reply_save(&saved, status, &opts);
	txn_cache_insert(&w->txn, &key, &saved, now->ms);
	worker_reply(w, q, pkt, status, &opts);
}

static inline void
worker_handle_pkt(struct worker *w, struct worker_q *q, struct rte_mbuf *m,
		  const struct worker_now *now)
{
	struct net_pkt pkt;
	enum net_verdict v;

	v = net_classify(&q->net, m, now->tsc, &pkt);
	worker_count(w, RGL_CTR_NET(v));
	switch (v) {
	case NET_V_SIP:
		worker_sip(w, q, &pkt, now);
		break;
	case NET_V_LOCAL_REPLY:
		worker_count(w, worker_local_counter(pkt.m));
		worker_tx_room(w, q, 1);
		q->out[q->n_out++] = pkt.m;
		break;
	case NET_V_HELD:
		break;
	default:
		/* Drops: res->m may be NULL (the library freed it); free(NULL) is a no-op. */
		rte_pktmbuf_free(pkt.m);
		break;
	}
}

static void
worker_handle_burst(struct worker *w, struct worker_q *q, struct rte_mbuf **pkts, uint16_t n,
		    uint64_t tsc)
{
	struct worker_now now = {
		.tsc = tsc,
		.s = rgl_clock_s(&w->app->clock, tsc),
		.ms = rgl_clock_ms(&w->app->clock, tsc),
	};
	uint64_t bytes = 0;
	uint16_t i;

	for (i = 0; i < PREFETCH_AHEAD && i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		bytes += pkts[i]->pkt_len;
		worker_handle_pkt(w, q, pkts[i], &now);
	}
	rgl_stats_add(&w->stats, RGL_CTR_RX_PKTS, n);
	rgl_stats_add(&w->stats, RGL_CTR_RX_BYTES, bytes);
}

/* Counters kept by the libraries themselves, mirrored into ours. */
static void
worker_sync_stats(struct worker *w, struct worker_q *q)
{
	for (unsigned c = 0; c < NET_FRAG__COUNT; c++) {
		uint64_t d = q->net.frag_stats[c] - q->frag_synced[c];

		if (d != 0) {
			rgl_stats_add(&w->stats, RGL_CTR_NET_FRAG(c), d);
			q->frag_synced[c] = q->net.frag_stats[c];
		}
	}
	if (w->txn.evicted_live != w->txn_evicted_synced) {
		rgl_stats_add(&w->stats, RGL_CTR_TXN_EVICTED_LIVE,
			      w->txn.evicted_live - w->txn_evicted_synced);
		w->txn_evicted_synced = w->txn.evicted_live;
	}
}

/*
 * Nothing arrived on any queue. Drain detection for replay: the pcap PMD
 * returns 0 forever once its file is consumed, and every reply has been
 * sent by then (tx is flushed after each burst), so the worker reports
 * drained after DRAIN_IDLE_POLLS empty polls in a row spanning at least
 * DRAIN_QUIET_MS of silence. A live port that goes quiet reports drained
 * too; the flag is withdrawn when traffic resumes, and only
 * --exit-on-drain acts on it.
 */
static void
worker_idle(struct worker *w, uint64_t tsc)
{
	uint64_t hz_ms = w->app->clock.hz_ms;

	w->idle_polls++;
	if (!w->drained && w->idle_polls >= DRAIN_IDLE_POLLS &&
	    (w->seen_rx ? tsc - w->last_rx_tsc >= DRAIN_QUIET_MS * hz_ms :
			  tsc - w->start_tsc >= DRAIN_EMPTY_MS * hz_ms)) {
		w->drained = true;
		atomic_store_explicit(&w->view->drained, true, memory_order_release);
	}
	if (w->idle_sleep_us != 0) {
		struct timespec ts = { .tv_sec = w->idle_sleep_us / 1000000,
				       .tv_nsec = (long)(w->idle_sleep_us % 1000000) * 1000 };

		/* Offline while asleep: grace periods need not wait for us.
		 * Nothing read under RCU is held here (after the last burst). */
		urcu_qsbr_thread_offline();
		nanosleep(&ts, NULL);
		urcu_qsbr_thread_online();
	} else {
		rte_pause();
	}
}

/* One pass over every queue the worker owns: rx burst, the per-packet
 * path, tx burst, reassembly housekeeping. @return packets received. */
static uint32_t
worker_poll_queues(struct worker *w, struct rte_mbuf **pkts, uint64_t tsc)
{
	uint32_t got = 0;

	for (unsigned i = 0; i < w->n_q; i++) {
		struct worker_q *q = &w->q[i];
		uint64_t t0 = rte_rdtsc(), t1, t2, t3;
		uint16_t n = rte_eth_rx_burst(q->port_id, q->queue_id, pkts, w->burst);

		if (n != 0) {
			t1 = rte_rdtsc();
			urcu_qsbr_read_lock(); /* no-op in QSBR; marks the scope */
			worker_handle_burst(w, q, pkts, n, t1);
			urcu_qsbr_read_unlock();
			t2 = rte_rdtsc();
			worker_flush_tx(w, q);
			t3 = rte_rdtsc();
			w->cyc.rx += t1 - t0;
			w->cyc.handle += t2 - t1;
			w->cyc.tx += t3 - t2;
			w->cyc.bursts++;
			w->cyc.pkts += n;
			got += n;
		}
		net_frag_expire(&q->net, tsc);
		net_frag_flush(&q->net);
		if (n != 0)
			worker_sync_stats(w, q);
	}
	return got;
}

uint32_t
worker_poll_once(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST_MAX];
	uint32_t got = worker_poll_queues(w, pkts, rte_rdtsc());

	urcu_qsbr_quiescent_state();
	return got;
}

uint16_t
worker_process_burst(struct worker *w, unsigned qi, struct rte_mbuf **pkts, uint16_t n,
		     struct rte_mbuf **out)
{
	struct worker_q *q = &w->q[qi];
	uint64_t tsc = rte_rdtsc();
	uint16_t n_out;

	urcu_qsbr_read_lock();
	worker_handle_burst(w, q, pkts, n, tsc);
	urcu_qsbr_read_unlock();
	/* The replies go to the caller instead of rte_eth_tx_burst. */
	n_out = q->n_out;
	memcpy(out, q->out, n_out * sizeof(*out));
	q->n_out = 0;
	rgl_stats_add(&w->stats, RGL_CTR_TX_PKTS, n_out);
	net_frag_expire(&q->net, tsc);
	net_frag_flush(&q->net);
	worker_sync_stats(w, q);
	return n_out;
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct rgl_app *app = w->app;
	struct rte_mbuf *pkts[WORKER_BURST_MAX];

	urcu_qsbr_register_thread(); /* registers ONLINE */
	urcu_qsbr_set_thread_call_rcu_data(w->view->crdp);
	w->start_tsc = w->last_rx_tsc = rte_rdtsc();
	if (w->n_q == 0) {
		/* No queue on any port (more lcores than the device has queues). */
		w->drained = true;
		atomic_store_explicit(&w->view->drained, true, memory_order_release);
	}

	while (likely(!rgl_app_stopping(app))) {
		uint64_t tsc = rte_rdtsc();
		uint32_t got = worker_poll_queues(w, pkts, tsc);

		if (got == 0) {
			worker_idle(w, tsc);
		} else {
			w->idle_polls = 0;
			w->last_rx_tsc = tsc;
			w->seen_rx = true;
			if (unlikely(w->drained)) {
				w->drained = false;
				atomic_store_explicit(&w->view->drained, false,
						      memory_order_release);
			}
		}
		urcu_qsbr_quiescent_state(); /* no RCU pointer lives past here */
	}

	for (unsigned i = 0; i < w->n_q; i++) {
		worker_flush_tx(w, &w->q[i]);
		/* Fragments still held go back to the pool now, while it exists. */
		net_lcore_fini(&w->q[i].net);
		worker_sync_stats(w, &w->q[i]);
	}
	regtable_writer_free(w->writer); /* needs us registered and online */
	w->writer = NULL;
	urcu_qsbr_set_thread_call_rcu_data(NULL);
	urcu_qsbr_unregister_thread();
	return 0;
}

struct worker *
worker_create(struct rgl_app *app, struct port_set *ps, unsigned idx, unsigned lcore_id)
{
	const struct reglane_config *cfg = app->cfg;
	unsigned socket = port_socket_of_lcore(lcore_id);
	struct reginfo_limits lim;
	struct worker *w;
	size_t txn_bytes;
	int rc;

	w = rte_zmalloc_socket("rgl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, (int)socket);
	if (w == NULL) {
		RGL_LOG(ERR, "worker %u: no memory on socket %u\n", idx, socket);
		return NULL;
	}
	w->app = app;
	w->idx = idx;
	w->lcore_id = lcore_id;
	w->view = &app->workers[idx];
	w->view->stats = &w->stats;
	w->view->lcore_id = lcore_id;
	atomic_init(&w->view->drained, false);
	w->burst = cfg->burst;
	w->idle_sleep_us = cfg->idle_sleep_us;
	if (rte_lcore_count() == 1 && w->idle_sleep_us < SINGLE_CORE_MIN_IDLE_US) {
		RGL_LOG(NOTICE, "one lcore: the worker shares its CPU with the control thread, "
			"idle sleep raised to %u us\n", SINGLE_CORE_MIN_IDLE_US);
		w->idle_sleep_us = SINGLE_CORE_MIN_IDLE_US;
	}

	for (uint16_t p = 0; p < ps->n_ports; p++) {
		const struct port_info *pi = &ps->ports[p];
		struct worker_q *q;

		if (pi->n_queues <= idx)
			continue;
		if (w->n_q == WORKER_MAX_QUEUES) {
			RGL_LOG(WARNING, "worker %u: more than %u ports, port %u not polled\n",
				idx, WORKER_MAX_QUEUES, pi->port_id);
			continue;
		}
		q = &w->q[w->n_q];
		q->port_id = pi->port_id;
		q->queue_id = (uint16_t)idx;
		q->pool = ps->pool[socket];
		rc = net_lcore_init(&q->net, &pi->net, (int)socket);
		if (rc < 0) {
			RGL_LOG(ERR, "worker %u: reassembly table: %s\n", idx, strerror(-rc));
			goto err;
		}
		w->n_q++;
		q->tx.offloads = pi->tx_offloads;
		q->tx.mtu = pi->mtu;
		/* Chained fragments need multi-segment tx; without it replies
		 * above the MTU are fragmented into flat copies. */
		q->tx.frag_direct = ps->pool[socket];
		if (pi->tx_offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
			q->tx.frag_indirect = ps->indirect[socket];
		q->tx.ip_id = (uint32_t)(app->tag_secret >> 16) + idx * 0x1000u;
	}

	admit_ctx_init(&w->admit, cfg, app->tag_secret);

	txn_bytes = txn_cache_mem_size(cfg->txn_cache_size);
	w->txn_mem = txn_bytes != 0 ?
			     rte_zmalloc_socket("rgl_txn", txn_bytes, 64, (int)socket) : NULL;
	if (w->txn_mem == NULL ||
	    txn_cache_init(&w->txn, w->txn_mem, cfg->txn_cache_size, app->txn_seed) < 0) {
		RGL_LOG(ERR, "worker %u: transaction cache of %u entries: no memory\n", idx,
			cfg->txn_cache_size);
		goto err;
	}

	reginfo_limits_default(&lim);
	lim.max_doc_bytes = cfg->max_body_bytes;
	lim.arena_bytes = 2 * cfg->max_body_bytes;
	w->rp = reginfo_parser_new(&lim);
	if (w->rp == NULL) {
		RGL_LOG(ERR, "worker %u: reginfo parser: no memory\n", idx);
		goto err;
	}
	/* The body stays in the mbuf (or the reassembly scratch) until the
	 * table has copied what it keeps, so the scanner may slice into it. */
	reginfo_parser_set_zero_copy(w->rp, true);
	return w;

err:
	worker_free(w);
	return NULL;
}

int
worker_attach_table(struct worker *w)
{
	w->table = w->app->table;
	w->writer = regtable_writer_new(w->table);
	if (w->writer == NULL) {
		RGL_LOG(ERR, "worker %u: no memory for a table writer\n", w->idx);
		return -ENOMEM;
	}
	return 0;
}

void
worker_detach_table(struct worker *w)
{
	regtable_writer_free(w->writer);
	w->writer = NULL;
	w->table = NULL;
}

void
worker_get_cycles(const struct worker *w, struct worker_cycles *c)
{
	*c = w->cyc;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	for (unsigned i = 0; i < w->n_q; i++)
		net_lcore_fini(&w->q[i].net);
	reginfo_parser_free(w->rp);
	rte_free(w->txn_mem);
	if (w->view != NULL)
		w->view->stats = NULL;
	rte_free(w);
}
