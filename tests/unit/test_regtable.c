/* SPDX-License-Identifier: MIT */
/*
 * Registration table: RFC 3680 semantics (SEMANTICS 2, 3.2-3.7, 4, 5),
 * alias index, limits, sweeper, table growth, and the corpus sequences
 * replayed through the SIP and reginfo parsers with the expect.json values
 * written into the checks. Device roles: test_role.c.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/services.h>
#include <reglane/sip.h>

#include "check.h"

#define CORPUS "../data/corpus/"
#define T0 1000000u /* an arbitrary "now" */

/* ------------------------------------------------------------------ */
/* Hand-built events                                                   */

struct evb {
	struct reginfo_event ev;
	struct reginfo_registration regs[32];
	struct reginfo_contact contacts[128];
	struct reginfo_param params[256];
};

static struct rgl_slice
S(const char *s)
{
	return s ? rgl_slice_make(s, strlen(s)) : RGL_SLICE_NONE;
}

static void
evb_init(struct evb *b, uint32_t version, enum reginfo_doc_state st)
{
	memset(b, 0, sizeof(*b));
	b->ev.version = version;
	b->ev.state = st;
	b->ev.regs = b->regs;
	b->ev.contacts = b->contacts;
	b->ev.params = b->params;
}

static void
evb_reg(struct evb *b, const char *aor, const char *id, enum reginfo_reg_state st)
{
	struct reginfo_registration *r = &b->regs[b->ev.n_regs++];

	r->aor = S(aor);
	r->id = S(id);
	r->state = st;
	r->first_contact = b->ev.n_contacts;
}

static struct reginfo_contact *
evb_contact(struct evb *b, const char *id, const char *uri, enum reginfo_contact_state st,
	    enum reginfo_contact_event e)
{
	struct reginfo_contact *c = &b->contacts[b->ev.n_contacts++];

	c->id = S(id);
	c->uri = S(uri);
	c->state = st;
	c->event = e;
	c->first_param = b->ev.n_params;
	b->regs[b->ev.n_regs - 1].n_contacts++;
	return c;
}

static void
evb_param(struct evb *b, const char *name, const char *value)
{
	struct reginfo_param *p = &b->params[b->ev.n_params++];

	p->name = S(name);
	p->value = value ? S(value) : rgl_slice_make("", 0);
	b->contacts[b->ev.n_contacts - 1].n_params++;
}

static void
expires(struct reginfo_contact *c, uint64_t e)
{
	c->has |= REGINFO_HAS_EXPIRES;
	c->expires = e;
}

static void
duration(struct reginfo_contact *c, uint64_t d)
{
	c->has |= REGINFO_HAS_DURATION;
	c->duration_registered = d;
}

static struct regtable_notify
NT(const char *resource, const char *callid, uint64_t cseq)
{
	struct regtable_notify n;

	memset(&n, 0, sizeof(n));
	n.resource = S(resource);
	n.callid = S(callid);
	n.from_tag = S("ft");
	n.to_tag = S("tt");
	n.cseq = cseq;
	n.sub_state = REGTABLE_SUBSTATE_ACTIVE;
	return n;
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

struct fx {
	struct regtable *t;
	struct regtable_writer *w;
	struct reginfo_parser *p;
};

static void
fx_open(struct fx *x, struct regtable_config *cfg)
{
	struct regtable_config def;

	if (cfg == NULL) {
		regtable_config_default(&def);
		def.max_memory = 16u << 20;
		def.max_registrations = 10000;
		cfg = &def;
	}
	x->t = NULL;
	CHECK_INT(regtable_create(cfg, &x->t), 0);
	if (x->t == NULL)
		exit(1);
	x->w = regtable_writer_new(x->t);
	CHECK(x->w != NULL);
	x->p = reginfo_parser_new(NULL);
	CHECK(x->p != NULL);
}

static void
fx_close(struct fx *x)
{
	reginfo_parser_free(x->p);
	regtable_writer_free(x->w);
	CHECK_INT(regtable_destroy(x->t), 0); /* nothing leaked */
	urcu_qsbr_quiescent_state();
}

static enum regtable_result
apply(struct fx *x, const struct regtable_notify *n, const struct reginfo_event *ev, uint64_t now)
{
	return regtable_apply(x->t, x->w, n, ev, now);
}

/* Replay one corpus datagram: SIP parse, reginfo parse, apply. */
static enum regtable_result
apply_file(struct fx *x, const char *path, uint64_t now)
{
	const struct reginfo_event *ev = NULL;
	struct regtable_notify n;
	struct sip_msg *m = calloc(1, sizeof(*m));
	enum regtable_result res;
	size_t len;
	char *buf = check_read_file(path, &len);

	CHECK_INT(sip_parse(buf, len, m), SIP_ERR_OK);
	memset(&n, 0, sizeof(n));
	n.resource = m->from.uri;
	n.callid = m->call_id;
	n.from_tag = m->from.tag;
	n.to_tag = m->to.tag;
	n.cseq = m->cseq;
	n.sub_state = regtable_sub_state_parse(m->subs_state_value);
	n.sub_reason = m->subs_reason;
	if (m->body.len > 0) {
		enum reginfo_err e = reginfo_parse(x->p, m->body.p, m->body.len, &ev);

		CHECK_INT(e, REGINFO_ERR_OK);
		if (e != REGINFO_ERR_OK)
			ev = NULL;
	}
	res = apply(x, &n, ev, now);
	free(buf);
	free(m);
	return res;
}

static const struct regtable_contact *
contact(const struct regtable_match *m, const char *id)
{
	const struct regtable_contact *c = regtable_reg_contacts(m->snap, m->reg);

	for (uint32_t i = 0; i < m->reg->n_contacts; i++)
		if (rgl_slice_eq(regtable_str(m->snap, c[i].id), id))
			return &c[i];
	return NULL;
}

static struct rgl_slice
feature(const struct regtable_snapshot *s, const struct regtable_contact *c, const char *name)
{
	const struct regtable_feature *f = regtable_contact_features(s, c);

	for (uint32_t i = 0; i < c->n_features; i++)
		if (rgl_slice_eq(regtable_str(s, f[i].name), name))
			return regtable_str(s, f[i].value);
	return RGL_SLICE_NONE;
}

#define CHECK_STR(snap, ref, lit) CHECK_SLICE(regtable_str((snap), (ref)), lit)
#define CHECK_NOSTR(snap, ref) CHECK_ABSENT(regtable_str((snap), (ref)))

/* Look up @p aor into @p m, checking it is found. */
static bool
found(struct fx *x, const char *aor, struct regtable_match *m)
{
	int rc = regtable_lookup(x->t, S(aor), m);

	CHECK_INT(rc, 0);
	return rc == 0;
}

/* ------------------------------------------------------------------ */
/* Versions, full/partial, terminations (hand-built)                   */

static void
test_versions(void)
{
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:alice@example.com", "cid-1", 1);
	struct regtable_match m;
	const struct regtable_contact *c;

	fx_open(&x, NULL);

	/* full v0: two contacts */
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_ACTIVE);
	expires(evb_contact(&b, "c1", "sip:alice@192.0.2.1", REGINFO_CONTACT_ACTIVE,
			    REGINFO_EV_REGISTERED), 3600);
	evb_contact(&b, "c2", "sip:alice@192.0.2.2", REGINFO_CONTACT_ACTIVE, REGINFO_EV_CREATED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	if (found(&x, "sip:alice@example.com", &m)) {
		CHECK_INT(m.snap->version, 0);
		CHECK_INT(m.snap->version_set, 1);
		CHECK_INT(m.reg->n_contacts, 2);
		CHECK_STR(m.snap, m.reg->id, "r1");
		c = contact(&m, "c1");
		CHECK(c != NULL && c->expires_at == T0 + 3600);
		CHECK(contact(&m, "c2") != NULL);
	}

	/* partial v1 adds c3, replaces c1 whole (no expires now) */
	evb_init(&b, 1, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "c1", "sip:alice@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REFRESHED);
	evb_contact(&b, "c3", "sip:alice@192.0.2.3", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	n.cseq = 2;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 1), REGTABLE_APPLIED);
	if (found(&x, "sip:alice@example.com", &m)) {
		CHECK_INT(m.snap->version, 1);
		CHECK_INT(m.reg->n_contacts, 3);
		c = contact(&m, "c1");
		CHECK(c != NULL && !(c->has & REGINFO_HAS_EXPIRES) &&
		      c->event == REGINFO_EV_REFRESHED);
	}

	/* the same partial again: duplicate; an older one: stale */
	n.cseq = 3;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 2), REGTABLE_DUPLICATE);
	b.ev.version = 0;
	n.cseq = 4;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 2), REGTABLE_STALE);

	/* partial v3 after a gap: applied, refresh flagged */
	evb_init(&b, 3, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "c2", "sip:alice@192.0.2.2", REGINFO_CONTACT_TERMINATED,
		    REGINFO_EV_UNREGISTERED);
	n.cseq = 5;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 3), REGTABLE_GAP);
	if (found(&x, "sip:alice@example.com", &m)) {
		CHECK_INT(m.snap->version, 3);
		CHECK_INT(m.snap->refresh_needed, 1);
		CHECK_INT(m.reg->n_contacts, 2); /* c2 terminated: removed */
		CHECK(contact(&m, "c2") == NULL);
		CHECK_INT(m.snap->last_cseq, 5);
	}

	/* a partial v4 keeps the refresh flag; a full with the same version
	 * applies again (Clearwater) and clears it */
	evb_init(&b, 4, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_ACTIVE);
	n.cseq = 6;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 4), REGTABLE_APPLIED);
	CHECK(found(&x, "sip:alice@example.com", &m) && m.snap->refresh_needed == 1);
	evb_init(&b, 4, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "c9", "sip:alice@192.0.2.9", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	/* a terminated contact inside a full document is removed too */
	evb_contact(&b, "c8", "sip:alice@192.0.2.8", REGINFO_CONTACT_TERMINATED,
		    REGINFO_EV_EXPIRED);
	n.cseq = 7;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 5), REGTABLE_APPLIED);
	if (found(&x, "sip:alice@example.com", &m)) {
		CHECK_INT(m.snap->refresh_needed, 0);
		CHECK_INT(m.reg->n_contacts, 1);
		CHECK(contact(&m, "c9") != NULL);
	}

	/* a full with a gap applies without the flag */
	evb_init(&b, 9, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "c9", "sip:alice@192.0.2.9", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REFRESHED);
	n.cseq = 8;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 6), REGTABLE_APPLIED);
	CHECK(found(&x, "sip:alice@example.com", &m) && m.snap->refresh_needed == 0 &&
	      m.snap->version == 9);

	/* registration terminated: kept with that state, no contacts, even
	 * with active contacts listed (SEMANTICS 3.2, 3.5) */
	evb_init(&b, 10, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_TERMINATED);
	evb_contact(&b, "c9", "sip:alice@192.0.2.9", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REFRESHED);
	n.cseq = 9;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 7), REGTABLE_APPLIED);
	if (found(&x, "sip:alice@example.com", &m)) {
		CHECK_INT(m.reg->state, REGINFO_REG_TERMINATED);
		CHECK_INT(m.reg->n_contacts, 0);
	}

	/* and back to active through a partial */
	evb_init(&b, 11, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:alice@example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "c5", "sip:alice@192.0.2.5", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	n.cseq = 10;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 8), REGTABLE_APPLIED);
	CHECK(found(&x, "sip:alice@example.com", &m) && m.reg->n_contacts == 1 &&
	      m.reg->state == REGINFO_REG_ACTIVE);

	/* an empty body changes nothing but is accepted */
	n.cseq = 11;
	CHECK_INT(apply(&x, &n, NULL, T0 + 9), REGTABLE_NO_CHANGE);
	CHECK(found(&x, "sip:alice@example.com", &m) && m.snap->version == 11 &&
	      m.snap->last_cseq == 11);

	CHECK_INT(regtable_writer_counts(x.w)[REGTABLE_APPLIED], 7);
	CHECK_INT(regtable_writer_counts(x.w)[REGTABLE_GAP], 1);
	fx_close(&x);
}

