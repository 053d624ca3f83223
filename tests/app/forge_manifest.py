"""Rewrites a checkpoint's state_manifest to match its datasets as they are now: what a forger who knows
dodge's checkpoint format would do after altering values, so that only the components' own checks of the
state they read back stand between the forgery and a resumed run (hostile_checkpoint_test.sh,
gridcell_checkpoint_test.sh). The manifest lines are "<path> <shape> <FNV-1a of the little-endian f8/i8
values>", "@step attribute <t>" and netCDF dimension lines, as run/checkpoint.cpp writes them.
Usage: /usr/bin/python3 forge_manifest.py CHECKPOINT"""
import sys

import h5py
import numpy as np


def fnv(a):
    h = 0xcbf29ce484222325
    for b in np.ascontiguousarray(a).tobytes():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return "%016x" % h


def main(path):
    with h5py.File(path, "r+") as f:
        lines = []
        for line in f.attrs["state_manifest"].splitlines():
            p, shape, s = line.split()
            if p[0] != "@" and s != "netcdf-dimension":
                if p[1:] not in f:
                    continue  # a dataset the forger deleted
                v = f[p[1:]][...]
                shape, s = "x".join(str(n) for n in v.shape), fnv(v.astype("<f8" if v.dtype.kind == "f" else "<i8"))
            lines.append(" ".join((p, shape, s)))
        f.attrs["state_manifest"] = "\n".join(lines) + "\n"


if __name__ == "__main__":
    main(sys.argv[1])
