#!/usr/bin/python3
"""Oracles of problem gridcell (docs/gridcell.md §16.14) on dodge output files.
  identical a.h5 b.h5 ...   rank-count independence: every /agents and /summary dataset bitwise, /series to 1e-12
  resumed  ref.h5 run.h5     a resumed run against the uninterrupted one: identical, both complete, and the
                            gridcell_* summary attributes to 1e-12
  oracles  none|mmr f.h5    market balance (1), no trading (3), subadditivity (4), battery (5), scopes (2, cell);
                            mmr in the neighbours scope: the per-home sold/bought against an independent replay of
                            X1-X4 on the recorded graph, and the market messages of §12
  scopes   cell.h5 nb.h5    oracle 2: the neighbours scope (on the complete graph) equals the cell scope (1e-12)
  nsw      f.h5 file.csv     loaders (15) for the nsw source: every step's L(tau) is the mean of its three 5-minute
                            TOTALDEMAND rows of the CSV (read here with the csv module), and its prices are the aemo
                            closed form of those rows' RRP (/inputs over warm-up and main window, /series over the main)
  forecast dodge src dir    G2 on the default scenario (N = 100, 35 days, algorithm none): runs dodge with persistence,
                            own-data RLS, neighbour-augmented RLS and its laplace (eps = 1) and mask ablations, prints the
                            MAPEs and checks the ordering docs/gridcell.md reports, in the main and the evaluation window
  security dodge dir        §16.8 on the shares (the default scenario, N = 100, 35 days, algorithm none, neighbour RLS):
                            attackers are honest before day d_A (the forecasts bitwise those of the run without them),
                            then change their neighbours' forecasts; the EWMA detector finds the scale attackers (rate
                            >= 0.9, false alarms <= 0.05, delay within 4 days) and its alarm series agree with the summary;
                            oracle 13: identical noise-free homes never flag, and bias attackers (beta = 10 sigma_fl) are
                            alarmed within 25 steps of t_A at every honest home with >= 3 neighbours
  route dodge dir           §16.7 (oracle 9 and more) on a short cell (37 homes, 2 days): the trigger at c0_r = c1_r = 0
                            gives bitwise the periodic run's zeta, v and iota with messages <= periodic (and the periodic
                            run counts exactly its reference); routing feeds nothing back (every other /agents field
                            bitwise the run without it); sum vbar = sum v and KCL in every step, KCL also recomputed here
                            from /agents (I_i = iota_i I^rat_i + I^sch_i) in both modes; R_i = 0 with zeta = eps = 0 gives
                            I_i = I^sch_i; a fixed schedule on the complete graph with K = 5000 drives e_V and e_I below
                            1e-9; the event trigger sends fewer messages than periodic
  mfq dodge dir             §16.5 (oracle 10 and more) on a short cell: -mfq_policy self is -algorithm mmr bitwise; the
                            logged states, actions, mean fields and bills replay Q to the final /summary/mfq_Q (1e-12) with
                            the Boltzmann and the max backup and with gamma_Q = 0 (the eta-EWMA of the rewards); eta_Q = 0
                            leaves Q = 0; each action's battery power is bitwise b^lo, the rule or b^hi; the states follow
                            from q_hat, SoC and the hour; the mean fields from the neighbours' actions on the graph
                            (neighbours) or the cell counts (cell); pass 1 of -mfq_passes 2 costs what the one-pass run
                            costs; Tb_0 = Tb_min = 1e9 gives uniform actions (chi^2 over > 1e5 draws, p > 1e-3)
Exit 1 with a message on the first failure."""
import csv
import math
import os
import subprocess
import sys

import h5py
import numpy as np

DELTA = 0.25


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def identical(files):
    ref = h5py.File(files[0], "r")
    for other in files[1:]:
        f = h5py.File(other, "r")
        # /attack: the generic §13.3 policy's per-edge alarms and rates, when it is on (the dual channel).
        for grp in ("agents", "summary") + (("attack",) if "attack" in ref else ()):
            for k in ref[grp]:
                a, b = ref[grp][k][...], f[grp][k][...]
                if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                    fail(f"{other}: /{grp}/{k} differs from {files[0]}")
            if grp == "attack" and dict(ref[grp].attrs) != dict(f[grp].attrs):
                fail(f"{other}: the attributes of /attack differ from {files[0]}")
        for k in ref["series"]:
            if k in ("step_time", "time"):
                continue
            a, b = ref["series"][k][...], f["series"][k][...]
            scale = max(1.0, float(np.max(np.abs(np.nan_to_num(a))))) if a.size else 1.0
            if not np.allclose(a, b, rtol=0, atol=1e-12 * scale, equal_nan=True):
                fail(f"{other}: /series/{k} differs from {files[0]} beyond 1e-12")
    print(f"OK: {len(files)} files agree (agents and summary bitwise, series 1e-12)")


GRID = 2.0 ** 30


def on_grid(x):
    """llround(2^30 x)/2^30 for x >= 0 (the offers and bids of §16.5)."""
    return np.floor(x * GRID + 0.5) / GRID


def scope_of(f):
    a = f["inputs/algorithm"].attrs
    sc = a.get("market_scope", "cell")
    return sc.decode() if isinstance(sc, bytes) else str(sc), int(a.get("match_rounds", 1))


def complete_graph(f):
    if "inputs/graph" not in f:
        return False
    d = f["inputs/graph"].attrs["description"]
    return (d.decode() if isinstance(d, bytes) else str(d)).startswith("complete")


def declared(f):
    """The positions that entered the market: /agents/declared when the market channel is attacked or watched
    (§16.8), else the schedule n_hat = net_sched."""
    return f["agents/declared"][...] if "declared" in f["agents"] else f["agents/net_sched"][...]


def market_alarms(f):
    """/summary/market_alarms as rows (receiver, sender, step); empty without a market detector."""
    if "summary/market_alarms" not in f:
        return np.zeros((0, 3), dtype=np.int64)
    return f["summary/market_alarms"][...].reshape(-1, 3).astype(np.int64)


def market_cut_steps(f):
    """The first alarm step of each undirected edge (min, max) of the market channel."""
    cut = {}
    for r, snd, t in market_alarms(f):
        k = (min(r, snd), max(r, snd))
        cut[k] = min(cut.get(k, t), t)
    return cut


def neighbours_replay(f, rounds):
    """X1-X4 of §16.5 replayed from the recorded declared positions and graph, every step at once (numpy over
    the steps, the edges in the order of the C++ rows: increasing i, then increasing j). Returns sold, bought
    [T, N] and the per-edge z held at the buyer's and at the seller's end (dicts (j, i) -> [T])."""
    g = f["inputs/graph"]
    if int(g.attrs["switching_graphs"]) != 1 or float(g.attrs["link_failure"]) != 0:
        return None
    edges = g["g1/edges"][...]
    N = f["agents/trade"].shape[1]
    nbr = [[] for _ in range(N)]
    for u, v in edges:
        nbr[int(u)].append(int(v)), nbr[int(v)].append(int(u))
    nbr = [sorted(x) for x in nbr]
    nh = declared(f)
    s, d = on_grid(np.maximum(-nh, 0)), on_grid(np.maximum(nh, 0))
    sold, bought = np.zeros_like(s), np.zeros_like(s)
    zb, zs = {}, {}
    # §16.8: an edge alarmed (either way) at step t leaves the market from t + 1 (row k = t - 1 < t: still in).
    T = nh.shape[0]
    cut = market_cut_steps(f)
    inm = {}
    for i in range(N):
        for j in nbr[i]:
            c = cut.get((min(i, j), max(i, j)))
            inm[(i, j)] = np.ones(T, dtype=bool) if c is None else np.arange(T) < c
    for _ in range(rounds):
        S, D = np.zeros_like(s), np.zeros_like(s)
        for i in range(N):
            for j in nbr[i]:
                S[:, i] += np.where(inm[(i, j)], s[:, j], 0.0)
                D[:, i] += np.where(inm[(i, j)], d[:, j], 0.0)
        out, inn = np.zeros_like(s), np.zeros_like(s)
        for i in range(N):
            for j in nbr[i]:
                # buyer end: z_{j->i}; seller end: z_{i->j}, each with the operands the C++ row of i uses
                ok = (s[:, j] > 0) & (d[:, i] > 0) & inm[(i, j)]
                z = np.where(ok, (s[:, j] * d[:, i]) / np.where(ok, np.maximum(D[:, j], S[:, i]), 1.0), 0.0)
                zb[(j, i)] = zb.get((j, i), 0.0) + z
                inn[:, i] += z
                ok = (s[:, i] > 0) & (d[:, j] > 0) & inm[(i, j)]
                z = np.where(ok, (s[:, i] * d[:, j]) / np.where(ok, np.maximum(D[:, i], S[:, j]), 1.0), 0.0)
                zs[(i, j)] = zs.get((i, j), 0.0) + z
                out[:, i] += z
        s, d = np.maximum(0.0, s - out), np.maximum(0.0, d - inn)
        sold += out
        bought += inn
    return sold, bought, zb, zs, len(edges)


def resumed(ref_path, run_path):
    identical([ref_path, run_path])
    ref, run = h5py.File(ref_path, "r"), h5py.File(run_path, "r")
    for f, p in ((ref, ref_path), (run, run_path)):
        if f.attrs.get("status") not in ("complete", b"complete"):
            fail(f"{p} is not complete")
    keys = sorted(k for k in ref.attrs if k.startswith("gridcell_"))
    if not keys or keys != sorted(k for k in run.attrs if k.startswith("gridcell_")):
        fail(f"{run_path}: the gridcell_* summary attributes differ in name from {ref_path}")
    for k in keys:
        a, b = float(ref.attrs[k]), float(run.attrs[k])
        if not (abs(a - b) <= 1e-12 * max(1.0, abs(a)) or (math.isnan(a) and math.isnan(b))):  # NaN: undefined in both
            fail(f"{run_path}: attribute {k} = {b!r}, the uninterrupted run has {a!r}")
    print(f"OK: {run_path} resumed to {ref_path} ({len(keys)} summary attributes)")


