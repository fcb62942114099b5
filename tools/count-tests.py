#!/usr/bin/env python3
"""Counts results in meson testlog.json files.

count-tests.py [--plain LINE] LOG [LOG...]  prints "P passed, F failed, S skipped" over all of
them; a listed log that does not exist counts as one failure (its pass did not run). --plain adds a
line such as "fuzz: 8 passed, 0 failed" from a runner that writes no meson log; a line that does
not say so counts as one failure.
"""
import json
import os
import re
import sys

PASS = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}


def count(path):
    passed = failed = skipped = 0
    if not os.path.exists(path):
        return 0, 1, 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            result = json.loads(line).get("result")
            if result in PASS:
                passed += 1
            elif result in SKIP:
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def plain(line):
    m = re.search(r"(\d+) passed, (\d+) failed", line)
    return (int(m.group(1)), int(m.group(2)), 0) if m else (0, 1, 0)


def main(argv):
    totals = [0, 0, 0]
    logs = argv
    if argv[:1] == ["--plain"]:
        for i, n in enumerate(plain(argv[1])):
            totals[i] += n
        logs = argv[2:]
    for log in logs:
        for i, n in enumerate(count(log)):
            totals[i] += n
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
