#!/usr/bin/python3
"""Oracles of problem gridcell (docs/gridcell.md §16.14) on dodge output files.
  identical a.h5 b.h5 ...   rank-count independence: every /agents and /summary dataset bitwise, /series to 1e-12
  oracles  none|mmr f.h5    market balance (1), no trading (3), subadditivity (4), battery (5), scopes (2, cell)
  forecast dodge src dir    G2 on the default scenario (N = 100, 35 days, algorithm none): runs dodge with persistence,
                            own-data RLS, neighbour-augmented RLS and its laplace (eps = 1) and mask ablations, prints the
                            MAPEs and checks the ordering docs/gridcell.md reports, in the main and the evaluation window
Exit 1 with a message on the first failure."""
import os
import subprocess
import sys

import h5py
import numpy as np

DELTA = 0.25


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def identical(files):
    ref = h5py.File(files[0], "r")
    for other in files[1:]:
        f = h5py.File(other, "r")
        for grp in ("agents", "summary"):
            for k in ref[grp]:
                a, b = ref[grp][k][...], f[grp][k][...]
                if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                    fail(f"{other}: /{grp}/{k} differs from {files[0]}")
        for k in ref["series"]:
            if k in ("step_time", "time"):
                continue
            a, b = ref["series"][k][...], f["series"][k][...]
            scale = max(1.0, float(np.max(np.abs(np.nan_to_num(a))))) if a.size else 1.0
            if not np.allclose(a, b, rtol=0, atol=1e-12 * scale, equal_nan=True):
                fail(f"{other}: /series/{k} differs from {files[0]} beyond 1e-12")
    print(f"OK: {len(files)} files agree (agents and summary bitwise, series 1e-12)")


def oracles(alg, path):
    f = h5py.File(path, "r")
    if f.attrs.get("status") not in ("complete", b"complete"):
        fail(f"{path} is not complete")
    s, a, g = f["series"], f["agents"], f["inputs/gridcell"]
    cost, cost0, costx, costnet = (s[k][...] for k in ("cost", "cost_shadow", "cost_counterfactual", "cost_netting"))
    lb = s["price_buy"][...]
    N = a["bill"].shape[1]
    # 4. subadditivity: C_t >= C^net_t - 1e-12 |C^net_t|, plus (for a clearing) the 2^-30 kW grid rounding of the
    # offers and bids, eps_g of oracle 2: the trades are computed from rounded positions (docs/gridcell.md §16.14).
    epsg = (2.0 ** -30 * DELTA * lb * N if alg != "none" else 0.0) + 1e-12 * np.abs(costnet) + 1e-12
    if np.any(cost < costnet - epsg):
        t = int(np.argmax(costnet - cost))
        fail(f"subadditivity: step {t + 1}: C = {cost[t]!r} < C^net = {costnet[t]!r}")
    # Bills add up to the community cost.
    if not np.allclose(a["bill"][...].sum(axis=1), cost, rtol=1e-12, atol=1e-9):
        fail("sum of the per-home bills differs from /series/cost")
    # 5. battery: SoC inside [SoC_lo, SoC_hi]; energy balance per home when no clip acted.
    lo, hi, soc1 = g.attrs["soc_lo"], g.attrs["soc_hi"], g.attrs["soc_initial"]
    eta = g.attrs["battery_eta"]
    hb = g["has_battery"][...] > 0.5
    soc, b = a["soc"][...], a["battery"][...]
    if np.any(soc[:, hb] < lo - 1e-15) or np.any(soc[:, hb] > hi + 1e-15):
        fail("SoC left [SoC_lo, SoC_hi]")
    E = g["battery_kwh"][...]
    flow = DELTA * (eta * np.maximum(b, 0) - np.maximum(-b, 0) / eta)
    bal = E[hb] * (soc[-1, hb] - soc1) - flow[:, hb].sum(axis=0)
    if np.any(np.abs(bal) > 1e-9 * max(1.0, np.abs(flow).sum())):
        fail(f"battery energy balance off by {np.abs(bal).max():.3e} kWh")
    if np.any(b[:, ~hb] != 0):
        fail("a home without battery has b != 0")
    e = a["trade"][...]
    sold, bought = np.maximum(-e, 0), np.maximum(e, 0)
    if alg == "none":
        # 3. none: C = C^0 = C^x (1e-12) and the shadow state equals the real one bitwise
        if np.any(e != 0):
            fail("none traded")
        if not np.allclose(cost, cost0, rtol=1e-12, atol=0) or not np.allclose(cost, costx, rtol=1e-12, atol=0):
            fail("none: C differs from C^0 or C^x")
        if not np.array_equal(a["bill"][...], a["bill_shadow"][...]) or not np.array_equal(soc, a["soc_shadow"][...]):
            fail("none: the shadow state differs from the real one")
    else:
        # 1. market balance: |Σ sold − Σ bought| <= 1e-12 Σ sold; sold_i <= s_i, bought_i <= d_i; s = d = 0 → e = 0
        S, B = sold.sum(axis=1), bought.sum(axis=1)
        if np.any(np.abs(S - B) > 1e-12 * np.maximum(S, 1e-300) + 1e-12):
            fail(f"market balance: |sum sold - sum bought| up to {np.abs(S - B).max():.3e}")
        nh = a["net_sched"][...]
        so, bi = np.maximum(-nh, 0), np.maximum(nh, 0)
        grid = 2.0 ** -30
        if np.any(sold > so * (1 + 1e-12) + grid) or np.any(bought > bi * (1 + 1e-12) + grid):
            fail("a home sold more than it offered or bought more than it bid")
        if np.any(e[(so == 0) & (bi == 0)] != 0):
            fail("a home with s = d = 0 traded")
        # cell scope closed form: matched = min(S, D) up to the grid
        m = np.minimum(s["offers"][...], s["bids"][...])
        if np.any(np.abs(S - m) > 1e-9 * np.maximum(m, 1) + grid * N):
            fail("cell scope: matched energy differs from min(S, D)")
        # 2. with ideal forecasts (declared = metered), C_t equals C^net_t to eps_g, and bill_i <= bill^x_i
        if f["inputs/gridcell"].attrs["forecast"] in ("ideal", b"ideal"):
            # 11. ideal forecasts give MAPE = 0
            if np.any(s["mape"][...] != 0) or not np.array_equal(a["load_hat"][...], a["load"][...]):
                fail("ideal forecasts: MAPE is not 0")
            eps = grid * DELTA * lb * N + 1e-12 * np.abs(costnet)
            if np.any(np.abs(cost - costnet) > eps):
                t = int(np.argmax(np.abs(cost - costnet) - eps))
                fail(f"ideal forecasts, cell scope: |C - C^net| = {abs(cost[t] - costnet[t]):.3e} > eps_g at step {t + 1}")
            net, price_b, price_s = a["net"][...], lb[:, None], s["price_sell"][...][:, None]
            billx = DELTA * (price_b * np.maximum(net, 0) - price_s * np.maximum(-net, 0) + 0.01 * np.abs(b))
            if np.any(a["bill"][...] > billx + grid * DELTA * price_b + 1e-12):
                fail("individual rationality: a bill exceeds its no-trade counterfactual")
    print(f"OK: {path}: {alg} oracles hold over {cost.size} steps and {N} homes")


