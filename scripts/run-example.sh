#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the private_mean example in Release and runs it; arguments go to the example.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
cmake -S . -B build/release \
  -DCMAKE_BUILD_TYPE=Release \
  -DEDGEMPC_BUILD_TESTS=OFF \
  -DEDGEMPC_BUILD_BENCHMARKS=OFF \
  -DEDGEMPC_BUILD_EXAMPLES=ON
cmake --build build/release --target private_mean -j"$(nproc)"
exec build/release/examples/private_mean "$@"
