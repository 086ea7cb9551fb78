#!/usr/bin/env python3
"""analyze_data_check.py MODEL_EXE CIFAR_DIR WORKDIR: `analyze --data` (the test set,
normalized from the training set) against `analyze --input` of the same images normalized
here independently (Python standard library): per-pixel mean of the first 200 training
images subtracted from the first 20 test images, as --norm pixel --train-limit 200
--test-limit 20 define it. The two tables must agree (1e-4 of each layer's std).
Exit 77 (skipped) without the CIFAR-10 files."""
import array
import csv
import os
import struct
import subprocess
import sys

N_TRAIN, N_TEST, REC = 200, 20, 3073


def records(path, n):
    with open(path, "rb") as f:
        data = f.read(n * REC)
    return [data[i * REC + 1:(i + 1) * REC] for i in range(n)]


def write_npy(path, values, shape):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
        ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else ""))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        array.array("f", values).tofile(f)


def table(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    exe, data, work = sys.argv[1:4]
    if not os.path.exists(os.path.join(data, "data_batch_1.bin")):
        data = os.path.join(data, "cifar-10-batches-bin")  # the parent folder, as train allows
    train_file = os.path.join(data, "data_batch_1.bin")
    test_file = os.path.join(data, "test_batch.bin")
    if not (os.path.exists(train_file) and os.path.exists(test_file)):
        print("analyze_data_check: no CIFAR-10 files in %r: skipped" % data)
        return 77
    os.makedirs(work, exist_ok=True)
    train = records(train_file, N_TRAIN)
    mean = [sum(img[k] for img in train) / N_TRAIN / 255.0 for k in range(3072)]
    x = [img[k] / 255.0 - mean[k] for img in records(test_file, N_TEST) for k in range(3072)]
    write_npy(os.path.join(work, "x.npy"), x, (N_TEST, 3, 32, 32))
    w = os.path.join(work, "w.safetensors")
    subprocess.run([exe, "init", "--seed", "3", "--output", w], check=True, stdout=subprocess.DEVNULL)
    a, b = os.path.join(work, "input.csv"), os.path.join(work, "data.csv")
    subprocess.run([exe, "analyze", "--weights", w, "--input", os.path.join(work, "x.npy"),
                    "--output", a], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([exe, "analyze", "--weights", w, "--data", data, "--norm", "pixel",
                    "--train-limit", str(N_TRAIN), "--test-limit", str(N_TEST), "--batch", "7",
                    "--output", b], check=True, stdout=subprocess.DEVNULL)
    ta, tb = table(a), table(b)
    bad = len(ta) != len(tb) or not ta
    worst = 0.0
    for ra, rb in zip(ta, tb):
        scale = max(float(ra["std"]), 1e-6)
        for k in ("mean", "std", "channel_std"):
            err = abs(float(ra[k]) - float(rb[k])) / scale
            worst = max(worst, err)
            if ra["layer"] != rb["layer"] or err > 1e-4:
                print("%s %s: --input %s, --data %s" % (ra["layer"], k, ra[k], rb[k]))
                bad = True
    print("%d layers: --data against --input, worst relative error %.2e" % (len(ta), worst))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
