// Reader for generator quadratic cost tables (MATPOWER gencost rows), the coefficient option of algorithms.md §2.1.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::io {

// In-service generators in file order; cost f(P) = c2 P^2 + c1 P + c0 [$/h] with P in MW (MATPOWER).
struct GenCostTable {
  std::vector<double> c2;            // [$/MW^2 h], > 0
  std::vector<double> c1;            // [$/MWh]
  std::vector<double> c0;            // [$/h]
  std::vector<double> pmax;          // [MW], > 0
  std::vector<std::int64_t> line;    // 1-based file line of each kept row (for messages downstream)
  std::string file;                  // path as given
};

// Reads `path` on rank 0 of comm and broadcasts the result; collective on comm, and every rank fails
// together with the same error. Columns are found by header name: c2_per_MW2h, c1_per_MWh, c0_per_h,
// status, Pmax_MW, and `case` when case_filter is not empty ("" keeps every case). Rows of the selected
// case(s) with status == 1 are kept in file order; their numbers must be finite, with c2 > 0 (dispatch's
// best response divides by it) and Pmax > 0. Rows of other cases are not checked beyond CSV shape.
// Errors: PETSC_ERR_FILE_OPEN (missing/unreadable file), PETSC_ERR_FILE_UNEXPECTED (malformed content;
// file:line and column named, or no in-service row), PETSC_ERR_ARG_WRONG (case_filter matches no
// in-service row; the message lists the cases present).
PetscErrorCode GenCostRead(MPI_Comm comm, const std::string &path, const std::string &case_filter,
                           GenCostTable *out);

}  // namespace dodge::io
