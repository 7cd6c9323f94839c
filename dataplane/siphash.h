/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_SIPHASH_H
#define REGLANE_SIPHASH_H

/*
 * SipHash-1-3 (Aumasson and Bernstein; the round count Rust's and
 * CPython's hash tables use): a keyed 64-bit hash, so that keys chosen by
 * an attacker (AoRs, Call-IDs) cannot be made to collide without the
 * per-table secret. Private to dataplane/.
 */

#include <stddef.h>
#include <stdint.h>

uint64_t siphash13(const uint64_t key[2], const void *data, size_t len);

#endif /* REGLANE_SIPHASH_H */
