/* SPDX-License-Identifier: MIT */
/*
 * Configuration: defaults, the sample INI (tests/data/reglane.ini), command
 * line over file, and one bad value per option, each rejected with a
 * message naming the option (or file:line and key).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reglane/config.h>

#include "check.h"

#define SAMPLE "../data/reglane.ini"

static char errbuf[RGL_CFG_ERRLEN];

/* config_parse() on a NULL-terminated argument list (argv[0] added). */
static int
parse_list(struct reglane_config *cfg, va_list ap)
{
	char *argv[64];
	int argc = 0;
	const char *a;

	argv[argc++] = "reglane";
	while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	errbuf[0] = '\0';
	return config_parse(cfg, argc, argv, errbuf, sizeof(errbuf));
}

static int
parse(struct reglane_config *cfg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cfg);
	rc = parse_list(cfg, ap);
	va_end(ap);
	return rc;
}

/* The arguments must be rejected with a message containing @p want. */
static void
bad_at(int line, const char *want, ...)
{
	struct reglane_config *cfg = malloc(sizeof(*cfg));
	va_list ap;
	int rc;

	va_start(ap, want);
	rc = parse_list(cfg, ap);
	va_end(ap);
	if (rc >= 0 || strstr(errbuf, want) == NULL)
		fprintf(stderr, "line %d: rc %d, message \"%s\", expected one with \"%s\"\n", line,
			rc, errbuf, want);
	CHECK(rc < 0);
	CHECK(strstr(errbuf, want) != NULL);
	free(cfg);
}

#define BAD(want, ...) bad_at(__LINE__, want, __VA_ARGS__, (const char *)NULL)

