/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_TEST_CORPUS_LIST_H
#define REGLANE_TEST_CORPUS_LIST_H

/*
 * Every datagram of the bundled acceptance corpus (tests/data/corpus),
 * relative to that folder, in case and step order. One list, so a case
 * added to the corpus is added to every test that walks all of it.
 */
static const char *const corpus_files[] = {
	"001-rfc3680-s5.3-full-example/request.sip",
	"002-rfc3680-s6-callflow-init-then-partial/01.sip",
	"002-rfc3680-s6-callflow-init-then-partial/02.sip",
	"004-partial-adds-secondary-device/01.sip",
	"004-partial-adds-secondary-device/02.sip",
	"005-refreshed-then-shortened/01.sip",
	"005-refreshed-then-shortened/02.sip",
	"005-refreshed-then-shortened/03.sip",
	"007-stale-version-discarded/01.sip",
	"007-stale-version-discarded/02.sip",
	"007-stale-version-discarded/03.sip",
	"009-version-gap-then-full-resync/01.sip",
	"009-version-gap-then-full-resync/02.sip",
	"009-version-gap-then-full-resync/03.sip",
	"010-full-state-drops-unlisted-registration/01.sip",
	"010-full-state-drops-unlisted-registration/02.sip",
	"013-terminated-timeout-empty-body-then-481/01.sip",
	"013-terminated-timeout-empty-body-then-481/02.sip",
	"013-terminated-timeout-empty-body-then-481/03.sip",
	"015-udp-retransmission-same-branch/01.sip",
	"015-udp-retransmission-same-branch/02.sip",
	"015-udp-retransmission-same-branch/03.sip",
	"015-udp-retransmission-same-branch/04.sip",
	"020-rfc5628-implicit-registration-gruu/request.sip",
	"024-kamailio-scscf-two-devices/request.sip",
	"032-primary-phone-tablet-pc/request.sip",
	"040-compact-header-forms/request.sip",
	"042-multiple-via-rport/request.sip",
	"044-fqdn-via-no-rport-port-5060/request.sip",
	"046-wrong-content-type-415/request.sip",
	"047-wrong-event-489/request.sip",
	"049-missing-call-id-400/request.sip",
	"053-content-length-larger-than-body-400/request.sip",
	"056-no-content-length-udp/request.sip",
	"057-truncated-xml-400/request.sip",
	"058-billion-laughs-400/request.sip",
	"062-namespace-prefixed-elements/request.sip",
	"066-missing-required-attributes-skipped/request.sip",
	"076-empty-body-active-no-change/01.sip",
	"076-empty-body-active-no-change/02.sip",
};

#define CORPUS_FILES_N (sizeof(corpus_files) / sizeof(corpus_files[0]))

#endif /* REGLANE_TEST_CORPUS_LIST_H */
