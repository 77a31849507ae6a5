#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns bench_core's JSON output into the Markdown tables of bench/README.md.

    ./scripts/bench.sh --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
        --benchmark_out=core.json --benchmark_out_format=json
    python3 bench/table.py core.json

Each BM_<op> is printed beside BM_<op>_reference (same sizes) with the ratio of their
items/s, plus the explicit back-ends; medians when the run has repetitions.
"""
import json
import sys
from collections import defaultdict


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = defaultdict(dict)  # name -> size -> (items/s, bytes/s)
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if "error_occurred" in b and b["error_occurred"]:
            continue
        name, _, size = b["run_name"].rpartition("/")
        rows[name][int(size)] = (b.get("items_per_second", 0.0), b.get("bytes_per_second", 0.0))
    return data.get("context", {}), rows


def si(x, unit=""):
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= factor:
            return f"{x / factor:.2f} {prefix}{unit}"
    return f"{x:.2f} {unit}"


def log2(n):
    return n.bit_length() - 1


def main(path):
    context, rows = load(path)
    print(f"Machine: {context.get('num_cpus', '?')} CPUs at {context.get('mhz_per_cpu', '?')} MHz; "
          f"{context.get('date', '')}\n")
    ops = [n for n in rows if n.startswith("BM_") and not n.endswith("_reference")
           and n + "_reference" in rows]
    for op in ops:
        ref = rows[op + "_reference"]
        variants = [v for v in rows if v.startswith(op + "_") and v[len(op) + 1:] in ("portable", "avx2", "avx512", "chacha20")]
        head = ["size", f"{op} items/s", "bytes/s", "reference items/s", "ratio"] + \
               [v[len("BM_"):] + " items/s" for v in variants]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for size in sorted(rows[op]):
            items, bytes_ = rows[op][size]
            r_items = ref.get(size, (0.0, 0.0))[0]
            cells = [f"2^{log2(size)}", si(items, "/s"), si(bytes_, "B/s"), si(r_items, "/s"),
                     f"{items / r_items:.1f}x" if r_items else "-"]
            cells += [si(rows[v].get(size, (0.0, 0.0))[0], "/s") for v in variants]
            print("| " + " | ".join(cells) + " |")
        print()
    others = [n for n in rows if n not in ops and not any(n.startswith(o + "_") for o in ops)]
    if others:
        head = ["size"] + [f"{n} bytes/s" for n in others]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for size in sorted(rows[others[0]]):
            print("| " + " | ".join([f"2^{log2(size)}"] + [si(rows[n].get(size, (0, 0))[1], "B/s") for n in others]) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
