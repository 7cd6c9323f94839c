/* SPDX-License-Identifier: MIT */
/*
 * SIP responses to parsed requests (RFC 3261 8.2.6, 18.2.1/18.2.2, RFC 3581).
 *
 * A response is a handful of byte ranges of the request glued together with
 * constant text, so the builder is a bounded writer (struct reply_out) fed
 * with memcpy()s of slices. Nothing is formatted with stdio and nothing is
 * allocated; integers and addresses are rendered by the small helpers below.
 *
 * What goes out, in this order:
 *
 *	SIP/2.0 <code> <reason>
 *	Via: <each via-parm of the request, one per line, in order>
 *	From: / To: / Call-ID: / CSeq:   (each omitted when the request lacks it)
 *	<the headers the status needs>
 *	Server: reglane/<version>
 *	Content-Length: 0
 *
 * Copied values are byte-for-byte except for one normalisation: a line fold
 * (CR and/or LF followed by SP/HTAB) becomes a single SP, which RFC 3261
 * 7.3.1 declares equivalent (right after a backslash it stays a fold, see
 * out_value_part()). The same rule also turns any stray CR or LF into a SP,
 * so no copied value, option tag or caller-supplied reason phrase can ever
 * start a header line of its own in the response. Blank via-parms (the
 * nothing between two commas) are not copied: an empty Via line does not
 * parse; a blank top one means there is nothing to answer (-EINVAL).
 *
 * The top Via is the only one edited (RFC 3261 18.2.1, RFC 3581 section 4):
 * a bare rport gets the source port, and received=<source address> is
 * written when the sent-by host is a name, an address other than the
 * source, or when rport is present. A received parameter already in the
 * top Via is always rewritten to the real source address: it is not ours to
 * trust, and the response is routed by the source address anyway.
 */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <reglane/sip_reply.h>

#define SIP_DEFAULT_PORT 5060

/* Longest text form of an IPv6 address ("ffff:...:255.255.255.255"). */
#define IP_TEXT_MAX 46

/* Reason phrases: RFC 3261 section 21 and the SIP extensions in use. 481 is
 * worded for this product, which only answers NOTIFY/OPTIONS (RFC 6665). */
#define foreach_sip_reason                                                     \
	_(100, "Trying")                                                       \
	_(180, "Ringing")                                                      \
	_(181, "Call Is Being Forwarded")                                      \
	_(182, "Queued")                                                       \
	_(183, "Session Progress")                                             \
	_(199, "Early Dialog Terminated")                                      \
	_(200, "OK")                                                           \
	_(202, "Accepted")                                                     \
	_(204, "No Notification")                                              \
	_(300, "Multiple Choices")                                             \
	_(301, "Moved Permanently")                                            \
	_(302, "Moved Temporarily")                                            \
	_(305, "Use Proxy")                                                    \
	_(380, "Alternative Service")                                          \
	_(400, "Bad Request")                                                  \
	_(401, "Unauthorized")                                                 \
	_(402, "Payment Required")                                             \
	_(403, "Forbidden")                                                    \
	_(404, "Not Found")                                                    \
	_(405, "Method Not Allowed")                                           \
	_(406, "Not Acceptable")                                               \
	_(407, "Proxy Authentication Required")                                \
	_(408, "Request Timeout")                                              \
	_(410, "Gone")                                                         \
	_(412, "Conditional Request Failed")                                   \
	_(413, "Request Entity Too Large")                                     \
	_(414, "Request-URI Too Long")                                         \
	_(415, "Unsupported Media Type")                                       \
	_(416, "Unsupported URI Scheme")                                       \
	_(417, "Unknown Resource-Priority")                                    \
	_(420, "Bad Extension")                                                \
	_(421, "Extension Required")                                           \
	_(422, "Session Interval Too Small")                                   \
	_(423, "Interval Too Brief")                                           \
	_(428, "Use Identity Header")                                          \
	_(429, "Provide Referrer Identity")                                    \
	_(433, "Anonymity Disallowed")                                         \
	_(436, "Bad Identity-Info")                                            \
	_(437, "Unsupported Certificate")                                      \
	_(438, "Invalid Identity Header")                                      \
	_(439, "First Hop Lacks Outbound Support")                             \
	_(470, "Consent Needed")                                               \
	_(480, "Temporarily Unavailable")                                      \
	_(481, "Subscription Does Not Exist")                                  \
	_(482, "Loop Detected")                                                \
	_(483, "Too Many Hops")                                                \
	_(484, "Address Incomplete")                                           \
	_(485, "Ambiguous")                                                    \
	_(486, "Busy Here")                                                    \
	_(487, "Request Terminated")                                           \
	_(488, "Not Acceptable Here")                                          \
	_(489, "Bad Event")                                                    \
	_(491, "Request Pending")                                              \
	_(493, "Undecipherable")                                               \
	_(494, "Security Agreement Required")                                  \
	_(500, "Server Internal Error")                                        \
	_(501, "Not Implemented")                                              \
	_(502, "Bad Gateway")                                                  \
	_(503, "Service Unavailable")                                          \
	_(504, "Server Time-out")                                              \
	_(505, "Version Not Supported")                                        \
	_(513, "Message Too Large")                                            \
	_(580, "Precondition Failure")                                         \
	_(600, "Busy Everywhere")                                              \
	_(603, "Decline")                                                      \
	_(604, "Does Not Exist Anywhere")                                      \
	_(606, "Not Acceptable")

