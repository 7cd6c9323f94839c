/* SPDX-License-Identifier: MIT */
/*
 * net_classify() over a reggen capture: every frame is read into an mbuf
 * and classified, with our addresses configured as reggen's defaults. The
 * verdict counts must be exactly what reggen's --expect says it wrote
 * (NOTIFYs and retransmissions -> SIP, fragments -> HELD except each
 * datagram's completing one, ARP/NS/echo -> LOCAL_REPLY, each garbage kind
 * -> its drop reason), every SIP payload must be a NOTIFY with an exact
 * Content-Length, and every one gets a 200 built with net_reply_build().
 *
 * Usage: test_net_pcap CAPTURE.pcap EXPECT.json
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <reglane/net.h>

#include "../unit/check.h"

static long long
json_count(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, pat);
	if (p == NULL) {
		fprintf(stderr, "expect file has no \"%s\"\n", key);
		exit(2);
	}
	return atoll(p + strlen(pat));
}

static const char OK200[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

static uint8_t scratch[NET_SCRATCH_SIZE];

/* A SIP verdict's payload: a NOTIFY with an exact Content-Length, or reggen's text garbage. */
static int
payload_kind(const struct net_pkt *res)
{
	const char *s = (const char *)net_payload_view(res, scratch), *end, *cl;
	uint32_t n = res->payload_len;

	if (s == NULL)
		return -1;
	if (n < 7 || memcmp(s, "NOTIFY ", 7) != 0)
		return 0;
	end = memmem(s, n, "\r\n\r\n", 4);
	cl = memmem(s, n, "\r\nContent-Length: ", 18);
	if (end == NULL || cl == NULL || cl > end ||
	    atol(cl + 18) != (long)(n - (uint32_t)(end + 4 - s)))
		return -1;
	return 1;
}

int
main(int argc, char **argv)
{
	char prefix[64], err[PCAP_ERRBUF_SIZE];
	char *args[] = { "test_net_pcap", "-l", "0-1", "--no-huge", "-m", "256", "--no-pci",
			 "--no-shconf", "--log-level=lib.eal:error", "--file-prefix", prefix };
	static struct net_config cfg;
	static struct net_lcore lc;
	struct net_tx tx = { .mtu = 1500 };
	struct rte_mempool *pool;
	long long got[NET_V__COUNT] = { 0 }, want[NET_V__COUNT] = { 0 };
	long long notifies = 0, text = 0, bad_payload = 0, replies = 0, frames = 0;
	uint64_t cycles = 0, now;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	char *json;
	size_t jl;

	if (argc != 3) {
		fprintf(stderr, "usage: test_net_pcap CAPTURE.pcap EXPECT.json\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "test_net_pcap_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(args), args) < 0)
		return 2;
	pool = rte_pktmbuf_pool_create("pcap_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 2;
	cfg.sip_port = 5060;
	memcpy(&cfg.mac, (const uint8_t[]){ 2, 0, 0, 0, 0, 2 }, 6);
	cfg.n_ip4 = 1;
	inet_pton(AF_INET, "198.51.100.10", &cfg.ip4[0]);
	cfg.n_ip6 = 1;
	inet_pton(AF_INET6, "2001:db8::10", cfg.ip6[0]);
	cfg.frag_max_entries = 64;
	cfg.frag_timeout_ms = 2000;
	if (net_lcore_init(&lc, &cfg, SOCKET_ID_ANY) != 0)
		return 2;

	json = check_read_file(argv[2], &jl);
	p = pcap_open_offline(argv[1], err);
	if (p == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 2;
	}
	now = rte_rdtsc();
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *out[4];
		struct net_pkt res;
		enum net_verdict v;
		uint64_t t0;

		if (m == NULL || h->caplen > rte_pktmbuf_tailroom(m)) {
			fprintf(stderr, "frame %lld does not fit an mbuf\n", frames);
			return 2;
		}
		memcpy(rte_pktmbuf_append(m, (uint16_t)h->caplen), d, h->caplen);
		frames++;
		t0 = rte_rdtsc();
		v = net_classify(&lc, m, now, &res);
		cycles += rte_rdtsc() - t0;
		got[v]++;
		if (v == NET_V_SIP) {
			int k = payload_kind(&res);

			notifies += k == 1;
			text += k == 0;
			bad_payload += k < 0;
			if (k == 1) {
				int n = net_reply_build(res.m, &res, &res.src, OK200,
							sizeof(OK200) - 1, &tx, out, 4);

				CHECK_INT(n, 1);
				if (n == 1) {
					replies++;
					rte_pktmbuf_free(out[0]);
				}
				continue;
			}
		}
		if (v != NET_V_HELD)
			rte_pktmbuf_free(res.m);
		net_frag_flush(&lc);
	}
	pcap_close(p);

	want[NET_V_SIP] = json_count(json, "datagrams") + json_count(json, "garbage_udp_text");
	want[NET_V_LOCAL_REPLY] = json_count(json, "arp") + json_count(json, "ns") +
				  json_count(json, "icmp") + json_count(json, "icmp6");
	want[NET_V_HELD] = json_count(json, "fragments") - json_count(json, "fragmented");
	want[NET_V_DROP_ETHERTYPE] = json_count(json, "garbage_ethertype");
	want[NET_V_DROP_PORT] = json_count(json, "garbage_udp_port") +
				json_count(json, "garbage_udp6_port");
	want[NET_V_DROP_IP_CKSUM] = json_count(json, "garbage_ip_cksum");
	want[NET_V_DROP_TRUNCATED] = json_count(json, "garbage_truncated");
	want[NET_V_DROP_NOT_UDP] = json_count(json, "garbage_tcp");
	want[NET_V_DROP_UDP_CKSUM] = json_count(json, "garbage_udp_cksum");
	for (int v = 0; v < NET_V__COUNT; v++) {
		if (got[v] != want[v])
			fprintf(stderr, "verdict %s: %lld, expected %lld\n",
				net_verdict_name((enum net_verdict)v), got[v], want[v]);
		CHECK_INT(got[v], want[v]);
	}
	CHECK_INT(frames, json_count(json, "frames"));
	CHECK_INT(notifies, json_count(json, "datagrams"));
	CHECK_INT(text, json_count(json, "garbage_udp_text"));
	CHECK_INT(bad_payload, 0);
	CHECK_INT(replies, notifies);
	CHECK_INT(lc.frag_stats[NET_FRAG_REASSEMBLED], json_count(json, "fragmented"));
	CHECK_INT(lc.frag_stats[NET_FRAG_DROP], 0);
	CHECK_INT(lc.frag_stats[NET_FRAG_TIMEOUT], 0);
	printf("net_pcap: frames=%lld sip=%lld reassembled=%llu local=%lld classify_avg=%.0f "
	       "cycles (%.0f ns)/frame\n",
	       frames, got[NET_V_SIP], (unsigned long long)lc.frag_stats[NET_FRAG_REASSEMBLED],
	       got[NET_V_LOCAL_REPLY], (double)cycles / (double)frames,
	       (double)cycles / (double)frames * 1e9 / (double)rte_get_tsc_hz());

	net_lcore_fini(&lc);
	CHECK_INT(rte_mempool_in_use_count(pool), 0);
	rte_mempool_free(pool);
	free(json);
	rte_eal_cleanup();
	return check_exit();
}
