/* SPDX-License-Identifier: MIT */
/*
 * State JSON: every corpus case is replayed through the SIP parser, the
 * reginfo parser and the registration table (the steps the table decides:
 * answered 200, 481 or 500), and the dumped "users" map is compared field
 * by field with the case's expect.json (corpus "unknown" roles are
 * "secondary" here, SEMANTICS 7). Plus the JSON edge cases: nulls,
 * services, lookups by alias, bytes that are not UTF-8.
 */

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/sip.h>
#include <reglane/state_json.h>

#include "check.h"

#define CORPUS "../data/corpus"
#define T0 2000000u

struct fx {
	struct regtable *t;
	struct regtable_writer *w;
	struct reginfo_parser *p;
};

static void
fx_open(struct fx *x)
{
	struct regtable_config cfg;

	regtable_config_default(&cfg);
	cfg.max_memory = 8u << 20;
	cfg.max_registrations = 10000; /* the tables are sized from it */
	x->t = NULL;
	CHECK_INT(regtable_create(&cfg, &x->t), 0);
	if (x->t == NULL)
		exit(1);
	x->w = regtable_writer_new(x->t);
	x->p = reginfo_parser_new(NULL);
	CHECK(x->w != NULL && x->p != NULL);
}

static void
fx_close(struct fx *x)
{
	reginfo_parser_free(x->p);
	regtable_writer_free(x->w);
	CHECK_INT(regtable_destroy(x->t), 0);
	urcu_qsbr_quiescent_state();
}

/* Apply one datagram; -1 when it does not parse as a NOTIFY with a body we accept. */
static int
apply_datagram(struct fx *x, const char *buf, size_t len, enum regtable_result *res)
{
	const struct reginfo_event *ev = NULL;
	struct sip_msg *m = calloc(1, sizeof(*m));
	struct regtable_notify n;
	int rc = -1;

	if (m == NULL)
		return -1;
	if (sip_parse(buf, len, m) != SIP_ERR_OK)
		goto out;
	if (m->body.len > 0 && reginfo_parse(x->p, m->body.p, m->body.len, &ev) != REGINFO_ERR_OK)
		goto out;
	memset(&n, 0, sizeof(n));
	n.resource = m->from.uri;
	n.callid = m->call_id;
	n.from_tag = m->from.tag;
	n.to_tag = m->to.tag;
	n.cseq = m->cseq;
	n.sub_state = regtable_sub_state_parse(m->subs_state_value);
	n.sub_reason = m->subs_reason;
	*res = regtable_apply(x->t, x->w, &n, m->body.len > 0 ? ev : NULL, T0);
	rc = 0;
out:
	free(m);
	return rc;
}

static void
report(const char *cs, const char *what, const json_t *want, const json_t *got)
{
	char *a = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
	char *b = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	fprintf(stderr, "%s: %s: expected %s, got %s\n", cs, what, a ? a : "?", b ? b : "(missing)");
	free(a);
	free(b);
}

static void
check_equal(const char *cs, const char *what, const json_t *want, const json_t *got)
{
	check_count++;
	if (got == NULL || !json_equal((json_t *)want, (json_t *)got)) {
		check_failures++;
		report(cs, what, want, got);
	}
}

