"""Tests of experiment G8 of postprocess/reproduce (postprocess/dodgepp/experiments/g8.py: PV and battery
penetration of the grid cell) on a quick run (2 ranks): each row's run file carries the row's penetration in its
recorded inputs (the homes' has_pv and has_battery, which the share is a sample of), its savings and
self-sufficiency are recomputed from /series, and the verdict follows from the recomputed checks."""
import h5py
import numpy as np
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with, value


@pytest.fixture(scope="module")
def g8(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_penetration", ("G8",))


def test_rows_recomputed(g8):
    fl = g8["json"]["experiments"]["G8"]["run_files"]
    sec = section(g8["md"], "G8")
    _, rows = table_with(sec, "SS_phys")
    assert len(rows) == len(fl)
    v = {}
    for r in rows:
        m, p, b = r["mechanism"], value(r["ρ_pv"]), value(r["ρ_bat·ρ_pv"])
        path = fl[f"{m}_pv{p:g}_bat{b:g}"]
        with h5py.File(path, "r") as f:
            assert f.attrs["status"] in ("complete", b"complete")
            pv, bat = f["inputs/gridcell/has_pv"][...] > 0.5, f["inputs/gridcell/has_battery"][...] > 0.5
            # The homes are a sample: 100 Bernoulli draws, within 4 standard deviations of the share.
            n = pv.size
            assert abs(pv.mean() - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12, (p, pv.mean())
            assert not np.any(bat & ~pv), "a battery without PV"
            if b == 0:
                assert not bat.any()
            s = f["series"]
            c, c0 = s["cost"][...].sum(), s["cost_shadow"][...].sum()
            assert_close(r["savings %"], 100 * (1 - c / c0), "savings")
            assert_close(r["SS_phys"], float(f.attrs["gridcell_ss_phys"]), "SS_phys")
            v[m, p, b] = (1 - c / c0, float(f.attrs["gridcell_ss_phys"]))
    pvs = sorted({p for _, p, _ in v})
    up = all(v[m, a, 0.0][1] < v[m, c, 0.0][1] for m in ("mmr", "pdct", "mfq") for a, c in zip(pvs, pvs[1:]))
    more = all(v[m, p, b][1] > v[m, p, 0.0][1] for m, p, b in v if b > 0)
    assert up, "SS_phys does not grow with the PV share"
    assert ("**Verdict: differs" in sec) == (not (up and more)), sec[:1500]


def test_figure(g8):
    pngs = list((g8["docs"] / "results").glob("G8_*.png"))
    assert [p.name for p in pngs] == ["G8_penetration.png"]
    assert_png(pngs[0])
