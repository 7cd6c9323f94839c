/* SPDX-License-Identifier: MIT */
/*
 * Differential libFuzzer target: the zero-copy reginfo scanner against
 * libxml2, its oracle.
 *
 * Every input goes through reginfo_parse_ref() (libxml2) and
 * reginfo_parse_fast() (the scanner) under three sets of limits: the
 * defaults, tiny ones (every cap, the arena and the depth limit are hit all
 * the time) and tiny ones with a larger arena, and twice more wrapped into
 * a valid document: as the content of a <registration> and of a <contact>
 * (most mutations of a whole document are errors, which the scanner only
 * declines; inside the wrapper a mutated fragment is still often a good
 * document, so the scanner's answers get compared), and once more as the
 * choices of a generator of reginfo documents (generate()). The scanner
 * may decline
 * (REGINFO_NOT_HANDLED); when it answers, the result code, the whole event
 * (every field, every slice's bytes) and the error message must be
 * libxml2's. Anything else aborts with both events printed. The scanner
 * reads the input buffer itself (libFuzzer's exact-size copy), so ASan
 * sees any read past its end; its slices are compared while it is alive.
 *
 * Seeds: tests/fuzz/corpus/fuzz_reginfo_diff/; dictionary:
 * tests/fuzz/reginfo.dict.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/reginfo.h>

static char why[512];

static bool
same_slice(struct rgl_slice a, struct rgl_slice b, const char *what)
{
	if ((a.p == NULL) != (b.p == NULL) || a.len != b.len ||
	    (a.len != 0 && memcmp(a.p, b.p, a.len) != 0)) {
		snprintf(why, sizeof(why), "%s: \"%.*s\" (%u) vs \"%.*s\" (%u)", what,
			 a.p != NULL ? (int)(a.len > 100 ? 100 : a.len) : 6,
			 a.p != NULL ? a.p : "(none)", a.len,
			 b.p != NULL ? (int)(b.len > 100 ? 100 : b.len) : 6,
			 b.p != NULL ? b.p : "(none)", b.len);
		return false;
	}
	return true;
}

#define SAME_NUM(a, b, what)                                                   \
	do {                                                                   \
		if ((uint64_t)(a) != (uint64_t)(b)) {                          \
			snprintf(why, sizeof(why), "%s[%u]: %llu vs %llu", what, i, \
				 (unsigned long long)(a), (unsigned long long)(b)); \
			return false;                                          \
		}                                                              \
	} while (0)

static bool
same_event(const struct reginfo_event *a, const struct reginfo_event *b)
{
	uint32_t i = 0;

	SAME_NUM(a->version, b->version, "version");
	SAME_NUM(a->state, b->state, "state");
	SAME_NUM(a->n_regs, b->n_regs, "n_regs");
	SAME_NUM(a->n_contacts, b->n_contacts, "n_contacts");
	SAME_NUM(a->n_params, b->n_params, "n_params");
	SAME_NUM(a->n_skipped, b->n_skipped, "n_skipped");
	SAME_NUM(a->first_skip, b->first_skip, "first_skip");
	for (i = 0; i < a->n_regs; i++) {
		const struct reginfo_registration *x = &a->regs[i], *y = &b->regs[i];

		if (!same_slice(x->aor, y->aor, "aor") || !same_slice(x->id, y->id, "reg id") ||
		    !same_slice(x->wildcarded_identity, y->wildcarded_identity, "wildcard"))
			return false;
		SAME_NUM(x->state, y->state, "reg state");
		SAME_NUM(x->first_contact, y->first_contact, "first_contact");
		SAME_NUM(x->n_contacts, y->n_contacts, "reg n_contacts");
	}
	for (i = 0; i < a->n_contacts; i++) {
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
	for (i = 0; i < a->n_params; i++) {
		if (!same_slice(a->params[i].name, b->params[i].name, "param name") ||
		    !same_slice(a->params[i].value, b->params[i].value, "param value"))
			return false;
	}
	return true;
}

struct pair {
	const char *name;
	struct reginfo_parser *ref, *fast;
};

static struct pair pairs[3];

static void
pair_init(struct pair *pr, const char *name, const struct reginfo_limits *lim)
{
	pr->name = name;
	pr->ref = reginfo_parser_new(lim);
	pr->fast = reginfo_parser_new(lim);
	if (pr->ref == NULL || pr->fast == NULL)
		abort();
}

static void
differ(const struct pair *pr, const char *what, enum reginfo_err ref, int fast)
{
	fprintf(stderr, "scanner differs from libxml2 [%s limits]: %s\n  libxml2: %s (%s)\n"
			"  scanner: %s (%s)\n",
		pr->name, what, reginfo_err_str(ref), reginfo_parser_errmsg(pr->ref),
		fast == REGINFO_NOT_HANDLED ? "not handled"
					    : reginfo_err_str((enum reginfo_err)fast),
		reginfo_parser_errmsg(pr->fast));
	abort();
}

static void
check_pair(const struct pair *pr, const char *data, size_t size)
{
	const struct reginfo_event *ev_ref, *ev_fast;
	enum reginfo_err ref;
	int fast;

	fast = reginfo_parse_fast(pr->fast, data, size, &ev_fast);
	ref = reginfo_parse_ref(pr->ref, data, size, &ev_ref);
	if (fast == REGINFO_NOT_HANDLED) {
		if (ev_fast->n_regs != 0 || ev_fast->n_contacts != 0 || ev_fast->n_params != 0)
			differ(pr, "declined with a non-empty event", ref, fast);
		return;
	}
	if (fast != (int)ref)
		differ(pr, "result", ref, fast);
	if (!same_event(ev_fast, ev_ref))
		differ(pr, why, ref, fast);
	if (strcmp(reginfo_parser_errmsg(pr->fast), reginfo_parser_errmsg(pr->ref)) != 0)
		differ(pr, "error message", ref, fast);
}

#define W_HEAD                                                                 \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                           \
	"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" "                      \
	"xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\" "                           \
	"xmlns:ere=\"urn:3gpp:ns:extRegExp:1.0\" version=\"7\" state=\"full\">\n" \
	"<registration aor=\"sip:+12025550101@ims.example.net\" id=\"r1\" "      \
	"state=\"active\">\n"
#define W_CONTACT "<contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"60\">"
#define W_TAIL "</registration>\n</reginfo>\n"

/* @p data between @p head and @p tail, in an exact-size buffer, checked. */
static void
check_wrapped(const char *head, const uint8_t *data, size_t size, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *buf = malloc(h + size + t);

	if (buf == NULL)
		abort();
	memcpy(buf, head, h);
	memcpy(buf + h, data, size);
	memcpy(buf + h + size, tail, t);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		check_pair(&pairs[i], buf, h + size + t);
	free(buf);
}

