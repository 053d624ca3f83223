"""Read-only view of one dodge HDF5 file: its metadata, its status and its per-step series."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np


class RunError(Exception):
    """A file that cannot be postprocessed; the message names the file and says what to do."""


def text(value) -> str:
    """HDF5 string attributes read back as str or bytes depending on how they were written."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.size == 1:
        return text(value.item())
    return str(value)


@dataclass(frozen=True)
class SeriesInfo:
    """What a dataset says about itself: its name and its long_name/units attributes."""

    name: str
    long_name: str
    units: str

    def axis_label(self) -> str:
        return f"{self.long_name} [{self.units}]" if self.units else self.long_name


class Run:
    """One dodge output file.

    Metadata are read when the run is opened and the file is closed again; series are read on first
    use and cached, so many runs can be open at once without holding file handles. Every series is
    cut to the steps the run actually completed (`steps`).
    """

    def __init__(self, path: str | Path, *, allow_incomplete: bool = False):
        self.path = Path(path)
        if not self.path.exists():
            raise RunError(f"{path}: no such file")
        if not self.path.is_file():
            raise RunError(f"{path}: not a regular file")
        try:
            is_hdf5 = h5py.is_hdf5(self.path)
        except OSError as e:  # e.g. permission denied
            raise RunError(f"{path}: cannot read ({e})") from None
        if not is_hdf5:
            raise RunError(f"{path}: not an HDF5 file; give a file written by dodge -output_file")
        try:
            with h5py.File(self.path, "r") as f:
                self._read_metadata(f)
        except OSError as e:
            raise RunError(f"{path}: cannot read HDF5 file ({e})") from None
        if self.status != "complete" and not allow_incomplete:
            why = {"running": "the run never finished (still running, killed or out of time)",
                   "failed": "the run failed"}.get(self.status, "this is not a status dodge writes")
            raise RunError(
                f"{path}: run status is '{self.status}', not 'complete': {why}, so its results are "
                "not trustworthy; pass --allow-incomplete to postprocess the steps it wrote anyway")
        self._cache: dict[str, np.ndarray] = {}

    def _read_metadata(self, f: h5py.File) -> None:
        if "status" not in f.attrs or "series" not in f or "time" not in f["series"]:
            raise RunError(f"{self.path}: not a dodge output file (no root attribute 'status' "
                           "or no /series/time)")
        attrs = f.attrs
        self.status = text(attrs["status"])
        self.problem = text(attrs.get("problem", "unknown"))
        self.algorithm = text(attrs.get("algorithm", "unknown"))
        self.ranks = int(attrs["ranks"]) if "ranks" in attrs else None
        self.planned_steps = int(attrs["steps"]) if "steps" in attrs else None
        self.metrics_on = bool(attrs.get("metrics", 1))
        # A scale factor from per-unit cost rates to dollars (C_b·Δh, algorithms.md §2.1), not a result.
        self.cost_to_dollars = float(attrs.get("cost_to_dollars", 1.0))
        self.root_attrs = {k: attrs[k] for k in attrs}
        self.problem_attrs = _group_attrs(f, "inputs/problem")
        self.algorithm_attrs = _group_attrs(f, "inputs/algorithm")
        # The agent count from the data when /inputs was written; the shape alone, never the ids,
        # since a run may have millions of agents.
        if "inputs/agent_id" in f:
            self.agents = int(f["inputs/agent_id"].shape[0])
        else:
            self.agents = int(attrs["agents"]) if "agents" in attrs else None

        series = f["series"]
        self.series_names = sorted(k for k, d in series.items()
                                   if isinstance(d, h5py.Dataset) and d.ndim == 1)
        self._info = {k: SeriesInfo(k, text(series[k].attrs.get("long_name", k)),
                                    # CF units are UDUNITS ("1" for per-unit); dodge's own text labels axes
                                    text(series[k].attrs.get("display_units",
                                                             series[k].attrs.get("units", ""))))
                      for k in self.series_names}
        # The time axis in hours whatever its units say: dodge wrote 'h since <start>'; CF-style files say
        # 'minutes since ...' (or seconds, days). Every reader (axes, day ticks, compare) then sees hours.
        self._time_scale, time_units = _hours_scale(self._info["time"].units)
        self._info["time"] = SeriesInfo("time", self._info["time"].long_name, time_units)
        length = series["time"].shape[0]
        if self.status == "complete" or "step_time" not in series:
            self.steps = length
        else:
            # Parallel HDF5 pre-fills every series with NaN, so the steps an interrupted run never
            # wrote read back as NaN; step_time is written at every step whatever -metrics says.
            finite = np.isfinite(series["step_time"][...])
            self.steps = length if finite.all() else int(np.argmin(finite))

    # Identity -----------------------------------------------------------------------------------

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def region(self) -> str:
        return text(self.problem_attrs.get("region", ""))

    @property
    def source(self) -> str:
        return text(self.problem_attrs.get("source", ""))

    @property
    def scheme(self) -> str:
        return text(self.algorithm_attrs.get("scheme", ""))

    @property
    def kappa(self) -> str:
        """κ_N of pdct ('1' or 'n'), from /inputs/algorithm kappa (if written) or the algorithm description."""
        k = self.algorithm_attrs.get("kappa", self.algorithm_attrs.get("kappa_N"))
        if k is not None:
            return text(k)
        m = re.search(r"kappa_N = (\w+)", text(self.root_attrs.get("algorithm_description", "")))
        return m.group(1) if m else ""

    def label(self) -> str:
        """Short legend label from the metadata, e.g. 'pdct S2 κ_N=n NSW1 N=6': the scheme and κ_N identify a run."""
        parts = [self.algorithm, self.scheme, f"κ_N={self.kappa}" if self.kappa else "", self.region or self.source]
        if self.agents is not None:
            parts.append(f"N={self.agents}")
        return " ".join(p for p in parts if p)

    # Series -------------------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        return name in self._info

    def info(self, name: str) -> SeriesInfo:
        self._require(name)
        return self._info[name]

    def series(self, name: str) -> np.ndarray:
        """The series over the completed steps t = 1..steps (float64)."""
        self._require(name)
        if name not in self._cache:
            with h5py.File(self.path, "r") as f:
                self._cache[name] = np.asarray(f["series"][name][: self.steps], dtype=np.float64)
                if name == "time" and self._time_scale != 1.0:
                    self._cache[name] = self._cache[name] * self._time_scale
        return self._cache[name]

    def usable(self, name: str) -> bool:
        """True when the series exists and holds at least one finite value (False with -metrics false)."""
        return self.has(name) and bool(np.isfinite(self.series(name)).any())

    def why_unusable(self, name: str) -> str:
        if not self.has(name):
            return f"no /series/{name} in this file"
        if not self.metrics_on:
            return f"/series/{name} is all NaN: the run had -metrics false"
        return f"/series/{name} is all NaN"

    def _require(self, name: str) -> None:
        if name not in self._info:
            raise RunError(f"{self.path}: no series '{name}'; it has {', '.join(self.series_names)}")


