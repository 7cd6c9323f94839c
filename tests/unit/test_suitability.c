/* SPDX-License-Identifier: MIT */
/*
 * Suitable CPM Clients (seed 6.6): the full matrix for a user with a
 * phone, a tablet and a PC, built through the real regtable_apply(), then
 * expiry, emergency contacts, a user without a Primary Device, unknown
 * users, truncation, copy-out lifetime, JSON, and the corpus cases whose
 * expect.json fixes capabilities (032, 004) or roles (024).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <reglane/policy.h>
#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/services.h>
#include <reglane/sip.h>
#include <reglane/suitability.h>

#include "check.h"

#define S(lit) rgl_slice_make((lit), strlen(lit))
#define NOW 1000u

#define ICSI "urn%3Aurn-7%3A3gpp-service.ims.icsi."
#define AOR_A "sip:+15550100001@ims.example.net"
#define TEL_A "tel:+15550100001"
#define IMEI_A "urn:gsma:imei:35332510-123456-9"
#define TABLET_A "urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b"
#define PC_A "urn:uuid:c0ffee00-1d2c-4b3a-8e9f-0a1b2c3d4e5f"

#define CAP SUIT_BIT(SUIT_REASON_CAPABILITY)
#define CONN SUIT_BIT(SUIT_REASON_CONNECTIVITY)
#define POL SUIT_BIT(SUIT_REASON_POLICY)
#define PREF SUIT_BIT(SUIT_REASON_PREFERENCE)

/* The answer is big (about 37 KiB): static, as a control thread would keep it. */
static struct suit_result res;

/* ------------------------------------------------------------------ */
/* Hand-built reginfo events                                           */

struct evb {
	struct reginfo_registration regs[8];
	struct reginfo_contact contacts[160];
	struct reginfo_param params[1024];
	struct reginfo_event ev;
};

static void
evb_init(struct evb *b, uint32_t version)
{
	memset(b, 0, sizeof(*b));
	b->ev.version = version;
	b->ev.state = REGINFO_DOC_FULL;
	b->ev.regs = b->regs;
	b->ev.contacts = b->contacts;
	b->ev.params = b->params;
	b->ev.first_skip = REGINFO_ERR_OK;
}

static void
evb_reg(struct evb *b, const char *aor, const char *id)
{
	struct reginfo_registration *r = &b->regs[b->ev.n_regs++];

	r->aor = S(aor);
	r->id = S(id);
	r->state = REGINFO_REG_ACTIVE;
	r->first_contact = b->ev.n_contacts;
}

static struct reginfo_contact *
evb_contact(struct evb *b, const char *id, struct rgl_slice uri, uint64_t expires)
{
	struct reginfo_contact *c = &b->contacts[b->ev.n_contacts++];

	c->id = S(id);
	c->uri = uri;
	c->state = REGINFO_CONTACT_ACTIVE;
	c->event = REGINFO_EV_REGISTERED;
	c->has = REGINFO_HAS_EXPIRES;
	c->expires = expires;
	c->first_param = b->ev.n_params;
	b->regs[b->ev.n_regs - 1].n_contacts++;
	return c;
}

static void
evb_param(struct evb *b, const char *name, const char *value)
{
	struct reginfo_param *p = &b->params[b->ev.n_params++];

	p->name = S(name);
	p->value = S(value);
	b->contacts[b->ev.n_contacts - 1].n_params++;
}

/* Phone: IMEI instance, smsip, telephony volte, MMTel and every CPM ICSI. */
static void
add_phone(struct evb *b, const char *id, const char *uri, uint64_t expires)
{
	evb_contact(b, id, S(uri), expires);
	evb_param(b, "+sip.instance", "\"<" IMEI_A ">\"");
	evb_param(b, "+g.3gpp.icsi-ref",
		  "\"" ICSI "mmtel," ICSI "oma.cpm.msg," ICSI "oma.cpm.largemsg," ICSI
		  "oma.cpm.deferred," ICSI "oma.cpm.session," ICSI "oma.cpm.filetransfer," ICSI
		  "oma.cpm.systemmsg\"");
	evb_param(b, "+g.3gpp.smsip", "");
	evb_param(b, "+g.gsma.rcs.telephony", "\"volte\"");
}

/* Tablet: urn:uuid, CPM msg + session + file transfer. */
static void
add_tablet(struct evb *b, const char *id, const char *uri, uint64_t expires)
{
	evb_contact(b, id, S(uri), expires);
	evb_param(b, "+sip.instance", "\"<" TABLET_A ">\"");
	evb_param(b, "+g.3gpp.icsi-ref",
		  "\"" ICSI "oma.cpm.msg," ICSI "oma.cpm.session," ICSI "oma.cpm.filetransfer\"");
	evb_param(b, "+g.gsma.rcs.telephony", "\"none\"");
}

/* PC: urn:uuid, CPM session only. */
static void
add_pc(struct evb *b, const char *id, const char *uri, uint64_t expires)
{
	evb_contact(b, id, S(uri), expires);
	evb_param(b, "+sip.instance", "\"<" PC_A ">\"");
	evb_param(b, "+g.3gpp.icsi-ref", "\"" ICSI "oma.cpm.session\"");
}

static struct regtable *
table_new(bool role_hints)
{
	struct regtable_config cfg;
	struct regtable *t = NULL;

	regtable_config_default(&cfg);
	cfg.max_memory = 64u << 20;
	cfg.max_registrations = 1u << 14;
	if (!role_hints)
		cfg.n_role_hints = 0;
	if (regtable_create(&cfg, &t) != 0) {
		fprintf(stderr, "regtable_create failed\n");
		exit(2);
	}
	return t;
}

