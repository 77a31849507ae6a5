#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the benchmarks in Release and runs one of them: ./scripts/bench.sh [core|net|mpc|device|clean] [flags]
# (default core); the flags go to Google Benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

name=core
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  name="$1"
  shift
fi
./scripts/deps.sh
cmake -S . -B build/bench \
  -DCMAKE_BUILD_TYPE=Release \
  -DEDGEMPC_BUILD_TESTS=OFF \
  -DEDGEMPC_BUILD_EXAMPLES=OFF \
  -DEDGEMPC_BUILD_BENCHMARKS=ON
cmake --build build/bench --target "bench_$name" -j"$(nproc)"
exec "build/bench/bench/bench_$name" "$@"
