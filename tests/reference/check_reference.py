#!/usr/bin/python3
"""Reruns one stored reference configuration (make_reference.py) with the given dodge binary on NP ranks and
compares its output with tests/reference/<name>.h5, with the tolerances of tests/neutral/compare_binaries.py:
/agents bitwise, /series to 1e-12 relative to max(1, |reference|, the term scale of the sum), step_time
excepted (the term scales are those of tests/app/compare_runs.py: a sum such as F* that cancels to a small value
rounds at the scale of its terms, algorithms.md §0.6); also /inputs bitwise
and the stored root attributes (numbers to 1e-12 relative, text exactly). A configuration stored as refused
must still be refused with the same exit code and message.

Usage: check_reference.py DODGE NAME NP [-extra "options"]
  -extra appends options to the rerun only (to show that the check catches a change: -extra "-seed 2").
Exit 0 when the run matches, 1 when it differs (each difference named with its dataset and first differing
index), 2 on a usage error."""
import argparse
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
import compare_runs  # noqa: E402
import make_reference as mr  # noqa: E402

SERIES_RTOL = 1e-12


def datasets(group):
    out = {}
    group.visititems(lambda n, o: out.__setitem__(n, o[...])
                     if isinstance(o, h5py.Dataset) and not mr.is_dimension_only(o) else None)
    return out


def first_index(mask):
    idx = np.argwhere(mask)
    return tuple(int(i) for i in idx[0]) if idx.size else ()


def compare_arrays(path, ref, new, rtol, scale=None):
    """None if new matches ref (bitwise for rtol 0), else a message naming path and the first differing index.
    The relative difference is taken to max(1, |ref|, scale) (scale: the sum's term scale, or None)."""
    if ref.shape != new.shape:
        return f"{path}: shape {new.shape}, reference {ref.shape}"
    if ref.dtype.kind not in "fiub":
        if ref.dtype.kind in "SUO":
            bad = np.asarray(ref != new)
            if bad.any():
                i = first_index(bad.reshape(ref.shape) if bad.shape == ref.shape else np.atleast_1d(bad))
                return f"{path}: differs at index {i}"
        return None
    if rtol == 0.0:
        same = (ref == new) | (np.isnan(ref) & np.isnan(new) if ref.dtype.kind == "f" else False)
        if not np.all(same):
            i = first_index(~np.atleast_1d(same))
            r, n = np.atleast_1d(ref)[i], np.atleast_1d(new)[i]
            return f"{path}: not bitwise equal, first at index {i}: {n!r} vs reference {r!r}"
        return None
    a, b = ref.astype(float), new.astype(float)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore"):
        den = np.maximum(1.0, np.abs(a))
        if scale is not None and np.shape(scale) == np.shape(a):
            den = np.maximum(den, scale)
        rel = np.abs(a - b) / den
    bad = (nan_a != nan_b) | (~nan_a & ~nan_b & ~(rel <= rtol))
    if np.any(bad):
        bad = np.atleast_1d(bad)
        i = first_index(bad)
        worst = np.nanmax(np.where(nan_a | nan_b, 0.0, rel))
        return (f"{path}: relative difference above {rtol:g} (max {worst:.3e}), first at index {i}: "
                f"{np.atleast_1d(b)[i]!r} vs reference {np.atleast_1d(a)[i]!r}")
    return None


