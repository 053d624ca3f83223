#!/usr/bin/env bash
# Model averaging of the load forecasters (-gridcell_rls L,lambda_f,P0,R_avg; docs/gridcell.md §16.3, algorithms.md
# §13.4): theta_i <- sum_j w_ij theta_j every R_avg steps over G(t). On the complete graph the Metropolis weights
# are all 1/N, so with R_avg = 1 every home ends each step with the same theta (the mean): the kept checkpoint's
# /state/gridcell_theta rows agree to rounding, while without averaging (R_avg = 0) they differ.
# Usage: gridcell_ravg_test.sh DODGE OUTDIR
set -u
dodge=$1 out=$2
mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }
for ravg in 1 0; do
  f=$out/ravg$ravg.h5
  rm -f "$f" "$out/ravg$ravg.ckpt.h5"
  mpirun -n 2 --oversubscribe "$dodge" -problem gridcell -gridcell_days 2 -gridcell_eval_days 1 -agents 12 -algorithm none \
    -gridcell_forecast_neighbours true -graph_family complete -gridcell_rls 4,0.99,100,$ravg -steps 150 -progress 0 \
    -output_file "$f" -checkpoint_every 100 -checkpoint_keep > "$out/ravg$ravg.log" 2>&1 || { cat "$out/ravg$ravg.log"; fail "R_avg = $ravg run"; }
  [ -f "$out/ravg$ravg.ckpt.h5" ] || fail "no kept checkpoint for R_avg = $ravg"
  /usr/bin/python3 - "$out/ravg$ravg.ckpt.h5" "$ravg" <<'PY' || fail "theta after R_avg = $ravg"
import sys
import h5py
import numpy as np
th = h5py.File(sys.argv[1], "r")["state/gridcell_theta"][...].reshape(12, -1)
spread, scale = np.abs(th - th[0]).max(), np.abs(th).max()
print(f"R_avg = {sys.argv[2]}: max_i |theta_i - theta_0| = {spread:.3e} (max |theta| = {scale:.3e})")
if scale <= 0:
    sys.exit("theta is zero: the RLS did not learn")
if sys.argv[2] == "1" and spread > 1e-13 * scale:
    sys.exit("the homes' theta differ after averaging on the complete graph")
if sys.argv[2] == "0" and spread < 1e-3 * scale:
    sys.exit("the homes' theta agree without averaging: the check could not fail")
PY
done
echo "ok: gridcell model averaging"
