"""Tests of the [ECS] experiments E1-E5 of postprocess/reproduce (postprocess/dodgepp/experiments/ecs.py) on a quick run
(2 ranks, 10 replicates per sigma_d) and of report's ecs figure set. The E5 ratios and E3 means are recomputed
here from the run files with h5py and numpy, independently of dodgepp."""
import subprocess

import h5py
import numpy as np
import pytest

from test_reproduce import quick_reproduce, PNG_MAGIC, REPO, RTOL, VERDICTS, section, tables

ONLY = ("E1", "E2", "E3", "E4", "E5")


@pytest.fixture(scope="module")
def ecs(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "ecs", ONLY)


def means(path, metric):
    with h5py.File(path, "r") as f:
        X, d, sig = f["ecs/samples/X"][...], f["ecs/samples/d"][...], f["ecs/samples/sigma"][...]
        kappa = float(f["ecs"].attrs["kappa"])
    L = X + d
    v = (kappa * (L ** 2).sum(axis=1) / L.sum(axis=1)) if metric == "cost" else L.max(axis=1) / L.mean(axis=1)
    s = np.unique(sig)
    return s, np.array([v[sig == x].mean() for x in s])


def test_sections_verdicts_figures(ecs):
    for e in ONLY:
        sec = section(ecs["md"], e)
        assert any(f"**Verdict: {v}" in sec for v in VERDICTS), f"{e}: no verdict"
        for png in (ecs["docs"] / "results").glob(f"{e}_*.png"):
            assert png.read_bytes()[:8] == PNG_MAGIC
    assert len(list((ecs["docs"] / "results").glob("E*_*.png"))) == 5


def test_e5_ratios_recomputed(ecs):
    files = ecs["json"]["experiments"]["E5"]["run_files"]
    s, copt = means(files["optimal"], "cost")
    _, cuni = means(files["uniform"], "cost")
    _, popt = means(files["optimal_par"], "par")
    _, puni = means(files["uniform"], "par")
    (header, rows), = [t for t in tables(section(ecs["md"], "E5")) if t[0][0] == "sigma_d"]
    assert len(rows) == len(s) == 9
    for row, a, b in zip(rows, 100 * copt / cuni, 100 * popt / puni):
        assert float(row[1]) == pytest.approx(a, rel=RTOL)
        assert float(row[2]) == pytest.approx(b, rel=RTOL)
    # sigma_d = 0: every scheme schedules E_tot/H (ratio 100 %).
    assert float(rows[0][1]) == pytest.approx(100) and float(rows[0][2]) == pytest.approx(100)


def test_e3_order_recomputed(ecs):
    files = ecs["json"]["experiments"]["E3"]["run_files"]
    _, o = means(files["optimal"], "cost")
    _, a = means(files["aca"], "cost")
    _, u = means(files["uniform"], "cost")
    assert np.all(o[1:] <= a[1:]) and np.all(a[1:] <= u[1:])
    checks = [r for h, rows in tables(section(ecs["md"], "E3")) if h[0] == "claim" for r in rows]
    assert any(r[0] == "cost optimal < aca < uniform" and r[-1] == "yes" for r in checks)


def test_report_ecs_figures(ecs, tmp_path):
    path = ecs["json"]["experiments"]["E2"]["run_files"]["aca"]
    r = subprocess.run(["/usr/bin/python3", str(REPO / "postprocess" / "report"), path, "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    pngs = sorted(p.name for p in (tmp_path / "aca").glob("*.png"))
    assert pngs == ["schedule.png", "sweep.png"], pngs
    md = (tmp_path / "summary.md").read_text()
    with h5py.File(path, "r") as f:
        L = f["series/L"][...]
    assert f"{L.max() / L.mean():.6g}" in md
