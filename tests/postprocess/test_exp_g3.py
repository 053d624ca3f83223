"""Tests of experiment G3 of postprocess/reproduce (postprocess/dodgepp/experiments/g3.py: mechanism comparison of
the DC grid cell) on a quick run (2 ranks). Its table is recomputed here from the run files with h5py and numpy,
independently of dodgepp: the costs from /series (cost, cost_shadow = B1, cost_netting = C^net; the evaluation
window is the last 7 days), self-sufficiency from /series (net, import_util, load), the per-home savings and the
worse-off share from /summary (home_cost against home_cost_shadow), net sellers and buyers and the matched energy
from /agents (sold and bought, or the signs of trade = bought − sold), and the verdict from these."""
import h5py
import numpy as np
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with, value

RUNS = ("none", "mmr", "mmr_cell", "pdct", "coa", "mfq1", "mfq5")
RULE = ("none", "mmr", "mmr_cell", "pdct", "coa")  # the battery rule: one C^net (mfq's batteries follow its actions)
EVAL_DAYS = 7  # -gridcell_eval_days (default)


@pytest.fixture(scope="module")
def g3(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_mechanisms", ("G3",))


def recompute(path) -> dict:
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] in ("complete", b"complete")
        s = f["series"]
        t = s["time"][...]
        dt = float(t[1] - t[0])
        days = len(t) * dt / 24.0
        ev = slice(len(t) - int(round(EVAL_DAYS * 24 / dt)), len(t))
        cost, shadow, net = (s[k][...] for k in ("cost", "cost_shadow", "cost_netting"))
        load = s["load"][...].sum()
        hc, hs = f["summary/home_cost"][...], f["summary/home_cost_shadow"][...]
        assert np.isclose(hc.sum(), cost.sum(), rtol=1e-9) and np.isclose(hs.sum(), shadow.sum(), rtol=1e-9)
        a = f["agents"]
        assert len(a["record_step"]) == len(t) and np.array_equal(a["agent"][...], np.arange(hc.size))
        e = a["trade"][...]
        if "sold" in a:
            so, bo = a["sold"][...], a["bought"][...]
            assert np.allclose(e, bo - so, rtol=0, atol=1e-12), "trade is not bought - sold"
        else:
            so, bo = np.maximum(-e, 0.0), np.maximum(e, 0.0)
        saving = (hs - hc) / days  # $/day per home
        sold, bought = so.sum(axis=0) * dt, bo.sum(axis=0) * dt
        seller, buyer = sold > bought, bought > sold
        return {
            "cost": cost.sum(), "b1": shadow.sum(), "net": net.sum(),
            "eval_b1": cost[ev].sum() / shadow[ev].sum(), "eval_net_b1": net[ev].sum() / shadow[ev].sum(),
            "ss_phys": 1 - np.maximum(s["net"][...], 0).sum() / load, "ss_util": 1 - s["import_util"][...].sum() / load,
            "matched": sold.sum(), "worse": 100 * np.mean(saving < -1e-9), "seller": seller, "buyer": buyer,
            "seller_mean": saving[seller].mean() if seller.any() else np.nan,
            "buyer_mean": saving[buyer].mean() if buyer.any() else np.nan, "n": hc.size}


def test_table_recomputed(g3):
    check_mechanisms(g3, "G3")


def check_mechanisms(rep, exp):
    """The mechanism table of experiment exp (G3, or G10 on the dynamic price) and its verdict, recomputed."""
    fl = rep["json"]["experiments"][exp]["run_files"]
    assert set(fl) == set(RUNS)
    sec = section(rep["md"], exp)
    _, rows = table_with(sec, "mean saving sellers ($/day)")
    assert [r["run"] for r in rows] == list(RUNS) + ["C^net"], "one row per run, then the netting bound"
    r = {k: recompute(fl[k]) for k in RUNS}
    b1 = r["none"]["cost"]
    for k in RUNS:
        assert np.isclose(r[k]["b1"], b1, rtol=1e-9), f"{k}: the shadow B1 differs from the none run's cost"
        if k in RULE:
            assert np.isclose(r[k]["net"], r["none"]["net"], rtol=1e-9), f"{k}: C^net differs between runs"
    assert r["none"]["cost"] == pytest.approx(r["none"]["b1"], rel=1e-12) and r["none"]["matched"] == 0
    for row in rows:
        k = row["run"]
        if k == "C^net":
            m = r["none"]
            assert_close(row["cost ($)"], m["net"], "C^net")
            assert_close(row["/ B1"], m["net"] / b1, "C^net / B1")
            assert_close(row["eval window / B1"], m["eval_net_b1"], "C^net eval / B1")
            continue
        m = r[k]
        assert_close(row["cost ($)"], m["cost"], f"{k} cost")
        assert_close(row["/ B1"], m["cost"] / m["b1"], f"{k} / B1")
        assert_close(row["/ C^net"], m["cost"] / m["net"], f"{k} / C^net")
        assert_close(row["eval window / B1"], m["eval_b1"], f"{k} eval / B1")
        assert_close(row["SS_phys"], m["ss_phys"], f"{k} SS_phys")
        assert_close(row["SS_util"], m["ss_util"], f"{k} SS_util")
        assert abs(value(row["matched (kWh)"]) - m["matched"]) <= 0.05 + 1e-3 * m["matched"], f"{k} matched"
        assert abs(value(row["homes worse off (%)"]) - m["worse"]) < 1e-9, f"{k} worse off"
        ns, nb = int(m["seller"].sum()), int(m["buyer"].sum())
        assert row["sellers / buyers / no trade"] == f"{ns} / {nb} / {m['n'] - ns - nb}"
        for g in ("seller", "buyer"):
            cellv = row[f"mean saving {g}s ($/day)"]
            if k == "none":
                assert cellv == "—"
            else:
                assert_close(cellv, m[f"{g}_mean"], f"{k} {g}s")

    # The verdict follows from the recomputed checks.
    lowers = all(r[k]["cost"] <= b1 for k in RUNS[1:] if k != "mfq1")
    both = r["mmr"]["seller_mean"] > 0 and r["mmr"]["buyer_mean"] > 0
    both = both and r["mfq5"]["seller_mean"] > 0 and r["mfq5"]["buyer_mean"] > 0
    ordered = r["none"]["net"] <= r["coa"]["cost"] <= r["pdct"]["cost"] <= b1
    want = "matches" if lowers and both and ordered else (
        "qualitatively matches" if lowers and both else "differs — because")
    assert f"**Verdict: {want}" in sec, sec[:3000]


def test_figure(g3):
    pngs = list((g3["docs"] / "results").glob("G3_*.png"))
    assert [p.name for p in pngs] == ["G3_savings.png"]
    assert_png(pngs[0])
