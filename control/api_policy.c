/* SPDX-License-Identifier: MIT */
/*
 * Operator policy, role hints and the service map: GET /v1/policy and the
 * reload (POST /v1/policy/reload, SIGHUP through ctl_http_request_reload()).
 *
 * A reload is all or nothing. The new configuration is parsed the way the
 * process parsed it at start (config_parse() over the saved application
 * arguments, so the command line still wins over the file) and the policy
 * file is parsed into a fresh rule set; only when both are valid does the
 * running state change. The rule set is plain data owned by this thread,
 * which is also the only thread that evaluates it (suit_query() runs here),
 * so the swap is a pointer assignment and the old set is freed at once.
 *
 * What takes effect: the operator policy and the bearer token. Role hints
 * and the service map are applied by the registration table when it builds
 * a snapshot, with the configuration it was created with; a reload that
 * changes them (or the listen address, or any dataplane setting) says so
 * in restart_required instead of pretending.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/ctl_prefs.h>

#include "http_priv.h"

/* Largest operator policy file (POLICY_MAX_RULES rules with long comments). */
#define POLICY_FILE_MAX (1u << 20)

/* Parse the policy file into a new set (NULL and 0 when no file is configured). */
static int
policy_load(const char *path, struct policy_rules **out, char *err, size_t errlen)
{
	char msg[POLICY_ERRLEN];
	size_t len;
	char *text;
	int rc;

	*out = NULL;
	if (path[0] == '\0')
		return 0;
	rc = ctl_file_read(path, POLICY_FILE_MAX, &text, &len);
	if (rc < 0) {
		snprintf(err, errlen, "policy file %s: %s", path,
			 rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
		return rc == -ENOENT ? -EINVAL : rc;
	}
	msg[0] = '\0';
	*out = policy_rules_parse(text, len, &rc, msg, sizeof(msg));
	free(text);
	if (*out == NULL) {
		snprintf(err, errlen, "policy file %s: %s", path,
			 rc == -ENOMEM ? "out of memory" : msg);
		return rc != 0 ? rc : -EINVAL;
	}
	return 0;
}

int
api_policy_init(struct ctl_http *h, char *err, size_t errlen)
{
	int rc = policy_load(h->policy_file, &h->pol.rules, err, errlen);

	if (rc < 0)
		return rc;
	h->pol.generation = 1;
	h->pol.loaded_at = http_now(h);
	return 0;
}

void
api_policy_fini(struct ctl_http *h)
{
	policy_rules_free(h->pol.rules);
	h->pol.rules = NULL;
}

static bool
hints_equal(const struct reglane_config *a, const struct reglane_config *b)
{
	if (a->n_role_hints != b->n_role_hints)
		return false;
	for (unsigned i = 0; i < a->n_role_hints; i++) {
		const struct rgl_role_hint *x = &a->role_hints[i], *y = &b->role_hints[i];

		if (strcmp(x->name, y->name) != 0 || x->n_values != y->n_values)
			return false;
		for (unsigned v = 0; v < x->n_values; v++)
			if (strcmp(x->values[v], y->values[v]) != 0)
				return false;
	}
	return true;
}

static bool
services_equal(const struct reglane_config *a, const struct reglane_config *b)
{
	for (unsigned s = 0; s < RGL_SVC__COUNT; s++) {
		const struct rgl_service_tags *x = &a->services[s], *y = &b->services[s];

		if (x->n_tags != y->n_tags)
			return false;
		for (unsigned t = 0; t < x->n_tags; t++)
			if (strcmp(x->tags[t], y->tags[t]) != 0)
				return false;
	}
	return true;
}

/* Settings of @p nc that differ from the running @p cur and need a restart. */
static void
restart_list(const struct reglane_config *cur, const struct reglane_config *nc, char *out,
	     size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
#define NOTE(cond, name)                                                               \
	do {                                                                           \
		if ((cond) && n < cap)                                                 \
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", name); \
	} while (0)
	NOTE(!hints_equal(cur, nc), "role-hint");
	NOTE(!services_equal(cur, nc), "service");
	NOTE(cur->http_port != nc->http_port ||
	     memcmp(&cur->http_addr, &nc->http_addr, sizeof(cur->http_addr)) != 0, "http");
	NOTE(cur->sip_port != nc->sip_port, "sip-port");
	NOTE(cur->n_addrs != nc->n_addrs ||
	     memcmp(cur->addrs, nc->addrs, sizeof(cur->addrs[0]) * cur->n_addrs) != 0, "addr");
	NOTE(cur->n_trust != nc->n_trust ||
	     memcmp(cur->trust, nc->trust, sizeof(cur->trust[0]) * cur->n_trust) != 0, "trust");
	NOTE(cur->untrusted != nc->untrusted, "untrusted");
	NOTE(cur->max_body_bytes != nc->max_body_bytes, "max-body-bytes");
	NOTE(cur->max_registrations != nc->max_registrations, "max-registrations");
	NOTE(cur->max_memory != nc->max_memory, "max-memory");
	NOTE(cur->idle_sleep_us != nc->idle_sleep_us, "idle-sleep-us");
	NOTE(cur->burst != nc->burst, "burst");
	NOTE(cur->txn_cache_size != nc->txn_cache_size, "txn-cache-size");
	NOTE(cur->frag_max_entries != nc->frag_max_entries, "frag-max-entries");
	NOTE(cur->frag_timeout_ms != nc->frag_timeout_ms, "frag-timeout-ms");
#undef NOTE
	if (n >= cap)
		out[cap - 1] = '\0';
}

int
ctl_http_reload(struct ctl_http *h, char *err, size_t errlen)
{
	const struct reglane_config *cur = h->p.cfg;
	struct policy_rules *rules = NULL;
	char msg[RGL_CFG_ERRLEN];
	struct reglane_config *nc;
	int rc = 0;

	if (h->p.argv == NULL && cur->config_file[0] == '\0' && h->policy_file[0] == '\0') {
		snprintf(err, errlen, "nothing to reload: no --config file and no policy file");
		return -ENOENT;
	}
	/* About 30 KiB (role hints, service tags, paths): not for the stack. */
	nc = malloc(sizeof(*nc));
	if (nc == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	msg[0] = '\0';
	if (h->p.argv != NULL) {
		rc = config_parse(nc, h->p.argc, h->p.argv, msg, sizeof(msg));
	} else if (cur->config_file[0] != '\0') {
		config_defaults(nc);
		rc = config_load_file(nc, cur->config_file, msg, sizeof(msg));
		if (rc == 0)
			strcpy(nc->config_file, cur->config_file);
	} else {
		*nc = *cur;
	}
	if (rc != 0) {
		snprintf(err, errlen, "configuration: %s", msg[0] != '\0' ? msg : strerror(-rc));
		rc = rc < 0 ? rc : -EINVAL;
		goto fail;
	}
	rc = policy_load(h->policy_file, &rules, err, errlen);
	if (rc < 0)
		goto fail;

	/* Everything is valid: switch. */
	policy_rules_free(h->pol.rules);
	h->pol.rules = rules;
	h->pol.generation++;
	h->pol.loaded_at = http_now(h);
	h->token_len = strnlen(nc->http_token, sizeof(h->token) - 1);
	memset(h->token, 0, sizeof(h->token));
	memcpy(h->token, nc->http_token, h->token_len);
	restart_list(cur, nc, h->pol.restart_required, sizeof(h->pol.restart_required));
	h->pol.reloads_ok++;
	h->pol.last_reload_ok = true;
	h->pol.last_reload_at = h->pol.loaded_at;
	snprintf(h->pol.last_reload_msg, sizeof(h->pol.last_reload_msg), "policy generation %llu",
		 (unsigned long long)h->pol.generation);
	free(nc);
	return 0;

fail:
	h->pol.reloads_failed++;
	h->pol.last_reload_ok = false;
	h->pol.last_reload_at = http_now(h);
	snprintf(h->pol.last_reload_msg, sizeof(h->pol.last_reload_msg), "%s", err);
	free(nc);
	return rc;
}

/* "name" or "name=v1,v2" as written in the configuration. */
static json_t *
hint_json(const struct rgl_role_hint *hint)
{
	char buf[RGL_CFG_TOKEN_MAX * (RGL_CFG_MAX_HINT_VALUES + 1) + 16];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", hint->name);

	for (unsigned v = 0; v < hint->n_values && n < sizeof(buf); v++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%c%s", v == 0 ? '=' : ',',
				      hint->values[v]);
	return json_string(buf);
}

static json_t *
restart_json(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (a != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (json_array_append_new(a, json_stringn(p, n)) != 0) {
			json_decref(a);
			return NULL;
		}
		p += n + (comma != NULL);
	}
	return a;
}

static json_t *
policy_json(struct ctl_http *h)
{
	const struct reglane_config *cfg = h->p.cfg;
	json_t *o = json_object(), *hints = json_array(), *svcs = json_object();
	bool ok = o != NULL && hints != NULL && svcs != NULL;

	for (unsigned i = 0; ok && i < cfg->n_role_hints; i++)
		ok = json_array_append_new(hints, hint_json(&cfg->role_hints[i])) == 0;
	for (unsigned s = 0; ok && s < RGL_SVC__COUNT; s++) {
		json_t *tags = json_array();

		for (unsigned t = 0; tags != NULL && t < cfg->services[s].n_tags; t++)
			if (json_array_append_new(tags, json_string(cfg->services[s].tags[t])) != 0) {
				json_decref(tags);
				tags = NULL;
			}
		ok = http_json_set(svcs, config_service_name((enum rgl_service)s), tags);
	}
	if (!ok) {
		json_decref(o);
		json_decref(hints);
		json_decref(svcs);
		return NULL;
	}
	ok = http_json_set(o, "policy", policy_rules_to_json(h->pol.rules)) &&
	     http_json_set(o, "policy_file", h->policy_file[0] != '\0' ?
						    json_string(h->policy_file) : json_null()) &&
	     http_json_set(o, "generation", json_integer((json_int_t)h->pol.generation)) &&
	     http_json_set(o, "loaded_at", json_integer((json_int_t)h->pol.loaded_at)) &&
	     http_json_set(o, "config_file", cfg->config_file[0] != '\0' ?
						    json_string(cfg->config_file) : json_null());
	if (!ok || !http_json_set(o, "role_hints", hints)) {
		if (!ok)
			json_decref(hints);
		json_decref(svcs);
		json_decref(o);
		return NULL;
	}
	if (!http_json_set(o, "services", svcs)) {
		json_decref(o);
		return NULL;
	}
	if (h->pol.last_reload_at != 0) {
		json_t *rl = json_pack("{s:b, s:I, s:s, s:I, s:I}", "ok", h->pol.last_reload_ok,
				       "at", (json_int_t)h->pol.last_reload_at, "message",
				       h->pol.last_reload_msg, "succeeded",
				       (json_int_t)h->pol.reloads_ok, "failed",
				       (json_int_t)h->pol.reloads_failed);

		if (!http_json_set(o, "last_reload", rl)) {
			json_decref(o);
			return NULL;
		}
	}
	if (!http_json_set(o, "restart_required", restart_json(h->pol.restart_required))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void
api_policy_get(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	(void)r;
	http_reply_json(out, MHD_HTTP_OK, policy_json(h));
}

void
api_policy_reload(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	char err[CTL_HTTP_ERRLEN];
	int rc;

	(void)r;
	err[0] = '\0';
	rc = ctl_http_reload(h, err, sizeof(err));
	if (rc == -ENOENT) {
		http_reply_error(out, MHD_HTTP_CONFLICT, "nothing_to_reload", "%s", err);
		return;
	}
	if (rc == -ENOMEM) {
		http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory", "%s", err);
		return;
	}
	if (rc < 0) {
		http_log(h, 4, "reload (API) rejected, running policy kept: %s", err);
		http_reply_error(out, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_config",
				 "%s; the running configuration is unchanged", err);
		return;
	}
	http_log(h, 7, "reload (API): policy generation %llu",
		 (unsigned long long)h->pol.generation);
	http_reply_json(out, MHD_HTTP_OK, policy_json(h));
}
