// libFuzzer harness of the weight-file reader (-graph_weights file, graph/graph.hpp GraphsBuild) on the ring
// over 4 agents, rows only and rows and columns (push-sum).
#include "fuzz_common.hpp"
#include "graph/graph.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  dodge::fuzz::Start();
  const std::string &path = dodge::fuzz::WriteInput(data, size);
  constexpr std::int64_t n = 4;
  for (bool columns : {false, true}) {
    dodge::graph::Options o;
    o.family = "ring";
    o.weights = "file";
    o.weight_file = path;
    o.weight_columns = columns;
    dodge::graph::LocalGraphs lg;
    if (dodge::fuzz::Verdict(columns ? "rows and columns" : "rows", dodge::graph::GraphsBuild(o, dodge::Block::make(n, 0, 1), PETSC_COMM_SELF, &lg)) != PETSC_SUCCESS) continue;
    FUZZ_CHECK(lg.B == 1 && lg.graphs.size() == 1);
    const auto &m = lg.graphs[0];
    FUZZ_CHECK(m.rowptr.size() == n + 1);
    std::vector<double> col(n, 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (std::int64_t k = m.rowptr[i]; k < m.rowptr[i + 1]; ++k) {
        FUZZ_CHECK(m.w[k] >= 0);  // a mixing weight is never negative
        s += m.w[k], col[m.gid[k]] += m.w[k];
      }
      FUZZ_CHECK(s > 1 - 1e-9 && s < 1 + 1e-9);
    }
    if (columns)
      for (double c : col) FUZZ_CHECK(c > 1 - 1e-9 && c < 1 + 1e-9);
  }
  return 0;
}
