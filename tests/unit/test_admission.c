/* SPDX-License-Identifier: MIT */
/*
 * Admission phases A-C: every corpus datagram with the answer its
 * expect.json gives, then a hand-made request for every verdict and for
 * the order between checks (SEMANTICS.md 1.2).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/admission.h>
#include <reglane/config.h>
#include <reglane/sip.h>
#include <reglane/sip_reply.h>
#include <reglane/stats.h>
#include <reglane/txn_cache.h>

#include "check.h"

#define CORPUS "../data/corpus/"

static struct sip_endpoint
ep(const char *ip, uint16_t port)
{
	struct sip_endpoint e;

	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, ip, e.addr) == 1) {
		e.family = 4;
	} else if (inet_pton(AF_INET6, ip, e.addr) == 1) {
		e.family = 6;
	} else {
		fprintf(stderr, "bad test address %s\n", ip);
		exit(2);
	}
	e.port = port;
	return e;
}

static unsigned seen_verdicts[RGL_V__COUNT];

/* Phases in the worker's order, the table's dialog check assumed to pass. */
static enum admit_verdict
run_phases(const struct admit_ctx *ctx, const struct sip_msg *m, const struct sip_endpoint *src,
	   struct sip_reply_opts *o)
{
	enum admit_verdict v = admit_phase_a(ctx, m, src, o);

	if (v == RGL_V_CONTINUE)
		v = admit_phase_b(ctx, m, o);
	if (v == RGL_V_CONTINUE)
		v = admit_phase_c(ctx, m, o);
	seen_verdicts[v]++;
	return v;
}

static enum admit_verdict
run_text(const struct admit_ctx *ctx, const char *text, const char *src_ip, struct sip_msg *m,
	 struct sip_reply_opts *o)
{
	struct sip_endpoint src = ep(src_ip, 5060);

	sip_parse(text, strlen(text), m);
	return run_phases(ctx, m, &src, o);
}

/* ---- corpus ------------------------------------------------------------- */

struct corpus_step {
	const char *file;
	const char *src;           /* steps[i].src address (port irrelevant here) */
	enum admit_verdict verdict; /* first decisive verdict of phases A-C */
	unsigned status;           /* steps[i].response.status in expect.json */
	const char *later;         /* who turns an ACCEPT_* into the status */
};

