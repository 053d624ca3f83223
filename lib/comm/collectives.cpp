// Typed setup collectives (broadcasts, gathers, integer reductions, owner-to-ghost broadcast) so that code
// outside lib/comm and lib/io never calls MPI or PetscSF (architecture.md §3).
#include "comm/collectives.hpp"

#include <petscsf.h>

#include <algorithm>
#include <climits>

namespace dodge::comm {

std::string MpiLibraryVersion() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  if (MPI_Get_library_version(buf, &len) != MPI_SUCCESS) return "unknown";
  std::string v(buf, static_cast<std::size_t>(len));
  if (const auto nl = v.find('\n'); nl != std::string::npos) v.resize(nl);
  while (!v.empty() && (v.back() == ',' || v.back() == ' ' || v.back() == '\0')) v.pop_back();
  return v;
}

namespace {

template <class T>
PetscErrorCode BcastVectorImpl(MPI_Comm comm, MPI_Datatype type, std::vector<T> *v) {
  PetscFunctionBeginUser;
  std::int64_t size = static_cast<std::int64_t>(v->size());
  PetscCallMPI(MPI_Bcast(&size, 1, MPI_INT64_T, 0, comm));
  v->resize(size);
  // MPI counts are int: send long vectors in pieces.
  constexpr std::int64_t chunk = INT_MAX / 2;
  for (std::int64_t off = 0; off < size; off += chunk)
    PetscCallMPI(MPI_Bcast(v->data() + off, static_cast<int>(std::min(chunk, size - off)), type, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

PetscErrorCode Rank(MPI_Comm comm, PetscMPIInt *rank) {
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, rank));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Size(MPI_Comm comm, PetscMPIInt *size) {
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, size));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FirstMessage(MPI_Comm comm, const std::string &mine_in, std::string *first) {
  const std::string mine = mine_in;  // `first` may be `mine_in` itself
  PetscMPIInt rank, size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  int who = mine.empty() ? size : rank, lowest = size;
  PetscCallMPI(MPI_Allreduce(&who, &lowest, 1, MPI_INT, MPI_MIN, comm));
  first->clear();
  if (lowest == size) PetscFunctionReturn(PETSC_SUCCESS);
  int len = rank == lowest ? static_cast<int>(mine.size()) : 0;
  PetscCallMPI(MPI_Bcast(&len, 1, MPI_INT, lowest, comm));
  *first = rank == lowest ? mine : std::string(static_cast<std::size_t>(len), ' ');
  PetscCallMPI(MPI_Bcast(first->data(), len, MPI_CHAR, lowest, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UnionOfLines(MPI_Comm comm, const std::string &mine, std::string *all) {
  PetscMPIInt rank, size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(rank == 0 ? size : 0), offs(rank == 0 ? size : 0);
  PetscCallMPI(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, comm));
  std::string gathered;
  if (rank == 0) {
    long total = 0;
    for (int r = 0; r < size; ++r) offs[r] = static_cast<int>(total), total += lens[r];
    PetscCheck(total < (1L << 30), PETSC_COMM_SELF, PETSC_ERR_SUP, "UnionOfLines: %ld bytes of lines", total);
    gathered.resize(static_cast<std::size_t>(total));
  }
  PetscCallMPI(MPI_Gatherv(mine.data(), len, MPI_CHAR, gathered.data(), lens.data(), offs.data(), MPI_CHAR, 0, comm));
  std::string out;
  if (rank == 0) {
    std::vector<std::string> lines;
    std::size_t a = 0;
    while (a < gathered.size()) {
      std::size_t b = gathered.find('\n', a);
      if (b == std::string::npos) b = gathered.size();
      if (b > a) lines.emplace_back(gathered.substr(a, b - a));
      a = b + 1;
    }
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    for (const std::string &l : lines) out += l + "\n";
  }
  int olen = static_cast<int>(out.size());
  PetscCallMPI(MPI_Bcast(&olen, 1, MPI_INT, 0, comm));
  out.resize(static_cast<std::size_t>(olen));
  PetscCallMPI(MPI_Bcast(out.data(), olen, MPI_CHAR, 0, comm));
  *all = out;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastInt(MPI_Comm comm, int *value) {
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Bcast(value, 1, MPI_INT, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastVector(MPI_Comm comm, std::vector<std::int64_t> *v) {
  PetscFunctionBeginUser;
  PetscCall(BcastVectorImpl(comm, MPI_INT64_T, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastVector(MPI_Comm comm, std::vector<double> *v) {
  PetscFunctionBeginUser;
  PetscCall(BcastVectorImpl(comm, MPI_DOUBLE, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastVector(MPI_Comm comm, std::vector<int> *v) {
  PetscFunctionBeginUser;
  PetscCall(BcastVectorImpl(comm, MPI_INT, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AllgathervInt64(MPI_Comm comm, std::span<const std::int64_t> mine, std::vector<std::int64_t> *all) {
  PetscMPIInt size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  // Counts travel as int64 so that every rank sees the same total before deciding whether it fits.
  std::int64_t count = static_cast<std::int64_t>(mine.size());
  std::vector<std::int64_t> counts(size);
  PetscCallMPI(MPI_Allgather(&count, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, comm));
  std::int64_t total = 0;
  std::vector<int> icounts(size), displs(size);
  for (int r = 0; r < size; ++r) icounts[r] = static_cast<int>(counts[r]), displs[r] = static_cast<int>(total), total += counts[r];
  PetscCheck(total < INT_MAX, comm, PETSC_ERR_SUP, "too many values to gather (%lld, more than an MPI int count); use a smaller problem",
             static_cast<long long>(total));
  all->resize(total);
  PetscCallMPI(MPI_Allgatherv(mine.data(), static_cast<int>(count), MPI_INT64_T, all->data(), icounts.data(), displs.data(),
                              MPI_INT64_T, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AllreduceMaxInt(MPI_Comm comm, std::int64_t *values, int n) {
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, values, n, MPI_INT64_T, MPI_MAX, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NodeSum(MPI_Comm comm, double *value, int *node_ranks) {
  MPI_Comm node = MPI_COMM_NULL;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, node_ranks));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, value, 1, MPI_DOUBLE, MPI_SUM, node));
  PetscCallMPI(MPI_Comm_free(&node));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GhostBcastInt64(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                               std::span<const std::int64_t> owned, std::span<std::int64_t> ghost_out) {
  PetscFunctionBeginUser;
  PetscCheck(static_cast<std::int64_t>(owned.size()) == block.local() && ghost_out.size() == ghosts.size(), PETSC_COMM_SELF,
             PETSC_ERR_ARG_SIZ, "GhostBcastInt64: %lld owned values for %lld owned agents, %lld output slots for %lld ghosts",
             static_cast<long long>(owned.size()), static_cast<long long>(block.local()), static_cast<long long>(ghost_out.size()),
             static_cast<long long>(ghosts.size()));
  PetscCheck(block.local() <= PETSC_MAX_INT && static_cast<std::int64_t>(ghosts.size()) <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "GhostBcastInt64: %lld owned and %lld ghost agents do not fit a PetscInt", static_cast<long long>(block.local()),
             static_cast<long long>(ghosts.size()));
  // A one-off star forest (roots: owned agents, leaves: ghosts); setup is not worth a persistent Exchange.
  std::vector<PetscSFNode> remote(ghosts.size());
  for (std::size_t g = 0; g < ghosts.size(); ++g) {
    const int owner = block.owner(ghosts[g]);
    remote[g].rank = owner;
    remote[g].index = static_cast<PetscInt>(ghosts[g] - Block::first_of(block.n, owner, block.size));
  }
  std::fill(ghost_out.begin(), ghost_out.end(), 0);
  PetscSF sf;
  PetscCall(PetscSFCreate(comm, &sf));
  PetscCall(PetscSFSetGraph(sf, static_cast<PetscInt>(block.local()), static_cast<PetscInt>(ghosts.size()), nullptr, PETSC_COPY_VALUES,
                            remote.data(), PETSC_COPY_VALUES));
  PetscCall(PetscSFSetUp(sf));
  PetscCall(PetscSFBcastBegin(sf, MPI_INT64_T, owned.data(), ghost_out.data(), MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(sf, MPI_INT64_T, owned.data(), ghost_out.data(), MPI_REPLACE));
  PetscCall(PetscSFDestroy(&sf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::comm
