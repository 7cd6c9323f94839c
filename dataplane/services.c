/* SPDX-License-Identifier: MIT */
/* CPM services advertised by contact features (see include/reglane/services.h). */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <reglane/services.h>

#define ICSI_PREFIX "urn:urn-7:3gpp-service.ims.icsi."

static const char *const service_names[RGL_SVC__COUNT] = {
#define _(sym, name) [RGL_SVC_##sym] = name,
	foreach_rgl_service
#undef _
};

static unsigned char
lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool
mem_ieq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return false;
	return true;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
add_tag(struct rgl_service_tags *t, const char *tag)
{
	if (t->n_tags >= RGL_CFG_MAX_SERVICE_TAGS)
		return;
	snprintf(t->tags[t->n_tags], sizeof(t->tags[0]), "%s", tag);
	t->n_tags++;
}

void
rgl_services_default(struct rgl_service_tags map[RGL_SVC__COUNT])
{
	memset(map, 0, sizeof(map[0]) * RGL_SVC__COUNT);
	add_tag(&map[RGL_SVC_PAGER], ICSI_PREFIX "oma.cpm.msg");
	add_tag(&map[RGL_SVC_PAGER], "+g.gsma.rcs.cpm.pager-large");
	add_tag(&map[RGL_SVC_LARGE_MESSAGE], ICSI_PREFIX "oma.cpm.largemsg");
	add_tag(&map[RGL_SVC_LARGE_MESSAGE], "+g.gsma.rcs.cpm.pager-large");
	add_tag(&map[RGL_SVC_SESSION], ICSI_PREFIX "oma.cpm.session");
	add_tag(&map[RGL_SVC_FILE_TRANSFER], ICSI_PREFIX "oma.cpm.filetransfer");
	add_tag(&map[RGL_SVC_DEFERRED], ICSI_PREFIX "oma.cpm.deferred");
	add_tag(&map[RGL_SVC_SYSTEM], ICSI_PREFIX "oma.cpm.systemmsg");
	add_tag(&map[RGL_SVC_INTERWORKED], "+g.3gpp.smsip");
}

const char *
rgl_service_str(enum rgl_service s)
{
	return ((unsigned)s < RGL_SVC__COUNT) ? service_names[s] : "?";
}

int
rgl_service_parse(struct rgl_slice name)
{
	for (int i = 0; i < RGL_SVC__COUNT; i++)
		if (rgl_slice_eq(name, service_names[i]))
			return i;
	return -1;
}

bool
rgl_list_has(struct rgl_slice list, const char *item, size_t item_len)
{
	size_t i = 0;

	if (list.p == NULL)
		return false;
	while (i <= list.len) {
		size_t a = i, b;

		while (i < list.len && list.p[i] != ',')
			i++;
		b = i;
		while (a < b && is_ws(list.p[a]))
			a++;
		while (b > a && is_ws(list.p[b - 1]))
			b--;
		if (mem_ieq(list.p + a, b - a, item, item_len))
			return true;
		i++; /* past the ',' (or past the end: loop ends) */
	}
	return false;
}

void
rgl_svc_matcher_init(struct rgl_svc_matcher *m, const struct rgl_service_tags map[RGL_SVC__COUNT])
{
	m->n = 0;
	for (int s = 0; s < RGL_SVC__COUNT; s++) {
		for (unsigned k = 0; k < map[s].n_tags && k < RGL_CFG_MAX_SERVICE_TAGS; k++) {
			const char *tag = map[s].tags[k];
			size_t tlen = strnlen(tag, sizeof(map[s].tags[k]));

			if (tlen == 0)
				continue;
			m->e[m->n].tag = tag;
			m->e[m->n].len = (uint16_t)tlen;
			m->e[m->n].svc = (uint8_t)s;
			m->e[m->n].urn = tlen >= 4 && mem_ieq(tag, 4, "urn:", 4);
			m->n++;
		}
	}
}

uint32_t
rgl_svc_match_feature(const struct rgl_svc_matcher *m, struct rgl_slice name,
		      struct rgl_slice value)
{
	bool is_ref;
	uint32_t mask = 0;
	size_t i = 0;

	if (name.p == NULL)
		return 0;
	/* Parameter-presence tags. */
	for (uint32_t k = 0; k < m->n; k++)
		if (!m->e[k].urn && mem_ieq(name.p, name.len, m->e[k].tag, m->e[k].len))
			mask |= RGL_SVC_BIT(m->e[k].svc);
	is_ref = rgl_slice_ieq(name, RGL_ICSI_REF) || rgl_slice_ieq(name, RGL_IARI_REF);
	if (!is_ref || value.p == NULL)
		return mask;
	/* ICSI/IARI values: walk the list once, match each element against
	 * every URN tag (lengths first, so most comparisons stop at once). */
	while (i <= value.len) {
		const char *comma = memchr(value.p + i, ',', value.len - i);
		size_t a = i, b = comma ? (size_t)(comma - value.p) : value.len;

		i = b + 1;
		while (a < b && is_ws(value.p[a]))
			a++;
		while (b > a && is_ws(value.p[b - 1]))
			b--;
		if (b == a)
			continue;
		for (uint32_t k = 0; k < m->n; k++) {
			const char *tag = m->e[k].tag;

			/* same length, same last letter, then the exact bytes
			 * (the usual case) before the case-insensitive compare */
			if (!m->e[k].urn || m->e[k].len != b - a ||
			    lc((unsigned char)tag[b - a - 1]) != lc((unsigned char)value.p[b - 1]))
				continue;
			if (memcmp(value.p + a, tag, b - a) == 0 ||
			    mem_ieq(value.p + a, b - a, tag, b - a))
				mask |= RGL_SVC_BIT(m->e[k].svc);
		}
	}
	return mask;
}

uint32_t
rgl_services_of_feature(const struct rgl_service_tags map[RGL_SVC__COUNT], struct rgl_slice name,
			struct rgl_slice value)
{
	struct rgl_svc_matcher m;

	rgl_svc_matcher_init(&m, map);
	return rgl_svc_match_feature(&m, name, value);
}
