#!/usr/bin/python3
"""Checks the exchange features' output (algorithms.md §13, docs/architecture.md): with event-triggered sends,
the messages of /series sum to /exchange's messages_sent, which is the sum of the per-edge counts
edge_messages, no edge sends more often than it was active, and messages_periodic (the sum of edge_active) is
what the untriggered run sends; with --saved F at least a fraction F was saved; with --same, every file's
/exchange datasets and attributes equal the first's exactly (rank counts, restarts).
Usage: check_exchange.py [--same] [--saved F] [--periodic plain.h5] run.h5 ..."""
import sys

import h5py
import numpy as np


def main(argv):
    same = "--same" in argv
    argv = [a for a in argv if a != "--same"]
    saved, periodic = None, None
    if "--saved" in argv:
        k = argv.index("--saved")
        saved = float(argv[k + 1])
        del argv[k:k + 2]
    if "--periodic" in argv:
        k = argv.index("--periodic")
        periodic = argv[k + 1]
        del argv[k:k + 2]
    files = argv
    if not files:
        print(__doc__)
        return 2
    ok = True
    first = None
    for path in files:
        with h5py.File(path, "r") as f:
            if f.attrs.get("status") != "complete":
                print(f"FAIL {path}: status {f.attrs.get('status')}")
                ok = False
                continue
            x = f["exchange"]
            got = {k: x[k][...] for k in x.keys()}
            attrs = {k: x.attrs[k] for k in x.attrs.keys()}
            if "edge_messages" in x:
                msgs = f["series/messages"][...]
                e_sent, e_act = x["edge_messages"][...], x["edge_active"][...]
                if not (msgs.sum() == attrs["messages_sent"] == e_sent.sum()):
                    print(f"FAIL {path}: series messages {msgs.sum()}, messages_sent {attrs['messages_sent']}, "
                          f"edges {e_sent.sum()}")
                    ok = False
                if np.any(e_sent > e_act) or e_act.sum() != attrs["messages_periodic"]:
                    print(f"FAIL {path}: an edge sent more often than it was active, or periodic total wrong")
                    ok = False
                if saved is not None and attrs["messages_saved_fraction"] < saved:
                    print(f"FAIL {path}: saved {attrs['messages_saved_fraction']:.3f} < {saved}")
                    ok = False
                if periodic is not None:
                    with h5py.File(periodic, "r") as p:
                        plain = p["series/messages"][...].sum()
                    if plain != attrs["messages_periodic"]:
                        print(f"FAIL {path}: untriggered run sent {plain}, messages_periodic {attrs['messages_periodic']}")
                        ok = False
                print(f"{path}: sent {attrs['messages_sent']:.0f} of {attrs['messages_periodic']:.0f} "
                      f"(saved {attrs['messages_saved_fraction']:.4f})")
            if same:
                if first is None:
                    first = (path, got, attrs)
                else:
                    p0, g0, a0 = first
                    if set(g0) != set(got) or any(not np.array_equal(g0[k], got[k]) for k in g0):
                        print(f"FAIL {path}: /exchange datasets differ from {p0}")
                        ok = False
                    for k in a0:
                        v0, v = a0[k], attrs.get(k)
                        if not (v0 == v or (isinstance(v0, float) and abs(v0 - v) <= 1e-12 * abs(v0))):
                            print(f"FAIL {path}: /exchange attribute {k} = {v} differs from {v0} ({p0})")
                            ok = False
    print("ok" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
