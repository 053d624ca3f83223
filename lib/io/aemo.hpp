// Reader for AEMO 5-minute price and demand files (algorithms.md §2.2, data source `aemo`).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::io {

// Length of one NEM dispatch interval, in minutes.
inline constexpr std::int64_t kAemoStepMinutes = 5;

// One region's series over the requested window; step t (0-based here) starts at first_start + 5t min.
struct AemoSeries {
  std::string file;                     // path as given
  std::string region;                   // REGION of every row, e.g. "NSW1"
  std::vector<double> price;            // RRP [AUD/MWh, excl. GST], may be negative
  std::vector<double> demand;           // TOTALDEMAND [MW]
  std::vector<std::string> settlement;  // SETTLEMENTDATE text of each step, as written in the file
  std::int64_t first_line = 0;          // 1-based file line of step 0
  // Whole-window facts, independent of max_steps: dispatch's base power S_b = max_t D_t / N uses the max
  // over the data window whatever -steps runs (§2.1).
  std::int64_t window_steps = 0;        // number of 5-minute steps in [first_start, last_start]
  double window_demand_max = 0.0;       // max TOTALDEMAND over the whole window [MW]
};

// Reads `path` on rank 0 of comm and broadcasts the result; collective on comm, and every rank fails
// together with the same error. The header must name the columns REGION, SETTLEMENTDATE, TOTALDEMAND, RRP
// and PERIODTYPE (any order). SETTLEMENTDATE marks the END of the interval unless label_is_start (the
// `settlement_label` option) says it marks the start. Rows whose interval START lies in
// [first_start, last_start] (text "YYYY/MM/DD HH:MM[:SS]", NEM time) form the window: they must be the
// 5-minute grid from first_start to last_start exactly, in file order, without gaps or duplicates, and
// their TOTALDEMAND and RRP must be finite numbers. Every row must have the same REGION and a readable
// SETTLEMENTDATE (that is how it is placed inside or outside the window); rows outside the window are
// not checked further. max_steps > 0 keeps only the first max_steps steps (the whole window is still
// checked); 0 keeps all. Errors: PETSC_ERR_FILE_OPEN (missing/unreadable file), PETSC_ERR_FILE_UNEXPECTED
// (malformed content; the message names the file, line, column or missing timestamp),
// PETSC_ERR_ARG_WRONG / PETSC_ERR_ARG_OUTOFRANGE (bad window or max_steps).
PetscErrorCode AemoRead(MPI_Comm comm, const std::string &path, const std::string &first_start,
                        const std::string &last_start, bool label_is_start, std::int64_t max_steps,
                        AemoSeries *out);

}  // namespace dodge::io
