/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the libxml2 SAX2 reginfo parser: every corpus body with the
 * values of its expect.json (written out here, the JSON is not read), then
 * one hand-written document per rule of SEMANTICS 3.6 and of reginfo.h.
 *
 * The parser sees each body in an exact-size heap copy that is poisoned and
 * freed right after the parse: ASan catches reads past the end, and the
 * checks afterwards prove that every slice lives in the parser's arena.
 *
 * libxml2's allocator is wrapped (xmlMemSetup, first thing in main) to show
 * that hostile documents are refused without big allocations and that the
 * reused context does not grow without bound.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/xmlmemory.h>

#include <reglane/reginfo.h>

#include "check.h"

#define CORPUS "../data/corpus/"

/* ---- counting allocator for libxml2 ----------------------------------- */

struct mem_hdr {
	size_t size;
	size_t pad; /* keep 16-byte alignment */
};

static size_t mem_live;
static size_t mem_peak;

static void *
mem_malloc(size_t n)
{
	struct mem_hdr *h = malloc(sizeof(*h) + n);

	if (h == NULL)
		return NULL;
	h->size = n;
	mem_live += n;
	if (mem_live > mem_peak)
		mem_peak = mem_live;
	return h + 1;
}

static void
mem_free(void *ptr)
{
	struct mem_hdr *h;

	if (ptr == NULL)
		return;
	h = (struct mem_hdr *)ptr - 1;
	mem_live -= h->size;
	free(h);
}

static void *
mem_realloc(void *ptr, size_t n)
{
	struct mem_hdr *h, *nh;
	size_t old;

	if (ptr == NULL)
		return mem_malloc(n);
	h = (struct mem_hdr *)ptr - 1;
	old = h->size;
	nh = realloc(h, sizeof(*nh) + n);
	if (nh == NULL)
		return NULL;
	nh->size = n;
	mem_live = mem_live - old + n;
	if (mem_live > mem_peak)
		mem_peak = mem_live;
	return nh + 1;
}

static char *
mem_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = mem_malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- helpers ---------------------------------------------------------- */

static struct reginfo_parser *P; /* default limits, shared by most tests */

static enum reginfo_err
parse_buf(struct reginfo_parser *p, const char *doc, size_t len, const struct reginfo_event **ev)
{
	char *buf = malloc(len != 0 ? len : 1);
	enum reginfo_err err;

	if (buf == NULL)
		exit(2);
	memcpy(buf, doc, len);
	err = reginfo_parse(p, buf, len, ev);
	memset(buf, 'X', len);
	free(buf);
	return err;
}

static enum reginfo_err
parse_str(struct reginfo_parser *p, const char *doc, const struct reginfo_event **ev)
{
	return parse_buf(p, doc, strlen(doc), ev);
}

/* The body of a corpus datagram: everything after the first CRLF CRLF. */
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
	body = malloc(*len != 0 ? *len : 1);
	if (body == NULL)
		exit(2);
	memcpy(body, sep, *len);
	free(raw);
	return body;
}

static enum reginfo_err
parse_corpus(const char *rel, const struct reginfo_event **ev)
{
	char path[256];
	size_t len;
	char *body;
	enum reginfo_err err;

	snprintf(path, sizeof(path), CORPUS "%s", rel);
	body = corpus_body(path, &len);
	err = parse_buf(P, body, len, ev);
	free(body);
	return err;
}

static const struct reginfo_registration *
find_reg(const struct reginfo_event *ev, const char *aor)
{
	for (uint32_t i = 0; i < ev->n_regs; i++) {
		if (rgl_slice_eq(ev->regs[i].aor, aor))
			return &ev->regs[i];
	}
	return NULL;
}

static const struct reginfo_contact *
find_contact(const struct reginfo_event *ev, const struct reginfo_registration *r, const char *id)
{
	if (r == NULL)
		return NULL;
	for (uint32_t i = 0; i < r->n_contacts; i++) {
		const struct reginfo_contact *c = &ev->contacts[r->first_contact + i];

		if (rgl_slice_eq(c->id, id))
			return c;
	}
	return NULL;
}

/* The value of unknown-param @p name, absent when there is none. */
static struct rgl_slice
param(const struct reginfo_event *ev, const struct reginfo_contact *c, const char *name)
{
	if (c == NULL)
		return RGL_SLICE_NONE;
	for (uint32_t i = 0; i < c->n_params; i++) {
		const struct reginfo_param *pr = &ev->params[c->first_param + i];

		if (rgl_slice_eq(pr->name, name))
			return pr->value;
	}
	return RGL_SLICE_NONE;
}

