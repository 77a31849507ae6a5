#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest's tool_systemd_units: installs the build tree to a fresh prefix and checks the installed
# units with systemd-analyze (their ExecStart names the programs installed there, which verify
# requires to exist):
#   verify_units.sh CMAKE_COMMAND BINARY_DIR WORK_DIR [CONFIG]
#   - `systemd-analyze verify` of each template passes and prints nothing (it returns 0 for
#     settings it ignores, an unknown key or a bad value, and only says so);
#   - `systemd-analyze security --offline` rates each at an exposure of 2.0 or less (both are
#     1.3 and 1.5 as written), so a lost hardening setting fails here.
# Exit status 77 (ctest SKIP_RETURN_CODE) without systemd-analyze.
set -euo pipefail
cmake=$1 build=$2 work=$3 config=${4:-}

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIPPED: systemd-analyze not found (Debian package systemd): the units are not checked"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" ${config:+--config "$config"} >/dev/null
units=$work/prefix/lib/systemd/system

# `security --offline` and `--threshold` came with systemd 250.
version=$(systemd-analyze --version | sed -n 's/^systemd \([0-9]*\).*/\1/p')
status=0
for unit in edgempc-gateway@.service edgempc-device@.service; do
  if [[ ! -f $units/$unit ]]; then
    echo "FAILED: $units/$unit was not installed"
    status=1
    continue
  fi
  # From the units' directory, as ./NAME: verify then loads this file, not an installed one.
  if ! out=$(cd "$units" && systemd-analyze verify "./$unit" 2>&1) || [[ -n $out ]]; then
    echo "FAILED: systemd-analyze verify $unit:"
    echo "$out"
    status=1
  else
    echo "ok: systemd-analyze verify $unit"
  fi
  if [[ ${version:-0} -ge 250 ]]; then
    if ! out=$(cd "$units" && systemd-analyze security --offline=true --threshold=20 "./$unit" 2>&1); then
      echo "FAILED: systemd-analyze security $unit rates it above 2.0:"
      echo "$out" | grep -E '^(✗|→)' || echo "$out"
      status=1
    else
      echo "ok: $(echo "$out" | grep '^→')"
    fi
  fi
done
exit $status
