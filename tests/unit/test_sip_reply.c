/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the SIP response builder: byte-exact responses for corpus
 * cases and hand-made requests, the top-Via rules of RFC 3261 18.2.1 and
 * RFC 3581, routing (18.2.2), the per-status headers, and bounds.
 *
 * Requests come in two ways: as datagrams run through sip_parse() (the way
 * the worker gets them), and as hand-filled struct sip_msg values, which pin
 * the builder's behaviour independently of the parser. Every response built
 * is parsed back and must be a well-formed response that echoes the
 * request's Call-ID, CSeq and Vias.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/sip.h>
#include <reglane/sip_reply.h>

#include "check.h"

#define CORPUS "../data/corpus/"
#define OUT_MAX 8192
#define GUARD 64
#define SERVER "Server: reglane/0.1.0\r\n"
#define TAIL SERVER "Content-Length: 0\r\n\r\n"

/* Byte-exact comparison; on a mismatch prints both with visible CR/LF. */
#define CHECK_BYTES(got, got_len, want) check_bytes(__FILE__, __LINE__, (got), (got_len), (want))

static void
print_visible(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			fputs("\\r", stderr);
		else if (s[i] == '\n')
			fputs("\\n\n", stderr);
		else
			fputc(s[i], stderr);
	}
	fputc('\n', stderr);
}

static void
check_bytes(const char *file, int line, const char *got, int got_len, const char *want)
{
	size_t wl = strlen(want);

	check_count++;
	if (got_len < 0 || (size_t)got_len != wl || memcmp(got, want, wl) != 0) {
		check_failures++;
		fprintf(stderr, "%s:%d: response mismatch (len %d, expected %zu)\n--- got:\n",
			file, line, got_len, wl);
		if (got_len > 0)
			print_visible(got, (size_t)got_len);
		fputs("--- expected:\n", stderr);
		print_visible(want, wl);
	}
}

static struct sip_endpoint
ep(const char *addr, uint16_t port)
{
	struct sip_endpoint e;

	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, addr, e.addr) == 1) {
		e.family = 4;
	} else if (inet_pton(AF_INET6, addr, e.addr) == 1) {
		e.family = 6;
	} else {
		fprintf(stderr, "bad test address %s\n", addr);
		exit(2);
	}
	e.port = port;
	return e;
}

#define CHECK_EP(e, a, p) check_ep(__FILE__, __LINE__, &(e), (a), (p))

static void
check_ep(const char *file, int line, const struct sip_endpoint *e, const char *a, uint16_t port)
{
	struct sip_endpoint w = ep(a, port);

	check_count++;
	if (e->family != w.family || e->port != w.port ||
	    memcmp(e->addr, w.addr, w.family == 6 ? 16 : 4) != 0) {
		check_failures++;
		fprintf(stderr, "%s:%d: destination is not %s port %u (family %u port %u)\n",
			file, line, a, port, e->family, e->port);
	}
}

static int
slice_same(struct rgl_slice a, struct rgl_slice b)
{
	if (a.p == NULL || b.p == NULL)
		return a.p == b.p;
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/*
 * Parse a response back: a well-formed SIP/2.0 response with the status,
 * and the request's Call-ID, CSeq and number of Vias (the values of all
 * but the top one unchanged).
 */
static void
check_reparse(const struct sip_msg *req, const char *resp, int len, unsigned status)
{
	static struct sip_msg m;

	CHECK(len > 0);
	if (len <= 0)
		return;
	CHECK_INT(sip_parse(resp, (size_t)len, &m), SIP_ERR_OK);
	CHECK_INT(m.kind, SIP_KIND_RESPONSE);
	CHECK_INT(m.status, status);
	CHECK(m.version_ok);
	CHECK_INT(m.n_vias, req->n_vias);
	for (unsigned i = 1; i < m.n_vias && i < req->n_vias; i++)
		CHECK(slice_same(m.vias[i].value, req->vias[i].value));
	CHECK(slice_same(m.call_id, req->call_id));
	CHECK_INT(m.has_cseq, req->has_cseq);
	CHECK_INT(m.cseq, req->cseq);
	CHECK(slice_same(m.cseq_method, req->cseq_method));
	CHECK(slice_same(m.from.value, req->from.value));
	CHECK(m.to.tag.p != NULL);
	CHECK_ABSENT(m.event);
	CHECK_ABSENT(m.subs_state);
	CHECK_INT(m.content_length, 0);
	CHECK_INT(m.body.len, 0);
}

/* Datagrams stay alive for the whole run (parsed slices point at them) and
 * are freed at its end, so the sanitizer build sees no leak. */
static char *kept[64];
static unsigned n_kept;

static char *
keep(char *p)
{
	if (n_kept == sizeof(kept) / sizeof(kept[0])) {
		fprintf(stderr, "too many test buffers\n");
		exit(2);
	}
	kept[n_kept++] = p;
	return p;
}

static void
free_kept(void)
{
	while (n_kept != 0)
		free(kept[--n_kept]);
}

static char *
load(const char *path, size_t *len)
{
	return keep(check_read_file(path, len));
}

static void
parse_text(const char *text, struct sip_msg *m)
{
	sip_parse(text, strlen(text), m);
}

/* Replace the first @p from in @p text (a copy, kept for the run). */
static char *
edited(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t tl = strlen(text), fl = strlen(from), nl = strlen(to);
	char *out;

	if (at == NULL) {
		fprintf(stderr, "edit: \"%s\" not found\n", from);
		exit(2);
	}
	out = malloc(tl - fl + nl + 1);
	if (out == NULL)
		exit(2);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, nl);
	memcpy(out + (at - text) + nl, at + fl, tl - (size_t)(at - text) - fl + 1);
	return keep(out);
}

static char out[OUT_MAX];

static int
build(const struct sip_msg *req, const struct sip_endpoint *src, unsigned status,
      const struct sip_reply_opts *opts, struct sip_endpoint *dst)
{
	return sip_reply_build(req, src, status, opts, out, sizeof(out), dst);
}

/* ------------------------------------------------------------------------ */
/* Corpus cases. */

static struct sip_msg req;

static void
test_corpus_001(void)
{
	size_t n;
	char *d = load(CORPUS "001-rfc3680-s5.3-full-example/request.sip", &n);
	struct sip_endpoint src = ep("192.0.2.19", 5060), dst;
	int len;

	CHECK_INT(sip_parse(d, n, &req), SIP_ERR_OK);
	len = build(&req, &src, 200, NULL, &dst);
	/* FQDN sent-by: received added; no port, no rport: reply to 5060. */
	CHECK_BYTES(out, len,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP server19.example.com;branch=z9hG4bKnasaii"
		    ";received=192.0.2.19\r\n"
		    "From: <sip:user@example.com>;tag=xyzygg\r\n"
		    "To: <sip:app.example.com>;tag=123aa9\r\n"
		    "Call-ID: 9987@app.example.com\r\n"
		    "CSeq: 1288 NOTIFY\r\n" TAIL);
	CHECK_EP(dst, "192.0.2.19", 5060);
	check_reparse(&req, out, len, 200);
}

