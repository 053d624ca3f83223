// HDF5 error detail, quiet scopes, RAII identifiers and collective read primitives for dodge's I/O.
#include "io/h5_util.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace dodge::io::h5 {

std::string LibraryVersion() {
  unsigned maj = 0, min = 0, rel = 0;
  if (H5get_libversion(&maj, &min, &rel) < 0) return "unknown";
#ifdef H5_HAVE_PARALLEL
  const char *kind = " (parallel)";
#else
  const char *kind = " (serial)";
#endif
  return std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel) + kind;
}

namespace {
// HDF5 closes every open file at process exit by default, which after MPI_Finalize (or MPI_Abort) crashes in
// MPI-IO; dodge closes its files itself (ParkOpenFile, LibraryClose). Runs before main, before HDF5 starts.
struct NoCloseAtExit {
  NoCloseAtExit() { (void)H5dont_atexit(); }
} g_no_close_at_exit;

bool g_call_failed = false;
bool g_dropped = false;  // a parked file's HDF5 state was dropped: H5close would touch it

struct Parked {
  std::string path;
  bool writable;
  std::vector<hid_t> objects;
  hid_t file;
};
std::vector<Parked> g_parked;

herr_t FirstEntry(unsigned n, const H5E_error2_t *err, void *ctx) {
  // Walking upward, entry 0 is where HDF5 detected the problem: the most specific message.
  if (n != 0) return 0;
  auto *out = static_cast<std::string *>(ctx);
  *out = std::string(err->func_name ? err->func_name : "?") + ": " + (err->desc ? err->desc : "");
  char minor[256];
  if (H5Eget_msg(err->min_num, nullptr, minor, sizeof(minor)) > 0) *out += std::string(" (") + minor + ")";
  return 1;  // stop after the first entry
}
}  // namespace

std::string ErrorDetail() {
  g_call_failed = true;  // only failure paths ask for the detail
  std::string detail;
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, FirstEntry, &detail) < 0 || detail.empty()) return "no HDF5 error stack";
  return detail;
}

bool AnyCallFailed() { return g_call_failed; }

void ParkOpenFile(const std::string &path, bool writable, std::vector<hid_t> objects, hid_t file) {
  g_parked.push_back({path, writable, std::move(objects), file});
}

namespace {
// Root string attribute `name` = `value` (replacing one), variable-length UTF-8 as the recorder writes them.
herr_t PutRootString(hid_t file, const char *name, const std::string &value) {
  hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = -1;
  herr_t rc = -1;
  if (type >= 0 && space >= 0 && H5Tset_size(type, H5T_VARIABLE) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0) {
    const htri_t has = H5Aexists(file, name);
    if (has >= 0 && (has == 0 || H5Adelete(file, name) >= 0)) {
      attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
      const char *p = value.c_str();
      if (attr >= 0) rc = H5Awrite(attr, type, &p);
    }
  }
  if (attr >= 0) H5Aclose(attr);
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  return rc;
}

herr_t CloseObject(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_GROUP: return H5Gclose(id);
    case H5I_DATASET: return H5Dclose(id);
    case H5I_DATASPACE: return H5Sclose(id);
    case H5I_DATATYPE: return H5Tclose(id);
    case H5I_ATTR: return H5Aclose(id);
    case H5I_GENPROP_LST: return H5Pclose(id);
    default: return -1;
  }
}
}  // namespace

