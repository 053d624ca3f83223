#!/usr/bin/python3
"""Checks output files of the vector families (algorithms.md §4): complete, x recorded as [record, agent, d]
and the multipliers as [record, agent, m] ([record, agent] when m = 1) with the problem's d and m, every recorded x_i in its local set X_i,
every multiplier >= 0, tracking exact for the trackers, and the series finite where the oracle ran.
Usage: check_vector_files.py run.h5 ..."""
import sys

import h5py
import numpy as np

SHAPES = {"pev": (24, 48), "regression": (5, 1)}


def pev_in_set(x, tol=1e-10):
    """x [..., 24] in X = {|x_k| <= 2, 0 <= S_k <= 10 (k < 24), 8 <= S_24 <= 10}: a boolean per profile."""
    S = np.cumsum(x, axis=-1)
    ok = np.all(np.abs(x) <= 2 + tol, axis=-1)
    ok &= np.all(S[..., :-1] >= -tol, axis=-1) & np.all(S <= 10 + tol, axis=-1) & (S[..., -1] >= 8 - tol)
    return ok


def check(path):
    errors = []
    f = h5py.File(path, "r")
    problem = f.attrs["problem"]
    if f.attrs["status"] != "complete":
        return [f"{path}: status {f.attrs['status']}"]
    d, m = SHAPES[problem]
    T, n = int(f.attrs["steps"]), int(f.attrs["agents"])
    x, mu = f["agents/x"][...], f["agents/mu"][...]
    # Width-1 fields stay [record, agent] (the layout of the scalar families).
    want_mu = (T, n, m) if m > 1 else (T, n)
    if x.shape != (T, n, d) or mu.shape != want_mu:
        errors.append(f"{path}: x {x.shape}, mu {mu.shape}; expected ({T}, {n}, {d}) and {want_mu}")
        return errors
    inside = pev_in_set(x) if problem == "pev" else np.all(np.abs(x) <= 2 + 1e-12, axis=-1)
    if not inside.all():
        errors.append(f"{path}: {np.count_nonzero(~inside)} recorded x_i outside X_i")
    if (mu < 0).any():
        errors.append(f"{path}: negative multipliers (min {mu.min()})")
    s = f["series"]
    if f.attrs["algorithm"] in ("pdct", "dopp"):
        t = np.arange(1, T + 1)
        bound = 1e-12 * t * (1 + s["constraint_abs"][...])
        if not (s["tracking_error"][...] <= bound).all():
            errors.append(f"{path}: tracking error above 1e-12 t (1 + sum|c|)")
    for name in ("F", "F_star", "regret", "violation", "violation_plus", "path_length"):
        if not np.isfinite(s[name][...]).all():
            errors.append(f"{path}: /series/{name} is not finite everywhere")
    print(f"{path}: {problem}/{f.attrs['algorithm']}, x {x.shape}, Reg(T)/T = {s['regret_avg'][-1]:.6g}, "
          f"Vio(T)/T = {s['violation_avg'][-1]:.6g}")
    return errors


def main(paths):
    errors = [e for p in paths for e in check(p)]
    print("\n".join(errors) if errors else f"all {len(paths)} files ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
