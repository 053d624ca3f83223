"""The experiment registry of postprocess/reproduce and its verdict rules, without running dodge.

The registry (postprocess/dodgepp/experiments/) must build the table from the files of the folder alone,
in table order, and refuse a duplicate id or a module that defines no experiment; the verdict rule must
count ties as ties and never call a table of informative checks a match.
"""
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "postprocess"))

from dodgepp import experiments  # noqa: E402
from dodgepp.experiments.common import Check, ranking, tally, verdict  # noqa: E402

IDS = ["Z1", "Z2", "Z3", "Z4", "Z5", "Z6", "W1", "W2", "W3", "W4", "W5", "W6", "W7"]


def test_registry_lists_every_experiment_file_in_table_order():
    exps = experiments.all_experiments()
    assert [e.id for e in exps][:len(IDS)] == IDS
    folder = REPO / "postprocess" / "dodgepp" / "experiments"
    files = sorted(p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "common"))
    assert files == experiments.experiment_modules()
    for name in ("z1", "z5", "w7"):
        assert (folder / f"{name}.py").is_file()


def test_reproduce_table_is_the_registry():
    from dodgepp import reproduce
    assert [e.id for e in reproduce.EXPERIMENTS] == [e.id for e in experiments.all_experiments()]


def test_table_key_orders_series_then_number():
    ids = ["G1", "E2", "W1", "Z10", "Z2", "E10", "X1", "G10"]
    assert sorted(ids, key=experiments.table_key) == ["Z2", "Z10", "W1", "E2", "E10", "G1", "G10", "X1"]


class _Mod:
    def __init__(self, name, **kw):
        self.__name__ = name
        self.__dict__.update(kw)


def _exp(i):
    return experiments.Experiment(i, "[X]", "Fig. 1", "run", "reported", lambda ctx: [], lambda ctx, runs: None)


def test_collect_refuses_duplicates_and_empty_modules():
    with pytest.raises(RuntimeError, match="E1 is defined twice: in a and b"):
        experiments.collect([_Mod("a", EXPERIMENT=_exp("E1")), _Mod("b", EXPERIMENTS=[_exp("E1")])])
    with pytest.raises(RuntimeError, match="c defines neither EXPERIMENT nor EXPERIMENTS"):
        experiments.collect([_Mod("c")])
    with pytest.raises(RuntimeError, match="is not an Experiment"):
        experiments.collect([_Mod("d", EXPERIMENT="E1")])
    got = experiments.collect([_Mod("g", EXPERIMENTS=[_exp("G2"), _exp("G1")]), _Mod("e", EXPERIMENT=_exp("E1"))])
    assert [e.id for e in got] == ["E1", "G1", "G2"]


def test_adding_a_file_adds_an_experiment(tmp_path):
    """A copy of the package with one more file: reproduce --list shows the new experiment, nothing else edited."""
    pp = tmp_path / "postprocess"
    shutil.copytree(REPO / "postprocess", pp, ignore=shutil.ignore_patterns("__pycache__"))
    before = subprocess.run([sys.executable, str(pp / "reproduce"), "--list"], capture_output=True, text=True, timeout=60)
    assert before.returncode == 0, before.stderr
    ids_before = [ln.split()[0] for ln in before.stdout.splitlines()]
    assert ids_before[:len(IDS)] == IDS and "X99" not in ids_before
    (pp / "dodgepp" / "experiments" / "x99.py").write_text(textwrap.dedent('''\
        from .common import Experiment, Outcome

        EXPERIMENT = Experiment("X99", "[WLHQ20]", "Fig. 1", "a test run", "a claim", lambda ctx: [],
                                lambda ctx, runs: Outcome())
        '''))
    r = subprocess.run([sys.executable, str(pp / "reproduce"), "--list"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    ids = [ln.split()[0] for ln in r.stdout.splitlines()]
    assert ids == ids_before + ["X99"]


def test_ranking_counts_ties_as_ties():
    assert ranking(0.0, 0.0) == "tie"
    assert ranking(1.0, 1.0 + 1e-12) == "tie"
    assert ranking(1.0, 2.0) == "better"
    assert ranking(2.0, 1.0) == "worse"
    assert tally({"NSW": "better", "QLD": "tie", "SA": "tie"}) == "better in NSW; tie in QLD, SA; worse in —"


def test_verdict_rules():
    ok = Check("c", "p", "d", True)
    bad_shape = Check("c", "p", "d", False, why="shape reason")
    bad_number = Check("c", "p", "d", False, kind="number", why="number reason")
    info_false = Check("c", "p", "d", False, kind="info", why="ignored")
    assert verdict([ok, info_false]) == "matches"
    assert verdict([ok, bad_number]) == "qualitatively matches — the numbers differ because number reason"
    assert verdict([bad_shape, bad_number]) == "differs — because shape reason; number reason"
    assert verdict([info_false, Check("c", "p", "d", True, kind="info")]).startswith("reported — not judged")
