"""CIM accelerator benchmark: RTL (Amaranth simulation) vs golden on >= 1,000 generated conv2d
and dense layers (noise off and on, many seeds), cycles per layer next to the timing model of
docs/cim.md, and effective MAC/cycle on a 3x3 conv 128->128 at 8x8 and on ResNet-8's
CIM-eligible layers. Prints tables, then one JSON line.

    python bench/cim.py [--layers 1000] [--jobs 2] [--skip-resnet]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hetsoc.accel.cim.bench import CimBench  # noqa: E402
from hetsoc.accel.cim.cost import cycles  # noqa: E402

MACROS = [(32, 16, 8, 8), (16, 8, 4, 2), (64, 8, 16, 8), (288, 64, 16, 16)]
DEFAULT = (1152, 512, 32, 32)     # the default config's macro, 32x32 ternary MACs per cycle
BATCH = 20


def _generate(count):
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from tests.cim.layers import layers

    out = []

    @settings(max_examples=count, deadline=None, derandomize=True, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(layer=layers())
    def collect(layer):
        out.append(layer)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collect()
    del st
    return out


def _run_batch(args):
    macro, batch = args
    from tests.cim.layers import golden

    bench = CimBench(*macro, l1_bytes=1 << 17)
    rows = []
    for layer, run in zip(batch, bench.run(batch), strict=True):
        want = golden(layer, macro[0], macro[1])
        model = sum(cycles(j.fields, macro[2], macro[3]) for j in run.jobs)
        k, c, kh, kw = layer["w"].shape
        rows.append(dict(macro="x".join(map(str, macro)), shape=f"{c}x{layer['x'].shape[1]}x"
                         f"{layer['x'].shape[2]} k{kh}x{kw} s{layer['strides'][0]} ->{k}",
                         noise=int(layer["noise_scale"]), jobs=len(run.jobs),
                         mismatches=int(np.sum(run.y != want)),
                         errors=int(any(run.errors)), cycles=run.busy_cycles, model=model,
                         macs=int(run.y.size * c * kh * kw), prog=run.prog_cycles))
    return rows


def _layer(c, h, k, kh, stride, pad, seed):
    rng = np.random.default_rng(seed)
    return dict(x=rng.integers(-128, 128, (c, h, h)).astype(np.int8),
                w=rng.integers(-1, 2, (k, c, kh, kh)).astype(np.int8),
                bias=rng.integers(-100, 100, k), multiplier=rng.integers(2 ** 30, 2 ** 31, k),
                shift=rng.integers(10, 14, k), x_zero_point=-3, y_zero_point=0, input_shift=1,
                adc_shift=3, strides=(stride, stride), pads=pad, noise_scale=443, seed=seed)


def _named(args):
    name, layer = args
    from tests.cim.layers import golden

    bench = CimBench(*DEFAULT, l1_bytes=1 << 18)
    t = time.time()
    run, = bench.run([layer])
    want = golden(layer, DEFAULT[0], DEFAULT[1])
    k, c, kh, kw = layer["w"].shape
    model = sum(cycles(j.fields, DEFAULT[2], DEFAULT[3]) for j in run.jobs)
    return dict(name=name, macs=int(run.y.size * c * kh * kw), cycles=run.busy_cycles,
                model=model, prog=run.prog_cycles, mismatches=int(np.sum(run.y != want)),
                seconds=round(time.time() - t, 1))


def _resnet_layers():
    from hetsoc import zoo
    from hetsoc.accel.cim.network import cim_layers
    from hetsoc.onnx_import import import_model

    g = import_model(zoo.load("resnet-8-mixed"), name="resnet-8-mixed")
    out = []
    for i, node in enumerate(n for n in g.nodes if n.name in cim_layers(g)):
        _, c, h, _ = g.tensors[node.inputs[0]].shape
        k, _, kh, _ = g.tensors[node.inputs[1]].shape
        a = node.attrs
        out.append((f"resnet-8 {node.name} {c}x{h}x{h} k{kh} s{a['strides'][0]} ->{k}",
                    _layer(c, h, k, kh, a["strides"][0], tuple(a["pads"]), 100 + i)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-resnet", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    layers = _generate(args.layers)
    work = [(MACROS[i // BATCH % len(MACROS)], layers[i:i + BATCH])
            for i in range(0, len(layers), BATCH)]
    named = [("conv3x3 128->128 8x8", _layer(128, 8, 128, 3, 1, (1, 1, 1, 1), 7))]
    if not args.skip_resnet:
        named += _resnet_layers()
    with Pool(args.jobs) as pool:
        named_async = pool.map_async(_named, named)
        rows = [r for batch in pool.imap(_run_batch, work) for r in batch]
        named_rows = named_async.get()

    print(f"{len(rows)} generated layers (RTL vs golden, Amaranth simulation)")
    print(f"{'macro RxC/RpxCp':>16} {'layers':>6} {'noisy':>5} {'split':>5} {'mismatch':>8} "
          f"{'cycles':>10} {'model':>10} {'equal':>5}")
    for macro in MACROS:
        sel = [r for r in rows if r["macro"] == "x".join(map(str, macro))]
        print(f"{'x'.join(map(str, macro)):>16} {len(sel):>6} "
              f"{sum(r['noise'] > 0 for r in sel):>5} {sum(r['jobs'] > 1 for r in sel):>5} "
              f"{sum(r['mismatches'] for r in sel):>8} {sum(r['cycles'] for r in sel):>10} "
              f"{sum(r['model'] for r in sel):>10} "
              f"{sum(r['cycles'] == r['model'] for r in sel):>5}")
    print("\nfirst layers (cycles measured vs timing model):")
    for r in rows[:12]:
        print(f"  {r['macro']:>14} {r['shape']:<26} jobs {r['jobs']} noise {r['noise']:>4}: "
              f"{r['cycles']:>6} cycles, model {r['model']:>6}")
    print(f"\nmacro {DEFAULT[0]}x{DEFAULT[1]}, {DEFAULT[2]}x{DEFAULT[3]} MACs/cycle "
          "(default config), sigma 1 LSB:")
    print(f"{'layer':<44} {'MACs':>10} {'cycles':>8} {'model':>8} {'MAC/cyc':>8} "
          f"{'prog':>6} {'w/ prog':>8} {'mism':>5}")
    for r in named_rows:
        print(f"{r['name']:<44} {r['macs']:>10} {r['cycles']:>8} {r['model']:>8} "
              f"{r['macs'] / r['cycles']:>8.1f} {r['prog']:>6} "
              f"{r['macs'] / (r['cycles'] + r['prog']):>8.1f} {r['mismatches']:>5}")
    res = [r for r in named_rows if r["name"].startswith("resnet")]
    summary = {
        "layers": len(rows), "noisy_layers": sum(r["noise"] > 0 for r in rows),
        "split_layers": sum(r["jobs"] > 1 for r in rows),
        "mismatches": sum(r["mismatches"] for r in rows) + sum(r["mismatches"]
                                                                for r in named_rows),
        "refused": sum(r["errors"] for r in rows),
        "cycle_model_exact": all(r["cycles"] == r["model"] for r in rows + named_rows),
        "conv128_mac_per_cycle": round(named_rows[0]["macs"] / named_rows[0]["cycles"], 2),
        "resnet8_cim_mac_per_cycle": round(sum(r["macs"] for r in res)
                                           / sum(r["cycles"] for r in res), 2) if res else None,
        "seconds": round(time.time() - t0, 1),
    }
    print(json.dumps(summary))
    return 0 if summary["mismatches"] == 0 and summary["cycle_model_exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
