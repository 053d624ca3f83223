"""Tests of experiment G7 of postprocess/reproduce (postprocess/dodgepp/experiments/g7.py: security of the DC grid
cell's data channel) on a quick run (2 ranks). Its table is recomputed here from the run files with h5py and numpy,
independently of dodgepp: the attackers from /inputs/gridcell/attacker, the attack and honest edges from the
recorded graph, the rates from the cumulative alarm series, the verdict from the rates."""
import h5py
import numpy as np
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with, value


@pytest.fixture(scope="module")
def g7(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_security", ("G7",))


def edges(f):
    """(attacker -> honest, honest -> honest) directed edges of the union graph, from /inputs."""
    att = f["inputs/gridcell/attacker"][...] > 0
    nbrs = [set() for _ in att]
    for g in f["inputs/graph"].values():
        for u, v in g["edges"][...]:
            nbrs[u].add(v), nbrs[v].add(u)
    ah = sum(1 for i in range(att.size) if not att[i] for j in nbrs[i] if att[j])
    hh = sum(1 for i in range(att.size) if not att[i] for j in nbrs[i] if not att[j])
    return int(att.sum()), ah, hh


def test_table_recomputed(g7):
    fl = g7["json"]["experiments"]["G7"]["run_files"]
    _, rows = table_with(section(g7["md"], "G7"), "MAPE main %")
    assert {r["run"] for r in rows} == {k for k in fl if not k.startswith(("dual_", "dual168_", "market_"))}, "one row per run"
    rates = {}
    for row in rows:
        with h5py.File(fl[row["run"]], "r") as f:
            assert f.attrs["status"] in ("complete", b"complete")
            n_att, ah, hh = edges(f)
            assert value(row["attackers"]) == n_att
            # The summary counts the edges whenever security is on (an attacker or a detector).
            if row["attack"] != "none" or row["detector"] != "none":
                assert f.attrs["gridcell_attack_edges_data"] == ah and f.attrs["gridcell_honest_edges_data"] == hh
            else:
                assert "gridcell_attack_edges_data" not in f.attrs and n_att == 0
            a, h = f["series/alarms_attacker_data"][...], f["series/alarms_honest_data"][...]
            assert np.all(np.diff(a) >= 0) and np.all(np.diff(h) >= 0), "cumulative alarms decrease"
            det = a[-1] / ah if ah else np.nan
            fa = h[-1] / hh
            assert_close(row["MAPE main %"], float(f.attrs["gridcell_mape"]), "MAPE")
            if row["detector"] == "none":
                assert a[-1] == 0 and h[-1] == 0 and row["false-alarm rate"] == "—"
            else:
                assert_close(row["false-alarm rate"], fa, f"{row['run']} false alarms")
                if n_att:
                    assert_close(row["detection rate"], det, f"{row['run']} detection")
            if n_att == 0:
                assert a[-1] == 0, "alarms on attacker edges without attackers"
        rates[row["run"]] = (det, fa)
    # The verdict follows from the rates: clear shares separable, obfuscated ones (eps 1, masks) not.
    sep = {k: v[0] >= 0.9 and v[1] <= 0.05 for k, v in rates.items()}
    sec = section(g7["md"], "G7")
    paper = sep["laplace1_ewma"] and sep["mask_ewma"]
    assert ("**Verdict: differs" in sec) == (not (sep["scale_ewma"] and paper)), sec[:2000]
    assert sep["scale_ewma"], f"the EWMA chart missed the clear-share attack: {rates['scale_ewma']}"


def test_dual_table(g7):
    """The dual channel's rows: the generic policy's /attack summary, recomputed from its per-edge alarm steps."""
    fl = g7["json"]["experiments"]["G7"]["run_files"]
    _, rows = table_with(section(g7["md"], "G7"), "mean |π_i − μ\\*| [$/kWh]")
    assert [r["run"] for r in rows] == ["dual_clean", "dual_none", "dual_cusum", "dual_ewma", "dual_ewma_late"]
    for r in rows:
        with h5py.File(fl[r["run"]], "r") as f:
            assert_close(r["savings vs B1 %"], 100 * float(f.attrs["gridcell_savings"]), "savings")
            assert_close(r["mean |π_i − μ\\*| [$/kWh]"], float(f.attrs["gridcell_price_gap_mean"]), "price gap")
            if r["detector"] == "none":
                assert r["detection rate"] == "—"
                continue
            a = f["attack"]
            att = set(np.flatnonzero(a["attacker"][...] > 0)) if a["attacker"].shape[0] == f["inputs/gridcell/attacker"].shape[0] \
                else set(a["attacker"][...].tolist())
            snd, rcv, alarm = a["edge_sender"][...], a["edge_receiver"][...], a["edge_alarm_step"][...]
            alarmed = alarm > 0
            # The generic policy rates every in-edge by its sender (docs/attacks.md): attackers' edges and honest ones.
            from_att = np.array([x in att for x in snd])
            honest = ~from_att
            assert rcv.shape == snd.shape
            assert_close(r["detection rate"], alarmed[from_att].mean(), "detection rate")
            assert_close(r["false-alarm rate"], alarmed[honest].mean(), "false alarms")


def test_dual168_table(g7):
    """The dual channel in §16.8's form: the family's attackers are the policy's, and every rate, count and delay of
    the table follows from /attack's per-edge alarm steps; the check's outcome from the recomputed rates."""
    fl = g7["json"]["experiments"]["G7"]["run_files"]
    _, rows = table_with(section(g7["md"], "G7"), "honest edges alarmed ≤ 96 steps after t_A")
    assert [r["run"] for r in rows] == ["dual168_clean_ewma", "dual168_none", "dual168_ewma", "dual168_cusum",
                                        "dual168_replay_ewma"]
    rates = {}
    for r in rows:
        with h5py.File(fl[r["run"]], "r") as f:
            assert f.attrs["status"] in ("complete", b"complete")
            assert_close(r["savings vs B1 %"], 100 * float(f.attrs["gridcell_savings"]), "savings")
            fam = np.flatnonzero(f["inputs/gridcell/attacker"][...] > 0)
            a = f["attack"]
            assert np.array_equal(a["attacker"][...].astype(int), fam), "the policy's attackers are not the family's"
            assert value(r["attackers"]) == fam.size
            if r["detector"] == "none":
                assert r["detection rate"] == "—" and "edge_alarm_step" not in a
                continue
            t_a = int(f["inputs/gridcell"].attrs["attack_start_step"])
            snd, alarm = a["edge_sender"][...].astype(int), a["edge_alarm_step"][...]
            bad = np.isin(snd, fam)
            fa = (alarm[~bad] > 0).mean()
            assert_close(r["false-alarm rate"], fa, f"{r['run']} false alarms")
            assert value(r["honest edges alarmed before t_A"]) == int(((alarm > 0) & (alarm < t_a) & ~bad).sum())
            assert value(r["honest edges alarmed ≤ 96 steps after t_A"]) == int(((alarm >= t_a) & (alarm <= t_a + 96) & ~bad).sum())
            if fam.size:
                det = (alarm[bad] > 0).mean()
                assert_close(r["detection rate"], det, f"{r['run']} detection")
                first = [alarm[bad & (snd == j) & (alarm > 0)].min() for j in fam if (bad & (snd == j) & (alarm > 0)).any()]
                late = [x - t_a for x in first if x >= t_a]
                col = "median delay [steps] (attackers first alarmed from t_A)"
                if late:
                    assert_close(r[col], float(np.median(late)), "delay")
                else:
                    assert r[col] in ("n/a", "—"), r[col]
                rates[r["run"]] = (det, fa)
    sep = rates["dual168_ewma"][0] >= 0.9 and rates["dual168_ewma"][1] <= 0.05
    check = [ln for ln in section(g7["md"], "G7").splitlines() if ln.startswith("| poisoned duals separable (§16.8")]
    assert len(check) == 1, check
    assert check[0].rstrip(" |").split("|")[-1].strip().strip("*").startswith("yes" if sep else "no"), check[0]


def test_market_table(g7):
    """The market channel's rows, recomputed from /summary/market_alarms (receiver, sender, step), the attackers and
    the recorded graph: detection and false-alarm rates over the honest receivers' in-edges, the cut edges, the savings."""
    fl = g7["json"]["experiments"]["G7"]["run_files"]
    _, rows = table_with(section(g7["md"], "G7"), "edges cut")
    assert [r["run"] for r in rows] == ["market_clean", "market_clean_ewma", "market_none", "market_ewma", "market_cusum",
                                        "market_replay_ewma"]
    rates = {}
    for r in rows:
        with h5py.File(fl[r["run"]], "r") as f:
            assert f.attrs["status"] in ("complete", b"complete")
            assert_close(r["savings vs B1 %"], 100 * float(f.attrs["gridcell_savings"]), "savings")
            att = f["inputs/gridcell/attacker"][...] > 0
            honest = ~att
            hs = 100 * (1 - f["summary/home_cost"][...][honest].sum() / f["summary/home_cost_shadow"][...][honest].sum())
            assert_close(r["honest homes' savings %"], hs, "honest savings")
            if r["detector"] == "none":
                assert r["detection rate"] == "—" and "market_alarms" not in f["summary"]
                continue
            n_att, ah, hh = edges(f)
            assert value(r["attackers"]) == n_att
            al = f["summary/market_alarms"][...].reshape(-1, 3).astype(int)
            at_honest = [(i, j) for i, j, _ in al if not att[i]]
            fa = sum(1 for i, j in at_honest if not att[j]) / hh
            assert_close(r["false-alarm rate"], fa, f"{r['run']} false alarms")
            cut = {(min(i, j), max(i, j)) for i, j, _ in al}
            assert value(r["edges cut"]) == len(cut) == f["series/market_cut"][-1]
            if n_att:
                det = sum(1 for i, j in at_honest if att[j]) / ah
                assert_close(r["detection rate"], det, f"{r['run']} detection")
                rates[r["run"]] = (det, fa)
    # The check's outcome follows from the recomputed rates (its last cell: yes / no).
    sep = rates["market_ewma"][0] >= 0.9 and rates["market_ewma"][1] <= 0.05
    check = [ln for ln in section(g7["md"], "G7").splitlines() if ln.startswith("| poisoned declarations separated")]
    assert len(check) == 1, check
    assert check[0].rstrip(" |").split("|")[-1].strip().strip("*").startswith("yes" if sep else "no"), check[0]


def test_figure(g7):
    pngs = list((g7["docs"] / "results").glob("G7_*.png"))
    assert [p.name for p in pngs] == ["G7_detection.png"]
    assert_png(pngs[0])
