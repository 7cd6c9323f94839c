// SPDX-License-Identifier: MIT
//
// Response building cost per request, the request parsed once up front (the
// worker has it parsed already when it answers). The NOTIFY is the shape an
// IMS core sends: three Vias over two header lines, rport on the top one
// (so received and rport are both written), From and To tags, an
// FQDN-heavy set of headers and a reginfo body the builder never looks at.

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <string>

#include <reglane/sip.h>
#include <reglane/sip_reply.h>

#include "bench_inputs.h"

namespace {

const char ims_notify[] =
	"NOTIFY sip:cpm-as@198.51.100.10:5060;transport=udp SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bK-sbc-5a1c9e0f;rport\r\n"
	"Via: SIP/2.0/UDP scscf1.ims.mnc001.mcc001.3gppnetwork.org:6060"
	";branch=z9hG4bK-scscf-77f2a90b3c,"
	" SIP/2.0/TCP 192.0.2.21:5070;branch=z9hG4bK-orig-1d2e3f;received=192.0.2.21\r\n"
	"Max-Forwards: 69\r\n"
	"From: <sip:+12025550150@ims.mnc001.mcc001.3gppnetwork.org>;tag=scscf-7f3ac4211\r\n"
	"To: <sip:cpm-as@as.ims.mnc001.mcc001.3gppnetwork.org>;tag=as-91c2c4d7e\r\n"
	"Call-ID: 1f6a9c3e-0b4d-4a57-9e21-c0ffee000042@scscf1.ims.mnc001.mcc001.3gppnetwork.org\r\n"
	"CSeq: 17 NOTIFY\r\n"
	"Contact: <sip:scscf1.ims.mnc001.mcc001.3gppnetwork.org:6060;transport=udp>\r\n"
	"Event: reg\r\n"
	"Subscription-State: active;expires=600000\r\n"
	"Content-Type: application/reginfo+xml\r\n"
	"Content-Length: 188\r\n"
	"\r\n"
	"<?xml version=\"1.0\"?>\n"
	"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"3\" state=\"partial\">\n"
	"<registration aor=\"sip:+12025550150@ims.example.net\" id=\"a7\" state=\"active\"/>\n"
	"</reginfo>\n";

// The same NOTIFY without a To tag: answered 481 (DESIGN.md "Responses on
// the wire"), which makes the builder generate a tag.
const char *
without_to_tag()
{
	static char buf[sizeof(ims_notify)];
	const char *tag = std::strstr(ims_notify, ";tag=as-91c2c4d7e");
	size_t head = static_cast<size_t>(tag - ims_notify), cut = std::strlen(";tag=as-91c2c4d7e");

	std::memcpy(buf, ims_notify, head);
	std::memcpy(buf + head, tag + cut, sizeof(ims_notify) - head - cut);
	return buf;
}

struct fixture {
	sip_msg req;
	sip_endpoint src;
	char out[2048];

	explicit fixture(const char *text)
	{
		std::memset(&src, 0, sizeof(src));
		src.family = 4;
		src.addr[0] = 192;
		src.addr[1] = 0;
		src.addr[2] = 2;
		src.addr[3] = 30;
		src.port = 5062;
		if (sip_parse(text, std::strlen(text), &req) != SIP_ERR_OK ||
		    req.n_vias != 3) {
			std::fprintf(stderr, "bench_sip_reply: sample NOTIFY does not parse\n");
			std::abort();
		}
	}
};

void
run(benchmark::State &state, fixture &f, unsigned status, const sip_reply_opts *opts)
{
	sip_endpoint dst;
	int len = 0;

	for (auto _ : state) {
		len = sip_reply_build(&f.req, &f.src, status, opts, f.out, sizeof(f.out), &dst);
		benchmark::DoNotOptimize(len);
		benchmark::DoNotOptimize(f.out);
		benchmark::ClobberMemory();
	}
	if (len <= 0) {
		state.SkipWithError("sip_reply_build failed");
		return;
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * len);
	state.counters["resp_bytes"] = len;
}

void
BM_reply_200_ims_notify(benchmark::State &state)
{
	sip_reply_opts opts{};

	opts.tag_secret = 0x9e3779b97f4a7c15ULL;
	static fixture f(ims_notify);

	run(state, f, 200, &opts);
}

void
BM_reply_400_reason(benchmark::State &state)
{
	sip_reply_opts opts{};

	opts.reason = "Bad Request - Missing Subscription-State header field";
	opts.tag_secret = 0x9e3779b97f4a7c15ULL;
	static fixture f(ims_notify);

	run(state, f, 400, &opts);
}

void
BM_reply_481_new_to_tag(benchmark::State &state)
{
	sip_reply_opts opts{};

	opts.tag_secret = 0x9e3779b97f4a7c15ULL;
	static fixture f(without_to_tag());

	run(state, f, 481, &opts);
}

// The 200 to the shared NOTIFYs of bench_inputs.h (1, 2, 4 contacts): the
// builder never reads the body, so the three should cost the same.
void
BM_reply_200(benchmark::State &state)
{
	static std::string text[5];
	const int contacts = static_cast<int>(state.range(0));
	sip_reply_opts opts{};

	if (text[contacts].empty())
		text[contacts] = bench_inputs::notify_contacts(contacts);
	opts.tag_secret = 0x9e3779b97f4a7c15ULL;
	fixture f(text[contacts].c_str());
	f.src.addr[3] = 17; // the top Via's sent-by in bench_inputs.h
	run(state, f, 200, &opts);
	state.counters["msg_bytes"] = static_cast<double>(text[contacts].size());
}

// The parse the worker does first, for scale.
void
BM_parse_ims_notify(benchmark::State &state)
{
	static sip_msg m;

	for (auto _ : state) {
		enum sip_err e = sip_parse(ims_notify, sizeof(ims_notify) - 1, &m);

		benchmark::DoNotOptimize(e);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

} // namespace

BENCHMARK(BM_reply_200_ims_notify);
BENCHMARK(BM_reply_200)->ArgName("contacts")->Arg(1)->Arg(2)->Arg(4);
BENCHMARK(BM_reply_400_reason);
BENCHMARK(BM_reply_481_new_to_tag);
BENCHMARK(BM_parse_ims_notify);

BENCHMARK_MAIN();