static void
test_cseq_and_termination(void)
{
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:bob@example.com", "cid-2", 10);
	struct regtable_match m;
	const struct regtable_snapshot *s;

	fx_open(&x, NULL);
	evb_init(&b, 5, REGINFO_DOC_FULL); /* the first document may be any version */
	evb_reg(&b, "sip:bob@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "a", "sip:bob@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);

	/* lower CSeq: 500, nothing changes */
	n.cseq = 9;
	b.ev.version = 6;
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_CSEQ_OLD);
	CHECK(found(&x, "sip:bob@example.com", &m) && m.snap->version == 5);

	/* a stale body with a higher CSeq: 200, CSeq recorded */
	n.cseq = 20;
	b.ev.version = 4;
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_STALE);
	CHECK(found(&x, "sip:bob@example.com", &m) && m.snap->last_cseq == 20);
	n.cseq = 15;
	b.ev.version = 6;
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_CSEQ_OLD);

	/* equal CSeq is not lower (a retransmission is caught before this) */
	n.cseq = 20;
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);

	/* terminated with a body: the body applies, then the subscription ends */
	evb_init(&b, 7, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:bob@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "b", "sip:bob@192.0.2.2", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	n.cseq = 21;
	n.sub_state = REGTABLE_SUBSTATE_TERMINATED;
	n.sub_reason = S("deactivated");
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	s = regtable_find_subscription(x.t, S("sip:bob@example.com"), S("cid-2"));
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK_INT(s->sub_state, REGTABLE_SUBSTATE_TERMINATED);
		CHECK_STR(s, s->sub_reason, "deactivated");
		CHECK_INT(s->n_contacts, 2);
	}
	/* anything after: 481, state kept */
	n.cseq = 22;
	n.sub_state = REGTABLE_SUBSTATE_ACTIVE;
	b.ev.version = 8;
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_SUB_TERMINATED);
	CHECK_INT(apply(&x, &n, NULL, T0), REGTABLE_SUB_TERMINATED);
	CHECK(found(&x, "sip:bob@example.com", &m) && m.reg->n_contacts == 2);

	/* a re-subscription is a new dialog: its own versions */
	n = NT("sip:bob@example.com", "cid-3", 1);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:bob@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "z", "sip:bob@192.0.2.9", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 1), REGTABLE_APPLIED);
	if (found(&x, "sip:bob@example.com", &m)) {
		CHECK_INT(m.snap->version, 0);
		CHECK(contact(&m, "z") != NULL); /* the alias follows the newest report */
	}

	/* unusable resource / Call-ID */
	n = NT("mailto:bob@example.com", "cid", 1);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_INVALID);
	n = NT("sip:bob@example.com", NULL, 1);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_INVALID);
	n = NT("sip:bob@example.com", "", 1);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_INVALID);
	CHECK_INT(regtable_result_status(REGTABLE_SUB_TERMINATED), 481);
	CHECK_INT(regtable_result_status(REGTABLE_CSEQ_OLD), 500);
	CHECK_INT(regtable_result_status(REGTABLE_CAPACITY), 503);
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Alias index                                                         */

static void
test_aliases(void)
{
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:+15551234567@ims.example.net", "cid-a", 1);
	struct regtable_match m;

	fx_open(&x, NULL);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:+15551234567@ims.example.net;user=phone", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "1", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	evb_reg(&b, "sip:user@ims.example.net", "r2", REGINFO_REG_ACTIVE);
	evb_contact(&b, "1", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_CREATED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);

	/* any form of the number finds the same registration */
	if (found(&x, "tel:+1-555-123-4567", &m))
		CHECK_STR(m.snap, m.reg->id, "r1");
	if (found(&x, "sip:+15551234567@elsewhere.example;user=phone", &m))
		CHECK_STR(m.snap, m.reg->aor, "sip:+15551234567@ims.example.net;user=phone");
	if (found(&x, "SIPS:user@IMS.example.net:5061", &m))
		CHECK_STR(m.snap, m.reg->id, "r2");
	CHECK_INT(regtable_lookup(x.t, S("sip:nobody@ims.example.net"), &m), -ENOENT);
	CHECK_INT(regtable_lookup(x.t, S("garbage"), &m), -EINVAL);
	/* without user=phone a number is a user name: another key */
	CHECK_INT(regtable_lookup(x.t, S("sip:+15551234567@ims.example.net"), &m), -ENOENT);

	/* a full without r2: its alias is stale, not found */
	evb_init(&b, 1, REGINFO_DOC_FULL);
	evb_reg(&b, "tel:+15551234567", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "1", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REFRESHED);
	n.cseq = 2;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 1), REGTABLE_APPLIED);
	CHECK_INT(regtable_lookup(x.t, S("sip:user@ims.example.net"), &m), -ENOENT);
	/* same (id, key) though spelled as tel: now: the same registration */
	if (found(&x, "sip:+15551234567@x;user=phone", &m)) {
		CHECK_STR(m.snap, m.reg->aor, "tel:+15551234567");
		CHECK_INT(m.snap->n_regs, 1);
	}

	/* another subscription reports the same user: it replaces (seed 8.1.2) */
	n = NT("tel:+15551234567", "cid-b", 1);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "tel:+15551234567", "rb", REGINFO_REG_ACTIVE);
	evb_contact(&b, "x", "sip:ue@192.0.2.77", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 2), REGTABLE_APPLIED);
	if (found(&x, "tel:+15551234567", &m)) {
		CHECK_STR(m.snap, m.reg->id, "rb");
		CHECK_STR(m.snap, m.snap->callid, "cid-b");
	}
	/* the older subscription still holds its copy, but is not current */
	{
		const struct regtable_snapshot *old =
			regtable_find_subscription(x.t, S("sip:+15551234567@ims.example.net"),
						   S("cid-a"));

		CHECK(old != NULL);
		if (old != NULL) {
			CHECK(!regtable_reg_is_current(x.t, old, &old->regs[0]));
			CHECK(regtable_reg_is_current(x.t, m.snap, m.reg));
		}
	}
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Contact data normalization (SEMANTICS 3.7, RFC 5628)               */

