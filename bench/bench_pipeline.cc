// SPDX-License-Identifier: MIT
//
// End-to-end pipeline benchmarks: prebuilt NOTIFY frames pushed through the
// real per-packet path of a worker lcore (dataplane/worker.c: classify,
// reassembly, SIP parse, admission, transaction cache, reginfo parse, table
// apply, reply built in the request mbuf), against a registration table
// pre-populated to N users.
//
//   BM_Memory        bytes per stored registration / user, RSS, fill rate
//   BM_Pipeline      worker_process_burst(): the per-packet path alone
//   BM_PipelineVdev  worker_poll_once() on a net_ring port: rx burst, the
//                    path, tx burst, reassembly housekeeping, quiescent state
//   BM_Stages        where the cycles go (pipeline_env.c stage harness)
//   BM_Workers       1 or 2 worker lcores draining pre-filled rx rings
//
// Arguments (ArgNames): users = table size before the run; shape 0 = the
// workload generator's users (tools/reggen, seed 12: implicit registration
// set sip:+tel:, 1-4 clients, 3.6-9.7 KB NOTIFYs, a full document then
// partial ones), shape 1 = the 2-contact IMS NOTIFY of bench_inputs.h
// (~1.8 KB, one registration, full documents); mtu 1500 (NOTIFYs arrive as
// IP fragments) or 9000; new = percent of NOTIFYs for users not yet stored
// (0: every NOTIFY updates a random stored user with the next version and
// CSeq); csum = 1 marks unfragmented frames' checksums as verified by the
// NIC (RTE_MBUF_F_RX_*_CKSUM_GOOD), as a real NIC's rx offload would.
//
// Frames are built per iteration outside the timed region (the NIC's DMA):
// the user's template with its number, Call-ID, CSeq, version, Via branch
// and Content-Length rewritten, UDP checksum computed, fragmented at the
// MTU, copied into mbufs, 256 NOTIFYs at a time (their frames sit in L2/L3
// as DDIO would leave them). Only the worker's code is timed, with the
// thread's CPU clock (UseManualTime): the CI machine is shared, and the wall
// clock would also count other processes' time slices (wall_ns_per_notify
// is reported next to it). Reply mbufs are freed untimed (a NIC's tx
// completion). BM_Workers times the wall clock, as it must, and reports the
// CPU share each worker got. Every run checks that each NOTIFY was answered
// 200 and reports the share of documents the table applied.
//
// Own flags (before Google Benchmark's): --sizes=1000,100000,1000000
// (default), --smoke (64 users, a few iterations: the bench-smoke suite),
// --pcap=FILE (the reggen capture; default: the one the build made).
// A size of 10000000 or more needs GBs: it is skipped with a message when
// MemAvailable cannot hold it.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <pcap/pcap.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "bench_inputs.h"
#include "pipeline_env.h"

#ifndef BENCH_REGGEN_PCAP
#define BENCH_REGGEN_PCAP "bench-reggen.pcap"
#endif

namespace {

constexpr unsigned kBurst = 32;         // the worker's default burst
constexpr unsigned kNotifiesPerIter = 256;
constexpr uint64_t kNumberBase = 2000000000ull; // user u is +1(2000000000 + u)

bool g_smoke = false;
std::vector<uint64_t> g_sizes = { 1000, 100000, 1000000 };
std::string g_pcap = BENCH_REGGEN_PCAP;
pipe_env *g_env = nullptr;
unsigned g_workers = 1;
rte_mempool *g_pool = nullptr;       // frames up to 2 KB (MTU 1500)
rte_mempool *g_pool_jumbo = nullptr; // frames up to MTU 9000, one segment
double g_ns_per_cycle = 0;

// ---- templates ------------------------------------------------------------

enum FieldKind { F_NUMBER, F_CALLID, F_BRANCH, F_CSEQ, F_VERSION, F_CLEN };

struct Field {
	size_t off, len;
	FieldKind kind;
	bool operator<(const Field &o) const { return off < o.off; }
};

struct Endpoint {
	uint8_t src_mac[6];
	uint8_t src_ip[4], dst_ip[4];
	uint16_t sport, dport;
};

// One NOTIFY as a template: its text and the spans to rewrite per user.
struct Template {
	std::string text;
	std::vector<Field> fields;
	size_t body_off = 0;
	size_t ver_len = 0;
	uint32_t cseq0 = 0;
};

// A user of the template set: a full document, then partial ones.
struct TemplateUser {
	Endpoint ep;
	std::vector<Template> docs;
};

struct Shape {
	const char *name;
	std::vector<TemplateUser> users;
	unsigned regs_per_user;
};

Shape g_shapes[2];

size_t
find_header(const std::string &t, size_t hdr_end, const char *lng, const char *cmp)
{
	for (const char *name : { lng, cmp }) {
		if (name == nullptr)
			continue;
		std::string pat = std::string("\r\n") + name + ":";
		size_t p = t.find(pat);
		if (p != std::string::npos && p < hdr_end) {
			p += pat.size();
			while (t[p] == ' ')
				p++;
			return p;
		}
	}
	return std::string::npos;
}

size_t
span_digits(const std::string &t, size_t p)
{
	size_t q = p;
	while (q < t.size() && t[q] >= '0' && t[q] <= '9')
		q++;
	return q - p;
}

// Find the rewritable spans of one NOTIFY. false when it lacks one.
bool
compile(Template *tp, const std::string &text)
{
	Template &t = *tp;
	size_t hdr_end = text.find("\r\n\r\n"), p, q;

	t.text = text;
	t.fields.clear();
	if (hdr_end == std::string::npos)
		return false;
	t.body_off = hdr_end + 4;

	// The user number: "+" and 11 digits in the From URI.
	p = find_header(text, hdr_end, "From", "f");
	if (p == std::string::npos || (p = text.find("sip:+", p)) == std::string::npos)
		return false;
	p += 4;
	if (span_digits(text, p + 1) != 11)
		return false;
	const std::string number = text.substr(p, 12);
	for (q = text.find(number); q != std::string::npos; q = text.find(number, q + 12))
		t.fields.push_back({ q, 12, F_NUMBER });

	p = find_header(text, hdr_end, "Call-ID", "i");
	if (p == std::string::npos || (q = text.find('@', p)) == std::string::npos || q > hdr_end)
		return false;
	t.fields.push_back({ p, q - p, F_CALLID });

	p = text.find("branch=z9hG4bK");
	if (p == std::string::npos || p > hdr_end)
		return false;
	p += 14;
	q = text.find_first_of(";,\r", p);
	t.fields.push_back({ p, q - p, F_BRANCH });

	p = find_header(text, hdr_end, "CSeq", nullptr);
	if (p == std::string::npos || span_digits(text, p) == 0)
		return false;
	t.cseq0 = (uint32_t)std::strtoul(text.c_str() + p, nullptr, 10);
	t.fields.push_back({ p, span_digits(text, p), F_CSEQ });

	p = find_header(text, hdr_end, "Content-Length", "l");
	if (p == std::string::npos || span_digits(text, p) == 0)
		return false;
	t.fields.push_back({ p, span_digits(text, p), F_CLEN });

	p = text.find("<reginfo", t.body_off);
	if (p == std::string::npos || (p = text.find(" version=\"", p)) == std::string::npos)
		return false;
	p += 10;
	t.ver_len = span_digits(text, p);
	t.fields.push_back({ p, t.ver_len, F_VERSION });

	std::sort(t.fields.begin(), t.fields.end());
	for (size_t i = 1; i < t.fields.size(); i++)
		if (t.fields[i].off < t.fields[i - 1].off + t.fields[i - 1].len)
			return false;
	return true;
}

char *
put_dec(char *o, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*o++ = tmp[--n];
	return o;
}

char *
put_hex16(char *o, uint64_t v)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--)
		*o++ = hx[(v >> (i * 4)) & 15];
	return o;
}

