# resnetc_add_model(<name> SPEC <file.lua> [ISA generic|avx2|avx512] [OUTPUT_DIR <dir>]
#                   [MODE full|infer] [CONV auto|direct|f2|f4] [TUNING <file>]
#                   [GENERIC_CFLAGS <flag>...] [ENTRIES layers|all] [MICRO_BATCH_BYTES <n>]
#                   [EXCLUDE_FROM_ALL])
#
# Generates C for the spec at build time (re-run when the spec, the generator or a template
# changes) and builds, with MODE full (the default):
#   <name>_model   a static library with the generated model (rn_model <name>_model)
#   <name>         the model executable (summary, init, infer, grad, train, eval, bench, export)
# and with MODE infer:
#   <name>_infer   a static library with the inference-only model (<name>_infer.h): no
#                  dependency on the runtime; OpenMP threads when OpenMP::OpenMP_C exists
# The generated sources go to OUTPUT_DIR (default: <build>/generated/<name>).
# CONV (gen/winograd.lua): the algorithm of 3x3 stride-1 convolutions, RESNETC_CONV by default
# (auto: the generator's cost model picks direct or Winograd per layer; direct; f2 or f4:
# Winograd F(2x2, 3x3) or F(4x4, 3x3) wherever it fits).
# TUNING (gen/tuning.lua, written by tools/tune.sh or the tune_<model> target): with CONV auto,
# each 3x3 stride-1 layer and direction takes the algorithm measured fastest on this machine
# where the file has its signature, the cost model elsewhere; the sources are regenerated when
# the file changes. Default: RESNETC_TUNING_DIR/<name>.tune where that file exists at configure
# time (empty RESNETC_TUNING_DIR, the default: no tuning file, the model's choices).
# ENTRIES all: the conv entry points of every algorithm that fits each layer (the tuning
# program, bench/CMakeLists.txt); EXCLUDE_FROM_ALL: the targets are built only on request.
# MICRO_BATCH_BYTES (gen/microbatch.lua): the cache that the eval-mode forward's micro-batches
# may fill, 0 for none; RESNETC_MICRO_BATCH_BYTES by default (empty: the generator's default).
# ISA (gen/isa.lua): RESNETC_ISA by default, which is the best the build machine runs (avx512,
# avx2, else generic: probed once, at the first configure; generic in a cross build, e.g.
# cmake/toolchain-aarch64.cmake). The compile flags of avx2 and
# avx512 come from the generator (`resnetc.lua isa NAME`). The generic ISA is portable source; the compiler flags choose the SIMD it becomes:
# RESNETC_GENERIC_CFLAGS (default: the build machine's, -march=native -mtune=generic, with FMA
# contraction; in a cross build the target's baseline, e.g. NEON on aarch64, with contraction),
# or per model GENERIC_CFLAGS (e.g. an empty value: the compiler's baseline target, SSE2 on
# x86-64, for a binary that runs on any machine of the architecture).

# RESNETC_ROOT holds gen/, templates/ and specs/: the source tree (this file's cmake/..), or
# <prefix>/share/resnetc when included from an installed resnetcConfig.cmake, which sets
# RESNETC_PACKAGE_ROOT first.
if(DEFINED RESNETC_PACKAGE_ROOT)
  set(RESNETC_ROOT ${RESNETC_PACKAGE_ROOT} CACHE INTERNAL "resnetc root (gen, templates, specs)")