static void
test_contact_data(void)
{
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:carol@example.com", "cid-c", 1);
	struct regtable_match m;
	const struct regtable_contact *c;
	struct reginfo_contact *ec;

	fx_open(&x, NULL);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:carol@example.com", "r", REGINFO_REG_ACTIVE);
	ec = evb_contact(&b, "1", "  sip:carol@192.0.2.1  ", REGINFO_CONTACT_ACTIVE,
			 REGINFO_EV_REGISTERED);
	ec->q = S("0.500");
	ec->callid = S("reg@ua");
	ec->display_name = S("Carol \xc3\xa9");
	ec->cseq = 7;
	ec->has |= REGINFO_HAS_CSEQ;
	evb_param(&b, "+sip.instance", " \"<urn:gsma:imei:35332510-123456-9>\" ");
	evb_param(&b, "q", "0.5");
	evb_param(&b, "expires", "3600");
	evb_param(&b, "+g.3gpp.icsi-ref",
		  "\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\"");
	evb_param(&b, "+g.3gpp.iari-ref", "\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"");
	evb_param(&b, "+g.other", "\"a%3Ab\""); /* not decoded */
	evb_param(&b, "+g.3gpp.smsip", NULL);
	evb_param(&b, "video", "\"\"");
	evb_param(&b, "Video", "\"2\""); /* repeated (case-insensitive): last wins */
	evb_param(&b, "", "nameless");
	evb_param(&b, "+g.gsma.rcs.telephony", "\"cs,volte\"");

	/* instance from the public GRUU when +sip.instance is missing */
	ec = evb_contact(&b, "2", "sip:carol@192.0.2.2", REGINFO_CONTACT_ACTIVE,
			 REGINFO_EV_REGISTERED);
	ec->pub_gruu = S("sip:carol@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
	ec->temp_gruu = S("sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@example.com;gr");
	ec->temp_gruu_first_cseq = 54301;
	ec->has |= REGINFO_HAS_TEMP_GRUU_CSEQ;
	/* a gr that is no URN names no instance */
	ec = evb_contact(&b, "3", "sip:carol@192.0.2.3", REGINFO_CONTACT_ACTIVE,
			 REGINFO_EV_REGISTERED);
	ec->pub_gruu = S("sip:carol@example.com;gr=hha9s8d-999a");
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);

	if (found(&x, "sip:carol@example.com", &m)) {
		c = contact(&m, "1");
		CHECK(c != NULL);
		if (c != NULL) {
			CHECK_STR(m.snap, c->uri, "sip:carol@192.0.2.1");
			CHECK_STR(m.snap, c->q, "0.500");
			CHECK_STR(m.snap, c->callid, "reg@ua");
			CHECK_STR(m.snap, c->display_name, "Carol \xc3\xa9");
			CHECK_INT(c->cseq, 7);
			CHECK_STR(m.snap, c->instance, "urn:gsma:imei:35332510-123456-9");
			CHECK_INT(c->instance_source, REGTABLE_INSTANCE_SIP_INSTANCE);
			CHECK_INT(c->n_features, 6);
			CHECK_SLICE(feature(m.snap, c, "+g.3gpp.icsi-ref"),
				    "urn:urn-7:3gpp-service.ims.icsi.mmtel,"
				    "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg");
			CHECK_SLICE(feature(m.snap, c, "+g.3gpp.iari-ref"),
				    "urn:urn-7:3gpp-application.ims.iari.rcs.fthttp");
			CHECK_SLICE(feature(m.snap, c, "+g.other"), "a%3Ab");
			CHECK_SLICE(feature(m.snap, c, "+g.3gpp.smsip"), "");
			CHECK_SLICE(feature(m.snap, c, "Video"), "2");
			CHECK_ABSENT(feature(m.snap, c, "q"));
			CHECK_ABSENT(feature(m.snap, c, "expires"));
			CHECK_ABSENT(feature(m.snap, c, "+sip.instance"));
			CHECK_INT(c->hints, 7); /* IMEI, smsip, telephony */
			CHECK_INT(c->role, REGTABLE_ROLE_PRIMARY);
			CHECK_INT(c->services, RGL_SVC_BIT(RGL_SVC_PAGER) |
					       RGL_SVC_BIT(RGL_SVC_INTERWORKED));
		}
		c = contact(&m, "2");
		CHECK(c != NULL);
		if (c != NULL) {
			CHECK_STR(m.snap, c->instance, "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
			CHECK_INT(c->instance_source, REGTABLE_INSTANCE_PUB_GRUU);
			CHECK_INT(c->temp_gruu_first_cseq, 54301);
			CHECK_NOSTR(m.snap, c->q);
			CHECK_NOSTR(m.snap, c->display_name);
			CHECK_INT(c->role, REGTABLE_ROLE_SECONDARY);
		}
		c = contact(&m, "3");
		CHECK(c != NULL && c->instance_source == REGTABLE_INSTANCE_NONE &&
		      c->instance.off == 0);
	}
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */

static void
test_capacity(void)
{
	struct regtable_config cfg;
	struct regtable_stats st;
	struct regtable_match m;
	struct fx x;
	struct evb b;
	struct regtable_notify n;
	char aor[64], cid[32];
	int i;

	regtable_config_default(&cfg);
	cfg.max_memory = 4u << 20;
	cfg.max_registrations = 3;
	cfg.max_contacts_per_sub = 4;
	fx_open(&x, &cfg);

	for (i = 0; i < 4; i++) {
		snprintf(aor, sizeof(aor), "sip:u%d@example.com", i);
		snprintf(cid, sizeof(cid), "cid-%d", i);
		n = NT(aor, cid, 1);
		evb_init(&b, 0, REGINFO_DOC_FULL);
		evb_reg(&b, aor, "r", REGINFO_REG_ACTIVE);
		evb_contact(&b, "1", "sip:x@192.0.2.1", REGINFO_CONTACT_ACTIVE,
			    REGINFO_EV_REGISTERED);
		CHECK_INT(apply(&x, &n, &b.ev, T0), i < 3 ? REGTABLE_APPLIED : REGTABLE_CAPACITY);
	}
	CHECK_INT(regtable_lookup(x.t, S("sip:u3@example.com"), &m), -ENOENT);
	regtable_stats(x.t, &st);
	CHECK_INT(st.registrations, 3);

	/* replacing an existing registration needs no new room */
	n = NT("sip:u0@example.com", "cid-0", 2);
	evb_init(&b, 1, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:u0@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "2", "sip:x@192.0.2.2", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	/* dropping one makes room */
	n = NT("sip:u1@example.com", "cid-1", 2);
	evb_init(&b, 1, REGINFO_DOC_FULL);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	n = NT("sip:u3@example.com", "cid-3", 1);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:u3@example.com", "r", REGINFO_REG_ACTIVE);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);

	/* per-subscription contact limit: 503, previous state intact */
	n = NT("sip:u0@example.com", "cid-0", 3);
	evb_init(&b, 2, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:u0@example.com", "r", REGINFO_REG_ACTIVE);
	for (i = 0; i < 5; i++) {
		static const char *const ids[5] = { "n0", "n1", "n2", "n3", "n4" };

		evb_contact(&b, ids[i], "sip:x@192.0.2.3", REGINFO_CONTACT_ACTIVE,
			    REGINFO_EV_REGISTERED);
	}
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_CAPACITY);
	CHECK(found(&x, "sip:u0@example.com", &m) && m.reg->n_contacts == 1 &&
	      m.snap->version == 1);
	fx_close(&x);

	/* memory budget: four 64 KiB units (one per size class used) fill
	 * up, then 503 */
	regtable_config_default(&cfg);
	cfg.max_memory = 256u << 10;
	cfg.max_registrations = 10000;
	fx_open(&x, &cfg);
	for (i = 0; i < 1000; i++) {
		enum regtable_result r;

		snprintf(aor, sizeof(aor), "sip:m%d@example.com", i);
		snprintf(cid, sizeof(cid), "cid-%d", i);
		n = NT(aor, cid, 1);
		evb_init(&b, 0, REGINFO_DOC_FULL);
		evb_reg(&b, aor, "r", REGINFO_REG_ACTIVE);
		evb_contact(&b, "1", "sip:x@192.0.2.1", REGINFO_CONTACT_ACTIVE,
			    REGINFO_EV_REGISTERED);
		r = apply(&x, &n, &b.ev, T0);
		if (r != REGTABLE_APPLIED) {
			CHECK_INT(r, REGTABLE_NO_MEMORY);
			break;
		}
	}
	CHECK(i > 0 && i < 1000);
	/* the refused one is not half-stored */
	snprintf(aor, sizeof(aor), "sip:m%d@example.com", i);
	CHECK_INT(regtable_lookup(x.t, S(aor), &m), -ENOENT);
	regtable_stats(x.t, &st);
	CHECK(st.alloc_failures > 0);
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Sweeper                                                             */

static void
sweep_all(struct fx *x, uint64_t now, struct regtable_sweep_stats *tot)
{
	struct regtable_sweep_stats st;

	memset(tot, 0, sizeof(*tot));
	/* small budget: exercises the cursor */
	for (int i = 0; i < 100; i++) {
		regtable_sweep(x->t, x->w, now, 2, &st);
		tot->contacts_expired += st.contacts_expired;
		tot->regs_removed += st.regs_removed;
		tot->subs_removed += st.subs_removed;
		tot->aliases_removed += st.aliases_removed;
		if (st.wrapped && st.aliases_examined < 2)
			break;
	}
	urcu_qsbr_quiescent_state();
}

static void
test_sweep(void)
{
	struct regtable_sweep_stats st;
	struct regtable_stats rs;
	struct regtable_match m;
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:fay@example.com", "cid-f", 1);
	struct reginfo_contact *ec;

	fx_open(&x, NULL);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:fay@example.com", "r1", REGINFO_REG_ACTIVE);
	ec = evb_contact(&b, "phone", "sip:phone@192.0.2.1", REGINFO_CONTACT_ACTIVE,
			 REGINFO_EV_REGISTERED);
	expires(ec, 100);
	evb_param(&b, "+g.3gpp.smsip", NULL);
	ec = evb_contact(&b, "phone2", "sip:phone2@192.0.2.2", REGINFO_CONTACT_ACTIVE,
			 REGINFO_EV_REGISTERED);
	expires(ec, 1000);
	evb_param(&b, "+g.3gpp.smsip", NULL);
	duration(ec, 100000); /* older registration: secondary while phone lives */
	evb_reg(&b, "sip:fay2@example.com", "r2", REGINFO_REG_ACTIVE);
	expires(evb_contact(&b, "x", "sip:x@192.0.2.3", REGINFO_CONTACT_ACTIVE,
			    REGINFO_EV_REGISTERED), 50);
	evb_reg(&b, "sip:fay3@example.com", "r3", REGINFO_REG_INIT);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	CHECK(found(&x, "sip:fay@example.com", &m) &&
	      contact(&m, "phone")->role == REGTABLE_ROLE_PRIMARY);

	/* nothing due yet */
	sweep_all(&x, T0 + 50, &st);
	CHECK_INT(st.contacts_expired, 0);
	CHECK_INT(st.regs_removed, 0);

	/* at T0+101: phone expired (phone2 becomes primary), r2 emptied
	 * by expiry and removed; r3 (init, reported without contacts) stays */
	sweep_all(&x, T0 + 101, &st);
	CHECK_INT(st.contacts_expired, 2);
	CHECK_INT(st.regs_removed, 1);
	if (found(&x, "sip:fay@example.com", &m)) {
		CHECK(contact(&m, "phone") == NULL);
		CHECK_INT(contact(&m, "phone2")->role, REGTABLE_ROLE_PRIMARY);
		CHECK_INT(m.snap->n_regs, 2);
	}
	CHECK_INT(regtable_lookup(x.t, S("sip:fay2@example.com"), &m), -ENOENT);
	CHECK(found(&x, "sip:fay3@example.com", &m) && m.reg->state == REGINFO_REG_INIT);
	CHECK_INT(st.aliases_removed, 1); /* fay2's alias pointed at nothing */
	regtable_stats(x.t, &rs);
	CHECK_INT(rs.registrations, 2);
	CHECK_INT(rs.aliases, 2);

	/* after linger: r3 (init, no news) goes; at T0+1001 phone2 too;
	 * then the subscription has nothing and is idle: removed */
	sweep_all(&x, T0 + 3601, &st);
	CHECK_INT(st.regs_removed, 2);
	CHECK_INT(st.subs_removed, 1);
	regtable_stats(x.t, &rs);
	CHECK_INT(rs.registrations, 0);
	CHECK_INT(rs.subscriptions, 0);
	CHECK_INT(rs.aliases, 0);

	/* a terminated subscription is kept for linger_s, then dropped */
	n = NT("sip:gil@example.com", "cid-g", 1);
	n.sub_state = REGTABLE_SUBSTATE_TERMINATED;
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:gil@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "1", "sip:g@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	sweep_all(&x, T0 + 10, &st);
	CHECK_INT(st.subs_removed, 0);
	CHECK(found(&x, "sip:gil@example.com", &m));
	sweep_all(&x, T0 + 3600, &st);
	CHECK_INT(st.subs_removed, 1);
	CHECK_INT(regtable_lookup(x.t, S("sip:gil@example.com"), &m), -ENOENT);
	/* the same dialog again is a new subscription now */
	n.sub_state = REGTABLE_SUBSTATE_ACTIVE;
	n.cseq = 5;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 3601), REGTABLE_APPLIED);
	CHECK(found(&x, "sip:gil@example.com", &m));
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Hostile events: out-of-range indexes, absent fields, odd strings    */

static unsigned
prng(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffff;
}

static int
count_regs(const struct regtable_snapshot *s, void *arg)
{
	*(uint64_t *)arg += s->n_regs;
	return 0;
}

static void
test_hostile_events(void)
{
	static const char *const strs[] = { "sip:a@example.com", "tel:+15550000", "", "garbage",
					    "sip:a@example.com;user=phone", "\"<urn:gsma:imei:1>\"",
					    "\"%zz%4\"", "<>", "\"", "urn%3Aurn-7", "+sip.instance",
					    "q", "expires", "+g.3gpp.icsi-ref", "+g.3gpp.smsip", NULL };
	const size_t nstr = sizeof(strs) / sizeof(strs[0]);
	struct regtable_stats st;
	struct fx x;
	struct evb b;
	unsigned seed = 12345;
	uint64_t sum = 0;

	fx_open(&x, NULL);
	for (int it = 0; it < 3000; it++) {
		struct regtable_notify n;
		char cid[16];

		snprintf(cid, sizeof(cid), "h%u", prng(&seed) % 8);
		n = NT(strs[prng(&seed) % 2], cid, prng(&seed));
		n.sub_state = prng(&seed) % 16 == 0 ? REGTABLE_SUBSTATE_TERMINATED
						   : REGTABLE_SUBSTATE_ACTIVE;
		evb_init(&b, prng(&seed) % 6, prng(&seed) % 2 ? REGINFO_DOC_FULL : REGINFO_DOC_PARTIAL);
		b.ev.n_regs = prng(&seed) % 5;
		b.ev.n_contacts = prng(&seed) % 12;
		b.ev.n_params = prng(&seed) % 24;
		for (uint32_t i = 0; i < b.ev.n_regs; i++) {
			struct reginfo_registration *r = &b.regs[i];

			r->aor = S(strs[prng(&seed) % nstr]);
			r->id = S(strs[prng(&seed) % nstr]);
			r->state = (enum reginfo_reg_state)(prng(&seed) % 3);
			r->first_contact = prng(&seed) % 16; /* may point past the end */
			r->n_contacts = prng(&seed) % 16;
			r->wildcarded_identity = S(strs[prng(&seed) % nstr]);
		}
		for (uint32_t i = 0; i < b.ev.n_contacts; i++) {
			struct reginfo_contact *c = &b.contacts[i];

			memset(c, 0, sizeof(*c));
			c->id = S(strs[prng(&seed) % nstr]);
			c->uri = S(strs[prng(&seed) % nstr]);
			c->pub_gruu = S(prng(&seed) % 2 ? "sip:a@b;gr=urn:uuid:1" : strs[prng(&seed) % nstr]);
			c->state = (enum reginfo_contact_state)(prng(&seed) % 2);
			c->event = (enum reginfo_contact_event)(prng(&seed) % REGINFO_EV__COUNT);
			c->has = prng(&seed) & 31;
			c->expires = prng(&seed) % 2 ? UINT64_MAX : prng(&seed);
			c->duration_registered = prng(&seed) % 2 ? UINT64_MAX : prng(&seed);
			c->first_param = prng(&seed) % 30; /* may point past the end */
			c->n_params = prng(&seed) % 30;
		}
		for (uint32_t i = 0; i < b.ev.n_params; i++) {
			b.params[i].name = S(strs[prng(&seed) % nstr]);
			b.params[i].value = S(strs[prng(&seed) % nstr]);
		}
		(void)apply(&x, &n, prng(&seed) % 8 ? &b.ev : NULL, T0 + (uint64_t)it);
		if (it % 100 == 0) {
			struct regtable_sweep_stats ss;

			urcu_qsbr_quiescent_state();
			regtable_sweep(x.t, x.w, T0 + (uint64_t)it * 50, 16, &ss);
		}
	}
	/* the registration counter matches what the snapshots hold */
	regtable_foreach(x.t, count_regs, &sum);
	regtable_stats(x.t, &st);
	CHECK_INT(st.registrations, sum);
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Corpus sequences                                                    */

static void
test_corpus_002_001_076(void)
{
	struct regtable_match m;
	const struct regtable_contact *c;
	struct fx x;

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "002-rfc3680-s6-callflow-init-then-partial/01.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:joe@example.com", &m)) {
		CHECK_INT(m.reg->state, REGINFO_REG_INIT);
		CHECK_INT(m.reg->n_contacts, 0);
		CHECK_INT(m.snap->version, 0);
	}
	CHECK_INT(apply_file(&x, CORPUS "002-rfc3680-s6-callflow-init-then-partial/02.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:joe@example.com", &m)) {
		CHECK_INT(m.reg->state, REGINFO_REG_ACTIVE);
		CHECK_STR(m.snap, m.reg->id, "a7");
		CHECK_NOSTR(m.snap, m.reg->wildcarded_identity);
		CHECK_INT(m.snap->version, 1);
		CHECK_INT(m.reg->n_contacts, 1);
		c = contact(&m, "76");
		if (c != NULL) {
			CHECK_STR(m.snap, c->uri, "sip:joe@pc34.example.com");
			CHECK_INT(c->event, REGINFO_EV_REGISTERED);
			CHECK(!(c->has & REGINFO_HAS_EXPIRES));
			CHECK(c->has & REGINFO_HAS_DURATION);
			CHECK_INT(c->duration_registered, 0);
			CHECK_NOSTR(m.snap, c->q);
			CHECK_NOSTR(m.snap, c->instance);
			CHECK_INT(c->n_features, 0);
			CHECK_INT(c->role, REGTABLE_ROLE_SECONDARY); /* corpus "unknown" */
		}
	}

	CHECK_INT(apply_file(&x, CORPUS "001-rfc3680-s5.3-full-example/request.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:user@example.com", &m)) {
		CHECK_STR(m.snap, m.reg->id, "as9");
		CHECK_INT(m.reg->n_contacts, 1); /* 77 terminated: removed */
		c = contact(&m, "76");
		if (c != NULL) {
			CHECK_STR(m.snap, c->uri, "sip:user@pc887.example.com");
			CHECK_STR(m.snap, c->q, "0.8");
			CHECK_INT(c->duration_registered, 7322);
		}
	}

	CHECK_INT(apply_file(&x, CORPUS "076-empty-body-active-no-change/01.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "076-empty-body-active-no-change/02.sip", T0),
		  REGTABLE_NO_CHANGE);
	if (found(&x, "sip:+12025550176@ims.example.net", &m)) {
		CHECK_INT(m.snap->version, 0);
		CHECK_STR(m.snap, m.reg->id, "r76");
		c = contact(&m, "1");
		CHECK(c != NULL && c->expires_at == T0 + 3600);
	}
	fx_close(&x);
}

static void
check_phone_004(const struct regtable_match *m, const struct regtable_contact *c)
{
	CHECK_STR(m->snap, c->uri, "sip:+12025550101@10.45.0.2:5060");
	CHECK_STR(m->snap, c->instance, "urn:gsma:imei:35332510-123456-9");
	CHECK_INT(c->instance_source, REGTABLE_INSTANCE_SIP_INSTANCE);
	CHECK_INT(c->n_features, 3);
	CHECK_SLICE(feature(m->snap, c, "+g.3gpp.smsip"), "");
	CHECK_SLICE(feature(m->snap, c, "video"), "");
	CHECK_SLICE(feature(m->snap, c, "+g.3gpp.icsi-ref"),
		    "urn:urn-7:3gpp-service.ims.icsi.mmtel,urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg,"
		    "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg,urn:urn-7:3gpp-service.ims.icsi.oma.cpm.deferred,"
		    "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session,urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer,"
		    "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.systemmsg");
	CHECK_INT(c->role, REGTABLE_ROLE_PRIMARY);
	CHECK_INT(c->services, RGL_SVC_ALL);
}

static void
test_corpus_004_005(void)
{
	struct regtable_match m;
	const struct regtable_contact *c;
	struct fx x;

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "004-partial-adds-secondary-device/01.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "004-partial-adds-secondary-device/02.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:+12025550101@ims.example.net", &m)) {
		CHECK_STR(m.snap, m.reg->id, "0x7f1a2b3c4000");
		CHECK_INT(m.snap->version, 1);
		CHECK_INT(m.reg->n_contacts, 2);
		c = contact(&m, "0x7f1a2b3c4d50");
		if (c != NULL) {
			check_phone_004(&m, c);
			CHECK(c->expires_at == T0 + 3600);
		}
		c = contact(&m, "0x7f1a2b3c4e90");
		CHECK(c != NULL);
		if (c != NULL) {
			CHECK_STR(m.snap, c->uri, "sip:+12025550101@10.45.0.77:5060;transport=udp");
			CHECK_STR(m.snap, c->instance, "urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b");
			CHECK_INT(c->n_features, 1);
			CHECK_INT(c->role, REGTABLE_ROLE_SECONDARY);
			/* capability_hints: pager, largemsg, session, filetransfer */
			CHECK_INT(c->services, RGL_SVC_BIT(RGL_SVC_PAGER) |
					       RGL_SVC_BIT(RGL_SVC_LARGE_MESSAGE) |
					       RGL_SVC_BIT(RGL_SVC_SESSION) |
					       RGL_SVC_BIT(RGL_SVC_FILE_TRANSFER));
		}
	}
	fx_close(&x);

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "005-refreshed-then-shortened/01.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "005-refreshed-then-shortened/02.sip", T0 + 10),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "005-refreshed-then-shortened/03.sip", T0 + 20),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:+12025550101@ims.example.net", &m)) {
		CHECK_INT(m.snap->version, 2);
		CHECK_INT(m.reg->n_contacts, 1);
		c = contact(&m, "0x7f1a2b3c4d50");
		if (c != NULL) {
			check_phone_004(&m, c);
			CHECK_INT(c->event, REGINFO_EV_SHORTENED);
			CHECK(c->expires_at == T0 + 20 + 120);
		}
	}
	fx_close(&x);
}

static void
test_corpus_007_009_010(void)
{
	struct regtable_match m;
	const struct regtable_contact *c;
	struct fx x;

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "007-stale-version-discarded/01.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "007-stale-version-discarded/02.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "007-stale-version-discarded/03.sip", T0),
		  REGTABLE_STALE);
	if (found(&x, "sip:+12025550107@ims.example.net", &m)) {
		CHECK_INT(m.snap->version, 6);
		CHECK_INT(m.reg->n_contacts, 2);
		c = contact(&m, "a");
		CHECK(c != NULL && c->event == REGINFO_EV_REGISTERED);
		c = contact(&m, "b");
		CHECK(c != NULL && c->event == REGINFO_EV_CREATED);
	}

	CHECK_INT(apply_file(&x, CORPUS "009-version-gap-then-full-resync/01.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "009-version-gap-then-full-resync/02.sip", T0),
		  REGTABLE_GAP);
	if (found(&x, "sip:+12025550109@ims.example.net", &m)) {
		CHECK_INT(m.snap->version, 3);
		CHECK_INT(m.snap->refresh_needed, 1);
		CHECK_INT(m.reg->n_contacts, 3);
	}
	CHECK_INT(apply_file(&x, CORPUS "009-version-gap-then-full-resync/03.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:+12025550109@ims.example.net", &m)) {
		CHECK_INT(m.snap->version, 4);
		CHECK_INT(m.snap->refresh_needed, 0);
		CHECK_INT(m.reg->n_contacts, 2);
		CHECK(contact(&m, "b") == NULL);
		c = contact(&m, "a");
		CHECK(c != NULL && c->event == REGINFO_EV_REFRESHED && c->expires_at == T0 + 3500);
		c = contact(&m, "c");
		CHECK(c != NULL && c->expires_at == T0 + 3590);
	}

	CHECK_INT(apply_file(&x, CORPUS "010-full-state-drops-unlisted-registration/01.sip", T0),
		  REGTABLE_APPLIED);
	CHECK(found(&x, "tel:+12025550110", &m));
	CHECK_INT(apply_file(&x, CORPUS "010-full-state-drops-unlisted-registration/02.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(regtable_lookup(x.t, S("tel:+12025550110"), &m), -ENOENT);
	if (found(&x, "sip:+12025550110@ims.example.net", &m)) {
		CHECK_STR(m.snap, m.reg->id, "a1");
		CHECK_INT(m.snap->n_regs, 1);
		c = contact(&m, "1");
		CHECK(c != NULL && c->event == REGINFO_EV_REFRESHED);
	}
	fx_close(&x);
}

static void
test_corpus_013(void)
{
	struct regtable_match m;
	const struct regtable_contact *c;
	struct fx x;

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "013-terminated-timeout-empty-body-then-481/01.sip", T0),
		  REGTABLE_APPLIED);
	CHECK_INT(apply_file(&x, CORPUS "013-terminated-timeout-empty-body-then-481/02.sip", T0),
		  REGTABLE_NO_CHANGE);
	CHECK_INT(apply_file(&x, CORPUS "013-terminated-timeout-empty-body-then-481/03.sip", T0),
		  REGTABLE_SUB_TERMINATED);
	if (found(&x, "sip:+12025550113@ims.example.net", &m)) {
		CHECK_INT(m.snap->sub_state, REGTABLE_SUBSTATE_TERMINATED);
		CHECK_STR(m.snap, m.snap->sub_reason, "timeout");
		CHECK_INT(m.snap->version, 0);
		CHECK_STR(m.snap, m.reg->id, "r13");
		c = contact(&m, "1");
		CHECK(c != NULL && c->event == REGINFO_EV_REGISTERED && c->expires_at == T0 + 3600);
	}
	fx_close(&x);
}

