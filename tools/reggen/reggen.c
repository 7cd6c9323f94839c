/* SPDX-License-Identifier: MIT */
/*
 * reggen: deterministic pcaps of reg-event NOTIFY traffic, as S-CSCFs send
 * it to a CPM participating function.
 *
 * Each user has an implicit registration set (sip:+1NPANXXXXXX@domain and
 * tel:+1NPANXXXXXX) and 1-4 clients (phone: IMEI instance, SMS over IP,
 * VoLTE telephony, every CPM ICSI; tablet / PC: urn:uuid instance, CPM
 * subsets). A user's dialog gets a full document first, then --updates
 * partial ones (refresh, shorten, new device, device gone) with versions and
 * CSeq going up. Users are interleaved a window at a time, so NOTIFYs of
 * different users mix but each user's stay in order.
 *
 * Everything derives from --seed: a user's content comes from a generator
 * seeded by (seed, user), so e.g. --garbage does not change the NOTIFYs.
 * Timestamps are synthetic (1 us apart from a fixed epoch): same arguments,
 * same bytes.
 *
 * --expect writes the state a correct processor ends with (SEMANTICS.md:
 * terminated contacts removed, features normalised, roles per section 7)
 * plus the packet counts, for tests that replay the capture.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define MAX_CONTACTS 4
#define MAX_DGRAM 65507
#define MAX_FRAME (18 + 65535)
#define MAX_FRAGS 128 /* 64 KiB at the smallest MTU (576) */
#define N_SCSCF 8
#define WINDOW 64
#define PCAP_EPOCH 1700000000u

/* ---- deterministic randomness ---- */

struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	/* splitmix64: tiny, full period, good enough for test data */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static struct rng
rng_for(uint64_t seed, uint64_t stream, uint64_t index)
{
	struct rng r = { seed * 0x2545f4914f6cdd1dull ^ stream << 48 ^ index };

	rng_next(&r);
	return r;
}

/* ---- options ---- */

struct opts {
	uint64_t seed;
	uint32_t users, updates, mtu, arp, icmp, garbage;
	uint16_t vlan_id, dst_port;
	double ipv6_share, vlan_share, retransmit_share;
	bool shuffle;
	uint8_t src_mac[6], dst_mac[6];
	uint8_t dst_ip[4], dst_ip6[16];
	const char *out, *expect, *domain;
};

/* ---- a growing text buffer ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void
bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		/* An empty buffer has p == NULL and cap == 0: NULL + 0 is UB. */
		n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			fprintf(stderr, "reggen: formatting failed\n");
			exit(1);
		}
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL) {
			fprintf(stderr, "reggen: out of memory\n");
			exit(1);
		}
	}
	b->len += (size_t)n;
}

/* ---- the model ---- */

enum dev { DEV_PHONE, DEV_TABLET, DEV_PC };

/* CPM / MMTel ICSIs, bit per entry, in the order they are written. */
static const char *const icsi_names[] = {
	"mmtel", "oma.cpm.msg", "oma.cpm.largemsg", "oma.cpm.session",
	"oma.cpm.filetransfer", "oma.cpm.deferred", "oma.cpm.systemmsg",
};
#define ICSI_MMTEL 0x01
#define ICSI_CPM_ALL 0x7e

static const char *const iari_names[] = { "rcs.fthttp", "rcs.ftsms" };

struct contact {
	enum dev dev;
	char instance[64];      /* without <> */
	char uri[96];
	char callid[48];
	uint32_t cseq;
	uint32_t id[2];         /* contact id in the sip: and tel: registration */
	uint32_t expires, duration;
	const char *event[2];
	uint8_t icsi, iari;
	bool smsip, pager_large, av;
	const char *telephony;  /* NULL: no such parameter */
	bool active;
};

struct user {
	uint32_t index;
	char number[16];        /* +1NPANXXXXXX */
	uint8_t scscf, family;
	bool vlan;
	char call_id[96], from_tag[24], to_tag[24], reg_id[2][40];
	uint32_t cseq, version, sent, total;
	uint32_t next_id;       /* next contact id number */
	uint32_t clock;         /* seconds since the first REGISTER, for durations */
	struct contact c[MAX_CONTACTS];
	unsigned n;             /* contacts ever created (active or not) */
	struct rng rng;
};

static const char *
hexstr(struct rng *r, char *out, unsigned nhex)
{
	static const char hx[] = "0123456789abcdef";
	uint64_t v = 0;

	for (unsigned i = 0; i < nhex; i++) {
		if (i % 16 == 0)
			v = rng_next(r);
		out[i] = hx[v & 15];
		v >>= 4;
	}
	out[nhex] = '\0';
	return out;
}

