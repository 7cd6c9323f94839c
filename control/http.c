/* SPDX-License-Identifier: MIT */
/*
 * The control API's HTTP server: libmicrohttpd (MHD) in external polling
 * mode, one epoll set, driven by ctl_http_poll() on the control thread.
 *
 * Why MHD in this mode: it is a small, well-kept, packaged HTTP/1.1 server
 * that can run with no thread of its own. MHD_run() accepts, reads, parses
 * and writes non-blockingly and calls http_access() for each request on the
 * calling thread, so the handlers that read the registration table run on
 * the one registered RCU reader the process has for this (RCU.md 3).
 *
 * A request's life (MHD calls http_access() several times per request):
 *  1. headers complete: allocate the request, check the bearer token, the
 *     route, the method, the Content-Type and the announced length; any
 *     failure is answered at once (MHD then discards an unread body and
 *     closes the connection);
 *  2. body chunks: appended up to CTL_HTTP_MAX_BODY, then only counted
 *     (a chunked body with no announced length can still be too big); a
 *     client that keeps sending long after that is disconnected;
 *  3. request complete: the route handler (api_*.c) fills a reply, which
 *     is queued; the histogram and the status counters are updated.
 * Handlers never block on a client: the only blocking calls on this thread
 * are the preference file's fsync and a reload's file reads, both offline.
 */

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <reglane/json_text.h>
#include <reglane/ctl_prefs.h>
#include <reglane/rcu.h>

#include "http_priv.h"

/* MHD's per-connection memory (request line, headers, read buffer). */
#define HTTP_CONN_MEMORY (32u * 1024u)
/* Body bytes a request may send past the limit before it is cut off. */
#define HTTP_DISCARD_MAX (4u * 1024u * 1024u)

_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "a signal handler stores the reload flag");
static atomic_bool http_reload_pending;

/* ctl_http_set_args(): read-only once the control thread runs. */
static int http_argc;
static char *const *http_argv;

/* --------------------------------------------------------------------- */
/* Routes                                                                 */

struct http_route {
	const char *name;   /* counters, index */
	const char *path;   /* as documented */
	unsigned methods;   /* HTTP_M_* */
	unsigned body;      /* methods that carry a JSON body */
	const char *allow;  /* the Allow header of a 405 */
	void (*fn)(struct ctl_http *h, struct http_req *r, struct http_reply *out);
	const char *help;
};

static void http_index(struct ctl_http *h, struct http_req *r, struct http_reply *out);

#define GET_HEAD (HTTP_M_GET | HTTP_M_HEAD)

static const struct http_route routes[HTTP_R__COUNT] = {
	[HTTP_R_NONE] = { "none", NULL, 0, 0, NULL, NULL, NULL },
	[HTTP_R_INDEX] = { "index", "/v1", GET_HEAD, 0, "GET, HEAD", http_index,
			   "this list" },
	[HTTP_R_USER] = { "users", "/v1/users/{aor}", GET_HEAD, 0, "GET, HEAD",
			  api_users_state, "registration state by any AoR of its set" },
	[HTTP_R_USER_SUIT] = { "suitability", "/v1/users/{aor}/suitability", GET_HEAD, 0,
			       "GET, HEAD", api_users_suitability,
			       "?request=pager|large-message|session|file-transfer|deferred|"
			       "system[&interworked=true]: suitable clients (seed 6.6)" },
	[HTTP_R_USER_PREFS] = { "preferences", "/v1/users/{aor}/preferences",
				GET_HEAD | HTTP_M_PUT | HTTP_M_DELETE, HTTP_M_PUT,
				"GET, HEAD, PUT, DELETE", api_users_prefs,
				"the user's preference rule set (PUT application/json)" },
	[HTTP_R_POLICY] = { "policy", "/v1/policy", GET_HEAD, 0, "GET, HEAD", api_policy_get,
			    "operator policy, role hints, service map" },
	[HTTP_R_POLICY_RELOAD] = { "reload", "/v1/policy/reload", HTTP_M_POST, 0, "POST",
				   api_policy_reload,
				   "re-read the configuration and the policy file" },
	[HTTP_R_STATS] = { "stats", "/v1/stats", GET_HEAD, 0, "GET, HEAD", api_stats_get,
			   "counters: dataplane (summed), table, API, sweeper" },
	[HTTP_R_HEALTH] = { "health", "/v1/health", GET_HEAD, 0, "GET, HEAD", api_stats_health,
			    "liveness" },
	[HTTP_R_READY] = { "ready", "/v1/ready", GET_HEAD, 0, "GET, HEAD", api_stats_ready,
			   "readiness (503 while stopping)" },
	[HTTP_R_METRICS] = { "metrics", "/metrics", GET_HEAD, 0, "GET, HEAD", api_stats_metrics,
			     "Prometheus text format (also /v1/metrics)" },
};

