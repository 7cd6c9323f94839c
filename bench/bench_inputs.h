// SPDX-License-Identifier: MIT
//
// The realistic inputs every micro-benchmark shares, so that "a 2-contact
// NOTIFY" means the same bytes in bench_sip_parse, bench_reginfo,
// bench_sip_reply, bench_aor_norm and the stage figures of bench_pipeline.
//
// Shape (an IMS core's reg-event NOTIFY to a CPM participating function,
// header for header as tools/reggen writes them): three Vias, 685 bytes of
// headers, and a reginfo body with one registration whose contacts carry
// an IMEI +sip.instance, percent-encoded CPM ICSIs in +g.3gpp.icsi-ref,
// +g.3gpp.smsip and a pub-gruu each. 1, 2 and 4 contacts give bodies of
// 743, 1242 and 2240 bytes and NOTIFYs of 1427, 1927 and 2925 bytes: the
// 2-contact one ("ims2" in docs/benchmarks.md) is the realistic IMS
// NOTIFY the figures are quoted for, and it does not fit a 1500-byte MTU.
//
// The user number appears as "+12025550101" everywhere (From, AoR, contact
// URIs, GRUUs), so bench_pipeline can turn the text into any user by
// rewriting that one token.

#ifndef REGLANE_BENCH_INPUTS_H
#define REGLANE_BENCH_INPUTS_H

#include <cstdio>
#include <string>

namespace bench_inputs {

/** The user number every input is written for (12 characters). */
inline const char *
number()
{
	return "+12025550101";
}

/** A reginfo document with @p contacts contacts (1..9). */
inline std::string
reginfo_body(int contacts, unsigned version = 12, const char *state = "full")
{
	char head[512];
	std::snprintf(head, sizeof(head),
		      "<?xml version=\"1.0\"?>\n"
		      "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" "
		      "xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\" version=\"%u\" state=\"%s\">\n"
		      "<registration aor=\"sip:+12025550101@ims.example.net\" id=\"a1\" "
		      "state=\"active\">\n",
		      version, state);
	std::string b = head;

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
			      i, i + 1, i, i);
		b += c;
	}
	b += "</registration>\n</reginfo>\n";
	return b;
}

/**
 * A whole NOTIFY (685 bytes of headers) carrying @p body; compact header
 * forms when @p compact. An empty @p body gives a NOTIFY without
 * Content-Type (a subscription-state-only NOTIFY).
 */
inline std::string
notify(const std::string &body, bool compact = false, unsigned cseq = 700)
{
	std::string h = "NOTIFY sip:cpm-pf@198.51.100.10:5060 SIP/2.0\r\n";
	auto hdr = [&](const char *lng, const char *cmp, const std::string &v) {
		h += compact && cmp != nullptr ? cmp : lng;
		h += ": ";
		h += v;
		h += "\r\n";
	};

	hdr("Via", "v", "SIP/2.0/UDP 192.0.2.17:5060;branch=z9hG4bK53d0b7493957365c;rport");
	hdr("Via", "v", "SIP/2.0/UDP 10.10.6.11:5070;branch=z9hG4bK692029d2c165;rport=5070");
	hdr("Via", "v", "SIP/2.0/UDP hss-fe.ims.example.net;branch=z9hG4bKef4e536775eb");
	hdr("Max-Forwards", nullptr, "69");
	hdr("From", "f", "<sip:+12025550101@ims.example.net>;tag=7e7daa54");
	hdr("To", "t", "<sip:cpm-pf@as.ims.example.net>;tag=f7b6bef8");
	hdr("Call-ID", "i", "d4812df5fc854018@scscf-7.ims.example.net");
	hdr("CSeq", nullptr, std::to_string(cseq) + " NOTIFY");
	hdr("Contact", "m", "<sip:scscf-7.ims.example.net:5060>");
	hdr("Event", "o", "reg");
	hdr("Subscription-State", nullptr, "active;expires=600000");
	hdr("P-Charging-Vector", nullptr, "icid-value=716c5825adb26ac8;orig-ioi=ims.example.net");
	if (!body.empty())
		hdr("Content-Type", "c", "application/reginfo+xml");
	hdr("Content-Length", "l", std::to_string(body.size()));
	return h + "\r\n" + body;
}

/** The NOTIFY of @p contacts contacts (1, 2 or 4 in the benchmarks). */
inline std::string
notify_contacts(int contacts, bool compact = false)
{
	return notify(reginfo_body(contacts), compact);
}

} // namespace bench_inputs

#endif // REGLANE_BENCH_INPUTS_H
