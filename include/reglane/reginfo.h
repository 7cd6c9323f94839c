/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_REGINFO_H
#define REGLANE_REGINFO_H

/**
 * @file
 * RFC 3680 application/reginfo+xml documents, with the RFC 5628 GRUU
 * extension, turned into a compact "reginfo event".
 *
 * struct reginfo_event is the interface between parsing and applying: it
 * contains no libxml2 type, so the table code does not care which parser
 * produced it (the zero-copy scanner of reginfo_scan.c, or the libxml2
 * SAX2 reference parser it falls back to). Strings are slices: into the
 * event's own arena when the parser had to decode them (entities,
 * character references), or into the body itself when it did not.
 *
 * Concurrency: a struct reginfo_parser and the event it fills belong to one
 * thread (one per worker lcore); no locks, no RCU.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Namespace URIs, compared exactly (RFC 3680 5.4, RFC 5628 7). */
#define REGINFO_NS "urn:ietf:params:xml:ns:reginfo"
#define REGINFO_GRUU_NS "urn:ietf:params:xml:ns:gruuinfo"
#define REGINFO_EXTREGEXP_NS "urn:3gpp:ns:extRegExp:1.0"

/** Document-level failures (the NOTIFY is answered 400) and skip reasons. */
#define foreach_reginfo_err                                                    \
	_(OK, "ok")                                                            \
	_(EMPTY, "empty document")                                             \
	_(TOO_LARGE, "document larger than the size limit")                    \
	_(NOT_WELL_FORMED, "XML not well-formed")                              \
	_(DTD, "DOCTYPE or entity declaration not allowed")                    \
	_(ENTITY, "undefined or external entity reference")                   \
	_(TOO_DEEP, "element nesting too deep")                                \
	_(ENCODING, "unsupported character encoding")                          \
	_(ROOT, "root element is not {" REGINFO_NS "}reginfo")                 \
	_(VERSION, "reginfo version missing or invalid")                       \
	_(STATE, "reginfo state missing or invalid")                           \
	_(TOO_MANY_REGISTRATIONS, "too many registrations in document")       \
	_(TOO_MANY_CONTACTS, "too many contacts in document")                  \
	_(TOO_MANY_PARAMS, "too many unknown-params in document")             \
	_(ARENA_FULL, "document text exceeds the parser arena")                \
	_(NO_MEMORY, "parser out of memory")                                   \
	/* Skip reasons: the element is dropped, the document still applies. */ \
	_(REG_AOR, "registration without valid aor")                           \
	_(REG_ID, "registration without id")                                   \
	_(REG_STATE, "registration state missing or invalid")                  \
	_(CONTACT_ID, "contact without id")                                    \
	_(CONTACT_STATE, "contact state missing or invalid")                   \
	_(CONTACT_EVENT, "contact event missing or invalid")                   \
	_(CONTACT_URI, "contact without uri")                                  \
	_(CONTACT_NUMBER, "contact numeric attribute invalid")                 \
	_(PARAM_NAME, "unknown-param without name")

enum reginfo_err {
#define _(sym, str) REGINFO_ERR_##sym,
	foreach_reginfo_err
#undef _
	REGINFO_ERR__COUNT
};

/** First skip reason; codes below it are document-level failures. */
#define REGINFO_ERR__FIRST_SKIP REGINFO_ERR_REG_AOR

const char *reginfo_err_str(enum reginfo_err err);

enum reginfo_doc_state {
	REGINFO_DOC_FULL = 0,
	REGINFO_DOC_PARTIAL,
};

enum reginfo_reg_state {
	REGINFO_REG_INIT = 0,
	REGINFO_REG_ACTIVE,
	REGINFO_REG_TERMINATED,
};

enum reginfo_contact_state {
	REGINFO_CONTACT_ACTIVE = 0,
	REGINFO_CONTACT_TERMINATED,
};

/** RFC 3680 4.7.1 contact events. */
enum reginfo_contact_event {
	REGINFO_EV_REGISTERED = 0,
	REGINFO_EV_CREATED,
	REGINFO_EV_REFRESHED,
	REGINFO_EV_SHORTENED,
	REGINFO_EV_EXPIRED,
	REGINFO_EV_DEACTIVATED,
	REGINFO_EV_PROBATION,
	REGINFO_EV_UNREGISTERED,
	REGINFO_EV_REJECTED,
	REGINFO_EV__COUNT
};

const char *reginfo_reg_state_str(enum reginfo_reg_state s);
const char *reginfo_contact_state_str(enum reginfo_contact_state s);
const char *reginfo_contact_event_str(enum reginfo_contact_event e);

/** Which optional contact attributes were present (bit per field). */
enum reginfo_contact_has {
	REGINFO_HAS_EXPIRES = 1u << 0,
	REGINFO_HAS_RETRY_AFTER = 1u << 1,
	REGINFO_HAS_DURATION = 1u << 2,
	REGINFO_HAS_CSEQ = 1u << 3,
	REGINFO_HAS_TEMP_GRUU_CSEQ = 1u << 4,
};

/**
 * One <unknown-param name="...">value</unknown-param>.
 * value: XML-decoded text content, leading/trailing white space trimmed;
 * no further normalization (quotes, percent-encoding) is done here.
 * A parameter without content has value present and empty.
 */
struct reginfo_param {
	struct rgl_slice name;
	struct rgl_slice value;
};

