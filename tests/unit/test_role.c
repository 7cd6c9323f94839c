/* SPDX-License-Identifier: MIT */
/*
 * Device roles (seed Change 1-2, SEMANTICS 7 policy) through the public
 * table API: hints, tie-breaks, the same device under several AoRs,
 * expiry, and configured hints.
 */

#include <string.h>

#include <reglane/rcu.h>
#include <reglane/regtable.h>

#include "check.h"

#define T0 5000000u

struct evb {
	struct reginfo_event ev;
	struct reginfo_registration regs[8];
	struct reginfo_contact contacts[32];
	struct reginfo_param params[64];
};

static struct rgl_slice
S(const char *s)
{
	return rgl_slice_make(s, strlen(s));
}

static void
evb_init(struct evb *b, uint32_t version)
{
	memset(b, 0, sizeof(*b));
	b->ev.version = version;
	b->ev.state = REGINFO_DOC_FULL;
	b->ev.regs = b->regs;
	b->ev.contacts = b->contacts;
	b->ev.params = b->params;
}

static void
evb_reg(struct evb *b, const char *aor)
{
	struct reginfo_registration *r = &b->regs[b->ev.n_regs++];

	r->aor = S(aor);
	r->id = S(aor);
	r->state = REGINFO_REG_ACTIVE;
	r->first_contact = b->ev.n_contacts;
}

static struct reginfo_contact *
evb_contact(struct evb *b, const char *id, const char *uri)
{
	struct reginfo_contact *c = &b->contacts[b->ev.n_contacts++];

	c->id = S(id);
	c->uri = S(uri);
	c->state = REGINFO_CONTACT_ACTIVE;
	c->event = REGINFO_EV_REGISTERED;
	c->first_param = b->ev.n_params;
	b->regs[b->ev.n_regs - 1].n_contacts++;
	return c;
}

static void
evb_param(struct evb *b, const char *name, const char *value)
{
	struct reginfo_param *p = &b->params[b->ev.n_params++];

	p->name = S(name);
	p->value = S(value ? value : "");
	b->contacts[b->ev.n_contacts - 1].n_params++;
}

static struct regtable *
open_table(const struct regtable_config *cfg_in, struct regtable_writer **w)
{
	struct regtable_config cfg;
	struct regtable *t = NULL;

	if (cfg_in == NULL) {
		regtable_config_default(&cfg);
		cfg_in = &cfg;
	}
	cfg = *cfg_in;
	cfg.max_memory = 4u << 20;
	cfg.max_registrations = 1000; /* the tables are sized from it */
	CHECK_INT(regtable_create(&cfg, &t), 0);
	if (t == NULL)
		exit(1);
	*w = regtable_writer_new(t);
	return t;
}

static void
close_table(struct regtable *t, struct regtable_writer *w)
{
	regtable_writer_free(w);
	CHECK_INT(regtable_destroy(t), 0);
}

static uint32_t cseq;

static void
apply(struct regtable *t, struct regtable_writer *w, struct evb *b, uint64_t now)
{
	struct regtable_notify n;

	memset(&n, 0, sizeof(n));
	n.resource = S("sip:user@example.com");
	n.callid = S("role-call");
	n.cseq = ++cseq;
	CHECK_INT(regtable_apply(t, w, &n, &b->ev, now), REGTABLE_APPLIED);
}

/* Role of contact @p id in the registration of @p aor; -1 when missing. */
static int
role(struct regtable *t, const char *aor, const char *id)
{
	struct regtable_match m;

	if (regtable_lookup(t, S(aor), &m) != 0)
		return -1;
	for (uint32_t i = 0; i < m.reg->n_contacts; i++) {
		const struct regtable_contact *c = &regtable_reg_contacts(m.snap, m.reg)[i];

		if (rgl_slice_eq(regtable_str(m.snap, c->id), id))
			return c->role;
	}
	return -1;
}