def oracles(alg, path):
    f = h5py.File(path, "r")
    if f.attrs.get("status") not in ("complete", b"complete"):
        fail(f"{path} is not complete")
    s, a, g = f["series"], f["agents"], f["inputs/gridcell"]
    cost, cost0, costx, costnet = (s[k][...] for k in ("cost", "cost_shadow", "cost_counterfactual", "cost_netting"))
    lb = s["price_buy"][...]
    N = a["bill"].shape[1]
    # 4. subadditivity: C_t >= C^net_t - 1e-12 |C^net_t|, plus (for a clearing) the 2^-30 kW grid rounding of the
    # offers and bids, eps_g of oracle 2: the trades are computed from rounded positions (docs/gridcell.md §16.14).
    epsg = (2.0 ** -30 * DELTA * lb * N if alg != "none" else 0.0) + 1e-12 * np.abs(costnet) + 1e-12
    if alg not in ("none", "mmr", "mfq"):
        # §16.6's pool account: A_t and E_t are exact sums of the 2^-30-grid values of pi_i e_i and e_i, so C_t
        # carries up to Delta N 2^-31 (1 + lambda_b) of their rounding (a bound, taken twice).
        epsg = epsg + 2.0 ** -30 * DELTA * N * (1 + lb)
    if np.any(cost < costnet - epsg):
        t = int(np.argmax(costnet - cost))
        fail(f"subadditivity: step {t + 1}: C = {cost[t]!r} < C^net = {costnet[t]!r}")
    # Bills add up to the community cost.
    if not np.allclose(a["bill"][...].sum(axis=1), cost, rtol=1e-12, atol=1e-9):
        fail("sum of the per-home bills differs from /series/cost")
    # 5. battery: SoC inside [SoC_lo, SoC_hi]; energy balance per home when no clip acted.
    lo, hi, soc1 = g.attrs["soc_lo"], g.attrs["soc_hi"], g.attrs["soc_initial"]
    eta = g.attrs["battery_eta"]
    hb = g["has_battery"][...] > 0.5
    soc, b = a["soc"][...], a["battery"][...]
    if np.any(soc[:, hb] < lo - 1e-15) or np.any(soc[:, hb] > hi + 1e-15):
        fail("SoC left [SoC_lo, SoC_hi]")
    E = g["battery_kwh"][...]
    flow = DELTA * (eta * np.maximum(b, 0) - np.maximum(-b, 0) / eta)
    bal = E[hb] * (soc[-1, hb] - soc1) - flow[:, hb].sum(axis=0)
    if np.any(np.abs(bal) > 1e-9 * max(1.0, np.abs(flow).sum())):
        fail(f"battery energy balance off by {np.abs(bal).max():.3e} kWh")
    if np.any(b[:, ~hb] != 0):
        fail("a home without battery has b != 0")
    e = a["trade"][...]
    sold, bought = np.maximum(-e, 0), np.maximum(e, 0)
    if alg == "none":
        # 3. none: C = C^0 = C^x (1e-12) and the shadow state equals the real one bitwise
        if np.any(e != 0):
            fail("none traded")
        if not np.allclose(cost, cost0, rtol=1e-12, atol=0) or not np.allclose(cost, costx, rtol=1e-12, atol=0):
            fail("none: C differs from C^0 or C^x")
        if not np.array_equal(a["bill"][...], a["bill_shadow"][...]) or not np.array_equal(soc, a["soc_shadow"][...]):
            fail("none: the shadow state differs from the real one")
    elif alg not in ("mmr", "mfq"):
        opt_oracles(alg, f, path)
    else:
        # 1. market balance: |Σ sold − Σ bought| <= 1e-12 Σ sold; sold_i <= s_i, bought_i <= d_i; s = d = 0 → e = 0
        S, B = sold.sum(axis=1), bought.sum(axis=1)
        if np.any(np.abs(S - B) > 1e-12 * np.maximum(S, 1e-300) + 1e-12):
            fail(f"market balance: |sum sold - sum bought| up to {np.abs(S - B).max():.3e}")
        nh = declared(f)
        so, bi = np.maximum(-nh, 0), np.maximum(nh, 0)
        grid = 2.0 ** -30
        if np.any(sold > so * (1 + 1e-12) + grid) or np.any(bought > bi * (1 + 1e-12) + grid):
            fail("a home sold more than it offered or bought more than it bid")
        if np.any(e[(so == 0) & (bi == 0)] != 0):
            fail("a home with s = d = 0 traded")
        scope, rounds = scope_of(f)
        pooled = scope == "cell" or complete_graph(f)  # the neighbours scope on the complete graph is the pool
        m = np.minimum(s["offers"][...], s["bids"][...])
        if "sold" in a:
            # the recorded per-home sold_i, bought_i: e_i = bought_i - sold_i bitwise; sold_i <= s_i (1 + 1e-12)
            # and bought_i <= d_i (1 + 1e-12) with s_i, d_i on the 2^-30 grid; s = d = 0 -> e = 0
            hs, hb2 = a["sold"][...], a["bought"][...]
            if not np.array_equal(e, hb2 - hs):
                fail("trade differs from bought - sold")
            sg, dg = on_grid(so), on_grid(bi)
            if np.any(hs < 0) or np.any(hb2 < 0) or np.any(hs > sg * (1 + 1e-12)) or np.any(hb2 > dg * (1 + 1e-12)):
                fail("a home sold more than its grid offer or bought more than its grid bid")
            if np.any(e[(sg == 0) & (dg == 0)] != 0):
                fail("a home with grid offer and bid 0 traded")
            Ss, Bs = hs.sum(axis=1), hb2.sum(axis=1)
            if np.any(np.abs(Ss - Bs) > 1e-12 * Ss):
                fail(f"market balance (sold/bought fields): |sum sold - sum bought| up to {np.abs(Ss - Bs).max():.3e}")
        if pooled:
            # cell scope closed form: matched = min(S, D) up to the grid
            if np.any(np.abs(S - m) > 1e-9 * np.maximum(m, 1) + grid * N):
                fail(f"{scope} scope: matched energy differs from min(S, D)")
        elif np.any(S > m * (1 + 1e-12) + grid * N):
            fail("neighbours scope: more matched than min(S, D)")
        if scope == "neighbours":
            rep = neighbours_replay(f, rounds)
            if rep is None:
                print("note: switching graphs or link failures: the neighbours replay is skipped")
            else:
                rs, rb, zb, zs, E = rep
                scale = max(1.0, float(np.abs(rs).max()))
                if not np.allclose(a["sold"][...], rs, rtol=0, atol=1e-12 * scale) or not np.allclose(
                        a["bought"][...], rb, rtol=0, atol=1e-12 * scale):
                    fail("neighbours scope: sold/bought differ from the replay of X1-X4 beyond 1e-12")
                for (j, i), z in zb.items():  # both ends of every edge hold bitwise the same z_{j->i}
                    if not np.array_equal(z, zs[(j, i)]):
                        fail(f"z_({j}->{i}) differs between its buyer and its seller end")
                # the market edges of each step: the graph's less those cut by alarms at earlier steps (§16.8)
                T = rs.shape[0]
                E = E - sum((np.arange(T) >= c).astype(float) for c in market_cut_steps(f).values())
                want = 2.0 * rounds * 2 * E  # X1 and X2 on each directed edge, each round
                extra = 8.0 * 2 * E if alg == "mfq" else 0.0  # mfq: the action rides X1 of round 1 (8 B per directed edge)
                if np.any(s["msgs_market"][...] != want) or np.any(s["bytes_market"][...] != 16 * want + extra):
                    fail(f"msgs_market/bytes_market differ from 4 R_m |E| = {np.max(want):g} (and 16 B each, + {np.max(extra):g} B of actions)")
        # 2. with ideal forecasts (declared = metered), C_t equals C^net_t to eps_g, and bill_i <= bill^x_i
        if f["inputs/gridcell"].attrs["forecast"] in ("ideal", b"ideal") and pooled:
            # 11. ideal forecasts give MAPE = 0
            if np.any(s["mape"][...] != 0) or not np.array_equal(a["load_hat"][...], a["load"][...]):
                fail("ideal forecasts: MAPE is not 0")
            eps = grid * DELTA * lb * N + 1e-12 * np.abs(costnet)
            if np.any(np.abs(cost - costnet) > eps):
                t = int(np.argmax(np.abs(cost - costnet) - eps))
                fail(f"ideal forecasts, cell scope: |C - C^net| = {abs(cost[t] - costnet[t]):.3e} > eps_g at step {t + 1}")
            net, price_b, price_s = a["net"][...], lb[:, None], s["price_sell"][...][:, None]
            billx = DELTA * (price_b * np.maximum(net, 0) - price_s * np.maximum(-net, 0) + 0.01 * np.abs(b))
            if np.any(a["bill"][...] > billx + grid * DELTA * price_b + 1e-12):
                fail("individual rationality: a bill exceeds its no-trade counterfactual")
    print(f"OK: {path}: {alg} oracles hold over {cost.size} steps and {N} homes")


def utility(lb, ls, x):
    """The exact C^U(x) = lambda_b [x]_+ - lambda_s [-x]_+ (§16.4)."""
    return np.where(x > 0, lb * x, ls * x)


