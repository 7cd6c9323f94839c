/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_SERVICES_H
#define REGLANE_SERVICES_H

/**
 * @file
 * CPM services a contact advertises (SEMANTICS.md section 8.2), shared by
 * the registration table (which stores a bitmask per contact) and the
 * control plane (suitability queries).
 *
 * The map from request type to feature tags is configuration, in the
 * format of struct rgl_service_tags (include/reglane/config.h): a tag
 * starting with `urn:` (case-insensitive) is an ICSI/IARI value that must
 * be one element of the contact's `+g.3gpp.icsi-ref` or `+g.3gpp.iari-ref`
 * (percent-decoded, comma-separated, elements trimmed, compared
 * case-insensitively); any other tag is a feature parameter name that must
 * be present (compared case-insensitively). Any one tag suffices.
 *
 * The `interworked` bit means only "has the capability tags"; the Primary
 * Device condition is applied by the query layer from the stored role.
 *
 * Concurrency: pure functions over caller-owned data, any thread.
 */

#include <stdint.h>

#include <reglane/config.h>
#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bit of service @p s in a contact's services mask. */
#define RGL_SVC_BIT(s) (1u << (unsigned)(s))

/** Every service bit. */
#define RGL_SVC_ALL ((1u << RGL_SVC__COUNT) - 1u)

/** Feature parameters whose values are ICSI / IARI lists. */
#define RGL_ICSI_REF "+g.3gpp.icsi-ref"
#define RGL_IARI_REF "+g.3gpp.iari-ref"

/**
 * Fill @p map with the SEMANTICS.md 8.2 defaults:
 * pager: oma.cpm.msg, +g.gsma.rcs.cpm.pager-large;
 * large-message: oma.cpm.largemsg, +g.gsma.rcs.cpm.pager-large;
 * session: oma.cpm.session; file-transfer: oma.cpm.filetransfer;
 * deferred: oma.cpm.deferred; system: oma.cpm.systemmsg;
 * interworked: +g.3gpp.smsip.
 * (ICSI values are urn:urn-7:3gpp-service.ims.icsi.<x>.)
 */
void rgl_services_default(struct rgl_service_tags map[RGL_SVC__COUNT]);

/** Name of @p s ("pager", ...), "?" when out of range. */
const char *rgl_service_str(enum rgl_service s);

/** The service named @p name (exact, lowercase), or -1. */
int rgl_service_parse(struct rgl_slice name);

/**
 * The services that one (normalized) contact feature advertises.
 * A contact's mask is the OR over its features.
 * @param name  the feature parameter name as received
 * @param value its normalized value (quotes removed, ICSI/IARI decoded)
 */
uint32_t rgl_services_of_feature(const struct rgl_service_tags map[RGL_SVC__COUNT],
				 struct rgl_slice name, struct rgl_slice value);

/** A service map prepared for matching (tag lengths and kinds precomputed). */
struct rgl_svc_matcher {
	uint32_t n;
	struct {
		const char *tag; /**< points into the map it was built from */
		uint16_t len;
		uint8_t svc;
		uint8_t urn; /**< an ICSI/IARI value, else a parameter name */
	} e[RGL_SVC__COUNT * RGL_CFG_MAX_SERVICE_TAGS];
};

/** Prepare @p m from @p map; @p map must outlive @p m. */
void rgl_svc_matcher_init(struct rgl_svc_matcher *m,
			  const struct rgl_service_tags map[RGL_SVC__COUNT]);

/** rgl_services_of_feature() with a prepared map (the packet-path form). */
uint32_t rgl_svc_match_feature(const struct rgl_svc_matcher *m, struct rgl_slice name,
			       struct rgl_slice value);

/**
 * Whether the comma-separated list @p list has an element equal
 * (case-insensitively, after trimming white space) to @p item.
 */
bool rgl_list_has(struct rgl_slice list, const char *item, size_t item_len);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_SERVICES_H */
