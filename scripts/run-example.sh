#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds an example in Release and runs it; arguments go to the example. The example is
# smart_home unless EXAMPLE names another (EXAMPLE=private_mean ./scripts/run-example.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

example="${EXAMPLE:-smart_home}"
./scripts/deps.sh
cmake -S . -B build/release \
  -DCMAKE_BUILD_TYPE=Release \
  -DEDGEMPC_BUILD_TESTS=OFF \
  -DEDGEMPC_BUILD_BENCHMARKS=OFF \
  -DEDGEMPC_BUILD_TOOLS=OFF \
  -DEDGEMPC_BUILD_EXAMPLES=ON
cmake --build build/release --target "$example" -j"$(nproc)"
exec "build/release/examples/$example" "$@"
