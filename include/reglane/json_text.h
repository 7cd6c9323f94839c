/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_JSON_TEXT_H
#define REGLANE_JSON_TEXT_H

/**
 * @file
 * Text from the wire as JSON strings. Everything the control plane answers
 * (AoRs, contact URIs, display names, feature values) came from a NOTIFY,
 * so it may hold bytes that are not UTF-8, or NULs; JSON (and the clients
 * that read it) need valid UTF-8. One place decides how such bytes are
 * shown: each one becomes U+FFFD, the rest is kept byte for byte.
 *
 * Concurrency: pure functions; any thread.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Length (1..4) of the well-formed UTF-8 sequence at @p p, 0 when the bytes
 * there are not one (overlong forms, surrogates and code points beyond
 * U+10FFFF are not). @p n is how many bytes may be read; at least 1.
 */
size_t rgl_utf8_seq(const unsigned char *p, size_t n);

/** Whether @p s[0..n) is UTF-8 without control characters (log-safe text). */
bool rgl_utf8_text_ok(const char *s, size_t n);

/**
 * A new JSON string holding @p s, JSON null when @p s is absent. Bytes that
 * are not UTF-8, and NULs, become U+FFFD.
 * @return a new reference, or NULL on allocation failure.
 */
json_t *rgl_json_str(struct rgl_slice s);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_JSON_TEXT_H */
