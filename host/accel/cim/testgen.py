"""C headers for the CIM firmware tests: seeded random layers with golden outputs and timing,
and descriptors the hardware must refuse.

For each layer the host encoder (`hetsoc.accel.cim.encoder`: `plan_conv2d`, `encode_descriptor`,
`weight_beats`, `param_table`) gives the descriptor words, the programming beats (or the int8
weights, which the C driver packs) and the parameter tables; the CIM golden model
(`hetsoc.golden.cim_conv2d`, the one the standalone CIM tests use, noise on or off) gives the
expected int8 output; `hetsoc.accel.cim.cost.cycles` (the timing model of ``docs/cim.md``) the
busy cycles.
The tile (rows and columns per cycle) is the one `CimPeripheral` builds for the config.

``python -m hetsoc.accel.cim.testgen OUT_DIR [--config NAME] [--seed N]`` writes both headers.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...golden import cim_conv2d
from ...golden.cim_noise import noise_scale
from ...spec.cim import DESCRIPTOR_WORDS, PARAM_BYTES, CimError
from ...spec.config import SocConfig, load_config
from .cost import cpu_program_beats, cycles
from .encoder import CimJob, encode_descriptor, plan_conv2d, weight_beats, weight_window

__all__ = ["ERRORS_HEADER", "LAYERS_HEADER", "FirmwareLayer", "default_layers", "errors_header",
           "layers_header", "tile", "write_headers"]

LAYERS_HEADER = "cim_layers.h"
ERRORS_HEADER = "cim_error_cases.h"
DMA_HEADER = "cim_dma_cases.h"


def tile(config: SocConfig) -> tuple[int, int]:
    """``(rows_per_cycle, cols_per_cycle)`` of the SoC's CIM."""
    return config.cim.rows_per_cycle, config.cim.cols_per_cycle


def _up(a, n=8):
    return (a + n - 1) // n * n


@dataclass
class FirmwareLayer:
    """One image of a layer, placed in L1, with its jobs and what the firmware must see.

    ``packed`` says whether the firmware programs host-made beats (True) or packs the int8
    weights itself (False); ``irq`` whether it waits with the interrupt."""

    name: str
    x: np.ndarray             # (C, H, W) int8
    jobs: list[CimJob]
    expected: np.ndarray      # (K, OH, OW) int8
    in_addr: int
    out_addr: int
    param_addr: int
    psum_addr: int
    busy_cycles: int
    mvms: int
    prog_beats: int
    packed: bool
    irq: bool


def make_layer(name, config, *, seed, c, h, w, k, kernel, stride=1, pads=(0, 0, 0, 0),
               sigma=0.0, packed=True, irq=False, base=0) -> FirmwareLayer:
    """A seeded random conv2d (a dense layer: ``h = w = kernel = 1``) placed at L1 offset
    ``base``, encoded for the macro of ``config`` (a `SocConfig`: its first CIM; or a CIM
    slot's `CimParams`), with golden's output and the timing model."""
    cim = config.cim if isinstance(config, SocConfig) else config
    rp, cp = cim.rows_per_cycle, cim.cols_per_cycle
    rows, cols = cim.rows, cim.cols
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (c, h, w)).astype(np.int8)
    wt = (rng.integers(-1, 2, (k, c, kernel, kernel))
          * (rng.random((k, c, kernel, kernel)) < 0.7)).astype(np.int8)
    kw = dict(multiplier=rng.integers(2 ** 30, 2 ** 31, k), shift=rng.integers(8, 13, k),
              x_zero_point=int(rng.integers(-10, 10)), y_zero_point=int(rng.integers(-5, 5)),
              input_shift=1, adc_shift=int(rng.integers(1, 4)), strides=(stride, stride),
              pads=tuple(pads), noise_scale=noise_scale(sigma), seed=seed,
              adc_offset=int(rng.integers(-2, 3)), y_min=-128, y_max=127)
    bias = rng.integers(-200, 200, k)
    oh = (h + pads[0] + pads[2] - kernel) // stride + 1
    ow = (w + pads[1] + pads[3] - kernel) // stride + 1
    in_addr = base
    out_addr = _up(in_addr + x.size + 64)
    param_addr = _up(out_addr + k * oh * ow + 64)
    psum_addr = _up(param_addr + PARAM_BYTES * min(k, cols) + 64)
    jobs = plan_conv2d(x.shape, wt, bias, rows=rows, cols=cols, in_addr=in_addr,
                       out_addr=out_addr, param_addr=param_addr, psum_addr=psum_addr, **kw)
    expected = cim_conv2d(x[None], wt, bias, rows=rows, cols=cols, **kw)[0]
    return FirmwareLayer(
        name, x, jobs, expected, in_addr, out_addr, param_addr, psum_addr,
        busy_cycles=sum(cycles(j.fields, rp, cp, cim.post_cols) for j in jobs),
        mvms=oh * ow * len(jobs),
        prog_beats=sum(cpu_program_beats(*j.weights.shape, cp) for j in jobs),
        packed=packed, irq=irq)


