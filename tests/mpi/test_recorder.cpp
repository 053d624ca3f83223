// The HDF5 recorder: real parallel files written at any rank count, read back serially on rank 0, checked value by value.
#include <catch2/catch.hpp>

#include "core/block.hpp"
#include "io/recorder.hpp"
#include "mpi_check.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using dodge::Block;
using dodge::io::Recorder;
using dodge::test::all_ranks;
using dodge::test::world_rank;
using dodge::test::world_size;

namespace {

constexpr std::int64_t kT = 10, kRecords = 5, kPerFlush = 2;

double XValue(std::int64_t rec, std::int64_t gid) { return 1000.0 * rec + gid + 0.25; }
double MuValue(std::int64_t rec, std::int64_t gid) { return -1000.0 * rec - gid - 0.5; }
double Cost(std::int64_t t) { return 100.0 + t; }
double Price(std::int64_t t) { return 50.0 - 0.5 * t; }

// A fresh directory made by rank 0 and known to all ranks; removed at the end unless
// DODGE_KEEP_TEST_OUTPUT is set (to inspect the files, e.g. with h5py).
class TempDir {
 public:
  TempDir() {
    char buf[256] = "";
    if (world_rank() == 0) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "dodge_recorder_XXXXXX").string();
      std::vector<char> t(tmpl.begin(), tmpl.end());
      t.push_back('\0');
      if (mkdtemp(t.data())) std::snprintf(buf, sizeof(buf), "%s", t.data());
    }
    MPI_Bcast(buf, sizeof(buf), MPI_CHAR, 0, PETSC_COMM_WORLD);
    path_ = buf;
  }
  ~TempDir() {
    MPI_Barrier(PETSC_COMM_WORLD);
    if (world_rank() == 0 && !path_.empty() && !std::getenv("DODGE_KEEP_TEST_OUTPUT")) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

// The agents a scenario selects ("first:K") and this rank's slice of them.
struct Selection {
  std::int64_t nsel_global, offset, nlocal;
  std::vector<std::int64_t> gids;
};

Selection FirstK(const Block &blk, std::int64_t K) {
  Selection s{K, std::min(blk.start, K), std::max<std::int64_t>(0, std::min(blk.end, K) - blk.start), {}};
  for (std::int64_t i = 0; i < s.nlocal; ++i) s.gids.push_back(blk.start + i);
  return s;
}

// Writes the full test file: attributes, time axis, two series (partly written), an agent axis with
// two fields in several flushes (mu's last record unwritten), global and distributed inputs.
PetscErrorCode WriteFile(const std::string &path, std::int64_t n, std::int64_t K, std::size_t max_bytes) {
  const int rank = world_rank(), size = world_size();
  const Block blk = Block::make(n, rank, size);
  const Selection sel = FirstK(blk, K);
  std::unique_ptr<Recorder> rec;
  int cost, price, x, mu;
  PetscFunctionBeginUser;
  PetscCall(Recorder::Create(PETSC_COMM_WORLD, path, &rec));
  rec->SetMaxWriteBytes(max_bytes);
  PetscCall(rec->SetAttribute("/", "problem", std::string("dispatch")));
  PetscCall(rec->SetAttribute("/", "dt_hours", 0.5));
  PetscCall(rec->SetAttribute("/", "ranks", static_cast<std::int64_t>(size)));
  PetscCall(rec->SetAttribute("/", "ranks", size));  // replacing an attribute is allowed

  std::vector<double> time(kT), cost_v(kT), price_v(kT);
  for (std::int64_t t = 0; t < kT; ++t) {
    time[t] = 0.5 * t;
    cost_v[t] = Cost(t);
    price_v[t] = Price(t);
  }
  PetscCall(rec->DefineTimeAxis(kT, rank == 0 ? time : std::vector<double>{}, "h", "time since start"));
  PetscCall(rec->DefineSeries("cost", "$", "total cost", &cost));
  PetscCall(rec->DefineSeries("price", "$/MWh", "coordinator price", &price));
  // Steps 0..3 of both, then 4..6 of cost only: cost 7..9 and price 4..9 stay NaN.
  PetscCall(rec->WriteSeriesBlock(0, 4, {cost_v.data(), price_v.data()}));
  PetscCall(rec->WriteSeriesBlock(4, 3, {cost_v.data() + 4, nullptr}));
  PetscCall(rec->SetAttribute("/series/price", "note", std::string("λ, in UTF-8")));

  std::vector<std::int64_t> steps;
  for (std::int64_t r = 0; r < kRecords; ++r) steps.push_back(2 * r);
  PetscCall(rec->DefineAgentAxis(sel.nsel_global, sel.offset, sel.nlocal, sel.gids, kRecords,
                                 rank == 0 ? steps : std::vector<std::int64_t>{}, kPerFlush));
  PetscCall(rec->DefineAgentField("x", "MW", "dispatched power", &x));
  PetscCall(rec->DefineAgentField("mu", "$/MWh", "local multiplier", &mu));
  for (std::int64_t first = 0; first < kRecords; first += kPerFlush) {
    const std::int64_t nrec = std::min(kPerFlush, kRecords - first);
    std::vector<double> xb, mub;
    for (std::int64_t r = first; r < first + nrec; ++r)
      for (std::int64_t g : sel.gids) {
        xb.push_back(XValue(r, g));
        mub.push_back(MuValue(r, g));
      }
    PetscCall(rec->WriteAgentRecords(x, first, nrec, xb.data()));
    if (first + nrec < kRecords) PetscCall(rec->WriteAgentRecords(mu, first, nrec, mub.data()));
  }

  std::vector<double> a(blk.local()), bound(n), w;
  std::vector<std::int64_t> kind(blk.local()), edges;
  for (std::int64_t g = blk.start; g < blk.end; ++g) {
    a[g - blk.start] = 2.5 * g;
    kind[g - blk.start] = g % 3;
    edges.insert(edges.end(), {g, (g + 1) % n});
    w.insert(w.end(), {0.5 * g, 1.5 * g});
  }
  for (std::int64_t g = 0; g < n; ++g) bound[g] = 10.0 + g;
  const double theta[3] = {1.0, 2.0, 3.0};
  PetscCall(rec->WriteDistributedArray("agents/a", n, blk.start, blk.local(), a.data(), "$/MW^2", "quadratic cost",
                                       "agent"));
  PetscCall(rec->WriteDistributedArray("agents/kind", n, blk.start, blk.local(), kind.data(), "1", "agent kind",
                                       "agent"));
  PetscCall(rec->WriteGlobalArray("agents/bound", bound.data(), n, "MW", "upper bound", "agent_all"));
  PetscCall(rec->WriteGlobalArray("demand", price_v.data(), kT, "MW", "demand series", "time"));
  PetscCall(rec->WriteGlobalArray("/inputs/params/theta", theta, 3, "1", "algorithm parameters"));
  PetscCall(rec->WriteDistributedTable("graph/edges", n, blk.start, blk.local(), 2, edges.data(), "1", "edge list"));
  PetscCall(rec->WriteDistributedTable("graph/weights", n, blk.start, blk.local(), 2, w.data(), "1", "edge weights"));

  PetscCall(rec->SetStatus("complete"));
  PetscCall(rec->Close());
  PetscCall(rec->Close());  // a second Close does nothing
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Serial (rank 0 only) reader that collects every mismatch as a message instead of stopping.
// A netCDF-4 dimension scale that is not a variable (netCDF-C's NAME, then the length).
constexpr const char *kNotAVariableName = "This is a netCDF dimension but not a netCDF variable.";

class Reader {
 public:
  explicit Reader(const std::string &path) : path_(path) {
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);  // default (sec2) driver: plain serial access
    if (file_ < 0) Fail("cannot open " + path);
  }
  ~Reader() {
    if (file_ >= 0) H5Fclose(file_);
  }
  bool ok() const { return file_ >= 0; }
  std::vector<std::string> errors;
  void Fail(const std::string &what) { errors.push_back(path_ + ": " + what); }
  void Expect(bool cond, const std::string &what) {
    if (!cond) Fail(what);
  }

  bool Exists(const std::string &p) {
    std::string prefix;
    for (std::size_t pos = p.find('/', 1);; pos = p.find('/', pos + 1)) {
      prefix = p.substr(0, pos);
      if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
      if (pos == std::string::npos) return true;
    }
  }

  template <typename T>
  std::vector<T> Read(const std::string &p, std::vector<hsize_t> expect_dims) {
    std::vector<T> out;
    hid_t d = H5Dopen2(file_, p.c_str(), H5P_DEFAULT);
    if (d < 0) {
      Fail("missing dataset " + p);
      return out;
    }
    hid_t s = H5Dget_space(d);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(0, H5Sget_simple_extent_ndims(s))));
    H5Sget_simple_extent_dims(s, dims.data(), nullptr);
    H5Sclose(s);
    if (dims != expect_dims) {
      Fail("wrong shape of " + p);
    } else {
      hsize_t total = 1;
      for (hsize_t v : dims) total *= v;
      out.resize(total);
      hid_t mt = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
      if (total > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) Fail("cannot read " + p);
    }
    H5Dclose(d);
    return out;
  }

  // A string attribute, which must be a variable-length UTF-8 string (what h5py returns as str).
  std::string StrAttr(const std::string &obj, const std::string &name) {
    std::string value;
    hid_t a = H5Aopen_by_name(file_, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) {
      Fail("missing attribute " + obj + " " + name);
      return value;
    }
    hid_t t = H5Aget_type(a);
    if (H5Tis_variable_str(t) <= 0 || H5Tget_cset(t) != H5T_CSET_UTF8) {
      Fail("attribute " + obj + " " + name + " is not a variable-length UTF-8 string");
    } else {
      char *s = nullptr;
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5T_CSET_UTF8);
      if (H5Aread(a, mt, &s) >= 0 && s) {
        value = s;
        H5free_memory(s);
      }
      H5Tclose(mt);
    }
    H5Tclose(t);
    H5Aclose(a);
    return value;
  }

  template <typename T>
  T NumAttr(const std::string &obj, const std::string &name) {
    T v{};
    hid_t a = H5Aopen_by_name(file_, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) {
      Fail("missing attribute " + obj + " " + name);
      return v;
    }
    if (H5Aread(a, std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, &v) < 0)
      Fail("cannot read attribute " + obj + " " + name);
    H5Aclose(a);
    return v;
  }

  // Dataset `p` has `scale` attached to dimension `dim`, and only that one.
  void ExpectScale(const std::string &p, const std::string &scale, unsigned dim) {
    hid_t d = H5Dopen2(file_, p.c_str(), H5P_DEFAULT), s = H5Dopen2(file_, scale.c_str(), H5P_DEFAULT);
    if (d < 0 || s < 0) {
      Fail("cannot open " + p + " or its scale " + scale);
    } else {
      Expect(H5DSis_scale(s) > 0, scale + " is not a dimension scale");
      Expect(H5DSis_attached(d, s, dim) > 0, scale + " is not attached to " + p);
      Expect(H5DSget_num_scales(d, dim) == 1, p + " should have exactly one scale on its dimension");
    }
    if (d >= 0) H5Dclose(d);
    if (s >= 0) H5Dclose(s);
  }

  // Number of dimension scales attached to dimension `dim` of `p`.
  int NumScales(const std::string &p, unsigned dim) {
    hid_t d = H5Dopen2(file_, p.c_str(), H5P_DEFAULT);
    const int n = d >= 0 ? H5DSget_num_scales(d, dim) : -1;
    if (d >= 0) H5Dclose(d);
    return n;
  }

  // The label of dimension `dim` of `p` ("" if none).
  std::string Label(const std::string &p, unsigned dim) {
    char label[64] = "";
    hid_t d = H5Dopen2(file_, p.c_str(), H5P_DEFAULT);
    if (d < 0 || H5DSget_label(d, dim, label, sizeof(label)) < 0) Fail("cannot read label of " + p);
    if (d >= 0) H5Dclose(d);
    return label;
  }

  // The chunk dimensions of `p` (empty if it is not chunked).
  std::vector<hsize_t> Chunk(const std::string &p) {
    std::vector<hsize_t> chunk;
    hid_t d = H5Dopen2(file_, p.c_str(), H5P_DEFAULT);
    if (d < 0) {
      Fail("missing dataset " + p);
      return chunk;
    }
    hid_t dcpl = H5Dget_create_plist(d);
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
      chunk.resize(3);
      chunk.resize(static_cast<std::size_t>(std::max(0, H5Pget_chunk(dcpl, 3, chunk.data()))));
    }
    H5Pclose(dcpl);
    H5Dclose(d);
    return chunk;
  }

  std::string ScaleName(const std::string &p) {
    char name[64] = "";
    hid_t d = H5Dopen2(file_, p.c_str(), H5P_DEFAULT);
    if (d < 0 || H5DSget_scale_name(d, name, sizeof(name)) < 0) Fail("no scale name on " + p);
    if (d >= 0) H5Dclose(d);
    return name;
  }

  // Every dataset in the file carries string attributes units and long_name.
  bool IsDimensionOnly(const std::string &p) {
    hid_t d = H5Dopen2(file_, p.c_str(), H5P_DEFAULT);
    char name[256] = "";
    const bool yes = d >= 0 && H5DSis_scale(d) > 0 && H5DSget_scale_name(d, name, sizeof(name)) > 0 &&
                     std::string(name).rfind(kNotAVariableName, 0) == 0;
    if (d >= 0) H5Dclose(d);
    return yes;
  }

  void ExpectUnitsEverywhere() {
    std::vector<std::string> datasets;
    H5Lvisit(file_, H5_INDEX_NAME, H5_ITER_NATIVE, Collect, &datasets);
    Expect(!datasets.empty(), "no datasets found");
    for (const std::string &p : datasets) {
      // A netCDF dimension without a coordinate variable is not a variable: it has no units.
      if (IsDimensionOnly(p)) continue;
      Expect(!StrAttr(p, "units").empty(), p + " has empty units");
      Expect(!StrAttr(p, "long_name").empty(), p + " has empty long_name");
    }
  }

 private:
  static herr_t Collect(hid_t g, const char *name, const H5L_info_t *, void *ctx) {
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o >= 0) {
      if (H5Iget_type(o) == H5I_DATASET) static_cast<std::vector<std::string> *>(ctx)->push_back(std::string("/") + name);
      H5Oclose(o);
    }
    return 0;
  }
  std::string path_;
  hid_t file_ = H5I_INVALID_HID;
};

