"""Z6 — wall time ([ZWL25] Table 1): its runs, analysis and verdict checks (algorithms.md §14)."""
from __future__ import annotations

import numpy as np
import os

from ..plotting import escape, new_figure
from ..plotting import place_legend
from .common import (aemo_steps, Check, cpu_model, Experiment, listing, num, open_run, Outcome, PAPER_TIMES, REGIONS, RunSpec,
                     series, Table)


def z6_repeats(ctx) -> int:
    return 1 if ctx.quick else 5


def z6_runs(ctx):
    specs = []
    for r in REGIONS:
        specs += [RunSpec("timing", f"pdct_{r.lower()}_r{k}", f"inputs/aemo_{r.lower()}.yaml", aemo_steps(ctx))
                  for k in range(1, z6_repeats(ctx) + 1)]
        specs.append(RunSpec("timing", f"pdct_{r.lower()}_nometrics", f"inputs/aemo_{r.lower()}.yaml",
                             ("-metrics", "false") + aemo_steps(ctx)))
    return specs


def z6(ctx, runs) -> Outcome:
    out = Outcome()
    R = z6_repeats(ctx)
    t = Table("Z6", f"pdct wall time per region (best of {R} run{'s' if R > 1 else ''}; dodge on {ctx.ranks} MPI ranks)",
              ["region", "T", "paper MATLAB [s]", "dodge Σ step_time [s]", "paper / dodge", "dodge process [s]",
               "paper / process", "dodge -metrics false Σ step_time [s]"])
    steps, proc = {}, {}
    for r in REGIONS:
        reps = [runs[f"pdct_{r.lower()}_r{k}"] for k in range(1, R + 1)]
        st = [float(np.sum(series(open_run(x), "step_time"))) for x in reps]
        steps[r] = float(np.min(st))  # the best of R: the least disturbed by other load on the machine
        proc[r] = float(np.min([x.seconds for x in reps]))
        nm = open_run(runs[f"pdct_{r.lower()}_nometrics"])
        T = open_run(reps[0]).steps
        t.rows.append([r, T, PAPER_TIMES[r], steps[r], PAPER_TIMES[r] / steps[r], proc[r], PAPER_TIMES[r] / proc[r],
                       float(np.sum(series(nm, "step_time")))])
    out.tables.append(t)
    ratios = [PAPER_TIMES[r] / steps[r] for r in REGIONS]
    load = runs[f"pdct_{REGIONS[0].lower()}_r1"].load
    spread = max(steps.values()) / min(steps.values())
    cpu = cpu_model()
    out.checks.append(Check(
        "wall time of pdct, T = 2880", "NSW 45.54, QLD 38.85, SA 43.22, VIC 39.01, TAS 39.85 s",
        "Σ step_time " + listing(steps.values()) + " s" + (" (T = 288: not comparable)" if ctx.quick else ""),
        all(abs(steps[r] / PAPER_TIMES[r] - 1) <= 0.25 for r in REGIONS), kind="info",
        criterion="within 25 % of the paper's times (§14: a reference, not a target; reported only: a wall time depends on the machine and its load, so no verdict rests on it)",
        why=f"dodge is compiled C++ with MPI ({ctx.ranks} ranks on {cpu}, {os.cpu_count()} CPUs), the paper's times are "
            "MATLAB R2023b on an AMD Ryzen 7 at 1.80 GHz with 16 GB: different implementation and hardware; dodge "
            f"is {min(ratios):.0f}–{max(ratios):.0f}× faster here (Σ step_time, oracle and metrics included, I/O excluded)"))
    out.checks.append(Check(
        "similar times across regions", "max/min = 1.17", f"max/min = {num(spread)}", spread <= 2.0, kind="info",
        criterion="max/min over the regions ≤ 2 (reported only: depends on machine load)",
        why="at a fraction of a second per run dodge's times are dominated by per-step MPI latency and system noise, "
            "not by the region's data"))
    out.notes.append(f"Not judged (§14: a reference, not a target): dodge is compiled C++ with MPI ({ctx.ranks} ranks on "
                     f"{cpu}, {os.cpu_count()} CPUs), the paper's times are MATLAB R2023b on an AMD Ryzen 7 at 1.80 GHz "
                     f"with 16 GB: different implementation and hardware; dodge is {min(ratios):.0f}–{max(ratios):.0f}× "
                     "faster here. Wall times depend on the machine's load, so no verdict rests on them.")
    out.notes.append(f"Σ step_time is dodge's per-step wall time summed over the horizon (the algorithm, the oracle and "
                     f"the metrics; HDF5 I/O excluded); 'process' is the launcher's wall time from start to exit (MPI "
                     f"start-up, reading the CSV, writing the HDF5 file included). Machine: {cpu}, {os.cpu_count()} CPUs. "
                     "With N = 6 agents on 2 ranks each step is dominated by MPI latency, not by arithmetic. "
                     f"Load average when the timing runs started: {load}.")
    out.headline = ("Σ step_time " + ", ".join(f"{r} {steps[r]:.3f}" for r in REGIONS) + " s; "
                    f"paper/dodge = {min(ratios):.0f}–{max(ratios):.0f}×")
    fig, axes = new_figure(1, height=3.4)
    ax = axes[0]
    x = np.arange(len(REGIONS))
    ax.bar(x - 0.27, [PAPER_TIMES[r] for r in REGIONS], 0.27, label="paper (MATLAB R2023b, Ryzen 7 1.8 GHz)", color="0.5")
    ax.bar(x, [proc[r] for r in REGIONS], 0.27, label="dodge process wall time", color="tab:orange")
    ax.bar(x + 0.27, [steps[r] for r in REGIONS], 0.27, label="dodge Σ step_time", color="tab:blue")
    ax.set_yscale("log")
    ax.set_xticks(x, REGIONS)
    ax.set_ylabel("wall time [s] (log)")
    place_legend(ax, fontsize=8)
    fig.suptitle(escape(f"pdct, T = {t.rows[0][1]}: wall time per region"))
    ctx.figure(fig, "Z6_timing", "Wall time of pdct per region: the paper's MATLAB times and dodge's (log scale)", out)
    return out


EXPERIMENT = Experiment(
    id="Z6",
    paper="[ZWL25]",
    item="Table 1",
    run="pdct wall time, T = 2880",
    reported="MATLAB R2023b, AMD Ryzen 7 1.80 GHz, 16 GB: NSW 45.54 s, QLD 38.85 s, SA 43.22 s, VIC 39.01 s, TAS 39.85 s (reference, not a target)",
    runs=z6_runs,
    analyse=z6)
