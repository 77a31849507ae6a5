#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang and runs each for RUNS executions (default 10
# million) from the seeds in fuzz/corpus/<target>/; new inputs go to build/fuzz/corpus/.
# TARGETS="handshake" (names, space-separated) runs only those.
# A crash leaves its input as build/fuzz/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-10000000}"
cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEDGEMPC_FUZZ=ON -DEDGEMPC_BUILD_TESTS=OFF -DEDGEMPC_BUILD_EXAMPLES=OFF -DEDGEMPC_BUILD_BENCHMARKS=OFF
cmake --build build/fuzz -j"$(nproc)"
for seeds in fuzz/corpus/*/; do
  name="$(basename "$seeds")"
  case " ${TARGETS:-$name} " in *" $name "*) ;; *) continue ;; esac
  # Handshake messages are 48 bytes and anything longer is refused by length alone; frames
  # need room for several 64 KiB chunks.
  max_len=140000
  [ "$name" = handshake ] && max_len=512
  mkdir -p "build/fuzz/corpus/$name"
  echo "== fuzz_$name: $runs runs"
  "build/fuzz/fuzz/fuzz_$name" -runs="$runs" -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix=build/fuzz/ \
    "build/fuzz/corpus/$name" "$seeds"
done
