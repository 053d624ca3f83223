"""G4 — MF-Q learning in the DC grid cell (docs/gridcell.md §16.13, §16.5): every battery home of the default cell
(sce, N = 100, watts_strogatz, 35 days) chooses each step to sell (full discharge), idle (the self-consumption rule)
or buy (full charge) by tabular mean-field Q-learning, with mid-market-rate clearing between neighbours
(inputs/gridcell_mfq.yaml: -mfq_passes 5 over the same 35 days, the output is the fifth pass). The references on the
same cell are the no-trading baseline B1 (each run's shadow) and mmr, the same market with the rule batteries
(-mfq_policy self, bitwise). The paper claims that "RL learns a trading strategy"; it reports no numbers. The
criteria, fixed before the runs: learning lowers the community cost from pass 1 to the last pass (shape); the learned
strategy trades at a lower cost than no trading, B1 (shape); it matches or beats the rule batteries of mmr (number).
Every number is read from the run files: /summary/mfq_pass_cost and mfq_pass_daily_cost (per pass and day), the
root attributes gridcell_cost and gridcell_cost_shadow, /series (cost, mfq_temperature), and /agents (action, with
the hour of each step from /series/time) for the action shares per period."""
from __future__ import annotations

import numpy as np

from ..plotting import new_figure, place_legend
from .common import Check, Experiment, MissingData, Outcome, RunSpec, Table, dataset, num, root_attr

GROUP = "gridcell_mfq"
SCENARIO = "inputs/gridcell_mfq.yaml"
PERIODS = ("night (< 6 h)", "morning (6–10 h)", "midday (10–16 h)", "peak (16–21 h)", "evening (≥ 21 h)")
EDGES = (6, 10, 16, 21)


def quick_opts(ctx) -> tuple[str, ...]:
    # Quick: 8 days (2 evaluated) and 3 passes; the full run takes about 2 s at 2 ranks.
    return ("-gridcell_days", "8", "-gridcell_eval_days", "2", "-mfq_passes", "3") if ctx.quick else ()


def g4_runs(ctx):
    q = quick_opts(ctx)
    return [RunSpec(GROUP, "mfq", SCENARIO, q),
            # the same cell (inputs/gridcell_mmr.yaml: sce, 100 homes, watts_strogatz neighbours) with the rule batteries
            RunSpec(GROUP, "mmr", "inputs/gridcell_mmr.yaml", q[:4])]


def action_shares(path) -> np.ndarray:
    """[period, action] shares of the battery homes' actions over the recorded (last) pass."""
    a = dataset(path, "agents/action")
    hours = np.mod(dataset(path, "series/time"), 24.0)
    if a.shape[0] != hours.size:
        raise MissingData(f"{path.name}: /agents/action has {a.shape[0]} records for {hours.size} steps")
    per = sum((hours >= e).astype(int) for e in EDGES)
    out = np.zeros((5, 3))
    for p in range(5):
        sel = a[per == p]
        sel = sel[sel >= 0]
        for k in range(3):
            out[p, k] = np.mean(sel == k) if sel.size else np.nan
    return out