static int
hints(struct regtable *t, const char *aor, const char *id)
{
	struct regtable_match m;

	if (regtable_lookup(t, S(aor), &m) != 0)
		return -1;
	for (uint32_t i = 0; i < m.reg->n_contacts; i++) {
		const struct regtable_contact *c = &regtable_reg_contacts(m.snap, m.reg)[i];

		if (rgl_slice_eq(regtable_str(m.snap, c->id), id))
			return c->hints;
	}
	return -1;
}

#define P REGTABLE_ROLE_PRIMARY
#define SEC REGTABLE_ROLE_SECONDARY
#define AOR "sip:user@example.com"

static void
test_defaults(void)
{
	struct rgl_role_hint h[RGL_CFG_MAX_ROLE_HINTS];

	CHECK_INT(regtable_role_hints_default(h), 3);
	CHECK(strcmp(h[0].name, "+sip.instance") == 0 && h[0].n_values == 1 &&
	      strcmp(h[0].values[0], "urn:gsma:imei:*") == 0);
	CHECK(strcmp(h[1].name, "+g.3gpp.smsip") == 0 && h[1].n_values == 0);
	CHECK(strcmp(h[2].name, "+g.gsma.rcs.telephony") == 0 && h[2].n_values == 2);
	CHECK_INT(h[3].name[0], 0);
	CHECK(strcmp(regtable_role_str(REGTABLE_ROLE_PRIMARY), "primary") == 0);
	CHECK(strcmp(regtable_role_str(REGTABLE_ROLE_SECONDARY), "secondary") == 0);
}

