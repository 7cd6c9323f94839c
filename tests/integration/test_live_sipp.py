#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""reglane on a live link: net_af_packet on a veth pair, sipp as the notifier.

The test builds its own little network and touches nothing else:

    root namespace                     namespace rgl-live-<pid>
    reglane --vdev net_af_packet0      sipp, ping, the kernel's ARP
      on veth rlv<pid>h (UP, no IP) <-> veth rlv<pid>n 198.51.100.20/24

reglane owns 198.51.100.10 on that link: the namespace's kernel resolves
it with a real ARP request, ping gets its echo replies from reglane, and
sipp (tests/integration/data/sipp_notify.xml) runs N calls of OPTIONS +
NOTIFY full (version 0) + NOTIFY partial (version 1) in one dialog and
must get a 200 for each. Afterwards the control API (curl) must show the
registered users with both contacts and the 200s in /v1/stats.

Link details the test settles on purpose:
- Checksum offload is switched off on the namespace's veth (ethtool -K tx
  off): a veth hands locally generated UDP to the peer with
  CHECKSUM_PARTIAL, so AF_PACKET on the other end sees only the
  pseudo-header sum in the UDP checksum field. A real NIC puts complete
  checksums on the wire, and reglane rightly drops datagrams whose
  checksum does not verify.
- The root-side veth gets no address, IPv6 off and IPv4 forwarding off, so
  the root kernel silently ignores the frames addressed to reglane (they
  carry the veth's own MAC, which the af_packet PMD uses) instead of
  answering or routing them anywhere.

Skips (exit 77) when namespaces cannot be created (not root, no
CAP_NET_ADMIN) or ip / sipp are missing. Always removes the namespace, the
veth pair, the reglane process and its DPDK runtime directory.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import rgltest as rt

SKIP = 77
OUR = "198.51.100.10"
PEER = "198.51.100.20"
CALLS = 50
RATE = 25
SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "sipp_notify.xml")


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    # meson's timeout sends SIGTERM: unwind through the finally blocks.
    raise Interrupted("signal %d" % signum)