/* The phrase and its length, without a strlen() on the hot path. Unknown
 * codes get the name of their class (RFC 3261 21: a client treats them as
 * x00 anyway). */
static const char *
reason_std(unsigned status, size_t *len)
{
#define RET(s)                                                                 \
	do {                                                                   \
		*len = sizeof(s) - 1;                                          \
		return s;                                                      \
	} while (0)

	switch (status) {
#define _(code, str)                                                           \
	case code:                                                             \
		RET(str);
		foreach_sip_reason
#undef _
	default:
		break;
	}
	switch (status / 100) {
	case 1:
		RET("Provisional");
	case 2:
		RET("Successful");
	case 3:
		RET("Redirection");
	case 4:
		RET("Request Failure");
	case 5:
		RET("Server Failure");
	case 6:
		RET("Global Failure");
	default:
		RET("Unknown");
	}
#undef RET
}

const char *
sip_reason_phrase(unsigned status)
{
	size_t len;

	return reason_std(status, &len);
}

/* ------------------------------------------------------------------------ */
/* Bounded writer. */

/*
 * Once a write does not fit, the writer is marked full and every later write
 * is refused too, so the caller checks once at the end. Offsets rather than
 * end pointers keep a NULL/0 buffer free of pointer arithmetic.
 */
struct reply_out {
	char *buf;
	size_t len;
	size_t cap;
	bool full;
};

static inline void
out_put(struct reply_out *o, const char *s, size_t n)
{
	if (o->cap - o->len < n) {
		o->full = true;
		o->cap = o->len; /* refuse everything from now on */
		return;
	}
	if (n != 0) {
		memcpy(o->buf + o->len, s, n);
		o->len += n;
	}
}

#define OUT_LIT(o, lit) out_put((o), (lit), sizeof(lit) - 1)

static inline void
out_byte(struct reply_out *o, char c)
{
	out_put(o, &c, 1);
}

/* Decimal, no leading zeros. */
static void
out_u32(struct reply_out *o, uint32_t v)
{
	char tmp[10];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_put(o, tmp + i, sizeof(tmp) - i);
}

#define BYTES_01 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

/* Non-zero when a byte of @p w is CR or LF (the classic "has zero byte"
 * test on w ^ CR and w ^ LF, exact as a yes/no answer). */
static inline uint64_t
word_crlf(uint64_t w)
{
	uint64_t a = w ^ (BYTES_01 * '\n'), b = w ^ (BYTES_01 * '\r');

	return ((a - BYTES_01) & ~a & BYTES_80) | ((b - BYTES_01) & ~b & BYTES_80);
}

/*
 * Whether [p, p + n) holds a CR or LF, eight bytes at a time: values are
 * short, and two memchr() calls per value cost more than the copy. The last
 * word overlaps the one before instead of being assembled from bytes, which
 * would stall on store forwarding.
 */
