// Parallel read-only access to dodge's HDF5 files (output and checkpoints), collective on a communicator.
#pragma once
#include "core/petsc_compat.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dodge::io {

// One HDF5 file opened read-only with MPI-IO on `comm`, for restarting from a checkpoint or an output
// file written by Recorder at any rank count.
//
// Every method is collective on `comm`: all ranks call it, in the same order, with the same paths and
// names (collective metadata: rank 0 reads the file's metadata and shares it). Only ReadSlice takes
// per-rank arguments (each rank's own offset and count). Paths are absolute ("/state/x"). Errors are
// decided on all ranks together, so a missing dataset or a bad slice on one rank fails every rank with
// one message. Destroy a Reader before PetscFinalize().
class Reader {
 public:
  // Opens `path`; fails on every rank, naming the path, if it is missing, a directory or not HDF5.
  static PetscErrorCode Open(MPI_Comm comm, const std::string &path, std::unique_ptr<Reader> *out);
  ~Reader();  // closes quietly if Close() was not called (collective: destroy on every rank together)
  Reader(const Reader &) = delete;
  Reader &operator=(const Reader &) = delete;

  // Whether a group or dataset exists at `path` ("/" always does).
  PetscErrorCode HasObject(const std::string &path, bool *exists);
  // Whether the group or dataset `obj_path` has attribute `name` (false when the object is missing).
  PetscErrorCode HasAttribute(const std::string &obj_path, const std::string &name, bool *exists);
  // One-value attribute `name` of `obj_path`; fails naming both if either is missing or the attribute is
  // of another kind (a string for std::string, floating point for double, an integer for std::int64_t).
  PetscErrorCode GetAttribute(const std::string &obj_path, const std::string &name, std::string *value);
  PetscErrorCode GetAttribute(const std::string &obj_path, const std::string &name, double *value);
  PetscErrorCode GetAttribute(const std::string &obj_path, const std::string &name, std::int64_t *value);

  // Dimensions of dataset `path` (empty for a scalar dataset); fails if it is missing or not a dataset.
  PetscErrorCode Shape(const std::string &path, std::vector<std::int64_t> *dims);
  // Length of dimension 0 of dataset `path` (its length if 1-D, its rows if a table).
  PetscErrorCode DatasetLength(const std::string &path, std::int64_t *n);

  // Entries [offset, offset + count) of the 1-D dataset `path` into out[0..count). Per rank: each rank
  // reads its own slice, which may be empty (out may then be nullptr) and need not tile the dataset,
  // so a file written at P ranks is read at any other rank count. Collective MPI-IO, in pieces of at
  // most MaxReadBytes() with the same number of calls on every rank. The dataset must be floating point
  // for double and integer for std::int64_t.
  PetscErrorCode ReadSlice(const std::string &path, std::int64_t offset, std::int64_t count, double *out);
  PetscErrorCode ReadSlice(const std::string &path, std::int64_t offset, std::int64_t count, std::int64_t *out);

  // The whole 1-D dataset `path` on every rank (rank 0 reads, then broadcasts): for small global arrays
  // such as series, parameters and record steps.
  PetscErrorCode ReadAll(const std::string &path, std::vector<double> *out);
  PetscErrorCode ReadAll(const std::string &path, std::vector<std::int64_t> *out);
  // The whole 2-D dataset `path` [rows, cols] on every rank, row-major. Reads a width-1 output agent
  // field /agents/<name> [record, agent]; a vector-valued one ([record, agent, width], width > 1) is 3-D
  // and is rejected naming its dimension count (Shape tells them apart). Restarts never read /agents
  // through the Reader: they resume from the /state checkpoint arrays, and Recorder::Open rediscovers
  // each field's width itself, so no 3-D read is needed yet.
  PetscErrorCode ReadAll2D(const std::string &path, std::int64_t *rows, std::int64_t *cols, std::vector<double> *out);
  PetscErrorCode ReadAll2D(const std::string &path, std::int64_t *rows, std::int64_t *cols,
                           std::vector<std::int64_t> *out);

  // Closes the file (collective). Later calls fail; a second Close() does nothing.
  PetscErrorCode Close();

  const std::string &Path() const;
  bool IsOpen() const;
  // Largest number of bytes one rank moves in one H5Dread or MPI_Bcast (default 1 GiB, as for the
  // recorder's writes). Lowering it only splits reads into more calls; tests use it to exercise that.
  void SetMaxReadBytes(std::size_t bytes);
  std::size_t MaxReadBytes() const;

  struct Impl;  // HDF5 state, kept out of this header so includers need no HDF5

 private:
  Reader();
  std::unique_ptr<Impl> impl_;
};

// Checkpoints are untrusted input: the state a component reads back is checked against what it can hold.
// CheckStateShape: `path` has one dimension of length `total` (else the message names the file, the dataset,
// the shape and `what`). CheckStateValues: this rank's n values v of `path`, starting at global entry `off`,
// are finite, in [lo, hi] and, with `whole`, whole numbers; the first bad entry over all ranks is named with
// its value. Both collective on the reader's communicator; they fail with PETSC_ERR_FILE_UNEXPECTED.
PetscErrorCode CheckStateShape(Reader &ck, const std::string &path, std::int64_t total, const std::string &what);
PetscErrorCode CheckStateValues(Reader &ck, const std::string &path, std::int64_t off, const double *v, std::int64_t n, double lo,
                                double hi, bool whole, const std::string &what);

}  // namespace dodge::io
