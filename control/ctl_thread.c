/* SPDX-License-Identifier: MIT */
/*
 * The control thread: creates the registration table and the call_rcu
 * threads (so that liburcu's helper threads inherit control-plane affinity,
 * RCU.md 0.5/3), then does the housekeeping the lcores must not do.
 *
 * RCU discipline (RCU.md 0.4, 9.2): the thread registers once and is
 * OFFLINE by default; every piece of work on the table is bracketed by
 * ctl_online() / ctl_offline(), and nothing it reads under RCU survives the
 * bracket (the dump is a deep copy). Sleeping, file I/O and the final
 * teardown's waits all happen offline, so it never holds up a grace period.
 *
 * The loop ticks every CTL_TICK_MS:
 *  - a sweep pass at most every CTL_SWEEP_MS (expired contacts, lingering
 *    registrations and subscriptions), in time slices: regtable_sweep()
 *    steps for at most CTL_SWEEP_SLICE_US per tick, until the cursor
 *    wraps. A step walks the split-ordered list between the entries it
 *    visits, bucket nodes included, so its cost per entry depends on how
 *    sparse the table is (about 1 us dense; about 150 us per entry with
 *    the 1M-registration default and a thousand users, where one pass
 *    costs ~150 ms). The step size adapts so that a step stays well under
 *    a slice, which bounds how long an API request waits behind the
 *    sweeper to about one slice;
 *  - drain: once every worker reports its input drained, either stop the
 *    workers (--exit-on-drain) or, when serving on, write the state dump
 *    once (--dump-state) so a replayed capture can be inspected while the
 *    process keeps running;
 *  - every CTL_STATS_S: one stats line, when something changed.
 * Between ticks the thread waits in ctl_http_poll() rather than sleeping:
 * the control API (include/reglane/ctl_http.h) is served from this loop, so
 * an API request is answered as soon as it arrives, on this thread, online
 * only while its handler reads the table. A SIGHUP (main.c) is a flag that
 * the next poll turns into a reload of the policy and configuration.
 *
 * The DPDK telemetry commands (/reglane/...) run on DPDK's own threads;
 * they are attached to the table here and detached before it is destroyed
 * (include/reglane/ctl_telemetry.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_lcore.h>

#include <reglane/ctl.h>
#include <reglane/ctl_http.h>
#include <reglane/ctl_telemetry.h>
#include <reglane/rcu.h>
#include <reglane/state_json.h>

#define CTL_TICK_MS 5
#define CTL_SWEEP_MS 100        /* a new sweep pass at most this often */
#define CTL_SWEEP_STEP_MAX 1024 /* subscriptions (and aliases) per regtable_sweep() */
#define CTL_SWEEP_SLICE_US 500  /* sweeping per tick: what an API request may wait */
#define CTL_STATS_S 10

/* The control thread's own reclamation thread (sweeps retire snapshots). */
static struct call_rcu_data *ctl_crdp;

/* The control API (NULL with --exit-on-drain). */
static struct ctl_http *ctl_api;
/* The workers' counter blocks, for the API and telemetry (set before ready). */
static const struct reglane_lcore_stats *ctl_stats[RGL_MAX_WORKERS];

static void
ctl_online(void)
{
	urcu_qsbr_thread_online();
}

static void
ctl_offline(void)
{
	/* Offline implies a quiescent state: nothing read before survives. */
	urcu_qsbr_thread_offline();
}

static uint64_t
ctl_now_s(const struct rgl_app *app)
{
	return rgl_clock_s(&app->clock, rte_get_tsc_cycles());
}

/* Clock and log callbacks for the control API and telemetry. */
static uint64_t
ctl_clock_cb(void *arg)
{
	return ctl_now_s(arg);
}

static bool
ctl_stopping_cb(void *arg)
{
	return rgl_app_stopping(arg);
}

static void
ctl_log_cb(void *arg, int level, const char *msg)
{
	(void)arg;
	rte_log((uint32_t)level, (uint32_t)rgl_logtype, "REGLANE: %s\n", msg);
}

static void
ctl_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Pin a liburcu helper thread to our own CPU set. The call_rcu thread was
 * created by this thread and inherits its affinity already; setting it
 * explicitly keeps that true whatever liburcu does with its cpu_affinity
 * argument (applied only after 256 loops in 0.13.2, RCU.md 1).
 */
