"""G3 — mechanism comparison of the DC grid cell (docs/gridcell.md §16.9, §16.13): the no-trading baseline B1
(`none`), the paper's mid-market-rate clearing (`mmr`, neighbours and cell scopes), pdct (scheme G) and the exact
clearing coa, on the default cell. The claim under test is the paper's "trading benefits sellers and buyers" (no
numbers). Every number is read from the run files: the root attributes gridcell_* (costs, shadow cost B1, netting
bound C^net, self-sufficiency, matched energy), /summary (per-home cost, shadow cost and saving) and /agents (sold,
bought, trade: who is a net seller and who a net buyer). mfq, the paper's own mechanism, runs its first pass (the
exploring policy) and the last of 5 passes (G4 is its learning experiment); doa and the complete graph of the §16.13
row are not run here."""
from __future__ import annotations

import math

import numpy as np

from ..plotting import escape, new_figure, place_legend
from .common import Check, Experiment, MissingData, Outcome, RunSpec, Table, dataset, num, root_attr

GROUP = "gridcell_mechanisms"
# The default cell: sce, N = 100, watts_strogatz, 35 days after the 3-day warm-up, seed 1.
BASE = ("-problem", "gridcell", "-agents", "100")
WORSE = -1e-9  # §16.9: a home is worse off when its saving ς_i < −1e-9 $/day
COLORS = {"mmr": "tab:blue", "mmr_cell": "tab:green", "pdct": "tab:orange", "coa": "tab:red", "mfq1": "tab:gray",
          "mfq5": "tab:purple"}


