// Agent ownership: rank r of P owns the contiguous global ids [floor(r n/P), floor((r+1) n/P)) (algorithms.md §0.6).
#pragma once
#include <cstdint>

namespace dodge {

struct Block {
  std::int64_t n = 0;      // global number of agents
  std::int64_t start = 0;  // first owned global id
  std::int64_t end = 0;    // one past the last owned global id
  int rank = 0, size = 1;

  static Block make(std::int64_t n, int rank, int size) {
    return Block{n, first_of(n, rank, size), first_of(n, rank + 1, size), rank, size};
  }
  static std::int64_t first_of(std::int64_t n, int r, int size) {
    // floor(r n / P) without overflow for n up to ~1e17 and P up to ~1e6.
    return static_cast<std::int64_t>((static_cast<__int128>(r) * n) / size);
  }
  std::int64_t local() const { return end - start; }
  bool owns(std::int64_t gid) const { return gid >= start && gid < end; }
  // Rank owning gid (inverse of first_of).
  int owner(std::int64_t gid) const {
    int r = static_cast<int>((static_cast<__int128>(gid) * size) / n);
    while (r > 0 && first_of(n, r, size) > gid) --r;
    while (r + 1 < size && first_of(n, r + 1, size) <= gid) ++r;
    return r;
  }
};

}  // namespace dodge
