"""G9 — scaling of the DC grid cell (docs/gridcell.md §16.13): N ∈ {10^2, 10^4, 10^6} homes on the torus, every module
on (the data, the own-data RLS forecasts and their learning, the clearing, the settlement and routing with K = 20
event-triggered inner iterations per step), under mfq (MF-Q batteries on mmr's neighbours clearing) and under pdct
(scheme G, with the per-step oracle of the metrics), one main day after the 3-day warm-up, on 1 … P ranks (P =
--ranks). The paper reports no numbers and makes no scaling claim; the spec asks for the wall time per step by module
(PETSc events), the memory per home and rank-count invariance. Only the last is judged: every per-home result of the
run (/summary: each home's cost, shadow cost and saving; mfq's per-pass costs) must be bitwise the same on every rank
count (§16.10's exact integer reductions). The times depend on the machine and its load and are reported, not
judged. The time per step is dodge's step clock over the 96 main steps (the root attribute wall_time_s; the warm-up
runs in the setup); module times are the max over ranks of each PETSc event in the run's -log_view (summed over the setup stage,
where the warm-up runs, and the run stage); the memory per home is dodge's resident-set line."""
from __future__ import annotations

import re

import h5py
import numpy as np

from ..plotting import new_figure, place_legend
from .common import Check, Experiment, MissingData, Outcome, RunSpec, Table, num, root_attr

GROUP = "gridcell_scaling"
EVENTS = (("data", "GcData"), ("forecast", "GcForecast"), ("learn", "GcLearn"), ("mfq", "GcMfq"),
          ("clearing", "DodgeLocalUpd"), ("settle", "GcSettle"), ("route", "GcRoute"), ("oracle", "DodgeOracle"),
          ("exchange", "DodgeExchange"))
ALGS = (("mfq", ("-algorithm", "mfq")), ("pdct", ("-algorithm", "pdct")))
STEPS = 96  # the main day
WARMUP = 288


def sizes(ctx) -> tuple[int, ...]:
    return (100, 1000) if ctx.quick else (100, 10000, 1000000)


def rank_counts(ctx) -> tuple[int, ...]:
    return tuple(range(1, max(1, ctx.ranks) + 1))


def name(alg: str, n: int, p: int) -> str:
    return f"{alg}_N{n}_np{p}"


def g9_runs(ctx):
    base = ("-problem", "gridcell", "-graph_family", "torus", "-gridcell_route", "true", "-gridcell_days", "1",
            "-gridcell_eval_days", "1", "-output_agents", "none", "-log_view")
    return [RunSpec(GROUP, name(a, n, p), None, base + ("-agents", str(n)) + opts, ranks=p)
            for a, opts in ALGS for n in sizes(ctx) for p in rank_counts(ctx)]


def log_numbers(log) -> dict:
    """Module times (max over ranks, summed over the stages) and bytes per home from a run's log."""
    text = log.read_text()
    out = {}
    for key, ev in EVENTS:
        out[key] = sum(float(m.group(1)) for m in re.finditer(rf"^{ev}\s+\d+\s+\S+\s+(\S+)", text, flags=re.M))
    m = re.search(r"^\s+resident memory\s+(\S+) bytes/agent", text, flags=re.M)
    if not m:
        raise MissingData(f"{log.name} has no resident memory line")
    out["bytes_home"] = float(m.group(1))
    return out


def per_home(path) -> dict:
    """The run's per-home results: every /summary dataset."""
    with h5py.File(path, "r") as f:
        return {k: f["summary"][k][...] for k in f["summary"]}