else()
  get_filename_component(_resnetc_root ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
  set(RESNETC_ROOT ${_resnetc_root} CACHE INTERNAL "resnetc root (gen, templates, specs)")
endif()
if(NOT EXISTS ${RESNETC_ROOT}/gen/resnetc.lua OR NOT IS_DIRECTORY ${RESNETC_ROOT}/templates)
  message(FATAL_ERROR "resnetc: no generator (gen/resnetc.lua, templates/) under ${RESNETC_ROOT}")
endif()
find_program(RESNETC_LUA NAMES luajit lua5.4 lua REQUIRED
             DOC "Lua interpreter that runs the generator (LuaJIT or Lua 5.4)")

set(RESNETC_ISAS generic avx2 avx512)

# _resnetc_isa(<isa> <cflags var> <features var>): an ISA's compile flags (a list) and the CPU
# features it needs (a list of GCC names), from gen/isa.lua through `resnetc.lua isa`.
function(_resnetc_isa isa cflags_var features_var)
  execute_process(COMMAND ${RESNETC_LUA} ${RESNETC_ROOT}/gen/resnetc.lua isa ${isa}
                  OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "resnetc: ISA '${isa}': ${_err}")
  endif()
  string(REGEX MATCH "cflags=([^\n]*)" _m "${_out}")
  separate_arguments(_flags UNIX_COMMAND "${CMAKE_MATCH_1}")
  string(REGEX MATCH "cpu_features=([^\n]*)" _m "${_out}")
  separate_arguments(_features UNIX_COMMAND "${CMAKE_MATCH_1}")
  set(${cflags_var} ${_flags} PARENT_SCOPE)
  set(${features_var} ${_features} PARENT_SCOPE)
endfunction()

if(NOT DEFINED RESNETC_ISA AND CMAKE_CROSSCOMPILING)
  # a cross build (e.g. cmake/toolchain-aarch64.cmake): the build machine's CPU says
  # nothing about the target's, and avx2/avx512 are x86 only: the portable ISA
  set(RESNETC_ISA generic CACHE STRING "ISA of generated kernels: generic, avx2 or avx512 (gen/isa.lua)")
elseif(NOT DEFINED RESNETC_ISA)
  # the best ISA this machine runs: a program built for it that asks the CPU
  include(CheckCSourceRuns)
  set(_isa generic)
  foreach(_probe avx2 avx512)
    _resnetc_isa(${_probe} _flags _features)
    string(REPLACE ";" " " CMAKE_REQUIRED_FLAGS "${_flags}")
    set(_test "")
    foreach(_f IN LISTS _features)
      string(APPEND _test " && __builtin_cpu_supports(\"${_f}\")")
    endforeach()
    check_c_source_runs("int main(void) { __builtin_cpu_init(); return !(1${_test}); }"
                        RESNETC_HOST_HAS_${_probe})
    unset(CMAKE_REQUIRED_FLAGS)
    if(RESNETC_HOST_HAS_${_probe})
      set(_isa ${_probe})
    endif()
  endforeach()
  set(RESNETC_ISA ${_isa} CACHE STRING "ISA of generated kernels: generic, avx2 or avx512 (gen/isa.lua)")
endif()
set_property(CACHE RESNETC_ISA PROPERTY STRINGS ${RESNETC_ISAS})
if(NOT RESNETC_ISA IN_LIST RESNETC_ISAS)
  message(FATAL_ERROR "resnetc: RESNETC_ISA: expected one of ${RESNETC_ISAS}, got '${RESNETC_ISA}'")
endif()
message(STATUS "resnetc: generated kernels for ISA ${RESNETC_ISA}")


if(NOT DEFINED RESNETC_GENERIC_CFLAGS)
  include(CheckCCompilerFlag)
  # -march=native: the build machine's SIMD, not in a cross build (there: the target's
  # baseline, e.g. NEON on aarch64)
  if(NOT CMAKE_CROSSCOMPILING)
    check_c_compiler_flag("-march=native -mtune=generic" RESNETC_CC_HAS_MARCH_NATIVE)
  endif()
  # -ffp-contract=fast: a * b + c becomes an FMA where the target has one. -mtune=generic:
  # GCC 12's own tuning for this machine (znver4) made generic resnet20 train 15% slower
  # than generic tuning did, with the same -march (docs/benchmarks.md).
  set(_generic_flags "-ffp-contract=fast")
  if(RESNETC_CC_HAS_MARCH_NATIVE)
    set(_generic_flags "-march=native -mtune=generic ${_generic_flags}")
  endif()
  set(RESNETC_GENERIC_CFLAGS "${_generic_flags}" CACHE STRING
      "Compiler flags of generic-ISA models (the SIMD target of the portable vector code); empty: the compiler's baseline")
endif()

set(RESNETC_CONV auto CACHE STRING "Algorithm of 3x3 stride-1 convolutions: auto, direct, f2 or f4 (gen/winograd.lua)")
set_property(CACHE RESNETC_CONV PROPERTY STRINGS auto direct f2 f4)
set(RESNETC_MICRO_BATCH_BYTES "" CACHE STRING
    "Cache that the eval-mode forward's micro-batches may fill, in bytes (gen/microbatch.lua); 0: none; empty: the generator's default")
set(RESNETC_TUNING_DIR "" CACHE PATH
    "Folder of tuning files (<model>.tune, tools/tune.sh) that resnetc_add_model uses by default")

function(resnetc_add_model name)
  cmake_parse_arguments(ARG "EXCLUDE_FROM_ALL" "SPEC;ISA;OUTPUT_DIR;MODE;CONV;TUNING;ENTRIES;MICRO_BATCH_BYTES" "GENERIC_CFLAGS" ${ARGN})
  if(NOT ARG_SPEC)
    message(FATAL_ERROR "resnetc_add_model(${name}): SPEC is required")
  endif()
  if(NOT ARG_ISA)
    set(ARG_ISA ${RESNETC_ISA})
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${CMAKE_BINARY_DIR}/generated/${name})
  endif()
  if(NOT ARG_MODE)
    set(ARG_MODE full)
  endif()
  if(NOT ARG_CONV)
    set(ARG_CONV ${RESNETC_CONV})
  endif()
  if(NOT ARG_CONV MATCHES "^(auto|direct|f2|f4)$")
    message(FATAL_ERROR "resnetc_add_model(${name}): CONV: expected auto, direct, f2 or f4, got '${ARG_CONV}'")
  endif()
  set(_tuning_args "")
  set(_tuning_note "")
  if(NOT ARG_TUNING AND RESNETC_TUNING_DIR AND EXISTS ${RESNETC_TUNING_DIR}/${name}.tune
     AND ARG_CONV STREQUAL "auto" AND NOT ARG_ENTRIES STREQUAL "all")
    set(ARG_TUNING ${RESNETC_TUNING_DIR}/${name}.tune)
  endif()
  if(ARG_TUNING)
    get_filename_component(ARG_TUNING ${ARG_TUNING} ABSOLUTE)
    if(NOT EXISTS ${ARG_TUNING})
      message(FATAL_ERROR "resnetc_add_model(${name}): TUNING: no file ${ARG_TUNING}")
    endif()
    if(NOT ARG_CONV STREQUAL "auto")
      message(FATAL_ERROR "resnetc_add_model(${name}): TUNING needs CONV auto, got CONV ${ARG_CONV}")
    endif()
    set(_tuning_args --tuning ${ARG_TUNING})
    set(_tuning_note ", tuned by ${ARG_TUNING}")
  endif()
  if(ARG_ENTRIES)
    if(NOT ARG_ENTRIES MATCHES "^(layers|all)$")
      message(FATAL_ERROR "resnetc_add_model(${name}): ENTRIES: expected layers or all, got '${ARG_ENTRIES}'")
    endif()
    list(APPEND _tuning_args --entries ${ARG_ENTRIES})
  endif()
  if(NOT DEFINED ARG_MICRO_BATCH_BYTES OR ARG_MICRO_BATCH_BYTES STREQUAL "")
    set(ARG_MICRO_BATCH_BYTES "${RESNETC_MICRO_BATCH_BYTES}")
  endif()
  if(NOT ARG_MICRO_BATCH_BYTES STREQUAL "")
    if(NOT ARG_MICRO_BATCH_BYTES MATCHES "^[0-9]+$")
      message(FATAL_ERROR "resnetc_add_model(${name}): MICRO_BATCH_BYTES: expected a whole number of bytes, got '${ARG_MICRO_BATCH_BYTES}'")
    endif()
    list(APPEND _tuning_args --micro-batch-bytes ${ARG_MICRO_BATCH_BYTES})
  endif()
  set(_exclude "")
  if(ARG_EXCLUDE_FROM_ALL)
    set(_exclude EXCLUDE_FROM_ALL)
  endif()
  if(NOT ARG_ISA STREQUAL "generic")
    _resnetc_isa(${ARG_ISA} _isa_flags _unused)
  elseif("GENERIC_CFLAGS" IN_LIST ARG_KEYWORDS_MISSING_VALUES)
    set(_isa_flags "")                          # given empty: the compiler's baseline
  elseif(DEFINED ARG_GENERIC_CFLAGS)
    set(_isa_flags ${ARG_GENERIC_CFLAGS})
  else()
    separate_arguments(_isa_flags UNIX_COMMAND "${RESNETC_GENERIC_CFLAGS}")
  endif()
  if(NOT ARG_MODE MATCHES "^(full|infer)$")
    message(FATAL_ERROR "resnetc_add_model(${name}): MODE: expected full or infer, got '${ARG_MODE}'")
  endif()
  file(GLOB _gen_deps CONFIGURE_DEPENDS ${RESNETC_ROOT}/gen/*.lua ${RESNETC_ROOT}/gen/*/*.lua
       ${RESNETC_ROOT}/templates/*)
  if(ARG_MODE STREQUAL "infer")
    set(_out ${ARG_OUTPUT_DIR}/${name}_infer.c ${ARG_OUTPUT_DIR}/${name}_infer.h)
    add_custom_command(
      OUTPUT ${_out}
      COMMAND ${RESNETC_LUA} ${RESNETC_ROOT}/gen/resnetc.lua generate ${ARG_SPEC}
              --name ${name} --isa ${ARG_ISA} --conv ${ARG_CONV} ${_tuning_args} --mode infer --out ${ARG_OUTPUT_DIR}
      DEPENDS ${ARG_SPEC} ${_gen_deps} ${ARG_TUNING}
      COMMENT "resnetc: generating ${name}_infer (${ARG_ISA}, conv ${ARG_CONV}${_tuning_note}, inference only) from ${ARG_SPEC}"
      VERBATIM)
    add_library(${name}_infer STATIC ${_exclude} ${ARG_OUTPUT_DIR}/${name}_infer.c)
    target_include_directories(${name}_infer PUBLIC ${ARG_OUTPUT_DIR})
    target_compile_options(${name}_infer PRIVATE -Wall -Wextra -Werror -Wno-psabi)
    find_library(RESNETC_LIBM m)
    if(RESNETC_LIBM)
      target_link_libraries(${name}_infer PUBLIC ${RESNETC_LIBM})
    endif()
    if(TARGET OpenMP::OpenMP_C)
      target_link_libraries(${name}_infer PRIVATE OpenMP::OpenMP_C)
    endif()
    target_compile_options(${name}_infer PRIVATE ${_isa_flags})
    return()
  endif()
  set(_out ${ARG_OUTPUT_DIR}/${name}.c ${ARG_OUTPUT_DIR}/${name}.h ${ARG_OUTPUT_DIR}/${name}_main.c)
  add_custom_command(
    OUTPUT ${_out}
    COMMAND ${RESNETC_LUA} ${RESNETC_ROOT}/gen/resnetc.lua generate ${ARG_SPEC}
            --name ${name} --isa ${ARG_ISA} --conv ${ARG_CONV} ${_tuning_args} --out ${ARG_OUTPUT_DIR}
    DEPENDS ${ARG_SPEC} ${_gen_deps} ${ARG_TUNING}
    COMMENT "resnetc: generating ${name} (${ARG_ISA}, conv ${ARG_CONV}${_tuning_note}) from ${ARG_SPEC}"
    VERBATIM)

  add_library(${name}_model STATIC ${_exclude} ${ARG_OUTPUT_DIR}/${name}.c)
  target_include_directories(${name}_model PUBLIC ${ARG_OUTPUT_DIR})
  target_link_libraries(${name}_model PUBLIC resnetc::resnetc)
  target_compile_options(${name}_model PRIVATE -Wall -Wextra -Werror ${_isa_flags})

  add_executable(${name} ${_exclude} ${ARG_OUTPUT_DIR}/${name}_main.c)
  target_link_libraries(${name} PRIVATE ${name}_model)
  target_compile_options(${name} PRIVATE -Wall -Wextra -Werror)
endfunction()
