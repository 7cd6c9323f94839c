// SPDX-License-Identifier: MIT
//
// Suitability query cost (seed 6.6): one query for a user with three
// clients (phone, tablet, PC), in a table of 1 k users built through the
// real regtable_apply(). Measured: lookup + verdicts + copy-out into the
// caller's result, as the control thread runs it between online and
// offline; with no policy, and with an operator policy and preferences
// for every user. The JSON rendering of the answer is measured apart.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <reglane/policy.h>
#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/regtable.h>
#include <reglane/services.h>
#include <reglane/suitability.h>
}

namespace {

constexpr int kUsers = 1000;
constexpr uint64_t kNow = 1000;

#define ICSI "urn%3Aurn-7%3A3gpp-service.ims.icsi."

rgl_slice
sl(const std::string &s)
{
	return rgl_slice_make(s.data(), s.size());
}

rgl_slice
sl(const char *s)
{
	return rgl_slice_make(s, std::strlen(s));
}

// One user's full reginfo document: phone, tablet and PC.
struct user_doc {
	std::string aor, callid, uri[3];
	reginfo_registration reg{};
	reginfo_contact contacts[3]{};
	std::vector<reginfo_param> params;
	reginfo_event ev{};

	explicit user_doc(int i)
	{
		char b[96];

		std::snprintf(b, sizeof(b), "sip:+1555%07d@ims.example.net", i);
		aor = b;
		std::snprintf(b, sizeof(b), "call-%d@scscf", i);
		callid = b;
		for (int k = 0; k < 3; k++) {
			std::snprintf(b, sizeof(b), "sip:+1555%07d@10.%d.%d.%d:5060", i, k,
				      (i >> 8) & 255, i & 255);
			uri[k] = b;
		}
		add(0, "+sip.instance", "\"<urn:gsma:imei:35332510-123456-9>\"");
		add(0, "+g.3gpp.icsi-ref",
		    "\"" ICSI "mmtel," ICSI "oma.cpm.msg," ICSI "oma.cpm.largemsg," ICSI
		    "oma.cpm.deferred," ICSI "oma.cpm.session," ICSI "oma.cpm.filetransfer," ICSI
		    "oma.cpm.systemmsg\"");
		add(0, "+g.3gpp.smsip", "");
		add(0, "+g.gsma.rcs.telephony", "\"cs,volte\"");
		add(1, "+sip.instance", "\"<urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b>\"");
		add(1, "+g.3gpp.icsi-ref",
		    "\"" ICSI "oma.cpm.msg," ICSI "oma.cpm.session," ICSI "oma.cpm.filetransfer\"");
		add(2, "+sip.instance", "\"<urn:uuid:c0ffee00-1d2c-4b3a-8e9f-0a1b2c3d4e5f>\"");
		add(2, "+g.3gpp.icsi-ref", "\"" ICSI "oma.cpm.session\"");
		static const char *const ids[3] = { "c1", "c2", "c3" };
		uint32_t first = 0;
		for (int k = 0; k < 3; k++) {
			reginfo_contact &c = contacts[k];
			c.id = sl(ids[k]);
			c.uri = sl(uri[k]);
			c.state = REGINFO_CONTACT_ACTIVE;
			c.event = REGINFO_EV_REGISTERED;
			c.has = REGINFO_HAS_EXPIRES;
			c.expires = 3600;
			c.first_param = first;
			c.n_params = k == 0 ? 4 : 2;
			first += c.n_params;
		}
		reg.aor = sl(aor);
		reg.id = sl("r1");
		reg.state = REGINFO_REG_ACTIVE;
		reg.first_contact = 0;
		reg.n_contacts = 3;
		ev.version = 0;
		ev.state = REGINFO_DOC_FULL;
		ev.regs = &reg;
		ev.n_regs = 1;
		ev.contacts = contacts;
		ev.n_contacts = 3;
		ev.params = params.data();
		ev.n_params = static_cast<uint32_t>(params.size());
		ev.first_skip = REGINFO_ERR_OK;
	}

	// Parameters are added contact by contact (the first argument says which),
	// so each contact's range is contiguous.
	void add(int, const char *name, const char *value)
	{
		params.push_back(reginfo_param{ sl(name), sl(value) });
	}
};

struct fixture {
	regtable *t = nullptr;
	regtable_writer *w = nullptr;
	std::vector<std::string> aors;
	policy_rules *policy = nullptr;
	policy_prefs *prefs = nullptr;

