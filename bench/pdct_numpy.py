#!/usr/bin/python3
"""pdct on dispatch in vectorized NumPy: the baseline of dodge's benchmark suite (bench/README.md).

Written the way a user would write the algorithm in NumPy (one array expression per line of the spec,
algorithms.md §8.1, E1-E3/A1-A5; the oracle of §6; the metrics of §12), not tuned. It reads the whole instance
from a dodge HDF5 output file of a pdct run on dispatch with the AEMO source:

  /inputs/problem/{a,b,c,capacity,price,demand} and attrs power_base_MW, price_ref_per_MWh
  /inputs/graph/g<k>/{edges,weight,self_weight}, attr switching_graphs (link failures unsupported)
  /inputs/algorithm attrs alpha0, pa, beta0, pb, gamma0, pg, init;  /inputs/algorithm/kappa_N
  root attrs seed, steps, agents, cost_to_dollars

runs the same T steps, times the step loop (input reading and matrix assembly excluded, as dodge excludes
setup), and, when the file holds them, checks the agent trajectories /agents/{x,mu,y} (x_{i,t}, mu_{i,t}
before mixing, y_{i,t} after A1) and the metric series F, F_star, regret, constraint, path_length, oracle_mu
against dodge's to the tolerance (default 1e-9, relative to max(1, |value|)).

Usage: pdct_numpy.py RUN.h5 [--steps T] [--no-metrics] [--mixing auto|scipy|numpy] [--no-check] [--tol 1e-9]
Exit status: 0 ok, 1 mismatch, 2 unusable input. The last line is machine readable ("PDCT_NUMPY ...").
"""
import argparse
import math
import sys
import time

import h5py
import numpy as np

try:
    import scipy.sparse as sp
except ImportError:  # the NumPy-only fallback below mixes with bincount
    sp = None


# ---------------------------------------------------------------------------------------------------
# Counter-based random numbers of algorithms.md §0.6 (only the initial point x_{i,1} needs them).
M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
INIT_STREAM = 2


def _mix_int(z):
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & M64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & M64
    z ^= z >> 31
    return z


def _mix_arr(z):
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(seed, stream, a, b, c):
    """u(seed, stream, a, b, c) in (0, 1] for an array a of agent ids (b, c scalars)."""
    k = _mix_int(_mix_int(seed ^ GOLDEN) ^ ((stream + GOLDEN) & M64))
    with np.errstate(over="ignore"):
        z = _mix_arr(np.uint64(k) ^ (a.astype(np.uint64) + np.uint64(GOLDEN)))
        z = _mix_arr(z ^ np.uint64((b + GOLDEN) & M64))
        z = _mix_arr(z ^ np.uint64((c + GOLDEN) & M64))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


# ---------------------------------------------------------------------------------------------------
def read_instance(path, steps):
    with h5py.File(path, "r") as f:
        root = f.attrs
        prob = f["/inputs/problem"]
        alg = f["/inputs/algorithm"]
        if root["problem"] != "dispatch" or root["algorithm"] != "pdct":
            raise SystemExit(f"{path}: a run of {root['algorithm']} on {root['problem']}, not pdct on dispatch")
        if prob.attrs.get("source") != "aemo":
            raise SystemExit(f"{path}: dispatch source {prob.attrs.get('source')}; only aemo is supported")
        graph = f["/inputs/graph"]
        if float(graph.attrs["link_failure"]) != 0.0:
            raise SystemExit(f"{path}: link failures are not supported by the NumPy baseline")
        inst = dict(
            n=int(root["agents"]), T=int(root["steps"]), seed=int(root["seed"]),
            dollars=float(root["cost_to_dollars"]),
            a=prob["a"][...], b=prob["b"][...], c=prob["c"][...], h=prob["capacity"][...],
            price=prob["price"][...], demand=prob["demand"][...],
            Sb=float(prob.attrs["power_base_MW"]), pref=float(prob.attrs["price_ref_per_MWh"]),
            alpha0=float(alg.attrs["alpha0"]), pa=float(alg.attrs["pa"]),
            beta0=float(alg.attrs["beta0"]), pb=float(alg.attrs["pb"]),
            gamma0=float(alg.attrs["gamma0"]), pg=float(alg.attrs["pg"]),
            init=str(alg.attrs["init"]), kappa=float(alg["kappa_N"][0]),
            graphs=[],
        )
        B = int(graph.attrs["switching_graphs"])
        for k in range(1, B + 1):
            g = graph[f"g{k}"]
            inst["graphs"].append((g["edges"][...], g["weight"][...], g["self_weight"][...]))
    if steps:
        if steps > inst["T"]:
            raise SystemExit(f"--steps {steps} exceeds the {inst['T']} steps recorded in {path}")
        inst["T"] = steps
    return inst


