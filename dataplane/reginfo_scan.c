/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy fast path for reginfo documents.
 *
 * Design
 * ------
 * libxml2 (reginfo_sax.c) costs several microseconds per NOTIFY body, most
 * of it in generic machinery a reginfo document never needs. This scanner
 * reads the common shape in one pass over the body, allocates nothing and
 * copies nothing it does not have to: a string that needs no decoding is a
 * slice of the body, and only entity/character references and line-end or
 * attribute white-space normalisation go through the parser's arena.
 *
 * The contract is all or nothing. For any input the scanner either
 *   - produces the very event reginfo_sax.c would (same fields, same slice
 *     contents, same skip count and first skip, same result code), or
 *   - returns REGINFO_NOT_HANDLED and the caller runs libxml2.
 * It never guesses. Anything outside the subset below, and every document
 * that would fail in libxml2 for a reason other than its version or state
 * attribute, is "not handled", so libxml2 alone decides every error code
 * and message except those two. tests/fuzz/fuzz_reginfo_diff.c holds the
 * scanner to this against libxml2 on arbitrary input.
 *
 * The subset: UTF-8 only (optional BOM; optional XML declaration with
 * version 1.0 and no encoding or UTF-8, no standalone); elements and
 * attributes with ASCII names (QName syntax); namespace declarations
 * anywhere (up to SCAN_MAX_NS live bindings); attribute values in either
 * quote; text; the five predefined entities and character references;
 * comments and white space between elements. Not handled: DOCTYPE, CDATA,
 * processing instructions, bindings of the reserved xml/xmlns names or
 * URIs, an empty prefixed binding, two unprefixed or two prefixed
 * attributes with one local name, more than SCAN_MAX_ATTRS attributes on
 * a tag, any byte that is not a valid XML character in UTF-8, names longer
 * than SCAN_MAX_NAME, and any error at all (mismatched tags, '<' in a
 * value, undefined entities, text outside the root, truncation, caps
 * exceeded).
 *
 * What libxml2 does that the event can see, and how it is mirrored:
 *   - Namespaces by URI, as in reginfo_sax.c. An undeclared element prefix
 *     is a namespace error, not a fatal one: libxml2 reports the element
 *     with no URI and reginfo_sax.c ignores it (case 029); so does this.
 *     Attribute prefixes never need resolving: schema attributes are
 *     unqualified and xml:lang is the only qualified one looked at (the xml
 *     prefix cannot be rebound without falling back).
 *   - Attribute values: every raw TAB, LF, CR and CR LF becomes one space
 *     (XML 1.0 3.3.3, no DTD so no further collapsing); references are
 *     decoded. Text: CR LF and lone CR become LF (2.11); references decoded.
 *   - Skip rules (SEMANTICS 3.6, case 066): the same state machine as
 *     reginfo_sax.c (depths, ignored subtrees, the first <uri>, roll-back
 *     of a dropped contact), in the same order, so the same parts are
 *     dropped and the first reason is the same.
 *   - Trimming: the same white-space set as reginfo_sax.c's trim().
 *   - The arena. reginfo_sax.c copies every kept string into the arena and
 *     fails with ARENA_FULL when it runs out; its check counts each '&' of
 *     an attribute value as the five bytes "&#38;" libxml2 hands over.
 *     sim_used replays that arithmetic exactly (text: leading white space
 *     stays allocated, trailing is given back, a dropped contact gives all
 *     of its bytes back), and the scanner falls back where reginfo_sax.c
 *     would fail. The scanner's own arena use is a subset of that.
 *   - Caps (registrations, contacts, params, depth): same counters, fall
 *     back where reginfo_sax.c fails.
 *   - VERSION and STATE are decided at the root start tag, where libxml2
 *     stops; the prolog and the tag itself have been checked by then, so
 *     these two codes (with the same "line N:" message) come from here.
 *
 * Cost: text and attribute values, most of the bytes, are skipped 16 at a
 * time with SSE2 (a table lookup per byte elsewhere: names, white space,
 * the last few bytes); names are matched by length and word compares; no
 * allocation, no call per byte. The open-element stack, the namespace
 * bindings and the attributes of the current tag live on the stack
 * (struct scan, ~2.6 KB). Measured (bench_reginfo, the 0.74/1.24/2.24 KB
 * IMS bodies): 0.50/0.83/1.45 us against libxml2's 2.3/3.3/5.5 us. What
 * is left is per token (~30 cycles per name, value or text run), mostly
 * mispredicted loop exits; a SIMD name scan measured slower.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <reglane/reginfo.h>

#include "reginfo_scan.h"

#define SCAN_MAX_DEPTH 64 /* open elements; limits.max_depth applies first */
#define SCAN_MAX_NS 16	  /* live namespace bindings */
#define SCAN_MAX_ATTRS 32 /* attributes of one start tag */
#define SCAN_MAX_NAME 255 /* a QName, in bytes */
#define SCAN_MAX_CHARREF 8 /* digits of a character reference */

/* Deepest level at which the schema has elements we keep (contact children). */
#define SCAN_TRACKED_DEPTH 4

#define XML_NS_URI "http://www.w3.org/XML/1998/namespace"
#define XMLNS_NS_URI "http://www.w3.org/2000/xmlns/"

/* Byte classes (one table, bit per question). */
#define B_TEXT 0x01	  /* stops a run of plain character data */
#define B_ATTR 0x02	  /* stops a run of plain attribute value */
#define B_NAME_START 0x04 /* ASCII NCName start character */
#define B_NAME 0x08	  /* ASCII NCName character */
#define B_COMMENT 0x10	  /* stops a run of plain comment text */

static const uint8_t cls[256] = {
	19, 19, 19, 19, 19, 19, 19, 19, 19,  2,  2, 19, 19,  3, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	 0,  0,  2,  0,  0,  0,  3,  2,  0,  0,  0,  0,  0, 24,  8,  0,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  0,  0,  3,  0,  1,  0,
	 0, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
	12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,  0,  0,  0,  0, 12,
	 0, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
	12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,  0,  0,  0,  0,  0,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
	19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
};

/*
 * The first byte at or after @p p that a run of attribute value
 * (respectively character data) stops at: cls[] & B_ATTR (B_TEXT). Values
 * and text are most of a document's bytes; SSE2 looks at 16 of them per
 * step (a signed compare with 0x20 catches both controls and every byte
 * >= 0x80), the table finishes the last few.
 */
static inline const unsigned char *
skip_attr_run(const unsigned char *p, const unsigned char *e)
{
#if defined(__SSE2__)
	const __m128i sp = _mm_set1_epi8(0x20), lt = _mm_set1_epi8('<');
	const __m128i amp = _mm_set1_epi8('&'), dq = _mm_set1_epi8('"');
	const __m128i sq = _mm_set1_epi8('\'');

	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, lt));
		int bits;

		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, dq)));
		bits = _mm_movemask_epi8(_mm_or_si128(m, _mm_cmpeq_epi8(v, sq)));
		if (bits != 0)
			return p + __builtin_ctz((unsigned int)bits);
		p += 16;
	}
#endif
	while (p < e && !(cls[*p] & B_ATTR))
		p++;
	return p;
}