static void
test_corpus_042(void)
{
	size_t n;
	char *d = load(CORPUS "042-multiple-via-rport/request.sip", &n);
	struct sip_endpoint src = ep("192.0.2.30", 5062), dst;
	int len;

	CHECK_INT(sip_parse(d, n, &req), SIP_ERR_OK);
	CHECK_INT(req.n_vias, 3);
	len = build(&req, &src, 200, NULL, &dst);
	/*
	 * sent-by 192.0.2.30 equals the source address, which alone would
	 * not call for received; rport does (RFC 3581 4: "even if it is
	 * identical"). The 2nd and 3rd values, split over one header line,
	 * come out one per line, untouched (including the TCP one and its
	 * own received).
	 */
	CHECK_BYTES(out, len,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bK-sbc-42;rport=5062"
		    ";received=192.0.2.30\r\n"
		    "Via: SIP/2.0/UDP scscf.ims.example.net:5060;branch=z9hG4bK-scscf-42\r\n"
		    "Via: SIP/2.0/TCP 192.0.2.21:5070;branch=z9hG4bK-orig-42"
		    ";received=192.0.2.21\r\n"
		    "From: <sip:+12025550150@ims.example.net>;tag=scscf-c42\r\n"
		    "To: <sip:cpm-as@as.ims.example.net>;tag=as-c42\r\n"
		    "Call-ID: c42@as.ims.example.net\r\n"
		    "CSeq: 1 NOTIFY\r\n" TAIL);
	CHECK_EP(dst, "192.0.2.30", 5062);
	check_reparse(&req, out, len, 200);
}

static void
test_corpus_044(void)
{
	size_t n;
	char *d = load(CORPUS "044-fqdn-via-no-rport-port-5060/request.sip", &n);
	struct sip_endpoint src = ep("192.0.2.20", 49170), dst;
	int len;

	CHECK_INT(sip_parse(d, n, &req), SIP_ERR_OK);
	len = build(&req, &src, 200, NULL, &dst);
	CHECK_BYTES(out, len,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP scscf.ims.example.net;branch=z9hG4bK-c44-1"
		    ";received=192.0.2.20\r\n"
		    "From: <sip:+12025550150@ims.example.net>;tag=scscf-7f3ac44\r\n"
		    "To: <sip:cpm-as@as.ims.example.net>;tag=as-91c2c44\r\n"
		    "Call-ID: regsub-c44@as.ims.example.net\r\n"
		    "CSeq: 1 NOTIFY\r\n" TAIL);
	/* Not the source port 49170: no rport was requested. */
	CHECK_EP(dst, "192.0.2.20", 5060);
	check_reparse(&req, out, len, 200);
}

static void
test_corpus_040(void)
{
	size_t n;
	char *d = load(CORPUS "040-compact-header-forms/request.sip", &n);
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	int len;

	CHECK_INT(sip_parse(d, n, &req), SIP_ERR_OK);
	len = build(&req, &src, 200, NULL, &dst);
	/* Compact and odd-case names in, long names out; sent-by equals the
	 * source: the Via is copied as it came. */
	CHECK_BYTES(out, len,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-c40-1\r\n"
		    "From: <sip:+12025550150@ims.example.net>;tag=scscf-c40\r\n"
		    "To: <sip:cpm-as@as.ims.example.net>;tag=as-c40\r\n"
		    "Call-ID: c40@as.ims.example.net\r\n"
		    "CSeq: 1 NOTIFY\r\n" TAIL);
	CHECK_EP(dst, "192.0.2.20", 5060);
	check_reparse(&req, out, len, 200);
}

static void
test_corpus_015_retransmission(void)
{
	static struct sip_msg r2, r4, r3;
	static char first[OUT_MAX];
	struct sip_reply_opts opts = { .tag_secret = 0x5eed5eed12345678ULL };
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	size_t n2, n3, n4;
	char *d2 = load(CORPUS "015-udp-retransmission-same-branch/02.sip", &n2);
	char *d3 = load(CORPUS "015-udp-retransmission-same-branch/03.sip", &n3);
	char *d4 = load(CORPUS "015-udp-retransmission-same-branch/04.sip", &n4);
	int l2, l4;

	CHECK_INT(sip_parse(d2, n2, &r2), SIP_ERR_OK);
	CHECK_INT(sip_parse(d4, n4, &r4), SIP_ERR_OK);
	CHECK_INT(sip_parse(d3, n3, &r3), SIP_ERR_OK);
	l2 = build(&r2, &src, 200, &opts, &dst);
	CHECK(l2 > 0);
	if (l2 > 0)
		memcpy(first, out, (size_t)l2);
	l4 = build(&r4, &src, 200, &opts, &dst);
	/* The retransmission gets the very same bytes (17.2.2). */
	CHECK_INT(l4, l2);
	CHECK(l2 > 0 && l4 == l2 && memcmp(first, out, (size_t)l2) == 0);
	CHECK_BYTES(out, l4,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-r15-2\r\n"
		    "From: <sip:+12025550115@ims.example.net>;tag=scscf-7f3ar15\r\n"
		    "To: <sip:cpm-as@as.ims.example.net>;tag=as-91c2r15\r\n"
		    "Call-ID: regsub-r15@as.ims.example.net\r\n"
		    "CSeq: 2 NOTIFY\r\n" TAIL);
	check_reparse(&r4, out, l4, 200);
}

/* Extract the To tag the builder generated from a response. */
static void
to_tag_of(const char *resp, int len, char tag[32])
{
	const char *to = strstr(resp, "\r\nTo: ");
	const char *t = to != NULL ? strstr(to, ";tag=") : NULL;
	const char *e = t != NULL ? strstr(t, "\r\n") : NULL;

	tag[0] = '\0';
	if (len <= 0 || e == NULL || e - t - 5 >= 32)
		return;
	memcpy(tag, t + 5, (size_t)(e - t - 5));
	tag[e - t - 5] = '\0';
}

