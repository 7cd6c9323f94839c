// SPDX-License-Identifier: MIT
/*
 * IP reassembly cost (dataplane/net_frag.c, through net_classify()): time
 * per fragment and per datagram for 2- to 45-fragment NOTIFYs at MTU 1500,
 * IPv4 and IPv6, in order and shuffled. Counters: t_frag and t_dgram are
 * seconds per fragment / per datagram (printed as e.g. "61n" = 61 ns).
 *
 * What is timed: net_classify() of every fragment, i.e. per fragment the
 * L2/L3 checks plus reassembly, and on the completing one the chaining,
 * the header fix-up and the UDP checksum of the whole datagram in software
 * (csum=1; with csum=0 the IPv4 datagram carries none and that part is
 * skipped, which isolates reassembly). Making the fragment mbufs and
 * freeing the datagrams is not timed (done in batches with the timer
 * paused). For comparison: rte_ip_frag on the same 2- and 8-fragment sets
 * (it cannot take more), called directly without the L2/L3 checks, and
 * net_classify() of one unfragmented datagram, i.e. the per-fragment parse
 * that is part of every t_frag above.
 *
 * Starts its own EAL: -l 0 --no-huge -m 256 --no-pci --no-shconf.
 */

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <reglane/net.h>

namespace {

const uint8_t MAC_US[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t MAC_PEER[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t IP4_US[4] = { 198, 51, 100, 10 };
const uint8_t IP4_PEER[4] = { 192, 0, 2, 20 };
const uint8_t IP6_US[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
const uint8_t IP6_PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };

rte_mempool *pool;
net_config cfg;
net_lcore lc;
uint64_t now;

void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t
sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

uint16_t
fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* The fragments of one UDP datagram to us, as frames, in feeding order. */
struct fragset {
	std::vector<std::vector<uint8_t>> frames;
	uint32_t l3_len; /* IPv4 header / IPv6 header + fragment header */
};

fragset
make_set(int fam, unsigned nf, bool shuffled, bool csum)
{
	uint32_t per = fam == 4 ? 1480 : 1448;
	uint32_t blen = fam == 4 && nf == 45 ? 65515 : per * (nf - 1) + per / 2;
	std::vector<uint8_t> body(blen);
	size_t alen = fam == 4 ? 4 : 16;
	const uint8_t *src = fam == 4 ? IP4_PEER : IP6_PEER, *dst = fam == 4 ? IP4_US : IP6_US;
	fragset fs;

	put16(&body[0], 5062);
	put16(&body[2], 5060);
	put16(&body[4], blen);
	std::memcpy(&body[8], "NOTIFY sip:x SIP/2.0\r\n", 22);
	for (uint32_t i = 30; i < blen; i++)
		body[i] = (uint8_t)('A' + i % 26);
	if (csum || fam == 6) {
		uint32_t acc = sum16(src, alen, sum16(dst, alen, 0)) + 17 + blen;
		uint16_t c = (uint16_t)~fold(sum16(body.data(), blen, acc));

		put16(&body[6], c == 0 ? 0xffff : c);
	}
	fs.l3_len = fam == 4 ? 20 : 48;
	for (uint32_t ofs = 0; ofs < blen; ofs += per) {
		uint32_t len = blen - ofs < per ? blen - ofs : per;
		bool more = ofs + len < blen;
		std::vector<uint8_t> f(14 + fs.l3_len + len);
		uint8_t *ip = &f[14];

		std::memcpy(&f[0], MAC_US, 6);
		std::memcpy(&f[6], MAC_PEER, 6);
		put16(&f[12], fam == 4 ? 0x0800 : 0x86dd);
		if (fam == 4) {
			ip[0] = 0x45;
			put16(ip + 2, 20 + len);
			put16(ip + 4, 0x1234);
			put16(ip + 6, (more ? 0x2000 : 0) | ofs / 8);
			ip[8] = 64;
			ip[9] = 17;
			std::memcpy(ip + 12, src, 4);
			std::memcpy(ip + 16, dst, 4);
			put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
		} else {
			ip[0] = 0x60;
			put16(ip + 4, 8 + len);
			ip[6] = 44;
			ip[7] = 64;
			std::memcpy(ip + 8, src, 16);
			std::memcpy(ip + 24, dst, 16);
			ip[40] = 17;
			put16(ip + 42, ofs | (more ? 1 : 0));
			put16(ip + 46, 0x5678);
		}
		std::memcpy(ip + fs.l3_len, &body[ofs], len);
		fs.frames.push_back(std::move(f));
	}
	if (shuffled) {
		uint64_t r = 0x9e3779b97f4a7c15ull;

		for (size_t i = fs.frames.size() - 1; i > 0; i--) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			std::swap(fs.frames[i], fs.frames[r % (i + 1)]);
		}
	}
	return fs;
}

/* Datagrams per timed batch: enough classify calls to dwarf the pause. */
unsigned
batch_of(unsigned nf)
{
	return nf >= 32 ? 16 : 512 / nf;
}

/* @p n mbufs holding the set's frames, batch after batch. */
bool
fill(const fragset &fs, rte_mbuf **ms, unsigned n)
{
	size_t nf = fs.frames.size();

	if (rte_pktmbuf_alloc_bulk(pool, ms, n) != 0)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const std::vector<uint8_t> &f = fs.frames[i % nf];

		std::memcpy(rte_pktmbuf_append(ms[i], (uint16_t)f.size()), f.data(), f.size());
	}
	return true;
}

void
set_counters(benchmark::State &st, unsigned nf, uint64_t dgrams)
{
	st.SetItemsProcessed((int64_t)(dgrams * nf));
	st.counters["t_frag"] = benchmark::Counter((double)(dgrams * nf),
						   benchmark::Counter::kIsRate |
							   benchmark::Counter::kInvert);
	st.counters["t_dgram"] = benchmark::Counter((double)dgrams,
						    benchmark::Counter::kIsRate |
							    benchmark::Counter::kInvert);
}

/* Args: family, fragments, shuffled, UDP checksum. */
void
BM_Reasm(benchmark::State &st)
{
	int fam = (int)st.range(0);
	unsigned nf = (unsigned)st.range(1);
	fragset fs = make_set(fam, nf, st.range(2) != 0, st.range(3) != 0);
	unsigned k = batch_of(nf), n = k * nf;
	std::vector<rte_mbuf *> ms(n), out(k);
	uint64_t dgrams = 0;

	if (fs.frames.size() != nf) {
		st.SkipWithError("wrong fragment count");
		return;
	}
	for (auto _ : st) {
		unsigned got = 0;

		st.PauseTiming();
		if (!fill(fs, ms.data(), n)) {
			st.SkipWithError("mempool empty");
			break;
		}
		st.ResumeTiming();
		for (unsigned i = 0; i < n; i++) {
			net_pkt res;
			net_verdict v = net_classify(&lc, ms[i], now, &res);

			if (v == NET_V_SIP)
				out[got++] = res.m;
			else if (v != NET_V_HELD)
				rte_pktmbuf_free(res.m);
		}
		st.PauseTiming();
		rte_pktmbuf_free_bulk(out.data(), got);
		net_frag_flush(&lc);
		if (got != k) {
			st.SkipWithError("a datagram was not reassembled");
			break;
		}
		dgrams += k;
		st.ResumeTiming();
	}
	set_counters(st, nf, dgrams);
}

BENCHMARK(BM_Reasm)
	->ArgNames({ "fam", "frags", "shuffled", "csum" })
	->Args({ 4, 2, 0, 0 })
	->Args({ 4, 8, 0, 0 })
	->Args({ 4, 8, 1, 0 })
	->Args({ 4, 18, 0, 0 })
	->Args({ 4, 18, 1, 0 })
	->Args({ 4, 45, 0, 0 })
	->Args({ 4, 45, 1, 0 })
	->Args({ 4, 18, 1, 1 })
	->Args({ 4, 45, 1, 1 })
	->Args({ 6, 18, 1, 1 })
	->Args({ 6, 45, 1, 1 });

/* The reference for up to 8 fragments, IPv4, called directly. */
void
BM_RteIpFrag(benchmark::State &st)
{
	unsigned nf = (unsigned)st.range(0);
	fragset fs = make_set(4, nf, st.range(1) != 0, false);
	unsigned k = batch_of(nf), n = k * nf;
	std::vector<rte_mbuf *> ms(n), out(k);
	rte_ip_frag_tbl *tbl = rte_ip_frag_table_create(512, 8, 4096, lc.frag_ttl_cycles,
							 SOCKET_ID_ANY);
	rte_ip_frag_death_row dr;
	uint64_t dgrams = 0;

	dr.cnt = 0;
	if (tbl == NULL) {
		st.SkipWithError("rte_ip_frag_table_create failed");
		return;
	}
	for (auto _ : st) {
		unsigned got = 0;

		st.PauseTiming();
		if (!fill(fs, ms.data(), n)) {
			st.SkipWithError("mempool empty");
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			ms[i]->l2_len = 14;
			ms[i]->l3_len = 20;
		}
		st.ResumeTiming();
		for (unsigned i = 0; i < n; i++) {
			rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(ms[i], rte_ipv4_hdr *, 14);
			rte_mbuf *r = rte_ipv4_frag_reassemble_packet(tbl, &dr, ms[i], now, ip);

			if (r != NULL)
				out[got++] = r;
		}
		st.PauseTiming();
		rte_pktmbuf_free_bulk(out.data(), got);
		rte_ip_frag_free_death_row(&dr, 0);
		if (got != k) {
			st.SkipWithError("a datagram was not reassembled");
			break;
		}
		dgrams += k;
		st.ResumeTiming();
	}
	rte_ip_frag_table_destroy(tbl);
	set_counters(st, nf, dgrams);
}

BENCHMARK(BM_RteIpFrag)->ArgNames({ "frags", "shuffled" })->Args({ 2, 0 })->Args({ 8, 0 })->Args({ 8, 1 });

/* net_classify() of one unfragmented 1,000-byte IPv4 datagram, no UDP checksum. */
void
BM_ClassifyWhole(benchmark::State &st)
{
	fragset fs = make_set(4, 1, false, false);
	rte_mbuf *m;
	uint64_t n = 0;

	if (!fill(fs, &m, 1)) {
		st.SkipWithError("mempool empty");
		return;
	}
	for (auto _ : st) {
		net_pkt res;

		/* Classifying an unfragmented datagram leaves it as it was. */
		benchmark::DoNotOptimize(net_classify(&lc, m, now, &res));
		n++;
	}
	rte_pktmbuf_free(m);
	set_counters(st, 1, n);
}

BENCHMARK(BM_ClassifyWhole);

} // namespace

