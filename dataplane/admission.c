/* SPDX-License-Identifier: MIT */
/*
 * Admission phases: SEMANTICS.md section 1.2 in code. Each phase checks in
 * the rulebook's order and stops at the first check that decides; the
 * header comment of include/reglane/admission.h lists the choices made
 * where the rulebook leaves one.
 */

#include <string.h>

#include <reglane/admission.h>
#include <reglane/txn_cache.h>

static const uint16_t verdict_status[RGL_V__COUNT] = {
#define _(sym, status, name, help) [RGL_V_##sym] = status,
	foreach_admit_verdict
#undef _
};

static const char *const verdict_name[RGL_V__COUNT] = {
#define _(sym, status, name, help) [RGL_V_##sym] = name,
	foreach_admit_verdict
#undef _
};

/* Reason phrases we choose; static storage, so the cache may keep them. */
static const char reason_no_event[] = "Missing Event header field";
static const char reason_no_subs_state[] = "Missing Subscription-State header field";
static const char reason_no_content_type[] = "Missing Content-Type header field";
static const char reason_no_to_tag[] = "Subscription Does Not Exist";

unsigned
admit_verdict_status(enum admit_verdict v)
{
	return (unsigned)v < RGL_V__COUNT ? verdict_status[v] : 0;
}

const char *
admit_verdict_name(enum admit_verdict v)
{
	return (unsigned)v < RGL_V__COUNT ? verdict_name[v] : "?";
}

void
admit_ctx_init(struct admit_ctx *ctx, const struct reglane_config *cfg, uint64_t tag_secret)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->trust = cfg->trust;
	ctx->n_trust = cfg->n_trust;
	ctx->untrusted_drop = cfg->untrusted == RGL_UNTRUSTED_DROP;
	ctx->max_body_bytes = cfg->max_body_bytes;
	ctx->tag_secret = tag_secret;
}

bool
admit_source_trusted(const struct admit_ctx *ctx, const struct sip_endpoint *src)
{
	/* A linear scan: the list is short (RGL_CFG_MAX_TRUST) and usually
	 * holds a handful of S-CSCF prefixes, so it stays in one or two lines. */
	if (ctx->n_trust == 0)
		return true;
	for (uint32_t i = 0; i < ctx->n_trust; i++)
		if (config_prefix_match(&ctx->trust[i], src->family, src->addr))
			return true;
	return false;
}

static void
opts_reset(const struct admit_ctx *ctx, struct sip_reply_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->tag_secret = ctx->tag_secret;
}

/*
 * Whether a response can be routed: the parser keeps Vias in order and
 * fills a value's sent-by before anything after it, so a top Via with a
 * transport and a host has what RFC 3261 18.2.2 needs. More Vias than the
 * parser keeps cannot all be copied into the response (8.2.6.2).
 */
static bool
top_via_usable(const struct sip_msg *m)
{
	return m->n_vias != 0 && m->err != SIP_ERR_TOO_MANY_VIAS &&
	       m->vias[0].transport.len != 0 && m->vias[0].host.len != 0;
}

enum admit_verdict
admit_phase_a(const struct admit_ctx *ctx, const struct sip_msg *m,
	      const struct sip_endpoint *src, struct sip_reply_opts *opts)
{
	bool answerable;

	opts_reset(ctx, opts);
	/* sip_parse() sets kind before it knows the start line is valid, so
	 * EMPTY and START_LINE mean "not SIP" whatever kind says. */
	answerable = m->err != SIP_ERR_EMPTY && m->err != SIP_ERR_START_LINE &&
		     m->kind == SIP_KIND_REQUEST && top_via_usable(m) &&
		     !rgl_slice_eq(m->method_name, "ACK");

	if (!admit_source_trusted(ctx, src))
		return ctx->untrusted_drop || !answerable ? RGL_V_DROP_UNTRUSTED :
							    RGL_V_REPLY_403_UNTRUSTED;
	if (m->err == SIP_ERR_EMPTY || m->err == SIP_ERR_START_LINE ||
	    (m->kind != SIP_KIND_REQUEST && m->kind != SIP_KIND_RESPONSE))
		return RGL_V_DROP_NOT_SIP;
	if (m->kind == SIP_KIND_RESPONSE)
		return RGL_V_DROP_RESPONSE;
	if (!top_via_usable(m))
		return RGL_V_DROP_NO_VIA;
	if (rgl_slice_eq(m->method_name, "ACK"))
		return RGL_V_DROP_ACK;
	/* Order 1 before order 3: a 2.0 parser cannot trust the rest. */
	if (!m->version_ok)
		return RGL_V_REPLY_505_VERSION;
	if (m->err != SIP_ERR_OK) {
		/* RFC 3261 21.4.1: the reason phrase says what is wrong. */
		opts->reason = sip_err_str(m->err);
		return RGL_V_REPLY_400_MALFORMED;
	}
	return RGL_V_CONTINUE;
}

