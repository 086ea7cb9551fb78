#!/bin/sh
# expect_error.sh LUA GENERATOR SPEC: the generator must reject SPEC with exit code 1, print
# the message given on the spec's "-- expect: " line, and write no output file.
set -u
lua=$1 gen=$2 spec=$3
expected=$(sed -n 's/^-- expect: //p' "$spec")
[ -n "$expected" ] || { echo "no '-- expect:' line in $spec"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
msg=$("$lua" "$gen" generate "$spec" --out "$out/gen" 2>&1)
rc=$?
echo "$msg"
[ "$rc" -eq 1 ] || { echo "FAIL: exit code $rc, expected 1"; exit 1; }
case "$msg" in
  *"$expected"*) ;;
  *) echo "FAIL: expected message containing: $expected"; exit 1 ;;
esac
[ ! -e "$out/gen" ] || [ -z "$(ls -A "$out/gen")" ] || { echo "FAIL: output written"; exit 1; }
echo "ok: rejected with the expected message"