static void
test_to_tag_generated(void)
{
	static struct sip_msg a, b, c, d;
	struct sip_reply_opts opts = { .tag_secret = 0x0123456789abcdefULL };
	struct sip_reply_opts other_secret = { .tag_secret = 0xfedcba9876543210ULL };
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	size_t n2, n3;
	char *d2 = load(CORPUS "015-udp-retransmission-same-branch/02.sip", &n2);
	char *d3 = load(CORPUS "015-udp-retransmission-same-branch/03.sip", &n3);
	char *t2, *t3;
	char tag_a[32], tag_b[32], tag_c[32], tag_d[32];
	int len;

	t2 = edited(d2, ";tag=as-91c2r15", "");
	t3 = edited(d3, ";tag=as-91c2r15", "");
	parse_text(t2, &a);
	parse_text(t2, &b);
	parse_text(t3, &c);
	CHECK_INT(a.err, SIP_ERR_OK);
	CHECK_ABSENT(a.to.tag);

	len = build(&a, &src, 200, &opts, &dst);
	to_tag_of(out, len, tag_a);
	/* 16 lowercase hex digits appended to the To value as received. */
	CHECK_INT(strlen(tag_a), 16);
	CHECK(strspn(tag_a, "0123456789abcdef") == 16);
	CHECK(strstr(out, "\r\nTo: <sip:cpm-as@as.ims.example.net>;tag=") != NULL);
	check_reparse(&a, out, len, 200);

	len = build(&b, &src, 200, &opts, &dst); /* a retransmission */
	to_tag_of(out, len, tag_b);
	CHECK(strcmp(tag_a, tag_b) == 0);

	/* Same for any status: the tag names the UAS side of the transaction. */
	len = build(&b, &src, 481, &opts, &dst);
	to_tag_of(out, len, tag_b);
	CHECK(strcmp(tag_a, tag_b) == 0);

	len = build(&c, &src, 200, &opts, &dst); /* next CSeq, next branch */
	to_tag_of(out, len, tag_c);
	CHECK_INT(strlen(tag_c), 16);
	CHECK(strcmp(tag_a, tag_c) != 0);

	len = build(&a, &src, 200, &other_secret, &dst);
	to_tag_of(out, len, tag_d);
	CHECK(strcmp(tag_a, tag_d) != 0);

	/* Only the CSeq number differs: still another tag. */
	parse_text(edited(t2, "CSeq: 2 NOTIFY", "CSeq: 7 NOTIFY"), &d);
	len = build(&d, &src, 200, &opts, &dst);
	to_tag_of(out, len, tag_d);
	CHECK(strcmp(tag_a, tag_d) != 0);

	/* Only the branch differs: another transaction, another tag. */
	parse_text(edited(t2, "z9hG4bK-r15-2", "z9hG4bK-r15-X"), &d);
	len = build(&d, &src, 200, &opts, &dst);
	to_tag_of(out, len, tag_d);
	CHECK(strcmp(tag_a, tag_d) != 0);
}

static void
test_corpus_049_missing_call_id(void)
{
	size_t n;
	char *d = load(CORPUS "049-missing-call-id-400/request.sip", &n);
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	struct sip_reply_opts opts = { .reason = "Bad Request - Missing Call-ID header field" };
	static struct sip_msg m;
	int len;

	CHECK_INT(sip_parse(d, n, &req), SIP_ERR_NO_CALL_ID);
	len = build(&req, &src, 400, &opts, &dst);
	CHECK_BYTES(out, len,
		    "SIP/2.0 400 Bad Request - Missing Call-ID header field\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-c49\r\n"
		    "From: <sip:+12025550150@ims.example.net>;tag=scscf-7f3ac49\r\n"
		    "To: <sip:cpm-as@as.ims.example.net>;tag=as-91c2c49\r\n"
		    "CSeq: 1 NOTIFY\r\n" TAIL);
	CHECK_EP(dst, "192.0.2.20", 5060);
	/* The response lacks Call-ID exactly as the request did. */
	CHECK(len > 0 && sip_parse(out, (size_t)len, &m) == SIP_ERR_NO_CALL_ID);
	CHECK_INT(m.kind, SIP_KIND_RESPONSE);
	CHECK_INT(m.status, 400);
	CHECK_INT(m.n_vias, 1);
	CHECK_INT(m.cseq, 1);
}

static void
test_505_for_sip3(void)
{
	size_t n;
	char *d = load(CORPUS "044-fqdn-via-no-rport-port-5060/request.sip", &n);
	char *v3 = edited(d, "5060 SIP/2.0\r\n", "5060 SIP/3.0\r\n");
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	int len;

	parse_text(v3, &req);
	CHECK(!req.version_ok);
	CHECK_INT(req.n_vias, 1);
	len = build(&req, &src, 505, NULL, &dst);
	/* The status line is SIP/2.0 whatever the request spoke. */
	CHECK_BYTES(out, len,
		    "SIP/2.0 505 Version Not Supported\r\n"
		    "Via: SIP/2.0/UDP scscf.ims.example.net;branch=z9hG4bK-c44-1"
		    ";received=192.0.2.20\r\n"
		    "From: <sip:+12025550150@ims.example.net>;tag=scscf-7f3ac44\r\n"
		    "To: <sip:cpm-as@as.ims.example.net>;tag=as-91c2c44\r\n"
		    "Call-ID: regsub-c44@as.ims.example.net\r\n"
		    "CSeq: 1 NOTIFY\r\n" TAIL);
	check_reparse(&req, out, len, 505);
}

/* ------------------------------------------------------------------------ */
/* Hand-made requests through the parser. */

#define REQ_HEAD "NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0\r\n"
#define REQ_TAIL                                                               \
	"Max-Forwards: 70\r\n"                                                 \
	"From: <sip:scscf@ims.example.net>;tag=f1\r\n"                         \
	"To: <sip:cpm-as@as.ims.example.net>;tag=t1\r\n"                       \
	"Call-ID: cid-1@ims.example.net\r\n"                                   \
	"CSeq: 5 NOTIFY\r\n"                                                   \
	"Event: reg\r\n"                                                       \
	"Subscription-State: active;expires=600\r\n"                           \
	"Content-Length: 0\r\n"                                                \
	"\r\n"
#define RESP_TAIL                                                              \
	"From: <sip:scscf@ims.example.net>;tag=f1\r\n"                         \
	"To: <sip:cpm-as@as.ims.example.net>;tag=t1\r\n"                       \
	"Call-ID: cid-1@ims.example.net\r\n"                                   \
	"CSeq: 5 NOTIFY\r\n"

/* One Via, parsed; the response's Via line and destination checked. */
static void
via_case(const char *via, const char *src_addr, uint16_t src_port, const char *want_via,
	 const char *dst_addr, uint16_t dst_port)
{
	static struct sip_msg m;
	static char text[2048], want[2048];
	struct sip_endpoint src = ep(src_addr, src_port), dst;
	int len;

	snprintf(text, sizeof(text), REQ_HEAD "Via: %s\r\n" REQ_TAIL, via);
	snprintf(want, sizeof(want), "SIP/2.0 200 OK\r\nVia: %s\r\n" RESP_TAIL TAIL, want_via);
	CHECK_INT(sip_parse(text, strlen(text), &m), SIP_ERR_OK);
	len = build(&m, &src, 200, NULL, &dst);
	CHECK_BYTES(out, len, want);
	CHECK_EP(dst, dst_addr, dst_port);
	check_reparse(&m, out, len, 200);
}

