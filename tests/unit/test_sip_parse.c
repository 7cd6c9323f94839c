/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for sip_parse(): every corpus request, hand-written cases for
 * each grammar rule (RFC 3261 7.3, 18.3, 20, 25), every error code, the
 * limits, truncation at every byte offset and bare-LF line ends.
 *
 * Each parse runs on an exactly-sized heap copy of the input so that ASan
 * reports any read past the end, and every returned slice is checked to lie
 * inside that copy.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/sip.h>

#include "check.h"
#include "corpus_list.h"

#define CORPUS "../data/corpus/"

/* Which error codes some test has produced; all must be by the end. */
static bool err_seen[SIP_ERR__COUNT];

static int
slice_inside(struct rgl_slice s, const char *buf, size_t len)
{
	if (s.p == NULL)
		return s.len == 0;
	return s.p >= buf && s.p <= buf + len && s.len <= (size_t)(buf + len - s.p);
}

/* Every slice the parser can return lies inside [buf, buf + len]. */
static int
all_inside(const struct sip_msg *m, const char *buf, size_t len)
{
	int ok = 1;

#define IN(s) (ok &= slice_inside((s), buf, len))
	IN(m->method_name);
	IN(m->ruri);
	IN(m->version);
	for (unsigned i = 0; i < m->n_headers && i < SIP_MAX_HEADERS; i++) {
		IN(m->headers[i].name);
		IN(m->headers[i].value);
	}
	for (unsigned i = 0; i < m->n_vias && i < SIP_MAX_VIAS; i++) {
		const struct sip_via *v = &m->vias[i];

		IN(v->value);
		IN(v->protocol);
		IN(v->transport);
		IN(v->host);
		IN(v->branch);
		IN(v->received);
		IN(v->maddr);
		IN(v->rport_value);
		IN(v->received_param);
		IN(v->rport_param);
	}
	IN(m->from.value);
	IN(m->from.display);
	IN(m->from.uri);
	IN(m->from.tag);
	IN(m->to.value);
	IN(m->to.display);
	IN(m->to.uri);
	IN(m->to.tag);
	IN(m->call_id);
	IN(m->cseq_method);
	IN(m->event);
	IN(m->event_type);
	IN(m->event_id);
	IN(m->subs_state);
	IN(m->subs_state_value);
	IN(m->subs_reason);
	IN(m->content_type);
	IN(m->content_type_type);
	IN(m->content_type_sub);
	IN(m->content_type_params);
	IN(m->content_encoding);
	for (unsigned i = 0; i < m->n_require && i < SIP_MAX_REQUIRE; i++)
		IN(m->require[i]);
	IN(m->contact);
	IN(m->body);
#undef IN
	return ok && m->n_headers <= SIP_MAX_HEADERS && m->n_vias <= SIP_MAX_VIAS &&
	       m->n_require <= SIP_MAX_REQUIRE;
}

/* Parse @p len bytes of @p src from an exactly-sized heap copy, freed
 * before returning: look only at numbers in @p m afterwards, not slices. */
static enum sip_err
parse_copy(const char *src, size_t len, struct sip_msg *m)
{
	char *buf = malloc(len ? len : 1);
	enum sip_err err;

	if (buf == NULL)
		exit(2);
	memcpy(buf, src, len);
	err = sip_parse(buf, len, m);
	CHECK(err == m->err);
	CHECK(all_inside(m, buf, len));
	if ((unsigned)err < SIP_ERR__COUNT)
		err_seen[err] = true;
	free(buf);
	return err;
}

/* A parse that must produce @p want; numbers stay in g_msg. */
static struct sip_msg g_msg;

#define EXPECT_ERR(str, want)                                                  \
	do {                                                                   \
		const char *s_ = (str);                                        \
		enum sip_err e_ = parse_copy(s_, strlen(s_), &g_msg);    \
		if (e_ != (want))                                              \
			fprintf(stderr, "  got \"%s\" for input:\n%s\n",       \
				sip_err_str(e_), s_);                          \
		CHECK_INT(e_, (want));                                         \
	} while (0)

/* Parse a NUL-terminated string in place (slices stay valid). */
static enum sip_err
parse_str(const char *s, struct sip_msg *m)
{
	enum sip_err err = sip_parse(s, strlen(s), m);

	CHECK(all_inside(m, s, strlen(s)));
	if ((unsigned)err < SIP_ERR__COUNT)
		err_seen[err] = true;
	return err;
}

#define RL "NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0\r\n"
#define H_VIA "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-t1\r\n"
#define H_FROM "From: <sip:+12025550150@ims.example.net>;tag=f1\r\n"
#define H_TO "To: <sip:cpm-as@as.ims.example.net>;tag=t1\r\n"
#define H_CALLID "Call-ID: c1@as.ims.example.net\r\n"
#define H_CSEQ "CSeq: 7 NOTIFY\r\n"
#define H_REST "Max-Forwards: 70\r\nEvent: reg\r\nSubscription-State: active;expires=3600\r\n"
/* A complete request without body, minus the blank line. */
#define BASE RL H_VIA H_FROM H_TO H_CALLID H_CSEQ H_REST

/* ---------------------------------------------------------------- corpus */

/* Offset of the body: just after the first empty line. */
static size_t
header_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return len;
}

/* Number of header lines (no folds in the corpus). */
static unsigned
header_lines(const char *buf, size_t len)
{
	size_t he = header_end(buf, len);
	unsigned n = 0;

	for (size_t i = 0; i < he; i++)
		n += buf[i] == '\n';
	return n - 2; /* minus the start line and the blank line */
}


static char *
corpus_read(const char *name, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), CORPUS "%s", name);
	return check_read_file(path, len);
}

/* Properties every corpus request has. */
static void
test_corpus_all(void)
{
	for (size_t i = 0; i < CORPUS_FILES_N; i++) {
		const char *name = corpus_files[i];
		size_t len, he;
		char *buf = corpus_read(name, &len);
		struct sip_msg m;
		enum sip_err err = parse_copy(buf, len, &m);
		enum sip_err want = SIP_ERR_OK;

		if (strncmp(name, "049", 3) == 0)
			want = SIP_ERR_NO_CALL_ID;
		else if (strncmp(name, "053", 3) == 0)
			want = SIP_ERR_BODY_TRUNCATED;
		if (err != want)
			fprintf(stderr, "  corpus %s: %s\n", name, sip_err_str(err));
		CHECK_INT(err, want);

		/* Re-parse in place to look at slices. */
		err = sip_parse(buf, len, &m);
		CHECK_INT(m.kind, SIP_KIND_REQUEST);
		CHECK_INT(m.method, SIP_METHOD_NOTIFY);
		CHECK_SLICE(m.method_name, "NOTIFY");
		CHECK_SLICE(m.version, "SIP/2.0");
		CHECK(m.version_ok);
		CHECK(m.n_vias >= 1);
		CHECK(rgl_slice_present(m.vias[0].branch));
		CHECK(rgl_slice_present(m.from.uri));
		CHECK(rgl_slice_present(m.from.tag));
		CHECK(rgl_slice_present(m.to.uri));
		CHECK(m.has_cseq);
		CHECK_SLICE(m.cseq_method, "NOTIFY");
		CHECK_SLICE(m.event_type, m.event_type.len == 3 ? "reg" : "presence");
		CHECK(rgl_slice_present(m.subs_state_value));
		CHECK_INT(m.n_headers, header_lines(buf, len));
		he = header_end(buf, len);
		CHECK(m.body.p == buf + he);
		if (m.content_length >= 0 && want == SIP_ERR_OK)
			CHECK_INT(m.body.len, m.content_length);
		if (m.content_length < 0)
			CHECK_INT(m.body.len, len - he);
		CHECK_INT(m.max_forwards, 70 - (strncmp(name, "042", 3) == 0));
		free(buf);
	}
}