/* IMEI URN (RFC 7254): TAC-SNR-check, the check digit by Luhn over 14 digits. */
static void
make_imei(struct rng *r, char *out, size_t cap)
{
	char d[15];
	unsigned sum = 0;

	snprintf(d, sizeof(d), "35%06u%06u", rng_below(r, 1000000), rng_below(r, 1000000));
	for (unsigned i = 0; i < 14; i++) {
		unsigned v = (unsigned)(d[i] - '0');

		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	snprintf(out, cap, "urn:gsma:imei:%.8s-%.6s-%u", d, d + 8, (10 - sum % 10) % 10);
}

static void
make_uuid(struct rng *r, char *out, size_t cap)
{
	uint64_t a = rng_next(r), b = rng_next(r);

	snprintf(out, cap, "urn:uuid:%08x-%04x-4%03x-%04x-%012" PRIx64, (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
		 (unsigned)(0x8000 | ((b >> 48) & 0x3fff)), (uint64_t)(b & 0xffffffffffffull));
}

/*
 * Distinct numbers without a table: k = (base + i * P) mod (800*800*10000)
 * is a bijection for P prime to the modulus; NPA and NXX start at 200.
 */
static void
make_number(uint64_t seed, uint32_t i, char *out, size_t cap)
{
	const uint64_t mod = 800ull * 800 * 10000;
	struct rng r = rng_for(seed, 1, 0);
	uint64_t k = (rng_next(&r) % mod + (uint64_t)i * 2654435761ull) % mod;

	snprintf(out, cap, "+1%03u%03u%04u", (unsigned)(200 + k / 8000000),
		 (unsigned)(200 + k / 10000 % 800), (unsigned)(k % 10000));
}

static void
new_contact(struct user *u, enum dev dev, bool first_doc)
{
	struct contact *c = &u->c[u->n++];
	struct rng *r = &u->rng;
	char hx[17];

	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->active = true;
	if (dev == DEV_PHONE) {
		make_imei(r, c->instance, sizeof(c->instance));
		snprintf(c->uri, sizeof(c->uri), "sip:%s@10.45.%u.%u:5060", u->number,
			 rng_below(r, 256), 1 + rng_below(r, 254));
		c->icsi = ICSI_MMTEL | ICSI_CPM_ALL;
		/* Some phones' RCS stacks leave out deferred/system messaging. */
		if (rng_below(r, 4) == 0)
			c->icsi &= (uint8_t)~0x60;
		c->iari = 3;
		c->smsip = true;
		c->pager_large = true;
		c->av = true;
		c->telephony = "volte";
	} else {
		make_uuid(r, c->instance, sizeof(c->instance));
		if (dev == DEV_TABLET) {
			snprintf(c->uri, sizeof(c->uri), "sip:%s@10.46.%u.%u:5060", u->number,
				 rng_below(r, 256), 1 + rng_below(r, 254));
			c->icsi = 0x1e; /* msg, largemsg, session, filetransfer */
			if (rng_below(r, 2))
				c->icsi |= 0x20;
			c->iari = 1;
			c->pager_large = true;
			c->telephony = "none";
		} else {
			snprintf(c->uri, sizeof(c->uri),
				 "sip:%s@203.0.113.%u:%u;transport=udp", u->number,
				 1 + rng_below(r, 254), 1024 + rng_below(r, 60000));
			c->icsi = rng_below(r, 2) ? 0x08 : 0x1a; /* session [+ msg, ft] */
		}
	}
	snprintf(c->callid, sizeof(c->callid), "reg-%s@device", hexstr(r, hx, 12));
	c->cseq = 1 + rng_below(r, 40);
	c->id[0] = u->next_id++;
	c->id[1] = u->next_id++;
	c->expires = 3600;
	/*
	 * Distinct durations keep the primary-device tie-break (most recent
	 * registration) unambiguous; odd/even split by device kind.
	 */
	c->duration = first_doc ? 30 + 2 * rng_below(r, 5000) + (dev == DEV_PHONE) : 0;
	c->event[0] = "registered";
	c->event[1] = "created";
}

static void
new_user(const struct opts *o, uint32_t index, struct user *u)
{
	char hx[33];
	unsigned n, roll;

	memset(u, 0, sizeof(*u));
	u->index = index;
	u->rng = rng_for(o->seed, 2, index);
	make_number(o->seed, index, u->number, sizeof(u->number));
	u->scscf = (uint8_t)rng_below(&u->rng, N_SCSCF);
	u->family = rng_unit(&u->rng) < o->ipv6_share ? 6 : 4;
	u->vlan = rng_unit(&u->rng) < o->vlan_share;
	snprintf(u->call_id, sizeof(u->call_id), "%s@scscf-%u.%s", hexstr(&u->rng, hx, 16),
		 u->scscf + 1, o->domain);
	hexstr(&u->rng, u->from_tag, 8);
	hexstr(&u->rng, u->to_tag, 8);
	snprintf(u->reg_id[0], sizeof(u->reg_id[0]), "a%s", hexstr(&u->rng, hx, 8));
	snprintf(u->reg_id[1], sizeof(u->reg_id[1]), "a%s", hexstr(&u->rng, hx, 8));
	u->cseq = 1 + rng_below(&u->rng, 1000);
	/* Kamailio's notifier starts at 2 as seen by the subscriber; others at 0. */
	u->version = rng_below(&u->rng, 3) == 0 ? 2 : 0;
	u->next_id = 100000 + rng_below(&u->rng, 800000);
	u->clock = 0;
	u->total = 1 + o->updates;

	roll = rng_below(&u->rng, 100);
	n = roll < 30 ? 1 : roll < 65 ? 2 : roll < 90 ? 3 : 4;
	new_contact(u, rng_below(&u->rng, 10) < 9 ? DEV_PHONE : DEV_PC, true);
	for (unsigned i = 1; i < n; i++) {
		unsigned k = rng_below(&u->rng, 20);

		new_contact(u, k == 0 ? DEV_PHONE : k < 10 ? DEV_TABLET : DEV_PC, true);
	}
}

static unsigned
n_active(const struct user *u)
{
	unsigned n = 0;

	for (unsigned i = 0; i < u->n; i++)
		n += u->c[i].active;
	return n;
}

static struct contact *
pick_active(struct user *u)
{
	unsigned k = rng_below(&u->rng, n_active(u));

	for (unsigned i = 0; i < u->n; i++)
		if (u->c[i].active && k-- == 0)
			return &u->c[i];
	return NULL;
}

/* ---- reginfo documents ---- */

static void
xml_contact(struct buf *b, const struct user *u, const struct contact *c, int reg, const char *aor)
{
	const char *state = c->active ? "active" : "terminated";

	bprintf(b, "    <contact id=\"%u\" state=\"%s\" event=\"%s\"", c->id[reg], state,
		c->event[reg]);
	if (c->active)
		bprintf(b, " expires=\"%u\"", c->expires);
	bprintf(b, " duration-registered=\"%u\" callid=\"%s\" cseq=\"%u\">\n", c->duration,
		c->callid, c->cseq);
	bprintf(b, "      <uri>%s</uri>\n", c->uri);
	bprintf(b, "      <unknown-param name=\"+sip.instance\">\"&lt;%s&gt;\"</unknown-param>\n",
		c->instance);
	if (c->icsi) {
		bool first = true;

		bprintf(b, "      <unknown-param name=\"+g.3gpp.icsi-ref\">\"");
		for (unsigned i = 0; i < 7; i++)
			if (c->icsi & (1u << i)) {
				bprintf(b, "%surn%%3Aurn-7%%3A3gpp-service.ims.icsi.%s",
					first ? "" : ",", icsi_names[i]);
				first = false;
			}
		bprintf(b, "\"</unknown-param>\n");
	}
	if (c->iari) {
		bool first = true;

		bprintf(b, "      <unknown-param name=\"+g.3gpp.iari-ref\">\"");
		for (unsigned i = 0; i < 2; i++)
			if (c->iari & (1u << i)) {
				bprintf(b, "%surn%%3Aurn-7%%3A3gpp-application.ims.iari.%s",
					first ? "" : ",", iari_names[i]);
				first = false;
			}
		bprintf(b, "\"</unknown-param>\n");
	}
	if (c->smsip)
		bprintf(b, "      <unknown-param name=\"+g.3gpp.smsip\"/>\n");
	if (c->pager_large)
		bprintf(b, "      <unknown-param name=\"+g.gsma.rcs.cpm.pager-large\"/>\n");
	if (c->telephony)
		bprintf(b, "      <unknown-param name=\"+g.gsma.rcs.telephony\">\"%s\"</unknown-param>\n",
			c->telephony);
	if (c->av)
		bprintf(b, "      <unknown-param name=\"audio\"/>\n"
			   "      <unknown-param name=\"video\"/>\n");
	bprintf(b, "      <unknown-param name=\"reg-id\">1</unknown-param>\n");
	bprintf(b, "      <gr:pub-gruu uri=\"sip:%s@%s;gr=%s\"/>\n", u->number, aor, c->instance);
	bprintf(b, "    </contact>\n");
}

/* @p listed: contacts to write (full document: every active one). */
static void
xml_doc(struct buf *b, const struct opts *o, const struct user *u, bool full,
	struct contact *const *listed, unsigned n)
{
	bprintf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" "
		   "xmlns:gr=\"urn:ietf:params:xml:ns:gruuinfo\" version=\"%u\" state=\"%s\">\n",
		u->version, full ? "full" : "partial");
	for (int reg = 0; reg < 2; reg++) {
		if (reg == 0)
			bprintf(b, "  <registration aor=\"sip:%s@%s\" id=\"%s\" state=\"active\">\n",
				u->number, o->domain, u->reg_id[0]);
		else
			bprintf(b, "  <registration aor=\"tel:%s\" id=\"%s\" state=\"active\">\n",
				u->number, u->reg_id[1]);
		for (unsigned i = 0; i < n; i++)
			xml_contact(b, u, listed[i], reg, o->domain);
		bprintf(b, "  </registration>\n");
	}
	bprintf(b, "</reginfo>\n");
}

/* The next document of @p u: full first, then one change per partial. */
static void
next_body(struct buf *b, const struct opts *o, struct user *u)
{
	struct contact *listed[MAX_CONTACTS];
	unsigned n = 0;

	if (u->sent == 0) {
		for (unsigned i = 0; i < u->n; i++)
			listed[n++] = &u->c[i];
		xml_doc(b, o, u, true, listed, n);
		return;
	}
	u->version++;
	u->clock += 600 + rng_below(&u->rng, 1800);
	for (;;) {
		unsigned op = rng_below(&u->rng, 10);
		struct contact *c;

		if (op < 5) {
			c = pick_active(u);
			c->event[0] = c->event[1] = "refreshed";
			c->expires = 3600;
			c->duration += u->clock;
			c->cseq++;
		} else if (op < 7) {
			c = pick_active(u);
			c->event[0] = c->event[1] = "shortened";
			c->expires = 60 + rng_below(&u->rng, 540);
			c->duration += u->clock;
		} else if (op < 9) {
			if (u->n >= MAX_CONTACTS)
				continue;
			new_contact(u, rng_below(&u->rng, 2) ? DEV_TABLET : DEV_PC, false);
			c = &u->c[u->n - 1];
			/* Odd duration for phones, even for others: never a tie. */
			c->duration = 2 * rng_below(&u->rng, 60);
		} else {
			static const char *const gone[] = { "unregistered", "expired", "deactivated" };

			if (n_active(u) < 2)
				continue;
			c = pick_active(u);
			c->active = false;
			c->event[0] = c->event[1] = gone[rng_below(&u->rng, 3)];
			c->duration += u->clock;
		}
		listed[n++] = c;
		break;
	}
	xml_doc(b, o, u, false, listed, n);
}

/* ---- SIP ---- */

static void
fmt_ip(uint8_t family, const uint8_t *a, char *out, size_t cap, bool brackets)
{
	char t[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, t, sizeof(t));
	snprintf(out, cap, family == 6 && brackets ? "[%s]" : "%s", t);
}

static void
scscf_addr(uint8_t family, unsigned i, uint8_t *a)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x5c };

	if (family == 4) {
		a[0] = 192, a[1] = 0, a[2] = 2, a[3] = (uint8_t)(11 + i);
	} else {
		memcpy(a, v6, 16);
		a[15] = (uint8_t)(0x11 + i);
	}
}

