#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Document and state rules of SEMANTICS.md sections 2-8, through the binary.

The visible corpus holds only some of the cases the rulebook cites; this
script rebuilds the others as realistic NOTIFYs (modelled on the corpus
files: Kamailio, Clearwater, ZTE, TS 34.229 and RCS shapes) and checks the
answer of every step and the stored state that --dump-state writes (field
names as in the corpus expect.json). Each scenario is one reglane run from
an empty store.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import rgltest as rt

SRC = "192.0.2.20"
A1 = "sip:+12025550150@ims.example.net"
T1 = "tel:+12025550150"
IMEI1 = "urn:gsma:imei:35209900-176148-1"
IMEI2 = "urn:gsma:imei:86753009-654321-8"
UUID1 = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
UUID2 = "urn:uuid:7d1e5c2a-0b9f-4c3e-8a6d-5f4e3d2c1b0a"
ICSI_MSG = "urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg"
ICSI_MMTEL = "urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel"


def notify(body, cseq=1, callid="regsub-rb@as.ims.example.net", ftag="scscf-rb1",
           ttag="as-rb1", substate="active;expires=3600", branch=None, frm=None,
           ctype="application/reginfo+xml", extra=()):
    """One NOTIFY datagram (CRLF headers) carrying @body (str or bytes)."""
    if isinstance(body, str):
        body = body.encode()
    frm = frm or "<sip:+12025550150@ims.example.net>"
    branch = branch or "z9hG4bK-rb-%s-%d" % (callid.split("@")[0], cseq)
    h = ["NOTIFY sip:cpm-as@198.51.100.10:5060 SIP/2.0",
         "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=" + branch,
         "Max-Forwards: 70",
         "From: %s;tag=%s" % (frm, ftag),
         "To: <sip:cpm-as@as.ims.example.net>;tag=" + ttag,
         "Call-ID: " + callid,
         "CSeq: %d NOTIFY" % cseq,
         "Contact: <sip:scscf.ims.example.net:5060>",
         "Event: reg"]
    if substate is not None:
        h.append("Subscription-State: " + substate)
    h += list(extra)
    if body:
        h.append("Content-Type: " + ctype)
    h.append("Content-Length: %d" % len(body))
    return ("\r\n".join(h) + "\r\n\r\n").encode("utf-8") + body


def reginfo(version, state, regs, ns="", decl='<?xml version="1.0" encoding="UTF-8"?>\n'):
    return ('%s<reginfo xmlns="urn:ietf:params:xml:ns:reginfo"%s version="%s" state="%s">\n'
            '%s</reginfo>\n' % (decl, ns, version, state, regs))


def reg(aor, rid, state, contacts="", extra=""):
    return (' <registration aor="%s" id="%s" state="%s">\n%s%s </registration>\n'
            % (aor, rid, state, extra, contacts))


def contact(cid, uri, state="active", event="registered", attrs=' expires="3600"', params=""):
    return ('  <contact id="%s" state="%s" event="%s"%s>\n   <uri>%s</uri>\n%s  </contact>\n'
            % (cid, state, event, attrs, uri, params))


def up(name, value=""):
    return '   <unknown-param name="%s">%s</unknown-param>\n' % (name, value)


def inst(urn):
    return up("+sip.instance", '"&lt;%s&gt;"' % urn)


def run(reglane, msgs, src=SRC):
    """Replay @msgs from @src:5060; (status list, users of the dump, answers)."""
    frames = []
    for i, m in enumerate(msgs):
        frames += rt.udp_frames(src, 5060, m, ident=0x200 + i)
    res = reglane.replay(frames)
    dgs, _ = rt.output_datagrams(res.frames)
    return [rt.SipMessage(d.payload).status for d in dgs], res.state["users"], dgs


def cmap(user):
    return {c["id"]: c for c in (user or {}).get("contacts", [])}


def expect(chk, reglane, msgs, statuses, src=SRC):
    st, users, dgs = run(reglane, msgs, src)
    chk.eq(st, statuses, "answers")
    return users, dgs


# ------------------------------------------------------------------ cases


def c003(reglane):
    chk = rt.Checker("003 missing Subscription-State -> 400, nothing applied")
    b = reginfo(0, "full", reg(A1, "r1", "active", contact("c1", "sip:u@192.0.2.50")))
    users, _ = expect(chk, reglane, [notify(b, substate=None)], [400])
    chk.eq(users, {}, "store stays empty")
    return chk.done()


def c006(reglane):
    chk = rt.Checker("006 every terminating contact event removes the contact")
    evs = ["expired", "deactivated", "probation", "unregistered", "rejected"]
    cs = "".join(contact("c%d" % i, "sip:u%d@192.0.2.5%d" % (i, i)) for i in range(len(evs)))
    cs += contact("keep", "sip:keep@192.0.2.60") + contact("c9", "sip:u9@192.0.2.59")
    b1 = reginfo(0, "full", reg(A1, "r1", "active", cs) +
                 reg(T1, "r2", "active", contact("t1", "sip:t@192.0.2.61")))
    part = "".join(contact("c%d" % i, "sip:u%d@192.0.2.5%d" % (i, i), "terminated", ev,
                           ' retry-after="120"' if ev == "probation" else "")
                   for i, ev in enumerate(evs))
    # a terminating event ends the binding even when state says active
    part += contact("c9", "sip:u9@192.0.2.59", "active", "deactivated", "")
    b2 = reginfo(1, "partial", reg(A1, "r1", "active", part) +
                 reg(T1, "r2", "terminated",
                     contact("t1", "sip:t@192.0.2.61", "terminated", "unregistered", "")))
    users, _ = expect(chk, reglane, [notify(b1, 1), notify(b2, 2)], [200, 200])
    chk.eq(sorted(cmap(users.get(A1))), ["keep"], "only the active contact is left")
    chk.eq((users.get(A1) or {}).get("state"), "active", "AoR still active")
    t = users.get(T1) or {}
    chk.eq(t.get("state"), "terminated", "registration terminated keeps the AoR")
    chk.eq(t.get("contacts"), [], "terminated registration has no contacts")
    return chk.done()


