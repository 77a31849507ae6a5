# SPDX-License-Identifier: Apache-2.0
#[=======================================================================[.rst:
Findsodium
----------

Finds libsodium, which ships no CMake package of its own.

Imported target ``sodium::sodium``. Result variables ``sodium_FOUND``,
``sodium_VERSION``, ``sodium_INCLUDE_DIRS``, ``sodium_LIBRARIES``.
Cache variables ``sodium_INCLUDE_DIR`` and ``sodium_LIBRARY`` may be set to
override the search; ``sodium_ROOT`` is honoured as a hint.
#]=======================================================================]

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_SODIUM QUIET libsodium)
endif()

find_path(sodium_INCLUDE_DIR
  NAMES sodium.h
  HINTS ${PC_SODIUM_INCLUDEDIR} ${PC_SODIUM_INCLUDE_DIRS})
find_library(sodium_LIBRARY
  NAMES sodium libsodium
  HINTS ${PC_SODIUM_LIBDIR} ${PC_SODIUM_LIBRARY_DIRS})
mark_as_advanced(sodium_INCLUDE_DIR sodium_LIBRARY)

if(sodium_INCLUDE_DIR AND EXISTS "${sodium_INCLUDE_DIR}/sodium/version.h")
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
    add_library(sodium::sodium UNKNOWN IMPORTED)
    set_target_properties(sodium::sodium PROPERTIES
      IMPORTED_LOCATION "${sodium_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${sodium_INCLUDE_DIR}")
  endif()
endif()