static void
test_corpus_001_002(void)
{
	size_t len;
	char *buf = corpus_read("001-rfc3680-s5.3-full-example/request.sip", &len);
	struct sip_msg m;

	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_SLICE(m.ruri, "sip:app.example.com");
	CHECK_SLICE(m.vias[0].host, "server19.example.com");
	CHECK_INT(m.vias[0].port, 0);
	CHECK_SLICE(m.vias[0].branch, "z9hG4bKnasaii");
	CHECK_SLICE(m.from.uri, "sip:user@example.com");
	CHECK_ABSENT(m.from.display);
	CHECK_SLICE(m.from.tag, "xyzygg");
	CHECK_SLICE(m.to.tag, "123aa9");
	CHECK_INT(m.cseq, 1288);
	CHECK_INT(m.content_length, 662);
	free(buf);

	/* addr-spec form: the params after the URI belong to the header. */
	buf = corpus_read("002-rfc3680-s6-callflow-init-then-partial/01.sip", &len);
	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_SLICE(m.from.value, "sip:joe@example.com;tag=xyzygg");
	CHECK_SLICE(m.from.uri, "sip:joe@example.com");
	CHECK_SLICE(m.from.tag, "xyzygg");
	CHECK_SLICE(m.to.uri, "sip:app.example.com");
	CHECK_SLICE(m.to.tag, "123aa9");
	CHECK_SLICE(m.contact, "sip:server19.example.com");
	CHECK_INT(m.content_length, 187);
	free(buf);
}

static void
test_corpus_024(void)
{
	size_t len;
	char *buf = corpus_read("024-kamailio-scscf-two-devices/request.sip", &len);
	struct sip_msg m;

	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_SLICE(m.ruri, "sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923");
	CHECK_SLICE(m.vias[0].host, "172.18.0.24");
	CHECK(m.vias[0].host_is_ipv4);
	CHECK_INT(m.vias[0].port, 6060);
	CHECK_SLICE(m.vias[0].branch, "z9hG4bK1d7b.c2da92c5000000000000000000000000.0");
	CHECK_SLICE(m.to.uri, "tel:+12025550124");
	CHECK_SLICE(m.from.tag, "ee326f8ce5448eb29429c3445faa64d5-ae1c");
	CHECK_INT(m.cseq, 70029013);
	CHECK_SLICE(m.call_id, "3291254482_2340697020@192.168.4.6");
	CHECK_SLICE(m.headers[5].name, "Route");
	CHECK_INT(m.headers[5].id, SIP_HDR_OTHER);
	CHECK_SLICE(m.headers[7].name, "User-Agent");
	CHECK_INT(m.headers[7].id, SIP_HDR_OTHER);
	CHECK_INT(m.subs_expires, 600000);
	CHECK_INT(m.content_length, 1985);
	free(buf);
}

static void
test_corpus_040_compact(void)
{
	size_t len;
	char *buf = corpus_read("040-compact-header-forms/request.sip", &len);
	struct sip_msg m;
	static const uint8_t ids[] = {
		SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID, SIP_HDR_CSEQ,
		SIP_HDR_MAX_FORWARDS, SIP_HDR_CONTACT, SIP_HDR_EVENT,
		SIP_HDR_SUBSCRIPTION_STATE, SIP_HDR_CONTENT_TYPE, SIP_HDR_CONTENT_LENGTH,
	};

	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_INT(m.n_headers, 11);
	for (unsigned i = 0; i < 11; i++)
		CHECK_INT(m.headers[i].id, ids[i]);
	CHECK_SLICE(m.headers[0].name, "v");
	CHECK_INT(m.n_vias, 1);
	CHECK_SLICE(m.vias[0].protocol, "SIP/2.0/UDP");
	CHECK_SLICE(m.vias[0].transport, "UDP");
	CHECK_SLICE(m.vias[0].host, "192.0.2.20");
	CHECK(m.vias[0].host_is_ipv4);
	CHECK_INT(m.vias[0].port, 5060);
	CHECK_SLICE(m.vias[0].branch, "z9hG4bK-c40-1");
	CHECK(!m.vias[0].has_rport);
	CHECK_SLICE(m.from.uri, "sip:+12025550150@ims.example.net");
	CHECK_SLICE(m.from.tag, "scscf-c40");
	CHECK_SLICE(m.to.uri, "sip:cpm-as@as.ims.example.net");
	CHECK_SLICE(m.to.tag, "as-c40");
	CHECK_SLICE(m.call_id, "c40@as.ims.example.net");
	CHECK_INT(m.cseq, 1);
	CHECK_INT(m.max_forwards, 70);
	CHECK_SLICE(m.contact, "<sip:scscf.ims.example.net:5060>");
	CHECK_SLICE(m.event, "reg");
	CHECK_SLICE(m.event_type, "reg");
	CHECK_ABSENT(m.event_id);
	CHECK_SLICE(m.subs_state, "active;expires=3600");
	CHECK_SLICE(m.subs_state_value, "active");
	CHECK_INT(m.subs_expires, 3600);
	CHECK_INT(m.subs_retry_after, -1);
	CHECK_ABSENT(m.subs_reason);
	CHECK_SLICE(m.content_type_type, "application");
	CHECK_SLICE(m.content_type_sub, "reginfo+xml");
	CHECK_ABSENT(m.content_type_params);
	CHECK_ABSENT(m.content_encoding);
	CHECK_INT(m.content_length, 501);
	CHECK_INT(m.body.len, 501);
	CHECK(memcmp(m.body.p, "<?xml", 5) == 0);
	CHECK_INT(m.n_require, 0);
	free(buf);
}

static void
test_corpus_042_vias(void)
{
	size_t len;
	char *buf = corpus_read("042-multiple-via-rport/request.sip", &len);
	struct sip_msg m;

	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_INT(m.n_vias, 3);
	CHECK_SLICE(m.vias[0].value, "SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bK-sbc-42;rport");
	CHECK_SLICE(m.vias[0].host, "192.0.2.30");
	CHECK_INT(m.vias[0].port, 5060);
	CHECK(m.vias[0].has_rport);
	CHECK_SLICE(m.vias[0].rport_param, "rport");
	CHECK_ABSENT(m.vias[0].rport_value);
	CHECK_ABSENT(m.vias[0].received);
	CHECK_SLICE(m.vias[0].branch, "z9hG4bK-sbc-42");

	CHECK_SLICE(m.vias[1].value,
		    "SIP/2.0/UDP scscf.ims.example.net:5060;branch=z9hG4bK-scscf-42");
	CHECK_SLICE(m.vias[1].host, "scscf.ims.example.net");
	CHECK(!m.vias[1].host_is_ipv4 && !m.vias[1].host_is_ipv6);
	CHECK_INT(m.vias[1].port, 5060);
	CHECK(!m.vias[1].has_rport);

	CHECK_SLICE(m.vias[2].protocol, "SIP/2.0/TCP");
	CHECK_SLICE(m.vias[2].transport, "TCP");
	CHECK_SLICE(m.vias[2].host, "192.0.2.21");
	CHECK_INT(m.vias[2].port, 5070);
	CHECK_SLICE(m.vias[2].branch, "z9hG4bK-orig-42");
	CHECK_SLICE(m.vias[2].received, "192.0.2.21");
	CHECK_SLICE(m.vias[2].received_param, "received=192.0.2.21");
	CHECK_INT(m.max_forwards, 69);
	free(buf);
}

