/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_SLICE_H
#define REGLANE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * A borrowed byte range: pointer + length, never NUL-terminated.
 *
 * Parsers hand these out instead of copies; a slice is valid for as long as
 * the buffer it points into (the received datagram, or a parser's arena).
 * An absent value is { NULL, 0 }; a present but empty one has p != NULL.
 */
struct rgl_slice {
	const char *p;
	uint32_t len;
};

#define RGL_SLICE_NONE ((struct rgl_slice){ NULL, 0 })

static inline bool
rgl_slice_present(struct rgl_slice s)
{
	return s.p != NULL;
}

static inline struct rgl_slice
rgl_slice_make(const char *p, size_t len)
{
	return (struct rgl_slice){ p, (uint32_t)len };
}

/** Exact, case-sensitive comparison with a C string. */
static inline bool
rgl_slice_eq(struct rgl_slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.p != NULL && s.len == n && memcmp(s.p, lit, n) == 0;
}

/** ASCII case-insensitive comparison with a C string (SIP tokens, schemes). */
static inline bool
rgl_slice_ieq(struct rgl_slice s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.p == NULL || s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s.p[i], b = (unsigned char)lit[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b)
			return false;
	}
	return true;
}

#endif /* REGLANE_SLICE_H */