def cases() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, label, market scope, options) of every run; the first is the baseline B1."""
    return [("none", "none (B1, no trading)", "—", ("-algorithm", "none")),
            ("mmr", "mmr", "neighbours", ("-algorithm", "mmr")),
            ("mmr_cell", "mmr", "cell", ("-algorithm", "mmr", "-gridcell_market_scope", "cell")),
            ("pdct", "pdct, scheme G", "—", ("-algorithm", "pdct")),
            ("coa", "coa (exact clearing)", "—", ("-algorithm", "coa")),
            ("mfq1", "mfq, pass 1", "neighbours", ("-algorithm", "mfq")),
            ("mfq5", "mfq, pass 5 of 5", "neighbours", ("-algorithm", "mfq", "-mfq_passes", "5"))]


def g3_runs(ctx):
    # A run takes 1.5-2.5 s at 2 ranks (mfq 5 passes about 10 s), so the quick mode runs the whole scenario too.
    return [RunSpec(GROUP, name, None, BASE + opts) for name, _, _, opts in cases()]


def attr(path, key: str) -> float:
    v = root_attr(path, f"gridcell_{key}")
    if v is None:
        raise MissingData(f"{path.name} has no root attribute gridcell_{key}")
    return float(v)


def sold_bought(path) -> tuple[np.ndarray, np.ndarray]:
    """Each home's energy sold and bought over the main window [kWh]: /agents/sold and /agents/bought where the
    algorithm writes them (mmr), else from /agents/trade e_i = bought_i − sold_i step by step (sold = [−e]_+,
    bought = [e]_+). Every home and every step must be recorded."""
    t = dataset(path, "series/time")
    dt = float(t[1] - t[0])
    steps = dataset(path, "agents/record_step")
    if len(steps) != len(t):
        raise MissingData(f"{path.name}: /agents has {len(steps)} records for {len(t)} steps")
    n = len(dataset(path, "summary/home_saving"))
    if len(dataset(path, "agents/agent")) != n:
        raise MissingData(f"{path.name}: /agents does not record every home")
    try:
        so, bo = dataset(path, "agents/sold"), dataset(path, "agents/bought")
    except MissingData:
        e = dataset(path, "agents/trade")
        so, bo = np.maximum(-e, 0.0), np.maximum(e, 0.0)
    return dt * so.sum(axis=0), dt * bo.sum(axis=0)


def measure(path) -> dict:
    m = {k: attr(path, k) for k in ("cost", "cost_shadow", "cost_netting", "eval_cost", "eval_cost_shadow",
                                   "eval_cost_netting", "ss_phys", "ss_util", "matched_kwh")}
    sav = dataset(path, "summary/home_saving")  # $/day per home against B1
    so, bo = sold_bought(path)
    m["saving"] = sav
    m["seller"], m["buyer"] = so > bo, bo > so  # homes with neither (no trade at all) are in neither group
    m["worse"] = float(np.mean(sav < WORSE))
    m["has_pv"] = dataset(path, "inputs/gridcell/has_pv") > 0
    m["has_bat"] = dataset(path, "inputs/gridcell/has_battery") > 0
    for g in ("seller", "buyer"):
        m[f"{g}_mean"] = float(np.mean(sav[m[g]])) if m[g].any() else math.nan
        m[f"{g}_worse"] = float(np.mean(sav[m[g]] < WORSE)) if m[g].any() else math.nan
    return m


def signed(v: float) -> str:
    return f"{v:+.3f}" if math.isfinite(v) else "n/a"


def g3(ctx, runs, exp: str = "G3", caption: str | None = None) -> Outcome:
    """The mechanism comparison on the runs of cases(); G10 (g10.py) calls it on the dynamic-price cell with its own
    table id and caption (the figure is named after the id)."""
    out = Outcome()
    r = {name: measure(runs[name].path) for name, *_ in cases()}
    b1 = r["none"]["cost"]
    net = r["none"]["cost_netting"]
    tm = dataset(runs["none"].path, "series/time")
    days = len(tm) * float(tm[1] - tm[0]) / 24.0
    t = Table(exp, caption or "Mechanisms on the default cell (sce, N = 100, watts_strogatz, 35 days after a 3-day warm-up, "
                              "seed 1); savings in $/day per home against B1",
              ["run", "mechanism", "scope", "cost ($)", "/ B1", "/ C^net", "eval window / B1", "SS_phys", "SS_util",
               "matched (kWh)", "homes worse off (%)", "sellers / buyers / no trade", "mean saving sellers ($/day)",
               "mean saving buyers ($/day)"])
    for name, label, scope, _ in cases():
        m = r[name]
        ns, nb = int(m["seller"].sum()), int(m["buyer"].sum())
        t.rows.append([name, label, scope, f"{m['cost']:.2f}", m["cost"] / m["cost_shadow"], m["cost"] / m["cost_netting"],
                       m["eval_cost"] / m["eval_cost_shadow"], m["ss_phys"], m["ss_util"], f"{m['matched_kwh']:.1f}",
                       100.0 * m["worse"], f"{ns} / {nb} / {len(m['saving']) - ns - nb}",
                       m["seller_mean"] if ns else None, m["buyer_mean"] if nb else None])
    e = r["none"]
    t.rows.append(["C^net", "netting bound", "cell", f"{net:.2f}", net / e["cost_shadow"], 1.0,
                   e["eval_cost_netting"] / e["eval_cost_shadow"], None, None, None, None, None, None, None])
    out.tables.append(t)

    trading = [name for name, *_ in cases() if name != "none"]
    ratio = {k: r[k]["cost"] / b1 for k in trading}
    judged = [k for k in trading if k != "mfq1"]  # pass 1 explores; the learned policy is pass 5's
    out.checks.append(Check(
        "trading lowers the community cost", "(implied by the paper)",
        "cost / B1: " + ", ".join(f"{k} {num(v)}" for k, v in ratio.items()),
        all(r[k]["cost"] <= b1 for k in judged),
        criterion="every trading mechanism's community cost ≤ B1's (the none run's cost); mfq after its 5 passes",
        why="; ".join(f"{k} costs {r[k]['cost']:.2f} $ against B1's {b1:.2f} $" for k in judged if r[k]["cost"] > b1)))

    per = "; ".join(f"{k}: sellers {signed(r[k]['seller_mean'])}, buyers {signed(r[k]['buyer_mean'])} $/day "
                    f"({int(r[k]['seller'].sum())} / {int(r[k]['buyer'].sum())} homes)" for k in trading)
    m = r["mmr"]
    both = m["seller_mean"] > 0 and m["buyer_mean"] > 0
    out.checks.append(Check(
        "trading benefits sellers and buyers", "benefits both [paper]", per, both,
        criterion="mmr, neighbours scope (the paper's mechanism family): mean saving against B1 > 0 for the net sellers "
                  "and for the net buyers (net seller: total sold > total bought over the run)",
        why=f"under mmr (neighbours) the net sellers save {signed(m['seller_mean'])} $/day and the net buyers "
            f"{signed(m['buyer_mean'])} $/day on average"))

    q = r["mfq5"]
    out.checks.append(Check(
        "mfq benefits sellers and buyers", "benefits both [paper]",
        f"mfq after 5 passes: sellers {signed(q['seller_mean'])}, buyers {signed(q['buyer_mean'])} $/day "
        f"({int(q['seller'].sum())} / {int(q['buyer'].sum())} homes)", q["seller_mean"] > 0 and q["buyer_mean"] > 0,
        criterion="the paper's own mechanism (mfq, the last of 5 passes): mean saving against B1 > 0 for the net sellers and "
                  "for the net buyers",
        why=f"under mfq the net sellers save {signed(q['seller_mean'])} $/day and the net buyers {signed(q['buyer_mean'])} "
            f"$/day on average: the battery homes, the learners, save {signed(float(np.mean(q['saving'][q['has_bat']])))} "
            f"$/day each against B1's rule battery (mmr's: {signed(float(np.mean(m['saving'][m['has_bat']])))}), while the "
            f"net sellers without a battery save {signed(float(np.mean(q['saving'][q['seller'] & ~q['has_bat']])))}; "
            "the learned 3-action policy does worse than the self-consumption rule it replaces (G4)"))

    order = [("C^net", net), ("coa", r["coa"]["cost"]), ("pdct", r["pdct"]["cost"]), ("B1", b1)]
    ordered = all(a[1] <= b[1] for a, b in zip(order, order[1:]))
    out.checks.append(Check(
        "ordering of the optimization-based clearings", "(C^net ≤ coa ≤ pdct ≤ B1, docs/gridcell.md)",
        " ≤ ".join(f"{k} {v:.2f}" for k, v in order) if ordered else ", ".join(f"{k} {v:.2f}" for k, v in order),
        ordered, kind="number", criterion="C^net ≤ coa ≤ pdct ≤ B1 (community cost, main window)",
        why="the community costs are not ordered C^net ≤ coa ≤ pdct ≤ B1: "
            + ", ".join(f"{k} {v:.2f} $" for k, v in order)))

    out.checks.append(Check(
        "homes worse off than without trading", "(not reported)",
        "; ".join(f"{k} {num(100 * r[k]['worse'])} % (sellers {num(100 * r[k]['seller_worse'])} %, buyers "
                  f"{num(100 * r[k]['buyer_worse'])} %)" for k in trading), True, kind="info",
        criterion=f"share of homes with saving ς_i < {WORSE:g} $/day (§16.9)", why=""))
    out.checks.append(Check(
        "homes with and without PV", "(not reported)",
        "; ".join(f"{k}: PV {signed(float(np.mean(r[k]['saving'][r[k]['has_pv']])))}, no PV "
                  f"{signed(float(np.mean(r[k]['saving'][~r[k]['has_pv']])))} $/day" for k in trading), True,
        kind="info", criterion="mean saving against B1 of the homes with and without PV", why=""))

    shadow = max(abs(r[k]["cost_shadow"] / b1 - 1.0) for k in trading)
    mnet = ", ".join(f"{k} {r[k]['cost_netting']:.2f} $" for k in ("mfq1", "mfq5"))
    pv_txt = ", ".join(f"{k} {int((r[k]['seller'] & r[k]['has_pv']).sum())} of {int(r[k]['seller'].sum())}"
                       for k in trading)
    out.notes.append(
        f"B1 is the no-trading shadow cost every run computes beside its own (§16.4); it equals the none run's cost in "
        f"every run (largest relative difference {num(shadow)}), and C^net ({net:.2f} $) is the same in every run but "
        f"mfq's because those mechanisms play the same battery rule (fixed from SoC and forecasts, §16.2), so the "
        f"physical positions n_i, C^net and SS_phys do not depend on the trades; mfq's batteries follow its actions "
        f"(C^net {mnet}). A home is a "
        f"net seller when it sold more energy than it bought over the {days:g} days (mmr: /agents/sold and "
        f"/agents/bought; pdct and coa: the per-step positive and negative parts of /agents/trade e_i = bought − sold), "
        f"a net buyer in the opposite case; homes that never traded are in neither group. Every net seller has PV "
        f"({pv_txt} sellers have PV). Matched energy is Δ Σ_t Σ_i sold_i; pdct's trades do not clear (Σ_i e_i ≠ 0), so its matched energy "
        f"counts sales no buyer took. doa and the complete graph of the §16.13 G3 row are not run here.")
    out.headline = ("cost / B1: " + ", ".join(f"{k} {num(v)}" for k, v in ratio.items()) + f" (C^net {num(net / b1)}); "
                    f"mmr sellers {signed(m['seller_mean'])}, buyers {signed(m['buyer_mean'])} $/day; mfq (pass 5) "
                    f"sellers {signed(q['seller_mean'])}, buyers {signed(q['buyer_mean'])} $/day")

    labels = {n: lab + (f" ({s})" if s != "—" else "") for n, lab, s, _ in cases()}
    # Per-home saving against B1, sorted within the net sellers (solid) and the net buyers (dashed).
    fig, axes = new_figure(1, height=4.6)
    ax = axes[0]
    for k in trading:
        lab = labels[k]
        for g, ls, word in (("seller", "-", "sellers"), ("buyer", "--", "buyers")):
            v = np.sort(r[k]["saving"][r[k][g]])
            if v.size:
                x = (np.arange(v.size) + 0.5) / v.size
                ax.plot(x, v, color=COLORS[k], ls=ls, lw=1.2,
                        label=escape(f"{lab}: {word} (mean {signed(r[k][f'{g}_mean'])})"))
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("fraction of the group's homes, sorted by saving")
    ax.set_ylabel(escape("saving against B1 [$/day per home]"))
    ax.set_title(f"Saving of each net seller and net buyer (N = 100, {days:g} days)")
    place_legend(ax, fontsize=8)
    ctx.figure(fig, f"{exp}_savings", "Per-home saving against the no-trading baseline B1, net sellers (solid) and "
                                  "net buyers (dashed), each group sorted; legend: the group's mean in $/day", out)
    return out


EXPERIMENT = Experiment(
    id="G3", paper="[WLHQ20]", item="§16.13 G3 mechanisms",
    run="the default cell (sce, N = 100, 35 days) with none (B1), mmr (neighbours and cell scopes), pdct (scheme G), "
        "coa and mfq (pass 1, and pass 5 of 5)",
    reported="trading benefits sellers and buyers (no numbers)", runs=g3_runs, analyse=g3)
