#!/usr/bin/python3
"""The paper's qualitative claim on the full AEMO NSW horizon (algorithms.md §14 Z5): Reg(t)/t and
Vio(t)/t decrease; compared at t = 288 (one day) and t = 2880 (ten days). Also checks the file's shape."""
import sys

import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
assert f.attrs["status"] == "complete", f.attrs["status"]
s = f["series"]
T = s["regret_avg"].shape[0]
assert T == 2880, T
reg, vio = s["regret_avg"][...], s["violation_avg"][...]
track = s["tracking_error"][...]
print(f"Reg/t: t=288 {reg[287]:.6e}  t=2880 {reg[2879]:.6e}")
print(f"Vio/t: t=288 {vio[287]:.6e}  t=2880 {vio[2879]:.6e}")
print(f"binding fraction {np.mean(s['oracle_mu'][...] > 0):.3f}, max tracking error {np.max(track):.3e}")
ok = True
# Reg(t) may be negative while decisions violate the constraint (algorithms.md §12): the claim is that
# Reg(t)/t tends to 0, so its magnitude must shrink.
if not abs(reg[2879]) < abs(reg[287]):
    print("FAIL: |Reg(t)/t| did not decrease from t = 288 to t = 2880"); ok = False
if not vio[2879] <= vio[287]:
    print("FAIL: Vio(t)/t did not decrease from t = 288 to t = 2880"); ok = False
if not np.all(np.isfinite(reg)):
    print("FAIL: non-finite regret"); ok = False
sys.exit(0 if ok else 1)