unsigned
dec_len(uint64_t v)
{
	unsigned n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

// The NOTIFY of @p t for user @p u at @p version (CSeq @p cseq0 + version),
// Via branch from @p seq.
size_t
emit(const Template &t, uint32_t cseq0, uint64_t u, uint32_t version, uint64_t seq, char *out)
{
	const char *src = t.text.data();
	size_t body_len = t.text.size() - t.body_off - t.ver_len + dec_len(version);
	size_t at = 0;
	char *o = out;

	for (const Field &f : t.fields) {
		std::memcpy(o, src + at, f.off - at);
		o += f.off - at;
		switch (f.kind) {
		case F_NUMBER:
			*o++ = '+';
			*o++ = '1';
			o = put_dec(o, kNumberBase + u);
			break;
		case F_CALLID: o = put_hex16(o, u); break;
		case F_BRANCH: o = put_hex16(o, seq); break;
		case F_CSEQ: o = put_dec(o, (uint64_t)cseq0 + version); break;
		case F_VERSION: o = put_dec(o, version); break;
		case F_CLEN: o = put_dec(o, body_len); break;
		}
		at = f.off + f.len;
	}
	std::memcpy(o, src + at, t.text.size() - at);
	o += t.text.size() - at;
	return (size_t)(o - out);
}

// ---- the reggen capture -----------------------------------------------------

struct Datagram {
	Endpoint ep;
	std::string payload;
};

// IPv4/UDP datagrams of a capture, fragments put back together (reggen
// sends a set in order unless --shuffle-fragments).
bool
read_capture(const std::string &path, std::vector<Datagram> *out)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path.c_str(), err);
	std::map<uint32_t, std::pair<Endpoint, std::string>> frags;
	struct pcap_pkthdr *h;
	const u_char *d;

	if (pc == nullptr) {
		std::fprintf(stderr, "bench_pipeline: %s\n", err);
		return false;
	}
	while (pcap_next_ex(pc, &h, &d) == 1) {
		if (h->caplen < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0x00)
			continue;
		const u_char *ip = d + 14;
		unsigned ihl = (ip[0] & 15) * 4, tot = (unsigned)ip[2] << 8 | ip[3];
		unsigned fo = ((unsigned)ip[6] << 8 | ip[7]) & 0x1fff, mf = ip[6] & 0x20;
		uint32_t id = (uint32_t)ip[4] << 8 | ip[5];
		if (ip[9] != 17 || 14 + tot > h->caplen)
			continue;
		Endpoint ep;
		std::memcpy(ep.src_mac, d + 6, 6);
		std::memcpy(ep.src_ip, ip + 12, 4);
		std::memcpy(ep.dst_ip, ip + 16, 4);
		std::string part((const char *)ip + ihl, tot - ihl);
		if (fo != 0 || mf) {
			auto &f = frags[id ^ (uint32_t)ip[15] << 16];
			if (fo == 0)
				f.first = ep;
			f.second += part; // in order: reggen does not shuffle here
			if (mf)
				continue;
			part = f.second;
			ep = f.first;
			frags.erase(id ^ (uint32_t)ip[15] << 16);
		}
		ep.sport = (uint16_t)((uint8_t)part[0] << 8 | (uint8_t)part[1]);
		ep.dport = (uint16_t)((uint8_t)part[2] << 8 | (uint8_t)part[3]);
		out->push_back({ ep, part.substr(8) });
	}
	pcap_close(pc);
	return true;
}

