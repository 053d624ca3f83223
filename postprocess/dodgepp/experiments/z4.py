"""Z4 — the AEMO series ([ZWL25] Fig. 4): its runs, analysis and verdict checks (algorithms.md §14)."""
from __future__ import annotations

import numpy as np

from ..plotting import new_figure
from ..plotting import place_legend
from .common import (aemo_pdct, Check, dataset, Experiment, group_attrs, listing, open_run, Outcome, REGIONS, series, Table, yes)


def z4_runs(ctx):
    return [aemo_pdct(ctx, r) for r in REGIONS]


def z4(ctx, runs) -> Outcome:
    out = Outcome()
    t = Table("Z4", "AEMO series used (/inputs/problem/price and /demand of the pdct runs)",
              ["region", "T", "first SETTLEMENTDATE", "price mean [AUD/MWh]", "price min", "price max",
               "negative-price steps [%]", "demand mean [MW]", "demand max [MW]", "binding fraction"])
    data = {}
    for r in REGIONS:
        res = runs[f"pdct_{r.lower()}_kn"]
        price = dataset(res.path, "inputs/problem/price")
        demand = dataset(res.path, "inputs/problem/demand")
        pa = group_attrs(res.path, "inputs/problem")
        run = open_run(res)
        data[r] = (price, demand)
        t.rows.append([r, len(price), pa.get("first_settlement", "?"), price.mean(), price.min(), price.max(),
                       100 * np.mean(price < 0), demand.mean(), demand.max(), float(np.mean(series(run, "oracle_mu") > 0))])
    out.tables.append(t)
    lengths = [len(p) for p, _ in data.values()]
    finite = all(np.isfinite(p).all() and np.isfinite(d).all() for p, d in data.values())
    want = 288 if ctx.quick else 2880
    out.checks.append(Check(
        "price and demand of the five regions, 2024-07-05..14", "five regions, T = 2880",
        f"{len(data)} regions, T = {listing(lengths)}, all finite: {yes(finite)}",
        len(data) == 5 and all(n == want for n in lengths) and finite,
        criterion=f"five regions with T = {want}{' (quick mode: one day)' if ctx.quick else ''}, no NaN",
        why="a region's series is missing or incomplete"))
    out.notes.append("Same source (AEMO PRICE_AND_DEMAND_202407 files) and window as the paper; its Fig. 4 gives the "
                     "series only graphically, so no number can be compared beyond the window and the regions.")
    out.headline = ("mean price " + ", ".join(f"{r} {row[3]:.0f}" for r, row in zip(REGIONS, t.rows)) +
                    " AUD/MWh; binding " + ", ".join(f"{100 * row[9]:.0f}%" for row in t.rows))
    fig, axes = new_figure(2, height=2.8)
    for r, c in zip(REGIONS, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")):
        price, demand = data[r]
        days = np.arange(len(price)) / 288.0
        axes[0].plot(days, price, color=c, lw=0.6, label=r)
        axes[1].plot(days, demand, color=c, lw=0.8, label=r)
    axes[0].set_yscale("symlog", linthresh=200)
    lo = min(float(p.min()) for p, _ in data.values())
    hi = max(float(p.max()) for p, _ in data.values())
    ticks = [v for v in (-1000, -300, -100, 0, 100, 200, 300, 1000, 3000, 10000) if lo - 50 <= v <= hi * 1.2]
    axes[0].set_yticks(ticks, [str(v) for v in ticks])
    axes[0].set_ylabel("RRP [AUD/MWh] (symlog)")
    axes[1].set_ylabel("TOTALDEMAND [MW]")
    axes[1].set_xlabel("days since 2024-07-05 00:00 NEM time")
    place_legend(axes[0], fontsize=8)
    fig.suptitle("AEMO 5-minute price and demand, five NEM regions")
    ctx.figure(fig, "Z4_aemo_series", "AEMO price (symlog scale) and demand of the five regions — cf. [ZWL25] Fig. 4", out)
    return out


EXPERIMENT = Experiment(
    id="Z4",
    paper="[ZWL25]",
    item="Fig. 4",
    run="AEMO series",
    reported="price and demand of the five regions",
    runs=z4_runs,
    analyse=z4)
