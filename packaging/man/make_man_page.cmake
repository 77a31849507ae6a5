# SPDX-License-Identifier: Apache-2.0
# Makes the man page of one tool from its --help, at build time (packaging/man/man_pages.cmake):
#   cmake -D HELP2MAN=... -D PROGRAM=... -D NAME="one-line description" -D SEE_ALSO="a;b"
#         -D OUTPUT=.../tool.1 -P make_man_page.cmake
# help2man turns `PROGRAM --help` and `--version` into the page; the subcommands CLI11 lists under
# "Subcommands:" get a SUBCOMMANDS section with each one's usage and options (`PROGRAM SUB --help`,
# its common footer left out), and SEE ALSO names the other tools and the systemd units.
foreach(_var IN ITEMS HELP2MAN PROGRAM NAME OUTPUT)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "make_man_page.cmake: ${_var} is not set")
  endif()
endforeach()

# roff-safe text: backslashes as \e, and a line starting with . or ' is not a request.
function(_roff_escape text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

execute_process(COMMAND "${PROGRAM}" --help
  OUTPUT_VARIABLE _help RESULT_VARIABLE _result ERROR_QUIET)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --help failed (${_result})")
endif()

set(_include "")
string(REGEX MATCH "\nSubcommands:\n(  [^\n]*\n)+" _block "${_help}")
if(_block)
  string(APPEND _include "[SUBCOMMANDS]\n")
  string(REGEX MATCHALL "\n  [a-z][a-z0-9-]*" _subs "${_block}")
  foreach(_sub IN LISTS _subs)
    string(STRIP "${_sub}" _sub)
    execute_process(COMMAND "${PROGRAM}" ${_sub} --help
      OUTPUT_VARIABLE _sub_help RESULT_VARIABLE _result ERROR_QUIET)
    if(NOT _result EQUAL 0)
      message(FATAL_ERROR "${PROGRAM} ${_sub} --help failed (${_result})")
    endif()
    # The description, usage and options: up to the second blank line (then the common footer).
    string(REGEX MATCH "^[^\n]*\n[^\n]*\n\n[^\n]*\n([^\n]+\n)*" _sub_help "${_sub_help}")
    string(REGEX REPLACE "\n+$" "" _sub_help "${_sub_help}")
    _roff_escape("${_sub_help}" _sub_help)
    string(APPEND _include ".SS ${_sub}\n.nf\n${_sub_help}\n.fi\n")
  endforeach()
endif()
if(SEE_ALSO)
  string(APPEND _include "[SEE ALSO]\n")
  set(_refs "")
  foreach(_ref IN LISTS SEE_ALSO)
    if(_ref MATCHES "^(.*)\\(([0-9a-z]+)\\)$")
      list(APPEND _refs ".BR ${CMAKE_MATCH_1} (${CMAKE_MATCH_2})")
    endif()
  endforeach()
  list(JOIN _refs ",\n" _refs)
  string(APPEND _include "${_refs}\n.PP\nREADME.md of the edgempc sources: running a gateway group, the configuration, the\nsystemd services.\n")
endif()

get_filename_component(_dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${_dir}")
set(_include_file "${OUTPUT}.h2m")
file(WRITE "${_include_file}" "${_include}")
execute_process(COMMAND "${HELP2MAN}" --no-info --section 1 --name "${NAME}"
    --include "${_include_file}" --output "${OUTPUT}.tmp" "${PROGRAM}"
  RESULT_VARIABLE _result ERROR_VARIABLE _error)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "help2man failed for ${PROGRAM} (${_result}): ${_error}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