static void
test_hints_and_ties(void)
{
	struct regtable_writer *w;
	struct regtable *t = open_table(NULL, &w);
	struct reginfo_contact *c;
	struct evb b;

	/* each default hint counts once */
	evb_init(&b, 0);
	evb_reg(&b, AOR);
	evb_contact(&b, "imei", "sip:a@192.0.2.1");
	evb_param(&b, "+sip.instance", "\"<urn:gsma:imei:35332510-123456-9>\"");
	evb_contact(&b, "smsip", "sip:b@192.0.2.2");
	evb_param(&b, "+G.3GPP.SMSIP", NULL); /* names are case-insensitive */
	evb_contact(&b, "tel-cs", "sip:c@192.0.2.3");
	evb_param(&b, "+g.gsma.rcs.telephony", "\"cs\"");
	evb_contact(&b, "tel-volte", "sip:d@192.0.2.4");
	evb_param(&b, "+g.gsma.rcs.telephony", "\" none , VoLTE \"");
	evb_contact(&b, "tel-none", "sip:e@192.0.2.5");
	evb_param(&b, "+g.gsma.rcs.telephony", "\"none\"");
	evb_contact(&b, "uuid", "sip:f@192.0.2.6");
	evb_param(&b, "+sip.instance", "\"<urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b>\"");
	evb_param(&b, "+g.3gpp.icsi-ref", "\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"");
	evb_contact(&b, "all", "sip:g@192.0.2.7");
	evb_param(&b, "+sip.instance", "\"<urn:gsma:imei:86753009-654321-8>\"");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	evb_param(&b, "+g.gsma.rcs.telephony", "\"cs,volte\"");
	apply(t, w, &b, T0);
	CHECK_INT(hints(t, AOR, "imei"), 1);
	CHECK_INT(hints(t, AOR, "smsip"), 2);
	CHECK_INT(hints(t, AOR, "tel-cs"), 4);
	CHECK_INT(hints(t, AOR, "tel-volte"), 4);
	CHECK_INT(hints(t, AOR, "tel-none"), 0);
	CHECK_INT(hints(t, AOR, "uuid"), 0); /* MMTel alone is no hint */
	CHECK_INT(hints(t, AOR, "all"), 7);
	/* the most hints wins; everybody else is secondary */
	CHECK_INT(role(t, AOR, "all"), P);
	CHECK_INT(role(t, AOR, "imei"), SEC);
	CHECK_INT(role(t, AOR, "uuid"), SEC);
	CHECK_INT(role(t, AOR, "tel-none"), SEC);

	/* tie on hints: the most recent registration (smallest
	 * duration-registered) wins */
	evb_init(&b, 1);
	evb_reg(&b, AOR);
	c = evb_contact(&b, "old", "sip:a@192.0.2.1");
	c->has |= REGINFO_HAS_DURATION;
	c->duration_registered = 7200;
	evb_param(&b, "+g.3gpp.smsip", NULL);
	c = evb_contact(&b, "new", "sip:b@192.0.2.2");
	c->has |= REGINFO_HAS_DURATION;
	c->duration_registered = 60;
	evb_param(&b, "+g.3gpp.smsip", NULL);
	apply(t, w, &b, T0);
	CHECK_INT(role(t, AOR, "new"), P);
	CHECK_INT(role(t, AOR, "old"), SEC);

	/* full tie: the lowest contact id, numbers compared as numbers */
	evb_init(&b, 2);
	evb_reg(&b, AOR);
	evb_contact(&b, "0x7f10", "sip:a@192.0.2.1");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	evb_contact(&b, "0x7f0f", "sip:b@192.0.2.2");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	evb_contact(&b, "100", "sip:c@192.0.2.3");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	evb_contact(&b, "99", "sip:d@192.0.2.4");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	apply(t, w, &b, T0);
	CHECK_INT(role(t, AOR, "99"), P);
	CHECK_INT(role(t, AOR, "100"), SEC);
	CHECK_INT(role(t, AOR, "0x7f0f"), SEC);

	/* no contact with a hint: no primary at all */
	evb_init(&b, 3);
	evb_reg(&b, AOR);
	evb_contact(&b, "1", "sip:a@192.0.2.1");
	evb_contact(&b, "2", "sip:b@192.0.2.2");
	evb_param(&b, "+sip.instance", "\"<urn:uuid:00000000-0000-0000-0000-000000000001>\"");
	apply(t, w, &b, T0);
	CHECK_INT(role(t, AOR, "1"), SEC);
	CHECK_INT(role(t, AOR, "2"), SEC);
	close_table(t, w);
}

static void
test_same_device_and_expiry(void)
{
	struct regtable_writer *w;
	struct regtable *t = open_table(NULL, &w);
	struct reginfo_contact *c;
	struct evb b;

	/* one phone under three AoRs; only one copy carries smsip, all carry
	 * the instance: all three copies are the Primary Device */
	evb_init(&b, 0);
	evb_reg(&b, AOR);
	evb_contact(&b, "1", "sip:phone@192.0.2.1");
	evb_param(&b, "+sip.instance", "\"<urn:uuid:11111111-1111-1111-1111-111111111111>\"");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	evb_contact(&b, "2", "sip:pc@192.0.2.9");
	evb_reg(&b, "tel:+15550100");
	evb_contact(&b, "1", "sip:phone@192.0.2.1");
	evb_param(&b, "+sip.instance", "\"<URN:UUID:11111111-1111-1111-1111-111111111111>\"");
	evb_contact(&b, "2", "sip:pc@192.0.2.9");
	/* no instance anywhere: the same URI is the same device */
	evb_reg(&b, "sip:alias@example.com");
	evb_contact(&b, "1", "sip:phone@192.0.2.1");
	apply(t, w, &b, T0);
	CHECK_INT(role(t, AOR, "1"), P);
	CHECK_INT(role(t, "tel:+15550100", "1"), P);
	CHECK_INT(role(t, "sip:alias@example.com", "1"), P);
	CHECK_INT(role(t, AOR, "2"), SEC);
	CHECK_INT(role(t, "tel:+15550100", "2"), SEC);

	/* expired contacts never count: at T0 + 31 the phone (expires 30)
	 * is gone, the tablet with one hint takes over */
	evb_init(&b, 1);
	evb_reg(&b, AOR);
	c = evb_contact(&b, "phone", "sip:phone@192.0.2.1");
	c->has |= REGINFO_HAS_EXPIRES;
	c->expires = 30;
	evb_param(&b, "+sip.instance", "\"<urn:gsma:imei:35332510-123456-9>\"");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	c = evb_contact(&b, "tablet", "sip:tablet@192.0.2.2");
	c->has |= REGINFO_HAS_EXPIRES;
	c->expires = 3600;
	evb_param(&b, "+sip.instance", "\"<urn:gsma:imei:86753009-654321-8>\"");
	apply(t, w, &b, T0);
	CHECK_INT(role(t, AOR, "phone"), P);
	CHECK_INT(role(t, AOR, "tablet"), SEC);
	/* a partial touching only the tablet recomputes every role */
	b.ev.version = 2;
	b.ev.state = REGINFO_DOC_PARTIAL;
	b.regs[0].first_contact = 1;
	b.regs[0].n_contacts = 1;
	apply(t, w, &b, T0 + 31);
	CHECK_INT(role(t, AOR, "phone"), SEC);
	CHECK_INT(role(t, AOR, "tablet"), P);
	close_table(t, w);
}

static void
test_configured_hints(void)
{
	struct regtable_config cfg;
	struct regtable_writer *w;
	struct regtable *t;
	struct evb b;

	/* no hints: nobody is ever primary */
	regtable_config_default(&cfg);
	cfg.n_role_hints = 0;
	t = open_table(&cfg, &w);
	evb_init(&b, 0);
	evb_reg(&b, AOR);
	evb_contact(&b, "1", "sip:a@192.0.2.1");
	evb_param(&b, "+sip.instance", "\"<urn:gsma:imei:35332510-123456-9>\"");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	apply(t, w, &b, T0);
	CHECK_INT(role(t, AOR, "1"), SEC);
	CHECK_INT(hints(t, AOR, "1"), 0);
	close_table(t, w);

	/* operator hints: a feature value prefix, and a list element */
	memset(cfg.role_hints, 0, sizeof(cfg.role_hints));
	snprintf(cfg.role_hints[0].name, sizeof(cfg.role_hints[0].name), "+g.3gpp.icsi-ref");
	snprintf(cfg.role_hints[0].values[0], sizeof(cfg.role_hints[0].values[0]),
		 "urn:urn-7:3gpp-service.ims.icsi.mmtel");
	cfg.role_hints[0].n_values = 1;
	snprintf(cfg.role_hints[1].name, sizeof(cfg.role_hints[1].name), "+sip.instance");
	snprintf(cfg.role_hints[1].values[0], sizeof(cfg.role_hints[1].values[0]),
		 "urn:uuid:aaaa*");
	cfg.role_hints[1].n_values = 1;
	cfg.n_role_hints = 2;
	t = open_table(&cfg, &w);
	evb_init(&b, 0);
	evb_reg(&b, AOR);
	evb_contact(&b, "mmtel", "sip:a@192.0.2.1");
	evb_param(&b, "+g.3gpp.icsi-ref",
		  "\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg,urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"");
	evb_contact(&b, "both", "sip:b@192.0.2.2");
	evb_param(&b, "+g.3gpp.icsi-ref", "\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"");
	evb_param(&b, "+sip.instance", "\"<urn:uuid:AAAA0000-0000-0000-0000-000000000000>\"");
	evb_contact(&b, "smsip", "sip:c@192.0.2.3");
	evb_param(&b, "+g.3gpp.smsip", NULL);
	apply(t, w, &b, T0);
	CHECK_INT(hints(t, AOR, "mmtel"), 1);
	CHECK_INT(hints(t, AOR, "both"), 3);
	CHECK_INT(hints(t, AOR, "smsip"), 0); /* not configured any more */
	CHECK_INT(role(t, AOR, "both"), P);
	CHECK_INT(role(t, AOR, "mmtel"), SEC);
	close_table(t, w);
}

int
main(void)
{
	urcu_qsbr_register_thread();
	test_defaults();
	test_hints_and_ties();
	test_same_device_and_expiry();
	test_configured_hints();
	urcu_qsbr_unregister_thread();
	return check_exit();
}
