"""Z5 — pdct versus li2022 on the AEMO regions ([ZWL25] Figs. 5–9): its runs, analysis and verdict checks (algorithms.md §14)."""
from __future__ import annotations

import math
import numpy as np

from ..plotting import escape, new_figure
from ..run import Run
from ..plotting import place_legend
from .common import (ranking, tally, aemo_li, aemo_pdct, averaged, Check, COLORS, dataset, decay_exponent, DECAY_MIN, decays, Experiment,
                     listing, MissingData, num, open_run, Outcome, overlay, REGIONS, series, Table)


def z5_runs(ctx):
    return [s for r in REGIONS for s in (aemo_pdct(ctx, r), aemo_pdct(ctx, r, "one"), aemo_li(ctx, r))]


def late_optimum(run: Run) -> dict:
    """The control of issue 14: the exact per-step optimum played one step late, x_t = x*_{t−1} (x_1 = x*_1), on
    the run's own instance. x*_t is rebuilt from the run's inputs and its oracle multiplier ν*_t (algorithms.md
    §2.1: x_i(ν) = clip((π̃_t − b̃_i + ν)/(2ã_i), 0, h̃_i)) and checked against the run's F*_t; then Reg(t)/t,
    Vio(t)/t (Def. 2.2) and Vio⁺(t)/t of that sequence, all per-unit."""
    a, b, c, h = (dataset(run.path, f"inputs/problem/{k}") for k in ("a", "b", "c", "capacity"))
    price, demand = series(run, "price_pu"), series(run, "demand_pu")
    nu, fstar = series(run, "oracle_mu"), series(run, "F_star")
    xs = np.clip((price[:, None] - b[None, :] + nu[:, None]) / (2 * a[None, :]), 0.0, h[None, :])
    cost = lambda x: np.sum(a * x * x + (b[None, :] - price[:, None]) * x + c, axis=1)
    f_rebuilt = cost(xs)
    err = float(np.max(np.abs(f_rebuilt - fstar) / np.maximum(1.0, np.abs(fstar))))
    if not err <= 1e-9:
        raise MissingData(f"{run.path.name}: x*_t rebuilt from /inputs and oracle_mu misses F*_t by {err:.3g} (relative)")
    late = np.vstack([xs[:1], xs[:-1]])
    g = demand - late.sum(axis=1)  # Σ_i g_i,t(x_t) = D̃_t − Σ_i x_i,t
    t = np.arange(1, len(g) + 1)
    reg = np.cumsum(cost(late) - fstar) / t
    vio = np.maximum(np.cumsum(g), 0.0) / t
    viop = np.cumsum(np.maximum(g, 0.0)) / t
    return dict(reg=reg, vio=vio, viop=viop, qreg=decay_exponent(reg), err=err)


def fluctuation_ratios(run: Run) -> tuple[float, float]:
    """(early, at demand extremes): mean |F_t − F*_t| over the first 12 steps (1 h) over its mean after the
    first day; and within ±6 steps of each day's demand maximum and minimum over the other steps."""
    inst = np.abs(series(run, "F") - series(run, "F_star"))
    T = len(inst)
    rest = inst[288:] if T > 576 else inst[24:]
    early = float(np.mean(inst[:12]) / np.mean(rest))
    demand = series(run, "demand")
    near = np.zeros(T, dtype=bool)
    for d0 in range(0, T, 288):
        day = demand[d0:d0 + 288]
        for k in (int(np.argmax(day)), int(np.argmin(day))):
            near[max(d0 + k - 6, 24):d0 + k + 7] = True
    near[:24] = False
    other = ~near
    other[:24] = False
    return early, float(np.mean(inst[near]) / np.mean(inst[other])) if near.any() else math.nan


