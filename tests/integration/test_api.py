#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The control API through the real binary, with curl as the client.

Each scenario replays a capture through reglane (net_pcap vdev) with
--keep-serving, waits until /v1/ready reports the input drained, then talks
HTTP to the control thread with curl:

1. every route and every error (401, 404, 405, 400, 413, 415, 422), each
   error a JSON body; HEAD; percent-encoded and tel/sip-equivalent AoRs;
2. the suitability matrix of seed section 6.6: a phone, a tablet and a PC
   of one user with different feature tags, every request type, plain and
   interworked, under an operator policy that denies file transfer to
   Secondary Devices and a user preference that blocks the PC;
3. preferences survive a restart (and a deletion does too);
4. reloads (POST /v1/policy/reload and SIGHUP): an invalid policy or
   configuration changes nothing; a valid one takes effect; the token is
   reloaded; role hints are reported as needing a restart;
5. the bearer token on every route;
6. DPDK telemetry through dpdk-telemetry.py (/reglane/stats, info, user);
7. the expiry sweeper: contacts with a short expiry disappear, and a
   registration left empty with them;
8. hostile clients (garbage, oversized headers, idle connections) while the
   dataplane replays a capture in a loop: the process keeps answering and
   the dataplane keeps counting packets.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import rgltest as rt

AOR = "sip:+12025550101@ims.example.net"
TEL = "tel:+12025550101"
SIP_PHONE = "sip:+12025550101@ims.example.net;user=phone"
PHONE, TABLET, PC = "980", "981", "982"        # contact ids under AOR
TPHONE, TTABLET, TPC = "983", "984", "985"     # the same devices under TEL
TABLET_INSTANCE = "urn:uuid:2f4a7c1e-8d3b-4e55-9a0c-6b1d2e3f4a5b"
PC_INSTANCE = "urn:uuid:c0ffee00-1d2c-4b3a-8e9f-0a1b2c3d4e5f"
TOKEN = "integ-T0ken"

POLICY_NO_FT = {"rules": [{"request": "file-transfer", "role": "secondary",
                           "action": "deny", "comment": "no FT to secondary devices"}]}
PREFS_BLOCK_PC = {"rules": [{"instance": PC_INSTANCE, "action": "deny",
                             "comment": "my PC is for work"}]}

# Seed 6.6 with POLICY_NO_FT and PREFS_BLOCK_PC: the reasons each client is
# not suitable ("" = suitable), as (phone, tablet, PC). Phone: IMEI, smsip,
# every CPM ICSI; tablet: msg, largemsg, session, filetransfer; PC: session.
MATRIX = {
    "pager":         ("", "", "capability,preference"),
    "large-message": ("", "", "capability,preference"),
    "session":       ("", "", "preference"),
    "file-transfer": ("", "policy", "capability,policy,preference"),
    "deferred":      ("", "capability", "capability,preference"),
    "system":        ("", "capability", "capability,preference"),
}
# Interworked: only the Primary Device (with +g.3gpp.smsip) qualifies.
MATRIX_IW = {
    "pager":         ("", "capability,connectivity", "capability,connectivity,preference"),
    "large-message": ("", "capability,connectivity", "capability,connectivity,preference"),
    "session":       ("", "capability,connectivity", "capability,connectivity,preference"),
    "file-transfer": ("", "capability,connectivity,policy",
                      "capability,connectivity,policy,preference"),
    "deferred":      ("", "capability,connectivity", "capability,connectivity,preference"),
    "system":        ("", "capability,connectivity", "capability,connectivity,preference"),
}


def q(aor):
    """An AoR as a path segment: everything percent-encoded."""
    return urllib.parse.quote(aor, safe="")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def notify(aor, contacts, call_id, cseq=1, version=0):
    """A reg-event NOTIFY for @aor; contacts: [(id, uri, expires, [params])]."""
    cs = ""
    for cid, uri, exp, params in contacts:
        ps = "".join('<unknown-param name="%s">%s</unknown-param>' % p for p in params)
        cs += ('<contact id="%s" state="active" event="registered" expires="%d">'
               '<uri>%s</uri>%s</contact>' % (cid, exp, uri, ps))
    body = ('<?xml version="1.0"?><reginfo xmlns="urn:ietf:params:xml:ns:reginfo" '
            'version="%d" state="full"><registration aor="%s" id="r-%s" state="active">%s'
            '</registration></reginfo>' % (version, aor, call_id, cs))
    msg = ("NOTIFY sip:cpm@198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.20:5060;"
           "branch=z9hG4bK-api-%s-%d\r\nFrom: <%s>;tag=f\r\nTo: <sip:cpm@as.ims.example.net>;"
           "tag=t\r\nCall-ID: %s\r\nCSeq: %d NOTIFY\r\nEvent: reg\r\nSubscription-State: "
           "active\r\nContent-Type: application/reginfo+xml\r\nContent-Length: %d\r\n\r\n%s"
           % (re.sub(r"[^A-Za-z0-9]", "", call_id), cseq, aor, call_id, cseq,
              len(body.encode()), body))
    return msg.encode()


