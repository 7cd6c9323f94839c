/* SPDX-License-Identifier: MIT */
/*
 * Server-transaction cache: SipHash known answers, RFC 3261 17.2.3 matching
 * for both branch styles, corpus case 015, Timer J expiry, eviction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/admission.h>
#include <reglane/config.h>
#include <reglane/sip.h>
#include <reglane/sip_reply.h>
#include <reglane/txn_cache.h>

#include "check.h"

#define CORPUS "../data/corpus/"

static const uint8_t seed[16] = { 0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

/* Reference SipHash-2-4-128 vectors (veorq/SipHash vectors_sip128): key
 * 00..0f, message 00..len-1. */
static void
test_siphash(void)
{
	static const struct {
		size_t len;
		uint8_t out[16];
	} v[] = {
		{ 0, { 0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6, 0x6d, 0xf6, 0x72, 0x14,
		       0xc7, 0x55, 0x02, 0x93 } },
		{ 1, { 0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44, 0x34, 0x76, 0x59, 0x11,
		       0x9b, 0x22, 0xfc, 0x45 } },
		{ 2, { 0x81, 0x77, 0x22, 0x8d, 0xa4, 0xa4, 0x5d, 0xc7, 0xfc, 0xa3, 0x8b, 0xde,
		       0xf6, 0x0a, 0xff, 0xe4 } },
		{ 7, { 0xa1, 0xf1, 0xeb, 0xbe, 0xd8, 0xdb, 0xc1, 0x53, 0xc0, 0xb8, 0x4a, 0xa6,
		       0x1f, 0xf0, 0x82, 0x39 } },
		{ 8, { 0x3b, 0x62, 0xa9, 0xba, 0x62, 0x58, 0xf5, 0x61, 0x0f, 0x83, 0xe2, 0x64,
		       0xf3, 0x14, 0x97, 0xb4 } },
		{ 15, { 0x54, 0x93, 0xe9, 0x99, 0x33, 0xb0, 0xa8, 0x11, 0x7e, 0x08, 0xec, 0x0f,
			0x97, 0xcf, 0xc3, 0xd9 } },
		{ 63, { 0x51, 0x50, 0xd1, 0x77, 0x2f, 0x50, 0x83, 0x4a, 0x50, 0x3e, 0x06, 0x9a,
			0x97, 0x3f, 0xbd, 0x7c } },
	};
	uint8_t key[16], msg[64], out[16];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		txn_siphash128(key, msg, v[i].len, out);
		if (memcmp(out, v[i].out, 16) != 0)
			fprintf(stderr, "siphash128 vector len %zu differs\n", v[i].len);
		CHECK(memcmp(out, v[i].out, 16) == 0);
	}
}

static struct txn_cache *
new_cache(uint32_t n)
{
	struct txn_cache *c = malloc(sizeof(*c));
	void *mem = aligned_alloc(64, txn_cache_mem_size(n));

	if (c == NULL || mem == NULL || txn_cache_init(c, mem, n, seed) != 0) {
		fprintf(stderr, "cannot create cache of %u\n", n);
		exit(2);
	}
	return c;
}

static void
free_cache(struct txn_cache *c)
{
	free(c->slots);
	free(c);
}

static void
test_init(void)
{
	struct txn_cache c;
	uint8_t mem[64 * sizeof(struct txn_entry)];

	CHECK_INT(txn_cache_mem_size(0), 0);
	CHECK_INT(txn_cache_mem_size(4), 0);
	CHECK_INT(txn_cache_mem_size(100), 0);
	CHECK_INT(txn_cache_mem_size(64), 64 * sizeof(struct txn_entry));
	CHECK_INT(txn_cache_init(&c, mem, 100, seed), -22);
	CHECK_INT(txn_cache_init(&c, NULL, 64, seed), -22);
	CHECK_INT(txn_cache_init(&c, mem, 64, seed), 0);
	/* An entry fits in 40 bytes: 65536 of them are 2.5 MiB per lcore. */
	CHECK(sizeof(struct txn_entry) <= 40);
}

/* Parse @p text into a fresh message (freed by the caller). */
static struct sip_msg *
parse(const char *text)
{
	struct sip_msg *m = malloc(sizeof(*m));

	CHECK_INT(sip_parse(text, strlen(text), m), SIP_ERR_OK);
	return m;
}

