#!/bin/sh
# tests/fuzz/run.sh SECONDS: build the libFuzzer harnesses with clang (ASan + UBSan, own
# build folder: $RESNETC_FUZZ_BUILD, default <root>/../build-fuzz) and run each target for
# SECONDS, from its seed corpus (tests/fuzz/corpus/<target>, copied: the committed seeds are
# never modified); then the Lua spec-loader fuzzer for SECONDS. Fails on any crash, leak,
# timeout, out-of-memory or finding; the input is left in the work folder and its path
# printed. Turn each one into a test: copy it to tests/fuzz/regressions/<target>/.
# Prints the executions of each target and the total.
set -eu
secs=${1:?usage: tests/fuzz/run.sh SECONDS}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${RESNETC_FUZZ_BUILD:-$root/../build-fuzz}
work=$build/fuzz-work
cc=${CC_FUZZ:-clang}
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }
lua=$(command -v luajit || command -v lua5.4)

CC=$cc cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRESNETC_FUZZ=ON \
  -DRESNETC_MODELS= >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
targets="safetensors npy cifar10 idx image"
cmake --build "$build" -j "$(nproc)" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done) \
  >"$build.build.log" 2>&1 || { tail -50 "$build.build.log"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
tmp=$work/tmp
mkdir -p "$tmp"
export TMPDIR=$tmp
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
total=0
for t in $targets; do
  mkdir -p "$work/$t/corpus" "$work/$t/crashes"
  cp "$root/tests/fuzz/corpus/$t/"* "$work/$t/corpus/"
  log=$work/$t/log
  set +e
  (cd "$work/$t" && "$build/bin/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=3072 \
     -max_len=16384 -artifact_prefix="$work/$t/crashes/" -print_final_stats=1 corpus) >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  runs=${runs:-0}
  total=$((total + runs))
  if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/$t/crashes")" ]; then
    echo "run.sh: fuzz_$t FAILED (exit $rc) after $runs executions; inputs:"
    ls -1 "$work/$t/crashes/" | sed "s|^|  $work/$t/crashes/|"
    grep -E "ERROR|SUMMARY|invariant|runtime error|deadly|out-of-memory|timeout" "$log" | head -20
    status=1
  else
    echo "run.sh: fuzz_$t ok: $runs executions in ${secs} s"
  fi
done

# the spec loader, in Lua (own memory cap: a bomb must not take the machine with it)
set +e
(ulimit -v 8000000; timeout $((secs + 60)) "$lua" "$root/tests/fuzz/spec_fuzz.lua" --root "$root" \
   --fuzz "$secs" --out "$work/spec" --seed "${RESNETC_FUZZ_SEED:-$(date +%s)}" \
   "$root/specs" "$root/tests/specs" "$root/tests/specs/bad" "$root/tests/fuzz/corpus/spec") \
   >"$work/spec.log" 2>&1
rc=$?
set -e
runs=$(sed -n 's/^spec_fuzz: \([0-9]*\) cases.*/\1/p' "$work/spec.log")
runs=${runs:-0}
total=$((total + runs))
if [ "$rc" -ne 0 ]; then
  echo "run.sh: spec fuzzer FAILED (exit $rc) after $runs cases:"
  grep "^spec_fuzz" "$work/spec.log" | head -20
  [ -e "$work/spec/current.lua" ] && echo "  the case running when it stopped: $work/spec/current.lua"
  status=1
else
  echo "run.sh: spec fuzzer ok: $runs cases in ${secs} s"
fi
echo "run.sh: $total executions in all"
exit $status
