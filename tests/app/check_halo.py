#!/usr/bin/env python3
"""Checks a run's halo statistics and MPI traffic (root attributes halo_*, mpi_*) against the recorded graph.

Usage: check_halo.py RUN.h5 [RUN.h5 ...]

From /inputs/graph (every switching graph's undirected edge list) and the block ownership of algorithms.md §0.6
(rank r owns [floor(r n/P), floor((r+1) n/P))), computed here independently of dodge: per rank the ghosts
(distinct remote in-neighbours over the union graph), the peer ranks owning them, and the row entries that
cross ranks. Then the traffic model of docs/performance.md ("Scaling beyond one machine") for pdct, exactly:
one exchange of W = 2 values (mu, y) per step, plus, with link failures, one of the surviving degrees (a
double) before it, so messages = E * peers_total * T and bytes = ghosts_total * 8 * (W + E - 1) * T with E = 1,
or 2 with failures.
"""
import sys

import h5py
import numpy as np


def expected(f):
    n, P = int(f.attrs["agents"]), int(f.attrs["ranks"])
    g = f["inputs/graph"]
    B = int(g.attrs["switching_graphs"])
    first = np.array([(r * n) // P for r in range(P + 1)], dtype=np.int64)
    owner = lambda ids: np.searchsorted(first, ids, side="right") - 1
    ghosts = [set() for _ in range(P)]
    cut = entries = 0
    for b in range(1, B + 1):
        e = g[f"g{b}/edges"][...].astype(np.int64)
        for i, j in ((e[:, 0], e[:, 1]), (e[:, 1], e[:, 0])):  # entry j -> i in row i, both directions
            oi, oj = owner(i), owner(j)
            remote = oi != oj
            entries += len(i)
            cut += int(remote.sum())
            for r, jj in zip(oi[remote], j[remote]):
                ghosts[r].add(int(jj))
    peers = [len({int(owner(np.array([x]))[0]) for x in gs}) for gs in ghosts]
    counts = [len(gs) for gs in ghosts]
    return {"halo_ghosts_total": sum(counts), "halo_ghosts_max": max(counts), "halo_peers_total": sum(peers),
            "halo_peers_max": max(peers), "halo_cut_entries": cut, "halo_entries": entries}


def main(paths):
    bad = []
    for p in paths:
        with h5py.File(p, "r") as f:
            if f.attrs.get("status") != "complete":
                bad.append(f"{p}: status {f.attrs.get('status')}")
                continue
            want = expected(f)
            for k, v in want.items():
                if int(f.attrs[k]) != v:
                    bad.append(f"{p}: {k} = {int(f.attrs[k])}, expected {v} from /inputs/graph")
            T = int(f.attrs["steps"])
            E = 2 if float(f["inputs/graph"].attrs["link_failure"]) > 0 else 1
            per_ghost = 8 * (2 + E - 1)
            msgs, byts = int(f.attrs["mpi_messages"]), int(f.attrs["mpi_bytes"])
            if msgs != E * want["halo_peers_total"] * T:
                bad.append(f"{p}: mpi_messages {msgs} != {E} x peers_total {want['halo_peers_total']} x T {T}")
            if byts != want["halo_ghosts_total"] * per_ghost * T:
                bad.append(f"{p}: mpi_bytes {byts} != ghosts_total {want['halo_ghosts_total']} x {per_ghost} B x T {T}")
            print(f"{p}: ranks {int(f.attrs['ranks'])}: {want}, {msgs} messages, {byts} bytes")
    if bad:
        print("FAIL:\n  " + "\n  ".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