static void
test_corpus_044_fqdn(void)
{
	size_t len;
	char *buf = corpus_read("044-fqdn-via-no-rport-port-5060/request.sip", &len);
	struct sip_msg m;

	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_INT(m.n_vias, 1);
	CHECK_SLICE(m.vias[0].host, "scscf.ims.example.net");
	CHECK_INT(m.vias[0].port, 0);
	CHECK(!m.vias[0].host_is_ipv4);
	CHECK(!m.vias[0].host_is_ipv6);
	CHECK(!m.vias[0].has_rport);
	CHECK_SLICE(m.vias[0].branch, "z9hG4bK-c44-1");
	free(buf);
}

static void
test_corpus_049_053_056(void)
{
	size_t len;
	char *buf = corpus_read("049-missing-call-id-400/request.sip", &len);
	struct sip_msg m;

	/* Missing Call-ID: still everything a 400 needs. */
	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_NO_CALL_ID);
	CHECK_ABSENT(m.call_id);
	CHECK_INT(m.n_vias, 1);
	CHECK_SLICE(m.from.tag, "scscf-7f3ac49");
	CHECK_SLICE(m.to.tag, "as-91c2c49");
	CHECK(m.has_cseq);
	CHECK_INT(m.cseq, 1);
	CHECK_INT(m.body.len, 501);
	CHECK(strcmp(sip_err_str(m.err), "missing Call-ID header field") == 0);
	free(buf);

	buf = corpus_read("053-content-length-larger-than-body-400/request.sip", &len);
	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_BODY_TRUNCATED);
	CHECK_INT(m.content_length, 541);
	CHECK_SLICE(m.call_id, "regsub-c53@as.ims.example.net");
	CHECK_INT(m.n_vias, 1);
	CHECK(m.body.len < 541);
	free(buf);

	buf = corpus_read("056-no-content-length-udp/request.sip", &len);
	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_INT(m.content_length, -1);
	CHECK(m.body.p + m.body.len == buf + len);
	CHECK(memcmp(m.body.p, "<?xml", 5) == 0);
	free(buf);

	/* Empty body with Content-Length: 0 is present, not absent. */
	buf = corpus_read("013-terminated-timeout-empty-body-then-481/02.sip", &len);
	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK(rgl_slice_present(m.body));
	CHECK_INT(m.body.len, 0);
	CHECK_SLICE(m.subs_state_value, "terminated");
	CHECK_SLICE(m.subs_reason, "timeout");
	CHECK_INT(m.subs_expires, -1);
	CHECK_ABSENT(m.content_type);
	free(buf);
}

static void
test_corpus_015_retransmission(void)
{
	size_t l2, l4;
	char *b2 = corpus_read("015-udp-retransmission-same-branch/02.sip", &l2);
	char *b4 = corpus_read("015-udp-retransmission-same-branch/04.sip", &l4);
	struct sip_msg m2, m4;

	CHECK_INT(sip_parse(b2, l2, &m2), SIP_ERR_OK);
	CHECK_INT(sip_parse(b4, l4, &m4), SIP_ERR_OK);
	/* Same transaction key: branch, sent-by, method, CSeq. */
	CHECK_SLICE(m2.vias[0].branch, "z9hG4bK-r15-2");
	CHECK_SLICE(m4.vias[0].branch, "z9hG4bK-r15-2");
	CHECK(m2.vias[0].host.len == m4.vias[0].host.len &&
	      memcmp(m2.vias[0].host.p, m4.vias[0].host.p, m2.vias[0].host.len) == 0);
	CHECK_INT(m2.vias[0].port, m4.vias[0].port);
	CHECK_INT(m2.cseq, 2);
	CHECK_INT(m4.cseq, 2);
	CHECK_INT(m2.body.len, m4.body.len);
	free(b2);
	free(b4);
}

/* Cut a corpus request at every length; never crash, always a sensible code. */
static void
test_truncation(const char *name)
{
	size_t len, he, sl;
	char *buf = corpus_read(name, &len);
	struct sip_msg m;
	int bad = 0;

	he = header_end(buf, len);
	sl = (size_t)((const char *)memchr(buf, '\n', len) - buf);
	for (size_t k = 0; k <= len; k++) {
		enum sip_err err = parse_copy(buf, k, &m), want;

		if (k == 0)
			want = SIP_ERR_EMPTY;
		else if (k < he)
			want = SIP_ERR_NO_HEADER_END;
		else if (k < len && m.content_length >= 0)
			want = SIP_ERR_BODY_TRUNCATED;
		else
			want = SIP_ERR_OK;
		/* Within the start line an incomplete version is malformed. */
		if (k > 0 && k < sl - 1 && err == SIP_ERR_START_LINE)
			want = err;
		if (err != want) {
			if (bad++ < 5)
				fprintf(stderr, "  %s cut at %zu: %s\n", name, k, sip_err_str(err));
		}
		if (k >= he)
			CHECK_INT(m.n_vias, 1 + 2 * (strncmp(name, "042", 3) == 0));
	}
	CHECK_INT(bad, 0);
	free(buf);
}

/* The same request with bare LF line ends must parse the same way. */
static void
test_bare_lf(void)
{
	size_t len, n = 0;
	char *buf = corpus_read("042-multiple-via-rport/request.sip", &len);
	char *lf = malloc(len);
	struct sip_msg m;

	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\r')
			lf[n++] = buf[i];
	CHECK_INT(sip_parse(lf, n, &m), SIP_ERR_OK);
	CHECK_INT(m.n_headers, 12);
	CHECK_INT(m.n_vias, 3);
	CHECK_SLICE(m.vias[2].received_param, "received=192.0.2.21");
	CHECK_SLICE(m.call_id, "c42@as.ims.example.net");
	CHECK_INT(m.content_length, 501);
	CHECK_INT(m.body.len, 501);
	CHECK(memcmp(m.body.p, "<?xml", 5) == 0);
	free(lf);
	free(buf);

	/* Mixed: some lines CRLF, some LF, LF blank line, LF fold. */
	{
		const char *s = RL H_VIA "From: <sip:a@example.net>;tag=1\n"
				"To: <sip:b@example.net>\n  ;tag=2\n" H_CALLID
				"CSeq: 3 NOTIFY\n\nbody";

		CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
		CHECK_SLICE(m.to.tag, "2");
		CHECK_INT(m.cseq, 3);
		CHECK_SLICE(m.body, "body");
	}
}

/* -------------------------------------------------------- hand-written */

static void
test_folding(void)
{
	struct sip_msg m;
	const char *s = RL
		"Via: SIP/2.0/UDP 192.0.2.1:5060\r\n ;branch=z9hG4bK-fold\r\n"
		"Via: SIP/2.0/UDP\r\n\t198.51.100.7\r\n  :5080 ;rport\r\n"
		H_FROM H_TO H_CALLID H_CSEQ
		"Subscription-State: terminated;\r\n reason=probation;\r\n\tretry-after=30\r\n"
		"Subject: folded\r\n \r\n\r\n";

	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.n_vias, 2);
	CHECK_SLICE(m.vias[0].host, "192.0.2.1");
	CHECK_INT(m.vias[0].port, 5060);
	CHECK_SLICE(m.vias[0].branch, "z9hG4bK-fold");
	CHECK_SLICE(m.headers[0].value, "SIP/2.0/UDP 192.0.2.1:5060\r\n ;branch=z9hG4bK-fold");
	CHECK_SLICE(m.vias[1].host, "198.51.100.7");
	CHECK_INT(m.vias[1].port, 5080);
	CHECK(m.vias[1].has_rport);
	CHECK_SLICE(m.subs_state_value, "terminated");
	CHECK_SLICE(m.subs_reason, "probation");
	CHECK_INT(m.subs_retry_after, 30);
	CHECK_INT(m.subs_expires, -1);
	/* Trailing fold with nothing after it is trimmed from the value. */
	CHECK_SLICE(m.headers[m.n_headers - 1].value, "folded");
	CHECK_INT(m.n_headers, 8);
}

