#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare two Google Benchmark results and flag regressions.

    scripts/bench-compare.py [--threshold PCT] [--stat median] BASE NEW

BASE and NEW are Google Benchmark JSON files (--benchmark_out) or result
folders written by `make bench` (results/<version>-<date>/), in which case
every <bench>.json present in both is compared. Python standard library only.

For each benchmark in both, the value compared is, in this order of
preference: the aggregate named by --stat (median by default; "min" and
"mean" also work) when the run had repetitions, else the mean of the
iterations' entries. Lower is better for:
  - time: real_time for benchmarks that use manual time (bench_pipeline
    times with the thread's CPU clock itself), cpu_time otherwise (the
    wall clock of a shared machine also counts other processes);
  - counters that are costs: ns_per_notify, ns_* stage costs, bytes_per_reg,
    bytes_per_user, rss_mb, table_in_use_mb.
Higher is better for items_per_second (compared only where there is no
time, being its inverse).

A change beyond --threshold percent (default 5) in the bad direction is a
regression: it is printed with "REGRESSION" and the exit status is 1.
Benchmarks present on one side only are listed, not counted. Exit status 2
for unusable input.

Noise: on the 2-vCPU CI VM shared with other work, medians of the same code
moved by up to 40 % between two runs 15 minutes apart; there, compare
results made with `BENCH_REPS=5 make bench`, use --stat min and a threshold
of 15-20 %. On a quiet, dedicated machine the default 5 % is meaningful.
"""

import argparse
import json
import os
import sys

TIME_SCALE = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
LOWER_COUNTERS = ("ns_per_notify", "bytes_per_reg", "bytes_per_user", "rss_mb",
                  "table_in_use_mb")
HIGHER_COUNTERS = ("items_per_second",)


def lower_is_better(name):
    return name in LOWER_COUNTERS or name.startswith("ns_")


def load(path):
    """{benchmark run name: {metric: value}} of one JSON file."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("bench-compare: %s: %s" % (path, e))
    if not isinstance(doc, dict) or "benchmarks" not in doc:
        sys.exit("bench-compare: %s: not Google Benchmark JSON" % path)
    return doc["benchmarks"]


def metrics(entry):
    """The comparable numbers of one benchmark entry."""
    m = {}
    unit = TIME_SCALE.get(entry.get("time_unit", "ns"), 1.0)
    manual = "manual_time" in entry.get("name", "") or entry.get("run_name", "").endswith(
        "manual_time")
    key = "real_time" if manual else "cpu_time"
    if key in entry:
        m["time_ns"] = float(entry[key]) * unit
    for k, v in entry.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if k in HIGHER_COUNTERS or lower_is_better(k):
            m[k] = float(v)
    if "time_ns" in m:
        m.pop("items_per_second", None)  # its inverse: one regression, not two
    return m


def reduce(entries, stat):
    """{run name: metrics}: the chosen aggregate, else the mean of iterations."""
    aggs, iters = {}, {}
    for e in entries:
        if e.get("error_occurred"):
            continue
        run = e.get("run_name", e.get("name", "?"))
        if e.get("run_type") == "aggregate":
            aggs.setdefault(run, {})[e.get("aggregate_name", "")] = metrics(e)
        else:
            iters.setdefault(run, []).append(metrics(e))
    out = {}
    for run, by in aggs.items():
        for name in (stat, "median", "mean"):
            if name in by:
                out[run] = by[name]
                break
    for run, lst in iters.items():
        if run in out:
            continue
        keys = set().union(*lst)
        out[run] = {k: sum(x[k] for x in lst if k in x) / sum(1 for x in lst if k in x)
                    for k in keys}
    return out


def pairs(base, new):
    """[(label, base file, new file)] for two files or two result folders."""
    if os.path.isdir(base) and os.path.isdir(new):
        names = sorted(set(os.listdir(base)) & set(os.listdir(new)))
        names = [n for n in names if n.endswith(".json")]
        if not names:
            sys.exit("bench-compare: no JSON file in both %s and %s" % (base, new))
        return [(n[:-5], os.path.join(base, n), os.path.join(new, n)) for n in names]
    if os.path.isfile(base) and os.path.isfile(new):
        return [(os.path.basename(new)[:-5], base, new)]
    sys.exit("bench-compare: give two JSON files or two result folders")


def fmt(v):
    if v >= 1e6:
        return "%.3gM" % (v / 1e6)
    if v >= 1e3:
        return "%.4gk" % (v / 1e3)
    return "%.4g" % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--threshold", type=float, default=5.0,
                    help="percent change in the bad direction that counts (default 5)")
    ap.add_argument("--stat", default="median",
                    help="aggregate to compare when repetitions exist (default median)")
    ap.add_argument("--all", action="store_true", help="print unchanged metrics too")
    args = ap.parse_args()

    regressions = improvements = compared = 0
    for label, bf, nf in pairs(args.base, args.new):
        b, n = reduce(load(bf), args.stat), reduce(load(nf), args.stat)
        only_b, only_n = sorted(set(b) - set(n)), sorted(set(n) - set(b))
        print("== %s" % label)
        for run in sorted(set(b) & set(n)):
            for k in sorted(set(b[run]) & set(n[run])):
                old, cur = b[run][k], n[run][k]
                if old == 0:
                    continue
                compared += 1
                change = (cur - old) / old * 100.0
                worse = -change if k in HIGHER_COUNTERS else change
                tag = ""
                if worse > args.threshold:
                    tag = "REGRESSION"
                    regressions += 1
                elif worse < -args.threshold:
                    tag = "improved"
                    improvements += 1
                if tag or args.all:
                    print("  %-10s %-70s %-18s %10s -> %-10s %+7.1f%%" %
                          (tag, run, k, fmt(old), fmt(cur), change))
        for run in only_b:
            print("  %-10s %s" % ("removed", run))
        for run in only_n:
            print("  %-10s %s" % ("added", run))
    print("bench-compare: %d metrics compared, %d regressions, %d improvements "
          "(threshold %.1f%%, %s)" % (compared, regressions, improvements, args.threshold,
                                      args.stat))
    sys.exit(1 if regressions else 0)


if __name__ == "__main__":
    main()
