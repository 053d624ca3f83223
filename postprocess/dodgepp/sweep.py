"""The step-size sweep of algorithms.md §8.1: pdct over (pa, pb) ∈ {0.3..0.7} × {0.1..0.7} (α0 = β0 = 1,
γ = α, so γ_1β_1 = 1) on the synthetic microgrid (inputs/synthetic.yaml) and AEMO NSW (inputs/aemo_nsw.yaml),
reported whole: heat maps of Reg(T)/T, Vio(T)/T and Vio⁺(T)/T, a table of every cell with the decay exponents
q̂ of Reg(t)/t and Vio(t)/t, and the cells that satisfy the selection criteria of §8.1.

    postprocess/sweep_schemes [--dodge build/app/dodge] [--ranks 1] [--out out/sweep] [--docs docs] [--steps T]

Reg(T)/T and Vio(T)/T are read from the run files' root attributes final_regret_avg and final_violation_avg,
Vio⁺(T)/T and the decay exponents from /series (never from printed text). pdct's trajectories are identical
for any rank count, so one rank per run is enough.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

from .experiments.common import DECAY_MIN, decay_exponent
from .plotting import add_figure_options, new_figure, save

REPO = Path(__file__).resolve().parents[2]
PA = (0.3, 0.4, 0.5, 0.6, 0.7)
PB = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
DATASETS = {"synthetic": "inputs/synthetic.yaml", "nsw": "inputs/aemo_nsw.yaml"}
QUANTITIES = (("regret", "Reg(T)/T"), ("violation", "Vio(T)/T"), ("violation_plus", "Vio⁺(T)/T"))
FAST_VIO = 0.5  # q̂(Vio/t) at or above this: "violation vanishes quickly" (Z2's criterion)


def cell_options(pa: float, pb: float) -> list[str]:
    return ["-pdct_scheme", "custom", "-pdct_alpha0", "1", "-pdct_pa", f"{pa:g}", "-pdct_beta0", "1",
            "-pdct_pb", f"{pb:g}"]


def measure(path: Path) -> dict:
    with h5py.File(path, "r") as f:
        if f.attrs.get("status") not in (b"complete", "complete"):
            raise RuntimeError(f"{path}: status {f.attrs.get('status')}")
        T = int(f["series/regret"].shape[0])
        t = np.arange(1, T + 1)
        reg, vio, viop = (f[f"series/{k}"][...] / t for k in ("regret", "violation", "violation_plus"))
        return {"T": T, "regret": float(f.attrs["final_regret_avg"]), "violation": float(f.attrs["final_violation_avg"]),
                "violation_plus": float(viop[-1]), "q_regret": decay_exponent(reg), "q_violation": decay_exponent(vio),
                "q_violation_plus": decay_exponent(viop)}


def run_cell(args, dataset: str, pa: float, pb: float) -> dict:
    out = args.out / dataset
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"pa{pa:g}_pb{pb:g}.h5"
    cmd = [*shlex.split(os.environ.get("MPIEXEC") or "mpirun"), "-n", str(args.ranks), str(args.dodge),
           "-options_file", str(REPO / DATASETS[dataset]), *cell_options(pa, pb), "-output_agents", "none",
           "-output_file", str(path), "-output_overwrite", "-progress", "0"]
    if args.steps:
        cmd += ["-steps", str(args.steps)]
    meta = path.with_suffix(".json")
    if not (args.reuse and meta.is_file() and json.loads(meta.read_text()).get("command") == cmd and path.is_file()):
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_rmaps_base_oversubscribe="1")
        p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
        if p.returncode != 0:
            raise RuntimeError(f"{shlex.join(cmd)} failed ({p.returncode}): {p.stderr[-400:]}")
        meta.write_text(json.dumps({"command": cmd}))
    m = measure(path)
    m.update(pa=pa, pb=pb, file=str(path))
    return m


def admissible(syn: dict, nsw: dict) -> bool:
    """§8.1's 'reproduces the paper's qualitative claims' on the synthetic microgrid (Fig. 2: Reg/t and Vio/t
    sublinear, violation vanishing quickly) and Vio/t decreasing on AEMO NSW (Fig. 5)."""
    return (syn["q_regret"] >= DECAY_MIN and syn["q_violation"] >= FAST_VIO and nsw["q_violation"] >= DECAY_MIN)


def heat_maps(results: dict, dataset: str, docs: Path, formats: tuple[str, ...] = ("png",), dpi: int = 80) -> Path:
    fig, axes = new_figure(1, height=3.2)
    fig.clear()
    fig.set_size_inches(11.0, 3.4)
    axes = fig.subplots(1, 3)
    for ax, (key, label) in zip(axes, QUANTITIES):
        z = np.array([[results[(dataset, pa, pb)][key] for pb in PB] for pa in PA])
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(PB)), [f"{v:g}" for v in PB])
        ax.set_yticks(range(len(PA)), [f"{v:g}" for v in PA])
        ax.set_xlabel("pb (β_t = 1/t^pb)")
        ax.set_ylabel("pa (α_t = γ_t = 1/t^pa)")
        ax.set_title(label, fontsize=10)
        for i in range(len(PA)):
            for j in range(len(PB)):
                ax.text(j, i, f"{z[i, j]:.2g}", ha="center", va="center", fontsize=6, color="w")
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"pdct step-size sweep (α0 = β0 = 1, γ = α), {dataset}, T = {next(iter(results.values()))['T']}"
                 if dataset == "synthetic" else f"pdct step-size sweep (α0 = β0 = 1, γ = α), AEMO {dataset.upper()}")
    fig.set_layout_engine("constrained")
    return save(fig, docs / "results" / f"sweep_{dataset}", dpi=dpi, formats=formats)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="sweep_schemes", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dodge", default=str(REPO / "build/app/dodge"))
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--out", type=Path, default=REPO / "out/sweep")
    ap.add_argument("--docs", type=Path, default=REPO / "docs")
    ap.add_argument("--steps", type=int, default=0, help="shorter horizons (tests); default the scenario files'")
    ap.add_argument("--reuse", action="store_true", help="reuse run files of the same command")
    add_figure_options(ap, default_dpi=80)
    args = ap.parse_args(argv)
    args.dodge = Path(args.dodge).resolve()
    results = {}
    for dataset in DATASETS:
        for pa in PA:
            for pb in PB:
                results[(dataset, pa, pb)] = run_cell(args, dataset, pa, pb)
                print(f"sweep: {dataset} pa={pa:g} pb={pb:g}: " + ", ".join(
                    f"{k} {results[(dataset, pa, pb)][k]:.4g}" for k in ("regret", "violation", "violation_plus",
                                                                         "q_regret", "q_violation")), flush=True)
    figs = [heat_maps(results, d, args.docs, args.format, args.dpi) for d in DATASETS]
    ok = [(pa, pb) for pa in PA for pb in PB if admissible(results[("synthetic", pa, pb)], results[("nsw", pa, pb)])]
    payload = {"grid": {"pa": PA, "pb": PB}, "criteria": {"q_regret_synthetic_min": DECAY_MIN,
               "q_violation_synthetic_min": FAST_VIO, "q_violation_nsw_min": DECAY_MIN},
               "admissible": ok, "figures": [str(f) for f in figs],
               "cells": [{"dataset": d, **{k: (v if not isinstance(v, float) or math.isfinite(v) else str(v))
                                           for k, v in m.items()}} for (d, _, _), m in results.items()]}
    (args.docs / "results" / "sweep.json").write_text(json.dumps(payload, indent=1))
    print(f"sweep: admissible (pa, pb): {ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
