#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages, as an operator gets them: builds the tools (Release, tests, examples and
# benchmarks off, prefix /usr) in a temporary directory, makes edgempc-dev and edgempc-gateway with
# `cpack -G DEB`, checks their contents and control fields, installs them with `dpkg -i`, then
# builds the consumer projects of tests/consumer/ against /usr (find_package from the system
# prefix, the components, and pkg-config) and runs the installed programs and man pages, and the
# docker compose group's commands with them (packaging/docker/check_compose.py). The
# packages are removed again (`dpkg --purge`) however it ends, so the machine is left as found.
#
#   usage: scripts/test-deb.sh        (as root, on a machine that may install packages; CI does)
#
# Needs what deps.sh installs plus dpkg-dev and python3-yaml (installed here if missing).
# Takes about 3 minutes on 2 cores, nearly all of it compiling the three programs.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$PWD
packages=(edgempc-gateway edgempc-dev)  # removal order: the programs first

if [ "$(id -u)" -ne 0 ]; then
  echo "test-deb.sh: installs packages with dpkg -i, so it must run as root" >&2
  exit 1
fi
./scripts/deps.sh
# dpkg-dev: dpkg-shlibdeps computes the gateway's Depends; python3-yaml: check_compose.py.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
if ! command -v dpkg-shlibdeps >/dev/null || ! "$python" -c "import yaml" 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev python3-yaml
fi

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "install ok installed"; }
remove_packages() {
  local p
  for p in "${packages[@]}"; do
    # --purge, not just -r: no "rc" entry (its maintainer scripts) is left in dpkg's database.
    if dpkg-query -W "$p" >/dev/null 2>&1; then dpkg --purge "$p" >/dev/null; fi
  done
}
# A run that was killed may have left them installed: start from none.
for p in "${packages[@]}"; do
  if installed "$p"; then
    echo "test-deb.sh: $p is installed (left by an interrupted run?); removing it first" >&2
  fi
done
remove_packages

