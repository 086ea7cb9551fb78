#!/bin/sh
# run_report_check.sh ROOT WORKDIR: tools/run_report.py on a committed training log
# (docs/results/resnet20_cifar10_cosine40.csv): the report's figures are the log's (final
# error, the first epoch past each accuracy threshold, computed here independently with awk),
# the plot is a PNG, --render-only redraws it identically, and a damaged log is refused with
# exit 1 before anything is written.
set -eu
root=$1 work=$2
log=$root/docs/results/resnet20_cifar10_cosine40.csv
fail() { echo "run_report_check: FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
python3 "$root/tools/run_report.py" --log "$log" --name r --folder "$work/out" \
  --title "check" --command "resnet20 train ..." --paper-error 8.75
md=$work/out/r.md
cmp -s "$log" "$work/out/r.csv" || fail "the log was not copied unchanged"
head -c 8 "$work/out/r.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || fail "r.png is not a PNG"
# the final row, as the log has it
final=$(awk -F, 'END { printf "%.2f", 100 * $7 }' "$log")
grep -q "test error \*\*$final%\*\*" "$md" || fail "final test error $final% not in the report"
# the first epoch reaching each threshold, independently of the tool
for t in 80 85 90; do
  want=$(awk -F, -v t="$t" 'NR > 1 && 100 * (1 - $7) >= t - 1e-9 { printf "| %.2f%% | %d | %d |", t, $1, $2; exit }
                             END { }' "$log")
  [ -n "$want" ] || want=$(printf "| %.2f%% | not reached |" "$t")
  grep -qF "$want" "$md" || fail "threshold $t%: expected '$want' in the report"
done
cp "$md" "$work/first.md"
python3 "$root/tools/run_report.py" --name r --folder "$work/out" --render-only >/dev/null
cmp -s "$md" "$work/first.md" || fail "--render-only changed the report"
# a damaged log: clear error, exit 1, nothing written
printf 'epoch,step\n1,2\n' > "$work/bad.csv"
if python3 "$root/tools/run_report.py" --log "$work/bad.csv" --name bad --folder "$work/out" 2>"$work/err"; then
  fail "a log without the train columns was accepted"
fi
grep -q "bad.csv: not a train log.csv" "$work/err" || fail "unclear error: $(cat "$work/err")"
[ ! -e "$work/out/bad.md" ] && [ ! -e "$work/out/bad.csv" ] || fail "files written for a refused log"
echo "run_report_check: report matches the log; render-only identical; bad log refused"