def c008(reglane):
    chk = rt.Checker("008 equal-version partial is a duplicate, discarded")
    b1 = reginfo(4, "full", reg(A1, "r1", "active", contact("a", "sip:a@192.0.2.51")))
    b2 = reginfo(5, "partial", reg(A1, "r1", "active", contact("b", "sip:b@192.0.2.52")))
    b3 = reginfo(5, "partial", reg(A1, "r1", "active", contact("c", "sip:c@192.0.2.53")))
    users, _ = expect(chk, reglane, [notify(b1, 1), notify(b2, 2), notify(b3, 3)],
                      [200, 200, 200])
    chk.eq(sorted(cmap(users.get(A1))), ["a", "b"], "contact c of the duplicate not applied")
    chk.eq((users.get(A1) or {}).get("version"), 5, "version")
    return chk.done()


def c011(reglane):
    chk = rt.Checker("011 terminated;reason=deactivated with terminated registration, then 481")
    b1 = reginfo(0, "full", reg(A1, "r1", "active", contact("c1", "sip:u@192.0.2.50")))
    b2 = reginfo(1, "full", reg(A1, "r1", "terminated",
                                contact("c1", "sip:u@192.0.2.50", "terminated", "deactivated",
                                        "")))
    b3 = reginfo(2, "full", reg(A1, "r1", "active", contact("c2", "sip:v@192.0.2.51")))
    users, _ = expect(chk, reglane, [notify(b1, 1), notify(b2, 2, substate=
                                                         "terminated;reason=deactivated"),
                                     notify(b3, 3)], [200, 200, 481])
    u = users.get(A1) or {}
    chk.eq(u.get("state"), "terminated", "registration state")
    chk.eq(u.get("contacts"), [], "no contacts")
    chk.eq(u.get("subscription"), {"state": "terminated", "reason": "deactivated"},
           "subscription")
    return chk.done()


def c012(reglane):
    chk = rt.Checker("012 Kamailio network de-registration: subscription stays active")
    cid = "0x7f8844b9e9e0"
    uri = "sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923"
    c = contact(cid, uri, params=inst(IMEI1) + up("+g.3gpp.smsip"), attrs=' expires="600000"')
    b1 = reginfo(2, "full", reg(T1, "0x7f8844b8f5a8", "active", c) +
                 reg(A1, "0x7f8844b8f6c0", "active", c))
    ct = contact(cid, uri, "terminated", "deactivated", ' expires="0"')
    b2 = reginfo(3, "full", reg(T1, "0x7f8844b8f5a8", "terminated", ct) +
                 reg(A1, "0x7f8844b8f6c0", "terminated", ct))
    users, _ = expect(chk, reglane, [notify(b1, 1, substate="active;expires=600000"),
                                     notify(b2, 2, substate="active;expires=3581")],
                      [200, 200])
    for aor in (T1, A1):
        u = users.get(aor) or {}
        chk.eq(u.get("state"), "terminated", "%s state" % aor)
        chk.eq(u.get("contacts"), [], "%s contacts" % aor)
        chk.eq((u.get("subscription") or {}).get("state"), "active", "%s subscription" % aor)
    return chk.done()


def c031(reglane):
    chk = rt.Checker("031 terminated;reason=timeout body applied; init registration")
    b1 = reginfo(0, "full", reg(A1, "r1", "active", contact("c1", "sip:u@192.0.2.50")) +
                 reg(T1, "r2", "active", contact("c9", "sip:w@192.0.2.59")))
    b2 = reginfo(1, "partial", reg(A1, "r1", "active",
                                   contact("c1", "sip:u@192.0.2.50", "active", "refreshed",
                                           ' expires="1800"')) +
                 reg(T1, "r2", "init"))
    users, _ = expect(chk, reglane, [notify(b1, 1),
                                     notify(b2, 2, substate="terminated;reason=timeout")],
                      [200, 200])
    u = users.get(A1) or {}
    chk.eq(u.get("state"), "active", "body of the final NOTIFY applied")
    chk.eq((cmap(u).get("c1") or {}).get("event"), "refreshed", "contact refreshed")
    chk.eq(u.get("subscription"), {"state": "terminated", "reason": "timeout"}, "subscription")
    t = users.get(T1) or {}
    chk.eq(t.get("state"), "init", "init registration kept")
    chk.eq(t.get("contacts"), [], "init registration has no contacts")
    return chk.done()


