// Halo exchange of agent values and the fused reductions; all rank-to-rank traffic of dodge lives here.
#include "comm/exchange.hpp"

#include <algorithm>
#include <string>

#include "core/events.hpp"

namespace dodge::comm {

PetscErrorCode Exchange::Create(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                                std::unique_ptr<Exchange> *out) {
  PetscMPIInt size, rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  std::unique_ptr<Exchange> ex(new Exchange());
  ex->comm_ = comm;
  ex->ghosts_.assign(ghosts.begin(), ghosts.end());
  bool ok = std::is_sorted(ghosts.begin(), ghosts.end()) &&
            std::adjacent_find(ghosts.begin(), ghosts.end()) == ghosts.end();
  for (std::int64_t g : ghosts) ok = ok && g >= 0 && g < block.n && !block.owns(g);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "exchange: ghost ids must be sorted, unique, in range and not owned by this rank");

  // Ghosts are sorted, so each owner's ids form one contiguous run of slots.
  std::vector<int> need(size, 0);
  for (std::int64_t g : ghosts) need[block.owner(g)]++;
  std::int64_t slot = 0;
  for (int r = 0; r < size; ++r) {
    if (!need[r]) continue;
    ex->recv_ranks_.push_back(r);
    ex->recv_offset_.push_back(slot);
    slot += need[r];
  }
  ex->recv_offset_.push_back(slot);

  // Tell each owner which of its agents we read.
  std::vector<int> give(size, 0);
  PetscCallMPI(MPI_Alltoall(need.data(), 1, MPI_INT, give.data(), 1, MPI_INT, comm));
  std::vector<int> sdispl(size + 1, 0), rdispl(size + 1, 0);
  for (int r = 0; r < size; ++r) sdispl[r + 1] = sdispl[r] + need[r], rdispl[r + 1] = rdispl[r] + give[r];
  std::vector<std::int64_t> asked(rdispl[size]);
  PetscCallMPI(MPI_Alltoallv(ghosts.data(), need.data(), sdispl.data(), MPI_INT64_T, asked.data(), give.data(),
                             rdispl.data(), MPI_INT64_T, comm));
  ex->send_offset_.push_back(0);
  for (int r = 0; r < size; ++r) {
    if (!give[r]) continue;
    ex->send_ranks_.push_back(r);
    for (int q = rdispl[r]; q < rdispl[r + 1]; ++q) {
      PetscCheck(block.owns(asked[q]), PETSC_COMM_SELF, PETSC_ERR_PLIB, "exchange: rank %d asked rank %d for agent %" PetscInt64_FMT " it does not own", r, rank, asked[q]);
      ex->send_index_.push_back(asked[q] - block.start);
    }
    ex->send_offset_.push_back(static_cast<std::int64_t>(ex->send_index_.size()));
  }
  ex->requests_.resize(ex->recv_ranks_.size() + ex->send_ranks_.size());
  *out = std::move(ex);
  PetscFunctionReturn(PETSC_SUCCESS);
}

Exchange::~Exchange() {
  // A pending exchange at destruction means an error path; complete it so MPI holds no dangling buffers.
  if (in_flight_) MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
}