static inline bool
has_crlf(const char *p, size_t n)
{
	const char *last;
	uint64_t acc = 0, w;

	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			if (p[i] == '\r' || p[i] == '\n')
				return true;
		return false;
	}
	last = p + n - 8;
	for (; p < last; p += 8) {
		memcpy(&w, p, 8);
		acc |= word_crlf(w);
	}
	memcpy(&w, last, 8);
	return (acc | word_crlf(w)) != 0;
}

/*
 * Copy (part of) a header value, turning each run of CR/LF (plus the SP/HTAB
 * after it) into one SP; a run at the start of a value, or at its end, is
 * dropped, as the LWS a parser trims there. Folds are the only way CR/LF
 * reaches a value, so the common case is one scan and one memcpy().
 * @p head / @p tail: the piece starts / ends the value.
 *
 * One exception keeps the meaning of broken quoting: after a backslash the
 * run becomes the canonical fold CRLF SP. A backslash cannot escape CR or LF
 * (quoted-pair, RFC 3261 25.1), but it would escape a SP, and so shift where
 * a quoted string ends and which commas split the value (a fuzz finding).
 */
static void
out_value_part(struct reply_out *o, const char *p, size_t n, bool head, bool tail)
{
	const char *start = p, *end = p + n;
	bool lead = head;

	if (!has_crlf(p, n)) {
		out_put(o, p, n);
		return;
	}
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *stop = lf != NULL ? lf : end;
		const char *cr = memchr(p, '\r', (size_t)(stop - p));

		if (cr != NULL)
			stop = cr;
		out_put(o, p, (size_t)(stop - p));
		if (stop == end)
			return;
		if (stop != p)
			lead = false;
		p = stop;
		while (p < end && (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t'))
			p++;
		if (lead || (p == end && tail))
			continue;
		if (stop != start && stop[-1] == '\\')
			OUT_LIT(o, "\r\n ");
		else
			out_byte(o, ' ');
	}
}

static inline void
out_slice(struct reply_out *o, struct rgl_slice s)
{
	if (s.p != NULL)
		out_value_part(o, s.p, s.len, true, true);
}

/* Non-zero when a byte of @p w is a CTL (below 0x20, or DEL); exact as a
 * yes/no answer ("has less than" and "has zero byte" word tests). */
static inline uint64_t
word_ctl(uint64_t w)
{
	uint64_t d = w ^ (BYTES_01 * 0x7f);

	return ((w - BYTES_01 * 0x20) & ~w & BYTES_80) | ((d - BYTES_01) & ~d & BYTES_80);
}

/*
 * A caller's reason phrase: any control character but HTAB becomes SP, so
 * it cannot end the status line early (Reason-Phrase, RFC 3261 25.1, has no
 * CTLs besides HTAB). One word-wise scan decides; the byte loop only runs
 * for a phrase that is short or has a CTL (or a HTAB) in it.
 */
static void
out_reason(struct reply_out *o, const char *s)
{
	size_t n = strlen(s);
	const char *run = s;
	uint64_t acc = 0, w;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, s + i, 8);
			acc |= word_ctl(w);
		}
		memcpy(&w, s + n - 8, 8); /* last word, overlapping */
		if ((acc | word_ctl(w)) == 0) {
			out_put(o, s, n);
			return;
		}
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			out_put(o, run, (size_t)(s - run));
			out_byte(o, ' ');
			run = s + 1;
		}
	}
	out_put(o, run, (size_t)(s - run));
}

/* ------------------------------------------------------------------------ */
/* IP literals. */

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* IPv4address (RFC 3261 25.1): four 1*3DIGIT, each at most 255. */
static bool
parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t digits = 0;

		if (part != 0) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || v > 255)
			return false;
		out[part] = (uint8_t)v;
	}
	return i == n;
}

