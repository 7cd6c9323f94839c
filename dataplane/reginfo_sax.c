/* SPDX-License-Identifier: MIT */
/*
 * RFC 3680 reginfo documents through libxml2's SAX2 interface.
 *
 * Design
 * ------
 * This is the full-fidelity reference parser: libxml2 does the XML
 * (well-formedness, character references, CDATA, encodings, namespaces) and
 * we only react to SAX2 events, filling a struct reginfo_event whose arrays
 * and string arena were sized from struct reginfo_limits when the parser was
 * created. Nothing here allocates per document; libxml2 itself allocates a
 * few small buffers per document inside the reused context.
 *
 * One xmlParserCtxt per struct reginfo_parser, created once as a push parser
 * and rewound per document with xmlCtxtResetPush(). Measured on 2.9.14 this
 * is cheaper than xmlCtxtReset() + xmlCtxtReadMemory() (which re-applies the
 * options and goes through the pull parser), and handing it the chunk lets
 * libxml2 recognise a UTF-8 BOM. The context keeps its
 * name dictionary across documents, and 2.9.14 never shrinks it: a peer that
 * sends ever new element names would grow it without bound, so the context
 * is rebuilt once the dictionary holds more than a legitimate document could
 * ever put there (reginfo_ctxt_recycle()).
 *
 * Hostile input. Any DOCTYPE is refused at the internalSubset event, before
 * libxml2 reads a single markup declaration, so entity bombs (billion laughs)
 * and external entities (XXE, external parameter entities) are never even
 * declared; no DTD, external subset or entity is ever loaded, and references
 * to anything but the five predefined entities fail in getEntity. Nesting is
 * capped at limits.max_depth, the document size before libxml2 sees a byte,
 * and every array and the arena have fixed sizes with their own error codes.
 * Encodings other than UTF-8 and a declared ISO-8859-1 are refused before
 * libxml2 starts (encoding_ok()), so iconv is never involved. What remains
 * is libxml2's own cost, linear in the size except for its duplicate
 * attribute check, quadratic in the attributes of one element (a 64 KB
 * start tag with ~7000 attributes costs ~15 ms); max_doc_bytes bounds it.
 *
 * Stopping. libxml2 2.9.14's xmlStopParser() frees the input buffer at once
 * (xmlHaltParser), so it is only safe from callbacks after which libxml2
 * re-reads ctxt->input instead of a local pointer into the old buffer (the
 * hazard is real in the character-data paths: libxml++ issue #62). So
 * xmlStopParser() is only called from the start tag, end tag and DOCTYPE
 * callbacks; an error found in characters() (or at startDocument) is
 * recorded and the stop happens at the next tag. Fatal libxml2 errors need
 * no stop: the push loop exits by itself once an error has disabled SAX.
 *
 * Mapping. Elements are identified by (namespace URI, local name), never by
 * prefix. The schema's elements appear at fixed depths (reginfo 1,
 * registration 2, contact and wildcardedIdentity 3, contact children 4);
 * anything else is skipped with its whole subtree (ignore_depth). A missing
 * or invalid mandatory part drops only its registration, contact or
 * unknown-param (SEMANTICS 3.6, case 066); the contact's slot, parameters and
 * arena bytes are rolled back so skipped input costs no capacity.
 *
 * Fast path. reginfo_parse() first hands the body to the zero-copy scanner
 * of reginfo_scan.c, which either produces exactly the event this file
 * would or declines; only declined documents (counted in n_fallback) reach
 * libxml2, through reginfo_parse_ref(). Unless zero_copy is set the
 * scanner reads a copy of the body in stage[], so that, as with libxml2,
 * no slice outlives the caller's buffer.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/dict.h>
#include <libxml/entities.h>
#include <libxml/xmlerror.h>

#include <reglane/reginfo.h>

#include "reginfo_scan.h"

/* No NOENT (entities are never substituted: there are none but the
 * predefined five), no HUGE (keep libxml2's own limits), no DTD loading;
 * NONET is belt and braces should any loader ever be reached. */
#define REGINFO_XML_OPTIONS XML_PARSE_NONET

/* Far above the ~30 names a reginfo document interns; beyond it the
 * dictionary only holds names a peer made up (see the design note). */
#define REGINFO_DICT_MAX_NAMES 1024
#define REGINFO_DICT_MAX_BYTES (512u * 1024u)

#define REGINFO_ERRMSG_LEN 256

/* Deepest level at which the schema has elements we keep (contact children). */
#define REGINFO_TRACKED_DEPTH 4

#define XML_NS_URI "http://www.w3.org/XML/1998/namespace"

