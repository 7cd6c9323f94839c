/* SPDX-License-Identifier: MIT */
/*
 * The zero-copy reginfo scanner against libxml2, its oracle.
 *
 * Every body (the corpus, reggen's output in ../data/reggen, the
 * hand-written documents of test_reginfo.c and the cases below) goes
 * through reginfo_parse_ref() and reginfo_parse_fast() with the same
 * limits; the scanner must either decline (REGINFO_NOT_HANDLED) or give
 * the identical result: same code, same event field by field, same slice
 * contents. The common shapes must not be declined at all. Then
 * reginfo_parse() (the dispatcher) must equal libxml2 on everything, with
 * and without zero copy, and the slices must live where the API says.
 *
 * Bodies are exact-size heap copies so that ASan sees any read past the
 * end; with zero copy the copy stays alive until the comparison is done.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/reginfo.h>

#include "check.h"
#include "corpus_list.h"

#define CORPUS "../data/corpus/"
#define REGGEN "../data/reggen/"

/* ---- deep comparison -------------------------------------------------- */

static char diff_why[512];

static bool
same_slice(struct rgl_slice a, struct rgl_slice b, const char *what)
{
	if ((a.p == NULL) != (b.p == NULL) || a.len != b.len ||
	    (a.len != 0 && memcmp(a.p, b.p, a.len) != 0)) {
		snprintf(diff_why, sizeof(diff_why), "%s: \"%.*s\" vs \"%.*s\"", what,
			 a.p != NULL ? (int)(a.len > 80 ? 80 : a.len) : 6,
			 a.p != NULL ? a.p : "(none)", b.p != NULL ? (int)(b.len > 80 ? 80 : b.len) : 6,
			 b.p != NULL ? b.p : "(none)");
		return false;
	}
	return true;
}

#define SAME_NUM(a, b, what)                                                   \
	do {                                                                   \
		if ((uint64_t)(a) != (uint64_t)(b)) {                          \
			snprintf(diff_why, sizeof(diff_why), "%s: %llu vs %llu", what, \
				 (unsigned long long)(a), (unsigned long long)(b)); \
			return false;                                          \
		}                                                              \
	} while (0)

/*
 * Everything an event says. On a failure only what reginfo_finish() leaves
 * is compared (counts zero, version as far as it got).
 */
static bool
same_event(const struct reginfo_event *a, const struct reginfo_event *b)
{
	SAME_NUM(a->version, b->version, "version");
	SAME_NUM(a->state, b->state, "state");
	SAME_NUM(a->n_regs, b->n_regs, "n_regs");
	SAME_NUM(a->n_contacts, b->n_contacts, "n_contacts");
	SAME_NUM(a->n_params, b->n_params, "n_params");
	SAME_NUM(a->n_skipped, b->n_skipped, "n_skipped");
	SAME_NUM(a->first_skip, b->first_skip, "first_skip");
	for (uint32_t i = 0; i < a->n_regs; i++) {
		const struct reginfo_registration *x = &a->regs[i], *y = &b->regs[i];

		if (!same_slice(x->aor, y->aor, "aor") || !same_slice(x->id, y->id, "reg id") ||
		    !same_slice(x->wildcarded_identity, y->wildcarded_identity, "wildcard"))
			return false;
		SAME_NUM(x->state, y->state, "reg state");
		SAME_NUM(x->first_contact, y->first_contact, "first_contact");
		SAME_NUM(x->n_contacts, y->n_contacts, "reg n_contacts");
	}
	for (uint32_t i = 0; i < a->n_contacts; i++) {
		const struct reginfo_contact *x = &a->contacts[i], *y = &b->contacts[i];

		if (!same_slice(x->id, y->id, "contact id") || !same_slice(x->uri, y->uri, "uri") ||
		    !same_slice(x->display_name, y->display_name, "display_name") ||
		    !same_slice(x->display_lang, y->display_lang, "display_lang") ||
		    !same_slice(x->callid, y->callid, "callid") || !same_slice(x->q, y->q, "q") ||
		    !same_slice(x->pub_gruu, y->pub_gruu, "pub_gruu") ||
		    !same_slice(x->temp_gruu, y->temp_gruu, "temp_gruu"))
			return false;
		SAME_NUM(x->state, y->state, "contact state");
		SAME_NUM(x->event, y->event, "event");
		SAME_NUM(x->has, y->has, "has");
		SAME_NUM(x->expires, y->expires, "expires");
		SAME_NUM(x->retry_after, y->retry_after, "retry_after");
		SAME_NUM(x->duration_registered, y->duration_registered, "duration");
		SAME_NUM(x->cseq, y->cseq, "cseq");
		SAME_NUM(x->temp_gruu_first_cseq, y->temp_gruu_first_cseq, "first_cseq");
		SAME_NUM(x->first_param, y->first_param, "first_param");
		SAME_NUM(x->n_params, y->n_params, "contact n_params");
	}
	for (uint32_t i = 0; i < a->n_params; i++) {
		if (!same_slice(a->params[i].name, b->params[i].name, "param name") ||
		    !same_slice(a->params[i].value, b->params[i].value, "param value"))
			return false;
	}
	return true;
}

/* ---- the two paths on one body ---------------------------------------- */

/* A reference parser and a scanner parser with the same limits. */
struct pair {
	const char *name;
	struct reginfo_parser *ref, *fast;
};

static struct pair *DEF; /* default limits */
static struct pair pairs[3];
static unsigned int n_pairs;
static unsigned int n_compared, n_declined;

static void
pair_init(struct pair *pr, const char *name, const struct reginfo_limits *lim)
{
	pr->name = name;
	pr->ref = reginfo_parser_new(lim);
	pr->fast = reginfo_parser_new(lim);
	if (pr->ref == NULL || pr->fast == NULL) {
		fprintf(stderr, "reginfo_parser_new failed\n");
		exit(2);
	}
}

static void
pair_free(struct pair *pr)
{
	reginfo_parser_free(pr->ref);
	reginfo_parser_free(pr->fast);
}

enum outcome { SAME, DECLINED, DIFFERENT };

/* One body through both paths of @p pr. */
static enum outcome
diff_one(const struct pair *pr, const char *doc, size_t len, const char *label)
{
	char *buf = malloc(len != 0 ? len : 1);
	const struct reginfo_event *ev_ref, *ev_fast;
	enum reginfo_err ref;
	int fast;
	enum outcome out = SAME;

	if (buf == NULL)
		exit(2);
	memcpy(buf, doc, len);
	ref = reginfo_parse_ref(pr->ref, buf, len, &ev_ref);
	fast = reginfo_parse_fast(pr->fast, buf, len, &ev_fast);
	n_compared++;
	if (fast == REGINFO_NOT_HANDLED) {
		n_declined++;
		out = DECLINED;
		/* Declined: the scanner's event is left empty. */
		if (ev_fast->n_regs != 0 || ev_fast->n_contacts != 0 || ev_fast->n_params != 0) {
			snprintf(diff_why, sizeof(diff_why), "declined with a non-empty event");
			out = DIFFERENT;
		}
	} else if (fast != (int)ref) {
		snprintf(diff_why, sizeof(diff_why), "result %s vs %s",
			 reginfo_err_str((enum reginfo_err)fast), reginfo_err_str(ref));
		out = DIFFERENT;
	} else if (!same_event(ev_fast, ev_ref)) {
		out = DIFFERENT;
	} else if (strcmp(reginfo_parser_errmsg(pr->fast), reginfo_parser_errmsg(pr->ref)) != 0) {
		snprintf(diff_why, sizeof(diff_why), "errmsg \"%s\" vs \"%s\"",
			 reginfo_parser_errmsg(pr->fast), reginfo_parser_errmsg(pr->ref));
		out = DIFFERENT;
	}
	if (out == DIFFERENT)
		fprintf(stderr, "%s [%s]: scanner differs: %s\n", label, pr->name, diff_why);
	CHECK(out != DIFFERENT);
	memset(buf, 'X', len);
	free(buf);
	return out;
}

/* Both paths under every pair of limits; @return the outcome with the default limits. */
static enum outcome
diff_all(const char *doc, size_t len, const char *label)
{
	enum outcome def = SAME;

	for (unsigned int i = 0; i < n_pairs; i++) {
		enum outcome o = diff_one(&pairs[i], doc, len, label);

		if (&pairs[i] == DEF)
			def = o;
	}
	return def;
}

static enum outcome
diff_str(const char *doc, const char *label)
{
	return diff_all(doc, strlen(doc), label);
}

/* Must be handled by the scanner, and the same. */
static void
handled(const char *doc, size_t len, const char *label)
{
	enum outcome o = diff_all(doc, len, label);

	if (o != SAME)
		fprintf(stderr, "%s: declined by the scanner\n", label);
	CHECK_INT(o, SAME);
}

static void
handled_str(const char *doc, const char *label)
{
	handled(doc, strlen(doc), label);
}

/* ---- bodies ----------------------------------------------------------- */

static char *
corpus_body(const char *path, size_t *len)
{
	size_t n;
	char *raw = check_read_file(path, &n);
	char *sep = strstr(raw, "\r\n\r\n");
	char *body;

	if (sep == NULL) {
		fprintf(stderr, "%s: no blank line\n", path);
		exit(2);
	}
	sep += 4;
	*len = n - (size_t)(sep - raw);
	body = malloc(*len + 1);
	if (body == NULL)
		exit(2);
	memcpy(body, sep, *len);
	free(raw);
	return body;
}

