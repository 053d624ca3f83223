// Collective HDF5 writer of dodge's output file: MPI-IO, collective metadata and raw data, split large writes.
#include "io/recorder.hpp"

#include "core/block.hpp"
#include "core/events.hpp"
#include "io/cf.hpp"
#include "io/h5_util.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <system_error>

namespace dodge::io {

namespace {

using h5::Id;

// MPI-IO counts bytes in int: one rank must never move 2 GiB in one call. 1 GiB leaves room for
// datatype overheads inside MPI-IO implementations.
constexpr std::size_t kDefaultMaxWriteBytes = std::size_t(1) << 30;
// Chunks bigger than a few MiB make partial reads (one agent's trajectory) slow and defeat HDF5's cache.
constexpr hsize_t kMaxChunkBytes = hsize_t(4) << 20;
constexpr hsize_t kSeriesChunk = 4096;

static_assert(sizeof(hid_t) == 8, "dodge needs HDF5 >= 1.10 (64-bit identifiers)");

long long ll(std::int64_t v) { return static_cast<long long>(v); }

// File types are explicit little-endian so files are identical on every machine; memory types native.
template <typename T>
struct Types;
template <>
struct Types<double> {
  static hid_t file() { return H5T_IEEE_F64LE; }
  static hid_t mem() { return H5T_NATIVE_DOUBLE; }
};
template <>
struct Types<std::int64_t> {
  static hid_t file() { return H5T_STD_I64LE; }
  static hid_t mem() { return H5T_NATIVE_INT64; }
};

// Names of series and agent fields become one path component.
bool ValidName(const std::string &name) { return !name.empty() && name.find('/') == std::string::npos; }

bool ValidPath(const std::string &path) {
  return !path.empty() && path.back() != '/' && path.find("//") == std::string::npos;
}

// Relative input paths live under /inputs; absolute ones are the caller's choice.
std::string InputPath(const std::string &path) { return (!path.empty() && path[0] == '/') ? path : "/inputs/" + path; }

// "/a/b/c" -> "/a/b" and "c"; "/c" -> "/" and "c".
std::string ParentOf(const std::string &p) {
  const std::size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}
std::string BaseOf(const std::string &p) { return p.substr(p.rfind('/') + 1); }
// "/inputs/problem/x" -> "/inputs": the group whose own coordinates a dataset's dimensions use.
std::string TopOf(const std::string &p) { return p.substr(0, p.find('/', 1)); }

using cf::kDimWithoutVariable;
// The hidden attribute netCDF-4 keeps a dimension's id in; ids are unique in the file.
constexpr const char *kDimIdAttr = "_Netcdf4Dimid";
// netCDF-C needs creation order tracked and indexed on every group and dataset to keep attributes
// and variables in order (and for some operations at all).
constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

}  // namespace

// HDF5 call checked against this recorder's communicator and file.
#define RecH5(object, expr) DodgeH5CallNamed(im.comm, im.path, object, expr, #expr)
// Same for the reads that rediscover a reopened file's layout.
#define RecRead(object, expr) DodgeH5ReadNamed(im.comm, im.path, object, expr, #expr)

// Fails on every rank of `comm` when `ok` is false on any of them: the ranks that saw the problem say
// what it is, the others that another rank rejected the call. Lets per-rank arguments be validated
// without leaving some ranks behind in the next collective call (architecture.md §7).
#define DodgeCheckAll(comm, ok, code, ...)                                                                     \
  do {                                                                                                          \
    int dodge_ok_ = (ok) ? 1 : 0, dodge_all_ = 0;                                                               \
    PetscCallMPI(MPI_Allreduce(&dodge_ok_, &dodge_all_, 1, MPI_INT, MPI_MIN, comm));                            \
    PetscCheck(dodge_ok_, PETSC_COMM_SELF, code, __VA_ARGS__);                                                  \
    PetscCheck(dodge_all_, PETSC_COMM_SELF, code,                                                               \
               "another rank rejected the arguments of this collective recorder call (see its message)");      \
  } while (0)

struct Recorder::Impl {
  struct Named {
    std::string path;
    Id dset;
    int width = 1;  // agent fields: values per (record, agent); 1 is a 2-D dataset, more a 3-D one
  };

  MPI_Comm comm = MPI_COMM_NULL;  // our duplicate: the recorder's own reductions never meet the caller's
  PetscMPIInt rank = 0, size = 1;
  std::string path;
  Id file, dxpl, str_type;
  std::size_t max_write_bytes = kDefaultMaxWriteBytes;

  std::int64_t T = -1;  // -1: no time axis yet
  Id time;
  std::vector<Named> series;

  bool agents_defined = false;
  std::int64_t nsel_global = 0, sel_offset = 0, nsel_local = 0, nrecords = 0, records_per_flush = 1;
  Id agent_axis, record_axis;
  std::vector<Named> fields;

  std::int64_t n_agents_all = -1;  // length of /inputs/agent_id, -1 until the first per-agent array
  Id agent_id;

  // netCDF-4: the next free dimension id, and the copies of the time coordinate that groups other than
  // /series use (a netCDF dimension is only visible in its group and the groups below it).
  int next_dimid = 0;
  std::vector<double> time_values;  // rank 0: the values of /series/time, once known
  bool time_values_known = false;
  std::string time_units, time_long_name;  // dodge's texts for the time axis (the copies repeat them)
  std::map<std::string, Id> time_copies;  // top group ("/inputs") -> its "time" coordinate
  std::map<std::string, Id> agent_copies;  // top group other than /inputs ("/summary") -> its "agent_id"

  bool reopened = false;     // made by Open rather than Create
  bool slice_known = true;   // false after Open until RebindAgentAxis: this rank's agent slice is not in the file

