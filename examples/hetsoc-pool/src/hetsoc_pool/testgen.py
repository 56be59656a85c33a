"""Random pooling layers with what the golden and cycle models expect: the conformance kit's
cases (`conformance_cases`) and the firmware test's C header (`layers_header`).

``python -m hetsoc_pool.testgen OUT_DIR [--lanes N] [--seed N]`` writes ``pool_layers.h``.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import encoder, golden
from .spec import PoolError, PoolMode

__all__ = ["HEADER", "PoolLayer", "conformance_cases", "error_cases", "firmware_layers",
           "layers_header", "random_layer"]

HEADER = "pool_layers.h"
#: Bytes around an output that a run must leave as they were.
GUARD = 16


@dataclass
class PoolLayer:
    """A layer placed in L1: its descriptor fields, input, golden output and model figures."""

    name: str
    fields: dict
    x: np.ndarray             # (C, H, W) int8
    expected: np.ndarray      # (C, OH, OW) int8
    cycles: int
    beats: int

    @property
    def outputs(self) -> int:
        return self.expected.size


def random_layer(name, rng: random.Random, lanes: int, *, base: int = 0, max_bytes=4096,
                 mode=None, kernel=None, stride=None, relu=None) -> PoolLayer:
    """A seeded random layer at L1 offset `base` (input first, then the output, both at random
    alignments); the input holds at most `max_bytes`."""
    mode = PoolMode(rng.randrange(2) if mode is None else mode)
    k = rng.randint(1, 4) if kernel is None else kernel
    s = rng.randint(1, min(k + 1, 3)) if stride is None else stride
    c = rng.randint(1, 3)
    h = rng.randint(k, k + 9)
    w = rng.randint(k, max(k, min(40, max_bytes // (c * h))))
    relu = rng.randrange(2) == 1 if relu is None else relu
    x_zp, y_zp = rng.randint(-20, 20), rng.randint(-20, 20)
    if mode == PoolMode.MAX and rng.randrange(2):
        m, n, y_zp = 1, 0, x_zp                  # max pooling that passes values through
    else:
        m, n = encoder.requant_params(mode, k, rng.uniform(0.01, 0.05), rng.uniform(0.01, 0.05))
    in_addr = base + rng.randrange(lanes)
    out_addr = in_addr + c * h * w + GUARD + rng.randrange(lanes)
    f = encoder.layer_fields(channels=c, in_h=h, in_w=w, kernel=k, stride=s, mode=mode,
                             in_addr=in_addr, out_addr=out_addr, multiplier=m, shift=n,
                             x_zp=x_zp, y_zp=y_zp, relu=relu)
    x = np.array([rng.randint(-128, 127) for _ in range(c * h * w)], np.int8).reshape(c, h, w)
    y = golden.pool(x, mode=mode, kernel=k, stride=s, multiplier=m, shift=n, x_zp=x_zp,
                    y_zp=y_zp, relu=relu)
    return PoolLayer(name, f, x, y, golden.cycles(f, lanes), golden.read_beats(f, lanes))


def _label(layer: PoolLayer) -> str:
    f = layer.fields
    return (f"{layer.name} {PoolMode(f['mode']).name.lower()} {f['channels']}x{f['in_h']}x"
            f"{f['in_w']} k{f['kernel']} s{f['stride']}{' relu' if f['relu'] else ''}")


def _guard(i: int) -> bytes:
    return bytes((0x5A + 37 * j) & 0xFF for j in range(i))


def conformance_cases(slot, rng: random.Random, l1_size: int):
    """Random layers for the conformance kit (`hetsoc.testing.check_cases`): max and average,
    kernels 1 to 4 (one of 8), strides 1 to 3, ReLU on and off, random requantization and
    alignments; L1 afterwards must hold golden's output with the bytes around it untouched."""
    from hetsoc.testing import Case

    lanes = slot.params.lanes
    picks = [dict(mode=PoolMode.MAX), dict(mode=PoolMode.AVG),
             dict(mode=PoolMode.AVG, kernel=1), dict(mode=PoolMode.MAX, kernel=8, stride=8),
             {}, {}]
    cases = []
    for i, pick in enumerate(picks):
        layer = random_layer(f"layer{i}", rng, lanes, base=lanes * rng.randrange(4),
                             max_bytes=min(2048, l1_size // 4), **pick)
        f = layer.fields
        out, size = f["out_addr"], layer.outputs
        around = _guard(size + 2 * GUARD)
        want = around[:GUARD] + layer.expected.tobytes() + around[GUARD + size:]

        def verify(l1, want=want, lo=out - GUARD):
            got = bytes(l1[lo:lo + len(want)])
            if got == want:
                return None
            j = next(j for j in range(len(want)) if got[j] != want[j])
            where = (f"output byte {j - GUARD}" if GUARD <= j < len(want) - GUARD
                     else f"byte {j - GUARD} around the output")
            return f"{where} is {got[j]:#04x}, golden {want[j]:#04x}"

        encoder.check_l1(f, l1_size)
        cases.append(Case(_label(layer), encoder.encode(f),
                          [(f["in_addr"], layer.x.tobytes()), (out - GUARD, around)],
                          verify, work=size, cycles=layer.cycles, written=size))
    return cases


def firmware_layers(lanes: int, seed: int = 1) -> list[PoolLayer]:
    """The firmware test's layers, 0x1000 bytes of L1 apart: each mode and stride class."""
    rng = random.Random(seed)
    picks = [dict(mode=PoolMode.MAX, kernel=2, stride=2, relu=False),
             dict(mode=PoolMode.AVG, kernel=3, stride=1, relu=True),
             dict(mode=PoolMode.AVG, kernel=2, stride=2, relu=False),
             dict(mode=PoolMode.MAX, kernel=3, stride=2, relu=True),
             dict(mode=PoolMode.MAX, kernel=1, stride=1)]
    return [random_layer(f"layer{i}", rng, lanes, base=0x1000 * i, max_bytes=1500, **p)
            for i, p in enumerate(picks)]


def error_cases(layer: PoolLayer, l1_size: int) -> list[tuple[str, dict, PoolError]]:
    """Descriptors the unit must refuse, made from a valid layer's fields (the encoder would
    refuse them, so they are built past it)."""
    f = layer.fields
    return [
        ("window beyond the input", dict(f, out_w=f["out_w"] + 1), PoolError.WINDOW),
        ("stride 9", dict(f, stride=9), PoolError.KERNEL),
        ("output beyond L1", dict(f, out_addr=l1_size - 1), PoolError.BOUNDS),
        ("overlap", dict(f, out_addr=f["in_addr"] + 1), PoolError.OVERLAP),
        ("zero channels", dict(f, channels=0), PoolError.SHAPE),
    ]


def _array(ctype, name, values, per_line=16) -> list[str]:
    values = [int(v) for v in values]
    fmt = "0x{:08x}u" if ctype == "uint32_t" else "{}"
    body = [", ".join(fmt.format(v) for v in values[i:i + per_line])
            for i in range(0, len(values), per_line)]
    return [f"static const {ctype} {name}[] = {{", *(f"    {line}," for line in body), "};"]


def _struct(f) -> str:
    """A ``pool_layer_t`` initializer (field order of pool.h)."""
    return ("{" + ", ".join(f"{f[k]}" for k in (
        "in_addr", "out_addr", "channels", "in_h", "in_w", "out_h", "out_w", "kernel", "stride",
        "mode", "relu", "shift", "multiplier", "x_zp", "y_zp")) + "}")


def layers_header(layers, errors, lanes: int) -> str:
    """``pool_layers.h`` for ``tests/fw/pool_layers.c``."""
    out = [f"/* {HEADER}: generated by hetsoc_pool.testgen for {lanes} lanes. Do not edit. */",
           "#ifndef POOL_LAYERS_H", "#define POOL_LAYERS_H", "", "#include <stdint.h>",
           '#include "pool.h"', "", f"#define POOL_FW_GUARD {GUARD}u",
           f"#define POOL_FW_LAYERS {len(layers)}", f"#define POOL_FW_ERRORS {len(errors)}", "",
           "struct pool_fw_layer {", "    const char *name;", "    pool_layer_t layer;",
           "    const uint32_t *desc;     /* hetsoc_pool.encoder's words */",
           "    const int8_t *x;", "    uint32_t x_bytes;",
           "    const int8_t *expected;", "    uint32_t out_bytes;", "};", "",
           "struct pool_fw_error {", "    const char *name;", "    pool_layer_t layer;",
           "    uint32_t code;", "};", ""]
    rows = []
    for i, la in enumerate(layers):
        out += _array("int8_t", f"pool_l{i}_x", la.x.reshape(-1))
        out += _array("int8_t", f"pool_l{i}_expected", la.expected.reshape(-1))
        out += _array("uint32_t", f"pool_l{i}_desc", encoder.encode(la.fields), 4)
        rows.append(f'    {{"{la.name}", {_struct(la.fields)}, pool_l{i}_desc, pool_l{i}_x, '
                    f"{la.x.size}u, pool_l{i}_expected, {la.outputs}u}},")
    out += ["static const struct pool_fw_layer pool_fw_layers[POOL_FW_LAYERS] = {", *rows, "};",
            "", "static const struct pool_fw_error pool_fw_errors[POOL_FW_ERRORS] = {"]
    out += [f'    {{"{name}", {_struct(f)}, {int(code)}u}},  /* PoolError.{code.name} */'
            for name, f, code in errors]
    out += ["};", "", "#endif /* POOL_LAYERS_H */", ""]
    return "\n".join(out)


def write_header(out_dir, lanes: int, l1_size: int, seed: int = 1) -> list[PoolLayer]:
    """Write ``pool_layers.h`` into `out_dir`; returns the layers (for the expected figures)."""
    layers = firmware_layers(lanes, seed)
    for la in layers:
        encoder.check_l1(la.fields, l1_size)
    path = Path(out_dir)
    path.mkdir(parents=True, exist_ok=True)
    (path / HEADER).write_text(layers_header(layers, error_cases(layers[0], l1_size), lanes))
    return layers


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hetsoc_pool.testgen",
                                     description="Write the pooling firmware test's header.")
    parser.add_argument("out_dir")
    parser.add_argument("--lanes", type=int, default=8)
    parser.add_argument("--l1-size", type=int, default=0x1_0000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for la in write_header(args.out_dir, args.lanes, args.l1_size, args.seed):
        print(f"{_label(la)}: {la.outputs} outputs, {la.beats} reads, {la.cycles} busy cycles")


if __name__ == "__main__":
    main()
