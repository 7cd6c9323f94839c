#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The reglane command line and process life cycle.

- A bad application option, value or config file exits with status 2 and a
  message naming what is wrong, before anything starts (no EAL: no "EAL:"
  line); an option EAL rejects, and no usable port, exit 2 as well.
- `-- --help` prints the options and exits 0.
- --keep-serving: the capture is answered, the state is dumped once the
  input is drained, and the process keeps running until SIGTERM (or
  SIGINT), then exits 0 with the final counters.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time

import rgltest as rt

BAD_APP = [
    (["--bogus"], "bogus"),
    (["--burst", "0"], "burst"),
    (["--burst", "many"], "burst"),
    (["--addr", "300.1.1.1"], "addr"),
    (["--trust", "192.0.2.1/24"], "trust"),
    (["--untrusted", "maybe"], "untrusted"),
    (["--txn-cache-size", "1000"], "txn-cache-size"),
    (["--max-memory", "12Q"], "max-memory"),
    (["--config", "/nonexistent/reglane.ini"], "/nonexistent/reglane.ini"),
    (["--exit-on-drain", "--keep-serving"], "keep-serving"),
    (["--dump-state"], "dump-state"),
]


def bad_options(reglane):
    chk = rt.Checker("cli: bad options exit 2")
    for args, word in BAD_APP:
        rc, out, err = reglane.run_raw(["--vdev", "net_null0"], args, timeout=30)
        what = " ".join(args)
        chk.eq(rc, 2, "%s: exit status" % what)
        chk.check(word in err, "%s: message names %r: %r" % (what, word, err.strip()))
        chk.check("EAL:" not in err, "%s: rejected before EAL started" % what)
    rc, out, err = reglane.run_raw(["--bogus-eal-option"], [], timeout=30)
    chk.eq(rc, 2, "unknown EAL option: exit status")
    rc, out, err = reglane.run_raw([], ["--exit-on-drain"], timeout=30)
    chk.eq(rc, 2, "no port: exit status")
    chk.check("no DPDK port" in err, "no port: message %r" % err.strip()[-200:])
    rc, out, err = reglane.run_raw([], ["--help"], timeout=30)
    chk.eq(rc, 0, "--help: exit status")
    chk.check("--exit-on-drain" in out and "--idle-sleep-us" in out, "--help lists the options")
    return chk.done()


def keep_serving(reglane, sig):
    name = "SIGTERM" if sig == signal.SIGTERM else "SIGINT"
    chk = rt.Checker("cli: --keep-serving until %s" % name)
    work = tempfile.mkdtemp(prefix="rgl-cli-")
    inp, outp = os.path.join(work, "in.pcap"), os.path.join(work, "out.pcap")
    state = os.path.join(work, "state.json")
    frames = []
    for u in range(5):
        body = ('<?xml version="1.0"?><reginfo xmlns="urn:ietf:params:xml:ns:reginfo" '
                'version="0" state="full"><registration aor="sip:+1555000020%d@ims.example.net"'
                ' id="r" state="active"><contact id="c" state="active" event="registered">'
                '<uri>sip:a@10.0.0.%d</uri></contact></registration></reginfo>' % (u, u + 1))
        msg = ("NOTIFY sip:cpm@198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.20:5060;"
               "branch=z9hG4bK-cli-%d\r\nFrom: <sip:+1555000020%d@ims.example.net>;tag=f\r\n"
               "To: <sip:cpm@as.ims.example.net>;tag=t\r\nCall-ID: cli-%d@x\r\nCSeq: 1 NOTIFY"
               "\r\nEvent: reg\r\nSubscription-State: active\r\nContent-Type: application/"
               "reginfo+xml\r\nContent-Length: %d\r\n\r\n%s" % (u, u, u, len(body), body))
        frames += rt.udp_frames("192.0.2.20", 5060, msg.encode())
    rt.write_pcap(inp, frames)
    prefix = "rglcli%d%s" % (os.getpid(), name)
    cmd = reglane.eal(prefix, ["--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, outp)])
    # A free loopback port: the default 8080 may be taken on a shared machine.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd += ["--", "--keep-serving", "--dump-state", state,
            "--http", "127.0.0.1:%d" % port] + rt.DEFAULT_APP
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.exists(state) and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    chk.check(os.path.exists(state), "state dumped once the input was drained")
    time.sleep(0.3)
    chk.eq(p.poll(), None, "still running after the drain")
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        chk.check(False, "did not exit within 60 s of %s" % name)
    rt.remove_runtime_dir(prefix)
    chk.eq(p.returncode, 0, "exit status after %s" % name)
    san = [ln for ln in err.splitlines() if any(m in ln for m in rt.SANITIZER_MARKS)]
    chk.eq(san, [], "sanitizer reports")
    chk.check("tx_200 5" in out, "final counters printed: %r" % out[-300:])
    dgs, _ = rt.output_datagrams(rt.read_pcap(outp))
    chk.eq(len(dgs), 5, "answers in the output capture")
    for f in (inp, outp, state):
        if os.path.exists(f):
            os.unlink(f)
    os.rmdir(work)
    return chk.done()


def main():
    args = rt.arg_parser(__doc__).parse_args()
    reglane = rt.Reglane(args.reglane)
    ok = rt.scenario("cli: bad options", bad_options, reglane)
    ok &= rt.scenario("cli: SIGTERM", keep_serving, reglane, signal.SIGTERM)
    ok &= rt.scenario("cli: SIGINT", keep_serving, reglane, signal.SIGINT)
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
