// The option readers of lib/core/options (issue 15): 64-bit integers that never wrap into a 32-bit PetscInt,
// reals that are finite and in range, and errors that name the prefixed option and its value.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "test_errors.hpp"
#include "core/options.hpp"
#include "mpi_check.hpp"

using namespace dodge;

namespace {

using dodge::test::Capture;
using dodge::test::Raised;

// What the readers return for -t_i / -t_w / -t_x in a block with prefix "t_".
struct Read {
  PetscInt i = 7;
  std::int64_t w = 5;
  double x = 0.5;
  PetscBool iset = PETSC_FALSE, xset = PETSC_FALSE;
};

PetscErrorCode ReadBlock(Read *r, const RealRange &xr) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_SELF, "t_", "test block", nullptr);
  PetscCall(OptionsInt(PetscOptionsObject, "-i", "a PetscInt", 0, PETSC_MAX_INT, &r->i, &r->iset));
  PetscCall(OptionsInt(PetscOptionsObject, "-w", "a 64-bit int", -3, std::numeric_limits<std::int64_t>::max(), &r->w));
  PetscCall(OptionsReal(PetscOptionsObject, "-x", "a real", xr, &r->x, &r->xset));
  PetscOptionsEnd();
  PetscFunctionReturn(PETSC_SUCCESS);
}

Raised Run(std::initializer_list<std::pair<const char *, const char *>> kv, Read *r, const RealRange &xr = kUnit) {
  test::ScopedOptions o(kv);
  return Capture([&] { return ReadBlock(r, xr); });
}

}  // namespace

TEST_CASE("integer options: defaults, values, no wrapping", "[options]") {
  Read r;
  REQUIRE(Run({}, &r).rc == 0);
  CHECK(r.i == 7);
  CHECK(r.iset == PETSC_FALSE);
  CHECK(r.w == 5);

  REQUIRE(Run({{"-t_i", "42"}, {"-t_w", "9223372036854775807"}}, &r).rc == 0);
  CHECK(r.i == 42);
  CHECK(r.iset == PETSC_TRUE);
  CHECK(r.w == std::numeric_limits<std::int64_t>::max());

  // 2^32 + 13: PetscOptionsInt with a 32-bit PetscInt read 13.
  Read s;
  Raised e = Run({{"-t_i", "4294967309"}}, &s);
  CHECK(e.rc == PETSC_ERR_ARG_OUTOFRANGE);
  CHECK_THAT(e.message, Catch::Contains("-t_i 4294967309 must be <= 2147483647: it is out of range [0, 2147483647]"));
  CHECK(s.i == 7);
  e = Run({{"-t_w", "9223372036854775808"}}, &s);
  CHECK(e.rc == PETSC_ERR_ARG_OUTOFRANGE);
  CHECK_THAT(e.message, Catch::Contains("-t_w 9223372036854775808 must be <= 9223372036854775807"));
  e = Run({{"-t_w", "-99999999999999999999"}}, &s);
  CHECK(e.rc == PETSC_ERR_ARG_OUTOFRANGE);
  CHECK_THAT(e.message, Catch::Contains("-t_w -99999999999999999999 must be >= -3"));
  e = Run({{"-t_w", "-4"}}, &s);
  CHECK_THAT(e.message, Catch::Contains("-t_w -4 must be >= -3"));
  REQUIRE(Run({{"-t_w", "-3"}}, &s).rc == 0);
  CHECK(s.w == -3);
  for (const char *bad : {"12x", "1e3", "1.0", "0x10", "two"}) {
    e = Run({{"-t_i", bad}}, &s);
    INFO(bad << " -> " << e.message);
    CHECK(e.rc == PETSC_ERR_ARG_WRONG);
    CHECK_THAT(e.message, Catch::Contains(std::string("-t_i ") + bad + " is not an integer"));
  }
}

TEST_CASE("real options: finite and inside the documented range", "[options]") {
  Read r;
  REQUIRE(Run({{"-t_x", "0.25"}}, &r).rc == 0);
  CHECK(r.x == 0.25);
  CHECK(r.xset == PETSC_TRUE);
  for (const char *bad : {"inf", "-inf", "nan"}) {
    Read s;
    const Raised e = Run({{"-t_x", bad}}, &s, kAnyFinite);
    INFO(bad << " -> " << e.message);
    CHECK(e.rc == PETSC_ERR_ARG_OUTOFRANGE);
    CHECK_THAT(e.message, Catch::Contains(std::string("-t_x ") + bad + " is not a finite number"));
    CHECK(s.x == 0.5);
  }
  Read s;
  Raised e = Run({{"-t_x", "1.5"}}, &s);
  CHECK_THAT(e.message, Catch::Contains("-t_x 1.5 is outside [0, 1]"));
  e = Run({{"-t_x", "0"}}, &s, kPositive);
  CHECK_THAT(e.message, Catch::Contains("-t_x 0 is outside (0, inf)"));
  e = Run({{"-t_x", "1"}}, &s, kOpenUnit);
  CHECK_THAT(e.message, Catch::Contains("-t_x 1 is outside (0, 1)"));
  // An option that documents inf ("no limit") takes it, but never NaN.
  const RealRange limit{.lo = 0, .inf_ok = true};
  REQUIRE(Run({{"-t_x", "inf"}}, &s, limit).rc == 0);
  CHECK(std::isinf(s.x));
  CHECK(Run({{"-t_x", "nan"}}, &s, limit).rc == PETSC_ERR_ARG_OUTOFRANGE);
  CHECK(RangeString(kNonNegative) == "[0, inf)");
  CHECK(RangeString(kAnyFinite) == "(-inf, inf)");
}
