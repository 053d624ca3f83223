// The halo exchange (lib/comm) at 1-4 ranks, for every implementation (PetscSF basic and neighbor, the
// hand-written p2p): ghost values equal the owners', split phase, empty ghost sets, refused ghost lists, traffic
// counters, and the values the graph algorithms mix under link failures.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "test_errors.hpp"
#include "comm/exchange.hpp"
#include "core/block.hpp"
#include "graph/graph.hpp"
#include "mpi_check.hpp"

using namespace dodge;

namespace {

using test::ScopedOptions;

struct Impl {
  const char *name;
  comm::ExchangeImpl impl;
  const char *sf_type;  // -sf_type for the sf implementation
};
const Impl kImpls[] = {{"sf basic", comm::ExchangeImpl::sf, "basic"},
                       {"sf neighbor", comm::ExchangeImpl::sf, "neighbor"},
                       {"p2p", comm::ExchangeImpl::p2p, nullptr}};

PetscErrorCode CreateImpl(const Impl &im, const Block &block, std::span<const std::int64_t> ghosts,
                          std::unique_ptr<comm::Exchange> *ex) {
  comm::ExchangeOptions o;
  o.impl = im.impl;
  if (!im.sf_type) return comm::Exchange::Create(PETSC_COMM_WORLD, block, ghosts, o, ex);
  ScopedOptions sf{{"-sf_type", im.sf_type}};
  return comm::Exchange::Create(PETSC_COMM_WORLD, block, ghosts, o, ex);
}

using dodge::test::Quietly;

// Value c of agent gid in round `round`: exact in double, distinct per agent, component and round.
double Value(std::int64_t gid, int c, int round) { return 1000.0 * gid + 10.0 * c + round + 0.25; }

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Σ_q w[q] v[2q + c] in increasing q, the graph algorithms' mixing of two slots. One out-of-line copy, so
// both sides of a comparison round (and contract) the same way.
[[gnu::noinline]] void Mix(const double *w, const double *v, std::int64_t len, double out[2]) {
  out[0] = out[1] = 0;
  for (std::int64_t q = 0; q < len; ++q)
    for (int c = 0; c < 2; ++c) out[c] += w[q] * v[2 * q + c];
}

// A random sorted set of non-owned ids; empty when `empty`.
std::vector<std::int64_t> RandomGhosts(const Block &b, std::uint64_t seed, double density, bool empty) {
  std::vector<std::int64_t> g;
  if (empty) return g;
  std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(b.rank));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::int64_t id = 0; id < b.n; ++id)
    if (!b.owns(id) && u(rng) < density) g.push_back(id);
  return g;
}

// Fills owned values, runs one exchange of k values per agent and checks every ghost slot. `between` runs
// between Begin and End (local work overlapping the messages). Collective.
template <class Between>
bool ExchangeAndCheck(comm::Exchange &ex, const Block &b, const std::vector<std::int64_t> &ghosts, int k, int round,
                      Between &&between) {
  const std::int64_t nloc = b.local(), ng = static_cast<std::int64_t>(ghosts.size());
  std::vector<double> owned(k * nloc), ghost(k * ng, std::numeric_limits<double>::quiet_NaN());
  for (std::int64_t i = 0; i < nloc; ++i)
    for (int c = 0; c < k; ++c) owned[k * i + c] = Value(b.start + i, c, round);
  const std::vector<double> owned_before = owned;
  bool ok = ex.Begin(owned, ghost, k) == PETSC_SUCCESS;
  between();
  ok = ex.End() == PETSC_SUCCESS && ok;
  for (std::int64_t s = 0; s < ng; ++s)
    for (int c = 0; c < k; ++c) ok = ok && SameBits(ghost[k * s + c], Value(ghosts[s], c, round));
  for (std::size_t e = 0; e < owned.size(); ++e) ok = ok && SameBits(owned[e], owned_before[e]);  // read only
  return ok;
}

}  // namespace

TEST_CASE("exchange: ghost values equal the owners' for random ghost sets and k = 1, 2, 3, 5", "[exchange][mpi]") {
  const int P = test::world_size(), rank = test::world_rank();
  for (const Impl &im : kImpls)
    for (std::int64_t n : {1, 7, 64, 301})
      for (int trial = 0; trial < 4; ++trial) {
        const Block b = Block::make(n, rank, P);
        // Trial 1: every other rank reads nothing; trial 3: nobody reads anything.
        const bool empty = (trial == 1 && rank % 2 == 0) || trial == 3;
        const auto ghosts = RandomGhosts(b, 100 * n + trial, trial == 2 ? 1.0 : 0.3, empty);
        std::unique_ptr<comm::Exchange> ex;
        REQUIRE(test::all_ranks(CreateImpl(im, b, ghosts, &ex) == PETSC_SUCCESS));
        CHECK(ex->nghost() == static_cast<std::int64_t>(ghosts.size()));
        // k changes between calls on one exchange, as scalar and vector algorithms do.
        bool ok = true;
        int round = 0;
        for (int k : {1, 3, 1, 2, 5}) ok = ExchangeAndCheck(*ex, b, ghosts, k, ++round, [] {}) && ok;
        INFO(im.name << ": n = " << n << ", trial " << trial << ", rank " << rank << " with " << ghosts.size() << " ghosts");
        REQUIRE(test::all_ranks(ok));

        // Counters: what the ranks send is what they read; bytes are 8 k per value sent.
        std::int64_t tot[4] = {ex->send_values(), ex->nghost(), ex->mpi_messages(), ex->neighbour_ranks()};
        REQUIRE(comm::AllreduceSumInt(PETSC_COMM_WORLD, tot, 4) == 0);
        CHECK(tot[0] == tot[1]);
        CHECK(tot[2] == 5 * tot[3]);  // each reading pair is one message per exchange, counted by its sender
        CHECK(ex->mpi_bytes() == static_cast<std::int64_t>(sizeof(double)) * (1 + 3 + 1 + 2 + 5) * ex->send_values());
        CHECK(std::string(ex->impl_name()) == (im.sf_type ? im.sf_type : "p2p"));
      }
}

TEST_CASE("exchange: split phase overlaps local work; Begin twice or End alone is refused", "[exchange][mpi]") {
  const int P = test::world_size(), rank = test::world_rank();
  const Block b = Block::make(40, rank, P);
  const auto ghosts = RandomGhosts(b, 5, 0.5, false);
  for (const Impl &im : kImpls) {
    std::unique_ptr<comm::Exchange> ex;
    REQUIRE(test::all_ranks(CreateImpl(im, b, ghosts, &ex) == PETSC_SUCCESS));
    // Work between Begin and End that touches neither buffer; then a second Begin in flight must fail
    // (and leave the first exchange intact).
    double local = 0;
    std::vector<double> spare_owned(2 * b.local(), 1.0), spare_ghost(2 * ghosts.size());
    PetscErrorCode second = PETSC_SUCCESS;
    bool ok = ExchangeAndCheck(*ex, b, ghosts, 2, 7, [&] {
      for (int i = 0; i < 100000; ++i) local += std::sqrt(static_cast<double>(i));
      second = Quietly([&] { return ex->Begin(spare_owned, spare_ghost, 2); });
    });
    INFO(im.name << ": values after End " << (ok ? "right" : "wrong") << ", second Begin code " << second);
    REQUIRE(test::all_ranks(ok && local > 0));
    REQUIRE(test::all_ranks(second != PETSC_SUCCESS));
    REQUIRE(test::all_ranks(Quietly([&] { return ex->End(); }) != PETSC_SUCCESS));
    // Still usable after the refused calls.
    REQUIRE(test::all_ranks(ExchangeAndCheck(*ex, b, ghosts, 1, 8, [] {})));
    // Buffers too small for k are refused before anything is sent.
    std::vector<double> small(ghosts.empty() ? 0 : ghosts.size() - 1);
    std::vector<double> owned(b.local());
    if (!ghosts.empty()) REQUIRE(Quietly([&] { return ex->Begin(owned, small, 1); }) != PETSC_SUCCESS);
    REQUIRE(test::all_ranks(ExchangeAndCheck(*ex, b, ghosts, 3, 9, [] {})));
  }
}

TEST_CASE("exchange: unsorted, duplicate, owned or out-of-range ghost ids are refused on every rank", "[exchange][mpi]") {
  const int P = test::world_size(), rank = test::world_rank();
  const std::int64_t n = 12;
  const Block b = Block::make(n, rank, P);
  const auto good = RandomGhosts(b, 11, 1.0, false);  // every non-owned id, sorted
  // The bad list is on the last rank only: the others must fail too rather than wait in the setup.
  const bool mine = rank == P - 1;
  std::vector<std::vector<std::int64_t>> bad_lists;
  {
    auto unsorted = good;
    if (unsorted.size() >= 2) std::swap(unsorted[0], unsorted[1]);
    else unsorted = {n - 1, 0};  // one rank: ids it owns, out of order
    bad_lists.push_back(unsorted);
    auto dup = good;
    dup.push_back(dup.empty() ? 0 : dup.back());
    bad_lists.push_back(dup);
    bad_lists.push_back({b.start});  // owned here
    bad_lists.push_back({n});        // past the end
    bad_lists.push_back({-1});
  }
  for (const Impl &im : kImpls)
    for (std::size_t c = 0; c < bad_lists.size(); ++c) {
      std::unique_ptr<comm::Exchange> ex;
      const auto &ghosts = mine ? bad_lists[c] : good;
      const PetscErrorCode code = Quietly([&] { return CreateImpl(im, b, ghosts, &ex); });
      INFO(im.name << ": bad list " << c << " on rank " << P - 1 << ", code " << code << " on rank " << rank);
      REQUIRE(test::all_ranks(code != PETSC_SUCCESS));
    }
  // And the good lists still work afterwards (nobody was left in a collective).
  for (const Impl &im : kImpls) {
    std::unique_ptr<comm::Exchange> ex;
    REQUIRE(test::all_ranks(CreateImpl(im, b, good, &ex) == PETSC_SUCCESS));
    REQUIRE(test::all_ranks(ExchangeAndCheck(*ex, b, good, 2, 3, [] {})));
  }
}

TEST_CASE("exchange: under link failures the mixed values over surviving edges equal a one-rank build", "[exchange][mpi]") {
  // Failures are modelled above the exchange: it moves every union-graph ghost, and the algorithm drops
  // failed edges by giving them weight 0 (graph::LocalGraphs::failure_weights). Check the values it uses.
  const int P = test::world_size(), rank = test::world_rank();
  const std::int64_t n = 29;
  for (const char *family : {"erdos_renyi", "watts_strogatz", "switching3"})
    for (const Impl &im : kImpls) {
      graph::Options o;
      o.family = family, o.link_failure = 0.3, o.seed = 3;
      const Block b = Block::make(n, rank, P), b1 = Block::make(n, 0, 1);
      graph::LocalGraphs g, ref;
      REQUIRE(test::all_ranks(graph::GraphsBuild(o, b, &g) == PETSC_SUCCESS &&
                              graph::GraphsBuild(o, b1, PETSC_COMM_SELF, &ref) == PETSC_SUCCESS));
      std::unique_ptr<comm::Exchange> ex;
      REQUIRE(test::all_ranks(CreateImpl(im, b, g.ghosts, &ex) == PETSC_SUCCESS));
      const std::int64_t nloc = b.local(), ng = static_cast<std::int64_t>(g.ghosts.size());
      std::vector<double> deg(nloc + ng), w, deg_ref(n), w_ref, x(2 * (nloc + ng));
      bool ok = true;
      std::int64_t dropped = 0;
      for (std::int64_t t = 1; t <= 12; ++t) {
        const graph::Mixing &m = g.graphs[g.which(t)], &mr = ref.graphs[ref.which(t)];
        g.surviving_degrees(t, deg.data());
        ok = ok && ex->Begin(std::span<const double>(deg.data(), nloc), std::span<double>(deg.data() + nloc, ng), 1) == 0;
        ok = ok && ex->End() == 0;
        ref.surviving_degrees(t, deg_ref.data());
        for (std::int64_t s = 0; s < ng; ++s) ok = ok && SameBits(deg[nloc + s], deg_ref[g.ghosts[s]]);
        w.resize(m.w.size()), w_ref.resize(mr.w.size());
        g.failure_weights(t, deg.data(), w.data());
        ref.failure_weights(t, deg_ref.data(), w_ref.data());
        // Two values per agent, mixed over the surviving edges in increasing j as the algorithms do.
        for (std::int64_t i = 0; i < nloc; ++i) x[2 * i] = Value(b.start + i, 0, static_cast<int>(t)), x[2 * i + 1] = Value(b.start + i, 1, static_cast<int>(t));
        ok = ok && ex->Begin(std::span<const double>(x.data(), 2 * nloc), std::span<double>(x.data() + 2 * nloc, 2 * ng), 2) == 0;
        ok = ok && ex->End() == 0;
        for (std::int64_t i = 0; i < nloc; ++i) {
          const std::int64_t gi = b.start + i, len = m.rowptr[i + 1] - m.rowptr[i];
          ok = ok && len == mr.rowptr[gi + 1] - mr.rowptr[gi];
          if (!ok) break;
          // Entry by entry: the same weight, and on every surviving edge the owner's value; then the same
          // mixing code on both, so the sums agree bit for bit.
          std::vector<double> vals(2 * len), vals_ref(2 * len);
          for (std::int64_t q = 0; q < len; ++q) {
            const std::int64_t e = m.rowptr[i] + q, er = mr.rowptr[gi] + q;
            ok = ok && m.gid[e] == mr.gid[er] && SameBits(w[e], w_ref[er]);
            dropped += w[e] == 0;
            for (int c = 0; c < 2; ++c) {
              vals[2 * q + c] = x[2 * m.col[e] + c];
              vals_ref[2 * q + c] = Value(mr.gid[er], c, static_cast<int>(t));
              ok = ok && (w[e] == 0 || SameBits(vals[2 * q + c], vals_ref[2 * q + c]));
            }
          }
          double mixed[2], mixed_ref[2];
          Mix(w.data() + m.rowptr[i], vals.data(), len, mixed);
          Mix(w_ref.data() + mr.rowptr[gi], vals_ref.data(), len, mixed_ref);
          ok = ok && SameBits(mixed[0], mixed_ref[0]) && SameBits(mixed[1], mixed_ref[1]);
        }
      }
      REQUIRE(comm::AllreduceSumInt(PETSC_COMM_WORLD, &dropped, 1) == 0);
      INFO(family << ", " << im.name << ": rank " << rank << " disagrees with the one-rank build");
      REQUIRE(test::all_ranks(ok));
      CHECK(dropped > 0);  // failures did drop edges, so the subset differs from the union
    }
}

TEST_CASE("exchange: the default is PetscSF neighbor, and -exchange_impl / -sf_type select the others", "[exchange][mpi]") {
  const int P = test::world_size(), rank = test::world_rank();
  const Block b = Block::make(20, rank, P);
  const auto ghosts = RandomGhosts(b, 2, 0.5, false);
  const struct {
    const char *impl, *sf_type, *expect;
  } cases[] = {{nullptr, nullptr, "neighbor"}, {nullptr, "basic", "basic"}, {"sf", "neighbor", "neighbor"}, {"p2p", nullptr, "p2p"}};
  for (const auto &c : cases) {
    ScopedOptions opts{};  // only the options this case sets, removed at the end of the iteration
    for (auto [name, value] : {std::pair{"-exchange_impl", c.impl}, std::pair{"-sf_type", c.sf_type}})
      if (value) PetscOptionsSetValue(nullptr, name, value), opts.names.emplace_back(name);
    std::unique_ptr<comm::Exchange> ex;
    REQUIRE(test::all_ranks(comm::Exchange::Create(PETSC_COMM_WORLD, b, ghosts, &ex) == PETSC_SUCCESS));
    INFO("-exchange_impl " << (c.impl ? c.impl : "(unset)") << " -sf_type " << (c.sf_type ? c.sf_type : "(unset)"));
    CHECK(std::string(ex->impl_name()) == c.expect);
    REQUIRE(test::all_ranks(ExchangeAndCheck(*ex, b, ghosts, 2, 1, [] {})));
  }
}
