/* SPDX-License-Identifier: MIT */
/*
 * Operator policy and user preferences (include/reglane/policy.h).
 *
 * A rule set is one malloc'd block: the struct policy_rules header, the
 * rule array, then the rule strings. It is immutable once built, so the
 * control thread can hand a pointer to the suitability engine without
 * copying and replace a whole set in one step when the API edits it.
 *
 * Preferences are a sorted array of (normalized AoR key, rule set): a
 * binary search per query, a memmove per insert. Edits are rare control
 * plane events, and a sorted array cannot be driven into a worst case by
 * chosen keys the way an unseeded hash could.
 *
 * All JSON is hostile: every field is type-checked, every string bounded,
 * and every message quotes the offending input escaped and truncated.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/aor_norm.h>
#include <reglane/json_text.h>
#include <reglane/policy.h>
#include <reglane/services.h>

/* Longest request-type list a rule may spell out (duplicates included). */
#define REQUEST_LIST_MAX 32
/* Input bytes quoted in an error message. */
#define QUOTE_MAX 48

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * @p s (length @p n) as printable ASCII for an error message: other bytes
 * as \xNN, cut at QUOTE_MAX input bytes with "...". @p out holds
 * QUOTE_MAX * 4 + 4 bytes.
 */
static const char *
quote(const char *s, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			out[k++] = (char)c;
		else
			k += (size_t)sprintf(out + k, "\\x%02x", c);
	}
	if (n > QUOTE_MAX) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

static unsigned char
lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool
mem_ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return false;
	return true;
}



/* An instance pattern: visible ASCII (URNs are ASCII, RFC 8141); '*' only last. */
static bool
instance_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || (c == '*' && i + 1 != n))
			return false;
	}
	return n > 0;
}

const char *
policy_action_str(enum policy_action a)
{
	return a == POLICY_DENY ? "deny" : "allow";
}

/* ------------------------------------------------------------------ */
/* Rule sets                                                           */

/* Check one rule; @p where names it in messages ("rules[3]"). */
static int
check_rule(const struct policy_rule *r, const char *where, char *err, size_t errlen)
{
	if (r->requests & ~POLICY_REQUEST_MASK) {
		fail(err, errlen, "%s.request: only CPM request types (interworked is a flag)",
		     where);
		return -EINVAL;
	}
	if (r->role != POLICY_ANY && r->role != REGTABLE_ROLE_PRIMARY &&
	    r->role != REGTABLE_ROLE_SECONDARY) {
		fail(err, errlen, "%s.role: invalid role %d", where, r->role);
		return -EINVAL;
	}
	if (r->interworked != POLICY_ANY && r->interworked != 0 && r->interworked != 1) {
		fail(err, errlen, "%s.interworked: invalid value %d", where, r->interworked);
		return -EINVAL;
	}
	if (r->action != POLICY_ALLOW && r->action != POLICY_DENY) {
		fail(err, errlen, "%s.action: invalid action %d", where, r->action);
		return -EINVAL;
	}
	if (r->instance != NULL) {
		size_t n = strnlen(r->instance, POLICY_INSTANCE_MAX + 1);

		if (n > POLICY_INSTANCE_MAX) {
			fail(err, errlen, "%s.instance: longer than %u bytes", where,
			     POLICY_INSTANCE_MAX);
			return -EINVAL;
		}
		if (!instance_ok(r->instance, n)) {
			fail(err, errlen,
			     "%s.instance: must be non-empty visible ASCII, '*' only at the end",
			     where);
			return -EINVAL;
		}
	}
	if (r->comment != NULL) {
		size_t n = strnlen(r->comment, POLICY_COMMENT_MAX + 1);

		if (n > POLICY_COMMENT_MAX) {
			fail(err, errlen, "%s.comment: longer than %u bytes", where,
			     POLICY_COMMENT_MAX);
			return -EINVAL;
		}
		if (!rgl_utf8_text_ok(r->comment, n)) {
			fail(err, errlen, "%s.comment: not UTF-8 text", where);
			return -EINVAL;
		}
	}
	return 0;
}