def forecast(dodge, src, outdir):
    runs = {"persistence": ["-gridcell_forecast", "persistence"],
            "own": ["-gridcell_forecast_neighbours", "false"],
            "neighbours": ["-gridcell_forecast_neighbours", "true"],
            "laplace": ["-gridcell_share_privacy", "laplace", "-gridcell_share_eps", "1"],
            "mask": ["-gridcell_share_privacy", "mask"]}
    mape = {}
    for name, extra in runs.items():
        path = os.path.join(outdir, f"gridcell_forecast_{src}_{name}.h5")
        cmd = [dodge, "-problem", "gridcell", "-algorithm", "none", "-gridcell_source", src, "-progress", "0",
               "-output_overwrite", "-output_file", path] + extra
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
        with h5py.File(path, "r") as f:
            mape[name] = (float(f.attrs["gridcell_mape"]), float(f.attrs["gridcell_eval_mape"]))
        print(f"{src} {name:12s} MAPE main {mape[name][0]:.3f} %  eval {mape[name][1]:.3f} %")
    for w, wn in enumerate(("main", "eval")):
        # Obfuscation costs at most 0.05 percentage points against clear shares (the seed's "obfuscation costs
        # little"); and, the finding of docs/gridcell.md, the neighbour-augmented RLS does NOT beat own data in
        # this model (per-home MAPE, dominated by the AR(1) residual; persistence, printed above, beats both):
        # its 13 parameters under lambda_f = 0.99 cost more than the neighbours' common factor adds. A change
        # that makes neighbours help fails here: update the docs and this check.
        for k in ("laplace", "mask"):
            if mape[k][w] > mape["neighbours"][w] + 0.05:
                fail(f"{src} {wn}: {k} MAPE {mape[k][w]:.3f} exceeds clear shares {mape['neighbours'][w]:.3f} + 0.05")
        if not mape["own"][w] < mape["neighbours"][w]:
            fail(f"{src} {wn}: neighbours MAPE {mape['neighbours'][w]:.3f} now beats own data {mape['own'][w]:.3f}: "
                 "update docs/gridcell.md and this check")
    print(f"OK: {src}: forecast ordering holds in both windows")


if __name__ == "__main__":
    if sys.argv[1] == "forecast":
        forecast(*sys.argv[2:5])
    elif sys.argv[1] == "identical":
        identical(sys.argv[2:])
    else:
        oracles(sys.argv[2], sys.argv[3])
