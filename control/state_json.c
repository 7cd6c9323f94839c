/* SPDX-License-Identifier: MIT */
/* Registration state as JSON (schema in include/reglane/state_json.h). */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/json_text.h>
#include <reglane/reginfo.h>
#include <reglane/services.h>
#include <reglane/state_json.h>




static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static json_t *
js_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* Set @p key of @p obj to @p val (stolen); false when anything failed. */
static bool
set(json_t *obj, const char *key, json_t *val)
{
	return val != NULL && json_object_set_new_nocheck(obj, key, val) == 0;
}

/* Set a key that comes from data (an AoR, a feature name); @p val is stolen. */
static bool
set_slice_key(json_t *obj, struct rgl_slice key, json_t *val)
{
	json_t *k;
	int rc;

	if (val == NULL)
		return false;
	/* The key goes through the same UTF-8 repair as every value. */
	k = rgl_json_str(key.p != NULL ? key : rgl_slice_make("", 0));
	if (k == NULL) {
		json_decref(val);
		return false;
	}
	rc = json_object_setn_new_nocheck(obj, json_string_value(k), json_string_length(k), val);
	json_decref(k);
	return rc == 0;
}

json_t *
state_json_contact(const struct regtable_snapshot *s, const struct regtable_contact *c,
		   uint64_t now)
{
	const struct regtable_feature *f = regtable_contact_features(s, c);
	json_t *o = json_object(), *feats = json_object(), *svcs = json_array();
	bool ok = o != NULL && feats != NULL && svcs != NULL;

	for (uint32_t i = 0; ok && i < c->n_features; i++)
		ok = set_slice_key(feats, regtable_str(s, f[i].name),
				   rgl_json_str(regtable_str(s, f[i].value)));
	for (int k = 0; ok && k < RGL_SVC__COUNT; k++)
		if (c->services & RGL_SVC_BIT(k))
			ok = json_array_append_new(svcs, json_string(rgl_service_str(k))) == 0;
	if (!ok || !set(o, "features", feats)) {
		json_decref(o);
		if (ok)
			json_decref(svcs); /* feats was consumed by the failed set() */
		else {
			json_decref(feats);
			json_decref(svcs);
		}
		return NULL;
	}
	if (!set(o, "services", svcs)) {
		json_decref(o);
		return NULL;
	}
	/* From here on o owns everything: one decref frees all. */
	ok = set(o, "id", rgl_json_str(regtable_str(s, c->id))) &&
	     set(o, "uri", rgl_json_str(regtable_str(s, c->uri))) &&
	     set(o, "state", json_string(reginfo_contact_state_str(c->state))) &&
	     set(o, "event", json_string(reginfo_contact_event_str(c->event))) &&
	     set(o, "expires",
		 (c->has & REGINFO_HAS_EXPIRES)
			 ? js_u64(c->expires_at > now ? c->expires_at - now : 0)
			 : json_null()) &&
	     set(o, "q", rgl_json_str(regtable_str(s, c->q))) &&
	     set(o, "duration_registered",
		 (c->has & REGINFO_HAS_DURATION)
			 ? js_u64(sat_add(c->duration_registered,
					  now > c->received_at ? now - c->received_at : 0))
			 : json_null()) &&
	     set(o, "retry_after",
		 (c->has & REGINFO_HAS_RETRY_AFTER) ? js_u64(c->retry_after) : json_null()) &&
	     set(o, "callid", rgl_json_str(regtable_str(s, c->callid))) &&
	     set(o, "cseq", (c->has & REGINFO_HAS_CSEQ) ? js_u64(c->cseq) : json_null()) &&
	     set(o, "display_name", rgl_json_str(regtable_str(s, c->display_name))) &&
	     set(o, "instance", rgl_json_str(regtable_str(s, c->instance))) &&
	     set(o, "instance_source",
		 c->instance_source ? json_string(regtable_instance_source_str(c->instance_source))
				    : json_null()) &&
	     set(o, "pub_gruu", rgl_json_str(regtable_str(s, c->pub_gruu))) &&
	     set(o, "temp_gruu", rgl_json_str(regtable_str(s, c->temp_gruu))) &&
	     set(o, "temp_gruu_first_cseq",
		 (c->has & REGINFO_HAS_TEMP_GRUU_CSEQ) ? js_u64(c->temp_gruu_first_cseq)
						       : json_null()) &&
	     set(o, "role", json_string(regtable_role_str(c->role)));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
state_json_registration(const struct regtable_snapshot *s, const struct regtable_registration *r,
			uint64_t now)
{
	const struct regtable_contact *c = regtable_reg_contacts(s, r);
	json_t *o = json_object(), *sub = json_object(), *contacts = json_array();
	bool ok = o != NULL && sub != NULL && contacts != NULL;

	for (uint32_t i = 0; ok && i < r->n_contacts; i++) {
		json_t *cj = state_json_contact(s, &c[i], now);

		ok = cj != NULL && json_array_append_new(contacts, cj) == 0;
	}
	ok = ok && set(sub, "state", json_string(regtable_sub_state_str(s->sub_state))) &&
	     set(sub, "reason", rgl_json_str(regtable_str(s, s->sub_reason)));
	if (!ok || !set(o, "subscription", sub)) {
		json_decref(o);
		if (!ok)
			json_decref(sub);
		json_decref(contacts);
		return NULL;
	}
	if (!set(o, "contacts", contacts)) {
		json_decref(o);
		return NULL;
	}
	ok = set(o, "state", json_string(reginfo_reg_state_str(r->state))) &&
	     set(o, "registration_id", rgl_json_str(regtable_str(s, r->id))) &&
	     set(o, "wildcarded_identity", rgl_json_str(regtable_str(s, r->wildcarded_identity))) &&
	     set(o, "version", s->version_set ? js_u64(s->version) : json_null()) &&
	     set(o, "resource", rgl_json_str(regtable_str(s, s->resource))) &&
	     set(o, "refresh_needed", json_boolean(s->refresh_needed));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
state_json_lookup(struct regtable *t, struct rgl_slice aor, uint64_t now, json_t **out)
{
	struct regtable_match m;
	int rc = regtable_lookup(t, aor, &m);

	if (rc < 0)
		return rc;
	*out = state_json_registration(m.snap, m.reg, now);
	return *out ? 0 : -ENOMEM;
}

struct dump_ctx {
	struct regtable *t;
	json_t *users;
	uint64_t now;
};

static int
dump_one(const struct regtable_snapshot *s, void *arg)
{
	struct dump_ctx *d = arg;

	for (uint32_t i = 0; i < s->n_regs; i++) {
		const struct regtable_registration *r = &s->regs[i];

		if (!regtable_reg_is_current(d->t, s, r))
			continue;
		if (!set_slice_key(d->users, regtable_str(s, r->aor),
				   state_json_registration(s, r, d->now)))
			return -ENOMEM;
	}
	return 0;
}

json_t *
state_json_table(struct regtable *t, uint64_t now)
{
	json_t *root = json_object(), *users = json_object();
	struct dump_ctx d = { t, users, now };

	if (root == NULL || users == NULL || regtable_foreach(t, dump_one, &d) != 0) {
		json_decref(root);
		json_decref(users);
		return NULL;
	}
	if (json_object_set_new_nocheck(root, "users", users) != 0) {
		json_decref(root); /* users was consumed by the failed set */
		return NULL;
	}
	return root;
}
