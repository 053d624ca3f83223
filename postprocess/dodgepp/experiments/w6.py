"""W6 — [WMN14] Table I quantities versus N: its runs, analysis and verdict checks (algorithms.md §14)."""
from __future__ import annotations

import math
import numpy as np

from ..plotting import new_figure
from ..run import Run
from ..plotting import place_legend
from .common import (run_eps, Check, COLORS, Experiment, listing, num, open_run, Outcome, RunSpec, series, Table, user_decisions)


def w6_sizes(ctx):
    return (200,) if ctx.quick else (200, 500, 1000)


CONTROL_EPS = (1e-4, 1e-6, 1e-9)  # the control: doa's stopping tolerance tightened towards 0 (§9)


def w6_runs(ctx):
    n0 = w6_sizes(ctx)[-1]
    return ([RunSpec("demand", f"w6_n{n}_{a}", f"inputs/demand_w6_n{n}_{a}.yaml", ("-output_agents", "all"))
             for n in w6_sizes(ctx) for a in ("coa", "doa", "dpa")] +
            [RunSpec("demand", f"w6_n{n0}_doa_eps{e:g}", f"inputs/demand_w6_n{n0}_doa.yaml",
                     ("-output_agents", "all", "-doa_eps", f"{e:g}", "-doa_kmax", "100000")) for e in CONTROL_EPS])


def table1(run: Run) -> dict:
    """[WMN14] Table I quantities (§12, (23)) from the datasets: V̄, Ū, C̄, P̄, C_T."""
    p = user_decisions(run)
    N = p.shape[1]
    load = series(run, "load")
    return {"V": float(np.mean(np.var(p, axis=0))), "U": float(np.sum(series(run, "utility")) / N),
            "C": float(np.sum(series(run, "user_price") * load) / N), "P": float(load.max() / N),
            "CT": float(np.sum(series(run, "provision_cost")))}


