#!/usr/bin/python3
"""Checks that dodge runs of one scenario at different rank counts agree to a relative tolerance: agent
fields and /series (algorithms.md §0.6). Coordinator prices come from global sums, which may differ in the
last bits between rank counts, so agent trajectories agree to rounding rather than bitwise (graph algorithms:
use compare_runs.py). Also compares the demand summary attributes.
Usage: compare_demand_runs.py [--rtol R] ref.h5 other.h5 ..."""
import sys

import h5py
import numpy as np

SKIP = ("step_time", "oracle_iterations")


def close(a, b, rtol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False, "shape"
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.abs(a - b)
    ok = both_nan | (diff <= rtol * np.maximum(1.0, np.abs(a)))
    worst = np.nanmax(np.where(both_nan, 0.0, diff)) if diff.size else 0.0
    return bool(ok.all()), worst


def main(argv):
    rtol = 1e-12
    if argv and argv[0] == "--rtol":
        rtol = float(argv[1])
        argv = argv[2:]
    ref = h5py.File(argv[0], "r")
    assert ref.attrs["status"] == "complete", f"{argv[0]}: status {ref.attrs['status']}"
    failures = []
    for p in argv[1:]:
        other = h5py.File(p, "r")
        if other.attrs["status"] != "complete":
            failures.append(f"{p}: status {other.attrs['status']}")
            continue
        if "agents" in ref:
            for f in sorted(ref["agents"].keys()):
                if f in ("agent", "record_step"):
                    continue
                ok, worst = close(ref["agents"][f][...], other["agents"][f][...], rtol)
                if not ok:
                    failures.append(f"{p}: /agents/{f} differs from {argv[0]} (max |diff| {worst})")
        for s in ref["series"].keys():
            if s in SKIP:
                continue
            a, b = ref["series"][s][...], other["series"][s][...]
            if s.endswith("_rms"):
                a, b = a * a, b * b
            ok, worst = close(a, b, rtol)
            if not ok:
                failures.append(f"{p}: /series/{s} differs (max |diff| {worst})")
        for k, v in ref.attrs.items():
            # A solver's residual at stop (offline's projected-gradient norm) is not a result.
            if k.startswith("demand_") and not k.endswith("pg_inf") and isinstance(v, (float, np.floating)):
                ok, worst = close(v, other.attrs.get(k, np.nan), rtol)
                if not ok:
                    failures.append(f"{p}: attribute {k} = {other.attrs.get(k)} vs {v}")
        print(f"{p}: ranks {other.attrs['ranks']} agrees with {argv[0]} to rtol {rtol}" if not failures else f"{p}: compared")
    if failures:
        print("\n".join(failures))
        return 1
    print(f"all {len(argv)} runs agree to rtol {rtol}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
