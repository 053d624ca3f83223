// The output file of a run (see output.hpp).
#include "run/output.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "comm/collectives.hpp"
#include "comm/errors.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "core/options.hpp"
#include "io/cf.hpp"
#include "metrics/metrics.hpp"
#include "problems/market.hpp"
#include "run/test_fault.hpp"

namespace dodge::run {

namespace {

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

PetscErrorCode OutputOptionsRead(OutputOptions *o) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, "output_", "HDF5 output (architecture.md §5)", nullptr);
  PetscCall(OptionsString(PetscOptionsObject, "-file", "HDF5 file of the run ('none': no file)", &o->file));
  PetscCall(OptionsInt(PetscOptionsObject, "-stride", "Record agent states every k steps", 1, PETSC_MAX_INT, &o->stride));
  PetscCall(OptionsString(PetscOptionsObject, "-agents", "Agents recorded: all, none, first:K, or a list i,j,k",
                          &o->agent_selection));
  PetscCall(OptionsInt(PetscOptionsObject, "-flush", "Records buffered per write (0: automatic, <= 64 MiB per rank)", 0,
                       PETSC_MAX_INT, &o->flush));
  PetscCall(PetscOptionsBool("-inputs", "Write /inputs (series, coefficients, graphs, parameters)", nullptr,
                             o->record_inputs, &o->record_inputs, nullptr));
  PetscCall(PetscOptionsBool("-overwrite", "Replace an existing -output_file (without it an existing file is refused)",
                             nullptr, o->overwrite, &o->overwrite, nullptr));
  PetscCall(OptionsReal(PetscOptionsObject, "-warn_gb",
                        "Warn before the run when the recorded agents (agents x records x fields x 8 B) exceed this many "
                        "GB (0: never warn)", kNonNegative, &o->warn_gb));
  PetscOptionsEnd();
  PetscCheck(o->stride >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-output_stride %" PetscInt_FMT " must be >= 1", o->stride);
  PetscCheck(o->flush >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-output_flush %" PetscInt_FMT " must be >= 0", o->flush);
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

PetscErrorCode OutputMonitor::Create(const OutputOptions &o, bool restart, const Run &run,
                                     const graph::LocalGraphs *graphs, const RunDescription &d) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogStagePush(ev->stage_output));
  o_ = o;
  const Block &block = run.block();
  const problems::Problem &problem = run.problem();
  const algorithms::Algorithm &algorithm = run.algorithm();
  const std::int64_t T = run.T(), n = block.n;
  const auto &columns = run.series_columns();
  PetscCall(SelectAgents(o.agent_selection, block, &selected_));
  fields_ = algorithm.agent_fields();
  nalg_ = fields_.size();
  market_ = dynamic_cast<const problems::MarketProblem *>(&problem);
  if (market_ && !algorithm.trades()) {
    fields_.push_back({"trade", "kW", "net pool purchase e_i (the decision x)"});
    fields_.push_back({"pool_price", market_->units().money_units + "/kWh", "pool price pi_i paid on e_i (docs/gridcell.md §16.6)"});
    for (const auto &h : market_->home_fields()) fields_.push_back({h.name, h.units, h.long_name});
  } else {
    market_ = nullptr;
  }
  const std::int64_t nrec = (T + o.stride - 1) / o.stride;
  nsel_local_ = static_cast<std::int64_t>(selected_.size());
  nsel_ = nsel_local_;
  std::int64_t sel_off = 0;
  PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, nsel_local_, &sel_off));
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &nsel_, 1));
  // Records per write: bounded by 64 MiB of buffer per rank.
  std::int64_t flush = o.flush;
  if (!flush) {
    double mx = static_cast<double>(nsel_local_);
    PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &mx, 1));
    double width = 0;
    for (const auto &f : fields_) width += f.width;
    const double per_record = std::max(1.0, mx) * width * sizeof(double);
    flush = std::clamp<std::int64_t>(static_cast<std::int64_t>((64.0 * 1024 * 1024) / per_record), 1, 1024);
  }
  flush = std::min(flush, std::max<std::int64_t>(nrec, 1));
  {
    // The size of /agents before the run starts (README's N = 10^5 example with -output_agents all wrote 6.9 GB):
    // selected agents x records x doubles per agent, 8 B each. A warning, not an error: the user may want it.
    double width = 0;
    for (const auto &f : fields_) width += f.width;
    const double gb = static_cast<double>(nsel_) * static_cast<double>(nrec) * width * sizeof(double) / 1e9;
    if (o.warn_gb > 0 && gb > o.warn_gb && o.file != "none")
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "dodge: warning: -output_agents %s records %" PetscInt64_FMT " agents x %" PetscInt64_FMT
                            " records x %" PetscInt64_FMT " doubles = %.3g GB in %s (more than -output_warn_gb %g); record fewer agents "
                            "(-output_agents first:K or a list) or a larger -output_stride\n",
                            o.agent_selection.c_str(), nsel_, nrec, static_cast<std::int64_t>(width), gb, o.file.c_str(), o.warn_gb));
  }
  std::vector<std::int64_t> sel_gids(nsel_local_);
  for (std::int64_t q = 0; q < nsel_local_; ++q) sel_gids[q] = block.start + selected_[q];
  if (restart) {
    // The output file of the interrupted run holds every step up to the checkpoint: continue it.
    PetscCall(io::Recorder::Open(PETSC_COMM_WORLD, work(), &rec_));
    PetscCall(rec_->RebindAgentAxis(sel_off, nsel_local_, sel_gids));
    for (const auto &c : columns) series_ids_.push_back(rec_->SeriesId(c.name));
    if (nsel_ > 0)
      for (const auto &f : fields_) field_ids_.push_back(rec_->AgentFieldId(f.name));
    bool ok = std::find(series_ids_.begin(), series_ids_.end(), -1) == series_ids_.end() &&
              std::find(field_ids_.begin(), field_ids_.end(), -1) == field_ids_.end();
    PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "cannot resume into %s: it lacks datasets this run writes (was it written by another scenario?)",
               work().c_str());
    PetscCall(rec_->SetAttribute("/", "restarts", static_cast<std::int64_t>(1)));
    PetscCall(rec_->SetAttribute("/", "ranks_after_restart", static_cast<std::int64_t>(comm::WorldSize())));
  } else {
    PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
    PetscCall(io::Recorder::Create(PETSC_COMM_WORLD, work(), &rec_));
    // CF metadata (netCDF-4 readers); dodge's own file layout version is dodge_format beside it.
    PetscCall(rec_->SetAttribute("/", "Conventions", std::string(io::cf::kConventions)));
    PetscCall(rec_->SetAttribute("/", "dodge_format", std::string("dodge-1.0")));
    PetscCall(rec_->SetAttribute("/", "dodge_version", std::string(DODGE_VERSION)));
    PetscCall(rec_->SetAttribute("/", "git_hash", std::string(DODGE_GIT_HASH)));
    PetscCall(rec_->SetAttribute("/", "ranks", static_cast<std::int64_t>(comm::WorldSize())));
    PetscCall(rec_->SetAttribute("/", "start_time", d.start_time));
    PetscCall(rec_->SetAttribute("/", "options", d.options));
    PetscCall(rec_->SetAttribute("/", "run_id", d.run_id));
    PetscCall(rec_->SetAttribute("/", "fingerprint", d.fingerprint));
    PetscCall(rec_->SetAttribute("/", "input_files", d.input_files));
    PetscCall(rec_->SetAttribute("/", "problem", std::string(problem.name())));
    PetscCall(rec_->SetAttribute("/", "algorithm", std::string(algorithm.name())));
    PetscCall(rec_->SetAttribute("/", "problem_description", problem.describe()));
    PetscCall(rec_->SetAttribute("/", "algorithm_description", algorithm.describe()));
    PetscCall(rec_->SetAttribute("/", "agents", n));
    PetscCall(rec_->SetAttribute("/", "steps", T));
    PetscCall(rec_->SetAttribute("/", "seed", d.seed));
    PetscCall(rec_->SetAttribute("/", "metrics", static_cast<std::int64_t>(d.metrics ? 1 : 0)));
    PetscCall(rec_->SetAttribute("/", "cost_to_dollars", problem.units().cost_to_dollars));
    const bool root = comm::WorldRank() == 0;
    std::vector<double> tv(root ? T : 0);
    for (std::int64_t t = 1; t <= (root ? T : 0); ++t) tv[t - 1] = problem.time_of(t);
    PetscCall(rec_->DefineTimeAxis(T, tv, problem.time_units(), "time of step t"));
    for (const auto &c : columns) {
      int id;
      PetscCall(rec_->DefineSeries(c.name, c.units, c.long_name, &id));
      series_ids_.push_back(id);
    }
    std::vector<std::int64_t> rsteps(root ? nrec : 0);
    for (std::int64_t r = 0; r < static_cast<std::int64_t>(rsteps.size()); ++r) rsteps[r] = 1 + r * o.stride;
    PetscCall(rec_->DefineAgentAxis(nsel_, sel_off, nsel_local_, sel_gids, nrec, rsteps, flush));
    if (nsel_ > 0)
      for (const auto &f : fields_) {
        int id;
        PetscCall(rec_->DefineAgentField(f.name, f.units, f.long_name, &id, f.width));
        field_ids_.push_back(id);
      }
    if (o.record_inputs) {
      PetscCall(problem.RecordInputs(*rec_));
      PetscCall(algorithm.RecordParameters(*rec_));
      if (graphs) PetscCall(RecordGraphs(*rec_, *graphs));
    }
    PetscCall(rec_->Flush());
    PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  }
  const std::int64_t flush_steps = flush * o.stride;
  series_.assign(columns.size(), std::vector<double>(std::min<std::int64_t>(flush_steps, T)));
  recbuf_.clear();
  for (const auto &f : fields_) recbuf_.emplace_back(flush * nsel_local_ * f.width);
  const std::int64_t t0 = run.steps_done() + 1;  // 1 for a fresh run
  series_first_ = t0, rec_first_ = t0 > 1 ? (t0 - 2) / o.stride + 1 : 0, rec_count_ = 0;
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OutputMonitor::PreStep(std::int64_t t, algorithms::StepContext &ctx) {
  record_now_ = nsel_ > 0 && (t - 1) % o_.stride == 0;
  if (record_now_) {
    ctx.record_local = &selected_;
    ctx.record.clear();
    for (std::size_t f = 0; f < fields_.size(); ++f)
      ctx.record.push_back(recbuf_[f].data() + rec_count_ * nsel_local_ * fields_[f].width);
  }
  return PETSC_SUCCESS;
}

