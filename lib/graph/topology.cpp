// Neighbour rules of the rule-based families and the edge-list-backed topology (algorithms.md §7).
#include "graph/topology.hpp"

#include <algorithm>
#include <numeric>

namespace dodge::graph::detail {

std::int64_t Topology::degree(int b, std::int64_t i, Dir d) const {
  neighbours(b, i, d, &scratch_);
  return static_cast<std::int64_t>(scratch_.size());
}

std::int64_t Topology::upper_count(std::int64_t a) const {
  neighbours(kUnion, a, Dir::out, &scratch_);
  if (directed) return static_cast<std::int64_t>(scratch_.size());
  return scratch_.end() - std::upper_bound(scratch_.begin(), scratch_.end(), a);
}

std::int64_t Topology::upper_rank(std::int64_t a, std::int64_t x) const {
  neighbours(kUnion, a, Dir::out, &scratch_);
  auto first = directed ? scratch_.begin() : std::upper_bound(scratch_.begin(), scratch_.end(), a);
  return std::lower_bound(first, scratch_.end(), x) - first;
}

namespace {

// Sorts, merges duplicates and drops i: the small candidate lists of the local rules.
void Normalize(std::int64_t i, std::vector<std::int64_t> *v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
  v->erase(std::remove(v->begin(), v->end(), i), v->end());
}

class Ring final : public Topology {
 public:
  explicit Ring(std::int64_t n) : Topology(n, 1, false) {}
  void neighbours(int, std::int64_t i, Dir, std::vector<std::int64_t> *out) const override {
    out->clear();
    if (n == 1) return;
    out->push_back((i + n - 1) % n);
    out->push_back((i + 1) % n);
    Normalize(i, out);
  }
  // Closed forms: these run for every owned node of rings with 10^7..10^8 nodes.
  std::int64_t degree(int, std::int64_t, Dir) const override { return n == 1 ? 0 : (n == 2 ? 1 : 2); }
  std::int64_t upper_count(std::int64_t a) const override {
    if (n == 1) return 0;
    if (n == 2) return a == 0 ? 1 : 0;
    return a == 0 ? 2 : (a == n - 1 ? 0 : 1);  // upper(0) = {1, n-1}, upper(a) = {a+1}, upper(n-1) = {}
  }
  std::int64_t upper_rank(std::int64_t a, std::int64_t x) const override { return (a == 0 && x == n - 1 && n > 2) ? 1 : 0; }
};

class RingDirected final : public Topology {
 public:
  explicit RingDirected(std::int64_t n) : Topology(n, 1, true) {}
  void neighbours(int, std::int64_t i, Dir d, std::vector<std::int64_t> *out) const override {
    out->clear();
    if (n == 1) return;
    out->push_back(d == Dir::out ? (i + 1) % n : (i + n - 1) % n);
  }
  std::int64_t degree(int, std::int64_t, Dir) const override { return n == 1 ? 0 : 1; }
  std::int64_t upper_count(std::int64_t) const override { return n == 1 ? 0 : 1; }
  std::int64_t upper_rank(std::int64_t, std::int64_t) const override { return 0; }
};

class Torus final : public Topology {
 public:
  explicit Torus(std::int64_t n) : Topology(n, 1, false) {
    r = 1;
    for (std::int64_t d = 1; d * d <= n; ++d)
      if (n % d == 0) r = d;
    c = n / r;
  }
  void neighbours(int, std::int64_t i, Dir, std::vector<std::int64_t> *out) const override {
    const std::int64_t a = i / c, b = i % c;
    out->assign({((a + 1) % r) * c + b, ((a + r - 1) % r) * c + b, a * c + (b + 1) % c, a * c + (b + c - 1) % c});
    Normalize(i, out);
  }
  std::int64_t r, c;
};

class Star final : public Topology {
 public:
  explicit Star(std::int64_t n) : Topology(n, 1, false) {}
  void neighbours(int, std::int64_t i, Dir, std::vector<std::int64_t> *out) const override {
    out->clear();
    if (i == 0) {
      out->resize(n - 1);
      std::iota(out->begin(), out->end(), std::int64_t{1});
    } else {
      out->push_back(0);
    }
  }
  // The centre has n - 1 neighbours: its queries must not build that list for every leaf.
  std::int64_t degree(int, std::int64_t i, Dir) const override { return i == 0 ? n - 1 : 1; }
  std::int64_t upper_count(std::int64_t a) const override { return a == 0 ? n - 1 : 0; }
  std::int64_t upper_rank(std::int64_t, std::int64_t x) const override { return x - 1; }
};

class Complete final : public Topology {
 public:
  explicit Complete(std::int64_t n) : Topology(n, 1, false) {}
  void neighbours(int, std::int64_t i, Dir, std::vector<std::int64_t> *out) const override {
    out->resize(n);
    std::iota(out->begin(), out->end(), std::int64_t{0});
    out->erase(out->begin() + i);
  }
  std::int64_t degree(int, std::int64_t, Dir) const override { return n - 1; }
  std::int64_t upper_count(std::int64_t a) const override { return n - 1 - a; }
  std::int64_t upper_rank(std::int64_t a, std::int64_t x) const override { return x - a - 1; }
};

// n != 6: ring edge e_k = {k, k+1 mod n} belongs to graph k mod 3, so node i meets e_i and e_{i-1 mod n}.
class Switching3 final : public Topology {
 public:
  explicit Switching3(std::int64_t n) : Topology(n, 3, false), ring(n) {}
  void neighbours(int b, std::int64_t i, Dir d, std::vector<std::int64_t> *out) const override {
    if (b == kUnion) return ring.neighbours(b, i, d, out);
    out->clear();
    const std::int64_t prev = (i + n - 1) % n;
    if (i % 3 == b) out->push_back((i + 1) % n);
    if (prev % 3 == b) out->push_back(prev);
    Normalize(i, out);
  }
  std::int64_t upper_count(std::int64_t a) const override { return ring.upper_count(a); }
  std::int64_t upper_rank(std::int64_t a, std::int64_t x) const override { return ring.upper_rank(a, x); }

