// Microbenchmark of the halo exchange alone (lib/comm): the hand-written p2p messages, PetscSF basic and
// PetscSF neighbor built on one graph in one process and timed in interleaved rounds (the order rotated each
// round), so a machine that slows down during the run biases none of them. bench/bench_exchange.sh runs it.
//   mpirun -n 2 build/bench/exchange_bench -agents 1000000 -graph_family watts_strogatz -k 2 -rounds 15 -reps 200
// Prints, per implementation, the median over rounds of the time of one Begin+End (max over ranks) and its ratio
// to p2p; every exchange's ghost values are checked against the owners'.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "comm/exchange.hpp"
#include "core/block.hpp"
#include "graph/graph.hpp"

using namespace dodge;

namespace {

PetscErrorCode Run() {
  PetscInt n = 1000000, k = 2, rounds = 15, reps = 200;
  PetscMPIInt rank, size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "Exchange microbenchmark", nullptr);
  PetscCall(PetscOptionsInt("-agents", "Number of agents", nullptr, n, &n, nullptr));
  PetscCall(PetscOptionsInt("-k", "Doubles per agent per exchange (pdct 2, dopp 3, pev 96)", nullptr, k, &k, nullptr));
  PetscCall(PetscOptionsInt("-rounds", "Interleaved rounds (each times every implementation once)", nullptr, rounds, &rounds, nullptr));
  PetscCall(PetscOptionsInt("-reps", "Exchanges timed per implementation per round", nullptr, reps, &reps, nullptr));
  PetscOptionsEnd();
  const Block block = Block::make(n, rank, size);
  graph::Options go;
  PetscCall(graph::GraphOptionsFromDatabase(1, &go));
  graph::LocalGraphs g;
  PetscCall(graph::GraphsBuild(go, block, &g));

  struct Impl {
    const char *name;
    comm::ExchangeImpl impl;
    const char *sf_type;
    std::unique_ptr<comm::Exchange> ex;
    std::vector<double> times;
  };
  Impl impls[3] = {{"p2p", comm::ExchangeImpl::p2p, nullptr, nullptr, {}},
                   {"sf_basic", comm::ExchangeImpl::sf, "basic", nullptr, {}},
                   {"sf_neighbor", comm::ExchangeImpl::sf, "neighbor", nullptr, {}}};
  for (Impl &im : impls) {
    comm::ExchangeOptions o;
    o.impl = im.impl;
    if (im.sf_type) PetscCall(PetscOptionsSetValue(nullptr, "-sf_type", im.sf_type));
    PetscCall(comm::Exchange::Create(PETSC_COMM_WORLD, block, g.ghosts, o, &im.ex));
    if (im.sf_type) PetscCall(PetscOptionsClearValue(nullptr, "-sf_type"));
  }
  const std::int64_t nloc = block.local(), ng = static_cast<std::int64_t>(g.ghosts.size());
  std::vector<double> owned(k * nloc), ghost(k * ng);
  for (std::int64_t i = 0; i < nloc; ++i)
    for (PetscInt c = 0; c < k; ++c) owned[k * i + c] = static_cast<double>(block.start + i) + 0.125 * c;
  std::int64_t wrong = 0;
  for (PetscInt r = 0; r < rounds; ++r)
    for (int q = 0; q < 3; ++q) {
      Impl &im = impls[(q + r) % 3];
      std::fill(ghost.begin(), ghost.end(), -1.0);
      PetscCall(im.ex->Begin(owned, ghost, static_cast<int>(k)));  // warm-up, not timed
      PetscCall(im.ex->End());
      bool all;
      PetscCall(comm::AllTrue(PETSC_COMM_WORLD, true, &all));  // line the ranks up
      double t[1];
      PetscLogDouble t0, t1;
      PetscCall(PetscTime(&t0));
      for (PetscInt e = 0; e < reps; ++e) {
        PetscCall(im.ex->Begin(owned, ghost, static_cast<int>(k)));
        PetscCall(im.ex->End());
      }
      PetscCall(PetscTime(&t1));
      t[0] = (t1 - t0) / static_cast<double>(reps);
      PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, t, 1));
      im.times.push_back(t[0]);
      for (std::int64_t s = 0; s < ng; ++s)
        for (PetscInt c = 0; c < k; ++c) wrong += ghost[k * s + c] != static_cast<double>(g.ghosts[s]) + 0.125 * c;
    }
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &wrong, 1));
  PetscCheck(wrong == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "exchange_bench: %" PetscInt64_FMT " ghost values wrong", wrong);

  std::int64_t sent[2] = {impls[0].ex->send_values(), impls[0].ex->neighbour_ranks()};
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, sent, 2));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "# %s, N = %" PetscInt_FMT ", %d ranks, k = %" PetscInt_FMT ": %" PetscInt64_FMT
                        " values sent per exchange in all (%.3g MB), %" PetscInt64_FMT " rank pairs; %" PetscInt_FMT
                        " rounds x %" PetscInt_FMT " exchanges\n",
                        g.description.c_str(), n, size, k, sent[0], 8e-6 * static_cast<double>(k * sent[0]), sent[1], rounds, reps));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| exchange | median us per exchange | min us | max us | median / p2p |\n|---|---:|---:|---:|---:|\n"));
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
  };
  const double ref = median(impls[0].times);
  for (Impl &im : impls) {
    const double med = median(im.times);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %s | %.1f | %.1f | %.1f | %.3f |\n", im.name, 1e6 * med,
                          1e6 * *std::min_element(im.times.begin(), im.times.end()),
                          1e6 * *std::max_element(im.times.begin(), im.times.end()), med / ref));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

int main(int argc, char **argv) {
  PetscCall(PetscInitialize(&argc, &argv, nullptr, "Exchange microbenchmark: p2p vs PetscSF basic vs PetscSF neighbor\n"));
  PetscCall(Run());
  PetscCall(PetscFinalize());
  return 0;
}
