# SPDX-License-Identifier: Apache-2.0
# Included by tools/CMakeLists.txt where edgempc-gateway and edgempc-device are defined.
# Their systemd units (this directory), each installed with its program when it was built. Written
# at install time, so that ExecStart names the program where this install puts it, also under
# `cmake --install --prefix DIR` (file(INSTALL) adds DESTDIR). lib/systemd/system under the
# prefix is where systemd looks for /usr and /usr/local.
set(EDGEMPC_INSTALL_SYSTEMDUNITDIR "lib/systemd/system"
  CACHE STRING "Where the systemd units go (relative to the install prefix, or absolute)")
foreach(_tool IN ITEMS gateway device)
  set(_unit "edgempc-${_tool}@.service")
  set(_program "$<TARGET_FILE:edgempc-${_tool}>")
  string(CONFIGURE [[
    if(EXISTS "@_program@")
      set(EDGEMPC_BINDIR "@CMAKE_INSTALL_BINDIR@")
      cmake_path(ABSOLUTE_PATH EDGEMPC_BINDIR BASE_DIRECTORY "${CMAKE_INSTALL_PREFIX}")
      configure_file("@PROJECT_SOURCE_DIR@/packaging/systemd/@_unit@.in"
                     "@CMAKE_CURRENT_BINARY_DIR@/systemd/@_unit@" @ONLY)
      set(_edgempc_unitdir "@EDGEMPC_INSTALL_SYSTEMDUNITDIR@")
      cmake_path(ABSOLUTE_PATH _edgempc_unitdir BASE_DIRECTORY "${CMAKE_INSTALL_PREFIX}")
      file(INSTALL DESTINATION "${_edgempc_unitdir}" TYPE FILE
           FILES "@CMAKE_CURRENT_BINARY_DIR@/systemd/@_unit@")
    endif()]] _code @ONLY)
  install(CODE "${_code}" COMPONENT gateway)
endforeach()

if(EDGEMPC_BUILD_TESTS)
  add_test(NAME tool_systemd_units
    COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/verify_units.sh" "${CMAKE_COMMAND}" "${PROJECT_BINARY_DIR}"
      "${CMAKE_CURRENT_BINARY_DIR}/systemd-units" $<CONFIG>)
  set_tests_properties(tool_systemd_units PROPERTIES LABELS tool SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
