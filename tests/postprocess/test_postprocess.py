"""Tests of postprocess/report and postprocess/compare on small real dodge runs (2 ranks, 300 steps).

Every summary number is recomputed here straight from the HDF5 datasets, independently of dodgepp.
Environment: DODGE_BIN (the dodge binary), MPIEXEC (default mpirun).
"""
import csv
import math
import os
import shutil
import subprocess
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "postprocess" / "report"
COMPARE = REPO / "postprocess" / "compare"
DODGE = Path(os.environ.get("DODGE_BIN") or "/work/main/build/app/dodge")
MPIEXEC = os.environ.get("MPIEXEC") or "mpirun"
STEPS = 300
RTOL = 1e-12

RUNS = {
    "nsw": [],  # the default scenario: AEMO NSW1
    "qld": ["-options_file", str(REPO / "inputs" / "aemo_qld.yaml")],
    "synthetic": ["-options_file", str(REPO / "inputs" / "synthetic.yaml")],
    "nometrics": ["-metrics", "false", "-output_agents", "none"],
}
ALL_FIGURES = {"regret_avg", "violation_avg", "consensus_mu", "oracle_mu", "dispatch", "price"}
EXPECTED_FIGURES = {
    "nsw": ALL_FIGURES,
    "qld": ALL_FIGURES,
    "synthetic": ALL_FIGURES - {"price"},  # the synthetic source has per-agent prices only
    "nometrics": {"price"},  # -metrics false leaves every metric series NaN
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# Helpers -------------------------------------------------------------------------------------------

def run_tool(script, *args):
    return subprocess.run([str(script), *map(str, args)], capture_output=True, text=True, timeout=300)


def assert_ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"


def assert_real_png(path: Path):
    assert path.is_file(), f"{path} missing"
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert path.stat().st_size > 5000, f"{path} is suspiciously small"
    img = mpimg.imread(path)
    assert img.shape[0] >= 300 and img.shape[1] >= 500, f"{path}: {img.shape}"
    rgb = img[..., :3]
    assert np.ptp(rgb) > 0.5, f"{path} is a flat colour"
    # Data lines are drawn in colour, axes and text in greys: a figure of empty axes fails this.
    saturated = (rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.25
    assert saturated.mean() > 5e-4, f"{path} shows no coloured data"


def read_csv(path: Path) -> dict:
    with open(path, newline="") as f:
        return {row["run"]: row for row in csv.DictReader(f)}


def assert_close(got: str, want: float, what: str):
    g = float(got)
    if math.isnan(want):
        assert math.isnan(g), f"{what}: got {g}, want NaN"
        return
    assert abs(g - want) <= RTOL * abs(want), f"{what}: got {g!r}, want {want!r}"


def expected_summary(path: Path) -> dict:
    """The summary recomputed from the datasets (algorithms.md §12), with no code from dodgepp."""
    with h5py.File(path, "r") as f:
        s = f["series"]
        T = s["time"].shape[0]
        reg_avg = s["regret"][-1] / T
        wall = s["step_time"][...].sum()
        agents = f["inputs/agent_id"].shape[0]
        mu = s["oracle_mu"][...]
        return {
            "steps": T, "agents": agents, "ranks": int(f.attrs["ranks"]),
            "problem": f.attrs["problem"], "algorithm": f.attrs["algorithm"],
            "region": f["inputs/problem"].attrs.get("region", ""),
            "regret_avg": reg_avg,
            # Money only where the costs have a dollar scale (AEMO); the synthetic source is per-unit.
            "regret_avg_dollars": reg_avg * f.attrs["cost_to_dollars"] if f.attrs["cost_to_dollars"] != 1.0 else math.nan,
            "violation_avg": s["violation"][-1] / T,
            "violation_plus_avg": s["violation_plus"][-1] / T,
            "binding_fraction": np.mean(mu > 0) if np.isfinite(mu).any() else math.nan,
            "path_length": s["path_length"][-1],
            "wall_time_s": wall,
            "agent_steps_per_s": agents * T / wall,
            "messages": s["messages"][...].sum(),
            "bytes": s["bytes"][...].sum(),
        }


def copy_with(src: Path, dst: Path, **root_attrs) -> Path:
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        for k, v in root_attrs.items():
            f.attrs[k] = v
    return dst


# Fixtures ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    if not DODGE.is_file():
        pytest.fail(f"dodge binary {DODGE} not found; build it or set DODGE_BIN")
    out = tmp_path_factory.mktemp("runs")
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    paths = {}
    for name, opts in RUNS.items():
        path = out / f"{name}.h5"
        cmd = [MPIEXEC, "-n", "2", "--oversubscribe", str(DODGE), *opts, "-steps", str(STEPS),
               "-progress", "0", "-output_file", str(path)]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout}\n{r.stderr}"
        paths[name] = path
    return paths


@pytest.fixture(scope="module")
def report_dir(runs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert_ok(run_tool(REPORT, *runs.values(), "-o", out))
    return out


# report ----------------------------------------------------------------------------------------------

def test_report_figures(report_dir):
    for run, names in EXPECTED_FIGURES.items():
        folder = report_dir / run
        assert {p.stem for p in folder.glob("*.png")} == names, run
        for name in names:
            assert_real_png(folder / f"{name}.png")


def test_summary_csv_is_recomputed_from_datasets(report_dir, runs):
    rows = read_csv(report_dir / "summary.csv")
    assert list(rows) == list(RUNS)
    for run, path in runs.items():
        row, want = rows[run], expected_summary(path)
        for key in ("problem", "algorithm", "region"):
            assert row[key] == want[key], (run, key)
        for key in ("steps", "agents", "ranks"):
            assert int(row[key]) == want[key], (run, key)
        assert row["status"] == "complete"
        for key in ("regret_avg", "regret_avg_dollars", "violation_avg", "violation_plus_avg",
                    "binding_fraction", "path_length", "wall_time_s", "agent_steps_per_s", "messages", "bytes"):
            assert_close(row[key], want[key], f"{run} {key}")


def test_summary_agrees_with_dodge(report_dir, runs):
    """The per-step averages mean what dodge means by them: its own Reg(T)/T, Vio(T)/T and binding
    fraction (root attributes, written from its accumulators) and its regret_avg series."""
    rows = read_csv(report_dir / "summary.csv")
    for run in ("nsw", "qld", "synthetic"):
        with h5py.File(runs[run], "r") as f:
            assert_close(rows[run]["regret_avg"], f["series/regret_avg"][-1], f"{run} regret_avg series")
            assert_close(rows[run]["regret_avg"], f.attrs["final_regret_avg"], f"{run} final_regret_avg")
            assert_close(rows[run]["violation_avg"], f.attrs["final_violation_avg"], f"{run} final_violation_avg")
            assert_close(rows[run]["binding_fraction"], f.attrs["binding_fraction"], f"{run} binding_fraction")


def test_summary_markdown_takes_units_from_attributes(report_dir, runs):
    md = (report_dir / "summary.md").read_text()
    for run, path in runs.items():
        assert f"## {run}" in md
        with h5py.File(path, "r") as f:
            for name in ("regret", "violation", "path_length"):
                assert f"| {f['series'][name].attrs['units']} |" in md, (run, name)
        for fig in EXPECTED_FIGURES[run]:
            assert f"({run}/{fig}.png)" in md
    assert "-metrics false" in md  # why the nometrics figures are missing


def test_report_refuses_incomplete_run(runs, tmp_path):
    running = copy_with(runs["nsw"], tmp_path / "interrupted.h5", status="running")
    out = tmp_path / "refused"
    r = run_tool(REPORT, running, "-o", out)
    assert r.returncode != 0
    assert str(running) in r.stderr and "running" in r.stderr and "--allow-incomplete" in r.stderr
    assert not (out / "summary.csv").exists()

    # Among complete runs it is skipped with a one-line note, and the others are reported.
    out = tmp_path / "skipped"
    r = run_tool(REPORT, runs["nsw"], running, "-o", out)
    assert_ok(r)
    notes = [line for line in r.stderr.splitlines() if line.startswith("report: skipped")]
    assert len(notes) == 1 and str(running) in notes[0] and "running" in notes[0], r.stderr
    assert set(read_csv(out / "summary.csv")) == {runs["nsw"].stem}

    out = tmp_path / "allowed"
    assert_ok(run_tool(REPORT, running, "-o", out, "--allow-incomplete"))
    row = read_csv(out / "summary.csv")["interrupted"]
    assert row["status"] == "running"
    assert int(row["steps"]) == STEPS


def test_incomplete_run_uses_written_steps(runs, tmp_path):
    """An interrupted run's unwritten steps read back as NaN (the recorder's fill value); the report
    summarizes the steps before them."""
    done = 150
    path = copy_with(runs["nsw"], tmp_path / "cut.h5", status="running")
    with h5py.File(path, "r+") as f:
        for name, d in f["series"].items():
            if name != "time":  # the time axis is written whole at the start
                d[done:] = np.nan
        regret, vio = f["series/regret"][done - 1], f["series/violation"][done - 1]
        wall = f["series/step_time"][:done].sum()
    out = tmp_path / "out"
    assert_ok(run_tool(REPORT, path, "-o", out, "--allow-incomplete"))
    row = read_csv(out / "summary.csv")["cut"]
    assert int(row["steps"]) == done and int(row["planned_steps"]) == STEPS
    assert_close(row["regret_avg"], regret / done, "regret_avg")
    assert_close(row["violation_avg"], vio / done, "violation_avg")
    assert_close(row["wall_time_s"], wall, "wall_time_s")
    assert_real_png(out / "cut" / "regret_avg.png")


def test_report_missing_and_non_hdf5_files(runs, tmp_path):
    missing = tmp_path / "no_such_run.h5"
    r = run_tool(REPORT, missing, "-o", tmp_path / "out")
    assert r.returncode != 0 and str(missing) in r.stderr and "no such file" in r.stderr

    assert not (tmp_path / "out" / "summary.md").exists()  # nothing to report: nothing written

    # A text file, a missing file and a checkpoint among real runs (out/*.h5 matches them all) are skipped,
    # one line each, and the run is reported.
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5\n")
    ckpt = tmp_path / "run.ckpt.h5"
    with h5py.File(ckpt, "w") as f:
        f.attrs["status"] = "complete"
        f["state/x"] = np.zeros(3)
    r = run_tool(REPORT, runs["nsw"], text, missing, ckpt, "-o", tmp_path / "out")
    assert_ok(r)
    notes = [line for line in r.stderr.splitlines() if line.startswith("report: skipped")]
    assert len(notes) == 3, r.stderr
    assert str(text) in notes[0] and "not an HDF5 file" in notes[0]
    assert str(missing) in notes[1] and "no such file" in notes[1]
    assert str(ckpt) in notes[2] and "not a dodge output file" in notes[2]
    assert set(read_csv(tmp_path / "out" / "summary.csv")) == {runs["nsw"].stem}


def test_unknown_family_gets_common_figures(runs, tmp_path):
    path = copy_with(runs["nsw"], tmp_path / "future.h5", problem="nosuchfamily")
    out = tmp_path / "out"
    r = run_tool(REPORT, path, "-o", out)
    assert_ok(r)
    assert "no figure set for problem 'nosuchfamily'" in r.stderr
    assert {p.stem for p in (out / "future").glob("*.png")} == {"regret_avg", "violation_avg", "consensus_mu", "oracle_mu"}


def test_report_same_stem_gets_separate_folders(runs, tmp_path):
    (tmp_path / "b").mkdir()
    twin = tmp_path / "b" / "nsw.h5"
    shutil.copy(runs["nsw"], twin)
    out = tmp_path / "out"
    assert_ok(run_tool(REPORT, runs["nsw"], twin, "-o", out))
    assert list(read_csv(out / "summary.csv")) == ["nsw", "nsw-2"]
    assert (out / "nsw-2" / "regret_avg.png").is_file()


# compare ---------------------------------------------------------------------------------------------

def test_compare_labels_from_metadata(runs, tmp_path):
    out = tmp_path / "cmp"
    assert_ok(run_tool(COMPARE, runs["nsw"], runs["qld"], runs["synthetic"], "-o", out))
    for name in ("regret_avg", "violation_avg"):
        assert_real_png(out / f"{name}.png")
    md = (out / "compare.md").read_text()
    # The default run names no scheme (S2a, the former S2); the scenario files name the sweep's S2.
    # κ_N and the scheme identify a run (the plain run is S2a, κ_N = 1; the scenario files S2, κ_N = n).
    for label in ("pdct S2a κ_N=1 NSW1 N=6", "pdct S2 κ_N=n QLD1 N=6", "pdct S2 κ_N=n synthetic N=6"):
        assert f"| {label} |" in md, label
    for path in (runs["nsw"], runs["qld"], runs["synthetic"]):
        with h5py.File(path, "r") as f:
            for name in ("regret_avg", "violation_avg"):
                assert f"{f['series'][name][-1]:.6g}" in md, (path, name)


def test_compare_given_labels_and_series(runs, tmp_path):
    out = tmp_path / "cmp"
    assert_ok(run_tool(COMPARE, runs["nsw"], runs["qld"], "-o", out,
                       "--series", "consensus_mu_max,x_sum", "--labels", "first,second"))
    assert {p.stem for p in out.glob("*.png")} == {"consensus_mu_max", "x_sum"}
    for p in out.glob("*.png"):
        assert_real_png(p)
    md = (out / "compare.md").read_text()
    assert "| first |" in md and "| second |" in md and "NSW1" not in md

    r = run_tool(COMPARE, runs["nsw"], runs["qld"], "-o", out, "--labels", "only_one")
    assert r.returncode != 0 and "--labels" in r.stderr
    r = run_tool(COMPARE, runs["nsw"], "-o", out, "--series", "no_such_series")
    assert r.returncode != 0 and "no_such_series" in r.stderr and "regret_avg" in r.stderr


def test_compare_refuses_incomplete_and_missing(runs, tmp_path):
    running = copy_with(runs["qld"], tmp_path / "qld_running.h5", status="failed")
    r = run_tool(COMPARE, runs["nsw"], running, "-o", tmp_path / "cmp")
    assert r.returncode != 0 and str(running) in r.stderr and "failed" in r.stderr
    assert_ok(run_tool(COMPARE, runs["nsw"], running, "-o", tmp_path / "cmp", "--allow-incomplete"))
    missing = tmp_path / "gone.h5"
    r = run_tool(COMPARE, runs["nsw"], missing, "-o", tmp_path / "cmp")
    assert r.returncode != 0 and str(missing) in r.stderr


# demand family -----------------------------------------------------------------------------------------

def test_report_demand_family(tmp_path):
    """A demand run gets the load, decision, price and inner-iteration figures, and its peak reduction and
    PAR in the summary equal values recomputed from /series/load and /series/agl."""
    path = tmp_path / "demand.h5"
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    cmd = [MPIEXEC, "-n", "2", "--oversubscribe", str(DODGE), "-problem", "demand", "-algorithm", "doa",
           "-demand_users", "20", "-demand_preset", "calibrated", "-output_agents", "all", "-progress", "0",
           "-output_file", str(path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout}\n{r.stderr}"
    out = tmp_path / "rep"
    assert_ok(run_tool(REPORT, path, "-o", out))
    figures = {p.stem for p in (out / "demand").glob("*.png")}
    assert {"load", "decisions", "lambda", "inner_iterations", "regret_avg"} <= figures, figures
    for name in ("load", "decisions", "lambda", "inner_iterations"):
        assert_real_png(out / "demand" / f"{name}.png")
    row = read_csv(out / "summary.csv")["demand"]
    with h5py.File(path, "r") as f:
        load, agl = f["series/load"][...], f["series/agl"][...]
    assert_close(row["peak_reduction_pct"], 100.0 * (agl.max() - load.max()) / agl.max(), "peak reduction")
    assert_close(row["par"], load.max() / load.mean(), "PAR")
    # The decisions figure shows the paper's users 7, 12, 13 ([WMN14] Fig. 4; gids 6, 11, 12), not the first five.
    svg = tmp_path / "svg"
    assert_ok(run_tool(REPORT, path, "-o", svg, "--format", "svg"))
    text = svg_text(svg / "demand" / "decisions.svg")
    for u in (7, 12, 13):
        assert f"user {u}:" in text, text
    assert "user 1:" not in text and "user 2:" not in text
    assert float(row["peak_reduction_pct"]) > 0  # the calibrated preset flattens the hot-day peak


# pev family (vector decisions) ---------------------------------------------------------------------------

def test_report_pev_family(tmp_path):
    """A pev run ([record, agent, 24] decisions) gets the common figures and the hourly-profile figure, and
    its largest hourly overload equals the value recomputed from /agents/x."""
    path = tmp_path / "pev.h5"
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    cmd = [MPIEXEC, "-n", "2", "--oversubscribe", str(DODGE), "-problem", "pev", "-agents", "10", "-steps", "60",
           "-output_agents", "all", "-progress", "0", "-output_file", str(path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout}\n{r.stderr}"
    out = tmp_path / "rep"
    assert_ok(run_tool(REPORT, path, "-o", out))
    figures = {p.stem for p in (out / "pev").glob("*.png")}
    assert {"hourly", "regret_avg"} <= figures, figures
    assert_real_png(out / "pev" / "hourly.png")
    row = read_csv(out / "summary.csv")["pev"]
    with h5py.File(path, "r") as f:
        x = f["agents/x"][...]
    assert x.shape == (60, 10, 24)
    overload = max(0.0, float((np.abs(x.sum(axis=1)) - 0.35 * 10).max()))
    assert_close(row["max_hourly_overload"], overload, "largest hourly overload")
    assert overload > 0  # early steps violate the coupled rows; the tracker drives them back


# Figure formats, resolution and labels (issue 16) ------------------------------------------------------

def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels from the PNG's IHDR chunk."""
    b = path.read_bytes()
    assert b[:8] == PNG_MAGIC and b[12:16] == b"IHDR", f"{path} is not a PNG"
    return int.from_bytes(b[16:20], "big"), int.from_bytes(b[20:24], "big")


def pdf_text(path: Path) -> str:
    """The text a PDF shows, read with no PDF library: matplotlib's TrueType (Type 42) text is drawn by TJ
    arrays of 2-byte codes that its Identity ToUnicode map sends to the same code points (UTF-16BE)."""
    import re
    import zlib

    data = path.read_bytes()
    shown = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            content = zlib.decompress(m.group(1))
        except zlib.error:
            content = m.group(1)
        for arr in re.finditer(rb"\[(.*?)\]\s*TJ", content, re.S):
            raw = b""
            for s in re.finditer(rb"\(((?:\\.|[^\\)])*)\)", arr.group(1), re.S):
                raw += re.sub(rb"\\([0-7]{1,3}|.)", lambda e: bytes([int(e.group(1), 8)]) if e.group(1).isdigit()
                              else {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(e.group(1), e.group(1)),
                              s.group(1), flags=re.S)
            shown.append(raw.decode("utf-16-be", "replace") if len(raw) % 2 == 0 else raw.decode("latin-1"))
    return "\n".join(shown)


def svg_text(path: Path) -> str:
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", f"{path}: root element {root.tag}"
    # Mathtext writes its spaces as no-break spaces.
    return "\n".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")).replace("\xa0", " ")


@pytest.fixture(scope="module")
def vector_report(runs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vector")
    assert_ok(run_tool(REPORT, runs["nsw"], runs["synthetic"], "-o", out, "--format", "png,pdf,svg", "--dpi", "60"))
    return out


def test_report_writes_every_format(vector_report, runs):
    for run in ("nsw", "synthetic"):
        for name in EXPECTED_FIGURES[run]:
            stem = vector_report / run / name
            assert png_size(stem.with_suffix(".png"))[0] > 0
            pdf = stem.with_suffix(".pdf").read_bytes()
            assert pdf[:5] == b"%PDF-" and pdf.rstrip().endswith(b"%%EOF"), f"{stem}.pdf is not a PDF"
            svg_text(stem.with_suffix(".svg"))  # parses as XML with an <svg> root
    # The text stays text in both vector formats: the axis labels can be searched and edited.
    with h5py.File(runs["nsw"], "r") as f:
        # Axis labels show dodge's own unit text (display_units) where the CF units attribute differs.
        a = f["series/regret_avg"].attrs
        units = a["display_units"] if "display_units" in a else a["units"]
        units = units.decode() if isinstance(units, bytes) else str(units)
    for text in (pdf_text(vector_report / "nsw" / "regret_avg.pdf"), svg_text(vector_report / "nsw" / "regret_avg.svg")):
        assert "Reg(t)/t, mean per step" in text and f"[{units}]" in text, text[:2000]
        assert "Reg(t)/t [$ per step]" in text  # AEMO: the dollar scale, per step
    # summary.md links the first format named
    assert "(nsw/regret_avg.png)" in (vector_report / "summary.md").read_text()


def test_labels_carry_units(vector_report):
    vio = svg_text(vector_report / "nsw" / "violation_avg.svg")
    assert "mean per step" in vio and "Vio⁺(t)/t [MW]" in vio  # Vio⁺ in MW beside Vio (S_b)
    syn = svg_text(vector_report / "synthetic" / "violation_avg.svg")
    assert "[MW]" not in syn  # the synthetic source has no MW scale
    assert "[$ per step]" not in svg_text(vector_report / "synthetic" / "regret_avg.svg")
    for run in ("nsw", "synthetic"):
        for name in EXPECTED_FIGURES[run]:
            text = svg_text(vector_report / run / f"{name}.svg")
            assert "[" in text and "]" in text, f"{run}/{name}: no axis label with units"


def test_dpi_sets_png_size(runs, tmp_path):
    sizes = {}
    for dpi in (50, 100):
        out = tmp_path / f"dpi{dpi}"
        assert_ok(run_tool(REPORT, runs["nsw"], "-o", out, "--dpi", dpi))
        sizes[dpi] = png_size(out / "nsw" / "regret_avg.png")
        assert not (out / "nsw" / "regret_avg.pdf").exists()  # PNG only unless --format says otherwise
    w50, h50 = sizes[50]
    w100, h100 = sizes[100]
    assert abs(w100 - 2 * w50) <= 2 and abs(h100 - 2 * h50) <= 2, sizes
    out = tmp_path / "cmp"
    assert_ok(run_tool(COMPARE, runs["nsw"], runs["qld"], "-o", out, "--format", "svg,png", "--dpi", "40"))
    assert png_size(out / "regret_avg.png")[0] == 8 * 40
    assert "Reg(t)/t" in svg_text(out / "regret_avg.svg")
    assert "(regret_avg.svg)" in (out / "compare.md").read_text()  # the first format named


@pytest.mark.parametrize("tool", [REPORT, COMPARE])
@pytest.mark.parametrize("bad", [("--format", "jpeg"), ("--format", "png,gif"), ("--format", ","),
                                 ("--dpi", "0"), ("--dpi", "high")])
def test_bad_figure_option_is_refused(runs, tmp_path, tool, bad):
    out = tmp_path / "bad"
    r = run_tool(tool, runs["nsw"], "-o", out, *bad)
    assert r.returncode == 2, r
    assert bad[0] in r.stderr and "error" in r.stderr, r.stderr
    if bad[0] == "--format":
        assert "png, pdf, svg" in r.stderr, r.stderr
    assert not out.exists()


def test_dollar_column_only_for_money(report_dir, runs, tmp_path):
    md = (report_dir / "summary.md").read_text()
    header = next(line for line in md.splitlines() if line.startswith("| run |"))
    assert "| Reg(T)/T in $ per step [$ per step] |" in header  # the AEMO runs' money, per step
    assert "| Reg(T)/T per step " in header and "| Vio(T)/T per step " in header
    sections = {s.split("\n", 1)[0]: s for s in md.split("\n## ")[1:]}
    assert "Reg(T)/T in $ per step" in sections["nsw"]
    assert "Reg(T)/T in $ per step" not in sections["synthetic"]  # per-unit costs are not money
    assert "Reg(T)/T per step" in sections["synthetic"]
    # A report of per-unit runs only has no '$' column at all.
    out = tmp_path / "perunit"
    assert_ok(run_tool(REPORT, runs["synthetic"], "-o", out))
    header = next(line for line in (out / "summary.md").read_text().splitlines() if line.startswith("| run |"))
    assert "in $" not in header and "$ per step" not in header, header
    assert "Reg(T)/T in $" not in (out / "summary.md").read_text()
    assert "in MW" not in header  # nor an MW column without S_b


def test_exact_solver_figures_say_exact(runs, tmp_path):
    """coa solves each step exactly and sets one price: its violation and consensus are rounding only, so
    report draws neither and says 'exact'; pdct's (the nsw run) are real and drawn."""
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    coa = tmp_path / "coa.h5"
    r = subprocess.run([MPIEXEC, "-n", "2", "--oversubscribe", str(DODGE), "-algorithm", "coa", "-steps", "100",
                        "-progress", "0", "-output_file", str(coa)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    with h5py.File(coa, "r") as f:  # the premise, from the datasets
        s = f["series"]
        assert np.all(np.maximum(s["constraint"][...], 0) <= 1e-9 * s["constraint_abs"][...])
        assert np.max(s["constraint"][...]) > -1e-9  # binding somewhere: rounding, not a figure of zeros
    out = tmp_path / "rep"
    r = run_tool(REPORT, coa, runs["nsw"], "-o", out)
    assert_ok(r)
    assert "coa: skipped violation_avg (exact:" in r.stdout and "coa: skipped consensus_mu (exact:" in r.stdout
    assert not (out / "coa" / "violation_avg.png").exists() and not (out / "coa" / "consensus_mu.png").exists()
    assert_real_png(out / "coa" / "regret_avg.png")
    assert "nsw: skipped" not in r.stdout
    md = (out / "summary.md").read_text()
    assert "- violation_avg: exact:" in md and "- consensus_mu: exact:" in md


def test_cf_time_units_read_as_hours(runs, tmp_path):
    """A file whose time axis says 'minutes since ...' (CF style) reads back in hours, like dodge's 'h since'."""
    import sys

    sys.path.insert(0, str(REPO / "postprocess"))
    from dodgepp.run import Run

    cf = tmp_path / "cf.h5"
    shutil.copy(runs["nsw"], cf)
    with h5py.File(cf, "r+") as f:
        t = f["series/time"]
        hours = t[...].copy()
        t[...] = hours * 60.0
        t.attrs["units"] = "minutes since 2024-07-05 00:00:00"
    run = Run(cf)
    np.testing.assert_allclose(run.series("time"), hours, rtol=1e-15)
    assert run.info("time").units == "h since 2024-07-05 00:00:00"
    assert_ok(run_tool(REPORT, cf, "-o", tmp_path / "rep"))
    assert run.kappa == "1" and "κ_N=1" in run.label()  # from the algorithm description