PetscErrorCode OutputMonitor::PostStep(Run &, const StepInfo &s, bool *, int *) {
  PetscFunctionBeginUser;
  if (record_now_ && market_) {
    // The market family's per-home values of the step just settled (after the algorithm's EndStep).
    std::vector<double> vals(fields_.size() - nalg_ - 2);
    for (std::size_t q = 0; q < selected_.size(); ++q) {
      const std::int64_t i = selected_[q], at = rec_count_ * nsel_local_ + static_cast<std::int64_t>(q);
      recbuf_[nalg_][at] = market_->traded(i);
      recbuf_[nalg_ + 1][at] = market_->pool_price(i);
      market_->home_values(i, vals.data());
      for (std::size_t f = 0; f < vals.size(); ++f) recbuf_[nalg_ + 2 + f][at] = vals[f];
    }
  }
  if (record_now_) rec_count_++;
  const std::int64_t k = s.t - series_first_;
  for (std::size_t c = 0; c < series_.size(); ++c) series_[c][k] = (*s.row)[c];
  if (k + 1 == static_cast<std::int64_t>(series_[0].size()) || s.t == s.T) PetscCall(FlushBuffers(s.t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Writes the buffered steps [series_first, t] and records to the output file.
PetscErrorCode OutputMonitor::FlushBuffers(std::int64_t t) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  const double tw = Now();
  if (t >= series_first_) {
    PetscCall(IoFaultCheck(IoFaultIn::kOutput, series_first_, t));
    PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
    std::vector<const double *> ptrs(rec_->NumSeries(), nullptr);
    for (std::size_t c = 0; c < series_.size(); ++c) ptrs[series_ids_[c]] = series_[c].data();
    PetscCall(rec_->WriteSeriesBlock(series_first_ - 1, t - series_first_ + 1, ptrs));
    for (std::size_t f = 0; f < field_ids_.size() && rec_count_; ++f)
      PetscCall(rec_->WriteAgentRecords(field_ids_[f], rec_first_, rec_count_, recbuf_[f].data()));
    PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  }
  rec_first_ += rec_count_, rec_count_ = 0;
  series_first_ = t + 1;
  io_seconds_ += Now() - tw;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OutputMonitor::Sync(std::int64_t t) {
  PetscFunctionBeginUser;
  PetscCall(FlushBuffers(t));
  PetscCall(rec_->Flush());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OutputMonitor::Close() {
  std::string msg;
  PetscFunctionBeginUser;
  PetscCall(rec_->Close());
  if (work() != o_.file && comm::WorldRank() == 0) {
    // rename(2) within one directory replaces the target atomically: readers see the old complete file or
    // the new complete one, never a half-written file.
    std::error_code ec;
    std::filesystem::rename(work(), o_.file, ec);
    if (ec)
      msg = "the run is complete in '" + work() + "' but renaming it to -output_file '" + o_.file + "' failed: " +
            ec.message() + "; the complete output stays in '" + work() + "'";
  }
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, msg, &msg));
  PetscCheck(msg.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "%s", msg.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::run