def c014(reglane):
    chk = rt.Checker("014 each dialog has its own version counter")
    b1 = reginfo(7, "full", reg(A1, "r1", "active", contact("a", "sip:a@192.0.2.51")))
    b2 = reginfo(0, "full", reg(T1, "r2", "active", contact("t", "sip:t@192.0.2.52")))
    b3 = reginfo(8, "partial", reg(A1, "r1", "active", contact("b", "sip:b@192.0.2.53")))
    b4 = reginfo(1, "partial", reg(T1, "r2", "active", contact("u", "sip:u@192.0.2.54")))
    d2 = dict(callid="regsub-rb2@as.ims.example.net", ftag="scscf-rb2", ttag="as-rb2")
    users, _ = expect(chk, reglane, [notify(b1, 1), notify(b2, 1, **d2), notify(b3, 2),
                                     notify(b4, 2, **d2)], [200] * 4)
    chk.eq(sorted(cmap(users.get(A1))), ["a", "b"], "dialog 1 contacts")
    chk.eq(sorted(cmap(users.get(T1))), ["t", "u"], "dialog 2 contacts (version 0 applied)")
    chk.eq((users.get(A1) or {}).get("version"), 8, "dialog 1 version")
    chk.eq((users.get(T1) or {}).get("version"), 1, "dialog 2 version")
    return chk.done()


def c016(reglane):
    chk = rt.Checker("016 version gap applied + refresh flag, reordered lower CSeq -> 500")
    b1 = reginfo(1, "full", reg(A1, "r1", "active", contact("a", "sip:a@192.0.2.51")))
    b3 = reginfo(3, "partial", reg(A1, "r1", "active", contact("c", "sip:c@192.0.2.53")))
    b2 = reginfo(2, "partial", reg(A1, "r1", "active", contact("b", "sip:b@192.0.2.52")))
    users, _ = expect(chk, reglane, [notify(b1, 10), notify(b3, 12), notify(b2, 11)],
                      [200, 200, 500])
    u = users.get(A1) or {}
    chk.eq(sorted(cmap(u)), ["a", "c"], "contacts")
    chk.eq(u.get("version"), 3, "version")
    chk.eq(u.get("refresh_needed"), True, "refresh_needed")
    return chk.done()


def c021(reglane):
    chk = rt.Checker("021 TS 34.229 A.1.6: tel URI reuses the GRUU of PublicUserIdentity1")
    pub = "sip:user1_public1@home1.net;gr=%s" % IMEI1
    tmp = "sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@home1.net;gr"
    uri = "sip:[5555::aaa:bbb:ccc:ddd]:1357;comp=sigcomp"
    g = ('   <gr:pub-gruu uri="%s"/>\n   <gr:temp-gruu uri="%s" first-cseq="1"/>\n'
         % (pub, tmp))
    c = contact("1", uri, attrs=' expires="600000"',
                params=up("+sip.instance", '"&lt;%s&gt;"' % IMEI1) + up("+g.3gpp.smsip") + g)
    b = reginfo(0, "full", reg("sip:user1_public1@home1.net", "a7", "active", c) +
                reg("tel:+358504821437", "a8", "active", c.replace('id="1"', 'id="2"')),
                ns=' xmlns:gr="urn:ietf:params:xml:ns:gruuinfo"',
                decl='<?xml version="1.0"?>\r\n')
    users, _ = expect(chk, reglane, [notify(b)], [200])
    for aor, cid in (("sip:user1_public1@home1.net", "1"), ("tel:+358504821437", "2")):
        c = cmap(users.get(aor)).get(cid) or {}
        chk.eq(c.get("uri"), uri, "%s uri (IPv6, case 022)" % aor)
        chk.eq(c.get("pub_gruu"), pub, "%s pub_gruu" % aor)
        chk.eq(c.get("temp_gruu"), tmp, "%s temp_gruu" % aor)
        chk.eq(c.get("temp_gruu_first_cseq"), 1, "%s first-cseq" % aor)
        chk.eq(c.get("instance"), IMEI1, "%s instance" % aor)
        chk.eq(c.get("role"), "primary", "%s role" % aor)
    return chk.done()


def c022(reglane):
    chk = rt.Checker("022 IPv6 contact URI accepted (no XSD validation)")
    uri = "sip:[5555::aaa:bbb:ccc:ddd]"
    b = reginfo(0, "full", reg(A1, "r1", "active", contact("c1", uri)))
    users, _ = expect(chk, reglane, [notify(b)], [200])
    chk.eq((cmap(users.get(A1)).get("c1") or {}).get("uri"), uri, "uri")
    return chk.done()


def c023(reglane):
    chk = rt.Checker("023 ZTE: id last, same contact id in sip: and tel:, unused eri ns")
    aor_s = "sip:+12025550123@ims.mnc001.mcc001.3gppnetwork.org"
    aor_t = "tel:+12025550123"
    uri = "sip:+12025550123@[2001:db8:6::23]:5060"

    def zc(ev):
        return ('<contact state="active" event="%s" expires="600000" id="1">\r\n'
                '<uri>%s</uri>\r\n'
                '<unknown-param name="+sip.instance">"&lt;%s&gt;"</unknown-param>\r\n'
                '<unknown-param name="+g.3gpp.smsip"></unknown-param>\r\n'
                '</contact>\r\n' % (ev, uri, IMEI2))
    b = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
         '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" '
         'xmlns:eri="urn:3gpp:ns:extRegInfo:1.0" state="full" version="0">\r\n'
         '<registration state="active" aor="%s" id="1001">\r\n%s</registration>\r\n'
         '<registration state="active" aor="%s" id="1002">\r\n%s</registration>\r\n'
         '</reginfo>\r\n' % (aor_s, zc("registered"), aor_t, zc("created")))
    zte = notify(b, substate="active;expires=600000",
                 extra=["Content-Disposition: session", "Accept: application/reginfo+xml"])
    users, _ = expect(chk, reglane, [zte], [200])
    for aor, ev, rid in ((aor_s, "registered", "1001"), (aor_t, "created", "1002")):
        u = users.get(aor) or {}
        chk.eq(u.get("registration_id"), rid, "%s registration id" % aor)
        c = cmap(u).get("1") or {}
        chk.eq((c.get("uri"), c.get("event"), c.get("instance"), c.get("role")),
               (uri, ev, IMEI2, "primary"), "%s contact 1" % aor)
    return chk.done()


