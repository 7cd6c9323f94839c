/* SPDX-License-Identifier: MIT */
/*
 * /v1/users/{aor}: registration state, suitability (seed 6.6) and the
 * user's preferences.
 *
 * RCU: the two routes that read the table go online for the lookup and
 * the deep copy into JSON (state_json, suit_query copy out of the
 * snapshot), then offline before anything is serialized or sent; no
 * pointer into the table survives the bracket (RCU.md 0.4).
 *
 * Preferences are keyed by the aor_norm() key, so `tel:+1555...` and
 * `sip:+1555...@host;user=phone` name the same user here as in the table.
 * A change is made in memory, then persisted; when persisting fails the
 * change is rolled back, so what the API answered is what a restart loads.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <reglane/aor_norm.h>
#include <reglane/ctl_prefs.h>
#include <reglane/services.h>
#include <reglane/state_json.h>

#include "http_priv.h"

static void
reply_bad_aor(struct http_reply *out)
{
	http_reply_error(out, MHD_HTTP_BAD_REQUEST, "bad_aor",
			 "the AoR is not a usable sip:, sips: or tel: URI");
}

/* The AoRs of @p s that a lookup answers with this subscription. */
static json_t *
implicit_set(struct ctl_http *h, const struct regtable_snapshot *s)
{
	json_t *a = json_array();

	for (uint32_t i = 0; a != NULL && i < s->n_regs; i++) {
		const struct regtable_registration *reg = &s->regs[i];

		if (!regtable_reg_is_current(h->p.table, s, reg))
			continue;
		if (json_array_append_new(a, http_json_str(regtable_str(s, reg->aor))) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

void
api_users_state(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	uint64_t now = http_now(h);
	struct regtable_match m;
	json_t *j = NULL;
	int rc;

	http_online();
	rc = regtable_lookup(h->p.table, r->aor, &m);
	if (rc == 0) {
		j = state_json_registration(m.snap, m.reg, now);
		if (j != NULL &&
		    (!http_json_set(j, "aor", http_json_str(regtable_str(m.snap, m.reg->aor))) ||
		     !http_json_set(j, "implicit_set", implicit_set(h, m.snap)))) {
			json_decref(j);
			j = NULL;
		}
	}
	http_offline();
	if (rc == -ENOENT) {
		http_reply_error(out, MHD_HTTP_NOT_FOUND, "unknown_user",
				 "no registration is stored for this AoR");
		return;
	}
	if (rc < 0) {
		reply_bad_aor(out);
		return;
	}
	http_reply_json(out, MHD_HTTP_OK, j);
}

/* "true"/"false" and the usual spellings; a bare `?interworked` is true. */
static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "", "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return -EINVAL;
}

/* The detail suit_result_to_json() leaves out: which connectivity check
 * failed, which policy or preference rule decided. Clients are in order. */
static bool
add_details(json_t *j, const struct suit_result *res, uint64_t generation)
{
	json_t *clients = json_object_get(j, "clients");

	if (!json_is_array(clients) || json_array_size(clients) != res->n_clients)
		return false;
	for (uint32_t i = 0; i < res->n_clients; i++) {
		const struct suit_client *c = &res->clients[i];
		json_t *o = json_array_get(clients, i);

		if ((c->reasons & SUIT_BIT(SUIT_REASON_CONNECTIVITY)) != 0) {
			json_t *conn = json_array();

			for (int k = 0; conn != NULL && k < SUIT_CONN__COUNT; k++)
				if ((c->conn & SUIT_BIT(k)) != 0 &&
				    json_array_append_new(conn, json_string(suit_conn_str(k))) != 0) {
					json_decref(conn);
					conn = NULL;
				}
			if (!http_json_set(o, "connectivity", conn))
				return false;
		}
		if (c->policy_rule >= 0 &&
		    !http_json_set(o, "policy_rule", json_integer(c->policy_rule)))
			return false;
		if (c->pref_rule >= 0 &&
		    !http_json_set(o, "preference_rule", json_integer(c->pref_rule)))
			return false;
	}
	return http_json_set(j, "suitable_count", json_integer(res->n_suitable)) &&
	       http_json_set(j, "has_preferences", json_boolean(res->has_preferences)) &&
	       http_json_set(j, "policy_generation", json_integer((json_int_t)generation));
}

void
api_users_suitability(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	static const char *const allowed[] = { "request", "interworked" };
	static const char types[] = "pager, large-message, session, file-transfer, deferred, system";
	const char *req, *iw, *bad;
	bool interworked = false;
	json_t *j;
	int svc, rc;

	if (http_query_unknown(r, allowed, 2, &bad)) {
		http_reply_error(out, MHD_HTTP_BAD_REQUEST, "unknown_parameter",
				 "unknown query parameter '%.64s' (request, interworked)", bad);
		return;
	}
	req = http_query(r, "request");
	if (req == NULL || req[0] == '\0') {
		http_reply_error(out, MHD_HTTP_BAD_REQUEST, "missing_request",
				 "?request= is required: one of %s", types);
		return;
	}
	svc = rgl_service_parse(rgl_slice_make(req, strlen(req)));
	if (svc < 0 || (POLICY_REQUEST_MASK & RGL_SVC_BIT(svc)) == 0) {
		http_reply_error(out, MHD_HTTP_BAD_REQUEST, "unknown_request_type",
				 "request '%.64s' is not one of %s (interworked is a flag: "
				 "&interworked=true)", req, types);
		return;
	}
	iw = http_query(r, "interworked");
	if (iw != NULL && parse_bool(iw, &interworked) < 0) {
		http_reply_error(out, MHD_HTTP_BAD_REQUEST, "bad_interworked",
				 "interworked '%.32s' is not true or false", iw);
		return;
	}

	http_online();
	rc = suit_query(h->p.table, r->aor, (enum rgl_service)svc, interworked, h->pol.rules,
			h->prefs, http_now(h), h->suit);
	http_offline();
	if (rc == -ENOENT) {
		http_reply_error(out, MHD_HTTP_NOT_FOUND, "unknown_user",
				 "no registration is stored for this AoR");
		return;
	}
	if (rc < 0) {
		reply_bad_aor(out);
		return;
	}
	/* h->suit is a copy: the JSON is built offline. */
	j = suit_result_to_json(h->suit);
	if (j != NULL && !add_details(j, h->suit, h->pol.generation)) {
		json_decref(j);
		j = NULL;
	}
	http_reply_json(out, MHD_HTTP_OK, j);
}

/* {"user", "key", "preferences"} of one stored rule set. */
static json_t *
prefs_json(struct rgl_slice aor, const char *key, size_t klen, const struct policy_rules *rules)
{
	json_t *o = json_object();

	if (o == NULL || !http_json_set(o, "user", http_json_str(aor)) ||
	    !http_json_set(o, "key", json_stringn(key, klen)) ||
	    !http_json_set(o, "preferences", policy_rules_to_json(rules))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Persist the store; on failure put back @p old (the previous rule set's
 * JSON, NULL when the user had none) so memory matches the file.
 * @return true when persisted (or nothing to persist to).
 */
static bool
persist_or_rollback(struct ctl_http *h, struct rgl_slice aor, json_t *old)
{
	int rc;

	if (h->prefs_file[0] == '\0')
		return true;
	rc = ctl_prefs_save(h->prefs_file, h->prefs);
	if (rc == 0) {
		h->prefs_writes++;
		return true;
	}
	h->prefs_write_errors++;
	http_log(h, 4, "preference file %s: %s; change rolled back", h->prefs_file,
		 strerror(-rc));
	if (old == NULL) {
		policy_prefs_remove(h->prefs, aor);
	} else {
		int prc;
		struct policy_rules *back = policy_rules_from_json(old, "", &prc, NULL, 0);

		if (back == NULL || policy_prefs_set(h->prefs, aor, back) < 0) {
			policy_rules_free(back);
			http_log(h, 3, "preferences: rollback failed (out of memory); memory "
				 "and %s differ until the next change", h->prefs_file);
		}
	}
	return false;
}

static void
prefs_put(struct ctl_http *h, struct http_req *r, struct http_reply *out, const char *key,
	  size_t klen)
{
	const struct policy_rules *cur;
	struct policy_rules *rules;
	char msg[POLICY_ERRLEN];
	json_t *body, *old = NULL;
	json_error_t je;
	bool created;
	int rc;

	/* Syntax first (400), then meaning (422): a client can tell a broken
	 * document from a well-formed one with a wrong rule. */
	body = json_loadb(r->body != NULL ? r->body : "", r->body_len,
			  JSON_REJECT_DUPLICATES, &je);
	if (body == NULL) {
		http_reply_error(out, MHD_HTTP_BAD_REQUEST, "malformed_json",
				 "line %d, column %d: %s", je.line, je.column, je.text);
		return;
	}
	msg[0] = '\0';
	rules = policy_rules_from_json(body, "", &rc, msg, sizeof(msg));
	json_decref(body);
	if (rules == NULL) {
		if (rc == -ENOMEM)
			http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory",
					 "out of memory");
		else
			http_reply_error(out, MHD_HTTP_UNPROCESSABLE_CONTENT,
					 "invalid_preferences", "%s", msg);
		return;
	}
	cur = policy_prefs_get_key(h->prefs, key, klen);
	created = cur == NULL;
	if (cur != NULL) {
		old = policy_rules_to_json(cur);
		if (old == NULL) {
			policy_rules_free(rules);
			http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory",
					 "out of memory");
			return;
		}
	}
	rc = policy_prefs_set(h->prefs, r->aor, rules);
	if (rc < 0) {
		policy_rules_free(rules);
		json_decref(old);
		if (rc == -ENOSPC)
			http_reply_error(out, 507, "too_many_users",
					 "the preference store is full");
		else if (rc == -EINVAL)
			reply_bad_aor(out);
		else
			http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory",
					 "out of memory");
		return;
	}
	if (!persist_or_rollback(h, r->aor, old)) {
		json_decref(old);
		http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "persist_failed",
				 "the preference file could not be written; nothing changed");
		return;
	}
	json_decref(old);
	http_reply_json(out, created ? MHD_HTTP_CREATED : MHD_HTTP_OK,
			prefs_json(r->aor, key, klen, policy_prefs_get_key(h->prefs, key, klen)));
}