void CheckFile(Reader &rd, std::int64_t n, std::int64_t K) {
  const int size = world_size();
  const hsize_t N = static_cast<hsize_t>(n), T = kT;
  rd.Expect(rd.StrAttr("/", "status") == "complete", "status is not complete");
  rd.Expect(rd.StrAttr("/", "problem") == "dispatch", "attribute problem");
  rd.Expect(rd.NumAttr<double>("/", "dt_hours") == 0.5, "attribute dt_hours");
  rd.Expect(rd.NumAttr<std::int64_t>("/", "ranks") == size, "attribute ranks");
  rd.Expect(rd.StrAttr("/series/price", "note") == "λ, in UTF-8", "UTF-8 attribute on a dataset");

  const auto time = rd.Read<double>("/series/time", {T});
  const auto cost = rd.Read<double>("/series/cost", {T});
  const auto price = rd.Read<double>("/series/price", {T});
  for (std::int64_t t = 0; t < kT && cost.size() == T && price.size() == T && time.size() == T; ++t) {
    rd.Expect(time[t] == 0.5 * t, "time value at step " + std::to_string(t));
    rd.Expect(t < 7 ? cost[t] == Cost(t) : std::isnan(cost[t]), "cost at step " + std::to_string(t));
    rd.Expect(t < 4 ? price[t] == Price(t) : std::isnan(price[t]), "price at step " + std::to_string(t));
  }
  rd.Expect(rd.ScaleName("/series/time") == "time", "scale name of /series/time");
  rd.Expect(rd.StrAttr("/series/time", "units") == "h", "units of time");
  // CF: money is not a UDUNITS unit, so cost is "1" with its currency and dodge's text beside it.
  rd.Expect(rd.StrAttr("/series/cost", "units") == "1", "units of cost");
  rd.Expect(rd.StrAttr("/series/cost", "currency") == "$", "currency of cost");
  rd.Expect(rd.StrAttr("/series/cost", "display_units") == "$", "display_units of cost");
  rd.Expect(rd.StrAttr("/series/price", "long_name") == "coordinator price", "long_name of price");
  rd.ExpectScale("/series/cost", "/series/time", 0);
  rd.ExpectScale("/series/price", "/series/time", 0);

  if (K == 0) {
    rd.Expect(!rd.Exists("/agents"), "/agents exists although no agent is selected");
  } else {
    const hsize_t k = static_cast<hsize_t>(K), R = kRecords;
    const auto agent = rd.Read<std::int64_t>("/agents/agent", {k});
    const auto steps = rd.Read<std::int64_t>("/agents/record_step", {R});
    const auto x = rd.Read<double>("/agents/x", {R, k});
    const auto mu = rd.Read<double>("/agents/mu", {R, k});
    for (std::int64_t j = 0; j < K && agent.size() == k; ++j) rd.Expect(agent[j] == j, "agent id " + std::to_string(j));
    for (std::int64_t r = 0; r < kRecords && steps.size() == R; ++r)
      rd.Expect(steps[r] == 2 * r, "record step " + std::to_string(r));
    for (std::int64_t r = 0; r < kRecords && x.size() == R * k && mu.size() == R * k; ++r)
      for (std::int64_t j = 0; j < K; ++j) {
        const std::string at = " at record " + std::to_string(r) + " agent " + std::to_string(j);
        rd.Expect(x[r * K + j] == XValue(r, j), "x" + at);
        rd.Expect(r < kRecords - 1 ? mu[r * K + j] == MuValue(r, j) : std::isnan(mu[r * K + j]), "mu" + at);
      }
    rd.Expect(rd.ScaleName("/agents/agent") == "agent", "scale name of /agents/agent");
    rd.Expect(rd.ScaleName("/agents/record_step") == "record_step", "scale name of /agents/record_step");
    rd.ExpectScale("/agents/x", "/agents/record_step", 0);
    rd.ExpectScale("/agents/x", "/agents/agent", 1);
    rd.ExpectScale("/agents/mu", "/agents/record_step", 0);
    rd.ExpectScale("/agents/mu", "/agents/agent", 1);
    rd.Expect(rd.StrAttr("/agents/x", "units") == "MW", "units of x");
  }

  const auto ids = rd.Read<std::int64_t>("/inputs/agent_id", {N});
  const auto a = rd.Read<double>("/inputs/agents/a", {N});
  const auto kind = rd.Read<std::int64_t>("/inputs/agents/kind", {N});
  const auto bound = rd.Read<double>("/inputs/agents/bound", {N});
  const auto edges = rd.Read<std::int64_t>("/inputs/graph/edges", {N, 2});
  const auto w = rd.Read<double>("/inputs/graph/weights", {N, 2});
  for (std::int64_t g = 0; g < n && ids.size() == N && a.size() == N && kind.size() == N && bound.size() == N &&
                           edges.size() == 2 * N && w.size() == 2 * N;
       ++g) {
    const std::string at = " of agent " + std::to_string(g);
    rd.Expect(ids[g] == g, "agent_id" + at);
    rd.Expect(a[g] == 2.5 * g, "a" + at);
    rd.Expect(kind[g] == g % 3, "kind" + at);
    rd.Expect(bound[g] == 10.0 + g, "bound" + at);
    rd.Expect(edges[2 * g] == g && edges[2 * g + 1] == (g + 1) % n, "edge" + at);
    rd.Expect(w[2 * g] == 0.5 * g && w[2 * g + 1] == 1.5 * g, "weights" + at);
  }
  const auto demand = rd.Read<double>("/inputs/demand", {T});
  for (std::int64_t t = 0; t < kT && demand.size() == T; ++t) rd.Expect(demand[t] == Price(t), "demand value");
  const auto theta = rd.Read<double>("/inputs/params/theta", {3});
  rd.Expect(theta == std::vector<double>({1.0, 2.0, 3.0}), "theta values");
  rd.Expect(rd.ScaleName("/inputs/agent_id") == "agent_id", "scale name of /inputs/agent_id");
  rd.ExpectScale("/inputs/agents/a", "/inputs/agent_id", 0);
  rd.ExpectScale("/inputs/agents/kind", "/inputs/agent_id", 0);
  rd.ExpectScale("/inputs/agents/bound", "/inputs/agent_id", 0);
  // netCDF dimensions are seen only in their group and below: /inputs has its own copy of time.
  rd.ExpectScale("/inputs/demand", "/inputs/time", 0);
  const auto time_copy = rd.Read<double>("/inputs/time", {T});
  rd.Expect(time_copy == time, "/inputs/time differs from /series/time");
  rd.ExpectScale("/inputs/graph/edges", "/inputs/graph/edges_row", 0);
  rd.ExpectScale("/inputs/graph/edges", "/inputs/graph/edges_column", 1);
  rd.Expect(rd.ScaleName("/inputs/graph/edges_column").rfind(kNotAVariableName, 0) == 0,
            "/inputs/graph/edges_column is not a netCDF dimension without a variable");
  rd.ExpectScale("/inputs/params/theta", "/inputs/params/theta_index", 0);
  rd.Expect(rd.StrAttr("/inputs/graph/edges", "long_name") == "edge list", "long_name of edges");
  rd.ExpectUnitsEverywhere();
}

