/* SPDX-License-Identifier: MIT */
/*
 * Counter names and emitters. Names come from the X-macros in stats.h,
 * admission.h, regtable.h, sip.h and reginfo.h; the code parts are upper case
 * symbols there ("NO_CALL_ID") and are lower-cased when written out.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <reglane/stats.h>

static const char *const ctr_name[RGL_CTR__COUNT] = {
#define _(sym, name, help) [RGL_CTR_##sym] = name,
	foreach_reglane_counter
#undef _
#define _(sym, name, help) [RGL_CTR_NET_##sym] = name,
	foreach_reglane_net_verdict
#undef _
#define _(sym, name, help) [RGL_CTR_NET_FRAG_##sym] = name,
	foreach_reglane_net_frag_counter
#undef _
#define _(sym, status, name, help) [RGL_CTR_ADMIT_##sym] = "admit_" name,
	foreach_admit_verdict
#undef _
#define _(sym, status, help) [RGL_CTR_TABLE_##sym] = "table_" #sym,
	foreach_regtable_result
#undef _
#define _(sym, str) [RGL_CTR_SIP_ERR_##sym] = "sip_err_" #sym,
	foreach_sip_err
#undef _
#define _(sym, str) [RGL_CTR_REGINFO_ERR_##sym] = "reginfo_err_" #sym,
	foreach_reginfo_err
#undef _
};

static const char *const ctr_help[RGL_CTR__COUNT] = {
#define _(sym, name, help) [RGL_CTR_##sym] = help,
	foreach_reglane_counter
#undef _
#define _(sym, name, help) [RGL_CTR_NET_##sym] = help,
	foreach_reglane_net_verdict
#undef _
#define _(sym, name, help) [RGL_CTR_NET_FRAG_##sym] = help,
	foreach_reglane_net_frag_counter
#undef _
#define _(sym, status, name, help) [RGL_CTR_ADMIT_##sym] = help,
	foreach_admit_verdict
#undef _
#define _(sym, status, help) [RGL_CTR_TABLE_##sym] = "registration table: " help,
	foreach_regtable_result
#undef _
#define _(sym, str) [RGL_CTR_SIP_ERR_##sym] = "SIP parse: " str,
	foreach_sip_err
#undef _
#define _(sym, str) [RGL_CTR_REGINFO_ERR_##sym] = "reginfo: " str,
	foreach_reginfo_err
#undef _
};

enum reglane_counter
rgl_stats_tx_status(unsigned status)
{
	switch (status) {
	case 200: return RGL_CTR_TX_200;
	case 400: return RGL_CTR_TX_400;
	case 403: return RGL_CTR_TX_403;
	case 405: return RGL_CTR_TX_405;
	case 413: return RGL_CTR_TX_413;
	case 415: return RGL_CTR_TX_415;
	case 420: return RGL_CTR_TX_420;
	case 481: return RGL_CTR_TX_481;
	case 489: return RGL_CTR_TX_489;
	case 500: return RGL_CTR_TX_500;
	case 503: return RGL_CTR_TX_503;
	case 505: return RGL_CTR_TX_505;
	default: return RGL_CTR_TX_OTHER;
	}
}

void
reglane_stats_sum(struct reglane_lcore_stats *total,
		  const struct reglane_lcore_stats *const *each, unsigned n)
{
	memset(total, 0, sizeof(*total));
	for (unsigned i = 0; i < n; i++) {
		if (each[i] == NULL)
			continue;
		for (unsigned c = 0; c < RGL_CTR__COUNT; c++)
			total->c[c] += rgl_stats_get(each[i], (enum reglane_counter)c);
	}
}

int
reglane_counter_name(enum reglane_counter ctr, char *buf, size_t cap)
{
	const char *s;
	size_t n;

	if ((unsigned)ctr >= RGL_CTR__COUNT || cap == 0)
		return -1;
	s = ctr_name[ctr];
	n = strlen(s);
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	buf[n] = '\0';
	return (int)n;
}

const char *
reglane_counter_help(enum reglane_counter ctr)
{
	return (unsigned)ctr < RGL_CTR__COUNT ? ctr_help[ctr] : "?";
}

void
reglane_stats_foreach(const struct reglane_lcore_stats *s,
		      void (*fn)(const char *name, const char *help, uint64_t value, void *arg),
		      void *arg)
{
	char name[96];

	for (unsigned c = 0; c < RGL_CTR__COUNT; c++) {
		reglane_counter_name((enum reglane_counter)c, name, sizeof(name));
		fn(name, ctr_help[c], rgl_stats_get(s, (enum reglane_counter)c), arg);
	}
}

struct json_out {
	char *buf;
	size_t cap, len;
	int overflow;
};

static void
json_one(const char *name, const char *help, uint64_t value, void *arg)
{
	struct json_out *o = arg;
	int n;

	(void)help;
	if (o->overflow)
		return;
	/* Names are [a-z0-9_]: nothing to escape. */
	n = snprintf(o->buf + o->len, o->cap - o->len, "%s\"%s\":%llu", o->len > 1 ? "," : "",
		     name, (unsigned long long)value);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->overflow = 1;
	else
		o->len += (size_t)n;
}

int
reglane_stats_json(const struct reglane_lcore_stats *s, char *buf, size_t cap)
{
	struct json_out o = { buf, cap, 0, 0 };

	if (cap < 3)
		return -ENOSPC;
	buf[o.len++] = '{';
	buf[o.len] = '\0';
	reglane_stats_foreach(s, json_one, &o);
	if (o.overflow || o.cap - o.len < 2)
		return -ENOSPC;
	buf[o.len++] = '}';
	buf[o.len] = '\0';
	return (int)o.len;
}

struct text_out {
	FILE *out;
	int skip_zero;
	int err;
};

static void
text_one(const char *name, const char *help, uint64_t value, void *arg)
{
	struct text_out *t = arg;

	(void)help;
	if (t->skip_zero && value == 0)
		return;
	if (fprintf(t->out, "%s %llu\n", name, (unsigned long long)value) < 0)
		t->err = 1;
}

int
reglane_stats_text(const struct reglane_lcore_stats *s, FILE *out, int skip_zero)
{
	struct text_out t = { out, skip_zero, 0 };

	reglane_stats_foreach(s, text_one, &t);
	return t.err ? -EIO : 0;
}
