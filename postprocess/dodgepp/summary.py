"""Summary quantities of a run, recomputed from its datasets (never copied from the root attributes
that dodge also writes), and the summary.csv / summary.md writers."""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .run import Run, text


@dataclass(frozen=True)
class Quantity:
    """One summary number: a stable CSV column, a heading, how it is computed and its units."""

    key: str
    label: str
    compute: Callable[[Run], float]
    units: Callable[[Run], str]
    how: str  # shown in summary.md so a reader can recompute the number
    conditional: bool = False  # a $ or MW scale some runs lack: shown in summary.md only where a run has it (else NaN)


def _last(run: Run, name: str) -> float:
    """Value of a cumulative series at the last completed step T (NaN if the run lacks it)."""
    return float(run.series(name)[-1]) if run.has(name) and run.steps > 0 else math.nan


def _total(run: Run, name: str) -> float:
    return float(np.sum(run.series(name))) if run.has(name) else math.nan


def per_step(name: str) -> Callable[[Run], float]:
    """A cumulative series at step T divided by T, e.g. Reg(T)/T (algorithms.md §12)."""
    return lambda run: _last(run, name) / run.steps if run.steps > 0 else math.nan


def units_of(name: str, default: str = "") -> Callable[[Run], str]:
    return lambda run: run.info(name).units if run.has(name) else default


def has_dollars(run: Run) -> bool:
    """True when the run's costs have a dollar scale (AEMO dispatch: C_b·Δh). Synthetic dispatch, pev and
    regression are per-unit, demand is utility: a '$' column for them would label a per-unit number as money."""
    return run.cost_to_dollars != 1.0


def _regret_dollars(run: Run) -> float:
    # cost_to_dollars converts a per-unit cost rate held for one step into dollars (algorithms.md §2.1).
    return per_step("regret")(run) * run.cost_to_dollars if has_dollars(run) else math.nan


def _dollar_units(run: Run) -> str:
    if not has_dollars(run):
        return ""
    return (run.info("regret_dollars").units if run.has("regret_dollars") else "$") + " per step"


def _binding_fraction(run: Run) -> float:
    if not run.usable("oracle_mu"):
        return math.nan
    return float(np.mean(run.series("oracle_mu") > 0))


def _wall_time(run: Run) -> float:
    return _total(run, "step_time")


def _agent_steps_per_s(run: Run) -> float:
    wall = _wall_time(run)
    if run.agents is None or not wall > 0:
        return math.nan
    return run.agents * run.steps / wall


# Quantities every (2.1) family has (algorithms.md §12); families add their own (families.py).
COMMON_QUANTITIES = (
    Quantity("regret_avg", "Reg(T)/T per step", per_step("regret"), units_of("regret"),
             "/series/regret at step T, divided by T"),
    Quantity("regret_avg_dollars", "Reg(T)/T in $ per step", _regret_dollars, _dollar_units,
             "Reg(T)/T times the root attribute cost_to_dollars (C_b Δh); only for runs with a dollar scale",
             conditional=True),
    Quantity("violation_avg", "Vio(T)/T per step", per_step("violation"), units_of("violation"),
             "/series/violation at step T, divided by T"),
    Quantity("violation_plus_avg", "Vio⁺(T)/T per step", per_step("violation_plus"), units_of("violation_plus"),
             "/series/violation_plus at step T, divided by T"),
    Quantity("binding_fraction", "binding fraction", _binding_fraction, lambda run: "1",
             "fraction of steps with /series/oracle_mu > 0"),
    Quantity("path_length", "path length P_T", lambda run: _last(run, "path_length"), units_of("path_length"),
             "/series/path_length at step T"),
    Quantity("wall_time_s", "wall time", _wall_time, units_of("step_time", "s"),
             "sum of /series/step_time (I/O excluded)"),
    Quantity("agent_steps_per_s", "agent-steps/s", _agent_steps_per_s, lambda run: "1/s",
             "agents times T over the wall time"),
    Quantity("messages", "messages", lambda run: _total(run, "messages"), units_of("messages"),
             "sum of /series/messages"),
    Quantity("bytes", "bytes", lambda run: _total(run, "bytes"), units_of("bytes"),
             "sum of /series/bytes"),
)

IDENTITY_COLUMNS = ("run", "file", "status", "problem", "source", "region", "algorithm", "scheme",
                    "agents", "steps", "planned_steps", "ranks")


