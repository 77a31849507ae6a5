# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 64-bit ARM (arm64: Raspberry Pi OS 64-bit on a Pi 3, 4, 5 or Zero 2)
# on Debian or Ubuntu with multiarch: no sysroot; the target's libraries are the arm64 packages
# installed beside the build machine's (dpkg --add-architecture arm64). scripts/test-arm.sh installs
# what it needs: g++-aarch64-linux-gnu, pkgconf:arm64 (the aarch64-linux-gnu-pkg-config wrapper),
# libsodium-dev:arm64, libboost-dev:arm64, qemu-user.
#
#   cmake -S . -B build-arm64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# CMake takes CMAKE_LIBRARY_ARCHITECTURE (aarch64-linux-gnu) from the compiler, so find_library and
# find_package look in /usr/lib/aarch64-linux-gnu before /usr/lib: the multiarch directories replace
# a sysroot. Programs (pkg-config, generators) are the build machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# The target's pkg-config (cmake/Findsodium.cmake asks it for libsodium). PKG_CONFIG_LIBDIR
# keeps even a plain pkg-config to the target's .pc files.
find_program(PKG_CONFIG_EXECUTABLE NAMES aarch64-linux-gnu-pkg-config pkg-config NAMES_PER_DIR)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")

# ctest and catch_discover_tests run the test programs under qemu-user. No -L /usr/aarch64-linux-gnu:
# that prefix holds the cross toolchain's libc (libc6-arm64-cross), whose dynamic loader would be
# paired with the multiarch libc.so.6 of libc6:arm64 (a different build, found first on the
# loader's multiarch path), and such a pair hangs or crashes at the first thread. Without -L,
# qemu runs /lib/ld-linux-*.so from libc6:arm64, the libc the libraries were built against.
find_program(EDGEMPC_QEMU_AARCH64 NAMES qemu-aarch64)
if(EDGEMPC_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${EDGEMPC_QEMU_AARCH64}")
endif()
