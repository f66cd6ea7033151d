#!/usr/bin/env bash
# The test command of the README. Tests run on an optimised build (the reference path at the paper's shapes
# is ~20× slower unoptimised); -enable-testing keeps @testable imports working. With GCNN_REQUIRE_OPENCL=1
# (CI) a missing OpenCL device is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build --disable-swift-testing "$@"
