// libFuzzer harness of the MATPOWER gencost reader (io/gencost.hpp), all cases and one case.
#include <cmath>

#include "fuzz_common.hpp"
#include "io/gencost.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  dodge::fuzz::Start();
  const std::string &path = dodge::fuzz::WriteInput(data, size);
  for (const char *filter : {"", "case6ww"}) {
    dodge::io::GenCostTable t;
    if (dodge::fuzz::Verdict(*filter ? filter : "all cases", dodge::io::GenCostRead(PETSC_COMM_SELF, path, filter, &t)) != PETSC_SUCCESS) continue;
    FUZZ_CHECK(!t.c2.empty() && t.c1.size() == t.c2.size() && t.c0.size() == t.c2.size() && t.pmax.size() == t.c2.size() &&
               t.line.size() == t.c2.size());
    for (std::size_t k = 0; k < t.c2.size(); ++k)
      FUZZ_CHECK(std::isfinite(t.c2[k]) && t.c2[k] > 0 && std::isfinite(t.c1[k]) && std::isfinite(t.c0[k]) &&
                 std::isfinite(t.pmax[k]) && t.pmax[k] > 0 && t.line[k] >= 2);
  }
  return 0;
}