/* IPv6address (RFC 3261 25.1 / RFC 4291 2.2), optionally in brackets. */
static bool
parse_ipv6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n < 2 || n > IP_TEXT_MAX - 1)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = 0;
		i = 2;
	}
	while (i < n) {
		size_t start = i, digits = 0;
		unsigned v = 0;
		int h;

		while (i < n && digits < 5 && (h = hex_val(s[i])) >= 0) {
			v = v * 16 + (unsigned)h;
			i++;
			digits++;
		}
		if (i < n && s[i] == '.') {
			/* Trailing dotted quad: the last 32 bits. */
			uint8_t q[4];

			if (ng > 6 || !parse_ipv4(s + start, n - start, q))
				return false;
			g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
			g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
			i = n;
			break;
		}
		if (digits == 0 || digits > 4 || ng == 8)
			return false;
		g[ng++] = (uint16_t)v;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return false;
			gap = ng;
			i++;
		} else if (i == n) {
			return false; /* a single trailing colon */
		}
	}
	if (gap < 0 ? ng != 8 : ng > 7)
		return false;

	int k = 0;

	for (int j = 0; j < 8; j++) {
		uint16_t v;

		if (gap >= 0 && j >= gap && j < gap + (8 - ng))
			v = 0;
		else
			v = g[k++];
		out[2 * j] = (uint8_t)(v >> 8);
		out[2 * j + 1] = (uint8_t)v;
	}
	return true;
}

/* Parse a host as an IP literal into an endpoint's family/addr. */
static bool
parse_ip(struct rgl_slice host, struct sip_endpoint *ep)
{
	if (host.p == NULL || host.len == 0)
		return false;
	memset(ep, 0, sizeof(*ep));
	if (parse_ipv4(host.p, host.len, ep->addr)) {
		ep->family = 4;
		return true;
	}
	if (parse_ipv6(host.p, host.len, ep->addr)) {
		ep->family = 6;
		return true;
	}
	return false;
}

static size_t
fmt_u8(char *out, unsigned v)
{
	size_t n = 0;

	if (v >= 100)
		out[n++] = (char)('0' + v / 100);
	if (v >= 10)
		out[n++] = (char)('0' + v / 10 % 10);
	out[n++] = (char)('0' + v % 10);
	return n;
}

static size_t
fmt_ipv4(char *out, const uint8_t a[4])
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		if (i != 0)
			out[n++] = '.';
		n += fmt_u8(out + n, a[i]);
	}
	return n;
}

/*
 * RFC 5952 text: lowercase, no leading zeros, the longest run (first on a
 * tie) of two or more zero groups as "::", and IPv4-mapped addresses in
 * mixed notation (section 5). No brackets: received is an IPv6address in
 * the RFC 3261 ABNF.
 */
static size_t
fmt_ipv6(char *out, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint16_t g[8];
	int best = -1, best_len = 0;
	size_t n = 0;

	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		memcpy(out, "::ffff:", 7);
		return 7 + fmt_ipv4(out + 7, a + 12);
	}
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j == i ? i + 1 : j;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out[n++] = ':';
			out[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (i != 0 && i != best + best_len)
			out[n++] = ':';
		bool lead = true;

		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned d = (unsigned)(g[i] >> shift) & 0xf;

			if (d == 0 && lead && shift != 0)
				continue;
			lead = false;
			out[n++] = hex[d];
		}
	}
	return n;
}

static size_t
fmt_ip(char out[IP_TEXT_MAX], const struct sip_endpoint *ep)
{
	return ep->family == 6 ? fmt_ipv6(out, ep->addr) : fmt_ipv4(out, ep->addr);
}

static bool
ep_same_addr(const struct sip_endpoint *a, const struct sip_endpoint *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->addr, b->addr, a->family == 6 ? 16 : 4) == 0;
}

/* ------------------------------------------------------------------------ */
/* Destination. */

void
sip_reply_destination(const struct sip_msg *req, const struct sip_endpoint *src,
		      struct sip_endpoint *dst)
{
	const struct sip_via *v;
	struct sip_endpoint maddr;

	*dst = *src;
	if (req == NULL || req->n_vias == 0)
		return; /* nowhere to answer; the caller drops (case 050) */
	v = &req->vias[0];