static void
test_corpus_020(void)
{
	static const char *const aors[3] = { "sip:user_aor_1@example.net",
					     "sip:user_aor_2@example.net",
					     "sip:+358504821437@example.net;user=phone" };
	static const char *const ids[3] = { "92", "93", "94" };
	static const char *const pub[3] = {
		"sip:user_aor_1@example.net;gr=hha9s8d-999a",
		"sip:user_aor_2@example.net;gr=hha9s8d-999b",
		"sip:+358504821437@example.net;user=phone;gr=hha9s8d-999c",
	};
	static const char *const tmp[3] = {
		"sip:8ffkas08af7fasklzi9@example.net;gr",
		"sip:07hcovy36vp6vngvbia@example.net;gr",
		"sip:h99egjbv17fe8ibvlka@example.net;gr",
	};
	struct regtable_match m;
	const struct regtable_contact *c;
	struct fx x;

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "020-rfc5628-implicit-registration-gruu/request.sip", T0),
		  REGTABLE_APPLIED);
	for (int i = 0; i < 3; i++) {
		if (!found(&x, aors[i], &m))
			continue;
		CHECK_STR(m.snap, m.reg->aor, aors[i]);
		c = contact(&m, ids[i]);
		CHECK(c != NULL);
		if (c == NULL)
			continue;
		CHECK_STR(m.snap, c->uri, "sip:ua.example.com");
		CHECK_INT(c->event, i == 0 ? REGINFO_EV_REGISTERED : REGINFO_EV_CREATED);
		CHECK(c->expires_at == T0 + 3599);
		CHECK_INT(c->duration_registered, 1);
		CHECK_STR(m.snap, c->callid, "faif9a@ua.example.com");
		CHECK_INT(c->cseq, 23001);
		CHECK_STR(m.snap, c->instance, "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
		CHECK_INT(c->instance_source, REGTABLE_INSTANCE_SIP_INSTANCE);
		CHECK_INT(c->n_features, 0);
		CHECK_STR(m.snap, c->pub_gruu, pub[i]);
		CHECK_STR(m.snap, c->temp_gruu, tmp[i]);
		CHECK(c->has & REGINFO_HAS_TEMP_GRUU_CSEQ);
		CHECK_INT(c->temp_gruu_first_cseq, 54301);
		CHECK_INT(c->role, REGTABLE_ROLE_SECONDARY);
	}
	/* the tel form of the third AoR */
	CHECK(found(&x, "tel:+358504821437", &m) && rgl_slice_eq(regtable_str(m.snap, m.reg->id), "a9"));
	fx_close(&x);
}