/* Write @p text to a temporary file; the name is stored in @p path. */
static void
tmp_ini(char *path, size_t cap, const char *text, size_t len)
{
	int fd;

	snprintf(path, cap, "/tmp/reglane-test-config-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
	close(fd);
}

/* An INI text must be rejected with a message containing "<path>:<want>". */
static void
bad_ini_at(int line, const char *text, size_t len, const char *want)
{
	struct reglane_config *cfg = malloc(sizeof(*cfg));
	char path[64], full[128];
	int rc;

	tmp_ini(path, sizeof(path), text, len);
	snprintf(full, sizeof(full), "%s:%s", path, want);
	rc = parse(cfg, "--config", path, (const char *)NULL);
	if (rc >= 0 || strstr(errbuf, full) == NULL)
		fprintf(stderr, "line %d: rc %d, message \"%s\", expected one with \"%s\"\n", line,
			rc, errbuf, full);
	CHECK(rc == -EINVAL);
	CHECK(strstr(errbuf, full) != NULL);
	unlink(path);
	free(cfg);
}

#define BAD_INI(text, want) bad_ini_at(__LINE__, text, sizeof(text) - 1, want)

static void
test_defaults(void)
{
	struct reglane_config *cfg = malloc(sizeof(*cfg));

	CHECK_INT(parse(cfg, (const char *)NULL), 0);
	CHECK_INT(cfg->sip_port, 5060);
	CHECK_INT(cfg->n_addrs, 0);
	CHECK_INT(cfg->n_trust, 0);
	CHECK_INT(cfg->untrusted, RGL_UNTRUSTED_REPLY403);
	CHECK_INT(cfg->max_body_bytes, 65536);
	CHECK_INT(cfg->max_memory, 1ull << 30);
	CHECK_INT(cfg->burst, 32);
	CHECK_INT(cfg->txn_cache_size, 65536);
	CHECK_INT(cfg->idle_sleep_us, 0);
	CHECK_INT(cfg->log_level, 7);
	CHECK(!cfg->exit_on_drain);
	CHECK(cfg->dump_state[0] == '\0' && cfg->http_token[0] == '\0');
	CHECK(strcmp(cfg->http_host, "127.0.0.1") == 0);
	CHECK_INT(cfg->http_port, 8080);
	CHECK_INT(cfg->http_addr.family, 4);
	/* SEMANTICS.md 7 hints and 8.2 service map. */
	CHECK_INT(cfg->n_role_hints, 3);
	CHECK(strcmp(cfg->role_hints[0].name, "+sip.instance") == 0);
	CHECK(strcmp(cfg->role_hints[0].values[0], "urn:gsma:imei:*") == 0);
	CHECK_INT(cfg->role_hints[1].n_values, 0);
	CHECK(strcmp(cfg->role_hints[2].name, "+g.gsma.rcs.telephony") == 0);
	CHECK_INT(cfg->role_hints[2].n_values, 2);
	CHECK_INT(cfg->services[RGL_SVC_PAGER].n_tags, 2);
	CHECK(strcmp(cfg->services[RGL_SVC_PAGER].tags[1], "+g.gsma.rcs.cpm.pager-large") == 0);
	CHECK_INT(cfg->services[RGL_SVC_SYSTEM].n_tags, 1);
	CHECK(strcmp(cfg->services[RGL_SVC_SYSTEM].tags[0],
		     "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.systemmsg") == 0);
	CHECK(strcmp(cfg->services[RGL_SVC_INTERWORKED].tags[0], "+g.3gpp.smsip") == 0);
	for (int s = 0; s < RGL_SVC__COUNT; s++)
		CHECK(cfg->services[s].n_tags >= 1);
	CHECK(strcmp(config_service_name(RGL_SVC_FILE_TRANSFER), "file-transfer") == 0);
	CHECK(config_service_name(RGL_SVC__COUNT) == NULL);
	free(cfg);
}

static void
test_sample_ini(void)
{
	struct reglane_config *cfg = malloc(sizeof(*cfg));
	struct rgl_prefix p;

	CHECK_INT(parse(cfg, "--config", SAMPLE, (const char *)NULL), 0);
	if (errbuf[0] != '\0')
		fprintf(stderr, "%s\n", errbuf);
	CHECK(strcmp(cfg->config_file, SAMPLE) == 0);
	CHECK_INT(cfg->sip_port, 5060);
	CHECK_INT(cfg->n_addrs, 2);
	CHECK_INT(cfg->addrs[0].family, 4);
	CHECK_INT(cfg->addrs[0].addr[3], 10);
	CHECK_INT(cfg->addrs[1].family, 6);
	CHECK_INT(cfg->n_trust, 3);
	CHECK_INT(config_parse_prefix("172.18.0.0/16", &p), 0);
	CHECK(memcmp(&cfg->trust[1], &p, sizeof(p)) == 0);
	CHECK_INT(cfg->trust[2].family, 6);
	CHECK_INT(cfg->trust[2].len, 48);
	CHECK_INT(cfg->max_memory, 2ull << 30);
	CHECK_INT(cfg->n_role_hints, 3);
	CHECK_INT(cfg->services[RGL_SVC_PAGER].n_tags, 2);
	CHECK_INT(cfg->services[RGL_SVC_SESSION].n_tags, 1);
	CHECK_INT(cfg->services[RGL_SVC_FILE_TRANSFER].n_tags, 1); /* default kept */
	CHECK(strcmp(cfg->http_token, "s3cret-token") == 0);
	CHECK(strcmp(cfg->dump_state, "/tmp/reglane-state.json") == 0);
	CHECK_INT(cfg->log_level, 7);
	CHECK_INT(cfg->idle_sleep_us, 50);
	CHECK_INT(cfg->txn_cache_size, 4096);
	CHECK_INT(cfg->frag_max_entries, 1024);
	CHECK(!cfg->exit_on_drain);
	free(cfg);
}

static void
test_override(void)
{
	struct reglane_config *cfg = malloc(sizeof(*cfg));

	/* The command line wins, wherever --config stands; a repeatable option
	 * replaces the file's list; a service replaces only its own type. */
	CHECK_INT(parse(cfg, "--sip-port", "5070", "--trust", "10.0.0.0/8", "--config", SAMPLE,
			"--service", "pager=+x.y", "--exit-on-drain", "--log-level=debug",
			"--max-memory", "512M", (const char *)NULL),
		  0);
	if (errbuf[0] != '\0')
		fprintf(stderr, "%s\n", errbuf);
	CHECK_INT(cfg->sip_port, 5070);
	CHECK_INT(cfg->n_trust, 1);
	CHECK_INT(cfg->trust[0].len, 8);
	CHECK_INT(cfg->n_addrs, 2); /* from the file */
	CHECK_INT(cfg->services[RGL_SVC_PAGER].n_tags, 1);
	CHECK(strcmp(cfg->services[RGL_SVC_PAGER].tags[0], "+x.y") == 0);
	CHECK_INT(cfg->services[RGL_SVC_SESSION].n_tags, 1);
	CHECK(cfg->exit_on_drain);
	CHECK_INT(cfg->log_level, 8);
	CHECK_INT(cfg->max_memory, 512ull << 20);
	CHECK_INT(cfg->idle_sleep_us, 50);

	/* Repeated on the command line: values add up, last scalar wins. */
	CHECK_INT(parse(cfg, "--", "--trust", "10.0.0.0/8", "--trust=2001:db8::/32", "--burst",
			"8", "--burst", "64", "--role-hint", "+a", "--role-hint",
			"+b=x,y*", (const char *)NULL),
		  0);
	CHECK_INT(cfg->n_trust, 2);
	CHECK_INT(cfg->burst, 64);
	CHECK_INT(cfg->n_role_hints, 2);
	CHECK(strcmp(cfg->role_hints[1].name, "+b") == 0);
	CHECK_INT(cfg->role_hints[1].n_values, 2);
	CHECK(strcmp(cfg->role_hints[1].values[1], "y*") == 0);
	CHECK_INT(parse(cfg, "--service", "pager=+a", "--service", "pager=urn:b,+c",
			(const char *)NULL),
		  0);
	CHECK_INT(cfg->services[RGL_SVC_PAGER].n_tags, 3);
	CHECK(strcmp(cfg->services[RGL_SVC_PAGER].tags[1], "urn:b") == 0);
	CHECK_INT(cfg->services[RGL_SVC_LARGE_MESSAGE].n_tags, 2);

	/* keep-serving undoes the file's exit-on-drain. */
	{
		char path[64];
		static const char ini[] = "exit-on-drain = yes\n";

		tmp_ini(path, sizeof(path), ini, sizeof(ini) - 1);
		CHECK_INT(parse(cfg, "--config", path, (const char *)NULL), 0);
		CHECK(cfg->exit_on_drain);
		CHECK_INT(parse(cfg, "--config", path, "--keep-serving", (const char *)NULL), 0);
		CHECK(!cfg->exit_on_drain);
		CHECK_INT(parse(cfg, "--config", path, "--exit-on-drain=off", (const char *)NULL), 0);
		CHECK(!cfg->exit_on_drain);
		unlink(path);
	}

	/* Sizes, log levels, role-hint none, IPv6 HTTP. */
	CHECK_INT(parse(cfg, "--max-memory", "1GiB", "--log-level", "3", "--role-hint", "none",
			"--http", "[::1]:9090", "--untrusted", "drop", (const char *)NULL),
		  0);
	CHECK_INT(cfg->max_memory, 1ull << 30);
	CHECK_INT(cfg->log_level, 3);
	CHECK_INT(cfg->n_role_hints, 0);
	CHECK_INT(cfg->http_addr.family, 6);
	CHECK_INT(cfg->http_port, 9090);
	CHECK(strcmp(cfg->http_host, "::1") == 0);
	CHECK_INT(cfg->untrusted, RGL_UNTRUSTED_DROP);
	CHECK_INT(parse(cfg, "--max-memory", "1048576", "--log-level", "warn", (const char *)NULL), 0);
	CHECK_INT(cfg->max_memory, 1u << 20);
	CHECK_INT(cfg->log_level, 5);

	/* Indented keys in sections are fine (not continuations). */
	{
		char path[64];
		static const char ini[] = "[sip]\n  sip-port = 5071\n\tburst = 16 ; inline\n"
					  "  # comment\n\n[x]\n  trust = 192.0.2.0/24\n";

		tmp_ini(path, sizeof(path), ini, sizeof(ini) - 1);
		CHECK_INT(parse(cfg, "--config", path, (const char *)NULL), 0);
		if (errbuf[0] != '\0')
			fprintf(stderr, "%s\n", errbuf);
		CHECK_INT(cfg->sip_port, 5071);
		CHECK_INT(cfg->burst, 16);
		CHECK_INT(cfg->n_trust, 1);
		unlink(path);
	}
	free(cfg);
}

static void
test_help(void)
{
	struct reglane_config *cfg = malloc(sizeof(*cfg));
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	/* --help wins, even next to a bad option. */
	CHECK_INT(parse(cfg, "--help", (const char *)NULL), RGL_CONFIG_HELP);
	CHECK_INT(parse(cfg, "--bogus", "-h", (const char *)NULL), RGL_CONFIG_HELP);
	CHECK_INT(parse(cfg, "--sip-port", "0", "--help", (const char *)NULL), RGL_CONFIG_HELP);

	f = open_memstream(&text, &len);
	config_usage(f, "reglane");
	fclose(f);
	CHECK(strstr(text, "Usage: reglane [EAL options] -- [options]") != NULL);
	CHECK(strstr(text, "--sip-port PORT") != NULL);
	CHECK(strstr(text, "default 5060") != NULL);
	CHECK(strstr(text, "default 127.0.0.1:8080") != NULL);
	CHECK(strstr(text, "default pager=urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg\n") != NULL);
	CHECK(strstr(text, "default pager=+g.gsma.rcs.cpm.pager-large\n") != NULL);
	CHECK(strstr(text, "default +sip.instance=urn:gsma:imei:*") != NULL);
	CHECK(strstr(text, "INI file format") != NULL);
	CHECK(strstr(text, "Exit status 2") != NULL);
	/* Every option is listed. */
	{
		static const char *const names[] = {
			"config", "sip-port", "addr", "trust", "untrusted", "max-body-bytes",
			"max-registrations", "max-memory", "role-hint", "service", "http",
			"http-token", "exit-on-drain", "keep-serving", "dump-state",
			"idle-sleep-us", "burst", "txn-cache-size", "frag-max-entries",
			"frag-timeout-ms", "log-level", "help",
		};

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char opt[64];

			snprintf(opt, sizeof(opt), "  --%s", names[i]);
			CHECK(strstr(text, opt) != NULL);
		}
	}
	free(text);
	free(cfg);
}

