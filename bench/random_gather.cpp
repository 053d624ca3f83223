// Random gather: the memory access of mixing on a random graph, without dodge around it (issue 17).
//
// Every MPI process owns a table of `n` records of 16 B (the (mu, y) pair of an agent) much larger than the
// last-level cache and an index list of `m` uniformly random record ids (the rewired columns of a
// Watts-Strogatz row, read in order like col[]). The kernel sums the records the list names:
//
//     s += table[2 idx[k]] + table[2 idx[k] + 1]        k = 0 .. m-1
//
// with an optional software prefetch `-d` gathers ahead (dodge prefetches 16 rows, about 16 x 4 entries,
// ahead; 0 = none). Every process runs the kernel on its own data at the same time (barrier before and after
// each repetition), so `mpirun -n P random_gather` measures how many random cache-line reads per second P
// ranks of dodge can have in flight together. Compare the aggregate rate at P = 2 with P = 1: a ratio near 2
// means the cores have independent paths to memory for latency-bound reads; near 1 means they share one
// (the same question stream_triad answers for streaming bandwidth).
//
// Usage: [mpirun -n P] random_gather [-n records_per_process] [-m gathers] [-d prefetch_distance] [-r reps]
// Output: human-readable lines plus one machine-readable line starting with "RANDOM_GATHER".
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// splitmix64: a fixed, portable stream so every run gathers the same ids.
std::uint64_t Mix(std::uint64_t &s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

__attribute__((noinline)) double Gather(const double *__restrict table, const std::int32_t *__restrict idx,
                                        std::int64_t m, std::int64_t d) {
  double s0 = 0, s1 = 0;
  if (d > 0) {
    for (std::int64_t k = 0; k < m; ++k) {
      if (k + d < m) __builtin_prefetch(table + 2 * static_cast<std::int64_t>(idx[k + d]));
      const double *r = table + 2 * static_cast<std::int64_t>(idx[k]);
      s0 += r[0], s1 += r[1];
    }
  } else {
    for (std::int64_t k = 0; k < m; ++k) {
      const double *r = table + 2 * static_cast<std::int64_t>(idx[k]);
      s0 += r[0], s1 += r[1];
    }
  }
  return s0 + s1;
}

}  // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::int64_t n = 1 << 24, m = 1 << 24, d = 0;  // 256 MiB of records, 16.8 M gathers
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-n") && i + 1 < argc) n = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "-m") && i + 1 < argc) m = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "-d") && i + 1 < argc) d = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "-r") && i + 1 < argc) reps = std::atoi(argv[++i]);
    else {
      if (rank == 0)
        std::fprintf(stderr, "usage: [mpirun -n P] %s [-n records] [-m gathers] [-d prefetch_distance] [-r reps]\n",
                     argv[0]);
      MPI_Finalize();
      return 2;
    }
  }
  if (n < 1024 || n > (std::int64_t{1} << 31) - 1 || m < 1024 || d < 0 || reps < 1) {
    if (rank == 0) std::fprintf(stderr, "random_gather: need 1024 <= -n < 2^31, -m >= 1024, -d >= 0, -r >= 1\n");
    MPI_Finalize();
    return 2;
  }
  std::vector<double> table(static_cast<std::size_t>(2 * n));
  std::vector<std::int32_t> idx(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < 2 * n; ++i) table[i] = static_cast<double>(i % 7);  // first touch by the owner
  std::uint64_t seed = 12345 + static_cast<std::uint64_t>(rank);
  for (std::int64_t k = 0; k < m; ++k) idx[k] = static_cast<std::int32_t>(Mix(seed) % static_cast<std::uint64_t>(n));
  // The expected sum, computed in the same order: the compiler must not have dropped the kernel.
  double expect = 0;
  {
    double s0 = 0, s1 = 0;
    for (std::int64_t k = 0; k < m; ++k) s0 += table[2 * idx[k]], s1 += table[2 * idx[k] + 1];
    expect = s0 + s1;
  }
  double best = 1e300, worst = 0, sum = 0;
  int bad = 0;
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    const double got = Gather(table.data(), idx.data(), m, d);
    MPI_Barrier(MPI_COMM_WORLD);
    double dt = MPI_Wtime() - t0;
    MPI_Bcast(&dt, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    bad += got != expect;
    best = std::min(best, dt), worst = std::max(worst, dt), sum += dt;
  }
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  const double rate = static_cast<double>(m) * size / best;  // gathers per second, all processes
  if (rank == 0) {
    std::printf("random_gather: %d process%s, %lld records of 16 B (%.2f GiB) and %lld random gathers per process, "
                "prefetch distance %lld, best of %d\n",
                size, size > 1 ? "es" : "", (long long)n, 16.0 * n / (1 << 30), (long long)m, (long long)d, reps);
    std::printf("  best / mean / worst time   %.4f / %.4f / %.4f s\n", best, sum / reps, worst);
    std::printf("  gathers per second, all    %.4e   (%.2f ns per gather per process; %.2f GB/s in 64 B lines)\n",
                rate, 1e9 * best / static_cast<double>(m), 64.0 * rate / 1e9);
    if (bad) std::printf("  ERROR: %d wrong sums\n", bad);
    std::printf("RANDOM_GATHER procs=%d records=%lld gathers=%lld distance=%lld best_s=%.6e rate=%.6e\n", size,
                (long long)n, (long long)m, (long long)d, best, rate);
  }
  MPI_Finalize();
  return bad ? 1 : 0;
}
