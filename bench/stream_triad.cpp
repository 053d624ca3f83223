// STREAM triad a[i] = b[i] + s*c[i] (McCalpin's kernel) on arrays much larger than the last-level cache:
// the memory bandwidth that bounds dodge's agent loops (bench/README.md, "roofline").
//
// Every MPI process runs the triad on its own arrays at the same time (barrier before and after each
// repetition), so `mpirun -n P stream_triad` measures the bandwidth P ranks of dodge share. The best of
// several repetitions is reported, in two conventions:
//   STREAM         24 bytes per element: read b, read c, write a (what STREAM prints);
//   write-allocate 32 bytes per element: the written line of a is first read into the cache (RFO), so
//                  the memory bus carries 3 reads and 1 write. This is the traffic the hardware moves
//                  with ordinary (non-streaming) stores, and the convention the roofline of
//                  bench/README.md uses, because its byte counts include write-allocate too.
//
// Usage: [mpirun -n P] stream_triad [-n elements_per_array_per_process] [-r repetitions]
// Default size: each array >= 4x the last-level cache and >= 2^25 doubles (256 MiB).
// Output: human-readable lines plus one machine-readable line starting with "STREAM_TRIAD".
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

// Last-level cache size in bytes: sysconf, else sysfs (containers often hide the former), else 32 MiB.
std::int64_t llc_bytes() {
  long v = 0;
#ifdef _SC_LEVEL3_CACHE_SIZE
  v = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
  if (v > 0) return v;
  for (int idx = 4; idx >= 2; --idx) {
    std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(idx) + "/size");
    std::string s;
    if (f >> s && !s.empty()) {
      char unit = s.back();
      std::int64_t n = std::atoll(s.c_str());
      if (unit == 'K') n <<= 10;
      else if (unit == 'M') n <<= 20;
      if (n > 0) return n;
    }
  }
  return 32LL << 20;
}

// Kept out of line so the compiler emits exactly one vectorized pass per call.
__attribute__((noinline)) void triad(double *__restrict a, const double *__restrict b, const double *__restrict c,
                                     double s, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

double *alloc(std::int64_t n) {
  void *p = nullptr;
  if (posix_memalign(&p, 4096, static_cast<std::size_t>(n) * sizeof(double)) != 0) return nullptr;
  return static_cast<double *>(p);
}

}  // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  const std::int64_t llc = llc_bytes();
  std::int64_t n = std::max<std::int64_t>(std::int64_t{1} << 25, 4 * llc / static_cast<std::int64_t>(sizeof(double)));
  int reps = 10;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-n") && i + 1 < argc) n = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "-r") && i + 1 < argc) reps = std::atoi(argv[++i]);
    else {
      if (rank == 0)
        std::fprintf(stderr, "usage: [mpirun -n P] %s [-n elements_per_array_per_process] [-r repetitions]\n", argv[0]);
      MPI_Finalize();
      return 2;
    }
  }
  if (n < 1024 || reps < 1) {
    if (rank == 0) std::fprintf(stderr, "stream_triad: need -n >= 1024 and -r >= 1\n");
    MPI_Finalize();
    return 2;
  }

  double *a = alloc(n), *b = alloc(n), *c = alloc(n);
  int ok = a && b && c, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_ok) {
    if (rank == 0) std::fprintf(stderr, "stream_triad: cannot allocate 3 x %lld doubles per process\n", (long long)n);
    MPI_Finalize();
    return 1;
  }
  // First touch by the process that uses the pages.
  for (std::int64_t i = 0; i < n; ++i) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
  const double s = 3.0;
  triad(a, b, c, s, n);  // warm-up: page tables and TLB

  double best = 1e300, worst = 0, sum = 0;
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    triad(a, b, c, s, n);
    MPI_Barrier(MPI_COMM_WORLD);  // the repetition ends when the slowest process ends
    double dt = MPI_Wtime() - t0;
    MPI_Bcast(&dt, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    best = std::min(best, dt), worst = std::max(worst, dt), sum += dt;
  }
  // Check the result (the compiler must not have dropped the kernel).
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < n; i += 4093) bad += a[i] != 1.0 + s * 2.0;
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);

  const double elems = static_cast<double>(n) * size;
  const double gbs24 = 24.0 * elems / best / 1e9, gbs32 = 32.0 * elems / best / 1e9;
  if (rank == 0) {
    std::printf("stream_triad: %d process%s, %lld doubles per array per process (%.2f GiB in all; LLC %.1f MiB), "
                "best of %d repetitions\n",
                size, size > 1 ? "es" : "", (long long)n, 3.0 * elems * 8 / (1 << 30), llc / 1048576.0, reps);
    std::printf("  best / mean / worst time          %.4f / %.4f / %.4f s\n", best, sum / reps, worst);
    std::printf("  triad bandwidth, STREAM 24 B/elem %10.3f GB/s\n", gbs24);
    std::printf("  triad bandwidth, write-allocate 32 B/elem %10.3f GB/s   (the roofline's convention)\n", gbs32);
    if (bad) std::printf("  ERROR: %lld wrong results\n", (long long)bad);
    std::printf("STREAM_TRIAD procs=%d elements=%lld reps=%d best_s=%.6e gbs_stream=%.6f gbs_wa=%.6f\n", size,
                (long long)n, reps, best, gbs24, gbs32);
  }
  std::free(a), std::free(b), std::free(c);
  MPI_Finalize();
  return bad ? 1 : 0;
}
