// Graph families, union edge numbering, weights, link failures, files and options (algorithms.md §7) on one rank.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "test_errors.hpp"
#include "core/block.hpp"
#include "graph/graph.hpp"

using namespace dodge;
using namespace dodge::graph;
using EdgeList = std::vector<std::pair<std::int64_t, std::int64_t>>;

namespace {

std::string Fixture(const char *name) {
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "graphs" / name).string();
}

// Runs f with PETSc errors returned instead of printed or aborting; returns its error code.
using dodge::test::Quietly;

// The message of the last error raised with PetscCheck/SETERRQ.
std::string LastError() {
  const char *text = nullptr;
  char *specific = nullptr;
  PetscErrorMessage(PETSC_ERR_ARG_WRONG, &text, &specific);
  return specific ? specific : "";
}

Options Family(const std::string &family, const std::string &weights = "metropolis") {
  Options o;
  o.family = family;
  o.weights = weights;
  o.seed = 11;
  return o;
}

Options Files(std::vector<std::string> files, bool directed, const std::string &weights) {
  Options o = Family("file", weights);
  o.files = std::move(files);
  o.directed_files = directed;
  return o;
}

LocalGraphs Build(const Options &o, std::int64_t n) {
  LocalGraphs g;
  REQUIRE(GraphsBuild(o, Block::make(n, 0, 1), &g) == PETSC_SUCCESS);
  return g;
}

std::vector<EdgeList> Edges(const Options &o, std::int64_t n) {
  std::vector<EdgeList> e;
  REQUIRE(FamilyEdges(o, n, &e) == PETSC_SUCCESS);
  return e;
}

// Dense W (row-major) of graph b from a one-rank build, where every agent is owned and col == gid.
std::vector<double> Dense(const LocalGraphs &g, int b, const double *w = nullptr) {
  const std::int64_t n = g.block.n;
  const Mixing &m = g.graphs[b];
  std::vector<double> W(n * n, 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = m.rowptr[i]; k < m.rowptr[i + 1]; ++k) W[i * n + m.gid[k]] = w ? w[k] : m.w[k];
  return W;
}

bool Connected(std::int64_t n, const EdgeList &edges) {
  std::vector<std::int64_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  auto find = [&](std::int64_t x) {
    while (p[x] != x) x = p[x];
    return x;
  };
  for (auto [u, v] : edges) p[find(u)] = find(v);
  std::int64_t roots = 0;
  for (std::int64_t i = 0; i < n; ++i) roots += find(i) == i;
  return roots == 1;
}

EdgeList Undirected(std::set<std::pair<std::int64_t, std::int64_t>> s) { return {s.begin(), s.end()}; }
std::pair<std::int64_t, std::int64_t> Pair(std::int64_t a, std::int64_t b) { return {std::min(a, b), std::max(a, b)}; }

const std::vector<std::string> kUndirected = {"ring", "torus", "erdos_renyi", "watts_strogatz", "complete", "star", "switching3"};
const std::vector<std::int64_t> kSizes = {1, 2, 3, 4, 6, 10, 17, 30};

}  // namespace

