/* SPDX-License-Identifier: MIT */
/*
 * Names and defaults shared by every reginfo parser backend (the libxml2
 * SAX2 reference parser today, a zero-copy scanner later) and by whoever
 * prints an event (logs, state dumps). The string tables are also what the
 * parsers match attribute values against, so the spelling lives in one place.
 */

#include <reglane/reginfo.h>

static const char *const reginfo_err_names[REGINFO_ERR__COUNT] = {
#define _(sym, str) [REGINFO_ERR_##sym] = str,
	foreach_reginfo_err
#undef _
};

/* RFC 3680 5.4 schema spellings, indexed by the enums of reginfo.h. */
static const char *const reginfo_reg_state_names[] = {
	[REGINFO_REG_INIT] = "init",
	[REGINFO_REG_ACTIVE] = "active",
	[REGINFO_REG_TERMINATED] = "terminated",
};

static const char *const reginfo_contact_state_names[] = {
	[REGINFO_CONTACT_ACTIVE] = "active",
	[REGINFO_CONTACT_TERMINATED] = "terminated",
};

static const char *const reginfo_contact_event_names[REGINFO_EV__COUNT] = {
	[REGINFO_EV_REGISTERED] = "registered",
	[REGINFO_EV_CREATED] = "created",
	[REGINFO_EV_REFRESHED] = "refreshed",
	[REGINFO_EV_SHORTENED] = "shortened",
	[REGINFO_EV_EXPIRED] = "expired",
	[REGINFO_EV_DEACTIVATED] = "deactivated",
	[REGINFO_EV_PROBATION] = "probation",
	[REGINFO_EV_UNREGISTERED] = "unregistered",
	[REGINFO_EV_REJECTED] = "rejected",
};

#define REGINFO_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/** Human-readable text of @p err; never NULL. */
const char *
reginfo_err_str(enum reginfo_err err)
{
	if ((unsigned int)err >= REGINFO_NELEM(reginfo_err_names))
		return "unknown reginfo error";
	return reginfo_err_names[err];
}

/** Schema spelling of @p s ("init", "active", "terminated"); "unknown" if out of range. */
const char *
reginfo_reg_state_str(enum reginfo_reg_state s)
{
	if ((unsigned int)s >= REGINFO_NELEM(reginfo_reg_state_names))
		return "unknown";
	return reginfo_reg_state_names[s];
}

/** Schema spelling of @p s ("active", "terminated"); "unknown" if out of range. */
const char *
reginfo_contact_state_str(enum reginfo_contact_state s)
{
	if ((unsigned int)s >= REGINFO_NELEM(reginfo_contact_state_names))
		return "unknown";
	return reginfo_contact_state_names[s];
}

/** Schema spelling of @p e ("registered", "created", ...); "unknown" if out of range. */
const char *
reginfo_contact_event_str(enum reginfo_contact_event e)
{
	if ((unsigned int)e >= REGINFO_NELEM(reginfo_contact_event_names))
		return "unknown";
	return reginfo_contact_event_names[e];
}

/** Fill @p l with the documented defaults (reginfo.h, SEMANTICS 3.6). */
void
reginfo_limits_default(struct reginfo_limits *l)
{
	l->max_doc_bytes = 65536;
	l->max_depth = 32;
	/* Sized so that any document within max_doc_bytes that a real IMS
	 * core sends is applied: an implicit registration set costs ~575 B
	 * per IMPU (Kamailio), so 64 KiB holds ~110 registrations. */
	l->max_registrations = 256;
	l->max_contacts = 1024;
	l->max_params = 8192;
	l->arena_bytes = 2 * 65536;
}
