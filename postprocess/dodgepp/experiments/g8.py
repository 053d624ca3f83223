"""G8 — penetration of PV and batteries in the grid cell (docs/gridcell.md §16.13): the default cell with the PV share
ρ_pv and the battery share ρ_bat·ρ_pv varied, cleared by mmr (neighbours scope), by pdct (scheme G) and by mfq (the
last of 5 learning passes; its batteries follow the learned actions, the others' the rule), reporting
the savings against the no-trading baseline B1 that every run carries, and the physical and utility
self-sufficiency. The paper reports no numbers for it; the checks are what the model must show (more PV, more
self-sufficiency; storage raises it further; trading saves money whenever there is something to trade). Every
number is read from the run files' root attributes."""
from __future__ import annotations

import math

from ..plotting import new_figure, place_legend
from .common import Check, Experiment, Outcome, RunSpec, Table, dataset, num, root_attr

GROUP = "gridcell_penetration"
BASE = ("-problem", "gridcell", "-agents", "100")
MECHS = ("mmr", "pdct", "mfq")
EXTRA = {"mfq": ("-mfq_passes", "5")}  # mfq is judged on its learned policy (G4: the last of 5 passes)
BATTERY_REST = "13.5,5,0.9487,0.1,1,0.5,0.01"  # -gridcell_battery after ρ_bat: the defaults (docs/gridcell.md §16.11)


def grid(ctx) -> list[tuple[float, float]]:
    """(ρ_pv, battery share ρ_bat·ρ_pv) with ρ_bat ≤ 1."""
    pvs, shares = ((0.25, 0.75), (0.0, 0.25)) if ctx.quick else ((0.25, 0.5, 0.75), (0.0, 0.25, 0.5))
    return [(p, b) for p in pvs for b in shares if b <= p]


def name(mech: str, p: float, b: float) -> str:
    return f"{mech}_pv{p:g}_bat{b:g}"


def g8_runs(ctx):
    return [RunSpec(GROUP, name(m, p, b), None, BASE + ("-algorithm", m, "-gridcell_pv_fraction", f"{p:g}",
                                                       "-gridcell_battery", f"{b / p:.17g},{BATTERY_REST}") + EXTRA.get(m, ()))
            for m in MECHS for p, b in grid(ctx)]


