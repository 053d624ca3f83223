#!/usr/bin/python3
"""Speed of two dodge binaries on the same runs, measured in one interleaved session (issue "One owner of the
step": the redesigned step must run at >= 0.97x the old one).

Usage: compare_speed.py OLD_DODGE NEW_DODGE [-agents N] [-steps T] [-np P] [-rounds R] [-graph ring] [-args "..."]

For metrics on and off, the two binaries run alternately (old, new, old, new, ...) R times each, so that a
slow spell of the machine hits both; each run reports dodge's own agent-steps per second (step time only, no
I/O: -output_file none). The ratio new/old of the medians and the min/max of the per-round ratios are
printed as a Markdown table with the machine and the command. Timings on a shared 2-core machine are noisy:
read the spread, not only the median. Exit 0 unless a run fails (this is a measurement, not a test)."""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys

MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}
RATE = re.compile(r"agent-steps per second\s+([0-9.eE+-]+)")


def run(binary, np_, args):
    cmd = ["mpirun", "-n", str(np_), binary] + args + ["-output_file", "none", "-progress", "0"]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **MPI_ENV})
    m = RATE.search(p.stdout)
    if p.returncode != 0 or not m:
        print(f"run failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stdout[-1500:]}{p.stderr[-1500:]}", file=sys.stderr)
        sys.exit(1)
    return float(m.group(1))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("-agents", type=int, default=1000000)
    ap.add_argument("-steps", type=int, default=100)
    ap.add_argument("-np", type=int, default=1)
    ap.add_argument("-rounds", type=int, default=5)
    ap.add_argument("-graph", default="ring")
    ap.add_argument("-args", default="", help="more dodge options for every run, e.g. \"-algorithm li2022\"")
    o = ap.parse_args()
    for b in (o.old, o.new):
        if not os.access(b, os.X_OK):
            print(f"compare_speed: {b} is not an executable", file=sys.stderr)
            return 2
    base = ["-agents", str(o.agents), "-steps", str(o.steps), "-graph_family", o.graph] + o.args.split()
    print(f"# {cpu_model()}, {os.cpu_count()} cores; {o.np} rank(s); N = {o.agents}, T = {o.steps}, "
          f"graph {o.graph}, {o.rounds} interleaved rounds; options {' '.join(base)}")
    print(f"# old: {o.old}\n# new: {o.new}\n")
    print("| metrics | old agent-steps/s (median) | new (median) | new/old median | per-round new/old min..max |")
    print("|:---:|---:|---:|---:|---:|")
    for metrics in ("true", "false"):
        args = base + ["-metrics", metrics]
        old, new = [], []
        run(o.old, o.np, args)  # warm the page cache and the data files once
        for _ in range(o.rounds):
            old.append(run(o.old, o.np, args))
            new.append(run(o.new, o.np, args))
        ratios = [n / b for n, b in zip(new, old)]
        mo, mn = statistics.median(old), statistics.median(new)
        print(f"| {'on' if metrics == 'true' else 'off'} | {mo:.4e} | {mn:.4e} | {mn / mo:.3f} | "
              f"{min(ratios):.3f}..{max(ratios):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
