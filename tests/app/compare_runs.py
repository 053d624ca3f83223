#!/usr/bin/python3
"""Checks that dodge runs of one scenario at different rank counts agree: agent trajectories bitwise,
global series to 1e-12 relative (algorithms.md §0.6, §15.12). Usage: compare_runs.py ref.h5 other.h5 ..."""
import sys

import h5py
import numpy as np


NOT_A_VARIABLE = b"This is a netCDF dimension but not a netCDF variable."


def is_dimension_only(d):
    """A netCDF dimension without a variable (lib/io/cf.hpp): a never-written float32 scale, no values."""
    name = d.attrs.get("NAME", b"")
    return (name.encode() if isinstance(name, str) else bytes(name)).startswith(NOT_A_VARIABLE)


def bitwise_equal(a, b):
    """Same shape, dtype and bits (NaN payloads and signed zeros included)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return a.tobytes() == b.tobytes()


def tolerance_scales(f):
    """Global sums agree across rank counts to 1e-12 relative to the sum of the absolute values of their
    terms (algorithms.md §0.6). For the running sums that is the running sum of the per-step term scales."""
    s = f["series"]
    T = s["F"].shape[0]
    t = np.arange(1, T + 1, dtype=float)
    out = {}
    if "constraint_abs" in s:
        cabs = np.maximum(1.0, s["constraint_abs"][...])
        out["constraint"] = cabs
        # |Σy − Σc| is rounding accumulated over the steps: the §15.1 bound t (1 + Σ|c|).
        out["tracking_error"] = t * (1.0 + s["constraint_abs"][...])
        for name in ("violation", "violation_plus"):
            out[name] = np.cumsum(cabs)
        out["violation_avg"] = np.cumsum(cabs) / t
    if "F_abs" in s:
        # The scales of the cost sums themselves: sum_i |f_i| at x_t and at x*_t (a sum that cancels, such as
        # F* = -6.2 from terms of 10^3, rounds at the scale of its terms, not of its value).
        F, Fs = s["F_abs"][...], np.nan_to_num(s["F_star_abs"][...])
        out["F"], out["F_star"] = np.maximum(1.0, F), np.maximum(1.0, Fs)
    else:  # a file of an older dodge: the values' own magnitudes
        F, Fs = np.abs(s["F"][...]), np.abs(np.nan_to_num(s["F_star"][...]))
    fabs = np.maximum(1.0, np.cumsum(F + Fs))
    out["regret"] = fabs
    out["regret_avg"] = fabs / t
    out["regret_dollars"] = fabs * float(f.attrs.get("cost_to_dollars", 1.0))
    return out


def main(paths):
    ref = h5py.File(paths[0], "r")
    assert ref.attrs["status"] == "complete", f"{paths[0]}: status {ref.attrs['status']}"
    fields = sorted(k for k in ref["agents"].keys() if not is_dimension_only(ref["agents"][k]))
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
            if not bitwise_equal(a, b):
                diff = np.nanmax(np.abs(a.astype(float) - b.astype(float))) if a.shape == b.shape else "shape"
                failures.append(f"{p}: /agents/{f} differs from {paths[0]} (max |diff| {diff})")
        scales = tolerance_scales(ref)
        for s in ref["series"].keys():
            if s in ("step_time", "oracle_iterations") or is_dimension_only(ref["series"][s]):
                continue  # wall time; Newton may stop one iteration apart when sums differ in the last bit
            a, b = ref["series"][s][...], other["series"][s][...]
            if s.endswith("_rms"):
                # An RMS comes from a reduced sum of squares; its terms' scale is the square (§0.6), and a
                # rounding-level variance is amplified by the square root. Compare the squares.
                a, b = a * a, b * b
            scale = scales.get(s, np.maximum(1.0, np.abs(a)))
            bad = ~(np.abs(a - b) <= 1e-12 * scale)
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