struct policy_rules *
policy_rules_new(const struct policy_rule *rules, uint32_t n, enum policy_action dflt, int *rc,
		 char *err, size_t errlen)
{
	size_t strbytes = 0, hdr, off;
	struct policy_rules *set;
	struct policy_rule *out;
	char *str, where[32];
	int dummy;

	if (rc == NULL)
		rc = &dummy;
	*rc = -EINVAL;
	if (n > POLICY_MAX_RULES) {
		fail(err, errlen, "rules: more than %u rules", POLICY_MAX_RULES);
		return NULL;
	}
	if (n > 0 && rules == NULL) {
		fail(err, errlen, "rules: missing");
		return NULL;
	}
	if (dflt != POLICY_ALLOW && dflt != POLICY_DENY) {
		fail(err, errlen, "default: invalid action %d", (int)dflt);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "rules[%u]", i);
		if (check_rule(&rules[i], where, err, errlen) < 0)
			return NULL;
		if (rules[i].instance != NULL)
			strbytes += strlen(rules[i].instance) + 1;
		if (rules[i].comment != NULL)
			strbytes += strlen(rules[i].comment) + 1;
	}
	/* Header, rules, strings: one block, rule array aligned for its type. */
	hdr = (sizeof(*set) + _Alignof(struct policy_rule) - 1) &
	      ~(_Alignof(struct policy_rule) - 1);
	set = malloc(hdr + (size_t)n * sizeof(*out) + strbytes);
	if (set == NULL) {
		*rc = -ENOMEM;
		fail(err, errlen, "out of memory");
		return NULL;
	}
	out = (struct policy_rule *)((char *)set + hdr);
	str = (char *)(out + n);
	off = 0;
	for (uint32_t i = 0; i < n; i++) {
		out[i] = rules[i];
		out[i].instance_len = 0;
		if (rules[i].instance != NULL) {
			size_t l = strlen(rules[i].instance);

			memcpy(str + off, rules[i].instance, l + 1);
			out[i].instance = str + off;
			out[i].instance_len = (uint16_t)l;
			off += l + 1;
		}
		if (rules[i].comment != NULL) {
			size_t l = strlen(rules[i].comment);

			memcpy(str + off, rules[i].comment, l + 1);
			out[i].comment = str + off;
			off += l + 1;
		}
	}
	set->rules = out;
	set->n_rules = n;
	set->dflt = (uint8_t)dflt;
	*rc = 0;
	return set;
}

void
policy_rules_free(struct policy_rules *r)
{
	free(r);
}

bool
policy_rule_matches(const struct policy_rule *r, const struct policy_subject *s)
{
	if (r->requests != 0 &&
	    ((unsigned)s->request >= RGL_SVC__COUNT || !(r->requests & RGL_SVC_BIT(s->request))))
		return false;
	if (r->role != POLICY_ANY && r->role != (int)s->role)
		return false;
	if (r->interworked != POLICY_ANY && (r->interworked != 0) != s->interworked)
		return false;
	if (r->instance != NULL) {
		size_t n = r->instance_len;
		bool prefix = n > 0 && r->instance[n - 1] == '*';

		if (s->instance.p == NULL)
			return false;
		if (prefix) {
			if (s->instance.len < n - 1 || !mem_ieq(s->instance.p, r->instance, n - 1))
				return false;
		} else if (s->instance.len != n || !mem_ieq(s->instance.p, r->instance, n)) {
			return false;
		}
	}
	return true;
}

enum policy_action
policy_rules_eval(const struct policy_rules *r, const struct policy_subject *s, int *rule_idx)
{
	if (rule_idx != NULL)
		*rule_idx = -1;
	if (r == NULL)
		return POLICY_ALLOW;
	for (uint32_t i = 0; i < r->n_rules; i++) {
		if (policy_rule_matches(&r->rules[i], s)) {
			if (rule_idx != NULL)
				*rule_idx = (int)i;
			return (enum policy_action)r->rules[i].action;
		}
	}
	return (enum policy_action)r->dflt;
}

/* ------------------------------------------------------------------ */
/* Rule sets from and to JSON                                          */

static const char *
json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/*
 * The text of string @p j, which must hold no NUL (C strings downstream).
 * @return NULL after writing the message.
 */
static const char *
get_string(const json_t *j, const char *path, const char *key, size_t *len, char *err,
	   size_t errlen)
{
	const char *s;

	if (!json_is_string(j)) {
		fail(err, errlen, "%s.%s: expected a string, got %s", path, key,
		     json_type_name(j));
		return NULL;
	}
	s = json_string_value(j);
	*len = json_string_length(j);
	if (strlen(s) != *len) {
		fail(err, errlen, "%s.%s: contains a NUL character", path, key);
		return NULL;
	}
	return s;
}