static void
test_corpus_024_032(void)
{
	static const char *const aors024[2] = { "tel:+12025550124",
						"sip:+12025550124@ims.mnc001.mcc001.3gppnetwork.org" };
	struct regtable_match m;
	const struct regtable_contact *c;
	struct fx x;

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "024-kamailio-scscf-two-devices/request.sip", T0),
		  REGTABLE_APPLIED);
	for (int i = 0; i < 2; i++) {
		if (!found(&x, aors024[i], &m))
			continue;
		CHECK_STR(m.snap, m.reg->id, i == 0 ? "0x7f8844b8f5a8" : "0x7f8844b8f6c0");
		CHECK_INT(m.reg->n_contacts, 2);
		c = contact(&m, "0x7f8844b9e9e0");
		if (c != NULL) {
			CHECK(c->expires_at == T0 + 600000);
			CHECK_NOSTR(m.snap, c->q);
			CHECK_STR(m.snap, c->instance, "urn:gsma:imei:86753009-654321-8");
			CHECK_INT(c->n_features, 3);
			CHECK_SLICE(feature(m.snap, c, "+g.3gpp.icsi-ref"),
				    "urn:urn-7:3gpp-service.ims.icsi.mmtel");
			CHECK_SLICE(feature(m.snap, c, "+g.3gpp.smsip"), "");
			CHECK_SLICE(feature(m.snap, c, "video"), "");
			CHECK_INT(c->role, REGTABLE_ROLE_PRIMARY);
		}
		c = contact(&m, "0x7f8844ba0a10");
		if (c != NULL) {
			CHECK(c->expires_at == T0 + 3600);
			CHECK_STR(m.snap, c->q, "0.500");
			CHECK_STR(m.snap, c->instance, "urn:uuid:7d1e5c2a-0b9f-4c3e-8a6d-5f4e3d2c1b0a");
			CHECK_INT(c->n_features, 1);
			CHECK_INT(c->role, REGTABLE_ROLE_SECONDARY);
		}
	}
	fx_close(&x);

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "032-primary-phone-tablet-pc/request.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:+12025550101@ims.example.net", &m)) {
		CHECK_STR(m.snap, m.reg->id, "a100");
		c = contact(&m, "980");
		if (c != NULL) {
			CHECK_INT(c->role, REGTABLE_ROLE_PRIMARY);
			CHECK_STR(m.snap, c->callid, "reg-980@device");
			CHECK_INT(c->cseq, 11);
			CHECK_INT(c->n_features, 8);
			CHECK_SLICE(feature(m.snap, c, "+g.gsma.rcs.telephony"), "cs,volte");
			CHECK_SLICE(feature(m.snap, c, "reg-id"), "1");
			CHECK_SLICE(feature(m.snap, c, "+g.3gpp.iari-ref"),
				    "urn:urn-7:3gpp-application.ims.iari.rcs.fthttp,"
				    "urn:urn-7:3gpp-application.ims.iari.rcs.ftsms");
			CHECK_STR(m.snap, c->pub_gruu,
				  "sip:+12025550101@ims.example.net;gr=urn:gsma:imei:35332510-123456-9");
			CHECK_INT(c->instance_source, REGTABLE_INSTANCE_SIP_INSTANCE);
			CHECK_INT(c->services, RGL_SVC_ALL);
		}
		c = contact(&m, "981");
		if (c != NULL) {
			CHECK_INT(c->role, REGTABLE_ROLE_SECONDARY);
			CHECK_SLICE(feature(m.snap, c, "+g.gsma.rcs.telephony"), "none");
			CHECK_INT(c->services, RGL_SVC_BIT(RGL_SVC_PAGER) |
					       RGL_SVC_BIT(RGL_SVC_LARGE_MESSAGE) |
					       RGL_SVC_BIT(RGL_SVC_SESSION) |
					       RGL_SVC_BIT(RGL_SVC_FILE_TRANSFER));
		}
		c = contact(&m, "982");
		if (c != NULL) {
			CHECK_INT(c->role, REGTABLE_ROLE_SECONDARY);
			CHECK_SLICE(feature(m.snap, c, "+g.oma.sip-im"), "");
			CHECK_INT(c->services, RGL_SVC_BIT(RGL_SVC_SESSION));
		}
	}
	if (found(&x, "tel:+12025550101", &m)) {
		CHECK_STR(m.snap, m.reg->id, "a101");
		CHECK_INT(contact(&m, "983")->role, REGTABLE_ROLE_PRIMARY);
		CHECK_INT(contact(&m, "984")->role, REGTABLE_ROLE_SECONDARY);
		CHECK_INT(contact(&m, "985")->role, REGTABLE_ROLE_SECONDARY);
		CHECK_INT(contact(&m, "983")->event, REGINFO_EV_CREATED);
	}
	fx_close(&x);
}

static void
test_corpus_062_066(void)
{
	struct regtable_match m;
	const struct regtable_contact *c;
	struct fx x;

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "066-missing-required-attributes-skipped/request.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:+12025550150@ims.example.net", &m)) {
		CHECK_STR(m.snap, m.reg->id, "r1");
		CHECK_INT(m.snap->n_regs, 1);
		CHECK_INT(m.reg->n_contacts, 1);
		c = contact(&m, "c1");
		if (c != NULL) {
			CHECK_STR(m.snap, c->uri, "sip:+12025550150@10.45.0.50:5060");
			CHECK_STR(m.snap, c->instance, "urn:gsma:imei:35846910-482311-2");
			CHECK_INT(c->n_features, 1);
			CHECK_SLICE(feature(m.snap, c, "+g.3gpp.smsip"), "");
			CHECK_INT(c->role, REGTABLE_ROLE_PRIMARY);
		}
	}
	fx_close(&x);

	fx_open(&x, NULL);
	CHECK_INT(apply_file(&x, CORPUS "062-namespace-prefixed-elements/request.sip", T0),
		  REGTABLE_APPLIED);
	if (found(&x, "sip:+12025550150@ims.example.net", &m)) {
		c = contact(&m, "c1");
		CHECK(c != NULL && c->role == REGTABLE_ROLE_PRIMARY && c->n_features == 1);
	}
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Growth: 1 M registrations, the tables must really resize            */

static void
test_growth(uint32_t count)
{
	struct regtable_config cfg;
	struct regtable_chain_stats cs;
	struct regtable_stats st;
	struct regtable_match m;
	struct fx x;
	struct evb b;
	char aor[64], cid[32];
	uint32_t applied = 0;
	unsigned resizes = 0;

	regtable_config_default(&cfg);
	cfg.max_registrations = count + 16;
	cfg.max_memory = (uint64_t)count * 720 + (32u << 20); /* ~670 B/registration */
	cfg.init_buckets = 1024; /* start small: the table must grow */
	fx_open(&x, &cfg);

	for (uint32_t i = 0; i < count; i++) {
		struct regtable_notify n;
		int al = snprintf(aor, sizeof(aor), "sip:+1555%07u@ims.example.net", i);

		snprintf(cid, sizeof(cid), "c%u", i);
		n = NT(aor, cid, 1);
		evb_init(&b, 0, REGINFO_DOC_FULL);
		b.regs[0].aor = rgl_slice_make(aor, (size_t)al);
		b.regs[0].id = S("r");
		b.regs[0].state = REGINFO_REG_ACTIVE;
		b.ev.n_regs = 1;
		evb_contact(&b, "1", "sip:ue@192.0.2.1:5060", REGINFO_CONTACT_ACTIVE,
			    REGINFO_EV_REGISTERED);
		applied += apply(&x, &n, &b.ev, T0) == REGTABLE_APPLIED;
		if ((i & 1023) == 1023)
			urcu_qsbr_quiescent_state(); /* as a worker does per burst */
		if ((i & 4095) == 4095)
			resizes += regtable_maintain(x.t); /* as the control thread does */
	}
	resizes += regtable_maintain(x.t);
	CHECK_INT(applied, count);
	regtable_stats(x.t, &st);
	CHECK_INT(st.registrations, count);
	CHECK_INT(st.subscriptions, count);
	CHECK_INT(st.aliases, count);
	printf("growth: %u registrations, %.1f MiB of records (%.0f B/registration)\n", count,
	       st.mem_in_use / 1048576.0, (double)st.mem_in_use / count);

	/* Structure, not time: the split-ordered lists must have grown from
	 * 1024 buckets to at least count/2, with short chains (measured by
	 * walking the lists, not taken from our own bookkeeping). */
	CHECK(resizes >= 2);
	for (int which = 0; which < 2; which++) {
		regtable_chain_stats(x.t, (enum regtable_index)which, &cs);
		printf("growth: %s: %llu buckets, %llu nodes, max chain %llu\n",
		       which ? "aliases" : "subscriptions", (unsigned long long)cs.buckets,
		       (unsigned long long)cs.nodes, (unsigned long long)cs.max_chain);
		CHECK_INT(cs.nodes, count);
		CHECK(cs.buckets >= count / 2);
		CHECK_INT(cs.buckets, which ? st.alias_buckets : st.sub_buckets);
		CHECK(cs.max_chain <= 24);
	}

	/* and every user is still found */
	for (uint32_t i = 0; i < count; i += 997) {
		snprintf(aor, sizeof(aor), "sip:+1555%07u@ims.example.net", i);
		CHECK_INT(regtable_lookup(x.t, S(aor), &m), 0);
	}
	fx_close(&x);
}

/*
 * A document AoR spelled exactly as one the subscription holds takes that
 * registration's key without normalizing again: only byte-equal spellings
 * may share it (same length is not enough), in full and partial documents.
 */
