// Checkpoints: full state at the end of a step as global per-agent arrays, so a restart may use a different
// number of ranks and still reproduce the uninterrupted run bit for bit.
#include "run/checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "comm/collectives.hpp"
#include "comm/errors.hpp"
#include "comm/exchange.hpp"
#include "run/test_fault.hpp"
#include "core/input_files.hpp"
#include "core/options.hpp"
#include "io/file_probe.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "problems/problem.hpp"

namespace dodge::run {

namespace {
volatile std::sig_atomic_t g_signal = 0;
extern "C" void OnSignal(int) { g_signal = 1; }

// The manifest's line for the checkpointed step: "@step attribute <t>".
std::string StepLine(std::int64_t t) { return "@step attribute " + std::to_string(t) + "\n"; }

// The first dataset whose shape or checksum differs between the manifest written with the checkpoint and
// the file as it is now ("<path> <shape> <checksum>" lines, in name order).
std::string ManifestDifference(const std::string &stored, const std::string &now) {
  std::map<std::string, std::pair<std::string, std::string>> want, have;
  for (auto [text, into] : {std::pair{&stored, &want}, std::pair{&now, &have}}) {
    std::istringstream in(*text);
    std::string path, shape, sum;
    while (in >> path >> shape >> sum) (*into)[path] = {shape, sum};
  }
  for (const auto &[path, w] : want) {
    auto h = have.find(path);
    if (h == have.end()) return "dataset " + path + " is missing";
    if (path[0] == '@' && h->second.second != w.second)
      return "attribute " + path.substr(1) + " is " + h->second.second + ", but " + w.second + " was written";
    if (h->second.first != w.first)
      return "dataset " + path + " has shape " + h->second.first + ", expected " + w.first;
    if (h->second.second != w.second)
      return "dataset " + path + " has checksum " + h->second.second + ", expected " + w.second + " (its values were changed)";
  }
  for (const auto &[path, h] : have)
    if (!want.count(path)) return "dataset " + path + " is not in the checkpoint's manifest";
  return "the manifest does not match the datasets";
}

}  // namespace

PetscErrorCode CheckpointOptionsRead(const std::string &output_file, CheckpointOptions *o) {
  PetscFunctionBeginUser;
  std::string def = output_file;
  if (def.empty() || def == "none") def = "out/dodge.h5";
  if (def.size() > 3 && def.substr(def.size() - 3) == ".h5") def.resize(def.size() - 3);
  def += ".ckpt.h5";
  PetscOptionsBegin(PETSC_COMM_WORLD, "checkpoint_", "Checkpoint and restart (SIGTERM/SIGUSR1 checkpoint and exit 3)",
                    nullptr);
  PetscCall(OptionsInt(PetscOptionsObject, "-every", "Write a checkpoint every k steps (0: only when signalled)", 0,
                       PETSC_MAX_INT, &o->every));
  // Testing only, not in -help: SIGKILL every rank at the end of step k (simulates a crash; 0: never).
  PetscCall(OptionsIntHidden(PetscOptionsObject, "-kill_at_step", 0, PETSC_MAX_INT, &o->kill_at));
  PetscCall(PetscOptionsBool("-keep", "Keep the checkpoint file after the run completes (default: removed)", nullptr,
                             o->keep, &o->keep, nullptr));
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
  static const char *const run_control[] = {"restart", "checkpoint_every", "checkpoint_file", "checkpoint_kill_at_step", "checkpoint_keep", "output_file",
                                            "output_overwrite", "test_io_fault_rank", "test_io_fault_at_step", "test_io_fault_in",
                                            "progress", "log_view",
                                            "options_left", "options_file", "options_file_yaml", "help"};
  for (const char *k : run_control) opts.erase(k);
  std::string s;
  for (const auto &[k, v] : opts) s += "-" + k + (v.empty() ? "" : " " + v) + "\n";
  *fp = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode InputFingerprint(std::string *lines) {
  std::string mine;
  PetscFunctionBeginUser;
  for (const InputFile &f : InputFiles())
    mine += "input " + f.what + " " + std::filesystem::path(f.path).filename().string() + ": " +
            io::FileContentSummary(f.path) + "\n";
  PetscCall(comm::UnionOfLines(PETSC_COMM_WORLD, mine, lines));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckpointWrite(const std::string &path, const std::string &fingerprint, const std::string &run_id, std::int64_t n,
                               std::int64_t T, const RunState &st, const problems::Problem &problem,
                               const algorithms::Algorithm &algorithm, const metrics::Observer &observer) {
  const std::string tmp = path + ".tmp";
  std::unique_ptr<io::Recorder> ck;
  PetscFunctionBeginUser;
  PetscCall(io::Recorder::Create(PETSC_COMM_WORLD, tmp, &ck));
  PetscCall(IoFaultCheck(IoFaultIn::kCheckpoint, st.t, st.t));
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
  PetscCall(ck->SetAttribute("/", "checkpoint_format", kCheckpointFormat));
  PetscCall(ck->SetAttribute("/", "dodge_version", std::string(DODGE_VERSION)));
  PetscCall(ck->SetAttribute("/", "run_id", run_id));
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
  // The manifest is computed from the file as stored, so it does not depend on the rank count that wrote it
  // (or on the one that reads it back).
  std::string msg;
  if (comm::WorldRank() == 0) {
    std::string manifest, err;
    // The step is the one attribute that, changed within range, would resume silently from the wrong point.
    if (!io::StateManifestOfOwnFile(tmp, &manifest, &err) ||
        !io::WriteRootString(tmp, "state_manifest", manifest + StepLine(st.t), &err))
      msg = "cannot write the checkpoint manifest: " + err;
  }
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, msg, &msg));
  PetscCheck(msg.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "%s", msg.c_str());
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
  {
    // Rank 0 looks at the whole file before any collective read: a checkpoint is untrusted input.
    std::string msg;
    if (comm::WorldRank() == 0) {
      const io::FileProbe c = io::ProbeFile(path);
      std::string manifest, err;
      if (!c.exists) msg = "checkpoint '" + path + "' (-checkpoint_file) does not exist; check the path, or start afresh without -restart";
      else if (!c.is_hdf5 || !c.readable) msg = "checkpoint '" + path + "' is not a readable HDF5 file";
      else if (c.status != "complete")
        msg = "checkpoint '" + path + "' is incomplete (status " + (c.has_status ? c.status : std::string("missing")) +
              "); it cannot be resumed";
      else if (c.checkpoint_format != kCheckpointFormat || c.dodge_version != DODGE_VERSION)
        msg = "checkpoint '" + path + "' was written by " +
              (c.dodge_checkpoint.empty() ? std::string("an unknown program") : "dodge " + c.dodge_checkpoint) +
              " (checkpoint_format " + std::to_string(c.checkpoint_format) + ", dodge_version " +
              (c.dodge_version.empty() ? std::string("missing") : c.dodge_version) + "); this dodge " DODGE_VERSION
              " resumes only checkpoint_format " + std::to_string(kCheckpointFormat) +
              " of its own version: start the run afresh without -restart";
      else if (!c.has_step || c.step < 1 || c.step >= T)
        msg = "checkpoint '" + path + "': step " + (c.has_step ? std::to_string(c.step) : std::string("(missing)")) +
              " is outside [1, T = " + std::to_string(T) + "); it is damaged or not dodge's, and is not resumed";
      if (msg.empty()) {
        if (!c.has_manifest) msg = "checkpoint '" + path + "' has no root attribute state_manifest; it cannot be verified, so it is not resumed";
        else if (!io::StateManifest(path, &manifest, &err)) msg = "checkpoint '" + path + "': " + err;
        else if ((manifest += StepLine(c.step)) != c.state_manifest) msg = "checkpoint '" + path + "': " + ManifestDifference(c.state_manifest, manifest) +
                                           "; the file was altered or damaged after it was written, so it is not resumed";
      }
    }
    PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, msg, &msg));
    PetscCheck(msg.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s", msg.c_str());
  }
  PetscCall(io::Reader::Open(PETSC_COMM_WORLD, path, &rd));
  PetscCall(IoFaultCheck(IoFaultIn::kRestart, 0, 0));
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
    bool ga = false, gb = false;
    while (((ga = static_cast<bool>(std::getline(a, la))) & (gb = static_cast<bool>(std::getline(b, lb)))) && la == lb) {}
    if (!ga) la = "(nothing more)";
    if (!gb) lb = "(nothing more)";
    if (la.rfind("input ", 0) == 0 || lb.rfind("input ", 0) == 0)
      SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
              "checkpoint %s was written with other input files: the checkpoint has '%s', this run has '%s'. An input "
              "was edited or replaced since the checkpoint, so resuming would continue another scenario; restore the "
              "file, or start afresh without -restart",
              path.c_str(), la.c_str(), lb.c_str());
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
  PetscCheck(st->t >= 1 && st->t < T, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: step %" PetscInt64_FMT " is outside [1, T = %" PetscInt64_FMT "); it is damaged or not "
             "dodge's, and is not resumed",
             path.c_str(), st->t, T);
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
    wrote_ = true;
    const double t0 = Now();
    PetscCall(CheckpointWrite(o_.file, fingerprint_, run_id_, n_, s.T, run.state(), problem_, algorithm_, run.observer()));
    io_seconds_ += Now() - t0;
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

PetscErrorCode CheckpointMonitor::RemoveAfterCompletion() {
  PetscFunctionBeginUser;
  if (!o_.keep && (wrote_ || o_.restart) && comm::WorldRank() == 0) {
    std::error_code ec;
    if (std::filesystem::remove(o_.file, ec))
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-28s %s removed (the run completed; -checkpoint_keep keeps it)\n",
                            "checkpoint", o_.file.c_str()));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KillMonitor::PostStep(Run &, const StepInfo &s, bool *, int *) {
  if (at_ == s.t) std::raise(SIGKILL);  // testing: die like a killed job, nothing flushed or closed
  return PETSC_SUCCESS;
}

}  // namespace dodge::run
