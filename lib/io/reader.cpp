// Collective read-only access to dodge's HDF5 files: MPI-IO, collective metadata, per-rank slices, split reads.
#include "io/reader.hpp"

#include "io/h5_util.hpp"

#include <cmath>
#include <cstdio>

#include <algorithm>
#include <climits>

namespace dodge::io {

namespace {

using h5::Id;

// As for the recorder's writes: MPI-IO and MPI_Bcast count in int, so one call moves at most 1 GiB.
constexpr std::size_t kDefaultMaxReadBytes = std::size_t(1) << 30;

long long ll(std::int64_t v) { return static_cast<long long>(v); }

template <typename T>
struct Kind;
template <>
struct Kind<double> {
  static hid_t mem() { return H5T_NATIVE_DOUBLE; }
  static constexpr H5T_class_t cls = H5T_FLOAT;
  static constexpr const char *name = "floating point";
};
template <>
struct Kind<std::int64_t> {
  static hid_t mem() { return H5T_NATIVE_INT64; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char *name = "integer";
};

}  // namespace

// HDF5 read checked against this reader's communicator and file.
#define RdH5(object, expr) DodgeH5ReadNamed(im.comm, im.path, object, expr, #expr)

struct Reader::Impl {
  MPI_Comm comm = MPI_COMM_NULL;  // our duplicate: the reader's own reductions never meet the caller's
  PetscMPIInt rank = 0, size = 1;
  std::string path;
  Id file, dxpl;
  std::size_t max_read_bytes = kDefaultMaxReadBytes;

