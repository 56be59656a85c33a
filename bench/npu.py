"""NPU benchmark: utilization per layer from the hardware's own counters, the cycle model beside
them, and a bit-exactness and timing campaign over hypothesis-generated layers.

Utilization = MACs / (PEs x busy cycles), with MACs and busy cycles read from the NPU's counters
after each layer (Amaranth simulation of the NPU core with a one-cycle L1 model); every layer's
output is also checked against `hetsoc.golden`, and its busy cycles against the cycle model
(`hetsoc.accel.npu.cost`): equal without stalls, within the stall bound with them. Then
``--layers`` random layers (conv2d, depthwise, dense, add; strides, paddings, zero points,
multipliers, shifts, clamps) run on a 4x4 array with random L1 stalls (3/5 of the batches),
on a 4x4 array without (1/5) and on an 8x8 array without (1/5); each must match golden exactly
with nothing else in L1 written, and meet the model: busy == model without stalls;
model <= busy <= model + stall cycles with them, or failing that (a stall pushed a row fetch
into the drain's writes, which are no stalls) busy <= model + stall + drain writes. Prints a
table, then one JSON line.

    python bench/npu.py [--config default] [--layers 2000] [--skip-util] [--stall]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "npu"))
from layers import Limits, add_layers, conv_layers, dense_layers, expected_l1  # noqa: E402

from hetsoc import golden  # noqa: E402
from hetsoc.accel.npu.bench import NpuBed, run_jobs  # noqa: E402
from hetsoc.accel.npu.cost import job_cycles, job_drain_writes  # noqa: E402
from hetsoc.accel.npu.encoder import conv_job, dense_job  # noqa: E402
from hetsoc.spec.config import load_config  # noqa: E402

BATCH = 20
OPS = ("conv", "depthwise", "dense", "add")
#: How a layer's busy cycles met the model: without stalls "equal" or "unequal"; with stalls
#: "within" [model, model + stall], "past stalls" (above that, within the drain writes) or
#: "outside" (the model is wrong).
VERDICTS = ("equal", "unequal", "within", "past stalls", "outside")


def timing_verdict(busy, stall, model, writes, stalled):
    """Classify a layer's busy cycles against the model (see VERDICTS)."""
    if not stalled:
        return "equal" if (busy, stall) == (model, 0) else "unequal"
    if model <= busy <= model + stall:
        return "within"
    return "past stalls" if model + stall < busy <= model + stall + writes else "outside"


