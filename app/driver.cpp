// The dodge run: one documented option block, object setup (all input validation happens here, before
// any output exists), the step loop with progress, the HDF5 output and the closing summary.
#include "driver.hpp"

#include <sys/resource.h>

#include <csignal>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "checkpoint.hpp"
#include "comm/errors.hpp"
#include "core/options.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "graph/graph.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "metrics/metrics.hpp"
#include "oracle/oracle.hpp"
#include "problems/problem.hpp"

namespace dodge::app {

namespace {

struct RunOptions {
  std::string problem = "dispatch", algorithm = "pdct";
  PetscInt agents = 0, steps = 0, seed = 1;
  PetscBool metrics = PETSC_TRUE;
  PetscReal progress = 2.0;
  std::string output_file = "out/dodge.h5";
  PetscInt stride = 1, flush = 0;
  std::string agent_selection = "first:1000";
  PetscBool record_inputs = PETSC_TRUE;
  PetscBool slurm_check = PETSC_TRUE;
};

// The run's own options: -problem, -algorithm, -agents, -steps, -seed, -metrics, -progress, -output_*.
PetscErrorCode RunOptionsRead(RunOptions *o) {
  std::string probs, algs;
  PetscFunctionBeginUser;
  for (const auto &n : problems::ProblemNames()) probs += (probs.empty() ? "" : ", ") + n;
  for (const auto &n : algorithms::AlgorithmNames()) algs += (algs.empty() ? "" : ", ") + n;
  const std::string ph = "Problem family (" + probs + ")", ah = "Algorithm (" + algs + ")";
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "dodge run options", nullptr);
  PetscCall(OptionsString(PetscOptionsObject, "-problem", ph.c_str(), &o->problem));
  PetscCall(OptionsString(PetscOptionsObject, "-algorithm", ah.c_str(), &o->algorithm));
  PetscCall(PetscOptionsInt("-agents", "Number of agents N (0: the problem's default, 6 for dispatch)", nullptr, o->agents, &o->agents, nullptr));
  PetscCall(PetscOptionsInt("-steps", "Steps T to run (0: the whole data window)", nullptr, o->steps, &o->steps, nullptr));
  PetscCall(PetscOptionsInt("-seed", "Seed of every random stream (algorithms.md §0.6)", nullptr, o->seed, &o->seed, nullptr));
  PetscCall(PetscOptionsBool("-metrics", "Compute the per-step oracle and the metrics of §12 (off: benchmark mode)",
                             nullptr, o->metrics, &o->metrics, nullptr));
  PetscCall(PetscOptionsReal("-progress", "Seconds between progress lines on rank 0 (0: none)", nullptr, o->progress,
                             &o->progress, nullptr));
  PetscCall(PetscOptionsBool("-slurm_check", "Under SLURM, require the MPI rank count to equal SLURM_NTASKS", nullptr,
                             o->slurm_check, &o->slurm_check, nullptr));
  PetscOptionsEnd();

