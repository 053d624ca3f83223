// Strict CSV reading, number and timestamp parsing, and collective failure/broadcast helpers for readers.
#include "io/csv.hpp"

#include "core/input_files.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace dodge::io {

PetscErrorCode RaiseCollective(MPI_Comm comm, const ReadFailure &on_root) {
  PetscMPIInt rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  int code = rank == 0 ? static_cast<int>(on_root.code) : 0;
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, 0, comm));
  if (code != 0) {
    std::string message = rank == 0 ? on_root.message : std::string();
    PetscCall(BcastString(comm, &message));
    // Raised on comm by every rank at once: the file problem is the same for all of them.
    SETERRQ(comm, static_cast<PetscErrorCode>(code), "%s", message.c_str());
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::string_view Trim(std::string_view text) {
  std::size_t b = 0, e = text.size();
  while (b < e && (text[b] == ' ' || text[b] == '\t')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t')) --e;
  return text.substr(b, e - b);
}

bool CsvSplitLine(std::string_view line, std::vector<std::string> *fields) {
  fields->clear();
  const std::size_t n = line.size();
  std::size_t i = 0;
  std::string cur;
  while (true) {
    cur.clear();
    if (i < n && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            cur += '"';
            i += 2;
          } else {
            ++i;
            closed = true;
            break;
          }
        } else {
          cur += line[i++];
        }
      }
      if (!closed) return false;
      if (i < n && line[i] != ',') return false;
      fields->push_back(cur);
    } else {
      while (i < n && line[i] != ',') cur += line[i++];
      // Blanks around an unquoted field carry no meaning in the files dodge reads.
      fields->emplace_back(Trim(cur));
    }
    if (i >= n) break;
    ++i;  // the comma
  }
  return true;
}

ReadFailure CsvRead(const std::string &path, CsvFile *out) {
  *out = CsvFile{};
  out->path = path;
  // stat() first: a directory, FIFO or device is named as such (opening a FIFO would wait forever, /dev/zero
  // would be read without end).
  if (std::string why; !InputFileUsable(path, "a CSV file", &why)) return ReadFailure::Make(PETSC_ERR_FILE_OPEN, why);
  RegisterInputFile(path, "CSV input");
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open())
    return ReadFailure::Make(PETSC_ERR_FILE_OPEN, "cannot open '" + path + "': " + std::strerror(errno) +
                                                      "; check the path (relative paths start from the working directory)");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return ReadFailure::Make(PETSC_ERR_FILE_READ, "read error in '" + path + "'; check the file and the disk");

  std::string_view rest(text);
  // A byte-order mark would otherwise become part of the first column's name.
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);

  std::int64_t line_no = 0;
  std::vector<std::string> fields;
  while (!rest.empty()) {
    std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) continue;
    if (!CsvSplitLine(line, &fields))
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, path + ":" + std::to_string(line_no) +
                                                              ": unbalanced double quote; fix the quoting of this line");
    if (out->header.empty()) {
      out->header_line = line_no;
      out->header = fields;
      continue;
    }
    if (fields.size() != out->header.size())
      return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                               path + ":" + std::to_string(line_no) + ": " + std::to_string(fields.size()) +
                                   " fields, but the header (line " + std::to_string(out->header_line) + ") has " +
                                   std::to_string(out->header.size()) + "; every row needs one value per column");
    out->rows.push_back(CsvRow{line_no, fields});
  }
  if (out->header.empty())
    return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, "'" + path + "' is empty: no header line found; give a CSV file with a header");
  return {};
}

std::ptrdiff_t CsvColumn(const CsvFile &file, std::string_view name) {
  for (std::size_t k = 0; k < file.header.size(); ++k)
    if (file.header[k] == name) return static_cast<std::ptrdiff_t>(k);
  return -1;
}

ReadFailure CsvRequireColumns(const CsvFile &file, std::initializer_list<std::string_view> names,
                              std::vector<std::size_t> *index) {
  index->clear();
  std::string missing;
  for (std::string_view name : names) {
    std::ptrdiff_t k = CsvColumn(file, name);
    if (k < 0) {
      missing += (missing.empty() ? "" : ", ") + std::string(name);
      index->push_back(0);
    } else {
      index->push_back(static_cast<std::size_t>(k));
    }
  }
  if (missing.empty()) return {};
  std::string found;
  for (const auto &h : file.header) found += (found.empty() ? "" : ",") + h;
  return ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, file.path + ":" + std::to_string(file.header_line) +
                                                          ": header lacks column(s) " + missing + " (header is '" + found +
                                                          "'); give a file with these columns");
}

std::string CsvWhere(const CsvFile &file, std::int64_t line, std::string_view column) {
  return file.path + ":" + std::to_string(line) + ": column " + std::string(column) + ": ";
}

namespace {

// 'text' — built by appending, which also sidesteps a GCC 12 -Wrestrict false positive on "'" + string.
std::string Quote(std::string_view text) {
  std::string q;
  q.reserve(text.size() + 2);
  q += '\'';
  q.append(text);
  q += '\'';
  return q;
}

}  // namespace

