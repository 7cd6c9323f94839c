/* SPDX-License-Identifier: MIT */
/* A suitability answer as JSON (shape in include/reglane/suitability.h). */

#include <stdlib.h>
#include <string.h>

#include <reglane/services.h>
#include <reglane/suitability.h>

/* Length of the valid UTF-8 sequence at @p p (1..4), 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A JSON string of @p s, null when absent. Strings come from the wire
 * (through the table), so each invalid UTF-8 byte becomes U+FFFD rather
 * than failing the whole answer. NULL only on allocation failure.
 */
static json_t *
js_str(struct rgl_slice s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, k = 0;
	char *buf;
	json_t *j;

	if (s.p == NULL)
		return json_null();
	while (i < s.len) {
		size_t l = utf8_seq(p + i, s.len - i);

		if (l == 0)
			break;
		i += l;
	}
	if (i == s.len)
		return json_stringn_nocheck(s.p, s.len);
	buf = malloc((size_t)s.len * 3 + 1);
	if (buf == NULL)
		return NULL;
	for (i = 0; i < s.len;) {
		size_t l = utf8_seq(p + i, s.len - i);

		if (l == 0) {
			memcpy(buf + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		} else {
			memcpy(buf + k, p + i, l);
			k += l;
			i += l;
		}
	}
	j = json_stringn_nocheck(buf, k);
	free(buf);
	return j;
}

/* Set @p key of @p o to @p v (stolen, also on failure); false on failure. */
static bool
set(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new_nocheck(o, key, v) == 0;
}

static json_t *
client_to_json(const struct suit_client *c)
{
	json_t *o = json_object(), *reasons = json_array();
	bool ok = o != NULL && reasons != NULL;

	for (int r = 0; ok && r < SUIT_REASON__COUNT; r++)
		if (c->reasons & SUIT_BIT(r))
			ok = json_array_append_new(reasons, json_string(suit_reason_str(r))) == 0;
	if (!ok) {
		json_decref(o);
		json_decref(reasons);
		return NULL;
	}
	ok = set(o, "id", js_str(c->id)) && set(o, "uri", js_str(c->uri)) &&
	     set(o, "instance", js_str(c->instance)) &&
	     set(o, "role", json_string(regtable_role_str(c->role))) &&
	     set(o, "suitable", json_boolean(c->suitable));
	if (!ok) {
		json_decref(o);
		json_decref(reasons);
		return NULL;
	}
	if (!set(o, "reasons", reasons)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
suit_result_to_json(const struct suit_result *res)
{
	json_t *o, *clients;
	bool ok;

	if (res == NULL)
		return NULL;
	o = json_object();
	clients = json_array();
	ok = o != NULL && clients != NULL;
	for (uint32_t i = 0; ok && i < res->n_clients && i < SUIT_MAX_CLIENTS; i++)
		ok = json_array_append_new(clients, client_to_json(&res->clients[i])) == 0;
	ok = ok && set(o, "user", js_str(res->user)) &&
	     set(o, "request", json_string(rgl_service_str(res->request))) &&
	     set(o, "interworked", json_boolean(res->interworked)) &&
	     set(o, "truncated", json_boolean(res->truncated));
	if (!ok) {
		json_decref(o);
		json_decref(clients);
		return NULL;
	}
	if (!set(o, "clients", clients)) {
		json_decref(o);
		return NULL;
	}
	return o;
}
