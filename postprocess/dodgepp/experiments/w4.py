"""W4 — s-DOA versus c-DOA over three days ([WMN14] Fig. 6): its runs, analysis and verdict checks (algorithms.md §14)."""
from __future__ import annotations

import numpy as np

from ..plotting import escape, new_figure
from ..plotting import place_legend
from .common import (Check, COLORS, day_axis, demand_spec, Experiment, listing, MissingData, num, open_run, Outcome, series,
                     Table)


def control_starts(ctx) -> list[str]:
    """First days of the control's 3-day windows: every second day of September 2014 on the bundled CAISO SCE trace."""
    return ["2014-09-01", "2014-09-21"] if ctx.quick else [f"2014-09-{d:02d}" for d in range(1, 29, 2)]


def w4_runs(ctx):
    ctrl = [demand_spec("demand", f"w4c_{day}_{mode}", f"inputs/demand_w4_{mode}.yaml", "-demand_day", day,
                        "-output_agents", "none")
            for day in control_starts(ctx) for mode in ("separate", "consecutive")]
    return [demand_spec("demand", "w4_separate", "inputs/demand_w4_separate.yaml"),
            demand_spec("demand", "w4_consecutive", "inputs/demand_w4_consecutive.yaml")] + ctrl


def better_days(sep, con) -> tuple[list[int], list[int]]:
    """Days 2 and 3 on which c-DOA's daily peak (first list) and within-day load variance (second) are lower."""
    ls, lc = series(sep, "load"), series(con, "load")
    w = [slice(96 * d, 96 * d + 96) for d in (1, 2)]
    return ([d + 2 for d, x in enumerate(w) if lc[x].max() < ls[x].max()],
            [d + 2 for d, x in enumerate(w) if lc[x].var() < ls[x].var()])