const char *
http_route_name(enum http_route_id id)
{
	return (unsigned)id < HTTP_R__COUNT ? routes[id].name : "?";
}

static bool
ends_with(const char *s, size_t len, const char *suffix, size_t *stem)
{
	size_t n = strlen(suffix);

	if (len < n || memcmp(s + len - n, suffix, n) != 0)
		return false;
	*stem = len - n;
	return true;
}

/*
 * Map a (percent-decoded) path to a route. The AoR of /v1/users/{aor}
 * may itself contain '/' (RFC 3261 allows it in the user part), so the
 * sub-resources are recognised from the end of the path.
 */
static enum http_route_id
http_route_match(const char *url, struct rgl_slice *aor)
{
	static const struct {
		const char *path;
		enum http_route_id id;
	} exact[] = {
		{ "/", HTTP_R_INDEX },
		{ "/v1", HTTP_R_INDEX },
		{ "/v1/", HTTP_R_INDEX },
		{ "/v1/policy", HTTP_R_POLICY },
		{ "/v1/policy/reload", HTTP_R_POLICY_RELOAD },
		{ "/v1/stats", HTTP_R_STATS },
		{ "/v1/health", HTTP_R_HEALTH },
		{ "/v1/ready", HTTP_R_READY },
		{ "/v1/metrics", HTTP_R_METRICS },
		{ "/metrics", HTTP_R_METRICS },
	};
	static const char users[] = "/v1/users/";
	enum http_route_id id = HTTP_R_USER;
	size_t len, stem;
	const char *rest;

	*aor = RGL_SLICE_NONE;
	if (url == NULL)
		return HTTP_R_NONE;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(url, exact[i].path) == 0)
			return exact[i].id;
	if (strncmp(url, users, sizeof(users) - 1) != 0)
		return HTTP_R_NONE;
	rest = url + sizeof(users) - 1;
	len = strlen(rest);
	if (ends_with(rest, len, "/suitability", &stem)) {
		id = HTTP_R_USER_SUIT;
		len = stem;
	} else if (ends_with(rest, len, "/preferences", &stem)) {
		id = HTTP_R_USER_PREFS;
		len = stem;
	}
	if (len == 0)
		return HTTP_R_NONE;
	*aor = rgl_slice_make(rest, len);
	return id;
}

static unsigned
http_method_bit(const char *m)
{
	static const struct {
		const char *name;
		unsigned bit;
	} ms[] = {
		{ MHD_HTTP_METHOD_GET, HTTP_M_GET },       { MHD_HTTP_METHOD_HEAD, HTTP_M_HEAD },
		{ MHD_HTTP_METHOD_PUT, HTTP_M_PUT },       { MHD_HTTP_METHOD_POST, HTTP_M_POST },
		{ MHD_HTTP_METHOD_DELETE, HTTP_M_DELETE },
	};

	for (size_t i = 0; m != NULL && i < sizeof(ms) / sizeof(ms[0]); i++)
		if (strcmp(m, ms[i].name) == 0)
			return ms[i].bit;
	return 0;
}

