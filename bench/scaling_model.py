#!/usr/bin/python3
"""The scaling model of docs/performance.md ("Scaling beyond one machine"), checked on this machine and
extrapolated: messages, bytes and reductions per step per rank from the measured halo sizes.

1. Runs pdct (dispatch, -metrics false, no agent output) on each graph family at each rank count and reads
   the halo (root attributes halo_*) and the traffic (mpi_messages, mpi_bytes) dodge records.
2. Checks the traffic model against the measured traffic: per step and rank, messages = peers and bytes =
   ghosts x 8 B x W (W = 2 exchanged values, one exchange per step without link failures); exact
   (app_halo_traffic_model asserts the same in ctest).
3. Checks the halo model of the family against the measured halo: Watts-Strogatz (k, p) puts ~n k p / 2
   rewired edges on uniformly random endpoints, so with blocks of consecutive ids the cut has
   2 (n k p / 2)(1 - 1/P) + P k/2 (k/2 + 1) (1 - p) row entries; the lattice part is all a partitioner can
   remove. Erdos-Renyi's edges are all random: 2 m (1 - 1/P).
4. Times a step as t = t_agent n/P + peers alpha + bytes/beta + R alpha_r ceil(log2 P) with t_agent from the
   1-rank run and (alpha, beta) given (defaults: this VM's shared memory, from bench_exchange.sh), compares
   with the measured wall time per step, and predicts the efficiency for 10^9 agents on 1000 nodes with the
   network constants given (-net_alpha, -net_beta, -ranks_per_node).

Usage: scaling_model.py DODGE [-N 100000] [-steps 100] [-np 1,2,3,4] [-families ring,watts_strogatz,erdos_renyi]
                              [-out DIR] [-alpha 0.4e-6] [-beta 6e9] [-net_alpha 2e-6] [-net_beta 1.0e10]
                              [-ranks_per_node 64] [-allreduce_hop 2e-6] [-reductions 4 (with metrics)]
"""
import math
import os
import subprocess
import sys

import h5py

W = 2  # values exchanged per agent and step by pdct on a scalar family (mu, y)


def run(dodge, np_, family, n, steps, path):
    cmd = ["mpirun", "-n", str(np_), "--oversubscribe", dodge, "-progress", "0", "-output_overwrite", "-output_file",
           path, "-agents", str(n), "-steps", str(steps), "-graph_family", family, "-metrics", "false",
           "-output_agents", "none", "-output_inputs", "false"]
    if family == "erdos_renyi":
        cmd += ["-graph_er_sampling", "skip"]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")  # as jobs/local/env.sh
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    with h5py.File(path, "r") as f:
        a = {k: float(f.attrs[k]) for k in f.attrs if k.startswith(("halo_", "mpi_"))}
        a["wall"] = float(f.attrs["wall_time_s"])
    return a


