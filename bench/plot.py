#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns Google Benchmark JSON output into PNG charts of edgempc beside its references.

    build/bench/bench/bench_core --benchmark_out=core.json --benchmark_out_format=json
    python3 bench/plot.py core.json -o charts/

For each input file NAME.json it writes, where the run has something to show:

  NAME-ratios.png      edgempc over its reference in the same run, against the size (or the
                       last argument): BM_<x> beside BM_<x>_reference, or beside the reference
                       whose stem begins its name (BM_validate_shares / BM_validate_reference),
                       the reference's arguments matching the trailing ones (BM_group_for/3/1024
                       beside BM_group_for_reference/1024). The ratio is of items/s when both
                       report them, else of the times (reference time / edgempc time): above 1,
                       edgempc is faster. Back-end variants (_portable, _avx2, ...) only appear
                       in the next chart.
  NAME-throughput.png  one panel per reference: its items/s (or runs/s) and those of everything
                       measured against it, back-end variants included, against the size.
  NAME-scaling.png     every benchmark with an argument named `clients` (--scaling-arg): its
                       time per iteration, and that time per client, against the number of
                       clients, one line per value of its other arguments, references dashed.

Argument names come from `key:value` arguments in the JSON (ArgNames) or from the comments at
the top of bench/*.cpp, which document each benchmark as `BM_name/<arg>/<arg>` (--sources
changes the directory). With repetitions the medians are plotted. Needs matplotlib (Debian:
python3-matplotlib); exits with status 3 and says so if it is missing.
"""
import argparse
import itertools
import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

VARIANTS = ("portable", "scalar", "avx2", "avx512", "neon", "chacha20")
# Parts of a run name that Google Benchmark adds, not arguments of the benchmark.
GB_SUFFIX = re.compile(r"^(real_time|manual_time|process_time|(iterations|repeats|threads|min_time|"
                       r"min_warmup_time):.*)$")
TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


class Run:
    """One benchmark instance: base name, arguments (numbers), their names where known."""

    def __init__(self, entry):
        parts = entry["run_name"].split("/")
        self.family = parts[0]  # the name in the sources' comments
        self.base = parts[0]    # with BENCHMARK_CAPTURE's label: BM_field_stats/semi_honest
        self.args, self.keys = [], []
        self.labels = 0  # leading non-numeric parts (a label, or a named slot such as <policy>)
        for part in parts[1:]:
            if GB_SUFFIX.match(part):
                continue
            key, _, value = part.rpartition(":")
            try:
                self.args.append(float(value))
            except ValueError:
                if not self.args:
                    self.base += "/" + part
                    self.labels += 1
                continue
            self.keys.append(key or None)
        self.seconds = entry["real_time"] * TIME_UNITS.get(entry.get("time_unit", "ns"), 1e-9)
        self.items = entry.get("items_per_second")
        self.bytes = entry.get("bytes_per_second")

    def slot(self, i, names):
        """The index in the sources' argument names of numeric argument i: past the leading
        labels when the comment names a slot for them (BM_round/<policy>/<rows>/<clients> run as
        BM_round/all_six/1/1024)."""
        return i + self.labels if names and len(names) >= self.labels + len(self.args) else i

    def rate(self):
        """Items per second, else runs (iterations) per second."""
        return self.items if self.items else 1.0 / self.seconds

    def label_args(self, names, skip):
        out = []
        for i, value in enumerate(self.args):
            if i == skip:
                continue
            j = self.slot(i, names)
            name = self.keys[i] or (names[j] if names and j < len(names) else f"arg{i}")
            out.append(f"{name}={fmt_number(value)}")
        return " ".join(out)


def fmt_number(x):
    if x == int(x):
        x = int(x)
        if x >= 1024 and x & (x - 1) == 0:
            return f"2^{x.bit_length() - 1}"
        return f"{x:,}"
    return f"{x:g}"


def load_runs(path):
    with open(path) as f:
        data = json.load(f)
    chosen = {}
    for entry in data.get("benchmarks", []):
        if entry.get("error_occurred"):
            continue
        run_type = entry.get("run_type", "iteration")
        name = entry["run_name"] if "run_name" in entry else entry["name"]
        entry["run_name"] = name
        if run_type == "aggregate":
            # Medians beat means; a repetition's iterations are dropped once an aggregate exists.
            rank = {"median": 3, "mean": 2}.get(entry.get("aggregate_name"), 0)
        else:
            rank = 1
        if rank and rank >= chosen.get(name, (0, None))[0]:
            chosen[name] = (rank, entry)
    return data.get("context", {}), [Run(e) for _, e in chosen.values()]


def expand_braces(name):
    """BM_{a,b}_x -> [BM_a_x, BM_b_x]."""
    pieces = re.split(r"\{([^{}]*)\}", name)
    options = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(pieces)]
    return ["".join(c) for c in itertools.product(*options)]


def argument_names(sources, program=""):
    """BM_name -> [arg names], from `BM_name/<a>/<b>` in the comments of bench/*.cpp: of the
    program's own source when the run names it (bench_core.cpp for bench_core), else of all."""
    names = {}
    files = sorted(Path(sources).glob("*.cpp")) if sources and Path(sources).is_dir() else []
    own = [f for f in files if f.stem == program]
    for source in own or files:
        for line in source.read_text(errors="replace").splitlines():
            if not line.lstrip().startswith("//"):
                continue
            for m in re.finditer(r"(BM_[A-Za-z0-9_{},]+)((?:/<[A-Za-z_ ]+>)+)", line):
                args = re.findall(r"<([A-Za-z_ ]+)>", m.group(2))
                for base in expand_braces(m.group(1)):
                    names.setdefault(base, args)
    return names


def reference_of(base, references):
    """The reference stem a benchmark is measured against: the longest stem that begins it."""
    best = None
    for stem in references:
        if (base == stem or base.startswith(stem + "_")) and (best is None or len(stem) > len(best)):
            best = stem
    return best


def pairs(runs):
    """stem -> (reference runs, {subject base: [runs]})."""
    by_base = defaultdict(list)
    for r in runs:
        by_base[r.base].append(r)
    stems = {b[: -len("_reference")]: b for b in by_base if b.endswith("_reference")}
    out = {}
    for base, rs in by_base.items():
        if base.endswith("_reference"):
            continue
        stem = reference_of(base, stems)
        if stem is None:
            continue
        out.setdefault(stem, (by_base[stems[stem]], {}))[1][base] = rs
    return out


def match_reference(run, references):
    for ref in references:
        n = len(ref.args)
        if n <= len(run.args) and run.args[len(run.args) - n:] == ref.args:
            return ref
    return None


def is_variant(stem, base):
    return base != stem and base[len(stem) + 1:] in VARIANTS


def series(runs, names, x_index=-1):
    """Groups runs into lines: label-of-other-args -> sorted [(x, run)]."""
    lines = defaultdict(list)
    for r in runs:
        if not r.args:
            continue
        xi = x_index if x_index >= 0 else len(r.args) - 1
        lines[r.label_args(names.get(r.family), xi)].append((r.args[xi], r))
    return {k: sorted(v, key=lambda p: p[0]) for k, v in lines.items()}


def new_figure(plt, panels=1):
    cols = min(panels, 3)
    rows = math.ceil(panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols + 1.2, 3.2 * rows + 0.6), squeeze=False)
    for ax in axes.flat[panels:]:
        ax.axis("off")
    return fig, list(axes.flat[:panels])


def x_label(names, runs):
    r = runs[0]
    i = len(r.args) - 1
    key = r.keys[i] if r.args else None
    given = names.get(r.family)
    return key or (given[i] if given and i < len(given) else "size")


def log_x(ax, xs):
    if xs and min(xs) > 0 and max(xs) / min(xs) >= 8:
        ax.set_xscale("log", base=2 if all(x == int(x) and int(x) & (int(x) - 1) == 0 for x in xs) else 10)


def save(fig, path, title, context):
    machine = f"{context.get('num_cpus', '?')} CPUs, {context.get('mhz_per_cpu', '?')} MHz"
    fig.suptitle(f"{title}\n{machine}, {context.get('date', '')[:10]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    return path


def plot_ratios(plt, stem_pairs, names, context, path):
    lines = []
    for stem, (refs, subjects) in sorted(stem_pairs.items()):
        for base, runs in sorted(subjects.items()):
            if is_variant(stem, base):
                continue
            for label, points in series(runs, names).items():
                pts = []
                for x, r in points:
                    ref = match_reference(r, refs)
                    if ref is None:
                        continue
                    if r.items and ref.items:
                        pts.append((x, r.items / ref.items))
                    else:
                        pts.append((x, ref.seconds / r.seconds))
                if pts:
                    lines.append((f"{base[3:]} {label}".strip(), pts))
    if not lines:
        return None
    fig, (ax,) = new_figure(plt)
    fig.set_size_inches(8, 4.2)
    for label, pts in lines:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3, label=label)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
    log_x(ax, [p[0] for _, pts in lines for p in pts])
    ys = [p[1] for _, pts in lines for p in pts]
    if max(ys) / max(min(ys), 1e-12) > 20:
        ax.set_yscale("log")
    ax.set_xlabel("last argument (a size, or the number of clients)")
    ax.set_ylabel("edgempc / reference (x faster)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=6, ncol=2 if len(lines) > 8 else 1, loc="best")
    return save(fig, path, "edgempc beside its reference (same run)", context)


def plot_throughput(plt, stem_pairs, names, context, path):
    stems = sorted(stem_pairs)
    if not stems:
        return None
    fig, axes = new_figure(plt, len(stems))
    for ax, stem in zip(axes, stems):
        refs, subjects = stem_pairs[stem]
        unit = "items/s" if all(r.items for r in refs) else "runs/s"
        for base, runs in sorted(subjects.items()) + [(stem + "_reference", refs)]:
            dashed = base.endswith("_reference")
            for label, points in series(runs, names).items():
                ax.plot([p[0] for p in points], [p[1].rate() for p in points], marker="o", markersize=3,
                        linestyle="--" if dashed else "-", label=f"{base[3:]} {label}".strip())
        log_x(ax, [r.args[-1] for r in refs if r.args])
        ax.set_yscale("log")
        ax.set_title(stem[3:], fontsize=8)
        ax.set_ylabel(unit, fontsize=7)
        ax.set_xlabel(x_label(names, refs) if refs and refs[0].args else "", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=5)
    return save(fig, path, "throughput beside the reference (dashed)", context)


def plot_scaling(plt, runs, names, arg, context, path):
    chosen = defaultdict(list)
    for r in runs:
        given = names.get(r.family) or []
        keys = [k or (given[r.slot(i, given)] if r.slot(i, given) < len(given) else None) for i, k in enumerate(r.keys)]
        if arg in keys:
            chosen[(r.base, keys.index(arg))].append(r)
    chosen = {k: v for k, v in chosen.items() if len({r.args[k[1]] for r in v}) >= 2}
    if not chosen:
        return None
    fig, (ax_time, ax_each) = new_figure(plt, 2)
    fig.set_size_inches(10, 4.2)
    xs = []
    for (base, index), rs in sorted(chosen.items()):
        dashed = base.endswith("_reference")
        for label, points in series(rs, names, index).items():
            x = [p[0] for p in points]
            xs += x
            name = f"{base[3:]} {label}".strip()
            style = dict(marker="o", markersize=3, linestyle="--" if dashed else "-", label=name)
            ax_time.plot(x, [p[1].seconds for p in points], **style)
            ax_each.plot(x, [p[1].seconds / p[0] for p in points], **style)
    for ax, ylabel in ((ax_time, "seconds per iteration"), (ax_each, f"seconds per iteration and {arg[:-1] if arg.endswith('s') else arg}")):
        log_x(ax, xs)
        ax.set_yscale("log")
        ax.set_xlabel(f"{arg}")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    ax_time.legend(fontsize=6)
    return save(fig, path, f"scaling with the number of {arg}", context)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("json", nargs="+", help="Google Benchmark output (--benchmark_out_format=json)")
    parser.add_argument("-o", "--output", default=".", help="directory for the PNG files (default: .)")
    parser.add_argument("--sources", default=str(Path(__file__).resolve().parent),
                        help="directory of the bench_*.cpp whose comments name the arguments")
    parser.add_argument("--scaling-arg", default="clients", help="argument of the scaling chart")
    args = parser.parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot.py: needs matplotlib (Debian: apt-get install python3-matplotlib)", file=sys.stderr)
        return 3
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in args.json:
        context, runs = load_runs(path)
        names = argument_names(args.sources, Path(context.get("executable", "")).name)
        stem = Path(path).stem
        stem_pairs = pairs(runs)
        for kind, make in (("ratios", lambda p: plot_ratios(plt, stem_pairs, names, context, p)),
                           ("throughput", lambda p: plot_throughput(plt, stem_pairs, names, context, p)),
                           ("scaling", lambda p: plot_scaling(plt, runs, names, args.scaling_arg, context, p))):
            made = make(out / f"{stem}-{kind}.png")
            plt.close("all")
            if made:
                print(made)
                written += 1
    if not written:
        print("plot.py: nothing to plot (no reference pairs, no scaling argument)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
