// Reader for generator quadratic cost tables: in-service rows, optional case filter, strict numbers.
#include "io/gencost.hpp"

#include <utility>

#include "io/csv.hpp"

namespace dodge::io {

namespace {

// Everything that needs the file; runs on rank 0 only and reports instead of raising (see ReadFailure).
ReadFailure ReadOnRoot(const std::string &path, const std::string &case_filter, GenCostTable *t) {
  CsvFile csv;
  if (ReadFailure f = CsvRead(path, &csv); f.failed()) return f;
  std::vector<std::size_t> col;
  if (ReadFailure f = CsvRequireColumns(csv, {"c2_per_MW2h", "c1_per_MWh", "c0_per_h", "status", "Pmax_MW"}, &col);
      f.failed())
    return f;
  // `case` only matters when filtering, so a user's own single-system table may leave it out.
  const std::ptrdiff_t c_case = CsvColumn(csv, "case");
  if (!case_filter.empty() && c_case < 0)
    return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, csv.path + ":" + std::to_string(csv.header_line) +
                                                            ": no column 'case', so the case filter '" + case_filter +
                                                            "' cannot apply; add the column or drop the filter");

  struct Column {
    const char *name;
    std::size_t index;
  };
  const Column status_col{"status", col[3]};
  const Column numbers[4] = {{"c2_per_MW2h", col[0]}, {"c1_per_MWh", col[1]}, {"c0_per_h", col[2]}, {"Pmax_MW", col[4]}};

  std::vector<std::string> cases_seen;  // in-service cases, in order of first appearance, for the message below
  std::string why;
  for (const CsvRow &row : csv.rows) {
    double status = 0.0;
    const bool status_ok = ParseFiniteDouble(row.fields[status_col.index], &status, &why);
    if (c_case >= 0) {
      const std::string &name = row.fields[static_cast<std::size_t>(c_case)];
      bool known = false;
      for (const auto &c : cases_seen) known = known || c == name;
      if (!known && status_ok && status == 1.0) cases_seen.push_back(name);
      if (!case_filter.empty() && name != case_filter) continue;
    }
    if (!status_ok)
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, "status") + why + "; use 1 (in service) or 0");
    if (status != 1.0) continue;  // MATPOWER's out-of-service generators
    double v[4];
    for (int k = 0; k < 4; ++k)
      if (!ParseFiniteDouble(row.fields[numbers[k].index], &v[k], &why))
        return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, numbers[k].name) + why + "; fix the value");
    if (!(v[0] > 0.0))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, "c2_per_MW2h") + row.fields[numbers[0].index] +
                                                              " must be > 0 (dispatch needs strictly convex costs); "
                                                              "fix it or set status to 0 to leave this generator out");
    if (!(v[3] > 0.0))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, CsvWhere(csv, row.line, "Pmax_MW") + row.fields[numbers[3].index] +
                                                              " must be > 0 for an in-service generator; "
                                                              "fix it or set status to 0");
    t->c2.push_back(v[0]);
    t->c1.push_back(v[1]);
    t->c0.push_back(v[2]);
    t->pmax.push_back(v[3]);
    t->line.push_back(row.line);
  }

  if (t->c2.empty()) {
    if (case_filter.empty())
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                               csv.path + ": no generator row with status 1; the table needs at least one in-service generator");
    std::string present;
    for (const auto &c : cases_seen) present += (present.empty() ? "" : ", ") + c;
    return ReadFailure::Make(PETSC_ERR_ARG_WRONG, csv.path + ": case '" + case_filter +
                                                      "' has no in-service generator (status 1); cases present: " +
                                                      (present.empty() ? std::string("none") : present) +
                                                      "; pick one of them or give no case to use every row");
  }
  return {};
}

}  // namespace

PetscErrorCode GenCostRead(MPI_Comm comm, const std::string &path, const std::string &case_filter,
                           GenCostTable *out) {
  PetscMPIInt rank;
  GenCostTable t;
  ReadFailure failure;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) failure = ReadOnRoot(path, case_filter, &t);
  PetscCall(RaiseCollective(comm, failure));
  PetscCall(BcastDoubles(comm, &t.c2));
  PetscCall(BcastDoubles(comm, &t.c1));
  PetscCall(BcastDoubles(comm, &t.c0));
  PetscCall(BcastDoubles(comm, &t.pmax));
  PetscCall(BcastInt64s(comm, &t.line));
  t.file = path;
  *out = std::move(t);
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::io