bool
load_shapes()
{
	std::vector<Datagram> dg;
	std::map<std::string, size_t> by_callid;

	if (!read_capture(g_pcap, &dg) || dg.empty()) {
		std::fprintf(stderr, "bench_pipeline: no datagrams in %s\n", g_pcap.c_str());
		return false;
	}
	Shape &r = g_shapes[0];
	r.name = "reggen";
	r.regs_per_user = 2;
	for (const Datagram &d : dg) {
		Template t;
		if (d.payload.compare(0, 7, "NOTIFY ") != 0 || !compile(&t, d.payload))
			continue;
		size_t p = d.payload.find("Call-ID:");
		std::string cid = d.payload.substr(p, d.payload.find("\r\n", p) - p);
		auto it = by_callid.find(cid);
		if (it == by_callid.end()) {
			by_callid[cid] = r.users.size();
			r.users.push_back({ d.ep, {} });
			it = by_callid.find(cid);
		}
		r.users[it->second].docs.push_back(t);
	}
	// A user's first document must be its full one.
	r.users.erase(std::remove_if(r.users.begin(), r.users.end(),
				     [](const TemplateUser &u) {
					     return u.docs.front().text.find("state=\"full\"") ==
						    std::string::npos;
				     }),
		      r.users.end());

	Shape &s = g_shapes[1];
	s.name = "ims2";
	s.regs_per_user = 1;
	TemplateUser u;
	Template t;
	if (!compile(&t, bench_inputs::notify_contacts(2)))
		return false;
	u.ep = r.users.empty() ? Endpoint{} : r.users[0].ep;
	const uint8_t sip[4] = { 192, 0, 2, 17 };
	std::memcpy(u.ep.src_ip, sip, 4);
	u.ep.sport = 5060;
	u.ep.dport = 5060;
	u.docs.push_back(t);
	s.users.push_back(u);
	if (r.users.empty()) {
		std::fprintf(stderr, "bench_pipeline: no usable NOTIFY in %s\n", g_pcap.c_str());
		return false;
	}
	return true;
}

// ---- frames -------------------------------------------------------------------

uint8_t g_our_mac[6];
uint8_t g_dgram[14 + 20 + 8 + 65536];