static void
test_ipv6(void)
{
	struct sip_msg m;
	const char *s = RL "Via: SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK-6;rport=5071"
			  ";received=2001:db8::99;maddr=[2001:db8::2]\r\n"
			  "Via: SIP/2.0/UDP [::ffff:192.0.2.1];branch=z9hG4bK-7\r\n"
			  "Via: SIP/2.0/UDP [::1]\r\n"
			  "Via: SIP/2.0/UDP [1:2:3:4:5:6:7:8]:1\r\n"
			  H_FROM H_TO H_CALLID H_CSEQ "\r\n";

	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.n_vias, 4);
	CHECK_SLICE(m.vias[0].host, "2001:db8::1");
	CHECK(m.vias[0].host_is_ipv6);
	CHECK(!m.vias[0].host_is_ipv4);
	CHECK_INT(m.vias[0].port, 5070);
	CHECK(m.vias[0].has_rport);
	CHECK_SLICE(m.vias[0].rport_value, "5071");
	CHECK_SLICE(m.vias[0].rport_param, "rport=5071");
	CHECK_SLICE(m.vias[0].received, "2001:db8::99");
	CHECK_SLICE(m.vias[0].received_param, "received=2001:db8::99");
	CHECK_SLICE(m.vias[0].maddr, "[2001:db8::2]");
	CHECK_SLICE(m.vias[1].host, "::ffff:192.0.2.1");
	CHECK(m.vias[1].host_is_ipv6);
	CHECK_INT(m.vias[1].port, 0);
	CHECK_SLICE(m.vias[2].host, "::1");
	CHECK_SLICE(m.vias[3].host, "1:2:3:4:5:6:7:8");
	CHECK_INT(m.vias[3].port, 1);

	static const char *const bad[] = {
		"[2001:db8::1::2]", "[2001:db8::1", "[]", "[12345::1]", "[1:2:3:4:5:6:7]",
		"[1:2:3:4:5:6:7:8:9]", "[::1:]", "[:1::2]", "[::g]", "[::1.2.3]",
		"[2001:db8::1]:0", "[2001:db8::1]:65536", "[2001:db8::1]x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), RL "Via: SIP/2.0/UDP %s;branch=z9hG4bK-x\r\n"
			 H_FROM H_TO H_CALLID H_CSEQ "\r\n", bad[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_VIA);
		CHECK_INT(g_msg.n_vias, 1);
	}
}

static void
test_via_forms(void)
{
	struct sip_msg m;
	const char *s = RL
		"v: SIP / 2.0 / UDP a.example.net ; branch = z9hG4bK1 ;x=\"a,b\" , "
		"SIP/2.0/TCP 192.0.2.2:5061;branch=z9hG4bK2;RPORT;Received=192.0.2.9,"
		"SIP/2.0/SCTP b.example.net:5060;branch=z9hG4bK3;maddr=239.1.1.1;ttl=1\r\n"
		"VIA: SIP/2.0/UDP 192.0.2.4;rport=5066;branch=z9hG4bK4\r\n"
		H_FROM H_TO H_CALLID H_CSEQ "\r\n";

	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.n_vias, 4);
	CHECK_SLICE(m.vias[0].value,
		    "SIP / 2.0 / UDP a.example.net ; branch = z9hG4bK1 ;x=\"a,b\"");
	CHECK_SLICE(m.vias[0].protocol, "SIP / 2.0 / UDP");
	CHECK_SLICE(m.vias[0].transport, "UDP");
	CHECK_SLICE(m.vias[0].host, "a.example.net");
	CHECK_SLICE(m.vias[0].branch, "z9hG4bK1");
	CHECK_SLICE(m.vias[1].transport, "TCP");
	CHECK_INT(m.vias[1].port, 5061);
	CHECK(m.vias[1].has_rport);
	CHECK_SLICE(m.vias[1].rport_param, "RPORT");
	CHECK_SLICE(m.vias[1].received, "192.0.2.9");
	CHECK_SLICE(m.vias[1].received_param, "Received=192.0.2.9");
	CHECK_SLICE(m.vias[2].maddr, "239.1.1.1");
	CHECK_SLICE(m.vias[2].transport, "SCTP");
	CHECK_SLICE(m.vias[3].rport_value, "5066");
	CHECK_SLICE(m.vias[3].branch, "z9hG4bK4");
	CHECK_INT(m.vias[3].port, 0);

	static const char *const bad[] = {
		"SIP/2.0/UDP",                     /* no sent-by */
		"SIP/2.0 192.0.2.1",               /* no transport */
		"SIP/2.0/UDP192.0.2.1",            /* no LWS */
		"SIP/2.0/UDP 192.0.2.1:99999",     /* port too large */
		"SIP/2.0/UDP 192.0.2.1:0",         /* port zero */
		"SIP/2.0/UDP 192.0.2.1:",          /* no port digits */
		"SIP/2.0/UDP 192.0.2.1;branch",    /* branch without value */
		"SIP/2.0/UDP 192.0.2.1;received",  /* received without value */
		"SIP/2.0/UDP 192.0.2.1;maddr",     /* maddr without value */
		"SIP/2.0/UDP 192.0.2.1;rport=x",   /* rport not a number */
		"SIP/2.0/UDP 192.0.2.1;rport=70000",
		"SIP/2.0/UDP 192.0.2.1;=x",        /* param without name */
		"SIP/2.0/UDP 192.0.2.1;x=\"open",  /* unterminated quote */
		"SIP/2.0/UDP 192.0.2.1 junk",      /* trailing garbage */
		"SIP/2.0/UDP 999.0.2.1",           /* dotted digits, not IPv4 */
		"SIP/2.0/UDP 1.2.3",
		"SIP/2.0/UDP a.example.net,",      /* empty element */
		"SIP/2.0/UDP a.example.net,,SIP/2.0/UDP b.example.net",
		"garbage",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), RL "Via: %s\r\n" H_FROM H_TO H_CALLID H_CSEQ "\r\n",
			 bad[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_VIA);
	}

	/* A bad Via is still recorded, in order, with the good ones. */
	s = RL H_VIA "Via: SIP/2.0/UDP 192.0.2.1:0\r\n" H_FROM H_TO H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_BAD_VIA);
	CHECK_INT(m.n_vias, 2);
	CHECK_SLICE(m.vias[1].value, "SIP/2.0/UDP 192.0.2.1:0");
	CHECK_SLICE(m.call_id, "c1@as.ims.example.net");
}

