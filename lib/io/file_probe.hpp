// Local (one-process, serial HDF5) looks at a file before any collective open: what an existing path is
// (for the output policy, run/path_policy.hpp), and the per-dataset checksums that make a checkpoint
// tamper-evident. None of these is collective; callers run them on rank 0 and share the verdict.
#pragma once
#include <cstdint>
#include <string>

namespace dodge::io {

struct FileProbe {
  bool exists = false, is_dir = false, is_hdf5 = false, readable = false;
  bool has_status = false;  // a root attribute `status`: written by dodge's recorder
  bool has_manifest = false;  // a root attribute state_manifest (checkpoints)
  std::string status, state_manifest, run_id, fingerprint, dodge_version, dodge_checkpoint;
  std::int64_t checkpoint_format = -1;  // -1: no attribute
  bool has_step = false;               // checkpoints: root attribute step
  std::int64_t step = 0;
};

// Fills `p` for `path` (a missing path is exists = false). Never fails: what cannot be read stays unset.
// An existing regular file is opened in a forked child (HDF5 may crash on a damaged one); a missing path or
// one that is not a regular file is answered here, without a fork.
FileProbe ProbeFile(const std::string &path);

// One line per dataset of the HDF5 file `path`, in name order: "<path> <dims> <FNV-1a 64 of its values as
// little-endian 8-byte words, hex>". It depends only on the stored global arrays, so it is the same whatever
// rank count wrote or reads the file. Float and integer datasets of 8-byte elements only. Returns false with
// `err` set if the file or a dataset cannot be read.
bool StateManifest(const std::string &path, std::string *manifest, std::string *err);
// The same for a file this process has just written and closed (a checkpoint before it is renamed): read here,
// not in a forked child. A fork marks every page of the run's state copy-on-write, and the next step's writes
// then fault on each of them (about 1.6 s at N = 10^7 on one rank), at every checkpoint.
bool StateManifestOfOwnFile(const std::string &path, std::string *manifest, std::string *err);

// The content of an input file for a checkpoint's fingerprint: "<size> bytes, fnv1a <FNV-1a 64 of its bytes, hex>"
// for a regular file, "not a regular file" for anything else (a FIFO is not read twice), "unreadable" if it cannot
// be read now. Never fails.
std::string FileContentSummary(const std::string &path);

// Sets (replaces) the string attribute `name` on the root group of the closed file `path`. False + `err` on failure.
bool WriteRootString(const std::string &path, const std::string &name, const std::string &value, std::string *err);

}  // namespace dodge::io
