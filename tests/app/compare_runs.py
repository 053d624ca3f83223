#!/usr/bin/python3
"""Checks that dodge runs of one scenario at different rank counts agree: agent trajectories bitwise,
global series to 1e-12 relative (algorithms.md §0.6, §15.12). Usage: compare_runs.py ref.h5 other.h5 ..."""
import sys

import h5py
import numpy as np


def main(paths):
    ref = h5py.File(paths[0], "r")
    assert ref.attrs["status"] == "complete", f"{paths[0]}: status {ref.attrs['status']}"
    fields = sorted(ref["agents"].keys())
    for f in ("x", "mu", "y"):
        assert f in fields, f"{paths[0]}: /agents/{f} missing"
    failures = []
    for p in paths[1:]:
        other = h5py.File(p, "r")
        if other.attrs["status"] != "complete":
            failures.append(f"{p}: status {other.attrs['status']}")
            continue
        for f in fields:
            a, b = ref["agents"][f][...], other["agents"][f][...]
            if a.shape != b.shape or not np.array_equal(a.view(np.uint64), b.view(np.uint64)):
                diff = np.nanmax(np.abs(a - b)) if a.shape == b.shape else "shape"
                failures.append(f"{p}: /agents/{f} differs from {paths[0]} (max |diff| {diff})")
        for s in ref["series"].keys():
            if s in ("step_time", "oracle_iterations"):
                continue  # wall time; Newton may stop one iteration apart when sums differ in the last bit
            a, b = ref["series"][s][...], other["series"][s][...]
            if s.endswith("_rms"):
                # An RMS comes from a reduced sum of squares; its terms' scale is the square (§0.6), and a
                # rounding-level variance is amplified by the square root. Compare the squares.
                a, b = a * a, b * b
            scale = np.maximum(1.0, np.abs(a))
            bad = ~np.isclose(a, b, rtol=1e-12, atol=0) & ~(np.abs(a - b) <= 1e-12 * scale)
            bad &= ~(np.isnan(a) & np.isnan(b))
            if bad.any():
                i = int(np.argmax(bad))
                failures.append(f"{p}: /series/{s}[{i}] = {b[i]!r} vs {a[i]!r}")
        print(f"{p}: ranks {other.attrs['ranks']}, compared {len(fields)} agent fields and {len(ref['series'])} series")
    if failures:
        print("\n".join(failures))
        return 1
    print(f"all {len(paths)} runs agree ({ref['agents']['x'].shape[0]} records x {ref['agents']['x'].shape[1]} agents)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
