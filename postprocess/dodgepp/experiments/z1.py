"""Z1 — switching graphs ([ZWL25] Fig. 1): its runs, analysis and verdict checks (algorithms.md §14)."""
from __future__ import annotations

import h5py
import numpy as np
from pathlib import Path

from ..plotting import new_figure
from .common import (Check, components, Experiment, listing, MissingData, Outcome, RunSpec, Table)


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


EXPERIMENT = Experiment(
    id="Z1",
    paper="[ZWL25]",
    item="Fig. 1",
    run="switching3, n = 6",
    reported="three switching graphs, jointly connected",
    runs=z1_runs,
    analyse=z1)