static void
test_bad_options(void)
{
	char many[RGL_CFG_MAX_TRUST + 1][32];
	char *argv[2 * (RGL_CFG_MAX_TRUST + 1) + 2];
	int argc = 0;
	struct reglane_config *cfg = malloc(sizeof(*cfg));

	BAD("unknown option '--bogus'", "--bogus");
	BAD("unknown option '--sip-prot'", "--sip-prot=5060");
	BAD("unexpected argument 'extra'", "extra");
	BAD("unexpected argument '-v'", "-v");
	BAD("--sip-port: needs a value", "--sip-port");
	BAD("--sip-port: needs a value", "--sip-port", "--burst", "8");
	BAD("--sip-port: '0' is out of range 1..65535", "--sip-port", "0");
	BAD("--sip-port: '70000' is out of range", "--sip-port", "70000");
	BAD("--sip-port: '-1' is not a decimal number", "--sip-port=-1");
	BAD("--sip-port: 'abc' is not a decimal number", "--sip-port", "abc");
	BAD("--sip-port: '50 60' is not a decimal number", "--sip-port", "50 60");
	BAD("--sip-port: '99999999999999999999999' is out of range", "--sip-port",
	    "99999999999999999999999");
	BAD("--sip-port: empty value", "--sip-port=");
	BAD("--addr: '1.2.3' is not an IPv4 or IPv6 address", "--addr", "1.2.3");
	BAD("--addr: 'fe80::1%eth0'", "--addr", "fe80::1%eth0");
	BAD("--addr: '192.0.2.1' given twice", "--addr", "192.0.2.1", "--addr", "192.0.2.1");
	BAD("--trust: '192.0.2.1/24' has bits set beyond the prefix length", "--trust",
	    "192.0.2.1/24");
	BAD("--trust: '10.0.0.0/33' is not an IPv4 or IPv6 prefix", "--trust", "10.0.0.0/33");
	BAD("--trust: '2001:db8::/129'", "--trust", "2001:db8::/129");
	BAD("--trust: '10.0.0.0/'", "--trust", "10.0.0.0/");
	BAD("--trust: 'example.net'", "--trust", "example.net");
	BAD("--untrusted: 'maybe' is neither", "--untrusted", "maybe");
	BAD("--max-body-bytes: '1' is out of range", "--max-body-bytes", "1");
	BAD("--max-registrations: '0' is out of range", "--max-registrations", "0");
	BAD("--max-memory: '10Q': unknown size suffix", "--max-memory", "10Q");
	BAD("--max-memory: '1K' is out of range", "--max-memory", "1K");
	BAD("--max-memory: '99999999T' is out of range", "--max-memory", "99999999T");
	BAD("--max-memory: 'lots' is not a size", "--max-memory", "lots");
	BAD("--role-hint: '*' is only allowed at the end", "--role-hint", "+a=b*c");
	BAD("--role-hint: bad feature parameter name", "--role-hint", "=x");
	BAD("--role-hint: bad value ''", "--role-hint", "+a=x,,y");
	BAD("--role-hint: 'none' cannot be combined", "--role-hint", "none", "--role-hint", "+a");
	BAD("--role-hint: 'none' cannot be combined", "--role-hint", "+a", "--role-hint", "none");
	BAD("--role-hint: more than 8 values", "--role-hint", "+a=1,2,3,4,5,6,7,8,9");
	BAD("--service: 'chat=+x' is not TYPE=TAG", "--service", "chat=+x");
	BAD("--service: 'pager' is not TYPE=TAG", "--service", "pager");
	BAD("--service: tag 'foo' is neither", "--service", "pager=foo");
	BAD("--service: more than 8 tags for 'pager'", "--service", "pager=+1,+2,+3,+4,+5",
	    "--service", "pager=+6,+7,+8,+9");
	BAD("--http: 'localhost' is not an IPv4 or IPv6 address", "--http", "localhost:80");
	BAD("--http: '::1:80': write an IPv6 address in brackets", "--http", "::1:80");
	BAD("--http: '127.0.0.1' is not ADDR:PORT", "--http", "127.0.0.1");
	BAD("--http: '0' is out of range", "--http", "127.0.0.1:0");
	BAD("--http: '[127.0.0.1]:80': only IPv6", "--http", "[127.0.0.1]:80");
	BAD("--http-token: only printable ASCII", "--http-token", "a b");
	BAD("--exit-on-drain: 'maybe' is not a boolean", "--exit-on-drain=maybe");
	BAD("--keep-serving: conflicts with --exit-on-drain", "--exit-on-drain", "--keep-serving");
	BAD("--dump-state: empty value", "--dump-state=");
	BAD("--idle-sleep-us: '2000000' is out of range", "--idle-sleep-us", "2000000");
	BAD("--burst: '0' is out of range", "--burst", "0");
	BAD("--burst: '1000' is out of range", "--burst", "1000");
	BAD("--txn-cache-size: '1000' is not a power of two", "--txn-cache-size", "1000");
	BAD("--txn-cache-size: '32' is out of range", "--txn-cache-size", "32");
	BAD("--frag-max-entries: '0' is out of range", "--frag-max-entries", "0");
	BAD("--frag-timeout-ms: '0' is out of range", "--frag-timeout-ms", "0");
	BAD("--log-level: 'loud' is not a log level", "--log-level", "loud");
	BAD("--log-level: '9' is not a log level", "--log-level", "9");
	BAD("--config: cannot open '/nonexistent/reglane.ini': No such file",
	    "--config", "/nonexistent/reglane.ini");
	BAD("--config: given twice", "--config", SAMPLE, "--config", SAMPLE);
	BAD("--config: empty file name", "--config=");
	BAD("--config: cannot read '/tmp'", "--config", "/tmp");

	/* More trusted prefixes than the table holds. */
	argv[argc++] = "reglane";
	for (int i = 0; i <= RGL_CFG_MAX_TRUST; i++) {
		snprintf(many[i], sizeof(many[i]), "10.%d.0.0/16", i);
		argv[argc++] = "--trust";
		argv[argc++] = many[i];
	}
	argv[argc] = NULL;
	CHECK_INT(config_parse(cfg, argc, argv, errbuf, sizeof(errbuf)), -EINVAL);
	CHECK(strstr(errbuf, "--trust: more than 64 trusted prefixes") != NULL);
	free(cfg);
}

