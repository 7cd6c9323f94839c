// SPDX-License-Identifier: MIT
//
// Registration table micro-benchmarks (Google Benchmark 1.7):
//   BM_apply_refresh/N   a full document (2 contacts) replacing the state
//                        of a random one of N users: build, CAS, retire
//   BM_apply_new/N       a new subscription on a table holding N users
//   BM_apply_set_full/N  a full document of an implicit set (sip: and tel:
//                        AoR, the same 3 devices under each) for a random
//                        one of N users
//   BM_apply_set_partial/N  a partial document refreshing one device of
//                        such a set (listed under both AoRs); the other
//                        devices are carried from the old snapshot. The
//                        shape of a reggen replay after the first NOTIFY.
//   BM_lookup/N          lookup by AoR (normalize, hash, alias, snapshot)
//   BM_bytes_per_reg/C   record memory per stored registration with C
//                        contacts (counters; pool size classes included)
// N is 1000 and 1000000 (the set ones: 100000); the 10 M variants are registered only when
// --benchmark_filter names "10M" (each needs ~7 GB and minutes to fill),
// so bench-smoke stays small.
//
// The benchmark thread acts as a worker lcore: registered with urcu-qsbr,
// quiescent state every 32 operations (one "burst"), reclamation through an
// URCU_CALL_RCU_RT call_rcu worker (no futex wake per retire, RCU.md 0.7).

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

extern "C" {
#include <reglane/rcu.h>
#include <reglane/regtable.h>
}

