// Serial looks at dodge's HDF5 files (see file_probe.hpp).
#include "io/file_probe.hpp"

#include <hdf5.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "io/cf.hpp"
#include "io/h5_util.hpp"

namespace dodge::io {

namespace {

using h5::Id;

bool ReadStringAttr(hid_t obj, const char *name, std::string *out) {
  if (H5Aexists(obj, name) <= 0) return false;
  Id attr, type, mem;
  if (attr.Assign(H5Aopen(obj, name, H5P_DEFAULT)) < 0 || type.Assign(H5Aget_type(attr.get())) < 0) return false;
  if (H5Tget_class(type.get()) != H5T_STRING) return false;
  if (H5Tis_variable_str(type.get()) > 0) {
    char *buf = nullptr;
    if (mem.Assign(H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0 ||
        H5Aread(attr.get(), mem.get(), &buf) < 0)
      return false;
    *out = buf ? buf : "";
    H5free_memory(buf);
    return true;
  }
  const std::size_t n = H5Tget_size(type.get());
  std::vector<char> buf(n + 1, '\0');
  if (H5Aread(attr.get(), type.get(), buf.data()) < 0) return false;
  *out = std::string(buf.data());
  return true;
}

bool ReadIntAttr(hid_t obj, const char *name, std::int64_t *out) {
  if (H5Aexists(obj, name) <= 0) return false;
  Id attr, type;
  if (attr.Assign(H5Aopen(obj, name, H5P_DEFAULT)) < 0 || type.Assign(H5Aget_type(attr.get())) < 0) return false;
  if (H5Tget_class(type.get()) != H5T_INTEGER) return false;
  return H5Aread(attr.get(), H5T_NATIVE_INT64, out) >= 0;
}

struct Visit {
  std::string manifest, err;
};

herr_t OnObject(hid_t root, const char *name, const H5O_info_t *info, void *data) {
  auto *v = static_cast<Visit *>(data);
  if (info->type != H5O_TYPE_DATASET) return 0;
  Id dset, space, type;
  if (dset.Assign(H5Dopen2(root, name, H5P_DEFAULT)) < 0 || space.Assign(H5Dget_space(dset.get())) < 0 ||
      type.Assign(H5Dget_type(dset.get())) < 0) {
    v->err = std::string("cannot open dataset /") + name;
    return -1;
  }
  const int nd = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(nd > 0 ? nd : 0);
  if (nd > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  hsize_t count = 1;
  std::string shape;
  for (int d = 0; d < nd; ++d) {
    count *= dims[d];
    if (d) shape.push_back('x');
    shape.append(std::to_string(dims[d]));
  }
  if (nd == 0) shape = "scalar";
  const H5T_class_t cls = H5Tget_class(type.get());
  // A netCDF dimension without a variable (io/cf.hpp) holds no values: its shape is its content.
  std::string scale_name;
  if (cls == H5T_FLOAT && H5Tget_size(type.get()) == 4 && ReadStringAttr(dset.get(), "NAME", &scale_name) &&
      scale_name.rfind(cf::kDimWithoutVariable, 0) == 0) {
    v->manifest += std::string("/") + name + " " + shape + " netcdf-dimension\n";
    return 0;
  }
  if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || H5Tget_size(type.get()) != 8) {
    v->err = std::string("dataset /") + name + " is not of 8-byte numbers";
    return -1;
  }
  // Read in slabs of whole rows of dimension 0 (at most ~8 MiB each), so rank 0 never holds a whole
  // 10^6-agent array at once; the hash runs over the values in storage order either way.
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  const hsize_t row = nd > 0 && dims[0] > 0 ? count / dims[0] : count, rows = nd > 0 ? dims[0] : 1;
  const hsize_t per = std::max<hsize_t>(1, (hsize_t(1) << 20) / std::max<hsize_t>(row, 1));
  std::vector<std::uint64_t> words;
  const hid_t mem = cls == H5T_FLOAT ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
  for (hsize_t r0 = 0; count && r0 < rows; r0 += per) {
    const hsize_t nr = std::min(per, rows - r0);
    words.resize(nr * row);
    Id fspace, mspace;
    bool ok = fspace.Assign(H5Scopy(space.get())) >= 0;
    if (ok && nd > 0) {
      std::vector<hsize_t> start(nd, 0), cnt(dims);
      start[0] = r0, cnt[0] = nr;
      const hsize_t mdim = nr * row;
      ok = H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, cnt.data(), nullptr) >= 0 &&
           mspace.Assign(H5Screate_simple(1, &mdim, nullptr)) >= 0;
    }
    if (!ok || H5Dread(dset.get(), mem, nd > 0 ? mspace.get() : H5S_ALL, nd > 0 ? fspace.get() : H5S_ALL, H5P_DEFAULT,
                       words.data()) < 0) {
      v->err = std::string("cannot read dataset /") + name;
      return -1;
    }
    for (std::uint64_t w : words)
      for (int b = 0; b < 8; ++b) h = (h ^ ((w >> (8 * b)) & 0xffu)) * 0x100000001b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  v->manifest += std::string("/") + name + " " + shape + " " + hex + "\n";
  return 0;
}

}  // namespace

static FileProbe ProbeFileHere(const std::string &path) {
  FileProbe p;
  h5::Quiet quiet;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return p;
  p.exists = true;
  p.is_dir = S_ISDIR(st.st_mode);
  if (!S_ISREG(st.st_mode)) return p;
  if (H5Fis_hdf5(path.c_str()) <= 0) return p;
  p.is_hdf5 = true;
  Id file, root;
  if (file.Assign(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) < 0 ||
      root.Assign(H5Oopen(file.get(), "/", H5P_DEFAULT)) < 0)
    return p;
  p.readable = true;
  p.has_status = ReadStringAttr(root.get(), "status", &p.status);
  ReadStringAttr(root.get(), "run_id", &p.run_id);
  p.has_manifest = ReadStringAttr(root.get(), "state_manifest", &p.state_manifest);
  ReadStringAttr(root.get(), "fingerprint", &p.fingerprint);
  ReadStringAttr(root.get(), "dodge_version", &p.dodge_version);
  ReadStringAttr(root.get(), "dodge_checkpoint", &p.dodge_checkpoint);
  ReadIntAttr(root.get(), "checkpoint_format", &p.checkpoint_format);
  p.has_step = ReadIntAttr(root.get(), "step", &p.step);
  return p;
}

std::string FileContentSummary(const std::string &path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "unreadable";
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) return "unreadable";
  std::uint64_t h = 0xcbf29ce484222325ULL, size = 0;  // FNV-1a 64 over the bytes
  std::vector<unsigned char> buf(1 << 16);
  std::size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    for (std::size_t i = 0; i < got; ++i) h = (h ^ buf[i]) * 0x100000001b3ULL;
    size += got;
  }
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) return "unreadable";
  char out[96];
  std::snprintf(out, sizeof out, "%llu bytes, fnv1a %016llx", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(h));
  return out;
}

