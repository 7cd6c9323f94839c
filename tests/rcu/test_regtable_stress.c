/* SPDX-License-Identifier: MIT */
/*
 * Registration table under concurrency (after liburcu's
 * tests/benchmark/test_urcu_hash.c): writers apply versioned full
 * documents to a small set of overlapping users, readers look them up,
 * a control thread sweeps and grows the tables, for a fixed duration.
 *
 * Checks:
 *  - readers only ever see whole snapshots: every contact carries the
 *    version of the snapshot it is in, the contact count and the AoR set
 *    match that version;
 *  - at the end every user sits at the highest version any writer got
 *    APPLIED for it, with exactly that document's contacts (no lost or
 *    reordered update);
 *  - the pool has no object left after teardown (nr_leaked == 0), and
 *    under ASan/LSan nothing else leaked either.
 *
 * Usage: test_regtable_stress [seconds (default 3, at most 10)]
 * Prints one SUMMARY line; exit status 0 when every check held.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <reglane/rcu.h>
#include <reglane/regtable.h>

#define N_WRITERS 3
#define N_READERS 2
#define N_USERS 64
#define NOW 1000u /* nothing expires: contacts carry no expiry */

static struct regtable *table;
static atomic_bool stop;
static atomic_uint next_version[N_USERS];
static atomic_uint next_cseq[N_USERS];
static atomic_uint applied_max[N_USERS]; /* highest APPLIED version + 1 (0: none) */
static atomic_ulong failures;

struct counters {
	_Alignas(64) unsigned long ops;
	unsigned long results[REGTABLE_RESULT__COUNT];
	unsigned long hits;
	unsigned long misses;
	unsigned long torn;
	unsigned long sweeps;
	unsigned long resizes;
};

static struct counters wcount[N_WRITERS], rcount[N_READERS], ccount;
/* One RT call_rcu worker per writer and one for the control thread,
 * created by main() before the threads start (RCU.md 0.7). */
static struct call_rcu_data *crdp[N_WRITERS + 1];

static void
fail(const char *what, unsigned u, unsigned v)
{
	atomic_fetch_add(&failures, 1);
	fprintf(stderr, "FAIL: %s (user %u, version %u)\n", what, u, v);
}

static unsigned
rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) & 0xffffff;
}

/* The document of (user, version): a full state whose shape encodes v. */
struct doc {
	struct reginfo_event ev;
	struct reginfo_registration regs[2];
	struct reginfo_contact contacts[6];
	struct reginfo_param params[6];
	char aor[2][48];
	char cid[6][24];
	char uri[6][48];
	char vtxt[16];
};

static unsigned
n_contacts_of(unsigned v)
{
	return 1 + v % 3;
}

static void
sl(struct rgl_slice *s, const char *p)
{
	*s = rgl_slice_make(p, strlen(p));
}

static void
make_doc(struct doc *d, unsigned u, unsigned v)
{
	unsigned nc = n_contacts_of(v), nregs = (v % 2 == 0) ? 2 : 1;

	memset(&d->ev, 0, sizeof(d->ev));
	d->ev.version = v;
	d->ev.state = REGINFO_DOC_FULL;
	d->ev.regs = d->regs;
	d->ev.contacts = d->contacts;
	d->ev.params = d->params;
	snprintf(d->vtxt, sizeof(d->vtxt), "%u", v);
	snprintf(d->aor[0], sizeof(d->aor[0]), "sip:+1555%04u@ims.example.net", u);
	snprintf(d->aor[1], sizeof(d->aor[1]), "tel:+1666%04u", u);
	for (unsigned r = 0; r < nregs; r++) {
		struct reginfo_registration *reg = &d->regs[r];

		memset(reg, 0, sizeof(*reg));
		sl(&reg->aor, d->aor[r]);
		sl(&reg->id, r ? "tel" : "sip");
		reg->state = REGINFO_REG_ACTIVE;
		reg->first_contact = d->ev.n_contacts;
		/* the same contacts under each AoR of the set */
		for (unsigned k = 0; k < nc; k++) {
			struct reginfo_contact *c = &d->contacts[d->ev.n_contacts++];
			struct reginfo_param *p = &d->params[d->ev.n_params];

			memset(c, 0, sizeof(*c));
			snprintf(d->cid[k], sizeof(d->cid[k]), "c%u-%u", v, k);
			snprintf(d->uri[k], sizeof(d->uri[k]), "sip:u%u@10.%u.%u.%u", u, v >> 16,
				 (v >> 8) & 255, k);
			sl(&c->id, d->cid[k]);
			sl(&c->uri, d->uri[k]);
			c->state = REGINFO_CONTACT_ACTIVE;
			c->event = REGINFO_EV_REGISTERED;
			c->first_param = d->ev.n_params;
			c->n_params = 1;
			sl(&p->name, "+x.version");
			sl(&p->value, d->vtxt);
			d->ev.n_params++;
			reg->n_contacts++;
		}
		d->ev.n_regs++;
	}
}