#define NS_RI "urn:ietf:params:xml:ns:reginfo"
#define RI_OPEN "<reginfo xmlns=\"" NS_RI "\" version=\"1\" state=\"full\">"
#define RI_CLOSE "</reginfo>"
#define REG_OPEN "<registration aor=\"sip:a@example.net\" id=\"r1\" state=\"active\">"
#define REG_CLOSE "</registration>"
#define C_OPEN "<contact id=\"c1\" state=\"active\" event=\"registered\">"
#define C_CLOSE "</contact>"
#define URI_ "<uri>sip:a@192.0.2.1</uri>"
#define DOC_REG(x) RI_OPEN REG_OPEN x REG_CLOSE RI_CLOSE
#define DOC_C(x) DOC_REG(C_OPEN x C_CLOSE)
#define GR "xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\""

static char *
deep_doc(unsigned int depth)
{
	size_t cap = 512 + (size_t)depth * 40;
	char *d = malloc(cap);
	size_t n;

	if (d == NULL)
		exit(2);
	n = (size_t)snprintf(d, cap, RI_OPEN REG_OPEN C_OPEN URI_);
	for (unsigned int i = 4; i <= depth; i++)
		n += (size_t)snprintf(d + n, cap - n, "<x:e xmlns:x=\"urn:x\">");
	for (unsigned int i = 4; i <= depth; i++)
		n += (size_t)snprintf(d + n, cap - n, "</x:e>");
	snprintf(d + n, cap - n, C_CLOSE REG_CLOSE RI_CLOSE);
	return d;
}

static char *
many(const char *head, const char *item, unsigned int n, const char *tail)
{
	size_t cap = strlen(head) + strlen(tail) + (size_t)n * (strlen(item) + 16) + 1;
	char *d = malloc(cap);
	size_t len;

	if (d == NULL)
		exit(2);
	len = (size_t)snprintf(d, cap, "%s", head);
	for (unsigned int i = 0; i < n; i++)
		len += (size_t)snprintf(d + len, cap - len, item, i);
	snprintf(d + len, cap - len, "%s", tail);
	return d;
}

/* ---- corpus and reggen ------------------------------------------------ */


/* The common shapes: the scanner exists for these. */
static bool
must_handle(const char *file)
{
	static const char *const common[] = { "001", "002", "004", "020", "024", "032", "062" };

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (strncmp(file, common[i], 3) == 0)
			return true;
	}
	return false;
}

static void
test_corpus(void)
{
	unsigned int declined = 0;

	for (size_t i = 0; i < CORPUS_FILES_N; i++) {
		char path[256];
		size_t len;
		char *body;
		enum outcome o;

		snprintf(path, sizeof(path), CORPUS "%s", corpus_files[i]);
		body = corpus_body(path, &len);
		if (must_handle(corpus_files[i])) {
			handled(body, len, corpus_files[i]);
			o = SAME;
		} else {
			o = diff_all(body, len, corpus_files[i]);
		}
		declined += o == DECLINED;
		free(body);
	}
	/* Only 057 (truncated) and 058 (DOCTYPE) need libxml2's word, and the
	 * wrong-root PIDF bodies of 046/047 (ROOT's message quotes libxml2). */
	CHECK_INT(declined, 4);
}

static void
test_reggen(void)
{
	static const char *const files[] = {
		"full-1dev.xml", "full-4dev.xml", "partial-terminated.xml", "partial-small.xml"
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[256];
		size_t len;
		char *body;

		snprintf(path, sizeof(path), REGGEN "%s", files[i]);
		body = check_read_file(path, &len);
		handled(body, len, files[i]);
		free(body);
	}
}

/* ---- test_reginfo.c's hand-written documents -------------------------- */

