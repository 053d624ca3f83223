#!/usr/bin/python3
"""Checks the /attack group of runs with the attacks and defences of algorithms.md §13.3 (docs/exchange.md).
  --same               every file's /attack datasets and attributes equal the first's exactly (rank counts,
                       restarts)
  --no-alarms          no receiver raised an alarm (false-alarm rate 0, no edge alarmed)
  --max-delay D        every attacker was detected by all its receivers (detection rate 1) within D steps
                       of -attack_start
  --alarms-consistent  alarms_per_step sums to the alarmed edges, and each attacker's first alarm is the
                       smallest alarm step of its edges
Usage: check_attack.py [--same] [--no-alarms] [--max-delay D] run.h5 ..."""
import sys

import h5py
import numpy as np


def load(path):
    with h5py.File(path, "r") as f:
        if f.attrs.get("status") != "complete":
            raise SystemExit(f"FAIL {path}: status {f.attrs.get('status')}")
        if "attack" not in f:
            raise SystemExit(f"FAIL {path}: no /attack group")
        a = f["attack"]
        return {k: a[k][...] for k in a.keys()}, {k: a.attrs[k] for k in a.attrs.keys()}


def equal(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype.kind == "f" and y.dtype.kind == "f":
        return x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
    return x.shape == y.shape and np.array_equal(x, y)


def main(argv):
    same, no_alarms = "--same" in argv, "--no-alarms" in argv
    argv = [a for a in argv if a not in ("--same", "--no-alarms")]
    max_delay = None
    if "--max-delay" in argv:
        k = argv.index("--max-delay")
        max_delay = float(argv[k + 1])
        del argv[k:k + 2]
    if not argv:
        print(__doc__)
        return 2
    ok = True
    first = None
    for path in argv:
        d, attrs = load(path)
        if "edge_alarm_step" in d:
            steps = d["edge_alarm_step"]
            if d["alarms_per_step"].sum() != np.count_nonzero(steps):
                print(f"FAIL {path}: alarms_per_step sums to {d['alarms_per_step'].sum()}, {np.count_nonzero(steps)} edges alarmed")
                ok = False
            for a, s in zip(d["attacker"], d["first_alarm_step"]):
                mine = steps[(d["edge_sender"] == a) & (steps > 0)]
                want = mine.min() if mine.size else np.nan
                if not equal(np.float64(want), np.float64(s)):
                    print(f"FAIL {path}: attacker {a:.0f} first alarm {s} but its edges say {want}")
                    ok = False
        if no_alarms:
            n = int(np.count_nonzero(d.get("edge_alarm_step", np.zeros(0))))
            if n or attrs.get("false_alarm_rate", 0) != 0:
                print(f"FAIL {path}: {n} alarms, false-alarm rate {attrs.get('false_alarm_rate')} without attackers")
                ok = False
        if max_delay is not None:
            rate, delay = d["detection_rate"], d["delay"]
            if rate.size == 0 or np.any(rate != 1) or np.any(~(delay <= max_delay)):
                print(f"FAIL {path}: detection rates {rate}, delays {delay} (want 1 and <= {max_delay})")
                ok = False
        if same:
            if first is None:
                first = (path, d, attrs)
            else:
                p0, d0, a0 = first
                if set(d) != set(d0) or any(not equal(d[k], d0[k]) for k in d):
                    print(f"FAIL {path}: /attack datasets differ from {p0}")
                    ok = False
                if set(attrs) != set(a0) or any(not equal(attrs[k], a0[k]) for k in attrs):
                    print(f"FAIL {path}: /attack attributes differ from {p0}")
                    ok = False
        print(f"{path}: {len(d.get('attacker', []))} attackers, detection {attrs.get('detection_rate')}, "
              f"false alarms {attrs.get('false_alarm_rate')}")
    print("ok" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
