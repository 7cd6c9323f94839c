/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_TEST_CHECK_H
#define REGLANE_TEST_CHECK_H

/*
 * A deliberately tiny test harness: CHECK() records a failure with its
 * location and goes on, so one run shows every broken expectation; main()
 * returns check_exit() (0 when all passed, 1 otherwise) for meson.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                            \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond)) {                                                 \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_INT(a, b)                                                        \
	do {                                                                   \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
		check_count++;                                                 \
		if (check_a_ != check_b_) {                                    \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n",  \
				__FILE__, __LINE__, #a, check_a_, check_b_);   \
		}                                                              \
	} while (0)

/* Compare a (pointer, length) slice with a C string. */
#define CHECK_SLICE(s, lit)                                                    \
	do {                                                                   \
		const char *check_l_ = (lit);                                  \
		check_count++;                                                 \
		if ((s).p == NULL || (s).len != strlen(check_l_) ||            \
		    memcmp((s).p, check_l_, (s).len) != 0) {                   \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: %s is \"%.*s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #s, (s).p ? (int)(s).len : 6, \
				(s).p ? (s).p : "(null)", check_l_);           \
		}                                                              \
	} while (0)

#define CHECK_ABSENT(s) CHECK((s).p == NULL)

static inline int
check_exit(void)
{
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}

/* Read a whole file (test data) into a malloc'd buffer; exits on failure. */
static inline char *
check_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif /* REGLANE_TEST_CHECK_H */