static void
test_nameaddr(void)
{
	struct sip_msg m;
	const char *s = RL H_VIA
		"From: \"Doe, \\\"JD\\\" John\" <sip:jd@example.net>;tag=a1;x=y\r\n"
		"To: Alice  Smith<sip:alice@example.net;transport=udp?x=1>\r\n"
		H_CALLID H_CSEQ "Contact: <sip:c1@example.net>;expires=5, <sip:c2@example.net>\r\n"
		"m: <sip:c3@example.net>\r\n\r\n";

	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.from.display, "\"Doe, \\\"JD\\\" John\"");
	CHECK_SLICE(m.from.uri, "sip:jd@example.net");
	CHECK_SLICE(m.from.tag, "a1");
	CHECK_SLICE(m.to.display, "Alice  Smith");
	CHECK_SLICE(m.to.uri, "sip:alice@example.net;transport=udp?x=1");
	CHECK_ABSENT(m.to.tag);
	CHECK_SLICE(m.contact, "<sip:c1@example.net>;expires=5, <sip:c2@example.net>");

	/* addr-spec: tag and other params belong to the header. */
	s = RL H_VIA "From: sip:a@example.net ; tag = x1 ;foo\r\n"
		"t: tel:+12025550101;tag=t-2\r\n" H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.from.uri, "sip:a@example.net");
	CHECK_SLICE(m.from.tag, "x1");
	CHECK_ABSENT(m.from.display);
	CHECK_SLICE(m.to.uri, "tel:+12025550101");
	CHECK_SLICE(m.to.tag, "t-2");

	/* UTF-8 display names, quoted and (leniently) unquoted. */
	s = RL H_VIA "From: \"J\xc3\xbcrgen\" <sip:j@example.net>;tag=1\r\n"
		"To: J\xc3\xbcrgen <sip:k@example.net>\r\n" H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.from.display, "\"J\xc3\xbcrgen\"");
	CHECK_SLICE(m.to.display, "J\xc3\xbcrgen");

	static const char *const bad[] = {
		"<sip:a@example.net",            /* no '>' */
		"\"open <sip:a@example.net>",    /* unterminated quote */
		"\"x\" sip:a@example.net",       /* quoted display without <> */
		"<sip:a@example.net>;tag",       /* tag without value */
		"<sip:a@example.net>;tag=\"q\"", /* tag not a token */
		"<>",
		"<nocolon>",
		"<:x>",
		"sip:",
		"foo",
		"<sip:a@example.net> junk",
		"sip:a@example.net <sip:b@example.net>",
		"sip:a@example.net>",
		"sip:a\"b@example.net",
		"<sip:a b@example.net>",
		"<sip:a@example.net\r\n >",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), RL H_VIA "From: %s\r\n" H_TO H_CALLID H_CSEQ "\r\n",
			 bad[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_FROM);
		snprintf(msg, sizeof(msg), RL H_VIA H_FROM "To: %s\r\n" H_CALLID H_CSEQ "\r\n",
			 bad[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_TO);
	}
}

static void
test_header_names(void)
{
	struct sip_msg m;
	const char *s = "NOTIFY sip:x@example.net SIP/2.0\r\n"
			"VIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-n\r\n"
			"from  : <sip:a@example.net>;tag=1\r\n"
			"TO\t:<sip:b@example.net>\r\n"
			"call-id:abc\r\n"
			"cSeQ : 1 NOTIFY\r\n"
			"MAX-FORWARDS: 0\r\n"
			"o: reg;id=7\r\n"
			"u: reg, presence\r\n"
			"k: 100rel\r\n"
			"s: hello\r\n"
			"e: gzip\r\n"
			"C: application/reginfo+xml;charset=UTF-8\r\n"
			"L: 4\r\n"
			"X-Custom-Header: x\r\n"
			"\r\nbodyEXTRA";

	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.headers[1].name, "from");
	CHECK_INT(m.headers[1].id, SIP_HDR_FROM);
	CHECK_SLICE(m.headers[2].name, "TO");
	CHECK_INT(m.headers[2].id, SIP_HDR_TO);
	CHECK_SLICE(m.headers[2].value, "<sip:b@example.net>");
	CHECK_SLICE(m.call_id, "abc");
	CHECK_INT(m.cseq, 1);
	CHECK_INT(m.max_forwards, 0);
	CHECK_SLICE(m.event_type, "reg");
	CHECK_SLICE(m.event_id, "7");
	CHECK_INT(m.headers[7].id, SIP_HDR_ALLOW_EVENTS);
	CHECK_INT(m.headers[8].id, SIP_HDR_SUPPORTED);
	CHECK_INT(m.headers[9].id, SIP_HDR_SUBJECT);
	CHECK_SLICE(m.content_encoding, "gzip");
	CHECK_SLICE(m.content_type_type, "application");
	CHECK_SLICE(m.content_type_sub, "reginfo+xml");
	CHECK_SLICE(m.content_type_params, "charset=UTF-8");
	CHECK_INT(m.headers[13].id, SIP_HDR_OTHER);
	/* Content-Length smaller than the rest: extra bytes discarded. */
	CHECK_INT(m.content_length, 4);
	CHECK_SLICE(m.body, "body");

	/* sip_header_id(): every long and compact name, any case. */
	static const struct {
		const char *name;
		enum sip_hdr id;
	} names[] = {
		{ "Via", SIP_HDR_VIA }, { "v", SIP_HDR_VIA }, { "V", SIP_HDR_VIA },
		{ "From", SIP_HDR_FROM }, { "f", SIP_HDR_FROM },
		{ "To", SIP_HDR_TO }, { "t", SIP_HDR_TO },
		{ "Call-ID", SIP_HDR_CALL_ID }, { "i", SIP_HDR_CALL_ID },
		{ "CSeq", SIP_HDR_CSEQ },
		{ "Max-Forwards", SIP_HDR_MAX_FORWARDS },
		{ "Event", SIP_HDR_EVENT }, { "o", SIP_HDR_EVENT },
		{ "Subscription-State", SIP_HDR_SUBSCRIPTION_STATE },
		{ "Content-Type", SIP_HDR_CONTENT_TYPE }, { "c", SIP_HDR_CONTENT_TYPE },
		{ "Content-Encoding", SIP_HDR_CONTENT_ENCODING }, { "e", SIP_HDR_CONTENT_ENCODING },
		{ "Content-Length", SIP_HDR_CONTENT_LENGTH }, { "l", SIP_HDR_CONTENT_LENGTH },
		{ "Require", SIP_HDR_REQUIRE },
		{ "Contact", SIP_HDR_CONTACT }, { "m", SIP_HDR_CONTACT },
		{ "Allow-Events", SIP_HDR_ALLOW_EVENTS }, { "u", SIP_HDR_ALLOW_EVENTS },
		{ "Supported", SIP_HDR_SUPPORTED }, { "k", SIP_HDR_SUPPORTED },
		{ "Subject", SIP_HDR_SUBJECT }, { "s", SIP_HDR_SUBJECT },
		{ "CONTENT-LENGTH", SIP_HDR_CONTENT_LENGTH },
		{ "sUbScRiPtIoN-sTaTe", SIP_HDR_SUBSCRIPTION_STATE },
		{ "Vias", SIP_HDR_OTHER }, { "x", SIP_HDR_OTHER }, { "", SIP_HDR_OTHER },
		{ "Content_Length", SIP_HDR_OTHER }, { "Content\rLength", SIP_HDR_OTHER },
		{ "Call-IDx", SIP_HDR_OTHER }, { "Allow", SIP_HDR_OTHER },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_INT(sip_header_id(names[i].name, strlen(names[i].name)), names[i].id);
	CHECK_INT(sip_header_id(NULL, 0), SIP_HDR_OTHER);
}