static void
ctl_pin_like_me(pthread_t t)
{
	cpu_set_t set;

	if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) == 0)
		pthread_setaffinity_np(t, sizeof(set), &set);
}

static struct call_rcu_data *
ctl_new_crdp(void)
{
	struct call_rcu_data *c = urcu_qsbr_create_call_rcu_data(URCU_CALL_RCU_RT, -1);

	if (c != NULL)
		ctl_pin_like_me(urcu_qsbr_get_call_rcu_thread(c));
	return c;
}

static void
ctl_table_config(const struct reglane_config *cfg, struct regtable_config *rc)
{
	regtable_config_default(rc);
	rc->max_registrations = cfg->max_registrations;
	rc->max_memory = cfg->max_memory;
	rc->n_role_hints = cfg->n_role_hints;
	memcpy(rc->role_hints, cfg->role_hints, sizeof(rc->role_hints));
	memcpy(rc->services, cfg->services, sizeof(rc->services));
}

/*
 * The control API and the telemetry commands, once the table exists.
 * A replay that exits on drain (--exit-on-drain) is a batch job: it gets
 * no API, so that replays can run side by side on one machine without
 * fighting over the listen port (telemetry sockets are per --file-prefix).
 * Otherwise a listen failure, or an invalid policy or preference file, is
 * fatal: the operator asked for the API (by default on 127.0.0.1:8080).
 */
static int
ctl_api_setup(struct rgl_app *app)
{
	const struct reglane_config *cfg = app->cfg;
	struct ctl_telemetry_params tp;
	struct ctl_http_params hp;
	char err[CTL_HTTP_ERRLEN];
	int rc;

	for (unsigned i = 0; i < app->n_workers; i++)
		ctl_stats[i] = app->workers[i].stats;
	memset(&hp, 0, sizeof(hp));
	hp.cfg = cfg;
	hp.table = app->table;
	hp.stats = ctl_stats;
	hp.n_stats = app->n_workers;
	hp.now = ctl_clock_cb;
	hp.stopping = ctl_stopping_cb;
	hp.log = ctl_log_cb;
	hp.arg = app;
	hp.policy_file = cfg->policy_file;
	hp.prefs_file = cfg->prefs_file;
	err[0] = '\0';
	ctl_api = NULL;
	if (!cfg->exit_on_drain) {
		rc = ctl_http_create(&hp, &ctl_api, err, sizeof(err));
		if (rc < 0) {
			RGL_LOG(ERR, "%s\n", err);
			return rc;
		}
	}

	memset(&tp, 0, sizeof(tp));
	tp.table = app->table;
	tp.stats = ctl_stats;
	tp.n_stats = app->n_workers;
	tp.now = ctl_clock_cb;
	tp.arg = app;
	rc = ctl_telemetry_attach(&tp);
	if (rc < 0)
		/* Telemetry may be off (--no-telemetry): the API still works. */
		RGL_LOG(WARNING, "telemetry commands not registered: %s\n", strerror(-rc));
	return 0;
}

/* Runs registered and online; leaves the thread online. */
static int
ctl_setup(struct rgl_app *app, struct regtable_writer **writer)
{
	struct regtable_config rc;
	int rc_create;

	ctl_table_config(app->cfg, &rc);
	rc_create = regtable_create(&rc, &app->table);
	if (rc_create < 0) {
		RGL_LOG(ERR, "registration table: %s (max-memory %" PRIu64
			", max-registrations %" PRIu32 ")\n",
			strerror(-rc_create), app->cfg->max_memory, app->cfg->max_registrations);
		app->table = NULL;
		return rc_create;
	}
	/* Custom call_rcu_data are never freed: 0.13.2 does not join their
	 * threads (RCU.md 1), and they live as long as the process anyway. */
	ctl_crdp = ctl_new_crdp();
	if (ctl_crdp == NULL)
		goto err_crdp;
	urcu_qsbr_set_thread_call_rcu_data(ctl_crdp);
	for (unsigned i = 0; i < app->n_workers; i++) {
		app->workers[i].crdp = ctl_new_crdp();
		if (app->workers[i].crdp == NULL)
			goto err_crdp;
	}
	*writer = regtable_writer_new(app->table);
	if (*writer == NULL) {
		RGL_LOG(ERR, "control thread: no memory for a table writer\n");
		goto err_table;
	}
	rc_create = ctl_api_setup(app);
	if (rc_create < 0) {
		regtable_writer_free(*writer);
		*writer = NULL;
		regtable_destroy(app->table);
		app->table = NULL;
		return rc_create;
	}
	return 0;

err_crdp:
	RGL_LOG(ERR, "control thread: cannot create a call_rcu thread\n");
err_table:
	regtable_destroy(app->table);
	app->table = NULL;
	return -ENOMEM;
}

