// What a run may write, decided before it writes anything (issue 15): the output and checkpoint paths must
// not be any input of the run (compared by device and inode, so a symlink or another spelling is caught), an
// existing file is replaced only with -output_overwrite, an unusable location fails at once with its reason,
// and a lock file <output>.lock keeps a second run from writing the same output concurrently (issue 18): a run
// writes <output>.partial and renames it to <output> when it is complete, so the complete file of an earlier
// run at that path survives a run that fails, and a reader never sees a half-written file under the name.
#pragma once
#include <string>

#include "core/petsc_compat.hpp"

namespace dodge::run {

struct PathPolicy {
  std::string output;      // -output_file
  bool write = true;       // false for -output_file none
  std::string checkpoint;  // -checkpoint_file
  bool restart = false;    // -restart: the checkpoint is an input, the output is continued
  bool overwrite = false;  // -output_overwrite
};

// The working name of an output while its run writes it: beside the target, so the final rename stays within
// one directory (atomic) and a restart finds it.
std::string PartialPath(const std::string &output);

// Rank 0 holds <output>.lock while the run writes the output; removed when this object goes away.
class OutputLock {
 public:
  OutputLock() = default;
  ~OutputLock();
  OutputLock(const OutputLock &) = delete;
  OutputLock &operator=(const OutputLock &) = delete;
  // Creates the lock file (rank 0) or says whose run holds it. Collective on PETSC_COMM_WORLD.
  PetscErrorCode Acquire(const std::string &output);

 private:
  std::string path_;
};

// The part of CheckRunPaths that needs no input read yet, run before the setup so that a long setup (graphs of
// 10^6 agents and more) is not spent on a run that would be refused at its end: an output path that is a
// directory, holds a dodge output (complete or unfinished) or its working file, or lies where no file can be
// created. Not on -restart (the checkpoint's own checks speak first there). Creates nothing. Collective.
PetscErrorCode CheckOutputEarly(const PathPolicy &p);

// Checks every rule above on every rank together (each rank compares the input files it registered,
// core/input_files.hpp, plus the options files; rank 0 checks the output's location and what exists there)
// and takes the lock. On -restart, `*run_id` is the run id the checkpoint and the output share (checked
// equal when the output exists); otherwise it is left empty. `*work` is the file the run writes: PartialPath
// of the output, or on -restart the output itself when only that holds the interrupted run (written in place
// by a dodge before the working name); empty when the run writes no output. Collective on PETSC_COMM_WORLD.
PetscErrorCode CheckRunPaths(const PathPolicy &p, OutputLock *lock, std::string *run_id, std::string *work);

}  // namespace dodge::run