def corpus_frames(corpus, case="032-primary-phone-tablet-pc/request.sip"):
    with open(os.path.join(corpus, case), "rb") as f:
        return rt.udp_frames("192.0.2.20", 5060, f.read())


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        for line in self.headers.splitlines():
            k, _, v = line.partition(":")
            if k.strip().lower() == name.lower():
                return v.strip()
        return None


class Server:
    """One reglane process serving the API after replaying @frames."""

    def __init__(self, binary, work, frames, app_args=(), token=TOKEN, name="api",
                 infinite=False, wait_drained=True, pcap=None, token_on_cli=True):
        self.rg = rt.Reglane(binary)
        self.work, self.token, self.name = work, token, name
        self.token_on_cli = token_on_cli
        self.app_args = list(app_args)
        self.infinite, self.wait_drained = infinite, wait_drained
        self.inp = pcap or os.path.join(work, "%s-in.pcap" % name)
        if pcap is None:
            rt.write_pcap(self.inp, frames)
        self.proc = None
        self.port = None
        self.prefix = None
        self.out = self.err = ""

    def start(self):
        for attempt in range(3):
            self.port = free_port()
            self.prefix = "rglapi%d%s%d" % (os.getpid(), self.name, attempt)
            # A capture replayed in a loop answers ~1 Mpps: not to a file.
            outp = "/dev/null" if self.infinite else os.path.join(self.work,
                                                                 "%s-out.pcap" % self.name)
            vdev = "net_pcap0,rx_pcap=%s,tx_pcap=%s%s" % (self.inp, outp,
                                                          ",infinite_rx=1" if self.infinite
                                                          else "")
            cmd = self.rg.eal(self.prefix, ["--vdev", vdev])
            cmd += ["--", "--keep-serving", "--http", "127.0.0.1:%d" % self.port]
            if self.token and self.token_on_cli:
                cmd += ["--http-token", self.token]
            cmd += rt.DEFAULT_APP + ["--log-level", "info"] + self.app_args
            self.logo = open(os.path.join(self.work, "%s.out" % self.name), "w+")
            self.loge = open(os.path.join(self.work, "%s.err" % self.name), "w+")
            self.proc = subprocess.Popen(cmd, stdout=self.logo, stderr=self.loge, text=True)
            if self._wait_ready():
                return self
            self.stop(check=False)
            if "cannot listen" not in self.err:
                break
        raise rt.Failure("%s: reglane did not become ready\nstdout:\n%s\nstderr:\n%s"
                         % (self.name, self.out[-2000:], self.err[-2000:]))

    def _wait_ready(self):
        deadline = time.time() + 60
        while time.time() < deadline and self.proc.poll() is None:
            r = self.call("GET", "/v1/ready", timeout=2)
            if r.status == 200 and r.json and (r.json.get("drained") or not self.wait_drained):
                return True
            time.sleep(0.1)
        return False

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def call(self, method, path, body=None, token=None, ctype="application/json",
             auth=None, timeout=10, data_file=None):
        """curl @method @path; token None: the server's; auth: the whole header value."""
        hf = os.path.join(self.work, "curl.head")
        bf = os.path.join(self.work, "curl.body")
        cmd = ["curl", "-sS", "-g", "--max-time", str(timeout), "-D", hf, "-o", bf,
               "-w", "%{http_code}"]
        if method == "HEAD":
            cmd += ["-I"]
        else:
            cmd += ["-X", method]
        if auth is not None:
            cmd += ["-H", "Authorization: " + auth]
        elif token is not False and (token or self.token):
            cmd += ["-H", "Authorization: Bearer " + (token or self.token)]
        if body is not None or data_file is not None:
            if data_file is None:
                data_file = os.path.join(self.work, "curl.req")
                with open(data_file, "wb") as f:
                    f.write(body if isinstance(body, bytes) else
                            (body if isinstance(body, str) else json.dumps(body)).encode())
            cmd += ["--data-binary", "@" + data_file]
            cmd += ["-H", "Content-Type: " + ctype] if ctype else ["-H", "Content-Type:"]
        cmd += [self.url(path)]
        for f in (hf, bf):
            if os.path.exists(f):
                os.unlink(f)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        status = int(p.stdout.strip() or 0) if p.stdout.strip().isdigit() else 0
        head = open(hf).read() if os.path.exists(hf) else ""
        data = open(bf, encoding="utf-8", errors="replace").read() if os.path.exists(bf) else ""
        return Reply(status, head, data)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def kill(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, check=True):
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            if check:
                raise rt.Failure("%s: did not exit within 60 s of SIGTERM" % self.name)
        self.logo.seek(0)
        self.loge.seek(0)
        self.out, self.err = self.logo.read(), self.loge.read()
        self.logo.close()
        self.loge.close()
        rt.remove_runtime_dir(self.prefix)
        rc = self.proc.returncode
        self.proc = None
        if check:
            rt.check_sanitizers(self.err)
            if rc != 0:
                raise rt.Failure("%s: exit status %d\n%s" % (self.name, rc, self.err[-2000:]))
        return rc