static void
test_reginfo_cases(void)
{
	static const char *const docs[] = {
		/* test_dtd_and_entities */
		"<?xml version=\"1.0\"?>\n<!DOCTYPE reginfo [\n"
		"<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" DOC_C("<uri>&xxe;</uri>"),
		"<!DOCTYPE reginfo SYSTEM \"file:///etc/passwd\">" DOC_C(URI_),
		"<!DOCTYPE reginfo PUBLIC \"-//x//y\" \"http://192.0.2.1/x.dtd\">" DOC_C(URI_),
		"<!DOCTYPE reginfo [<!ENTITY % ext SYSTEM \"http://192.0.2.1/x.dtd\"> %ext;]>" DOC_C(URI_),
		"<!DOCTYPE reginfo>" DOC_C(URI_),
		"<!DOCTYPE reginfo []>" DOC_C(URI_),
		DOC_C("<uri>&xxe;</uri>"),
		RI_OPEN "<registration aor=\"&xxe;\" id=\"r\" state=\"active\"/>" RI_CLOSE,
		DOC_C(URI_ "<display-name>&nbsp;</display-name>"),
		/* test_root */
		"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo-bis\" version=\"0\" state=\"full\"/>",
		"<reginfo version=\"0\" state=\"full\"/>",
		"<registration xmlns=\"" NS_RI "\" aor=\"sip:a@b\" id=\"1\" state=\"active\"/>",
		"<ri:reginfo xmlns:ri=\"urn:other\" version=\"0\" state=\"full\"/>",
		"<ri:reginfo version=\"0\" state=\"full\"/>",
		"<REGINFO xmlns=\"" NS_RI "\" version=\"0\" state=\"full\"/>",
		"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"/>",
		"<x:reginfo xmlns:x=\"" NS_RI "\" version=\"3\" state=\"partial\"/>",
		/* test_foreign_namespaces */
		"<reginfo xmlns=\"" NS_RI "\" xmlns:o=\"urn:other\" version=\"1\" state=\"full\">"
		"<o:registration aor=\"sip:fake@x\" id=\"f\" state=\"active\">"
		"<contact id=\"f1\" state=\"active\" event=\"registered\"><uri>sip:f@x</uri></contact>"
		"</o:registration>"
		"<registration aor=\"sip:a@example.net\" id=\"r1\" state=\"active\" o:id=\"bad\">"
		"<o:contact id=\"f2\" state=\"active\" event=\"registered\"><uri>sip:f2@x</uri></o:contact>"
		"<wrapper><contact id=\"f3\" state=\"active\" event=\"registered\">"
		"<uri>sip:f3@x</uri></contact></wrapper>"
		"<contact id=\"c1\" state=\"active\" event=\"registered\" o:expires=\"x\">"
		"<o:uri>sip:fake@x</o:uri>"
		"<uri xmlns=\"urn:other\">sip:fake2@x</uri>"
		"<uri>sip:real@192.0.2.1</uri>"
		"<o:unknown-param name=\"fake\">1</o:unknown-param>"
		"<unknown-param o:name=\"fake\" name=\"real\">2</unknown-param>"
		"<o:ext><unknown-param name=\"nested\">3</unknown-param></o:ext>"
		"<o:pub-gruu uri=\"sip:fake@x;gr\"/>"
		"</contact>"
		"<o:wildcardedIdentity>sip:!.*!@x</o:wildcardedIdentity>"
		"</registration>"
		"<o:anything><registration aor=\"sip:f4@x\" id=\"f4\" state=\"active\"/></o:anything>"
		"</reginfo>",
		/* test_undeclared_prefix */
		RI_OPEN "<registration aor=\"sip:wildcardimpu@wildcard\" id=\"t\" state=\"active\">"
		"<contact id=\"c\" state=\"active\" event=\"registered\">"
		"<uri>sip:6505550231@192.91.191.29:59934;transport=tcp</uri></contact>"
		"<ere:wildcardedIdentity>sip:+2670000002!.*!@gdr.clearwater.test"
		"</ere:wildcardedIdentity>" REG_CLOSE RI_CLOSE,
		"<reginfo xmlns=\"" NS_RI "\" xmlns:ere=\"urn:3gpp:ns:extRegExp:1.0\" "
		"version=\"0\" state=\"full\">"
		"<registration aor=\"sip:wildcardimpu@wildcard\" id=\"t\" state=\"active\">"
		"<ere:wildcardedIdentity>\n  sip:+2670000002!.*!@gdr.clearwater.test\n"
		"</ere:wildcardedIdentity>" REG_CLOSE RI_CLOSE,
		DOC_REG("<contact ere:id=\"c9\" state=\"active\" event=\"registered\">" URI_ C_CLOSE C_OPEN
				URI_ C_CLOSE),
		/* test_encodings (text ones) */
		"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>" DOC_C(
			URI_ "<display-name>Jos\xC3\xA9</display-name>"),
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" DOC_C(
			URI_ "<display-name xml:lang=\"es\">Jos\xE9 Pe\xF1" "a</display-name>"),
		"<?xml version=\"1.0\" encoding=\"UTF-16\"?>" DOC_C(URI_),
		"<?xml version='1.0' encoding = 'utf-8' ?>" DOC_C(URI_),
		"<?xml version=\"1.0\" encoding=\"UTF8\" standalone=\"yes\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\" encoding=\"latin1\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\" encoding=\"US-ASCII\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\" encoding=\"UTF-8?>" DOC_C(URI_),
		"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" DOC_C(URI_),
		"\x4C\x6F\xA7\x94\x93\x40",
		"<?xml version=\"1.0\" encoding=\"windows-1252\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\" encoding=\"EBCDIC-US\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\" encoding=\"x-no-such\"?>" DOC_C(URI_),
		DOC_C(URI_ "<display-name>Jos\xE9</display-name>"),
		/* test_text */
		DOC_C("<uri>\n\t <![CDATA[sip:a&b@<x>]]>&amp;&#x40;&lt;y&gt;&#59;"
		      "<!-- c --><?pi x?>z \r\n</uri>"
		      "<display-name xml:lang=\"en\">  Alice  B.  </display-name>"),
		DOC_C(URI_ "<unknown-param name=\"a\">&quot;&lt;urn:x&gt;&quot;</unknown-param>"
			   "<unknown-param name=\"b\">\"&lt;urn:x&gt;\"</unknown-param>"
			   "<unknown-param name=\"c\"/>"
			   "<unknown-param name=\"d\">   </unknown-param>"),
		DOC_C("<uri>sip:a<x:b xmlns:x=\"urn:x\">junk<c>more</c></x:b>@c</uri>"
		      "<uri>sip:second@c</uri><display-name/>"),
		RI_OPEN "<registration aor=\" sip:a&amp;b@x \" id=\"&lt;i&gt;\" state=\"active\">"
		"<contact id=\"&lt;urn:uuid:1&gt;\" state=\"active\" event=\"registered\" "
		"callid=\"a&quot;b\" q=\" 0.5\">" URI_ C_CLOSE REG_CLOSE RI_CLOSE,
		RI_OPEN "<registration aor=\"sip:&#38;&amp;#38;&#x26;\" id=\"&amp;amp;\" "
		"state=\"init\"/>" RI_CLOSE,
		/* test_lenient */
		"<!-- leading comment --><?app data?>\n"
		"<reginfo xmlns=\"" NS_RI "\" version=\"7\" state=\"partial\" extra=\"1\">"
		"<registration aor=\"sip:a@example.net\" id=\"r1\" state=\"terminated\"/>"
		"<registration aor=\"sip:b@example.net\" id=\"r2\" state=\"active\" foo=\"x\">"
		"<contact id=\"c1\" state=\"active\" event=\"registered\" received=\"sip:1.2.3.4\" "
		"path=\"&lt;sip:p&gt;\" user_agent=\"UA/1\">" URI_
		"<future xmlns=\"" NS_RI "\">x</future></contact>"
		"<unknown xmlns=\"" NS_RI "\"/>"
		"</registration></reginfo>\n<!-- trailing -->\n",
		/* test_gruu */
		DOC_C(URI_ "<gr:pub-gruu " GR " uri=\" sip:a@x;gr=urn:uuid:1 \"/>"
			   "<gr:pub-gruu " GR " uri=\"sip:second@x;gr\"/>"
			   "<gr:temp-gruu " GR " uri=\"sip:t@x;gr\" cseq=\"77\"/>"),
		DOC_C(URI_ "<gr:temp-gruu " GR " uri=\"sip:t@x;gr\"/>"
			   "<gr:pub-gruu " GR "/>"),
		DOC_REG(C_OPEN URI_ "<unknown-param name=\"a\">1</unknown-param>"
				"<gr:temp-gruu " GR " uri=\"sip:t@x;gr\" first-cseq=\"-1\"/>"
				"<unknown-param name=\"b\">2</unknown-param>" C_CLOSE
			"<contact id=\"c2\" state=\"active\" event=\"registered\">"
			"<uri>sip:b@x</uri><unknown-param name=\"z\">9</unknown-param>" C_CLOSE),
		/* test_caps (text ones) */
		"   \r\n",
		"NOTIFY sip:x SIP/2.0",
		RI_OPEN "<registration>" RI_CLOSE,
		RI_OPEN RI_CLOSE RI_OPEN RI_CLOSE,
		RI_OPEN "\x01" RI_CLOSE,
		/* test_reuse */
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"b\">]>" DOC_C(URI_),
		RI_OPEN REG_OPEN C_OPEN "<uri>sip:trunc",
		DOC_C("<uri>&bogus;</uri>"),
		"<reginfo xmlns=\"urn:x\" version=\"1\" state=\"full\"/>",
		"<reginfo xmlns=\"" NS_RI "\" version=\"x\" state=\"full\"/>",
		"<reginfo xmlns=\"" NS_RI "\" version=\"1\" state=\"x\"/>",
		DOC_REG("<contact id=\"x\" state=\"active\"/>" C_OPEN URI_
			"<unknown-param>q</unknown-param>" C_CLOSE),
	};
	static const char *const version_state[] = {
		"version=\"0\" state=\"full\"",
		"version=\"4294967295\" state=\"full\"",
		"version=\" 7 \" state=\"full\"",
		"version=\"007\" state=\"full\"",
		"state=\"full\"",
		"version=\"abc\" state=\"full\"",
		"version=\"4294967296\" state=\"full\"",
		"version=\"99999999999999999999999\" state=\"full\"",
		"version=\"-1\" state=\"full\"",
		"version=\"+1\" state=\"full\"",
		"version=\"\" state=\"full\"",
		"version=\"1.0\" state=\"full\"",
		"version=\"1\" state=\"both\"",
		"version=\"1\"",
		"version=\"1\" state=\"FULL\"",
		"version=\"1\" state=\" full\"",
		"version=\"1\" state=\"\"",
		"xmlns:o=\"urn:o\" o:version=\"1\" state=\"full\"",
	};
	static const char *const numbers[] = {
		"expires=\"18446744073709551615\"", "expires=\"18446744073709551616\"",
		"expires=\"99999999999999999999\"", "expires=\"-5\"",
		"expires=\"12abc\"", "expires=\"\"",
		"expires=\" 60 \"", "retry-after=\"x\"",
		"retry-after=\"30\"", "duration-registered=\"1e3\"",
		"duration-registered=\"0\"", "cseq=\"0x10\"",
		"cseq=\"18446744073709551615\"",
	};
	static const char *const skips[] = {
		"<registration id=\"r\" state=\"active\">" C_OPEN URI_ C_CLOSE REG_CLOSE,
		"<registration aor=\"  \" id=\"r\" state=\"active\"/>",
		"<registration aor=\"sip:a@b\" state=\"active\"/>",
		"<registration aor=\"sip:a@b\" id=\"\" state=\"active\"/>",
		"<registration aor=\"sip:a@b\" id=\"r\"/>",
		"<registration aor=\"sip:a@b\" id=\"r\" state=\"Active\"/>",
		REG_OPEN "<contact state=\"active\" event=\"registered\">" URI_ C_CLOSE REG_CLOSE,
		REG_OPEN "<contact id=\"c\" state=\"pending\" event=\"registered\">" URI_ C_CLOSE REG_CLOSE,
		REG_OPEN "<contact id=\"c\" state=\"active\">" URI_ C_CLOSE REG_CLOSE,
		REG_OPEN "<contact id=\"c\" state=\"active\" event=\"bogus\">" URI_ C_CLOSE REG_CLOSE,
		REG_OPEN C_OPEN C_CLOSE REG_CLOSE,
		REG_OPEN C_OPEN "<uri> \n </uri>" C_CLOSE REG_CLOSE,
		REG_OPEN C_OPEN URI_ "<unknown-param>nameless</unknown-param>"
		"<unknown-param name=\"\">x</unknown-param>" C_CLOSE REG_CLOSE,
		REG_OPEN "<contact id=\"c\" state=\"active\" event=\"x\">" URI_ C_CLOSE
		"<contact state=\"active\" event=\"registered\">" URI_ C_CLOSE C_OPEN URI_ C_CLOSE
		REG_CLOSE "<registration aor=\"sip:z@b\" id=\"z\"/>",
	};
	char doc[4096], label[64];
	char utf16[1024];
	size_t n = 0;
	const char *src = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" DOC_C(URI_);
	char *d;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		snprintf(label, sizeof(label), "test_reginfo doc %zu", i);
		diff_str(docs[i], label);
	}
	for (size_t i = 0; i < sizeof(version_state) / sizeof(version_state[0]); i++) {
		snprintf(doc, sizeof(doc),
			 "<reginfo xmlns=\"" NS_RI "\" %s>" REG_OPEN C_OPEN URI_ C_CLOSE REG_CLOSE
				 RI_CLOSE,
			 version_state[i]);
		snprintf(label, sizeof(label), "version/state %zu", i);
		/* Every one of them, VERSION and STATE included, is the scanner's. */
		handled_str(doc, label);
	}
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		snprintf(doc, sizeof(doc),
			 DOC_REG("<contact id=\"c1\" state=\"active\" event=\"registered\" %s>" URI_
					 "<unknown-param name=\"p\"/>" C_CLOSE),
			 numbers[i]);
		snprintf(label, sizeof(label), "numbers %zu", i);
		handled_str(doc, label);
	}
	for (size_t i = 0; i < sizeof(skips) / sizeof(skips[0]); i++) {
		snprintf(doc, sizeof(doc), RI_OPEN "%s" RI_CLOSE, skips[i]);
		snprintf(label, sizeof(label), "skips %zu", i);
		handled_str(doc, label);
	}
	for (int e = 0; e < REGINFO_EV__COUNT; e++) {
		snprintf(doc, sizeof(doc),
			 DOC_REG("<contact id=\"c\" state=\"terminated\" event=\"%s\">" URI_ C_CLOSE),
			 reginfo_contact_event_str((enum reginfo_contact_event)e));
		handled_str(doc, "event value");
	}

	/* UTF-16, with and without its BOM. */
	utf16[n++] = '\xFF';
	utf16[n++] = '\xFE';
	for (const char *s = src; *s != '\0' && n + 2 <= sizeof(utf16); s++) {
		utf16[n++] = *s;
		utf16[n++] = '\0';
	}
	diff_all(utf16, n, "utf-16 bom");
	diff_all(utf16 + 2, n - 2, "utf-16");
	diff_all("", 0, "empty");

	/* Depth, caps, arena, size (test_depth, test_caps). */
	for (unsigned int depth = 30; depth <= 34; depth++) {
		d = deep_doc(depth);
		diff_str(d, "deep");
		free(d);
	}
	d = deep_doc(2000);
	diff_str(d, "deep 2000");
	free(d);
	for (unsigned int k = 1; k <= 6; k++) {
		d = many(RI_OPEN, "<registration aor=\"sip:%u@x\" id=\"r\" state=\"init\"/>", k,
			 RI_CLOSE);
		diff_str(d, "registrations");
		free(d);
		d = many(RI_OPEN REG_OPEN,
			 "<contact id=\"%u\" state=\"active\" event=\"created\">" URI_ C_CLOSE, k,
			 REG_CLOSE RI_CLOSE);
		diff_str(d, "contacts");
		free(d);
		d = many(RI_OPEN REG_OPEN C_OPEN URI_, "<unknown-param name=\"p%u\"/>", k,
			 C_CLOSE REG_CLOSE RI_CLOSE);
		diff_str(d, "params");
		free(d);
	}
	d = many(RI_OPEN REG_OPEN, "<contact id=\"%u\" state=\"active\" event=\"created\"/>", 10,
		 C_OPEN URI_ C_CLOSE REG_CLOSE RI_CLOSE);
	handled_str(d, "contacts dropped");
	free(d);
	d = many(RI_OPEN REG_OPEN C_OPEN "<uri>", "0123456789abcdef%04u", 300,
		 "</uri>" C_CLOSE REG_CLOSE RI_CLOSE);
	diff_str(d, "big uri");
	free(d);
	d = many(RI_OPEN "<registration id=\"r\" state=\"init\" aor=\"", "0123456789abcdef%04u", 300,
		 "\"/>" RI_CLOSE);
	diff_str(d, "big aor");
	free(d);
	d = many(RI_OPEN, "<!-- %08u -->", 1200, RI_CLOSE);
	diff_str(d, "too large for some");
	free(d);
	d = many(RI_OPEN REG_OPEN C_OPEN URI_, "<u:x%u/>", 3000, C_CLOSE REG_CLOSE RI_CLOSE);
	handled_str(d, "many undeclared prefixes");
	free(d);
}