// Reads `path` on rank 0 with `check`; every rank learns whether it passed.
template <typename F>
bool CheckOnRoot(const std::string &path, F &&check) {
  MPI_Barrier(PETSC_COMM_WORLD);
  bool ok = true;
  if (world_rank() == 0) {
    Reader rd(path);
    if (rd.ok()) check(rd);
    for (const std::string &e : rd.errors) UNSCOPED_INFO(e);
    ok = rd.errors.empty();
  }
  return all_ranks(ok);
}

}  // namespace

TEST_CASE("recorder writes a complete file that reads back exactly", "[recorder]") {
  TempDir dir;
  REQUIRE(all_ranks(!dir.path().empty()));
  const int size = world_size();
  const std::int64_t n = 10 * size + 3;
  const std::int64_t block0 = Block::make(n, 0, size).local();
  struct Case {
    std::int64_t K;
    std::size_t max_bytes;
  };
  // K < block0: only rank 0 selects agents; block0 + 2: ranks 0 and 1; 0: no /agents at all.
  // Small write limits force every write into uneven numbers of pieces per rank.
  const Case cases[] = {{3, std::size_t(1) << 30}, {std::min(n, block0 + 2), 24}, {0, 16}};
  int i = 0;
  for (const Case &c : cases) {
    const std::string path = dir.path() + "/nested/dirs/run" + std::to_string(i++) + ".h5";
    INFO("file " << path << " K = " << c.K << " max write bytes " << c.max_bytes);
    REQUIRE(all_ranks(WriteFile(path, n, c.K, c.max_bytes) == PETSC_SUCCESS));
    REQUIRE(CheckOnRoot(path, [&](Reader &rd) { CheckFile(rd, n, c.K); }));
  }
}