static enum regtable_result
apply(struct regtable *t, struct regtable_writer *w, const char *resource, const char *callid,
      uint64_t cseq, const struct reginfo_event *ev, uint64_t now)
{
	struct regtable_notify n = {
		.resource = S(resource),
		.callid = S(callid),
		.from_tag = S("scscf-1"),
		.to_tag = S("as-1"),
		.cseq = cseq,
		.sub_state = REGTABLE_SUBSTATE_ACTIVE,
		.sub_reason = RGL_SLICE_NONE,
	};

	return regtable_apply(t, w, &n, ev, now);
}

/* The client of @p res with contact id @p id, or NULL. */
static const struct suit_client *
client_by_id(const struct suit_result *r, const char *id)
{
	for (uint32_t i = 0; i < r->n_clients; i++)
		if (rgl_slice_eq(r->clients[i].id, id))
			return &r->clients[i];
	return NULL;
}

static const struct suit_client *
client_by_uri(const struct suit_result *r, const char *uri, size_t len)
{
	for (uint32_t i = 0; i < r->n_clients; i++)
		if (r->clients[i].uri.len == len && memcmp(r->clients[i].uri.p, uri, len) == 0)
			return &r->clients[i];
	return NULL;
}

/* A verdict check that names the query when it fails. */
static void
check_verdict(const struct suit_client *c, unsigned want, const char *what, int req, int iw,
	      const char *scen)
{
	check_count++;
	if (c == NULL) {
		check_failures++;
		fprintf(stderr, "%s missing (request %s, interworked %d, %s)\n", what,
			rgl_service_str(req), iw, scen);
		return;
	}
	if (c->reasons != want || c->suitable != (want == 0)) {
		check_failures++;
		fprintf(stderr,
			"%s: reasons 0x%x suitable %d, expected 0x%x (request %s, interworked %d, "
			"%s)\n",
			what, c->reasons, c->suitable, want, rgl_service_str(req), iw, scen);
	}
}

/* ------------------------------------------------------------------ */
/* The seed 6.6 matrix                                                 */

enum dev { PHONE, TABLET, PC, N_DEV };

static const char *const dev_id[N_DEV] = { "c1", "c2", "c3" };
static const char *const dev_name[N_DEV] = { "phone", "tablet", "pc" };

/* What each device advertises (hand-written from its feature tags above). */
static const bool dev_cap[N_DEV][RGL_SVC__COUNT] = {
	[PHONE] = { [RGL_SVC_PAGER] = true, [RGL_SVC_LARGE_MESSAGE] = true,
		    [RGL_SVC_SESSION] = true, [RGL_SVC_FILE_TRANSFER] = true,
		    [RGL_SVC_DEFERRED] = true, [RGL_SVC_SYSTEM] = true,
		    [RGL_SVC_INTERWORKED] = true },
	[TABLET] = { [RGL_SVC_PAGER] = true, [RGL_SVC_SESSION] = true,
		     [RGL_SVC_FILE_TRANSFER] = true },
	[PC] = { [RGL_SVC_SESSION] = true },
};

enum scen { SC_NONE, SC_POLICY, SC_PREF, N_SC };

static const char *const sc_name[N_SC] = { "no policy", "policy: no FT to secondaries",
					   "preference: block the tablet" };

static unsigned
expected(enum dev d, int req, bool iw, enum scen sc)
{
	unsigned r = 0;

	if (!dev_cap[d][iw ? RGL_SVC_INTERWORKED : req])
		r |= CAP;
	if (iw && d != PHONE)
		r |= CONN; /* only the Primary Device receives interworked requests */
	if (sc == SC_POLICY && req == RGL_SVC_FILE_TRANSFER && d != PHONE)
		r |= POL;
	if (sc == SC_PREF && d == TABLET)
		r |= PREF;
	return r;
}

static void
build_user_a(struct evb *b)
{
	evb_init(b, 0);
	evb_reg(b, AOR_A, "r1");
	add_phone(b, "c1", "sip:+15550100001@10.45.0.2:5060", 3600);
	add_tablet(b, "c2", "sip:+15550100001@10.45.0.77:5060", 3600);
	add_pc(b, "c3", "sip:+15550100001@203.0.113.90:61022;transport=udp", 3600);
	/* The tel: IMPU of the implicit registration set, same devices. */
	evb_reg(b, TEL_A, "r2");
	add_phone(b, "c4", "sip:+15550100001@10.45.0.2:5060", 3600);
	add_tablet(b, "c5", "sip:+15550100001@10.45.0.77:5060", 3600);
	add_pc(b, "c6", "sip:+15550100001@203.0.113.90:61022;transport=udp", 3600);
}

