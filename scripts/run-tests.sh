#!/usr/bin/env bash
# Runs every suite and ends with one plain line "N passed, N failed" summed
# over all runs (CI reads that line). Exit status: 0 only if nothing failed.
set -uo pipefail
build=${1:-build}
build_san=${2:-build-san}
cd "$(dirname "$0")/.."

# Sanitizer settings: fail hard on UBSan findings, report leaks.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

status=0
run() {
	local dir=$1; shift
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || status=1
	python3 scripts/count-tests.py "$dir/meson-logs/testlog.json" >> "$tally"
}

tally=$(mktemp)
trap 'rm -f "$tally"' EXIT

run "$build" --suite unit --suite integration --suite bench-smoke
run "$build_san" --suite unit --suite integration --suite fuzz

summary=$(awk '{p += $1; f += $2} END {printf "%d passed, %d failed\n", p, f}' "$tally")
mkdir -p "$build"
echo "$summary" > "$build/test-summary.txt"
echo "$summary"
exit $status
