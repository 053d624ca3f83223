// The neighbours-scope clearing of mmr (algorithms/market_clearing.hpp; docs/gridcell.md §16.5, §16.14 oracles
// 1, 2, 7) on the real exchange layer at any rank count: both ends of every market edge hold bitwise the same
// z_{j→i}; the market balances; nobody sells or buys more than offered or bid; the result is bitwise that of a
// one-rank build; on the complete graph it is the cell-wide MMR closed form; bad inputs are refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/market_clearing.hpp"
#include "core/block.hpp"
#include "graph/graph.hpp"
#include "mpi_check.hpp"
#include "problems/gridcell_model.hpp"
#include "test_errors.hpp"

using namespace dodge;

namespace {

namespace gc = problems::gridcell;

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// A declared position for home g at step t in about [-2, 2] kW; every 7th home is balanced (s = d = 0).
double Position(std::int64_t g, std::int64_t t) {
  if (g % 7 == 3) return 0.0;
  const double x = std::sin(12.9898 * static_cast<double>(g) + 78.233 * static_cast<double>(t)) * 43758.5453;
  return 4.0 * (x - std::floor(x)) - 2.0;
}

graph::Options Family(const std::string &family, double q = 0.0) {
  graph::Options o;
  o.family = family, o.link_failure = q, o.seed = 3;
  if (family.find("directed") != std::string::npos) o.weights = "outdegree";
  return o;
}

// One clearing of step t on `comm` for `block`: sold, bought per local home, and per row entry (i, j) with
// its z_in = z_{j→i} and z_out = z_{i→j} as held at i's end.
struct Result {
  std::vector<double> s, d, sold, bought;
  std::vector<std::int64_t> ei, ej;  // global ids of each market row entry (i owned, j its neighbour)
  std::vector<double> zin, zout;
  double messages = 0, bytes = 0;
  bool ok = false;
};

Result Clear(MPI_Comm comm, const Block &block, const graph::LocalGraphs &graphs, int rounds, std::int64_t t) {
  Result r;
  const std::int64_t nl = block.local();
  r.s.resize(nl), r.d.resize(nl), r.sold.resize(nl), r.bought.resize(nl);
  for (std::int64_t i = 0; i < nl; ++i) {
    const double n = Position(block.start + i, t);
    r.s[i] = gc::GridRound(gc::pos(-n)), r.d[i] = gc::GridRound(gc::pos(n));
  }
  algorithms::NeighbourClearing nb;
  r.ok = nb.Setup(comm, block, graphs, rounds) == PETSC_SUCCESS &&
         nb.Clear(t, r.s.data(), r.d.data(), r.sold.data(), r.bought.data(), &r.messages, &r.bytes) == PETSC_SUCCESS;
  const graph::Mixing &m = graphs.graphs[graphs.which(t)];
  for (std::int64_t i = 0; r.ok && i < nl; ++i)
    for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
      if (m.col[e] == i) continue;
      r.ei.push_back(block.start + i), r.ej.push_back(m.gid[e]);
      r.zin.push_back(nb.z_in(e)), r.zout.push_back(nb.z_out(e));
    }
  return r;
}

// Every rank's values, concatenated in rank order, on every rank.
template <class T>
std::vector<T> AllGather(const std::vector<T> &local) {
  const int size = test::world_size();
  int n = static_cast<int>(local.size() * sizeof(T));
  std::vector<int> counts(size), displs(size, 0);
  MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, PETSC_COMM_WORLD);
  for (int k = 1; k < size; ++k) displs[k] = displs[k - 1] + counts[k - 1];
  std::vector<T> all((displs[size - 1] + counts[size - 1]) / sizeof(T));
  MPI_Allgatherv(local.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, PETSC_COMM_WORLD);
  return all;
}

