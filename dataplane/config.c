/* SPDX-License-Identifier: MIT */
/*
 * Configuration: defaults < INI file < command line.
 *
 * One table of options (the X-macro below) drives the command line, the INI
 * keys, --help and config_write_ini(), so an option is added in one place
 * plus its case in opt_apply() and opt_values(). Every value is checked when
 * it is read and rejected with a message naming the option (and file:line),
 * because a mistyped trust prefix or port found later, on the packet path,
 * is an outage rather than an error message.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include <reglane/config.h>

/* name, metavar (NULL: a flag), help */
#define foreach_opt                                                                        \
	_(CONFIG, "config", "FILE", "read options from an INI file (command line wins)")   \
	_(SIP_PORT, "sip-port", "PORT", "UDP port SIP requests arrive on")                 \
	_(ADDR, "addr", "IP", "own IPv4/IPv6 address (repeatable)")                        \
	_(TRUST, "trust", "PREFIX",                                                        \
	  "trusted peer prefix, e.g. 192.0.2.0/24 (repeatable); none: trust all")          \
	_(UNTRUSTED, "untrusted", "reply403|drop", "answer for an untrusted source")      \
	_(MAX_BODY_BYTES, "max-body-bytes", "N", "largest NOTIFY body processed (413 above)") \
	_(MAX_REGISTRATIONS, "max-registrations", "N", "registration table capacity")      \
	_(MAX_MEMORY, "max-memory", "SIZE", "table memory budget, K/M/G/T suffixes (x1024)") \
	_(ROLE_HINT, "role-hint", "NAME[=VALUE]",                                          \
	  "primary-device hint (repeatable; 'none': no hints)")                            \
	_(SERVICE, "service", "TYPE=TAG[,TAG]", "feature tags of a request type (repeatable)") \
	_(HTTP, "http", "ADDR:PORT", "control API listen address ([v6]:port for IPv6)")    \
	_(HTTP_TOKEN, "http-token", "TOKEN", "bearer token required by the control API")   \
	_(POLICY, "policy", "FILE", "operator policy, a JSON rule set (reloaded on SIGHUP)") \
	_(PREFS, "prefs", "FILE", "user preference store, JSON (rewritten on each change)") \
	_(EXIT_ON_DRAIN, "exit-on-drain", NULL, "exit once the input is drained (replay)") \
	_(KEEP_SERVING, "keep-serving", NULL, "keep running after a drain (the default)")  \
	_(DUMP_STATE, "dump-state", "FILE", "write the state as JSON to FILE on drain/exit") \
	_(IDLE_SLEEP_US, "idle-sleep-us", "N", "worker sleep after an empty poll, 0 = spin") \
	_(BURST, "burst", "N", "rx/tx burst size")                                         \
	_(TXN_CACHE_SIZE, "txn-cache-size", "N",                                           \
	  "server transactions remembered per lcore (power of two)")                       \
	_(FRAG_MAX_ENTRIES, "frag-max-entries", "N", "IP reassembly flows per lcore")      \
	_(FRAG_TIMEOUT_MS, "frag-timeout-ms", "N", "IP reassembly timeout")                \
	_(LOG_LEVEL, "log-level", "LEVEL", "emerg|alert|crit|err|warning|notice|info|debug or 1..8") \
	_(HELP, "help", NULL, "print this text and exit")

enum opt_id {
#define _(sym, name, meta, help) OPT_##sym,
	foreach_opt
#undef _
	OPT__COUNT
};

struct opt {
	const char *name;
	const char *meta;
	const char *help;
};

static const struct opt opts[OPT__COUNT] = {
#define _(sym, name, meta, help) [OPT_##sym] = { name, meta, help },
	foreach_opt
#undef _
};

/* Numeric limits, shared by the checks and the help text. */
#define MAX_BODY_MIN 64u
#define MAX_BODY_MAX (16u << 20)
#define MAX_REGS_MAX (1u << 30)
#define MAX_MEMORY_MIN (1ull << 20)
#define MAX_MEMORY_MAX (1ull << 44)
#define IDLE_SLEEP_MAX 1000000u
#define BURST_MAX 512u
#define TXN_CACHE_MIN 64u
#define TXN_CACHE_MAX (1u << 24)
#define FRAG_ENTRIES_MAX (1u << 20)
#define FRAG_TIMEOUT_MAX 60000u

static const char *const service_names[RGL_SVC__COUNT] = {
#define _(sym, name) [RGL_SVC_##sym] = name,
	foreach_rgl_service
#undef _
};

