"""What every experiment of postprocess/reproduce shares: the records (RunSpec, Check, Table, Outcome,
Experiment, Ctx), formatting, reading run files, running dodge, the plot helpers, the run specifications
and measurements several experiments use (the synthetic microgrid, AEMO, demand), and the verdict rule.

Every number is recomputed from the HDF5 datasets or read from the run file's root attributes (never
parsed from dodge's printed text).
"""
from __future__ import annotations

import json
import math
import os
import platform
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from ..plotting import escape, new_figure, place_legend, save
from ..run import Run, RunError, text

REPO = Path(__file__).resolve().parents[3]
FIG_DPI = 80  # docs/results/*.png stay small (the whole set well under 3 MB)
REGIONS = ("NSW", "QLD", "SA", "VIC", "TAS")
PAPER_TIMES = {"NSW": 45.54, "QLD": 38.85, "SA": 43.22, "VIC": 39.01, "TAS": 39.85}  # [ZWL25] Table 1, s
COLORS = {"pdct": "tab:blue", "pdct1": "tab:green", "li2022": "tab:orange", "coa": "tab:blue",
          "doa": "tab:orange", "dpa": "tab:green", "offline": "k", "trace": "0.45"}
DECAY_MIN = 0.1  # q̂ at or above this: the averaged curve decreases (sublinear cumulative quantity)


class MissingData(Exception):
    """The run files lack what an analysis needs (e.g. a series the demand family does not write yet)."""


@dataclass(frozen=True)
class RunSpec:
    group: str  # folder under --out; experiments that share a group share its runs
    name: str  # file stem
    scenario: str | None  # inputs/*.yaml relative to the repository root
    options: tuple[str, ...] = ()
    ranks: int | None = None  # MPI ranks of this run (None: --ranks); scaling experiments set it per run

    def dodge_args(self) -> list[str]:
        args = ["-options_file", str(REPO / self.scenario)] if self.scenario else []
        return args + list(self.options)

    def shown(self) -> str:
        parts = (["mpirun", "-n", str(self.ranks)] if self.ranks else []) + ["dodge"] + (
            ["-options_file", self.scenario] if self.scenario else []) + list(self.options)
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
    formats: tuple[str, ...] = ("png",)  # --format: results.md links the first
    dpi: int = FIG_DPI  # --dpi of the PNGs

    @property
    def figdir(self) -> Path:
        return self.docs / "results"

    def figure(self, fig, name: str, caption: str, outcome: Outcome) -> None:
        path = save(fig, self.figdir / name, dpi=self.dpi, formats=self.formats)
        outcome.figures.append((caption, path.relative_to(self.docs).as_posix()))


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


class Runner:
    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.done: dict[tuple[str, str], RunResult] = {}

    def command(self, spec: RunSpec, path: Path) -> list[str]:
        return [*self.ctx.mpiexec, "-n", str(spec.ranks or self.ctx.ranks), str(self.ctx.dodge), *spec.dodge_args(),
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


def hline0(ax):
    ax.axhline(0.0, color="k", lw=0.6)


def day_axis(ax, hours: np.ndarray, label="time [h]"):
    ax.set_xlabel(label)
    if hours.size and hours[-1] > 30:
        for d in range(24, int(hours[-1]) + 1, 24):
            ax.axvline(d, color="0.7", lw=0.6, ls=":")


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
    place_legend(axes[0], fontsize=8)
    axes[-1].set_xlabel(escape(runs_labels[0][0].info("time").axis_label()))
    fig.suptitle(escape(title))
    ctx.figure(fig, name, caption, out)


def spread_check(finals: list[float], curves: list[np.ndarray]) -> tuple[float, float]:
    """(spread of the final values, common scale = max over runs of max_{t ≥ T/10} |x(t)|)."""
    scale = max(float(np.nanmax(np.abs(c[len(c) // 10:]))) for c in curves)
    return max(finals) - min(finals), scale


def aemo_steps(ctx) -> tuple[str, ...]:
    return ("-steps", "288") if ctx.quick else ()


def aemo_pdct(ctx, region, kappa="n") -> RunSpec:
    return RunSpec("aemo", f"pdct_{region.lower()}_k{'n' if kappa == 'n' else '1'}",
                   f"inputs/aemo_{region.lower()}.yaml", (("-pdct_kappa", "one") if kappa != "n" else ()) + aemo_steps(ctx))


def aemo_li(ctx, region) -> RunSpec:
    return RunSpec("aemo", f"li2022_{region.lower()}", f"inputs/aemo_{region.lower()}_li2022.yaml", aemo_steps(ctx))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


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


def verdict(checks: list[Check]) -> str:
    """matches / qualitatively matches / differs — because …, from the shape and number checks; an
    experiment whose checks are all informative (e.g. wall times, which depend on the machine and its
    load) is "reported — not judged", never "matches"."""
    if checks and all(c.kind == "info" for c in checks):
        return ("reported — not judged: every quantity here depends on the machine and its load, so it is "
                "reported beside the paper's without a verdict")
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



TIE_RTOL = 1e-9  # two measured values this close (relative to the larger, or both 0) are a tie


def ranking(a: float, b: float, rtol: float = TIE_RTOL) -> str:
    """'better' when a < b, 'worse' when a > b, 'tie' when they agree to rtol (e.g. both 0): a tie is
    reported as a tie and neither confirms nor contradicts a claim that a is smaller."""
    if abs(a - b) <= rtol * max(abs(a), abs(b)) or (a == 0.0 and b == 0.0):
        return "tie"
    return "better" if a < b else "worse"


def tally(outcomes: dict) -> str:
    """'better in NSW, QLD; tie in SA; worse in —' from {key: ranking}."""
    parts = []
    for word in ("better", "tie", "worse"):
        keys = [str(k) for k, v in outcomes.items() if v == word]
        parts.append(f"{word} in {', '.join(keys) if keys else '—'}")
    return "; ".join(parts)


def run_eps(run: Run) -> float:
    """The doa/dpa stopping tolerance ε the run used (/inputs/algorithm/eps; nan when absent)."""
    with h5py.File(run.path, "r") as f:
        return float(f["inputs/algorithm/eps"][0]) if "inputs/algorithm/eps" in f else math.nan


def normalization(run: Run) -> str:
    """How the run normalized its load trace (§3.5): 'window', 'file' or '?'."""
    return str(run.problem_attrs.get("normalize_over", "?"))
