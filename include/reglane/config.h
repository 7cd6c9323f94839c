/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_CONFIG_H
#define REGLANE_CONFIG_H

/**
 * @file
 * struct reglane_config: everything an operator sets once, filled by
 * config_parse() from the application part of the command line (what
 * follows EAL's `--`) and an optional INI file (`--config FILE`).
 *
 * Precedence: built-in defaults < INI file < command line. For a repeatable
 * option (addr, trust, role-hint) the values of the source that names it
 * replace the values of the sources below it; they do not add up across
 * sources. `service` replaces the tag list of the request type it names;
 * the other types keep their lists.
 *
 * Every problem (unknown option, bad address or prefix, number out of
 * range, unreadable file, INI syntax error) is reported once, with the
 * option or file:line it concerns, in the caller's error buffer; the caller
 * prints it and exits with status 2 before starting anything.
 *
 * Concurrency: init path only (main thread, before any lcore runs); the
 * filled struct is read-only afterwards and may be read from any thread.
 * No DPDK types, so unit tests use it without an EAL.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RGL_CFG_MAX_ADDRS 16        /**< own addresses (--addr) */
#define RGL_CFG_MAX_TRUST 64        /**< trusted prefixes (--trust), scanned per packet */
#define RGL_CFG_MAX_ROLE_HINTS 8    /**< --role-hint entries */
#define RGL_CFG_MAX_HINT_VALUES 8   /**< values of one role hint */
#define RGL_CFG_MAX_SERVICE_TAGS 8  /**< tags of one service type */
#define RGL_CFG_TOKEN_MAX 128       /**< bytes of a name, value or tag, NUL included */
#define RGL_CFG_PATH_MAX 4096       /**< bytes of a path, NUL included */
#define RGL_CFG_HTTP_TOKEN_MAX 256  /**< bytes of the HTTP token, NUL included */
#define RGL_CFG_ERRLEN 512          /**< a buffer this size holds every message */

/** config_parse() result when --help was given: print config_usage(), exit 0. */
#define RGL_CONFIG_HELP 1

/** An IP address; family is 4 or 6, addr in network byte order. */
struct rgl_addr {
	uint8_t family;
	uint8_t addr[16];
};

/** An IP prefix: the first @c len bits of @c addr (host bits are zero). */
struct rgl_prefix {
	uint8_t family; /**< 4 or 6 */
	uint8_t len;    /**< 0..32 or 0..128 */
	uint8_t addr[16];
};

/** What happens to a request from a source outside the trust list. */
enum rgl_untrusted {
	RGL_UNTRUSTED_REPLY403 = 0, /**< answer 403 Forbidden (when answerable) */
	RGL_UNTRUSTED_DROP,         /**< drop silently */
};

/**
 * One configurable primary-device hint (SEMANTICS.md section 7).
 *
 * @c name is a contact feature parameter (`+sip.instance`, `+g.3gpp.smsip`,
 * ...), compared case-insensitively. With no values the hint holds when the
 * parameter is present. Otherwise the parameter's value (after removing one
 * pair of surrounding double quotes, then one pair of `<` `>`) must match
 * one of @c values: a value ending in `*` matches as a case-insensitive
 * prefix (`urn:gsma:imei:*`); any other value matches when it equals, case-
 * insensitively, one element of the parameter value read as a comma-
 * separated list (`cs` matches `"cs,volte"`).
 */
struct rgl_role_hint {
	char name[RGL_CFG_TOKEN_MAX];
	char values[RGL_CFG_MAX_HINT_VALUES][RGL_CFG_TOKEN_MAX];
	uint8_t n_values;
};

/** CPM request types of the suitability query (DESIGN.md, seed section 6.6). */
#define foreach_rgl_service                                                    \
	_(PAGER, "pager")                                                      \
	_(LARGE_MESSAGE, "large-message")                                      \
	_(SESSION, "session")                                                  \
	_(FILE_TRANSFER, "file-transfer")                                      \
	_(DEFERRED, "deferred")                                                \
	_(SYSTEM, "system")                                                    \
	_(INTERWORKED, "interworked")

enum rgl_service {
#define _(sym, name) RGL_SVC_##sym,
	foreach_rgl_service
#undef _
	RGL_SVC__COUNT
};

/**
 * The feature tags that make a contact capable of one request type
 * (SEMANTICS.md section 8.2: any one of them suffices). A tag starting with
 * `+` is a feature parameter that must be present (`+g.gsma.rcs.cpm.pager-
 * large`); a tag starting with `urn:` is an ICSI or IARI value that must be
 * one of the (percent-decoded, comma-separated) values of the contact's
 * `+g.3gpp.icsi-ref` or `+g.3gpp.iari-ref`. For `interworked` the contact
 * must in addition be the Primary Device (fixed policy, not configured).
 */
struct rgl_service_tags {
	char tags[RGL_CFG_MAX_SERVICE_TAGS][RGL_CFG_TOKEN_MAX];
	uint8_t n_tags;
};

/** Log levels, numbered as DPDK's RTE_LOG_* (1 = emergency ... 8 = debug). */
#define RGL_LOG_EMERG 1
#define RGL_LOG_DEBUG 8