/* --------------------------------------------------------------------- */
/* Helpers for the handlers                                               */

void
http_log(struct ctl_http *h, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (h != NULL && h->p.log != NULL)
		h->p.log(h->p.arg, level, msg);
	else
		fprintf(stderr, "reglane: %s\n", msg);
}

uint64_t
http_now(const struct ctl_http *h)
{
	if (h->p.now != NULL)
		return h->p.now(h->p.arg);
	return (uint64_t)time(NULL);
}

void
http_online(void)
{
	urcu_qsbr_thread_online();
}

void
http_offline(void)
{
	/* Offline is a quiescent state: nothing read from the table survives. */
	urcu_qsbr_thread_offline();
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
http_reply_text(struct http_reply *out, unsigned status, char *text, size_t len,
		const char *content_type)
{
	free(out->body);
	out->status = status;
	out->body = text;
	out->len = text != NULL ? len : 0;
	out->content_type = content_type;
}

void
http_reply_json(struct http_reply *out, unsigned status, json_t *j)
{
	size_t need;
	char *buf;

	if (j == NULL)
		goto nomem;
	/* Compact (the answers are for programs and benchmarks) with a final
	 * newline (and for people running curl). */
	need = json_dumpb(j, NULL, 0, JSON_COMPACT);
	buf = need != 0 ? malloc(need + 1) : NULL;
	if (buf == NULL || json_dumpb(j, buf, need, JSON_COMPACT) != need) {
		free(buf);
		json_decref(j);
		goto nomem;
	}
	json_decref(j);
	buf[need] = '\n';
	http_reply_text(out, status, buf, need + 1, "application/json");
	return;
nomem:
	/* A static body: nothing left to allocate. */
	buf = strdup("{\"error\":\"out_of_memory\",\"status\":500}\n");
	http_reply_text(out, MHD_HTTP_INTERNAL_SERVER_ERROR, buf, buf ? strlen(buf) : 0,
			"application/json");
}

/* Keep printable ASCII of a message; a client's bytes may be anything. */
static void
ascii_only(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

void
http_reply_error(struct http_reply *out, unsigned status, const char *code, const char *fmt,
		 ...)
{
	char msg[CTL_HTTP_ERRLEN];
	json_t *j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ascii_only(msg);
	j = json_pack("{s:s, s:i, s:s}", "error", code, "status", (int)status, "message", msg);
	http_reply_json(out, status, j);
}


json_t *
http_json_str(struct rgl_slice s)
{
	return rgl_json_str(s);
}

bool
http_json_set(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new_nocheck(o, key, v) == 0;
}

const char *
http_query(struct http_req *r, const char *key)
{
	const char *v = NULL;
	size_t vlen = 0;

	if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v,
					  &vlen) != MHD_YES)
		return NULL;
	return v != NULL ? v : "";
}

struct query_check {
	const char *const *allowed;
	unsigned n;
	const char *bad;
};

static enum MHD_Result
query_check_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query_check *qc = cls;

	(void)kind;
	(void)value;
	for (unsigned i = 0; i < qc->n; i++)
		if (key != NULL && strcmp(key, qc->allowed[i]) == 0)
			return MHD_YES;
	qc->bad = key != NULL ? key : "";
	return MHD_NO;
}

bool
http_query_unknown(struct http_req *r, const char *const *allowed, unsigned n, const char **bad)
{
	struct query_check qc = { allowed, n, NULL };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_check_one, &qc);
	*bad = qc.bad;
	return qc.bad != NULL;
}