  PetscOptionsBegin(PETSC_COMM_WORLD, "output_", "HDF5 output (architecture.md §5)", nullptr);
  PetscCall(OptionsString(PetscOptionsObject, "-file", "HDF5 file of the run ('none': no file)", &o->output_file));
  PetscCall(PetscOptionsInt("-stride", "Record agent states every k steps", nullptr, o->stride, &o->stride, nullptr));
  PetscCall(OptionsString(PetscOptionsObject, "-agents", "Agents recorded: all, none, first:K, or a list i,j,k",
                          &o->agent_selection));
  PetscCall(PetscOptionsInt("-flush", "Records buffered per write (0: automatic, <= 64 MiB per rank)", nullptr,
                            o->flush, &o->flush, nullptr));
  PetscCall(PetscOptionsBool("-inputs", "Write /inputs (series, coefficients, graphs, parameters)", nullptr,
                             o->record_inputs, &o->record_inputs, nullptr));
  PetscOptionsEnd();
  // Checked here, on every rank together, so the message names the option once.
  PetscCheck(o->agents >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-agents %" PetscInt_FMT " must be >= 0 (0: the problem's default)", o->agents);
  PetscCheck(o->steps >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-steps %" PetscInt_FMT " must be >= 0 (0: the whole window)", o->steps);
  PetscCheck(o->seed >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-seed %" PetscInt_FMT " must be >= 0", o->seed);
  PetscCheck(o->stride >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-output_stride %" PetscInt_FMT " must be >= 1", o->stride);
  PetscCheck(o->flush >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-output_flush %" PetscInt_FMT " must be >= 0", o->flush);
  PetscCheck(o->progress >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-progress %g must be >= 0", (double)o->progress);
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Parses -output_agents into the sorted local indices of selected agents. Collective (checks agree).
PetscErrorCode SelectAgents(const std::string &spec, const Block &block, std::vector<std::int64_t> *local) {
  PetscFunctionBeginUser;
  local->clear();
  std::int64_t lo = 0, hi = 0;  // contiguous selection [lo, hi) of global ids
  bool list = false;
  std::vector<std::int64_t> ids;
  if (spec == "all") hi = block.n;
  else if (spec == "none") hi = 0;
  else if (spec.rfind("first:", 0) == 0) {
    char *end = nullptr;
    const long long K = std::strtoll(spec.c_str() + 6, &end, 10);
    PetscCheck(end && *end == '\0' && K >= 0 && spec.size() > 6, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
               "-output_agents '%s': first:K needs a non-negative integer K", spec.c_str());
    hi = std::min<std::int64_t>(K, block.n);
  } else {
    list = true;
    std::stringstream ss(spec);
    std::string tok;
    while (std::getline(ss, tok, ',')) {
      char *end = nullptr;
      const long long id = std::strtoll(tok.c_str(), &end, 10);
      PetscCheck(!tok.empty() && end && *end == '\0' && id >= 0 && id < block.n, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
                 "-output_agents '%s': '%s' is not an agent id in [0, %" PetscInt64_FMT "); use all, none, first:K or "
                 "a comma-separated list of ids",
                 spec.c_str(), tok.c_str(), block.n);
      ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  if (list) {
    for (std::int64_t g : ids)
      if (block.owns(g)) local->push_back(g - block.start);
  } else {
    for (std::int64_t g = std::max(lo, block.start); g < std::min(hi, block.end); ++g) local->push_back(g - block.start);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Every option set must be used: a typo must not silently run the default.
PetscErrorCode CheckAllOptionsUsed() {
  PetscInt N;
  char **names, **values;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(nullptr, &N, &names, &values));
  std::string unused;
  for (PetscInt i = 0; i < N; ++i) {
    const std::string nm = names[i];
    // PETSc's own run-time options are consumed by PETSc itself (profiling, debugging, option files).
    static const char *const petsc_own[] = {"log_view", "options_left", "malloc", "malloc_debug", "malloc_dump",
                                            "options_file", "options_file_yaml", "help", "info", "on_error_abort",
                                            "start_in_debugger", "debugger", "no_signal_handler", "fp_trap",
                                            "log_trace", "memory_view", "options_view", "log_all", "objects_dump",
                                            "check_pointer_intensity", "malloc_test", "version", "log_summary"};
    bool own = false;
    for (const char *p : petsc_own) own = own || nm == p;
    if (!own) unused += " -" + nm + (values[i] ? std::string(" ") + values[i] : std::string());
  }
  PetscCall(PetscOptionsLeftRestore(nullptr, &N, &names, &values));
  PetscCheck(unused.empty(), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "options set but never used (misspelled, or not for this problem/algorithm):%s; see dodge -help",
             unused.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

double Now() {
  PetscLogDouble t;
  PetscTime(&t);
  return t;
}

std::string now_iso() {
  char buf[64];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Writes the graphs with their weights under /inputs/graph. Collective.
PetscErrorCode RecordGraphs(io::Recorder &rec, const graph::LocalGraphs &g) {
  PetscFunctionBeginUser;
  const Block &b = g.block;
  for (int k = 0; k < g.B; ++k) {
    const graph::Mixing &m = g.graphs[k];
    std::vector<std::int64_t> edges;
    std::vector<double> w, self(b.local());
    for (std::int64_t i = 0; i < b.local(); ++i)
      for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
        const std::int64_t gi = b.start + i, gj = m.gid[e];
        if (gj == gi) self[i] = m.w[e];
        // Undirected edges once, at their lower endpoint; directed in-edges j → i as (j, i).
        else if (g.directed || gj > gi) {
          edges.push_back(g.directed ? gj : gi), edges.push_back(g.directed ? gi : gj);
          w.push_back(m.w[e]);
        }
      }
    std::int64_t nloc = static_cast<std::int64_t>(w.size()), off = 0, total = nloc;
    PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, nloc, &off));
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &total, 1));
    const std::string grp = "graph/g" + std::to_string(k + 1);
    PetscCall(rec.WriteDistributedTable(grp + "/edges", total, off, nloc, 2, edges.data(), "agent id",
                                        g.directed ? "directed edges (j, i): j sends to i" : "undirected edges (i, j), i < j"));
    PetscCall(rec.WriteDistributedArray(grp + "/weight", total, off, nloc, w.data(), "1", "mixing weight w_ij of each edge"));
    PetscCall(rec.WriteDistributedArray(grp + "/self_weight", b.n, b.start, b.local(), self.data(), "1", "self weight w_ii",
                                        "agent"));
  }
  PetscCall(rec.SetAttribute("/inputs/graph", "description", g.description));
  PetscCall(rec.SetAttribute("/inputs/graph", "switching_graphs", static_cast<std::int64_t>(g.B)));
  PetscCall(rec.SetAttribute("/inputs/graph", "link_failure", g.link_failure));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

PetscErrorCode Run(int *exit_code) {
  const Events *ev;
  PetscMPIInt size, rank;
  RunOptions ro;
  PetscBool help = PETSC_FALSE;
  PetscFunctionBeginUser;
  size = comm::WorldSize(), rank = comm::WorldRank();
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogStagePush(ev->stage_setup));
  PetscCall(PetscOptionsHasHelp(nullptr, &help));
  PetscCall(RunOptionsRead(&ro));
  *exit_code = 0;
  // From here on SIGTERM/SIGUSR1 only request a checkpoint (at the end of the current step).
  InstallSignalHandlers();
  CheckpointOptions ck;
  PetscCall(CheckpointOptionsRead(ro.output_file, &ck));

  // -help lists every module's block, whatever is selected.
  if (help) {
    for (const auto &n : problems::ProblemNames()) {
      std::unique_ptr<problems::Problem> p;
      PetscCall(problems::ProblemCreate(n, &p));
      PetscCall(p->SetFromOptions());
    }
    for (const auto &n : algorithms::AlgorithmNames()) {
      std::unique_ptr<algorithms::Algorithm> a;
      PetscCall(algorithms::AlgorithmCreate(n, &a));
      PetscCall(a->SetFromOptions());
    }
    graph::Options go;
    PetscCall(graph::GraphOptionsFromDatabase(ro.seed, &go));
    comm::ExchangeOptions xo;
    PetscCall(comm::ExchangeOptionsRead(PETSC_COMM_WORLD, &xo));
    PetscCall(PetscLogStagePop());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::unique_ptr<problems::Problem> problem;
  std::unique_ptr<algorithms::Algorithm> algorithm;
  PetscCall(problems::ProblemCreate(ro.problem, &problem));
  PetscCall(algorithms::AlgorithmCreate(ro.algorithm, &algorithm));
  PetscCall(problem->SetFromOptions());
  PetscCall(algorithm->SetFromOptions());
  graph::Options gopts;
  if (algorithm->uses_graph()) PetscCall(graph::GraphOptionsFromDatabase(ro.seed, &gopts));
  if (algorithm->uses_graph()) algorithm->ConfigureGraph(gopts);  // e.g. dopp: out-degree weights
  comm::ExchangeOptions xopts;  // checked here; the algorithm's exchange reads the same block again
  if (algorithm->uses_graph()) PetscCall(comm::ExchangeOptionsRead(PETSC_COMM_WORLD, &xopts));
  PetscCall(CheckAllOptionsUsed());
  // An MPI launched without SLURM's process-manager support starts N one-rank runs that would all write
  // the same file: refuse that loudly.
  if (const char *ntasks = std::getenv("SLURM_NTASKS"); ntasks && ro.slurm_check) {
    const long want = std::strtol(ntasks, nullptr, 10);
    PetscCheck(want == size, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "running under SLURM with SLURM_NTASKS = %s but MPI has %d rank%s: the launcher does not see the "
               "allocation (use srun --mpi=pmix, or an mpirun built with SLURM support); -slurm_check false disables "
               "this check",
               ntasks, size, size > 1 ? "s" : "");
  }
  std::string fingerprint;
  PetscCall(ScenarioFingerprint(&fingerprint));

  const std::int64_t n = ro.agents ? ro.agents : problem->default_agents();
  const Block block = Block::make(n, rank, size);
  const std::uint64_t seed = static_cast<std::uint64_t>(ro.seed);
  PetscCall(problem->Setup(block, seed));
  if (ro.steps) PetscCall(problem->SetSteps(ro.steps));
  const std::int64_t T = ro.steps ? ro.steps : problem->horizon();
  // Vector families (d_i > 1 or m > 1) run with the graph algorithms only.
  const bool vec = problem->is_vector();
  PetscCheck(!vec || algorithm->supports_vector(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-algorithm %s does not run on -problem %s (vector decisions: d = %d, m = %d); use pdct, li2022 or dopp",
             algorithm->name(), problem->name(), problem->dim(), problem->rows());
  if (ro.metrics) PetscCall(problem->PrepareOracle());
  graph::LocalGraphs graphs;
  if (algorithm->uses_graph()) {
    PetscCall(PetscLogEventBegin(ev->setup_graph, 0, 0, 0, 0));
    PetscCall(graph::GraphsBuild(gopts, block, &graphs));
    PetscCall(PetscLogEventEnd(ev->setup_graph, 0, 0, 0, 0));
  }
  algorithm->SetSeed(seed);
  PetscCall(algorithm->Setup(block, *problem, algorithm->uses_graph() ? &graphs : nullptr, T));
  std::vector<std::int64_t> selected;
  PetscCall(SelectAgents(ro.agent_selection, block, &selected));
  const bool write = ro.output_file != "none" && !ro.output_file.empty();

  char *all_options = nullptr;
  PetscCall(PetscOptionsGetAll(nullptr, &all_options));
  const std::string options_string = all_options ? all_options : "";
  PetscCall(PetscFree(all_options));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "dodge %s (git %s) on %d rank%s, N = %" PetscInt64_FMT " agents (%" PetscInt64_FMT
                        "-%" PetscInt64_FMT " per rank), T = %" PetscInt64_FMT "\n  problem:   %s\n  algorithm: %s\n",
                        DODGE_VERSION, DODGE_GIT_HASH, size, size > 1 ? "s" : "", n, n / size, (n + size - 1) / size, T,
                        problem->describe().c_str(), algorithm->describe().c_str()));
  if (algorithm->uses_graph()) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  graph:     %s\n", graphs.description.c_str()));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  options:   %s\n  output:    %s\n", options_string.c_str(),
                        write ? ro.output_file.c_str() : "none"));
  PetscCall(PetscLogStagePop());

  // ---- restart: the state at the end of the checkpointed step ----
  DriverState resume;
  if (ck.restart) {
    PetscCall(CheckpointRead(ck.file, fingerprint, n, T, &resume, *problem, *algorithm));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  restart:   from %s at the end of step %" PetscInt64_FMT "\n", ck.file.c_str(), resume.t));
  }

  // ---- output file: created only now that every input has been validated ----
  PetscCall(PetscLogStagePush(ev->stage_output));
  const auto columns = metrics::Tracker::columns(problem->units().cost_units, problem->units().x_units);
  // /series columns: the tracker's, then the problem's, then the algorithm's.
  auto extra_series = problem->series();
  const int nprob_series = static_cast<int>(extra_series.size());
  for (const auto &c : algorithm->series()) extra_series.push_back(c);
  const auto fields = algorithm->agent_fields();
  const std::int64_t nrec = (T + ro.stride - 1) / ro.stride;
  const std::int64_t nsel_local = static_cast<std::int64_t>(selected.size());
  std::int64_t nsel = nsel_local, sel_off = 0;
  PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, nsel_local, &sel_off));
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &nsel, 1));
  // Records per write: bounded by 64 MiB of buffer per rank.
  std::int64_t flush = ro.flush;
  if (!flush) {
    std::int64_t max_local = nsel_local;
    double mx = static_cast<double>(max_local);
    PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &mx, 1));
    double width = 0;
    for (const auto &f : fields) width += f.width;
    const double per_record = std::max(1.0, mx) * width * sizeof(double);
    flush = std::clamp<std::int64_t>(static_cast<std::int64_t>((64.0 * 1024 * 1024) / per_record), 1, 1024);
  }
  flush = std::min(flush, std::max<std::int64_t>(nrec, 1));
  std::unique_ptr<io::Recorder> rec;
  std::vector<int> series_ids, field_ids;
  const std::string start_time = now_iso();
  std::vector<std::int64_t> sel_gids(nsel_local);
  for (std::int64_t q = 0; q < nsel_local; ++q) sel_gids[q] = block.start + selected[q];
  if (write && ck.restart) {
    // The output file of the interrupted run holds every step up to the checkpoint: continue it.
    PetscCall(io::Recorder::Open(PETSC_COMM_WORLD, ro.output_file, &rec));
    PetscCall(rec->RebindAgentAxis(sel_off, nsel_local, sel_gids));
    for (const auto &c : columns) series_ids.push_back(rec->SeriesId(c.name));
    for (const auto &c : extra_series) series_ids.push_back(rec->SeriesId(c.name));
    if (nsel > 0)
      for (const auto &f : fields) field_ids.push_back(rec->AgentFieldId(f.name));
    bool ok = std::find(series_ids.begin(), series_ids.end(), -1) == series_ids.end() &&
              std::find(field_ids.begin(), field_ids.end(), -1) == field_ids.end();
    PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "cannot resume into %s: it lacks datasets this run writes (was it written by another scenario?)",
               ro.output_file.c_str());
    PetscCall(rec->SetAttribute("/", "restarts", static_cast<std::int64_t>(1)));
    PetscCall(rec->SetAttribute("/", "ranks_after_restart", static_cast<std::int64_t>(size)));
  } else if (write) {
    PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
    PetscCall(io::Recorder::Create(PETSC_COMM_WORLD, ro.output_file, &rec));
    PetscCall(rec->SetAttribute("/", "Conventions", std::string("dodge-1.0")));
    PetscCall(rec->SetAttribute("/", "dodge_version", std::string(DODGE_VERSION)));
    PetscCall(rec->SetAttribute("/", "git_hash", std::string(DODGE_GIT_HASH)));
    PetscCall(rec->SetAttribute("/", "ranks", static_cast<std::int64_t>(size)));
    PetscCall(rec->SetAttribute("/", "start_time", start_time));
    PetscCall(rec->SetAttribute("/", "options", options_string));
    PetscCall(rec->SetAttribute("/", "problem", std::string(problem->name())));
    PetscCall(rec->SetAttribute("/", "algorithm", std::string(algorithm->name())));
    PetscCall(rec->SetAttribute("/", "problem_description", problem->describe()));
    PetscCall(rec->SetAttribute("/", "algorithm_description", algorithm->describe()));
    PetscCall(rec->SetAttribute("/", "agents", n));
    PetscCall(rec->SetAttribute("/", "steps", T));
    PetscCall(rec->SetAttribute("/", "seed", static_cast<std::int64_t>(ro.seed)));
    PetscCall(rec->SetAttribute("/", "metrics", static_cast<std::int64_t>(ro.metrics ? 1 : 0)));
    PetscCall(rec->SetAttribute("/", "cost_to_dollars", problem->units().cost_to_dollars));
    std::vector<double> tv(rank == 0 ? T : 0);
    for (std::int64_t t = 1; t <= (rank == 0 ? T : 0); ++t) tv[t - 1] = problem->time_of(t);
    PetscCall(rec->DefineTimeAxis(T, tv, problem->time_units(), "time of step t"));
    for (const auto &c : columns) {
      int id;
      PetscCall(rec->DefineSeries(c.name, c.units, c.long_name, &id));
      series_ids.push_back(id);
    }
    for (const auto &c : extra_series) {
      int id;
      PetscCall(rec->DefineSeries(c.name, c.units, c.long_name, &id));
      series_ids.push_back(id);
    }
    std::vector<std::int64_t> rsteps(rank == 0 ? nrec : 0);
    for (std::int64_t r = 0; r < static_cast<std::int64_t>(rsteps.size()); ++r) rsteps[r] = 1 + r * ro.stride;
    PetscCall(rec->DefineAgentAxis(nsel, sel_off, nsel_local, sel_gids, nrec, rsteps, flush));
    if (nsel > 0)
      for (const auto &f : fields) {
        int id;
        PetscCall(rec->DefineAgentField(f.name, f.units, f.long_name, &id, f.width));
        field_ids.push_back(id);
      }
    if (ro.record_inputs) {
      PetscCall(problem->RecordInputs(*rec));
      PetscCall(algorithm->RecordParameters(*rec));
      if (algorithm->uses_graph()) PetscCall(RecordGraphs(*rec, graphs));
    }
    PetscCall(rec->Flush());
    PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  }
  PetscCall(PetscLogStagePop());
  graphs.ReleaseSetupData();  // recorded above; the run needs only columns and weights

