"""G1 — the grid cell's inputs (docs/gridcell.md §16.2–§16.4, §16.13): one week of the default cell without trading,
shown as the paper's system would see it: the cell's load and PV, the clear-sky irradiance and the cloud chain's
clear-sky index, the state of charge of three homes with batteries, and the tariff. The paper reports no numbers,
so the checks are the model's own invariants, each recomputed from the run file (/series, /agents, /inputs)."""
from __future__ import annotations

import numpy as np

from ..plotting import new_figure, place_legend
from .common import Check, Experiment, Outcome, RunSpec, Table, dataset, group_attrs, num

GROUP = "gridcell_inputs"


def g1_runs(ctx):
    return [RunSpec(GROUP, "week", None, ("-problem", "gridcell", "-algorithm", "none", "-agents", "100", "-gridcell_days", "7",
                                          "-gridcell_eval_days", "1", "-output_agents", "all"))]


def g1(ctx, runs) -> Outcome:
    out = Outcome()
    p = runs["week"].path
    hours = dataset(p, "series/time")
    days = hours / 24.0
    load, pv = dataset(p, "series/load"), dataset(p, "series/pv")
    ghi, kc = dataset(p, "series/ghi_cs"), dataset(p, "series/clear_sky_index")
    buy, sell = dataset(p, "series/price_buy"), dataset(p, "series/price_sell")
    home_load, home_pv, soc = dataset(p, "agents/load"), dataset(p, "agents/pv"), dataset(p, "agents/soc")
    inp = group_attrs(p, "inputs/gridcell")
    bat = dataset(p, "inputs/gridcell/has_battery") > 0.5
    has_pv = dataset(p, "inputs/gridcell/has_pv") > 0.5
    lo, hi = float(inp["soc_lo"]), float(inp["soc_hi"])
    night = ghi <= 0
    checks = [
        ("PV only in daylight", f"max cell PV at the {int(night.sum())} night steps (GHI_cs = 0): {num(float(pv[night].max(initial=0)))} kW",
         bool(np.all(pv[night] == 0)), "PV = 0 whenever GHI_cs = 0"),
        ("the cell's load and PV are the homes' sums",
         f"max |Σ_i ℓ_i − load| = {num(float(np.max(np.abs(home_load.sum(axis=1) - load))))} kW, "
         f"max |Σ_i pv_i − pv| = {num(float(np.max(np.abs(home_pv.sum(axis=1) - pv))))} kW",
         bool(np.allclose(home_load.sum(axis=1), load, rtol=1e-12, atol=0) and np.allclose(home_pv.sum(axis=1), pv, rtol=1e-12, atol=1e-12)),
         "equal to 1e-12 relative"),
        ("batteries stay in their window", f"SoC in [{num(float(soc[:, bat].min()))}, {num(float(soc[:, bat].max()))}] over "
         f"{int(bat.sum())} batteries; homes without one: max {num(float(np.abs(soc[:, ~bat]).max(initial=0)))}",
         bool(np.all((soc[:, bat] >= lo - 1e-12) & (soc[:, bat] <= hi + 1e-12)) and np.all(soc[:, ~bat] == 0)),
         f"SoC_lo = {num(lo)} ≤ SoC ≤ SoC_hi = {num(hi)}; 0 without battery"),
        ("homes without PV produce none", f"max PV of the {int((~has_pv).sum())} homes without panels: "
         f"{num(float(np.abs(home_pv[:, ~has_pv]).max(initial=0)))} kW", bool(np.all(home_pv[:, ~has_pv] == 0)), "0"),
        ("the sell price never exceeds the buy price", f"λ_s − λ_b at most {num(float(np.max(sell - buy)))}",
         bool(np.all(sell <= buy)), "λ_s ≤ λ_b every step"),
    ]
    for claim, dodge, holds, crit in checks:
        out.checks.append(Check(claim, "(model invariant)", dodge, holds, criterion=crit, why=f"{claim}: does not hold ({dodge})"))
    t = Table("G1", "One week of the default cell (sce, N = 100, seed 1, no trading)",
              ["quantity", "mean", "min", "max", "units"])
    for name, v, u in (("cell load", load, "kW"), ("cell PV", pv, "kW"), ("GHI_cs", ghi, "W/m²"),
                       ("clear-sky index k_c (daylight)", kc[~night], "1"), ("buy price λ_b", buy, "$/kWh"),
                       ("sell price λ_s", sell, "$/kWh"), ("SoC of the batteries", soc[:, bat].ravel(), "1")):
        t.rows.append([name, float(v.mean()), float(v.min()), float(v.max()), u])
    out.tables.append(t)
    out.notes.append(f"{int(has_pv.sum())} of {has_pv.size} homes have PV and {int(bat.sum())} a battery; the PV share of the "
                     f"week's energy is {num(100 * float(pv.sum() / load.sum()))} % of the load.")
    out.headline = (f"load {num(float(load.mean()))} kW mean (peak {num(float(load.max()))}), PV peak {num(float(pv.max()))} kW, "
                    f"{int(bat.sum())} batteries within [{num(lo)}, {num(hi)}]")
    fig, axes = new_figure(4, height=1.9)
    axes[0].plot(days, load, color="tab:blue", label="cell load")
    axes[0].plot(days, pv, color="tab:orange", label="cell PV")
    axes[0].set_ylabel("power [kW]")
    axes[1].plot(days, ghi, color="0.4", label="clear-sky GHI")
    axes[1].plot(days, ghi * kc, color="tab:orange", lw=0.8, label=r"GHI = $k_c$ · GHI$_{cs}$")
    axes[1].set_ylabel("irradiance [W/m²]")
    for k, i in enumerate(np.flatnonzero(bat)[:3]):
        axes[2].plot(days, soc[:, i], lw=0.9, label=f"home {i}")
    axes[2].set_ylabel("state of charge")
    axes[3].step(days, buy, where="post", color="tab:red", label=r"buy $\lambda_b$")
    axes[3].step(days, sell, where="post", color="tab:green", label=r"sell $\lambda_s$")
    axes[3].set_ylabel("price [$/kWh]")
    axes[3].set_xlabel("day of the main window")
    axes[0].set_title("Inputs of the default cell (SCE loads, N = 100, one week)")
    for ax in axes:
        place_legend(ax)
    ctx.figure(fig, "G1_inputs", "One week of the cell: load and PV, irradiance, three batteries, tariff", out)
    return out


EXPERIMENT = Experiment(
    id="G1", paper="[WLHQ20]", item="§16.13 G1 inputs",
    run="the default cell without trading for 7 days", reported="(figure only, no numbers)", runs=g1_runs, analyse=g1)
