"""C headers for the NPU firmware tests: layers with golden outputs, and invalid descriptors.

For each layer (random, seeded) the encoder (`hetsoc.npu`) gives the weight-memory image, the
descriptor words and the L1 placement, and `hetsoc.golden` (the executor's own op functions,
the ones the standalone NPU tests use) gives the expected int8 output; the MAC count is taken
from the shapes, the busy cycles and the drain's writes from the cycle model (`.cost`).
:func:`layers_header` writes all of it as C arrays for ``sw/tests/npu_layer.c``;
:func:`errors_header` writes descriptors the hardware must refuse, each with its `NpuError`, for
``sw/tests/npu_errors.c``. Every descriptor comes from `pack_descriptor`, the gateware's layout.

``python -m hetsoc.accel.npu.testgen OUT_DIR [--config NAME] [--seed N]`` writes both headers.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ... import golden
from ...spec.config import SocConfig, load_config
from ...spec.npu import DESC_WORDS, DESCRIPTOR, PARAM_WORDS, NpuError, Op, pack_descriptor
from .cost import job_cycles, job_drain_writes
from .encoder import NpuJob, add_job, conv_job, dense_job

__all__ = [
    "LAYERS_HEADER", "ERRORS_HEADER", "FirmwareLayer", "BadDescriptor", "conv_layer",
    "dense_layer", "add_layer", "default_layers", "bad_descriptors", "layers_header",
    "errors_header", "write_headers",
]

LAYERS_HEADER = "npu_layers.h"
ERRORS_HEADER = "npu_error_cases.h"
#: Bytes checked on either side of a layer's tensors (they must stay as they were).
GUARD = 64


@dataclass
class FirmwareLayer:
    """A layer for the firmware: the encoded job, golden's output, its MAC count, and from the
    cycle model its busy cycles without L1 stalls and its drain's L1 writes (with stalls the
    busy counter lies in ``[cycles, cycles + stall cycles + drain_writes]``)."""

    name: str
    job: NpuJob
    expected: np.ndarray
    macs: int
    cycles: int
    drain_writes: int

    @classmethod
    def timed(cls, name: str, job: NpuJob, expected: np.ndarray, macs: int, *, rows: int,
              cols: int) -> FirmwareLayer:
        """The layer with the model's figures for a ``rows x cols`` array."""
        return cls(name, job, expected, macs, job_cycles(job, rows=rows, cols=cols),
                   job_drain_writes(job, rows=rows, cols=cols))

    @property
    def extent(self) -> tuple[int, int]:
        """L1 offsets ``[lo, hi)`` holding the tensors and a guard band, word-aligned."""
        spans = [(base, base + len(data)) for base, data in self.job.inputs]
        spans.append((self.job.out_base, self.job.out_base + self.expected.nbytes))
        lo = max(0, min(a for a, _ in spans) - GUARD) & ~3
        hi = (max(b for _, b in spans) + GUARD + 3) & ~3
        return lo, hi


@dataclass
class BadDescriptor:
    """A descriptor the NPU must refuse with ``error``."""

    name: str
    desc: list[int]
    error: NpuError


def _requant(acc: np.ndarray, rng: np.random.Generator, spread: float = 40.0):
    """Per-channel multiplier and shift putting a channel's accumulators at about +-spread."""
    k = acc.shape[1]
    per = np.moveaxis(acc, 1, 0).reshape(k, -1).astype(np.float64)
    std = np.maximum(per.std(axis=1), 1.0)
    real = spread / std * rng.uniform(0.7, 1.3, k)
    return golden.quantize_multiplier(real)


