#!/usr/bin/env python3
"""Print "<passed> <failed>" for one meson testlog.json (one JSON object a line).

Meson rewrites testlog.json on every `meson test`, so this reads the run
that just finished. Skipped tests count as neither.
"""
import json
import sys

passed = failed = 0
try:
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            result = json.loads(line).get("result", "")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result in ("SKIP",):
                pass
            else:
                failed += 1
except FileNotFoundError:
    failed += 1
print(passed, failed)
