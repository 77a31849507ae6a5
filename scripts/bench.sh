#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the benchmarks in Release and runs bench_core; arguments go to Google Benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
cmake -S . -B build/bench \
  -DCMAKE_BUILD_TYPE=Release \
  -DEDGEMPC_BUILD_TESTS=OFF \
  -DEDGEMPC_BUILD_EXAMPLES=OFF \
  -DEDGEMPC_BUILD_BENCHMARKS=ON
cmake --build build/bench --target bench_core -j"$(nproc)"
exec build/bench/bench/bench_core "$@"