	fixture()
	{
		regtable_config cfg;
		char err[POLICY_ERRLEN];
		int rc;

		regtable_config_default(&cfg);
		cfg.max_memory = 64u << 20;
		cfg.max_registrations = 4 * kUsers;
		if (regtable_create(&cfg, &t) != 0 || (w = regtable_writer_new(t)) == nullptr) {
			std::fprintf(stderr, "regtable setup failed\n");
			std::exit(2);
		}
		prefs = policy_prefs_new(0);
		for (int i = 0; i < kUsers; i++) {
			user_doc d(i);
			regtable_notify n{};

			n.resource = sl(d.aor);
			n.callid = sl(d.callid);
			n.from_tag = sl("scscf");
			n.to_tag = sl("as");
			n.cseq = 1;
			n.sub_state = REGTABLE_SUBSTATE_ACTIVE;
			if (regtable_apply(t, w, &n, &d.ev, kNow) != REGTABLE_APPLIED) {
				std::fprintf(stderr, "apply failed for user %d\n", i);
				std::exit(2);
			}
			aors.push_back(d.aor);
			const char *pd = "{\"rules\": [{\"instance\": "
					 "\"urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b\", "
					 "\"request\": \"file-transfer\", \"action\": \"deny\"}]}";
			policy_rules *set = policy_rules_parse(pd, std::strlen(pd), &rc, err,
							       sizeof(err));
			if (set == nullptr || policy_prefs_set(prefs, sl(d.aor), set) != 0) {
				std::fprintf(stderr, "prefs setup failed\n");
				std::exit(2);
			}
		}
		const char *pol = "{\"rules\": ["
				  "{\"request\": \"system\", \"role\": \"secondary\", \"action\": \"deny\"},"
				  "{\"request\": \"file-transfer\", \"role\": \"secondary\", "
				  "\"interworked\": false, \"action\": \"deny\"},"
				  "{\"instance\": \"urn:gsma:imei:99*\", \"action\": \"deny\"}]}";
		policy = policy_rules_parse(pol, std::strlen(pol), &rc, err, sizeof(err));
		if (policy == nullptr) {
			std::fprintf(stderr, "policy: %s\n", err);
			std::exit(2);
		}
	}

	// Objects still allocated in the table's pool after teardown (0 = no leak).
	uint64_t teardown()
	{
		policy_rules_free(policy);
		policy_prefs_free(prefs);
		regtable_writer_free(w);
		return regtable_destroy(t);
	}
};

fixture *the_fixture;

fixture &
fx()
{
	if (the_fixture == nullptr)
		the_fixture = new fixture();
	return *the_fixture;
}

// Same user every time: the cost with warm caches.
void
BM_suit_query_one_user(benchmark::State &state)
{
	fixture &f = fx();
	static suit_result res;
	rgl_slice aor = sl(f.aors[kUsers / 2]);

	for (auto _ : state) {
		int rc = suit_query(f.t, aor, RGL_SVC_FILE_TRANSFER, false, nullptr, nullptr, kNow,
				    &res);
		benchmark::DoNotOptimize(rc);
		benchmark::DoNotOptimize(res.n_suitable);
	}
	if (res.n_clients != 3 || res.n_suitable != 2)
		state.SkipWithError("unexpected answer");
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_suit_query_one_user);

// A different user each time, with operator policy and per-user preferences.
void
BM_suit_query_policy_prefs(benchmark::State &state)
{
	fixture &f = fx();
	static suit_result res;
	size_t i = 0;

	for (auto _ : state) {
		int rc = suit_query(f.t, sl(f.aors[i]), RGL_SVC_FILE_TRANSFER, false, f.policy,
				    f.prefs, kNow, &res);
		benchmark::DoNotOptimize(rc);
		benchmark::DoNotOptimize(res.n_suitable);
		i = i + 1 == f.aors.size() ? 0 : i + 1;
	}
	if (res.n_clients != 3 || res.n_suitable != 1)
		state.SkipWithError("unexpected answer");
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_suit_query_policy_prefs);

// Rendering one answer as JSON text (what the HTTP API adds on top).
void
BM_suit_result_json(benchmark::State &state)
{
	fixture &f = fx();
	static suit_result res;

	suit_query(f.t, sl(f.aors[0]), RGL_SVC_PAGER, true, f.policy, f.prefs, kNow, &res);
	for (auto _ : state) {
		json_t *j = suit_result_to_json(&res);
		char *text = json_dumps(j, JSON_COMPACT);
		size_t len = text ? std::strlen(text) : 0;

		benchmark::DoNotOptimize(len);
		std::free(text);
		json_decref(j);
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_suit_result_json);

} // namespace

int
main(int argc, char **argv)
{
	uint64_t leaked = 0;

	urcu_qsbr_register_thread();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	if (the_fixture != nullptr) {
		leaked = the_fixture->teardown();
		delete the_fixture;
	}
	urcu_qsbr_unregister_thread();
	std::printf("SUMMARY users %d nr_leaked %llu\n", kUsers,
		    static_cast<unsigned long long>(leaked));
	return leaked == 0 ? 0 : 1;
}