static void
test_top_via_rules(void)
{
	/* IPv4 sent-by equal to the source, no rport: nothing added. */
	via_case("SIP/2.0/UDP 192.0.2.20:5070;branch=z9hG4bK-a", "192.0.2.20", 40000,
		 "SIP/2.0/UDP 192.0.2.20:5070;branch=z9hG4bK-a", "192.0.2.20", 5070);
	/* Differing IPv4 sent-by: received, reply to the sent-by port. */
	via_case("SIP/2.0/UDP 192.0.2.21:5070;branch=z9hG4bK-a", "192.0.2.20", 40000,
		 "SIP/2.0/UDP 192.0.2.21:5070;branch=z9hG4bK-a;received=192.0.2.20",
		 "192.0.2.20", 5070);
	/* rport in the middle of the parameters is filled in place. */
	via_case("SIP/2.0/UDP 192.0.2.20;rport;branch=z9hG4bK-a", "192.0.2.20", 40000,
		 "SIP/2.0/UDP 192.0.2.20;rport=40000;branch=z9hG4bK-a;received=192.0.2.20",
		 "192.0.2.20", 40000);
	/* An rport that already has a value is left alone but still routes
	 * to the source port and still calls for received. */
	via_case("SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a;rport=1234", "192.0.2.20", 40000,
		 "SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a;rport=1234;received=192.0.2.20",
		 "192.0.2.20", 40000);
	/* An existing received is replaced with the real source, never doubled. */
	via_case("SIP/2.0/UDP host.example.net;received=10.9.9.9;branch=z9hG4bK-a;rport",
		 "192.0.2.20", 5062,
		 "SIP/2.0/UDP host.example.net;received=192.0.2.20;branch=z9hG4bK-a;rport=5062",
		 "192.0.2.20", 5062);
	via_case("SIP/2.0/UDP 192.0.2.20;rport;received=192.0.2.20", "192.0.2.20", 5062,
		 "SIP/2.0/UDP 192.0.2.20;rport=5062;received=192.0.2.20", "192.0.2.20", 5062);
	/* Case of the parameter names does not matter to the parser. */
	via_case("SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a;RPort", "192.0.2.20", 6000,
		 "SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a;rport=6000;received=192.0.2.20",
		 "192.0.2.20", 6000);
}

static void
test_ipv6(void)
{
	/* Corpus 043 shape: IPv6 sent-by with rport, received unbracketed. */
	via_case("SIP/2.0/UDP [2001:db8::20]:5060;branch=z9hG4bK-v6;rport", "2001:db8::20", 5062,
		 "SIP/2.0/UDP [2001:db8::20]:5060;branch=z9hG4bK-v6;rport=5062"
		 ";received=2001:db8::20",
		 "2001:db8::20", 5062);
	/* Same address in another spelling: equal, nothing added. */
	via_case("SIP/2.0/UDP [2001:DB8:0:0:0:0:0:20]:5070;branch=z9hG4bK-v6", "2001:db8::20",
		 5062, "SIP/2.0/UDP [2001:DB8:0:0:0:0:0:20]:5070;branch=z9hG4bK-v6",
		 "2001:db8::20", 5070);
	/* Differing IPv6 sent-by: received in RFC 5952 form, no brackets. */
	via_case("SIP/2.0/UDP [2001:db8::21];branch=z9hG4bK-v6", "2001:db8:0:0:1:0:0:20", 5062,
		 "SIP/2.0/UDP [2001:db8::21];branch=z9hG4bK-v6;received=2001:db8::1:0:0:20",
		 "2001:db8:0:0:1:0:0:20", 5060);
	/* IPv6 source, IPv4 sent-by: the families differ. */
	via_case("SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-v6", "2001:db8::a:b", 5062,
		 "SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-v6;received=2001:db8::a:b",
		 "2001:db8::a:b", 5060);
	/* IPv4-mapped source written in mixed notation (RFC 5952 5). */
	via_case("SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6", "::ffff:192.0.2.9", 5062,
		 "SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6;received=::ffff:192.0.2.9",
		 "::ffff:192.0.2.9", 5060);
	/* All zeros, loopback, no run long enough to compress. */
	via_case("SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6", "::", 1,
		 "SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6;received=::", "::", 5060);
	via_case("SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6", "::1", 1,
		 "SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6;received=::1", "::1", 5060);
	via_case("SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6", "2001:db8:0:1:2:3:4:5", 1,
		 "SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6;received=2001:db8:0:1:2:3:4:5",
		 "2001:db8:0:1:2:3:4:5", 5060);
	/* Two equal zero runs: the first is compressed. */
	via_case("SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6", "2001:0:0:1:0:0:1:1", 1,
		 "SIP/2.0/UDP gw.example.net;branch=z9hG4bK-v6;received=2001::1:0:0:1:1",
		 "2001:0:0:1:0:0:1:1", 5060);
}

static void
test_maddr(void)
{
	/* maddr IP literal wins, with the sent-by port. */
	via_case("SIP/2.0/UDP 192.0.2.40:5070;maddr=192.0.2.99;branch=z9hG4bK-m", "192.0.2.40",
		 40000, "SIP/2.0/UDP 192.0.2.40:5070;maddr=192.0.2.99;branch=z9hG4bK-m",
		 "192.0.2.99", 5070);
	/* ... even over rport, and 5060 when the sent-by has no port. */
	via_case("SIP/2.0/UDP 192.0.2.40;rport;maddr=[2001:db8::99];branch=z9hG4bK-m",
		 "192.0.2.40", 40000,
		 "SIP/2.0/UDP 192.0.2.40;rport=40000;maddr=[2001:db8::99];branch=z9hG4bK-m"
		 ";received=192.0.2.40",
		 "2001:db8::99", 5060);
	/* A maddr that is a name would need DNS: the source address is used. */
	via_case("SIP/2.0/UDP 192.0.2.40:5070;maddr=mc.example.net;branch=z9hG4bK-m",
		 "192.0.2.40", 40000,
		 "SIP/2.0/UDP 192.0.2.40:5070;maddr=mc.example.net;branch=z9hG4bK-m",
		 "192.0.2.40", 5070);
}

