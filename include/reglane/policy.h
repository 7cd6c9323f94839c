/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_POLICY_H
#define REGLANE_POLICY_H

/**
 * @file
 * Operator policy and user preferences for CPM client suitability (seed
 * section 6.6 conditions 3 and 4), as plain data with a JSON form.
 *
 * Both are *rule sets* of one shape: an ordered list of rules, each
 * `allow` or `deny`, and a default action (`allow` unless stated). The
 * first rule that matches a (request, interworked, client) triple decides;
 * when none matches, the default does. Every match field may be omitted,
 * which matches everything:
 *
 *   request      one CPM request type or a list of them ("pager",
 *                "large-message", "session", "file-transfer", "deferred",
 *                "system"). Interworked is a flag, not a request type.
 *   role         "primary" or "secondary" (the stored device role).
 *   instance     the client's instance ID (`+sip.instance` without <>),
 *                compared case-insensitively; a trailing `*` makes it a
 *                prefix ("urn:gsma:imei:*"). A client without an instance
 *                never matches a rule that names one.
 *   interworked  true or false.
 *
 * JSON of one rule set (operator policy, or one user's preferences):
 *
 *   { "default": "allow",
 *     "rules": [ { "request": "file-transfer", "role": "secondary",
 *                  "action": "deny", "comment": "no FT to secondaries" },
 *                { "instance": "urn:uuid:2f4a...", "action": "deny" } ] }
 *
 * Both keys are optional ({} allows everything). Unknown keys, wrong types,
 * unknown names and over-long strings are rejected with a message that
 * names the offending path (`rules[1].role: ...`).
 *
 * User preferences are one rule set per user, keyed by the aor_norm() key
 * of the user's AoR (`tel:+E164` and `sip:+E164@host;user=phone` are one
 * user). JSON: { "users": { "<AoR>": <rule set>, ... } }; keys are
 * normalized on input and written normalized.
 *
 * Concurrency: plain data owned by the control thread, which both edits and
 * queries it; no locks, no RCU. Evaluation functions are pure and may run
 * on any thread that owns (or shares read-only) the data.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <reglane/config.h>
#include <reglane/regtable.h>
#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POLICY_MAX_RULES 256     /**< rules in one rule set */
#define POLICY_INSTANCE_MAX 255  /**< bytes of an instance pattern */
#define POLICY_COMMENT_MAX 255   /**< bytes of a rule comment */
#define POLICY_ERRLEN 256        /**< a buffer this size holds every message */
#define POLICY_DEFAULT_MAX_USERS (1u << 20) /**< policy_prefs_new(0) */

/** "Any" in the role and interworked fields of a rule. */
#define POLICY_ANY (-1)

/** The CPM request types a rule may name: every service except interworked. */
#define POLICY_REQUEST_MASK (((1u << RGL_SVC__COUNT) - 1u) & ~(1u << RGL_SVC_INTERWORKED))

enum policy_action {
	POLICY_ALLOW = 0,
	POLICY_DENY,
};

/** One rule. Strings are NUL-terminated; NULL means "not given". */
struct policy_rule {
	const char *instance; /**< pattern as written (may end in '*'); NULL = any */
	const char *comment;  /**< free text kept for the operator; NULL when none */
	uint32_t requests;    /**< 1u << enum rgl_service of CPM types; 0 = any */
	uint16_t instance_len; /**< strlen(instance), set by policy_rules_new() */
	int8_t role;          /**< enum regtable_role, or POLICY_ANY */
	int8_t interworked;   /**< 0, 1, or POLICY_ANY */
	uint8_t action;       /**< enum policy_action */
};

/** An immutable rule set: one allocation (rules and their strings). */
struct policy_rules {
	const struct policy_rule *rules;
	uint32_t n_rules;
	uint8_t dflt; /**< enum policy_action when no rule matches */
};

/** What a rule is matched against: one request to one client. */
struct policy_subject {
	enum rgl_service request;  /**< a CPM request type (not RGL_SVC_INTERWORKED) */
	bool interworked;
	enum regtable_role role;
	struct rgl_slice instance; /**< absent when the client has none */
};

/** "allow" / "deny". */
const char *policy_action_str(enum policy_action a);

