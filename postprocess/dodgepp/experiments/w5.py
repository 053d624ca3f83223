"""W5 — peak reduction on the hot and typical days ([WMN14] Figs. 7–8, [WMN13c] Fig. 2): its runs, analysis and verdict checks (algorithms.md §14)."""
from __future__ import annotations

import numpy as np

from ..plotting import escape, new_figure
from .common import (normalization, run_eps, Check, COLORS, Experiment, num, open_run, Outcome, peak_reduction, RunSpec, series, Table)


W5_PAPER = {("hot", "coa"): 31.7, ("hot", "doa"): 29.8, ("hot", "dpa"): 10.9,
            ("typical", "coa"): 23.9, ("typical", "doa"): 23.9, ("typical", "dpa"): 12.9}


PRESETS = ("calibrated", "paper_params")


def w5_runs(ctx):
    specs = []
    for preset in PRESETS:
        for day in ("hot", "typical"):
            for a in ("coa", "doa", "dpa"):
                opts = () if preset == "calibrated" else ("-demand_preset", "paper_params")
                specs.append(RunSpec("demand", f"w5_{day}_{a}_{preset}", f"inputs/demand_w5_{day}_{a}.yaml", opts))
    # Control: [WMN13c]'s DOA is the single-step variant (one price update per slot, §9), the reading under which
    # "DOA reaches COA after several slots" describes a transient; run it beside the inner-loop doa.
    for day in ("hot", "typical"):
        specs.append(RunSpec("demand", f"w5_{day}_doa_single_calibrated", f"inputs/demand_w5_{day}_doa.yaml",
                             ("-doa_mode", "single_step")))
    return specs


def doa_reach(l_doa: np.ndarray, l_coa: np.ndarray, tol=0.02) -> tuple[int | None, np.ndarray]:
    gap = np.abs(l_doa - l_coa) / np.abs(l_coa)
    for k in range(len(gap)):
        if (gap[k:k + 8] < tol).all():
            return k + 1, gap
    return None, gap


