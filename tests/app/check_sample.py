#!/usr/bin/python3
"""Checks the output file of one of the sample runs in the header of app/dodge.cpp: complete, on the expected
rank count, the expected scenario, and datasets of the expected shape with finite values.

Usage: check_sample.py FILE --ranks P --agents N --steps T --recorded K [--problem P] [--algorithm A]
                       [--describes TEXT]... [--graphs G]
  --recorded K   /agents/x holds the first K agents (ids 0..K-1) at every step: shape (T, K)
  --describes    text that problem_description or algorithm_description must contain (e.g. QLD1, S2)
  --graphs G     the number of graphs stored under /inputs/graph (3 for switching3, 1 for ring)"""
import argparse
import sys

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--ranks", type=int, required=True)
    ap.add_argument("--agents", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--recorded", type=int, required=True)
    ap.add_argument("--problem", default="dispatch")
    ap.add_argument("--algorithm", default="pdct")
    ap.add_argument("--describes", action="append", default=[])
    ap.add_argument("--graphs", type=int)
    o = ap.parse_args()
    fails = []

    def need(cond, msg):
        if not cond:
            fails.append(msg)

    with h5py.File(o.file, "r") as f:
        a = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        need(a.get("status") == "complete", f"status {a.get('status')!r}, expected 'complete'")
        need(int(a.get("ranks", -1)) == o.ranks, f"ranks {a.get('ranks')}, expected {o.ranks}")
        need(int(a.get("agents", -1)) == o.agents, f"agents {a.get('agents')}, expected {o.agents}")
        need(int(a.get("steps", -1)) == o.steps, f"steps {a.get('steps')}, expected {o.steps}")
        need(a.get("problem") == o.problem, f"problem {a.get('problem')!r}, expected {o.problem!r}")
        need(a.get("algorithm") == o.algorithm, f"algorithm {a.get('algorithm')!r}, expected {o.algorithm!r}")
        text = str(a.get("problem_description", "")) + " | " + str(a.get("algorithm_description", ""))
        for d in o.describes:
            need(d in text, f"the descriptions do not mention {d!r}: {text}")
        for field in ("x", "mu", "y"):
            ds = f.get(f"agents/{field}")
            need(ds is not None, f"/agents/{field} missing")
            if ds is not None:
                need(ds.shape == (o.steps, o.recorded), f"/agents/{field} shape {ds.shape}, expected {(o.steps, o.recorded)}")
                need(bool(np.all(np.isfinite(ds[...]))), f"/agents/{field} has non-finite values")
        if "agents/agent" in f:
            ids = f["agents/agent"][...]
            need(np.array_equal(ids, np.arange(o.recorded)), f"/agents/agent is not 0..{o.recorded - 1}: {ids[:5]}...")
        else:
            fails.append("/agents/agent missing")
        for name in ("F", "F_star", "regret_avg", "violation_avg", "x_sum", "oracle_mu"):
            ds = f.get(f"series/{name}")
            need(ds is not None, f"/series/{name} missing")
            if ds is not None:
                need(ds.shape == (o.steps,), f"/series/{name} shape {ds.shape}, expected {(o.steps,)}")
                need(bool(np.all(np.isfinite(ds[...]))), f"/series/{name} has non-finite values")
        if o.graphs is not None:
            g = f.get("inputs/graph")
            n = len(g.keys()) if g is not None else 0
            need(n == o.graphs, f"{n} graphs under /inputs/graph, expected {o.graphs}")
    if fails:
        print(f"FAIL: {o.file}:\n  " + "\n  ".join(fails))
        return 1
    print(f"ok: {o.file}: complete, {o.ranks} ranks, N = {o.agents}, T = {o.steps}, /agents/x {(o.steps, o.recorded)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
