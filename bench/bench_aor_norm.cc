// SPDX-License-Identifier: MIT
//
// Key normalization (aor_norm): what every table update and lookup pays
// per AoR before it hashes. Inputs are the AoR forms an IMS core sends for
// the user of bench_inputs.h: the SIP IMPU as in the NOTIFY, its tel: twin,
// the same number with visual separators and user=phone (which must fold
// into the tel: key), and a mixed-case sips: URI with escapes, a port and
// parameters (the slow path). Items are AoRs normalized.

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include <reglane/aor_norm.h>

namespace {

const char *const k_inputs[] = {
	"sip:+12025550101@ims.example.net",
	"tel:+12025550101",
	"<sip:+1-202-555-0101@IMS.Example.NET;user=phone>",
	"sips:Alice%41.%7e%2C@Example.COM.:5061;transport=tls;lr?subject=x",
};

void
BM_AorNorm(benchmark::State &state)
{
	const char *in = k_inputs[state.range(0)];
	const size_t len = std::strlen(in);
	char out[AOR_NORM_MAX];
	int n = aor_norm(in, len, out, sizeof(out));

	if (n <= 0) {
		state.SkipWithError("input does not normalize");
		return;
	}
	for (auto _ : state) {
		int r = aor_norm(in, len, out, sizeof(out));

		benchmark::DoNotOptimize(r);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
	state.SetLabel(std::string(out, static_cast<size_t>(n)));
	state.counters["in_bytes"] = static_cast<double>(len);
}

} // namespace

BENCHMARK(BM_AorNorm)->ArgName("form")->DenseRange(0, 3);

BENCHMARK_MAIN();
