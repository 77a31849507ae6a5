#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds everything with ASan and UBSan and runs the whole ctest suite (unit, ODR, header
# verification, consumer, example and benchmark smoke tests).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# -O1 keeps the sanitized Debug suite fast enough; -g1 (line tables only) keeps file:line in
# sanitizer reports and builds about a sixth faster than full debug information.
cmake -S . -B build/test \
  -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DEDGEMPC_SANITIZE=ON \
  -DEDGEMPC_BUILD_TESTS=ON \
  -DEDGEMPC_BUILD_EXAMPLES=ON \
  -DEDGEMPC_BUILD_BENCHMARKS=ON
cmake --build build/test -j"$(nproc)"
ctest --test-dir build/test --output-on-failure -j"$(nproc)"
