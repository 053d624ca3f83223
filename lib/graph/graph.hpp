// Communication graphs of algorithms.md §7: families, switching sequences, link failures and weights,
// seen from one rank (its owned agents and the ghost agents they hear from).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"

namespace dodge::graph {

// Options of the -graph_ block (read by GraphOptionsFromDatabase).
struct Options {
  std::string family = "switching3";  // ring torus erdos_renyi watts_strogatz complete star switching3
                                      // ring_directed erdos_renyi_directed file
  std::vector<std::string> files;     // -graph_files a.txt,b.txt: edge lists, several = a switching sequence
  bool directed_files = false;        // -graph_directed: edge-list files are directed (i -> j)
  std::string weights = "metropolis"; // metropolis | outdegree | file
  std::string weight_file;            // -graph_weight_file: "i j w" lines (0-based, diagonal included)
  double link_failure = 0.0;          // -graph_link_failure q in [0,1]
  std::string er_sampling = "pairs";  // -graph_er_sampling: pairs (§7, O(n^2) draws) | skip (geometric skips, O(edges))
  std::string prefetch = "auto";      // -graph_prefetch: auto | on | off (Mixing::prefetch; performance only)
  std::string overlap = "auto";       // -graph_overlap: auto | on | off (LocalGraphs::overlap; performance only)
  std::uint64_t seed = 1;             // seed of the GRAPH and LINK streams (the run seed)
  // Not an option: set by push-sum algorithms (dopp) before GraphsBuild so that weight-file columns must sum
  // to 1 as well as rows. Columns are always checked on directed graphs (pdct and li2022 need doubly
  // stochastic weights there).
  bool weight_columns = false;
};

enum class WeightKind { metropolis, outdegree, file };

// Reads the -graph_ options in one documented PetscOptionsBegin/End block. Collective on PETSC_COMM_WORLD.
// family_default replaces Options::family as the default of -graph_family (a problem's own default, e.g.
// gridcell's watts_strogatz, docs/gridcell.md §16.1); nullptr keeps switching3.
PetscErrorCode GraphOptionsFromDatabase(std::uint64_t run_seed, Options *opts, const char *family_default = nullptr);

inline constexpr std::int64_t kPrefetchNear = 4096;  // agents: a neighbour this close to its row is near in memory
inline constexpr std::int64_t kOverlapMinRun = 64;  // rows: interior/boundary runs shorter on average: one sweep

// One mixing row per owned agent: in-neighbours j (self included), sorted by increasing global id, with
// w_ij. `col` indexes the extended value array [owned agents (local index) | ghosts (nlocal + slot)].
struct Mixing {
  std::vector<std::int64_t> rowptr;  // size nlocal + 1
  std::vector<std::int32_t> col;     // extended index of j
  std::vector<std::int64_t> gid;     // global id of j
  std::vector<std::int64_t> edge;    // union edge index of (i,j) (-1 for the self entry), for LINK draws
  std::vector<double> w;             // static weight w_ij (no failures)
  std::int64_t active_edges_local = 0;  // directed in-edges j -> i (j != i) over owned i: messages received
  // The mixing rows prefetch their neighbours' values (-graph_prefetch; auto: when at least 1 % of the
  // off-diagonal entries are ghosts or more than kPrefetchNear local agents away). Changes no result.
  bool prefetch = false;
  // Directed graphs only: union edge indices of the out-edges i -> j of each owned i (surviving out-degrees).
  std::vector<std::int64_t> out_rowptr;  // size nlocal + 1
  std::vector<std::int64_t> out_edge;
};

class LocalGraphs {
 public:
  Block block;
  bool directed = false;
  int B = 1;                          // number of switching graphs; G(t) = graphs[(t-1) mod B]
  std::vector<std::int64_t> ghosts;   // sorted global ids of non-owned in-neighbours in the union graph
  std::vector<Mixing> graphs;         // size B
  double link_failure = 0.0;
  std::uint64_t seed = 1;
  std::string description;            // e.g. "switching3 (B = 3, n = 6, 7 union edges)"
  std::int64_t union_edges = 0;       // global count of union edges
  WeightKind weights = WeightKind::metropolis;
  // Rows that read no ghost are mixed while the halo is in flight, the others after it (-graph_overlap on), or
  // every row in one sweep after the halo (off). auto: overlap only where the two kinds of rows form runs of at
  // least kOverlapMinRun rows on average; on a random graph they interleave row by row, and two sweeps over
  // interleaved rows read most cache lines twice (docs/performance.md, "The 2-rank cost of overlapping").
  std::string overlap = "auto";

  int which(std::int64_t t) const { return static_cast<int>((t - 1) % B); }

  // With link failures: true iff the union edge e is up at step t (u(LINK, e, t) >= q).
  bool edge_up(std::int64_t e, std::int64_t t) const;

  // With link failures: surviving (out-)degree of each owned agent in G(t), as doubles for the halo exchange.
  void surviving_degrees(std::int64_t t, double *deg_owned) const;

  // With link failures: Metropolis-Hastings weights of G(t) on the surviving edges, given the surviving
  // degree of every agent in the extended array [owned | ghosts]. w_out has the layout of graphs[which(t)].w;
  // failed entries get 0 and their weight goes to the self entry. Out-degree weights are recomputed from the
  // surviving out-degrees the same way; weight-file weights keep their values and move failed ones to the
  // self entry. With q = 0 this is graphs[which(t)].w, bit for bit.
  void failure_weights(std::int64_t t, const double *deg_ext, double *w_out) const;

  // Frees what only setup and recording need (global ids of row entries; their edge indices too when no
  // link failures are drawn): 16 bytes per row entry, about a third of a ring agent's memory at scale.
  void ReleaseSetupData();
};

// The halo of this partition of the agents over the ranks (the input of the scaling model in
// docs/performance.md, "Scaling beyond one machine"), summed or maximized over the ranks.
struct HaloStats {
  std::int64_t ghosts_total = 0, ghosts_max = 0;  // ghost agents: distinct remote in-neighbours in the union graph
  std::int64_t peers_total = 0, peers_max = 0;    // per rank, the ranks owning its ghosts (the halo's messages)
  std::int64_t cut_entries = 0;                   // row entries j -> i with j on another rank, over the B graphs
  std::int64_t entries = 0;                       // all row entries j -> i, j != i, over the B graphs
};
// Collective on PETSC_COMM_WORLD. Uses the rows' extended columns and the ghosts, which ReleaseSetupData keeps.
PetscErrorCode HaloStatsCompute(const LocalGraphs &g, HaloStats *out);

// Builds the graphs for the agents of `block`. Collective on PETSC_COMM_WORLD. Fails (on every rank together)
// on an unknown family, a disconnected union, an unreadable or malformed edge-list or weight file (naming the
// file and line), a non-stochastic weight file (naming the row or column), or a directed graph with
// Metropolis weights.
PetscErrorCode GraphsBuild(const Options &opts, const Block &block, LocalGraphs *out);
// The same on `comm`, whose ranks own `block`'s partition (tests build a 1-rank reference on PETSC_COMM_SELF).
PetscErrorCode GraphsBuild(const Options &opts, const Block &block, MPI_Comm comm, LocalGraphs *out);

// The global edge list of one family over n nodes (undirected: pairs u < v, sorted, unique). Used by the
// builder, by tests and for recording. Collective (edge-list files are read on rank 0 and broadcast).
PetscErrorCode FamilyEdges(const Options &opts, std::int64_t n, std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> *graphs);
PetscErrorCode FamilyEdges(const Options &opts, std::int64_t n, MPI_Comm comm, std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> *graphs);

}  // namespace dodge::graph