	/* 18.2.2: maddr wins, with the sent-by port. A maddr that is a name
	 * would need DNS, which the packet path does not do: fall through to
	 * the source address, where the request demonstrably came from. */
	if (parse_ip(v->maddr, &maddr)) {
		maddr.port = v->port != 0 ? v->port : SIP_DEFAULT_PORT;
		*dst = maddr;
		return;
	}
	/* RFC 3581 4: received + rport → source address and source port. */
	if (v->has_rport)
		return;
	/* 18.2.2: the received address (= source, sent-by or not) and the
	 * sent-by port, 5060 when none (case 044). */
	dst->port = v->port != 0 ? v->port : SIP_DEFAULT_PORT;
}

/* ------------------------------------------------------------------------ */
/* To tag. */

/*
 * A keyed 64-bit hash eight bytes at a time (multiply-xorshift per word, in
 * the family of FNV/wyhash mixes): byte-wise FNV-1a cost ~1 ns a byte, the
 * largest single item of a 481 built for a NOTIFY without To tag.
 */
#define TAG_K1 0x9e3779b97f4a7c15ULL
#define TAG_K2 0xff51afd7ed558ccdULL

static inline uint64_t
hash_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * TAG_K2;
	return h ^ (h >> 29);
}

/* Length first, so ("ab","c") and ("a","bc") hash differently. */
static inline uint64_t
hash_slice(uint64_t h, struct rgl_slice s)
{
	const char *p = s.p;
	size_t n = p != NULL ? s.len : 0;
	uint64_t w;

	h = hash_word(h, (uint64_t)n + TAG_K1);
	if (n < 8) {
		w = 0;
		for (size_t i = 0; i < n; i++)
			w |= (uint64_t)(unsigned char)p[i] << (8 * i);
		return n != 0 ? hash_word(h, w) : h;
	}
	/* Whole words, then the last eight bytes (overlapping): the length is
	 * already in, so this is still a function of the exact bytes. */
	for (; n > 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = hash_word(h, w);
	}
	memcpy(&w, p + n - 8, 8);
	return hash_word(h, w);
}

/* splitmix64 finaliser: full avalanche before the bits are shown. */
static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * The To tag of a response to a request without one: a keyed hash of what
 * identifies the transaction (Call-ID, From tag, CSeq number, top Via
 * branch), so a retransmission gets the same tag (17.2.2) and another
 * transaction a different one, without any per-transaction state. The
 * secret keeps tags unguessable from outside (RFC 3261 19.3).
 */
static uint64_t
to_tag_hash(const struct sip_msg *req, struct rgl_slice call_id, uint64_t secret)
{
	uint64_t h = mix64(secret ^ TAG_K1);

	h = hash_slice(h, call_id);
	h = hash_slice(h, req->from.tag);
	h = hash_word(h, req->cseq);
	h = hash_slice(h, req->vias[0].branch);
	return mix64(h ^ secret);
}

static void
out_hex64(struct reply_out *o, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];

	for (int i = 15; i >= 0; i--) {
		tmp[i] = hex[v & 0xf];
		v >>= 4;
	}
	out_put(o, tmp, sizeof(tmp));
}

/* ------------------------------------------------------------------------ */
/* Response. */

/* First header line with @p id, for values the parser saw but rejected. */
static struct rgl_slice
find_header(const struct sip_msg *req, enum sip_hdr id)
{
	unsigned n = req->n_headers < SIP_MAX_HEADERS ? req->n_headers : SIP_MAX_HEADERS;

	for (unsigned i = 0; i < n; i++)
		if (req->headers[i].id == id)
			return req->headers[i].value;
	return RGL_SLICE_NONE;
}

/* The parsed value when there is one, else the raw header (a 400 to a
 * malformed one still echoes it, 8.2.6.2), else absent (omitted). */
static inline struct rgl_slice
value_or_header(const struct sip_msg *req, struct rgl_slice parsed, enum sip_hdr id)
{
	return parsed.p != NULL ? parsed : find_header(req, id);
}

/* A via-parm with nothing in it, as "Via: a, , b" leaves between commas. */
static inline bool
via_blank(struct rgl_slice s)
{
	for (uint32_t i = 0; i < s.len; i++)
		if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\r' && s.p[i] != '\n')
			return false;
	return true;
}

