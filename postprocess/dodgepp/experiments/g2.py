"""G2 — the grid cell's forecasting module (docs/gridcell.md §16.3, §16.13): the ablation persistence / own-data RLS /
neighbour-augmented RLS with clear, Laplace and masked shares, without and with the model averaging of
algorithms.md §13.4 every step, and the curve of the load MAPE over the Laplace budget ε_dp, on the SCE and PJM
loads. The claims under test are the seed's "neighbour data help" and "obfuscation
costs little" (the obfuscated-neighbour ablation within +0.05 percentage points of clear shares). Every number is
read from the run files (root attributes gridcell_mape, gridcell_eval_mape, /inputs/gridcell)."""
from __future__ import annotations

import math

import numpy as np

from ..plotting import new_figure, place_legend
from .common import Check, Experiment, Outcome, RunSpec, Table, dataset, root_attr

GROUP = "gridcell_forecast"
SOURCES = ("sce", "pjm")
BASE = ("-problem", "gridcell", "-algorithm", "none", "-agents", "100")  # the default cell: 3 + 35 days, seed 1
NB = ("-gridcell_forecast_neighbours", "true")
# The neighbour-augmented forecaster in full (§16.3 with algorithms.md §13.4): the shares in the features and θ
# averaged with the neighbours' models every step (R_avg = 1), which pools the homes' estimation.
AVG = NB + ("-gridcell_rls", "4,0.99,100,1")
PP = 0.05  # "costs little": at most this many percentage points above clear shares


def eps_values(ctx) -> tuple[str, ...]:
    return ("0.5", "1", "10") if ctx.quick else ("0.1", "0.5", "1", "2", "5", "10", "100")


def sigma_values(ctx) -> tuple[str, ...]:
    return ("0.5",) if ctx.quick else ("0.25", "0.5", "1")