def c025(reglane):
    chk = rt.Checker("025 Kamailio explicit de-registration with fake contact 0x1 q=0.000")
    cid = "0x7f8844b9e9e0"
    uri = "sip:40e02947-53d8-48c3-a1b2-eca3dd2635fd@192.168.4.6:42923"
    c = contact(cid, uri, params=inst(IMEI1) + up("+g.3gpp.smsip"), attrs=' expires="600000"')
    b1 = reginfo(2, "full", reg(A1, "0x7f8844b8f6c0", "active", c))
    fake = ('  <contact id="0x1" state="terminated" event="unregistered" expires="0" '
            'q="0.000">\n   <uri>%s</uri>\n  </contact>\n' % uri)
    b2 = reginfo(3, "full", reg(A1, "0x7f8844b8f6c0", "terminated",
                                contact(cid, uri, "terminated", "unregistered",
                                        ' expires="0"') + fake))
    fake_active = fake.replace('state="terminated" event="unregistered"',
                               'state="active" event="registered"')
    b3 = reginfo(4, "partial", reg(A1, "0x7f8844b8f6c0", "terminated", fake_active))
    users, _ = expect(chk, reglane, [notify(b1, 1), notify(b2, 2), notify(b3, 3)],
                      [200, 200, 200])
    u = users.get(A1) or {}
    chk.eq(u.get("state"), "terminated", "state")
    chk.eq(u.get("contacts"), [], "no contacts (fake 0x1 not kept)")
    return chk.done()


def c026(reglane):
    chk = rt.Checker("026 pua_reginfo extra unqualified attributes ignored")
    b = ('<?xml version="1.0"?>\n<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" '
         'version="0" state="full">\n'
         '  <registration aor="%s" id="0x7f2a1c0" state="active">\n'
         '    <contact id="0x7f2a1d8" state="active" event="registered" expires="3600" '
         'received="sip:203.0.113.7:5060" path="&lt;sip:pcscf.ims.example.net;lr&gt;" '
         'user_agent="Jitsi 2.10" callid="abc@1.2.3.4" cseq="42">\n'
         '      <uri>sip:u@203.0.113.7:5060</uri>\n'
         '    </contact>\n  </registration>\n</reginfo>\n' % A1)
    users, _ = expect(chk, reglane, [notify(b)], [200])
    c = cmap(users.get(A1)).get("0x7f2a1d8") or {}
    chk.eq((c.get("uri"), c.get("callid"), c.get("cseq"), c.get("expires")),
           ("sip:u@203.0.113.7:5060", "abc@1.2.3.4", 42, 3600), "contact fields")
    return chk.done()


def c027(reglane):
    chk = rt.Checker("027 smsip without instance is primary; q/expires not features")
    c1 = contact("0x55a0", "sip:+12025550150@192.0.2.70:5060",
                 params=up("q", "0.5") + up("expires", "3600") + up("+g.3gpp.smsip") +
                 up("+g.3gpp.icsi-ref", '"%s"' % ICSI_MMTEL))
    c2 = contact("0x55b0", "sip:pc@192.0.2.71:5060",
                 params=inst(UUID1) + up("+g.3gpp.icsi-ref", '"%s"' % ICSI_MSG))
    b = reginfo(2, "full", reg(A1, "0x5500", "active", c1 + c2))
    users, _ = expect(chk, reglane, [notify(b)], [200])
    m = cmap(users.get(A1))
    a, p = m.get("0x55a0") or {}, m.get("0x55b0") or {}
    chk.eq(a.get("features"), {"+g.3gpp.smsip": "",
                               "+g.3gpp.icsi-ref": "urn:urn-7:3gpp-service.ims.icsi.mmtel"},
           "features without q/expires")
    chk.eq((a.get("q"), a.get("instance"), a.get("role")), (None, None, "primary"),
           "phone without instance")
    chk.eq(p.get("role"), "secondary", "uuid client")
    return chk.done()


def c028(reglane):
    chk = rt.Checker("028 printf-garbled ICSI ignored")
    bad = '"urn0X0.0041FB74E7B54P-1022urn-70X0.0041FB74E7B54P-10223gpp-service.ims.icsi.mmtel"'
    c = contact("0x7f01", "sip:g@192.0.2.72:5060",
                params=inst(UUID2) + up("+g.3gpp.icsi-ref", bad))
    b = reginfo(2, "full", reg(A1, "0x7e00", "active", c))
    users, _ = expect(chk, reglane, [notify(b)], [200])
    c = cmap(users.get(A1)).get("0x7f01") or {}
    chk.eq(c.get("state"), "active", "contact kept")
    chk.eq(c.get("services"), [], "no capability from a garbled ICSI")
    chk.eq(c.get("role"), "secondary", "role")
    return chk.done()


