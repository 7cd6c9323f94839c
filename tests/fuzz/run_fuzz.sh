#!/bin/sh
# run_fuzz.sh FUZZER SCRATCH_DIR SEED_DIR [libFuzzer flags...]
# Runs a libFuzzer target with a scratch corpus (created empty if missing)
# first, so new inputs never land in the seed corpus kept in the repo.
set -eu
fuzzer=$1 scratch=$2 seeds=$3
shift 3
mkdir -p "$scratch"
exec "$fuzzer" "$@" "$scratch" "$seeds"