static void
test_matrix(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;
	const char *pol_doc =
		"{\"rules\": [{\"request\": \"file-transfer\", \"role\": \"secondary\", "
		"\"action\": \"deny\", \"comment\": \"no FT to secondaries\"}]}";
	/* Keyed by another spelling of the same AoR: normalization must unite them. */
	const char *pref_doc = "{\"users\": {\"sip:+15550100001@IMS.Example.NET;transport=tcp\": "
			       "{\"rules\": [{\"instance\": \"" TABLET_A "\", \"action\": "
			       "\"deny\"}]}}}";
	struct policy_prefs *prefs = NULL;
	struct policy_rules *pol;
	char err[POLICY_ERRLEN];
	int rc;

	build_user_a(&b);
	CHECK_INT(apply(t, w, AOR_A, "call-a", 1, &b.ev, NOW), REGTABLE_APPLIED);
	pol = policy_rules_parse(pol_doc, strlen(pol_doc), &rc, err, sizeof(err));
	CHECK(pol != NULL);
	CHECK_INT(policy_prefs_parse(pref_doc, strlen(pref_doc), 0, &prefs, err, sizeof(err)), 0);

	for (int sc = 0; sc < N_SC; sc++) {
		for (int req = 0; req < RGL_SVC__COUNT; req++) {
			if (req == RGL_SVC_INTERWORKED)
				continue;
			for (int iw = 0; iw < 2; iw++) {
				rc = suit_query(t, S(AOR_A), req, iw, sc == SC_POLICY ? pol : NULL,
						sc == SC_PREF ? prefs : NULL, NOW, &res);
				CHECK_INT(rc, 0);
				CHECK_INT(res.n_clients, 3);
				CHECK_INT(res.n_total, 3);
				CHECK(!res.truncated);
				CHECK_INT(res.request, req);
				CHECK_INT(res.interworked, iw);
				CHECK_SLICE(res.user, AOR_A);
				CHECK_INT(res.has_preferences, sc == SC_PREF);
				for (int d = 0; d < N_DEV; d++)
					check_verdict(client_by_id(&res, dev_id[d]),
						      expected(d, req, iw, sc), dev_name[d], req, iw,
						      sc_name[sc]);
			}
		}
	}

	/* A few rows spelled out, independent of expected(). */
	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_PAGER, false, NULL, NULL, NOW, &res), 0);
	CHECK_INT(res.clients[0].reasons, 0);
	CHECK_INT(res.clients[1].reasons, 0);
	CHECK_INT(res.clients[2].reasons, CAP);
	CHECK_INT(res.n_suitable, 2);
	CHECK_SLICE(res.clients[0].id, "c1");
	CHECK_SLICE(res.clients[0].uri, "sip:+15550100001@10.45.0.2:5060");
	CHECK_SLICE(res.clients[0].instance, IMEI_A);
	CHECK_INT(res.clients[0].role, REGTABLE_ROLE_PRIMARY);
	CHECK_INT(res.clients[1].role, REGTABLE_ROLE_SECONDARY);
	CHECK_INT(res.clients[2].role, REGTABLE_ROLE_SECONDARY);
	CHECK_INT(res.clients[0].expires_at, NOW + 3600);
	CHECK(res.clients[0].services & RGL_SVC_BIT(RGL_SVC_INTERWORKED));

	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_FILE_TRANSFER, false, pol, NULL, NOW, &res), 0);
	CHECK_INT(res.clients[0].reasons, 0);
	CHECK_INT(res.clients[0].policy_rule, -1);
	CHECK_INT(res.clients[1].reasons, POL);
	CHECK_INT(res.clients[1].policy_rule, 0);
	CHECK_INT(res.clients[2].reasons, CAP | POL);
	CHECK_INT(res.n_suitable, 1);

	/* Interworked FT with the policy: the tablet fails three ways at once. */
	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_FILE_TRANSFER, true, pol, NULL, NOW, &res), 0);
	CHECK_INT(res.clients[0].reasons, 0);
	CHECK_INT(res.clients[1].reasons, CAP | CONN | POL);
	CHECK_INT(res.clients[1].conn, SUIT_BIT(SUIT_CONN_NOT_PRIMARY));
	CHECK_INT(res.clients[2].reasons, CAP | CONN | POL);

	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_SESSION, true, pol, prefs, NOW, &res), 0);
	CHECK_INT(res.clients[0].reasons, 0);
	CHECK_INT(res.clients[1].reasons, CAP | CONN | PREF);
	CHECK_INT(res.clients[1].pref_rule, 0);
	CHECK_INT(res.clients[2].reasons, CAP | CONN);
	CHECK_INT(res.n_suitable, 1);

	/* Every spelling of any AoR of the implicit set finds the user. */
	CHECK_INT(suit_query(t, S("sip:+15550100001@IMS.EXAMPLE.NET;transport=udp"),
			     RGL_SVC_PAGER, false, NULL, NULL, NOW, &res), 0);
	CHECK_SLICE(res.user, AOR_A);
	CHECK_INT(suit_query(t, S("tel:+1-555-010-0001"), RGL_SVC_PAGER, false, NULL, prefs, NOW,
			     &res), 0);
	CHECK_SLICE(res.user, TEL_A);
	CHECK_INT(res.n_clients, 3);
	CHECK_SLICE(res.clients[0].id, "c4");
	/* Preferences stored under the sip: IMPU apply to the tel: one too. */
	CHECK(res.has_preferences);
	CHECK_INT(res.clients[1].reasons, PREF);
	CHECK_INT(res.clients[0].reasons, 0);

	/* Preferences keyed by the tel: IMPU, queried by the sip: one. */
	{
		const char *d2 = "{\"users\": {\"tel:+15550100001\": {\"default\": \"deny\"}}}";
		struct policy_prefs *p2 = NULL;

		CHECK_INT(policy_prefs_parse(d2, strlen(d2), 0, &p2, err, sizeof(err)), 0);
		CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_SESSION, false, NULL, p2, NOW, &res), 0);
		CHECK(res.has_preferences);
		for (int d = 0; d < N_DEV; d++) {
			CHECK_INT(res.clients[d].reasons & PREF, PREF);
			CHECK_INT(res.clients[d].pref_rule, -1);
		}
		policy_prefs_free(p2);
	}

	/* Interworked is a flag, not a request type. */
	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_INTERWORKED, false, NULL, NULL, NOW, &res),
		  -EINVAL);
	CHECK_INT(suit_query(t, S(AOR_A), (enum rgl_service)99, false, NULL, NULL, NOW, &res),
		  -EINVAL);
	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_PAGER, false, NULL, NULL, NOW, NULL), -EINVAL);

	policy_rules_free(pol);
	policy_prefs_free(prefs);
}