static void
sip_notify(struct buf *b, const struct opts *o, struct user *u, const struct buf *body)
{
	uint8_t src[16];
	char srcs[64], dsts[64], hx[33], hx2[33], hx3[17];

	scscf_addr(u->family, u->scscf, src);
	fmt_ip(u->family, src, srcs, sizeof(srcs), true);
	fmt_ip(u->family, u->family == 4 ? o->dst_ip : o->dst_ip6, dsts, sizeof(dsts), true);
	bprintf(b, "NOTIFY sip:cpm-pf@%s:%u SIP/2.0\r\n", dsts, o->dst_port);
	/* Top Via: the sender (rport requested); then the hops it came through. */
	bprintf(b, "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s;rport\r\n", srcs,
		hexstr(&u->rng, hx, 16));
	bprintf(b, "Via: SIP/2.0/UDP 10.10.%u.%u:5070;branch=z9hG4bK%s;rport=5070\r\n", u->scscf,
		5 + u->scscf, hexstr(&u->rng, hx2, 12));
	if (rng_below(&u->rng, 2))
		bprintf(b, "Via: SIP/2.0/UDP hss-fe.%s;branch=z9hG4bK%s\r\n", o->domain,
			hexstr(&u->rng, hx3, 12));
	bprintf(b, "Max-Forwards: 69\r\n");
	bprintf(b, "From: <sip:%s@%s>;tag=%s\r\n", u->number, o->domain, u->from_tag);
	bprintf(b, "To: <sip:cpm-pf@as.%s>;tag=%s\r\n", o->domain, u->to_tag);
	bprintf(b, "Call-ID: %s\r\n", u->call_id);
	bprintf(b, "CSeq: %u NOTIFY\r\n", u->cseq++);
	bprintf(b, "Contact: <sip:scscf-%u.%s:5060>\r\n", u->scscf + 1, o->domain);
	bprintf(b, "Event: reg\r\n");
	bprintf(b, "Subscription-State: active;expires=600000\r\n");
	bprintf(b, "P-Charging-Vector: icid-value=%s;orig-ioi=%s\r\n", hexstr(&u->rng, hx, 16),
		o->domain);
	bprintf(b, "Content-Type: application/reginfo+xml\r\n");
	bprintf(b, "Content-Length: %zu\r\n\r\n", body->len);
	bprintf(b, "%.*s", (int)body->len, body->p);
}

