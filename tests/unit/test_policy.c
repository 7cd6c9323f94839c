/* SPDX-License-Identifier: MIT */
/*
 * Operator policy and user preferences: JSON parsing and validation, round
 * trips, first-match-wins evaluation, per-user storage keyed by the
 * normalized AoR, and hostile documents.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <reglane/policy.h>
#include <reglane/services.h>

#include "check.h"

#define S(lit) rgl_slice_make((lit), strlen(lit))

#define IMEI "urn:gsma:imei:35332510-123456-9"
#define TABLET "urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b"

static struct policy_subject
subj(enum rgl_service req, bool iw, enum regtable_role role, const char *instance)
{
	struct policy_subject s = {
		.request = req,
		.interworked = iw,
		.role = role,
		.instance = instance ? S(instance) : RGL_SLICE_NONE,
	};

	return s;
}

static struct policy_rules *
parse(const char *doc, int *rc, char *err)
{
	return policy_rules_parse(doc, strlen(doc), rc, err, POLICY_ERRLEN);
}

/* @p doc must be rejected with a message containing @p want. */
static void
check_bad(const char *doc, const char *want)
{
	char err[POLICY_ERRLEN] = "";
	int rc = 0;
	struct policy_rules *r = parse(doc, &rc, err);

	check_count++;
	if (r != NULL || rc != -EINVAL || strstr(err, want) == NULL) {
		check_failures++;
		fprintf(stderr, "bad doc %s: rc %d, err \"%s\", expected \"%s\"\n", doc, rc, err,
			want);
	}
	policy_rules_free(r);
}

static void
check_bad_prefs(const char *doc, const char *want)
{
	char err[POLICY_ERRLEN] = "";
	struct policy_prefs *p = NULL;
	int rc = policy_prefs_parse(doc, strlen(doc), 0, &p, err, sizeof(err));

	check_count++;
	if (rc != -EINVAL || p != NULL || strstr(err, want) == NULL) {
		check_failures++;
		fprintf(stderr, "bad prefs %s: rc %d, err \"%s\", expected \"%s\"\n", doc, rc, err,
			want);
	}
	policy_prefs_free(p);
}

