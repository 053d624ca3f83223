// The union graph of a switching sequence, row by row, as the exchange features (exchange_features.cpp) and
// the attacks (attacks.cpp) keep per-edge state on it: the in-neighbours of each owned row over every graph
// of the sequence, sorted by global id, without the agent itself; and, per graph, each row entry's position in
// that list (-1: self). Built from the graphs' global ids, which exist until ReleaseSetupData.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/block.hpp"
#include "graph/graph.hpp"

namespace dodge::graph {

struct UnionRows {
  std::vector<std::int64_t> ptr, gid;
  std::vector<std::vector<std::int64_t>> map;  // per graph b, per entry e
  void Build(const LocalGraphs &g, const Block &block) {
    const std::int64_t nloc = block.local();
    ptr.assign(nloc + 1, 0), gid.clear(), map.assign(g.B, {});
    std::vector<std::int64_t> row;
    for (std::int64_t i = 0; i < nloc; ++i) {
      row.clear();
      for (const Mixing &m : g.graphs)
        for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e)
          if (m.gid[e] != block.start + i) row.push_back(m.gid[e]);
      std::sort(row.begin(), row.end());
      row.erase(std::unique(row.begin(), row.end()), row.end());
      gid.insert(gid.end(), row.begin(), row.end());
      ptr[i + 1] = static_cast<std::int64_t>(gid.size());
    }
    for (int b = 0; b < g.B; ++b) {
      const Mixing &m = g.graphs[b];
      map[b].assign(m.col.size(), -1);
      for (std::int64_t i = 0; i < nloc; ++i)
        for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
          if (m.gid[e] == block.start + i) continue;
          const auto first = gid.begin() + ptr[i], last = gid.begin() + ptr[i + 1];
          map[b][e] = std::lower_bound(first, last, m.gid[e]) - gid.begin();
        }
    }
  }
  std::int64_t edges() const { return static_cast<std::int64_t>(gid.size()); }
};

}  // namespace dodge::graph
