// The output path policy (see path_policy.hpp).
#include "run/path_policy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "comm/collectives.hpp"
#include "comm/errors.hpp"
#include "core/input_files.hpp"
#include "core/options_files.hpp"
#include "io/file_probe.hpp"

namespace dodge::run {

namespace {

std::string HostName() {
  char h[256] = "";
  if (gethostname(h, sizeof h - 1) != 0) return "unknown";
  return h;
}

// Whether process `pid` of this host is alive (not a zombie) and runs the same program as this one.
bool RunsDodge(long pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat"), me("/proc/self/comm"),
      comm("/proc/" + std::to_string(pid) + "/comm");
  std::string id, name, state, mine, theirs;
  if (!st || !(st >> id >> name >> state)) return true;  // no /proc: trust kill()
  if (state == "Z" || state == "X") return false;
  if (me >> mine && comm >> theirs) return mine == theirs;
  return true;
}

// The first input that is the same file as `target` (device and inode), or "" when none is or target is absent.
std::string SameAsInput(const std::string &target, const char *option, const std::vector<InputFile> &inputs) {
  struct stat t, s;
  if (target.empty() || ::stat(target.c_str(), &t) != 0) return "";
  for (const auto &in : inputs)
    if (::stat(in.path.c_str(), &s) == 0 && s.st_dev == t.st_dev && s.st_ino == t.st_ino)
      return std::string(option) + " '" + target + "' is the same file as the input '" + in.path + "' (" + in.what +
             "): writing it would destroy the run's own input; choose another " + option;
  return "";
}

// Rank 0: why the output cannot be created where it is asked for, or "". With `create` false (the early check,
// before the setup) a missing directory is not made yet: its nearest existing ancestor must be writable.
std::string LocationProblem(const std::string &out, bool create = true) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path parent = fs::path(out).parent_path();
  if (parent.empty()) parent = ".";
  fs::path probe = parent;
  while (!fs::exists(probe, ec) && probe.has_parent_path() && probe != probe.parent_path()) probe = probe.parent_path();
  if (fs::exists(probe, ec) && !fs::is_directory(probe, ec))
    return "cannot create -output_file '" + out + "': '" + probe.string() + "' is not a directory";
  if (!create && !fs::exists(parent, ec)) {
    if (fs::exists(probe, ec) && ::access(probe.c_str(), W_OK | X_OK) != 0)
      return "cannot create directory '" + parent.string() + "' for -output_file '" + out + "': '" + probe.string() +
             "' is not writable (" + std::strerror(errno) + "); choose a writable location";
    return "";
  }
  if (!fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) return "cannot create directory '" + parent.string() + "' for -output_file '" + out + "': " + ec.message();
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0)
    return "cannot write in directory '" + parent.string() + "' for -output_file '" + out + "': " + std::strerror(errno) +
           "; choose a writable location";
  return "";
}

// Rank 0: why an existing file at the output path must not be replaced, or "".
std::string ExistingProblem(const PathPolicy &p, const io::FileProbe &o) {
  const std::string &out = p.output;
  if (o.is_dir) return "-output_file '" + out + "' is a directory; give a file name such as '" + out + "/run.h5'";
  if (!o.exists || p.restart || p.overwrite) return "";
  if (!o.is_hdf5 || !o.has_status)
    return "-output_file '" + out + "' exists and is not a dodge output file; dodge does not replace it. Choose another "
           "-output_file, or give -output_overwrite to replace it";
  if (o.status == "complete")
    return "-output_file '" + out + "' is the complete output of an earlier run" +
           (o.run_id.empty() ? std::string() : " (run id " + o.run_id + ")") +
           "; give -output_overwrite to replace it, or choose another -output_file";
  return "-output_file '" + out + "' holds an unfinished dodge run (status " + o.status +
         "); resume it with -restart, give -output_overwrite to replace it, or choose another -output_file";
}