TEST_CASE("rule-based families match their definitions", "[graph]") {
  for (std::int64_t n : {1, 2, 3, 4, 5, 6, 7, 10, 12, 16, 25, 30, 37}) {
    INFO("n = " << n);
    std::set<std::pair<std::int64_t, std::int64_t>> ring, star, complete, torus, ringd;
    for (std::int64_t i = 0; i < n; ++i) {
      if (n > 1) ring.insert(Pair(i, (i + 1) % n)), ringd.insert({i, (i + 1) % n});
      if (i > 0) star.insert({0, i});
      for (std::int64_t j = i + 1; j < n; ++j) complete.insert({i, j});
    }
    std::int64_t r = 1;
    for (std::int64_t d = 1; d <= n; ++d)
      if (n % d == 0 && d * d <= n) r = d;
    const std::int64_t c = n / r;
    for (std::int64_t a = 0; a < r; ++a)
      for (std::int64_t b = 0; b < c; ++b)
        for (std::int64_t nb : {((a + 1) % r) * c + b, ((a + r - 1) % r) * c + b, a * c + (b + 1) % c, a * c + (b + c - 1) % c})
          if (nb != a * c + b) torus.insert(Pair(a * c + b, nb));
    CHECK(Edges(Family("ring"), n) == std::vector<EdgeList>{Undirected(ring)});
    CHECK(Edges(Family("star"), n) == std::vector<EdgeList>{Undirected(star)});
    CHECK(Edges(Family("complete"), n) == std::vector<EdgeList>{Undirected(complete)});
    CHECK(Edges(Family("torus"), n) == std::vector<EdgeList>{Undirected(torus)});
    CHECK(Edges(Family("ring_directed"), n) == std::vector<EdgeList>{Undirected(ringd)});
    if (n != 6) {
      std::vector<std::set<std::pair<std::int64_t, std::int64_t>>> sw(3);
      for (std::int64_t k = 0; k < n; ++k)
        if (k != (k + 1) % n) sw[k % 3].insert(Pair(k, (k + 1) % n));
      CHECK(Edges(Family("switching3"), n) == std::vector<EdgeList>{Undirected(sw[0]), Undirected(sw[1]), Undirected(sw[2])});
    }
  }
  // Fig. 1 of [ZWL25]: 1-based G1 = {1-2, 3-4, 5-6}, G2 = {2-3, 4-5}, G3 = {6-1, 1-4}.
  CHECK(Edges(Family("switching3"), 6) == std::vector<EdgeList>{{{0, 1}, {2, 3}, {4, 5}}, {{1, 2}, {3, 4}}, {{0, 3}, {0, 5}}});
}

TEST_CASE("torus degrees", "[graph]") {
  // r x c grid with wrap-around: degree 4 when r, c >= 3; r = 2 merges the two vertical neighbours; r = 1 is a ring.
  const std::vector<std::pair<std::int64_t, std::int64_t>> cases = {{9, 4}, {12, 4}, {16, 4}, {20, 4}, {30, 4}, {8, 3}, {10, 3},
                                                                    {4, 2}, {7, 2},  {13, 2}, {2, 1}, {1, 0}};
  for (auto [n, deg] : cases) {
    INFO("n = " << n);
    const LocalGraphs g = Build(Family("torus"), n);
    for (std::int64_t i = 0; i < n; ++i) CHECK(g.graphs[0].rowptr[i + 1] - g.graphs[0].rowptr[i] == deg + 1);
    CHECK(g.union_edges == n * deg / 2);
  }
}

TEST_CASE("random families are reproducible, connected and depend on the seed", "[graph]") {
  for (const char *family : {"erdos_renyi", "watts_strogatz", "erdos_renyi_directed"}) {
    INFO(family);
    Options o = Family(family);
    const auto a = Edges(o, 40), b = Edges(o, 40);
    CHECK(a == b);
    o.seed = 12;
    CHECK(Edges(o, 40) != a);
  }
  // watts_strogatz keeps the lattice edge count (2n) for n >= 5: rewiring moves edges, never merges them.
  for (std::int64_t n : {5, 10, 100, 1000}) CHECK(Edges(Family("watts_strogatz"), n)[0].size() == static_cast<std::size_t>(2 * n));
  for (std::int64_t n : {2, 5, 30, 200}) CHECK(Connected(n, Edges(Family("erdos_renyi"), n)[0]));
}