static void
test_start_line(void)
{
	struct sip_msg m;
	const char *s;

	/* Responses are recognised (and then dropped by the caller). */
	s = "SIP/2.0 200 OK\r\n" H_VIA H_FROM H_TO H_CALLID
	    "CSeq: 7 NOTIFY\r\nContent-Length: 0\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.kind, SIP_KIND_RESPONSE);
	CHECK_INT(m.status, 200);
	CHECK(m.version_ok);
	CHECK_SLICE(m.version, "SIP/2.0");
	CHECK_ABSENT(m.method_name);
	CHECK_INT(m.n_vias, 1);

	s = "SIP/2.0 481 Subscription does not exist\r\n" H_VIA H_FROM H_TO H_CALLID
	    "CSeq: 7 SUBSCRIBE\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.kind, SIP_KIND_RESPONSE);
	CHECK_INT(m.status, 481);

	s = "SIP/2.0 100\r\n" H_VIA H_FROM H_TO H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.status, 100);

	/* SIP/3.0: not an error, version_ok false, everything else parsed. */
	s = "NOTIFY sip:as@example.net SIP/3.0\r\n" H_VIA H_FROM H_TO H_CALLID H_CSEQ H_REST "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK(!m.version_ok);
	CHECK_SLICE(m.version, "SIP/3.0");
	CHECK_INT(m.kind, SIP_KIND_REQUEST);
	CHECK_INT(m.method, SIP_METHOD_NOTIFY);
	CHECK_INT(m.n_vias, 1);
	CHECK_SLICE(m.call_id, "c1@as.ims.example.net");
	CHECK_SLICE(m.event_type, "reg");

	s = "SIP/3.0 200 OK\r\n" H_VIA H_FROM H_TO H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK(!m.version_ok);
	CHECK_INT(m.kind, SIP_KIND_RESPONSE);

	/* "SIP" is case-insensitive (RFC 3261 7.1); the number is not 2.0 here. */
	s = "NOTIFY sip:as@example.net sip/2.0\r\n" H_VIA H_FROM H_TO H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK(m.version_ok);
	s = "NOTIFY sip:as@example.net SIP/2.00\r\n" H_VIA H_FROM H_TO H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK(!m.version_ok);

	/* Other methods; CSeq must match the request method. */
	s = "OPTIONS sip:as@example.net SIP/2.0\r\n" H_VIA H_FROM H_TO H_CALLID
	    "CSeq: 1 OPTIONS\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.method, SIP_METHOD_OPTIONS);
	s = "MESSAGE sip:as@example.net SIP/2.0\r\n" H_VIA H_FROM H_TO H_CALLID
	    "CSeq: 1 MESSAGE\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.method, SIP_METHOD_OTHER);
	CHECK_SLICE(m.method_name, "MESSAGE");
	s = "notify sip:as@example.net SIP/2.0\r\n" H_VIA H_FROM H_TO H_CALLID
	    "CSeq: 1 notify\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.method, SIP_METHOD_OTHER); /* methods are case-sensitive */

	/* Leading CRLFs are skipped; a CRLF keep-alive alone is empty. */
	s = "\r\n\r\n" BASE "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.method_name, "NOTIFY");
	EXPECT_ERR("\r\n\r\n", SIP_ERR_EMPTY);
	CHECK_INT(parse_copy("", 0, &m), SIP_ERR_EMPTY);

	/* Extra white space between the elements is tolerated. */
	s = "NOTIFY  sip:as@example.net\tSIP/2.0 \r\n" H_VIA H_FROM H_TO H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.ruri, "sip:as@example.net");
	CHECK_SLICE(m.version, "SIP/2.0");

	static const char *const bad[] = {
		"GARBAGE",
		"NOTIFY",
		"NOTIFY sip:x",
		"NOTIFY sip:x ",
		"NOTIFY sip:x SIP/2.0 extra",
		"NOTIFY sip:x HTTP/1.1",
		"NOTIFY sip:x SIP/2",
		"NOTIFY sip:x SIP/.0",
		"NOTIFY sip:x SIP/2.",
		"NOT<FY sip:x SIP/2.0",
		" NOTIFY sip:x SIP/2.0",
		"NOTIFY sip:\x01 SIP/2.0",
		"GET / HTTP/1.1",
		"SIP/2.0",
		"SIP/2.0 20 OK",
		"SIP/2.0 2000 OK",
		"SIP/2.0 099 Low",
		"SIP/2.0 700 High",
		"SIP/2.0 abc OK",
		"SIP/2.0 200OK",
		"SIP/x.0 200 OK",
		"\x80\x81\x82",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s\r\n" H_VIA H_FROM H_TO H_CALLID H_CSEQ "\r\n",
			 bad[i]);
		EXPECT_ERR(msg, SIP_ERR_START_LINE);
	}
	/* A start line with no line end at all. */
	EXPECT_ERR("NOTIFY sip:x SIP/2.0", SIP_ERR_NO_HEADER_END);
}

static void
test_fields(void)
{
	struct sip_msg m;
	const char *s = RL H_VIA H_FROM H_TO H_CALLID
		"CSeq: 2147483647   NOTIFY\r\n"
		"Event: reg ; id=\"abc\" ; foo=bar\r\n"
		"Subscription-State: active;expires=0;retry-after=4294967295;reason=giveup;x\r\n"
		"Require: 100rel, gruu ,\r\n precondition\r\n"
		"Require: sec-agree\r\n"
		"Content-Encoding: identity\r\n"
		"Content-Encoding: gzip\r\n"
		"Content-Type: Application / RegInfo+XML ; charset=\"utf-8\"\r\n"
		"Content-Length: 0\r\n\r\n";

	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_INT(m.cseq, 2147483647);
	CHECK_SLICE(m.cseq_method, "NOTIFY");
	CHECK_SLICE(m.event, "reg ; id=\"abc\" ; foo=bar");
	CHECK_SLICE(m.event_type, "reg");
	CHECK_SLICE(m.event_id, "\"abc\"");
	CHECK_INT(m.subs_expires, 0);
	CHECK_INT(m.subs_retry_after, 4294967295LL);
	CHECK_SLICE(m.subs_reason, "giveup");
	CHECK_INT(m.n_require, 4);
	CHECK_SLICE(m.require[0], "100rel");
	CHECK_SLICE(m.require[1], "gruu");
	CHECK_SLICE(m.require[2], "precondition");
	CHECK_SLICE(m.require[3], "sec-agree");
	CHECK_SLICE(m.content_encoding, "identity"); /* the first header */
	CHECK_SLICE(m.content_type_type, "Application");
	CHECK_SLICE(m.content_type_sub, "RegInfo+XML");
	CHECK_SLICE(m.content_type_params, "charset=\"utf-8\"");
	CHECK_INT(m.content_length, 0);
	CHECK_INT(m.body.len, 0);
	CHECK_INT(m.max_forwards, -1); /* absent is tolerated */

	/* No Content-Length: the body runs to the end of the datagram. */
	s = BASE "\r\nabc\r\ndef";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.body, "abc\r\ndef");
	s = BASE "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK(rgl_slice_present(m.body));
	CHECK_INT(m.body.len, 0);

	/* The exact body: the blank line is not part of it. */
	s = BASE "l:3\r\n\r\n\r\nX";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.body, "\r\nX");

	/* The first of repeated Event / Subscription-State / Max-Forwards wins. */
	s = RL H_VIA H_FROM H_TO H_CALLID H_CSEQ "Event: reg\r\nEvent: presence\r\n"
		"Max-Forwards: 5\r\nMax-Forwards: 6\r\n"
		"Subscription-State: pending\r\nSubscription-State: active\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_OK);
	CHECK_SLICE(m.event_type, "reg");
	CHECK_INT(m.max_forwards, 5);
	CHECK_SLICE(m.subs_state_value, "pending");
}

/* Build a request from the base and one line substituted/added. */
static void
expect_with(const char *extra, enum sip_err want)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), BASE "%s\r\n\r\n", extra);
	EXPECT_ERR(msg, want);
}

