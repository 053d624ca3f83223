#!/usr/bin/python3
"""Checks dodge's ecs output files (algorithms.md §5, §11, §15.16).

  check_ecs.py identical ref.h5 other.h5 ...   the runs of one scenario at different rank counts agree bitwise in
                                               every dataset (step_time excepted) and in the ecs summary attributes
  check_ecs.py oracles optimal.h5 optimal_par.h5 uniform.h5 aca.h5 par_ecs.h5
                                               the same scenario under the five schemes: Σ_h X^h = E_tot (optimal,
                                               optimal_par, uniform), Σ_m x_m^h = X^h, L = X + d, the played sample
                                               equals its row of the sweep, at sigma_d = 0 optimal = uniform = aca =
                                               optimal_par (1e-9), per sample cost(optimal) and PAR(optimal_par) at
                                               most those of every scheme meeting (2a), the per-sigma means and CIs
                                               recomputed from the samples
"""
import sys

import h5py
import numpy as np

TIMING = {"step_time"}
TIMING_ATTRS = {"start_time", "end_time", "wall_time_s", "agent_steps_per_s", "run_id", "ranks", "options"}


def datasets(g, prefix=""):
    for k, v in g.items():
        if isinstance(v, h5py.Group):
            yield from datasets(v, prefix + "/" + k)
        else:
            yield prefix + "/" + k


def open_complete(path):
    f = h5py.File(path, "r")
    assert f.attrs["status"] == "complete", f"{path}: status {f.attrs['status']}"
    assert f.attrs["problem"] == "ecs", f"{path}: problem {f.attrs['problem']}"
    return f


def identical(paths):
    ref = open_complete(paths[0])
    names = sorted(datasets(ref))
    assert "/ecs/samples/X" in names and "/agents/x" in names and "/series/X_agents" in names, names
    bad = []
    for p in paths[1:]:
        f = open_complete(p)
        other = sorted(datasets(f))
        if other != names:
            bad.append(f"{p}: datasets differ: {sorted(set(names) ^ set(other))}")
            continue
        for n in names:
            if n.split("/")[-1] in TIMING:
                continue
            a, b = ref[n][...], f[n][...]
            if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                bad.append(f"{p}: {n} differs from {paths[0]}")
        for k, v in ref.attrs.items():
            if k.startswith("ecs_") and not np.array_equal(v, f.attrs[k]):
                bad.append(f"{p}: attribute {k} {f.attrs[k]} != {v}")
    if bad:
        print("FAIL:\n  " + "\n  ".join(bad))
        sys.exit(1)
    print(f"ok: {len(paths)} runs bitwise identical in {len(names)} datasets")


