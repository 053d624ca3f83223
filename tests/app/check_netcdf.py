"""dodge's output files are netCDF-4 with CF metadata (issue 16): every file given on the command line
must open, with every group and variable, in the readers power-systems researchers use, without help:

  ncdump -h                          (netCDF-C)
  netCDF4.Dataset                    (netCDF4-python on netCDF-C), every variable read in full
  xarray.open_dataset(group=...)     engines h5netcdf and netcdf4, default decoding (no decode_times=False);
                                     a CF time coordinate decodes to datetimes

and pass a minimal CF check (no CF checker is packaged in Debian 12): Conventions = "CF-...", every
variable's units a UDUNITS-2 string (udunits2 from udunits-bin), time units "<unit> since <date>" that
cftime decodes with the calendar given, standard_name "time" on it, per-unit quantities dimensionless and
saying so in long_name, and no dimension without a dimension scale (netCDF's phony_dim_*).
A reader that fails, or warns about units, time or dimensions, fails the test.

Usage: check_netcdf.py FILE.h5 ...
"""
import functools
import re
import subprocess
import sys
import warnings

import cftime
import netCDF4
import numpy as np
import xarray as xr

problems = []


def fail(path, msg):
    problems.append(f"{path}: {msg}")


@functools.lru_cache(maxsize=None)
def udunits_ok(units):
    r = subprocess.run(["udunits2", "-H", units, "-W", ""], capture_output=True, text=True)
    return r.returncode == 0 and "Don't recognize" not in (r.stdout + r.stderr)


RELEVANT = re.compile(r"unit|time|calendar|decod|dimension|phony|attribute", re.I)


def caught(path, what, ws):
    for w in ws:
        msg = f"{what}: {w.category.__name__}: {w.message}"
        if w.category.__name__ == "SerializationWarning" or RELEVANT.search(str(w.message)):
            fail(path, "warning from " + msg)
        else:
            print(f"note ({path}): unrelated warning from {msg}")


def groups(ds, prefix=""):
    yield prefix or "/", ds
    for name, g in ds.groups.items():
        yield from groups(g, f"{prefix}/{name}")


def check_ncdump(path):
    r = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    if r.returncode != 0 or r.stderr.strip():
        fail(path, f"ncdump -h failed (exit {r.returncode}): {r.stderr.strip()[:400]}")
    elif "phony_dim" in r.stdout:
        fail(path, "ncdump shows phony dimensions (a dimension without a dimension scale)")


def check_cf_variable(path, gname, v):
    where = f"{gname.rstrip('/')}/{v.name}"
    attrs = {k: v.getncattr(k) for k in v.ncattrs()}
    units = attrs.get("units")
    if not isinstance(units, str) or not units:
        fail(path, f"{where} has no units")
        return
    if " since " in units:
        cal = attrs.get("calendar", "standard")
        try:
            cftime.num2date(np.asarray(v[:2], dtype=float), units, cal)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            fail(path, f"{where}: time units {units!r} (calendar {cal!r}) do not decode: {e}")
        if attrs.get("standard_name") != "time":
            fail(path, f"{where}: a time coordinate without standard_name = 'time'")
        ref = units.split(" since ", 1)
        if not udunits_ok(ref[0]):
            fail(path, f"{where}: time unit {ref[0]!r} is not UDUNITS")
    elif not udunits_ok(units):
        fail(path, f"{where}: units {units!r} are not a UDUNITS-2 string")
    if "per_unit_base" in attrs:
        if units not in ("1",) and not udunits_ok(units):
            fail(path, f"{where}: per-unit quantity with units {units!r}")
        if "per unit" not in str(attrs.get("long_name", "")):
            fail(path, f"{where}: per-unit quantity whose long_name does not say so")
    if "long_name" not in attrs:
        fail(path, f"{where} has no long_name")
    for d in v.dimensions:
        if d.startswith("phony_dim"):
            fail(path, f"{where}: dimension {d} has no dimension scale")


def check_netcdf4(path):
    group_names = []
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            with netCDF4.Dataset(path) as ds:
                conv = ds.getncattr("Conventions") if "Conventions" in ds.ncattrs() else ""
                if not str(conv).startswith("CF-"):
                    fail(path, f"root attribute Conventions is {conv!r}, not CF-...")
                for gname, g in groups(ds):
                    group_names.append(gname)
                    for v in g.variables.values():
                        v.set_auto_mask(False)
                        v[...]  # read it all
                        check_cf_variable(path, gname, v)
        except Exception as e:  # noqa: BLE001
            fail(path, f"netCDF4-python: {type(e).__name__}: {e}")
    caught(path, "netCDF4-python", ws)
    return group_names


def check_xarray(path, group_names):
    for engine in ("h5netcdf", "netcdf4"):
        for g in group_names:
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                try:
                    with xr.open_dataset(path, group=None if g == "/" else g, engine=engine) as ds:
                        ds.load()
                        for name, var in ds.variables.items():
                            u = var.encoding.get("units", var.attrs.get("units", ""))
                            if isinstance(u, str) and " since " in u and var.dtype.kind != "M":
                                fail(path, f"xarray ({engine}) {g}/{name}: time with units {u!r} did not "
                                           f"decode to datetimes (dtype {var.dtype})")
                        if "time" in ds.coords and g == "/series" and ds["time"].dtype.kind != "M" \
                                and " since " in str(ds["time"].encoding.get("units", "")):
                            fail(path, f"xarray ({engine}) /series/time is not datetimes")
                except Exception as e:  # noqa: BLE001
                    fail(path, f"xarray.open_dataset(group={g!r}, engine={engine!r}): {type(e).__name__}: {e}")
            caught(path, f"xarray {engine} {g}", ws)


def main(paths):
    if subprocess.run(["which", "udunits2"], capture_output=True).returncode != 0:
        print("udunits2 not found: install udunits-bin (jobs/local/setup.sh)")
        return 1
    if not paths:
        print(__doc__)
        return 2
    for path in paths:
        check_ncdump(path)
        names = check_netcdf4(path)
        check_xarray(path, names)
        print(f"{path}: {len(names)} groups checked")
    for p in problems:
        print("FAIL", p)
    print(f"{len(paths)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
