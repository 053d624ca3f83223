#!/usr/bin/python3
"""dodge's benchmark suite: the measurements behind bench/run_all.sh (bench/README.md explains every number).

Runs, on the current machine: the STREAM triad (1 and 2 processes); pdct, li2022 (dispatch, ring and
Watts-Strogatz) and doa (demand) for N = 10^4 .. 10^7 on 1 and 2 ranks, oracle+metrics on and off, HDF5
recording off / first:1000 every step / all agents every 10 steps; the NumPy baseline bench/pdct_numpy.py on
the same instances (checked against dodge's trajectories); a plain sequential write of the same bytes each
recording run wrote; the paper-scale AEMO scenarios against the papers' MATLAB times. Prints a Markdown
report on stdout (progress on stderr) and keeps report.md and results.json in --outdir.

Normally started by bench/run_all.sh, which builds first; run directly with --dodge and --stream.
"""
import argparse
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MB = 1e6
MIN_IO_S = 0.02  # shortest I/O time the HDF5 bandwidth is computed from

# Table 1 of Zhou, Wang, Li 2025 (pdct, N = 6, T = 2880; MATLAB R2023b, AMD Ryzen 7 1.80 GHz, 16 GB).
MATLAB_S = {"nsw": 45.54, "qld": 38.85, "sa": 43.22, "vic": 39.01, "tas": 39.85}

