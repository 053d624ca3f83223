// The HDF5 reader and Recorder::Open: files written at P ranks, read back in other partitions and appended to.
#include <catch2/catch.hpp>

#include "core/block.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "mpi_check.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using dodge::Block;
using dodge::io::Reader;
using dodge::io::Recorder;
using dodge::test::all_ranks;
using dodge::test::world_rank;
using dodge::test::world_size;

namespace {

constexpr std::int64_t kT = 12, kRecords = 6, kPerFlush = 2;
constexpr std::int64_t kStepsFirst = 6, kRecordsFirst = 3;  // what the first run writes before "stopping"

double XValue(std::int64_t rec, std::int64_t gid) { return 1000.0 * rec + gid + 0.25; }
double MuValue(std::int64_t rec, std::int64_t gid) { return -1000.0 * rec - gid - 0.5; }
double ZValue(std::int64_t rec, std::int64_t gid) { return 7.0 * rec + 0.5 * gid; }
double Cost(std::int64_t t) { return 100.0 + t; }
double Price(std::int64_t t) { return 50.0 - 0.5 * t; }
double Alpha(std::int64_t t) { return 1.0 * t * t; }
double StateX(std::int64_t g) { return 2.5 * g - 1.0 / 3.0; }  // not a short binary fraction: exactness matters
std::int64_t Kind(std::int64_t g) { return (g * 7919) % 13 - 6 + (std::int64_t(1) << 40); }

// A fresh directory made by rank 0 and known to all ranks; removed at the end unless
// DODGE_KEEP_TEST_OUTPUT is set.
class TempDir {
 public:
  TempDir() {
    char buf[256] = "";
    if (world_rank() == 0) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "dodge_reader_XXXXXX").string();
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

// The agents the test records: the even global ids. This rank's slice is the even ids of its block.
struct Selection {
  std::int64_t nsel_global, offset, nlocal;
  std::vector<std::int64_t> gids;
};

Selection Evens(std::int64_t n, const Block &blk) {
  Selection s{(n + 1) / 2, (blk.start + 1) / 2, 0, {}};
  for (std::int64_t g = blk.start; g < blk.end; ++g)
    if (g % 2 == 0) s.gids.push_back(g);
  s.nlocal = static_cast<std::int64_t>(s.gids.size());
  return s;
}

// Records [first, first + nrec) of `value` for the selected agents `gids`, row-major [record][agent].
template <typename F>
std::vector<double> Records(F value, std::int64_t first, std::int64_t nrec, const std::vector<std::int64_t> &gids) {
  std::vector<double> out;
  for (std::int64_t r = first; r < first + nrec; ++r)
    for (std::int64_t g : gids) out.push_back(value(r, g));
  return out;
}

// The "first run": attributes, a time axis with series written up to kStepsFirst, the agent axis with
// records up to kRecordsFirst, distributed and global arrays and tables. n agents in even blocks.
PetscErrorCode WriteSource(const std::string &path, std::int64_t n) {
  const int rank = world_rank(), size = world_size();
  const Block blk = Block::make(n, rank, size);
  const Selection sel = Evens(n, blk);
  std::unique_ptr<Recorder> rec;
  int cost, price, x, mu;
  PetscFunctionBeginUser;
  PetscCall(Recorder::Create(PETSC_COMM_WORLD, path, &rec));
  PetscCall(rec->SetAttribute("/", "problem", std::string("dispatch")));
  PetscCall(rec->SetAttribute("/", "dt_hours", 0.5));
  PetscCall(rec->SetAttribute("/", "steps_done", kStepsFirst));

  std::vector<double> time(kT), cost_v(kT), price_v(kT);
  for (std::int64_t t = 0; t < kT; ++t) time[t] = 0.5 * t, cost_v[t] = Cost(t), price_v[t] = Price(t);
  PetscCall(rec->DefineTimeAxis(kT, rank == 0 ? time : std::vector<double>{}, "h", "time since start"));
  PetscCall(rec->DefineSeries("cost", "$", "total cost", &cost));
  PetscCall(rec->DefineSeries("price", "$/MWh", "coordinator price", &price));
  PetscCall(rec->WriteSeriesBlock(0, kStepsFirst, {cost_v.data(), price_v.data()}));

  std::vector<std::int64_t> steps;
  for (std::int64_t r = 0; r < kRecords; ++r) steps.push_back(2 * r);
  PetscCall(rec->DefineAgentAxis(sel.nsel_global, sel.offset, sel.nlocal, sel.gids, kRecords,
                                 rank == 0 ? steps : std::vector<std::int64_t>{}, kPerFlush));
  PetscCall(rec->DefineAgentField("x", "MW", "dispatched power", &x));
  PetscCall(rec->DefineAgentField("mu", "$/MWh", "local multiplier", &mu));
  PetscCall(rec->WriteAgentRecords(x, 0, kRecordsFirst, Records(XValue, 0, kRecordsFirst, sel.gids).data()));
  PetscCall(rec->WriteAgentRecords(mu, 0, kRecordsFirst, Records(MuValue, 0, kRecordsFirst, sel.gids).data()));

  std::vector<double> sx, w;
  std::vector<std::int64_t> kind, edges;
  for (std::int64_t g = blk.start; g < blk.end; ++g) {
    sx.push_back(StateX(g));
    kind.push_back(Kind(g));
    edges.insert(edges.end(), {g, (g + 1) % n});
    w.insert(w.end(), {0.5 * g, 1.5 * g, -g / 3.0});
  }
  const double theta[3] = {1.0, 2.0, 1.0 / 7.0};
  PetscCall(rec->WriteDistributedArray("/state/x", n, blk.start, blk.local(), sx.data(), "MW", "state x", "agent"));
  PetscCall(rec->WriteDistributedArray("/state/kind", n, blk.start, blk.local(), kind.data(), "1", "kind", "agent"));
  PetscCall(rec->SetAttribute("/state", "has_xstar", std::int64_t(1)));
  PetscCall(rec->WriteGlobalArray("/inputs/params/theta", theta, 3, "1", "algorithm parameters"));
  PetscCall(rec->WriteDistributedTable("graph/edges", n, blk.start, blk.local(), 2, edges.data(), "1", "edge list"));
  PetscCall(rec->WriteDistributedTable("graph/weights", n, blk.start, blk.local(), 3, w.data(), "1", "weights"));
  PetscCall(rec->SetStatus("complete"));
  PetscCall(rec->Close());
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Collects mismatches on this rank; Check() reduces over all ranks (rank 0 reports its own).
struct Expect {
  std::vector<std::string> errors;
  void operator()(bool cond, const std::string &what) {
    if (!cond) errors.push_back(what);
  }
  bool Check() {
    for (std::size_t i = 0; i < errors.size() && i < 20; ++i) UNSCOPED_INFO("rank " << world_rank() << ": " << errors[i]);
    return all_ranks(errors.empty());
  }
};

bool Same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }  // exact, NaN == NaN

// Reads the whole file through Reader, with this rank's slices taken from partitions of the agents
// other than the writer's, and compares every value exactly.
PetscErrorCode ReadEverything(const std::string &path, std::int64_t n, std::size_t max_bytes, Expect &expect) {
  const int rank = world_rank(), size = world_size();
  std::unique_ptr<Reader> rd;
  PetscFunctionBeginUser;
  PetscCall(Reader::Open(PETSC_COMM_WORLD, path, &rd));
  rd->SetMaxReadBytes(max_bytes);

  std::string problem;
  double dt = 0;
  std::int64_t steps_done = 0, has_xstar = 0;
  bool has = false, has_not = true, obj = false, no_obj = true, root = false;
  PetscCall(rd->GetAttribute("/", "problem", &problem));
  PetscCall(rd->GetAttribute("/", "dt_hours", &dt));
  PetscCall(rd->GetAttribute("/", "steps_done", &steps_done));
  PetscCall(rd->GetAttribute("/state", "has_xstar", &has_xstar));
  PetscCall(rd->HasAttribute("/state", "has_xstar", &has));
  PetscCall(rd->HasAttribute("/state", "nope", &has_not));
  PetscCall(rd->HasObject("/state/kind", &obj));
  PetscCall(rd->HasObject("/state/nope/deeper", &no_obj));
  PetscCall(rd->HasObject("/", &root));
  expect(problem == "dispatch" && dt == 0.5 && steps_done == kStepsFirst && has_xstar == 1, "root/state attributes");
  expect(has && !has_not && obj && !no_obj && root, "HasAttribute / HasObject");

  std::int64_t len = -1, rows = -1;
  std::vector<std::int64_t> shape;
  PetscCall(rd->DatasetLength("/state/x", &len));
  PetscCall(rd->DatasetLength("/inputs/graph/weights", &rows));
  PetscCall(rd->Shape("/agents/x", &shape));
  expect(len == n && rows == n, "dataset lengths");
  expect(shape == std::vector<std::int64_t>{kRecords, (n + 1) / 2}, "shape of /agents/x");

  // Each rank reads a block of another partition: the reversed blocks, then everything on the last rank
  // (the others read nothing), then P + 1 blocks with the last rank taking the two last ones.
  struct Slice {
    std::int64_t start, count;
  };
  std::vector<std::vector<Slice>> partitions;
  const Block rev = Block::make(n, size - 1 - rank, size);
  partitions.push_back({{rev.start, rev.local()}});
  partitions.push_back({{0, rank == size - 1 ? n : 0}});
  std::vector<Slice> more{{Block::make(n, rank, size + 1).start, Block::make(n, rank, size + 1).local()}};
  if (rank == size - 1) more.push_back({Block::make(n, size, size + 1).start, Block::make(n, size, size + 1).local()});
  partitions.push_back(more);
  for (std::size_t p = 0; p < partitions.size(); ++p) {
    // Every rank must make the same number of calls: pad with empty slices up to the longest list.
    std::int64_t mine = static_cast<std::int64_t>(partitions[p].size()), calls = 0;
    PetscCallMPI(MPI_Allreduce(&mine, &calls, 1, MPI_INT64_T, MPI_MAX, PETSC_COMM_WORLD));
    for (std::int64_t c = 0; c < calls; ++c) {
      const Slice s = c < mine ? partitions[p][static_cast<std::size_t>(c)] : Slice{0, 0};
      std::vector<double> x(static_cast<std::size_t>(s.count));
      std::vector<std::int64_t> kind(static_cast<std::size_t>(s.count));
      PetscCall(rd->ReadSlice("/state/x", s.start, s.count, x.data()));
      PetscCall(rd->ReadSlice("/state/kind", s.start, s.count, kind.data()));
      for (std::int64_t i = 0; i < s.count; ++i) {
        const std::int64_t g = s.start + i;
        expect(Same(x[i], StateX(g)), "/state/x[" + std::to_string(g) + "] in partition " + std::to_string(p));
        expect(kind[i] == Kind(g), "/state/kind[" + std::to_string(g) + "] in partition " + std::to_string(p));
      }
    }
  }

  // Global arrays and tables on every rank.
  std::vector<double> time, cost, price, theta, x, w;
  std::vector<std::int64_t> steps, agent, edges, ids;
  std::int64_t xr = -1, xc = -1, er = -1, ec = -1, wr = -1, wc = -1;
  PetscCall(rd->ReadAll("/series/time", &time));
  PetscCall(rd->ReadAll("/series/cost", &cost));
  PetscCall(rd->ReadAll("/series/price", &price));
  PetscCall(rd->ReadAll("/inputs/params/theta", &theta));
  PetscCall(rd->ReadAll("/agents/record_step", &steps));
  PetscCall(rd->ReadAll("/agents/agent", &agent));
  PetscCall(rd->ReadAll("/inputs/agent_id", &ids));
  PetscCall(rd->ReadAll2D("/agents/x", &xr, &xc, &x));
  PetscCall(rd->ReadAll2D("/inputs/graph/edges", &er, &ec, &edges));
  PetscCall(rd->ReadAll2D("/inputs/graph/weights", &wr, &wc, &w));
  expect(time.size() == kT && cost.size() == kT && price.size() == kT, "series lengths");
  for (std::int64_t t = 0; t < kT && time.size() == kT && cost.size() == kT && price.size() == kT; ++t) {
    // Steps the first run did not reach are NaN (the series' fill value).
    expect(Same(time[t], 0.5 * t), "time[" + std::to_string(t) + "]");
    expect(t < kStepsFirst ? Same(cost[t], Cost(t)) : std::isnan(cost[t]), "cost[" + std::to_string(t) + "]");
    expect(t < kStepsFirst ? Same(price[t], Price(t)) : std::isnan(price[t]), "price[" + std::to_string(t) + "]");
  }
  expect(theta == std::vector<double>{1.0, 2.0, 1.0 / 7.0}, "theta");
  expect(steps.size() == kRecords, "record steps");
  for (std::int64_t r = 0; r < kRecords && steps.size() == kRecords; ++r) expect(steps[r] == 2 * r, "record step");
  const std::int64_t K = (n + 1) / 2;
  expect(static_cast<std::int64_t>(agent.size()) == K && xr == kRecords && xc == K, "agent axis sizes");
  for (std::int64_t j = 0; j < K && static_cast<std::int64_t>(agent.size()) == K; ++j)
    expect(agent[j] == 2 * j, "agent axis entry " + std::to_string(j));
  for (std::int64_t r = 0; r < kRecords && xr == kRecords && xc == K; ++r)
    for (std::int64_t j = 0; j < K; ++j) {
      const double v = x[static_cast<std::size_t>(r * K + j)];
      expect(r < kRecordsFirst ? Same(v, XValue(r, 2 * j)) : std::isnan(v),
             "/agents/x[" + std::to_string(r) + "][" + std::to_string(j) + "]");
    }
  expect(er == n && ec == 2 && wr == n && wc == 3 && static_cast<std::int64_t>(ids.size()) == n, "table sizes");
  for (std::int64_t g = 0; g < n && er == n && ec == 2 && wr == n && wc == 3; ++g) {
    expect(edges[2 * g] == g && edges[2 * g + 1] == (g + 1) % n, "edge " + std::to_string(g));
    expect(Same(w[3 * g], 0.5 * g) && Same(w[3 * g + 1], 1.5 * g) && Same(w[3 * g + 2], -g / 3.0),
           "weights " + std::to_string(g));
    expect(ids[g] == g, "agent id " + std::to_string(g));
  }
  PetscCall(rd->Close());
  PetscCall(rd->Close());  // a second Close does nothing
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The specific message of the last PETSc error (PetscReturnErrorHandler keeps it), to check it names things.
std::string LastMessage() {
  const char *text = nullptr;
  char *specific = nullptr;
  PetscErrorMessage(0, &text, &specific);
  return specific ? specific : "";
}

bool Contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

// Serial raw-HDF5 access on rank 0, independent of Reader, for the append test.
struct Serial {
  hid_t file;
  explicit Serial(const std::string &path, unsigned flags = H5F_ACC_RDONLY)
      : file(H5Fopen(path.c_str(), flags, H5P_DEFAULT)) {}
  ~Serial() {
    if (file >= 0) H5Fclose(file);
  }
  template <typename T>
  std::vector<T> Read(const std::string &p) {
    std::vector<T> out;
    hid_t d = H5Dopen2(file, p.c_str(), H5P_DEFAULT);
    if (d < 0) return out;
    hid_t s = H5Dget_space(d);
    const hssize_t npts = H5Sget_simple_extent_npoints(s);
    H5Sclose(s);
    out.resize(static_cast<std::size_t>(std::max<hssize_t>(npts, 0)));
    const hid_t mt = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
    if (!out.empty() && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) out.clear();
    H5Dclose(d);
    return out;
  }
  std::string Str(const std::string &obj, const std::string &name) {
    std::string value = "<missing>";
    hid_t a = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return value;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    char *s = nullptr;
    if (H5Aread(a, mt, &s) >= 0 && s) value = s, H5free_memory(s);
    H5Tclose(mt);
    H5Aclose(a);
    return value;
  }
  bool Attached(const std::string &p, const std::string &scale, unsigned dim) {
    hid_t d = H5Dopen2(file, p.c_str(), H5P_DEFAULT), s = H5Dopen2(file, scale.c_str(), H5P_DEFAULT);
    const bool ok = d >= 0 && s >= 0 && H5DSis_attached(d, s, dim) > 0;
    if (d >= 0) H5Dclose(d);
    if (s >= 0) H5Dclose(s);
    return ok;
  }
};

// Runs `check` on rank 0 after every rank is done with the file; every rank learns the outcome.
template <typename F>
bool OnRoot(F &&check) {
  MPI_Barrier(PETSC_COMM_WORLD);
  Expect expect;
  if (world_rank() == 0) check(expect);
  return expect.Check();
}

}  // namespace

TEST_CASE("reader reads every slice back exactly in any partition", "[reader]") {
  TempDir dir;
  REQUIRE(all_ranks(!dir.path().empty()));
  const std::int64_t n = 10 * world_size() + 3;
  const std::string path = dir.path() + "/source.h5";
  REQUIRE(all_ranks(WriteSource(path, n) == PETSC_SUCCESS));
  // Small read limits cut every read into uneven numbers of pieces per rank (and the broadcasts too).
  for (std::size_t max_bytes : {std::size_t(1) << 30, std::size_t(24), std::size_t(8)}) {
    INFO("max read bytes " << max_bytes);
    Expect expect;
    REQUIRE(all_ranks(ReadEverything(path, n, max_bytes, expect) == PETSC_SUCCESS));
    REQUIRE(expect.Check());
  }
}

TEST_CASE("reader and Recorder::Open fail on every rank together, naming what is missing", "[reader]") {
  TempDir dir;
  const int rank = world_rank(), size = world_size();
  const std::int64_t n = 4 * size + 1;
  const std::string path = dir.path() + "/source.h5", text = dir.path() + "/notes.txt",
                    foreign = dir.path() + "/foreign.h5", missing = dir.path() + "/missing.h5";
  REQUIRE(all_ranks(WriteSource(path, n) == PETSC_SUCCESS));
  if (rank == 0) {
    std::ofstream(text) << "not HDF5\n";
    hid_t f = H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);  // HDF5, but not dodge's
    if (f >= 0) H5Fclose(f);
  }
  MPI_Barrier(PETSC_COMM_WORLD);