/* GET /v1: the route list (documentation a client can discover). */
static void
http_index(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	json_t *o = json_object(), *list = json_array();
	bool ok = o != NULL && list != NULL;

	(void)r;
	for (unsigned i = HTTP_R_INDEX; ok && i < HTTP_R__COUNT; i++)
		ok = json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "path",
							   routes[i].path, "methods",
							   routes[i].allow, "what",
							   routes[i].help)) == 0;
	ok = ok && http_json_set(o, "service", json_string("reglane control API")) &&
	     http_json_set(o, "version", json_string("v1")) &&
	     http_json_set(o, "auth", json_string(h->token_len != 0 ? "bearer" : "none"));
	if (!ok || !http_json_set(o, "routes", list)) {
		if (!ok)
			json_decref(list);
		json_decref(o);
		o = NULL;
	}
	http_reply_json(out, MHD_HTTP_OK, o);
}

/* --------------------------------------------------------------------- */
/* The MHD callbacks                                                      */

/* Compare without an early exit, so timing does not reveal the token. */
static bool
token_equal(const char *got, size_t got_len, const char *want, size_t want_len)
{
	unsigned char diff = got_len != want_len;

	for (size_t i = 0; i < want_len; i++)
		diff |= (unsigned char)(i < got_len ? got[i] : 0) ^ (unsigned char)want[i];
	return diff == 0;
}

/* false (and a 401 in @p out) when a token is configured and not presented. */
static bool
http_authorized(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	static const char realm[] = "Bearer realm=\"reglane\"";
	static const char bad[] = "Bearer realm=\"reglane\", error=\"invalid_token\"";
	const char *v;
	size_t len;

	if (h->token_len == 0)
		return true;
	v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (v == NULL) {
		http_reply_error(out, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				 "this API needs an Authorization: Bearer token");
		out->www_auth = realm;
		return false;
	}
	if (strncasecmp(v, "Bearer ", 7) != 0) {
		http_reply_error(out, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				 "the Authorization scheme must be Bearer");
		out->www_auth = realm;
		return false;
	}
	v += 7;
	while (*v == ' ')
		v++;
	len = strlen(v);
	while (len != 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (!token_equal(v, len, h->token, h->token_len)) {
		http_reply_error(out, MHD_HTTP_UNAUTHORIZED, "invalid_token",
				 "the bearer token is not valid");
		out->www_auth = bad;
		return false;
	}
	return true;
}

/* Content-Type is application/json, parameters (charset) allowed. */
static bool
is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (ct == NULL)
		return false;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * What can be decided from the headers alone, in this order: token (so an
 * unauthenticated client learns nothing about routes), route, method,
 * media type, announced size. @return true when @p out holds the answer.
 */
static bool
http_precheck(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	const struct http_route *rt = &routes[r->route];
	const char *cl;

	if (!http_authorized(h, r, out))
		return true;
	if (r->route == HTTP_R_NONE) {
		http_reply_error(out, MHD_HTTP_NOT_FOUND, "not_found",
				 "no such route (GET /v1 lists them)");
		return true;
	}
	if ((rt->methods & r->method) == 0) {
		http_reply_error(out, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				 "%s allows %s", rt->path, rt->allow);
		out->allow = rt->allow;
		return true;
	}
	if ((rt->body & r->method) != 0 &&
	    !is_json_type(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE))) {
		http_reply_error(out, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
				 "the body must be Content-Type: application/json");
		return true;
	}
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || n > CTL_HTTP_MAX_BODY) {
			http_reply_error(out, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
					 "request bodies are limited to %u bytes",
					 CTL_HTTP_MAX_BODY);
			return true;
		}
	}
	return false;
}

