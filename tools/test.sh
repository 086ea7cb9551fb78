#!/bin/sh
# tools/test.sh: the test suite from a fresh checkout, as a sequence of stages: install what is
# missing; unpack the shared CIFAR-10 copy when present; configure (every cache option the suite
# depends on given here) and check that the configuration lists every test a fresh one does;
# build; run CTest (benchmarks excluded) and check that it ran them all; fuzz each parser for
# 30 s; then the whole suite again under ASan + UBSan (tools/test-sanitize.sh;
# RESNETC_SKIP_SANITIZE=1 skips that pass for a quicker local run).
# Its build folders are its own, so tools/main.sh (build/main) may run before or after it:
#   RESNETC_TEST_BUILD (default build/test), RESNETC_FUZZ_BUILD (build/fuzz),
#   RESNETC_ASAN_BUILD (build/asan); CIFAR-10 is unpacked into build/data.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RESNETC_TEST_BUILD:-$root/build/test}

# packages
"$root/tools/setup.sh"

# data
if [ -z "${RESNETC_CIFAR10_DIR:-}" ] && [ -x "$root/../shared/data/unpack-cifar10.sh" ]; then
  RESNETC_CIFAR10_DIR=$("$root/../shared/data/unpack-cifar10.sh" "$root/build/data" | tail -n 1)
  export RESNETC_CIFAR10_DIR
fi

# configure: the MPI build (data-parallel training and its tests, tests/dist) where mpirun is
# installed. A value left in $build's cache by an earlier configure (fewer models, tests off)
# would drop tests silently: the test count must equal that of a fresh configuration with the
# same options, made in a scratch folder (2 s).
mpi=OFF
command -v mpirun >/dev/null 2>&1 && mpi=ON
set -- -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=ON -DRESNETC_MPI=$mpi \
       -DRESNETC_CIFAR10_DIR="${RESNETC_CIFAR10_DIR:-}"
cmake -S "$root" -B "$build" "$@"
fresh=$(mktemp -d)
cmake -S "$root" -B "$fresh" "$@" > "$fresh.log" 2>&1 || { cat "$fresh.log"; exit 1; }
want=$(ctest --test-dir "$fresh" -N -LE bench | sed -n 's/^Total Tests: *//p')
rm -rf "$fresh" "$fresh.log"
have=$(ctest --test-dir "$build" -N -LE bench | sed -n 's/^Total Tests: *//p')
if [ "${want:-0}" -eq 0 ] || [ "${have:-0}" -ne "$want" ]; then
  echo "test.sh: $build lists ${have:-0} tests, a fresh configuration ${want:-0}:" \
       "remove $build (its cache holds values from another configure) and rerun" >&2
  exit 1
fi

# build
cmake --build "$build" -j "$(nproc)"

# CTest: every listed test must run (--no-tests=error: an empty suite is a failure)
ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$(nproc)" -LE bench \
      --output-log "$build/ctest.log"
ran=$(sed -n 's/.* tests failed out of *\([0-9]*\).*/\1/p' "$build/ctest.log" | tail -n 1)
if [ "${ran:-0}" -ne "$want" ]; then
  echo "test.sh: CTest ran ${ran:-0} tests of the $want a full configuration lists" >&2
  exit 1
fi
echo "test.sh: CTest ran all $ran tests"

# fuzzing: 30 s per target (tests/fuzz/run.sh, docs/reliability.md), where clang is installed
if command -v clang >/dev/null 2>&1; then
  RESNETC_FUZZ_BUILD=${RESNETC_FUZZ_BUILD:-$root/build/fuzz} "$root/tests/fuzz/run.sh" 30
fi

# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (-O1, its own build)
if [ "${RESNETC_SKIP_SANITIZE:-0}" != 1 ]; then
  RESNETC_ASAN_BUILD=${RESNETC_ASAN_BUILD:-$root/build/asan} "$root/tools/test-sanitize.sh"
fi
# the ARM64 stage: cross build, unit tests, init and infer parity and a few training steps
# under qemu-aarch64
# (tools/test-arm64.sh; exit 77: cross tools not installed, skipped)
if [ "${RESNETC_SKIP_ARM64:-0}" != 1 ]; then
  RESNETC_ARM64_BUILD=${RESNETC_ARM64_BUILD:-$build/arm64} "$root/tools/test-arm64.sh" || [ $? -eq 77 ]
fi
