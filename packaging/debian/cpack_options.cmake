# SPDX-License-Identifier: Apache-2.0
# Read by cpack for each package it makes (CPACK_PROJECT_CONFIG_FILE, cmake/edgempcCPack.cmake).
# Each Debian package's summary is the first line of its component's description: without this,
# CPack puts the project's one summary (set by include(CPack)) in front of both descriptions.
if(CPACK_GENERATOR STREQUAL "DEB")
  unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
endif()
