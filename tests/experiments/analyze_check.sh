#!/bin/sh
# analyze_check.sh MODEL_EXE CASE_DIR EXPECTED_CSV WORKDIR: `analyze` on a parity case's weights
# and x.npy, in batches of 2 (so sums run over several forwards), against PyTorch's table
# (analyze_expected.py). Names, shapes and the residual flag must be equal; mean, std and
# channel_std within TOL (default 1e-4) relative to the layer's std. The JSON output
# (--output *.json) must hold the same table.
set -eu
exe=$1 case=$2 expected=$3 work=$4
tol=${TOL:-1e-4}
mkdir -p "$work"
"$exe" analyze --weights "$case/weights.safetensors" --input "$case/x.npy" --batch 2 \
  --output "$work/actual.csv"
awk -F, -v tol="$tol" '
  function abs(v) { return v < 0 ? -v : v }
  NR == FNR { exp_line[FNR] = $0; n_exp = FNR; next }
  {
    n_act = FNR
    split(exp_line[FNR], e, ",")
    if (FNR == 1) { if ($0 != exp_line[1]) { print "header differs: " $0; bad = 1 } ; next }
    for (i = 1; i <= 7; i++)
      if ($i != e[i]) { printf "row %d column %d: expected %s, got %s\n", FNR - 1, i, e[i], $i; bad = 1 }
    scale = e[9] > 1e-6 ? e[9] : 1e-6
    for (i = 8; i <= 10; i++) {
      err = abs($i - e[i]) / scale
      if (err > worst) worst = err
      if (err > tol) { printf "row %d (%s) column %d: expected %s, got %s (error %.2e)\n", FNR - 1, $2, i, e[i], $i, err; bad = 1 }
    }
  }
  END {
    if (n_act != n_exp) { printf "expected %d rows, got %d\n", n_exp - 1, n_act - 1; bad = 1 }
    printf "%d layers compared, worst relative error %.2e (tolerance %s)\n", n_exp - 1, worst, tol
    exit bad
  }' "$expected" "$work/actual.csv"
"$exe" analyze --weights "$case/weights.safetensors" --input "$case/x.npy" \
  --output "$work/actual.json" >/dev/null
${PYTHON:-python3} - "$work/actual.csv" "$work/actual.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
doc = json.load(open(sys.argv[2]))
assert doc["images"] > 0 and len(doc["layers"]) == len(rows), "JSON: wrong layer count"
for r, j in zip(rows, doc["layers"]):
    for k, v in r.items():
        same = str(j[k]) == v if k in ("layer", "conv") else abs(float(j[k]) - float(v)) <= 1e-6 * (1 + abs(float(v)))
        assert same, "JSON differs from CSV at %s %s: %s vs %s" % (r["layer"], k, j[k], v)
print("JSON output: same %d layers as the CSV" % len(rows))
PY