static const struct corpus_step corpus[] = {
	{ "001-rfc3680-s5.3-full-example/request.sip", "192.0.2.19", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "002-rfc3680-s6-callflow-init-then-partial/01.sip", "192.0.2.19", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "002-rfc3680-s6-callflow-init-then-partial/02.sip", "192.0.2.19", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "004-partial-adds-secondary-device/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "004-partial-adds-secondary-device/02.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "005-refreshed-then-shortened/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "005-refreshed-then-shortened/02.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "005-refreshed-then-shortened/03.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "007-stale-version-discarded/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "007-stale-version-discarded/02.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "007-stale-version-discarded/03.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "stale, still 200" },
	{ "009-version-gap-then-full-resync/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "009-version-gap-then-full-resync/02.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "gap, 200" },
	{ "009-version-gap-then-full-resync/03.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "010-full-state-drops-unlisted-registration/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "010-full-state-drops-unlisted-registration/02.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "013-terminated-timeout-empty-body-then-481/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "013-terminated-timeout-empty-body-then-481/02.sip", "192.0.2.20", RGL_V_ACCEPT_EMPTY, 200, "terminates the subscription" },
	/* Phases A-C pass; the table's dialog check (step 7) answers 481. */
	{ "013-terminated-timeout-empty-body-then-481/03.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 481, "table: subscription terminated" },
	{ "015-udp-retransmission-same-branch/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "015-udp-retransmission-same-branch/02.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "015-udp-retransmission-same-branch/03.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	/* 04 is answered from the transaction cache (test_txn_cache); as a new
	 * request it would pass A-C and get 500 from the CSeq check. */
	{ "015-udp-retransmission-same-branch/04.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "txn cache replay" },
	{ "020-rfc5628-implicit-registration-gruu/request.sip", "192.0.2.53", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "024-kamailio-scscf-two-devices/request.sip", "172.18.0.24", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "032-primary-phone-tablet-pc/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "040-compact-header-forms/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "042-multiple-via-rport/request.sip", "192.0.2.30", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "044-fqdn-via-no-rport-port-5060/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "046-wrong-content-type-415/request.sip", "192.0.2.20", RGL_V_REPLY_415_TYPE, 415, NULL },
	{ "047-wrong-event-489/request.sip", "192.0.2.20", RGL_V_REPLY_489_EVENT, 489, NULL },
	{ "049-missing-call-id-400/request.sip", "192.0.2.20", RGL_V_REPLY_400_MALFORMED, 400, NULL },
	{ "053-content-length-larger-than-body-400/request.sip", "192.0.2.20", RGL_V_REPLY_400_MALFORMED, 400, NULL },
	{ "056-no-content-length-udp/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	/* Well-framed SIP; the reginfo parser rejects the bodies (step 13). */
	{ "057-truncated-xml-400/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 400, "reginfo: not well-formed" },
	{ "058-billion-laughs-400/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 400, "reginfo: DTD" },
	{ "062-namespace-prefixed-elements/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "066-missing-required-attributes-skipped/request.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "076-empty-body-active-no-change/01.sip", "192.0.2.20", RGL_V_ACCEPT_BODY, 200, "applied" },
	{ "076-empty-body-active-no-change/02.sip", "192.0.2.20", RGL_V_ACCEPT_EMPTY, 200, "no change" },
};

static void
test_corpus(void)
{
	struct reglane_config cfg;
	struct admit_ctx ctx;

	config_defaults(&cfg);
	/* Every corpus source is one of the notifiers: trust them explicitly. */
	CHECK_INT(config_parse_prefix("192.0.2.0/24", &cfg.trust[0]), 0);
	CHECK_INT(config_parse_prefix("172.18.0.0/16", &cfg.trust[1]), 0);
	cfg.n_trust = 2;
	admit_ctx_init(&ctx, &cfg, 0x1234);

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct corpus_step *s = &corpus[i];
		char path[256];
		struct sip_msg *m = malloc(sizeof(*m));
		struct sip_reply_opts o;
		struct sip_endpoint src = ep(s->src, 5060);
		enum admit_verdict v;
		unsigned st;
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), CORPUS "%s", s->file);
		buf = check_read_file(path, &len);
		sip_parse(buf, len, m);
		v = run_phases(&ctx, m, &src, &o);
		if (v != s->verdict)
			fprintf(stderr, "corpus %s: verdict %s, expected %s\n", s->file,
				admit_verdict_name(v), admit_verdict_name(s->verdict));
		CHECK_INT(v, s->verdict);
		st = admit_verdict_status(v);
		/* A REPLY_* verdict is the corpus answer itself; ACCEPT_* are
		 * answered by a later step named in the table. */
		if (st != 0)
			CHECK_INT(st, s->status);
		else
			CHECK(s->later != NULL);
		CHECK_INT(o.tag_secret, 0x1234);
		if (v == RGL_V_REPLY_415_TYPE)
			CHECK_INT(o.accept, SIP_REPLY_ACCEPT_TYPE);
		if (v == RGL_V_REPLY_400_MALFORMED)
			CHECK(o.reason != NULL && strcmp(o.reason, sip_err_str(m->err)) == 0);
		free(buf);
		free(m);
	}
	/* 049's reason names the missing header (RFC 3261 21.4.1). */
	{
		struct sip_msg *m = malloc(sizeof(*m));
		struct sip_reply_opts o;
		size_t len;
		char *buf = check_read_file(CORPUS "049-missing-call-id-400/request.sip", &len);
		struct sip_endpoint src = ep("192.0.2.20", 5060);

		sip_parse(buf, len, m);
		CHECK_INT(admit_phase_a(&ctx, m, &src, &o), RGL_V_REPLY_400_MALFORMED);
		CHECK_INT(m->err, SIP_ERR_NO_CALL_ID);
		CHECK(o.reason != NULL && strstr(o.reason, "Call-ID") != NULL);
		free(buf);
		free(m);
	}
}

/* ---- hand-made requests --------------------------------------------------- */

#define RL "NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0\r\n"
#define VIA "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-h1\r\n"
#define FROM "From: <sip:+12025550100@ims.example.net>;tag=f1\r\n"
#define TO "To: <sip:cpm-as@as.example.net>;tag=t1\r\n"
#define TO_NOTAG "To: <sip:cpm-as@as.example.net>\r\n"
#define CID "Call-ID: h1@ims.example.net\r\n"
#define MF "Max-Forwards: 70\r\n"
#define CSEQ(meth) "CSeq: 7 " meth "\r\n"
#define EV "Event: reg\r\n"
#define SS "Subscription-State: active;expires=3600\r\n"
#define CT "Content-Type: application/reginfo+xml\r\n"
#define BODY "<reginfo/>\n"
#define CL_BODY "Content-Length: 11\r\n\r\n" BODY
#define CL0 "Content-Length: 0\r\n\r\n"
#define HDRS VIA FROM TO CID MF
#define GOOD RL HDRS CSEQ("NOTIFY") EV SS CT CL_BODY

static struct admit_ctx ctx_all; /* trust all, defaults */

static void
expect_verdict(const struct admit_ctx *ctx, const char *text, const char *src,
	       enum admit_verdict want, int line)
{
	struct sip_msg *m = malloc(sizeof(*m));
	struct sip_reply_opts o;
	enum admit_verdict v = run_text(ctx, text, src, m, &o);

	if (v != want)
		fprintf(stderr, "line %d: verdict %s, expected %s\n", line,
			admit_verdict_name(v), admit_verdict_name(want));
	CHECK_INT(v, want);
	free(m);
}

#define EXPECT(ctx, text, want) expect_verdict(ctx, text, "192.0.2.20", want, __LINE__)

static void
test_trust(void)
{
	struct reglane_config cfg;
	struct admit_ctx ctx;
	struct sip_endpoint a;

	config_defaults(&cfg);
	CHECK_INT(config_parse_prefix("192.0.2.0/25", &cfg.trust[0]), 0);
	CHECK_INT(config_parse_prefix("2001:db8:1::/48", &cfg.trust[1]), 0);
	CHECK_INT(config_parse_prefix("198.51.100.7", &cfg.trust[2]), 0);
	cfg.n_trust = 3;
	admit_ctx_init(&ctx, &cfg, 0);

	a = ep("192.0.2.20", 5060);
	CHECK(admit_source_trusted(&ctx, &a));
	a = ep("192.0.2.127", 5060);
	CHECK(admit_source_trusted(&ctx, &a));
	a = ep("192.0.2.128", 5060);
	CHECK(!admit_source_trusted(&ctx, &a));
	a = ep("198.51.100.7", 5060);
	CHECK(admit_source_trusted(&ctx, &a));
	a = ep("198.51.100.8", 5060);
	CHECK(!admit_source_trusted(&ctx, &a));
	a = ep("2001:db8:1:ffff::1", 5060);
	CHECK(admit_source_trusted(&ctx, &a));
	a = ep("2001:db8:2::1", 5060);
	CHECK(!admit_source_trusted(&ctx, &a));
	/* An IPv4 source never matches an IPv6 prefix and vice versa. */
	a = ep("::ffff:192.0.2.20", 5060);
	CHECK(!admit_source_trusted(&ctx, &a));

	/* Untrusted: 403 when answerable, drop otherwise or when configured. */
	expect_verdict(&ctx, GOOD, "203.0.113.9", RGL_V_REPLY_403_UNTRUSTED, __LINE__);
	expect_verdict(&ctx, GOOD, "192.0.2.20", RGL_V_ACCEPT_BODY, __LINE__);
	expect_verdict(&ctx, "garbage\r\n\r\n", "203.0.113.9", RGL_V_DROP_UNTRUSTED, __LINE__);
	expect_verdict(&ctx, RL FROM TO CID CSEQ("NOTIFY") CL0, "203.0.113.9",
		       RGL_V_DROP_UNTRUSTED, __LINE__);
	/* Untrusted wins over the other checks: nothing is learnt. */
	expect_verdict(&ctx, RL HDRS CSEQ("NOTIFY") "Event: presence\r\n" SS CL0, "203.0.113.9",
		       RGL_V_REPLY_403_UNTRUSTED, __LINE__);
	cfg.untrusted = RGL_UNTRUSTED_DROP;
	admit_ctx_init(&ctx, &cfg, 0);
	expect_verdict(&ctx, GOOD, "203.0.113.9", RGL_V_DROP_UNTRUSTED, __LINE__);
	expect_verdict(&ctx, GOOD, "2001:db8:1::5", RGL_V_ACCEPT_BODY, __LINE__);

	/* Empty list: everyone is trusted. */
	config_defaults(&cfg);
	admit_ctx_init(&ctx, &cfg, 0);
	a = ep("203.0.113.9", 1);
	CHECK(admit_source_trusted(&ctx, &a));
}

static void
test_phase_a(void)
{
	char many_vias[16384];
	size_t n = 0;

	/* Not SIP: garbage, keep-alive CRLFs, HTTP. */
	EXPECT(&ctx_all, "garbage\r\n\r\n", RGL_V_DROP_NOT_SIP);
	EXPECT(&ctx_all, "\r\n\r\n", RGL_V_DROP_NOT_SIP);
	EXPECT(&ctx_all, "", RGL_V_DROP_NOT_SIP);
	EXPECT(&ctx_all, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", RGL_V_DROP_NOT_SIP);
	/* Responses are dropped, even malformed ones. */
	EXPECT(&ctx_all, "SIP/2.0 200 OK\r\n" HDRS CSEQ("NOTIFY") CL0, RGL_V_DROP_RESPONSE);
	EXPECT(&ctx_all, "SIP/2.0 481 Gone\r\n" CL0, RGL_V_DROP_RESPONSE);
	/* No usable Via. */
	EXPECT(&ctx_all, RL FROM TO CID MF CSEQ("NOTIFY") EV SS CT CL_BODY, RGL_V_DROP_NO_VIA);
	EXPECT(&ctx_all, RL "Via: garbage\r\n" FROM TO CID CSEQ("NOTIFY") EV SS CL0,
	       RGL_V_DROP_NO_VIA);
	n += (size_t)snprintf(many_vias + n, sizeof(many_vias) - n, RL);
	for (int i = 0; i < SIP_MAX_VIAS + 1; i++)
		n += (size_t)snprintf(many_vias + n, sizeof(many_vias) - n,
				      "Via: SIP/2.0/UDP 192.0.2.%d;branch=z9hG4bK-%d\r\n", i + 1, i);
	snprintf(many_vias + n, sizeof(many_vias) - n, FROM TO CID CSEQ("NOTIFY") EV SS CL0);
	EXPECT(&ctx_all, many_vias, RGL_V_DROP_NO_VIA);
	/* ACK: never answered, not even when malformed. */
	EXPECT(&ctx_all, "ACK sip:x@198.51.100.10 SIP/2.0\r\n" HDRS CSEQ("ACK") CL0, RGL_V_DROP_ACK);
	EXPECT(&ctx_all, "ACK sip:x@198.51.100.10 SIP/2.0\r\n" VIA CL0, RGL_V_DROP_ACK);
	/* 505 before 400 (order 1 before order 3). */
	EXPECT(&ctx_all, "NOTIFY sip:x@198.51.100.10 SIP/3.0\r\n" HDRS CSEQ("NOTIFY") EV SS CL0,
	       RGL_V_REPLY_505_VERSION);
	EXPECT(&ctx_all, "NOTIFY sip:x@198.51.100.10 SIP/3.0\r\n" VIA FROM TO CSEQ("NOTIFY") CL0,
	       RGL_V_REPLY_505_VERSION);
	/* 400 for each kind of malformed request, reason = sip_err_str. */
	EXPECT(&ctx_all, RL VIA FROM TO MF CSEQ("NOTIFY") EV SS CL0, RGL_V_REPLY_400_MALFORMED);
	EXPECT(&ctx_all, RL VIA TO CID CSEQ("NOTIFY") EV SS CL0, RGL_V_REPLY_400_MALFORMED);
	EXPECT(&ctx_all, RL VIA FROM CID CSEQ("NOTIFY") EV SS CL0, RGL_V_REPLY_400_MALFORMED);
	EXPECT(&ctx_all, RL VIA FROM TO CID EV SS CL0, RGL_V_REPLY_400_MALFORMED);
	EXPECT(&ctx_all, RL HDRS CSEQ("INFO") EV SS CL0, RGL_V_REPLY_400_MALFORMED);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS CT "Content-Length: 500\r\n\r\n" BODY,
	       RGL_V_REPLY_400_MALFORMED);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") "Event: ;;\r\n" SS CL0, RGL_V_REPLY_400_MALFORMED);
	{
		struct sip_msg *m = malloc(sizeof(*m));
		struct sip_reply_opts o;

		CHECK_INT(run_text(&ctx_all, RL VIA TO CID CSEQ("NOTIFY") EV SS CL0, "192.0.2.20",
				   m, &o),
			  RGL_V_REPLY_400_MALFORMED);
		CHECK(o.reason == sip_err_str(SIP_ERR_NO_FROM));
		free(m);
	}
	/* Max-Forwards is tolerated when missing or 0 (case 072). */
	EXPECT(&ctx_all, RL VIA FROM TO CID CSEQ("NOTIFY") EV SS CT CL_BODY, RGL_V_ACCEPT_BODY);
	EXPECT(&ctx_all, RL VIA FROM TO CID "Max-Forwards: 0\r\n" CSEQ("NOTIFY") EV SS CT CL_BODY,
	       RGL_V_ACCEPT_BODY);
}

static void
test_phase_b(void)
{
	struct sip_msg *m = malloc(sizeof(*m));
	struct sip_reply_opts o;

	/* 405 for any other method, before Require (RFC 3261 8.2.1). */
	EXPECT(&ctx_all, "SUBSCRIBE sip:x@198.51.100.10 SIP/2.0\r\n" HDRS CSEQ("SUBSCRIBE") EV CL0,
	       RGL_V_REPLY_405_METHOD);
	EXPECT(&ctx_all, "INVITE sip:x@198.51.100.10 SIP/2.0\r\n" HDRS CSEQ("INVITE")
	       "Require: 100rel\r\n" CL0, RGL_V_REPLY_405_METHOD);
	EXPECT(&ctx_all, "notify sip:x@198.51.100.10 SIP/2.0\r\n" HDRS CSEQ("notify") EV SS CL0,
	       RGL_V_REPLY_405_METHOD);
	/* 420 lists every tag; before OPTIONS' 200 and before Event (order 5 < 6). */
	CHECK_INT(run_text(&ctx_all, RL HDRS CSEQ("NOTIFY") "Require: foo, bar\r\n"
			   "Event: presence\r\n" SS CL0, "192.0.2.20", m, &o),
		  RGL_V_REPLY_420_REQUIRE);
	CHECK_INT(o.n_unsupported, 2);
	CHECK(o.unsupported == m->require);
	CHECK_SLICE(o.unsupported[0], "foo");
	CHECK_SLICE(o.unsupported[1], "bar");
	EXPECT(&ctx_all, "OPTIONS sip:x@198.51.100.10 SIP/2.0\r\n" HDRS CSEQ("OPTIONS")
	       "Require: sec-agree\r\n" CL0, RGL_V_REPLY_420_REQUIRE);
	/* OPTIONS: 200 whatever else is missing (no Event, no To tag). */
	EXPECT(&ctx_all, "OPTIONS sip:x@198.51.100.10 SIP/2.0\r\n" VIA FROM TO_NOTAG CID
	       CSEQ("OPTIONS") CL0, RGL_V_REPLY_200_OPTIONS);
	/* Event: missing -> 400 (our choice, SEMANTICS 9), not reg -> 489. */
	CHECK_INT(run_text(&ctx_all, RL HDRS CSEQ("NOTIFY") SS CT CL_BODY, "192.0.2.20", m, &o),
		  RGL_V_REPLY_400_NO_EVENT);
	CHECK(o.reason != NULL && strstr(o.reason, "Event") != NULL);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") "Event: Reg\r\n" SS CT CL_BODY, RGL_V_REPLY_489_EVENT);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") "Event: REG\r\n" SS CT CL_BODY, RGL_V_REPLY_489_EVENT);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") "Event: reginfo\r\n" SS CT CL_BODY,
	       RGL_V_REPLY_489_EVENT);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") "Event: presence\r\n" SS CT CL_BODY,
	       RGL_V_REPLY_489_EVENT);
	/* Parameters do not matter; the compact form o counts. */
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") "Event: reg;id=42\r\n" SS CT CL_BODY,
	       RGL_V_ACCEPT_BODY);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") "o: reg\r\n" SS CT CL_BODY, RGL_V_ACCEPT_BODY);
	/* No To tag -> 481; a wrong event is more specific and wins (RFC 6665 4.1.3). */
	CHECK_INT(run_text(&ctx_all, RL VIA FROM TO_NOTAG CID CSEQ("NOTIFY") EV SS CT CL_BODY,
			   "192.0.2.20", m, &o),
		  RGL_V_REPLY_481_NO_TO_TAG);
	CHECK(o.reason != NULL);
	EXPECT(&ctx_all, RL VIA FROM TO_NOTAG CID CSEQ("NOTIFY") "Event: presence\r\n" SS CL0,
	       RGL_V_REPLY_489_EVENT);
	free(m);
}

