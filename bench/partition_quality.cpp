// What a locality-aware agent ordering and partition could buy on a communication graph (issue 17), measured
// before anything in the solver changes: the graph dodge builds (lib/graph) under today's block partition and
// natural order, against
//   - a graph partition across ranks from PETSc MatPartitioning (-mat_partitioning_type, default ptscotch), and
//   - a reverse Cuthill-McKee order of each rank's rows (MatGetOrdering MATORDERINGRCM on the rank's local block).
// Reports per partition the edge cut (row entries j -> i whose j lives on another rank), the halo (distinct remote
// in-neighbours per rank, total and max), the peer ranks and the row balance; per ordering the share of local
// entries whose neighbour lies within kPrefetchNear rows of its row (the reads a cache line or a prefetch serves
// without a miss to DRAM) and the mean distance |pos(i) - pos(j)|.
//   mpirun -n 2 build/bench/partition_quality -agents 1000000 -graph_family watts_strogatz
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

#include <petscmat.h>

#include "comm/collectives.hpp"
#include "comm/exchange.hpp"
#include "core/block.hpp"
#include "graph/graph.hpp"

using namespace dodge;

namespace {

struct Rows {  // the union over the B graphs of each owned row's in-neighbours (global ids, self excluded)
  std::vector<PetscInt> ia, ja;
};

Rows UnionRows(const graph::LocalGraphs &g) {
  const std::int64_t nloc = g.block.local();
  Rows r;
  r.ia.assign(static_cast<std::size_t>(nloc) + 1, 0);
  std::vector<PetscInt> row;
  for (std::int64_t i = 0; i < nloc; ++i) {
    row.clear();
    for (const graph::Mixing &m : g.graphs)
      for (std::int64_t p = m.rowptr[i]; p < m.rowptr[i + 1]; ++p)
        if (m.gid[p] != g.block.start + i) row.push_back(static_cast<PetscInt>(m.gid[p]));
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end()), row.end());
    r.ja.insert(r.ja.end(), row.begin(), row.end());
    r.ia[i + 1] = static_cast<PetscInt>(r.ja.size());
  }
  return r;
}

struct Cut {
  std::int64_t entries = 0, cut = 0, ghosts_total = 0, ghosts_max = 0, peers_total = 0, peers_max = 0;
  std::int64_t rows_min = 0, rows_max = 0;
};