static void
test_errors(void)
{
	struct sip_msg m;
	const char *s;

	/* Missing mandatory headers, each alone. */
	EXPECT_ERR(RL H_FROM H_TO H_CALLID H_CSEQ "\r\n", SIP_ERR_NO_VIA);
	EXPECT_ERR(RL H_VIA H_TO H_CALLID H_CSEQ "\r\n", SIP_ERR_NO_FROM);
	EXPECT_ERR(RL H_VIA H_FROM H_CALLID H_CSEQ "\r\n", SIP_ERR_NO_TO);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CSEQ "\r\n", SIP_ERR_NO_CALL_ID);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID "\r\n", SIP_ERR_NO_CSEQ);
	/* No Via is reported before the others: nowhere to answer. */
	EXPECT_ERR(RL "\r\n", SIP_ERR_NO_VIA);

	/* Bad values. */
	expect_with("Call-ID: two words", SIP_ERR_DUPLICATE_HEADER);
	EXPECT_ERR(RL H_VIA H_FROM H_TO "Call-ID: two words\r\n" H_CSEQ "\r\n",
		   SIP_ERR_BAD_CALL_ID);
	EXPECT_ERR(RL H_VIA H_FROM H_TO "Call-ID:\r\n" H_CSEQ "\r\n", SIP_ERR_BAD_CALL_ID);
	EXPECT_ERR(RL H_VIA H_FROM H_TO "Call-ID: a@\r\n" H_CSEQ "\r\n", SIP_ERR_BAD_CALL_ID);
	EXPECT_ERR(RL H_VIA H_FROM H_TO "Call-ID: a@b@c\r\n" H_CSEQ "\r\n", SIP_ERR_BAD_CALL_ID);
	EXPECT_ERR(RL H_VIA H_FROM H_TO "Call-ID: \xc3\xa9t\xc3\xa9\r\n" H_CSEQ "\r\n",
		   SIP_ERR_BAD_CALL_ID);
	static const char *const bad_cseq[] = {
		"NOTIFY", "1", "1NOTIFY", "x NOTIFY", "2147483648 NOTIFY",
		"99999999999999999999999 NOTIFY", "-1 NOTIFY", "1 NOTIFY x", "",
	};
	for (size_t i = 0; i < sizeof(bad_cseq) / sizeof(bad_cseq[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), RL H_VIA H_FROM H_TO H_CALLID "CSeq: %s\r\n\r\n",
			 bad_cseq[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_CSEQ);
		CHECK(!g_msg.has_cseq);
	}
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID "CSeq: 0 NOTIFY\r\n\r\n", SIP_ERR_OK);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID "CSeq: 1 INVITE\r\n\r\n", SIP_ERR_CSEQ_METHOD);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID "CSeq: 1 notify\r\n\r\n", SIP_ERR_CSEQ_METHOD);

	expect_with("Content-Length: abc", SIP_ERR_BAD_CONTENT_LENGTH);
	expect_with("Content-Length: -1", SIP_ERR_BAD_CONTENT_LENGTH);
	expect_with("Content-Length: 1 2", SIP_ERR_BAD_CONTENT_LENGTH);
	expect_with("Content-Length:", SIP_ERR_BAD_CONTENT_LENGTH);
	expect_with("l: 4294967296", SIP_ERR_BAD_CONTENT_LENGTH);
	expect_with("l: 4294967295", SIP_ERR_BODY_TRUNCATED);
	expect_with("l: 1", SIP_ERR_BODY_TRUNCATED);
	/* A second Max-Forwards is not looked at (BASE has one). */
	expect_with("Max-Forwards: 256", SIP_ERR_OK);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID H_CSEQ "Max-Forwards: 256\r\n\r\n",
		   SIP_ERR_BAD_MAX_FORWARDS);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID H_CSEQ "Max-Forwards: x\r\n\r\n",
		   SIP_ERR_BAD_MAX_FORWARDS);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID H_CSEQ "Event: ;id=1\r\n\r\n", SIP_ERR_BAD_EVENT);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID H_CSEQ "Event: reg;id\r\n\r\n", SIP_ERR_BAD_EVENT);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID H_CSEQ "Event: reg x\r\n\r\n", SIP_ERR_BAD_EVENT);
	EXPECT_ERR(RL H_VIA H_FROM H_TO H_CALLID H_CSEQ "o:\r\n\r\n", SIP_ERR_BAD_EVENT);
	static const char *const bad_ss[] = {
		"", ";expires=1", "active;expires=abc", "active;expires", "active;expires=-1",
		"active;retry-after=4294967296", "terminated;reason", "terminated;reason=\"x\"",
		"active junk", "active;",
	};
	for (size_t i = 0; i < sizeof(bad_ss) / sizeof(bad_ss[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), RL H_VIA H_FROM H_TO H_CALLID H_CSEQ
			 "Subscription-State: %s\r\n\r\n", bad_ss[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_SUBSCRIPTION_STATE);
	}
	static const char *const bad_ct[] = {
		"", "application", "application/", "/xml", "application/xml;charset",
		"application/xml junk", "application xml",
	};
	for (size_t i = 0; i < sizeof(bad_ct) / sizeof(bad_ct[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), BASE "Content-Type: %s\r\n\r\n", bad_ct[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_CONTENT_TYPE);
	}

	/* Require: more than SIP_MAX_REQUIRE tags across headers. */
	expect_with("Require: a,b,c,d,e\r\nRequire: f,g,h", SIP_ERR_OK);
	CHECK_INT(g_msg.n_require, 8);
	expect_with("Require: a,b,c,d,e\r\nRequire: f,g,h,i", SIP_ERR_TOO_MANY_REQUIRE);
	CHECK_INT(g_msg.n_require, 8);
	/* ... and the parse goes on after it. */
	s = RL H_VIA "Require: 1,2,3,4,5,6,7,8,9\r\n" H_FROM H_TO H_CALLID H_CSEQ "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_TOO_MANY_REQUIRE);
	CHECK_SLICE(m.to.tag, "t1");
	CHECK(m.has_cseq);

	/* Duplicates of single-instance headers, long and compact. */
	expect_with("f: <sip:x@example.net>;tag=2", SIP_ERR_DUPLICATE_HEADER);
	expect_with("To: <sip:x@example.net>", SIP_ERR_DUPLICATE_HEADER);
	expect_with("i: other@example.net", SIP_ERR_DUPLICATE_HEADER);
	expect_with("CSeq: 7 NOTIFY", SIP_ERR_DUPLICATE_HEADER);
	expect_with("l: 0\r\nContent-Length: 0", SIP_ERR_DUPLICATE_HEADER);
	expect_with("c: text/plain\r\nContent-Type: text/plain", SIP_ERR_DUPLICATE_HEADER);
	/* The first one is kept. */
	s = BASE "From: <sip:dup@example.net>;tag=2\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_DUPLICATE_HEADER);
	CHECK_SLICE(m.from.tag, "f1");
	/* Several Vias, Requires, Contacts are fine. */
	expect_with("Via: SIP/2.0/UDP 192.0.2.3\r\nContact: <sip:a@b>\r\nm: <sip:c@d>", SIP_ERR_OK);

	/* Header syntax: no colon, bad name, leading white space. */
	EXPECT_ERR(RL H_VIA "NoColonHere\r\n" H_FROM "\r\n", SIP_ERR_HEADER_SYNTAX);
	EXPECT_ERR(RL H_VIA "Bad Name: x\r\n\r\n", SIP_ERR_HEADER_SYNTAX);
	EXPECT_ERR(RL H_VIA ": novalue\r\n\r\n", SIP_ERR_HEADER_SYNTAX);
	EXPECT_ERR(RL H_VIA "Na<me: x\r\n\r\n", SIP_ERR_HEADER_SYNTAX);
	EXPECT_ERR(RL " Via: SIP/2.0/UDP 192.0.2.1\r\n\r\n", SIP_ERR_HEADER_SYNTAX);
	EXPECT_ERR(RL "\rVia: SIP/2.0/UDP 192.0.2.1\r\n\r\n", SIP_ERR_HEADER_SYNTAX);
	/* The parse stops there, keeping what came before. */
	s = RL H_VIA H_FROM "oops\r\n" H_TO "\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_HEADER_SYNTAX);
	CHECK_INT(m.n_vias, 1);
	CHECK_SLICE(m.from.tag, "f1");
	CHECK_ABSENT(m.to.value);
	CHECK_ABSENT(m.body);

	/* No end of the header block. */
	EXPECT_ERR(BASE, SIP_ERR_NO_HEADER_END);
	EXPECT_ERR(BASE "\r", SIP_ERR_NO_HEADER_END);
	EXPECT_ERR(BASE "Subject: x", SIP_ERR_NO_HEADER_END);
	EXPECT_ERR(RL, SIP_ERR_NO_HEADER_END);

	/* First problem wins; the rest is still filled. */
	s = RL H_VIA "From: garbage\r\n" H_TO "CSeq: 1 INVITE\r\n\r\n";
	CHECK_INT(parse_str(s, &m), SIP_ERR_BAD_FROM);
	CHECK_SLICE(m.from.value, "garbage");
	CHECK_SLICE(m.to.tag, "t1");
	CHECK_SLICE(m.cseq_method, "INVITE");
	CHECK_ABSENT(m.call_id);
	s = RL "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1\r\n"
		"CSeq: 9 INVITE\r\n" H_FROM H_TO H_CALLID "Content-Length: 99\r\n\r\nshort";
	CHECK_INT(parse_str(s, &m), SIP_ERR_CSEQ_METHOD);
	CHECK_INT(m.content_length, 99);
	CHECK_SLICE(m.call_id, "c1@as.ims.example.net");
}

static void
test_limits(void)
{
	static char msg[80000];
	struct sip_msg m;
	size_t n;

	/* 64 header lines pass, 65 do not. */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)snprintf(msg, sizeof(msg), "%s", RL H_VIA H_FROM H_TO H_CALLID H_CSEQ);
		for (int i = 0; i < SIP_MAX_HEADERS - 5 + extra; i++)
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "X-H%d: %d\r\n", i, i);
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n");
		CHECK_INT(parse_copy(msg, n, &m),
			  extra ? SIP_ERR_TOO_MANY_HEADERS : SIP_ERR_OK);
		CHECK_INT(m.n_headers, SIP_MAX_HEADERS);
	}

	/* 16 Vias pass, 17 do not (lines or comma lists alike). */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)snprintf(msg, sizeof(msg), "%s", RL);
		for (int i = 0; i < SIP_MAX_VIAS + extra; i++)
			n += (size_t)snprintf(msg + n, sizeof(msg) - n,
					      "Via: SIP/2.0/UDP 192.0.2.%d;branch=z9hG4bK%d\r\n",
					      i + 1, i);
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, H_FROM H_TO H_CALLID H_CSEQ "\r\n");
		CHECK_INT(parse_copy(msg, n, &m), extra ? SIP_ERR_TOO_MANY_VIAS : SIP_ERR_OK);
		CHECK_INT(m.n_vias, SIP_MAX_VIAS);
	}
	n = (size_t)snprintf(msg, sizeof(msg), "%s", RL "Via: ");
	for (int i = 0; i < SIP_MAX_VIAS + 1; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%sSIP/2.0/UDP h%d.example.net",
				      i ? ", " : "", i);
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n" H_FROM H_TO H_CALLID H_CSEQ "\r\n");
	CHECK_INT(parse_copy(msg, n, &m), SIP_ERR_TOO_MANY_VIAS);

	/* One header of exactly SIP_MAX_HEADER_LEN bytes passes; one more fails;
	 * a 5000-byte header fails; folds count. */
	for (int len = SIP_MAX_HEADER_LEN; len <= SIP_MAX_HEADER_LEN + 1; len++) {
		n = (size_t)snprintf(msg, sizeof(msg), "%s", BASE "Subject: ");
		memset(msg + n, 'a', (size_t)len - 9);
		n += (size_t)len - 9;
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n\r\n");
		CHECK_INT(parse_copy(msg, n, &m),
			  len > SIP_MAX_HEADER_LEN ? SIP_ERR_HEADER_TOO_LONG : SIP_ERR_OK);
	}
	n = (size_t)snprintf(msg, sizeof(msg), "%s", BASE "Subject: ");
	memset(msg + n, 'b', 5000);
	n += 5000;
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n\r\n");
	CHECK_INT(parse_copy(msg, n, &m), SIP_ERR_HEADER_TOO_LONG);
	CHECK_INT(sip_parse(msg, n, &m), SIP_ERR_HEADER_TOO_LONG);
	CHECK_INT(m.n_vias, 1);
	CHECK_SLICE(m.call_id, "c1@as.ims.example.net");
	/* ... also when the datagram ends inside it. */
	CHECK_INT(parse_copy(msg, n - 4, &m), SIP_ERR_HEADER_TOO_LONG);

	n = (size_t)snprintf(msg, sizeof(msg), "%s", BASE "Subject: x");
	for (int i = 0; i < 1100; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n y");
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n\r\n");
	CHECK_INT(parse_copy(msg, n, &m), SIP_ERR_HEADER_TOO_LONG);
	/* Folds that keep the header at the limit are fine. */
	n = (size_t)snprintf(msg, sizeof(msg), "%s", BASE "Subject: x");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n y");
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\r\n\r\n");
	CHECK_INT(parse_copy(msg, n, &m), SIP_ERR_OK);
	CHECK_INT(m.headers[m.n_headers - 1].value.len, 1 + 1000 * 4);
}

