# SPDX-License-Identifier: Apache-2.0
# Debian packages through CPack, included at the end of CMakeLists.txt (top-level builds only):
#   edgempc-dev      COMPONENT dev: the headers, the CMake package and the pkg-config files
#   edgempc-gateway  COMPONENT gateway: edgempc-circuit, edgempc-gateway, edgempc-device, their
#                    systemd units, man pages and the sample configurations (examples/config/)
# Configure with -DCMAKE_INSTALL_PREFIX=/usr (GNUInstallDirs then puts the CMake package in the
# multiarch libdir, and the units' ExecStart names /usr/bin), build, then `cpack -G DEB`;
# scripts/test-deb.sh does that and installs the packages. The gateway package's Depends are
# computed by dpkg-shlibdeps from the programs' libraries (libsodium, SQLite, OpenSSL, libstdc++).
if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()

set(EDGEMPC_PACKAGE_MAINTAINER "edgempc maintainers <maintainers@edgempc.invalid>"
  CACHE STRING "The Maintainer field of the Debian packages (name <address>)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME edgempc)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${EDGEMPC_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VENDOR edgempc)
# Installed with DESTDIR under the configured prefix, not to a staging prefix: the units' install
# code writes ExecStart from CMAKE_INSTALL_PREFIX, which must be the prefix the package installs to.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
# (Nothing goes in "Unspecified": a rule without a COMPONENT is left out, and test-deb.sh shows it.)
# No gateway package where the tools are off: it would be empty.
set(CPACK_COMPONENTS_ALL dev)
if(EDGEMPC_BUILD_TOOLS)
  list(APPEND CPACK_COMPONENTS_ALL gateway)
endif()
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_SOURCE_DIR}/packaging/debian/cpack_options.cmake")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # name_version-release_arch.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME edgempc-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# Each description's first line is the package's summary (packaging/debian/cpack_options.cmake).
set(CPACK_COMPONENT_DEV_DESCRIPTION "header-only C++20 library for secure multiparty computation
edgempc is a header-only C++20 library for secure multiparty computation at the
edge: devices secret-share their readings among a few gateways, which compute
sums, means, variances, products and comparisons and reveal only the result.

This package holds the headers, the CMake package (find_package(edgempc)) and
the pkg-config files. The optional components need the recommended packages:
edgempc::gateway and edgempc::sqlite_store SQLite, edgempc::config toml++,
edgempc::mqtt_tls OpenSSL.")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libsodium-dev, libboost-dev (>= 1.71)")
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "libsqlite3-dev, libtomlplusplus-dev, libssl-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "cmake (>= 3.23), pkgconf | pkg-config")

set(CPACK_DEBIAN_GATEWAY_PACKAGE_NAME edgempc-gateway)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_SECTION net)
set(CPACK_COMPONENT_GATEWAY_DESCRIPTION "edgempc gateway and device programs, with systemd units
edgempc-gateway runs one gateway of an edgempc group (secure multiparty
computation over the devices' secret-shared readings) and sets a group up;
edgempc-device runs one device (sensors over I2C, UART, a replay file or a
simulation); edgempc-circuit garbles and evaluates a Bristol Fashion circuit.

With the systemd templates edgempc-gateway@.service and edgempc-device@.service,
man pages and sample configurations in /usr/share/doc/edgempc/examples/config.")
set(CPACK_DEBIAN_GATEWAY_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_SUGGESTS "mosquitto")
# systemd re-reads its units after an install or removal (packaging/debian/).
set(CPACK_DEBIAN_GATEWAY_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/debian/postinst" "${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_GATEWAY_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