/* ---- the scanner's own rules ------------------------------------------ */

/* Shapes and policies the scanner takes on itself: all handled, all the same. */
static void
test_handled(void)
{
	static const char *const docs[] = {
		/* Declaration variants, BOM, comments and white space around. */
		"<?xml version=\"1.0\"?>" DOC_C(URI_),
		"<?xml version='1.0'?>\n\n" DOC_C(URI_) "\n",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>" DOC_C(URI_),
		"<?xml\tversion = \"1.0\"\tencoding = 'utf8'\t?>" DOC_C(URI_),
		"\xEF\xBB\xBF" DOC_C(URI_),
		"\r\n  <!---->\r\n<!-- - a - -->" DOC_C(URI_) "<!-- after -->\r\n",
		/* CR LF everywhere: text gets LF, attribute values a space. */
		"<reginfo\r\n xmlns=\"" NS_RI "\"\r\n version=\"1\"\r\n state=\"full\">\r\n" REG_OPEN
		"\r\n<contact id=\"c\r\n1\" state=\"active\" event=\"registered\" callid=\"a\rb\">\r\n"
		"<uri>\r\n sip:a@b\r\n</uri>\r\n<unknown-param name=\"p\">a\r\nb\rc\n\rd</unknown-param>"
		"\r\n</contact>\r\n" REG_CLOSE "\r\n" RI_CLOSE "\r\n",
		/* Tabs and newlines in values; character references keep theirs. */
		DOC_REG("<contact id=\"a\tb\nc\" state=\"active\" event=\"registered\" "
			"callid=\"x&#9;y&#10;z&#13;\" q=\"&#x20;1\">" URI_ C_CLOSE),
		/* References of every kind, decoded, in text and values. */
		DOC_C("<uri>sip:&#x41;&#66;&#x10FFFF;&#xE9;&#x20AC;&#128512;&lt;&gt;&amp;&apos;&quot;</uri>"
		      "<display-name xml:lang=\"&#x65;n\">&#32;A&amp;B&#32;</display-name>"),
		/* Text split by comments and skipped children: joined. */
		DOC_C("<uri> sip:<!-- x -->a@<skip>no</skip>b<!-- y --> </uri>"
		      "<unknown-param name=\"p\">\n  <!-- c -->\n  v&lt;1&gt;\n</unknown-param>"),
		/* UTF-8 of every length, C1 controls, DEL. */
		DOC_C(URI_ "<display-name>\xC2\x80\xC2\x9F\x7F\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF"
			   "\xEE\x80\x80\xEF\xBF\xBD\xF0\x90\x80\x80\xF4\x8F\xBF\xBF</display-name>"),
		/* '>' alone and ']' alone in text are fine. */
		DOC_C("<uri>sip:a@b;x=]>]</uri>"),
		/* Namespaces: prefixes, redeclared defaults, nested scopes, xmlns="". */
		"<r:reginfo xmlns:r=\"" NS_RI "\" version=\"2\" state=\"partial\">"
		"<r:registration aor=\"sip:a@b\" id=\"r\" state=\"active\">"
		"<contact xmlns=\"" NS_RI "\" id=\"c\" state=\"active\" event=\"created\">"
		"<uri>sip:c@d</uri><uri xmlns=\"\">sip:no@d</uri>"
		"<g:pub-gruu xmlns:g=\"urn:ietf:params:xml:ns:gruuinfo\" uri=\"sip:g@d;gr\"/>"
		"<r:display-name>D</r:display-name></contact>"
		"<contact id=\"unqualified\" state=\"active\" event=\"created\"><uri>x</uri></contact>"
		"</r:registration></r:reginfo>",
		/* A prefix declared on one element is gone after it. */
		DOC_C(URI_ "<g:pub-gruu " GR " uri=\"sip:g@d;gr\"/><g:temp-gruu uri=\"sip:t@d;gr\"/>"),
		/* A namespace URI written with references. */
		"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginf&#111;\" version=\"1\" state=\"full\">"
		REG_OPEN C_OPEN URI_ C_CLOSE REG_CLOSE RI_CLOSE,
		/* Look-alike URIs and a prefixed default look-alike. */
		DOC_REG("<contact xmlns=\"urn:ietf:params:xml:ns:reginfo \" id=\"c\" state=\"active\" "
			"event=\"created\">" URI_ C_CLOSE),
		/* xml:lang only from the xml prefix; other prefixes are not it. */
		DOC_C(URI_ "<display-name xmlns:x=\"urn:x\" x:lang=\"no\">n</display-name>"),
		/* 3GPP wildcard: first one wins, its text trimmed, children skipped. */
		"<reginfo xmlns=\"" NS_RI "\" xmlns:e=\"urn:3gpp:ns:extRegExp:1.0\" version=\"1\" "
		"state=\"full\">" REG_OPEN "<e:wildcardedIdentity> sip:!.*!@x <b>c</b>d</e:wildcardedIdentity>"
		"<e:wildcardedIdentity>second</e:wildcardedIdentity>" REG_CLOSE RI_CLOSE,
		/* Empty elements and attribute values, single quotes, spaces around '='. */
		RI_OPEN "<registration aor = 'sip:a@b' id= \"r\" state ='init' x=''/>"
		"<registration aor=\"sip:c@d\" id=\"s\" state=\"active\"><contact id=\"c\" "
		"state=\"active\" event=\"registered\" q=\"\" callid=\"\"><uri>u</uri>"
		"<display-name xml:lang=\"\"/><unknown-param name=\"e\"></unknown-param>"
		"</contact></registration>" RI_CLOSE,
		/* Quotes of the other kind inside values. */
		DOC_C(URI_ "<unknown-param name='+sip.instance'>\"&lt;urn:x&gt;\"</unknown-param>"
			   "<unknown-param name=\"a'b\">'</unknown-param>"),
		/* Undeclared prefixes: elements ignored, attributes not schema ones. */
		DOC_C(URI_ "<u:unknown-param name=\"x\">1</u:unknown-param>"
			   "<unknown-param u:name=\"y\" name=\"z\">2</unknown-param>"),
		/* A contact dropped late (bad first-cseq) after params and text in the arena. */
		DOC_REG(C_OPEN "<uri>&lt;a&gt;</uri><unknown-param name=\"a&amp;\">&lt;1&gt;</unknown-param>"
			"<gr:temp-gruu " GR " uri=\"sip:t@x;gr\" first-cseq=\"x\"/>" C_CLOSE
			"<contact id=\"c2\" state=\"active\" event=\"registered\">"
			"<uri>sip:&#98;@x</uri><unknown-param name=\"z\">&#57;</unknown-param>" C_CLOSE),
		/* Root with an empty-element tag and nothing else. */
		"<reginfo xmlns=\"" NS_RI "\" version=\"4294967295\" state=\"partial\"/>",
		/* VERSION / STATE on later lines, in either quote, with references. */
		"<?xml version=\"1.0\"?>\n\n<reginfo\n xmlns=\"" NS_RI "\"\n version='x'\n state=\"full\">",
		"\n<reginfo xmlns=\"" NS_RI "\" version=\"&#49;\" state=\"fu&#108;l2\">trailing junk &",
		"<reginfo xmlns=\"" NS_RI "\" version=\"1\" state=\"partial \"/>",
		/* Names: dots, dashes, underscores, digits. */
		DOC_C(URI_ "<_a.b-c1 x_.-9=\"1\"><d-e/></_a.b-c1>"),
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char label[64];

		snprintf(label, sizeof(label), "handled %zu", i);
		handled_str(docs[i], label);
	}
}

