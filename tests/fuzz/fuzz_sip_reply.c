/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the response builder: any datagram sip_parse()
 * finds a Via in is answered with several statuses, each into buffers of
 * several sizes (allocated to the exact size, so ASan sees any write past
 * the end). Every response must
 *   - fail with -ENOSPC exactly when the buffer is smaller than needed, and
 *     otherwise be the same bytes whatever the buffer size;
 *   - parse back as a SIP/2.0 response with that status, the same number
 *     of Vias, and the request's Call-ID, CSeq and From (compared after
 *     the fold normalisation the builder documents).
 * Sizes, statuses and the packet source are drawn from a hash of the input,
 * so every run of one input does the same thing.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/sip.h>
#include <reglane/sip_reply.h>

/* Room for SIP_MAX_VIAS header-sized Vias plus the rest. */
#define OUT_BIG (SIP_MAX_VIAS * SIP_MAX_HEADER_LEN * 2 + 8 * SIP_MAX_HEADER_LEN)

static struct sip_msg req, resp;
static char big[OUT_BIG], again[OUT_BIG];

static uint64_t rng;

static uint64_t
next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_sip_reply: %s\n", what);
	abort();
}

/*
 * The builder's fold rule, written independently: a run that starts with
 * CR or LF and goes on with CR, LF, SP or HTAB is one SP (CRLF SP after a
 * backslash), or nothing at the very start or end of the value.
 */
static size_t
normalise(struct rgl_slice s, char *out)
{
	size_t n = 0;

	for (uint32_t i = 0; i < s.len;) {
		char c = s.p[i];

		if (c != '\r' && c != '\n') {
			out[n++] = c;
			i++;
			continue;
		}
		uint32_t start = i;

		while (i < s.len && (s.p[i] == '\r' || s.p[i] == '\n' || s.p[i] == ' ' ||
				     s.p[i] == '\t'))
			i++;
		if (start == 0 || i == s.len)
			continue;
		if (s.p[start - 1] == '\\') {
			/* kept a fold: a SP would be escaped by the backslash */
			memcpy(out + n, "\r\n ", 3);
			n += 3;
		} else {
			out[n++] = ' ';
		}
	}
	return n;
}

static void
check_same(struct rgl_slice in, struct rgl_slice outv, const char *what)
{
	static char norm[3 * SIP_MAX_HEADER_LEN];
	size_t n;

	if (in.p == NULL) {
		if (outv.p != NULL)
			fail(what);
		return;
	}
	if (in.len > SIP_MAX_HEADER_LEN)
		fail("request value longer than a header");
	n = normalise(in, norm);
	if (outv.p == NULL || outv.len != n || memcmp(outv.p, norm, n) != 0)
		fail(what);
}

static int
blank(struct rgl_slice s)
{
	for (uint32_t i = 0; i < s.len; i++)
		if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\r' && s.p[i] != '\n')
			return 0;
	return 1;
}

static struct rgl_slice
first_header(const struct sip_msg *m, enum sip_hdr id)
{
	for (unsigned i = 0; i < m->n_headers; i++)
		if (m->headers[i].id == id)
			return m->headers[i].value;
	return RGL_SLICE_NONE;
}

/* A header the builder lengthens (top Via, To) may outgrow the parser's
 * limit; then the parse stops there and the rest cannot be compared. */
static int
near_limit(const struct sip_msg *m)
{
	const uint32_t slack = 128;

	for (unsigned i = 0; i < m->n_vias; i++)
		if (m->vias[i].value.len + slack > SIP_MAX_HEADER_LEN)
			return 1;
	return m->to.value.len + slack > SIP_MAX_HEADER_LEN;
}

static void
check_response(const char *buf, int len, unsigned status)
{
	enum sip_err err = sip_parse(buf, (size_t)len, &resp);

	if (err == SIP_ERR_EMPTY || err == SIP_ERR_START_LINE)
		fail("response start line does not parse");
	if (resp.kind != SIP_KIND_RESPONSE || resp.status != status || !resp.version_ok)
		fail("not a SIP/2.0 response with the status asked for");
	if (err == SIP_ERR_HEADER_TOO_LONG && near_limit(&req))
		return;
	if (err == SIP_ERR_NO_HEADER_END || err == SIP_ERR_HEADER_SYNTAX ||
	    err == SIP_ERR_TOO_MANY_HEADERS || err == SIP_ERR_HEADER_TOO_LONG ||
	    err == SIP_ERR_TOO_MANY_VIAS || err == SIP_ERR_BODY_TRUNCATED)
		fail(sip_err_str(err));
	/* Blank list elements ("Via: a, , b") are no via-parms and are not
	 * copied; every other one is, in order. */
	unsigned j = 1;

	for (unsigned i = 1; i < req.n_vias; i++) {
		if (blank(req.vias[i].value))
			continue;
		if (j >= resp.n_vias)
			fail("a Via is missing");
		check_same(req.vias[i].value, resp.vias[j++].value, "a lower Via changed");
	}
	if (j != resp.n_vias)
		fail("number of Vias differs");
	check_same(rgl_slice_present(req.call_id) ? req.call_id
						  : first_header(&req, SIP_HDR_CALL_ID),
		   resp.call_id, "Call-ID differs");
	check_same(first_header(&req, SIP_HDR_CSEQ), first_header(&resp, SIP_HDR_CSEQ),
		   "CSeq differs");
	if (req.has_cseq && (!resp.has_cseq || resp.cseq != req.cseq))
		fail("CSeq number differs");
	check_same(rgl_slice_present(req.from.value) ? req.from.value
						     : first_header(&req, SIP_HDR_FROM),
		   first_header(&resp, SIP_HDR_FROM), "From differs");
	if (rgl_slice_present(req.to.value) && !rgl_slice_present(resp.to.tag) &&
	    resp.err == SIP_ERR_OK)
		fail("To without tag");
	if (rgl_slice_present(resp.event) || rgl_slice_present(resp.subs_state))
		fail("Event or Subscription-State in a response");
	if (resp.content_length != 0 || resp.body.len != 0)
		fail("response has a body");
}