/* Write @p path atomically (temp file + rename): a reader never sees half a dump. */
static int
ctl_write_json(json_t *j, const char *path)
{
	char tmp[RGL_CFG_PATH_MAX + 8];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (json_dump_file(j, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) != 0) {
		int e = errno != 0 ? errno : EIO;

		remove(tmp);
		return -e;
	}
	if (rename(tmp, path) != 0) {
		int e = errno;

		remove(tmp);
		return -e;
	}
	return 0;
}

/* Dump the whole table to --dump-state. Called offline; returns offline. */
static int
ctl_dump_state(struct rgl_app *app)
{
	const char *path = app->cfg->dump_state;
	json_t *j;
	int rc;

	if (path[0] == '\0')
		return 1;
	ctl_online();
	j = state_json_table(app->table, ctl_now_s(app));
	ctl_offline();
	/* The JSON is a deep copy: the file is written offline. */
	if (j == NULL) {
		RGL_LOG(ERR, "state dump: out of memory\n");
		return -ENOMEM;
	}
	rc = ctl_write_json(j, path);
	json_decref(j);
	if (rc < 0)
		RGL_LOG(ERR, "state dump to %s: %s\n", path, strerror(-rc));
	else
		RGL_LOG(INFO, "state dumped to %s\n", path);
	return rc;
}

static bool
ctl_all_drained(struct rgl_app *app)
{
	for (unsigned i = 0; i < app->n_workers; i++)
		if (!atomic_load_explicit(&app->workers[i].drained, memory_order_acquire))
			return false;
	return app->n_workers != 0;
}

static void
ctl_stats_line(struct rgl_app *app, uint64_t *last_rx, uint64_t *last_tsc)
{
	const struct reglane_lcore_stats *each[RGL_MAX_WORKERS];
	struct reglane_lcore_stats total;
	uint64_t tsc = rte_get_tsc_cycles();
	uint64_t rx, dt;

	for (unsigned i = 0; i < app->n_workers; i++)
		each[i] = app->workers[i].stats;
	reglane_stats_sum(&total, each, app->n_workers);
	rx = total.c[RGL_CTR_RX_PKTS];
	dt = tsc - *last_tsc;
	if (rx != *last_rx && dt != 0)
		RGL_LOG(INFO, "rx %" PRIu64 " pkts (%.0f/s), tx %" PRIu64 ", 200 %" PRIu64
			", applied %" PRIu64 "\n",
			rx, (double)(rx - *last_rx) * (double)app->clock.hz / (double)dt,
			total.c[RGL_CTR_TX_PKTS], total.c[RGL_CTR_TX_200],
			total.c[RGL_CTR_TABLE_APPLIED]);
	*last_rx = rx;
	*last_tsc = tsc;
}