  PetscErrorCode CheckOpen(const char *call) const;
  PetscErrorCode CheckSame(std::initializer_list<std::int64_t> values, const std::string &what) const;
  PetscErrorCode CheckTiling(std::int64_t offset, std::int64_t n_local, std::int64_t n_global,
                             const std::string &what) const;
  PetscErrorCode PathExists(const std::string &p, bool *exists);
  // Opens the existing group or dataset an attribute goes on (collective; fails on every rank if absent).
  PetscErrorCode OpenAttributeTarget(const std::string &obj_path, const std::string &name, Id *obj);
  PetscErrorCode WriteAttr(hid_t obj, const std::string &objname, const std::string &name, hid_t filetype,
                           hid_t memtype, const void *buf);
  PetscErrorCode WriteStringAttr(hid_t obj, const std::string &objname, const std::string &name,
                                 const std::string &value);
  // Creates the missing groups of `group` (absolute), each with creation order tracked (netCDF-4).
  PetscErrorCode EnsureGroup(const std::string &group);
  // netCDF-4 dimensions: `dset` becomes the coordinate variable of the dimension named as it is
  // (MakeCoordinate), or a dimension of length `len` without a variable is created at `p` (MakeDimension).
  PetscErrorCode MakeCoordinate(hid_t dset, const std::string &p);
  PetscErrorCode MakeDimension(const std::string &p, hsize_t len, Id *dim);
  // Attaches `scales[d]` to dimension d of `dset`; where it is invalid, a dimension without a variable
  // named <dataset>_<suffixes[d]> is made beside the dataset, so every dimension is a netCDF dimension.
  PetscErrorCode AttachDims(hid_t dset, const std::string &p, int ndims, const hsize_t *dims, const hid_t *scales,
                            const char *const *suffixes);
  // The time coordinate for a dataset at `p`: /series/time under /series, else a copy in p's top group.
  PetscErrorCode TimeCoordinateFor(const std::string &p, hid_t *scale_id);
  // CF attributes of a time coordinate (standard_name, axis, calendar) when `units` is "<unit> since <ref>".
  PetscErrorCode WriteTimeAttrs(hid_t dset, const std::string &p, const std::string &units);
  // Open: the largest _Netcdf4Dimid in the file plus one.
  PetscErrorCode FindNextDimid();
  PetscErrorCode CreateDataset(const std::string &p, hid_t type, int ndims, const hsize_t *dims, const hsize_t *chunk,
                               bool fill_nan, const std::string &units, const std::string &long_name, Id *dset);
  PetscErrorCode WriteBlock(hid_t dset, const std::string &p, hid_t memtype, std::size_t elem, hsize_t row0,
                            hsize_t col0, hsize_t nrows, hsize_t ncols, const void *buf, hsize_t width = 1);
  PetscErrorCode ResolveScale(const std::string &scale, std::int64_t n, const std::string &p, hid_t *scale_id);
  PetscErrorCode EnsureAgentId(std::int64_t n, const std::string &p);
  // Creates `id_path`, the agent coordinate 0..n-1, written in even blocks.
  PetscErrorCode WriteAgentIds(const std::string &id_path, std::int64_t n, Id *out);
  // `copies[top]`, the coordinate `top + "/" + name` of a top group: opened if the file has it (a reopened
  // file), else made by `make(path, &id)`; netCDF dimensions are visible only in their group and below.
  template <typename Make>
  PetscErrorCode CoordinateCopy(std::map<std::string, Id> &copies, const std::string &top, const char *name,
                                Make &&make, hid_t *scale_id);
  // The agent coordinate a dataset at `p` uses: /inputs/agent_id in /inputs, otherwise a copy in p's own
  // top group, made on first use (netCDF dimensions are visible only in their group and its subgroups).
  PetscErrorCode AgentCoordinateFor(std::int64_t n, const std::string &p, hid_t *scale_id);
  PetscErrorCode CloseAll();
  // Create and Open: the transfer property list and string type every write uses.
  PetscErrorCode MakeTransferTypes();
  // Rewrites the string attribute `attr` of `group` listing the names of `items` (paths under `group`).
  PetscErrorCode WriteOrder(const std::string &group, const std::string &attr, const std::vector<Named> &items);
  // Open: fills T, series, the agent axis and fields, and /inputs/agent_id from the file.
  PetscErrorCode Rediscover();
  // Open: the datasets under `group` in the order of its attribute `attr`, or in name order without it,
  // leaving out `reserved`; each must have dimensions `dims`, or with `trailing_width` also `dims` plus
  // one more dimension, whose length becomes the item's width.
  PetscErrorCode OpenOrdered(const std::string &group, const std::string &attr,
                             std::initializer_list<const char *> reserved, const std::vector<hsize_t> &dims,
                             bool trailing_width, std::vector<Named> *items);
  template <typename F>
  void ForEachHandle(F &&f);  // every handle, datasets first and the file last
};

PetscErrorCode Recorder::Impl::CheckOpen(const char *call) const {
  PetscFunctionBeginUser;
  // PETSC_COMM_SELF: after Close() our communicator is gone; every rank fails here alike anyway.
  PetscCheck(file.valid(), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "Recorder::%s called on '%s' after Close(); write everything before closing", call, path.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::CheckSame(std::initializer_list<std::int64_t> values, const std::string &what) const {
  // Lengths shape the file's metadata; ranks that disagree would silently corrupt it. One reduction
  // of (v, -v) gives every value's max and min.
  std::vector<std::int64_t> mine, ext(2 * values.size());
  PetscFunctionBeginUser;
  for (std::int64_t v : values) mine.push_back(v);
  for (std::int64_t v : values) mine.push_back(-v);
  PetscCallMPI(MPI_Allreduce(mine.data(), ext.data(), static_cast<int>(ext.size()), MPI_INT64_T, MPI_MAX, comm));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::int64_t hi = ext[i], lo = -ext[values.size() + i];
    PetscCheck(hi == lo, comm, PETSC_ERR_ARG_INCOMP,
               "%s: argument %zu differs across ranks (from %lld to %lld) in '%s'; pass the same value on every rank",
               what.c_str(), i + 1, ll(lo), ll(hi), path.c_str());
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::CheckTiling(std::int64_t offset, std::int64_t n_local, std::int64_t n_global,
                                           const std::string &what) const {
  std::int64_t before = 0, total = 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Exscan(&n_local, &before, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rank == 0) before = 0;  // MPI_Exscan leaves rank 0's result undefined
  PetscCallMPI(MPI_Allreduce(&n_local, &total, 1, MPI_INT64_T, MPI_SUM, comm));
  DodgeCheckAll(comm, n_local >= 0 && offset == before, PETSC_ERR_ARG_OUTOFRANGE,
                "%s: rank %d writes %lld entries from offset %lld, but the ranks before it hold %lld; slices must tile "
                "[0, n) in rank order",
                what.c_str(), rank, ll(n_local), ll(offset), ll(before));
  PetscCheck(total == n_global, comm, PETSC_ERR_ARG_SIZ,
             "%s: the ranks' slices hold %lld entries in all but the global length is %lld; they must cover it exactly",
             what.c_str(), ll(total), ll(n_global));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::PathExists(const std::string &p, bool *exists) {
  Impl &im = *this;
  PetscFunctionBeginUser;
  // HDF5 1.10's H5Lexists fails (rather than answering false) when an intermediate group is missing,
  // so test each prefix in turn.
  *exists = true;
  for (std::size_t pos = p.find('/', 1); *exists; pos = p.find('/', pos + 1)) {
    const std::string prefix = p.substr(0, pos);
    if (prefix.empty() || prefix == "/") break;
    htri_t e;
    RecH5(prefix, e = H5Lexists(file.get(), prefix.c_str(), H5P_DEFAULT));
    *exists = e > 0;
    if (pos == std::string::npos) break;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::OpenAttributeTarget(const std::string &obj_path, const std::string &name, Id *obj) {
  Impl &im = *this;
  bool exists;
  PetscFunctionBeginUser;
  PetscCall(CheckOpen("SetAttribute"));
  PetscCall(PathExists(obj_path, &exists));
  PetscCheck(exists, comm, PETSC_ERR_ARG_WRONG,
             "cannot set attribute '%s' on '%s' in '%s': no such group or dataset; create it first", name.c_str(),
             obj_path.c_str(), path.c_str());
  RecH5(obj_path, obj->Assign(H5Oopen(file.get(), obj_path.c_str(), H5P_DEFAULT)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::WriteAttr(hid_t obj, const std::string &objname, const std::string &name,
                                         hid_t filetype, hid_t memtype, const void *buf) {
  Impl &im = *this;
  const std::string what = objname + " (attribute " + name + ")";
  htri_t exists;
  Id space, attr;
  PetscFunctionBeginUser;
  PetscCheck(!name.empty(), comm, PETSC_ERR_ARG_WRONG, "empty attribute name on '%s'; give it a name", objname.c_str());
  // Replace rather than overwrite: the new value may have another type or string length.
  RecH5(what, exists = H5Aexists(obj, name.c_str()));
  if (exists > 0) RecH5(what, H5Adelete(obj, name.c_str()));
  RecH5(what, space.Assign(H5Screate(H5S_SCALAR)));
  RecH5(what, attr.Assign(H5Acreate2(obj, name.c_str(), filetype, space.get(), H5P_DEFAULT, H5P_DEFAULT)));
  RecH5(what, H5Awrite(attr.get(), memtype, buf));
  RecH5(what, attr.Close());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::WriteStringAttr(hid_t obj, const std::string &objname, const std::string &name,
                                               const std::string &value) {
  const char *cstr = value.c_str();
  PetscFunctionBeginUser;
  PetscCall(WriteAttr(obj, objname, name, str_type.get(), str_type.get(), &cstr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::CreateDataset(const std::string &p, hid_t type, int ndims, const hsize_t *dims,
                                             const hsize_t *chunk, bool fill_nan, const std::string &units,
                                             const std::string &long_name, Id *dset) {
  Impl &im = *this;
  bool exists;
  Id space, dcpl, lcpl;
  PetscFunctionBeginUser;
  PetscCheck(ValidPath(p), comm, PETSC_ERR_ARG_WRONG,
             "invalid dataset path '%s' for '%s'; use names separated by single '/'", p.c_str(), path.c_str());
  PetscCall(PathExists(p, &exists));
  PetscCheck(!exists, comm, PETSC_ERR_ARG_WRONG,
             "'%s' already exists in '%s'; every dataset of the output file must have its own name", p.c_str(),
             path.c_str());
  PetscCall(EnsureGroup(ParentOf(p)));
  RecH5(p, space.Assign(H5Screate_simple(ndims, dims, nullptr)));
  RecH5(p, dcpl.Assign(H5Pcreate(H5P_DATASET_CREATE)));
  RecH5(p, H5Pset_attr_creation_order(dcpl.get(), kCreationOrder));
  bool chunked = chunk != nullptr;
  for (int d = 0; d < ndims; ++d) chunked = chunked && dims[d] > 0;  // HDF5 rejects zero-sized chunks
  if (chunked) RecH5(p, H5Pset_chunk(dcpl.get(), ndims, chunk));
  if (fill_nan) {
    // Parallel HDF5 allocates space at creation and fills it, so unwritten steps read back as NaN.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    RecH5(p, H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan));
    RecH5(p, H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC));
  } else {
    // Written in full right away: filling first would write every byte twice.
    RecH5(p, H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER));
  }
  RecH5(p, lcpl.Assign(H5Pcreate(H5P_LINK_CREATE)));
  RecH5(p, H5Pset_create_intermediate_group(lcpl.get(), 1));
  RecH5(p, dset->Assign(H5Dcreate2(file.get(), p.c_str(), type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT)));
  // CF: UDUNITS units; what UDUNITS cannot say (per-unit base, currency, dodge's own text) beside them.
  const cf::Units u = cf::ToCf(units, long_name);
  PetscCall(WriteStringAttr(dset->get(), p, "units", u.units));
  PetscCall(WriteStringAttr(dset->get(), p, "long_name", u.long_name));
  for (const auto &[k, v] : u.attrs) PetscCall(WriteStringAttr(dset->get(), p, k, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::EnsureGroup(const std::string &group) {
  Impl &im = *this;
  PetscFunctionBeginUser;
  if (group == "/") PetscFunctionReturn(PETSC_SUCCESS);
  bool exists;
  PetscCall(PathExists(group, &exists));
  if (exists) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(EnsureGroup(ParentOf(group)));
  Id gcpl, g;
  RecH5(group, gcpl.Assign(H5Pcreate(H5P_GROUP_CREATE)));
  RecH5(group, H5Pset_link_creation_order(gcpl.get(), kCreationOrder));
  RecH5(group, H5Pset_attr_creation_order(gcpl.get(), kCreationOrder));
  RecH5(group, g.Assign(H5Gcreate2(file.get(), group.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT)));
  RecH5(group, g.Close());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::MakeCoordinate(hid_t dset, const std::string &p) {
  Impl &im = *this;
  const int dimid = next_dimid++;
  PetscFunctionBeginUser;
  // netCDF names the dimension after the dataset; NAME says the same for HDF5 tools.
  RecH5(p, H5DSset_scale(dset, BaseOf(p).c_str()));
  PetscCall(WriteAttr(dset, p, kDimIdAttr, H5T_STD_I32LE, H5T_NATIVE_INT, &dimid));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::MakeDimension(const std::string &p, hsize_t len, Id *dim) {
  Impl &im = *this;
  bool exists;
  Id space, dcpl;
  char name[128];
  const int dimid = next_dimid++;
  PetscFunctionBeginUser;
  PetscCall(PathExists(p, &exists));
  PetscCheck(!exists, comm, PETSC_ERR_ARG_WRONG,
             "'%s' already exists in '%s' but is needed as the netCDF dimension of a dataset beside it; rename one",
             p.c_str(), path.c_str());
  PetscCall(EnsureGroup(ParentOf(p)));
  // As netCDF-C makes it: a float dataset of the dimension's length that is never written.
  RecH5(p, space.Assign(H5Screate_simple(1, &len, nullptr)));
  RecH5(p, dcpl.Assign(H5Pcreate(H5P_DATASET_CREATE)));
  RecH5(p, H5Pset_attr_creation_order(dcpl.get(), kCreationOrder));
  RecH5(p, H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER));
  RecH5(p, dim->Assign(H5Dcreate2(file.get(), p.c_str(), H5T_IEEE_F32BE, space.get(), H5P_DEFAULT, dcpl.get(),
                                  H5P_DEFAULT)));
  std::snprintf(name, sizeof(name), "%s%10d", kDimWithoutVariable, static_cast<int>(len));
  RecH5(p, H5DSset_scale(dim->get(), name));
  PetscCall(WriteAttr(dim->get(), p, kDimIdAttr, H5T_STD_I32LE, H5T_NATIVE_INT, &dimid));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::AttachDims(hid_t dset, const std::string &p, int ndims, const hsize_t *dims,
                                          const hid_t *scales, const char *const *suffixes) {
  Impl &im = *this;
  PetscFunctionBeginUser;
  for (int d = 0; d < ndims; ++d) {
    if (scales[d] >= 0) {
      RecH5(p, H5DSattach_scale(dset, scales[d], static_cast<unsigned>(d)));
    } else {
      Id dim;
      PetscCall(MakeDimension(p + "_" + suffixes[d], dims[d], &dim));
      RecH5(p, H5DSattach_scale(dset, dim.get(), static_cast<unsigned>(d)));
      RecH5(p, dim.Close());
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::WriteTimeAttrs(hid_t dset, const std::string &p, const std::string &units) {
  PetscFunctionBeginUser;
  if (cf::IsTimeReference(cf::ToCf(units, "").units)) {
    PetscCall(WriteStringAttr(dset, p, "standard_name", "time"));
    PetscCall(WriteStringAttr(dset, p, "axis", "T"));
    PetscCall(WriteStringAttr(dset, p, "calendar", "standard"));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::TimeCoordinateFor(const std::string &p, hid_t *scale_id) {
  PetscFunctionBeginUser;
  const std::string top = TopOf(p);
  if (top == "/series" || top == p) {
    *scale_id = time.get();
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  auto make = [&](const std::string &cp, Id *copy) -> PetscErrorCode {
    PetscFunctionBeginUser;
    const hsize_t n = static_cast<hsize_t>(T);
    if (!time_values_known) {  // reopened file: the values are in /series/time
      time_values.assign(rank == 0 ? static_cast<std::size_t>(T) : 0, 0.0);
      PetscCall(h5::ReadBlock(comm, path, "/series/time", time.get(), dxpl.get(), H5T_NATIVE_DOUBLE, sizeof(double),
                              0, rank == 0 ? n : 0, 1, max_write_bytes, time_values.data()));
      time_values_known = true;
    }
    PetscCall(CreateDataset(cp, H5T_IEEE_F64LE, 1, &n, nullptr, false, time_units, time_long_name, copy));
    PetscCall(WriteBlock(copy->get(), cp, H5T_NATIVE_DOUBLE, sizeof(double), 0, 0, rank == 0 ? n : 0, 1,
                         time_values.data()));
    PetscCall(MakeCoordinate(copy->get(), cp));
    PetscCall(WriteTimeAttrs(copy->get(), cp, time_units));
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  PetscCall(CoordinateCopy(time_copies, top, "time", make, scale_id));
  PetscFunctionReturn(PETSC_SUCCESS);
}

namespace {
herr_t MaxDimid(hid_t loc, const char *name, const H5L_info_t *info, void *ctx) {
  if (info->type != H5L_TYPE_HARD) return 0;
  const hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
  if (obj < 0) return -1;
  int id = -1;
  if (H5Aexists(obj, kDimIdAttr) > 0) {
    const hid_t a = H5Aopen(obj, kDimIdAttr, H5P_DEFAULT);
    if (a < 0 || H5Aread(a, H5T_NATIVE_INT, &id) < 0) id = -1;
    if (a >= 0) H5Aclose(a);
  }
  H5Oclose(obj);
  int *next = static_cast<int *>(ctx);
  *next = std::max(*next, id + 1);
  return 0;
}
}  // namespace

PetscErrorCode Recorder::Impl::FindNextDimid() {
  Impl &im = *this;
  PetscFunctionBeginUser;
  next_dimid = 0;
  RecRead(path, H5Lvisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, MaxDimid, &next_dimid));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Writes this rank's block rows [row0, row0 + nrows) x columns [col0, col0 + ncols) of a rank-1
// (ncols == 1, col0 == 0, width == 1), rank-2 (width == 1) or rank-3 dataset (all `width` entries of its
// last dimension) from row-major `buf`. Collective: each rank's block is cut into pieces of at most
// max_write_bytes, and every rank makes as many H5Dwrite calls as the rank with the most pieces,
// selecting nothing once its own are done.
PetscErrorCode Recorder::Impl::WriteBlock(hid_t dset, const std::string &p, hid_t memtype, std::size_t elem,
                                          hsize_t row0, hsize_t col0, hsize_t nrows, hsize_t ncols, const void *buf,
                                          hsize_t width) {
  Impl &im = *this;
  struct Piece {
    hsize_t row, col, comp, nrows, ncols, ncomp, offset;  // offset: first element in buf
  };
  std::vector<Piece> pieces;
  Id fspace, mspace;
  static const double dummy = 0;  // a valid address for ranks that write nothing
  PetscFunctionBeginUser;
  const hsize_t max_elems = std::max<hsize_t>(1, max_write_bytes / elem);
  if (nrows > 0 && ncols > 0 && width > 0) {
    const hsize_t row_elems = ncols * width;
    // Largest pieces that are still one hyperslab: whole rows, else whole cells of one row, else parts
    // of one cell. With width 1 the last case never arises.
    if (row_elems <= max_elems) {
      const hsize_t step = max_elems / row_elems;
      for (hsize_t r = 0; r < nrows; r += step)
        pieces.push_back({row0 + r, col0, 0, std::min(step, nrows - r), ncols, width, r * row_elems});
    } else if (width <= max_elems) {
      const hsize_t step = max_elems / width;
      for (hsize_t r = 0; r < nrows; ++r)
        for (hsize_t c = 0; c < ncols; c += step)
          pieces.push_back({row0 + r, col0 + c, 0, 1, std::min(step, ncols - c), width, (r * ncols + c) * width});
    } else {
      for (hsize_t r = 0; r < nrows; ++r)
        for (hsize_t c = 0; c < ncols; ++c)
          for (hsize_t k = 0; k < width; k += max_elems)
            pieces.push_back(
                {row0 + r, col0 + c, k, 1, 1, std::min(max_elems, width - k), (r * ncols + c) * width + k});
    }
  }
  const std::int64_t mine = static_cast<std::int64_t>(pieces.size());
  std::int64_t calls = 0;
  PetscCallMPI(MPI_Allreduce(&mine, &calls, 1, MPI_INT64_T, MPI_MAX, comm));
  RecH5(p, fspace.Assign(H5Dget_space(dset)));
  int ndims;
  RecH5(p, ndims = H5Sget_simple_extent_ndims(fspace.get()));
  const char *base = static_cast<const char *>(buf);
  for (std::int64_t i = 0; i < calls; ++i) {
    const void *ptr = &dummy;
    if (i < mine) {
      const Piece &pc = pieces[static_cast<std::size_t>(i)];
      // A rank-1 dataset uses entry 0 only, a rank-2 one entries 0 and 1.
      const hsize_t start[3] = {pc.row, pc.col, pc.comp}, count[3] = {pc.nrows, pc.ncols, pc.ncomp};
      RecH5(p, H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr));
      // Memory shaped like the file selection: HDF5 then maps each chunk's part with its fast
      // same-shape path (a flat memory space made multi-row writes ~10x slower).
      RecH5(p, mspace.Assign(H5Screate_simple(ndims, count, nullptr)));
      ptr = base + pc.offset * elem;
    } else {
      const hsize_t one = 1;
      RecH5(p, H5Sselect_none(fspace.get()));
      RecH5(p, mspace.Assign(H5Screate_simple(1, &one, nullptr)));
      RecH5(p, H5Sselect_none(mspace.get()));
    }
    RecH5(p, H5Dwrite(dset, memtype, mspace.get(), fspace.get(), dxpl.get(), ptr));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::EnsureAgentId(std::int64_t n, const std::string &p) {
  const std::string id_path = "/inputs/agent_id";
  PetscFunctionBeginUser;
  if (n_agents_all >= 0) {
    PetscCheck(n == n_agents_all, comm, PETSC_ERR_ARG_SIZ,
               "per-agent array '%s' has length %lld but %s has %lld; every array on the agent axis must have one "
               "entry per agent",
               p.c_str(), ll(n), id_path.c_str(), ll(n_agents_all));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(WriteAgentIds(id_path, n, &agent_id));
  n_agents_all = n;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::WriteAgentIds(const std::string &id_path, std::int64_t n, Id *out) {
  PetscFunctionBeginUser;
  // The axis is written in even blocks whatever the caller's layout, so it costs every rank the same.
  const Block blk = Block::make(n, rank, size);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(blk.local()));
  for (std::int64_t i = 0; i < blk.local(); ++i) ids[static_cast<std::size_t>(i)] = blk.start + i;
  const hsize_t dims = static_cast<hsize_t>(n);
  PetscCall(CreateDataset(id_path, H5T_STD_I64LE, 1, &dims, nullptr, false, "1", "global agent id", out));
  PetscCall(WriteBlock(out->get(), id_path, H5T_NATIVE_INT64, sizeof(std::int64_t), static_cast<hsize_t>(blk.start),
                       0, static_cast<hsize_t>(blk.local()), 1, ids.data()));
  PetscCall(MakeCoordinate(out->get(), id_path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

template <typename Make>
PetscErrorCode Recorder::Impl::CoordinateCopy(std::map<std::string, Id> &copies, const std::string &top,
                                              const char *name, Make &&make, hid_t *scale_id) {
  Impl &im = *this;
  PetscFunctionBeginUser;
  Id &copy = copies[top];
  if (!copy.valid()) {
    const std::string cp = top + "/" + name;
    bool exists;
    PetscCall(PathExists(cp, &exists));
    if (exists) RecH5(cp, copy.Assign(H5Dopen2(file.get(), cp.c_str(), H5P_DEFAULT)));
    else PetscCall(make(cp, &copy));
  }
  *scale_id = copy.get();
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::AgentCoordinateFor(std::int64_t n, const std::string &p, hid_t *scale_id) {
  PetscFunctionBeginUser;
  PetscCall(EnsureAgentId(n, p));
  const std::string top = TopOf(p);
  if (top == "/inputs" || top == p) {
    *scale_id = agent_id.get();
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CoordinateCopy(
      agent_copies, top, "agent_id", [&](const std::string &cp, Id *copy) { return WriteAgentIds(cp, n, copy); },
      scale_id));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::ResolveScale(const std::string &scale, std::int64_t n, const std::string &p,
                                            hid_t *scale_id) {
  PetscFunctionBeginUser;
  *scale_id = H5I_INVALID_HID;
  if (scale.empty()) PetscFunctionReturn(PETSC_SUCCESS);
  if (scale == "time") {
    PetscCheck(T >= 0, comm, PETSC_ERR_ARG_WRONGSTATE,
               "'%s' asks for the time scale but no time axis is defined; call DefineTimeAxis first", p.c_str());
    PetscCheck(n == T, comm, PETSC_ERR_ARG_SIZ,
               "'%s' has length %lld but the time axis has %lld steps; a time-indexed array needs one value per step",
               p.c_str(), ll(n), ll(T));
    PetscCall(TimeCoordinateFor(p, scale_id));
  } else if (scale == "agent" || scale == "agent_all") {
    PetscCall(AgentCoordinateFor(n, p, scale_id));
  } else {
    SETERRQ(comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown dimension scale '%s' for '%s'; use \"\", \"time\" or \"agent\"",
            scale.c_str(), p.c_str());
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

template <typename F>
void Recorder::Impl::ForEachHandle(F &&f) {
  for (Named &s : series) f(s.dset);
  for (Named &fl : fields) f(fl.dset);
  f(time);
  f(agent_axis);
  f(record_axis);
  f(agent_id);
  for (auto &[top, h] : time_copies) f(h);
  for (auto &[top, h] : agent_copies) f(h);
  f(dxpl);
  f(str_type);
  f(file);
}

PetscErrorCode Recorder::Impl::CloseAll() {
  Impl &im = *this;
  PetscFunctionBeginUser;
  // Datasets before the file: with the default (semi) close degree HDF5 refuses to close a file with
  // open objects, which would catch a handle we forgot.
  for (Named &s : series) RecH5(s.path, s.dset.Close());
  for (Named &f : fields) RecH5(f.path, f.dset.Close());
  RecH5("/series/time", time.Close());
  RecH5("/agents/agent", agent_axis.Close());
  RecH5("/agents/record_step", record_axis.Close());
  RecH5("/inputs/agent_id", agent_id.Close());
  for (auto &[top, h] : time_copies) RecH5(top + "/time", h.Close());
  for (auto &[top, h] : agent_copies) RecH5(top + "/agent_id", h.Close());
  RecH5(path, dxpl.Close());
  RecH5(path, str_type.Close());
  RecH5(path, file.Close());
  PetscCallMPI(MPI_Comm_free(&comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::MakeTransferTypes() {
  Impl &im = *this;
  PetscFunctionBeginUser;
  RecH5(path, dxpl.Assign(H5Pcreate(H5P_DATASET_XFER)));
  RecH5(path, H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE));
  RecH5(path, str_type.Assign(H5Tcopy(H5T_C_S1)));
  RecH5(path, H5Tset_size(str_type.get(), H5T_VARIABLE));
  RecH5(path, H5Tset_cset(str_type.get(), H5T_CSET_UTF8));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::WriteOrder(const std::string &group, const std::string &attr,
                                          const std::vector<Named> &items) {
  Impl &im = *this;
  std::vector<std::string> names;
  Id g;
  PetscFunctionBeginUser;
  for (const Named &it : items) names.push_back(it.path.substr(group.size() + 1));
  RecH5(group, g.Assign(H5Gopen2(file.get(), group.c_str(), H5P_DEFAULT)));
  PetscCall(WriteStringAttr(g.get(), group, attr, h5::JoinLines(names)));
  RecH5(group, g.Close());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::OpenOrdered(const std::string &group, const std::string &attr,
                                           std::initializer_list<const char *> reserved,
                                           const std::vector<hsize_t> &dims, bool trailing_width,
                                           std::vector<Named> *items) {
  Impl &im = *this;
  Id g;
  htri_t has_order;
  std::vector<std::string> names;
  PetscFunctionBeginUser;
  RecRead(group, g.Assign(H5Gopen2(file.get(), group.c_str(), H5P_DEFAULT)));
  RecRead(group, has_order = H5Aexists(g.get(), attr.c_str()));
  if (has_order > 0) {
    std::string joined;
    PetscCall(h5::ReadAttribute(comm, path, g.get(), group, attr, &joined));
    names = h5::SplitLines(joined);
  } else {
    // Files from before the order attribute: name order is the only order HDF5 kept.
    PetscCall(h5::ListDatasets(comm, path, group, g.get(), &names));
    names.erase(std::remove_if(names.begin(), names.end(),
                               [&](const std::string &n) {
                                 for (const char *r : reserved)
                                   if (n == r) return true;
                                 return false;
                               }),
                names.end());
  }
  for (const std::string &name : names) {
    const std::string p = group + "/" + name;
    bool exists;
    Named item{p, Id()};
    std::vector<hsize_t> have;
    PetscCheck(ValidName(name), comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' in '%s' lists an invalid name '%s'",
               (group + " " + attr).c_str(), path.c_str(), name.c_str());
    PetscCall(h5::PathExists(comm, path, file.get(), p, &exists));
    PetscCheck(exists, comm, PETSC_ERR_FILE_UNEXPECTED,
               "'%s' in '%s' lists '%s' but there is no such dataset; the file is damaged", (group + " " + attr).c_str(),
               path.c_str(), p.c_str());
    RecRead(p, item.dset.Assign(H5Dopen2(file.get(), p.c_str(), H5P_DEFAULT)));
    PetscCall(h5::DatasetDims(comm, path, p, item.dset.get(), &have));
    // A vector-valued agent field is [record, agent, width]; its width is only kept in its shape.
    const bool widened = trailing_width && have.size() == dims.size() + 1 &&
                         std::equal(dims.begin(), dims.end(), have.begin()) && have.back() >= 1 &&
                         have.back() <= static_cast<hsize_t>(std::numeric_limits<int>::max());
    PetscCheck(have == dims || widened, comm, PETSC_ERR_FILE_UNEXPECTED,
               "'%s' in '%s' does not have the shape of its axes (%zu dimensions, first %llu); the file is damaged",
               p.c_str(), path.c_str(), have.size(), have.empty() ? 0ULL : static_cast<unsigned long long>(have[0]));
    if (widened) item.width = static_cast<int>(have.back());
    items->push_back(std::move(item));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Impl::Rediscover() {
  Impl &im = *this;
  bool exists;
  std::vector<hsize_t> dims;
  PetscFunctionBeginUser;
  // Time axis and series.
  PetscCall(h5::PathExists(comm, path, file.get(), "/series/time", &exists));
  if (exists) {
    RecRead("/series/time", time.Assign(H5Dopen2(file.get(), "/series/time", H5P_DEFAULT)));
    PetscCall(h5::DatasetDims(comm, path, "/series/time", time.get(), &dims));
    PetscCheck(dims.size() == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "/series/time in '%s' is not 1-D; the file is damaged",
               path.c_str());
    T = static_cast<std::int64_t>(dims[0]);
    PetscCall(OpenOrdered("/series", "series_order", {"time"}, {dims[0]}, false, &series));
  }
  // Agent axis and fields. /agents exists only if agents were selected (DefineAgentAxis with nsel > 0).
  PetscCall(h5::PathExists(comm, path, file.get(), "/agents/agent", &exists));
  if (exists) {
    std::vector<hsize_t> rdims;
    RecRead("/agents/agent", agent_axis.Assign(H5Dopen2(file.get(), "/agents/agent", H5P_DEFAULT)));
    PetscCall(h5::DatasetDims(comm, path, "/agents/agent", agent_axis.get(), &dims));
    PetscCall(h5::PathExists(comm, path, file.get(), "/agents/record_step", &exists));
    PetscCheck(exists && dims.size() == 1, comm, PETSC_ERR_FILE_UNEXPECTED,
               "'%s' has /agents/agent but no 1-D agent axis with /agents/record_step; the file is damaged",
               path.c_str());
    RecRead("/agents/record_step", record_axis.Assign(H5Dopen2(file.get(), "/agents/record_step", H5P_DEFAULT)));
    PetscCall(h5::DatasetDims(comm, path, "/agents/record_step", record_axis.get(), &rdims));
    PetscCheck(rdims.size() == 1, comm, PETSC_ERR_FILE_UNEXPECTED,
               "/agents/record_step in '%s' is not 1-D; the file is damaged", path.c_str());
    nsel_global = static_cast<std::int64_t>(dims[0]);
    nrecords = static_cast<std::int64_t>(rdims[0]);
    PetscCall(OpenOrdered("/agents", "field_order", {"agent", "record_step"}, {rdims[0], dims[0]}, true, &fields));
    Id g;
    htri_t has;
    records_per_flush = 1;
    RecRead("/agents", g.Assign(H5Gopen2(file.get(), "/agents", H5P_DEFAULT)));
    RecRead("/agents", has = H5Aexists(g.get(), "records_per_flush"));
    if (has > 0) {
      PetscCall(h5::ReadAttribute(comm, path, g.get(), "/agents", "records_per_flush", &records_per_flush));
    } else if (!fields.empty()) {
      // Older files: a field's chunk height is records_per_flush unless the 4 MiB cap halved it.
      Id dcpl;
      hsize_t chunk[2] = {1, 1};
      H5D_layout_t layout;
      RecRead(fields[0].path, dcpl.Assign(H5Dget_create_plist(fields[0].dset.get())));
      RecRead(fields[0].path, layout = H5Pget_layout(dcpl.get()));
      if (layout == H5D_CHUNKED) RecRead(fields[0].path, H5Pget_chunk(dcpl.get(), 2, chunk));
      records_per_flush = static_cast<std::int64_t>(chunk[0]);
    }
    PetscCheck(records_per_flush >= 1, comm, PETSC_ERR_FILE_UNEXPECTED,
               "/agents records_per_flush in '%s' is %lld; the file is damaged", path.c_str(), ll(records_per_flush));
    agents_defined = true;
    slice_known = false;  // this rank's slice depends on the rank count of the restarted run
    sel_offset = nsel_local = 0;
  }
  // The agent id scale, so per-agent arrays written after a restart attach to it.
  PetscCall(h5::PathExists(comm, path, file.get(), "/inputs/agent_id", &exists));
  if (exists) {
    RecRead("/inputs/agent_id", agent_id.Assign(H5Dopen2(file.get(), "/inputs/agent_id", H5P_DEFAULT)));
    PetscCall(h5::DatasetDims(comm, path, "/inputs/agent_id", agent_id.get(), &dims));
    PetscCheck(dims.size() == 1, comm, PETSC_ERR_FILE_UNEXPECTED,
               "/inputs/agent_id in '%s' is not 1-D; the file is damaged", path.c_str());
    n_agents_all = static_cast<std::int64_t>(dims[0]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

Recorder::Recorder() : impl_(std::make_unique<Impl>()) {}

Recorder::~Recorder() {
  if (!impl_) return;
  Impl &im = *impl_;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) {
    // Too late for collective closes (documented: destroy before PetscFinalize); just let go.
    im.ForEachHandle([](Id &h) { h.Release(); });
    return;
  }
  // Not closed here: this runs while an error unwinds, perhaps on some ranks only, and H5Fclose is collective.
  // The handles wait for comm::ExitAfterError's clean-up (h5::ParkOpenFile); local ones close now.
  std::vector<hid_t> objects;
  const hid_t file = im.file.get();
  im.ForEachHandle([&](Id &h) {
    if (&h == &im.file || !h.valid()) return;
    if (file >= 0) objects.push_back(h.get()), h.Release();
    else h.Reset();
  });
  if (file >= 0) h5::ParkOpenFile(im.path, true, std::move(objects), file);
  im.file.Release();
  if (im.comm != MPI_COMM_NULL) MPI_Comm_free(&im.comm);
}

PetscErrorCode Recorder::Create(MPI_Comm comm, const std::string &path, std::unique_ptr<Recorder> *out) {
  std::unique_ptr<Recorder> rec(new Recorder());
  Impl &im = *rec->impl_;
  h5::Quiet quiet;
  Id fapl;
  char msg[1024] = "";
  int ok = 1;
  PetscFunctionBeginUser;
  PetscCheck(out, comm, PETSC_ERR_ARG_NULL, "Recorder::Create needs somewhere to put the recorder (out is null)");
  PetscCheck(!path.empty(), comm, PETSC_ERR_ARG_WRONG, "empty output file path; give a file name such as out/run.h5");
  PetscCallMPI(MPI_Comm_dup(comm, &im.comm));
  PetscCallMPI(MPI_Comm_rank(im.comm, &im.rank));
  PetscCallMPI(MPI_Comm_size(im.comm, &im.size));
  im.path = path;

  // One rank makes the directories (racing mkdirs on a shared file system fail spuriously), then all
  // ranks learn the outcome together.
  if (im.rank == 0) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      ok = 0;
      std::snprintf(msg, sizeof(msg), "cannot create directory '%s' for output file '%s': %s", parent.c_str(),
                    path.c_str(), ec.message().c_str());
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, im.comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, im.comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_OPEN, "%s; choose a writable output location", msg);

  RecH5(path, fapl.Assign(H5Pcreate(H5P_FILE_ACCESS)));
  RecH5(path, H5Pset_fapl_mpio(fapl.get(), im.comm, MPI_INFO_NULL));
  // Collective metadata: one rank reads and broadcasts, one writes; without it every rank hits the
  // file system for every attribute and small object, which does not scale.
  RecH5(path, H5Pset_all_coll_metadata_ops(fapl.get(), true));
  RecH5(path, H5Pset_coll_metadata_write(fapl.get(), true));
  // netCDF-4 needs the root group's links and attributes in creation order, as EnsureGroup does for the others.
  Id fcpl;
  RecH5(path, fcpl.Assign(H5Pcreate(H5P_FILE_CREATE)));
  RecH5(path, H5Pset_link_creation_order(fcpl.get(), kCreationOrder));
  RecH5(path, H5Pset_attr_creation_order(fcpl.get(), kCreationOrder));
  RecH5(path, im.file.Assign(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get())));
  PetscCall(im.MakeTransferTypes());
  PetscCall(rec->SetStatus("running"));
  *out = std::move(rec);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Open(MPI_Comm comm, const std::string &path, std::unique_ptr<Recorder> *out) {
  std::unique_ptr<Recorder> rec(new Recorder());
  Impl &im = *rec->impl_;
  h5::Quiet quiet;
  Id fapl, root;
  htri_t has_status;
  PetscFunctionBeginUser;
  PetscCheck(out, comm, PETSC_ERR_ARG_NULL, "Recorder::Open needs somewhere to put the recorder (out is null)");
  // Before H5Fopen, whose failure on a missing or foreign file says little.
  PetscCall(h5::CheckIsHdf5File(comm, path));
  PetscCallMPI(MPI_Comm_dup(comm, &im.comm));
  PetscCallMPI(MPI_Comm_rank(im.comm, &im.rank));
  PetscCallMPI(MPI_Comm_size(im.comm, &im.size));
  im.path = path;
  im.reopened = true;
  RecH5(path, fapl.Assign(H5Pcreate(H5P_FILE_ACCESS)));
  RecH5(path, H5Pset_fapl_mpio(fapl.get(), im.comm, MPI_INFO_NULL));
  RecH5(path, H5Pset_all_coll_metadata_ops(fapl.get(), true));  // as in Create
  RecH5(path, H5Pset_coll_metadata_write(fapl.get(), true));
  RecH5(path, im.file.Assign(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get())));
  PetscCall(im.MakeTransferTypes());
  // Every file Create makes has a status from the start; without one this is someone else's file,
  // and appending dodge's layout to it would only damage it.
  RecRead(path, root.Assign(H5Oopen(im.file.get(), "/", H5P_DEFAULT)));
  RecRead(path, has_status = H5Aexists(root.get(), "status"));
  PetscCheck(has_status > 0, im.comm, PETSC_ERR_FILE_UNEXPECTED,
             "'%s' has no root attribute 'status', so it was not written by dodge's recorder; give the output file "
             "of the run to continue",
             path.c_str());
  RecRead(path, root.Close());
  PetscCall(im.Rediscover());
  PetscCall(im.FindNextDimid());
  PetscCall(rec->SetStatus("running"));
  *out = std::move(rec);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::SetAttribute(const std::string &obj_path, const std::string &name, const std::string &value) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id obj;
  PetscFunctionBeginUser;
  PetscCall(im.OpenAttributeTarget(obj_path, name, &obj));
  PetscCall(im.WriteStringAttr(obj.get(), obj_path, name, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::SetAttribute(const std::string &obj_path, const std::string &name, double value) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id obj;
  PetscFunctionBeginUser;
  PetscCall(im.OpenAttributeTarget(obj_path, name, &obj));
  PetscCall(im.WriteAttr(obj.get(), obj_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::SetAttribute(const std::string &obj_path, const std::string &name, std::int64_t value) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  Id obj;
  PetscFunctionBeginUser;
  PetscCall(im.OpenAttributeTarget(obj_path, name, &obj));
  PetscCall(im.WriteAttr(obj.get(), obj_path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::SetStatus(const std::string &status) {
  Impl &im = *impl_;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("SetStatus"));
  PetscCheck(status == "running" || status == "complete" || status == "failed", im.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "unknown run status '%s'; use running, complete or failed", status.c_str());
  PetscCall(SetAttribute("/", "status", status));
  PetscCall(Flush());  // the status must reach the disk before anything else can go wrong
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Flush() {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("Flush"));
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  RecH5(im.path, H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL));
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::DefineTimeAxis(std::int64_t T, const std::vector<double> &values, const std::string &units,
                                        const std::string &long_name) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const std::string p = "/series/time";
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("DefineTimeAxis"));
  PetscCheck(im.T < 0, im.comm, PETSC_ERR_ARG_WRONGSTATE,
             "the time axis of '%s' is already defined; call DefineTimeAxis once", im.path.c_str());
  PetscCall(im.CheckSame({T}, "DefineTimeAxis(T)"));
  PetscCheck(T >= 0, im.comm, PETSC_ERR_ARG_OUTOFRANGE, "time axis length %lld is negative", ll(T));
  DodgeCheckAll(im.comm, im.rank != 0 || static_cast<std::int64_t>(values.size()) == T, PETSC_ERR_ARG_SIZ,
                "the time axis has T = %lld steps but rank 0 passed %zu values; pass one value per step", ll(T),
                values.size());
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  const hsize_t dims = static_cast<hsize_t>(T);
  PetscCall(im.CreateDataset(p, H5T_IEEE_F64LE, 1, &dims, nullptr, false, units, long_name, &im.time));
  PetscCall(im.WriteBlock(im.time.get(), p, H5T_NATIVE_DOUBLE, sizeof(double), 0, 0,
                          im.rank == 0 ? static_cast<hsize_t>(T) : 0, 1, values.data()));
  PetscCall(im.MakeCoordinate(im.time.get(), p));
  PetscCall(im.WriteTimeAttrs(im.time.get(), p, units));
  im.time_units = units;
  im.time_long_name = long_name;
  if (im.rank == 0) im.time_values = values;
  im.time_values_known = true;
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  im.T = T;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::DefineSeries(const std::string &name, const std::string &units, const std::string &long_name,
                                      int *id) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const std::string p = "/series/" + name;
  Id dset;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("DefineSeries"));
  PetscCheck(im.T >= 0, im.comm, PETSC_ERR_ARG_WRONGSTATE,
             "series '%s' defined before the time axis; call DefineTimeAxis first", name.c_str());
  PetscCheck(ValidName(name) && name != "time", im.comm, PETSC_ERR_ARG_WRONG,
             "invalid series name '%s'; use a non-empty name without '/' other than 'time'", name.c_str());
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  const hsize_t dims = static_cast<hsize_t>(im.T), chunk = std::min<hsize_t>(dims, kSeriesChunk);
  PetscCall(im.CreateDataset(p, H5T_IEEE_F64LE, 1, &dims, &chunk, true, units, long_name, &dset));
  RecH5(p, H5DSattach_scale(dset.get(), im.time.get(), 0));
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  im.series.push_back({p, std::move(dset)});
  *id = static_cast<int>(im.series.size()) - 1;
  // HDF5 keeps links in name order only; Open needs the definition order to give back the same ids.
  PetscCall(im.WriteOrder("/series", "series_order", im.series));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::WriteSeries(int id, std::int64_t first, std::int64_t count, const double *data) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("WriteSeries"));
  PetscCheck(id >= 0 && id < static_cast<int>(im.series.size()), im.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "series id %d is not one returned by DefineSeries (there are %zu series)", id, im.series.size());
  const std::string &p = im.series[static_cast<std::size_t>(id)].path;
  DodgeCheckAll(im.comm,
                im.rank != 0 || (first >= 0 && count >= 0 && first <= im.T - count && (count == 0 || data)),
                PETSC_ERR_ARG_OUTOFRANGE,
                "series '%s': steps [%lld, %lld) are not inside [0, %lld) or the data pointer is null", p.c_str(),
                ll(first), ll(first + count), ll(im.T));
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  PetscCall(im.WriteBlock(im.series[static_cast<std::size_t>(id)].dset.get(), p, H5T_NATIVE_DOUBLE, sizeof(double),
                          im.rank == 0 ? static_cast<hsize_t>(first) : 0, 0,
                          im.rank == 0 ? static_cast<hsize_t>(count) : 0, 1, data));
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::WriteSeriesBlock(std::int64_t first, std::int64_t count,
                                          const std::vector<const double *> &per_series) {
  Impl &im = *impl_;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("WriteSeriesBlock"));
  DodgeCheckAll(im.comm, im.rank != 0 || per_series.size() == im.series.size(), PETSC_ERR_ARG_SIZ,
                "WriteSeriesBlock got %zu pointers for %zu defined series; pass one per series (nullptr to skip)",
                per_series.size(), im.series.size());
  for (std::size_t i = 0; i < im.series.size(); ++i) {
    const double *data = im.rank == 0 ? per_series[i] : nullptr;
    PetscCall(WriteSeries(static_cast<int>(i), first, data ? count : 0, data));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::DefineAgentAxis(std::int64_t nsel_global, std::int64_t sel_offset_local,
                                         std::int64_t nsel_local, const std::vector<std::int64_t> &local_selected_gids,
                                         std::int64_t nrecords, const std::vector<std::int64_t> &record_steps,
                                         std::int64_t records_per_flush) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("DefineAgentAxis"));
  PetscCheck(!im.agents_defined, im.comm, PETSC_ERR_ARG_WRONGSTATE,
             "the agent axis of '%s' is already defined; call DefineAgentAxis once", im.path.c_str());
  PetscCall(im.CheckSame({nsel_global, nrecords, records_per_flush},
                         "DefineAgentAxis(nsel_global, nrecords, records_per_flush)"));
  PetscCheck(nsel_global >= 0 && nrecords >= 0 && records_per_flush >= 1, im.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "agent axis: need nsel_global >= 0 (got %lld), nrecords >= 0 (got %lld), records_per_flush >= 1 (got %lld)",
             ll(nsel_global), ll(nrecords), ll(records_per_flush));
  DodgeCheckAll(im.comm, static_cast<std::int64_t>(local_selected_gids.size()) == nsel_local, PETSC_ERR_ARG_SIZ,
                "agent axis: rank %d selects %lld agents but passed %zu global ids", im.rank, ll(nsel_local),
                local_selected_gids.size());
  bool increasing = local_selected_gids.empty() || local_selected_gids.front() >= 0;
  for (std::size_t i = 1; i < local_selected_gids.size(); ++i)
    increasing = increasing && local_selected_gids[i] > local_selected_gids[i - 1];
  DodgeCheckAll(im.comm, increasing, PETSC_ERR_ARG_WRONG,
                "agent axis: rank %d's selected global ids are negative or not strictly increasing; sort the selection",
                im.rank);
  PetscCall(im.CheckTiling(sel_offset_local, nsel_local, nsel_global, "agent selection"));
  // The axis must increase across ranks too: each rank's first id exceeds every id before it.
  std::int64_t mylast = nsel_local > 0 ? local_selected_gids.back() : -1, lower = -1;
  PetscCallMPI(MPI_Exscan(&mylast, &lower, 1, MPI_INT64_T, MPI_MAX, im.comm));
  if (im.rank == 0) lower = -1;
  DodgeCheckAll(im.comm, nsel_local == 0 || local_selected_gids.front() > lower, PETSC_ERR_ARG_WRONG,
                "agent axis: rank %d's first selected id %lld does not exceed id %lld selected on a lower rank; the "
                "selection must increase in rank order",
                im.rank, ll(nsel_local > 0 ? local_selected_gids.front() : -1), ll(lower));
  DodgeCheckAll(im.comm, im.rank != 0 || static_cast<std::int64_t>(record_steps.size()) == nrecords,
                PETSC_ERR_ARG_SIZ, "agent axis: %lld records but rank 0 passed %zu record steps", ll(nrecords),
                record_steps.size());
  im.agents_defined = true;
  im.nsel_global = nsel_global;
  im.sel_offset = sel_offset_local;
  im.nsel_local = nsel_local;
  im.nrecords = nrecords;
  im.records_per_flush = records_per_flush;
  if (nsel_global == 0) PetscFunctionReturn(PETSC_SUCCESS);  // selection "none": no /agents at all

  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  const hsize_t na = static_cast<hsize_t>(nsel_global), nr = static_cast<hsize_t>(nrecords);
  PetscCall(im.CreateDataset("/agents/agent", H5T_STD_I64LE, 1, &na, nullptr, false, "1",
                             "global id of each recorded agent", &im.agent_axis));
  PetscCall(im.WriteBlock(im.agent_axis.get(), "/agents/agent", H5T_NATIVE_INT64, sizeof(std::int64_t),
                          static_cast<hsize_t>(sel_offset_local), 0, static_cast<hsize_t>(nsel_local), 1,
                          local_selected_gids.data()));
  PetscCall(im.MakeCoordinate(im.agent_axis.get(), "/agents/agent"));
  PetscCall(im.CreateDataset("/agents/record_step", H5T_STD_I64LE, 1, &nr, nullptr, false, "1",
                             "step index of each record", &im.record_axis));
  PetscCall(im.WriteBlock(im.record_axis.get(), "/agents/record_step", H5T_NATIVE_INT64, sizeof(std::int64_t), 0, 0,
                          im.rank == 0 ? nr : 0, 1, record_steps.data()));
  PetscCall(im.MakeCoordinate(im.record_axis.get(), "/agents/record_step"));
  {
    // Open reuses it to chunk fields defined after a restart like the ones before.
    Id group;
    RecH5("/agents", group.Assign(H5Gopen2(im.file.get(), "/agents", H5P_DEFAULT)));
    PetscCall(im.WriteAttr(group.get(), "/agents", "records_per_flush", H5T_STD_I64LE, H5T_NATIVE_INT64,
                           &records_per_flush));
    RecH5("/agents", group.Close());
  }
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::RebindAgentAxis(std::int64_t sel_offset_local, std::int64_t nsel_local,
                                         const std::vector<std::int64_t> &local_selected_gids) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  std::vector<std::int64_t> in_file;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("RebindAgentAxis"));
  PetscCheck(im.agents_defined || im.reopened, im.comm, PETSC_ERR_ARG_WRONGSTATE,
             "RebindAgentAxis on '%s' before the agent axis exists; call DefineAgentAxis (or reopen with Open)",
             im.path.c_str());
  PetscCall(h5::CheckAll(im.comm, static_cast<std::int64_t>(local_selected_gids.size()) == nsel_local,
                         PETSC_ERR_ARG_SIZ, "RebindAgentAxis on '%s': this rank holds %lld agents but passed %zu ids",
                         im.path.c_str(), ll(nsel_local), local_selected_gids.size()));
  PetscCall(im.CheckTiling(sel_offset_local, nsel_local, im.nsel_global, "agent selection of the reopened file"));
  if (im.nsel_global > 0) {
    // Flush first: after DefineAgentAxis in this session the axis may still sit in HDF5's or MPI-IO's buffers.
    RecH5(im.path, H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL));
    in_file.resize(static_cast<std::size_t>(nsel_local));
    PetscCall(h5::ReadBlock(im.comm, im.path, "/agents/agent", im.agent_axis.get(), im.dxpl.get(), H5T_NATIVE_INT64,
                            sizeof(std::int64_t), static_cast<hsize_t>(sel_offset_local),
                            static_cast<hsize_t>(nsel_local), 1, im.max_write_bytes, in_file.data()));
  }
  // A different selection would put new records in other agents' columns: compare every id.
  std::int64_t bad = -1;
  for (std::int64_t i = 0; i < nsel_local && bad < 0; ++i)
    if (in_file[static_cast<std::size_t>(i)] != local_selected_gids[static_cast<std::size_t>(i)]) bad = i;
  const std::size_t b = static_cast<std::size_t>(std::max<std::int64_t>(bad, 0));
  PetscCall(h5::CheckAll(im.comm, bad < 0, PETSC_ERR_ARG_WRONG,
                         "RebindAgentAxis on '%s': agent %lld of the axis has global id %lld in the file but %lld was "
                         "given; restart with the agent selection the file was written with",
                         im.path.c_str(), ll(sel_offset_local + bad), ll(bad < 0 ? -1 : in_file[b]),
                         ll(bad < 0 ? -1 : local_selected_gids[b])));
  im.agents_defined = true;
  im.slice_known = true;
  im.sel_offset = sel_offset_local;
  im.nsel_local = nsel_local;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::DefineAgentField(const std::string &name, const std::string &units,
                                          const std::string &long_name, int *id, int width) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const std::string p = "/agents/" + name;
  Id dset;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("DefineAgentField"));
  PetscCheck(im.agents_defined, im.comm, PETSC_ERR_ARG_WRONGSTATE,
             "agent field '%s' defined before the agent axis; call DefineAgentAxis first", name.c_str());
  PetscCheck(ValidName(name) && name != "agent" && name != "record_step", im.comm, PETSC_ERR_ARG_WRONG,
             "invalid agent field name '%s'; use a non-empty name without '/' other than 'agent' and 'record_step'",
             name.c_str());
  for (const Impl::Named &f : im.fields)
    PetscCheck(f.path != p, im.comm, PETSC_ERR_ARG_WRONG, "agent field '%s' is defined twice", name.c_str());
  PetscCall(im.CheckSame({width}, "DefineAgentField(width) for " + p));
  PetscCheck(width >= 1, im.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "agent field '%s': width %d is not positive; use 1 for one value per agent, or the length of its vector",
             name.c_str(), width);
  if (im.nsel_global > 0) {
    PetscCall(EventsGet(&ev));
    PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
    // Width 1 is the 2-D [record, agent] of every existing file; a wider field adds a third dimension
    // rather than widening the agent axis, so the agent scale and the agent slices stay as they are.
    const int ndims = width > 1 ? 3 : 2;
    const hsize_t dims[3] = {static_cast<hsize_t>(im.nrecords), static_cast<hsize_t>(im.nsel_global),
                             static_cast<hsize_t>(width)};
    // One chunk per rank per flush is what each collective write touches; halve the longer of the
    // record and agent sides until a chunk fits kMaxChunkBytes (at least one element each way). A chunk
    // keeps whole vectors unless a single one is bigger than the cap.
    hsize_t chunk[3] = {std::min<hsize_t>(static_cast<hsize_t>(im.records_per_flush), std::max<hsize_t>(dims[0], 1)),
                        std::min<hsize_t>(std::max<hsize_t>(1, dims[1] / static_cast<hsize_t>(im.size)), dims[1]),
                        dims[2]};
    while (chunk[0] * chunk[1] * chunk[2] * sizeof(double) > kMaxChunkBytes) {
      if (chunk[0] == 1 && chunk[1] == 1) {
        chunk[2] = (chunk[2] + 1) / 2;
      } else {
        hsize_t &longer = chunk[0] >= chunk[1] ? chunk[0] : chunk[1];
        longer = (longer + 1) / 2;
      }
    }
    PetscCall(im.CreateDataset(p, H5T_IEEE_F64LE, ndims, dims, chunk, true, units, long_name, &dset));
    // The component dimension has no coordinate (its index is its coordinate): a netCDF dimension
    // <field>_component of its own, since fields may differ in width.
    const hid_t scales[3] = {im.record_axis.get(), im.agent_axis.get(), H5I_INVALID_HID};
    const char *const suffixes[3] = {"", "", "component"};
    PetscCall(im.AttachDims(dset.get(), p, ndims, dims, scales, suffixes));
    PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  }
  im.fields.push_back({p, std::move(dset), width});
  *id = static_cast<int>(im.fields.size()) - 1;
  if (im.nsel_global > 0) PetscCall(im.WriteOrder("/agents", "field_order", im.fields));  // as series_order
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::WriteAgentRecords(int id, std::int64_t first_record, std::int64_t nrec, const double *local) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("WriteAgentRecords"));
  PetscCheck(id >= 0 && id < static_cast<int>(im.fields.size()), im.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "agent field id %d is not one returned by DefineAgentField (there are %zu fields)", id, im.fields.size());
  PetscCheck(im.slice_known, im.comm, PETSC_ERR_ARG_WRONGSTATE,
             "'%s' was reopened but no rank knows its slice of the agent axis yet; call RebindAgentAxis before "
             "WriteAgentRecords",
             im.path.c_str());
  if (im.nsel_global == 0) PetscFunctionReturn(PETSC_SUCCESS);
  const Impl::Named &f = im.fields[static_cast<std::size_t>(id)];
  PetscCall(im.CheckSame({first_record, nrec}, "WriteAgentRecords(first_record, nrec) for " + f.path));
  PetscCheck(first_record >= 0 && nrec >= 0 && first_record <= im.nrecords - nrec, im.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "agent field '%s': records [%lld, %lld) are not inside [0, %lld)", f.path.c_str(), ll(first_record),
             ll(first_record + nrec), ll(im.nrecords));
  DodgeCheckAll(im.comm, nrec * im.nsel_local == 0 || local, PETSC_ERR_ARG_NULL,
                "agent field '%s': rank %d holds %lld selected agents but passed no data", f.path.c_str(), im.rank,
                ll(im.nsel_local));
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  PetscCall(im.WriteBlock(f.dset.get(), f.path, H5T_NATIVE_DOUBLE, sizeof(double), static_cast<hsize_t>(first_record),
                          static_cast<hsize_t>(im.sel_offset), static_cast<hsize_t>(nrec),
                          static_cast<hsize_t>(im.nsel_local), local, static_cast<hsize_t>(f.width)));
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::WriteGlobalArray(const std::string &path, const double *data, std::int64_t n,
                                          const std::string &units, const std::string &long_name,
                                          const std::string &scale) {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const std::string p = InputPath(path);
  Id dset;
  hid_t scale_id;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen("WriteGlobalArray"));
  PetscCall(im.CheckSame({n}, "WriteGlobalArray(n) for " + p));
  PetscCheck(n >= 0, im.comm, PETSC_ERR_ARG_OUTOFRANGE, "'%s': negative length %lld", p.c_str(), ll(n));
  DodgeCheckAll(im.comm, im.rank != 0 || n == 0 || data, PETSC_ERR_ARG_NULL, "'%s': %lld values but no data on rank 0",
                p.c_str(), ll(n));
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  PetscCall(im.ResolveScale(scale, n, p, &scale_id));
  const hsize_t dims = static_cast<hsize_t>(n);
  PetscCall(im.CreateDataset(p, H5T_IEEE_F64LE, 1, &dims, nullptr, false, units, long_name, &dset));
  PetscCall(im.WriteBlock(dset.get(), p, H5T_NATIVE_DOUBLE, sizeof(double), 0, 0, im.rank == 0 ? dims : 0, 1, data));
  {
    const char *const suffixes[1] = {"index"};
    PetscCall(im.AttachDims(dset.get(), p, 1, &dims, &scale_id, suffixes));
  }
  RecH5(p, dset.Close());
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

namespace {
// Shared body of the distributed array (table false, ncols ignored) and table writers.
template <typename T>
PetscErrorCode WriteDistributed(Recorder::Impl &im, const std::string &path, std::int64_t rows_global,
                                std::int64_t row_offset, std::int64_t rows_local, bool table, int ncols, const T *data,
                                const std::string &units, const std::string &long_name, const std::string &scale) {
  h5::Quiet quiet;
  const std::string p = InputPath(path);
  Id dset;
  hid_t scale_id = H5I_INVALID_HID;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(im.CheckOpen(table ? "WriteDistributedTable" : "WriteDistributedArray"));
  if (!table) ncols = 1;
  PetscCall(im.CheckSame({rows_global, ncols}, "distributed write (global length, columns) of " + p));
  PetscCheck(rows_global >= 0 && ncols >= 1, im.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "'%s': need a non-negative global length (got %lld) and at least one column (got %d)", p.c_str(),
             ll(rows_global), ncols);
  PetscCall(im.CheckTiling(row_offset, rows_local, rows_global, p));
  DodgeCheckAll(im.comm, rows_local == 0 || data, PETSC_ERR_ARG_NULL, "'%s': rank %d writes %lld rows but passed no data",
                p.c_str(), im.rank, ll(rows_local));
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  PetscCall(im.ResolveScale(scale, rows_global, p, &scale_id));
  const hsize_t dims[2] = {static_cast<hsize_t>(rows_global), static_cast<hsize_t>(ncols)};
  PetscCall(im.CreateDataset(p, Types<T>::file(), table ? 2 : 1, dims, nullptr, false, units, long_name, &dset));
  PetscCall(im.WriteBlock(dset.get(), p, Types<T>::mem(), sizeof(T), static_cast<hsize_t>(row_offset), 0,
                          static_cast<hsize_t>(rows_local), static_cast<hsize_t>(ncols), data));
  {
    const hid_t scales[2] = {scale_id, H5I_INVALID_HID};
    const char *const table_suffixes[2] = {"row", "column"}, *const array_suffixes[1] = {"index"};
    PetscCall(im.AttachDims(dset.get(), p, table ? 2 : 1, dims, scales, table ? table_suffixes : array_suffixes));
  }
  RecH5(p, dset.Close());
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}
}  // namespace

PetscErrorCode Recorder::WriteDistributedArray(const std::string &path, std::int64_t n_global,
                                               std::int64_t offset_local, std::int64_t n_local, const double *data,
                                               const std::string &units, const std::string &long_name,
                                               const std::string &scale) {
  PetscFunctionBeginUser;
  PetscCall(WriteDistributed(*impl_, path, n_global, offset_local, n_local, false, 1, data, units, long_name, scale));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::WriteDistributedArray(const std::string &path, std::int64_t n_global,
                                               std::int64_t offset_local, std::int64_t n_local,
                                               const std::int64_t *data, const std::string &units,
                                               const std::string &long_name, const std::string &scale) {
  PetscFunctionBeginUser;
  PetscCall(WriteDistributed(*impl_, path, n_global, offset_local, n_local, false, 1, data, units, long_name, scale));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::WriteDistributedTable(const std::string &path, std::int64_t rows_global,
                                               std::int64_t row_offset_local, std::int64_t rows_local, int ncols,
                                               const std::int64_t *data, const std::string &units,
                                               const std::string &long_name) {
  PetscFunctionBeginUser;
  PetscCall(WriteDistributed(*impl_, path, rows_global, row_offset_local, rows_local, true, ncols, data, units,
                             long_name, ""));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::WriteDistributedTable(const std::string &path, std::int64_t rows_global,
                                               std::int64_t row_offset_local, std::int64_t rows_local, int ncols,
                                               const double *data, const std::string &units,
                                               const std::string &long_name) {
  PetscFunctionBeginUser;
  PetscCall(WriteDistributed(*impl_, path, rows_global, row_offset_local, rows_local, true, ncols, data, units,
                             long_name, ""));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Recorder::Close() {
  Impl &im = *impl_;
  h5::Quiet quiet;
  const Events *ev;
  PetscFunctionBeginUser;
  if (!im.file.valid()) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->hdf5_write, 0, 0, 0, 0));
  // Flushed first: a write that fails now leaves the file open for the error path, not half-closed inside H5Fclose.
  RecH5(im.path, H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL));
  PetscCall(im.CloseAll());
  PetscCall(PetscLogEventEnd(ev->hdf5_write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

const std::string &Recorder::Path() const { return impl_->path; }
bool Recorder::IsOpen() const { return impl_->file.valid(); }
int Recorder::NumSeries() const { return static_cast<int>(impl_->series.size()); }
int Recorder::NumAgentFields() const { return static_cast<int>(impl_->fields.size()); }
int Recorder::SeriesId(const std::string &name) const {
  for (std::size_t i = 0; i < impl_->series.size(); ++i)
    if (impl_->series[i].path == "/series/" + name) return static_cast<int>(i);
  return -1;
}
int Recorder::AgentFieldId(const std::string &name) const {
  for (std::size_t i = 0; i < impl_->fields.size(); ++i)
    if (impl_->fields[i].path == "/agents/" + name) return static_cast<int>(i);
  return -1;
}
int Recorder::AgentFieldWidth(int id) const {
  if (id < 0 || id >= static_cast<int>(impl_->fields.size())) return -1;
  return impl_->fields[static_cast<std::size_t>(id)].width;
}
std::int64_t Recorder::NumSteps() const { return impl_->T < 0 ? 0 : impl_->T; }
void Recorder::SetMaxWriteBytes(std::size_t bytes) { impl_->max_write_bytes = bytes; }
std::size_t Recorder::MaxWriteBytes() const { return impl_->max_write_bytes; }

}  // namespace dodge::io
