#!/bin/sh
# bench/vs_pytorch.sh: resnetc against PyTorch on the same models, interleaved.
#
#   bench/vs_pytorch.sh [--batch B] [--threads T] [--rounds R] [--iters N] [--warmup W]
#                       [--peak GFLOPS] [--tolerance T] [--keep DIR] [MODEL...]
#
# For each model (default resnet20), R rounds of: `<model> bench --json` (resnetc,
# validated against the reference executor before timing), then bench/torch_bench.py --json
# (PyTorch eager NCHW, channels_last, frozen and optimized TorchScript). Interleaving spreads
# the noise of a shared machine over both sides. Prints medians over the rounds (each round
# itself a median of N iterations), the speedup ours / PyTorch's best layout (throughput
# ratio; for latency PyTorch ms / ours ms, so > 1 means resnetc is faster), and the fraction
# of the measured peak (bench/peak on T threads, run once per round, the highest kept since
# noise only lowers it; or --peak). PyTorch's GFLOP/s
# use resnetc's FLOP count for the same model and batch (FLOPs = 2 x MACs, train = 3 x
# forward).
#
# --tolerance is passed to `bench` (its validation; use 1e-2 for the 224x224 models, see
# docs/benchmarks.md). Defaults: batch 128 (16 for 224x224 models), threads 2, 3 rounds of
# 10 iterations after 2 warm-up. Environment: RESNETC_BIN (model executables and peak;
# default build/bin), PYTHON (needs torch; default /usr/bin/python3). Exit 77 when PyTorch
# is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${RESNETC_BIN:-$root/build/bin}
py=${PYTHON:-/usr/bin/python3}
batch= threads=2 rounds=3 iters=10 warmup=2 peak= keep= tol=
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
need() { [ $# -ge 2 ] || { echo "vs_pytorch.sh: $1: expected a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --batch) need "$@"; batch=$2; shift 2 ;;
    --threads) need "$@"; threads=$2; shift 2 ;;
    --rounds) need "$@"; rounds=$2; shift 2 ;;
    --iters) need "$@"; iters=$2; shift 2 ;;
    --warmup) need "$@"; warmup=$2; shift 2 ;;
    --peak) need "$@"; peak=$2; shift 2 ;;
    --keep) need "$@"; keep=$2; shift 2 ;;
    --tolerance) need "$@"; tol=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --*) echo "vs_pytorch.sh: unknown flag '$1' (try --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- resnet20
for v in "$threads" "$rounds" "$iters" "$warmup" ${batch:+"$batch"}; do
  case $v in ''|*[!0-9]*) echo "vs_pytorch.sh: expected a non-negative integer, got '$v'" >&2; exit 2 ;; esac
done
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "vs_pytorch.sh: $py cannot import torch; install python3-torch (skipped)" >&2
  exit 77
fi
for m in "$@"; do
  [ -x "$bin/$m" ] || { echo "vs_pytorch.sh: no executable $bin/$m (build it: cmake -DRESNETC_MODELS=\"$m\"; or set RESNETC_BIN)" >&2; exit 1; }
done

# the peak: --peak, else the highest per-round "best" (the sum of the threads' fastest 2 ms
# chunks: the cores' FMA ceiling; noise only lowers it)
peak_of() {
  [ -s "$1" ] || { echo 0; return; }
  "$py" -c 'import json,sys; print(max(json.loads(l)["gflops_n_best"] for l in open(sys.argv[1]) if l.strip()))' "$1"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

for m in "$@"; do
  ours="$bin/$m bench --json --threads $threads --iters $iters --warmup $warmup ${batch:+--batch $batch} ${tol:+--tolerance $tol}"
  theirs="$py $here/torch_bench.py $m --json --threads $threads --iters $iters --warmup $warmup ${batch:+--batch $batch}"
  r=1
  while [ "$r" -le "$rounds" ]; do
    if [ -z "$peak" ] && [ -x "$bin/peak" ]; then
      "$bin/peak" --threads "$threads" --json >> "$work/peak.jsonl" || true
    fi
    echo "vs_pytorch.sh: $m round $r/$rounds: resnetc" >&2
    $ours >> "$work/$m.ours.jsonl"
    echo "vs_pytorch.sh: $m round $r/$rounds: pytorch" >&2
    $theirs >> "$work/$m.torch.jsonl"
    r=$((r + 1))
  done
done

for m in "$@"; do
  "$py" "$here/report.py" vs-pytorch --peak "${peak:-$(peak_of "$work/peak.jsonl")}" "$work/$m.ours.jsonl" "$work/$m.torch.jsonl"
done
if [ -n "$keep" ]; then
  mkdir -p "$keep" && cp "$work"/*.json* "$keep"/
fi