static void
test_bad_ini(void)
{
	static const char nul[] = "burst = 8\nsip-port = 50\0" "60\n";
	char longline[400];

	BAD_INI("sip-port = 99999\n", "1: sip-port: '99999' is out of range 1..65535");
	BAD_INI("# comment\n[sip]\nfoo = 1\n", "3: foo: unknown key");
	BAD_INI("help = 1\n", "1: help: unknown key");
	BAD_INI("burst = 8\ngarbage line\nsip-port = 5060\n", "2: syntax error");
	BAD_INI("burst = 8\n[unterminated\n", "2: syntax error");
	/* A syntax error before a bad value is the one reported. */
	BAD_INI("garbage\nsip-port = 0\n", "1: syntax error");
	BAD_INI("sip-port = 5060\n\nsip-port = 5061\n", "3: sip-port: already set on line 1");
	BAD_INI("config = other.ini\n", "1: config: a config file cannot include another one");
	BAD_INI("exit-on-drain = true\nkeep-serving = true\n",
		"2: keep-serving: conflicts with exit-on-drain");
	BAD_INI("exit-on-drain\n", "1: syntax error");
	BAD_INI("exit-on-drain = sure\n", "1: exit-on-drain: 'sure' is not a boolean");
	BAD_INI("trust = 192.0.2.0/24\ntrust = 10.1.1.1/8\n", "2: trust: '10.1.1.1/8' has bits set");
	BAD_INI("[a]\n  addr = 192.0.2.1\n  addr = ::1\n  addr = nope\n",
		"4: addr: 'nope' is not an IPv4 or IPv6 address");
	BAD_INI("service = pager=+a\nservice = pager=+b\nservice = pager=c\n",
		"3: service: tag 'c' is neither");
	BAD_INI("max-memory = 3X\n", "1: max-memory: '3X': unknown size suffix");
	BAD_INI("sip-port =\n", "1: sip-port: '' is not a decimal number");
	bad_ini_at(__LINE__, nul, sizeof(nul) - 1, "2: line: NUL byte");

	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "dump-state = /", 14);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	bad_ini_at(__LINE__, longline, strlen(longline), "1: line: longer than");
}

