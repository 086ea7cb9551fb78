#!/usr/bin/python3
"""tests/torchvision/compare.py: compare two logits .npy files (numpy only, no torch).

    compare.py GOT.npy EXPECT.npy TOL

Prints the relative L2 error ||got - expect|| / ||expect||, the largest absolute difference
and how many rows agree on the argmax; exits 1 when the shapes differ, a value is not
finite, or the relative error is not below TOL.
"""
import sys

import numpy as np


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: compare.py GOT.npy EXPECT.npy TOL\n")
        return 2
    got, expect, tol = np.load(sys.argv[1]), np.load(sys.argv[2]), float(sys.argv[3])
    if got.shape != expect.shape:
        print("compare: shape %s, expected %s" % (got.shape, expect.shape))
        return 1
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expect))):
        print("compare: non-finite values")
        return 1
    g, e = got.astype(np.float64), expect.astype(np.float64)
    rel = np.linalg.norm(g - e) / max(np.linalg.norm(e), 1e-30)
    agree = int(np.sum(np.argmax(g, axis=1) == np.argmax(e, axis=1)))
    print("compare: relative L2 %.3e (tolerance %.0e), max |diff| %.3e, argmax agrees %d/%d"
          % (rel, tol, np.max(np.abs(g - e)), agree, g.shape[0]))
    return 0 if rel < tol else 1


if __name__ == "__main__":
    sys.exit(main())