/* ---- frames ---- */

struct counts {
	uint64_t notifies, retransmits, datagrams, ipv4, ipv6, vlan, fragmented, fragments;
	uint64_t frames, bytes, arp, ns, icmp, icmp6, max_frags;
	uint64_t garbage[8];
	uint64_t hdr_bytes, hdr_msgs, max_dgram;
};

struct out {
	pcap_dumper_t *d;
	uint64_t ts_us;
	struct counts n;
	uint16_t ip_id[N_SCSCF];
	uint32_t ip6_id[N_SCSCF];
	struct rng rng;         /* shuffling and the special packets */
};

static void
emit(struct out *w, const uint8_t *f, uint32_t len, uint32_t wire_len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(PCAP_EPOCH + w->ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(w->ts_us % 1000000);
	h.caplen = len;
	h.len = wire_len;
	pcap_dump((u_char *)w->d, &h, f);
	w->ts_us++;
	w->n.frames++;
	w->n.bytes += len;
}

static uint32_t
cksum_add(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
cksum_fin(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
eth(uint8_t *f, const struct opts *o, const uint8_t *dst, bool vlan, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, o->src_mac, 6);
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, o->vlan_id);
		put16(f + 16, type);
		return 18;
	}
	put16(f + 12, type);
	return 14;
}

/* Upper-layer checksum over the pseudo-header (RFC 768, RFC 8200 8.1). */
static uint16_t
l4_cksum(uint8_t family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	 const uint8_t *l4, uint32_t len)
{
	uint8_t t[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			 (uint8_t)len, 0, 0, 0, proto };
	size_t al = family == 4 ? 4 : 16;
	uint16_t c = cksum_fin(cksum_add(l4, len, cksum_add(t, 8, cksum_add(dst, al,
						cksum_add(src, al, 0)))));

	return proto == 17 && c == 0 ? 0xffff : c;
}

static void
ip4_header(uint8_t *ip, uint32_t tot, uint16_t id, uint16_t fo, uint8_t proto,
	   const uint8_t *src, const uint8_t *dst)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, tot);
	put16(ip + 4, id);
	put16(ip + 6, fo);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, cksum_fin(cksum_add(ip, 20, 0)));
}

static void
ip6_header(uint8_t *ip, uint32_t plen, uint8_t next, uint8_t hop, const uint8_t *src,
	   const uint8_t *dst)
{
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, plen);
	ip[6] = next;
	ip[7] = hop;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

static uint8_t frame[MAX_FRAME];
static uint8_t frag_frames[MAX_FRAGS][9216 + 64];
static uint32_t frag_lens[MAX_FRAGS];

/*
 * One UDP datagram from an S-CSCF to us, fragmented above the MTU, the
 * fragments shuffled on request.
 */
static void
send_udp(struct out *w, const struct opts *o, uint8_t family, unsigned scscf, bool vlan,
	 const uint8_t *payload, uint32_t plen)
{
	static uint8_t udp[8 + MAX_DGRAM];
	uint8_t src[16];
	const uint8_t *dst = family == 4 ? o->dst_ip : o->dst_ip6;
	uint32_t ulen = 8 + plen, l3 = family == 4 ? 20 : 40, per, nf = 0;

	scscf_addr(family, scscf, src);
	put16(udp, 5060);
	put16(udp + 2, o->dst_port);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	memcpy(udp + 8, payload, plen);
	put16(udp + 6, l4_cksum(family, src, dst, 17, udp, ulen));
	w->n.datagrams++;
	w->n.vlan += vlan;
	if (family == 4)
		w->n.ipv4++;
	else
		w->n.ipv6++;
	if (ulen > w->n.max_dgram)
		w->n.max_dgram = ulen;

	if (l3 + ulen <= o->mtu) {
		uint32_t l2 = eth(frame, o, o->dst_mac, vlan, family == 4 ? 0x0800 : 0x86dd);

		if (family == 4)
			ip4_header(frame + l2, l3 + ulen, w->ip_id[scscf]++, 0x4000, 17, src, dst);
		else
			ip6_header(frame + l2, ulen, 17, 64, src, dst);
		memcpy(frame + l2 + l3, udp, ulen);
		emit(w, frame, l2 + l3 + ulen, l2 + l3 + ulen);
		return;
	}

	/* Fragments: every one but the last carries a multiple of 8 bytes. */
	per = family == 4 ? (o->mtu - 20) & ~7u : (o->mtu - 48) & ~7u;
	{
		uint16_t id4 = w->ip_id[scscf]++;
		uint32_t id6 = w->ip6_id[scscf]++;

		for (uint32_t off = 0; off < ulen && nf < MAX_FRAGS; off += per) {
			uint32_t c = ulen - off < per ? ulen - off : per;
			bool more = off + c < ulen;
			uint8_t *f = frag_frames[nf];
			uint32_t l2 = eth(f, o, o->dst_mac, vlan, family == 4 ? 0x0800 : 0x86dd);

			if (family == 4) {
				ip4_header(f + l2, 20 + c, id4,
					   (uint16_t)(off / 8 | (more ? 0x2000 : 0)), 17, src, dst);
				memcpy(f + l2 + 20, udp + off, c);
				frag_lens[nf] = l2 + 20 + c;
			} else {
				uint8_t *fh = f + l2 + 40;

				ip6_header(f + l2, 8 + c, 44, 64, src, dst);
				fh[0] = 17;
				fh[1] = 0;
				put16(fh + 2, off | (more ? 1 : 0));
				fh[4] = (uint8_t)(id6 >> 24);
				fh[5] = (uint8_t)(id6 >> 16);
				fh[6] = (uint8_t)(id6 >> 8);
				fh[7] = (uint8_t)id6;
				memcpy(fh + 8, udp + off, c);
				frag_lens[nf] = l2 + 48 + c;
			}
			nf++;
		}
	}
	{
		unsigned order[MAX_FRAGS];

		for (unsigned i = 0; i < nf; i++)
			order[i] = i;
		if (o->shuffle)
			for (unsigned i = nf - 1; i > 0; i--) {
				unsigned j = rng_below(&w->rng, i + 1), t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
		for (unsigned i = 0; i < nf; i++)
			emit(w, frag_frames[order[i]], frag_lens[order[i]], frag_lens[order[i]]);
	}
	w->n.fragmented++;
	w->n.fragments += nf;
	if (nf > w->n.max_frags)
		w->n.max_frags = nf;
}

/* ---- special packets ---- */

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void
send_arp(struct out *w, const struct opts *o, unsigned i)
{
	uint8_t src[4];
	uint32_t l2 = eth(frame, o, BCAST, false, 0x0806);
	uint8_t *a = frame + l2;

	scscf_addr(4, i % N_SCSCF, src);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, o->src_mac, 6);
	memcpy(a + 14, src, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, o->dst_ip, 4);
	memset(a + 28, 0, 18); /* padding to the 60-byte minimum */
	emit(w, frame, l2 + 46, l2 + 46);
	w->n.arp++;
}

