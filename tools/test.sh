#!/bin/sh
# tools/test.sh: the test suite from a fresh checkout: install what is missing, configure,
# build, unpack the shared CIFAR-10 copy when present, run CTest (benchmarks excluded), fuzz
# each parser for 30 s, then the whole suite again under ASan + UBSan (tools/test-sanitize.sh;
# RESNETC_SKIP_SANITIZE=1 skips that pass for a quicker local run).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RESNETC_BUILD:-$root/build}
"$root/tools/setup.sh"
if [ -z "${RESNETC_CIFAR10_DIR:-}" ] && [ -x "$root/../shared/data/unpack-cifar10.sh" ]; then
  RESNETC_CIFAR10_DIR=$("$root/../shared/data/unpack-cifar10.sh" "$build/data" | tail -n 1)
  export RESNETC_CIFAR10_DIR
fi
# the MPI build (data-parallel training and its tests, tests/dist) where mpirun is installed
mpi=OFF
command -v mpirun >/dev/null 2>&1 && mpi=ON
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRESNETC_MPI=$mpi
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -LE bench
# fuzzing: 30 s per target (tests/fuzz/run.sh, docs/reliability.md), where clang is installed
if command -v clang >/dev/null 2>&1; then
  RESNETC_FUZZ_BUILD=${RESNETC_FUZZ_BUILD:-$build/fuzz-build} "$root/tests/fuzz/run.sh" 30
fi
# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (-O1, its own build)
if [ "${RESNETC_SKIP_SANITIZE:-0}" != 1 ]; then
  RESNETC_ASAN_BUILD=${RESNETC_ASAN_BUILD:-$build/asan-build} "$root/tools/test-sanitize.sh"
fi
# the ARM64 stage: cross build, unit tests, infer parity and training under qemu-aarch64
# (tools/test-arm64.sh; exit 77: cross tools not installed, skipped)
if [ "${RESNETC_SKIP_ARM64:-0}" != 1 ]; then
  RESNETC_ARM64_BUILD=${RESNETC_ARM64_BUILD:-$build/arm64} "$root/tools/test-arm64.sh" || [ $? -eq 77 ]
fi