def w4(ctx, runs) -> Outcome:
    out = Outcome()
    sep, con = open_run(runs["w4_separate"]), open_run(runs["w4_consecutive"])
    days = sep.steps // 96
    if days < 3:
        raise MissingData(f"{sep.path.name} covers {sep.steps} slots, not three days")
    agl = series(sep, "agl")
    t = Table("W4", "Per day: s-DOA (separate) versus c-DOA (consecutive), CAISO SCE 2014-09-16..18, N = 20",
              ["day", "mean AGL", "peak AGL", "peak L s-DOA", "peak L c-DOA", "PR s-DOA [%]", "PR c-DOA [%]",
               "Var_t L s-DOA", "Var_t L c-DOA"])
    per = []
    for d in range(days):
        w = slice(96 * d, 96 * d + 96)
        ls, lc, a = series(sep, "load")[w], series(con, "load")[w], agl[w]
        per.append(dict(mean=a.mean(), ps=ls.max(), pc=lc.max(), vs=ls.var(), vc=lc.var()))
        t.rows.append([d + 1, a.mean(), a.max(), ls.max(), lc.max(), 100 * (a.max() - ls.max()) / a.max(),
                       100 * (a.max() - lc.max()) / a.max(), ls.var(), lc.var()])
    out.tables.append(t)
    m = [p["mean"] for p in per]
    similar12 = abs(m[0] - m[1]) <= 0.05 * max(m[0], m[1])
    lower3 = m[2] <= 0.95 * min(m[0], m[1])
    peak_better = [d + 1 for d in (1, 2) if per[d]["pc"] < per[d]["ps"]]
    var_better = [d + 1 for d in (1, 2) if per[d]["vc"] < per[d]["vs"]]
    day1 = float(np.max(np.abs(series(sep, "load")[:96] - series(con, "load")[:96])))
    out.checks += [
        Check("days 1–2 similar, day 3 lower", "yes", f"mean AGL per day {listing(m)}", similar12 and lower3,
              criterion="days 1 and 2 within 5 %, day 3 at least 5 % below both",
              why="the CAISO 2014-09-16..18 trace does not have that shape (the SCE 2011 days of the paper are unavailable, §3.5)"),
        Check("c-DOA better on days 2–3 (peak)", "better", f"peak L s-DOA/c-DOA: day 2 {num(per[1]['ps'])}/{num(per[1]['pc'])}, "
              f"day 3 {num(per[2]['ps'])}/{num(per[2]['pc'])}", peak_better == [2, 3],
              criterion="c-DOA's daily peak load lower on days 2 and 3 (the paper's own load measure is the peak "
                        "reduction PR, §12, so a daily load curve is better when its peak is lower)",
              why="c-DOA's peak is not lower on both days"),
        Check("c-DOA better on days 2–3 (load variance)", "better", f"Var_t L s-DOA/c-DOA: day 2 {num(per[1]['vs'])}/"
              f"{num(per[1]['vc'])}, day 3 {num(per[2]['vs'])}/{num(per[2]['vc'])}", var_better == [2, 3],
              kind="info",
              criterion="c-DOA's within-day load variance lower on days 2 and 3 (a second reading of 'better', dodge's: the "
                        "paper measures load curves by their peak, §12; reported, not judged)",
              why="a smoother day is not what the paper's 'better' measures (§14 says only 'better'; its load measure is the "
                  "peak reduction, §12); by the daily peak c-DOA "
                  f"is better on day(s) {', '.join(map(str, peak_better)) or 'none'}, by the within-day load variance on "
                  f"day(s) {', '.join(map(str, var_better)) or 'none'} (c-DOA carries p̂, the price and the counter of "
                  "α/(t+α) over from day to day, s-DOA restarts them)"),
    ]
    # Control: is "c-DOA better on days 2–3" a property of the method or of these three days? The same pair of
    # runs on every 3-day window starting on alternate days of September 2014.
    ct = Table("W4_control", "Control: s-DOA versus c-DOA on 3-day windows of the CAISO SCE 2014 trace (N = 20, paper_params): "
               "the days (2, 3) on which c-DOA is better", ["first day", "c-DOA lower peak on day", "c-DOA lower variance on day"])
    both_peak = both_var = 0
    for day in control_starts(ctx):
        pk, vr = better_days(open_run(runs[f"w4c_{day}_separate"]), open_run(runs[f"w4c_{day}_consecutive"]))
        both_peak += pk == [2, 3]
        both_var += vr == [2, 3]
        ct.rows.append([day, ", ".join(map(str, pk)) or "none", ", ".join(map(str, vr)) or "none"])
    out.tables.append(ct)
    nwin = len(control_starts(ctx))
    ctrl_text = (f"c-DOA better on both days 2 and 3 in {both_peak} of {nwin} windows by the daily peak, in {both_var} of "
                 f"{nwin} by the within-day load variance")
    out.checks.append(Check("control: c-DOA better on days 2–3 over other 3-day windows", "better", ctrl_text,
                            both_peak == nwin, kind="info",
                            criterion="by the daily peak in every window (September 2014, alternate days)",
                            why="the ordering depends on the days"))
    for c in out.checks:
        if c.claim == "c-DOA better on days 2–3 (load variance)":
            c.why += f"; the control over other September windows: {ctrl_text}"
    out.notes.append(f"Day 1 is identical in both modes (max |ΔL| = {num(day1)}): they differ from day 2 on.")
    out.headline = (f"peak L s-DOA vs c-DOA: day 2 {num(per[1]['ps'])} vs {num(per[1]['pc'])}, day 3 {num(per[2]['ps'])} vs "
                    f"{num(per[2]['pc'])}")
    fig, axes = new_figure(1, height=3.6)
    ax = axes[0]
    hours = series(sep, "time")
    ax.plot(hours, agl, color=COLORS["trace"], lw=1.0, label="AGL (actual)")
    ax.plot(hours, series(sep, "load"), color="tab:red", lw=1.0, label="L(t), s-DOA")
    ax.plot(hours, series(con, "load"), color="tab:blue", lw=1.0, label="L(t), c-DOA")
    ax.set_ylabel(escape(f"load [{sep.info('load').units}]"))
    day_axis(ax, hours, escape(sep.info("time").axis_label()))
    place_legend(ax, fontsize=8)
    fig.suptitle("Three consecutive days: s-DOA versus c-DOA (N = 20)")
    ctx.figure(fig, "W4_multiday", "Grid load over three days under s-DOA and c-DOA with the actual load — cf. [WMN14] Fig. 6", out)
    return out


EXPERIMENT = Experiment(
    id="W4",
    paper="[WMN14]",
    item="Fig. 6",
    run="doa separate vs consecutive, 3 days",
    reported="days 1–2 similar, day 3 lower; c-DOA better on days 2–3",
    runs=w4_runs,
    analyse=w4,
    optional=True)