static void
test_phase_c(void)
{
	struct reglane_config cfg;
	struct admit_ctx small;
	struct sip_msg *m = malloc(sizeof(*m));
	struct sip_reply_opts o;

	/* No Subscription-State: 400, before the body checks. */
	CHECK_INT(run_text(&ctx_all, RL HDRS CSEQ("NOTIFY") EV "Content-Type: text/plain\r\n"
			   CL_BODY, "192.0.2.20", m, &o),
		  RGL_V_REPLY_400_NO_SUBS_STATE);
	CHECK(o.reason != NULL && strstr(o.reason, "Subscription-State") != NULL);
	/* Content-Encoding. */
	CHECK_INT(run_text(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS CT "Content-Encoding: gzip\r\n"
			   CL_BODY, "192.0.2.20", m, &o),
		  RGL_V_REPLY_415_ENCODING);
	CHECK_INT(o.accept, SIP_REPLY_ACCEPT_ENCODING);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS CT "e: identity, gzip\r\n" CL_BODY,
	       RGL_V_REPLY_415_ENCODING);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS CT "Content-Encoding: Identity\r\n" CL_BODY,
	       RGL_V_ACCEPT_BODY);
	/* An encoding on an empty body is still an encoding we do not do. */
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS "Content-Encoding: gzip\r\n" CL0,
	       RGL_V_REPLY_415_ENCODING);
	/* Content-Type of a non-empty body. */
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS CL_BODY, RGL_V_REPLY_400_NO_CONTENT_TYPE);
	CHECK_INT(run_text(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS
			   "Content-Type: application/xml\r\n" CL_BODY, "192.0.2.20", m, &o),
		  RGL_V_REPLY_415_TYPE);
	CHECK_INT(o.accept, SIP_REPLY_ACCEPT_TYPE);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS "c: text/reginfo+xml\r\n" CL_BODY,
	       RGL_V_REPLY_415_TYPE);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS
	       "Content-Type: Application/Reginfo+XML ; charset=UTF-8\r\n" CL_BODY,
	       RGL_V_ACCEPT_BODY);
	/* Empty body: accepted whatever the type says (nothing to decode). */
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS CL0, RGL_V_ACCEPT_EMPTY);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS "Content-Type: text/plain\r\n" CL0,
	       RGL_V_ACCEPT_EMPTY);
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV "Subscription-State: terminated;reason=timeout\r\n"
	       CL0, RGL_V_ACCEPT_EMPTY);
	/* Size limit: 413 only for a body that would otherwise be parsed. */
	config_defaults(&cfg);
	cfg.max_body_bytes = 10;
	admit_ctx_init(&small, &cfg, 0);
	EXPECT(&small, GOOD, RGL_V_REPLY_413_TOO_LARGE);
	EXPECT(&small, RL HDRS CSEQ("NOTIFY") EV SS "Content-Type: text/plain\r\n" CL_BODY,
	       RGL_V_REPLY_415_TYPE);
	cfg.max_body_bytes = 11;
	admit_ctx_init(&small, &cfg, 0);
	EXPECT(&small, GOOD, RGL_V_ACCEPT_BODY);
	/* No Content-Length on UDP: the body is the rest of the datagram. */
	EXPECT(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS CT "\r\n" BODY, RGL_V_ACCEPT_BODY);
	free(m);
}

