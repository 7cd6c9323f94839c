/* SPDX-License-Identifier: MIT */
/*
 * The control API in-process: a registration table filled through the real
 * SIP and reginfo parsers and regtable_apply() (corpus 032: phone, tablet
 * and PC of one user, sip: and tel: IMPUs), the HTTP server on an ephemeral
 * loopback port, and a tiny socket client on the same thread that
 * interleaves its send/recv with ctl_http_poll(), as the control loop does.
 *
 * Covered: every route, every error (401/404/405/400/413/415/422/409/500),
 * the seed 6.6 matrix with an operator policy and a user preference, the
 * reload (invalid reloads change nothing; SIGHUP path), preferences across
 * a restart and rolled back when the file cannot be written, readiness,
 * stats and metrics, and hostile clients (garbage, oversized headers,
 * endless bodies, more connections than allowed) after which the server
 * still answers.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <reglane/config.h>
#include <reglane/ctl_http.h>
#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/sip.h>
#include <reglane/stats.h>

#include "check.h"

#define NOW 1700000000u
#define TOKEN "s3cret-T0ken"
#define AOR "sip:+12025550101@ims.example.net"
#define TEL "tel:+12025550101"
#define PHONE "980"
#define TABLET "981"
#define PC "982"
#define TABLET_INSTANCE "urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b"

static char tmpdir[64];
static char policy_path[128];
static char prefs_path[128];
static struct reglane_config cfg;
static struct reglane_lcore_stats fake_stats;
static const struct reglane_lcore_stats *stats_list[1] = { &fake_stats };
static bool stopping;

static uint64_t
test_now(void *arg)
{
	(void)arg;
	return NOW;
}

static bool
test_stopping(void *arg)
{
	(void)arg;
	return stopping;
}

static void
test_log(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* The table                                                           */

