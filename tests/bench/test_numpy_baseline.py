"""bench/pdct_numpy.py reproduces dodge's pdct trajectories and metrics to 1e-9 (the benchmark's baseline).

Each case runs dodge at 2 ranks with every agent recorded (-output_agents all), runs the NumPy baseline on
the output file and checks its verdict, and independently re-checks the trajectories here. A corrupted copy
must be reported as a mismatch, so the check cannot pass vacuously.
Environment: DODGE_BIN (the dodge binary), MPIEXEC (default mpirun).
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "bench" / "pdct_numpy.py"
DODGE = Path(os.environ.get("DODGE_BIN") or REPO / "build" / "app" / "dodge")
MPIEXEC = os.environ.get("MPIEXEC") or "mpirun"
TOL = 1e-9
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")

CASES = {
    # ring, κ_N = 1, random init, oracle and metrics on
    "ring": ["-agents", "500", "-steps", "200", "-graph_family", "ring"],
    # Watts–Strogatz (rewired edges cross the rank boundary), midpoint init, every 3rd step recorded
    "ws": ["-agents", "1000", "-steps", "150", "-graph_family", "watts_strogatz", "-pdct_init", "midpoint",
           "-output_stride", "3"],
    # the paper's scenario: N = 6, switching3 (B = 3), κ_N = n, T = 2880, QLD prices and demand
    "qld_paper": ["-options_file", str(REPO / "inputs" / "aemo_qld.yaml")],
    # benchmark mode: no oracle, no metrics (the baseline's --no-metrics)
    "nometrics": ["-agents", "800", "-steps", "100", "-graph_family", "watts_strogatz", "-metrics", "false"],
    # another step scheme and seed
    "s1_seed": ["-agents", "300", "-steps", "120", "-graph_family", "ring", "-pdct_scheme", "S1", "-seed", "7"],
}


def dodge_run(tmp_path, name, args, ranks=2):
    if not DODGE.exists():
        pytest.skip(f"no dodge binary at {DODGE} (set DODGE_BIN)")
    out = tmp_path / f"{name}.h5"
    cmd = [MPIEXEC, "-n", str(ranks), "--oversubscribe", str(DODGE), *args,
           "-output_file", str(out), "-output_agents", "all", "-progress", "0"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, f"{' '.join(cmd)}\nexit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return out


def baseline(path, *extra):
    r = subprocess.run([sys.executable, str(BASELINE), str(path), *extra], capture_output=True, text=True,
                       timeout=300)
    m = re.search(r"^PDCT_NUMPY .*max_rel_diff=(\S+) status=(\S+)$", r.stdout, re.M)
    assert m, f"no result line\n{r.stdout}\n{r.stderr}"
    return r.returncode, float(m.group(1)), m.group(2), r.stdout + r.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    return {name: dodge_run(tmp, name, args) for name, args in CASES.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_agrees_with_dodge(runs, case):
    path = runs[case]
    with h5py.File(path, "r") as f:
        metrics = bool(f.attrs["metrics"])
        assert int(f.attrs["ranks"]) == 2
        assert f["/agents/agent"].shape[0] == int(f.attrs["agents"]), "every agent must be recorded"
    rc, diff, status, out = baseline(path, *([] if metrics else ["--no-metrics"]))
    assert rc == 0 and status == "ok", out
    assert diff <= TOL, out
    if metrics:
        # the metric series were compared too
        for k in ("F", "F_star", "regret", "oracle_mu"):
            assert re.search(rf"\b{k} [0-9.e+-]+", out), f"{k} not checked:\n{out}"


def test_numpy_mixing_fallback(runs):
    """Without scipy.sparse (NumPy bincount mixing) the result is the same."""
    rc, diff, status, out = baseline(runs["ws"], "--mixing", "numpy")
    assert rc == 0 and status == "ok" and diff <= TOL, out


def test_independent_recheck(runs, tmp_path):
    """Re-check the trajectories here from a baseline run's own arrays, not through its verdict."""
    sys.dont_write_bytecode = True  # keep the source tree clean
    sys.path.insert(0, str(BASELINE.parent))
    try:
        import pdct_numpy
    finally:
        sys.path.pop(0)
    path = runs["ring"]
    inst = pdct_numpy.read_instance(str(path), 0)
    with h5py.File(path, "r") as f:
        ids = f["/agents/agent"][...]
        steps = f["/agents/record_step"][...]
        want = {k: f["/agents/" + k][...] for k in ("x", "mu", "y")}
        F = f["/series/F"][...]
        regret = f["/series/regret"][...]
    assert np.array_equal(ids, np.arange(inst["n"]))
    _, series, traj = pdct_numpy.run(inst, True, "scipy" if pdct_numpy.sp else "numpy", ids, steps)
    for k in ("x", "mu", "y"):
        assert traj[k].shape == want[k].shape
        np.testing.assert_allclose(traj[k], want[k], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(series["F"], F, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(series["regret"], regret, rtol=TOL, atol=TOL * np.max(np.abs(F)))
    # the run is not trivial: decisions move and multipliers become positive
    assert np.ptp(want["x"]) > 0.1 and np.max(want["mu"]) > 0


def test_detects_a_mismatch(runs, tmp_path):
    """A trajectory perturbed by 1e-6 in the file must fail the check (exit 1, status MISMATCH)."""
    bad = tmp_path / "bad.h5"
    shutil.copy(runs["ring"], bad)
    with h5py.File(bad, "r+") as f:
        x = f["/agents/x"]
        x[50, 123] = x[50, 123] + 1e-6
    rc, diff, status, out = baseline(bad)
    assert rc == 1 and status == "MISMATCH" and diff > TOL, out


def test_rank_count_invariance(runs, tmp_path):
    """The same scenario on 1 rank gives trajectories the baseline also matches (and equal to 2 ranks')."""
    one = dodge_run(tmp_path, "ring_np1", CASES["ring"], ranks=1)
    rc, diff, status, out = baseline(one)
    assert rc == 0 and status == "ok", out
    with h5py.File(one, "r") as f1, h5py.File(runs["ring"], "r") as f2:
        for k in ("x", "mu", "y"):
            np.testing.assert_array_equal(f1["/agents/" + k][...], f2["/agents/" + k][...])
