/* SPDX-License-Identifier: MIT */
/*
 * AoR normalization (the rule is documented in include/reglane/aor_norm.h).
 *
 * Input comes from attackers (NOTIFY From URIs, reginfo aor attributes,
 * API queries): every access is bounded by the input length, the output by
 * its capacity, and nothing loops more than once over the input.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <reglane/aor_norm.h>

/* Longest digit string accepted in a telephone number (E.164 has 15). */
#define TEL_MAX_DIGITS 32

struct outbuf {
	char *p;
	size_t len;
	size_t cap;
	bool overflow;
};

static void
ob_putc(struct outbuf *o, char c)
{
	if (o->len < o->cap)
		o->p[o->len++] = c;
	else
		o->overflow = true;
}

static void
ob_puts(struct outbuf *o, const char *s)
{
	while (*s)
		ob_putc(o, *s++);
}

/* Append @p n bytes (as many as fit; the rest marks the overflow). */
static void
ob_write(struct outbuf *o, const char *s, size_t n)
{
	if (n > o->cap - o->len) {
		n = o->cap - o->len;
		o->overflow = true;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
hexval(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char
lower(unsigned char c)
{
	return (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
}

static bool
ieq(const char *s, size_t n, const char *lit)
{
	size_t m = strlen(lit);

	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lit[i])
			return false;
	return true;
}

/* Host characters: alphanumerics - . _ (HC_HOST); what ends a host (HC_END). */
#define HC_HOST 1
#define HC_END 2
static const unsigned char host_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, /* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 0, 0, 0, 2, /* 0x30 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, /* 0x50 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* 0x70 */
	/* 0x80-0xff: 0 */
};

/*
 * Whether every byte of @p s is printable ASCII other than space
 * (0x21..0x7e), eight bytes per step.
 */
static bool
all_uri_chars(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		/* a byte >= 0x80, or (all below 0x80) one <= 0x20 or == 0x7f */
		if ((x & highs) != 0 || ((x - 0x21 * ones) & ~x & highs) != 0 ||
		    (((x ^ 0x7f * ones) - ones) & ~(x ^ 0x7f * ones) & highs) != 0)
			return false;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

/* RFC 3966 visual-separator. */
static bool
is_visual_sep(unsigned char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

/* RFC 3261 unreserved = alphanum / mark. */
static bool
is_unreserved(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c != 0 && strchr("-_.!~*'()", c) != NULL);
}

/*
 * Find parameter @p name in ";a=b;c=d" style text (leading ';' optional);
 * returns its value (possibly empty) or NULL.
 */
static const char *
find_param(const char *s, size_t n, const char *name, size_t *vlen)
{
	size_t i = 0;

	while (i < n) {
		size_t start, eq, end;

		while (i < n && s[i] == ';')
			i++;
		start = i;
		while (i < n && s[i] != ';')
			i++;
		end = i;
		eq = start;
		while (eq < end && s[eq] != '=')
			eq++;
		if (ieq(s + start, eq - start, name)) {
			if (eq == end) {
				*vlen = 0;
				return s + end;
			}
			*vlen = end - eq - 1;
			return s + eq + 1;
		}
	}
	return NULL;
}

/* Global-number digits: '+' then digits and separators. Writes "+digits". */
static int
put_global_digits(struct outbuf *o, const char *s, size_t n)
{
	unsigned digits = 0;

	if (n < 2 || s[0] != '+')
		return -EINVAL;
	ob_putc(o, '+');
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_digit(c)) {
			ob_putc(o, (char)c);
			digits++;
		} else if (!is_visual_sep(c)) {
			return -EINVAL;
		}
	}
	return (digits == 0 || digits > TEL_MAX_DIGITS) ? -EINVAL : 0;
}

/*
 * telephone-subscriber (RFC 3966): number @p num, parameters @p par
 * (the text after the number's first ';'). Writes the tel: key.
 */
static int
put_tel(struct outbuf *o, const char *num, size_t nlen, const char *par, size_t plen,
	bool need_context)
{
	unsigned digits = 0;
	const char *ctx;
	size_t clen = 0;

	if (nlen == 0)
		return -EINVAL;
	ob_puts(o, "tel:");
	if (num[0] == '+')
		return put_global_digits(o, num, nlen);

	for (size_t i = 0; i < nlen; i++) {
		unsigned char c = (unsigned char)num[i];

		if (hexval(c) >= 0 || c == '*' || c == '#') {
			ob_putc(o, lower(c));
			digits++;
		} else if (!is_visual_sep(c)) {
			return -EINVAL;
		}
	}
	if (digits == 0 || digits > TEL_MAX_DIGITS)
		return -EINVAL;

	ctx = find_param(par, plen, "phone-context", &clen);
	if (ctx == NULL)
		return need_context ? -EINVAL : 0;
	if (clen == 0)
		return -EINVAL;
	ob_puts(o, ";phone-context=");
	if (ctx[0] == '+')
		return put_global_digits(o, ctx, clen);
	/* domainname context; one trailing dot is the same domain */
	if (ctx[clen - 1] == '.')
		clen--;
	if (clen == 0)
		return -EINVAL;
	for (size_t i = 0; i < clen; i++) {
		unsigned char c = (unsigned char)ctx[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.')
			return -EINVAL;
		if (c == '.' && (i == 0 || i + 1 == clen || ctx[i + 1] == '.'))
			return -EINVAL; /* empty label */
		ob_putc(o, lower(c));
	}
	return 0;
}

/* User part with canonical escapes (see the header). */
static int
put_user(struct outbuf *o, const char *u, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c != '%') {
			/* the run up to the next escape in one copy */
			const char *pct = memchr(u + i, '%', n - i);
			size_t run = pct ? (size_t)(pct - (u + i)) : n - i;

			ob_write(o, u + i, run);
			i += run - 1;
		} else {
			int hi, lo;

			if (i + 2 >= n)
				return -EINVAL;
			hi = hexval((unsigned char)u[i + 1]);
			lo = hexval((unsigned char)u[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (is_unreserved(c)) {
				ob_putc(o, (char)c);
			} else {
				ob_putc(o, '%');
				ob_putc(o, hex[c >> 4]);
				ob_putc(o, hex[c & 15]);
			}
		}
	}
	return 0;
}

/* Decode every escape of @p u into @p dst (for the telephone-subscriber test). */
static int
decode_all(const char *u, size_t n, char *dst, size_t cap, size_t *out_len)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -EINVAL;
			hi = hexval((unsigned char)u[i + 1]);
			lo = hexval((unsigned char)u[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (k >= cap)
			return -ENAMETOOLONG;
		dst[k++] = (char)c;
	}
	*out_len = k;
	return 0;
}

static int
norm_sip(struct outbuf *o, const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	const char *user = NULL, *rest = s, *host, *params = NULL;
	size_t ulen = 0, rlen = n, hlen, plen = 0, i;
	bool bracket;

	if (at != NULL) {
		const char *colon;

		user = s;
		ulen = (size_t)(at - s);
		colon = memchr(user, ':', ulen);
		if (colon != NULL)
			ulen = (size_t)(colon - user); /* password dropped */
		if (ulen == 0)
			return -EINVAL;
		rest = at + 1;
		rlen = (size_t)(s + n - rest);
	}
	if (rlen == 0)
		return -EINVAL;

	/* host[:port], up to ';' or '?' (not inside an IPv6 reference) */
	host = rest;
	bracket = rest[0] == '[';
	i = 0;
	if (bracket) {
		while (i < rlen && rest[i] != ']')
			i++;
		if (i == rlen || i < 2)
			return -EINVAL;
		hlen = i + 1;
		for (size_t k = 1; k < i; k++) {
			unsigned char c = (unsigned char)rest[k];

			if (hexval(c) < 0 && c != ':' && c != '.')
				return -EINVAL;
		}
		i++;
	} else {
		/* one pass: find the end, check every character and label */
		unsigned char prev = '.';

		while (i < rlen) {
			unsigned char c = (unsigned char)rest[i];

			if (!(host_class[c] & HC_HOST)) {
				if (host_class[c] & HC_END)
					break;
				return -EINVAL;
			}
			/* no empty label (at the start or between two dots):
			 * the key must normalize to itself */
			if (c == '.' && prev == '.')
				return -EINVAL;
			prev = c;
			i++;
		}
		hlen = i;
		if (hlen > 0 && host[hlen - 1] == '.')
			hlen--; /* the root label: the same host */
		if (hlen == 0 || host[hlen - 1] == '.')
			return -EINVAL;
	}
	if (i < rlen && rest[i] == ':') {
		size_t p0 = ++i;

		while (i < rlen && is_digit((unsigned char)rest[i]))
			i++;
		if (i == p0 || i - p0 > 5)
			return -EINVAL;
	}
	if (i < rlen && rest[i] != ';' && rest[i] != '?')
		return -EINVAL;
	if (i < rlen && rest[i] == ';') {
		size_t q = i;

		while (q < rlen && rest[q] != '?')
			q++;
		params = rest + i;
		plen = q - i;
	}

	if (user != NULL && params != NULL) {
		size_t vlen = 0;
		const char *v = find_param(params, plen, "user", &vlen);

		if (v != NULL && ieq(v, vlen, "phone")) {
			char dec[AOR_NORM_MAX];
			size_t dlen = 0;

			if (decode_all(user, ulen, dec, sizeof(dec), &dlen) == 0) {
				const char *semi = memchr(dec, ';', dlen);
				size_t numlen = semi ? (size_t)(semi - dec) : dlen;
				size_t mark = o->len;
				bool ovf = o->overflow;

				if (put_tel(o, dec, numlen, semi ? semi + 1 : "",
					    semi ? dlen - numlen - 1 : 0, true) == 0)
					return 0;
				/* not a telephone-subscriber: an ordinary sip key */
				o->len = mark;
				o->overflow = ovf;
			}
		}
	}

	ob_write(o, "sip:", 4);
	if (user != NULL) {
		int rc = put_user(o, user, ulen);

		if (rc < 0)
			return rc;
		ob_putc(o, '@');
	}
	if (hlen > o->cap - o->len) {
		o->overflow = true;
		return 0;
	}
	for (size_t k = 0; k < hlen; k++)
		o->p[o->len + k] = lower((unsigned char)host[k]);
	o->len += hlen;
	return 0;
}

int
aor_norm(const char *in, size_t len, char *out, size_t cap)
{
	struct outbuf o = { out, 0, cap, false };
	const char *colon;
	size_t slen;
	int rc;

	if (in == NULL || out == NULL)
		return -EINVAL;
	while (len > 0 && is_ws((unsigned char)in[0])) {
		in++;
		len--;
	}
	while (len > 0 && is_ws((unsigned char)in[len - 1]))
		len--;
	if (len >= 2 && in[0] == '<' && in[len - 1] == '>') {
		in++;
		len -= 2;
	}
	if (len == 0)
		return -EINVAL;
	/* URIs are ASCII without white space or controls (RFC 3986 2) */
	if (!all_uri_chars(in, len))
		return -EINVAL;

	colon = memchr(in, ':', len);
	if (colon == NULL)
		return -EINVAL;
	slen = (size_t)(colon - in);
	if (ieq(in, slen, "sip") || ieq(in, slen, "sips")) {
		rc = norm_sip(&o, colon + 1, len - slen - 1);
	} else if (ieq(in, slen, "tel")) {
		const char *num = colon + 1;
		size_t rest = len - slen - 1;
		const char *semi = memchr(num, ';', rest);
		size_t nlen = semi ? (size_t)(semi - num) : rest;

		if (memchr(num, '%', rest) != NULL || memchr(num, '?', rest) != NULL)
			return -EINVAL;
		rc = put_tel(&o, num, nlen, semi ? semi + 1 : "", semi ? rest - nlen - 1 : 0,
			     false);
	} else {
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if (o.overflow)
		return -ENAMETOOLONG;
	return (int)o.len;
}