/* The housekeeping loop; entered and left offline. */
static void
ctl_loop(struct rgl_app *app, struct regtable_writer *writer)
{
	const struct reglane_config *cfg = app->cfg;
	uint64_t hz_ms = app->clock.hz_ms;
	uint64_t last_sweep = rte_get_tsc_cycles(), last_stats = last_sweep;
	uint64_t last_rx = 0, stats_tsc = last_sweep, last_slice = last_sweep;
	uint64_t slice = CTL_SWEEP_SLICE_US * hz_ms / 1000, step = 64;
	bool sweeping = false;
	bool drain_seen = false;

	while (!atomic_load_explicit(&app->ctl_quit, memory_order_acquire)) {
		uint64_t tsc;

		/* Offline: waiting for the API (or just the tick). */
		if (ctl_api != NULL)
			ctl_http_poll(ctl_api, CTL_TICK_MS);
		else
			ctl_sleep_ms(CTL_TICK_MS);
		tsc = rte_get_tsc_cycles();

		/* One slice per tick at most, however often the API wakes us. */
		if (sweeping ? tsc - last_slice >= CTL_TICK_MS * hz_ms :
			       tsc - last_sweep >= CTL_SWEEP_MS * hz_ms) {
			uint64_t now = rgl_clock_s(&app->clock, tsc), t0 = tsc, t1;
			struct regtable_sweep_stats st;

			if (!sweeping)
				last_sweep = tsc;
			sweeping = true;
			last_slice = tsc;
			ctl_online();
			for (;;) {
				memset(&st, 0, sizeof(st));
				regtable_sweep(app->table, writer, now, step, &st);
				t1 = rte_get_tsc_cycles();
				if (ctl_api != NULL)
					ctl_http_note_sweep(ctl_api, &st);
				/* Keep a step between 1/16 and 1/4 of a slice. */
				if (t1 - t0 > slice / 4 && step > 1)
					step /= 2;
				else if (t1 - t0 < slice / 16 && step < CTL_SWEEP_STEP_MAX)
					step *= 2;
				if (st.wrapped) {
					sweeping = false;
					break;
				}
				if (t1 - tsc >= slice)
					break;
				/* The cursor is a key: nothing is held between steps. */
				urcu_qsbr_quiescent_state();
				t0 = t1;
			}
			ctl_offline();
		}

		if (!drain_seen && ctl_all_drained(app)) {
			drain_seen = true;
			if (ctl_api != NULL)
				ctl_http_set_drained(ctl_api, true);
			if (cfg->exit_on_drain) {
				RGL_LOG(INFO, "input drained: stopping\n");
				rgl_app_request_stop(app);
			} else {
				RGL_LOG(INFO, "input drained: serving on until SIGINT/SIGTERM\n");
				app->dump_rc = ctl_dump_state(app);
			}
		}

		if (tsc - last_stats >= CTL_STATS_S * 1000 * hz_ms) {
			ctl_stats_line(app, &last_rx, &stats_tsc);
			last_stats = tsc;
		}
	}
}

static void *
ctl_main(void *arg)
{
	struct rgl_app *app = arg;
	struct regtable_writer *writer = NULL;
	int rc;

	urcu_qsbr_register_thread(); /* registers ONLINE */
	rc = ctl_setup(app, &writer);
	if (rc < 0) {
		urcu_qsbr_unregister_thread();
		atomic_store_explicit(&app->ctl_state, rc, memory_order_release);
		return NULL;
	}
	ctl_offline();
	atomic_store_explicit(&app->ctl_state, 1, memory_order_release);

	ctl_loop(app, writer);

	/* Teardown (RCU.md 0.8): the workers have unregistered already. No
	 * API request or telemetry command may touch the table from here. */
	ctl_http_destroy(ctl_api);
	ctl_api = NULL;
	ctl_telemetry_detach();
	if (app->final_dump)
		app->dump_rc = ctl_dump_state(app);
	ctl_online();
	regtable_stats(app->table, &app->final_table);
	regtable_writer_free(writer);
	/* Deletes every node, urcu_qsbr_barrier(), cds_lfht_destroy offline. */
	app->leaked = regtable_destroy(app->table);
	app->table = NULL;
	urcu_qsbr_set_thread_call_rcu_data(NULL);
	urcu_qsbr_unregister_thread();
	return NULL;
}

int
ctl_thread_start(struct rgl_app *app)
{
	int rc, state;

	atomic_store(&app->ctl_state, 0);
	atomic_store(&app->ctl_quit, false);
	app->dump_rc = 1;
	/* rte_ctrl_thread_create is the 22.11 spelling; 23.03 renamed it
	 * rte_thread_create_control. This is the only call site. */
	rc = rte_ctrl_thread_create(&app->ctl_tid, "rgl-ctl", NULL, ctl_main, app);
	if (rc != 0) {
		RGL_LOG(ERR, "cannot start the control thread: %s\n", strerror(rc));
		return -rc;
	}
	/* Main sleeps (it may share its CPU with this thread) until ready. */
	while ((state = atomic_load_explicit(&app->ctl_state, memory_order_acquire)) == 0)
		ctl_sleep_ms(1);
	if (state < 0) {
		pthread_join(app->ctl_tid, NULL);
		return state;
	}
	return 0;
}

void
ctl_thread_stop(struct rgl_app *app)
{
	atomic_store_explicit(&app->ctl_quit, true, memory_order_release);
	pthread_join(app->ctl_tid, NULL);
}