def opt_oracles(alg, f, path):
    """§16.6 and oracle 6 for the optimization-based clearing (pdct, coa, ...): the pool account, the bills at the
    exact C^U, the oracle price between feed-in and retail, coa's exact clearing."""
    s, a = f["series"], f["agents"]
    lb, ls = s["price_buy"][...], s["price_sell"][...]
    e, pi, n, b = a["trade"][...], a["pool_price"][...], a["net"][...], a["battery"][...]
    N = e.shape[1]
    grid = 2.0 ** -30
    emax = float(f["inputs/gridcell"].attrs["opt_emax"])
    if not np.array_equal(e, a["x"][...]):
        fail("/agents/trade differs from the decision x")
    # The pool account: E_t = sum e_i and A_t = Delta sum pi_i e_i (exact sums of the 2^-30 grid values),
    # B_t = A_t - Delta C^U(E_t).
    E, B = s["pool_imbalance"][...], s["pool_balance"][...]
    if np.any(np.abs(E - e.sum(axis=1)) > grid * N + 1e-12 * np.abs(e).sum(axis=1)):
        fail("pool_imbalance differs from the sum of the trades beyond the grid rounding")
    A = DELTA * (pi * e).sum(axis=1)
    Bw = A - DELTA * utility(lb, ls, E)
    tolB = DELTA * grid * N * (1 + np.abs(pi).max(axis=1) + lb) + 1e-12 * DELTA * np.abs(pi * e).sum(axis=1)
    if np.any(np.abs(B - Bw) > tolB):
        t = int(np.argmax(np.abs(B - Bw) - tolB))
        fail(f"pool identity: step {t + 1}: B_t = {B[t]!r}, A_t - Delta C^U(E_t) = {Bw[t]!r}")
    # Bills at the exact C^U: Delta [pi e + C^U(n - e) + c_deg |b|] - B/N.
    cdeg = float(f["inputs/gridcell"].attrs.get("c_deg", 0.01))
    bill = DELTA * (pi * e + utility(lb[:, None], ls[:, None], n - e) + cdeg * np.abs(b)) - B[:, None] / N
    if not np.allclose(a["bill"][...], bill, rtol=1e-12, atol=1e-12):
        fail(f"bills differ from the settlement of §16.4 by up to {np.abs(a['bill'][...] - bill).max():.3e}")
    # Oracle 6: lambda_s <= mu* <= lambda_b (the realized or the forecast oracle, both).
    mus = s["oracle_mu"][...]
    if np.any(mus < ls - 1e-12) or np.any(mus > lb + 1e-12):
        t = int(np.argmax(np.maximum(ls - mus, mus - lb)))
        fail(f"oracle price mu* = {mus[t]!r} outside [lambda_s, lambda_b] = [{ls[t]!r}, {lb[t]!r}] at step {t + 1}")
    if np.any(np.abs(e) > emax * (1 + 1e-15)):
        fail("a trade left [-e_max, e_max]")
    # §16.9 opt metric: price_gap_mean = mean_i |pi_i - mu*_t| on every step the oracle ran, NaN on the others;
    # the summary's price gap mean is its average over those steps.
    gap = s["price_gap_mean"][...]
    ran = ~np.isnan(mus)
    if not np.array_equal(np.isnan(gap), ~ran):
        fail("price_gap_mean is NaN on a step with an oracle, or set on one without")
    if not ran.any():
        fail("no step ran the oracle: the price-gap check has nothing to check")
    gw = np.abs(pi - mus[:, None]).mean(axis=1)
    if not np.allclose(gap[ran], gw[ran], rtol=1e-12, atol=1e-15):
        t = int(np.argmax(np.where(ran, np.abs(gap - gw), 0)))
        fail(f"price_gap_mean at step {t + 1} is {gap[t]!r}, mean |pi_i - mu*| is {gw[t]!r}")
    gm = float(f.attrs["gridcell_price_gap_mean"])
    if not np.isclose(gm, gap[ran].mean(), rtol=1e-12, atol=0):
        fail(f"summary price gap mean {gm!r} is not the mean of the series, {gap[ran].mean()!r}")
    if alg == "pdct":
        # Scheme G is pdct's default on gridcell (§16.6) unless -pdct_scheme names another.
        opts = f.attrs.get("options", "")
        opts = opts.decode() if isinstance(opts, bytes) else str(opts)
        scheme = f["inputs/algorithm"].attrs["scheme"]
        scheme = scheme.decode() if isinstance(scheme, bytes) else str(scheme)
        if "-pdct_scheme" not in opts and scheme != "G":
            fail(f"pdct on gridcell ran scheme {scheme}, not G")
    if alg == "coa":
        # coa clears the declared positions exactly (§6's stopping rules): |sum e| <= 1e-11 N e_max, at 1e-9 of
        # the traded volume; its broadcast price is every home's pi and lies in [lambda_s, lambda_b].
        c = s["constraint"][...]
        vol = np.abs(e).sum(axis=1)
        if np.any(np.abs(c) > 1e-11 * N * emax) or np.any(np.abs(c) > 1e-9 * np.maximum(vol, 1e-300) + 1e-11 * N * emax):
            fail(f"coa: |sum e| up to {np.abs(c).max():.3e} kW, more than 1e-11 N e_max")
        mu = s["lambda"][...]
        if not np.array_equal(pi, np.repeat(mu[:, None], N, axis=1)):
            fail("coa: a home's pool price differs from the broadcast mu")
        if np.any(mu < ls - 1e-12) or np.any(mu > lb + 1e-12):
            fail("coa: the clearing price left [lambda_s, lambda_b]")
        if np.any(np.abs(B) > DELTA * (mu + lb) * np.abs(E) + tolB):
            fail("coa: |B_t| > Delta (mu* + lambda_b) |E_t|")
    print(f"OK: {path}: {alg} pool account, bills, oracle price, price gap (mean {gm:.4g})" + (", exact clearing" if alg == "coa" else ""))


def nsw(path, csv_path):
    f = h5py.File(path, "r")
    g, s = f["inputs/gridcell"], f["series"]
    if g.attrs["source"] not in ("nsw", b"nsw"):
        fail(f"{path}: source is {g.attrs['source']!r}, not nsw")
    rows = {}
    with open(csv_path, newline="") as fh:
        for r in csv.DictReader(fh):
            rows[r["SETTLEMENTDATE"]] = (float(r["TOTALDEMAND"]), float(r["RRP"]))
    L, buy, sell = g["load_system"][...], g["price_buy"][...], g["price_sell"][...]
    n, tau0 = L.size, int(g.attrs["warmup_steps"])
    if n % 96 or tau0 % 96:
        fail(f"{n} steps with {tau0} warm-up steps: not whole days")
    tariff = g.attrs["tariff"]
    tariff = tariff.decode() if isinstance(tariff, bytes) else tariff
    for k in range(n):
        m0 = 15 * k  # minutes from 2024/07/01 00:00, market time; SETTLEMENTDATE = start + 5, 10, 15 min
        three = []
        for j in (5, 10, 15):
            m = m0 + j
            label = f"2024/07/{1 + m // 1440:02d} {m % 1440 // 60:02d}:{m % 60:02d}:00"
            if label not in rows:
                fail(f"step {k}: no CSV row {label}")
            three.append(rows[label])
        load = sum(d for d, _ in three) / 3
        rrp = sum(p for _, p in three) / 3
        if abs(L[k] - load) > 1e-12 * load:
            fail(f"step {k}: load_system {L[k]!r} is not the mean {load!r} of its three 5-minute rows")
        if tariff == "aemo":
            ls, lb = max(rrp, 0.0) / 1000, max(rrp, 0.0) / 1000 + float(g.attrs["aemo_adder"])
            if abs(sell[k] - ls) > 1e-15 or abs(buy[k] - lb) > 1e-14:
                fail(f"step {k}: prices ({buy[k]!r}, {sell[k]!r}) differ from the aemo closed form ({lb!r}, {ls!r})")
    if g.attrs["currency"] not in (("AUD", b"AUD") if tariff == "aemo" else ("$", b"$")):
        fail(f"currency {g.attrs['currency']!r} with the {tariff} tariff")
    T = s["price_buy"].size
    if T != n - tau0 or not np.array_equal(s["price_buy"][...], buy[tau0:]) or not np.array_equal(s["price_sell"][...], sell[tau0:]):
        fail("/series prices differ from the main window of /inputs/gridcell")
    print(f"OK: {path}: {n} steps ({tau0} warm-up) of nsw load and {tariff} prices match {csv_path}")


def scopes(cell_path, nb_path):
    """Oracle 2: the neighbours scope on the complete graph equals the cell scope (and so the MMR closed form,
    which `oracles` checks on the cell run) to 1e-12."""
    fc, fn = h5py.File(cell_path, "r"), h5py.File(nb_path, "r")
    if scope_of(fc)[0] != "cell" or scope_of(fn)[0] != "neighbours" or not complete_graph(fn):
        fail("scopes: needs a cell-scope run and a neighbours-scope run on the complete graph")
    for k in ("trade", "sold", "bought", "bill", "soc", "net"):
        x, y = fc["agents"][k][...], fn["agents"][k][...]
        scale = max(1.0, float(np.abs(x).max()))
        if x.shape != y.shape or not np.allclose(x, y, rtol=0, atol=1e-12 * scale):
            fail(f"scopes: /agents/{k} of the neighbours scope on the complete graph differs from the cell scope "
                 f"by {np.abs(x - y).max():.3e}")
    for k in ("cost", "matched", "sold", "bought"):
        x, y = fc["series"][k][...], fn["series"][k][...]
        if not np.allclose(x, y, rtol=0, atol=1e-12 * max(1.0, float(np.abs(x).max()))):
            fail(f"scopes: /series/{k} differs between the scopes")
    print(f"OK: neighbours scope on the complete graph equals the cell scope ({nb_path}, {cell_path})")


