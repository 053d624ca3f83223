// The exchange layer: the only place that moves agent values between ranks (architecture.md §3).
// Built once from the ghost ids a rank needs; split-phase so local work can overlap the messages.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"

namespace dodge::comm {

class Exchange {
 public:
  // Collective on comm. `ghosts` are the sorted, unique, non-owned global ids this rank reads; every rank
  // learns which of its owned values go where. Fails if a ghost id is owned locally or out of range.
  static PetscErrorCode Create(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                               std::unique_ptr<Exchange> *out);
  ~Exchange();

  // Begin: packs k doubles per owned agent (owned[k*i + c], i local) for the ranks that read them and posts
  // the messages; received values land in ghost_out[k*slot + c] (slot = position in `ghosts`). The buffers
  // must stay alive and untouched (owned: unmodified; ghost_out: unread) until End.
  PetscErrorCode Begin(std::span<const double> owned, std::span<double> ghost_out, int k);
  PetscErrorCode End();

  std::int64_t nghost() const { return static_cast<std::int64_t>(ghosts_.size()); }
  int neighbour_ranks() const { return static_cast<int>(recv_ranks_.size()); }
  // Rank-level traffic counters since creation (messages and bytes this rank sent).
  std::int64_t mpi_messages() const { return mpi_messages_; }
  std::int64_t mpi_bytes() const { return mpi_bytes_; }
  // Owned values sent per exchange (agent copies); for the scaling model of docs/performance.md.
  std::int64_t send_values() const { return static_cast<std::int64_t>(send_index_.size()); }

 private:
  Exchange() = default;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::vector<std::int64_t> ghosts_;
  std::vector<int> recv_ranks_;              // ranks we receive from, increasing
  std::vector<std::int64_t> recv_offset_;    // first ghost slot of each, size + 1
  std::vector<int> send_ranks_;              // ranks we send to, increasing
  std::vector<std::int64_t> send_offset_;    // into send_index_, size + 1
  std::vector<std::int64_t> send_index_;     // local owned index of each value sent
  std::vector<double> send_buf_;
  std::vector<MPI_Request> requests_;
  int k_ = 0;
  bool in_flight_ = false;
  std::int64_t mpi_messages_ = 0, mpi_bytes_ = 0;
};

// One fused global reduction of per-step scalars: the first `nsum` entries are summed and the rest are
// maximized, in a single MPI_Allreduce (architecture.md §4). Collective on comm.
PetscErrorCode AllreduceSumMax(MPI_Comm comm, double *values, int nsum, int nmax);

// Plain sums and maxima of a few doubles (the oracle's iterations). Collective on comm.
PetscErrorCode AllreduceSum(MPI_Comm comm, double *values, int n);
PetscErrorCode AllreduceMax(MPI_Comm comm, double *values, int n);
PetscErrorCode AllreduceSumInt(MPI_Comm comm, std::int64_t *values, int n);
// Exclusive prefix sum over ranks (rank 0 gets 0). Collective on comm.
PetscErrorCode ExscanInt(MPI_Comm comm, std::int64_t value, std::int64_t *prefix);
// Gathers a contiguous distributed array (each rank's slice in rank order) to rank 0. Collective on comm.
PetscErrorCode GatherToRoot(MPI_Comm comm, std::span<const double> local, std::vector<double> *root);
// The inverse: rank 0's array `root` (slices in rank order) lands in each rank's `local`. Collective on comm.
PetscErrorCode ScatterFromRoot(MPI_Comm comm, const std::vector<double> &root, std::span<double> local);
// True on every rank iff `ok` on every rank. Collective on comm.
PetscErrorCode AllTrue(MPI_Comm comm, bool ok, bool *all);
// Broadcasts a string from rank 0 (error messages decided on the root). Collective on comm.
PetscErrorCode BcastString(MPI_Comm comm, std::string *s);

}  // namespace dodge::comm
