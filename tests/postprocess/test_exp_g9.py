"""Tests of experiment G9 of postprocess/reproduce (postprocess/dodgepp/experiments/g9.py: scaling of the grid cell)
on a quick run (N = 100 and 1000, 1 and 2 ranks). Each row's run file carries its rank count, home count, algorithm
and routing in its recorded inputs; the main steps' time is the file's wall_time_s; the module times are recomputed from the
-log_view of the run's log (max over ranks, summed over the stages); the bitwise column is recomputed by comparing
every /summary dataset with the 1-rank run's; the verdict follows from it."""
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from test_reproduce import assert_close, assert_png, quick_reproduce, section, table_with, value

EVENTS = {"data": "GcData", "learn": "GcLearn", "mfq": "GcMfq", "route": "GcRoute", "clearing": "DodgeLocalUpd"}


@pytest.fixture(scope="module")
def g9(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "gridcell_scaling", ("G9",))


def event_time(log: str, ev: str) -> float:
    return sum(float(m.group(1)) for m in re.finditer(rf"^{ev}\s+\d+\s+\S+\s+(\S+)", log, flags=re.M))


def test_rows_recomputed(g9):
    fl = g9["json"]["experiments"]["G9"]["run_files"]
    sec = section(g9["md"], "G9")
    _, rows = table_with(sec, "bitwise = 1 rank")
    assert len(rows) == len(fl) == 2 * 2 * 2
    same_all = True
    for r in rows:
        alg, n, p = r["algorithm"], int(value(r["N"])), int(value(r["ranks"]))
        path = Path(fl[f"{alg}_N{n}_np{p}"])
        log = path.with_suffix(".log").read_text()
        assert f"-n {p} " in log.splitlines()[0], "the run did not use its rank count"
        with h5py.File(path, "r") as f, h5py.File(fl[f"{alg}_N{n}_np1"], "r") as ref:
            assert f.attrs["status"] in ("complete", b"complete")
            assert int(f.attrs["ranks"]) == p and f.attrs["algorithm"] == alg
            assert f["summary/home_cost"].shape == (n,)
            assert f["inputs/gridcell"].attrs["route_iters"] == 20
            assert_close(r["main steps s"], float(f.attrs["wall_time_s"]), "main steps' time")
            same = set(f["summary"]) == set(ref["summary"]) and all(
                np.array_equal(f["summary"][k][...], ref["summary"][k][...]) for k in ref["summary"])
        assert r["bitwise = 1 rank"] == ("yes" if same else "no")
        same_all &= same
        for col, ev in EVENTS.items():
            assert_close(r[col], event_time(log, ev), f"{alg} N = {n} np = {p}: {col}")
        if alg == "pdct":
            assert value(r["mfq"]) == 0, "pdct ran the MF-Q event"
        else:
            assert value(r["mfq"]) > 0 and value(r["route"]) > 0
    assert same_all, "per-home results depend on the rank count"
    assert ("**Verdict: matches" in sec) == same_all, sec[:1200]


def test_figure(g9):
    pngs = list((g9["docs"] / "results").glob("G9_*.png"))
    assert [p.name for p in pngs] == ["G9_scaling.png"]
    assert_png(pngs[0])
