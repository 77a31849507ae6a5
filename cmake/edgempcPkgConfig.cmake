# SPDX-License-Identifier: Apache-2.0
# pkg-config files for builds without CMake, included by CMakeLists.txt after its install rules
# (it reads _edgempc_components): edgempc.pc, the core (Requires: libsodium), and one per
# installed component: edgempc-gateway.pc (sqlite3), edgempc-config.pc (tomlplusplus),
# edgempc-mqtt-tls.pc (openssl). In share/pkgconfig, as the library is architecture-independent.
# Their prefix is relative to the file (${pcfiledir}), so that `cmake --install --prefix` to
# another place than the configured prefix, or a DESTDIR staging, still gives working files; an
# absolute CMAKE_INSTALL_INCLUDEDIR is kept as it is.
set(EDGEMPC_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATAROOTDIR}/pkgconfig"
  CACHE STRING "Where the pkg-config files go, relative to the install prefix")
file(RELATIVE_PATH _edgempc_pc_up "/prefix/${EDGEMPC_INSTALL_PKGCONFIGDIR}" "/prefix")
string(REGEX REPLACE "/$" "" _edgempc_pc_up "${_edgempc_pc_up}")
set(_edgempc_pc_prefix "\${pcfiledir}/${_edgempc_pc_up}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(_edgempc_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(_edgempc_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(_edgempc_pc_files edgempc)
set(_edgempc_pc_requires_edgempc "libsodium")
set(_edgempc_pc_description_edgempc "${PROJECT_DESCRIPTION}")
if(gateway IN_LIST _edgempc_components)
  list(APPEND _edgempc_pc_files edgempc-gateway)
  set(_edgempc_pc_requires_edgempc-gateway "edgempc = ${PROJECT_VERSION}, sqlite3")
  set(_edgempc_pc_description_edgempc-gateway "edgempc's gateway and its SQLite share store")
endif()
if(config IN_LIST _edgempc_components)
  list(APPEND _edgempc_pc_files edgempc-config)
  set(_edgempc_pc_requires_edgempc-config "edgempc = ${PROJECT_VERSION}, tomlplusplus")
  set(_edgempc_pc_description_edgempc-config "edgempc's group configurations from TOML files")
endif()
if(mqtt_tls IN_LIST _edgempc_components)
  list(APPEND _edgempc_pc_files edgempc-mqtt-tls)
  set(_edgempc_pc_requires_edgempc-mqtt-tls "edgempc = ${PROJECT_VERSION}, openssl")
  set(_edgempc_pc_description_edgempc-mqtt-tls "edgempc's TLS to an MQTT broker, over OpenSSL")
endif()
foreach(_edgempc_pc_name IN LISTS _edgempc_pc_files)
  set(_edgempc_pc_requires "${_edgempc_pc_requires_${_edgempc_pc_name}}")
  set(_edgempc_pc_description "${_edgempc_pc_description_${_edgempc_pc_name}}")
  configure_file("${CMAKE_CURRENT_LIST_DIR}/edgempc.pc.in"
    "${PROJECT_BINARY_DIR}/pkgconfig/${_edgempc_pc_name}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/pkgconfig/${_edgempc_pc_name}.pc"
    DESTINATION "${EDGEMPC_INSTALL_PKGCONFIGDIR}" COMPONENT dev)
endforeach()