bool CloseParkedFiles(MPI_Comm comm, const std::string &message) {
  Quiet quiet;
  // The same files on every rank (they are opened collectively), and whether any rank saw HDF5 fail.
  int mine[2] = {static_cast<int>(g_parked.size()), g_call_failed ? 1 : 0}, lo[2] = {0, 0}, hi[2] = {0, 0};
  if (MPI_Allreduce(mine, lo, 2, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS ||
      MPI_Allreduce(mine, hi, 2, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
    return false;
  if (g_parked.empty() && hi[0] == 0) {
    LibraryClose();
    return true;
  }
  if (lo[0] != hi[0] || hi[1] != 0) {
    // HDF5 may be in another state on each rank: any close (even the one HDF5 makes in MPI_Finalize) can
    // hang or crash. Leave them open; the caller ends the job without MPI_Finalize.
    g_dropped = true;
    return false;
  }
  herr_t rc = 0;
  for (Parked &f : g_parked) {
    if (f.writable && H5Aexists(f.file, "status") > 0) {
      rc |= PutRootString(f.file, "status", "failed") < 0 ? 1 : 0;
      rc |= PutRootString(f.file, "error", message) < 0 ? 1 : 0;
      rc |= H5Fflush(f.file, H5F_SCOPE_GLOBAL) < 0 ? 1 : 0;
    }
    if (rc) break;  // a write failed now: closing would hang as above
    for (hid_t o : f.objects) rc |= CloseObject(o) < 0 ? 1 : 0;
    rc |= H5Fclose(f.file) < 0 ? 1 : 0;
  }
  int bad = rc ? 1 : 0, any = 1;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
  if (any) {
    g_dropped = true;
    return false;
  }
  g_parked.clear();
  LibraryClose();
  return true;
}

void LibraryClose() {
  if (!g_dropped && g_parked.empty()) (void)H5close();
}

Quiet::Quiet() {
  saved_ = H5Eget_auto2(H5E_DEFAULT, &func_, &data_) >= 0;
  if (saved_) (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Quiet::~Quiet() {
  if (saved_) (void)H5Eset_auto2(H5E_DEFAULT, func_, data_);
}

herr_t Id::Close() {
  if (id_ < 0) return 0;
  herr_t rc;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: rc = H5Fclose(id_); break;
    case H5I_GROUP: rc = H5Gclose(id_); break;
    case H5I_DATASET: rc = H5Dclose(id_); break;
    case H5I_DATASPACE: rc = H5Sclose(id_); break;
    case H5I_DATATYPE: rc = H5Tclose(id_); break;
    case H5I_ATTR: rc = H5Aclose(id_); break;
    case H5I_GENPROP_LST: rc = H5Pclose(id_); break;
    default: rc = -1; break;  // already closed elsewhere or not an identifier we hand out
  }
  id_ = H5I_INVALID_HID;
  return rc;
}

PetscErrorCode CheckAll(MPI_Comm comm, bool ok, PetscErrorCode code, const char *fmt, ...) {
  char msg[1024] = "";
  PetscMPIInt rank, size, mine, first;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (!ok) {
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
  }
  // The lowest failing rank (size if none) speaks for all, so the one printed message is a real one.
  mine = ok ? size : rank;
  PetscCallMPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == size) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, first, comm));
  SETERRQ(comm, code, "%s%s", msg, size > 1 ? (" (seen on rank " + std::to_string(first) + ")").c_str() : "");
}

PetscErrorCode CheckIsHdf5File(MPI_Comm comm, const std::string &path) {
  char msg[1024] = "";
  int ok = 1;
  PetscMPIInt rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  // One rank looks: a stat storm from every rank tells nothing more on a shared file system.
  if (rank == 0) {
    Quiet quiet;
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    const char *problem = nullptr;
    std::string detail;
    if (path.empty()) problem = "the path is empty";
    else if (ec && ec != std::errc::no_such_file_or_directory) problem = "it cannot be examined", detail = ec.message();
    else if (!std::filesystem::exists(st)) problem = "no such file";
    else if (std::filesystem::is_directory(st)) problem = "it is a directory";
    else if (!std::filesystem::is_regular_file(st)) problem = "it is not a regular file";
    else {
      const htri_t is = H5Fis_hdf5(path.c_str());
      if (is == 0) problem = "it is not an HDF5 file";
      else if (is < 0) problem = "it cannot be read", detail = ErrorDetail();
    }
    if (problem) {
      ok = 0;
      std::snprintf(msg, sizeof(msg), "%s%s%s", problem, detail.empty() ? "" : ": ", detail.c_str());
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_OPEN,
             "cannot open '%s': %s; give the path of an HDF5 file written by dodge (output or checkpoint)", path.c_str(),
             msg);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode PathExists(MPI_Comm comm, const std::string &file, hid_t loc, const std::string &p, bool *exists) {
  PetscFunctionBeginUser;
  PetscCheck(!p.empty() && p[0] == '/', comm, PETSC_ERR_ARG_WRONG,
             "'%s' is not an absolute HDF5 path in '%s'; start it with '/' (e.g. /state/x)", p.c_str(), file.c_str());
  *exists = true;
  for (std::size_t pos = p.find('/', 1); *exists; pos = p.find('/', pos + 1)) {
    const std::string prefix = p.substr(0, pos);
    if (prefix == "/") break;  // the root always exists; "/" alone or a trailing '/'
    htri_t e;
    DodgeH5Read(comm, file, prefix, e = H5Lexists(loc, prefix.c_str(), H5P_DEFAULT));
    *exists = e > 0;
    if (pos == std::string::npos) break;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetDims(MPI_Comm comm, const std::string &file, const std::string &object, hid_t dset,
                           std::vector<hsize_t> *dims) {
  Id space;
  int ndims;
  PetscFunctionBeginUser;
  DodgeH5Read(comm, file, object, space.Assign(H5Dget_space(dset)));
  DodgeH5Read(comm, file, object, ndims = H5Sget_simple_extent_ndims(space.get()));
  dims->assign(static_cast<std::size_t>(ndims), 0);
  if (ndims > 0) DodgeH5Read(comm, file, object, H5Sget_simple_extent_dims(space.get(), dims->data(), nullptr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

namespace {
const char *ClassName(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "an integer";
    case H5T_FLOAT: return "a floating-point number";
    case H5T_STRING: return "a string";
    default: return "of another HDF5 type class";
  }
}

// Opens attribute `name` of `obj` and checks it holds one value of type class `want`.
PetscErrorCode OpenAttr(MPI_Comm comm, const std::string &file, hid_t obj, const std::string &objname,
                        const std::string &name, H5T_class_t want, Id *attr, Id *type) {
  const std::string what = objname + " (attribute " + name + ")";
  htri_t exists;
  Id space;
  hssize_t npoints;
  H5T_class_t cls;
  PetscFunctionBeginUser;
  DodgeH5Read(comm, file, what, exists = H5Aexists(obj, name.c_str()));
  PetscCheck(exists > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "'%s' in '%s' has no attribute '%s'; the file was written by another program or version, or before "
             "that attribute was set",
             objname.c_str(), file.c_str(), name.c_str());
  DodgeH5Read(comm, file, what, attr->Assign(H5Aopen(obj, name.c_str(), H5P_DEFAULT)));
  DodgeH5Read(comm, file, what, space.Assign(H5Aget_space(attr->get())));
  DodgeH5Read(comm, file, what, npoints = H5Sget_simple_extent_npoints(space.get()));
  PetscCheck(npoints == 1, comm, PETSC_ERR_FILE_UNEXPECTED,
             "attribute '%s' of '%s' in '%s' holds %lld values; dodge expects a single value", name.c_str(),
             objname.c_str(), file.c_str(), static_cast<long long>(npoints));
  DodgeH5Read(comm, file, what, type->Assign(H5Aget_type(attr->get())));
  DodgeH5Read(comm, file, what, cls = H5Tget_class(type->get()));
  PetscCheck(cls == want, comm, PETSC_ERR_FILE_UNEXPECTED, "attribute '%s' of '%s' in '%s' is %s, not %s",
             name.c_str(), objname.c_str(), file.c_str(), ClassName(cls), ClassName(want));
  PetscFunctionReturn(PETSC_SUCCESS);
}
}  // namespace

PetscErrorCode ReadAttribute(MPI_Comm comm, const std::string &file, hid_t obj, const std::string &objname,
                             const std::string &name, std::string *value) {
  const std::string what = objname + " (attribute " + name + ")";
  Id attr, type, mem;
  htri_t variable;
  H5T_cset_t cset;
  PetscFunctionBeginUser;
  PetscCall(OpenAttr(comm, file, obj, objname, name, H5T_STRING, &attr, &type));
  DodgeH5Read(comm, file, what, variable = H5Tis_variable_str(type.get()));
  DodgeH5Read(comm, file, what, cset = H5Tget_cset(type.get()));
  DodgeH5Read(comm, file, what, mem.Assign(H5Tcopy(H5T_C_S1)));
  DodgeH5Read(comm, file, what, H5Tset_cset(mem.get(), cset));  // HDF5 does not convert between character sets
  if (variable > 0) {
    char *s = nullptr;
    DodgeH5Read(comm, file, what, H5Tset_size(mem.get(), H5T_VARIABLE));
    DodgeH5Read(comm, file, what, H5Aread(attr.get(), mem.get(), &s));
    *value = s ? s : "";
    if (s) DodgeH5Read(comm, file, what, H5free_memory(s));
  } else {
    // Fixed length (e.g. numpy bytes from h5py): read null-padded, one spare byte keeps it terminated.
    const std::size_t size = H5Tget_size(type.get());
    PetscCheck(size > 0, comm, PETSC_ERR_FILE_READ, "cannot get the string length of %s in '%s'", what.c_str(),
               file.c_str());
    std::vector<char> buf(size + 1, '\0');
    DodgeH5Read(comm, file, what, H5Tset_size(mem.get(), size));
    DodgeH5Read(comm, file, what, H5Tset_strpad(mem.get(), H5T_STR_NULLPAD));
    DodgeH5Read(comm, file, what, H5Aread(attr.get(), mem.get(), buf.data()));
    value->assign(buf.data(), strnlen(buf.data(), size));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ReadAttribute(MPI_Comm comm, const std::string &file, hid_t obj, const std::string &objname,
                             const std::string &name, double *value) {
  Id attr, type;
  PetscFunctionBeginUser;
  PetscCall(OpenAttr(comm, file, obj, objname, name, H5T_FLOAT, &attr, &type));
  DodgeH5Read(comm, file, objname + " (attribute " + name + ")", H5Aread(attr.get(), H5T_NATIVE_DOUBLE, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ReadAttribute(MPI_Comm comm, const std::string &file, hid_t obj, const std::string &objname,
                             const std::string &name, std::int64_t *value) {
  Id attr, type;
  PetscFunctionBeginUser;
  PetscCall(OpenAttr(comm, file, obj, objname, name, H5T_INTEGER, &attr, &type));
  DodgeH5Read(comm, file, objname + " (attribute " + name + ")", H5Aread(attr.get(), H5T_NATIVE_INT64, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

namespace {
herr_t CollectLink(hid_t, const char *name, const H5L_info_t *info, void *ctx) {
  if (info->type == H5L_TYPE_HARD) static_cast<std::vector<std::string> *>(ctx)->push_back(name);
  return 0;
}
}  // namespace

PetscErrorCode ListDatasets(MPI_Comm comm, const std::string &file, const std::string &groupname, hid_t group,
                            std::vector<std::string> *names) {
  std::vector<std::string> links;
  PetscFunctionBeginUser;
  names->clear();
  DodgeH5Read(comm, file, groupname, H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, CollectLink, &links));
  for (const std::string &l : links) {
    Id obj;
    H5I_type_t kind;
    DodgeH5Read(comm, file, groupname + "/" + l, obj.Assign(H5Oopen(group, l.c_str(), H5P_DEFAULT)));
    DodgeH5Read(comm, file, groupname + "/" + l, kind = H5Iget_type(obj.get()));
    if (kind == H5I_DATASET) names->push_back(l);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ReadBlock(MPI_Comm comm, const std::string &file, const std::string &object, hid_t dset, hid_t dxpl,
                         hid_t memtype, std::size_t elem, hsize_t row0, hsize_t nrows, hsize_t ncols,
                         std::size_t max_bytes, void *buf) {
  struct Piece {
    hsize_t row, col, nrows, ncols, offset;  // offset: first element in buf
  };
  std::vector<Piece> pieces;
  Id fspace, mspace;
  static double dummy = 0;  // a valid address for ranks that read nothing
  int ndims;
  PetscFunctionBeginUser;
  const hsize_t max_elems = std::max<hsize_t>(1, max_bytes / elem);
  if (nrows > 0 && ncols > 0) {
    if (ncols <= max_elems) {
      const hsize_t step = max_elems / ncols;  // whole rows per piece
      for (hsize_t r = 0; r < nrows; r += step)
        pieces.push_back({row0 + r, 0, std::min(step, nrows - r), ncols, r * ncols});
    } else {
      for (hsize_t r = 0; r < nrows; ++r)  // one row is too big: cut it
        for (hsize_t c = 0; c < ncols; c += max_elems)
          pieces.push_back({row0 + r, c, 1, std::min(max_elems, ncols - c), r * ncols + c});
    }
  }
  const std::int64_t mine = static_cast<std::int64_t>(pieces.size());
  std::int64_t calls = 0;
  PetscCallMPI(MPI_Allreduce(&mine, &calls, 1, MPI_INT64_T, MPI_MAX, comm));
  DodgeH5Read(comm, file, object, fspace.Assign(H5Dget_space(dset)));
  DodgeH5Read(comm, file, object, ndims = H5Sget_simple_extent_ndims(fspace.get()));
  // A failure inside the loop is only remembered: this rank keeps taking part with empty selections
  // (returning early would leave the others waiting in H5Dread), and all ranks decide together after.
  bool ok = true;
  std::string failure;
  char *base = static_cast<char *>(buf);
  for (std::int64_t i = 0; i < calls; ++i) {
    void *ptr = &dummy;
    bool selected = false;
    if (i < mine && ok) {
      const Piece &pc = pieces[static_cast<std::size_t>(i)];
      const hsize_t start[2] = {pc.row, pc.col}, count[2] = {pc.nrows, pc.ncols};  // rank 1 uses entry 0 only
      // Memory shaped like the file selection, as in the recorder's writes: HDF5's fast same-shape path.
      selected = H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) >= 0 &&
                 mspace.Assign(H5Screate_simple(ndims, count, nullptr)) >= 0;
      if (!selected) ok = false, failure = "selecting rows of the block: " + ErrorDetail();
      ptr = base + pc.offset * elem;
    }
    if (!selected) {
      const hsize_t one = 1;
      DodgeH5Read(comm, file, object, H5Sselect_none(fspace.get()));
      DodgeH5Read(comm, file, object, mspace.Assign(H5Screate_simple(1, &one, nullptr)));
      DodgeH5Read(comm, file, object, H5Sselect_none(mspace.get()));
      ptr = &dummy;
    }
    if (H5Dread(dset, memtype, mspace.get(), fspace.get(), dxpl, ptr) < 0 && ok)
      ok = false, failure = "H5Dread: " + ErrorDetail();
  }
  PetscCall(CheckAll(comm, ok, PETSC_ERR_FILE_READ,
                     "reading '%s' from '%s' failed (%s); check that the file is complete and not being written",
                     object.c_str(), file.c_str(), failure.c_str()));
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::vector<std::string> SplitLines(const std::string &joined) {
  std::vector<std::string> names;
  if (joined.empty()) return names;
  std::size_t start = 0;
  for (std::size_t nl; (nl = joined.find('\n', start)) != std::string::npos; start = nl + 1)
    names.push_back(joined.substr(start, nl - start));
  names.push_back(joined.substr(start));
  return names;
}

std::string JoinLines(const std::vector<std::string> &names) {
  std::string joined;
  for (std::size_t i = 0; i < names.size(); ++i) joined += (i ? "\n" : "") + names[i];
  return joined;
}

}  // namespace dodge::io::h5