def w5(ctx, runs) -> Outcome:
    out = Outcome()
    R = {(p, d, a): open_run(runs[f"w5_{d}_{a}_{p}"]) for p in PRESETS for d in ("hot", "typical") for a in ("coa", "doa", "dpa")}
    pr = {k: peak_reduction(r) for k, r in R.items()}
    t = Table("W5", "Peak reduction PR = 100 (max AGL − max L)/max AGL [%] and PAR, N = 20, CAISO SCE hot (2014-09-15) and "
              "typical (2014-10-01) days", ["day", "algorithm", "paper PR [%]", "PR calibrated [%]", "PR paper_params [%]",
                                           "PAR calibrated", "PAR paper_params", "PAR of AGL"])
    for d in ("hot", "typical"):
        for a in ("coa", "doa", "dpa"):
            par = {p: float(series(R[(p, d, a)], "load").max() / series(R[(p, d, a)], "load").mean()) for p in PRESETS}
            agl = series(R[("calibrated", d, a)], "agl")
            paper = ("31.7 or 29.8" if a in ("coa", "doa") else "10.9") if d == "hot" else f"{W5_PAPER[(d, a)]}"
            t.rows.append([d, a.upper(), paper, pr[("calibrated", d, a)], pr[("paper_params", d, a)],
                           par["calibrated"], par["paper_params"], float(agl.max() / agl.mean())])
    out.tables.append(t)

    def close(p):
        hot_ok = (abs(pr[(p, "hot", "dpa")] - 10.9) <= 3 and
                  min(abs(pr[(p, "hot", "coa")] - 31.7) + abs(pr[(p, "hot", "doa")] - 29.8),
                      abs(pr[(p, "hot", "coa")] - 29.8) + abs(pr[(p, "hot", "doa")] - 31.7)) <= 6 and
                  all(min(abs(pr[(p, "hot", a)] - x) for x in (29.8, 31.7)) <= 3 for a in ("coa", "doa")))
        typ_ok = all(abs(pr[(p, "typical", a)] - W5_PAPER[("typical", a)]) <= 3 for a in ("coa", "doa", "dpa"))
        return hot_ok and typ_ok

    def prs(p):
        return "; ".join(f"{d} " + "/".join(num(pr[(p, d, a)]) for a in ("coa", "doa", "dpa")) for d in ("hot", "typical"))

    for p in PRESETS:
        out.checks.append(Check(
            f"PR values ({p})", "hot 31.7/29.8/10.9, typical 23.9/23.9/12.9 (COA/DOA/DPA)", f"{prs(p)} (COA/DOA/DPA)",
            close(p), kind="number", criterion="every PR within 3 percentage points (COA/DOA order on the hot day either way)",
            why=("the paper's SCE 2011 load traces are unavailable (CAISO 2014 is used, normalized over " + normalization(R[(p, "hot", "coa")]) + ", "
                 "§3.5) and the cost scale is [chosen] (§3.2: the printed a = 0.05 taken literally pins every user at "
                 "p_min); with paper_params every PR comes out higher than the paper's") if p == "paper_params" else
                ("'calibrated' (a = 0.0175, δ = 0.05) is [chosen] for the COA ≫ DPA ordering, not for the values, on "
                 "the same substitute data")))
    P = "calibrated"
    ratio = {d: min(pr[(P, d, "coa")], pr[(P, d, "doa")]) / pr[(P, d, "dpa")] for d in ("hot", "typical")}
    out.checks.append(Check(
        "COA, DOA ≫ DPA (calibrated)", "≈ 3× (hot), 2× (typical)", f"min(COA, DOA)/DPA: hot {num(ratio['hot'])}, typical "
        f"{num(ratio['typical'])}", all(r >= 1.5 for r in ratio.values()), criterion="min(COA, DOA) ≥ 1.5 × DPA on both days",
        why="DPA cuts the peak as much as COA/DOA"))
    ratio_pp = {d: min(pr[("paper_params", d, "coa")], pr[("paper_params", d, "doa")]) / pr[("paper_params", d, "dpa")]
                for d in ("hot", "typical")}
    out.checks.append(Check(
        "COA, DOA ≫ DPA (paper_params, informative)", "≫", f"hot {num(ratio_pp['hot'])}, typical {num(ratio_pp['typical'])}",
        all(r >= 1.5 for r in ratio_pp.values()), kind="info", criterion="as above; §3.2 keeps this preset for the printed numbers"))
    hot_more = pr[(P, "hot", "coa")] > pr[(P, "typical", "coa")] and pr[(P, "hot", "doa")] > pr[(P, "typical", "doa")]
    dpa_typ = pr[(P, "typical", "dpa")] > pr[(P, "hot", "dpa")]
    out.checks.append(Check(
        "COA/DOA cut the hot peak more, DPA the typical one", "hot 31.7/29.8 > typical 23.9; DPA 12.9 > 10.9",
        f"COA {num(pr[(P, 'hot', 'coa')])} vs {num(pr[(P, 'typical', 'coa')])}, DOA {num(pr[(P, 'hot', 'doa')])} vs "
        f"{num(pr[(P, 'typical', 'doa')])}, DPA {num(pr[(P, 'hot', 'dpa')])} vs {num(pr[(P, 'typical', 'dpa')])} (hot vs typical)",
        hot_more and dpa_typ, criterion="PR(hot) > PR(typical) for COA and DOA; the reverse for DPA (calibrated)",
        why=f"normalized over {normalization(R[(P, 'hot', 'coa')])} (§3.5), the two days' levels give "
            f"hot {num(float(series(R[(P, 'hot', 'coa')], 'agl').max()))} and typical "
            f"{num(float(series(R[(P, 'typical', 'coa')], 'agl').max()))} peak AGL; the PRs do not order as the paper's "
            "(normalize_over = window would scale each day to [0, 1] and remove the level difference)"))
    inner = float(np.mean(series(R[(P, "hot", "doa")], "inner_iterations")))
    lam_rel = float(np.mean(np.abs(series(R[(P, "hot", "doa")], "lambda") - series(R[(P, "hot", "coa")], "lambda"))) /
                    np.mean(series(R[(P, "hot", "coa")], "lambda")))
    reach, mgap = {}, {}
    for d in ("hot", "typical"):
        k, gap = doa_reach(series(R[(P, d, "doa")], "load"), series(R[(P, d, "coa")], "load"))
        reach[d], mgap[d] = k, float(np.mean(gap))
    out.checks.append(Check(
        "DOA reaches COA after several slots", "several slots",
        f"first slot from which |L_doa − L_coa|/L_coa < 2 % for 8 slots: hot {reach['hot']}, typical {reach['typical']}",
        all(k is not None and k > 1 for k in reach.values()), criterion="exists and is later than slot 1 (calibrated)",
        why=(f"doa's inner loop (ε = {num(run_eps(R[(P, 'hot', 'doa')]))}, δ = 0.05, calibrated, warm start) converges within "
             f"every slot ({inner:.2f} broadcasts per slot on average, hot day; price within {100 * lam_rel:.2g} % of COA's "
             "λ* on average), so DOA sits on COA from slot 1 and there is no transient to reach"
             if all(k == 1 for k in reach.values()) else
             f"DOA does not settle onto COA: with ε = {num(run_eps(R[(P, 'hot', 'doa')]))} and δ = 0.05 (calibrated) its "
             f"inner loop stops after {inner:.2f} broadcasts per slot on average (hot day), and its price is "
             f"{100 * lam_rel:.2g} % away from COA's λ* on average")))
    sreach, sgap = {}, {}
    for d in ("hot", "typical"):
        k, gap = doa_reach(series(open_run(runs[f"w5_{d}_doa_single_calibrated"]), "load"), series(R[(P, d, "coa")], "load"))
        sreach[d], sgap[d] = k, float(np.mean(gap))
    out.checks.append(Check(
        "control: single-step DOA ([WMN13c]) reaches COA after several slots", "several slots",
        f"first slot within 2 % for 8 slots: hot {sreach['hot']}, typical {sreach['typical']}; mean |L_doa − L_coa|/L_coa "
        f"hot {num(sgap['hot'])}, typical {num(sgap['typical'])}", all(k is not None and k > 1 for k in sreach.values()),
        kind="info", criterion="as above, doa -doa_mode single_step (one update (21) per slot, δ = 0.05)",
        why="one price update per slot at δ = 0.05 never brings the single-step DOA within 2 % of COA for 8 slots: "
            "neither reading of DOA shows the paper's transient on these data"))
    out.checks.append(Check(
        "DOA–COA gap larger on the hot day", "larger on hot", f"mean |L_doa − L_coa|/L_coa: hot {num(mgap['hot'])}, "
        f"typical {num(mgap['typical'])}", mgap["hot"] > mgap["typical"], criterion="mean relative gap hot > typical (calibrated)",
        why=f"the DOA–COA gap is not larger on the hot day (normalized over {normalization(R[(P, 'hot', 'coa')])}, §3.5)"))
    out.headline = f"PR calibrated {prs('calibrated')}; paper_params {prs('paper_params')} (COA/DOA/DPA, %)"
    for p in PRESETS:
        fig, axes = new_figure(2, height=2.9)
        for ax, d in zip(axes, ("hot", "typical")):
            hours = series(R[(p, d, "coa")], "time")
            ax.plot(hours, series(R[(p, d, "coa")], "agl"), color=COLORS["trace"], lw=1.2, label="AGL (actual)")
            for a in ("coa", "doa", "dpa"):
                ax.plot(hours, series(R[(p, d, a)], "load"), color=COLORS[a], lw=1.0,
                        label=f"{a.upper()} (PR {pr[(p, d, a)]:.1f} %)")
            ax.set_ylabel(escape(f"{d} day load [{R[(p, d, 'coa')].info('load').units}]"))
            ax.legend(fontsize=7, ncol=2)
        axes[-1].set_xlabel("hour of the day")
        fig.suptitle(f"Grid load L(t) versus AGL, N = 20, preset {p}")
        ctx.figure(fig, f"W5_load_{p}", f"AGL and L(t) under COA, DOA, DPA on the hot and typical days, preset {p} — cf. "
                   "[WMN14] Figs. 7–8", out)
    return out


EXPERIMENT = Experiment(
    id="W5",
    paper="[WMN14], [WMN13c]",
    item="Figs. 7–8; Fig. 2",
    run="AGL and L(t), coa/doa/dpa, hot and typical day",
    reported="hot PR COA/DOA 31.7 and 29.8 % (order ambiguous), DPA 10.9 %; typical COA 23.9 %, DOA 23.9 %, DPA 12.9 %; DOA reaches COA after several slots, gap larger on the hot day; COA/DOA cut the hot peak more, DPA the typical one",
    runs=w5_runs,
    analyse=w5,
    optional=True)