def g4(ctx, runs) -> Outcome:
    out = Outcome()
    pm, pr = runs["mfq"].path, runs["mmr"].path
    pc = dataset(pm, "summary/mfq_pass_cost")
    P = pc.size
    daily = dataset(pm, "summary/mfq_pass_daily_cost").reshape(P, -1)
    b1 = float(root_attr(pm, "gridcell_cost_shadow"))
    rule = float(root_attr(pr, "gridcell_cost"))
    b1_rule = float(root_attr(pr, "gridcell_cost_shadow"))
    if abs(b1 - b1_rule) > 1e-9 * abs(b1):
        raise MissingData(f"the B1 shadows of {pm.name} and {pr.name} differ: not the same cell")
    t = Table("G4", f"MF-Q learning (sce, N = 100, {daily.shape[1]} days, seed 1): community cost per pass against "
                    "no trading (B1) and the rule batteries (mmr)",
              ["run", "pass", "community cost ($)", "cost / B1", "cost / mmr", "last-day cost ($)"])
    for k in range(P):
        t.rows.append(["mfq", k + 1, float(pc[k]), float(pc[k]) / b1, float(pc[k]) / rule, float(daily[k, -1])])
    rd = dataset(pr, "series/cost")
    tb_last = dataset(pm, "series/mfq_temperature")
    steps_day = int(round(24.0 / float(np.diff(dataset(pr, "series/time")[:2])[0])))
    t.rows.append(["mmr (rule batteries)", "—", rule, rule / b1, 1.0, float(rd[-steps_day:].sum())])
    t.rows.append(["none (B1 shadow)", "—", b1, 1.0, b1 / rule, float(dataset(pm, "series/cost_shadow")[-steps_day:].sum())])
    out.tables.append(t)
    sh = action_shares(pm)
    t2 = Table("G4_actions", f"Action shares of the battery homes per period in the recorded pass {P}",
               ["period", "sell (a = 0)", "idle (a = 1)", "buy (a = 2)"])
    for p in range(5):
        t2.rows.append([PERIODS[p]] + [float(x) for x in sh[p]])
    out.tables.append(t2)
    last, first = float(pc[-1]), float(pc[0])
    out.checks.append(Check(
        "RL learns a trading strategy", "RL learns a trading strategy [paper]",
        f"community cost {num(first)} $ in pass 1, {num(last)} $ in pass {P} ({num(100 * (last / first - 1))} %)",
        last < first, criterion="the last pass costs less than the first", why="learning did not lower the cost over the passes"))
    out.checks.append(Check(
        "the learned strategy trades better than no trading", "(trading benefits the cell [paper])",
        f"pass {P}: {num(100 * (1 - last / b1))} % below B1 ({num(b1)} $)", last < b1,
        criterion="last-pass cost < B1, the run's no-trading shadow", why="the learned strategy costs more than no trading"))
    out.checks.append(Check(
        "the learned strategy matches the rule batteries", "(not claimed: the rule is dodge's reference)",
        f"pass {P}: {num(100 * (last / rule - 1))} % against mmr's rule batteries ({num(rule)} $)", last <= rule, kind="number",
        criterion="last-pass cost ≤ mmr's (the same market with the self-consumption rule)",
        why=f"three coarse actions (full discharge, rule, full charge) on 75 states learn less than the rule's continuous "
            f"tracking of q̂ gives: pass {P} costs {num(100 * (last / rule - 1))} % more than mmr"))
    out.headline = (f"pass 1 → {P}: {num(first)} → {num(last)} $ ({num(100 * (last / first - 1))} %); "
                    f"B1 {num(b1)} $, mmr (rule) {num(rule)} $")
    fig, axes = new_figure(3, height=2.4, sharex=False)
    nd = daily.shape[1]
    days = np.arange(1, nd + 1)
    for k in range(P):
        axes[0].plot(days, daily[k], "-", lw=1.0, color=str(0.75 - 0.75 * k / max(1, P - 1)), label=f"mfq pass {k + 1}")
    b1d = dataset(pm, "series/cost_shadow")
    axes[0].plot(days, [rd[d * steps_day:(d + 1) * steps_day].sum() for d in range(nd)], "--", color="tab:blue", label="mmr (rule)")
    axes[0].plot(days, [b1d[d * steps_day:(d + 1) * steps_day].sum() for d in range(nd)], ":", color="tab:red", label="B1 (no trading)")
    axes[0].set_ylabel("cost per day [$]")
    axes[0].set_xlabel("day of the pass")
    axes[0].set_title(f"MF-Q batteries (sce, N = 100, {nd} days, {P} passes)")
    # Tb over the passes from the recorded parameters: max(Tb_min, Tb_0 d_T^floor(ctr/96)), ctr = T (pass - 1) + t - 1;
    # the last pass's recorded /series/mfq_temperature is its tail.
    par = dataset(pm, "inputs/algorithm/mfq_parameters")
    T = tb_last.size
    ctr = np.arange(P * T)
    axes[1].semilogy(ctr / steps_day + 1, np.maximum(par[4], par[2] * par[3] ** (ctr // 96)), color="tab:green", label="T_b")
    axes[1].semilogy(((P - 1) * T + np.arange(T)) / steps_day + 1, tb_last, ".", ms=1.5, color="k", label=f"recorded (pass {P})")
    for k in range(1, P):
        axes[1].axvline(k * T / steps_day + 1, color="0.7", lw=0.6)
    axes[1].set_ylabel(r"$T_b$ [\$]")
    axes[1].set_xlabel("day, all passes")
    bottom = np.zeros(5)
    for k, (lab, col) in enumerate((("sell", "tab:red"), ("idle", "0.6"), ("buy", "tab:blue"))):
        axes[2].bar(np.arange(5), sh[:, k], bottom=bottom, color=col, label=lab)
        bottom += sh[:, k]
    axes[2].set_xticks(np.arange(5))
    axes[2].set_xticklabels([p.split(" (")[0] for p in PERIODS])
    axes[2].set_ylabel(f"action share (pass {P})")
    for ax in axes:
        place_legend(ax)
    ctx.figure(fig, "G4_mfq", "Daily community cost of each MF-Q pass against mmr's rule batteries and no trading, with the "
                              "Boltzmann temperature over all passes (the recorded last pass's dots on it); the battery homes' action "
                              "shares per period in the last pass", out)
    return out


EXPERIMENT = Experiment(
    id="G4", paper="[WLHQ20]", item="§16.13 G4 MF-Q learning",
    run="inputs/gridcell_mfq.yaml (mfq, 5 passes over the default cell's 35 days) and mmr on the same cell",
    reported="(no numbers)", runs=g4_runs, analyse=g4)