def oracles(paths):
    files = {}
    for p in paths:
        f = open_complete(p)
        files[str(f.attrs["algorithm"])] = f
    assert sorted(files) == sorted(["optimal", "optimal_par", "uniform", "aca", "par_ecs"]), sorted(files)
    fails = []

    def check(cond, msg):
        if not cond:
            fails.append(msg)

    ref = files["optimal"]
    E = float(ref["ecs"].attrs["E_tot"])
    kappa = float(ref["ecs"].attrs["kappa"])
    H = int(ref["ecs"].attrs["units"])
    sig = ref["ecs/samples/sigma"][...]
    d = ref["ecs/samples/d"][...]
    for name, f in files.items():
        s = f["series"]
        X, Xa, L, dd = s["X"][...], s["X_agents"][...], s["L"][...], s["d"][...]
        check(len(X) == H, f"{name}: {len(X)} units, expected {H}")
        check(np.all(np.abs(Xa - X) <= 1e-12 * np.maximum(1, np.abs(X))), f"{name}: sum_m x_m^h != X^h")
        x = f["agents/x"][...]
        check(np.allclose(x.sum(axis=1), X, rtol=1e-12, atol=0), f"{name}: recorded x do not sum to X^h")
        check(np.array_equal(L, X + dd), f"{name}: L != X + d")
        short = E - X.sum()
        check(abs(float(f.attrs["ecs_shortfall"]) - short) <= 1e-9 * E, f"{name}: ecs_shortfall attribute wrong")
        if name in ("optimal", "optimal_par", "uniform"):
            check(abs(short) <= 1e-12 * E, f"{name}: sum_h X^h - E_tot = {-short:.3e}")
            check(np.all(np.abs(f["ecs/samples/shortfall"][...]) <= 1e-12 * E), f"{name}: a sample misses E_tot")
        # The played sample is its row of the sweep.
        ps, pr = float(f["inputs/problem"].attrs["sigma_d"]), int(f["inputs/problem"].attrs["replicate"])
        rows = np.nonzero((f["ecs/samples/sigma"][...] == ps) & (f["ecs/samples/replicate"][...] == pr))[0]
        if len(rows):
            check(np.array_equal(f["ecs/samples/X"][rows[0]], X), f"{name}: played X differs from its sweep row")
            check(np.array_equal(f["ecs/samples/d"][rows[0]], dd), f"{name}: played d differs from its sweep row")
        check(np.array_equal(f["ecs/samples/d"][...], d), f"{name}: NA demand samples differ between schemes")
        # Metrics recomputed from the stored schedules; means and CIs from the samples.
        Xs = f["ecs/samples/X"][...]
        Ls = Xs + d
        cpk = (kappa * Ls ** 2).sum(axis=1) / Ls.sum(axis=1)
        par = Ls.max(axis=1) / Ls.mean(axis=1)
        check(np.allclose(cpk, f["ecs/samples/cost_per_kwh"][...], rtol=1e-12), f"{name}: cost per kWh wrong")
        check(np.allclose(par, f["ecs/samples/par"][...], rtol=1e-12), f"{name}: PAR wrong")
        R = int(f["ecs"].attrs["replicates"])
        S = len(f["ecs/summary/sigma"])
        m = cpk.reshape(S, R).mean(axis=1)
        check(np.allclose(m, f["ecs/summary/cost_per_kwh_mean"][...], rtol=1e-12), f"{name}: cost mean wrong")
        if R > 1:
            ci = 1.96 * par.reshape(S, R).std(axis=1, ddof=1) / np.sqrt(R)
            check(np.allclose(ci, f["ecs/summary/par_ci95"][...], rtol=1e-9, atol=1e-12), f"{name}: PAR CI wrong")
    # sigma_d = 0: the four schemes coincide (§15.16).
    zero = np.nonzero(sig == 0)[0]
    check(len(zero) > 0, "the sweep has no sigma_d = 0 sample")
    for name in ("uniform", "aca", "optimal_par"):
        diff = np.abs(files[name]["ecs/samples/X"][zero] - ref["ecs/samples/X"][zero]).max()
        check(diff <= 1e-9, f"sigma_d = 0: {name} differs from optimal by {diff:.3e}")
    # Per sample: cost(optimal) and PAR(optimal_par) are minimal among the schedules that meet (2a).
    copt = ref["ecs/samples/cost_per_kwh"][...]
    popt = files["optimal_par"]["ecs/samples/par"][...]
    for name, f in files.items():
        ok = np.abs(f["ecs/samples/shortfall"][...]) <= 1e-9 * E
        check(np.all(copt[ok] <= f["ecs/samples/cost_per_kwh"][...][ok] * (1 + 1e-12)), f"{name}: cheaper than optimal")
        check(np.all(popt[ok] <= f["ecs/samples/par"][...][ok] * (1 + 1e-12)), f"{name}: lower PAR than optimal_par")
    if fails:
        print("FAIL:\n  " + "\n  ".join(fails))
        sys.exit(1)
    print(f"ok: ecs oracles on {len(sig)} samples of 5 schemes")


def reference(args):
    """reference file.h5 base v1 v2 ...: the per-sigma (flexible share) mean PAR of the file, and the mean PAR of
    the NA demand alone, to the printed 3 decimals."""
    f = open_complete(args[0])
    want_base, want = float(args[1]), [float(v) for v in args[2:]]
    got = f["ecs/summary/par_mean"][...]
    base = f["ecs/summary/base_par_mean"][...]
    line = f"{f.attrs['algorithm']} on {f['inputs/problem'].attrs['source']}: base PAR " + " ".join(
        f"{b:.3f}" for b in base) + ", PAR " + " ".join(f"{g:.3f}" for g in got)
    ok = len(got) == len(want) and all(round(g, 3) == w for g, w in zip(got, want)) and all(
        round(b, 3) == want_base for b in base)
    if not ok:
        print(f"FAIL: {line}; expected base {want_base:.3f}, PAR " + " ".join(f"{w:.3f}" for w in want))
        sys.exit(1)
    print("ok: " + line)


if __name__ == "__main__":
    mode, paths = sys.argv[1], sys.argv[2:]
    {"identical": identical, "oracles": oracles, "reference": reference}[mode](paths)
