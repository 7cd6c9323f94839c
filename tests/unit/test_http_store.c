/* SPDX-License-Identifier: MIT */
/*
 * The preference file (control/prefs_store.c): atomic replace (no temp
 * file left, mode 0600, old content intact when the write fails), load of
 * a missing, empty, corrupt or oversized file, and a round trip that keeps
 * every rule and normalizes keys.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <reglane/ctl_prefs.h>
#include <reglane/policy.h>

#include "check.h"

#define S(lit) rgl_slice_make((lit), strlen(lit))

static char dir[64];
static char path[128];

static unsigned
files_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
write_raw(const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void
test_atomic_write(void)
{
	char *text = NULL;
	struct stat st;
	size_t len = 0;
	char bad[160];

	CHECK_INT(ctl_file_write_atomic(path, "one\n", 4), 0);
	CHECK_INT(ctl_file_read(path, 1024, &text, &len), 0);
	CHECK(text != NULL && len == 4 && strcmp(text, "one\n") == 0);
	free(text);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(ctl_file_write_atomic(path, "two", 3), 0);
	CHECK_INT(ctl_file_read(path, 1024, &text, &len), 0);
	CHECK(text != NULL && strcmp(text, "two") == 0);
	free(text);
	CHECK_INT(files_in_dir(), 1);

	/* Too big for the caller's limit. */
	CHECK_INT(ctl_file_read(path, 2, &text, &len), -EFBIG);
	CHECK(text == NULL);
	CHECK_INT(ctl_file_read("/nonexistent/x", 10, &text, &len), -ENOENT);
	CHECK_INT(ctl_file_read(dir, 10, &text, &len), -EINVAL);

	/* A target in a missing directory: an error, nothing written. */
	snprintf(bad, sizeof(bad), "%s/missing/prefs.json", dir);
	CHECK_INT(ctl_file_write_atomic(bad, "x", 1), -ENOENT);
	/* A target that is a directory: rename fails, the temp file goes. */
	snprintf(bad, sizeof(bad), "%s/sub", dir);
	CHECK(mkdir(bad, 0700) == 0);
	CHECK(ctl_file_write_atomic(bad, "x", 1) < 0);
	CHECK_INT(files_in_dir(), 2);
	rmdir(bad);
	CHECK_INT(ctl_file_write_atomic("", "x", 1), -EINVAL);
	/* The old content survived every failed attempt. */
	CHECK_INT(ctl_file_read(path, 1024, &text, &len), 0);
	CHECK(text != NULL && strcmp(text, "two") == 0);
	free(text);
	unlink(path);
}

static void
test_load_save(void)
{
	static const char phone_only[] =
		"{\"default\":\"deny\",\"rules\":[{\"request\":[\"pager\",\"session\"],"
		"\"role\":\"primary\",\"action\":\"allow\",\"comment\":\"phone only\"}]}";
	char err[256] = "";
	struct policy_prefs *p = NULL, *q = NULL;
	struct policy_rules *r;
	const struct policy_rules *got;
	int rc;

	/* Missing file: an empty store. */
	CHECK_INT(ctl_prefs_load(path, 0, &p, err, sizeof(err)), 0);
	CHECK(p != NULL && policy_prefs_count(p) == 0);

	r = policy_rules_parse(phone_only, strlen(phone_only), &rc, err, sizeof(err));
	CHECK(r != NULL);
	if (r != NULL)
		CHECK_INT(policy_prefs_set(p, S("sip:+15550001@ims.example.net;user=phone"), r), 0);
	r = policy_rules_parse("{}", 2, &rc, err, sizeof(err));
	CHECK(r != NULL);
	if (r != NULL)
		CHECK_INT(policy_prefs_set(p, S("sip:Alice@Example.COM"), r), 0);
	CHECK_INT(ctl_prefs_save(path, p), 0);
	CHECK_INT(files_in_dir(), 1);

	CHECK_INT(ctl_prefs_load(path, 0, &q, err, sizeof(err)), 0);
	CHECK(q != NULL && policy_prefs_count(q) == 2);
	got = q != NULL ? policy_prefs_get(q, S("tel:+15550001")) : NULL;
	CHECK(got != NULL);
	if (got != NULL) {
		CHECK_INT(got->dflt, POLICY_DENY);
		CHECK_INT(got->n_rules, 1);
		CHECK(got->rules[0].comment != NULL &&
		      strcmp(got->rules[0].comment, "phone only") == 0);
	}
	CHECK(q != NULL && policy_prefs_get(q, S("SIP:Alice@example.com")) != NULL);
	policy_prefs_free(p);
	policy_prefs_free(q);
	q = NULL;

	/* A user limit smaller than the file: refused, with the file name. */
	CHECK_INT(ctl_prefs_load(path, 1, &q, err, sizeof(err)), -EINVAL);
	CHECK(q == NULL && strstr(err, path) != NULL);

	/* Corrupt, empty, wrong shape: refused with a message. */
	write_raw("{\"users\": {\"tel:+1\": {\"rules\": [");
	CHECK_INT(ctl_prefs_load(path, 0, &q, err, sizeof(err)), -EINVAL);
	CHECK(q == NULL && strstr(err, path) != NULL);
	write_raw("");
	CHECK_INT(ctl_prefs_load(path, 0, &q, err, sizeof(err)), -EINVAL);
	write_raw("[]");
	CHECK_INT(ctl_prefs_load(path, 0, &q, err, sizeof(err)), -EINVAL);
	write_raw("{\"users\": {\"not an aor\": {}}}");
	CHECK_INT(ctl_prefs_load(path, 0, &q, err, sizeof(err)), -EINVAL);
	write_raw("{\"users\": {}}");
	CHECK_INT(ctl_prefs_load(path, 0, &q, err, sizeof(err)), 0);
	CHECK(q != NULL && policy_prefs_count(q) == 0);
	policy_prefs_free(q);
	unlink(path);
}

int
main(void)
{
	strcpy(dir, "/tmp/rgl-prefs-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/prefs.json", dir);
	test_atomic_write();
	test_load_save();
	rmdir(dir);
	return check_exit();
}
