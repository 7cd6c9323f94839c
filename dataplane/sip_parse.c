/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy SIP message parser (RFC 3261 sections 7, 18.3, 20, 25).
 *
 * Shape of the scan: one forward pass over the header block. Each header
 * line is found with memchr('\n'); a following SP/HTAB means a fold and the
 * header continues on the next line. The name is matched with a switch on
 * its first letter (sip_header_id) and the few headers the admission step
 * needs are decoded from their value slice right away, so every byte of the
 * header block is looked at about twice (memchr, then the field grammar)
 * and the body not at all.
 *
 * Folds are never unfolded: inside a value, CR and LF only ever appear as
 * part of a fold (a bare line end would have ended the header), so the field
 * grammars below simply treat CR and LF as linear white space.
 *
 * Error model (see sip.h): m->err keeps the first problem seen; problems in
 * one header field are recorded and the scan goes on, so that the caller
 * still gets the Vias, From, To, Call-ID and CSeq it needs to answer 400.
 * The scan stops only when the byte stream can no longer be followed: a
 * limit is exceeded, a header line has no colon, or the header block does
 * not end.
 */

#include <stddef.h>
#include <string.h>

#include <reglane/sip.h>

/* Character classes, one bit each (RFC 3261 section 25.1). */
#define CT_TOKEN 0x01 /* token: alphanum and -.!%*_+`'~ */
#define CT_WS 0x02    /* SP HTAB CR LF: LWS inside a (possibly folded) value */
#define CT_HOST 0x04  /* hostname and IPv4 characters: alphanum - . */
#define CT_DIGIT 0x08
#define CT_WORD 0x10 /* Call-ID word: token plus ()<>:\"/[]?{} */
#define CT_PVAL 0x20 /* unquoted gen-value: token / host (incl. IPv6) */
#define CT_URI 0x40  /* visible ASCII, what a Request-URI may hold */
#define CT_HEX 0x80

static const uint8_t ctab[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 00 ........ */
	0x00, 0x02, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00, /* 08 ........ */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 10 ........ */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 18 ........ */
	0x02, 0x71, 0x50, 0x40, 0x40, 0x71, 0x40, 0x71, /* 20  !"#$%&' */
	0x50, 0x50, 0x71, 0x71, 0x40, 0x75, 0x75, 0x50, /* 28 ()*+,-./ */
	0xfd, 0xfd, 0xfd, 0xfd, 0xfd, 0xfd, 0xfd, 0xfd, /* 30 01234567 */
	0xfd, 0xfd, 0x70, 0x40, 0x50, 0x40, 0x50, 0x50, /* 38 89:;<=>? */
	0x40, 0xf5, 0xf5, 0xf5, 0xf5, 0xf5, 0xf5, 0x75, /* 40 @ABCDEFG */
	0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, /* 48 HIJKLMNO */
	0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, /* 50 PQRSTUVW */
	0x75, 0x75, 0x75, 0x70, 0x50, 0x70, 0x40, 0x71, /* 58 XYZ[\]^_ */
	0x71, 0xf5, 0xf5, 0xf5, 0xf5, 0xf5, 0xf5, 0x75, /* 60 `abcdefg */
	0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, /* 68 hijklmno */
	0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, /* 70 pqrstuvw */
	0x75, 0x75, 0x75, 0x50, 0x40, 0x50, 0x71, 0x00, /* 78 xyz{|}~. */
	/* 0x80-0xff: no class (zero) */
};

#define IS(c, cls) ((ctab[(unsigned char)(c)] & (cls)) != 0)

/* Largest values the numeric fields accept (RFC 3261 8.1.1.5, 20.14, 25.1). */
#define CSEQ_MAX 0x7fffffffu
#define DELTA_MAX 0xffffffffu

static const char *const err_str[SIP_ERR__COUNT] = {
#define _(sym, str) [SIP_ERR_##sym] = str,
	foreach_sip_err
#undef _
};

const char *
sip_err_str(enum sip_err err)
{
	if ((unsigned)err >= SIP_ERR__COUNT)
		return "unknown error";
	return err_str[err];
}

static inline unsigned char
lower(unsigned char c)
{
	return (unsigned char)((unsigned)c - 'A' < 26u ? c + 32 : c);
}

/* Case-insensitive compare of @p n bytes against a lowercase literal. */
static inline int
ieq(const char *s, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return 0;
	return 1;
}

#define IEQ_LIT(s, n, lit) ((n) == sizeof(lit) - 1 && ieq((s), (lit), sizeof(lit) - 1))