def read_reference(path, T):
    """dodge's recorded trajectories and series (None where absent)."""
    ref = {}
    with h5py.File(path, "r") as f:
        if "/agents/x" in f:
            steps = f["/agents/record_step"][...]
            keep = steps <= T
            ref["steps"] = steps[keep]
            ref["agent"] = f["/agents/agent"][...]
            for k in ("x", "mu", "y"):
                ref[k] = f["/agents/" + k][keep, :]
        if int(f.attrs.get("metrics", 0)):
            for k in ("F", "F_star", "regret", "constraint", "path_length", "oracle_mu"):
                ref["s_" + k] = f["/series/" + k][:T]
    return ref


class Mixer:
    """W(t) applied to the two columns (mu, y): scipy.sparse CSR, or NumPy index arithmetic."""

    def __init__(self, n, edges, weight, self_weight, how):
        i, j = edges[:, 0], edges[:, 1]
        rows = np.concatenate([i, j, np.arange(n)])
        cols = np.concatenate([j, i, np.arange(n)])
        vals = np.concatenate([weight, weight, self_weight])
        self.how = how
        if how == "scipy":
            W = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
            W.sum_duplicates()
            W.sort_indices()  # each row sums in increasing j, as §0.6 asks
            self.W = W
        else:
            order = np.lexsort((cols, rows))  # by row, then column: bincount then adds in increasing j
            self.rows, self.cols, self.vals = rows[order], cols[order], vals[order]
            self.n = n

    def __call__(self, mu, y):
        if self.how == "scipy":
            Z = self.W @ np.column_stack((mu, y))
            return Z[:, 0], Z[:, 1]
        n = self.n
        mh = np.bincount(self.rows, weights=self.vals * mu[self.cols], minlength=n)
        yh = np.bincount(self.rows, weights=self.vals * y[self.cols], minlength=n)
        return mh, yh


def oracle(pi, d, b, inv2a, h, mu_hi, mu_warm, H):
    """μ*_t of §6: safeguarded Newton on h(μ) = Σ_i g_i(x_i(μ)), warm start, fused first evaluation."""

    def dual(nu):
        u = (pi - b + nu) * inv2a
        xr = np.clip(u, 0.0, h)
        return np.sum(d - xr), np.sum(np.where((u > 0.0) & (u < h), -inv2a, 0.0))

    lo, hi = 0.0, mu_hi
    mu = mu_warm if lo < mu_warm < hi else 0.5 * (lo + hi)
    h0, _ = dual(0.0)
    hv, s = dual(mu)
    if h0 <= 0:
        return 0.0, 0
    for it in range(1, 101):
        if it > 1:
            hv, s = dual(mu)
        if hv > 0:
            lo = mu
        else:
            hi = mu
        if abs(hv) <= 1e-12 * H or hi - lo <= 1e-12 * max(1.0, mu):
            return mu, it
        newton = mu - hv / s if s != 0 else math.nan
        mu = newton if (s < 0 and lo < newton < hi) else 0.5 * (lo + hi)
    print(f"WARNING: oracle did not converge (mu = {mu})", file=sys.stderr)
    return mu, 100


