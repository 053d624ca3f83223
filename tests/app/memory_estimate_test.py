#!/usr/bin/python3
"""The memory estimate of the banner against the measured peak (issue 18).

Runs dodge on `np` ranks over several N, graph families, problems, algorithms, with and without metrics and
output, and checks that the estimate per rank (run/memory.cpp) is within 10 % of the largest rank's peak
resident set (VmHWM), both printed in the run's summary line

    memory per rank   <estimate> bytes estimated, <peak> bytes peak (VmHWM, largest rank)

N is chosen so that the agents' memory is at least the fixed baseline (PETSc, MPI, HDF5) on every rank count.

usage: memory_estimate_test.py DODGE OUTDIR NP
"""
import os
import re
import subprocess
import sys

TOLERANCE = 0.10

# (label, N at one rank, options). N is divided by nothing: the largest rank holds ceil(N / np) agents, and
# the estimate has to follow that too.
CASES = [
    ("dispatch switching3 pdct", 250_000, []),
    ("dispatch switching3 pdct", 1_000_000, []),
    ("dispatch ring li2022 no metrics", 1_000_000, ["-graph_family", "ring", "-algorithm", "li2022", "-metrics", "false"]),
    ("dispatch torus dopp", 1_000_000, ["-graph_family", "torus", "-algorithm", "dopp"]),
    ("dispatch watts_strogatz", 1_000_000, ["-graph_family", "watts_strogatz"]),
    ("dispatch erdos_renyi", 20_000, ["-graph_family", "erdos_renyi"]),
    ("dispatch synthetic", 1_000_000, ["-dispatch_source", "synthetic"]),
    ("demand switching3 pdct", 1_000_000, ["-problem", "demand"]),
    ("pev pdct (oracle on rank 0)", 50_000, ["-problem", "pev", "-steps", "2"]),
    ("pev pdct no metrics", 250_000, ["-problem", "pev", "-steps", "2", "-metrics", "false"]),
    ("regression pdct", 200_000, ["-problem", "regression", "-steps", "2"]),
    ("ecs aca", 1_000_000, ["-problem", "ecs", "-algorithm", "aca", "-ecs_units", "20"]),
    ("gridcell mmr", 50_000, ["-problem", "gridcell", "-algorithm", "mmr", "-gridcell_days", "1", "-gridcell_eval_days", "1",
                              "-gridcell_warmup_days", "1"]),
    ("dispatch with output", 500_000, ["-output_agents", "first:10000", "-steps", "300"]),
]

LINE = re.compile(r"memory per rank\s+([0-9.]+) bytes estimated, ([0-9]+) bytes peak")


def main():
    dodge, outdir, np_ = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(outdir, exist_ok=True)
    failures = 0
    for k, (label, n, opts) in enumerate(CASES):
        args = ["-agents", str(n)]
        if "-steps" not in opts and "ecs" not in opts and "gridcell" not in opts:
            args += ["-steps", "5"]
        if "-output_agents" in opts:
            out = os.path.join(outdir, f"memory_np{np_}_{k}.h5")
            for p in (out, out + ".partial"):
                if os.path.exists(p):
                    os.remove(p)
            args += ["-output_file", out]
        else:
            args += ["-output_file", "none"]
        cmd = ["mpirun", "--oversubscribe", "-n", str(np_), dodge] + args + opts
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        except subprocess.TimeoutExpired:
            print(f"FAIL: {label} N = {n}: timed out: {' '.join(cmd)}")
            failures += 1
            continue
        m = LINE.search(r.stdout)
        if r.returncode != 0 or not m:
            print(f"FAIL: {label} N = {n}: exit {r.returncode}, no memory line: {' '.join(cmd)}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
            failures += 1
            continue
        est, peak = float(m.group(1)), float(m.group(2))
        ratio = est / peak
        ok = abs(ratio - 1.0) <= TOLERANCE
        print(f"{'ok' if ok else 'FAIL'}: {label:34s} N = {n:>9d} np = {np_}: estimated {est / 2**20:8.1f} MiB, "
              f"peak {peak / 2**20:8.1f} MiB, ratio {ratio:.3f}")
        failures += not ok
    if failures:
        print(f"FAIL: {failures} of {len(CASES)} estimates off by more than {TOLERANCE:.0%}")
        return 1
    print(f"ok: memory estimate within {TOLERANCE:.0%} of the peak in {len(CASES)} runs at {np_} ranks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