TEST_CASE("recorder status tells failed and crashed runs from complete ones", "[recorder]") {
  TempDir dir;
  const std::string failed = dir.path() + "/failed.h5", crashed = dir.path() + "/crashed.h5";
  auto fail_run = [&]() -> PetscErrorCode {
    std::unique_ptr<Recorder> rec;
    PetscFunctionBeginUser;
    PetscCall(Recorder::Create(PETSC_COMM_WORLD, failed, &rec));
    PetscCall(rec->SetStatus("failed"));
    PetscCall(rec->Close());
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  auto crash_run = [&]() -> PetscErrorCode {
    std::unique_ptr<Recorder> rec;
    PetscFunctionBeginUser;
    PetscCall(Recorder::Create(PETSC_COMM_WORLD, crashed, &rec));
    PetscCall(rec->DefineTimeAxis(3, std::vector<double>{0, 1, 2}, "h", "time"));
    PetscFunctionReturn(PETSC_SUCCESS);  // no Close: the destructor closes quietly, status stays running
  };
  REQUIRE(all_ranks(fail_run() == PETSC_SUCCESS));
  REQUIRE(CheckOnRoot(failed, [](Reader &rd) { rd.Expect(rd.StrAttr("/", "status") == "failed", "status"); }));
  REQUIRE(all_ranks(crash_run() == PETSC_SUCCESS));
  REQUIRE(CheckOnRoot(crashed, [](Reader &rd) { rd.Expect(rd.StrAttr("/", "status") == "running", "status"); }));
}

TEST_CASE("recorder rejects bad paths and bad arguments on every rank together", "[recorder]") {
  TempDir dir;
  const int rank = world_rank(), size = world_size();
  std::unique_ptr<Recorder> rec;
  REQUIRE(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr) == PETSC_SUCCESS);  // errors are expected
  // A directory that cannot be made, and a directory where no file can be created.
  const PetscErrorCode bad_dir = Recorder::Create(PETSC_COMM_WORLD, "/proc/x/y.h5", &rec);
  const PetscErrorCode bad_file = Recorder::Create(PETSC_COMM_WORLD, "/proc/y.h5", &rec);
  PetscErrorCode made = Recorder::Create(PETSC_COMM_WORLD, dir.path() + "/args.h5", &rec);
  PetscErrorCode bad_status = 1, bad_range = 1, bad_tiling = 1, bad_scale = 1, bad_dup = 1, good = 1;
  if (made == PETSC_SUCCESS) {
    int id = -1;
    bad_status = rec->SetStatus("done");
    good = rec->DefineTimeAxis(4, std::vector<double>{0, 1, 2, 3}, "h", "time");
    if (good == PETSC_SUCCESS) good = rec->DefineSeries("s", "1", "series", &id);
    const double v[8] = {};
    // Only rank 0's range matters (and is wrong); every rank must still fail.
    bad_range = rec->WriteSeries(id, 2, rank == 0 ? 3 : 0, v);
    // The last rank claims a slice that does not follow its predecessors'.
    bad_tiling = rec->WriteDistributedArray("a", size, rank + (rank == size - 1 ? 1 : 0), 1, v, "1", "a");
    bad_scale = rec->WriteGlobalArray("b", v, 3, "1", "b", "time");  // 3 values on a 4-step axis
    if (good == PETSC_SUCCESS) good = rec->WriteGlobalArray("c", v, 4, "1", "c", "time");
    bad_dup = rec->WriteGlobalArray("c", v, 4, "1", "c");
    if (good == PETSC_SUCCESS) good = rec->SetStatus("complete");
    if (good == PETSC_SUCCESS) good = rec->Close();
  }
  REQUIRE(PetscPopErrorHandler() == PETSC_SUCCESS);
  CHECK(all_ranks(bad_dir != PETSC_SUCCESS));
  CHECK(all_ranks(bad_file != PETSC_SUCCESS));
  REQUIRE(all_ranks(made == PETSC_SUCCESS));
  CHECK(all_ranks(bad_status != PETSC_SUCCESS));
  CHECK(all_ranks(bad_range != PETSC_SUCCESS));
  CHECK(all_ranks(bad_tiling != PETSC_SUCCESS));
  CHECK(all_ranks(bad_scale != PETSC_SUCCESS));
  CHECK(all_ranks(bad_dup != PETSC_SUCCESS));
  // After rejected calls the recorder still works and the file is intact.
  REQUIRE(all_ranks(good == PETSC_SUCCESS));
  REQUIRE(CheckOnRoot(dir.path() + "/args.h5", [](Reader &rd) {
    rd.Expect(rd.StrAttr("/", "status") == "complete", "status");
    rd.Expect(!rd.Exists("/inputs/a") && !rd.Exists("/inputs/b"), "rejected arrays must not exist");
    const auto c = rd.Read<double>("/inputs/c", {4});
  }));
}

