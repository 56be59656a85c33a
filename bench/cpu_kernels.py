"""CPU kernel benchmark: cycles of the C kernels (sw/kernels) on the Verilator SoC.

Per op and shape: the MACs (or output elements), the cycles measured with ``rdcycle`` around
the call, cycles per MAC (or per element), the cycle model's estimate
(`hetsoc.accel.cpu.cost`) and its error; every output is checked against `hetsoc.golden` and
the bytes around it against being written. Activations are in L1 (the 3x3 16->16 layer runs
in L2 too), blobs and scratch in L2, as the compiler places them. Prints a table, then one
JSON line. ``--calibrate`` instead measures `hetsoc.accel.cpu.calibrate`'s small layers and
prints the fitted `cost.OVERHEADS` table.

    python bench/cpu_kernels.py [--config default] [--calibrate]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from hetsoc.accel.cpu import cost
from hetsoc.accel.cpu import testgen as tg
from hetsoc.accel.cpu.bench import run_cases
from hetsoc.accel.cpu.calibrate import calibration_cases, fit
from hetsoc.spec.config import load_config


def bench_cases() -> list[tuple[str, str, tg.KernelCase]]:
    """(op, shape, case) of every benchmarked layer."""
    rng = np.random.default_rng(2025)
    same = (1, 1, 1, 1)
    rows = [
        ("conv3x3", "16->16 @32x32", tg.conv_case(rng, "conv3x3_16_32", c=16, o=16, h=32, w=32,
                                                 kernel=(3, 3), pads=same)),
        ("conv3x3", "16->16 @16x16", tg.conv_case(rng, "conv3x3_16_16", c=16, o=16, h=16, w=16,
                                                 kernel=(3, 3), pads=same)),
        ("conv3x3", "16->32 @32x32 stride 2", tg.conv_case(
            rng, "conv3x3_s2", c=16, o=32, h=32, w=32, kernel=(3, 3), strides=(2, 2),
            pads=(0, 0, 1, 1))),
        ("conv3x3", "32->32 @16x16", tg.conv_case(rng, "conv3x3_32_16", c=32, o=32, h=16,
                                                 w=16, kernel=(3, 3), pads=same)),
        ("conv3x3", "3->8 @96x96 stride 2", tg.conv_case(
            rng, "conv3x3_mobilenet1", c=3, o=8, h=96, w=96, kernel=(3, 3), strides=(2, 2),
            pads=(0, 0, 1, 1))),
        ("conv1x1", "64->64 @8x8", tg.conv_case(rng, "conv1x1_64", c=64, o=64, h=8, w=8,
                                               kernel=(1, 1))),
        ("conv1x1", "64->64 @25x5", tg.conv_case(rng, "conv1x1_dscnn", c=64, o=64, h=25, w=5,
                                                kernel=(1, 1))),
        ("conv1x1", "16->32 @32x32 stride 2", tg.conv_case(
            rng, "conv1x1_s2", c=16, o=32, h=32, w=32, kernel=(1, 1), strides=(2, 2))),
        ("conv10x4", "1->64 @49x10 stride 2 (DS-CNN conv1)", tg.conv_case(
            rng, "conv_dscnn1", c=1, o=64, h=49, w=10, kernel=(10, 4), strides=(2, 2),
            pads=(4, 1, 5, 1))),
        ("depthwise3x3", "64 @16x16", tg.conv_case(rng, "dw3x3_64", c=64, o=64, h=16, w=16,
                                                  kernel=(3, 3), pads=same, depthwise=True)),
        ("depthwise3x3", "64 @25x5 (DS-CNN)", tg.conv_case(
            rng, "dw3x3_dscnn", c=64, o=64, h=25, w=5, kernel=(3, 3), pads=same,
            depthwise=True)),
        ("depthwise3x3", "32 @24x24 stride 2", tg.conv_case(
            rng, "dw3x3_s2", c=32, o=32, h=24, w=24, kernel=(3, 3), strides=(2, 2),
            pads=(0, 0, 1, 1), depthwise=True)),
        ("dense", "256->64", tg.dense_case(rng, "dense_256", k=256, o=64)),
        ("dense", "640->128", tg.dense_case(rng, "dense_640", k=640, o=128)),
        ("add", "16x32x32", tg.add_case(rng, "add", a_shape=(1, 16, 32, 32),
                                        b_shape=(1, 16, 32, 32))),
        ("add", "64x8x8 + 64x1x1", tg.add_case(rng, "add_bcast", a_shape=(1, 64, 8, 8),
                                               b_shape=(1, 64, 1, 1))),
        ("avgpool", "64x25x5, 24x5 window (DS-CNN)", tg.pool_case(
            rng, "avgpool_dscnn", op="avgpool", shape=(1, 64, 25, 5), kernel=(24, 5),
            strides=(24, 5))),
        ("avgpool", "16x16x16, 3x3 pads 1", tg.pool_case(
            rng, "avgpool_3x3", op="avgpool", shape=(1, 16, 16, 16), kernel=(3, 3),
            pads=same)),
        ("maxpool", "16x32x32, 2x2 stride 2", tg.pool_case(
            rng, "maxpool_2x2", op="maxpool", shape=(1, 16, 32, 32), kernel=(2, 2),
            strides=(2, 2))),
        ("maxpool", "16x16x16, 3x3 stride 2 pads 1", tg.pool_case(
            rng, "maxpool_3x3", op="maxpool", shape=(1, 16, 16, 16), kernel=(3, 3),
            strides=(2, 2), pads=same)),
        ("softmax", "1x12", tg.softmax_case(rng, "softmax_12", shape=(1, 12))),
        ("softmax", "8x100", tg.softmax_case(rng, "softmax_100", shape=(8, 100))),
        ("rescale", "clip 4096", tg.rescale_case(rng, "clip", op="clip", shape=(1, 4096))),
        ("concat", "2 x 16x16x16, channels", tg.concat_case(
            rng, "concat", shapes=[(1, 16, 16, 16), (1, 16, 16, 16)], axis=1)),
    ]
    return rows


def calibrate(config) -> int:
    t0 = time.time()
    cases = [c for seed in (7, 8, 9) for c in calibration_cases(np.random.default_rng(seed))]
    results = run_cases(cases, "verilator", config)
    bad = [r.case.name for r in results if not (r.exact and r.guards_ok)]
    pairs = [(dict(cost.counts(r.case.call.kernel, dict(r.case.call.args))), r.cycles)
             for r in results]
    table, errors = fit(pairs)
    print("OVERHEADS: dict[str, float] = {")
    items = [f"{k!r}: {v}," for k, v in table.items()]
    line = "   "
    for item in items:
        if len(line) + len(item) + 1 > 99:
            print(line)
            line = "   "
        line += " " + item
    print(line + "\n}")
    print(f"# {len(cases)} layers, fit error max {np.abs(errors).max():.2f}% rms "
          f"{np.sqrt((errors ** 2).mean()):.2f}%, {time.time() - t0:.0f} s"
          + (f"; NOT EXACT: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="default")
    ap.add_argument("--calibrate", action="store_true",
                    help="fit the cycle model's overheads instead of benchmarking")
    args = ap.parse_args()
    config = load_config(args.config)
    if args.calibrate:
        return calibrate(config)
    t0 = time.time()
    rows = bench_cases()
    results = run_cases([c for _, _, c in rows], "verilator", config)
    l2_case = rows[1][2]
    l2 = run_cases([l2_case], "verilator", config, where="l2")[0]
    figures, lines = {}, []
    head = (f"{'op':13s} {'shape':38s} {'MACs/elems':>10s} {'cycles':>10s} {'per':>9s} "
            f"{'estimate':>10s} {'error':>7s}  exact")
    for (op, shape, case), r in [*zip(rows, results, strict=True),
                                 (("conv3x3", "16->16 @16x16, tensors in L2", l2_case), l2)]:
        macs = case.call.macs
        work = macs or case.expected.size
        unit = "MAC" if macs else "element"
        est = case.call.cycles
        err = (est - r.cycles) / r.cycles * 100
        exact = r.exact and r.guards_ok
        key = case.name + ("_l2" if r is l2 else "")
        figures[key] = {"op": op, "shape": shape, "macs": macs, "elements": case.expected.size,
                        "cycles": r.cycles, f"cycles_per_{unit}": round(r.cycles / work, 3),
                        "estimate": est, "error_pct": round(err, 2), "exact": exact}
        lines.append(f"{op:13s} {shape:38s} {work:10d} {r.cycles:10d} "
                     f"{r.cycles / work:6.2f}/{unit[0]} {est:10d} {err:+6.2f}%  "
                     f"{'yes' if exact else 'NO: ' + r.mismatch()}")
    print(f"CPU kernels on the Verilator SoC, config {config.name!r} (cycles measured with "
          f"rdcycle around the call; /M per MAC, /e per output element)")
    print(head)
    print("-" * len(head))
    print("\n".join(lines))
    errors = [abs(f["error_pct"]) for f in figures.values()]
    summary = {
        "config": config.name,
        "conv3x3_16x16ch_32x32_cycles_per_mac": figures["conv3x3_16_32"]["cycles_per_MAC"],
        "conv3x3_16x16ch_16x16_cycles_per_mac": figures["conv3x3_16_16"]["cycles_per_MAC"],
        "max_model_error_pct": max(errors),
        "all_exact": all(f["exact"] for f in figures.values()),
        "seconds": round(time.time() - t0, 1),
        "layers": figures,
    }
    print(f"model error: max {max(errors):.2f}%, mean {np.mean(errors):.2f}%; "
          f"{time.time() - t0:.0f} s")
    print(json.dumps(summary))
    return 0 if summary["all_exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