TEST_CASE("erdos_renyi skip sampling has the G(n,p) law of pair sampling", "[graph]") {
  // -graph_er_sampling skip (geometric skips over each row's candidates) must give every pair the inclusion
  // probability p = 2 ln n / n, whatever its place in the row: an off-by-one in the skips would starve the
  // first or the last candidate of a row, or let i itself in. Over 300 seeds at n = 40 each pair kind below has
  // 300·(its count) trials; the frequencies must agree with p within 5 standard errors (connectivity
  // resampling conditions on a permutation-invariant event, so every pair keeps the same marginal).
  for (bool directed : {false, true}) {
    INFO((directed ? "directed" : "undirected"));
    const std::int64_t n = 40;
    const double p = 2 * std::log(static_cast<double>(n)) / n;
    double first = 0, last = 0, inner = 0, self = 0, total = 0;
    double nfirst = 0, nlast = 0, ninner = 0;
    Options o = Family(directed ? "erdos_renyi_directed" : "erdos_renyi", directed ? "outdegree" : "metropolis");
    o.er_sampling = "skip";
    const int seeds = 300;
    for (int s = 1; s <= seeds; ++s) {
      o.seed = s;
      const auto e = Edges(o, n);
      REQUIRE(e.size() == 1);
      std::set<std::pair<std::int64_t, std::int64_t>> set(e[0].begin(), e[0].end());
      CHECK(set.size() == e[0].size());  // no duplicates
      total += static_cast<double>(e[0].size());
      for (std::int64_t i = 0; i < n; ++i) {
        self += set.count({i, i});
        // first and last candidate of row i, and one in the middle
        const std::int64_t f = directed ? (i == 0 ? 1 : 0) : i + 1, l = directed ? (i == n - 1 ? n - 2 : n - 1) : n - 1;
        if (f < n && f != i) first += set.count({i, f}), nfirst += 1;
        if (l > f && l != i) last += set.count({i, l}), nlast += 1;
        const std::int64_t m = (f + l) / 2;
        if (m > f && m < l && m != i) inner += set.count({i, m}), ninner += 1;
      }
    }
    CHECK(self == 0);
    const double pairs = directed ? static_cast<double>(n * (n - 1)) : static_cast<double>(n * (n - 1)) / 2;
    for (auto [hits, trials, what] : {std::tuple{first, nfirst, "first"}, std::tuple{last, nlast, "last"},
                                      std::tuple{inner, ninner, "middle"}, std::tuple{total, pairs * seeds, "all"}}) {
      INFO(what << " candidate: " << hits << " of " << trials);
      const double se = std::sqrt(p * (1 - p) / trials);
      CHECK(std::fabs(hits / trials - p) < 5 * se);
    }
  }
  // Different samples from pair sampling with the same seed, each reproducible and connected.
  Options a = Family("erdos_renyi"), b = a;
  b.er_sampling = "skip";
  CHECK(Edges(a, 60) != Edges(b, 60));
  CHECK(Edges(b, 60) == Edges(b, 60));
  for (std::int64_t n : {2, 3, 5, 30, 200, 5000}) CHECK(Connected(n, Edges(b, n)[0]));
}

TEST_CASE("metropolis weights are symmetric and doubly stochastic", "[graph]") {
  for (const auto &family : kUndirected)
    for (std::int64_t n : kSizes) {
      INFO(family << " n = " << n);
      const auto edges = Edges(Family(family), n);
      const LocalGraphs g = Build(Family(family), n);
      REQUIRE(g.B == static_cast<int>(edges.size()));
      for (int b = 0; b < g.B; ++b) {
        std::vector<std::int64_t> deg(n, 0);
        for (auto [u, v] : edges[b]) ++deg[u], ++deg[v];
        const std::vector<double> W = Dense(g, b);
        bool ok = true;
        for (auto [u, v] : edges[b]) ok = ok && W[u * n + v] == 1.0 / (1.0 + std::max(deg[u], deg[v])) && W[v * n + u] == W[u * n + v];
        CHECK(ok);
        std::int64_t nonzero_off = 0;
        for (std::int64_t i = 0; i < n; ++i) {
          double row = 0, col = 0;
          for (std::int64_t j = 0; j < n; ++j) {
            row += W[i * n + j], col += W[j * n + i];
            CHECK(W[i * n + j] == W[j * n + i]);
            CHECK(W[i * n + j] >= 0.0);
            nonzero_off += (i != j && W[i * n + j] != 0.0);
          }
          CHECK(std::abs(row - 1) <= 1e-12);
          CHECK(std::abs(col - 1) <= 1e-12);
        }
        CHECK(nonzero_off == 2 * static_cast<std::int64_t>(edges[b].size()));
      }
    }
}

TEST_CASE("outdegree weights are column stochastic and positive", "[graph]") {
  const std::vector<std::pair<Options, std::int64_t>> cases = {
      {Family("ring_directed", "outdegree"), 1},        {Family("ring_directed", "outdegree"), 2},
      {Family("ring_directed", "outdegree"), 9},        {Family("erdos_renyi_directed", "outdegree"), 12},
      {Family("erdos_renyi_directed", "outdegree"), 40}, {Family("ring", "outdegree"), 7},
      {Family("star", "outdegree"), 8},                 {Family("switching3", "outdegree"), 10},
      {Files({Fixture("directed_cycle5.txt")}, true, "outdegree"), 5}};
  for (const auto &[o, n] : cases) {
    INFO(o.family << " n = " << n);
    const LocalGraphs g = Build(o, n);
    for (int b = 0; b < g.B; ++b) {
      const Mixing &m = g.graphs[b];
      for (double w : m.w) CHECK(w > 0.0);
      const std::vector<double> W = Dense(g, b);
      for (std::int64_t j = 0; j < n; ++j) {
        double col = 0;
        for (std::int64_t i = 0; i < n; ++i) col += W[i * n + j];
        CHECK(std::abs(col - 1) <= 1e-12);
      }
      CHECK(m.active_edges_local == static_cast<std::int64_t>(m.w.size()) - n);
    }
  }
}

