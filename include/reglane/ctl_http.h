/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_CTL_HTTP_H
#define REGLANE_CTL_HTTP_H

/**
 * @file
 * The control API: HTTP/JSON served by libmicrohttpd in "external polling"
 * mode, so that every request is parsed and answered on the one thread that
 * calls ctl_http_poll() (the control thread). No other thread reads the
 * registration table on the API's behalf (RCU.md 3: "The HTTP server must
 * run its handlers on the control thread").
 *
 * Routes (all JSON unless stated; docs/control-api.md has curl examples):
 *
 *   GET    /v1                               route index
 *   GET    /v1/users/{aor}                   a registration's state, by any
 *                                            AoR of its set (tel/sip alike)
 *   GET    /v1/users/{aor}/suitability?request=TYPE[&interworked=BOOL]
 *                                            seed 6.6 answer: every client
 *                                            with role, suitable, reasons
 *   GET|PUT|DELETE /v1/users/{aor}/preferences
 *                                            the user's preference rule set
 *                                            (policy.h shape), persisted
 *   GET    /v1/policy                        operator policy, role hints,
 *                                            service map in effect
 *   POST   /v1/policy/reload                 re-read config and policy file;
 *                                            all or nothing
 *   GET    /v1/stats                         dataplane counters summed, table,
 *                                            API and sweeper counters
 *   GET    /v1/health, /v1/ready             liveness, readiness (503 when
 *                                            stopping)
 *   GET    /metrics, /v1/metrics             Prometheus text format 0.0.4
 *
 * Every error is a JSON object {"error": <short code>, "status": <HTTP
 * status>, "message": <text>}: 400 malformed request or JSON, unknown
 * request type, garbage AoR; 401 missing/wrong bearer token (when one is
 * configured, on every route); 404 unknown route or user; 405 wrong method
 * (with Allow); 413 body over the limit; 415 body not application/json;
 * 422 JSON that is not a valid rule set, or an invalid reload; 500 when a
 * preference change could not be persisted (it is rolled back).
 * Malformed HTTP that libmicrohttpd itself rejects (bad request line,
 * header block over the connection memory limit) gets its own plain 4xx.
 *
 * Threads and RCU: one thread, a registered urcu-qsbr reader, calls
 * everything here. ctl_http_poll() is entered OFFLINE; a handler that
 * reads the table goes online for the lookup and its deep copy only
 * (RCU.md 0.4), so waiting on sockets, writing the preference file and
 * re-reading the configuration never hold up a grace period. Nothing a
 * client sends blocks the thread: sockets are non-blocking, bodies are
 * bounded, connections are limited and time out.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <reglane/config.h>
#include <reglane/regtable.h>
#include <reglane/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest request body accepted (a rule set of POLICY_MAX_RULES rules fits). */
#define CTL_HTTP_MAX_BODY (256u * 1024u)
/** Most simultaneous API connections; more are refused at accept. */
#define CTL_HTTP_MAX_CONNECTIONS 64
/** Seconds an idle API connection is kept. */
#define CTL_HTTP_IDLE_TIMEOUT_S 15
/** Bytes of an error message in ctl_http_create() / ctl_http_reload(). */
#define CTL_HTTP_ERRLEN 512

struct ctl_http;

/**
 * What the API serves from. Pointers must stay valid until
 * ctl_http_destroy(); strings are copied.
 */
struct ctl_http_params {
	/** Listen address and port (port 0: an ephemeral port, for tests),
	 *  bearer token, config file; the start-up configuration in effect. */
	const struct reglane_config *cfg;
	/** The application arguments (argv[0] then the options after `--`),
	 *  re-parsed by a reload so that the command line still wins over the
	 *  file; NULL: those of ctl_http_set_args(), else a reload reads
	 *  cfg->config_file over the defaults. */
	int argc;
	char *const *argv;
	struct regtable *table;
	/** Per-worker counters, summed by /v1/stats and /metrics. */
	const struct reglane_lcore_stats *const *stats;
	unsigned n_stats;
	/** Seconds on the clock given to regtable_apply(). */
	uint64_t (*now)(void *arg);
	/** Whether the process is shutting down (readiness); may be NULL. */
	bool (*stopping)(void *arg);
	/** One log line at @p level (RGL_LOG_EMERG..RGL_LOG_DEBUG); NULL: stderr. */
	void (*log)(void *arg, int level, const char *msg);
	void *arg;
	/** Operator policy, a policy.h rule set in JSON; NULL or "": allow all. */
	const char *policy_file;
	/** User preference store ({"users": {...}}); NULL or "": kept in memory only. */
	const char *prefs_file;
	/** Most users with preferences; 0: POLICY_DEFAULT_MAX_USERS. */
	uint32_t max_pref_users;
};

/**
 * Load the operator policy and the preference store, then start listening.
 * A policy or preference file that exists but is invalid is an error (the
 * process must not serve answers that ignore them); a missing preference
 * file is an empty store.
 * Context: the control thread (registered, online or offline); it does not
 * touch the table.
 * @param err receives a one-line reason on failure (CTL_HTTP_ERRLEN bytes).
 * @return 0, -EINVAL (bad file content, missing parameters), -EADDRINUSE or
 *   -EADDRNOTAVAIL (cannot listen), another -errno from the listen socket or
 *   the files, -ENOMEM.
 */
int ctl_http_create(const struct ctl_http_params *p, struct ctl_http **out, char *err,
		    size_t errlen);

/**
 * Wait up to @p timeout_ms for API activity (or less, when a connection
 * timeout is due), then serve every request that is ready, and run a
 * reload that ctl_http_request_reload() asked for.
 * Context: the control thread, registered with urcu-qsbr and OFFLINE; it
 * returns offline.
 * @return 0, or -errno when waiting failed for a reason other than EINTR.
 */
int ctl_http_poll(struct ctl_http *h, unsigned timeout_ms);

/** The port the API listens on (the ephemeral one when cfg asked for 0). */
uint16_t ctl_http_port(const struct ctl_http *h);

/** Tell readiness that a replayed input has been drained (shown by /v1/ready). */
void ctl_http_set_drained(struct ctl_http *h, bool drained);

/** Add one expiry sweep's work to the totals /v1/stats and /metrics show. */
void ctl_http_note_sweep(struct ctl_http *h, const struct regtable_sweep_stats *st);

/**
 * Remember the application arguments a reload re-parses with config_parse()
 * (argv[0], then what follows EAL's `--`), for servers created without
 * params.argv. The array and its strings must stay valid until exit.
 * Context: main thread, before the control thread starts.
 */
void ctl_http_set_args(int argc, char *const *argv);

/**
 * Ask the next ctl_http_poll() to reload (what SIGHUP does).
 * Context: any thread, async-signal-safe (one lock-free atomic store).
 */
void ctl_http_request_reload(void);

/**
 * Reload now: re-read the configuration (role hints, service map, token)
 * and the operator policy file. Everything is validated before anything
 * changes; on an error nothing changes and @p err says why. The policy and
 * the token take effect at once; role hints, the service map and the
 * listen address are reported as needing a restart when they differ (the
 * table classifies contacts with the ones it was created with).
 * Context: the control thread, offline.
 * @return 0, -EINVAL (invalid configuration or policy), -ENOENT (nothing
 *   to reload from), -errno (unreadable file).
 */
int ctl_http_reload(struct ctl_http *h, char *err, size_t errlen);

/** Stop listening, close every connection and free @p h (NULL is fine). */
void ctl_http_destroy(struct ctl_http *h);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_CTL_HTTP_H */