/* Keep the body of a route that takes one; only count it otherwise. */
static void
http_take_body(struct http_req *r, const char *data, size_t n)
{
	size_t need;

	if ((routes[r->route].body & r->method) == 0 || r->too_big) {
		if (r->body_len + r->discarded + n > CTL_HTTP_MAX_BODY)
			r->too_big = true;
		r->discarded += n;
		return;
	}
	need = r->body_len + n;
	if (need > CTL_HTTP_MAX_BODY) {
		r->too_big = true;
		r->discarded += n;
		return;
	}
	if (need + 1 > r->body_cap) {
		size_t cap = r->body_cap != 0 ? r->body_cap : 1024;
		char *nb;

		while (cap < need + 1)
			cap *= 2;
		if (cap > CTL_HTTP_MAX_BODY + 1)
			cap = CTL_HTTP_MAX_BODY + 1;
		nb = realloc(r->body, cap);
		if (nb == NULL) {
			/* Treated as too big: the answer is a 413, not a crash. */
			r->too_big = true;
			r->discarded += n;
			return;
		}
		r->body = nb;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len = need;
	r->body[need] = '\0';
}

static enum http_code_idx
code_idx(unsigned status)
{
	switch (status) {
#define _(c) case c: return HTTP_CODE_##c;
	foreach_http_code
#undef _
	default: return HTTP_CODE_OTHER;
	}
}

static void
http_account(struct ctl_http *h, struct http_req *r, unsigned status)
{
	static const uint64_t bounds_us[] = { HTTP_LAT_BOUNDS_US };
	uint64_t ns = mono_ns() - r->t0_ns;
	unsigned b = 0;

	_Static_assert(sizeof(bounds_us) / sizeof(bounds_us[0]) + 1 == HTTP_LAT_BUCKETS,
		       "one bucket per bound, plus +Inf");
	while (b < HTTP_LAT_BUCKETS - 1 && ns > bounds_us[b] * 1000u)
		b++;
	h->lat_buckets[b]++;
	h->lat_count++;
	h->lat_sum_ns += ns;
	h->codes[code_idx(status)]++;
	h->requests[r->route < HTTP_R__COUNT ? r->route : HTTP_R_NONE]++;
}

static enum MHD_Result
http_send(struct ctl_http *h, struct http_req *r, struct http_reply *rep)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;

	if (rep->status == 0)
		http_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
				 "the handler gave no answer");
	if (rep->body != NULL)
		resp = MHD_create_response_from_buffer(rep->len, rep->body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(rep->body);
		return MHD_NO; /* out of memory: drop the connection */
	}
	if (rep->content_type != NULL && rep->body != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (rep->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep->allow);
	if (rep->www_auth != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, rep->www_auth);
	ok = MHD_queue_response(r->conn, rep->status, resp);
	MHD_destroy_response(resp);
	http_account(h, r, rep->status);
	return ok;
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct ctl_http *h = cls;
	struct http_req *r = *con_cls;
	struct http_reply rep;

	(void)version;
	memset(&rep, 0, sizeof(rep));
	if (r == NULL) {
		/* 1. Headers complete. */
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		r->conn = conn;
		r->t0_ns = mono_ns();
		r->method = http_method_bit(method);
		r->route = http_route_match(url, &r->aor);
		if (http_precheck(h, r, &rep))
			return http_send(h, r, &rep);
		return MHD_YES;
	}
	if (*upload_size != 0) {
		/* 2. A piece of the body. */
		http_take_body(r, upload_data, *upload_size);
		*upload_size = 0;
		/* An endless body is cut off; MHD cannot answer mid-upload. */
		return r->discarded > HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	/* 3. Complete. The url is MHD's buffer, stable for the request; the
	 * route is matched again only to refresh the AoR slice into it. */
	r->route = http_route_match(url, &r->aor);
	if (r->too_big)
		http_reply_error(&rep, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
				 "request bodies are limited to %u bytes", CTL_HTTP_MAX_BODY);
	else if (routes[r->route].fn == NULL) /* precheck answered these already */
		http_reply_error(&rep, MHD_HTTP_NOT_FOUND, "not_found", "no such route");
	else
		routes[r->route].fn(h, r, &rep);
	return http_send(h, r, &rep);
}

static void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	       enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r != NULL) {
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

/* MHD's own diagnostics (bind failures, refused connections). */
static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct ctl_http *h = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n != 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	http_log(h, 6 /* notice */, "http: %s", msg);
}

