// What a graph algorithm's agents send to their neighbours, kept apart from what they store (architecture.md
// §3, "stored, sent and ghost values"). The exchange mechanisms of algorithms.md §13 (event-triggered copies,
// privacy masks, poisoning attacks) change the values sent, never an agent's own state: each is a SendPolicy
// installed on a GraphAlgorithm, and pdct, li2022 and dopp do not change.
//
// Without a policy an agent sends its stored values unchanged and the sent view is the stored array itself
// (no copy). With one, each round the policy fills the sent values of the owned agents from their stored ones
// (Send), the exchange moves those to the ranks that read them, and every neighbour value a row mixes — same
// rank or not — is read from the sent view, adjusted per edge by Receive when per_edge(); an agent's own
// term w_ii · value_i always uses its stored value. So results never depend on the partition.
#pragma once
#include <cstdint>
#include <string>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"

namespace dodge::io {
class Recorder;
class Reader;
}
namespace dodge::graph {
struct Mixing;
}

namespace dodge::algorithms {

// What an agent's own term in its mix uses (algorithms.md §13):
//   Stored   w_ii · stored_i (the default; §13.2 Laplace: own term true)
//   Sent     w_ii · sent_i, the agent's own sent value, as its neighbours see it (§13.2 zero-sum masks, so that
//            column-stochastic W keeps Σ_i of the mixed values)
//   HeldCopy the stored own term, and on the tracker's coordinates the sum-preserving held-copy form of §13.1
//            A3: ŷ_i = y_i + Σ_{j≠i} w_ij (ỹ_j − ỹ_i), computed as the mix plus (Σ_{j≠i} w_ij)(y_i − ỹ_i)
//            (rows are stochastic), ỹ_i = the agent's own sent value.
enum class OwnTerm { Stored, Sent, HeldCopy };

class SendPolicy {
 public:
  virtual ~SendPolicy() = default;
  virtual const char *name() const = 0;
  // The values the owned agents send at step t: sent[(W + extra()) i + s] from stored[W i + s], s < W, for
  // i = 0..nloc−1 (global id block.start + i); the extra() values after them are the policy's own (e.g. a
  // version number) and are exchanged with the rest but never mixed. Called once per round on every rank.
  // Pure per agent: no MPI.
  virtual void Send(std::int64_t t, const Block &block, int W, const double *stored, double *sent) = 0;
  virtual int extra() const { return 0; }
  virtual OwnTerm own_term() const { return OwnTerm::Stored; }
  // Whether the policy counts the messages actually sent (event-triggered sends): then, once the round's
  // values have arrived, CountSent is called with the round's mixing rows and weights and returns the
  // number of messages the owned agents received this round (the algorithm sums it over the ranks).
  virtual bool counts_messages() const { return false; }
  virtual double CountSent(std::int64_t t, int b, const graph::Mixing &m, const double *w, bool failures, int W,
                           const double *sent) {
    return 0;
  }
  // Whether Receive adjusts each edge's value (pairwise masks, per-link attacks): then the rows read every
  // neighbour through it, one call per edge, so a per-edge policy costs more than a broadcast one.
  virtual bool per_edge() const { return false; }
  // The W values agent gid_i sees from neighbour gid_j at step t on edge (j → i), from j's sent values.
  virtual void Receive(std::int64_t t, std::int64_t gid_i, std::int64_t gid_j, int W, const double *sent_j,
                       double *seen) const {
    for (int s = 0; s < W; ++s) seen[s] = sent_j[s];
  }
  // Whether the policy mixes each row itself (the defences of §13.3, attacks.hpp): then the rows call MixRow
  // instead of summing w_ij · value_j. MixRow gets row i (local) of graph b with its entries [rowptr[i],
  // rowptr[i+1]) of m (sorted by global id, the self entry included), the step's weights w (0 on a failed
  // link), the sent records (sw values each, at sent + sw · col[e]), the agent's own stored values own[0..W)
  // and writes mixed[0..W).
  virtual bool mixes_rows() const { return false; }
  virtual void MixRow(std::int64_t t, int b, std::int64_t i, const graph::Mixing &m, const double *w, const double *sent,
                      int sw, const double *own, int W, double *mixed) {}
  // The policy's own evolving state (e.g. the last copy sent), as global arrays by agent. Collective.
  virtual PetscErrorCode SaveState(io::Recorder &, const Block &) const { return PETSC_SUCCESS; }
  virtual PetscErrorCode LoadState(io::Reader &, const Block &) { return PETSC_SUCCESS; }
  // The policy's parameters under /inputs/exchange (at the start of a run) and its totals (at the end of a
  // completed run: per-edge message counts, the privacy budget). Collective.
  virtual PetscErrorCode RecordParameters(io::Recorder &) const { return PETSC_SUCCESS; }
  virtual PetscErrorCode RecordSummary(io::Recorder &, const Block &) const { return PETSC_SUCCESS; }
  // One line for the run's header.
  virtual std::string describe() const { return name(); }
};

}  // namespace dodge::algorithms
