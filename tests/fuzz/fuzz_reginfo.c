/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the reginfo SAX2 parser.
 *
 * Each input is parsed by two long-lived parsers, as a worker would: one
 * with the default limits and one with tiny limits, so that every cap
 * (depth, registrations, contacts, params, arena) is reached often. The
 * default parser then parses the same bytes again and must produce the same
 * result: nothing may leak from one document into the next. Every returned
 * event is walked completely, touching each byte of each slice, so ASan sees
 * any slice that points outside live memory.
 *
 * Seeds: tests/fuzz/corpus/fuzz_reginfo/; dictionary: tests/fuzz/reginfo.dict.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reglane/reginfo.h>

#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: assertion failed: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

static unsigned int fuzz_sink;

/* Read every byte of @p s; a present slice must not be absurd. */
static void
touch(struct rgl_slice s, bool required_nonempty)
{
	if (s.p == NULL) {
		FUZZ_ASSERT(s.len == 0);
		FUZZ_ASSERT(!required_nonempty);
		return;
	}
	FUZZ_ASSERT(!required_nonempty || s.len > 0);
	FUZZ_ASSERT(s.len <= 2u * 65536u);
	for (uint32_t i = 0; i < s.len; i++)
		fuzz_sink += (unsigned char)s.p[i];
}

/* Structural invariants of a successful event. */
static void
check_event(const struct reginfo_event *ev)
{
	uint32_t next_contact = 0, next_param = 0;

	FUZZ_ASSERT(ev->state == REGINFO_DOC_FULL || ev->state == REGINFO_DOC_PARTIAL);
	FUZZ_ASSERT((ev->n_skipped == 0) == (ev->first_skip == REGINFO_ERR_OK));
	FUZZ_ASSERT(ev->n_skipped == 0 || (ev->first_skip >= REGINFO_ERR__FIRST_SKIP &&
					   ev->first_skip < REGINFO_ERR__COUNT));
	for (uint32_t r = 0; r < ev->n_regs; r++) {
		const struct reginfo_registration *g = &ev->regs[r];

		touch(g->aor, true);
		touch(g->id, true);
		touch(g->wildcarded_identity, false);
		FUZZ_ASSERT(g->state <= REGINFO_REG_TERMINATED);
		/* Contacts are stored in document order, registration by registration. */
		FUZZ_ASSERT(g->first_contact == next_contact);
		next_contact += g->n_contacts;
		FUZZ_ASSERT(next_contact <= ev->n_contacts);
		for (uint32_t i = 0; i < g->n_contacts; i++) {
			const struct reginfo_contact *c = &ev->contacts[g->first_contact + i];

			touch(c->id, true);
			touch(c->uri, true);
			touch(c->display_name, false);
			touch(c->display_lang, false);
			touch(c->callid, false);
			touch(c->q, false);
			touch(c->pub_gruu, false);
			touch(c->temp_gruu, false);
			FUZZ_ASSERT(c->state <= REGINFO_CONTACT_TERMINATED);
			FUZZ_ASSERT(c->event < REGINFO_EV__COUNT);
			FUZZ_ASSERT((c->has & ~0x1fu) == 0);
			FUZZ_ASSERT(!(c->has & REGINFO_HAS_TEMP_GRUU_CSEQ) || c->temp_gruu.p != NULL);
			FUZZ_ASSERT(c->first_param == next_param);
			next_param += c->n_params;
			FUZZ_ASSERT(next_param <= ev->n_params);
			for (uint32_t k = 0; k < c->n_params; k++) {
				touch(ev->params[c->first_param + k].name, true);
				/* A parameter always has a value, possibly empty. */
				FUZZ_ASSERT(ev->params[c->first_param + k].value.p != NULL);
				touch(ev->params[c->first_param + k].value, false);
			}
		}
	}
	FUZZ_ASSERT(next_contact == ev->n_contacts);
	FUZZ_ASSERT(next_param == ev->n_params);
}

static void
check_result(struct reginfo_parser *p, enum reginfo_err err, const struct reginfo_event *ev)
{
	FUZZ_ASSERT(ev != NULL);
	FUZZ_ASSERT(err < REGINFO_ERR__FIRST_SKIP);
	if (err == REGINFO_ERR_OK) {
		FUZZ_ASSERT(reginfo_parser_errmsg(p)[0] == '\0');
		check_event(ev);
	} else {
		/* Nothing of a refused document may be applied. */
		FUZZ_ASSERT(ev->n_regs == 0 && ev->n_contacts == 0 && ev->n_params == 0);
		FUZZ_ASSERT(reginfo_parser_errmsg(p)[0] != '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reginfo_parser *def, *tiny;
	const struct reginfo_event *ev;
	enum reginfo_err err, first, again;
	uint32_t version, n_regs, n_contacts, n_params, n_skipped;

	if (def == NULL) {
		struct reginfo_limits lim;

		reginfo_limits_default(&lim);
		lim.max_depth = 8;
		lim.max_registrations = 2;
		lim.max_contacts = 3;
		lim.max_params = 4;
		lim.arena_bytes = 256;
		lim.max_doc_bytes = 4096;
		def = reginfo_parser_new(NULL);
		tiny = reginfo_parser_new(&lim);
		FUZZ_ASSERT(def != NULL && tiny != NULL);
	}

	first = reginfo_parse(def, (const char *)data, size, &ev);
	check_result(def, first, ev);
	version = ev->version;
	n_regs = ev->n_regs;
	n_contacts = ev->n_contacts;
	n_params = ev->n_params;
	n_skipped = ev->n_skipped;

	err = reginfo_parse(tiny, (const char *)data, size, &ev);
	check_result(tiny, err, ev);

	/* Same bytes, same parser, after another document: same answer. */
	again = reginfo_parse(def, (const char *)data, size, &ev);
	check_result(def, again, ev);
	FUZZ_ASSERT(again == first);
	FUZZ_ASSERT(ev->n_regs == n_regs && ev->n_contacts == n_contacts &&
		    ev->n_params == n_params && ev->n_skipped == n_skipped);
	if (again == REGINFO_ERR_OK)
		FUZZ_ASSERT(ev->version == version);
	return 0;
}
