/* SPDX-License-Identifier: MIT */
/* A suitability answer as JSON (shape in include/reglane/suitability.h). */

#include <stdlib.h>
#include <string.h>

#include <reglane/json_text.h>
#include <reglane/services.h>
#include <reglane/suitability.h>



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
	ok = set(o, "id", rgl_json_str(c->id)) && set(o, "uri", rgl_json_str(c->uri)) &&
	     set(o, "instance", rgl_json_str(c->instance)) &&
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
	ok = ok && set(o, "user", rgl_json_str(res->user)) &&
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