def check_error(chk, r, status, code, what):
    chk.eq(r.status, status, "%s: status" % what)
    ok = r.json is not None and r.json.get("error") == code and r.json.get("status") == status \
        and isinstance(r.json.get("message"), str)
    chk.check(ok, "%s: JSON error body %r, want error %r" % (what, r.body[:300], code))
    chk.check((r.header("Content-Type") or "").startswith("application/json"),
              "%s: Content-Type %r" % (what, r.header("Content-Type")))


def reasons_of(ans, cid):
    for c in (ans or {}).get("clients", []):
        if c.get("id") == cid:
            return ",".join(c.get("reasons", [])), c.get("suitable")
    return None, None


# ---------------------------------------------------------------- scenarios


def routes_and_errors(binary, corpus, work):
    chk = rt.Checker("api: every route and every error")
    pol = os.path.join(work, "policy.json")
    with open(pol, "w") as f:
        json.dump(POLICY_NO_FT, f)
    srv = Server(binary, work, corpus_frames(corpus), name="routes",
                 app_args=["--policy", pol, "--prefs", os.path.join(work, "routes-prefs.json")])
    srv.start()
    try:
        r = srv.get("/v1")
        chk.eq(r.status, 200, "GET /v1")
        chk.check(r.json and len(r.json.get("routes", [])) >= 9, "route index: %r" % r.body[:200])
        r = srv.get("/v1/health")
        chk.eq((r.status, (r.json or {}).get("status")), (200, "ok"), "GET /v1/health")
        r = srv.call("HEAD", "/v1/health")
        chk.eq(r.status, 200, "HEAD /v1/health")
        r = srv.get("/v1/ready")
        chk.eq((r.status, (r.json or {}).get("drained")), (200, True), "GET /v1/ready")

        # A registration by any AoR of its set, encoded or not.
        r = srv.get("/v1/users/" + q(AOR))
        chk.eq(r.status, 200, "GET user (encoded sip: AoR)")
        u = r.json or {}
        chk.eq(u.get("aor"), AOR, "user aor")
        chk.eq(sorted(c["id"] for c in u.get("contacts", [])), [PHONE, TABLET, PC],
               "user contacts")
        chk.eq(sorted(u.get("implicit_set", [])), sorted([AOR, TEL]), "implicit set")
        roles = {c["id"]: c["role"] for c in u.get("contacts", [])}
        chk.eq(roles, {PHONE: "primary", TABLET: "secondary", PC: "secondary"}, "roles")
        for form in (TEL, SIP_PHONE, "tel:+1-202-555-0101"):
            r = srv.get("/v1/users/" + form)
            chk.eq(r.status, 200, "GET user as %s (unencoded)" % form)
        r = srv.get("/v1/users/" + q("sip:nobody@ims.example.net"))
        check_error(chk, r, 404, "unknown_user", "unknown user")
        r = srv.get("/v1/users/not-a-uri")
        check_error(chk, r, 400, "bad_aor", "garbage AoR")

        # Suitability, one answer.
        r = srv.get("/v1/users/%s/suitability?request=pager" % q(AOR))
        chk.eq(r.status, 200, "suitability")
        chk.eq(len((r.json or {}).get("clients", [])), 3, "suitability: every client")
        for c in (r.json or {}).get("clients", []):
            chk.check({"id", "uri", "role", "suitable", "reasons"} <= set(c),
                      "suitability client fields: %r" % c)
        r = srv.get("/v1/users/%s/suitability?request=fax" % q(AOR))
        check_error(chk, r, 400, "unknown_request_type", "unknown request type")
        r = srv.get("/v1/users/%s/suitability?request=interworked" % q(AOR))
        check_error(chk, r, 400, "unknown_request_type", "interworked as a type")
        r = srv.get("/v1/users/%s/suitability" % q(AOR))
        check_error(chk, r, 400, "missing_request", "no request type")
        r = srv.get("/v1/users/%s/suitability?request=pager&interworked=perhaps" % q(AOR))
        check_error(chk, r, 400, "bad_interworked", "bad interworked flag")
        r = srv.get("/v1/users/%s/suitability?request=pager&verbose=1" % q(AOR))
        check_error(chk, r, 400, "unknown_parameter", "unknown parameter")
        r = srv.get("/v1/users/%s/suitability?request=pager" % q("sip:x@nowhere.example"))
        check_error(chk, r, 404, "unknown_user", "suitability of an unknown user")

        # Preferences: the errors (the happy path is in the other scenarios).
        path = "/v1/users/%s/preferences" % q(TEL)
        r = srv.get(path)
        check_error(chk, r, 404, "no_preferences", "no preferences yet")
        r = srv.call("PUT", path, body='{"rules": [')
        check_error(chk, r, 400, "malformed_json", "malformed JSON")
        r = srv.call("PUT", path, body='{"rules": [{"role": "boss", "action": "deny"}]}')
        check_error(chk, r, 422, "invalid_preferences", "invalid rule")
        chk.check("rules[0].role" in (r.json or {}).get("message", ""),
                  "invalid rule message names the path: %r" % r.body[:200])
        r = srv.call("PUT", path, body="{}", ctype="text/plain")
        check_error(chk, r, 415, "unsupported_media_type", "wrong Content-Type")
        big = os.path.join(work, "big.json")
        with open(big, "w") as f:
            f.write('{"rules": [], "comment": "' + "x" * (300 * 1024) + '"}')
        r = srv.call("PUT", path, data_file=big)
        check_error(chk, r, 413, "body_too_large", "oversized body")
        r = srv.call("PUT", "/v1/users/junk/preferences", body="{}")
        check_error(chk, r, 400, "bad_aor", "preferences of a garbage AoR")
        r = srv.get(path)
        check_error(chk, r, 404, "no_preferences", "failed PUTs stored nothing")

        # Routes and methods.
        r = srv.get("/v2/users")
        check_error(chk, r, 404, "not_found", "unknown route")
        r = srv.call("POST", "/v1/stats")
        check_error(chk, r, 405, "method_not_allowed", "POST /v1/stats")
        chk.eq(r.header("Allow"), "GET, HEAD", "Allow of /v1/stats")
        r = srv.call("DELETE", "/v1/policy")
        check_error(chk, r, 405, "method_not_allowed", "DELETE /v1/policy")
        r = srv.get("/v1/policy/reload")
        check_error(chk, r, 405, "method_not_allowed", "GET /v1/policy/reload")
        chk.eq(r.header("Allow"), "POST", "Allow of /v1/policy/reload")
        r = srv.get("/v1/health", token=False)
        check_error(chk, r, 401, "unauthorized", "no token")

        # Policy, stats, metrics.
        r = srv.get("/v1/policy")
        chk.eq(r.status, 200, "GET /v1/policy")
        chk.eq((r.json or {}).get("policy"), dict(POLICY_NO_FT, default="allow"),
               "policy as loaded")
        chk.eq((r.json or {}).get("generation"), 1, "policy generation")
        r = srv.get("/v1/stats")
        chk.eq(r.status, 200, "GET /v1/stats")
        s = r.json or {}
        chk.eq(s.get("counters", {}).get("tx_200"), 1, "stats: one NOTIFY answered 200")
        chk.eq(s.get("table", {}).get("registrations"), 2, "stats: registrations")
        chk.check(s.get("http", {}).get("responses", {}).get("404", 0) >= 3,
                  "stats: 404s counted: %r" % s.get("http"))
        r = srv.get("/metrics")
        chk.eq(r.status, 200, "GET /metrics")
        chk.check((r.header("Content-Type") or "").startswith("text/plain; version=0.0.4"),
                  "metrics Content-Type %r" % r.header("Content-Type"))
        for needle in ("reglane_tx_200_total 1\n", "reglane_table_registrations 2\n",
                       'reglane_http_responses_total{code="405"} 3\n',
                       "reglane_http_request_duration_seconds_count ",
                       "# TYPE reglane_rx_pkts_total counter\n"):
            chk.check(needle in r.body, "metrics contain %r" % needle)
        chk.eq(srv.get("/v1/metrics").status, 200, "GET /v1/metrics")
    finally:
        srv.stop()
    chk.check("control API on http://127.0.0.1:%d/v1" % srv.port in srv.err,
              "start-up log names the API address")
    return chk.done()