// Ethernet/IPv4/UDP frames of one datagram, fragmented at @p mtu, into
// mbufs; @return frames made (0: pool empty).
unsigned
make_frames(const Endpoint &ep, const char *payload, size_t len, unsigned mtu, uint16_t ip_id,
	    bool offload, rte_mbuf **out)
{
	uint8_t *ip = g_dgram + 14;
	auto *iph = reinterpret_cast<rte_ipv4_hdr *>(ip);
	auto *udp = reinterpret_cast<rte_udp_hdr *>(ip + 20);
	size_t udp_len = 8 + len;
	unsigned n = 0;

	std::memset(iph, 0, sizeof(*iph));
	iph->version_ihl = 0x45;
	iph->total_length = rte_cpu_to_be_16((uint16_t)(20 + udp_len));
	iph->packet_id = rte_cpu_to_be_16(ip_id);
	iph->time_to_live = 63;
	iph->next_proto_id = IPPROTO_UDP;
	std::memcpy(&iph->src_addr, ep.src_ip, 4);
	std::memcpy(&iph->dst_addr, ep.dst_ip, 4);
	udp->src_port = rte_cpu_to_be_16(ep.sport);
	udp->dst_port = rte_cpu_to_be_16(ep.dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)udp_len);
	udp->dgram_cksum = 0;
	std::memcpy(ip + 28, payload, len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(iph, udp);

	const size_t per = (20 + udp_len <= mtu) ? udp_len : ((mtu - 20) & ~7u);
	for (size_t off = 0; off < udp_len; off += per) {
		size_t chunk = std::min(per, udp_len - off);
		bool more = off + chunk < udp_len;
		rte_mbuf *m = rte_pktmbuf_alloc(mtu > 1500 ? g_pool_jumbo : g_pool);

		if (m == nullptr) {
			for (unsigned i = 0; i < n; i++)
				rte_pktmbuf_free(out[i]);
			return 0;
		}
		auto *f = rte_pktmbuf_mtod(m, uint8_t *);
		std::memcpy(f, g_our_mac, 6);
		std::memcpy(f + 6, ep.src_mac, 6);
		f[12] = 0x08;
		f[13] = 0x00;
		auto *fh = reinterpret_cast<rte_ipv4_hdr *>(f + 14);
		*fh = *iph;
		fh->total_length = rte_cpu_to_be_16((uint16_t)(20 + chunk));
		if (per != udp_len)
			fh->fragment_offset =
				rte_cpu_to_be_16((uint16_t)((off / 8) | (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
		fh->hdr_checksum = 0;
		fh->hdr_checksum = rte_ipv4_cksum(fh);
		std::memcpy(f + 34, ip + 20 + off, chunk);
		m->data_len = m->pkt_len = (uint32_t)(34 + chunk);
		if (offload && per == udp_len)
			m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		out[n++] = m;
	}
	return n;
}

// ---- the workload -------------------------------------------------------------

uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

// What the table holds, and what each stored user was last sent.
struct TableState {
	int shape = -1;
	uint64_t target = 0;     // users it was filled to
	uint64_t users = 0;      // users stored (grows with new-user runs)
	uint64_t room = 0;       // users it was sized for
	std::vector<uint32_t> version;
	double fill_s = 0;      // wall clock of the fill, frame building included
	double fill_cpu_s = 0;  // CPU time of it
	uint64_t rng = 0x9e3779b97f4a7c15ull;
};

// Via branch and IP id of the next NOTIFY: never reset, so that a NOTIFY
// is never taken for a retransmission of one sent to an earlier table (the
// worker's transaction cache outlives tables).
uint64_t g_seq = 1;
uint16_t g_ip_id = 1;

TableState g_ts;
double g_est_bytes[2];
char g_text[65536 + 1024];

// Frames of one NOTIFY: for user @p u, a new user's full document or the
// next version of a stored one. @return frames (0: pool empty).
unsigned
notify_frames(const Shape &sh, uint64_t u, bool is_new, unsigned mtu, bool offload, rte_mbuf **out,
	      size_t *bytes)
{
	const TemplateUser &tu = sh.users[u % sh.users.size()];
	uint32_t v;
	const Template *t;

	if (is_new) {
		v = 0;
		t = &tu.docs[0];
	} else {
		v = ++g_ts.version[u];
		t = tu.docs.size() == 1 ? &tu.docs[0] : &tu.docs[1 + (v - 1) % (tu.docs.size() - 1)];
	}
	// CSeq and version go up together from the full document's CSeq.
	size_t len = emit(*t, tu.docs[0].cseq0, u, v, g_seq++, g_text);
	*bytes += len;
	return make_frames(tu.ep, g_text, len, mtu, g_ip_id++, offload, out);
}

struct Batch {
	std::vector<rte_mbuf *> frames;
	uint64_t notifies = 0;
	size_t bytes = 0;
};

// kNotifiesPerIter NOTIFYs' frames: @p new_pct percent for new users.
bool
make_batch(const Shape &sh, unsigned n, unsigned new_pct, unsigned mtu, bool offload, Batch *b,
	   unsigned stride = 1, unsigned phase = 0)
{
	rte_mbuf *f[64];

	b->frames.clear();
	b->notifies = 0;
	b->bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		bool is_new = new_pct != 0 && (new_pct >= 100 || xorshift(&g_ts.rng) % 100 < new_pct);
		uint64_t u;

		if (is_new) {
			if (g_ts.users >= g_ts.room || g_ts.users >= g_ts.version.size())
				return false;
			u = g_ts.users++;
		} else {
			// Users of one worker: u % stride == phase (disjoint sets, as
			// RSS on the S-CSCF's address gives).
			u = xorshift(&g_ts.rng) % (g_ts.target / stride) * stride + phase;
		}
		unsigned k = notify_frames(sh, u, is_new, mtu, offload, f, &b->bytes);
		if (k == 0)
			return false;
		b->frames.insert(b->frames.end(), f, f + k);
		b->notifies++;
	}
	return true;
}

long
mem_available_mb()
{
	FILE *f = std::fopen("/proc/meminfo", "r");
	char line[256];
	long kb = -1;

	if (f == nullptr)
		return -1;
	while (std::fgets(line, sizeof(line), f))
		if (std::sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	std::fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

double
rss_mb()
{
	FILE *f = std::fopen("/proc/self/statm", "r");
	unsigned long size = 0, res = 0;

	if (f == nullptr)
		return 0;
	if (std::fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	std::fclose(f);
	return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

void
free_out(rte_mbuf **out, uint16_t n)
{
	if (n != 0)
		rte_pktmbuf_free_bulk(out, n);
}

// Push every frame of @p b through worker 0's per-packet path untimed.
void
run_untimed(const Batch &b)
{
	rte_mbuf *out[PIPE_TX_MAX];

	for (size_t i = 0; i < b.frames.size(); i += kBurst) {
		uint16_t n = (uint16_t)std::min<size_t>(kBurst, b.frames.size() - i);
		rte_mbuf **p = const_cast<rte_mbuf **>(b.frames.data()) + i;

		free_out(out, pipe_env_process(g_env, 0, p, n, out));
		pipe_env_quiescent();
	}
}

// Fill a fresh table with @p users users of @p shape (full documents through
// the real path), sized from the shape's calibrated bytes per user.
// Users a table holds beyond its fill: what runs storing new users may add.
uint64_t
room_extra(uint64_t users)
{
	return std::max<uint64_t>(users / 8, std::min<uint64_t>(users * 16, 65536));
}

std::string
table_for(int shape, uint64_t users, bool calibrating = false)
{
	if (g_ts.shape == shape && g_ts.target == users)
		return "";
	const Shape &sh = g_shapes[shape];
	uint64_t room = users + (calibrating ? 0 : room_extra(users));
	// Calibrated bytes per user, 15 % for snapshots retired but not yet
	// reclaimed and size-class slack, 192 MB for the pools' carving.
	uint64_t mem = (uint64_t)((double)room * g_est_bytes[shape] * 1.15) + (192ull << 20);
	long avail = mem_available_mb();

	pipe_env_drop_table(g_env);
	g_ts = TableState();
	if (avail > 0 && (double)mem / 1048576.0 > 0.85 * (double)avail) {
		char m[160];
		std::snprintf(m, sizeof(m), "%" PRIu64 " users need ~%" PRIu64 " MB; %ld MB available",
			      users, mem >> 20, avail);
		return m;
	}
	int rc = pipe_env_new_table(g_env, room * sh.regs_per_user + 1024, mem);
	if (rc < 0)
		return std::string("regtable_create: ") + std::strerror(-rc);
	g_ts.shape = shape;
	g_ts.target = users;
	g_ts.room = room;
	g_ts.version.assign(room, 0);

	uint64_t t0 = rte_rdtsc(), c0 = pipe_cpu_ns();
	Batch b;
	for (uint64_t u = 0; u < users;) {
		unsigned n = (unsigned)std::min<uint64_t>(kNotifiesPerIter, users - u);
		b.frames.clear();
		b.notifies = 0;
		for (unsigned i = 0; i < n; i++, u++) {
			rte_mbuf *f[64];
			unsigned k = notify_frames(sh, u, true, 9000, false, f, &b.bytes);
			if (k == 0)
				return "mbuf pool empty";
			b.frames.insert(b.frames.end(), f, f + k);
		}
		run_untimed(b);
		if ((u & 65535) < kNotifiesPerIter)
			pipe_env_maintain(g_env);
	}
	pipe_env_maintain(g_env);
	g_ts.users = users;
	g_ts.fill_s = (double)(rte_rdtsc() - t0) * g_ns_per_cycle * 1e-9;
	g_ts.fill_cpu_s = (double)(pipe_cpu_ns() - c0) * 1e-9;
	struct regtable_stats st;
	pipe_env_table_stats(g_env, &st);
	if (st.subscriptions != users) {
		pipe_env_print_counters(g_env, stderr);
		return "table holds " + std::to_string(st.subscriptions) + " subscriptions, not " +
		       std::to_string(users);
	}
	return "";
}

// Bytes per user of a shape, measured on a small table (sizes the big ones).
void
calibrate()
{
	for (int s = 0; s < 2; s++) {
		g_est_bytes[s] = 16 * 1024; // generous until measured
		std::string err = table_for(s, 2048, true);
		struct regtable_stats st;
		if (!err.empty()) {
			std::fprintf(stderr, "bench_pipeline: calibration: %s\n", err.c_str());
			std::exit(1);
		}
		pipe_env_table_stats(g_env, &st);
		g_est_bytes[s] = (double)st.mem_in_use / (double)st.subscriptions;
		pipe_env_drop_table(g_env);
		g_ts = TableState();
	}
}

// Counter deltas of one worker around a run.
struct Snap {
	uint64_t tx200, notify, applied;
	static Snap take(unsigned wi)
	{
		return { pipe_env_counter(g_env, wi, rgl_stats_tx_status(200)),
			 pipe_env_counter(g_env, wi, RGL_CTR_NET_SIP),
			 pipe_env_counter(g_env, wi, RGL_CTR_TABLE_APPLIED) };
	}
};

bool
check_answers(benchmark::State &state, const Snap &a, const Snap &b, uint64_t sent)
{
	uint64_t ok = b.tx200 - a.tx200, seen = b.notify - a.notify;

	state.counters["applied_pct"] = seen ? 100.0 * (double)(b.applied - a.applied) / (double)seen : 0;
	if (seen != sent || ok != sent) {
		char m[160];
		pipe_env_print_counters(g_env, stderr);
		std::snprintf(m, sizeof(m), "%" PRIu64 " NOTIFYs sent, %" PRIu64 " seen, %" PRIu64
			      " answered 200", sent, seen, ok);
		state.SkipWithError(m);
		return false;
	}
	return true;
}

void
common_counters(benchmark::State &state, uint64_t notifies, uint64_t frames, uint64_t bytes)
{
	state.SetItemsProcessed((int64_t)notifies);
	state.counters["frames_per_notify"] = notifies ? (double)frames / (double)notifies : 0;
	state.counters["notify_bytes"] = notifies ? (double)bytes / (double)notifies : 0;
	state.counters["users_end"] = (double)g_ts.users;
}

// The table of this benchmark's users and shape (arguments 0 and 1).
bool
prepare(benchmark::State &state, int shape)
{
	std::string err = table_for(shape, (uint64_t)state.range(0));
	if (!err.empty()) {
		state.SkipWithError(err.c_str());
		return false;
	}
	return true;
}

// ---- benchmarks ---------------------------------------------------------------

void
BM_Memory(benchmark::State &state)
{
	const int shape = (int)state.range(1);
	if (!prepare(state, shape))
		return;
	struct regtable_stats st;
	pipe_env_table_stats(g_env, &st);
	for (auto _ : state)
		benchmark::DoNotOptimize(st.registrations);
	state.counters["users"] = (double)st.subscriptions;
	state.counters["registrations"] = (double)st.registrations;
	state.counters["bytes_per_reg"] = (double)st.mem_in_use / (double)st.registrations;
	state.counters["bytes_per_user"] = (double)st.mem_in_use / (double)st.subscriptions;
	state.counters["hash_bytes_per_reg"] =
		16.0 * (double)(st.sub_buckets + st.alias_buckets) / (double)st.registrations;
	state.counters["table_in_use_mb"] = (double)st.mem_in_use / 1048576.0;
	state.counters["table_reserved_mb"] = (double)st.mem_total / 1048576.0;
	state.counters["rss_mb"] = rss_mb();
	state.counters["fill_s"] = g_ts.fill_s;
	state.counters["fill_cpu_s"] = g_ts.fill_cpu_s;
	state.counters["fill_per_cpu_s"] =
		g_ts.fill_cpu_s > 0 ? (double)g_ts.target / g_ts.fill_cpu_s : 0;
}

// Iterations for runs that store new users: bounded by the room the table
// was sized for (a quarter of it per run: repetitions add up).
int64_t
new_user_iterations(uint64_t users)
{
	return (int64_t)std::max<uint64_t>(
		2, std::min<uint64_t>(256, room_extra(users) / 4 / kNotifiesPerIter));
}

// Replies of a batch, freed after its timed region (a NIC frees them on tx
// completion, later).
std::vector<rte_mbuf *> g_replies;

void
free_replies()
{
	for (size_t i = 0; i < g_replies.size(); i += 512)
		rte_pktmbuf_free_bulk(g_replies.data() + i,
				      (unsigned)std::min<size_t>(512, g_replies.size() - i));
	g_replies.clear();
}

// Per-NOTIFY wall time next to the CPU time the benchmark reports: when
// they differ, the machine was busy with something else.
void
time_counters(benchmark::State &state, uint64_t notifies, uint64_t cpu_ns, uint64_t wall_cyc)
{
	if (notifies == 0)
		return;
	state.counters["ns_per_notify"] = (double)cpu_ns / (double)notifies;
	state.counters["wall_ns_per_notify"] = (double)wall_cyc * g_ns_per_cycle / (double)notifies;
}

void
BM_Pipeline(benchmark::State &state)
{
	const int shape = (int)state.range(1);
	const unsigned mtu = (unsigned)state.range(2), new_pct = (unsigned)state.range(3);
	const bool offload = state.range(4) != 0;
	uint64_t cpu = 0, wall = 0, notifies = 0, frames = 0, bytes = 0;
	rte_mbuf *out[PIPE_TX_MAX];
	Batch b;

	if (!prepare(state, shape))
		return;
	const Shape &sh = g_shapes[shape];
	Snap s0 = Snap::take(0);
	for (auto _ : state) {
		if (!make_batch(sh, kNotifiesPerIter, new_pct, mtu, offload, &b)) {
			state.SkipWithError("table room or mbuf pool exhausted");
			return;
		}
		uint64_t c0 = pipe_cpu_ns(), t0 = rte_rdtsc();
		for (size_t i = 0; i < b.frames.size(); i += kBurst) {
			uint16_t n = (uint16_t)std::min<size_t>(kBurst, b.frames.size() - i);
			uint16_t k = pipe_env_process(g_env, 0, b.frames.data() + i, n, out);
			pipe_env_quiescent();
			g_replies.insert(g_replies.end(), out, out + k);
		}
		uint64_t t1 = rte_rdtsc(), c1 = pipe_cpu_ns();
		state.SetIterationTime((double)(c1 - c0) * 1e-9);
		free_replies();
		cpu += c1 - c0;
		wall += t1 - t0;
		notifies += b.notifies;
		frames += b.frames.size();
		bytes += b.bytes;
	}
	if (!check_answers(state, s0, Snap::take(0), notifies))
		return;
	common_counters(state, notifies, frames, bytes);
	time_counters(state, notifies, cpu, wall);
}

void
BM_PipelineVdev(benchmark::State &state)
{
	const int shape = (int)state.range(1);
	const unsigned mtu = (unsigned)state.range(2), new_pct = (unsigned)state.range(3);
	const bool offload = state.range(4) != 0;
	uint64_t cpu = 0, wall = 0, notifies = 0, frames = 0, bytes = 0;
	uint64_t rx0, h0, tx0, rx1, h1, tx1;
	rte_ring *rx = pipe_env_rx_ring(g_env, 0), *tx = pipe_env_tx_ring(g_env, 0);
	rte_mbuf *out[PIPE_TX_MAX];
	Batch b;

	if (!prepare(state, shape))
		return;
	const Shape &sh = g_shapes[shape];
	Snap s0 = Snap::take(0);
	pipe_env_worker_cycles(g_env, 0, &rx0, &h0, &tx0);
	for (auto _ : state) {
		if (!make_batch(sh, kNotifiesPerIter, new_pct, mtu, offload, &b)) {
			state.SkipWithError("table room or mbuf pool exhausted");
			return;
		}
		if (rte_ring_enqueue_burst(rx, (void **)b.frames.data(), (unsigned)b.frames.size(),
					   nullptr) != b.frames.size()) {
			state.SkipWithError("rx ring full");
			return;
		}
		uint64_t c0 = pipe_cpu_ns(), t0 = rte_rdtsc();
		while (pipe_env_poll(g_env, 0) != 0)
			;
		uint64_t t1 = rte_rdtsc(), c1 = pipe_cpu_ns();
		state.SetIterationTime((double)(c1 - c0) * 1e-9);
		unsigned k;
		while ((k = rte_ring_dequeue_burst(tx, (void **)out, PIPE_TX_MAX, nullptr)) != 0)
			free_out(out, (uint16_t)k);
		cpu += c1 - c0;
		wall += t1 - t0;
		notifies += b.notifies;
		frames += b.frames.size();
		bytes += b.bytes;
	}
	if (!check_answers(state, s0, Snap::take(0), notifies))
		return;
	common_counters(state, notifies, frames, bytes);
	time_counters(state, notifies, cpu, wall);
	pipe_env_worker_cycles(g_env, 0, &rx1, &h1, &tx1);
	if (notifies != 0) {
		// The worker's own TSC split (wall clock): rx_burst, the path, tx_burst.
		state.counters["rx_burst_ns"] = (double)(rx1 - rx0) * g_ns_per_cycle / (double)notifies;
		state.counters["tx_burst_ns"] = (double)(tx1 - tx0) * g_ns_per_cycle / (double)notifies;
		state.counters["handle_ns"] = (double)(h1 - h0) * g_ns_per_cycle / (double)notifies;
	}
}

double g_rdtsc_cycles = 0;

void
BM_Stages(benchmark::State &state)
{
	const int shape = (int)state.range(1);
	const unsigned mtu = (unsigned)state.range(2);
	uint64_t cpu = 0, notifies = 0, frames = 0, bytes = 0;
	pipe_stages acc;
	rte_mbuf *out[PIPE_TX_MAX];
	Batch b;

	std::memset(&acc, 0, sizeof(acc));
	if (!prepare(state, shape))
		return;
	const Shape &sh = g_shapes[shape];
	for (auto _ : state) {
		if (!make_batch(sh, kNotifiesPerIter, 0, mtu, false, &b)) {
			state.SkipWithError("mbuf pool exhausted");
			return;
		}
		uint64_t c0 = pipe_cpu_ns();
		for (size_t i = 0; i < b.frames.size(); i += kBurst) {
			uint16_t n = (uint16_t)std::min<size_t>(kBurst, b.frames.size() - i);
			uint16_t k = pipe_env_stages(g_env, b.frames.data() + i, n, out, &acc);
			pipe_env_quiescent();
			g_replies.insert(g_replies.end(), out, out + k);
		}
		uint64_t c1 = pipe_cpu_ns();
		state.SetIterationTime((double)(c1 - c0) * 1e-9);
		free_replies();
		cpu += c1 - c0;
		notifies += b.notifies;
		frames += b.frames.size();
		bytes += b.bytes;
	}
	if (acc.notifies != notifies || acc.ok != notifies || acc.timed == 0) {
		state.SkipWithError("stage harness: not every NOTIFY answered 200");
		return;
	}
	// Per stage: TSC cycles of the frames not preempted, minus the stamps'
	// own cost, per NOTIFY timed.
	double sum = 0;
	for (int s = 0; s < PIPE_STAGE__COUNT; s++) {
		double c = (double)acc.cyc[s] - (double)acc.stamps[s] * g_rdtsc_cycles;
		double ns = std::max(0.0, c) * g_ns_per_cycle / (double)acc.timed;
		sum += ns;
		state.counters[std::string("ns_") + pipe_stage_name((pipe_stage)s)] = ns;
	}
	state.counters["ns_sum_of_stages"] = sum;
	state.counters["rejected_pct"] = 100.0 * (double)acc.rejected / (double)frames;
	state.counters["applied_pct"] = 100.0 * (double)acc.applied / (double)notifies;
	state.counters["xml_fallback_pct"] = 100.0 * (double)acc.fallbacks / (double)notifies;
	common_counters(state, notifies, frames, bytes);
	state.counters["ns_per_notify"] = (double)cpu / (double)notifies;
}

// Worker lcores draining pre-filled rx rings: users split between them (the
// way RSS on the sender's address splits S-CSCFs), all sharing one table.
void
BM_Workers(benchmark::State &state)
{
	const int shape = (int)state.range(1);
	const unsigned nw = (unsigned)state.range(2);
	const unsigned per_worker = g_smoke ? 64 : 4096; // NOTIFYs per worker per iteration
	uint64_t notifies = 0, frames = 0, bytes = 0, cpu_sum = 0;
	uint64_t w_cyc[2] = { 0, 0 }, w_cpu[2] = { 0, 0 };
	double wall_s = 0;
	rte_mbuf *out[PIPE_TX_MAX];
	Batch b;

	if (nw > g_workers) {
		state.SkipWithError("needs 2 lcores");
		return;
	}
	if (!prepare(state, shape))
		return;
	const Shape &sh = g_shapes[shape];
	Snap s0[2] = { Snap::take(0), Snap::take(g_workers > 1 ? 1 : 0) };
	for (auto _ : state) {
		for (unsigned w = 0; w < nw; w++) {
			if (!make_batch(sh, per_worker, 0, 1500, false, &b, nw, w) ||
			    rte_ring_enqueue_burst(pipe_env_rx_ring(g_env, w), (void **)b.frames.data(),
						   (unsigned)b.frames.size(),
						   nullptr) != b.frames.size()) {
				state.SkipWithError("mbuf pool or rx ring exhausted");
				return;
			}
			notifies += b.notifies;
			frames += b.frames.size();
			bytes += b.bytes;
		}
		uint64_t cyc[2] = { 0, 0 }, cpu[2] = { 0, 0 };
		if (pipe_env_drain(g_env, nw, cyc, cpu) != 0) {
			state.SkipWithError("cannot launch worker 1");
			return;
		}
		// Wall clock here: the point is what two lcores do at once.
		double wall = (double)std::max(cyc[0], cyc[1]) * g_ns_per_cycle * 1e-9;
		state.SetIterationTime(wall);
		wall_s += wall;
		cpu_sum += cpu[0] + cpu[1];
		for (unsigned w = 0; w < nw; w++) {
			w_cyc[w] += cyc[w];
			w_cpu[w] += cpu[w];
		}
		for (unsigned w = 0; w < nw; w++) {
			unsigned k;
			while ((k = rte_ring_dequeue_burst(pipe_env_tx_ring(g_env, w), (void **)out,
							   PIPE_TX_MAX, nullptr)) != 0)
				free_out(out, (uint16_t)k);
		}
	}
	uint64_t ok = 0, seen = 0;
	for (unsigned w = 0; w < nw; w++) {
		Snap s1 = Snap::take(w);
		ok += s1.tx200 - s0[w].tx200;
		seen += s1.notify - s0[w].notify;
	}
	if (ok != notifies || seen != notifies) {
		pipe_env_print_counters(g_env, stderr);
		state.SkipWithError("not every NOTIFY answered 200");
		return;
	}
	common_counters(state, notifies, frames, bytes);
	// CPU time each worker thread got while the wall clock ran: below 100 %
	// means the call_rcu threads (or anything else) took the CPU from it.
	state.counters["cpu_share_pct"] = wall_s > 0 ? 100.0 * (double)cpu_sum * 1e-9 / (wall_s * nw) : 0;
	for (unsigned w = 0; w < nw; w++) {
		const std::string p = "w" + std::to_string(w) + "_";
		double busy_s = (double)w_cyc[w] * g_ns_per_cycle * 1e-9;

		// Each worker: its time to drain its ring, and the CPU it got meanwhile.
		state.counters[p + "drain_ms"] = busy_s * 1e3 / (double)state.iterations();
		state.counters[p + "cpu_pct"] = busy_s > 0 ? 100.0 * (double)w_cpu[w] * 1e-9 / busy_s : 0;
	}
	state.counters["ns_per_notify_cpu"] = (double)cpu_sum / (double)notifies;
	state.counters["wall_ns_per_notify"] = wall_s * 1e9 / (double)notifies;
}

void
register_all()
{
	const std::vector<uint64_t> sizes = g_smoke ? std::vector<uint64_t>{ 64 } : g_sizes;
	const char *p[] = { "users", "shape", "mtu", "new", "csum" };
	const std::vector<std::string> pn(p, p + 5);

	for (int shape = 0; shape < 2; shape++) {
		for (uint64_t n : sizes) {
			const int64_t N = (int64_t)n;
			const std::string sfx = n >= 10000000 ? "_10M" : "";

			benchmark::RegisterBenchmark(("BM_Memory" + sfx).c_str(), BM_Memory)
				->ArgNames({ "users", "shape" })
				->Args({ N, shape })
				->Iterations(1)
				->Repetitions(1);
			auto *pl = benchmark::RegisterBenchmark(("BM_Pipeline" + sfx).c_str(), BM_Pipeline);
			pl->ArgNames(pn)->UseManualTime()->Unit(benchmark::kNanosecond);
			pl->Args({ N, shape, 1500, 0, 0 });
			pl->Args({ N, shape, 9000, 0, 0 });
			pl->Args({ N, shape, 9000, 0, 1 });
			benchmark::RegisterBenchmark(("BM_PipelineVdev" + sfx).c_str(), BM_PipelineVdev)
				->ArgNames(pn)
				->UseManualTime()
				->Unit(benchmark::kNanosecond)
				->Args({ N, shape, 1500, 0, 0 })
				->Args({ N, shape, 9000, 0, 1 });
			benchmark::RegisterBenchmark(("BM_Stages" + sfx).c_str(), BM_Stages)
				->ArgNames({ "users", "shape", "mtu" })
				->UseManualTime()
				->Unit(benchmark::kNanosecond)
				->Args({ N, shape, 1500 })
				->Args({ N, shape, 9000 });
			auto *wk = benchmark::RegisterBenchmark(("BM_Workers" + sfx).c_str(), BM_Workers);
			wk->ArgNames({ "users", "shape", "workers" })
				->UseManualTime()
				->Unit(benchmark::kNanosecond)
				->Args({ N, shape, 1 });
			if (g_workers > 1)
				wk->Args({ N, shape, 2 });
			if (g_smoke)
				wk->Iterations(1);
			// Last for this table: they store new users.
			benchmark::RegisterBenchmark(("BM_PipelineNew" + sfx).c_str(), BM_Pipeline)
				->ArgNames(pn)
				->UseManualTime()
				->Unit(benchmark::kNanosecond)
				->Iterations(g_smoke ? 2 : new_user_iterations(n))
				->Args({ N, shape, 1500, 100, 0 })
				->Args({ N, shape, 1500, 10, 0 });
		}
	}
}

bool
parse_own_flags(int *argc, char **argv)
{
	int o = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (std::strcmp(a, "--smoke") == 0) {
			g_smoke = true;
		} else if (std::strncmp(a, "--sizes=", 8) == 0) {
			g_sizes.clear();
			for (const char *s = a + 8; *s;) {
				char *end;
				unsigned long long v = std::strtoull(s, &end, 10);
				if (end == s || v == 0)
					return false;
				g_sizes.push_back(v);
				s = *end == ',' ? end + 1 : end;
			}
		} else if (std::strncmp(a, "--pcap=", 7) == 0) {
			g_pcap = a + 7;
		} else {
			argv[o++] = argv[i];
		}
	}
	*argc = o;
	return !g_sizes.empty();
}

} // namespace

int
main(int argc, char **argv)
{
	if (!parse_own_flags(&argc, argv)) {
		std::fprintf(stderr, "bench_pipeline: bad --sizes\n");
		return 2;
	}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	if (!load_shapes())
		return 1;

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	g_workers = ncpu >= 2 ? 2 : 1;
	if (pipe_eal_init(argv[0], g_workers, 640) < 0) {
		std::fprintf(stderr, "bench_pipeline: EAL initialisation failed\n");
		return 1;
	}
	g_ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();
	g_rdtsc_cycles = pipe_rdtsc_cost_cycles();
	// The "NIC's" rx buffers: 2 KB ones, enough for two pre-filled rx
	// rings, and 9 KB ones for MTU 9000 frames in one segment.
	g_pool = rte_pktmbuf_pool_create("bench_frames", 49151, 256, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	g_pool_jumbo = rte_pktmbuf_pool_create("bench_jumbo", 8191, 256, 0,
					       RTE_PKTMBUF_HEADROOM + 9216, 0);
	if (g_pool == nullptr || g_pool_jumbo == nullptr) {
		std::fprintf(stderr, "bench_pipeline: frame pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	int rc = pipe_env_open(g_workers, "198.51.100.10", &g_env);
	if (rc < 0) {
		std::fprintf(stderr, "bench_pipeline: set-up: %s\n", std::strerror(-rc));
		return 1;
	}
	pipe_env_mac(g_env, g_our_mac);
	calibrate();
	std::printf("bench_pipeline: %zu reggen template users (%s), est. %.0f / %.0f B per user "
		    "(reggen / ims2), %u worker lcore(s), rte_rdtsc %.1f ns\n",
		    g_shapes[0].users.size(), g_pcap.c_str(), g_est_bytes[0], g_est_bytes[1],
		    g_workers, g_rdtsc_cycles * g_ns_per_cycle);
	register_all();
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	uint64_t leaked = pipe_env_drop_table(g_env);
	pipe_env_close(g_env);
	std::printf("SUMMARY nr_leaked %" PRIu64 "\n", leaked);
	return leaked == 0 ? 0 : 1;
}