enum sip_hdr
sip_header_id(const char *name, size_t len)
{
	if (name == NULL || len == 0)
		return SIP_HDR_OTHER;
	if (len == 1) {
		/* RFC 3261 7.3.3 / 20 and RFC 6665 7.3 compact forms. */
		switch (lower((unsigned char)name[0])) {
		case 'v': return SIP_HDR_VIA;
		case 'f': return SIP_HDR_FROM;
		case 't': return SIP_HDR_TO;
		case 'i': return SIP_HDR_CALL_ID;
		case 'm': return SIP_HDR_CONTACT;
		case 'l': return SIP_HDR_CONTENT_LENGTH;
		case 'c': return SIP_HDR_CONTENT_TYPE;
		case 'e': return SIP_HDR_CONTENT_ENCODING;
		case 'k': return SIP_HDR_SUPPORTED;
		case 's': return SIP_HDR_SUBJECT;
		case 'o': return SIP_HDR_EVENT;
		case 'u': return SIP_HDR_ALLOW_EVENTS;
		default: return SIP_HDR_OTHER;
		}
	}
	/* The first letter and the length pick at most one candidate. */
	switch (lower((unsigned char)name[0])) {
	case 'a':
		if (IEQ_LIT(name, len, "allow-events"))
			return SIP_HDR_ALLOW_EVENTS;
		break;
	case 'c':
		switch (len) {
		case 4:
			if (ieq(name, "cseq", 4))
				return SIP_HDR_CSEQ;
			break;
		case 7:
			if (ieq(name, "call-id", 7))
				return SIP_HDR_CALL_ID;
			if (ieq(name, "contact", 7))
				return SIP_HDR_CONTACT;
			break;
		case 12:
			if (ieq(name, "content-type", 12))
				return SIP_HDR_CONTENT_TYPE;
			break;
		case 14:
			if (ieq(name, "content-length", 14))
				return SIP_HDR_CONTENT_LENGTH;
			break;
		case 16:
			if (ieq(name, "content-encoding", 16))
				return SIP_HDR_CONTENT_ENCODING;
			break;
		}
		break;
	case 'e':
		if (IEQ_LIT(name, len, "event"))
			return SIP_HDR_EVENT;
		break;
	case 'f':
		if (IEQ_LIT(name, len, "from"))
			return SIP_HDR_FROM;
		break;
	case 'm':
		if (IEQ_LIT(name, len, "max-forwards"))
			return SIP_HDR_MAX_FORWARDS;
		break;
	case 'r':
		if (IEQ_LIT(name, len, "require"))
			return SIP_HDR_REQUIRE;
		break;
	case 's':
		if (IEQ_LIT(name, len, "subscription-state"))
			return SIP_HDR_SUBSCRIPTION_STATE;
		if (IEQ_LIT(name, len, "supported"))
			return SIP_HDR_SUPPORTED;
		if (IEQ_LIT(name, len, "subject"))
			return SIP_HDR_SUBJECT;
		break;
	case 't':
		if (IEQ_LIT(name, len, "to"))
			return SIP_HDR_TO;
		break;
	case 'v':
		if (IEQ_LIT(name, len, "via"))
			return SIP_HDR_VIA;
		break;
	}
	return SIP_HDR_OTHER;
}

static inline struct rgl_slice
span(const char *b, const char *e)
{
	return (struct rgl_slice){ b, (uint32_t)(e - b) };
}

static inline void
set_err(struct sip_msg *m, enum sip_err e)
{
	if (m->err == SIP_ERR_OK)
		m->err = e;
}

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && IS(*p, CT_WS))
		p++;
	return p;
}

static inline const char *
rtrim_ws(const char *b, const char *e)
{
	while (e > b && IS(e[-1], CT_WS))
		e--;
	return e;
}

static inline const char *
skip_class(const char *p, const char *end, unsigned cls)
{
	while (p < end && IS(*p, cls))
		p++;
	return p;
}

/*
 * @p p at an opening DQUOTE: return the position after the closing one, or
 * NULL when the string does not end. quoted-pair escapes any octet but CR
 * and LF (RFC 3261 25.1), which keeps an escape from eating a fold.
 */
static const char *
quoted_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
				return NULL;
			p++;
		}
	}
	return NULL;
}

/*
 * End of one element of a comma-separated header value: the next comma
 * that is neither inside a quoted string nor between < and >. A broken
 * quote makes the rest of the value one element, for its grammar to reject.
 */
static const char *
list_elem_end(const char *p, const char *end)
{
	int in_angle = 0;

	for (; p < end; p++) {
		switch (*p) {
		case ',':
			if (!in_angle)
				return p;
			break;
		case '"': {
			const char *q = quoted_end(p, end);

			if (q == NULL)
				return end;
			p = q - 1;
			break;
		}
		case '<':
			in_angle = 1;
			break;
		case '>':
			in_angle = 0;
			break;
		}
	}
	return end;
}

/*
 * Decimal digits as a number, saturating at @p max + 1 so that callers see
 * "too large" without an overflow. Returns the end of the digits (== @p p
 * when there are none).
 */
