#!/usr/bin/python3
"""The consensus RMS series of §12 are the two-pass form: checks dodge's /series/consensus_{mu,y}_rms against
a two-pass computation in numpy from the recorded agents (every agent, every step), to 1e-12 of the values'
scale, and that runs of one scenario at different rank counts agree to that tolerance too. With
--zero-first-step, all agents start equal at step 1 (-pdct_init lower on identical agents) and both RMS
values of step 1 must be exactly 0 (a one-pass Σμ²/n − μ̄² reported 7.7e-9 there).

Usage: check_consensus.py [--zero-first-step] run_np1.h5 run_np2.h5 ..."""
import sys

import h5py
import numpy as np


def two_pass(f):
    a, s = f["agents"], f["series"]
    steps = a["record_step"][...]
    mu, y = a["mu"][...], a["y"][...]
    n = mu.shape[1]
    if mu.ndim == 3:
        # Vector families: the 2-norm over the m rows of the per-row RMS. /series holds no per-row constraint
        # sums, so y's reference c̄ per row is not in the file: y is not checked (NaN).
        dev = mu - mu.mean(axis=1, keepdims=True)
        mu_rms = np.sqrt(np.sum(np.mean(dev ** 2, axis=1), axis=1))
        scale_mu = np.max(np.abs(mu), axis=(1, 2))
        nan = np.full(len(steps), np.nan)
        return steps, mu_rms, nan, scale_mu, nan
    c_mean = s["constraint"][...][steps - 1] / n
    mu_rms = np.sqrt(np.mean((mu - mu.mean(axis=1, keepdims=True)) ** 2, axis=1))
    y_rms = np.sqrt(np.mean((y - c_mean[:, None]) ** 2, axis=1))
    scale_mu = np.max(np.abs(mu), axis=1)
    scale_y = np.max(np.abs(y), axis=1) + np.abs(c_mean)
    return steps, mu_rms, y_rms, scale_mu, scale_y


def main(argv):
    zero_first = "--zero-first-step" in argv
    paths = [p for p in argv if not p.startswith("--")]
    failures, series = [], []
    for p in paths:
        f = h5py.File(p, "r")
        if f.attrs["status"] != "complete":
            failures.append(f"{p}: status {f.attrs['status']}")
            continue
        steps, mu_rms, y_rms, smu, sy = two_pass(f)
        s = f["series"]
        got_mu, got_y = s["consensus_mu_rms"][...][steps - 1], s["consensus_y_rms"][...][steps - 1]
        for name, got, want, scale in (("mu", got_mu, mu_rms, smu), ("y", got_y, y_rms, sy)):
            if np.isnan(want).all():
                continue
            err = np.abs(got - want)
            bad = err > 1e-12 * np.maximum(scale, 1e-300)
            if bad.any():
                k = int(np.argmax(bad))
                failures.append(f"{p}: consensus_{name}_rms at step {steps[k]} is {got[k]!r}, two-pass from the "
                                f"agents gives {want[k]!r} (scale {scale[k]:.3g})")
        if zero_first:
            if steps[0] != 1:
                failures.append(f"{p}: step 1 not recorded")
            elif got_mu[0] != 0.0 or got_y[0] != 0.0:
                failures.append(f"{p}: all agents equal at step 1, but consensus_mu_rms = {got_mu[0]!r}, "
                                f"consensus_y_rms = {got_y[0]!r} (want exactly 0)")
        series.append((p, got_mu, got_y, smu, sy))
    for p, gm, gy, smu, sy in series[1:]:
        p0, gm0, gy0 = series[0][0], series[0][1], series[0][2]
        for name, a, b, scale in (("mu", gm0, gm, smu), ("y", gy0, gy, sy)):
            if np.isnan(scale).all():
                continue
            err = np.abs(a - b)
            if (err > 1e-12 * np.maximum(scale, 1e-300)).any():
                failures.append(f"{p}: consensus_{name}_rms differs from {p0} by up to {err.max():.3g}")
    if len(series) < len(paths) or not series:
        failures.append("no complete runs to check")
    for msg in failures:
        print("FAIL:", msg)
    if failures:
        return 1
    print(f"consensus RMS two-pass in {len(series)} runs, {len(series[0][1])} records each")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
