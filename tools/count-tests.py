#!/usr/bin/env python3
"""Counts results in meson testlog.json files.

count-tests.py LOG [LOG...]  prints "P passed, F failed, S skipped" over all of them; a listed log
that does not exist counts as one failure (its pass did not run).
"""
import json
import os
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


def main(logs):
    totals = [0, 0, 0]
    for log in logs:
        for i, n in enumerate(count(log)):
            totals[i] += n
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