static const char *
parse_uint(const char *p, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	for (; p < end && IS(*p, CT_DIGIT); p++) {
		if (v <= max)
			v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v > max ? max + 1 : v;
	return p;
}

/* A whole slice [b, e) that is a decimal number <= max; -1 if it is not. */
static int64_t
parse_number(const char *b, const char *e, uint64_t max)
{
	uint64_t v;
	const char *p = parse_uint(b, e, max, &v);

	if (p == b || p != e || v > max)
		return -1;
	return (int64_t)v;
}

/* One ";name[=value]" parameter, @p p just after the ';'. */
struct param {
	const char *name;
	const char *name_end;
	const char *val; /* NULL when there is no '=' */
	const char *val_end;
};

/*
 * generic-param = token [ EQUAL gen-value ], gen-value = token / host /
 * quoted-string (RFC 3261 25.1), with SWS around '='. Returns the position
 * after the parameter and any LWS, or NULL on a syntax error.
 */
static const char *
param_parse(const char *p, const char *end, struct param *pa)
{
	const char *q;

	p = skip_ws(p, end);
	pa->name = p;
	p = skip_class(p, end, CT_TOKEN);
	pa->name_end = p;
	pa->val = NULL;
	pa->val_end = NULL;
	if (p == pa->name)
		return NULL;
	q = skip_ws(p, end);
	if (q < end && *q == '=') {
		q = skip_ws(q + 1, end);
		pa->val = q;
		if (q < end && *q == '"')
			q = quoted_end(q, end);
		else
			q = skip_class(q, end, CT_PVAL);
		if (q == NULL || q == pa->val)
			return NULL;
		pa->val_end = q;
		p = q;
	}
	return skip_ws(p, end);
}

static inline int
param_is(const struct param *pa, const char *lit, size_t n)
{
	return (size_t)(pa->name_end - pa->name) == n && ieq(pa->name, lit, n);
}

#define PARAM_IS(pa, lit) param_is((pa), (lit), sizeof(lit) - 1)

static inline int
all_class(const char *b, const char *e, unsigned cls)
{
	return b < e && skip_class(b, e, cls) == e;
}

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each <= 255. */
static int
is_ipv4(const char *p, const char *end)
{
	for (int part = 0; part < 4; part++) {
		const char *d = p;
		unsigned v = 0;

		if (part > 0) {
			if (p >= end || *p != '.')
				return 0;
			d = ++p;
		}
		while (p < end && IS(*p, CT_DIGIT) && p - d < 3)
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == d || v > 255)
			return 0;
	}
	return p == end;
}

/*
 * IPv6address per RFC 3261 25.1 / RFC 4291 2.2: hex4 groups, at most one
 * "::", an optional trailing IPv4address counting as two groups.
 */
static int
is_ipv6(const char *p, const char *end)
{
	int groups = 0, gap = 0;

	if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
		gap = 1;
		p += 2;
		if (p == end)
			return 1;
	}
	while (p < end) {
		const char *g = p;

		p = skip_class(p, end, CT_HEX);
		if (p < end && *p == '.') {
			/* Embedded IPv4 ends the address. */
			if (!is_ipv4(g, end))
				return 0;
			groups += 2;
			p = end;
			break;
		}
		if (p == g || p - g > 4)
			return 0;
		groups++;
		if (p == end)
			break;
		if (*p != ':')
			return 0;
		p++;
		if (p < end && *p == ':') {
			if (gap)
				return 0;
			gap = 1;
			p++;
			if (p == end)
				break;
		} else if (p == end) {
			return 0; /* trailing single ':' */
		}
	}
	return gap ? groups <= 7 : groups == 8;
}

/*
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ), with
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport and
 * sent-by = host [ COLON port ] (RFC 3261 20.42, 25.1). @p b is at the
 * start of the via-parm, @p e the end of the whole header value; returns
 * where the via-parm ends (the next ',' or @p e), NULL when it is malformed.
 * Nothing in a well-formed via-parm outside a quoted string can be a ',', so
 * this is also how a Via list is split: one pass, no separate scan.
 */