PetscErrorCode Exchange::Begin(std::span<const double> owned, std::span<double> ghost_out, int k) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCheck(!in_flight_, PETSC_COMM_SELF, PETSC_ERR_ORDER, "exchange: Begin called twice without End");
  PetscCheck(static_cast<std::int64_t>(ghost_out.size()) >= k * nghost(), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "exchange: ghost buffer too small");
  PetscCall(PetscLogEventBegin(ev->exchange, 0, 0, 0, 0));
  k_ = k;
  constexpr int tag = 7301;
  int q = 0;
  for (std::size_t s = 0; s < recv_ranks_.size(); ++s) {
    const std::int64_t first = recv_offset_[s], count = recv_offset_[s + 1] - first;
    PetscCallMPI(MPI_Irecv(ghost_out.data() + k * first, static_cast<int>(k * count), MPI_DOUBLE, recv_ranks_[s], tag,
                           comm_, &requests_[q++]));
  }
  send_buf_.resize(k * send_index_.size());
  for (std::size_t v = 0; v < send_index_.size(); ++v)
    for (int c = 0; c < k; ++c) send_buf_[k * v + c] = owned[k * send_index_[v] + c];
  for (std::size_t s = 0; s < send_ranks_.size(); ++s) {
    const std::int64_t first = send_offset_[s], count = send_offset_[s + 1] - first;
    PetscCallMPI(MPI_Isend(send_buf_.data() + k * first, static_cast<int>(k * count), MPI_DOUBLE, send_ranks_[s], tag,
                           comm_, &requests_[q++]));
    mpi_messages_++;
    mpi_bytes_ += static_cast<std::int64_t>(sizeof(double)) * k * count;
  }
  in_flight_ = true;
  PetscCall(PetscLogEventEnd(ev->exchange, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Exchange::End() {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCheck(in_flight_, PETSC_COMM_SELF, PETSC_ERR_ORDER, "exchange: End called without Begin");
  PetscCall(PetscLogEventBegin(ev->exchange, 0, 0, 0, 0));
  PetscCallMPI(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE));
  in_flight_ = false;
  PetscCall(PetscLogEventEnd(ev->exchange, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

namespace {
// The user op of the fused reduction needs the split point; reductions are blocking and single-threaded,
// so a file-scope value set just before the call is safe.
int g_nsum = 0;
void SumMaxOp(void *in, void *inout, int *len, MPI_Datatype *) {
  const double *a = static_cast<const double *>(in);
  double *b = static_cast<double *>(inout);
  for (int i = 0; i < *len; ++i) b[i] = i < g_nsum ? b[i] + a[i] : std::max(a[i], b[i]);
}
}  // namespace

PetscErrorCode AllreduceSumMax(MPI_Comm comm, double *values, int nsum, int nmax) {
  static MPI_Op op = MPI_OP_NULL;
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  if (op == MPI_OP_NULL) PetscCallMPI(MPI_Op_create(&SumMaxOp, /*commute=*/1, &op));
  PetscCall(PetscLogEventBegin(ev->reduction, 0, 0, 0, 0));
  g_nsum = nsum;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, values, nsum + nmax, MPI_DOUBLE, op, comm));
  PetscCall(PetscLogEventEnd(ev->reduction, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AllreduceSum(MPI_Comm comm, double *values, int n) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->reduction, 0, 0, 0, 0));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, values, n, MPI_DOUBLE, MPI_SUM, comm));
  PetscCall(PetscLogEventEnd(ev->reduction, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AllreduceMax(MPI_Comm comm, double *values, int n) {
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, values, n, MPI_DOUBLE, MPI_MAX, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AllreduceSumInt(MPI_Comm comm, std::int64_t *values, int n) {
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, values, n, MPI_INT64_T, MPI_SUM, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ExscanInt(MPI_Comm comm, std::int64_t value, std::int64_t *prefix) {
  PetscMPIInt rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  *prefix = 0;
  PetscCallMPI(MPI_Exscan(&value, prefix, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rank == 0) *prefix = 0;  // MPI leaves rank 0's result undefined
  PetscFunctionReturn(PETSC_SUCCESS);
}

namespace {
// Every rank's slice length n gathered on rank 0 as counts and offsets (displ has size + 1 entries there).
PetscErrorCode SliceLayout(MPI_Comm comm, int n, PetscMPIInt *rank, std::vector<int> *counts, std::vector<int> *displ) {
  PetscMPIInt size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, rank));
  counts->assign(size, 0), displ->assign(size + 1, 0);
  PetscCallMPI(MPI_Gather(&n, 1, MPI_INT, counts->data(), 1, MPI_INT, 0, comm));
  for (int r = 0; r < size; ++r) (*displ)[r + 1] = (*displ)[r] + (*counts)[r];
  PetscFunctionReturn(PETSC_SUCCESS);
}
}  // namespace

PetscErrorCode GatherToRoot(MPI_Comm comm, std::span<const double> local, std::vector<double> *root) {
  PetscMPIInt rank;
  std::vector<int> counts, displ;
  PetscFunctionBeginUser;
  const int n = static_cast<int>(local.size());
  PetscCall(SliceLayout(comm, n, &rank, &counts, &displ));
  if (rank == 0) root->resize(displ.back());
  PetscCallMPI(MPI_Gatherv(local.data(), n, MPI_DOUBLE, rank == 0 ? root->data() : nullptr, counts.data(),
                           displ.data(), MPI_DOUBLE, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ScatterFromRoot(MPI_Comm comm, const std::vector<double> &root, std::span<double> local) {
  PetscMPIInt rank;
  std::vector<int> counts, displ;
  PetscFunctionBeginUser;
  const int n = static_cast<int>(local.size());
  PetscCall(SliceLayout(comm, n, &rank, &counts, &displ));
  PetscCheck(rank != 0 || static_cast<std::size_t>(displ.back()) == root.size(), PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "ScatterFromRoot: %zu values on the root for %d slices", root.size(), displ.back());
  PetscCallMPI(MPI_Scatterv(rank == 0 ? root.data() : nullptr, counts.data(), displ.data(), MPI_DOUBLE, local.data(), n,
                            MPI_DOUBLE, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AllTrue(MPI_Comm comm, bool ok, bool *all) {
  int l = ok ? 1 : 0, g = 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&l, &g, 1, MPI_INT, MPI_MIN, comm));
  *all = g == 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastString(MPI_Comm comm, std::string *s) {
  long long len = static_cast<long long>(s->size());
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm));
  s->resize(static_cast<std::size_t>(len));
  if (len) PetscCallMPI(MPI_Bcast(s->data(), static_cast<int>(len), MPI_CHAR, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::comm
