/* SPDX-License-Identifier: MIT */
/*
 * The user preference file: whole-file JSON, replaced atomically.
 *
 * Why whole-file: preferences change at human speed (a user toggles a
 * device), the store is read once at start, and a single self-describing
 * JSON document is what an operator can inspect, back up and edit. The
 * price is a rewrite per change, proportional to the number of users with
 * preferences; that is the control thread's time, offline, never the
 * dataplane's.
 *
 * Crash safety (the classic recipe, cf. rename(2) and fsync(2)): write a
 * temporary file in the SAME directory (rename is atomic only within a
 * file system), fsync it so its blocks are on disk before the name points
 * at it, rename it over the target, then fsync the directory so the new
 * name itself is durable.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <reglane/ctl_prefs.h>

int
ctl_file_read(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf;
	int fd, e;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	/* The size is a hint: the file may grow between fstat and read, so
	 * reading stops at max + 1 bytes whatever fstat said. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			free(buf);
			close(fd);
			return -e;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len != 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync the directory holding @p path, so a rename into it is durable. */
static int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, rc = 0;

	if (slash == NULL) {
		strcpy(dir, ".");
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

int
ctl_file_write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	/* mkstemp: a unique name (no clash with a stale temp file or a second
	 * writer), O_EXCL, mode 0600. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, data, len);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	/* The data is safe; a failed directory fsync only means the rename
	 * might not survive a power cut, which the caller should still hear. */
	return fsync_parent(path);
}

int
ctl_prefs_load(const char *path, uint32_t max_users, struct policy_prefs **out, char *err,
	       size_t errlen)
{
	char msg[POLICY_ERRLEN];
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	rc = ctl_file_read(path, CTL_PREFS_MAX_FILE, &text, &len);
	if (rc == -ENOENT) {
		*out = policy_prefs_new(max_users);
		return *out != NULL ? 0 : -ENOMEM;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == -EFBIG ? "larger than the preference file limit" : strerror(-rc));
		return rc;
	}
	msg[0] = '\0';
	rc = policy_prefs_parse(text, len, max_users, out, msg, sizeof(msg));
	free(text);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, rc == -ENOMEM ? "out of memory" : msg);
	return rc;
}

int
ctl_prefs_save(const char *path, const struct policy_prefs *p)
{
	json_t *j = policy_prefs_to_json(p);
	size_t len;
	char *text;
	int rc;

	if (j == NULL)
		return -ENOMEM;
	/* Indented and sorted: the file is also for people (diffs, reviews). */
	text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	if (text == NULL)
		return -ENOMEM;
	len = strlen(text);
	text[len] = '\n'; /* in the NUL's place: the length is explicit */
	rc = ctl_file_write_atomic(path, text, len + 1);
	free(text);
	return rc;
}
