/* SPDX-License-Identifier: MIT */
/*
 * DPDK telemetry commands under /reglane/ (include/reglane/ctl_telemetry.h).
 *
 * DPDK calls these on its own socket threads (one per client connection,
 * lib/telemetry/telemetry.c), which are not urcu readers. So (RCU.md 3):
 *  - /reglane/stats reads only the workers' counter blocks, with the
 *    relaxed loads of stats.h: no RCU at all;
 *  - /reglane/user and /reglane/info register the calling thread for the
 *    duration of the table access, copy what they answer into local
 *    buffers, and unregister before building the reply. Registration takes
 *    liburcu's registry mutex, acceptable for a human-driven command.
 * One mutex orders every callback against ctl_telemetry_detach(): once it
 * returns, no callback holds a table pointer or reads a counter block, so
 * the control thread may destroy the table and main may free the workers.
 *
 * The 22.11 telemetry data model allows one level of containers, arrays
 * only, and dict keys of [A-Za-z0-9_/]; a user's contacts are therefore
 * parallel arrays (contact_id[i], contact_role[i], ...). Strings are
 * limited to RTE_TEL_MAX_STRING_LEN and 22.11 does not escape them in its
 * JSON, so what comes off the wire is reduced to printable ASCII without
 * quotes or backslashes.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include <reglane/ctl_telemetry.h>
#include <reglane/rcu.h>
#include <reglane/reginfo.h>
#include <reglane/services.h>

/* Contacts one /reglane/user answer lists (the reply buffer is 16 KiB). */
#define TEL_MAX_CONTACTS 32
#define TEL_STR RTE_TEL_MAX_STRING_LEN
#define TEL_MAX_WORKERS 1024

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static bool tel_registered; /* commands registered with DPDK (once per process) */

/* Under tel_lock. */
static struct {
	bool attached;
	struct regtable *table;
	const struct reglane_lcore_stats **stats;
	unsigned n_stats;
	uint64_t (*now)(void *arg);
	void *arg;
} tel;

/* Printable ASCII without '"' and '\\', at most TEL_STR - 1 bytes. */
static void
tel_copy(char dst[TEL_STR], struct rgl_slice s)
{
	size_t n = s.p != NULL ? s.len : 0;

	if (n > TEL_STR - 1)
		n = TEL_STR - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		dst[i] = (c < 0x20 || c > 0x7e || c == '"' || c == '\\') ? '?' : (char)c;
	}
	dst[n] = '\0';
}

static int
tel_error(struct rte_tel_data *d, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

static int
tel_cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char name[TEL_STR];
	struct reglane_lcore_stats *total;

	(void)cmd;
	(void)params;
	/* About 1 KiB of counters: off the telemetry thread's stack. */
	total = malloc(sizeof(*total));
	if (total == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&tel_lock);
	if (!tel.attached) {
		pthread_mutex_unlock(&tel_lock);
		free(total);
		return tel_error(d, "reglane is stopping");
	}
	reglane_stats_sum(total, tel.stats, tel.n_stats);
	pthread_mutex_unlock(&tel_lock);

	rte_tel_data_start_dict(d);
	for (unsigned c = 0; c < RGL_CTR__COUNT; c++)
		if (reglane_counter_name((enum reglane_counter)c, name, sizeof(name)) > 0)
			rte_tel_data_add_dict_u64(d, name, total->c[c]);
	free(total);
	return 0;
}

static int
tel_cmd_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct regtable_stats st;
	unsigned workers;

	(void)cmd;
	(void)params;
	pthread_mutex_lock(&tel_lock);
	if (!tel.attached) {
		pthread_mutex_unlock(&tel_lock);
		return tel_error(d, "reglane is stopping");
	}
	urcu_qsbr_register_thread();
	regtable_stats(tel.table, &st);
	urcu_qsbr_unregister_thread();
	workers = tel.n_stats;
	pthread_mutex_unlock(&tel_lock);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", workers);
	rte_tel_data_add_dict_u64(d, "registrations", st.registrations);
	rte_tel_data_add_dict_u64(d, "subscriptions", st.subscriptions);
	rte_tel_data_add_dict_u64(d, "aliases", st.aliases);
	rte_tel_data_add_dict_u64(d, "memory_total", st.mem_total);
	rte_tel_data_add_dict_u64(d, "memory_in_use", st.mem_in_use);
	rte_tel_data_add_dict_u64(d, "retired_pending", st.retired_pending);
	rte_tel_data_add_dict_u64(d, "alloc_failures", st.alloc_failures);
	return 0;
}

