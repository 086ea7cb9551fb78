#!/bin/sh
# cli_validation.sh MODEL_EXE: bad command lines given to a model executable. Each case
# asserts the exit code (2: usage error), a message naming the problem, and that no output
# file (nor a leftover temporary) was created. Covers unknown commands and flags, missing
# values, malformed and out-of-range numbers, repeated flags, positional arguments, for
# init, infer, grad, train, eval, summary, analyze and export.
set -u
exe=$1
dir=$(mktemp -d) runs=$(mktemp -d)
trap 'rm -rf "$dir" "$runs"' EXIT
cd "$dir" || exit 1
fails=0 cases=0

# expect CODE MESSAGE -- ARGS...: run "$exe ARGS", check exit code, message, no new files.
expect() {
  code=$1 msg=$2
  shift 3
  cases=$((cases + 1))
  out=$("$exe" "$@" 2>&1)
  rc=$?
  left=$(ls -A)
  case "$out" in *"$msg"*) okmsg=1 ;; *) okmsg=0 ;; esac
  if [ "$rc" -ne "$code" ] || [ "$okmsg" -ne 1 ] || [ -n "$left" ]; then
    echo "FAIL: $*"
    echo "  exit $rc (expected $code); files left: '${left}'"
    echo "  expected message containing: $msg"
    echo "  got: $out"
    fails=$((fails + 1))
    rm -rf ./* ./.[!.]* 2>/dev/null
  else
    echo "ok: $* -> exit $rc: $(echo "$out" | head -n 1)"
  fi
}

# commands
expect 2 "unknown command 'frobnicate'" -- frobnicate
expect 2 "usage:" --
expect 2 "unknown command '--seed'" -- --seed 1
# init
expect 2 "unknown flag '--sede'" -- init --sede 1 --output w.st
expect 2 "missing value for --seed" -- init --seed --output w.st
expect 2 "missing value for --output" -- init --seed 1 --output
expect 2 "--output is required" -- init --seed 1
expect 2 "--seed: expected an integer" -- init --seed abc --output w.st
expect 2 "--seed: expected an integer" -- init --seed 1.5 --output w.st
expect 2 "--seed: expected an integer" -- init --seed 12abc --output w.st
expect 2 "--seed: expected an integer" -- init --seed -1 --output w.st
expect 2 "--seed: expected an integer" -- init --seed 99999999999999999999999 --output w.st
expect 2 "--seed: expected an integer" -- init --seed= --output w.st
expect 2 "--seed: expected an integer" -- init --seed " 1x" --output w.st
expect 2 "--seed given more than once" -- init --seed 1 --seed 2 --output w.st
expect 2 "unexpected argument 'extra'" -- init --seed 1 --output w.st extra
expect 2 "unexpected argument '-s'" -- init -s 1 --output w.st
expect 2 "--output: expected a non-empty value" -- init --output=
# export (format and symbol are checked before any file is opened)
expect 2 "--format: expected bin or c, got 'xml'" -- export --weights w --output p --format xml
expect 2 "--symbol: expected a C identifier, got '1abc'" -- export --weights w --output p --format c --symbol 1abc
expect 2 "--symbol: expected a C identifier, got 'a-b'" -- export --weights w --output p --format c --symbol a-b
expect 2 "--weights is required" -- export --output p
expect 1 "w.missing" -- export --weights w.missing --output p
# infer (numbers are checked before any file is opened)
expect 2 "--batch: expected an integer in [1, 65536], got '0'" -- infer --weights w --input x --output y --batch 0
expect 2 "--batch: expected an integer in [1, 65536], got '-3'" -- infer --weights w --input x --output y --batch -3
expect 2 "--batch: expected an integer in [1, 65536], got '65537'" -- infer --weights w --input x --output y --batch 65537
expect 2 "--batch: expected an integer" -- infer --weights w --input x --output y --batch 0x10
expect 2 "--threads: expected an integer in [1, 1024], got '0'" -- infer --weights w --input x --output y --threads 0
expect 2 "--threads: expected an integer" -- infer --weights w --input x --output y --threads ''
expect 2 "give exactly one of --input (an .npy batch) and --image" -- infer --weights w --output y
expect 2 "give exactly one of --input (an .npy batch) and --image" -- infer --weights w --input x --image i --output y
expect 2 "--output is required with --input" -- infer --weights w --input x
expect 2 "--resize applies to --image only" -- infer --weights w --input x --output y --resize none
expect 2 "--dump-input applies to --image only" -- infer --weights w --input x --output y --dump-input d
expect 2 "--topk: expected an integer" -- infer --weights w --image i --topk 0
expect 2 "unknown flag '--label'" -- infer --weights w --input x --output y --label l
# grad
expect 2 "--label-smoothing: expected a number in [0, 0.999], got '1'" -- grad --weights w --input x --labels l --output g --label-smoothing 1
expect 2 "--label-smoothing: expected a number" -- grad --weights w --input x --labels l --output g --label-smoothing nan
expect 2 "--bn-momentum: expected a number in [0, 1], got '-0.1'" -- grad --weights w --input x --labels l --output g --bn-momentum -0.1
expect 2 "--bn-momentum: expected a number" -- grad --weights w --input x --labels l --output g --bn-momentum inf
expect 2 "--bn-momentum: expected a number" -- grad --weights w --input x --labels l --output g --bn-momentum 1e999
expect 2 "--labels is required" -- grad --weights w --input x --output g
# train (checked before any data is read or any directory created)
expect 2 "--batch: expected an integer in [1, 65536], got '0'" -- train --batch 0 --out run
expect 2 "--lr: expected a number" -- train --lr -0.1 --out run
expect 2 "--lr: expected a number" -- train --lr 0 --out run
expect 2 "--lr: expected a number" -- train --lr 0.1.2 --out run
expect 2 "--threads: expected an integer in [1, 1024], got '0'" -- train --threads 0 --out run
expect 2 "--epochs: expected an integer" -- train --epochs 0 --out run
expect 2 "--epochs: expected an integer" -- train --epochs two --out run
expect 2 "--momentum: expected a number in [0, 1], got '1.5'" -- train --momentum 1.5 --out run
expect 2 "--weight-decay: expected a number" -- train --weight-decay -1e-4 --out run
expect 2 "--nesterov takes no value" -- train --nesterov=1 --out run
expect 2 "missing value for --out" -- train --epochs 1 --out
expect 2 "unknown flag '--epoch'" -- train --epoch 1 --out run
# eval and summary
expect 2 "--batch: expected an integer in [1, 65536], got '0'" -- eval --weights w --batch 0
expect 2 "--threads: expected an integer" -- eval --weights w --threads -1
# eval --run: no checkpoint in the run directory; a checkpoint without training settings
# (weights from init): the error names the missing setting
expect 1 "missing_run/checkpoint.safetensors" -- eval --run missing_run
"$exe" init --seed 1 --output "$runs/checkpoint.safetensors" > /dev/null
expect 1 "checkpoint lacks the setting train.dataset" -- eval --run "$runs"
expect 2 "--batch: expected an integer in [1, 65536], got '0'" -- summary --batch 0
expect 2 "unknown flag '--verbose'" -- summary --verbose
# analyze
expect 2 "--weights is required" -- analyze --input x.npy
expect 2 "exactly one of --data DIR" -- analyze --weights w --output r.csv
expect 2 "exactly one of --data DIR" -- analyze --weights w --data d --input x.npy --output r.csv
expect 2 "--batch: expected an integer in [1, 65536], got '0'" -- analyze --weights w --input x --batch 0
expect 1 "cannot open" -- analyze --weights missing.safetensors --input x.npy --output r.csv

echo "cli_validation: $cases cases, $fails failed"
[ "$fails" -eq 0 ]
