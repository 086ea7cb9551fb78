#!/bin/sh
# tests/images/fixtures.sh PYTHON WORK: the image fixtures (make_fixtures.py) into WORK.
# Exit 77 (skipped, and so the image tests too) when PYTHON lacks PIL, torch or torchvision.
set -eu
py=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
if ! "$py" -c "import PIL, torch, torchvision, numpy" 2>/dev/null; then
  echo "images: $py has no PIL/torch/torchvision/numpy (tools/setup.sh installs them); skipped"
  exit 77
fi
rm -rf "$work"
"$py" "$here/make_fixtures.py" "$work"
echo "images: fixtures in $work"