def clearwater_body(version, contacts_by_aor, ere_decl=False):
    ns = ' xmlns:gr="urn:ietf:params:xml:ns:gruuinfo"'
    if ere_decl:
        ns += ' xmlns:ere="urn:3gpp:ns:extRegExp:1.0"'
    regs = ""
    for aor, (cs, wild) in contacts_by_aor.items():
        extra = ("  <ere:wildcardedIdentity>%s</ere:wildcardedIdentity>\n" % wild) if wild else ""
        regs += reg(aor, "as-rb1", "active", cs, extra)
    return reginfo(version, "full", regs, ns=ns)


def cw_contact(uuid, aor_user, value_quote='"', extra_params=""):
    cid = "&lt;%s&gt;" % uuid
    pub = "sip:%s@gdr.clearwater.test;gr=%s" % (aor_user, uuid)
    q = value_quote
    return ('  <contact id="%s" state="active" event="registered" expires="300">\n'
            '   <uri>sip:%s@10.8.8.1:5060;transport=tcp;ob</uri>\n'
            '   <unknown-param name="+g.3gpp.icsi-ref">%surn%%3Aurn-7%%3A3gpp-service.ims.icsi.'
            'oma.cpm.msg%s</unknown-param>\n%s'
            '   <gr:pub-gruu uri="%s"/>\n  </contact>\n'
            % (cid, aor_user, q, q, extra_params, pub))


def c029(reglane):
    chk = rt.Checker("029 Clearwater: one reg id for all IMPUs, undeclared ere:, pub-gruu gr=")
    wild = "sip:+2670000002!.*!@gdr.clearwater.test"
    aor = "sip:2670000002@gdr.clearwater.test"
    body = clearwater_body(0, {aor: (cw_contact(UUID1, "2670000002"), None),
                               "sip:wildcardimpu@wildcard":
                               (cw_contact(UUID1, "2670000002"), wild)})
    users, _ = expect(chk, reglane, [notify(body)], [200])
    for a in (aor, "sip:wildcardimpu@wildcard"):
        u = users.get(a) or {}
        chk.eq(u.get("registration_id"), "as-rb1", "%s registration id" % a)
        chk.eq(u.get("wildcarded_identity"), None, "%s undeclared ere: ignored" % a)
        c = cmap(u).get("<%s>" % UUID1) or {}
        chk.eq((c.get("instance"), c.get("instance_source")), (UUID1, "pub-gruu"),
               "%s instance from gr=" % a)
    return chk.done()


def c030(reglane):
    chk = rt.Checker("030 Clearwater version 0 full always applied; &quot; vs literal quotes")
    wild = "sip:+2670000002!.*!@gdr.clearwater.test"
    aor = "sip:2670000002@gdr.clearwater.test"
    b1 = clearwater_body(0, {aor: (cw_contact(UUID1, "2670000002"), None)}, True)
    b2 = clearwater_body(0, {aor: (cw_contact(UUID2, "2670000002", "&quot;"), None),
                             "sip:wildcardimpu@wildcard":
                             (cw_contact(UUID2, "2670000002"), wild)}, True)
    users, _ = expect(chk, reglane, [notify(b1, 1), notify(b2, 2)], [200, 200])
    u = users.get(aor) or {}
    chk.eq(sorted(cmap(u)), ["<%s>" % UUID2], "second version-0 full replaced the first")
    w = cmap(users.get("sip:wildcardimpu@wildcard"))
    f1 = (cmap(u).get("<%s>" % UUID2) or {}).get("features")
    f2 = (w.get("<%s>" % UUID2) or {}).get("features")
    want = {"+g.3gpp.icsi-ref": "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg"}
    chk.eq(f1, want, "&quot;-quoted value")
    chk.eq(f2, want, "literal-quoted value")
    chk.eq((users.get("sip:wildcardimpu@wildcard") or {}).get("wildcarded_identity"), wild,
           "wildcarded identity")
    return chk.done()


def c033(reglane):
    chk = rt.Checker("033 UTF-8 display name copied byte for byte")
    name = "J\u00fcrgen M\u00fcller \u5c71\u7530 \U0001F4F1"
    c = ('  <contact id="c1" state="active" event="registered" expires="3600">\n'
         '   <uri>sip:u@192.0.2.50</uri>\n'
         '   <display-name xml:lang="de">%s</display-name>\n  </contact>\n' % name)
    b = reginfo(0, "full", reg(A1, "r1", "active", c))
    frm = '"%s" <sip:+12025550150@ims.example.net>' % name
    msg = notify(b, frm=frm)
    users, dgs = expect(chk, reglane, [msg], [200])
    chk.eq((cmap(users.get(A1)).get("c1") or {}).get("display_name"), name, "display_name")
    if dgs:
        want = ("From: %s;tag=scscf-rb1\r\n" % frm).encode("utf-8")
        chk.check(want in dgs[0].payload, "From copied byte for byte")
    return chk.done()


