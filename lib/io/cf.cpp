// CF units for dodge's output datasets (see cf.hpp).
#include "io/cf.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dodge::io::cf {

namespace {

struct Rule {
  const char *text;           // dodge's unit text
  const char *units;          // UDUNITS
  const char *per_unit_base;  // nullptr: not a per-unit quantity
  const char *currency;       // nullptr: no money in it
};

// Every unit text the families write (a new one that is not UDUNITS fails the netCDF/CF test,
// tests/app/check_netcdf.py, until it is added here).
constexpr Rule kRules[] = {
    {"per-unit", "1", "the problem family's per-unit base", nullptr},
    {"per-unit (C_b $/h)", "1", "C_b $/h (cost base)", nullptr},
    {"per-unit (S_b MW)", "1", "S_b MW (power base)", nullptr},
    {"per-unit price", "1", "the price base (cost base per power base)", nullptr},
    {"per-unit/kWh", "kW-1 h-1", "the cost base", nullptr},
    {"per-user unit", "1", "one user's unit of consumption", nullptr},
    {"utility", "1", nullptr, nullptr},
    {"utility/unit", "1", nullptr, nullptr},
    {"agent id", "1", nullptr, nullptr},
    {"step", "1", nullptr, nullptr},
    {"unit", "1", nullptr, nullptr},
    {"kWh", "kW h", nullptr, nullptr},
    {"kWh^2 (kappa L^2)", "kW2 h2", nullptr, nullptr},
    {"kWp", "kW", nullptr, nullptr},
    {"W/m^2", "W m-2", nullptr, nullptr},
    {"Ohm", "ohm", nullptr, nullptr},
    {"B", "byte", nullptr, nullptr},
    {"$", "1", nullptr, "$"},
    {"$/day", "day-1", nullptr, "$"},
    {"$/h", "h-1", nullptr, "$"},
    {"$/kWh", "kW-1 h-1", nullptr, "$"},
    {"$/MWh", "MW-1 h-1", nullptr, "$"},
    {"AUD", "1", nullptr, "AUD"},
    {"AUD/MWh", "MW-1 h-1", nullptr, "AUD"},
    {"AUD/day", "day-1", nullptr, "AUD"},
    {"AUD/kWh", "kW-1 h-1", nullptr, "AUD"},
};

}  // namespace

bool IsTimeReference(const std::string &units) { return units.find(" since ") != std::string::npos; }

Units ToCf(const std::string &units, const std::string &long_name) {
  Units out{units, long_name, {}};
  for (const Rule &r : kRules) {
    if (units != r.text) continue;
    out.units = r.units;
    if (r.per_unit_base) {
      out.long_name += long_name.empty() ? "per unit" : " (per unit)";
      out.attrs.emplace_back("per_unit_base", r.per_unit_base);
    }
    if (r.currency) out.attrs.emplace_back("currency", r.currency);
    break;
  }
  if (out.units != units) out.attrs.emplace_back("display_units", units);
  return out;
}

std::string ReferenceTime(const std::string &when, double utc_offset_hours) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  char s1 = 0, s2 = 0;
  const int got = std::sscanf(when.c_str(), "%4d%c%2d%c%2d %2d:%2d", &y, &s1, &mo, &s2, &d, &h, &mi);
  if (got < 5 || s1 != s2 || (s1 != '/' && s1 != '-') || mo < 1 || mo > 12 || d < 1 || d > 31) return "";
  if (got < 7) h = mi = 0;
  const long off_min = std::lround(utc_offset_hours * 60.0);
  const long aoff = std::labs(off_min);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:00%c%02ld:%02ld", y, mo, d, h, mi, off_min < 0 ? '-' : '+',
                aoff / 60, aoff % 60);
  return buf;
}

}  // namespace dodge::io::cf