struct reglane_config {
	/* SIP and addressing. */
	uint16_t sip_port;                          /**< default 5060 */
	struct rgl_addr addrs[RGL_CFG_MAX_ADDRS];   /**< own addresses */
	uint8_t n_addrs;
	struct rgl_prefix trust[RGL_CFG_MAX_TRUST]; /**< empty: trust every source */
	uint8_t n_trust;
	enum rgl_untrusted untrusted;               /**< default reply403 */
	uint32_t max_body_bytes;                    /**< larger bodies get 413; default 65536 */

	/* Registration table. */
	uint32_t max_registrations; /**< default 1048576 */
	uint64_t max_memory;        /**< bytes; default 1 GiB */

	/* Device roles and services. */
	struct rgl_role_hint role_hints[RGL_CFG_MAX_ROLE_HINTS];
	uint8_t n_role_hints; /**< 0: no contact is ever primary */
	struct rgl_service_tags services[RGL_SVC__COUNT];

	/* Control API. */
	struct rgl_addr http_addr;      /**< default 127.0.0.1 */
	char http_host[48];             /**< the same, as text (IPv6 unbracketed) */
	uint16_t http_port;             /**< default 8080 */
	char http_token[RGL_CFG_HTTP_TOKEN_MAX]; /**< empty: no token required */
	char policy_file[RGL_CFG_PATH_MAX]; /**< operator policy (JSON); empty: allow all */
	char prefs_file[RGL_CFG_PATH_MAX];  /**< user preferences (JSON); empty: in memory only */

	/* Replay and lifecycle. */
	bool exit_on_drain;                  /**< stop once the input is drained */
	char dump_state[RGL_CFG_PATH_MAX];   /**< empty: no state dump */

	/* Workers. */
	uint32_t idle_sleep_us;    /**< sleep when a poll found nothing; 0 = spin */
	uint16_t burst;            /**< rx/tx burst size; default 32 */
	uint32_t txn_cache_size;   /**< server transactions per lcore, power of two */
	uint32_t frag_max_entries; /**< IP reassembly flows per lcore */
	uint32_t frag_timeout_ms;  /**< IP reassembly timeout */
	int log_level;             /**< RGL_LOG_EMERG..RGL_LOG_DEBUG; default 7 (info) */

	char config_file[RGL_CFG_PATH_MAX]; /**< the --config given, empty if none */
};

/** Fill @p cfg with the built-in defaults (those listed by config_usage()). */
void config_defaults(struct reglane_config *cfg);

/**
 * Fill @p cfg from the defaults, the INI file named by `--config` (if any)
 * and the remaining options of @p argv, in that order of precedence.
 *
 * Context: init path, main thread. Not reentrant only in that it reads the
 * file with libinih; no global state of its own.
 * @param argc, argv the application arguments; argv[0] is the program name
 *   (as rte_eal_init() leaves it), a leading "--" is skipped.
 * @param err    receives a one-line message on failure (RGL_CFG_ERRLEN
 *   bytes suffice); untouched on success.
 * @return 0, RGL_CONFIG_HELP when --help/-h was given (nothing else is
 *   checked), -EINVAL for a bad option or value, or -errno when the INI file
 *   cannot be read. @p cfg is fully written in every case.
 */
int config_parse(struct reglane_config *cfg, int argc, char *const argv[], char *err,
		 size_t errlen);

/**
 * Apply an INI file on top of @p cfg (what `--config` does; also usable for
 * a reload). Keys are the long option names; see config_usage().
 * @return 0, -EINVAL (message names file:line and key), -errno (unreadable).
 */
int config_load_file(struct reglane_config *cfg, const char *path, char *err,
		     size_t errlen);

/** Print the option list, the defaults and the INI format to @p out. */
void config_usage(FILE *out, const char *prog);

/**
 * Write @p cfg as an INI file that config_load_file() reads back to the same
 * configuration (the HTTP token is left out: it is a secret).
 */
void config_write_ini(FILE *out, const struct reglane_config *cfg);

/**
 * Warnings the program should log at start (trust-all, an unauthenticated
 * control API on a non-loopback address). Messages are static strings.
 * @return how many were stored in @p msgs (at most @p cap).
 */
size_t config_warnings(const struct reglane_config *cfg, const char *msgs[], size_t cap);

/** Parse "192.0.2.1" or "2001:db8::1" (no brackets, no zone). @return 0 or -EINVAL. */
int config_parse_addr(const char *s, struct rgl_addr *a);

/**
 * Parse "192.0.2.0/24", "2001:db8::/32" or a bare address (a host prefix).
 * Host bits beyond the length must be zero.
 * @return 0 or -EINVAL.
 */
int config_parse_prefix(const char *s, struct rgl_prefix *p);

/** Whether @p addr (family 4 or 6, network byte order) lies in @p p. */
bool config_prefix_match(const struct rgl_prefix *p, uint8_t family, const uint8_t *addr);

/** Name of a service type ("pager", ...), NULL when out of range. */
const char *config_service_name(enum rgl_service s);

#ifdef __cplusplus
}
#endif

#endif /* REGLANE_CONFIG_H */
