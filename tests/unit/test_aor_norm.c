/* SPDX-License-Identifier: MIT */
/* aor_norm(): the one AoR normalization (rule in include/reglane/aor_norm.h). */

#include <errno.h>
#include <string.h>

#include <reglane/aor_norm.h>

#include "check.h"

static char out[AOR_NORM_MAX];

/* Normalize a C string; returns the key (or "" on error) and sets *rc. */
static const char *
norm(const char *in, int *rc)
{
	int n = aor_norm(in, strlen(in), out, sizeof(out));

	*rc = n;
	if (n < 0)
		return "";
	out[n] = '\0';
	return out;
}

#define CHECK_NORM(in, want)                                                   \
	do {                                                                   \
		int rc_;                                                       \
		const char *k_ = norm(in, &rc_);                               \
		check_count++;                                                 \
		if (rc_ < 0 || strcmp(k_, want) != 0) {                        \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: aor_norm(\"%s\") = \"%s\" (%d), expected \"%s\"\n", \
				__FILE__, __LINE__, in, k_, rc_, want);        \
		}                                                              \
	} while (0)

#define CHECK_BAD(in)                                                          \
	do {                                                                   \
		int rc_;                                                       \
		const char *k_ = norm(in, &rc_);                               \
		check_count++;                                                 \
		if (rc_ != -EINVAL) {                                          \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: aor_norm(\"%s\") = \"%s\" (%d), expected -EINVAL\n", \
				__FILE__, __LINE__, in, k_, rc_);              \
		}                                                              \
	} while (0)

static void
test_sip(void)
{
	CHECK_NORM("sip:alice@example.com", "sip:alice@example.com");
	/* scheme and host case-insensitive, user case kept */
	CHECK_NORM("SIP:Alice@EXAMPLE.Com", "sip:Alice@example.com");
	/* sips folds to sip */
	CHECK_NORM("sips:alice@example.com", "sip:alice@example.com");
	CHECK_NORM("SiPs:alice@example.com", "sip:alice@example.com");
	/* ports, parameters, headers, password dropped */
	CHECK_NORM("sip:alice@example.com:5060", "sip:alice@example.com");
	CHECK_NORM("sip:alice@example.com:5061;transport=tcp", "sip:alice@example.com");
	CHECK_NORM("sip:alice@example.com;transport=udp;lr?subject=x", "sip:alice@example.com");
	CHECK_NORM("sip:alice:secret@example.com", "sip:alice@example.com");
	/* angle brackets and white space */
	CHECK_NORM("  <sip:alice@example.com>  ", "sip:alice@example.com");
	/* trailing dot */
	CHECK_NORM("sip:alice@example.com.", "sip:alice@example.com");
	/* no user part */
	CHECK_NORM("sip:registrar.example.com", "sip:registrar.example.com");
	/* IPv6 reference keeps its brackets, hex lowercased */
	CHECK_NORM("sip:bob@[2001:DB8::1]:5070", "sip:bob@[2001:db8::1]");
	/* escapes: unreserved decoded, reserved kept with uppercase hex */
	CHECK_NORM("sip:%61lice@example.com", "sip:alice@example.com");
	CHECK_NORM("sip:al%2aice@example.com", "sip:al*ice@example.com");
	CHECK_NORM("sip:a%3bb@example.com", "sip:a%3Bb@example.com");
	CHECK_NORM("sip:a%3Bb@example.com", "sip:a%3Bb@example.com");
	CHECK_NORM("sip:a%40b@example.com", "sip:a%40b@example.com");
	/* a global number without user=phone is an ordinary user name */
	CHECK_NORM("sip:+12025550101@ims.example.net", "sip:+12025550101@ims.example.net");
	/* underscores in the user part (RFC 5628 example) */
	CHECK_NORM("sip:user_aor_1@example.net", "sip:user_aor_1@example.net");
}

static void
test_tel(void)
{
	CHECK_NORM("tel:+15551234567", "tel:+15551234567");
	CHECK_NORM("TEL:+1-555-123-4567", "tel:+15551234567");
	CHECK_NORM("tel:+1.555.(123).4567", "tel:+15551234567");
	/* every parameter dropped for global numbers */
	CHECK_NORM("tel:+15551234567;ext=22", "tel:+15551234567");
	CHECK_NORM("tel:+15551234567;phone-context=+1", "tel:+15551234567");
	CHECK_NORM("tel:+358504821437", "tel:+358504821437");
	/* local numbers keep their phone-context */
	CHECK_NORM("tel:5551234;phone-context=Example.COM", "tel:5551234;phone-context=example.com");
	CHECK_NORM("tel:555-1234;phone-context=+1-212", "tel:5551234;phone-context=+1212");
	CHECK_NORM("tel:5551234;isub=9;phone-context=example.com.",
		   "tel:5551234;phone-context=example.com");
	CHECK_NORM("tel:7AB*#", "tel:7ab*#");
	CHECK_NORM("tel:5551234", "tel:5551234");
}