enum reginfo_el {
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

/*
 * Every name we match, interned in the context's dictionary when the context
 * is made. libxml2 hands element and attribute local names and namespace
 * URIs to SAX2 callbacks as pointers into that same dictionary, so a name
 * matches exactly when the pointers are equal: no string compare per event.
 */
#define foreach_reginfo_name                                                   \
	_(REGINFO, "reginfo")                                                  \
	_(REGISTRATION, "registration")                                        \
	_(CONTACT, "contact")                                                  \
	_(URI, "uri")                                                          \
	_(DISPLAY_NAME, "display-name")                                        \
	_(UNKNOWN_PARAM, "unknown-param")                                      \
	_(PUB_GRUU, "pub-gruu")                                                \
	_(TEMP_GRUU, "temp-gruu")                                              \
	_(WILDCARDED, "wildcardedIdentity")                                    \
	_(VERSION, "version")                                                  \
	_(STATE, "state")                                                      \
	_(AOR, "aor")                                                          \
	_(ID, "id")                                                            \
	_(EVENT, "event")                                                      \
	_(EXPIRES, "expires")                                                  \
	_(RETRY_AFTER, "retry-after")                                          \
	_(DURATION, "duration-registered")                                     \
	_(Q, "q")                                                              \
	_(CALLID, "callid")                                                    \
	_(CSEQ, "cseq")                                                        \
	_(FIRST_CSEQ, "first-cseq")                                            \
	_(NAME, "name")                                                        \
	_(LANG, "lang")                                                        \
	_(NS_REGINFO, REGINFO_NS)                                              \
	_(NS_GRUU, REGINFO_GRUU_NS)                                            \
	_(NS_EXTREGEXP, REGINFO_EXTREGEXP_NS)                                  \
	_(NS_XML, XML_NS_URI)

enum reginfo_name {
#define _(sym, str) N_##sym,
	foreach_reginfo_name
#undef _
	N__COUNT
};

static const char *const reginfo_names[N__COUNT] = {
#define _(sym, str) [N_##sym] = str,
	foreach_reginfo_name
#undef _
};

/* Everything that describes one document in progress; zeroed per document. */
struct reginfo_doc {
	enum reginfo_err err;  /* first document-level failure */
	int xml_code;          /* first fatal libxml2 error (xmlParserErrors) */
	uint32_t depth;        /* element nesting, root = 1 */
	uint32_t ignore_depth; /* != 0: inside a skipped subtree rooted there */
	uint8_t open[REGINFO_TRACKED_DEPTH + 1]; /* enum reginfo_el per depth */
	bool root_seen;

	struct reginfo_registration *reg; /* open, kept registration */
	struct reginfo_contact *contact;  /* open contact (may still be dropped) */
	uint32_t contact_arena_mark;      /* rollback points of that contact */
	uint32_t contact_param_mark;
	enum reginfo_err contact_skip; /* reason found after the start tag */