static void
test_parse_fields(void)
{
	const char *doc =
		"{\"default\": \"allow\", \"rules\": ["
		" {\"request\": \"file-transfer\", \"role\": \"secondary\", \"action\": \"deny\","
		"  \"comment\": \"no FT to secondaries \\u00e9\"},"
		" {\"request\": [\"pager\", \"large-message\"], \"interworked\": true,"
		"  \"role\": \"primary\", \"action\": \"allow\"},"
		" {\"instance\": \"urn:gsma:imei:*\", \"interworked\": false, \"action\": \"deny\"},"
		" {\"action\": \"allow\"}]}";
	char err[POLICY_ERRLEN] = "";
	struct policy_rules *r;
	int rc = 1;

	r = parse(doc, &rc, err);
	CHECK(r != NULL);
	CHECK_INT(rc, 0);
	if (r == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_INT(r->n_rules, 4);
	CHECK_INT(r->dflt, POLICY_ALLOW);
	CHECK_INT(r->rules[0].requests, RGL_SVC_BIT(RGL_SVC_FILE_TRANSFER));
	CHECK_INT(r->rules[0].role, REGTABLE_ROLE_SECONDARY);
	CHECK_INT(r->rules[0].interworked, POLICY_ANY);
	CHECK_INT(r->rules[0].action, POLICY_DENY);
	CHECK(r->rules[0].instance == NULL);
	CHECK(strcmp(r->rules[0].comment, "no FT to secondaries \xc3\xa9") == 0);
	CHECK_INT(r->rules[1].requests,
		  RGL_SVC_BIT(RGL_SVC_PAGER) | RGL_SVC_BIT(RGL_SVC_LARGE_MESSAGE));
	CHECK_INT(r->rules[1].interworked, 1);
	CHECK_INT(r->rules[1].role, REGTABLE_ROLE_PRIMARY);
	CHECK(strcmp(r->rules[2].instance, "urn:gsma:imei:*") == 0);
	CHECK_INT(r->rules[2].instance_len, 15);
	CHECK_INT(r->rules[2].interworked, 0);
	CHECK_INT(r->rules[2].requests, 0);
	CHECK_INT(r->rules[3].role, POLICY_ANY);
	CHECK(r->rules[3].comment == NULL);
	policy_rules_free(r);

	/* {} and an empty rule list allow everything; a default may deny. */
	r = parse("{}", &rc, err);
	CHECK(r != NULL && r->n_rules == 0 && r->dflt == POLICY_ALLOW);
	CHECK_INT(policy_rules_eval(r, &(struct policy_subject){ .request = RGL_SVC_PAGER }, NULL),
		  POLICY_ALLOW);
	policy_rules_free(r);
	r = parse("{\"default\": \"deny\", \"rules\": []}", &rc, err);
	CHECK(r != NULL && r->dflt == POLICY_DENY);
	policy_rules_free(r);
}

static void
test_first_match_wins(void)
{
	const char *doc =
		"{\"rules\": ["
		" {\"instance\": \"" TABLET "\", \"request\": \"session\", \"action\": \"allow\"},"
		" {\"request\": \"file-transfer\", \"role\": \"secondary\", \"action\": \"deny\"},"
		" {\"instance\": \"" TABLET "\", \"action\": \"deny\"},"
		" {\"interworked\": true, \"role\": \"secondary\", \"action\": \"deny\"},"
		" {\"instance\": \"URN:GSMA:IMEI:*\", \"request\": \"system\", \"action\": \"deny\"}"
		"], \"default\": \"allow\"}";
	char err[POLICY_ERRLEN];
	struct policy_subject s;
	struct policy_rules *r;
	int rc, idx;

	r = parse(doc, &rc, err);
	CHECK(r != NULL);
	if (r == NULL)
		return;
	/* Rule 0 allows the tablet's sessions before rule 2 blocks the tablet. */
	s = subj(RGL_SVC_SESSION, false, REGTABLE_ROLE_SECONDARY, TABLET);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_ALLOW);
	CHECK_INT(idx, 0);
	/* Instances compare case-insensitively. */
	s = subj(RGL_SVC_SESSION, false, REGTABLE_ROLE_SECONDARY,
		 "URN:UUID:2F4A7C1E-8D3B-4E55-9A0C-6B1D2E3F4A5B");
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_ALLOW);
	CHECK_INT(idx, 0);
	s = subj(RGL_SVC_FILE_TRANSFER, false, REGTABLE_ROLE_SECONDARY, TABLET);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_DENY);
	CHECK_INT(idx, 1);
	s = subj(RGL_SVC_PAGER, false, REGTABLE_ROLE_SECONDARY, TABLET);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_DENY);
	CHECK_INT(idx, 2);
	/* A client without instance never matches an instance rule. */
	s = subj(RGL_SVC_PAGER, false, REGTABLE_ROLE_SECONDARY, NULL);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_ALLOW);
	CHECK_INT(idx, -1);
	s = subj(RGL_SVC_PAGER, true, REGTABLE_ROLE_SECONDARY, NULL);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_DENY);
	CHECK_INT(idx, 3);
	s = subj(RGL_SVC_PAGER, true, REGTABLE_ROLE_PRIMARY, IMEI);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_ALLOW);
	CHECK_INT(idx, -1);
	/* Prefix rule, case-insensitive, only for system messages. */
	s = subj(RGL_SVC_SYSTEM, false, REGTABLE_ROLE_PRIMARY, IMEI);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_DENY);
	CHECK_INT(idx, 4);
	s = subj(RGL_SVC_SYSTEM, false, REGTABLE_ROLE_PRIMARY, "urn:gsma:imei");
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_ALLOW);
	s = subj(RGL_SVC_FILE_TRANSFER, false, REGTABLE_ROLE_PRIMARY, IMEI);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_ALLOW);
	/* An instance longer than an exact pattern does not match it. */
	s = subj(RGL_SVC_PAGER, false, REGTABLE_ROLE_PRIMARY, TABLET "0");
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_ALLOW);
	/* No rule set: allow. */
	CHECK_INT(policy_rules_eval(NULL, &s, &idx), POLICY_ALLOW);
	CHECK_INT(idx, -1);
	policy_rules_free(r);

	/* Default deny with one exception. */
	r = parse("{\"default\": \"deny\", \"rules\": [{\"role\": \"primary\", \"action\": "
		  "\"allow\"}]}",
		  &rc, err);
	CHECK(r != NULL);
	s = subj(RGL_SVC_PAGER, false, REGTABLE_ROLE_PRIMARY, NULL);
	CHECK_INT(policy_rules_eval(r, &s, NULL), POLICY_ALLOW);
	s = subj(RGL_SVC_PAGER, false, REGTABLE_ROLE_SECONDARY, NULL);
	CHECK_INT(policy_rules_eval(r, &s, &idx), POLICY_DENY);
	CHECK_INT(idx, -1);
	policy_rules_free(r);
}