_SINCE = {"h": 1.0, "hr": 1.0, "hour": 1.0, "hours": 1.0, "min": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60,
          "s": 1 / 3600, "sec": 1 / 3600, "second": 1 / 3600, "seconds": 1 / 3600, "d": 24.0, "day": 24.0, "days": 24.0}


def _hours_scale(units: str) -> tuple[float, str]:
    """'minutes since X' -> (1/60, 'h since X'); units without a 'since' (steps, slots) are kept as they are."""
    m = re.match(r"\s*(\w+)\s+since\s+(.*)", units)
    if not m or m.group(1).lower() not in _SINCE:
        return 1.0, units
    return _SINCE[m.group(1).lower()], f"h since {m.group(2)}"


def _group_attrs(f: h5py.File, path: str) -> dict:
    return {k: v for k, v in f[path].attrs.items()} if path in f else {}


def open_runs_skipping(paths, *, allow_incomplete: bool = False) -> tuple[list[Run], list[str]]:
    """Opens every file; those that are not (complete) dodge outputs -- a checkpoint, a lock file, a crashed
    run, a foreign file matched by a glob such as out/*.h5 -- come back as one-line reasons instead of runs."""
    runs, skipped = [], []
    for p in paths:
        try:
            runs.append(Run(p, allow_incomplete=allow_incomplete))
        except RunError as e:
            skipped.append(" ".join(str(e).split()))
    return runs, skipped


def open_runs(paths, *, allow_incomplete: bool = False) -> list[Run]:
    """Opens every file before any output is written, so one bad file among many fails the whole
    command at once with every problem listed instead of leaving a half-written report behind."""
    runs, errors = [], []
    for p in paths:
        try:
            runs.append(Run(p, allow_incomplete=allow_incomplete))
        except RunError as e:
            errors.append(str(e))
    if errors:
        raise RunError("\n".join(errors))
    return runs