static void
send_ns(struct out *w, const struct opts *o, unsigned i)
{
	uint8_t src[16], dst[16] = { 0xff, 0x02, [11] = 0x01, 0xff };
	uint8_t mac[6] = { 0x33, 0x33, 0xff };
	uint32_t l2;
	uint8_t *ic;

	scscf_addr(6, i % N_SCSCF, src);
	memcpy(dst + 13, o->dst_ip6 + 13, 3);
	memcpy(mac + 3, o->dst_ip6 + 13, 3);
	l2 = eth(frame, o, mac, false, 0x86dd);
	ip6_header(frame + l2, 32, 58, 255, src, dst);
	ic = frame + l2 + 40;
	memset(ic, 0, 32);
	ic[0] = 135;
	memcpy(ic + 8, o->dst_ip6, 16);
	ic[24] = 1;
	ic[25] = 1;
	memcpy(ic + 26, o->src_mac, 6);
	put16(ic + 2, l4_cksum(6, src, dst, 58, ic, 32));
	emit(w, frame, l2 + 72, l2 + 72);
	w->n.ns++;
}

static void
send_echo(struct out *w, const struct opts *o, uint8_t family, unsigned i)
{
	uint8_t src[16];
	uint32_t l2 = eth(frame, o, o->dst_mac, false, family == 4 ? 0x0800 : 0x86dd);
	uint32_t l3 = family == 4 ? 20 : 40, len = 64;
	uint8_t *ic = frame + l2 + l3;

	scscf_addr(family, i % N_SCSCF, src);
	memset(ic, 0, len);
	ic[0] = family == 4 ? 8 : 128;
	put16(ic + 4, 0x5247);
	put16(ic + 6, i);
	for (uint32_t k = 8; k < len; k++)
		ic[k] = (uint8_t)k;
	if (family == 4) {
		ip4_header(frame + l2, l3 + len, w->ip_id[i % N_SCSCF]++, 0x4000, 1, src, o->dst_ip);
		put16(ic + 2, cksum_fin(cksum_add(ic, len, 0)));
		w->n.icmp++;
	} else {
		ip6_header(frame + l2, len, 58, 64, src, o->dst_ip6);
		put16(ic + 2, l4_cksum(6, src, o->dst_ip6, 58, ic, len));
		w->n.icmp6++;
	}
	emit(w, frame, l2 + l3 + len, l2 + l3 + len);
}

/*
 * Garbage, one kind after the other (so the counts are exact): random
 * bytes under an unknown ethertype, non-SIP text to the SIP port, UDP to
 * another port, a bad IPv4 header checksum, a truncated frame, TCP to the
 * SIP port, a bad UDP checksum, IPv6 UDP to another port.
 */
static const char *const garbage_names[8] = {
	"ethertype", "udp_text", "udp_port", "ip_cksum", "truncated", "tcp", "udp_cksum",
	"udp6_port",
};

static void
send_garbage(struct out *w, const struct opts *o, unsigned i)
{
	unsigned kind = i % 8;
	uint8_t src[16], udp[200];
	uint32_t l2, n = 16 + rng_below(&w->rng, 150);
	uint8_t fam = kind == 7 ? 6 : 4;
	const uint8_t *dst = fam == 4 ? o->dst_ip : o->dst_ip6;
	uint32_t l3 = fam == 4 ? 20 : 40;

	scscf_addr(fam, i % N_SCSCF, src);
	w->n.garbage[kind]++;
	if (kind == 0) {
		l2 = eth(frame, o, o->dst_mac, false, 0x88b5);
		for (uint32_t k = 0; k < n + 30; k++)
			frame[l2 + k] = (uint8_t)rng_next(&w->rng);
		emit(w, frame, l2 + n + 30, l2 + n + 30);
		return;
	}
	for (uint32_t k = 8; k < n; k++)
		udp[k] = (uint8_t)(' ' + rng_below(&w->rng, 95));
	put16(udp, 5060);
	put16(udp + 2, kind == 2 || kind == 7 ? 9 : o->dst_port);
	put16(udp + 4, n);
	put16(udp + 6, 0);
	l2 = eth(frame, o, o->dst_mac, false, fam == 4 ? 0x0800 : 0x86dd);
	if (kind == 5) {
		/* A TCP SYN to the SIP port (20-byte header, no options). */
		memset(udp, 0, 20);
		put16(udp, 40000 + i);
		put16(udp + 2, o->dst_port);
		udp[12] = 0x50;
		udp[13] = 0x02;
		put16(udp + 14, 65535);
		n = 20;
		put16(udp + 16, l4_cksum(4, src, dst, 6, udp, n));
		ip4_header(frame + l2, 20 + n, w->ip_id[i % N_SCSCF]++, 0x4000, 6, src, dst);
	} else {
		uint16_t c = l4_cksum(fam, src, dst, 17, udp, n);

		/* Wrong, and never 0 (which would mean "no checksum" over IPv4). */
		if (kind == 6)
			c = (uint16_t)(c ^ 0x00ff) != 0 ? (uint16_t)(c ^ 0x00ff) : 0x1234;
		put16(udp + 6, c);
		if (fam == 4)
			ip4_header(frame + l2, 20 + n, w->ip_id[i % N_SCSCF]++, 0x4000, 17, src, dst);
		else
			ip6_header(frame + l2, n, 17, 64, src, dst);
		if (kind == 3)
			frame[l2 + 10] ^= 0x5a;
	}
	memcpy(frame + l2 + l3, udp, n);
	if (kind == 4) {
		/* Cut short of its IP total length; caplen == len: a runt, not a snap. */
		emit(w, frame, l2 + l3 + n / 2, l2 + l3 + n / 2);
		return;
	}
	emit(w, frame, l2 + l3 + n, l2 + l3 + n);
}

