// The neighbours-scope mid-market-rate clearing of mmr (docs/gridcell.md §16.5, "Clearing: mid-market rate,
// neighbours scope"): R_m rounds of X1-X4 on the market edges of G(t), every value moved by the exchange layer.
//
//   X1 every home sends its residual (s_i, d_i) to its market neighbours;
//   X2 S_i = Σ_{j∈M_i} s_j, D_i = Σ_{j∈M_i} d_j (increasing j), sent the same way;
//   X3 on each market edge with s_j > 0 and d_i > 0: z_{j→i} = (s_j·d_i)/max(D_j, S_i). Both ends compute it
//      from the same four operands in the same order, so they hold bitwise the same value;
//   X4 s_i ← max(0, s_i − Σ_j z_{i→j}), d_i ← max(0, d_i − Σ_j z_{j→i}) (sums in increasing gid).
// mfq adds each home's action a_i to X1 of round 1; the mean field counts them over the market edges.
//
// Market edges M_i(t) are the active edges of G(t): those of graphs[which(t)], less the links that are down at
// t under -graph_link_failure, less the edges cut by the market channel's alarms (§16.8: either end has alarmed
// the other; the family hands the cut set over, the same on every rank). MarketEdges is the one place that
// decides membership. The alarm bit of X1, r = 1 is how the alarmed end learns of the cut; the cut set handed in
// is exactly what those bits deliver (every end knows every alarm raised about it by the start of the next step).
// Every per-home value depends only on the homes' values and the graph, never on the rank placement, so it is
// bitwise identical on any rank count.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "comm/exchange.hpp"
#include "core/block.hpp"
#include "core/petsc_compat.hpp"
#include "graph/graph.hpp"

namespace dodge::algorithms {

class NeighbourClearing {
 public:
  // Collective on comm (whose ranks own `block`). `graphs` must outlive the object and be undirected (a trade
  // is agreed by both ends of an edge); rounds = R_m >= 1.
  PetscErrorCode Setup(MPI_Comm comm, const Block &block, const graph::LocalGraphs &graphs, int rounds);
  // Clears step t. s, d: the local homes' offers and bids [kW] (already on the 2^-30 grid, non-negative).
  // sold, bought: Σ_r Σ z out of and into each local home. messages, bytes: the step's logical messages of §12
  // (one per directed market edge, per message X1 and X2, per round) and their payload bytes, global.
  // Collective on comm.
  // With `act` (mfq, §16.5: each local home's action a_i in {0, 1, 2}, -1 without a battery), the actions ride
  // X1 of round 1 (8 more bytes per directed market edge) and mf receives each local home's mean field mf_i(t)
  // over the battery neighbours on its market edges (gridcell::MeanField of the exact counts).
  // cut: the undirected edges out of the market (§16.8), sorted (min gid, max gid) pairs flattened, or nullptr;
  // cut_version changes whenever the set does (the market edges of a static graph are rebuilt then only).
  PetscErrorCode Clear(std::int64_t t, const double *s, const double *d, double *sold, double *bought, double *messages,
                       double *bytes, const double *act = nullptr, int *mf = nullptr, const std::vector<std::int64_t> *cut = nullptr,
                       std::int64_t cut_version = 0);
  // After Clear(t): for row entry e of the mixing rows of G(t) (graphs.graphs[which(t)], owned home i, neighbour
  // j = its column), z_in(e) = Σ_r z_{j→i} and z_out(e) = Σ_r z_{i→j} as computed at i's end (0 on the self
  // entry and on edges outside M_i(t)). For the tests of oracle 1.
  double z_in(std::int64_t e) const { return zin_[e]; }
  double z_out(std::int64_t e) const { return zout_[e]; }
  int rounds() const { return rounds_; }
  std::int64_t mpi_messages() const { return exchange_ ? exchange_->mpi_messages() : 0; }
  std::int64_t mpi_bytes() const { return exchange_ ? exchange_->mpi_bytes() : 0; }

 private:
  // The market edges of step t: mrow_ (CSR over the local homes) into the row entries mentry_ of G(t).
  PetscErrorCode MarketEdges(std::int64_t t, const std::vector<std::int64_t> *cut, std::int64_t cut_version);
  PetscErrorCode Swap(std::vector<double> &ext);

  MPI_Comm comm_ = MPI_COMM_NULL;
  Block block_;
  const graph::LocalGraphs *graphs_ = nullptr;
  int rounds_ = 2;
  std::int64_t nloc_ = 0, next_ = 0;
  std::unique_ptr<comm::Exchange> exchange_;
  int edges_b_ = -1;                       // the graph whose market edges are in mrow_/mentry_ (-1: none)
  std::int64_t edges_cut_ = 0;             // the cut set's version they were built with
  std::vector<std::int64_t> mrow_, mentry_;
  double directed_edges_ = 0;              // global directed market edges of the step
  std::vector<double> sd_, SD_;            // [owned | ghosts] x 2: residual (s, d) and the sums (S, D)
  std::vector<double> out_, in_;           // per local home: the round's Σ z_{i→·}, Σ z_{·→i}
  std::vector<double> zin_, zout_;         // per row entry of G(t)
  std::vector<double> act_;                // [owned | ghosts]: the actions of X1, round 1 (mfq)
};

}  // namespace dodge::algorithms