namespace {

constexpr uint64_t kNow = 1000000;
constexpr int kBurst = 32;

// One realistic VoLTE/RCS contact (as corpus 004/032) per slot.
struct Doc {
	struct reginfo_event ev;
	struct reginfo_registration reg;
	struct reginfo_contact contacts[4];
	struct reginfo_param params[16];
	char aor[64];
	char ids[4][24];
	char uris[4][64];
	char callid[64];
};

constexpr int kDigits = 9; // user numbers are written with a fixed width

// Overwrite the kDigits digits at @p p with @p v (no allocation, no printf).
void
put_digits(char *p, uint64_t v)
{
	for (int i = kDigits - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

// Point @p d at user @p u: AoR, Call-ID and contact URIs, same lengths.
void
set_user(Doc *d, uint64_t u)
{
	put_digits(d->aor + 9, u);
	put_digits(d->callid + 7, u);
	for (uint32_t k = 0; k < d->reg.n_contacts; k++)
		put_digits(d->uris[k] + 9, u);
}

struct rgl_slice
S(const char *s)
{
	return rgl_slice_make(s, strlen(s));
}

const char *kIcsi =
	"\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg,"
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma."
	"cpm.session,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.filetransfer\"";

void
make_doc(Doc *d, uint64_t user, uint32_t version, int ncontacts)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->aor, sizeof(d->aor), "sip:+1202%09llu@ims.example.net",
		 (unsigned long long)user);
	snprintf(d->callid, sizeof(d->callid), "regsub-%09llu@as.ims.example.net",
		 (unsigned long long)user);
	d->ev.version = version;
	d->ev.state = REGINFO_DOC_FULL;
	d->ev.regs = &d->reg;
	d->ev.n_regs = 1;
	d->ev.contacts = d->contacts;
	d->ev.params = d->params;
	d->reg.aor = S(d->aor);
	d->reg.id = S("0x7f1a2b3c4000");
	d->reg.state = REGINFO_REG_ACTIVE;
	d->reg.n_contacts = (uint32_t)ncontacts;
	d->ev.n_contacts = (uint32_t)ncontacts;
	for (int k = 0; k < ncontacts; k++) {
		struct reginfo_contact *c = &d->contacts[k];

		snprintf(d->ids[k], sizeof(d->ids[k]), "0x7f1a2b3c4d%02d", k);
		snprintf(d->uris[k], sizeof(d->uris[k]), "sip:+1202%09llu@10.45.%d.1:5060",
			 (unsigned long long)user, k);
		c->id = S(d->ids[k]);
		c->uri = S(d->uris[k]);
		c->state = REGINFO_CONTACT_ACTIVE;
		c->event = REGINFO_EV_REGISTERED;
		c->has = REGINFO_HAS_EXPIRES;
		c->expires = 3600;
		c->first_param = d->ev.n_params;
		d->params[d->ev.n_params++] = { S("+sip.instance"),
						S(k == 0 ? "\"<urn:gsma:imei:35332510-123456-9>\""
							 : "\"<urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b>\"") };
		d->params[d->ev.n_params++] = { S("+g.3gpp.icsi-ref"), S(kIcsi) };
		if (k == 0)
			d->params[d->ev.n_params++] = { S("+g.3gpp.smsip"), S("") };
		c->n_params = d->ev.n_params - c->first_param;
	}
}

struct regtable_notify
notify(const Doc &d, uint64_t cseq)
{
	struct regtable_notify n;

	memset(&n, 0, sizeof(n));
	n.resource = S(d.aor);
	n.callid = S(d.callid);
	n.from_tag = S("scscf-1");
	n.to_tag = S("as-1");
	n.cseq = cseq;
	n.sub_state = REGTABLE_SUBSTATE_ACTIVE;
	return n;
}

// A populated table per size, kept across benchmark runs.
struct Filled {
	struct regtable *t = nullptr;
	struct regtable_writer *w = nullptr;
	uint64_t users = 0;
	uint64_t cseq = 1;
};

std::map<uint64_t, Filled> tables;
struct call_rcu_data *crdp;

// Every benchmark body starts like a worker lcore.
void
worker_enter()
{
	urcu_qsbr_register_thread();
	urcu_qsbr_set_thread_call_rcu_data(crdp);
}

void
worker_leave()
{
	urcu_qsbr_set_thread_call_rcu_data(nullptr);
	urcu_qsbr_unregister_thread();
}

Filled &
filled(uint64_t users, int ncontacts = 2, uint64_t room = 60000)
{
	uint64_t key = users * 8 + (uint64_t)ncontacts;
	Filled &f = tables[key];

	if (f.t != nullptr)
		return f;
	struct regtable_config cfg;
	regtable_config_default(&cfg);
	cfg.max_registrations = users + room; // room for BM_apply_new
	cfg.init_buckets = users + room;
	// twice the steady state: refreshes retire snapshots faster than a
	// grace period returns them
	// ~1.5 KB per 2-contact registration, room for BM_apply_new and for
	// snapshots retired but not yet past a grace period
	cfg.max_memory = (users + room) * 560ull * (uint64_t)(ncontacts + 1) + (64ull << 20);
	if (regtable_create(&cfg, &f.t) != 0)
		abort();
	f.w = regtable_writer_new(f.t);
	Doc *d = new Doc;
	make_doc(d, 0, 0, ncontacts);
	for (uint64_t u = 0; u < users; u++) {
		set_user(d, u);
		struct regtable_notify n = notify(*d, 1);
		if (regtable_apply(f.t, f.w, &n, &d->ev, kNow) != REGTABLE_APPLIED)
			abort();
		if ((u & 4095) == 4095) {
			urcu_qsbr_quiescent_state();
			regtable_maintain(f.t); // the control thread's job
		}
	}
	regtable_maintain(f.t);
	delete d;
	f.users = users;
	return f;
}

uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void
BM_apply_refresh(benchmark::State &state)
{
	worker_enter();
	Filled &f = filled((uint64_t)state.range(0));
	Doc *d = new Doc;
	uint64_t rng = 88172645463325252ull, ops = 0, bad = 0;

	make_doc(d, 0, 0, 2);
	for (auto _ : state) {
		// a random existing user, a newer version and CSeq every time
		set_user(d, xorshift(&rng) % f.users);
		d->ev.version = (uint32_t)++f.cseq;
		struct regtable_notify n = notify(*d, f.cseq);
		enum regtable_result r = regtable_apply(f.t, f.w, &n, &d->ev, kNow);
		bad += r != REGTABLE_APPLIED;
		if (++ops % kBurst == 0)
			urcu_qsbr_quiescent_state();
	}
	if (bad)
		state.SkipWithError("apply failed");
	state.SetItemsProcessed((int64_t)ops);
	delete d;
	worker_leave();
}

void
BM_apply_new(benchmark::State &state)
{
	worker_enter();
	Filled &f = filled((uint64_t)state.range(0));
	Doc *d = new Doc;
	uint64_t ops = 0, bad = 0;

	make_doc(d, 0, 0, 2);
	for (auto _ : state) {
		set_user(d, f.users++);
		struct regtable_notify n = notify(*d, 1);
		bad += regtable_apply(f.t, f.w, &n, &d->ev, kNow) != REGTABLE_APPLIED;
		if (++ops % kBurst == 0)
			urcu_qsbr_quiescent_state();
	}
	if (bad)
		state.SkipWithError("apply failed (capacity?)");
	state.SetItemsProcessed((int64_t)ops);
	delete d;
	worker_leave();
}

// An implicit registration set as an IMS core reports it: the same
// devices under a sip: and a tel: AoR, contact ids apart (corpus 004/032).
constexpr int kSetRegs = 2;
constexpr int kSetDevices = 3;

struct SetDoc {
	struct reginfo_event ev;
	struct reginfo_registration regs[kSetRegs];
	struct reginfo_contact contacts[kSetRegs * kSetDevices];
	struct reginfo_param params[kSetRegs * kSetDevices * 8];
	char aor[kSetRegs][64];
	char ids[kSetRegs * kSetDevices][24];
	char uris[kSetDevices][64];
	char gruus[kSetDevices][128];
	char callid[64];
};

const char *const kSetInstances[kSetDevices] = {
	"\"<urn:gsma:imei:35332510-123456-9>\"",
	"\"<urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b>\"",
	"\"<urn:uuid:7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f>\"",
};

// Point @p d at user @p u (fixed-width digits: no allocation, no printf).
void
set_doc_user(SetDoc *d, uint64_t u)
{
	put_digits(d->aor[0] + 9, u);
	put_digits(d->aor[1] + 9, u);
	put_digits(d->callid + 7, u);
	for (int k = 0; k < kSetDevices; k++) {
		put_digits(d->uris[k] + 9, u);
		put_digits(d->gruus[k] + 9, u);
	}
}

// The full document of the set; @p only >= 0: a partial one listing that
// device under both AoRs.
void
make_set_doc(SetDoc *d, int only)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->aor[0], sizeof(d->aor[0]), "sip:+1202%09u@ims.example.net", 0u);
	snprintf(d->aor[1], sizeof(d->aor[1]), "tel:+1202%09u", 0u);
	snprintf(d->callid, sizeof(d->callid), "regsub-%09u@as.ims.example.net", 0u);
	d->ev.state = only < 0 ? REGINFO_DOC_FULL : REGINFO_DOC_PARTIAL;
	d->ev.regs = d->regs;
	d->ev.contacts = d->contacts;
	d->ev.params = d->params;
	for (int k = 0; k < kSetDevices; k++) {
		snprintf(d->uris[k], sizeof(d->uris[k]), "sip:+1202%09u@10.45.%d.1:5060", 0u, k);
		snprintf(d->gruus[k], sizeof(d->gruus[k]), "sip:+1202%09u@ims.example.net;gr=%.*s",
			 0u, (int)strlen(kSetInstances[k]) - 4, kSetInstances[k] + 2);
	}
	for (int r = 0; r < kSetRegs; r++) {
		struct reginfo_registration *reg = &d->regs[d->ev.n_regs++];

		reg->aor = S(d->aor[r]);
		reg->id = S(r == 0 ? "0x7f1a2b3c4000" : "0x7f1a2b3c4001");
		reg->state = REGINFO_REG_ACTIVE;
		reg->first_contact = d->ev.n_contacts;
		for (int k = 0; k < kSetDevices; k++) {
			struct reginfo_contact *c;
			int i = r * kSetDevices + k;

			if (only >= 0 && k != only)
				continue;
			c = &d->contacts[d->ev.n_contacts++];
			reg->n_contacts++;
			snprintf(d->ids[i], sizeof(d->ids[i]), "0x7f1a2b3c4d%02d", i);
			c->id = S(d->ids[i]);
			c->uri = S(d->uris[k]);
			c->callid = S(k == 0 ? "reg-8a3f@ue" : k == 1 ? "reg-19c2@tab" : "reg-77d0@pc");
			c->pub_gruu = S(d->gruus[k]);
			c->state = REGINFO_CONTACT_ACTIVE;
			c->event = only >= 0 ? REGINFO_EV_REFRESHED : REGINFO_EV_REGISTERED;
			c->has = REGINFO_HAS_EXPIRES | REGINFO_HAS_DURATION | REGINFO_HAS_CSEQ;
			c->expires = 3600;
			c->duration_registered = 600u * (unsigned)k + 1;
			c->cseq = 7;
			c->first_param = d->ev.n_params;
			d->params[d->ev.n_params++] = { S("+sip.instance"), S(kSetInstances[k]) };
			d->params[d->ev.n_params++] = { S("+g.3gpp.icsi-ref"), S(kIcsi) };
			if (k == 0) {
				d->params[d->ev.n_params++] = { S("+g.3gpp.smsip"), S("") };
				d->params[d->ev.n_params++] = { S("+g.gsma.rcs.telephony"),
								S("\"volte\"") };
			}
			d->params[d->ev.n_params++] = { S("+g.gsma.rcs.cpm.pager-large"), S("") };
			d->params[d->ev.n_params++] = { S("reg-id"), S("1") };
			c->n_params = d->ev.n_params - c->first_param;
		}
	}
}

