/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_CTL_PREFS_H
#define REGLANE_CTL_PREFS_H

/**
 * @file
 * The user preference file (control/prefs_store.c): the policy_prefs store
 * as JSON ({"users": {<AoR key>: <rule set>}}, policy.h), loaded at start
 * and rewritten whole after each change.
 *
 * A rewrite is atomic: the new content goes to a temporary file in the same
 * directory, which is fsync'ed and then renamed over the old one, and the
 * directory is fsync'ed so that the rename itself survives a crash. A
 * reader (or a restart) sees the old file or the new one, never a mix.
 *
 * Concurrency: plain file I/O on the calling thread; the control thread
 * calls these offline (RCU.md 9.2: no blocking while online).
 */

#include <stddef.h>
#include <stdint.h>

#include <reglane/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest preference file loaded. */
#define CTL_PREFS_MAX_FILE (256u << 20)

/**
 * Read the whole file @p path (at most @p max bytes) into a NUL-terminated
 * buffer the caller frees.
 * @return 0, -ENOENT (no such file), -EFBIG (larger than @p max), -errno.
 */
int ctl_file_read(const char *path, size_t max, char **out, size_t *len);

/**
 * Replace the file @p path with @p len bytes of @p data atomically (temp
 * file, fsync, rename, fsync of the directory). The file is created with
 * mode 0600 (preferences name users' devices).
 * @return 0 or -errno; on failure the old file is untouched and no
 *   temporary file is left.
 */
int ctl_file_write_atomic(const char *path, const void *data, size_t len);

/**
 * Load the store from @p path. A missing file gives an empty store.
 * @param max_users as policy_prefs_new().
 * @param err receives the reason on -EINVAL (file name, then the parser's
 *   message naming the line or the offending key).
 * @return 0 and *@p out, -EINVAL (not a valid store), -EFBIG, -errno, -ENOMEM.
 */
int ctl_prefs_load(const char *path, uint32_t max_users, struct policy_prefs **out, char *err,
		   size_t errlen);

/**
 * Write @p p to @p path atomically (ctl_file_write_atomic()).
 * @return 0, -ENOMEM, or -errno of the write.
 */
int ctl_prefs_save(const char *path, const struct policy_prefs *p);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_CTL_PREFS_H */