/* The packet source: sometimes the top Via's own address, so the "no
 * received" path is taken, otherwise random IPv4 or IPv6. */
static void
pick_source(struct sip_endpoint *src)
{
	const struct sip_via *v = &req.vias[0];
	char host[64];
	unsigned r = (unsigned)(next() % 4);

	memset(src, 0, sizeof(*src));
	src->port = (uint16_t)next();
	if (r == 0 && v->host.p != NULL && v->host.len < sizeof(host)) {
		memcpy(host, v->host.p, v->host.len);
		host[v->host.len] = '\0';
		if (inet_pton(AF_INET, host, src->addr) == 1) {
			src->family = 4;
			return;
		}
		if (inet_pton(AF_INET6, host, src->addr) == 1) {
			src->family = 6;
			return;
		}
	}
	uint64_t a = next(), b = next();

	src->family = r & 1 ? 6 : 4;
	memcpy(src->addr, &a, 8);
	memcpy(src->addr + 8, &b, 8);
	if (r == 3) /* IPv4-mapped */
		memcpy(src->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
}

static void
one_status(unsigned status, const struct sip_endpoint *src,
	   const struct sip_reply_opts *opts)
{
	struct sip_endpoint dst, dst2;
	int need = sip_reply_build(&req, src, status, opts, big, sizeof(big), &dst);

	if (need == -EINVAL)
		fail("-EINVAL for a request with a Via");
	if (need <= 0 || (size_t)need >= sizeof(big))
		fail("no response in a large buffer");
	sip_reply_destination(&req, src, &dst2);
	if (dst.family != dst2.family || dst.port != dst2.port ||
	    memcmp(dst.addr, dst2.addr, sizeof(dst.addr)) != 0 ||
	    (dst.family != 4 && dst.family != 6))
		fail("destination differs");
	check_response(big, need, status);

	for (int k = 0; k < 4; k++) {
		size_t cap;
		char *buf;
		int r;

		switch (next() % 4) {
		case 0:
			cap = (size_t)need;
			break;
		case 1:
			cap = (size_t)need - 1;
			break;
		default:
			cap = (size_t)(next() % ((uint64_t)need + 16));
			break;
		}
		buf = malloc(cap != 0 ? cap : 1);
		if (buf == NULL)
			abort();
		r = sip_reply_build(&req, src, status, opts, cap != 0 ? buf : NULL, cap, &dst);
		if (cap < (size_t)need ? r != -ENOSPC : r != need)
			fail("wrong result for a buffer size");
		if (r > 0) {
			memcpy(again, buf, (size_t)r);
			if (memcmp(again, big, (size_t)r) != 0)
				fail("response depends on the buffer size");
		}
		free(buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned statuses[] = { 200, 400, 405, 415, 420, 489, 503, 505 };
	struct sip_reply_opts opts;
	struct sip_endpoint src;
	char reason[40];
	uint64_t h = 0xcbf29ce484222325ULL;

	sip_parse((const char *)data, size, &req);
	if (req.n_vias == 0 || blank(req.vias[0].value))
		return 0;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	rng = h | 1;
	pick_source(&src);

	memset(&opts, 0, sizeof(opts));
	opts.tag_secret = next();
	opts.retry_after = (uint32_t)next();
	opts.accept = (uint8_t)(next() & 3);
	opts.unsupported = req.require;
	opts.n_unsupported = req.n_require;
	if (next() & 1) {
		/* A reason phrase made of input bytes, CR/LF and all. */
		size_t n = size < sizeof(reason) - 1 ? size : sizeof(reason) - 1;

		memcpy(reason, data + (size - n), n);
		reason[n] = '\0';
		opts.reason = reason;
	}

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (next() & 1)
			one_status(statuses[i], &src, &opts);
	one_status(100 + (unsigned)(next() % 600), &src, &opts);
	one_status(200, &src, NULL);
	return 0;
}