/* ---- expected state ---- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static unsigned
role_hints(const struct contact *c)
{
	return (strncmp(c->instance, "urn:gsma:imei:", 14) == 0) + c->smsip +
	       (c->telephony != NULL &&
		(strcmp(c->telephony, "volte") == 0 || strcmp(c->telephony, "cs") == 0));
}

/*
 * SEMANTICS.md section 7: the active contact with the most hints is the
 * primary device; ties go to the smallest duration-registered, then the
 * lowest contact id; no hint, never primary.
 */
static const struct contact *
primary_of(const struct user *u)
{
	const struct contact *best = NULL;

	for (unsigned i = 0; i < u->n; i++) {
		const struct contact *c = &u->c[i];
		unsigned h = role_hints(c);

		if (!c->active || h == 0)
			continue;
		if (best == NULL || h > role_hints(best) ||
		    (h == role_hints(best) &&
		     (c->duration < best->duration ||
		      (c->duration == best->duration && c->id[0] < best->id[0]))))
			best = c;
	}
	return best;
}

static void
json_features(FILE *f, const struct contact *c)
{
	bool first = true;

#define SEP() (fputs(first ? "" : ", ", f), first = false)
	fputs("{", f);
	if (c->icsi) {
		bool f1 = true;

		SEP();
		fputs("\"+g.3gpp.icsi-ref\": \"", f);
		for (unsigned i = 0; i < 7; i++)
			if (c->icsi & (1u << i)) {
				fprintf(f, "%surn:urn-7:3gpp-service.ims.icsi.%s", f1 ? "" : ",",
					icsi_names[i]);
				f1 = false;
			}
		fputs("\"", f);
	}
	if (c->iari) {
		bool f1 = true;

		SEP();
		fputs("\"+g.3gpp.iari-ref\": \"", f);
		for (unsigned i = 0; i < 2; i++)
			if (c->iari & (1u << i)) {
				fprintf(f, "%surn:urn-7:3gpp-application.ims.iari.%s",
					f1 ? "" : ",", iari_names[i]);
				f1 = false;
			}
		fputs("\"", f);
	}
	if (c->smsip) {
		SEP();
		fputs("\"+g.3gpp.smsip\": \"\"", f);
	}
	if (c->pager_large) {
		SEP();
		fputs("\"+g.gsma.rcs.cpm.pager-large\": \"\"", f);
	}
	if (c->telephony) {
		SEP();
		fprintf(f, "\"+g.gsma.rcs.telephony\": \"%s\"", c->telephony);
	}
	if (c->av) {
		SEP();
		fputs("\"audio\": \"\", \"video\": \"\"", f);
	}
	SEP();
	fputs("\"reg-id\": \"1\"}", f);
#undef SEP
}

static void
json_user(FILE *f, const struct opts *o, const struct user *u, bool *first_aor)
{
	const struct contact *prim = primary_of(u);
	char aor[2][96], res[96];

	snprintf(aor[0], sizeof(aor[0]), "sip:%s@%s", u->number, o->domain);
	snprintf(aor[1], sizeof(aor[1]), "tel:%s", u->number);
	snprintf(res, sizeof(res), "sip:%s@%s", u->number, o->domain);
	for (int reg = 0; reg < 2; reg++) {
		bool first = true;

		fputs(*first_aor ? "\n    " : ",\n    ", f);
		*first_aor = false;
		json_str(f, aor[reg]);
		fputs(": {\"state\": \"active\", \"registration_id\": ", f);
		json_str(f, u->reg_id[reg]);
		fprintf(f, ", \"version\": %u, \"resource\": ", u->version);
		json_str(f, res);
		fputs(", \"call_id\": ", f);
		json_str(f, u->call_id);
		fputs(", \"refresh_needed\": false, \"contacts\": [", f);
		for (unsigned i = 0; i < u->n; i++) {
			const struct contact *c = &u->c[i];
			char gruu[192];

			if (!c->active)
				continue;
			fputs(first ? "\n      " : ",\n      ", f);
			first = false;
			fprintf(f, "{\"id\": \"%u\", \"uri\": ", c->id[reg]);
			json_str(f, c->uri);
			fprintf(f, ", \"state\": \"active\", \"event\": \"%s\", \"expires\": %u, "
				   "\"q\": null, \"duration_registered\": %u, \"retry_after\": null, "
				   "\"callid\": ",
				c->event[reg], c->expires, c->duration);
			json_str(f, c->callid);
			fprintf(f, ", \"cseq\": %u, \"display_name\": null, \"instance\": ", c->cseq);
			json_str(f, c->instance);
			fputs(", \"instance_source\": \"+sip.instance\", \"features\": ", f);
			json_features(f, c);
			snprintf(gruu, sizeof(gruu), "sip:%s@%s;gr=%s", u->number, o->domain,
				 c->instance);
			fputs(", \"pub_gruu\": ", f);
			json_str(f, gruu);
			fprintf(f, ", \"temp_gruu\": null, \"temp_gruu_first_cseq\": null, "
				   "\"role\": \"%s\"}",
				c == prim ? "primary" : "secondary");
		}
		fputs("]}", f);
	}
}

/* ---- main loop ---- */

static void
usage(FILE *f)
{
	fputs("usage: reggen --out FILE.pcap [options]\n"
	      "  --users N            users (default 100)\n"
	      "  --seed S             seed (default 1); same arguments, same bytes\n"
	      "  --updates K          partial documents per user after the full one (default 3)\n"
	      "  --ipv6-share F       share of users over IPv6, 0..1 (default 0)\n"
	      "  --vlan-share F       share of users behind an 802.1Q tag, 0..1 (default 0)\n"
	      "  --vlan-id ID         that tag's VLAN id (default 100)\n"
	      "  --mtu M              IP MTU; larger datagrams are fragmented (default 1500)\n"
	      "  --shuffle-fragments  send each datagram's fragments in random order\n"
	      "  --retransmit-share F share of NOTIFYs sent twice, byte for byte (default 0)\n"
	      "  --arp N              N ARP requests + N neighbour solicitations for us\n"
	      "  --icmp N             N ICMP echo + N ICMPv6 echo requests to us\n"
	      "  --garbage N          N malformed / foreign packets (8 kinds, round robin)\n"
	      "  --src-mac MAC        S-CSCF side MAC (default 02:00:00:00:00:01)\n"
	      "  --dst-mac MAC        our MAC (default 02:00:00:00:00:02)\n"
	      "  --dst-ip A           our IPv4 address (default 198.51.100.10)\n"
	      "  --dst-ip6 A          our IPv6 address (default 2001:db8::10)\n"
	      "  --dst-port P         our SIP port (default 5060)\n"
	      "  --domain D           IMS home domain (default ims.example.net)\n"
	      "  --expect FILE.json   write the final state per AoR and the packet counts\n",
	      f);
}