def matrix(binary, corpus, work):
    chk = rt.Checker("api: seed 6.6 suitability matrix (policy + preference)")
    pol = os.path.join(work, "matrix-policy.json")
    with open(pol, "w") as f:
        json.dump(POLICY_NO_FT, f)
    srv = Server(binary, work, corpus_frames(corpus), name="matrix",
                 app_args=["--policy", pol, "--prefs", os.path.join(work, "matrix-prefs.json")])
    srv.start()
    try:
        r = srv.call("PUT", "/v1/users/%s/preferences" % q(TEL), body=PREFS_BLOCK_PC)
        chk.eq(r.status, 201, "PUT preference blocking the PC")
        lines = ["%-14s %-11s %-38s %-38s %s" % ("request", "interworked", "phone (primary)",
                                                "tablet (secondary)", "PC (secondary)")]
        for iw, table in ((False, MATRIX), (True, MATRIX_IW)):
            for req, want in table.items():
                for aor, ids in ((AOR, (PHONE, TABLET, PC)), (TEL, (TPHONE, TTABLET, TPC))):
                    r = srv.get("/v1/users/%s/suitability?request=%s&interworked=%s"
                                % (q(aor), req, "true" if iw else "false"))
                    chk.eq(r.status, 200, "%s %s iw=%s: status", aor, req, iw)
                    got = []
                    for cid, w in zip(ids, want):
                        reasons, suitable = reasons_of(r.json, cid)
                        got.append(reasons)
                        chk.eq(reasons, w, "%s %s iw=%s client %s: reasons", aor, req, iw, cid)
                        chk.eq(suitable, w == "", "%s %s iw=%s client %s: suitable",
                               aor, req, iw, cid)
                    chk.eq((r.json or {}).get("interworked"), iw, "interworked echoed")
                lines.append("%-14s %-11s %-38s %-38s %s" % (
                    req, "yes" if iw else "no",
                    *[("suitable" if g == "" else "no: " + (g or "?")) for g in got]))
        # The deciding rules are named.
        r = srv.get("/v1/users/%s/suitability?request=file-transfer" % q(AOR))
        tab = [c for c in (r.json or {}).get("clients", []) if c["id"] == TABLET]
        chk.check(tab and tab[0].get("policy_rule") == 0, "policy_rule of the tablet: %r" % tab)
        pc = [c for c in (r.json or {}).get("clients", []) if c["id"] == PC]
        chk.check(pc and pc[0].get("preference_rule") == 0, "preference_rule of the PC: %r" % pc)
        r = srv.get("/v1/users/%s/suitability?request=pager&interworked=true" % q(AOR))
        tab = [c for c in (r.json or {}).get("clients", []) if c["id"] == TABLET]
        chk.check(tab and tab[0].get("connectivity") == ["not-primary-device"],
                  "connectivity detail of the tablet: %r" % tab)
    finally:
        srv.stop()
    if not chk.failures:
        print("\n".join("     " + ln for ln in lines))
    return chk.done()


