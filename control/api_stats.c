/* SPDX-License-Identifier: MIT */
/*
 * /v1/stats, /v1/health, /v1/ready and /metrics.
 *
 * The dataplane counters are the workers' per-lcore blocks summed here
 * (stats.h: relaxed 64-bit loads, each value whole, possibly a burst
 * behind); they need no RCU. The table's counts do (regtable_stats()
 * walks nothing but reads the tables' accounting), so that call alone is
 * bracketed online.
 *
 * Metric names: every dataplane counter is `reglane_<name>_total` (the
 * stats.h name, so the X-macro that adds a counter adds its metric), the
 * rest is named by what it measures; the API's handling time is a
 * histogram (reglane_http_request_duration_seconds).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/regtable.h>
#include <reglane/stats.h>

#include "http_priv.h"

static const unsigned http_code_values[HTTP_CODE__COUNT] = {
#define _(c) c,
	foreach_http_code
#undef _
	0,
};

static const uint64_t lat_bounds_us[HTTP_LAT_BUCKETS - 1] = { HTTP_LAT_BOUNDS_US };

static void
sum_counters(const struct ctl_http *h, struct reglane_lcore_stats *total)
{
	reglane_stats_sum(total, h->p.stats, h->p.n_stats);
}

static void
table_stats(struct ctl_http *h, struct regtable_stats *st)
{
	memset(st, 0, sizeof(*st));
	http_online();
	regtable_stats(h->p.table, st);
	http_offline();
}

struct json_fill {
	json_t *o;
	bool ok;
};

static void
counter_to_json(const char *name, const char *help, uint64_t value, void *arg)
{
	struct json_fill *f = arg;

	(void)help;
	if (f->ok)
		f->ok = http_json_set(f->o, name, json_integer((json_int_t)value));
}

static json_t *
stats_json(struct ctl_http *h)
{
	struct reglane_lcore_stats total;
	struct regtable_stats ts;
	struct json_fill f = { json_object(), true };
	json_t *o = json_object(), *req = json_object(), *codes = json_object(), *t, *x;
	bool ok = o != NULL && f.o != NULL && req != NULL && codes != NULL;

	sum_counters(h, &total);
	table_stats(h, &ts);
	if (ok)
		reglane_stats_foreach(&total, counter_to_json, &f);
	ok = ok && f.ok;
	for (unsigned i = HTTP_R_NONE; ok && i < HTTP_R__COUNT; i++)
		ok = http_json_set(req, http_route_name((enum http_route_id)i),
				   json_integer((json_int_t)h->requests[i]));
	for (unsigned i = 0; ok && i < HTTP_CODE__COUNT; i++) {
		char k[16];

		if (http_code_values[i] != 0)
			snprintf(k, sizeof(k), "%u", http_code_values[i]);
		else
			snprintf(k, sizeof(k), "other");
		ok = http_json_set(codes, k, json_integer((json_int_t)h->codes[i]));
	}
	if (!ok) {
		json_decref(o);
		json_decref(f.o);
		json_decref(req);
		json_decref(codes);
		return NULL;
	}
	t = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "registrations", (json_int_t)ts.registrations,
		      "subscriptions", (json_int_t)ts.subscriptions,
		      "aliases", (json_int_t)ts.aliases,
		      "subscription_buckets", (json_int_t)ts.sub_buckets,
		      "alias_buckets", (json_int_t)ts.alias_buckets,
		      "memory_total", (json_int_t)ts.mem_total,
		      "memory_carved", (json_int_t)ts.mem_carved,
		      "memory_in_use", (json_int_t)ts.mem_in_use,
		      "objects_in_use", (json_int_t)ts.objects_in_use,
		      "retired_pending", (json_int_t)ts.retired_pending,
		      "alloc_failures", (json_int_t)ts.alloc_failures);
	x = json_pack("{s:o, s:o, s:{s:I, s:f}}", "requests", req, "responses", codes,
		      "handling", "count", (json_int_t)h->lat_count, "seconds",
		      (double)h->lat_sum_ns / 1e9);
	ok = http_json_set(o, "uptime_s", json_integer((json_int_t)(http_now(h) - h->started_at))) &&
	     http_json_set(o, "workers", json_integer(h->p.n_stats)) &&
	     http_json_set(o, "counters", f.o);
	if (!ok) {
		json_decref(t);
		json_decref(x);
		json_decref(o);
		return NULL;
	}
	ok = http_json_set(o, "table", t) && http_json_set(o, "http", x) &&
	     http_json_set(o, "preferences",
			   json_pack("{s:I, s:I, s:I}", "users",
				     (json_int_t)policy_prefs_count(h->prefs), "writes",
				     (json_int_t)h->prefs_writes, "write_errors",
				     (json_int_t)h->prefs_write_errors)) &&
	     http_json_set(o, "policy",
			   json_pack("{s:I, s:I, s:I}", "generation",
				     (json_int_t)h->pol.generation, "reloads_ok",
				     (json_int_t)h->pol.reloads_ok, "reloads_failed",
				     (json_int_t)h->pol.reloads_failed)) &&
	     http_json_set(o, "sweeper",
			   json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "runs",
				     (json_int_t)h->sweeps, "subscriptions_examined",
				     (json_int_t)h->sweep.subs_examined, "contacts_expired",
				     (json_int_t)h->sweep.contacts_expired,
				     "registrations_removed", (json_int_t)h->sweep.regs_removed,
				     "subscriptions_removed", (json_int_t)h->sweep.subs_removed,
				     "aliases_removed", (json_int_t)h->sweep.aliases_removed,
				     "table_resizes", (json_int_t)h->sweep.resizes));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void
api_stats_get(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	(void)r;
	http_reply_json(out, MHD_HTTP_OK, stats_json(h));
}

void
api_stats_health(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	(void)r;
	/* Liveness: this thread answered, so the control loop turns. */
	http_reply_json(out, MHD_HTTP_OK,
			json_pack("{s:s, s:I}", "status", "ok", "uptime_s",
				  (json_int_t)(http_now(h) - h->started_at)));
}