def sh(cmd, check=True, timeout=30):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise rt.Failure("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                p.stderr.strip() or p.stdout.strip()))
    return p


def skip(why):
    print("SKIP live sipp: " + why)
    sys.stdout.flush()
    sys.exit(SKIP)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Net:
    """The namespace and the veth pair; remove() undoes whatever was made."""

    def __init__(self):
        pid = os.getpid()
        self.ns = "rgl-live-%d" % pid
        self.host_if = "rlv%dh" % pid      # IFNAMSIZ: at most 15 characters
        self.ns_if = "rlv%dn" % pid
        self.made_ns = False

    def nsx(self, *cmd):
        return ["ip", "netns", "exec", self.ns, *cmd]

    def create(self):
        p = sh(["ip", "netns", "add", self.ns], check=False)
        if p.returncode != 0:
            skip("cannot create a network namespace (needs root / CAP_NET_ADMIN): "
                 + p.stderr.strip())
        self.made_ns = True
        sh(["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if])
        sh(["ip", "link", "set", self.ns_if, "netns", self.ns])
        for key, val in (("net.ipv6.conf.%s.disable_ipv6", "1"),
                         ("net.ipv4.conf.%s.forwarding", "0")):
            path = "/proc/sys/" + (key % self.host_if).replace(".", "/")
            if os.path.exists(path):     # absent: that protocol is off kernel-wide
                with open(path, "w") as f:
                    f.write(val)
        sh(["ip", "link", "set", self.host_if, "up"])
        sh(self.nsx("ip", "link", "set", "lo", "up"))
        sh(self.nsx("ip", "addr", "add", PEER + "/24", "dev", self.ns_if))
        sh(self.nsx("ip", "link", "set", self.ns_if, "up"))
        # Full UDP checksums on the wire (see the module comment).
        sh(self.nsx("ethtool", "-K", self.ns_if, "tx", "off"))

    def host_mac(self):
        with open("/sys/class/net/%s/address" % self.host_if) as f:
            return f.read().strip()

    def remove(self):
        if self.made_ns:
            sh(["ip", "netns", "del", self.ns], check=False)
        # Deleting the namespace deletes its veth end and with it the pair;
        # the root end goes explicitly when the move into the namespace failed.
        if os.path.exists("/sys/class/net/" + self.host_if):
            sh(["ip", "link", "del", self.host_if], check=False)


class Server:
    """reglane on the root-side veth with the control API on a free port."""

    def __init__(self, binary, net, work):
        self.rg = rt.Reglane(binary)
        self.net = net
        self.work = work
        self.proc = None
        self.prefix = "live%d" % os.getpid()
        self.port = None
        self.out = self.err = ""

    def start(self):
        for _ in range(3):
            self.port = free_port()
            cmd = [self.rg.binary, "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
                   "--no-shconf", "--file-prefix=" + self.prefix, "--log-level", "lib.eal:error",
                   "--vdev", "net_af_packet0,iface=%s" % self.net.host_if,
                   "--", "--addr", OUR, "--idle-sleep-us", "50", "--keep-serving",
                   "--http", "127.0.0.1:%d" % self.port, "--max-registrations", "65536",
                   "--max-memory", "128M", "--log-level", "notice"]
            self.logo = open(os.path.join(self.work, "reglane.out"), "w+")
            self.loge = open(os.path.join(self.work, "reglane.err"), "w+")
            self.proc = subprocess.Popen(cmd, stdout=self.logo, stderr=self.loge, text=True)
            if self.wait_ready():
                return
            self.stop()
            if "cannot listen" not in self.err:
                break
        raise rt.Failure("reglane did not become ready\nstdout:\n%s\nstderr:\n%s"
                         % (self.out[-2000:], self.err[-2000:]))

    def wait_ready(self):
        deadline = time.time() + 60
        while time.time() < deadline and self.proc.poll() is None:
            status, _ = self.get("/v1/health", timeout=2)
            if status == 200:
                return True
            time.sleep(0.1)
        return False

    def get(self, path, timeout=10):
        p = subprocess.run(["curl", "-sS", "-g", "--max-time", str(timeout), "-w",
                            "\n%{http_code}", "http://127.0.0.1:%d%s" % (self.port, path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout + 5)
        body, _, code = p.stdout.rpartition("\n")
        try:
            doc = json.loads(body) if body.strip() else None
        except ValueError:
            doc = None
        return (int(code) if code.isdigit() else 0), doc

    def stop(self):
        """SIGTERM (SIGKILL after 30 s); returns the exit status."""
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = "killed"
            for f in (self.logo, self.loge):
                f.seek(0)
            self.out, self.err = self.logo.read(), self.loge.read()
            self.logo.close()
            self.loge.close()
            self.proc = None
        rt.remove_runtime_dir(self.prefix)
        return rc


def run_checks(chk, net, srv, work):
    # ICMP echo from the namespace: the kernel ARPs for reglane first.
    t0 = time.monotonic()
    p = sh(net.nsx("ping", "-n", "-c", "3", "-W", "1", "-i", "0.2", OUR), check=False,
           timeout=20)
    chk.eq(p.returncode, 0, "ping %s from the namespace (%s)" % (OUR, p.stdout.strip()[-200:]))
    m = re.search(r"(\d+) received", p.stdout)
    chk.eq(int(m.group(1)) if m else 0, 3, "echo replies received")
    neigh = sh(net.nsx("ip", "neigh", "show", OUR, "dev", net.ns_if), check=False).stdout
    chk.check(net.host_mac() in neigh.lower(),
              "ARP: the namespace resolved %s to reglane's MAC %s: %r",
              OUR, net.host_mac(), neigh.strip())

    # sipp from inside the namespace, bounded in calls and time.
    cmd = net.nsx("sipp", "%s:5060" % OUR, "-sf", SCENARIO, "-m", str(CALLS),
                  "-r", str(RATE), "-l", str(CALLS), "-i", PEER, "-p", "5060", "-t", "u1",
                  "-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err",
                  "-error_file", os.path.join(work, "sipp_errors.log"),
                  "-trace_stat", "-stf", os.path.join(work, "sipp_stat.csv"))
    t1 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60, cwd=work)
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out = "timeout", str(e)
    sipp_s = time.monotonic() - t1
    errs = ""
    if os.path.exists(os.path.join(work, "sipp_errors.log")):
        with open(os.path.join(work, "sipp_errors.log"), errors="replace") as f:
            errs = f.read()
    chk.check(rc == 0, "sipp exit status %r (0: every call successful)\n%s\nerrors:\n%s",
              rc, out[-1500:], errs[-3000:])
    stat = parse_sipp_stat(os.path.join(work, "sipp_stat.csv"))
    chk.eq(stat.get("SuccessfulCall(C)"), str(CALLS), "sipp successful calls")
    chk.eq(stat.get("FailedCall(C)"), "0", "sipp failed calls")

    # The state landed: the first and the last user, both contacts each.
    for n in (1, CALLS):
        aor = "sip:+1555030%d@ims.example.net" % n
        status, u = srv.get("/v1/users/" + urllib.parse.quote(aor, safe=""))
        chk.eq(status, 200, "GET /v1/users/%s", aor)
        u = u or {}
        chk.eq(u.get("aor"), aor, "user %s: aor" % aor)
        chk.eq(sorted(c.get("id") for c in u.get("contacts", [])),
               ["phone%d" % n, "tablet%d" % n], "user %s: contact ids (full + partial)" % aor)
        chk.check("tel:+1555030%d" % n in u.get("implicit_set", []),
                  "user %s: tel: URI in the implicit set: %r", aor, u.get("implicit_set"))
        chk.eq(u.get("version"), 1, "user %s: reginfo version" % aor)
    status, s = srv.get("/v1/stats")
    chk.eq(status, 200, "GET /v1/stats")
    counters = (s or {}).get("counters", {})
    # sipp retransmits after 500 ms without an answer: those are answered
    # again from the transaction cache, so at least one 200 per request.
    tx200 = counters.get("tx_200", 0)
    chk.check(tx200 >= 3 * CALLS, "stats: tx_200 %r, want >= %d (3 requests x %d calls)",
              tx200, 3 * CALLS, CALLS)
    print("live: ping+arp+%d calls in %.1f s (sipp %.1f s), tx_200 %s, stats counters %s"
          % (CALLS, time.monotonic() - t0, sipp_s, tx200,
             {k: v for k, v in sorted(counters.items()) if v}))


def parse_sipp_stat(path):
    """Last row of sipp's -trace_stat CSV as {column: value}."""
    try:
        with open(path, errors="replace") as f:
            rows = [ln.rstrip("\n").split(";") for ln in f if ln.strip()]
    except OSError:
        return {}
    if len(rows) < 2:
        return {}
    return dict(zip(rows[0], rows[-1]))


def main():
    ap = rt.arg_parser(__doc__)
    args = ap.parse_args()
    for tool in ("ip", "sipp", "ethtool", "ping", "curl"):
        if shutil.which(tool) is None:
            skip("%s is not installed (scripts/install-deps.sh installs it)" % tool)
    if os.geteuid() != 0:
        skip("not root: creating a network namespace needs CAP_NET_ADMIN")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    chk = rt.Checker("live: af_packet veth + sipp NOTIFY/OPTIONS + ping + API")
    net = Net()
    work = tempfile.mkdtemp(prefix="rgl-live-")
    srv = Server(args.reglane, net, work)
    failure = None
    try:
        net.create()
        srv.start()
        run_checks(chk, net, srv, work)
    except (rt.Failure, Interrupted, subprocess.TimeoutExpired, OSError) as e:
        failure = e
    finally:
        rc = srv.stop()
        net.remove()
        shutil.rmtree(work, ignore_errors=True)
    if failure is not None:
        chk.check(False, "%s", failure)
    else:
        chk.eq(rc, 0, "reglane exit status after SIGTERM")
    san = [ln for ln in srv.err.splitlines() if any(m in ln for m in rt.SANITIZER_MARKS)]
    chk.eq(san, [], "sanitizer reports")
    if chk.failures and srv.err:
        print("reglane stderr (tail):\n" + srv.err[-3000:])
    rt.main_exit(chk.done())


if __name__ == "__main__":
    main()