def cases(ctx) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, label, options) per source."""
    c = [("persistence", "persistence", ("-gridcell_forecast", "persistence")),
         ("own", "own-data RLS", ("-gridcell_forecast_neighbours", "false")),
         ("clear", "neighbours, clear shares", NB)]
    c += [(f"laplace{e}", f"neighbours, Laplace ε_dp = {e}", NB + ("-gridcell_share_privacy", "laplace", "-gridcell_share_eps", e))
          for e in eps_values(ctx) + ("inf",)]
    c += [(f"mask{s}", f"neighbours, masks σ_z = {s}", NB + ("-gridcell_share_privacy", "mask", "-gridcell_share_mask_sigma", s))
          for s in sigma_values(ctx)]
    c += [("avg", "neighbours + averaging, clear shares", AVG)]
    c += [(f"avg_laplace{e}", f"neighbours + averaging, Laplace ε_dp = {e}",
           AVG + ("-gridcell_share_privacy", "laplace", "-gridcell_share_eps", e)) for e in eps_values(ctx)]
    c += [("avg_mask0.5", "neighbours + averaging, masks σ_z = 0.5",
           AVG + ("-gridcell_share_privacy", "mask", "-gridcell_share_mask_sigma", "0.5"))]
    return c


def g2_runs(ctx):
    # A run takes about 1 s at 2 ranks, so the quick mode runs the whole window too (with fewer budgets).
    return [RunSpec(GROUP, f"{src}_{name}", None, BASE + ("-gridcell_source", src) + opts)
            for src in SOURCES for name, _, opts in cases(ctx)]


def mapes(path) -> tuple[float, float]:
    return float(root_attr(path, "gridcell_mape", math.nan)), float(root_attr(path, "gridcell_eval_mape", math.nan))


def g2(ctx, runs) -> Outcome:
    out = Outcome()
    t = Table("G2", "Per-home forecast errors (N = 100, 35 days + 1-week evaluation window, `none`; RMSE of the "
                    "per-home forecasts over the main window, kW; Δ vs clear: against the clear-share run of the same forecaster, "
                    "without or with model averaging)",
              ["source", "forecaster", "MAPE main %", "MAPE eval %", "Δ vs clear main pp", "Δ vs clear eval pp",
               "RMSE load", "RMSE PV", "RMSE net"])
    m = {}
    for src in SOURCES:
        for name, label, _ in cases(ctx):
            m[src, name] = mapes(runs[f"{src}_{name}"].path)
        for name, label, _ in cases(ctx):
            a, c = m[src, name], m[src, "avg" if name.startswith("avg") else "clear"]
            p = runs[f"{src}_{name}"].path
            t.rows.append([src, label, f"{a[0]:.3f}", f"{a[1]:.3f}", f"{a[0] - c[0]:+.3f}", f"{a[1] - c[1]:+.3f}"] +
                          [float(root_attr(p, f"gridcell_rmse_{q}", math.nan)) for q in ("load", "pv", "net")])
    out.tables.append(t)
    # Oracle 8: ε_dp = ∞ draws no noise, so the run is the clear-share run bit for bit.
    same = all(np.array_equal(dataset(runs[f"{s}_laplaceinf"].path, k), dataset(runs[f"{s}_clear"].path, k))
               for s in SOURCES for k in ("series/mape", "series/rmse_load", "series/cost"))
    out.checks.append(Check(
        "ε_dp = ∞ is clear sharing", "(oracle 8)", f"/series mape, rmse_load, cost {'bitwise equal' if same else 'differ'} "
        "to the clear-share runs (SCE, PJM)", same, criterion="bitwise equal series", why="ε_dp = ∞ still perturbs the shares"))
    # Neighbour data help: the neighbour-augmented forecaster (shares in the features, θ averaged with the neighbours
    # every step) below own data, both windows and sources.
    win = ("main", "eval")
    helps = {(s, w): m[s, "avg"][w] < m[s, "own"][w] for s in SOURCES for w in (0, 1)}
    txt = "; ".join(f"{s}: neighbours + averaging {m[s, 'avg'][0]:.3f} / {m[s, 'avg'][1]:.3f} against own "
                    f"{m[s, 'own'][0]:.3f} / {m[s, 'own'][1]:.3f}" for s in SOURCES)
    gap = max(m[s, "avg"][w] - m[s, "own"][w] for s in SOURCES for w in (0, 1))
    out.checks.append(Check(
        "neighbour data help", "neighbours' data improve the forecasts [paper]", txt + " (main / eval, %)",
        all(helps.values()), criterion="neighbour-augmented RLS (clear shares, model averaging every step) below "
                                      "own-data RLS in both windows, SCE and PJM",
        why=f"the neighbour-augmented forecaster is up to {gap:+.2f} pp against own data (docs/gridcell.md, G2)"))
    feat = "; ".join(f"{s}: clear shares {m[s, 'clear'][0]:.3f} / {m[s, 'clear'][1]:.3f} against own "
                     f"{m[s, 'own'][0]:.3f} / {m[s, 'own'][1]:.3f}" for s in SOURCES)
    out.checks.append(Check(
        "shares as features alone", "(not reported)", feat + " (main / eval, %): without model averaging the four ȳ "
        "parameters cost more estimation noise than the common factor adds", True, kind="info",
        criterion="reported only", why=""))
    obf = [("clear", "laplace1", "Laplace ε_dp = 1"), ("clear", "mask0.5", "masks σ_z = 0.5"),
           ("avg", "avg_laplace1", "averaging, Laplace ε_dp = 1"), ("avg", "avg_mask0.5", "averaging, masks σ_z = 0.5")]
    worst = max((m[s, k][w] - m[s, ref][w], s, lab, win[w]) for s in SOURCES for ref, k, lab in obf for w in (0, 1))
    out.checks.append(Check(
        "obfuscation costs little", f"obfuscated-neighbour ablation within +{PP} pp of clear shares [issue 13]",
        f"largest excess {worst[0]:+.3f} pp ({worst[1]}, {worst[2]}, {worst[3]} window)", worst[0] <= PP,
        criterion=f"Laplace ε_dp = 1 and masks σ_z = 0.5 at most +{PP} pp above clear shares, with and without model "
                  "averaging, both windows and sources",
        why=f"obfuscation costs {worst[0]:.3f} pp ({worst[1]}, {worst[2]})"))
    eps = eps_values(ctx)
    curve = "; ".join(s + ": " + ", ".join(f"{m[s, 'laplace' + e][0]:.3f}" for e in eps) + " (with averaging "
                      + ", ".join(f"{m[s, 'avg_laplace' + e][0]:.3f}" for e in eps) + ")" for s in SOURCES)
    out.checks.append(Check(
        "the ε_dp curve", "(a budget trades privacy for accuracy)", f"MAPE main at ε_dp = {', '.join(eps)}: {curve}", True,
        kind="info", criterion="reported only", why=""))
    per = "; ".join(f"{s}: persistence {m[s, 'persistence'][0]:.3f}, own RLS {m[s, 'own'][0]:.3f}, neighbours + "
                    f"averaging {m[s, 'avg'][0]:.3f}" for s in SOURCES)
    out.checks.append(Check(
        "per-home persistence against RLS", "(not reported)", per + " (main, %)", True, kind="info",
        criterion="reported only", why=""))
    steps = 96 * (3 + 35)
    out.notes.append(f"Each home releases one share per step, warm-up included ({steps} releases over the 3 + 35 days), each "
                     f"ε_dp-differentially private for the home's normalized load; by sequential composition a run's "
                     f"total budget per home is {steps}·ε_dp (e.g. {steps} at ε_dp = 1). The issue's anchor figures "
                     "(own-data RLS one step ahead on the hourly system traces, SCE 1.42 %, PJM 1.40 %) are a different "
                     "quantity, tested in tests/unit/test_gridcell.cpp (dodge: 1.43 %, 1.38 %); the per-home MAPE here "
                     "(~12 %) is dominated by the homes' own noise.")
    out.notes.append("Where the neighbours' help comes from: the per-home error is dominated by each home's own AR(1) "
                     "residual, which neighbours do not share. Their shares carry the common factor s(τ), which the own "
                     "lags and harmonics already capture, so as features alone (four more RLS parameters under λ_f = "
                     "0.99) they add estimation noise. Averaging θ with the neighbours' models every step (§13.4, "
                     "`-gridcell_rls 4,0.99,100,1`) pools the homes' estimation of the common dynamics and removes "
                     "that noise. θ is exchanged in the clear; the privacy options cover the shares. Per-home "
                     "persistence is still slightly better (the 'per-home persistence' line).")
    out.notes.append("Why obfuscation costs so little here: the shares' information is the common factor, which the own "
                     "lags already hold, so there is little for the noise to destroy. Below ε_dp ≈ 5 the curve is flat: "
                     "the Laplace scale z_max/ε_dp is then far above the shares' spread and the RLS weighs ȳ down.")
    out.headline = (txt + f"; obfuscation ≤ {worst[0]:+.3f} pp")
    fig, axes = new_figure(1, height=3.4)
    ax = axes[0]
    x = [float(e) for e in eps]
    for src, col in (("sce", "tab:blue"), ("pjm", "tab:orange")):
        ax.plot(x, [m[src, "laplace" + e][0] for e in eps], "o-", color=col, label=f"{src.upper()}: Laplace shares")
        ax.axhline(m[src, "clear"][0], color=col, ls="--", lw=0.9, label=f"{src.upper()}: clear shares")
        ax.plot(x, [m[src, "avg_laplace" + e][0] for e in eps], "s-", color=col, mfc="none",
                label=f"{src.upper()}: Laplace shares, model averaging")
        ax.axhline(m[src, "avg"][0], color=col, ls="-.", lw=0.9, label=f"{src.upper()}: clear shares, model averaging")
        ax.axhline(m[src, "own"][0], color=col, ls=":", lw=1.2, label=f"{src.upper()}: own data only")
    ax.set_xscale("log")
    ax.set_xlabel(r"Laplace budget per share $\varepsilon_{dp}$")
    ax.set_ylabel("per-home load MAPE, main window [%]")
    ax.set_title("Forecasting with obfuscated neighbours' shares (N = 100, 35 days)")
    place_legend(ax)
    ctx.figure(fig, "G2_epsilon", "Load MAPE of the neighbour-augmented RLS over the Laplace budget, against clear "
                                  "shares and own data, without and with model averaging (R_avg = 1)", out)
    return out


EXPERIMENT = Experiment(
    id="G2", paper="[WLHQ20]", item="§16.13 G2 forecasting ablation and ε curve",
    run="the default cell (`none`) on SCE and PJM loads: persistence, own-data RLS, neighbour-augmented RLS with clear, "
        "Laplace (over ε_dp) and masked shares, without and with model averaging every step",
    reported="neighbours' data help; obfuscation costs little (no numbers; issue 13: within +0.05 pp)", runs=g2_runs,
    analyse=g2)