def big_case(reglane, name, n_regs, n_contacts, foreign, src=SRC, lean=False):
    chk = rt.Checker(name)
    regs = ""
    for r in range(n_regs):
        cs = ""
        for k in range(n_contacts):
            attrs = ' expires="600000" duration-registered="%d"' % (100 + k)
            if foreign:
                attrs += ' xmlns:v="urn:vendor:x" v:tracking="t%d-%d" received="10.0.0.%d"' % (
                    r, k, k)
            params = "" if lean else (inst("urn:uuid:00000000-0000-4000-8000-%012d" % k) +
                                      up("+g.3gpp.icsi-ref", '"%s"' % ICSI_MSG) + up("video"))
            cs += contact("0x7f88%04x%02x" % (r, k), "sip:d%d@10.1.%d.%d:5060" % (k, r % 250, k),
                          attrs=attrs, params=params)
        aor = ("sip:+1202555%04d@ims.example.net" % r) if r % 2 == 0 else (
            "tel:+1202555%04d" % r)
        regs += reg(aor, "0x7f8800%04x" % r, "active", cs)
    b = reginfo(2, "full", regs)
    msg = notify(b, substate="active;expires=600000")
    chk.check(len(msg) > 1500, "datagram larger than an MTU (%d bytes)" % len(msg))
    users, _ = expect(chk, reglane, [msg], [200], src)
    chk.eq(len(users), n_regs, "every registration stored")
    n = sum(len(u.get("contacts", [])) for u in users.values())
    chk.eq(n, n_regs * n_contacts, "every contact stored")
    print("     %s: %d bytes" % (name, len(msg)))
    return chk.done()


def c034(reglane):
    return big_case(reglane, "034 26.6 KB IP-fragmented NOTIFY", 12, 5, False)


def c061(reglane):
    return big_case(reglane, "061 41 KB IP-fragmented NOTIFY with foreign attributes",
                    14, 6, True)


def c061v6(reglane):
    return big_case(reglane, "061 over IPv6 (fragment headers)", 14, 6, True,
                    src="2001:db8::20")


def many_regs(reglane):
    # More registrations than the first per-document default (64) allowed:
    # a large implicit registration set within the 64 KiB body limit.
    return big_case(reglane, "IRS of 90 IMPUs in one NOTIFY", 90, 1, False)


def many_contacts(reglane):
    # More contacts than the first per-document default (256) allowed.
    return big_case(reglane, "300 contacts in one registration", 1, 300, False, lean=True)


def c035(reglane):
    chk = rt.Checker("035 RCS second stack (urn:uuid, no smsip) is secondary")
    c1 = contact("1", "sip:+12025550150@192.0.2.80:5060",
                 params=inst(IMEI1) + up("+g.3gpp.smsip") +
                 up("+g.3gpp.icsi-ref", '"%s"' % ICSI_MMTEL))
    c2 = contact("2", "sip:+12025550150@192.0.2.80:5062",
                 params=inst(UUID1) + up("+g.3gpp.icsi-ref", '"%s"' % ICSI_MSG) +
                 up("+g.3gpp.iari-ref",
                    '"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp"'))
    b = reginfo(0, "full", reg(A1, "r1", "active", c1 + c2))
    users, _ = expect(chk, reglane, [notify(b)], [200])
    m = cmap(users.get(A1))
    chk.eq([(m.get(k) or {}).get("role") for k in ("1", "2")], ["primary", "secondary"], "roles")
    return chk.done()


