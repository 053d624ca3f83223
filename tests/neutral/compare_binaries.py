#!/usr/bin/python3
"""Proves a change neutral (issue "One owner of the step"): runs every scenario file in inputs/ and every
algorithm x family with two dodge binaries and compares the outputs: /agents bitwise, /series to 1e-12
relative (to max(1, |reference|); *_rms series as their squares), timing columns excepted.

Usage: compare_binaries.py OLD_DODGE NEW_DODGE [-np P] [-steps T] [-k SUBSTRING] [-keep DIR] [-new_args "..."]

-new_args appends options to the new binary's runs only: the same binary with "-sf_type neighbor" proves an
alternative path neutral, with "-seed 2" shows that the comparison catches a change.

A configuration both binaries refuse with the same exit code is reported as 'refused by both' (e.g. coa on
a vector family) and does not count as a difference; one that only one binary refuses does.
Exit 0 when every configuration agrees, 1 when some differ, 2 on a usage error (nothing compared)."""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBLEMS = ["dispatch", "demand", "pev", "regression"]
ALGORITHMS = ["pdct", "li2022", "dopp", "coa", "doa", "dpa", "offline"]
TIMING = {"step_time"}  # wall-clock columns differ by nature
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def configurations(steps):
    """(name, args) of every run to compare."""
    out = []
    for y in sorted(glob.glob(os.path.join(ROOT, "inputs", "*.yaml"))):
        name = os.path.splitext(os.path.basename(y))[0]
        args = ["-options_file", y, "-steps", str(steps)]
        if "large" in name:  # the large-N presets, cut to a size that runs here in seconds
            args += ["-agents", "2000"]
        out.append(("scenario_" + name, args))
    for p in PROBLEMS:
        for a in ALGORITHMS:
            out.append((f"{a}_{p}", ["-problem", p, "-algorithm", a, "-steps", str(steps)]))
    return out


def run(binary, args, out, np_, extra=()):
    cmd = ["mpirun", "-n", str(np_), binary] + args + list(extra) + ["-progress", "0", "-output_agents", "first:64",
                                                        "-output_file", out]
    env = dict(os.environ, **MPI_ENV)
    r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    return r.returncode, r.stdout.decode(errors="replace")


NOT_A_VARIABLE = b"This is a netCDF dimension but not a netCDF variable."


def is_dimension_only(d):
    """A netCDF dimension without a variable (lib/io/cf.hpp): a never-written float32 scale with no values,
    part of the file's netCDF layout, not of the run."""
    name = d.attrs.get("NAME", b"")
    return (name.encode() if isinstance(name, str) else bytes(name)).startswith(NOT_A_VARIABLE)


def datasets(group):
    out = {}
    group.visititems(lambda n, o: out.__setitem__(n, o)
                     if isinstance(o, h5py.Dataset) and not is_dimension_only(o) else None)
    return out


def compare(ref_path, new_path):
    """Differences between two output files, as messages (empty: neutral)."""
    msgs = []
    with h5py.File(ref_path, "r") as a, h5py.File(new_path, "r") as b:
        for top in ("agents", "series"):
            if top not in a:
                continue
            if top not in b:
                msgs.append(f"/{top} missing")
                continue
            da, db = datasets(a[top]), datasets(b[top])
            for n in sorted(set(da) - set(db)):
                msgs.append(f"/{top}/{n} missing in the new file")
            for n in sorted(set(db) - set(da)):
                msgs.append(f"/{top}/{n} only in the new file")
            for n in sorted(set(da) & set(db)):
                if n in TIMING or da[n].dtype.kind not in "fiu":
                    continue
                x, y = da[n][...], db[n][...]
                if x.shape != y.shape:
                    msgs.append(f"/{top}/{n}: shape {x.shape} vs {y.shape}")
                elif top == "agents":
                    if not np.array_equal(x, y, equal_nan=True):
                        d = np.nanmax(np.abs(x.astype(float) - y.astype(float)))
                        msgs.append(f"/agents/{n}: not bitwise equal (max |diff| {d:.3e})")
                else:
                    xf, yf = x.astype(float), y.astype(float)
                    if n.endswith("_rms"):
                        # An RMS is the square root of a reduced sum of squares: its terms' scale is the square
                        # (algorithms.md §0.6), and the root amplifies a rounding-level variance (a consensus
                        # error that is exactly 0 comes out as ~1e-9). Compare the squares, as
                        # tests/app/compare_runs.py does across rank counts.
                        xf, yf = xf * xf, yf * yf
                    nan_ok = np.array_equal(np.isnan(xf), np.isnan(yf))
                    with np.errstate(invalid="ignore"):
                        rel = np.abs(xf - yf) / np.maximum(1.0, np.abs(xf))
                    worst = np.nanmax(rel) if rel.size and not np.all(np.isnan(rel)) else 0.0
                    if not nan_ok or worst > 1e-12:
                        msgs.append(f"/series/{n}: relative difference {worst:.3e}" + ("" if nan_ok else ", NaN pattern differs"))
    return msgs


def usage_error(msg):
    print(f"compare_binaries: {msg}", file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("-np", type=int, default=2, help="MPI ranks of every run (default 2)")
    ap.add_argument("-steps", type=int, default=60, help="steps of every run (default 60)")
    ap.add_argument("-k", default="", help="only configurations whose name contains this")
    ap.add_argument("-keep", default="", help="keep the output files in this directory")
    ap.add_argument("-new_args", default="", help="options appended to the new binary's runs only")
    o = ap.parse_args()
    for b in (o.old, o.new):
        if not os.access(b, os.X_OK):
            usage_error(f"{b} is not an executable dodge binary")
    work = o.keep or tempfile.mkdtemp(prefix="dodge_neutral_")
    os.makedirs(work, exist_ok=True)
    differ = agree = refused = 0
    if not any(o.k in n for n, _ in configurations(o.steps)):
        usage_error(f"no configuration matches -k {o.k!r}")
    for name, args in configurations(o.steps):
        if o.k not in name:
            continue
        fa, fb = os.path.join(work, name + "_old.h5"), os.path.join(work, name + "_new.h5")
        ra, oa = run(o.old, args, fa, o.np)
        rb, ob = run(o.new, args, fb, o.np, o.new_args.split())
        if ra != 0 or rb != 0:
            if ra == rb:
                refused += 1
                print(f"refused   {name} (both exit {ra})")
            else:
                differ += 1
                print(f"DIFFERS   {name}: exit {ra} (old) vs {rb} (new)\n" + (ob if rb else oa)[-2000:])
            continue
        msgs = compare(fa, fb)
        if msgs:
            differ += 1
            print(f"DIFFERS   {name}:\n    " + "\n    ".join(msgs))
        else:
            agree += 1
            print(f"identical {name}")
    if not o.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{agree} identical, {refused} refused by both, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
