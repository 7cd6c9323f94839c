/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_AOR_NORM_H
#define REGLANE_AOR_NORM_H

/**
 * @file
 * The one normalization of addresses-of-record (IMPUs) into lookup keys.
 * The registration table, the alias index, the control API and the state
 * dump all call this; nothing else decides whether two AoRs are the same
 * user (DESIGN.md "State model").
 *
 * The rule (a key is plain ASCII, no NUL):
 *
 *  1. Surrounding white space and one pair of `<` `>` are removed. An empty
 *     input, white space or a control byte inside the URI is garbage.
 *  2. The scheme is matched case-insensitively. `sip:` and `sips:` give the
 *     same key `sip:` (policy: the key names a user, not a transport
 *     security requirement). `tel:` gives `tel:`. Any other scheme is
 *     garbage.
 *  3. tel: (RFC 3966). The number runs to the first `;`.
 *     - Global number (`+` ...): the visual separators `-` `.` `(` `)` are
 *       removed; what remains must be `+` and 1..32 digits. Every parameter
 *       (phone-context, ext, isub, ...) is dropped. Key: `tel:+15551234567`.
 *     - Local number: separators removed, hex digits lowercased, only
 *       HEXDIG `*` `#` allowed. Its `phone-context` is part of the identity
 *       (RFC 3966 5.1.5): key `tel:<digits>;phone-context=<ctx>` where a
 *       global-number context loses its separators and a domain context is
 *       lowercased; without a phone-context the key is `tel:<digits>`.
 *       Other parameters are dropped.
 *  4. sip:/sips: `user[:password]@host[:port][;params][?headers]`.
 *     - The user part is kept as is (case-sensitive, RFC 3261 19.1.4)
 *       except that escapes are canonical: `%XX` of an unreserved
 *       character (alphanumeric `-_.!~*'()`) is decoded, since RFC 3261
 *       19.1.4 makes it equivalent to the character; any other escape
 *       (reserved characters are not equivalent to their escapes) is kept
 *       with uppercase hex. A malformed escape is garbage. An empty user
 *       before `@` is garbage. The password is dropped.
 *     - The host is lowercased, one trailing `.` removed; an IPv6
 *       reference keeps its brackets. Host characters other than
 *       alphanumerics `-` `.` `_` (or hex, `:` and `.` inside brackets)
 *       are garbage.
 *     - The port is dropped (it names a server endpoint, not a user; a
 *       non-numeric port is garbage). All URI parameters and headers are
 *       dropped.
 *     - With `user=phone` (case-insensitive) and a user part that is a
 *       valid telephone-subscriber (after decoding escapes), the key is
 *       the tel: key of that number and the host is dropped, so
 *       `sip:+1-555-123-4567@host;user=phone` and `tel:+15551234567` are
 *       the same user. A local number qualifies only with a phone-context
 *       (otherwise the host would be its only context, and the sip key is
 *       kept). Without `user=phone` the user part is an ordinary user name
 *       (RFC 3261 19.1.1): `sip:+15551234567@host` stays a sip key.
 *     Key: `sip:user@host` or `sip:host`.
 *
 * Concurrency: pure functions, any thread.
 */

#include <stddef.h>

#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A buffer this size holds every key aor_norm() accepts to produce. */
#define AOR_NORM_MAX 512

/**
 * Normalize the AoR @p in (not NUL-terminated) into @p out.
 * @param cap bytes available in @p out (AOR_NORM_MAX is always enough for
 *   an input of up to AOR_NORM_MAX bytes).
 * @return the key length (> 0, no NUL written), -EINVAL for garbage (not a
 *   sip:/sips:/tel: URI, malformed), -ENAMETOOLONG when the key does not
 *   fit in @p cap.
 */
int aor_norm(const char *in, size_t len, char *out, size_t cap);

/** aor_norm() of a slice. */
static inline int
aor_norm_slice(struct rgl_slice in, char *out, size_t cap)
{
	return aor_norm(in.p, in.p ? in.len : 0, out, cap);
}

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_AOR_NORM_H */
