# reglane front door. `make demo` and `make test` work on a fresh Debian 12
# machine as root: they install what is missing first.

BUILD     ?= build
BUILD_SAN ?= build-san
MESON_OPTS ?=
JOBS      ?= $(shell nproc)

.PHONY: all deps build build-san demo test test-fast bench bench-compare clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

# The sanitizer build is clang's: ASan+UBSan for the unit and integration
# suites, and libFuzzer for the fuzz suite (fuzzers need clang).
$(BUILD_SAN)/build.ninja:
	CC=clang CXX=clang++ meson setup $(BUILD_SAN) $(MESON_OPTS) \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dfuzz=true -Dbench=disabled

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

build-san: deps $(BUILD_SAN)/build.ninja
	ninja -C $(BUILD_SAN) -j $(JOBS)

demo: build
	./scripts/demo.sh $(BUILD)

# Whole suite: release build (unit, integration, bench-smoke), then the
# sanitizer build (unit and integration under ASan+UBSan, fuzz).
test: build build-san
	./scripts/run-tests.sh $(BUILD) $(BUILD_SAN)

# Quick loop for developers: release build, unit suite only.
test-fast: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

bench: build
	./scripts/bench.sh $(BUILD)

# Compare two `make bench` results (folders or JSON files); exits 1 on a
# regression beyond THRESHOLD percent:
#   make bench-compare A=results/0.1.0-20250101T000000Z B=results/0.2.0-...
THRESHOLD ?= 5
bench-compare:
	@test -n "$(A)" -a -n "$(B)" || { echo "usage: make bench-compare A=<old result> B=<new result> [THRESHOLD=5]"; exit 2; }
	python3 scripts/bench-compare.py --threshold $(THRESHOLD) $(A) $(B)

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
