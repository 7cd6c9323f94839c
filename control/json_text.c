/* SPDX-License-Identifier: MIT */
/* Wire text as JSON strings (include/reglane/json_text.h). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/json_text.h>

size_t
rgl_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	uint32_t cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool
rgl_utf8_text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l = rgl_utf8_seq(p + i, n - i);

		if (l == 0 || (l == 1 && (p[i] < 0x20 || p[i] == 0x7f)))
			return false;
		i += l;
	}
	return true;
}

/* A NUL is valid UTF-8, but many JSON clients choke on "\u0000". */
static size_t
good_seq(const unsigned char *p, size_t n)
{
	return p[0] == 0 ? 0 : rgl_utf8_seq(p, n);
}

json_t *
rgl_json_str(struct rgl_slice s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, k = 0;
	char *buf;
	json_t *j;

	if (s.p == NULL)
		return json_null();
	while (i < s.len) {
		size_t l = good_seq(p + i, s.len - i);

		if (l == 0)
			break;
		i += l;
	}
	if (i == s.len)
		return json_stringn_nocheck(s.p, s.len);
	/* Each bad byte becomes U+FFFD: at most 3 bytes out for 1 in. */
	buf = malloc((size_t)s.len * 3 + 1);
	if (buf == NULL)
		return NULL;
	for (i = 0; i < s.len;) {
		size_t l = good_seq(p + i, s.len - i);

		if (l == 0) {
			memcpy(buf + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		} else {
			memcpy(buf + k, p + i, l);
			k += l;
			i += l;
		}
	}
	j = json_stringn_nocheck(buf, k);
	free(buf);
	return j;
}