// Rank 0: why the working file beside the output stands in the way of this run, or "". It is dodge's own name,
// but a file there that dodge did not write is still not replaced.
std::string PartialProblem(const PathPolicy &p, const std::string &partial, const io::FileProbe &w) {
  if (!w.exists) return "";
  if (w.is_dir)
    return "'" + partial + "', where dodge writes -output_file '" + p.output + "' until the run is complete, is a "
           "directory; move it away or choose another -output_file";
  if (!w.is_hdf5 || !w.has_status)
    return "'" + partial + "', where dodge writes -output_file '" + p.output + "' until the run is complete, exists "
           "and is not a dodge output file; dodge does not replace it. Move it away or choose another -output_file";
  if (p.restart || p.overwrite) return "";
  return "'" + partial + "' holds an unfinished dodge run writing -output_file '" + p.output + "' (status " + w.status +
         (w.run_id.empty() ? std::string() : ", run id " + w.run_id) +
         "); resume it with -restart, give -output_overwrite to replace it, or choose another -output_file";
}

}  // namespace

std::string PartialPath(const std::string &output) { return output + ".partial"; }

OutputLock::~OutputLock() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

PetscErrorCode OutputLock::Acquire(const std::string &output) {
  std::string msg;
  PetscFunctionBeginUser;
  if (comm::WorldRank() == 0) {
    const std::string lock = output + ".lock", host = HostName();
    for (int attempt = 0; attempt < 2 && path_.empty() && msg.empty(); ++attempt) {
      const int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd >= 0) {
        const std::string who = host + " " + std::to_string(static_cast<long>(::getpid())) + "\n";
        const bool wrote = ::write(fd, who.data(), who.size()) == static_cast<ssize_t>(who.size());
        ::close(fd);
        if (wrote) path_ = lock;
        else {
          ::unlink(lock.c_str());
          msg = "cannot write the lock file '" + lock + "': " + std::strerror(errno);
        }
      } else if (errno == EEXIST) {
        std::string h;
        long pid = 0;
        std::ifstream in(lock);
        in >> h >> pid;
        // A lock of a process of this host that no longer runs dodge is stale (a killed run): take it over. A
        // killed rank may take a moment to go after its mpirun returned, so a live holder is watched for 5 s.
        bool gone = false;
        for (int k = 0; attempt == 0 && h == host && pid > 0 && k < 50 && !(gone = !RunsDodge(pid)); ++k) ::usleep(100000);
        if (gone) {
          ::unlink(lock.c_str());
          continue;
        }
        msg = "another dodge run (host " + (h.empty() ? std::string("?") : h) + ", pid " + std::to_string(pid) +
              ") is writing -output_file '" + output + "' (lock file '" + lock + "')" +
              (h != host ? "; it is another host's lock (this is " + host +
                               "), whose process dodge cannot see, so it is never taken over"
                         : std::string()) +
              "; wait for it to end, choose another -output_file, or remove the lock file if that run no longer exists";
      } else {
        msg = "cannot create files next to -output_file '" + output + "' (lock file '" + lock + "'): " +
              std::strerror(errno) + "; choose a writable location";
      }
    }
  }
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, msg, &msg));
  PetscCheck(msg.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "%s", msg.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckOutputEarly(const PathPolicy &p) {
  std::string msg;
  PetscFunctionBeginUser;
  if (p.write && !p.restart && comm::WorldRank() == 0) {
    const io::FileProbe o = io::ProbeFile(p.output);
    // Only what no input can be: a directory, or an existing dodge output (complete or unfinished). Any other
    // existing file may be one of the inputs the setup reads, which CheckRunPaths names as such afterwards.
    if (o.is_dir || (o.exists && o.is_hdf5 && o.has_status)) msg = ExistingProblem(p, o);
    struct stat ls;
    const bool in_place = ::lstat(p.output.c_str(), &ls) == 0 && !S_ISREG(ls.st_mode);
    if (msg.empty() && !in_place) {
      const std::string partial = PartialPath(p.output);
      const io::FileProbe w = io::ProbeFile(partial);
      if (w.is_dir || (w.exists && w.is_hdf5 && w.has_status)) msg = PartialProblem(p, partial, w);
    }
    if (msg.empty()) msg = LocationProblem(p.output, false);
  }
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, msg, &msg));
  PetscCheck(msg.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "%s", msg.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckRunPaths(const PathPolicy &p, OutputLock *lock, std::string *run_id, std::string *work) {
  std::string msg;
  PetscFunctionBeginUser;
  // The inputs: what this rank's readers registered, the options files, and the checkpoint of a restart.
  std::vector<InputFile> inputs = InputFiles();
  // PETSc reads the options files while it starts and keeps no record of them in the database: take them
  // from the command line and PETSC_OPTIONS.
  int argc = 0;
  char **args = nullptr;
  PetscCall(PetscGetArgs(&argc, &args));
  for (const InputFile &f : OptionsFilesGiven(argc, args)) inputs.push_back(f);
  if (p.restart) inputs.push_back({p.checkpoint, "the checkpoint resumed (-checkpoint_file)"});
  if (p.write) msg = SameAsInput(p.output, "-output_file", inputs);
  if (msg.empty() && p.write) msg = SameAsInput(PartialPath(p.output), "-output_file", inputs);
  if (msg.empty() && !p.restart) msg = SameAsInput(p.checkpoint, "-checkpoint_file", inputs);
  if (msg.empty() && p.write)
    msg = SameAsInput(p.checkpoint, "-checkpoint_file", {{p.output, "the output file (-output_file)"}});
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, msg, &msg));
  PetscCheck(msg.empty(), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s", msg.c_str());

  std::string id, wk;
  if (comm::WorldRank() == 0) {
    const std::string partial = PartialPath(p.output);
    const io::FileProbe o = p.write ? io::ProbeFile(p.output) : io::FileProbe{};
    const io::FileProbe w = p.write ? io::ProbeFile(partial) : io::FileProbe{};
    // The file the run writes: the working file; on a restart, the output itself when a dodge older than the
    // working name wrote the interrupted run in place. A path that is not a regular file (a device such as
    // /dev/null, a fifo, a symbolic link) is written in place, as asked: a rename would replace the device or
    // the link itself rather than write through it.
    wk = p.write ? partial : "";
    struct stat ls;
    if (p.write && ::lstat(p.output.c_str(), &ls) == 0 && !S_ISREG(ls.st_mode)) wk = p.output;
    if (p.restart && p.write && !w.exists && o.exists) wk = p.output;
    const io::FileProbe *cont = wk == p.output ? &o : &w;
    if (p.write) msg = ExistingProblem(p, o);
    if (msg.empty() && p.write && wk == partial) msg = PartialProblem(p, partial, w);
    if (msg.empty() && p.write) msg = LocationProblem(p.output);
    // A missing file to continue is reported when the output is opened, after the checkpoint's own checks
    // (a checkpoint of another scenario says so first).
    if (msg.empty() && p.restart) {
      const io::FileProbe c = io::ProbeFile(p.checkpoint);
      id = c.run_id;
      // Only the output of the checkpointed run may be continued: another run's file would mix two runs.
      if (p.write && cont->has_status && c.exists && c.run_id != cont->run_id)
        msg = "cannot resume into '" + wk + "' (-output_file '" + p.output + "'): it is the output of run " +
              (cont->run_id.empty() ? std::string("(no run id)") : cont->run_id) + ", but the checkpoint '" +
              p.checkpoint + "' belongs to run " + (c.run_id.empty() ? std::string("(no run id)") : c.run_id) +
              "; give the output file of the checkpointed run";
    }
  }
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, msg, &msg));
  PetscCheck(msg.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "%s", msg.c_str());
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, wk, work));
  if (p.restart) PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, id.empty() ? std::string("-") : id, run_id));
  if (run_id->size() == 1 && (*run_id)[0] == '-') run_id->clear();
  if (p.write) PetscCall(lock->Acquire(p.output));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::run
