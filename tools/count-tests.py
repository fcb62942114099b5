#!/usr/bin/env python3
"""Counts results in meson testlog.json files.

count-tests.py LOG NAME      prints "P passed, F failed, S skipped" for one log
count-tests.py --total LOG.. prints the same over several logs, alone on a line

Meson rewrites testlog.json on each `meson test`, so tools/test.sh saves a copy per pass
(LOG.NAME.json) and --total reads every such copy.
"""
import glob
import json
import shutil
import sys

PASS = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}


def count(path):
    passed = failed = skipped = 0
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


def main(argv):
    if argv[1:2] == ["--total"]:
        totals = [0, 0, 0]
        for log in argv[2:]:
            for saved in glob.glob(log[: -len(".json")] + ".*.json"):
                for i, n in enumerate(count(saved)):
                    totals[i] += n
        print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
        return 0
    log, name = argv[1], argv[2]
    saved = log[: -len(".json")] + "." + name.replace("+", "_") + ".json"
    shutil.copyfile(log, saved)
    p, f, s = count(saved)
    print(f"{p} passed, {f} failed, {s} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