  struct Outcome {
    PetscErrorCode code = PETSC_SUCCESS;
    std::string message;
  };
  auto run = [](auto &&f) {
    Outcome o;
    o.code = f();
    if (o.code != PETSC_SUCCESS) o.message = LastMessage();
    return o;
  };
  std::unique_ptr<Reader> rd;
  std::unique_ptr<Recorder> rec;
  std::string s;
  double d;
  std::int64_t i64;
  std::vector<double> v;
  std::int64_t rows, cols;
  bool has = true;
  REQUIRE(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr) == PETSC_SUCCESS);  // errors are expected
  const Outcome no_file = run([&] { return Reader::Open(PETSC_COMM_WORLD, missing, &rd); });
  const Outcome not_h5 = run([&] { return Reader::Open(PETSC_COMM_WORLD, text, &rd); });
  const Outcome a_dir = run([&] { return Reader::Open(PETSC_COMM_WORLD, dir.path(), &rd); });
  const Outcome rec_no_file = run([&] { return Recorder::Open(PETSC_COMM_WORLD, missing, &rec); });
  const Outcome rec_foreign = run([&] { return Recorder::Open(PETSC_COMM_WORLD, foreign, &rec); });
  const Outcome opened = run([&] { return Reader::Open(PETSC_COMM_WORLD, path, &rd); });
  Outcome no_attr, no_obj, wrong_type, wrong_type2, no_dset, rank2, rank1, int_as_double, out_of_range, relative,
      has_missing, still_works, closed;
  std::vector<double> slice(4, -1.0);
  if (opened.code == PETSC_SUCCESS) {
    no_attr = run([&] { return rd->GetAttribute("/state", "missing_attr", &s); });
    no_obj = run([&] { return rd->GetAttribute("/nowhere", "status", &s); });
    wrong_type = run([&] { return rd->GetAttribute("/", "problem", &d); });
    wrong_type2 = run([&] { return rd->GetAttribute("/", "dt_hours", &i64); });
    no_dset = run([&] { return rd->ReadSlice("/state/missing", 0, 0, slice.data()); });
    rank2 = run([&] { return rd->ReadAll("/inputs/graph/weights", &v); });
    rank1 = run([&] { return rd->ReadAll2D("/state/x", &rows, &cols, &v); });
    int_as_double = run([&] { return rd->ReadSlice("/state/kind", 0, 1, slice.data()); });
    // Only the last rank asks for too much; every rank must fail, and the message must be its own.
    out_of_range = run([&] { return rd->ReadSlice("/state/x", rank == size - 1 ? n - 1 : 0, 2, slice.data()); });
    relative = run([&] { return rd->HasObject("state/x", &has); });
    has_missing = run([&] { return rd->HasAttribute("/no/such/group", "a", &has); });
    still_works = run([&] { return rd->ReadSlice("/state/x", rank, 1, slice.data()); });
    if (rd->Close() == PETSC_SUCCESS) closed = run([&] { return rd->ReadSlice("/state/x", 0, 0, slice.data()); });
  }
  REQUIRE(PetscPopErrorHandler() == PETSC_SUCCESS);