static int
parse_action(const json_t *j, const char *path, const char *key, uint8_t *out, char *err,
	     size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4];
	size_t len;
	const char *s = get_string(j, path, key, &len, err, errlen);

	if (s == NULL)
		return -EINVAL;
	if (strcmp(s, "allow") == 0) {
		*out = POLICY_ALLOW;
	} else if (strcmp(s, "deny") == 0) {
		*out = POLICY_DENY;
	} else {
		fail(err, errlen, "%s.%s: expected \"allow\" or \"deny\", got \"%s\"", path, key,
		     quote(s, len, q));
		return -EINVAL;
	}
	return 0;
}

static int
parse_request_name(const json_t *j, const char *path, const char *key, uint32_t *mask,
		   char *err, size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4];
	size_t len;
	const char *s = get_string(j, path, key, &len, err, errlen);
	int svc;

	if (s == NULL)
		return -EINVAL;
	svc = rgl_service_parse(rgl_slice_make(s, len));
	if (svc == RGL_SVC_INTERWORKED) {
		fail(err, errlen,
		     "%s.%s: \"interworked\" is not a request type, use \"interworked\": true",
		     path, key);
		return -EINVAL;
	}
	if (svc < 0) {
		fail(err, errlen,
		     "%s.%s: unknown request type \"%s\" (expected pager, large-message, "
		     "session, file-transfer, deferred or system)",
		     path, key, quote(s, len, q));
		return -EINVAL;
	}
	*mask |= RGL_SVC_BIT(svc);
	return 0;
}

static int
parse_requests(const json_t *j, const char *path, uint32_t *mask, char *err, size_t errlen)
{
	char key[32];
	size_t i;
	const json_t *v;

	*mask = 0;
	if (!json_is_array(j))
		return parse_request_name(j, path, "request", mask, err, errlen);
	if (json_array_size(j) == 0 || json_array_size(j) > REQUEST_LIST_MAX) {
		fail(err, errlen, "%s.request: a list needs 1 to %u request types", path,
		     REQUEST_LIST_MAX);
		return -EINVAL;
	}
	json_array_foreach(j, i, v) {
		snprintf(key, sizeof(key), "request[%zu]", i);
		if (parse_request_name(v, path, key, mask, err, errlen) < 0)
			return -EINVAL;
	}
	return 0;
}

/* One JSON rule into @p r; strings point into @p j (live while it is). */
static int
parse_rule(const json_t *j, const char *path, struct policy_rule *r, char *err, size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4];
	bool have_action = false;
	const char *key;
	const json_t *v;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->role = POLICY_ANY;
	r->interworked = POLICY_ANY;
	if (!json_is_object(j)) {
		fail(err, errlen, "%s: expected an object, got %s", path, json_type_name(j));
		return -EINVAL;
	}
	json_object_foreach((json_t *)j, key, v) {
		if (strcmp(key, "request") == 0) {
			if (parse_requests(v, path, &r->requests, err, errlen) < 0)
				return -EINVAL;
		} else if (strcmp(key, "role") == 0) {
			const char *s = get_string(v, path, key, &len, err, errlen);

			if (s == NULL)
				return -EINVAL;
			if (strcmp(s, "primary") == 0) {
				r->role = REGTABLE_ROLE_PRIMARY;
			} else if (strcmp(s, "secondary") == 0) {
				r->role = REGTABLE_ROLE_SECONDARY;
			} else {
				fail(err, errlen,
				     "%s.role: expected \"primary\" or \"secondary\", got \"%s\"",
				     path, quote(s, len, q));
				return -EINVAL;
			}
		} else if (strcmp(key, "instance") == 0) {
			r->instance = get_string(v, path, key, &len, err, errlen);
			if (r->instance == NULL)
				return -EINVAL;
		} else if (strcmp(key, "interworked") == 0) {
			if (!json_is_boolean(v)) {
				fail(err, errlen, "%s.interworked: expected a boolean, got %s", path,
				     json_type_name(v));
				return -EINVAL;
			}
			r->interworked = json_is_true(v) ? 1 : 0;
		} else if (strcmp(key, "action") == 0) {
			if (parse_action(v, path, key, &r->action, err, errlen) < 0)
				return -EINVAL;
			have_action = true;
		} else if (strcmp(key, "comment") == 0) {
			r->comment = get_string(v, path, key, &len, err, errlen);
			if (r->comment == NULL)
				return -EINVAL;
		} else {
			fail(err, errlen,
			     "%s: unknown key \"%s\" (expected request, role, instance, "
			     "interworked, action, comment)",
			     path, quote(key, strlen(key), q));
			return -EINVAL;
		}
	}
	if (!have_action) {
		fail(err, errlen, "%s: missing \"action\" (\"allow\" or \"deny\")", path);
		return -EINVAL;
	}
	return check_rule(r, path, err, errlen);
}