def prefs_restart(binary, corpus, work):
    chk = rt.Checker("api: preferences survive a restart")
    prefs = os.path.join(work, "restart-prefs.json")
    frames = corpus_frames(corpus)
    path = "/v1/users/%s/preferences" % q(SIP_PHONE)   # the tel: user, sip: spelling
    srv = Server(binary, work, frames, name="restart1", app_args=["--prefs", prefs]).start()
    try:
        r = srv.call("PUT", path, body=PREFS_BLOCK_PC)
        chk.eq(r.status, 201, "PUT")
        chk.eq((r.json or {}).get("key"), TEL, "stored under the normalized key")
        r = srv.call("PUT", path, body=dict(PREFS_BLOCK_PC, default="allow"))
        chk.eq(r.status, 200, "second PUT replaces")
    finally:
        srv.stop()
    with open(prefs) as f:
        stored = json.load(f)
    chk.eq(list(stored.get("users", {})), [TEL], "the file holds the user")
    chk.eq(oct(os.stat(prefs).st_mode & 0o777), "0o600", "file mode")
    chk.eq([n for n in os.listdir(work) if n.startswith("restart-prefs.json.")], [],
           "no temporary file left")

    srv = Server(binary, work, frames, name="restart2", app_args=["--prefs", prefs]).start()
    try:
        r = srv.get("/v1/users/%s/preferences" % q(TEL))
        chk.eq(r.status, 200, "GET after restart")
        chk.eq((r.json or {}).get("preferences"), dict(PREFS_BLOCK_PC, default="allow"),
               "same rules after restart")
        r = srv.get("/v1/users/%s/suitability?request=session" % q(AOR))
        chk.eq(reasons_of(r.json, PC)[0], "preference", "the preference applies after restart")
        chk.eq(srv.get("/v1/stats").json["preferences"]["users"], 1, "stats: users")
        r = srv.call("DELETE", path)
        chk.eq(r.status, 204, "DELETE")
        r = srv.call("DELETE", path)
        check_error(chk, r, 404, "no_preferences", "second DELETE")
    finally:
        srv.stop()
    srv = Server(binary, work, frames, name="restart3", app_args=["--prefs", prefs]).start()
    try:
        r = srv.get("/v1/users/%s/preferences" % q(TEL))
        check_error(chk, r, 404, "no_preferences", "deleted stays deleted after restart")
    finally:
        srv.stop()
    # A corrupt file refuses the start, with the file named.
    with open(prefs, "w") as f:
        f.write('{"users": {"tel:+1": {"rules": [')
    srv = Server(binary, work, frames, name="restart4", app_args=["--prefs", prefs])
    try:
        srv.start()
        chk.check(False, "started with a corrupt preference file")
        srv.stop()
    except rt.Failure:
        chk.check(prefs in srv.err, "refusal names the file: %r" % srv.err[-300:])
    return chk.done()


