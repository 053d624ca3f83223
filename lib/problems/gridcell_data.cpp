// The `nsw` source of problem gridcell (see gridcell_data.hpp).
#include "problems/gridcell_data.hpp"

#include <cstdio>

#include "io/aemo.hpp"

namespace dodge::problems::gridcell {

PetscErrorCode NswRead(MPI_Comm comm, const std::string &path, const std::string &first_day, std::int64_t days,
                       NswSeries *out) {
  int y = 0, m = 0, d = 0;
  PetscFunctionBeginUser;
  PetscCheck(std::sscanf(first_day.c_str(), "%d-%d-%d", &y, &m, &d) == 3 && days >= 1, comm, PETSC_ERR_PLIB,
             "gridcell nsw: bad window %s + %lld days", first_day.c_str(), (long long)days);
  std::int64_t ly;
  unsigned lm, ld;
  CivilFromDays(DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) + days - 1, &ly, &lm, &ld);
  char first[48], last[48];
  std::snprintf(first, sizeof first, "%04d/%02d/%02d 00:00", y, m, d);
  std::snprintf(last, sizeof last, "%04lld/%02u/%02u 23:55", static_cast<long long>(ly), lm, ld);
  // Interval starts first..last; SETTLEMENTDATE is the interval end (AEMO's convention).
  io::AemoSeries s;
  PetscCall(io::AemoRead(comm, path, first, last, false, 0, &s));
  const std::size_t n = s.demand.size() / 3;
  PetscCheck(s.demand.size() == 3 * n && static_cast<std::int64_t>(n) == 96 * days, comm, PETSC_ERR_PLIB,
             "gridcell nsw: %zu 5-minute rows for %lld days", s.demand.size(), (long long)days);
  out->load.resize(n), out->rrp.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    out->load[k] = (s.demand[3 * k] + s.demand[3 * k + 1] + s.demand[3 * k + 2]) / 3.0;
    out->rrp[k] = (s.price[3 * k] + s.price[3 * k + 1] + s.price[3 * k + 2]) / 3.0;
  }
  out->first_line = s.first_line;
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::problems::gridcell
