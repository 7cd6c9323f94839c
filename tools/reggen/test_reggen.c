/* SPDX-License-Identifier: MIT */
/*
 * reggen end to end: the same arguments give byte-identical pcap and JSON,
 * another seed gives other bytes, and every frame reads back through
 * libpcap and parses: Ethernet/802.1Q, ARP, IPv4 (header checksum), IPv6,
 * fragments reassembled (shuffled ones too), UDP checksum over the whole
 * datagram, a NOTIFY whose Content-Length matches its reginfo body. The
 * counts reggen reports in --expect must match what is in the capture.
 *
 * Usage: test_reggen PATH/TO/reggen  (meson passes it)
 */

#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "../../tests/unit/check.h"

extern char **environ;

static const char *reggen;
static char dir[64];

/* Run reggen with @p args (NULL-terminated); its exit status. */
static int
run(const char *const *args)
{
	char *argv[64];
	pid_t pid;
	int st, n = 0;
	posix_spawn_file_actions_t fa;

	argv[n++] = (char *)reggen;
	for (; *args != NULL && n < 62; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	if (posix_spawn(&pid, reggen, &fa, NULL, argv, environ) != 0) {
		perror("posix_spawn");
		exit(2);
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *
slurp(const char *path, size_t *len)
{
	return check_read_file(path, len);
}

static bool
same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	bool same = la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

/* "key": number in reggen's --expect output. */
static long long
json_count(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, pat);
	return p != NULL ? atoll(p + strlen(pat)) : -1;
}

static unsigned
occurrences(const char *s, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- reading the capture back ---- */

struct tally {
	long long frames, arp, ns, icmp, icmp6, notifies, fragments, fragmented, vlan, ipv6;
	long long bad;
};

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t
fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint32_t
sum(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static bool
l4_ok(int fam, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
      uint32_t len)
{
	uint8_t t[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			 (uint8_t)len, 0, 0, 0, proto };
	size_t al = fam == 4 ? 4 : 16;

	return fold(sum(l4, len, sum(t, 8, sum(dst, al, sum(src, al, 0))))) == 0xffff;
}

/* The UDP payload must be one NOTIFY with an exact Content-Length. */
static bool
notify_ok(const uint8_t *p, uint32_t n)
{
	const char *s = (const char *)p, *end, *cl;
	long body;

	if (n < 7 || memcmp(s, "NOTIFY ", 7) != 0)
		return false;
	end = memmem(s, n, "\r\n\r\n", 4);
	cl = memmem(s, n, "\r\nContent-Length: ", 18);
	if (end == NULL || cl == NULL || cl > end)
		return false;
	body = atol(cl + 18);
	if ((long)(n - (uint32_t)(end + 4 - s)) != body)
		return false;
	return body > 20 && memcmp(s + n - 11, "</reginfo>\n", 11) == 0 &&
	       memmem(end, (size_t)body, "<reginfo ", 9) != NULL;
}

/* One datagram under reassembly: fragments of a datagram are adjacent. */
struct reasm {
	uint8_t data[65536];
	uint8_t have[65536 / 8];
	uint32_t total;       /* 0 until the last fragment is seen */
	uint32_t got;
	uint32_t key;
	bool active;
	uint8_t src[16], dst[16];
	int fam;
};

static struct reasm ra;

static void
whole_udp(struct tally *t, int fam, const uint8_t *src, const uint8_t *dst, const uint8_t *u,
	  uint32_t len)
{
	if (len < 8 || be16(u + 4) != len || !l4_ok(fam, src, dst, 17, u, len) ||
	    be16(u + 2) != 5060 || !notify_ok(u + 8, len - 8)) {
		t->bad++;
		return;
	}
	t->notifies++;
}

static void
fragment(struct tally *t, int fam, const uint8_t *src, const uint8_t *dst, uint32_t key,
	 uint32_t off, bool more, const uint8_t *data, uint32_t len)
{
	t->fragments++;
	if (!ra.active || ra.key != key) {
		if (ra.active)
			t->bad++; /* the previous one never completed */
		memset(&ra.have, 0, sizeof(ra.have));
		ra.active = true;
		ra.key = key;
		ra.total = 0;
		ra.got = 0;
		ra.fam = fam;
		memcpy(ra.src, src, fam == 4 ? 4 : 16);
		memcpy(ra.dst, dst, fam == 4 ? 4 : 16);
	}
	if (off + len > sizeof(ra.data) || (more && (len & 7) != 0)) {
		t->bad++;
		return;
	}
	memcpy(ra.data + off, data, len);
	ra.got += len;
	if (!more)
		ra.total = off + len;
	if (ra.total != 0 && ra.got == ra.total) {
		t->fragmented++;
		ra.active = false;
		whole_udp(t, fam, ra.src, ra.dst, ra.data, ra.total);
	}
}

static void
frame(struct tally *t, const uint8_t *f, uint32_t n)
{
	uint32_t l2 = 14;
	uint16_t type;

	t->frames++;
	if (n < 14) {
		t->bad++;
		return;
	}
	type = be16(f + 12);
	if (type == 0x8100) {
		t->vlan++;
		type = be16(f + 16);
		l2 = 18;
	}
	if (type == 0x0806) {
		if (n >= l2 + 28 && be16(f + l2 + 6) == 1)
			t->arp++;
		else
			t->bad++;
		return;
	}
	if (type == 0x0800) {
		const uint8_t *ip = f + l2;
		uint32_t tot = be16(ip + 2), fo = be16(ip + 6);

		if (n < l2 + 20 || ip[0] != 0x45 || tot + l2 != n || fold(sum(ip, 20, 0)) != 0xffff) {
			t->bad++;
			return;
		}
		if (ip[9] == 1) {
			if (ip[20] == 8 && fold(sum(ip + 20, tot - 20, 0)) == 0xffff)
				t->icmp++;
			else
				t->bad++;
			return;
		}
		if (ip[9] != 17) {
			t->bad++;
			return;
		}
		if (fo & 0x3fff)
			fragment(t, 4, ip + 12, ip + 16, be16(ip + 4), (fo & 0x1fff) * 8,
				 (fo & 0x2000) != 0, ip + 20, tot - 20);
		else
			whole_udp(t, 4, ip + 12, ip + 16, ip + 20, tot - 20);
		return;
	}
	if (type == 0x86dd) {
		const uint8_t *ip = f + l2;
		uint32_t plen = be16(ip + 4);

		if (n < l2 + 40 || (ip[0] >> 4) != 6 || plen + 40 + l2 != n) {
			t->bad++;
			return;
		}
		t->ipv6++;
		if (ip[6] == 58) {
			const uint8_t *ic = ip + 40;

			if (!l4_ok(6, ip + 8, ip + 24, 58, ic, plen))
				t->bad++;
			else if (ic[0] == 135 && ip[7] == 255)
				t->ns++;
			else if (ic[0] == 128)
				t->icmp6++;
			else
				t->bad++;
			return;
		}
		if (ip[6] == 44) {
			const uint8_t *fh = ip + 40;
			uint32_t fd = be16(fh + 2);
			uint32_t id = (uint32_t)fh[4] << 24 | (uint32_t)fh[5] << 16 |
				      (uint32_t)fh[6] << 8 | fh[7];

			if (fh[0] != 17 || plen < 8) {
				t->bad++;
				return;
			}
			fragment(t, 6, ip + 8, ip + 24, id, fd & ~7u, (fd & 1) != 0, fh + 8,
				 plen - 8);
			return;
		}
		if (ip[6] == 17) {
			whole_udp(t, 6, ip + 8, ip + 24, ip + 40, plen);
			return;
		}
	}
	t->bad++;
}

static bool
read_pcap(const char *path, struct tally *t)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	long long last_us = -1;
	int rc;

	memset(t, 0, sizeof(*t));
	ra.active = false;
	if (p == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		return false;
	}
	CHECK_INT(pcap_datalink(p), DLT_EN10MB);
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		long long us = (long long)h->ts.tv_sec * 1000000 + h->ts.tv_usec;

		/* Synthetic clock: exactly 1 us apart. */
		if (last_us >= 0 && us != last_us + 1)
			t->bad++;
		last_us = us;
		if (h->caplen != h->len)
			t->bad++;
		frame(t, d, h->caplen);
	}
	CHECK_INT(rc, PCAP_ERROR_BREAK);
	if (ra.active)
		t->bad++;
	pcap_close(p);
	return true;
}

static void
path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

int
main(int argc, char **argv)
{
	char p1[128], p2[128], p3[128], j1[128], j2[128], j3[128], pg[128];
	struct tally t;
	char *json;
	size_t jl;
	long long users = 150;

	if (argc != 2) {
		fprintf(stderr, "usage: test_reggen PATH/TO/reggen\n");
		return 2;
	}
	reggen = argv[1];
	snprintf(dir, sizeof(dir), "/tmp/test_reggen.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	path(p1, sizeof(p1), "a.pcap");
	path(p2, sizeof(p2), "b.pcap");
	path(p3, sizeof(p3), "c.pcap");
	path(j1, sizeof(j1), "a.json");
	path(j2, sizeof(j2), "b.json");
	path(j3, sizeof(j3), "c.json");
	path(pg, sizeof(pg), "g.pcap");

	{
		const char *a[] = { "--users", "150", "--updates", "3", "--seed", "42",
				    "--ipv6-share", "0.4", "--vlan-share", "0.3",
				    "--shuffle-fragments", "--retransmit-share", "0.1", "--arp", "2",
				    "--icmp", "3", "--out", p1, "--expect", j1, NULL };
		const char *b[] = { "--users", "150", "--updates", "3", "--seed", "42",
				    "--ipv6-share", "0.4", "--vlan-share", "0.3",
				    "--shuffle-fragments", "--retransmit-share", "0.1", "--arp", "2",
				    "--icmp", "3", "--out", p2, "--expect", j2, NULL };
		const char *c[] = { "--users", "150", "--updates", "3", "--seed", "43",
				    "--ipv6-share", "0.4", "--vlan-share", "0.3",
				    "--shuffle-fragments", "--retransmit-share", "0.1", "--arp", "2",
				    "--icmp", "3", "--out", p3, "--expect", j3, NULL };

		CHECK_INT(run(a), 0);
		CHECK_INT(run(b), 0);
		CHECK_INT(run(c), 0);
	}
	CHECK(same_file(p1, p2));
	CHECK(same_file(j1, j2));
	CHECK(!same_file(p1, p3));
	CHECK(!same_file(j1, j3));

	json = slurp(j1, &jl);
	CHECK(read_pcap(p1, &t));
	CHECK_INT(t.bad, 0);
	CHECK_INT(t.frames, json_count(json, "frames"));
	CHECK_INT(t.notifies, json_count(json, "datagrams"));
	CHECK_INT(t.notifies, json_count(json, "notifies") + json_count(json, "retransmits"));
	CHECK_INT(json_count(json, "notifies"), users * 4);
	CHECK(json_count(json, "retransmits") > 0);
	CHECK_INT(t.fragments, json_count(json, "fragments"));
	CHECK_INT(t.fragmented, json_count(json, "fragmented"));
	CHECK(t.fragmented > t.notifies / 2); /* realistic NOTIFYs exceed 1500 B */
	CHECK(json_count(json, "max_fragments") <= 8);
	CHECK_INT(t.arp, 2);
	CHECK_INT(t.ns, 2);
	CHECK_INT(t.icmp, 3);
	CHECK_INT(t.icmp6, 3);
	CHECK(t.vlan > 0 && t.ipv6 > 0);
	/* Every user: a sip: and a tel: AoR, each with at most one primary device. */
	CHECK_INT(occurrences(json, "\"registration_id\""), 2 * users);
	CHECK(occurrences(json, "\"role\": \"primary\"") <= 2 * users);
	CHECK(occurrences(json, "\"role\": \"primary\"") > users); /* most users have a phone */
	CHECK(occurrences(json, "urn:gsma:imei:") > 0 && occurrences(json, "urn:uuid:") > 0);
	CHECK(strstr(json, "%3A") == NULL); /* ICSIs percent-decoded in the expectation */
	free(json);

	/* Jumbo MTU: only the largest documents fragmented. Garbage: still readable. */
	{
		const char *a[] = { "--users", "20", "--mtu", "9000", "--garbage", "16", "--out",
				    pg, "--expect", j3, NULL };

		CHECK_INT(run(a), 0);
		json = slurp(j3, &jl);
		CHECK(read_pcap(pg, &t));
		CHECK_INT(t.fragments, json_count(json, "fragments"));
		CHECK(json_count(json, "max_fragments") <= 2);
		CHECK(t.fragmented * 4 < t.notifies);
		CHECK_INT(t.notifies, 80);
		CHECK_INT(json_count(json, "garbage_udp_text"), 2);
		/* None of the 8 garbage kinds parses as a NOTIFY. */
		CHECK_INT(t.bad, 16);
		free(json);
	}
	/* Bad arguments are refused. */
	{
		const char *a[] = { "--users", "0", "--out", pg, NULL };
		const char *b[] = { "--ipv6-share", "1.5", "--out", pg, NULL };
		const char *c[] = { "--users", "3", NULL };

		CHECK_INT(run(a), 2);
		CHECK_INT(run(b), 2);
		CHECK_INT(run(c), 2);
	}

	unlink(p1);
	unlink(p2);
	unlink(p3);
	unlink(j1);
	unlink(j2);
	unlink(j3);
	unlink(pg);
	rmdir(dir);
	return check_exit();
}
