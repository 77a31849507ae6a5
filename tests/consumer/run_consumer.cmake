# SPDX-License-Identifier: Apache-2.0
# Builds and runs one consumer project; run by ctest as
#   cmake -D MODE=find_package|find_package_components|add_subdirectory -D EDGEMPC_SOURCE_DIR=...
#         -D EDGEMPC_BINARY_DIR=... -D WORK_DIR=... [-D CXX_COMPILER=...] [-D GENERATOR=...]
#         [-D CONFIG=...] -P run_consumer.cmake
# The find_package modes install the edgempc build tree to WORK_DIR/prefix first, so the main
# build must have run.
#   find_package             the core target, with SQLite and toml++ hidden from the consumer
#                            (the package must load without them)
#   find_package_components  COMPONENTS gateway config; then, expected to fail with the reason:
#                            the same with SQLite hidden, and with an unknown component

foreach(_var IN ITEMS MODE EDGEMPC_SOURCE_DIR EDGEMPC_BINARY_DIR WORK_DIR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: ${_var} is not set")
  endif()
endforeach()
if(NOT MODE MATCHES "^(find_package|find_package_components|add_subdirectory)$")
  message(FATAL_ERROR "run_consumer.cmake: unknown MODE '${MODE}'")
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

if(MODE MATCHES "^find_package")
  run_step("install edgempc to ${_prefix}"
    "${CMAKE_COMMAND}" --install "${EDGEMPC_BINARY_DIR}" --prefix "${_prefix}" ${_config_args})
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
    -DEXPECT_NO_OPTIONAL_COMPONENTS=ON)
elseif(MODE STREQUAL "find_package_components")
  expect_configure_failure("COMPONENTS gateway without SQLite" "${WORK_DIR}/build-no-sqlite"
    "gateway: [^\n]*SQLite 3 \\(Debian: libsqlite3-dev\\)" -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON)
  expect_configure_failure("an unknown component" "${WORK_DIR}/build-unknown"
    "no_such_component: no such component" -DEXTRA_COMPONENT=no_such_component)
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