static const char *
via_parm(const char *b, const char *e, struct sip_via *v)
{
	const char *p = b, *q;
	struct param pa;

	/* sent-protocol; SLASH allows white space around the '/'. */
	q = skip_class(p, e, CT_TOKEN);
	if (q == p)
		return NULL;
	for (int i = 0; i < 2; i++) {
		q = skip_ws(q, e);
		if (q >= e || *q != '/')
			return NULL;
		q = skip_ws(q + 1, e);
		p = q;
		q = skip_class(q, e, CT_TOKEN);
		if (q == p)
			return NULL;
	}
	v->protocol = span(b, q);
	v->transport = span(p, q);

	/* LWS is mandatory between sent-protocol and sent-by. */
	if (q >= e || !IS(*q, CT_WS))
		return NULL;
	p = skip_ws(q, e);

	if (p < e && *p == '[') {
		q = memchr(p, ']', (size_t)(e - p));
		if (q == NULL || !is_ipv6(p + 1, q))
			return NULL;
		v->host = span(p + 1, q);
		v->host_is_ipv6 = true;
		q++;
	} else {
		q = skip_class(p, e, CT_HOST);
		if (q == p)
			return NULL;
		v->host = span(p, q);
		if (is_ipv4(p, q)) {
			v->host_is_ipv4 = true;
		} else {
			/* Digits and dots that are no IPv4 address are no
			 * hostname either (a toplabel starts with ALPHA). */
			const char *r = p;

			while (r < q && (IS(*r, CT_DIGIT) || *r == '.'))
				r++;
			if (r == q)
				return NULL;
		}
	}

	p = skip_ws(q, e);
	if (p < e && *p == ':') {
		uint64_t port;

		p = skip_ws(p + 1, e);
		q = parse_uint(p, e, 65535, &port);
		if (q == p || port == 0 || port > 65535)
			return NULL;
		v->port = (uint16_t)port;
		p = skip_ws(q, e);
	}

	while (p < e && *p == ';') {
		const char *pstart = skip_ws(p + 1, e);

		p = param_parse(p + 1, e, &pa);
		if (p == NULL)
			return NULL;
		if (PARAM_IS(&pa, "branch")) {
			if (pa.val == NULL || !all_class(pa.val, pa.val_end, CT_TOKEN))
				return NULL;
			if (!rgl_slice_present(v->branch))
				v->branch = span(pa.val, pa.val_end);
		} else if (PARAM_IS(&pa, "received")) {
			if (pa.val == NULL)
				return NULL;
			if (!rgl_slice_present(v->received)) {
				v->received = span(pa.val, pa.val_end);
				v->received_param = span(pstart, pa.val_end);
			}
		} else if (PARAM_IS(&pa, "maddr")) {
			if (pa.val == NULL)
				return NULL;
			if (!rgl_slice_present(v->maddr))
				v->maddr = span(pa.val, pa.val_end);
		} else if (PARAM_IS(&pa, "rport")) {
			/* RFC 3581: response-port = "rport" [EQUAL 1*DIGIT] */
			if (pa.val != NULL &&
			    parse_number(pa.val, pa.val_end, 65535) < 0)
				return NULL;
			if (!v->has_rport) {
				v->has_rport = true;
				v->rport_param = span(pstart, pa.val ? pa.val_end : pa.name_end);
				if (pa.val != NULL)
					v->rport_value = span(pa.val, pa.val_end);
			}
		}
	}
	return p == e || *p == ',' ? p : NULL;
}

/*
 * absoluteURI / SIP-URI: scheme ":" and at least one more character; the
 * caller has already limited [b, e) to visible ASCII.
 */
static int
uri_ok(const char *b, const char *e)
{
	const char *p = b;

	if (p >= e || (unsigned)lower((unsigned char)*p) - 'a' >= 26u)
		return 0;
	while (p < e && (IS(*p, CT_HOST) || *p == '+'))
		p++;
	return p < e && *p == ':' && e - p >= 2;
}

/*
 * From / To: ( name-addr / addr-spec ) *( SEMI param ), name-addr =
 * [ display-name ] LAQUOT addr-spec RAQUOT, display-name = *(token LWS) /
 * quoted-string (RFC 3261 20.20, 20.39, 25.1). In addr-spec form the URI
 * ends at the first ';' or LWS: what follows are header parameters (20.10).
 */
static int
nameaddr_parse(const char *b, const char *e, struct sip_nameaddr *na)
{
	const char *p = b, *q;
	struct param pa;

	na->value = span(b, e);
	if (p >= e)
		return 0;
	if (*p == '"') {
		q = quoted_end(p, e);
		if (q == NULL)
			return 0;
		na->display = span(p, q);
		p = skip_ws(q, e);
		if (p >= e || *p != '<')
			return 0;
	} else {
		/*
		 * Tokens (and, leniently, UTF-8 octets) up to '<' are a display
		 * name; anything else (the ':' of a URI) means addr-spec form.
		 */
		q = p;
		while (q < e && (IS(*q, CT_TOKEN | CT_WS) || (unsigned char)*q >= 0x80))
			q++;
		if (q < e && *q == '<') {
			if (q > p)
				na->display = span(p, rtrim_ws(p, q));
			p = q;
		}
	}

	if (*p == '<') {
		q = p + 1;
		while (q < e && IS(*q, CT_URI) && *q != '>')
			q++;
		if (q >= e || *q != '>' || !uri_ok(p + 1, q))
			return 0;
		na->uri = span(p + 1, q);
		p = skip_ws(q + 1, e);
	} else {
		q = p;
		while (q < e && IS(*q, CT_URI) && *q != ';' && *q != '<' && *q != '>' &&
		       *q != '"')
			q++;
		if (!uri_ok(p, q))
			return 0;
		na->uri = span(p, q);
		p = skip_ws(q, e);
	}

	while (p < e && *p == ';') {
		p = param_parse(p + 1, e, &pa);
		if (p == NULL)
			return 0;
		if (PARAM_IS(&pa, "tag")) {
			if (pa.val == NULL || !all_class(pa.val, pa.val_end, CT_TOKEN))
				return 0;
			if (!rgl_slice_present(na->tag))
				na->tag = span(pa.val, pa.val_end);
		}
	}
	return p == e;
}

