# SPDX-License-Identifier: Apache-2.0
# Included at the end of tools/CMakeLists.txt: a man page per tool that was defined, made at build
# time from its --help by help2man (Debian package help2man; make_man_page.cmake) and installed in
# share/man/man1 with it (COMPONENT gateway, the edgempc-gateway Debian package). No help2man, or
# a cross build (the tools cannot run here), and there are no pages.
find_program(EDGEMPC_HELP2MAN help2man)
if(NOT EDGEMPC_HELP2MAN OR CMAKE_CROSSCOMPILING)
  message(STATUS "edgempc: no man pages (they need help2man, Debian package help2man, and a native build)")
  return()
endif()

find_program(EDGEMPC_GROFF groff)  # (Debian package groff-base) for the tests

set(_edgempc_man_name_edgempc-circuit "garble and evaluate a Bristol Fashion circuit between two parties")
set(_edgempc_man_name_edgempc-gateway "run one gateway of an edgempc group, or set a group up")
set(_edgempc_man_name_edgempc-device "run one device of an edgempc group")
set(_edgempc_man_tools)
foreach(_tool IN ITEMS edgempc-circuit edgempc-gateway edgempc-device)
  if(TARGET ${_tool})
    list(APPEND _edgempc_man_tools ${_tool})
  endif()
endforeach()

set(_edgempc_man_pages)
foreach(_tool IN LISTS _edgempc_man_tools)
  set(_see_also ${_edgempc_man_tools})
  list(REMOVE_ITEM _see_also ${_tool})
  list(TRANSFORM _see_also APPEND "(1)")
  if(_tool MATCHES "gateway|device")
    list(APPEND _see_also "systemd.exec(5)")
  endif()
  set(_page "${CMAKE_CURRENT_BINARY_DIR}/man/${_tool}.1")
  add_custom_command(OUTPUT "${_page}"
    COMMAND "${CMAKE_COMMAND}" -D "HELP2MAN=${EDGEMPC_HELP2MAN}" -D "PROGRAM=$<TARGET_FILE:${_tool}>"
      -D "NAME=${_edgempc_man_name_${_tool}}" -D "SEE_ALSO=${_see_also}" -D "OUTPUT=${_page}"
      -P "${CMAKE_CURRENT_LIST_DIR}/make_man_page.cmake"
    DEPENDS ${_tool} "${CMAKE_CURRENT_LIST_DIR}/make_man_page.cmake"
    COMMENT "Making the man page ${_tool}.1"
    VERBATIM)
  list(APPEND _edgempc_man_pages "${_page}")
  # OPTIONAL, as the tools are: an install with nothing built leaves them out.
  install(FILES "${_page}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT gateway OPTIONAL)

  if(EDGEMPC_BUILD_TESTS AND EDGEMPC_GROFF)
    # The page renders without a single groff warning, and has its NAME, SYNOPSIS and OPTIONS.
    add_test(NAME man_page_${_tool}
      COMMAND bash -c [[out=$("$1" -ww -z -man -Tutf8 "$0" 2>&1) || { echo "$out"; exit 1; }
        [ -z "$out" ] || { echo "groff warned: $out"; exit 1; }
        for s in NAME SYNOPSIS OPTIONS; do grep -q "^\.SH $s" "$0" || { echo "no $s section"; exit 1; }; done
        echo "$0: renders"]] "${_page}" "${EDGEMPC_GROFF}")
    set_tests_properties(man_page_${_tool} PROPERTIES LABELS tool PASS_REGULAR_EXPRESSION "renders")
  endif()
endforeach()
add_custom_target(edgempc_man_pages ALL DEPENDS ${_edgempc_man_pages})