/* A parameter slice usable as an edit: inside @p v and not before @p from. */
static inline bool
param_within(struct rgl_slice param, const char *from, struct rgl_slice v)
{
	return param.p != NULL && param.p >= from && param.p <= v.p + v.len &&
	       param.len <= (size_t)(v.p + v.len - param.p);
}

/*
 * The top via-parm with the RFC 3261 18.2.1 / RFC 3581 4 edits. At most two
 * in-place replacements (rport, received), applied in text order; received
 * is appended when the request had none.
 */
static void
out_top_via(struct reply_out *o, const struct sip_via *v, const struct sip_endpoint *src)
{
	struct via_edit {
		struct rgl_slice at;
		bool rport;
	} edit[2], t;
	struct sip_endpoint sent_by;
	bool need_received, received_done = false;
	int n_edit = 0;
	const char *cur = v->value.p;
	const char *end = v->value.p + v->value.len;
	char ip[IP_TEXT_MAX];
	size_t ip_len = fmt_ip(ip, src);

	/* RFC 3581 4: received "even if it is identical to" the sent-by. */
	need_received = v->has_rport || v->received_param.p != NULL ||
			!parse_ip(v->host, &sent_by) || !ep_same_addr(&sent_by, src);

	if (v->has_rport && v->rport_value.len == 0 && v->rport_param.p != NULL)
		edit[n_edit++] = (struct via_edit){ v->rport_param, true };
	if (v->received_param.p != NULL)
		edit[n_edit++] = (struct via_edit){ v->received_param, false };
	if (n_edit == 2 && edit[1].at.p < edit[0].at.p) {
		t = edit[0];
		edit[0] = edit[1];
		edit[1] = t;
	}

	for (int i = 0; i < n_edit; i++) {
		if (!param_within(edit[i].at, cur, v->value))
			continue; /* inconsistent slices: leave that text alone */
		out_value_part(o, cur, (size_t)(edit[i].at.p - cur), cur == v->value.p, false);
		if (edit[i].rport) {
			OUT_LIT(o, "rport=");
			out_u32(o, src->port);
		} else {
			OUT_LIT(o, "received=");
			out_put(o, ip, ip_len);
			received_done = true;
		}
		cur = edit[i].at.p + edit[i].at.len;
	}
	out_value_part(o, cur, (size_t)(end - cur), cur == v->value.p, true);
	if (need_received && !received_done) {
		OUT_LIT(o, ";received=");
		out_put(o, ip, ip_len);
	}
}

static void
out_status_headers(struct reply_out *o, const struct sip_msg *req, unsigned status,
		   const struct sip_reply_opts *opts)
{
	switch (status) {
	case 200:
		if (req->method == SIP_METHOD_OPTIONS)
			OUT_LIT(o, "Allow: NOTIFY, OPTIONS\r\n");
		break;
	case 405:
		OUT_LIT(o, "Allow: NOTIFY, OPTIONS\r\n");
		break;
	case 415: {
		/* 8.2.3 requires at least one; when the caller did not say
		 * which, both are true statements about what we take. */
		uint8_t acc = opts != NULL ? opts->accept : 0;

		if (acc == 0)
			acc = SIP_REPLY_ACCEPT_TYPE | SIP_REPLY_ACCEPT_ENCODING;
		if (acc & SIP_REPLY_ACCEPT_TYPE)
			OUT_LIT(o, "Accept: application/reginfo+xml\r\n");
		if (acc & SIP_REPLY_ACCEPT_ENCODING)
			OUT_LIT(o, "Accept-Encoding: identity\r\n");
		break;
	}
	case 420:
		if (opts != NULL && opts->unsupported != NULL && opts->n_unsupported != 0) {
			OUT_LIT(o, "Unsupported: ");
			for (unsigned i = 0; i < opts->n_unsupported; i++) {
				if (i != 0)
					OUT_LIT(o, ", ");
				out_slice(o, opts->unsupported[i]);
			}
			OUT_LIT(o, "\r\n");
		}
		break;
	case 489:
		OUT_LIT(o, "Allow-Events: reg\r\n");
		break;
	case 503:
		if (opts != NULL && opts->retry_after != 0) {
			OUT_LIT(o, "Retry-After: ");
			out_u32(o, opts->retry_after);
			OUT_LIT(o, "\r\n");
		}
		break;
	default:
		break;
	}
}