/* The options each verdict produces reach the wire through sip_reply_build. */
static void
test_reply_wiring(void)
{
	static const char req[] = RL HDRS CSEQ("NOTIFY") "Require: foo, bar\r\n" EV SS CL0;
	struct sip_msg *m = malloc(sizeof(*m)), *m2 = malloc(sizeof(*m2));
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	struct sip_reply_opts o, o2;
	struct txn_reply saved;
	char out[2048], out2[2048];
	enum admit_verdict v;
	int n, n2;

	v = run_text(&ctx_all, req, "192.0.2.20", m, &o);
	CHECK_INT(v, RGL_V_REPLY_420_REQUIRE);
	n = sip_reply_build(m, &src, admit_verdict_status(v), &o, out, sizeof(out), &dst);
	CHECK(n > 0);
	if (n > 0) {
		out[n] = '\0';
		CHECK(strncmp(out, "SIP/2.0 420 ", 12) == 0);
		CHECK(strstr(out, "Unsupported: foo, bar\r\n") != NULL ||
		      strstr(out, "Unsupported: foo,bar\r\n") != NULL);
	}
	/* A retransmission rebuilt from the cache entry gives the same bytes. */
	txn_reply_save(&saved, admit_verdict_status(v), &o);
	CHECK(saved.flags & TXN_REPLY_F_UNSUPPORTED);
	sip_parse(req, strlen(req), m2);
	admit_replay_opts(&ctx_all, m2, &saved, &o2);
	n2 = sip_reply_build(m2, &src, saved.status, &o2, out2, sizeof(out2), &dst);
	CHECK_INT(n2, n);
	CHECK(n > 0 && n == n2 && memcmp(out, out2, (size_t)n) == 0);

	/* 400 carries the parser's reason phrase. */
	v = run_text(&ctx_all, RL VIA FROM TO MF CSEQ("NOTIFY") EV SS CL0, "192.0.2.20", m, &o);
	CHECK_INT(v, RGL_V_REPLY_400_MALFORMED);
	n = sip_reply_build(m, &src, admit_verdict_status(v), &o, out, sizeof(out), &dst);
	CHECK(n > 0);
	if (n > 0) {
		char line[128];

		out[n] = '\0';
		snprintf(line, sizeof(line), "SIP/2.0 400 %s\r\n", sip_err_str(SIP_ERR_NO_CALL_ID));
		CHECK(strncmp(out, line, strlen(line)) == 0);
	}
	/* 415 for the type carries Accept. */
	v = run_text(&ctx_all, RL HDRS CSEQ("NOTIFY") EV SS "Content-Type: text/plain\r\n" CL_BODY,
		     "192.0.2.20", m, &o);
	CHECK_INT(v, RGL_V_REPLY_415_TYPE);
	n = sip_reply_build(m, &src, admit_verdict_status(v), &o, out, sizeof(out), &dst);
	CHECK(n > 0);
	if (n > 0) {
		out[n] = '\0';
		CHECK(strstr(out, "\r\nAccept: application/reginfo+xml\r\n") != NULL);
	}
	free(m);
	free(m2);
}

