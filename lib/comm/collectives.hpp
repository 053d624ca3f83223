// Typed collectives for setup code (graph building, input files): rank queries, broadcasts from rank 0,
// gathers, integer reductions and a one-off owner-to-ghost broadcast. Per-step traffic uses comm::Exchange.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"

namespace dodge::comm {

// Rank of this process in comm and number of ranks of comm. Not collective.
PetscErrorCode Rank(MPI_Comm comm, PetscMPIInt *rank);
PetscErrorCode Size(MPI_Comm comm, PetscMPIInt *size);

// The linked MPI library's own version line (MPI_Get_library_version, first line), for -version and
// provenance. Not collective.
std::string MpiLibraryVersion();

// Broadcasts rank 0's int to every rank of comm. Collective on comm.
PetscErrorCode BcastInt(MPI_Comm comm, int *value);

// Broadcasts rank 0's vector (any length; sent in pieces beyond an MPI int count) to every rank of comm; the
// other ranks' vectors are resized to match. Collective on comm.
PetscErrorCode BcastVector(MPI_Comm comm, std::vector<std::int64_t> *v);
PetscErrorCode BcastVector(MPI_Comm comm, std::vector<double> *v);
PetscErrorCode BcastVector(MPI_Comm comm, std::vector<int> *v);

// The first non-empty `mine` in rank order, on every rank ("" if every rank's is empty): lets ranks that each
// checked something of their own fail together with one message (architecture.md §7). Collective on comm.
PetscErrorCode FirstMessage(MPI_Comm comm, const std::string &mine, std::string *first);
// The union of every rank's lines (each `mine` holds lines ending in '\n'), sorted and without duplicates, on
// every rank: the same string whatever rank read what. Collective on comm.
PetscErrorCode UnionOfLines(MPI_Comm comm, const std::string &mine, std::string *all);

// Concatenates every rank's `mine` in rank order into `all` on every rank. Fails on every rank together if
// the total does not fit an MPI int count. Collective on comm.
PetscErrorCode AllgathervInt64(MPI_Comm comm, std::span<const std::int64_t> mine, std::vector<std::int64_t> *all);

// Element-wise maximum of n int64 values over the ranks, in place. Collective on comm. (Sums and exclusive
// prefix sums of int64: AllreduceSumInt and ExscanInt of comm/exchange.hpp.)
PetscErrorCode AllreduceMaxInt(MPI_Comm comm, std::int64_t *values, int n);

// The sum of `*value` over the ranks of comm that share this rank's node (MPI_COMM_TYPE_SHARED), in place, and
// how many they are. Collective on comm.
PetscErrorCode NodeSum(MPI_Comm comm, double *value, int *node_ranks);

// One-off broadcast of one int64 per agent from owners to the ranks that read it, exactly (no detour through
// doubles): ghost_out[s] = owned value of agent ghosts[s] on its owner. `owned` holds this rank's
// block.local() values by local index; `ghosts` are global ids not owned here (sorted or not) and ghost_out
// has one slot per ghost. Both counts must fit a PetscInt. Collective on comm, whose ranks own `block`'s
// partition.
PetscErrorCode GhostBcastInt64(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                               std::span<const std::int64_t> owned, std::span<std::int64_t> ghost_out);

}  // namespace dodge::comm
