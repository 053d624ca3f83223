"""Tests of experiment G4 of postprocess/reproduce (postprocess/dodgepp/experiments/g4.py: MF-Q learning in the grid
cell) on a quick run (2 ranks: 8 days, 3 passes). The table is recomputed here from the run files with h5py and numpy:
each pass's cost from /summary/mfq_pass_daily_cost, the recorded last pass's also from /series/cost (they agree to the
2^-20 $ grid of the pass costs), mmr's and B1's from /series, the action shares per period from /agents/action and the
hours of /series/time; the verdict follows from the recomputed criteria."""
import h5py
import numpy as np
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with, value


@pytest.fixture(scope="module")
def g4(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_mfq", ("G4",))


def test_rows_recomputed(g4):
    fl = g4["json"]["experiments"]["G4"]["run_files"]
    assert set(fl) == {"mfq", "mmr"}
    sec = section(g4["md"], "G4")
    _, rows = table_with(sec, "cost / B1")
    with h5py.File(fl["mfq"], "r") as f, h5py.File(fl["mmr"], "r") as r:
        for h in (f, r):
            assert h.attrs["status"] in ("complete", b"complete")
        assert f["inputs/algorithm"].attrs["mfq_policy"] == "learn"
        P = int(f["inputs/algorithm"].attrs["mfq_passes"])
        assert P == 3 and len(rows) == P + 2
        daily = f["summary/mfq_pass_daily_cost"][...].reshape(P, -1)
        pc = daily.sum(axis=1)
        assert np.allclose(pc, f["summary/mfq_pass_cost"][...], rtol=1e-14)
        cost = f["series/cost"][...]
        N, days = f["agents/bill"].shape[1], daily.shape[1]
        assert abs(pc[-1] - cost.sum()) <= N * days * 2.0 ** -21 + 1e-9, "the recorded pass's cost is not its /series"
        b1 = f["series/cost_shadow"][...].sum()
        rule = r["series/cost"][...].sum()
        assert np.isclose(r["series/cost_shadow"][...].sum(), b1, rtol=1e-12), "mmr ran another cell"
        for k in range(P):
            assert int(value(rows[k]["pass"])) == k + 1
            assert_close(rows[k]["community cost ($)"], pc[k], f"pass {k + 1} cost")
            assert_close(rows[k]["cost / B1"], pc[k] / b1, f"pass {k + 1} / B1")
            assert_close(rows[k]["cost / mmr"], pc[k] / rule, f"pass {k + 1} / mmr")
        assert_close(rows[P]["community cost ($)"], rule, "mmr cost")
        assert_close(rows[P + 1]["community cost ($)"], b1, "B1 cost")
        # action shares per period of the recorded pass
        act = f["agents/action"][...]
        hours = np.mod(f["series/time"][...], 24.0)
        per = np.searchsorted(np.array([6.0, 10.0, 16.0, 21.0]), hours, side="right")
        _, arows = table_with(sec, "sell (a = 0)")
        assert len(arows) == 5
        for p in range(5):
            a = act[per == p]
            a = a[a >= 0]
            for k, col in enumerate(("sell (a = 0)", "idle (a = 1)", "buy (a = 2)")):
                assert_close(arows[p][col], float(np.mean(a == k)), f"period {p} action {k}")
    shape = pc[-1] < pc[0] and pc[-1] < b1
    number = pc[-1] <= rule
    want = "matches" if shape and number else ("qualitatively matches" if shape else "differs")
    assert f"**Verdict: {want}" in sec, sec[:1200]


def test_figure(g4):
    pngs = list((g4["docs"] / "results").glob("G4_*.png"))
    assert [p.name for p in pngs] == ["G4_mfq.png"]
    assert_png(pngs[0])
