#!/bin/sh
# bench/e2e.sh: end-to-end table, generated (specialized) code against the generic kernels.
#
#   bench/e2e.sh [--threads T] [--rounds R] [--iters N] [--warmup W] [--generic-iters N]
#                [--peak GFLOPS] [--keep DIR] [MODEL[:BATCH[:TOLERANCE]]...]
#
# Default models: resnet20, resnet56, resnet110 at batch 128 (3x32x32) and resnet18,
# resnet50 at batch 16 (3x224x224), the latter validated with --tolerance 1e-2 and 5e-2
# (their float32 gradients are not conditioned to 1e-3: PyTorch's own float32 gradients
# differ from float64 by 7e-3 and 3e-2, docs/benchmarks.md; bench/grad_vs_f64.py), and
# resnet110 with 2e-2 (Winograd's rounding flips ReLU ties in 110 layers: no batch of 30
# passed at 1e-3, where its direct build passes 1 in 5; docs/benchmarks.md, "ReLU ties"). For each model, R rounds of `<model> bench --json`
# (generated schedules) then `<model> bench --generic --json` (the reference executor over
# the generic kernels, same model, same batch, same threads); both validate the generated
# code against the reference executor before timing. Prints medians over rounds of training
# images/s, inference images/s and batch-1 latency, the speedup specialized / generic, and
# the specialized code's fraction of the measured peak (bench/peak on T threads, run once per
# round, the highest kept since noise only lowers it; or --peak).
#
# The generic side is slow on the 224x224 models, so it runs fewer iterations
# (--generic-iters, default 3, 1 warm-up). Defaults: threads 2, 1 round, 10 iterations after
# 2 warm-up. A model whose validation fails is not timed: its row says so, the others still
# run, and the script exits 1 at the end. Executables come from RESNETC_BIN (default
# build/bin); models missing there are built in RESNETC_BENCH_BUILD (default /tmp/resnetc-bench-build-<uid>) with tests off.
# PYTHON: any python3 (default /usr/bin/python3), for the table only.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${RESNETC_BIN:-$root/build/bin}
py=${PYTHON:-/usr/bin/python3}
threads=2 rounds=1 iters=10 warmup=2 giters=3 peak= keep=
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
need() { [ $# -ge 2 ] || { echo "e2e.sh: $1: expected a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --threads) need "$@"; threads=$2; shift 2 ;;
    --rounds) need "$@"; rounds=$2; shift 2 ;;
    --iters) need "$@"; iters=$2; shift 2 ;;
    --warmup) need "$@"; warmup=$2; shift 2 ;;
    --generic-iters) need "$@"; giters=$2; shift 2 ;;
    --peak) need "$@"; peak=$2; shift 2 ;;
    --keep) need "$@"; keep=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --*) echo "e2e.sh: unknown flag '$1' (try --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- resnet20:128 resnet56:128 resnet110:128:2e-2 resnet18:16:1e-2 resnet50:16:5e-2
for v in "$threads" "$rounds" "$iters" "$warmup" "$giters"; do
  case $v in ''|*[!0-9]*) echo "e2e.sh: expected a non-negative integer, got '$v'" >&2; exit 2 ;; esac
done

# models missing from $bin: build them (and peak) in a separate build tree
missing=
for mb in "$@"; do
  m=${mb%%:*}
  [ -x "$bin/$m" ] || missing="$missing${missing:+;}$m"
done
if [ -n "$missing" ]; then
  build=${RESNETC_BENCH_BUILD:-/tmp/resnetc-bench-build-$(id -u)}
  echo "e2e.sh: building $missing in $build" >&2
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=OFF \
        -DRESNETC_MODELS="$missing" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; exit 1; }
  (IFS=';'; for m in $missing; do
     cmake --build "$build" -j "$(nproc)" --target "$m" > "$build.build.log" 2>&1 ||
       { tail -n 40 "$build.build.log" >&2; exit 1; }
   done; cmake --build "$build" --target peak > /dev/null 2>&1 || true)
  mbin=$build/bin
else
  mbin=$bin
fi
exe() { if [ -x "$bin/$1" ]; then echo "$bin/$1"; else echo "$mbin/$1"; fi; }

# the peak: --peak, else the highest per-round "best" (the sum of the threads' fastest 2 ms
# chunks: the cores' FMA ceiling; noise only lowers it)
peak_of() {
  [ -s "$1" ] || { echo 0; return; }
  "$py" -c 'import json,sys; print(max(json.loads(l)["gflops_n_best"] for l in open(sys.argv[1]) if l.strip()))' "$1"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

items= failed=0
for mb in "$@"; do
  m=${mb%%:*}
  rest=${mb#"$m"}; rest=${rest#:}
  b=${rest%%:*}
  tol=${rest#"$b"}; tol=${tol#:}
  x=$(exe "$m")
  common="--json --threads $threads ${b:+--batch $b} ${tol:+--tolerance $tol}"
  r=1
  while [ "$r" -le "$rounds" ]; do
    if [ -z "$peak" ] && [ -x "$(exe peak)" ]; then
      "$(exe peak)" --threads "$threads" --json >> "$work/peak.jsonl" || true
    fi
    echo "e2e.sh: $m round $r/$rounds: specialized" >&2
    rc=0
    "$x" bench $common --iters "$iters" --warmup "$warmup" >> "$work/$m.spec.jsonl" || rc=$?
    if [ "$rc" -ne 0 ]; then  # validation failed (1) or worse: a row saying so, next model
      echo "e2e.sh: $m: bench exited $rc; not timed" >&2
      echo "{\"model\": \"$m\", \"error\": \"bench exited $rc (validation failed?)\"}" \
        > "$work/$m.spec.jsonl"
      failed=1
      break
    fi
    echo "e2e.sh: $m round $r/$rounds: generic" >&2
    "$x" bench $common --generic --iters "$giters" --warmup 1 --latency-iters "$giters" \
      >> "$work/$m.generic.jsonl"
    r=$((r + 1))
  done
  items="$items $m:$work/$m.spec.jsonl:$work/$m.generic.jsonl"
done
# shellcheck disable=SC2086
"$py" "$here/report.py" e2e --peak "${peak:-$(peak_of "$work/peak.jsonl")}" $items
if [ -n "$keep" ]; then
  mkdir -p "$keep" && cp "$work"/*.json* "$keep"/
fi
exit "$failed"
