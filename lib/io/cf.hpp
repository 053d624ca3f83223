// CF (Climate and Forecast) metadata for dodge's output: how the human unit texts the families give the
// recorder become UDUNITS `units` plus the attributes that keep what UDUNITS cannot say (a per-unit base,
// a currency). Pure functions; the recorder applies them to every dataset it creates.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dodge::io::cf {

// The CF convention the output files follow (root attribute Conventions).
inline constexpr const char *kConventions = "CF-1.10";

// netCDF-4 (as netCDF-C writes it) marks an HDF5 dimension scale that is a netCDF dimension without a
// coordinate variable by this NAME, followed by the length in ten characters. Such a dataset (32-bit float,
// never written) holds no values: readers that walk every dataset (the checkpoint manifest, the comparison
// tools) take it for its shape only.
inline constexpr const char *kDimWithoutVariable = "This is a netCDF dimension but not a netCDF variable.";

struct Units {
  std::string units;      // UDUNITS-2 string ("1" for per-unit and other dimensionless quantities)
  std::string long_name;  // says "per unit" for per-unit quantities
  // Further string attributes, in order: per_unit_base, currency, display_units (dodge's own text,
  // for axis labels, when it differs from units).
  std::vector<std::pair<std::string, std::string>> attrs;
};

// Maps dodge's unit text (e.g. "per-unit (C_b $/h)", "$/kWh", "kWh", "step") to CF. Texts that are
// already UDUNITS strings pass through unchanged; a CF time unit ("hours since 2024-07-05 00:00:00+10:00")
// passes through too.
Units ToCf(const std::string &units, const std::string &long_name);

// True for a CF time unit "<unit> since <reference time>".
bool IsTimeReference(const std::string &units);

// "2024/07/05 00:00" or "2024-07-05" (NEM, data or local time) plus a UTC offset in hours (e.g. 10, -7,
// 9.5) -> "2024-07-05 00:00:00+10:00", the reference time of a CF time unit. Returns "" if `when` is
// not such a date.
std::string ReferenceTime(const std::string &when, double utc_offset_hours);

}  // namespace dodge::io::cf
