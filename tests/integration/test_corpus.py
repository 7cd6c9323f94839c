#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every corpus case, every step, replayed through reglane.

Each case's datagrams (request.sip, or 01.sip, 02.sip, ... in order) are
wrapped into Ethernet/IP/UDP frames from the step's `src` to its `dst`
(198.51.100.10:5060), fragmented above 1500 bytes, and replayed by one
reglane process per case (every case starts from an empty store). The
output capture must hold exactly one answer per step that expects one, in
order, each checked against expect.json: status code, where it goes and
comes from (RFC 3261 18.2.2 / RFC 3581), the Via list (top one with exactly
the parameters expect.json says were added), From / Call-ID / CSeq copied,
To copied or given a tag, headers a status requires, Content-Length: 0, no
Event / Subscription-State, Ethernet addresses, IP and UDP checksums. Then
the state dump must match the case's `users`.
"""

import json
import os

import rgltest as rt


def endpoint(s):
    """'192.0.2.20:5060' or '[2001:db8::1]:5060' -> (addr, port)."""
    if s.startswith("["):
        addr, _, port = s[1:].partition("]:")
    else:
        addr, _, port = s.rpartition(":")
    return addr, int(port)


def lenient_request(data):
    """Header view of a request that may be malformed on purpose."""
    text = data.decode("utf-8", "surrogateescape")
    head = text.partition("\r\n\r\n")[0]
    lines = head.split("\r\n")
    kept = [lines[0]] + [ln for ln in lines[1:] if ":" in ln or ln[:1] in (" ", "\t")]
    return rt.SipMessage("\r\n".join(kept) + "\r\n\r\n")


def check_vias(chk, where, req, resp, added):
    rv, sv = req.vias(), resp.vias()
    if not chk.eq(len(sv), len(rv), "%s: number of Via values" % where):
        return
    for i in range(1, len(rv)):
        chk.eq(sv[i], rv[i], "%s: Via %d copied unchanged" % (where, i + 1))
    rbase, rparams = rt.via_params(rv[0])
    sbase, sparams = rt.via_params(sv[0])
    chk.eq(sbase, rbase, "%s: top Via sent-protocol and sent-by" % where)
    want = dict(rparams)
    for k, v in added.items():
        want[k.lower()] = str(v)
    chk.eq(dict(sparams), want, "%s: top Via parameters" % where)


def check_response(chk, where, step, req, dg):
    exp = step["response"]
    resp = rt.SipMessage(dg.payload)
    chk.eq(resp.status, exp["status"], "%s: status (reason %r)" % (where, resp.reason))
    to_addr, to_port = endpoint(exp["send_to"])
    from_addr, from_port = endpoint(exp["send_from"])
    chk.eq((dg.dst, dg.dport), (to_addr, to_port), "%s: sent to" % where)
    chk.eq((dg.src, dg.sport), (from_addr, from_port), "%s: sent from" % where)
    chk.eq(dg.frame.eth_dst, rt.PEER_MAC, "%s: Ethernet destination" % where)
    chk.eq(dg.frame.eth_src, rt.OUR_MAC, "%s: Ethernet source" % where)
    chk.check(dg.frame.ip_csum_ok, "%s: IPv4 header checksum" % where)
    chk.check(dg.csum_ok, "%s: UDP checksum" % where)

    check_vias(chk, where, req, resp, exp.get("top_via_params_added", {}))
    for h in ("from", "call-id", "cseq"):
        chk.eq(resp.all(h), req.all(h)[:1], "%s: %s copied" % (where, h))
    rto, sto = req.all("to"), resp.all("to")
    if chk.eq(len(sto), 1, "%s: one To" % where) and rto:
        if rt.tag_of(rto[0]) is not None:
            chk.eq(sto[0], rto[0], "%s: To copied unchanged" % where)
        else:
            chk.check(sto[0].startswith(rto[0]) and rt.tag_of(sto[0]) is not None,
                      "%s: To %r is the request's %r plus a tag" % (where, sto[0], rto[0]))
    for name, value in exp.get("must_have_headers", {}).items():
        chk.eq(resp.all(name.lower()), [value], "%s: header %s" % (where, name))
    chk.eq(resp.all("content-length"), ["0"], "%s: Content-Length" % where)
    chk.eq(resp.body, "", "%s: no body" % where)
    for h in ("event", "subscription-state"):
        chk.eq(resp.all(h), [], "%s: no %s in a response" % (where, h))


def run_case(reglane, cdir):
    with open(os.path.join(cdir, "expect.json")) as f:
        exp = json.load(f)
    name = os.path.basename(cdir)
    chk = rt.Checker("corpus " + name)
    frames, reqs = [], []
    for i, step in enumerate(exp["steps"]):
        with open(os.path.join(cdir, step["request"]), "rb") as f:
            data = f.read()
        src, sport = endpoint(step["src"])
        dst, dport = endpoint(step.get("dst", "198.51.100.10:5060"))
        frames += rt.udp_frames(src, sport, data, dst=dst, dport=dport, ident=0x100 + i)
        reqs.append(lenient_request(data))
    res = reglane.replay(frames)
    dgs, other = rt.output_datagrams(res.frames)
    chk.eq(len(other), 0, "non-UDP frames in the output")
    expected = [i for i, s in enumerate(exp["steps"]) if s.get("response")]
    chk.eq(len(dgs), len(expected), "answers (one per step that expects one)")
    for k, i in enumerate(expected):
        if k < len(dgs):
            where = "step %d (%s)" % (i + 1, exp["steps"][i]["request"])
            check_response(chk, where, exp["steps"][i], reqs[i], dgs[k])

    users = res.state["users"]
    for aor, want in exp.get("users", {}).items():
        if chk.check(aor in users, "user %s not in the dump (has %s)" % (aor, sorted(users))):
            rt.compare_user(chk, aor, users[aor], want, res.tolerance_s())
    for aor, got in users.items():
        if aor not in exp.get("users", {}):
            active = [c for c in got.get("contacts", []) if c.get("state") == "active"]
            chk.check(got.get("state") != "active" or not active,
                      "user %s is stored as registered but the case lists no such user" % aor)
    last = exp["steps"][-1]
    for aor in exp.get("users", {}):
        if aor not in users:
            continue
        if "version_after" in last and last.get("applied") == "applied":
            chk.eq(users[aor].get("version"), last["version_after"], "user %s: version" % aor)
        if "refresh_subscription" in last:
            chk.eq(users[aor].get("refresh_needed"), last["refresh_subscription"],
                   "user %s: refresh_needed" % aor)
    return chk.done()


def main():
    args = rt.arg_parser(__doc__).parse_args()
    reglane = rt.Reglane(args.reglane)
    cases = sorted(d for d in os.listdir(args.corpus)
                   if os.path.isfile(os.path.join(args.corpus, d, "expect.json")))
    if not cases:
        print("no corpus cases under %s" % args.corpus)
        rt.main_exit(False)
    ok = True
    for c in cases:
        ok &= rt.scenario("corpus " + c, run_case, reglane, os.path.join(args.corpus, c))
    print("%d corpus cases, %s" % (len(cases), "all passed" if ok else "FAILURES above"))
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