static void
compare_user(const char *cs, const char *aor, json_t *want, json_t *got, json_t *sub)
{
	static const char *const fields[] = { "state", "registration_id", "wildcarded_identity" };
	json_t *wc = json_object_get(want, "contacts"), *gc = json_object_get(got, "contacts");
	char what[512];
	size_t i, j;
	json_t *ec;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(what, sizeof(what), "%s %s", aor, fields[i]);
		check_equal(cs, what, json_object_get(want, fields[i]), json_object_get(got, fields[i]));
	}
	if (sub != NULL) {
		snprintf(what, sizeof(what), "%s subscription", aor);
		check_equal(cs, what, sub, json_object_get(got, "subscription"));
	}
	CHECK_INT(json_array_size(gc), json_array_size(wc));
	json_array_foreach(wc, i, ec) {
		json_t *id = json_object_get(ec, "id"), *oc = NULL, *c, *v;
		const char *k;

		json_array_foreach(gc, j, c) {
			if (json_equal(json_object_get(c, "id"), id))
				oc = c;
		}
		snprintf(what, sizeof(what), "%s contact %s", aor, json_string_value(id));
		check_count++;
		if (oc == NULL) {
			check_failures++;
			fprintf(stderr, "%s: %s missing\n", cs, what);
			continue;
		}
		json_object_foreach(ec, k, v) {
			json_t *want_v = v, *fixed = NULL;

			/* SEMANTICS 7: no signal either way is reported as secondary */
			if (strcmp(k, "role") == 0 && json_is_string(v) &&
			    strcmp(json_string_value(v), "unknown") == 0)
				want_v = fixed = json_string("secondary");
			snprintf(what, sizeof(what), "%s contact %s %s", aor, json_string_value(id), k);
			check_equal(cs, what, want_v, json_object_get(oc, k));
			json_decref(fixed);
		}
	}
}

static bool
applied_matches(const char *applied, enum regtable_result r)
{
	if (applied == NULL)
		return true;
	if (strcmp(applied, "applied") == 0)
		return r == REGTABLE_APPLIED || r == REGTABLE_GAP;
	if (strcmp(applied, "no reginfo to apply") == 0)
		return r == REGTABLE_NO_CHANGE;
	return r == REGTABLE_STALE || r == REGTABLE_DUPLICATE || r == REGTABLE_SUB_TERMINATED ||
	       r == REGTABLE_CSEQ_OLD;
}

static void
run_case(const char *cs)
{
	char path[512];
	json_error_t jerr;
	json_t *exp, *steps, *step, *dump, *users, *want, *u;
	const char *aor;
	char *prev[16] = { 0 };
	size_t prev_len[16] = { 0 }, i;
	struct fx x;

	snprintf(path, sizeof(path), "%s/%s/expect.json", CORPUS, cs);
	exp = json_load_file(path, 0, &jerr);
	CHECK(exp != NULL);
	if (exp == NULL)
		return;
	fx_open(&x);
	steps = json_object_get(exp, "steps");
	json_array_foreach(steps, i, step) {
		json_t *resp = json_object_get(step, "response");
		int status = resp ? (int)json_integer_value(json_object_get(resp, "status")) : 0;
		const char *req = json_string_value(json_object_get(step, "request"));
		json_t *va = json_object_get(step, "version_after");
		json_t *rf = json_object_get(step, "refresh_subscription");
		enum regtable_result res;
		bool retrans = false;
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), "%s/%s/%s", CORPUS, cs, req);
		buf = check_read_file(path, &len);
		/* A byte-identical repeat is a retransmission: the transaction
		 * layer answers it (SEMANTICS 1.2 row 4), the table never sees it. */
		for (size_t k = 0; k < i && k < 16; k++)
			retrans |= prev[k] && prev_len[k] == len && memcmp(prev[k], buf, len) == 0;
		if (i < 16) {
			prev[i] = buf;
			prev_len[i] = len;
		}
		/* Only 200/481/500 are the table's answers; others are decided
		 * before it (SIP framing, Event, Content-Type, XML). */
		if (retrans || !(status == 200 || status == 481 || status == 500)) {
			if (i >= 16)
				free(buf);
			continue;
		}
		check_count++;
		if (apply_datagram(&x, buf, len, &res) != 0) {
			check_failures++;
			fprintf(stderr, "%s/%s: does not parse\n", cs, req);
		} else {
			const struct regtable_snapshot *s = NULL;
			struct sip_msg m;

			if (regtable_result_status(res) != status ||
			    !applied_matches(json_string_value(json_object_get(step, "applied")), res)) {
				check_failures++;
				fprintf(stderr, "%s/%s: result %s, expected %d / %s\n", cs, req,
					regtable_result_str(res), status,
					json_string_value(json_object_get(step, "applied")));
			}
			if (sip_parse(buf, len, &m) == SIP_ERR_OK)
				s = regtable_find_subscription(x.t, m.from.uri, m.call_id);
			if (s != NULL && json_is_integer(va))
				CHECK_INT(s->version, json_integer_value(va));
			if (s != NULL && json_is_boolean(rf))
				CHECK_INT(s->refresh_needed, json_is_true(rf));
		}
		if (i >= 16)
			free(buf);
	}
	for (i = 0; i < 16; i++)
		free(prev[i]);

	dump = state_json_table(x.t, T0);
	CHECK(dump != NULL);
	users = json_object_get(dump, "users");
	want = json_object_get(exp, "users");
	CHECK_INT(json_object_size(users), json_object_size(want));
	json_object_foreach(want, aor, u) {
		json_t *got = json_object_get(users, aor);

		check_count++;
		if (got == NULL) {
			check_failures++;
			fprintf(stderr, "%s: user %s missing\n", cs, aor);
			continue;
		}
		compare_user(cs, aor, u, got, json_object_get(exp, "subscription"));
	}
	json_decref(dump);
	json_decref(exp);
	fx_close(&x);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_corpus(void)
{
	DIR *d = opendir(CORPUS);
	char *names[256];
	size_t n = 0;
	struct dirent *e;

	CHECK(d != NULL);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < 256)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	CHECK(n >= 20);
	for (size_t i = 0; i < n; i++) {
		run_case(names[i]);
		free(names[i]);
	}
	printf("corpus: %zu cases replayed\n", n);
}