def default_layers(config: SocConfig, seed: int = 1) -> list[FirmwareLayer]:
    """Four layers: a 3x3 conv (noise off), a strided conv with asymmetric padding (noise on,
    weights packed in C, interrupt), a conv needing a row split when the macro has fewer than
    1170 rows, and a dense layer needing a column split when it has fewer than 530 columns."""
    rows, cols = config.cim.rows, config.cim.cols
    return [
        make_layer("conv3x3", config, seed=seed, c=8, h=6, w=6, k=24, kernel=3,
                   pads=(1, 1, 1, 1)),
        make_layer("conv_s2", config, seed=seed + 1, c=6, h=7, w=7, k=40, kernel=3, stride=2,
                   pads=(1, 0, 1, 0), sigma=1.0, packed=False, irq=True),
        make_layer("conv_rowsplit", config, seed=seed + 2, c=max(2, rows // 9 + 2), h=3, w=3,
                   k=20, kernel=3, pads=(1, 1, 1, 1), sigma=0.5),
        make_layer("dense_colsplit", config, seed=seed + 3, c=40, h=1, w=1, k=cols + 18,
                   kernel=1, sigma=2.0, irq=True),
    ]


def _c_array(ctype, name, values, per_line=16) -> list[str]:
    values = [int(v) for v in values]
    fmt = "0x{:08x}u" if ctype == "uint32_t" else "{}"
    body = [", ".join(fmt.format(v) for v in values[i:i + per_line])
            for i in range(0, len(values), per_line)] or ["0"]
    return [f"static const {ctype} {name}[] = {{", *(f"    {line}," for line in body), "};"]


def _desc_words(fields) -> list[int]:
    word = encode_descriptor(**fields)
    return [(word >> (32 * k)) & 0xFFFFFFFF for k in range(DESCRIPTOR_WORDS)]


def _beat_words(weights, cp) -> list[int]:
    wpb = max(1, 2 * cp // 32)
    return [(data >> (32 * i)) & 0xFFFFFFFF for _, _, data in weight_beats(weights, cp)
            for i in range(wpb)]


_PRELUDE = """\
struct cim_fw_job {
    const uint32_t *desc;     /* CIM_DESC_WORDS words */
    const uint32_t *beats;    /* host-made programming words, or 0 */
    const int8_t *weights;    /* rows x k int8 for cim_program_ternary, or 0 */
    uint32_t rows, k, groups;
    const uint8_t *params;
    uint32_t param_bytes;
    uint32_t cycles;          /* hetsoc.accel.cim.cost.cycles: busy cycles without L1 stalls */
};

struct cim_fw_layer {
    const char *name;
    const int8_t *x;          /* HWC */
    uint32_t x_bytes, in_addr, out_addr, param_addr, out_bytes;
    const int8_t *expected;   /* HWC, golden */
    const struct cim_fw_job *jobs;
    uint32_t n_jobs, busy_cycles, mvms, prog_beats, irq;
};
"""


def layers_header(config: SocConfig, layers) -> str:
    """``cim_layers.h``: ``cim_fw_layers[CIM_FW_LAYERS]`` for ``sw/tests/cim_layer.c``."""
    rp, cp = tile(config)
    out = [f"/* {LAYERS_HEADER}: generated by hetsoc.accel.cim.testgen for config {config.name!r}. "
           "Do not edit. */", "#ifndef CIM_LAYERS_H", "#define CIM_LAYERS_H", "",
           "#include <stdint.h>", "",
           f"#define CIM_FW_ROWS_PER_CYCLE {rp}u", f"#define CIM_FW_COLS_PER_CYCLE {cp}u",
           f"#define CIM_FW_LAYERS {len(layers)}", "", _PRELUDE]
    tables = []
    for li, layer in enumerate(layers):
        p = f"cim_l{li}"
        out += _c_array("int8_t", f"{p}_x", layer.x.transpose(1, 2, 0).reshape(-1))
        out += _c_array("int8_t", f"{p}_expected", layer.expected.transpose(1, 2, 0).reshape(-1))
        jobs = []
        for ji, job in enumerate(layer.jobs):
            q = f"{p}_j{ji}"
            out += _c_array("uint32_t", f"{q}_desc", _desc_words(job.fields), 4)
            out += _c_array("uint8_t", f"{q}_params", job.params)
            rows, k = job.weights.shape
            if layer.packed:
                out += _c_array("uint32_t", f"{q}_beats", _beat_words(job.weights, cp), 8)
                src = f"{q}_beats, 0"
            else:
                out += _c_array("int8_t", f"{q}_weights", job.weights.reshape(-1))
                src = f"0, {q}_weights"
            jobs.append(f"    {{{q}_desc, {src}, {rows}u, {k}u, {-(-k // cp)}u, {q}_params, "
                        f"{len(job.params)}u, "
                        f"{cycles(job.fields, rp, cp, config.cim.post_cols)}u}},")
        out += [f"static const struct cim_fw_job {p}_jobs[] = {{", *jobs, "};", ""]
        tables.append(
            f"    {{\"{layer.name}\", {p}_x, {layer.x.size}u, {layer.in_addr}u, "
            f"{layer.out_addr}u, {layer.param_addr}u, {layer.expected.size}u, {p}_expected, "
            f"{p}_jobs, {len(layer.jobs)}u, {layer.busy_cycles}u, {layer.mvms}u, "
            f"{layer.prog_beats}u, {int(layer.irq)}u}},")
    out += ["static const struct cim_fw_layer cim_fw_layers[CIM_FW_LAYERS] = {", *tables, "};",
            "", "#endif /* CIM_LAYERS_H */", ""]
    return "\n".join(out)


def _ok_layer(config: SocConfig, seed: int):
    """The valid layer of ``cim_error_cases.h`` (and of ``cim_dma_cases.h``)."""
    return make_layer("ok", config, seed=seed, c=4, h=5, w=5, k=12, kernel=3,
                      pads=(1, 1, 1, 1), sigma=1.0, packed=False, base=0x800)


def l3_windows(config: SocConfig, layers) -> bytes:
    """Every job's weights as the CIM's DMA window holds them (`encoder.weight_window`: its
    rows whole, ``cols / 4`` bytes each), one after the other in job order: what
    ``cim_layer.c`` built with ``-DCIM_WEIGHTS_L3=<address>`` expects in L3 there."""
    return b"".join(weight_window(job.weights, config.cim.cols)
                    for layer in layers for job in layer.jobs)


def dma_cases(config: SocConfig, l3_at: int, seed: int = 7) -> tuple[str, bytes]:
    """``cim_dma_cases.h`` for ``sw/tests/cim_dma_errors.c`` and what the host loads into L3 at
    ``l3_at`` for it: the window image of ``cim_error_cases.h``'s valid layer (made with the
    same `seed`) at ``CIM_DMA_IMAGE``, as many bytes of +1 cells at ``CIM_DMA_POISON``."""
    (job,) = _ok_layer(config, seed).jobs
    image = weight_window(job.weights, config.cim.cols)
    poison = bytes([0b01010101]) * len(image)
    lines = [f"/* {DMA_HEADER}: generated by hetsoc.accel.cim.testgen for config "
             f"{config.name!r}. Do not edit. */", "#ifndef CIM_DMA_CASES_H",
             "#define CIM_DMA_CASES_H", f"#define CIM_DMA_IMAGE 0x{l3_at:08x}u",
             f"#define CIM_DMA_POISON 0x{l3_at + len(image):08x}u",
             f"#define CIM_DMA_IMAGE_BYTES {len(image)}u", "#endif", ""]
    return "\n".join(lines), image + poison


def errors_header(config: SocConfig, seed: int = 7) -> str:
    """``cim_error_cases.h`` for ``sw/tests/cim_errors.c``: a valid layer (its descriptor,
    int8 weights, parameters, input and golden output), the same weights with one value 2, and
    descriptors refused with their `CimError`: beyond the macro's rows and columns, ``in_shift``
    3, a misaligned parameter table."""
    rp, cp = tile(config)
    layer = _ok_layer(config, seed)
    job, = layer.jobs
    bad_w = job.weights.copy()
    bad_w[1, 2] = 2
    f = job.fields
    cases = [
        ("rows beyond the macro", dict(f, rows=config.cim.rows + 1), CimError.SHAPE),
        ("columns beyond the macro", dict(f, out_c=config.cim.cols + 1), CimError.SHAPE),
        ("in_shift 3", dict(f, in_shift=3), CimError.INPUT_SHIFT),
        ("misaligned parameters", dict(f, param_addr=f["param_addr"] + 4), CimError.ALIGN),
    ]
    out = [f"/* {ERRORS_HEADER}: generated by hetsoc.accel.cim.testgen for config {config.name!r}. "
           "Do not edit. */", "#ifndef CIM_ERROR_CASES_H", "#define CIM_ERROR_CASES_H", "",
           "#include <stdint.h>", "",
           f"#define CIM_FW_ROWS_PER_CYCLE {rp}u", f"#define CIM_FW_COLS_PER_CYCLE {cp}u",
           f"#define CIM_OK_ROWS {job.weights.shape[0]}u",
           f"#define CIM_OK_K {job.weights.shape[1]}u",
           f"#define CIM_OK_IN_ADDR {layer.in_addr}u",
           f"#define CIM_OK_OUT_ADDR {layer.out_addr}u",
           f"#define CIM_OK_PARAM_ADDR {layer.param_addr}u",
           f"#define CIM_OK_CYCLES {layer.busy_cycles}u",
           f"#define CIM_OK_MVMS {layer.mvms}u",
           "/* L1 offsets the cases may touch: the valid layer's tensors with a guard band */",
           "#define CIM_WATCH_LO 0x0u", f"#define CIM_WATCH_HI {_up(layer.psum_addr + 64)}u",
           f"#define CIM_ERROR_CASES {len(cases)}", ""]
    out += _c_array("uint32_t", "cim_ok_desc", _desc_words(f), 4)
    out += _c_array("int8_t", "cim_ok_weights", job.weights.reshape(-1))
    out += _c_array("int8_t", "cim_bad_weights", bad_w.reshape(-1))
    out += _c_array("uint8_t", "cim_ok_params", job.params)
    out += _c_array("int8_t", "cim_ok_x", layer.x.transpose(1, 2, 0).reshape(-1))
    out += _c_array("int8_t", "cim_ok_expected", layer.expected.transpose(1, 2, 0).reshape(-1))
    out += ["struct cim_error_case {", "    const char *name;",
            "    uint32_t desc[13];", "    uint32_t error;", "};",
            "static const struct cim_error_case cim_error_cases[CIM_ERROR_CASES] = {"]
    for name, fields, code in cases:
        words = ", ".join(f"0x{v:08x}u" for v in _desc_words(fields))
        out.append(f"    {{\"{name}\", {{{words}}}, {int(code)}u}},  /* CimError.{code.name} */")
    out += ["};", "", "#endif /* CIM_ERROR_CASES_H */", ""]
    return "\n".join(out)


def write_headers(out_dir, config: SocConfig | str = "default", seed: int = 1):
    """Write both headers into ``out_dir``; returns the layers (for the expected figures)."""
    config = config if isinstance(config, SocConfig) else load_config(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = default_layers(config, seed)
    (out_dir / LAYERS_HEADER).write_text(layers_header(config, layers))
    (out_dir / ERRORS_HEADER).write_text(errors_header(config, seed + 100))
    return layers


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hetsoc.accel.cim.testgen",
                                     description="Write the CIM firmware tests' headers.")
    parser.add_argument("out_dir")
    parser.add_argument("--config", default="default")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for layer in write_headers(args.out_dir, args.config, args.seed):
        print(f"{layer.name}: {len(layer.jobs)} descriptors, {layer.busy_cycles} busy cycles, "
              f"{layer.mvms} MVMs, {layer.prog_beats} programming beats")


if __name__ == "__main__":
    main()


def conformance_cases(slot, rng, l1_size: int):
    """Random single-descriptor layers for the conformance kit (`hetsoc.testing.check_cases`,
    the CIM plug-in's ``cases``): convs and a dense layer that fit the slot's macro in one
    chunk, noise on and off, each with its weights programmed through the page, golden's output
    and the timing model's busy cycles."""
    from ...spec.cim import PROG_ADDR
    from ...spec.pack import pack
    from ...testing import Case

    p = slot.params
    shapes = []
    for i in range(4):
        kernel = 1 if i == 3 else int(rng.choice((1, 3)))
        c = rng.randint(1, max(1, min(8, p.rows // (kernel * kernel))))
        h = w = 1 if i == 3 else rng.randint(kernel, 6)
        pads = (0, 0, 0, 0) if kernel == 1 else (1, 1, 1, 1)
        shapes.append(dict(c=c, h=h, w=w, k=rng.randint(1, min(24, p.cols)), kernel=kernel,
                           pads=pads, sigma=rng.choice((0.0, 1.0))))
    cases = []
    for i, shape in enumerate(shapes):
        layer = make_layer(f"layer{i}", p, seed=rng.getrandbits(16), base=64 * (i % 2), **shape)
        (job,) = layer.jobs
        groups = -(-job.weights.shape[1] // p.cols_per_cycle)
        writes = [("PROG_ADDR", pack(PROG_ADDR, {"row": 0, "group": 0, "groups": groups},
                                     what="PROG_ADDR"))]
        writes += [("PROG_DATA", word) for word in _beat_words(job.weights, p.cols_per_cycle)]
        want = layer.expected.transpose(1, 2, 0).tobytes()     # pixels, channels last
        out = layer.out_addr

        def verify(l1, want=want, out=out):
            got = bytes(l1[out:out + len(want)])
            if got == want:
                return None
            bad = next(j for j in range(len(want)) if got[j] != want[j])
            return f"output byte {bad} is {got[bad]:#04x}, golden {want[bad]:#04x}"

        cases.append(Case(
            f"{layer.name} {shape['c']}x{shape['h']}x{shape['w']} k{shape['k']} "
            f"{shape['kernel']}x{shape['kernel']}", _desc_words(job.fields),
            [(layer.in_addr, layer.x.transpose(1, 2, 0).tobytes()),
             (layer.param_addr, job.params)],
            verify, writes, work=layer.mvms, cycles=layer.busy_cycles, written=len(want)))
    return cases
