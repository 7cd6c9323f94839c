/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for sip_parse(). ASan/UBSan catch reads past the input;
 * the checks below catch the quieter bugs: a slice that points outside the
 * datagram, counts beyond the fixed arrays, an OK result missing what OK
 * promises, or a result that differs between two parses of the same bytes.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/sip.h>

#define REQUIRE(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "invariant failed: %s (line %d)\n",    \
				#cond, __LINE__);                              \
			abort();                                               \
		}                                                              \
	} while (0)

static const char *g_buf;
static size_t g_len;

/* Absent is { NULL, 0 }; present lies within [buf, buf + len]. */
static void
inside(struct rgl_slice s)
{
	if (s.p == NULL) {
		REQUIRE(s.len == 0);
		return;
	}
	REQUIRE(s.p >= g_buf && s.p <= g_buf + g_len);
	REQUIRE(s.len <= (size_t)(g_buf + g_len - s.p));
}

/* @p in is absent, or lies within @p outer. */
static void
within(struct rgl_slice in, struct rgl_slice outer)
{
	if (in.p == NULL)
		return;
	REQUIRE(outer.p != NULL);
	REQUIRE(in.p >= outer.p && in.p + in.len <= outer.p + outer.len);
}

static int
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
check_msg(const struct sip_msg *m, enum sip_err err)
{
	REQUIRE(err == m->err);
	REQUIRE((unsigned)err < SIP_ERR__COUNT);
	REQUIRE(sip_err_str(err) != NULL);
	REQUIRE(m->n_headers <= SIP_MAX_HEADERS);
	REQUIRE(m->n_vias <= SIP_MAX_VIAS);
	REQUIRE(m->n_require <= SIP_MAX_REQUIRE);

	inside(m->method_name);
	inside(m->ruri);
	inside(m->version);
	for (unsigned i = 0; i < m->n_headers; i++) {
		const struct sip_header *h = &m->headers[i];

		inside(h->name);
		inside(h->value);
		REQUIRE(h->name.len > 0);
		REQUIRE(h->value.p != NULL);
		REQUIRE(h->value.len <= SIP_MAX_HEADER_LEN);
		if (h->value.len > 0) {
			REQUIRE(!is_lws(h->value.p[0]));
			REQUIRE(!is_lws(h->value.p[h->value.len - 1]));
		}
		REQUIRE(h->id == sip_header_id(h->name.p, h->name.len));
	}
	for (unsigned i = 0; i < m->n_vias; i++) {
		const struct sip_via *v = &m->vias[i];

		inside(v->value);
		inside(v->protocol);
		inside(v->transport);
		inside(v->host);
		inside(v->branch);
		inside(v->received);
		inside(v->maddr);
		inside(v->rport_value);
		inside(v->received_param);
		inside(v->rport_param);
		REQUIRE(!(v->host_is_ipv4 && v->host_is_ipv6));
		REQUIRE(!rgl_slice_present(v->rport_value) || v->has_rport);
	}
	inside(m->from.value);
	inside(m->from.display);
	inside(m->from.uri);
	inside(m->from.tag);
	inside(m->to.value);
	inside(m->to.display);
	inside(m->to.uri);
	inside(m->to.tag);
	inside(m->call_id);
	inside(m->cseq_method);
	inside(m->event);
	inside(m->event_type);
	inside(m->event_id);
	inside(m->subs_state);
	inside(m->subs_state_value);
	inside(m->subs_reason);
	inside(m->content_type);
	inside(m->content_type_type);
	inside(m->content_type_sub);
	inside(m->content_type_params);
	inside(m->content_encoding);
	for (unsigned i = 0; i < m->n_require; i++)
		inside(m->require[i]);
	inside(m->contact);
	inside(m->body);

	REQUIRE(m->cseq <= 0x7fffffffu);
	REQUIRE(m->max_forwards >= -1 && m->max_forwards <= 255);

	if (err == SIP_ERR_OK) {
		/* OK promises everything a response needs. */
		REQUIRE(m->kind == SIP_KIND_REQUEST || m->kind == SIP_KIND_RESPONSE);
		REQUIRE(m->n_vias >= 1);
		REQUIRE(rgl_slice_present(m->from.uri));
		REQUIRE(rgl_slice_present(m->to.uri));
		REQUIRE(rgl_slice_present(m->call_id) && m->call_id.len > 0);
		REQUIRE(m->has_cseq);
		REQUIRE(rgl_slice_present(m->body));
		REQUIRE(m->body.p + m->body.len <= g_buf + g_len);
		if (m->content_length >= 0)
			REQUIRE(m->body.len == (uint64_t)m->content_length);
		else
			REQUIRE(m->body.p + m->body.len == g_buf + g_len);
		for (unsigned i = 0; i < m->n_vias; i++) {
			const struct sip_via *v = &m->vias[i];

			REQUIRE(v->host.len > 0 && v->transport.len > 0);
			within(v->protocol, v->value);
			within(v->transport, v->protocol);
			within(v->host, v->value);
			within(v->branch, v->value);
			within(v->received, v->received_param);
			within(v->received_param, v->value);
			within(v->maddr, v->value);
			within(v->rport_value, v->rport_param);
			within(v->rport_param, v->value);
		}
		within(m->from.display, m->from.value);
		within(m->from.uri, m->from.value);
		within(m->from.tag, m->from.value);
		within(m->to.display, m->to.value);
		within(m->to.uri, m->to.value);
		within(m->to.tag, m->to.value);
		within(m->event_type, m->event);
		within(m->event_id, m->event);
		within(m->subs_state_value, m->subs_state);
		within(m->subs_reason, m->subs_state);
		within(m->content_type_type, m->content_type);
		within(m->content_type_sub, m->content_type);
		within(m->content_type_params, m->content_type);
		if (m->kind == SIP_KIND_REQUEST) {
			REQUIRE(m->method_name.len > 0 && m->ruri.len > 0);
			REQUIRE(m->cseq_method.len == m->method_name.len);
			REQUIRE(memcmp(m->cseq_method.p, m->method_name.p,
				       m->method_name.len) == 0);
		} else {
			REQUIRE(m->status >= 100 && m->status <= 699);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg m1, m2;
	enum sip_err e1, e2;

	g_buf = (const char *)data;
	g_len = size;

	/* Dirty the struct first: the parser must overwrite all of it. */
	memset(&m1, 0xa5, sizeof(m1));
	e1 = sip_parse(g_buf, size, &m1);
	check_msg(&m1, e1);

	memset(&m2, 0x5a, sizeof(m2));
	e2 = sip_parse(g_buf, size, &m2);
	REQUIRE(e1 == e2);
	REQUIRE(m1.kind == m2.kind && m1.method == m2.method && m1.status == m2.status);
	REQUIRE(m1.version_ok == m2.version_ok && m1.cseq == m2.cseq);
	REQUIRE(m1.content_length == m2.content_length);
	REQUIRE(m1.n_headers == m2.n_headers && m1.n_vias == m2.n_vias);
	REQUIRE(m1.body.p == m2.body.p && m1.body.len == m2.body.len);
	return 0;
}
