#!/usr/bin/env bash
# Installs every Debian package gcnn builds, tests and runs with (root, or sudo when available).
# Swift itself is expected at /opt/swift or on PATH (swift.org's toolchain for Debian 12).
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo \
    libfftw3-dev libsndfile1-dev libsamplerate0-dev libpng-dev libhdf5-dev libzip-dev zlib1g-dev pkg-config >/dev/null
# oclgrind: the OpenCL device simulator CI runs every kernel under; patchelf, binutils: the GPU bundle.
$SUDO apt-get install -y -qq --no-install-recommends oclgrind patchelf binutils >/dev/null
# Open MPI: optional at run time (gcnn loads libmpi.so.40 when started by mpirun); the tests run mpirun.
$SUDO apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi3 >/dev/null