/* Outside the subset, or errors: declined (libxml2 answers), never different. */
static void
test_declined(void)
{
	static const char *const docs[] = {
		"<?xml version=\"1.1\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\" standalone=\"yes\"?>" DOC_C(URI_),
		"<?xml version=\"1.0\"?><?pi?>" DOC_C(URI_),
		" <?xml version=\"1.0\"?>" DOC_C(URI_),
		DOC_C("<uri><![CDATA[x]]></uri>"),
		DOC_C(URI_ "<?pi?>"),
		DOC_C("<uri>a]]>b</uri>"),
		DOC_C("<uri>a&b</uri>"),
		DOC_C("<uri>&#0;</uri>"),
		DOC_C("<uri>&#xD800;</uri>"),
		DOC_C("<uri>&#xFFFE;</uri>"),
		DOC_C("<uri>&#x110000;</uri>"),
		DOC_C("<uri>&#X41;</uri>"),
		DOC_C("<uri>&#x000000041;</uri>"),
		DOC_C("<uri>&#;</uri>"),
		DOC_C("<uri>\xC0\xAF</uri>"),
		DOC_C("<uri>\xED\xA0\x80</uri>"),
		DOC_C("<uri>\xEF\xBF\xBE</uri>"),
		DOC_C("<uri>\xF4\x90\x80\x80</uri>"),
		DOC_C("<uri>\xE2\x82</uri>"),
		DOC_C("<uri>\x0B</uri>"),
		DOC_C("<uri>a</uri><!-- a -- b -->"),
		DOC_C("<uri>a</uri><!-- a --->"),
		DOC_C("<uri a=\"<\">a</uri>"),
		DOC_C("<uri a=\"1\" a=\"2\">a</uri>"),
		DOC_C("<uri xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" p:a=\"1\" q:a=\"2\">a</uri>"),
		DOC_C("<uri a=\"1\"b=\"2\">a</uri>"),
		DOC_C("<uri a>a</uri>"),
		DOC_C("<uri>a</url>"),
		DOC_C("<uri>a</uri >") "x",
		DOC_C("<uri xmlns:p=\"\">a</uri>"),
		DOC_C("<uri xmlns:xml=\"http://www.w3.org/XML/1998/namespace\">a</uri>"),
		DOC_C("<uri xmlns:p=\"http://www.w3.org/XML/1998/namespace\">a</uri>"),
		DOC_C("<uri xmlns=\"a\" xmlns=\"b\">a</uri>"),
		DOC_C("<a:b:c>x</a:b:c>"),
		DOC_C("<\xC3\xA9>x</\xC3\xA9>"),
		DOC_C("<uri>a</uri>") "trailing",
		DOC_C("<uri>a</uri>") "<more/>",
		"<!DOCTYPE x>" DOC_C(URI_),
		"<reginfo xmlns=\"" NS_RI "\" version=\"1\" state=\"full\">",
		"<reginfo xmlns=\"" NS_RI "\" version=\"1\" state=\"full\" version=\"2\"/>",
		"<reginfo xmlns=\"urn:x\" version=\"x\" state=\"full\"/>",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char label[64];
		enum outcome o;

		snprintf(label, sizeof(label), "declined %zu", i);
		o = diff_str(docs[i], label);
		if (o != DECLINED)
			fprintf(stderr, "%s: not declined\n", label);
		CHECK_INT(o, DECLINED);
	}
}

/*
 * The arena: reginfo_sax.c fails with ARENA_FULL at an exact byte count
 * (each '&' in a value counted five times, leading white space of text
 * kept, a dropped contact's bytes given back); at every size around it the
 * scanner must agree or decline, and decline only when libxml2 fails.
 */
static void
arena_sweep(const char *doc, uint32_t lo, uint32_t hi, unsigned int max_declined_ok)
{
	unsigned int declined_ok = 0;

	for (uint32_t arena = lo; arena <= hi; arena++) {
		struct reginfo_limits lim;
		struct pair pr;
		const struct reginfo_event *ev;
		enum reginfo_err ref;
		enum outcome o;

		reginfo_limits_default(&lim);
		lim.arena_bytes = arena;
		pair_init(&pr, "arena", &lim);
		o = diff_one(&pr, doc, strlen(doc), "arena edge");
		ref = reginfo_parse_ref(pr.ref, doc, strlen(doc), &ev);
		if (o == DECLINED && ref == REGINFO_ERR_OK)
			declined_ok++;
		if (ref != REGINFO_ERR_OK && ref != REGINFO_ERR_ARENA_FULL)
			CHECK_INT(ref, REGINFO_ERR_OK);
		pair_free(&pr);
	}
	/* Declining a document libxml2 takes is allowed only while a decoded
	 * value has no room for its raw bytes: a few sizes at most. */
	CHECK(declined_ok <= max_declined_ok);
}

static void
test_arena_edges(void)
{
	static const char *const docs[] = {
		DOC_REG("<contact id=\"&amp;&amp;\" state=\"active\" event=\"registered\" q=\"0.5\">"
			"<uri>  sip:a@b  </uri><unknown-param name=\"n&amp;\">  &lt;v&gt;  </unknown-param>"
			"<unknown-param name=\"w\">   </unknown-param>"
			"<display-name xml:lang=\"en\">\n</display-name>" C_CLOSE
			"<contact id=\"dropped\" state=\"active\" event=\"registered\">"
			"<unknown-param name=\"p\">0123456789</unknown-param>" C_CLOSE
			"<contact id=\"x\" state=\"active\" event=\"registered\"><uri>u</uri>" C_CLOSE),
		"<reginfo xmlns=\"" NS_RI "\" xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\" version=\"1\" "
		"state=\"full\"><registration aor=\" sip:a&amp;b@x \" id=\"r&#38;\" state=\"active\">"
		"<contact id=\"c\" state=\"active\" event=\"registered\" callid=\"&quot;\">"
		"<uri>sip:<!-- split -->a@b</uri><gr:pub-gruu uri=\" sip:&amp;@g \"/>"
		"<gr:temp-gruu uri=\"sip:t@g\" first-cseq=\"1\"/></contact></registration></reginfo>",
	};
	char *big;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		arena_sweep(docs[i], 1, 400, 16);
	/* Long non-ASCII text: libxml2 hands it over in 300-byte pieces, each
	 * checked against the arena; the scanner checks the sum. Same edge. */
	big = malloc(4096);
	if (big == NULL)
		exit(2);
	n += (size_t)snprintf(big, 4096, RI_OPEN REG_OPEN C_OPEN "<uri>  ");
	for (int i = 0; i < 350; i++)
		n += (size_t)snprintf(big + n, 4096 - n, "\xC3\xA9");
	snprintf(big + n, 4096 - n, "&amp;\r\n  </uri>" C_CLOSE REG_CLOSE RI_CLOSE);
	arena_sweep(big, 690, 730, 0);
	free(big);
}

/* ---- the dispatcher --------------------------------------------------- */

static bool
slice_in(struct rgl_slice s, const char *b, size_t len)
{
	return s.p != NULL && s.p >= b && s.p + s.len <= b + len;
}

/* Does any slice of @p ev point into [b, b + len)? */
static bool
event_points_into(const struct reginfo_event *ev, const char *b, size_t len)
{
	for (uint32_t i = 0; i < ev->n_regs; i++) {
		if (slice_in(ev->regs[i].aor, b, len) || slice_in(ev->regs[i].id, b, len))
			return true;
	}
	for (uint32_t i = 0; i < ev->n_contacts; i++) {
		const struct reginfo_contact *c = &ev->contacts[i];

		if (slice_in(c->id, b, len) || slice_in(c->uri, b, len) ||
		    slice_in(c->callid, b, len) || slice_in(c->pub_gruu, b, len))
			return true;
	}
	for (uint32_t i = 0; i < ev->n_params; i++) {
		if (slice_in(ev->params[i].name, b, len) || slice_in(ev->params[i].value, b, len))
			return true;
	}
	return false;
}

