"""Tests of experiment G2 of postprocess/reproduce (postprocess/dodgepp/experiments/g2.py: the grid cell's
forecasting ablation and ε curve) on a quick run (2 ranks). Each table row is checked against the run file it
comes from: the run's recorded inputs (/inputs/gridcell: source, forecaster, shares, privacy, ε_dp, σ_z) are the
row's, and its MAPE cells are the file's root attributes; the verdict follows from the recomputed claims."""
import h5py
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with, value


@pytest.fixture(scope="module")
def g2(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_forecast", ("G2",))


def txt(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def describe(f) -> str:
    """The forecaster label a run file's inputs describe, as G2's table names it."""
    a = f["inputs/gridcell"].attrs
    if txt(a["forecast"]) == "persistence":
        return "persistence"
    if not a["forecast_neighbours"]:
        return "own-data RLS"
    assert a["rls_lags"] == 4 and a["rls_lambda"] == 0.99 and a["rls_p0"] == 100 and a["rls_avg"] in (0, 1)
    n = "neighbours + averaging" if a["rls_avg"] == 1 else "neighbours"
    p = txt(a["share_privacy"])
    if p == "none":
        return f"{n}, clear shares"
    if p == "laplace":
        e = a["share_eps"]
        return f"{n}, Laplace ε_dp = {'inf' if e == float('inf') else format(e, 'g')}"
    return f"{n}, masks σ_z = {a['share_mask_sigma']:g}"


def test_rows_from_run_files(g2):
    fl = g2["json"]["experiments"]["G2"]["run_files"]
    sec = section(g2["md"], "G2")
    _, rows = table_with(sec, "MAPE main %")
    assert len(rows) == len(fl)
    m, path_of = {}, {}
    for name, path in fl.items():
        with h5py.File(path, "r") as f:
            assert f.attrs["status"] in ("complete", b"complete")
            key = (txt(f["inputs/gridcell"].attrs["source"]), describe(f))
            m[key] = (float(f.attrs["gridcell_mape"]), float(f.attrs["gridcell_eval_mape"]))
            path_of[key] = path
    assert {(r["source"], r["forecaster"]) for r in rows} == set(m), "the rows are not the runs"
    for r in rows:
        ref = "neighbours + averaging" if r["forecaster"].startswith("neighbours + averaging") else "neighbours"
        a, c = m[r["source"], r["forecaster"]], m[r["source"], f"{ref}, clear shares"]
        assert abs(value(r["MAPE main %"]) - a[0]) <= 5e-4 and abs(value(r["MAPE eval %"]) - a[1]) <= 5e-4, r
        assert abs(value(r["Δ vs clear main pp"]) - (a[0] - c[0])) <= 1e-3, r
        with h5py.File(path_of[r["source"], r["forecaster"]], "r") as f:
            for col, q in (("RMSE load", "load"), ("RMSE PV", "pv"), ("RMSE net", "net")):
                assert_close(r[col], float(f.attrs[f"gridcell_rmse_{q}"]), col)
    # The claims, recomputed: the neighbour-augmented forecaster (shares and model averaging) beats own data (both
    # sources, both windows), and obfuscation at eps 1 and masks sigma 0.5 stays within +0.05 pp of clear shares,
    # with and without averaging.
    src, both = ("sce", "pjm"), (0, 1)
    helps = all(m[s, "neighbours + averaging, clear shares"][w] < m[s, "own-data RLS"][w] for s in src for w in both)
    little = all(m[s, f"{n}, {k}"][w] - m[s, f"{n}, clear shares"][w] <= 0.05 for s in src for w in both
                 for n in ("neighbours", "neighbours + averaging") for k in ("Laplace ε_dp = 1", "masks σ_z = 0.5"))
    assert ("**Verdict: differs" in sec) == (not (helps and little)), sec[:1500]
    assert little, "obfuscation now costs more than 0.05 pp: update docs/gridcell.md (G2)"
    assert helps, "the neighbour-augmented forecaster no longer beats own data: update docs/gridcell.md (G2)"
    # The finding beside it: the shares as features alone, without averaging, do not beat own data.
    assert all(m[s, "neighbours, clear shares"][w] > m[s, "own-data RLS"][w] for s in src for w in both), \
        "clear shares alone now beat own data: update docs/gridcell.md (G2)"
    # Oracle 8 (eps = inf is clear sharing, bitwise): the laplace-inf run equals the clear run.
    for s in ("sce", "pjm"):
        assert m[s, "neighbours, Laplace ε_dp = inf"] == m[s, "neighbours, clear shares"]


def test_figure(g2):
    pngs = list((g2["docs"] / "results").glob("G2_*.png"))
    assert [p.name for p in pngs] == ["G2_epsilon.png"]
    assert_png(pngs[0])