/* Whether snapshot @p s is exactly the document of (u, its version). */
static bool
snapshot_is_whole(const struct regtable_snapshot *s, unsigned u, bool exact)
{
	unsigned v = s->version, nc = n_contacts_of(v), nregs = (v % 2 == 0) ? 2 : 1;
	char want[24], uri[48];

	if (!s->version_set || s->n_regs != nregs || s->n_contacts != nc * nregs)
		return false;
	snprintf(want, sizeof(want), "%u", v);
	for (uint32_t i = 0; i < s->n_contacts; i++) {
		const struct regtable_contact *c = &s->contacts[i];
		const struct regtable_feature *f = regtable_contact_features(s, c);

		if (c->n_features != 1 || !rgl_slice_eq(regtable_str(s, f[0].value), want))
			return false;
		if (exact) {
			snprintf(uri, sizeof(uri), "sip:u%u@10.%u.%u.%u", u, v >> 16, (v >> 8) & 255,
				 i % nc);
			if (!rgl_slice_eq(regtable_str(s, c->uri), uri))
				return false;
		}
	}
	return true;
}

static void *
writer(void *arg)
{
	struct counters *cnt = arg;
	unsigned seed = (unsigned)(uintptr_t)arg;
	struct regtable_writer *w;
	struct doc *d = calloc(1, sizeof(*d));
	char res[48], cid[24];

	urcu_qsbr_register_thread();
	urcu_qsbr_set_thread_call_rcu_data(crdp[cnt - wcount]);
	w = regtable_writer_new(table);
	if (w == NULL || d == NULL)
		abort();
	while (!atomic_load_explicit(&stop, memory_order_acquire)) {
		unsigned u = rnd(&seed) % N_USERS;
		unsigned v = atomic_fetch_add(&next_version[u], 1);
		/* taken separately: CSeq order and version order may disagree,
		 * as with a notifier whose NOTIFYs are reordered in flight */
		unsigned cs = atomic_fetch_add(&next_cseq[u], 1);
		struct regtable_notify n;
		enum regtable_result r;

		make_doc(d, u, v);
		snprintf(res, sizeof(res), "sip:+1555%04u@ims.example.net", u);
		snprintf(cid, sizeof(cid), "sub-%u", u);
		memset(&n, 0, sizeof(n));
		n.resource = rgl_slice_make(res, strlen(res));
		n.callid = rgl_slice_make(cid, strlen(cid));
		n.cseq = cs; /* reordered NOTIFYs: some get 500, some are stale */
		r = regtable_apply(table, w, &n, &d->ev, NOW);
		cnt->ops++;
		cnt->results[r]++;
		if (r == REGTABLE_APPLIED) {
			unsigned cur = atomic_load(&applied_max[u]);

			while (cur < v + 1 && !atomic_compare_exchange_weak(&applied_max[u], &cur, v + 1))
				;
		} else if (r != REGTABLE_STALE && r != REGTABLE_CSEQ_OLD &&
			   r != REGTABLE_NO_MEMORY) {
			/* NO_MEMORY is the 503 backpressure when grace periods
			 * lag (starved call_rcu threads): refused, not lost */
			fprintf(stderr, "apply: %s\n", regtable_result_str(r));
			fail("unexpected apply result", u, v);
		}
		urcu_qsbr_quiescent_state(); /* end of a "burst" */
	}
	regtable_writer_free(w);
	urcu_qsbr_set_thread_call_rcu_data(NULL);
	urcu_qsbr_unregister_thread();
	free(d);
	return NULL;
}