def conv_layer(rng: np.random.Generator, name: str, *, c: int, k: int, h: int, w: int,
               kernel: tuple[int, int], stride: int = 1, pads=(0, 0, 0, 0),
               depthwise: bool = False, y_min: int = -128, y_max: int = 127, rows: int = 16,
               cols: int = 16, in_base: int = 0, out_base: int | None = None,
               w_base: int = 0) -> FirmwareLayer:
    """A random conv2d (or depthwise, ``k == c``) with golden's output."""
    groups = c if depthwise else 1
    x = rng.integers(-128, 128, (1, c, h, w)).astype(np.int8)
    wt = rng.integers(-127, 128, (k, c // groups, *kernel)).astype(np.int8)
    bias = rng.integers(-(1 << 12), 1 << 12, k)
    geometry = dict(x_zero_point=int(rng.integers(-20, 21)), strides=(stride, stride),
                    pads=tuple(pads), groups=groups)
    acc = golden.conv2d_acc(x, wt, bias, **geometry)
    m, n = _requant(acc, rng)
    kwargs = dict(geometry, multiplier=m, shift=n, y_zero_point=int(rng.integers(-10, 11)),
                  y_min=y_min, y_max=y_max)
    job = conv_job(x, wt, bias, rows=rows, cols=cols, in_base=in_base, out_base=out_base,
                   w_base=w_base, **kwargs)
    want = golden.conv2d(x, wt, bias, **kwargs)
    return FirmwareLayer.timed(name, job, want, want.size * wt[0].size, rows=rows, cols=cols)


def dense_layer(rng: np.random.Generator, name: str, *, n: int, k: int, o: int,
                rows: int = 16, cols: int = 16, in_base: int = 0, out_base: int | None = None,
                w_base: int = 0) -> FirmwareLayer:
    """A random dense layer x (n, k) by w (o, k) with golden's output."""
    x = rng.integers(-128, 128, (n, k)).astype(np.int8)
    wt = rng.integers(-127, 128, (o, k)).astype(np.int8)
    bias = rng.integers(-(1 << 12), 1 << 12, o)
    xzp = int(rng.integers(-20, 21))
    m, sh = _requant(golden.dense_acc(x, wt, bias, x_zero_point=xzp), rng)
    kwargs = dict(x_zero_point=xzp, multiplier=m, shift=sh,
                  y_zero_point=int(rng.integers(-10, 11)))
    job = dense_job(x, wt, bias, rows=rows, in_base=in_base, out_base=out_base, w_base=w_base,
                    **kwargs)
    want = golden.dense(x, wt, bias, **kwargs)
    return FirmwareLayer.timed(name, job, want, n * o * k, rows=rows, cols=cols)


def add_layer(rng: np.random.Generator, name: str, *, length: int, a_base: int, align: int,
              rows: int = 16, cols: int = 16) -> FirmwareLayer:
    """A random residual add of two int8 vectors with golden's output (no MACs)."""
    a = rng.integers(-128, 128, length).astype(np.int8)
    b = rng.integers(-128, 128, length).astype(np.int8)
    ma, mb, sh = golden.add_multipliers(float(rng.uniform(0.3, 1.5)), float(rng.uniform(0.3, 1.5)))
    kwargs = dict(a_zero_point=int(rng.integers(-20, 21)),
                  b_zero_point=int(rng.integers(-20, 21)), a_multiplier=ma, b_multiplier=mb,
                  shift=sh, y_zero_point=int(rng.integers(-10, 11)))
    job = add_job(a, b, a_base=a_base, align=align, **kwargs)
    return FirmwareLayer.timed(name, job, golden.add(a, b, **kwargs), 0, rows=rows, cols=cols)


def _npu(config: SocConfig, unit: str):
    """The parameters of the config's NPU named `unit`."""
    slot = config.accelerator(unit)
    if slot.kind != "npu":
        raise ValueError(f"accelerator {unit!r} of config {config.name!r} is a {slot.kind}, "
                         f"not an npu")
    return slot.params


def default_layers(config: SocConfig, seed: int = 1, unit: str = "npu") -> list[FirmwareLayer]:
    """The layers of ``npu_layer.c`` for the NPU named `unit`: each in its own slice of L1
    (16 KiB, or an eighth of a smaller L1), bases unaligned where the op allows it, ``w_base``
    not always 0."""
    npu = _npu(config, unit)
    rows, cols = npu.rows, npu.cols
    rng = np.random.default_rng(seed)
    slot = min(0x4000, config.l1.size // 8)
    arr = dict(rows=rows, cols=cols)
    return [
        conv_layer(rng, "conv3x3_s2", c=8, k=rows + 4, h=19, w=23, kernel=(3, 3), stride=2,
                   pads=(1, 1, 0, 1), y_min=0, in_base=0 * slot + 67, w_base=100, **arr),
        conv_layer(rng, "conv3x3_folded", c=16, k=rows, h=cols // 2, w=cols // 2,
                   kernel=(3, 3), pads=(1, 1, 1, 1), in_base=1 * slot + 64, **arr),
        conv_layer(rng, "depthwise3x3", c=rows + 8, k=rows + 8, h=14, w=14, kernel=(3, 3),
                   pads=(1, 1, 1, 1), depthwise=True, in_base=2 * slot + 130, w_base=7, **arr),
        dense_layer(rng, "dense", n=2, k=100, o=2 * rows + 8, in_base=3 * slot + 65, w_base=3,
                    **arr),
        add_layer(rng, "add", length=300, a_base=4 * slot + 2 * 2 * cols, align=2 * cols,
                  **arr),
    ]


def bad_descriptors(config: SocConfig,
                    unit: str = "npu") -> tuple[list[BadDescriptor], tuple[int, int]]:
    """Invalid descriptors for ``npu_errors.c`` and the L1 area their tensors point into.

    The valid parts of every descriptor lie in the returned ``[lo, hi)`` (or in the last 4 KiB
    of L1, for the cases that run past its end); a refused layer must change neither.
    """
    l1 = config.l1.size
    npu = _npu(config, unit)
    rows, cols = npu.rows, npu.cols
    weight_words = npu.weight_memory // rows
    port = 2 * cols
    lo, hi = 0x8000, 0x9000

    def conv(**over):
        f = dict(op=int(Op.CONV), kh=3, kw=3, stride=1, pad_t=1, pad_l=1, pad_b=1, pad_r=1,
                 in_base=lo + 8, in_c=4, in_h=10, in_w=10, in_cs=100, in_rs=10,
                 out_base=lo + 0x400, out_k=8, out_h=10, out_w=10, out_cs=100, out_rs=10,
                 w_base=0, y_min=-128, y_max=127)
        f.update(over)
        return pack_descriptor(**f)

    def add(**over):
        f = dict(op=int(Op.ADD), in_base=lo, b_base=lo + 4 * port, out_base=lo + 8 * port,
                 length=100, a_mult=1 << 30, b_mult=1 << 30, add_shift=31, y_min=-128,
                 y_max=127)
        f.update(over)
        return pack_descriptor(**f)

    blocks = -(-8 // rows)
    cases = [
        ("input tile past the end of L1", conv(in_base=l1 - 100), NpuError.INPUT),
        ("input tile larger than L1", conv(in_c=5, in_cs=l1 // 4), NpuError.INPUT),
        ("output tile past the end of L1", conv(out_base=l1 - 64), NpuError.OUTPUT),
        # the kernel fields are 3 bits (pack_descriptor refuses 8), so 0 is the encodable
        # kernel outside 1..7
        ("kernel height 0", conv(kh=0, pad_t=0, pad_b=0), NpuError.KERNEL),
        ("kernel width 0", conv(kw=0, pad_l=0, pad_r=0), NpuError.KERNEL),
        ("stride 3", conv(stride=3), NpuError.STRIDE),
        ("stride 0", conv(stride=0), NpuError.STRIDE),
        ("pad equal to the kernel", conv(pad_t=3), NpuError.SHAPE),
        ("output taller than the input allows", conv(out_h=11), NpuError.SHAPE),
        ("fold with out_w > cols / 2", conv(fold=1, in_w=cols, in_rs=cols, out_w=cols,
                                            out_rs=cols), NpuError.SHAPE),
        ("depthwise 4 -> 8 channels", conv(op=int(Op.DEPTHWISE)), NpuError.CHANNELS),
        ("weights past the end of the weight memory",
         conv(w_base=weight_words - (blocks * PARAM_WORDS + blocks * 4 * 9) + 1),
         NpuError.WEIGHTS),
        ("add operand b misaligned", add(b_base=lo + 4 * port + port // 2), NpuError.ALIGN),
        ("add operand a past the end of L1", add(in_base=l1 - port), NpuError.INPUT),
        ("add operand b past the end of L1", add(b_base=l1 - port), NpuError.OTHER),
        ("add output past the end of L1", add(out_base=l1 - port), NpuError.OUTPUT),
        ("add length 0", add(length=0), NpuError.SHAPE),
    ]
    return [BadDescriptor(n, d, e) for n, d, e in cases], (lo, hi)


def _c_bytes(name: str, data: bytes) -> list[str]:
    out = [f"static const uint8_t {name}[{max(1, len(data))}] = {{"]
    for i in range(0, len(data), 16):
        out.append("    " + ", ".join(f"0x{b:02x}" for b in data[i:i + 16]) + ",")
    return [*out, "};"]


def _c_words(name: str, data: bytes) -> list[str]:
    if len(data) % 4:
        raise ValueError(f"{name}: {len(data)} bytes is not a whole number of words")
    words = np.frombuffer(data, "<u4") if data else np.zeros(1, np.uint32)
    out = [f"static const uint32_t {name}[{len(words)}] = {{"]
    for i in range(0, len(words), 6):
        out.append("    " + ", ".join(f"0x{int(v):08x}u" for v in words[i:i + 6]) + ",")
    return [*out, "};"]


def _desc(words: list[int]) -> str:
    assert len(words) == DESC_WORDS
    return "{" + ", ".join(f"0x{w:08x}u" for w in words) + "}"


_TYPES = """\
#ifndef NPU_TEST_TYPES
#define NPU_TEST_TYPES
#include <stdint.h>
typedef struct {
    uint32_t offset; /* L1 offset */
    uint32_t size;
    const uint8_t *data;
} npu_test_blob_t;
typedef struct {
    const char *name;
    uint32_t desc[HETSOC_NPU_DESC_WORDS];
    uint32_t w_base;              /* weight-memory word of the image */
    const uint32_t *weights;      /* image, little-endian 32-bit words */
    uint32_t weight_words32;      /* 0: the op takes no weights (add) */
    uint32_t n_inputs;
    npu_test_blob_t inputs[2];
    npu_test_blob_t expected;     /* golden's output at the descriptor's out_base */
    uint32_t check_lo, check_hi;  /* L1 offsets: outside the output nothing may change */
    uint32_t macs;                /* from the layer's shapes */
    uint32_t cycles;              /* hetsoc.accel.npu.cost: busy cycles without L1 stalls */
    uint32_t drain_writes;        /* and the drain's L1 writes: with stalls, busy cycles lie
                                     in [cycles, cycles + stall cycles + drain_writes] */
} npu_test_layer_t;
typedef struct {
    const char *name;
    uint32_t desc[HETSOC_NPU_DESC_WORDS];
    uint32_t error;               /* HETSOC_NPU_ERROR_* */
} npu_test_bad_t;
#endif
"""


def _layer_arrays(layers: list[FirmwareLayer], table: str) -> list[str]:
    out: list[str] = []
    entries = []
    for i, layer in enumerate(layers):
        job, p = layer.job, f"{table}{i}"
        if job.weights:
            out += _c_words(f"{p}_weights", job.weights)
        blobs = []
        for j, (base, data) in enumerate(job.inputs):
            out += _c_bytes(f"{p}_in{j}", data)
            blobs.append(f"{{0x{base:x}u, {len(data)}u, {p}_in{j}}}")
        want = np.ascontiguousarray(layer.expected, dtype=np.int8).tobytes()
        out += _c_bytes(f"{p}_out", want)
        lo, hi = layer.extent
        weights = (f"{job.w_base}u, {p}_weights, {len(job.weights) // 4}u" if job.weights
                   else "0u, 0, 0u")
        entries.append(
            f"    {{\"{layer.name}\", {_desc(job.desc)},\n     {weights}, {len(blobs)}u, "
            f"{{{', '.join(blobs)}}},\n     {{0x{job.out_base:x}u, {len(want)}u, {p}_out}}, "
            f"0x{lo:x}u, 0x{hi:x}u, {layer.macs}u, {layer.cycles}u, {layer.drain_writes}u}},")
    return [*out, f"static const npu_test_layer_t {table}[] = {{", *entries, "};"]


def _preamble(name: str, config: SocConfig, what: str, unit: str) -> list[str]:
    guard = name.upper().replace(".", "_")
    npu = _npu(config, unit)
    return [f"/* {name}: {what}, generated by hetsoc.accel.npu.testgen for NPU {unit!r} "
            f"({npu.rows}x{npu.cols}) of config {config.name!r}. Do not edit. */",
            f"#ifndef {guard}", f"#define {guard}", "#include \"hetsoc_soc.h\"", _TYPES]


def _check_geometry(config: SocConfig, layers: list[FirmwareLayer]):
    spans = sorted(layer.extent for layer in layers)
    for layer in layers:
        if layer.extent[1] > config.l1.size:
            raise ValueError(f"layer {layer.name} does not fit L1 of config {config.name!r}")
    for (_, hi), (lo, _) in zip(spans, spans[1:], strict=False):
        if lo < hi:
            raise ValueError(f"layers overlap in L1 of config {config.name!r}")


def l3_weights(layers: list[FirmwareLayer]) -> bytes:
    """The layers' weight images one after the other, each padded to 8 bytes: what
    ``npu_layer.c`` built with ``-DNPU_WEIGHTS_L3=<address>`` expects in L3 there."""
    out = bytearray()
    for layer in layers:
        image = layer.job.weights
        out += image + bytes(-len(image) % 8)
    return bytes(out)


def dma_cases(config: SocConfig, layers: list[FirmwareLayer], l3_at: int, seed: int = 5,
              unit: str = "npu") -> tuple[str, bytes]:
    """``npu_dma_cases.h`` for ``sw/tests/npu_dma_errors.c`` and what the host loads into L3 at
    ``l3_at`` for it. Of the layers with weights, the longest (``NPU_DMA_LAYER``, so a transfer
    of its weights fits in its run): its weight image (padded to 8 bytes) at ``NPU_DMA_IMAGE``,
    as many random bytes at ``NPU_DMA_POISON``, and its descriptor with its weights moved to
    ``NPU_DMA_RELOC_BASE``, the words right after its own."""
    npu = _npu(config, unit)
    index = max((i for i, la in enumerate(layers) if la.job.weights),
                key=lambda i: layers[i].cycles)
    job = layers[index].job
    image = job.weights + bytes(-len(job.weights) % 8)
    words = len(image) // npu.rows
    reloc = job.w_base + -(-words // 8) * 8
    if (reloc + words) * npu.rows > npu.weight_memory:
        raise ValueError(f"layer {layers[index].name}: two copies of its weights do not fit the "
                         f"weight memory of NPU {unit!r}")
    field = DESCRIPTOR["w_base"]
    value = sum(w << (32 * k) for k, w in enumerate(job.desc))
    mask = ((1 << field.width) - 1) << field.offset
    value = (value & ~mask) | (reloc << field.offset)
    desc = [(value >> (32 * k)) & 0xFFFF_FFFF for k in range(DESC_WORDS)]
    poison = np.random.default_rng(seed).integers(0, 256, len(image), np.uint8).tobytes()
    lines = [f"/* npu_dma_cases.h: generated by hetsoc.accel.npu.testgen for NPU {unit!r} of "
             f"config {config.name!r}. Do not edit. */", "#ifndef NPU_DMA_CASES_H",
             "#define NPU_DMA_CASES_H", "#include <stdint.h>",
             f"#define NPU_DMA_LAYER {index}",
             f"#define NPU_DMA_IMAGE 0x{l3_at:08x}u",
             f"#define NPU_DMA_POISON 0x{l3_at + len(image):08x}u",
             f"#define NPU_DMA_IMAGE_BYTES {len(image)}u",
             f"#define NPU_DMA_RELOC_BASE {reloc}u",
             f"static const uint32_t npu_dma_reloc_desc[{DESC_WORDS}] = {_desc(desc)};",
             "#endif", ""]
    return "\n".join(lines), image + poison


def layers_header(config: SocConfig, layers: list[FirmwareLayer], seed: int,
                  unit: str = "npu") -> str:
    """``npu_layers.h``: ``npu_layers[]`` (``NPU_LAYER_COUNT`` entries) and a free L1 area
    ``NPU_SCRATCH_LO``..``NPU_SCRATCH_HI`` (1 KiB after the layers) for the CPU's own traffic."""
    _check_geometry(config, layers)
    scratch = (max(layer.extent[1] for layer in layers) + 0xFF) & ~0xFF
    if scratch + 0x400 > config.l1.size:
        raise ValueError(f"no room for the scratch area in L1 of config {config.name!r}")
    out = _preamble(LAYERS_HEADER, config, f"NPU layers with golden outputs (seed {seed})",
                    unit)
    out += _layer_arrays(layers, "npu_layers")
    out += [f"#define NPU_LAYER_COUNT {len(layers)}",
            f"#define NPU_SCRATCH_LO 0x{scratch:x}u",
            f"#define NPU_SCRATCH_HI 0x{scratch + 0x400:x}u",
            "", "#endif", ""]
    return "\n".join(out)


def errors_header(config: SocConfig, cases: list[BadDescriptor], watch: tuple[int, int],
                  good: FirmwareLayer, unit: str = "npu") -> str:
    """``npu_error_cases.h``: ``npu_bad[]`` (``NPU_BAD_COUNT``), the watched L1 area
    ``NPU_WATCH_LO``..``NPU_WATCH_HI`` and one valid layer ``npu_good[0]`` to run afterwards."""
    _check_geometry(config, [good])
    glo, ghi = good.extent
    if not (ghi <= watch[0] or glo >= watch[1]):
        raise ValueError("the valid layer must lie outside the watched area")
    out = _preamble(ERRORS_HEADER, config, "descriptors the NPU must refuse", unit)
    out += ["static const npu_test_bad_t npu_bad[] = {"]
    out += [f"    {{\"{c.name}\", {_desc(c.desc)}, HETSOC_NPU_ERROR_{c.error.name}}},"
            for c in cases]
    out += ["};", f"#define NPU_BAD_COUNT {len(cases)}",
            f"#define NPU_WATCH_LO 0x{watch[0]:x}u", f"#define NPU_WATCH_HI 0x{watch[1]:x}u",
            "/* the last 4 KiB of L1 are watched too (cases running past its end) */"]
    out += _layer_arrays([good], "npu_good")
    out += ["", "#endif", ""]
    return "\n".join(out)


def write_headers(out_dir: str | Path, config: SocConfig | str = "default",
                  seed: int = 1, unit: str = "npu") -> tuple[Path, Path, list[FirmwareLayer]]:
    """Write ``npu_layers.h`` and ``npu_error_cases.h`` for the NPU named `unit` into
    ``out_dir``; returns their paths and the layers (for the caller's own checks). Build the
    programs with ``-DNPU_UNIT=HETSOC_<UNIT>_BASE`` for a unit not named ``npu``."""
    config = config if isinstance(config, SocConfig) else load_config(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    npu = _npu(config, unit)
    layers = default_layers(config, seed, unit)
    cases, watch = bad_descriptors(config, unit)
    rng = np.random.default_rng(seed + 1000)
    good = conv_layer(rng, "good_conv", c=4, k=8, h=10, w=10, kernel=(3, 3), pads=(1, 1, 1, 1),
                      rows=npu.rows, cols=npu.cols, in_base=0xA000 + 1)
    lp, ep = out_dir / LAYERS_HEADER, out_dir / ERRORS_HEADER
    lp.write_text(layers_header(config, layers, seed, unit))
    ep.write_text(errors_header(config, cases, watch, good, unit))
    return lp, ep, layers


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hetsoc.accel.npu.testgen", description=__doc__)
    ap.add_argument("out_dir")
    ap.add_argument("--config", default="default")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    for p in write_headers(args.out_dir, args.config, args.seed)[:2]:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def conformance_cases(slot, rng, l1_size: int):
    """Random layers for the conformance kit (`hetsoc.testing.check_cases`, the NPU plug-in's
    ``cases``): a conv, a depthwise, a dense and an add sized for the slot's array and an L1 of
    `l1_size` bytes, each with golden's output and the cycle model's busy cycles."""
    from ...testing import Case

    p = slot.params
    arr = dict(rows=p.rows, cols=p.cols)
    g = np.random.default_rng(rng.getrandbits(32))
    quarter = l1_size // 4
    layers = [
        conv_layer(g, "conv3x3", c=int(g.integers(1, 9)), k=int(g.integers(1, 2 * p.rows + 1)),
                   h=int(g.integers(3, 12)), w=int(g.integers(3, 12)), kernel=(3, 3),
                   stride=int(g.integers(1, 3)), pads=(1, 1, 1, 1), in_base=int(g.integers(64)),
                   w_base=int(g.integers(0, 8)), **arr),
        conv_layer(g, "depthwise3x3", c=p.rows, k=p.rows, h=8, w=8, kernel=(3, 3),
                   pads=(1, 1, 1, 1), depthwise=True, in_base=quarter + int(g.integers(64)),
                   **arr),
        dense_layer(g, "dense", n=int(g.integers(1, 4)), k=int(g.integers(8, 80)),
                    o=int(g.integers(1, 2 * p.rows + 1)), in_base=2 * quarter + 3, **arr),
        add_layer(g, "add", length=int(g.integers(16, 200)), a_base=3 * quarter,
                  align=2 * p.cols, **arr),
    ]
    cases = []
    for layer in layers:
        job, want = layer.job, layer.expected
        writes = [("WMEM_ADDR", job.w_base)] if job.weights else []
        writes += [("WMEM_DATA", int.from_bytes(job.weights[i:i + 4], "little"))
                   for i in range(0, len(job.weights), 4)]

        def verify(l1, job=job, want=want):
            got = job.output(l1)
            if (got == want).all():
                return None
            bad = int(np.flatnonzero(got.reshape(-1) != want.reshape(-1))[0])
            return (f"output byte {bad} is {int(got.reshape(-1)[bad])}, golden "
                    f"{int(want.reshape(-1)[bad])}")

        cases.append(Case(layer.name, job.desc, job.inputs, verify, writes, work=layer.macs,
                          cycles=layer.cycles, written=want.size))
    return cases