/* --------------------------------------------------------------------- */
/* Life cycle                                                             */

static int
copy_path(char *dst, size_t cap, const char *src, const char *what, char *err, size_t errlen)
{
	if (src == NULL)
		src = "";
	if (strlen(src) >= cap) {
		snprintf(err, errlen, "%s path too long", what);
		return -ENAMETOOLONG;
	}
	strcpy(dst, src);
	return 0;
}

static int
http_listen(struct ctl_http *h, char *err, size_t errlen)
{
	const struct reglane_config *cfg = h->p.cfg;
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_EPOLL;

	memset(&ss, 0, sizeof(ss));
	if (cfg->http_addr.family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(cfg->http_port);
		memcpy(&s6->sin6_addr, cfg->http_addr.addr, 16);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(cfg->http_port);
		memcpy(&s4->sin_addr, cfg->http_addr.addr, 4);
	}
	/* No internal thread: MHD_run() from ctl_http_poll() does all the work. */
	h->d = MHD_start_daemon(flags, cfg->http_port, NULL, NULL, http_access, h,
				/* First, so that MHD's option parsing logs here too. */
				MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)CTL_HTTP_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CTL_HTTP_IDLE_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				MHD_OPTION_NOTIFY_COMPLETED, http_completed, h,
				MHD_OPTION_END);
	if (h->d == NULL) {
		int e = errno != 0 ? errno : EADDRNOTAVAIL;

		snprintf(err, errlen, "control API: cannot listen on %s%s%s:%u: %s",
			 cfg->http_addr.family == 6 ? "[" : "", cfg->http_host,
			 cfg->http_addr.family == 6 ? "]" : "", cfg->http_port, strerror(e));
		return -e;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epfd = info != NULL ? info->epoll_fd : -1;
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : cfg->http_port;
	if (h->epfd < 0) {
		snprintf(err, errlen, "control API: libmicrohttpd gave no epoll fd");
		return -ENOTSUP;
	}
	return 0;
}

