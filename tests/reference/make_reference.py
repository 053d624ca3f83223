#!/usr/bin/python3
"""Stored reference runs: one small run of every algorithm x problem family, the anchors that catch any change
of dodge's results (tests/reference/README.md). This script (re)generates them; check_reference.py reruns one
configuration with the current binary and compares it against its stored file.

Usage (from the repository root, after `cmake --build --preset release`):
    source jobs/local/env.sh
    /usr/bin/python3 tests/reference/make_reference.py build/app/dodge [-k SUBSTRING]

It runs every configuration of CONFIGS on GENERATE_RANKS ranks and writes tests/reference/<name>.h5: a
stripped copy of dodge's output with /agents, /series and /inputs and the root attributes that are results
(wall-clock, host, version, git hash, option string and rank count dropped; the repository path in
descriptions replaced by ${ROOT}). A configuration dodge refuses (coa, doa, dpa on the vector families: exit
75) is stored as a file holding only its exit code and message, so the refusal is anchored too.

REGENERATING CHANGES WHAT THE TESTS ACCEPT AS CORRECT. Do it only when a change of results is intended, and
say in the commit message which change makes which results differ and why the new ones are right (e.g. "fix
of the S2 step size: alpha_t now 1/t^0.5 as in the paper"); a refactoring must leave every file unchanged.
Run `ctest --preset release -R reference` before regenerating to see exactly which datasets change."""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROBLEMS = ["dispatch", "demand", "pev", "regression"]  # as tests/neutral/compare_binaries.py
ALGORITHMS = ["pdct", "li2022", "dopp", "coa", "doa", "dpa", "offline"]
STEPS = 12
GENERATE_RANKS = 2
NOT_A_VARIABLE = b"This is a netCDF dimension but not a netCDF variable."


def is_dimension_only(d):
    """A netCDF dimension without a variable (lib/io/cf.hpp): a never-written float32 scale with no values,
    part of the file's netCDF layout, not of the run."""
    name = d.attrs.get("NAME", b"")
    return (name.encode() if isinstance(name, str) else bytes(name)).startswith(NOT_A_VARIABLE)


# Dropped from the stored copy and never compared: they differ from run to run by nature.
VOLATILE_SERIES = {"step_time"}
VOLATILE_ATTRS = {"start_time", "end_time", "wall_time_s", "agent_steps_per_s", "git_hash", "dodge_version",
                  "options", "ranks", "host", "hostname", "run_id",
                  # the traffic and the halo depend on the rank count by nature
                  "mpi_messages", "mpi_bytes", "halo_ghosts_total", "halo_ghosts_max", "halo_peers_total",
                  "halo_peers_max", "halo_cut_entries", "halo_entries"}
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


# Rank counts: the stored file is made on GENERATE_RANKS ranks, and on those ranks a rerun must match it with
# the tolerances of compare_binaries.py (/agents bitwise, /series 1e-12). On other rank counts the graph
# algorithms (pdct, li2022, dopp) still give bitwise identical agents (algorithms.md §0.6), but global sums
# only agree to 1e-12 relative to their terms' scale: the coordinator prices of coa, doa, dpa and offline's
# solves come from global sums, so on other rank counts their agents are compared to 1e-12 relative (as
# tests/app/compare_demand_runs.py does) and their *_rms series as squares (a rounding-level variance is
# amplified by the square root; as tests/app/compare_runs.py does). offline on the vector families keeps
# bitwise agents (tests/app/vector.cmake checks them with compare_runs.py).
GLOBAL_SUM_ALGORITHMS = {"coa", "doa", "dpa", "offline"}
SCALAR_FAMILIES = {"dispatch", "demand"}


def cross_rank_tolerance(name):
    """(agents relative tolerance, compare *_rms as squares) for a rerun on a rank count other than
    GENERATE_RANKS."""
    a, p = name.split("_", 1)
    if a not in GLOBAL_SUM_ALGORITHMS:
        return 0.0, False
    return (1e-12 if p in SCALAR_FAMILIES else 0.0), True


def configurations():
    """name -> dodge arguments, the per-family runs of compare_binaries.py at STEPS steps."""
    return {f"{a}_{p}": ["-problem", p, "-algorithm", a, "-steps", str(STEPS), "-output_agents", "first:64"]
            for p in PROBLEMS for a in ALGORITHMS}


def run_dodge(binary, args, out, np_):
    """Runs dodge on np_ ranks; returns (exit code, output text)."""
    cmd = ["mpirun", "-n", str(np_), "--oversubscribe", binary] + args + ["-progress", "0", "-output_file", out]
    env = dict(os.environ, **MPI_ENV)
    r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    return r.returncode, r.stdout.decode(errors="replace")


def normalized(value):
    """An attribute value with the repository path replaced, so files compare across checkouts."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        return value.replace(ROOT, "${ROOT}")
    return value


def refusal_message(log):
    """dodge's message for a refused configuration: its one 'dodge: error:' line (older binaries: the
    '[0]PETSC ERROR:' line that says why, so a file made by either compares with either)."""
    for line in log.splitlines():
        if line.startswith("dodge: error:"):
            return line.split("dodge: error:", 1)[1].strip()
        if "PETSC ERROR:" in line and ("does not run" in line or "needs" in line or "refuse" in line):
            return line.split("PETSC ERROR:", 1)[1].strip()
    return ""


def strip_copy(src, dst, name, args):
    """Writes the comparable part of dodge's output file src to dst."""
    with h5py.File(src, "r") as a, h5py.File(dst, "w") as b:
        for top in ("agents", "series", "inputs"):
            if top not in a:
                continue

            def copy(n, o, top=top):
                if (isinstance(o, h5py.Dataset) and not (top == "series" and n in VOLATILE_SERIES)
                        and not is_dimension_only(o)):
                    b.create_dataset(f"{top}/{n}", data=o[...])
            a[top].visititems(copy)
        for k, v in a.attrs.items():
            if k not in VOLATILE_ATTRS:
                b.attrs[k] = normalized(v)
        b.attrs["reference_name"] = name
        b.attrs["reference_args"] = " ".join(args)
        b.attrs["reference_ranks"] = GENERATE_RANKS


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dodge", help="the dodge binary (build/app/dodge)")
    ap.add_argument("-k", default="", help="only configurations whose name contains this")
    o = ap.parse_args()
    binary = os.path.abspath(o.dodge)
    if not os.access(binary, os.X_OK):
        print(f"make_reference: {binary} is not an executable", file=sys.stderr)
        return 2
    tmp = os.path.join(HERE, ".tmp_run.h5")
    for name, args in configurations().items():
        if o.k not in name:
            continue
        dst = os.path.join(HERE, name + ".h5")
        if os.path.exists(tmp):
            os.remove(tmp)
        rc, log = run_dodge(binary, args, tmp, GENERATE_RANKS)
        if rc == 0:
            strip_copy(tmp, dst, name, args)
            print(f"wrote   {dst} ({os.path.getsize(dst)} bytes)")
        else:
            msg = refusal_message(log)
            if not msg:
                print(f"make_reference: {name} failed with exit {rc} and no refusal message:\n{log[-2000:]}")
                return 1
            with h5py.File(dst, "w") as b:
                b.attrs["reference_name"] = name
                b.attrs["reference_args"] = " ".join(args)
                b.attrs["reference_ranks"] = GENERATE_RANKS
                b.attrs["refused_exit"] = rc
                b.attrs["refused_message"] = normalized(msg)
            print(f"refused {dst} (exit {rc}: {msg})")
    if os.path.exists(tmp):
        os.remove(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
