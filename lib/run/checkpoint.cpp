// Checkpoints: full state at the end of a step as global per-agent arrays, so a restart may use a different
// number of ranks and still reproduce the uninterrupted run bit for bit.
#include "run/checkpoint.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "comm/errors.hpp"
#include "comm/exchange.hpp"
#include "core/options.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "problems/problem.hpp"

namespace dodge::run {

namespace {
volatile std::sig_atomic_t g_signal = 0;
extern "C" void OnSignal(int) { g_signal = 1; }

}  // namespace

PetscErrorCode CheckpointOptionsRead(const std::string &output_file, CheckpointOptions *o) {
  PetscFunctionBeginUser;
  std::string def = output_file;
  if (def.empty() || def == "none") def = "out/dodge.h5";
  if (def.size() > 3 && def.substr(def.size() - 3) == ".h5") def.resize(def.size() - 3);
  def += ".ckpt.h5";
  PetscOptionsBegin(PETSC_COMM_WORLD, "checkpoint_", "Checkpoint and restart (SIGTERM/SIGUSR1 checkpoint and exit 3)",
                    nullptr);
  PetscCall(PetscOptionsInt("-every", "Write a checkpoint every k steps (0: only when signalled)", nullptr, o->every,
                            &o->every, nullptr));
  PetscCall(PetscOptionsInt("-kill_at_step", "Testing: SIGKILL every rank at the end of step k (simulates a crash)",
                            nullptr, o->kill_at, &o->kill_at, nullptr));
  o->file = def;
  PetscCall(OptionsString(PetscOptionsObject, "-file", "Checkpoint file (default: the output file with .ckpt.h5)", &o->file));
  PetscOptionsEnd();
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "Restart", nullptr);
  PetscCall(PetscOptionsBool("-restart", "Resume from -checkpoint_file (same scenario, any rank count)", nullptr,
                             o->restart, &o->restart, nullptr));
  PetscOptionsEnd();
  PetscCheck(o->every >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-checkpoint_every %" PetscInt_FMT " must be >= 0", o->every);
  PetscFunctionReturn(PETSC_SUCCESS);
}

void InstallSignalHandlers() {
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGUSR1, OnSignal);
}

bool SignalRequested() { return g_signal != 0; }