int
ctl_http_create(const struct ctl_http_params *p, struct ctl_http **out, char *err,
		size_t errlen)
{
	struct ctl_http *h;
	int rc;

	*out = NULL;
	if (p == NULL || p->cfg == NULL || p->table == NULL ||
	    (p->n_stats != 0 && p->stats == NULL)) {
		snprintf(err, errlen, "control API: missing parameters");
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		goto nomem;
	h->epfd = -1;
	h->p = *p;
	if (h->p.argv == NULL) {
		h->p.argc = http_argc;
		h->p.argv = http_argv;
	}
	rc = copy_path(h->policy_file, sizeof(h->policy_file), p->policy_file, "policy file",
		       err, errlen);
	if (rc == 0)
		rc = copy_path(h->prefs_file, sizeof(h->prefs_file), p->prefs_file,
			       "preference file", err, errlen);
	if (rc < 0)
		goto err_free;
	h->p.policy_file = h->policy_file;
	h->p.prefs_file = h->prefs_file;
	h->token_len = strnlen(p->cfg->http_token, sizeof(h->token) - 1);
	memcpy(h->token, p->cfg->http_token, h->token_len);
	h->suit = malloc(sizeof(*h->suit));
	if (h->suit == NULL)
		goto nomem;
	h->started_at = http_now(h);

	rc = api_policy_init(h, err, errlen);
	if (rc < 0)
		goto err_free;
	if (h->prefs_file[0] != '\0') {
		rc = ctl_prefs_load(h->prefs_file, p->max_pref_users, &h->prefs, err, errlen);
		if (rc < 0)
			goto err_policy;
	} else {
		h->prefs = policy_prefs_new(p->max_pref_users);
		if (h->prefs == NULL) {
			rc = -ENOMEM;
			snprintf(err, errlen, "control API: out of memory");
			goto err_policy;
		}
	}
	rc = http_listen(h, err, errlen);
	if (rc < 0)
		goto err_prefs;
	http_log(h, 7, "control API on http://%s%s%s:%u/v1 (%s), %u users with preferences%s%s",
		 p->cfg->http_addr.family == 6 ? "[" : "", p->cfg->http_host,
		 p->cfg->http_addr.family == 6 ? "]" : "", h->port,
		 h->token_len != 0 ? "bearer token required" : "no token",
		 policy_prefs_count(h->prefs), h->prefs_file[0] != '\0' ? " in " : "",
		 h->prefs_file);
	*out = h;
	return 0;

err_prefs:
	policy_prefs_free(h->prefs);
err_policy:
	api_policy_fini(h);
err_free:
	free(h->suit);
	free(h);
	return rc;
nomem:
	snprintf(err, errlen, "control API: out of memory");
	if (h != NULL)
		free(h->suit);
	free(h);
	return -ENOMEM;
}

static void
http_reload_logged(struct ctl_http *h, const char *why)
{
	char err[CTL_HTTP_ERRLEN];
	int rc;

	err[0] = '\0';
	rc = ctl_http_reload(h, err, sizeof(err));
	if (rc < 0)
		http_log(h, 4, "reload (%s) rejected, running policy kept: %s", why, err);
	else
		http_log(h, 7, "reload (%s): policy generation %llu%s%s", why,
			 (unsigned long long)h->pol.generation,
			 h->pol.restart_required[0] != '\0' ? "; restart needed for: " : "",
			 h->pol.restart_required);
}

int
ctl_http_poll(struct ctl_http *h, unsigned timeout_ms)
{
	MHD_UNSIGNED_LONG_LONG mto;
	struct pollfd pfd = { .fd = h->epfd, .events = POLLIN, .revents = 0 };
	int wait = timeout_ms > 60000 ? 60000 : (int)timeout_ms;

	if (atomic_exchange_explicit(&http_reload_pending, false, memory_order_acq_rel))
		http_reload_logged(h, "SIGHUP");
	/* MHD's own deadline (an idle connection to time out) may be sooner. */
	if (MHD_get_timeout(h->d, &mto) == MHD_YES && mto < (MHD_UNSIGNED_LONG_LONG)wait)
		wait = (int)mto;
	if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
		return -errno;
	/* Accept, read, answer, write whatever is ready; never blocks. */
	MHD_run(h->d);
	return 0;
}

uint16_t
ctl_http_port(const struct ctl_http *h)
{
	return h->port;
}

void
ctl_http_set_drained(struct ctl_http *h, bool drained)
{
	h->drained = drained;
}

void
ctl_http_note_sweep(struct ctl_http *h, const struct regtable_sweep_stats *st)
{
	h->sweeps++;
	h->sweep.subs_examined += st->subs_examined;
	h->sweep.contacts_expired += st->contacts_expired;
	h->sweep.regs_removed += st->regs_removed;
	h->sweep.subs_removed += st->subs_removed;
	h->sweep.aliases_examined += st->aliases_examined;
	h->sweep.aliases_removed += st->aliases_removed;
	h->sweep.cas_retries += st->cas_retries;
	h->sweep.resizes += st->resizes;
}

void
ctl_http_set_args(int argc, char *const *argv)
{
	http_argc = argc;
	http_argv = argv;
}

void
ctl_http_request_reload(void)
{
	atomic_store_explicit(&http_reload_pending, true, memory_order_release);
}

void
ctl_http_destroy(struct ctl_http *h)
{
	if (h == NULL)
		return;
	/* Closes the listen socket and every connection; http_completed()
	 * frees what requests in flight held. */
	MHD_stop_daemon(h->d);
	policy_prefs_free(h->prefs);
	api_policy_fini(h);
	free(h->suit);
	free(h);
}
