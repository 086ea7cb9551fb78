# cmake/sanitize.cmake: sanitizer and fuzzing builds, for every target (runtime, generated
# models, tests). Included from the top-level CMakeLists.txt before any target exists.
#   -DRESNETC_SANITIZE=address,undefined   -fsanitize=... -fno-omit-frame-pointer; any
#                                           report aborts (-fno-sanitize-recover=all)
#   -DRESNETC_FUZZ=ON                       clang only: coverage instrumentation for
#                                           libFuzzer (+ address,undefined unless
#                                           RESNETC_SANITIZE says otherwise); tests/fuzz
#                                           then builds the fuzz_<target> executables
# See tests/fuzz/run.sh, tools/test-sanitize.sh and docs/reliability.md.
set(RESNETC_SANITIZE "" CACHE STRING
    "Comma-separated sanitizers for every target, e.g. address,undefined (empty: none)")
option(RESNETC_FUZZ "Build the libFuzzer harnesses of tests/fuzz (clang only)" OFF)

if(RESNETC_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "RESNETC_FUZZ=ON needs clang (libFuzzer): configure with CC=clang")
  endif()
  if(NOT RESNETC_SANITIZE)
    set(RESNETC_SANITIZE "address,undefined" CACHE STRING "" FORCE)
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(RESNETC_SANITIZE)
  # -g1 (line tables) is enough for the file:line of every report frame and compiles the
  # unrolled generated models about 2.5x faster than full -g
  add_compile_options(-fsanitize=${RESNETC_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all -g1)
  add_link_options(-fsanitize=${RESNETC_SANITIZE})
endif()