def forecast(dodge, src, outdir):
    runs = {"persistence": ["-gridcell_forecast", "persistence"],
            "own": ["-gridcell_forecast_neighbours", "false"],
            "neighbours": ["-gridcell_forecast_neighbours", "true"],
            "laplace": ["-gridcell_forecast_neighbours", "true", "-gridcell_share_privacy", "laplace", "-gridcell_share_eps", "1"],
            "mask": ["-gridcell_forecast_neighbours", "true", "-gridcell_share_privacy", "mask"]}
    # The neighbour-augmented forecaster with the model averaging of algorithms.md §13.4 every step (R_avg = 1).
    avg = ["-gridcell_forecast_neighbours", "true", "-gridcell_rls", "4,0.99,100,1"]
    runs.update({"avg": avg, "avg_laplace": avg + ["-gridcell_share_privacy", "laplace", "-gridcell_share_eps", "1"],
                 "avg_mask": avg + ["-gridcell_share_privacy", "mask"]})
    mape = {}
    for name, extra in runs.items():
        path = os.path.join(outdir, f"gridcell_forecast_{src}_{name}.h5")
        cmd = [dodge, "-problem", "gridcell", "-algorithm", "none", "-gridcell_source", src, "-progress", "0",
               "-output_overwrite", "-output_file", path] + extra
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
        with h5py.File(path, "r") as f:
            mape[name] = (float(f.attrs["gridcell_mape"]), float(f.attrs["gridcell_eval_mape"]))
        print(f"{src} {name:12s} MAPE main {mape[name][0]:.3f} %  eval {mape[name][1]:.3f} %")
    for w, wn in enumerate(("main", "eval")):
        # Obfuscation costs at most 0.05 percentage points against clear shares (the seed's "obfuscation costs
        # little"), with and without model averaging.
        for ref, k in (("neighbours", "laplace"), ("neighbours", "mask"), ("avg", "avg_laplace"), ("avg", "avg_mask")):
            if mape[k][w] > mape[ref][w] + 0.05:
                fail(f"{src} {wn}: {k} MAPE {mape[k][w]:.3f} exceeds clear shares {mape[ref][w]:.3f} + 0.05")
        # The seed's "neighbour data help" holds for the neighbour-augmented forecaster with model averaging.
        if not mape["avg"][w] < mape["own"][w]:
            fail(f"{src} {wn}: neighbours with model averaging, MAPE {mape['avg'][w]:.3f}, no longer beat own data "
                 f"{mape['own'][w]:.3f}")
        # The finding of docs/gridcell.md beside it: the shares as features alone do NOT beat own data in this
        # model (per-home MAPE, dominated by the AR(1) residual): their 4 more parameters under lambda_f = 0.99
        # cost more than the neighbours' common factor adds. A change that makes them help fails here: update the
        # docs and this check.
        if not mape["own"][w] < mape["neighbours"][w]:
            fail(f"{src} {wn}: neighbours MAPE {mape['neighbours'][w]:.3f} now beats own data {mape['own'][w]:.3f}: "
                 "update docs/gridcell.md and this check")
    print(f"OK: {src}: forecast ordering holds in both windows")


def run_all(base, runs, outdir, tag):
    """Runs dodge with base + -output_file + each run's extra options; the open output files by run name."""
    f = {}
    for name, extra in runs.items():
        path = os.path.join(outdir, f"gridcell_{tag}_{name}.h5")
        cmd = base + ["-output_file", path] + extra
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
        f[name] = h5py.File(path, "r")
    return f


def route(dodge, outdir):
    base = [dodge, "-problem", "gridcell", "-algorithm", "mmr", "-gridcell_days", "2", "-gridcell_eval_days", "1", "-agents", "37",
            "-progress", "0", "-output_agents", "all", "-output_overwrite"]
    rt = ["-gridcell_route", "true"]
    runs = {"off": [], "on": rt, "periodic": rt + ["-gridcell_route_comm", "periodic"],
            "zero": rt + ["-gridcell_route_trigger", "0,0,0.05"],
            "realized": rt + ["-gridcell_route_mode", "realized", "-graph_link_failure", "0.3"],
            # oracle 9: no feeder or PCC resistance, zeta held at 0 (no gains), scheduled (eps = 0), one iteration
            "short": rt + ["-gridcell_route_electrical", "380,0.02,10,3,0,0,0", "-gridcell_route_gains", "0,0,0.1",
                           "-gridcell_route_iters", "1"],
            # oracle 9: one step (a fixed schedule), the complete graph, K = 5000
            "converged": rt + ["-graph_family", "complete", "-gridcell_route_iters", "5000", "-gridcell_route_trigger",
                               "0,0,0.05", "-steps", "1"]}
    f = run_all(base, runs, outdir, "route")
    own = ("zeta", "v", "iota")
    for k in own:
        if not np.array_equal(f["zero"]["agents"][k][...], f["periodic"]["agents"][k][...]):
            fail(f"c0_r = c1_r = 0: /agents/{k} differs from the periodic run's")
        if k in f["off"]["agents"]:
            fail(f"/agents/{k} written without -gridcell_route")
    for name in ("on", "zero", "realized"):
        s = f[name]["series"]
        m, per = s["msgs_route"][...], s["msgs_route_periodic"][...]
        if np.any(m > per) or np.any(m <= 0):
            fail(f"{name}: routing messages outside (0, periodic] in some step")
    sp = f["periodic"]["series"]
    if not np.array_equal(sp["msgs_route"][...], sp["msgs_route_periodic"][...]):
        fail("periodic: the counted messages are not the periodic reference K sum deg_H")
    ratio = float(f["on"].attrs["gridcell_route_msgs_ratio"])
    print(f"event-triggered (c0_r = 1e-3): {ratio:.3f} of the periodic messages; with c0_r = 0: "
          f"{float(f['zero'].attrs['gridcell_route_msgs_ratio']):.3f}")
    if not ratio < 0.9:
        fail(f"the event trigger sent {ratio} of the periodic messages")
    for k in f["off"]["agents"]:
        if not np.array_equal(f["off"]["agents"][k][...], f["on"]["agents"][k][...], equal_nan=True):
            fail(f"routing changed /agents/{k}: it must feed nothing back")
    K = {"on": 20, "zero": 20, "periodic": 20, "realized": 20, "short": 1, "converged": 5000}
    for name, fl in f.items():
        if name == "off":
            continue
        s = fl["series"]
        drift, kcl = float(np.max(s["vbar_drift"][...])), float(np.max(s["kcl_residual"][...]))
        if drift > 1e-12 * (K[name] + 1) or kcl > 1e-9:
            fail(f"{name}: sum vbar - sum v drifts by {drift} or KCL is off by {kcl} (relative)")
        # KCL from the recorded currents: I_i = iota_i I^rat_i - 1000 n_hat_i / V*, and sum I + I_p = sum eps.
        a, inp = fl["agents"], fl["inputs/gridcell"]
        vs = float(inp.attrs["route_v_star"])
        isch = -1000.0 * a["net_sched"][...] / vs
        cur = a["iota"][...] * inp["i_rated"][...] + isch
        eps = 1000.0 * (a["net"][...] - a["net_sched"][...]) / vs if inp.attrs["route_mode"] == "realized" else 0 * isch
        tot = cur.sum(axis=1) + s["pcc_current"][...]
        scale = np.abs(cur).sum(axis=1) + np.abs(s["pcc_current"][...])
        err = float(np.max(np.abs(tot - eps.sum(axis=1)) / scale))
        if err > 1e-9:
            fail(f"{name}: the recorded currents break KCL by {err} (relative)")
    sh = f["short"]
    if float(np.max(np.abs(sh["agents/iota"][...]))) > 1e-9 or np.any(sh["agents/zeta"][...] != 0) or \
            float(np.max(sh["series/share_err_max"][...])) > 1e-9:
        fail(f"R = 0, zeta = eps = 0: I_i != I_sch_i (max |iota| {np.max(np.abs(sh['agents/iota'][...]))})")
    c = f["converged"]["series"]
    ev, ei = float(c["v_err"][0]), float(c["share_err_max"][0])
    print(f"K = 5000 on the complete graph: e_V = {ev:.3g} V, e_I = {ei:.3g}")
    if ev > 1e-9 or ei > 1e-9:
        fail(f"K = 5000 on the complete graph: e_V = {ev} V, e_I = {ei}")
    on = f["on"]
    print(f"default routing: e_V {float(on.attrs['gridcell_route_v_err']):.4f} V, e_I max "
          f"{float(on.attrs['gridcell_route_share_err_max']):.4f}, rms {float(on.attrs['gridcell_route_share_err_rms']):.4f} p.u.")
    print("OK: gridcell routing")


def mfq_replay(f, backup="boltzmann"):
    """Q of every home replayed from the logged transitions (§16.5 M0): returns [N, 675]."""
    a = f["agents"]
    par = f["inputs/algorithm/mfq_parameters"][...]
    eta, gamma = par[0], par[1]
    st, act, mf, bill = (a[k][...] for k in ("mfq_state", "action", "mfq_mf", "bill"))
    tb = f["series/mfq_temperature"][...]
    T, N = st.shape
    Q = np.zeros((N, 75, 3, 3))
    hb = f["inputs/gridcell/has_battery"][...] > 0.5
    for t in range(1, T):  # M0 of step t + 1 (0-based t) updates the transition of step t
        for i in np.nonzero(hb)[0]:
            s1, m0, s0, a0 = int(st[t, i]), int(mf[t - 1, i]), int(st[t - 1, i]), int(act[t - 1, i])
            q = Q[i, s1, m0]
            if backup == "max":
                v = q.max()
            else:
                w = np.exp((q - q.max()) / tb[t])
                pi = w / w.sum()
                v = pi[0] * q[0] + pi[1] * q[1] + pi[2] * q[2]
            Q[i, s0, m0, a0] = (1 - eta) * Q[i, s0, m0, a0] + eta * (-bill[t - 1, i] + gamma * v)
    return Q.reshape(N, 675)