void
api_stats_ready(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	bool stopping = h->p.stopping != NULL && h->p.stopping(h->p.arg);

	(void)r;
	if (stopping) {
		http_reply_json(out, MHD_HTTP_SERVICE_UNAVAILABLE,
				json_pack("{s:b, s:s, s:i}", "ready", 0, "reason", "stopping",
					  "status", MHD_HTTP_SERVICE_UNAVAILABLE));
		return;
	}
	http_reply_json(out, MHD_HTTP_OK,
			json_pack("{s:b, s:b, s:i}", "ready", 1, "drained", h->drained,
				  "workers", (int)h->p.n_stats));
}

/* ---- Prometheus text exposition format 0.0.4 ---- */

static void
metric_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metric(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	metric_head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void
counter_to_text(const char *name, const char *help, uint64_t value, void *arg)
{
	FILE *f = arg;

	fprintf(f, "# HELP reglane_%s_total %s\n# TYPE reglane_%s_total counter\n"
		   "reglane_%s_total %llu\n",
		name, help, name, name, (unsigned long long)value);
}

void
api_stats_metrics(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	struct reglane_lcore_stats total;
	struct regtable_stats ts;
	uint64_t cum = 0;
	size_t len = 0;
	char *buf = NULL;
	FILE *f;

	(void)r;
	sum_counters(h, &total);
	table_stats(h, &ts);
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory",
				 "out of memory");
		return;
	}
	metric(f, "reglane_up", "gauge", "1 while the control API answers", 1);
	metric(f, "reglane_workers", "gauge", "worker lcores", h->p.n_stats);
	metric(f, "reglane_uptime_seconds", "gauge", "seconds since the control API started",
	       http_now(h) - h->started_at);
	metric(f, "reglane_replay_drained", "gauge", "1 once a replayed input is drained",
	       h->drained);
	reglane_stats_foreach(&total, counter_to_text, f);

	metric(f, "reglane_table_registrations", "gauge", "registrations stored",
	       ts.registrations);
	metric(f, "reglane_table_subscriptions", "gauge", "subscriptions stored",
	       ts.subscriptions);
	metric(f, "reglane_table_aliases", "gauge", "AoR aliases in the lookup index", ts.aliases);
	metric_head(f, "reglane_table_buckets", "gauge", "hash buckets per table");
	fprintf(f, "reglane_table_buckets{index=\"subscriptions\"} %llu\n"
		   "reglane_table_buckets{index=\"aliases\"} %llu\n",
		(unsigned long long)ts.sub_buckets, (unsigned long long)ts.alias_buckets);
	metric(f, "reglane_table_memory_bytes", "gauge", "pre-faulted table memory",
	       ts.mem_total);
	metric(f, "reglane_table_memory_in_use_bytes", "gauge", "table memory in live objects",
	       ts.mem_in_use);
	metric(f, "reglane_table_objects", "gauge", "live table objects", ts.objects_in_use);
	metric(f, "reglane_table_retired_pending", "gauge",
	       "objects retired and waiting for a grace period", ts.retired_pending);
	metric(f, "reglane_table_alloc_failures_total", "counter",
	       "table allocations that failed", ts.alloc_failures);

	metric_head(f, "reglane_http_requests_total", "counter", "control API requests by route");
	for (unsigned i = HTTP_R_NONE; i < HTTP_R__COUNT; i++)
		fprintf(f, "reglane_http_requests_total{route=\"%s\"} %llu\n",
			http_route_name((enum http_route_id)i), (unsigned long long)h->requests[i]);
	metric_head(f, "reglane_http_responses_total", "counter",
		    "control API responses by status code");
	for (unsigned i = 0; i < HTTP_CODE__COUNT; i++) {
		if (http_code_values[i] != 0)
			fprintf(f, "reglane_http_responses_total{code=\"%u\"} %llu\n",
				http_code_values[i], (unsigned long long)h->codes[i]);
		else
			fprintf(f, "reglane_http_responses_total{code=\"other\"} %llu\n",
				(unsigned long long)h->codes[i]);
	}
	metric_head(f, "reglane_http_request_duration_seconds", "histogram",
		    "control API handling time, headers complete to response queued");
	for (unsigned b = 0; b < HTTP_LAT_BUCKETS; b++) {
		cum += h->lat_buckets[b];
		if (b < HTTP_LAT_BUCKETS - 1)
			fprintf(f, "reglane_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				(double)lat_bounds_us[b] / 1e6, (unsigned long long)cum);
		else
			fprintf(f, "reglane_http_request_duration_seconds_bucket{le=\"+Inf\"} "
				   "%llu\n", (unsigned long long)cum);
	}
	fprintf(f, "reglane_http_request_duration_seconds_sum %.9f\n"
		   "reglane_http_request_duration_seconds_count %llu\n",
		(double)h->lat_sum_ns / 1e9, (unsigned long long)h->lat_count);

	metric(f, "reglane_preferences_users", "gauge", "users with stored preferences",
	       policy_prefs_count(h->prefs));
	metric(f, "reglane_preferences_writes_total", "counter", "preference file rewrites",
	       h->prefs_writes);
	metric(f, "reglane_preferences_write_errors_total", "counter",
	       "preference changes rolled back because the file could not be written",
	       h->prefs_write_errors);
	metric(f, "reglane_policy_generation", "gauge",
	       "operator policy generation (1 at start, +1 per reload)", h->pol.generation);
	metric_head(f, "reglane_policy_reloads_total", "counter", "reloads by outcome");
	fprintf(f, "reglane_policy_reloads_total{result=\"ok\"} %llu\n"
		   "reglane_policy_reloads_total{result=\"rejected\"} %llu\n",
		(unsigned long long)h->pol.reloads_ok, (unsigned long long)h->pol.reloads_failed);
	metric(f, "reglane_sweep_runs_total", "counter", "expiry sweep steps", h->sweeps);
	metric(f, "reglane_sweep_contacts_expired_total", "counter",
	       "contacts removed because they expired", h->sweep.contacts_expired);
	metric(f, "reglane_sweep_registrations_removed_total", "counter",
	       "registrations removed by the sweeper", h->sweep.regs_removed);
	metric(f, "reglane_sweep_subscriptions_removed_total", "counter",
	       "subscriptions removed by the sweeper", h->sweep.subs_removed);
	metric(f, "reglane_sweep_aliases_removed_total", "counter",
	       "stale AoR aliases removed by the sweeper", h->sweep.aliases_removed);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory",
				 "out of memory");
		return;
	}
	http_reply_text(out, MHD_HTTP_OK, buf, len, "text/plain; version=0.0.4; charset=utf-8");
}