int
sip_reply_build(const struct sip_msg *req, const struct sip_endpoint *src,
		unsigned status, const struct sip_reply_opts *opts, char *buf,
		size_t cap, struct sip_endpoint *dst)
{
	/* Capped so the length always fits the int return value. */
	struct reply_out o = { .buf = buf, .len = 0,
			       .cap = buf == NULL ? 0 : cap < INT_MAX ? cap : INT_MAX };
	struct rgl_slice from, to, call_id, cseq;
	unsigned n_vias;

	/* A blank top via-parm has no sent-by to answer: as good as no Via. */
	if (req == NULL || src == NULL || req->n_vias == 0 || req->vias[0].value.p == NULL ||
	    via_blank(req->vias[0].value) || status < 100 || status > 699 ||
	    (src->family != 4 && src->family != 6))
		return -EINVAL;
	n_vias = req->n_vias < SIP_MAX_VIAS ? req->n_vias : SIP_MAX_VIAS;

	OUT_LIT(&o, "SIP/2.0 ");
	out_u32(&o, status);
	out_byte(&o, ' ');
	if (opts != NULL && opts->reason != NULL && opts->reason[0] != '\0') {
		out_reason(&o, opts->reason);
	} else {
		size_t rlen;
		const char *r = reason_std(status, &rlen);

		out_put(&o, r, rlen);
	}
	OUT_LIT(&o, "\r\n");

	/* One Via line per via-parm: equal values in equal order (8.2.6.2)
	 * whichever way the request split them across lines. Blank list
	 * elements are no via-parms; an empty Via line would not parse. */
	OUT_LIT(&o, "Via: ");
	out_top_via(&o, &req->vias[0], src);
	OUT_LIT(&o, "\r\n");
	for (unsigned i = 1; i < n_vias; i++) {
		if (req->vias[i].value.p == NULL || via_blank(req->vias[i].value))
			continue;
		OUT_LIT(&o, "Via: ");
		out_slice(&o, req->vias[i].value);
		OUT_LIT(&o, "\r\n");
	}

	from = value_or_header(req, req->from.value, SIP_HDR_FROM);
	to = value_or_header(req, req->to.value, SIP_HDR_TO);
	call_id = value_or_header(req, req->call_id, SIP_HDR_CALL_ID);
	cseq = find_header(req, SIP_HDR_CSEQ);

	if (from.p != NULL) {
		OUT_LIT(&o, "From: ");
		out_slice(&o, from);
		OUT_LIT(&o, "\r\n");
	}
	if (to.p != NULL) {
		OUT_LIT(&o, "To: ");
		out_slice(&o, to);
		/* 8.2.6.2: add a tag when the request had none. A To the
		 * parser could not read (echoed raw in a 400) is left alone:
		 * whether it already holds a tag is unknown, and two would
		 * make it worse. */
		if (req->to.value.p != NULL && req->to.tag.p == NULL) {
			OUT_LIT(&o, ";tag=");
			out_hex64(&o, to_tag_hash(req, call_id,
						  opts != NULL ? opts->tag_secret : 0));
		}
		OUT_LIT(&o, "\r\n");
	}
	if (call_id.p != NULL) {
		OUT_LIT(&o, "Call-ID: ");
		out_slice(&o, call_id);
		OUT_LIT(&o, "\r\n");
	}
	if (cseq.p != NULL) {
		OUT_LIT(&o, "CSeq: ");
		out_slice(&o, cseq);
		OUT_LIT(&o, "\r\n");
	}

	/* Event and Subscription-State MUST NOT appear (RFC 6665 8.2.1/8.2.3):
	 * nothing beyond this fixed list is ever written. */
	out_status_headers(&o, req, status, opts);
	OUT_LIT(&o, "Server: " REGLANE_SERVER_HEADER "\r\n"
		    "Content-Length: 0\r\n"
		    "\r\n");

	if (o.full)
		return -ENOSPC;
	if (dst != NULL)
		sip_reply_destination(req, src, dst);
	return (int)o.len;
}
