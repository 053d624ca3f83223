// Internal to lib/graph: graph families as neighbour rules that answer for any single node, so rule-based
// families (ring, torus, star, switching3, ring_directed, complete) never hold an O(n) array on a rank; and the
// small helpers the graph sources share (file tokens, messages decided on rank 0; the collectives they
// need are comm/collectives.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::graph::detail {

using Edge = std::pair<std::int64_t, std::int64_t>;
using EdgeLists = std::vector<std::vector<Edge>>;

enum class Dir { in, out };  // undirected topologies ignore it
inline constexpr int kUnion = -1;  // graph index of the union of the B graphs

// The B graphs of a family over n nodes. Union edges are numbered as algorithms.md §7 sorts them; with
// upper(a) = union neighbours of a above a (undirected) or union out-neighbours of a (directed), the index of
// edge (a, x), x in upper(a), is sum_{y < a} |upper(y)| + (position of x in upper(a)).
class Topology {
 public:
  Topology(std::int64_t n, int B, bool directed) : n(n), B(B), directed(directed) {}
  virtual ~Topology() = default;

  // Neighbours of node i in graph b (kUnion for the union), sorted increasing, i itself excluded.
  virtual void neighbours(int b, std::int64_t i, Dir d, std::vector<std::int64_t> *out) const = 0;
  virtual std::int64_t degree(int b, std::int64_t i, Dir d) const;
  virtual std::int64_t upper_count(std::int64_t a) const;
  // Position of x in upper(a); x must be in it.
  virtual std::int64_t upper_rank(std::int64_t a, std::int64_t x) const;

  const std::int64_t n;
  const int B;
  const bool directed;

 protected:
  mutable std::vector<std::int64_t> scratch_;  // reused by the default queries (single-threaded use)
};

// The rule of `family` over n nodes, or nullptr when the family needs a global edge list (erdos_renyi,
// watts_strogatz, file, and switching3 at n = 6, whose Fig. 1 graphs are not a split ring).
std::unique_ptr<Topology> MakeRuleTopology(const std::string &family, std::int64_t n);

// A topology backed by global edge lists (undirected: pairs u < v; directed: ordered pairs), each sorted and
// unique. Costs O(n + sum of edges) memory on every rank.
std::unique_ptr<Topology> MakeListTopology(std::int64_t n, bool directed, const EdgeLists &graphs);

// Every edge of every graph of `t`, enumerated node by node (O(n) work; for tests and recording).
EdgeLists Enumerate(const Topology &t);

// True iff the union of `graphs` over n nodes is connected (strongly connected when directed).
bool UnionConnected(std::int64_t n, bool directed, const EdgeLists &graphs);

// The family names of algorithms.md §7, in the order -help lists them, and the same joined by spaces.
const std::vector<std::string> &FamilyNames();
std::string FamilyNamesJoined();

// Whitespace-separated tokens of a file line after dropping a '#' comment; strict integer and finite real parsing.
std::vector<std::string> Tokens(std::string line);
bool ParseInt(const std::string &s, std::int64_t *v);
bool ParseReal(const std::string &s, double *v);

// printf into a std::string (messages composed on one rank before they are broadcast).
std::string Format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Rank 0 of comm alone found `code` (0: no error) with message `msg`, e.g. while reading a file: every rank
// learns it and fails together. Collective on comm.
PetscErrorCode FailTogether(MPI_Comm comm, PetscErrorCode code, const std::string &msg);

}  // namespace dodge::graph::detail
