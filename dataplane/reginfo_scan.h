/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_DATAPLANE_REGINFO_SCAN_H
#define REGLANE_DATAPLANE_REGINFO_SCAN_H

/*
 * Private to the reginfo parser (reginfo_sax.c owns struct reginfo_parser
 * and calls in here): the zero-copy scanner of reginfo_scan.c.
 */

#include <stddef.h>

#include <reglane/reginfo.h>

/*
 * Scan @p body into @p ev, whose arrays were sized from @p lim, using
 * @p arena (lim->arena_bytes) for decoded text only.
 * @return an enum reginfo_err when the result is exactly what the libxml2
 *         path would give (OK, EMPTY, TOO_LARGE, VERSION, STATE), or
 *         REGINFO_NOT_HANDLED with the event emptied. @p errmsg is set on
 *         an error and left alone otherwise.
 */
int reginfo_scan(const struct reginfo_limits *lim, struct reginfo_event *ev, char *arena,
		 char *errmsg, size_t errmsg_size, const char *body, size_t len);

#endif /* REGLANE_DATAPLANE_REGINFO_SCAN_H */
