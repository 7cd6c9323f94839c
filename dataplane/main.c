/* SPDX-License-Identifier: MIT */
/*
 * reglane: `reglane [EAL options] -- [reglane options]`.
 *
 * Start-up, in this order (RCU.md 0.5):
 *   1. the application options (after `--`) are parsed BEFORE rte_eal_init,
 *      so a bad option exits with status 2 and a message naming it, with
 *      nothing started;
 *   2. rte_eal_init;
 *   3. ports and mempools (dataplane/port.c), the workers' private state;
 *   4. the control thread (control/ctl_thread.c), which creates the
 *      registration table and the call_rcu threads on the control cpuset;
 *      main waits for it to report ready;
 *   5. the workers: one per worker lcore (rte_eal_mp_remote_launch style),
 *      or, when EAL gave a single lcore, the main lcore runs worker 0.
 * The main lcore then sleeps (it shares its CPU with the control thread on
 * small machines, so it never spins) until every worker has returned:
 * after SIGINT/SIGTERM, or after the control thread saw the input drained
 * (--exit-on-drain).
 *
 * Teardown follows RCU.md 0.8: workers stopped (they unregistered), ports
 * stopped and closed (the pcap PMD finishes its output file), the control
 * thread dumps the state, deletes every node, waits for the call_rcu
 * callbacks, destroys the table and exits; the final counters are printed;
 * mempools freed; rte_eal_cleanup last.
 *
 * Exit status: 0; 2 for a bad command line or configuration (also an EAL
 * option EAL rejects, or no usable port); 1 for a failure while running.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include <reglane/app.h>
#include <reglane/config.h>
#include <reglane/ctl.h>
#include <reglane/ctl_http.h>
#include <reglane/stats.h>

#include "port.h"
#include "worker.h"

#define EXIT_USAGE 2

int rgl_logtype = RTE_LOGTYPE_USER1; /* until rte_eal_init registered ours */

static struct reglane_config g_cfg;
static struct rgl_app g_app;
static struct port_set g_ports;
static struct worker *g_workers[RGL_MAX_WORKERS];

/* Async-signal-safe: one atomic store (RCU.md 1: may run on any thread). */
static void
on_signal(int sig)
{
	(void)sig;
	rgl_app_request_stop(&g_app);
}

/* SIGHUP: reload the policy and configuration (one atomic store too; the
 * control thread does the work on its next poll). */
static void
on_sighup(int sig)
{
	(void)sig;
	ctl_http_request_reload();
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
}