static void
test_user_phone(void)
{
	/* the two forms of one E.164 number meet, both ways */
	CHECK_NORM("sip:+15551234567@host.example;user=phone", "tel:+15551234567");
	CHECK_NORM("sip:+1-555-123-4567@other.example;user=PHONE", "tel:+15551234567");
	CHECK_NORM("sips:+15551234567@host.example:5061;transport=tls;user=phone",
		   "tel:+15551234567");
	CHECK_NORM("sip:+1-555-123-4567;ext=1@gw.example;user=phone", "tel:+15551234567");
	CHECK_NORM("sip:+358504821437@example.net;user=phone", "tel:+358504821437");
	CHECK_NORM("<sip:+15551234567@h;user=phone>", "tel:+15551234567");
	/* escaped visual separators */
	CHECK_NORM("sip:+1%2D555%2D1234567@h;user=phone", "tel:+15551234567");
	/* local number with context */
	CHECK_NORM("sip:5551234;phone-context=example.com@gw.example;user=phone",
		   "tel:5551234;phone-context=example.com");
	/* local number without context: the host is its context, stays sip */
	CHECK_NORM("sip:5551234@gw.example;user=phone", "sip:5551234@gw.example");
	/* user=phone on a name that is no number: an ordinary sip key */
	CHECK_NORM("sip:alice@example.com;user=phone", "sip:alice@example.com");
	/* user=ip is not user=phone */
	CHECK_NORM("sip:+15551234567@h;user=ip", "sip:+15551234567@h");
}

static void
test_garbage(void)
{
	char big[AOR_NORM_MAX + 64];
	char small[8];
	int rc;

	CHECK_BAD("");
	CHECK_BAD("   ");
	CHECK_BAD("<>");
	CHECK_BAD("alice@example.com");
	CHECK_BAD("mailto:alice@example.com");
	CHECK_BAD("http://example.com/");
	CHECK_BAD("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
	CHECK_BAD("sip:");
	CHECK_BAD("sip:@example.com");
	CHECK_BAD("sip:alice@");
	CHECK_BAD("sip:alice@exa mple.com");
	CHECK_BAD("sip:alice@example.com:");
	CHECK_BAD("sip:alice@example.com:50x0");
	CHECK_BAD("sip:alice@example.com:1234567");
	CHECK_BAD("sip:alice@exa!mple.com");
	CHECK_BAD("sip:alice@[2001:db8::1");
	CHECK_BAD("sip:alice@[]");
	CHECK_BAD("sip:alice@[zz::1]");
	CHECK_BAD("sip:a%4@example.com");
	CHECK_BAD("sip:a%zz@example.com");
	CHECK_BAD("sip:a%@example.com");
	CHECK_BAD("sip:alice@.");
	CHECK_BAD("sip:alice@example.com..");
	CHECK_BAD("sip:alice@.example.com");
	CHECK_BAD("sip:alice@example..com");
	CHECK_BAD("sip:alice\x01@example.com");
	CHECK_BAD("sip:al\xc3\xa9@example.com");
	CHECK_BAD("tel:");
	CHECK_BAD("tel:+");
	CHECK_BAD("tel:+1-x");
	CHECK_BAD("tel:+---");
	CHECK_BAD("tel:+123456789012345678901234567890123");
	CHECK_BAD("tel:555;phone-context=");
	CHECK_BAD("tel:555;phone-context=exa_mple");
	CHECK_BAD("tel:555;phone-context=+");
	CHECK_BAD("tel:%2B15551234567");
	CHECK_BAD("tel:55 5");

	/* NULL / zero length */
	CHECK_INT(aor_norm(NULL, 5, out, sizeof(out)), -EINVAL);
	CHECK_INT(aor_norm("sip:a@b", 0, out, sizeof(out)), -EINVAL);

	/* output too small */
	rc = aor_norm("sip:alice@example.com", 21, small, sizeof(small));
	CHECK_INT(rc, -ENAMETOOLONG);

	/* oversized input */
	memset(big, 'a', sizeof(big));
	memcpy(big, "sip:", 4);
	big[sizeof(big) - 10] = '@';
	rc = aor_norm(big, sizeof(big), out, sizeof(out));
	CHECK_INT(rc, -ENAMETOOLONG);

	/* exact fit */
	rc = aor_norm("sip:a@b", 7, small, 7);
	CHECK_INT(rc, 7);
	CHECK(memcmp(small, "sip:a@b", 7) == 0);

	/* the input is not read past len: a prefix of a longer buffer */
	rc = aor_norm("sip:alice@example.comXYZ", 21, out, sizeof(out));
	CHECK_INT(rc, 21);
	CHECK(memcmp(out, "sip:alice@example.com", 21) == 0);
}

int
main(void)
{
	test_sip();
	test_tel();
	test_user_phone();
	test_garbage();
	return check_exit();
}