PetscErrorCode ScenarioFingerprint(std::string *fp) {
  char *all = nullptr;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetAll(nullptr, &all));
  // Tokens are "-name [value]"; values never start with '-' followed by a letter in dodge's options.
  std::map<std::string, std::string> opts;
  std::istringstream in(all ? all : "");
  PetscCall(PetscFree(all));
  std::string tok, name;
  while (in >> tok) {
    if (tok.size() > 1 && tok[0] == '-' && !(std::isdigit(static_cast<unsigned char>(tok[1])) || tok[1] == '.')) {
      name = tok.substr(1);
      opts[name] = "";
    } else if (!name.empty()) {
      opts[name] += (opts[name].empty() ? "" : " ") + tok;
    }
  }
  // Run control does not change the trajectory.
  static const char *const run_control[] = {"restart", "checkpoint_every", "checkpoint_file", "checkpoint_kill_at_step", "output_file",
                                            "progress", "log_view",
                                            "options_left", "options_file", "options_file_yaml", "help"};
  for (const char *k : run_control) opts.erase(k);
  std::string s;
  for (const auto &[k, v] : opts) s += "-" + k + (v.empty() ? "" : " " + v) + "\n";
  *fp = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckpointWrite(const std::string &path, const std::string &fingerprint, std::int64_t n,
                               std::int64_t T, const RunState &st, const problems::Problem &problem,
                               const algorithms::Algorithm &algorithm, const metrics::Observer &observer) {
  const std::string tmp = path + ".tmp";
  std::unique_ptr<io::Recorder> ck;
  PetscFunctionBeginUser;
  PetscCall(io::Recorder::Create(PETSC_COMM_WORLD, tmp, &ck));
  PetscCall(algorithm.SaveState(*ck));
  PetscCall(problem.SaveState(*ck));
  PetscCall(observer.SaveState(*ck));
  const auto &tr = st.tracker;
  const std::vector<double> totals = {tr.reg,     tr.cum_c,    tr.vio_plus,      tr.path,  tr.mu_mean,
                                      tr.c_mean,  tr.max_track_rel, tr.messages, tr.bytes, st.mu_warm,
                                      st.run_seconds};
  PetscCall(ck->WriteGlobalArray("/run/totals", totals.data(), static_cast<std::int64_t>(totals.size()), "mixed",
                                 "reg, cum_c, vio_plus, path, mu_mean, c_mean, max_track_rel, messages, bytes, "
                                 "mu_warm, run_seconds"));
  if (!tr.rows.empty())
    PetscCall(ck->WriteGlobalArray("/run/rows", tr.rows.data(), static_cast<std::int64_t>(tr.rows.size()), "mixed",
                                   "vector families: per-row cumulative constraint, last mean mu, last mean c"));
  PetscCall(ck->SetAttribute("/", "dodge_checkpoint", std::string(DODGE_VERSION " " DODGE_GIT_HASH)));
  PetscCall(ck->SetAttribute("/", "fingerprint", fingerprint));
  PetscCall(ck->SetAttribute("/", "step", st.t));
  PetscCall(ck->SetAttribute("/", "agents", n));
  PetscCall(ck->SetAttribute("/", "steps", T));
  PetscCall(ck->SetAttribute("/", "ranks", static_cast<std::int64_t>(comm::WorldSize())));
  PetscCall(ck->SetAttribute("/run", "binding", tr.binding));
  PetscCall(ck->SetAttribute("/run", "oracle_iters_total", st.oracle_iters_total));
  PetscCall(ck->SetAttribute("/run", "oracle_failures", st.oracle_failures));
  PetscCall(ck->SetStatus("complete"));
  PetscCall(ck->Close());
  ck.reset();
  // The rename is the commit point: a reader sees the old checkpoint or the new one, never half of one.
  bool ok = true;
  if (comm::WorldRank() == 0) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  bool all = false;
  PetscCall(comm::AllTrue(PETSC_COMM_WORLD, ok, &all));
  PetscCheck(all, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "cannot rename checkpoint %s to %s", tmp.c_str(), path.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckpointRead(const std::string &path, const std::string &fingerprint, std::int64_t n, std::int64_t T,
                              RunState *st, problems::Problem &problem, algorithms::Algorithm &algorithm,
                              metrics::Observer &observer) {
  std::unique_ptr<io::Reader> rd;
  std::string fp, status;
  std::int64_t cn = 0, cT = 0;
  PetscFunctionBeginUser;
  PetscCall(io::Reader::Open(PETSC_COMM_WORLD, path, &rd));
  PetscCall(rd->GetAttribute("/", "status", &status));
  PetscCheck(status == "complete", PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s is incomplete (status %s); it cannot be resumed", path.c_str(), status.c_str());
  PetscCall(rd->GetAttribute("/", "fingerprint", &fp));
  PetscCall(rd->GetAttribute("/", "agents", &cn));
  PetscCall(rd->GetAttribute("/", "steps", &cT));
  if (fp != fingerprint) {
    // Name the first differing option, so the user sees what changed.
    std::istringstream a(fp), b(fingerprint);
    std::string la, lb;
    while (std::getline(a, la) && std::getline(b, lb) && la == lb) {}
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
            "checkpoint %s is from a different scenario (checkpoint has '%s', this run has '%s'); run with the "
            "options of the checkpointed run, or start afresh without -restart",
            path.c_str(), la.c_str(), lb.c_str());
  }
  PetscCheck(cn == n && cT == T, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "checkpoint %s has N = %" PetscInt64_FMT ", T = %" PetscInt64_FMT "; this run has N = %" PetscInt64_FMT
             ", T = %" PetscInt64_FMT,
             path.c_str(), cn, cT, n, T);
  PetscCall(rd->GetAttribute("/", "step", &st->t));
  std::vector<double> tot;
  PetscCall(rd->ReadAll("/run/totals", &tot));
  PetscCheck(tot.size() == 11, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: /run/totals has %zu values, expected 11",
             path.c_str(), tot.size());
  auto &tr = st->tracker;
  tr.reg = tot[0], tr.cum_c = tot[1], tr.vio_plus = tot[2], tr.path = tot[3], tr.mu_mean = tot[4], tr.c_mean = tot[5];
  tr.max_track_rel = tot[6], tr.messages = tot[7], tr.bytes = tot[8];
  st->mu_warm = tot[9], st->run_seconds = tot[10];
  bool has_rows = false;
  PetscCall(rd->HasObject("/run/rows", &has_rows));
  if (has_rows) PetscCall(rd->ReadAll("/run/rows", &tr.rows));
  PetscCall(rd->GetAttribute("/run", "binding", &tr.binding));
  PetscCall(rd->GetAttribute("/run", "oracle_iters_total", &st->oracle_iters_total));
  PetscCall(rd->GetAttribute("/run", "oracle_failures", &st->oracle_failures));
  PetscCall(algorithm.LoadState(*rd));
  PetscCall(problem.LoadState(*rd));
  PetscCall(observer.LoadState(*rd));
  PetscCall(rd->Close());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckpointMonitor::PostStep(Run &run, const StepInfo &s, bool *stop, int *exit_code) {
  PetscFunctionBeginUser;
  if (s.t < s.T && (s.signalled || (o_.every > 0 && s.t % o_.every == 0))) {
    PetscCall(run.SyncMonitors(s.t));
    PetscCall(CheckpointWrite(o_.file, fingerprint_, n_, s.T, run.state(), problem_, algorithm_, run.observer()));
    if (s.signalled) {
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "signal received: checkpoint of step %" PetscInt64_FMT " written to %s; exiting with code %d "
                            "(resume with the same options and -restart)\n",
                            s.t, o_.file.c_str(), kExitCheckpointed));
      *stop = true, *exit_code = kExitCheckpointed;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KillMonitor::PostStep(Run &, const StepInfo &s, bool *, int *) {
  if (at_ == s.t) std::raise(SIGKILL);  // testing: die like a killed job, nothing flushed or closed
  return PETSC_SUCCESS;
}

}  // namespace dodge::run
