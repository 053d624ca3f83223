#!/usr/bin/python3
"""Checks li2022's bandit feedback (algorithms.md §8.2) on a dispatch run of two agents on the complete graph
from the file alone: with a quadratic f the two-point estimate (f(x + δu) − f(x − δu))/(2δ)·u, u = ±1, equals
f'(x) = 2a x + b − π̃_t up to rounding, so every recorded step must satisfy
    x_{t+1} = clip(x_t − α (f'(x_t) − μ̂_t), δ, h − δ)   (the shrunk box),   μ_{t+1} = max(0, μ̂_t + α (c_t − β μ̂_t))
with μ̂_t = Σ_j w_ij μ_{j,t}, and δ = T^(−1/4).   Usage: check_bandit.py run.h5"""
import sys

import h5py
import numpy as np


def main(path):
    f = h5py.File(path, "r")
    assert f.attrs["status"] == "complete", f.attrs["status"]
    alg = f["inputs/algorithm"]
    assert alg.attrs["feedback"] == "bandit", alg.attrs["feedback"]
    alpha, beta, delta = float(alg["alpha"][0]), float(alg["beta"][0]), float(alg.attrs["bandit_delta"])
    T = int(f.attrs["steps"])
    assert abs(delta - T ** -0.25) <= 1e-15, (delta, T)
    a, b, h = f["inputs/problem/a"][...], f["inputs/problem/b"][...], f["inputs/problem/capacity"][...]
    g = f["inputs/graph/g1"]
    n = a.size
    W = np.diag(g["self_weight"][...])
    for (i, j), w in zip(g["edges"][...], g["weight"][...]):
        W[i, j] = W[j, i] = w
    pi = f["series/price_pu"][...]
    x, mu, c = f["agents/x"][...], f["agents/mu"][...], f["agents/y"][...]
    assert x.shape == (T, n), x.shape
    worst_x = worst_mu = 0.0
    for t in range(T - 1):
        muh = W @ mu[t]
        grad = 2 * a * x[t] + b - pi[t]
        x_next = np.clip(x[t] - alpha * (grad - muh), delta, h - delta)
        mu_next = np.maximum(0.0, muh + alpha * (c[t] - beta * muh))
        worst_x = max(worst_x, np.max(np.abs(x_next - x[t + 1])))
        worst_mu = max(worst_mu, np.max(np.abs(mu_next - mu[t + 1]) / np.maximum(1.0, np.abs(mu_next))))
    inside = np.all((x[1:] >= delta - 1e-15) & (x[1:] <= h - delta + 1e-15))
    print(f"{path}: T = {T}, delta = {delta:.6g}, max |x - recurrence| = {worst_x:.3e}, "
          f"max rel |mu - recurrence| = {worst_mu:.3e}, iterates in the shrunk box: {inside}")
    ok = worst_x <= 1e-12 and worst_mu <= 1e-12 and inside
    print("ok" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