  // ---- the run ----
  PetscCall(PetscLogStagePush(ev->stage_run));
  metrics::Tracker tracker;
  tracker.init(n, problem->units().cost_to_dollars, ro.metrics);
  metrics::Partials partials;
  metrics::VecPartials vpartials;
  std::vector<double> xstar;  // vector families: the oracle's x*_{i,t} of the local agents
  if (vec) {
    vpartials.init(problem->rows());
    if (!ck.restart) tracker.init_rows(problem->rows());
    if (ro.metrics) xstar.assign(block.local() * problem->dim(), 0.0);
  }
  const int ncol = metrics::Tracker::NCOL, nps = static_cast<int>(extra_series.size());
  const std::int64_t flush_steps = flush * ro.stride;
  std::vector<std::vector<double>> series(ncol + nps, std::vector<double>(std::min<std::int64_t>(flush_steps, T)));
  std::vector<std::vector<double>> recbuf;
  for (const auto &f : fields) recbuf.emplace_back(flush * nsel_local * f.width);
  std::vector<double> row(ncol), prow(std::max(nps, 1));
  const std::int64_t t0 = resume.t + 1;  // 1 for a fresh run
  std::int64_t series_first = t0, rec_first = t0 > 1 ? (t0 - 2) / ro.stride + 1 : 0, rec_count = 0;
  double mu_warm = resume.mu_warm, run_seconds = resume.run_seconds, io_seconds = 0, last_progress = Now();
  std::int64_t oracle_iters_total = resume.oracle_iters_total, oracle_failures = resume.oracle_failures;
  if (ck.restart) tracker.restore(resume.tracker);
  // Writes the buffered steps [series_first, t] and records to the output file.
  auto flush_buffers = [&](std::int64_t t) -> PetscErrorCode {
    PetscFunctionBeginUser;
    const double tw = Now();
    if (write && t >= series_first) {
      PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
      std::vector<const double *> ptrs(rec->NumSeries(), nullptr);
      for (std::size_t c = 0; c < series.size(); ++c) ptrs[series_ids[c]] = series[c].data();
      PetscCall(rec->WriteSeriesBlock(series_first - 1, t - series_first + 1, ptrs));
      for (std::size_t f = 0; f < field_ids.size() && rec_count; ++f)
        PetscCall(rec->WriteAgentRecords(field_ids[f], rec_first, rec_count, recbuf[f].data()));
      PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
    }
    rec_first += rec_count, rec_count = 0;
    series_first = t + 1;
    io_seconds += Now() - tw;
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  const double t_run0 = Now();
  for (std::int64_t t = t0; t <= T; ++t) {
    const double ts = Now();
    problems::ScalarKernel kernel;
    problems::VectorKernel vkernel;
    if (vec) PetscCall(problem->BeginVectorStep(t, &vkernel));
    else PetscCall(problem->BeginStep(t, &kernel));
    algorithms::StepContext ctx;
    ctx.t = t;
    if (vec) ctx.vkernel = &vkernel;
    else ctx.kernel = &kernel;
    oracle::Result orc;
    if (ro.metrics) {
      if (vec) {
        PetscCall(problem->VectorOracle(t, vkernel, mu_warm, xstar.data(), &orc));
      } else {
        double mu_hi;
        PetscCall(problem->OracleBracket(t, kernel, &mu_hi));
        PetscCall(oracle::SolveStep(PETSC_COMM_WORLD, kernel, block.local(), mu_hi, mu_warm, problem->constraint_scale(), &orc));
      }
      mu_warm = orc.mu;
      oracle_iters_total += orc.iterations;
      if (!orc.converged) {
        oracle_failures++;
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "WARNING: oracle did not converge at step %" PetscInt64_FMT "\n", t));
      }
      const double sig = SignalRequested() ? 1.0 : 0.0;
      if (vec) {
        vpartials.reset(tracker.mu_shift_rows(), tracker.y_shift_rows());
        vpartials.signal() = sig;
        ctx.vpartials = &vpartials;
        ctx.xstar = xstar.data();
        ctx.mu_star = orc.mu;
      } else {
        partials.reset(tracker.mu_shift(), tracker.y_shift());
        partials.v[metrics::Partials::SIGNAL] = sig;
        ctx.partials = &partials;
        ctx.oracle = true;
        ctx.mu_star = orc.mu;
      }
    }
    const bool record_now = write && nsel > 0 && (t - 1) % ro.stride == 0;
    if (record_now) {
      ctx.record_local = &selected;
      for (std::size_t f = 0; f < fields.size(); ++f)
        ctx.record.push_back(recbuf[f].data() + rec_count * nsel_local * fields[f].width);
    }
    PetscCall(algorithm->Step(ctx));
    const double step_seconds = Now() - ts;
    run_seconds += step_seconds;
    tracker.add_traffic(ctx.messages, ctx.bytes);
    if (ro.metrics && vec)
      tracker.finish_vec(t, vpartials, orc.mu, orc.iterations, ctx.messages, ctx.bytes, step_seconds, row.data());
    else if (ro.metrics)
      tracker.finish(t, partials, orc.mu, orc.iterations, ctx.messages, ctx.bytes, step_seconds, row.data());
    else {
      std::fill(row.begin(), row.end(), NAN);
      row[metrics::Tracker::MESSAGES] = ctx.messages, row[metrics::Tracker::BYTES] = ctx.bytes;
      row[metrics::Tracker::STEP_TIME] = step_seconds;
    }
    if (record_now) rec_count++;
    const std::int64_t k = t - series_first;
    for (int c = 0; c < ncol; ++c) series[c][k] = row[c];
    if (nps) {
      problem->series_values(t, prow.data());
      algorithm->series_values(prow.data() + nprob_series);
      for (int c = 0; c < nps; ++c) series[ncol + c][k] = prow[c];
    }
    if (k + 1 == static_cast<std::int64_t>(series[0].size()) || t == T) PetscCall(flush_buffers(t));
    // A signal seen on any rank reaches all of them through the step's fused reduction (or one of its own).
    double signalled = !ro.metrics ? (SignalRequested() ? 1.0 : 0.0) : vec ? vpartials.signal() : partials.v[metrics::Partials::SIGNAL];
    if (!ro.metrics) PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &signalled, 1));
    if (t < T && (signalled > 0 || (ck.every > 0 && t % ck.every == 0))) {
      PetscCall(flush_buffers(t));
      if (write) PetscCall(rec->Flush());
      DriverState st{t, mu_warm, run_seconds, oracle_iters_total, oracle_failures, tracker.state()};
      PetscCall(CheckpointWrite(ck.file, fingerprint, n, T, st, *problem, *algorithm));
      if (signalled > 0) {
        PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                              "signal received: checkpoint of step %" PetscInt64_FMT " written to %s; exiting with code %d "
                              "(resume with the same options and -restart)\n",
                              t, ck.file.c_str(), kExitCheckpointed));
        if (write) PetscCall(rec->Close());
        *exit_code = kExitCheckpointed;
        PetscCall(PetscLogStagePop());
        PetscFunctionReturn(PETSC_SUCCESS);
      }
    }
    if (ck.kill_at == t) std::raise(SIGKILL);  // testing: die like a killed job, nothing flushed or closed
    // Progress on rank 0: every -progress seconds, and at each tenth of the horizon so short runs show it too.
    const bool tenth = (10 * t) / T != (10 * (t - 1)) / T;
    if (ro.progress > 0 && rank == 0 && (tenth || Now() - last_progress >= ro.progress)) {
      last_progress = Now();
      const double rate = static_cast<double>(n) * t / run_seconds;
      const double eta = (Now() - t_run0) / t * (T - t);
      if (ro.metrics)
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "  step %" PetscInt64_FMT "/%" PetscInt64_FMT " (%4.1f%%)  Reg/t %.4e  Vio/t %.4e  %.3e agent-steps/s  ETA %.0f s\n",
                              t, T, 100.0 * t / T, tracker.regret() / t, tracker.violation() / t, rate, eta));
      else
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "  step %" PetscInt64_FMT "/%" PetscInt64_FMT " (%4.1f%%)  %.3e agent-steps/s  ETA %.0f s\n",
                              t, T, 100.0 * t / T, rate, eta));
    }
  }
  PetscCall(PetscLogStagePop());
  // Rank 0's step clock is the run's; every rank reports the same numbers.
  if (rank != 0) run_seconds = 0;
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &run_seconds, 1));

  // ---- summary ----
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double rss = static_cast<double>(ru.ru_maxrss) * 1024.0;
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &rss, 1));
  const double rate = static_cast<double>(n) * static_cast<double>(T) / run_seconds;
  const problems::Units &units = problem->units();
  const double Td = static_cast<double>(T), usd = units.cost_to_dollars;
  double mpi_counts[2] = {static_cast<double>(algorithm->mpi_messages()), static_cast<double>(algorithm->mpi_bytes())};
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, mpi_counts, 2));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nSummary after T = %" PetscInt64_FMT " steps\n", T));
  if (ro.metrics) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e per-unit   %14.6e %s\n", "Reg(T)/T", tracker.regret() / Td, tracker.regret() / Td * usd, units.money_units.c_str()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e per-unit   %14.6e %s\n", "Reg(T)", tracker.regret(), tracker.regret() * usd, units.money_units.c_str()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e per-unit   %14.6e %s\n", "Vio(T)/T", tracker.violation() / Td,
                          tracker.violation() / Td * units.power_base, units.power_units.c_str()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e per-unit   %14.6e %s\n", "Vio+(T)/T", tracker.violation_plus() / Td,
                          tracker.violation_plus() / Td * units.power_base, units.power_units.c_str()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e per-unit\n", "path length P_T", tracker.path_length()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4f (%" PetscInt64_FMT " of %" PetscInt64_FMT " steps)\n", "binding fraction (mu* > 0)",
                          static_cast<double>(tracker.binding_steps()) / Td, tracker.binding_steps(), T));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3e\n", "max tracking error (rel.)", tracker.max_tracking_error_rel()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3f per step\n", "oracle iterations", static_cast<double>(oracle_iters_total) / Td));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3f s (I/O %.3f s excluded)\n", "wall time", run_seconds, io_seconds));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4e\n", "agent-steps per second", rate));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4e messages, %.4e bytes (logical)\n", "communication", tracker.messages(), tracker.bytes()));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4e messages, %.4e bytes\n", "MPI traffic (all ranks)", mpi_counts[0], mpi_counts[1]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.1f bytes/agent (peak RSS %.1f MiB over all ranks)\n", "resident memory",
                        rss / static_cast<double>(n), rss / (1024.0 * 1024.0)));
  PetscCall(problem->View());

  if (write) {
    PetscCall(rec->SetAttribute("/", "end_time", now_iso()));
    PetscCall(rec->SetAttribute("/", "wall_time_s", run_seconds));
    PetscCall(rec->SetAttribute("/", "agent_steps_per_s", rate));
    if (ro.metrics) {
      PetscCall(rec->SetAttribute("/", "final_regret_avg", tracker.regret() / Td));
      PetscCall(rec->SetAttribute("/", "final_violation_avg", tracker.violation() / Td));
      PetscCall(rec->SetAttribute("/", "binding_fraction", static_cast<double>(tracker.binding_steps()) / Td));
      PetscCall(rec->SetAttribute("/", "oracle_failures", oracle_failures));
    }
    PetscCall(problem->RecordSummary(*rec));
    PetscCall(rec->SetStatus("complete"));
    PetscCall(rec->Close());
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %s (status complete)\n", "output", ro.output_file.c_str()));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::app