/* callid = word [ "@" word ] (RFC 3261 25.1). */
static int
callid_ok(const char *b, const char *e)
{
	const char *p = skip_class(b, e, CT_WORD);

	if (p == b)
		return 0;
	if (p < e && *p == '@') {
		const char *w = p + 1;

		p = skip_class(w, e, CT_WORD);
		if (p == w)
			return 0;
	}
	return p == e;
}

/* CSeq = 1*DIGIT LWS Method (RFC 3261 20.16, 8.1.1.5: below 2**31). */
static int
cseq_parse(const char *b, const char *e, struct sip_msg *m)
{
	uint64_t n;
	const char *p = parse_uint(b, e, CSEQ_MAX, &n), *q;

	if (p == b || n > CSEQ_MAX || p >= e || !IS(*p, CT_WS))
		return 0;
	p = skip_ws(p, e);
	q = skip_class(p, e, CT_TOKEN);
	if (q == p || q != e)
		return 0;
	m->cseq = (uint32_t)n;
	m->cseq_method = span(p, q);
	m->has_cseq = true;
	return 1;
}

/* Event = event-type *( SEMI event-param ) (RFC 6665 8.4). */
static int
event_parse(const char *b, const char *e, struct sip_msg *m)
{
	const char *p = skip_class(b, e, CT_TOKEN);
	struct param pa;

	if (p == b)
		return 0;
	m->event_type = span(b, p);
	p = skip_ws(p, e);
	while (p < e && *p == ';') {
		p = param_parse(p + 1, e, &pa);
		if (p == NULL)
			return 0;
		if (PARAM_IS(&pa, "id")) {
			if (pa.val == NULL)
				return 0;
			if (!rgl_slice_present(m->event_id))
				m->event_id = span(pa.val, pa.val_end);
		}
	}
	return p == e;
}

/* Subscription-State = substate-value *( SEMI subexp-params ) (RFC 6665 8.4). */
static int
subs_state_parse(const char *b, const char *e, struct sip_msg *m)
{
	const char *p = skip_class(b, e, CT_TOKEN);
	struct param pa;

	if (p == b)
		return 0;
	m->subs_state_value = span(b, p);
	p = skip_ws(p, e);
	while (p < e && *p == ';') {
		p = param_parse(p + 1, e, &pa);
		if (p == NULL)
			return 0;
		if (PARAM_IS(&pa, "expires") || PARAM_IS(&pa, "retry-after")) {
			int64_t *dst = pa.name_end - pa.name == 7 ? &m->subs_expires :
								    &m->subs_retry_after;
			int64_t v;

			/* delta-seconds; beyond 2**32-1 is not a duration. */
			if (pa.val == NULL ||
			    (v = parse_number(pa.val, pa.val_end, DELTA_MAX)) < 0)
				return 0;
			if (*dst < 0)
				*dst = v;
		} else if (PARAM_IS(&pa, "reason")) {
			if (pa.val == NULL || !all_class(pa.val, pa.val_end, CT_TOKEN))
				return 0;
			if (!rgl_slice_present(m->subs_reason))
				m->subs_reason = span(pa.val, pa.val_end);
		}
	}
	return p == e;
}

/* media-type = m-type SLASH m-subtype *( SEMI m-parameter ) (RFC 3261 20.15). */
static int
content_type_parse(const char *b, const char *e, struct sip_msg *m)
{
	const char *p = skip_class(b, e, CT_TOKEN), *q;
	struct param pa;

	if (p == b)
		return 0;
	m->content_type_type = span(b, p);
	p = skip_ws(p, e);
	if (p >= e || *p != '/')
		return 0;
	p = skip_ws(p + 1, e);
	q = skip_class(p, e, CT_TOKEN);
	if (q == p)
		return 0;
	m->content_type_sub = span(p, q);
	p = skip_ws(q, e);
	if (p < e && *p == ';')
		m->content_type_params = span(skip_ws(p + 1, e), e);
	while (p < e && *p == ';') {
		p = param_parse(p + 1, e, &pa);
		if (p == NULL || pa.val == NULL)
			return 0;
	}
	return p == e;
}

