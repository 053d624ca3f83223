#!/usr/bin/python3
"""SLURM job tests: run the templates of jobs/slurm/ on a real, private, single-node SLURM.

Starts munged + slurmctld + slurmd with tests/jobs/slurm_up.sh (config, state and logs under the work
directory), submits every template with tiny settings, waits for the jobs, checks their outputs, logs,
array-index mapping, dependency chain and requeue path, and stops the daemons with slurm_down.sh.

    /usr/bin/python3 tests/jobs/run_slurm_tests.py --dodge build/app/dodge --workdir build/tests/jobs/slurm_jobs

Exit codes: 0 all checks passed (some may be skipped, with the reason printed), 1 a check failed,
77 slurm-wlm or munge is not installed (ctest reports the test as skipped).
Needs root (slurmd starts jobs as their owner) and Debian's python3-h5py for /usr/bin/python3.
Options: --keep leaves the cluster running afterwards (source <workdir>/cluster/env.sh to use it);
--only NAME[,NAME] runs some tests (names: see TESTS below); DODGE_SLURM_TEST_TIMELIMIT=1 adds a slow test
(about 5 minutes) where SLURM's own --signal=B:USR1@lead before a real time limit drives the requeue.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JOBS = os.path.join(ROOT, "jobs", "slurm")
SKIP_CODE = 77
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
            "BOOT_FAIL", "DEADLINE"}
REGIONS = ["NSW", "QLD", "SA", "TAS", "VIC"]
ALGORITHMS = ["pdct", "li2022"]
# Variables of the templates that must not leak into the tests from the caller's environment.
TEMPLATE_VARS = ["ACCOUNT", "PARTITION", "QOS", "MODULES", "DODGE", "SCENARIO", "NTASKS", "TIME", "OUTDIR",
                 "LOGDIR", "EXTRA_OPTS", "SIGNAL_LEAD", "CHECKPOINT", "CHECKPOINT_EVERY", "RESTART",
                 "RESTART_OPTS", "MAX_RESTARTS", "LAUNCHER", "MPIRUN", "MPIRUN_OPTS", "SRUN_MPI", "SRUN_OPTS",
                 "REGIONS", "ALGORITHMS", "SCENARIO_DIR", "SWEEP", "RANKS", "AGENTS", "AGENTS_PER_RANK", "STEPS",
                 "REPEATS", "INPUTS", "REPORT", "REPORT_DIR", "REPORT_OPTS", "PYTHON", "DODGE_JOBS_DIR",
                 "DODGE_ROOT", "DODGE_SITE", "DODGE_FORCE_SUBMIT"]


def log(msg):
    print(msg, flush=True)


class Checks:
    """Collects PASS / FAIL / SKIP lines."""

    def __init__(self):
        self.results = []

    def ok(self, name, cond, detail=""):
        self.results.append((name, "PASS" if cond else "FAIL", detail))
        log("  %s  %s%s" % ("PASS" if cond else "FAIL", name, (": " + detail) if detail else ""))
        return cond

    def skip(self, name, reason):
        self.results.append((name, "SKIP", reason))
        log("  SKIP  %s: %s" % (name, reason))

    def failed(self):
        return [r for r in self.results if r[1] == "FAIL"]


class Cluster:
    def __init__(self, workdir, env):
        self.dir = os.path.join(workdir, "cluster")
        self.env = env
        self.conf = os.path.join(self.dir, "slurm.conf")

    def up(self):
        subprocess.run(["bash", os.path.join(HERE, "slurm_down.sh"), self.dir, "--quiet"], env=self.env)
        r = subprocess.run(["bash", os.path.join(HERE, "slurm_up.sh"), self.dir], env=self.env, timeout=300)
        if r.returncode == SKIP_CODE:
            sys.exit(SKIP_CODE)
        if r.returncode != 0:
            raise RuntimeError("slurm_up.sh failed (exit code %d); see the messages above" % r.returncode)
        self.env["SLURM_CONF"] = self.conf

    def down(self):
        subprocess.run(["bash", os.path.join(HERE, "slurm_down.sh"), self.dir], env=self.env, timeout=300)

    def tail_logs(self, n=30):
        for name in ("slurmctld.log", "slurmd.log"):
            p = os.path.join(self.dir, "log", name)
            if os.path.exists(p):
                log("----- last %d lines of %s -----" % (n, p))
                with open(p, errors="replace") as f:
                    for line in f.readlines()[-n:]:
                        log("    " + line.rstrip())


def run(cmd, env, cwd=None, timeout=120, check=True):
    r = subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (exit code %d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def parse_records(text):
    """scontrol show job -o output -> list of dicts (one per job or array task)."""
    recs = []
    for line in text.splitlines():
        if "JobId=" not in line:
            continue
        d = {}
        for m in re.finditer(r"(\w[\w/:.]*)=(\S*)", line):
            d.setdefault(m.group(1), m.group(2))
        recs.append(d)
    return recs


def job_records(jobid, env):
    r = run(["scontrol", "show", "job", "-o", str(jobid)], env, check=False)
    return parse_records(r.stdout) if r.returncode == 0 else []


def wait_jobs(jobids, env, timeout, what="jobs"):
    """Waits until every job (every array task) of jobids is in a terminal state; returns {jobid: records}."""
    t0 = time.time()
    last = ""
    while True:
        recs = {j: job_records(j, env) for j in jobids}
        pending = ["%s:%s" % (r.get("JobId"), r.get("JobState")) for j in jobids for r in recs[j]
                   if r.get("JobState") not in TERMINAL]
        missing = [j for j in jobids if not recs[j]]
        if not pending and not missing:
            return recs
        state = " ".join(sorted(pending))
        if state != last:
            log("    waiting for %s (%ds): %s" % (what, time.time() - t0, state or "records of " + str(missing)))
            last = state
        if time.time() - t0 > timeout:
            raise TimeoutError("%s not finished after %ds: %s" % (what, timeout, state))
        time.sleep(1)


def h5_attrs(path):
    import h5py
    with h5py.File(path, "r") as f:
        at = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        region = None
        if "inputs/problem" in f:
            region = f["inputs/problem"].attrs.get("region")
            region = region.decode() if isinstance(region, bytes) else region
        at["_region"] = region
        return at


def h5_series(path):
    import h5py
    import numpy as np
    with h5py.File(path, "r") as f:
        return {k: np.array(f["series"][k]) for k in f["series"]}


def check_h5(c, name, path, **expect):
    """PASS when path exists and has status complete (and the given root attributes)."""
    if not os.path.exists(path):
        return c.ok(name, False, "missing " + path)
    try:
        at = h5_attrs(path)
    except Exception as e:  # noqa: BLE001 - report any read problem as a failure
        return c.ok(name, False, "cannot read %s: %s" % (path, e))
    bad = []
    if at.get("status") != "complete":
        bad.append("status=%r" % at.get("status"))
    for k, v in expect.items():
        got = at.get("_region" if k == "region" else k)
        if k == "region":
            if not (isinstance(got, str) and got.upper().startswith(v.upper())):
                bad.append("region=%r (want %s)" % (got, v))
        elif str(got) != str(v):
            bad.append("%s=%r (want %r)" % (k, got, v))
    return c.ok(name, not bad, ("%s: " % os.path.basename(path)) + (", ".join(bad) if bad else "complete"))


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def show_log(path, n=40):
    text = read(path)
    log("----- last %d lines of %s -----" % (n, path))
    for line in (text.splitlines()[-n:] if text else ["(missing or empty)"]):
        log("    " + line)


class Suite:
    def __init__(self, a):
        self.a = a
        self.c = Checks()
        self.work = os.path.abspath(a.workdir)
        self.dodge = os.path.abspath(a.dodge)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_") and k not in TEMPLATE_VARS}
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", DODGE_SITE="/dev/null",
                   PATH=env.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin")
        self.base_env = env
        self.cluster = Cluster(self.work, dict(env))
        self.jobs = {}         # test name -> list of job ids to wait for
        self.info = {}         # test name -> whatever its check needs

    # ---- helpers ----------------------------------------------------------------------------------------------
    def env(self, **kv):
        e = dict(self.cluster.env)
        e.update({k: str(v) for k, v in kv.items()})
        return e

    def dirs(self, name):
        out = os.path.join(self.work, "runs", name, "out")
        logs = os.path.join(self.work, "runs", name, "logs")
        os.makedirs(out, exist_ok=True)
        os.makedirs(logs, exist_ok=True)
        return out, logs

    def submit(self, template, env, args=(), cwd=None):
        r = run(["bash", os.path.join(JOBS, template)] + list(args), env, cwd=cwd or self.work)
        return r.stdout.strip().split()[-1]

    def dodge_ok(self, *opts):
        r = subprocess.run([self.dodge] + list(opts), env=self.base_env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
        return r.returncode == 0, r.stdout

    def want(self, name):
        return not self.a.only or name in self.a.only

    # ---- submissions -----------------------------------------------------------------------------------------------
    def submit_single(self):
        out, logs = self.dirs("single")
        # relative SCENARIO: resolved against the checkout (the submit directory is the work directory)
        env = self.env(SCENARIO="inputs/aemo_nsw.yaml", NTASKS=2, TIME="00:10:00", OUTDIR=out, LOGDIR=logs,
                       EXTRA_OPTS="-steps 50", DODGE=self.dodge, ACCOUNT="dodgetest", PARTITION="debug", QOS="normal")
        jid = self.submit("single.sbatch", env)
        self.jobs["single"] = [jid]
        self.info["single"] = dict(out=out, logs=logs, jid=jid)

    def submit_single_srun(self):
        out, logs = self.dirs("single_srun")
        env = self.env(SCENARIO=os.path.join(ROOT, "inputs", "synthetic.yaml"), NTASKS=2, TIME="00:10:00",
                       OUTDIR=out, LOGDIR=logs, EXTRA_OPTS="-steps 40", DODGE=self.dodge, LAUNCHER="srun")
        jid = self.submit("single.sbatch", env)
        self.jobs["single_srun"] = [jid]
        self.info["single_srun"] = dict(out=out, logs=logs, jid=jid)

    def submit_plain_sbatch(self):
        """Plain `sbatch jobs/slurm/single.sbatch` from another directory: the job finds common.sh itself."""
        out, logs = self.dirs("plain_sbatch")
        env = self.env(SCENARIO=os.path.join(ROOT, "inputs", "aemo_sa.yaml"), OUTDIR=out,
                       EXTRA_OPTS="-steps 30", DODGE=self.dodge)
        r = run(["sbatch", "--parsable", "-n", "1", "-t", "10", "-o", os.path.join(logs, "%x-%j.out"),
                 os.path.join(JOBS, "single.sbatch")], env, cwd=out)
        jid = r.stdout.strip().split(";")[0]
        self.jobs["plain_sbatch"] = [jid]
        self.info["plain_sbatch"] = dict(out=out, logs=logs, jid=jid)

    def submit_aemo_chain(self):
        """aemo_array.sbatch through submit_chain.sh, i.e. with postprocess.sbatch after it (afterok)."""
        out, logs = self.dirs("aemo_array")
        has_li, msg = self.dodge_ok("-algorithm", "li2022", "-steps", "1", "-output_file", "none", "-progress", "0")
        tasks = list(range(10)) if has_li else [0, 2, 4, 6, 8]
        if not has_li:
            log("  NOTE  this dodge has no li2022 (`dodge -algorithm li2022 -steps 1 -output_file none` failed): the "
                "array runs only its pdct tasks 0,2,4,6,8")
        report = os.path.join(ROOT, "postprocess", "report")
        real_report = os.path.exists(report)
        if not real_report:
            report = os.path.join(HERE, "report_standin.py")
            log("  NOTE  postprocess/report does not exist yet: the chained postprocess job runs "
                "tests/jobs/report_standin.py (same calling convention) instead")
        env = self.env(NTASKS=1, TIME="00:10:00", OUTDIR=out, LOGDIR=logs, EXTRA_OPTS="-steps 24",
                       DODGE=self.dodge, REPORT=report, REPORT_DIR=os.path.join(out, "report"))
        args = [] if has_li else ["--array=" + ",".join(map(str, tasks))]
        r = run(["bash", os.path.join(JOBS, "submit_chain.sh"), os.path.join(JOBS, "aemo_array.sbatch")] + args,
                env, cwd=self.work)
        first, second = r.stdout.split()[-2:]
        rec = job_records(second, self.cluster.env)   # while it waits: its dependency is still listed
        self.jobs["aemo_array"] = [first]
        self.jobs["chain"] = [second]
        self.info["aemo_array"] = dict(out=out, logs=logs, jid=first, tasks=tasks)
        self.info["chain"] = dict(out=out, logs=logs, jid=second, producer=first, real=real_report,
                                  dependency=rec[0].get("Dependency", "") if rec else "")

    def submit_failing_chain(self):
        """A producer that fails: the afterok job must be cancelled, not left pending."""
        out, logs = self.dirs("failing_chain")
        env = self.env(NTASKS=1, TIME="00:10:00", OUTDIR=out, LOGDIR=logs, DODGE=self.dodge,
                       SCENARIO=os.path.join(ROOT, "inputs", "synthetic.yaml"),
                       EXTRA_OPTS="-steps 5 -algorithm no_such_algorithm",
                       REPORT=os.path.join(HERE, "report_standin.py"))
        r = run(["bash", os.path.join(JOBS, "submit_chain.sh"), os.path.join(JOBS, "single.sbatch")], env,
                cwd=self.work)
        first, second = r.stdout.split()[-2:]
        self.jobs["failing_chain"] = [first, second]
        self.info["failing_chain"] = dict(out=out, logs=logs, first=first, second=second)

    def submit_sweep(self):
        out, logs = self.dirs("sweep")
        env = self.env(SCENARIO=os.path.join(ROOT, "inputs", "synthetic.yaml"), NTASKS=1, TIME="00:10:00",
                       OUTDIR=out, LOGDIR=logs, EXTRA_OPTS="-steps 50", DODGE=self.dodge,
                       SWEEP="-pdct_scheme S1; -pdct_scheme S2;-pdct_scheme S3")
        jid = self.submit("sweep.sbatch", env)
        self.jobs["sweep"] = [jid]
        self.info["sweep"] = dict(out=out, logs=logs, jid=jid)

    def submit_scaling(self, kind):
        name = "scaling_" + kind
        out, logs = self.dirs(name)
        size = dict(AGENTS=2000) if kind == "strong" else dict(AGENTS_PER_RANK=1000)
        env = self.env(SCENARIO=os.path.join(ROOT, "inputs", "aemo_nsw_large.yaml"), RANKS="1 2", STEPS=50,
                       TIME="00:05:00", OUTDIR=out, LOGDIR=logs, DODGE=self.dodge, **size)
        jid = self.submit(name + ".sbatch", env)
        self.jobs[name] = [jid]
        self.info[name] = dict(out=out, logs=logs, jid=jid)

    # ---- checks ---------------------------------------------------------------------------------------------------------
    def rec(self, name):
        return self.records[self.jobs[name][0]]

    def check_state(self, name, recs, want="COMPLETED"):
        bad = ["%s %s exit %s" % (r.get("JobId"), r.get("JobState"), r.get("ExitCode")) for r in recs
               if r.get("JobState") != want]
        self.c.ok(name + ": jobs " + want.lower(), not bad and bool(recs), "; ".join(bad) or
                  "%d job record(s)" % len(recs))
        return not bad

    def check_single(self):
        i = self.info["single"]
        recs = self.rec("single")
        ok = self.check_state("single", recs)
        r = recs[0]
        self.c.ok("single: site settings reach sbatch", r.get("Account") == "dodgetest" and
                  r.get("Partition") == "debug" and r.get("NumTasks") == "2",
                  "Account=%s Partition=%s NumTasks=%s" % (r.get("Account"), r.get("Partition"), r.get("NumTasks")))
        logf = os.path.join(i["logs"], "dodge-single-%s.out" % i["jid"])
        self.c.ok("single: log named %x-%j", os.path.exists(logf), logf)
        check_h5(self.c, "single: output", os.path.join(i["out"], "aemo_nsw.h5"), steps=50, ranks=2,
                 algorithm="pdct", region="NSW")
        if not ok:
            show_log(logf)

    def check_single_srun(self):
        i = self.info["single_srun"]
        ok = self.check_state("single_srun (LAUNCHER=srun --mpi=pmix)", self.rec("single_srun"))
        logf = os.path.join(i["logs"], "dodge-single-%s.out" % i["jid"])
        check_h5(self.c, "single_srun: output", os.path.join(i["out"], "synthetic.h5"), steps=40, ranks=2)
        self.c.ok("single_srun: launched with srun", "run: srun" in read(logf), logf)
        if not ok:
            show_log(logf)

    def check_plain_sbatch(self):
        i = self.info["plain_sbatch"]
        ok = self.check_state("plain_sbatch", self.rec("plain_sbatch"))
        logf = os.path.join(i["logs"], "dodge-single-%s.out" % i["jid"])
        self.c.ok("plain_sbatch: log named %x-%j", os.path.exists(logf), logf)
        # OUTDIR is relative to the submit directory, which is out/ here
        check_h5(self.c, "plain_sbatch: output", os.path.join(i["out"], "aemo_sa.h5"), steps=30, ranks=1,
                 region="SA")
        if not ok:
            show_log(logf)

    def check_aemo_array(self):
        i = self.info["aemo_array"]
        recs = [r for r in self.rec("aemo_array") if r.get("ArrayTaskId")]
        ok = self.check_state("aemo_array", recs)
        got = sorted(int(r["ArrayTaskId"]) for r in recs if r.get("ArrayTaskId", "").isdigit())
        self.c.ok("aemo_array: array indices", got == i["tasks"], "ran %s, wanted %s" % (got, i["tasks"]))
        for t in i["tasks"]:
            region, alg = REGIONS[t // len(ALGORITHMS)], ALGORITHMS[t % len(ALGORITHMS)]
            logf = os.path.join(i["logs"], "dodge-aemo-%s_%d.out" % (i["jid"], t))
            text = read(logf)
            self.c.ok("aemo_array: task %d log %%x-%%A_%%a names %s/%s" % (t, region, alg),
                      ("array task %d: region %s, algorithm %s" % (t, region, alg)) in text, logf)
            path = os.path.join(i["out"], "aemo_%s_%s.h5" % (region.lower(), alg))
            if check_h5(self.c, "aemo_array: task %d output" % t, path, algorithm=alg, region=region, steps=24):
                opts = h5_attrs(path).get("options", "")
                self.c.ok("aemo_array: task %d options attr has -algorithm %s and the %s file" % (t, alg, region),
                          ("-algorithm " + alg) in opts and ("-dispatch_region " + region) in opts, opts.strip())
            if not ok:
                show_log(logf, 25)

    def check_chain(self):
        i = self.info["chain"]
        recs = self.rec("chain")
        ok = self.check_state("chain: postprocess (afterok)", recs)
        post = recs[0]
        prod = [r for r in self.rec("aemo_array")]
        self.c.ok("chain: postprocess submitted with afterok on the array",
                  i["dependency"].startswith("afterok:%s" % i["producer"]), "Dependency=%s at submission" %
                  i["dependency"])
        ends = [r.get("EndTime", "") for r in prod]
        self.c.ok("chain: postprocess started after every array task ended",
                  all(e and e <= post.get("StartTime", "") for e in ends),
                  "start %s, task ends %s" % (post.get("StartTime"), ", ".join(sorted(set(ends)))))
        logf = os.path.join(i["logs"], "dodge-post-%s.out" % i["jid"])
        rdir = os.path.join(i["out"], "report")
        if i["real"]:
            self.c.ok("chain: postprocess/report wrote its report", os.path.isdir(rdir) and bool(os.listdir(rdir)),
                      rdir)
        else:
            summary = read(os.path.join(rdir, "summary.md"))
            n = len(self.info["aemo_array"]["tasks"])
            self.c.ok("chain: stand-in report lists every run as complete", summary.count("| complete |") == n,
                      "%d of %d complete in %s" % (summary.count("| complete |"), n, rdir))
            self.c.skip("chain: postprocess/report", "postprocess/report does not exist yet (stand-in used)")
        if not ok:
            show_log(logf)

    def check_failing_chain(self):
        i = self.info["failing_chain"]
        first = self.records[i["first"]][0]
        second = self.records[i["second"]][0]
        logf = os.path.join(i["logs"], "dodge-single-%s.out" % i["first"])
        code = first.get("ExitCode", "")
        self.c.ok("failing_chain: a dodge failure fails the job with dodge's exit code",
                  first.get("JobState") == "FAILED" and code not in ("0:0", "") and
                  "dodge failed with exit code %s" % code.split(":")[0] in read(logf),
                  "JobState=%s ExitCode=%s" % (first.get("JobState"), code))
        self.c.ok("failing_chain: the afterok postprocess job is cancelled, not left pending",
                  second.get("JobState") == "CANCELLED", "JobState=%s Reason=%s" % (second.get("JobState"),
                                                                                   second.get("Reason")))

    def check_sweep(self):
        i = self.info["sweep"]
        recs = [r for r in self.rec("sweep") if r.get("ArrayTaskId")]
        self.check_state("sweep", recs)
        got = sorted(int(r["ArrayTaskId"]) for r in recs if r.get("ArrayTaskId", "").isdigit())
        self.c.ok("sweep: array 0-2 from the 3 option sets", got == [0, 1, 2], str(got))
        for t in range(3):
            path = os.path.join(i["out"], "sweep_%d_pdct_scheme-S%d.h5" % (t, t + 1))
            if check_h5(self.c, "sweep: task %d output" % t, path, steps=50):
                opts = h5_attrs(path).get("options", "")
                self.c.ok("sweep: task %d ran -pdct_scheme S%d" % (t, t + 1), "-pdct_scheme S%d" % (t + 1) in opts,
                          opts.strip())
            logf = os.path.join(i["logs"], "dodge-sweep-%s_%d.out" % (i["jid"], t))
            self.c.ok("sweep: task %d log %%x-%%A_%%a" % t, os.path.exists(logf), logf)

    def check_scaling(self, kind):
        name = "scaling_" + kind
        i = self.info[name]
        ok = self.check_state(name, self.rec(name))
        tsv = os.path.join(i["out"], "scaling_%s_%s.tsv" % (kind, i["jid"]))
        md = os.path.join(i["out"], "scaling_%s_%s.md" % (kind, i["jid"]))
        rows = [l.split("\t") for l in read(tsv).splitlines()]
        good = len(rows) == 3 and rows[0][:5] == ["ranks", "agents", "steps", "wall_s", "agent_steps_per_s"]
        if good:
            try:
                ranks = [int(r[0]) for r in rows[1:]]
                agents = [int(r[1]) for r in rows[1:]]
                rates = [float(r[4]) for r in rows[1:]]
                floats = [float(x) for r in rows[1:] for x in (r[3], r[5], r[6])]
                want_agents = [2000, 2000] if kind == "strong" else [1000, 2000]
                good = ranks == [1, 2] and agents == want_agents and all(x > 0 for x in rates) and len(floats) == 6
            except (ValueError, IndexError):
                good = False
        self.c.ok(name + ": one TSV table with rows for 1 and 2 ranks", good, tsv)
        self.c.ok(name + ": Markdown table", "| ranks |" in read(md) and read(md).count("\n|") >= 3, md)
        if not (ok and good):
            show_log(os.path.join(i["logs"], "dodge-%s-%s.out" % (kind, i["jid"])))
            log(read(tsv))

    # ---- requeue (checkpoint/restart) --------------------------------------------------------------------------------
    def has_checkpoint(self):
        ok, text = self.dodge_ok("-help")
        return "-checkpoint_every" in text

    def calibrate_agents(self, seconds):
        """Agents for a synthetic 2-rank run of about `seconds` s at 2000 steps (from a 1-rank probe)."""
        ok, text = self.dodge_ok("-options_file", os.path.join(ROOT, "inputs", "synthetic.yaml"), "-agents", "100000",
                                 "-steps", "100", "-output_file", "none", "-progress", "0")
        m = re.search(r"agent-steps per second\s+([0-9.eE+-]+)", text)
        rate = float(m.group(1)) if ok and m else 1e6
        return max(1000, int(rate * seconds / 2000))

    def test_requeue(self):
        """SIGUSR1 to the batch shell (what --signal=B:USR1@lead does before the time limit) -> dodge checkpoints
        and exits 3 -> the script requeues -> the restarted job resumes with -restart and ends complete, with the
        same series as an uninterrupted run."""
        name = "requeue"
        if not self.has_checkpoint():
            self.c.skip(name, "dodge -help does not list -checkpoint_every yet (checkpoint/restart not implemented)")
            return
        agents = self.calibrate_agents(25)
        opts = "-agents %d -dispatch_synthetic_steps 2000 -steps 2000 -output_agents first:10 -progress 1" % agents
        out, logs = self.dirs(name)
        ref_out, _ = self.dirs(name + "_reference")
        scen = os.path.join(ROOT, "inputs", "synthetic.yaml")
        env = self.env(SCENARIO=scen, NTASKS=2, TIME="00:15:00", OUTDIR=out, LOGDIR=logs, EXTRA_OPTS=opts,
                       DODGE=self.dodge)
        jid = self.submit("single.sbatch", env)
        log("    requeue: job %s, %d agents x 2000 steps" % (jid, agents))
        logf = os.path.join(logs, "dodge-single-%s.out" % jid)
        t0 = time.time()
        while not re.search(r"^ *step \d+/", read(logf).split("run: ", 1)[-1] if "run: " in read(logf) else "", re.M):
            recs = job_records(jid, self.cluster.env)
            if time.time() - t0 > 300 or (recs and recs[0].get("JobState") in TERMINAL):
                self.c.ok(name + ": job running", False, "no progress line of dodge in %s (job %s)" %
                          (logf, recs[0].get("JobState") if recs else "?"))
                show_log(logf)
                return
            time.sleep(0.5)
        time.sleep(2)
        run(["scancel", "--batch", "--signal=USR1", jid], self.cluster.env)
        log("    requeue: sent SIGUSR1 to the batch shell of job %s" % jid)
        recs = wait_jobs([jid], self.cluster.env, 900, "the requeued job")[jid]
        text = read(logf)
        r = recs[0]
        self.c.ok(name + ": dodge exited with code 3 after checkpointing",
                  "checkpointed" in text and "exit code 3" in text, logf)
        self.c.ok(name + ": the script requeued the job", int(r.get("Restarts", "0")) >= 1 and "requeued" in text,
                  "Restarts=%s" % r.get("Restarts"))
        restarts = int(r.get("Restarts", "0"))
        self.c.ok(name + ": every restart resumed from the checkpoint",
                  text.count("resuming from checkpoint") == restarts and "cannot checkpoint" not in text,
                  "%d restarts, %d resumed (%s)" % (restarts, text.count("resuming from checkpoint"), logf))
        self.check_state(name, recs)
        path = os.path.join(out, "synthetic.h5")
        if not check_h5(self.c, name + ": resumed output", path, steps=2000):
            show_log(logf, 60)
            return
        # the same run without interruption, for comparison
        env = self.env(SCENARIO=scen, NTASKS=2, TIME="00:15:00", OUTDIR=ref_out, LOGDIR=logs, EXTRA_OPTS=opts,
                       DODGE=self.dodge)
        rj = self.submit("single.sbatch", env)
        rrec = wait_jobs([rj], self.cluster.env, 900, "the reference run")[rj]
        if not self.check_state(name + " reference", rrec):
            return
        a, b = h5_series(path), h5_series(os.path.join(ref_out, "synthetic.h5"))
        import numpy as np
        skip = {"step_time"}   # wall-clock, differs by nature
        diff = [k for k in sorted(set(a) | set(b)) if k not in skip and
                (k not in a or k not in b or a[k].shape != b[k].shape or
                 not np.allclose(a[k], b[k], rtol=1e-12, atol=0, equal_nan=True))]
        self.c.ok(name + ": resumed run has the same series as an uninterrupted one", not diff,
                  "differ: " + ", ".join(diff) if diff else "%d series equal" % len(a))

    def test_timelimit(self):
        """Opt-in (DODGE_SLURM_TEST_TIMELIMIT=1): a real time limit; SLURM itself sends SIGUSR1 before it."""
        name = "timelimit"
        if os.environ.get("DODGE_SLURM_TEST_TIMELIMIT") != "1":
            self.c.skip(name, "slow (about 5 minutes); enable with DODGE_SLURM_TEST_TIMELIMIT=1")
            return
        if not self.has_checkpoint():
            self.c.skip(name, "dodge -help does not list -checkpoint_every yet")
            return
        # 3-minute limit, SIGUSR1 120 s before it: SLURM checks limits about every 30 s, so the signal comes 60-90 s
        # after the start, and a run of about 150 s needs at least one checkpoint and requeue.
        agents = self.calibrate_agents(150)
        out, logs = self.dirs(name)
        env = self.env(SCENARIO=os.path.join(ROOT, "inputs", "synthetic.yaml"), NTASKS=2, TIME="00:03:00",
                       SIGNAL_LEAD=120, OUTDIR=out, LOGDIR=logs, DODGE=self.dodge,
                       EXTRA_OPTS="-agents %d -dispatch_synthetic_steps 2000 -steps 2000 -output_agents first:10"
                       % agents)
        jid = self.submit("single.sbatch", env)
        recs = wait_jobs([jid], self.cluster.env, 1200, "the time-limited job")[jid]
        text = read(os.path.join(logs, "dodge-single-%s.out" % jid))
        restarts = int(recs[0].get("Restarts", "0"))
        self.c.ok(name + ": SLURM's --signal=B:USR1 led to a checkpoint and a requeue",
                  "received SIGUSR1" in text and "requeued" in text and restarts >= 1, "Restarts=%d" % restarts)
        self.c.ok(name + ": every restart resumed from the checkpoint",
                  text.count("resuming from checkpoint") == restarts and "cannot checkpoint" not in text,
                  "%d restarts, %d resumed" % (restarts, text.count("resuming from checkpoint")))
        self.check_state(name, recs)
        check_h5(self.c, name + ": output", os.path.join(out, "synthetic.h5"), steps=2000)

    # ---- SLURM_NTASKS start-up check ---------------------------------------------------------------------------------
    def test_ntasks_check(self):
        name = "ntasks_check"
        env = dict(self.base_env, SLURM_JOB_ID="1", SLURM_NTASKS="2", SLURM_NPROCS="2")
        r = subprocess.run([self.dodge, "-steps", "1", "-output_file", "none", "-progress", "0"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
        if r.returncode == 0:
            self.c.skip(name, "dodge does not check its rank count against SLURM_NTASKS yet "
                              "(1 rank with SLURM_NTASKS=2 ran)")
            return
        out, logs = self.dirs(name)
        wrap = "%s -n 1 %s -steps 2 -output_file none -progress 0" % (shutil.which("mpirun") or "mpirun", self.dodge)
        r = run(["sbatch", "--parsable", "-n", "2", "-t", "5", "-J", "dodge-ntasks", "-o",
                 os.path.join(logs, "%x-%j.out"), "--wrap", wrap], self.env(), cwd=out)
        jid = r.stdout.strip().split(";")[0]
        rec = wait_jobs([jid], self.cluster.env, 300, "the rank-count check job")[jid][0]
        text = read(os.path.join(logs, "dodge-ntasks-%s.out" % jid))
        self.c.ok(name + ": 1 rank in a 2-task job fails loudly", rec.get("JobState") == "FAILED" and
                  "SLURM_NTASKS" in text, "JobState=%s; log %s" % (rec.get("JobState"), text.strip()[-300:]))

    # ---- time limit against the signal lead ---------------------------------------------------------------------------
    def test_time_lead(self):
        """A time limit not longer than the template's signal lead (300 s): refused at submission (exit 2, no job),
        and a plain sbatch of it stops at the start of the job, naming both, without running dodge."""
        name = "time_lead"
        out, logs = self.dirs(name)
        env = self.env(SCENARIO=os.path.join(ROOT, "inputs", "synthetic.yaml"), NTASKS=1, TIME="00:05:00",
                       OUTDIR=out, LOGDIR=logs, EXTRA_OPTS="-steps 5", DODGE=self.dodge)
        r = run(["bash", os.path.join(JOBS, "single.sbatch")], env, cwd=self.work, check=False)
        self.c.ok(name + ": TIME=00:05:00 with a 300 s lead refused at submission",
                  r.returncode == 2 and not r.stdout.strip() and "is not longer than the checkpoint signal lead 300 s" in r.stderr,
                  "exit %d, stdout %r, stderr %s" % (r.returncode, r.stdout.strip(), r.stderr.strip()[-300:]))
        env = self.env(SCENARIO=os.path.join(ROOT, "inputs", "synthetic.yaml"), OUTDIR=out, EXTRA_OPTS="-steps 5",
                       DODGE=self.dodge)
        r = run(["sbatch", "--parsable", "-n", "1", "-t", "5", "-J", "dodge-time-lead", "-o",
                 os.path.join(logs, "%x-%j.out"), os.path.join(JOBS, "single.sbatch")], env, cwd=out)
        jid = r.stdout.strip().split(";")[0]
        rec = wait_jobs([jid], self.cluster.env, 300, "the time-lead job")[jid][0]
        text = read(os.path.join(logs, "dodge-time-lead-%s.out" % jid))
        self.c.ok(name + ": plain sbatch -t 5 stops at the start (exit 2), dodge not run",
                  rec.get("JobState") == "FAILED" and rec.get("ExitCode", "").startswith("2:") and
                  "not longer than the checkpoint signal lead 300 s" in text and "Not running" in text and
                  not os.path.exists(os.path.join(out, "synthetic.h5")),
                  "JobState=%s ExitCode=%s; log %s" % (rec.get("JobState"), rec.get("ExitCode"), text.strip()[-400:]))

    # ---- driver -------------------------------------------------------------------------------------------------------
    TESTS = ["single", "single_srun", "plain_sbatch", "aemo_array", "failing_chain", "sweep", "scaling_strong",
             "scaling_weak", "requeue", "timelimit", "ntasks_check", "time_lead"]

    def run(self):
        log("== SLURM job tests (work directory %s)" % self.work)
        shutil.rmtree(os.path.join(self.work, "runs"), ignore_errors=True)
        self.cluster.up()
        try:
            log("== submitting")
            subs = [("single", self.submit_single), ("single_srun", self.submit_single_srun),
                    ("plain_sbatch", self.submit_plain_sbatch), ("aemo_array", self.submit_aemo_chain),
                    ("failing_chain", self.submit_failing_chain), ("sweep", self.submit_sweep),
                    ("scaling_strong", lambda: self.submit_scaling("strong")),
                    ("scaling_weak", lambda: self.submit_scaling("weak"))]
            for name, f in subs:
                if self.want(name):
                    f()
                    log("  submitted %-14s jobs %s" % (name, " ".join(self.jobs.get(name, []) +
                                                                   (self.jobs["chain"] if name == "aemo_array" else []))))
            ids = sorted({j for js in self.jobs.values() for j in js}, key=int)
            log("== waiting for %d jobs" % len(ids))
            self.records = wait_jobs(ids, self.cluster.env, self.a.timeout) if ids else {}
            log("== checking")
            checks = [("single", self.check_single), ("single_srun", self.check_single_srun),
                      ("plain_sbatch", self.check_plain_sbatch), ("aemo_array", self.check_aemo_array),
                      ("aemo_array", self.check_chain), ("failing_chain", self.check_failing_chain),
                      ("sweep", self.check_sweep), ("scaling_strong", lambda: self.check_scaling("strong")),
                      ("scaling_weak", lambda: self.check_scaling("weak"))]
            for name, f in checks:
                if self.want(name):
                    f()
            for name, f in [("requeue", self.test_requeue), ("timelimit", self.test_timelimit),
                            ("ntasks_check", self.test_ntasks_check), ("time_lead", self.test_time_lead)]:
                if self.want(name):
                    log("== " + name)
                    f()
        except Exception as e:  # noqa: BLE001 - any failure: report it with the daemons' logs
            self.c.ok("driver", False, "%s: %s" % (type(e).__name__, e))
            self.cluster.tail_logs()
        finally:
            if self.a.keep:
                log("== leaving the cluster running (--keep): export SLURM_CONF=%s; stop it with "
                    "tests/jobs/slurm_down.sh %s" % (self.cluster.conf, self.cluster.dir))
            else:
                log("== stopping the cluster")
                self.cluster.down()
        failed = self.c.failed()
        n = {s: sum(1 for r in self.c.results if r[1] == s) for s in ("PASS", "FAIL", "SKIP")}
        log("== %d passed, %d failed, %d skipped" % (n["PASS"], n["FAIL"], n["SKIP"]))
        for r in self.c.results:
            if r[1] == "SKIP":
                log("   skipped: %s: %s" % (r[0], r[2]))
        for r in failed:
            log("   FAILED: %s: %s" % (r[0], r[2]))
        return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dodge", default=os.environ.get("DODGE_BIN", os.path.join(ROOT, "build", "app", "dodge")))
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "tests", "jobs", "slurm_jobs"))
    ap.add_argument("--timeout", type=int, default=900, help="seconds to wait for the submitted jobs")
    ap.add_argument("--keep", action="store_true", help="leave the cluster running")
    ap.add_argument("--only", type=lambda s: s.split(","), default=None, help="comma-separated test names")
    a = ap.parse_args()

    extra = ["/usr/sbin", "/sbin"]
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(extra)
    missing = [x for x in ("slurmctld", "slurmd", "sbatch", "scontrol", "sinfo", "munged")
               if not shutil.which(x, path=path)]
    if missing:
        log("SKIP: SLURM job tests need Debian's slurm-wlm and munge (missing: %s); "
            "apt-get install -y slurm-wlm munge" % " ".join(missing))
        return SKIP_CODE
    if os.geteuid() != 0:
        log("FAIL: the SLURM job tests start slurmd, which must run as root (run ctest as root, e.g. in CI or a "
            "container, or exclude them with ctest -E slurm_jobs)")
        return 1
    if not os.access(a.dodge, os.X_OK):
        log("FAIL: no dodge binary at %s (build it, or pass --dodge / DODGE_BIN)" % a.dodge)
        return 1
    try:
        import h5py  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        log("FAIL: %s needs python3-h5py and python3-numpy (%s)" % (sys.executable, e))
        return 1
    if a.only:
        unknown = [t for t in a.only if t not in Suite.TESTS]
        if unknown:
            log("unknown test names %s; known: %s" % (unknown, ", ".join(Suite.TESTS)))
            return 2
    suite = Suite(a)

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)
    try:
        return suite.run()
    except KeyboardInterrupt:
        log("interrupted: stopping the cluster")
        suite.cluster.down()
        return 1


if __name__ == "__main__":
    sys.exit(main())