static const char *const log_levels[] = {
	NULL, "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

enum source { SRC_FILE, SRC_ARGV };

/* One parse (one source). */
struct parse_state {
	struct reglane_config *cfg;
	char *err;
	size_t errlen;
	enum source src;
	const char *path; /* SRC_FILE */
	FILE *fp;
	int line;     /* lines read so far (the current line inside the handler) */
	int err_line; /* line of the message in err, 0 if none */
	bool stop;    /* the reader returns EOF from now on */
	int key_line[OPT__COUNT];  /* SRC_FILE: where each key was set */
	bool list_reset[OPT__COUNT]; /* repeatable option already reset by this source */
	bool svc_reset[RGL_SVC__COUNT];
	int drain_opt; /* OPT_EXIT_ON_DRAIN / OPT_KEEP_SERVING seen, -1: none */
	bool hint_none; /* "role-hint none" given in this source */
	const char *cur_opt; /* option being applied, for messages */
};

static int
fail(struct parse_state *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Store "<where>: <message>" once; the first problem is the one reported. */
static int
fail(struct parse_state *ps, const char *fmt, ...)
{
	char msg[RGL_CFG_ERRLEN];
	va_list ap;

	if (ps->err_line != 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err != NULL && ps->errlen != 0) {
		if (ps->src == SRC_FILE)
			snprintf(ps->err, ps->errlen, "%s:%d: %s: %s", ps->path, ps->line,
				 ps->cur_opt, msg);
		else
			snprintf(ps->err, ps->errlen, "--%s: %s", ps->cur_opt, msg);
	}
	ps->err_line = ps->src == SRC_FILE ? ps->line : -1;
	return -EINVAL;
}

void
config_defaults(struct reglane_config *cfg)
{
	static const struct {
		enum rgl_service svc;
		const char *tag;
	} svc_defaults[] = {
		/* SEMANTICS.md section 8.2. */
		{ RGL_SVC_PAGER, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg" },
		{ RGL_SVC_PAGER, "+g.gsma.rcs.cpm.pager-large" },
		{ RGL_SVC_LARGE_MESSAGE, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg" },
		{ RGL_SVC_LARGE_MESSAGE, "+g.gsma.rcs.cpm.pager-large" },
		{ RGL_SVC_SESSION, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session" },
		{ RGL_SVC_FILE_TRANSFER, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer" },
		{ RGL_SVC_DEFERRED, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.deferred" },
		{ RGL_SVC_SYSTEM, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.systemmsg" },
		{ RGL_SVC_INTERWORKED, "+g.3gpp.smsip" },
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg->sip_port = 5060;
	cfg->untrusted = RGL_UNTRUSTED_REPLY403;
	cfg->max_body_bytes = 65536;
	cfg->max_registrations = 1u << 20;
	cfg->max_memory = 1ull << 30;

	/* SEMANTICS.md section 7: IMEI instance, SMS over IP, mobile telephony. */
	snprintf(cfg->role_hints[0].name, RGL_CFG_TOKEN_MAX, "+sip.instance");
	snprintf(cfg->role_hints[0].values[0], RGL_CFG_TOKEN_MAX, "urn:gsma:imei:*");
	cfg->role_hints[0].n_values = 1;
	snprintf(cfg->role_hints[1].name, RGL_CFG_TOKEN_MAX, "+g.3gpp.smsip");
	snprintf(cfg->role_hints[2].name, RGL_CFG_TOKEN_MAX, "+g.gsma.rcs.telephony");
	snprintf(cfg->role_hints[2].values[0], RGL_CFG_TOKEN_MAX, "cs");
	snprintf(cfg->role_hints[2].values[1], RGL_CFG_TOKEN_MAX, "volte");
	cfg->role_hints[2].n_values = 2;
	cfg->n_role_hints = 3;

	for (size_t i = 0; i < sizeof(svc_defaults) / sizeof(svc_defaults[0]); i++) {
		struct rgl_service_tags *t = &cfg->services[svc_defaults[i].svc];

		snprintf(t->tags[t->n_tags++], RGL_CFG_TOKEN_MAX, "%s", svc_defaults[i].tag);
	}

	cfg->http_addr.family = 4;
	cfg->http_addr.addr[0] = 127;
	cfg->http_addr.addr[3] = 1;
	snprintf(cfg->http_host, sizeof(cfg->http_host), "127.0.0.1");
	cfg->http_port = 8080;

	cfg->idle_sleep_us = 0;
	cfg->burst = 32;
	cfg->txn_cache_size = 65536;
	cfg->frag_max_entries = 4096;
	cfg->frag_timeout_ms = 2000;
	cfg->log_level = 7;
}

const char *
config_service_name(enum rgl_service s)
{
	return (unsigned)s < RGL_SVC__COUNT ? service_names[s] : NULL;
}

/* ---- value parsers ------------------------------------------------------ */

/* Strict unsigned decimal: digits only, no sign, no blanks, no overflow. */
static int
parse_u64(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return 0;
}

static int
get_number(struct parse_state *ps, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	int rc = parse_u64(s, out, &end);

	if (rc == -EINVAL || (rc == 0 && *end != '\0'))
		return fail(ps, "'%s' is not a decimal number", s);
	if (rc == -ERANGE || *out < min || *out > max)
		return fail(ps, "'%s' is out of range %llu..%llu", s, (unsigned long long)min,
			    (unsigned long long)max);
	return 0;
}

static int
get_size(struct parse_state *ps, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	unsigned shift = 0;
	uint64_t v;
	int rc = parse_u64(s, &v, &end);

	if (rc == -EINVAL)
		return fail(ps, "'%s' is not a size (a number with an optional K, M, G or T)", s);
	if (rc == 0) {
		switch (tolower((unsigned char)*end)) {
		case '\0': break;
		case 'k': shift = 10; end++; break;
		case 'm': shift = 20; end++; break;
		case 'g': shift = 30; end++; break;
		case 't': shift = 40; end++; break;
		default:
			return fail(ps, "'%s': unknown size suffix (K, M, G or T)", s);
		}
		/* "1G", "1GB" and "1GiB" all mean 2**30. */
		if (shift != 0 && (strcmp(end, "B") == 0 || strcmp(end, "iB") == 0))
			end += strlen(end);
		if (*end != '\0')
			return fail(ps, "'%s': unknown size suffix (K, M, G or T)", s);
		if (v > (UINT64_MAX >> shift))
			rc = -ERANGE;
		v <<= shift;
	}
	if (rc == -ERANGE || v < min || v > max)
		return fail(ps, "'%s' is out of range %llu..%llu bytes", s,
			    (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int
get_bool(struct parse_state *ps, const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return fail(ps, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", s);
}

int
config_parse_addr(const char *s, struct rgl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = 6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

int
config_parse_prefix(const char *s, struct rgl_prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	struct rgl_addr a;
	unsigned maxlen, len;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (config_parse_addr(buf, &a) < 0)
		return -EINVAL;
	maxlen = a.family == 4 ? 32 : 128;
	len = maxlen;
	if (slash != NULL) {
		uint64_t v;
		const char *end;

		if (parse_u64(slash + 1, &v, &end) < 0 || *end != '\0' || v > maxlen)
			return -EINVAL;
		len = (unsigned)v;
	}
	/* Host bits set usually means a typo (a host where a net was meant). */
	for (unsigned bit = len; bit < maxlen; bit++)
		if (a.addr[bit / 8] & (0x80u >> (bit % 8)))
			return -EDOM;
	p->family = a.family;
	p->len = (uint8_t)len;
	memcpy(p->addr, a.addr, sizeof(p->addr));
	return 0;
}

bool
config_prefix_match(const struct rgl_prefix *p, uint8_t family, const uint8_t *addr)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest != 0) {
		uint8_t mask = (uint8_t)(0xffu << (8 - rest));

		if ((addr[full] & mask) != p->addr[full])
			return false;
	}
	return true;
}

/* Printable ASCII without space, comma, quote or backslash: safe in every list. */
static bool
token_ok(const char *s, size_t n)
{
	if (n == 0 || n >= RGL_CFG_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == ',' || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* Split "a,b,c" into @p out (each checked by token_ok). */
static int
split_list(struct parse_state *ps, const char *what, const char *s,
	   char (*out)[RGL_CFG_TOKEN_MAX], unsigned cap, uint8_t *n)
{
	*n = 0;
	for (const char *p = s;;) {
		const char *c = strchr(p, ',');
		size_t len = c != NULL ? (size_t)(c - p) : strlen(p);

		if (!token_ok(p, len))
			return fail(ps, "bad %s '%.*s' in '%s' (1..%d printable characters, no "
				    "space, comma or quote)", what, (int)len, p, s,
				    RGL_CFG_TOKEN_MAX - 1);
		if (*n == cap)
			return fail(ps, "more than %u %ss in '%s'", cap, what, s);
		memcpy(out[*n], p, len);
		out[*n][len] = '\0';
		(*n)++;
		if (c == NULL)
			return 0;
		p = c + 1;
	}
}

static int
get_role_hint(struct parse_state *ps, const char *s, struct rgl_role_hint *h)
{
	const char *eq = strchr(s, '=');
	size_t nlen = eq != NULL ? (size_t)(eq - s) : strlen(s);

	memset(h, 0, sizeof(*h));
	if (!token_ok(s, nlen))
		return fail(ps, "bad feature parameter name in '%s'", s);
	memcpy(h->name, s, nlen);
	if (eq == NULL)
		return 0;
	if (split_list(ps, "value", eq + 1, h->values, RGL_CFG_MAX_HINT_VALUES,
		       &h->n_values) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < h->n_values; i++) {
		const char *star = strchr(h->values[i], '*');

		if (star != NULL && star[1] != '\0')
			return fail(ps, "'*' is only allowed at the end of a value ('%s')",
				    h->values[i]);
	}
	return 0;
}

/*
 * "TYPE=TAG[,TAG]". The first use of a type in a source replaces that
 * type's lower-source list; further uses in the same source add to it, so
 * a long list can be spread over several INI lines.
 */
static int
get_service(struct parse_state *ps, const char *s)
{
	const char *eq = strchr(s, '=');
	struct rgl_service_tags t, *dst;
	int svc = -1;

	if (eq != NULL)
		for (int i = 0; i < RGL_SVC__COUNT; i++)
			if (strlen(service_names[i]) == (size_t)(eq - s) &&
			    strncmp(s, service_names[i], (size_t)(eq - s)) == 0)
				svc = i;
	if (svc < 0)
		return fail(ps, "'%s' is not TYPE=TAG[,TAG] with TYPE one of pager, "
			    "large-message, session, file-transfer, deferred, system, "
			    "interworked", s);
	memset(&t, 0, sizeof(t));
	if (split_list(ps, "tag", eq + 1, t.tags, RGL_CFG_MAX_SERVICE_TAGS, &t.n_tags) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < t.n_tags; i++)
		if (t.tags[i][0] != '+' && strncasecmp(t.tags[i], "urn:", 4) != 0)
			return fail(ps, "tag '%s' is neither a +feature-tag nor a urn: "
				    "ICSI/IARI value", t.tags[i]);
	dst = &ps->cfg->services[svc];
	if (!ps->svc_reset[svc]) {
		ps->svc_reset[svc] = true;
		memset(dst, 0, sizeof(*dst));
	}
	if (dst->n_tags + t.n_tags > RGL_CFG_MAX_SERVICE_TAGS)
		return fail(ps, "more than %d tags for '%s'", RGL_CFG_MAX_SERVICE_TAGS,
			    service_names[svc]);
	memcpy(dst->tags[dst->n_tags], t.tags, t.n_tags * sizeof(t.tags[0]));
	dst->n_tags = (uint8_t)(dst->n_tags + t.n_tags);
	return 0;
}

static int
get_http(struct parse_state *ps, const char *s)
{
	struct reglane_config *cfg = ps->cfg;
	char host[sizeof(cfg->http_host)];
	const char *port;
	size_t hlen;
	uint64_t v;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return fail(ps, "'%s' is not [IPv6]:PORT", s);
		hlen = (size_t)(rb - s - 1);
		if (hlen >= sizeof(host))
			return fail(ps, "'%s': address too long", s);
		memcpy(host, s + 1, hlen);
		port = rb + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (colon == NULL)
			return fail(ps, "'%s' is not ADDR:PORT", s);
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return fail(ps, "'%s': write an IPv6 address in brackets, "
				    "e.g. [::1]:8080", s);
		if (hlen >= sizeof(host))
			return fail(ps, "'%s': address too long", s);
		memcpy(host, s, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	if (config_parse_addr(host, &cfg->http_addr) < 0)
		return fail(ps, "'%s' is not an IPv4 or IPv6 address (no host names)", host);
	if (s[0] == '[' && cfg->http_addr.family != 6)
		return fail(ps, "'%s': only IPv6 addresses go in brackets", s);
	if (get_number(ps, port, 1, 65535, &v) < 0)
		return -EINVAL;
	cfg->http_port = (uint16_t)v;
	memcpy(cfg->http_host, host, hlen + 1);
	return 0;
}

static int
get_log_level(struct parse_state *ps, const char *s)
{
	uint64_t v;
	const char *end;

	for (int i = RGL_LOG_EMERG; i <= RGL_LOG_DEBUG; i++)
		if (strcasecmp(s, log_levels[i]) == 0) {
			ps->cfg->log_level = i;
			return 0;
		}
	if (strcasecmp(s, "error") == 0 || strcasecmp(s, "warn") == 0) {
		ps->cfg->log_level = s[0] == 'e' || s[0] == 'E' ? 4 : 5;
		return 0;
	}
	if (parse_u64(s, &v, &end) == 0 && *end == '\0' && v >= RGL_LOG_EMERG &&
	    v <= RGL_LOG_DEBUG) {
		ps->cfg->log_level = (int)v;
		return 0;
	}
	return fail(ps, "'%s' is not a log level (emerg, alert, crit, err, warning, notice, "
		    "info, debug or 1..8)", s);
}

static int
get_string(struct parse_state *ps, const char *s, char *dst, size_t cap, bool printable)
{
	size_t n = strlen(s);

	if (n == 0)
		return fail(ps, "empty value");
	if (n >= cap)
		return fail(ps, "value longer than %zu characters", cap - 1);
	if (printable)
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
				return fail(ps, "only printable ASCII without spaces is allowed");
	memcpy(dst, s, n + 1);
	return 0;
}

/* ---- applying one option -------------------------------------------------- */

/* A repeatable option's first use in a source replaces the lower source's list. */
static void
list_reset(struct parse_state *ps, enum opt_id id)
{
	if (ps->list_reset[id])
		return;
	ps->list_reset[id] = true;
	switch (id) {
	case OPT_ADDR: ps->cfg->n_addrs = 0; break;
	case OPT_TRUST: ps->cfg->n_trust = 0; break;
	case OPT_ROLE_HINT: ps->cfg->n_role_hints = 0; break;
	default: break;
	}
}

static int
opt_apply(struct parse_state *ps, enum opt_id id, const char *val)
{
	struct reglane_config *cfg = ps->cfg;
	uint64_t v;
	bool b = true;
	int rc;

	ps->cur_opt = opts[id].name;
	switch (id) {
	case OPT_CONFIG:
	case OPT_HELP:
		/* Only the command line has these; config_parse() handles them. */
		return fail(ps, "not allowed here");
	case OPT_SIP_PORT:
		if (get_number(ps, val, 1, 65535, &v) < 0)
			return -EINVAL;
		cfg->sip_port = (uint16_t)v;
		return 0;
	case OPT_ADDR: {
		struct rgl_addr a;

		list_reset(ps, id);
		if (config_parse_addr(val, &a) < 0)
			return fail(ps, "'%s' is not an IPv4 or IPv6 address", val);
		for (unsigned i = 0; i < cfg->n_addrs; i++)
			if (memcmp(&cfg->addrs[i], &a, sizeof(a)) == 0)
				return fail(ps, "'%s' given twice", val);
		if (cfg->n_addrs == RGL_CFG_MAX_ADDRS)
			return fail(ps, "more than %d addresses", RGL_CFG_MAX_ADDRS);
		cfg->addrs[cfg->n_addrs++] = a;
		return 0;
	}
	case OPT_TRUST: {
		struct rgl_prefix p;

		list_reset(ps, id);
		rc = config_parse_prefix(val, &p);
		if (rc == -EDOM)
			return fail(ps, "'%s' has bits set beyond the prefix length "
				    "(write the network address)", val);
		if (rc < 0)
			return fail(ps, "'%s' is not an IPv4 or IPv6 prefix (ADDR or ADDR/LEN)",
				    val);
		if (cfg->n_trust == RGL_CFG_MAX_TRUST)
			return fail(ps, "more than %d trusted prefixes", RGL_CFG_MAX_TRUST);
		cfg->trust[cfg->n_trust++] = p;
		return 0;
	}
	case OPT_UNTRUSTED:
		if (strcmp(val, "reply403") == 0)
			cfg->untrusted = RGL_UNTRUSTED_REPLY403;
		else if (strcmp(val, "drop") == 0)
			cfg->untrusted = RGL_UNTRUSTED_DROP;
		else
			return fail(ps, "'%s' is neither 'reply403' nor 'drop'", val);
		return 0;
	case OPT_MAX_BODY_BYTES:
		if (get_number(ps, val, MAX_BODY_MIN, MAX_BODY_MAX, &v) < 0)
			return -EINVAL;
		cfg->max_body_bytes = (uint32_t)v;
		return 0;
	case OPT_MAX_REGISTRATIONS:
		if (get_number(ps, val, 1, MAX_REGS_MAX, &v) < 0)
			return -EINVAL;
		cfg->max_registrations = (uint32_t)v;
		return 0;
	case OPT_MAX_MEMORY:
		return get_size(ps, val, MAX_MEMORY_MIN, MAX_MEMORY_MAX, &cfg->max_memory);
	case OPT_ROLE_HINT:
		if (strcmp(val, "none") == 0) {
			if (ps->list_reset[id] && cfg->n_role_hints != 0)
				return fail(ps, "'none' cannot be combined with other hints");
			list_reset(ps, id);
			ps->hint_none = true;
			return 0;
		}
		list_reset(ps, id);
		if (ps->hint_none)
			return fail(ps, "'none' cannot be combined with other hints");
		if (cfg->n_role_hints == RGL_CFG_MAX_ROLE_HINTS)
			return fail(ps, "more than %d role hints", RGL_CFG_MAX_ROLE_HINTS);
		if (get_role_hint(ps, val, &cfg->role_hints[cfg->n_role_hints]) < 0)
			return -EINVAL;
		cfg->n_role_hints++;
		return 0;
	case OPT_SERVICE:
		return get_service(ps, val);
	case OPT_HTTP:
		return get_http(ps, val);
	case OPT_HTTP_TOKEN:
		return get_string(ps, val, cfg->http_token, sizeof(cfg->http_token), true);
	case OPT_EXIT_ON_DRAIN:
	case OPT_KEEP_SERVING:
		if (val != NULL && get_bool(ps, val, &b) < 0)
			return -EINVAL;
		/* Two names for one setting: naming both in one source is a
		 * contradiction, whichever value each carries. */
		if (ps->drain_opt >= 0 && ps->drain_opt != (int)id)
			return fail(ps, "conflicts with %s%s", ps->src == SRC_ARGV ? "--" : "",
				    opts[ps->drain_opt].name);
		ps->drain_opt = (int)id;
		cfg->exit_on_drain = id == OPT_EXIT_ON_DRAIN ? b : !b;
		return 0;
	case OPT_DUMP_STATE:
		return get_string(ps, val, cfg->dump_state, sizeof(cfg->dump_state), false);
	case OPT_POLICY:
		return get_string(ps, val, cfg->policy_file, sizeof(cfg->policy_file), false);
	case OPT_PREFS:
		return get_string(ps, val, cfg->prefs_file, sizeof(cfg->prefs_file), false);
	case OPT_IDLE_SLEEP_US:
		if (get_number(ps, val, 0, IDLE_SLEEP_MAX, &v) < 0)
			return -EINVAL;
		cfg->idle_sleep_us = (uint32_t)v;
		return 0;
	case OPT_BURST:
		if (get_number(ps, val, 1, BURST_MAX, &v) < 0)
			return -EINVAL;
		cfg->burst = (uint16_t)v;
		return 0;
	case OPT_TXN_CACHE_SIZE:
		if (get_number(ps, val, TXN_CACHE_MIN, TXN_CACHE_MAX, &v) < 0)
			return -EINVAL;
		if ((v & (v - 1)) != 0)
			return fail(ps, "'%s' is not a power of two", val);
		cfg->txn_cache_size = (uint32_t)v;
		return 0;
	case OPT_FRAG_MAX_ENTRIES:
		if (get_number(ps, val, 1, FRAG_ENTRIES_MAX, &v) < 0)
			return -EINVAL;
		cfg->frag_max_entries = (uint32_t)v;
		return 0;
	case OPT_FRAG_TIMEOUT_MS:
		if (get_number(ps, val, 1, FRAG_TIMEOUT_MAX, &v) < 0)
			return -EINVAL;
		cfg->frag_timeout_ms = (uint32_t)v;
		return 0;
	case OPT_LOG_LEVEL:
		return get_log_level(ps, val);
	case OPT__COUNT:
		break;
	}
	return fail(ps, "internal: unhandled option");
}

static int
opt_find(const char *name, size_t len)
{
	for (int i = 0; i < OPT__COUNT; i++)
		if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
			return i;
	return -1;
}

static bool
opt_repeatable(enum opt_id id)
{
	return id == OPT_ADDR || id == OPT_TRUST || id == OPT_ROLE_HINT || id == OPT_SERVICE;
}

/* ---- INI file ------------------------------------------------------------ */

/*
 * libinih reads through this so that (1) we know the current line inside the
 * handler (Debian builds inih without INI_HANDLER_LINENO), (2) a line too
 * long for inih's fixed buffer or holding a NUL byte is an error instead of
 * being split or cut silently, and (3) leading blanks are removed: inih would
 * otherwise take an indented "key = value" as a continuation of the previous
 * value, which is never what an operator who indents a section means.
 */
static char *
ini_read_line(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	int c, n = 0, skip = 1;

	if (ps->stop || num < 2)
		return NULL;
	while ((c = getc(ps->fp)) != EOF) {
		if (c == '\0') {
			ps->line++;
			ps->cur_opt = "line";
			fail(ps, "NUL byte in the file");
			ps->stop = true;
			return NULL;
		}
		if (skip && (c == ' ' || c == '\t'))
			continue;
		skip = 0;
		if (n == num - 1) {
			ps->line++;
			ps->cur_opt = "line";
			fail(ps, "longer than %d characters", num - 2);
			ps->stop = true;
			return NULL;
		}
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (c == EOF && n == 0 && skip)
		return NULL;
	str[n] = '\0';
	ps->line++;
	return str;
}

static int
ini_on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	int id;

	(void)section; /* sections only group keys for the reader */
	if (ps->stop)
		return 0;
	ps->cur_opt = name;
	id = opt_find(name, strlen(name));
	if (id < 0 || id == OPT_HELP) {
		fail(ps, "unknown key (keys are the long option names, see --help)");
		goto stop;
	}
	if (id == OPT_CONFIG) {
		fail(ps, "a config file cannot include another one");
		goto stop;
	}
	if (!opt_repeatable((enum opt_id)id) && ps->key_line[id] > 0) {
		fail(ps, "already set on line %d", ps->key_line[id]);
		goto stop;
	}
	if (opt_apply(ps, (enum opt_id)id, value) < 0)
		goto stop;
	if (ps->key_line[id] == 0)
		ps->key_line[id] = ps->line;
	return 1;
stop:
	ps->stop = true;
	return 0;
}

static void
state_init(struct parse_state *ps, struct reglane_config *cfg, enum source src, char *err,
	   size_t errlen)
{
	memset(ps, 0, sizeof(*ps));
	ps->cfg = cfg;
	ps->src = src;
	ps->err = err;
	ps->errlen = errlen;
	ps->drain_opt = -1;
	ps->cur_opt = "";
}

int
config_load_file(struct reglane_config *cfg, const char *path, char *err, size_t errlen)
{
	struct parse_state ps;
	int rc;

	state_init(&ps, cfg, SRC_FILE, err, errlen);
	ps.path = path;
	ps.fp = fopen(path, "r");
	if (ps.fp == NULL) {
		rc = -errno;
		if (err != NULL && errlen != 0)
			snprintf(err, errlen, "--config: cannot open '%s': %s", path,
				 strerror(errno));
		return rc;
	}
	rc = ini_parse_stream(ini_read_line, &ps, ini_on_key, &ps);
	if (ferror(ps.fp)) {
		int e = errno != 0 ? errno : EIO;

		fclose(ps.fp);
		if (err != NULL && errlen != 0)
			snprintf(err, errlen, "--config: cannot read '%s': %s", path, strerror(e));
		return -e;
	}
	fclose(ps.fp);
	if (rc > 0 && rc != ps.err_line) {
		/* inih found a line that is neither a section, a key nor a comment
		 * (before any error of ours: we stop reading at the first). */
		if (err != NULL && errlen != 0)
			snprintf(err, errlen, "%s:%d: syntax error (expected 'key = value', "
				 "'[section]' or a comment)", path, rc);
		return -EINVAL;
	}
	if (rc != 0 || ps.err_line != 0)
		return -EINVAL;
	return 0;
}

/* ---- command line -------------------------------------------------------- */

/*
 * One command-line option: "--name", "--name=value" or "--name value".
 * Returns the option id, -1 for an unknown option or a stray argument;
 * *val is NULL for a flag given without "=value".
 */
static int
next_arg(int argc, char *const argv[], int *i, const char **val, bool *missing)
{
	const char *a = argv[*i], *eq;
	int id;

	*val = NULL;
	*missing = false;
	if (strcmp(a, "-h") == 0)
		return OPT_HELP;
	if (strncmp(a, "--", 2) != 0)
		return -1;
	eq = strchr(a + 2, '=');
	id = opt_find(a + 2, eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2));
	if (id < 0)
		return -1;
	if (eq != NULL) {
		*val = eq + 1;
	} else if (opts[id].meta != NULL) {
		/* A value never starts with "--": that is the next option. */
		if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0)
			*val = argv[++*i];
		else
			*missing = true;
	}
	return id;
}

int
config_parse(struct reglane_config *cfg, int argc, char *const argv[], char *err,
	     size_t errlen)
{
	struct parse_state ps;
	const char *config = NULL;
	int first = 1;

	config_defaults(cfg);
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;

	/* Pass 1: --help wins over everything, --config is read first. */
	for (int i = first; i < argc; i++) {
		const char *val;
		bool missing;
		int id = next_arg(argc, argv, &i, &val, &missing);

		if (id == OPT_HELP)
			return RGL_CONFIG_HELP;
		if (id == OPT_CONFIG && !missing && val != NULL) {
			if (config != NULL) {
				snprintf(err, errlen, "--config: given twice");
				return -EINVAL;
			}
			config = val;
		}
	}
	if (config != NULL) {
		int rc;

		if (config[0] == '\0' || strlen(config) >= sizeof(cfg->config_file)) {
			snprintf(err, errlen, "--config: %s file name",
				 config[0] == '\0' ? "empty" : "too long a");
			return -EINVAL;
		}
		rc = config_load_file(cfg, config, err, errlen);
		if (rc < 0)
			return rc;
		memcpy(cfg->config_file, config, strlen(config) + 1);
	}

	/* Pass 2: everything else, on top of the file. */
	state_init(&ps, cfg, SRC_ARGV, err, errlen);
	for (int i = first; i < argc; i++) {
		const char *a = argv[i], *val;
		bool missing;
		int id = next_arg(argc, argv, &i, &val, &missing);

		if (id < 0) {
			if (strncmp(a, "--", 2) == 0)
				snprintf(err, errlen, "unknown option '%.*s' (see --help)",
					 (int)strcspn(a, "="), a);
			else
				snprintf(err, errlen, "unexpected argument '%s' (options start "
					 "with --, see --help)", a);
			return -EINVAL;
		}
		ps.cur_opt = opts[id].name;
		if (missing)
			return fail(&ps, "needs a value (%s)", opts[id].meta);
		if (id == OPT_CONFIG)
			continue;
		if (val != NULL && opts[id].meta != NULL && val[0] == '\0')
			return fail(&ps, "empty value");
		if (opt_apply(&ps, (enum opt_id)id, val) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- output -------------------------------------------------------------- */

static void
fmt_addr(uint8_t family, const uint8_t *addr, char *buf, size_t cap)
{
	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)cap) == NULL)
		snprintf(buf, cap, "?");
}

/* Every value of option @p id in @p cfg, as the command line would take it. */
static void
opt_values(const struct reglane_config *cfg, enum opt_id id,
	   void (*emit)(const char *val, void *arg), void *arg)
{
	char buf[RGL_CFG_TOKEN_MAX * (RGL_CFG_MAX_HINT_VALUES + 1) + 64];
	char a[64];
	size_t n;

	buf[0] = '\0';
	switch (id) {
	case OPT_SIP_PORT: snprintf(buf, sizeof(buf), "%u", cfg->sip_port); break;
	case OPT_ADDR:
		for (unsigned i = 0; i < cfg->n_addrs; i++) {
			fmt_addr(cfg->addrs[i].family, cfg->addrs[i].addr, a, sizeof(a));
			emit(a, arg);
		}
		return;
	case OPT_TRUST:
		for (unsigned i = 0; i < cfg->n_trust; i++) {
			fmt_addr(cfg->trust[i].family, cfg->trust[i].addr, a, sizeof(a));
			snprintf(buf, sizeof(buf), "%s/%u", a, cfg->trust[i].len);
			emit(buf, arg);
		}
		return;
	case OPT_UNTRUSTED:
		snprintf(buf, sizeof(buf), "%s",
			 cfg->untrusted == RGL_UNTRUSTED_DROP ? "drop" : "reply403");
		break;
	case OPT_MAX_BODY_BYTES: snprintf(buf, sizeof(buf), "%u", cfg->max_body_bytes); break;
	case OPT_MAX_REGISTRATIONS:
		snprintf(buf, sizeof(buf), "%u", cfg->max_registrations);
		break;
	case OPT_MAX_MEMORY: {
		static const char sfx[] = "KMGT";
		uint64_t v = cfg->max_memory;
		int s = -1;

		while (s < 3 && v != 0 && (v & 1023) == 0) {
			v >>= 10;
			s++;
		}
		if (s >= 0)
			snprintf(buf, sizeof(buf), "%llu%c", (unsigned long long)v, sfx[s]);
		else
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		break;
	}
	case OPT_ROLE_HINT:
		if (cfg->n_role_hints == 0)
			emit("none", arg);
		for (unsigned i = 0; i < cfg->n_role_hints; i++) {
			const struct rgl_role_hint *h = &cfg->role_hints[i];

			n = (size_t)snprintf(buf, sizeof(buf), "%s", h->name);
			for (unsigned j = 0; j < h->n_values && n < sizeof(buf); j++)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%c%s",
						      j == 0 ? '=' : ',', h->values[j]);
			emit(buf, arg);
		}
		return;
	case OPT_SERVICE:
		/* One tag per value: INI lines stay short (inih's line limit). */
		for (unsigned s = 0; s < RGL_SVC__COUNT; s++)
			for (unsigned j = 0; j < cfg->services[s].n_tags; j++) {
				snprintf(buf, sizeof(buf), "%s=%s", service_names[s],
					 cfg->services[s].tags[j]);
				emit(buf, arg);
			}
		return;
	case OPT_HTTP:
		if (cfg->http_addr.family == 6)
			snprintf(buf, sizeof(buf), "[%s]:%u", cfg->http_host, cfg->http_port);
		else
			snprintf(buf, sizeof(buf), "%s:%u", cfg->http_host, cfg->http_port);
		break;
	case OPT_EXIT_ON_DRAIN:
		snprintf(buf, sizeof(buf), "%s", cfg->exit_on_drain ? "true" : "false");
		break;
	case OPT_DUMP_STATE:
		if (cfg->dump_state[0] != '\0')
			emit(cfg->dump_state, arg);
		return;
	case OPT_POLICY:
		if (cfg->policy_file[0] != '\0')
			emit(cfg->policy_file, arg);
		return;
	case OPT_PREFS:
		if (cfg->prefs_file[0] != '\0')
			emit(cfg->prefs_file, arg);
		return;
	case OPT_IDLE_SLEEP_US: snprintf(buf, sizeof(buf), "%u", cfg->idle_sleep_us); break;
	case OPT_BURST: snprintf(buf, sizeof(buf), "%u", cfg->burst); break;
	case OPT_TXN_CACHE_SIZE: snprintf(buf, sizeof(buf), "%u", cfg->txn_cache_size); break;
	case OPT_FRAG_MAX_ENTRIES:
		snprintf(buf, sizeof(buf), "%u", cfg->frag_max_entries);
		break;
	case OPT_FRAG_TIMEOUT_MS: snprintf(buf, sizeof(buf), "%u", cfg->frag_timeout_ms); break;
	case OPT_LOG_LEVEL:
		if (cfg->log_level >= RGL_LOG_EMERG && cfg->log_level <= RGL_LOG_DEBUG)
			snprintf(buf, sizeof(buf), "%s", log_levels[cfg->log_level]);
		break;
	default:
		return;
	}
	if (buf[0] != '\0')
		emit(buf, arg);
}

struct emit_ini {
	FILE *out;
	const char *name;
};

static void
emit_ini_line(const char *val, void *arg)
{
	struct emit_ini *e = arg;

	fprintf(e->out, "%s = %s\n", e->name, val);
}

void
config_write_ini(FILE *out, const struct reglane_config *cfg)
{
	fprintf(out, "# reglane configuration (keys are the long option names)\n");
	for (int i = 0; i < OPT__COUNT; i++) {
		struct emit_ini e = { out, opts[i].name };

		if (i == OPT_HTTP_TOKEN) {
			if (cfg->http_token[0] != '\0')
				fprintf(out, "# http-token is set (not shown)\n");
			continue;
		}
		opt_values(cfg, (enum opt_id)i, emit_ini_line, &e);
	}
}

struct emit_join {
	char *buf;
	size_t cap, len;
};

static void
emit_join(const char *val, void *arg)
{
	struct emit_join *j = arg;
	size_t n = strlen(val);

	/* Defaults are short; a value that does not fit is cut, never overrun. */
	if (j->len != 0 && j->len + 1 < j->cap)
		j->buf[j->len++] = ' ';
	if (n > j->cap - 1 - j->len)
		n = j->cap - 1 - j->len;
	memcpy(j->buf + j->len, val, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

void
config_usage(FILE *out, const char *prog)
{
	struct reglane_config def;

	config_defaults(&def);
	fprintf(out,
		"Usage: %s [EAL options] -- [options]\n"
		"\n"
		"Options (an INI file given with --config sets the same ones; the command\n"
		"line wins; a repeatable option given in a source replaces the lower\n"
		"source's values):\n",
		prog);
	for (int i = 0; i < OPT__COUNT; i++) {
		char left[64], dflt[1024];
		struct emit_join j = { dflt, sizeof(dflt), 0 };

		dflt[0] = '\0';
		if (i != OPT_KEEP_SERVING)
			opt_values(&def, (enum opt_id)i, emit_join, &j);
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
			 opts[i].meta != NULL ? " " : "",
			 opts[i].meta != NULL ? opts[i].meta : "");
		fprintf(out, "  %-30s %s\n", left, opts[i].help);
		if (i == OPT_SERVICE || i == OPT_ROLE_HINT) {
			/* Long lists: one default per line. */
			const char *p = dflt;

			while (*p != '\0') {
				size_t n = strcspn(p, " ");

				fprintf(out, "  %-30s   default %.*s\n", "", (int)n, p);
				p += n + (p[n] == ' ');
			}
		} else if (dflt[0] != '\0') {
			fprintf(out, "  %-30s   default %s\n", "", dflt);
		}
	}
	fprintf(out,
		"\n"
		"Values: PREFIX is ADDR or ADDR/LEN with zero host bits; SIZE takes K, M, G,\n"
		"T (powers of 1024); a role hint NAME=V1,V2 holds when the contact's NAME\n"
		"parameter lists one of the values, a value ending in * matches as a prefix,\n"
		"a bare NAME when the parameter is present; a service TAG is a +feature-tag\n"
		"(present) or a urn: ICSI/IARI (listed in +g.3gpp.icsi-ref/iari-ref).\n"
		"\n"
		"INI file format (libinih; see tests/data/reglane.ini):\n"
		"  # or ; starts a comment line, ' ;' an end-of-line comment\n"
		"  [section]             optional, groups keys, no meaning of its own\n"
		"  key = value           key: a long option name without '--'\n"
		"  trust = 192.0.2.0/24  repeat a repeatable key on several lines\n"
		"  exit-on-drain = true  flags take true/false, yes/no, on/off, 1/0\n"
		"Leading blanks are ignored, a value ends at the end of its line, lines\n"
		"are at most %d characters, a non-repeatable key may appear once.\n"
		"\n"
		"Exit status 2: bad option, value or config file (nothing was started).\n",
		INI_MAX_LINE - 2);
}

size_t
config_warnings(const struct reglane_config *cfg, const char *msgs[], size_t cap)
{
	size_t n = 0;
	bool loopback;

	if (cfg->n_trust == 0 && n < cap)
		msgs[n++] = "no --trust prefix configured: NOTIFYs are accepted from every "
			    "source";
	loopback = cfg->http_addr.family == 4 ? cfg->http_addr.addr[0] == 127 :
		   (memcmp(cfg->http_addr.addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
	if (!loopback && cfg->http_token[0] == '\0' && n < cap)
		msgs[n++] = "the control API listens on a non-loopback address without "
			    "--http-token";
	return n;
}