def xml_cases(reglane):
    """059, 060, 063, 064, 065, 067, 068, 077, 078: one run, one step each."""
    chk = rt.Checker("XML robustness 059/060/063/064/065/067/068/077/078")
    steps = []   # (name, body bytes, status)
    ok_c = contact("c1", "sip:u@192.0.2.50")

    def aor(i):
        return "sip:+1202555%04d@x.example.net" % i

    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE reginfo [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full">\n'
           '<registration aor="%s" id="r" state="active"><contact id="c" state="active" '
           'event="registered"><uri>&x;</uri></contact></registration></reginfo>\n' % aor(1))
    steps.append(("059 XXE", xxe, 400))

    def deep(depth):
        inner = "<v:e>" * (depth - 3) + "</v:e>" * (depth - 3)
        c = ('<contact id="c" state="active" event="registered"><uri>sip:d@192.0.2.9</uri>'
             '%s</contact>' % inner)
        return reginfo(0, "full", reg(aor(2 + depth), "r", "active", c),
                       ns=' xmlns:v="urn:vendor:x"')
    steps.append(("060 depth 33", deep(33), 400))
    steps.append(("060 depth 32", deep(32), 200))
    b063 = ('<!-- no declaration -->\n<?vendor-pi x?>\n<reginfo xmlns="urn:ietf:params:xml:ns:'
            'reginfo" version="0" state="full"><!-- c --><registration aor="%s" id="r" '
            'state="active"><contact id="c" state="active" event="registered">'
            '<uri>\n\t  <![CDATA[sip:cd@192.0.2.63]]>  \n</uri><?pi?></contact>'
            '</registration></reginfo>' % aor(63))
    steps.append(("063 comments/PIs/CDATA/whitespace", b063, 200))
    steps.append(("064 wrong root namespace",
                  reginfo(0, "full", reg(aor(64), "r", "active", ok_c)).replace(
                      "urn:ietf:params:xml:ns:reginfo", "urn:ietf:params:xml:ns:reginfo2"), 400))
    b065 = reginfo(0, "full", reg(aor(65), "r", "active",
                                  '  <contact id="c" state="active" event="registered" '
                                  'f:state="terminated">\n'
                                  '   <f:uri>sip:fake@192.0.2.99</f:uri>\n'
                                  '   <uri>sip:real@192.0.2.65</uri>\n'
                                  '   <f:unknown-param name="+g.3gpp.smsip"/>\n'
                                  '  </contact>\n'
                                  '  <f:contact id="x" state="active" event="registered">'
                                  '<f:uri>sip:x@192.0.2.98</f:uri></f:contact>\n') +
                   '<f:registration aor="%s" id="f" state="active"/>\n' % aor(165),
                   ns=' xmlns:f="urn:vendor:lookalike"')
    steps.append(("065 look-alikes", b065, 200))
    base = reginfo(0, "full", reg(aor(67), "r", "active", ok_c))
    steps.append(("067 version missing", base.replace(' version="0"', ""), 400))
    steps.append(("067 version non-numeric", base.replace('version="0"', 'version="x1"'), 400))
    steps.append(("067 version 2^32", base.replace('version="0"', 'version="4294967296"'), 400))
    steps.append(("067 version negative", base.replace('version="0"', 'version="-1"'), 400))
    steps.append(("067 state invalid", base.replace('state="full"', 'state="Full"'), 400))
    steps.append(("067 version 2^32-1", base.replace(aor(67), aor(167)).replace(
        'version="0"', 'version="4294967295"'), 200))
    bad_nums = [' expires="abc"', ' expires="-1"', ' expires="18446744073709551616"',
                ' duration-registered="1e3"', ' cseq="12x"', ' retry-after=" "',
                ' expires=""']
    cs = contact("good", "sip:g@192.0.2.68")
    for i, a in enumerate(bad_nums):
        cs += contact("bad%d" % i, "sip:b%d@192.0.2.68" % i, attrs=a)
    steps.append(("068 invalid numbers", reginfo(0, "full", reg(aor(68), "r", "active", cs)),
                  200))
    latin = reginfo(0, "full", reg(aor(77), "r", "active",
                                   '  <contact id="c" state="active" event="registered">\n'
                                   '   <uri>sip:l@192.0.2.77</uri>\n'
                                   '   <display-name>J\u00fcrgen \u00c5se</display-name>\n'
                                   '  </contact>\n'),
                    decl='<?xml version="1.0" encoding="ISO-8859-1"?>\n').encode("latin-1")
    steps.append(("077 ISO-8859-1", latin, 200))
    steps.append(("078 UTF-8 BOM", b"\xef\xbb\xbf" + reginfo(0, "full", reg(
        aor(78), "r", "active", ok_c)).encode(), 200))

    msgs = [notify(b, 1, callid="xml-%d@as" % i, ftag="f%d" % i, ttag="t%d" % i)
            for i, (_, b, _) in enumerate(steps)]
    st, users, _ = run(reglane, msgs)
    for i, (name, _, want) in enumerate(steps):
        chk.eq(st[i] if i < len(st) else None, want, "%s: status" % name)
    stored = sorted(users)
    for i in (1, 2 + 33, 64, 67):
        chk.check(aor(i) not in users, "%s stored from a rejected document" % aor(i))
    chk.check(aor(2 + 32) in users, "depth 32 stored (have %s)" % stored)
    chk.eq((cmap(users.get(aor(63))).get("c") or {}).get("uri"), "sip:cd@192.0.2.63",
           "063 uri trimmed")
    u = users.get(aor(65)) or {}
    chk.eq(sorted(cmap(u)), ["c"], "065 only the real contact")
    c = cmap(u).get("c") or {}
    chk.eq((c.get("uri"), c.get("state"), c.get("features")),
           ("sip:real@192.0.2.65", "active", {}), "065 contact")
    chk.check(aor(165) not in users, "065 foreign registration ignored")
    chk.eq((users.get(aor(167)) or {}).get("version"), 4294967295, "067 2^32-1 version")
    chk.eq(sorted(cmap(users.get(aor(68)))), ["good"], "068 only the valid contact")
    chk.eq((cmap(users.get(aor(77))).get("c") or {}).get("display_name"), "J\u00fcrgen \u00c5se",
           "077 transcoded")
    chk.eq(sorted(cmap(users.get(aor(78)))), ["c1"], "078 applied")
    return chk.done()


