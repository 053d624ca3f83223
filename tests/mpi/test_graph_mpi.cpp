// Graph rows, ghosts, union edge indices and weights at any rank count equal a one-rank build (algorithms.md §0.6, §7).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "test_errors.hpp"
#include "core/block.hpp"
#include "graph/graph.hpp"
#include "mpi_check.hpp"

using namespace dodge;
using namespace dodge::graph;

namespace {

std::string Fixture(const char *name) {
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "graphs" / name).string();
}

using dodge::test::Quietly;

Options Family(const std::string &family, const std::string &weights = "metropolis", double q = 0.0) {
  Options o;
  o.family = family;
  o.weights = weights;
  o.link_failure = q;
  o.seed = 3;
  return o;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The distributed build on PETSC_COMM_WORLD and, on every rank, a one-rank build of the same graph.
struct Pair {
  LocalGraphs world, serial;
  bool built = false;
};

Pair BuildBoth(const Options &o, std::int64_t n) {
  Pair p;
  const Block block = Block::make(n, test::world_rank(), test::world_size());
  const bool ok = GraphsBuild(o, block, &p.world) == PETSC_SUCCESS &&
                  GraphsBuild(o, Block::make(n, 0, 1), PETSC_COMM_SELF, &p.serial) == PETSC_SUCCESS;
  p.built = test::all_ranks(ok);
  return p;
}

// Owned rows of `w` equal the serial rows of the same agents; columns and ghosts are consistent.
bool RowsMatch(const LocalGraphs &w, const LocalGraphs &s) {
  const std::int64_t nloc = w.block.local();
  bool ok = w.B == s.B && w.union_edges == s.union_edges && w.description == s.description && w.directed == s.directed;
  ok = ok && std::is_sorted(w.ghosts.begin(), w.ghosts.end()) &&
       std::adjacent_find(w.ghosts.begin(), w.ghosts.end()) == w.ghosts.end() &&
       std::none_of(w.ghosts.begin(), w.ghosts.end(), [&](std::int64_t j) { return w.block.owns(j); });
  std::vector<char> used(w.ghosts.size(), 0);
  for (int b = 0; ok && b < w.B; ++b) {
    const Mixing &mw = w.graphs[b], &ms = s.graphs[b];
    ok = ok && static_cast<std::int64_t>(mw.rowptr.size()) == nloc + 1;
    std::int64_t active = 0;
    for (std::int64_t li = 0; ok && li < nloc; ++li) {
      const std::int64_t i = w.block.start + li;
      const std::int64_t kw = mw.rowptr[li], ks = ms.rowptr[i], len = mw.rowptr[li + 1] - kw;
      ok = ok && len == ms.rowptr[i + 1] - ks;
      for (std::int64_t k = 0; ok && k < len; ++k) {
        const std::int64_t j = mw.gid[kw + k];
        const std::int32_t col = mw.col[kw + k];
        ok = ok && j == ms.gid[ks + k] && mw.edge[kw + k] == ms.edge[ks + k] && SameBits(mw.w[kw + k], ms.w[ks + k]);
        if (col < nloc) {
          ok = ok && w.block.start + col == j;
        } else {
          const std::size_t slot = static_cast<std::size_t>(col - nloc);
          ok = ok && slot < w.ghosts.size() && w.ghosts[slot] == j;
          if (ok) used[slot] = 1;
        }
      }
      active += len - 1;
    }
    ok = ok && active == mw.active_edges_local;
    if (w.directed) {
      for (std::int64_t li = 0; ok && li < nloc; ++li) {
        const std::int64_t i = w.block.start + li;
        ok = ok && std::equal(mw.out_edge.begin() + mw.out_rowptr[li], mw.out_edge.begin() + mw.out_rowptr[li + 1],
                              ms.out_edge.begin() + ms.out_rowptr[i], ms.out_edge.begin() + ms.out_rowptr[i + 1]);
      }
    }
  }
  return ok && std::all_of(used.begin(), used.end(), [](char u) { return u == 1; });
}

// Failure weights at step t from the distributed rows, with ghost degrees taken from the serial build (the
// exchange layer's job at run time), equal the serial failure weights bit for bit.
bool FailureWeightsMatch(const LocalGraphs &w, const LocalGraphs &s, std::int64_t t) {
  const std::int64_t n = s.block.n, nloc = w.block.local();
  std::vector<double> sdeg(n), sw(s.graphs[s.which(t)].w.size());
  s.surviving_degrees(t, sdeg.data());
  s.failure_weights(t, sdeg.data(), sw.data());
  std::vector<double> ext(nloc + w.ghosts.size());
  w.surviving_degrees(t, ext.data());
  bool ok = std::equal(ext.begin(), ext.begin() + nloc, sdeg.begin() + w.block.start);
  for (std::size_t g = 0; g < w.ghosts.size(); ++g) ext[nloc + g] = sdeg[w.ghosts[g]];
  const Mixing &mw = w.graphs[w.which(t)], &ms = s.graphs[s.which(t)];
  std::vector<double> ww(mw.w.size());
  w.failure_weights(t, ext.data(), ww.data());
  for (std::int64_t li = 0; ok && li < nloc; ++li) {
    const std::int64_t kw = mw.rowptr[li], ks = ms.rowptr[w.block.start + li];
    for (std::int64_t k = 0; ok && k < mw.rowptr[li + 1] - kw; ++k) ok = SameBits(ww[kw + k], sw[ks + k]);
  }
  return ok;
}

}  // namespace

