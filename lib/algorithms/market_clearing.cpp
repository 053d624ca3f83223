// The neighbours-scope clearing of mmr (market_clearing.hpp; docs/gridcell.md §16.5).
#include "algorithms/market_clearing.hpp"

#include <algorithm>
#include <span>

#include "problems/gridcell_mfq.hpp"

namespace dodge::algorithms {

PetscErrorCode NeighbourClearing::Setup(MPI_Comm comm, const Block &block, const graph::LocalGraphs &graphs, int rounds) {
  PetscFunctionBeginUser;
  PetscCheck(rounds >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-gridcell_match_rounds %d: R_m must be at least 1", rounds);
  PetscCheck(!graphs.directed, comm, PETSC_ERR_ARG_INCOMP,
             "-gridcell_market_scope neighbours needs an undirected graph (both ends of an edge agree on its trade); %s is "
             "directed: use an undirected -graph_family (default watts_strogatz)",
             graphs.description.c_str());
  comm_ = comm, block_ = block, graphs_ = &graphs, rounds_ = rounds;
  nloc_ = block.local();
  next_ = nloc_ + static_cast<std::int64_t>(graphs.ghosts.size());
  exchange_.reset();
  if (!graphs.ghosts.empty() || block.size > 1) PetscCall(comm::Exchange::Create(comm, block, graphs.ghosts, &exchange_));
  sd_.assign(2 * next_, 0.0), SD_.assign(2 * next_, 0.0);
  out_.assign(nloc_, 0.0), in_.assign(nloc_, 0.0);
  edges_b_ = -1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NeighbourClearing::MarketEdges(std::int64_t t, const std::vector<std::int64_t> *cut, std::int64_t cut_version) {
  const int b = graphs_->which(t);
  const bool failures = graphs_->link_failure > 0;
  PetscFunctionBeginUser;
  // Static graph and no new alarm: the same edges as last step.
  if (b == edges_b_ && !failures && cut_version == edges_cut_) PetscFunctionReturn(PETSC_SUCCESS);
  const std::size_t ncut = cut ? cut->size() / 2 : 0;
  auto is_cut = [&](std::int64_t a, std::int64_t c) {
    if (ncut == 0) return false;
    const std::int64_t lo = std::min(a, c), hi = std::max(a, c);
    std::size_t l = 0, h = ncut;  // binary search over the sorted pairs
    while (l < h) {
      const std::size_t q = (l + h) / 2;
      const std::int64_t x = (*cut)[2 * q], y = (*cut)[2 * q + 1];
      if (x < lo || (x == lo && y < hi)) l = q + 1;
      else h = q;
    }
    return l < ncut && (*cut)[2 * l] == lo && (*cut)[2 * l + 1] == hi;
  };
  const graph::Mixing &m = graphs_->graphs[b];
  mrow_.assign(nloc_ + 1, 0), mentry_.clear();
  for (std::int64_t i = 0; i < nloc_; ++i) {
    for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
      if (m.col[e] == i) continue;                                      // the self entry
      if (failures && !graphs_->edge_up(m.edge[e], t)) continue;        // link down at t (§7)
      if (ncut > 0) {                                                    // alarmed by either end (§16.8)
        const std::int32_t c = m.col[e];
        const std::int64_t j = c < nloc_ ? block_.start + c : graphs_->ghosts[c - nloc_];
        if (is_cut(block_.start + i, j)) continue;
      }
      mentry_.push_back(e);
    }
    mrow_[i + 1] = static_cast<std::int64_t>(mentry_.size());
  }
  std::int64_t edges = static_cast<std::int64_t>(mentry_.size());
  PetscCall(comm::AllreduceSumInt(comm_, &edges, 1));
  directed_edges_ = static_cast<double>(edges);
  zin_.assign(m.col.size(), 0.0), zout_.assign(m.col.size(), 0.0);
  edges_b_ = b, edges_cut_ = cut_version;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NeighbourClearing::Swap(std::vector<double> &ext) {
  PetscFunctionBeginUser;
  if (exchange_) {
    PetscCall(exchange_->Begin(std::span<const double>(ext.data(), 2 * nloc_), std::span<double>(ext.data() + 2 * nloc_, ext.size() - 2 * nloc_), 2));
    PetscCall(exchange_->End());
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NeighbourClearing::Clear(std::int64_t t, const double *s, const double *d, double *sold, double *bought,
                                        double *messages, double *bytes, const double *act, int *mf,
                                        const std::vector<std::int64_t> *cut, std::int64_t cut_version) {
  PetscFunctionBeginUser;
  PetscCall(MarketEdges(t, cut, cut_version));
  const graph::Mixing &m = graphs_->graphs[graphs_->which(t)];
  if (act) {
    // The actions of X1, round 1 (one more value of the same message; moved by its own exchange here), and the
    // mean field over the battery neighbours on the market edges: exact integer counts, so any order is exact.
    act_.resize(next_);
    std::copy(act, act + nloc_, act_.begin());
    if (exchange_) {
      PetscCall(exchange_->Begin(std::span<const double>(act_.data(), nloc_), std::span<double>(act_.data() + nloc_, next_ - nloc_), 1));
      PetscCall(exchange_->End());
    }
    for (std::int64_t i = 0; i < nloc_; ++i) {
      std::int64_t np = 0, nm = 0, nb = 0;
      for (std::int64_t k = mrow_[i]; k < mrow_[i + 1]; ++k) {
        const double a = act_[m.col[mentry_[k]]];
        np += a == 2, nm += a == 0, nb += a >= 0;
      }
      mf[i] = problems::gridcell::MeanField(np, nm, nb);
    }
  }
  std::fill(zin_.begin(), zin_.end(), 0.0), std::fill(zout_.begin(), zout_.end(), 0.0);
  for (std::int64_t i = 0; i < nloc_; ++i) sd_[2 * i] = s[i], sd_[2 * i + 1] = d[i], sold[i] = 0, bought[i] = 0;
  for (int r = 1; r <= rounds_; ++r) {
    // X1: the residual offers and bids.
    PetscCall(Swap(sd_));
    // X2: S_i, D_i over the market neighbours in increasing j.
    for (std::int64_t i = 0; i < nloc_; ++i) {
      double S = 0, D = 0;
      for (std::int64_t k = mrow_[i]; k < mrow_[i + 1]; ++k) {
        const std::int32_t c = m.col[mentry_[k]];
        S += sd_[2 * c], D += sd_[2 * c + 1];
      }
      SD_[2 * i] = S, SD_[2 * i + 1] = D;
    }
    PetscCall(Swap(SD_));
    // X3: z_{j→i} = (s_j·d_i)/max(D_j, S_i) and z_{i→j} = (s_i·d_j)/max(D_i, S_j), the same expression at both
    // ends of the edge (seller's s first, buyer's d second; max(seller's D, buyer's S)).
    for (std::int64_t i = 0; i < nloc_; ++i) {
      const double si = sd_[2 * i], di = sd_[2 * i + 1], Si = SD_[2 * i], Di = SD_[2 * i + 1];
      double zo = 0, zi = 0;
      for (std::int64_t k = mrow_[i]; k < mrow_[i + 1]; ++k) {
        const std::int64_t e = mentry_[k];
        const std::int32_t c = m.col[e];
        const double sj = sd_[2 * c], dj = sd_[2 * c + 1];
        if (sj > 0 && di > 0) {
          const double z = (sj * di) / std::max(SD_[2 * c + 1], Si);
          zin_[e] += z, zi += z;
        }
        if (si > 0 && dj > 0) {
          const double z = (si * dj) / std::max(Di, SD_[2 * c]);
          zout_[e] += z, zo += z;
        }
      }
      out_[i] = zo, in_[i] = zi;
    }
    // X4: the residuals, after every home's X3 (local neighbours read them).
    for (std::int64_t i = 0; i < nloc_; ++i) {
      sd_[2 * i] = std::max(0.0, sd_[2 * i] - out_[i]);
      sd_[2 * i + 1] = std::max(0.0, sd_[2 * i + 1] - in_[i]);
      sold[i] += out_[i], bought[i] += in_[i];
    }
  }
  // §12: one logical message per directed market edge for each of X1 and X2, two doubles each, per round.
  *messages = 2.0 * rounds_ * directed_edges_;
  *bytes = 16.0 * *messages + (act ? 8.0 * directed_edges_ : 0.0);
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::algorithms
