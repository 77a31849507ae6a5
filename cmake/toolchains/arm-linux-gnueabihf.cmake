# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 32-bit ARM (armhf, ARMv7: Raspberry Pi OS 32-bit on a Pi 2, 3, 4 or Zero 2)
# on Debian or Ubuntu with multiarch: no sysroot; the target's libraries are the armhf packages
# installed beside the build machine's (dpkg --add-architecture armhf). scripts/test-arm.sh installs
# what it needs: g++-arm-linux-gnueabihf, pkgconf:armhf (the arm-linux-gnueabihf-pkg-config wrapper),
# libsodium-dev:armhf, libboost-dev:armhf, qemu-user.
#
#   cmake -S . -B build-armhf --toolchain cmake/toolchains/arm-linux-gnueabihf.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
# GCC notes at every function taking a std::span that GCC 7.1 changed how 32-bit ARM passes it;
# everything here is built by one compiler, so the notes say nothing.
string(APPEND CMAKE_CXX_FLAGS_INIT " -Wno-psabi")

# CMake takes CMAKE_LIBRARY_ARCHITECTURE (arm-linux-gnueabihf) from the compiler, so find_library and
# find_package look in /usr/lib/arm-linux-gnueabihf before /usr/lib: the multiarch directories replace
# a sysroot. Programs (pkg-config, generators) are the build machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# The target's pkg-config (cmake/Findsodium.cmake asks it for libsodium). PKG_CONFIG_LIBDIR
# keeps even a plain pkg-config to the target's .pc files.
find_program(PKG_CONFIG_EXECUTABLE NAMES arm-linux-gnueabihf-pkg-config pkg-config NAMES_PER_DIR)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig")

# ctest and catch_discover_tests run the test programs under qemu-user. No -L /usr/arm-linux-gnueabihf:
# that prefix holds the cross toolchain's libc (libc6-armhf-cross), whose dynamic loader would be
# paired with the multiarch libc.so.6 of libc6:armhf (a different build, found first on the
# loader's multiarch path), and such a pair hangs or crashes at the first thread. Without -L,
# qemu runs /lib/ld-linux-*.so from libc6:armhf, the libc the libraries were built against.
find_program(EDGEMPC_QEMU_ARM NAMES qemu-arm)
if(EDGEMPC_QEMU_ARM)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${EDGEMPC_QEMU_ARM}")
endif()
