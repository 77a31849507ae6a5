# SPDX-License-Identifier: Apache-2.0
#[=======================================================================[.rst:
Findsodium
----------

Finds libsodium, which ships no CMake package of its own.

Imported target ``sodium::sodium``. Result variables ``sodium_FOUND``,
``sodium_VERSION``, ``sodium_INCLUDE_DIRS``, ``sodium_LIBRARIES``.
Cache variables ``sodium_INCLUDE_DIR`` and ``sodium_LIBRARY`` may be set to
override the search; ``sodium_ROOT`` is honoured as a hint.

The search goes through pkg-config first (``libsodium.pc``, as Debian's
libsodium-dev ships it), with ``pkg_check_modules(... IMPORTED_TARGET)``: the
library is then looked up by CMake in the target's directories, never in a
directory the build machine's pkg-config names. When cross-compiling, point
FindPkgConfig at the target's pkg-config (``PKG_CONFIG_EXECUTABLE``, or the
``PKG_CONFIG`` environment variable; Debian's multiarch wrapper is
``<triplet>-pkg-config``), as ``cmake/toolchains/*.cmake`` do. Without
pkg-config, or when it does not know libsodium, ``find_path`` and
``find_library`` search alone (on a multiarch system they look in
``/usr/lib/<CMAKE_LIBRARY_ARCHITECTURE>`` too, which is right for a cross build).
#]=======================================================================]

# An explicit sodium_LIBRARY or sodium_ROOT skips pkg-config. (A library found through pkg-config
# is kept in a normal variable, not in the cache, so the next configure takes the same path.)
if(NOT sodium_LIBRARY AND NOT sodium_ROOT AND "$ENV{sodium_ROOT}" STREQUAL "")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(PC_SODIUM QUIET IMPORTED_TARGET libsodium)
  endif()
  # The library pkg_check_modules found for -lsodium (searched like find_library, so in the
  # target's multiarch directory).
  if(TARGET PkgConfig::PC_SODIUM AND pkgcfg_lib_PC_SODIUM_sodium)
    set(_sodium_from_pkg_config TRUE)
  endif()
endif()

if(_sodium_from_pkg_config)
  find_path(sodium_INCLUDE_DIR
    NAMES sodium.h
    HINTS ${PC_SODIUM_INCLUDE_DIRS} ${PC_SODIUM_INCLUDEDIR})
  set(sodium_LIBRARY "${pkgcfg_lib_PC_SODIUM_sodium}")
  set(sodium_VERSION "${PC_SODIUM_VERSION}")
else()
  find_path(sodium_INCLUDE_DIR NAMES sodium.h)
  find_library(sodium_LIBRARY NAMES sodium libsodium)
endif()
mark_as_advanced(sodium_INCLUDE_DIR sodium_LIBRARY)

if(NOT sodium_VERSION AND sodium_INCLUDE_DIR AND EXISTS "${sodium_INCLUDE_DIR}/sodium/version.h")
  file(STRINGS "${sodium_INCLUDE_DIR}/sodium/version.h" _sodium_version_line
       REGEX "^#define SODIUM_VERSION_STRING +\"[^\"]*\"")
  string(REGEX REPLACE "^#define SODIUM_VERSION_STRING +\"([^\"]*)\".*" "\\1"
         sodium_VERSION "${_sodium_version_line}")
  unset(_sodium_version_line)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(sodium
  REQUIRED_VARS sodium_LIBRARY sodium_INCLUDE_DIR
  VERSION_VAR sodium_VERSION)

if(sodium_FOUND)
  set(sodium_INCLUDE_DIRS "${sodium_INCLUDE_DIR}")
  set(sodium_LIBRARIES "${sodium_LIBRARY}")
  if(NOT TARGET sodium::sodium)
    if(_sodium_from_pkg_config)
      # pkg-config's compile flags and link line come along through PkgConfig::PC_SODIUM.
      add_library(sodium::sodium INTERFACE IMPORTED)
      set_target_properties(sodium::sodium PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::PC_SODIUM)
    else()
      add_library(sodium::sodium UNKNOWN IMPORTED)
      set_target_properties(sodium::sodium PROPERTIES
        IMPORTED_LOCATION "${sodium_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${sodium_INCLUDE_DIR}")
    endif()
  endif()
endif()
unset(_sodium_from_pkg_config)