def run(inst, metrics, mixing, record_ids=None, record_steps=()):
    n, T = inst["n"], inst["T"]
    a, b, c, h = inst["a"], inst["b"], inst["c"], inst["h"]
    inv2a = 1.0 / (2.0 * a)
    mixers = [Mixer(n, e, w, s, mixing) for (e, w, s) in inst["graphs"]]
    B = len(mixers)
    kappa = inst["kappa"]
    H = np.sum(h)
    bracket = np.max(2.0 * a * h + b)

    # init: x_{i,1} = P_X(lo + (hi - lo) u(INIT, gid, 0, 0)), mu_{i,1} = 0
    if inst["init"] == "random":
        x = 0.0 + (h - 0.0) * uniform(inst["seed"], INIT_STREAM, np.arange(n, dtype=np.int64), 0, 0)
    elif inst["init"] == "midpoint":
        x = 0.5 * (0.0 + h)
    else:
        x = np.zeros(n)
    x = np.clip(x, 0.0, h)
    mu = np.zeros(n)
    yhat = np.zeros(n)
    cprev = np.zeros(n)
    xstar_prev = np.zeros(n)
    mu_warm = 0.0
    series = {k: np.full(T, np.nan) for k in ("F", "F_star", "regret", "constraint", "path_length", "oracle_mu")}
    reg = path = 0.0
    recorded = {"x": [], "mu": [], "y": []}
    record_steps = set(int(s) for s in record_steps)

    t0 = time.perf_counter()
    for t in range(1, T + 1):
        # E1: f_{i,t}, g_{i,t} revealed: the step's price and per-agent demand share
        pi = inst["price"][t - 1] / inst["pref"]
        d = inst["demand"][t - 1] / inst["Sb"] / n
        alpha = inst["alpha0"] / t ** inst["pa"]
        beta = inst["beta0"] / t ** inst["pb"]
        gamma = inst["gamma0"] / t ** inst["pg"]
        # E2: c_{i,t} = g_{i,t}(x_{i,t});  A1: y_{i,t}
        cv = d - x
        y = cv if t == 1 else yhat + (cv - cprev)
        if metrics:
            mu_star, _ = oracle(pi, d, b, inv2a, h, max(0.0, bracket - pi), mu_warm, H)
            mu_warm = mu_star
            xstar = np.clip((pi - b + mu_star) * inv2a, 0.0, h)
            F = np.sum(a * x * x + (b - pi) * x + c)
            Fs = np.sum(a * xstar * xstar + (b - pi) * xstar + c)
            reg += F - Fs
            if t >= 2:
                path += math.sqrt(np.sum((xstar - xstar_prev) ** 2))
            xstar_prev = xstar
            series["F"][t - 1], series["F_star"][t - 1], series["regret"][t - 1] = F, Fs, reg
            series["constraint"][t - 1] = np.sum(cv)
            series["path_length"][t - 1], series["oracle_mu"][t - 1] = path, mu_star
        if record_ids is not None and t in record_steps:
            recorded["x"].append(x[record_ids])
            recorded["mu"].append(mu[record_ids])
            recorded["y"].append(y[record_ids])
        # A2-A3: exchange and mix (mu, y) with W(t)
        mh, yh = mixers[(t - 1) % B](mu, y)
        # A4: projected primal step, v = grad f + J^T mu_hat (J = -1)
        v = 2.0 * a * x + b - pi + (-1.0) * mh
        x = np.clip(x - (alpha * 1.0) * v, 0.0, h)
        # A5: regularized dual step
        mu = np.maximum(0.0, mh + gamma * (kappa * yh - beta * mh))
        yhat, cprev = yh, cv
    wall = time.perf_counter() - t0
    return wall, series, {k: np.array(v) for k, v in recorded.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="dodge HDF5 output of a pdct run on dispatch (with /inputs)")
    ap.add_argument("--steps", type=int, default=0, help="steps to run (default: all the run's steps)")
    ap.add_argument("--no-metrics", action="store_true", help="no oracle and no metrics (dodge's -metrics false)")
    ap.add_argument("--mixing", choices=("auto", "scipy", "numpy"), default="auto",
                    help="scipy.sparse CSR product (auto: when scipy is importable) or NumPy bincount")
    ap.add_argument("--no-check", action="store_true", help="do not compare with the file's trajectories")
    ap.add_argument("--tol", type=float, default=1e-9, help="agreement tolerance, relative to max(1, |value|)")
    args = ap.parse_args()
    mixing = args.mixing
    if mixing == "auto":
        mixing = "scipy" if sp is not None else "numpy"
    if mixing == "scipy" and sp is None:
        raise SystemExit("--mixing scipy: scipy is not installed")

    ts = time.perf_counter()
    inst = read_instance(args.file, args.steps)
    ref = {} if args.no_check else read_reference(args.file, inst["T"])
    setup = time.perf_counter() - ts
    metrics = not args.no_metrics
    rec_ids = ref.get("agent")
    wall, series, traj = run(inst, metrics, mixing, rec_ids, ref.get("steps", ()))
    n, T = inst["n"], inst["T"]
    rate = n * T / wall
    print(f"pdct_numpy: N = {n}, T = {T}, {len(inst['graphs'])} graph(s), mixing {mixing}, "
          f"metrics {'on' if metrics else 'off'}, numpy {np.__version__}")
    print(f"  {'setup (read + assemble)':28s} {setup:14.3f} s")
    print(f"  {'wall time':28s} {wall:14.3f} s")
    print(f"  {'agent-steps per second':28s} {rate:14.4e}")
    if metrics:
        print(f"  {'Reg(T)/T':28s} {series['regret'][-1] / T:14.6e} per-unit")

    # Agreement with dodge.
    worst = 0.0
    checked = []
    if "x" in ref:
        for k in ("x", "mu", "y"):
            got, want = traj[k], ref[k]
            if got.shape != want.shape:
                print(f"  MISMATCH: /agents/{k} shape {want.shape}, NumPy {got.shape}")
                worst = math.inf
                continue
            err = np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))) if want.size else 0.0
            worst = max(worst, err)
            checked.append(f"{k} {err:.2e}")
    if metrics:
        for k in ("F", "F_star", "regret", "constraint", "path_length", "oracle_mu"):
            want = ref.get("s_" + k)
            if want is None:
                continue
            got = series[k]
            err = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
            worst = max(worst, err)
            checked.append(f"{k} {err:.2e}")
    status = "unchecked"
    if checked:
        status = "ok" if worst <= args.tol else "MISMATCH"
        nrec = len(ref.get("steps", ()))
        print(f"  {'agreement with dodge':28s} {worst:14.3e} max rel. difference ({status}, tol {args.tol:g}; "
              f"{nrec} records x {len(ref.get('agent', ()))} agents)")
        print("    " + ", ".join(checked))
    print(f"PDCT_NUMPY n={n} steps={T} metrics={int(metrics)} mixing={mixing} wall_s={wall:.6e} "
          f"rate={rate:.6e} max_rel_diff={worst:.3e} status={status}")
    return 1 if status == "MISMATCH" else 0


if __name__ == "__main__":
    sys.exit(main())