static void *
reader(void *arg)
{
	struct counters *cnt = arg;
	unsigned seed = (unsigned)(uintptr_t)arg * 7u + 1u;
	bool napper = cnt == &rcount[0];
	char aor[48];

	urcu_qsbr_register_thread();
	while (!atomic_load_explicit(&stop, memory_order_acquire)) {
		unsigned u = rnd(&seed) % N_USERS, which = rnd(&seed) & 1;
		struct regtable_match m;

		if (which)
			snprintf(aor, sizeof(aor), "tel:+1666%04u", u);
		else
			snprintf(aor, sizeof(aor), "sip:+1555%04u@ims.example.net", u);
		urcu_qsbr_read_lock();
		if (regtable_lookup(table, rgl_slice_make(aor, strlen(aor)), &m) == 0) {
			cnt->hits++;
			if (!snapshot_is_whole(m.snap, u, true)) {
				cnt->torn++;
				fail("reader saw a torn snapshot", u, m.snap->version);
			}
			if (which && m.snap->version % 2 != 0)
				fail("tel alias answered by a snapshot without it", u, m.snap->version);
		} else {
			cnt->misses++;
		}
		urcu_qsbr_read_unlock();
		cnt->ops++;
		if ((cnt->ops & 63) == 0)
			urcu_qsbr_quiescent_state();
		if (napper && (cnt->ops & 4095) == 0) {
			/* a thread that blocks goes offline (RCU.md 0.3) */
			urcu_qsbr_thread_offline();
			usleep(100);
			urcu_qsbr_thread_online();
		}
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}

static void *
control(void *arg)
{
	struct counters *cnt = arg;
	struct regtable_writer *w;

	urcu_qsbr_register_thread();
	urcu_qsbr_set_thread_call_rcu_data(crdp[N_WRITERS]);
	w = regtable_writer_new(table);
	if (w == NULL)
		abort();
	while (!atomic_load_explicit(&stop, memory_order_acquire)) {
		struct regtable_sweep_stats st;

		regtable_sweep(table, w, NOW, 16, &st);
		cnt->sweeps++;
		cnt->resizes += st.resizes;
		cnt->ops += st.aliases_removed;
		urcu_qsbr_thread_offline();
		usleep(200);
		urcu_qsbr_thread_online();
	}
	regtable_writer_free(w);
	urcu_qsbr_set_thread_call_rcu_data(NULL);
	urcu_qsbr_unregister_thread();
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t wt[N_WRITERS], rt[N_READERS], ct;
	struct regtable_config cfg;
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 3;
	unsigned long tot[REGTABLE_RESULT__COUNT] = { 0 }, wops = 0, rops = 0, hits = 0, misses = 0;
	unsigned long checked = 0;
	uint64_t leaked;
	char aor[48], cid[48];

	if (seconds == 0 || seconds > 10)
		seconds = 3;
	regtable_config_default(&cfg);
	cfg.max_memory = 256u << 20;
	cfg.max_registrations = 4096;
	cfg.init_buckets = 4; /* tiny: the control thread grows the tables under load */
	if (regtable_create(&cfg, &table) != 0)
		return 2;

	/* Not freed at exit: 0.13.2's call_rcu_data_free does not join its
	 * worker (RCU.md 1); they stay reachable from liburcu's list. */
	for (int i = 0; i <= N_WRITERS; i++) {
		crdp[i] = urcu_qsbr_create_call_rcu_data(URCU_CALL_RCU_RT, -1);
		if (crdp[i] == NULL)
			return 2;
	}
	for (int i = 0; i < N_WRITERS; i++)
		pthread_create(&wt[i], NULL, writer, &wcount[i]);
	for (int i = 0; i < N_READERS; i++)
		pthread_create(&rt[i], NULL, reader, &rcount[i]);
	pthread_create(&ct, NULL, control, &ccount);

	sleep(seconds);
	atomic_store_explicit(&stop, true, memory_order_release);
	for (int i = 0; i < N_WRITERS; i++)
		pthread_join(wt[i], NULL);
	for (int i = 0; i < N_READERS; i++)
		pthread_join(rt[i], NULL);
	pthread_join(ct, NULL);

	/* Final state: each user at its highest applied version, exactly. */
	urcu_qsbr_register_thread();
	for (unsigned u = 0; u < N_USERS; u++) {
		unsigned want = atomic_load(&applied_max[u]);
		const struct regtable_snapshot *s;

		snprintf(aor, sizeof(aor), "sip:+1555%04u@ims.example.net", u);
		snprintf(cid, sizeof(cid), "sub-%u", u);
		s = regtable_find_subscription(table, rgl_slice_make(aor, strlen(aor)),
					       rgl_slice_make(cid, strlen(cid)));
		if (want == 0) {
			if (s != NULL && s->version_set)
				fail("user without an applied version has one", u, s->version);
			continue;
		}
		if (s == NULL || s->version != want - 1) {
			fail("final version is not the highest applied", u, s ? s->version : 0);
			continue;
		}
		if (!snapshot_is_whole(s, u, true))
			fail("final contacts differ from the document", u, s->version);
		{
			struct regtable_match m;
			bool tel;

			snprintf(aor, sizeof(aor), "tel:+1666%04u", u);
			tel = regtable_lookup(table, rgl_slice_make(aor, strlen(aor)), &m) == 0;
			if (tel != ((want - 1) % 2 == 0))
				fail("tel alias disagrees with the final snapshot", u, want - 1);
		}
		checked++;
	}
	urcu_qsbr_quiescent_state();
	leaked = regtable_destroy(table);
	urcu_qsbr_unregister_thread();

	for (int i = 0; i < N_WRITERS; i++) {
		wops += wcount[i].ops;
		for (int r = 0; r < REGTABLE_RESULT__COUNT; r++)
			tot[r] += wcount[i].results[r];
	}
	for (int i = 0; i < N_READERS; i++) {
		rops += rcount[i].ops;
		hits += rcount[i].hits;
		misses += rcount[i].misses;
	}
	printf("SUMMARY duration=%us writers=%d readers=%d users=%d applies=%lu applied=%lu "
	       "stale=%lu cseq_old=%lu no_memory=%lu lookups=%lu hits=%lu misses=%lu sweeps=%lu "
	       "resizes=%lu users_checked=%lu nr_leaked=%llu failures=%lu\n",
	       seconds, N_WRITERS, N_READERS, N_USERS, wops, tot[REGTABLE_APPLIED],
	       tot[REGTABLE_STALE], tot[REGTABLE_CSEQ_OLD], tot[REGTABLE_NO_MEMORY], rops, hits,
	       misses, ccount.sweeps,
	       ccount.resizes, checked, (unsigned long long)leaked,
	       (unsigned long)atomic_load(&failures));
	return (atomic_load(&failures) == 0 && leaked == 0 && wops > 0 && hits > 0) ? 0 : 1;
}