// A table of @p users implicit sets, each at version 0, kept across runs.
struct SetTable {
	struct regtable *t = nullptr;
	struct regtable_writer *w = nullptr;
	uint64_t users = 0;
	uint64_t cseq = 1;
	uint32_t *version = nullptr;
};

std::map<uint64_t, SetTable> set_tables;

SetTable &
set_filled(uint64_t users)
{
	SetTable &f = set_tables[users];

	if (f.t != nullptr)
		return f;
	struct regtable_config cfg;
	regtable_config_default(&cfg);
	cfg.max_registrations = 2 * users + 1024;
	cfg.init_buckets = 2 * users;
	// a ~3.4 KB snapshot (6 contacts) and three table nodes per user, and
	// room for the snapshots retired but not yet past a grace period
	cfg.max_memory = users * 4608ull + (64ull << 20);
	if (regtable_create(&cfg, &f.t) != 0)
		abort();
	f.w = regtable_writer_new(f.t);
	f.version = new uint32_t[users]();
	SetDoc *d = new SetDoc;
	make_set_doc(d, -1);
	for (uint64_t u = 0; u < users; u++) {
		set_doc_user(d, u);
		struct regtable_notify n;
		memset(&n, 0, sizeof(n));
		n.resource = S(d->aor[0]);
		n.callid = S(d->callid);
		n.from_tag = S("scscf-1");
		n.to_tag = S("as-1");
		n.cseq = 1;
		if (regtable_apply(f.t, f.w, &n, &d->ev, kNow) != REGTABLE_APPLIED)
			abort();
		if ((u & 4095) == 4095) {
			urcu_qsbr_quiescent_state();
			regtable_maintain(f.t);
		}
	}
	regtable_maintain(f.t);
	delete d;
	f.users = users;
	return f;
}

