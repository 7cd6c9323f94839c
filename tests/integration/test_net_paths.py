#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hand-built captures: the network paths around the SIP layer.

One capture mixes NOTIFYs over IPv4, 802.1Q, IPv6 and IPv6 + 802.1Q; IPv4
and IPv6 datagrams fragmented in order, in reverse, shuffled and with a
fragment missing; bad IPv4 header and UDP checksums, a zero UDP checksum
(legal over IPv4 only); a retransmission; ARP, ICMP echo, ICMPv6 echo and
neighbour solicitation for our addresses (and ARP for someone else); and
traffic that is not for the SIP layer (another UDP port, TCP, garbage on
5060, a SIP response, OPTIONS, another method). Every request that should
be answered must be answered exactly once, correctly addressed and
checksummed, and only the NOTIFYs that arrived whole are in the state dump.

Then the trust list (403 and drop modes), a full table (503 with
Retry-After), and a run on a single lcore (the main lcore runs the worker,
as on a one-CPU CI machine).
"""

import struct

import rgltest as rt

DOMAIN = "ims.example.net"
_seq = [0]


def notify(user, src, sport, body_pad=0, cseq=1, version=0, method="NOTIFY", event="reg",
           rport=True, branch=None, host=None):
    """A NOTIFY (full reginfo, one active contact) for sip:+1555<user>@domain."""
    _seq[0] += 1
    aor = "sip:+1555%07d@%s" % (user, DOMAIN)
    callid = "net-%d-%d@scscf.%s" % (user, cseq, DOMAIN)
    branch = branch or "z9hG4bK-net-%d-%d" % (user, _seq[0])
    host = host or (("[%s]" % src) if ":" in src else src)
    pad = ""
    if body_pad:
        # Unknown-params are kept as features: a long one makes the
        # datagram big enough to be fragmented, and checks it arrived whole.
        pad = '      <unknown-param name="+x.pad">%s</unknown-param>\n' % ("p" * body_pad)
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="%d" state="full">\n'
            '  <registration aor="%s" id="r%d" state="active">\n'
            '    <contact id="c%d" state="active" event="registered" expires="3600">\n'
            '      <uri>sip:+1555%07d@10.45.%d.%d:5060</uri>\n%s'
            '    </contact>\n  </registration>\n</reginfo>\n'
            % (version, aor, user, user, user, user // 250, user % 250, pad))
    hdr = ("%s sip:cpm-as@%s:5060 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%d;branch=%s%s\r\n"
           "Max-Forwards: 70\r\n"
           "From: <%s>;tag=scscf-%d\r\n"
           "To: <sip:cpm-as@as.%s>;tag=as-%d\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %d %s\r\n"
           "Event: %s\r\n"
           "Subscription-State: active;expires=3600\r\n"
           "Content-Type: application/reginfo+xml\r\n"
           "Content-Length: %d\r\n\r\n"
           % (method, rt.OUR_IP4, host, sport, branch, ";rport" if rport else "", aor, user,
              DOMAIN, user, callid, cseq, method, event, len(body.encode())))
    return aor, callid, (hdr + body).encode()


def options(src, sport, callid):
    return ("OPTIONS sip:cpm-as@%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-opt-1;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:scscf@%s>;tag=o1\r\nTo: <sip:cpm-as@%s>\r\n"
            "Call-ID: %s\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            % (rt.OUR_IP4, src, sport, DOMAIN, DOMAIN, callid)).encode()


def check_answer(chk, what, dg, src, sport, vlan=None, status=200):
    resp = rt.SipMessage(dg.payload)
    chk.eq(resp.status, status, "%s: status (%s)" % (what, resp.reason))
    chk.eq((dg.dst, dg.dport), (src, sport), "%s: sent to the source" % what)
    want_from = rt.OUR_IP6 if ":" in src else rt.OUR_IP4
    chk.eq((dg.src, dg.sport), (want_from, 5060), "%s: sent from our address" % what)
    chk.eq(dg.frame.vlan, vlan, "%s: VLAN tag" % what)
    chk.eq((dg.frame.eth_src, dg.frame.eth_dst), (rt.OUR_MAC, rt.PEER_MAC),
           "%s: Ethernet addresses" % what)
    chk.check(dg.frame.ip_csum_ok, "%s: IPv4 header checksum" % what)
    chk.check(dg.csum_ok, "%s: UDP checksum" % what)
    return resp


def mixed_capture(reglane):
    chk = rt.Checker("net paths: mixed capture")
    frames = []
    want = {}     # call-id -> (src, sport, vlan, status, times)
    stored = set()
    absent = set()

    def add(user, src, sport, vlan=None, stored_ok=True, answered=True, status=200, **kw):
        pad = kw.pop("pad", 0)
        aor, callid, data = notify(user, src, sport, body_pad=pad)
        frames.extend(rt.udp_frames(src, sport, data, vlan=vlan, **kw))
        if answered:
            want[callid] = (src, sport, vlan, status, 1)
        (stored if stored_ok else absent).add(aor)
        return aor, callid, data

    v4, v6 = "192.0.2.20", "2001:db8:1::20"
    add(1, v4, 5060)                                     # plain IPv4
    add(2, v4, 5070, vlan=100)                           # 802.1Q
    add(3, v6, 5060)                                     # IPv6
    add(4, v6, 5080, vlan=200)                           # IPv6 + 802.1Q
    add(5, v4, 5060, pad=3000)                           # fragments in order
    add(6, v4, 5060, pad=3000, order="reverse")          # fragments reversed
    add(7, v4, 5060, pad=5000, order="shuffle", vlan=100)  # shuffled, tagged
    add(8, v4, 5060, pad=3000, drop=(1,), answered=False, stored_ok=False)  # one missing
    add(9, v6, 5060, pad=3000)                           # IPv6 fragments in order
    add(10, v6, 5060, pad=5000, order="shuffle")         # IPv6 shuffled
    add(11, v6, 5060, pad=3000, drop=(0,), answered=False, stored_ok=False)
    add(12, v4, 5060, bad_ip_csum=True, answered=False, stored_ok=False)
    add(13, v4, 5060, bad_udp_csum=True, answered=False, stored_ok=False)
    add(14, v6, 5060, zero_udp_csum=True, answered=False, stored_ok=False)
    add(15, v4, 5060, zero_udp_csum=True)                # legal over IPv4
    add(16, v6, 5060, bad_udp_csum=True, answered=False, stored_ok=False)

    # A retransmission: the same datagram twice gets the same answer twice.
    aor, rcid, data = notify(17, v4, 5090)
    frames += rt.udp_frames(v4, 5090, data) + rt.udp_frames(v4, 5090, data)
    want[rcid] = (v4, 5090, None, 200, 2)
    stored.add(aor)

    # Answered locally.
    frames.append(rt.arp_request("192.0.2.20"))
    frames.append(rt.arp_request("192.0.2.20", target_ip="198.51.100.99"))  # not ours
    frames.append(rt.icmp_echo("192.0.2.20"))
    frames.append(rt.icmp_echo("192.0.2.20", bad_csum=True))                # dropped
    frames.append(rt.icmp6_echo("2001:db8:1::20"))
    frames.append(rt.neighbour_solicitation("2001:db8:1::20"))

    # Not for the SIP layer, or answered by admission.
    _, _, d = notify(20, v4, 5060)
    frames += rt.udp_frames(v4, 5060, d, dport=9999)                         # other port
    frames.append(rt.eth(rt.ipv4_header(v4, rt.OUR_IP4, 6, 20) +
                         struct.pack("!HHIIBBHHH", 5060, 5060, 1, 0, 0x50, 0x02, 1024, 0, 0),
                         0x0800))                                            # TCP
    frames += rt.udp_frames(v4, 5060, b"\x00\x01garbage that is not SIP\r\n\r\n")
    frames += rt.udp_frames(v4, 5060, b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.20;"
                            b"branch=z9hG4bKr\r\nContent-Length: 0\r\n\r\n")  # a response
    frames += rt.udp_frames(v4, 5061, options(v4, 5061, "opt-1@x"))
    want["opt-1@x"] = (v4, 5061, None, 200, 1)
    _, mcid, d = notify(21, v4, 5062, method="PUBLISH")
    frames += rt.udp_frames(v4, 5062, d)
    want[mcid] = (v4, 5062, None, 405, 1)
    _, ecid, d = notify(22, v4, 5063, event="presence")
    frames += rt.udp_frames(v4, 5063, d)
    want[ecid] = (v4, 5063, None, 489, 1)

    res = reglane.replay(frames)
    dgs, other = rt.output_datagrams(res.frames)

    seen = {}
    payload_of = {}
    for dg in dgs:
        resp = rt.SipMessage(dg.payload)
        cid = resp.one("call-id")
        seen[cid] = seen.get(cid, 0) + 1
        payload_of.setdefault(cid, []).append(dg.payload)
        if chk.check(cid in want, "unexpected answer for Call-ID %s" % cid):
            src, sport, vlan, status, _ = want[cid]
            r = check_answer(chk, cid, dg, src, sport, vlan, status)
            if status == 405:
                chk.check(any("NOTIFY" in a for a in r.all("allow")), "405 carries Allow")
            if cid == "opt-1@x":
                chk.check(r.all("allow") != [], "200 to OPTIONS carries Allow")
    for cid, (_, _, _, _, times) in want.items():
        chk.eq(seen.get(cid, 0), times, "answers for %s" % cid)
    if rcid in payload_of and len(payload_of[rcid]) == 2:
        chk.eq(payload_of[rcid][0], payload_of[rcid][1], "retransmission answered identically")
    big = [dg for dg in dgs if dg.n_frags > 1]
    chk.eq(big, [], "no answer needed IP fragmentation")

    # Local answers: ARP reply, ICMP echo reply, ICMPv6 echo reply, NA.
    kinds = {}
    for f in other:
        if f.ethertype == 0x0806:
            op = struct.unpack("!H", f.l3[6:8])[0]
            chk.eq(op, 2, "ARP opcode")
            chk.eq(f.l3[8:14], rt.PCAP_PMD_MAC, "ARP sender MAC (the port's)")
            chk.eq(f.eth_src, rt.PCAP_PMD_MAC, "ARP reply Ethernet source")
            chk.eq(rt.ip_str(f.l3[14:18]), rt.OUR_IP4, "ARP sender IP")
            chk.eq(rt.ip_str(f.l3[24:28]), "192.0.2.20", "ARP target IP")
            chk.eq(f.eth_dst, rt.PEER_MAC, "ARP reply Ethernet destination")
            kinds["arp"] = kinds.get("arp", 0) + 1
        elif f.family == 4 and f.proto == 1:
            chk.eq(f.l4[0], 0, "ICMP type echo reply")
            chk.eq(rt.inet_csum(f.l4), 0, "ICMP checksum")
            chk.check(f.l4.endswith(b"reglane-ping"), "ICMP echo data returned")
            chk.eq((f.src, f.dst), (rt.OUR_IP4, "192.0.2.20"), "ICMP addresses")
            chk.check(f.ip_csum_ok, "ICMP reply IPv4 checksum")
            kinds["icmp"] = kinds.get("icmp", 0) + 1
        elif f.family == 6 and f.proto == 58:
            ok = rt.inet_csum(f.l4, rt.pseudo_sum(rt.ip_bytes(f.src), rt.ip_bytes(f.dst), 58,
                                                  len(f.l4))) == 0
            chk.check(ok, "ICMPv6 checksum")
            chk.eq(f.src, rt.OUR_IP6, "ICMPv6 source")
            if f.l4[0] == 129:
                chk.check(f.l4.endswith(b"reglane-ping6"), "ICMPv6 echo data returned")
                kinds["icmp6"] = kinds.get("icmp6", 0) + 1
            elif f.l4[0] == 136:
                chk.eq(rt.ip_str(f.l4[8:24]), rt.OUR_IP6, "NA target")
                kinds["na"] = kinds.get("na", 0) + 1
            else:
                chk.check(False, "unexpected ICMPv6 type %d" % f.l4[0])
        else:
            chk.check(False, "unexpected non-UDP output frame, ethertype 0x%04x" % f.ethertype)
    chk.eq(kinds, {"arp": 1, "icmp": 1, "icmp6": 1, "na": 1}, "local answers")

    users = res.state["users"]
    for aor in sorted(stored):
        chk.check(aor in users, "%s stored" % aor)
    for aor in sorted(absent):
        chk.check(aor not in users, "%s must not be stored" % aor)
    u7 = users.get("sip:+15550000007@" + DOMAIN, {})
    feats = (u7.get("contacts") or [{}])[0].get("features", {})
    chk.eq(len(feats.get("+x.pad", "")), 5000, "shuffled fragmented body arrived whole")

    c = res.counters()
    chk.check(c.get("net_drop_ip_cksum", 0) >= 1, "net_drop_ip_cksum counted")
    chk.eq(c.get("net_drop_udp_cksum", 0), 3, "net_drop_udp_cksum")
    chk.eq(c.get("net_drop_port", 0), 1, "net_drop_port")
    chk.eq(c.get("net_drop_not_udp", 0), 1, "net_drop_not_udp (TCP)")
    chk.eq(c.get("txn_retrans_answered", 0), 1, "txn_retrans_answered")
    chk.eq(c.get("admit_drop_not_sip", 0), 1, "admit_drop_not_sip")
    chk.eq(c.get("admit_drop_response", 0), 1, "admit_drop_response")
    chk.eq(c.get("frag_reassembled", 0), 5, "frag_reassembled")
    return chk.done()


def trust(reglane):
    chk = rt.Checker("net paths: trust list")
    good, bad = "192.0.2.20", "203.0.113.5"
    ok_aor, ok_cid, d1 = notify(30, good, 5060)
    bad_aor, bad_cid, d2 = notify(31, bad, 5060)
    frames = rt.udp_frames(good, 5060, d1) + rt.udp_frames(bad, 5060, d2)
    for mode, want_bad in (("reply403", 403), ("drop", None)):
        res = reglane.replay(frames, app_args=["--trust", "192.0.2.0/24", "--untrusted", mode])
        dgs, _ = rt.output_datagrams(res.frames)
        got = {rt.SipMessage(d.payload).one("call-id"): d for d in dgs}
        chk.eq(sorted(got), sorted([ok_cid] + ([bad_cid] if want_bad else [])),
               "%s: answered Call-IDs" % mode)
        if ok_cid in got:
            check_answer(chk, mode + " trusted", got[ok_cid], good, 5060)
        if want_bad and bad_cid in got:
            check_answer(chk, mode + " untrusted", got[bad_cid], bad, 5060, status=403)
        users = res.state["users"]
        chk.check(ok_aor in users, "%s: trusted NOTIFY stored" % mode)
        chk.check(bad_aor not in users, "%s: untrusted NOTIFY not stored" % mode)
    return chk.done()


def table_full(reglane):
    """State that cannot be stored is answered 503 with Retry-After, never 200."""
    chk = rt.Checker("net paths: table full -> 503")
    frames, cids = [], []
    for u in range(70, 74):
        _, cid, d = notify(u, "192.0.2.20", 5060)
        frames += rt.udp_frames("192.0.2.20", 5060, d)
        cids.append(cid)
    res = reglane.replay(frames, app_args=["--max-registrations", "2"])
    dgs, _ = rt.output_datagrams(res.frames)
    got = {rt.SipMessage(d.payload).one("call-id"): rt.SipMessage(d.payload) for d in dgs}
    chk.eq(sorted(got), sorted(cids), "every NOTIFY answered")
    statuses = [got[c].status for c in cids if c in got]
    chk.eq(statuses, [200, 200, 503, 503], "statuses in order")
    for c in cids[2:]:
        if c in got:
            chk.check(got[c].all("retry-after") != [], "503 for %s carries Retry-After", c)
    chk.eq(len(res.state["users"]), 2, "users stored")
    return chk.done()


def single_lcore(reglane_bin):
    chk = rt.Checker("net paths: one lcore (-l 0)")
    frames, cids = [], []
    for u in range(40, 60):
        _, cid, d = notify(u, "192.0.2.20", 5060, body_pad=2000 if u % 3 == 0 else 0)
        frames += rt.udp_frames("192.0.2.20", 5060, d)
        cids.append(cid)
    res = rt.Reglane(reglane_bin, lcores="0").replay(frames)
    dgs, _ = rt.output_datagrams(res.frames)
    chk.eq(sorted(rt.SipMessage(d.payload).one("call-id") for d in dgs), sorted(cids),
           "every NOTIFY answered")
    chk.eq(len(res.state["users"]), 20, "users stored")
    chk.check("1 worker lcore" in res.stdout, "report names one worker lcore")
    return chk.done()


def main():
    args = rt.arg_parser(__doc__).parse_args()
    reglane = rt.Reglane(args.reglane)
    ok = rt.scenario("net paths: mixed capture", mixed_capture, reglane)
    ok &= rt.scenario("net paths: trust list", trust, reglane)
    ok &= rt.scenario("net paths: table full", table_full, reglane)
    ok &= rt.scenario("net paths: one lcore", single_lcore, args.reglane)
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
