#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test suite once more with clang (no sanitizers, -O1): the library must build with both
# compilers. Used by CI next to scripts/test.sh; needs clang++ (Debian package clang). The
# header-by-header check, the back-end variant builds, the examples and the tools run only in
# the gcc build (scripts/test.sh), to keep CI short; the ODR test still compiles every header
# with clang.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
cmake -S . -B build/clang \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1" \
  -DEDGEMPC_VERIFY_HEADERS=OFF \
  -DEDGEMPC_TEST_BACKEND_VARIANTS=OFF \
  -DEDGEMPC_BUILD_TESTS=ON \
  -DEDGEMPC_BUILD_EXAMPLES=OFF \
  -DEDGEMPC_BUILD_TOOLS=OFF \
  -DEDGEMPC_BUILD_BENCHMARKS=OFF
cmake --build build/clang -j"$(nproc)"
ctest --test-dir build/clang --output-on-failure -j"$(nproc)"
