#!/bin/sh
# tools/test-sanitize.sh: the whole test suite (ctest -LE bench) under AddressSanitizer and
# UndefinedBehaviorSanitizer: every target, generated models included, is built with
# -fsanitize=address,undefined -fno-sanitize-recover=all (CMake preset asan-ubsan) in
# $RESNETC_ASAN_BUILD (default <root>/../build-asan). Any report fails its test.
# Extra arguments go to ctest (e.g. -R fuzz) and skip the separate pass of the MPI tests.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RESNETC_ASAN_BUILD:-$root/../build-asan}
"$root/tools/setup.sh"
# the MPI build where mpirun is installed, as tools/test.sh
mpi=OFF
command -v mpirun >/dev/null 2>&1 && mpi=ON
# Generic-ISA models for this machine but without AVX-512: with it, GCC 12 aligns some
# locals to 64 bytes, more than ASan's fake stack (detect_stack_use_after_return below)
# gives them, and their aligned stores fault (seen on Zen 4: vmovdqa64 into a fake frame;
# the same tests pass without the fake stack). The generic kernels use 32-byte vectors.
generic="-march=native -mtune=generic -ffp-contract=fast"
if echo 'int main(void) { return 0; }' |
   ${CC:-cc} -x c -march=native -mno-avx512f -o /dev/null - 2>/dev/null; then
  generic="$generic -mno-avx512f"
fi
# For the same reason no avx512 models here (their 64-byte vectors spill to 64-byte aligned
# slots at -O1): the models' ISA is avx2 where the CPU has it, else generic, and the
# other-ISA model tests cover those two only (RESNETC_TEST_ISAS).
isa=generic
grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && isa=avx2
# -O1 without NDEBUG: asserts stay on, and the build takes minutes, not an hour
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1" -DRESNETC_SANITIZE=address,undefined -DRESNETC_MPI=$mpi \
  -DRESNETC_GENERIC_CFLAGS="$generic" -DRESNETC_ISA=$isa -DRESNETC_TEST_ISAS="generic;avx2"
cmake --build "$build" -j "$(nproc)"
# leaks are errors; OpenMP's runtime keeps its thread pools until exit, which LSan does not
# count (they stay reachable)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$(nproc)" -LE bench \
      -E '^dist_mpi' "$@"
# Open MPI (the ranks of dist_mpi_*, where -DRESNETC_MPI=ON) keeps what MPI_Init allocates
# until exit, in libraries without frame pointers: the slow unwinder lets its suppressions
# (tools/sanitize/lsan.supp, Open MPI's libraries only) match; the rest still counts.
if [ $# -eq 0 ] && [ -n "$(ctest --test-dir "$build" -N -R '^dist_mpi' | grep 'Test *#')" ]; then
  OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1 \
  ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" \
  LSAN_OPTIONS="suppressions=$root/tools/sanitize/lsan.supp" \
    ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$(nproc)" -LE bench \
          -R '^dist_mpi'
fi