/* A folded From and Via: each fold becomes one SP. */
static void
test_folds(void)
{
	static struct sip_msg m;
	static const char text[] =
		REQ_HEAD
		"Via: SIP/2.0/UDP 192.0.2.20:5060\r\n ;branch=z9hG4bK-f\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:scscf@ims.example.net>\r\n\t;tag=f1\r\n"
		"To: <sip:cpm-as@as.ims.example.net>;tag=t1\r\n"
		"Call-ID: cid-1@ims.example.net\r\n"
		"CSeq: 5\r\n   NOTIFY\r\n"
		"Event: reg\r\n"
		"Subscription-State: active\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	int len;

	CHECK_INT(sip_parse(text, sizeof(text) - 1, &m), SIP_ERR_OK);
	len = build(&m, &src, 200, NULL, &dst);
	CHECK_BYTES(out, len,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.20:5060 ;branch=z9hG4bK-f\r\n"
		    "From: <sip:scscf@ims.example.net> ;tag=f1\r\n"
		    "To: <sip:cpm-as@as.ims.example.net>;tag=t1\r\n"
		    "Call-ID: cid-1@ims.example.net\r\n"
		    "CSeq: 5 NOTIFY\r\n" TAIL);
}

/* A fold right before an edited parameter still becomes one SP. */
static void
test_fold_next_to_edit(void)
{
	via_case("SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a;\r\n rport", "192.0.2.20", 6000,
		 "SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a; rport=6000;received=192.0.2.20",
		 "192.0.2.20", 6000);
	via_case("SIP/2.0/UDP 192.0.2.20;rport\r\n\t;branch=z9hG4bK-a", "192.0.2.20", 6000,
		 "SIP/2.0/UDP 192.0.2.20;rport=6000 ;branch=z9hG4bK-a;received=192.0.2.20",
		 "192.0.2.20", 6000);
}

/*
 * Fuzz finding: "Via: a, , b" gives the parser a blank via-parm between
 * the commas; copied, it became an empty Via line that does not parse, so
 * the response had fewer Vias than it claimed to copy. Blank elements are
 * skipped; a blank top one leaves nothing to answer.
 */
static void
test_blank_via_elements(void)
{
	static struct sip_msg m;
	static const char text[] =
		REQ_HEAD
		"Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a, , SIP/2.0/UDP p.example.net"
		";branch=z9hG4bK-b,,\r\n"
		"Via: ,\r\n"
		"Via: SIP/2.0/UDP q.example.net;branch=z9hG4bK-c\r\n" REQ_TAIL;
	static const char blank_top[] =
		REQ_HEAD "Via: , SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a\r\n" REQ_TAIL;
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	static struct sip_msg r;
	int len;

	sip_parse(text, sizeof(text) - 1, &m);
	CHECK_INT(m.err, SIP_ERR_BAD_VIA);
	len = build(&m, &src, 400, NULL, &dst);
	CHECK_BYTES(out, len,
		    "SIP/2.0 400 Bad Request\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a\r\n"
		    "Via: SIP/2.0/UDP p.example.net;branch=z9hG4bK-b\r\n"
		    "Via: SIP/2.0/UDP q.example.net;branch=z9hG4bK-c\r\n" RESP_TAIL TAIL);
	CHECK(len > 0 && sip_parse(out, (size_t)len, &r) == SIP_ERR_OK);
	CHECK_INT(r.n_vias, 3);

	sip_parse(blank_top, sizeof(blank_top) - 1, &m);
	CHECK_INT(m.n_vias, 2);
	CHECK_INT(build(&m, &src, 400, NULL, &dst), -EINVAL);
}

/*
 * Fuzz finding: a fold right after a backslash inside a quoted string. A
 * backslash cannot escape CR (quoted-pair, RFC 3261 25.1), so the parser
 * sees a quote that never ends and keeps the rest of the header as one
 * via-parm. Had the fold become a SP, the backslash would escape it, the
 * quote would close at the next '"', and the comma after it would split the
 * copied value into two Vias. Such a fold is kept as CRLF SP.
 */
static void
test_fold_after_backslash(void)
{
	static struct sip_msg m, r;
	static const char text[] =
		REQ_HEAD
		"Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a;x=\"q\\\r\n \", SIP/2.0/UDP"
		"\r\n p.example.net;branch=z9hG4bK-b\r\n" REQ_TAIL;
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	int len;

	sip_parse(text, sizeof(text) - 1, &m);
	CHECK_INT(m.n_vias, 1);
	len = build(&m, &src, 400, NULL, &dst);
	CHECK_BYTES(out, len,
		    "SIP/2.0 400 Bad Request\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK-a;x=\"q\\\r\n \", SIP/2.0/UDP"
		    " p.example.net;branch=z9hG4bK-b\r\n" RESP_TAIL TAIL);
	CHECK(len > 0 && sip_parse(out, (size_t)len, &r) == m.err);
	CHECK_INT(r.n_vias, 1);
}

/* ------------------------------------------------------------------------ */
/* Status codes and their headers. */

static void
status_case(unsigned status, const struct sip_reply_opts *opts, const char *want)
{
	static struct sip_msg m;
	static const char text[] = REQ_HEAD "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-s\r\n"
		REQ_TAIL;
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	int len;

	CHECK_INT(sip_parse(text, sizeof(text) - 1, &m), SIP_ERR_OK);
	len = build(&m, &src, status, opts, &dst);
	CHECK_BYTES(out, len, want);
	check_reparse(&m, out, len, status);
}

#define STATUS_VIA "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-s\r\n"