struct reginfo_contact {
	struct rgl_slice id;
	struct rgl_slice uri;          /**< <uri> text, decoded and trimmed */
	struct rgl_slice display_name; /**< absent when no <display-name> */
	struct rgl_slice display_lang; /**< xml:lang of <display-name> */
	struct rgl_slice callid;
	struct rgl_slice q;            /**< kept as the original string */
	enum reginfo_contact_state state;
	enum reginfo_contact_event event;
	uint32_t has; /**< enum reginfo_contact_has bits */
	uint64_t expires;
	uint64_t retry_after;
	uint64_t duration_registered;
	uint64_t cseq;
	struct rgl_slice pub_gruu;  /**< <gr:pub-gruu uri=...> */
	struct rgl_slice temp_gruu; /**< <gr:temp-gruu uri=...> */
	uint64_t temp_gruu_first_cseq;
	uint32_t first_param; /**< index into reginfo_event.params */
	uint32_t n_params;
};

struct reginfo_registration {
	struct rgl_slice aor;
	struct rgl_slice id;
	enum reginfo_reg_state state;
	struct rgl_slice wildcarded_identity; /**< 3GPP extRegExp, absent when none */
	uint32_t first_contact; /**< index into reginfo_event.contacts */
	uint32_t n_contacts;
};

/** Per-document caps; a document beyond them is rejected with its own code. */
struct reginfo_limits {
	uint32_t max_doc_bytes;     /**< default 65536 */
	uint32_t max_depth;         /**< default 32 (SEMANTICS 3.6) */
	uint32_t max_registrations; /**< default 256 */
	uint32_t max_contacts;      /**< default 1024 (whole document) */
	uint32_t max_params;        /**< default 8192 (whole document) */
	uint32_t arena_bytes;       /**< decoded text; default 2 * max_doc_bytes */
};

/** Fill @p l with the defaults above. */
void reginfo_limits_default(struct reginfo_limits *l);

struct reginfo_event {
	uint32_t version;
	enum reginfo_doc_state state;

	struct reginfo_registration *regs;
	uint32_t n_regs;
	struct reginfo_contact *contacts;
	uint32_t n_contacts;
	struct reginfo_param *params;
	uint32_t n_params;

	/** Elements skipped for a missing/invalid mandatory part (case 066). */
	uint32_t n_skipped;
	enum reginfo_err first_skip; /**< REGINFO_ERR_OK when none skipped */
};

struct reginfo_parser;

/**
 * Create a parser (and the storage of the event it fills) for one thread.
 * All memory is allocated here, once; parsing allocates nothing of its own
 * beyond what libxml2 needs inside its reused context.
 * @param limits NULL for the defaults.
 * @return the parser, or NULL on allocation failure.
 */
struct reginfo_parser *reginfo_parser_new(const struct reginfo_limits *limits);

void reginfo_parser_free(struct reginfo_parser *p);

/**
 * Parse one document: the zero-copy scanner (reginfo_parse_fast()) first,
 * libxml2 (reginfo_parse_ref()) for whatever the scanner leaves to it. Both
 * give the same event and result for any document the scanner handles.
 * Context: the thread owning @p p.
 * @param body the document bytes (need not be NUL-terminated)
 * @param ev   out: points at the parser's event, valid until the next
 *             call on @p p. By default every slice points into memory the
 *             parser owns (the scanner reads a private copy of @p body, one
 *             memcpy); after reginfo_parser_set_zero_copy(p, true) slices
 *             may point into @p body itself.
 * @return REGINFO_ERR_OK, or a document-level failure (< REGINFO_ERR__FIRST_SKIP).
 */
enum reginfo_err reginfo_parse(struct reginfo_parser *p, const char *body, size_t len,
			       const struct reginfo_event **ev);

/**
 * The full-fidelity path alone: libxml2 SAX2, every slice in the parser's
 * arena. Same contract as reginfo_parse(); the reference ("oracle") the
 * scanner is tested against.
 */
enum reginfo_err reginfo_parse_ref(struct reginfo_parser *p, const char *body, size_t len,
				   const struct reginfo_event **ev);

/** reginfo_parse_fast() did not handle the document; it is not an error. */
#define REGINFO_NOT_HANDLED (-1)

/**
 * The zero-copy scanner alone: one pass, no allocation, for the common
 * shape of reginfo documents (UTF-8, no DTD/CDATA/PI, ASCII names; see
 * dataplane/reginfo_scan.c). It never gives a wrong answer: a document it
 * is not sure about, and every document libxml2 would refuse for any
 * reason but its version or state, is REGINFO_NOT_HANDLED and belongs to
 * reginfo_parse_ref(). Each REGINFO_NOT_HANDLED counts in
 * reginfo_parser_fallbacks().
 * Context: the thread owning @p p.
 * @param ev out: the parser's event; slices point into @p body (keep it
 *           unchanged while using the event) or into the parser's arena.
 *           Empty after REGINFO_NOT_HANDLED.
 * @return an enum reginfo_err exactly as reginfo_parse_ref() would return
 *         it, or REGINFO_NOT_HANDLED.
 */
int reginfo_parse_fast(struct reginfo_parser *p, const char *body, size_t len,
		       const struct reginfo_event **ev);

/**
 * Let reginfo_parse() hand out slices of the caller's body (no copy). For
 * callers that keep the body unchanged until they are done with the event,
 * as a worker does with its datagram. Off by default.
 * Context: the thread owning @p p, between parses.
 */
void reginfo_parser_set_zero_copy(struct reginfo_parser *p, bool on);

/** Documents the scanner left to libxml2 since the parser was made (for counters). */
uint64_t reginfo_parser_fallbacks(const struct reginfo_parser *p);

/** Detail of the last failure (line, libxml2 message) for logs and tests. */
const char *reginfo_parser_errmsg(const struct reginfo_parser *p);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_REGINFO_H */