// The halo of a partition part[] of the rows (part of every owned row, and of every ghost in g.ghosts order): the
// pairs (new owner p of row i, neighbour j owned by another part) go to rank p, which counts its distinct ones.
PetscErrorCode PartitionCut(const graph::LocalGraphs &g, const Rows &r, const std::vector<int> &part_own,
                            const std::vector<int> &part_ghost, int size, Cut *out) {
  const std::int64_t nloc = g.block.local();
  auto part_of = [&](PetscInt j) {
    if (g.block.owns(j)) return part_own[static_cast<std::size_t>(j - g.block.start)];
    const auto it = std::lower_bound(g.ghosts.begin(), g.ghosts.end(), static_cast<std::int64_t>(j));
    return part_ghost[static_cast<std::size_t>(it - g.ghosts.begin())];
  };
  std::vector<std::vector<std::int64_t>> to(static_cast<std::size_t>(size));  // (j, part of j) for rank p
  std::vector<std::int64_t> rows(static_cast<std::size_t>(size), 0);
  Cut c;
  for (std::int64_t i = 0; i < nloc; ++i) {
    const int p = part_own[static_cast<std::size_t>(i)];
    ++rows[static_cast<std::size_t>(p)];
    for (PetscInt q = r.ia[i]; q < r.ia[i + 1]; ++q) {
      ++c.entries;
      const int pj = part_of(r.ja[q]);
      if (pj == p) continue;
      ++c.cut;
      to[static_cast<std::size_t>(p)].push_back(r.ja[q]);
      to[static_cast<std::size_t>(p)].push_back(pj);
    }
  }
  std::vector<int> scount(static_cast<std::size_t>(size)), rcount(static_cast<std::size_t>(size)), sdisp(static_cast<std::size_t>(size) + 1, 0),
      rdisp(static_cast<std::size_t>(size) + 1, 0);
  for (int p = 0; p < size; ++p) scount[p] = static_cast<int>(to[p].size());
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Alltoall(scount.data(), 1, MPI_INT, rcount.data(), 1, MPI_INT, PETSC_COMM_WORLD));
  std::vector<std::int64_t> send, recv;
  for (int p = 0; p < size; ++p) {
    sdisp[p + 1] = sdisp[p] + scount[p];
    rdisp[p + 1] = rdisp[p] + rcount[p];
    send.insert(send.end(), to[p].begin(), to[p].end());
  }
  recv.resize(static_cast<std::size_t>(rdisp[size]));
  PetscCallMPI(MPI_Alltoallv(send.data(), scount.data(), sdisp.data(), MPI_INT64_T, recv.data(), rcount.data(), rdisp.data(),
                             MPI_INT64_T, PETSC_COMM_WORLD));
  std::vector<std::pair<std::int64_t, std::int64_t>> halo;  // (j, its part) arriving at this rank as the new owner
  for (std::size_t k = 0; k + 1 < recv.size(); k += 2) halo.emplace_back(recv[k], recv[k + 1]);
  std::sort(halo.begin(), halo.end());
  halo.erase(std::unique(halo.begin(), halo.end()), halo.end());
  std::vector<std::int64_t> peers;
  for (const auto &h : halo) peers.push_back(h.second);
  std::sort(peers.begin(), peers.end());
  peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
  std::int64_t sums[4] = {c.entries, c.cut, static_cast<std::int64_t>(halo.size()), static_cast<std::int64_t>(peers.size())};
  std::int64_t maxes[2] = {sums[2], sums[3]};
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, sums, 4));
  PetscCall(comm::AllreduceMaxInt(PETSC_COMM_WORLD, maxes, 2));
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, rows.data(), size));
  *out = Cut{sums[0], sums[1], sums[2], maxes[0], sums[3], maxes[1], *std::min_element(rows.begin(), rows.end()),
             *std::max_element(rows.begin(), rows.end())};
  PetscFunctionReturn(PETSC_SUCCESS);
}

struct Locality {
  std::int64_t local = 0, near = 0;
  double dist = 0.0;  // sum of |pos(i) - pos(j)| over local entries
};

// pos[i]: the position of owned row i in the order; only entries whose j is owned by the same rank count.
Locality LocalOrder(const graph::LocalGraphs &g, const Rows &r, const std::vector<PetscInt> &pos) {
  Locality l;
  const std::int64_t nloc = g.block.local();
  for (std::int64_t i = 0; i < nloc; ++i)
    for (PetscInt q = r.ia[i]; q < r.ia[i + 1]; ++q) {
      if (!g.block.owns(r.ja[q])) continue;
      const std::int64_t d = std::llabs(static_cast<long long>(pos[i]) - pos[static_cast<std::size_t>(r.ja[q] - g.block.start)]);
      ++l.local;
      l.near += d <= graph::kPrefetchNear;
      l.dist += static_cast<double>(d);
    }
  return l;
}