static void
test_statuses(void)
{
	struct rgl_slice tags[2] = { { "foo", 3 }, { "100rel", 6 } };
	struct sip_reply_opts o;

	status_case(200, NULL, "SIP/2.0 200 OK\r\n" STATUS_VIA RESP_TAIL TAIL);
	status_case(405, NULL,
		    "SIP/2.0 405 Method Not Allowed\r\n" STATUS_VIA RESP_TAIL
		    "Allow: NOTIFY, OPTIONS\r\n" TAIL);

	memset(&o, 0, sizeof(o));
	o.accept = SIP_REPLY_ACCEPT_TYPE;
	status_case(415, &o,
		    "SIP/2.0 415 Unsupported Media Type\r\n" STATUS_VIA RESP_TAIL
		    "Accept: application/reginfo+xml\r\n" TAIL);
	o.accept = SIP_REPLY_ACCEPT_ENCODING;
	status_case(415, &o,
		    "SIP/2.0 415 Unsupported Media Type\r\n" STATUS_VIA RESP_TAIL
		    "Accept-Encoding: identity\r\n" TAIL);
	o.accept = SIP_REPLY_ACCEPT_TYPE | SIP_REPLY_ACCEPT_ENCODING;
	status_case(415, &o,
		    "SIP/2.0 415 Unsupported Media Type\r\n" STATUS_VIA RESP_TAIL
		    "Accept: application/reginfo+xml\r\n"
		    "Accept-Encoding: identity\r\n" TAIL);
	/* Neither bit: a 415 must still say what is accepted (8.2.3). */
	status_case(415, NULL,
		    "SIP/2.0 415 Unsupported Media Type\r\n" STATUS_VIA RESP_TAIL
		    "Accept: application/reginfo+xml\r\n"
		    "Accept-Encoding: identity\r\n" TAIL);

	memset(&o, 0, sizeof(o));
	o.unsupported = tags;
	o.n_unsupported = 2;
	status_case(420, &o,
		    "SIP/2.0 420 Bad Extension\r\n" STATUS_VIA RESP_TAIL
		    "Unsupported: foo, 100rel\r\n" TAIL);
	o.n_unsupported = 1;
	status_case(420, &o,
		    "SIP/2.0 420 Bad Extension\r\n" STATUS_VIA RESP_TAIL
		    "Unsupported: foo\r\n" TAIL);

	status_case(489, NULL,
		    "SIP/2.0 489 Bad Event\r\n" STATUS_VIA RESP_TAIL "Allow-Events: reg\r\n" TAIL);

	memset(&o, 0, sizeof(o));
	o.retry_after = 120;
	status_case(503, &o,
		    "SIP/2.0 503 Service Unavailable\r\n" STATUS_VIA RESP_TAIL
		    "Retry-After: 120\r\n" TAIL);
	o.retry_after = 4294967295u;
	status_case(503, &o,
		    "SIP/2.0 503 Service Unavailable\r\n" STATUS_VIA RESP_TAIL
		    "Retry-After: 4294967295\r\n" TAIL);
	status_case(503, NULL, "SIP/2.0 503 Service Unavailable\r\n" STATUS_VIA RESP_TAIL TAIL);

	status_case(481, NULL,
		    "SIP/2.0 481 Subscription Does Not Exist\r\n" STATUS_VIA RESP_TAIL TAIL);
	status_case(500, NULL,
		    "SIP/2.0 500 Server Internal Error\r\n" STATUS_VIA RESP_TAIL TAIL);
	status_case(403, NULL, "SIP/2.0 403 Forbidden\r\n" STATUS_VIA RESP_TAIL TAIL);
	status_case(400, NULL, "SIP/2.0 400 Bad Request\r\n" STATUS_VIA RESP_TAIL TAIL);
	/* Extra-header options only act on their own status. */
	memset(&o, 0, sizeof(o));
	o.retry_after = 30;
	o.accept = 3;
	o.unsupported = tags;
	o.n_unsupported = 2;
	status_case(200, &o, "SIP/2.0 200 OK\r\n" STATUS_VIA RESP_TAIL TAIL);
	/* Unknown codes get their class's name; the edges of the range work. */
	status_case(499, NULL, "SIP/2.0 499 Request Failure\r\n" STATUS_VIA RESP_TAIL TAIL);
	status_case(100, NULL, "SIP/2.0 100 Trying\r\n" STATUS_VIA RESP_TAIL TAIL);
	status_case(699, NULL, "SIP/2.0 699 Global Failure\r\n" STATUS_VIA RESP_TAIL TAIL);
}

static void
test_options_200(void)
{
	static struct sip_msg m;
	static const char text[] =
		"OPTIONS sip:cpm-as@198.51.100.10:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-o\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:scscf@ims.example.net>;tag=f1\r\n"
		"To: <sip:cpm-as@as.ims.example.net>\r\n"
		"Call-ID: opt-1@ims.example.net\r\n"
		"CSeq: 9 OPTIONS\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	static char want[1024];
	struct sip_reply_opts opts = { .tag_secret = 42 };
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst;
	char tag[32];
	int len;

	CHECK_INT(sip_parse(text, sizeof(text) - 1, &m), SIP_ERR_OK);
	CHECK_INT(m.method, SIP_METHOD_OPTIONS);
	len = build(&m, &src, 200, &opts, &dst);
	to_tag_of(out, len, tag);
	snprintf(want, sizeof(want),
		 "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-o\r\n"
		 "From: <sip:scscf@ims.example.net>;tag=f1\r\n"
		 "To: <sip:cpm-as@as.ims.example.net>;tag=%s\r\n"
		 "Call-ID: opt-1@ims.example.net\r\n"
		 "CSeq: 9 OPTIONS\r\n"
		 "Allow: NOTIFY, OPTIONS\r\n" TAIL,
		 tag);
	CHECK_INT(strlen(tag), 16);
	CHECK_BYTES(out, len, want);
	check_reparse(&m, out, len, 200);
	/* A non-200 to OPTIONS carries no Allow. */
	len = build(&m, &src, 503, &opts, &dst);
	CHECK(len > 0 && strstr(out, "Allow:") == NULL);
}

static void
test_reason_phrase(void)
{
	struct sip_reply_opts o = { .reason = "Bad\r\nInjected: yes\r\n\r\nX\x01\x7f\tY" };

	/* Every CTL but HTAB becomes SP: still one status line. */
	status_case(400, &o,
		    "SIP/2.0 400 Bad  Injected: yes    X  \tY\r\n" STATUS_VIA RESP_TAIL TAIL);
	o.reason = "";
	status_case(400, &o, "SIP/2.0 400 Bad Request\r\n" STATUS_VIA RESP_TAIL TAIL);
	/* A CTL in each position of a word-wise scan: short, first, last. */
	o.reason = "A\nB";
	status_case(400, &o, "SIP/2.0 400 A B\r\n" STATUS_VIA RESP_TAIL TAIL);
	o.reason = "\rBad Request";
	status_case(400, &o, "SIP/2.0 400  Bad Request\r\n" STATUS_VIA RESP_TAIL TAIL);
	o.reason = "Bad Request\n";
	status_case(400, &o, "SIP/2.0 400 Bad Request \r\n" STATUS_VIA RESP_TAIL TAIL);
	o.reason = "Bad Requ\x7f" "est, really";
	status_case(400, &o, "SIP/2.0 400 Bad Requ est, really\r\n" STATUS_VIA RESP_TAIL TAIL);
	o.reason = "Bad\tRequest"; /* HTAB is allowed */
	status_case(400, &o, "SIP/2.0 400 Bad\tRequest\r\n" STATUS_VIA RESP_TAIL TAIL);
	o.reason = "Bad Request - Missing Call-ID header field";
	status_case(400, &o,
		    "SIP/2.0 400 Bad Request - Missing Call-ID header field\r\n" STATUS_VIA
			    RESP_TAIL TAIL);
	o.reason = "Bad Request (\xc3\xa9l\xc3\xa8ve)"; /* UTF-8 kept as is */
	status_case(400, &o,
		    "SIP/2.0 400 Bad Request (\xc3\xa9l\xc3\xa8ve)\r\n" STATUS_VIA RESP_TAIL TAIL);

	CHECK(strcmp(sip_reason_phrase(200), "OK") == 0);
	CHECK(strcmp(sip_reason_phrase(489), "Bad Event") == 0);
	CHECK(strcmp(sip_reason_phrase(505), "Version Not Supported") == 0);
	CHECK(strcmp(sip_reason_phrase(299), "Successful") == 0);
	CHECK(strcmp(sip_reason_phrase(0), "Unknown") == 0);
	CHECK(strcmp(sip_reason_phrase(1000), "Unknown") == 0);
}

