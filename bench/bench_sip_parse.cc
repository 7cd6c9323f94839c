// SPDX-License-Identifier: MIT
//
// sip_parse() micro-benchmarks on the shared inputs of bench_inputs.h: the
// IMS reg-event NOTIFY (three Vias, 685 B of headers) with 1, 2 and 4
// contacts in its body (1.4, 1.9 and 2.9 KB in all), the 2-contact one in
// compact header form, the headers alone, and a minimal request. Items are
// NOTIFYs parsed; bytes are datagram bytes.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include <reglane/sip.h>

#include "bench_inputs.h"

namespace {

std::string
build_minimal()
{
	return "NOTIFY sip:as@198.51.100.10 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-m1\r\n"
	       "From: <sip:a@example.net>;tag=1\r\n"
	       "To: <sip:b@example.net>;tag=2\r\n"
	       "Call-ID: m1@example.net\r\n"
	       "CSeq: 1 NOTIFY\r\n"
	       "\r\n";
}

void
run(benchmark::State &state, const std::string &msg)
{
	static struct sip_msg m;
	size_t hdr_len = msg.find("\r\n\r\n") + 4;

	// Refuse to time a parse that fails: the numbers would be meaningless.
	if (sip_parse(msg.data(), msg.size(), &m) != SIP_ERR_OK) {
		state.SkipWithError(sip_err_str(m.err));
		return;
	}
	for (auto _ : state) {
		enum sip_err err = sip_parse(msg.data(), msg.size(), &m);

		benchmark::DoNotOptimize(err);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.size()));
	state.counters["msg_bytes"] = static_cast<double>(msg.size());
	state.counters["hdr_bytes"] = static_cast<double>(hdr_len);
	state.counters["headers"] = m.n_headers;
}

void
BM_SipParseImsNotify(benchmark::State &state)
{
	static std::string msg[5];
	const int contacts = static_cast<int>(state.range(0));

	if (msg[contacts].empty())
		msg[contacts] = bench_inputs::notify_contacts(contacts);
	run(state, msg[contacts]);
}

void
BM_SipParseImsNotifyCompact(benchmark::State &state)
{
	static const std::string msg = bench_inputs::notify_contacts(2, true);

	run(state, msg);
}

void
BM_SipParseImsNotifyNoBody(benchmark::State &state)
{
	static const std::string msg = bench_inputs::notify("");

	run(state, msg);
}

void
BM_SipParseMinimal(benchmark::State &state)
{
	static const std::string msg = build_minimal();

	run(state, msg);
}

// Header-name lookup alone, over the names the NOTIFY above carries.
void
BM_SipHeaderId(benchmark::State &state)
{
	static const char *const names[] = {
		"Via", "Max-Forwards", "From", "To", "Call-ID", "CSeq", "Contact", "Event",
		"Subscription-State", "User-Agent", "Content-Type", "Content-Length", "v", "f",
	};
	static size_t lens[sizeof(names) / sizeof(names[0])];
	const size_t n = sizeof(names) / sizeof(names[0]);

	for (size_t i = 0; i < n; i++)
		lens[i] = std::char_traits<char>::length(names[i]);
	for (auto _ : state) {
		for (size_t i = 0; i < n; i++)
			benchmark::DoNotOptimize(sip_header_id(names[i], lens[i]));
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

} // namespace

// With --benchmark_repetitions, also report the fastest run: on a shared
// machine the minimum is the most stable of the aggregates.
double
min_of(const std::vector<double> &v)
{
	return *std::min_element(v.begin(), v.end());
}

BENCHMARK(BM_SipParseImsNotify)
	->ArgName("contacts")
	->Arg(1)
	->Arg(2)
	->Arg(4)
	->ComputeStatistics("min", min_of);
BENCHMARK(BM_SipParseImsNotifyCompact)->ComputeStatistics("min", min_of);
BENCHMARK(BM_SipParseImsNotifyNoBody)->ComputeStatistics("min", min_of);
BENCHMARK(BM_SipParseMinimal)->ComputeStatistics("min", min_of);
BENCHMARK(BM_SipHeaderId)->ComputeStatistics("min", min_of);

BENCHMARK_MAIN();
