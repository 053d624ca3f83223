// libFuzzer harness of the edge-list reader (-graph_family file, graph/graph.hpp FamilyEdges and GraphsBuild),
// undirected and directed, over 6 agents.
#include "fuzz_common.hpp"
#include "graph/graph.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  dodge::fuzz::Start();
  const std::string &path = dodge::fuzz::WriteInput(data, size);
  constexpr std::int64_t n = 6;
  for (bool directed : {false, true}) {
    dodge::graph::Options o;
    o.family = "file";
    o.files = {path, path};  // a switching sequence of two graphs
    o.directed_files = directed;
    o.weights = directed ? "outdegree" : "metropolis";
    std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> lists;
    if (dodge::fuzz::Verdict(directed ? "FamilyEdges directed" : "FamilyEdges undirected", dodge::graph::FamilyEdges(o, n, PETSC_COMM_SELF, &lists)) != PETSC_SUCCESS) continue;
    FUZZ_CHECK(lists.size() == 2);
    for (const auto &g : lists)
      for (const auto &[u, v] : g) FUZZ_CHECK(u >= 0 && u < n && v >= 0 && v < n && u != v && (directed || u < v));
    dodge::graph::LocalGraphs lg;
    if (dodge::fuzz::Verdict(directed ? "GraphsBuild directed" : "GraphsBuild undirected", dodge::graph::GraphsBuild(o, dodge::Block::make(n, 0, 1), PETSC_COMM_SELF, &lg)) != PETSC_SUCCESS) continue;
    FUZZ_CHECK(lg.B == 2 && lg.graphs.size() == 2 && lg.ghosts.empty());
    // Metropolis weights (undirected) are doubly stochastic; out-degree weights (directed, push-sum) are column
    // stochastic: w_ij = 1 / (out-degree of j + 1).
    for (const auto &m : lg.graphs) {
      FUZZ_CHECK(m.rowptr.size() == n + 1);
      std::vector<double> col(n, 0.0);
      for (std::int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (std::int64_t k = m.rowptr[i]; k < m.rowptr[i + 1]; ++k) {
          FUZZ_CHECK(m.w[k] > 0 && m.gid[k] >= 0 && m.gid[k] < n);
          s += m.w[k], col[m.gid[k]] += m.w[k];
        }
        if (!directed) FUZZ_CHECK(s > 1 - 1e-9 && s < 1 + 1e-9);
      }
      for (double c : col) FUZZ_CHECK(c > 1 - 1e-9 && c < 1 + 1e-9);
    }
  }
  return 0;
}