struct policy_rules *
policy_rules_from_json(const json_t *j, const char *path, int *rc, char *err, size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4], where[POLICY_ERRLEN];
	struct policy_rule *tmp = NULL;
	const json_t *rules = NULL, *v;
	struct policy_rules *set;
	uint8_t dflt = POLICY_ALLOW;
	const char *key;
	uint32_t n = 0;
	int dummy;

	if (rc == NULL)
		rc = &dummy;
	if (path == NULL)
		path = "";
	*rc = -EINVAL;
	if (j == NULL || !json_is_object(j)) {
		fail(err, errlen, "%s%sexpected an object, got %s", path, *path ? ": " : "",
		     j ? json_type_name(j) : "nothing");
		return NULL;
	}
	json_object_foreach((json_t *)j, key, v) {
		if (strcmp(key, "default") == 0) {
			snprintf(where, sizeof(where), "%s", *path ? path : "policy");
			if (parse_action(v, where, key, &dflt, err, errlen) < 0)
				return NULL;
		} else if (strcmp(key, "rules") == 0) {
			rules = v;
		} else {
			fail(err, errlen, "%s%sunknown key \"%s\" (expected default, rules)", path,
			     *path ? ": " : "", quote(key, strlen(key), q));
			return NULL;
		}
	}
	if (rules != NULL) {
		size_t i;

		if (!json_is_array(rules)) {
			fail(err, errlen, "%s%srules: expected an array, got %s", path,
			     *path ? "." : "", json_type_name(rules));
			return NULL;
		}
		if (json_array_size(rules) > POLICY_MAX_RULES) {
			fail(err, errlen, "%s%srules: more than %u rules", path, *path ? "." : "",
			     POLICY_MAX_RULES);
			return NULL;
		}
		n = (uint32_t)json_array_size(rules);
		tmp = calloc(n ? n : 1, sizeof(*tmp));
		if (tmp == NULL) {
			*rc = -ENOMEM;
			fail(err, errlen, "out of memory");
			return NULL;
		}
		json_array_foreach(rules, i, v) {
			snprintf(where, sizeof(where), "%s%srules[%zu]", path, *path ? "." : "", i);
			if (parse_rule(v, where, &tmp[i], err, errlen) < 0) {
				free(tmp);
				return NULL;
			}
		}
	}
	set = policy_rules_new(tmp, n, (enum policy_action)dflt, rc, err, errlen);
	free(tmp);
	return set;
}

/* Load JSON text, turning a syntax error into "line L column C: ...". */
static json_t *
load_text(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;

	if (text == NULL) {
		fail(err, errlen, "no document");
		return NULL;
	}
	/* Any top-level value, so that "expected an object" comes from us. */
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (j == NULL)
		fail(err, errlen, "line %d column %d: %s", je.line, je.column, je.text);
	return j;
}

struct policy_rules *
policy_rules_parse(const char *text, size_t len, int *rc, char *err, size_t errlen)
{
	json_t *j = load_text(text, len, err, errlen);
	struct policy_rules *set;
	int dummy;

	if (rc == NULL)
		rc = &dummy;
	if (j == NULL) {
		*rc = -EINVAL;
		return NULL;
	}
	set = policy_rules_from_json(j, "", rc, err, errlen);
	json_decref(j);
	return set;
}

/* Set @p key of @p o to @p v (stolen); false on failure. */
static bool
set(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new_nocheck(o, key, v) == 0;
}

static json_t *
rule_to_json(const struct policy_rule *r)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (ok && r->requests != 0) {
		json_t *req;

		if (__builtin_popcount(r->requests) == 1) {
			req = json_string(rgl_service_str(__builtin_ctz(r->requests)));
		} else {
			req = json_array();
			for (int s = 0; req != NULL && s < RGL_SVC__COUNT; s++)
				if ((r->requests & RGL_SVC_BIT(s)) &&
				    json_array_append_new(req, json_string(rgl_service_str(s))) != 0) {
					json_decref(req);
					req = NULL;
				}
		}
		ok = set(o, "request", req);
	}
	if (ok && r->role != POLICY_ANY)
		ok = set(o, "role", json_string(regtable_role_str(r->role)));
	if (ok && r->instance != NULL)
		ok = set(o, "instance", json_string(r->instance));
	if (ok && r->interworked != POLICY_ANY)
		ok = set(o, "interworked", json_boolean(r->interworked));
	ok = ok && set(o, "action", json_string(policy_action_str(r->action)));
	if (ok && r->comment != NULL)
		ok = set(o, "comment", json_string(r->comment));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