static struct rgl_slice
S(const char *s)
{
	return rgl_slice_make(s, strlen(s));
}

static void
test_edges(void)
{
	struct reginfo_registration reg = { 0 };
	struct reginfo_contact con = { 0 };
	struct reginfo_param par[2];
	struct reginfo_event ev = { 0 };
	struct regtable_notify n;
	json_t *j = NULL, *c, *root;
	char *text;
	struct fx x;

	fx_open(&x);
	reg.aor = S("sip:+15550142@ims.example.net;user=phone");
	reg.id = S("r");
	reg.state = REGINFO_REG_ACTIVE;
	reg.n_contacts = 1;
	con.id = S("c\xc3\xa9");
	con.uri = S("sip:ue@192.0.2.1");
	con.state = REGINFO_CONTACT_ACTIVE;
	con.event = REGINFO_EV_SHORTENED;
	con.has = REGINFO_HAS_EXPIRES | REGINFO_HAS_RETRY_AFTER | REGINFO_HAS_DURATION;
	con.expires = 100;
	con.retry_after = 30;
	con.duration_registered = 5;
	con.n_params = 2;
	par[0].name = S("+g.3gpp.icsi-ref");
	par[0].value = S("\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"");
	par[1].name = S("+g.3gpp.smsip");
	par[1].value = S("");
	ev.state = REGINFO_DOC_FULL;
	ev.regs = &reg;
	ev.n_regs = 1;
	ev.contacts = &con;
	ev.n_contacts = 1;
	ev.params = par;
	ev.n_params = 2;
	memset(&n, 0, sizeof(n));
	n.resource = S("sip:\xff\xfe@example.com"); /* not UTF-8 (and not a valid AoR) */
	n.callid = S("edge");
	n.cseq = 1;
	CHECK_INT(regtable_apply(x.t, x.w, &n, &ev, T0), REGTABLE_INVALID);
	n.resource = S("sip:+15550142@ims.example.net;user=phone;x=\xff");
	CHECK_INT(regtable_apply(x.t, x.w, &n, &ev, T0), REGTABLE_INVALID);
	n.resource = S("sip:%FF@ims.example.net"); /* escaped: a valid AoR */
	CHECK_INT(regtable_apply(x.t, x.w, &n, &ev, T0), REGTABLE_APPLIED);

	CHECK_INT(state_json_lookup(x.t, S("tel:+1-555-0142"), T0 + 40, &j), 0);
	if (j != NULL) {
		CHECK(json_is_integer(json_object_get(j, "version")) &&
		      json_integer_value(json_object_get(j, "version")) == 0);
		CHECK(json_is_false(json_object_get(j, "refresh_needed")));
		CHECK(strcmp(json_string_value(json_object_get(j, "resource")),
			     "sip:%FF@ims.example.net") == 0);
		CHECK(json_is_null(json_object_get(j, "wildcarded_identity")));
		CHECK(strcmp(json_string_value(json_object_get(json_object_get(j, "subscription"),
								  "state")),
			     "active") == 0);
		c = json_array_get(json_object_get(j, "contacts"), 0);
		CHECK(c != NULL);
		CHECK(strcmp(json_string_value(json_object_get(c, "id")), "c\xc3\xa9") == 0);
		CHECK_INT(json_integer_value(json_object_get(c, "expires")), 60); /* seconds left */
		CHECK_INT(json_integer_value(json_object_get(c, "retry_after")), 30);
		CHECK_INT(json_integer_value(json_object_get(c, "duration_registered")), 45);
		CHECK(strcmp(json_string_value(json_object_get(c, "event")), "shortened") == 0);
		CHECK(json_is_null(json_object_get(c, "q")));
		CHECK(json_is_null(json_object_get(c, "cseq")));
		CHECK(json_is_null(json_object_get(c, "instance_source")));
		CHECK(json_is_null(json_object_get(c, "temp_gruu_first_cseq")));
		CHECK_INT(json_array_size(json_object_get(c, "services")), 2);
		CHECK(strcmp(json_string_value(json_array_get(json_object_get(c, "services"), 0)),
			     "session") == 0);
		CHECK(strcmp(json_string_value(json_array_get(json_object_get(c, "services"), 1)),
			     "interworked") == 0);
		CHECK(strcmp(json_string_value(json_object_get(json_object_get(c, "features"),
								  "+g.3gpp.icsi-ref")),
			     "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session") == 0);
		CHECK(strcmp(json_string_value(json_object_get(c, "role")), "primary") == 0);
		json_decref(j);
	}
	/* an expired contact reports 0 seconds left, not a wrapped number */
	j = NULL;
	CHECK_INT(state_json_lookup(x.t, S("tel:+15550142"), T0 + 1000, &j), 0);
	if (j != NULL) {
		c = json_array_get(json_object_get(j, "contacts"), 0);
		CHECK_INT(json_integer_value(json_object_get(c, "expires")), 0);
		json_decref(j);
	}
	CHECK_INT(state_json_lookup(x.t, S("tel:+15550199"), T0, &j), -ENOENT);
	CHECK_INT(state_json_lookup(x.t, S("nonsense"), T0, &j), -EINVAL);

	/* raw bytes that are not UTF-8 (an AoR from the document) still give
	 * valid JSON, with U+FFFD */
	reg.aor = S("sip:\xc3(@example.com");
	n.resource = S("sip:other@example.com");
	n.callid = S("edge-2");
	CHECK_INT(regtable_apply(x.t, x.w, &n, &ev, T0), REGTABLE_APPLIED);
	root = state_json_table(x.t, T0);
	CHECK(root != NULL);
	text = root ? json_dumps(root, JSON_SORT_KEYS) : NULL;
	CHECK(text != NULL);
	if (text != NULL) {
		json_error_t e;
		json_t *back = json_loads(text, 0, &e);

		CHECK(back != NULL);
		CHECK(strstr(text, "sip:\\ufffd(@example.com") != NULL ||
		      strstr(text, "sip:\xef\xbf\xbd(@example.com") != NULL);
		CHECK_INT(json_object_size(json_object_get(back, "users")), 2);
		json_decref(back);
		free(text);
	}
	json_decref(root);
	fx_close(&x);
}

int
main(void)
{
	urcu_qsbr_register_thread();
	test_edges();
	test_corpus();
	urcu_qsbr_unregister_thread();
	return check_exit();
}
