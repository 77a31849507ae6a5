# SPDX-License-Identifier: Apache-2.0
# Builds and runs one consumer project; run by ctest as
#   cmake -D MODE=find_package|find_package_components|add_subdirectory|pkg_config
#         -D EDGEMPC_SOURCE_DIR=... -D EDGEMPC_BINARY_DIR=... -D WORK_DIR=...
#         [-D INSTALL=build_tree|library_only|tools_only] [-D EXPECT_TOOLS=0|1]
#         [-D CXX_COMPILER=...] [-D GENERATOR=...] [-D CONFIG=...] [-D PKG_CONFIG=...]
#         -P run_consumer.cmake
# Every mode but add_subdirectory installs edgempc to a fresh prefix, WORK_DIR/prefix, first;
# INSTALL says how that edgempc is made:
#   build_tree    (default) the build tree EDGEMPC_BINARY_DIR, so the main build must have run
#   library_only  the README's recipe as written: a fresh configure of the source with
#                 -DCMAKE_BUILD_TYPE=Release and everything else default, then `cmake --install`
#                 with nothing built: the library and its package files, no tools
#   tools_only    a fresh build with tests, examples and benchmarks off (the tools and what they
#                 link; no build type, as the quickest build), then installed
# and the install is checked: the package files always; the tools (edgempc-circuit,
# edgempc-gateway, edgempc-device) and their systemd units present if EXPECT_TOOLS is 1, absent
# if it is 0, not checked if it is empty (a build without some of the tools' dependencies).
# Then the consumer:
#   find_package             the core target, with SQLite and toml++ hidden from the consumer
#                            (the package must load without them)
#   find_package_components  COMPONENTS gateway config; then, expected to fail with the reason:
#                            the same with SQLite hidden, and with an unknown component
#   pkg_config               no CMake: `pkg-config --cflags --libs edgempc` with PKG_CONFIG_PATH
#                            at the prefix, tests/consumer/main.cpp compiled with those flags
#                            (and -std=c++20) and run; edgempc-gateway.pc, when installed, must
#                            bring SQLite's and libsodium's libraries

foreach(_var IN ITEMS MODE EDGEMPC_SOURCE_DIR EDGEMPC_BINARY_DIR WORK_DIR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: ${_var} is not set")
  endif()
endforeach()
if(NOT MODE MATCHES "^(find_package|find_package_components|add_subdirectory|pkg_config)$")
  message(FATAL_ERROR "run_consumer.cmake: unknown MODE '${MODE}'")
endif()
if(NOT INSTALL)
  set(INSTALL build_tree)
endif()
if(NOT INSTALL MATCHES "^(build_tree|library_only|tools_only)$")
  message(FATAL_ERROR "run_consumer.cmake: unknown INSTALL '${INSTALL}'")
endif()

function(run_step name)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "${name} failed (${result}):\n${command}\n${output}")
  endif()
  message(STATUS "${name}: ok")
  set(step_output "${output}" PARENT_SCOPE)
endfunction()

