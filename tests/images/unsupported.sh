#!/bin/sh
# tests/images/unsupported.sh WORK EXE: in a build without libpng or libjpeg, `infer --image`
# of such a file exits 1 with a message naming the missing package.
set -eu
work=$1 exe=$2
rm -rf "$work"
mkdir -p "$work"
"$exe" init --seed 1 --output "$work/w.safetensors"
printf '\211PNG\r\n\032\n' > "$work/x.png"
printf '\377\330\377\340' > "$work/x.jpg"
status=0
for f in x.png x.jpg; do
  set +e
  msg=$("$exe" infer --weights "$work/w.safetensors" --image "$work/$f" 2>&1)
  rc=$?
  set -e
  echo "$f: exit $rc: $msg"
  case "$msg" in
    *"built without"*) [ "$rc" -eq 1 ] || status=1 ;;
    *"bad PNG"*|*"bad JPEG"*) ;;   # this format is supported (the other is not)
    *) status=1 ;;
  esac
done
exit $status
