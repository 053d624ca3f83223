// libFuzzer harness of the hourly load-trace reader (io/loadtrace.hpp): CAISO's columns and PJM's.
#include <cmath>

#include "fuzz_common.hpp"
#include "io/loadtrace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  dodge::fuzz::Start();
  const std::string &path = dodge::fuzz::WriteInput(data, size);
  struct Columns { const char *time, *value, *day; };
  for (const Columns c : {Columns{"timestamp", "SCE", "2014-08-29"}, Columns{"ds", "y", "2011-10-08"}}) {
    dodge::io::LoadTrace tr;
    if (dodge::fuzz::Verdict(c.value, dodge::io::LoadTraceRead(PETSC_COMM_SELF, path, c.time, c.value, c.day, 1, &tr)) != PETSC_SUCCESS) continue;
    FUZZ_CHECK(tr.hourly.size() == 25);  // 00:00 of the day to 00:00 of the next, hourly
    for (double v : tr.hourly) FUZZ_CHECK(std::isfinite(v) && v >= 0 && v >= tr.file_min && v <= tr.file_max);
    const std::vector<double> slots = dodge::io::LoadTraceSlots(tr.hourly, 4);
    FUZZ_CHECK(slots.size() == 96);
    for (double v : slots) FUZZ_CHECK(std::isfinite(v) && v >= 0);
  }
  return 0;
}
