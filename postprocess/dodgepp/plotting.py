"""Plotting helpers shared by report and compare: figures without pyplot's global state, axis labels
from the datasets' long_name/units attributes, and a rule for which series read better on a log scale."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never look for a display (batch jobs, CI)
# Figures fit for a paper: text in SVG stays text (editable, searchable) instead of paths, and PDF embeds
# TrueType (Type 42) fonts, which journals accept where they refuse Type 3.
matplotlib.rcParams.update({"svg.fonttype": "none", "pdf.fonttype": 42, "ps.fonttype": 42})

from matplotlib.figure import Figure  # noqa: E402  (after the backend is fixed)

import numpy as np  # noqa: E402

from .run import Run  # noqa: E402

# Series whose values span decades and are never negative: consensus and tracking errors.
LOG_SCALE_PREFIXES = ("consensus_", "tracking_error")


# What --format accepts; the first format named is the one summary.md / compare.md / results.md link to.
FORMATS = ("png", "pdf", "svg")


def parse_formats(value: str) -> tuple[str, ...]:
    """--format png,pdf,svg -> ('png', 'pdf', 'svg'); raises ValueError naming the bad entry."""
    names = [v.strip().lower().lstrip(".") for v in value.split(",") if v.strip()]
    if not names:
        raise ValueError("--format is empty; give one or more of " + ", ".join(FORMATS))
    bad = [n for n in names if n not in FORMATS]
    if bad:
        raise ValueError(f"--format {', '.join(bad)}: unknown figure format; give one or more of "
                         f"{', '.join(FORMATS)}, comma separated (e.g. --format png,pdf)")
    return tuple(dict.fromkeys(names))


def add_figure_options(parser, default_dpi: int) -> None:
    """--format and --dpi, the same in every tool; a bad value is an argparse error (exit 2, one line)."""
    def formats(value):
        try:
            return parse_formats(value)
        except ValueError as e:
            import argparse
            raise argparse.ArgumentTypeError(str(e).removeprefix("--format ")) from None

    def dpi(value):
        try:
            v = int(value)
        except ValueError:
            v = 0
        if not 10 <= v <= 2400:
            import argparse
            raise argparse.ArgumentTypeError(f"'{value}' is not a resolution in dots per inch (an integer in [10, 2400])")
        return v

    parser.add_argument("--format", type=formats, default=("png",), metavar="FMT[,FMT...]",
                        help="figure formats, any of " + ", ".join(FORMATS) + " (default png); PDF and SVG are "
                        "vector, with their text kept as text")
    parser.add_argument("--dpi", type=dpi, default=default_dpi, metavar="N",
                        help=f"resolution of PNG figures in dots per inch (default {default_dpi})")


class SkipFigure(Exception):
    """A figure that cannot be drawn for this run; the message says why (shown to the user)."""


def escape(s: str) -> str:
    """Matplotlib reads text between two '$' as mathtext; units such as 'per-unit (C_b $/h)' and
    '$' would pair up in one label and fail to parse, so every '$' is drawn literally."""
    return s.replace("$", r"\$")


def new_figure(nrows: int = 1, height: float = 3.6, sharex: bool = True) -> tuple[Figure, list]:
    """nrows panels of `height` inches, one above the other; sharex=False for panels with different x axes."""
    fig = Figure(figsize=(8.0, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, 1, sharex=sharex, squeeze=False)[:, 0]
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


def transient_dominates(values: np.ndarray, ratio: float = 20.0) -> bool:
    """A log scale when an early transient flattens the curve: positive values whose early peak is
    `ratio` times the level of the last half (a decaying Reg(t)/t or Vio(t)/t)."""
    v = values[np.isfinite(values)]
    if v.size < 10 or np.any(v < 0) or not np.any(v > 0):
        return False
    tail = v[v.size // 2:]
    level = float(np.median(tail[tail > 0])) if np.any(tail > 0) else 0.0
    return level > 0 and float(v.max()) > ratio * level


def exact_to_rounding(values: np.ndarray, scale: np.ndarray, what: str, rel: float = 1e-9) -> None:
    """Raises SkipFigure ('exact: ...') when |values| stays within rounding of scale at every step, so
    no figure plots rounding noise (a coordinator's consensus, an exact solver's violation)."""
    v, s = np.abs(values), np.abs(scale)
    ok = np.isfinite(v) & np.isfinite(s)
    if ok.any() and np.all(v[ok] <= rel * s[ok]):
        raise SkipFigure(f"exact: {what} (largest {float(v[ok].max()):.3g} against scale {float(s[ok].max()):.3g})")


def positive_only(values: np.ndarray) -> np.ndarray:
    """Zeros (e.g. exact consensus while every multiplier is 0) have no place on a log axis: drawn
    as gaps rather than letting matplotlib clip them to an arbitrary floor."""
    return np.where(values > 0, values, np.nan)


def plot_series(ax, run: Run, name: str, values: np.ndarray | None = None, label: str | None = None, **kw):
    """Draws /series/<name> (or values derived from it) against time, labelled by its long_name (drawn
    literally) or by `label` (the caller's text, which may be mathtext such as r'$\mathrm{Reg}(t)/t$')."""
    t, xlabel = time_axis(run)
    y = run.series(name) if values is None else values
    ax.plot(t, y, label=label if label is not None else escape(run.info(name).long_name), lw=1.0, **kw)
    ax.set_xlabel(xlabel)


def titled(fig: Figure, run: Run, title: str) -> Figure:
    fig.suptitle(escape(f"{title} — {run.label()} ({run.stem})"))
    return fig


def place_legend(ax, **kw):
    """A legend beside the axes, never over the data (constrained layout makes room for it)."""
    if not ax.get_legend_handles_labels()[0]:
        return None
    kw.setdefault("fontsize", 8)
    # Beyond a right-hand secondary axis (its ticks and label) when the axes has one.
    x = 1.16 if ax.child_axes else 1.01
    return ax.legend(loc="upper left", bbox_to_anchor=(x, 1.0), borderaxespad=0.0, **kw)


def save(fig: Figure, path: Path, dpi: int = 110, formats: tuple[str, ...] | None = None) -> Path:
    """Writes the figure as path (formats None) or as path with each suffix of formats; returns the
    first file written (the one documents link to)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    paths = [path] if formats is None else [path.with_suffix("." + f) for f in formats]
    for p in paths:
        fig.savefig(p, dpi=dpi, metadata=_metadata(p))
    return paths[0]


def stale(path: Path) -> None:
    """Removes a figure of an earlier call in every format, so it cannot pass for this run's."""
    for f in FORMATS:
        path.with_suffix("." + f).unlink(missing_ok=True)


def _metadata(path: Path) -> dict | None:
    # Reproducible vector files: no creation date (PDF) and no date/creator (SVG) that changes every call.
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return {"CreationDate": None}
    if suffix == ".svg":
        return {"Date": None}
    return None
