// Small HDF5 helpers shared by dodge's writer and reader: one error rule for HDF5 return codes, RAII
// handles, and the collective read primitives both need.
#pragma once
#include "core/petsc_compat.hpp"

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dodge::io::h5 {

// The linked HDF5 library's version "1.10.8" (H5get_libversion), and "parallel" when it is. Not collective.
std::string LibraryVersion();

// The innermost entry of the current HDF5 error stack ("function: description"), for error messages.
// Empty if the stack is empty. Does not clear the stack.
std::string ErrorDetail();

// Checks one HDF5 call: a negative return becomes a PETSc error naming the call, the object and the file.
// `expr` may be an assignment (`d = H5Dcreate2(...)`), so a created handle is kept and checked at once.
#define DodgeH5Call(comm, file, object, expr) DodgeH5CallNamed(comm, file, object, expr, #expr)
// Same, with the call's text given: wrappers stringify `expr` before HDF5's macros (H5F_ACC_TRUNC, ...)
// are expanded, so the message shows the call as written.
#define DodgeH5CallNamed(comm, file, object, expr, text)                                                        \
  do {                                                                                                          \
    const auto dodge_h5_rc_ = (expr);                                                                           \
    PetscCheck(dodge_h5_rc_ >= 0, comm, PETSC_ERR_FILE_WRITE,                                                   \
               "HDF5 call %s failed on '%s' in file '%s' (HDF5 says: %s); check that the path is writable, "   \
               "the file system has free space, and no other program holds the file open",                     \
               text, std::string(object).c_str(), std::string(file).c_str(),                                   \
               ::dodge::io::h5::ErrorDetail().c_str());                                                         \
  } while (0)

// Same check for reads: a failed read points at a truncated, damaged or foreign file rather than at
// permissions or disk space.
#define DodgeH5Read(comm, file, object, expr) DodgeH5ReadNamed(comm, file, object, expr, #expr)
#define DodgeH5ReadNamed(comm, file, object, expr, text)                                                        \
  do {                                                                                                          \
    const auto dodge_h5_rc_ = (expr);                                                                           \
    PetscCheck(dodge_h5_rc_ >= 0, comm, PETSC_ERR_FILE_READ,                                                    \
               "HDF5 call %s failed on '%s' in file '%s' (HDF5 says: %s); check that the file is a complete "   \
               "dodge HDF5 file and that no other program is writing it",                                       \
               text, std::string(object).c_str(), std::string(file).c_str(),                                   \
               ::dodge::io::h5::ErrorDetail().c_str());                                                         \
  } while (0)

// Whether a checked HDF5 call (DodgeH5Call, DodgeH5Read, ReadBlock) has failed in this process: after that a
// file's state may differ between ranks and a collective H5Fclose can hang (ParkOpenFile). Local.
bool AnyCallFailed();

// --- The error path: files an error left open ------------------------------------------------------------
// H5Fclose is collective, and after a failed write HDF5's ranks disagree inside it (one flushes and waits in a
// barrier, another closes the MPI file and waits in another): so a Recorder or Reader destroyed without Close()
// (an error unwound it) does not close its file but parks its identifiers here, objects before the file.
// HDF5's own close at process exit is switched off (H5dont_atexit, before the library starts), so a parked
// file is never closed after MPI_Finalize either (that crashed in HDF5's close callback). Local.
void ParkOpenFile(const std::string &path, bool writable, std::vector<hid_t> objects, hid_t file);
// Closes the parked files, in the order they were opened, objects before the file. Collective on `comm`: run
// only when every rank is in the error path (comm::ExitAfterError's clean-up). When no checked HDF5 call failed
// on any rank, a writable file with a root attribute status gets status = failed and error = `message`, and
// everything is closed, then the library (H5close); returns true. Otherwise nothing is closed (any close, even
// the one HDF5 makes inside MPI_Finalize, could hang or crash) and it returns false: the caller must end the job
// without MPI_Finalize (MPI_Abort).
bool CloseParkedFiles(MPI_Comm comm, const std::string &message);
// H5close for the end of a run that parked nothing (the exit-time close is off). Local.
void LibraryClose();

// Silences HDF5's automatic error-stack printing for a scope: with many ranks every rank would print
// the same multi-line stack; DodgeH5Call puts the useful line into the PETSc message instead.
class Quiet {
 public:
  Quiet();
  ~Quiet();
  Quiet(const Quiet &) = delete;
  Quiet &operator=(const Quiet &) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void *data_ = nullptr;
  bool saved_ = false;
};

// Owns one HDF5 identifier of any kind and closes it (ignoring errors) when it goes out of scope.
// Close() is the checked way to close, for handles whose close can fail meaningfully (files).
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  ~Id() { Reset(); }
  Id(Id &&o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Id &operator=(Id &&o) noexcept {
    if (this != &o) {
      Reset();
      id_ = o.id_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Id(const Id &) = delete;
  Id &operator=(const Id &) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Takes ownership of a freshly returned identifier and passes the value through for checking.
  hid_t Assign(hid_t id) {
    Reset();
    id_ = id;
    return id;
  }
  // Closes with the right H5*close for the identifier's kind; returns its status.
  herr_t Close();
  void Reset() { (void)Close(); }
  // Forgets the identifier without closing it (when closing is no longer possible, e.g. after MPI_Finalize).
  void Release() { id_ = H5I_INVALID_HID; }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// --- Collective helpers (all ranks of `comm` call them together) ------------------------------------------
// `file` and `object` only name things in error messages. Files are expected to be opened with collective
// metadata operations, so every rank sees the same metadata and metadata errors arise on all ranks alike.

// Fails on every rank of `comm` when `ok` is false on any of them, with the message (printf-style) of the
// lowest such rank. Lets each rank validate its own arguments without leaving the others behind in the
// next collective call, and the one message printed names the actual problem whichever rank saw it.
PetscErrorCode CheckAll(MPI_Comm comm, bool ok, PetscErrorCode code, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(4, 5);

// Rank 0 checks that `path` is an existing regular file in HDF5 format; all ranks fail together
// otherwise, with a message naming the path. Run before H5Fopen, whose own failure says little.
PetscErrorCode CheckIsHdf5File(MPI_Comm comm, const std::string &path);

// Whether the object at the absolute path `p` ("/" included) exists in file `loc`. Each prefix is
// tested in turn: HDF5 1.10's H5Lexists fails, rather than answering false, under a missing group.
PetscErrorCode PathExists(MPI_Comm comm, const std::string &file, hid_t loc, const std::string &p, bool *exists);

// Dimensions of dataset `dset` (empty for a scalar dataset).
PetscErrorCode DatasetDims(MPI_Comm comm, const std::string &file, const std::string &object, hid_t dset,
                           std::vector<hsize_t> *dims);

// One-value attribute `name` of the open object `obj`. Fails naming object and attribute when it is
// missing, holds more than one value, or has another type class: strings (fixed or variable length) for
// std::string, floating point for double, integers for std::int64_t (no silent int <-> float rounding).
PetscErrorCode ReadAttribute(MPI_Comm comm, const std::string &file, hid_t obj, const std::string &objname,
                             const std::string &name, std::string *value);
PetscErrorCode ReadAttribute(MPI_Comm comm, const std::string &file, hid_t obj, const std::string &objname,
                             const std::string &name, double *value);
PetscErrorCode ReadAttribute(MPI_Comm comm, const std::string &file, hid_t obj, const std::string &objname,
                             const std::string &name, std::int64_t *value);

// Names of the datasets directly inside the open group `group`, in name order (the only order HDF5
// keeps unless link creation order tracking was switched on when the group was made).
PetscErrorCode ListDatasets(MPI_Comm comm, const std::string &file, const std::string &groupname, hid_t group,
                            std::vector<std::string> *names);

// Reads this rank's block, rows [row0, row0 + nrows) of a rank-1 dataset or of a rank-2 dataset of
// width ncols (whole rows), into row-major `buf` of `memtype` (elements of `elem` bytes), with transfer
// property list `dxpl`. Each rank's block is cut into pieces of at most max_bytes (MPI-IO counts bytes
// in int) and every rank makes as many H5Dread calls as the rank with the most pieces, selecting nothing
// once its own are done, so collective MPI-IO never waits on a rank that stopped early.
PetscErrorCode ReadBlock(MPI_Comm comm, const std::string &file, const std::string &object, hid_t dset, hid_t dxpl,
                         hid_t memtype, std::size_t elem, hsize_t row0, hsize_t nrows, hsize_t ncols,
                         std::size_t max_bytes, void *buf);

// "a\nb\nc" -> {"a", "b", "c"}; the empty string gives no names. How dodge stores ordered name lists
// (series_order, field_order) as one string attribute h5py reads as str.
std::vector<std::string> SplitLines(const std::string &joined);
std::string JoinLines(const std::vector<std::string> &names);

}  // namespace dodge::io::h5
