/* SPDX-License-Identifier: MIT */
/*
 * Suitable CPM Clients (seed 6.6): the verdict per client, with every
 * failing reason (include/reglane/suitability.h states the rules).
 *
 * The query runs on the control thread between going online and going
 * offline again, so it works on one immutable snapshot and copies what it
 * answers (contact id, URI, instance, the user's AoR) into the caller's
 * result before returning; nothing in the answer points into the table.
 * The cost is a lookup, one pass over the user's contacts and, per
 * contact, a scan of its URI parameters and of two short rule lists.
 */

#include <errno.h>
#include <string.h>

#include <reglane/rcu.h>
#include <reglane/services.h>
#include <reglane/suitability.h>

static const char *const reason_names[SUIT_REASON__COUNT] = {
#define _(sym, name) [SUIT_REASON_##sym] = name,
	foreach_suit_reason
#undef _
};

static const char *const conn_names[SUIT_CONN__COUNT] = {
#define _(sym, name) [SUIT_CONN_##sym] = name,
	foreach_suit_conn
#undef _
};

const char *
suit_reason_str(enum suit_reason r)
{
	return (unsigned)r < SUIT_REASON__COUNT ? reason_names[r] : "?";
}

const char *
suit_conn_str(enum suit_conn c)
{
	return (unsigned)c < SUIT_CONN__COUNT ? conn_names[c] : "?";
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

bool
suit_uri_is_sos(struct rgl_slice uri)
{
	const char *p = uri.p;
	size_t n = uri.len, i = 0, colon, at;

	if (p == NULL)
		return false;
	/* The scheme ends at the first ':'; without one this is no URI. */
	while (i < n && p[i] != ':')
		i++;
	if (i == n)
		return false;
	colon = i;
	/*
	 * The user part may contain ';' (RFC 3261 user-unreserved), so the
	 * parameters start after the host. '@' may not appear unescaped after
	 * the userinfo, so the first one ends it.
	 */
	at = colon;
	for (i = colon + 1; i < n; i++)
		if (p[i] == '@') {
			at = i;
			break;
		}
	i = at + 1;
	if (i < n && p[i] == '[') { /* IPv6 reference: its ':' are not separators */
		while (i < n && p[i] != ']')
			i++;
	}
	while (i < n && p[i] != ';' && p[i] != '?')
		i++;
	/* Each ";name[=value]" up to the headers ('?') or the end. */
	while (i < n && p[i] == ';') {
		size_t a = ++i, b;

		while (i < n && p[i] != ';' && p[i] != '?')
			i++;
		b = a;
		while (b < i && p[b] != '=')
			b++;
		while (a < b && is_ws(p[a]))
			a++;
		while (b > a && is_ws(p[b - 1]))
			b--;
		if (rgl_slice_ieq(rgl_slice_make(p + a, b - a), "sos"))
			return true;
	}
	return false;
}

/* An `sos` contact parameter reported as an unknown-param (some cores do). */
static bool
has_sos_feature(const struct regtable_snapshot *s, const struct regtable_contact *c)
{
	const struct regtable_feature *f;

	if ((uint64_t)c->first_feature + c->n_features > s->n_features)
		return false;
	f = regtable_contact_features(s, c);
	for (uint32_t i = 0; i < c->n_features; i++)
		if (rgl_slice_ieq(regtable_str(s, f[i].name), "sos"))
			return true;
	return false;
}

/*
 * The user's preferences: under the registration's AoR, else the
 * subscribed resource, else another AoR of the implicit set.
 */
static const struct policy_rules *
find_prefs(const struct policy_prefs *prefs, const struct regtable_snapshot *s,
	   const struct regtable_registration *r)
{
	const struct policy_rules *found;
	struct rgl_slice k;

	if (prefs == NULL || policy_prefs_count(prefs) == 0)
		return NULL;
	k = regtable_str(s, r->aor_key);
	if (k.p != NULL && (found = policy_prefs_get_key(prefs, k.p, k.len)) != NULL)
		return found;
	k = regtable_str(s, s->resource_key);
	if (k.p != NULL && (found = policy_prefs_get_key(prefs, k.p, k.len)) != NULL)
		return found;
	for (uint32_t i = 0; i < s->n_regs; i++) {
		if (&s->regs[i] == r)
			continue;
		k = regtable_str(s, s->regs[i].aor_key);
		if (k.p != NULL && (found = policy_prefs_get_key(prefs, k.p, k.len)) != NULL)
			return found;
	}
	return NULL;
}

/* Copy @p v into the arena, NUL-terminated; absent stays absent. */
static struct rgl_slice
arena_put(struct suit_result *res, struct rgl_slice v)
{
	char *dst;

	if (v.p == NULL)
		return RGL_SLICE_NONE;
	dst = res->arena + res->arena_used;
	memcpy(dst, v.p, v.len);
	dst[v.len] = '\0';
	res->arena_used += v.len + 1;
	return rgl_slice_make(dst, v.len);
}

static size_t
need(struct rgl_slice v)
{
	return v.p ? (size_t)v.len + 1 : 0;
}

/* The connectivity condition (seed 6.6 second bullet); detail bits. */
static uint8_t
connectivity(const struct regtable_snapshot *s, const struct regtable_registration *r,
	     const struct regtable_contact *c, bool interworked, uint64_t now)
{
	uint8_t conn = 0;

	if (r->state != REGINFO_REG_ACTIVE)
		conn |= SUIT_BIT(SUIT_CONN_REG_INACTIVE);
	if (c->state != REGINFO_CONTACT_ACTIVE)
		conn |= SUIT_BIT(SUIT_CONN_CONTACT_INACTIVE);
	/* Same rule as regtable_contact_alive(): gone once expiry < now. */
	if ((c->has & REGINFO_HAS_EXPIRES) && c->expires_at < now)
		conn |= SUIT_BIT(SUIT_CONN_EXPIRED);
	if (suit_uri_is_sos(regtable_str(s, c->uri)) || has_sos_feature(s, c))
		conn |= SUIT_BIT(SUIT_CONN_SOS);
	/* Interworked (SMS/MMS) delivery is the Primary Device's only. */
	if (interworked && c->role != REGTABLE_ROLE_PRIMARY)
		conn |= SUIT_BIT(SUIT_CONN_NOT_PRIMARY);
	return conn;
}

int
suit_evaluate(const struct regtable_snapshot *s, const struct regtable_registration *r,
	      enum rgl_service request, bool interworked, const struct policy_rules *policy,
	      const struct policy_prefs *prefs, uint64_t now, struct suit_result *res)
{
	const struct policy_rules *mine;
	const struct regtable_contact *c;
	struct rgl_slice user;
	uint32_t cap_bit, n;

	if (res == NULL)
		return -EINVAL;
	res->n_clients = res->n_total = res->n_suitable = res->arena_used = 0;
	res->truncated = res->has_preferences = false;
	res->user = RGL_SLICE_NONE;
	res->request = request;
	res->interworked = interworked;
	if (s == NULL || r == NULL || (unsigned)request >= RGL_SVC__COUNT ||
	    request == RGL_SVC_INTERWORKED)
		return -EINVAL;
	if (s->n_regs == 0 || r < s->regs || r >= s->regs + s->n_regs)
		return -EINVAL;

	mine = find_prefs(prefs, s, r);
	res->has_preferences = mine != NULL;
	/* SEMANTICS 8.2: interworked needs the legacy SMS capability, not CPM. */
	cap_bit = RGL_SVC_BIT(interworked ? RGL_SVC_INTERWORKED : request);

	/* An AoR longer than a quarter of the arena is left out, not cut. */
	user = regtable_str(s, r->aor);
	if (need(user) > SUIT_ARENA_BYTES / 4)
		res->truncated = true;
	else
		res->user = arena_put(res, user);

	/* A snapshot is trusted, but a bad index must not walk off its end. */
	n = r->n_contacts;
	if ((uint64_t)r->first_contact + n > s->n_contacts)
		n = r->first_contact < s->n_contacts ? s->n_contacts - r->first_contact : 0;
	res->n_total = n;
	c = regtable_reg_contacts(s, r);
	for (uint32_t i = 0; i < n; i++, c++) {
		struct suit_client *out = &res->clients[res->n_clients];
		struct rgl_slice id = regtable_str(s, c->id), uri = regtable_str(s, c->uri);
		struct rgl_slice inst = regtable_str(s, c->instance);
		struct policy_subject subj = {
			.request = request,
			.interworked = interworked,
			.role = (enum regtable_role)c->role,
			.instance = inst,
		};
		int rule;

		if (res->n_clients == SUIT_MAX_CLIENTS ||
		    need(id) + need(uri) + need(inst) > SUIT_ARENA_BYTES - res->arena_used) {
			res->truncated = true;
			break;
		}
		memset(out, 0, sizeof(*out));
		out->id = arena_put(res, id);
		out->uri = arena_put(res, uri);
		out->instance = arena_put(res, inst);
		out->expires_at = (c->has & REGINFO_HAS_EXPIRES) ? c->expires_at : 0;
		out->services = c->services;
		out->role = c->role;

		if (!(c->services & cap_bit))
			out->reasons |= SUIT_BIT(SUIT_REASON_CAPABILITY);
		out->conn = connectivity(s, r, c, interworked, now);
		if (out->conn != 0)
			out->reasons |= SUIT_BIT(SUIT_REASON_CONNECTIVITY);
		if (policy_rules_eval(policy, &subj, &rule) == POLICY_DENY)
			out->reasons |= SUIT_BIT(SUIT_REASON_POLICY);
		out->policy_rule = (int16_t)rule;
		if (policy_rules_eval(mine, &subj, &rule) == POLICY_DENY)
			out->reasons |= SUIT_BIT(SUIT_REASON_PREFERENCE);
		out->pref_rule = (int16_t)rule;
		out->suitable = out->reasons == 0;
		res->n_suitable += out->suitable;
		res->n_clients++;
	}
	return 0;
}

int
suit_query(struct regtable *t, struct rgl_slice aor, enum rgl_service request, bool interworked,
	   const struct policy_rules *policy, const struct policy_prefs *prefs, uint64_t now,
	   struct suit_result *res)
{
	struct regtable_match m;
	int rc;

	if (res == NULL)
		return -EINVAL;
	res->n_clients = res->n_total = res->n_suitable = res->arena_used = 0;
	res->truncated = res->has_preferences = false;
	res->user = RGL_SLICE_NONE;
	res->request = request;
	res->interworked = interworked;
	if (t == NULL || (unsigned)request >= RGL_SVC__COUNT || request == RGL_SVC_INTERWORKED)
		return -EINVAL;
	/* A no-op for QSBR unless DEBUG_RCU, where it asserts we are online. */
	urcu_qsbr_read_lock();
	rc = regtable_lookup(t, aor, &m);
	if (rc == 0)
		rc = suit_evaluate(m.snap, m.reg, request, interworked, policy, prefs, now, res);
	urcu_qsbr_read_unlock();
	return rc;
}