static void
test_aor_key_reuse(void)
{
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:Bob@example.com", "cid-k", 1);
	struct regtable_match m;

	fx_open(&x, NULL);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:Bob@Example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "1", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	evb_reg(&b, "tel:+15551230000", "r2", REGINFO_REG_ACTIVE);
	evb_contact(&b, "2", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	evb_reg(&b, "not-a-uri", "r3", REGINFO_REG_ACTIVE);
	evb_contact(&b, "3", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);

	/* full: one same spelling, one same key spelled otherwise, two AoRs of
	 * the old lengths that are other users, the garbage one again */
	evb_init(&b, 1, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:Bob@Example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "1", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REFRESHED);
	evb_reg(&b, "tel:+1-555-123-0000", "r2", REGINFO_REG_ACTIVE);
	evb_contact(&b, "2", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REFRESHED);
	evb_reg(&b, "tel:+15551230001", "r2", REGINFO_REG_ACTIVE);
	evb_contact(&b, "4", "sip:ue@192.0.2.4", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	evb_reg(&b, "sip:bob@Example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "5", "sip:ue@192.0.2.5", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	evb_reg(&b, "not-a-uri", "r3", REGINFO_REG_ACTIVE);
	evb_contact(&b, "3", "sip:ue@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REFRESHED);
	n.cseq = 2;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 1), REGTABLE_APPLIED);
	if (found(&x, "sip:Bob@example.com", &m)) {
		CHECK_INT(m.snap->n_regs, 5);
		CHECK_STR(m.snap, m.reg->aor, "sip:Bob@Example.com");
		CHECK_STR(m.snap, m.reg->aor_key, "sip:Bob@example.com");
		CHECK_STR(m.snap, regtable_reg_contacts(m.snap, m.reg)[0].id, "1");
	}
	if (found(&x, "tel:+15551230000", &m)) {
		CHECK_STR(m.snap, m.reg->aor, "tel:+1-555-123-0000");
		CHECK_STR(m.snap, m.reg->aor_key, "tel:+15551230000");
	}
	if (found(&x, "tel:+15551230001", &m)) {
		CHECK_STR(m.snap, m.reg->aor_key, "tel:+15551230001");
		CHECK_STR(m.snap, regtable_reg_contacts(m.snap, m.reg)[0].id, "4");
	}
	if (found(&x, "sip:bob@example.com", &m)) {
		CHECK_STR(m.snap, m.reg->aor_key, "sip:bob@example.com");
		CHECK_STR(m.snap, regtable_reg_contacts(m.snap, m.reg)[0].id, "5");
		for (uint32_t i = 0; i < m.snap->n_regs; i++)
			if (rgl_slice_eq(regtable_str(m.snap, m.snap->regs[i].aor), "not-a-uri"))
				CHECK_NOSTR(m.snap, m.snap->regs[i].aor_key);
	}

	/* partial: an AoR of an old length and another key becomes a new
	 * registration; the old spelling finds its own */
	evb_init(&b, 2, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "tel:+15551230002", "r2", REGINFO_REG_ACTIVE);
	evb_contact(&b, "6", "sip:ue@192.0.2.6", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	evb_reg(&b, "sip:Bob@Example.com", "r1", REGINFO_REG_ACTIVE);
	evb_contact(&b, "7", "sip:ue@192.0.2.7", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	evb_reg(&b, "not-a-uri", "r3", REGINFO_REG_TERMINATED);
	n.cseq = 3;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 2), REGTABLE_APPLIED);
	if (found(&x, "tel:+15551230002", &m)) {
		CHECK_INT(m.snap->n_regs, 6);
		CHECK_STR(m.snap, m.reg->aor_key, "tel:+15551230002");
		CHECK_INT(m.reg->n_contacts, 1);
	}
	if (found(&x, "tel:+15551230001", &m))
		CHECK_INT(m.reg->n_contacts, 1);
	if (found(&x, "sip:Bob@example.com", &m)) {
		CHECK_INT(m.reg->n_contacts, 2);
		for (uint32_t i = 0; i < m.snap->n_regs; i++)
			if (rgl_slice_eq(regtable_str(m.snap, m.snap->regs[i].aor), "not-a-uri")) {
				CHECK_INT(m.snap->regs[i].n_contacts, 0);
				CHECK_INT(m.snap->regs[i].state, REGINFO_REG_TERMINATED);
			}
	}
	fx_close(&x);
}

/* ------------------------------------------------------------------ */
/* Carried contacts equal freshly built ones (differential)            */

/*
 * A model of one subscription's registrations. Partial documents change
 * it one step at a time and go to subscription A, which carries every
 * contact they do not list from its old snapshot; after each step the
 * whole model goes as a full document to subscription B, where every
 * contact is built from the document. A and B must then hold the same
 * registrations and contacts, field by field. Device specs repeat across
 * the registrations of the implicit set and across steps, so the writer's
 * feature cache serves most features; independent oracles check the
 * normalized values, services and hints of every contact of B.
 */

#define DM_REGS 3
#define DM_CONTACTS 10
#define DM_PARAMS 12
#define DM_STR 512

struct dm_param {
	char name[40];
	char value[DM_STR];
	bool has_value;
};

struct dm_contact {
	char id[24];
	char uri[64];
	char callid[40];
	char display[24];
	char q[8];
	char gruu[120];
	char tgruu[64];
	bool has_display, has_q, has_gruu, has_tgruu;
	uint32_t has;
	uint64_t expires, duration, cseq, tg_cseq, retry;
	enum reginfo_contact_event event;
	struct dm_param params[DM_PARAMS];
	uint32_t n_params;
};

struct dm_reg {
	char aor[64];
	char id[16];
	enum reginfo_reg_state state;
	struct dm_contact c[DM_CONTACTS];
	uint32_t n;
};

struct dm {
	struct dm_reg regs[DM_REGS];
	uint32_t n_regs;
	unsigned seed;
	uint32_t next_id;
};

/* A document under construction (strings live in the model or in it). */
struct dm_doc {
	struct reginfo_event ev;
	struct reginfo_registration regs[DM_REGS];
	struct reginfo_contact contacts[DM_REGS * DM_CONTACTS];
	struct reginfo_param params[DM_REGS * DM_CONTACTS * DM_PARAMS];
};

static const char *const dm_icsi[] = { "mmtel", "oma.cpm.msg", "oma.cpm.largemsg",
				       "oma.cpm.session", "oma.cpm.filetransfer",
				       "oma.cpm.deferred", "oma.cpm.systemmsg" };

static unsigned
dm_rand(struct dm *m, unsigned n)
{
	return prng(&m->seed) % n;
}

/* Append to @p out (capacity @p cap, used @p *n) without ever overflowing. */
static void
dm_cat(char *out, size_t cap, size_t *n, const char *s)
{
	size_t l = strlen(s);

	if (*n + l >= cap)
		l = cap - 1 - *n;
	memcpy(out + *n, s, l);
	*n += l;
	out[*n] = '\0';
}

/* An ICSI/IARI list the way a device writes it: %-escaped, quoted, any case. */
static void
dm_ref_value(struct dm *m, char *out, size_t cap, bool iari)
{
	unsigned pick = 1 + dm_rand(m, 127);
	size_t n = 0;
	bool first = true;

	out[0] = '\0';
	dm_cat(out, cap, &n, dm_rand(m, 4) ? "\"" : " \"");
	for (unsigned i = 0; i < 7; i++) {
		if (!(pick & (1u << i)))
			continue;
		if (!first)
			dm_cat(out, cap, &n, dm_rand(m, 4) ? "," : " , ");
		first = false;
		if (iari) {
			dm_cat(out, cap, &n, dm_rand(m, 3) ? "urn%3Aurn-7%3A" : "urn%253Aurn-7%3a");
			dm_cat(out, cap, &n, "3gpp-application.ims.iari.rcs.");
			dm_cat(out, cap, &n, i % 2 ? "fthttp" : "ftsms");
		} else {
			dm_cat(out, cap, &n, dm_rand(m, 5) ? "urn" : "URN");
			dm_cat(out, cap, &n, dm_rand(m, 2) ? "%3Aurn-7%3A" : "%3aurn-7%3a");
			dm_cat(out, cap, &n, "3gpp-service.ims.icsi.");
			dm_cat(out, cap, &n, dm_icsi[i]);
		}
	}
	dm_cat(out, cap, &n, dm_rand(m, 6) ? "\"" : "\"%4");
}

static void
dm_param(struct dm_contact *c, const char *name, const char *value)
{
	struct dm_param *p = &c->params[c->n_params++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->has_value = value != NULL;
	snprintf(p->value, sizeof(p->value), "%s", value ? value : "");
}

/* A device model: features chosen from a small pool, so they repeat. */
static void
dm_new_contact(struct dm *m, struct dm_contact *c, unsigned dev, const char *aor_user)
{
	static const char *const tel[] = { "\"cs,volte\"", "none", " \"VoLTE\" ", "\"cs\"" };
	unsigned kind = dev % 4;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%u", m->next_id++);
	snprintf(c->uri, sizeof(c->uri), "%ssip:%s@10.0.%u.%u:5060%s", dev % 5 ? "" : " ",
		 aor_user, dev % 7, dev, dev % 5 ? "" : "\n");
	snprintf(c->callid, sizeof(c->callid), "reg-%u@dev", dev);
	c->has_display = dev % 3 == 0;
	snprintf(c->display, sizeof(c->display), "%s", dev % 2 ? "" : "Dev");
	c->has_q = dev % 4 == 1;
	snprintf(c->q, sizeof(c->q), "0.%u", dev % 10);
	c->has_gruu = dev % 2 == 0;
	snprintf(c->gruu, sizeof(c->gruu), "sip:%s@ims.example.net;gr=urn:uuid:%08x-0000", aor_user,
		 dev);
	c->has_tgruu = dev % 6 == 0;
	snprintf(c->tgruu, sizeof(c->tgruu), "sip:t%u@ims.example.net;gr", dev);
	c->has = REGINFO_HAS_EXPIRES | (dm_rand(m, 2) ? REGINFO_HAS_DURATION : 0) |
		 REGINFO_HAS_CSEQ | (c->has_tgruu ? REGINFO_HAS_TEMP_GRUU_CSEQ : 0);
	c->expires = 60 + dm_rand(m, 3600);
	c->duration = dm_rand(m, 5000);
	c->cseq = 1 + dm_rand(m, 100);
	c->tg_cseq = 77;
	c->event = REGINFO_EV_REGISTERED;

	if (kind != 3 || dev % 8 == 3) {
		char inst[80];

		snprintf(inst, sizeof(inst), kind == 0 ? "\"<urn:gsma:imei:3533%04u-123456-%u>\""
						       : " \"<urn:uuid:%08x-1111>\"",
			 dev, dev % 10);
		dm_param(c, dev % 9 == 4 ? "+SIP.Instance" : "+sip.instance", inst);
	}
	if (kind != 2) {
		char v[DM_STR];

		dm_ref_value(m, v, sizeof(v), false);
		dm_param(c, dm_rand(m, 8) ? "+g.3gpp.icsi-ref" : "+G.3GPP.ICSI-REF", v);
	}
	if (dev % 3 != 1) {
		char v[DM_STR];

		dm_ref_value(m, v, sizeof(v), true);
		dm_param(c, "+g.3gpp.iari-ref", v);
	}
	if (kind == 0)
		dm_param(c, dev % 5 == 0 ? "+G.3gpp.SMSIP" : "+g.3gpp.smsip", NULL);
	dm_param(c, "+g.gsma.rcs.telephony", tel[dev % 4]);
	if (dev % 2)
		dm_param(c, "audio", NULL);
	dm_param(c, "reg-id", "1");
	if (dev % 5 == 2)
		dm_param(c, "q", "0.7");
	if (dev % 6 == 5)
		dm_param(c, "expires", "600");
	if (dev % 7 == 3)
		dm_param(c, "  +g.gsma.rcs.cpm.pager-large ", "\"\"");
	if (dev % 11 == 10)
		dm_param(c, "+sip.instance", "\"<>\"");
}

static void
dm_init(struct dm *m, unsigned seed)
{
	static const char *const aor[] = { "sip:+15550001111@ims.example.net", "tel:+15550001111",
					   "sip:alice@Ims.Example.NET" };

	memset(m, 0, sizeof(*m));
	m->seed = seed;
	m->next_id = 100000;
	m->n_regs = 1 + dm_rand(m, DM_REGS);
	for (uint32_t r = 0; r < m->n_regs; r++) {
		snprintf(m->regs[r].aor, sizeof(m->regs[r].aor), "%s", aor[r]);
		snprintf(m->regs[r].id, sizeof(m->regs[r].id), "reg%u", r);
		m->regs[r].state = REGINFO_REG_ACTIVE;
	}
}

static void
dm_add_contact(struct dm_doc *d, const struct dm_contact *c, enum reginfo_contact_state st)
{
	struct reginfo_contact *ec = &d->contacts[d->ev.n_contacts++];

	memset(ec, 0, sizeof(*ec));
	ec->id = S(c->id);
	ec->uri = S(c->uri);
	ec->callid = S(c->callid);
	ec->display_name = c->has_display ? S(c->display) : RGL_SLICE_NONE;
	ec->q = c->has_q ? S(c->q) : RGL_SLICE_NONE;
	ec->pub_gruu = c->has_gruu ? S(c->gruu) : RGL_SLICE_NONE;
	ec->temp_gruu = c->has_tgruu ? S(c->tgruu) : RGL_SLICE_NONE;
	ec->state = st;
	ec->event = c->event;
	ec->has = c->has;
	ec->expires = c->expires;
	ec->duration_registered = c->duration;
	ec->cseq = c->cseq;
	ec->temp_gruu_first_cseq = c->tg_cseq;
	ec->first_param = d->ev.n_params;
	for (uint32_t k = 0; k < c->n_params; k++) {
		struct reginfo_param *p = &d->params[d->ev.n_params++];

		p->name = S(c->params[k].name);
		p->value = c->params[k].has_value ? S(c->params[k].value) : RGL_SLICE_NONE;
	}
	ec->n_params = c->n_params;
	d->regs[d->ev.n_regs - 1].n_contacts++;
}

static void
dm_doc_begin(struct dm_doc *d, uint32_t version, enum reginfo_doc_state st)
{
	memset(&d->ev, 0, sizeof(d->ev));
	d->ev.version = version;
	d->ev.state = st;
	d->ev.regs = d->regs;
	d->ev.contacts = d->contacts;
	d->ev.params = d->params;
}

static void
dm_doc_reg(struct dm_doc *d, const struct dm_reg *r)
{
	struct reginfo_registration *e = &d->regs[d->ev.n_regs++];

	memset(e, 0, sizeof(*e));
	e->aor = S(r->aor);
	e->id = S(r->id);
	e->state = r->state;
	e->first_contact = d->ev.n_contacts;
}

/* The whole model as a full document. */
static void
dm_full(const struct dm *m, struct dm_doc *d, uint32_t version)
{
	dm_doc_begin(d, version, REGINFO_DOC_FULL);
	for (uint32_t r = 0; r < m->n_regs; r++) {
		dm_doc_reg(d, &m->regs[r]);
		for (uint32_t k = 0; k < m->regs[r].n; k++)
			dm_add_contact(d, &m->regs[r].c[k], REGINFO_CONTACT_ACTIVE);
	}
}

/*
 * One random change as a partial document (listing one registration),
 * applied to the model too. Contacts the document reports terminated are
 * kept in @p gone[2] so that its slices stay valid.
 */
static void
dm_step(struct dm *m, struct dm_doc *d, uint32_t version, struct dm_contact *gone)
{
	uint32_t ri = dm_rand(m, m->n_regs);
	struct dm_reg *r = &m->regs[ri];
	unsigned op = dm_rand(m, 10);
	char user[32];

	/* most devices register the same user part under every AoR: twins */
	snprintf(user, sizeof(user), "u%u", dm_rand(m, 4) ? 0 : ri);
	dm_doc_begin(d, version, REGINFO_DOC_PARTIAL);
	if (op == 9 && dm_rand(m, 2)) {
		/* one new device under every AoR of the set (new ids) */
		struct dm_contact spec;

		dm_new_contact(m, &spec, dm_rand(m, 40), user);
		for (uint32_t i = 0; i < m->n_regs; i++) {
			struct dm_reg *q = &m->regs[i];

			if (q->n == DM_CONTACTS)
				continue;
			q->state = REGINFO_REG_ACTIVE;
			dm_doc_reg(d, q);
			q->c[q->n] = spec;
			snprintf(q->c[q->n].id, sizeof(q->c[q->n].id), "%u", m->next_id++);
			dm_add_contact(d, &q->c[q->n], REGINFO_CONTACT_ACTIVE);
			q->n++;
		}
		return;
	}
	if (r->state != REGINFO_REG_ACTIVE)
		r->state = REGINFO_REG_ACTIVE; /* reported active again */
	if (op == 0 && r->n > 0) {
		/* the registration ends: every contact goes */
		r->state = dm_rand(m, 2) ? REGINFO_REG_TERMINATED : REGINFO_REG_INIT;
		r->n = 0;
		dm_doc_reg(d, r);
		return;
	}
	if (op == 1 && ri == 2) {
		/* another spelling of the same AoR key (host case) */
		snprintf(r->aor, sizeof(r->aor), "%s",
			 strcmp(r->aor, "sip:alice@Ims.Example.NET") == 0 ? "sip:alice@ims.example.NET"
									 : "sip:alice@Ims.Example.NET");
	}
	dm_doc_reg(d, r);
	if ((op <= 4 && r->n > 0) || r->n == DM_CONTACTS) {
		/* refresh one contact: new numbers, sometimes new features */
		struct dm_contact *c = &r->c[dm_rand(m, r->n)];

		c->event = REGINFO_EV_REFRESHED;
		c->cseq++;
		c->expires = 60 + dm_rand(m, 3600);
		/* a new Call-ID or display name here only: no longer the twin
		 * of its device under the other AoRs */
		if (dm_rand(m, 3) == 0)
			snprintf(c->callid, sizeof(c->callid), "reg-%u@dev", dm_rand(m, 1000));
		if (dm_rand(m, 5) == 0) {
			c->has_display = !c->has_display;
			snprintf(c->display, sizeof(c->display), "D%u", dm_rand(m, 9));
		}
		if (dm_rand(m, 4) == 0) {
			char id[24];

			memcpy(id, c->id, sizeof(id));
			dm_new_contact(m, c, dm_rand(m, 40), user);
			memcpy(c->id, id, sizeof(id));
			m->next_id--;
		}
		dm_add_contact(d, c, REGINFO_CONTACT_ACTIVE);
	} else if (op <= 7 || r->n < 2) {
		/* a new contact, maybe a device already listed elsewhere */
		dm_new_contact(m, &r->c[r->n], dm_rand(m, 40), user);
		dm_add_contact(d, &r->c[r->n], REGINFO_CONTACT_ACTIVE);
		r->n++;
	} else {
		/* a contact leaves; the others are carried */
		uint32_t k = dm_rand(m, r->n);

		gone[0] = r->c[k];
		memmove(&r->c[k], &r->c[k + 1], (r->n - k - 1) * sizeof(r->c[0]));
		r->n--;
		gone[0].event = REGINFO_EV_UNREGISTERED;
		dm_add_contact(d, &gone[0], REGINFO_CONTACT_TERMINATED);
	}
	/* sometimes also a contact that is not there (nothing to remove) */
	if (dm_rand(m, 8) == 0) {
		dm_new_contact(m, &gone[1], 3, user);
		dm_add_contact(d, &gone[1], REGINFO_CONTACT_TERMINATED);
	}
}

static bool
ref_eq(const struct regtable_snapshot *a, struct regtable_sref ra,
       const struct regtable_snapshot *b, struct regtable_sref rb)
{
	struct rgl_slice x = regtable_str(a, ra), y = regtable_str(b, rb);

	return (x.p == NULL) == (y.p == NULL) && x.len == y.len &&
	       (x.len == 0 || memcmp(x.p, y.p, x.len) == 0);
}

/* Whether snapshots @p a and @p b hold the same registrations and contacts. */
static bool
snap_same(const struct regtable_snapshot *a, const struct regtable_snapshot *b)
{
	bool ok = a->n_regs == b->n_regs && a->n_contacts == b->n_contacts &&
		  a->n_features == b->n_features;

	for (uint32_t i = 0; ok && i < a->n_regs; i++) {
		const struct regtable_registration *x = &a->regs[i], *y = &b->regs[i];

		ok = ref_eq(a, x->aor, b, y->aor) && ref_eq(a, x->aor_key, b, y->aor_key) &&
		     ref_eq(a, x->id, b, y->id) &&
		     ref_eq(a, x->wildcarded_identity, b, y->wildcarded_identity) &&
		     x->updated_at == y->updated_at && x->n_contacts == y->n_contacts &&
		     x->state == y->state && x->first_contact == y->first_contact;
	}
	for (uint32_t i = 0; ok && i < a->n_contacts; i++) {
		const struct regtable_contact *x = &a->contacts[i], *y = &b->contacts[i];
		const struct regtable_feature *fx = regtable_contact_features(a, x);
		const struct regtable_feature *fy = regtable_contact_features(b, y);

		ok = ref_eq(a, x->id, b, y->id) && ref_eq(a, x->uri, b, y->uri) &&
		     ref_eq(a, x->display_name, b, y->display_name) &&
		     ref_eq(a, x->callid, b, y->callid) && ref_eq(a, x->q, b, y->q) &&
		     ref_eq(a, x->instance, b, y->instance) &&
		     ref_eq(a, x->pub_gruu, b, y->pub_gruu) &&
		     ref_eq(a, x->temp_gruu, b, y->temp_gruu) && x->received_at == y->received_at &&
		     x->expires_at == y->expires_at && x->retry_after == y->retry_after &&
		     x->duration_registered == y->duration_registered && x->cseq == y->cseq &&
		     x->temp_gruu_first_cseq == y->temp_gruu_first_cseq && x->has == y->has &&
		     x->services == y->services && x->n_features == y->n_features &&
		     x->first_feature == y->first_feature && x->state == y->state &&
		     x->event == y->event && x->instance_source == y->instance_source &&
		     x->role == y->role && x->hints == y->hints;
		for (uint32_t k = 0; ok && k < x->n_features; k++)
			ok = ref_eq(a, fx[k].name, b, fy[k].name) &&
			     ref_eq(a, fx[k].value, b, fy[k].value);
		if (!ok)
			fprintf(stderr, "contact %u differs\n", i);
	}
	return ok;
}

/* The value a feature must be stored with (SEMANTICS 3.7), by hand. */
static size_t
oracle_value(const char *name, const char *v, bool has_value, char *out)
{
	size_t a = 0, b = has_value ? strlen(v) : 0, n = 0;
	bool decode = strcasecmp(name, RGL_ICSI_REF) == 0 || strcasecmp(name, RGL_IARI_REF) == 0;

	while (a < b && strchr(" \t\r\n", v[a]))
		a++;
	while (b > a && strchr(" \t\r\n", v[b - 1]))
		b--;
	if (b - a >= 2 && v[a] == '"' && v[b - 1] == '"') {
		a++;
		b--;
	}
	for (size_t i = a; i < b; i++) {
		unsigned hi, lo;

		if (decode && v[i] == '%' && i + 2 < b && sscanf(v + i + 1, "%1x%1x", &hi, &lo) == 2 &&
		    isxdigit((unsigned char)v[i + 1]) && isxdigit((unsigned char)v[i + 2])) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = v[i];
		}
	}
	return n;
}

/* Check a contact of a fresh build against the model it came from. */
static void
oracle_contact(const struct regtable_config *cfg, const struct regtable_snapshot *s,
	       const struct regtable_contact *c, const struct dm_contact *mc)
{
	const struct regtable_feature *f = regtable_contact_features(s, c);
	uint32_t svc = 0, nf = 0;
	uint8_t hints = 0;
	char buf[DM_STR];

	for (uint32_t k = 0; k < mc->n_params; k++) {
		const struct dm_param *p = &mc->params[k];
		char name[40];
		size_t nl = strlen(p->name), a = 0;
		bool later = false;

		while (a < nl && p->name[a] == ' ')
			a++;
		while (nl > a && p->name[nl - 1] == ' ')
			nl--;
		snprintf(name, sizeof(name), "%.*s", (int)(nl - a), p->name + a);
		if (strcasecmp(name, "+sip.instance") == 0 || strcasecmp(name, "q") == 0 ||
		    strcasecmp(name, "expires") == 0)
			continue;
		for (uint32_t j = k + 1; j < mc->n_params; j++)
			later |= strcasecmp(mc->params[j].name, name) == 0;
		if (later)
			continue; /* the last of a repeated name counts */
		nf++;
		{
			size_t n = oracle_value(name, p->value, p->has_value, buf);
			struct rgl_slice v = RGL_SLICE_NONE;

			for (uint32_t j = 0; j < c->n_features; j++)
				if (rgl_slice_eq(regtable_str(s, f[j].name), name))
					v = regtable_str(s, f[j].value);
			CHECK(v.p != NULL && v.len == n && memcmp(v.p, buf, n) == 0);
			svc |= rgl_services_of_feature(cfg->services, S(name), rgl_slice_make(buf, n));
			if (strcasecmp(name, "+g.3gpp.smsip") == 0)
				hints |= 2;
			if (strcasecmp(name, "+g.gsma.rcs.telephony") == 0 &&
			    (rgl_list_has(rgl_slice_make(buf, n), "cs", 2) ||
			     rgl_list_has(rgl_slice_make(buf, n), "volte", 5)))
				hints |= 4;
		}
	}
	{
		struct rgl_slice inst = regtable_str(s, c->instance);

		if (inst.len >= 14 && strncasecmp(inst.p, "urn:gsma:imei:", 14) == 0)
			hints |= 1;
	}
	CHECK_INT(c->n_features, nf);
	CHECK_INT(c->services, svc);
	CHECK_INT(c->hints, hints);
}

static void
test_carry_matches_fresh(void)
{
	struct dm_doc *d = calloc(1, sizeof(*d));
	struct dm_contact *gone = calloc(2, sizeof(*gone));
	struct dm *m = calloc(1, sizeof(*m));
	struct regtable_config cfg;
	struct fx x;
	uint32_t mismatches = 0, steps = 0, same_bytes = 0;

	regtable_config_default(&cfg);
	cfg.max_memory = 64u << 20;
	cfg.max_registrations = 10000;
	fx_open(&x, &cfg);
	for (unsigned run = 0; run < 60; run++) {
		char cid_a[32], cid_b[32];
		uint32_t ver = 0;
		uint64_t now = T0 + run;

		dm_init(m, 1000 + run);
		snprintf(cid_a, sizeof(cid_a), "carry-%u", run);
		snprintf(cid_b, sizeof(cid_b), "fresh-%u", run);
		for (uint32_t r = 0; r < m->n_regs; r++) {
			m->regs[r].n = 1 + dm_rand(m, 3);
			for (uint32_t k = 0; k < m->regs[r].n; k++) {
				/* the implicit set: a device under each AoR, ids apart */
				if (r > 0 && k < m->regs[0].n && dm_rand(m, 3) != 0) {
					m->regs[r].c[k] = m->regs[0].c[k];
					snprintf(m->regs[r].c[k].id, sizeof(m->regs[r].c[k].id),
						 "%u", m->next_id++);
				} else {
					dm_new_contact(m, &m->regs[r].c[k], dm_rand(m, 40), "u0");
				}
			}
		}
		{
			struct regtable_notify na = NT("sip:+15550001111@ims.example.net", cid_a, 1);

			dm_full(m, d, ver);
			CHECK_INT(apply(&x, &na, &d->ev, now), REGTABLE_APPLIED);
		}
		for (uint32_t step = 0; step < 40; step++) {
			struct regtable_notify na = NT("sip:+15550001111@ims.example.net", cid_a, 1);
			struct regtable_notify nb = NT("sip:+15550001111@ims.example.net", cid_b, 1);
			const struct regtable_snapshot *a, *b;

			dm_step(m, d, ++ver, gone);
			CHECK_INT(apply(&x, &na, &d->ev, now), REGTABLE_APPLIED);
			dm_full(m, d, ver);
			CHECK_INT(apply(&x, &nb, &d->ev, now), REGTABLE_APPLIED);
			a = regtable_find_subscription(x.t, S("sip:+15550001111@ims.example.net"),
						       S(cid_a));
			b = regtable_find_subscription(x.t, S("sip:+15550001111@ims.example.net"),
						       S(cid_b));
			CHECK(a != NULL && b != NULL);
			if (a == NULL || b == NULL)
				break;
			steps++;
			if (!snap_same(a, b)) {
				mismatches++;
				fprintf(stderr, "carry run %u step %u: carried != fresh\n", run, step);
			}
			/* same strings, each stored once: the same size */
			same_bytes += a->bytes == b->bytes;
			for (uint32_t r = 0, ci = 0; r < m->n_regs; r++)
				for (uint32_t k = 0; k < m->regs[r].n && ci < b->n_contacts; k++, ci++)
					oracle_contact(&cfg, b, &b->contacts[ci], &m->regs[r].c[k]);
			urcu_qsbr_quiescent_state();
		}
	}
	CHECK_INT(mismatches, 0);
	CHECK(steps > 2000);
	CHECK_INT(same_bytes, steps);
	fx_close(&x);
	free(m);
	free(gone);
	free(d);
}

/*
 * Audit (SEMANTICS 3.3, case 006): a terminating event removes the contact
 * even when the notifier left state="active"; every one of the five.
 */
static void
test_terminating_event_removes(void)
{
	static const enum reginfo_contact_event evs[] = {
		REGINFO_EV_EXPIRED, REGINFO_EV_DEACTIVATED, REGINFO_EV_PROBATION,
		REGINFO_EV_UNREGISTERED, REGINFO_EV_REJECTED,
	};
	static const char *const ids[] = {"e0", "e1", "e2", "e3", "e4"};
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:dora@example.com", "cid-term", 1);
	struct regtable_match m;

	fx_open(&x, NULL);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:dora@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "keep", "sip:dora@192.0.2.9", REGINFO_CONTACT_ACTIVE,
		    REGINFO_EV_REGISTERED);
	for (unsigned i = 0; i < 5; i++)
		evb_contact(&b, ids[i], "sip:dora@192.0.2.10", REGINFO_CONTACT_ACTIVE,
			    REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	if (found(&x, "sip:dora@example.com", &m))
		CHECK_INT(m.reg->n_contacts, 6);

	/* partial: state="active" but a terminating event, each one */
	evb_init(&b, 1, REGINFO_DOC_PARTIAL);
	evb_reg(&b, "sip:dora@example.com", "r", REGINFO_REG_ACTIVE);
	for (unsigned i = 0; i < 5; i++)
		evb_contact(&b, ids[i], "sip:dora@192.0.2.10", REGINFO_CONTACT_ACTIVE, evs[i]);
	n.cseq = 2;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 1), REGTABLE_APPLIED);
	if (found(&x, "sip:dora@example.com", &m)) {
		CHECK_INT(m.reg->n_contacts, 1);
		CHECK(contact(&m, "keep") != NULL);
	}

	/* and inside a full document, a new contact never appears */
	evb_init(&b, 2, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:dora@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "keep", "sip:dora@192.0.2.9", REGINFO_CONTACT_ACTIVE,
		    REGINFO_EV_REFRESHED);
	evb_contact(&b, "gone", "sip:dora@192.0.2.11", REGINFO_CONTACT_ACTIVE,
		    REGINFO_EV_EXPIRED);
	n.cseq = 3;
	CHECK_INT(apply(&x, &n, &b.ev, T0 + 2), REGTABLE_APPLIED);
	if (found(&x, "sip:dora@example.com", &m)) {
		CHECK_INT(m.reg->n_contacts, 1);
		CHECK(contact(&m, "gone") == NULL);
	}
	fx_close(&x);
}