/*
 * Third view of the input: the bytes as the choices of a generator of
 * reginfo documents, mostly well-formed, with the variations the scanner
 * must get exactly right (namespaces and prefixes, references, CR LF,
 * comments, skip rules, numbers, caps, the arena). Coverage of the
 * scanner's handled paths comes from here.
 */
struct gen {
	const uint8_t *d;
	size_t n, i;
	char *out;
	size_t len, cap;
};

static unsigned int
pick(struct gen *g, unsigned int k)
{
	if (g->i >= g->n)
		return 0;
	return g->d[g->i++] % k;
}

static void
put(struct gen *g, const char *s)
{
	size_t n = strlen(s);

	if (g->len + n > g->cap)
		return;
	memcpy(g->out + g->len, s, n);
	g->len += n;
}

static void
put_one(struct gen *g, const char *const *list, size_t n)
{
	put(g, list[pick(g, (unsigned int)n)]);
}

#define PUT_ONE(g, list) put_one((g), (list), sizeof(list) / sizeof((list)[0]))

static const char *const g_ws[] = {
	"", "", " ", "\n", "\r\n", "\t", "\n  ", "\r", "<!-- c -->", "\n<!---->\n",
};
static const char *const g_text[] = {
	"sip:a@b", "x", " ", "&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&#x41;", "&#233;",
	"&#x20AC;", "&#128512;", "\xC3\xA9", "\xE2\x82\xAC", "\r\n", "\r", "\n", "\t", "]", ">",
	"<!-- x -->", "&#13;", "&#10;", "&#32;", "'", "\"", "%3A", ";", "<b>skip</b>", "<e/>",
	"\x7F", "\xC2\x85",
};
static const char *const g_val[] = {
	"sip:a@b", "x", " ", "&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&#38;", "&#x26;",
	"&#x41;", "&#233;", "\xC3\xA9", "\r\n", "\r", "\n", "\t", "&#9;", "&#10;", "&#13;",
	"&#32;", "0", "1", "60", "-1", "18446744073709551615", "18446744073709551616", "4294967295",
	"4294967296", "active", "terminated", "init", "full", "partial", "registered", "created",
	"expired", "bogus", "", ">", "]", "%20",
};
/* Element names at each place: mostly the schema's, sometimes not. */
static const char *const g_prefix_el[] = {
	"", "", "", "", "", "", "", "", "", "", "", "", "r:", "gr:", "x:", "u:",
};
static const char *const g_ns_decl[] = {
	"", "", "", "", "", "", "", "", "", "", "", "", "", "",
	" xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\"",
	" xmlns:r=\"urn:ietf:params:xml:ns:reginfo\"", " xmlns:x=\"urn:other\"",
	" xmlns=\"urn:ietf:params:xml:ns:reginfo\"", " xmlns=\"\"", " xmlns=\"urn:other\"",
	" xmlns:e=\"urn:3gpp:ns:extRegExp:1.0\"",
	" xmlns:r=\"urn:ietf:params:xml:ns:reginf&#111;\"",
	" xmlns:gr=\"urn:other\"",
};