TEST_CASE("switching3 graphs are disconnected alone and connected together", "[graph]") {
  for (std::int64_t n : {6, 10}) {
    INFO("n = " << n);
    const auto graphs = Edges(Family("switching3"), n);
    REQUIRE(graphs.size() == 3);
    EdgeList all;
    for (const auto &g : graphs) {
      CHECK_FALSE(Connected(n, g));
      all.insert(all.end(), g.begin(), g.end());
    }
    CHECK(Connected(n, all));
    const LocalGraphs lg = Build(Family("switching3"), n);
    CHECK(lg.B == 3);
    CHECK(lg.which(1) == 0);
    CHECK(lg.which(3) == 2);
    CHECK(lg.which(4) == 0);
  }
  CHECK(Build(Family("switching3"), 6).description == "switching3 (B = 3, n = 6, 7 union edges, metropolis weights)");
}

TEST_CASE("union edge index equals the position in the sorted global list", "[graph]") {
  std::vector<std::pair<Options, std::int64_t>> cases;
  for (const auto &family : kUndirected)
    for (std::int64_t n : kSizes) cases.emplace_back(Family(family), n);
  for (std::int64_t n : {1, 2, 3, 8}) cases.emplace_back(Family("ring_directed", "outdegree"), n);
  for (std::int64_t n : {5, 20}) cases.emplace_back(Family("erdos_renyi_directed", "outdegree"), n);
  cases.emplace_back(Files({Fixture("fig1_g1.txt"), Fixture("fig1_g2.txt"), Fixture("fig1_g3.txt")}, false, "metropolis"), 6);
  cases.emplace_back(Files({Fixture("directed_cycle5.txt")}, true, "outdegree"), 5);
  for (const auto &[o, n] : cases) {
    INFO(o.family << " n = " << n);
    const auto graphs = Edges(o, n);
    EdgeList uni;
    for (const auto &g : graphs) uni.insert(uni.end(), g.begin(), g.end());
    std::sort(uni.begin(), uni.end());
    uni.erase(std::unique(uni.begin(), uni.end()), uni.end());
    const LocalGraphs g = Build(o, n);
    CHECK(g.union_edges == static_cast<std::int64_t>(uni.size()));
    auto index = [&](std::int64_t a, std::int64_t b) {
      auto it = std::lower_bound(uni.begin(), uni.end(), std::make_pair(a, b));
      return it != uni.end() && *it == std::make_pair(a, b) ? it - uni.begin() : -2;
    };
    for (int b = 0; b < g.B; ++b) {
      const Mixing &m = g.graphs[b];
      bool ok = true;
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t k = m.rowptr[i]; k < m.rowptr[i + 1]; ++k) {
          const std::int64_t j = m.gid[k];
          const std::int64_t expect = j == i ? -1 : (g.directed ? index(j, i) : index(std::min(i, j), std::max(i, j)));
          ok = ok && m.edge[k] == expect && m.col[k] == j && (k == m.rowptr[i] || m.gid[k - 1] < j);
        }
      if (g.directed)
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t k = m.out_rowptr[i]; k < m.out_rowptr[i + 1]; ++k) ok = ok && m.out_edge[k] >= 0 && uni[m.out_edge[k]].first == i;
      CHECK(ok);
    }
  }
}