PetscErrorCode Report(const char *what, const Cut &c) {
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %s | %" PetscInt64_FMT " | %.4f | %" PetscInt64_FMT " | %" PetscInt64_FMT " | %" PetscInt64_FMT
                        " | %" PetscInt64_FMT "..%" PetscInt64_FMT " |\n",
                        what, c.cut, c.entries ? static_cast<double>(c.cut) / static_cast<double>(c.entries) : 0.0,
                        c.ghosts_total, c.ghosts_max, c.peers_max, c.rows_min, c.rows_max));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ReportOrder(const char *what, Locality l) {
  double v[2] = {static_cast<double>(l.near), l.dist};
  std::int64_t n = l.local;
  PetscFunctionBeginUser;
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, v, 2));
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &n, 1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %s | %" PetscInt64_FMT " | %.4f | %.4g |\n", what, n, n ? v[0] / static_cast<double>(n) : 0.0,
                        n ? v[1] / static_cast<double>(n) : 0.0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Run() {
  PetscInt n = 1000000;
  PetscMPIInt rank, size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "Partition and ordering quality (issue 17)", nullptr);
  PetscCall(PetscOptionsInt("-agents", "Number of agents", nullptr, n, &n, nullptr));
  PetscOptionsEnd();
  PetscCheck(n >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-agents must be at least 2, got %" PetscInt_FMT, n);
  const Block block = Block::make(n, rank, size);
  graph::Options go;
  PetscCall(graph::GraphOptionsFromDatabase(1, &go, "watts_strogatz"));
  graph::LocalGraphs g;
  PetscCall(graph::GraphsBuild(go, block, &g));
  const Rows r = UnionRows(g);
  const std::int64_t nloc = block.local();

  // Today: the block partition.
  std::vector<int> own(static_cast<std::size_t>(nloc), rank), ghost(g.ghosts.size());
  for (std::size_t k = 0; k < g.ghosts.size(); ++k) ghost[k] = static_cast<int>(block.owner(g.ghosts[k]));
  Cut blockcut, partcut;
  PetscCall(PartitionCut(g, r, own, ghost, size, &blockcut));
  {  // self-check: the block partition's halo counted here is the one the graph layer reports for the solver
    graph::HaloStats hs;
    PetscCall(graph::HaloStatsCompute(g, &hs));
    PetscCheck(g.B > 1 || (hs.cut_entries == blockcut.cut && hs.entries == blockcut.entries && hs.ghosts_total == blockcut.ghosts_total &&
                           hs.ghosts_max == blockcut.ghosts_max && hs.peers_max == blockcut.peers_max),
               PETSC_COMM_WORLD, PETSC_ERR_PLIB,
               "partition_quality: block halo %" PetscInt64_FMT " ghosts / %" PetscInt64_FMT " cut entries disagrees with the graph layer's %" PetscInt64_FMT
               " / %" PetscInt64_FMT,
               blockcut.ghosts_total, blockcut.cut, hs.ghosts_total, hs.cut_entries);
  }

  // The graph partitioner on the same adjacency (MatMPIAdj takes ownership of PetscMalloc'ed arrays).
  PetscInt *ia, *ja;
  PetscCall(PetscMalloc1(r.ia.size(), &ia));
  PetscCall(PetscMalloc1(std::max<std::size_t>(r.ja.size(), 1), &ja));
  std::copy(r.ia.begin(), r.ia.end(), ia);
  std::copy(r.ja.begin(), r.ja.end(), ja);
  Mat adj;
  MatPartitioning mp;
  IS is;
  PetscCall(MatCreateMPIAdj(PETSC_COMM_WORLD, static_cast<PetscInt>(nloc), n, ia, ja, nullptr, &adj));
  PetscCall(MatPartitioningCreate(PETSC_COMM_WORLD, &mp));
  PetscCall(MatPartitioningSetAdjacency(mp, adj));
  PetscCall(MatPartitioningSetType(mp, MATPARTITIONINGPTSCOTCH));
  PetscCall(MatPartitioningSetFromOptions(mp));
  MatPartitioningType ptype;
  PetscCall(MatPartitioningGetType(mp, &ptype));
  PetscLogDouble t0, t1;
  PetscCall(PetscTime(&t0));
  PetscCall(MatPartitioningApply(mp, &is));
  PetscCall(PetscTime(&t1));
  const PetscInt *pa;
  PetscCall(ISGetIndices(is, &pa));
  for (std::int64_t i = 0; i < nloc; ++i) own[static_cast<std::size_t>(i)] = static_cast<int>(pa[i]);
  PetscCall(ISRestoreIndices(is, &pa));
  {  // the new part of every ghost, from its owner through the exchange layer
    std::unique_ptr<comm::Exchange> ex;
    PetscCall(comm::Exchange::Create(PETSC_COMM_WORLD, block, g.ghosts, comm::ExchangeOptions{}, &ex));
    std::vector<double> o(own.begin(), own.end()), gh(g.ghosts.size());
    PetscCall(ex->Begin(o, gh, 1));
    PetscCall(ex->End());
    for (std::size_t k = 0; k < gh.size(); ++k) ghost[k] = static_cast<int>(gh[k]);
  }
  PetscCall(PartitionCut(g, r, own, ghost, size, &partcut));

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# %s, N = %" PetscInt_FMT ", %d ranks; partitioner %s (%.2f s)\n", g.description.c_str(), n, size,
                        ptype, t1 - t0));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| partition | edge cut (entries) | cut share | halo (ghosts, all ranks) | halo max per rank | "
                                          "peers max | rows per rank |\n|---|---:|---:|---:|---:|---:|---|\n"));
  PetscCall(Report("block (today)", blockcut));
  PetscCall(Report(ptype, partcut));

  // Orderings of each rank's own rows (block partition): natural against RCM of the local block of the adjacency.
  std::vector<PetscInt> pos(static_cast<std::size_t>(nloc));
  std::iota(pos.begin(), pos.end(), 0);
  const Locality natural = LocalOrder(g, r, pos);
  Mat loc;
  std::vector<PetscInt> nnz(static_cast<std::size_t>(nloc), 0);
  for (std::int64_t i = 0; i < nloc; ++i)
    for (PetscInt q = r.ia[i]; q < r.ia[i + 1]; ++q) nnz[i] += block.owns(r.ja[q]);
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, static_cast<PetscInt>(nloc), static_cast<PetscInt>(nloc), 0, nnz.data(), &loc));
  for (std::int64_t i = 0; i < nloc; ++i)
    for (PetscInt q = r.ia[i]; q < r.ia[i + 1]; ++q)
      if (block.owns(r.ja[q])) {
        const PetscInt row = static_cast<PetscInt>(i), col = static_cast<PetscInt>(r.ja[q] - block.start);
        const PetscScalar one = 1.0;
        PetscCall(MatSetValues(loc, 1, &row, 1, &col, &one, INSERT_VALUES));
      }
  PetscCall(MatAssemblyBegin(loc, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(loc, MAT_FINAL_ASSEMBLY));
  IS rperm, cperm;
  PetscCall(MatGetOrdering(loc, MATORDERINGRCM, &rperm, &cperm));
  const PetscInt *rp;
  PetscCall(ISGetIndices(rperm, &rp));
  for (std::int64_t k = 0; k < nloc; ++k) pos[static_cast<std::size_t>(rp[k])] = static_cast<PetscInt>(k);  // row rp[k] goes to k
  PetscCall(ISRestoreIndices(rperm, &rp));
  const Locality rcm = LocalOrder(g, r, pos);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| order within each rank (block partition) | local entries | share within %" PetscInt64_FMT
                                          " rows | mean distance [rows] |\n|---|---:|---:|---:|\n",
                        graph::kPrefetchNear));
  PetscCall(ReportOrder("natural (today)", natural));
  PetscCall(ReportOrder("rcm", rcm));

  PetscCall(ISDestroy(&rperm));
  PetscCall(ISDestroy(&cperm));
  PetscCall(MatDestroy(&loc));
  PetscCall(ISDestroy(&is));
  PetscCall(MatPartitioningDestroy(&mp));
  PetscCall(MatDestroy(&adj));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

int main(int argc, char **argv) {
  PetscCall(PetscInitialize(&argc, &argv, nullptr, "Partition and ordering quality of a communication graph (issue 17)\n"));
  PetscCall(Run());
  PetscCall(PetscFinalize());
  return 0;
}