static void
apply_corpus(struct regtable *t, struct regtable_writer *w, const char *path)
{
	static struct sip_msg m;
	struct reginfo_parser *rp = reginfo_parser_new(NULL);
	const struct reginfo_event *ev = NULL;
	struct regtable_notify n;
	size_t len;
	char *buf = check_read_file(path, &len);

	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_INT(reginfo_parse(rp, m.body.p, m.body.len, &ev), REGINFO_ERR_OK);
	memset(&n, 0, sizeof(n));
	n.resource = m.from.uri;
	n.callid = m.call_id;
	n.from_tag = m.from.tag;
	n.to_tag = m.to.tag;
	n.cseq = m.cseq;
	n.sub_state = regtable_sub_state_parse(m.subs_state_value);
	n.sub_reason = m.subs_reason;
	CHECK_INT(regtable_apply(t, w, &n, ev, NOW), REGTABLE_APPLIED);
	reginfo_parser_free(rp);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* A tiny HTTP client driven together with the server                  */

struct resp {
	int status;   /* 0: no response (connection closed or timed out) */
	char head[8192];
	char *body;
	size_t body_len;
	json_t *json;
};

static void
resp_free(struct resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

static int
client_connect(uint16_t port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Send @p len bytes of @p raw on a new connection and read until the
 * server closes it (requests say Connection: close), polling the server in
 * between. A response is split into status, head and body.
 */
static void
exchange_for(struct ctl_http *h, const char *raw, size_t len, struct resp *out, int max_ms)
{
	size_t sent = 0, got = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	int fd = client_connect(ctl_http_port(h));
	bool eof = false;
	char *sep;

	memset(out, 0, sizeof(*out));
	CHECK(fd >= 0 && buf != NULL);
	if (fd < 0 || buf == NULL) {
		free(buf);
		return;
	}
	for (int spin = 0; spin < max_ms / 2 && !eof; spin++) {
		ssize_t n;

		if (sent < len) {
			n = send(fd, raw + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != ENOTCONN)
				sent = len; /* the server closed on us; read what it said */
		}
		ctl_http_poll(h, 2);
		for (;;) {
			if (got == cap) {
				cap *= 2;
				buf = realloc(buf, cap + 1);
			}
			n = recv(fd, buf + got, cap - got, 0);
			if (n > 0) {
				got += (size_t)n;
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				eof = true;
			break;
		}
	}
	close(fd);
	buf[got] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (got >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 && sep != NULL) {
		size_t hl = (size_t)(sep - buf);

		out->status = atoi(buf + 9);
		if (hl >= sizeof(out->head))
			hl = sizeof(out->head) - 1;
		memcpy(out->head, buf, hl);
		out->head[hl] = '\0';
		out->body_len = got - (size_t)(sep + 4 - buf);
		out->body = malloc(out->body_len + 1);
		memcpy(out->body, sep + 4, out->body_len);
		out->body[out->body_len] = '\0';
		out->json = json_loadb(out->body, out->body_len, 0, NULL);
	}
	free(buf);
}

static void
exchange(struct ctl_http *h, const char *raw, size_t len, struct resp *out)
{
	exchange_for(h, raw, len, out, 4000);
}

/* One request with the token (or @p auth as the whole Authorization value). */
static void
req(struct ctl_http *h, const char *method, const char *path, const char *auth,
    const char *ctype, const char *body, struct resp *out)
{
	char *raw;
	size_t blen = body != NULL ? strlen(body) : 0;
	int n;

	raw = malloc(blen + 4096);
	n = snprintf(raw, 4096,
		     "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s%s%s%s%s",
		     method, path, auth != NULL ? "Authorization: " : "", auth != NULL ? auth : "",
		     auth != NULL ? "\r\n" : "", ctype != NULL ? "Content-Type: " : "",
		     ctype != NULL ? ctype : "", ctype != NULL ? "\r\n" : "");
	if (body != NULL)
		n += snprintf(raw + n, 4096 - (size_t)n, "Content-Length: %zu\r\n", blen);
	n += snprintf(raw + n, 4096 - (size_t)n, "\r\n");
	if (body != NULL)
		memcpy(raw + n, body, blen);
	exchange(h, raw, (size_t)n + blen, out);
	free(raw);
}

static void
get(struct ctl_http *h, const char *path, struct resp *out)
{
	req(h, "GET", path, "Bearer " TOKEN, NULL, NULL, out);
}

static const char *
jstr(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* The error body every 4xx/5xx carries. */
static void
check_error(const struct resp *r, int status, const char *code)
{
	CHECK_INT(r->status, status);
	CHECK(r->json != NULL);
	CHECK(jstr(r->json, "error") != NULL && strcmp(jstr(r->json, "error"), code) == 0);
	CHECK_INT(json_integer_value(json_object_get(r->json, "status")), status);
	CHECK(jstr(r->json, "message") != NULL);
	CHECK(strstr(r->head, "application/json") != NULL);
	if (r->json == NULL || jstr(r->json, "error") == NULL ||
	    strcmp(jstr(r->json, "error"), code) != 0)
		fprintf(stderr, "  wanted %d %s, got %d: %s\n", status, code, r->status,
			r->body ? r->body : "(none)");
}

/* The client object of @p id in a suitability answer. */
static const json_t *
client(const json_t *ans, const char *id)
{
	const json_t *cs = json_object_get(ans, "clients"), *c;
	size_t i;

	json_array_foreach(cs, i, c)
		if (jstr(c, "id") != NULL && strcmp(jstr(c, "id"), id) == 0)
			return c;
	return NULL;
}

/* Whether client @p id is suitable and has exactly the reasons @p want ("a,b"). */
static void
check_client(const json_t *ans, const char *id, bool suitable, const char *want)
{
	const json_t *c = client(ans, id), *rs, *v;
	char got[128] = "";
	size_t i, n = 0;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(json_is_true(json_object_get(c, "suitable")) == suitable);
	rs = json_object_get(c, "reasons");
	json_array_foreach(rs, i, v)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i ? "," : "",
				      json_string_value(v));
	CHECK(strcmp(got, want) == 0);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "  client %s: reasons \"%s\", expected \"%s\"\n", id, got, want);
}

/* ------------------------------------------------------------------ */
/* Scenarios                                                           */

static struct ctl_http *
server_new(struct regtable *t, int *rc_out, char *err)
{
	struct ctl_http_params p;
	struct ctl_http *h = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	p.cfg = &cfg;
	p.table = t;
	p.stats = stats_list;
	p.n_stats = 1;
	p.now = test_now;
	p.stopping = test_stopping;
	p.log = test_log;
	p.policy_file = policy_path;
	p.prefs_file = prefs_path;
	err[0] = '\0';
	rc = ctl_http_create(&p, &h, err, CTL_HTTP_ERRLEN);
	if (rc_out != NULL)
		*rc_out = rc;
	return h;
}

static void
test_auth(struct ctl_http *h)
{
	struct resp r;

	req(h, "GET", "/v1/health", NULL, NULL, NULL, &r);
	check_error(&r, 401, "unauthorized");
	CHECK(strstr(r.head, "WWW-Authenticate: Bearer") != NULL);
	resp_free(&r);
	req(h, "GET", "/v1/health", "Bearer wrong", NULL, NULL, &r);
	check_error(&r, 401, "invalid_token");
	CHECK(strstr(r.head, "invalid_token") != NULL);
	resp_free(&r);
	req(h, "GET", "/v1/health", "Basic " TOKEN, NULL, NULL, &r);
	check_error(&r, 401, "unauthorized");
	resp_free(&r);
	/* A prefix of the token is not the token. */
	req(h, "GET", "/v1/health", "Bearer s3cret", NULL, NULL, &r);
	check_error(&r, 401, "invalid_token");
	resp_free(&r);
	/* Unknown routes are not revealed without the token either. */
	req(h, "GET", "/nope", NULL, NULL, NULL, &r);
	CHECK_INT(r.status, 401);
	resp_free(&r);
	req(h, "GET", "/v1/health", "bearer   " TOKEN "  ", NULL, NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK(r.json != NULL && strcmp(jstr(r.json, "status"), "ok") == 0);
	resp_free(&r);
	req(h, "HEAD", "/v1/health", "Bearer " TOKEN, NULL, NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body_len, 0);
	resp_free(&r);
}

static void
test_routes_errors(struct ctl_http *h)
{
	struct resp r;

	get(h, "/v2/users", &r);
	check_error(&r, 404, "not_found");
	resp_free(&r);
	get(h, "/v1/users/", &r);
	check_error(&r, 404, "not_found");
	resp_free(&r);
	get(h, "/v1/stats/", &r);
	check_error(&r, 404, "not_found");
	resp_free(&r);
	req(h, "POST", "/v1/stats", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 405, "method_not_allowed");
	CHECK(strstr(r.head, "Allow: GET, HEAD") != NULL);
	resp_free(&r);
	req(h, "DELETE", "/v1/users/" AOR, "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 405, "method_not_allowed");
	resp_free(&r);
	req(h, "GET", "/v1/policy/reload", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 405, "method_not_allowed");
	CHECK(strstr(r.head, "Allow: POST") != NULL);
	resp_free(&r);
	req(h, "BREW", "/v1/health", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 405, "method_not_allowed");
	resp_free(&r);
	get(h, "/v1", &r);
	CHECK_INT(r.status, 200);
	CHECK(json_array_size(json_object_get(r.json, "routes")) >= 9);
	resp_free(&r);
}

static void
test_state(struct ctl_http *h)
{
	struct resp r;
	const json_t *set;

	get(h, "/v1/users/" AOR, &r);
	CHECK_INT(r.status, 200);
	CHECK(r.json != NULL && strcmp(jstr(r.json, "aor"), AOR) == 0);
	CHECK_INT(json_array_size(json_object_get(r.json, "contacts")), 3);
	CHECK(strcmp(jstr(r.json, "state"), "active") == 0);
	set = json_object_get(r.json, "implicit_set");
	CHECK_INT(json_array_size(set), 2);
	resp_free(&r);
	/* Any AoR of the set, and the sip: form of the tel: URI. */
	get(h, "/v1/users/" TEL, &r);
	CHECK_INT(r.status, 200);
	CHECK(r.json != NULL && strcmp(jstr(r.json, "aor"), TEL) == 0);
	resp_free(&r);
	get(h, "/v1/users/sip:+12025550101@ims.example.net;user=phone", &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
	/* Percent-encoded paths are decoded ('+' stays a plus in a path). */
	get(h, "/v1/users/sip%3A%2B12025550101%40IMS.example.net", &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
	get(h, "/v1/users/sip:+19995550000@ims.example.net", &r);
	check_error(&r, 404, "unknown_user");
	resp_free(&r);
	get(h, "/v1/users/not-a-uri", &r);
	check_error(&r, 400, "bad_aor");
	resp_free(&r);
	get(h, "/v1/users/sip:%FF%FE%00@x", &r);
	CHECK(r.status == 400 || r.status == 404);
	resp_free(&r);
}

static void
test_suitability(struct ctl_http *h)
{
	struct resp r;

	get(h, "/v1/users/" AOR "/suitability?request=pager", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(json_array_size(json_object_get(r.json, "clients")), 3);
	check_client(r.json, PHONE, true, "");
	check_client(r.json, TABLET, true, "");
	check_client(r.json, PC, false, "capability");
	CHECK(strcmp(jstr(client(r.json, PHONE), "role"), "primary") == 0);
	CHECK(strcmp(jstr(client(r.json, TABLET), "role"), "secondary") == 0);
	CHECK_INT(json_integer_value(json_object_get(r.json, "suitable_count")), 2);
	resp_free(&r);
	/* Interworked: only the Primary Device (with +g.3gpp.smsip). */
	get(h, "/v1/users/" TEL "/suitability?request=pager&interworked=true", &r);
	CHECK_INT(r.status, 200);
	check_client(r.json, "983", true, "");
	check_client(r.json, "984", false, "capability,connectivity");
	CHECK(json_array_size(json_object_get(client(r.json, "984"), "connectivity")) == 1);
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=session&interworked", &r);
	CHECK_INT(r.status, 200);
	CHECK(json_is_true(json_object_get(r.json, "interworked")));
	resp_free(&r);

	get(h, "/v1/users/" AOR "/suitability?request=fax", &r);
	check_error(&r, 400, "unknown_request_type");
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=interworked", &r);
	check_error(&r, 400, "unknown_request_type");
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability", &r);
	check_error(&r, 400, "missing_request");
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=pager&interworked=maybe", &r);
	check_error(&r, 400, "bad_interworked");
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=pager&debug=1", &r);
	check_error(&r, 400, "unknown_parameter");
	resp_free(&r);
	get(h, "/v1/users/sip:nobody@ims.example.net/suitability?request=pager", &r);
	check_error(&r, 404, "unknown_user");
	resp_free(&r);
	get(h, "/v1/users/garbage/suitability?request=pager", &r);
	check_error(&r, 400, "bad_aor");
	resp_free(&r);
}

/* Operator policy from the file: no file transfer to Secondary Devices. */
static void
test_policy_matrix(struct ctl_http *h)
{
	struct resp r;

	get(h, "/v1/users/" AOR "/suitability?request=file-transfer", &r);
	CHECK_INT(r.status, 200);
	check_client(r.json, PHONE, true, "");
	check_client(r.json, TABLET, false, "policy");
	check_client(r.json, PC, false, "capability,policy");
	CHECK_INT(json_integer_value(json_object_get(client(r.json, TABLET), "policy_rule")), 0);
	resp_free(&r);
	get(h, "/v1/policy", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(json_integer_value(json_object_get(r.json, "generation")), 1);
	CHECK_INT(json_array_size(json_object_get(json_object_get(r.json, "policy"), "rules")), 1);
	CHECK_INT(json_array_size(json_object_get(r.json, "role_hints")), 3);
	CHECK(json_object_get(json_object_get(r.json, "services"), "pager") != NULL);
	resp_free(&r);
}

static void
test_prefs(struct ctl_http *h)
{
	static const char block_tablet[] =
		"{\"rules\":[{\"instance\":\"" TABLET_INSTANCE "\",\"action\":\"deny\","
		"\"comment\":\"tablet muted\"}]}";
	struct resp r;
	struct stat st;

	/* The sip: AoR without user=phone is another key than the tel: user. */
	get(h, "/v1/users/" AOR "/preferences", &r);
	check_error(&r, 404, "no_preferences");
	resp_free(&r);
	req(h, "PUT", "/v1/users/" TEL "/preferences", "Bearer " TOKEN, "application/json",
	    block_tablet, &r);
	CHECK_INT(r.status, 201);
	CHECK(r.json != NULL && strcmp(jstr(r.json, "key"), TEL) == 0);
	resp_free(&r);
	/* The same user under its sip: AoR; a second PUT replaces (200). */
	req(h, "PUT", "/v1/users/sip:+12025550101@ims.example.net;user=phone/preferences",
	    "Bearer " TOKEN, "application/json; charset=utf-8", block_tablet, &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
	get(h, "/v1/users/" TEL "/preferences", &r);
	CHECK_INT(r.status, 200);
	CHECK(strcmp(jstr(json_array_get(json_object_get(json_object_get(r.json, "preferences"),
							 "rules"), 0), "instance"),
		     TABLET_INSTANCE) == 0);
	resp_free(&r);
	CHECK(stat(prefs_path, &st) == 0 && (st.st_mode & 0777) == 0600);

	/* The preference applies to the registration's tel: IMPU and the
	 * sip: one alike (prefs are looked up across the implicit set). */
	get(h, "/v1/users/" AOR "/suitability?request=pager", &r);
	check_client(r.json, TABLET, false, "preference");
	check_client(r.json, PHONE, true, "");
	CHECK(json_is_true(json_object_get(r.json, "has_preferences")));
	resp_free(&r);

	/* Bad bodies. */
	req(h, "PUT", "/v1/users/" AOR "/preferences", "Bearer " TOKEN, "application/json",
	    "{\"rules\": [", &r);
	check_error(&r, 400, "malformed_json");
	resp_free(&r);
	req(h, "PUT", "/v1/users/" AOR "/preferences", "Bearer " TOKEN, "application/json", "",
	    &r);
	check_error(&r, 400, "malformed_json");
	resp_free(&r);
	req(h, "PUT", "/v1/users/" AOR "/preferences", "Bearer " TOKEN, "application/json",
	    "{\"rules\":[{\"role\":\"boss\",\"action\":\"deny\"}]}", &r);
	check_error(&r, 422, "invalid_preferences");
	resp_free(&r);
	req(h, "PUT", "/v1/users/" AOR "/preferences", "Bearer " TOKEN, "application/json",
	    "{\"default\":\"deny\",\"default\":\"allow\"}", &r);
	check_error(&r, 400, "malformed_json");
	resp_free(&r);
	req(h, "PUT", "/v1/users/" AOR "/preferences", "Bearer " TOKEN, "text/plain",
	    "{}", &r);
	check_error(&r, 415, "unsupported_media_type");
	resp_free(&r);
	req(h, "PUT", "/v1/users/" AOR "/preferences", "Bearer " TOKEN, NULL, "{}", &r);
	check_error(&r, 415, "unsupported_media_type");
	resp_free(&r);
	req(h, "PUT", "/v1/users/junk/preferences", "Bearer " TOKEN, "application/json", "{}",
	    &r);
	check_error(&r, 400, "bad_aor");
	resp_free(&r);
	/* What failed changed nothing. */
	get(h, "/v1/users/" TEL "/preferences", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(json_array_size(json_object_get(json_object_get(r.json, "preferences"),
						  "rules")), 1);
	resp_free(&r);
}

static void
test_bodies(struct ctl_http *h)
{
	const char *head = "PUT /v1/users/" AOR "/preferences HTTP/1.1\r\nHost: x\r\n"
			   "Authorization: Bearer " TOKEN "\r\nConnection: close\r\n"
			   "Content-Type: application/json\r\n";
	size_t big = CTL_HTTP_MAX_BODY + 100, n;
	char *raw = malloc(2 * big); /* the chunked body below is ~330 KB */
	struct resp r;

	CHECK(raw != NULL);
	if (raw == NULL)
		return;
	/* Announced too big: refused before the body is read. */
	n = (size_t)sprintf(raw, "%sContent-Length: %zu\r\n\r\n", head, big);
	memset(raw + n, ' ', big);
	exchange(h, raw, n + big, &r);
	check_error(&r, 413, "body_too_large");
	resp_free(&r);
	/* Chunked, no length announced: counted, then refused. */
	n = (size_t)sprintf(raw, "%sTransfer-Encoding: chunked\r\n\r\n", head);
	for (int i = 0; i < 40; i++) {
		memcpy(raw + n, "2000\r\n", 6);
		memset(raw + n + 6, ' ', 0x2000);
		memcpy(raw + n + 6 + 0x2000, "\r\n", 2);
		n += 6 + 0x2000 + 2;
	}
	memcpy(raw + n, "0\r\n\r\n", 5);
	n += 5;
	exchange(h, raw, n, &r);
	check_error(&r, 413, "body_too_large");
	resp_free(&r);
	/* A body on a GET is read and ignored. */
	n = (size_t)sprintf(raw, "GET /v1/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
			    TOKEN "\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
	exchange(h, raw, n, &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
	free(raw);
}

static void
test_hostile(struct ctl_http *h)
{
	static const char nul_junk[] = "\x00\x01\x02GARBAGE\r\n\r\n";
	static const char *const junk[] = {
		"GET\r\n\r\n",
		"GET /v1/health HTTP/9.9\r\n\r\n",
		"GET /v1/health HTTP/1.1\r\nNo-Colon-Header\r\n\r\n",
		"GET /v1/health HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
		"GET /v1/health HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST /v1/policy/reload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"\r\n\r\n\r\n",
	};
	size_t hn = 48 * 1024, n;
	char *raw = malloc(hn + 256);
	int fds[CTL_HTTP_MAX_CONNECTIONS + 16];
	struct resp r;

	CHECK(raw != NULL);
	if (raw == NULL)
		return;
	/* Bytes MHD waits on (leading NULs, blank lines) get no answer: the
	 * idle timeout closes those connections later. */
	exchange_for(h, nul_junk, sizeof(nul_junk) - 1, &r, 200);
	CHECK_INT(r.status, 0);
	resp_free(&r);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		/* Refused (4xx, or 505 for the version) or cut off, never 2xx. */
		exchange_for(h, junk[i], strlen(junk[i]), &r, 300);
		CHECK(r.status == 0 || (r.status >= 400 && r.status < 500) || r.status == 505);
		if (!(r.status == 0 || (r.status >= 400 && r.status < 500) || r.status == 505))
			fprintf(stderr, "  junk %zu answered %d\n", i, r.status);
		resp_free(&r);
	}
	/* A header block over the connection memory. */
	n = (size_t)sprintf(raw, "GET /v1/health HTTP/1.1\r\nX-Big: ");
	memset(raw + n, 'a', hn);
	n += hn;
	n += (size_t)sprintf(raw + n, "\r\n\r\n");
	exchange(h, raw, n, &r);
	CHECK(r.status == 0 || (r.status >= 400 && r.status < 500));
	resp_free(&r);
	free(raw);
	/* More connections than allowed: the extra ones are refused, the
	 * server goes on. */
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		fds[i] = client_connect(ctl_http_port(h));
		ctl_http_poll(h, 1);
	}
	for (int i = 0; i < 20; i++)
		ctl_http_poll(h, 1);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (int i = 0; i < 20; i++)
		ctl_http_poll(h, 1);
	get(h, "/v1/health", &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
}

static void
test_reload(struct ctl_http *h)
{
	struct resp r;

	/* Invalid JSON: rejected, nothing changes. */
	write_file(policy_path, "{\"rules\": [ {\"request\": \"file-transfer\", ");
	req(h, "POST", "/v1/policy/reload", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 422, "invalid_config");
	resp_free(&r);
	/* Valid JSON, invalid rule: rejected too. */
	write_file(policy_path, "{\"rules\": [ {\"request\": \"fax\", \"action\": \"deny\"} ]}");
	req(h, "POST", "/v1/policy/reload", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 422, "invalid_config");
	CHECK(r.json != NULL && strstr(jstr(r.json, "message"), "rules[0]") != NULL);
	resp_free(&r);
	get(h, "/v1/policy", &r);
	CHECK_INT(json_integer_value(json_object_get(r.json, "generation")), 1);
	CHECK(json_is_false(json_object_get(json_object_get(r.json, "last_reload"), "ok")));
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=file-transfer", &r);
	check_client(r.json, TABLET, false, "policy,preference");
	resp_free(&r);
	/* A missing file is invalid, not "nothing to reload". */
	unlink(policy_path);
	req(h, "POST", "/v1/policy/reload", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 422, "invalid_config");
	resp_free(&r);

	/* A valid policy: session denied to secondaries, file transfer allowed. */
	write_file(policy_path, "{\"rules\": [ {\"request\": [\"session\"], \"role\": "
				"\"secondary\", \"action\": \"deny\"} ]}");
	req(h, "POST", "/v1/policy/reload", "Bearer " TOKEN, NULL, NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(json_integer_value(json_object_get(r.json, "generation")), 2);
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=file-transfer", &r);
	check_client(r.json, TABLET, false, "preference");
	check_client(r.json, PHONE, true, "");
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=session", &r);
	check_client(r.json, PC, false, "policy");
	resp_free(&r);

	/* The SIGHUP path: flagged, done by the next poll. */
	write_file(policy_path, "{\"rules\": [ {\"request\": \"file-transfer\", \"role\": "
				"\"secondary\", \"action\": \"deny\"} ]}");
	ctl_http_request_reload();
	ctl_http_poll(h, 1);
	get(h, "/v1/policy", &r);
	CHECK_INT(json_integer_value(json_object_get(r.json, "generation")), 3);
	resp_free(&r);
}

static void
test_stats(struct ctl_http *h)
{
	struct resp r;

	rgl_stats_add(&fake_stats, RGL_CTR_RX_PKTS, 7);
	rgl_stats_add(&fake_stats, RGL_CTR_TX_200, 5);
	get(h, "/v1/stats", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(r.json, "counters"),
						     "rx_pkts")), 7);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(r.json, "table"),
						     "registrations")), 2);
	CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(r.json, "http"),
								 "responses"), "401")) >= 4);
	resp_free(&r);
	get(h, "/metrics", &r);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.head, "text/plain; version=0.0.4") != NULL);
	CHECK(r.body != NULL && strstr(r.body, "\nreglane_rx_pkts_total 7\n") != NULL);
	CHECK(r.body != NULL && strstr(r.body, "reglane_tx_200_total 5") != NULL);
	CHECK(r.body != NULL && strstr(r.body, "reglane_table_registrations 2") != NULL);
	CHECK(r.body != NULL &&
	      strstr(r.body, "reglane_http_request_duration_seconds_bucket{le=\"+Inf\"}") != NULL);
	CHECK(r.body != NULL && strstr(r.body, "reglane_http_responses_total{code=\"404\"}") != NULL);
	resp_free(&r);
	get(h, "/v1/metrics", &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);

	get(h, "/v1/ready", &r);
	CHECK_INT(r.status, 200);
	CHECK(json_is_false(json_object_get(r.json, "drained")));
	resp_free(&r);
	ctl_http_set_drained(h, true);
	get(h, "/v1/ready", &r);
	CHECK(json_is_true(json_object_get(r.json, "drained")));
	resp_free(&r);
	stopping = true;
	get(h, "/v1/ready", &r);
	CHECK_INT(r.status, 503);
	resp_free(&r);
	stopping = false;
}

/* The preference store survives a restart; a failed write rolls back. */
static void
test_restart(struct regtable *t, struct ctl_http **hp)
{
	char err[CTL_HTTP_ERRLEN], moved[160];
	struct ctl_http *h;
	struct resp r;
	int rc;

	ctl_http_destroy(*hp);
	h = *hp = server_new(t, &rc, err);
	CHECK_INT(rc, 0);
	if (h == NULL)
		return;
	get(h, "/v1/users/" TEL "/preferences", &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
	get(h, "/v1/users/" AOR "/suitability?request=pager", &r);
	check_client(r.json, TABLET, false, "preference");
	resp_free(&r);

	/* Make the file unwritable: its directory is replaced by a file. */
	snprintf(moved, sizeof(moved), "%s.moved", tmpdir);
	CHECK(rename(tmpdir, moved) == 0);
	write_file(tmpdir, "not a directory");
	req(h, "DELETE", "/v1/users/" TEL "/preferences", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 500, "persist_failed");
	resp_free(&r);
	req(h, "PUT", "/v1/users/sip:other@ims.example.net/preferences", "Bearer " TOKEN,
	    "application/json", "{}", &r);
	check_error(&r, 500, "persist_failed");
	resp_free(&r);
	get(h, "/v1/users/" TEL "/preferences", &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
	get(h, "/v1/users/sip:other@ims.example.net/preferences", &r);
	CHECK_INT(r.status, 404);
	resp_free(&r);
	unlink(tmpdir);
	CHECK(rename(moved, tmpdir) == 0);

	req(h, "DELETE", "/v1/users/" TEL "/preferences", "Bearer " TOKEN, NULL, NULL, &r);
	CHECK_INT(r.status, 204);
	CHECK_INT(r.body_len, 0);
	resp_free(&r);
	req(h, "DELETE", "/v1/users/" TEL "/preferences", "Bearer " TOKEN, NULL, NULL, &r);
	check_error(&r, 404, "no_preferences");
	resp_free(&r);
	ctl_http_destroy(h);
	h = *hp = server_new(t, &rc, err);
	CHECK_INT(rc, 0);
	if (h == NULL)
		return;
	get(h, "/v1/users/" TEL "/preferences", &r);
	check_error(&r, 404, "no_preferences");
	resp_free(&r);
}

/* Start-up refuses invalid files and a busy port. */
static void
test_create_errors(struct regtable *t, struct ctl_http *running)
{
	char err[CTL_HTTP_ERRLEN];
	struct ctl_http *h;
	int rc;

	write_file(prefs_path, "{\"users\": {\"sip:a@b\": {\"default\": \"maybe\"}}}");
	h = server_new(t, &rc, err);
	CHECK(h == NULL);
	CHECK_INT(rc, -EINVAL);
	CHECK(strstr(err, prefs_path) != NULL);
	unlink(prefs_path);

	write_file(policy_path, "[1, 2");
	h = server_new(t, &rc, err);
	CHECK(h == NULL);
	CHECK_INT(rc, -EINVAL);
	CHECK(strstr(err, "policy file") != NULL);
	write_file(policy_path, "{}");

	cfg.http_port = ctl_http_port(running);
	h = server_new(t, &rc, err);
	CHECK(h == NULL);
	CHECK_INT(rc, -EADDRINUSE);
	CHECK(strstr(err, "cannot listen") != NULL);
	cfg.http_port = 0;
}

/* Without a token and without any file, a reload has nothing to read. */
static void
test_no_token(struct regtable *t)
{
	struct ctl_http_params p;
	char err[CTL_HTTP_ERRLEN];
	struct ctl_http *h = NULL;
	struct resp r;

	memset(&p, 0, sizeof(p));
	p.cfg = &cfg;
	p.table = t;
	p.log = test_log;
	cfg.http_token[0] = '\0';
	CHECK_INT(ctl_http_create(&p, &h, err, sizeof(err)), 0);
	if (h == NULL)
		return;
	req(h, "GET", "/v1/health", NULL, NULL, NULL, &r);
	CHECK_INT(r.status, 200);
	resp_free(&r);
	req(h, "POST", "/v1/policy/reload", NULL, NULL, NULL, &r);
	check_error(&r, 409, "nothing_to_reload");
	resp_free(&r);
	get(h, "/v1/stats", &r); /* a token nobody asked for is harmless */
	CHECK_INT(r.status, 200);
	CHECK_INT(json_integer_value(json_object_get(r.json, "workers")), 0);
	resp_free(&r);
	ctl_http_destroy(h);
	snprintf(cfg.http_token, sizeof(cfg.http_token), "%s", TOKEN);
}

int
main(void)
{
	struct regtable_config tc;
	struct regtable *t = NULL;
	struct regtable_writer *w;
	char err[CTL_HTTP_ERRLEN];
	struct ctl_http *h;
	int rc;

	strcpy(tmpdir, "/tmp/rgl-http-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 2;
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", tmpdir);
	snprintf(prefs_path, sizeof(prefs_path), "%s/prefs.json", tmpdir);
	write_file(policy_path, "{\"default\": \"allow\", \"rules\": [ {\"request\": "
				"\"file-transfer\", \"role\": \"secondary\", \"action\": \"deny\", "
				"\"comment\": \"no FT to secondary devices\"} ]}");
	config_defaults(&cfg);
	cfg.http_port = 0;
	snprintf(cfg.http_token, sizeof(cfg.http_token), "%s", TOKEN);

	urcu_qsbr_register_thread();
	regtable_config_default(&tc);
	tc.max_memory = 32u << 20;
	tc.max_registrations = 1024;
	if (regtable_create(&tc, &t) != 0)
		return 2;
	w = regtable_writer_new(t);
	if (w == NULL)
		return 2;
	apply_corpus(t, w, "../data/corpus/032-primary-phone-tablet-pc/request.sip");
	/* The server is polled offline, as on the control thread. */
	urcu_qsbr_thread_offline();

	h = server_new(t, &rc, err);
	CHECK_INT(rc, 0);
	if (h == NULL) {
		fprintf(stderr, "ctl_http_create: %s\n", err);
		return 1;
	}
	CHECK(ctl_http_port(h) != 0);
	test_auth(h);
	test_routes_errors(h);
	test_state(h);
	test_suitability(h);
	test_policy_matrix(h);
	test_prefs(h);
	test_bodies(h);
	test_hostile(h);
	test_reload(h);
	test_stats(h);
	test_restart(t, &h);
	test_create_errors(t, h);
	test_no_token(t);
	ctl_http_destroy(h);

	urcu_qsbr_thread_online();
	regtable_writer_free(w);
	CHECK_INT(regtable_destroy(t), 0);
	urcu_qsbr_unregister_thread();
	unlink(policy_path);
	unlink(prefs_path);
	rmdir(tmpdir);
	return check_exit();
}