TEST_CASE("link failures: q = 0 is the static graph, q = 1 is the identity", "[graph]") {
  for (const auto &[family, weights] : std::vector<std::pair<std::string, std::string>>{
           {"switching3", "metropolis"}, {"erdos_renyi", "metropolis"}, {"torus", "outdegree"}, {"ring_directed", "outdegree"}}) {
    INFO(family << " " << weights);
    Options o = Family(family, weights);
    const std::int64_t n = 12;
    const LocalGraphs g0 = Build(o, n);
    o.link_failure = 1.0;
    const LocalGraphs g1 = Build(o, n);
    for (std::int64_t t = 1; t <= 6; ++t) {
      const Mixing &m = g0.graphs[g0.which(t)];
      std::vector<double> deg(n), w0(m.w.size()), w1(m.w.size());
      g0.surviving_degrees(t, deg.data());
      g0.failure_weights(t, deg.data(), w0.data());
      CHECK(std::equal(w0.begin(), w0.end(), m.w.begin()));
      g1.surviving_degrees(t, deg.data());
      for (double d : deg) CHECK(d == 0.0);
      g1.failure_weights(t, deg.data(), w1.data());
      const std::vector<double> W = Dense(g1, g1.which(t), w1.data());
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j) CHECK(W[i * n + j] == (i == j ? 1.0 : 0.0));
    }
  }
  // A q in (0, 1) that happens to keep every edge of a row recomputes the static doubles exactly.
  Options o = Family("ring");
  o.link_failure = 1e-300;
  const LocalGraphs g = Build(o, 9);
  std::vector<double> deg(9), w(g.graphs[0].w.size());
  g.surviving_degrees(3, deg.data());
  g.failure_weights(3, deg.data(), w.data());
  CHECK(std::equal(w.begin(), w.end(), g.graphs[0].w.begin()));
}

TEST_CASE("link failures: weights of the surviving graph", "[graph]") {
  Options o = Family("watts_strogatz");
  o.link_failure = 0.3;
  const std::int64_t n = 30;
  const LocalGraphs g = Build(o, n);
  const auto graphs = Edges(o, n);
  std::int64_t down = 0, total = 0;
  for (std::int64_t t = 1; t <= 20; ++t) {
    // Brute force on the global list: edge e of the sorted union is down iff u(LINK, e, t) < q.
    std::vector<std::int64_t> deg(n, 0);
    for (std::size_t e = 0; e < graphs[0].size(); ++e)
      if (g.edge_up(static_cast<std::int64_t>(e), t)) ++deg[graphs[0][e].first], ++deg[graphs[0][e].second];
      else ++down;
    total += static_cast<std::int64_t>(graphs[0].size());
    std::vector<double> sdeg(n), w(g.graphs[0].w.size());
    g.surviving_degrees(t, sdeg.data());
    for (std::int64_t i = 0; i < n; ++i) CHECK(sdeg[i] == static_cast<double>(deg[i]));
    g.failure_weights(t, sdeg.data(), w.data());
    const std::vector<double> W = Dense(g, 0, w.data());
    for (std::size_t e = 0; e < graphs[0].size(); ++e) {
      const auto [u, v] = graphs[0][e];
      const double expect = g.edge_up(static_cast<std::int64_t>(e), t) ? 1.0 / (1.0 + std::max(deg[u], deg[v])) : 0.0;
      CHECK(W[u * n + v] == expect);
      CHECK(W[v * n + u] == expect);
    }
    for (std::int64_t i = 0; i < n; ++i) {
      double row = 0, col = 0;
      for (std::int64_t j = 0; j < n; ++j) row += W[i * n + j], col += W[j * n + i];
      CHECK(std::abs(row - 1) <= 1e-12);
      CHECK(std::abs(col - 1) <= 1e-12);
    }
  }
  // 1200 Bernoulli(0.3) draws: the observed rate is within 5 standard deviations (0.066) of q.
  CHECK(std::abs(static_cast<double>(down) / static_cast<double>(total) - 0.3) < 0.066);
}