static void
gen_value(struct gen *g, unsigned int max_atoms)
{
	unsigned int n = pick(g, max_atoms + 1);

	for (unsigned int i = 0; i < n; i++)
		PUT_ONE(g, g_val);
}

/* name="value" with a chosen quote; sometimes a prefix, sometimes left out. */
static void
gen_attr(struct gen *g, const char *name, const char *good)
{
	static const char *const pfx[] = {
		"", "", "", "", "", "", "", "", "", "", "", "", "", "x:", "xml:", "u:",
	};
	unsigned int how = pick(g, 16);
	const char *q = pick(g, 4) == 0 ? "'" : "\"";

	if (how == 13)
		return; /* missing */
	put(g, pick(g, 6) == 0 ? "\n\t" : " ");
	PUT_ONE(g, pfx);
	put(g, name);
	put(g, pick(g, 6) == 0 ? " = " : "=");
	put(g, q);
	if (how < 13)
		put(g, good);
	else
		gen_value(g, 3);
	put(g, q);
}

static void
gen_text(struct gen *g, unsigned int max_atoms, const char *good)
{
	unsigned int n = pick(g, max_atoms + 1);

	if (pick(g, 3) != 0)
		put(g, good);
	for (unsigned int i = 0; i < n; i++)
		PUT_ONE(g, g_text);
}

/* An element with a fixed QName. */
static void
gen_open(struct gen *g, const char *qname)
{
	PUT_ONE(g, g_ws);
	put(g, "<");
	put(g, qname);
	PUT_ONE(g, g_ns_decl);
}

static void
gen_close(struct gen *g, const char *qname)
{
	put(g, "</");
	put(g, qname);
	put(g, ">");
}

/* An element whose prefix is chosen once for open and close. */
static void
gen_el_begin(struct gen *g, const char *name, char *qname, size_t qcap, bool decls)
{
	const char *pfx = g_prefix_el[pick(g, sizeof(g_prefix_el) / sizeof(g_prefix_el[0]))];

	snprintf(qname, qcap, "%s%s", pfx, name);
	PUT_ONE(g, g_ws);
	put(g, "<");
	put(g, qname);
	if (decls)
		PUT_ONE(g, g_ns_decl);
}

static void
gen_contact_child(struct gen *g)
{
	char q[64];

	switch (pick(g, 8)) {
	case 0:
	case 1:
		gen_el_begin(g, "uri", q, sizeof(q), true);
		put(g, ">");
		gen_text(g, 4, "sip:+12025550101@10.45.0.2:5060");
		gen_close(g, q);
		break;
	case 2:
		gen_el_begin(g, "display-name", q, sizeof(q), true);
		gen_attr(g, "lang", "en");
		put(g, ">");
		gen_text(g, 3, "Alice");
		gen_close(g, q);
		break;
	case 3:
	case 4:
		gen_el_begin(g, "unknown-param", q, sizeof(q), true);
		gen_attr(g, "name", "+sip.instance");
		if (pick(g, 3) == 0) {
			put(g, "/>");
			break;
		}
		put(g, ">");
		gen_text(g, 4, "\"&lt;urn:gsma:imei:35332510-123456-9&gt;\"");
		gen_close(g, q);
		break;
	case 5:
		gen_open(g, pick(g, 2) ? "gr:pub-gruu" : "gr:temp-gruu");
		gen_attr(g, "uri", "sip:a@b;gr=urn:uuid:1");
		gen_attr(g, pick(g, 2) ? "first-cseq" : "cseq", "12");
		put(g, "/>");
		break;
	case 6:
		gen_open(g, "x:other");
		put(g, ">");
		gen_text(g, 2, "t");
		put(g, "</x:other>");
		break;
	default:
		PUT_ONE(g, g_text);
		break;
	}
}

