#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian/Ubuntu packages edgempc needs to build, test and benchmark.
set -euo pipefail

# mosquitto: the MQTT broker the MQTT fan-in tests, benchmarks and `smart_home --uplink mqtt` start.
# libssl-dev: TLS to the broker (edgempc::mqtt_tls, mqtts://); openssl: the TLS tests make their
# certificates with it.
# help2man: the tools' man pages, made from their --help at build time.
# python3-matplotlib: bench/plot.py's charts of benchmark output (and its ctest, bench_plot).
packages=(g++ cmake make pkg-config libsodium-dev libboost-dev catch2 libbenchmark-dev libsqlite3-dev
  libtomlplusplus-dev libcli11-dev mosquitto libssl-dev openssl help2man python3-matplotlib)

# Installed for this machine's architecture (or architecture-independent): after
# scripts/test-arm.sh a package may also be installed for arm64 or armhf, and dpkg-query then
# prints one line per architecture.
native=$(dpkg --print-architecture)
missing=()
for package in "${packages[@]}"; do
  installed=$(dpkg-query -W -f='${Architecture} ${Status}\n' "$package" 2>/dev/null |
    awk -v a="$native" '($1 == a || $1 == "all") && $2 == "install" && $3 == "ok" && $4 == "installed"' || true)
  if [ -z "$installed" ]; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "deps.sh: missing ${missing[*]}" >&2
install_line=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -eq 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive "${install_line[@]}"
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update
  sudo DEBIAN_FRONTEND=noninteractive "${install_line[@]}"
else
  echo "deps.sh: not root and no sudo; as root, run:" >&2
  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive ${install_line[*]}" >&2
  exit 1
fi
