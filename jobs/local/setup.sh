#!/usr/bin/env bash
# Installs dodge's Debian 12 packages (if missing) and builds the release preset into build/.
# Usage: bash jobs/local/setup.sh        (needs root or sudo for apt-get)
set -euo pipefail
cd "$(dirname "$0")/../.."
pkgs=(build-essential cmake pkg-config git openmpi-bin libopenmpi-dev petsc-dev libhdf5-openmpi-dev catch2 clang-14 libclang-rt-14-dev
      python3-numpy python3-h5py python3-matplotlib python3-pytest slurm-wlm munge
      netcdf-bin python3-netcdf4 python3-xarray python3-h5netcdf python3-cftime udunits-bin)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "[setup] installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "[setup] configuring and building (release preset)"
cmake --preset release
cmake --build --preset release