static void
gen_contact(struct gen *g, unsigned int k)
{
	char q[64], id[16];
	unsigned int n;

	snprintf(id, sizeof(id), "c%u", k);
	gen_el_begin(g, "contact", q, sizeof(q), true);
	gen_attr(g, "id", id);
	gen_attr(g, "state", pick(g, 2) ? "active" : "terminated");
	gen_attr(g, "event", pick(g, 2) ? "registered" : "shortened");
	gen_attr(g, "expires", "3600");
	if (pick(g, 2))
		gen_attr(g, "duration-registered", "7");
	if (pick(g, 2))
		gen_attr(g, "cseq", "9");
	if (pick(g, 2))
		gen_attr(g, "retry-after", "1");
	if (pick(g, 2))
		gen_attr(g, "q", "0.5");
	if (pick(g, 2))
		gen_attr(g, "callid", "abc@host");
	if (pick(g, 8) == 7) {
		put(g, "/>");
		return;
	}
	put(g, ">");
	n = pick(g, 7);
	for (unsigned int i = 0; i < n; i++)
		gen_contact_child(g);
	PUT_ONE(g, g_ws);
	gen_close(g, q);
}

static void
gen_registration(struct gen *g, unsigned int k)
{
	char q[64];
	unsigned int n;

	gen_el_begin(g, "registration", q, sizeof(q), true);
	gen_attr(g, "aor", k % 2 ? "tel:+12025550101" : " sip:+12025550101@ims.example.net ");
	gen_attr(g, "id", k % 2 ? "a2" : "a1");
	gen_attr(g, "state", "active");
	put(g, ">");
	n = pick(g, 5);
	for (unsigned int i = 0; i < n; i++) {
		if (pick(g, 6) == 0) {
			gen_open(g, "e:wildcardedIdentity");
			put(g, ">");
			gen_text(g, 3, "sip:!.*!@x");
			put(g, "</e:wildcardedIdentity>");
		} else {
			gen_contact(g, i);
		}
	}
	PUT_ONE(g, g_ws);
	gen_close(g, q);
}

static size_t
generate(const uint8_t *data, size_t size, char *out, size_t cap)
{
	static const char *const decl[] = {
		"", "<?xml version=\"1.0\"?>", "<?xml version='1.0' encoding='UTF-8'?>\n",
		"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n", "\xEF\xBB\xBF",
		"<!-- lead -->\n",
	};
	struct gen g = { data, size, 0, out, 0, cap };
	char q[64];
	unsigned int n;

	PUT_ONE(&g, decl);
	if (pick(&g, 8) == 7) {
		/* Prefixed root. */
		snprintf(q, sizeof(q), "r:reginfo");
		PUT_ONE(&g, g_ws);
		put(&g, "<r:reginfo xmlns:r=\"urn:ietf:params:xml:ns:reginfo\"");
	} else {
		snprintf(q, sizeof(q), "reginfo");
		put(&g, "<reginfo");
	}
	if (pick(&g, 16) != 15)
		put(&g, " xmlns=\"urn:ietf:params:xml:ns:reginfo\"");
	if (pick(&g, 2) == 0)
		put(&g, " xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\"");
	if (pick(&g, 3) == 0)
		put(&g, " xmlns:e=\"urn:3gpp:ns:extRegExp:1.0\"");
	if (pick(&g, 32) != 31)
		put(&g, " version=\"12\"");
	else
		gen_attr(&g, "version", "12");
	if (pick(&g, 32) != 31)
		put(&g, pick(&g, 2) ? " state=\"full\"" : " state='partial'");
	else
		gen_attr(&g, "state", "full");
	put(&g, ">");
	n = pick(&g, 5);
	for (unsigned int i = 0; i < n; i++)
		gen_registration(&g, i);
	PUT_ONE(&g, g_ws);
	gen_close(&g, q);
	PUT_ONE(&g, g_ws);
	/* A last byte of raw input now and then: near-misses of well-formedness. */
	if (g.i < g.n && pick(&g, 16) == 0 && g.len > 0)
		out[pick(&g, 255) % g.len] = (char)(g.i < g.n ? g.d[g.i] : 0);
	return g.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		struct reginfo_limits lim;

		reginfo_limits_default(&lim);
		pair_init(&pairs[0], "default", &lim);
		lim.max_depth = 8;
		lim.max_registrations = 2;
		lim.max_contacts = 3;
		lim.max_params = 4;
		lim.arena_bytes = 256;
		lim.max_doc_bytes = 4096;
		pair_init(&pairs[1], "tiny", &lim);
		lim.arena_bytes = 1024;
		lim.max_depth = 5;
		pair_init(&pairs[2], "tiny, arena 1K", &lim);
		ready = true;
	}
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		check_pair(&pairs[i], (const char *)data, size);
	check_wrapped(W_HEAD, data, size, W_TAIL);
	check_wrapped(W_HEAD W_CONTACT, data, size, "</contact>" W_TAIL);
	{
		static char doc[65536];
		size_t n = generate(data, size, doc, sizeof(doc));

		check_wrapped("", (const uint8_t *)doc, n, "");
	}
	return 0;
}