def api_suitability(reglane, frames, aor, request):
    """Replay @frames into a serving reglane, then GET the suitability of @aor."""
    work = tempfile.mkdtemp(prefix="rgl-rb-api-")
    inp = os.path.join(work, "in.pcap")
    rt.write_pcap(inp, frames)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    prefix = "rglrb%d" % os.getpid()
    vdev = "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, os.path.join(work, "out.pcap"))
    cmd = reglane.eal(prefix, ["--vdev", vdev]) + [
        "--", "--keep-serving", "--http", "127.0.0.1:%d" % port, "--http-token", "rb-token"]
    cmd += rt.DEFAULT_APP
    base = "http://127.0.0.1:%d" % port
    errf = open(os.path.join(work, "err"), "w+")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf)

    def get(path):
        req = urllib.request.Request(base + path,
                                     headers={"Authorization": "Bearer rb-token"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, None
        except (urllib.error.URLError, OSError, ValueError):
            return 0, None
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            st, js = get("/v1/ready")
            if st == 200 and js and js.get("drained"):
                break
            time.sleep(0.1)
        return get("/v1/users/%s/suitability?request=%s"
                   % (urllib.parse.quote(aor, safe=""), request))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errf.seek(0)
        rt.check_sanitizers(errf.read())
        errf.close()
        rt.remove_runtime_dir(prefix)
        shutil.rmtree(work, ignore_errors=True)


def c081(reglane):
    chk = rt.Checker("081 sos contact stored, never suitable")
    c1 = contact("e1", "sip:+12025550150@192.0.2.81:5060;sos",
                 params=inst(IMEI1) + up("+g.3gpp.smsip") +
                 up("+g.3gpp.icsi-ref", '"%s"' % ICSI_MSG))
    c2 = contact("n1", "sip:+12025550150@192.0.2.82:5060",
                 params=inst(UUID1) + up("+g.3gpp.icsi-ref", '"%s"' % ICSI_MSG))
    b = reginfo(0, "full", reg(A1, "r1", "active", c1 + c2))
    users, _ = expect(chk, reglane, [notify(b)], [200])
    m = cmap(users.get(A1))
    chk.eq((m.get("e1") or {}).get("state"), "active", "sos contact stored")
    st, ans = api_suitability(reglane, rt.udp_frames(SRC, 5060, notify(b)), A1, "pager")
    chk.eq(st, 200, "suitability status")
    got = {c.get("id"): c.get("suitable") for c in (ans or {}).get("clients", [])}
    chk.eq(got, {"e1": False, "n1": True}, "pager suitability (sos never a candidate)")
    return chk.done()


def roles(reglane):
    chk = rt.Checker("roles (section 7): hint count, duration-registered, contact id, IRS")
    ph = inst(IMEI1) + up("+g.3gpp.smsip")
    # two equally hinted phones: the more recent registration wins
    r1 = reg("sip:+12025550161@r.example.net", "r1", "active",
             contact("a", "sip:a@192.0.2.1", attrs=' duration-registered="500"', params=ph) +
             contact("b", "sip:b@192.0.2.2", attrs=' duration-registered="50"',
                     params=inst(IMEI2) + up("+g.3gpp.smsip")))
    # equal hints and age: lowest contact id
    r2 = reg("sip:+12025550162@r.example.net", "r2", "active",
             contact("9", "sip:n@192.0.2.3", attrs="", params=up("+g.3gpp.smsip")) +
             contact("10", "sip:m@192.0.2.4", attrs="", params=up("+g.3gpp.smsip")))
    # more hints beat recency
    r3 = reg("sip:+12025550163@r.example.net", "r3", "active",
             contact("x", "sip:x@192.0.2.5", attrs=' duration-registered="9000"', params=ph) +
             contact("y", "sip:y@192.0.2.6", attrs=' duration-registered="1"',
                     params=up("+g.3gpp.smsip")) +
             contact("z", "sip:z@192.0.2.7", attrs=' duration-registered="0"',
                     params=inst(UUID1)))
    msgs = [notify(reginfo(0, "full", r), 1, callid="role-%d@as" % i, ftag="f%d" % i,
                   ttag="t%d" % i) for i, r in enumerate((r1, r2, r3))]
    # the same device under several AoRs of one set gets the same role
    dev_a = contact("p", "sip:p@192.0.2.8", attrs=' duration-registered="400"', params=ph)
    dev_b = contact("q", "sip:q@192.0.2.9", attrs=' duration-registered="40"',
                    params=inst(IMEI2) + up("+g.3gpp.smsip"))
    irs = reg("sip:+12025550164@r.example.net", "s1", "active", dev_a + dev_b) + \
        reg("tel:+12025550164", "s2", "active", dev_a)
    msgs.append(notify(reginfo(0, "full", irs), 1, callid="role-irs@as", ftag="fi", ttag="ti"))
    st, users, _ = run(reglane, msgs)
    chk.eq(st, [200] * 4, "answers")

    def roles_of(aor):
        return {k: v.get("role") for k, v in cmap(users.get(aor)).items()}
    chk.eq(roles_of("sip:+12025550161@r.example.net"), {"a": "secondary", "b": "primary"},
           "smallest duration-registered")
    chk.eq(roles_of("sip:+12025550162@r.example.net"), {"9": "primary", "10": "secondary"},
           "lowest contact id")
    chk.eq(roles_of("sip:+12025550163@r.example.net"),
           {"x": "primary", "y": "secondary", "z": "secondary"}, "more hints win")
    sip_r, tel_r = roles_of("sip:+12025550164@r.example.net"), roles_of("tel:+12025550164")
    chk.eq(sip_r, {"p": "secondary", "q": "primary"}, "IRS sip: roles")
    chk.eq(tel_r, {"p": "secondary"}, "IRS tel: same device same role")
    return chk.done()


CASES = [c003, c006, c008, c011, c012, c031, c014, c016, c021, c022, c023, c025, c026, c027,
         c028, c029, c030, c033, c034, c061, c061v6, many_regs, many_contacts, c035, xml_cases,
         c081, roles]


def main():
    args = rt.arg_parser(__doc__).parse_args()
    reglane = rt.Reglane(args.reglane)
    ok = True
    for fn in CASES:
        ok &= rt.scenario(fn.__name__, fn, reglane)
    print("%d rulebook scenarios, %s" % (len(CASES), "all passed" if ok else "FAILURES above"))
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