def _layers(rows, cols):
    """The five reference layers: (name, job, golden output, MACs from the shapes)."""
    rng = np.random.default_rng(2024)

    def q(k, taps):
        m = rng.integers(1 << 30, 1 << 31, k)
        return m, np.full(k, 30 + 10 + int(np.log2(taps)) // 2)

    out = []
    for name, c, k, hw, ks, dw in (("conv3x3 16->16 @32x32", 16, 16, 32, 3, False),
                                   ("conv3x3 64->64 @8x8", 64, 64, 8, 3, False),
                                   ("conv1x1 64->64 @16x16", 64, 64, 16, 1, False),
                                   ("depthwise3x3 64 @16x16", 64, 64, 16, 3, True)):
        x = rng.integers(-128, 128, (1, c, hw, hw)).astype(np.int8)
        w = rng.integers(-127, 128, (k, 1 if dw else c, ks, ks)).astype(np.int8)
        b = rng.integers(-5000, 5000, k)
        m, n = q(k, (1 if dw else c) * ks * ks)
        p = ks // 2
        kw = dict(x_zero_point=-3, multiplier=m, shift=n, y_zero_point=5, pads=(p, p, p, p),
                  groups=c if dw else 1)
        want = golden.conv2d(x, w, b, **kw)
        job = conv_job(x, w, b, rows=rows, cols=cols, **kw)
        out.append((name, job, want, want.size * w[0].size))
    x = rng.integers(-128, 128, (1, 256)).astype(np.int8)
    w = rng.integers(-127, 128, (64, 256)).astype(np.int8)
    b = rng.integers(-5000, 5000, 64)
    m, n = q(64, 256)
    kw = dict(x_zero_point=-3, multiplier=m, shift=n, y_zero_point=5)
    want = golden.dense(x, w, b, **kw)
    out.append(("dense 256->64", dense_job(x, w, b, rows=rows, **kw), want, 64 * 256))
    return out


def utilization(config, stall=False):
    npu = config.npu
    pes = npu.rows * npu.cols
    bed = NpuBed(npu.rows, npu.cols, l1_size=config.l1.size, weight_memory=npu.weight_memory,
                 stall=stall)
    layers = _layers(npu.rows, npu.cols)
    res = run_jobs(bed, [job for _, job, _, _ in layers])
    rows = []
    for (name, job, want, macs), r in zip(layers, res, strict=True):
        exact = r["done"] == 1 and r["l1_after"] == expected_l1(job, want, r["l1_before"])
        t = time.perf_counter()
        model = job_cycles(job, rows=npu.rows, cols=npu.cols)
        model_ms = (time.perf_counter() - t) * 1e3
        writes = job_drain_writes(job, rows=npu.rows, cols=npu.cols)
        rows.append({"layer": name, "macs": macs, "macs_counted": r["macs"],
                     "cycles": r["busy"], "stall_cycles": r["stall"], "model_cycles": model,
                     "model": timing_verdict(r["busy"], r["stall"], model, writes, stall),
                     "model_ms": round(model_ms, 3),
                     "utilization": round(r["macs"] / (pes * r["busy"]), 4), "exact": exact})
    return rows


def campaign(count):
    """Run ``count`` random layers in batches of BATCH per simulation: 3/5 of the batches on a
    4x4 array with random L1 stalls, 1/5 on a 4x4 array and 1/5 on an 8x8 array without;
    returns Counters of (op, bit-exact) and (op, timing verdict)."""
    stats, timing = Counter(), Counter()

    def campaign_on(limits, batches, make_bed, stalled):
        mixed = st.one_of(conv_layers(limits), conv_layers(limits, depthwise=True),
                          dense_layers(limits), add_layers(limits))

        @settings(max_examples=batches, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(mixed, min_size=BATCH, max_size=BATCH), st.integers(1, 2**16 - 1))
        def run(layers, s):
            bed = make_bed(s)
            res = run_jobs(bed, [lay[0] for lay in layers], fill_seed=s)
            shape = dict(rows=bed.rows, cols=bed.core.cols)
            for (job, want, macs), r in zip(layers, res, strict=True):
                op = OPS[job.desc[0] & 3]
                ok = (r["done"] == 1 and r["macs"] == macs
                      and r["l1_after"] == expected_l1(job, want, r["l1_before"]))
                stats[(op, ok)] += 1
                timing[(op, timing_verdict(r["busy"], r["stall"], job_cycles(job, **shape),
                                           job_drain_writes(job, **shape), stalled))] += 1

        run()

    batches = -(-count // BATCH)
    quiet, wide = batches // 5, batches // 5
    campaign_on(Limits(), batches - quiet - wide, lambda s: NpuBed(4, 4, seed=s), True)
    if quiet:
        campaign_on(Limits(), quiet, lambda s: NpuBed(4, 4, stall=False), False)
    if wide:
        campaign_on(Limits(rows=8, cols=8, max_c=3, max_k=10, max_hw=12, port_bytes=16), wide,
                    lambda s: NpuBed(8, 8, l1_size=8192, weight_memory=8192, stall=False), False)
    return stats, timing


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="default")
    ap.add_argument("--layers", type=int, default=2000)
    ap.add_argument("--skip-util", action="store_true")
    ap.add_argument("--stall", action="store_true",
                    help="L1 withholds ready on about 1/4 of cycles and holds each response "
                         "back on about 1/4 of cycles (an LFSR)")
    args = ap.parse_args()
    config = load_config(args.config)
    t = time.time()
    report = {"config": args.config, "rows": config.npu.rows, "cols": config.npu.cols,
              "l1_stalls": args.stall}
    if not args.skip_util:
        rows = utilization(config, args.stall)
        l1_kind = "random L1 stalls" if args.stall else "one-cycle L1"
        print(f"NPU {config.npu.rows}x{config.npu.cols} ({args.config}), {l1_kind}, "
              f"counters of the hardware, cycle model beside them")
        print(f"{'layer':<26} {'MACs':>9} {'cycles':>8} {'model':>8} {'stalls':>7} {'util':>7} "
              f"exact timing")
        for r in rows:
            print(f"{r['layer']:<26} {r['macs']:>9} {r['cycles']:>8} {r['model_cycles']:>8} "
                  f"{r['stall_cycles']:>7} {100 * r['utilization']:>6.1f}% {r['exact']!s:<5} "
                  f"{r['model']}")
        report["layers"] = rows
    if args.layers:
        stats, timing = campaign(args.layers)
        total = sum(stats.values())
        bad = sum(v for (op, ok), v in stats.items() if not ok)
        per_op = {op: stats[(op, True)] + stats[(op, False)] for op in OPS}
        print(f"random layers: {total} run, {bad} mismatches; per op: "
              + ", ".join(f"{op} {per_op[op]}" for op in OPS))
        print(f"{'cycle model':<12} " + " ".join(f"{v:>12}" for v in VERDICTS))
        for op in OPS:
            print(f"{op:<12} " + " ".join(f"{timing[(op, v)]:>12}" for v in VERDICTS))
        report["campaign_arrays"] = ["4x4 with random L1 stalls", "4x4", "8x8"]
        report["random_layers"] = total
        report["mismatches"] = bad
        report["per_op"] = per_op
        report["model_timing"] = {op: {v: timing[(op, v)] for v in VERDICTS} for op in OPS}
        report["model_violations"] = sum(timing[(op, v)] for op in OPS
                                         for v in ("unequal", "outside"))
    report["seconds"] = round(time.time() - t, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
