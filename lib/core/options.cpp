// Helpers for reading options inside a module's option block.
#include "core/options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dodge {

namespace {
// The name the user types: the block's prefix inserted after the dash ("-pa" in "pdct_" is "-pdct_pa").
std::string FullName(PetscOptionItems *PetscOptionsObject, const char *name) {
  const char *prefix = PetscOptionsObject->prefix;
  if (!prefix || !*prefix) return name;
  return std::string("-") + prefix + (name[0] == '-' ? name + 1 : name);
}

std::string Num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

// Strict decimal text `buf` of option `full` into [lo, hi]; fails naming both (collective on comm).
static PetscErrorCode ParseInt(MPI_Comm comm, const std::string &full, const char *buf, std::int64_t lo, std::int64_t hi,
                               std::int64_t *value);

PetscErrorCode OptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             std::string *value) {
  char buf[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(buf, value->c_str(), sizeof buf));
  PetscCall(PetscOptionsString(name, help, nullptr, value->c_str(), buf, sizeof buf, nullptr));
  *value = buf;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, std::int64_t lo,
                          std::int64_t hi, std::int64_t *value, PetscBool *set) {
  char buf[64], def[32];
  PetscBool flg = PETSC_FALSE;
  PetscFunctionBeginUser;
  const std::string full = FullName(PetscOptionsObject, name);
  const std::string h = std::string(help) + " [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  std::snprintf(def, sizeof def, "%lld", static_cast<long long>(*value));
  PetscCall(PetscStrncpy(buf, def, sizeof buf));
  // Read as text: PetscOptionsInt would parse into a 32-bit PetscInt and wrap.
  PetscCall(PetscOptionsString(name, h.c_str(), nullptr, def, buf, sizeof buf, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(ParseInt(PetscOptionsObject->comm, full, buf, lo, hi, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsIntHidden(PetscOptionItems *PetscOptionsObject, const char *name, std::int64_t lo, std::int64_t hi,
                                PetscInt *value, PetscBool *set) {
  char buf[64];
  PetscBool flg = PETSC_FALSE;
  std::int64_t v = *value;
  PetscFunctionBeginUser;
  PetscCheck(lo >= PETSC_MIN_INT && hi <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "the range of %s does not fit PetscInt", name);
  // Straight from the database: what PetscOptionsString would add to -help is skipped.
  PetscCall(PetscOptionsGetString(PetscOptionsObject->options, PetscOptionsObject->prefix, name, buf, sizeof buf, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(ParseInt(PetscOptionsObject->comm, FullName(PetscOptionsObject, name), buf, lo, hi, &v));
  *value = static_cast<PetscInt>(v);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ParseInt(MPI_Comm comm, const std::string &full, const char *buf, std::int64_t lo, std::int64_t hi,
                               std::int64_t *value) {
  PetscFunctionBeginUser;
  PetscCheck(buf[0] != '\0', comm, PETSC_ERR_ARG_WRONG, "%s needs an integer value in [%lld, %lld]",
             full.c_str(), static_cast<long long>(lo), static_cast<long long>(hi));
  char *end = nullptr;
  errno = 0;
  const long long v = std::strtoll(buf, &end, 10);
  const bool whole = end != buf && *end == '\0';
  PetscCheck(whole, comm, PETSC_ERR_ARG_WRONG,
             "%s %s is not an integer (decimal digits, no '.' or exponent); give a value in [%lld, %lld]", full.c_str(), buf,
             static_cast<long long>(lo), static_cast<long long>(hi));
  // strtoll clamps an overflow to LLONG_MIN/LLONG_MAX: the sign says which end was passed.
  const bool overflow = errno == ERANGE;
  PetscCheck(!(overflow && v < 0) && v >= lo, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s %s must be >= %lld: it is out of range [%lld, %lld]", full.c_str(), buf, static_cast<long long>(lo),
             static_cast<long long>(lo), static_cast<long long>(hi));
  PetscCheck(!(overflow && v > 0) && v <= hi, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s %s must be <= %lld: it is out of range [%lld, %lld]", full.c_str(), buf, static_cast<long long>(hi),
             static_cast<long long>(lo), static_cast<long long>(hi));
  *value = v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, std::int64_t lo,
                          std::int64_t hi, PetscInt *value, PetscBool *set) {
  std::int64_t v = *value;
  PetscFunctionBeginUser;
  PetscCheck(lo >= PETSC_MIN_INT && hi <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "the range of %s does not fit PetscInt: read it into a std::int64_t", name);
  PetscCall(OptionsInt(PetscOptionsObject, name, help, lo, hi, &v, set));
  *value = static_cast<PetscInt>(v);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsChoice(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             const char *const *choices, int n, PetscInt *index, PetscBool *set) {
  PetscBool flg = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCheck(n > 0 && *index >= 0 && *index < n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: default index %d outside its %d choices",
             name, static_cast<int>(*index), n);
  std::string list;
  for (int k = 0; k < n; ++k) list += (k ? ", " : "") + std::string(choices[k]);
  const std::string h = std::string(help) + " (one of: " + list + ")";
  char buf[256];
  PetscCall(PetscStrncpy(buf, choices[*index], sizeof buf));
  PetscCall(PetscOptionsString(name, h.c_str(), nullptr, choices[*index], buf, sizeof buf, &flg));
  if (set) *set = flg;
  const std::string v = buf;
  int found = -1;
  for (int k = 0; k < n && found < 0; ++k)
    if (v == choices[k]) found = k;
  PetscCheck(found >= 0, PetscOptionsObject->comm, PETSC_ERR_USER, "%s %s is not one of its choices: %s",
             FullName(PetscOptionsObject, name).c_str(), v.c_str(), list.c_str());
  *index = found;
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::string RangeString(const RealRange &r) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%c%s, %s%c", r.lo_open || std::isinf(r.lo) ? '(' : '[', Num(r.lo).c_str(),
                Num(r.hi).c_str(), r.hi_open || std::isinf(r.hi) ? ')' : ']');
  return buf;
}

PetscErrorCode OptionsCheckReal(MPI_Comm comm, const char *opt, double v, const RealRange &r) {
  PetscFunctionBeginUser;
  const bool finite = std::isfinite(v) || (r.inf_ok && std::isinf(v));
  PetscCheck(finite, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s %s is not a finite number; give a value in %s", opt,
             Num(v).c_str(), RangeString(r).c_str());
  const bool above = r.lo_open ? v > r.lo : v >= r.lo, below = r.hi_open ? v < r.hi : v <= r.hi;
  PetscCheck(above && below, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s %s is outside %s", opt, Num(v).c_str(),
             RangeString(r).c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsReal(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const RealRange &r,
                           double *value, PetscBool *set) {
  PetscReal v = *value;
  PetscBool flg = PETSC_FALSE;
  PetscFunctionBeginUser;
  const std::string h = std::string(help) + " " + RangeString(r);
  PetscCall(PetscOptionsReal(name, h.c_str(), nullptr, v, &v, &flg));
  if (set) *set = flg;
  // Only a given value is checked: some defaults are sentinels ("from the preset") outside the range.
  if (flg) PetscCall(OptionsCheckReal(PetscOptionsObject->comm, FullName(PetscOptionsObject, name).c_str(), v, r));
  *value = v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsCheckRange(const char *opt, const PetscReal *r, PetscInt nr, double *out) {
  PetscFunctionBeginUser;
  PetscCheck(nr == 2 && std::isfinite(r[0]) && std::isfinite(r[1]) && r[0] <= r[1], PETSC_COMM_WORLD,
             PETSC_ERR_ARG_OUTOFRANGE, "%s takes two finite numbers lo,hi with lo <= hi", opt);
  out[0] = r[0], out[1] = r[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsRealPair(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, double value[2],
                               PetscBool *set) {
  char buf[128];
  PetscBool flg = PETSC_FALSE;
  PetscFunctionBeginUser;
  // Read as text, so -help shows the whole default pair (PETSc's real-array option shows its first entry only).
  const std::string def = Num(value[0]) + "," + Num(value[1]);
  const std::string h = std::string(help) + " (lo,hi)";
  PetscCall(PetscStrncpy(buf, def.c_str(), sizeof buf));
  PetscCall(PetscOptionsString(name, h.c_str(), nullptr, def.c_str(), buf, sizeof buf, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(PETSC_SUCCESS);
  // Exactly two strict decimal numbers separated by one comma; OptionsCheckRange then checks them.
  PetscReal r[2] = {NAN, NAN};
  PetscInt nr = 0;
  const std::string text = buf;
  std::size_t start = 0;
  while (nr < 3) {
    const std::size_t comma = text.find(',', start);
    const std::string piece = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char *end = nullptr;
    const double v = std::strtod(piece.c_str(), &end);
    if (piece.empty() || *end != '\0') nr = 3;  // not a number: refused below like a wrong count
    else if (nr < 2) r[nr] = v;
    ++nr;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  PetscCall(OptionsCheckRange(FullName(PetscOptionsObject, name).c_str(), r, nr, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge
