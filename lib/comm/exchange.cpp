// Halo exchange of agent values (on PetscSF, or the hand-written p2p messages it replaced) and the fused
// reductions; all rank-to-rank traffic of dodge lives here.
#include "comm/exchange.hpp"

#include <algorithm>
#include <string>

#include "core/events.hpp"
#include "core/options.hpp"

namespace dodge::comm {

namespace {
// The default -sf_type: neighbor (MPI-3 neighbourhood collectives) was the fastest of p2p, basic and neighbor
// for pdct on ring and Watts-Strogatz graphs at N = 10^6 (bench/bench_exchange.sh, docs/performance.md).
#if defined(PETSC_HAVE_MPI_NEIGHBORHOOD_COLLECTIVES)
constexpr const char *kDefaultSFType = PETSCSFNEIGHBOR;
#else
constexpr const char *kDefaultSFType = PETSCSFBASIC;
#endif

// PETSc's own -sf_type (and the other -sf_ options) on `sf`, limited to the types a general halo can use:
// the others (window, allgather, ...) need patterns or MPI features it does not have.
PetscErrorCode SFFromOptions(MPI_Comm comm, PetscSF sf) {
  PetscSFType type;
  PetscBool basic, neighbor;
  PetscFunctionBeginUser;
  PetscCall(PetscSFSetType(sf, kDefaultSFType));  // PetscSFSetFromOptions keeps it unless -sf_type is given
  PetscCall(PetscSFSetFromOptions(sf));
  PetscCall(PetscSFGetType(sf, &type));
  PetscCall(PetscStrcmp(type, PETSCSFBASIC, &basic));
  PetscCall(PetscStrcmp(type, PETSCSFNEIGHBOR, &neighbor));
  PetscCheck(basic || neighbor, comm, PETSC_ERR_SUP, "-sf_type %s is not supported by the exchange layer; use basic or neighbor",
             type);
  PetscFunctionReturn(PETSC_SUCCESS);
}
}  // namespace

PetscErrorCode ExchangeOptionsRead(MPI_Comm comm, ExchangeOptions *opts) {
  static const char *const impl_names[] = {"sf", "p2p"};
  PetscInt impl = opts->impl == ExchangeImpl::p2p ? 1 : 0;
  PetscBool help = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, "exchange_", "Halo exchange of agent values (lib/comm)", nullptr);
  PetscCall(OptionsChoice(PetscOptionsObject, "-impl", "How neighbour values move: sf (PETSc's PetscSF; its type from -sf_type neighbor|basic, default neighbor) "
                              "or p2p (hand-written MPI_Isend/Irecv, for comparison)", impl_names, 2, &impl, nullptr));
  PetscOptionsEnd();
  opts->impl = impl == 1 ? ExchangeImpl::p2p : ExchangeImpl::sf;
  PetscCall(PetscOptionsHasHelp(nullptr, &help));
  if (opts->impl == ExchangeImpl::sf || help) {
    // -sf_type belongs to PETSc's own "PetscSF options" block: read (and check) it now, with the other modules'
    // options, so a bad or unused value fails before the run; Exchange::Create reads it again for its PetscSF.
    PetscSF sf;
    PetscCall(PetscSFCreate(comm, &sf));
    PetscCall(SFFromOptions(comm, sf));
    PetscCall(PetscSFDestroy(&sf));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Exchange::Create(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                                std::unique_ptr<Exchange> *out) {
  ExchangeOptions opts;
  PetscFunctionBeginUser;
  PetscCall(ExchangeOptionsRead(comm, &opts));
  PetscCall(Create(comm, block, ghosts, opts, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Exchange::Create(MPI_Comm comm, const Block &block, std::span<const std::int64_t> ghosts,
                                const ExchangeOptions &opts, std::unique_ptr<Exchange> *out) {
  PetscFunctionBeginUser;
  std::unique_ptr<Exchange> ex(new Exchange());
  ex->comm_ = comm;
  ex->impl_ = opts.impl;
  ex->nowned_ = block.local();
  ex->nghost_ = static_cast<std::int64_t>(ghosts.size());
  // The first entry that is out of range, owned here, or not above its predecessor; decided on every rank
  // together, so no rank is left waiting in the setup's collectives.
  std::size_t bad = ghosts.size();
  for (std::size_t g = 0; g < ghosts.size() && bad == ghosts.size(); ++g)
    if (ghosts[g] < 0 || ghosts[g] >= block.n || block.owns(ghosts[g]) || (g > 0 && ghosts[g] <= ghosts[g - 1])) bad = g;
  bool all_ok;
  PetscCall(AllTrue(comm, bad == ghosts.size(), &all_ok));
  PetscCheck(bad == ghosts.size(), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "exchange: ghost id %" PetscInt64_FMT " at position %zu on rank %d is %s; ghost ids must be sorted, unique, "
             "in [0, %" PetscInt64_FMT ") and owned by another rank",
             bad < ghosts.size() ? ghosts[bad] : -1, bad, block.rank,
             bad < ghosts.size() && (ghosts[bad] < 0 || ghosts[bad] >= block.n) ? "out of range"
             : bad < ghosts.size() && block.owns(ghosts[bad])                  ? "owned by this rank"
                                                                                : "not above its predecessor",
             block.n);
  PetscCheck(all_ok, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "exchange: another rank's ghost ids are not sorted, unique, in range and owned elsewhere (see its message)");
  if (ex->impl_ == ExchangeImpl::sf) PetscCall(ex->SetUpSF(block, ghosts));
  else PetscCall(ex->SetUpP2P(block, ghosts));
  *out = std::move(ex);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Exchange::SetUpSF(const Block &block, std::span<const std::int64_t> ghosts) {
  PetscMPIInt rank;
  PetscInt niranks;
  const PetscMPIInt *iranks;
  const PetscInt *ioffset, *irootloc;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm_, &rank));
  const bool fits = block.local() <= PETSC_MAX_INT && nghost_ <= PETSC_MAX_INT;
  bool all_fit;
  PetscCall(AllTrue(comm_, fits, &all_fit));
  PetscCheck(all_fit, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "exchange: %" PetscInt64_FMT " owned and %" PetscInt64_FMT " ghost agents on rank %d%s do not fit a PetscInt; "
             "use more ranks or -exchange_impl p2p",
             block.local(), nghost_, rank, fits ? " (here; another rank's)" : "");
  // Roots: the owned agents; leaves: the ghost slots, contiguous in `ghosts` order (ilocal = identity).
  std::vector<PetscSFNode> remote(ghosts.size());
  for (std::size_t g = 0; g < ghosts.size(); ++g) {
    const int owner = block.owner(ghosts[g]);
    remote[g].rank = owner;
    remote[g].index = static_cast<PetscInt>(ghosts[g] - Block::first_of(block.n, owner, block.size));
  }
  PetscCall(PetscSFCreate(comm_, &sf_));
  PetscCall(SFFromOptions(comm_, sf_));  // -sf_type basic|neighbor
  PetscCall(PetscSFSetGraph(sf_, static_cast<PetscInt>(block.local()), static_cast<PetscInt>(nghost_), nullptr, PETSC_COPY_VALUES,
                            remote.data(), PETSC_COPY_VALUES));
  PetscCall(PetscSFSetUp(sf_));
  // Ranks we read from (leaf side) and the values we send to each (root side), for the counters.
  PetscInt nranks;
  const PetscMPIInt *ranks;
  const PetscInt *roffset, *rmine, *rremote;
  PetscCall(PetscSFGetRootRanks(sf_, &nranks, &ranks, &roffset, &rmine, &rremote));
  neighbour_ranks_ = 0;
  for (PetscInt r = 0; r < nranks; ++r) neighbour_ranks_ += ranks[r] != rank;
  PetscCall(PetscSFGetLeafRanks(sf_, &niranks, &iranks, &ioffset, &irootloc));
  send_ranks_count_ = 0, send_values_ = 0;
  for (PetscInt r = 0; r < niranks; ++r)
    if (iranks[r] != rank) send_ranks_count_++, send_values_ += ioffset[r + 1] - ioffset[r];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Exchange::SetUpP2P(const Block &block, std::span<const std::int64_t> ghosts) {
  PetscMPIInt size, rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm_, &size));
  PetscCallMPI(MPI_Comm_rank(comm_, &rank));
  // Ghosts are sorted, so each owner's ids form one contiguous run of slots.
  std::vector<int> need(size, 0);
  for (std::int64_t g : ghosts) need[block.owner(g)]++;
  std::int64_t slot = 0;
  for (int r = 0; r < size; ++r) {
    if (!need[r]) continue;
    recv_ranks_.push_back(r);
    recv_offset_.push_back(slot);
    slot += need[r];
  }
  recv_offset_.push_back(slot);

  // Tell each owner which of its agents we read.
  std::vector<int> give(size, 0);
  PetscCallMPI(MPI_Alltoall(need.data(), 1, MPI_INT, give.data(), 1, MPI_INT, comm_));
  std::vector<int> sdispl(size + 1, 0), rdispl(size + 1, 0);
  for (int r = 0; r < size; ++r) sdispl[r + 1] = sdispl[r] + need[r], rdispl[r + 1] = rdispl[r] + give[r];
  std::vector<std::int64_t> asked(rdispl[size]);
  PetscCallMPI(MPI_Alltoallv(ghosts.data(), need.data(), sdispl.data(), MPI_INT64_T, asked.data(), give.data(),
                             rdispl.data(), MPI_INT64_T, comm_));
  send_offset_.push_back(0);
  for (int r = 0; r < size; ++r) {
    if (!give[r]) continue;
    send_ranks_.push_back(r);
    for (int q = rdispl[r]; q < rdispl[r + 1]; ++q) {
      PetscCheck(block.owns(asked[q]), PETSC_COMM_SELF, PETSC_ERR_PLIB, "exchange: rank %d asked rank %d for agent %" PetscInt64_FMT " it does not own", r, rank, asked[q]);
      send_index_.push_back(asked[q] - block.start);
    }
    send_offset_.push_back(static_cast<std::int64_t>(send_index_.size()));
  }
  requests_.resize(recv_ranks_.size() + send_ranks_.size());
  neighbour_ranks_ = static_cast<int>(recv_ranks_.size());
  send_ranks_count_ = static_cast<int>(send_ranks_.size());
  send_values_ = static_cast<std::int64_t>(send_index_.size());
  PetscFunctionReturn(PETSC_SUCCESS);
}

Exchange::~Exchange() {
  // Past PetscFinalize (or MPI_Finalize) nothing can be released any more; the process is ending anyway.
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized || PetscFinalizeCalled) return;
  // A pending exchange at destruction means an error path; complete it so MPI holds no dangling buffers.
  if (in_flight_) {
    if (sf_) (void)PetscSFBcastEnd(sf_, unit_, root_, leaf_, MPI_REPLACE);
    else MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
  }
  if (sf_) (void)PetscSFDestroy(&sf_);
  for (auto &[k, t] : units_) MPI_Type_free(&t);
}

const char *Exchange::impl_name() const {
  PetscSFType type = nullptr;
  if (impl_ == ExchangeImpl::p2p) return "p2p";
  if (sf_ && PetscSFGetType(sf_, &type) == PETSC_SUCCESS && type) return type;
  return "sf";
}

PetscErrorCode Exchange::UnitType(int k, MPI_Datatype *unit) {
  PetscFunctionBeginUser;
  if (k == 1) {
    *unit = MPI_DOUBLE;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (const auto &[kk, t] : units_)
    if (kk == k) {
      *unit = t;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  // PetscSF recognizes a contiguous type of doubles and packs it as k doubles per unit.
  MPI_Datatype t;
  PetscCallMPI(MPI_Type_contiguous(k, MPI_DOUBLE, &t));
  PetscCallMPI(MPI_Type_commit(&t));
  units_.emplace_back(k, t);
  *unit = t;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Exchange::Begin(std::span<const double> owned, std::span<double> ghost_out, int k) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCheck(!in_flight_, PETSC_COMM_SELF, PETSC_ERR_ORDER, "exchange: Begin called twice without End");
  PetscCheck(k >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "exchange: %d values per agent; need at least 1", k);
  PetscCheck(static_cast<std::int64_t>(owned.size()) >= k * nowned_, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "exchange: owned buffer of %zu values for %" PetscInt64_FMT " agents x %d", owned.size(), nowned_, k);
  PetscCheck(static_cast<std::int64_t>(ghost_out.size()) >= k * nghost_, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "exchange: ghost buffer of %zu values for %" PetscInt64_FMT " ghosts x %d", ghost_out.size(), nghost_, k);
  PetscCall(PetscLogEventBegin(ev->exchange, 0, 0, 0, 0));
  if (impl_ == ExchangeImpl::sf) {
    PetscCall(UnitType(k, &unit_));
    root_ = owned.data(), leaf_ = ghost_out.data();
    PetscCall(PetscSFBcastBegin(sf_, unit_, root_, leaf_, MPI_REPLACE));
  } else {
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
    }
  }
  // The same count for both: one message per rank we send to, k doubles per value sent.
  mpi_messages_ += send_ranks_count_;
  mpi_bytes_ += static_cast<std::int64_t>(sizeof(double)) * k * send_values_;
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
  if (impl_ == ExchangeImpl::sf) PetscCall(PetscSFBcastEnd(sf_, unit_, root_, leaf_, MPI_REPLACE));
  else PetscCallMPI(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE));
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
