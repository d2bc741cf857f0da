# Compiler options as INTERFACE targets, so each target says what it takes and the global
# CMAKE_CXX_FLAGS stay untouched (see "How tern is written" in STYLE.md).
#
#   tern_warnings       -Wall -Wextra -Wpedantic, plus -Werror while TERN_WERROR is ON.
#                       Linked PRIVATE by tern's own targets; never by generated code.
#   tern_sanitizers     ASan + UBSan while TERN_SANITIZE is ON, compile and link; empty otherwise.
#   tern_fuzz_coverage  libFuzzer coverage + ASan + UBSan while TERN_FUZZ is ON, for the
#                       libraries a fuzz target exercises; empty otherwise.

add_library(tern_warnings INTERFACE)
target_compile_options(tern_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(TERN_WERROR)
  target_compile_options(tern_warnings INTERFACE -Werror)
endif()

add_library(tern_sanitizers INTERFACE)
if(TERN_SANITIZE)
  set(_tern_sanitize_flags
      -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(tern_sanitizers INTERFACE ${_tern_sanitize_flags})
  target_link_options(tern_sanitizers INTERFACE ${_tern_sanitize_flags})
endif()

add_library(tern_fuzz_coverage INTERFACE)
if(TERN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR
      "TERN_FUZZ=ON needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++-14 "
      "(found ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER})")
  endif()
  # fuzzer-no-link instruments for coverage without pulling in libFuzzer's main(). The link
  # option carries the sanitizer runtimes to everything that links an instrumented library
  # (tests, the fuzz target itself), so every executable in a fuzz build links.
  set(_tern_fuzz_flags
      -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  target_compile_options(tern_fuzz_coverage INTERFACE ${_tern_fuzz_flags})
  target_link_options(tern_fuzz_coverage INTERFACE ${_tern_fuzz_flags})
endif()

# Builds a libFuzzer executable from one source: tern_add_fuzz_target(<name> <source> <libs>...).
function(tern_add_fuzz_target name source)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARGN} tern_warnings)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined
                                         -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
endfunction()
