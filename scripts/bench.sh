#!/usr/bin/env bash
# Runs every Google Benchmark binary and writes its JSON into
# results/<version>-<UTC date>/<bench>.json, plus machine.txt describing the
# machine, so two releases can be compared file by file with
# scripts/bench-compare.py (`make bench-compare A=... B=...`).
#
# Environment:
#   BENCH_REPS=3             repetitions per benchmark (aggregates only)
#   BENCH_FILTER=regex       run only the benchmarks matching it
#   BENCH_PIPELINE_ARGS=...  extra bench_pipeline flags, e.g.
#                            --sizes=1000,100000,1000000,10000000 (needs ~20 GB)
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
version=$(meson introspect "$build" --projectinfo | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
out="results/${version}-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
{
	echo "date: $(date -u)"
	echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "cores: $(nproc)"
	echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "kernel: $(uname -r)"
	echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "compiler: $(${CC:-cc} --version | head -1)"
} > "$out/machine.txt"
filter=()
[ -n "${BENCH_FILTER:-}" ] && filter=(--benchmark_filter="$BENCH_FILTER")
for exe in "$build"/bench/bench_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe")
	extra=()
	# shellcheck disable=SC2206 # word splitting of the flag list is wanted
	[ "$name" = bench_pipeline ] && extra=(${BENCH_PIPELINE_ARGS:-})
	echo "== $name"
	"$exe" "${extra[@]}" "${filter[@]}" \
		--benchmark_out="$out/$name.json" --benchmark_out_format=json \
		--benchmark_repetitions="${BENCH_REPS:-3}" --benchmark_report_aggregates_only=true
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo "results in $out"