/* ------------------------------------------------------------------ */
/* Connectivity                                                        */

static void
test_expiry(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;
	const struct suit_client *ph, *tab;

	evb_init(&b, 0);
	evb_reg(&b, "sip:+15550100004@ims.example.net", "r1");
	add_phone(&b, "p", "sip:+15550100004@10.45.0.4:5060", 60);
	add_tablet(&b, "t", "sip:+15550100004@10.45.0.5:5060", 3600);
	CHECK_INT(apply(t, w, "sip:+15550100004@ims.example.net", "call-d", 1, &b.ev, NOW),
		  REGTABLE_APPLIED);

	/* Expiry NOW + 60 is still alive at that second (regtable_contact_alive). */
	CHECK_INT(suit_query(t, S("sip:+15550100004@ims.example.net"), RGL_SVC_PAGER, false,
			     NULL, NULL, NOW + 60, &res), 0);
	CHECK_INT(client_by_id(&res, "p")->reasons, 0);

	CHECK_INT(suit_query(t, S("sip:+15550100004@ims.example.net"), RGL_SVC_PAGER, false,
			     NULL, NULL, NOW + 61, &res), 0);
	ph = client_by_id(&res, "p");
	tab = client_by_id(&res, "t");
	CHECK(ph != NULL && tab != NULL);
	if (ph == NULL || tab == NULL)
		return;
	CHECK_INT(ph->reasons, CONN);
	CHECK_INT(ph->conn, SUIT_BIT(SUIT_CONN_EXPIRED));
	CHECK(!ph->suitable);
	CHECK_INT(tab->reasons, 0);
	CHECK_INT(res.n_suitable, 1);

	/* Interworked: the expired phone is still the primary, so only "expired". */
	CHECK_INT(suit_query(t, S("sip:+15550100004@ims.example.net"), RGL_SVC_PAGER, true, NULL,
			     NULL, NOW + 61, &res), 0);
	ph = client_by_id(&res, "p");
	tab = client_by_id(&res, "t");
	CHECK_INT(ph->reasons, CONN);
	CHECK_INT(ph->conn, SUIT_BIT(SUIT_CONN_EXPIRED));
	CHECK_INT(tab->reasons, CAP | CONN);
	CHECK_INT(tab->conn, SUIT_BIT(SUIT_CONN_NOT_PRIMARY));
	CHECK_INT(res.n_suitable, 0);
}

static void
test_sos(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;
	const struct suit_client *c;

	/* sos URI parameter: never a candidate, whatever it advertises. */
	CHECK(suit_uri_is_sos(S("sip:+15550100002@10.0.0.9;sos")));
	CHECK(suit_uri_is_sos(S("sip:+15550100002@10.0.0.9:5060;transport=udp;SOS")));
	CHECK(suit_uri_is_sos(S("sips:u@h;sos=1")));
	CHECK(suit_uri_is_sos(S("sip:u@[2001:db8::1]:5060;sos")));
	CHECK(suit_uri_is_sos(S("sip:[2001:db8::1];lr; sos ;x")));
	CHECK(suit_uri_is_sos(S("sip:h;sos?subject=x")));
	CHECK(suit_uri_is_sos(S("tel:+15550100002;sos")));
	CHECK(!suit_uri_is_sos(S("sip:u;sos@h")));           /* user part, not a parameter */
	CHECK(!suit_uri_is_sos(S("sip:u@h;sosx")));
	CHECK(!suit_uri_is_sos(S("sip:u@h;transport=sos")));
	CHECK(!suit_uri_is_sos(S("sip:u@h?sos")));           /* a header, not a parameter */
	CHECK(!suit_uri_is_sos(S("sip:u@h;x?a=b;sos")));
	CHECK(!suit_uri_is_sos(S("sip:u@[2001:db8::1;sos")));
	CHECK(!suit_uri_is_sos(S("no-colon;sos")));
	CHECK(!suit_uri_is_sos(S("")));
	CHECK(!suit_uri_is_sos(RGL_SLICE_NONE));
	CHECK(!suit_uri_is_sos(S("sip:")));
	CHECK(!suit_uri_is_sos(S("sip:u@")));
	CHECK(suit_uri_is_sos(S("sip:u@h;")) == false);

	evb_init(&b, 0);
	evb_reg(&b, "sip:+15550100002@ims.example.net", "r1");
	add_phone(&b, "e", "sip:+15550100002@10.0.0.9:5060;sos", 3600);
	add_tablet(&b, "t", "sip:+15550100002@10.0.0.10:5060", 3600);
	/* An sos contact parameter reported as an unknown-param counts too. */
	add_pc(&b, "p", "sip:+15550100002@10.0.0.11:5060", 3600);
	evb_param(&b, "sos", "");
	CHECK_INT(apply(t, w, "sip:+15550100002@ims.example.net", "call-b", 1, &b.ev, NOW),
		  REGTABLE_APPLIED);
	for (int req = 0; req < RGL_SVC__COUNT; req++) {
		if (req == RGL_SVC_INTERWORKED)
			continue;
		for (int iw = 0; iw < 2; iw++) {
			CHECK_INT(suit_query(t, S("sip:+15550100002@ims.example.net"), req, iw, NULL,
					     NULL, NOW, &res), 0);
			c = client_by_id(&res, "e");
			CHECK(c != NULL && !c->suitable && (c->reasons & CONN) &&
			      (c->conn & SUIT_BIT(SUIT_CONN_SOS)));
			c = client_by_id(&res, "p");
			CHECK(c != NULL && !c->suitable && (c->conn & SUIT_BIT(SUIT_CONN_SOS)));
		}
	}
	CHECK_INT(suit_query(t, S("sip:+15550100002@ims.example.net"), RGL_SVC_PAGER, false, NULL,
			     NULL, NOW, &res), 0);
	CHECK_INT(client_by_id(&res, "e")->reasons, CONN);
	CHECK_INT(client_by_id(&res, "e")->conn, SUIT_BIT(SUIT_CONN_SOS));
	CHECK_INT(client_by_id(&res, "t")->reasons, 0);
	CHECK_INT(client_by_id(&res, "p")->reasons, CAP | CONN);
	CHECK_INT(res.n_suitable, 1);
}