// One document per iteration to a random user: full, or partial
// refreshing one device (cycling through them) when @p partial.
void
apply_set(benchmark::State &state, bool partial)
{
	worker_enter();
	SetTable &f = set_filled((uint64_t)state.range(0));
	SetDoc *docs = new SetDoc[kSetDevices + 1];
	uint64_t rng = 0x2545f4914f6cdd1dull, ops = 0, bad = 0;

	for (int k = 0; k < kSetDevices; k++)
		make_set_doc(&docs[k], k);
	make_set_doc(&docs[kSetDevices], -1);
	for (auto _ : state) {
		uint64_t u = xorshift(&rng) % f.users;
		SetDoc *d = &docs[partial ? (int)(ops % kSetDevices) : kSetDevices];

		set_doc_user(d, u);
		d->ev.version = ++f.version[u];
		struct regtable_notify n;
		memset(&n, 0, sizeof(n));
		n.resource = S(d->aor[0]);
		n.callid = S(d->callid);
		n.from_tag = S("scscf-1");
		n.to_tag = S("as-1");
		n.cseq = ++f.cseq;
		bad += regtable_apply(f.t, f.w, &n, &d->ev, kNow) != REGTABLE_APPLIED;
		if (++ops % kBurst == 0)
			urcu_qsbr_quiescent_state();
	}
	if (bad)
		state.SkipWithError("apply failed");
	state.SetItemsProcessed((int64_t)ops);
	{
		struct regtable_match m;

		if (regtable_lookup(f.t, S("tel:+1202000000001"), &m) == 0)
			state.counters["snapshot_bytes"] = m.snap->bytes;
	}
	delete[] docs;
	worker_leave();
}

