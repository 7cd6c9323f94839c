/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_ADMISSION_H
#define REGLANE_ADMISSION_H

/**
 * @file
 * Admission: the rulebook's check order (SEMANTICS.md section 1.2) as pure
 * functions that return a verdict, never an error code (STYLE idiom 4).
 *
 * The order interleaves header checks with two table look-ups, so it is
 * split into phases that the worker calls in this order:
 *
 * @code
 *	err = sip_parse(payload, len, &m);
 *	v = admit_phase_a(&ctx, &m, &src, &opts);     // trust, framing, 505, 400
 *	if (v != RGL_V_CONTINUE) goto verdict;
 *	txn_cache_key(&w->txn, &m, &key);             // step 4: retransmission?
 *	if ((r = txn_cache_lookup(&w->txn, &key, now_ms)) != NULL) {
 *		admit_replay_opts(&ctx, &m, r, &opts);   // same answer, no processing
 *		send r->status; count RGL_CTR_TXN_RETRANS; done;
 *	}
 *	v = admit_phase_b(&ctx, &m, &opts);           // 405, 420, OPTIONS, 489, 481
 *	if (v != RGL_V_CONTINUE) goto verdict;
 *	table dialog check                            // steps 7-8: 481, 500 (regtable)
 *	v = admit_phase_c(&ctx, &m, &opts);           // 400, 415, 413, empty body
 *	RGL_V_ACCEPT_EMPTY: apply Subscription-State only, then 200 (or 503)
 *	RGL_V_ACCEPT_BODY:  reginfo_parse -> 400 or apply -> 200 (or 503)
 * verdict:
 *	count RGL_CTR_ADMIT_<verdict>; a REPLY_* verdict is answered with
 *	admit_verdict_status(v) and @c opts; a response sent after the cache
 *	look-up is stored with txn_cache_insert() (txn_reply_save()).
 * @endcode
 *
 * Decisions where the rulebook leaves a choice (documented per verdict):
 * - a missing Event header gets 400 "Missing Event header field", not 489:
 *   SEMANTICS.md section 9 recommends 400 (Event is mandatory in a NOTIFY,
 *   RFC 6665 8.2.1, so its absence makes the request malformed) and the
 *   rulebook wins over DESIGN.md's "Event missing or not reg -> 489";
 * - a body larger than max_body_bytes gets 413 Request Entity Too Large
 *   (RFC 3261 21.4.11: "larger than the server is willing or able to
 *   process"), without Retry-After because the condition is not temporary;
 *   it is checked after the Content-Type/Encoding checks (a 415 tells the
 *   sender more) and after the empty-body case;
 * - a non-empty body without Content-Type gets 400 "Missing Content-Type
 *   header field" (RFC 3261 20.15: it MUST be present), not 415;
 * - ACK is dropped without answer (RFC 3261 17: an ACK is never answered);
 * - the untrusted check comes first, so an untrusted source learns nothing
 *   about how its request would have been judged;
 * - a request whose top Via is unusable (none, malformed before its sent-by,
 *   or more Vias than SIP_MAX_VIAS, which a response could not all copy) is
 *   dropped: a response could not be routed correctly.
 *
 * Concurrency: pure functions of their arguments; any thread. The context
 * is read-only after admit_ctx_init().
 */

#include <stdbool.h>
#include <stdint.h>

#include <reglane/config.h>
#include <reglane/sip.h>
#include <reglane/sip_reply.h>