static bool
parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return false;
		mac[i] = (uint8_t)v[i];
	}
	return true;
}

static bool
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool
parse_share(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0))
		return false;
	*out = v;
	return true;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_USERS = 256, O_SEED, O_UPDATES, O_IPV6, O_VLAN, O_VLANID, O_MTU, O_SHUFFLE,
	       O_RETX, O_ARP, O_ICMP, O_GARBAGE, O_SMAC, O_DMAC, O_DIP, O_DIP6, O_DPORT,
	       O_DOMAIN, O_OUT, O_EXPECT, O_HELP };
	static const struct option lo[] = {
		{ "users", required_argument, NULL, O_USERS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "updates", required_argument, NULL, O_UPDATES },
		{ "ipv6-share", required_argument, NULL, O_IPV6 },
		{ "vlan-share", required_argument, NULL, O_VLAN },
		{ "vlan-id", required_argument, NULL, O_VLANID },
		{ "mtu", required_argument, NULL, O_MTU },
		{ "shuffle-fragments", no_argument, NULL, O_SHUFFLE },
		{ "retransmit-share", required_argument, NULL, O_RETX },
		{ "arp", required_argument, NULL, O_ARP },
		{ "icmp", required_argument, NULL, O_ICMP },
		{ "garbage", required_argument, NULL, O_GARBAGE },
		{ "src-mac", required_argument, NULL, O_SMAC },
		{ "dst-mac", required_argument, NULL, O_DMAC },
		{ "dst-ip", required_argument, NULL, O_DIP },
		{ "dst-ip6", required_argument, NULL, O_DIP6 },
		{ "dst-port", required_argument, NULL, O_DPORT },
		{ "domain", required_argument, NULL, O_DOMAIN },
		{ "out", required_argument, NULL, O_OUT },
		{ "expect", required_argument, NULL, O_EXPECT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->users = 100;
	o->updates = 3;
	o->mtu = 1500;
	o->vlan_id = 100;
	o->dst_port = 5060;
	o->domain = "ims.example.net";
	parse_mac("02:00:00:00:00:01", o->src_mac);
	parse_mac("02:00:00:00:00:02", o->dst_mac);
	inet_pton(AF_INET, "198.51.100.10", o->dst_ip);
	inet_pton(AF_INET6, "2001:db8::10", o->dst_ip6);

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case O_USERS: ok = parse_u32(optarg, 1, 10000000, &o->users); break;
		case O_SEED: {
			char *end;

			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			ok = errno == 0 && end != optarg && *end == '\0';
			break;
		}
		case O_UPDATES: ok = parse_u32(optarg, 0, 1000, &o->updates); break;
		case O_IPV6: ok = parse_share(optarg, &o->ipv6_share); break;
		case O_VLAN: ok = parse_share(optarg, &o->vlan_share); break;
		case O_VLANID:
			ok = parse_u32(optarg, 1, 4094, &v);
			o->vlan_id = (uint16_t)v;
			break;
		case O_MTU: ok = parse_u32(optarg, 576, 9000, &o->mtu); break;
		case O_SHUFFLE: o->shuffle = true; break;
		case O_RETX: ok = parse_share(optarg, &o->retransmit_share); break;
		case O_ARP: ok = parse_u32(optarg, 0, 1000000, &o->arp); break;
		case O_ICMP: ok = parse_u32(optarg, 0, 1000000, &o->icmp); break;
		case O_GARBAGE: ok = parse_u32(optarg, 0, 10000000, &o->garbage); break;
		case O_SMAC: ok = parse_mac(optarg, o->src_mac); break;
		case O_DMAC: ok = parse_mac(optarg, o->dst_mac); break;
		case O_DIP: ok = inet_pton(AF_INET, optarg, o->dst_ip) == 1; break;
		case O_DIP6: ok = inet_pton(AF_INET6, optarg, o->dst_ip6) == 1; break;
		case O_DPORT:
			ok = parse_u32(optarg, 1, 65535, &v);
			o->dst_port = (uint16_t)v;
			break;
		case O_DOMAIN:
			o->domain = optarg;
			ok = strlen(optarg) > 0 && strlen(optarg) < 48 &&
			     strpbrk(optarg, "\"<>&\\ ;") == NULL;
			break;
		case O_OUT: o->out = optarg; break;
		case O_EXPECT: o->expect = optarg; break;
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (!ok) {
			fprintf(stderr, "reggen: bad value for --%s: %s\n", lo[c - O_USERS].name,
				optarg);
			return -1;
		}
	}
	if (optind != argc || o->out == NULL) {
		usage(stderr);
		return -1;
	}
	if (o->ipv6_share > 0 && o->mtu < 1280) {
		fprintf(stderr, "reggen: IPv6 needs --mtu >= 1280\n");
		return -1;
	}
	return 0;
}

