#!/usr/bin/env python3
"""bench/report.py: tables from the JSON lines that vs_pytorch.sh and e2e.sh collect.

    report.py vs-pytorch [--peak G] [--torch-alloc A] [--alloc-trials T.jsonl] OURS.jsonl TORCH.jsonl
        OURS: one `<model> bench --json` object per round; TORCH: one torch_bench.py --json
        object per round. Medians over rounds; speedup = ours / PyTorch's best layout
        (latency: PyTorch ms / ours ms); fraction of peak G. Names PyTorch's best layout per
        column and its allocator (TORCH's "allocator"; A: vs_pytorch.sh's --torch-alloc; T:
        its auto trials, torch_bench.py --json lines with "candidate").
    report.py e2e [--peak G] MODEL:SPEC.jsonl:GENERIC.jsonl...
        specialized (`bench`) against generic (`bench --generic`) per model.
    --json: one JSON object (the medians) instead of the table.

Only the standard library: any python3 runs it. It computes nothing but medians and ratios
of what the benchmarks measured.
"""
import argparse
import json
import statistics
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def med(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def vs_pytorch(a):
    ours, torch = load(a.ours), load(a.torch)
    if not ours or not torch:
        sys.exit("report.py: no results in %s or %s" % (a.ours, a.torch))
    o = ours[0]
    model, batch, ib, threads = o["model"], o["batch"], o["infer_batch"], o["threads"]
    macs = o["macs_per_image"]
    res = {"model": model, "batch": batch, "infer_batch": ib, "threads": threads,
           "rounds": len(ours), "iters": o["iters"], "peak_gflops": a.peak or None,
           "resnetc": {k: med(ours, k) for k in ("train_img_per_s", "infer_img_per_s",
                                                 "latency_ms_b1", "train_gflops",
                                                 "infer_gflops")},
           "pytorch": {}}
    allocs = sorted({t.get("allocator", "unknown") for t in torch})
    res["pytorch_allocator"] = allocs[0] if len(allocs) == 1 else allocs
    res["torch_alloc_option"] = a.torch_alloc
    trials = load(a.alloc_trials) if a.alloc_trials else []
    res["alloc_trials"] = [{"candidate": t.get("candidate", t.get("allocator")),
                            "train_img_per_s": t["best"].get("train_img_per_s"),
                            "train_layout": t["best"].get("train_layout")} for t in trials]
    layouts = list(torch[0]["layouts"])
    for lay in layouts:
        rows = [t["layouts"][lay] for t in torch if lay in t["layouts"]]
        res["pytorch"][lay] = {k: med(rows, k) for k in ("train_img_per_s", "infer_img_per_s",
                                                          "latency_ms_b1")}

    def best(key, better):
        c = [(v[key], lay) for lay, v in res["pytorch"].items() if v.get(key) is not None]
        return better(c) if c else (None, None)

    bt, btl = best("train_img_per_s", max)
    bi, bil = best("infer_img_per_s", max)
    bl, bll = best("latency_ms_b1", min)
    r = res["resnetc"]
    res["best"] = {"train": [btl, bt], "infer": [bil, bi], "latency": [bll, bl]}
    res["speedup"] = {"train": ratio(r["train_img_per_s"], bt),
                      "infer": ratio(r["infer_img_per_s"], bi),
                      "latency": ratio(bl, r["latency_ms_b1"])}
    pk = a.peak if a.peak and a.peak > 0 else None
    tg = None if bt is None else bt * 6.0 * macs * 1e-9
    ig = None if bi is None else bi * 2.0 * macs * 1e-9
    res["frac_peak"] = {"resnetc_train": ratio(r["train_gflops"], pk),
                        "resnetc_infer": ratio(r["infer_gflops"], pk),
                        "pytorch_train": ratio(tg, pk), "pytorch_infer": ratio(ig, pk)}
    if a.json:
        print(json.dumps(res))
        return
    print("\n%s: batch %d (inference %d), %d threads; medians of %d interleaved rounds x %d "
          "iterations; peak %s GFLOP/s; PyTorch allocator %s" % (
              model, batch, ib, threads, len(ours), o["iters"], fmt(pk, "%.1f"),
              ",".join(allocs)))
    W = "%14s"
    cols = ["resnetc"] + layouts
    print("  %-18s" % "" + "".join(W % c for c in cols) + W % "speedup")
    rows = [("train img/s", "train_img_per_s", "%.2f", res["speedup"]["train"]),
            ("infer img/s", "infer_img_per_s", "%.2f", res["speedup"]["infer"]),
            ("latency b1 ms", "latency_ms_b1", "%.3f", res["speedup"]["latency"])]
    for label, key, f, sp in rows:
        vals = [r[key]] + [res["pytorch"][lay].get(key) for lay in layouts]
        print("  %-18s" % label + "".join(W % fmt(v, f) for v in vals)
              + W % (fmt(sp, "%.2fx")))
    print("  %-18s%14s%14s" % ("train GFLOP/s", fmt(r["train_gflops"]), fmt(tg))
          + "  (PyTorch: best layout, resnetc's FLOP count)")
    print("  %-18s%14s%14s" % ("infer GFLOP/s", fmt(r["infer_gflops"]), fmt(ig)))
    if pk:
        fp = res["frac_peak"]
        print("  %-18s%14s%14s" % ("train % of peak", fmt(fp["resnetc_train"] and
                                                          100 * fp["resnetc_train"], "%.1f"),
                                   fmt(fp["pytorch_train"] and 100 * fp["pytorch_train"],
                                       "%.1f")))
        print("  %-18s%14s%14s" % ("infer % of peak", fmt(fp["resnetc_infer"] and
                                                          100 * fp["resnetc_infer"], "%.1f"),
                                   fmt(fp["pytorch_infer"] and 100 * fp["pytorch_infer"],
                                       "%.1f")))
    print("  PyTorch's best: train %s img/s (%s), infer %s img/s (%s), batch-1 latency %s ms (%s)"
          % (fmt(bt), btl, fmt(bi), bil, fmt(bl, "%.3f"), bll))
    how = ""
    if res["alloc_trials"]:
        how = "; auto's training trial: " + ", ".join(
            "%s %s (%s)" % (t["candidate"], fmt(t["train_img_per_s"], "%.1f"), t["train_layout"])
            for t in res["alloc_trials"])
    print("  PyTorch's allocator: %s%s%s" % (
        ",".join(allocs), " (--torch-alloc %s)" % a.torch_alloc if a.torch_alloc else "", how)
        + ("; untuned glibc malloc flatters resnetc (training ~2-3x)"
           if "glibc" in allocs else ""))
    print("  speedup: resnetc / PyTorch's best layout; > 1 means resnetc is faster")


def e2e(a):
    out = []
    for item in a.items:
        try:
            model, sp, ge = item.split(":")
        except ValueError:
            sys.exit("report.py: e2e: expected MODEL:SPEC.jsonl:GENERIC.jsonl, got %r" % item)
        s = load(sp)
        if s and "error" in s[0]:
            out.append({"model": model, "error": s[0]["error"]})
            continue
        g = load(ge)
        if not s or not g:
            sys.exit("report.py: e2e: %s: no results" % model)
        row = {"model": model, "batch": s[0]["batch"], "threads": s[0]["threads"],
               "rounds": len(s), "spec_iters": s[0]["iters"], "generic_iters": g[0]["iters"]}
        for k in ("train_img_per_s", "infer_img_per_s", "latency_ms_b1", "train_gflops",
                  "infer_gflops"):
            row["spec_" + k] = med(s, k)
            row["generic_" + k] = med(g, k)
        row["speedup_train"] = ratio(row["spec_train_img_per_s"], row["generic_train_img_per_s"])
        row["speedup_infer"] = ratio(row["spec_infer_img_per_s"], row["generic_infer_img_per_s"])
        row["speedup_latency"] = ratio(row["generic_latency_ms_b1"], row["spec_latency_ms_b1"])
        pk = a.peak if a.peak and a.peak > 0 else None
        row["spec_train_frac_peak"] = ratio(row["spec_train_gflops"], pk)
        row["spec_infer_frac_peak"] = ratio(row["spec_infer_gflops"], pk)
        out.append(row)
    if a.json:
        print(json.dumps({"peak_gflops": a.peak or None, "models": out}))
        return
    print("\nspecialized (generated) vs generic (reference executor) end to end; medians; "
          "speedup = specialized / generic (latency: generic ms / specialized ms)")
    h = ("model", "batch", "thr", "train img/s", "generic", "speedup", "GF/s", "infer img/s",
         "generic", "speedup", "GF/s", "b1 ms", "generic", "speedup")
    print("%-10s%6s%4s" % h[:3] + "".join("%12s" % x for x in h[3:]))
    for r in out:
        if "error" in r:
            print("%-10s  %s" % (r["model"], r["error"]))
            continue
        print("%-10s%6d%4d" % (r["model"], r["batch"], r["threads"]) + "".join(
            "%12s" % x for x in (
                fmt(r["spec_train_img_per_s"]), fmt(r["generic_train_img_per_s"]),
                fmt(r["speedup_train"], "%.1fx"), fmt(r["spec_train_gflops"], "%.1f"),
                fmt(r["spec_infer_img_per_s"]), fmt(r["generic_infer_img_per_s"]),
                fmt(r["speedup_infer"], "%.1fx"), fmt(r["spec_infer_gflops"], "%.1f"),
                fmt(r["spec_latency_ms_b1"], "%.3f"), fmt(r["generic_latency_ms_b1"], "%.3f"),
                fmt(r["speedup_latency"], "%.1fx"))))
    if a.peak:
        print("peak %.1f GFLOP/s (bench/peak); specialized fraction of peak: %s" % (
            a.peak, ", ".join("%s train %s%% infer %s%%" % (
                r["model"], fmt(r["spec_train_frac_peak"] and 100 * r["spec_train_frac_peak"],
                                "%.1f"),
                fmt(r["spec_infer_frac_peak"] and 100 * r["spec_infer_frac_peak"], "%.1f"))
                for r in out if "error" not in r)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vs-pytorch")
    v.add_argument("ours")
    v.add_argument("torch")
    v.add_argument("--torch-alloc", default=None,
                   help="vs_pytorch.sh's --torch-alloc, for the table")
    v.add_argument("--alloc-trials", default=None,
                   help="--torch-alloc auto's trials: torch_bench.py --json lines")
    e = sub.add_parser("e2e")
    e.add_argument("items", nargs="+")
    for s in (v, e):
        s.add_argument("--peak", type=float, default=0.0)
        s.add_argument("--json", action="store_true")
    a = p.parse_args()
    (vs_pytorch if a.cmd == "vs-pytorch" else e2e)(a)


if __name__ == "__main__":
    main()
