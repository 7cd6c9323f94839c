// SPDX-License-Identifier: MIT
//
// reginfo parse cost, one reused parser as a worker lcore holds it:
// reginfo_parse() (zero-copy scanner first, libxml2 when it declines), and
// each path alone (bm_reginfo_path/ref is libxml2 SAX2, the cost before the
// scanner existed). Bodies are IMS-shaped: an IMEI +sip.instance,
// percent-encoded CPM ICSIs in +g.3gpp.icsi-ref, +g.3gpp.smsip and a
// pub-gruu per contact; 1, 2 and 4 contacts give 0.74, 1.24 and 2.24 KB.
// Also measured: refusing the billion-laughs body (corpus 058), which must
// cost no more than a normal document.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <reglane/reginfo.h>

#include "bench_inputs.h"

namespace {

using parse_fn = int (*)(struct reginfo_parser *, const char *, size_t,
			 const struct reginfo_event **);

int
parse_default(struct reginfo_parser *p, const char *b, size_t n, const struct reginfo_event **ev)
{
	return reginfo_parse(p, b, n, ev);
}

int
parse_ref(struct reginfo_parser *p, const char *b, size_t n, const struct reginfo_event **ev)
{
	return reginfo_parse_ref(p, b, n, ev);
}

int
parse_fast(struct reginfo_parser *p, const char *b, size_t n, const struct reginfo_event **ev)
{
	return reginfo_parse_fast(p, b, n, ev);
}

// One reused parser per benchmark, as a worker lcore holds it.
void
run(benchmark::State &state, parse_fn fn, bool zero_copy)
{
	const int contacts = static_cast<int>(state.range(0));
	const std::string body = bench_inputs::reginfo_body(contacts);
	struct reginfo_parser *p = reginfo_parser_new(nullptr);
	const struct reginfo_event *ev = nullptr;

	if (p == nullptr) {
		state.SkipWithError("reginfo_parser_new failed");
		return;
	}
	reginfo_parser_set_zero_copy(p, zero_copy);
	int rc = fn(p, body.data(), body.size(), &ev);
	if (rc == REGINFO_NOT_HANDLED) {
		state.SkipWithError("the scanner leaves this document to libxml2");
		reginfo_parser_free(p);
		return;
	}
	if (rc != REGINFO_ERR_OK || ev->n_contacts != static_cast<uint32_t>(contacts)) {
		state.SkipWithError("body does not parse");
		reginfo_parser_free(p);
		return;
	}
	uint64_t fallbacks = reginfo_parser_fallbacks(p);
	for (auto _ : state) {
		int err = fn(p, body.data(), body.size(), &ev);

		benchmark::DoNotOptimize(err);
		benchmark::DoNotOptimize(ev->n_params);
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(body.size()));
	state.counters["body_bytes"] = static_cast<double>(body.size());
	// Share of the timed parses the scanner handed to libxml2.
	state.counters["fallback_pct"] =
		100.0 * static_cast<double>(reginfo_parser_fallbacks(p) - fallbacks) /
		static_cast<double>(state.iterations());
	reginfo_parser_free(p);
}

// What the worker calls: the scanner, libxml2 for what it leaves.
void
bm_reginfo_parse(benchmark::State &state)
{
	run(state, parse_default, false);
}
BENCHMARK(bm_reginfo_parse)->ArgName("contacts")->Arg(1)->Arg(2)->Arg(4);

// The same without the private copy of the body (slices into the datagram).
void
bm_reginfo_parse_zero_copy(benchmark::State &state)
{
	run(state, parse_default, true);
}
BENCHMARK(bm_reginfo_parse_zero_copy)->ArgName("contacts")->Arg(1)->Arg(2)->Arg(4);

// The zero-copy scanner alone.
void
bm_reginfo_scan(benchmark::State &state)
{
	run(state, parse_fast, true);
}
BENCHMARK(bm_reginfo_scan)->ArgName("contacts")->Arg(1)->Arg(2)->Arg(4);

// libxml2 SAX2 alone (reused push context): the full-fidelity path.
void
bm_reginfo_libxml2(benchmark::State &state)
{
	run(state, parse_ref, false);
}
BENCHMARK(bm_reginfo_libxml2)->ArgName("contacts")->Arg(1)->Arg(2)->Arg(4);

// The floor any parser of these bytes sits on: one memchr pass counting
// '<' over the body (what "~0.1 us per 1.1 KB" in docs/benchmarks.md is).
void
bm_memchr_pass(benchmark::State &state)
{
	const std::string body = bench_inputs::reginfo_body(static_cast<int>(state.range(0)));

	for (auto _ : state) {
		const char *p = body.data(), *end = p + body.size();
		size_t n = 0;

		benchmark::DoNotOptimize(p);
		while ((p = static_cast<const char *>(std::memchr(p, '<', (size_t)(end - p)))) !=
		       nullptr) {
			n++;
			p++;
		}
		benchmark::DoNotOptimize(n);
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(body.size()));
	state.counters["body_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(bm_memchr_pass)->ArgName("contacts")->Arg(1)->Arg(2)->Arg(4);

void
bm_reginfo_billion_laughs(benchmark::State &state)
{
	std::string body = "<?xml version=\"1.0\"?>\n<!DOCTYPE reginfo [\n <!ENTITY lol \"lol\">\n";
	struct reginfo_parser *p = reginfo_parser_new(nullptr);
	const struct reginfo_event *ev = nullptr;

	for (int i = 1; i <= 9; i++) {
		body += " <!ENTITY lol" + std::to_string(i) + " \"";
		for (int k = 0; k < 10; k++)
			body += (i == 1 ? std::string("&lol;") : "&lol" + std::to_string(i - 1) + ";");
		body += "\">\n";
	}
	body += "]>\n<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"0\" state=\"full\">"
		"<registration aor=\"sip:a@b\" id=\"r1\" state=\"active\"><contact id=\"c1\" "
		"state=\"active\" event=\"registered\"><uri>sip:a@b</uri>"
		"<display-name>&lol9;</display-name></contact></registration></reginfo>\n";
	if (p == nullptr) {
		state.SkipWithError("reginfo_parser_new failed");
		return;
	}
	for (auto _ : state) {
		enum reginfo_err err = reginfo_parse(p, body.data(), body.size(), &ev);

		if (err != REGINFO_ERR_DTD) {
			state.SkipWithError("billion laughs not refused");
			break;
		}
		benchmark::DoNotOptimize(err);
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(body.size()));
	reginfo_parser_free(p);
}
BENCHMARK(bm_reginfo_billion_laughs);

} // namespace

BENCHMARK_MAIN();
