"""Plotting helpers shared by report and compare: figures without pyplot's global state, axis labels
from the datasets' long_name/units attributes, and a rule for which series read better on a log scale."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never look for a display (batch jobs, CI)

from matplotlib.figure import Figure  # noqa: E402  (after the backend is fixed)

import numpy as np  # noqa: E402

from .run import Run  # noqa: E402

# Series whose values span decades and are never negative: consensus and tracking errors.
LOG_SCALE_PREFIXES = ("consensus_", "tracking_error")


class SkipFigure(Exception):
    """A figure that cannot be drawn for this run; the message says why (shown to the user)."""


def escape(s: str) -> str:
    """Matplotlib reads text between two '$' as mathtext; units such as 'per-unit (C_b $/h)' and
    '$' would pair up in one label and fail to parse, so every '$' is drawn literally."""
    return s.replace("$", r"\$")


def new_figure(nrows: int = 1, height: float = 3.6) -> tuple[Figure, list]:
    fig = Figure(figsize=(8.0, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, 1, sharex=True, squeeze=False)[:, 0]
    for ax in axes:
        ax.grid(True, alpha=0.3)
    return fig, list(axes)


def require(run: Run, *names: str) -> None:
    """Raises SkipFigure unless every named series exists and has data."""
    for name in names:
        if not run.usable(name):
            raise SkipFigure(run.why_unusable(name))


def time_axis(run: Run) -> tuple[np.ndarray, str]:
    return run.series("time"), escape(run.info("time").axis_label())


def log_scaled(name: str) -> bool:
    return name.startswith(LOG_SCALE_PREFIXES)


def positive_only(values: np.ndarray) -> np.ndarray:
    """Zeros (e.g. exact consensus while every multiplier is 0) have no place on a log axis: drawn
    as gaps rather than letting matplotlib clip them to an arbitrary floor."""
    return np.where(values > 0, values, np.nan)


def plot_series(ax, run: Run, name: str, values: np.ndarray | None = None, label: str | None = None, **kw):
    """Draws /series/<name> (or values derived from it) against time, labelled by its long_name."""
    t, xlabel = time_axis(run)
    y = run.series(name) if values is None else values
    ax.plot(t, y, label=escape(label or run.info(name).long_name), lw=1.0, **kw)
    ax.set_xlabel(xlabel)


def titled(fig: Figure, run: Run, title: str) -> Figure:
    fig.suptitle(escape(f"{title} — {run.label()} ({run.stem})"))
    return fig


def save(fig: Figure, path: Path, dpi: int = 110) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