def reload(binary, corpus, work):
    chk = rt.Checker("api: reload (API and SIGHUP), invalid changes nothing")
    pol = os.path.join(work, "reload-policy.json")
    ini = os.path.join(work, "reload.ini")

    def write_ini(extra=""):
        with open(ini, "w") as f:
            f.write("[http]\nhttp-token = %s\npolicy = %s\n%s" % (TOKEN, pol, extra))

    with open(pol, "w") as f:
        json.dump(POLICY_NO_FT, f)
    write_ini()
    # The token comes from the file, so that a reload can change it.
    srv = Server(binary, work, corpus_frames(corpus), name="reload", token_on_cli=False,
                 app_args=["--config", ini])
    srv.start()

    def gen():
        return (srv.get("/v1/policy").json or {}).get("generation")

    def ft_tablet():
        r = srv.get("/v1/users/%s/suitability?request=file-transfer" % q(AOR))
        return reasons_of(r.json, TABLET)[0]

    def wait_reload(n_before):
        for _ in range(100):
            lr = (srv.get("/v1/policy").json or {}).get("last_reload") or {}
            if lr.get("succeeded", 0) + lr.get("failed", 0) > n_before:
                return lr
            time.sleep(0.05)
        return {}

    try:
        chk.eq((gen(), ft_tablet()), (1, "policy"), "start: generation 1, FT denied to tablet")
        # Invalid policy JSON: 422, nothing changes.
        with open(pol, "w") as f:
            f.write('{"rules": [{"request": "file-transfer", ')
        r = srv.call("POST", "/v1/policy/reload")
        check_error(chk, r, 422, "invalid_config", "reload of broken JSON")
        chk.eq((gen(), ft_tablet()), (1, "policy"), "after a rejected reload")
        # Valid JSON, invalid rule; then through SIGHUP.
        with open(pol, "w") as f:
            json.dump({"rules": [{"request": "fax", "action": "deny"}]}, f)
        r = srv.call("POST", "/v1/policy/reload")
        check_error(chk, r, 422, "invalid_config", "reload of an invalid rule")
        srv.kill(signal.SIGHUP)
        lr = wait_reload(2)
        chk.eq(lr.get("ok"), False, "SIGHUP reload of an invalid rule rejected")
        chk.eq((gen(), ft_tablet()), (1, "policy"), "after a rejected SIGHUP")
        # A valid policy with an invalid configuration file: still nothing.
        with open(pol, "w") as f:
            json.dump({"rules": []}, f)
        write_ini("bogus-key = 1\n")
        r = srv.call("POST", "/v1/policy/reload")
        check_error(chk, r, 422, "invalid_config", "reload of an invalid config file")
        chk.check("bogus-key" in (r.json or {}).get("message", ""),
                  "message names the bad key: %r" % r.body[:200])
        chk.eq((gen(), ft_tablet()), (1, "policy"), "after a rejected config")
        # Valid: allow everything, and a new token.
        with open(ini, "w") as f:
            f.write("[http]\nhttp-token = new-%s\npolicy = %s\n" % (TOKEN, pol))
        r = srv.call("POST", "/v1/policy/reload")
        chk.eq(r.status, 200, "valid reload")
        chk.eq((r.json or {}).get("generation"), 2, "generation after the reload")
        chk.eq(srv.get("/v1/policy").status, 401, "the old token is refused after the reload")
        srv.token = "new-" + TOKEN
        chk.eq((gen(), ft_tablet()), (2, ""), "new policy in effect")
        # SIGHUP with a valid change; a role hint change needs a restart.
        with open(pol, "w") as f:
            json.dump(POLICY_NO_FT, f)
        with open(ini, "a") as f:
            f.write("role-hint = +g.3gpp.smsip\n")
        srv.kill(signal.SIGHUP)
        lr = wait_reload(5)
        chk.eq(lr.get("ok"), True, "SIGHUP reload")
        p = srv.get("/v1/policy").json or {}
        chk.eq((p.get("generation"), ft_tablet()), (3, "policy"), "SIGHUP policy in effect")
        chk.eq(p.get("restart_required"), ["role-hint"], "role hints need a restart")
        chk.eq(len(p.get("role_hints", [])), 3, "the table's role hints are still shown")
        stats = srv.get("/v1/stats").json or {}
        chk.eq(stats.get("policy"), {"generation": 3, "reloads_ok": 2, "reloads_failed": 4},
               "reload counters")
    finally:
        srv.stop()
    chk.check("reload (SIGHUP) rejected" in srv.err, "a rejected SIGHUP reload is logged")
    return chk.done()


