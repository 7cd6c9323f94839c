#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SIP-level rulebook cases (SEMANTICS.md sections 1, 2) through reglane.

The visible corpus holds only some of the SIP-level cases the rulebook
cites. Each scenario here writes datagrams in the corpus style for one of the
others (003, 011-013, 015, 016, 041, 043, 045, 048, 050-052, 054, 055,
070-073, 075, 079; a method other than NOTIFY), pairs of faults that check
the order of the section 1.2 table, plus RFC 4475-style torture messages
that matter for a NOTIFY: unusual but valid header forms must get 200,
invalid ones 400 (or no answer where the rulebook says drop), answers larger
than the MTU leave as IP fragments, and the process must never crash (a
sanitizer report or a bad exit fails the run).
Every answer is checked like the corpus ones: status, where it goes and
comes from, the Via list with the top Via parameters the UAS adds, From /
Call-ID / CSeq copied, To copied or given a tag, required headers,
Content-Length: 0, no Event / Subscription-State; then the stored state.
"""

import rgltest as rt
from test_corpus import check_vias, endpoint, lenient_request

SRC = "192.0.2.20:5060"
SRC6 = "[2001:db8::20]:5060"
DST6 = "[2001:db8::10]:5060"
AOR = "sip:+12025550190@ims.example.net"


def body(version=0, state="full", reg_state="active", cstate="active", event="registered",
         aor=AOR, rid="r90", nl="\n"):
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="%d" state="%s">'
        % (version, state),
        '  <registration aor="%s" id="%s" state="%s">' % (aor, rid, reg_state),
        '    <contact id="1" state="%s" event="%s" expires="3600">' % (cstate, event),
        '      <uri>sip:+12025550190@10.45.0.190:5060</uri>',
        '    </contact>',
        '  </registration>',
        '</reginfo>',
        '']
    return nl.join(lines).encode()


def base_headers(n=1, branch=None, cseq=None, via=None, call_id="regsub-x90@as.ims.example.net",
                 to_tag="as-91c2x90", sub_state="active;expires=3600"):
    """Ordered [name, value] list of a typical S-CSCF reg-event NOTIFY."""
    to = "<sip:cpm-as@as.ims.example.net>" + (";tag=" + to_tag if to_tag else "")
    h = [
        ["Via", via or "SIP/2.0/UDP 192.0.2.20:5060;branch=%s"
         % (branch or "z9hG4bK-x90-%d" % n)],
        ["Max-Forwards", "70"],
        ["From", "<sip:+12025550190@ims.example.net>;tag=scscf-7f3ax90"],
        ["To", to],
        ["Call-ID", call_id],
        ["CSeq", "%d NOTIFY" % (cseq if cseq is not None else n)],
        ["Contact", "<sip:scscf.ims.example.net:5060>"],
        ["Event", "reg"],
        ["Subscription-State", sub_state],
        ["Content-Type", "application/reginfo+xml"],
    ]
    return h


def set_h(h, name, value):
    """Replace (value str), drop (None) the header @name, or append it."""
    for i, (n, _) in enumerate(h):
        if n.lower() == name.lower():
            if value is None:
                del h[i]
            else:
                h[i][1] = value
            return h
    if value is not None:
        h.append([name, value])
    return h


def dgram(h, b=b"", start="NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0", clen=None,
          raw_lines=None):
    """One datagram; Content-Length = len(b) unless @clen (False = none)."""
    lines = [start] + ["%s: %s" % (n, v) for n, v in h] + list(raw_lines or [])
    if clen is not False:
        lines.append("Content-Length: %d" % (len(b) if clen is None else clen))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + b


def notify(n=1, b=None, **kw):
    extra = kw.pop("set", {})
    h = base_headers(n, **kw)
    for k, v in extra.items():
        set_h(h, k, v)
    return h, (body(version=n - 1) if b is None else b)


class Step:
    def __init__(self, data, status, src=SRC, dst="198.51.100.10:5060", send_to=None,
                 added=None, must=None, parse_req=True):
        self.data, self.status, self.src, self.dst = data, status, src, dst
        self.send_to = send_to or src
        self.added = added or {}
        self.must = must or {}
        self.parse_req = parse_req


def check_answer(chk, where, st, dg):
    req = lenient_request(st.data)
    resp = rt.SipMessage(dg.payload)
    if isinstance(st.status, tuple):
        chk.check(resp.status in st.status, "%s: status %r (%r) not in %r", where,
                  resp.status, resp.reason, st.status)
    else:
        chk.eq(resp.status, st.status, "%s: status (reason %r)" % (where, resp.reason))
    to_addr, to_port = endpoint(st.send_to)
    from_addr, from_port = endpoint(st.dst)
    chk.eq((dg.dst, dg.dport), (to_addr, to_port), "%s: sent to" % where)
    chk.eq((dg.src, dg.sport), (from_addr, from_port), "%s: sent from" % where)
    chk.check(dg.frame.ip_csum_ok, "%s: IP header checksum" % where)
    chk.check(dg.csum_ok, "%s: UDP checksum" % where)
    if st.parse_req:
        check_vias(chk, where, req, resp, st.added)
        for h in ("from", "call-id", "cseq"):
            chk.eq(resp.all(h), req.all(h)[:1], "%s: %s copied" % (where, h))
        rto, sto = req.all("to"), resp.all("to")
        # A request without To gets none back (nothing to copy).
        if chk.eq(len(sto), min(len(rto), 1), "%s: To count" % where) and len(rto) == 1:
            if rt.tag_of(rto[0]) is not None:
                chk.eq(sto[0], rto[0], "%s: To copied unchanged" % where)
            else:
                chk.check(sto[0].startswith(rto[0]) and rt.tag_of(sto[0]) is not None,
                          "%s: To %r is the request's %r plus a tag" % (where, sto[0], rto[0]))
    for name, value in st.must.items():
        got = resp.all(name.lower())
        if callable(value):
            chk.check(len(got) == 1 and value(got[0]), "%s: header %s is %r" % (where, name, got))
        else:
            chk.eq(got, [value], "%s: header %s" % (where, name))
    chk.eq(resp.all("content-length"), ["0"], "%s: Content-Length" % where)
    chk.eq(resp.body, "", "%s: no body" % where)
    for h in ("event", "subscription-state"):
        chk.eq(resp.all(h), [], "%s: no %s in a response" % (where, h))


def run(reglane, name, steps, users=None, absent=(), state_check=None):
    """Replay @steps (one reglane process) and check every answer and the dump.

    users: {aor: {key: value}} compared with compare_user; absent: AoRs that
    must not be stored; state_check(chk, users_dump) for anything else.
    """
    chk = rt.Checker("rulebook " + name)
    frames = []
    for i, st in enumerate(steps):
        src, sport = endpoint(st.src)
        dst, dport = endpoint(st.dst)
        frames += rt.udp_frames(src, sport, st.data, dst=dst, dport=dport, ident=0x200 + i)
    res = reglane.replay(frames)
    dgs, other = rt.output_datagrams(res.frames)
    chk.eq(len(other), 0, "non-UDP frames in the output")
    for fr in res.frames:
        chk.check(len(fr) <= 1518, "output frame of %d bytes exceeds the MTU", len(fr))
    expected = [i for i, s in enumerate(steps) if s.status is not None]
    chk.eq(len(dgs), len(expected), "answers (one per step that expects one)")
    if len(dgs) == len(expected):
        for k, i in enumerate(expected):
            check_answer(chk, "step %d" % (i + 1), steps[i], dgs[k])
    else:
        for dg in dgs:
            chk.check(False, "answer: %r" % dg.payload[:60])
    dump = res.state["users"]
    for aor, want in (users or {}).items():
        if chk.check(aor in dump, "user %s not in the dump (has %s)" % (aor, sorted(dump))):
            rt.compare_user(chk, aor, dump[aor], want, res.tolerance_s())
    for aor in absent:
        got = dump.get(aor)
        chk.check(got is None or not [c for c in got.get("contacts", [])
                                      if c.get("state") == "active"],
                  "user %s stored with active contacts: %r" % (aor, got))
    if state_check:
        state_check(chk, dump)
    return chk.done()


def sub_terminated(chk, dump):
    sub = dump.get(AOR, {}).get("subscription", {})
    chk.eq((sub.get("state"), sub.get("reason")), ("terminated", "deactivated"),
           "subscription state after a terminated NOTIFY")


def contact(state="active", event="registered"):
    return {"id": "1", "uri": "sip:+12025550190@10.45.0.190:5060", "state": state,
            "event": event}


ACTIVE = {AOR: {"state": "active", "registration_id": "r90", "contacts": [contact()]}}


def single(reglane, name, h, b, status, added=None, must=None, applied=False, clen=None,
           start=None, raw_lines=None, parse_req=True, src=SRC, dst="198.51.100.10:5060",
           send_to=None):
    kw = {"clen": clen, "raw_lines": raw_lines}
    if start:
        kw["start"] = start
    data = h if isinstance(h, bytes) else dgram(h, b, **kw)
    st = Step(data, status, src=src, dst=dst, send_to=send_to, added=added, must=must,
              parse_req=parse_req)
    return run(reglane, name, [st], users=ACTIVE if applied else None,
               absent=(AOR,) if applied is False else ())


# ---------------------------------------------------------------- rulebook cases

def scenarios():
    s = []

    def add(name, fn):
        s.append((name, fn))

    # 003: RFC 6665 4.1.3, Subscription-State is mandatory (check 9).
    h, b = notify(set={"Subscription-State": None})
    add("003 no Subscription-State -> 400", lambda r, h=h, b=b: single(r, "003", h, b, 400))

    # 041: folded header values (RFC 3261 7.3.1), whitespace before the colon.
    d = ("NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.20:5060\r\n ;branch=z9hG4bK-x41-1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:+12025550190@ims.example.net>\r\n\t;tag=scscf-7f3ax90\r\n"
         "To: <sip:cpm-as@as.ims.example.net>;tag=as-91c2x90\r\n"
         "Call-ID   : regsub-x41@as.ims.example.net\r\n"
         "CSeq: 1\r\n   NOTIFY\r\n"
         "Event: reg\r\n"
         "Subscription-State: active;\r\n expires=3600\r\n"
         "Content-Type:\r\n application/reginfo+xml\r\n"
         "Content-Length: %d\r\n\r\n").encode()
    b41 = body()
    add("041 folded headers -> 200 applied",
        lambda r, h=h, b=b: single(r, "041", d % len(b41) + b41, None, 200, applied=True))

    # 043: IPv6 source, top Via with rport: received unbracketed, rport set.
    h, b = notify(via="SIP/2.0/UDP [2001:db8::20]:5060;branch=z9hG4bK-x43-1;rport")
    add("043 IPv6 Via rport -> received unbracketed",
        lambda r, h=h, b=b: single(r, "043", h, b, 200, applied=True, src="[2001:db8::20]:5062",
                         dst=DST6, added={"received": "2001:db8::20", "rport": "5062"}))
    h43b, b43b = notify(via="SIP/2.0/UDP [2001:db8::20];branch=z9hG4bK-x43-2")
    add("043b IPv6 Via from another address -> received, port 5060",
        lambda r, h=h, b=b: single(r, "043b", h43b, b43b, 200, applied=True, src="[2001:db8::21]:40000",
                         dst=DST6, send_to="[2001:db8::21]:5060",
                         added={"received": "2001:db8::21"}))

    # 045: type/subtype case-insensitive, parameters allowed (check 11).
    h, b = notify(set={"Content-Type": "Application/REGINFO+xml; charset=UTF-8"})
    add("045 Content-Type charset, mixed case -> 200",
        lambda r, h=h, b=b: single(r, "045", h, b, 200, applied=True))
    h45b, b45b = notify(set={"Content-Type": "application/reginfo+xml;charset=\"utf-8\""})
    add("045b Content-Type quoted charset -> 200",
        lambda r, h=h, b=b: single(r, "045b", h45b, b45b, 200, applied=True))

    # 048: the event type is compared byte by byte (RFC 6665 8.2.1).
    h, b = notify(set={"Event": "Reg"})
    add("048 Event: Reg -> 489", lambda r, h=h, b=b: single(r, "048", h, b, 489))
    h48b, b48b = notify(set={"Event": "reg;id=5"})
    add("048b Event: reg;id=5 -> 200",
        lambda r, h=h, b=b: single(r, "048b", h48b, b48b, 200, applied=True))
    h48c, b48c = notify(set={"Event": None})
    add("048c no Event -> 400 or 489",
        lambda r, h=h, b=b: single(r, "048c", h48c, b48c, (400, 489)))

    # 050: no Via, no answer can be routed.
    h, b = notify(set={"Via": None})
    add("050 no Via -> drop", lambda r, h=h, b=b: single(r, "050", h, b, None))

    # 051 / 052: missing or unparseable From, To, CSeq; CSeq method.
    for tag, hdr, val in (("051a", "From", None), ("051b", "To", None), ("051c", "CSeq", None),
                          ("052a", "CSeq", "abc NOTIFY"), ("052b", "CSeq", "1 INVITE"),
                          ("052c", "CSeq", "1"), ("052d", "CSeq", "4294967296 NOTIFY"),
                          ("052e", "From", "<sip:+12025550190@ims.example.net;tag=x"),
                          ("052f", "To", "sip:cpm-as@as.ims.example.net>;tag=as-91c2x90"),
                          ("052g", "CSeq", "1 notify"), ("052h", "Call-ID", "")):
            hh, bb = notify(set={hdr: val})
            add("%s %s %r -> 400" % (tag, hdr, val),
                lambda r, hh=hh, bb=bb, tag=tag: single(r, tag, hh, bb, 400))

    # 054: Content-Length smaller than the body: the extra bytes are discarded.
    b54 = body()
    h, _ = notify()
    d54 = dgram(h, b54 + b"<garbage>not xml at all", clen=len(b54))
    add("054 Content-Length smaller, extra bytes discarded -> 200",
        lambda r, h=h, b=b: single(r, "054", d54, None, 200, applied=True))
    # 055: the truncation cuts the document.
    d55 = dgram(h, b54, clen=len(b54) - 40)
    add("055 Content-Length truncates the XML -> 400",
        lambda r, h=h, b=b: single(r, "055", d55, None, 400))

    # 070: Require with an unknown option tag.
    h, b = notify(set={"Require": "nonexistent-ext"})
    add("070 Require unknown -> 420 + Unsupported",
        lambda r, h=h, b=b: single(r, "070", h, b, 420, must={"Unsupported": "nonexistent-ext"}))
    h70b, b70b = notify(set={"Require": "foo, bar"})
    add("070b Require two unknown -> 420 + Unsupported both",
        lambda r, h=h, b=b: single(r, "070b", h70b, b70b, 420,
                         must={"Unsupported": lambda v: [x.strip() for x in v.split(",")]
                               == ["foo", "bar"]}))

    # 071: SIP/3.0 -> 505.
    h, b = notify()
    add("071 SIP/3.0 -> 505",
        lambda r, h=h, b=b: single(r, "071", h, b, 505,
                         start="NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/3.0"))

    # 072: Max-Forwards 0 on a request addressed to us is processed.
    h, b = notify(set={"Max-Forwards": "0"})
    add("072 Max-Forwards 0 -> 200", lambda r, h=h, b=b: single(r, "072", h, b, 200, applied=True))
    h72b, b72b = notify(set={"Max-Forwards": None})
    add("072b no Max-Forwards -> 200",
        lambda r, h=h, b=b: single(r, "072b", h72b, b72b, 200, applied=True))

    # 073: no To tag -> 481 (a NOTIFY is always in-dialog), To gets a tag.
    h, b = notify(to_tag=None)
    add("073 no To tag -> 481", lambda r, h=h, b=b: single(r, "073", h, b, 481))

    # 075: Content-Encoding gzip -> 415 + Accept-Encoding.
    h, b = notify(set={"Content-Encoding": "gzip"})
    add("075 Content-Encoding gzip -> 415 + Accept-Encoding",
        lambda r, h=h, b=b: single(r, "075", h, b, 415,
                         must={"Accept-Encoding": lambda v: "gzip" not in v.lower()}))
    h75b, b75b = notify(set={"Content-Encoding": "identity"})
    add("075b Content-Encoding identity -> 200",
        lambda r, h=h, b=b: single(r, "075b", h75b, b75b, 200, applied=True))

    # A method other than NOTIFY: 405 + Allow (RFC 3261 8.2.1).
    h, b = notify(set={"CSeq": "1 MESSAGE"})
    add("405 MESSAGE -> 405 + Allow",
        lambda r, h=h, b=b: single(r, "405", h, b, 405,
                         must={"Allow": lambda v: "NOTIFY" in v},
                         start="MESSAGE sip:cpm-as@198.51.100.10:5060 SIP/2.0"))

    # 079: pending -> 200, nothing else to do.
    h, _ = notify(sub_state="pending")
    add("079 pending, empty body -> 200",
        lambda r, h=h, b=b: single(r, "079", h, b"", 200, clen=None))

    # 011: terminated;reason=deactivated with a body: applied, 200, then 481.
    def seq_011(r):
        h1, b1 = notify(1)
        h2, _ = notify(2, sub_state="terminated;reason=deactivated")
        b2 = body(version=1, reg_state="terminated", cstate="terminated", event="deactivated")
        h3, b3 = notify(3)
        return run(r, "011", [Step(dgram(h1, b1), 200), Step(dgram(h2, b2), 200),
                              Step(dgram(h3, b3), 481)],
                   users={AOR: {"state": "terminated"}}, state_check=sub_terminated)
    add("011 terminated with body applied, then 481", seq_011)

    # 012: registration terminated but subscription active: later NOTIFYs 200.
    def seq_012(r):
        h1, b1 = notify(1)
        h2, _ = notify(2)
        b2 = body(version=1, reg_state="terminated", cstate="terminated", event="unregistered")
        h3, b3 = notify(3)
        return run(r, "012", [Step(dgram(h1, b1), 200), Step(dgram(h2, b2), 200),
                              Step(dgram(h3, body(version=2)), 200)], users=ACTIVE)
    add("012 all registrations terminated, subscription active", seq_012)

    # 013 variant: the final NOTIFY retransmitted after termination is a
    # retransmission (check 4 before check 7): the stored 200 again, not 481.
    def seq_013(r):
        h1, b1 = notify(1)
        h2, _ = notify(2, sub_state="terminated;reason=timeout")
        d2 = dgram(h2, b"")
        h3, b3 = notify(3, b=b"")
        return run(r, "013r", [Step(dgram(h1, b1), 200), Step(d2, 200), Step(d2, 200),
                               Step(dgram(h3, b3), 481)], users=ACTIVE)
    add("013r terminated NOTIFY retransmitted -> 200, then 481", seq_013)

    # 015 variant: retransmission of a rejected request gets the same answer.
    def seq_015(r):
        h1, b1 = notify(1, set={"Event": "Reg"})
        d1 = dgram(h1, b1)
        return run(r, "015r", [Step(d1, 489), Step(d1, 489)], absent=(AOR,))
    add("015r retransmitted 489 -> 489 again", seq_015)

    # 016: in-dialog CSeq lower than the last accepted -> 500, state unchanged.
    def seq_016(r):
        h1, b1 = notify(1, cseq=5)
        h2, _ = notify(2, cseq=3)
        b2 = body(version=1, reg_state="terminated", cstate="terminated", event="unregistered")
        h3, _ = notify(3, cseq=4)
        h4, b4 = notify(4, cseq=6, b=body(version=1))
        return run(r, "016", [Step(dgram(h1, b1), 200), Step(dgram(h2, b2), 500),
                              Step(dgram(h3, b2), 500), Step(dgram(h4, b4), 200)],
                   users=ACTIVE, state_check=lambda c, d: c.eq(
                       d.get(AOR, {}).get("version"), 1, "version after 016"))
    add("016 CSeq lower (new branch) -> 500, state kept; higher -> 200", seq_016)

    # RFC 3680 4.9 (SEMANTICS 2): the same Call-ID from a second notifier
    # (another From tag) is a forked dialog: 481, its document not applied.
    def seq_fork(r):
        h1, b1 = notify(1, cseq=1)
        h2, _ = notify(2, cseq=1)
        set_h(h2, "From", "<sip:+12025550190@ims.example.net>;tag=other-scscf")
        b2 = body(version=0, reg_state="terminated", cstate="terminated", event="unregistered")
        h3, b3 = notify(3, cseq=2, b=body(version=1))
        return run(r, "fork", [Step(dgram(h1, b1), 200), Step(dgram(h2, b2), 481),
                               Step(dgram(h3, b3), 200)], users=ACTIVE)
    add("forked NOTIFY (same Call-ID, other From tag) -> 481, not applied", seq_fork)

    # ------------------------------------------------------------ check order
    # Two faults at once: the earlier row of the 1.2 table decides.
    def pair(tag, status, must=None, start=None, **sets):
        kw = {k.replace("_", "-"): v for k, v in sets.items() if k != "to_tag"}
        hh, bb2 = notify(set=kw, to_tag=sets.get("to_tag", "as-91c2x90"))
        add("order %s -> %s" % (tag, status),
            lambda r: single(r, tag, hh, bb2, status, must=must, start=start,
                             applied=False))

    pair("o1-505-before-400", 505, start="NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/3.0",
         Call_ID=None)
    pair("o3-400-before-420", 400, CSeq="x NOTIFY", Require="nonexistent-ext")
    pair("o5-420-before-489", 420, Require="nonexistent-ext", Event="Reg",
         must={"Unsupported": "nonexistent-ext"})
    pair("o6-489-before-481", 489, Event="Reg", to_tag=None)
    pair("o7-481-before-400-substate", 481, Subscription_State=None, to_tag=None)
    pair("o9-400-substate-before-415", 400, Subscription_State=None, Content_Encoding="gzip")
    pair("o10-415-encoding-before-type", 415, Content_Encoding="gzip", Content_Type="text/plain",
         must={"Accept-Encoding": lambda v: "gzip" not in v.lower()})
    pair("o11-415-type", 415, Content_Type="text/plain",
         must={"Accept": "application/reginfo+xml"})

    def seq_order8(r):
        h1, b1 = notify(1, cseq=5)
        h2, b2 = notify(2, cseq=4, set={"Subscription-State": None})
        return run(r, "o8", [Step(dgram(h1, b1), 200), Step(dgram(h2, b2), 500)],
                   users=ACTIVE)
    add("order o8-500-before-400-substate", seq_order8)

    h, _ = notify(set={"Content-Type": "text/plain"})
    add("order o12 wrong type, empty body -> 200",
        lambda r, h=h: single(r, "o12a", h, b"", 200))
    h12b, _ = notify(set={"Content-Type": None})
    add("order o12 no Content-Type, empty body -> 200",
        lambda r: single(r, "o12b", h12b, b"", 200))

    # ------------------------------------------------------------ RFC 4475 style
    def torture(tag, d, status, applied="auto", **kw):
        if applied == "auto":
            applied = status == 200
        add("4475 %s -> %s" % (tag, status),
            lambda r, h=h, b=b: single(r, tag, d, None, status, applied=applied, **kw))

    bb = body()
    t = ("NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0\r\n"
         "vIa:SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-t1\r\n"
         "max-FORWARDS:70\r\n"
         "fROM:\"J Rosenberg \\\\\\\"\" <sip:+12025550190@ims.example.net>;tag=scscf-7f3ax90\r\n"
         "tO:<sip:cpm-as@as.ims.example.net>;tag=as-91c2x90\r\n"
         "cALL-iD:0ha0isnda977644900765@192.0.2.20\r\n"
         "cSEQ:0009 NOTIFY\r\n"
         "EVENT:reg\r\n"
         "sUBSCRIPTION-sTATE:active;expires=3600\r\n"
         "CONTENT-type:application/reginfo+xml\r\n"
         "content-LENGTH:%d\r\n\r\n" % len(bb)).encode() + bb
    torture("t1-mixed-case-no-space", t, 200)

    t = ("NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0\r\n"
         "Via:\tSIP/2.0/UDP\t192.0.2.20:5060;branch=z9hG4bK-t2\r\n"
         "Max-Forwards:\t70\r\n"
         "From:\t<sip:+12025550190@ims.example.net>\t;\ttag=scscf-7f3ax90\r\n"
         "To:<sip:cpm-as@as.ims.example.net>;tag=as-91c2x90\t\r\n"
         "Call-ID:\tregsub-t2@as.ims.example.net\t\r\n"
         "CSeq:\t1\tNOTIFY\t\r\n"
         "Event:\treg\t\r\n"
         "Subscription-State:\tactive\t;\texpires=3600\r\n"
         "Content-Type:\tapplication/reginfo+xml\t\r\n"
         "Content-Length:\t%d\t\r\n\r\n" % len(bb)).encode() + bb
    torture("t2-tabs-as-lws", t, 200)

    h, _ = notify(via="SIP/2.0/UDP [2001:db8::20]:5060;branch=z9hG4bK-t3;rport , "
                      "SIP/2.0/UDP [2001:db8::30];branch=z9hG4bK-t3b;received=2001:db8::31,"
                      "SIP/2.0/TCP 192.0.2.40:5070;branch=z9hG4bK-t3c")
    torture("t3-multi-via-ipv6-one-line", dgram(h, bb), 200, src="[2001:db8::20]:5062",
            dst=DST6, added={"received": "2001:db8::20", "rport": "5062"})

    h, _ = notify(set={"X-Weird": "<;;;>\"\\\"unterminated ,,, =;=", "X-Empty": "",
                       "NewFangledHeader": "newfangled value\r\n continued newfangled value",
                       "UnknownHeaderWithUnusualValue": ";;,,;;,;"})
    torture("t4-unknown-weird-empty", dgram(h, bb), 200)

    h, _ = notify(set={"X-Long": "a" * 4000, "Contact": "<sip:scscf.ims.example.net:5060>;"
                                                        + ";".join("p%d=%d" % (i, i)
                                                                   for i in range(300))})
    torture("t5-very-long-headers", dgram(h, bb), 200)

    # Many Via values in every form (long, compact, upper case, commas):
    # all copied back in order (RFC 3261 8.2.6.2; RFC 4475 longreq style).
    h, _ = notify()
    h = h[:1] + [[("Via", "v", "V", "VIA")[i % 4], "SIP/2.0/TCP sip%d.example.com" % i]
                 for i in range(14, 2, -1)] + \
        [["via", "SIP/2.0/TCP sip2.example.com;branch=z9hG4bK-2,SIP/2.0/TCP sip1.example.com"]] + h[1:]
    torture("t3b-many-vias", dgram(h, bb), 200)

    # Long but legal From/To/Via: the answer itself exceeds the MTU and
    # leaves as IP fragments (also on a port without multi-segment TX).
    h, _ = notify(set={"To": "\"I have a user name of " + "extreme" * 230 + " proportion\""
                             " <sip:cpm-as@as.ims.example.net;unknownparam1=" + "v" * 300
                             + ">;tag=as-91c2x90"})
    torture("t5b-long-to-fragmented-answer", dgram(h, bb), 200)
    h, _ = notify(via="SIP/2.0/UDP [2001:db8::20]:5060;branch=z9hG4bK-" + "long" * 700 + ";rport")
    torture("t5c-long-via-ipv6-fragmented-answer", dgram(h, bb), 200, src="[2001:db8::20]:5062",
            dst=DST6, added={"received": "2001:db8::20", "rport": "5062"})

    h, _ = notify(set={"From": "\"%22quoted%20\\\"user\\\"\" <sip:%2B12025550190@ims.example.net"
                               ";user=phone?x=%3C>;tag=scscf-7f3ax90",
                       "Call-ID": "!%'`~+*_.-@[2001:db8::20]"})
    torture("t6-escaped-uri-and-callid", dgram(h, bb), 200)

    h, _ = notify(set={"Content-Length": None})
    torture("t7-duplicate-content-length-mismatch",
            dgram(h, bb, raw_lines=["Content-Length: %d" % (len(bb) + 10)]), 400)
    torture("t8-content-length-negative", dgram(h, bb, clen=False,
                                                raw_lines=["Content-Length: -5"]), 400)
    torture("t9-content-length-huge", dgram(h, bb, clen=False,
                                            raw_lines=["Content-Length: 99999999999999999999"]),
            400)
    torture("t10-content-length-not-number", dgram(h, bb, clen=False,
                                                   raw_lines=["Content-Length: 3a"]), 400)

    h, _ = notify()
    torture("t11-header-line-without-colon", dgram(h, bb, raw_lines=["NoColonHere"]), 400)
    h, _ = notify(set={"Call-ID": None})
    torture("t12-duplicate-call-id", dgram(h, bb, raw_lines=["Call-ID: a@b", "Call-ID: c@d"]),
            400)
    h, _ = notify()
    # Not a SIP start line: not known to be a request, dropped (not-SIP).
    torture("t13-bad-request-line", dgram(h, bb, start="NOTIFY  SIP/2.0"), None)
    h, _ = notify()
    torture("t14-nul-in-header", dgram(h, bb, raw_lines=["X-Nul: a\x00b"]), (400, 200),
            applied=None)
    h, _ = notify(set={"CSeq": "   1    NOTIFY   "})
    torture("t15-cseq-extra-lws", dgram(h, bb), 200)
    h, _ = notify(set={"Event": "  reg  ;  id = 7 "})
    torture("t16-event-lws-params", dgram(h, bb), 200)
    h, _ = notify(set={"Subscription-State": "ACTIVE;Expires=3600"})
    torture("t17-substate-uppercase", dgram(h, bb), 200)
    h, _ = notify(via="SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-t18;rport;x-unknown=\"q;v\"")
    torture("t18-via-quoted-param", dgram(h, bb), 200, send_to="192.0.2.20:5062",
            src="192.0.2.20:5062", added={"received": "192.0.2.20", "rport": "5062"})
    # RFC 4475 3.1.1.6 "longreq" style: 34 Vias and a 300-byte Call-ID are
    # legal; the answer copies every Via (and is IP-fragmented).
    h, _ = notify(set={"Call-ID": "longreq." + "onereallylongcallid" * 15 + "@192.0.2.20"})
    h = h[:1] + [["Via", "SIP/2.0/UDP sip%d.example.com;branch=z9hG4bK-l%d" % (i, i)]
                 for i in range(33, 0, -1)] + h[1:]
    torture("t19-34-vias-long-call-id", dgram(h, bb), 200)
    return s


def main():
    args = rt.arg_parser(__doc__).parse_args()
    reglane = rt.Reglane(args.reglane)
    ok = True
    sc = scenarios()
    for name, fn in sc:
        ok &= rt.scenario("rulebook " + name, fn, reglane)
    print("%d rulebook scenarios, %s" % (len(sc), "all passed" if ok else "FAILURES above"))
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
