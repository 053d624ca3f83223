// The exchange layer: the only place that moves agent values between ranks (architecture.md §3).
// Built once from the ghost ids a rank needs; split-phase so local work can overlap the messages.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <petscsf.h>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"

namespace dodge::comm {

// How the halo moves: PETSc's star forest (PetscSF, the default; its implementation from -sf_type) or the
// hand-written point-to-point messages it replaced (kept for the benchmark of docs/performance.md).
enum class ExchangeImpl { sf, p2p };

struct ExchangeOptions {
  ExchangeImpl impl = ExchangeImpl::sf;
};

// Reads the -exchange_ block (-exchange_impl sf|p2p) and, for sf, PETSc's own PetscSF options (-sf_type
// neighbor|basic, default neighbor, read by PetscSFSetFromOptions, as Exchange::Create does again); fails on
// another -sf_type.
// Under -help it prints both. Collective on comm.
PetscErrorCode ExchangeOptionsRead(MPI_Comm comm, ExchangeOptions *opts);

class Exchange {
 public:
  // Collective on comm. `ghosts` are the sorted, unique, non-owned global ids this rank reads; every rank
  // learns which of its owned values go where. Fails on every rank if a ghost list anywhere is unsorted, has a
  // duplicate, an id owned by its rank or one out of [0, n).
  // Reads its options with ExchangeOptionsRead (and -sf_type for the sf implementation).
  static PetscErrorCode Create(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                               std::unique_ptr<Exchange> *out);
  // The same with the implementation given (the benchmark and tests compare them in one process); the sf one
  // still reads -sf_type.
  static PetscErrorCode Create(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                               const ExchangeOptions &opts, std::unique_ptr<Exchange> *out);
  ~Exchange();
  Exchange(const Exchange &) = delete;
  Exchange &operator=(const Exchange &) = delete;

  // Begin: sends k doubles per owned agent (owned[k*i + c], i local) to the ranks that read them; received
  // values land in ghost_out[k*slot + c] (slot = position in `ghosts`). The buffers must stay alive and
  // untouched (owned: unmodified; ghost_out: unread) until End. Not collective, but every rank of comm must
  // call Begin and End with the same k.
  PetscErrorCode Begin(std::span<const double> owned, std::span<double> ghost_out, int k);
  PetscErrorCode End();

  std::int64_t nghost() const { return nghost_; }
  int neighbour_ranks() const { return neighbour_ranks_; }
  // Rank-level traffic counters since creation (messages and bytes this rank sent).
  std::int64_t mpi_messages() const { return mpi_messages_; }
  std::int64_t mpi_bytes() const { return mpi_bytes_; }
  // Owned values sent per exchange (agent copies); for the scaling model of docs/performance.md.
  std::int64_t send_values() const { return send_values_; }
  ExchangeImpl impl() const { return impl_; }
  // "p2p", or the PetscSF type ("basic", "neighbor").
  const char *impl_name() const;

 private:
  Exchange() = default;
  PetscErrorCode SetUpP2P(const Block &block, std::span<const std::int64_t> ghosts);
  PetscErrorCode SetUpSF(const Block &block, std::span<const std::int64_t> ghosts);
  // The committed MPI type of k contiguous doubles (MPI_DOUBLE for k = 1), made once per k.
  PetscErrorCode UnitType(int k, MPI_Datatype *unit);

  MPI_Comm comm_ = MPI_COMM_NULL;
  ExchangeImpl impl_ = ExchangeImpl::sf;
  std::int64_t nowned_ = 0, nghost_ = 0, send_values_ = 0;
  int neighbour_ranks_ = 0, send_ranks_count_ = 0;
  // sf: roots are the owned agents, leaves the ghost slots; one unit type per k in use.
  PetscSF sf_ = nullptr;
  std::vector<std::pair<int, MPI_Datatype>> units_;
  MPI_Datatype unit_ = MPI_DATATYPE_NULL;  // of the exchange in flight
  const double *root_ = nullptr;
  double *leaf_ = nullptr;
  // p2p: the hand-written messages.
  std::vector<int> recv_ranks_;              // ranks we receive from, increasing
  std::vector<std::int64_t> recv_offset_;    // first ghost slot of each, size + 1
  std::vector<int> send_ranks_;              // ranks we send to, increasing
  std::vector<std::int64_t> send_offset_;    // into send_index_, size + 1
  std::vector<std::int64_t> send_index_;     // local owned index of each value sent
  std::vector<double> send_buf_;
  std::vector<MPI_Request> requests_;
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