policy_rules_to_json(const struct policy_rules *r)
{
	json_t *o = json_object(), *arr = json_array();

	if (o == NULL || arr == NULL) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	for (uint32_t i = 0; r != NULL && i < r->n_rules; i++) {
		if (json_array_append_new(arr, rule_to_json(&r->rules[i])) != 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	/* A failed set() frees a non-NULL value; arr is only given to the second. */
	if (!set(o, "default", json_string(policy_action_str(r ? r->dflt : POLICY_ALLOW)))) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	if (!set(o, "rules", arr)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* User preferences                                                    */

struct prefs_entry {
	char *key; /* aor_norm() key, NUL-terminated */
	uint32_t len;
	struct policy_rules *rules;
};

struct policy_prefs {
	struct prefs_entry *e; /* sorted by (bytes, then length) */
	uint32_t n;
	uint32_t cap;
	uint32_t max_users;
};

struct policy_prefs *
policy_prefs_new(uint32_t max_users)
{
	struct policy_prefs *p = calloc(1, sizeof(*p));

	if (p != NULL)
		p->max_users = max_users ? max_users : POLICY_DEFAULT_MAX_USERS;
	return p;
}

void
policy_prefs_free(struct policy_prefs *p)
{
	if (p == NULL)
		return;
	for (uint32_t i = 0; i < p->n; i++) {
		free(p->e[i].key);
		policy_rules_free(p->e[i].rules);
	}
	free(p->e);
	free(p);
}

uint32_t
policy_prefs_count(const struct policy_prefs *p)
{
	return p ? p->n : 0;
}

static int
key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);

	if (r != 0)
		return r;
	return an < bn ? -1 : an > bn;
}

/* Index of @p key, or -(insertion point) - 1. */
static int64_t
prefs_find(const struct policy_prefs *p, const char *key, size_t len)
{
	uint32_t lo = 0, hi = p->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(p->e[mid].key, p->e[mid].len, key, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(int64_t)lo - 1;
}

const struct policy_rules *
policy_prefs_get_key(const struct policy_prefs *p, const char *key, size_t len)
{
	int64_t i;

	if (p == NULL || key == NULL || p->n == 0)
		return NULL;
	i = prefs_find(p, key, len);
	return i >= 0 ? p->e[i].rules : NULL;
}

const struct policy_rules *
policy_prefs_get(const struct policy_prefs *p, struct rgl_slice aor)
{
	char key[AOR_NORM_MAX];
	int kl;

	if (p == NULL || p->n == 0)
		return NULL;
	kl = aor_norm_slice(aor, key, sizeof(key));
	return kl > 0 ? policy_prefs_get_key(p, key, (size_t)kl) : NULL;
}

/* Insert or replace under an already normalized key. */
static int
prefs_put(struct policy_prefs *p, const char *key, size_t len, struct policy_rules *rules)
{
	int64_t i = prefs_find(p, key, len);
	uint32_t at;
	char *k;

	if (i >= 0) {
		policy_rules_free(p->e[i].rules);
		p->e[i].rules = rules;
		return 0;
	}
	if (p->n >= p->max_users)
		return -ENOSPC;
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;
		struct prefs_entry *e;

		if (cap > p->max_users)
			cap = p->max_users;
		e = realloc(p->e, (size_t)cap * sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		p->e = e;
		p->cap = cap;
	}
	k = malloc(len + 1);
	if (k == NULL)
		return -ENOMEM;
	memcpy(k, key, len);
	k[len] = '\0';
	at = (uint32_t)(-i - 1);
	memmove(&p->e[at + 1], &p->e[at], (size_t)(p->n - at) * sizeof(p->e[0]));
	p->e[at] = (struct prefs_entry){ k, (uint32_t)len, rules };
	p->n++;
	return 0;
}

int
policy_prefs_set(struct policy_prefs *p, struct rgl_slice aor, struct policy_rules *rules)
{
	char key[AOR_NORM_MAX];
	int kl;

	if (p == NULL || rules == NULL)
		return -EINVAL;
	kl = aor_norm_slice(aor, key, sizeof(key));
	if (kl <= 0)
		return -EINVAL;
	return prefs_put(p, key, (size_t)kl, rules);
}

int
policy_prefs_remove(struct policy_prefs *p, struct rgl_slice aor)
{
	char key[AOR_NORM_MAX];
	int64_t i;
	int kl;

	if (p == NULL)
		return -EINVAL;
	kl = aor_norm_slice(aor, key, sizeof(key));
	if (kl <= 0)
		return -EINVAL;
	i = prefs_find(p, key, (size_t)kl);
	if (i < 0)
		return -ENOENT;
	free(p->e[i].key);
	policy_rules_free(p->e[i].rules);
	memmove(&p->e[i], &p->e[i + 1], (size_t)(p->n - (uint32_t)i - 1) * sizeof(p->e[0]));
	p->n--;
	return 0;
}

int
policy_prefs_from_json(const json_t *j, uint32_t max_users, struct policy_prefs **out,
		       char *err, size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4], path[QUOTE_MAX * 4 + 32], key[AOR_NORM_MAX];
	const json_t *users = NULL, *v;
	struct policy_prefs *p;
	const char *name;
	int rc;

	*out = NULL;
	if (j == NULL || !json_is_object(j)) {
		fail(err, errlen, "preferences: expected an object, got %s",
		     j ? json_type_name(j) : "nothing");
		return -EINVAL;
	}
	json_object_foreach((json_t *)j, name, v) {
		if (strcmp(name, "users") != 0) {
			fail(err, errlen, "preferences: unknown key \"%s\" (expected users)",
			     quote(name, strlen(name), q));
			return -EINVAL;
		}
		users = v;
	}
	if (users != NULL && !json_is_object(users)) {
		fail(err, errlen, "users: expected an object, got %s", json_type_name(users));
		return -EINVAL;
	}
	p = policy_prefs_new(max_users);
	if (p == NULL) {
		fail(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (users != NULL && json_object_size(users) > p->max_users) {
		fail(err, errlen, "users: more than %u users", p->max_users);
		policy_prefs_free(p);
		return -EINVAL;
	}
	json_object_foreach((json_t *)users, name, v) {
		size_t nlen = strlen(name);
		struct policy_rules *set;
		int kl = aor_norm(name, nlen, key, sizeof(key));

		snprintf(path, sizeof(path), "users[\"%s\"]", quote(name, nlen, q));
		if (kl <= 0) {
			fail(err, errlen, "%s: not a sip:, sips: or tel: address-of-record", path);
			policy_prefs_free(p);
			return -EINVAL;
		}
		if (policy_prefs_get_key(p, key, (size_t)kl) != NULL) {
			fail(err, errlen, "%s: another AoR of this object is the same user (%s)",
			     path, quote(key, (size_t)kl, q));
			policy_prefs_free(p);
			return -EINVAL;
		}
		set = policy_rules_from_json(v, path, &rc, err, errlen);
		if (set == NULL) {
			policy_prefs_free(p);
			return rc;
		}
		rc = prefs_put(p, key, (size_t)kl, set);
		if (rc < 0) {
			fail(err, errlen, "%s: %s", path, strerror(-rc));
			policy_rules_free(set);
			policy_prefs_free(p);
			return rc == -ENOSPC ? -EINVAL : rc;
		}
	}
	*out = p;
	return 0;
}

int
policy_prefs_parse(const char *text, size_t len, uint32_t max_users, struct policy_prefs **out,
		   char *err, size_t errlen)
{
	json_t *j = load_text(text, len, err, errlen);
	int rc;

	*out = NULL;
	if (j == NULL)
		return -EINVAL;
	rc = policy_prefs_from_json(j, max_users, out, err, errlen);
	json_decref(j);
	return rc;
}

json_t *
policy_prefs_to_json(const struct policy_prefs *p)
{
	json_t *root = json_object(), *users = json_object();

	if (root == NULL || users == NULL) {
		json_decref(root);
		json_decref(users);
		return NULL;
	}
	for (uint32_t i = 0; p != NULL && i < p->n; i++) {
		/* Keys are aor_norm() output: plain ASCII, valid as JSON keys. */
		if (json_object_setn_new_nocheck(users, p->e[i].key, p->e[i].len,
						 policy_rules_to_json(p->e[i].rules)) != 0) {
			json_decref(root);
			json_decref(users);
			return NULL;
		}
	}
	if (json_object_set_new_nocheck(root, "users", users) != 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}