def g9(ctx, runs) -> Outcome:
    out = Outcome()
    ps = rank_counts(ctx)
    cols = [k for k, _ in EVENTS]
    t = Table("G9", f"Scaling (torus, routing K = 20, {WARMUP} warm-up + {STEPS} main steps, seed 1): the main steps' time (the "
                    "step clock, wall_time_s), module times [s] per run (warm-up included), memory per home, and whether the per-home results equal the 1-rank run's bitwise",
              ["algorithm", "N", "ranks", "main steps s", "s per main step"] + cols + ["bytes/home", "efficiency", "bitwise = 1 rank"])
    same_all = True
    eff = {}
    for a, _ in ALGS:
        for n in sizes(ctx):
            ref = per_home(runs[name(a, n, 1)].path)
            w1 = None
            for p in ps:
                r = runs[name(a, n, p)]
                v = log_numbers(r.log)
                wall = float(root_attr(r.path, "wall_time_s"))
                w1 = wall if p == 1 else w1
                e = w1 / (p * wall) if wall > 0 else float("nan")
                eff[a, n, p] = e
                got = per_home(r.path)
                same = set(got) == set(ref) and all(np.array_equal(got[k], ref[k]) for k in ref)
                same_all &= same
                t.rows.append([a, n, p, wall, wall / STEPS] + [v[k] for k in cols] + [v["bytes_home"], e, "yes" if same else "no"])
    out.tables.append(t)
    big = max(sizes(ctx))
    out.checks.append(Check(
        "per-home results do not depend on the rank count", "(§16.10: exact integer reductions)",
        f"/summary bitwise equal on {', '.join(str(p) for p in ps)} ranks for every N and algorithm: {'yes' if same_all else 'no'}",
        same_all, criterion="every /summary dataset of every run equals the 1-rank run's bitwise",
        why="some run's per-home results differ from the 1-rank run's"))
    if len(ps) > 1:
        P = ps[-1]
        out.checks.append(Check(
            f"{P}-rank efficiency at N = {big}", "(no claim)",
            ", ".join(f"{a} {num(100 * eff[a, big, P])} %" for a, _ in ALGS), True, kind="info",
            criterion="reported: T_1 / (P T_P) of the main steps' time (the step clock)"))
    out.headline = (f"N = {big}: " + "; ".join(
        f"{a} {num(float(root_attr(runs[name(a, big, ps[-1])].path, 'wall_time_s')) / STEPS)} s per step on {ps[-1]} rank(s)"
        for a, _ in ALGS) + f"; per-home results bitwise on 1–{ps[-1]} ranks: {'yes' if same_all else 'no'}")
    fig, axes = new_figure(2, height=2.6, sharex=False)
    for a, mark in (("mfq", "o"), ("pdct", "s")):
        for p in ps:
            xs = list(sizes(ctx))
            axes[0].loglog(xs, [float(root_attr(runs[name(a, n, p)].path, "wall_time_s")) / STEPS for n in xs], mark + "-",
                           label=f"{a}, {p} rank{'s' if p > 1 else ''}")
    axes[0].set_ylabel("s per main step")
    v = {a: log_numbers(runs[name(a, big, ps[-1])].log) for a, _ in ALGS}
    x = np.arange(len(cols))
    axes[1].bar(x - 0.2, [v["mfq"][k] for k in cols], 0.4, label=f"mfq, N = {big}, {ps[-1]} rank(s)")
    axes[1].bar(x + 0.2, [v["pdct"][k] for k in cols], 0.4, label=f"pdct, N = {big}, {ps[-1]} rank(s)")
    axes[1].set_xticks(x)
    axes[1].set_xticklabels(cols)
    axes[1].set_ylabel("module time [s]")
    axes[0].set_xlabel("homes N")
    axes[0].set_title("Grid cell scaling (torus, routing K = 20)")
    for ax in axes:
        place_legend(ax)
    ctx.figure(fig, "G9_scaling", "Time per main step (dodge's step clock) against N on 1 … P ranks, and the module times of the largest "
                                  "runs (PETSc events, max over ranks, warm-up included)", out)
    return out


EXPERIMENT = Experiment(
    id="G9", paper="[WLHQ20]", item="§16.13 G9 scaling",
    run="N ∈ {10^2, 10^4, 10^6} homes on the torus with routing (K = 20), mfq and pdct, 1 main day, 1 … P ranks",
    reported="(no numbers)", runs=g9_runs, analyse=g9)