work=$(mktemp -d "${TMPDIR:-/tmp}/edgempc-deb.XXXXXX")
cleanup() {
  local status=$?
  remove_packages || status=1
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then echo "test-deb.sh: FAILED" >&2; fi
  exit "$status"
}
trap cleanup EXIT
fail() { echo "test-deb.sh: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# --- build and package -----------------------------------------------------------------
step "build the tools (Release, prefix /usr)"
cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DEDGEMPC_BUILD_TESTS=OFF -DEDGEMPC_BUILD_EXAMPLES=OFF -DEDGEMPC_BUILD_BENCHMARKS=OFF \
  -DEDGEMPC_BUILD_TOOLS=ON > "$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
cmake --build "$work/build" -j2 > "$work/build.log" 2>&1 || { tail -50 "$work/build.log"; fail "build"; }
step "cpack -G DEB"
(cd "$work/build" && cpack -G DEB -B "$work/deb") > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
version=$(sed -n 's/^#define EDGEMPC_VERSION_STRING "\(.*\)"$/\1/p' include/edgempc/version.hpp)
arch=$(dpkg --print-architecture)
dev_deb="$work/deb/edgempc-dev_${version}-1_${arch}.deb"
gw_deb="$work/deb/edgempc-gateway_${version}-1_${arch}.deb"
[ -f "$dev_deb" ] && [ -f "$gw_deb" ] || { ls -l "$work/deb"; fail "cpack made other files than $dev_deb and $gw_deb"; }
[ "$(find "$work/deb" -maxdepth 1 -name '*.deb' | wc -l)" -eq 2 ] || fail "more than two packages (an install rule without a COMPONENT?)"

# --- contents and control fields ---------------------------------------------------------
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
expect_files() {  # deb file...
  local deb=$1 list f
  shift
  list=$(contents "$deb")
  for f in "$@"; do
    grep -qx -- "$f" <<<"$list" || fail "$(basename "$deb") has no $f"
  done
}
field() { dpkg-deb -f "$1" "$2"; }
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

step "edgempc-dev: contents and fields"
expect_files "$dev_deb" /usr/include/edgempc/edgempc.hpp /usr/include/edgempc/version.hpp \
  /usr/include/edgempc/platform/gateway.hpp /usr/include/edgempc/platform/config_toml.hpp \
  "/usr/lib/$multiarch/cmake/edgempc/edgempcConfig.cmake" \
  "/usr/lib/$multiarch/cmake/edgempc/edgempcConfigVersion.cmake" \
  "/usr/lib/$multiarch/cmake/edgempc/Findsodium.cmake" \
  "/usr/lib/$multiarch/cmake/edgempc/edgempc-gateway-targets.cmake" \
  /usr/share/pkgconfig/edgempc.pc /usr/share/pkgconfig/edgempc-gateway.pc
if contents "$dev_deb" | grep -q '^/usr/bin/'; then fail "edgempc-dev has programs"; fi
[[ "$(field "$dev_deb" Depends)" == *libsodium-dev* && "$(field "$dev_deb" Depends)" == *libboost-dev* ]] ||
  fail "edgempc-dev Depends: $(field "$dev_deb" Depends)"
[[ "$(field "$dev_deb" Recommends)" == *libsqlite3-dev*libtomlplusplus-dev* ]] ||
  fail "edgempc-dev Recommends: $(field "$dev_deb" Recommends)"

step "edgempc-gateway: contents and fields"
expect_files "$gw_deb" /usr/bin/edgempc-gateway /usr/bin/edgempc-device /usr/bin/edgempc-circuit \
  /usr/lib/systemd/system/edgempc-gateway@.service /usr/lib/systemd/system/edgempc-device@.service \
  /usr/share/man/man1/edgempc-gateway.1 /usr/share/man/man1/edgempc-device.1 \
  /usr/share/man/man1/edgempc-circuit.1 /usr/share/doc/edgempc/examples/config/mosquitto.conf
if contents "$gw_deb" | grep -q '^/usr/include/'; then fail "edgempc-gateway has headers"; fi
# dpkg-shlibdeps found the programs' shared libraries.
gw_depends=$(field "$gw_deb" Depends)
for lib in libc6 libstdc++6 libsodium23 libsqlite3-0; do
  [[ "$gw_depends" == *"$lib "* ]] || fail "edgempc-gateway Depends has no $lib: $gw_depends"
done
dpkg-deb -I "$dev_deb" control
dpkg-deb -I "$gw_deb" control

# --- install, then use it from /usr -----------------------------------------------------
step "dpkg -i"
dpkg -i "$dev_deb" "$gw_deb"

step "the programs, their units and man pages"
[ "$(command -v edgempc-gateway)" = /usr/bin/edgempc-gateway ] || fail "edgempc-gateway is not /usr/bin/edgempc-gateway"
edgempc-gateway --help | grep -q "keygen" || fail "edgempc-gateway --help"
edgempc-device --help | grep -q -- "--source" || fail "edgempc-device --help"
edgempc-circuit --help | grep -q "Bristol" || fail "edgempc-circuit --help"
[ "$(edgempc-gateway --version)" = "$version" ] || fail "edgempc-gateway --version: $(edgempc-gateway --version)"
for tool in edgempc-gateway edgempc-device edgempc-circuit; do
  page=$(man -w "$tool") || fail "man -w $tool found no page"
  [ "$page" = "/usr/share/man/man1/$tool.1" ] || fail "man -w $tool: $page"
  warnings=$(man -l "$page" 2>&1 >/dev/null) || fail "man -l $page"
  [ -z "$warnings" ] || fail "man -l $page: $warnings"
done
grep -qx "ExecStart=/usr/bin/edgempc-gateway --config /etc/edgempc/gateway-%i.toml" \
  /usr/lib/systemd/system/edgempc-gateway@.service || fail "edgempc-gateway@.service does not start /usr/bin/edgempc-gateway"
if command -v systemd-analyze >/dev/null; then
  for unit in edgempc-gateway@.service edgempc-device@.service; do
    # As ./NAME from its directory (as packaging/systemd/verify_units.sh does): it prints problems.
    out=$(cd /usr/lib/systemd/system && systemd-analyze verify "./$unit" 2>&1) && [ -z "$out" ] ||
      fail "systemd-analyze verify $unit: $out"
  done
fi

# The consumer projects of tests/consumer/, against the system prefix: no CMAKE_PREFIX_PATH.
consumer() {  # name source-dir [cmake args...]
  local name=$1 src=$2
  shift 2
  cmake -S "$src" -B "$work/$name" -DCMAKE_BUILD_TYPE=Release -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "$@" \
    > "$work/$name.log" 2>&1 || { cat "$work/$name.log"; fail "configure consumer $name"; }
  grep -q "edgempc_DIR: /usr/lib/$multiarch/cmake/edgempc" "$work/$name.log" ||
    { cat "$work/$name.log"; fail "consumer $name did not find the package in /usr"; }
  cmake --build "$work/$name" -j2 >> "$work/$name.log" 2>&1 || { cat "$work/$name.log"; fail "build consumer $name"; }
  "$work/$name/edgempc_consumer" || fail "run consumer $name"
}
step "consumer: find_package(edgempc) from /usr, SQLite, toml++ and OpenSSL hidden"
consumer find_package tests/consumer/find_package -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_tomlplusplus=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON \
  -DEXPECT_NO_OPTIONAL_COMPONENTS=ON
step "consumer: find_package(edgempc COMPONENTS gateway config) from /usr"
consumer find_package_components tests/consumer/find_package_components
step "consumer: pkg-config --cflags --libs edgempc"
flags=$(pkg-config --cflags --libs edgempc) || fail "pkg-config edgempc"
echo "  $flags"
[[ " $flags " == *" -lsodium "* ]] || fail "pkg-config edgempc gives no -lsodium: $flags"
pkg-config --libs edgempc-gateway | grep -q -- -lsqlite3 || fail "pkg-config edgempc-gateway gives no -lsqlite3"
# shellcheck disable=SC2086  # the flags are words
c++ -std=c++20 tests/consumer/main.cpp -o "$work/pkg_config_consumer" $flags || fail "compile with pkg-config's flags"
"$work/pkg_config_consumer" || fail "run the pkg-config consumer"

step "packaging/docker: compose.yaml against the package, its services run here (no docker)"
"$python" packaging/docker/check_compose.py --deb "$gw_deb" --run || fail "packaging/docker/check_compose.py"

step "dpkg --purge"
remove_packages
for p in "${packages[@]}"; do
  if dpkg-query -W "$p" >/dev/null 2>&1; then fail "$p is still known to dpkg"; fi
done
[ ! -e /usr/include/edgempc/edgempc.hpp ] && [ ! -e /usr/bin/edgempc-gateway ] || fail "files left after dpkg --purge"
echo "test-deb.sh: the packages build, install, serve the consumers and uninstall"