int
main(int argc, char **argv)
{
	std::string prefix = "--file-prefix=bench_reasm_" + std::to_string(getpid());
	std::vector<std::string> eal_args = { "bench_reasm", "-l", "0", "--no-huge", "-m", "256",
					      "--no-pci", "--no-shconf", prefix };
	std::vector<char *> eal_argv;
	int rc;

	for (std::string &a : eal_args)
		eal_argv.push_back(&a[0]);
	if (rte_eal_init((int)eal_argv.size(), eal_argv.data()) < 0) {
		std::fprintf(stderr, "bench_reasm: rte_eal_init failed\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("bench_reasm", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	std::memset(&cfg, 0, sizeof(cfg));
	cfg.sip_port = 5060;
	std::memcpy(&cfg.mac, MAC_US, 6);
	cfg.n_ip4 = 1;
	std::memcpy(&cfg.ip4[0], IP4_US, 4);
	cfg.n_ip6 = 1;
	std::memcpy(cfg.ip6[0], IP6_US, 16);
	cfg.frag_max_entries = 4096;
	cfg.frag_timeout_ms = 2000;
	if (pool == NULL || net_lcore_init(&lc, &cfg, SOCKET_ID_ANY) != 0) {
		std::fprintf(stderr, "bench_reasm: mempool or reassembly table\n");
		return 2;
	}
	now = rte_rdtsc();

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();

	net_lcore_fini(&lc);
	rc = rte_mempool_in_use_count(pool) == 0 ? 0 : 1;
	if (rc != 0)
		std::fprintf(stderr, "bench_reasm: %u mbufs leaked\n",
			     rte_mempool_in_use_count(pool));
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
