#!/usr/bin/python3
"""Event-triggered broadcasting (algorithms.md §13.1) against periodic sending on one scenario: runs dodge
untriggered and with -exchange_trigger for each c0 (c1, rho at their defaults unless given), and prints the
trade-off table: messages sent and saved, Reg(T)/T and Vio(T)/T with their relative change against the
untriggered run. The goal of issue 12 is >= 50 % saved with both within 1 %.

Usage: exchange_trigger.py DODGE [-np P] [-c0 a,b,...] [-out DIR] [-- dodge options of the scenario]
Example (docs/results.md): exchange_trigger.py build/app/dodge -np 2 -- -agents 100000 -graph_family ring"""
import os
import subprocess
import sys

import h5py


def run(dodge, np_, args, path):
    cmd = ["mpirun", "-n", str(np_), "--oversubscribe", dodge, "-progress", "0", "-output_overwrite",
           "-output_file", path] + args
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with h5py.File(path, "r") as f:
        out = {"reg": float(f.attrs["final_regret_avg"]), "vio": float(f.attrs["final_violation_avg"]),
               "msgs": float(f["series/messages"][...].sum())}
        if "exchange" in f and "messages_periodic" in f["exchange"].attrs:
            out["periodic"] = float(f["exchange"].attrs["messages_periodic"])
    return out


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    dodge, rest = argv[0], argv[1:]
    scen = []
    if "--" in rest:
        k = rest.index("--")
        rest, scen = rest[:k], rest[k + 1:]
    opts = {"-np": "1", "-c0": "0,1e-3,3e-3,1e-2,3e-2,0.1", "-out": "bench_out/exchange_trigger"}
    for k in range(0, len(rest), 2):
        opts[rest[k]] = rest[k + 1]
    os.makedirs(opts["-out"], exist_ok=True)
    np_ = int(opts["-np"])
    base = run(dodge, np_, scen, os.path.join(opts["-out"], "plain.h5"))
    print(f"scenario: {' '.join(scen) or '(defaults)'}; {np_} rank(s)")
    print(f"untriggered: messages {base['msgs']:.6g}, Reg(T)/T {base['reg']:.6e}, Vio(T)/T {base['vio']:.6e}")
    print(f"{'c0':>8} {'messages':>12} {'saved %':>8} {'Reg(T)/T':>14} {'dReg %':>8} {'Vio(T)/T':>14} {'dVio %':>8} goal")
    for c0 in opts["-c0"].split(","):
        r = run(dodge, np_, scen + ["-exchange_trigger", "true", "-exchange_trigger_c0", c0],
                os.path.join(opts["-out"], f"c0_{c0}.h5"))
        saved = 100.0 * (1.0 - r["msgs"] / base["msgs"])
        dreg = 100.0 * (r["reg"] - base["reg"]) / abs(base["reg"])
        dvio = 100.0 * (r["vio"] - base["vio"]) / abs(base["vio"]) if base["vio"] else float("nan")
        goal = "yes" if saved >= 50 and abs(dreg) <= 1 and abs(dvio) <= 1 else "no"
        assert r.get("periodic") == base["msgs"], "messages_periodic differs from the untriggered run's messages"
        print(f"{c0:>8} {r['msgs']:>12.6g} {saved:>8.2f} {r['reg']:>14.6e} {dreg:>8.3f} {r['vio']:>14.6e} {dvio:>8.3f} {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
