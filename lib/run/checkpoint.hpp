// Checkpoint and restart of a run (-checkpoint_every, -checkpoint_file, -restart; SIGTERM/SIGUSR1).
#pragma once
#include <cstdint>
#include <string>

#include "core/petsc_compat.hpp"
#include "metrics/metrics.hpp"
#include "metrics/observer.hpp"
#include "run/run.hpp"

namespace dodge {
namespace algorithms {
class Algorithm;
}
namespace problems {
class Problem;
}
}  // namespace dodge

namespace dodge::run {

// Exit code of a run that checkpointed on SIGTERM/SIGUSR1 and stopped: "requeue me with -restart".
inline constexpr int kExitCheckpointed = 3;

struct CheckpointOptions {
  PetscInt every = 0;        // checkpoint every k steps (0: only on a signal)
  std::string file;          // checkpoint path (default: <output>.ckpt.h5)
  PetscBool restart = PETSC_FALSE;
  PetscBool keep = PETSC_FALSE;  // -checkpoint_keep: keep the checkpoint after the run completes
  PetscInt kill_at = 0;      // testing: SIGKILL this process at the end of step k (a crash after a checkpoint)
};

// Reads the -checkpoint_ block and -restart. Collective.
PetscErrorCode CheckpointOptionsRead(const std::string &output_file, CheckpointOptions *o);

// SIGTERM and SIGUSR1 request a checkpoint at the end of the current step (async-signal-safe flag).
void InstallSignalHandlers();
bool SignalRequested();

// The options that define the scenario, canonical (sorted, run-control options left out): a checkpoint
// is only resumed by a run with the same fingerprint.
PetscErrorCode ScenarioFingerprint(std::string *fp);
// The content of every input file the readers registered on any rank (core/input_files.hpp), one line each,
// "input <role> <file name>: <size> bytes, fnv1a <hex>", sorted: appended to the scenario fingerprint after
// setup, so a checkpoint is not resumed on an edited data, edge-list or weight file. File names without their
// directories, so a checkout moved elsewhere still resumes. Collective.
PetscErrorCode InputFingerprint(std::string *lines);

// Format of the checkpoint files this dodge writes and reads (root attribute checkpoint_format).
inline constexpr std::int64_t kCheckpointFormat = 2;

// Writes the checkpoint atomically (a temporary file renamed into place once complete), with the run's id
// and a manifest of every dataset's shape and FNV-1a checksum (root attribute state_manifest). Collective.
PetscErrorCode CheckpointWrite(const std::string &path, const std::string &fingerprint, const std::string &run_id, std::int64_t n,
                               std::int64_t T, const RunState &st, const problems::Problem &problem,
                               const algorithms::Algorithm &algorithm, const metrics::Observer &observer);
// Reads a checkpoint written by CheckpointWrite, as untrusted input: refuses (on every rank, naming the file
// and what is wrong) an incomplete one, another format or dodge version, another scenario, a step outside
// [1, T), and any dataset whose shape or checksum differs from the manifest. Collective.
PetscErrorCode CheckpointRead(const std::string &path, const std::string &fingerprint, std::int64_t n, std::int64_t T,
                              RunState *st, problems::Problem &problem, algorithms::Algorithm &algorithm,
                              metrics::Observer &observer);

// Checkpoints every -checkpoint_every steps and when signalled (then stops the run with kExitCheckpointed),
// after making every monitor's output durable. Register it after the output monitor.
class CheckpointMonitor : public Monitor {
 public:
  CheckpointMonitor(const CheckpointOptions &o, const std::string &fingerprint, const std::string &run_id,
                    std::int64_t n, const problems::Problem &problem, const algorithms::Algorithm &algorithm)
      : o_(o), fingerprint_(fingerprint), run_id_(run_id), n_(n), problem_(problem), algorithm_(algorithm) {}
  PetscErrorCode PostStep(Run &run, const StepInfo &s, bool *stop, int *exit_code) override;
  // After a completed run: removes the checkpoint file if this run wrote it or resumed from it, unless
  // -checkpoint_keep (a leftover checkpoint would only invite a wrong -restart). Collective.
  PetscErrorCode RemoveAfterCompletion();
  // Seconds rank 0 spent writing checkpoints (the summary's I/O time).
  double io_seconds() const { return io_seconds_; }

 private:
  CheckpointOptions o_;
  double io_seconds_ = 0;
  std::string fingerprint_, run_id_;
  std::int64_t n_;
  bool wrote_ = false;
  const problems::Problem &problem_;
  const algorithms::Algorithm &algorithm_;
};

// Testing: SIGKILL this process at the end of step -checkpoint_kill_at_step (a crash after a checkpoint:
// nothing flushed or closed).
class KillMonitor : public Monitor {
 public:
  explicit KillMonitor(std::int64_t at) : at_(at) {}
  PetscErrorCode PostStep(Run &, const StepInfo &s, bool *, int *) override;

 private:
  std::int64_t at_;
};

}  // namespace dodge::run
