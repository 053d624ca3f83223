#!/usr/bin/python3
"""The regression scenario whose coupling constraint binds (inputs/regression_binding.yaml, issue 14): the
oracle's multiplier mu*_t is positive at 40-70 % of the steps (recomputed from /series/oracle_mu, equal to the
root attribute binding_fraction), and pdct's own multipliers follow: the agents' mean multiplier is positive
at a quarter of the steps at least and every recorded multiplier is >= 0.
Usage: check_binding.py run.h5"""
import sys

import h5py
import numpy as np


def main(path):
    errors = []
    with h5py.File(path, "r") as f:
        if f.attrs["status"] != "complete":
            return [f"{path}: status {f.attrs['status']}"]
        if f.attrs["problem"] != "regression" or float(f["inputs/problem"].attrs["noise"]) != 3.0:
            errors.append(f"{path}: not the binding regression scenario (noise 3)")
        T = int(f.attrs["steps"])
        mu_star = f["series/oracle_mu"][...]
        mu_mean = f["series/mu_mean"][...]
        mu = f["agents/mu"][...]
        if len(mu_star) != T or not np.all(np.isfinite(mu_star)):
            errors.append(f"{path}: /series/oracle_mu has {len(mu_star)} entries for T = {T} or is not finite")
        binding = float(np.mean(mu_star > 0))
        if not 0.4 <= binding <= 0.7:
            errors.append(f"{path}: the constraint binds at {binding:.3f} of the steps, expected 0.4-0.7")
        if abs(binding - float(f.attrs["binding_fraction"])) > 1e-12:
            errors.append(f"{path}: binding fraction {binding} recomputed, {f.attrs['binding_fraction']} recorded")
        active = float(np.mean(mu_mean > 0))
        if active < 0.25:
            errors.append(f"{path}: the agents' mean multiplier is positive at only {active:.3f} of the steps")
        if np.any(mu < 0):
            errors.append(f"{path}: a recorded multiplier is negative ({mu.min()})")
        print(f"{path}: binds at {binding:.3f} of {T} steps; agents' mean multiplier positive at {active:.3f}")
    return errors


if __name__ == "__main__":
    errs = main(sys.argv[1])
    for e in errs:
        print(e, file=sys.stderr)
    sys.exit(1 if errs else 0)
