"""Tests of experiment G1 of postprocess/reproduce (postprocess/dodgepp/experiments/g1.py: one week of the grid cell's
inputs) on a quick run (2 ranks): the table's statistics recomputed from the run file with h5py and numpy, the
model invariants it checks recomputed here, and its figure."""
import h5py
import numpy as np
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with


@pytest.fixture(scope="module")
def g1(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_inputs", ("G1",))


def test_table_and_invariants(g1):
    path = g1["json"]["experiments"]["G1"]["run_files"]["week"]
    sec = section(g1["md"], "G1")
    _, rows = table_with(sec, "quantity")
    with h5py.File(path, "r") as f:
        s, a = f["series"], f["agents"]
        assert s["time"].size == 7 * 96, "one week of 15-minute steps"
        bat = f["inputs/gridcell/has_battery"][...] > 0.5
        ghi = s["ghi_cs"][...]
        want = {"cell load": s["load"][...], "cell PV": s["pv"][...], "GHI_cs": ghi,
                "clear-sky index k_c (daylight)": s["clear_sky_index"][...][ghi > 0],
                "buy price λ_b": s["price_buy"][...], "sell price λ_s": s["price_sell"][...],
                "SoC of the batteries": a["soc"][...][:, bat].ravel()}
        assert {r["quantity"] for r in rows} == set(want)
        for r in rows:
            v = want[r["quantity"]]
            for col, fn in (("mean", np.mean), ("min", np.min), ("max", np.max)):
                assert_close(r[col], float(fn(v)), f"{r['quantity']} {col}")
        # The invariants, recomputed: sums over homes, PV at night, SoC window, prices.
        holds = [np.allclose(a["load"][...].sum(axis=1), s["load"][...], rtol=1e-12, atol=0),
                 np.all(s["pv"][...][ghi <= 0] == 0),
                 np.all(a["soc"][...][:, ~bat] == 0),
                 np.all(s["price_sell"][...] <= s["price_buy"][...])]
    assert ("**Verdict: matches" in sec) == all(holds), sec[:1500]


def test_figure(g1):
    pngs = list((g1["docs"] / "results").glob("G1_*.png"))
    assert [p.name for p in pngs] == ["G1_inputs.png"]
    assert_png(pngs[0])
