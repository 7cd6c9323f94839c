#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Workload-generator captures replayed through reglane.

1. A mixed capture (reggen: IPv6 and 802.1Q users, shuffled fragments,
   retransmissions, ARP / ND / ICMP / ICMPv6, garbage of every kind).
2. 10,000 users, no request left unanswered.
3. Two captures on two queues of one port, one worker lcore each (both on
   one CPU, so they interleave): two writers on one table.

For each: one answer per NOTIFY datagram (a retransmission gets its own),
each 200, each matched to its request by Call-ID and CSeq and sent back to
the request's source address and port (reggen's top Via asks for rport) on
its VLAN, IP and UDP checksums valid; local answers counted; and the state
dump equal to what reggen --expect says a correct processor ends with.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import tempfile

import rgltest as rt


CALL_ID = re.compile(r"^(?:Call-ID|i)[ \t]*:(.*)$", re.I | re.M)
CSEQ = re.compile(r"^CSeq[ \t]*:(.*)$", re.I | re.M)


def requests_of(frames):
    """{(call-id, cseq): [(src, sport, vlan), ...]} of the NOTIFYs in a capture."""
    reqs = collections.defaultdict(list)
    dgs, _ = rt.output_datagrams(frames, strict=False)
    for dg in dgs:
        if dg.dport != rt.SIP_PORT or not dg.csum_ok or not dg.frame.ip_csum_ok:
            continue
        if not dg.payload.startswith(b"NOTIFY "):
            continue
        head = dg.payload.partition(b"\r\n\r\n")[0].decode()
        key = (CALL_ID.search(head).group(1).strip(), CSEQ.search(head).group(1).strip())
        reqs[key].append((dg.src, dg.sport, dg.frame.vlan))
    return reqs


def run(reglane, reggen, name, gen_args, big=False, lcores=None):
    """Replay reggen captures: one per entry of @gen_args, each on its own queue."""
    chk = rt.Checker("replay " + name)
    work = tempfile.mkdtemp(prefix="rgl-replay-")
    pcaps, reqs, users = [], {}, {}
    pk = collections.Counter()
    for i, ga in enumerate(gen_args):
        pcap = os.path.join(work, "in%d.pcap" % i)
        expf = os.path.join(work, "expect%d.json" % i)
        subprocess.run([reggen, "--out", pcap, "--expect", expf] + ga, check=True,
                       stdout=subprocess.DEVNULL)
        with open(expf) as f:
            exp = json.load(f)
        pcaps.append(pcap)
        reqs.update(requests_of(rt.read_pcap(pcap)))
        users.update(exp["users"])
        pk.update({k: v for k, v in exp["packets"].items() if isinstance(v, int)})
    n_dgrams = pk["notifies"] + pk["retransmits"]
    chk.eq(sum(len(v) for v in reqs.values()), n_dgrams, "NOTIFY datagrams in the capture")

    res = reglane.replay(queues=pcaps, lcores=lcores,
                         app_args=["--max-memory", "256M"] if big else [])
    shutil.rmtree(work, ignore_errors=True)
    dgs, other = rt.output_datagrams(res.frames)
    chk.eq(len(dgs), n_dgrams, "answers (one per NOTIFY datagram)")
    answered = collections.Counter()
    bad = 0
    for dg in dgs:
        m = rt.SipMessage(dg.payload)
        key = (m.one("call-id"), m.one("cseq"))
        answered[key] += 1
        src = reqs.get(key, [None])[0]
        ok = (m.status == 200 and src is not None and (dg.dst, dg.dport, dg.frame.vlan) == src
              and dg.csum_ok and dg.frame.ip_csum_ok and dg.sport == rt.SIP_PORT
              and dg.frame.eth_dst == rt.PEER_MAC)
        if not ok:
            bad += 1
            if bad <= 10:
                chk.check(False, "answer %s: status %s to %s:%s vlan %s (request from %s), "
                          "checksums %s/%s" % (key, m.status, dg.dst, dg.dport, dg.frame.vlan,
                                                src, dg.frame.ip_csum_ok, dg.csum_ok))
    chk.eq(bad, 0, "answers that are not a correct 200")
    missing = [k for k, v in reqs.items() if answered[k] != len(v)]
    chk.eq(missing[:5], [], "requests answered a different number of times")

    c = res.counters()
    chk.eq(c.get("tx_200", 0), n_dgrams, "tx_200 counter")
    chk.eq(c.get("txn_retrans_answered", 0), pk["retransmits"], "retransmissions")
    local = {"arp_replied": pk["arp"], "nd_replied": pk["ns"],
             "icmp_echo_replied": pk["icmp"], "icmp6_echo_replied": pk["icmp6"]}
    chk.eq({k: c.get(k, 0) for k in local}, local, "local answers counted")
    chk.eq(len(other), sum(local.values()), "local answer frames in the output")
    if lcores is not None:
        chk.check("%d worker lcores" % len(gen_args) in res.stdout,
                  "%d workers ran" % len(gen_args))

    got = res.state["users"]
    chk.eq(len(got), len(users), "users in the dump")
    extra = sorted(set(got) - set(users))
    chk.eq(extra[:5], [], "users dumped that reggen did not expect")
    for aor in sorted(users):
        if chk.check(aor in got, "user %s missing from the dump" % aor):
            rt.compare_user(chk, aor, got[aor], users[aor], res.tolerance_s())
    return chk.done()


def main():
    ap = rt.arg_parser(__doc__)
    args = ap.parse_args()
    reglane = rt.Reglane(args.reglane)
    ok = rt.scenario("replay mixed", run, reglane, args.reggen, "mixed (2,000 users)",
                     [["--users", "2000", "--updates", "2", "--seed", "11",
                       "--ipv6-share", "0.25", "--vlan-share", "0.2", "--shuffle-fragments",
                       "--retransmit-share", "0.05", "--arp", "3", "--icmp", "3",
                       "--garbage", "24"]])
    ok &= rt.scenario("replay 10k", run, reglane, args.reggen, "10,000 users",
                      [["--users", "10000", "--updates", "1", "--seed", "12"]], True)
    # Two queues, two workers on one CPU: concurrent writers to one table.
    ok &= rt.scenario("replay 2 workers", run, reglane, args.reggen,
                      "two workers, two queues (2 x 1,500 users)",
                      [["--users", "1500", "--updates", "2", "--seed", "13",
                        "--domain", "a.example.net", "--retransmit-share", "0.02"],
                       ["--users", "1500", "--updates", "2", "--seed", "14",
                        "--domain", "b.example.net", "--ipv6-share", "0.5"]],
                      False, "0@0,1@1,2@1")
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