  PetscErrorCode CheckOpen(const char *call) const;
  PetscErrorCode CheckPath(const std::string &p) const;
  // Opens the group or dataset at `p`, failing (naming `why`) if it is missing.
  PetscErrorCode OpenObject(const std::string &p, const char *why, Id *obj);
  // Opens dataset `p` and checks it has `ndims` dimensions (-1: any) and elements of type class `cls`.
  PetscErrorCode OpenDataset(const std::string &p, int ndims, H5T_class_t cls, const char *cls_name, Id *dset,
                             std::vector<hsize_t> *dims);
  template <typename T>
  PetscErrorCode ReadSlice(const std::string &p, std::int64_t offset, std::int64_t count, T *out);
  template <typename T>
  PetscErrorCode ReadAll(const std::string &p, int ndims, std::int64_t *rows, std::int64_t *cols, std::vector<T> *out);
  PetscErrorCode CloseAll();
};

PetscErrorCode Reader::Impl::CheckOpen(const char *call) const {
  PetscFunctionBeginUser;
  // PETSC_COMM_SELF: after Close() our communicator is gone; every rank fails here alike anyway.
  PetscCheck(file.valid(), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "Reader::%s called on '%s' after Close(); read everything before closing", call, path.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::Impl::CheckPath(const std::string &p) const {
  PetscFunctionBeginUser;
  PetscCheck(!p.empty() && p[0] == '/' && (p == "/" || p.back() != '/') && p.find("//") == std::string::npos, comm,
             PETSC_ERR_ARG_WRONG,
             "'%s' is not a valid object path in '%s'; use an absolute path with single '/' separators, e.g. /state/x",
             p.c_str(), path.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::Impl::OpenObject(const std::string &p, const char *why, Id *obj) {
  Impl &im = *this;
  bool exists;
  PetscFunctionBeginUser;
  PetscCall(CheckPath(p));
  PetscCall(h5::PathExists(comm, path, file.get(), p, &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_UNEXPECTED,
             "no group or dataset '%s' in '%s' (needed to %s); the file was written by another program or version, "
             "or by a run that did not write it",
             p.c_str(), path.c_str(), why);
  RdH5(p, obj->Assign(H5Oopen(file.get(), p.c_str(), H5P_DEFAULT)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::Impl::OpenDataset(const std::string &p, int ndims, H5T_class_t cls, const char *cls_name,
                                         Id *dset, std::vector<hsize_t> *dims) {
  Impl &im = *this;
  H5I_type_t kind;
  Id type;
  H5T_class_t have;
  PetscFunctionBeginUser;
  PetscCall(OpenObject(p, "read a dataset", dset));
  RdH5(p, kind = H5Iget_type(dset->get()));
  PetscCheck(kind == H5I_DATASET, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' in '%s' is a group, not a dataset",
             p.c_str(), path.c_str());
  PetscCall(h5::DatasetDims(comm, path, p, dset->get(), dims));
  PetscCheck(ndims < 0 || static_cast<int>(dims->size()) == ndims, comm, PETSC_ERR_FILE_UNEXPECTED,
             "dataset '%s' in '%s' has %zu dimension(s); this read needs %d", p.c_str(), path.c_str(), dims->size(),
             ndims);
  if (cls_name) {
    // Classes must match: HDF5 would silently round int64 above 2^53 to double, or truncate doubles to int.
    RdH5(p, type.Assign(H5Dget_type(dset->get())));
    RdH5(p, have = H5Tget_class(type.get()));
    PetscCheck(have == cls, comm, PETSC_ERR_FILE_UNEXPECTED,
               "dataset '%s' in '%s' does not hold %s values; read it with the matching overload", p.c_str(),
               path.c_str(), cls_name);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

template <typename T>
PetscErrorCode Reader::Impl::ReadSlice(const std::string &p, std::int64_t offset, std::int64_t count, T *out) {
  h5::Quiet quiet;
  Id dset;
  std::vector<hsize_t> dims;
  PetscFunctionBeginUser;
  PetscCall(CheckOpen("ReadSlice"));
  PetscCall(OpenDataset(p, 1, Kind<T>::cls, Kind<T>::name, &dset, &dims));
  const std::int64_t n = static_cast<std::int64_t>(dims[0]);
  // The only per-rank arguments of the reader: check them everywhere before the collective read.
  PetscCall(h5::CheckAll(comm, offset >= 0 && count >= 0 && offset <= n - count && (count == 0 || out),
                         PETSC_ERR_ARG_OUTOFRANGE,
                         "ReadSlice of '%s' in '%s': entries [%lld, %lld) are not inside [0, %lld) or the output is "
                         "null; each rank must ask for a slice of the dataset",
                         p.c_str(), path.c_str(), ll(offset), ll(offset + count), ll(n)));
  PetscCall(h5::ReadBlock(comm, path, p, dset.get(), dxpl.get(), Kind<T>::mem(), sizeof(T),
                          static_cast<hsize_t>(offset), static_cast<hsize_t>(count), 1, max_read_bytes, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

template <typename T>
PetscErrorCode Reader::Impl::ReadAll(const std::string &p, int ndims, std::int64_t *rows, std::int64_t *cols,
                                     std::vector<T> *out) {
  h5::Quiet quiet;
  Id dset;
  std::vector<hsize_t> dims;
  std::vector<T> values;
  PetscFunctionBeginUser;
  PetscCall(CheckOpen(ndims == 1 ? "ReadAll" : "ReadAll2D"));
  PetscCheck(out && (ndims == 1 || (rows && cols)), comm, PETSC_ERR_ARG_NULL,
             "reading '%s' needs somewhere to put the values (an output is null)", p.c_str());
  PetscCall(OpenDataset(p, ndims, Kind<T>::cls, Kind<T>::name, &dset, &dims));
  const hsize_t nr = dims[0], nc = ndims == 2 ? dims[1] : 1;
  values.resize(static_cast<std::size_t>(nr * nc));
  // Rank 0 reads alone (one reader per small array keeps the file system quiet), then shares.
  PetscCall(h5::ReadBlock(comm, path, p, dset.get(), dxpl.get(), Kind<T>::mem(), sizeof(T), 0, rank == 0 ? nr : 0, nc,
                          max_read_bytes, values.data()));
  const std::size_t bytes = values.size() * sizeof(T);
  const std::size_t piece = std::clamp<std::size_t>(max_read_bytes, 1, std::size_t(1) << 30);
  char *base = reinterpret_cast<char *>(values.data());
  for (std::size_t done = 0; done < bytes; done += piece)
    PetscCallMPI(MPI_Bcast(base + done, static_cast<int>(std::min(piece, bytes - done)), MPI_BYTE, 0, comm));
  *out = std::move(values);
  if (rows) *rows = static_cast<std::int64_t>(nr);
  if (cols) *cols = static_cast<std::int64_t>(nc);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::Impl::CloseAll() {
  Impl &im = *this;
  PetscFunctionBeginUser;
  RdH5(path, dxpl.Close());
  RdH5(path, file.Close());
  PetscCallMPI(MPI_Comm_free(&comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

Reader::Reader() : impl_(std::make_unique<Impl>()) {}

Reader::~Reader() {
  if (!impl_) return;
  Impl &im = *impl_;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) {
    // Too late for collective closes (documented: destroy before PetscFinalize); just let go.
    im.dxpl.Release();
    im.file.Release();
    return;
  }
  // Not closed here: this runs while an error unwinds, perhaps on some ranks only, and H5Fclose is collective
  // (its MPI_File_close waits for every rank). The handles wait for comm::ExitAfterError's clean-up.
  if (im.file.valid()) {
    std::vector<hid_t> objects;
    if (im.dxpl.valid()) objects.push_back(im.dxpl.get());
    h5::ParkOpenFile(im.path, false, std::move(objects), im.file.get());
    im.dxpl.Release();
    im.file.Release();
  } else {
    im.dxpl.Reset();
  }
  if (im.comm != MPI_COMM_NULL) MPI_Comm_free(&im.comm);
}

PetscErrorCode Reader::Open(MPI_Comm comm, const std::string &path, std::unique_ptr<Reader> *out) {
  std::unique_ptr<Reader> rd(new Reader());
  Impl &im = *rd->impl_;
  h5::Quiet quiet;
  Id fapl;
  PetscFunctionBeginUser;
  PetscCheck(out, comm, PETSC_ERR_ARG_NULL, "Reader::Open needs somewhere to put the reader (out is null)");
  // Before H5Fopen, whose failure on a missing or foreign file says little.
  PetscCall(h5::CheckIsHdf5File(comm, path));
  PetscCallMPI(MPI_Comm_dup(comm, &im.comm));
  PetscCallMPI(MPI_Comm_rank(im.comm, &im.rank));
  PetscCallMPI(MPI_Comm_size(im.comm, &im.size));
  im.path = path;
  RdH5(path, fapl.Assign(H5Pcreate(H5P_FILE_ACCESS)));
  RdH5(path, H5Pset_fapl_mpio(fapl.get(), im.comm, MPI_INFO_NULL));
  // Independent metadata reads: every rank reads the same bytes, so a damaged file fails alike on every rank.
  // With collective metadata reads (rank 0 reads and broadcasts) a header rank 0 cannot decode left it in a
  // barrier and the others in the broadcast inside H5Fopen, for ever (issue 18).
  RdH5(path, im.file.Assign(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get())));
  RdH5(path, im.dxpl.Assign(H5Pcreate(H5P_DATASET_XFER)));
  RdH5(path, H5Pset_dxpl_mpio(im.dxpl.get(), H5FD_MPIO_COLLECTIVE));
  *out = std::move(rd);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::HasObject(const std::string &path, bool *exists) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("HasObject"));
  PetscCall(im.CheckPath(path));
  PetscCall(h5::PathExists(im.comm, im.path, im.file.get(), path, exists));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::HasAttribute(const std::string &obj_path, const std::string &name, bool *exists) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id obj;
  bool obj_exists;
  htri_t e;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("HasAttribute"));
  PetscCall(im.CheckPath(obj_path));
  PetscCheck(!name.empty(), im.comm, PETSC_ERR_ARG_WRONG, "empty attribute name asked of '%s'", obj_path.c_str());
  PetscCall(h5::PathExists(im.comm, im.path, im.file.get(), obj_path, &obj_exists));
  *exists = false;
  if (!obj_exists) PetscFunctionReturn(PETSC_SUCCESS);
  RdH5(obj_path, obj.Assign(H5Oopen(im.file.get(), obj_path.c_str(), H5P_DEFAULT)));
  RdH5(obj_path + " (attribute " + name + ")", e = H5Aexists(obj.get(), name.c_str()));
  *exists = e > 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::GetAttribute(const std::string &obj_path, const std::string &name, std::string *value) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id obj;
  std::string v;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("GetAttribute"));
  PetscCall(im.OpenObject(obj_path, ("read its attribute " + name).c_str(), &obj));
  PetscCall(h5::ReadAttribute(im.comm, im.path, obj.get(), obj_path, name, &v));
  *value = std::move(v);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::GetAttribute(const std::string &obj_path, const std::string &name, double *value) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id obj;
  double v;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("GetAttribute"));
  PetscCall(im.OpenObject(obj_path, ("read its attribute " + name).c_str(), &obj));
  PetscCall(h5::ReadAttribute(im.comm, im.path, obj.get(), obj_path, name, &v));
  *value = v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::GetAttribute(const std::string &obj_path, const std::string &name, std::int64_t *value) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id obj;
  std::int64_t v;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("GetAttribute"));
  PetscCall(im.OpenObject(obj_path, ("read its attribute " + name).c_str(), &obj));
  PetscCall(h5::ReadAttribute(im.comm, im.path, obj.get(), obj_path, name, &v));
  *value = v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::Shape(const std::string &path, std::vector<std::int64_t> *dims) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id dset;
  std::vector<hsize_t> d;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("Shape"));
  PetscCall(im.OpenDataset(path, -1, H5T_NO_CLASS, nullptr, &dset, &d));
  dims->assign(d.begin(), d.end());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::DatasetLength(const std::string &path, std::int64_t *n) {
  Impl &im = *impl_;
  std::vector<std::int64_t> dims;
  PetscFunctionBeginUser;
  PetscCall(Shape(path, &dims));
  PetscCheck(!dims.empty(), im.comm, PETSC_ERR_FILE_UNEXPECTED,
             "dataset '%s' in '%s' is a scalar; it has no length", path.c_str(), im.path.c_str());
  *n = dims[0];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::ReadSlice(const std::string &path, std::int64_t offset, std::int64_t count, double *out) {
  PetscFunctionBeginUser;
  PetscCall(impl_->ReadSlice(path, offset, count, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::ReadSlice(const std::string &path, std::int64_t offset, std::int64_t count, std::int64_t *out) {
  PetscFunctionBeginUser;
  PetscCall(impl_->ReadSlice(path, offset, count, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::ReadAll(const std::string &path, std::vector<double> *out) {
  PetscFunctionBeginUser;
  PetscCall(impl_->ReadAll(path, 1, nullptr, nullptr, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::ReadAll(const std::string &path, std::vector<std::int64_t> *out) {
  PetscFunctionBeginUser;
  PetscCall(impl_->ReadAll(path, 1, nullptr, nullptr, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::ReadAll2D(const std::string &path, std::int64_t *rows, std::int64_t *cols,
                                 std::vector<double> *out) {
  PetscFunctionBeginUser;
  PetscCall(impl_->ReadAll(path, 2, rows, cols, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::ReadAll2D(const std::string &path, std::int64_t *rows, std::int64_t *cols,
                                 std::vector<std::int64_t> *out) {
  PetscFunctionBeginUser;
  PetscCall(impl_->ReadAll(path, 2, rows, cols, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Reader::Close() {
  h5::Quiet quiet;
  PetscFunctionBeginUser;
  if (!impl_->file.valid()) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(impl_->CloseAll());
  PetscFunctionReturn(PETSC_SUCCESS);
}

const std::string &Reader::Path() const { return impl_->path; }
bool Reader::IsOpen() const { return impl_->file.valid(); }
void Reader::SetMaxReadBytes(std::size_t bytes) { impl_->max_read_bytes = bytes; }
std::size_t Reader::MaxReadBytes() const { return impl_->max_read_bytes; }

PetscErrorCode CheckStateShape(Reader &ck, const std::string &path, std::int64_t total, const std::string &what) {
  std::vector<std::int64_t> dims;
  PetscFunctionBeginUser;
  PetscCall(ck.Shape(path, &dims));
  PetscCheck(dims.size() == 1 && dims[0] == total, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: dataset %s has %zu dimension(s) of length %lld, expected one of %lld (%s); it is damaged or not "
             "this run's, and is not resumed",
             ck.Path().c_str(), path.c_str(), dims.size(), (long long)(dims.empty() ? 0 : dims[0]), (long long)total, what.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckStateValues(Reader &ck, const std::string &path, std::int64_t off, const double *v, std::int64_t n, double lo,
                                double hi, bool whole, const std::string &what) {
  std::string bad;
  PetscFunctionBeginUser;
  for (std::int64_t q = 0; q < n && bad.empty(); ++q) {
    const double x = v[q];
    const char *why = !std::isfinite(x) ? "not finite" : (x < lo || x > hi) ? "outside" : (whole && x != std::floor(x)) ? "not a whole number" : nullptr;
    if (!why) continue;
    char m[320];
    if (why[0] == 'o')
      std::snprintf(m, sizeof m, "entry %lld = %.17g is outside [%.15g, %.15g] (%s)", (long long)(off + q), x, lo, hi, what.c_str());
    else
      std::snprintf(m, sizeof m, "entry %lld = %.17g is %s (%s)", (long long)(off + q), x, why, what.c_str());
    bad = m;
  }
  // The lowest rank with a bad entry speaks for all (io is the one layer beside comm that uses MPI directly).
  int rank = 0, size = 1, who = 0;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  int mine = bad.empty() ? size : rank;
  PetscCallMPI(MPI_Allreduce(&mine, &who, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
  if (who < size) {
    int len = static_cast<int>(bad.size());
    PetscCallMPI(MPI_Bcast(&len, 1, MPI_INT, who, PETSC_COMM_WORLD));
    bad.resize(static_cast<std::size_t>(len));
    PetscCallMPI(MPI_Bcast(bad.data(), len, MPI_CHAR, who, PETSC_COMM_WORLD));
  }
  PetscCheck(bad.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: dataset %s: %s; it is damaged or not this run's, and is not resumed", ck.Path().c_str(), path.c_str(),
             bad.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::io