static bool
slice_eq(struct rgl_slice a, struct rgl_slice b)
{
	return a.p != NULL && b.p != NULL && a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* A whole event as text: equal strings mean equal events. */
static void
ev_dump(const struct reginfo_event *ev, char *out, size_t cap)
{
	size_t n = 0;

#define OUT(...)                                                               \
	do {                                                                   \
		int w_ = snprintf(out + n, cap - n, __VA_ARGS__);              \
		if (w_ > 0 && (size_t)w_ < cap - n)                            \
			n += (size_t)w_;                                       \
	} while (0)
#define SL(s) (s).p != NULL ? (int)(s).len : 1, (s).p != NULL ? (s).p : "-"
	out[0] = '\0';
	OUT("v=%u st=%d regs=%u contacts=%u params=%u skipped=%u first=%d\n", ev->version,
	    ev->state, ev->n_regs, ev->n_contacts, ev->n_params, ev->n_skipped, ev->first_skip);
	for (uint32_t r = 0; r < ev->n_regs; r++) {
		const struct reginfo_registration *g = &ev->regs[r];

		OUT("R %.*s %.*s %d %.*s %u+%u\n", SL(g->aor), SL(g->id), g->state,
		    SL(g->wildcarded_identity), g->first_contact, g->n_contacts);
		for (uint32_t i = 0; i < g->n_contacts; i++) {
			const struct reginfo_contact *c = &ev->contacts[g->first_contact + i];

			OUT(" C %.*s %.*s %d %d %x %llu %llu %llu %llu %.*s %.*s %.*s %.*s %.*s %.*s "
			    "%llu\n",
			    SL(c->id), SL(c->uri), c->state, c->event, c->has,
			    (unsigned long long)c->expires, (unsigned long long)c->retry_after,
			    (unsigned long long)c->duration_registered, (unsigned long long)c->cseq,
			    SL(c->q), SL(c->callid), SL(c->display_name), SL(c->display_lang),
			    SL(c->pub_gruu), SL(c->temp_gruu),
			    (unsigned long long)c->temp_gruu_first_cseq);
			for (uint32_t k = 0; k < c->n_params; k++)
				OUT("  P %.*s=%.*s\n", SL(ev->params[c->first_param + k].name),
				    SL(ev->params[c->first_param + k].value));
		}
	}
#undef SL
#undef OUT
}

/* Building blocks of hand-written documents. */
#define NS_RI "urn:ietf:params:xml:ns:reginfo"
#define RI_OPEN "<reginfo xmlns=\"" NS_RI "\" version=\"1\" state=\"full\">"
#define RI_CLOSE "</reginfo>"
#define REG_OPEN "<registration aor=\"sip:a@example.net\" id=\"r1\" state=\"active\">"
#define REG_CLOSE "</registration>"
#define C_OPEN "<contact id=\"c1\" state=\"active\" event=\"registered\">"
#define C_CLOSE "</contact>"
#define URI_ "<uri>sip:a@192.0.2.1</uri>"
/* One registration with the given contacts. */
#define DOC_REG(x) RI_OPEN REG_OPEN x REG_CLOSE RI_CLOSE
/* One registration with one contact with the given children. */
#define DOC_C(x) DOC_REG(C_OPEN x C_CLOSE)

#define IMEI1 "\"<urn:gsma:imei:35332510-123456-9>\""
#define ICSI_ALL                                                               \
	"\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel,"                         \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg,"                     \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg,"                \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.deferred,"                \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session,"                 \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.filetransfer,"            \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.systemmsg\""
#define ICSI_SECONDARY                                                         \
	"\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg,"                   \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg,"                \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session,"                 \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.filetransfer\""

/* ---- corpus ----------------------------------------------------------- */

/* Every body of every datagram: result code and shape. */
static void
test_corpus_all(void)
{
	static const struct {
		const char *file;
		enum reginfo_err err;
		uint32_t version, regs, contacts, params;
		enum reginfo_doc_state state;
	} t[] = {
		{ "001-rfc3680-s5.3-full-example/request.sip",
		  REGINFO_ERR_OK, 0, 1, 2, 0, REGINFO_DOC_FULL },
		{ "002-rfc3680-s6-callflow-init-then-partial/01.sip",
		  REGINFO_ERR_OK, 0, 1, 0, 0, REGINFO_DOC_FULL },
		{ "002-rfc3680-s6-callflow-init-then-partial/02.sip",
		  REGINFO_ERR_OK, 1, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "004-partial-adds-secondary-device/01.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 4, REGINFO_DOC_FULL },
		{ "004-partial-adds-secondary-device/02.sip",
		  REGINFO_ERR_OK, 1, 1, 1, 2, REGINFO_DOC_PARTIAL },
		{ "005-refreshed-then-shortened/01.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 4, REGINFO_DOC_FULL },
		{ "005-refreshed-then-shortened/02.sip",
		  REGINFO_ERR_OK, 1, 1, 1, 4, REGINFO_DOC_PARTIAL },
		{ "005-refreshed-then-shortened/03.sip",
		  REGINFO_ERR_OK, 2, 1, 1, 4, REGINFO_DOC_PARTIAL },
		{ "007-stale-version-discarded/01.sip",
		  REGINFO_ERR_OK, 5, 1, 1, 0, REGINFO_DOC_FULL },
		{ "007-stale-version-discarded/02.sip",
		  REGINFO_ERR_OK, 6, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "007-stale-version-discarded/03.sip",
		  REGINFO_ERR_OK, 4, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "009-version-gap-then-full-resync/01.sip",
		  REGINFO_ERR_OK, 0, 1, 2, 0, REGINFO_DOC_FULL },
		{ "009-version-gap-then-full-resync/02.sip",
		  REGINFO_ERR_OK, 3, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "009-version-gap-then-full-resync/03.sip",
		  REGINFO_ERR_OK, 4, 1, 2, 0, REGINFO_DOC_FULL },
		{ "010-full-state-drops-unlisted-registration/01.sip",
		  REGINFO_ERR_OK, 0, 2, 2, 0, REGINFO_DOC_FULL },
		{ "010-full-state-drops-unlisted-registration/02.sip",
		  REGINFO_ERR_OK, 1, 1, 1, 0, REGINFO_DOC_FULL },
		{ "013-terminated-timeout-empty-body-then-481/01.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 0, REGINFO_DOC_FULL },
		{ "013-terminated-timeout-empty-body-then-481/02.sip",
		  REGINFO_ERR_EMPTY, 0, 0, 0, 0, REGINFO_DOC_FULL },
		{ "013-terminated-timeout-empty-body-then-481/03.sip",
		  REGINFO_ERR_OK, 1, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "015-udp-retransmission-same-branch/01.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 0, REGINFO_DOC_FULL },
		{ "015-udp-retransmission-same-branch/02.sip",
		  REGINFO_ERR_OK, 1, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "015-udp-retransmission-same-branch/03.sip",
		  REGINFO_ERR_OK, 2, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "015-udp-retransmission-same-branch/04.sip",
		  REGINFO_ERR_OK, 1, 1, 1, 0, REGINFO_DOC_PARTIAL },
		{ "020-rfc5628-implicit-registration-gruu/request.sip",
		  REGINFO_ERR_OK, 1, 3, 3, 3, REGINFO_DOC_FULL },
		{ "024-kamailio-scscf-two-devices/request.sip",
		  REGINFO_ERR_OK, 2, 2, 4, 12, REGINFO_DOC_FULL },
		{ "032-primary-phone-tablet-pc/request.sip",
		  REGINFO_ERR_OK, 0, 2, 6, 36, REGINFO_DOC_FULL },
		{ "040-compact-header-forms/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		{ "042-multiple-via-rport/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		{ "044-fqdn-via-no-rport-port-5060/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		/* 046/047 are answered 415/489 before the body is looked at; as a
		 * reginfo document a PIDF body has the wrong root. */
		{ "046-wrong-content-type-415/request.sip",
		  REGINFO_ERR_ROOT, 0, 0, 0, 0, REGINFO_DOC_FULL },
		{ "047-wrong-event-489/request.sip",
		  REGINFO_ERR_ROOT, 0, 0, 0, 0, REGINFO_DOC_FULL },
		{ "049-missing-call-id-400/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		{ "053-content-length-larger-than-body-400/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		{ "056-no-content-length-udp/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		{ "057-truncated-xml-400/request.sip",
		  REGINFO_ERR_NOT_WELL_FORMED, 0, 0, 0, 0, REGINFO_DOC_FULL },
		{ "058-billion-laughs-400/request.sip",
		  REGINFO_ERR_DTD, 0, 0, 0, 0, REGINFO_DOC_FULL },
		{ "062-namespace-prefixed-elements/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		{ "066-missing-required-attributes-skipped/request.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 2, REGINFO_DOC_FULL },
		{ "076-empty-body-active-no-change/01.sip",
		  REGINFO_ERR_OK, 0, 1, 1, 0, REGINFO_DOC_FULL },
		{ "076-empty-body-active-no-change/02.sip",
		  REGINFO_ERR_EMPTY, 0, 0, 0, 0, REGINFO_DOC_FULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct reginfo_event *ev = NULL;
		enum reginfo_err err = parse_corpus(t[i].file, &ev);

		if (err != t[i].err)
			fprintf(stderr, "%s: %s (%s)\n", t[i].file, reginfo_err_str(err),
				reginfo_parser_errmsg(P));
		CHECK_INT(err, t[i].err);
		CHECK(ev != NULL);
		if (ev == NULL)
			continue;
		CHECK_INT(ev->n_regs, t[i].regs);
		CHECK_INT(ev->n_contacts, t[i].contacts);
		CHECK_INT(ev->n_params, t[i].params);
		if (err == REGINFO_ERR_OK) {
			CHECK_INT(ev->version, t[i].version);
			CHECK_INT(ev->state, t[i].state);
			/* 066 is the only corpus body with skipped parts (test_corpus_066). */
			if (strncmp(t[i].file, "066", 3) != 0) {
				CHECK_INT(ev->n_skipped, 0);
				CHECK_INT(ev->first_skip, REGINFO_ERR_OK);
			}
			CHECK(reginfo_parser_errmsg(P)[0] == '\0');
		} else {
			CHECK(reginfo_parser_errmsg(P)[0] != '\0');
		}
	}
}

/* 001: RFC 3680 5.3. expect.json keeps only contact 76 (77 is terminated). */
static void
test_corpus_001(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_registration *r;
	const struct reginfo_contact *c;

	CHECK_INT(parse_corpus("001-rfc3680-s5.3-full-example/request.sip", &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->version, 0);
	CHECK_INT(ev->state, REGINFO_DOC_FULL);
	r = find_reg(ev, "sip:user@example.com");
	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_SLICE(r->id, "as9");
	CHECK_INT(r->state, REGINFO_REG_ACTIVE);
	CHECK_ABSENT(r->wildcarded_identity);
	CHECK_INT(r->n_contacts, 2);
	c = find_contact(ev, r, "76");
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_SLICE(c->uri, "sip:user@pc887.example.com");
		CHECK_INT(c->state, REGINFO_CONTACT_ACTIVE);
		CHECK_INT(c->event, REGINFO_EV_REGISTERED);
		CHECK_INT(c->has, REGINFO_HAS_DURATION);
		CHECK_INT(c->duration_registered, 7322);
		CHECK_SLICE(c->q, "0.8");
		CHECK_ABSENT(c->callid);
		CHECK_ABSENT(c->display_name);
		CHECK_ABSENT(c->pub_gruu);
		CHECK_ABSENT(c->temp_gruu);
		CHECK_INT(c->n_params, 0);
	}
	c = find_contact(ev, r, "77");
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_SLICE(c->uri, "sip:user@university.edu");
		CHECK_INT(c->state, REGINFO_CONTACT_TERMINATED);
		CHECK_INT(c->event, REGINFO_EV_EXPIRED);
		CHECK_INT(c->duration_registered, 3600);
		CHECK_SLICE(c->q, "0.5");
	}
}

/* 002: init registration with no contact, then a partial adding one. */
static void
test_corpus_002(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_registration *r;
	const struct reginfo_contact *c;

	CHECK_INT(parse_corpus("002-rfc3680-s6-callflow-init-then-partial/01.sip", &ev),
		  REGINFO_ERR_OK);
	r = find_reg(ev, "sip:joe@example.com");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_SLICE(r->id, "a7");
		CHECK_INT(r->state, REGINFO_REG_INIT);
		CHECK_INT(r->n_contacts, 0);
	}
	CHECK_INT(parse_corpus("002-rfc3680-s6-callflow-init-then-partial/02.sip", &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->version, 1);
	CHECK_INT(ev->state, REGINFO_DOC_PARTIAL);
	r = find_reg(ev, "sip:joe@example.com");
	CHECK(r != NULL);
	if (r != NULL)
		CHECK_INT(r->state, REGINFO_REG_ACTIVE);
	c = find_contact(ev, r, "76");
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_SLICE(c->uri, "sip:joe@pc34.example.com");
		CHECK_INT(c->event, REGINFO_EV_REGISTERED);
		CHECK_INT(c->has, REGINFO_HAS_DURATION);
		CHECK_INT(c->duration_registered, 0);
		CHECK_ABSENT(c->q);
	}
}

/* 004: phone (IMEI, smsip, every CPM ICSI) then a partial adding a PC. */
static void
test_corpus_004(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_registration *r;
	const struct reginfo_contact *c;

	CHECK_INT(parse_corpus("004-partial-adds-secondary-device/01.sip", &ev), REGINFO_ERR_OK);
	r = find_reg(ev, "sip:+12025550101@ims.example.net");
	CHECK(r != NULL);
	if (r != NULL)
		CHECK_SLICE(r->id, "0x7f1a2b3c4000");
	c = find_contact(ev, r, "0x7f1a2b3c4d50");
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_SLICE(c->uri, "sip:+12025550101@10.45.0.2:5060");
		CHECK_INT(c->event, REGINFO_EV_REGISTERED);
		CHECK_INT(c->has, REGINFO_HAS_EXPIRES);
		CHECK_INT(c->expires, 3600);
		CHECK_INT(c->n_params, 4);
		/* expect.json instance urn:gsma:imei:35332510-123456-9 comes from this. */
		CHECK_SLICE(param(ev, c, "+sip.instance"), IMEI1);
		CHECK_SLICE(param(ev, c, "+g.3gpp.smsip"), "");
		CHECK_SLICE(param(ev, c, "+g.3gpp.icsi-ref"), ICSI_ALL);
		CHECK_SLICE(param(ev, c, "video"), "");
		/* Document order is kept. */
		CHECK_SLICE(ev->params[c->first_param].name, "+sip.instance");
		CHECK_SLICE(ev->params[c->first_param + 3].name, "video");
	}
	CHECK_INT(parse_corpus("004-partial-adds-secondary-device/02.sip", &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->state, REGINFO_DOC_PARTIAL);
	r = find_reg(ev, "sip:+12025550101@ims.example.net");
	c = find_contact(ev, r, "0x7f1a2b3c4e90");
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_SLICE(c->uri, "sip:+12025550101@10.45.0.77:5060;transport=udp");
		CHECK_INT(c->expires, 3600);
		CHECK_SLICE(param(ev, c, "+sip.instance"),
			    "\"<urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b>\"");
		CHECK_SLICE(param(ev, c, "+g.3gpp.icsi-ref"), ICSI_SECONDARY);
		CHECK_ABSENT(param(ev, c, "+g.3gpp.smsip"));
	}
}

/* 020: RFC 5628 8.2, three AORs, pub-gruu/temp-gruu, <uri> wrapped in white space. */
static void
test_corpus_020(void)
{
	static const struct {
		const char *aor, *id, *cid, *event_pub, *temp;
		enum reginfo_contact_event ev;
	} t[] = {
		{ "sip:user_aor_1@example.net", "a7", "92",
		  "sip:user_aor_1@example.net;gr=hha9s8d-999a", "sip:8ffkas08af7fasklzi9@example.net;gr",
		  REGINFO_EV_REGISTERED },
		{ "sip:user_aor_2@example.net", "a8", "93",
		  "sip:user_aor_2@example.net;gr=hha9s8d-999b", "sip:07hcovy36vp6vngvbia@example.net;gr",
		  REGINFO_EV_CREATED },
		{ "sip:+358504821437@example.net;user=phone", "a9", "94",
		  "sip:+358504821437@example.net;user=phone;gr=hha9s8d-999c",
		  "sip:h99egjbv17fe8ibvlka@example.net;gr", REGINFO_EV_CREATED },
	};
	const struct reginfo_event *ev;

	CHECK_INT(parse_corpus("020-rfc5628-implicit-registration-gruu/request.sip", &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->version, 1);
	for (size_t i = 0; i < 3; i++) {
		const struct reginfo_registration *r = find_reg(ev, t[i].aor);
		const struct reginfo_contact *c = find_contact(ev, r, t[i].cid);

		CHECK(r != NULL && c != NULL);
		if (r == NULL || c == NULL)
			continue;
		CHECK_SLICE(r->id, t[i].id);
		CHECK_INT(r->state, REGINFO_REG_ACTIVE);
		CHECK_SLICE(c->uri, "sip:ua.example.com");
		CHECK_INT(c->event, t[i].ev);
		CHECK_INT(c->has, REGINFO_HAS_EXPIRES | REGINFO_HAS_DURATION | REGINFO_HAS_CSEQ |
					  REGINFO_HAS_TEMP_GRUU_CSEQ);
		CHECK_INT(c->expires, 3599);
		CHECK_INT(c->duration_registered, 1);
		CHECK_SLICE(c->callid, "faif9a@ua.example.com");
		CHECK_INT(c->cseq, 23001);
		CHECK_SLICE(c->pub_gruu, t[i].event_pub);
		CHECK_SLICE(c->temp_gruu, t[i].temp);
		CHECK_INT(c->temp_gruu_first_cseq, 54301);
		CHECK_SLICE(param(ev, c, "+sip.instance"),
			    "\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"");
	}
}

/* 024: Kamailio S-CSCF, pointer ids, one contact id under two AORs, q="0.500". */
static void
test_corpus_024(void)
{
	static const char *const aors[] = {
		"tel:+12025550124", "sip:+12025550124@ims.mnc001.mcc001.3gppnetwork.org"
	};
	static const char *const rids[] = { "0x7f8844b8f5a8", "0x7f8844b8f6c0" };
	const struct reginfo_event *ev;

	CHECK_INT(parse_corpus("024-kamailio-scscf-two-devices/request.sip", &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->version, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct reginfo_registration *r = find_reg(ev, aors[i]);
		const struct reginfo_contact *phone = find_contact(ev, r, "0x7f8844b9e9e0");
		const struct reginfo_contact *pc = find_contact(ev, r, "0x7f8844ba0a10");

		CHECK(r != NULL && phone != NULL && pc != NULL);
		if (r == NULL || phone == NULL || pc == NULL)
			continue;
		CHECK_SLICE(r->id, rids[i]);
		CHECK_SLICE(phone->uri, "sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923");
		CHECK_INT(phone->expires, 600000);
		CHECK_ABSENT(phone->q);
		CHECK_SLICE(param(ev, phone, "+sip.instance"), "\"<urn:gsma:imei:86753009-654321-8>\"");
		CHECK_SLICE(param(ev, phone, "+g.3gpp.icsi-ref"),
			    "\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"");
		CHECK_SLICE(param(ev, phone, "+g.3gpp.smsip"), "");
		CHECK_SLICE(param(ev, phone, "video"), "");
		CHECK_SLICE(pc->uri, "sip:8a8d3c21@10.0.2.15:5060");
		CHECK_INT(pc->expires, 3600);
		CHECK_SLICE(pc->q, "0.500");
		CHECK_INT(pc->n_params, 2);
		CHECK_SLICE(param(ev, pc, "+sip.instance"),
			    "\"<urn:uuid:7d1e5c2a-0b9f-4c3e-8a6d-5f4e3d2c1b0a>\"");
	}
}

/* 032: phone, tablet and PC under sip: and tel: AORs, with pub-gruus. */
static void
test_corpus_032(void)
{
	static const struct {
		const char *aor, *cid, *uri, *callid, *gr;
		uint64_t cseq;
		uint32_t n_params;
	} t[] = {
		{ "sip:+12025550101@ims.example.net", "980", "sip:+12025550101@10.45.0.2:5060",
		  "reg-980@device", "urn:gsma:imei:35332510-123456-9", 11, 9 },
		{ "sip:+12025550101@ims.example.net", "981", "sip:+12025550101@10.45.0.77:5060",
		  "reg-981@device", "urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b", 4, 6 },
		{ "sip:+12025550101@ims.example.net", "982",
		  "sip:+12025550101@203.0.113.90:61022;transport=udp", "reg-982@device",
		  "urn:uuid:c0ffee00-1d2c-4b3a-8e9f-0a1b2c3d4e5f", 2, 3 },
		{ "tel:+12025550101", "983", "sip:+12025550101@10.45.0.2:5060", "reg-983@device",
		  "urn:gsma:imei:35332510-123456-9", 11, 9 },
		{ "tel:+12025550101", "984", "sip:+12025550101@10.45.0.77:5060", "reg-984@device",
		  "urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b", 4, 6 },
		{ "tel:+12025550101", "985", "sip:+12025550101@203.0.113.90:61022;transport=udp",
		  "reg-985@device", "urn:uuid:c0ffee00-1d2c-4b3a-8e9f-0a1b2c3d4e5f", 2, 3 },
	};
	const struct reginfo_event *ev;
	char gr[160];

	CHECK_INT(parse_corpus("032-primary-phone-tablet-pc/request.sip", &ev), REGINFO_ERR_OK);
	CHECK_SLICE(find_reg(ev, "sip:+12025550101@ims.example.net")->id, "a100");
	CHECK_SLICE(find_reg(ev, "tel:+12025550101")->id, "a101");
	for (size_t i = 0; i < 6; i++) {
		const struct reginfo_registration *r = find_reg(ev, t[i].aor);
		const struct reginfo_contact *c = find_contact(ev, r, t[i].cid);

		CHECK(c != NULL);
		if (c == NULL)
			continue;
		CHECK_SLICE(c->uri, t[i].uri);
		CHECK_INT(c->event, i < 3 ? REGINFO_EV_REGISTERED : REGINFO_EV_CREATED);
		CHECK_INT(c->expires, 3600);
		CHECK_SLICE(c->callid, t[i].callid);
		CHECK_INT(c->cseq, t[i].cseq);
		CHECK_INT(c->has, REGINFO_HAS_EXPIRES | REGINFO_HAS_CSEQ);
		snprintf(gr, sizeof(gr), "sip:+12025550101@ims.example.net;gr=%s", t[i].gr);
		CHECK_SLICE(c->pub_gruu, gr);
		CHECK_ABSENT(c->temp_gruu);
		CHECK_INT(c->n_params, t[i].n_params);
	}
	{
		const struct reginfo_contact *phone =
			find_contact(ev, find_reg(ev, "tel:+12025550101"), "983");
		const struct reginfo_contact *tablet =
			find_contact(ev, find_reg(ev, "tel:+12025550101"), "984");

		CHECK_SLICE(param(ev, phone, "+g.gsma.rcs.telephony"), "\"cs,volte\"");
		CHECK_SLICE(param(ev, phone, "+g.3gpp.smsip"), "");
		CHECK_SLICE(param(ev, phone, "reg-id"), "1");
		CHECK_SLICE(param(ev, phone, "+g.3gpp.iari-ref"),
			    "\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp,"
			    "urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.ftsms\"");
		CHECK_SLICE(param(ev, tablet, "+g.gsma.rcs.telephony"), "\"none\"");
		CHECK_ABSENT(param(ev, tablet, "+g.3gpp.smsip"));
	}
}

/* 057 truncated, 058 billion laughs: refused, and 058 fast and small. */
static void
test_corpus_bad(void)
{
	const struct reginfo_event *ev;
	size_t before;
	double t0, dt;

	CHECK_INT(parse_corpus("057-truncated-xml-400/request.sip", &ev),
		  REGINFO_ERR_NOT_WELL_FORMED);
	CHECK_INT(ev->n_regs, 0);
	CHECK_INT(ev->n_contacts, 0);

	before = mem_live;
	mem_peak = mem_live;
	t0 = now_ms();
	CHECK_INT(parse_corpus("058-billion-laughs-400/request.sip", &ev), REGINFO_ERR_DTD);
	dt = now_ms() - t0;
	CHECK(dt < 200.0);
	/* libxml2 copies the 1.1 KB body into a 4 KB buffer; nothing expands. */
	CHECK(mem_peak - before < 64 * 1024);
	CHECK_INT(ev->n_regs, 0);
}

/* 062: reginfo bound to a prefix, plus a default-namespace redeclaration. */
static void
test_corpus_062(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_contact *c;

	CHECK_INT(parse_corpus("062-namespace-prefixed-elements/request.sip", &ev), REGINFO_ERR_OK);
	c = find_contact(ev, find_reg(ev, "sip:+12025550150@ims.example.net"), "c1");
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(find_reg(ev, "sip:+12025550150@ims.example.net")->id, "r1");
	CHECK_SLICE(c->uri, "sip:+12025550150@10.45.0.50:5060");
	CHECK_INT(c->expires, 3600);
	CHECK_SLICE(param(ev, c, "+sip.instance"), "\"<urn:gsma:imei:35846910-482311-2>\"");
	CHECK_SLICE(param(ev, c, "+g.3gpp.smsip"), "");
}

/* 066: registration without aor; contacts without id, state, <uri>; nameless param. */
static void
test_corpus_066(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_registration *r;
	const struct reginfo_contact *c;

	CHECK_INT(parse_corpus("066-missing-required-attributes-skipped/request.sip", &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->n_regs, 1);
	CHECK_INT(ev->n_contacts, 1);
	/* noaor registration, contact without id, without state, without uri,
	 * unknown-param without name. */
	CHECK_INT(ev->n_skipped, 5);
	CHECK_INT(ev->first_skip, REGINFO_ERR_REG_AOR);
	r = find_reg(ev, "sip:+12025550150@ims.example.net");
	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_SLICE(r->id, "r1");
	CHECK_INT(r->n_contacts, 1);
	c = find_contact(ev, r, "c1");
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(c->uri, "sip:+12025550150@10.45.0.50:5060");
	CHECK_INT(c->expires, 3600);
	CHECK_INT(c->n_params, 2);
	CHECK_SLICE(param(ev, c, "+sip.instance"), "\"<urn:gsma:imei:35846910-482311-2>\"");
	CHECK_SLICE(param(ev, c, "+g.3gpp.smsip"), "");
}

/* ---- hostile documents ------------------------------------------------ */

static void
test_dtd_and_entities(void)
{
	static const struct {
		const char *doc;
		enum reginfo_err err;
	} t[] = {
		/* XXE through an internal subset. */
		{ "<?xml version=\"1.0\"?>\n<!DOCTYPE reginfo [\n"
		  "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" DOC_C(
			  "<uri>&xxe;</uri>"),
		  REGINFO_ERR_DTD },
		/* External subset. */
		{ "<!DOCTYPE reginfo SYSTEM \"file:///etc/passwd\">" DOC_C(URI_), REGINFO_ERR_DTD },
		{ "<!DOCTYPE reginfo PUBLIC \"-//x//y\" \"http://192.0.2.1/x.dtd\">" DOC_C(URI_),
		  REGINFO_ERR_DTD },
		/* External parameter entity. */
		{ "<!DOCTYPE reginfo [<!ENTITY % ext SYSTEM \"http://192.0.2.1/x.dtd\"> %ext;]>" DOC_C(
			  URI_),
		  REGINFO_ERR_DTD },
		/* Even an empty DOCTYPE. */
		{ "<!DOCTYPE reginfo>" DOC_C(URI_), REGINFO_ERR_DTD },
		{ "<!DOCTYPE reginfo []>" DOC_C(URI_), REGINFO_ERR_DTD },
		/* Without a DTD every entity but the predefined five is undefined. */
		{ DOC_C("<uri>&xxe;</uri>"), REGINFO_ERR_ENTITY },
		{ RI_OPEN "<registration aor=\"&xxe;\" id=\"r\" state=\"active\"/>" RI_CLOSE,
		  REGINFO_ERR_ENTITY },
		{ DOC_C(URI_ "<display-name>&nbsp;</display-name>"), REGINFO_ERR_ENTITY },
	};
	const struct reginfo_event *ev;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum reginfo_err err = parse_str(P, t[i].doc, &ev);

		if (err != t[i].err)
			fprintf(stderr, "dtd case %zu: %s (%s)\n", i, reginfo_err_str(err),
				reginfo_parser_errmsg(P));
		CHECK_INT(err, t[i].err);
		CHECK_INT(ev->n_regs, 0);
		CHECK(reginfo_parser_errmsg(P)[0] != '\0');
	}
}

/* Element @p depth levels deep in total: reginfo, registration, contact, then x:e. */
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

static void
test_depth(void)
{
	const struct reginfo_event *ev;
	struct reginfo_limits lim;
	struct reginfo_parser *p;
	char *d;

	d = deep_doc(32);
	CHECK_INT(parse_str(P, d, &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 1);
	free(d);
	d = deep_doc(33);
	CHECK_INT(parse_str(P, d, &ev), REGINFO_ERR_TOO_DEEP);
	CHECK_INT(ev->n_contacts, 0);
	free(d);
	/* Far deeper than libxml2's own limit: ours stops it first. */
	d = deep_doc(2000);
	CHECK_INT(parse_str(P, d, &ev), REGINFO_ERR_TOO_DEEP);
	free(d);

	reginfo_limits_default(&lim);
	lim.max_depth = 4;
	p = reginfo_parser_new(&lim);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	d = deep_doc(4);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_OK);
	free(d);
	d = deep_doc(5);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_TOO_DEEP);
	free(d);
	reginfo_parser_free(p);
}

static void
test_root(void)
{
	static const char *const docs[] = {
		"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo-bis\" version=\"0\" state=\"full\"/>",
		"<reginfo version=\"0\" state=\"full\"/>",
		"<registration xmlns=\"" NS_RI "\" aor=\"sip:a@b\" id=\"1\" state=\"active\"/>",
		"<ri:reginfo xmlns:ri=\"urn:other\" version=\"0\" state=\"full\"/>",
		/* Undeclared prefix on the root: no namespace at all. */
		"<ri:reginfo version=\"0\" state=\"full\"/>",
		"<REGINFO xmlns=\"" NS_RI "\" version=\"0\" state=\"full\"/>",
		"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"/>",
	};
	const struct reginfo_event *ev;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		CHECK_INT(parse_str(P, docs[i], &ev), REGINFO_ERR_ROOT);
		CHECK(strstr(reginfo_parser_errmsg(P), "root") != NULL);
	}
	/* Any prefix works for the right URI, and an empty document is fine. */
	CHECK_INT(parse_str(P, "<x:reginfo xmlns:x=\"" NS_RI "\" version=\"3\" state=\"partial\"/>", &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->version, 3);
	CHECK_INT(ev->state, REGINFO_DOC_PARTIAL);
	CHECK_INT(ev->n_regs, 0);
}

/* Namespaces are compared by URI: look-alikes elsewhere are ignored with their subtree. */
static void
test_foreign_namespaces(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_registration *r;
	const struct reginfo_contact *c;

	CHECK_INT(parse_str(P,
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
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->n_regs, 1);
	CHECK_INT(ev->n_contacts, 1);
	CHECK_INT(ev->n_params, 1);
	CHECK_INT(ev->n_skipped, 0);
	r = find_reg(ev, "sip:a@example.net");
	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_SLICE(r->id, "r1");
	CHECK_ABSENT(r->wildcarded_identity);
	c = find_contact(ev, r, "c1");
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(c->uri, "sip:real@192.0.2.1");
	CHECK_INT(c->has, 0);
	CHECK_SLICE(param(ev, c, "real"), "2");
	CHECK_ABSENT(c->pub_gruu);
}

/* Clearwater's <ere:wildcardedIdentity> without xmlns:ere (case 029). */
static void
test_undeclared_prefix(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_registration *r;

	CHECK_INT(parse_str(P,
			    RI_OPEN "<registration aor=\"sip:wildcardimpu@wildcard\" id=\"t\" state=\"active\">"
			    "<contact id=\"c\" state=\"active\" event=\"registered\">"
			    "<uri>sip:6505550231@192.91.191.29:59934;transport=tcp</uri></contact>"
			    "<ere:wildcardedIdentity>sip:+2670000002!.*!@gdr.clearwater.test"
			    "</ere:wildcardedIdentity>" REG_CLOSE RI_CLOSE,
			    &ev),
		  REGINFO_ERR_OK);
	r = find_reg(ev, "sip:wildcardimpu@wildcard");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_ABSENT(r->wildcarded_identity);
		CHECK_INT(r->n_contacts, 1);
	}
	/* The fixed output (sprout PR #1796) declares it. */
	CHECK_INT(parse_str(P,
			    "<reginfo xmlns=\"" NS_RI "\" xmlns:ere=\"urn:3gpp:ns:extRegExp:1.0\" "
			    "version=\"0\" state=\"full\">"
			    "<registration aor=\"sip:wildcardimpu@wildcard\" id=\"t\" state=\"active\">"
			    "<ere:wildcardedIdentity>\n  sip:+2670000002!.*!@gdr.clearwater.test\n"
			    "</ere:wildcardedIdentity>" REG_CLOSE RI_CLOSE,
			    &ev),
		  REGINFO_ERR_OK);
	r = find_reg(ev, "sip:wildcardimpu@wildcard");
	CHECK(r != NULL);
	if (r != NULL)
		CHECK_SLICE(r->wildcarded_identity, "sip:+2670000002!.*!@gdr.clearwater.test");
	/* An undeclared prefix on an attribute does not stand in for the real one. */
	CHECK_INT(parse_str(P,
			    DOC_REG("<contact ere:id=\"c9\" state=\"active\" event=\"registered\">" URI_
				    C_CLOSE C_OPEN URI_ C_CLOSE),
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 1);
	CHECK_INT(ev->n_skipped, 1);
	CHECK_INT(ev->first_skip, REGINFO_ERR_CONTACT_ID);
}

/* ---- encodings and text ----------------------------------------------- */

static void
test_encodings(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_contact *c;
	static const char bom[] = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>" DOC_C(
		URI_ "<display-name>Jos\xC3\xA9</display-name>");
	static const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" DOC_C(
		URI_ "<display-name xml:lang=\"es\">Jos\xE9 Pe\xF1" "a</display-name>");
	char utf16[1024];
	size_t n = 0;
	const char *src = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" DOC_C(URI_);

	CHECK_INT(parse_buf(P, bom, sizeof(bom) - 1, &ev), REGINFO_ERR_OK);
	c = ev->n_contacts == 1 ? &ev->contacts[0] : NULL;
	CHECK(c != NULL);
	if (c != NULL)
		CHECK_SLICE(c->display_name, "Jos\xC3\xA9");

	CHECK_INT(parse_buf(P, latin1, sizeof(latin1) - 1, &ev), REGINFO_ERR_OK);
	c = ev->n_contacts == 1 ? &ev->contacts[0] : NULL;
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_SLICE(c->display_name, "Jos\xC3\xA9 Pe\xC3\xB1" "a");
		CHECK_SLICE(c->display_lang, "es");
	}

	/* UTF-16 (RFC 3680 5.1: UTF-8 only), by BOM or by declaration. */
	utf16[n++] = '\xFF';
	utf16[n++] = '\xFE';
	for (const char *s = src; *s != '\0' && n + 2 <= sizeof(utf16); s++) {
		utf16[n++] = *s;
		utf16[n++] = '\0';
	}
	CHECK_INT(parse_buf(P, utf16, n, &ev), REGINFO_ERR_ENCODING);
	CHECK_INT(parse_buf(P, utf16 + 2, n - 2, &ev), REGINFO_ERR_ENCODING);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_ENCODING);
	/* Spellings of the two accepted ones. */
	CHECK_INT(parse_str(P, "<?xml version='1.0' encoding = 'utf-8' ?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"UTF8\" standalone=\"yes\"?>" DOC_C(
				       URI_),
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"latin1\"?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_ENCODING);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"US-ASCII\"?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_ENCODING);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"UTF-8?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_ENCODING);
	CHECK_INT(parse_str(P, "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" DOC_C(URI_),
			    &ev),
		  REGINFO_ERR_ENCODING);
	/* EBCDIC by its first bytes ("<?xm" in code page 37). */
	CHECK_INT(parse_str(P, "\x4C\x6F\xA7\x94\x93\x40", &ev), REGINFO_ERR_ENCODING);

	/* Anything that would need iconv, and unknown names, are refused. */
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"windows-1252\"?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_ENCODING);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"EBCDIC-US\"?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_ENCODING);
	CHECK_INT(parse_str(P, "<?xml version=\"1.0\" encoding=\"x-no-such\"?>" DOC_C(URI_), &ev),
		  REGINFO_ERR_ENCODING);
	/* Bytes that are not UTF-8 in a document that says nothing. */
	CHECK_INT(parse_str(P, DOC_C(URI_ "<display-name>Jos\xE9</display-name>"), &ev),
		  REGINFO_ERR_NOT_WELL_FORMED);
}

static void
test_text(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_contact *c;

	/* CDATA, entities and character references split the text; all of it is joined. */
	CHECK_INT(parse_str(P,
			    DOC_C("<uri>\n\t <![CDATA[sip:a&b@<x>]]>&amp;&#x40;&lt;y&gt;&#59;"
				  "<!-- c --><?pi x?>z \r\n</uri>"
				  "<display-name xml:lang=\"en\">  Alice  B.  </display-name>"),
			    &ev),
		  REGINFO_ERR_OK);
	c = ev->n_contacts == 1 ? &ev->contacts[0] : NULL;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(c->uri, "sip:a&b@<x>&@<y>;z");
	CHECK_SLICE(c->display_name, "Alice  B.");
	CHECK_SLICE(c->display_lang, "en");

	/* &quot; and literal quotes decode to the same value (case 030). */
	CHECK_INT(parse_str(P,
			    DOC_C(URI_ "<unknown-param name=\"a\">&quot;&lt;urn:x&gt;&quot;</unknown-param>"
				       "<unknown-param name=\"b\">\"&lt;urn:x&gt;\"</unknown-param>"
				       "<unknown-param name=\"c\"/>"
				       "<unknown-param name=\"d\">   </unknown-param>"),
			    &ev),
		  REGINFO_ERR_OK);
	c = ev->n_contacts == 1 ? &ev->contacts[0] : NULL;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(param(ev, c, "a"), "\"<urn:x>\"");
	CHECK(slice_eq(param(ev, c, "a"), param(ev, c, "b")));
	/* No content: present and empty. */
	CHECK_SLICE(param(ev, c, "c"), "");
	CHECK_SLICE(param(ev, c, "d"), "");
	CHECK_ABSENT(c->display_name);

	/* Child elements inside text are skipped; their text is not taken. */
	CHECK_INT(parse_str(P,
			    DOC_C("<uri>sip:a<x:b xmlns:x=\"urn:x\">junk<c>more</c></x:b>@c</uri>"
				  "<uri>sip:second@c</uri><display-name/>"),
			    &ev),
		  REGINFO_ERR_OK);
	c = ev->n_contacts == 1 ? &ev->contacts[0] : NULL;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(c->uri, "sip:a@c");
	CHECK_SLICE(c->display_name, "");
	CHECK_ABSENT(c->display_lang);

	/* Attribute values: entities decoded, white space of an anyURI trimmed. */
	CHECK_INT(parse_str(P,
			    RI_OPEN "<registration aor=\" sip:a&amp;b@x \" id=\"&lt;i&gt;\" state=\"active\">"
			    "<contact id=\"&lt;urn:uuid:1&gt;\" state=\"active\" event=\"registered\" "
			    "callid=\"a&quot;b\" q=\" 0.5\">" URI_ C_CLOSE REG_CLOSE RI_CLOSE,
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->n_regs, 1);
	CHECK_SLICE(ev->regs[0].aor, "sip:a&b@x");
	CHECK_SLICE(ev->regs[0].id, "<i>");
	CHECK_INT(ev->n_contacts, 1);
	CHECK_SLICE(ev->contacts[0].id, "<urn:uuid:1>");
	CHECK_SLICE(ev->contacts[0].callid, "a\"b");
	CHECK_SLICE(ev->contacts[0].q, " 0.5");
	/* libxml2 passes '&' in attributes as "&#38;"; a literal "&#38;" stays. */
	CHECK_INT(parse_str(P,
			    RI_OPEN "<registration aor=\"sip:&#38;&amp;#38;&#x26;\" id=\"&amp;amp;\" "
			    "state=\"init\"/>" RI_CLOSE,
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_SLICE(ev->regs[0].aor, "sip:&&#38;&");
	CHECK_SLICE(ev->regs[0].id, "&amp;");
}

/* Kamailio pua_reginfo's unqualified extras, comments, PIs, no declaration. */
static void
test_lenient(void)
{
	const struct reginfo_event *ev;

	CHECK_INT(parse_str(P,
			    "<!-- leading comment --><?app data?>\n"
			    "<reginfo xmlns=\"" NS_RI "\" version=\"7\" state=\"partial\" extra=\"1\">"
			    "<registration aor=\"sip:a@example.net\" id=\"r1\" state=\"terminated\"/>"
			    "<registration aor=\"sip:b@example.net\" id=\"r2\" state=\"active\" foo=\"x\">"
			    "<contact id=\"c1\" state=\"active\" event=\"registered\" received=\"sip:1.2.3.4\" "
			    "path=\"&lt;sip:p&gt;\" user_agent=\"UA/1\">" URI_
			    "<future xmlns=\"" NS_RI "\">x</future></contact>"
			    "<unknown xmlns=\"" NS_RI "\"/>"
			    "</registration></reginfo>\n<!-- trailing -->\n",
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->version, 7);
	CHECK_INT(ev->state, REGINFO_DOC_PARTIAL);
	CHECK_INT(ev->n_regs, 2);
	CHECK_INT(ev->regs[0].state, REGINFO_REG_TERMINATED);
	CHECK_INT(ev->regs[0].n_contacts, 0);
	CHECK_INT(ev->regs[1].n_contacts, 1);
	CHECK_INT(ev->regs[1].first_contact, 0);
	CHECK_SLICE(ev->contacts[0].uri, "sip:a@192.0.2.1");
}

/* ---- attributes, numbers, skips --------------------------------------- */

static void
test_version_state(void)
{
	static const struct {
		const char *attrs;
		enum reginfo_err err;
		uint32_t version;
	} t[] = {
		{ "version=\"0\" state=\"full\"", REGINFO_ERR_OK, 0 },
		{ "version=\"4294967295\" state=\"full\"", REGINFO_ERR_OK, 4294967295u },
		{ "version=\" 7 \" state=\"full\"", REGINFO_ERR_OK, 7 },
		{ "version=\"007\" state=\"full\"", REGINFO_ERR_OK, 7 },
		{ "state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"abc\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"4294967296\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"99999999999999999999999\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"-1\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"+1\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"1.0\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
		{ "version=\"1\" state=\"both\"", REGINFO_ERR_STATE, 0 },
		{ "version=\"1\"", REGINFO_ERR_STATE, 0 },
		{ "version=\"1\" state=\"FULL\"", REGINFO_ERR_STATE, 0 },
		{ "version=\"1\" state=\" full\"", REGINFO_ERR_STATE, 0 },
		{ "version=\"1\" state=\"\"", REGINFO_ERR_STATE, 0 },
		/* A prefixed look-alike is not the attribute. */
		{ "xmlns:o=\"urn:o\" o:version=\"1\" state=\"full\"", REGINFO_ERR_VERSION, 0 },
	};
	char doc[512];
	const struct reginfo_event *ev;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum reginfo_err err;

		snprintf(doc, sizeof(doc), "<reginfo xmlns=\"" NS_RI "\" %s>" REG_OPEN C_OPEN URI_ C_CLOSE
					   REG_CLOSE RI_CLOSE,
			 t[i].attrs);
		err = parse_str(P, doc, &ev);
		if (err != t[i].err)
			fprintf(stderr, "version/state case %zu: %s\n", i, reginfo_err_str(err));
		CHECK_INT(err, t[i].err);
		if (t[i].err == REGINFO_ERR_OK) {
			CHECK_INT(ev->version, t[i].version);
			CHECK_INT(ev->n_contacts, 1);
		} else {
			CHECK_INT(ev->n_regs, 0);
			CHECK_INT(ev->n_contacts, 0);
		}
	}
}

static void
test_numbers(void)
{
	static const struct {
		const char *attrs;
		bool kept;
	} t[] = {
		{ "expires=\"18446744073709551615\"", true },
		{ "expires=\"18446744073709551616\"", false },
		{ "expires=\"99999999999999999999\"", false },
		{ "expires=\"-5\"", false },
		{ "expires=\"12abc\"", false },
		{ "expires=\"\"", false },
		{ "expires=\" 60 \"", true },
		{ "retry-after=\"x\"", false },
		{ "retry-after=\"30\"", true },
		{ "duration-registered=\"1e3\"", false },
		{ "duration-registered=\"0\"", true },
		{ "cseq=\"0x10\"", false },
		{ "cseq=\"18446744073709551615\"", true },
	};
	char doc[1024];
	const struct reginfo_event *ev;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(doc, sizeof(doc),
			 DOC_REG("<contact id=\"c1\" state=\"active\" event=\"registered\" %s>" URI_
					 "<unknown-param name=\"p\"/>" C_CLOSE),
			 t[i].attrs);
		CHECK_INT(parse_str(P, doc, &ev), REGINFO_ERR_OK);
		CHECK_INT(ev->n_contacts, t[i].kept ? 1 : 0);
		CHECK_INT(ev->n_params, t[i].kept ? 1 : 0);
		CHECK_INT(ev->n_skipped, t[i].kept ? 0 : 1);
		CHECK_INT(ev->first_skip, t[i].kept ? REGINFO_ERR_OK : REGINFO_ERR_CONTACT_NUMBER);
	}
	CHECK_INT(parse_str(P,
			    DOC_REG("<contact id=\"c1\" state=\"active\" event=\"probation\" "
				    "expires=\"18446744073709551615\" retry-after=\"120\" "
				    "duration-registered=\"5\" cseq=\"9\">" URI_ C_CLOSE),
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 1);
	CHECK(ev->contacts[0].expires == UINT64_MAX);
	CHECK_INT(ev->contacts[0].retry_after, 120);
	CHECK_INT(ev->contacts[0].duration_registered, 5);
	CHECK_INT(ev->contacts[0].cseq, 9);
	CHECK_INT(ev->contacts[0].event, REGINFO_EV_PROBATION);
	CHECK_INT(ev->contacts[0].has, REGINFO_HAS_EXPIRES | REGINFO_HAS_RETRY_AFTER |
					       REGINFO_HAS_DURATION | REGINFO_HAS_CSEQ);
}

static void
test_gruu(void)
{
	const struct reginfo_event *ev;
	const struct reginfo_contact *c;

#define GR "xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\""
	/* cseq accepted for first-cseq on temp-gruu; first one of each wins. */
	CHECK_INT(parse_str(P,
			    DOC_C(URI_ "<gr:pub-gruu " GR " uri=\" sip:a@x;gr=urn:uuid:1 \"/>"
				       "<gr:pub-gruu " GR " uri=\"sip:second@x;gr\"/>"
				       "<gr:temp-gruu " GR " uri=\"sip:t@x;gr\" cseq=\"77\"/>"),
			    &ev),
		  REGINFO_ERR_OK);
	c = ev->n_contacts == 1 ? &ev->contacts[0] : NULL;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(c->pub_gruu, "sip:a@x;gr=urn:uuid:1");
	CHECK_SLICE(c->temp_gruu, "sip:t@x;gr");
	CHECK_INT(c->temp_gruu_first_cseq, 77);
	CHECK_INT(c->has, REGINFO_HAS_TEMP_GRUU_CSEQ);

	/* Without first-cseq: no HAS bit. Without uri: the element is ignored. */
	CHECK_INT(parse_str(P,
			    DOC_C(URI_ "<gr:temp-gruu " GR " uri=\"sip:t@x;gr\"/>"
				       "<gr:pub-gruu " GR "/>"),
			    &ev),
		  REGINFO_ERR_OK);
	c = ev->n_contacts == 1 ? &ev->contacts[0] : NULL;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_SLICE(c->temp_gruu, "sip:t@x;gr");
	CHECK_INT(c->has, 0);
	CHECK_ABSENT(c->pub_gruu);

	/* A bad first-cseq drops the contact, found after its params: all rolled back. */
	CHECK_INT(parse_str(P,
			    DOC_REG(C_OPEN URI_ "<unknown-param name=\"a\">1</unknown-param>"
					    "<gr:temp-gruu " GR " uri=\"sip:t@x;gr\" first-cseq=\"-1\"/>"
					    "<unknown-param name=\"b\">2</unknown-param>" C_CLOSE
				    "<contact id=\"c2\" state=\"active\" event=\"registered\">"
				    "<uri>sip:b@x</uri><unknown-param name=\"z\">9</unknown-param>" C_CLOSE),
			    &ev),
		  REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 1);
	CHECK_INT(ev->n_params, 1);
	CHECK_INT(ev->n_skipped, 1);
	CHECK_INT(ev->first_skip, REGINFO_ERR_CONTACT_NUMBER);
	CHECK_INT(ev->regs[0].n_contacts, 1);
	CHECK_SLICE(ev->contacts[0].id, "c2");
	CHECK_INT(ev->contacts[0].first_param, 0);
	CHECK_SLICE(param(ev, &ev->contacts[0], "z"), "9");
#undef GR
}

static void
test_skips(void)
{
	static const struct {
		const char *body;
		enum reginfo_err first;
		uint32_t skipped, regs, contacts;
	} t[] = {
		{ "<registration id=\"r\" state=\"active\">" C_OPEN URI_ C_CLOSE REG_CLOSE,
		  REGINFO_ERR_REG_AOR, 1, 0, 0 },
		{ "<registration aor=\"  \" id=\"r\" state=\"active\"/>", REGINFO_ERR_REG_AOR, 1, 0, 0 },
		{ "<registration aor=\"sip:a@b\" state=\"active\"/>", REGINFO_ERR_REG_ID, 1, 0, 0 },
		{ "<registration aor=\"sip:a@b\" id=\"\" state=\"active\"/>", REGINFO_ERR_REG_ID, 1, 0, 0 },
		{ "<registration aor=\"sip:a@b\" id=\"r\"/>", REGINFO_ERR_REG_STATE, 1, 0, 0 },
		{ "<registration aor=\"sip:a@b\" id=\"r\" state=\"Active\"/>", REGINFO_ERR_REG_STATE, 1, 0, 0 },
		{ REG_OPEN "<contact state=\"active\" event=\"registered\">" URI_ C_CLOSE REG_CLOSE,
		  REGINFO_ERR_CONTACT_ID, 1, 1, 0 },
		{ REG_OPEN "<contact id=\"c\" state=\"pending\" event=\"registered\">" URI_ C_CLOSE REG_CLOSE,
		  REGINFO_ERR_CONTACT_STATE, 1, 1, 0 },
		{ REG_OPEN "<contact id=\"c\" state=\"active\">" URI_ C_CLOSE REG_CLOSE,
		  REGINFO_ERR_CONTACT_EVENT, 1, 1, 0 },
		{ REG_OPEN "<contact id=\"c\" state=\"active\" event=\"bogus\">" URI_ C_CLOSE REG_CLOSE,
		  REGINFO_ERR_CONTACT_EVENT, 1, 1, 0 },
		{ REG_OPEN C_OPEN C_CLOSE REG_CLOSE, REGINFO_ERR_CONTACT_URI, 1, 1, 0 },
		{ REG_OPEN C_OPEN "<uri> \n </uri>" C_CLOSE REG_CLOSE, REGINFO_ERR_CONTACT_URI, 1, 1, 0 },
		{ REG_OPEN C_OPEN URI_ "<unknown-param>nameless</unknown-param>"
			  "<unknown-param name=\"\">x</unknown-param>" C_CLOSE REG_CLOSE,
		  REGINFO_ERR_PARAM_NAME, 2, 1, 1 },
		/* Several: the first in document order is reported. */
		{ REG_OPEN "<contact id=\"c\" state=\"active\" event=\"x\">" URI_ C_CLOSE
			  "<contact state=\"active\" event=\"registered\">" URI_ C_CLOSE C_OPEN URI_ C_CLOSE
				  REG_CLOSE "<registration aor=\"sip:z@b\" id=\"z\"/>",
		  REGINFO_ERR_CONTACT_EVENT, 3, 1, 1 },
	};
	char doc[2048];
	const struct reginfo_event *ev;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(doc, sizeof(doc), RI_OPEN "%s" RI_CLOSE, t[i].body);
		CHECK_INT(parse_str(P, doc, &ev), REGINFO_ERR_OK);
		if (ev->first_skip != t[i].first)
			fprintf(stderr, "skip case %zu\n", i);
		CHECK_INT(ev->first_skip, t[i].first);
		CHECK_INT(ev->n_skipped, t[i].skipped);
		CHECK_INT(ev->n_regs, t[i].regs);
		CHECK_INT(ev->n_contacts, t[i].contacts);
	}
	/* Every event value. */
	for (int e = 0; e < REGINFO_EV__COUNT; e++) {
		snprintf(doc, sizeof(doc),
			 DOC_REG("<contact id=\"c\" state=\"terminated\" event=\"%s\">" URI_ C_CLOSE),
			 reginfo_contact_event_str((enum reginfo_contact_event)e));
		CHECK_INT(parse_str(P, doc, &ev), REGINFO_ERR_OK);
		CHECK_INT(ev->n_contacts, 1);
		CHECK_INT(ev->contacts[0].event, e);
		CHECK_INT(ev->contacts[0].state, REGINFO_CONTACT_TERMINATED);
	}
}

/* ---- limits ----------------------------------------------------------- */

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

static void
test_caps(void)
{
	struct reginfo_limits lim;
	struct reginfo_parser *p;
	const struct reginfo_event *ev;
	char *d;

	reginfo_limits_default(&lim);
	lim.max_registrations = 3;
	lim.max_contacts = 4;
	lim.max_params = 5;
	lim.arena_bytes = 4096;
	lim.max_doc_bytes = 16384;
	p = reginfo_parser_new(&lim);
	CHECK(p != NULL);
	if (p == NULL)
		return;

	d = many(RI_OPEN, "<registration aor=\"sip:%u@x\" id=\"r\" state=\"init\"/>", 3, RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->n_regs, 3);
	free(d);
	d = many(RI_OPEN, "<registration aor=\"sip:%u@x\" id=\"r\" state=\"init\"/>", 4, RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_TOO_MANY_REGISTRATIONS);
	CHECK_INT(ev->n_regs, 0);
	free(d);
	/* Skipped registrations take no slot. */
	d = many(RI_OPEN "<registration id=\"x\"/><registration id=\"y\"/>",
		 "<registration aor=\"sip:%u@x\" id=\"r\" state=\"init\"/>", 3, RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_OK);
	free(d);

	d = many(RI_OPEN REG_OPEN, "<contact id=\"%u\" state=\"active\" event=\"created\">" URI_ C_CLOSE,
		 4, REG_CLOSE RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 4);
	free(d);
	d = many(RI_OPEN REG_OPEN, "<contact id=\"%u\" state=\"active\" event=\"created\">" URI_ C_CLOSE,
		 5, REG_CLOSE RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_TOO_MANY_CONTACTS);
	CHECK_INT(ev->n_contacts, 0);
	free(d);
	/* Contacts dropped for a missing <uri> give their slot back. */
	d = many(RI_OPEN REG_OPEN, "<contact id=\"%u\" state=\"active\" event=\"created\"/>", 10,
		 C_OPEN URI_ C_CLOSE REG_CLOSE RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 1);
	CHECK_INT(ev->n_skipped, 10);
	free(d);

	d = many(RI_OPEN REG_OPEN C_OPEN URI_, "<unknown-param name=\"p%u\"/>", 5,
		 C_CLOSE REG_CLOSE RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->n_params, 5);
	free(d);
	d = many(RI_OPEN REG_OPEN C_OPEN URI_, "<unknown-param name=\"p%u\"/>", 6,
		 C_CLOSE REG_CLOSE RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_TOO_MANY_PARAMS);
	CHECK_INT(ev->n_params, 0);
	free(d);

	/* Arena: overflowed by text (characters) and by an attribute value. */
	d = many(RI_OPEN REG_OPEN C_OPEN "<uri>", "0123456789abcdef%04u", 300,
		 "</uri>" C_CLOSE REG_CLOSE RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_ARENA_FULL);
	CHECK_INT(ev->n_contacts, 0);
	free(d);
	d = many(RI_OPEN "<registration id=\"r\" state=\"init\" aor=\"", "0123456789abcdef%04u", 300,
		 "\"/>" RI_CLOSE);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_ARENA_FULL);
	free(d);

	/* Size: checked before libxml2 sees a byte. */
	d = many(RI_OPEN, "<!-- %08u -->", 1200, RI_CLOSE);
	CHECK(strlen(d) > lim.max_doc_bytes);
	CHECK_INT(parse_str(p, d, &ev), REGINFO_ERR_TOO_LARGE);
	free(d);
	CHECK_INT(reginfo_parse(p, "", 0, &ev), REGINFO_ERR_EMPTY);
	CHECK_INT(reginfo_parse(p, NULL, 0, &ev), REGINFO_ERR_EMPTY);
	CHECK_INT(parse_str(p, "   \r\n", &ev), REGINFO_ERR_NOT_WELL_FORMED);
	CHECK_INT(parse_str(p, "NOTIFY sip:x SIP/2.0", &ev), REGINFO_ERR_NOT_WELL_FORMED);
	CHECK_INT(parse_str(p, RI_OPEN "<registration>" RI_CLOSE, &ev), REGINFO_ERR_NOT_WELL_FORMED);
	CHECK_INT(parse_str(p, RI_OPEN RI_CLOSE RI_OPEN RI_CLOSE, &ev), REGINFO_ERR_NOT_WELL_FORMED);
	CHECK_INT(parse_str(p, RI_OPEN "\x01" RI_CLOSE, &ev), REGINFO_ERR_NOT_WELL_FORMED);
	reginfo_parser_free(p);

	/* Invalid limits. */
	reginfo_limits_default(&lim);
	lim.max_contacts = 0;
	errno = 0;
	CHECK(reginfo_parser_new(&lim) == NULL);
	CHECK_INT(errno, EINVAL);
	reginfo_limits_default(&lim);
	lim.max_doc_bytes = UINT32_MAX;
	CHECK(reginfo_parser_new(&lim) == NULL);
}

/* ---- reuse ------------------------------------------------------------ */

/*
 * One parser, 1000 documents alternating good and bad: the good one gives
 * the same event every time, whatever failed just before it.
 */
static void
test_reuse(void)
{
	static const struct {
		const char *doc;
		enum reginfo_err err;
	} bad[] = {
		{ "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"b\">]>" DOC_C(URI_), REGINFO_ERR_DTD },
		{ RI_OPEN REG_OPEN C_OPEN "<uri>sip:trunc", REGINFO_ERR_NOT_WELL_FORMED },
		{ DOC_C("<uri>&bogus;</uri>"), REGINFO_ERR_ENTITY },
		{ "<reginfo xmlns=\"urn:x\" version=\"1\" state=\"full\"/>", REGINFO_ERR_ROOT },
		{ "<reginfo xmlns=\"" NS_RI "\" version=\"x\" state=\"full\"/>", REGINFO_ERR_VERSION },
		{ "<reginfo xmlns=\"" NS_RI "\" version=\"1\" state=\"x\"/>", REGINFO_ERR_STATE },
		{ "<?xml version=\"1.0\" encoding=\"windows-1252\"?>" DOC_C(URI_), REGINFO_ERR_ENCODING },
		{ DOC_REG("<contact id=\"a\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"b\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"c\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"d\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"e\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"f\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"g\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"h\" state=\"active\" event=\"created\">" URI_ C_CLOSE
			  "<contact id=\"i\" state=\"active\" event=\"created\">" URI_ C_CLOSE),
		  REGINFO_ERR_TOO_MANY_CONTACTS },
		{ NULL, REGINFO_ERR_TOO_DEEP },	      /* deep_doc(40) */
		{ NULL, REGINFO_ERR_ARENA_FULL },     /* big <uri> */
		{ NULL, REGINFO_ERR_OK },	      /* skips only */
	};
	static char want[16384], got[16384];
	struct reginfo_limits lim;
	struct reginfo_parser *p;
	const struct reginfo_event *ev;
	char *good, *deep, *big;
	size_t good_len;
	int failures = 0;

	reginfo_limits_default(&lim);
	lim.max_contacts = 8;
	lim.max_params = 40;
	lim.arena_bytes = 16384;
	p = reginfo_parser_new(&lim);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	good = corpus_body(CORPUS "032-primary-phone-tablet-pc/request.sip", &good_len);
	deep = deep_doc(40);
	big = many(RI_OPEN REG_OPEN C_OPEN "<uri>", "0123456789abcdef%04u", 1200,
		   "</uri>" C_CLOSE REG_CLOSE RI_CLOSE);
	CHECK_INT(parse_buf(p, good, good_len, &ev), REGINFO_ERR_OK);
	ev_dump(ev, want, sizeof(want));
	CHECK(strstr(want, "P reg-id=1") != NULL);

	for (int i = 0; i < 1000; i++) {
		size_t k = (size_t)i / 2 % (sizeof(bad) / sizeof(bad[0]));
		enum reginfo_err err;

		if (i % 2 == 0) {
			err = parse_buf(p, good, good_len, &ev);
			ev_dump(ev, got, sizeof(got));
			if (err != REGINFO_ERR_OK || strcmp(got, want) != 0 ||
			    reginfo_parser_errmsg(p)[0] != '\0')
				failures++;
			continue;
		}
		if (bad[k].err == REGINFO_ERR_TOO_DEEP)
			err = parse_str(p, deep, &ev);
		else if (bad[k].err == REGINFO_ERR_ARENA_FULL)
			err = parse_str(p, big, &ev);
		else if (bad[k].doc == NULL)
			err = parse_str(p,
					DOC_REG("<contact id=\"x\" state=\"active\"/>" C_OPEN URI_
						"<unknown-param>q</unknown-param>" C_CLOSE),
					&ev);
		else
			err = parse_str(p, bad[k].doc, &ev);
		if (err != bad[k].err)
			failures++;
		if (err == REGINFO_ERR_OK && (ev->n_skipped != 2 || ev->n_contacts != 1 ||
					      ev->first_skip != REGINFO_ERR_CONTACT_EVENT))
			failures++;
		if (err != REGINFO_ERR_OK &&
		    (ev->n_regs != 0 || ev->n_contacts != 0 || reginfo_parser_errmsg(p)[0] == '\0'))
			failures++;
	}
	CHECK_INT(failures, 0);
	free(big);
	free(deep);
	free(good);
	reginfo_parser_free(p);
}

/*
 * A peer inventing new element names with every document must not grow the
 * reused context: the dictionary is dropped once it only holds junk.
 */
static void
test_dict_growth(void)
{
	struct reginfo_parser *p = reginfo_parser_new(NULL);
	const struct reginfo_event *ev;
	size_t cap = 64 * 1024, base;
	char *d = malloc(cap);
	int bad = 0;

	CHECK(p != NULL && d != NULL);
	if (p == NULL || d == NULL)
		exit(2);
	CHECK_INT(parse_str(p, DOC_C(URI_), &ev), REGINFO_ERR_OK);
	base = mem_live;
	for (unsigned int doc = 0; doc < 200; doc++) {
		size_t n = (size_t)snprintf(d, cap, RI_OPEN "<x:junk xmlns:x=\"urn:x\">");

		for (unsigned int i = 0; i < 700; i++)
			n += (size_t)snprintf(d + n, cap - n,
					      "<n%05u_%04u_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/>", doc, i);
		snprintf(d + n, cap - n, "</x:junk>" REG_OPEN C_OPEN URI_ C_CLOSE REG_CLOSE RI_CLOSE);
		if (parse_str(p, d, &ev) != REGINFO_ERR_OK || ev->n_contacts != 1)
			bad++;
	}
	CHECK_INT(bad, 0);
	/* Without the rebuild libxml2 would hold ~20 MB of names by now. */
	CHECK(mem_live < base + 2 * 1024 * 1024);
	CHECK_INT(parse_str(p, DOC_C(URI_), &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 1);
	free(d);
	reginfo_parser_free(p);
}

/* A namespace error per element is not a failure, and stays cheap. */
static void
test_many_undeclared(void)
{
	const struct reginfo_event *ev;
	char *d = many(RI_OPEN REG_OPEN C_OPEN URI_, "<u:x%u/>", 3000, C_CLOSE REG_CLOSE RI_CLOSE);
	double t0 = now_ms();

	CHECK(strlen(d) < 65536);
	CHECK_INT(parse_str(P, d, &ev), REGINFO_ERR_OK);
	CHECK_INT(ev->n_contacts, 1);
	CHECK(now_ms() - t0 < 2000.0);
	free(d);
}

static void
test_strings(void)
{
	for (int e = 0; e < REGINFO_ERR__COUNT; e++)
		CHECK(reginfo_err_str((enum reginfo_err)e) != NULL);
	CHECK(strcmp(reginfo_err_str(REGINFO_ERR_OK), "ok") == 0);
	CHECK(strcmp(reginfo_err_str(REGINFO_ERR_DTD), "DOCTYPE or entity declaration not allowed") ==
	      0);
	CHECK(reginfo_err_str(REGINFO_ERR__COUNT) != NULL);
	CHECK(strcmp(reginfo_reg_state_str(REGINFO_REG_INIT), "init") == 0);
	CHECK(strcmp(reginfo_reg_state_str(REGINFO_REG_TERMINATED), "terminated") == 0);
	CHECK(strcmp(reginfo_contact_state_str(REGINFO_CONTACT_ACTIVE), "active") == 0);
	CHECK(strcmp(reginfo_contact_event_str(REGINFO_EV_REJECTED), "rejected") == 0);
	CHECK(strcmp(reginfo_contact_event_str(REGINFO_EV__COUNT), "unknown") == 0);
	CHECK(REGINFO_ERR_PARAM_NAME > REGINFO_ERR__FIRST_SKIP);
	CHECK(REGINFO_ERR_NO_MEMORY < REGINFO_ERR__FIRST_SKIP);
}

int
main(void)
{
	struct reginfo_limits lim;

	/* Before any libxml2 call, so that every allocation is counted. */
	xmlMemSetup(mem_free, mem_malloc, mem_realloc, mem_strdup);

	reginfo_limits_default(&lim);
	CHECK_INT(lim.max_doc_bytes, 65536);
	CHECK_INT(lim.max_depth, 32);
	CHECK_INT(lim.max_registrations, 256);
	CHECK_INT(lim.max_contacts, 1024);
	CHECK_INT(lim.max_params, 8192);
	CHECK_INT(lim.arena_bytes, 131072);
	P = reginfo_parser_new(NULL);
	if (P == NULL) {
		fprintf(stderr, "reginfo_parser_new failed\n");
		return 1;
	}

	test_strings();
	test_corpus_all();
	test_corpus_001();
	test_corpus_002();
	test_corpus_004();
	test_corpus_020();
	test_corpus_024();
	test_corpus_032();
	test_corpus_bad();
	test_corpus_062();
	test_corpus_066();
	test_dtd_and_entities();
	test_depth();
	test_root();
	test_foreign_namespaces();
	test_undeclared_prefix();
	test_encodings();
	test_text();
	test_lenient();
	test_version_state();
	test_numbers();
	test_gruu();
	test_skips();
	test_caps();
	test_reuse();
	test_dict_growth();
	test_many_undeclared();

	reginfo_parser_free(P);
	xmlCleanupParser();
	return check_exit();
}
