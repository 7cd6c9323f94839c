/* SPDX-License-Identifier: MIT */
/*
 * Primary / Secondary Device roles (seed Change 1-2, SEMANTICS 7 policy).
 *
 * Hints are configured in the struct rgl_role_hint format of config.h: a
 * feature parameter name, and optional values (a trailing `*` makes a
 * case-insensitive prefix, anything else must be an element of the
 * parameter's comma-separated value). The `+sip.instance` hint looks at
 * the contact's instance, which is not kept among the features.
 */

#include <string.h>

#include <reglane/services.h>

#include "regtable_priv.h"

void
role_prep_init(struct role_prep *rp, const struct regtable_config *cfg)
{
	memset(rp, 0, sizeof(*rp));
	for (unsigned i = 0; i < cfg->n_role_hints && i < RGL_CFG_MAX_ROLE_HINTS && i < 8; i++) {
		const struct rgl_role_hint *h = &cfg->role_hints[i];
		size_t nlen = strnlen(h->name, sizeof(h->name));

		rp->n = (uint8_t)(i + 1);
		if (nlen == 0)
			continue;
		rp->h[i].name = h->name;
		rp->h[i].nlen = (uint16_t)nlen;
		if (rt_mem_ieq(h->name, nlen, "+sip.instance", 13))
			rp->instance_mask |= (uint8_t)(1u << i);
		for (unsigned k = 0; k < h->n_values && k < RGL_CFG_MAX_HINT_VALUES; k++) {
			size_t vlen = strnlen(h->values[k], sizeof(h->values[k]));
			unsigned j = rp->h[i].n_values;

			/* an empty value never matches, but still makes the
			 * hint a value hint (not a presence one) */
			rp->h[i].values[j].v = h->values[k];
			rp->h[i].values[j].len = (uint16_t)vlen;
			rp->h[i].values[j].prefix = vlen > 0 && h->values[k][vlen - 1] == '*';
			rp->h[i].n_values++;
		}
	}
}

/* Whether hint @p i holds for @p value (the parameter is present). */
static bool
hint_holds(const struct role_prep *rp, unsigned i, struct rgl_slice value)
{
	if (value.p == NULL)
		return false;
	if (value.len >= 2 && value.p[0] == '<' && value.p[value.len - 1] == '>') {
		value.p++;
		value.len -= 2;
	}
	if (rp->h[i].n_values == 0)
		return true;
	for (unsigned k = 0; k < rp->h[i].n_values; k++) {
		const char *want = rp->h[i].values[k].v;
		size_t wlen = rp->h[i].values[k].len;

		if (wlen == 0)
			continue;
		if (rp->h[i].values[k].prefix) {
			if (value.len >= wlen - 1 && rt_mem_ieq(value.p, wlen - 1, want, wlen - 1))
				return true;
		} else if (rgl_list_has(value, want, wlen)) {
			return true;
		}
	}
	return false;
}

uint8_t
role_hints_instance(const struct role_prep *rp, struct rgl_slice instance)
{
	uint8_t bits = 0;

	for (unsigned i = 0; i < rp->n; i++)
		if ((rp->instance_mask >> i & 1) && hint_holds(rp, i, instance))
			bits |= (uint8_t)(1u << i);
	return bits;
}

uint8_t
role_hints_feature(const struct role_prep *rp, struct rgl_slice name, struct rgl_slice value)
{
	uint8_t bits = 0;

	for (unsigned i = 0; i < rp->n; i++) {
		if (rp->h[i].name == NULL || (rp->instance_mask >> i & 1) ||
		    !rt_mem_ieq(name.p, name.len, rp->h[i].name, rp->h[i].nlen))
			continue;
		if (hint_holds(rp, i, value))
			bits |= (uint8_t)(1u << i);
	}
	return bits;
}

/*
 * When the contact was registered, on the apply() clock. Without
 * duration-registered the NOTIFY that reported it is the best estimate
 * (SEMANTICS 7: "prefer the most recently registered/refreshed").
 */
static uint64_t
registered_at(const struct regtable_contact *c)
{
	if (!(c->has & REGINFO_HAS_DURATION))
		return c->received_at;
	return c->received_at > c->duration_registered ? c->received_at - c->duration_registered
						       : 0;
}

/* Contact ids compare as numbers when they look like numbers of one format. */
static int
id_cmp(const char *base, const struct regtable_contact *a, const struct regtable_contact *b)
{
	struct rgl_slice x = rt_str(base, a->id), y = rt_str(base, b->id);
	int r;

	if (x.len != y.len)
		return x.len < y.len ? -1 : 1;
	r = memcmp(x.p ? x.p : "", y.p ? y.p : "", x.len);
	return r;
}

/* Whether @p a is a better primary candidate than @p b. */
static bool
better(const char *base, const struct regtable_contact *a, const struct regtable_contact *b)
{
	int ha = __builtin_popcount(a->hints), hb = __builtin_popcount(b->hints);
	uint64_t ra, rb;

	if (ha != hb)
		return ha > hb;
	ra = registered_at(a);
	rb = registered_at(b);
	if (ra != rb)
		return ra > rb; /* most recent registration */
	return id_cmp(base, a, b) < 0;
}

static bool
same_device(const char *base, const struct regtable_contact *a, const struct regtable_contact *b)
{
	struct rgl_slice x, y;

	if (a->instance.off != 0 && b->instance.off != 0) {
		x = rt_str(base, a->instance);
		y = rt_str(base, b->instance);
		return rt_mem_ieq(x.p, x.len, y.p, y.len);
	}
	x = rt_str(base, a->uri);
	y = rt_str(base, b->uri);
	return x.len == y.len && memcmp(x.p ? x.p : "", y.p ? y.p : "", x.len) == 0;
}

void
role_assign(const char *base, struct regtable_contact *c, uint32_t n, uint64_t now)
{
	const struct regtable_contact *best = NULL;

	for (uint32_t i = 0; i < n; i++) {
		c[i].role = REGTABLE_ROLE_SECONDARY;
		if (c[i].hints == 0 || !regtable_contact_alive(&c[i], now))
			continue;
		if (best == NULL || better(base, &c[i], best))
			best = &c[i];
	}
	if (best == NULL)
		return;
	/* The same device under every AoR of the set gets the same role. */
	for (uint32_t i = 0; i < n; i++)
		if (regtable_contact_alive(&c[i], now) && same_device(base, &c[i], best))
			c[i].role = REGTABLE_ROLE_PRIMARY;
}