bool ParseFiniteDouble(std::string_view text, double *value, std::string *why) {
  std::string_view t = Trim(text);
  if (t.empty()) {
    *why = "is empty";
    return false;
  }
  // from_chars is locale-independent but rejects a leading '+', which is harmless to accept.
  if (t.size() > 1 && t[0] == '+' && t[1] != '-' && t[1] != '+') t.remove_prefix(1);
  double v = 0.0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    *why = Quote(t) + " is out of the range of a double";
    return false;
  }
  if (ec != std::errc() || ptr != t.data() + t.size()) {
    *why = Quote(t) + " is not a number";
    return false;
  }
  if (!std::isfinite(v)) {
    *why = Quote(t) + " is not finite (NaN or infinity)";
    return false;
  }
  *value = v;
  return true;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t *y, int *m, int *d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int DaysInMonth(std::int64_t y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

// Digits at [pos, pos+len) of t as a number, or -1 if any is not a digit.
int Digits(std::string_view t, std::size_t pos, std::size_t len) {
  int v = 0;
  for (std::size_t k = pos; k < pos + len; ++k) {
    if (t[k] < '0' || t[k] > '9') return -1;
    v = 10 * v + (t[k] - '0');
  }
  return v;
}

}  // namespace

bool ParseTimestamp(std::string_view text, std::int64_t *minutes, std::string *why) {
  const std::string_view t = Trim(text);
  const std::string form = Quote(t) + " is not a timestamp of the form YYYY/MM/DD HH:MM[:SS]";
  if (t.size() != 16 && t.size() != 19) {
    *why = form;
    return false;
  }
  const char sep = t[4];
  if ((sep != '/' && sep != '-') || t[7] != sep || (t[10] != ' ' && t[10] != 'T') || t[13] != ':' ||
      (t.size() == 19 && t[16] != ':')) {
    *why = form;
    return false;
  }
  const int y = Digits(t, 0, 4), mo = Digits(t, 5, 2), d = Digits(t, 8, 2), h = Digits(t, 11, 2),
            mi = Digits(t, 14, 2), s = t.size() == 19 ? Digits(t, 17, 2) : 0;
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) {
    *why = form;
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    *why = Quote(t) + " is not a valid date and time";
    return false;
  }
  if (s != 0) {
    *why = Quote(t) + " has non-zero seconds; dodge's series are on whole minutes";
    return false;
  }
  *minutes = DaysFromCivil(y, mo, d) * 1440 + h * 60 + mi;
  return true;
}

std::string FormatTimestamp(std::int64_t minutes) {
  // Floor division so times before the epoch format correctly too.
  std::int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
  const std::int64_t mod = minutes - days * 1440;
  std::int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld/%02d/%02d %02d:%02d:00", static_cast<long long>(y), m, d,
                static_cast<int>(mod / 60), static_cast<int>(mod % 60));
  return buf;
}

namespace {

template <class T>
PetscErrorCode BcastVector(MPI_Comm comm, std::vector<T> *v, MPI_Datatype type) {
  PetscFunctionBeginUser;
  std::int64_t n = static_cast<std::int64_t>(v->size());
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_INT64_T, 0, comm));
  v->resize(static_cast<std::size_t>(n));
  PetscMPIInt count;
  PetscCall(PetscMPIIntCast(n, &count));
  if (count > 0) PetscCallMPI(MPI_Bcast(v->data(), count, type, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

PetscErrorCode BcastString(MPI_Comm comm, std::string *s) {
  PetscFunctionBeginUser;
  std::vector<char> buf(s->begin(), s->end());
  PetscCall(BcastVector(comm, &buf, MPI_CHAR));
  s->assign(buf.begin(), buf.end());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastStrings(MPI_Comm comm, std::vector<std::string> *v) {
  PetscFunctionBeginUser;
  // One length array and one character array instead of a broadcast per string.
  std::vector<std::int64_t> len;
  std::vector<char> chars;
  for (const auto &s : *v) {
    len.push_back(static_cast<std::int64_t>(s.size()));
    chars.insert(chars.end(), s.begin(), s.end());
  }
  PetscCall(BcastVector(comm, &len, MPI_INT64_T));
  PetscCall(BcastVector(comm, &chars, MPI_CHAR));
  v->resize(len.size());
  std::size_t pos = 0;
  for (std::size_t k = 0; k < len.size(); ++k) {
    (*v)[k].assign(chars.data() + pos, static_cast<std::size_t>(len[k]));
    pos += static_cast<std::size_t>(len[k]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastDoubles(MPI_Comm comm, std::vector<double> *v) {
  PetscFunctionBeginUser;
  PetscCall(BcastVector(comm, v, MPI_DOUBLE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BcastInt64s(MPI_Comm comm, std::vector<std::int64_t> *v) {
  PetscFunctionBeginUser;
  PetscCall(BcastVector(comm, v, MPI_INT64_T));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::io