  CHECK(all_ranks(no_file.code != PETSC_SUCCESS && Contains(no_file.message, missing) &&
                  Contains(no_file.message, "no such file")));
  CHECK(all_ranks(not_h5.code != PETSC_SUCCESS && Contains(not_h5.message, text) &&
                  Contains(not_h5.message, "not an HDF5 file")));
  CHECK(all_ranks(a_dir.code != PETSC_SUCCESS && Contains(a_dir.message, "directory")));
  CHECK(all_ranks(rec_no_file.code != PETSC_SUCCESS && Contains(rec_no_file.message, missing)));
  CHECK(all_ranks(rec_foreign.code != PETSC_SUCCESS && Contains(rec_foreign.message, "status")));
  REQUIRE(all_ranks(opened.code == PETSC_SUCCESS));
  CHECK(all_ranks(no_attr.code != PETSC_SUCCESS && Contains(no_attr.message, "missing_attr") &&
                  Contains(no_attr.message, "/state")));
  CHECK(all_ranks(no_obj.code != PETSC_SUCCESS && Contains(no_obj.message, "/nowhere")));
  CHECK(all_ranks(wrong_type.code != PETSC_SUCCESS && Contains(wrong_type.message, "problem") &&
                  Contains(wrong_type.message, "is a string")));
  CHECK(all_ranks(wrong_type2.code != PETSC_SUCCESS && Contains(wrong_type2.message, "dt_hours")));
  CHECK(all_ranks(no_dset.code != PETSC_SUCCESS && Contains(no_dset.message, "/state/missing")));
  CHECK(all_ranks(rank2.code != PETSC_SUCCESS && Contains(rank2.message, "has 2 dimension")));
  CHECK(all_ranks(rank1.code != PETSC_SUCCESS && Contains(rank1.message, "has 1 dimension")));
  CHECK(all_ranks(int_as_double.code != PETSC_SUCCESS && Contains(int_as_double.message, "floating point")));
  CHECK(all_ranks(out_of_range.code != PETSC_SUCCESS &&
                  Contains(out_of_range.message, "[" + std::to_string(n - 1) + ", " + std::to_string(n + 1) + ")")));
  CHECK(all_ranks(relative.code != PETSC_SUCCESS));
  CHECK(all_ranks(has_missing.code == PETSC_SUCCESS && !has));  // a missing object has no attributes
  // After the rejected calls the reader still reads correctly; after Close it refuses.
  CHECK(all_ranks(still_works.code == PETSC_SUCCESS && Same(slice[0], StateX(rank))));
  CHECK(all_ranks(closed.code != PETSC_SUCCESS));
}