static void
test_round_trip(void)
{
	struct reglane_config *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char path[64];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	CHECK_INT(parse(a, "--config", SAMPLE, "--role-hint", "+x=a*,b", "--http", "[2001:db8::1]:81",
			"--exit-on-drain", "--max-memory", "1536M", "--log-level", "notice",
			(const char *)NULL),
		  0);
	f = open_memstream(&text, &len);
	config_write_ini(f, a);
	fclose(f);
	CHECK(strstr(text, "s3cret") == NULL); /* the token is a secret */
	CHECK(strstr(text, "max-memory = 1536M\n") != NULL);
	tmp_ini(path, sizeof(path), text, len);
	config_defaults(b);
	CHECK_INT(config_load_file(b, path, errbuf, sizeof(errbuf)), 0);
	if (errbuf[0] != '\0')
		fprintf(stderr, "%s\n%s\n", errbuf, text);
	/* Equal except what the file does not carry. */
	memcpy(b->http_token, a->http_token, sizeof(a->http_token));
	memcpy(b->config_file, a->config_file, sizeof(a->config_file));
	CHECK(memcmp(a, b, sizeof(*a)) == 0);
	unlink(path);
	free(text);
	free(a);
	free(b);
}

static void
test_prefix_and_warnings(void)
{
	struct reglane_config *cfg = malloc(sizeof(*cfg));
	struct rgl_prefix p;
	struct rgl_addr a;
	const char *msgs[4];

	CHECK_INT(config_parse_prefix("0.0.0.0/0", &p), 0);
	CHECK_INT(config_parse_addr("203.0.113.1", &a), 0);
	CHECK(config_prefix_match(&p, 4, a.addr));
	CHECK_INT(config_parse_addr("2001:db8::1", &a), 0);
	CHECK(!config_prefix_match(&p, 6, a.addr));
	CHECK_INT(config_parse_prefix("2001:db8::1", &p), 0);
	CHECK_INT(p.len, 128);
	CHECK(config_prefix_match(&p, 6, a.addr));
	a.addr[15] ^= 1;
	CHECK(!config_prefix_match(&p, 6, a.addr));
	CHECK_INT(config_parse_prefix("192.0.2.128/25", &p), 0);
	CHECK_INT(config_parse_addr("192.0.2.200", &a), 0);
	CHECK(config_prefix_match(&p, 4, a.addr));
	CHECK_INT(config_parse_addr("192.0.2.127", &a), 0);
	CHECK(!config_prefix_match(&p, 4, a.addr));
	CHECK_INT(config_parse_prefix("192.0.2.129/25", &p), -EDOM);
	CHECK_INT(config_parse_prefix("/8", &p), -EINVAL);
	CHECK_INT(config_parse_prefix("10.0.0.0/+8", &p), -EINVAL);

	CHECK_INT(parse(cfg, (const char *)NULL), 0);
	CHECK_INT(config_warnings(cfg, msgs, 4), 1);
	CHECK(strstr(msgs[0], "trust") != NULL);
	CHECK_INT(parse(cfg, "--trust", "192.0.2.0/24", "--http", "0.0.0.0:8080",
			(const char *)NULL),
		  0);
	CHECK_INT(config_warnings(cfg, msgs, 4), 1);
	CHECK(strstr(msgs[0], "http-token") != NULL);
	CHECK_INT(parse(cfg, "--trust", "192.0.2.0/24", "--http", "0.0.0.0:8080", "--http-token",
			"t", (const char *)NULL),
		  0);
	CHECK_INT(config_warnings(cfg, msgs, 4), 0);
	free(cfg);
}

int
main(void)
{
	test_defaults();
	test_sample_ini();
	test_override();
	test_help();
	test_bad_options();
	test_bad_ini();
	test_round_trip();
	test_prefix_and_warnings();
	return check_exit();
}
