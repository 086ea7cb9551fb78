#!/usr/bin/python3
"""tests/images/compare.py: compare a .npy that resnetc wrote with torchvision's (numpy only).

    compare.py GOT.npy EXPECT.npy abs TOL    largest absolute difference must be <= TOL
    compare.py GOT.npy EXPECT.npy rel TOL    relative L2 error must be < TOL

Prints both measures and how many elements differ; exits 1 when the shapes differ, a value is
not finite or the measure is out of tolerance.
"""
import sys

import numpy as np


def main():
    if len(sys.argv) != 5 or sys.argv[3] not in ("abs", "rel"):
        sys.stderr.write("usage: compare.py GOT.npy EXPECT.npy abs|rel TOL\n")
        return 2
    got, expect, kind, tol = np.load(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    if got.shape != expect.shape:
        print("  FAIL: shape %s, expected %s" % (got.shape, expect.shape))
        return 1
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expect))):
        print("  FAIL: non-finite values")
        return 1
    g, e = got.astype(np.float64), expect.astype(np.float64)
    mx = float(np.max(np.abs(g - e)))
    rel = float(np.linalg.norm(g - e) / max(np.linalg.norm(e), 1e-30))
    ok = mx <= tol if kind == "abs" else rel < tol
    print("  %s: max |diff| %.3e, relative L2 %.3e, %d of %d elements differ (%s tolerance %.0e)"
          % ("ok" if ok else "FAIL", mx, rel, int(np.sum(g != e)), g.size, kind, tol))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