TEST_CASE("Recorder::Open appends to a file at another agent slicing", "[reader]") {
  TempDir dir;
  const int rank = world_rank(), size = world_size();
  const std::int64_t n = 6 * size + 1, K = (n + 1) / 2;
  const std::string path = dir.path() + "/run.h5";
  REQUIRE(all_ranks(WriteSource(path, n) == PETSC_SUCCESS));
  std::vector<std::int64_t> all_sel;
  for (std::int64_t j = 0; j < K; ++j) all_sel.push_back(2 * j);

  // A first restart that crashes: wrong use is rejected on every rank, and without Close the file says running.
  struct Ids {
    int num_series = -1, num_fields = -1, cost = -2, price = -2, nope = -2, x = -2, mu = -2;
    std::int64_t T = -1;
  } ids;
  PetscErrorCode opened, before_rebind = 0, bad_gids = 0, bad_tiling = 0, rebound = 1;
  REQUIRE(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr) == PETSC_SUCCESS);
  {
    std::unique_ptr<Recorder> rec;
    opened = Recorder::Open(PETSC_COMM_WORLD, path, &rec);
    if (opened == PETSC_SUCCESS) {
      ids = {rec->NumSeries(),       rec->NumAgentFields(),     rec->SeriesId("cost"), rec->SeriesId("price"),
             rec->SeriesId("nope"), rec->AgentFieldId("x"), rec->AgentFieldId("mu"), rec->NumSteps()};
      const double v[4] = {};
      before_rebind = rec->WriteAgentRecords(0, 3, 1, v);
      // The last rank claims all agents but one id is off by one: the file's axis disagrees.
      std::vector<std::int64_t> wrong = all_sel;
      wrong.back() += 1;
      bad_gids = rec->RebindAgentAxis(0, rank == size - 1 ? K : 0,
                                      rank == size - 1 ? wrong : std::vector<std::int64_t>{});
      // Every rank claims all agents but the first: the slices leave a gap (and overlap at P > 1).
      bad_tiling = rec->RebindAgentAxis(1, K - 1, std::vector<std::int64_t>(all_sel.begin() + 1, all_sel.end()));
      rebound = rec->RebindAgentAxis(0, rank == size - 1 ? K : 0, rank == size - 1 ? all_sel : std::vector<std::int64_t>{});
    }
  }  // destroyed without Close: a crash
  REQUIRE(PetscPopErrorHandler() == PETSC_SUCCESS);
  REQUIRE(all_ranks(opened == PETSC_SUCCESS));
  CHECK(all_ranks(ids.num_series == 2 && ids.num_fields == 2 && ids.cost == 0 && ids.price == 1 && ids.nope == -1 &&
                  ids.x == 0 && ids.mu == 1 && ids.T == kT));
  CHECK(all_ranks(before_rebind != PETSC_SUCCESS));
  CHECK(all_ranks(bad_gids != PETSC_SUCCESS));
  CHECK(all_ranks(bad_tiling != PETSC_SUCCESS));
  CHECK(all_ranks(rebound == PETSC_SUCCESS));
  REQUIRE(OnRoot([&](Expect &expect) {
    Serial f(path);
    expect(f.Str("/", "status") == "running", "status after a crashed restart is " + f.Str("/", "status"));
  }));

  // The real restart: all selected agents on the last rank, the rest of the run written, then complete.
  auto restart = [&]() -> PetscErrorCode {
    std::unique_ptr<Recorder> rec;
    const Block blk = Block::make(n, rank, size);
    const bool last = rank == size - 1;
    const std::vector<std::int64_t> mine = last ? all_sel : std::vector<std::int64_t>{};
    std::vector<double> cost_v(kT), price_v(kT), alpha_v(kT), y;
    int alpha, z;
    PetscFunctionBeginUser;
    PetscCall(Recorder::Open(PETSC_COMM_WORLD, path, &rec));
    PetscCall(rec->RebindAgentAxis(0, last ? K : 0, mine));
    for (std::int64_t t = 0; t < kT; ++t) cost_v[t] = Cost(t), price_v[t] = Price(t), alpha_v[t] = Alpha(t);
    const std::int64_t rest = kT - kStepsFirst;
    std::vector<const double *> block(static_cast<std::size_t>(rec->NumSeries()));
    block[static_cast<std::size_t>(rec->SeriesId("cost"))] = cost_v.data() + kStepsFirst;
    block[static_cast<std::size_t>(rec->SeriesId("price"))] = price_v.data() + kStepsFirst;
    PetscCall(rec->WriteSeriesBlock(kStepsFirst, rest, block));
    PetscCall(rec->DefineSeries("alpha", "1", "a series new after the restart", &alpha));
    PetscCall(rec->WriteSeries(alpha, 0, kT, alpha_v.data()));
    const std::int64_t nrec = kRecords - kRecordsFirst;
    PetscCall(rec->WriteAgentRecords(rec->AgentFieldId("x"), kRecordsFirst, nrec,
                                     last ? Records(XValue, kRecordsFirst, nrec, mine).data() : nullptr));
    PetscCall(rec->WriteAgentRecords(rec->AgentFieldId("mu"), kRecordsFirst, nrec,
                                     last ? Records(MuValue, kRecordsFirst, nrec, mine).data() : nullptr));
    PetscCall(rec->DefineAgentField("z", "1", "a field new after the restart", &z));
    PetscCall(rec->WriteAgentRecords(z, 0, kRecords, last ? Records(ZValue, 0, kRecords, mine).data() : nullptr));
    // A per-agent array after the restart attaches to the existing /inputs/agent_id.
    for (std::int64_t g = blk.start; g < blk.end; ++g) y.push_back(-StateX(g));
    PetscCall(rec->WriteDistributedArray("/state/y", n, blk.start, blk.local(), y.data(), "MW", "y", "agent"));
    PetscCall(rec->SetAttribute("/", "restarts", std::int64_t(1)));
    PetscCall(rec->SetStatus("complete"));
    PetscCall(rec->Close());
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  REQUIRE(all_ranks(restart() == PETSC_SUCCESS));

  REQUIRE(OnRoot([&](Expect &expect) {
    Serial f(path);
    expect(f.file >= 0, "cannot open " + path);
    expect(f.Str("/", "status") == "complete", "status " + f.Str("/", "status"));
    expect(f.Str("/", "problem") == "dispatch", "old attribute");
    expect(f.Str("/series", "series_order") == "cost\nprice\nalpha", "series_order " + f.Str("/series", "series_order"));
    expect(f.Str("/agents", "field_order") == "x\nmu\nz", "field_order " + f.Str("/agents", "field_order"));
    const auto cost = f.Read<double>("/series/cost"), price = f.Read<double>("/series/price"),
               alpha = f.Read<double>("/series/alpha"), time = f.Read<double>("/series/time");
    expect(cost.size() == kT && price.size() == kT && alpha.size() == kT && time.size() == kT, "series lengths");
    for (std::int64_t t = 0; t < kT && cost.size() == kT && price.size() == kT && alpha.size() == kT; ++t) {
      expect(Same(cost[t], Cost(t)) && Same(price[t], Price(t)), "cost/price at step " + std::to_string(t));
      expect(Same(alpha[t], Alpha(t)) && Same(time[t], 0.5 * t), "alpha/time at step " + std::to_string(t));
    }
    const auto agent = f.Read<std::int64_t>("/agents/agent");
    expect(agent == all_sel, "agent axis unchanged");
    const auto x = f.Read<double>("/agents/x"), mu = f.Read<double>("/agents/mu"), z = f.Read<double>("/agents/z");
    const std::size_t cells = static_cast<std::size_t>(kRecords * K);
    expect(x.size() == cells && mu.size() == cells && z.size() == cells, "agent field sizes");
    for (std::int64_t r = 0; r < kRecords && x.size() == cells && mu.size() == cells && z.size() == cells; ++r)
      for (std::int64_t j = 0; j < K; ++j) {
        const std::size_t c = static_cast<std::size_t>(r * K + j);
        const std::string at = " at record " + std::to_string(r) + " agent " + std::to_string(j);
        expect(Same(x[c], XValue(r, 2 * j)), "x" + at);
        expect(Same(mu[c], MuValue(r, 2 * j)), "mu" + at);
        expect(Same(z[c], ZValue(r, 2 * j)), "z" + at);
      }
    expect(f.Attached("/agents/z", "/agents/record_step", 0) && f.Attached("/agents/z", "/agents/agent", 1),
           "scales of the new field");
    expect(f.Attached("/series/alpha", "/series/time", 0), "scale of the new series");
    // netCDF dimensions are visible in their group and its subgroups only: /state has its own agent_id.
    expect(f.Attached("/state/y", "/state/agent_id", 0), "scale of the new per-agent array");
    const auto state_ids = f.Read<std::int64_t>("/state/agent_id");
    expect(static_cast<std::int64_t>(state_ids.size()) == n, "/state/agent_id size");
    for (std::int64_t g = 0; g < n && static_cast<std::int64_t>(state_ids.size()) == n; ++g)
      expect(state_ids[static_cast<std::size_t>(g)] == g, "/state/agent_id of agent " + std::to_string(g));
    const auto y = f.Read<double>("/state/y"), sx = f.Read<double>("/state/x");
    expect(static_cast<std::int64_t>(y.size()) == n && static_cast<std::int64_t>(sx.size()) == n, "state sizes");
    for (std::int64_t g = 0; g < n && static_cast<std::int64_t>(y.size()) == n && static_cast<std::int64_t>(sx.size()) == n; ++g)
      expect(Same(y[g], -StateX(g)) && Same(sx[g], StateX(g)), "state of agent " + std::to_string(g));
  }));

  // A file from before series_order: ids fall back to name order.
  if (rank == 0) {
    Serial f(path, H5F_ACC_RDWR);
    H5Adelete_by_name(f.file, "/series", "series_order", H5P_DEFAULT);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  int alpha = -2, cost = -2, price = -2;
  auto reopen = [&]() -> PetscErrorCode {
    std::unique_ptr<Recorder> rec;
    PetscFunctionBeginUser;
    PetscCall(Recorder::Open(PETSC_COMM_WORLD, path, &rec));
    alpha = rec->SeriesId("alpha"), cost = rec->SeriesId("cost"), price = rec->SeriesId("price");
    PetscCall(rec->SetStatus("complete"));
    PetscCall(rec->Close());
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  REQUIRE(all_ranks(reopen() == PETSC_SUCCESS));
  CHECK(all_ranks(alpha == 0 && cost == 1 && price == 2));
}

TEST_CASE("Recorder::Open on a file that recorded no agents", "[reader]") {
  TempDir dir;
  const int rank = world_rank();
  const std::string path = dir.path() + "/none.h5";
  auto create = [&]() -> PetscErrorCode {
    std::unique_ptr<Recorder> rec;
    PetscFunctionBeginUser;
    PetscCall(Recorder::Create(PETSC_COMM_WORLD, path, &rec));
    PetscCall(rec->DefineTimeAxis(3, std::vector<double>{0, 1, 2}, "h", "time"));
    PetscCall(rec->DefineAgentAxis(0, 0, 0, {}, 2, rank == 0 ? std::vector<std::int64_t>{0, 2} : std::vector<std::int64_t>{},
                                   1));  // selection "none": no /agents in the file
    PetscCall(rec->Close());
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  REQUIRE(all_ranks(create() == PETSC_SUCCESS));
  PetscErrorCode claims = PETSC_SUCCESS, empty = 1, field = 1, write = 1;
  int series = -2, fields = -2;
  std::unique_ptr<Recorder> rec;
  REQUIRE(all_ranks(Recorder::Open(PETSC_COMM_WORLD, path, &rec) == PETSC_SUCCESS));
  series = rec->NumSeries(), fields = rec->NumAgentFields();
  REQUIRE(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr) == PETSC_SUCCESS);
  claims = rec->RebindAgentAxis(0, rank == 0 ? 1 : 0, rank == 0 ? std::vector<std::int64_t>{0} : std::vector<std::int64_t>{});
  REQUIRE(PetscPopErrorHandler() == PETSC_SUCCESS);
  empty = rec->RebindAgentAxis(0, 0, {});
  int id = -1;
  if (empty == PETSC_SUCCESS) field = rec->DefineAgentField("x", "1", "x", &id);  // nothing in the file, as on Create
  if (field == PETSC_SUCCESS) write = rec->WriteAgentRecords(id, 0, 2, nullptr);
  CHECK(all_ranks(series == 0 && fields == 0));
  CHECK(all_ranks(claims != PETSC_SUCCESS));
  CHECK(all_ranks(empty == PETSC_SUCCESS && field == PETSC_SUCCESS && write == PETSC_SUCCESS));
  REQUIRE(all_ranks(rec->SetStatus("complete") == PETSC_SUCCESS && rec->Close() == PETSC_SUCCESS));
  REQUIRE(OnRoot([&](Expect &expect) {
    Serial f(path);
    expect(f.Str("/", "status") == "complete", "status");
    expect(H5Lexists(f.file, "/agents", H5P_DEFAULT) == 0, "/agents must not exist");
  }));
}