/* Require = option-tag *(COMMA option-tag), across every Require header. */
static void
require_parse(const char *b, const char *e, struct sip_msg *m)
{
	const char *p = b;

	while (p < e) {
		const char *q = list_elem_end(p, e);
		const char *t = skip_ws(p, q), *te = rtrim_ws(t, q);

		if (te > t) {
			if (m->n_require == SIP_MAX_REQUIRE) {
				set_err(m, SIP_ERR_TOO_MANY_REQUIRE);
				return;
			}
			m->require[m->n_require++] = span(t, te);
		}
		p = q + (q < e);
	}
}

/* Seen-once bookkeeping for duplicate and missing checks. */
#define SEEN(id) (1u << (id))
#define SINGLE_HEADERS                                                         \
	(SEEN(SIP_HDR_FROM) | SEEN(SIP_HDR_TO) | SEEN(SIP_HDR_CALL_ID) |       \
	 SEEN(SIP_HDR_CSEQ) | SEEN(SIP_HDR_CONTENT_LENGTH) |                   \
	 SEEN(SIP_HDR_CONTENT_TYPE))

/*
 * Field by field: a struct-sized memset becomes a slow "rep stos", and
 * chained assignments (a = b = NONE) read back what was just stored.
 */
static inline void
via_reset(struct sip_via *v)
{
	const struct rgl_slice none = RGL_SLICE_NONE;

	v->protocol = none;
	v->transport = none;
	v->host = none;
	v->port = 0;
	v->host_is_ipv4 = false;
	v->host_is_ipv6 = false;
	v->has_rport = false;
	v->branch = none;
	v->received = none;
	v->maddr = none;
	v->rport_value = none;
	v->received_param = none;
	v->rport_param = none;
}

/*
 * Split one Via header value into its via-parms. Returns 0, or -1 when the
 * Via limit is exceeded (the scan must stop: a response has to copy every
 * Via, so a message whose Vias we cannot all keep cannot be answered).
 */
static int
via_header(const char *b, const char *e, struct sip_msg *m)
{
	const char *p = b;

	if (b == e) {
		set_err(m, SIP_ERR_BAD_VIA);
		return 0;
	}
	for (;;) {
		const char *q;
		struct sip_via *v;

		if (m->n_vias == SIP_MAX_VIAS) {
			set_err(m, SIP_ERR_TOO_MANY_VIAS);
			return -1;
		}
		v = &m->vias[m->n_vias++];
		via_reset(v);
		p = skip_ws(p, e);
		q = via_parm(p, e, v);
		if (q == NULL) {
			/* Keep the value, as received, for the response. */
			set_err(m, SIP_ERR_BAD_VIA);
			q = list_elem_end(p, e);
		}
		v->value = span(p, rtrim_ws(p, q));
		if (q >= e)
			return 0;
		p = q + 1;
	}
}

/*
 * Decode the value of one recognised header into @p m. Returns -1 when the
 * scan must stop, 0 otherwise (problems are recorded in m->err).
 */
static int
header_value(struct sip_msg *m, enum sip_hdr id, const char *b, const char *e,
	     uint32_t *seen)
{
	if (*seen & SEEN(id) & SINGLE_HEADERS) {
		set_err(m, SIP_ERR_DUPLICATE_HEADER);
		return 0;
	}
	switch (id) {
	case SIP_HDR_VIA:
		*seen |= SEEN(id);
		return via_header(b, e, m);
	case SIP_HDR_FROM:
		if (!nameaddr_parse(b, e, &m->from))
			set_err(m, SIP_ERR_BAD_FROM);
		break;
	case SIP_HDR_TO:
		/* An unreadable To keeps no half-parsed fields: the 400 echoes
		 * the raw header and must not add a tag next to one the parser
		 * could not see (RFC 3261 8.2.6.2). */
		if (!nameaddr_parse(b, e, &m->to)) {
			set_err(m, SIP_ERR_BAD_TO);
			memset(&m->to, 0, sizeof(m->to));
		}
		break;
	case SIP_HDR_CALL_ID:
		m->call_id = span(b, e);
		if (!callid_ok(b, e))
			set_err(m, SIP_ERR_BAD_CALL_ID);
		break;
	case SIP_HDR_CSEQ:
		if (!cseq_parse(b, e, m))
			set_err(m, SIP_ERR_BAD_CSEQ);
		else if (m->kind == SIP_KIND_REQUEST &&
			 (m->cseq_method.len != m->method_name.len ||
			  memcmp(m->cseq_method.p, m->method_name.p, m->method_name.len) != 0))
			set_err(m, SIP_ERR_CSEQ_METHOD);
		break;
	case SIP_HDR_MAX_FORWARDS:
		if (*seen & SEEN(id))
			break;
		m->max_forwards = (int32_t)parse_number(b, e, 255);
		if (m->max_forwards < 0)
			set_err(m, SIP_ERR_BAD_MAX_FORWARDS);
		break;
	case SIP_HDR_EVENT:
		if (*seen & SEEN(id))
			break;
		m->event = span(b, e);
		if (!event_parse(b, e, m))
			set_err(m, SIP_ERR_BAD_EVENT);
		break;
	case SIP_HDR_SUBSCRIPTION_STATE:
		if (*seen & SEEN(id))
			break;
		m->subs_state = span(b, e);
		if (!subs_state_parse(b, e, m))
			set_err(m, SIP_ERR_BAD_SUBSCRIPTION_STATE);
		break;
	case SIP_HDR_CONTENT_TYPE:
		m->content_type = span(b, e);
		if (!content_type_parse(b, e, m))
			set_err(m, SIP_ERR_BAD_CONTENT_TYPE);
		break;
	case SIP_HDR_CONTENT_ENCODING:
		if (!rgl_slice_present(m->content_encoding))
			m->content_encoding = span(b, e);
		break;
	case SIP_HDR_CONTENT_LENGTH:
		/* Anything beyond 2**32-1 cannot describe a datagram's body. */
		m->content_length = parse_number(b, e, DELTA_MAX);
		if (m->content_length < 0)
			set_err(m, SIP_ERR_BAD_CONTENT_LENGTH);
		break;
	case SIP_HDR_REQUIRE:
		require_parse(b, e, m);
		break;
	case SIP_HDR_CONTACT:
		if (!rgl_slice_present(m->contact))
			m->contact = span(b, e);
		break;
	default:
		break;
	}
	*seen |= SEEN(id);
	return 0;
}

