/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_SIP_H
#define REGLANE_SIP_H

/**
 * @file
 * Zero-copy SIP message parser (RFC 3261 section 7, framing per 18.3 for UDP).
 *
 * sip_parse() scans one SIP message held in one UDP payload and fills a
 * fixed-size struct sip_msg with slices into that payload. It never copies
 * and never allocates; everything it returns is valid while the payload is.
 *
 * Concurrency: pure function of its inputs; any thread, no locks, no RCU.
 *
 * The parser reports *what it found*; deciding the SIP answer (505, 400,
 * drop, ...) in the order of the rulebook is the admission step's job. For
 * that reason sip_parse() keeps going after a problem it can describe
 * (bad version, missing Call-ID, ...) so the caller still has the Vias,
 * From, To, Call-ID and CSeq it needs to build an error response; it stops
 * only where the byte stream cannot be followed (header limits, a header
 * line without a colon, no end of the header block).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <reglane/slice.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Hard limits: a message beyond any of them is rejected with its own code. */
#define SIP_MAX_HEADERS 128     /**< header lines (after unfolding) */
#define SIP_MAX_HEADER_LEN 4096 /**< bytes of one header, folds included */
#define SIP_MAX_VIAS 64         /**< Via values, all headers together (RFC 4475 longreq has ~34) */
#define SIP_MAX_REQUIRE 8       /**< option tags in Require, all headers */

/** What went wrong; exactly one code per kind of failure. */
#define foreach_sip_err                                                        \
	_(OK, "ok")                                                            \
	_(EMPTY, "empty datagram")                                             \
	_(START_LINE, "malformed start line")                                  \
	_(TOO_MANY_HEADERS, "too many header fields")                          \
	_(HEADER_TOO_LONG, "header field too long")                            \
	_(TOO_MANY_VIAS, "too many Via values")                                \
	_(HEADER_SYNTAX, "malformed header line")                              \
	_(NO_HEADER_END, "header block not terminated")                        \
	_(BAD_VIA, "malformed Via header field")                               \
	_(NO_VIA, "missing Via header field")                                  \
	_(BAD_FROM, "malformed From header field")                             \
	_(NO_FROM, "missing From header field")                                \
	_(BAD_TO, "malformed To header field")                                 \
	_(NO_TO, "missing To header field")                                    \
	_(BAD_CALL_ID, "malformed Call-ID header field")                       \
	_(NO_CALL_ID, "missing Call-ID header field")                          \
	_(BAD_CSEQ, "malformed CSeq header field")                             \
	_(NO_CSEQ, "missing CSeq header field")                                \
	_(CSEQ_METHOD, "CSeq method does not match request method")           \
	_(BAD_CONTENT_LENGTH, "malformed Content-Length header field")         \
	_(BODY_TRUNCATED, "Content-Length larger than message")                \
	_(BAD_MAX_FORWARDS, "malformed Max-Forwards header field")             \
	_(BAD_EVENT, "malformed Event header field")                           \
	_(BAD_SUBSCRIPTION_STATE, "malformed Subscription-State header field") \
	_(BAD_CONTENT_TYPE, "malformed Content-Type header field")             \
	_(TOO_MANY_REQUIRE, "too many Require option tags")                    \
	_(DUPLICATE_HEADER, "duplicate single-instance header field")

enum sip_err {
#define _(sym, str) SIP_ERR_##sym,
	foreach_sip_err
#undef _
	SIP_ERR__COUNT
};

/** Human-readable text for a code, suitable as a 400 reason phrase. */
const char *sip_err_str(enum sip_err err);

enum sip_kind {
	SIP_KIND_REQUEST = 1,
	SIP_KIND_RESPONSE = 2,
};

enum sip_method {
	SIP_METHOD_OTHER = 0,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_OPTIONS,
};

/** Header identities the parser recognises (long and compact names). */
enum sip_hdr {
	SIP_HDR_OTHER = 0,
	SIP_HDR_VIA,
	SIP_HDR_FROM,
	SIP_HDR_TO,
	SIP_HDR_CALL_ID,
	SIP_HDR_CSEQ,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_EVENT,
	SIP_HDR_SUBSCRIPTION_STATE,
	SIP_HDR_CONTENT_TYPE,
	SIP_HDR_CONTENT_ENCODING,
	SIP_HDR_CONTENT_LENGTH,
	SIP_HDR_REQUIRE,
	SIP_HDR_CONTACT,
	SIP_HDR_ALLOW_EVENTS,
	SIP_HDR_SUPPORTED,
	SIP_HDR_SUBJECT,
	SIP_HDR__COUNT
};

