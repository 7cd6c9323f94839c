// SPDX-License-Identifier: MIT
//
// reginfo parse cost with the libxml2 SAX2 parser, one reused parser as a
// worker lcore holds it. Bodies are IMS-shaped: an IMEI +sip.instance,
// percent-encoded CPM ICSIs in +g.3gpp.icsi-ref, +g.3gpp.smsip and a
// pub-gruu per contact; 1, 2 and 4 contacts give 0.74, 1.24 and 2.24 KB.
// Also measured: refusing the billion-laughs body (corpus 058), which must
// cost no more than a normal document.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <reglane/reginfo.h>

namespace {

std::string
make_body(int contacts)
{
	std::string b = "<?xml version=\"1.0\"?>\n"
			"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" "
			"xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\" version=\"12\" state=\"full\">\n"
			"<registration aor=\"sip:+12025550101@ims.example.net\" id=\"a1\" "
			"state=\"active\">\n";

	for (int i = 0; i < contacts; i++) {
		char c[1024];

		std::snprintf(c, sizeof(c),
			      "<contact id=\"c%d\" state=\"active\" event=\"registered\" "
			      "expires=\"3600\">\n"
			      "<uri>sip:+12025550101@10.45.0.%d:5060</uri>\n"
			      "<unknown-param name=\"+sip.instance\">"
			      "\"&lt;urn:gsma:imei:35332510-12345%d-9&gt;\"</unknown-param>\n"
			      "<unknown-param name=\"+g.3gpp.icsi-ref\">"
			      "\"urn%%3Aurn-7%%3A3gpp-service.ims.icsi.oma.cpm.msg,"
			      "urn%%3Aurn-7%%3A3gpp-service.ims.icsi.oma.cpm.session\"</unknown-param>\n"
			      "<unknown-param name=\"+g.3gpp.smsip\"/>\n"
			      "<gr:pub-gruu uri=\"sip:+12025550101@ims.example.net;"
			      "gr=urn:gsma:imei:35332510-12345%d-9\"/>\n"
			      "</contact>\n",
			      i, i, i, i);
		b += c;
	}
	b += "</registration>\n</reginfo>\n";
	return b;
}

void
bm_reginfo_parse(benchmark::State &state)
{
	const int contacts = static_cast<int>(state.range(0));
	const std::string body = make_body(contacts);
	struct reginfo_parser *p = reginfo_parser_new(nullptr);
	const struct reginfo_event *ev = nullptr;

	if (p == nullptr) {
		state.SkipWithError("reginfo_parser_new failed");
		return;
	}
	if (reginfo_parse(p, body.data(), body.size(), &ev) != REGINFO_ERR_OK ||
	    ev->n_contacts != static_cast<uint32_t>(contacts)) {
		state.SkipWithError("body does not parse");
		reginfo_parser_free(p);
		return;
	}
	for (auto _ : state) {
		enum reginfo_err err = reginfo_parse(p, body.data(), body.size(), &ev);

		benchmark::DoNotOptimize(err);
		benchmark::DoNotOptimize(ev->n_params);
	}
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(body.size()));
	state.counters["body_bytes"] = static_cast<double>(body.size());
	reginfo_parser_free(p);
}
BENCHMARK(bm_reginfo_parse)->Arg(1)->Arg(2)->Arg(4);

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