static void
test_verdict_table(void)
{
	/* Statuses and names come from one X-macro; spot-check both ends. */
	CHECK_INT(admit_verdict_status(RGL_V_CONTINUE), 0);
	CHECK_INT(admit_verdict_status(RGL_V_REPLY_489_EVENT), 489);
	CHECK_INT(admit_verdict_status(RGL_V_REPLY_413_TOO_LARGE), 413);
	CHECK_INT(admit_verdict_status(RGL_V__COUNT), 0);
	CHECK(strcmp(admit_verdict_name(RGL_V_DROP_NO_VIA), "drop_no_via") == 0);
	CHECK(strcmp(admit_verdict_name(RGL_V__COUNT), "?") == 0);
	for (int v = 0; v < RGL_V__COUNT; v++) {
		unsigned st = admit_verdict_status((enum admit_verdict)v);
		const char *name = admit_verdict_name((enum admit_verdict)v);

		/* REPLY_<status>_... verdicts answer with that status. */
		if (strncmp(name, "reply_", 6) == 0)
			CHECK_INT(st, strtoul(name + 6, NULL, 10));
		else
			CHECK_INT(st, 0);
	}
}


/* ---- counters (stats.h) --------------------------------------------------- */

/* The quoted names of one X-macro in a header, in order; returns the count. */
static int
xmacro_names(const char *text, const char *macro, char names[][64], int cap)
{
	const char *p = strstr(text, macro);
	int n = 0;

	if (p == NULL)
		return -1;
	for (;;) {
		const char *eol = strchr(p, '\n'), *q = strstr(p, "_(");

		if (eol == NULL)
			break;
		if (q != NULL && q < eol) {
			const char *a = strchr(q, '"'), *b = a ? strchr(a + 1, '"') : NULL;

			if (a != NULL && b != NULL && b < eol && n < cap) {
				snprintf(names[n], 64, "%.*s", (int)(b - a - 1), a + 1);
				n++;
			}
		}
		/* The macro ends at the first line without a continuation. */
		if (eol[-1] != '\\')
			break;
		p = eol + 1;
	}
	return n;
}

