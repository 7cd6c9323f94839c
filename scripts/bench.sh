#!/usr/bin/env bash
# Runs every Google Benchmark binary and writes its JSON into
# results/<version>-<UTC date>/<bench>.json, plus machine.txt describing the
# machine, so two releases can be compared file by file.
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
	echo "kernel: $(uname -r)"
} > "$out/machine.txt"
for exe in "$build"/bench/bench_*; do
	[ -x "$exe" ] || continue
	name=$(basename "$exe")
	echo "== $name"
	"$exe" --benchmark_out="$out/$name.json" --benchmark_out_format=json \
		--benchmark_repetitions="${BENCH_REPS:-3}" --benchmark_report_aggregates_only=true
done
echo "results in $out"