TEST_CASE("graph rows at any rank count equal the one-rank build", "[graph]") {
  std::vector<std::pair<Options, std::int64_t>> cases;
  for (std::int64_t n : {1, 2, 3, 5, 7, 50, 1001}) cases.emplace_back(Family("ring"), n);
  for (std::int64_t n : {4, 12, 30, 49, 210}) cases.emplace_back(Family("torus"), n);
  for (std::int64_t n : {6, 10, 31, 300}) cases.emplace_back(Family("switching3"), n);
  for (std::int64_t n : {2, 9}) cases.emplace_back(Family("complete"), n);
  for (std::int64_t n : {3, 13}) cases.emplace_back(Family("star"), n);
  for (std::int64_t n : {25, 80}) cases.emplace_back(Family("erdos_renyi"), n);
  for (std::int64_t n : {5, 40, 500}) cases.emplace_back(Family("watts_strogatz"), n);
  for (std::int64_t n : {2, 11}) cases.emplace_back(Family("ring_directed", "outdegree"), n);
  cases.emplace_back(Family("erdos_renyi_directed", "outdegree"), 20);
  for (const char *er : {"erdos_renyi", "erdos_renyi_directed"}) {  // skip sampling: draws keyed by row, not by rank
    Options skip = Family(er, std::string(er) == "erdos_renyi_directed" ? "outdegree" : "metropolis");
    skip.er_sampling = "skip";
    for (std::int64_t n : {2, 23, 400}) cases.emplace_back(skip, n);
  }
  cases.emplace_back(Family("torus", "outdegree"), 20);
  Options fig1 = Family("file");
  fig1.files = {Fixture("fig1_g1.txt"), Fixture("fig1_g2.txt"), Fixture("fig1_g3.txt")};
  cases.emplace_back(fig1, 6);
  Options cycle = Family("file", "file");
  cycle.files = {Fixture("directed_cycle5.txt")};
  cycle.directed_files = true;
  cycle.weight_file = Fixture("cycle5_weights.txt");
  cases.emplace_back(cycle, 5);
  Options ring4 = Family("ring", "file");
  ring4.weight_file = Fixture("ring4_weights.txt");
  cases.emplace_back(ring4, 4);

  for (auto [o, n] : cases) {
    for (double q : {0.0, 0.35}) {
      o.link_failure = q;
      INFO(o.family << " " << o.weights << " n = " << n << " q = " << q);
      const Pair p = BuildBoth(o, n);
      REQUIRE(p.built);
      REQUIRE(test::all_ranks(RowsMatch(p.world, p.serial)));
      bool ok = true;
      for (std::int64_t t = 1; t <= 4; ++t) ok = ok && FailureWeightsMatch(p.world, p.serial, t);
      REQUIRE(test::all_ranks(ok));
    }
  }
}

TEST_CASE("a large ring is built from per-node rules", "[graph]") {
  // 10^6 agents: every rank holds only its rows and two ghosts at most.
  const std::int64_t n = 1000000;
  LocalGraphs g;
  const Block block = Block::make(n, test::world_rank(), test::world_size());
  REQUIRE(test::all_ranks(GraphsBuild(Family("ring"), block, &g) == PETSC_SUCCESS));
  bool ok = g.union_edges == n && g.ghosts.size() <= 2;
  const Mixing &m = g.graphs[0];
  for (std::int64_t li = 0; ok && li < block.local(); ++li) {
    const std::int64_t i = block.start + li;
    for (std::int64_t k = m.rowptr[li]; k < m.rowptr[li + 1]; ++k) {
      const std::int64_t j = m.gid[k];
      // Sorted union: (0,1), (0,n-1), (1,2), ..., (n-2,n-1), so {a, a+1} has index a + 1 for a >= 1.
      const std::int64_t a = std::min(i, j), x = std::max(i, j);
      const std::int64_t expect = j == i ? -1 : (a == 0 ? (x == 1 ? 0 : 1) : a + 1);
      ok = ok && m.edge[k] == expect && (j == i ? m.w[k] == 1.0 - (1.0 / 3 + 1.0 / 3) : m.w[k] == 1.0 / 3);
    }
  }
  REQUIRE(test::all_ranks(ok));
}

TEST_CASE("input errors fail on every rank together", "[graph]") {
  const Block block6 = Block::make(6, test::world_rank(), test::world_size());
  LocalGraphs g;
  Options bad = Family("file");
  for (const char *file : {"disconnected.txt", "malformed.txt", "out_of_range.txt", "no_such_file.txt"}) {
    INFO(file);
    bad.files = {Fixture(file)};
    const PetscErrorCode code = Quietly([&] { return GraphsBuild(bad, block6, &g); });
    REQUIRE(test::all_ranks(code != PETSC_SUCCESS));
  }
  Options weights = Family("ring", "file");
  weights.weight_file = Fixture("ring4_weights_bad_row.txt");
  const Block block4 = Block::make(4, test::world_rank(), test::world_size());
  REQUIRE(test::all_ranks(Quietly([&] { return GraphsBuild(weights, block4, &g); }) != PETSC_SUCCESS));
  REQUIRE(test::all_ranks(Quietly([&] { return GraphsBuild(Family("hypercube"), block4, &g); }) != PETSC_SUCCESS));
  // The communicator still works: a good build right after the failures.
  REQUIRE(test::all_ranks(GraphsBuild(Family("ring"), block6, &g) == PETSC_SUCCESS));
}