static void
key_of(const struct txn_cache *c, const char *text, struct txn_key *k)
{
	struct sip_msg *m = parse(text);

	txn_cache_key(c, m, k);
	free(m);
}

static int
same(const struct txn_key *a, const struct txn_key *b)
{
	return a->lo == b->lo && a->hi == b->hi;
}

#define REQ(via, cseq, totag, callid)                                                  \
	"NOTIFY sip:cpm-as@198.51.100.10 SIP/2.0\r\n"                                  \
	"Via: SIP/2.0/UDP " via "\r\n"                                                 \
	"From: <sip:+12025550100@ims.example.net>;tag=f1\r\n"                          \
	"To: <sip:cpm-as@as.example.net>;tag=" totag "\r\n"                            \
	"Call-ID: " callid "\r\n"                                                      \
	"CSeq: " cseq " NOTIFY\r\n"                                                    \
	"Event: reg\r\nSubscription-State: active\r\nContent-Length: 0\r\n\r\n"

static void
test_key_rfc3261(void)
{
	struct txn_cache *c = new_cache(64);
	struct txn_key a, b;

	key_of(c, REQ("192.0.2.20:5060;branch=z9hG4bK-1", "1", "t1", "c1"), &a);
	key_of(c, REQ("192.0.2.20:5060;branch=z9hG4bK-1", "1", "t1", "c1"), &b);
	CHECK(same(&a, &b));
	/* Host case and other Via parameters do not matter; branch, port,
	 * Call-ID do. CSeq and tags are not part of the 3261 rule. */
	key_of(c, REQ("SCSCF.example.net:5060;branch=z9hG4bK-1", "1", "t1", "c1"), &a);
	key_of(c, REQ("scscf.EXAMPLE.net:5060;rport;branch=z9hG4bK-1", "1", "t1", "c1"), &b);
	CHECK(same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060;branch=z9hG4bK-1", "1", "t1", "c1"), &a);
	key_of(c, REQ("192.0.2.20:5060;branch=z9hG4bK-2", "1", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	key_of(c, REQ("192.0.2.20:5062;branch=z9hG4bK-1", "1", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	key_of(c, REQ("192.0.2.21:5060;branch=z9hG4bK-1", "1", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060;branch=z9hG4bK-1", "1", "t1", "c2"), &b);
	CHECK(!same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060;branch=z9hG4bK-1", "2", "t2", "c1"), &b);
	CHECK(same(&a, &b));
	/* Another seed gives other keys (a sender cannot aim at a bucket). */
	{
		struct txn_cache *c2 = malloc(sizeof(*c2));
		uint8_t seed2[16] = { 1 };
		void *mem = aligned_alloc(64, txn_cache_mem_size(64));

		CHECK_INT(txn_cache_init(c2, mem, 64, seed2), 0);
		key_of(c2, REQ("192.0.2.20:5060;branch=z9hG4bK-1", "1", "t1", "c1"), &b);
		CHECK(!same(&a, &b));
		free_cache(c2);
	}
	free_cache(c);
}

static void
test_key_rfc2543(void)
{
	struct txn_cache *c = new_cache(64);
	struct txn_key a, b;

	/* No magic cookie: Request-URI, tags, Call-ID, CSeq and the top Via. */
	key_of(c, REQ("192.0.2.20:5060;branch=old-1", "1", "t1", "c1"), &a);
	key_of(c, REQ("192.0.2.20:5060;branch=old-1", "1", "t1", "c1"), &b);
	CHECK(same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060;branch=old-1", "2", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060;branch=old-1", "1", "t2", "c1"), &b);
	CHECK(!same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060;branch=old-1", "1", "t1", "c2"), &b);
	CHECK(!same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060;branch=old-2", "1", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	/* No branch at all is the same rule. */
	key_of(c, REQ("192.0.2.20:5060", "1", "t1", "c1"), &a);
	key_of(c, REQ("192.0.2.20:5060", "1", "t1", "c1"), &b);
	CHECK(same(&a, &b));
	key_of(c, REQ("192.0.2.20:5060", "2", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	/* "z9hG4bK" alone (nothing after the cookie) is not a 3261 branch ID,
	 * and the cookie is case-sensitive. */
	key_of(c, REQ("192.0.2.20:5060;branch=Z9HG4BK-1", "1", "t1", "c1"), &a);
	key_of(c, REQ("192.0.2.20:5060;branch=Z9HG4BK-1", "2", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	/* A 3261 and a 2543 request with otherwise equal fields differ. */
	key_of(c, REQ("192.0.2.20:5060;branch=z9hG4bK-1", "1", "t1", "c1"), &a);
	key_of(c, REQ("192.0.2.20:5060;branch=old-1", "1", "t1", "c1"), &b);
	CHECK(!same(&a, &b));
	free_cache(c);
}

/* Case 015: 04 is 02 again; it is answered from the cache, not reprocessed. */
static void
test_case_015(void)
{
	static const char *const files[] = { "01.sip", "02.sip", "03.sip", "04.sip" };
	struct txn_cache *c = new_cache(1024);
	struct reglane_config cfg;
	struct admit_ctx ctx;
	struct txn_key keys[4];
	struct sip_endpoint src = { .family = 4, .addr = { 192, 0, 2, 20 }, .port = 5060 };
	int processed = 0, replayed = 0;
	uint64_t now = 1000000;

	config_defaults(&cfg);
	admit_ctx_init(&ctx, &cfg, 0xabc);
	for (int i = 0; i < 4; i++) {
		char path[256];
		size_t len;
		char *buf;
		struct sip_msg *m = malloc(sizeof(*m));
		struct sip_reply_opts o;
		const struct txn_reply *r;

		snprintf(path, sizeof(path), CORPUS "015-udp-retransmission-same-branch/%s",
			 files[i]);
		buf = check_read_file(path, &len);
		sip_parse(buf, len, m);
		CHECK_INT(admit_phase_a(&ctx, m, &src, &o), RGL_V_CONTINUE);
		txn_cache_key(c, m, &keys[i]);
		r = txn_cache_lookup(c, &keys[i], now);
		if (r != NULL) {
			/* Step 4: the stored 200, nothing else. */
			replayed++;
			CHECK_INT(r->status, 200);
			admit_replay_opts(&ctx, m, r, &o);
			CHECK_INT(o.tag_secret, 0xabc);
		} else {
			struct txn_reply save;

			processed++;
			CHECK_INT(admit_phase_b(&ctx, m, &o), RGL_V_CONTINUE);
			CHECK_INT(admit_phase_c(&ctx, m, &o), RGL_V_ACCEPT_BODY);
			txn_reply_save(&save, 200, &o);
			txn_cache_insert(c, &keys[i], &save, now);
		}
		now += 1500; /* steps 1.5 s apart: all within Timer J */
		free(buf);
		free(m);
	}
	CHECK_INT(processed, 3);
	CHECK_INT(replayed, 1);
	CHECK(same(&keys[1], &keys[3]));
	CHECK(!same(&keys[0], &keys[1]) && !same(&keys[1], &keys[2]) && !same(&keys[0], &keys[2]));
	CHECK_INT(c->hits, 1);
	CHECK_INT(c->inserts, 3);
	free_cache(c);
}

static struct txn_key
synth_key(uint64_t i)
{
	/* Keys as a real hash would give: distinct, spread over buckets. */
	struct txn_key k = { i * 0x9e3779b97f4a7c15ull + 1, (i + 1) * 0xc2b2ae3d27d4eb4full };

	return k;
}

static void
test_expiry(void)
{
	struct txn_cache *c = new_cache(64);
	struct txn_key k = synth_key(1);
	struct txn_reply r = { .status = 200 }, r2 = { .status = 500 };
	const struct txn_reply *got;

	txn_cache_insert(c, &k, &r, 5000);
	CHECK(txn_cache_lookup(c, &k, 5000) != NULL);
	got = txn_cache_lookup(c, &k, 5000 + TXN_TIMER_J_MS - 1);
	CHECK(got != NULL && got->status == 200);
	CHECK(txn_cache_lookup(c, &k, 5000 + TXN_TIMER_J_MS) == NULL);
	CHECK(txn_cache_lookup(c, &k, 5000 + 10 * TXN_TIMER_J_MS) == NULL);
	/* A clock that went backwards does not resurrect or keep entries. */
	CHECK(txn_cache_lookup(c, &k, 4999) == NULL);
	/* Re-inserting the same key replaces, it does not duplicate. */
	txn_cache_insert(c, &k, &r, 100000);
	txn_cache_insert(c, &k, &r2, 100001);
	got = txn_cache_lookup(c, &k, 100002);
	CHECK(got != NULL && got->status == 500);
	{
		int copies = 0;

		for (uint32_t i = 0; i <= c->mask; i++)
			copies += c->slots[i].key.lo == k.lo && c->slots[i].key.hi == k.hi;
		CHECK_INT(copies, 1);
	}
	CHECK_INT(c->evicted_live, 0);
	free_cache(c);
}

static void
test_eviction(void)
{
	struct txn_cache *c = new_cache(64);
	struct txn_reply r = { .status = 200 };
	const uint64_t n = 1000;
	uint64_t live = 0;

	/* Far more live transactions than entries: the oldest of a bucket goes. */
	for (uint64_t i = 0; i < n; i++) {
		struct txn_key k = synth_key(i);

		txn_cache_insert(c, &k, &r, 10000 + i);
	}
	CHECK_INT(c->inserts, n);
	CHECK_INT(c->evicted_live, n - 64);
	for (uint64_t i = 0; i < n; i++) {
		struct txn_key k = synth_key(i);

		live += txn_cache_lookup(c, &k, 10000 + n) != NULL;
	}
	CHECK_INT(live, 64);
	/* The newest key is always kept. */
	{
		struct txn_key k = synth_key(n - 1);

		CHECK(txn_cache_lookup(c, &k, 10000 + n) != NULL);
	}
	/* Within a bucket the survivors are the newest: the victim is the oldest. */
	{
		struct txn_entry *b = c->slots; /* bucket 0 */
		uint64_t min_t = UINT64_MAX;
		uint64_t count_newer = 0;

		for (unsigned i = 0; i < TXN_CACHE_WAYS; i++)
			if (b[i].sent_ms < min_t)
				min_t = b[i].sent_ms;
		/* Every key of bucket 0 inserted after min_t is still there. */
		for (uint64_t i = 0; i < n; i++) {
			struct txn_key k = synth_key(i);

			if (((uint32_t)k.hi & c->mask & ~(TXN_CACHE_WAYS - 1)) == 0 &&
			    10000 + i >= min_t) {
				CHECK(txn_cache_lookup(c, &k, 10000 + n) != NULL);
				count_newer++;
			}
		}
		CHECK_INT(count_newer, TXN_CACHE_WAYS);
	}
	/* Expired entries are reused before any live one is evicted. */
	{
		uint64_t before = c->evicted_live;

		for (uint64_t i = 0; i < 64; i++) {
			struct txn_key k = synth_key(5000 + i);

			txn_cache_insert(c, &k, &r, 10000 + n + TXN_TIMER_J_MS + i);
		}
		/* 64 consecutive synthetic keys fill each bucket with 8. */
		CHECK_INT(c->evicted_live, before);
	}
	free_cache(c);
}

static void
test_reply_save(void)
{
	struct sip_reply_opts o;
	struct txn_reply r;
	struct rgl_slice tags[1] = { { "foo", 3 } };

	memset(&o, 0, sizeof(o));
	o.reason = "Missing Event header field";
	o.accept = SIP_REPLY_ACCEPT_TYPE;
	o.retry_after = 30;
	o.unsupported = tags;
	o.n_unsupported = 1;
	txn_reply_save(&r, 420, &o);
	CHECK_INT(r.status, 420);
	CHECK(r.reason == o.reason);
	CHECK_INT(r.accept, SIP_REPLY_ACCEPT_TYPE);
	CHECK_INT(r.retry_after, 30);
	CHECK_INT(r.flags, TXN_REPLY_F_UNSUPPORTED);
	txn_reply_save(&r, 200, NULL);
	CHECK_INT(r.status, 200);
	CHECK(r.reason == NULL);
	CHECK_INT(r.flags, 0);
}

int
main(void)
{
	test_siphash();
	test_init();
	test_key_rfc3261();
	test_key_rfc2543();
	test_case_015();
	test_expiry();
	test_eviction();
	test_reply_save();
	return check_exit();
}