/* to_json -> text -> parse -> to_json gives the same JSON. */
static void
test_round_trip(void)
{
	const char *doc =
		"{\"default\": \"deny\", \"rules\": ["
		" {\"request\": [\"deferred\", \"pager\", \"system\"], \"role\": \"primary\","
		"  \"instance\": \"urn:gsma:imei:*\", \"interworked\": false, \"action\": \"allow\","
		"  \"comment\": \"IMEI devices\"},"
		" {\"request\": \"session\", \"action\": \"deny\"},"
		" {\"interworked\": true, \"action\": \"allow\"}]}";
	const char *pdoc =
		"{\"users\": {"
		" \"sip:+1-555-010-0001@ims.example.net;user=phone\": {\"rules\": [{\"instance\":"
		"   \"" TABLET "\", \"action\": \"deny\"}]},"
		" \"sip:alice@EXAMPLE.com\": {\"default\": \"deny\"},"
		" \"tel:+15550100002\": {\"rules\": [{\"request\": \"file-transfer\", \"role\":"
		"   \"secondary\", \"action\": \"deny\", \"comment\": \"no FT to secondaries\"}]}}}";
	char err[POLICY_ERRLEN], *text, *text2;
	struct policy_prefs *p = NULL, *p2 = NULL;
	struct policy_rules *r, *r2;
	json_t *j, *j2, *users;
	int rc;

	r = parse(doc, &rc, err);
	CHECK(r != NULL);
	if (r == NULL)
		return;
	j = policy_rules_to_json(r);
	CHECK(j != NULL);
	text = json_dumps(j, JSON_COMPACT);
	CHECK(text != NULL);
	CHECK(strstr(text, "\"request\":[\"pager\",\"deferred\",\"system\"]") != NULL);
	CHECK(strstr(text, "{\"request\":\"session\",\"action\":\"deny\"}") != NULL);
	CHECK(strncmp(text, "{\"default\":\"deny\",\"rules\":[", 27) == 0);
	r2 = parse(text, &rc, err);
	CHECK(r2 != NULL);
	j2 = policy_rules_to_json(r2);
	CHECK(json_equal(j, j2));
	free(text);
	json_decref(j);
	json_decref(j2);
	policy_rules_free(r);
	policy_rules_free(r2);

	/* An absent set is written as allow-all. */
	j = policy_rules_to_json(NULL);
	text = json_dumps(j, JSON_COMPACT);
	CHECK(text != NULL && strcmp(text, "{\"default\":\"allow\",\"rules\":[]}") == 0);
	free(text);
	json_decref(j);

	/* Preferences: keys come out normalized, and parse back to the same store. */
	CHECK_INT(policy_prefs_parse(pdoc, strlen(pdoc), 0, &p, err, sizeof(err)), 0);
	CHECK_INT(policy_prefs_count(p), 3);
	j = policy_prefs_to_json(p);
	users = json_object_get(j, "users");
	CHECK(json_object_get(users, "tel:+15550100001") != NULL);
	CHECK(json_object_get(users, "sip:alice@example.com") != NULL);
	CHECK(json_object_get(users, "tel:+15550100002") != NULL);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_INT(policy_prefs_parse(text, strlen(text), 0, &p2, err, sizeof(err)), 0);
	j2 = policy_prefs_to_json(p2);
	text2 = json_dumps(j2, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(text2 != NULL && strcmp(text, text2) == 0);
	CHECK(json_equal(j, j2));
	free(text);
	free(text2);
	json_decref(j);
	json_decref(j2);
	policy_prefs_free(p);
	policy_prefs_free(p2);
}

static void
test_bad_json(void)
{
	char big[POLICY_MAX_RULES * 24 + 64];
	size_t k;

	check_bad("", "line 1");
	check_bad("{\"rules\": [", "line 1");
	check_bad("{\"rules\": []} x", "line 1");
	check_bad("[]", "expected an object, got an array");
	check_bad("\"allow\"", "expected an object, got a string");
	check_bad("{\"rule\": []}", "unknown key \"rule\"");
	check_bad("{\"default\": \"maybe\"}", "policy.default: expected \"allow\" or \"deny\"");
	check_bad("{\"default\": true}", "policy.default: expected a string, got a boolean");
	check_bad("{\"rules\": {}}", "rules: expected an array, got an object");
	check_bad("{\"rules\": [1]}", "rules[0]: expected an object, got a number");
	check_bad("{\"rules\": [{}]}", "rules[0]: missing \"action\"");
	check_bad("{\"rules\": [{\"action\": \"allow\"}, {\"action\": \"block\"}]}",
		  "rules[1].action: expected \"allow\" or \"deny\", got \"block\"");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"rol\": \"primary\"}]}",
		  "rules[0]: unknown key \"rol\"");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"role\": \"tablet\"}]}",
		  "rules[0].role: expected \"primary\" or \"secondary\", got \"tablet\"");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"role\": 1}]}",
		  "rules[0].role: expected a string, got a number");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"request\": \"chat\"}]}",
		  "rules[0].request: unknown request type \"chat\"");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"request\": \"Pager\"}]}",
		  "unknown request type \"Pager\"");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"request\": \"interworked\"}]}",
		  "\"interworked\" is not a request type");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"request\": []}]}",
		  "rules[0].request: a list needs 1 to");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"request\": [\"pager\", 7]}]}",
		  "rules[0].request[1]: expected a string, got a number");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"interworked\": \"yes\"}]}",
		  "rules[0].interworked: expected a boolean, got a string");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"instance\": \"\"}]}",
		  "rules[0].instance: must be non-empty visible ASCII");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"instance\": \"urn:uuid:a b\"}]}",
		  "rules[0].instance: must be non-empty visible ASCII");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"instance\": \"urn:*:x\"}]}",
		  "'*' only at the end");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"instance\": \"urn:\\u00e9\"}]}",
		  "rules[0].instance");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"instance\": \"a\\u0000b\"}]}",
		  "\\u0000 is not allowed");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"comment\": 5}]}",
		  "rules[0].comment: expected a string");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"comment\": \"tab\\there\"}]}",
		  "rules[0].comment: not UTF-8 text");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"action\": \"allow\"}]}",
		  "duplicate object key");
	check_bad("{\"rules\": [{\"action\": \"deny\", \"\\u0001key\\\"\": 1}]}",
		  "unknown key \"\\x01key\\x22\"");

	/* Over-long strings. */
	{
		char doc[1200];
		int n = snprintf(doc, sizeof(doc), "{\"rules\": [{\"action\": \"deny\", "
						   "\"instance\": \"urn:");

		memset(doc + n, 'x', 300);
		snprintf(doc + n + 300, sizeof(doc) - (size_t)n - 300, "\"}]}");
		check_bad(doc, "rules[0].instance: longer than 255 bytes");
		n = snprintf(doc, sizeof(doc), "{\"rules\": [{\"action\": \"deny\", \"comment\": \"");
		memset(doc + n, 'c', 300);
		snprintf(doc + n + 300, sizeof(doc) - (size_t)n - 300, "\"}]}");
		check_bad(doc, "rules[0].comment: longer than 255 bytes");
	}

	/* One rule too many. */
	k = (size_t)snprintf(big, sizeof(big), "{\"rules\": [");
	for (int i = 0; i <= POLICY_MAX_RULES; i++)
		k += (size_t)snprintf(big + k, sizeof(big) - k, "%s{\"action\":\"deny\"}",
				      i ? "," : "");
	snprintf(big + k, sizeof(big) - k, "]}");
	check_bad(big, "rules: more than 256 rules");

	/* Errors from code-built rule sets. */
	{
		struct policy_rule bad = { .requests = RGL_SVC_BIT(RGL_SVC_INTERWORKED),
					   .role = POLICY_ANY,
					   .interworked = POLICY_ANY };
		char err[POLICY_ERRLEN] = "";
		int rc = 0;

		CHECK(policy_rules_new(&bad, 1, POLICY_ALLOW, &rc, err, sizeof(err)) == NULL);
		CHECK_INT(rc, -EINVAL);
		CHECK(strstr(err, "rules[0].request") != NULL);
		bad.requests = 0;
		bad.role = 7;
		CHECK(policy_rules_new(&bad, 1, POLICY_ALLOW, &rc, err, sizeof(err)) == NULL);
		CHECK(strstr(err, "rules[0].role") != NULL);
		bad.role = POLICY_ANY;
		bad.interworked = 2;
		CHECK(policy_rules_new(&bad, 1, POLICY_ALLOW, &rc, err, sizeof(err)) == NULL);
		bad.interworked = POLICY_ANY;
		bad.action = 9;
		CHECK(policy_rules_new(&bad, 1, POLICY_ALLOW, &rc, err, sizeof(err)) == NULL);
		bad.action = POLICY_DENY;
		CHECK(policy_rules_new(&bad, 1, (enum policy_action)5, &rc, err, sizeof(err)) ==
		      NULL);
		CHECK(policy_rules_new(NULL, 1, POLICY_ALLOW, &rc, err, sizeof(err)) == NULL);
		CHECK(policy_rules_new(&bad, POLICY_MAX_RULES + 1, POLICY_ALLOW, &rc, NULL, 0) ==
		      NULL);
		CHECK(policy_rules_parse(NULL, 0, &rc, err, sizeof(err)) == NULL);
		CHECK_INT(rc, -EINVAL);
		CHECK(policy_rules_from_json(NULL, "", &rc, err, sizeof(err)) == NULL);
		/* Code-built sets are deep copies. */
		{
			char inst[] = "urn:uuid:abc";
			struct policy_rule ok = { .instance = inst, .role = POLICY_ANY,
						  .interworked = POLICY_ANY,
						  .action = POLICY_DENY };
			struct policy_rules *r = policy_rules_new(&ok, 1, POLICY_ALLOW, &rc, err,
								  sizeof(err));
			struct policy_subject s =
				subj(RGL_SVC_PAGER, false, REGTABLE_ROLE_PRIMARY, "urn:uuid:abc");

			CHECK(r != NULL);
			inst[0] = 'X';
			CHECK_INT(policy_rules_eval(r, &s, NULL), POLICY_DENY);
			CHECK_INT(r->rules[0].instance_len, 12);
			policy_rules_free(r);
		}
	}
}

