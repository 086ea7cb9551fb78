#!/usr/bin/python3
"""Estimate whether a CIFAR-10 binary copy was decoded from JPEG files, and at what quality.

JPEG is nearly idempotent at the quality (and chroma subsampling) that made an image:
encoding the decoded pixels again with the same settings changes them little, other
qualities change them more. This re-encodes the first N test images with PIL at a range of
qualities (PIL's default 4:2:0 subsampling) and prints the mean absolute change per pixel
value. A sharp minimum at one quality marks images decoded from JPEGs of that quality;
images never JPEG-compressed change less and less as the quality rises, with no minimum
(Fashion-MNIST test images padded to 32x32 RGB: 16.2 at quality 50 down to 10.2 at 95).

  /usr/bin/python3 tools/cifar10_jpeg_quality.py /work/cifar/cifar-10-batches-bin [N]

Reference and diagnosis only (numpy and PIL, Debian's python3-numpy and python3-pil).
"""
import io
import os
import sys

import numpy as np
from PIL import Image


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    path = os.path.join(sys.argv[1], "test_batch.bin")
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 500
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 3073:
        sys.exit("%s: size %d is not a multiple of 3073" % (path, raw.size))
    images = raw.reshape(-1, 3073)[:n, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    print("%s: %d images; mean |re-encoded - stored| per pixel value:" % (path, len(images)))
    for q in (50, 60, 70, 75, 80, 85, 90, 95):
        change = 0.0
        for im in images:
            buf = io.BytesIO()
            Image.fromarray(im).save(buf, "JPEG", quality=q)
            buf.seek(0)
            change += np.abs(np.asarray(Image.open(buf)).astype(np.float64) - im).mean()
        print("  quality %2d: %.3f" % (q, change / len(images)))


if __name__ == "__main__":
    main()