/** One header line as received (value trimmed of surrounding LWS). */
struct sip_header {
	struct rgl_slice name;
	struct rgl_slice value; /**< may contain folds (CRLF + SP/HTAB) */
	uint8_t id;             /**< enum sip_hdr */
};

/** One via-parm (a Via header may carry several, comma-separated). */
struct sip_via {
	struct rgl_slice value;     /**< the whole via-parm, as received */
	struct rgl_slice protocol;  /**< "SIP/2.0/UDP" (sent-protocol) */
	struct rgl_slice transport; /**< "UDP" */
	struct rgl_slice host;      /**< sent-by host; IPv6 without brackets */
	uint16_t port;              /**< sent-by port, 0 when absent */
	bool host_is_ipv4;
	bool host_is_ipv6;
	bool has_rport;
	struct rgl_slice branch;         /**< branch value */
	struct rgl_slice received;       /**< received value */
	struct rgl_slice maddr;          /**< maddr value */
	struct rgl_slice rport_value;    /**< rport value, absent when bare */
	struct rgl_slice received_param; /**< whole ";received=..." text minus ';' */
	struct rgl_slice rport_param;    /**< whole "rport" or "rport=N" text */
};

/** From / To / Contact-style name-addr or addr-spec with parameters. */
struct sip_nameaddr {
	struct rgl_slice value;   /**< whole header value */
	struct rgl_slice display; /**< display-name, quotes kept, may be absent */
	struct rgl_slice uri;     /**< URI without the angle brackets */
	struct rgl_slice tag;     /**< tag parameter value, absent when none */
};

struct sip_msg {
	enum sip_kind kind;

	/* Request line. */
	enum sip_method method;
	struct rgl_slice method_name;
	struct rgl_slice ruri;
	struct rgl_slice version; /**< e.g. "SIP/2.0" */
	bool version_ok;          /**< version is exactly SIP/2.0 */

	/* Status line (kind == SIP_KIND_RESPONSE). */
	uint16_t status;

	/* Header lines in order. */
	struct sip_header headers[SIP_MAX_HEADERS];
	uint16_t n_headers;

	/* Via values, in order, across all Via header lines. */
	struct sip_via vias[SIP_MAX_VIAS];
	uint8_t n_vias;

	struct sip_nameaddr from;
	struct sip_nameaddr to;
	struct rgl_slice call_id;

	bool has_cseq;
	uint32_t cseq;
	struct rgl_slice cseq_method;

	int32_t max_forwards; /**< -1 when absent */

	struct rgl_slice event;        /**< whole Event value */
	struct rgl_slice event_type;   /**< event-type token ("reg") */
	struct rgl_slice event_id;     /**< id parameter, absent when none */

	struct rgl_slice subs_state;        /**< whole Subscription-State value */
	struct rgl_slice subs_state_value;  /**< "active" / "pending" / "terminated" / ... */
	int64_t subs_expires;               /**< -1 when absent */
	int64_t subs_retry_after;           /**< -1 when absent */
	struct rgl_slice subs_reason;       /**< absent when none */

	struct rgl_slice content_type;        /**< whole value */
	struct rgl_slice content_type_type;   /**< "application" */
	struct rgl_slice content_type_sub;    /**< "reginfo+xml" */
	struct rgl_slice content_type_params; /**< text after the first ';', may be absent */

	struct rgl_slice content_encoding; /**< whole value, absent when none */

	int64_t content_length; /**< -1 when absent */

	struct rgl_slice require[SIP_MAX_REQUIRE]; /**< option tags, in order */
	uint8_t n_require;

	struct rgl_slice contact; /**< whole first Contact value */

	struct rgl_slice body; /**< framed per RFC 3261 18.3; may be empty */

	/** First problem found, SIP_ERR_OK if none (same as the return value). */
	enum sip_err err;
};

/**
 * Parse one SIP message from a UDP payload.
 *
 * Context: any thread; no allocation, no copy; @p m is output only: every
 * field is set, except that entries of headers[], vias[] and require[] at
 * and beyond n_headers, n_vias and n_require are left as they were.
 * @param buf  the datagram's payload (need not be NUL-terminated)
 * @param len  its length in bytes
 * @param m    filled with slices into @p buf
 * @return SIP_ERR_OK, or the first problem found (also stored in m->err).
 *   Even on error, m->kind, the request line, the Vias and the other
 *   headers found so far are filled, so a response can still be built.
 */
enum sip_err sip_parse(const char *buf, size_t len, struct sip_msg *m);

/**
 * Header-name lookup, long or compact form, case-insensitive.
 * @return the enum sip_hdr for @p name, SIP_HDR_OTHER when unknown.
 */
enum sip_hdr sip_header_id(const char *name, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_SIP_H */