static void
test_dispatch(void)
{
	struct reginfo_parser *p = reginfo_parser_new(NULL), *ref = reginfo_parser_new(NULL);
	const struct reginfo_event *ev, *ev_ref;
	char path[256];
	size_t len;
	char *body;
	uint64_t before;

	CHECK(p != NULL && ref != NULL);
	if (p == NULL || ref == NULL)
		exit(2);
	snprintf(path, sizeof(path), CORPUS "%s", "032-primary-phone-tablet-pc/request.sip");
	body = corpus_body(path, &len);

	/* Default: the scanner reads a private copy, no slice points into body. */
	before = reginfo_parser_fallbacks(p);
	CHECK_INT(reginfo_parse(p, body, len, &ev), REGINFO_ERR_OK);
	CHECK_INT(reginfo_parser_fallbacks(p), before);
	CHECK(!event_points_into(ev, body, len));
	CHECK_INT(reginfo_parse_ref(ref, body, len, &ev_ref), REGINFO_ERR_OK);
	CHECK(same_event(ev, ev_ref));

	/* Zero copy: most slices are the body's own bytes. */
	reginfo_parser_set_zero_copy(p, true);
	CHECK_INT(reginfo_parse(p, body, len, &ev), REGINFO_ERR_OK);
	CHECK(event_points_into(ev, body, len));
	CHECK(slice_in(ev->contacts[0].uri, body, len));
	CHECK(same_event(ev, ev_ref));
	CHECK_INT(reginfo_parse_fast(p, body, len, &ev), REGINFO_ERR_OK);
	CHECK(slice_in(ev->regs[0].aor, body, len));
	/* "&lt;...&gt;" needs decoding: that one is in the arena. */
	CHECK(!slice_in(ev->params[0].value, body, len));
	CHECK_INT(reginfo_parser_fallbacks(p), before);

	/* A declined document is counted and still parsed, by libxml2. */
	CHECK_INT(reginfo_parse(p, "<!DOCTYPE r>" DOC_C(URI_), strlen("<!DOCTYPE r>" DOC_C(URI_)), &ev),
		  REGINFO_ERR_DTD);
	CHECK_INT(reginfo_parser_fallbacks(p), before + 1);
	CHECK(reginfo_parser_errmsg(p)[0] != '\0');
	CHECK_INT(reginfo_parse(p, DOC_C("<uri><![CDATA[sip:x]]></uri>"),
				strlen(DOC_C("<uri><![CDATA[sip:x]]></uri>")), &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(reginfo_parser_fallbacks(p), before + 2);
	CHECK_SLICE(ev->contacts[0].uri, "sip:x");
	CHECK(reginfo_parser_errmsg(p)[0] == '\0');
	CHECK_INT(reginfo_parse_fast(p, "<!DOCTYPE r><r/>", 16, &ev), REGINFO_NOT_HANDLED);
	CHECK_INT(reginfo_parser_fallbacks(p), before + 3);
	CHECK_INT(ev->n_regs, 0);
	/* Handled errors are not fallbacks. */
	CHECK_INT(reginfo_parse(p, "", 0, &ev), REGINFO_ERR_EMPTY);
#define NO_VERSION "<reginfo xmlns=\"" NS_RI "\" state=\"full\"/>"
	CHECK_INT(reginfo_parse(p, NO_VERSION, strlen(NO_VERSION), &ev), REGINFO_ERR_VERSION);
#undef NO_VERSION
	CHECK_INT(reginfo_parser_fallbacks(p), before + 3);
	CHECK(strcmp(reginfo_parser_errmsg(p), "line 1: reginfo version missing or invalid") == 0);

	/* Every corpus body: the dispatcher, both modes, equals libxml2. */
	for (size_t i = 0; i < CORPUS_FILES_N; i++) {
		char *b;
		size_t n;
		enum reginfo_err e_ref, e;

		snprintf(path, sizeof(path), CORPUS "%s", corpus_files[i]);
		b = corpus_body(path, &n);
		e_ref = reginfo_parse_ref(ref, b, n, &ev_ref);
		for (int zc = 0; zc < 2; zc++) {
			reginfo_parser_set_zero_copy(p, zc != 0);
			e = reginfo_parse(p, b, n, &ev);
			CHECK_INT(e, e_ref);
			CHECK(same_event(ev, ev_ref));
			if (zc == 0)
				CHECK(!event_points_into(ev, b, n));
		}
		free(b);
	}
	free(body);
	reginfo_parser_free(ref);
	reginfo_parser_free(p);
}

/* Same parser, alternating documents: nothing leaks from one into the next. */
static void
test_reuse(void)
{
	static const char *const docs[] = {
		DOC_C("<uri>&lt;a&gt;</uri><unknown-param name=\"p\">&amp;</unknown-param>"),
		"<reginfo xmlns=\"" NS_RI "\" version=\"9\" state=\"x\"/>",
		DOC_REG("<contact id=\"a\" state=\"active\" event=\"created\"/>" C_OPEN URI_ C_CLOSE),
		"<!DOCTYPE r><r/>",
		DOC_C("<uri>sip:b@c</uri>"),
	};
	struct reginfo_parser *p = reginfo_parser_new(NULL), *ref = reginfo_parser_new(NULL);
	const struct reginfo_event *ev, *ev_ref;
	int bad = 0;

	CHECK(p != NULL && ref != NULL);
	if (p == NULL || ref == NULL)
		exit(2);
	for (int i = 0; i < 500; i++) {
		const char *d = docs[(size_t)i * 7 % (sizeof(docs) / sizeof(docs[0]))];
		enum reginfo_err e = reginfo_parse(p, d, strlen(d), &ev);

		if (e != reginfo_parse_ref(ref, d, strlen(d), &ev_ref) || !same_event(ev, ev_ref) ||
		    strcmp(reginfo_parser_errmsg(p), reginfo_parser_errmsg(ref)) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	reginfo_parser_free(ref);
	reginfo_parser_free(p);
}

/*
 * Audit (audit-state): the bodies of tests/integration/test_rulebook_state.py
 * (SEMANTICS cases 006-081 rebuilt: Kamailio, Clearwater, ZTE, TS 34.229,
 * XML robustness) and the audit's probes give the same event on both paths.
 */
static void
test_rulebook_bodies(void)
{
	static const struct {
		const char *doc;
		size_t len;
	} docs[] = {
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  332 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c0\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u0@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u1@192.0.2.51</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c2\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u2@192.0.2.52</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c3\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u3@192.0.2.53</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c4\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u4@192.0.2.54</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"keep\" state=\"active\" event=\"registered\" expires=\"3"
		  "600\">\n"
		  "   <uri>sip:keep@192.0.2.60</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c9\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u9@192.0.2.59</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"tel:+12025550150\" id=\"r2\" state=\"active\">\n"
		  "  <contact id=\"t1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:t@192.0.2.61</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1213 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c0\" state=\"terminated\" event=\"expired\">\n"
		  "   <uri>sip:u0@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c1\" state=\"terminated\" event=\"deactivated\">\n"
		  "   <uri>sip:u1@192.0.2.51</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c2\" state=\"terminated\" event=\"probation\" retry-afte"
		  "r=\"120\">\n"
		  "   <uri>sip:u2@192.0.2.52</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c3\" state=\"terminated\" event=\"unregistered\">\n"
		  "   <uri>sip:u3@192.0.2.53</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c4\" state=\"terminated\" event=\"rejected\">\n"
		  "   <uri>sip:u4@192.0.2.54</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c9\" state=\"active\" event=\"deactivated\">\n"
		  "   <uri>sip:u9@192.0.2.59</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"tel:+12025550150\" id=\"r2\" state=\"terminated\">\n"
		  "  <contact id=\"t1\" state=\"terminated\" event=\"unregistered\">\n"
		  "   <uri>sip:t@192.0.2.61</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1039 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"4\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"a\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:a@192.0.2.51</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  331 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"5\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"b\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:b@192.0.2.52</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  334 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"5\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:c@192.0.2.53</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  334 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"terminated\">\n"
		  "  <contact id=\"c1\" state=\"terminated\" event=\"deactivated\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  326 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"2\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c2\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:v@192.0.2.51</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  332 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"2\" state=\""
		  "full\">\n"
		  " <registration aor=\"tel:+12025550150\" id=\"0x7f8844b8f5a8\" state=\"ac"
		  "tive\">\n"
		  "  <contact id=\"0x7f8844b9e9e0\" state=\"active\" event=\"registered\" e"
		  "xpires=\"600000\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x7f8844b8f"
		  "6c0\" state=\"active\">\n"
		  "  <contact id=\"0x7f8844b9e9e0\" state=\"active\" event=\"registered\" e"
		  "xpires=\"600000\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  966 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"3\" state=\""
		  "full\">\n"
		  " <registration aor=\"tel:+12025550150\" id=\"0x7f8844b8f5a8\" state=\"te"
		  "rminated\">\n"
		  "  <contact id=\"0x7f8844b9e9e0\" state=\"terminated\" event=\"deactivate"
		  "d\" expires=\"0\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x7f8844b8f"
		  "6c0\" state=\"terminated\">\n"
		  "  <contact id=\"0x7f8844b9e9e0\" state=\"terminated\" event=\"deactivate"
		  "d\" expires=\"0\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  668 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"tel:+12025550150\" id=\"r2\" state=\"active\">\n"
		  "  <contact id=\"c9\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:w@192.0.2.59</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  524 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"refreshed\" expires=\"1800"
		  "\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"tel:+12025550150\" id=\"r2\" state=\"init\">\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  411 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"7\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"a\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:a@192.0.2.51</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  331 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"tel:+12025550150\" id=\"r2\" state=\"active\">\n"
		  "  <contact id=\"t\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:t@192.0.2.52</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  315 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"8\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"b\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:b@192.0.2.53</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  334 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\""
		  "partial\">\n"
		  " <registration aor=\"tel:+12025550150\" id=\"r2\" state=\"active\">\n"
		  "  <contact id=\"u\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:u@192.0.2.54</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  318 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"a\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:a@192.0.2.51</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  331 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"3\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:c@192.0.2.53</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  334 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"2\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"b\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:b@192.0.2.52</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  334 },
		{ "<?xml version=\"1.0\"?>\r\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:gr=\"urn:ietf:pa"
		  "rams:xml:ns:gruuinfo\" version=\"0\" state=\"full\">\n"
		  " <registration aor=\"sip:user1_public1@home1.net\" id=\"a7\" state=\"act"
		  "ive\">\n"
		  "  <contact id=\"1\" state=\"active\" event=\"registered\" expires=\"6000"
		  "00\">\n"
		  "   <uri>sip:[5555::aaa:bbb:ccc:ddd]:1357;comp=sigcomp</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "   <gr:pub-gruu uri=\"sip:user1_public1@home1.net;gr=urn:gsma:imei:35209"
		  "900-176148-1\"/>\n"
		  "   <gr:temp-gruu uri=\"sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@ho"
		  "me1.net;gr\" first-cseq=\"1\"/>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"tel:+358504821437\" id=\"a8\" state=\"active\">\n"
		  "  <contact id=\"2\" state=\"active\" event=\"registered\" expires=\"6000"
		  "00\">\n"
		  "   <uri>sip:[5555::aaa:bbb:ccc:ddd]:1357;comp=sigcomp</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "   <gr:pub-gruu uri=\"sip:user1_public1@home1.net;gr=urn:gsma:imei:35209"
		  "900-176148-1\"/>\n"
		  "   <gr:temp-gruu uri=\"sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@ho"
		  "me1.net;gr\" first-cseq=\"1\"/>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1287 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:[5555::aaa:bbb:ccc:ddd]</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  343 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:eri=\"urn:3gpp:n"
		  "s:extRegInfo:1.0\" state=\"full\" version=\"0\">\r\n"
		  "<registration state=\"active\" aor=\"sip:+12025550123@ims.mnc001.mcc001."
		  "3gppnetwork.org\" id=\"1001\">\r\n"
		  "<contact state=\"active\" event=\"registered\" expires=\"600000\" id=\"1"
		  "\">\r\n"
		  "<uri>sip:+12025550123@[2001:db8:6::23]:5060</uri>\r\n"
		  "<unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:86753009-65432"
		  "1-8&gt;\"</unknown-param>\r\n"
		  "<unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\r\n"
		  "</contact>\r\n"
		  "</registration>\r\n"
		  "<registration state=\"active\" aor=\"tel:+12025550123\" id=\"1002\">\r\n"
		  "<contact state=\"active\" event=\"created\" expires=\"600000\" id=\"1\">"
		  "\r\n"
		  "<uri>sip:+12025550123@[2001:db8:6::23]:5060</uri>\r\n"
		  "<unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:86753009-65432"
		  "1-8&gt;\"</unknown-param>\r\n"
		  "<unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\r\n"
		  "</contact>\r\n"
		  "</registration>\r\n"
		  "</reginfo>\r\n",
		  921 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"2\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x7f8844b8f"
		  "6c0\" state=\"active\">\n"
		  "  <contact id=\"0x7f8844b9e9e0\" state=\"active\" event=\"registered\" e"
		  "xpires=\"600000\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  553 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"3\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x7f8844b8f"
		  "6c0\" state=\"terminated\">\n"
		  "  <contact id=\"0x7f8844b9e9e0\" state=\"terminated\" event=\"unregister"
		  "ed\" expires=\"0\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "  </contact>\n"
		  "  <contact id=\"0x1\" state=\"terminated\" event=\"unregistered\" expire"
		  "s=\"0\" q=\"0.000\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  574 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"4\" state=\""
		  "partial\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x7f8844b8f"
		  "6c0\" state=\"terminated\">\n"
		  "  <contact id=\"0x1\" state=\"active\" event=\"registered\" expires=\"0\""
		  " q=\"0.000\">\n"
		  "   <uri>sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923</uri>"
		  "\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  401 },
		{ "<?xml version=\"1.0\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  "  <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x7f2a1c0\""
		  " state=\"active\">\n"
		  "    <contact id=\"0x7f2a1d8\" state=\"active\" event=\"registered\" expi"
		  "res=\"3600\" received=\"sip:203.0.113.7:5060\" path=\"&lt;sip:pcscf.ims."
		  "example.net;lr&gt;\" user_agent=\"Jitsi 2.10\" callid=\"abc@1.2.3.4\" cs"
		  "eq=\"42\">\n"
		  "      <uri>sip:u@203.0.113.7:5060</uri>\n"
		  "    </contact>\n"
		  "  </registration>\n"
		  "</reginfo>\n",
		  475 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"2\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x5500\" st"
		  "ate=\"active\">\n"
		  "  <contact id=\"0x55a0\" state=\"active\" event=\"registered\" expires=\""
		  "3600\">\n"
		  "   <uri>sip:+12025550150@192.0.2.70:5060</uri>\n"
		  "   <unknown-param name=\"q\">0.5</unknown-param>\n"
		  "   <unknown-param name=\"expires\">3600</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.mmtel\"</unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"0x55b0\" state=\"active\" event=\"registered\" expires=\""
		  "3600\">\n"
		  "   <uri>sip:pc@192.0.2.71:5060</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:uuid:f81d4fae-7dec-11"
		  "d0-a765-00a0c91e6bf6&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  957 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"2\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"0x7e00\" st"
		  "ate=\"active\">\n"
		  "  <contact id=\"0x7f01\" state=\"active\" event=\"registered\" expires=\""
		  "3600\">\n"
		  "   <uri>sip:g@192.0.2.72:5060</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:uuid:7d1e5c2a-0b9f-4c"
		  "3e-8a6d-5f4e3d2c1b0a&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn0X0.0041FB74E7B54P-1022"
		  "urn-70X0.0041FB74E7B54P-10223gpp-service.ims.icsi.mmtel\"</unknown-param"
		  ">\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  598 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:gr=\"urn:ietf:pa"
		  "rams:xml:ns:gruuinfo\" version=\"0\" state=\"full\">\n"
		  " <registration aor=\"sip:2670000002@gdr.clearwater.test\" id=\"as-rb1\" "
		  "state=\"active\">\n"
		  "  <contact id=\"&lt;urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6&gt;\" "
		  "state=\"active\" event=\"registered\" expires=\"300\">\n"
		  "   <uri>sip:2670000002@10.8.8.1:5060;transport=tcp;ob</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "   <gr:pub-gruu uri=\"sip:2670000002@gdr.clearwater.test;gr=urn:uuid:f81"
		  "d4fae-7dec-11d0-a765-00a0c91e6bf6\"/>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"sip:wildcardimpu@wildcard\" id=\"as-rb1\" state=\"a"
		  "ctive\">\n"
		  "  <ere:wildcardedIdentity>sip:+2670000002!.*!@gdr.clearwater.test</ere:w"
		  "ildcardedIdentity>\n"
		  "  <contact id=\"&lt;urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6&gt;\" "
		  "state=\"active\" event=\"registered\" expires=\"300\">\n"
		  "   <uri>sip:2670000002@10.8.8.1:5060;transport=tcp;ob</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "   <gr:pub-gruu uri=\"sip:2670000002@gdr.clearwater.test;gr=urn:uuid:f81"
		  "d4fae-7dec-11d0-a765-00a0c91e6bf6\"/>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1267 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:gr=\"urn:ietf:pa"
		  "rams:xml:ns:gruuinfo\" xmlns:ere=\"urn:3gpp:ns:extRegExp:1.0\" version=\""
		  "0\" state=\"full\">\n"
		  " <registration aor=\"sip:2670000002@gdr.clearwater.test\" id=\"as-rb1\" "
		  "state=\"active\">\n"
		  "  <contact id=\"&lt;urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6&gt;\" "
		  "state=\"active\" event=\"registered\" expires=\"300\">\n"
		  "   <uri>sip:2670000002@10.8.8.1:5060;transport=tcp;ob</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "   <gr:pub-gruu uri=\"sip:2670000002@gdr.clearwater.test;gr=urn:uuid:f81"
		  "d4fae-7dec-11d0-a765-00a0c91e6bf6\"/>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  714 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:gr=\"urn:ietf:pa"
		  "rams:xml:ns:gruuinfo\" xmlns:ere=\"urn:3gpp:ns:extRegExp:1.0\" version=\""
		  "0\" state=\"full\">\n"
		  " <registration aor=\"sip:2670000002@gdr.clearwater.test\" id=\"as-rb1\" "
		  "state=\"active\">\n"
		  "  <contact id=\"&lt;urn:uuid:7d1e5c2a-0b9f-4c3e-8a6d-5f4e3d2c1b0a&gt;\" "
		  "state=\"active\" event=\"registered\" expires=\"300\">\n"
		  "   <uri>sip:2670000002@10.8.8.1:5060;transport=tcp;ob</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">&quot;urn%3Aurn-7%3A3gpp-ser"
		  "vice.ims.icsi.oma.cpm.msg&quot;</unknown-param>\n"
		  "   <gr:pub-gruu uri=\"sip:2670000002@gdr.clearwater.test;gr=urn:uuid:7d1"
		  "e5c2a-0b9f-4c3e-8a6d-5f4e3d2c1b0a\"/>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"sip:wildcardimpu@wildcard\" id=\"as-rb1\" state=\"a"
		  "ctive\">\n"
		  "  <ere:wildcardedIdentity>sip:+2670000002!.*!@gdr.clearwater.test</ere:w"
		  "ildcardedIdentity>\n"
		  "  <contact id=\"&lt;urn:uuid:7d1e5c2a-0b9f-4c3e-8a6d-5f4e3d2c1b0a&gt;\" "
		  "state=\"active\" event=\"registered\" expires=\"300\">\n"
		  "   <uri>sip:2670000002@10.8.8.1:5060;transport=tcp;ob</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "   <gr:pub-gruu uri=\"sip:2670000002@gdr.clearwater.test;gr=urn:uuid:7d1"
		  "e5c2a-0b9f-4c3e-8a6d-5f4e3d2c1b0a\"/>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1315 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "   <display-name xml:lang=\"de\">J\303\274rgen M\303\274ller \345\261\261"
		  "\347\224\260 \360\237\223\261</display-name>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  406 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"1\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:+12025550150@192.0.2.80:5060</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.mmtel\"</unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"2\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:+12025550150@192.0.2.80:5062</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:uuid:f81d4fae-7dec-11"
		  "d0-a765-00a0c91e6bf6&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.iari-ref\">\"urn%3Aurn-7%3A3gpp-applica"
		  "tion.ims.iari.rcs.fthttp\"</unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1060 },
		{ "<?xml version=\"1.0\"?>\n"
		  "<!DOCTYPE reginfo [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  "<registration aor=\"sip:+12025550001@x.example.net\" id=\"r\" state=\"ac"
		  "tive\"><contact id=\"c\" state=\"active\" event=\"registered\"><uri>&x;<"
		  "/uri></contact></registration></reginfo>\n",
		  330 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:v=\"urn:vendor:x"
		  "\" version=\"0\" state=\"full\">\n"
		  " <registration aor=\"sip:+12025550035@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "<contact id=\"c\" state=\"active\" event=\"registered\"><uri>sip:d@192.0"
		  ".2.9</uri><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v"
		  ":e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e"
		  "><v:e><v:e><v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></"
		  "v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></"
		  "v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></contact> </registr"
		  "ation>\n"
		  "</reginfo>\n",
		  655 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:v=\"urn:vendor:x"
		  "\" version=\"0\" state=\"full\">\n"
		  " <registration aor=\"sip:+12025550034@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "<contact id=\"c\" state=\"active\" event=\"registered\"><uri>sip:d@192.0"
		  ".2.9</uri><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v"
		  ":e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e><v:e"
		  "><v:e><v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e><"
		  "/v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e></v:e><"
		  "/v:e></v:e></v:e></v:e></v:e></v:e></v:e></contact> </registration>\n"
		  "</reginfo>\n",
		  644 },
		{ "<!-- no declaration -->\n"
		  "<?vendor-pi x?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\"><!-- c --><registration aor=\"sip:+12025550063@x.example.net\" id"
		  "=\"r\" state=\"active\"><contact id=\"c\" state=\"active\" event=\"regis"
		  "tered\"><uri>\n"
		  "\t  <![CDATA[sip:cd@192.0.2.63]]>  \n"
		  "</uri><?pi?></contact></registration></reginfo>",
		  334 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo2\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550064@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  330 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:f=\"urn:vendor:l"
		  "ookalike\" version=\"0\" state=\"full\">\n"
		  " <registration aor=\"sip:+12025550065@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" f:state=\"term"
		  "inated\">\n"
		  "   <f:uri>sip:fake@192.0.2.99</f:uri>\n"
		  "   <uri>sip:real@192.0.2.65</uri>\n"
		  "   <f:unknown-param name=\"+g.3gpp.smsip\"/>\n"
		  "  </contact>\n"
		  "  <f:contact id=\"x\" state=\"active\" event=\"registered\"><f:uri>sip:x"
		  "@192.0.2.98</f:uri></f:contact>\n"
		  " </registration>\n"
		  "<f:registration aor=\"sip:+12025550165@x.example.net\" id=\"f\" state=\""
		  "active\"/>\n"
		  "</reginfo>\n",
		  624 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" state=\"full\">\n"
		  " <registration aor=\"sip:+12025550067@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  317 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"x1\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550067@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  330 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"4294967296\""
		  " state=\"full\">\n"
		  " <registration aor=\"sip:+12025550067@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  338 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"-1\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550067@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  330 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "Full\">\n"
		  " <registration aor=\"sip:+12025550067@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  329 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"4294967295\""
		  " state=\"full\">\n"
		  " <registration aor=\"sip:+12025550167@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  338 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550068@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"good\" state=\"active\" event=\"registered\" expires=\"3"
		  "600\">\n"
		  "   <uri>sip:g@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"bad0\" state=\"active\" event=\"registered\" expires=\"a"
		  "bc\">\n"
		  "   <uri>sip:b0@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"bad1\" state=\"active\" event=\"registered\" expires=\"-"
		  "1\">\n"
		  "   <uri>sip:b1@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"bad2\" state=\"active\" event=\"registered\" expires=\"1"
		  "8446744073709551616\">\n"
		  "   <uri>sip:b2@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"bad3\" state=\"active\" event=\"registered\" duration-re"
		  "gistered=\"1e3\">\n"
		  "   <uri>sip:b3@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"bad4\" state=\"active\" event=\"registered\" cseq=\"12x\""
		  ">\n"
		  "   <uri>sip:b4@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"bad5\" state=\"active\" event=\"registered\" retry-after"
		  "=\" \">\n"
		  "   <uri>sip:b5@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"bad6\" state=\"active\" event=\"registered\" expires=\"\""
		  ">\n"
		  "   <uri>sip:b6@192.0.2.68</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1160 },
		{ "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550077@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\">\n"
		  "   <uri>sip:l@192.0.2.77</uri>\n"
		  "   <display-name>J\374rgen \305se</display-name>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  361 },
		{ "\357\273\277<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550078@x.example.net\" id=\"r\" state=\"a"
		  "ctive\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:u@192.0.2.50</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  332 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"e1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:+12025550150@192.0.2.81:5060;sos</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"n1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:+12025550150@192.0.2.82:5060</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:uuid:f81d4fae-7dec-11"
		  "d0-a765-00a0c91e6bf6&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.icsi-ref\">\"urn%3Aurn-7%3A3gpp-service"
		  ".ims.icsi.oma.cpm.msg\"</unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  961 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550161@r.example.net\" id=\"r1\" state=\""
		  "active\">\n"
		  "  <contact id=\"a\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"500\">\n"
		  "   <uri>sip:a@192.0.2.1</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"b\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"50\">\n"
		  "   <uri>sip:b@192.0.2.2</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:86753009-65"
		  "4321-8&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  766 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550162@r.example.net\" id=\"r2\" state=\""
		  "active\">\n"
		  "  <contact id=\"9\" state=\"active\" event=\"registered\">\n"
		  "   <uri>sip:n@192.0.2.3</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"10\" state=\"active\" event=\"registered\">\n"
		  "   <uri>sip:m@192.0.2.4</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  522 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550163@r.example.net\" id=\"r3\" state=\""
		  "active\">\n"
		  "  <contact id=\"x\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"9000\">\n"
		  "   <uri>sip:x@192.0.2.5</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"y\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"1\">\n"
		  "   <uri>sip:y@192.0.2.6</uri>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"z\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"0\">\n"
		  "   <uri>sip:z@192.0.2.7</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:uuid:f81d4fae-7dec-11"
		  "d0-a765-00a0c91e6bf6&gt;\"</unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  900 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550164@r.example.net\" id=\"s1\" state=\""
		  "active\">\n"
		  "  <contact id=\"p\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"400\">\n"
		  "   <uri>sip:p@192.0.2.8</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"q\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"40\">\n"
		  "   <uri>sip:q@192.0.2.9</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:86753009-65"
		  "4321-8&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  " <registration aor=\"tel:+12025550164\" id=\"s2\" state=\"active\">\n"
		  "  <contact id=\"p\" state=\"active\" event=\"registered\" duration-regis"
		  "tered=\"400\">\n"
		  "   <uri>sip:p@192.0.2.8</uri>\n"
		  "   <unknown-param name=\"+sip.instance\">\"&lt;urn:gsma:imei:35209900-17"
		  "6148-1&gt;\"</unknown-param>\n"
		  "   <unknown-param name=\"+g.3gpp.smsip\"></unknown-param>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  1120 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration xmlns=\"urn:other\" aor=\"sip:+12025550150@ims.example.ne"
		  "t\" id=\"r1\" state=\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  346 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:a&#64;b&amp;c&#x3b;x</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  339 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\" 360"
		  "0 \">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  330 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\"+360"
		  "0\">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  329 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\" 1\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  329 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"+1\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\"active\" event=\"registered\" expires=\"3600"
		  "\">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  329 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c\" state=\" active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  329 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "<contact id=\"c\" state=\"active\" event=\"registered\"><uri>sip:1@x</ur"
		  "i><uri>sip:2@x</uri></contact> </registration>\n"
		  "</reginfo>\n",
		  315 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "<contact id=\"c\" state=\"active\" event=\"registered\"><uri>  </uri><di"
		  "splay-name>  Bob  </display-name></contact> </registration>\n"
		  "</reginfo>\n",
		  328 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\""
		  "full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "   <unknown-param name=\"+sip.instance\"> \n"
		  " \"&lt;urn:gsma:imei:35209900-176148-1&gt;\" \n"
		  "</unknown-param>\n"
		  "<unknown-param name=\"video\"/><unknown-param>v</unknown-param>   <unkno"
		  "wn-param name=\"a\">1</unknown-param>\n"
		  "   <unknown-param name=\"a\">2</unknown-param>\n"
		  "  </contact>\n"
		  "  <contact id=\"c5\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:c5@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  "  <contact id=\"c5\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:c5b@1.2.3.4</uri>\n"
		  "  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  805 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" xmlns:gr=\"urn:ietf:pa"
		  "rams:xml:ns:gruuinfo\" version=\"0\" state=\"full\">\n"
		  " <registration aor=\"sip:+12025550150@ims.example.net\" id=\"r1\" state="
		  "\"active\">\n"
		  "  <contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"360"
		  "0\">\n"
		  "   <uri>sip:c@1.2.3.4</uri>\n"
		  "<gr:pub-gruu uri=\"sip:a@x;gr=&lt;urn:uuid:abc&gt;\"/><gr:temp-gruu uri="
		  "\"sip:tg@x;gr\" cseq=\"7\"/>  </contact>\n"
		  " </registration>\n"
		  "</reginfo>\n",
		  466 },
	};
	char label[48];

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		snprintf(label, sizeof(label), "rulebook body %zu", i);
		diff_all(docs[i].doc, docs[i].len, label);
	}
}

int
main(void)
{
	struct reginfo_limits lim;

	reginfo_limits_default(&lim);
	pair_init(&pairs[n_pairs++], "default", &lim);
	DEF = &pairs[0];
	/* test_reginfo.c's caps parser. */
	lim.max_registrations = 3;
	lim.max_contacts = 4;
	lim.max_params = 5;
	lim.arena_bytes = 4096;
	lim.max_doc_bytes = 16384;
	pair_init(&pairs[n_pairs++], "caps", &lim);
	/* fuzz_reginfo.c's tiny parser. */
	reginfo_limits_default(&lim);
	lim.max_depth = 8;
	lim.max_registrations = 2;
	lim.max_contacts = 3;
	lim.max_params = 4;
	lim.arena_bytes = 256;
	lim.max_doc_bytes = 4096;
	pair_init(&pairs[n_pairs++], "tiny", &lim);

	test_corpus();
	test_reggen();
	test_reginfo_cases();
	test_handled();
	test_declined();
	test_arena_edges();
	test_dispatch();
	test_reuse();
	test_rulebook_bodies();

	printf("%u comparisons, %u declined by the scanner\n", n_compared, n_declined);
	for (unsigned int i = 0; i < n_pairs; i++)
		pair_free(&pairs[i]);
	return check_exit();
}