static void
test_prefs(void)
{
	const char *doc =
		"{\"users\": {"
		" \"sip:+15550100001@ims.example.net\": {\"rules\": [{\"instance\": \"" TABLET
		"\", \"action\": \"deny\"}]},"
		" \"tel:+1-555-010-0002\": {\"rules\": [{\"request\": \"file-transfer\","
		"   \"role\": \"secondary\", \"action\": \"deny\"}]}}}";
	char err[POLICY_ERRLEN] = "";
	struct policy_prefs *p = NULL;
	const struct policy_rules *r;
	struct policy_rules *set;
	int rc;

	CHECK_INT(policy_prefs_parse(doc, strlen(doc), 0, &p, err, sizeof(err)), 0);
	CHECK(p != NULL);
	if (p == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_INT(policy_prefs_count(p), 2);
	/* Any spelling of the same user finds the same preferences. */
	r = policy_prefs_get(p, S("sip:+15550100001@IMS.EXAMPLE.NET:5060;transport=tcp"));
	CHECK(r != NULL && r->n_rules == 1 && r->rules[0].instance != NULL);
	r = policy_prefs_get(p, S("sip:+15550100002@other.example;user=phone"));
	CHECK(r != NULL && r->n_rules == 1 && r->rules[0].requests ==
						      RGL_SVC_BIT(RGL_SVC_FILE_TRANSFER));
	CHECK(r == policy_prefs_get(p, S("tel:+15550100002")));
	CHECK(r == policy_prefs_get_key(p, "tel:+15550100002", 16));
	CHECK(policy_prefs_get(p, S("tel:+15550100003")) == NULL);
	CHECK(policy_prefs_get(p, S("garbage")) == NULL);
	CHECK(policy_prefs_get(NULL, S("tel:+15550100002")) == NULL);

	/* Set (insert and replace) and remove. */
	set = policy_rules_parse("{\"default\": \"deny\"}", 19, &rc, err, sizeof(err));
	CHECK(set != NULL);
	CHECK_INT(policy_prefs_set(p, S("tel:+15550100002"), set), 0);
	CHECK_INT(policy_prefs_count(p), 2);
	CHECK(policy_prefs_get(p, S("tel:+15550100002")) == set);
	set = policy_rules_parse("{}", 2, &rc, err, sizeof(err));
	CHECK_INT(policy_prefs_set(p, S("not an aor"), set), -EINVAL);
	CHECK_INT(policy_prefs_set(p, S("sip:bob@example.com"), set), 0);
	CHECK_INT(policy_prefs_count(p), 3);
	CHECK_INT(policy_prefs_remove(p, S("sip:bob@EXAMPLE.com")), 0);
	CHECK_INT(policy_prefs_remove(p, S("sip:bob@example.com")), -ENOENT);
	CHECK_INT(policy_prefs_remove(p, S("::")), -EINVAL);
	CHECK_INT(policy_prefs_count(p), 2);
	policy_prefs_free(p);

	/* Capacity. */
	p = policy_prefs_new(2);
	CHECK(p != NULL);
	for (int i = 0; i < 3; i++) {
		char aor[32];

		snprintf(aor, sizeof(aor), "tel:+1555010%04d", i);
		set = policy_rules_parse("{}", 2, &rc, err, sizeof(err));
		rc = policy_prefs_set(p, S(aor), set);
		CHECK_INT(rc, i < 2 ? 0 : -ENOSPC);
		if (rc != 0)
			policy_rules_free(set);
	}
	policy_prefs_free(p);

	/* Many users stay sorted and findable. */
	p = policy_prefs_new(0);
	for (int i = 0; i < 500; i++) {
		char aor[48];

		snprintf(aor, sizeof(aor), "sip:user%d@example.com", (i * 7919) % 500);
		set = policy_rules_parse("{}", 2, &rc, err, sizeof(err));
		CHECK_INT(policy_prefs_set(p, S(aor), set), 0);
	}
	CHECK_INT(policy_prefs_count(p), 500);
	for (int i = 0; i < 500; i++) {
		char aor[48];

		snprintf(aor, sizeof(aor), "sip:user%d@EXAMPLE.com", i);
		CHECK(policy_prefs_get(p, S(aor)) != NULL);
	}
	policy_prefs_free(p);

	check_bad_prefs("[]", "preferences: expected an object");
	check_bad_prefs("{\"user\": {}}", "preferences: unknown key \"user\"");
	check_bad_prefs("{\"users\": []}", "users: expected an object, got an array");
	check_bad_prefs("{\"users\": {\"alice\": {}}}",
			"users[\"alice\"]: not a sip:, sips: or tel: address-of-record");
	check_bad_prefs("{\"users\": {\"tel:+15550100001\": {}, "
			"\"sip:+1-555-0100001@h;user=phone\": {}}}",
			"is the same user (tel:+15550100001)");
	check_bad_prefs("{\"users\": {\"tel:+15550100001\": {\"rules\": [{\"role\": "
			"\"primary\"}]}}}",
			"users[\"tel:+15550100001\"].rules[0]: missing \"action\"");
	check_bad_prefs("{\"users\": {\"tel:+15550100001\": {\"default\": \"no\"}}}",
			"users[\"tel:+15550100001\"].default: expected \"allow\" or \"deny\"");
	check_bad_prefs("{\"users\": {\"tel:+15550100001\": []}}",
			"users[\"tel:+15550100001\"]: expected an object, got an array");
	check_bad_prefs("{\"users\": ", "line 1");
	{
		struct policy_prefs *q = NULL;
		const char *two = "{\"users\": {\"tel:+1\": {}, \"tel:+2\": {}}}";

		CHECK_INT(policy_prefs_parse(two, strlen(two), 1, &q, err, sizeof(err)), -EINVAL);
		CHECK(strstr(err, "users: more than 1 users") != NULL);
		CHECK(q == NULL);
		CHECK_INT(policy_prefs_parse("{}", 2, 1, &q, err, sizeof(err)), 0);
		CHECK_INT(policy_prefs_count(q), 0);
		policy_prefs_free(q);
	}
}

/* Mutated documents: every outcome is a set or an error, never a crash. */
static void
test_hostile(void)
{
	const char *seeds[2] = {
		"{\"default\":\"deny\",\"rules\":[{\"request\":[\"pager\",\"session\"],"
		"\"role\":\"secondary\",\"instance\":\"urn:uuid:ab*\",\"interworked\":true,"
		"\"action\":\"allow\",\"comment\":\"x\"}]}",
		"{\"users\":{\"tel:+1\":{\"rules\":[{\"role\":\"primary\",\"action\":\"deny\"}]},"
		"\"sip:a@b\":{\"default\":\"deny\"}}}",
	};
	const char alphabet[] = "{}[]\":,\\ a0*-tfnu\x01\xff";
	uint32_t x = 12345;
	char buf[512], err[POLICY_ERRLEN];
	int ok = 0, bad = 0, pok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		struct policy_prefs *p = NULL;
		const char *seed = seeds[iter & 1];
		size_t n = strlen(seed);
		struct policy_rules *r;
		int rc;

		memcpy(buf, seed, n);
		for (int m = 0; m < 1 + iter % 4; m++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % n] = alphabet[(x >> 20) % (sizeof(alphabet) - 1)];
		}
		r = policy_rules_parse(buf, n, &rc, err, sizeof(err));
		if (r != NULL) {
			json_t *j = policy_rules_to_json(r);

			CHECK(j != NULL);
			json_decref(j);
			ok++;
		} else {
			CHECK(rc == -EINVAL && err[0] != '\0');
			bad++;
		}
		policy_rules_free(r);
		if (policy_prefs_parse(buf, n, 0, &p, err, sizeof(err)) == 0) {
			json_t *j = policy_prefs_to_json(p);

			CHECK(j != NULL);
			json_decref(j);
			policy_prefs_free(p);
			pok++;
		}
	}
	CHECK(bad > 0 && ok > 0 && pok > 0);
	printf("hostile: %d rule sets accepted, %d rejected, %d preference stores accepted\n",
	       ok, bad, pok);
}

int
main(void)
{
	test_parse_fields();
	test_first_match_wins();
	test_round_trip();
	test_bad_json();
	test_prefs();
	test_hostile();
	return check_exit();
}