def w6(ctx, runs) -> Outcome:
    out = Outcome()
    sizes = w6_sizes(ctx)
    t = Table("W6", "[WMN14] Table I quantities, hot day, preset calibrated (the W6 scenario files): V̄ mean user variance, "
              "Ū utility per user, C̄ cost per user, P̄ peak per user, C_T provisioning cost",
              ["N", "column", "V̄", "Ū", "C̄", "P̄", "C_T"])
    vals, lam_err = {}, {}
    for n in sizes:
        R = {a: open_run(runs[f"w6_n{n}_{a}"]) for a in ("coa", "doa", "dpa")}
        # doa's resolution at its ε: the mean relative error of its price against COA's λ* (the tie of P̄ below)
        lam_err[n] = float(np.mean(np.abs(series(R["doa"], "lambda") - series(R["coa"], "lambda"))) /
                           np.mean(series(R["coa"], "lambda")))
        a0 = R["coa"].root_attrs
        agl = series(R["coa"], "agl")
        trace = {"V": a0.get("demand_trace_vbar", math.nan), "U": a0.get("demand_trace_ubar", math.nan),
                 "C": a0.get("demand_trace_cbar", math.nan), "P": float(agl.max() / n),
                 "CT": a0.get("demand_trace_total_cost", math.nan)}
        vals[(n, "trace")] = {k: float(v) for k, v in trace.items()}
        t.rows.append([n, "actual trace (p = d) (†)", *(float(trace[k]) for k in ("V", "U", "C", "P", "CT"))])
        for a in ("coa", "doa", "dpa"):
            v = table1(R[a])
            vals[(n, a)] = v
            t.rows.append([n, a.upper(), v["V"], v["U"], v["C"], v["P"], v["CT"]])
    out.tables.append(t)
    out.notes.append("(†) The trace column's V̄, Ū, C̄ and C_T are dodge's own summary attributes (demand_trace_*): the users' "
                     "d_i(t) are not stored in the files; P̄ is recomputed from /series/agl. Every other number is recomputed "
                     "from /agents/x and /series (all users recorded with -output_agents all).")
    v_best = all(vals[(n, "coa")]["V"] <= min(vals[(n, "doa")]["V"], vals[(n, "dpa")]["V"]) for n in sizes)
    v_close = all(vals[(n, "doa")]["V"] - vals[(n, "coa")]["V"] <= 0.25 * (vals[(n, "dpa")]["V"] - vals[(n, "coa")]["V"])
                  for n in sizes)
    u_dpa = all(vals[(n, "dpa")]["U"] >= max(vals[(n, "coa")]["U"], vals[(n, "doa")]["U"]) and
                vals[(n, "dpa")]["U"] <= 1.10 * max(vals[(n, "coa")]["U"], vals[(n, "doa")]["U"]) for n in sizes)
    ct = [max(vals[(n, a)]["CT"] for a in ("coa", "doa", "dpa")) / min(vals[(n, a)]["CT"] for a in ("coa", "doa", "dpa"))
          for n in sizes]

    n0 = sizes[-1]
    Rl = {a: open_run(runs[f"w6_n{n0}_{a}"]) for a in ("coa", "doa", "dpa")}
    lam_rel = lam_err[n0]
    energy = {a: float(np.sum(series(Rl[a], "load"))) for a in Rl}
    lvar = {a: float(np.var(series(Rl[a], "load"))) for a in Rl}

    # Control: is DOA's lower peak an ordering or doa's stopping error? The same doa run with ε tightened towards
    # 0 (K_max raised so the loop always stops on ε); the gap to COA's P̄ must vanish with ε if it is the latter.
    p_coa = vals[(n0, "coa")]["P"]
    ctrl = [(run_eps(Rl["doa"]), vals[(n0, "doa")]["P"], float(np.mean(series(Rl["doa"], "inner_iterations"))))]
    for e in CONTROL_EPS:
        r = open_run(runs[f"w6_n{n0}_doa_eps{e:g}"])
        ctrl.append((e, table1(r)["P"], float(np.mean(series(r, "inner_iterations")))))
    gaps = [(pe - p_coa) / p_coa for _, pe, _ in ctrl]
    vanishes = all(abs(gaps[k + 1]) < abs(gaps[k]) for k in range(len(gaps) - 1)) and abs(gaps[-1]) < 1e-8
    ctab = Table("W6_control", f"Control: doa's P̄ against COA's as doa's stopping tolerance ε goes to 0 (N = {n0}, hot day, "
               "calibrated; K_max 100000 for the tightened runs)", ["ε", "P̄ DOA", "(P̄ DOA − P̄ COA)/P̄ COA",
                                                                   "inner iterations per slot"])
    ctab.rows += [[f"{e:g}", pe, f"{g:+.3g}", it] for (e, pe, it), g in zip(ctrl, gaps)]
    out.tables.append(ctab)
    # "COA best" on P̄ with ties counted as ties: DOA's P̄ may sit below COA's by no more than doa's own resolution at
    # its ε, the mean relative error of its price against COA's λ* at the same N, and only when the control shows the
    # gap vanishing as ε → 0 (both then reach the same per-slot optimum); DPA must be above COA outright.
    p_gap = {n: (vals[(n, "doa")]["P"] - vals[(n, "coa")]["P"]) / vals[(n, "coa")]["P"] for n in sizes}
    p_tie = {n: p_gap[n] < 0 and vanishes and -p_gap[n] <= lam_err[n] for n in sizes}
    p_best = all(vals[(n, "coa")]["P"] <= vals[(n, "dpa")]["P"] and (p_gap[n] >= 0 or p_tie[n]) for n in sizes)
    tie_text = "; ".join(f"N={n}: {p_gap[n]:+.2g} (doa's price error {lam_err[n]:.2g})" for n in sizes)
    gap_text = ", ".join(f"{g:+.2g} at ε = {e:g}" for (e, _, _), g in zip(ctrl, gaps))

    def per_n(key, algs=("coa", "doa", "dpa")):
        return "; ".join(f"N={n}: " + "/".join(num(vals[(n, a)][key]) for a in algs) for n in sizes)

    out.checks += [
        Check("V̄: COA best", "COA best", per_n("V") + " (COA/DOA/DPA)", v_best, criterion="COA's V̄ ≤ DOA's and DPA's at every N",
              why="DOA's or DPA's V̄ is below COA's"),
        Check("V̄: DOA close to COA", "close", per_n("V"), v_close,
              criterion="V̄_DOA − V̄_COA ≤ 25 % of V̄_DPA − V̄_COA at every N", why="DOA's V̄ is far from COA's"),
        Check("P̄: COA best", "COA best", per_n("P") + " (COA/DOA/DPA); (P̄ DOA − P̄ COA)/P̄ COA " + tie_text, p_best,
              criterion="COA's P̄ ≤ DPA's, and ≤ DOA's or tied with it, at every N: a tie is DOA below COA by less than "
                        "doa's mean relative price error against COA's λ* at that N, with the control's gap vanishing as "
                        "ε → 0 (the same per-slot optimum, ordered only by the paper's stopping rule)",
              why=(f"DOA's peak is below COA's by its stopping error, not by a different schedule: doa's price is within "
                   f"{100 * lam_rel:.2g} % of COA's λ* on average (N = {n0}), and the control (doa with ε tightened) gives "
                   f"a relative P̄ gap of {gap_text}" + (", vanishing with ε: both reach the same per-slot optimum, so "
                   "on P̄ COA and DOA tie and only the ε of the paper's stopping rule orders them" if vanishes else
                   ", which does not vanish with ε"))),
        Check("control: DOA's P̄ gap vanishes as ε → 0", "—", gap_text, vanishes, kind="info",
              criterion="|gap| decreases with every tighter ε and is < 1e-8 at the tightest",
              why="the gap does not vanish with ε: DOA and COA do not reach the same per-slot optimum"),
        Check("Ū: DPA slightly better", "slightly better", per_n("U") + " (COA/DOA/DPA)", u_dpa,
              criterion="DPA's Ū highest, by at most 10 %", why="DPA's utility is not the highest or exceeds the others by > 10 %"),
        Check("C_T similar", "similar", per_n("CT") + f" (COA/DOA/DPA); max/min {listing(ct)}", all(c <= 1.2 for c in ct),
              criterion="max/min of C_T over COA, DOA, DPA ≤ 1.2 at every N",
              why=f"C_N is quadratic in the load: relative to COA, DOA's total load Σ_t L(t) is "
                  f"{100 * (energy['doa'] / energy['coa'] - 1):+.0f} % (lower C_T), DPA's "
                  f"{100 * (energy['dpa'] / energy['coa'] - 1):+.0f} % but far less smooth (Var_t L {num(lvar['dpa'])} against "
                  f"COA's {num(lvar['coa'])}, N = {n0}), which raises its C_T"),
    ]
    out.headline = "V̄ COA/DOA/DPA " + per_n("V") + "; C_T " + per_n("CT")
    fig = new_figure()[0]
    fig.clear()
    fig.set_size_inches(8.0, 5.6)
    axes = fig.subplots(2, 2).ravel()
    cols = ("trace", "coa", "doa", "dpa")
    for ax, (key, lab) in zip(axes, (("V", r"$\bar{V}$ (mean user variance)"), ("U", r"$\bar{U}$ (utility per user)"),
                                     ("P", r"$\bar{P}$ (peak per user)"), ("CT", r"$C_T/N$ (provisioning cost per user)"))):
        x = np.arange(len(sizes))
        for k, c in enumerate(cols):
            y = [vals[(n, c)][key] / (n if key == "CT" else 1) for n in sizes]
            ax.bar(x + (k - 1.5) * 0.2, y, 0.2, color=COLORS[c], label=c.upper() if c != "trace" else "trace")
        ax.set_xticks(x, [f"N={n}" for n in sizes])
        ax.set_title(lab, fontsize=9)
        ax.grid(True, alpha=0.3, axis="y")
    place_legend(axes[0], fontsize=7)
    fig.suptitle("[WMN14] Table I quantities, hot day, preset calibrated")
    fig.set_layout_engine("constrained")
    ctx.figure(fig, "W6_table1", "Table I quantities per N for the trace, COA, DOA and DPA — cf. [WMN14] Table I", out)
    return out


EXPERIMENT = Experiment(
    id="W6",
    paper="[WMN14]",
    item="Table I",
    run="N = 200, 500, 1000, hot day; trace, coa, doa, dpa",
    reported="V̄ and P̄: COA best, DOA close; Ū: DPA slightly better; C_T similar",
    runs=w6_runs,
    analyse=w6,
    optional=True)
