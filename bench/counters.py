#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints any Google Benchmark JSON output as one Markdown table: time per iteration, items/s
and the user counters (bytes sent per operation, rounds...). Medians when there are
repetitions.

    ./scripts/bench.sh mpc --benchmark_out=mpc.json --benchmark_out_format=json
    python3 bench/counters.py mpc.json
"""
import json
import sys

SKIP = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
        "real_time", "cpu_time", "time_unit", "family_index", "per_family_instance_index",
        "aggregate_name", "aggregate_unit", "items_per_second", "bytes_per_second", "label"}


def si(v):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(v) >= scale:
            return f"{v / scale:.2f} {unit}"
    return f"{v:.3g}"


def duration(v, unit):
    ns = v * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]
    for u, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {u}"
    return f"{ns:.3g} ns"


def main(path):
    with open(path) as f:
        data = json.load(f)
    rows = []
    counters = []
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            continue
        extra = {k: v for k, v in b.items() if k not in SKIP and isinstance(v, (int, float))}
        for k in extra:
            if k not in counters:
                counters.append(k)
        rows.append((b["run_name"], duration(b["real_time"], b["time_unit"]), b.get("items_per_second"), extra))
    print("| benchmark | time | items/s | " + " | ".join(counters) + " |")
    print("|---" * (3 + len(counters)) + "|")
    for name, t, items, extra in rows:
        cells = [name, t, si(items) + "/s" if items else ""]
        cells += [f"{extra[c]:.4g}" if c in extra else "" for c in counters]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