/* What /reglane/user answers, copied out of the snapshot. */
struct tel_user {
	char aor[TEL_STR];
	char state[TEL_STR];
	char reg_id[TEL_STR];
	char resource[TEL_STR];
	uint64_t version;
	bool version_set;
	bool refresh_needed;
	uint32_t n_contacts;
	uint32_t shown;
	struct {
		char id[TEL_STR];
		char uri[TEL_STR];
		char services[TEL_STR];
		uint8_t role;
		uint64_t expires; /* seconds left; UINT64_MAX: none */
	} c[TEL_MAX_CONTACTS];
};

/* Comma-separated names of a services mask. */
static void
tel_services(char dst[TEL_STR], uint32_t mask)
{
	size_t n = 0;

	dst[0] = '\0';
	for (unsigned s = 0; s < RGL_SVC__COUNT; s++)
		if ((mask & RGL_SVC_BIT(s)) != 0 && n < TEL_STR)
			n += (size_t)snprintf(dst + n, TEL_STR - n, "%s%s", n != 0 ? "," : "",
					      rgl_service_str((enum rgl_service)s));
}

/* Copy @p m into @p u. Registered, online. */
static void
tel_copy_user(const struct regtable_match *m, uint64_t now, struct tel_user *u)
{
	const struct regtable_snapshot *s = m->snap;
	const struct regtable_registration *r = m->reg;
	const struct regtable_contact *cs = regtable_reg_contacts(s, r);
	const char *st = reginfo_reg_state_str((enum reginfo_reg_state)r->state);

	tel_copy(u->aor, regtable_str(s, r->aor));
	tel_copy(u->state, rgl_slice_make(st, strlen(st)));
	tel_copy(u->reg_id, regtable_str(s, r->id));
	tel_copy(u->resource, regtable_str(s, s->resource));
	u->version = s->version;
	u->version_set = s->version_set != 0;
	u->refresh_needed = s->refresh_needed != 0;
	u->n_contacts = r->n_contacts;
	u->shown = r->n_contacts < TEL_MAX_CONTACTS ? r->n_contacts : TEL_MAX_CONTACTS;
	for (uint32_t i = 0; i < u->shown; i++) {
		const struct regtable_contact *c = &cs[i];

		tel_copy(u->c[i].id, regtable_str(s, c->id));
		tel_copy(u->c[i].uri, regtable_str(s, c->uri));
		tel_services(u->c[i].services, c->services);
		u->c[i].role = c->role;
		if (!(c->has & REGINFO_HAS_EXPIRES))
			u->c[i].expires = UINT64_MAX;
		else
			u->c[i].expires = c->expires_at > now ? c->expires_at - now : 0;
	}
}

/* A string array container, or NULL. */
static struct rte_tel_data *
tel_array(enum rte_tel_value_type type)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a != NULL)
		rte_tel_data_start_array(a, type);
	return a;
}

static void
tel_add_container(struct rte_tel_data *d, const char *name, struct rte_tel_data *a)
{
	if (a != NULL && rte_tel_data_add_dict_container(d, name, a, 0) != 0)
		rte_tel_data_free(a);
}

