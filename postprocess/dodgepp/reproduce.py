"""Reproduction of the experiments of algorithms.md §14: runs dodge, measures, compares with the papers.

The experiments are a table (EXPERIMENTS below): each names the paper's item, the scenario files and
options it runs, what the paper reports, and an analysis function that reads the run files, measures
dodge's numbers, draws the figures and decides a verdict from explicit checks:

* "matches": every check holds;
* "qualitatively matches": every shape check holds, some of the paper's numbers are not reproduced;
* "differs — because …": a shape check fails; the reason is given, with the numbers behind it.

Every number is recomputed from the HDF5 datasets (never copied from the summary attributes dodge also
writes) unless a table says otherwise. Nothing is tuned: runs use the scenario files of inputs/ as they
are, plus the options listed per run (horizon in --quick mode, the preset of a second column, ...).
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from .plotting import escape, new_figure, save
from .run import Run, RunError, text

REPO = Path(__file__).resolve().parents[2]
FIG_DPI = 80  # docs/results/*.png stay small (the whole set well under 3 MB)
REGIONS = ("NSW", "QLD", "SA", "VIC", "TAS")
PAPER_TIMES = {"NSW": 45.54, "QLD": 38.85, "SA": 43.22, "VIC": 39.01, "TAS": 39.85}  # [ZWL25] Table 1, s
COLORS = {"pdct": "tab:blue", "pdct1": "tab:green", "li2022": "tab:orange", "coa": "tab:blue",
          "doa": "tab:orange", "dpa": "tab:green", "offline": "k", "trace": "0.45"}
DECAY_MIN = 0.1  # q̂ at or above this: the averaged curve decreases (sublinear cumulative quantity)


# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------

class MissingData(Exception):
    """The run files lack what an analysis needs (e.g. a series the demand family does not write yet)."""


@dataclass(frozen=True)
class RunSpec:
    group: str  # folder under --out; experiments that share a group share its runs
    name: str  # file stem
    scenario: str | None  # inputs/*.yaml relative to the repository root
    options: tuple[str, ...] = ()

    def dodge_args(self) -> list[str]:
        args = ["-options_file", str(REPO / self.scenario)] if self.scenario else []
        return args + list(self.options)

    def shown(self) -> str:
        parts = ["dodge"] + (["-options_file", self.scenario] if self.scenario else []) + list(self.options)
        return " ".join(shlex.quote(p) for p in parts)


@dataclass
class RunResult:
    spec: RunSpec
    path: Path
    ok: bool
    seconds: float  # process wall time: launcher start to exit (MPI start-up, input, HDF5 output included)
    log: Path
    error: str = ""
    reused: bool = False
    load: str = ""  # load average of the machine when the run started


@dataclass
class Check:
    claim: str
    paper: str
    dodge: str
    holds: bool
    kind: str = "shape"  # shape (decides "differs"), number (decides "qualitatively"), info (no effect)
    criterion: str = ""
    why: str = ""  # the reason, shown when the check does not hold


@dataclass
class Table:
    key: str  # stable name (results.json, tests)
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)  # raw values: str, int, float or None

    def markdown(self) -> list[str]:
        out = [f"**{md(self.title)}**", "", "| " + " | ".join(cell(h) for h in self.header) + " |",
               "|" + "---|" * len(self.header)]
        out += ["| " + " | ".join(cell(num(v)) for v in row) + " |" for row in self.rows]
        return out + [""]

    def as_json(self) -> dict:
        return {"title": self.title, "header": self.header,
                "rows": [[jsonable(v) for v in row] for row in self.rows]}


@dataclass
class Outcome:
    headline: str = ""  # dodge's main numbers in a sentence, for the summary table
    checks: list[Check] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (caption, path relative to --docs)
    notes: list[str] = field(default_factory=list)
    status: str = "ran"  # ran | skipped | failed
    verdict: str = ""


@dataclass
class Experiment:
    id: str
    paper: str  # [ZWL25], [WMN14], ...
    item: str  # Fig. 2, Table I, ...
    run: str  # what is run (§14's "run" column)
    reported: str  # what the paper reports (§14's "reported" column, with its numbers)
    runs: Callable[["Ctx"], list[RunSpec]]
    analyse: Callable[["Ctx", dict], Outcome]
    optional: bool = False  # the demand family: skipped with a note when its scenarios do not run


@dataclass
class Ctx:
    dodge: Path
    ranks: int
    out: Path
    docs: Path
    quick: bool
    reuse: bool
    mpiexec: list[str]

    @property
    def figdir(self) -> Path:
        return self.docs / "results"

    def figure(self, fig, name: str, caption: str, outcome: Outcome) -> None:
        path = save(fig, self.figdir / f"{name}.png", dpi=FIG_DPI)
        outcome.figures.append((caption, path.relative_to(self.docs).as_posix()))


# ---------------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------------

def num(v) -> str:
    """Table cells: 4 significant digits (tests compare with a relative tolerance of 1e-3)."""
    if v is None:
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "n/a"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v == 0.0:
            return "0"
        if abs(v) >= 1e5 or abs(v) < 1e-3:
            return f"{v:.3e}"
        return f"{v:.4g}"
    return str(v)


def md(s: str) -> str:
    """Free text in Markdown: a '*' (λ*, F*) must not start emphasis."""
    return str(s).replace("*", r"\*")


def cell(s: str) -> str:
    return md(s).replace("|", r"\|").replace("\n", " ")


def jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def listing(values, fmt=num) -> str:
    return ", ".join(fmt(v) for v in values)


def yes(b: bool) -> str:
    return "yes" if b else "no"


# ---------------------------------------------------------------------------------------------------
# Reading run files
# ---------------------------------------------------------------------------------------------------

def open_run(res: RunResult) -> Run:
    try:
        return Run(res.path)
    except RunError as e:
        raise MissingData(str(e)) from None


def series(run: Run, name: str) -> np.ndarray:
    if not run.has(name):
        raise MissingData(f"{run.path.name} has no /series/{name}")
    return run.series(name)


def dataset(path: Path, name: str) -> np.ndarray:
    with h5py.File(path, "r") as f:
        if name not in f:
            raise MissingData(f"{path.name} has no /{name}")
        return np.asarray(f[name][...])


def group_attrs(path: Path, name: str) -> dict:
    with h5py.File(path, "r") as f:
        if name not in f:
            raise MissingData(f"{path.name} has no /{name}")
        return {k: (text(v) if isinstance(v, (bytes, str)) else v) for k, v in f[name].attrs.items()}


def root_attr(path: Path, name: str, default=None):
    with h5py.File(path, "r") as f:
        v = f.attrs.get(name, default)
    return text(v) if isinstance(v, (bytes, str)) else v


def averaged(run: Run, name: str) -> np.ndarray:
    """A cumulative series divided by t: Reg(t)/t, Vio(t)/t, Vio⁺(t)/t (algorithms.md §12)."""
    y = series(run, name)
    return y / np.arange(1, len(y) + 1)


def final_avg(run: Run, name: str) -> float:
    return float(series(run, name)[-1]) / run.steps


def decay_exponent(x: np.ndarray) -> float:
    """q̂ = log5(M1/M2), M1 = max |x| over t ∈ [T/10, T/5], M2 = max |x| over [T/2, T]: a curve
    x(t) ~ t^-q gives q̂ = q. Used for Reg(t)/t and Vio(t)/t: q̂ > 0 means the cumulative quantity grows
    sublinearly over the run. +inf when x is 0 over the second half, −inf when it was 0 and grew."""
    T = len(x)
    m1 = float(np.nanmax(np.abs(x[max(T // 10 - 1, 0): max(T // 5, 1)])))
    m2 = float(np.nanmax(np.abs(x[max(T // 2 - 1, 0):])))
    if m2 == 0.0:
        return math.inf
    if m1 == 0.0:
        return -math.inf
    return math.log(m1 / m2) / math.log(5.0)


def decays(q: float) -> bool:
    return q >= DECAY_MIN


def components(n: int, edges: np.ndarray) -> int:
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in np.asarray(edges, dtype=int).reshape(-1, 2):
        parent[find(i)] = find(j)
    return len({find(i) for i in range(n)})


# ---------------------------------------------------------------------------------------------------
# Running dodge
# ---------------------------------------------------------------------------------------------------

class Runner:
    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.done: dict[tuple[str, str], RunResult] = {}

    def command(self, spec: RunSpec, path: Path) -> list[str]:
        return [*self.ctx.mpiexec, "-n", str(self.ctx.ranks), str(self.ctx.dodge), *spec.dodge_args(),
                "-output_file", str(path), "-progress", "0"]

    def run(self, spec: RunSpec) -> RunResult:
        key = (spec.group, spec.name)
        if key in self.done:
            if self.done[key].spec != spec:
                raise RuntimeError(f"two different runs named {spec.group}/{spec.name}")
            return self.done[key]
        folder = self.ctx.out / spec.group
        folder.mkdir(parents=True, exist_ok=True)
        path, log, meta = (folder / f"{spec.name}{ext}" for ext in (".h5", ".log", ".json"))
        cmd = self.command(spec, path)
        if self.ctx.reuse and meta.is_file() and path.is_file():
            m = json.loads(meta.read_text())
            if m.get("command") == cmd and m.get("ok") and _status(path) == "complete":
                res = RunResult(spec, path, True, float(m["seconds"]), log, reused=True, load=m.get("load", "unknown"))
                self.done[key] = res
                print(f"reproduce: reusing {path}", flush=True)
                return res
        path.unlink(missing_ok=True)  # a stale file from an earlier run must not pass for this one
        print(f"reproduce: running {spec.group}/{spec.name}: {spec.shown()}", flush=True)
        env = dict(os.environ)
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
        try:
            load = " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"
        except OSError:
            load = "unknown"
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
            rc, stdout, stderr = p.returncode, p.stdout, p.stderr
        except (OSError, subprocess.TimeoutExpired) as e:
            rc, stdout, stderr = -1, "", str(e)
        seconds = time.perf_counter() - t0
        log.write_text(f"$ {shlex.join(cmd)}\n# exit {rc}, {seconds:.3f} s\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
        status = _status(path) if path.is_file() else "missing"
        ok = rc == 0 and status == "complete"
        error = ""
        if not ok:
            tail = [ln for ln in (stderr + "\n" + stdout).splitlines() if ln.strip()][-4:]
            error = f"exit {rc}, output file {status}: " + " / ".join(s.strip() for s in tail)
            print(f"reproduce: FAILED {spec.group}/{spec.name}: {error}", flush=True)
        meta.write_text(json.dumps({"command": cmd, "seconds": seconds, "ok": ok, "exit": rc, "load": load}, indent=1))
        res = RunResult(spec, path, ok, seconds, log, error, load=load)
        self.done[key] = res
        return res


def shown_path(p: Path) -> str:
    p = Path(p).resolve()
    try:
        return p.relative_to(REPO).as_posix()
    except ValueError:
        return str(p)


def _status(path: Path) -> str:
    try:
        with h5py.File(path, "r") as f:
            return text(f.attrs.get("status", "none"))
    except OSError:
        return "unreadable"


# ---------------------------------------------------------------------------------------------------
# Plot helpers
# ---------------------------------------------------------------------------------------------------

def hline0(ax):
    ax.axhline(0.0, color="k", lw=0.6)


def day_axis(ax, hours: np.ndarray, label="time [h]"):
    ax.set_xlabel(label)
    if hours.size and hours[-1] > 30:
        for d in range(24, int(hours[-1]) + 1, 24):
            ax.axvline(d, color="0.7", lw=0.6, ls=":")


# ---------------------------------------------------------------------------------------------------
# Z1 — switching graphs
# ---------------------------------------------------------------------------------------------------

def z1_runs(ctx):
    return [RunSpec("graphs", "switching3", "inputs/aemo_nsw.yaml", ("-steps", "3", "-output_agents", "none"))]


def read_graphs(path: Path) -> tuple[int, list[np.ndarray]]:
    with h5py.File(path, "r") as f:
        if "inputs/graph" not in f:
            raise MissingData(f"{path.name} has no /inputs/graph")
        n = int(f["inputs/agent_id"].shape[0])
        g = f["inputs/graph"]
        names = sorted((k for k in g if k.startswith("g") and k[1:].isdigit()), key=lambda k: int(k[1:]))
        return n, [np.asarray(g[k]["edges"][...], dtype=int).reshape(-1, 2) for k in names]


def z1(ctx, runs) -> Outcome:
    out = Outcome()
    res = runs["switching3"]
    n, graphs = read_graphs(res.path)
    union = np.unique(np.vstack([np.sort(e, axis=1) for e in graphs]), axis=0)
    comps = [components(n, e) for e in graphs]
    ucomp = components(n, union)
    t = Table("Z1", f"The switching graphs in /inputs/graph of `{res.path.name}` (n = {n}; nodes 1-based as in the paper)",
              ["graph", "edges", "edge count", "components", "connected"])
    for k, (e, c) in enumerate(zip(graphs, comps), 1):
        t.rows.append([f"G{k}", ", ".join(f"{i + 1}–{j + 1}" for i, j in e), len(e), c, c == 1])
    t.rows.append(["union", ", ".join(f"{i + 1}–{j + 1}" for i, j in union), len(union), ucomp, ucomp == 1])
    out.tables.append(t)
    out.checks += [
        Check("three switching graphs", "B = 3", f"B = {len(graphs)}", len(graphs) == 3,
              criterion="number of /inputs/graph/g* groups", why="dodge wrote a different number of graphs"),
        Check("each graph disconnected", "yes (Fig. 1)", f"components {listing(comps)}", all(c > 1 for c in comps),
              criterion="connected components of each G_k > 1", why="a switching graph is connected on its own"),
        Check("union connected (B-strongly connected)", "yes", f"union has {ucomp} component(s)", ucomp == 1,
              criterion="connected components of the union = 1", why="the union graph is not connected"),
    ]
    out.notes.append("The paper draws its three graphs but the edge sets are not recoverable; dodge's are those of "
                     "algorithms.md §7 ([chosen]: G1 = {1–2, 3–4, 5–6}, G2 = {2–3, 4–5}, G3 = {6–1, 1–4}). Only the "
                     "properties (each disconnected, union connected) can be compared.")
    out.headline = (f"{len(graphs)} graphs with {listing([len(e) for e in graphs])} edges, components "
                    f"{listing(comps)}; union {len(union)} edges, {ucomp} component")

    fig = new_figure()[0]
    fig.clear()
    fig.set_size_inches(9.0, 2.6)
    axes = fig.subplots(1, len(graphs) + 1)
    ang = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    xy = np.c_[np.cos(ang), np.sin(ang)]
    for ax, e, title in zip(axes, graphs + [union], [f"G{k}" for k in range(1, len(graphs) + 1)] + ["union"]):
        for i, j in e:
            ax.plot(*xy[[i, j]].T, color="tab:blue", lw=2)
        ax.scatter(*xy.T, s=220, color="white", edgecolor="k", zorder=3)
        for k in range(n):
            ax.text(*xy[k], str(k + 1), ha="center", va="center", fontsize=9, zorder=4)
        ax.set_title(f"{title} ({components(n, e)} comp.)", fontsize=10)
        ax.set_aspect("equal")
        ax.set_xlim(-1.35, 1.35)
        ax.set_ylim(-1.35, 1.35)
        ax.axis("off")
    fig.suptitle("switching3: G(t) = G_((t−1) mod 3 + 1), Metropolis weights")
    ctx.figure(fig, "Z1_graphs", "The three switching graphs and their union, read from /inputs/graph", out)
    return out


# ---------------------------------------------------------------------------------------------------
# Z2, Z3 — synthetic microgrid
# ---------------------------------------------------------------------------------------------------

def syn_steps(ctx) -> tuple[str, ...]:
    return ("-steps", "200") if ctx.quick else ()


def syn_pdct(ctx, scheme, kappa) -> RunSpec:
    """The scheme's own scenario file (inputs/synthetic_s1.yaml, synthetic.yaml = S2, synthetic_s3.yaml; all
    κ_N = n), or synthetic.yaml with -pdct_scheme where a file is missing; κ_N = 1 beside it by option."""
    scenario = "inputs/synthetic.yaml" if scheme == "S2" else f"inputs/synthetic_{scheme.lower()}.yaml"
    opts = () if (REPO / scenario).is_file() else ("-pdct_scheme", scheme)
    if opts:
        scenario = "inputs/synthetic.yaml"
    opts += ("-pdct_kappa", "one") if kappa != "n" else ()
    return RunSpec("synthetic", f"pdct_{scheme}_k{'n' if kappa == 'n' else '1'}", scenario, opts + syn_steps(ctx))


def syn_li(ctx) -> RunSpec:
    return RunSpec("synthetic", "li2022", "inputs/synthetic_li2022.yaml", syn_steps(ctx))


def z2_runs(ctx):
    return [syn_pdct(ctx, s, k) for k in ("n", "one") for s in ("S1", "S2", "S3")]


def violation_floor(run: Run) -> tuple[float, float]:
    """(predicted, measured) mean of Σ_i g over the last 10 % of steps: the floor n·β_t·μ*/κ_N of §8.1."""
    a = run.algorithm_attrs
    if "beta0" not in a or "pb" not in a:
        return math.nan, math.nan
    kappa = float(dataset(run.path, "inputs/algorithm/kappa_N")[0])
    T = run.steps
    w = slice(int(0.9 * T), T)
    t = np.arange(1, T + 1)[w]
    beta = float(a["beta0"]) / t ** float(a["pb"])
    pred = float(np.mean(run.agents * beta * series(run, "oracle_mu")[w] / kappa))
    return pred, float(np.mean(series(run, "constraint")[w]))


def syn_row(name: str, run: Run) -> list:
    reg, vio, viop = (averaged(run, k) for k in ("regret", "violation", "violation_plus"))
    pred, meas = violation_floor(run)
    scheme = run.scheme or "—"
    kappa = run.algorithm_attrs.get("name") == "pdct" and float(dataset(run.path, "inputs/algorithm/kappa_N")[0])
    return [name, run.algorithm, scheme, int(kappa) if kappa else "—", run.steps, reg[-1], vio[-1], viop[-1],
            decay_exponent(reg), decay_exponent(vio), decay_exponent(viop), pred, meas]


SYN_HEADER = ["run", "algorithm", "scheme", "κ_N", "T", "Reg(T)/T", "Vio(T)/T", "Vio⁺(T)/T", "q̂ Reg/t",
              "q̂ Vio/t", "q̂ Vio⁺/t", "floor n·β_t·μ*/κ_N (last 10 %)", "mean Σ_i g (last 10 %)"]


def overlay(ctx, out, name, caption, runs_labels, title, quantities=("regret", "violation", "violation_plus"),
            scale=None, units=None):
    """Reg(t)/t, Vio(t)/t, Vio⁺(t)/t of several runs on shared axes (compare's figure, three panels)."""
    labels = {"regret": "Reg(t)/t", "violation": "Vio(t)/t", "violation_plus": "Vio⁺(t)/t"}
    fig, axes = new_figure(len(quantities), height=2.5)
    for ax, q in zip(axes, quantities):
        for run, label, color in runs_labels:
            t = series(run, "time")
            y = averaged(run, q) * (scale(run, q) if scale else 1.0)
            ax.plot(t, y, label=escape(label), color=color, lw=1.0)
        hline0(ax)
        u = units(runs_labels[0][0], q) if units else runs_labels[0][0].info(q).units
        ax.set_ylabel(escape(f"{labels[q]} [{u}]"))
    axes[0].legend(loc="best", fontsize=8)
    axes[-1].set_xlabel(escape(runs_labels[0][0].info("time").axis_label()))
    fig.suptitle(escape(title))
    ctx.figure(fig, name, caption, out)


def spread_check(finals: list[float], curves: list[np.ndarray]) -> tuple[float, float]:
    """(spread of the final values, common scale = max over runs of max_{t ≥ T/10} |x(t)|)."""
    scale = max(float(np.nanmax(np.abs(c[len(c) // 10:]))) for c in curves)
    return max(finals) - min(finals), scale


def z2(ctx, runs) -> Outcome:
    out = Outcome()
    names = [f"pdct_{s}_kn" for s in ("S1", "S2", "S3")] + [f"pdct_{s}_k1" for s in ("S1", "S2", "S3")]
    R = {n: open_run(runs[n]) for n in names}
    t = Table("Z2", "pdct on the synthetic microgrid (N = 6, switching3), schemes S1–S3 of §8.1; κ_N = n "
              "(the reproduction files) and κ_N = 1 beside it", SYN_HEADER)
    for n in names:
        t.rows.append(syn_row(n, R[n]))
    out.tables.append(t)
    main = names[:3]
    qreg = [decay_exponent(averaged(R[n], "regret")) for n in main]
    qv = [decay_exponent(averaged(R[n], "violation")) for n in main]
    qvio = [decay_exponent(averaged(R[n], "violation_plus")) for n in main]
    floors = [violation_floor(R[n]) for n in main]
    floor_why = ("the dual regularization −β_t μ leaves a violation floor Σ_i g ≈ n·β_t·μ*/κ_N (§8.1) that decays only "
                 "like β_t = t^−pb (pb = 0.1 for S1, 0.2 for S2/S3): predicted " + listing([f[0] for f in floors]) +
                 ", measured " + listing([f[1] for f in floors]) + " (mean Σ_i g over the last 10 % of steps, S1–S3); "
                 "Vio(t) first uses up the slack of the early steps, so Vio(t)/t is still rising towards that floor "
                 "where q̂(Vio/t) < 0")
    out.checks.append(Check(
        "Reg(t)/t → 0 for S1, S2, S3", "sublinear", f"q̂(Reg/t) = {listing(qreg)}", all(decays(q) for q in qreg),
        criterion=f"decay exponent q̂ ≥ {DECAY_MIN} for every scheme (κ_N = n)",
        why="Reg(t)/t stops decreasing within the horizon for some scheme"))
    out.checks.append(Check(
        "Vio(t)/t → 0 for S1, S2, S3", "sublinear", f"q̂(Vio/t) = {listing(qv)}; q̂(Vio⁺/t) = {listing(qvio)}",
        all(decays(q) for q in qv + qvio), criterion=f"q̂ ≥ {DECAY_MIN} for Vio/t (Def. 2.2) and Vio⁺/t, every scheme",
        why=floor_why))
    out.checks.append(Check(
        "violation vanishes quickly", "quickly", f"q̂(Vio⁺/t) = {listing(qvio)}; Vio⁺(T)/T = "
        f"{listing([final_avg(R[n], 'violation_plus') for n in main])}",
        all(q >= 0.5 for q in qvio),
        criterion="q̂(Vio⁺/t) ≥ 0.5, at least the 1/√t rate of the steps α_t, γ_t", why=floor_why))
    reg_f = [final_avg(R[n], "regret") for n in main]
    vio_f = [final_avg(R[n], "violation_plus") for n in main]
    sr, sc_r = spread_check(reg_f, [averaged(R[n], "regret") for n in main])
    sv, sc_v = spread_check(vio_f, [averaged(R[n], "violation_plus") for n in main])
    out.checks.append(Check(
        "insensitive to the step sizes", "insensitive",
        f"spread of Reg(T)/T {num(sr)} vs curve scale {num(sc_r)}; of Vio⁺(T)/T {num(sv)} vs {num(sc_v)}",
        sr <= 0.25 * sc_r and sv <= 0.25 * sc_v,
        criterion="max − min over S1–S3 of the final value ≤ 25 % of max_{t ≥ T/10} |curve|",
        why="S1's slower β decay (pb = 0.1) keeps its violation floor about twice as high as S2/S3's"))
    out.checks.append(Check(
        "κ_N = 1 (beside)", "—", "Vio⁺(T)/T = " + listing([final_avg(R[n], "violation_plus") for n in names[3:]]),
        True, kind="info", criterion="reported only",
        why=""))
    out.notes.append("κ_N = 1 (the large-N default) has a floor n·β_t·μ*/κ_N six times higher at n = 6 — the last two "
                     "columns show prediction and measurement agree for every run.")
    out.headline = (f"Reg(T)/T = {listing(reg_f)}, Vio⁺(T)/T = {listing(vio_f)} (S1, S2, S3, T = {R[main[0]].steps}); "
                    f"Vio⁺/t decays like t^−{num(min(qvio))}…t^−{num(max(qvio))}")
    overlay(ctx, out, "Z2_schemes", "Reg(t)/t, Vio(t)/t and Vio⁺(t)/t of pdct S1, S2, S3 (κ_N = n) — cf. [ZWL25] Fig. 2",
            [(R[n], f"pdct {n.split('_')[1]}", c) for n, c in zip(main, ("tab:blue", "tab:orange", "tab:green"))],
            "Synthetic microgrid, pdct step-size schemes (κ_N = n)")
    return out


def z3_runs(ctx):
    return [syn_pdct(ctx, "S2", "n"), syn_pdct(ctx, "S2", "one"), syn_li(ctx)]


def z3(ctx, runs) -> Outcome:
    out = Outcome()
    R = {n: open_run(runs[n]) for n in ("pdct_S2_kn", "pdct_S2_k1", "li2022")}
    t = Table("Z3", "pdct S2 versus li2022 on the synthetic microgrid (N = 6, switching3)", SYN_HEADER)
    for n, r in R.items():
        t.rows.append(syn_row(n, r))
    out.tables.append(t)
    p, li = R["pdct_S2_kn"], R["li2022"]
    q = {n: (decay_exponent(averaged(r, "regret")), decay_exponent(averaged(r, "violation")),
             decay_exponent(averaged(r, "violation_plus"))) for n, r in R.items()}
    reg = {n: final_avg(r, "regret") for n, r in R.items()}
    vio = {n: final_avg(r, "violation") for n, r in R.items()}
    viop = {n: final_avg(r, "violation_plus") for n, r in R.items()}
    fp = violation_floor(p)
    why = []
    for n, what in (("pdct_S2_kn", "pdct"), ("li2022", "li2022")):
        bad = [c for c, x in zip(("Reg(t)/t", "Vio(t)/t", "Vio⁺(t)/t"), q[n]) if not decays(x)]
        if bad and what == "pdct":
            why.append(f"pdct's {' and '.join(bad)} does not decrease over the horizon (q̂ {listing(q[n])}): its violation "
                       f"floor n·β_t·μ*/κ_N (§8.1; {num(fp[0])} predicted, {num(fp[1])} measured as the mean Σ_i g over "
                       "the last 10 % of steps) decays only like β_t, and Vio(t)/t is still rising towards it after the "
                       "early slack steps are used up")
        elif bad:
            why.append(f"li2022's {' and '.join(bad)} still grows over [T/2, T] (q̂ {listing(q[n])}): its fixed steps "
                       "α = 1/(G√T), β = G²α (§8.2) are sized for the whole horizon, so its multiplier builds up slowly "
                       "and the violation accumulates first")
    out.checks += [
        Check("both sublinear", "yes", f"q̂ of Reg/t, Vio/t, Vio⁺/t: pdct {listing(q['pdct_S2_kn'])}; li2022 "
              f"{listing(q['li2022'])}", all(decays(x) for x in q["pdct_S2_kn"] + q["li2022"]),
              criterion=f"q̂ ≥ {DECAY_MIN} for the three curves of both algorithms", why="; ".join(why)),
        Check("pdct better in regret", "pdct < li2022",
              f"|Reg(T)|/T pdct {num(abs(reg['pdct_S2_kn']))}, li2022 {num(abs(reg['li2022']))}",
              abs(reg["pdct_S2_kn"]) < abs(reg["li2022"]), criterion="|Reg(T)|/T smaller (regret may be negative "
              "while the constraint is violated)", why="li2022 ends with the smaller regret"),
        Check("pdct better in violation", "pdct < li2022",
              f"Vio(T)/T pdct {num(vio['pdct_S2_kn'])}, li2022 {num(vio['li2022'])}; Vio⁺(T)/T pdct "
              f"{num(viop['pdct_S2_kn'])}, li2022 {num(viop['li2022'])}",
              vio["pdct_S2_kn"] < vio["li2022"] and viop["pdct_S2_kn"] < viop["li2022"],
              criterion="both Vio(T)/T and Vio⁺(T)/T smaller",
              why=f"pdct's violation floor n·β_t·μ*/κ_N (§8.1; {num(fp[0])} predicted, {num(fp[1])} measured) "
                  "is not below li2022's violation"),
        Check("κ_N = 1 (beside)", "—", f"Reg(T)/T {num(reg['pdct_S2_k1'])}, Vio⁺(T)/T {num(viop['pdct_S2_k1'])}",
              True, kind="info", criterion="reported only"),
    ]
    out.headline = (f"T = {p.steps}: pdct Reg/T {num(reg['pdct_S2_kn'])}, Vio/T {num(vio['pdct_S2_kn'])}; "
                    f"li2022 Reg/T {num(reg['li2022'])}, Vio/T {num(vio['li2022'])}")
    overlay(ctx, out, "Z3_pdct_li2022", "pdct S2 (κ_N = n and 1) versus li2022 on the synthetic microgrid — cf. [ZWL25] Fig. 3",
            [(p, "pdct S2, κ_N = n", COLORS["pdct"]), (R["pdct_S2_k1"], "pdct S2, κ_N = 1", COLORS["pdct1"]),
             (li, "li2022", COLORS["li2022"])], "Synthetic microgrid: pdct versus li2022")
    return out


# ---------------------------------------------------------------------------------------------------
# Z4, Z5, Z6 — AEMO
# ---------------------------------------------------------------------------------------------------

def aemo_steps(ctx) -> tuple[str, ...]:
    return ("-steps", "288") if ctx.quick else ()


def aemo_pdct(ctx, region, kappa="n") -> RunSpec:
    return RunSpec("aemo", f"pdct_{region.lower()}_k{'n' if kappa == 'n' else '1'}",
                   f"inputs/aemo_{region.lower()}.yaml", (("-pdct_kappa", "one") if kappa != "n" else ()) + aemo_steps(ctx))


def aemo_li(ctx, region) -> RunSpec:
    return RunSpec("aemo", f"li2022_{region.lower()}", f"inputs/aemo_{region.lower()}_li2022.yaml", aemo_steps(ctx))


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
    axes[0].legend(ncol=5, fontsize=8, loc="upper left")
    fig.suptitle("AEMO 5-minute price and demand, five NEM regions")
    ctx.figure(fig, "Z4_aemo_series", "AEMO price (symlog scale) and demand of the five regions — cf. [ZWL25] Fig. 4", out)
    return out


def z5_runs(ctx):
    return [s for r in REGIONS for s in (aemo_pdct(ctx, r), aemo_pdct(ctx, r, "one"), aemo_li(ctx, r))]


def fluctuation_ratios(run: Run) -> tuple[float, float]:
    """(early, at demand extremes): mean |F_t − F*_t| over the first 12 steps (1 h) over its mean after the
    first day; and within ±6 steps of each day's demand maximum and minimum over the other steps."""
    inst = np.abs(series(run, "F") - series(run, "F_star"))
    T = len(inst)
    rest = inst[288:] if T > 576 else inst[24:]
    early = float(np.mean(inst[:12]) / np.mean(rest))
    demand = series(run, "demand")
    near = np.zeros(T, dtype=bool)
    for d0 in range(0, T, 288):
        day = demand[d0:d0 + 288]
        for k in (int(np.argmax(day)), int(np.argmin(day))):
            near[max(d0 + k - 6, 24):d0 + k + 7] = True
    near[:24] = False
    other = ~near
    other[:24] = False
    return early, float(np.mean(inst[near]) / np.mean(inst[other])) if near.any() else math.nan


def z5(ctx, runs) -> Outcome:
    out = Outcome()
    t = Table("Z5", "Per region: pdct S2 (κ_N = n; κ_N = 1 beside) versus li2022, N = 6, switching3",
              ["region", "run", "T", "Reg(T)/T [$]", "Reg(T)/T [per-unit]", "Vio(T)/T [MW]", "Vio⁺(T)/T [MW]",
               "q̂ Reg/t", "q̂ Vio/t", "q̂ Vio⁺/t", "binding fraction", "P_T/T", "P_T/T at T/2"])
    res = {}
    for r in REGIONS:
        for name, label in ((f"pdct_{r.lower()}_kn", "pdct κ_N = n"), (f"pdct_{r.lower()}_k1", "pdct κ_N = 1"),
                            (f"li2022_{r.lower()}", "li2022")):
            run = open_run(runs[name])
            sb = float(run.problem_attrs.get("power_base_MW", math.nan))
            reg, vio, viop = (averaged(run, k) for k in ("regret", "violation", "violation_plus"))
            P = series(run, "path_length")
            T = run.steps
            row = dict(reg=reg[-1], vio=vio[-1], viop=viop[-1], qreg=decay_exponent(reg), qvio=decay_exponent(vio),
                       qviop=decay_exponent(viop), PT=P[-1] / T, PT2=P[T // 2 - 1] / (T // 2), run=run)
            res[(r, label)] = row
            t.rows.append([r, label, T, reg[-1] * run.cost_to_dollars, reg[-1], vio[-1] * sb, viop[-1] * sb,
                           row["qreg"], row["qvio"], row["qviop"], float(np.mean(series(run, "oracle_mu") > 0)),
                           row["PT"], row["PT2"]])
    out.tables.append(t)
    P, L = "pdct κ_N = n", "li2022"
    qreg = {(r, a): res[(r, a)]["qreg"] for r in REGIONS for a in (P, L)}
    reg_ok = [r for r in REGIONS if decays(qreg[(r, P)]) and decays(qreg[(r, L)])]
    pt = [res[(r, P)]["PT"] for r in REGIONS]
    pt2 = [res[(r, P)]["PT2"] for r in REGIONS]
    out.checks.append(Check(
        "Reg(t)/t → 0 (pdct and li2022)", "→ 0 in every region",
        "q̂(Reg/t) pdct " + listing([qreg[(r, P)] for r in REGIONS]) + "; li2022 " + listing([qreg[(r, L)] for r in REGIONS]),
        len(reg_ok) == 5, criterion=f"q̂ ≥ {DECAY_MIN} for both algorithms in all five regions",
        why="real 5-minute prices move at every step, so the comparator's path length grows linearly (P_T/T = "
            + listing(pt) + " at T, " + listing(pt2) + " at T/2, NSW…TAS): dynamic-regret bounds are sublinear only "
            "for sublinear P_T (§8.1, §12), and Reg(t)/t levels off at a value set by how fast prices move"))
    vio_ok = [r for r in REGIONS if all(decays(res[(r, a)]["qvio"]) for a in (P, L))]
    out.checks.append(Check(
        "Vio(t)/t → 0 (pdct and li2022)", "→ 0 in every region",
        "Vio(T)/T [MW] pdct " + listing([t.rows[3 * i][5] for i in range(5)]) + "; li2022 " +
        listing([t.rows[3 * i + 2][5] for i in range(5)]),
        len(vio_ok) == 5, criterion=f"q̂(Vio/t) ≥ {DECAY_MIN} (∞: Vio = 0 over [T/2, T]) for both in all regions",
        why="li2022's fixed steps (α = 1/(G√T), β = G²α) keep a violation that does not decay within the window in "
            + ", ".join(r for r in REGIONS if r not in vio_ok)))
    better_reg = [r for r in REGIONS if abs(res[(r, P)]["reg"]) < abs(res[(r, L)]["reg"])]
    better_vio = [r for r in REGIONS if res[(r, P)]["viop"] < res[(r, L)]["viop"] and res[(r, P)]["vio"] <= res[(r, L)]["vio"]]
    out.checks.append(Check(
        "pdct better in regret", "pdct faster/better", f"pdct smaller |Reg(T)|/T in {len(better_reg)} of 5 ({', '.join(better_reg) or '—'})",
        len(better_reg) == 5, criterion="|Reg(T)|/T of pdct < li2022's in every region",
        why="li2022 has the smaller regret in " + ", ".join(r for r in REGIONS if r not in better_reg)))
    out.checks.append(Check(
        "pdct better in violation", "pdct faster/better",
        f"pdct smaller Vio⁺(T)/T (and Vio ≤) in {len(better_vio)} of 5 ({', '.join(better_vio) or '—'})",
        len(better_vio) == 5, criterion="Vio⁺(T)/T smaller and Vio(T)/T not larger than li2022's, every region",
        why="li2022's violation is as low or lower in " + ", ".join(
            f"{r} (Vio⁺(T)/T {num(t.rows[3 * REGIONS.index(r)][6])} MW for pdct, {num(t.rows[3 * REGIONS.index(r) + 2][6])} "
            "MW for li2022)" for r in REGIONS if r not in better_vio)))
    fl = {r: fluctuation_ratios(res[(r, P)]["run"]) for r in REGIONS}
    out.checks.append(Check(
        "early fluctuations (random initialization)", "yes",
        "mean |F_t − F*_t|, first hour over the rest: " + listing([fl[r][0] for r in REGIONS]),
        all(fl[r][0] >= 2 for r in REGIONS), criterion="ratio ≥ 2 in every region (pdct)",
        why="the random initial point costs little: the first hour's instantaneous regret is only "
            f"{num(min(v[0] for v in fl.values()))}–{num(max(v[0] for v in fl.values()))}× the later mean; the early "
            "swings of Reg(t)/t in the figures come from dividing by a small t"))
    out.checks.append(Check(
        "smaller fluctuations at demand peaks and troughs", "yes",
        "mean |F_t − F*_t| within ±30 min of each day's demand max/min over elsewhere: " + listing([fl[r][1] for r in REGIONS]),
        all(fl[r][1] > 1 for r in REGIONS), criterion="ratio > 1 in every region (pdct)",
        why="the instantaneous regret is not larger near the daily demand extremes in "
            + ", ".join(f"{r} (ratio {num(fl[r][1])})" for r in REGIONS if not fl[r][1] > 1)))
    out.headline = ("Reg(T)/T [$] pdct " + listing([t.rows[3 * i][3] for i in range(5)]) + " vs li2022 " +
                    listing([t.rows[3 * i + 2][3] for i in range(5)]) + " (NSW…TAS)")
    for i, r in enumerate(REGIONS):
        rl = [(res[(r, P)]["run"], "pdct S2, κ_N = n", COLORS["pdct"]),
              (res[(r, "pdct κ_N = 1")]["run"], "pdct S2, κ_N = 1", COLORS["pdct1"]),
              (res[(r, L)]["run"], "li2022", COLORS["li2022"])]
        sb = float(rl[0][0].problem_attrs.get("power_base_MW", 1.0))
        overlay(ctx, out, f"Z5_{r.lower()}", f"{r}: Reg(t)/t in $ per step and Vio(t)/t, Vio⁺(t)/t in MW — cf. [ZWL25] Fig. {5 + i}",
                rl, f"AEMO {r}1: pdct versus li2022 (N = 6, switching3)",
                scale=lambda run, q, sb=sb: run.cost_to_dollars if q == "regret" else sb,
                units=lambda run, q: "$" if q == "regret" else "MW")
    return out


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


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


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
        all(abs(steps[r] / PAPER_TIMES[r] - 1) <= 0.25 for r in REGIONS), kind="number",
        criterion="within 25 % of the paper's times (§14: a reference, not a target)",
        why=f"dodge is compiled C++ with MPI ({ctx.ranks} ranks on {cpu}, {os.cpu_count()} CPUs), the paper's times are "
            "MATLAB R2023b on an AMD Ryzen 7 at 1.80 GHz with 16 GB: different implementation and hardware; dodge "
            f"is {min(ratios):.0f}–{max(ratios):.0f}× faster here (Σ step_time, oracle and metrics included, I/O excluded)"))
    out.checks.append(Check(
        "similar times across regions", "max/min = 1.17", f"max/min = {num(spread)}", spread <= 2.0,
        criterion="max/min over the regions ≤ 2",
        why="at a fraction of a second per run dodge's times are dominated by per-step MPI latency and system noise, "
            "not by the region's data"))
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
    ax.legend(fontsize=8)
    fig.suptitle(escape(f"pdct, T = {t.rows[0][1]}: wall time per region"))
    ctx.figure(fig, "Z6_timing", "Wall time of pdct per region: the paper's MATLAB times and dodge's (log scale)", out)
    return out


# ---------------------------------------------------------------------------------------------------
# W1–W7 — demand ([WMN14], [WMN13c], [WMN13])
# ---------------------------------------------------------------------------------------------------

def users_of(run: Run) -> int:
    n = run.problem_attrs.get("users")
    if n is None:
        raise MissingData(f"{run.path.name}: /inputs/problem has no 'users' attribute")
    return int(n)


def user_decisions(run: Run) -> np.ndarray:
    """p_i(t) of every user, [t, i], from /agents/x (all users must be recorded)."""
    N = users_of(run)
    agents = dataset(run.path, "agents/agent")
    if agents.size < N or not np.array_equal(agents[:N], np.arange(N)):
        raise MissingData(f"{run.path.name} records agents {agents[:5]}…, not every user 0..{N - 1}")
    steps = dataset(run.path, "agents/record_step")
    if len(steps) != run.steps:
        raise MissingData(f"{run.path.name}: /agents has {len(steps)} records for {run.steps} steps (stride > 1)")
    return dataset(run.path, "agents/x")[:, :N]


def running_means(run: Run) -> np.ndarray:
    """p̂_i(t) by (8) from p̂_i(0) = /inputs/problem/phat0 and the decisions played: [t, i], t = 1..T.
    Single-day runs only (multi-day runs restart or continue the counter: §9)."""
    p = user_decisions(run)
    N = p.shape[1]
    alpha = float(run.problem_attrs["alpha"])
    ph = dataset(run.path, "inputs/problem/phat0")[:N].astype(float)
    out = np.empty_like(p)
    for t in range(p.shape[0]):
        ph = ph + alpha / (t + 1 + alpha) * (p[t] - ph)
        out[t] = ph
    return out


def peak_reduction(run: Run) -> float:
    agl, load = series(run, "agl"), series(run, "load")
    return 100.0 * (agl.max() - load.max()) / agl.max()


def demand_spec(group, name, scenario, *options) -> RunSpec:
    return RunSpec(group, name, scenario, tuple(options))


def w1_runs(ctx):
    return [demand_spec("demand", f"w1_delta{d}", f"inputs/demand_w1_delta{d}.yaml") for d in ("005", "015", "025")]


def w1(ctx, runs) -> Outcome:
    out = Outcome()
    slot = 8
    data = {}
    for d in ("005", "015", "025"):
        run = open_run(runs[f"w1_delta{d}"])
        names = sorted(n for n in run.series_names if n.startswith("lambda_iter_"))
        if not names:
            raise MissingData(f"{run.path.name} holds no per-inner-iteration data (/series/lambda_iter_*), so λ^k versus "
                              "k cannot be drawn; dodge would need -doa_trace_iterations")
        lam = np.array([run.series(n)[slot - 1] for n in names])
        lam = lam[np.isfinite(lam)]
        star = float(series(run, "oracle_mu")[slot - 1])
        K = int(series(run, "inner_iterations")[slot - 1])
        conv = bool(series(run, "inner_converged")[slot - 1])
        delta = float(dataset(run.path, "inputs/algorithm/delta")[0])
        err = lam - star
        band = np.abs(err) <= 0.01 * abs(star)
        # first k after which every traced iterate stays within 1 % of λ*
        k1 = next((k for k in range(len(lam)) if band[k:].all()), None)
        ratios = [err[k + 1] / err[k] for k in range(min(len(err) - 1, 12)) if abs(err[k]) > 1e-9 and lam[k + 1] > 0]
        factor = float(np.median(ratios)) if ratios else math.nan
        amp = float(np.ptp(lam[-10:])) if len(lam) >= 10 else float(np.ptp(lam))
        data[d] = dict(delta=delta, lam=lam, star=star, K=K, conv=conv, k1=k1, factor=factor, amp=amp, traced=len(names))
    t = Table("W1", f"doa inner iterates at slot {slot} (N = 20, hot day, paper_params; no warm start, ε = 1e-6 as in the "
              "W1 scenario files)", ["δ", "λ* (oracle)", "inner iterations K+1", "converged", "iterations to within 1 % of λ*",
                                     "contraction factor (λ^{k+1}−λ*)/(λ^k−λ*)", "spread of the last 10 traced λ^k"])
    for d, v in data.items():
        t.rows.append([v["delta"], v["star"], v["K"], v["conv"], v["k1"] if v["k1"] is not None else "never",
                       v["factor"], v["amp"]])
    out.tables.append(t)
    a, b, c = data["005"], data["015"], data["025"]
    reach = {d: (v["k1"] if v["k1"] is not None else math.inf) for d, v in data.items()}
    out.checks += [
        Check("δ = 0.25: large perturbation", "large perturbation", f"converged: {yes(c['conv'])}; last iterates spread "
              f"{num(c['amp'])} (λ* = {num(c['star'])})", (not c["conv"]) or c["amp"] > 0.1 * abs(c["star"]),
              criterion="not converged, or the last traced iterates spread over > 10 % of λ*",
              why="δ = 0.25 converges smoothly"),
        Check("δ = 0.05 slowest", "slowest", f"iterations to 1 %: {num(reach['005'])} (0.05), {num(reach['015'])} (0.15)",
              reach["005"] > reach["015"], criterion="more iterations to the 1 % band than δ = 0.15",
              why=f"with the per-capita cost scaling (§3.2) the local factor of (21) is 1 − δs, s ≈ 10–10.8: measured "
                  f"{num(a['factor'])} (δ = 0.05) and {num(b['factor'])} (δ = 0.15) — equal magnitudes, so 0.05 is not "
                  "slower (0.15 overshoots and oscillates); the paper's unscaled cost (§3.2 'literal') pins every user "
                  "at p_min, so its λ dynamics cannot be reproduced"),
        Check("δ = 0.15 fastest, ≈ 10 exchanges", "≈ 10", f"{num(reach['015'])} iterations to 1 %, {b['K']} to the "
              f"ε = 1e-6 stop", reach["015"] <= min(reach.values()) and 5 <= reach["015"] <= 15,
              criterion="fewest iterations to the 1 % band, and 5–15 of them",
              why=f"δ = 0.15 needs {num(reach['015'])} iterations to the 1 % band, δ = 0.05 {num(reach['005'])}: "
                  "the same contraction magnitude without overshoot"),
    ]
    out.headline = "iterations to 1 % of λ*: " + ", ".join(f"δ={v['delta']:g}: {num(reach[d])}" for d, v in data.items())
    out.notes.append(f"λ^k comes from the series lambda_iter_000…{data['015']['traced'] - 1:03d} the W1 scenario files "
                     "record (-doa_trace_iterations); only the first "
                     f"{data['015']['traced']} iterates of each slot are stored.")
    fig, axes = new_figure(1, height=3.6)
    ax = axes[0]
    for (d, v), col in zip(data.items(), ("tab:blue", "tab:orange", "tab:red")):
        ax.plot(np.arange(len(v["lam"])), v["lam"], marker=".", ms=3, lw=1, color=col, label=f"δ = {v['delta']:g}")
    ax.axhline(data["015"]["star"], color="k", ls="--", lw=0.8, label="λ* (oracle, δ = 0.15 run)")
    ax.set_xlim(0, 40)
    ax.set_xlabel("inner iteration k")
    ax.set_ylabel("λ^k [per-unit price]")
    ax.legend(fontsize=8)
    fig.suptitle(f"doa inner iterates at slot {slot}, hot day, N = 20 (paper_params)")
    ctx.figure(fig, "W1_lambda_k", f"λ^k versus k at slot {slot} for δ = 0.05, 0.15, 0.25 — cf. [WMN14] Fig. 3", out)
    return out


def w2_runs(ctx):
    return [demand_spec("demand", "w2_coa", "inputs/demand_w2_coa.yaml"),
            demand_spec("demand", "w2_doa", "inputs/demand_w2_doa.yaml")]


W2_USERS = (7, 12, 13)  # 1-based, as in the paper


def settle_slot(x: np.ndarray, tol: float) -> int:
    """First slot (1-based) after which |x(s) − x(T)| < tol for every later s."""
    far = np.abs(x - x[-1]) >= tol
    idx = np.nonzero(far)[0]
    return int(idx[-1] + 2) if idx.size else 1


def w2(ctx, runs) -> Outcome:
    out = Outcome()
    coa, doa = open_run(runs["w2_coa"]), open_run(runs["w2_doa"])
    ph = {"coa": running_means(coa), "doa": running_means(doa)}
    for name, run in (("coa", coa), ("doa", doa)):
        if run.has("phat_mean"):
            dev = float(np.max(np.abs(ph[name].mean(axis=1) - run.series("phat_mean"))))
            if dev > 1e-9:
                out.notes.append(f"warning: p̂ recomputed from /agents/x differs from /series/phat_mean of {name} by {dev:.2e}")
    pc, pd = user_decisions(coa), user_decisions(doa)
    t = Table("W2", "Running means p̂_i(t) of users 7, 12, 13 (recomputed by (8) from /inputs/problem/phat0 and /agents/x)",
              ["user", "p̂(0)", "p̂(T) coa", "p̂(T) doa", "settled by slot (coa)", "settled by slot (doa)",
               "max |p̂ doa − p̂ coa|, last 8 slots", "Var_t p coa", "Var_t p doa"])
    ph0 = dataset(coa.path, "inputs/problem/phat0")
    settle, last_gap, var_ratio = {}, [], []
    for u in W2_USERS:
        i = u - 1
        sc, sd = settle_slot(ph["coa"][:, i], 0.05), settle_slot(ph["doa"][:, i], 0.05)
        settle[u] = (sc, sd)
        g = float(np.max(np.abs(ph["doa"][-8:, i] - ph["coa"][-8:, i])))
        last_gap.append(g)
        var_ratio.append(float(np.var(pd[:, i]) / np.var(pc[:, i])))
        t.rows.append([u, ph0[i], ph["coa"][-1, i], ph["doa"][-1, i], sc, sd, g, np.var(pc[:, i]), np.var(pd[:, i])])
    out.tables.append(t)
    lam_c, lam_d = series(coa, "lambda"), series(doa, "lambda")
    lam_gap = float(np.mean(np.abs(lam_d - lam_c)) / np.mean(np.abs(lam_c)))
    max_gap = float(max(np.max(np.abs(ph["doa"][:, u - 1] - ph["coa"][:, u - 1])) for u in W2_USERS))
    final_move = max(float(np.max(np.abs(ph[a][-1, u - 1] - ph[a][-9, u - 1]))) for a in ("coa", "doa") for u in W2_USERS)
    out.checks += [
        Check("both converge", "yes", f"max |p̂(T) − p̂(T−8)| = {num(final_move)}", final_move < 0.05,
              criterion="p̂ moves < 0.05 over the last 8 slots (2 h), users 7, 12, 13, both algorithms",
              why="p̂ still moves at the end of the day"),
        Check("doa slower", "slower", "settled by slot (coa, doa): " + "; ".join(f"user {u}: {a}, {b}" for u, (a, b) in settle.items()),
              all(b >= a for a, b in settle.values()) and any(b > a for a, b in settle.values()),
              criterion="doa's p̂ settles (within 0.05 of p̂(T) for good) later than coa's for some user, never earlier",
              why=f"doa's warm-started price tracks coa's λ* to {num(lam_gap)} on average (relative), so its p̂ "
                  f"follows coa's almost exactly (max |p̂ doa − p̂ coa| over the day {num(max_gap)})"),
        Check("doa more variance", "more", "Var_t p doa / coa = " + listing(var_ratio), all(v >= 1.05 for v in var_ratio),
              criterion="Var_t(p_i) at least 5 % larger under doa, users 7, 12, 13",
              why="for the same reason doa's decisions vary as little as coa's"),
        Check("coincide in the last slots", "coincide", "max |p̂ doa − p̂ coa| over the last 8 slots = " + listing(last_gap),
              max(last_gap) < 0.05, criterion="< 0.05 for users 7, 12, 13", why="the trajectories stay apart"),
    ]
    out.headline = "p̂(T) coa/doa: " + "; ".join(f"user {r[0]}: {num(r[2])}/{num(r[3])}" for r in t.rows)
    fig, axes = new_figure(1, height=3.6)
    ax = axes[0]
    hours = series(coa, "time")
    for u, col in zip(W2_USERS, ("tab:blue", "tab:orange", "tab:green")):
        ax.plot(hours, ph["coa"][:, u - 1], color=col, lw=1.2, label=f"user {u}, coa")
        ax.plot(hours, ph["doa"][:, u - 1], color=col, lw=1.2, ls="--", label=f"user {u}, doa")
    ax.set_ylabel("p̂_i(t) [per-user unit]")
    day_axis(ax, hours, escape(coa.info("time").axis_label()))
    ax.legend(fontsize=7, ncol=3)
    fig.suptitle("Running means p̂_i(t), coa (solid) versus doa (dashed), hot day, N = 20")
    ctx.figure(fig, "W2_phat", "p̂_i(t) of users 7, 12, 13 under coa and doa — cf. [WMN14] Fig. 4, [WMN13c] Fig. 1", out)
    return out


def w3_runs(ctx):
    return [demand_spec("demand", "w3_lambda", "inputs/demand_w3_lambda.yaml")]


def w3(ctx, runs) -> Outcome:
    out = Outcome()
    run = open_run(runs["w3_lambda"])
    lam = series(run, "lambda")
    lamf = series(run, "lambda_final")
    star = series(run, "oracle_mu")
    agl = series(run, "agl")
    inner = series(run, "inner_iterations")
    conv = series(run, "inner_converged")
    ac = float(np.corrcoef(lamf[:-1], lamf[1:])[0, 1])
    corr_agl = float(np.corrcoef(lam, agl)[0, 1])
    dl = float(np.mean(np.abs(np.diff(lamf))))
    t = Table("W3", "λ over the 96 slots (doa, warm start, hot day, N = 20, paper_params)",
              ["quantity", "value"])
    rows = [["lag-1 autocorrelation of λ_final(t)", ac], ["mean |λ_final(t) − λ_final(t−1)|", dl],
            ["std of λ_final over the day", float(np.std(lamf))], ["correlation of λ(t) with AGL(t)", corr_agl],
            ["mean |λ(t) − λ*(t)| (λ* = coa's price)", float(np.mean(np.abs(lam - star)))],
            ["mean inner iterations per slot", float(np.mean(inner))], ["slots whose inner loop converged", int(np.sum(conv))],
            ["slots", run.steps]]
    t.rows = rows
    out.tables.append(t)
    out.checks += [
        Check("consecutive λ correlated (motivates the warm start)", "correlated", f"lag-1 autocorrelation {num(ac)}; "
              f"mean step |Δλ| {num(dl)} vs std {num(float(np.std(lamf)))}", ac >= 0.5,
              criterion="lag-1 autocorrelation ≥ 0.5", why="λ jumps between slots"),
        Check("convergent trend", "convergent", f"{int(np.sum(conv))} of {run.steps} slots converged; "
              f"mean |λ − λ*| {num(float(np.mean(np.abs(lam - star))))}", bool(np.all(conv == 1)),
              criterion="every slot's inner loop met its stop test", why="some inner loops hit K_max"),
    ]
    out.notes.append(f"With ε = 0.2 [paper] and per-capita prices λ ≈ 0.1–0.3 (§3.2) the stop test |λ^{{k+1}} − λ^k| < ε "
                     f"holds almost at once (mean {num(float(np.mean(inner)))} broadcasts per slot), so the warm-started "
                     "doa is close to the one-step-per-slot update of [WMN13c].")
    out.headline = f"lag-1 autocorrelation of λ {num(ac)}; corr(λ, AGL) {num(corr_agl)}; {num(float(np.mean(inner)))} broadcasts/slot"
    fig, axes = new_figure(1, height=3.6)
    ax = axes[0]
    hours = series(run, "time")
    ax.plot(hours, lamf, color="tab:orange", lw=1.2, label="λ_final(t) (doa)")
    ax.plot(hours, star, color="k", lw=0.9, ls="--", label="λ*(t) (oracle)")
    ax.set_ylabel("price [per-unit]")
    ax2 = ax.twinx()
    ax2.plot(hours, agl, color="0.6", lw=0.8, label="AGL(t)")
    ax2.set_ylabel("AGL [per-user unit]", color="0.45")
    ax.set_xlabel(escape(run.info("time").axis_label()))
    ax.legend(loc="upper left", fontsize=8)
    fig.suptitle("doa's final price over 24 h (hot day, N = 20)")
    ctx.figure(fig, "W3_lambda", "λ_final(t) over the day with the oracle's λ* and the actual grid load — cf. [WMN14] Fig. 5", out)
    return out


def w4_runs(ctx):
    return [demand_spec("demand", "w4_separate", "inputs/demand_w4_separate.yaml"),
            demand_spec("demand", "w4_consecutive", "inputs/demand_w4_consecutive.yaml")]


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
              criterion="c-DOA's daily peak load lower on days 2 and 3", why="c-DOA's peak is not lower on both days"),
        Check("c-DOA better on days 2–3 (load variance)", "better", f"Var_t L s-DOA/c-DOA: day 2 {num(per[1]['vs'])}/"
              f"{num(per[1]['vc'])}, day 3 {num(per[2]['vs'])}/{num(per[2]['vc'])}", var_better == [2, 3],
              criterion="c-DOA's within-day load variance lower on days 2 and 3",
              why="which quantity Fig. 6 compares is not recoverable (§14 says only 'better'); by the daily peak c-DOA "
                  f"is better on day(s) {', '.join(map(str, peak_better)) or 'none'}, by the within-day load variance on "
                  f"day(s) {', '.join(map(str, var_better)) or 'none'} (c-DOA carries p̂, the price and the counter of "
                  "α/(t+α) over from day to day, s-DOA restarts them)"),
    ]
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
    ax.legend(fontsize=8)
    fig.suptitle("Three consecutive days: s-DOA versus c-DOA (N = 20)")
    ctx.figure(fig, "W4_multiday", "Grid load over three days under s-DOA and c-DOA with the actual load — cf. [WMN14] Fig. 6", out)
    return out


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
            why=("the paper's SCE 2011 load traces are unavailable (CAISO 2014 is used, each day normalized to [0, 1], "
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
        why="each day is normalized to [0, 1] over its own window (§3.5 normalize_over = window), which removes the "
            "level difference between a hot and a typical day, so the two days give almost the same PR"))
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
        why=f"DOA does not settle onto COA: with ε = 0.2 and δ = 0.05 (calibrated) its inner loop stops after "
            f"{inner:.2f} broadcasts per slot on average (hot day), so its price stays {100 * lam_rel:.0f} % away from "
            "COA's λ* on average and its load differs from COA's all day (hence its higher PR)"))
    out.checks.append(Check(
        "DOA–COA gap larger on the hot day", "larger on hot", f"mean |L_doa − L_coa|/L_coa: hot {num(mgap['hot'])}, "
        f"typical {num(mgap['typical'])}", mgap["hot"] > mgap["typical"], criterion="mean relative gap hot > typical (calibrated)",
        why="per-day normalization (§3.5) makes the two days alike"))
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


def w6_sizes(ctx):
    return (200,) if ctx.quick else (200, 500, 1000)


def w6_runs(ctx):
    return [RunSpec("demand", f"w6_n{n}_{a}", f"inputs/demand_w6_n{n}_{a}.yaml", ("-output_agents", "all"))
            for n in w6_sizes(ctx) for a in ("coa", "doa", "dpa")]


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
    vals = {}
    for n in sizes:
        R = {a: open_run(runs[f"w6_n{n}_{a}"]) for a in ("coa", "doa", "dpa")}
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
    p_best = all(vals[(n, "coa")]["P"] <= min(vals[(n, "doa")]["P"], vals[(n, "dpa")]["P"]) for n in sizes)
    u_dpa = all(vals[(n, "dpa")]["U"] >= max(vals[(n, "coa")]["U"], vals[(n, "doa")]["U"]) and
                vals[(n, "dpa")]["U"] <= 1.10 * max(vals[(n, "coa")]["U"], vals[(n, "doa")]["U"]) for n in sizes)
    ct = [max(vals[(n, a)]["CT"] for a in ("coa", "doa", "dpa")) / min(vals[(n, a)]["CT"] for a in ("coa", "doa", "dpa"))
          for n in sizes]

    n0 = sizes[-1]
    Rl = {a: open_run(runs[f"w6_n{n0}_{a}"]) for a in ("coa", "doa", "dpa")}
    lam_rel = float(np.mean(np.abs(series(Rl["doa"], "lambda") - series(Rl["coa"], "lambda"))) /
                    np.mean(series(Rl["coa"], "lambda")))
    energy = {a: float(np.sum(series(Rl[a], "load"))) for a in Rl}
    lvar = {a: float(np.var(series(Rl[a], "load"))) for a in Rl}

    def per_n(key, algs=("coa", "doa", "dpa")):
        return "; ".join(f"N={n}: " + "/".join(num(vals[(n, a)][key]) for a in algs) for n in sizes)

    out.checks += [
        Check("V̄: COA best", "COA best", per_n("V") + " (COA/DOA/DPA)", v_best, criterion="COA's V̄ ≤ DOA's and DPA's at every N",
              why="DOA's or DPA's V̄ is below COA's"),
        Check("V̄: DOA close to COA", "close", per_n("V"), v_close,
              criterion="V̄_DOA − V̄_COA ≤ 25 % of V̄_DPA − V̄_COA at every N", why="DOA's V̄ is far from COA's"),
        Check("P̄: COA best", "COA best", per_n("P") + " (COA/DOA/DPA)", p_best, criterion="COA's P̄ ≤ DOA's and DPA's at every N",
              why=f"DOA's peak is lower than COA's, as its PR in W5: at ε = 0.2, δ = 0.05 (calibrated) doa's price stays "
                  f"{100 * lam_rel:.0f} % away from COA's λ* on average (N = {n0}), so it does not play the per-slot "
                  "optimum COA plays"),
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
    axes[0].legend(fontsize=7)
    fig.suptitle("[WMN14] Table I quantities, hot day, preset calibrated")
    fig.set_layout_engine("constrained")
    ctx.figure(fig, "W6_table1", "Table I quantities per N for the trace, COA, DOA and DPA — cf. [WMN14] Table I", out)
    return out


def w7_horizons(ctx):
    return (96, 192) if ctx.quick else (96, 192, 288)


def w7_long(ctx):
    return () if ctx.quick else tuple(96 * d for d in range(1, 8))


def w7_runs(ctx):
    specs = [RunSpec("demand", f"w7_{a}_T{T}", f"inputs/demand_w7_{a}.yaml", ("-steps", str(T)))
             for T in w7_horizons(ctx) for a in ("coa", "doa", "offline")]
    specs += [RunSpec("demand", f"w7_{a}_7d_T{T}", f"inputs/demand_w7_{a}.yaml",
                      ("-demand_days", "7", "-demand_day", "2014-09-16", "-steps", str(T)))
              for T in w7_long(ctx) for a in ("coa", "doa")]
    return specs


def objective_J(run: Run) -> float:
    """Prob-OFF's objective J (§10, per_user variance, per_capita cost) of the decisions in a run file."""
    pa = run.problem_attrs
    if str(pa.get("variance_mode", "per_user")) != "per_user" or str(pa.get("cost_scaling", "per_capita")) != "per_capita":
        raise MissingData(f"{run.path.name}: J is recomputed for per_user / per_capita only")
    p = user_decisions(run)
    N = p.shape[1]
    a, b, c, alpha = (float(pa[k]) for k in ("a", "b", "c", "alpha"))
    L = series(run, "load")
    cost = np.sum(N * (a * (L / N) ** 2 + b * L / N + c))
    return float(np.sum(series(run, "utility")) - cost - 0.5 * alpha * np.sum((p - p.mean(axis=0)) ** 2))


def w7(ctx, runs) -> Outcome:
    out = Outcome()
    Ts = w7_horizons(ctx)
    t = Table("W7", "Optimality gap (J_OFF* − J)/|J_OFF*| versus the horizon T, CAISO SCE 2014-09-16..18, N = 20, paper_params",
              ["T", "J_OFF* (offline run)", "J_OFF* (reference in the coa run)", "J coa", "J doa", "gap coa", "gap doa"])
    gaps = {"coa": [], "doa": []}
    for T in Ts:
        off = open_run(runs[f"w7_offline_T{T}"])
        joff = objective_J(off)
        jref = float(open_run(runs[f"w7_coa_T{T}"]).root_attrs.get("demand_J_offline", math.nan))
        row = [T, joff, jref]
        js = {a: objective_J(open_run(runs[f"w7_{a}_T{T}"])) for a in ("coa", "doa")}
        for a in ("coa", "doa"):
            gaps[a].append((joff - js[a]) / abs(joff))
        t.rows.append(row + [js["coa"], js["doa"], gaps["coa"][-1], gaps["doa"][-1]])
    out.tables.append(t)
    dec = {a: all(g2 < g1 for g1, g2 in zip(gaps[a], gaps[a][1:])) for a in gaps}
    long = w7_long(ctx)
    ref = open_run(runs[f"w7_coa_7d_T{long[-1]}"] if long else runs[f"w7_coa_T{Ts[-1]}"])
    N = users_of(ref)
    days = ref.steps // 96
    level = [float(np.mean(series(ref, "agl")[96 * d:96 * d + 96]) / N) for d in range(days)]
    phat_end = [float(series(ref, "phat_mean")[96 * d + 95]) for d in range(days)] if ref.has("phat_mean") else []
    out.checks.append(Check(
        "optimality gap decreases with T", "decreases", f"coa {listing(gaps['coa'])}; doa {listing(gaps['doa'])} "
        f"(T = {listing(Ts)})", dec["coa"] and dec["doa"], criterion="strictly decreasing over the horizons, coa and doa",
        why=f"the gap does not shrink over the horizons dodge can run on these traces ({listing([gaps['coa'][0], gaps['coa'][-1]])} "
            f"for coa at T = {Ts[0]}, {Ts[-1]}): Theorem 1 is asymptotic, and here the daily load level drifts (mean AGL "
            f"per user and day {listing(level)} on the {days}-day instance) while the users' running means p̂ (step "
            f"α/(t+α)) move slowly ({listing(phat_end)} at the end of each day), so the online decisions stay anchored to "
            "past consumption and the clairvoyant Prob-OFF keeps an advantage of a few per cent"))
    if long:
        t2 = Table("W7_long", "The same gap over a 7-day instance (-demand_days 7 from 2014-09-16; J_OFF* is the reference "
                   "Prob-OFF solve inside each run, J recomputed from the run's decisions) — dodge's addition",
                   ["T", "days", "J_OFF*", "gap coa", "gap doa"])
        lg = {"coa": [], "doa": []}
        for T in long:
            row = [T, T // 96]
            joff = None
            for a in ("coa", "doa"):
                r = open_run(runs[f"w7_{a}_7d_T{T}"])
                joff = float(r.root_attrs.get("demand_J_offline", math.nan))
                lg[a].append((joff - objective_J(r)) / abs(joff))
            t2.rows.append(row + [joff, lg["coa"][-1], lg["doa"][-1]])
        out.tables.append(t2)
        out.checks.append(Check(
            "gap over 1–7 days (dodge's addition)", "decreases", f"coa {listing(lg['coa'])}", all(
                g2 < g1 for g1, g2 in zip(lg["coa"], lg["coa"][1:])), kind="info",
            criterion="strictly decreasing (reported only)"))
    else:
        lg = None
    out.headline = f"gap coa {listing(gaps['coa'])}, doa {listing(gaps['doa'])} at T = {listing(Ts)}"
    fig, axes = new_figure(1, height=3.4)
    ax = axes[0]
    ax.plot(Ts, 100 * np.array(gaps["coa"]), "o-", color=COLORS["coa"], label="coa (3-day instance)")
    ax.plot(Ts, 100 * np.array(gaps["doa"]), "s--", color=COLORS["doa"], label="doa (3-day instance)")
    if lg:
        ax.plot(long, 100 * np.array(lg["coa"]), "o:", color="tab:purple", ms=3, label="coa (7-day instance)")
        ax.plot(long, 100 * np.array(lg["doa"]), "s:", color="tab:brown", ms=3, label="doa (7-day instance)")
    ax.set_xlabel("horizon T [15-min slots]")
    ax.set_ylabel("optimality gap [%]")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.suptitle("(J_OFF* − J)/|J_OFF*| versus T, N = 20, paper_params")
    ctx.figure(fig, "W7_gap", "Optimality gap of coa and doa against Prob-OFF versus the horizon — cf. Theorem 1 of [WMN13]", out)
    return out


# ---------------------------------------------------------------------------------------------------
# The experiment table (algorithms.md §14)
# ---------------------------------------------------------------------------------------------------

EXPERIMENTS = [
    Experiment("Z1", "[ZWL25]", "Fig. 1", "switching3, n = 6", "three switching graphs, jointly connected", z1_runs, z1),
    Experiment("Z2", "[ZWL25]", "Fig. 2", "dispatch/synthetic, N = 6, T = 1000, pdct S1/S2/S3",
               "all sublinear; violation vanishes quickly; insensitive to steps", z2_runs, z2),
    Experiment("Z3", "[ZWL25]", "Fig. 3", "same, pdct S2 vs li2022",
               "both sublinear; pdct better in regret and violation", z3_runs, z3),
    Experiment("Z4", "[ZWL25]", "Fig. 4", "AEMO series", "price and demand of the five regions", z4_runs, z4),
    Experiment("Z5", "[ZWL25]", "Figs. 5–9", "dispatch/aemo per region, N = 6, switching3, pdct S2 vs li2022",
               "Reg/T, Vio/T → 0, pdct faster; early fluctuations (random init), smaller ones at demand peaks and troughs",
               z5_runs, z5),
    Experiment("Z6", "[ZWL25]", "Table 1", "pdct wall time, T = 2880",
               "MATLAB R2023b, AMD Ryzen 7 1.80 GHz, 16 GB: NSW 45.54 s, QLD 38.85 s, SA 43.22 s, VIC 39.01 s, TAS 39.85 s "
               "(reference, not a target)", z6_runs, z6),
    Experiment("W1", "[WMN14]", "Fig. 3", "doa, slot 8, λ^k vs k, δ ∈ {0.05, 0.15, 0.25}",
               "0.25 large perturbation; 0.05 slowest; 0.15 fastest, ≈10 exchanges", w1_runs, w1, optional=True),
    Experiment("W2", "[WMN14], [WMN13c]", "Fig. 4; Fig. 1", "p̂_i(t), coa vs doa, users 7, 12, 13",
               "both converge; doa slower, more variance; coincide in last slots", w2_runs, w2, optional=True),
    Experiment("W3", "[WMN14]", "Fig. 5", "λ_final(t) over 24 h",
               "convergent trend; consecutive λ correlated (motivates warm start)", w3_runs, w3, optional=True),
    Experiment("W4", "[WMN14]", "Fig. 6", "doa separate vs consecutive, 3 days",
               "days 1–2 similar, day 3 lower; c-DOA better on days 2–3", w4_runs, w4, optional=True),
    Experiment("W5", "[WMN14], [WMN13c]", "Figs. 7–8; Fig. 2", "AGL and L(t), coa/doa/dpa, hot and typical day",
               "hot PR COA/DOA 31.7 and 29.8 % (order ambiguous), DPA 10.9 %; typical COA 23.9 %, DOA 23.9 %, DPA 12.9 %; "
               "DOA reaches COA after several slots, gap larger on the hot day; COA/DOA cut the hot peak more, DPA the "
               "typical one", w5_runs, w5, optional=True),
    Experiment("W6", "[WMN14]", "Table I", "N = 200, 500, 1000, hot day; trace, coa, doa, dpa",
               "V̄ and P̄: COA best, DOA close; Ū: DPA slightly better; C_T similar", w6_runs, w6, optional=True),
    Experiment("W7", "[WMN13]", "Theorem 1", "offline vs coa/doa", "optimality gap decreases with T", w7_runs, w7,
               optional=True),
]


# [ECS] E1-E5 live in their own file (exp_ecs.py), which imports this module's records.
from .exp_ecs import ECS_EXPERIMENTS  # noqa: E402

EXPERIMENTS += ECS_EXPERIMENTS

def verdict(checks: list[Check]) -> str:
    shape = [c for c in checks if c.kind == "shape" and not c.holds]
    number = [c for c in checks if c.kind == "number" and not c.holds]
    reasons = []
    for c in shape + number:
        if c.why and c.why not in reasons:
            reasons.append(c.why)
    if shape:
        return "differs — because " + "; ".join(reasons)
    if number:
        return "qualitatively matches — the numbers differ because " + "; ".join(reasons)
    return "matches"


def short_verdict(v: str) -> str:
    return v.split(" — ")[0]


# ---------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------

def machine() -> dict:
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2 ** 20:.1f} GiB"
    except OSError:
        pass
    osname = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return {"cpu": cpu_model(), "cpus": os.cpu_count(), "memory": mem, "os": osname}


def tool_version(cmd: list[str]) -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


def git_info() -> dict:
    def git(*a):
        try:
            p = subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True, timeout=30)
            return p.stdout.strip() if p.returncode == 0 else ""
        except OSError:
            return ""
    status = git("status", "--porcelain")
    return {"commit": git("rev-parse", "HEAD") or "unknown",
            "changed": len([ln for ln in status.splitlines() if ln.strip()]) if status else 0}


def write_markdown(ctx, results, info, path: Path) -> None:
    out = ["# dodge: reproduction of the papers' experiments", "",
           "Generated by `postprocess/reproduce` (code in `postprocess/dodgepp/reproduce.py`): it runs every experiment of "
           "[`algorithms.md`](algorithms.md) §14 that dodge supports, measures dodge's numbers from the run files and sets them beside "
           "what the papers report. Only qualitative shapes are expected to match (§14): the papers leave coefficients, "
           "step sizes and data details unrecoverable, and dodge fills them with the [chosen] values of the spec. "
           "Nothing was tuned to match.", "",
           "| | |", "|---|---|",
           f"| date | {info['date']} |",
           f"| command | `{info['command']}` |",
           f"| mode | {'quick (short horizons: for tests, not for reading)' if ctx.quick else 'full'} |",
           f"| machine | {info['machine']['cpu']}, {info['machine']['cpus']} CPUs, {info['machine']['memory']}, "
           f"{info['machine']['os']} |",
           f"| MPI | {info['mpi']}, {ctx.ranks} ranks per run |",
           f"| repository | commit `{info['git']['commit']}`"
           + (f" with {info['git']['changed']} uncommitted change(s) in the working tree" if info["git"]["changed"] else "")
           + " |",
           f"| dodge | `{info['dodge']}`, version {info['dodge_version']}; git hash in its run files {info['dodge_git']} "
           "(recorded when the build was configured) |",
           f"| run files | `{info['out']}` (one HDF5 file, log and command per run) |", "",
           "## How the verdicts are decided", "",
           "Each experiment lists the paper's claims as checks, each with a measured value and an explicit criterion. "
           "A verdict is **matches** when every check holds, **qualitatively matches** when every shape check holds but "
           "some of the paper's numbers are not reproduced, and **differs — because …** when a shape check fails; the "
           "reason names the cause with the numbers behind it. Checks marked *info* do not enter the verdict.", "",
           f"Sublinearity is measured on the averaged curves x(t) = Reg(t)/t, Vio(t)/t, Vio⁺(t)/t (§12) by the decay "
           f"exponent q̂ = log₅(M₁/M₂), M₁ = max |x| over t ∈ [T/10, T/5], M₂ = max |x| over [T/2, T]; a curve "
           f"x(t) ~ t^−q gives q̂ = q, and q̂ ≥ {DECAY_MIN} counts as decreasing (∞: zero over the second half). Vio "
           "lets slack steps cancel violated ones, Vio⁺ does not; both are reported.", "",
           "## Summary", "",
           "| id | paper | item | the paper reports | dodge measures | verdict |", "|---|---|---|---|---|---|"]
    for exp, oc in results:
        out.append(f"| [{exp.id}](#{exp.id.lower()}) | {exp.paper} | {exp.item} | {cell(exp.reported)} | "
                   f"{cell(oc.headline or '—')} | **{cell(short_verdict(oc.verdict))}** |")
    out.append("")
    for exp, oc in results:
        out += [f"## {exp.id}", "", f"*{exp.paper} {exp.item}* — run: {md(exp.run)}.", "",
                f"**The paper reports:** {md(exp.reported)}.", ""]
        if oc.status != "ran":
            out += [f"**Verdict: {md(oc.verdict)}.**", ""]
            out += [f"- {md(n)}" for n in oc.notes] + [""]
        else:
            out += [f"**dodge measures:** {md(oc.headline)}.", "", f"**Verdict: {md(oc.verdict)}.**", ""]
            if oc.checks:
                out += ["| claim | paper | dodge (measured) | criterion | holds |", "|---|---|---|---|---|"]
                for c in oc.checks:
                    mark = "yes" if c.holds else "**no**"
                    if c.kind == "info":
                        mark += " (info)"
                    elif c.kind == "number":
                        mark += " (number)"
                    out.append(f"| {cell(c.claim)} | {cell(c.paper)} | {cell(c.dodge)} | {cell(c.criterion)} | {mark} |")
                out.append("")
            for t in oc.tables:
                out += t.markdown()
            for n in oc.notes:
                out += [md(n), ""]
            for caption, fig in oc.figures:
                out += [f"![{Path(fig).stem}]({fig})", "", f"*{md(caption)}.*", ""]
        runs = info["runs"].get(exp.id, [])
        if runs:
            out += ["<details><summary>runs</summary>", ""]
            for r in runs:
                state = "ok" if r["ok"] else f"FAILED ({r['error']})"
                out.append(f"- `{r['file']}` ({state}, {r['seconds']:.2f} s): `{r['command']}`")
            out += ["", "</details>", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="reproduce", description="Run the experiments of algorithms.md §14 that dodge "
                                "supports and write docs/results.md (papers' numbers beside dodge's, verdicts, figures).")
    p.add_argument("--dodge", default="build/app/dodge", help="the dodge binary (default build/app/dodge)")
    p.add_argument("--ranks", type=int, default=2, help="MPI ranks per run (default 2)")
    p.add_argument("--out", default="out/reproduce", type=Path, help="run files (HDF5, logs, results.json)")
    p.add_argument("--docs", default="docs", type=Path, help="writes DOCS/results.md and DOCS/results/*.png")
    p.add_argument("--only", help="comma-separated experiment ids, e.g. Z2,Z3,W5 (default: all)")
    p.add_argument("--quick", action="store_true", help="short horizons and fewer runs (tests)")
    p.add_argument("--reuse", action="store_true",
                   help="reuse complete run files of the same command from an earlier call (re-rendering only)")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    return p.parse_args(argv)


def resolve_binary(s: str) -> Path:
    p = Path(s)
    for cand in (p, REPO / p):
        if cand.is_file() and os.access(cand, os.X_OK):
            return cand.resolve()
    found = shutil.which(s)
    if found:
        return Path(found)
    raise SystemExit(f"reproduce: error: dodge binary '{s}' not found (build it, e.g. cmake --preset release && "
                     "cmake --build --preset release, or pass --dodge)")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for e in EXPERIMENTS:
            print(f"{e.id:3s} {e.paper} {e.item}: {e.run}")
        return 0
    selected = EXPERIMENTS
    if args.only:
        ids = [s.strip().upper() for s in args.only.split(",") if s.strip()]
        unknown = [i for i in ids if i not in {e.id for e in EXPERIMENTS}]
        if unknown:
            raise SystemExit(f"reproduce: error: unknown experiment(s) {', '.join(unknown)}; "
                             f"known: {', '.join(e.id for e in EXPERIMENTS)}")
        selected = [e for e in EXPERIMENTS if e.id in ids]
    if args.ranks < 1:
        raise SystemExit("reproduce: error: --ranks must be at least 1")
    ctx = Ctx(dodge=resolve_binary(args.dodge), ranks=args.ranks, out=args.out.resolve(), docs=args.docs.resolve(),
              quick=args.quick, reuse=args.reuse, mpiexec=shlex.split(os.environ.get("MPIEXEC") or "mpirun"))
    ctx.out.mkdir(parents=True, exist_ok=True)
    ctx.figdir.mkdir(parents=True, exist_ok=True)
    # Figures of the experiments about to run are redrawn; stale ones of a former layout must not linger.
    for png in ctx.figdir.glob("*.png"):
        if args.only is None or png.name.split("_")[0] in {e.id for e in selected}:
            png.unlink()

    runner = Runner(ctx)
    results, run_info = [], {}
    failed_required = []
    for exp in selected:
        print(f"reproduce: === {exp.id} ({exp.paper} {exp.item})", flush=True)
        specs = exp.runs(ctx)
        done = {s.name: runner.run(s) for s in specs}
        run_info[exp.id] = [{"name": s.name, "file": shown_path(done[s.name].path), "ok": done[s.name].ok,
                             "seconds": done[s.name].seconds, "command": s.shown(), "error": done[s.name].error}
                            for s in specs]
        bad = [r for r in done.values() if not r.ok]
        if bad:
            oc = Outcome(status="skipped" if exp.optional else "failed")
            what = "; ".join(f"`{r.spec.shown()}`: {r.error}" for r in bad[:3])
            if exp.optional:
                oc.verdict = f"not reproduced — {len(bad)} of {len(done)} scenario runs fail in this build of dodge"
                oc.notes.append(f"Skipped: the demand scenarios do not all run yet ({what}).")
            else:
                oc.verdict = f"not reproduced — dodge failed on {len(bad)} of {len(done)} runs"
                oc.notes.append(f"Failed runs: {what}.")
                failed_required.append(exp.id)
            oc.headline = "—"
            results.append((exp, oc))
            continue
        try:
            oc = exp.analyse(ctx, done)
            oc.verdict = verdict(oc.checks)
        except MissingData as e:
            oc = Outcome(status="skipped" if exp.optional else "failed", headline="—")
            oc.verdict = "not reproduced — the run files lack the data"
            oc.notes.append(f"{'Skipped' if exp.optional else 'Failed'}: {e}.")
            if not exp.optional:
                failed_required.append(exp.id)
        except Exception:  # an analysis bug must not hide the other experiments' results
            traceback.print_exc()
            oc = Outcome(status="failed", headline="—", verdict="not reproduced — the analysis raised an error")
            oc.notes.append("The analysis raised an error; see the reproduce output.")
            failed_required.append(exp.id)
        print(f"reproduce: {exp.id}: {short_verdict(oc.verdict)}", flush=True)
        results.append((exp, oc))

    first_ok = next((r for rs in runner.done.values() for r in [rs] if r.ok), None)
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["postprocess/reproduce"] + [shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)]),
        "machine": machine(), "mpi": tool_version([*ctx.mpiexec, "--version"]), "git": git_info(),
        "dodge": shown_path(ctx.dodge),
        "dodge_version": root_attr(first_ok.path, "dodge_version", "?") if first_ok else "?",
        "dodge_git": root_attr(first_ok.path, "git_hash", "?") if first_ok else "?",
        "out": shown_path(ctx.out), "runs": run_info,
    }
    md = ctx.docs / "results.md"
    write_markdown(ctx, results, info, md)
    payload = {"info": {k: v for k, v in info.items() if k != "runs"}, "quick": ctx.quick, "experiments": {}}
    for exp, oc in results:
        payload["experiments"][exp.id] = {
            "status": oc.status, "verdict": oc.verdict, "headline": oc.headline,
            "runs": {r["name"]: r["file"] for r in run_info.get(exp.id, [])},
            "run_files": {r["name"]: str(runner.done[(s.group, s.name)].path) for s in exp.runs(ctx)
                          for r in run_info.get(exp.id, []) if r["name"] == s.name},
            "run_seconds": {r["name"]: r["seconds"] for r in run_info.get(exp.id, [])},
            "checks": [c.__dict__ for c in oc.checks], "tables": {t.key: t.as_json() for t in oc.tables},
            "figures": [f for _, f in oc.figures]}
    (ctx.out / "results.json").write_text(json.dumps(payload, indent=1, default=jsonable))
    size = sum(p.stat().st_size for p in ctx.figdir.glob("*.png"))
    print(f"reproduce: wrote {md} and {len(list(ctx.figdir.glob('*.png')))} figures ({size / 2 ** 20:.2f} MiB) in "
          f"{ctx.figdir}; run files and results.json in {ctx.out}")
    if failed_required:
        print(f"reproduce: error: not reproduced: {', '.join(failed_required)}", file=sys.stderr)
        return 1
    return 0
