// libFuzzer harness of the AEMO price-and-demand reader (io/aemo.hpp) on a one-hour window.
#include <cmath>

#include "fuzz_common.hpp"
#include "io/aemo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  dodge::fuzz::Start();
  const std::string &path = dodge::fuzz::WriteInput(data, size);
  for (bool label_is_start : {false, true}) {
    dodge::io::AemoSeries s;
    if (dodge::fuzz::Verdict(label_is_start ? "aemo, label start" : "aemo, label end", dodge::io::AemoRead(PETSC_COMM_SELF, path, "2024/07/01 00:00", "2024/07/01 01:00", label_is_start, 0, &s)) != PETSC_SUCCESS)
      continue;
    // 00:00 to 01:00 inclusive is 13 five-minute steps, every value finite.
    FUZZ_CHECK(s.window_steps == 13 && s.price.size() == 13 && s.demand.size() == 13 && s.settlement.size() == 13);
    for (std::size_t t = 0; t < s.price.size(); ++t) FUZZ_CHECK(std::isfinite(s.price[t]) && std::isfinite(s.demand[t]));
    FUZZ_CHECK(std::isfinite(s.window_demand_max) && s.first_line >= 2);
  }
  return 0;
}
