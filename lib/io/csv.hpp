// Strict CSV reading, number and timestamp parsing, and the "rank 0 reads, every rank fails together"
// plumbing shared by dodge's file readers (AEMO series, gencost tables, load traces).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::io {

// A failure found by rank 0 while reading a file; code == PETSC_SUCCESS means none. Readers collect the
// failure instead of raising it on the spot because only rank 0 sees the file: RaiseCollective() then
// makes every rank raise the same error, so no rank is left waiting in a later collective.
struct ReadFailure {
  PetscErrorCode code = PETSC_SUCCESS;
  std::string message;

  bool failed() const { return code != PETSC_SUCCESS; }
  static ReadFailure Make(PetscErrorCode code, std::string message) { return {code, std::move(message)}; }
};

// Collective on comm. Broadcasts rank 0's `on_root` (other ranks' argument is ignored); when it is a
// failure, every rank raises it with the same PETSc error code and message.
PetscErrorCode RaiseCollective(MPI_Comm comm, const ReadFailure &on_root);

// One data line of a CSV file: its 1-based line number in the file and its fields (quotes removed).
struct CsvRow {
  std::int64_t line = 0;
  std::vector<std::string> fields;
};

// A whole CSV file held in memory (the files dodge reads are at most a few MB).
struct CsvFile {
  std::string path;
  std::int64_t header_line = 0;     // 1-based line number of the header
  std::vector<std::string> header;  // column names, surrounding blanks removed
  std::vector<CsvRow> rows;
};

// Not collective (call on the reading rank only). Reads `path`: the first non-blank line is the header;
// blank lines are skipped (line numbers still count them); CR LF endings and a UTF-8 byte-order mark are
// accepted; fields may be double-quoted ("" inside quotes is a quote). Every row must have as many fields
// as the header. Returns a PETSC_ERR_FILE_OPEN failure if the file cannot be opened, PETSC_ERR_FILE_READ
// on a read error and PETSC_ERR_FILE_UNEXPECTED if its shape is wrong; messages name the file and line.
ReadFailure CsvRead(const std::string &path, CsvFile *out);

// Splits one line (no line terminator) into fields. Returns false on an unterminated quote or text after
// a closing quote.
bool CsvSplitLine(std::string_view line, std::vector<std::string> *fields);

// Index of the column named `name` (exact, case-sensitive), or -1 when the header has no such column.
std::ptrdiff_t CsvColumn(const CsvFile &file, std::string_view name);

// Finds every column of `names`; on success (*index)[k] is the column of names[k]. Otherwise a
// PETSC_ERR_FILE_UNEXPECTED failure naming the file, the missing columns and the header found.
ReadFailure CsvRequireColumns(const CsvFile &file, std::initializer_list<std::string_view> names,
                              std::vector<std::size_t> *index);

// "path:line: column NAME: " — the prefix of every message about one field, so users can jump to it.
std::string CsvWhere(const CsvFile &file, std::int64_t line, std::string_view column);

// Surrounding blanks (spaces and tabs) removed.
std::string_view Trim(std::string_view text);

// Strict decimal number: after trimming blanks the whole text must be one number in the C locale
// (digits, optional sign, point and exponent). Empty text, trailing characters, hexadecimal, NaN and
// infinities, and values that overflow a double are rejected; *why then says which (e.g. "is not a number").
bool ParseFiniteDouble(std::string_view text, double *value, std::string *why);

// Timestamps "YYYY/MM/DD HH:MM[:SS]" (or with '-' between date parts, or 'T' before the time), parsed by
// hand into minutes since 1970-01-01 00:00 of the same clock: no locale or time-zone functions, because
// the data's clocks (NEM time, AEST all year) have no daylight saving and must not be shifted. Seconds,
// when present, must be 00. Returns false with *why set on any other text or an impossible date.
bool ParseTimestamp(std::string_view text, std::int64_t *minutes, std::string *why);

// Inverse of ParseTimestamp: "YYYY/MM/DD HH:MM:SS" (seconds always 00).
std::string FormatTimestamp(std::int64_t minutes);

// Broadcasts from rank 0 of comm; other ranks' contents are replaced. Collective on comm.
PetscErrorCode BcastString(MPI_Comm comm, std::string *s);
PetscErrorCode BcastStrings(MPI_Comm comm, std::vector<std::string> *v);
PetscErrorCode BcastDoubles(MPI_Comm comm, std::vector<double> *v);
PetscErrorCode BcastInt64s(MPI_Comm comm, std::vector<std::int64_t> *v);

}  // namespace dodge::io