GRAPHS = {"ring": "ring", "ws": "watts_strogatz"}
RECORDINGS = ("off", "first1000", "all10")
REC_LABEL = {"off": "off", "first1000": "first:1000 every step", "all10": "all every 10 steps"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# Roofline byte model (bench/README.md derives every number).
def ideal_bytes(alg, metrics, K=1.0):
    """Bytes an ideal implementation must move per agent-step: own coefficients and state read once, new
    state written once with write-allocate (each written double costs 16 B), neighbour values in cache."""
    if alg == "pdct":  # read a,b,h,x,cprev,mu,yhat (+c, x*); write x,cprev,mu,yhat (+x*)
        return 8 * (9 + 2 * 5) if metrics else 8 * (7 + 2 * 4)
    if alg == "li2022":  # read a,b,h,x,mu (+c, x*); write x,mu (+x*)
        return 8 * (7 + 2 * 3) if metrics else 8 * (5 + 2 * 2)
    if alg == "doa":  # K inner passes read (kappa, phat); one play+E3 pass reads kappa,phat,4 sums (+x*),
        # writes phat and the 4 per-user sums (+x*)
        return 16 * K + (8 * (7 + 2 * 6) if metrics else 8 * (6 + 2 * 5))
    raise ValueError(alg)


def impl_bytes(alg, metrics, E=3.0, P=0.0, K=1.0):
    """Bytes the current implementation streams per agent-step when nothing survives in cache between
    passes (N >= 10^6 here). E: CSR entries per row (self included); P: oracle passes per step; K: doa inner
    iterations per step."""
    if alg == "pdct":
        # Pass1 56 (+56 metrics), Pass2 96 + 12 E, oracle 24 per pass over the agents (0 with the dual table).
        return 152 + 12 * E + ((56 + 24 * P) if metrics else 0)
    if alg == "li2022":
        # Pass1 24 (+64 metrics), Pass2 80 + 12 E, oracle 24 per pass over the agents (0 with the dual table).
        return 104 + 12 * E + ((64 + 24 * P) if metrics else 0)
    if alg == "doa":
        # FillStep 96, inner 16 K, play 32, EndStep 104; metrics: x* 16, bracket 16, oracle 16 per pass.
        return 232 + 16 * K + ((32 + 16 * P) if metrics else 0)
    raise ValueError(alg)


# ---------------------------------------------------------------------------------------------------
def run_cmd(cmd, timeout, env=None):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        return p.returncode, p.stdout + p.stderr, time.perf_counter() - t0
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return -999, out + f"\n[timeout after {timeout} s]", time.perf_counter() - t0


def mpi_env():
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    return env


def num(pattern, text, cast=float):
    m = re.search(pattern, text, re.M)
    return cast(m.group(1)) if m else None


def parse_summary(out):
    r = {
        "n": num(r"N = (\d+) agents", out, int),
        "T": num(r"T = (\d+)\n", out, int),
        "wall_s": num(r"^\s+wall time\s+([0-9.eE+-]+) s", out),
        "io_s": num(r"I/O ([0-9.eE+-]+) s excluded", out),
        "rate": num(r"^\s+agent-steps per second\s+([0-9.eE+-]+)", out),
        "rss_per_agent": num(r"^\s+resident memory\s+([0-9.eE+-]+) bytes/agent", out),
        "oracle_iters": num(r"^\s+oracle iterations\s+([0-9.eE+-]+) per step", out),
        "binding": num(r"^\s+binding fraction \(mu\* > 0\)\s+([0-9.eE+-]+)", out),
    }
    # The summary prints wall time to 1 ms; N T / rate (5 significant digits) is finer for short loops.
    if r["rate"] and r["n"] and r["T"]:
        r["wall_s"] = r["n"] * r["T"] / r["rate"]
    m = re.search(r"graph:\s+\S+ \(n = (\d+), (\d+) union edges", out)
    r["csr_entries"] = 1 + 2 * int(m.group(2)) / int(m.group(1)) if m else None
    return r


class Suite:
    def __init__(self, a):
        self.a = a
        self.dodge = a.dodge
        self.scratch = Path(a.scratch)
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.outdir = Path(a.outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.env = mpi_env()
        self.results = {"runs": [], "numpy": [], "stream": {}, "plain_write": {}, "matlab": [], "doa_inner": [],
                        "notes": []}
        self.failures = []
        self.counter = 0

    # -- helpers -----------------------------------------------------------------------------------
    def mpirun(self, np_, args):
        return [self.a.mpiexec, "-n", str(np_), "--oversubscribe", self.dodge, *args]

    def scratch_file(self, tag):
        self.counter += 1
        return self.scratch / f"{tag}_{os.getpid()}_{self.counter}.h5"

    def steps_for(self, alg, n):
        tmax = 672 if alg == "doa" else 2880
        return int(min(tmax, max(self.a.min_steps, round(self.a.work / n))))

    # -- machine -----------------------------------------------------------------------------------
    def machine(self):
        def first(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout
            except Exception:
                return ""
        lscpu = first(["lscpu"])
        model = num(r"^Model name:\s*(.+)$", lscpu, str) or platform.processor()
        llc = num(r"^L3 cache:\s*(.+)$", lscpu, str) or "?"
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        git = first(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"]).strip() or "unknown"
        dirty = first(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"]).strip()
        flags = ""
        cache = Path(self.dodge).resolve().parents[1] / "CMakeCache.txt"
        if cache.is_file():
            c = cache.read_text(errors="replace")
            bt = num(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", c, str) or ""
            fl = num(r"^CMAKE_CXX_FLAGS_RELEASE:\w+=(.*)$", c, str) or ""
            cxx = num(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", c, str) or ""
            flags = f"{bt} {fl} ({cxx})"
        mpi = first([self.a.mpiexec, "--version"]).splitlines()
        self.results["machine"] = dict(
            host=socket.gethostname(), cpu=model, cores=os.cpu_count(), l3=llc, mem_gib=round(mem, 1),
            os=platform.platform(), date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            git=git + (" (+ uncommitted changes)" if dirty else ""), build=flags, mpi=mpi[0] if mpi else "?",
            python=platform.python_version(), load_start=os.getloadavg(), dodge=str(self.dodge),
            scratch=str(self.scratch), quick=self.a.quick)
        try:
            import numpy
            self.results["machine"]["numpy"] = numpy.__version__
            import scipy
            self.results["machine"]["scipy"] = scipy.__version__
        except ImportError:
            self.results["machine"].setdefault("scipy", "not installed (NumPy bincount mixing)")

    # -- STREAM --------------------------------------------------------------------------------------
    def stream(self):
        for np_ in self.a.ranks:
            cmd = [self.a.mpiexec, "-n", str(np_), "--oversubscribe", self.a.stream]
            if self.a.quick:
                cmd += ["-n", str(1 << 25), "-r", "3"]
            log(f"[stream] {np_} process(es)")
            rc, out, _ = run_cmd(cmd, 900, self.env)
            m = re.search(r"STREAM_TRIAD procs=(\d+) elements=(\d+) reps=(\d+) best_s=(\S+) gbs_stream=(\S+) "
                          r"gbs_wa=(\S+)", out)
            if rc != 0 or not m:
                self.failures.append(f"stream_triad on {np_} processes failed:\n{out[-2000:]}")
                continue
            self.results["stream"][np_] = dict(elements=int(m.group(2)), reps=int(m.group(3)),
                                               gbs_stream=float(m.group(5)), gbs_wa=float(m.group(6)))

    def bandwidth(self, np_):
        s = self.results["stream"].get(np_)
        return s["gbs_wa"] * 1e9 if s else None

    # -- availability --------------------------------------------------------------------------------
    def available(self, alg):
        args = {"pdct": ["-steps", "1"], "li2022": ["-algorithm", "li2022", "-steps", "1"],
                "doa": ["-problem", "demand", "-algorithm", "doa", "-steps", "1"]}[alg]
        rc, out, _ = run_cmd(self.mpirun(1, args + ["-output_file", "none", "-progress", "0"]), 300, self.env)
        return rc == 0, out[-600:]

    # -- one dodge run -------------------------------------------------------------------------------
    def dodge_run(self, alg, n, np_, graph, metrics, rec, keep_file=False, steps=None):
        T = steps or self.steps_for(alg, n)
        if alg == "doa":
            days = math.ceil(T / 96)
            args = ["-problem", "demand", "-algorithm", "doa", "-demand_users", str(n), "-demand_days", str(days)]
        else:
            args = ["-problem", "dispatch", "-algorithm", alg, "-agents", str(n), "-graph_family", GRAPHS[graph]]
        args += ["-steps", str(T), "-metrics", "true" if metrics else "false", "-progress", "0"]
        path = None
        # doa's inner iterations are only in /series/inner_iterations: "off" still writes the series (tiny).
        if rec != "off" or alg == "doa":
            path = self.scratch_file(f"{alg}_{n}_{np_}")
            args += ["-output_file", str(path)]
            if rec == "off":
                args += ["-output_agents", "none", "-output_inputs", "false"]
            elif rec == "first1000":
                args += ["-output_agents", "first:1000", "-output_stride", "1", "-output_inputs", "true"]
            else:
                args += ["-output_agents", "all", "-output_stride", "10", "-output_inputs", "false"]
        else:
            args += ["-output_file", "none"]
        best = None
        for rep in range(self.a.reps):
            if path and path.exists():
                path.unlink()
            rc, out, e2e = run_cmd(self.mpirun(np_, args), self.a.timeout, self.env)
            if rc != 0:
                self.failures.append(f"{alg} N={n} ranks={np_} graph={graph} metrics={metrics} rec={rec}: exit {rc}\n"
                                     f"  {' '.join(self.mpirun(np_, args))}\n{out[-1500:]}")
                if path and path.exists():
                    path.unlink()
                return None
            r = parse_summary(out)
            r["end_to_end_s"] = e2e
            if best is None or (r["rate"] or 0) > (best["rate"] or 0):
                best = r
        r = best
        r.update(alg=alg, N=n, ranks=np_, graph=graph if alg != "doa" else "-", metrics=metrics, rec=rec, steps=T,
                 cmd=" ".join(self.mpirun(np_, args)))
        if path:
            self.file_facts(r, path)
            if keep_file:
                r["file"] = str(path)
            else:
                path.unlink(missing_ok=True)
        self.annotate(r)
        self.results["runs"].append(r)
        log(f"[{alg}] N={n:>8} ranks={np_} graph={r['graph']:4} metrics={'on ' if metrics else 'off'} "
            f"rec={rec:9} T={T:5}  {r['rate']:.3e} agent-steps/s  wall {r['wall_s']:.3f} s  io {r['io_s']:.3f} s")
        return r

    def file_facts(self, r, path):
        import h5py
        import numpy as np
        with h5py.File(path, "r") as f:
            nseries = len([s for s in str(f["/series"].attrs["series_order"]).split("\n") if s])
            nsel = f["/agents/agent"].shape[0] if "/agents/agent" in f else 0
            nfields = len([s for s in str(f["/agents"].attrs.get("field_order", "")).split("\n") if s]) if nsel else 0
            nrec = f["/agents/record_step"].shape[0] if nsel else 0
            if "/series/inner_iterations" in f:
                r["inner_iters_mean"] = float(np.mean(f["/series/inner_iterations"][...]))
        # Bytes the step loop writes (the I/O time covers exactly these writes): agent records and series.
        r["bytes_written"] = 8 * (nrec * nsel * nfields + r["steps"] * nseries)

    def annotate(self, r):
        alg, metrics = r["alg"], r["metrics"]
        P = (r["oracle_iters"] or 0) + (1 - (r["binding"] or 0)) if metrics else 0
        if alg in ("pdct", "li2022"):
            # dispatch on AEMO data tabulates the oracle's dual (problems/dual_table.hpp, on by default): its
            # iterations cost O(log n) and do not pass over the agents.
            P = 0
        K = r.get("inner_iters_mean", 1.0)
        E = r.get("csr_entries") or 3.0
        r["ideal_B"] = ideal_bytes(alg, metrics, K)
        r["impl_B"] = impl_bytes(alg, metrics, E, P, K)
        r["oracle_passes"] = P
        bw = self.bandwidth(r["ranks"])
        if bw and r["rate"]:
            r["roofline_rate"] = bw / r["ideal_B"]
            r["roofline_frac"] = r["rate"] / r["roofline_rate"]
            r["impl_bw_frac"] = r["rate"] * r["impl_B"] / bw
        if r["io_s"] is not None and r["wall_s"]:
            r["rate_with_io"] = r["n"] * r["steps"] / (r["wall_s"] + r["io_s"])
        # dodge prints the I/O time to 1 ms: shorter writes cannot be timed to better than 5%.
        if r.get("bytes_written") and r["io_s"] and r["io_s"] >= MIN_IO_S:
            r["hdf5_Bps"] = r["bytes_written"] / r["io_s"]

    # -- NumPy baseline ------------------------------------------------------------------------------
    def numpy_baseline(self, r):
        cmd = [sys.executable, str(REPO / "bench" / "pdct_numpy.py"), r["file"]]
        if not r["metrics"]:
            cmd.append("--no-metrics")
        log(f"[numpy] N={r['N']} graph={r['graph']} metrics={'on' if r['metrics'] else 'off'} T={r['steps']}")
        rc, out, _ = run_cmd(cmd, self.a.timeout, self.env)
        m = re.search(r"PDCT_NUMPY .*wall_s=(\S+) rate=(\S+) max_rel_diff=(\S+) status=(\S+)", out)
        res = dict(N=r["N"], graph=r["graph"], metrics=r["metrics"], steps=r["steps"], rc=rc)
        if m:
            res.update(wall_s=float(m.group(1)), rate=float(m.group(2)), max_rel_diff=float(m.group(3)),
                       status=m.group(4))
        if rc != 0 or not m or res.get("status") != "ok":
            self.failures.append(f"pdct_numpy.py on N={r['N']} {r['graph']} metrics={r['metrics']}: exit {rc}, "
                                 f"status {res.get('status')}\n{out[-1500:]}")
        self.results["numpy"].append(res)

    # -- plain sequential write ----------------------------------------------------------------------
    def plain_write(self, nbytes):
        key = str(nbytes)
        if key in self.results["plain_write"]:
            return self.results["plain_write"][key]
        block = 8 << 20
        buf = os.urandom(min(block, max(nbytes, 1)))
        path = self.scratch / f"plain_{os.getpid()}.bin"

        def once(sync=False, fresh=True):
            t0 = time.perf_counter()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if fresh else 0), 0o644)
            left = nbytes
            while left > 0:
                left -= os.write(fd, buf[:min(left, len(buf))])
            if sync:
                os.fsync(fd)
            os.close(fd)
            dt = time.perf_counter() - t0
            if fresh:
                path.unlink()
            return nbytes / dt

        res = dict(bytes=nbytes, buffered_Bps=max(once() for _ in range(3)))
        once(fresh=False)  # the file exists from here on: the next writes overwrite its cached pages
        res["overwrite_Bps"] = max(once(fresh=False) for _ in range(3))
        path.unlink()
        res["fsync_Bps"] = once(sync=True)
        self.results["plain_write"][key] = res
        return res

    # -- doa inner iterations alone -------------------------------------------------------------------
    def doa_inner(self, n, np_):
        """Marginal cost of one doa inner iteration (one pass over the users + one reduction): the same run
        with exactly 1 and exactly 1 + K inner iterations per step (-doa_eps 0 -doa_kmax k)."""
        K = self.a.doa_extra
        T = self.steps_for("doa", n)
        base = ["-problem", "demand", "-algorithm", "doa", "-demand_users", str(n), "-demand_days",
                str(math.ceil(T / 96)), "-steps", str(T), "-metrics", "false", "-output_file", "none",
                "-progress", "0", "-doa_eps", "0"]
        walls = {}
        for k in (1, 1 + K):
            best = None
            for _ in range(self.a.reps):
                rc, out, _ = run_cmd(self.mpirun(np_, base + ["-doa_kmax", str(k)]), self.a.timeout, self.env)
                if rc != 0:
                    self.failures.append(f"doa N={n} ranks={np_} -doa_kmax {k}: exit {rc}\n{out[-1500:]}")
                    return None
                r = parse_summary(out)
                best = r if best is None or r["wall_s"] < best["wall_s"] else best
            walls[k] = best
        n_agents = walls[1]["n"]
        d = walls[1 + K]["wall_s"] - walls[1]["wall_s"]
        res = dict(N=n, ranks=np_, steps=T, K=K, wall_1=walls[1]["wall_s"], wall_K=walls[1 + K]["wall_s"],
                   rate=n_agents * T * K / d if d > 0 else None, ideal_B=16.0)
        bw = self.bandwidth(np_)
        if bw and res["rate"]:
            res["roofline_frac"] = res["rate"] * res["ideal_B"] / bw
        self.results["doa_inner"].append(res)
        log(f"[doa inner] N={n:>8} ranks={np_} T={T}: kmax 1 {res['wall_1']:.3f} s, kmax {1 + K} "
            f"{res['wall_K']:.3f} s -> {fmt(res['rate'], '.3e')} agent-inner-iterations/s")
        return res

    # -- the papers' MATLAB times --------------------------------------------------------------------
    def matlab(self):
        for region, t_matlab in MATLAB_S.items():
            scen = REPO / "inputs" / f"aemo_{region}.yaml"
            path = self.scratch_file(f"aemo_{region}")
            args = ["-options_file", str(scen), "-output_file", str(path), "-progress", "0"]
            best = None
            for _ in range(max(3, self.a.reps)):  # a few ms of work: always the best of >= 3
                rc, out, e2e = run_cmd(self.mpirun(1, args), self.a.timeout, self.env)
                if rc != 0:
                    self.failures.append(f"scenario {scen.name}: exit {rc}\n{out[-1500:]}")
                    break
                r = parse_summary(out)
                r["end_to_end_s"] = e2e
                if best is None or r["wall_s"] < best["wall_s"]:
                    best = dict(r, end_to_end_s=min(e2e, best["end_to_end_s"]) if best else e2e)
                elif e2e < best["end_to_end_s"]:
                    best["end_to_end_s"] = e2e
            path.unlink(missing_ok=True)
            if best:
                best.update(region=region.upper(), matlab_s=t_matlab, scenario=f"inputs/aemo_{region}.yaml")
                self.results["matlab"].append(best)
                log(f"[matlab] {region.upper()}: dodge {best['wall_s']:.3g} s loop, {best['end_to_end_s']:.2f} s "
                    f"end to end vs MATLAB {t_matlab} s")

    # -- everything ----------------------------------------------------------------------------------
    def run(self):
        self.machine()
        if "stream" not in self.a.skip:
            self.stream()
        algs = []
        for alg in self.a.algorithms:
            ok, tail = self.available(alg)
            if ok:
                algs.append(alg)
            else:
                note = (f"{alg} skipped: `dodge {'-problem demand ' if alg == 'doa' else ''}-algorithm {alg} -steps 1 "
                        f"-output_file none` failed (not available in this build):\n{tail}")
                self.results["notes"].append(note)
                log("NOTE: " + note)
        for alg in algs:
            graphs = ["-"] if alg == "doa" else self.a.graphs
            for n in self.a.sizes:
                for graph in graphs:
                    for metrics in (True, False):
                        for np_ in self.a.ranks:
                            for rec in self.a.recordings:
                                keep = (alg == "pdct" and np_ == 1 and rec == "first1000" and "numpy" not in self.a.skip)
                                r = self.dodge_run(alg, n, np_, graph, metrics, rec, keep_file=keep)
                                if r and keep:
                                    self.numpy_baseline(r)
                                    Path(r.pop("file")).unlink(missing_ok=True)
                                if r and r.get("bytes_written") and rec != "off" and "hdf5" not in self.a.skip:
                                    r["plain"] = self.plain_write(r["bytes_written"])
            if alg == "pdct" and self.a.quick and "hdf5" not in self.a.skip and "all10" in self.a.recordings:
                # N = 10^4 writes too little to time: one run large enough to exercise the HDF5 comparison.
                r = self.dodge_run("pdct", 10**6, self.a.ranks[0], self.a.graphs[0], False, "all10", steps=80)
                if r and r.get("bytes_written"):
                    r["plain"] = self.plain_write(r["bytes_written"])
            if alg == "doa" and "doa_inner" not in self.a.skip:
                for n in self.a.sizes:
                    for np_ in self.a.ranks:
                        self.doa_inner(n, np_)
        if "matlab" not in self.a.skip:
            self.matlab()
        self.results["machine"]["load_end"] = os.getloadavg()
        self.results["failures"] = self.failures
        report = Report(self.results, self.a).render()
        (self.outdir / "report.md").write_text(report)
        (self.outdir / "results.json").write_text(json.dumps(self.results, indent=1, default=str))
        print(report)
        log(f"report: {self.outdir / 'report.md'}; raw results: {self.outdir / 'results.json'}")
        return 1 if self.failures else 0


# ---------------------------------------------------------------------------------------------------
def fmt(v, spec=".3g", dash="–"):
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return dash
    return format(v, spec)


def sci(v):
    return fmt(v, ".3e")


def pct(v):
    return fmt(None if v is None else 100 * v, ".1f") + ("%" if v is not None else "")


def nice_n(n):
    e = math.log10(n) if n > 0 else 0
    return f"10^{int(round(e))}" if abs(e - round(e)) < 1e-9 else str(n)


class Report:
    def __init__(self, res, args):
        self.res, self.a = res, args
        self.runs = res["runs"]

    def find(self, **kw):
        for r in self.runs:
            if all(r.get(k) == v for k, v in kw.items()):
                return r
        return None

    def numpy(self, n, graph, metrics):
        for r in self.res["numpy"]:
            if r["N"] == n and r["graph"] == graph and r["metrics"] == metrics:
                return r
        return None

    def render(self):
        m = self.res["machine"]
        L = []
        add = L.append
        add(f"# dodge benchmark report{' (--quick smoke run)' if m['quick'] else ''}")
        add("")
        add(f"* date: {m['date']}; host `{m['host']}`; git {m['git']}")
        add(f"* CPU: {m['cpu']}, {m['cores']} cores, L3 {m['l3']}; memory {m['mem_gib']} GiB; {m['os']}")
        add(f"* build: {m['build']}; {m['mpi']}; Python {m['python']}, NumPy {m.get('numpy', '?')}, "
            f"SciPy {m.get('scipy', '?')}")
        add(f"* load average at start {m['load_start'][0]:.2f}, at end {m['load_end'][0]:.2f} "
            f"({m['cores']} cores{'; the machine was busy before the suite started: timings are noisy' if m['load_start'][0] > 0.5 * m['cores'] else ''})")
        add(f"* dodge: `{m['dodge']}`; scratch files on `{m['scratch']}`; best of {self.a.reps} run(s) per configuration")
        add("")
        self.summary(add)
        self.stream(add)
        self.bytes_table(add)
        for alg in ("pdct", "li2022", "doa"):
            if any(r["alg"] == alg for r in self.runs):
                self.alg_table(add, alg)
        self.doa_inner_table(add)
        self.numpy_table(add)
        self.recording_table(add)
        self.matlab_table(add)
        if self.res["notes"] or self.res["failures"]:
            add("## Notes and failures")
            add("")
            for n in self.res["notes"]:
                add("* " + n.replace("\n", " ").strip())
            for f in self.res["failures"]:
                add("* FAILED: " + f.splitlines()[0])
                add("")
                add("```")
                add("\n".join(f.splitlines()[1:])[-1500:])
                add("```")
            add("")
        add("Definitions (bench/README.md): fraction of roofline = measured agent-steps/s ÷ (triad bandwidth with "
            "write-allocate ÷ ideal bytes per agent-step); impl. traffic = measured agent-steps/s × the current "
            "implementation's modelled bytes ÷ bandwidth; parallel efficiency = rate(2 ranks) ÷ (2 × rate(1 rank)); "
            "HDF5 fraction = bytes written in the step loop ÷ dodge's I/O time, over the same bytes written by a "
            "plain sequential write() to the same directory (computed only when dodge's I/O time, printed to 1 ms, "
            f"is at least {MIN_IO_S} s).")
        return "\n".join(L) + "\n"

    def summary(self, add):
        add("## Summary (largest N measured)")
        add("")
        add("| measure | configuration | value |")
        add("|---|---|---:|")
        for alg in ("pdct", "li2022", "doa"):
            rs = [r for r in self.runs if r["alg"] == alg and r["rec"] == "off"]
            if not rs:
                continue
            n = max(r["N"] for r in rs)
            g = "ring" if alg != "doa" else "-"
            for metrics in (False, True):
                r1 = self.find(alg=alg, N=n, graph=g, metrics=metrics, rec="off", ranks=1)
                r2 = self.find(alg=alg, N=n, graph=g, metrics=metrics, rec="off", ranks=2)
                cfg = f"{alg}, N = {nice_n(n)}{', ring' if g == 'ring' else ''}, metrics {'on' if metrics else 'off'}"
                if r1:
                    add(f"| fraction of bandwidth roofline, 1 rank | {cfg} | {pct(r1.get('roofline_frac'))} |")
                if r2:
                    add(f"| fraction of bandwidth roofline, 2 ranks | {cfg} | {pct(r2.get('roofline_frac'))} |")
                if r1 and r2 and r1["rate"] and r2["rate"]:
                    add(f"| parallel efficiency at 2 ranks | {cfg} | {pct(r2['rate'] / (2 * r1['rate']))} |")
                nr = self.numpy(n, g, metrics) if alg == "pdct" else None
                if r1 and nr and nr.get("rate"):
                    add(f"| speed-up over NumPy, 1 rank | {cfg} | {fmt(r1['rate'] / nr['rate'], '.1f')}× |")
        di = self.res["doa_inner"]
        if di:
            top = max(r["N"] for r in di)
            one = next((r for r in di if r["N"] == top and r["ranks"] == 1), None)
            for r in (r for r in di if r["N"] == top):
                cfg = f"doa inner iterations alone, N = {nice_n(top)}, {r['ranks']} rank(s)"
                add(f"| fraction of bandwidth roofline | {cfg} | {pct(r.get('roofline_frac'))} |")
                if r["ranks"] > 1 and one and one["rate"] and r["rate"]:
                    add(f"| parallel efficiency at {r['ranks']} ranks | {cfg} | {pct(r['rate'] / (r['ranks'] * one['rate']))} |")
        recs = [r for r in self.runs if r.get("hdf5_Bps") and r.get("plain") and r["rec"] == "all10"]
        if recs:
            top = max(r["N"] for r in recs)
            pick = sorted((r for r in recs if r["N"] == top),
                          key=lambda r: (r["alg"] != "pdct", r["graph"] != "ring", r["metrics"], r["ranks"]))
            for np_ in sorted({r["ranks"] for r in pick}):
                r = next(r for r in pick if r["ranks"] == np_)
                cfg = (f"{r['alg']}, N = {nice_n(r['N'])}, {r['graph']}, metrics {'on' if r['metrics'] else 'off'}, "
                       f"{np_} rank(s), all agents every 10 steps ({r['bytes_written'] / MB:.0f} MB)")
                add(f"| HDF5 fraction of plain write bandwidth (new file, page cache) | {cfg} | {pct(r['hdf5_Bps'] / r['plain']['buffered_Bps'])} |")
                add(f"| HDF5 fraction of plain overwrite bandwidth (page cache) | {cfg} | {pct(r['hdf5_Bps'] / r['plain']['overwrite_Bps'])} |")
                add(f"| HDF5 fraction of plain write + fsync bandwidth (disk) | {cfg} | {pct(r['hdf5_Bps'] / r['plain']['fsync_Bps'])} |")
        elif any(r["rec"] != "off" for r in self.runs):
            add(f"| HDF5 fraction of plain write bandwidth | every recording run wrote in < {MIN_IO_S} s: too short to time | – |")
        ml = self.res["matlab"]
        if ml:
            sp = [x["matlab_s"] / x["wall_s"] for x in ml if x["wall_s"]]
            se = [x["matlab_s"] / x["end_to_end_s"] for x in ml]
            add(f"| speed-up over the papers' MATLAB (step loop) | pdct, N = 6, T = 2880, 5 regions, 1 rank | "
                f"{fmt(min(sp), '.0f')}–{fmt(max(sp), '.0f')}× |")
            add(f"| speed-up over the papers' MATLAB (whole process) | same, incl. start-up, setup, HDF5 output | "
                f"{fmt(min(se), '.0f')}–{fmt(max(se), '.0f')}× |")
        add("")

    def stream(self, add):
        add("## Memory bandwidth (STREAM triad `a = b + s·c`, built with the project)")
        add("")
        add("| processes | doubles per array per process | STREAM convention (24 B/elem) | write-allocate (32 B/elem; used by the roofline) |")
        add("|---:|---:|---:|---:|")
        for np_, s in sorted(self.res["stream"].items(), key=lambda kv: int(kv[0])):
            add(f"| {np_} | {s['elements']:,} | {s['gbs_stream']:.2f} GB/s | {s['gbs_wa']:.2f} GB/s |")
        st = self.res["stream"]
        if 1 in st and 2 in st:
            q = st[2]["gbs_wa"] / st[1]["gbs_wa"]
            add("")
            add(f"2-process ÷ 1-process bandwidth = {q:.2f}: a purely bandwidth-bound loop can reach at most "
                f"{min(1.0, q / 2) * 100:.0f}% parallel efficiency at 2 ranks (when its data does not fit in cache).")
        add("")

    def bytes_table(self, add):
        add("## Roofline bytes per agent-step")
        add("")
        add("Ideal: own coefficients and state read once, new state written once with write-allocate, neighbours in "
            "cache. Implementation: the bytes the current passes stream when nothing stays in cache between passes "
            "(E = CSR entries per row, P = oracle passes per step, K = doa inner iterations per step; derivation in "
            "bench/README.md). Values for the largest N measured.")
        add("")
        add("| algorithm | graph | metrics | ideal B | implementation B | roofline agent-steps/s, 1 rank | 2 ranks |")
        add("|---|---|---|---:|---:|---:|---:|")
        seen = set()
        for r in sorted(self.runs, key=lambda r: (r["alg"], r["graph"], not r["metrics"], -r["N"])):
            key = (r["alg"], r["graph"], r["metrics"])
            if key in seen or r["rec"] != "off":
                continue
            seen.add(key)
            bw1, bw2 = self.res["stream"].get(1), self.res["stream"].get(2)
            add(f"| {r['alg']} | {r['graph']} | {'on' if r['metrics'] else 'off'} | {r['ideal_B']:.0f} | "
                f"{r['impl_B']:.0f} | {sci(bw1['gbs_wa'] * 1e9 / r['ideal_B']) if bw1 else '–'} | "
                f"{sci(bw2['gbs_wa'] * 1e9 / r['ideal_B']) if bw2 else '–'} |")
        add("")

    def alg_table(self, add, alg):
        title = {"pdct": "pdct on dispatch (AEMO NSW)", "li2022": "li2022 on dispatch (AEMO NSW)",
                 "doa": "doa (inner_loop) on demand (CAISO SCE hot day)"}[alg]
        add(f"## {title}: agent-steps per second, recording off")
        add("")
        head = ["N"] + (["graph"] if alg != "doa" else []) + ["metrics", "steps"]
        head += ["K̄ (inner it./step)", "agent-inner-iterations/s, 1 rank"] if alg == "doa" else []
        head += ["1 rank", "roofline", "impl. traffic", "2 ranks", "roofline", "parallel eff."]
        head += ["NumPy", "speed-up vs NumPy, 1 rank", "2 ranks"] if alg == "pdct" else []
        head += ["RSS B/agent, 1 rank"]
        add("| " + " | ".join(head) + " |")
        add("|" + "---:|" * len(head))
        for r1 in sorted((r for r in self.runs if r["alg"] == alg and r["rec"] == "off" and r["ranks"] == 1),
                         key=lambda r: (r["N"], r["graph"], not r["metrics"])):
            r2 = self.find(alg=alg, N=r1["N"], graph=r1["graph"], metrics=r1["metrics"], rec="off", ranks=2)
            eff = r2["rate"] / (2 * r1["rate"]) if (r2 and r1["rate"] and r2["rate"]) else None
            row = [nice_n(r1["N"])] + ([r1["graph"]] if alg != "doa" else [])
            row += ["on" if r1["metrics"] else "off", str(r1["steps"])]
            if alg == "doa":
                K = r1.get("inner_iters_mean")
                row += [fmt(K, ".2f"), sci(r1["rate"] * K if K else None)]
            row += [sci(r1["rate"]), pct(r1.get("roofline_frac")), pct(r1.get("impl_bw_frac")),
                    sci(r2["rate"]) if r2 else "–", pct(r2.get("roofline_frac")) if r2 else "–", pct(eff)]
            if alg == "pdct":
                nr = self.numpy(r1["N"], r1["graph"], r1["metrics"])
                npr = nr.get("rate") if nr else None
                row += [sci(npr), fmt(r1["rate"] / npr if npr else None, ".1f"),
                        fmt(r2["rate"] / npr if (npr and r2) else None, ".1f")]
            row += [fmt(r1["rss_per_agent"], ".0f")]
            add("| " + " | ".join(row) + " |")
        add("")

    def doa_inner_table(self, add):
        rs = self.res["doa_inner"]
        if not rs:
            return
        K = rs[0]["K"]
        add("## doa inner iterations alone (demand)")
        add("")
        add(f"The same doa run with exactly 1 and exactly {1 + K} inner iterations per step (`-doa_eps 0 -doa_kmax k`, "
            f"metrics and recording off): agent-inner-iterations/s = (N + 1)·T·{K} ÷ (wall({1 + K}) − wall(1)). One "
            "inner iteration is one pass over the users (best response at the broadcast price, reading ω_i(t) and "
            "p̂_i: 16 B per agent, ideal and implementation alike) and one reduction; roofline fraction = rate × 16 B "
            "÷ bandwidth.")
        add("")
        add("| N | ranks | steps | wall, 1 inner it. s | wall, " + str(1 + K) + " inner it. s | agent-inner-iterations/s | "
            "roofline | parallel eff. |")
        add("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in sorted(rs, key=lambda r: (r["N"], r["ranks"])):
            r1 = next((x for x in rs if x["N"] == r["N"] and x["ranks"] == 1), None)
            eff = r["rate"] / (r["ranks"] * r1["rate"]) if (r["ranks"] > 1 and r1 and r1["rate"] and r["rate"]) else None
            add(f"| {nice_n(r['N'])} | {r['ranks']} | {r['steps']} | {r['wall_1']:.3f} | {r['wall_K']:.3f} | "
                f"{sci(r['rate'])} | {pct(r.get('roofline_frac'))} | {pct(eff)} |")
        add("")

    def numpy_table(self, add):
        if not self.res["numpy"]:
            return
        add("## NumPy baseline (bench/pdct_numpy.py) on the same instances, checked against dodge")
        add("")
        add("Each row re-runs the 1-rank `first:1000` dodge run of the same N, graph and metrics from its HDF5 file "
            "and compares x, μ, y of the recorded agents at every step (and F, F*, regret, Σg, path length, μ* with "
            "metrics on).")
        add("")
        add("| N | graph | metrics | steps | NumPy agent-steps/s | NumPy wall s | max rel. difference | status |")
        add("|---:|---|---|---:|---:|---:|---:|---|")
        for r in sorted(self.res["numpy"], key=lambda r: (r["N"], r["graph"], not r["metrics"])):
            add(f"| {nice_n(r['N'])} | {r['graph']} | {'on' if r['metrics'] else 'off'} | {r['steps']} | "
                f"{sci(r.get('rate'))} | {fmt(r.get('wall_s'), '.3f')} | {fmt(r.get('max_rel_diff'), '.1e')} | "
                f"{r.get('status', 'failed')} |")
        add("")

    def recording_table(self, add):
        rs = [r for r in self.runs if r["rec"] != "off"]
        if not rs:
            return
        add("## HDF5 recording")
        add("")
        add("Rates exclude I/O as dodge reports them, and include it (`N·T/(wall + I/O)`); the slowdown is against "
            "the same configuration with recording off. MB: bytes the step loop writes (agent records + series). "
            "Plain: the same bytes written with sequential 8 MiB write() calls to a new file in the same directory (to "
            "the page cache, as dodge's writes go), over an existing file of that size (dodge's datasets are "
            "allocated and filled at setup, so its step loop overwrites too), and to a new file followed by fsync "
            "(the disk).")
        add("")
        add("| alg | N | ranks | graph | metrics | recording | agent-steps/s | incl. I/O | slowdown incl. I/O | I/O s | MB | "
            "HDF5 MB/s | plain MB/s | plain overwrite MB/s | plain+fsync MB/s | HDF5 / plain | HDF5 / plain overwrite | "
            "HDF5 / plain+fsync |")
        add("|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in sorted(rs, key=lambda r: (r["alg"], r["N"], r["graph"], not r["metrics"], r["ranks"], r["rec"])):
            off = self.find(alg=r["alg"], N=r["N"], graph=r["graph"], metrics=r["metrics"], rec="off",
                            ranks=r["ranks"])
            slow = off["rate"] / r["rate_with_io"] if (off and r.get("rate_with_io")) else None
            p = r.get("plain") or {}
            h = r.get("hdf5_Bps")
            add(f"| {r['alg']} | {nice_n(r['N'])} | {r['ranks']} | {r['graph']} | {'on' if r['metrics'] else 'off'} | "
                f"{REC_LABEL[r['rec']]} | {sci(r['rate'])} | {sci(r.get('rate_with_io'))} | {fmt(slow, '.2f')} | "
                f"{fmt(r['io_s'], '.3f')} | {fmt(r.get('bytes_written', 0) / MB, '.1f')} | {fmt(h and h / MB, '.0f')} | "
                f"{fmt(p.get('buffered_Bps') and p['buffered_Bps'] / MB, '.0f')} | "
                f"{fmt(p.get('overwrite_Bps') and p['overwrite_Bps'] / MB, '.0f')} | "
                f"{fmt(p.get('fsync_Bps') and p['fsync_Bps'] / MB, '.0f')} | "
                f"{pct(h / p['buffered_Bps'] if (h and p) else None)} | "
                f"{pct(h / p['overwrite_Bps'] if (h and p) else None)} | {pct(h / p['fsync_Bps'] if (h and p) else None)} |")
        add("")

    def matlab_table(self, add):
        if not self.res["matlab"]:
            return
        add("## The papers' MATLAB times (Zhou, Wang, Li 2025, Table 1: pdct, N = 6, T = 2880)")
        add("")
        add("MATLAB R2023b on an AMD Ryzen 7 at 1.80 GHz, 16 GB (the paper's machine). dodge: the scenario file as "
            "given (switching3, κ_N = n, oracle and metrics on, every agent recorded), 1 rank; step loop = dodge's "
            "wall time (I/O excluded); whole process = mpirun start to exit, including MPI/PETSc start-up, setup "
            "and the HDF5 file.")
        add("")
        add("| region | scenario | MATLAB s | dodge step loop s | dodge whole process s | speed-up (step loop) | "
            "speed-up (whole process) |")
        add("|---|---|---:|---:|---:|---:|---:|")
        for r in self.res["matlab"]:
            add(f"| {r['region']} | `{r['scenario']}` | {r['matlab_s']:.2f} | {fmt(r['wall_s'], '.3g')} | "
                f"{r['end_to_end_s']:.2f} | {fmt(r['matlab_s'] / r['wall_s'] if r['wall_s'] else None, '.0f')}× | "
                f"{r['matlab_s'] / r['end_to_end_s']:.0f}× |")
        add("")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dodge", required=True)
    ap.add_argument("--stream", required=True)
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--quick", action="store_true", help="1-minute smoke version (N = 10^4, few steps)")
    ap.add_argument("--sizes", help="agent counts, e.g. '1e4 1e5' (default 1e4 1e5 1e6 1e7; --quick: 1e4)")
    ap.add_argument("--ranks", default="1 2", help="rank counts (default '1 2')")
    ap.add_argument("--algorithms", default="pdct,li2022,doa")
    ap.add_argument("--graphs", default="ring,ws")
    ap.add_argument("--recordings", default=",".join(RECORDINGS))
    ap.add_argument("--work", type=float, help="agent-steps per run (default 2e8; --quick 2e6)")
    ap.add_argument("--min-steps", type=int, default=20)
    ap.add_argument("--reps", type=int, default=1, help="runs per configuration, best kept (default 1)")
    ap.add_argument("--skip", default="", help="comma list of: stream, numpy, hdf5, doa_inner, matlab")
    ap.add_argument("--doa-extra", type=int, default=50,
                    help="extra doa inner iterations per step of the marginal-cost runs (default 50)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--scratch", required=True, help="directory for the runs' HDF5 files (deleted after use)")
    ap.add_argument("--outdir", required=True, help="where report.md and results.json go")
    a = ap.parse_args()
    a.sizes = [int(float(s)) for s in (a.sizes or ("1e4" if a.quick else "1e4 1e5 1e6 1e7")).replace(",", " ").split()]
    a.ranks = [int(s) for s in a.ranks.replace(",", " ").split()]
    a.algorithms = [s for s in a.algorithms.split(",") if s]
    a.graphs = [s for s in a.graphs.split(",") if s]
    a.recordings = [s for s in a.recordings.split(",") if s]
    a.skip = set(s for s in a.skip.split(",") if s)
    a.work = a.work or (2e6 if a.quick else 2e8)
    bad = set(a.graphs) - set(GRAPHS) | set(a.recordings) - set(RECORDINGS) | set(a.algorithms) - {"pdct", "li2022", "doa"}
    if bad:
        ap.error(f"unknown value(s): {', '.join(sorted(bad))}")
    return Suite(a).run()


if __name__ == "__main__":
    sys.exit(main())
