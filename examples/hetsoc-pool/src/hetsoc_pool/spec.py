"""The pooling unit as data: its parameters, its descriptor, its codes and its plug-in record.

One descriptor pools a whole int8 tensor, channels first (NCHW, one image, as the NPU's), from
``in_addr`` to ``out_addr`` (L1 byte offsets): every output ``y[c, oy, ox]`` is a ``kernel x
kernel`` window at ``(oy * stride, ox * stride)`` of plane ``c``, no padding, reduced by max or
by sum, then requantized (``hetsoc.golden.requant``: multiplier, shift, zero points) and
clamped, at ``y_zp`` from below with ``relu``. The descriptor is laid out word by word
(`WORDS`, no field across a word) and declared as the spec's ``descriptor``, so the C header
gives the driver every field's word, shift and mask: the C driver builds a descriptor from the
same bits the encoder packs.

This module is pure data (the standard library, ``amaranth.lib.data``/``enum``, ``hetsoc.spec``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from amaranth import signed
from amaranth.lib import data

from hetsoc.spec.accelerators import AcceleratorSpec, Plugin
from hetsoc.spec.page import protocol_registers

__all__ = ["DESCRIPTOR", "DESC_WORDS", "MAX_KERNEL", "MAX_SHIFT", "MAX_STRIDE", "PLUGIN", "SPEC",
           "WORDS", "PoolError", "PoolMode", "PoolParams"]

#: The descriptor, word by word (word ``k`` is register ``DESCk``).
WORDS = (
    data.StructLayout({"in_addr": 32}),        # L1 offset of input channel 0 (C x H x W int8)
    data.StructLayout({"out_addr": 32}),       # L1 offset of output channel 0 (C x OH x OW)
    data.StructLayout({"in_h": 16, "in_w": 16}),
    data.StructLayout({"out_h": 16, "out_w": 16}),
    data.StructLayout({"channels": 16,
                       "kernel": 4,            # window side, 1..MAX_KERNEL
                       "stride": 4,            # 1..MAX_STRIDE
                       "mode": 1,              # PoolMode
                       "relu": 1,              # clamp the output at y_zp from below
                       "shift": 6}),           # requantization shift, 0..MAX_SHIFT
    data.StructLayout({"multiplier": 31, "_reserved0": 1}),   # requantization multiplier
    data.StructLayout({"x_zp": signed(8), "y_zp": signed(8), "_reserved1": 16}),
)
assert all(w.size == 32 for w in WORDS)

#: The whole descriptor, one flat layout (the encoder packs it, the gateware reads it).
DESCRIPTOR = data.StructLayout({name: field.shape for word in WORDS for name, field in word})
DESC_WORDS = len(WORDS)

#: Limits the gateware checks (the 4-bit fields hold more; those values are refused).
MAX_KERNEL = 8
MAX_STRIDE = 8
#: Largest requantization shift (`hetsoc.golden.requant.rshift_rne`'s range).
MAX_SHIFT = 62


class PoolMode(enum.IntEnum):
    """``mode``: how a window is reduced before requantization."""

    MAX = 0     # acc = max(window) - x_zp
    AVG = 1     # acc = sum(window) - kernel * kernel * x_zp (the 1/k^2 is in the multiplier)


class PoolError(enum.IntEnum):
    """STATUS ``code`` of a refused descriptor (nothing is read or written)."""

    NONE = 0
    SHAPE = 1       # a zero channel count, height or width
    KERNEL = 2      # kernel or stride 0 or beyond 8
    SHIFT = 3       # shift beyond 62
    WINDOW = 4      # the last window reaches beyond the input plane
    BOUNDS = 5      # the input or the output tensor reaches beyond L1
    OVERLAP = 6     # input and output tensors overlap


@dataclass(frozen=True)
class PoolParams:
    """An ``[[accelerator]]`` table of kind ``pool``.

    Attributes
    ----------
    lanes : int
        Bytes per L1 access (the port is ``8 * lanes`` bits) and output pixels per strip.
    """

    lanes: int = 8


def _check(p: PoolParams) -> str | None:
    v = p.lanes
    if not isinstance(v, int) or isinstance(v, bool) or v not in (8, 16, 32, 64, 128):
        return f"lanes must be a power of two from 8 to 128, not {v!r}"
    return None


SPEC = AcceleratorSpec(
    kind="pool", params=PoolParams,
    registers=lambda p: protocol_registers(DESC_WORDS, "output values written"),
    l1_port_bits=lambda p: 8 * p.lanes, check=_check,
    doc="int8 max/average pooling unit: descriptor, start/status, interrupt, counters",
    desc_words=DESC_WORDS,
    enums={"ERROR": PoolError, "MODE": PoolMode}, descriptor=DESCRIPTOR)

PLUGIN = Plugin(spec="hetsoc_pool.spec:SPEC", gateware="hetsoc_pool.hw.pool:Pool.for_slot",
                drivers=("hetsoc_pool:c/pool.c",), cases="hetsoc_pool.testgen:conformance_cases")