TEST_CASE("edge-list files", "[graph]") {
  SECTION("the Fig. 1 files equal switching3 at n = 6, weights bit for bit") {
    const LocalGraphs f = Build(Files({Fixture("fig1_g1.txt"), Fixture("fig1_g2.txt"), Fixture("fig1_g3.txt")}, false, "metropolis"), 6);
    const LocalGraphs s = Build(Family("switching3"), 6);
    REQUIRE(f.B == 3);
    for (int b = 0; b < 3; ++b) {
      CHECK(f.graphs[b].gid == s.graphs[b].gid);
      CHECK(f.graphs[b].edge == s.graphs[b].edge);
      CHECK(f.graphs[b].w == s.graphs[b].w);
    }
    CHECK(f.union_edges == 7);
  }
  SECTION("a directed file with out-degree weights") {
    const LocalGraphs g = Build(Files({Fixture("directed_cycle5.txt")}, true, "outdegree"), 5);
    CHECK(g.directed);
    CHECK(g.union_edges == 6);
    // Node 2 hears 0 (out-degree 2, weight 1/3) and 1 (out-degree 1, weight 1/2); itself out-degree 1.
    const Mixing &m = g.graphs[0];
    CHECK(std::vector<std::int64_t>(m.gid.begin() + m.rowptr[2], m.gid.begin() + m.rowptr[3]) == std::vector<std::int64_t>{0, 1, 2});
    CHECK(std::vector<double>(m.w.begin() + m.rowptr[2], m.w.begin() + m.rowptr[3]) == std::vector<double>{1.0 / 3, 0.5, 0.5});
  }
  SECTION("bad files fail with the file and line") {
    LocalGraphs g;
    const std::vector<std::tuple<const char *, bool, const char *, std::int64_t>> bad = {
        {"malformed.txt", false, "line 3", 6},       {"out_of_range.txt", false, "line 3", 6},
        {"disconnected.txt", false, "not connected", 6}, {"directed_path4.txt", true, "not strongly connected", 4},
        {"no_such_file.txt", false, "cannot open", 6}};
    for (const auto &[file, directed, what, n] : bad) {
      INFO(file);
      const Options o = Files({Fixture(file)}, directed, directed ? "outdegree" : "metropolis");
      CHECK(Quietly([&] { return GraphsBuild(o, Block::make(n, 0, 1), &g); }) != PETSC_SUCCESS);
      const std::string msg = LastError();
      CHECK(msg.find(what) != std::string::npos);
      CHECK(msg.find(file) != std::string::npos);
    }
  }
  SECTION("Metropolis weights on a directed graph are an error") {
    LocalGraphs g;
    const Options o = Files({Fixture("directed_cycle5.txt")}, true, "metropolis");
    CHECK(Quietly([&] { return GraphsBuild(o, Block::make(5, 0, 1), &g); }) != PETSC_SUCCESS);
    CHECK(LastError().find("pdct and li2022 need a doubly stochastic weight file for directed graphs") != std::string::npos);
    CHECK(Quietly([&] { return GraphsBuild(Family("ring_directed"), Block::make(5, 0, 1), &g); }) != PETSC_SUCCESS);
  }
}

TEST_CASE("weight files", "[graph]") {
  auto with_weights = [](Options o, const char *file) {
    o.weights = "file";
    o.weight_file = Fixture(file);
    return o;
  };
  SECTION("valid files give their weights") {
    const LocalGraphs g = Build(with_weights(Family("ring"), "ring4_weights.txt"), 4);
    const std::vector<double> W = Dense(g, 0);
    for (std::int64_t i = 0; i < 4; ++i) {
      CHECK(W[i * 4 + i] == 0.5);
      CHECK(W[i * 4 + (i + 1) % 4] == 0.25);
      CHECK(W[i * 4 + (i + 3) % 4] == 0.25);
    }
    const LocalGraphs d = Build(with_weights(Files({Fixture("directed_cycle5.txt")}, true, "file"), "cycle5_weights.txt"), 5);
    // Row 2 hears 0 (the chord, no weight given: 0), 1 and itself.
    const Mixing &m = d.graphs[0];
    CHECK(std::vector<double>(m.w.begin() + m.rowptr[2], m.w.begin() + m.rowptr[3]) == std::vector<double>{0.0, 0.5, 0.5});
    // Failed links move their weight to the self entry.
    Options q1 = with_weights(Family("ring"), "ring4_weights.txt");
    q1.link_failure = 1.0;
    const LocalGraphs f = Build(q1, 4);
    std::vector<double> deg(4), w(f.graphs[0].w.size());
    f.surviving_degrees(1, deg.data());
    f.failure_weights(1, deg.data(), w.data());
    const std::vector<double> I = Dense(f, 0, w.data());
    for (std::int64_t i = 0; i < 4; ++i)
      for (std::int64_t j = 0; j < 4; ++j) CHECK(I[i * 4 + j] == (i == j ? 1.0 : 0.0));
  }
  SECTION("rows, columns and off-graph pairs are checked") {
    LocalGraphs g;
    auto fails_with = [&](const Options &o, std::int64_t n, const std::string &what) {
      const bool failed = Quietly([&] { return GraphsBuild(o, Block::make(n, 0, 1), &g); }) != PETSC_SUCCESS;
      const std::string msg = LastError();
      INFO(msg);
      return failed && msg.find(what) != std::string::npos;
    };
    CHECK(fails_with(with_weights(Family("ring"), "ring4_weights_bad_row.txt"), 4, "row 2 sums to"));
    CHECK(fails_with(with_weights(Family("ring"), "ring4_weights_nonedge.txt"), 4, "line 5: (0, 2) is not an edge"));
    CHECK(fails_with(with_weights(Family("ring"), "malformed.txt"), 4, "line 2"));
    Options rows_only = with_weights(Family("ring"), "ring4_weights_rows_only.txt");
    CHECK(Build(rows_only, 4).graphs[0].w.size() == 12);
    rows_only.weight_columns = true;
    CHECK(fails_with(rows_only, 4, "column 1 sums to"));
    CHECK(fails_with(with_weights(Family("switching3"), "ring4_weights.txt"), 4, "B = 3"));
    // Directed graphs always need doubly stochastic weights.
    CHECK(fails_with(with_weights(Files({Fixture("directed_cycle5.txt")}, true, "file"), "cycle5_weights_rows_only.txt"), 5,
                     "column 0 sums to"));
    // Weights of another graph: w_01 needs the edge 1 -> 0, which the directed cycle lacks.
    CHECK(fails_with(with_weights(Files({Fixture("directed_cycle5.txt")}, true, "file"), "ring4_weights.txt"), 5,
                     "line 3: (0, 1) is not an edge"));
  }
}

