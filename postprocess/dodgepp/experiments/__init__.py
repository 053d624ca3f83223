"""The experiment registry of postprocess/reproduce: one module per experiment, found by listing this folder.

Every module here other than ``common`` defines ``EXPERIMENT = Experiment(...)`` (one experiment) or
``EXPERIMENTS = [Experiment(...), ...]`` (a family of them); ``all_experiments()`` imports every module and
returns their experiments in table order: by series (Z, W, E, G, X, then any other letter) and number,
so Z2 < Z10 < W1 < E1 < G1 < X1. Adding an experiment means adding a file; nothing else is edited.
See postprocess/README.md ("Adding an experiment").
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from .common import Experiment

SERIES_ORDER = "ZWEGX"  # [ZWL25], [WMN1x], ECS, the DC grid cell, exchange mechanisms; others follow alphabetically


def table_key(exp_id: str) -> tuple:
    m = re.fullmatch(r"([A-Za-z]+)(\d+)([A-Za-z]*)", exp_id)
    if not m:
        return (len(SERIES_ORDER) + 1, exp_id, 0, "")
    prefix, number, suffix = m.group(1).upper(), int(m.group(2)), m.group(3)
    rank = SERIES_ORDER.index(prefix) if prefix in SERIES_ORDER else len(SERIES_ORDER)
    return (rank, prefix, number, suffix)


def experiment_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "common" and not m.name.startswith("_"))


def collect(modules) -> list[Experiment]:
    """The experiments the given modules define, in table order; a duplicate id or a module defining
    none is an error naming the module (a file added by mistake must not vanish silently)."""
    found: dict[str, tuple[Experiment, str]] = {}
    for mod in modules:
        exps = list(getattr(mod, "EXPERIMENTS", []))
        if hasattr(mod, "EXPERIMENT"):
            exps.append(mod.EXPERIMENT)
        if not exps:
            raise RuntimeError(f"{mod.__name__} defines neither EXPERIMENT nor EXPERIMENTS")
        for e in exps:
            if not isinstance(e, Experiment):
                raise RuntimeError(f"{mod.__name__}: {e!r} is not an Experiment")
            if e.id in found:
                raise RuntimeError(f"experiment {e.id} is defined twice: in {found[e.id][1]} and {mod.__name__}")
            found[e.id] = (e, mod.__name__)
    return sorted((e for e, _ in found.values()), key=lambda e: table_key(e.id))


def all_experiments() -> list[Experiment]:
    return collect(importlib.import_module(f"{__name__}.{name}") for name in experiment_modules())