// --- Vector-valued agent fields: [record, agent, width] ----------------------------------------------------

namespace {

constexpr hsize_t kWidth = 3;

// Every value a distinct function of (record, global id, component), so a value written to the wrong
// record, agent or component is caught.
double VValue(std::int64_t rec, std::int64_t gid, hsize_t k) { return 10000.0 * rec + 10.0 * gid + k + 0.125; }
double SValue(std::int64_t rec, std::int64_t gid, hsize_t) { return -1000.0 * rec - gid - 0.75; }
double WValue(std::int64_t rec, std::int64_t gid, hsize_t k) { return -10000.0 * rec - 10.0 * gid - k - 0.375; }

// Records [first, first + nrec) of a field of `width` for the agents `gids`, row-major [record][agent][width].
template <typename F>
std::vector<double> FieldRecords(F value, hsize_t width, std::int64_t first, std::int64_t nrec,
                                 const std::vector<std::int64_t> &gids) {
  std::vector<double> out;
  for (std::int64_t r = first; r < first + nrec; ++r)
    for (std::int64_t g : gids)
      for (hsize_t k = 0; k < width; ++k) out.push_back(value(r, g, k));
  return out;
}

// Selects the first K agents, sliced unevenly in rank order (rank r holds [K r^2 / P^2, K (r+1)^2 / P^2)),
// unlike the even blocks FirstK takes from: a restart at another slicing of the same agent axis.
Selection SkewedFirstK(std::int64_t K) {
  const std::int64_t r = world_rank(), P = world_size();
  const std::int64_t lo = K * r * r / (P * P), hi = K * (r + 1) * (r + 1) / (P * P);
  Selection s{K, lo, hi - lo, {}};
  for (std::int64_t g = lo; g < hi; ++g) s.gids.push_back(g);
  return s;
}

// An agent axis of kRecords records over `sel` with the width-3 field v and the width-1 field s, written
// in flushes of kPerFlush records: v's records [0, v_records) and s's [0, s_records), the rest NaN.
PetscErrorCode WriteVectorFile(const std::string &path, const Selection &sel, std::int64_t v_records,
                               std::int64_t s_records, std::size_t max_bytes) {
  std::unique_ptr<Recorder> rec;
  int v, s;
  PetscFunctionBeginUser;
  PetscCall(Recorder::Create(PETSC_COMM_WORLD, path, &rec));
  rec->SetMaxWriteBytes(max_bytes);
  std::vector<std::int64_t> steps;
  for (std::int64_t r = 0; r < kRecords; ++r) steps.push_back(2 * r);
  PetscCall(rec->DefineAgentAxis(sel.nsel_global, sel.offset, sel.nlocal, sel.gids, kRecords,
                                 world_rank() == 0 ? steps : std::vector<std::int64_t>{}, kPerFlush));
  PetscCall(rec->DefineAgentField("v", "MW", "dispatch vector", &v, static_cast<int>(kWidth)));
  PetscCall(rec->DefineAgentField("s", "$/MWh", "scalar multiplier", &s));
  // Local and alike on every rank.
  PetscCheck(rec->AgentFieldWidth(v) == static_cast<int>(kWidth) && rec->AgentFieldWidth(s) == 1 &&
                 rec->AgentFieldWidth(2) == -1 && rec->AgentFieldWidth(-1) == -1,
             PETSC_COMM_SELF, PETSC_ERR_PLIB, "AgentFieldWidth gives %d, %d, %d, %d", rec->AgentFieldWidth(v),
             rec->AgentFieldWidth(s), rec->AgentFieldWidth(2), rec->AgentFieldWidth(-1));
  for (std::int64_t first = 0; first < kRecords; first += kPerFlush) {
    const std::int64_t nv = std::clamp<std::int64_t>(v_records - first, 0, kPerFlush);
    const std::int64_t ns = std::clamp<std::int64_t>(s_records - first, 0, kPerFlush);
    if (nv > 0) PetscCall(rec->WriteAgentRecords(v, first, nv, FieldRecords(VValue, kWidth, first, nv, sel.gids).data()));
    if (ns > 0) PetscCall(rec->WriteAgentRecords(s, first, ns, FieldRecords(SValue, 1, first, ns, sel.gids).data()));
  }
  PetscCall(rec->SetStatus("complete"));
  PetscCall(rec->Close());
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Field `p` of `width` (1: 2-D) over the first K agents holds value(r, j, k) for records r < written, NaN
// after; it has the record and agent scales on dimensions 0 and 1, and (width > 1) the netCDF dimension
// <p>_component (no coordinate variable) on dimension 2; its chunk holds whole vectors of one flush and fits 4 MiB.
template <typename F>
void CheckField(Reader &rd, const std::string &p, hsize_t width, std::int64_t K, std::int64_t written, F value) {
  const hsize_t k = static_cast<hsize_t>(K), R = kRecords;
  const std::vector<hsize_t> shape = width > 1 ? std::vector<hsize_t>{R, k, width} : std::vector<hsize_t>{R, k};
  const auto data = rd.Read<double>(p, shape);
  for (std::int64_t r = 0; r < kRecords && data.size() == R * k * width; ++r)
    for (std::int64_t j = 0; j < K; ++j)
      for (hsize_t c = 0; c < width; ++c) {
        const double got = data[(static_cast<hsize_t>(r) * k + static_cast<hsize_t>(j)) * width + c];
        rd.Expect(r < written ? got == value(r, j, c) : std::isnan(got),
                  p + " at record " + std::to_string(r) + " agent " + std::to_string(j) + " component " +
                      std::to_string(c) + " is " + std::to_string(got));
      }
  rd.ExpectScale(p, "/agents/record_step", 0);
  rd.ExpectScale(p, "/agents/agent", 1);
  const std::vector<hsize_t> chunk = rd.Chunk(p);
  rd.Expect(chunk.size() == shape.size(), "chunk rank of " + p);
  if (chunk.size() == shape.size()) {
    const hsize_t per_rank = std::max<hsize_t>(1, k / static_cast<hsize_t>(world_size()));
    rd.Expect(chunk[0] == std::min<hsize_t>(kPerFlush, R) && chunk[1] == per_rank, "chunk of " + p);
    if (width > 1) rd.Expect(chunk[2] == width, "chunk of " + p + " does not hold whole vectors");
    rd.Expect(chunk[0] * chunk[1] * width * sizeof(double) <= (hsize_t(4) << 20), "chunk of " + p + " above 4 MiB");
  }
  if (width > 1) {
    rd.ExpectScale(p, p + "_component", 2);
    rd.Expect(rd.ScaleName(p + "_component").rfind("This is a netCDF dimension but not a netCDF variable.", 0) == 0,
              p + "_component is not a netCDF dimension without a variable");
  }
}

// Restart: the width-3 field v continues from `v_before` with the rest of its records, a new width-2 field w.
PetscErrorCode AppendAfterRestart(const std::string &path, const Selection &sel, std::int64_t v_before,
                                  std::int64_t s_before, std::size_t max_bytes) {
  std::unique_ptr<Recorder> rec;
  int w;
  PetscFunctionBeginUser;
  PetscCall(Recorder::Open(PETSC_COMM_WORLD, path, &rec));
  rec->SetMaxWriteBytes(max_bytes);
  const int v = rec->AgentFieldId("v"), s = rec->AgentFieldId("s");
  PetscCheck(rec->NumAgentFields() == 2 && v == 0 && s == 1 && rec->AgentFieldWidth(v) == static_cast<int>(kWidth) &&
                 rec->AgentFieldWidth(s) == 1,
             PETSC_COMM_SELF, PETSC_ERR_PLIB, "Open found %d fields, v = %d of width %d, s = %d of width %d",
             rec->NumAgentFields(), v, rec->AgentFieldWidth(v), s, rec->AgentFieldWidth(s));
  PetscCall(rec->RebindAgentAxis(sel.offset, sel.nlocal, sel.gids));
  const std::int64_t nv = kRecords - v_before, ns = kRecords - 1 - s_before;  // s's last record stays NaN
  PetscCall(rec->WriteAgentRecords(v, v_before, nv, FieldRecords(VValue, kWidth, v_before, nv, sel.gids).data()));
  PetscCall(rec->WriteAgentRecords(s, s_before, ns, FieldRecords(SValue, 1, s_before, ns, sel.gids).data()));
  PetscCall(rec->DefineAgentField("w", "1", "a vector field new after the restart", &w, 2));
  PetscCall(rec->WriteAgentRecords(w, 0, kRecords, FieldRecords(WValue, 2, 0, kRecords, sel.gids).data()));
  PetscCall(rec->SetStatus("complete"));
  PetscCall(rec->Close());
  // Opened once more, the new field comes back with its width.
  PetscCall(Recorder::Open(PETSC_COMM_WORLD, path, &rec));
  PetscCheck(rec->NumAgentFields() == 3 && rec->AgentFieldWidth(rec->AgentFieldId("w")) == 2, PETSC_COMM_SELF,
             PETSC_ERR_PLIB, "reopened: %d fields, w of width %d", rec->NumAgentFields(),
             rec->AgentFieldWidth(rec->AgentFieldId("w")));
  PetscCall(rec->SetStatus("complete"));
  PetscCall(rec->Close());
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::string LastMessage() {
  const char *text = nullptr;
  char *specific = nullptr;
  PetscErrorMessage(0, &text, &specific);
  return specific ? specific : "";
}

}  // namespace

TEST_CASE("recorder writes vector-valued agent fields as [record, agent, width]", "[recorder]") {
  TempDir dir;
  REQUIRE(all_ranks(!dir.path().empty()));
  const int rank = world_rank(), size = world_size();
  const std::int64_t n = 10 * size + 3;
  const std::int64_t block0 = Block::make(n, 0, size).local();
  struct Case {
    std::int64_t K;
    std::size_t max_bytes;
  };
  // All agents or those of ranks 0 and 1, with write limits that keep whole rows (1 GiB), cut rows into
  // runs of 4 whole vectors (96 bytes) or single vectors (40), or cut vectors themselves (16 bytes: two
  // components per write); and no agent at all.
  const Case cases[] = {{n, std::size_t(1) << 30}, {n, 96}, {std::min(n, block0 + 2), 40}, {n, 16}, {0, 16}};
  int i = 0;
  for (const Case &c : cases) {
    const std::string path = dir.path() + "/vec" + std::to_string(i++) + ".h5";
    INFO("file " << path << " K = " << c.K << " max write bytes " << c.max_bytes);
    const Selection sel = FirstK(Block::make(n, rank, size), c.K);
    REQUIRE(all_ranks(WriteVectorFile(path, sel, kRecords, kRecords - 1, c.max_bytes) == PETSC_SUCCESS));
    REQUIRE(CheckOnRoot(path, [&](Reader &rd) {
      rd.Expect(rd.StrAttr("/", "status") == "complete", "status");
      if (c.K == 0) {
        rd.Expect(!rd.Exists("/agents"), "/agents exists although no agent is selected");
        return;
      }
      const auto agent = rd.Read<std::int64_t>("/agents/agent", {static_cast<hsize_t>(c.K)});
      for (std::int64_t j = 0; j < c.K && agent.size() == static_cast<std::size_t>(c.K); ++j)
        rd.Expect(agent[j] == j, "agent id " + std::to_string(j));
      CheckField(rd, "/agents/v", kWidth, c.K, kRecords, VValue);
      CheckField(rd, "/agents/s", 1, c.K, kRecords - 1, SValue);
      rd.Expect(rd.StrAttr("/agents/v", "units") == "MW", "units of v");
      rd.Expect(rd.StrAttr("/agents/v", "long_name") == "dispatch vector", "long_name of v");
      rd.Expect(rd.StrAttr("/agents", "field_order") == "v\ns", "field_order");
      rd.Expect(rd.NumAttr<std::int64_t>("/agents", "records_per_flush") == kPerFlush, "records_per_flush");
      rd.ExpectUnitsEverywhere();
    }));
  }
}

TEST_CASE("Recorder::Open appends to a vector-valued field at another agent slicing", "[recorder]") {
  TempDir dir;
  REQUIRE(all_ranks(!dir.path().empty()));
  const int rank = world_rank(), size = world_size();
  const std::int64_t n = 7 * size + 2, K = n;
  const std::string path = dir.path() + "/restart.h5";
  // The first run writes 3 of v's 5 records and 2 of s's in even blocks, cutting vectors (16 bytes).
  REQUIRE(all_ranks(WriteVectorFile(path, FirstK(Block::make(n, rank, size), K), 3, 2, 16) == PETSC_SUCCESS));
  // The restart holds the agents in uneven slices and writes single vectors per call (24 bytes).
  REQUIRE(all_ranks(AppendAfterRestart(path, SkewedFirstK(K), 3, 2, 24) == PETSC_SUCCESS));
  REQUIRE(CheckOnRoot(path, [&](Reader &rd) {
    rd.Expect(rd.StrAttr("/", "status") == "complete", "status");
    CheckField(rd, "/agents/v", kWidth, K, kRecords, VValue);
    CheckField(rd, "/agents/s", 1, K, kRecords - 1, SValue);
    CheckField(rd, "/agents/w", 2, K, kRecords, WValue);
    rd.Expect(rd.StrAttr("/agents", "field_order") == "v\ns\nw", "field_order after the restart");
    rd.ExpectUnitsEverywhere();
  }));
}

TEST_CASE("recorder rejects a bad agent field width on every rank together", "[recorder]") {
  TempDir dir;
  const int rank = world_rank(), size = world_size();
  const std::int64_t n = 2 * size + 1;
  const std::string path = dir.path() + "/width.h5";
  const Selection sel = FirstK(Block::make(n, rank, size), n);
  std::unique_ptr<Recorder> rec;
  struct Outcome {
    PetscErrorCode code = 1;
    std::string message;
  };
  auto run = [](auto &&f) {
    Outcome o;
    o.code = f();
    if (o.code != PETSC_SUCCESS) o.message = LastMessage();
    return o;
  };
  Outcome zero, negative, differ, good;
  std::vector<std::int64_t> steps;
  for (std::int64_t r = 0; r < kRecords; ++r) steps.push_back(r);
  REQUIRE(all_ranks(Recorder::Create(PETSC_COMM_WORLD, path, &rec) == PETSC_SUCCESS));
  REQUIRE(all_ranks(rec->DefineAgentAxis(n, sel.offset, sel.nlocal, sel.gids, kRecords,
                                         rank == 0 ? steps : std::vector<std::int64_t>{}, kPerFlush) == PETSC_SUCCESS));
  REQUIRE(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr) == PETSC_SUCCESS);  // errors are expected
  int id = -7;
  zero = run([&] { return rec->DefineAgentField("z", "1", "zero width", &id, 0); });
  negative = run([&] { return rec->DefineAgentField("z", "1", "negative width", &id, -3); });
  // Ranks disagree (at one rank: width 0 again); every rank must fail, not only the odd ones.
  differ = run([&] { return rec->DefineAgentField("z", "1", "width by rank", &id, size > 1 ? 2 + rank % 2 : 0); });
  const int rejected_id = id;
  good = run([&]() -> PetscErrorCode {
    int ok;
    PetscFunctionBeginUser;
    PetscCall(rec->DefineAgentField("ok", "1", "a width-2 field after the rejected ones", &ok, 2));
    PetscCheck(ok == 0 && rec->NumAgentFields() == 1 && rec->AgentFieldWidth(ok) == 2, PETSC_COMM_SELF,
               PETSC_ERR_PLIB, "after the rejected fields: id %d, %d fields", ok, rec->NumAgentFields());
    PetscCall(rec->WriteAgentRecords(ok, 0, kRecords, FieldRecords(WValue, 2, 0, kRecords, sel.gids).data()));
    PetscCall(rec->SetStatus("complete"));
    PetscCall(rec->Close());
    PetscFunctionReturn(PETSC_SUCCESS);
  });
  REQUIRE(PetscPopErrorHandler() == PETSC_SUCCESS);
  auto says = [](const Outcome &o, const std::string &part) {
    return o.code != PETSC_SUCCESS && o.message.find(part) != std::string::npos;
  };
  CHECK(all_ranks(says(zero, "width 0")));
  CHECK(all_ranks(says(negative, "width -3")));
  CHECK(all_ranks(says(differ, size > 1 ? "differs across ranks" : "width 0") && says(differ, "width")));
  CHECK(all_ranks(rejected_id == -7));
  REQUIRE(all_ranks(good.code == PETSC_SUCCESS));
  REQUIRE(CheckOnRoot(path, [&](Reader &rd) {
    rd.Expect(!rd.Exists("/agents/z"), "a rejected field exists");
    rd.Expect(rd.StrAttr("/agents", "field_order") == "ok", "field_order");
    const auto ok = rd.Read<double>("/agents/ok", {static_cast<hsize_t>(kRecords), static_cast<hsize_t>(n), 2});
    for (std::int64_t r = 0; r < kRecords && ok.size() == static_cast<std::size_t>(kRecords * n * 2); ++r)
      for (std::int64_t j = 0; j < n; ++j)
        for (hsize_t c = 0; c < 2; ++c)
          rd.Expect(ok[(r * n + j) * 2 + c] == WValue(r, j, c), "ok at record " + std::to_string(r));
  }));
}
