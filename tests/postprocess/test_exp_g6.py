"""Tests of experiment G6 of postprocess/reproduce (postprocess/dodgepp/experiments/g6.py: routing in the grid cell)
on a quick run (2 ranks): each row's run file carries its graph, mode, K and trigger in its recorded inputs, its
message share and errors are recomputed from /series, the periodic reference (c0_r = 0) counts exactly K Σ deg_H,
and the verdict follows from the recomputed criteria."""
import h5py
import numpy as np
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with, value


@pytest.fixture(scope="module")
def g6(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_routing", ("G6",))


def test_rows_recomputed(g6):
    fl = g6["json"]["experiments"]["G6"]["run_files"]
    sec = section(g6["md"], "G6")
    _, rows = table_with(sec, "messages / periodic")
    assert len(rows) == len(fl)
    v = {}
    for r in rows:
        g, mode, K, c0 = r["graph"], r["mode"], int(value(r["K"])), value(r["c0_r"])
        path = fl[f"{g}_c{c0:g}_K{K}_{mode}"]
        with h5py.File(path, "r") as f:
            assert f.attrs["status"] in ("complete", b"complete")
            inp = f["inputs/gridcell"].attrs
            assert inp["route_mode"] == mode and int(inp["route_iters"]) == K
            assert float(inp["route_trigger"].split(",")[0]) == c0
            s = f["series"]
            m, per = s["msgs_route"][...], s["msgs_route_periodic"][...]
            assert np.all(m <= per) and np.all(m > 0)
            if c0 == 0:
                # Every value moves every iteration: the trigger at c0 = 0 sends every copy.
                assert np.array_equal(m, per)
            ratio, ev, ei = m.sum() / per.sum(), s["v_err"][...].mean(), s["share_err_max"][...].mean()
            assert_close(r["messages / periodic"], ratio, "message share")
            assert_close(r["e_V [V]"], ev, "e_V")
            assert_close(r["e_I max [p.u.]"], ei, "e_I")
            v[g, c0, K, mode] = (ratio, ev, ei)
    gs = sorted({g for g, _, _, _ in v})
    d = [v[g, 1e-3, 20, "scheduled"] for g in gs] + [v["watts_strogatz", 1e-3, 20, "realized"]]
    p = [v[g, 0.0, 20, "scheduled"] for g in gs] + [v["watts_strogatz", 0.0, 20, "realized"]]
    holds = all(x[0] <= 0.5 and x[1] <= 0.01 and x[2] <= y[2] + 0.01 for x, y in zip(d, p))
    assert ("**Verdict: matches" in sec) == holds, sec[:1500]


def test_figure(g6):
    pngs = list((g6["docs"] / "results").glob("G6_*.png"))
    assert [p.name for p in pngs] == ["G6_routing.png"]
    assert_png(pngs[0])