@dataclass
class RunSummary:
    """One run's summary row: its quantities are computed when it is made; report adds the figures."""

    run: Run
    folder: str  # the run's figure folder under the output directory
    quantities: tuple[Quantity, ...]
    values: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    figures: list[tuple[str, Path]] = field(default_factory=list)  # (title, path relative to output)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (figure, reason)

    def __post_init__(self):
        for q in self.quantities:
            self.values[q.key] = q.compute(self.run)
            self.units[q.key] = q.units(self.run)

    def identity(self) -> dict:
        r = self.run
        return {"run": self.folder, "file": str(r.path), "status": r.status, "problem": r.problem,
                "source": r.source, "region": r.region, "algorithm": r.algorithm, "scheme": r.scheme,
                "agents": r.agents, "steps": r.steps, "planned_steps": r.planned_steps, "ranks": r.ranks}


def _ordered_quantities(summaries: list[RunSummary]) -> list[Quantity]:
    """Union of the runs' quantities in first-seen order (families may add different ones)."""
    seen: dict[str, Quantity] = {}
    for s in summaries:
        for q in s.quantities:
            seen.setdefault(q.key, q)
    return list(seen.values())


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back to the same double
    return str(v)


def write_csv(summaries: list[RunSummary], path: Path) -> None:
    quantities = _ordered_quantities(summaries)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*IDENTITY_COLUMNS, *(q.key for q in quantities)])
        for s in summaries:
            ident = s.identity()
            w.writerow([_csv_value(ident[c]) for c in IDENTITY_COLUMNS]
                       + [_csv_value(s.values.get(q.key)) for q in quantities])


def fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if math.isnan(v):
            return "n/a"
        return f"{v:.6g}"
    return str(v) if str(v) else "—"


def md_cell(s: str) -> str:
    return str(s).replace("|", r"\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _shown(q: Quantity, summaries: list[RunSummary]) -> bool:
    """A money column only where some run's value is money (runs without a dollar scale give NaN)."""
    return not q.conditional or any(not math.isnan(s.values.get(q.key, math.nan)) for s in summaries)


def write_markdown(summaries: list[RunSummary], path: Path) -> None:
    quantities = [q for q in _ordered_quantities(summaries) if _shown(q, summaries)]
    out = ["# dodge runs: summary", "",
           f"{len(summaries)} run(s). Every number is recomputed from the run's datasets by "
           "postprocess/report; units come from the datasets' `units` attributes. "
           "T is the number of completed steps; X(T)/T is a mean per step (a step is 5 minutes on AEMO "
           "data, one slot or hour elsewhere: see each run's time axis). Columns in $ appear only for runs "
           "whose costs have a dollar scale (AEMO dispatch); per-unit and utility costs are not money.", ""]

    header = ["run", "problem", "source", "region", "algorithm", "scheme", "N", "T", "ranks", "status"]
    for q in quantities:
        # (A money column's units come from the runs that have money; the others show n/a.)
        units = {s.units.get(q.key) for s in summaries if q.key in s.units
                 and not (q.conditional and math.isnan(s.values.get(q.key, math.nan)))}
        # One units string per column when every run agrees; otherwise the per-run tables say.
        header.append(f"{q.label} [{units.pop()}]" if len(units) == 1 else f"{q.label} (units per run)")
    rows = []
    for s in summaries:
        i = s.identity()
        rows.append([f"[{s.folder}](#{_anchor(s.folder)})", *(fmt(i[k]) for k in (
            "problem", "source", "region", "algorithm", "scheme", "agents", "steps", "ranks", "status"))]
            + [fmt(s.values.get(q.key)) for q in quantities])
    out += _md_table(header, rows)

    for s in summaries:
        r = s.run
        out += ["", f"## {s.folder}", "",
                f"`{r.path}`: status **{r.status}**, {r.steps} of {fmt(r.planned_steps)} planned steps, "
                f"{fmt(r.ranks)} ranks, dodge {text(r.root_attrs.get('dodge_version', '?'))} "
                f"(git {text(r.root_attrs.get('git_hash', '?'))}).", ""]
        for key, what in (("problem_description", "problem"), ("algorithm_description", "algorithm"),
                          ("options", "options")):
            if key in r.root_attrs:
                out.append(f"- {what}: `{text(r.root_attrs[key]).strip()}`")
        out += [""]
        out += _md_table(["quantity", "value", "units", "computed as"],
                         [[q.label, fmt(s.values[q.key]), s.units[q.key] or "—", q.how] for q in s.quantities
                          if not (q.conditional and math.isnan(s.values[q.key]))])
        out += [""]
        for title, fig in s.figures:
            out.append(f"![{title}]({fig.as_posix()})")
        if s.skipped:
            out += ["", "Figures not drawn:"]
            out += [f"- {name}: {reason}" for name, reason in s.skipped]
    path.write_text("\n".join(out) + "\n")


def _anchor(heading: str) -> str:
    """GitHub-style heading anchor: lower case, spaces to dashes, punctuation other than -_ dropped."""
    return "".join(c for c in heading.lower().replace(" ", "-") if c.isalnum() or c in "-_")