static inline const unsigned char *
skip_text_run(const unsigned char *p, const unsigned char *e)
{
#if defined(__SSE2__)
	const __m128i sp = _mm_set1_epi8(0x20), tab = _mm_set1_epi8('\t');
	const __m128i lf = _mm_set1_epi8('\n'), lt = _mm_set1_epi8('<');
	const __m128i amp = _mm_set1_epi8('&'), gt = _mm_set1_epi8('>');

	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i ok = _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf));
		__m128i m = _mm_andnot_si128(ok, _mm_cmplt_epi8(v, sp));
		int bits;

		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)));
		bits = _mm_movemask_epi8(_mm_or_si128(m, _mm_cmpeq_epi8(v, gt)));
		if (bits != 0)
			return p + __builtin_ctz((unsigned int)bits);
		p += 16;
	}
#endif
	while (p < e && !(cls[*p] & B_TEXT))
		p++;
	return p;
}

/* Namespace of an element, as far as the mapping cares. */
enum scan_uri {
	URI_NONE = 0, /* no namespace: unprefixed without default, xmlns="", unbound prefix */
	URI_REGINFO,
	URI_GRUU,
	URI_EXTREGEXP,
	URI_OTHER,
};

/* Same values and meaning as reginfo_sax.c's enum reginfo_el. */
enum scan_el {
	EL_NONE = 0,
	EL_ROOT,
	EL_REG,
	EL_CONTACT,
	EL_WILDCARD,
	EL_URI,
	EL_DISPLAY,
	EL_PARAM,
	EL_GRUU,
};

/* The attribute names the mapping reads (unqualified, but xml:lang). */
enum scan_aname {
	A_VERSION,
	A_STATE,
	A_AOR,
	A_ID,
	A_EVENT,
	A_EXPIRES,
	A_RETRY_AFTER,
	A_DURATION,
	A_Q,
	A_CALLID,
	A_CSEQ,
	A_FIRST_CSEQ,
	A_NAME,
	A_URI,
	A_XML_LANG,
	A__COUNT,
	A_OTHER = A__COUNT,
};

struct scan_ns {
	const char *prefix; /* NULL: the default namespace */
	uint32_t plen;
	uint32_t depth; /* of the element that declared it */
	enum scan_uri uri;
};

/* One attribute of the current start tag; all pointers into the body. */
struct scan_attr {
	const char *local;
	const char *v; /* raw value, between the quotes */
	uint32_t llen;
	uint32_t vlen;
	bool prefixed;
	bool decode; /* has a reference or TAB/LF/CR: libxml2's value differs from v */
};

/* A value as reginfo_sax.c would see it. */
struct scan_val {
	const char *p;
	uint32_t len;
	uint32_t amps;	/* '&' in it: libxml2 hands each over as "&#38;" */
	bool scratch;	/* decoded into the arena beyond arena_used */
};

struct scan_open {
	const char *qname;
	uint32_t len;
};

struct scan {
	const char *p, *e, *body;
	const struct reginfo_limits *lim;
	struct reginfo_event *ev;
	char *arena;
	uint32_t arena_used; /* committed decoded strings */
	uint32_t scratch;    /* values decoded only to look at them start here */
	uint32_t sim_used;   /* reginfo_sax.c's arena_used at this point */
	enum reginfo_err doc_err; /* VERSION or STATE; NOT_HANDLED otherwise */

	/* reginfo_sax.c's struct reginfo_doc */
	uint32_t depth;
	uint32_t ignore_depth;
	uint8_t open[SCAN_TRACKED_DEPTH + 1];
	struct reginfo_registration *reg;
	struct reginfo_contact *contact;
	uint32_t c_arena_mark, c_sim_mark, c_param_mark;
	enum reginfo_err contact_skip;

	/* Text being collected for *text_dst: [text_p, +text_len), in the body
	 * while it is one contiguous run needing no decoding, else in the arena. */
	struct rgl_slice *text_dst;
	const char *text_p;
	uint32_t text_len;
	uint32_t text_sim_start;
	bool text_in_arena;

	uint32_t n_ns;
	uint32_t n_attrs;
	int8_t known[A__COUNT]; /* index in at[] of each name we read, or -1 */
	struct scan_ns ns[SCAN_MAX_NS];
	struct scan_attr at[SCAN_MAX_ATTRS];
	struct scan_open el[SCAN_MAX_DEPTH];
};

/* ---- small helpers ---------------------------------------------------- */

static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Equality of @p n bytes. Names and values are short: word loads inline
 * beat a call to memcmp (gcc 12 calls it even for constant sizes here).
 */
