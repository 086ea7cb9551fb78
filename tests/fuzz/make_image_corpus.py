#!/usr/bin/python3
"""tests/fuzz/make_image_corpus.py: writes the seed corpus of the image fuzz target
(tests/fuzz/corpus/image/): small PNG and JPEG files in every colour type PIL writes, and a
few damaged ones. Needs PIL (/usr/bin/python3 has it); run it again after changing a seed;
the files are committed."""
import io
import os
import zlib

import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "image")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def save(name, img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    data = b.getvalue()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    return data


def px(h, w, c):
    return rng.integers(0, 256, (h, w, c) if c > 1 else (h, w), dtype=np.uint8)


rgb = Image.fromarray(px(6, 9, 3))
save("rgb.png", rgb, "PNG")
save("gray.png", Image.fromarray(px(5, 4, 1)), "PNG")
save("gray16.png", Image.fromarray(rng.integers(0, 65536, (4, 3), dtype=np.uint16)), "PNG")
save("bilevel.png", Image.fromarray(px(5, 11, 1)).convert("1"), "PNG")
save("palette_trns.png", rgb.convert("P", palette=Image.ADAPTIVE, colors=4), "PNG", transparency=1)
save("la.png", Image.fromarray(px(3, 3, 2), "LA"), "PNG")
rgba = save("rgba.png", Image.fromarray(px(4, 5, 4), "RGBA"), "PNG")
save("one_pixel.png", Image.fromarray(px(1, 1, 3)), "PNG")
jpg = save("rgb.jpg", rgb, "JPEG", quality=75)
save("gray.jpg", rgb.convert("L"), "JPEG", quality=75)
save("progressive.jpg", Image.fromarray(px(16, 16, 3)), "JPEG", quality=60, progressive=True)
save("subsampled.jpg", Image.fromarray(px(9, 7, 3)), "JPEG", quality=50, subsampling=2)
save("cmyk.jpg", rgb.convert("CMYK"), "JPEG")
with open(os.path.join(out, "truncated.png"), "wb") as f:
    f.write(rgba[: len(rgba) - 20])
with open(os.path.join(out, "truncated.jpg"), "wb") as f:
    f.write(jpg[: len(jpg) // 2])
# a PNG whose header claims 40000 x 40000 (over the 2^28-pixel limit), CRC correct
ihdr = b"IHDR" + (40000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
def chunk(body):
    return (len(body) - 4).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")


big = b"\x89PNG\r\n\x1a\n" + chunk(ihdr) + chunk(b"IDAT" + zlib.compress(b"")) + chunk(b"IEND")
with open(os.path.join(out, "huge_header.png"), "wb") as f:
    f.write(big)