def g8(ctx, runs) -> Outcome:
    out = Outcome()
    t = Table("G8", "Penetration (sce, N = 100, 35 days, seed 1): savings against B1 and self-sufficiency",
              ["mechanism", "ρ_pv", "ρ_bat·ρ_pv", "savings %", "savings [$/day]", "SS_phys", "SS_util", "homes worse off %"])
    v = {}
    for m in MECHS:
        for p, b in grid(ctx):
            path = runs[name(m, p, b)].path
            a = {k: float(root_attr(path, f"gridcell_{k}", math.nan)) for k in
                 ("savings", "savings_per_day", "ss_phys", "ss_util", "worse_off_share")}
            v[m, p, b] = a
            t.rows.append([m, p, b, 100 * a["savings"], a["savings_per_day"], a["ss_phys"], a["ss_util"],
                           100 * a["worse_off_share"]])
    out.tables.append(t)
    g = grid(ctx)
    pvs = sorted({p for p, _ in g})
    # More PV, more physical self-sufficiency (no batteries; both mechanisms).
    ss0 = {m: [v[m, p, 0.0]["ss_phys"] for p in pvs] for m in MECHS}
    up = all(all(b > a for a, b in zip(s, s[1:])) for s in ss0.values())
    out.checks.append(Check(
        "more PV, more self-sufficiency", "(model expectation)",
        "; ".join(f"{m}: SS_phys {', '.join(num(x) for x in s)} at ρ_pv = {', '.join(f'{p:g}' for p in pvs)}"
                  for m, s in ss0.items()), up, criterion="SS_phys strictly increasing in ρ_pv without batteries",
        why="SS_phys does not grow with the PV share"))
    # Storage raises it further at every PV share.
    bats = [(m, p, b) for m in MECHS for p, b in g if b > 0]
    more = [v[m, p, b]["ss_phys"] > v[m, p, 0.0]["ss_phys"] for m, p, b in bats]
    fails = sorted({p for (m, p, b), ok in zip(bats, more) if not ok})
    surplus = []
    for p in fails:
        f = runs[name("mmr", p, 0.0)].path
        d = dataset(f, "series/pv") - dataset(f, "series/load")
        surplus.append(f"ρ_pv = {p:g}: the battery-free cell has a PV surplus in {int((d > 0).sum())} of {d.size} steps")
    out.checks.append(Check(
        "batteries raise self-sufficiency", "(model expectation)",
        f"SS_phys above the battery-free cell in {sum(more)} of {len(more)} cases"
        + (f"; lower at ρ_pv = {', '.join(f'{p:g}' for p in fails)}" if fails else ""), all(more),
        criterion="SS_phys(ρ_bat·ρ_pv > 0) > SS_phys(0) at the same ρ_pv and mechanism",
        why="storage lowers SS_phys where the cell has almost no PV surplus (" + "; ".join(surplus) + "): the neighbours "
            "already consume every kWh of PV, so storing it only adds the round-trip loss (1 − η² ≈ 10 %)"))
    sav = {m: [v[m, p, b]["savings"] for p, b in g] for m in MECHS}
    out.checks.append(Check(
        "trading saves money at every penetration", "(trading helps [paper])",
        "; ".join(f"{m}: savings {num(100 * min(s))}…{num(100 * max(s))} %" for m, s in sav.items()),
        all(x > 0 for s in sav.values() for x in s), kind="number",
        criterion="savings against B1 > 0 for every (ρ_pv, ρ_bat·ρ_pv) and mechanism",
        why=("pdct (scheme G) costs more than not trading at "
             + ", ".join(f"ρ_pv = {p:g}, ρ_bat·ρ_pv = {b:g}" for p, b in g if v["pdct", p, b]["savings"] <= 0)
             + ": its local prices μ̂_i do not clear the trades (docs/gridcell.md, optimization-based clearing: Vio(T)/T "
               "= 1.13 kW on the default cell), and the pool settles the mismatch at the utility's prices; better steps "
               "for pdct on gridcell are an open G3/G5 item. " if any(v["pdct", p, b]["savings"] <= 0 for p, b in g) else "")
            + "; ".join(f"{m} costs more than not trading at "
                        + ", ".join(f"(ρ_pv = {p:g}, ρ_bat·ρ_pv = {b:g})" for p, b in g if v[m, p, b]["savings"] <= 0)
                        + (": its learned battery policy does worse than the rule it replaces (G3, G4), the more so the "
                           f"more batteries learn (worst {num(100 * min(v[m, p, b]['savings'] for p, b in g))} %)"
                           if m == "mfq" else "")
                        for m in MECHS if m != "pdct" and any(v[m, p, b]["savings"] <= 0 for p, b in g))))
    best = max(((m, p, b) for m in MECHS for p, b in g), key=lambda k: v[k]["savings"])
    out.headline = (f"SS_phys without batteries {', '.join(num(x) for x in ss0['mmr'])} at ρ_pv = "
                    f"{', '.join(f'{p:g}' for p in pvs)} (mmr); largest saving {num(100 * v[best]['savings'])} % "
                    f"({best[0]}, ρ_pv = {best[1]:g}, ρ_bat·ρ_pv = {best[2]:g})")
    fig, axes = new_figure(2, height=2.6)
    for m, ls in (("mmr", "-"), ("pdct", "--"), ("mfq", ":")):
        for b, col in ((0.0, "tab:blue"), (0.25, "tab:orange"), (0.5, "tab:green")):
            ps = [p for p in pvs if (p, b) in g]
            if not ps:
                continue
            axes[0].plot(ps, [100 * v[m, p, b]["savings"] for p in ps], "o" + ls, color=col,
                         label=m + r", $\rho_{bat}\rho_{pv}$ = " + f"{b:g}")
            axes[1].plot(ps, [v[m, p, b]["ss_phys"] for p in ps], "o" + ls, color=col,
                         label=m + r", $\rho_{bat}\rho_{pv}$ = " + f"{b:g}")
    axes[0].axhline(0.0, color="k", lw=0.6)
    axes[0].set_ylabel("savings vs B1 [%]")
    axes[1].set_ylabel(r"SS$_{phys}$")
    axes[1].set_xlabel(r"PV share $\rho_{pv}$")
    axes[0].set_title("Penetration of PV and batteries (N = 100, 35 days)")
    for ax in axes:
        place_legend(ax)
    ctx.figure(fig, "G8_penetration", "Savings against no trading and physical self-sufficiency over the PV share, "
                                      "per battery share and mechanism (SS_phys is the same for mmr and pdct, whose "
                                      "batteries follow one rule, so their lines coincide; mfq's follow its actions)", out)
    return out


EXPERIMENT = Experiment(
    id="G8", paper="[WLHQ20]", item="§16.13 G8 penetration",
    run="the default cell with ρ_pv ∈ {0.25, 0.5, 0.75} and ρ_bat·ρ_pv ∈ {0, 0.25, 0.5}, cleared by mmr, pdct and mfq "
        "(5 passes)",
    reported="(no numbers)", runs=g8_runs, analyse=g8)