/**
 * Build a rule set from @p rules (deep copy: the caller's strings need not
 * outlive the call). Checks what the JSON parser checks.
 * Context: any thread (allocates).
 * @param err receives a message naming the rule on -EINVAL (may be NULL).
 * @return the set, or NULL with *@p rc = -EINVAL (bad rule) or -ENOMEM.
 */
struct policy_rules *policy_rules_new(const struct policy_rule *rules, uint32_t n,
				      enum policy_action dflt, int *rc, char *err,
				      size_t errlen);

/** Free @p r (NULL is fine). */
void policy_rules_free(struct policy_rules *r);

/**
 * Evaluate @p r for @p s: the action of the first matching rule, else the
 * default. NULL @p r (no policy / no preferences) allows.
 * @param rule_idx out (may be NULL): index of the deciding rule, -1 when
 *   the default decided.
 */
enum policy_action policy_rules_eval(const struct policy_rules *r,
				     const struct policy_subject *s, int *rule_idx);

/** Whether rule @p rule matches @p s. */
bool policy_rule_matches(const struct policy_rule *rule, const struct policy_subject *s);

/**
 * Validate and convert a JSON rule set (shape in the file comment).
 * @param path prefix for error messages ("" for a top-level document).
 * @return the set, or NULL with *@p rc = -EINVAL (message in @p err) or
 *   -ENOMEM.
 */
struct policy_rules *policy_rules_from_json(const json_t *j, const char *path, int *rc,
					    char *err, size_t errlen);

/** Parse a JSON text (syntax errors carry line and column). As above. */
struct policy_rules *policy_rules_parse(const char *text, size_t len, int *rc, char *err,
					size_t errlen);

/**
 * The JSON form of @p r ({"default", "rules": [...]}); policy_rules_from_json()
 * of it gives back the same set. NULL @p r gives the empty allow-all set.
 * @return a new reference, NULL on allocation failure.
 */
json_t *policy_rules_to_json(const struct policy_rules *r);

/* ------------------------------------------------------------------------ */
/* User preferences                                                          */

struct policy_prefs;

/**
 * An empty preference store for at most @p max_users users
 * (0: POLICY_DEFAULT_MAX_USERS). NULL on allocation failure.
 */
struct policy_prefs *policy_prefs_new(uint32_t max_users);

/** Free @p p and every rule set in it (NULL is fine). */
void policy_prefs_free(struct policy_prefs *p);

/** Number of users with preferences. */
uint32_t policy_prefs_count(const struct policy_prefs *p);

/**
 * Set the preferences of the user @p aor to @p rules, replacing (and
 * freeing) what was there. On success @p p owns @p rules; on failure the
 * caller still does.
 * @return 0, -EINVAL (garbage AoR), -ENOSPC (max_users reached), -ENOMEM.
 */
int policy_prefs_set(struct policy_prefs *p, struct rgl_slice aor, struct policy_rules *rules);

/** Remove the preferences of @p aor. @return 0, -ENOENT, -EINVAL (garbage AoR). */
int policy_prefs_remove(struct policy_prefs *p, struct rgl_slice aor);

/** The preferences of @p aor (normalized here), NULL when none or garbage. */
const struct policy_rules *policy_prefs_get(const struct policy_prefs *p, struct rgl_slice aor);

/** The preferences stored under the aor_norm() key @p key. NULL when none. */
const struct policy_rules *policy_prefs_get_key(const struct policy_prefs *p, const char *key,
						size_t len);

/**
 * Validate and convert {"users": {AoR: rule set, ...}}. Two AoRs with the
 * same key are an error.
 * @param max_users as policy_prefs_new().
 * @return 0 and *@p out, -EINVAL (message in @p err), -ENOMEM.
 */
int policy_prefs_from_json(const json_t *j, uint32_t max_users, struct policy_prefs **out,
			   char *err, size_t errlen);

/** Parse a JSON text. As above. */
int policy_prefs_parse(const char *text, size_t len, uint32_t max_users,
		       struct policy_prefs **out, char *err, size_t errlen);

/**
 * {"users": {key: rule set, ...}} in key order; policy_prefs_from_json() of
 * it gives back the same store. @return a new reference, NULL on ENOMEM.
 */
json_t *policy_prefs_to_json(const struct policy_prefs *p);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_POLICY_H */
