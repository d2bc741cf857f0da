# Configure-time check that a target's link closure stays inside its room.
#
#   tern_forbid_dependencies(TARGET <target>
#                            FORBIDDEN <regex>...
#                            [OPAQUE <regex>...]
#                            [REASON <text>])
#
# Walks everything <target> links, recursively: LINK_LIBRARIES (what the target itself links,
# including PRIVATE), INTERFACE_LINK_LIBRARIES (what it passes on), the same properties of every
# target reached, the IMPORTED_LINK_INTERFACE_LIBRARIES of imported targets, and link options
# (-pthread is a dependency too). Every item, target or plain name ("ssl", "-lpthread"), is
# matched against each FORBIDDEN regex; the first match stops configuration with a FATAL_ERROR
# that names the whole chain, e.g. "tern_crdt -> tern_transport -> OpenSSL::SSL".
#
# An item matching an OPAQUE regex is still matched against FORBIDDEN itself, but the walk does
# not descend into it. Use it for third-party targets whose own closure is not ours to judge
# (see the protobuf note in the top-level CMakeLists.txt).
#
# The walk is deferred to the end of the top-level directory, so it sees every
# target_link_libraries() call, including ones made after this function or in subdirectories.
#
# Generator expressions: $<LINK_ONLY:x> (how static libraries record PRIVATE dependencies) is
# unwrapped; any other expression is matched as raw text and every target named inside it is
# walked, so a dependency hidden behind $<$<CONFIG:Debug>:...> is still found.

function(tern_forbid_dependencies)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TARGET;REASON" "FORBIDDEN;OPAQUE")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tern_forbid_dependencies: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_TARGET OR NOT arg_FORBIDDEN)
    message(FATAL_ERROR "tern_forbid_dependencies: TARGET and FORBIDDEN are required")
  endif()
  if(NOT TARGET "${arg_TARGET}")
    message(FATAL_ERROR "tern_forbid_dependencies: '${arg_TARGET}' is not a target")
  endif()
  # DEFER evaluates variable references when the call runs, not now, so the values are baked
  # into the deferred call as bracket arguments (which also keep each list one argument).
  foreach(value IN ITEMS "${arg_TARGET}" "${arg_FORBIDDEN}" "${arg_OPAQUE}" "${arg_REASON}")
    if(value MATCHES "]=====]")
      message(FATAL_ERROR "tern_forbid_dependencies: argument contains ]=====]: ${value}")
    endif()
  endforeach()
  cmake_language(EVAL CODE "
    cmake_language(DEFER DIRECTORY [=====[${CMAKE_SOURCE_DIR}]=====]
      CALL _tern_check_link_closure [=====[${arg_TARGET}]=====] [=====[${arg_FORBIDDEN}]=====]
                                    [=====[${arg_OPAQUE}]=====] [=====[${arg_REASON}]=====])")
endfunction()

function(_tern_check_link_closure root forbidden opaque reason)
  set(_tern_visited "")
  _tern_walk_link_item("${root}" "${root}" "${forbidden}" "${opaque}" found_chain found_regex)
  if(found_chain)
    if(reason)
      set(reason "\n${reason}")
    endif()
    message(FATAL_ERROR
      "Forbidden dependency in the link closure of ${root}: '${found_regex}' matched\n"
      "  ${found_chain}${reason}")
  endif()
  message(STATUS "Link closure of ${root}: no forbidden dependency")
endfunction()

# Sets out_chain to "a -> b -> c" and out_regex to the matching regex when item `item` (reached
# along `chain`) or anything it links matches a forbidden regex; leaves them empty otherwise.
# _tern_visited lives in the caller chain's scope so shared dependencies are walked once.
function(_tern_walk_link_item item chain forbidden opaque out_chain out_regex)
  set(${out_chain} "" PARENT_SCOPE)
  set(${out_regex} "" PARENT_SCOPE)

  foreach(regex IN LISTS forbidden)
    if(item MATCHES "${regex}")
      set(${out_chain} "${chain}" PARENT_SCOPE)
      set(${out_regex} "${regex}" PARENT_SCOPE)
      return()
    endif()
  endforeach()

  # Collect the targets this item names: itself, or those inside a generator expression.
  if(item MATCHES "\\$<")
    string(REGEX MATCHALL "[A-Za-z0-9_.+-]+(::[A-Za-z0-9_.+-]+)*" names "${item}")
  else()
    set(names "${item}")
  endif()

  foreach(name IN LISTS names)
    if(NOT TARGET "${name}")
      continue()  # a plain library name or flag: already matched above
    endif()
    get_target_property(aliased "${name}" ALIASED_TARGET)
    if(aliased)
      set(name "${aliased}")
    endif()
    set(is_opaque FALSE)
    foreach(regex IN LISTS opaque)
      if(name MATCHES "${regex}")
        set(is_opaque TRUE)
      endif()
    endforeach()
    if(is_opaque OR name IN_LIST _tern_visited)
      continue()
    endif()
    list(APPEND _tern_visited "${name}")
    set(_tern_visited "${_tern_visited}" PARENT_SCOPE)

    set(children "")
    foreach(property IN ITEMS LINK_LIBRARIES INTERFACE_LINK_LIBRARIES
                              INTERFACE_LINK_LIBRARIES_DIRECT IMPORTED_LINK_INTERFACE_LIBRARIES
                              LINK_OPTIONS INTERFACE_LINK_OPTIONS)
      get_target_property(values "${name}" ${property})
      if(values)
        list(APPEND children ${values})
      endif()
    endforeach()

    foreach(child IN LISTS children)
      # ::@(directory-id) and ::@ bracket entries added from another directory; not libraries.
      if(child MATCHES "^::@")
        continue()
      endif()
      if(child MATCHES "^\\$<LINK_ONLY:([^$<>]+)>$")
        set(child "${CMAKE_MATCH_1}")
      endif()
      _tern_walk_link_item("${child}" "${chain} -> ${child}" "${forbidden}" "${opaque}"
                           child_chain child_regex)
      set(_tern_visited "${_tern_visited}" PARENT_SCOPE)
      if(child_chain)
        set(${out_chain} "${child_chain}" PARENT_SCOPE)
        set(${out_regex} "${child_regex}" PARENT_SCOPE)
        return()
      endif()
    endforeach()
  endforeach()
endfunction()
