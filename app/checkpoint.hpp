// Checkpoint and restart of a run (-checkpoint_every, -checkpoint_file, -restart; SIGTERM/SIGUSR1).
#pragma once
#include <cstdint>
#include <string>

#include "core/petsc_compat.hpp"
#include "metrics/metrics.hpp"
#include "metrics/observer.hpp"

namespace dodge {
namespace algorithms {
class Algorithm;
}
namespace problems {
class Problem;
}
}  // namespace dodge

namespace dodge::app {

// Exit code of a run that checkpointed on SIGTERM/SIGUSR1 and stopped: "requeue me with -restart".
inline constexpr int kExitCheckpointed = 3;

struct CheckpointOptions {
  PetscInt every = 0;        // checkpoint every k steps (0: only on a signal)
  std::string file;          // checkpoint path (default: <output>.ckpt.h5)
  PetscBool restart = PETSC_FALSE;
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

// The driver's own state at the end of step t.
struct DriverState {
  std::int64_t t = 0;
  double mu_warm = 0, run_seconds = 0;
  std::int64_t oracle_iters_total = 0, oracle_failures = 0;
  metrics::Tracker::State tracker{};
};

// Writes the checkpoint atomically (a temporary file renamed into place once complete). Collective.
PetscErrorCode CheckpointWrite(const std::string &path, const std::string &fingerprint, std::int64_t n,
                               std::int64_t T, const DriverState &st, const problems::Problem &problem,
                               const algorithms::Algorithm &algorithm, const metrics::Observer &observer);
// Reads a checkpoint written by CheckpointWrite, refusing one from another scenario. Collective.
PetscErrorCode CheckpointRead(const std::string &path, const std::string &fingerprint, std::int64_t n, std::int64_t T,
                              DriverState *st, problems::Problem &problem, algorithms::Algorithm &algorithm,
                              metrics::Observer &observer);

}  // namespace dodge::app