static int
tel_cmd_user(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *ids, *roles, *uris, *svcs, *exp;
	struct regtable_match m;
	struct tel_user *u;
	int rc;

	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return tel_error(d, "usage: /reglane/user,<AoR> (sip:, sips: or tel: URI)");
	u = malloc(sizeof(*u)); /* about 16 KiB */
	if (u == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&tel_lock);
	if (!tel.attached) {
		pthread_mutex_unlock(&tel_lock);
		free(u);
		return tel_error(d, "reglane is stopping");
	}
	/* Registered (and so online) only while the snapshot is read. */
	urcu_qsbr_register_thread();
	rc = regtable_lookup(tel.table, rgl_slice_make(params, strlen(params)), &m);
	if (rc == 0)
		tel_copy_user(&m, tel.now != NULL ? tel.now(tel.arg) : 0, u);
	urcu_qsbr_unregister_thread();
	pthread_mutex_unlock(&tel_lock);

	if (rc < 0) {
		free(u);
		return tel_error(d, rc == -ENOENT ? "unknown user" : "not a usable sip:/tel: AoR");
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "aor", u->aor);
	rte_tel_data_add_dict_string(d, "state", u->state);
	rte_tel_data_add_dict_string(d, "registration_id", u->reg_id);
	rte_tel_data_add_dict_string(d, "resource", u->resource);
	if (u->version_set)
		rte_tel_data_add_dict_u64(d, "version", u->version);
	rte_tel_data_add_dict_int(d, "refresh_needed", u->refresh_needed);
	rte_tel_data_add_dict_u64(d, "contacts", u->n_contacts);
	ids = tel_array(RTE_TEL_STRING_VAL);
	roles = tel_array(RTE_TEL_STRING_VAL);
	uris = tel_array(RTE_TEL_STRING_VAL);
	svcs = tel_array(RTE_TEL_STRING_VAL);
	exp = tel_array(RTE_TEL_INT_VAL);
	for (uint32_t i = 0; i < u->shown; i++) {
		if (ids != NULL)
			rte_tel_data_add_array_string(ids, u->c[i].id);
		if (roles != NULL)
			rte_tel_data_add_array_string(roles, regtable_role_str(u->c[i].role));
		if (uris != NULL)
			rte_tel_data_add_array_string(uris, u->c[i].uri);
		if (svcs != NULL)
			rte_tel_data_add_array_string(svcs, u->c[i].services);
		/* -1: the document gave no expiry. */
		if (exp != NULL)
			rte_tel_data_add_array_int(exp, u->c[i].expires == UINT64_MAX ? -1 :
							u->c[i].expires > INT32_MAX ?
							INT32_MAX : (int)u->c[i].expires);
	}
	tel_add_container(d, "contact_id", ids);
	tel_add_container(d, "contact_role", roles);
	tel_add_container(d, "contact_uri", uris);
	tel_add_container(d, "contact_services", svcs);
	tel_add_container(d, "contact_expires_s", exp);
	free(u);
	return 0;
}

int
ctl_telemetry_attach(const struct ctl_telemetry_params *p)
{
	const struct reglane_lcore_stats **copy;
	int rc = 0;

	if (p == NULL || p->table == NULL || p->n_stats > TEL_MAX_WORKERS ||
	    (p->n_stats != 0 && p->stats == NULL))
		return -EINVAL;
	copy = calloc(p->n_stats != 0 ? p->n_stats : 1, sizeof(*copy));
	if (copy == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < p->n_stats; i++)
		copy[i] = p->stats[i];
	pthread_mutex_lock(&tel_lock);
	free(tel.stats);
	tel.table = p->table;
	tel.stats = copy;
	tel.n_stats = p->n_stats;
	tel.now = p->now;
	tel.arg = p->arg;
	tel.attached = true;
	if (!tel_registered) {
		rc = rte_telemetry_register_cmd("/reglane/stats", tel_cmd_stats,
						"reglane dataplane counters, summed over workers. "
						"No parameters.");
		if (rc == 0)
			rc = rte_telemetry_register_cmd("/reglane/info", tel_cmd_info,
							"reglane workers and table counts. "
							"No parameters.");
		if (rc == 0)
			rc = rte_telemetry_register_cmd("/reglane/user", tel_cmd_user,
							"One user's registration. "
							"Parameter: any AoR of its set.");
		tel_registered = rc == 0;
	}
	if (rc != 0)
		tel.attached = false;
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

void
ctl_telemetry_detach(void)
{
	/* Taking the lock waits for a callback in progress. */
	pthread_mutex_lock(&tel_lock);
	tel.attached = false;
	tel.table = NULL;
	free(tel.stats);
	tel.stats = NULL;
	tel.n_stats = 0;
	pthread_mutex_unlock(&tel_lock);
}
