#!/bin/sh
# train_resume.sh MODEL_EXE [DATASET] [DATA_DIR]: determinism and exact resume of `train`.
#   A: 3 epochs uninterrupted.   A2: the same again -> weights bit-identical to A.
#   B: the same settings stopped after 1 epoch (--stop-after 1, as if interrupted), then
#      `--resume B` (thread count from the checkpoint) -> weights bit-identical to A, and
#      the same log rows (timing aside).
#   Resuming with a changed setting (--lr) is refused (exit 2); a diverging run (huge lr)
#   stops with a message naming the NaN loss and exit status 1.
# Uses a small subset, a validation split, nesterov, no BN decay, label smoothing and
# zero-init residual and crop/flip augmentation, so that every piece of optimizer and
# data-order state crosses the checkpoint.
# Needs a generated model; register e.g.
#   add_test(NAME data_train_resume COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/train_resume.sh
#            $<TARGET_FILE:resnet8_fmnist> fashion-mnist)
set -eu
exe=${1:?usage: train_resume.sh MODEL_EXE [DATASET] [DATA_DIR]}
dataset=${2:-fashion-mnist}
datadir=${3:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/resnetc_resume_XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
set -- --dataset "$dataset" --epochs 3 --schedule step --milestones 0.4,0.8 --lr 0.1 \
       --batch 64 --train-limit 1000 --test-limit 300 --val-split 200 --threads 2 \
       --seed 7 --nesterov --no-decay-bn --label-smoothing 0.1 --zero-init-residual \
       --pad 2 --flip 1 \
       --no-progress
[ -n "$datadir" ] && set -- "$@" --data "$datadir"
"$exe" train "$@" --out "$work/A" > /dev/null
"$exe" train "$@" --out "$work/A2" > /dev/null
cmp "$work/A/weights.safetensors" "$work/A2/weights.safetensors" \
  || { echo "FAIL: same seed and threads gave different weights"; exit 1; }
"$exe" train "$@" --out "$work/B" --stop-after 1 > /dev/null
[ "$(wc -l < "$work/B/log.csv")" -eq 2 ] || { echo "FAIL: --stop-after 1 logged wrong rows"; exit 1; }
[ ! -e "$work/B/weights.safetensors" ] || { echo "FAIL: stopped run wrote final weights"; exit 1; }
if [ -n "$datadir" ]; then
  "$exe" train --resume "$work/B" --no-progress --data "$datadir" > /dev/null
else
  "$exe" train --resume "$work/B" --no-progress > /dev/null
fi
cmp "$work/A/weights.safetensors" "$work/B/weights.safetensors" \
  || { echo "FAIL: resumed run differs from the uninterrupted one"; exit 1; }
cut -d, -f1-9 "$work/A/log.csv" > "$work/a.csv"
cut -d, -f1-9 "$work/B/log.csv" > "$work/b.csv"
cmp "$work/a.csv" "$work/b.csv" || { echo "FAIL: logs differ"; diff "$work/a.csv" "$work/b.csv"; exit 1; }
# a resumed run keeps its settings
rc=0
"$exe" train --resume "$work/B" --lr 0.5 2> "$work/err.txt" > /dev/null || rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--lr cannot be given with --resume' "$work/err.txt" \
  || { echo "FAIL: --lr with --resume accepted (rc $rc)"; cat "$work/err.txt"; exit 1; }
# divergence stops with a clear message
set -- --dataset "$dataset" --iters 30 --schedule constant --lr 100000 --batch 64 \
       --train-limit 640 --test-limit 100 --threads 2 --no-progress
[ -n "$datadir" ] && set -- "$@" --data "$datadir"
rc=0
"$exe" train "$@" --out "$work/N" 2> "$work/nan.txt" > /dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q 'the loss became' "$work/nan.txt" \
  || { echo "FAIL: divergence not reported (rc $rc)"; cat "$work/nan.txt"; exit 1; }
echo "train_resume: ok"
