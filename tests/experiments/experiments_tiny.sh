#!/bin/sh
# experiments_tiny.sh BIN_DIR WORKDIR: every experiment runner end to end at the tiny budget
# (4 iterations on 64 CIFAR-10 images), its report rendered into WORKDIR/report, then
#   - every run's log is complete and every plot the report links is a PNG;
#   - the reports' tables hold the logs' final errors (the rendering reads the logs);
#   - --render-only re-renders byte-identical reports and plots from the copied logs.
# Needs RESNETC_CIFAR10_DIR (exit 77, skipped, without it), python3 and gnuplot.
set -eu
bin=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
exp=$here/../../experiments
py=${PYTHON:-python3}
if [ -z "${RESNETC_CIFAR10_DIR:-}" ] || [ ! -d "$RESNETC_CIFAR10_DIR" ]; then
  echo "experiments_tiny: RESNETC_CIFAR10_DIR not set or missing: skipped"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
common="--tiny --threads 1 --bin $bin --data $RESNETC_CIFAR10_DIR --report $work/report"
common="$common --runs $work/runs"
fail() { echo "experiments_tiny: FAIL: $*"; exit 1; }
run() {   # run EXPERIMENT [ARGS...]: its output kept in WORK/EXPERIMENT.out
  e=$1; shift
  $py "$exp/$e.py" $common "$@" >"$work/$e.out" 2>&1 || { cat "$work/$e.out"; fail "$e.py failed"; }
  cat "$work/$e.out"
}
run degradation
run responses                           # the same four nets: all reused
run shortcuts                           # ResNet-20 option A, seed 1: reused
run depth --depths 20 --seeds 2 --plain # resnet20 and plain20 seed 1 reused, seed 2 trained
# the runs folder is a pool: a net trained with the same settings is trained once
reused() { grep -c ": complete, reusing " "$work/$1.out" || true; }
[ "$(reused degradation)" = 0 ] || fail "degradation reused a net in an empty runs folder"
[ "$(reused responses)" = 4 ] || fail "responses.py did not reuse the 4 degradation nets"
[ "$(reused shortcuts)" = 1 ] || fail "shortcuts.py did not reuse exactly resnet20 seed 1"
[ "$(reused depth)" = 2 ] || fail "depth.py did not reuse exactly resnet20 and plain20 seed 1"

for e in degradation responses shortcuts depth; do
  md=$work/report/$e.md
  [ -s "$md" ] || fail "$md missing"
  grep -q "mode: \*\*tiny\*\*" "$md" || fail "$md does not say it is a tiny run"
  for png in $(grep -o "($e/[^)]*\.png)" "$md" | tr -d '()'); do
    head -c 8 "$work/report/$png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" ||
      fail "$png is not a PNG"
  done
  [ "$(grep -c '\.png)' "$md")" -ge 1 ] || fail "$md links no plot"
done
# each log complete (step 4), and its final test error in the report's row
$py - "$work" <<'PY' || fail "report tables do not match the logs"
import csv, json, os, sys
work = sys.argv[1]
bad = 0
for e in ("degradation", "shortcuts", "depth"):
    d = os.path.join(work, "report", e)
    man = json.load(open(os.path.join(d, "manifest.json")))
    md = open(os.path.join(work, "report", e + ".md")).read()
    for r in man["runs"]:
        rows = list(csv.DictReader(open(os.path.join(d, r["name"] + ".csv"))))
        if int(rows[-1]["step"]) != 4:
            print("%s/%s: last step %s, expected 4" % (e, r["name"], rows[-1]["step"])); bad = 1
        if "%.2f" % (100 * float(rows[-1]["test_err"])) not in md:
            print("%s: %s's final test error not in the report" % (e, r["name"])); bad = 1
    print("%s: %d runs checked" % (e, len(man["runs"])))
for name in ("plain20", "plain56", "resnet20", "resnet56"):
    rows = list(csv.DictReader(open(os.path.join(work, "report", "responses", name + ".responses.csv"))))
    want = 19 if name.endswith("20") else 55
    if len(rows) != want:
        print("responses/%s: %d layers, expected %d" % (name, len(rows), want)); bad = 1
sys.exit(bad)
PY
# re-rendering from the copied logs is reproducible
cp -r "$work/report" "$work/first"
for e in degradation responses shortcuts depth; do
  $py "$exp/$e.py" --render-only --report "$work/report" >/dev/null
done
diff -r "$work/first" "$work/report" || fail "--render-only changed the reports"
echo "experiments_tiny: 4 experiments run, reported and re-rendered identically"
