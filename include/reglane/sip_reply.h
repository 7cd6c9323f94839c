/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_SIP_REPLY_H
#define REGLANE_SIP_REPLY_H

/**
 * @file
 * SIP responses to parsed requests (RFC 3261 8.2.6, 18.2.1/18.2.2, RFC 3581).
 *
 * sip_reply_build() writes a complete response into a caller-provided buffer
 * and tells where it must be sent. It never writes past the buffer; when the
 * buffer is too small it fails and leaves no partial guarantee on the bytes.
 *
 * Concurrency: pure function of its inputs; any thread.
 */

#include <stddef.h>
#include <stdint.h>

#include <reglane/sip.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REGLANE_VERSION_STRING "0.1.0"
#define REGLANE_SERVER_HEADER "reglane/" REGLANE_VERSION_STRING

/** An IP endpoint; family is 4 or 6, addr in network byte order. */
struct sip_endpoint {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port; /**< host byte order */
};

/** Optional parts of a response; zero-initialise and set what applies. */
struct sip_reply_opts {
	const char *reason;    /**< reason phrase; NULL: the standard one */
	uint32_t retry_after;  /**< 503: Retry-After seconds (0: omit) */
	/** 420: the unsupported option tags, copied into Unsupported. */
	const struct rgl_slice *unsupported;
	uint8_t n_unsupported;
	/** 415: which of Accept / Accept-Encoding to add. */
	uint8_t accept;          /**< bit 0: Accept, bit 1: Accept-Encoding */
	/** Secret mixed into generated To tags (per process, random at start). */
	uint64_t tag_secret;
};

#define SIP_REPLY_ACCEPT_TYPE 0x1
#define SIP_REPLY_ACCEPT_ENCODING 0x2

/** The standard reason phrase for a status code ("OK", "Bad Request", ...). */
const char *sip_reason_phrase(unsigned status);

/**
 * Build the response to @p req.
 *
 * Copies every Via in order, adding received= (and filling rport) in the top
 * one as RFC 3261 18.2.1 and RFC 3581 section 4 require for a request that
 * arrived from @p src; copies From, Call-ID and CSeq; copies To, adding a tag
 * when the request had none (the tag is a hash of the transaction and
 * opts->tag_secret, so a retransmission gets the same one); adds the
 * headers the status needs (Allow for 405 and for 200 to OPTIONS, Accept /
 * Accept-Encoding for 415, Unsupported for 420, Allow-Events for 489,
 * Retry-After for 503), a Server header, and Content-Length: 0.
 *
 * Context: any thread; no allocation.
 * @param req    a request parsed by sip_parse() with at least one Via
 * @param src    where the request came from (packet source address/port)
 * @param status 100..699
 * @param opts   optional parts, NULL for none
 * @param buf    output buffer
 * @param cap    its size
 * @param dst    out: where to send the response (RFC 3261 18.2.2, RFC 3581)
 * @return bytes written (> 0), -ENOSPC when @p cap is too small, -EINVAL
 *   when @p req has no Via or @p status is out of range.
 */
int sip_reply_build(const struct sip_msg *req, const struct sip_endpoint *src,
		    unsigned status, const struct sip_reply_opts *opts, char *buf,
		    size_t cap, struct sip_endpoint *dst);

/**
 * Where a response to @p req goes, without building it (18.2.2 + RFC 3581):
 * maddr (when an IP literal), else the source address with the rport port
 * when rport was requested, else the source address (which equals the sent-by
 * or went into received=) with the sent-by port or 5060.
 */
void sip_reply_destination(const struct sip_msg *req, const struct sip_endpoint *src,
			   struct sip_endpoint *dst);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_SIP_REPLY_H */