 private:
  Ring ring;
};

// Adjacency in compressed rows; slices are sorted because the edge lists are (see Build).
struct Csr {
  std::vector<std::int64_t> ptr, adj;
  void slice(std::int64_t i, std::vector<std::int64_t> *out) const { out->assign(adj.begin() + ptr[i], adj.begin() + ptr[i + 1]); }
  std::int64_t size(std::int64_t i) const { return ptr[i + 1] - ptr[i]; }
};

// Undirected (both directions) or directed out (`reverse` = false) / in (`reverse` = true) adjacency of a
// sorted unique edge list. Undirected rows are filled lower neighbours first, then upper ones, each in list
// order, so every row comes out sorted without a sort.
Csr Build(std::int64_t n, const std::vector<Edge> &edges, bool directed, bool reverse) {
  Csr g;
  g.ptr.assign(n + 1, 0);
  for (const auto &[u, v] : edges) {
    if (!directed || !reverse) ++g.ptr[u + 1];
    if (!directed || reverse) ++g.ptr[v + 1];
  }
  std::partial_sum(g.ptr.begin(), g.ptr.end(), g.ptr.begin());
  g.adj.resize(g.ptr[n]);
  std::vector<std::int64_t> pos(g.ptr.begin(), g.ptr.end() - 1);
  if (!directed || reverse)
    for (const auto &[u, v] : edges) g.adj[pos[v]++] = u;
  if (!directed || !reverse)
    for (const auto &[u, v] : edges) g.adj[pos[u]++] = v;
  return g;
}

std::vector<Edge> Merge(const EdgeLists &graphs) {
  std::vector<Edge> all;
  for (const auto &g : graphs) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

class ListTopology final : public Topology {
 public:
  ListTopology(std::int64_t n, bool directed, const EdgeLists &graphs)
      : Topology(n, static_cast<int>(graphs.size()), directed) {
    const std::vector<Edge> uni = Merge(graphs);
    for (int b = 0; b <= B; ++b) {
      const std::vector<Edge> &e = b < B ? graphs[b] : uni;
      out_.push_back(Build(n, e, directed, false));
      if (directed) in_.push_back(Build(n, e, true, true));
    }
  }
  void neighbours(int b, std::int64_t i, Dir d, std::vector<std::int64_t> *out) const override { csr(b, d).slice(i, out); }
  std::int64_t degree(int b, std::int64_t i, Dir d) const override { return csr(b, d).size(i); }
  std::int64_t upper_count(std::int64_t a) const override {
    const Csr &g = csr(kUnion, Dir::out);
    const auto first = g.adj.begin() + g.ptr[a], last = g.adj.begin() + g.ptr[a + 1];
    return directed ? last - first : last - std::upper_bound(first, last, a);
  }
  std::int64_t upper_rank(std::int64_t a, std::int64_t x) const override {
    const Csr &g = csr(kUnion, Dir::out);
    auto first = g.adj.begin() + g.ptr[a];
    const auto last = g.adj.begin() + g.ptr[a + 1];
    if (!directed) first = std::upper_bound(first, last, a);
    return std::lower_bound(first, last, x) - first;
  }

 private:
  const Csr &csr(int b, Dir d) const {
    const std::size_t k = b == kUnion ? B : b;
    return directed && d == Dir::in ? in_[k] : out_[k];
  }
  std::vector<Csr> out_, in_;  // index B is the union
};

// Union-find with path halving; union by index keeps it deterministic and is fast enough here.
struct Dsu {
  std::vector<std::int64_t> parent;
  explicit Dsu(std::int64_t n) : parent(n) { std::iota(parent.begin(), parent.end(), std::int64_t{0}); }
  std::int64_t find(std::int64_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  bool unite(std::int64_t a, std::int64_t b) {
    a = find(a), b = find(b);
    if (a == b) return false;
    parent[std::max(a, b)] = std::min(a, b);
    return true;
  }
};

bool ReachesAll(const Csr &g, std::int64_t n) {
  std::vector<char> seen(n, 0);
  std::vector<std::int64_t> stack{0};
  seen[0] = 1;
  std::int64_t count = 1;
  while (!stack.empty()) {
    const std::int64_t x = stack.back();
    stack.pop_back();
    for (std::int64_t k = g.ptr[x]; k < g.ptr[x + 1]; ++k)
      if (!seen[g.adj[k]]) seen[g.adj[k]] = 1, ++count, stack.push_back(g.adj[k]);
  }
  return count == n;
}

}  // namespace

std::unique_ptr<Topology> MakeRuleTopology(const std::string &family, std::int64_t n) {
  if (family == "ring") return std::make_unique<Ring>(n);
  if (family == "ring_directed") return std::make_unique<RingDirected>(n);
  if (family == "torus") return std::make_unique<Torus>(n);
  if (family == "star") return std::make_unique<Star>(n);
  if (family == "complete") return std::make_unique<Complete>(n);
  if (family == "switching3" && n != 6) return std::make_unique<Switching3>(n);
  return nullptr;
}

std::unique_ptr<Topology> MakeListTopology(std::int64_t n, bool directed, const EdgeLists &graphs) {
  return std::make_unique<ListTopology>(n, directed, graphs);
}

EdgeLists Enumerate(const Topology &t) {
  EdgeLists graphs(t.B);
  std::vector<std::int64_t> nb;
  for (int b = 0; b < t.B; ++b)
    for (std::int64_t i = 0; i < t.n; ++i) {
      t.neighbours(b, i, Dir::out, &nb);
      for (std::int64_t j : nb)
        if (t.directed || j > i) graphs[b].emplace_back(i, j);
    }
  return graphs;
}

bool UnionConnected(std::int64_t n, bool directed, const EdgeLists &graphs) {
  if (n <= 1) return true;
  if (!directed) {
    Dsu dsu(n);
    std::int64_t components = n;
    for (const auto &g : graphs)
      for (const auto &[u, v] : g) components -= dsu.unite(u, v) ? 1 : 0;
    return components == 1;
  }
  const std::vector<Edge> uni = Merge(graphs);
  return ReachesAll(Build(n, uni, true, false), n) && ReachesAll(Build(n, uni, true, true), n);
}

}  // namespace dodge::graph::detail
