"""Tests of experiment G10 of postprocess/reproduce (postprocess/dodgepp/experiments/g10.py: G3's mechanisms under
the dynamic aemo tariff on the NSW cell) on a quick run (2 ranks). The table and the verdict are recomputed from
the run files exactly as for G3 (test_exp_g3.check_mechanisms, independently of dodgepp); here also: the runs are
the dynamic-price cell (nsw source, aemo tariff, 19 days), whose λ_b moves with the wholesale price."""
import h5py
import numpy as np
import pytest

from test_exp_g3 import check_mechanisms
from test_reproduce import assert_png, quick_reproduce


@pytest.fixture(scope="module")
def g10(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_dynamic_price", ("G10",))


def test_table_recomputed(g10):
    check_mechanisms(g10, "G10")


def test_dynamic_price(g10):
    fl = g10["json"]["experiments"]["G10"]["run_files"]
    with h5py.File(fl["none"], "r") as f:
        a = f["inputs/gridcell"].attrs
        src, tar = (x.decode() if isinstance(x, bytes) else str(x) for x in (a["source"], a["tariff"]))
        assert (src, tar) == ("nsw", "aemo")
        t = f["series/time"][...]
        assert len(t) == 19 * 96
        lb = f["series/price_buy"][...]
        # The buy price moves with the RRP (not a two-level tou): many distinct values, λ_b − λ_s = 0.20.
        assert np.unique(lb).size > 100
        assert np.allclose(lb - f["series/price_sell"][...], 0.20, rtol=0, atol=1e-12)


def test_figure(g10):
    pngs = list((g10["docs"] / "results").glob("G10_*.png"))
    assert [p.name for p in pngs] == ["G10_savings.png"]
    assert_png(pngs[0])