TEST_CASE("graph options", "[graph]") {
  auto set = [](const char *name, const char *value) { REQUIRE(PetscOptionsSetValue(nullptr, name, value) == PETSC_SUCCESS); };
  auto clear = [](std::initializer_list<const char *> names) {
    for (const char *name : names) REQUIRE(PetscOptionsClearValue(nullptr, name) == PETSC_SUCCESS);
  };
  Options o;
  SECTION("defaults") {
    REQUIRE(GraphOptionsFromDatabase(5, &o) == PETSC_SUCCESS);
    CHECK(o.family == "switching3");
    CHECK(o.weights == "metropolis");
    CHECK(o.files.empty());
    CHECK(o.link_failure == 0.0);
    CHECK(o.seed == 5);
  }
  SECTION("files, directed, weight file, link failure") {
    set("-graph_files", "a.txt,b.txt");
    set("-graph_directed", "true");
    set("-graph_weight_file", "w.txt");
    set("-graph_link_failure", "0.25");
    REQUIRE(GraphOptionsFromDatabase(5, &o) == PETSC_SUCCESS);
    clear({"-graph_files", "-graph_directed", "-graph_weight_file", "-graph_link_failure"});
    CHECK(o.family == "file");
    CHECK(o.files == std::vector<std::string>{"a.txt", "b.txt"});
    CHECK(o.directed_files);
    CHECK(o.weights == "file");
    CHECK(o.weight_file == "w.txt");
    CHECK(o.link_failure == 0.25);
  }
  SECTION("an unknown family lists the known ones") {
    set("-graph_family", "hypercube");
    const PetscErrorCode code = Quietly([&] { return GraphOptionsFromDatabase(5, &o); });
    clear({"-graph_family"});
    CHECK(code != PETSC_SUCCESS);
    CHECK(LastError().find("hypercube is unknown; known families: ring torus") != std::string::npos);
  }
  SECTION("link failure outside [0, 1]") {
    set("-graph_link_failure", "1.5");
    const PetscErrorCode code = Quietly([&] { return GraphOptionsFromDatabase(5, &o); });
    clear({"-graph_link_failure"});
    CHECK(code != PETSC_SUCCESS);
    CHECK(LastError().find("-graph_link_failure 1.5 is outside [0, 1]") != std::string::npos);
  }
  SECTION("an unknown weight kind") {
    set("-graph_weights", "uniform");
    const PetscErrorCode code = Quietly([&] { return GraphOptionsFromDatabase(5, &o); });
    clear({"-graph_weights"});
    CHECK(code != PETSC_SUCCESS);
  }
}
