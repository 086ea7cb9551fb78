#!/bin/sh
# train_loss_falls.sh MODEL_EXE [DATASET] [DATA_DIR]: end-to-end smoke test of `train` and
# `eval` on a small subset. Trains 3 epochs (cosine schedule, 3000 training images, 500 test
# images), then checks: log.csv has 3 epoch rows with the documented columns, the training
# loss of the last epoch is below the first epoch's and below ln(10) = 2.3026 (chance), the
# final test error is below 90% (chance), the checkpoint and weights exist, `eval` reads
# the weights, and `eval --run` reproduces the last logged test error. DATASET defaults to fashion-mnist (the model must take 1x28x28, e.g.
# resnet8_fmnist); for cifar10 give a model with 3x32x32 input and DATA_DIR.
# Needs a generated model, so it is registered where the models are built, e.g.
#   add_test(NAME data_train_loss_falls COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/train_loss_falls.sh
#            $<TARGET_FILE:resnet8_fmnist> fashion-mnist)
set -eu
exe=${1:?usage: train_loss_falls.sh MODEL_EXE [DATASET] [DATA_DIR]}
dataset=${2:-fashion-mnist}
datadir=${3:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/resnetc_e2e_XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
set -- --dataset "$dataset" --epochs 3 --schedule cosine --lr 0.05 --batch 64 \
       --train-limit 3000 --test-limit 500 --threads 2 --seed 11 --no-progress
[ -n "$datadir" ] && set -- "$@" --data "$datadir"
"$exe" train "$@" --out "$work/run"
for f in log.csv log.jsonl checkpoint.safetensors weights.safetensors; do
  [ -s "$work/run/$f" ] || { echo "FAIL: $f missing"; exit 1; }
done
head -1 "$work/run/log.csv" | grep -qx \
  'epoch,step,lr,train_loss,train_err,test_loss,test_err,val_loss,val_err,images_per_s,elapsed_s' \
  || { echo "FAIL: unexpected log.csv header"; exit 1; }
[ "$(wc -l < "$work/run/log.csv")" -eq 4 ] || { echo "FAIL: expected 3 epoch rows"; exit 1; }
[ "$(wc -l < "$work/run/log.jsonl")" -eq 3 ] || { echo "FAIL: expected 3 json lines"; exit 1; }
awk -F, 'NR == 2 { first = $4 } NR == 4 { last = $4; test_err = $7 }
  END {
    printf "train loss %s -> %s, final test error %s\n", first, last, test_err
    if (!(last < first)) { print "FAIL: training loss did not fall"; exit 1 }
    if (!(last < 2.3026)) { print "FAIL: training loss not below chance"; exit 1 }
    if (!(test_err < 0.9)) { print "FAIL: test error not below chance"; exit 1 }
  }' "$work/run/log.csv"
set -- --dataset "$dataset" --weights "$work/run/weights.safetensors" --threads 2
[ -n "$datadir" ] && set -- "$@" --data "$datadir"
"$exe" eval "$@" > "$work/eval.txt"
grep -q 'top-1 error' "$work/eval.txt" || { echo "FAIL: eval output"; exit 1; }
grep -q 'confusion matrix' "$work/eval.txt" || { echo "FAIL: eval confusion matrix"; exit 1; }
# eval --run reproduces the last logged test error from the saved weights
"$exe" eval --run "$work/run" --threads 2 > "$work/eval_run.txt"
logged=$(awk -F, 'NR == 4 { printf "%.2f%%", 100 * $7 }' "$work/run/log.csv")
grep -q "top-1 error $logged" "$work/eval_run.txt" \
  || { echo "FAIL: eval --run disagrees with the log ($logged)"; head -1 "$work/eval_run.txt"; exit 1; }
echo "train_loss_falls: ok"