def z5(ctx, runs) -> Outcome:
    out = Outcome()
    t = Table("Z5", "Per region: pdct S2 (κ_N = n; κ_N = 1 beside) versus li2022, N = 6, switching3",
              ["region", "run", "T", "Reg(T)/T [$]", "Reg(T)/T [per-unit]", "Vio(T)/T [MW]", "Vio⁺(T)/T [MW]",
               "q̂ Reg/t", "q̂ Vio/t", "q̂ Vio⁺/t", "binding fraction", "P_T/T", "P_T/T at T/2"])
    res = {}
    for r in REGIONS:
        for name, label in ((f"pdct_{r.lower()}_kn", "pdct κ_N = n"), (f"pdct_{r.lower()}_k1", "pdct κ_N = 1"),
                            (f"li2022_{r.lower()}", "li2022")):
            run = open_run(runs[name])
            sb = float(run.problem_attrs.get("power_base_MW", math.nan))
            reg, vio, viop = (averaged(run, k) for k in ("regret", "violation", "violation_plus"))
            P = series(run, "path_length")
            T = run.steps
            row = dict(reg=reg[-1], vio=vio[-1], viop=viop[-1], qreg=decay_exponent(reg), qvio=decay_exponent(vio),
                       qviop=decay_exponent(viop), PT=P[-1] / T, PT2=P[T // 2 - 1] / (T // 2), run=run)
            res[(r, label)] = row
            t.rows.append([r, label, T, reg[-1] * run.cost_to_dollars, reg[-1], vio[-1] * sb, viop[-1] * sb,
                           row["qreg"], row["qvio"], row["qviop"], float(np.mean(series(run, "oracle_mu") > 0)),
                           row["PT"], row["PT2"]])
    out.tables.append(t)
    P, L = "pdct κ_N = n", "li2022"
    ctrl = {r: late_optimum(res[(r, P)]["run"]) for r in REGIONS}
    tc = Table("Z5_control", "Control: the exact optimum one step late, x_t = x*_{t−1}, on the same instances (per region)",
               ["region", "T", "Reg(T)/T [$]", "Reg(T)/T [per-unit]", "q̂ Reg/t", "Vio(T)/T [MW]", "Vio⁺(T)/T [MW]",
                "q̂ Reg/t of pdct κ_N = n", "F* rebuilt, max rel. error"])
    for r in REGIONS:
        run, cr = res[(r, P)]["run"], ctrl[r]
        sb = float(run.problem_attrs.get("power_base_MW", math.nan))
        tc.rows.append([r, run.steps, cr["reg"][-1] * run.cost_to_dollars, cr["reg"][-1], cr["qreg"], cr["vio"][-1] * sb,
                        cr["viop"][-1] * sb, res[(r, P)]["qreg"], cr["err"]])
    out.tables.append(tc)
    qreg = {(r, a): res[(r, a)]["qreg"] for r in REGIONS for a in (P, L)}
    reg_ok = [r for r in REGIONS if decays(qreg[(r, P)]) and decays(qreg[(r, L)])]
    pt = [res[(r, P)]["PT"] for r in REGIONS]
    pt2 = [res[(r, P)]["PT2"] for r in REGIONS]
    out.checks.append(Check(
        "Reg(t)/t → 0 (pdct and li2022)", "→ 0 in every region",
        "q̂(Reg/t) pdct " + listing([qreg[(r, P)] for r in REGIONS]) + "; li2022 " + listing([qreg[(r, L)] for r in REGIONS]),
        len(reg_ok) == 5, criterion=f"q̂ ≥ {DECAY_MIN} for both algorithms in all five regions",
        why="real 5-minute prices move at every step, so the comparator's path length grows linearly (P_T/T = "
            + listing(pt) + " at T, " + listing(pt2) + " at T/2, NSW…TAS): dynamic-regret bounds are sublinear only "
            "for sublinear P_T (§8.1, §12), and Reg(t)/t levels off at a value set by how fast prices move. The "
            "control shows it is the data, not pdct: the exact optimum played one step late (x_t = x*_{t−1}) "
            "levels off too (q̂(Reg/t) " + listing([ctrl[r]["qreg"] for r in REGIONS]) + ", Reg(T)/T " +
            listing([ctrl[r]["reg"][-1] * res[(r, P)]["run"].cost_to_dollars for r in REGIONS]) + " $, NSW…TAS), and "
            "pdct ends at " + listing([res[(r, P)]["reg"] / ctrl[r]["reg"][-1] for r in REGIONS]) + "× that level; "
            "pdct's own q̂ > 0 comes from its early transient, not from a vanishing tail"))
    flat = [r for r in REGIONS if not decays(ctrl[r]["qreg"])]
    out.checks.append(Check(
        "control: Reg(t)/t of the exact optimum one step late", "— (not in the paper)",
        "q̂(Reg/t) " + listing([ctrl[r]["qreg"] for r in REGIONS]) + "; Reg(T)/T of pdct over the control's " +
        listing([res[(r, P)]["reg"] / ctrl[r]["reg"][-1] for r in REGIONS]) + " (NSW…TAS)",
        len(flat) >= 4, kind="info",
        criterion=f"reported only: q̂ < {DECAY_MIN} (no decay) in at least four regions means even an exact decision "
                  "one step late keeps a regret per step of the order pdct ends at"))
    vio_ok = [r for r in REGIONS if all(decays(res[(r, a)]["qvio"]) for a in (P, L))]
    out.checks.append(Check(
        "Vio(t)/t → 0 (pdct and li2022)", "→ 0 in every region",
        "Vio(T)/T [MW] pdct " + listing([t.rows[3 * i][5] for i in range(5)]) + "; li2022 " +
        listing([t.rows[3 * i + 2][5] for i in range(5)]),
        len(vio_ok) == 5, criterion=f"q̂(Vio/t) ≥ {DECAY_MIN} (∞: Vio = 0 over [T/2, T]) for both in all regions",
        why="li2022's fixed steps (α = 1/(G√T), β = G²α) keep a violation that does not decay within the window in "
            + ", ".join(r for r in REGIONS if r not in vio_ok)))
    rk_reg = {r: ranking(abs(res[(r, P)]["reg"]), abs(res[(r, L)]["reg"])) for r in REGIONS}
    rk_vio = {r: ranking(res[(r, P)]["vio"], res[(r, L)]["vio"]) for r in REGIONS}
    rk_viop = {r: ranking(res[(r, P)]["viop"], res[(r, L)]["viop"]) for r in REGIONS}
    out.checks.append(Check(
        "pdct better in regret", "pdct faster/better", f"|Reg(T)|/T of pdct against li2022: {tally(rk_reg)}",
        all(v != "worse" for v in rk_reg.values()) and any(v == "better" for v in rk_reg.values()),
        criterion="|Reg(T)|/T of pdct not larger than li2022's in any region and smaller in one at least (ties to 1e-9 "
                  "are ties)",
        why="li2022 has the smaller regret in " + ", ".join(r for r in REGIONS if rk_reg[r] == "worse")))
    out.checks.append(Check(
        "pdct better in violation", "pdct faster/better", f"Vio(T)/T (Def. 2.2) of pdct against li2022: {tally(rk_vio)}",
        all(v != "worse" for v in rk_vio.values()),
        criterion="Vio(T)/T of pdct not larger than li2022's in any region (a tie, e.g. both 0, is a tie)",
        why="li2022's violation is lower in " + ", ".join(
            f"{r} (Vio(T)/T {num(t.rows[3 * REGIONS.index(r)][5])} MW for pdct, {num(t.rows[3 * REGIONS.index(r) + 2][5])} "
            "MW for li2022)" for r in REGIONS if rk_vio[r] == "worse")))
    out.checks.append(Check(
        "pdct better in Vio⁺ (dodge's stricter measure, beside)", "—", f"Vio⁺(T)/T: {tally(rk_viop)}",
        all(v != "worse" for v in rk_viop.values()), kind="info", criterion="reported only"))
    fl = {r: fluctuation_ratios(res[(r, P)]["run"]) for r in REGIONS}
    out.checks.append(Check(
        "early fluctuations (random initialization)", "yes",
        "mean |F_t − F*_t|, first hour over the rest: " + listing([fl[r][0] for r in REGIONS]),
        all(fl[r][0] >= 2 for r in REGIONS), criterion="ratio ≥ 2 in every region (pdct)",
        why="the random initial point costs little: the first hour's instantaneous regret is only "
            f"{num(min(v[0] for v in fl.values()))}–{num(max(v[0] for v in fl.values()))}× the later mean; the early "
            "swings of Reg(t)/t in the figures come from dividing by a small t"))
    out.checks.append(Check(
        "smaller fluctuations at demand peaks and troughs", "yes",
        "mean |F_t − F*_t| within ±30 min of each day's demand max/min over elsewhere: " + listing([fl[r][1] for r in REGIONS]),
        all(fl[r][1] > 1 for r in REGIONS), criterion="ratio > 1 in every region (pdct)",
        why="the instantaneous regret is not larger near the daily demand extremes in "
            + ", ".join(f"{r} (ratio {num(fl[r][1])})" for r in REGIONS if not fl[r][1] > 1)))
    out.headline = ("Reg(T)/T [$] pdct " + listing([t.rows[3 * i][3] for i in range(5)]) + " vs li2022 " +
                    listing([t.rows[3 * i + 2][3] for i in range(5)]) + " (NSW…TAS)")
    for i, r in enumerate(REGIONS):
        rl = [(res[(r, P)]["run"], "pdct S2, κ_N = n", COLORS["pdct"]),
              (res[(r, "pdct κ_N = 1")]["run"], "pdct S2, κ_N = 1", COLORS["pdct1"]),
              (res[(r, L)]["run"], "li2022", COLORS["li2022"])]
        sb = float(rl[0][0].problem_attrs.get("power_base_MW", 1.0))
        overlay(ctx, out, f"Z5_{r.lower()}", f"{r}: Reg(t)/t in $ per step and Vio(t)/t, Vio⁺(t)/t in MW — cf. [ZWL25] Fig. {5 + i}",
                rl, f"AEMO {r}1: pdct versus li2022 (N = 6, switching3)",
                scale=lambda run, q, sb=sb: run.cost_to_dollars if q == "regret" else sb,
                units=lambda run, q: "$" if q == "regret" else "MW")
    fig, axes = new_figure(len(REGIONS), height=1.7)
    for ax, r in zip(axes, REGIONS):
        run = res[(r, P)]["run"]
        t = series(run, "time")
        ax.plot(t, ctrl[r]["reg"] * run.cost_to_dollars, color="0.3", lw=1.0, label="exact optimum one step late")
        ax.plot(t, averaged(run, "regret") * run.cost_to_dollars, color=COLORS["pdct"], lw=1.0, label="pdct S2, κ_N = n")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_ylabel(escape(f"{r}: Reg(t)/t [$]"))
    place_legend(axes[0], fontsize=8)
    axes[-1].set_xlabel(escape(res[(REGIONS[0], P)]["run"].info("time").axis_label()))
    fig.suptitle(escape("Control: Reg(t)/t of x_t = x*_{t−1} beside pdct, AEMO July 2024"))
    ctx.figure(fig, "Z5_control", "Control (issue 14): the exact per-step optimum played one step late does not get "
               "Reg(t)/t → 0 on the real 5-minute series either", out)
    return out


EXPERIMENT = Experiment(
    id="Z5",
    paper="[ZWL25]",
    item="Figs. 5–9",
    run="dispatch/aemo per region, N = 6, switching3, pdct S2 vs li2022",
    reported="Reg/T, Vio/T → 0, pdct faster; early fluctuations (random init), smaller ones at demand peaks and troughs",
    runs=z5_runs,
    analyse=z5)