/* "SIP/2.0", "SIP" case-insensitively (RFC 3261 7.1). */
static int
version_syntax_ok(const char *p, const char *e)
{
	const char *q;

	if (e - p < 7 || !ieq(p, "sip/", 4))
		return 0;
	q = skip_class(p + 4, e, CT_DIGIT);
	if (q == p + 4 || q >= e || *q != '.')
		return 0;
	p = q + 1;
	q = skip_class(p, e, CT_DIGIT);
	return q > p && q == e;
}

static inline int
is_sp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Request-Line = Method SP Request-URI SP SIP-Version, Status-Line =
 * SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 7.1, 7.2). Runs of
 * SP/HTAB between the elements are tolerated. [b, e) excludes the line end.
 */
static int
start_line(const char *b, const char *e, struct sip_msg *m)
{
	const char *p, *q;

	e = rtrim_ws(b, e);
	if (e - b >= 4 && ieq(b, "sip/", 4)) {
		uint64_t code;

		m->kind = SIP_KIND_RESPONSE;
		q = b;
		while (q < e && !is_sp(*q))
			q++;
		if (!version_syntax_ok(b, q))
			return 0;
		m->version = span(b, q);
		p = q;
		while (p < e && is_sp(*p))
			p++;
		q = parse_uint(p, e, 999, &code);
		if (q - p != 3 || code < 100 || code > 699 || (q < e && !is_sp(*q)))
			return 0;
		m->status = (uint16_t)code;
	} else {
		m->kind = SIP_KIND_REQUEST;
		p = skip_class(b, e, CT_TOKEN);
		if (p == b || p >= e || !is_sp(*p))
			return 0;
		m->method_name = span(b, p);
		while (p < e && is_sp(*p))
			p++;
		q = skip_class(p, e, CT_URI);
		if (q == p || q >= e || !is_sp(*q))
			return 0;
		m->ruri = span(p, q);
		while (q < e && is_sp(*q))
			q++;
		if (!version_syntax_ok(q, e))
			return 0;
		m->version = span(q, e);
		/* Methods are case-sensitive (RFC 3261 7.1). */
		if (rgl_slice_eq(m->method_name, "NOTIFY"))
			m->method = SIP_METHOD_NOTIFY;
		else if (rgl_slice_eq(m->method_name, "OPTIONS"))
			m->method = SIP_METHOD_OPTIONS;
	}
	m->version_ok = m->version.len == 7 && m->version.p[4] == '2' &&
			m->version.p[5] == '.' && m->version.p[6] == '0';
	return 1;
}

/*
 * Zero everything but the arrays headers[], vias[] and require[] (5.1 KB
 * of 5.6): clearing them cost as much as parsing a small request. Their
 * entries are written whole when appended, and are valid only below
 * n_headers / n_vias / n_require.
 */
static inline void
msg_reset(struct sip_msg *m)
{
	const size_t mid = offsetof(struct sip_msg, n_vias);
	const size_t tail = offsetof(struct sip_msg, n_require);

	memset(m, 0, offsetof(struct sip_msg, headers));
	m->n_headers = 0;
	memset((char *)m + mid, 0, offsetof(struct sip_msg, require) - mid);
	memset((char *)m + tail, 0, sizeof(*m) - tail);
}

