// The `nsw` source of problem gridcell (docs/gridcell.md §16.2, §16.4): the AEMO NSW1 5-minute TOTALDEMAND and
// RRP of the bundled file, averaged to the family's 15-minute steps, and the `aemo` tariff's closed form.
// The file is read by the shared AEMO reader (io/aemo.hpp): its grid, gap and number checks apply unchanged.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/petsc_compat.hpp"
#include "problems/gridcell_model.hpp"

namespace dodge::problems::gridcell {

// 15-minute series from the first warm-up day's 00:00 (market time, AEST = UTC+10): step k covers the three
// dispatch intervals whose SETTLEMENTDATE (the interval end) is k·15 min + 5, 10 and 15 min.
struct NswSeries {
  std::vector<double> load;  // L(τ): mean of the three TOTALDEMAND values [MW]
  std::vector<double> rrp;   // RRP_15(τ): mean of the three RRP values [AUD/MWh], may be negative
  std::int64_t first_line = 0;  // file line of the first 5-minute row used
};

// Reads `days` whole days from `first_day` ("YYYY-MM-DD") of the AEMO file at `path`; collective on comm, every
// rank fails together with the reader's message (file, line, missing SETTLEMENTDATE) when the file does not
// cover them.
PetscErrorCode NswRead(MPI_Comm comm, const std::string &path, const std::string &first_day, std::int64_t days,
                       NswSeries *out);

// The aemo tariff (§16.4): λ_s = [RRP_15]_+/1000 [AUD/kWh], λ_b = λ_s + adder.
inline void AemoTariff(double rrp15, double adder, double *buy, double *sell) {
  *sell = pos(rrp15) / 1000.0;
  *buy = *sell + adder;
}

}  // namespace dodge::problems::gridcell