/* No primary hint anywhere: an interworked request reaches nobody. */
static void
test_no_primary(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;

	evb_init(&b, 0);
	evb_reg(&b, "sip:+15550100003@ims.example.net", "r1");
	add_tablet(&b, "t", "sip:+15550100003@10.0.0.20:5060", 3600);
	add_pc(&b, "p", "sip:+15550100003@10.0.0.21:5060", 3600);
	CHECK_INT(apply(t, w, "sip:+15550100003@ims.example.net", "call-c", 1, &b.ev, NOW),
		  REGTABLE_APPLIED);
	for (int req = 0; req < RGL_SVC__COUNT; req++) {
		if (req == RGL_SVC_INTERWORKED)
			continue;
		CHECK_INT(suit_query(t, S("sip:+15550100003@ims.example.net"), req, true, NULL,
				     NULL, NOW, &res), 0);
		CHECK_INT(res.n_clients, 2);
		CHECK_INT(res.n_suitable, 0);
		for (uint32_t i = 0; i < res.n_clients; i++) {
			CHECK_INT(res.clients[i].role, REGTABLE_ROLE_SECONDARY);
			CHECK_INT(res.clients[i].reasons, CAP | CONN);
			CHECK_INT(res.clients[i].conn, SUIT_BIT(SUIT_CONN_NOT_PRIMARY));
		}
	}
	/* Not interworked: the tablet still takes pager messages. */
	CHECK_INT(suit_query(t, S("sip:+15550100003@ims.example.net"), RGL_SVC_PAGER, false, NULL,
			     NULL, NOW, &res), 0);
	CHECK_INT(res.n_suitable, 1);
}

/*
 * Role hints configured away: the phone keeps its smsip capability but is
 * not a Primary Device, so connectivity alone fails the interworked request.
 */
static void
test_no_role_hints(void)
{
	static struct evb b;
	struct regtable *t = table_new(false);
	struct regtable_writer *w = regtable_writer_new(t);

	CHECK(w != NULL);
	evb_init(&b, 0);
	evb_reg(&b, AOR_A, "r1");
	add_phone(&b, "c1", "sip:+15550100001@10.45.0.2:5060", 3600);
	CHECK_INT(apply(t, w, AOR_A, "call-a", 1, &b.ev, NOW), REGTABLE_APPLIED);
	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_PAGER, true, NULL, NULL, NOW, &res), 0);
	CHECK_INT(res.clients[0].role, REGTABLE_ROLE_SECONDARY);
	CHECK_INT(res.clients[0].reasons, CONN);
	CHECK_INT(res.clients[0].conn, SUIT_BIT(SUIT_CONN_NOT_PRIMARY));
	CHECK_INT(suit_query(t, S(AOR_A), RGL_SVC_PAGER, false, NULL, NULL, NOW, &res), 0);
	CHECK_INT(res.clients[0].reasons, 0);
	regtable_writer_free(w);
	CHECK_INT(regtable_destroy(t), 0);
}

static void
test_unknown(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;

	CHECK_INT(suit_query(t, S("sip:nobody@ims.example.net"), RGL_SVC_PAGER, false, NULL, NULL,
			     NOW, &res), -ENOENT);
	CHECK_INT(res.n_clients, 0);
	CHECK_INT(suit_query(t, S("tel:+19995550000"), RGL_SVC_SESSION, true, NULL, NULL, NOW,
			     &res), -ENOENT);
	CHECK_INT(suit_query(t, S("mailto:x@y"), RGL_SVC_PAGER, false, NULL, NULL, NOW, &res),
		  -EINVAL);
	CHECK_INT(suit_query(t, S(""), RGL_SVC_PAGER, false, NULL, NULL, NOW, &res), -EINVAL);
	CHECK_INT(suit_query(t, RGL_SLICE_NONE, RGL_SVC_PAGER, false, NULL, NULL, NOW, &res),
		  -EINVAL);

	/* A registration reported terminated keeps its AoR with no clients. */
	evb_init(&b, 0);
	evb_reg(&b, "sip:+15550100005@ims.example.net", "r1");
	b.regs[0].state = REGINFO_REG_TERMINATED;
	CHECK_INT(apply(t, w, "sip:+15550100005@ims.example.net", "call-e", 1, &b.ev, NOW),
		  REGTABLE_APPLIED);
	CHECK_INT(suit_query(t, S("sip:+15550100005@ims.example.net"), RGL_SVC_PAGER, false, NULL,
			     NULL, NOW, &res), 0);
	CHECK_INT(res.n_clients, 0);
	CHECK_INT(res.n_total, 0);
	CHECK_INT(res.n_suitable, 0);

	/* suit_evaluate() refuses a registration that is not in the snapshot. */
	{
		struct regtable_match m;
		struct regtable_registration other;

		urcu_qsbr_read_lock();
		CHECK_INT(regtable_lookup(t, S(AOR_A), &m), 0);
		memset(&other, 0, sizeof(other));
		CHECK_INT(suit_evaluate(m.snap, &other, RGL_SVC_PAGER, false, NULL, NULL, NOW,
					&res), -EINVAL);
		CHECK_INT(suit_evaluate(m.snap, m.reg, RGL_SVC_PAGER, false, NULL, NULL, NOW, &res),
			  0);
		CHECK_INT(res.n_clients, 3);
		urcu_qsbr_read_unlock();
	}
}