static void
prefs_delete(struct ctl_http *h, struct http_req *r, struct http_reply *out,
	     const struct policy_rules *cur)
{
	json_t *old = policy_rules_to_json(cur);

	if (old == NULL) {
		http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory",
				 "out of memory");
		return;
	}
	policy_prefs_remove(h->prefs, r->aor);
	if (!persist_or_rollback(h, r->aor, old)) {
		json_decref(old);
		http_reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, "persist_failed",
				 "the preference file could not be written; nothing changed");
		return;
	}
	json_decref(old);
	http_reply_text(out, MHD_HTTP_NO_CONTENT, NULL, 0, NULL);
}

void
api_users_prefs(struct ctl_http *h, struct http_req *r, struct http_reply *out)
{
	const struct policy_rules *cur;
	char key[AOR_NORM_MAX];
	int klen = aor_norm_slice(r->aor, key, sizeof(key));

	if (klen <= 0) {
		reply_bad_aor(out);
		return;
	}
	if (r->method == HTTP_M_PUT) {
		prefs_put(h, r, out, key, (size_t)klen);
		return;
	}
	cur = policy_prefs_get_key(h->prefs, key, (size_t)klen);
	if (cur == NULL) {
		http_reply_error(out, MHD_HTTP_NOT_FOUND, "no_preferences",
				 "no preferences are stored for this user (every client allowed)");
		return;
	}
	if (r->method == HTTP_M_DELETE)
		prefs_delete(h, r, out, cur);
	else
		http_reply_json(out, MHD_HTTP_OK, prefs_json(r->aor, key, (size_t)klen, cur));
}