def token(binary, corpus, work):
    chk = rt.Checker("api: bearer token on every route")
    srv = Server(binary, work, corpus_frames(corpus), name="token").start()
    routes = [("GET", "/v1"), ("GET", "/v1/users/" + q(AOR)),
              ("GET", "/v1/users/%s/suitability?request=pager" % q(AOR)),
              ("GET", "/v1/users/%s/preferences" % q(TEL)),
              ("PUT", "/v1/users/%s/preferences" % q(TEL)),
              ("DELETE", "/v1/users/%s/preferences" % q(TEL)), ("GET", "/v1/policy"),
              ("POST", "/v1/policy/reload"), ("GET", "/v1/stats"), ("GET", "/v1/health"),
              ("GET", "/v1/ready"), ("GET", "/metrics"), ("GET", "/v1/metrics"),
              ("GET", "/no/such/route")]
    try:
        for method, path in routes:
            body = "{}" if method == "PUT" else None
            r = srv.call(method, path, body=body, token=False)
            check_error(chk, r, 401, "unauthorized", "%s %s without a token" % (method, path))
            chk.check((r.header("WWW-Authenticate") or "").startswith("Bearer"),
                      "%s %s: WWW-Authenticate" % (method, path))
            r = srv.call(method, path, body=body, token="not-" + TOKEN)
            check_error(chk, r, 401, "invalid_token", "%s %s with a wrong token" % (method, path))
            r = srv.call(method, path, body=body, auth="Basic " + TOKEN)
            chk.eq(r.status, 401, "%s %s with Basic auth" % (method, path))
        chk.eq(srv.get("/v1/users/%s/preferences" % q(TEL)).status, 404,
               "the refused PUT stored nothing")
        chk.eq(srv.get("/v1/health").status, 200, "with the token")
    finally:
        srv.stop()
    srv = Server(binary, work, corpus_frames(corpus), name="notoken", token=None).start()
    try:
        chk.eq(srv.get("/v1/health").status, 200, "no token configured: open")
        # Nothing but the command line to re-read: a reload that changes nothing.
        r = srv.call("POST", "/v1/policy/reload")
        chk.eq((r.status, (r.json or {}).get("generation")), (200, 2),
               "reload of the command line alone")
    finally:
        srv.stop()
    return chk.done()


def telemetry(binary, corpus, work):
    chk = rt.Checker("api: DPDK telemetry through dpdk-telemetry.py")
    tool = shutil.which("dpdk-telemetry.py")
    if tool is None:
        chk.check(False, "dpdk-telemetry.py not found (Debian package dpdk-dev)")
        return chk.done()
    srv = Server(binary, work, corpus_frames(corpus), name="tel").start()
    try:
        cmds = ["/", "/reglane/stats", "/reglane/info", "/reglane/user," + TEL,
                "/reglane/user," + SIP_PHONE, "/reglane/user,sip:nobody@x.example",
                "/reglane/user"]
        p = subprocess.run([tool, "-f", srv.prefix], input="\n".join(cmds) + "\n",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=30)
        replies = [json.loads(ln) for ln in p.stdout.splitlines() if ln.startswith("{")]
        chk.eq(len(replies), len(cmds), "one reply per command: %r" % p.stdout[-500:])
        if len(replies) == len(cmds):
            chk.check({"/reglane/stats", "/reglane/info", "/reglane/user"} <=
                      set(replies[0]["/"]), "commands listed: %r" % replies[0])
            st = replies[1]["/reglane/stats"]
            chk.eq((st.get("tx_200"), st.get("table_applied")), (1, 1), "stats")
            chk.check(st.get("rx_pkts", 0) >= 1 and len(st) > 100, "stats: every counter")
            info = replies[2]["/reglane/info"]
            chk.eq((info.get("registrations"), info.get("workers")), (2, 1), "info")
            u = replies[3]["/reglane/user"]
            chk.eq(u.get("aor"), TEL, "user aor")
            chk.eq(u.get("contact_id"), [TPHONE, TTABLET, TPC], "user contact ids")
            chk.eq(u.get("contact_role"), ["primary", "secondary", "secondary"], "roles")
            chk.check("interworked" in u.get("contact_services", [""])[0], "phone services")
            chk.eq(replies[4]["/reglane/user"].get("aor"), TEL, "sip;user=phone form")
            chk.eq(replies[5]["/reglane/user"], {"error": "unknown user"}, "unknown user")
            chk.check("usage" in replies[6]["/reglane/user"].get("error", ""), "no parameter")
    finally:
        srv.stop()
    return chk.done()


