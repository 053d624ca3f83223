// Reader for AEMO 5-minute price and demand files: window selection and grid checks of algorithms.md §2.2.
#include "io/aemo.hpp"

#include <algorithm>
#include <utility>

#include "io/csv.hpp"

namespace dodge::io {

namespace {

std::string L(std::int64_t line) { return std::to_string(line); }

// Everything that needs the file; runs on rank 0 only and reports instead of raising (see ReadFailure).
ReadFailure ReadOnRoot(const std::string &path, const std::string &first_start, const std::string &last_start,
                       bool label_is_start, std::int64_t max_steps, AemoSeries *s) {
  std::string why;
  std::int64_t first = 0, last = 0;
  if (!ParseTimestamp(first_start, &first, &why))
    return ReadFailure::Make(PETSC_ERR_ARG_WRONG, "AEMO window start " + why + "; write it like 2024/07/05 00:00");
  if (!ParseTimestamp(last_start, &last, &why))
    return ReadFailure::Make(PETSC_ERR_ARG_WRONG, "AEMO window end " + why + "; write it like 2024/07/14 23:55");
  if (last < first)
    return ReadFailure::Make(PETSC_ERR_ARG_WRONG, "AEMO window end " + last_start + " lies before its start " + first_start +
                                                      "; swap them or fix the dates");
  if ((last - first) % kAemoStepMinutes != 0)
    return ReadFailure::Make(PETSC_ERR_ARG_WRONG, "AEMO window " + first_start + " to " + last_start +
                                                      " is not a whole number of 5-minute intervals; both ends must be "
                                                      "interval starts on the same 5-minute grid");
  const std::int64_t window_steps = (last - first) / kAemoStepMinutes + 1;
  if (max_steps < 0 || max_steps > window_steps)
    return ReadFailure::Make(PETSC_ERR_ARG_OUTOFRANGE, "requested " + std::to_string(max_steps) + " steps, but the AEMO window " +
                                                           first_start + " to " + last_start + " has " +
                                                           std::to_string(window_steps) +
                                                           "; ask for 0 (all) to " + std::to_string(window_steps) +
                                                           " steps or widen the window");

  CsvFile csv;
  if (ReadFailure f = CsvRead(path, &csv); f.failed()) return f;
  std::vector<std::size_t> col;
  if (ReadFailure f = CsvRequireColumns(csv, {"REGION", "SETTLEMENTDATE", "TOTALDEMAND", "RRP", "PERIODTYPE"}, &col);
      f.failed())
    return f;
  const std::size_t c_region = col[0], c_date = col[1], c_demand = col[2], c_price = col[3];

  // SETTLEMENTDATE is the interval's end by AEMO's convention; `shift` turns a label into the start.
  const std::int64_t shift = label_is_start ? 0 : kAemoStepMinutes;
  // Timestamps in messages are written as SETTLEMENTDATE labels, the text users find in the file.
  auto label_of = [&](std::int64_t start) { return FormatTimestamp(start + shift); };
  const std::string interval_note = label_is_start ? "" : " (SETTLEMENTDATE is the interval end)";

  std::int64_t region_line = 0, prev_start = 0, prev_line = 0;
  std::int64_t file_min = 0, file_max = 0;
  bool any = false;
  for (const CsvRow &row : csv.rows) {
    const std::string &region = row.fields[c_region];
    if (region_line == 0) {
      if (region.empty())
        return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, "REGION") + "is empty; every row needs its region, e.g. NSW1");
      s->region = region;
      region_line = row.line;
    } else if (region != s->region) {
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                               CsvWhere(csv, row.line, "REGION") + "'" + region + "' differs from '" + s->region + "' on line " +
                                   L(region_line) + "; a file must hold one region (AEMO publishes one file per region)");
    }
    const std::string &stamp = row.fields[c_date];
    std::int64_t label = 0;
    if (!ParseTimestamp(stamp, &label, &why))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, "SETTLEMENTDATE") + why + "; fix or remove the row");
    const bool first_row = &row == &csv.rows.front();
    file_min = first_row ? label : std::min(file_min, label);
    file_max = first_row ? label : std::max(file_max, label);

    const std::int64_t start = label - shift;
    if (start < first || start > last) continue;

    // Inside the window the rows must walk the 5-minute grid one step at a time, in file order.
    if (!any && start != first)
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                               csv.path + ": the window's first interval is missing: no row with SETTLEMENTDATE " + label_of(first) +
                                   interval_note + " before line " + L(row.line) + " (SETTLEMENTDATE " + stamp +
                                   "); choose a window the file covers or use a complete file");
    if (any) {
      if (start == prev_start)
        return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                                 CsvWhere(csv, row.line, "SETTLEMENTDATE") + "duplicate " + stamp + " (also on line " + L(prev_line) +
                                     "); remove one of the two rows");
      if (start < prev_start)
        return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                                 CsvWhere(csv, row.line, "SETTLEMENTDATE") + stamp + " comes after " + label_of(prev_start) +
                                     " on line " + L(prev_line) + "; sort the file by SETTLEMENTDATE");
      if ((start - first) % kAemoStepMinutes != 0)
        return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                                 CsvWhere(csv, row.line, "SETTLEMENTDATE") + stamp +
                                     " is off the 5-minute grid of the window; dodge needs 5-minute dispatch data");
      if (start != prev_start + kAemoStepMinutes) {
        const std::int64_t n_missing = (start - prev_start) / kAemoStepMinutes - 1;
        const std::string what = n_missing == 1 ? "SETTLEMENTDATE " + label_of(prev_start + kAemoStepMinutes) + " is missing"
                                                : std::to_string(n_missing) + " intervals are missing, SETTLEMENTDATE " +
                                                      label_of(prev_start + kAemoStepMinutes) + " to " +
                                                      label_of(start - kAemoStepMinutes);
        return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                                 CsvWhere(csv, row.line, "SETTLEMENTDATE") + "gap before " + stamp + " (previous row: line " +
                                     L(prev_line) + "): " + what +
                                     "; the window must be complete (choose another window or fill the gap from AEMO's data)");
      }
    }
    double demand = 0.0, price = 0.0;
    if (!ParseFiniteDouble(row.fields[c_demand], &demand, &why))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, "TOTALDEMAND") + why + "; fix the value");
    // Negative prices are real (oversupply) and allowed; only non-numbers are rejected.
    if (!ParseFiniteDouble(row.fields[c_price], &price, &why))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, "RRP") + why + "; fix the value");
    if (!any) s->first_line = row.line;
    s->demand.push_back(demand);
    s->price.push_back(price);
    s->settlement.push_back(stamp);
    any = true;
    prev_start = start;
    prev_line = row.line;
  }

  if (!any) {
    const std::string covers = csv.rows.empty() ? "the file has no data rows"
                                                : "the file's SETTLEMENTDATEs run from " + FormatTimestamp(file_min) + " to " +
                                                      FormatTimestamp(file_max);
    return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                             csv.path + ": the window is absent: no row with SETTLEMENTDATE " + label_of(first) + interval_note +
                                 " or any later interval up to " + label_of(last) + "; " + covers +
                                 "; choose a window inside the file");
  }
  if (prev_start != last)
    return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                             csv.path + ": the window's last interval is missing: no row with SETTLEMENTDATE " + label_of(last) +
                                 interval_note + "; the window's rows stop at line " + L(prev_line) + " (SETTLEMENTDATE " +
                                 label_of(prev_start) + "); choose a window the file covers or use a complete file");

  s->window_steps = static_cast<std::int64_t>(s->demand.size());
  s->window_demand_max = *std::max_element(s->demand.begin(), s->demand.end());
  if (max_steps > 0) {
    s->demand.resize(static_cast<std::size_t>(max_steps));
    s->price.resize(static_cast<std::size_t>(max_steps));
    s->settlement.resize(static_cast<std::size_t>(max_steps));
  }
  return {};
}

}  // namespace

PetscErrorCode AemoRead(MPI_Comm comm, const std::string &path, const std::string &first_start,
                        const std::string &last_start, bool label_is_start, std::int64_t max_steps,
                        AemoSeries *out) {
  PetscMPIInt rank;
  AemoSeries s;
  ReadFailure failure;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  // One reader: the file is small, and one rank's verdict keeps every rank's copy and error identical.
  if (rank == 0) failure = ReadOnRoot(path, first_start, last_start, label_is_start, max_steps, &s);
  PetscCall(RaiseCollective(comm, failure));

  PetscCall(BcastString(comm, &s.region));
  PetscCall(BcastDoubles(comm, &s.price));
  PetscCall(BcastDoubles(comm, &s.demand));
  PetscCall(BcastStrings(comm, &s.settlement));
  std::vector<std::int64_t> ints = {s.first_line, s.window_steps};
  PetscCall(BcastInt64s(comm, &ints));
  std::vector<double> dmax = {s.window_demand_max};
  PetscCall(BcastDoubles(comm, &dmax));
  s.first_line = ints[0];
  s.window_steps = ints[1];
  s.window_demand_max = dmax[0];
  s.file = path;
  *out = std::move(s);
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::io
