// The output file of a run as a monitor (architecture.md §5): the -output_ option block, the file's layout
// (root attributes, /series, /agents, /inputs), the per-step buffers of the series and of the recorded agents,
// and their block writes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "core/block.hpp"
#include "core/petsc_compat.hpp"
#include "graph/graph.hpp"
#include "io/recorder.hpp"
#include "run/run.hpp"

namespace dodge::problems {
class MarketProblem;
}

namespace dodge::run {

struct OutputOptions {
  std::string file = "out/dodge.h5";
  PetscInt stride = 1, flush = 0;
  std::string agent_selection = "first:1000";
  PetscBool record_inputs = PETSC_TRUE;
  PetscBool overwrite = PETSC_FALSE;  // -output_overwrite: replace an existing file (run/path_policy.hpp)
  double warn_gb = 1.0;  // -output_warn_gb: warn before the run when /agents would exceed this many GB (0: never)
  // Where the run writes until it is complete (not an option: run::CheckRunPaths decides it, normally
  // PartialPath(file)); Close renames it to `file`, so a failed run never touches a complete file there.
  std::string work_file;
  bool writes() const { return file != "none" && !file.empty(); }
};

// Reads the -output_ block. Collective.
PetscErrorCode OutputOptionsRead(OutputOptions *o);

// Parses -output_agents into the sorted local indices of selected agents. Collective (checks agree).
PetscErrorCode SelectAgents(const std::string &spec, const Block &block, std::vector<std::int64_t> *local);

// What the file's root attributes say about the run.
struct RunDescription {
  std::string options, start_time;
  std::string run_id, fingerprint;  // root attributes run_id and fingerprint: a restart continues only its own run
  std::string input_files;          // root attribute input_files: size and checksum of every input (InputFingerprint)
  std::int64_t seed = 1;
  bool metrics = true;
};

class OutputMonitor : public Monitor {
 public:
  // Creates the file (or, on restart, reopens the interrupted run's file and checks it holds every dataset
  // this run writes) with its layout and /inputs. `graphs` is null for coordinator algorithms. Collective.
  PetscErrorCode Create(const OutputOptions &o, bool restart, const Run &run, const graph::LocalGraphs *graphs,
                        const RunDescription &d);
  PetscErrorCode PreStep(std::int64_t t, algorithms::StepContext &ctx) override;
  PetscErrorCode PostStep(Run &run, const StepInfo &s, bool *stop, int *exit_code) override;
  PetscErrorCode Sync(std::int64_t t) override;
  // The open file (for the summary attributes), and its close, which renames the working file to the
  // -output_file path (replacing what was there only now, when the new file is complete). Collective.
  io::Recorder &recorder() { return *rec_; }
  PetscErrorCode Close();
  double io_seconds() const { return io_seconds_; }

 private:
  PetscErrorCode FlushBuffers(std::int64_t t);
  const std::string &work() const { return o_.work_file.empty() ? o_.file : o_.work_file; }

  std::unique_ptr<io::Recorder> rec_;
  OutputOptions o_;
  std::vector<std::int64_t> selected_;
  std::vector<algorithms::AgentField> fields_;
  // A market family under a generic algorithm (gridcell, docs/gridcell.md §16.12): its per-home fields follow the
  // algorithm's in /agents (trade, then home_fields()), filled after the step; nalg_ is the algorithm's count.
  const problems::MarketProblem *market_ = nullptr;
  std::size_t nalg_ = 0;
  std::vector<int> series_ids_, field_ids_;
  std::int64_t nsel_ = 0, nsel_local_ = 0;
  std::vector<std::vector<double>> series_, recbuf_;
  std::int64_t series_first_ = 1, rec_first_ = 0, rec_count_ = 0;
  bool record_now_ = false;
  double io_seconds_ = 0;
};

}  // namespace dodge::run