enum admit_verdict
admit_phase_b(const struct admit_ctx *ctx, const struct sip_msg *m,
	      struct sip_reply_opts *opts)
{
	opts_reset(ctx, opts);
	/* RFC 3261 8.2.1 method inspection, then 8.2.2.3 Require. */
	if (m->method != SIP_METHOD_NOTIFY && m->method != SIP_METHOD_OPTIONS)
		return RGL_V_REPLY_405_METHOD;
	if (m->n_require != 0) {
		/* No extension is supported, so every listed tag is unsupported. */
		opts->unsupported = m->require;
		opts->n_unsupported = m->n_require;
		return RGL_V_REPLY_420_REQUIRE;
	}
	if (m->method == SIP_METHOD_OPTIONS)
		return RGL_V_REPLY_200_OPTIONS;
	if (!rgl_slice_present(m->event)) {
		opts->reason = reason_no_event;
		return RGL_V_REPLY_400_NO_EVENT;
	}
	/* RFC 6665 8.2.1: the event type is compared byte by byte ("Reg" is
	 * another package); parameters such as id do not matter here. */
	if (!rgl_slice_eq(m->event_type, "reg"))
		return RGL_V_REPLY_489_EVENT;
	/* A NOTIFY always belongs to a dialog the SUBSCRIBE created, and the
	 * To tag names our side of it (RFC 6665 4.1.3). */
	if (m->to.tag.len == 0) {
		opts->reason = reason_no_to_tag;
		return RGL_V_REPLY_481_NO_TO_TAG;
	}
	return RGL_V_CONTINUE;
}

/* Content-Encoding: 1#content-coding; only "identity" (any case) means none. */
static bool
encoding_ok(struct rgl_slice enc)
{
	const char *p, *e;

	/* Absent: no coding. (Checked first: NULL + 0 is undefined in C.) */
	if (!rgl_slice_present(enc))
		return true;
	p = enc.p;
	e = enc.p + enc.len;
	while (p < e) {
		const char *q = memchr(p, ',', (size_t)(e - p));
		const char *te;

		if (q == NULL)
			q = e;
		te = q;
		while (p < te && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		while (te > p && (te[-1] == ' ' || te[-1] == '\t' || te[-1] == '\r' ||
				  te[-1] == '\n'))
			te--;
		if (te > p && !rgl_slice_ieq(rgl_slice_make(p, (size_t)(te - p)), "identity"))
			return false;
		p = q + 1;
	}
	return true;
}

enum admit_verdict
admit_phase_c(const struct admit_ctx *ctx, const struct sip_msg *m,
	      struct sip_reply_opts *opts)
{
	opts_reset(ctx, opts);
	if (!rgl_slice_present(m->subs_state)) {
		opts->reason = reason_no_subs_state;
		return RGL_V_REPLY_400_NO_SUBS_STATE;
	}
	/* RFC 3261 8.2.3: an encoding we cannot undo is a 415 naming ours. */
	if (!encoding_ok(m->content_encoding)) {
		opts->accept = SIP_REPLY_ACCEPT_ENCODING;
		return RGL_V_REPLY_415_ENCODING;
	}
	if (m->body.len != 0) {
		if (!rgl_slice_present(m->content_type)) {
			opts->reason = reason_no_content_type;
			return RGL_V_REPLY_400_NO_CONTENT_TYPE;
		}
		/* Media type and subtype are case-insensitive (RFC 3261 7.3.1). */
		if (!rgl_slice_ieq(m->content_type_type, "application") ||
		    !rgl_slice_ieq(m->content_type_sub, "reginfo+xml")) {
			opts->accept = SIP_REPLY_ACCEPT_TYPE;
			return RGL_V_REPLY_415_TYPE;
		}
	}
	if (m->body.len == 0)
		return RGL_V_ACCEPT_EMPTY;
	if (m->body.len > ctx->max_body_bytes)
		return RGL_V_REPLY_413_TOO_LARGE;
	return RGL_V_ACCEPT_BODY;
}

void
admit_replay_opts(const struct admit_ctx *ctx, const struct sip_msg *m,
		  const struct txn_reply *r, struct sip_reply_opts *opts)
{
	opts_reset(ctx, opts);
	opts->reason = r->reason;
	opts->retry_after = r->retry_after;
	opts->accept = r->accept;
	if (r->flags & TXN_REPLY_F_UNSUPPORTED) {
		opts->unsupported = m->require;
		opts->n_unsupported = m->n_require;
	}
}
