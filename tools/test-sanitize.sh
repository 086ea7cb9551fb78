#!/bin/sh
# tools/test-sanitize.sh: the whole test suite (ctest -LE bench) under AddressSanitizer and
# UndefinedBehaviorSanitizer: every target, generated models included, is built with
# -fsanitize=address,undefined -fno-sanitize-recover=all (CMake preset asan-ubsan) in
# $RESNETC_ASAN_BUILD (default <root>/../build-asan). Any report fails its test.
# Extra arguments go to ctest (e.g. -R fuzz).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RESNETC_ASAN_BUILD:-$root/../build-asan}
"$root/tools/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRESNETC_SANITIZE=address,undefined
cmake --build "$build" -j "$(nproc)"
# leaks are errors; OpenMP's runtime keeps its thread pools until exit, which LSan does not
# count (they stay reachable)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -LE bench "$@"