#ifdef __cplusplus
extern "C" {
#endif

struct txn_reply;

/**
 * Every verdict, in check order: symbol, status sent (0: none, or decided
 * later by the worker), counter name, meaning.
 */
#define foreach_admit_verdict                                                          \
	_(CONTINUE, 0, "continue", "passed this phase: run the next step")             \
	_(DROP_UNTRUSTED, 0, "drop_untrusted", "source not trusted (drop, or not answerable)") \
	_(REPLY_403_UNTRUSTED, 403, "reply_403_untrusted", "source not trusted: 403")  \
	_(DROP_NOT_SIP, 0, "drop_not_sip", "no SIP start line (garbage, empty, keep-alive)") \
	_(DROP_RESPONSE, 0, "drop_response", "a SIP response: reglane sends no requests") \
	_(DROP_NO_VIA, 0, "drop_no_via", "no usable top Via: a response cannot be routed") \
	_(DROP_ACK, 0, "drop_ack", "ACK is never answered")                            \
	_(REPLY_505_VERSION, 505, "reply_505_version", "SIP-Version is not SIP/2.0")    \
	_(REPLY_400_MALFORMED, 400, "reply_400_malformed",                             \
	  "sip_parse error (reason: sip_err_str), incl. Content-Length > datagram")     \
	_(REPLY_405_METHOD, 405, "reply_405_method", "method other than NOTIFY/OPTIONS") \
	_(REPLY_420_REQUIRE, 420, "reply_420_require", "Require names an unsupported extension") \
	_(REPLY_200_OPTIONS, 200, "reply_200_options", "OPTIONS keep-alive: 200 with Allow") \
	_(REPLY_400_NO_EVENT, 400, "reply_400_no_event", "NOTIFY without Event header") \
	_(REPLY_489_EVENT, 489, "reply_489_event", "Event type is not exactly 'reg'")   \
	_(REPLY_481_NO_TO_TAG, 481, "reply_481_no_to_tag", "NOTIFY outside a dialog (no To tag)") \
	_(REPLY_400_NO_SUBS_STATE, 400, "reply_400_no_subs_state",                     \
	  "NOTIFY without Subscription-State")                                         \
	_(REPLY_415_ENCODING, 415, "reply_415_encoding", "Content-Encoding other than identity") \
	_(REPLY_400_NO_CONTENT_TYPE, 400, "reply_400_no_content_type",                 \
	  "non-empty body without Content-Type")                                       \
	_(REPLY_415_TYPE, 415, "reply_415_type", "body is not application/reginfo+xml") \
	_(ACCEPT_EMPTY, 0, "accept_empty", "empty body: apply Subscription-State only, 200") \
	_(REPLY_413_TOO_LARGE, 413, "reply_413_too_large", "body larger than max-body-bytes") \
	_(ACCEPT_BODY, 0, "accept_body", "parse and apply the reginfo body")

enum admit_verdict {
#define _(sym, status, name, help) RGL_V_##sym,
	foreach_admit_verdict
#undef _
	RGL_V__COUNT
};

/** What the phases need from the configuration, copied once. */
struct admit_ctx {
	const struct rgl_prefix *trust; /**< points into the config; empty: trust all */
	uint32_t n_trust;
	bool untrusted_drop;     /**< --untrusted drop */
	uint32_t max_body_bytes; /**< larger bodies: 413 */
	uint64_t tag_secret;     /**< copied into every sip_reply_opts */
};

/**
 * Fill @p ctx from @p cfg (which must outlive it: the trust list is shared).
 * @param tag_secret per-process random secret for generated To tags.
 */
void admit_ctx_init(struct admit_ctx *ctx, const struct reglane_config *cfg,
		    uint64_t tag_secret);

/** Whether @p src is in the trust list (always true when the list is empty). */
bool admit_source_trusted(const struct admit_ctx *ctx, const struct sip_endpoint *src);

/**
 * Phase A, before the transaction cache: source trust, SIP or not, request
 * or response, a usable Via, ACK, SIP-Version (505), parse errors (400 with
 * sip_err_str() as the reason phrase; covers missing/bad From, To, Call-ID,
 * CSeq, CSeq method mismatch, Content-Length beyond the datagram).
 * @param m   the result of sip_parse() (m->err is its return value)
 * @param src the packet's source
 * @param opts out: zeroed, tag_secret set, reason set for a 400
 * @return RGL_V_CONTINUE or a DROP_* / REPLY_* verdict
 */
enum admit_verdict admit_phase_a(const struct admit_ctx *ctx, const struct sip_msg *m,
				 const struct sip_endpoint *src, struct sip_reply_opts *opts);

/**
 * Phase B, after the transaction cache found no transaction: method (405,
 * RFC 3261 8.2.1 comes before header inspection), Require (420 listing the
 * tags; reglane supports no extension), OPTIONS (200), Event (400 missing,
 * 489 not byte-for-byte "reg"), To tag (481).
 * Precondition: admit_phase_a() returned RGL_V_CONTINUE for @p m.
 * @param opts out: for 420, opts->unsupported points into @p m
 */
enum admit_verdict admit_phase_b(const struct admit_ctx *ctx, const struct sip_msg *m,
				 struct sip_reply_opts *opts);

/**
 * Phase C, after the registration table accepted the dialog and CSeq:
 * Subscription-State (400 missing), Content-Encoding (415 + Accept-Encoding
 * unless absent or identity), Content-Type of a non-empty body (400 missing,
 * 415 + Accept unless application/reginfo+xml, parameters allowed), empty
 * body (RGL_V_ACCEPT_EMPTY), body size (413), else RGL_V_ACCEPT_BODY.
 * Precondition: admit_phase_b() returned RGL_V_CONTINUE for @p m.
 */
enum admit_verdict admit_phase_c(const struct admit_ctx *ctx, const struct sip_msg *m,
				 struct sip_reply_opts *opts);

/**
 * Rebuild the options of a stored final response for a retransmission
 * @p m of the request that created it: the reason and header choices come
 * from @p r; a 420's Unsupported list is taken again from @p m's Require
 * tags (a retransmission carries the same ones).
 */
void admit_replay_opts(const struct admit_ctx *ctx, const struct sip_msg *m,
		       const struct txn_reply *r, struct sip_reply_opts *opts);

/** Status code a verdict answers with, 0 when it sends nothing by itself. */
unsigned admit_verdict_status(enum admit_verdict v);

/** Counter name of a verdict ("reply_489_event"), "?" when out of range. */
const char *admit_verdict_name(enum admit_verdict v);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_ADMISSION_H */
