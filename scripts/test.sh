#!/usr/bin/env bash
# The test command of the README. With GCNN_REQUIRE_OPENCL=1 (CI), a missing OpenCL device is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