/* ------------------------------------------------------------------ */
/* Truncation, lifetime, JSON                                          */

static void
test_truncation(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;
	static char ids[80][8], uris[80][1024];
	const char *aor = "sip:+15550100006@ims.example.net";

	/* 70 clients: the answer holds 64 and says so. */
	evb_init(&b, 0);
	evb_reg(&b, aor, "r1");
	for (int i = 0; i < 70; i++) {
		snprintf(ids[i], sizeof(ids[i]), "k%d", i);
		snprintf(uris[i], sizeof(uris[i]), "sip:+15550100006@10.1.0.%d:5060", i);
		evb_contact(&b, ids[i], S(uris[i]), 3600);
		evb_param(&b, "+g.3gpp.icsi-ref", "\"" ICSI "oma.cpm.session\"");
	}
	CHECK_INT(apply(t, w, aor, "call-f", 1, &b.ev, NOW), REGTABLE_APPLIED);
	CHECK_INT(suit_query(t, S(aor), RGL_SVC_SESSION, false, NULL, NULL, NOW, &res), 0);
	CHECK_INT(res.n_total, 70);
	CHECK_INT(res.n_clients, SUIT_MAX_CLIENTS);
	CHECK(res.truncated);
	CHECK_INT(res.n_suitable, SUIT_MAX_CLIENTS);
	CHECK_SLICE(res.clients[63].id, "k63");

	/* Long URIs: the arena fills first; what is answered is whole. */
	evb_init(&b, 1);
	evb_reg(&b, aor, "r1");
	for (int i = 0; i < 40; i++) {
		int n = snprintf(uris[i], sizeof(uris[i]), "sip:+15550100006@10.1.0.%d:5060;x=", i);

		memset(uris[i] + n, 'a', 1000 - (size_t)n);
		uris[i][1000] = '\0';
		evb_contact(&b, ids[i], S(uris[i]), 3600);
	}
	CHECK_INT(apply(t, w, aor, "call-f", 2, &b.ev, NOW), REGTABLE_APPLIED);
	CHECK_INT(suit_query(t, S(aor), RGL_SVC_SESSION, false, NULL, NULL, NOW, &res), 0);
	CHECK_INT(res.n_total, 40);
	CHECK(res.truncated);
	CHECK(res.n_clients > 0 && res.n_clients < 40);
	CHECK(res.arena_used <= SUIT_ARENA_BYTES);
	for (uint32_t i = 0; i < res.n_clients; i++) {
		CHECK_INT(res.clients[i].uri.len, 1000);
		CHECK_INT(res.clients[i].reasons, CAP); /* no features this time */
	}
}

/* The answer survives the snapshot it was copied from. */
static void
test_copy_out(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;
	const char *aor = "sip:+15550100007@ims.example.net";

	evb_init(&b, 0);
	evb_reg(&b, aor, "r1");
	add_phone(&b, "c1", "sip:+15550100007@10.45.0.2:5060", 3600);
	add_tablet(&b, "c2", "sip:+15550100007@10.45.0.77:5060", 3600);
	CHECK_INT(apply(t, w, aor, "call-g", 1, &b.ev, NOW), REGTABLE_APPLIED);
	CHECK_INT(suit_query(t, S(aor), RGL_SVC_PAGER, false, NULL, NULL, NOW, &res), 0);

	/* Replace the snapshot, then let the old one be freed. */
	evb_init(&b, 1);
	evb_reg(&b, aor, "r1");
	add_pc(&b, "c9", "sip:+15550100007@203.0.113.9:5060", 3600);
	CHECK_INT(apply(t, w, aor, "call-g", 2, &b.ev, NOW), REGTABLE_APPLIED);
	urcu_qsbr_quiescent_state();
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	urcu_qsbr_thread_online();

	CHECK_INT(res.n_clients, 2);
	CHECK_SLICE(res.user, aor);
	CHECK_SLICE(res.clients[0].id, "c1");
	CHECK_SLICE(res.clients[0].uri, "sip:+15550100007@10.45.0.2:5060");
	CHECK_SLICE(res.clients[0].instance, IMEI_A);
	CHECK_SLICE(res.clients[1].instance, TABLET_A);
	CHECK(strcmp(res.clients[1].uri.p, "sip:+15550100007@10.45.0.77:5060") == 0);
}