static void
write_counts(FILE *f, const struct counts *n)
{
	fprintf(f, "  \"packets\": {\"notifies\": %" PRIu64 ", \"retransmits\": %" PRIu64
		   ", \"datagrams\": %" PRIu64 ", \"ipv4\": %" PRIu64 ", \"ipv6\": %" PRIu64
		   ", \"vlan\": %" PRIu64 ", \"fragmented\": %" PRIu64 ", \"fragments\": %" PRIu64
		   ", \"max_fragments\": %" PRIu64 ", \"frames\": %" PRIu64 ", \"arp\": %" PRIu64
		   ", \"ns\": %" PRIu64 ", \"icmp\": %" PRIu64 ", \"icmp6\": %" PRIu64,
		n->notifies, n->retransmits, n->datagrams, n->ipv4, n->ipv6, n->vlan, n->fragmented,
		n->fragments, n->max_frags, n->frames, n->arp, n->ns, n->icmp, n->icmp6);
	for (int i = 0; i < 8; i++)
		fprintf(f, ", \"garbage_%s\": %" PRIu64, garbage_names[i], n->garbage[i]);
	fputs("},\n", f);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct out w;
	struct user *win;
	struct buf body = { 0 }, msg = { 0 };
	FILE *ex = NULL;
	pcap_t *p;
	uint64_t total, sent = 0, *spec_at = NULL, n_spec, next_spec = 0;
	uint32_t next_user = 0, live = 0;
	bool first_aor = true;
	uint64_t garbage_i = 0, icmp_i = 0;

	if (parse_args(argc, argv, &o) != 0)
		return 2;
	memset(&w, 0, sizeof(w));
	w.rng = rng_for(o.seed, 3, 0);
	for (unsigned i = 0; i < N_SCSCF; i++) {
		w.ip_id[i] = (uint16_t)(0x1000 * (i + 1));
		w.ip6_id[i] = 0x10000u * (i + 1);
	}
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (p == NULL) {
		fprintf(stderr, "reggen: pcap_open_dead failed\n");
		return 1;
	}
	w.d = pcap_dump_open(p, o.out);
	if (w.d == NULL) {
		fprintf(stderr, "reggen: %s: %s\n", o.out, pcap_geterr(p));
		return 1;
	}
	if (o.expect != NULL) {
		ex = fopen(o.expect, "w");
		if (ex == NULL) {
			fprintf(stderr, "reggen: %s: %s\n", o.expect, strerror(errno));
			return 1;
		}
		fprintf(ex, "{\n  \"generator\": {\"seed\": %" PRIu64 ", \"users\": %u, "
			    "\"updates\": %u, \"domain\": \"%s\"},\n  \"users\": {",
			o.seed, o.users, o.updates, o.domain);
	}

	/* Address resolution comes first, as it would on the wire. */
	for (uint32_t i = 0; i < o.arp; i++) {
		send_arp(&w, &o, i);
		send_ns(&w, &o, i);
	}

	/* Echo requests and garbage at sorted random points between NOTIFYs. */
	total = (uint64_t)o.users * (1 + o.updates);
	n_spec = (uint64_t)o.icmp + o.garbage;
	if (n_spec != 0) {
		spec_at = malloc(n_spec * sizeof(*spec_at));
		if (spec_at == NULL) {
			fprintf(stderr, "reggen: out of memory\n");
			return 1;
		}
		for (uint64_t i = 0; i < n_spec; i++)
			spec_at[i] = rng_next(&w.rng) % (total + 1);
		for (uint64_t i = 1; i < n_spec; i++) {
			uint64_t v = spec_at[i], j = i;

			for (; j > 0 && spec_at[j - 1] > v; j--)
				spec_at[j] = spec_at[j - 1];
			spec_at[j] = v;
		}
	}

	win = calloc(WINDOW, sizeof(*win));
	if (win == NULL) {
		fprintf(stderr, "reggen: out of memory\n");
		return 1;
	}
	/* Round robin over a window of users; a finished user is replaced. */
	for (uint32_t i = 0; i < WINDOW && next_user < o.users; i++, live++)
		new_user(&o, next_user++, &win[i]);
	while (live > 0) {
		for (uint32_t i = 0; i < live; i++) {
			struct user *u = &win[i];

			while (next_spec < n_spec && spec_at[next_spec] <= sent) {
				/* Pick the kind by position so both counts come out exact. */
				if (next_spec * o.icmp / n_spec < icmp_i ||
				    icmp_i >= o.icmp) {
					send_garbage(&w, &o, (unsigned)garbage_i++);
				} else {
					send_echo(&w, &o, 4, (unsigned)icmp_i);
					send_echo(&w, &o, 6, (unsigned)icmp_i++);
				}
				next_spec++;
			}
			body.len = msg.len = 0;
			next_body(&body, &o, u);
			sip_notify(&msg, &o, u, &body);
			if (msg.len > MAX_DGRAM) {
				fprintf(stderr, "reggen: NOTIFY of %zu bytes exceeds UDP\n", msg.len);
				return 1;
			}
			w.n.hdr_bytes += msg.len - body.len;
			w.n.hdr_msgs++;
			send_udp(&w, &o, u->family, u->scscf, u->vlan, (const uint8_t *)msg.p,
				 (uint32_t)msg.len);
			w.n.notifies++;
			if (rng_unit(&w.rng) < o.retransmit_share) {
				send_udp(&w, &o, u->family, u->scscf, u->vlan,
					 (const uint8_t *)msg.p, (uint32_t)msg.len);
				w.n.retransmits++;
			}
			sent++;
			if (++u->sent < u->total)
				continue;
			if (ex != NULL)
				json_user(ex, &o, u, &first_aor);
			if (next_user < o.users) {
				new_user(&o, next_user++, u);
			} else {
				win[i] = win[--live];
				i--;
			}
		}
	}
	while (next_spec < n_spec) {
		if (icmp_i < o.icmp) {
			send_echo(&w, &o, 4, (unsigned)icmp_i);
			send_echo(&w, &o, 6, (unsigned)icmp_i++);
		} else {
			send_garbage(&w, &o, (unsigned)garbage_i++);
		}
		next_spec++;
	}

	pcap_dump_close(w.d);
	pcap_close(p);
	if (ex != NULL) {
		fputs("\n  },\n", ex);
		write_counts(ex, &w.n);
		fprintf(ex, "  \"note\": \"users: final state per AoR (SEMANTICS.md: terminated "
			    "contacts removed, roles per section 7)\"\n}\n");
		if (fclose(ex) != 0) {
			fprintf(stderr, "reggen: %s: %s\n", o.expect, strerror(errno));
			return 1;
		}
	}
	printf("reggen: seed=%" PRIu64 " users=%u notifies=%" PRIu64 " retransmits=%" PRIu64
	       " datagrams=%" PRIu64 " (ipv4=%" PRIu64 " ipv6=%" PRIu64 " vlan=%" PRIu64
	       ") avg_headers=%" PRIu64 "B max_datagram=%" PRIu64 "B fragmented=%" PRIu64
	       " fragments=%" PRIu64 " max_frags=%" PRIu64 " arp=%" PRIu64 " ns=%" PRIu64
	       " icmp=%" PRIu64 " icmp6=%" PRIu64 " garbage=%u frames=%" PRIu64 " bytes=%" PRIu64
	       " -> %s\n",
	       o.seed, o.users, w.n.notifies, w.n.retransmits, w.n.datagrams, w.n.ipv4, w.n.ipv6,
	       w.n.vlan, w.n.hdr_msgs ? w.n.hdr_bytes / w.n.hdr_msgs : 0, w.n.max_dgram,
	       w.n.fragmented, w.n.fragments, w.n.max_frags, w.n.arp, w.n.ns, w.n.icmp,
	       w.n.icmp6, o.garbage, w.n.frames, w.n.bytes, o.out);
	free(spec_at);
	free(win);
	free(body.p);
	free(msg.p);
	return 0;
}
