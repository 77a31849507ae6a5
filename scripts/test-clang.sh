#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test suite once more with clang (no sanitizers, optimised): the library must build with
# both compilers. Used by CI next to scripts/test.sh; needs clang++ (Debian package clang).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
cmake -S . -B build/clang \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEDGEMPC_BUILD_TESTS=ON \
  -DEDGEMPC_BUILD_EXAMPLES=ON \
  -DEDGEMPC_BUILD_BENCHMARKS=OFF
cmake --build build/clang -j"$(nproc)"
ctest --test-dir build/clang --output-on-failure -j"$(nproc)"