/* Unsupported option tags from a hostile Require cannot inject either. */
static void
test_unsupported_injection(void)
{
	struct rgl_slice tags[2] = { { "a\r\nX: 1", 7 }, { "b", 1 } };
	struct sip_reply_opts o = { .unsupported = tags, .n_unsupported = 2 };

	status_case(420, &o,
		    "SIP/2.0 420 Bad Extension\r\n" STATUS_VIA RESP_TAIL
		    "Unsupported: a X: 1, b\r\n" TAIL);
}

/* ------------------------------------------------------------------------ */
/* Bounds. */

static void
test_small_buffers(void)
{
	static char buf[OUT_MAX + GUARD];
	static char ref[OUT_MAX];
	struct rgl_slice tags[2] = { { "foo", 3 }, { "bar", 3 } };
	struct sip_reply_opts opts = { .reason = "Bad\r\nthing", .retry_after = 99,
				       .unsupported = tags, .n_unsupported = 2,
				       .accept = 3, .tag_secret = 7 };
	static const unsigned statuses[] = { 200, 400, 415, 420, 489, 503, 405 };
	size_t n;
	char *d = load(CORPUS "042-multiple-via-rport/request.sip", &n);
	char *notag = edited(d, ";tag=as-c42", "");
	struct sip_endpoint src = ep("2001:db8::30", 5062), dst;
	static struct sip_msg m;
	int bad = 0;

	parse_text(notag, &m);
	CHECK_INT(m.err, SIP_ERR_OK);
	for (size_t s = 0; s < sizeof(statuses) / sizeof(statuses[0]); s++) {
		int need = sip_reply_build(&m, &src, statuses[s], &opts, ref, sizeof(ref), &dst);

		CHECK(need > 0);
		if (need <= 0)
			continue;
		for (int cap = 0; cap <= need; cap++) {
			int r;

			memset(buf, 0xa5, sizeof(buf));
			r = sip_reply_build(&m, &src, statuses[s], &opts, buf, (size_t)cap, &dst);
			if (cap < need ? r != -ENOSPC : r != need)
				bad++;
			for (size_t g = (size_t)cap; g < (size_t)cap + GUARD; g++)
				if ((unsigned char)buf[g] != 0xa5)
					bad++;
			if (cap == need && memcmp(buf, ref, (size_t)need) != 0)
				bad++;
		}
	}
	CHECK_INT(bad, 0);
	/* No buffer at all. */
	CHECK_INT(sip_reply_build(&m, &src, 200, NULL, NULL, 0, &dst), -ENOSPC);
}

static void
test_invalid(void)
{
	static struct sip_msg m;
	struct sip_endpoint src = ep("192.0.2.20", 5060), dst, bad_src;
	static const char text[] = REQ_HEAD "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-s\r\n"
		REQ_TAIL;
	static const char novia[] = REQ_HEAD REQ_TAIL;

	CHECK_INT(sip_parse(text, sizeof(text) - 1, &m), SIP_ERR_OK);
	CHECK_INT(build(&m, &src, 99, NULL, &dst), -EINVAL);
	CHECK_INT(build(&m, &src, 700, NULL, &dst), -EINVAL);
	CHECK_INT(build(&m, &src, 0, NULL, &dst), -EINVAL);
	bad_src = src;
	bad_src.family = 0;
	CHECK_INT(build(&m, &bad_src, 200, NULL, &dst), -EINVAL);
	CHECK_INT(build(NULL, &src, 200, NULL, &dst), -EINVAL);

	/* Case 050: no Via, nowhere to answer. */
	CHECK_INT(sip_parse(novia, sizeof(novia) - 1, &m), SIP_ERR_NO_VIA);
	CHECK_INT(build(&m, &src, 400, NULL, &dst), -EINVAL);
}

/* ------------------------------------------------------------------------ */
/* Hand-filled requests: the builder's own rules, independent of the parser. */

static struct rgl_slice
sl(const char *s)
{
	return rgl_slice_make(s, strlen(s));
}

/* The slice of @p s that starts at @p what, running to the next ';' or end. */
static struct rgl_slice
param_at(const char *s, const char *what)
{
	const char *p = strstr(s, what);
	size_t n;

	if (p == NULL)
		return RGL_SLICE_NONE;
	n = strcspn(p, ";");
	return rgl_slice_make(p, n);
}

static struct rgl_slice
param_value(struct rgl_slice param)
{
	const char *eq;

	if (param.p == NULL)
		return RGL_SLICE_NONE;
	eq = memchr(param.p, '=', param.len);
	if (eq == NULL)
		return RGL_SLICE_NONE;
	return rgl_slice_make(eq + 1, param.len - (size_t)(eq + 1 - param.p));
}

/* What a parser would hand out for @p text; host and port given. */
static void
hand_via(struct sip_via *v, const char *text, const char *host, uint16_t port)
{
	memset(v, 0, sizeof(*v));
	v->value = sl(text);
	v->host = rgl_slice_make(strstr(text, host), strlen(host));
	v->port = port;
	v->branch = param_value(param_at(text, "branch="));
	v->maddr = param_value(param_at(text, "maddr="));
	v->received_param = param_at(text, "received=");
	v->received = param_value(v->received_param);
	v->rport_param = param_at(text, "rport");
	v->rport_value = param_value(v->rport_param);
	v->has_rport = v->rport_param.p != NULL;
}

static void
hand_msg(struct sip_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = SIP_KIND_REQUEST;
	m->method = SIP_METHOD_NOTIFY;
	m->version_ok = true;
	m->from.value = sl("<sip:a@example.net>;tag=fa");
	m->from.tag = sl("fa");
	m->to.value = sl("<sip:b@example.net>");
	m->call_id = sl("hand-1");
	m->has_cseq = true;
	m->cseq = 3;
	m->cseq_method = sl("NOTIFY");
	m->headers[0] = (struct sip_header){ sl("CSeq"), sl("3 NOTIFY"), SIP_HDR_CSEQ };
	m->n_headers = 1;
	m->max_forwards = -1;
	m->content_length = -1;
	m->subs_expires = -1;
	m->subs_retry_after = -1;
}

