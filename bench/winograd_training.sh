#!/bin/sh
# bench/winograd_training.sh: does Winograd's float error change training? The same model,
# recipe and seed trained by two builds of the same sources, one with direct convolutions
# only (-DRESNETC_CONV=direct) and one with the generator's default choice (auto: Winograd
# F(4x4)/F(2x2) on the 3x3 stride-1 layers, in all three directions), side by side, one
# thread each. Passes when the final test errors lie within --max-gap points.
#
#   bench/winograd_training.sh --data DIR [--model M] [--epochs E] [--warmup N] [--max-gap P]
#                              [--build-root DIR] [--out DIR] [-- TRAIN_FLAGS...]
#
# Defaults: resnet20, 10 epochs of the cosine recipe of docs/results (lr 0.1, warm-up 391,
# weight decay 5e-4, Nesterov, seed 1), --max-gap 0.5, builds in build/wino-train/{direct,auto},
# runs in build/wino-train/runs/{direct,auto} (their log.csv files are what docs/results
# keeps). Flags after -- go to both `train` commands: a smoke run is `--epochs 1 --warmup 0
# -- --train-limit 512 --test-limit 256`. Takes about 50 minutes for resnet20 on two cores.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/build_tree.sh"
model=resnet20 epochs=10 warmup=391 gap=0.5 data="" broot=$root/build/wino-train out=""
need() { [ $# -ge 2 ] || { echo "winograd_training.sh: $1: expected a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --data) need "$@"; data=$2; shift 2 ;;
    --model) need "$@"; model=$2; shift 2 ;;
    --epochs) need "$@"; epochs=$2; shift 2 ;;
    --warmup) need "$@"; warmup=$2; shift 2 ;;
    --max-gap) need "$@"; gap=$2; shift 2 ;;
    --build-root) need "$@"; broot=$2; shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "winograd_training.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done
[ -n "$data" ] || { echo "winograd_training.sh: --data DIR (CIFAR-10's binary files) is required" >&2; exit 2; }
[ -n "$out" ] || out=$broot/runs
for conv in direct auto; do
  build_tree winograd_training.sh "$broot/$conv" "$model" -DRESNETC_BUILD_TESTS=OFF -DRESNETC_MODELS="$model" \
    -DRESNETC_CONV=$conv
done
mkdir -p "$out"
for conv in direct auto; do
  [ ! -e "$out/$conv" ] || { echo "winograd_training.sh: $out/$conv exists: remove it or give --out" >&2; exit 2; }
done
pids=""
for conv in direct auto; do
  "$broot/$conv/bin/$model" train --dataset cifar10 --data "$data" --epochs "$epochs" --schedule cosine \
      --lr 0.1 --warmup "$warmup" --weight-decay 5e-4 --nesterov --threads 1 --seed 1 --no-progress \
      --out "$out/$conv" "$@" > "$out/$conv.out" 2>&1 &
  pids="$pids $!"
done
status=0
for p in $pids; do wait "$p" || status=1; done
[ $status -eq 0 ] || { tail -n 5 "$out"/*.out >&2; echo "winograd_training.sh: a training run failed" >&2; exit 1; }
final() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { e = $c["test_err"] } END { printf "%.2f", 100 * e }' "$1"; }
d=$(final "$out/direct/log.csv") a=$(final "$out/auto/log.csv")
echo "$model, $epochs epochs: final test error direct $d%, auto (Winograd) $a%; logs: $out/{direct,auto}/log.csv"
awk -v d="$d" -v a="$a" -v g="$gap" 'BEGIN { x = d - a; if (x < 0) x = -x
  if (x <= g) { printf "gap %.2f points <= %s: ok\n", x, g; exit 0 }
  printf "gap %.2f points > %s: FAILED\n", x, g; exit 1 }'