enum sip_err
sip_parse(const char *buf, size_t len, struct sip_msg *m)
{
	const char *p = buf, *end = buf + len, *eol;
	uint32_t seen = 0;

	msg_reset(m);
	m->max_forwards = -1;
	m->subs_expires = -1;
	m->subs_retry_after = -1;
	m->content_length = -1;

	/* CRLFs before the start line are ignored (RFC 3261 7.5); a datagram of
	 * nothing else is a keep-alive (RFC 5626 4.4.1), i.e. empty. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end) {
		m->err = SIP_ERR_EMPTY;
		return m->err;
	}

	eol = memchr(p, '\n', (size_t)(end - p));
	if (!start_line(p, eol ? eol : end, m)) {
		m->err = SIP_ERR_START_LINE;
		return m->err;
	}
	if (eol == NULL) {
		m->err = SIP_ERR_NO_HEADER_END;
		return m->err;
	}
	p = eol + 1;

	for (;;) {
		const char *name, *name_end, *q, *vb, *ve;
		enum sip_hdr id;
		struct sip_header *h;

		if (p >= end) {
			set_err(m, SIP_ERR_NO_HEADER_END);
			return m->err;
		}
		/* The empty line ends the header block; bare LF accepted. */
		if (*p == '\n') {
			p++;
			break;
		}
		if (*p == '\r' && p + 1 < end && p[1] == '\n') {
			p += 2;
			break;
		}

		if (m->n_headers == SIP_MAX_HEADERS) {
			set_err(m, SIP_ERR_TOO_MANY_HEADERS);
			return m->err;
		}

		/* Find the end of the header, following folds (LF + SP/HTAB).
		 * A fold adds at least the LF and one SP to the header. */
		eol = memchr(p, '\n', (size_t)(end - p));
		while (eol != NULL && eol + 1 < end && is_sp(eol[1])) {
			if (eol + 2 - p > SIP_MAX_HEADER_LEN) {
				set_err(m, SIP_ERR_HEADER_TOO_LONG);
				return m->err;
			}
			eol = memchr(eol + 2, '\n', (size_t)(end - eol - 2));
		}
		ve = eol != NULL ? eol : end;
		if (ve > p && ve[-1] == '\r')
			ve--;
		if (ve - p > SIP_MAX_HEADER_LEN) {
			set_err(m, SIP_ERR_HEADER_TOO_LONG);
			return m->err;
		}
		if (eol == NULL) {
			/* Cut off inside a header: the blank line never comes. */
			set_err(m, SIP_ERR_NO_HEADER_END);
			return m->err;
		}

		/*
		 * field-name HCOLON, HCOLON = *( SP / HTAB ) ":" SWS. The colon
		 * is found with memchr; a recognised name needs no token check
		 * (matching it proves its characters), an unknown one does.
		 */
		name = p;
		q = memchr(p, ':', (size_t)(ve - p));
		if (q == NULL) {
			set_err(m, SIP_ERR_HEADER_SYNTAX);
			return m->err;
		}
		name_end = q;
		while (name_end > name && is_sp(name_end[-1]))
			name_end--;
		id = sip_header_id(name, (size_t)(name_end - name));
		if (id == SIP_HDR_OTHER && !all_class(name, name_end, CT_TOKEN)) {
			set_err(m, SIP_ERR_HEADER_SYNTAX);
			return m->err;
		}
		vb = skip_ws(q + 1, ve);
		ve = rtrim_ws(vb, ve);

		h = &m->headers[m->n_headers++];
		h->name = span(name, name_end);
		h->value = span(vb, ve);
		h->id = (uint8_t)id;
		if (id != SIP_HDR_OTHER && header_value(m, id, vb, ve, &seen) < 0)
			return m->err;
		p = eol + 1;
	}

	/* Mandatory headers (RFC 3261 8.1.1); Via first: without it no answer. */
	if (!(seen & SEEN(SIP_HDR_VIA)))
		set_err(m, SIP_ERR_NO_VIA);
	if (!(seen & SEEN(SIP_HDR_FROM)))
		set_err(m, SIP_ERR_NO_FROM);
	if (!(seen & SEEN(SIP_HDR_TO)))
		set_err(m, SIP_ERR_NO_TO);
	if (!(seen & SEEN(SIP_HDR_CALL_ID)))
		set_err(m, SIP_ERR_NO_CALL_ID);
	if (!(seen & SEEN(SIP_HDR_CSEQ)))
		set_err(m, SIP_ERR_NO_CSEQ);

	/* Framing over UDP (RFC 3261 18.3). */
	{
		size_t rest = (size_t)(end - p);

		if (m->content_length >= 0) {
			if ((uint64_t)m->content_length > rest) {
				set_err(m, SIP_ERR_BODY_TRUNCATED);
				m->body = span(p, end);
			} else {
				m->body = span(p, p + m->content_length);
			}
		} else {
			/* A slice holds 2**32-1 bytes; no datagram is larger. */
			if (rest > UINT32_MAX)
				rest = UINT32_MAX;
			m->body = span(p, p + rest);
		}
	}
	return m->err;
}
