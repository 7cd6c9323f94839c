/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_STATE_JSON_H
#define REGLANE_STATE_JSON_H

/**
 * @file
 * Registration state as JSON (jansson): the schema of DESIGN.md
 * "Interfaces" and of the corpus expect.json files, for the replay dump,
 * the control API and tests.
 *
 * A user object:
 *   { "state", "registration_id", "wildcarded_identity", "version",
 *     "resource", "refresh_needed", "subscription": {"state", "reason"},
 *     "contacts": [ { "id", "uri", "state", "event", "expires" (seconds
 *       left at @p now; null when the document gave none), "q",
 *       "duration_registered" (as of @p now), "retry_after", "callid",
 *       "cseq", "display_name", "instance", "instance_source", "features"
 *       {name: value}, "services" [names], "pub_gruu", "temp_gruu",
 *       "temp_gruu_first_cseq", "role" ("primary"/"secondary") } ] }
 * Absent values are null. Strings that are not valid UTF-8 (a From URI is
 * raw bytes off the wire) have each invalid byte replaced by U+FFFD.
 *
 * Concurrency: the caller is a registered urcu-qsbr thread, online, and
 * the snapshot pointers it passes are valid (regtable.h); the returned
 * JSON is a deep copy, owned by the caller (json_decref), valid after the
 * caller's next quiescent state.
 */

#include <stdint.h>

#include <jansson.h>

#include <reglane/regtable.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The user object of registration @p r of snapshot @p s. NULL on allocation failure. */
json_t *state_json_registration(const struct regtable_snapshot *s,
				const struct regtable_registration *r, uint64_t now);

/** One contact object. NULL on allocation failure. */
json_t *state_json_contact(const struct regtable_snapshot *s, const struct regtable_contact *c,
			   uint64_t now);

/**
 * The user object of @p aor (any AoR of its implicit set).
 * @return 0, -ENOENT, -EINVAL (garbage AoR), -ENOMEM.
 */
int state_json_lookup(struct regtable *t, struct rgl_slice aor, uint64_t now, json_t **out);

/**
 * The whole table: {"users": {<AoR as received>: user object, ...}}. A
 * registration whose AoR a more recent subscription reported is left out
 * (each user is listed once, as a lookup would answer).
 * @return NULL on allocation failure.
 */
json_t *state_json_table(struct regtable *t, uint64_t now);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_STATE_JSON_H */