// The distributed clearing and a one-rank one of the same graph agree bitwise per home and per edge entry;
// the edge values agree bitwise between the two ends; balance and the offer and bid bounds hold.
void CheckFamily(const graph::Options &o, std::int64_t n, int rounds) {
  const Block block = Block::make(n, test::world_rank(), test::world_size()), whole = Block::make(n, 0, 1);
  graph::LocalGraphs world, serial;
  REQUIRE(test::all_ranks(graph::GraphsBuild(o, block, &world) == PETSC_SUCCESS &&
                          graph::GraphsBuild(o, whole, PETSC_COMM_SELF, &serial) == PETSC_SUCCESS));
  bool positive = false;  // the test trades something at some step
  for (std::int64_t t = 1; t <= 4; ++t) {
    Result w = Clear(PETSC_COMM_WORLD, block, world, rounds, t);
    REQUIRE(test::all_ranks(w.ok));
    const Result ref = Clear(PETSC_COMM_SELF, whole, serial, rounds, t);
    REQUIRE(ref.ok);
    bool same = true;
    for (std::int64_t i = 0; i < block.local(); ++i)
      same = same && SameBits(w.sold[i], ref.sold[block.start + i]) && SameBits(w.bought[i], ref.bought[block.start + i]);
    CHECK(test::all_ranks(same));
    CHECK(w.messages == ref.messages);
    CHECK(w.bytes == 16.0 * w.messages);
    // Gather every rank's entries: (i, j) -> (z_in at i, z_out at i).
    const auto ei = AllGather(w.ei), ej = AllGather(w.ej);
    const auto zin = AllGather(w.zin), zout = AllGather(w.zout);
    std::map<std::pair<std::int64_t, std::int64_t>, std::pair<double, double>> z;
    for (std::size_t k = 0; k < ei.size(); ++k) z[{ei[k], ej[k]}] = {zin[k], zout[k]};
    REQUIRE(z.size() == ref.ei.size());
    bool ends = true, vs_ref = true;
    for (std::size_t k = 0; k < ref.ei.size(); ++k) {
      const auto &here = z[{ref.ei[k], ref.ej[k]}];
      vs_ref = vs_ref && SameBits(here.first, ref.zin[k]) && SameBits(here.second, ref.zout[k]);
      // z_{j→i} at i's end (its z_in on entry (i, j)) equals z_{j→i} at j's end (its z_out on entry (j, i)).
      const auto it = z.find({ref.ej[k], ref.ei[k]});
      ends = ends && it != z.end() && SameBits(here.first, it->second.second);
      positive = positive || here.first > 0;
    }
    CHECK(ends);
    CHECK(vs_ref);
    // Oracle 1 on the whole cell (the one-rank values, equal bitwise to the distributed ones).
    double sold = 0, bought = 0;
    bool bounded = true, idle = true;
    for (std::int64_t i = 0; i < n; ++i) {
      sold += ref.sold[i], bought += ref.bought[i];
      bounded = bounded && ref.sold[i] >= 0 && ref.bought[i] >= 0 && ref.sold[i] <= ref.s[i] * (1 + 1e-12) &&
                ref.bought[i] <= ref.d[i] * (1 + 1e-12);
      if (ref.s[i] == 0 && ref.d[i] == 0) idle = idle && ref.sold[i] == 0 && ref.bought[i] == 0;
    }
    CHECK(bounded);
    CHECK(idle);
    CHECK(std::fabs(sold - bought) <= 1e-12 * sold);
    // §12: X1 and X2 on each directed market edge per round; with failures, only the edges that are up.
    const double entries = static_cast<double>(ref.ei.size());
    if (o.link_failure == 0 && serial.B == 1) CHECK(ref.messages == 2.0 * rounds * 2.0 * static_cast<double>(serial.union_edges));
    else CHECK(ref.messages <= 2.0 * rounds * entries);
  }
  CHECK(positive);
}

}  // namespace

TEST_CASE("market clearing, neighbours scope: both ends, balance, rank independence (watts_strogatz)", "[mpi][gridcell]") {
  CheckFamily(Family("watts_strogatz"), 53, 2);
  CheckFamily(Family("watts_strogatz"), 53, 3);
}

TEST_CASE("market clearing, neighbours scope: link failures and a switching sequence", "[mpi][gridcell]") {
  CheckFamily(Family("erdos_renyi", 0.3), 41, 2);
  CheckFamily(Family("switching3"), 6, 2);
}

TEST_CASE("market clearing, neighbours scope on the complete graph is the cell-wide MMR closed form", "[mpi][gridcell]") {
  const std::int64_t n = 23;
  const Block block = Block::make(n, test::world_rank(), test::world_size());
  graph::LocalGraphs g;
  REQUIRE(test::all_ranks(graph::GraphsBuild(Family("complete"), block, &g) == PETSC_SUCCESS));
  for (std::int64_t t = 1; t <= 5; ++t) {
    const Result r = Clear(PETSC_COMM_WORLD, block, g, 2, t);
    REQUIRE(test::all_ranks(r.ok));
    std::int64_t sd[2] = {0, 0};
    for (std::int64_t g2 = 0; g2 < n; ++g2) {
      const double x = Position(g2, t);
      sd[0] += gc::GridInt(gc::pos(-x)), sd[1] += gc::GridInt(gc::pos(x));
    }
    const double S = sd[0] / gc::kGrid, D = sd[1] / gc::kGrid;
    REQUIRE(S > 0);
    REQUIRE(D > 0);
    bool ok = true;
    for (std::int64_t i = 0; i < block.local(); ++i) {
      const double so = r.s[i] * std::min(1.0, D / S), bo = r.d[i] * std::min(1.0, S / D);
      ok = ok && std::fabs(r.sold[i] - so) <= 1e-12 * std::max(1.0, so) && std::fabs(r.bought[i] - bo) <= 1e-12 * std::max(1.0, bo);
    }
    CHECK(test::all_ranks(ok));
  }
}

TEST_CASE("market clearing, neighbours scope: R_m < 1 and directed graphs are refused", "[mpi][gridcell]") {
  const Block block = Block::make(12, test::world_rank(), test::world_size());
  graph::LocalGraphs ring, directed;
  REQUIRE(test::all_ranks(graph::GraphsBuild(Family("ring"), block, &ring) == PETSC_SUCCESS &&
                          graph::GraphsBuild(Family("ring_directed"), block, &directed) == PETSC_SUCCESS));
  algorithms::NeighbourClearing nb;
  CHECK(test::all_ranks(test::Quietly([&] { return nb.Setup(PETSC_COMM_WORLD, block, ring, 0); }) == PETSC_ERR_ARG_OUTOFRANGE));
  CHECK(test::all_ranks(test::Quietly([&] { return nb.Setup(PETSC_COMM_WORLD, block, directed, 2); }) == PETSC_ERR_ARG_INCOMP));
}
