#!/usr/bin/python3
"""CPU of the reference's transform alone, no AWS calls: what process_cart_products.handler does to a
stream batch besides calling send_message (json.loads of the event as the runtime does, then json.dumps
of every order item of every INSERT record). Prints "MB/s records/s", median of 11 samples of about
40 ms each, like bench_transform.

    python3 cpu.py FILE      (FILE: bench_instr --write FILE, the batch bench_transform measures)
"""
import json
import sys
import time


def run(raw):
    event = json.loads(raw)
    bodies = []
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        for item in record["dynamodb"]["NewImage"]["order_items"]["L"]:
            bodies.append(json.dumps(item))
    return len(event["Records"])


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    records = run(raw)
    t = time.perf_counter()
    run(raw)
    once = time.perf_counter() - t
    reps = int(0.04 / max(once, 1e-7)) + 1 if once < 0.04 else 1
    samples = []
    for _ in range(11):
        t = time.perf_counter()
        for _ in range(reps):
            run(raw)
        samples.append((time.perf_counter() - t) / reps)
    median = sorted(samples)[5]
    print(f"{len(raw) / 1e6 / median:.1f} {records / median:.0f}")


if __name__ == "__main__":
    main()