static void
test_err_str(void)
{
	for (int e = 0; e < SIP_ERR__COUNT; e++) {
		const char *s = sip_err_str((enum sip_err)e);

		CHECK(s != NULL && s[0] != '\0');
		for (int f = 0; f < e; f++)
			CHECK(strcmp(s, sip_err_str((enum sip_err)f)) != 0);
	}
	CHECK(strcmp(sip_err_str(SIP_ERR_OK), "ok") == 0);
	CHECK(strcmp(sip_err_str(SIP_ERR__COUNT), "unknown error") == 0);
	CHECK(strcmp(sip_err_str((enum sip_err)-1), "unknown error") == 0);
}

/* Every error code must have been produced by some test above. */
static void
test_every_code_seen(void)
{
	for (int e = 0; e < SIP_ERR__COUNT; e++) {
		if (!err_seen[e])
			fprintf(stderr, "  no test produced %s\n", sip_err_str((enum sip_err)e));
		CHECK(err_seen[e]);
	}
}

static void test_bad_nameaddr_cleared(void);

int
main(void)
{
	test_bad_nameaddr_cleared();
	test_corpus_all();
	test_corpus_001_002();
	test_corpus_024();
	test_corpus_040_compact();
	test_corpus_042_vias();
	test_corpus_044_fqdn();
	test_corpus_049_053_056();
	test_corpus_015_retransmission();
	test_truncation("042-multiple-via-rport/request.sip");
	test_truncation("040-compact-header-forms/request.sip");
	test_truncation("056-no-content-length-udp/request.sip");
	test_truncation("024-kamailio-scscf-two-devices/request.sip");
	test_bare_lf();
	test_folding();
	test_ipv6();
	test_via_forms();
	test_nameaddr();
	test_header_names();
	test_start_line();
	test_fields();
	test_errors();
	test_limits();
	test_err_str();
	test_every_code_seen();
	return check_exit();
}

/*
 * Audit (rulebook 052): an unreadable To leaves no half-parsed fields
 * (From keeps its raw value; nothing is added to it). The reply builder adds a To tag when to.value is set and to.tag is
 * not; a To like "sip:a@b>;tag=x" once kept its value without its tag, so
 * the 400 carried two tags.
 */
static void
test_bad_nameaddr_cleared(void)
{
	static const char *const bad[] = {
		"sip:cpm-as@as.ims.example.net>;tag=t1",
		"<sip:cpm-as@as.ims.example.net;tag=t1",
		"\"open <sip:cpm-as@as.ims.example.net>;tag=t1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), RL H_VIA H_FROM "To: %s\r\n" H_CALLID H_CSEQ "\r\n",
			 bad[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_TO);
		CHECK(g_msg.to.value.p == NULL);
		CHECK(g_msg.to.tag.p == NULL);
		CHECK(g_msg.from.value.p != NULL);
		snprintf(msg, sizeof(msg), RL H_VIA "From: %s\r\n" H_TO H_CALLID H_CSEQ "\r\n",
			 bad[i]);
		EXPECT_ERR(msg, SIP_ERR_BAD_FROM);
		CHECK(g_msg.to.tag.p != NULL);
	}
}