def cut_model(family, n, P, k=4, p=0.1, er_edges=None):
    """Expected cut row entries with blocks of consecutive ids."""
    if P == 1:
        return 0.0
    if family == "ring":
        return 2.0 * P
    if family == "watts_strogatz":
        return 2 * (n * k * p / 2) * (1 - 1 / P) + P * (k // 2) * (k // 2 + 1) * (1 - p)
    if family == "erdos_renyi" and er_edges is not None:
        return 2 * er_edges * (1 - 1 / P)
    return float("nan")


def peers_model(ghosts_per_rank, P):
    """Ranks owning a rank's ghosts when they are spread uniformly over the other P - 1 ranks."""
    if P <= 1:
        return 0.0
    return (P - 1) * (1 - (1 - 1 / (P - 1)) ** ghosts_per_rank)


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    dodge, rest = argv[0], argv[1:]
    o = {"-N": "100000", "-steps": "100", "-np": "1,2,3,4", "-families": "ring,watts_strogatz,erdos_renyi",
         "-out": "bench_out/scaling_model", "-alpha": "0.4e-6", "-beta": "6e9", "-net_alpha": "2e-6",
         "-net_beta": "1.0e10", "-ranks_per_node": "64", "-allreduce_hop": "2e-6", "-reductions": "4"}
    for k in range(0, len(rest), 2):
        o[rest[k]] = rest[k + 1]
    n, steps = int(float(o["-N"])), int(o["-steps"])
    nps = [int(x) for x in o["-np"].split(",")]
    os.makedirs(o["-out"], exist_ok=True)
    alpha, beta = float(o["-alpha"]), float(o["-beta"])
    print(f"N = {n}, T = {steps}, pdct on dispatch, -metrics false; model constants here: alpha = {alpha:.2g} s, "
          f"beta = {beta:.3g} B/s\n")
    print("| graph | P | ghosts/rank (max) | peers/rank (max) | msgs/step/rank meas. = model | bytes/step/rank meas. "
          "= model | cut entries meas. | cut model | wall ms/step | model ms/step |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    t_agent = {}
    results = {}
    for fam in o["-families"].split(","):
        er_edges = None
        for P in nps:
            r = run(dodge, P, fam, n, steps, os.path.join(o["-out"], f"{fam}_np{P}.h5"))
            if fam == "erdos_renyi" and er_edges is None:
                er_edges = r["halo_entries"] / 2
            msgs = r["mpi_messages"] / steps / P
            byts = r["mpi_bytes"] / steps / P
            m_msgs = r["halo_peers_total"] / P
            m_byts = r["halo_ghosts_total"] * 8 * W / P
            assert msgs == m_msgs and byts == m_byts, (fam, P, msgs, m_msgs, byts, m_byts)
            wall = r["wall"] / steps
            if P == 1:
                t_agent[fam] = wall / n
            t_model = t_agent[fam] * n / P + r["halo_peers_max"] * alpha + r["halo_ghosts_max"] * 8 * W / beta
            cm = cut_model(fam, n, P, er_edges=er_edges)
            results[(fam, P)] = r
            print(f"| {fam} | {P} | {r['halo_ghosts_max']:.0f} | {r['halo_peers_max']:.0f} | {msgs:.2f} = {m_msgs:.2f} "
                  f"| {byts:.0f} = {m_byts:.0f} | {r['halo_cut_entries']:.0f} | {cm:.0f} | {wall * 1e3:.3f} | "
                  f"{t_model * 1e3:.3f} |")
    # Extrapolation: 10^9 agents on 1000 nodes, one rank per core.
    na, nb, rpn = float(o["-net_alpha"]), float(o["-net_beta"]), int(o["-ranks_per_node"])
    hop, R = float(o["-allreduce_hop"]), int(o["-reductions"])
    N, nodes = 10**9, 1000
    P = nodes * rpn
    nloc = N / P
    print(f"\n10^9 agents on {nodes} nodes x {rpn} ranks (P = {P}, {nloc:.0f} agents per rank); network alpha = "
          f"{na:.2g} s, {nb:.3g} B/s per node shared by its ranks; {R} allreductions per step at {hop:.2g} s per "
          f"hop; t_agent from the 1-rank runs here (this VM's core; a cluster core is similar to within ~2x)\n")
    print("| graph | ghosts/rank | peers/rank | bytes/rank/step | compute ms | halo ms | reductions ms | efficiency, "
          "metrics off (no reductions) | efficiency, metrics on |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fam in o["-families"].split(","):
        if fam not in t_agent:
            continue
        if fam == "ring":
            g = 2.0
        elif fam == "watts_strogatz":
            g = min(nloc * 4 * 0.1, N - nloc)  # n_loc k p rewired endpoints, almost all remote
        else:
            deg = results[(fam, nps[0])]["halo_entries"] / n
            g = min(nloc * deg * (1 - 1 / P), N - nloc)
        peers = peers_model(g, P) if fam != "ring" else 2.0
        byts = g * 8 * W
        t_c = t_agent[fam] * nloc
        t_h = peers * na + byts / (nb / rpn)
        t_r = R * hop * math.ceil(math.log2(P))
        eff_off, eff_on = t_c / (t_c + t_h), t_c / (t_c + t_h + t_r)
        print(f"| {fam} | {g:.0f} | {peers:.0f} | {byts:.0f} | {t_c * 1e3:.3f} | {t_h * 1e3:.3f} | {t_r * 1e3:.3f} | "
              f"{eff_off * 100:.1f} % | {eff_on * 100:.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