set(_source "${EDGEMPC_SOURCE_DIR}/tests/consumer/${MODE}")
set(_build "${WORK_DIR}/build")
set(_prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(_configure_args -S "${_source}" -B "${_build}")
if(GENERATOR)
  list(APPEND _configure_args -G "${GENERATOR}")
endif()
if(CXX_COMPILER)
  list(APPEND _configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
set(_config_args)
if(CONFIG)
  list(APPEND _configure_args "-DCMAKE_BUILD_TYPE=${CONFIG}")
  set(_config_args --config "${CONFIG}")
endif()

# The fresh configures of edgempc itself (INSTALL library_only and tools_only).
set(_edgempc_configure_args)
if(GENERATOR)
  list(APPEND _edgempc_configure_args -G "${GENERATOR}")
endif()
if(CXX_COMPILER)
  list(APPEND _edgempc_configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()

# Checks what an install put in the prefix.
function(check_installed)
  foreach(_file IN ITEMS include/edgempc/edgempc.hpp include/edgempc/version.hpp
                         share/pkgconfig/edgempc.pc)
    if(NOT EXISTS "${_prefix}/${_file}")
      message(FATAL_ERROR "the install has no ${_file}")
    endif()
  endforeach()
  file(GLOB_RECURSE _package_config "${_prefix}/*/edgempcConfig.cmake")
  if(NOT _package_config)
    message(FATAL_ERROR "the install has no edgempcConfig.cmake")
  endif()
  set(_installed
    bin/edgempc-circuit bin/edgempc-gateway bin/edgempc-device
    lib/systemd/system/edgempc-gateway@.service lib/systemd/system/edgempc-device@.service)
  foreach(_file IN LISTS _installed)
    if("${EXPECT_TOOLS}" STREQUAL "")
      break()  # not known: a build without some of the tools' dependencies
    elseif(EXPECT_TOOLS AND NOT EXISTS "${_prefix}/${_file}")
      message(FATAL_ERROR "the install has no ${_file}")
    elseif(NOT EXPECT_TOOLS AND EXISTS "${_prefix}/${_file}")
      message(FATAL_ERROR "the install has ${_file}, which was not expected")
    endif()
  endforeach()
  if(EXPECT_TOOLS)
    # The installed programs run, and the installed units start them from this prefix.
    foreach(_tool IN ITEMS edgempc-gateway edgempc-device)
      run_step("${_tool} --version from the prefix" "${_prefix}/bin/${_tool}" --version)
      file(STRINGS "${_prefix}/lib/systemd/system/${_tool}@.service" _exec REGEX "^ExecStart=")
      if(NOT _exec MATCHES "^ExecStart=${_prefix}/bin/${_tool} ")
        message(FATAL_ERROR "${_tool}@.service does not start ${_prefix}/bin/${_tool}: ${_exec}")
      endif()
    endforeach()
  endif()
  message(STATUS "installed files: as expected (tools: '${EXPECT_TOOLS}')")
endfunction()

if(NOT MODE STREQUAL "add_subdirectory")
  if(INSTALL STREQUAL "build_tree")
    run_step("install edgempc to ${_prefix}"
      "${CMAKE_COMMAND}" --install "${EDGEMPC_BINARY_DIR}" --prefix "${_prefix}" ${_config_args})
  elseif(INSTALL STREQUAL "library_only")
    run_step("configure edgempc (the README's recipe)"
      "${CMAKE_COMMAND}" -S "${EDGEMPC_SOURCE_DIR}" -B "${WORK_DIR}/edgempc-build"
        ${_edgempc_configure_args} -DCMAKE_BUILD_TYPE=Release)
    run_step("install edgempc to ${_prefix}, nothing built"
      "${CMAKE_COMMAND}" --install "${WORK_DIR}/edgempc-build" --prefix "${_prefix}" --config Release)
    if(NOT step_output MATCHES "the tools were not built, so they are not installed")
      message(FATAL_ERROR "the install did not say that it left the tools out:\n${step_output}")
    endif()
  else()
    run_step("configure edgempc, tools only"
      "${CMAKE_COMMAND}" -S "${EDGEMPC_SOURCE_DIR}" -B "${WORK_DIR}/edgempc-build"
        ${_edgempc_configure_args} -DEDGEMPC_BUILD_TESTS=OFF -DEDGEMPC_BUILD_EXAMPLES=OFF
        -DEDGEMPC_BUILD_BENCHMARKS=OFF -DEDGEMPC_BUILD_TOOLS=ON)
    run_step("build edgempc, tools only"
      "${CMAKE_COMMAND}" --build "${WORK_DIR}/edgempc-build" --config Debug)
    run_step("install edgempc to ${_prefix}"
      "${CMAKE_COMMAND}" --install "${WORK_DIR}/edgempc-build" --prefix "${_prefix}" --config Debug)
  endif()
  check_installed()
  list(APPEND _configure_args
    "-DCMAKE_PREFIX_PATH=${_prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
else()
  list(APPEND _configure_args "-DEDGEMPC_SOURCE_DIR=${EDGEMPC_SOURCE_DIR}")
endif()
# The same configure, expected to fail with a message matching `expected`.
function(expect_configure_failure name build expected)
  string(REPLACE "${_build}" "${build}" args "${_configure_args}")
  execute_process(COMMAND "${CMAKE_COMMAND}" ${args} ${ARGN}
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  if(result EQUAL 0)
    message(FATAL_ERROR "${name}: the configure succeeded, expected a failure:\n${output}")
  endif()
  if(NOT output MATCHES "${expected}")
    message(FATAL_ERROR "${name}: the configure failed without the reason (${expected}):\n${output}")
  endif()
  message(STATUS "${name}: failed as expected")
endfunction()

if(MODE STREQUAL "find_package")
  list(APPEND _configure_args
    -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_tomlplusplus=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON
    -DEXPECT_NO_OPTIONAL_COMPONENTS=ON)
elseif(MODE STREQUAL "find_package_components")
  expect_configure_failure("COMPONENTS gateway without SQLite" "${WORK_DIR}/build-no-sqlite"
    "gateway: [^\n]*SQLite 3 \\(Debian: libsqlite3-dev\\)" -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON)
  expect_configure_failure("an unknown component" "${WORK_DIR}/build-unknown"
    "no_such_component: no such component" -DEXTRA_COMPONENT=no_such_component)
endif()

if(MODE STREQUAL "pkg_config")
  if(NOT PKG_CONFIG OR NOT CXX_COMPILER)
    message(FATAL_ERROR "run_consumer.cmake: MODE pkg_config needs PKG_CONFIG and CXX_COMPILER")
  endif()
  # The prefix's files first; libsodium's (and SQLite's) from the system's default path.
  set(ENV{PKG_CONFIG_PATH} "${_prefix}/share/pkgconfig")
  run_step("pkg-config --cflags --libs edgempc" "${PKG_CONFIG}" --cflags --libs edgempc)
  string(STRIP "${step_output}" _flags)
  message(STATUS "  ${_flags}")
  separate_arguments(_flags UNIX_COMMAND "${_flags}")
  # The include directory must be the prefix's (not an edgempc installed elsewhere) and hold the
  # headers, and libsodium must come through Requires.
  set(_include_ok FALSE)
  get_filename_component(_prefix_include "${_prefix}/include" REALPATH)
  foreach(_flag IN LISTS _flags)
    if(_flag MATCHES "^-I(.*)$")
      get_filename_component(_dir "${CMAKE_MATCH_1}" REALPATH)
      if(_dir STREQUAL _prefix_include AND EXISTS "${_dir}/edgempc/edgempc.hpp")
        set(_include_ok TRUE)
      endif()
    endif()
  endforeach()
  list(FIND _flags "-lsodium" _sodium_index)  # (not IN_LIST: any policy level)
  if(NOT _include_ok OR _sodium_index EQUAL -1)
    message(FATAL_ERROR "pkg-config gave no -I${_prefix}/include or no -lsodium: ${_flags}")
  endif()
  if(EXISTS "${_prefix}/share/pkgconfig/edgempc-gateway.pc")
    run_step("pkg-config --libs edgempc-gateway" "${PKG_CONFIG}" --libs edgempc-gateway)
    if(NOT step_output MATCHES "-lsqlite3" OR NOT step_output MATCHES "-lsodium")
      message(FATAL_ERROR "edgempc-gateway.pc brings no -lsqlite3 or no -lsodium: ${step_output}")
    endif()
  endif()
  set(_exe "${WORK_DIR}/edgempc_consumer")
  run_step("compile with pkg-config's flags"
    "${CXX_COMPILER}" -std=c++20 "${EDGEMPC_SOURCE_DIR}/tests/consumer/main.cpp" -o "${_exe}" ${_flags})
  run_step("run consumer" "${_exe}")
  message(STATUS "${step_output}")
  return()
endif()

run_step("configure consumer" "${CMAKE_COMMAND}" ${_configure_args})
if(MODE MATCHES "^find_package" AND NOT step_output MATCHES "edgempc_DIR: ${_prefix}/")
  message(FATAL_ERROR "the consumer did not use the package installed in ${_prefix}:\n${step_output}")
endif()
run_step("build consumer" "${CMAKE_COMMAND}" --build "${_build}" ${_config_args})

set(_exe "${_build}/edgempc_consumer")
if(CONFIG AND EXISTS "${_build}/${CONFIG}/edgempc_consumer")
  set(_exe "${_build}/${CONFIG}/edgempc_consumer")
endif()
run_step("run consumer" "${_exe}")
message(STATUS "${step_output}")