def mfq(dodge, outdir):
    base = [dodge, "-problem", "gridcell", "-gridcell_days", "4", "-gridcell_eval_days", "1", "-agents", "40", "-progress", "0",
            "-output_agents", "all", "-output_overwrite"]
    q = ["-algorithm", "mfq", "-gridcell_output_q", "true"]
    runs = {"mmr": ["-algorithm", "mmr"], "self": ["-algorithm", "mfq", "-mfq_policy", "self"], "learn": q,
            "max": q + ["-mfq_backup", "max"], "gamma0": q + ["-mfq_learning", "0.3,0"], "eta0": q + ["-mfq_learning", "0,0.98"],
            "passes": q + ["-mfq_passes", "2"], "cell": q + ["-gridcell_market_scope", "cell"],
            # the default bins given in the spec's own notation (';' lists): the same run as "learn"
            "bins": q + ["-mfq_bins", "-2,-0.5,0.5,2;0.4,0.7;6,10,16,21"]}
    f = run_all(base, runs, outdir, "mfq")
    # oracle 10: self is mmr bitwise
    for grp in ("agents", "summary"):
        if set(f["self"][grp]) != set(f["mmr"][grp]):
            fail(f"-mfq_policy self: /{grp} has other fields than mmr's")
        for k in f["mmr"][grp]:
            if not np.array_equal(f["self"][grp][k][...], f["mmr"][grp][k][...], equal_nan=True):
                fail(f"-mfq_policy self: /{grp}/{k} differs from -algorithm mmr")
    for k in f["mmr"]["series"]:
        if k != "step_time" and not np.array_equal(f["self"]["series"][k][...], f["mmr"]["series"][k][...], equal_nan=True):
            fail(f"-mfq_policy self: /series/{k} differs from -algorithm mmr")
    # Q replays from the logged transitions
    for name, backup in (("learn", "boltzmann"), ("max", "max"), ("gamma0", "boltzmann"), ("passes", None), ("cell", "boltzmann")):
        g = f[name]
        Qf = g["summary/mfq_Q"][...]
        if backup is not None:
            Qr = mfq_replay(g, backup)
            scale = max(1.0, float(np.abs(Qr).max()))
            if not np.allclose(Qf, Qr, rtol=0, atol=1e-12 * scale):
                fail(f"{name}: /summary/mfq_Q differs from the replay of the logged transitions by {np.abs(Qf - Qr).max():.3e}")
            if np.count_nonzero(Qr) < 50:
                fail(f"{name}: only {np.count_nonzero(Qr)} Q entries were ever updated")
        if name == "gamma0":
            # the eta-EWMA of the rewards observed after each (s, mf, a), computed directly
            a = g["agents"]
            st, act, mf, bill = (a[k][...] for k in ("mfq_state", "action", "mfq_mf", "bill"))
            E = {}
            for t in range(st.shape[0] - 1):
                for i in np.nonzero(act[t] >= 0)[0]:
                    key = (i, int(st[t, i]), int(mf[t, i]), int(act[t, i]))
                    E[key] = 0.7 * E.get(key, 0.0) + 0.3 * -bill[t, i]
            for (i, s0, m0, a0), v in E.items():
                if abs(Qf[i, (s0 * 3 + m0) * 3 + a0] - v) > 1e-12 * max(1.0, abs(v)):
                    fail(f"gamma_Q = 0: Q[{i}][{s0}][{m0}][{a0}] = {Qf[i, (s0 * 3 + m0) * 3 + a0]!r} is not the EWMA {v!r}")
            if np.count_nonzero(Qf) != len([v for v in E.values() if v != 0]):
                fail("gamma_Q = 0: Q has entries no transition reached")
    for grp in ("agents", "summary"):
        for k in f["learn"][grp]:
            if not np.array_equal(f["bins"][grp][k][...], f["learn"][grp][k][...]):
                fail(f"-mfq_bins with the default edges: /{grp}/{k} differs from the default run")
    if np.any(f["eta0"]["summary/mfq_Q"][...] != 0):
        fail("eta_Q = 0: Q left 0")
    # passes: pass 1 of two is the one-pass run (identical data, Q from 0); the recorded pass costs its /series
    pc = f["passes"]["summary/mfq_pass_cost"][...]
    c1 = f["learn"]["series/cost"][...].sum()
    # (the pass costs are exact sums of each home's day on the 2^-20 $ grid: N days 2^-21 of rounding at most)
    tol = 40 * 4 * 2.0 ** -21 + 1e-12 * abs(c1)
    if len(pc) != 2 or abs(pc[0] - c1) > tol or abs(pc[1] - f["passes"]["series/cost"][...].sum()) > tol:
        fail(f"-mfq_passes 2: pass costs {pc} against the one-pass run's {c1!r} and the recorded pass's")
    if np.array_equal(f["passes"]["agents/action"][...], f["learn"]["agents/action"][...]):
        fail("-mfq_passes 2: the recorded pass played exactly what pass 1 played (nothing learned carried over)")
    for name in ("learn", "max", "cell", "passes"):
        g = f[name]
        a, gi = g["agents"], g["inputs/gridcell"]
        hb = gi["has_battery"][...] > 0.5
        act, st, mf, b, soc = (a[k][...] for k in ("action", "mfq_state", "mfq_mf", "battery", "soc"))
        T, N = act.shape
        if np.any(act[:, ~hb] != -1) or np.any(st[:, ~hb] != -1) or not np.all(np.isin(act[:, hb], (0, 1, 2))):
            fail(f"{name}: actions outside {{0, 1, 2}} at battery homes or not -1 elsewhere")
        # the battery power of each action, bitwise: b^lo, the rule clip(-q_hat, b^lo, b^hi), b^hi
        E, P, eta = gi["battery_kwh"][...], gi["battery_kw"][...], gi.attrs["battery_eta"]
        lo_, hi_ = gi.attrs["soc_lo"], gi.attrs["soc_hi"]
        soc_prev = np.vstack([np.full((1, N), gi.attrs["soc_initial"]), soc[:-1]])
        bhi = np.maximum(0.0, np.minimum(P, (hi_ - soc_prev) * E / (eta * DELTA)))
        blo = -np.maximum(0.0, np.minimum(P, (soc_prev - lo_) * E * eta / DELTA))
        qh = a["load_hat"][...] - a["pv_hat"][...]
        rule = np.minimum(np.maximum(-qh, blo), bhi)
        want = np.where(act == 0, blo, np.where(act == 2, bhi, rule))
        if not np.array_equal(b[:, hb], want[:, hb]):
            fail(f"{name}: a battery's power is not b^lo, the rule or b^hi of its action")
        # the state from q_hat, SoC and the hour of the step's start (time: hours of the interval start)
        hours = np.mod(g["series/time"][...], 24.0)
        per = sum((hours >= e).astype(int) for e in (6, 10, 16, 21))
        nb_ = sum((qh >= e).astype(int) for e in (-2, -0.5, 0.5, 2))
        sb = sum((soc_prev >= e).astype(int) for e in (0.4, 0.7))
        sw = (3 * nb_ + sb) * 5 + per[:, None]
        if not np.array_equal(st[:, hb], sw[:, hb]):
            fail(f"{name}: the states differ from (3 n-bin + S-bin) 5 + period of q_hat, SoC and the hour")
        # the mean field from the actions (counts N+, N-, N^B over the battery neighbours, or the cell minus own)
        if name == "cell":
            npl = (act == 2).sum(axis=1)[:, None] - (act == 2)
            nmi = (act == 0).sum(axis=1)[:, None] - (act == 0)
            nbb = (act >= 0).sum(axis=1)[:, None] - (act >= 0)
        else:
            edges = g["inputs/graph/g1/edges"][...]
            A = np.zeros((N, N), dtype=np.int64)
            A[edges[:, 0], edges[:, 1]] = 1
            A[edges[:, 1], edges[:, 0]] = 1
            npl, nmi, nbb = (act == 2).astype(np.int64) @ A, (act == 0).astype(np.int64) @ A, (act >= 0).astype(np.int64) @ A
        x = 3 * (npl - nmi)
        mfw = np.where(x < -nbb, 0, np.where(x > nbb, 2, 1))
        if not np.array_equal(mf, mfw):
            fail(f"{name}: the mean fields differ from the neighbours' actions")
        if len(set(np.unique(mf))) < 2:
            fail(f"{name}: every mean field is the same ({np.unique(mf)}): the check shows nothing")
        s = g["series"]
        for k, v in (("mfq_sell", 0), ("mfq_idle", 1), ("mfq_buy", 2)):
            if not np.array_equal(s[k][...], (act == v).sum(axis=1)):
                fail(f"{name}: /series/{k} is not the count of the logged actions")
        upd = np.where(np.arange(T) >= 1, hb.sum(), 0)
        if not np.array_equal(s["mfq_updates"][...], upd):
            fail(f"{name}: /series/mfq_updates is not one update per battery home from step 2")
        tb = s["mfq_temperature"][...]
        par = g["inputs/algorithm/mfq_parameters"][...]
        ctr = np.arange(T) + (T if name == "passes" else 0)
        if not np.allclose(tb, np.maximum(par[4], par[2] * par[3] ** (ctr // 96)), rtol=1e-14, atol=0):
            fail(f"{name}: the temperature is not max(Tb_min, Tb_0 d_T^floor(ctr/96))")
    # uniform actions at an infinite temperature: chi^2 with 2 degrees of freedom
    big = [dodge, "-problem", "gridcell", "-gridcell_days", "4", "-gridcell_eval_days", "1", "-agents", "1200", "-progress", "0",
           "-output_agents", "all", "-output_overwrite", "-algorithm", "mfq", "-mfq_temperature", "1e9,1,1e9"]
    u = run_all(big, {"uniform": []}, outdir, "mfq")["uniform"]
    act = u["agents/action"][...]
    counts = np.array([(act == k).sum() for k in range(3)], dtype=float)
    n = counts.sum()
    chi2 = float(((counts - n / 3) ** 2 / (n / 3)).sum())
    p = float(np.exp(-chi2 / 2))
    if n < 1e5 or p <= 1e-3:
        fail(f"Tb = 1e9: action counts {counts} over {n:g} draws, chi^2 = {chi2:.2f}, p = {p:.2e}")
    print(f"OK: gridcell mfq (self = mmr bitwise, Q replays, eta 0, gamma 0, passes, actions, states, mean fields; "
          f"uniform p = {p:.3f} over {n:g} draws)")


def security(dodge, outdir):
    base = [dodge, "-problem", "gridcell", "-algorithm", "none", "-gridcell_forecast_neighbours", "true", "-progress", "0",
            "-output_agents", "all", "-output_overwrite"]
    runs = {"clean": [], "attacked": ["-gridcell_attack_fraction", "0.1"],
            "detected": ["-gridcell_attack_fraction", "0.1", "-gridcell_detect", "ewma"],
            "watched": ["-gridcell_detect", "ewma"],
            # Oracle 13: identical homes without noise (every share equal), the detector on, without and with
            # bias attackers (s = 0, beta = 10 sigma_fl).
            "flat": ["-gridcell_load_sigma", "0", "-gridcell_load_kappa", "1,1", "-gridcell_detect", "ewma"],
            "flat_bias": ["-gridcell_load_sigma", "0", "-gridcell_load_kappa", "1,1", "-gridcell_detect", "ewma",
                          "-gridcell_attack_fraction", "0.1", "-gridcell_attack_data", "0,0.5"]}
    f = run_all(base, runs, outdir, "security")
    att = f["attacked"]["inputs/gridcell/attacker"][...] > 0
    t0 = int(f["attacked"]["inputs/gridcell"].attrs["attack_start_step"])
    if int(att.sum()) != int(f["detected"].attrs["gridcell_attackers"]) or not 0 < att.sum() < att.size:
        fail(f"attackers: {att.sum()} flagged in /inputs against {f['detected'].attrs['gridcell_attackers']} in the summary")
    # Honest before t_A: the attacked run's forecasts are bitwise the clean run's; after it they differ.
    lc, la = f["clean"]["agents/load_hat"][...], f["attacked"]["agents/load_hat"][...]
    if not np.array_equal(lc[:t0 - 1], la[:t0 - 1]):
        fail("the attackers changed a forecast before day d_A")
    if np.array_equal(lc[t0 - 1:], la[t0 - 1:]):
        fail("the poisoned shares changed no forecast after day d_A")
    print(f"attack from step {t0}: {int(att.sum())} attackers; forecasts differing after it at "
          f"{int(np.any(lc[t0 - 1:] != la[t0 - 1:], axis=0).sum())} of {att.size} homes")
    d = f["detected"]
    rate, fa, delay = (float(d.attrs[k]) for k in ("gridcell_detection_rate_data", "gridcell_false_alarm_rate_data",
                                                     "gridcell_alarm_delay_data"))
    print(f"ewma: detection {rate:.3f}, false alarms {fa:.4f}, mean delay {delay:.1f} steps")
    if rate < 0.9 or fa > 0.05 or not 0 < delay <= 4 * 96:
        fail(f"the detector missed the scale attackers: detection {rate}, false alarms {fa}, delay {delay} steps")
    for col, edges, want in (("alarms_attacker_data", "gridcell_attack_edges_data", rate),
                             ("alarms_honest_data", "gridcell_honest_edges_data", fa)):
        a = d["series"][col][...]
        if np.any(np.diff(a) < 0) or abs(a[-1] / float(d.attrs[edges]) - want) > 1e-15:
            fail(f"/series/{col} is not a non-decreasing count ending at the summary's rate")
    # Without attackers the detector only raises false alarms, and no more than with them.
    w = f["watched"]
    fa0 = float(w.attrs["gridcell_false_alarm_rate_data"])
    print(f"ewma without attackers: false alarms {fa0:.4f}")
    if fa0 > 0.05 or float(w["series/alarms_attacker_data"][-1]) != 0:
        fail(f"without attackers: false alarms {fa0}")
    # Without a detector nothing alarms.
    a = f["attacked"]
    if float(a["series/alarms_attacker_data"][-1]) != 0 or float(a.attrs["gridcell_detection_rate_data"]) != 0:
        fail("alarms without a detector")
    # Oracle 13: no flag ever on the noise-free instance; every bias attacker alarmed within 25 steps of t_A.
    fl = f["flat"]
    if np.any(fl["series/flags_data"][...] != 0) or fl["series/alarms_honest_data"][-1] != 0:
        fail("flags or alarms on the noise-free instance without attackers")
    fb = f["flat_bias"]
    al, edges = fb["series/alarms_attacker_data"][...], float(fb.attrs["gridcell_attack_edges_data"])
    # The attacker edges from the recorded graph (one graph, no failures): all of them, and those into honest
    # homes with at least 3 neighbours (|V| >= 4 = the minimum; with fewer the detector skips, §16.8).
    att = fb["inputs/gridcell/attacker"][...] > 0
    nbrs = [set() for _ in att]
    for u, v in fb["inputs/graph/g1/edges"][...]:
        nbrs[u].add(v), nbrs[v].add(u)
    ah = [(i, j) for i in range(att.size) if not att[i] for j in nbrs[i] if att[j]]
    seen = [(i, j) for i, j in ah if len(nbrs[i]) >= 3]
    if len(ah) != edges or not seen:
        fail(f"attacker edges: {len(ah)} in the recorded graph, {edges} in the summary")
    if al[t0 - 2] != 0 or al[t0 - 1 + 24] != len(seen) or al[-1] != len(seen) or fb["series/alarms_honest_data"][-1] != 0:
        fail(f"noise-free bias attack: {al[t0 - 2]} alarms before t_A, {al[t0 - 1 + 24]} (at the end {al[-1]}) of the "
             f"{len(seen)} attacker edges into homes with >= 3 neighbours alarmed by t_A + 24, "
             f"{fb['series/alarms_honest_data'][-1]} false alarms")
    print(f"noise-free: no flag without attackers; the {len(seen)} of {len(ah)} attacker edges into homes with >= 3 "
          f"neighbours alarmed {int(np.argmax(al > 0)) + 1 - t0}..{int(np.argmax(al == len(seen))) + 1 - t0} steps after t_A "
          "(bound 24), the others never (|V| < 4)")
    print("OK: gridcell security on the data channel")


def chart_step(c, r, kind, om, burn, h):
    """One step of a §16.8 chart on residual r, c = [s0, s1, values seen]: the EWMA chart (alarm once `burn` values
    are seen and |s0| > h) or §13.3's CUSUM (k = 0.5, h = 5). Returns whether it alarms."""
    c[2] += 1
    if kind == "ewma":
        c[0] = (1 - om) * c[0] + om * r
        return c[2] >= burn and abs(c[0]) > h
    c[0], c[1] = max(0.0, c[0] + r - 0.5), max(0.0, c[1] - r - 0.5)
    return c[0] > 5 or c[1] > 5


def market_detector_replay(f):
    """§16.8's detector on the market channel replayed from /agents (one graph, no link failures): x_j =
    declared_j - net_j from each neighbour, the receiver's own honest net_sched_i - net_i in V, robust z, then the
    EWMA chart (or CUSUM). Returns {(receiver, sender): alarm step} and the flags at honest receivers per step."""
    a, g = f["inputs/gridcell"].attrs, f["inputs/graph"]
    if int(g.attrs["switching_graphs"]) != 1 or float(g.attrs["link_failure"]) != 0:
        fail("the market detector replay needs one graph without link failures")
    kind = a["detect"].decode() if isinstance(a["detect"], bytes) else str(a["detect"])
    nu, om, h, flagz = (float(a[k]) for k in ("detect_nu", "detect_omega", "detect_h", "detect_flag"))
    minv, floor = int(a["detect_min_values"]), float(a["detect_floor_market"])
    burn = int(round(1 / om)) if kind == "ewma" else 0
    ag = f["agents"]
    x, own = ag["declared"][...] - ag["net"][...], ag["net_sched"][...] - ag["net"][...]
    T, N = x.shape
    att = f["inputs/gridcell/attacker"][...] > 0
    nbr = [set() for _ in range(N)]
    for u, v in g["g1/edges"][...]:
        nbr[int(u)].add(int(v)), nbr[int(v)].add(int(u))
    nbr = [sorted(z) for z in nbr]
    chart = {(i, j): [0.0, 0.0, 0] for i in range(N) for j in nbr[i]}
    alarm, sigma, flags = {}, [math.nan] * N, np.zeros(T)

    def middle(v):
        v = sorted(v)
        n = len(v)
        return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])

    scale_floor = math.sqrt(floor * floor + 0.0)
    for k in range(T):
        for i in range(N):
            live = [j for j in nbr[i] if (i, j) not in alarm]
            V = [own[k, i]] + [x[k, j] for j in live]
            if not nbr[i] or len(V) < minv:
                continue
            med = middle(V)
            mad = middle([abs(v - med) for v in V])
            s_new = max(1.4826 * mad, floor)
            sigma[i] = s_new if math.isnan(sigma[i]) else (1 - nu) * sigma[i] + nu * s_new
            for j in live:
                c = chart[(i, j)]
                r = min(max((x[k, j] - med) / max(sigma[i], scale_floor), -10.0), 10.0)
                if not att[i] and abs(r) > flagz:
                    flags[k] += 1
                if chart_step(c, r, kind, om, burn, h):
                    alarm[(i, j)] = k + 1
    return alarm, flags


def market(dodge, outdir):
    """§16.8 on the market channel (mmr, mfq): the attackers' declarations, the detector replayed, the alarmed edges
    out of the clearing (the X1-X4 replay with the cut), the cell scope's majority rule, the rates."""
    base = [dodge, "-problem", "gridcell", "-algorithm", "mmr", "-gridcell_days", "6", "-gridcell_eval_days", "2", "-agents", "40",
            "-gridcell_forecast_neighbours", "true", "-progress", "0", "-output_agents", "all", "-output_overwrite"]
    att = ["-gridcell_attack_fraction", "0.15", "-gridcell_attack_start_day", "3"]
    ewma = ["-gridcell_detect", "ewma"]
    flat = ["-gridcell_load_sigma", "0", "-gridcell_load_kappa", "1,1", "-gridcell_pv_fraction", "0"]
    runs = {"watched": ewma, "flat": flat + ewma, "flat_bias": flat + ewma + att, "ewma": ewma + att,
            "scale": ewma + att + ["-gridcell_attack_market", "0.5,0", "-gridcell_detect_channels", "market"],
            "cusum_replay": att + ["-gridcell_detect", "cusum", "-gridcell_attack_mode", "replay", "-gridcell_attack_lag", "96"],
            "undetected": att, "cell": ewma + att + ["-gridcell_market_scope", "cell"],
            "mfq": ewma + att + ["-algorithm", "mfq"]}
    f = run_all(base, runs, outdir, "market")
    t0 = int(f["ewma"]["inputs/gridcell"].attrs["attack_start_step"])
    for name in ("ewma", "scale", "cusum_replay", "undetected", "cell", "mfq"):
        a = f[name]["agents"]
        isatt = f[name]["inputs/gridcell/attacker"][...] > 0
        nh, dc = a["net_sched"][...], a["declared"][...]
        mode = f[name]["inputs/gridcell"].attrs["attack_mode"]
        mode = mode.decode() if isinstance(mode, bytes) else str(mode)
        ia = f[name]["inputs/gridcell"].attrs
        s_, b_ = float(ia["attack_market_s"]), float(ia["attack_market_beta"])
        want = nh.copy()
        if mode == "scale":
            want[t0 - 1:, isatt] = (1 + s_) * nh[t0 - 1:, isatt] + b_
        else:
            lag = int(ia["attack_lag"])
            k0 = max(t0 - 1, lag)
            want[k0:, isatt] = nh[k0 - lag:-lag, isatt]
        if name == "cell":
            # The majority rule: excluded from the step after a strict majority of the union neighbours alarmed it.
            deg = np.zeros(nh.shape[1], dtype=int)
            for u, v in f[name]["inputs/graph/g1/edges"][...]:
                deg[u] += 1
                deg[v] += 1
            cnt = np.zeros_like(nh, dtype=int)
            for r, snd, t in market_alarms(f[name]):
                cnt[t:, snd] += 1
            excl = 2 * cnt > deg[None, :]
            want[excl] = 0.0
            if not excl.any() or np.any(a["sold"][...][excl] != 0) or np.any(a["bought"][...][excl] != 0):
                fail(f"cell scope: {int(excl.any(axis=0).sum())} homes excluded, but an excluded home traded (or none was)")
            if not np.array_equal(f[name]["series/market_cut"][...], excl.sum(axis=1).astype(float)):
                fail("cell scope: /series/market_cut differs from the homes excluded by the majority rule")
            print(f"cell scope: {int(excl.any(axis=0).sum())} homes excluded by a majority, none traded after")
        if not np.array_equal(dc, want):
            fail(f"{name}: the declared positions are not n_hat before t_A and the {mode} attack of the attackers after "
                 f"(max deviation {np.abs(dc - want).max():.3e})")
        if np.array_equal(dc, nh):
            fail(f"{name}: no declaration was poisoned")
    # The detector, replayed: the same alarms at the same steps, the same flags.
    for name in ("watched", "flat", "flat_bias", "ewma", "scale", "cusum_replay", "mfq"):
        fr = f[name]
        al, flags = market_detector_replay(fr)
        got = {(int(r), int(snd)): int(t) for r, snd, t in market_alarms(fr)}
        if got != al:
            diff = sorted(set(got.items()) ^ set(al.items()))[:5]
            fail(f"{name}: the market alarms differ from the replayed detector: {len(got)} against {len(al)}, e.g. {diff}")
        if not np.array_equal(fr["series/flags_market"][...], flags):
            fail(f"{name}: /series/flags_market differs from the replay")
        isatt = fr["inputs/gridcell/attacker"][...] > 0
        ah = sum(1 for (r, snd) in al if not isatt[r] and isatt[snd])
        hh = sum(1 for (r, snd) in al if not isatt[r] and not isatt[snd])
        s = fr["series"]
        if s["alarms_attacker_market"][-1] != ah or s["alarms_honest_market"][-1] != hh:
            fail(f"{name}: /series alarm counts {s['alarms_attacker_market'][-1]}, {s['alarms_honest_market'][-1]} against {ah}, {hh}")
        cut = market_cut_steps(fr)
        if s["market_cut"][-1] != len(cut):
            fail(f"{name}: /series/market_cut ends at {s['market_cut'][-1]}, {len(cut)} edges alarmed")
        print(f"{name}: {len(al)} alarms replayed ({ah} attacker -> honest, {hh} honest -> honest), {len(cut)} edges cut, "
              f"{int(flags.sum())} flags")
    # The clearing without the cut edges (X1-X4 replayed) and every market oracle, on the attacked runs.
    for name in ("ewma", "flat_bias", "cusum_replay", "undetected", "cell"):
        oracles("mmr", os.path.join(outdir, f"gridcell_market_{name}.h5"))
    oracles("mfq", os.path.join(outdir, "gridcell_market_mfq.h5"))
    # No attackers: never a flag on the noise-free cell, few false alarms on the default one.
    if np.any(f["flat"]["series/flags_market"][...] != 0) or len(market_alarms(f["flat"])):
        fail("flags or alarms on the noise-free cell without attackers")
    fa0 = float(f["watched"].attrs["gridcell_false_alarm_rate_market"])
    if fa0 > 0.05:
        fail(f"without attackers: market false alarms {fa0}")
    # A bias of 2 kW (40 floors) on the noise-free cell: every attacker edge into an honest home whose V keeps an
    # honest median is alarmed exactly 20 steps after t_A (chart 10 (1 - (1 - 1/192)^k) > 1 from k = 21), and
    # no honest edge is.
    fb = f["flat_bias"]
    al = {(int(r), int(snd)): int(t) for r, snd, t in market_alarms(fb)}
    isatt = fb["inputs/gridcell/attacker"][...] > 0
    mine = [(r, snd) for (r, snd) in al if not isatt[r]]
    if not mine or any(not isatt[snd] or al[(r, snd)] != t0 + 20 for r, snd in mine):
        fail(f"noise-free bias: alarms at honest homes {sorted((k, al[k]) for k in mine)[:6]}, expected attacker edges at t_A + 20 = {t0 + 20}")
    e = f["ewma"].attrs
    rate, fa, delay = (float(e[f"gridcell_{k}_market"]) for k in ("detection_rate", "false_alarm_rate", "alarm_delay"))
    print(f"market ewma: detection {rate:.3f}, false alarms {fa:.4f}, mean delay {delay:.1f} steps; no attackers: false alarms {fa0:.4f}; "
          f"noise-free bias: {len(mine)} attacker edges alarmed at t_A + 20")
    if rate < 0.8 or fa > 0.05 or not 0 < delay <= 96:
        fail(f"the market detector missed the 2 kW bias: detection {rate}, false alarms {fa}, delay {delay}")
    # Bytes of the G7 message: z, n (and n_hat' in the cell scope) per message.
    for name, w in (("ewma", 16), ("cell", 24)):
        s = f[name]["series"]
        if not np.array_equal(s["bytes_data"][...], w * s["msgs_data"][...]):
            fail(f"{name}: bytes_data is not {w} per G7 message")
    if "market_alarms" in f["undetected"]["summary"] or float(f["undetected"]["series/market_cut"][-1]) != 0:
        fail("alarms without a market detector")
    print("OK: gridcell security on the market channel")


def dual_detector_replay(f):
    """§16.8's detector on the dual channel replayed from /agents (one graph, no link failures): what each neighbour
    sent at step t (its recorded mu and, for pdct, y of step t; an attacker's (1 + s) v + beta per coordinate, or v
    of `lag` steps earlier, from t_A), the receiver's own stored values in V, per coordinate the robust z on
    sigma_hat with the coordinate's floor, then the EWMA chart with its burn-in (or CUSUM); an edge alarms when
    any coordinate does, and is left out of V from that step on. Returns {(receiver, sender): alarm step} and
    {(receiver, sender): steps flagged}."""
    ia, g, att_in = f["inputs/gridcell"].attrs, f["inputs/graph"], f["inputs/attack"]
    if int(g.attrs["switching_graphs"]) != 1 or float(g.attrs["link_failure"]) != 0:
        fail("the dual detector replay needs one graph without link failures")
    kind = ia["detect"].decode() if isinstance(ia["detect"], bytes) else str(ia["detect"])
    nu, om, h, flagz = (float(att_in[k][0]) for k in ("nu", "omega", "h", "flag"))
    minv = int(att_in["min_values"][0])
    floors, beta = att_in["sigma_floors"][...], att_in["beta"][...]
    W = len(floors)
    s_, lag, t0 = float(att_in["scale"][0]), int(att_in["lag"][0]), int(att_in["start"][0])
    mode = ia["attack_mode"].decode() if isinstance(ia["attack_mode"], bytes) else str(ia["attack_mode"])
    burn = int(round(1 / om)) if kind == "ewma" else 0
    ag = f["agents"]
    stored = np.stack([ag["mu"][...], ag["y"][...]][:W], axis=2)  # (T, N, W)
    T, N, _ = stored.shape
    att = set(int(a) for a in att_in["attackers"][...])
    sent = stored.copy()
    for j in att:
        for k in range(t0 - 1, T):
            if mode == "scale":
                sent[k, j] = (1 + s_) * stored[k, j] + beta
            else:
                sent[k, j] = stored[k - lag, j] if k - lag >= 0 else stored[k, j]
    nbr = [set() for _ in range(N)]
    for u, v in g["g1/edges"][...]:
        nbr[int(u)].add(int(v)), nbr[int(v)].add(int(u))
    nbr = [sorted(z) for z in nbr]
    chart = {(i, j, c): [0.0, 0.0, 0] for i in range(N) for j in nbr[i] for c in range(W)}
    alarm, flags, sigma = {}, {}, np.full((N, W), math.nan)

    def middle(v):
        v = sorted(v)
        n = len(v)
        return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])

    for k in range(T):
        for i in range(N):
            live = [j for j in nbr[i] if (i, j) not in alarm]
            new, flagged = set(), set()
            for c in range(W):
                V = [stored[k, i, c]] + [sent[k, j, c] for j in live]
                if len(V) < minv:
                    continue
                med = middle(V)
                mad = middle([abs(v - med) for v in V])
                s_new = max(1.4826 * mad, floors[c])
                sigma[i, c] = s_new if math.isnan(sigma[i, c]) else (1 - nu) * sigma[i, c] + nu * s_new
                for j in live:
                    ch = chart[(i, j, c)]
                    r = min(max((sent[k, j, c] - med) / max(sigma[i, c], math.sqrt(floors[c] ** 2)), -10.0), 10.0)
                    if abs(r) > flagz:
                        flagged.add(j)
                    if chart_step(ch, r, kind, om, burn, h):
                        new.add(j)
            for j in new:
                alarm[(i, j)] = k + 1
            for j in flagged:
                flags[(i, j)] = flags.get((i, j), 0) + 1
    return alarm, flags