static inline bool
eq(const char *a, const char *b, uint32_t n)
{
	for (; n >= 8; n -= 8, a += 8, b += 8) {
		uint64_t x, y;

		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	if (n >= 4) {
		uint32_t x, y;

		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		if (x != y)
			return false;
		n -= 4;
		a += 4;
		b += 4;
	}
	for (; n > 0; n--) {
		if (*a++ != *b++)
			return false;
	}
	return true;
}

static inline bool
lit_is(const char *s, uint32_t n, const char *lit, uint32_t litlen)
{
	return n == litlen && eq(s, lit, n);
}

#define LIT_IS(s, n, lit) ((n) == sizeof(lit) - 1 && eq((s), (lit), sizeof(lit) - 1))

static void
trim(const char **s, uint32_t *n)
{
	const char *b = *s, *e = *s + *n;

	while (b < e && is_ws((unsigned char)*b))
		b++;
	while (e > b && is_ws((unsigned char)e[-1]))
		e--;
	*s = b;
	*n = (uint32_t)(e - b);
}

/* reginfo_sax.c's parse_uint(): trimmed unsigned decimal up to @p max. */
static bool
parse_uint(const char *s, uint32_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	trim(&s, &n);
	if (n == 0)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)((unsigned char)s[i] - '0');

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* XML 1.0 Char production. */
static inline bool
xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/*
 * Length of the UTF-8 sequence at @p p (lead byte >= 0x80) when it is a
 * shortest-form encoding of an XML Char, 0 otherwise (libxml2 then fails).
 */
static unsigned int
utf8_char(const unsigned char *p, const unsigned char *e)
{
	unsigned int c = p[0];
	uint32_t cp;

	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return e - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (e - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		cp = (c & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
		return cp >= 0x800 && xml_char_ok(cp) ? 3 : 0;
	}
	if (c < 0xF5) {
		if (e - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		cp = (c & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 |
		     (p[3] & 0x3Fu);
		return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
	}
	return 0;
}

static unsigned int
utf8_put(char *d, uint32_t c)
{
	if (c < 0x80) {
		d[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = (char)(0xC0 | c >> 6);
		d[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		d[0] = (char)(0xE0 | c >> 12);
		d[1] = (char)(0x80 | (c >> 6 & 0x3F));
		d[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | c >> 18);
	d[1] = (char)(0x80 | (c >> 12 & 0x3F));
	d[2] = (char)(0x80 | (c >> 6 & 0x3F));
	d[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/*
 * The reference at @p p ('&'): its length and code point, or 0 when it is
 * anything but one of the five predefined entities or a character
 * reference to an XML Char. Character references are kept to
 * SCAN_MAX_CHARREF digits: libxml2 2.9 stops taking hex letters after ten
 * digits, and nothing legitimate needs more than six.
 */
static unsigned int
parse_ref(const unsigned char *p, const unsigned char *e, uint32_t *cp)
{
	const unsigned char *q = p + 1;
	uint32_t v = 0;
	unsigned int nd = 0;

	if (q < e && *q == '#') {
		q++;
		if (q < e && *q == 'x') {
			for (q++; q < e && nd <= SCAN_MAX_CHARREF; q++, nd++) {
				unsigned int c = *q, d;

				if (c >= '0' && c <= '9')
					d = c - '0';
				else if (c >= 'a' && c <= 'f')
					d = c - 'a' + 10;
				else if (c >= 'A' && c <= 'F')
					d = c - 'A' + 10;
				else
					break;
				v = v * 16 + d;
			}
		} else {
			for (; q < e && nd <= SCAN_MAX_CHARREF && *q >= '0' && *q <= '9'; q++, nd++)
				v = v * 10 + (uint32_t)(*q - '0');
		}
		if (nd == 0 || nd > SCAN_MAX_CHARREF || q == e || *q != ';' || !xml_char_ok(v))
			return 0;
		*cp = v;
		return (unsigned int)(q + 1 - p);
	}
	/* &lt; &gt; &amp; &apos; &quot; */
	if (e - q >= 3 && q[2] == ';') {
		if (q[0] == 'l' && q[1] == 't') {
			*cp = '<';
			return 4;
		}
		if (q[0] == 'g' && q[1] == 't') {
			*cp = '>';
			return 4;
		}
	}
	if (e - q >= 4 && memcmp(q, "amp;", 4) == 0) {
		*cp = '&';
		return 5;
	}
	if (e - q >= 5 && memcmp(q, "apos;", 5) == 0) {
		*cp = '\'';
		return 6;
	}
	if (e - q >= 5 && memcmp(q, "quot;", 5) == 0) {
		*cp = '"';
		return 6;
	}
	return 0;
}

/*
 * Decode an attribute value already checked by scan_value() into @p d
 * (room for @p n bytes: decoding never grows it). Returns the length;
 * *@p amps counts the '&' produced.
 */
static uint32_t
decode_attr(const char *s, uint32_t n, char *d, uint32_t *amps)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	char *start = d;
	uint32_t cp;

	*amps = 0;
	while (p < e) {
		unsigned char c = *p;

		if (c == '&') {
			unsigned int n = parse_ref(p, e, &cp);

			if (n == 0) { /* never: scan_value() checked it; but always progress */
				cp = '&';
				n = 1;
			}
			p += n;
			*amps += cp == '&';
			d += utf8_put(d, cp);
		} else if (c == '\r') {
			*d++ = ' ';
			p += p + 1 < e && p[1] == '\n' ? 2 : 1;
		} else if (c == '\t' || c == '\n') {
			*d++ = ' ';
			p++;
		} else {
			*d++ = (char)c;
			p++;
		}
	}
	return (uint32_t)(d - start);
}

/* Same for character data: references decoded, CR LF and CR become LF. */
static uint32_t
decode_text(const char *s, uint32_t n, char *d)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	char *start = d;
	uint32_t cp;

	while (p < e) {
		unsigned char c = *p;

		if (c == '&') {
			unsigned int n = parse_ref(p, e, &cp);

			if (n == 0) { /* never: scan_chardata() checked it; but always progress */
				cp = '&';
				n = 1;
			}
			p += n;
			d += utf8_put(d, cp);
		} else if (c == '\r') {
			*d++ = '\n';
			p += p + 1 < e && p[1] == '\n' ? 2 : 1;
		} else {
			*d++ = (char)c;
			p++;
		}
	}
	return (uint32_t)(d - start);
}

/* ---- values and the arena --------------------------------------------- */

/* Which of the names we read an unprefixed attribute has. */
static enum scan_aname
aname_of(const char *n, uint32_t len)
{
	switch (len) {
	case 1:
		return n[0] == 'q' ? A_Q : A_OTHER;
	case 2:
		return LIT_IS(n, len, "id") ? A_ID : A_OTHER;
	case 3:
		return LIT_IS(n, len, "aor") ? A_AOR : LIT_IS(n, len, "uri") ? A_URI : A_OTHER;
	case 4:
		return LIT_IS(n, len, "cseq") ? A_CSEQ : LIT_IS(n, len, "name") ? A_NAME : A_OTHER;
	case 5:
		if (LIT_IS(n, len, "state"))
			return A_STATE;
		return LIT_IS(n, len, "event") ? A_EVENT : A_OTHER;
	case 6:
		return LIT_IS(n, len, "callid") ? A_CALLID : A_OTHER;
	case 7:
		if (LIT_IS(n, len, "version"))
			return A_VERSION;
		return LIT_IS(n, len, "expires") ? A_EXPIRES : A_OTHER;
	case 10:
		return LIT_IS(n, len, "first-cseq") ? A_FIRST_CSEQ : A_OTHER;
	case 11:
		return LIT_IS(n, len, "retry-after") ? A_RETRY_AFTER : A_OTHER;
	case 19:
		return LIT_IS(n, len, "duration-registered") ? A_DURATION : A_OTHER;
	default:
		return A_OTHER;
	}
}

static inline int
attr_find(const struct scan *s, enum scan_aname name)
{
	return s->known[name];
}

/*
 * The value of attribute @p i as libxml2 would report it: the raw bytes, or
 * decoded into scratch space past everything committed. false: no room to
 * decode (fall back; reginfo_sax.c might still have had room).
 */
static bool
peek(struct scan *s, int i, struct scan_val *v)
{
	const struct scan_attr *a = &s->at[i];

	if (!a->decode) {
		*v = (struct scan_val){ a->v, a->vlen, 0, false };
		return true;
	}
	if (s->scratch < s->arena_used)
		s->scratch = s->arena_used;
	if (a->vlen > s->lim->arena_bytes - s->scratch)
		return false;
	v->p = s->arena + s->scratch;
	v->len = decode_attr(a->v, a->vlen, s->arena + s->scratch, &v->amps);
	v->scratch = true;
	s->scratch += v->len;
	return true;
}

/*
 * Keep a value in the event: reginfo_sax.c's attr_copy() and its ARENA_FULL
 * check, replayed on sim_used; a decoded value moves down to the committed
 * part of the arena, a raw one stays where it is in the body.
 */
static bool
keep(struct scan *s, const struct scan_val *v, struct rgl_slice *out)
{
	uint64_t lib_len = (uint64_t)v->len + 4u * (uint64_t)v->amps;

	if (lib_len > s->lim->arena_bytes - s->sim_used)
		return false;
	s->sim_used += v->len;
	if (!v->scratch) {
		*out = rgl_slice_make(v->p, v->len);
		return true;
	}
	memmove(s->arena + s->arena_used, v->p, v->len);
	*out = rgl_slice_make(s->arena + s->arena_used, v->len);
	s->arena_used += v->len;
	return true;
}

static bool
val_is(const struct scan_val *v, const char *lit)
{
	size_t n;

	/* Most candidates differ in the first byte: skip the strlen. */
	if (v->len == 0 || v->p[0] != lit[0])
		return false;
	n = strlen(lit);
	return v->len == n && eq(v->p, lit, (uint32_t)n);
}

static void
skip(struct scan *s, enum reginfo_err why)
{
	if (s->ev->n_skipped++ == 0)
		s->ev->first_skip = why;
}

static void
ignore_subtree(struct scan *s)
{
	s->ignore_depth = s->depth;
}

/* ---- text collection -------------------------------------------------- */

static void
text_begin(struct scan *s, struct rgl_slice *dst)
{
	s->text_dst = dst;
	s->text_p = NULL;
	s->text_len = 0;
	s->text_in_arena = false;
	s->text_sim_start = s->sim_used;
}

/* Move what was collected in the body to the arena (it is about to be joined). */
static bool
text_spill(struct scan *s)
{
	char *d = s->arena + s->arena_used;

	if (s->text_len > s->lim->arena_bytes - s->arena_used)
		return false;
	if (s->text_len != 0)
		memcpy(d, s->text_p, s->text_len);
	s->text_p = d;
	s->arena_used += s->text_len;
	s->text_in_arena = true;
	return true;
}

/*
 * Character data [p, +n) of the collecting element, in document order.
 * reginfo_sax.c's characters() fails once the text outgrows the arena
 * left at text_begin: same test on text_len.
 */
static bool
text_add(struct scan *s, const char *p, uint32_t n, bool decode)
{
	if (!decode && !s->text_in_arena) {
		if (s->text_len == 0) {
			s->text_p = p;
			s->text_len = n;
		} else if (s->text_p + s->text_len == p) {
			s->text_len += n;
		} else if (!text_spill(s)) {
			return false;
		}
	}
	if (s->text_in_arena || decode) {
		char *d;
		uint32_t got;

		if (!s->text_in_arena && !text_spill(s))
			return false;
		if (n > s->lim->arena_bytes - s->arena_used)
			return false;
		d = s->arena + s->arena_used;
		if (decode) {
			got = decode_text(p, n, d);
		} else {
			memcpy(d, p, n);
			got = n;
		}
		s->arena_used += got;
		s->text_len += got;
	}
	return s->text_len <= s->lim->arena_bytes - s->text_sim_start;
}

/* reginfo_sax.c's text_end(): trim, keep the leading white space allocated. */
static void
text_end(struct scan *s)
{
	const char *b = s->text_p != NULL ? s->text_p : s->p;
	uint32_t n = s->text_len;
	const char *t = b;
	uint32_t tn = n;
	uint32_t kept;

	trim(&t, &tn);
	/* All white space: trim() stopped at the end, nothing is given back. */
	kept = tn == 0 ? n : (uint32_t)(t + tn - b);
	if (tn == 0)
		t = b + n;
	*s->text_dst = rgl_slice_make(t, tn);
	s->sim_used = s->text_sim_start + kept;
	if (s->text_in_arena)
		s->arena_used = (uint32_t)(b + kept - s->arena);
	s->text_dst = NULL;
}

/* ---- element handlers (reginfo_sax.c, same order of checks) ----------- */

static void
scan_errmsg(struct scan *s, char *errmsg, size_t size, const char *at)
{
	int line = 1;

	for (const char *q = s->body; q < at; q++)
		line += *q == '\n';
	snprintf(errmsg, size, "line %d: %s", line, reginfo_err_str(s->doc_err));
}

static bool
start_root(struct scan *s, enum scan_uri uri, const char *name, uint32_t nlen)
{
	struct scan_val v;
	uint64_t ver;
	int i;

	if (uri != URI_REGINFO || !LIT_IS(name, nlen, "reginfo"))
		return false; /* ROOT: libxml2's message names what it found */
	i = attr_find(s, A_VERSION);
	if (i >= 0 && !peek(s, i, &v))
		return false;
	if (i < 0 || !parse_uint(v.p, v.len, UINT32_MAX, &ver)) {
		s->doc_err = REGINFO_ERR_VERSION;
		return false;
	}
	s->ev->version = (uint32_t)ver;
	i = attr_find(s, A_STATE);
	if (i >= 0 && !peek(s, i, &v))
		return false;
	if (i >= 0 && val_is(&v, "full"))
		s->ev->state = REGINFO_DOC_FULL;
	else if (i >= 0 && val_is(&v, "partial"))
		s->ev->state = REGINFO_DOC_PARTIAL;
	else {
		s->doc_err = REGINFO_ERR_STATE;
		return false;
	}
	s->open[1] = EL_ROOT;
	return true;
}

static bool
start_registration(struct scan *s)
{
	int ia = attr_find(s, A_AOR), ii = attr_find(s, A_ID), is = attr_find(s, A_STATE);
	struct scan_val aor = { NULL, 0, 0, false }, id, st;
	enum reginfo_reg_state state = REGINFO_REG_INIT;
	enum reginfo_err why = REGINFO_ERR_OK;
	struct reginfo_registration *r;

	if (ia >= 0) {
		if (!peek(s, ia, &aor))
			return false;
		trim(&aor.p, &aor.len); /* an xs:anyURI: its white space collapses */
	}
	if (ia < 0 || aor.len == 0) {
		why = REGINFO_ERR_REG_AOR;
	} else if (ii < 0 || s->at[ii].vlen == 0) {
		why = REGINFO_ERR_REG_ID;
	} else {
		why = REGINFO_ERR_REG_STATE;
		if (is >= 0) {
			if (!peek(s, is, &st))
				return false;
			for (int k = REGINFO_REG_INIT; k <= REGINFO_REG_TERMINATED; k++) {
				if (val_is(&st, reginfo_reg_state_str((enum reginfo_reg_state)k))) {
					state = (enum reginfo_reg_state)k;
					why = REGINFO_ERR_OK;
					break;
				}
			}
		}
	}
	if (why != REGINFO_ERR_OK) {
		skip(s, why);
		ignore_subtree(s);
		return true;
	}
	if (s->ev->n_regs >= s->lim->max_registrations)
		return false; /* TOO_MANY_REGISTRATIONS */
	r = &s->ev->regs[s->ev->n_regs];
	if (!keep(s, &aor, &r->aor) || !peek(s, ii, &id) || !keep(s, &id, &r->id))
		return false;
	r->wildcarded_identity = RGL_SLICE_NONE;
	r->n_contacts = 0;
	r->state = state;
	r->first_contact = s->ev->n_contacts;
	s->ev->n_regs++;
	s->reg = r;
	s->open[2] = EL_REG;
	return true;
}

/* A new field of struct reginfo_registration must be set in start_registration(). */
_Static_assert(sizeof(struct reginfo_registration) == 3 * sizeof(struct rgl_slice) + 4 + 4 + 2 * 4,
	       "struct reginfo_registration changed: initialise it in start_registration()");

/* Optional numeric attribute: *bad when present but invalid. */
static bool
contact_number(struct scan *s, enum scan_aname name, uint32_t bit, uint64_t *dst, uint32_t *has,
	       bool *bad)
{
	int i = attr_find(s, name);
	struct scan_val v;

	if (i < 0)
		return true;
	if (!peek(s, i, &v))
		return false;
	if (parse_uint(v.p, v.len, UINT64_MAX, dst))
		*has |= bit;
	else
		*bad = true;
	return true;
}

static bool
start_contact(struct scan *s)
{
	int ii = attr_find(s, A_ID), is = attr_find(s, A_STATE), ie = attr_find(s, A_EVENT);
	int iq = attr_find(s, A_Q), ic = attr_find(s, A_CALLID);
	/* Built in locals and written once the contact is kept. */
	enum reginfo_contact_state state = REGINFO_CONTACT_ACTIVE;
	enum reginfo_contact_event event = REGINFO_EV_REGISTERED;
	uint64_t expires = 0, retry_after = 0, duration = 0, cseq = 0;
	uint32_t has = 0;
	enum reginfo_err why = REGINFO_ERR_OK;
	struct reginfo_contact *c;
	struct scan_val v;
	bool bad = false;

	if (ii < 0 || s->at[ii].vlen == 0) {
		why = REGINFO_ERR_CONTACT_ID;
	} else {
		why = REGINFO_ERR_CONTACT_STATE;
		if (is >= 0) {
			if (!peek(s, is, &v))
				return false;
			for (int k = REGINFO_CONTACT_ACTIVE; k <= REGINFO_CONTACT_TERMINATED; k++) {
				enum reginfo_contact_state cs = (enum reginfo_contact_state)k;

				if (val_is(&v, reginfo_contact_state_str(cs))) {
					state = cs;
					why = REGINFO_ERR_OK;
					break;
				}
			}
		}
	}
	if (why == REGINFO_ERR_OK) {
		why = REGINFO_ERR_CONTACT_EVENT;
		if (ie >= 0) {
			if (!peek(s, ie, &v))
				return false;
			for (int k = 0; k < REGINFO_EV__COUNT; k++) {
				enum reginfo_contact_event ce = (enum reginfo_contact_event)k;

				if (val_is(&v, reginfo_contact_event_str(ce))) {
					event = ce;
					why = REGINFO_ERR_OK;
					break;
				}
			}
		}
	}
	if (why == REGINFO_ERR_OK) {
		/* Short-circuit like reginfo_sax.c: the first bad one ends it. */
		if (!contact_number(s, A_EXPIRES, REGINFO_HAS_EXPIRES, &expires, &has, &bad))
			return false;
		if (!bad && !contact_number(s, A_RETRY_AFTER, REGINFO_HAS_RETRY_AFTER, &retry_after,
					    &has, &bad))
			return false;
		if (!bad && !contact_number(s, A_DURATION, REGINFO_HAS_DURATION, &duration, &has,
					    &bad))
			return false;
		if (!bad && !contact_number(s, A_CSEQ, REGINFO_HAS_CSEQ, &cseq, &has, &bad))
			return false;
		if (bad)
			why = REGINFO_ERR_CONTACT_NUMBER;
	}
	if (why != REGINFO_ERR_OK) {
		skip(s, why);
		ignore_subtree(s);
		return true;
	}
	if (s->ev->n_contacts >= s->lim->max_contacts)
		return false; /* TOO_MANY_CONTACTS */
	s->c_arena_mark = s->arena_used;
	s->c_sim_mark = s->sim_used;
	s->c_param_mark = s->ev->n_params;
	s->contact_skip = REGINFO_ERR_OK;
	c = &s->ev->contacts[s->ev->n_contacts];
	/* Field by field: a 192-byte struct literal compiles to "rep stos",
	 * measurably slow per contact. id and first_param follow below. */
	c->uri = RGL_SLICE_NONE;
	c->display_name = RGL_SLICE_NONE;
	c->display_lang = RGL_SLICE_NONE;
	c->callid = RGL_SLICE_NONE;
	c->q = RGL_SLICE_NONE;
	c->state = state;
	c->event = event;
	c->has = has;
	c->expires = expires;
	c->retry_after = retry_after;
	c->duration_registered = duration;
	c->cseq = cseq;
	c->pub_gruu = RGL_SLICE_NONE;
	c->temp_gruu = RGL_SLICE_NONE;
	c->temp_gruu_first_cseq = 0;
	c->n_params = 0;
	if (!peek(s, ii, &v) || !keep(s, &v, &c->id))
		return false;
	if (iq >= 0 && (!peek(s, iq, &v) || !keep(s, &v, &c->q)))
		return false;
	if (ic >= 0 && (!peek(s, ic, &v) || !keep(s, &v, &c->callid)))
		return false;
	c->first_param = s->ev->n_params;
	s->ev->n_contacts++;
	s->reg->n_contacts++;
	s->contact = c;
	s->open[3] = EL_CONTACT;
	return true;
}

/* A new field of struct reginfo_contact must be set in start_contact(). */
_Static_assert(sizeof(struct reginfo_contact) == 8 * sizeof(struct rgl_slice) + 3 * 4 + 4 +
					     5 * sizeof(uint64_t) + 2 * 4,
	       "struct reginfo_contact changed: initialise the new field in start_contact()");

/* A contact is kept only with a non-empty <uri> and no late-found fault. */
static void
end_contact(struct scan *s)
{
	struct reginfo_contact *c = s->contact;
	enum reginfo_err why = s->contact_skip;

	if (why == REGINFO_ERR_OK && (c->uri.p == NULL || c->uri.len == 0))
		why = REGINFO_ERR_CONTACT_URI;
	if (why != REGINFO_ERR_OK) {
		skip(s, why);
		s->arena_used = s->c_arena_mark;
		s->sim_used = s->c_sim_mark;
		s->ev->n_params = s->c_param_mark;
		s->ev->n_contacts--;
		s->reg->n_contacts--;
	}
	s->contact = NULL;
}

static bool
start_param(struct scan *s)
{
	int in = attr_find(s, A_NAME);
	struct reginfo_param *pr;
	struct scan_val v;

	if (in < 0 || s->at[in].vlen == 0) {
		skip(s, REGINFO_ERR_PARAM_NAME);
		ignore_subtree(s);
		return true;
	}
	if (s->ev->n_params >= s->lim->max_params)
		return false; /* TOO_MANY_PARAMS */
	pr = &s->ev->params[s->ev->n_params];
	pr->value = RGL_SLICE_NONE;
	if (!peek(s, in, &v) || !keep(s, &v, &pr->name))
		return false;
	s->ev->n_params++;
	s->contact->n_params++;
	s->open[4] = EL_PARAM;
	text_begin(s, &pr->value);
	return true;
}

/* <gr:pub-gruu uri/> and <gr:temp-gruu uri first-cseq/> (RFC 5628 7). */
static bool
start_gruu(struct scan *s, bool temp)
{
	struct reginfo_contact *c = s->contact;
	int iu = attr_find(s, A_URI), ic;
	struct rgl_slice *dst = temp ? &c->temp_gruu : &c->pub_gruu;
	struct scan_val v;

	if (iu >= 0) {
		if (!peek(s, iu, &v))
			return false;
		trim(&v.p, &v.len);
	}
	if (iu < 0 || v.len == 0 || dst->p != NULL) {
		ignore_subtree(s);
		return true;
	}
	if (!keep(s, &v, dst))
		return false;
	s->open[4] = EL_GRUU;
	if (!temp)
		return true;
	/* The schema says first-cseq, RFC 5628 section 5 prose says cseq. */
	ic = attr_find(s, A_FIRST_CSEQ);
	if (ic < 0)
		ic = attr_find(s, A_CSEQ);
	if (ic < 0)
		return true;
	if (!peek(s, ic, &v))
		return false;
	if (parse_uint(v.p, v.len, UINT64_MAX, &c->temp_gruu_first_cseq))
		c->has |= REGINFO_HAS_TEMP_GRUU_CSEQ;
	else if (s->contact_skip == REGINFO_ERR_OK)
		s->contact_skip = REGINFO_ERR_CONTACT_NUMBER;
	return true;
}

static bool
start_contact_child(struct scan *s, enum scan_uri uri, const char *name, uint32_t nlen)
{
	struct reginfo_contact *c = s->contact;

	if (uri == URI_REGINFO) {
		if (LIT_IS(name, nlen, "uri") && c->uri.p == NULL) {
			s->open[4] = EL_URI;
			text_begin(s, &c->uri);
			return true;
		}
		if (LIT_IS(name, nlen, "display-name") && c->display_name.p == NULL) {
			int il = attr_find(s, A_XML_LANG);
			struct scan_val v;

			if (il >= 0 && (!peek(s, il, &v) || !keep(s, &v, &c->display_lang)))
				return false;
			s->open[4] = EL_DISPLAY;
			text_begin(s, &c->display_name);
			return true;
		}
		if (LIT_IS(name, nlen, "unknown-param"))
			return start_param(s);
	} else if (uri == URI_GRUU) {
		if (LIT_IS(name, nlen, "pub-gruu"))
			return start_gruu(s, false);
		if (LIT_IS(name, nlen, "temp-gruu"))
			return start_gruu(s, true);
	}
	ignore_subtree(s);
	return true;
}

/* reginfo_sax.c's on_start_element() once the depth is checked. */
static bool
el_start(struct scan *s, enum scan_uri uri, const char *name, uint32_t nlen)
{
	uint32_t d = s->depth;

	if (s->ignore_depth != 0)
		return true;
	if (d <= SCAN_TRACKED_DEPTH)
		s->open[d] = EL_NONE;
	switch (d) {
	case 1:
		return start_root(s, uri, name, nlen);
	case 2:
		if (uri == URI_REGINFO && LIT_IS(name, nlen, "registration"))
			return start_registration(s);
		break;
	case 3:
		if (uri == URI_REGINFO && LIT_IS(name, nlen, "contact"))
			return start_contact(s);
		if (uri == URI_EXTREGEXP && LIT_IS(name, nlen, "wildcardedIdentity") &&
		    s->reg->wildcarded_identity.p == NULL) {
			s->open[3] = EL_WILDCARD;
			text_begin(s, &s->reg->wildcarded_identity);
			return true;
		}
		break;
	case 4:
		if (s->open[3] == EL_CONTACT)
			return start_contact_child(s, uri, name, nlen);
		break;
	default:
		break;
	}
	ignore_subtree(s);
	return true;
}

/* reginfo_sax.c's on_end_element(), then the element's bindings go. */
static void
el_end(struct scan *s)
{
	uint32_t d = s->depth;

	while (s->n_ns > 0 && s->ns[s->n_ns - 1].depth == d)
		s->n_ns--;
	s->depth--;
	if (s->ignore_depth != 0) {
		if (d == s->ignore_depth)
			s->ignore_depth = 0;
		return;
	}
	if (d > SCAN_TRACKED_DEPTH)
		return;
	switch (s->open[d]) {
	case EL_URI:
	case EL_DISPLAY:
	case EL_PARAM:
	case EL_WILDCARD:
		text_end(s);
		break;
	case EL_CONTACT:
		end_contact(s);
		break;
	case EL_REG:
		s->reg = NULL;
		break;
	default:
		break;
	}
	s->open[d] = EL_NONE;
}

/* ---- markup ----------------------------------------------------------- */

/*
 * An ASCII QName at *pp: NCName (':' NCName)?. *plen is the prefix length
 * (0 without one). false for anything libxml2 might read differently: a
 * second colon, a non-ASCII byte right after it, an over-long name.
 */
static inline bool
scan_qname(const char **pp, const char *e, uint32_t *plen)
{
	const unsigned char *p = (const unsigned char *)*pp, *start = p;
	const unsigned char *end = (const unsigned char *)e;

	*plen = 0;
	if (p == end || !(cls[*p] & B_NAME_START))
		return false;
	for (p++; p < end && (cls[*p] & B_NAME); p++)
		;
	if (p < end && *p == ':') {
		*plen = (uint32_t)(p - start);
		p++;
		if (p == end || !(cls[*p] & B_NAME_START))
			return false;
		for (p++; p < end && (cls[*p] & B_NAME); p++)
			;
	}
	if (p == end || *p == ':' || *p >= 0x80 || p - start > SCAN_MAX_NAME)
		return false;
	*pp = (const char *)p;
	return true;
}

/*
 * An attribute value from after its opening quote @p q: every byte a valid
 * character, no '<', every '&' a reference we know. *decode when libxml2's
 * value will differ from the raw bytes. Returns the closing quote or NULL.
 */
static const char *
scan_value(const char *start, const char *e, char q, bool *decode)
{
	const unsigned char *p = (const unsigned char *)start, *end = (const unsigned char *)e;
	uint32_t cp;

	*decode = false;
	for (;;) {
		unsigned int n;

		p = skip_attr_run(p, end);
		if (p == end)
			return NULL;
		if (*p == (unsigned char)q)
			return (const char *)p; /* the usual stop: keep it off the switch */
		switch (*p) {
		case '"':
		case '\'':
			if (*p == (unsigned char)q)
				return (const char *)p;
			p++;
			break;
		case '&':
			n = parse_ref(p, end, &cp);
			if (n == 0)
				return NULL;
			p += n;
			*decode = true;
			break;
		case '\t':
		case '\n':
		case '\r':
			p++;
			*decode = true;
			break;
		default:
			if (*p < 0x80)
				return NULL; /* '<' or a control character */
			n = utf8_char(p, end);
			if (n == 0)
				return NULL;
			p += n;
			break;
		}
	}
}

/* Namespace of a binding's value: only equality with the known URIs matters. */
static bool
classify_ns(struct scan *s, const struct scan_attr *a, bool is_default, enum scan_uri *uri)
{
	struct scan_val v;

	if (!peek(s, (int)(a - s->at), &v))
		return false;
	if (v.len == 0) {
		/* xmlns="" undeclares; xmlns:p="" is an error libxml2 skips. */
		*uri = URI_NONE;
		return is_default;
	}
	if (val_is(&v, REGINFO_NS))
		*uri = URI_REGINFO;
	else if (val_is(&v, REGINFO_GRUU_NS))
		*uri = URI_GRUU;
	else if (val_is(&v, REGINFO_EXTREGEXP_NS))
		*uri = URI_EXTREGEXP;
	else if (val_is(&v, XML_NS_URI) || val_is(&v, XMLNS_NS_URI))
		return false; /* reserved: libxml2 refuses the binding */
	else
		*uri = URI_OTHER;
	return true;
}

static enum scan_uri
resolve(const struct scan *s, const char *prefix, uint32_t plen)
{
	for (uint32_t i = s->n_ns; i-- > 0;) {
		const struct scan_ns *b = &s->ns[i];

		if (b->plen == plen && (plen == 0 || eq(b->prefix, prefix, plen)))
			return b->uri;
	}
	return URI_NONE; /* unbound: libxml2 reports no namespace */
}

/* A start tag at s->p ('<' followed by a name start). */
static bool
scan_start_tag(struct scan *s)
{
	const char *p = s->p + 1, *e = s->e, *qname = p;
	uint32_t plen, qlen, ns_base = s->n_ns, d;
	bool outer_ignored = s->ignore_depth != 0, empty = false;
	enum scan_uri uri = URI_NONE;

	if (!scan_qname(&p, e, &plen))
		return false;
	qlen = (uint32_t)(p - qname);
	d = s->depth + 1;
	if (d > s->lim->max_depth || d > SCAN_MAX_DEPTH)
		return false; /* TOO_DEEP */
	s->n_attrs = 0;
	memset(s->known, -1, sizeof(s->known));
	s->scratch = s->arena_used;
	for (;;) {
		const char *ws = p, *an, *v;
		uint32_t aplen, anlen;
		struct scan_attr *a;
		enum scan_aname name;
		bool decode;
		char q;

		while (p < e && is_ws((unsigned char)*p))
			p++;
		if (p == e)
			return false;
		if (*p == '>') {
			p++;
			empty = false;
			break;
		}
		if (*p == '/') {
			if (p + 1 == e || p[1] != '>')
				return false;
			p += 2;
			empty = true;
			break;
		}
		if (p == ws)
			return false; /* attributes need white space before them */
		an = p;
		if (!scan_qname(&p, e, &aplen))
			return false;
		anlen = (uint32_t)(p - an);
		while (p < e && is_ws((unsigned char)*p))
			p++;
		if (p == e || *p != '=')
			return false;
		for (p++; p < e && is_ws((unsigned char)*p); p++)
			;
		if (p == e || (*p != '"' && *p != '\''))
			return false;
		q = *p++;
		v = p;
		p = scan_value(v, e, q, &decode);
		if (p == NULL)
			return false;
		p++;
		if (s->n_attrs == SCAN_MAX_ATTRS)
			return false;
		a = &s->at[s->n_attrs];
		a->v = v;
		a->vlen = (uint32_t)(p - 1 - v);
		a->decode = decode;
		if ((aplen == 0 && LIT_IS(an, anlen, "xmlns")) ||
		    (aplen == 5 && eq(an, "xmlns", 5))) {
			/* A namespace declaration, not an attribute. */
			const char *pfx = aplen == 0 ? NULL : an + 6;
			uint32_t pl = aplen == 0 ? 0 : anlen - 6;
			struct scan_ns *b;

			if (pl != 0 && (LIT_IS(pfx, pl, "xml") || LIT_IS(pfx, pl, "xmlns")))
				return false;
			for (uint32_t i = ns_base; i < s->n_ns; i++) {
				if (s->ns[i].plen == pl &&
				    (pl == 0 || eq(s->ns[i].prefix, pfx, pl)))
					return false; /* declared twice on one tag */
			}
			if (s->n_ns == SCAN_MAX_NS)
				return false;
			b = &s->ns[s->n_ns];
			b->prefix = pfx;
			b->plen = pl;
			b->depth = d;
			b->uri = URI_OTHER;
			/* Inside an ignored subtree no name is ever resolved. */
			if (!outer_ignored && !classify_ns(s, a, pl == 0, &b->uri))
				return false;
			s->n_ns++;
			continue;
		}
		a->prefixed = aplen != 0;
		a->local = aplen != 0 ? an + aplen + 1 : an;
		a->llen = aplen != 0 ? anlen - aplen - 1 : anlen;
		if (!a->prefixed)
			name = aname_of(a->local, a->llen);
		else if (aplen == 3 && eq(an, "xml", 3) && LIT_IS(a->local, a->llen, "lang"))
			name = A_XML_LANG;
		else
			name = A_OTHER;
		/* Same local name twice, both unprefixed (a duplicate) or both
		 * prefixed (maybe one namespace): leave it to libxml2. An
		 * unprefixed and a prefixed one never clash; two names we read
		 * clash exactly when they are the same one. */
		if (name != A_OTHER && s->known[name] >= 0)
			return false;
		if (name == A_OTHER || a->prefixed) {
			for (uint32_t i = 0; i < s->n_attrs; i++) {
				if (s->at[i].prefixed == a->prefixed &&
				    lit_is(s->at[i].local, s->at[i].llen, a->local, a->llen))
					return false;
			}
		}
		if (name != A_OTHER)
			s->known[name] = (int8_t)s->n_attrs;
		s->n_attrs++;
	}

	s->el[d - 1] = (struct scan_open){ qname, qlen };
	s->depth = d;
	if (!outer_ignored) {
		if (plen == 0)
			uri = resolve(s, NULL, 0);
		else if (LIT_IS(qname, plen, "xmlns"))
			return false;
		else if (LIT_IS(qname, plen, "xml"))
			uri = URI_OTHER;
		else
			uri = resolve(s, qname, plen);
	}
	if (!el_start(s, uri, plen != 0 ? qname + plen + 1 : qname,
		      plen != 0 ? qlen - plen - 1 : qlen)) {
		/* VERSION/STATE: libxml2 stops at this tag, its line is in the message. */
		s->p = p;
		return false;
	}
	s->p = p;
	if (empty)
		el_end(s);
	return true;
}

/* An end tag at s->p ("</"): the open element's exact QName. */
static bool
scan_end_tag(struct scan *s)
{
	const struct scan_open *o = &s->el[s->depth - 1];
	const char *p = s->p + 2, *e = s->e;

	if ((size_t)(e - p) < o->len || !eq(p, o->qname, o->len))
		return false;
	for (p += o->len; p < e && is_ws((unsigned char)*p); p++)
		;
	if (p == e || *p != '>')
		return false;
	s->p = p + 1;
	el_end(s);
	return true;
}

/* A comment at s->p ("<!--"): no "--" inside, valid characters. */
static bool
scan_comment(struct scan *s)
{
	const unsigned char *p = (const unsigned char *)s->p + 4;
	const unsigned char *e = (const unsigned char *)s->e;

	for (;;) {
		unsigned int n;

		while (p < e && !(cls[*p] & B_COMMENT))
			p++;
		if (p == e)
			return false;
		if (*p == '-') {
			if (p + 1 < e && p[1] == '-') {
				if (p + 2 < e && p[2] == '>') {
					s->p = (const char *)p + 3;
					return true;
				}
				return false;
			}
			p++;
			continue;
		}
		if (*p < 0x80)
			return false;
		n = utf8_char(p, e);
		if (n == 0)
			return false;
		p += n;
	}
}

static bool
at_comment(const struct scan *s)
{
	return s->e - s->p >= 4 && memcmp(s->p, "<!--", 4) == 0;
}

/*
 * Character data from s->p up to the next '<' (inside the root element).
 * Checked whether or not anybody wants it: libxml2 fails on bad bytes,
 * bad references and "]]>" anywhere.
 */
static bool
scan_chardata(struct scan *s)
{
	const unsigned char *start = (const unsigned char *)s->p, *p = start;
	const unsigned char *e = (const unsigned char *)s->e;
	bool decode = false;
	uint32_t cp;

	for (;;) {
		unsigned int n;

		p = skip_text_run(p, e);
		if (p == e)
			return false; /* ends inside the root */
		if (*p == '<')
			break;
		switch (*p) {
		case '&':
			n = parse_ref(p, e, &cp);
			if (n == 0)
				return false;
			p += n;
			decode = true;
			break;
		case '\r':
			p++;
			decode = true;
			break;
		case '>':
			if (p - start >= 2 && p[-1] == ']' && p[-2] == ']')
				return false;
			p++;
			break;
		default:
			if (*p < 0x80)
				return false;
			n = utf8_char(p, e);
			if (n == 0)
				return false;
			p += n;
			break;
		}
	}
	if (p != start && s->text_dst != NULL && s->ignore_depth == 0 &&
	    !text_add(s, (const char *)start, (uint32_t)(p - start), decode))
		return false;
	s->p = (const char *)p;
	return true;
}

/* White space and comments (prolog, epilog). */
static bool
scan_misc(struct scan *s)
{
	for (;;) {
		while (s->p < s->e && is_ws((unsigned char)*s->p))
			s->p++;
		if (!at_comment(s))
			return true;
		if (!scan_comment(s))
			return false;
	}
}

static bool
ci_is(const char *s, uint32_t n, const char *lit)
{
	if (n != strlen(lit))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (c != lit[i])
			return false;
	}
	return true;
}

/*
 * '<?xml' S version="1.0" [S encoding="UTF-8"] S? '?>' from s->p (after
 * "<?xml"); anything else (standalone, other versions or encodings) is
 * left to libxml2 and reginfo_sax.c's encoding check.
 */
static bool
scan_xmldecl(struct scan *s)
{
	const char *p = s->p, *e = s->e, *name;
	bool ws;
	char q;

#define SKIP_WS()                                                              \
	do {                                                                   \
		ws = false;                                                    \
		while (p < e && is_ws((unsigned char)*p)) {                    \
			p++;                                                   \
			ws = true;                                             \
		}                                                              \
	} while (0)
#define EXPECT(lit)                                                            \
	do {                                                                   \
		if ((size_t)(e - p) < sizeof(lit) - 1 ||                       \
		    memcmp(p, lit, sizeof(lit) - 1) != 0)                      \
			return false;                                          \
		p += sizeof(lit) - 1;                                          \
	} while (0)

	SKIP_WS();
	EXPECT("version");
	SKIP_WS();
	EXPECT("=");
	SKIP_WS();
	if (p == e || (*p != '"' && *p != '\''))
		return false;
	q = *p++;
	EXPECT("1.0");
	if (p == e || *p++ != q)
		return false;
	SKIP_WS();
	if (ws && (size_t)(e - p) >= 8 && memcmp(p, "encoding", 8) == 0) {
		p += 8;
		SKIP_WS();
		EXPECT("=");
		SKIP_WS();
		if (p == e || (*p != '"' && *p != '\''))
			return false;
		q = *p++;
		for (name = p; p < e && *p != q; p++)
			;
		if (p == e || !(ci_is(name, (uint32_t)(p - name), "UTF-8") ||
				ci_is(name, (uint32_t)(p - name), "UTF8")))
			return false;
		p++;
		SKIP_WS();
	}
	EXPECT("?>");
	s->p = p;
	return true;
#undef EXPECT
#undef SKIP_WS
}

static bool
scan_document(struct scan *s)
{
	if (s->e - s->p >= 3 && memcmp(s->p, "\xEF\xBB\xBF", 3) == 0)
		s->p += 3;
	if (s->e - s->p >= 6 && memcmp(s->p, "<?xml", 5) == 0 && is_ws((unsigned char)s->p[5])) {
		s->p += 5;
		if (!scan_xmldecl(s))
			return false;
	}
	if (!scan_misc(s))
		return false;
	if (s->e - s->p < 2 || s->p[0] != '<' || !(cls[(unsigned char)s->p[1]] & B_NAME_START))
		return false;
	if (!scan_start_tag(s))
		return false;
	while (s->depth > 0) {
		if (!scan_chardata(s))
			return false;
		/* At '<' (scan_chardata() stops only there). */
		if (s->e - s->p < 2)
			return false;
		if (s->p[1] == '/') {
			if (!scan_end_tag(s))
				return false;
		} else if (s->p[1] == '!') {
			if (!at_comment(s) || !scan_comment(s))
				return false;
		} else if (cls[(unsigned char)s->p[1]] & B_NAME_START) {
			if (!scan_start_tag(s))
				return false;
		} else {
			return false; /* processing instruction, or not markup */
		}
	}
	if (!scan_misc(s))
		return false;
	return s->p == s->e;
}

static void
event_clear(struct reginfo_event *ev)
{
	ev->version = 0;
	ev->state = REGINFO_DOC_FULL;
	ev->n_regs = 0;
	ev->n_contacts = 0;
	ev->n_params = 0;
	ev->n_skipped = 0;
	ev->first_skip = REGINFO_ERR_OK;
}

int
reginfo_scan(const struct reginfo_limits *lim, struct reginfo_event *ev, char *arena,
	     char *errmsg, size_t errmsg_size, const char *body, size_t len)
{
	struct scan s;

	event_clear(ev);
	if (body == NULL || len == 0 || len > lim->max_doc_bytes) {
		enum reginfo_err err = len == 0 || body == NULL ? REGINFO_ERR_EMPTY
							      : REGINFO_ERR_TOO_LARGE;

		snprintf(errmsg, errmsg_size, "%s", reginfo_err_str(err));
		return err;
	}
	s.p = body;
	s.e = body + len;
	s.body = body;
	s.lim = lim;
	s.ev = ev;
	s.arena = arena;
	s.arena_used = 0;
	s.scratch = 0;
	s.sim_used = 0;
	s.doc_err = REGINFO_ERR_OK;
	s.depth = 0;
	s.ignore_depth = 0;
	memset(s.open, 0, sizeof(s.open));
	s.reg = NULL;
	s.contact = NULL;
	s.contact_skip = REGINFO_ERR_OK;
	s.text_dst = NULL;
	s.n_ns = 0;
	s.n_attrs = 0;
	if (scan_document(&s))
		return REGINFO_ERR_OK;
	if (s.doc_err != REGINFO_ERR_OK) {
		/* Nobody may apply half a document; version stays as libxml2 leaves it. */
		ev->n_regs = 0;
		ev->n_contacts = 0;
		ev->n_params = 0;
		scan_errmsg(&s, errmsg, errmsg_size, s.p);
		return s.doc_err;
	}
	event_clear(ev);
	return REGINFO_NOT_HANDLED;
}