static void
test_hand_filled(void)
{
	static struct sip_msg m;
	struct sip_endpoint src = ep("2001:db8::5", 5999), dst;
	struct sip_reply_opts opts = { .tag_secret = 1 };
	char tag1[32], tag2[32];
	int len;

	hand_msg(&m);
	hand_via(&m.vias[0], "SIP/2.0/UDP [2001:db8::5]:5080;rport;branch=z9hG4bK-h",
		 "2001:db8::5", 5080);
	hand_via(&m.vias[1], "SIP/2.0/UDP p.example.net;branch=z9hG4bK-p", "p.example.net", 0);
	m.n_vias = 2;
	len = sip_reply_build(&m, &src, 200, &opts, out, sizeof(out), &dst);
	to_tag_of(out, len, tag1);
	CHECK_INT(strlen(tag1), 16);
	{
		static char want[1024];

		snprintf(want, sizeof(want),
			 "SIP/2.0 200 OK\r\n"
			 "Via: SIP/2.0/UDP [2001:db8::5]:5080;rport=5999;branch=z9hG4bK-h"
			 ";received=2001:db8::5\r\n"
			 "Via: SIP/2.0/UDP p.example.net;branch=z9hG4bK-p\r\n"
			 "From: <sip:a@example.net>;tag=fa\r\n"
			 "To: <sip:b@example.net>;tag=%s\r\n"
			 "Call-ID: hand-1\r\n"
			 "CSeq: 3 NOTIFY\r\n" TAIL,
			 tag1);
		CHECK_BYTES(out, len, want);
	}
	CHECK_EP(dst, "2001:db8::5", 5999);
	/* The tag depends on the From tag too. */
	m.from.tag = sl("fb");
	len = sip_reply_build(&m, &src, 200, &opts, out, sizeof(out), &dst);
	to_tag_of(out, len, tag2);
	CHECK(strcmp(tag1, tag2) != 0);

	/* received before rport in the text: both edits, in text order. */
	hand_via(&m.vias[0], "SIP/2.0/UDP 192.0.2.1;received=1.1.1.1;rport;branch=z9hG4bK-h",
		 "192.0.2.1", 0);
	m.n_vias = 1;
	src = ep("192.0.2.7", 7000);
	len = sip_reply_build(&m, &src, 480, &opts, out, sizeof(out), &dst);
	{
		static const char want[] =
			"SIP/2.0 480 Temporarily Unavailable\r\n"
			"Via: SIP/2.0/UDP 192.0.2.1;received=192.0.2.7;rport=7000"
			";branch=z9hG4bK-h\r\nFrom: ";

		CHECK(len > 0 && strncmp(out, want, sizeof(want) - 1) == 0);
	}
	CHECK_EP(dst, "192.0.2.7", 7000);

	/* Missing From, To, Call-ID and CSeq: each header simply omitted. */
	hand_msg(&m);
	hand_via(&m.vias[0], "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-x", "192.0.2.7", 5060);
	m.n_vias = 1;
	m.from = (struct sip_nameaddr){ 0 };
	m.to = (struct sip_nameaddr){ 0 };
	m.call_id = RGL_SLICE_NONE;
	m.n_headers = 0;
	m.has_cseq = false;
	len = sip_reply_build(&m, &src, 400, NULL, out, sizeof(out), &dst);
	CHECK_BYTES(out, len,
		    "SIP/2.0 400 Bad Request\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-x\r\n" TAIL);

	/* A header the parser kept but could not make sense of is echoed raw. */
	m.headers[0] = (struct sip_header){ sl("Call-ID"), sl("raw id"), SIP_HDR_CALL_ID };
	m.headers[1] = (struct sip_header){ sl("t"), sl("<sip:b@x>;tag=zz"), SIP_HDR_TO };
	m.n_headers = 2;
	len = sip_reply_build(&m, &src, 400, NULL, out, sizeof(out), &dst);
	CHECK(len > 0 && strstr(out, "\r\nCall-ID: raw id\r\n") != NULL);
	CHECK(len > 0 && strstr(out, "\r\nTo: <sip:b@x>;tag=zz\r\n") != NULL);

	/* Folds at the very start or end of a value are dropped, not SP. */
	m.from.value = sl("\r\n <sip:a@x>;tag=1\r\n\t");
	len = sip_reply_build(&m, &src, 400, NULL, out, sizeof(out), &dst);
	CHECK(len > 0 && strstr(out, "\r\nFrom: <sip:a@x>;tag=1\r\nTo: ") != NULL);

	/* No Via value at all: no response. */
	m.vias[0].value = RGL_SLICE_NONE;
	CHECK_INT(sip_reply_build(&m, &src, 400, NULL, out, sizeof(out), &dst), -EINVAL);
}

static void
test_destination(void)
{
	static struct sip_msg m;
	struct sip_endpoint src = ep("192.0.2.50", 40000), dst;

	hand_msg(&m);
	m.n_vias = 1;
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net;branch=z9hG4bK-d", "gw.example.net", 0);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "192.0.2.50", 5060);
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net:5088;branch=z9hG4bK-d",
		 "gw.example.net", 5088);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "192.0.2.50", 5088);
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net:5088;rport;branch=z9hG4bK-d",
		 "gw.example.net", 5088);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "192.0.2.50", 40000);
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net:5088;maddr=198.51.100.99;rport",
		 "gw.example.net", 5088);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "198.51.100.99", 5088);
	/* Malformed maddr literals are names, not addresses. */
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net;maddr=192.0.2.256", "gw.example.net", 0);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "192.0.2.50", 5060);
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net;maddr=1:2:3:4:5:6:7:8:9",
		 "gw.example.net", 0);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "192.0.2.50", 5060);
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net;maddr=1::2::3", "gw.example.net", 0);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "192.0.2.50", 5060);
	hand_via(&m.vias[0], "SIP/2.0/UDP gw.example.net;maddr=1:2:3:4:5:6:1.2.3.4",
		 "gw.example.net", 0);
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "1:2:3:4:5:6:102:304", 5060);
	/* No Via: the source, for what it is worth (the caller drops). */
	m.n_vias = 0;
	sip_reply_destination(&m, &src, &dst);
	CHECK_EP(dst, "192.0.2.50", 40000);
}

int
main(void)
{
	test_corpus_001();
	test_corpus_042();
	test_corpus_044();
	test_corpus_040();
	test_corpus_015_retransmission();
	test_to_tag_generated();
	test_corpus_049_missing_call_id();
	test_505_for_sip3();
	test_top_via_rules();
	test_ipv6();
	test_maddr();
	test_folds();
	test_fold_next_to_edit();
	test_blank_via_elements();
	test_fold_after_backslash();
	test_statuses();
	test_options_200();
	test_reason_phrase();
	test_unsupported_injection();
	test_small_buffers();
	test_invalid();
	test_hand_filled();
	test_destination();
	free_kept();
	return check_exit();
}
