/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_CONTROL_HTTP_PRIV_H
#define REGLANE_CONTROL_HTTP_PRIV_H

/*
 * Shared between control/http.c (server, routing, replies) and the route
 * files control/api_*.c. Not part of the public API (include/reglane/
 * ctl_http.h is): everything here runs on the control thread that calls
 * ctl_http_poll(), so nothing in struct ctl_http needs a lock.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include <reglane/ctl_http.h>
#include <reglane/policy.h>
#include <reglane/slice.h>
#include <reglane/suitability.h>

/* Methods a route accepts (HEAD goes with GET). */
#define HTTP_M_GET (1u << 0)
#define HTTP_M_HEAD (1u << 1)
#define HTTP_M_PUT (1u << 2)
#define HTTP_M_POST (1u << 3)
#define HTTP_M_DELETE (1u << 4)

enum http_route_id {
	HTTP_R_NONE = 0,
	HTTP_R_INDEX,
	HTTP_R_USER,
	HTTP_R_USER_SUIT,
	HTTP_R_USER_PREFS,
	HTTP_R_POLICY,
	HTTP_R_POLICY_RELOAD,
	HTTP_R_STATS,
	HTTP_R_HEALTH,
	HTTP_R_READY,
	HTTP_R_METRICS,
	HTTP_R__COUNT
};

/* Status codes counted one by one (/v1/stats, /metrics); the rest as "other". */
#define foreach_http_code _(200) _(201) _(204) _(400) _(401) _(404) _(405) _(409) \
	_(413) _(415) _(422) _(500) _(503) _(507)

enum http_code_idx {
#define _(c) HTTP_CODE_##c,
	foreach_http_code
#undef _
	HTTP_CODE_OTHER,
	HTTP_CODE__COUNT
};

/* Upper bounds (seconds) of the handling-time histogram buckets, then +Inf. */
#define HTTP_LAT_BOUNDS_US 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000
#define HTTP_LAT_BUCKETS 12 /* the bounds above and +Inf */

/* One request, from its headers to its answer (MHD's per-request pointer). */
struct http_req {
	struct MHD_Connection *conn;
	unsigned method;          /* HTTP_M_* */
	enum http_route_id route;
	struct rgl_slice aor;     /* {aor} of a /v1/users route; into MHD's url */
	char *body;               /* NUL-terminated */
	size_t body_len;
	size_t body_cap;
	size_t discarded;         /* bytes dropped after the body went over the limit */
	uint64_t t0_ns;           /* when the headers were complete */
	bool too_big;
};

/* What a handler answers. @c body is malloc()ed (MHD frees it). */
struct http_reply {
	unsigned status;
	char *body;
	size_t len;
	const char *content_type;
	const char *allow;        /* Allow header (405), NULL for none */
	const char *www_auth;     /* WWW-Authenticate header (401), NULL for none */
};

/* The operator policy and what the last reload found. */
struct http_policy_state {
	struct policy_rules *rules;       /* NULL: no policy, everything allowed */
	uint64_t generation;              /* 1 at start, +1 per successful reload */
	uint64_t loaded_at;               /* table clock seconds */
	uint64_t reloads_ok;
	uint64_t reloads_failed;
	uint64_t last_reload_at;          /* 0: never reloaded */
	bool last_reload_ok;
	char last_reload_msg[CTL_HTTP_ERRLEN];
	char restart_required[256];       /* comma-separated settings, "" when none */
};

struct ctl_http {
	struct MHD_Daemon *d;
	int epfd;                 /* MHD's epoll fd, what ctl_http_poll() waits on */
	uint16_t port;
	struct ctl_http_params p; /* string members point at the copies below */
	char policy_file[RGL_CFG_PATH_MAX];
	char prefs_file[RGL_CFG_PATH_MAX];
	char token[RGL_CFG_HTTP_TOKEN_MAX];
	size_t token_len;         /* 0: no token required */

	struct http_policy_state pol;
	struct policy_prefs *prefs;
	struct suit_result *suit; /* 37 KiB: one per server, not on the stack */

	bool drained;
	uint64_t started_at;

	/* API counters (this thread only writes and reads them). */
	uint64_t requests[HTTP_R__COUNT];
	uint64_t codes[HTTP_CODE__COUNT];
	uint64_t lat_buckets[HTTP_LAT_BUCKETS];
	uint64_t lat_count;
	uint64_t lat_sum_ns;
	uint64_t prefs_writes;
	uint64_t prefs_write_errors;
	uint64_t sweeps;
	struct regtable_sweep_stats sweep;
};

/* ---- helpers (http.c) -------------------------------------------------- */

void http_log(struct ctl_http *h, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Seconds on the table clock. */
uint64_t http_now(const struct ctl_http *h);

/* RCU brackets around table reads (the thread is offline otherwise). */
void http_online(void);
void http_offline(void);

/* A JSON reply; @p j is stolen (NULL: 500 out of memory). */
void http_reply_json(struct http_reply *out, unsigned status, json_t *j);

/* A JSON error reply {"error": code, "status": status, "message": ...}. */
void http_reply_error(struct http_reply *out, unsigned status, const char *code,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A text reply; @p text is malloc()ed and stolen. */
void http_reply_text(struct http_reply *out, unsigned status, char *text, size_t len,
		     const char *content_type);

/* A JSON string of bytes off the wire: invalid UTF-8 becomes U+FFFD; null when absent. */
json_t *http_json_str(struct rgl_slice s);

/* Set @p key of @p o to @p v (stolen); false when @p v is NULL or on ENOMEM. */
bool http_json_set(json_t *o, const char *key, json_t *v);

/* A query argument of @p r, NULL when absent ("" for a bare `?key`). */
const char *http_query(struct http_req *r, const char *key);

/* Whether the query has arguments other than the @p n names in @p allowed;
 * the first unknown one goes to @p bad. */
bool http_query_unknown(struct http_req *r, const char *const *allowed, unsigned n,
			const char **bad);

/* ---- route handlers (api_*.c) ------------------------------------------ */

void api_users_state(struct ctl_http *h, struct http_req *r, struct http_reply *out);
void api_users_suitability(struct ctl_http *h, struct http_req *r, struct http_reply *out);
void api_users_prefs(struct ctl_http *h, struct http_req *r, struct http_reply *out);

void api_policy_get(struct ctl_http *h, struct http_req *r, struct http_reply *out);
void api_policy_reload(struct ctl_http *h, struct http_req *r, struct http_reply *out);

void api_stats_get(struct ctl_http *h, struct http_req *r, struct http_reply *out);
void api_stats_health(struct ctl_http *h, struct http_req *r, struct http_reply *out);
void api_stats_ready(struct ctl_http *h, struct http_req *r, struct http_reply *out);
void api_stats_metrics(struct ctl_http *h, struct http_req *r, struct http_reply *out);

/* Load the operator policy at start (api_policy.c). */
int api_policy_init(struct ctl_http *h, char *err, size_t errlen);
void api_policy_fini(struct ctl_http *h);

/* Name of a route for counters ("users", "suitability", ...). */
const char *http_route_name(enum http_route_id id);

#endif /* REGLANE_CONTROL_HTTP_PRIV_H */