def sweeper(binary, corpus, work):
    chk = rt.Checker("api: expiry sweeper")
    tags = [("+g.3gpp.icsi-ref", "&quot;urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg&quot;")]
    frames = rt.udp_frames("192.0.2.20", 5060, notify(
        "sip:+15550000001@ims.example.net",
        [("long", "sip:a@10.0.0.1", 3600, tags), ("short", "sip:b@10.0.0.2", 2, tags)],
        "sweep-1@x"))
    frames += rt.udp_frames("192.0.2.20", 5060, notify(
        "sip:+15550000002@ims.example.net", [("only", "sip:c@10.0.0.3", 2, tags)],
        "sweep-2@x"))
    srv = Server(binary, work, frames, name="sweep").start()
    try:
        u1 = "/v1/users/" + q("sip:+15550000001@ims.example.net")
        u2 = "/v1/users/" + q("sip:+15550000002@ims.example.net")
        chk.eq(len((srv.get(u1).json or {}).get("contacts", [])), 2, "before expiry: 2 contacts")
        chk.eq(srv.get(u2).status, 200, "before expiry: second user stored")
        deadline = time.time() + 15
        while time.time() < deadline:
            if srv.get(u2).status == 404:
                break
            time.sleep(0.25)
        r = srv.get(u1)
        chk.eq([c["id"] for c in (r.json or {}).get("contacts", [])], ["long"],
               "the expired contact is gone")
        check_error(chk, srv.get(u2), 404, "unknown_user",
                    "a registration left empty is gone")
        sw = (srv.get("/v1/stats").json or {}).get("sweeper", {})
        chk.check(sw.get("contacts_expired", 0) >= 2 and sw.get("runs", 0) > 10,
                  "sweeper counters: %r" % sw)
        r = srv.get("/metrics")
        chk.check(re.search(r"^reglane_sweep_contacts_expired_total [2-9]", r.body, re.M),
                  "sweeper metric")
    finally:
        srv.stop()
    return chk.done()


def hostile(binary, corpus, work):
    chk = rt.Checker("api: hostile clients, dataplane keeps going")
    srv = Server(binary, work, corpus_frames(corpus), name="hostile", infinite=True,
                 wait_drained=False).start()
    socks = []
    try:
        def rx():
            return (srv.get("/v1/stats").json or {}).get("counters", {}).get("rx_pkts", 0)

        rx0 = rx()
        # Idle connections up to the limit (and beyond: refused).
        for _ in range(80):
            try:
                socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=2))
            except OSError:
                pass
        junk = [b"\x00\x01\x02GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                b"GET /v1/health HTTP/1.1\r\nX: " + b"a" * 65536 + b"\r\n\r\n",
                b"PUT /v1/users/tel:+1/preferences HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                b"\r\n" + b"ffff\r\n" + b"x" * 65535 + b"\r\n",
                bytes(range(256)) * 64]
        for s in socks[:len(junk)]:
            try:
                s.sendall(junk.pop())
            except OSError:
                pass
        time.sleep(1)
        for s in socks:
            s.close()
        socks = []
        time.sleep(0.5)
        chk.eq(srv.get("/v1/health").status, 200, "still answering after the abuse")
        rx1 = rx()
        time.sleep(1)
        rx2 = rx()
        chk.check(rx1 > rx0 and rx2 > rx1, "dataplane counting packets: %d %d %d"
                  % (rx0, rx1, rx2))
        chk.eq(srv.get("/v1/users/" + q(AOR)).status, 200, "lookups still work")
    finally:
        for s in socks:
            s.close()
        srv.stop()
    return chk.done()


def main():
    ap = rt.arg_parser(__doc__)
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    if shutil.which("curl") is None:
        print("FAIL api: curl is not installed")
        rt.main_exit(False)
    work = tempfile.mkdtemp(prefix="rgl-api-")
    ok = True
    try:
        for name, fn in (("routes", routes_and_errors), ("matrix", matrix),
                         ("prefs", prefs_restart), ("reload", reload), ("token", token),
                         ("telemetry", telemetry), ("sweeper", sweeper),
                         ("hostile", hostile)):
            ok &= rt.scenario("api: " + name, fn, args.reglane, corpus, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