static void
test_json(struct regtable *t, struct regtable_writer *w)
{
	static struct evb b;
	const char *aor = "sip:+15550100008@ims.example.net";
	json_t *j, *clients, *c;
	char *text;

	evb_init(&b, 0);
	evb_reg(&b, aor, "r1");
	add_phone(&b, "c1", "sip:+15550100008@10.45.0.2:5060", 3600);
	/* No instance, and a URI byte that is not UTF-8. */
	evb_contact(&b, "c2", rgl_slice_make("sip:x\xff@10.0.0.1", sizeof("sip:x\xff@10.0.0.1") - 1), 3600);
	evb_param(&b, "+g.3gpp.icsi-ref", "\"" ICSI "oma.cpm.msg\"");
	CHECK_INT(apply(t, w, aor, "call-h", 1, &b.ev, NOW), REGTABLE_APPLIED);
	CHECK_INT(suit_query(t, S(aor), RGL_SVC_FILE_TRANSFER, true, NULL, NULL, NOW, &res), 0);

	j = suit_result_to_json(&res);
	CHECK(j != NULL);
	if (j == NULL)
		return;
	CHECK(json_is_string(json_object_get(j, "user")) &&
	      strcmp(json_string_value(json_object_get(j, "user")), aor) == 0);
	CHECK(strcmp(json_string_value(json_object_get(j, "request")), "file-transfer") == 0);
	CHECK(json_is_true(json_object_get(j, "interworked")));
	CHECK(json_is_false(json_object_get(j, "truncated")));
	clients = json_object_get(j, "clients");
	CHECK(json_is_array(clients) && json_array_size(clients) == 2);
	c = json_array_get(clients, 0);
	CHECK(strcmp(json_string_value(json_object_get(c, "id")), "c1") == 0);
	CHECK(strcmp(json_string_value(json_object_get(c, "instance")), IMEI_A) == 0);
	CHECK(strcmp(json_string_value(json_object_get(c, "role")), "primary") == 0);
	CHECK(json_is_true(json_object_get(c, "suitable")));
	CHECK(json_array_size(json_object_get(c, "reasons")) == 0);
	c = json_array_get(clients, 1);
	CHECK(json_is_null(json_object_get(c, "instance")));
	CHECK(strcmp(json_string_value(json_object_get(c, "uri")), "sip:x\xef\xbf\xbd@10.0.0.1") ==
	      0);
	CHECK(strcmp(json_string_value(json_object_get(c, "role")), "secondary") == 0);
	CHECK(json_is_false(json_object_get(c, "suitable")));
	CHECK(json_array_size(json_object_get(c, "reasons")) == 2);
	CHECK(strcmp(json_string_value(json_array_get(json_object_get(c, "reasons"), 0)),
		     "capability") == 0);
	CHECK(strcmp(json_string_value(json_array_get(json_object_get(c, "reasons"), 1)),
		     "connectivity") == 0);
	text = json_dumps(j, JSON_COMPACT);
	CHECK(text != NULL && strstr(text, "\"clients\":[{\"id\":\"c1\"") != NULL);
	free(text);
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* Corpus cases                                                        */

/* Apply one corpus datagram through the real SIP and reginfo parsers. */
static void
apply_corpus_step(struct regtable *t, struct regtable_writer *w, struct reginfo_parser *rp,
		  const char *path, uint64_t now)
{
	static struct sip_msg m;
	const struct reginfo_event *ev = NULL;
	struct regtable_notify n;
	size_t len;
	char *buf = check_read_file(path, &len);

	CHECK_INT(sip_parse(buf, len, &m), SIP_ERR_OK);
	CHECK_INT(reginfo_parse(rp, m.body.p, m.body.len, &ev), REGINFO_ERR_OK);
	memset(&n, 0, sizeof(n));
	n.resource = m.from.uri;
	n.callid = m.call_id;
	n.from_tag = m.from.tag;
	n.to_tag = m.to.tag;
	n.cseq = m.cseq;
	n.sub_state = regtable_sub_state_parse(m.subs_state_value);
	n.sub_reason = m.subs_reason;
	CHECK_INT(regtable_apply(t, w, &n, ev, now), REGTABLE_APPLIED);
	free(buf);
}

/* capability_hints key -> query. */
static const struct {
	const char *hint;
	enum rgl_service req;
	bool iw;
} hint_map[] = {
	{ "pager", RGL_SVC_PAGER, false },
	{ "largemsg", RGL_SVC_LARGE_MESSAGE, false },
	{ "session", RGL_SVC_SESSION, false },
	{ "filetransfer", RGL_SVC_FILE_TRANSFER, false },
	{ "deferred", RGL_SVC_DEFERRED, false },
	{ "systemmsg", RGL_SVC_SYSTEM, false },
	/* Interworked SMS: what is sent is immaterial, pager stands in. */
	{ "sms_interworking", RGL_SVC_PAGER, true },
};

/* Roles and capability_hints of expect.json, for every user of the case. */
static void
check_corpus_expect(struct regtable *t, const char *dir)
{
	char path[512];
	json_error_t je;
	json_t *exp, *users, *hints, *u, *c;
	const char *aor;
	size_t i;
	int hinted = 0;

	snprintf(path, sizeof(path), "%s/expect.json", dir);
	exp = json_load_file(path, 0, &je);
	CHECK(exp != NULL);
	if (exp == NULL)
		return;
	users = json_object_get(exp, "users");
	hints = json_object_get(exp, "capability_hints");
	json_object_foreach(users, aor, u) {
		json_t *contacts = json_object_get(u, "contacts");

		CHECK_INT(suit_query(t, S(aor), RGL_SVC_PAGER, false, NULL, NULL, NOW, &res), 0);
		CHECK_INT(res.n_clients, json_array_size(contacts));
		json_array_foreach(contacts, i, c) {
			const char *id = json_string_value(json_object_get(c, "id"));
			const char *role = json_string_value(json_object_get(c, "role"));
			const struct suit_client *sc = client_by_id(&res, id);

			CHECK(sc != NULL);
			if (sc == NULL)
				continue;
			/* The corpus's "unknown" is reported as secondary (SEMANTICS 7). */
			CHECK_INT(sc->role, strcmp(role, "primary") == 0 ? REGTABLE_ROLE_PRIMARY
									 : REGTABLE_ROLE_SECONDARY);
		}
		if (hints == NULL)
			continue;
		for (size_t k = 0; k < sizeof(hint_map) / sizeof(hint_map[0]); k++) {
			const char *uri;
			json_t *h;

			CHECK_INT(suit_query(t, S(aor), hint_map[k].req, hint_map[k].iw, NULL, NULL,
					     NOW, &res), 0);
			json_object_foreach(hints, uri, h) {
				const struct suit_client *sc =
					client_by_uri(&res, uri, strlen(uri));
				json_t *want = json_object_get(h, hint_map[k].hint);

				CHECK(sc != NULL && json_is_boolean(want));
				if (sc == NULL || !json_is_boolean(want))
					continue;
				hinted++;
				if (sc->suitable != json_is_true(want)) {
					check_failures++;
					fprintf(stderr, "%s %s %s: suitable %d, hint %d\n", dir, aor,
						hint_map[k].hint, sc->suitable, json_is_true(want));
				}
				check_count++;
			}
		}
	}
	if (hints != NULL)
		CHECK(hinted > 0);
	json_decref(exp);
}

static void
test_corpus(void)
{
	struct regtable *t = table_new(true);
	struct regtable_writer *w = regtable_writer_new(t);
	struct reginfo_parser *rp = reginfo_parser_new(NULL);
	const char *k24 = "tel:+12025550124";

	CHECK(w != NULL && rp != NULL);
	apply_corpus_step(t, w, rp, "../data/corpus/032-primary-phone-tablet-pc/request.sip", NOW);
	check_corpus_expect(t, "../data/corpus/032-primary-phone-tablet-pc");
	/* 032 spelled out: the PC takes sessions only, the phone alone SMS. */
	CHECK_INT(suit_query(t, S("sip:+12025550101@ims.example.net"), RGL_SVC_FILE_TRANSFER,
			     false, NULL, NULL, NOW, &res), 0);
	CHECK_INT(client_by_id(&res, "980")->reasons, 0);
	CHECK_INT(client_by_id(&res, "981")->reasons, 0);
	CHECK_INT(client_by_id(&res, "982")->reasons, CAP);
	CHECK_INT(suit_query(t, S("tel:+12025550101"), RGL_SVC_DEFERRED, true, NULL, NULL, NOW,
			     &res), 0);
	CHECK_INT(client_by_id(&res, "983")->reasons, 0);
	CHECK_INT(client_by_id(&res, "984")->reasons, CAP | CONN);
	CHECK_INT(client_by_id(&res, "985")->reasons, CAP | CONN);

	apply_corpus_step(t, w, rp, "../data/corpus/004-partial-adds-secondary-device/01.sip", NOW);
	apply_corpus_step(t, w, rp, "../data/corpus/004-partial-adds-secondary-device/02.sip", NOW);
	check_corpus_expect(t, "../data/corpus/004-partial-adds-secondary-device");

	/*
	 * 024 (Kamailio S-CSCF: only icsi-ref and smsip survive its whitelist)
	 * has no capability_hints: both clients advertise MMTel only, so no CPM
	 * request fits either, and interworked SMS reaches the phone alone.
	 */
	apply_corpus_step(t, w, rp, "../data/corpus/024-kamailio-scscf-two-devices/request.sip",
			  NOW);
	check_corpus_expect(t, "../data/corpus/024-kamailio-scscf-two-devices");
	for (int req = 0; req < RGL_SVC__COUNT; req++) {
		const struct suit_client *ph, *sec;

		if (req == RGL_SVC_INTERWORKED)
			continue;
		CHECK_INT(suit_query(t, S(k24), req, false, NULL, NULL, NOW, &res), 0);
		ph = client_by_id(&res, "0x7f8844b9e9e0");
		sec = client_by_id(&res, "0x7f8844ba0a10");
		CHECK(ph != NULL && sec != NULL);
		if (ph == NULL || sec == NULL)
			continue;
		CHECK_INT(ph->reasons, CAP);
		CHECK_INT(sec->reasons, CAP);
		CHECK_INT(suit_query(t, S(k24), req, true, NULL, NULL, NOW, &res), 0);
		CHECK_INT(client_by_id(&res, "0x7f8844b9e9e0")->reasons, 0);
		CHECK_INT(client_by_id(&res, "0x7f8844b9e9e0")->role, REGTABLE_ROLE_PRIMARY);
		CHECK_INT(client_by_id(&res, "0x7f8844ba0a10")->reasons, CAP | CONN);
		CHECK_INT(res.n_suitable, 1);
	}

	reginfo_parser_free(rp);
	regtable_writer_free(w);
	CHECK_INT(regtable_destroy(t), 0);
}

int
main(void)
{
	struct regtable *t;
	struct regtable_writer *w;

	urcu_qsbr_register_thread();
	t = table_new(true);
	w = regtable_writer_new(t);
	if (w == NULL) {
		fprintf(stderr, "regtable_writer_new failed\n");
		return 2;
	}
	test_matrix(t, w);
	test_expiry(t, w);
	test_sos(t, w);
	test_no_primary(t, w);
	test_unknown(t, w);
	test_truncation(t, w);
	test_copy_out(t, w);
	test_json(t, w);
	regtable_writer_free(w);
	CHECK_INT(regtable_destroy(t), 0);
	test_no_role_hints();
	test_corpus();
	urcu_qsbr_unregister_thread();
	return check_exit();
}