def compare(ref_path, new_path, agents_rtol=0.0, rms_squared=False):
    """Differences of the run new_path from the stored reference ref_path, as messages (empty: equal).
    agents_rtol and rms_squared relax only what another rank count may change (make_reference.py)."""
    msgs = []
    with h5py.File(ref_path, "r") as ref, h5py.File(new_path, "r") as new:
        scales = compare_runs.tolerance_scales(ref) if "series" in ref and "F" in ref["series"] else {}
        for top, rtol in (("agents", agents_rtol), ("series", SERIES_RTOL), ("inputs", 0.0)):
            if top not in ref:
                continue
            if top not in new:
                msgs.append(f"/{top}: missing in the new run")
                continue
            dr, dn = datasets(ref[top]), datasets(new[top])
            for n in sorted(set(dr) - set(dn)):
                msgs.append(f"/{top}/{n}: missing in the new run")
            for n in sorted(set(dr) & set(dn)):
                if top == "series" and n in mr.VOLATILE_SERIES:
                    continue
                a, b = dr[n], dn[n]
                if top == "series" and rms_squared and n.endswith("_rms"):
                    a, b = a * a, b * b
                sc = scales.get(n) if top == "series" and not n.endswith("_rms") else None
                m = compare_arrays(f"/{top}/{n}" + (" (squared)" if a is not dr[n] else ""), a, b, rtol, sc)
                if m:
                    msgs.append(m)
            # A dataset only in the new run is a change of the output too (regenerate, with a reason).
            for n in sorted(set(dn) - set(dr)):
                if not (top == "series" and n in mr.VOLATILE_SERIES):
                    msgs.append(f"/{top}/{n}: only in the new run, not in the reference")
        for k, v in ref.attrs.items():
            if k.startswith("reference_"):
                continue
            if k not in new.attrs:
                msgs.append(f"attribute {k}: missing in the new run")
                continue
            w = mr.normalized(new.attrs[k])
            if isinstance(v, (str, bytes)):
                if mr.normalized(v) != w:
                    msgs.append(f"attribute {k}: {w!r} vs reference {mr.normalized(v)!r}")
            else:
                m = compare_arrays(f"attribute {k}", np.asarray(v), np.asarray(w), SERIES_RTOL)
                if m:
                    msgs.append(m)
    return msgs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dodge")
    ap.add_argument("name")
    ap.add_argument("np", type=int)
    ap.add_argument("-extra", default="", help="options appended to the rerun only")
    o = ap.parse_args()
    configs = mr.configurations()
    ref_path = os.path.join(mr.HERE, o.name + ".h5")
    if o.name not in configs:
        print(f"check_reference: no configuration {o.name!r} in make_reference.py")
        return 2
    if not os.path.exists(ref_path):
        print(f"check_reference: no stored reference {ref_path}; generate it with make_reference.py")
        return 2
    if not os.access(o.dodge, os.X_OK):
        print(f"check_reference: {o.dodge} is not an executable")
        return 2
    args = configs[o.name]
    with h5py.File(ref_path, "r") as ref:
        stored_args = mr.normalized(ref.attrs["reference_args"])
        refused = int(ref.attrs["refused_exit"]) if "refused_exit" in ref.attrs else None
        ref_ranks = int(ref.attrs["reference_ranks"])
        refused_msg = mr.normalized(ref.attrs.get("refused_message", ""))
    if stored_args != " ".join(args):
        print(f"FAIL: {ref_path} was made with '{stored_args}' but make_reference.py now runs '{' '.join(args)}': "
              "regenerate it (with a reason in the commit message)")
        return 1
    with tempfile.TemporaryDirectory(prefix="dodge_ref_") as work:
        out = os.path.join(work, o.name + ".h5")
        rc, log = mr.run_dodge(os.path.abspath(o.dodge), args + o.extra.split(), out, o.np)
        if refused is not None:
            msg = mr.refusal_message(log)
            if rc != refused or msg != refused_msg:
                print(f"FAIL: {o.name} on {o.np} ranks: exit {rc} with message {msg!r}; the reference is a refusal "
                      f"with exit {refused} and {refused_msg!r}\n{log[-1500:]}")
                return 1
            print(f"ok: {o.name} on {o.np} ranks refused as stored (exit {rc}: {msg})")
            return 0
        if rc != 0:
            print(f"FAIL: {o.name} on {o.np} ranks exited {rc}\n{log[-2000:]}")
            return 1
        # *_rms series are compared as their squares on every rank count: the root amplifies a rounding-level
        # variance (a consensus error that is exactly 0 comes out as ~1e-9), so the sum of squares it comes from
        # is what agrees to 1e-12 (as compare_binaries.py and tests/app/compare_runs.py compare them).
        agents_rtol = 0.0 if o.np == ref_ranks else mr.cross_rank_tolerance(o.name)[0]
        rms_squared = True
        msgs = compare(ref_path, out, agents_rtol, rms_squared)
    how = (f"/agents {'bitwise' if agents_rtol == 0 else f'to {agents_rtol:g}'}, /inputs bitwise, /series to "
           f"{SERIES_RTOL:g}{' (*_rms squared)' if rms_squared else ''}; made on {ref_ranks} ranks")
    if msgs:
        print(f"FAIL: {o.name} on {o.np} ranks differs from {ref_path} ({how}; {len(msgs)} differences):\n  "
              + "\n  ".join(msgs[:12]) + (f"\n  ... and {len(msgs) - 12} more" if len(msgs) > 12 else ""))
        return 1
    print(f"ok: {o.name} on {o.np} ranks matches {ref_path} ({how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
