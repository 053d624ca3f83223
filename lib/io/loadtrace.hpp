// Readers for hourly load traces (CAISO Historical EMS Hourly Load, PJM hourly load) and their conversion
// to the 15-minute slots of problem `demand` (algorithms.md §3.5).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::io {

// Hourly samples of one load column over a window of whole days.
struct LoadTrace {
  std::string file;       // path as given
  std::string column;     // value column read, e.g. "SCE"
  std::string first_day;  // window start, "YYYY-MM-DD"
  std::int64_t days = 0;  // window length in days
  // Samples at clock hours 0, 1, ..., 24·days after first_day 00:00 (the last one is the 00:00 row of the
  // day after the window), in MW.
  std::vector<double> hourly;
  double file_min = 0, file_max = 0;  // min and max of the column over the whole file [MW]
  std::string file_first, file_last;  // first and last timestamp of the file (after sorting)
};

// Reads `path` on rank 0 of comm and broadcasts the result; collective on comm, every rank fails together
// with the same message. The header must name `time_column` (timestamps "YYYY-MM-DD HH:MM[:SS]" or with
// '/') and `value_column` (finite, non-negative numbers). Rows may come in any order (PJM's file runs
// backwards by day): they are sorted by timestamp; duplicated timestamps anywhere are an error; inside the
// window every hour 00:00 of first_day to 00:00 of first_day + days must be present (a missing day or hour
// is an error naming the first missing timestamp and the range the file covers). first_day is
// "YYYY-MM-DD"; days >= 1.
// Errors: PETSC_ERR_FILE_OPEN (missing/unreadable file), PETSC_ERR_FILE_UNEXPECTED (malformed content or the
// window not covered; the message names the file and line), PETSC_ERR_ARG_WRONG (bad first_day or days).
PetscErrorCode LoadTraceRead(MPI_Comm comm, const std::string &path, const std::string &time_column,
                             const std::string &value_column, const std::string &first_day, std::int64_t days,
                             LoadTrace *out);

// Piecewise-linear interpolant of the hourly samples at τ_t = (t − 0.5)/slots_per_hour hours, t = 1..
// slots_per_hour·24·days (algorithms.md §3.5). Pure.
std::vector<double> LoadTraceSlots(const std::vector<double> &hourly, int slots_per_hour);

// "YYYY-MM-DD" plus `days` days, for messages and defaults. Returns false if `day` is not a date.
bool AddDays(const std::string &day, std::int64_t days, std::string *out);

}  // namespace dodge::io