	struct rgl_slice *text_dst; /* != NULL: collecting text for it */
	uint32_t text_start;        /* arena offset of the collected text */
};

struct reginfo_parser {
	xmlParserCtxtPtr ctxt;
	const xmlChar *name[N__COUNT]; /* interned in ctxt->dict */
	struct reginfo_limits lim;
	struct reginfo_doc doc;
	struct reginfo_event ev;
	char *arena;
	uint32_t arena_used;
	char *stage;	     /* max_doc_bytes: the scanner's copy of the body */
	bool zero_copy;	     /* scan the caller's body itself */
	uint64_t n_fallback; /* documents the scanner left to libxml2 */
	char errmsg[REGINFO_ERRMSG_LEN];
};

/* ---- small helpers ---------------------------------------------------- */

static bool
xml_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* @p s (a dictionary string from libxml2, or NULL) is the name @p n. */
static bool
is(const struct reginfo_parser *p, const xmlChar *s, enum reginfo_name n)
{
	return s == p->name[n];
}

/* Attribute value [s, e) equals @p lit exactly. */
static bool
val_is(const xmlChar *s, const xmlChar *e, const char *lit)
{
	size_t n;

	/* Most candidates differ in the first byte: skip the strlen. */
	if (s == e || *s != (xmlChar)lit[0])
		return false;
	n = strlen(lit);
	return (size_t)(e - s) == n && memcmp(s, lit, n) == 0;
}

static void
trim(const xmlChar **s, const xmlChar **e)
{
	while (*s < *e && xml_is_space(**s))
		(*s)++;
	while (*e > *s && xml_is_space((*e)[-1]))
		(*e)--;
}

/*
 * Unsigned decimal up to @p max. Surrounding white space is allowed (the
 * schema's numeric types collapse it); signs, fractions and empty strings
 * are not.
 */
static bool
parse_uint(const xmlChar *s, const xmlChar *e, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	trim(&s, &e);
	if (s == e)
		return false;
	for (; s < e; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (d > 9)
			return false;
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int
xml_line(const struct reginfo_parser *p)
{
	return p->ctxt != NULL ? xmlSAX2GetLineNumber(p->ctxt) : 0;
}

static void
set_errmsg(struct reginfo_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
}

/*
 * Record a document-level failure. Only from callbacks after which libxml2
 * re-reads its input (start tag, end tag, DOCTYPE): see the design note.
 */
static void
fail(struct reginfo_parser *p, enum reginfo_err err)
{
	if (p->doc.err == REGINFO_ERR_OK) {
		p->doc.err = err;
		set_errmsg(p, "line %d: %s", xml_line(p), reginfo_err_str(err));
	}
	xmlStopParser(p->ctxt);
}

/* Same, from characters(): no xmlStopParser() there, the next tag stops. */
static void
fail_deferred(struct reginfo_parser *p, enum reginfo_err err)
{
	if (p->doc.err == REGINFO_ERR_OK) {
		p->doc.err = err;
		set_errmsg(p, "line %d: %s", xml_line(p), reginfo_err_str(err));
	}
}

static void
skip(struct reginfo_parser *p, enum reginfo_err why)
{
	if (p->ev.n_skipped++ == 0)
		p->ev.first_skip = why;
}

static void
ignore_subtree(struct reginfo_parser *p)
{
	p->doc.ignore_depth = p->doc.depth;
}

/* Copy [s, e) into the arena; false (and a failure recorded) when full. */
static bool
arena_copy(struct reginfo_parser *p, const xmlChar *s, const xmlChar *e, struct rgl_slice *out)
{
	size_t n = (size_t)(e - s);

	if (n > p->lim.arena_bytes - p->arena_used) {
		fail(p, REGINFO_ERR_ARENA_FULL);
		return false;
	}
	memcpy(p->arena + p->arena_used, s, n);
	*out = rgl_slice_make(p->arena + p->arena_used, n);
	p->arena_used += (uint32_t)n;
	return true;
}

/*
 * Copy an attribute value. Without XML_PARSE_NOENT, libxml2 2.9 hands every
 * '&' of an attribute value (from &amp; or &#38;) over as the five bytes
 * "&#38;", for its tree builder to parse again; nothing else can start with
 * '&' (other entities fail), so each "&#38;" is one '&'.
 */
static bool
attr_copy(struct reginfo_parser *p, const xmlChar *s, const xmlChar *e, struct rgl_slice *out)
{
	size_t n = (size_t)(e - s);
	char *d, *start;

	if (memchr(s, '&', n) == NULL)
		return arena_copy(p, s, e, out);
	if (n > p->lim.arena_bytes - p->arena_used) {
		fail(p, REGINFO_ERR_ARENA_FULL);
		return false;
	}
	start = d = p->arena + p->arena_used;
	while (s < e) {
		if (*s == '&' && e - s >= 5 && memcmp(s, "&#38;", 5) == 0) {
			*d++ = '&';
			s += 5;
		} else {
			*d++ = (char)*s++;
		}
	}
	*out = rgl_slice_make(start, (size_t)(d - start));
	p->arena_used += (uint32_t)(d - start);
	return true;
}

/* An unqualified attribute of a SAX2 attribute vector (5 pointers each). */
struct reginfo_attr {
	const xmlChar *v, *e; /* value, end; v == NULL when absent */
};

/*
 * Find the unqualified attribute @p name. Schema attributes carry no prefix
 * (attributeFormDefault unqualified); a prefixed one, even with an undeclared
 * prefix (libxml2 then reports URI NULL), belongs to somebody else.
 */
static struct reginfo_attr
attr_get(const struct reginfo_parser *p, int n, const xmlChar **a, enum reginfo_name name)
{
	for (int i = 0; i < n; i++, a += 5) {
		if (a[0] == p->name[name] && a[1] == NULL && a[2] == NULL)
			return (struct reginfo_attr){ a[3], a[4] };
	}
	return (struct reginfo_attr){ NULL, NULL };
}

static bool
attr_present(struct reginfo_attr a)
{
	return a.v != NULL;
}

static bool
attr_nonempty(struct reginfo_attr a)
{
	return a.v != NULL && a.e > a.v;
}

/* ---- text collection -------------------------------------------------- */

static void
text_begin(struct reginfo_parser *p, struct rgl_slice *dst)
{
	p->doc.text_dst = dst;
	p->doc.text_start = p->arena_used;
}

/* Trim what characters() gathered and hand it to its slice (present even when empty). */
static void
text_end(struct reginfo_parser *p)
{
	const xmlChar *s = (const xmlChar *)p->arena + p->doc.text_start;
	const xmlChar *e = (const xmlChar *)p->arena + p->arena_used;

	trim(&s, &e);
	*p->doc.text_dst = rgl_slice_make((const char *)s, (size_t)(e - s));
	/* Give the trailing white space back; the leading part stays behind. */
	p->arena_used = (uint32_t)(e - (const xmlChar *)p->arena);
	p->doc.text_dst = NULL;
}

/* ---- element handlers ------------------------------------------------- */

static void
start_root(struct reginfo_parser *p, const xmlChar *name, const xmlChar *uri, int na,
	   const xmlChar **a)
{
	struct reginfo_attr ver, st;
	uint64_t v;

	if (!is(p, name, N_REGINFO) || !is(p, uri, N_NS_REGINFO)) {
		fail(p, REGINFO_ERR_ROOT);
		set_errmsg(p, "line %d: root element is {%.100s}%.60s", xml_line(p),
			   uri != NULL ? (const char *)uri : "", (const char *)name);
		return;
	}
	p->doc.root_seen = true;
	ver = attr_get(p, na, a, N_VERSION);
	if (!attr_present(ver) || !parse_uint(ver.v, ver.e, UINT32_MAX, &v)) {
		fail(p, REGINFO_ERR_VERSION);
		return;
	}
	p->ev.version = (uint32_t)v;
	st = attr_get(p, na, a, N_STATE);
	if (attr_present(st) && val_is(st.v, st.e, "full"))
		p->ev.state = REGINFO_DOC_FULL;
	else if (attr_present(st) && val_is(st.v, st.e, "partial"))
		p->ev.state = REGINFO_DOC_PARTIAL;
	else {
		fail(p, REGINFO_ERR_STATE);
		return;
	}
	p->doc.open[1] = EL_ROOT;
}

static bool
match_reg_state(struct reginfo_attr a, enum reginfo_reg_state *out)
{
	for (int s = REGINFO_REG_INIT; s <= REGINFO_REG_TERMINATED; s++) {
		if (val_is(a.v, a.e, reginfo_reg_state_str((enum reginfo_reg_state)s))) {
			*out = (enum reginfo_reg_state)s;
			return true;
		}
	}
	return false;
}

static bool
match_contact_state(struct reginfo_attr a, enum reginfo_contact_state *out)
{
	for (int s = REGINFO_CONTACT_ACTIVE; s <= REGINFO_CONTACT_TERMINATED; s++) {
		if (val_is(a.v, a.e, reginfo_contact_state_str((enum reginfo_contact_state)s))) {
			*out = (enum reginfo_contact_state)s;
			return true;
		}
	}
	return false;
}

static bool
match_contact_event(struct reginfo_attr a, enum reginfo_contact_event *out)
{
	for (int e = 0; e < REGINFO_EV__COUNT; e++) {
		if (val_is(a.v, a.e, reginfo_contact_event_str((enum reginfo_contact_event)e))) {
			*out = (enum reginfo_contact_event)e;
			return true;
		}
	}
	return false;
}

static void
start_registration(struct reginfo_parser *p, int na, const xmlChar **a)
{
	struct reginfo_attr aor = attr_get(p, na, a, N_AOR);
	struct reginfo_attr id = attr_get(p, na, a, N_ID);
	struct reginfo_attr st = attr_get(p, na, a, N_STATE);
	struct reginfo_registration *r;
	enum reginfo_reg_state state = REGINFO_REG_INIT;
	enum reginfo_err why = REGINFO_ERR_OK;

	/* aor is an xs:anyURI: its white space collapses. */
	if (aor.v != NULL)
		trim(&aor.v, &aor.e);
	if (!attr_nonempty(aor))
		why = REGINFO_ERR_REG_AOR;
	else if (!attr_nonempty(id))
		why = REGINFO_ERR_REG_ID;
	else if (!attr_present(st) || !match_reg_state(st, &state))
		why = REGINFO_ERR_REG_STATE;
	if (why != REGINFO_ERR_OK) {
		skip(p, why);
		ignore_subtree(p);
		return;
	}
	if (p->ev.n_regs >= p->lim.max_registrations) {
		fail(p, REGINFO_ERR_TOO_MANY_REGISTRATIONS);
		return;
	}
	r = &p->ev.regs[p->ev.n_regs];
	memset(r, 0, sizeof(*r));
	if (!attr_copy(p, aor.v, aor.e, &r->aor) || !attr_copy(p, id.v, id.e, &r->id))
		return;
	r->state = state;
	r->first_contact = p->ev.n_contacts;
	p->ev.n_regs++;
	p->doc.reg = r;
	p->doc.open[2] = EL_REG;
}

/* Optional numeric contact attribute: false when present but invalid. */
static bool
contact_number(const struct reginfo_parser *p, struct reginfo_contact *c, int na,
	       const xmlChar **a, enum reginfo_name name, uint32_t bit, uint64_t *dst)
{
	struct reginfo_attr v = attr_get(p, na, a, name);

	if (!attr_present(v))
		return true;
	if (!parse_uint(v.v, v.e, UINT64_MAX, dst))
		return false;
	c->has |= bit;
	return true;
}

static void
start_contact(struct reginfo_parser *p, int na, const xmlChar **a)
{
	struct reginfo_attr id = attr_get(p, na, a, N_ID);
	struct reginfo_attr st = attr_get(p, na, a, N_STATE);
	struct reginfo_attr evt = attr_get(p, na, a, N_EVENT);
	struct reginfo_attr q = attr_get(p, na, a, N_Q);
	struct reginfo_attr callid = attr_get(p, na, a, N_CALLID);
	struct reginfo_contact tmp, *c;
	enum reginfo_err why = REGINFO_ERR_OK;

	memset(&tmp, 0, sizeof(tmp));
	if (!attr_nonempty(id))
		why = REGINFO_ERR_CONTACT_ID;
	else if (!attr_present(st) || !match_contact_state(st, &tmp.state))
		why = REGINFO_ERR_CONTACT_STATE;
	else if (!attr_present(evt) || !match_contact_event(evt, &tmp.event))
		why = REGINFO_ERR_CONTACT_EVENT;
	else if (!contact_number(p, &tmp, na, a, N_EXPIRES, REGINFO_HAS_EXPIRES, &tmp.expires) ||
		 !contact_number(p, &tmp, na, a, N_RETRY_AFTER, REGINFO_HAS_RETRY_AFTER,
				 &tmp.retry_after) ||
		 !contact_number(p, &tmp, na, a, N_DURATION, REGINFO_HAS_DURATION,
				 &tmp.duration_registered) ||
		 !contact_number(p, &tmp, na, a, N_CSEQ, REGINFO_HAS_CSEQ, &tmp.cseq))
		why = REGINFO_ERR_CONTACT_NUMBER;
	if (why != REGINFO_ERR_OK) {
		skip(p, why);
		ignore_subtree(p);
		return;
	}
	if (p->ev.n_contacts >= p->lim.max_contacts) {
		fail(p, REGINFO_ERR_TOO_MANY_CONTACTS);
		return;
	}
	p->doc.contact_arena_mark = p->arena_used;
	p->doc.contact_param_mark = p->ev.n_params;
	p->doc.contact_skip = REGINFO_ERR_OK;
	c = &p->ev.contacts[p->ev.n_contacts];
	*c = tmp;
	if (!attr_copy(p, id.v, id.e, &c->id))
		return;
	if (attr_present(q) && !attr_copy(p, q.v, q.e, &c->q))
		return;
	if (attr_present(callid) && !attr_copy(p, callid.v, callid.e, &c->callid))
		return;
	c->first_param = p->ev.n_params;
	p->ev.n_contacts++;
	p->doc.reg->n_contacts++;
	p->doc.contact = c;
	p->doc.open[3] = EL_CONTACT;
}

/* A contact is kept only with a non-empty <uri> and no late-found fault. */
static void
end_contact(struct reginfo_parser *p)
{
	struct reginfo_contact *c = p->doc.contact;
	enum reginfo_err why = p->doc.contact_skip;

	if (why == REGINFO_ERR_OK && (c->uri.p == NULL || c->uri.len == 0))
		why = REGINFO_ERR_CONTACT_URI;
	if (why != REGINFO_ERR_OK) {
		skip(p, why);
		p->arena_used = p->doc.contact_arena_mark;
		p->ev.n_params = p->doc.contact_param_mark;
		p->ev.n_contacts--;
		p->doc.reg->n_contacts--;
	}
	p->doc.contact = NULL;
}

static void
start_param(struct reginfo_parser *p, int na, const xmlChar **a)
{
	struct reginfo_attr name = attr_get(p, na, a, N_NAME);
	struct reginfo_param *pr;

	if (!attr_nonempty(name)) {
		skip(p, REGINFO_ERR_PARAM_NAME);
		ignore_subtree(p);
		return;
	}
	if (p->ev.n_params >= p->lim.max_params) {
		fail(p, REGINFO_ERR_TOO_MANY_PARAMS);
		return;
	}
	pr = &p->ev.params[p->ev.n_params];
	pr->value = RGL_SLICE_NONE;
	if (!attr_copy(p, name.v, name.e, &pr->name))
		return;
	p->ev.n_params++;
	p->doc.contact->n_params++;
	p->doc.open[4] = EL_PARAM;
	text_begin(p, &pr->value);
}

/* <gr:pub-gruu uri/> and <gr:temp-gruu uri first-cseq/> (RFC 5628 7). */
static void
start_gruu(struct reginfo_parser *p, bool temp, int na, const xmlChar **a)
{
	struct reginfo_contact *c = p->doc.contact;
	struct reginfo_attr uri = attr_get(p, na, a, N_URI);
	struct rgl_slice *dst = temp ? &c->temp_gruu : &c->pub_gruu;
	struct reginfo_attr cseq;

	if (uri.v != NULL)
		trim(&uri.v, &uri.e);
	/* Without a uri the element says nothing; RFC 5628 allows one of each. */
	if (!attr_nonempty(uri) || dst->p != NULL) {
		ignore_subtree(p);
		return;
	}
	if (!attr_copy(p, uri.v, uri.e, dst))
		return;
	p->doc.open[4] = EL_GRUU;
	if (!temp)
		return;
	/* The schema says first-cseq, RFC 5628 section 5 prose says cseq. */
	cseq = attr_get(p, na, a, N_FIRST_CSEQ);
	if (!attr_present(cseq))
		cseq = attr_get(p, na, a, N_CSEQ);
	if (!attr_present(cseq))
		return;
	if (parse_uint(cseq.v, cseq.e, UINT64_MAX, &c->temp_gruu_first_cseq))
		c->has |= REGINFO_HAS_TEMP_GRUU_CSEQ;
	else if (p->doc.contact_skip == REGINFO_ERR_OK)
		p->doc.contact_skip = REGINFO_ERR_CONTACT_NUMBER;
}

static void
start_contact_child(struct reginfo_parser *p, const xmlChar *name, const xmlChar *uri, int na,
		    const xmlChar **a)
{
	struct reginfo_contact *c = p->doc.contact;

	if (is(p, uri, N_NS_REGINFO)) {
		if (is(p, name, N_URI) && c->uri.p == NULL) {
			p->doc.open[4] = EL_URI;
			text_begin(p, &c->uri);
			return;
		}
		if (is(p, name, N_DISPLAY_NAME) && c->display_name.p == NULL) {
			struct reginfo_attr lang = { NULL, NULL };
			const xmlChar **at = a;

			for (int i = 0; i < na; i++, at += 5) {
				if (is(p, at[0], N_LANG) && is(p, at[2], N_NS_XML))
					lang = (struct reginfo_attr){ at[3], at[4] };
			}
			if (attr_present(lang) && !attr_copy(p, lang.v, lang.e, &c->display_lang))
				return;
			p->doc.open[4] = EL_DISPLAY;
			text_begin(p, &c->display_name);
			return;
		}
		if (is(p, name, N_UNKNOWN_PARAM)) {
			start_param(p, na, a);
			return;
		}
	} else if (is(p, uri, N_NS_GRUU)) {
		if (is(p, name, N_PUB_GRUU)) {
			start_gruu(p, false, na, a);
			return;
		}
		if (is(p, name, N_TEMP_GRUU)) {
			start_gruu(p, true, na, a);
			return;
		}
	}
	ignore_subtree(p);
}

static void
on_start_element(void *ud, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
		 int nb_ns, const xmlChar **ns, int na, int nb_def, const xmlChar **a)
{
	struct reginfo_parser *p = ud;
	uint32_t d;

	(void)prefix;
	(void)nb_ns;
	(void)ns;
	(void)nb_def;
	if (p->doc.err != REGINFO_ERR_OK) {
		/* A failure recorded in characters(): stop here, where it is safe. */
		xmlStopParser(p->ctxt);
		return;
	}
	d = ++p->doc.depth;
	if (d > p->lim.max_depth) {
		set_errmsg(p, "line %d: nesting deeper than %u", xml_line(p), p->lim.max_depth);
		p->doc.err = REGINFO_ERR_TOO_DEEP;
		xmlStopParser(p->ctxt);
		return;
	}
	if (p->doc.ignore_depth != 0)
		return;
	if (d <= REGINFO_TRACKED_DEPTH)
		p->doc.open[d] = EL_NONE;
	switch (d) {
	case 1:
		start_root(p, name, uri, na, a);
		return;
	case 2:
		if (is(p, uri, N_NS_REGINFO) && is(p, name, N_REGISTRATION)) {
			start_registration(p, na, a);
			return;
		}
		break;
	case 3:
		if (is(p, uri, N_NS_REGINFO) && is(p, name, N_CONTACT)) {
			start_contact(p, na, a);
			return;
		}
		if (is(p, uri, N_NS_EXTREGEXP) && is(p, name, N_WILDCARDED) &&
		    p->doc.reg->wildcarded_identity.p == NULL) {
			p->doc.open[3] = EL_WILDCARD;
			text_begin(p, &p->doc.reg->wildcarded_identity);
			return;
		}
		break;
	case 4:
		if (p->doc.open[3] == EL_CONTACT) {
			start_contact_child(p, name, uri, na, a);
			return;
		}
		break;
	default:
		break;
	}
	/* Foreign namespace, undeclared prefix (URI NULL), unknown or misplaced. */
	ignore_subtree(p);
}

static void
on_end_element(void *ud, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct reginfo_parser *p = ud;
	uint32_t d = p->doc.depth;

	(void)name;
	(void)prefix;
	(void)uri;
	if (p->doc.err != REGINFO_ERR_OK) {
		xmlStopParser(p->ctxt);
		return;
	}
	p->doc.depth--;
	if (p->doc.ignore_depth != 0) {
		if (d == p->doc.ignore_depth)
			p->doc.ignore_depth = 0;
		return;
	}
	if (d > REGINFO_TRACKED_DEPTH)
		return;
	switch (p->doc.open[d]) {
	case EL_URI:
	case EL_DISPLAY:
	case EL_PARAM:
	case EL_WILDCARD:
		text_end(p);
		break;
	case EL_CONTACT:
		end_contact(p);
		break;
	case EL_REG:
		p->doc.reg = NULL;
		break;
	default:
		break;
	}
	p->doc.open[d] = EL_NONE;
}

/* Text, CDATA and (same callback) ignorable white space. */
static void
on_characters(void *ud, const xmlChar *ch, int len)
{
	struct reginfo_parser *p = ud;

	if (p->doc.text_dst == NULL || p->doc.ignore_depth != 0 || p->doc.err != REGINFO_ERR_OK ||
	    len <= 0)
		return;
	if ((uint32_t)len > p->lim.arena_bytes - p->arena_used) {
		fail_deferred(p, REGINFO_ERR_ARENA_FULL);
		return;
	}
	memcpy(p->arena + p->arena_used, ch, (size_t)len);
	p->arena_used += (uint32_t)len;
}

/* Second line of defence behind encoding_ok(): only Latin-1 gets a decoder. */
static void
on_start_document(void *ud)
{
	struct reginfo_parser *p = ud;
	xmlParserInputPtr in = p->ctxt->input;

	if (in != NULL && in->buf != NULL && in->buf->encoder != NULL &&
	    strcmp(in->buf->encoder->name, "ISO-8859-1") != 0) {
		/* Stopping here is not safe (the push loop reads on): refuse at the root. */
		fail_deferred(p, REGINFO_ERR_ENCODING);
		set_errmsg(p, "unsupported encoding %s", in->buf->encoder->name);
	}
}

static void
on_internal_subset(void *ud, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	struct reginfo_parser *p = ud;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	fail(p, REGINFO_ERR_DTD);
}

/* Never reached once internalSubset has stopped the parser; refuse anyway. */
static void
on_external_subset(void *ud, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	struct reginfo_parser *p = ud;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	fail_deferred(p, REGINFO_ERR_DTD);
}

static void
on_entity_decl(void *ud, const xmlChar *name, int type, const xmlChar *public_id,
	       const xmlChar *system_id, xmlChar *content)
{
	struct reginfo_parser *p = ud;

	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	fail_deferred(p, REGINFO_ERR_DTD);
}

/*
 * Called for every entity reference but the predefined five (libxml2 looks
 * those up itself first). With no DTD there is nothing to find; libxml2 then
 * raises a fatal "undefined entity" error, which ends the parse.
 */
static xmlEntityPtr
on_get_entity(void *ud, const xmlChar *name)
{
	struct reginfo_parser *p = ud;
	xmlEntityPtr ent = xmlGetPredefinedEntity(name);

	if (ent == NULL && p->doc.err == REGINFO_ERR_OK) {
		p->doc.err = REGINFO_ERR_ENTITY;
		set_errmsg(p, "line %d: undefined entity '%.64s'", xml_line(p), (const char *)name);
	}
	return ent;
}

static xmlEntityPtr
on_get_pe(void *ud, const xmlChar *name)
{
	return on_get_entity(ud, name);
}

static xmlParserInputPtr
on_resolve_entity(void *ud, const xmlChar *public_id, const xmlChar *system_id)
{
	struct reginfo_parser *p = ud;

	(void)public_id;
	(void)system_id;
	fail_deferred(p, REGINFO_ERR_ENTITY);
	return NULL;
}

/* Keep the first fatal error; warnings and namespace errors do not fail a document. */
static void
on_error(void *ud, xmlErrorPtr e)
{
	struct reginfo_parser *p = ud;
	size_t n;

	if (e == NULL || e->level != XML_ERR_FATAL || p->doc.xml_code != 0)
		return;
	p->doc.xml_code = e->code != 0 ? e->code : -1;
	if (p->doc.err != REGINFO_ERR_OK)
		return;
	set_errmsg(p, "line %d: %s", e->line, e->message != NULL ? e->message : "XML error");
	n = strlen(p->errmsg);
	if (n > 0 && p->errmsg[n - 1] == '\n')
		p->errmsg[n - 1] = '\0';
}

/* ---- context lifecycle ------------------------------------------------ */

static int
reginfo_ctxt_create(struct reginfo_parser *p)
{
	xmlSAXHandler sax;

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start_element;
	sax.endElementNs = on_end_element;
	sax.characters = on_characters;
	sax.cdataBlock = on_characters;
	/* Same callback: libxml2 then skips its blank-detection work. */
	sax.ignorableWhitespace = on_characters;
	sax.startDocument = on_start_document;
	sax.internalSubset = on_internal_subset;
	sax.externalSubset = on_external_subset;
	sax.entityDecl = on_entity_decl;
	sax.getEntity = on_get_entity;
	sax.getParameterEntity = on_get_pe;
	sax.resolveEntity = on_resolve_entity;
	sax.serror = on_error;

	p->ctxt = xmlCreatePushParserCtxt(&sax, p, NULL, 0, NULL);
	if (p->ctxt == NULL)
		return -ENOMEM;
	xmlCtxtUseOptions(p->ctxt, REGINFO_XML_OPTIONS);
	for (int i = 0; i < N__COUNT; i++) {
		p->name[i] = xmlDictLookup(p->ctxt->dict, (const xmlChar *)reginfo_names[i], -1);
		if (p->name[i] == NULL) {
			xmlFreeParserCtxt(p->ctxt);
			p->ctxt = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* Rebuild the context when its dictionary only grows from made-up names. */
static void
reginfo_ctxt_recycle(struct reginfo_parser *p)
{
	xmlDictPtr dict = p->ctxt->dict;

	if (dict == NULL || (xmlDictSize(dict) <= REGINFO_DICT_MAX_NAMES &&
			     xmlDictGetUsage(dict) <= REGINFO_DICT_MAX_BYTES))
		return;
	xmlFreeParserCtxt(p->ctxt);
	p->ctxt = NULL;
	/* On failure the next reginfo_parse() retries and reports NO_MEMORY. */
	(void)reginfo_ctxt_create(p);
}

static bool
limits_valid(const struct reginfo_limits *l)
{
	return l->max_doc_bytes > 0 && l->max_doc_bytes <= INT32_MAX && l->max_depth > 0 &&
	       l->max_registrations > 0 && l->max_contacts > 0 && l->max_params > 0 &&
	       l->arena_bytes > 0;
}

/**
 * Create a parser (and the storage of the event it fills) for one thread.
 * Context: any thread, before parsing starts (init path). Runs libxml2's
 * global initialisation (xmlInitParser, thread-safe and idempotent) and
 * allocates everything the parser will ever need.
 * @return the parser, or NULL with errno ENOMEM (allocation) or EINVAL
 *         (a zero limit, or max_doc_bytes above INT32_MAX).
 */
struct reginfo_parser *
reginfo_parser_new(const struct reginfo_limits *limits)
{
	struct reginfo_parser *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto err_nomem;
	if (limits != NULL)
		p->lim = *limits;
	else
		reginfo_limits_default(&p->lim);
	if (!limits_valid(&p->lim)) {
		free(p);
		errno = EINVAL;
		return NULL;
	}
	p->ev.regs = calloc(p->lim.max_registrations, sizeof(*p->ev.regs));
	p->ev.contacts = calloc(p->lim.max_contacts, sizeof(*p->ev.contacts));
	p->ev.params = calloc(p->lim.max_params, sizeof(*p->ev.params));
	p->arena = malloc(p->lim.arena_bytes);
	p->stage = malloc(p->lim.max_doc_bytes);
	if (p->ev.regs == NULL || p->ev.contacts == NULL || p->ev.params == NULL ||
	    p->arena == NULL || p->stage == NULL)
		goto err_free;
	xmlInitParser();
	if (reginfo_ctxt_create(p) < 0)
		goto err_free;
	return p;

err_free:
	reginfo_parser_free(p);
err_nomem:
	errno = ENOMEM;
	return NULL;
}

/** Free @p p and everything it owns; NULL is a no-op. */
void
reginfo_parser_free(struct reginfo_parser *p)
{
	if (p == NULL)
		return;
	if (p->ctxt != NULL)
		xmlFreeParserCtxt(p->ctxt);
	free(p->stage);
	free(p->arena);
	free(p->ev.params);
	free(p->ev.contacts);
	free(p->ev.regs);
	free(p);
}

/* Translate the first fatal libxml2 error. */
static enum reginfo_err
map_xml_error(int code)
{
	switch (code) {
	case XML_ERR_NO_MEMORY:
		return REGINFO_ERR_NO_MEMORY;
	case XML_ERR_UNSUPPORTED_ENCODING:
	case XML_ERR_UNKNOWN_ENCODING:
	case XML_ERR_INVALID_ENCODING:
	case XML_I18N_NO_NAME:
	case XML_I18N_NO_HANDLER:
	case XML_I18N_EXCESS_HANDLER:
	case XML_I18N_CONV_FAILED:
	case XML_I18N_NO_OUTPUT:
		return REGINFO_ERR_ENCODING;
	case XML_ERR_UNDECLARED_ENTITY:
	case XML_WAR_UNDECLARED_ENTITY:
		return REGINFO_ERR_ENTITY;
	default:
		return REGINFO_ERR_NOT_WELL_FORMED;
	}
}

static bool
enc_name_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/*
 * RFC 3680 5.1 wants UTF-8; a declared ISO-8859-1 is accepted by policy
 * (SEMANTICS 3.6, case 077). Anything else is refused before libxml2 sees
 * it: libxml2 would switch to whatever the first bytes or the XML
 * declaration name (through iconv when it has no decoder of its own), and
 * its decoders report conversion failures on stderr, not to the context.
 */
static bool
encoding_ok(const char *b, size_t len)
{
	const char *s = b, *e = b + len, *end, *k, *name;
	bool bom = false;
	char q;

	if (len >= 4) {
		xmlCharEncoding enc = xmlDetectCharEncoding((const xmlChar *)b, 4);

		if (enc != XML_CHAR_ENCODING_NONE && enc != XML_CHAR_ENCODING_UTF8)
			return false;
	}
	if (len >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		bom = true;
	}
	/* No XML declaration: UTF-8. */
	if (e - s < 6 || memcmp(s, "<?xml", 5) != 0 || !xml_is_space((unsigned char)s[5]))
		return true;
	/* The declaration is a few dozen bytes: plain loops beat memmem here. */
	for (end = s + 5; end + 1 < e && !(end[0] == '?' && end[1] == '>'); end++)
		;
	if (end + 1 >= e)
		return true; /* not well-formed: libxml2 says so */
	for (k = s + 5; k + 8 <= end && memcmp(k, "encoding", 8) != 0; k++)
		;
	if (k + 8 > end)
		return true;
	/* EncodingDecl: 'encoding' S? '=' S? quote EncName quote */
	for (k += 8; k < end && xml_is_space((unsigned char)*k); k++)
		;
	if (k == end || *k++ != '=')
		return false;
	while (k < end && xml_is_space((unsigned char)*k))
		k++;
	if (k == end || (*k != '"' && *k != '\''))
		return false;
	q = *k++;
	name = k;
	while (k < end && *k != q)
		k++;
	if (k == end)
		return false;
	if (enc_name_is(name, (size_t)(k - name), "UTF-8") ||
	    enc_name_is(name, (size_t)(k - name), "UTF8"))
		return true;
	/* A UTF-8 BOM contradicting the declaration is an error (XML 1.0 F.1). */
	return !bom && enc_name_is(name, (size_t)(k - name), "ISO-8859-1");
}

static void
reginfo_reset(struct reginfo_parser *p)
{
	memset(&p->doc, 0, sizeof(p->doc));
	p->ev.version = 0;
	p->ev.state = REGINFO_DOC_FULL;
	p->ev.n_regs = 0;
	p->ev.n_contacts = 0;
	p->ev.n_params = 0;
	p->ev.n_skipped = 0;
	p->ev.first_skip = REGINFO_ERR_OK;
	p->arena_used = 0;
	p->errmsg[0] = '\0';
}

static enum reginfo_err
reginfo_finish(struct reginfo_parser *p, enum reginfo_err err)
{
	if (err != REGINFO_ERR_OK) {
		/* Nobody may apply half a document. */
		p->ev.n_regs = 0;
		p->ev.n_contacts = 0;
		p->ev.n_params = 0;
		if (p->errmsg[0] == '\0')
			set_errmsg(p, "%s", reginfo_err_str(err));
	}
	return err;
}

/**
 * Parse one document into the parser's event with libxml2 alone.
 * Context: the thread owning @p p. Allocates nothing itself; libxml2 makes
 * a few small allocations inside its reused context.
 */
enum reginfo_err
reginfo_parse_ref(struct reginfo_parser *p, const char *body, size_t len,
		  const struct reginfo_event **ev)
{
	enum reginfo_err err;

	reginfo_reset(p);
	if (ev != NULL)
		*ev = &p->ev;
	if (body == NULL || len == 0)
		return reginfo_finish(p, REGINFO_ERR_EMPTY);
	if (len > p->lim.max_doc_bytes)
		return reginfo_finish(p, REGINFO_ERR_TOO_LARGE);
	if (!encoding_ok(body, len)) {
		set_errmsg(p, "encoding other than UTF-8 or ISO-8859-1");
		return reginfo_finish(p, REGINFO_ERR_ENCODING);
	}
	if (p->ctxt == NULL && reginfo_ctxt_create(p) < 0)
		return reginfo_finish(p, REGINFO_ERR_NO_MEMORY);
	/* Handing the chunk to the reset lets libxml2 sniff BOM / UTF-16 from it. */
	if (xmlCtxtResetPush(p->ctxt, body, (int)len, NULL, NULL) != 0)
		return reginfo_finish(p, REGINFO_ERR_NO_MEMORY);
	xmlParseChunk(p->ctxt, NULL, 0, 1);

	if (p->doc.err != REGINFO_ERR_OK)
		err = p->doc.err;
	else if (p->doc.xml_code != 0 || !p->ctxt->wellFormed)
		err = map_xml_error(p->doc.xml_code);
	else if (!p->doc.root_seen || p->doc.depth != 0)
		err = REGINFO_ERR_NOT_WELL_FORMED;
	else
		err = REGINFO_ERR_OK;
	reginfo_ctxt_recycle(p);
	return reginfo_finish(p, err);
}

/**
 * The zero-copy scanner alone (reginfo_scan.c); REGINFO_NOT_HANDLED leaves
 * the document to reginfo_parse_ref() and is counted.
 * Context: the thread owning @p p. Allocates nothing.
 */
int
reginfo_parse_fast(struct reginfo_parser *p, const char *body, size_t len,
		   const struct reginfo_event **ev)
{
	int r;

	p->errmsg[0] = '\0';
	if (ev != NULL)
		*ev = &p->ev;
	r = reginfo_scan(&p->lim, &p->ev, p->arena, p->errmsg, sizeof(p->errmsg), body, len);
	if (r == REGINFO_NOT_HANDLED)
		p->n_fallback++;
	return r;
}

/**
 * Parse one document: the scanner, then libxml2 if the scanner declines.
 * Context: the thread owning @p p. Allocates nothing itself (see
 * reginfo_parse_ref() for libxml2).
 */
enum reginfo_err
reginfo_parse(struct reginfo_parser *p, const char *body, size_t len,
	      const struct reginfo_event **ev)
{
	const char *src = body;
	int r;

	/* The copy keeps every slice in parser memory; the scanner checks
	 * the size itself, so an oversized body is not copied. */
	if (!p->zero_copy && body != NULL && len != 0 && len <= p->lim.max_doc_bytes) {
		memcpy(p->stage, body, len);
		src = p->stage;
	}
	r = reginfo_parse_fast(p, src, len, ev);
	if (r != REGINFO_NOT_HANDLED)
		return (enum reginfo_err)r;
	return reginfo_parse_ref(p, body, len, ev);
}

/** Let reginfo_parse() return slices of the caller's body. Context: owner thread. */
void
reginfo_parser_set_zero_copy(struct reginfo_parser *p, bool on)
{
	p->zero_copy = on;
}

/**
 * Documents the scanner declined so far. Context: the thread owning @p p
 * (a worker copies it into its own counters; it is not atomic).
 */
uint64_t
reginfo_parser_fallbacks(const struct reginfo_parser *p)
{
	return p->n_fallback;
}

/** Detail of the last failure ("" after a success); valid until the next parse. */
const char *
reginfo_parser_errmsg(const struct reginfo_parser *p)
{
	return p->errmsg;
}