void
BM_apply_set_full(benchmark::State &state)
{
	apply_set(state, false);
}

void
BM_apply_set_partial(benchmark::State &state)
{
	apply_set(state, true);
}

void
BM_lookup(benchmark::State &state)
{
	worker_enter();
	Filled &f = filled((uint64_t)state.range(0));
	uint64_t rng = 0x9e3779b97f4a7c15ull, ops = 0, miss = 0;
	char aor[] = "sip:+1202000000000@ims.example.net";
	const struct rgl_slice s = rgl_slice_make(aor, sizeof(aor) - 1);

	for (auto _ : state) {
		put_digits(aor + 9, xorshift(&rng) % f.users);
		struct regtable_match m;
		miss += regtable_lookup(f.t, s, &m) != 0;
		benchmark::DoNotOptimize(m);
		if (++ops % kBurst == 0)
			urcu_qsbr_quiescent_state();
	}
	if (miss)
		state.SkipWithError("lookup missed");
	state.SetItemsProcessed((int64_t)ops);
	worker_leave();
}

// Record memory per registration (one registration per subscription,
// C contacts): pool objects at their size-class sizes, plus the hash
// table buckets (16 B each in both tables).
void
BM_bytes_per_reg(benchmark::State &state)
{
	const int nc = (int)state.range(0);
	const uint64_t users = 10000;

	worker_enter();
	Filled &f = filled(users, nc, 0);
	struct regtable_stats st;
	regtable_stats(f.t, &st);
	for (auto _ : state) {
		struct regtable_match m;
		benchmark::DoNotOptimize(regtable_lookup(f.t, S("sip:+1202000000001@ims.example.net"), &m));
	}
	{
		struct regtable_match m;
		if (regtable_lookup(f.t, S("sip:+1202000000001@ims.example.net"), &m) == 0)
			state.counters["snapshot_bytes"] = m.snap->bytes;
	}
	state.counters["contacts"] = nc;
	state.counters["bytes_per_reg"] = (double)st.mem_in_use / (double)st.registrations;
	state.counters["bucket_bytes_per_reg"] =
		16.0 * (double)(st.sub_buckets + st.alias_buckets) / (double)st.registrations;
	urcu_qsbr_quiescent_state();
	worker_leave();
}

} // namespace

BENCHMARK(BM_apply_refresh)->Arg(1000)->Arg(1000000)->Unit(benchmark::kNanosecond);
// bounded: each iteration stores a new subscription for good
BENCHMARK(BM_apply_new)->Arg(1000)->Arg(1000000)->Iterations(20000)->Unit(benchmark::kNanosecond);
// 100 k users: a set snapshot is ~3.4 KB, so 1 M would pre-fault ~4.5 GB
BENCHMARK(BM_apply_set_full)->Arg(1000)->Arg(100000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_apply_set_partial)->Arg(1000)->Arg(100000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_lookup)->Arg(1000)->Arg(1000000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_bytes_per_reg)->Arg(1)->Arg(2)->Arg(4);

int
main(int argc, char **argv)
{
	bool big = false;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--benchmark_filter", 18) == 0 && strstr(argv[i], "10M"))
			big = true;
	if (big) {
		benchmark::RegisterBenchmark("BM_apply_refresh_10M", BM_apply_refresh)->Arg(10000000);
		benchmark::RegisterBenchmark("BM_lookup_10M", BM_lookup)->Arg(10000000);
	}
	crdp = urcu_qsbr_create_call_rcu_data(URCU_CALL_RCU_RT, -1);
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();

	urcu_qsbr_register_thread();
	for (auto &kv : tables) {
		regtable_writer_free(kv.second.w);
		if (regtable_destroy(kv.second.t) != 0)
			fprintf(stderr, "bench_regtable: pool objects leaked\n");
	}
	for (auto &kv : set_tables) {
		regtable_writer_free(kv.second.w);
		if (regtable_destroy(kv.second.t) != 0)
			fprintf(stderr, "bench_regtable: pool objects leaked\n");
		delete[] kv.second.version;
	}
	urcu_qsbr_unregister_thread();
	return 0;
}