def policy_alarms(f):
    """The policy's per-edge alarm steps and flag counts from /attack: {(receiver, sender): step}, {(.,.): flags}."""
    a = f["attack"]
    r, snd, st, fl = (a[k][...].astype(int) for k in ("edge_receiver", "edge_sender", "edge_alarm_step", "edge_flags"))
    return ({(int(x), int(y)): int(t) for x, y, t in zip(r, snd, st) if t > 0},
            {(int(x), int(y)): int(n) for x, y, n in zip(r, snd, fl) if n > 0})


def dual(dodge, outdir):
    """§16.8 on the dual channel (pdct's mu and y, li2022's mu): the family's attackers and detector carried by the
    send policy, replayed in Python (alarm steps and flags per edge bitwise); the clean run untouched before t_A; no
    flag on the noise-free cell; the summary's rates from the edges."""
    base = [dodge, "-problem", "gridcell", "-algorithm", "pdct", "-gridcell_days", "6", "-gridcell_eval_days", "2", "-agents", "40",
            "-progress", "0", "-output_agents", "all", "-output_overwrite"]
    att = ["-gridcell_attack_fraction", "0.15", "-gridcell_attack_start_day", "3"]
    ewma = ["-gridcell_detect", "ewma"]
    flat = ["-gridcell_load_sigma", "0", "-gridcell_load_kappa", "1,1", "-gridcell_pv_fraction", "0", "-pdct_init", "lower"]
    runs = {"clean": [], "undetected": att, "watched": ewma, "ewma": ewma + att, "flat": flat + ewma,
            "scale": ewma + att + ["-gridcell_attack_dual", "0.5,0,0", "-gridcell_detect_params", "48,96,1,3.5,4"],
            "ybias": ewma + att + ["-gridcell_attack_dual", "0,0,1"],  # y alone: the coordinates' biases apart
            "cusum_replay": att + ["-gridcell_detect", "cusum", "-gridcell_attack_mode", "replay", "-gridcell_attack_lag", "96"],
            "li2022": ewma + att + ["-algorithm", "li2022"]}
    f = run_all(base, runs, outdir, "dual")
    t0 = int(f["ewma"]["inputs/gridcell"].attrs["attack_start_step"])
    # Honest until t_A: the attacked runs' trajectories are the clean run's bit for bit before it, not after.
    for name in ("undetected", "ewma"):
        for k in ("mu", "y", "x"):
            c, a = f["clean"]["agents"][k][...], f[name]["agents"][k][...]
            if name == "undetected" and not np.array_equal(c[:t0 - 1], a[:t0 - 1]):
                fail(f"{name}: /agents/{k} differs from the clean run before t_A = {t0}")
            if np.array_equal(c[t0:], a[t0:]):
                fail(f"{name}: the attack changed no /agents/{k} after t_A")
        ids = f[name]["inputs/attack/attackers"][...].astype(int)
        isatt = f[name]["inputs/gridcell/attacker"][...] > 0
        if not np.array_equal(np.flatnonzero(isatt), ids) or not 0 < ids.size < isatt.size:
            fail(f"{name}: the policy's attackers {ids.tolist()} are not the family's {np.flatnonzero(isatt).tolist()}")
    if "attack" in f["clean"]:
        fail("the clean run installed an attack policy")
    # Oracle 13's last item on this channel: a detector that never alarms leaves the run bitwise the clean one (the
    # policy's mix without an alarm is the plain mix).
    if policy_alarms(f["watched"])[0]:
        fail("the detector alarmed without attackers on this cell; the bitwise comparison needs a run without alarms")
    for k in ("x", "mu", "y", "trade", "bill"):
        if not np.array_equal(f["clean"]["agents"][k][...], f["watched"]["agents"][k][...]):
            fail(f"watched (no attacker, no alarm): /agents/{k} differs from the clean run")
    # The detector, replayed: the same alarms at the same steps, the same flags per edge.
    for name in ("watched", "ewma", "flat", "scale", "ybias", "cusum_replay", "li2022"):
        fr = f[name]
        al, fl = dual_detector_replay(fr)
        got, gfl = policy_alarms(fr)
        if got != al:
            diff = sorted(set(got.items()) ^ set(al.items()))[:5]
            fail(f"{name}: the dual alarms differ from the replayed detector: {len(got)} against {len(al)}, e.g. {diff}")
        if gfl != fl:
            diff = sorted(set(gfl.items()) ^ set(fl.items()))[:5]
            fail(f"{name}: the dual flags differ from the replay, e.g. {diff}")
        a = fr["attack"]
        ids = set(a["attacker"][...].astype(int).tolist())
        snd, st = a["edge_sender"][...].astype(int), a["edge_alarm_step"][...]
        bad = np.array([j in ids for j in snd], dtype=bool)
        want = [float((st[bad] > 0).mean()) if bad.any() else math.nan, float((st[~bad] > 0).mean())]
        gotr = [float(a.attrs["detection_rate"]), float(a.attrs["false_alarm_rate"])]
        if not (np.allclose(gotr, want, rtol=0, atol=1e-15, equal_nan=True)):
            fail(f"{name}: /attack rates {gotr} against {want} from the edges")
        print(f"{name}: {len(al)} alarms replayed ({int((st[bad] > 0).sum())} of {int(bad.sum())} attacker edges, "
              f"{int((st[~bad] > 0).sum())} of {int((~bad).sum())} honest), {sum(fl.values())} flags; "
              f"detection {gotr[0]:.3f}, false alarms {gotr[1]:.3f}")
    # The noise-free cell with equal starts: every home's (mu, y) equal, never a flag, never an alarm.
    if policy_alarms(f["flat"]) != ({}, {}):
        fail("flags or alarms on the noise-free cell without attackers")
    # The attack is detected: most attacker edges alarmed after t_A on the default-like cell, none before.
    a = f["ewma"]["attack"]
    ids = set(a["attacker"][...].astype(int).tolist())
    snd, st = a["edge_sender"][...].astype(int), a["edge_alarm_step"][...]
    bad = np.array([j in ids for j in snd], dtype=bool)
    if not (st[bad] > 0).any() or np.any((st[bad] > 0) & (st[bad] < t0)):
        fail(f"ewma: attacker edges alarmed at {sorted(st[bad][st[bad] > 0].tolist())} with t_A = {t0}")
    print("OK: gridcell security on the dual channel")


if __name__ == "__main__":
    if sys.argv[1] == "forecast":
        forecast(*sys.argv[2:5])
    elif sys.argv[1] == "identical":
        identical(sys.argv[2:])
    elif sys.argv[1] == "nsw":
        nsw(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "scopes":
        scopes(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "security":
        security(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "market":
        market(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "dual":
        dual(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "mfq":
        mfq(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "route":
        route(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "resumed":
        resumed(sys.argv[2], sys.argv[3])
    else:
        oracles(sys.argv[2], sys.argv[3])
