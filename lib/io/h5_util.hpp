// Small HDF5 helpers shared by dodge's writers: one error rule for HDF5 return codes and RAII handles.
#pragma once
#include "core/petsc_compat.hpp"

#include <hdf5.h>

#include <string>

namespace dodge::io::h5 {

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

}  // namespace dodge::io::h5
