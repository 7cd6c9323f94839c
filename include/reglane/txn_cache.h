/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_TXN_CACHE_H
#define REGLANE_TXN_CACHE_H

/**
 * @file
 * Per-lcore cache of completed non-INVITE server transactions (RFC 3261
 * 17.2.2): a retransmitted NOTIFY is answered with the stored final response
 * and not processed again (SEMANTICS.md 1.2 step 4, corpus case 015).
 *
 * A transaction is identified as RFC 3261 17.2.3 says:
 * - top Via branch starting with the magic cookie "z9hG4bK": branch +
 *   sent-by (host, case-insensitive, and port) + method; reglane adds the
 *   Call-ID, which a retransmission repeats, against senders reusing a
 *   branch across calls;
 * - any other branch (RFC 2543 peers): Request-URI + From tag + To tag +
 *   Call-ID + CSeq (number and method) + the whole top Via value.
 * The fields are hashed with SipHash-2-4 (128-bit output) under a per-
 * process random key; two keys are the same transaction when all 128 bits
 * agree. A match between different transactions therefore needs a 2**-128
 * accident or the secret key, and a sender cannot aim its requests at one
 * bucket. Entries are fixed-size, so no key bytes are copied.
 *
 * Table: 2**n entries allocated by the caller at init, 8-way set-
 * associative (a key's bucket is 8 consecutive entries, 320 bytes). An
 * entry lives for Timer J = 64*T1 = 32 s after its response was sent;
 * insertion reuses the same key's entry, else an empty or expired entry of
 * the bucket, else evicts the bucket's oldest (counted in evicted_live: the
 * cache is too small for the offered load). No allocation after init.
 *
 * Concurrency: one cache per worker lcore; only that lcore calls any
 * function on it, so nothing is atomic. This is correct because RSS hashes
 * a UDP flow (addresses and ports) to one rx queue, hence one lcore, and a
 * retransmission comes from the same source address and port as the
 * original; an IP-fragmented retransmission is reassembled on the lcore
 * whose queue RSS picked for the fragments (same 2-tuple as the first
 * datagram's fragments, so again the same lcore).
 */

#include <stddef.h>
#include <stdint.h>

#include <reglane/sip.h>
#include <reglane/sip_reply.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TXN_TIMER_J_MS 32000u /**< 64 * T1 (T1 = 500 ms), UDP */
#define TXN_CACHE_WAYS 8u     /**< entries per bucket */

/** A transaction identity: 128 bits of keyed hash. */
struct txn_key {
	uint64_t lo, hi;
};

/** Bit in txn_reply.flags: a 420 whose Unsupported list is the Require list. */
#define TXN_REPLY_F_UNSUPPORTED 0x1

/** What is needed to send the same final response again. */
struct txn_reply {
	const char *reason;   /**< static storage only; NULL: standard phrase */
	uint32_t retry_after; /**< 503 Retry-After, 0: none */
	uint16_t status;      /**< 0 marks an empty entry */
	uint8_t accept;       /**< SIP_REPLY_ACCEPT_* bits for a 415 */
	uint8_t flags;        /**< TXN_REPLY_F_* */
};

/** One entry (public only so that callers can size the memory). */
struct txn_entry {
	struct txn_key key;
	uint64_t sent_ms; /**< when the final response was sent */
	struct txn_reply reply;
};

struct txn_cache {
	struct txn_entry *slots;
	uint32_t mask; /**< entries - 1 */
	uint64_t k0, k1; /**< SipHash key */
	/* Statistics, owner lcore only. */
	uint64_t hits;
	uint64_t inserts;
	uint64_t evicted_live; /**< an unexpired entry had to go: cache too small */
};

/**
 * Memory needed for @p n_entries (a power of two >= TXN_CACHE_WAYS);
 * 0 when @p n_entries is not acceptable. Align it to 64 bytes
 * (rte_zmalloc_socket on the lcore's socket, or aligned_alloc in tests).
 */
size_t txn_cache_mem_size(uint32_t n_entries);

/**
 * Initialise @p c over caller-provided memory (txn_cache_mem_size() bytes,
 * contents irrelevant: it is cleared).
 * Context: init path, any thread; afterwards only the owner lcore.
 * @param seed 16 random bytes (e.g. getrandom()), per process
 * @return 0, or -EINVAL (bad size, NULL memory)
 */
int txn_cache_init(struct txn_cache *c, void *mem, uint32_t n_entries, const uint8_t seed[16]);

/**
 * Compute the transaction key of request @p m (which has a top Via:
 * admit_phase_a() returned RGL_V_CONTINUE). Context: owner lcore.
 */
void txn_cache_key(const struct txn_cache *c, const struct sip_msg *m, struct txn_key *k);

/**
 * Find the response stored for @p k, if it was sent less than Timer J ago.
 * @param now_ms a monotonic millisecond clock (e.g. TSC-derived)
 * @return the stored reply (valid until the next insert), or NULL
 */
const struct txn_reply *txn_cache_lookup(struct txn_cache *c, const struct txn_key *k,
					 uint64_t now_ms);

/**
 * Remember the final response @p r sent at @p now_ms for transaction @p k.
 * r->reason must have static storage duration; r->status must be non-zero.
 */
void txn_cache_insert(struct txn_cache *c, const struct txn_key *k, const struct txn_reply *r,
		      uint64_t now_ms);

/** Fill @p r from the status and options a response was built with. */
void txn_reply_save(struct txn_reply *r, unsigned status, const struct sip_reply_opts *opts);

/**
 * SipHash-2-4 with 128-bit output (Aumasson and Bernstein, reference
 * "vectors_sip128"), the hash behind the keys; public for its known-answer
 * test.
 */
void txn_siphash128(const uint8_t key[16], const void *data, size_t len, uint8_t out[16]);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_TXN_CACHE_H */