/*
 * RFC 3680 4.9 (SEMANTICS 2): a NOTIFY with the subscription's Call-ID but
 * another notifier's From tag is a forked dialog: 481, nothing applied.
 * Before, it was applied (200, 200).
 */
static void
test_forked_dialog_refused(void)
{
	struct fx x;
	struct evb b;
	struct regtable_notify n = NT("sip:fork@example.com", "cid-f", 1);
	struct regtable_match m;

	fx_open(&x, NULL);
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:fork@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "a", "sip:fork@192.0.2.1", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);

	/* the second notifier's NOTIFY: its own tag, its own document */
	evb_init(&b, 0, REGINFO_DOC_FULL);
	evb_reg(&b, "sip:fork@example.com", "r", REGINFO_REG_ACTIVE);
	evb_contact(&b, "x", "sip:fork@192.0.2.99", REGINFO_CONTACT_ACTIVE, REGINFO_EV_REGISTERED);
	n.from_tag = S("other-notifier");
	n.cseq = 1;
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_FORKED);
	CHECK_INT(apply(&x, &n, NULL, T0), REGTABLE_FORKED);
	CHECK_INT(regtable_result_status(REGTABLE_FORKED), 481);
	CHECK(found(&x, "sip:fork@example.com", &m) && contact(&m, "a") != NULL &&
	      contact(&m, "x") == NULL);

	/* the subscription's own dialog goes on */
	n.from_tag = S("ft");
	n.cseq = 2;
	b.ev.version = 1;
	CHECK_INT(apply(&x, &n, &b.ev, T0), REGTABLE_APPLIED);
	fx_close(&x);
}

int
main(int argc, char **argv)
{
	uint32_t grow = 1000000;

	if (argc > 1)
		grow = (uint32_t)strtoul(argv[1], NULL, 0);
	urcu_qsbr_register_thread();
	test_versions();
	test_cseq_and_termination();
	test_aliases();
	test_contact_data();
	test_capacity();
	test_sweep();
	test_hostile_events();
	test_corpus_002_001_076();
	test_corpus_004_005();
	test_corpus_007_009_010();
	test_corpus_013();
	test_corpus_020();
	test_corpus_024_032();
	test_corpus_062_066();
	test_aor_key_reuse();
	test_carry_matches_fresh();
	test_terminating_event_removes();
	test_forked_dialog_refused();
	if (grow > 0)
		test_growth(grow);
	urcu_qsbr_unregister_thread();
	return check_exit();
}
