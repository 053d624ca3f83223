// Hourly load-trace reader (CAISO, PJM) and the hourly → 15-minute interpolation of algorithms.md §3.5.
#include "io/loadtrace.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "io/csv.hpp"

namespace dodge::io {

namespace {

constexpr std::int64_t kHour = 60;

std::string DayText(std::int64_t minutes) { return FormatTimestamp(minutes).substr(0, 10); }

bool ParseDay(const std::string &day, std::int64_t *minutes, std::string *why) {
  if (day.size() != 10) {
    *why = "'" + day + "' is not a date of the form YYYY-MM-DD";
    return false;
  }
  if (!ParseTimestamp(day + " 00:00", minutes, why)) {
    *why = "'" + day + "' is not a valid date of the form YYYY-MM-DD";
    return false;
  }
  return true;
}

// Everything that needs the file; rank 0 only, reports instead of raising (see ReadFailure).
ReadFailure ReadOnRoot(const std::string &path, const std::string &time_col, const std::string &value_col,
                       const std::string &first_day, std::int64_t days, LoadTrace *out) {
  std::string why;
  std::int64_t start = 0;
  if (!ParseDay(first_day, &start, &why)) return ReadFailure::Make(PETSC_ERR_ARG_WRONG, "load trace day " + why);
  if (days < 1)
    return ReadFailure::Make(PETSC_ERR_ARG_WRONG,
                             "load trace window of " + std::to_string(days) + " days; ask for at least 1");
  CsvFile csv;
  if (ReadFailure f = CsvRead(path, &csv); f.failed()) return f;
  std::vector<std::size_t> col;
  if (ReadFailure f = CsvRequireColumns(csv, {time_col, value_col}, &col); f.failed()) return f;

  struct Sample {
    std::int64_t minutes, line;
    double value;
  };
  std::vector<Sample> s;
  s.reserve(csv.rows.size());
  for (const CsvRow &row : csv.rows) {
    Sample x{0, row.line, 0.0};
    if (!ParseTimestamp(row.fields[col[0]], &x.minutes, &why))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                               CsvWhere(csv, row.line, time_col) + why + "; fix or remove the row");
    if (x.minutes % kHour != 0)
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, time_col) + "'" + row.fields[col[0]] +
                                                              "' is not on the hour; dodge reads hourly load traces");
    if (!ParseFiniteDouble(row.fields[col[1]], &x.value, &why))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, value_col) + why + "; fix the value");
    if (x.value < 0)
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, value_col) + "load " +
                                                              row.fields[col[1]] +
                                                              " MW is negative; a load trace must be non-negative");
    s.push_back(x);
  }
  if (s.empty())
    return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, path + ": no data rows; give an hourly load trace");
  // PJM's file runs backwards by day: sort; equal stamps keep file order so the message names both lines.
  std::stable_sort(s.begin(), s.end(), [](const Sample &a, const Sample &b) { return a.minutes < b.minutes; });
  for (std::size_t k = 1; k < s.size(); ++k)
    if (s[k].minutes == s[k - 1].minutes)
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, s[k].line, time_col) + "duplicate timestamp " +
                                                              FormatTimestamp(s[k].minutes) + " (also on line " +
                                                              std::to_string(s[k - 1].line) +
                                                              "); remove one of the two rows");
  out->file_first = FormatTimestamp(s.front().minutes);
  out->file_last = FormatTimestamp(s.back().minutes);
  out->file_min = s.front().value, out->file_max = s.front().value;
  for (const Sample &x : s)
    out->file_min = std::min(out->file_min, x.value), out->file_max = std::max(out->file_max, x.value);

  // The window: hours 0..24·days after first_day 00:00, the last being the next day's 00:00 row.
  const std::int64_t end = start + days * 24 * kHour;
  const std::string covers = "; the file covers " + out->file_first + " to " + out->file_last +
                             " (choose a day inside it: -demand_day, or another -demand_file)";
  auto it = std::lower_bound(s.begin(), s.end(), start, [](const Sample &a, std::int64_t m) { return a.minutes < m; });
  out->hourly.clear();
  for (std::int64_t m = start; m <= end; m += kHour, ++it) {
    if (it == s.end() || it->minutes != m) {
      const bool whole_day_missing = m == start || it == s.end();
      return ReadFailure::Make(
          PETSC_ERR_FILE_UNEXPECTED,
          path + ": " +
              (whole_day_missing && m == start
                   ? "the requested day " + first_day + " is not in the file: no row at " + FormatTimestamp(m)
                   : "the window " + first_day + " + " + std::to_string(days) + " day(s) is incomplete: no row at " +
                         FormatTimestamp(m) + (m == end ? " (the 00:00 sample after the last day, hour 24)" : "")) +
              covers);
    }
    out->hourly.push_back(it->value);
  }
  out->file = path, out->column = value_col, out->first_day = first_day, out->days = days;
  return {};
}

}  // namespace

PetscErrorCode LoadTraceRead(MPI_Comm comm, const std::string &path, const std::string &time_column,
                             const std::string &value_column, const std::string &first_day, std::int64_t days,
                             LoadTrace *out) {
  PetscMPIInt rank;
  LoadTrace tr;
  ReadFailure failure;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) failure = ReadOnRoot(path, time_column, value_column, first_day, days, &tr);
  PetscCall(RaiseCollective(comm, failure));
  PetscCall(BcastDoubles(comm, &tr.hourly));
  std::vector<double> mm = {tr.file_min, tr.file_max};
  PetscCall(BcastDoubles(comm, &mm));
  std::vector<std::string> text = {tr.file_first, tr.file_last};
  PetscCall(BcastStrings(comm, &text));
  tr.file_min = mm[0], tr.file_max = mm[1], tr.file_first = text[0], tr.file_last = text[1];
  tr.file = path, tr.column = value_column, tr.first_day = first_day, tr.days = days;
  *out = std::move(tr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::vector<double> LoadTraceSlots(const std::vector<double> &hourly, int slots_per_hour) {
  if (hourly.size() < 2) return {};
  const std::int64_t hours = static_cast<std::int64_t>(hourly.size()) - 1, T = hours * slots_per_hour;
  std::vector<double> v(static_cast<std::size_t>(T));
  for (std::int64_t t = 1; t <= T; ++t) {
    const double tau = (static_cast<double>(t) - 0.5) / slots_per_hour;
    const std::int64_t h = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(tau)), hours - 1);
    const double w = tau - static_cast<double>(h);
    v[t - 1] = (1.0 - w) * hourly[h] + w * hourly[h + 1];
  }
  return v;
}

bool AddDays(const std::string &day, std::int64_t days, std::string *out) {
  std::int64_t m = 0;
  std::string why;
  if (!ParseDay(day, &m, &why)) return false;
  *out = DayText(m + days * 24 * kHour);
  std::replace(out->begin(), out->end(), '/', '-');
  return true;
}

}  // namespace dodge::io