static void
test_stats(void)
{
	static struct reglane_lcore_stats a, b, *each[3] = { &a, NULL, &b };
	struct reglane_lcore_stats total;
	char name[96], json[16384];
	char net[64][64];
	size_t len;
	char *hdr;
	int n;

	CHECK(sizeof(struct reglane_lcore_stats) % 64 == 0);
	CHECK(_Alignof(struct reglane_lcore_stats) == 64);
	rgl_stats_inc(&a, RGL_CTR_ADMIT(RGL_V_REPLY_489_EVENT));
	rgl_stats_add(&a, RGL_CTR_RX_PKTS, 5);
	rgl_stats_add(&b, RGL_CTR_RX_PKTS, 7);
	rgl_stats_inc(&b, RGL_CTR_SIP_ERR(SIP_ERR_NO_CALL_ID));
	rgl_stats_inc(&b, RGL_CTR_TABLE(REGTABLE_CSEQ_OLD));
	rgl_stats_inc(&b, rgl_stats_tx_status(415));
	rgl_stats_inc(&b, rgl_stats_tx_status(299));
	reglane_stats_sum(&total, (const struct reglane_lcore_stats *const *)each, 3);
	CHECK_INT(rgl_stats_get(&total, RGL_CTR_RX_PKTS), 12);
	CHECK_INT(rgl_stats_get(&total, RGL_CTR_ADMIT_REPLY_489_EVENT), 1);
	CHECK_INT(rgl_stats_get(&total, RGL_CTR_SIP_ERR_NO_CALL_ID), 1);
	CHECK_INT(rgl_stats_get(&total, RGL_CTR_TABLE_CSEQ_OLD), 1);
	CHECK_INT(rgl_stats_get(&total, RGL_CTR_TX_415), 1);
	CHECK_INT(rgl_stats_get(&total, RGL_CTR_TX_OTHER), 1);

	/* Names: generated ones lower-cased, all distinct and [a-z0-9_]. */
	CHECK_INT(reglane_counter_name(RGL_CTR_SIP_ERR_NO_CALL_ID, name, sizeof(name)), 18);
	CHECK(strcmp(name, "sip_err_no_call_id") == 0);
	reglane_counter_name(RGL_CTR_REGINFO_ERR(REGINFO_ERR_NOT_WELL_FORMED), name, sizeof(name));
	CHECK(strcmp(name, "reginfo_err_not_well_formed") == 0);
	reglane_counter_name(RGL_CTR_TABLE_SUB_TERMINATED, name, sizeof(name));
	CHECK(strcmp(name, "table_sub_terminated") == 0);
	reglane_counter_name(RGL_CTR_ADMIT(RGL_V_DROP_NO_VIA), name, sizeof(name));
	CHECK(strcmp(name, "admit_drop_no_via") == 0);
	CHECK_INT(reglane_counter_name(RGL_CTR__COUNT, name, sizeof(name)), -1);
	CHECK(strcmp(reglane_counter_help(RGL_CTR__COUNT), "?") == 0);
	for (int i = 0; i < RGL_CTR__COUNT; i++) {
		char other[96];

		reglane_counter_name((enum reglane_counter)i, name, sizeof(name));
		CHECK(name[0] != '\0' && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
					 strlen(name));
		CHECK(reglane_counter_help((enum reglane_counter)i)[0] != '\0');
		for (int j = 0; j < i; j++) {
			reglane_counter_name((enum reglane_counter)j, other, sizeof(other));
			if (strcmp(name, other) == 0)
				fprintf(stderr, "counter name %s used twice\n", name);
			CHECK(strcmp(name, other) != 0);
		}
	}

	/* JSON: one object, every counter, values in place. */
	n = reglane_stats_json(&total, json, sizeof(json));
	CHECK(n > 0 && json[0] == '{' && json[n - 1] == '}' && (size_t)n == strlen(json));
	CHECK(strstr(json, "{\"rx_pkts\":12,") != NULL);
	CHECK(strstr(json, ",\"admit_reply_489_event\":1,") != NULL);
	CHECK(strstr(json, ",\"table_cseq_old\":1,") != NULL);
	CHECK_INT(reglane_stats_json(&total, json, 100), -ENOSPC);

	/* The net.h mirror has the same names in the same order (net.h itself
	 * needs DPDK headers, so it is read as text here). */
	hdr = check_read_file("../../include/reglane/net.h", &len);
	n = xmacro_names(hdr, "#define foreach_net_verdict", net, 64);
	CHECK_INT(n, RGL_STATS_NET_VERDICTS);
	for (int i = 0; i < n && i < RGL_STATS_NET_VERDICTS; i++) {
		reglane_counter_name(RGL_CTR_NET(i), name, sizeof(name));
		if (strncmp(name, "net_", 4) != 0 || strcmp(name + 4, net[i]) != 0)
			fprintf(stderr, "net verdict %d: net.h \"%s\", stats.h \"%s\"\n", i, net[i],
				name);
		CHECK(strncmp(name, "net_", 4) == 0 && strcmp(name + 4, net[i]) == 0);
	}
	n = xmacro_names(hdr, "#define foreach_net_frag_counter", net, 64);
	CHECK_INT(n, RGL_STATS_NET_FRAG_COUNTERS);
	for (int i = 0; i < n && i < RGL_STATS_NET_FRAG_COUNTERS; i++) {
		reglane_counter_name(RGL_CTR_NET_FRAG(i), name, sizeof(name));
		CHECK(strcmp(name, net[i]) == 0);
	}
	free(hdr);
}

int
main(void)
{
	struct reglane_config cfg;

	config_defaults(&cfg);
	admit_ctx_init(&ctx_all, &cfg, 0);

	test_corpus();
	test_trust();
	test_phase_a();
	test_phase_b();
	test_phase_c();
	test_reply_wiring();
	test_verdict_table();
	test_stats();

	/* Every verdict was produced by some request above (CONTINUE never is
	 * the result of all three phases). */
	for (int v = 1; v < RGL_V__COUNT; v++) {
		if (seen_verdicts[v] == 0)
			fprintf(stderr, "verdict %s never produced\n",
				admit_verdict_name((enum admit_verdict)v));
		CHECK(seen_verdicts[v] != 0);
	}
	CHECK_INT(seen_verdicts[RGL_V_CONTINUE], 0);
	return check_exit();
}
