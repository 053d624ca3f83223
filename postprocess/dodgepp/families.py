"""Figure sets and extra summary quantities per problem family, picked by the root attribute `problem`.

Adding a family (e.g. `demand`, with load/AGL/lambda/inner_iterations series) means writing its figure
functions here and adding one entry to FAMILIES; report needs no change. A problem without an entry
gets the figures common to every (2.1) family.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from matplotlib.figure import Figure

from .plotting import (SkipFigure, escape, exact_to_rounding, new_figure, place_legend, plot_series, positive_only,
                       require, time_axis, titled, transient_dominates)
from .run import Run
from .summary import Quantity, per_step


@dataclass(frozen=True)
class FigureSpec:
    name: str  # file stem of the PNG
    title: str
    draw: Callable[[Run], Figure]  # raises SkipFigure when the run lacks the data


@dataclass(frozen=True)
class Family:
    figures: tuple[FigureSpec, ...]
    quantities: tuple[Quantity, ...] = ()


# Figures common to every (2.1) family -----------------------------------------------------------------

def regret_figure(run: Run) -> Figure:
    require(run, "regret_avg")
    fig, (ax,) = new_figure()
    y = run.series("regret_avg")
    log = transient_dominates(y)
    plot_series(ax, run, "regret_avg", positive_only(y) if log else y, label=r"$\mathrm{Reg}(t)/t$")
    if log:
        ax.set_yscale("log")
    else:
        ax.axhline(0.0, color="k", lw=0.6)
    ax.set_ylabel(escape(f"Reg(t)/t, mean per step\n[{run.info('regret_avg').units}]"))
    if run.cost_to_dollars != 1.0:
        # The same curve read in dollars per step: a second scale, not a second curve.
        c = run.cost_to_dollars
        dollars = run.info("regret_dollars").units if run.has("regret_dollars") else "$"
        right = ax.secondary_yaxis("right", functions=(lambda y: y * c, lambda y: y / c))
        right.set_ylabel(escape(f"Reg(t)/t [{dollars} per step]"))
    place_legend(ax)
    return titled(fig, run, "Dynamic regret per step")


def violation_figure(run: Run) -> Figure:
    require(run, "violation_avg")
    if run.usable("constraint") and run.usable("constraint_abs"):
        # An exact solver meets the constraint to rounding: a plot of that would show only noise.
        # Slack steps (Σ g < 0) are not violation: only the positive part, against the constraint's rounding scale.
        exact_to_rounding(np.maximum(run.series("constraint"), 0.0), run.series("constraint_abs"),
                          "the coupled constraint holds to rounding at every step (an exact solver): Vio and Vio⁺ are rounding only")
    fig, (ax,) = new_figure()
    steps = np.arange(1, run.steps + 1)
    vio = run.series("violation_avg")
    vplus = run.series("violation_plus") / steps if run.usable("violation_plus") else None
    log = transient_dominates(vio if vplus is None else vplus)
    shown = positive_only if log else (lambda v: v)
    plot_series(ax, run, "violation_avg", shown(vio), label=r"$\mathrm{Vio}(t)/t$")
    if vplus is not None:
        plot_series(ax, run, "violation_plus", shown(vplus), label=r"$\mathrm{Vio}^{+}(t)/t$", ls="--")
    if log:
        ax.set_yscale("log")
    else:
        ax.axhline(0.0, color="k", lw=0.6)
    ax.set_ylabel(escape(f"Vio(t)/t, Vio⁺(t)/t, mean per step\n[{run.info('violation_avg').units}]"))
    base = run.problem_attrs.get("power_base_MW")
    if base is not None:
        # Vio and Vio⁺ in MW beside the per-unit scale: S_b (algorithms.md §2.1).
        b = float(base)
        right = ax.secondary_yaxis("right", functions=(lambda y: y * b, lambda y: y / b))
        right.set_ylabel("Vio(t)/t, Vio⁺(t)/t [MW]")
    place_legend(ax)
    return titled(fig, run, "Constraint violation per step")


def consensus_figure(run: Run) -> Figure:
    require(run, "consensus_mu_max")
    if not np.any(run.series("consensus_mu_max") > 0):
        raise SkipFigure("exact: consensus_mu_max is never positive (the multipliers agree exactly)")
    if run.usable("mu_mean"):
        # A coordinator's one price, or agents that agree up to rounding: the curve would plot noise.
        exact_to_rounding(run.series("consensus_mu_max"), np.abs(run.series("mu_mean")),
                          "the multipliers agree to rounding at every step (one shared price)")
    fig, (ax,) = new_figure()
    for name, label in (("consensus_mu_max", r"$\max_i |\mu_{i,t} - \bar\mu_t|$"),
                        ("consensus_mu_rms", r"$\mathrm{rms}_i (\mu_{i,t} - \bar\mu_t)$")):
        if run.usable(name):
            plot_series(ax, run, name, positive_only(run.series(name)), label=label)
    ax.set_yscale("log")
    ax.set_ylabel(escape(f"multiplier disagreement [{run.info('consensus_mu_max').units}]"))
    place_legend(ax, title="gaps: exact agreement (0)")
    return titled(fig, run, "Consensus error of the multipliers μ")


def oracle_mu_figure(run: Run) -> Figure:
    require(run, "oracle_mu")
    fig, (ax,) = new_figure()
    mu = run.series("oracle_mu")
    plot_series(ax, run, "oracle_mu", label=r"$\mu^*_t$ (oracle)")
    if run.usable("mu_mean"):
        plot_series(ax, run, "mu_mean", label=r"$\bar\mu_t = \mathrm{mean}_i\, \mu_{i,t}$", alpha=0.8)
    ax.set_ylabel(escape(f"multiplier [{run.info('oracle_mu').units}]"))
    place_legend(ax)
    binding = float(np.mean(mu > 0))
    return titled(fig, run, f"Oracle multiplier (binding at {100 * binding:.1f}% of steps)")


COMMON_FIGURES = (
    FigureSpec("regret_avg", "Reg(t)/t", regret_figure),
    FigureSpec("violation_avg", "Vio(t)/t", violation_figure),
    FigureSpec("consensus_mu", "μ consensus error", consensus_figure),
    FigureSpec("oracle_mu", "oracle multiplier", oracle_mu_figure),
)


# dispatch (algorithms.md §2) ---------------------------------------------------------------------------

def dispatch_figure(run: Run) -> Figure:
    require(run, "x_sum")
    if not (run.usable("demand_pu") or run.usable("constraint")):
        raise SkipFigure("neither /series/demand_pu nor /series/constraint has data")
    panels = 2 if run.usable("constraint") else 1
    fig, axes = new_figure(panels, height=3.0)
    plot_series(axes[0], run, "x_sum")
    demand_style = dict(color="k", ls="--")
    if run.usable("demand_pu"):
        plot_series(axes[0], run, "demand_pu", **demand_style)
    else:
        # Σ_i g_i = Σ_i d_i − Σ_i x_i (algorithms.md §2), so the demand the agents face is recovered
        # exactly where no demand series is written (the synthetic source has per-agent d_{i,t}).
        plot_series(axes[0], run, "constraint", run.series("constraint") + run.series("x_sum"),
                    label=r"$\sum_i d_{i,t}$ (constraint + x_sum)", **demand_style)
    axes[0].set_ylabel(escape(f"power [{run.info('x_sum').units}]"))
    place_legend(axes[0])
    if panels == 2:
        plot_series(axes[1], run, "constraint", color="tab:red")
        axes[1].axhline(0.0, color="k", lw=0.6)
        axes[1].set_ylabel(escape(f"shortfall [{run.info('constraint').units}]"))
        place_legend(axes[1])
        axes[0].set_xlabel("")
    return titled(fig, run, "Dispatch versus demand")


def price_figure(run: Run) -> Figure:
    require(run, "price")
    panels = 2 if run.usable("demand") else 1
    fig, axes = new_figure(panels, height=3.0)
    plot_series(axes[0], run, "price", color="tab:purple")
    axes[0].set_ylabel(escape(f"price [{run.info('price').units}]"))
    place_legend(axes[0])
    if panels == 2:
        plot_series(axes[1], run, "demand", color="tab:brown")
        axes[1].set_ylabel(escape(f"demand [{run.info('demand').units}]"))
        place_legend(axes[1])
        axes[0].set_xlabel("")
    return titled(fig, run, "Price and demand")


def _in_mw(name: str) -> Callable[[Run], float]:
    # S_b converts per-unit power to MW (algorithms.md §2.1); the synthetic source has none.
    def value(run: Run) -> float:
        base = run.problem_attrs.get("power_base_MW")
        return per_step(name)(run) * float(base) if base is not None else math.nan
    return value


_violation_mw = _in_mw("violation")


DISPATCH = Family(
    figures=COMMON_FIGURES + (
        FigureSpec("dispatch", "dispatch vs demand", dispatch_figure),
        FigureSpec("price", "price and demand", price_figure),
    ),
    quantities=(
        Quantity("violation_avg_MW", "Vio(T)/T in MW per step", _violation_mw, lambda run: "MW",
                 "Vio(T)/T times /inputs/problem power_base_MW (S_b)", conditional=True),
        Quantity("violation_plus_avg_MW", "Vio⁺(T)/T in MW per step", _in_mw("violation_plus"), lambda run: "MW",
                 "Vio⁺(T)/T times /inputs/problem power_base_MW (S_b)", conditional=True),
    ),
)

# demand (algorithms.md §3, §9, §12) ---------------------------------------------------------------------

def load_figure(run: Run) -> Figure:
    """Controlled load L(t) = Σ_i p_i(t) against the actual grid load AGL(t) = Σ_i d_i(t) (Figs. 7–8 of WMN14)."""
    require(run, "load", "agl")
    fig, (ax,) = new_figure()
    plot_series(ax, run, "agl", color="k", ls="--")
    plot_series(ax, run, "load", color="tab:blue")
    ax.set_ylabel(escape(f"load [{run.info('load').units}]"))
    place_legend(ax)
    return titled(fig, run, "Controlled load versus actual grid load")


PAPER_USERS = (7, 12, 13)  # [WMN14] Fig. 4, [WMN13c] Fig. 1 (1-based)


def decisions_figure(run: Run) -> Figure:
    """The recorded users' consumption p_i(t) and the users' mean smoothed demand p̂ (Fig. 4 of WMN14 shows
    p̂_i of single users; dodge records p_i per user and the mean of p̂)."""
    require(run, "phat_mean")
    import h5py  # local: only this figure reads /agents

    with h5py.File(run.path, "r") as f:
        if "agents/x" not in f:
            raise SkipFigure("no agents were recorded (-output_agents none)")
        x = f["agents/x"][...]
        steps = f["agents/record_step"][...]
        gids = f["agents/agent"][...]
    n_users = (run.agents or x.shape[1]) - 1  # the provider is the last agent (gid N)
    fig, (ax,) = new_figure()
    t_axis, _ = time_axis(run)
    users = [k for k in range(x.shape[1]) if gids[k] < n_users]
    # The paper's users 7, 12, 13 (1-based, gid = user - 1; [WMN14] Fig. 4) when recorded, else the first five.
    paper = [k for k in users if int(gids[k]) + 1 in PAPER_USERS]
    ok = steps <= run.steps
    for k in (paper or users[:5]):
        u = int(gids[k]) + 1
        ax.plot(t_axis[steps[ok] - 1], x[ok, k], lw=0.9, alpha=0.8, label=f"user {u}: $p_{{{u}}}(t)$")
    plot_series(ax, run, "phat_mean", color="k", ls="--", label=r"$\mathrm{mean}_i\, \hat p_i(t)$")
    ax.set_ylabel(escape(f"consumption [{run.info('phat_mean').units}]"))
    place_legend(ax)
    return titled(fig, run, "User consumption and the mean smoothed demand")


def lambda_figure(run: Run) -> Figure:
    """The price per slot (λ of the coordinator algorithms, users' mean price otherwise) and the oracle's."""
    name = "lambda_final" if run.usable("lambda_final") else "user_price"
    require(run, name)
    fig, (ax,) = new_figure()
    plot_series(ax, run, name, color="tab:purple")
    if run.usable("oracle_mu"):
        plot_series(ax, run, "oracle_mu", color="k", ls="--")
    ax.set_ylabel(escape(f"price [{run.info(name).units}]"))
    place_legend(ax)
    return titled(fig, run, "Price per slot")


def inner_figure(run: Run) -> Figure:
    require(run, "inner_iterations")
    fig, (ax,) = new_figure()
    plot_series(ax, run, "inner_iterations", color="tab:green", drawstyle="steps-mid")
    ax.set_ylabel("inner iterations")
    place_legend(ax)
    return titled(fig, run, "Coordinator inner iterations per slot")


def _peak_reduction(run: Run) -> float:
    # PR = 100 (max_t AGL − max_t L) / max_t AGL (§12), from the series.
    if not (run.usable("load") and run.usable("agl")):
        return math.nan
    agl = float(np.max(run.series("agl")))
    return 100.0 * (agl - float(np.max(run.series("load")))) / agl


def _par(run: Run) -> float:
    if not run.usable("load"):
        return math.nan
    L = run.series("load")
    return float(np.max(L) / np.mean(L))


DEMAND = Family(
    figures=COMMON_FIGURES + (
        FigureSpec("load", "load vs AGL", load_figure),
        FigureSpec("decisions", "user consumption and mean p-hat", decisions_figure),
        FigureSpec("lambda", "price per slot", lambda_figure),
        FigureSpec("inner_iterations", "inner iterations", inner_figure),
    ),
    quantities=(
        Quantity("peak_reduction_pct", "peak reduction PR", _peak_reduction, lambda run: "%",
                 "100 (max_t agl - max_t load) / max_t agl"),
        Quantity("par", "PAR", _par, lambda run: "1", "max_t load / mean_t load"),
    ),
)

# pev (algorithms.md §4) ------------------------------------------------------------------------------------

PEV_SHARE = 0.35  # |Σ_i x_i(k)| ≤ 0.35 N every hour (qp::kPevShare)


def _pev_profiles(run: Run):
    """/agents/x [record, agent, 24] and the record steps; SkipFigure unless every agent is recorded (the
    hourly limit is on the sum over all agents)."""
    import h5py  # local: only the pev figures read /agents

    with h5py.File(run.path, "r") as f:
        if "agents/x" not in f or f["agents/x"].ndim != 3:
            raise SkipFigure("no [record, agent, 24] decisions recorded (-output_agents none?)")
        x = f["agents/x"][...]
        steps = f["agents/record_step"][...]
    if run.agents is None or x.shape[1] != run.agents:
        raise SkipFigure(f"{x.shape[1]} of {run.agents} agents recorded; the hourly limit needs all (-output_agents all)")
    ok = steps <= run.steps
    return x[ok], steps[ok]


def pev_hourly_figure(run: Run) -> Figure:
    """Σ_i x_i(k) over the 24 hours at the first, middle and last recorded step, against ±0.35 N."""
    x, steps = _pev_profiles(run)
    fig, (ax,) = new_figure()
    hours = np.arange(1, x.shape[2] + 1)
    for r in sorted({0, len(steps) // 2, len(steps) - 1}):
        ax.step(hours, x[r].sum(axis=0), where="mid", label=f"step {int(steps[r])}")
    limit = PEV_SHARE * x.shape[1]
    for sign in (1, -1):
        ax.axhline(sign * limit, color="k", ls="--", lw=0.8)
    ax.set_xlabel("hour k")
    ax.set_ylabel("sum_i x_i(k) [per-unit]")
    place_legend(ax)
    return titled(fig, run, f"Aggregate hourly charging against the limit +-{limit:g}")


def _pev_overload(run: Run) -> float:
    """Largest hourly excess max_{t,k} (|Σ_i x_i(k)| − 0.35 N)_+ over the recorded steps."""
    try:
        x, _ = _pev_profiles(run)
    except SkipFigure:
        return math.nan
    total = np.abs(x.sum(axis=1))
    return float(max(0.0, (total - PEV_SHARE * x.shape[1]).max()))


PEV = Family(
    figures=COMMON_FIGURES + (FigureSpec("hourly", "aggregate hourly charging", pev_hourly_figure),),
    quantities=(
        Quantity("max_hourly_overload", "largest hourly overload", _pev_overload, lambda run: "per-unit",
                 "max over recorded steps and hours of (|sum_i x_i(k)| - 0.35 N)_+"),
    ),
)

# ecs (algorithms.md §5, §11): no (2.1) metrics; the played sample's schedule and the sigma_d sweep -------------

def ecs_schedule_figure(run: Run) -> Figure:
    """X^h, d^h and L^h of the played sample, and the scheme's price-like scalar (nu, z*, nu^h or tau^h)."""
    for name in ("X", "d", "L"):
        require(run, name)
    fig, axes = new_figure(2, height=2.8)
    for name, kw in (("d", dict(color="0.5")), ("X", dict(color="tab:blue")), ("L", dict(color="k"))):
        plot_series(axes[0], run, name, **kw)
    axes[0].set_ylabel("kWh")
    place_legend(axes[0])
    axes[0].set_xlabel("")
    if run.usable("price"):
        plot_series(axes[1], run, "price", color="tab:red")
        place_legend(axes[1])
    axes[1].set_ylabel("price [kWh]")
    return titled(fig, run, "Schedule of the played sample")


def _ecs_sweep(run: Run):
    import h5py  # local: only the ecs figures read /ecs

    with h5py.File(run.path, "r") as f:
        if "ecs/summary" not in f:
            raise SkipFigure("no /ecs/summary in the file")
        g = f["ecs/summary"]
        return {k: g[k][...] for k in g}, str(f["ecs"].attrs.get("sample_label", "sigma_d"))


def ecs_sweep_figure(run: Run) -> Figure:
    """Cost per kWh and PAR per sweep value (sigma_d, or the flexible share on trace data), with 95 % CIs."""
    v, label = _ecs_sweep(run)
    fig, axes = new_figure(2, height=2.6)
    for ax, key, ylabel in ((axes[0], "cost_per_kwh", "cost per kWh"), (axes[1], "par", "PAR")):
        ci = np.nan_to_num(v[key + "_ci95"])
        ax.errorbar(v["sigma"], v[key + "_mean"], yerr=ci, marker="o", ms=3, capsize=2, label=f"{run.algorithm}")
        if key == "par":
            ax.plot(v["sigma"], v["base_par_mean"], "k:", label="NA demand alone")
            place_legend(ax)
        ax.set_ylabel(ylabel)
    axes[1].set_xlabel(escape(label))
    return titled(fig, run, "Sweep means over replicates")


def _ecs_group_attr(run: Run, name: str) -> float:
    import h5py

    with h5py.File(run.path, "r") as f:
        return float(f["ecs"].attrs[name]) if "ecs" in f and name in f["ecs"].attrs else math.nan


# Recomputed from /series (L, X) and the /ecs attributes kappa and E_tot, not read from the summary attributes.
def _ecs_cost_per_kwh(run: Run) -> float:
    if not run.usable("L"):
        return math.nan
    L = run.series("L")
    return float(_ecs_group_attr(run, "kappa") * np.sum(L ** 2) / np.sum(L))


def _ecs_par(run: Run) -> float:
    if not run.usable("L"):
        return math.nan
    L = run.series("L")
    return float(np.max(L) / np.mean(L))


def _ecs_shortfall(run: Run) -> float:
    if not run.usable("X"):
        return math.nan
    return float(_ecs_group_attr(run, "E_tot") - np.sum(run.series("X")))


ECS = Family(
    figures=(FigureSpec("schedule", "schedule of the played sample", ecs_schedule_figure),
             FigureSpec("sweep", "cost per kWh and PAR over the sweep", ecs_sweep_figure)),
    quantities=(
        Quantity("ecs_cost_per_kwh", "cost per kWh (played sample)", _ecs_cost_per_kwh, lambda run: "kappa kWh",
                 "kappa (/ecs) sum_h L^2 / sum_h L over /series/L"),
        Quantity("ecs_par", "PAR (played sample)", _ecs_par, lambda run: "1", "max_h L / mean_h L over /series/L"),
        Quantity("ecs_shortfall", "shortfall (played sample)", _ecs_shortfall, lambda run: "kWh",
                 "E_tot (/ecs) - sum of /series/X"),
    ),
)

# The registry: root attribute `problem` -> figure set and extra quantities.
FAMILIES: dict[str, Family] = {
    "dispatch": DISPATCH,
    "demand": DEMAND,
    "pev": PEV,
    "ecs": ECS,
}

GENERIC = Family(figures=COMMON_FIGURES)


def family_of(run: Run) -> Family | None:
    """The run's family, or None when it has no entry (callers fall back to GENERIC and say so)."""
    return FAMILIES.get(run.problem)