/* EAL's --help prints its options, then this. */
static void
usage_hook(const char *prog)
{
	printf("\nreglane options come after `--`:\n\n");
	config_usage(stdout, prog);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n != 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int
app_init(struct rgl_app *app, const struct reglane_config *cfg)
{
	struct timespec now;
	int rc;

	app->cfg = cfg;
	clock_gettime(CLOCK_REALTIME, &now);
	app->clock.tsc0 = rte_get_tsc_cycles();
	app->clock.hz = rte_get_tsc_hz();
	app->clock.hz_ms = app->clock.hz / 1000 != 0 ? app->clock.hz / 1000 : 1;
	app->clock.epoch_s = (uint64_t)now.tv_sec;
	atomic_init(&app->stop, false);
	rc = random_bytes(&app->tag_secret, sizeof(app->tag_secret));
	if (rc == 0)
		rc = random_bytes(app->txn_seed, sizeof(app->txn_seed));
	if (rc < 0)
		RGL_LOG(ERR, "getrandom: %s\n", strerror(-rc));
	return rc;
}

/* Sleep until every worker lcore has returned, then collect them. */
static void
wait_workers(void)
{
	unsigned lc;

	for (;;) {
		bool running = false;

		RTE_LCORE_FOREACH_WORKER(lc)
			if (rte_eal_get_lcore_state(lc) == RUNNING)
				running = true;
		if (!running)
			break;
		/* rte_eal_mp_wait_lcore() would spin on this CPU, which the
		 * control and call_rcu threads may need. */
		sleep_ms(2);
	}
	rte_eal_mp_wait_lcore();
}

static void
print_report(struct rgl_app *app)
{
	const struct reglane_lcore_stats *each[RGL_MAX_WORKERS];
	struct reglane_lcore_stats total;
	struct worker_cycles sum = { 0 };
	double hz = (double)app->clock.hz;
	uint64_t sip;

	for (unsigned i = 0; i < app->n_workers; i++) {
		struct worker_cycles c;

		each[i] = app->workers[i].stats;
		worker_get_cycles(g_workers[i], &c);
		sum.rx += c.rx;
		sum.handle += c.handle;
		sum.tx += c.tx;
		sum.bursts += c.bursts;
		sum.pkts += c.pkts;
	}
	reglane_stats_sum(&total, each, app->n_workers);
	sip = total.c[RGL_CTR_NET_SIP];

	printf("reglane: final counters (%u worker lcore%s, zeros omitted)\n", app->n_workers,
	       app->n_workers == 1 ? "" : "s");
	reglane_stats_text(&total, stdout, 1);
	printf("reglane: table: %" PRIu64 " registrations, %" PRIu64 " subscriptions, %" PRIu64
	       " aliases, %" PRIu64 " KiB in use, %" PRIu64 " allocation failures, leaked %" PRIu64
	       "\n",
	       app->final_table.registrations, app->final_table.subscriptions,
	       app->final_table.aliases, app->final_table.mem_in_use / 1024,
	       app->final_table.alloc_failures, app->leaked);
	if (sum.pkts != 0 && sum.handle != 0) {
		double busy = (double)(sum.rx + sum.handle + sum.tx) / hz;
		double handle = (double)sum.handle / hz;

		printf("reglane: worker time: rx %.3f s, processing %.3f s, tx %.3f s over %" PRIu64
		       " bursts (%.1f pkts/burst)\n",
		       (double)sum.rx / hz, handle, (double)sum.tx / hz, sum.bursts,
		       (double)sum.pkts / (double)sum.bursts);
		printf("reglane: processing rate: %.0f SIP requests/s per lcore (%.2f us each), "
		       "%.0f/s including rx/tx\n",
		       (double)sip / handle, handle * 1e6 / (double)(sip ? sip : 1),
		       (double)sip / busy);
	}
	fflush(stdout);
}

static int
launch_workers(struct rgl_app *app)
{
	unsigned lc, i = 0;

	/* With a single lcore the main lcore runs worker 0 (launched later). */
	if (rte_lcore_count() == 1)
		return 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		int rc = rte_eal_remote_launch(worker_main, g_workers[i], lc);

		if (rc != 0) {
			RGL_LOG(ERR, "cannot launch worker %u on lcore %u: %s\n", i, lc,
				strerror(-rc));
			rgl_app_request_stop(app);
			return rc;
		}
		i++;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned lcores[RGL_MAX_WORKERS];
	char err[RGL_CFG_ERRLEN];
	const char *warn[8];
	int sep, rc, status = 0;
	unsigned lc, n;
	char **app_argv;

	/* 1. Application options, before anything starts. */
	for (sep = 1; sep < argc; sep++)
		if (strcmp(argv[sep], "--") == 0)
			break;
	app_argv = calloc((size_t)(argc - sep) + 2, sizeof(*app_argv));
	if (app_argv == NULL)
		return 1;
	app_argv[0] = argv[0];
	for (int i = sep + 1; i < argc; i++)
		app_argv[i - sep] = argv[i];
	rc = config_parse(&g_cfg, argc - sep > 0 ? argc - sep : 1, app_argv, err, sizeof(err));
	/* Kept: a reload (SIGHUP, POST /v1/policy/reload) parses them again so
	 * the command line still wins over the file. argv itself lives on. */
	ctl_http_set_args(argc - sep > 0 ? argc - sep : 1, app_argv);
	if (rc == RGL_CONFIG_HELP) {
		printf("usage: %s [EAL options] -- [reglane options]\n"
		       "(EAL options: %s --help)\n\n",
		       argv[0], argv[0]);
		config_usage(stdout, argv[0]);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "reglane: %s\n", err);
		return EXIT_USAGE;
	}

	install_signals();
	rte_set_application_usage_hook(usage_hook);

	/* 2. EAL. It stops at "--" itself; hand it only its part. */
	rc = rte_eal_init(sep, argv);
	if (rc < 0) {
		int e = rte_errno;

		fprintf(stderr, "reglane: EAL initialisation failed: %s\n", rte_strerror(e));
		return e == EINVAL ? EXIT_USAGE : 1;
	}
	rc = rte_log_register_type_and_pick_level("reglane", RTE_LOG_INFO);
	if (rc >= 0)
		rgl_logtype = rc;
	rte_log_set_level(rgl_logtype, (uint32_t)g_cfg.log_level);
	n = (unsigned)config_warnings(&g_cfg, warn, RTE_DIM(warn));
	for (unsigned i = 0; i < n; i++)
		RGL_LOG(WARNING, "%s\n", warn[i]);
	if (app_init(&g_app, &g_cfg) < 0) {
		status = 1;
		goto out_eal;
	}

	/* Worker lcores: every EAL worker lcore, or the main one alone. */
	n = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (n == RGL_MAX_WORKERS) {
			RGL_LOG(ERR, "more than %u worker lcores\n", RGL_MAX_WORKERS);
			status = EXIT_USAGE;
			goto out_eal;
		}
		lcores[n++] = lc;
	}
	if (n == 0)
		lcores[n++] = rte_get_main_lcore();
	g_app.n_workers = n;

	/* 3. Ports and the workers' private state. */
	rc = port_init_all(&g_ports, &g_cfg, lcores, n);
	if (rc < 0) {
		status = rc == -ENODEV ? EXIT_USAGE : 1;
		goto out_ports;
	}
	for (unsigned i = 0; i < n; i++) {
		g_workers[i] = worker_create(&g_app, &g_ports, i, lcores[i]);
		if (g_workers[i] == NULL) {
			status = 1;
			goto out_workers;
		}
	}
	rc = port_start_all(&g_ports);
	if (rc < 0) {
		status = 1;
		goto out_workers;
	}

	/* 4. Control thread: table and call_rcu threads on the control cpuset. */
	rc = ctl_thread_start(&g_app);
	if (rc < 0) {
		status = 1;
		goto out_workers;
	}
	for (unsigned i = 0; i < n; i++) {
		if (worker_attach_table(g_workers[i]) < 0) {
			/* Launch anyway, stopped: each worker frees its writer
			 * registered, as regtable_writer_free() requires. */
			status = 1;
			rgl_app_request_stop(&g_app);
			break;
		}
	}
	g_app.final_dump = status == 0;
	RGL_LOG(INFO, "%u worker lcore(s), %u port(s), SIP port %u%s\n", n, g_ports.n_ports,
		g_cfg.sip_port, g_cfg.exit_on_drain ? ", exit on drain" : "");

	/* 5. Workers. */
	if (launch_workers(&g_app) < 0)
		status = 1;
	if (rte_lcore_count() == 1)
		worker_main(g_workers[0]);
	else
		wait_workers();

	/* Teardown, RCU.md 0.8. Workers are stopped and unregistered. */
	RGL_LOG(DEBUG, "workers stopped\n");
	port_close_all(&g_ports);
	RGL_LOG(DEBUG, "ports closed\n");
	ctl_thread_stop(&g_app);
	RGL_LOG(DEBUG, "control thread stopped\n");
	print_report(&g_app);
	if (g_app.dump_rc < 0 && status == 0)
		status = 1;
	goto out_workers_only;

out_workers:
	port_close_all(&g_ports);
out_workers_only:
	for (unsigned i = 0; i < n; i++)
		worker_free(g_workers[i]);
out_ports:
	port_close_all(&g_ports);
	port_free_pools(&g_ports);
out_eal:
	rte_eal_cleanup();
	return status;
}
