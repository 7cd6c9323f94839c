/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_SUITABILITY_H
#define REGLANE_SUITABILITY_H

/**
 * @file
 * Suitable CPM Clients (seed section 6.6; DESIGN.md "Semantics";
 * SEMANTICS.md sections 5.4, 7, 8): for one user, one request type and the
 * interworked flag, which of the user's clients may receive the request.
 *
 * A client (a contact of the user's registration) is suitable when all of
 * these hold; each one that fails sets its reason bit, so an answer lists
 * every reason, not the first:
 *
 *  1. capability: the contact's services mask (computed by the table from
 *     the configured feature-tag map, services.h) has the request type; for
 *     an interworked request it must have the `interworked` service instead
 *     (`+g.3gpp.smsip` by default, SEMANTICS 8.2 last row): interworked
 *     delivery is the legacy SMS/MMS path, which needs no CPM technology.
 *  2. connectivity: the registration is active, the contact is active and
 *     not expired at @p now, and it is not an emergency contact (the `sos`
 *     URI parameter in its URI, or an `sos` contact parameter among its
 *     features: SEMANTICS 5.4, never a candidate); for an interworked
 *     request the contact must also be on the Primary Device (seed 6.6:
 *     "the connectivity of a Primary Device permits receiving Interworked
 *     CPM requests").
 *  3. policy: the operator policy (policy.h) allows it; no policy allows.
 *  4. preference: the user's preferences allow it; none allow. They are
 *     looked up by the aor_norm() key of the registration's AoR, then of
 *     the subscribed resource, then of the other AoRs of the implicit
 *     registration set (one user, several IMPUs); the first found applies.
 *
 * The answer is copied out of the registration snapshot (strings into the
 * result's own arena), so it stays valid after the caller's next quiescent
 * state: the control thread goes offline right after a query.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <reglane/config.h>
#include <reglane/policy.h>
#include <reglane/regtable.h>
#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SUIT_MAX_CLIENTS 64            /**< clients one answer holds */
#define SUIT_ARENA_BYTES (32u * 1024u) /**< bytes of copied strings one answer holds */

/** Why a client is not suitable (seed 6.6 conditions, in order). */
#define foreach_suit_reason                                                    \
	_(CAPABILITY, "capability")                                            \
	_(CONNECTIVITY, "connectivity")                                        \
	_(POLICY, "policy")                                                    \
	_(PREFERENCE, "preference")

enum suit_reason {
#define _(sym, name) SUIT_REASON_##sym,
	foreach_suit_reason
#undef _
	SUIT_REASON__COUNT
};

/** Bit of reason @p r in suit_client.reasons. */
#define SUIT_BIT(r) (1u << (unsigned)(r))

/** Which connectivity condition failed (detail of SUIT_REASON_CONNECTIVITY). */
#define foreach_suit_conn                                                      \
	_(REG_INACTIVE, "registration-inactive")                               \
	_(CONTACT_INACTIVE, "contact-inactive")                                \
	_(EXPIRED, "expired")                                                  \
	_(SOS, "emergency")                                                    \
	_(NOT_PRIMARY, "not-primary-device")

enum suit_conn {
#define _(sym, name) SUIT_CONN_##sym,
	foreach_suit_conn
#undef _
	SUIT_CONN__COUNT
};

/** One client of the answer. Strings point into the result's arena. */
struct suit_client {
	struct rgl_slice id;       /**< contact id; NUL-terminated copy */
	struct rgl_slice uri;      /**< contact URI; NUL-terminated copy */
	struct rgl_slice instance; /**< absent (p == NULL) when the contact has none */
	uint64_t expires_at;       /**< absolute, table clock; 0 without an expiry */
	uint32_t services;         /**< RGL_SVC_BIT() mask as stored */
	uint8_t role;              /**< enum regtable_role */
	bool suitable;
	uint8_t reasons;           /**< SUIT_BIT(enum suit_reason) bits; 0 when suitable */
	uint8_t conn;              /**< SUIT_BIT(enum suit_conn) bits behind CONNECTIVITY */
	int16_t policy_rule;       /**< operator rule that decided; -1: the default */
	int16_t pref_rule;         /**< preference rule that decided; -1: the default */
};

/** A whole answer; caller-provided storage (about 37 KiB: not for a worker stack). */
struct suit_result {
	struct rgl_slice user;    /**< the registration's AoR as received (arena);
				       absent (and truncated set) beyond 8 KiB */
	enum rgl_service request;
	bool interworked;
	bool truncated;           /**< not everything fitted: n_clients < n_total, or no user */
	bool has_preferences;     /**< preferences were found for the user */
	uint32_t n_clients;       /**< entries filled in clients[] */
	uint32_t n_total;         /**< contacts of the registration */
	uint32_t n_suitable;      /**< suitable entries in clients[] */
	uint32_t arena_used;
	struct suit_client clients[SUIT_MAX_CLIENTS];
	char arena[SUIT_ARENA_BYTES];
};

/** Name of reason @p r ("capability", ...), "?" when out of range. */
const char *suit_reason_str(enum suit_reason r);

/** Name of connectivity detail @p c ("expired", ...), "?" when out of range. */
const char *suit_conn_str(enum suit_conn c);

/** Whether contact URI @p uri carries the `sos` URI parameter (SEMANTICS 5.4). */
bool suit_uri_is_sos(struct rgl_slice uri);

/**
 * Answer the suitability of every client of the user @p aor for one
 * request.
 *
 * Context: the control thread (or any reader), registered with urcu-qsbr
 * and ONLINE for the whole call; the read-side section is taken inside.
 * Nothing in @p res points into the table afterwards. @p policy and
 * @p prefs belong to the calling thread (policy.h).
 * @param aor         any AoR of the user's implicit registration set
 * @param request     a CPM request type (not RGL_SVC_INTERWORKED: interworked
 *                    is the flag)
 * @param interworked the request is an Interworked CPM request
 * @param policy      operator policy, NULL for none
 * @param prefs       the user preference store, NULL for none
 * @param now         seconds on the clock given to regtable_apply()
 * @param res         filled on 0; on error only zeroed counts
 * @return 0, -ENOENT (unknown user), -EINVAL (garbage AoR, bad request type,
 *   NULL argument).
 */
int suit_query(struct regtable *t, struct rgl_slice aor, enum rgl_service request,
	       bool interworked, const struct policy_rules *policy,
	       const struct policy_prefs *prefs, uint64_t now, struct suit_result *res);

/**
 * suit_query() on a registration the caller already holds (from
 * regtable_lookup(), or while walking a snapshot).
 * Context: registered and online; @p s valid (regtable.h lifetime rules).
 * @return 0 or -EINVAL (bad request type, NULL argument, @p r not in @p s).
 */
int suit_evaluate(const struct regtable_snapshot *s, const struct regtable_registration *r,
		  enum rgl_service request, bool interworked, const struct policy_rules *policy,
		  const struct policy_prefs *prefs, uint64_t now, struct suit_result *res);

/**
 * The JSON form of an answer:
 * {"user", "request", "interworked", "truncated", "clients": [{"id", "uri",
 *  "instance" (null when none), "role", "suitable", "reasons": [names]}]}.
 * Strings that are not valid UTF-8 get U+FFFD for each invalid byte.
 * Context: any thread; @p res is self-contained.
 * @return a new reference, NULL on allocation failure.
 */
json_t *suit_result_to_json(const struct suit_result *res);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_SUITABILITY_H */
