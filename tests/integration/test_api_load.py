#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Control API load: queries per second and p99 latency while the dataplane replays.

A reggen capture (--users users, a full NOTIFY and partial updates each) is
replayed by reglane in a loop (net_pcap infinite_rx), so the worker lcore is
busy the whole time, while wrk (Debian package wrk) sends suitability and
state queries for random users of the capture to the control thread, with
one connection and with several. For each run it prints requests/s, the
p50/p99 latency wrk measured, non-2xx answers, and the dataplane's packet
rate during the run next to its rate with no API load.

Not part of `meson test` (it measures, it does not judge, beyond requiring
that every answer was 2xx and the dataplane kept running). Typical use:

  python3 tests/integration/test_api_load.py --reglane build/reglane \\
      --reggen build/tools/reggen/reggen --duration 10 [--json out.json]
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import rgltest as rt
import test_api as ta

LUA = """
local aors = {}
for line in io.lines("%(aors)s") do aors[#aors + 1] = line end
local types = {"pager", "large-message", "session", "file-transfer", "deferred", "system"}
local i = 0
request = function()
    i = i + 1
    local aor = aors[math.random(#aors)]
    local path
    if "%(route)s" == "suitability" then
        path = "/v1/users/" .. aor .. "/suitability?request=" .. types[(i %% #types) + 1] ..
               ((i %% 5 == 0) and "&interworked=true" or "")
    else
        path = "/v1/users/" .. aor
    end
    return wrk.format("GET", path, {["Authorization"] = "Bearer %(token)s"})
end
"""


def parse_wrk(out):
    def dur(s):
        m = re.match(r"([\d.]+)(us|ms|s)", s)
        v = float(m.group(1))
        return v / 1000.0 if m.group(2) == "us" else v if m.group(2) == "ms" else v * 1000
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "requests": int(re.search(r"(\d+) requests in", out).group(1))}
    for pct in ("50", "99"):
        m = re.search(r"^\s+%s(?:\.000)?%%\s+(\S+)" % pct, out, re.M)
        res["p%s_ms" % pct] = dur(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    res["socket_errors"] = m.group(1).strip() if m else ""
    return res


def rx_rate(srv, seconds):
    def rx():
        return (srv.get("/v1/stats").json or {}).get("counters", {}).get("rx_pkts", 0)
    a, t0 = rx(), time.monotonic()
    time.sleep(seconds)
    return (rx() - a) / (time.monotonic() - t0)


def main():
    ap = rt.arg_parser(__doc__)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None or args.reggen is None:
        print("FAIL api load: needs wrk (Debian package wrk) and --reggen")
        rt.main_exit(False)
    work = tempfile.mkdtemp(prefix="rgl-apiload-")
    ok = True
    results = {"machine": os.uname().machine, "cpus": os.cpu_count(), "users": args.users,
               "duration_s": args.duration, "runs": []}
    try:
        pcap, expf = os.path.join(work, "in.pcap"), os.path.join(work, "expect.json")
        subprocess.run([args.reggen, "--users", str(args.users), "--updates", "1", "--seed", "7",
                        "--out", pcap, "--expect", expf], check=True, stdout=subprocess.DEVNULL)
        with open(expf) as f:
            aors = sorted(json.load(f)["users"])
        with open(os.path.join(work, "aors.txt"), "w") as f:
            f.write("\n".join(ta.q(a) for a in aors) + "\n")
        srv = ta.Server(args.reglane, work, None, pcap=pcap, name="load", infinite=True,
                        wait_drained=False,
                        app_args=["--max-memory", "256M"]).start()
        try:
            time.sleep(2)  # the first pass of the capture fills the table
            results["dataplane_idle_api_pps"] = rx_rate(srv, 3)
            # Control: what any busy process on CPU 0 costs the worker on
            # CPU 1 on this machine (shared caches, a virtual machine's
            # vCPUs), to read the API runs against.
            spin = subprocess.Popen(["taskset", "-c", "0", "sh", "-c", "while :; do :; done"])
            try:
                time.sleep(0.5)
                results["dataplane_cpu0_spin_pps"] = rx_rate(srv, 3)
            finally:
                spin.kill()
                spin.wait()
            for route in ("suitability", "state"):
                lua = os.path.join(work, "%s.lua" % route)
                with open(lua, "w") as f:
                    f.write(LUA % {"aors": os.path.join(work, "aors.txt"), "route": route,
                                   "token": srv.token})
                for threads, conns in ((1, 1), (2, 8), (2, 32)):
                    rx0 = (srv.get("/v1/stats").json or {})["counters"]["rx_pkts"]
                    t0 = time.monotonic()
                    # wrk on CPU 0, with the control thread; the worker lcore
                    # keeps CPU 1 (EAL -l 0-1).
                    p = subprocess.run(["taskset", "-c", "0", wrk, "-t", str(threads), "-c",
                                        str(conns), "-d", "%ds" % args.duration, "--latency",
                                        "-s", lua, srv.url("/")],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True, timeout=args.duration + 60)
                    dt = time.monotonic() - t0
                    rx1 = (srv.get("/v1/stats").json or {})["counters"]["rx_pkts"]
                    r = parse_wrk(p.stdout)
                    r.update({"route": route, "threads": threads, "connections": conns,
                              "dataplane_pps": (rx1 - rx0) / dt})
                    results["runs"].append(r)
                    ok &= r["non2xx"] == 0 and not r["socket_errors"]
                    ok &= r["dataplane_pps"] > 0
            st = srv.get("/v1/stats").json or {}
            results["table_registrations"] = st.get("table", {}).get("registrations")
        finally:
            srv.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("control API load, %d users replayed in a loop, %s, %d CPUs, %d s per run"
          % (args.users, results["machine"], results["cpus"], args.duration))
    print("dataplane with no API load: %.0f packets/s; with a shell busy loop on CPU 0: "
          "%.0f packets/s" % (results["dataplane_idle_api_pps"],
                              results["dataplane_cpu0_spin_pps"]))
    print("%-12s %5s %11s %9s %9s %7s %14s" % ("route", "conns", "requests/s", "p50 ms",
                                               "p99 ms", "non2xx", "dataplane pps"))
    for r in results["runs"]:
        print("%-12s %5d %11.0f %9.3f %9.3f %7d %14.0f" % (
            r["route"], r["connections"], r["rps"], r["p50_ms"] or -1, r["p99_ms"] or -1,
            r["non2xx"], r["dataplane_pps"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print("%s api load" % ("ok  " if ok else "FAIL"))
    rt.main_exit(ok)


if __name__ == "__main__":
    main()