static bool StateManifestHere(const std::string &path, std::string *manifest, std::string *err) {
  h5::Quiet quiet;
  Id file;
  if (file.Assign(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    *err = "cannot open '" + path + "' as HDF5";
    return false;
  }
  Visit v;
  if (H5Ovisit2(file.get(), H5_INDEX_NAME, H5_ITER_INC, OnObject, &v, H5O_INFO_BASIC) < 0) {
    *err = "'" + path + "': " + (v.err.empty() ? std::string("cannot list its objects") : v.err);
    return false;
  }
  *manifest = v.manifest;
  return true;
}

bool WriteRootString(const std::string &path, const std::string &name, const std::string &value, std::string *err) {
  h5::Quiet quiet;
  Id file, root, type, space, attr;
  const char *buf = value.c_str();
  if (file.Assign(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) < 0 ||
      root.Assign(H5Oopen(file.get(), "/", H5P_DEFAULT)) < 0 || type.Assign(H5Tcopy(H5T_C_S1)) < 0 ||
      H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0 ||
      space.Assign(H5Screate(H5S_SCALAR)) < 0 || (H5Aexists(root.get(), name.c_str()) > 0 && H5Adelete(root.get(), name.c_str()) < 0) ||
      attr.Assign(H5Acreate2(root.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
      H5Awrite(attr.get(), type.get(), &buf) < 0) {
    *err = "cannot write attribute " + name + " of '" + path + "': " + h5::ErrorDetail();
    return false;
  }
  attr.Close(), space.Close(), type.Close(), root.Close();
  if (file.Close() < 0) {
    *err = "cannot close '" + path + "' after writing attribute " + name;
    return false;
  }
  return true;
}

namespace {
// Runs `fn` in a forked child and returns what it wrote: HDF5 1.10 itself crashes on some damaged files (a
// corrupted global heap segfaults in H5HG_read while a string attribute is read), and a checkpoint or an
// existing output is untrusted input, so those looks happen where a crash is only an answer. False with `why`
// when the child did not finish. Without fork or pipe, `fn` runs here.
bool Isolated(const std::function<std::string()> &fn, std::string *out, std::string *why) {
  int fd[2];
  if (::pipe(fd) != 0) {
    *out = fn();
    return true;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd[0]), ::close(fd[1]);
    *out = fn();
    return true;
  }
  if (pid == 0) {  // the child: no MPI, no exit handlers, no PETSc signal handler (it would call MPI)
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM, SIGTERM}) ::signal(sig, SIG_DFL);
    ::alarm(600);  // nor a loop on a damaged file for ever
    ::close(fd[0]);
    const std::string s = fn();
    for (std::size_t done = 0; done < s.size();) {
      const ssize_t w = ::write(fd[1], s.data() + done, s.size() - done);
      if (w <= 0) ::_exit(2);
      done += static_cast<std::size_t>(w);
    }
    ::_exit(0);
  }
  ::close(fd[1]);
  out->clear();
  char buf[65536];
  for (ssize_t r; (r = ::read(fd[0], buf, sizeof buf)) != 0;) {
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out->append(buf, static_cast<std::size_t>(r));
  }
  ::close(fd[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return true;
  *why = WIFSIGNALED(st) ? "HDF5 crashed reading it (signal " + std::to_string(WTERMSIG(st)) + "): the file is damaged"
                         : std::string("it could not be read");
  return false;
}

void Put(std::string &s, const std::string &v) { s += std::to_string(v.size()) + ":" + v; }
void Put(std::string &s, std::int64_t v) { Put(s, std::to_string(v)); }
bool Take(const std::string &s, std::size_t *pos, std::string *v) {
  const std::size_t colon = s.find(':', *pos);
  if (colon == std::string::npos) return false;
  const std::size_t n = std::strtoull(s.c_str() + *pos, nullptr, 10);
  if (colon + 1 + n > s.size()) return false;
  *v = s.substr(colon + 1, n), *pos = colon + 1 + n;
  return true;
}
bool Take(const std::string &s, std::size_t *pos, std::int64_t *v) {
  std::string t;
  if (!Take(s, pos, &t)) return false;
  *v = std::strtoll(t.c_str(), nullptr, 10);
  return true;
}
bool Take(const std::string &s, std::size_t *pos, bool *v) {
  std::int64_t t = 0;
  if (!Take(s, pos, &t)) return false;
  *v = t != 0;
  return true;
}
}  // namespace

FileProbe ProbeFile(const std::string &path) {
  // Nothing HDF5 reads (see ProbeFileHere): no isolation needed, and no fork after the run's state exists.
  if (struct stat st; ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return ProbeFileHere(path);
  std::string enc, why;
  const bool done = Isolated(
      [&path] {
        const FileProbe p = ProbeFileHere(path);
        std::string s;
        for (bool b : {p.exists, p.is_dir, p.is_hdf5, p.readable, p.has_status, p.has_manifest, p.has_step})
          Put(s, static_cast<std::int64_t>(b));
        for (const std::string *v : {&p.status, &p.state_manifest, &p.run_id, &p.fingerprint, &p.dodge_version,
                                     &p.dodge_checkpoint})
          Put(s, *v);
        Put(s, p.checkpoint_format), Put(s, p.step);
        return s;
      },
      &enc, &why);
  FileProbe p;
  std::size_t pos = 0;
  bool ok = done;
  for (bool *b : {&p.exists, &p.is_dir, &p.is_hdf5, &p.readable, &p.has_status, &p.has_manifest, &p.has_step})
    ok = ok && Take(enc, &pos, b);
  for (std::string *v : {&p.status, &p.state_manifest, &p.run_id, &p.fingerprint, &p.dodge_version, &p.dodge_checkpoint})
    ok = ok && Take(enc, &pos, v);
  ok = ok && Take(enc, &pos, &p.checkpoint_format) && Take(enc, &pos, &p.step);
  if (!ok) {  // it exists (the child crashed reading it) but says nothing
    p = FileProbe{};
    p.exists = true, p.is_hdf5 = true, p.readable = false;
  }
  return p;
}

bool StateManifestOfOwnFile(const std::string &path, std::string *manifest, std::string *err) {
  return StateManifestHere(path, manifest, err);
}

bool StateManifest(const std::string &path, std::string *manifest, std::string *err) {
  std::string enc, why;
  const bool done = Isolated(
      [&path] {
        std::string m, e;
        const bool ok = StateManifestHere(path, &m, &e);
        return std::string(ok ? "1" : "0") + (ok ? m : e);
      },
      &enc, &why);
  if (!done || enc.empty()) {
    *err = why.empty() ? std::string("it could not be read") : why;
    return false;
  }
  if (enc[0] == '1') *manifest = enc.substr(1);
  else *err = enc.substr(1);
  return enc[0] == '1';
}

}  // namespace dodge::io
