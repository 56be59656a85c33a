"""One check-and-pack helper for every packed format: descriptors and register values.

`pack` checks each value against its field of an ``amaranth.lib.data`` layout (known name, an
integer, in the field's range, signed or not) with a one-line message naming the format, the
field and the range, then packs with ``Layout.const``, so the host's bits are the gateware's by
construction. `words` splits the result into the little-endian 32-bit words a register page
stages.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping

from amaranth import Shape
from amaranth.lib import data

__all__ = ["field_range", "pack", "unpack", "words"]


def field_range(layout, name: str) -> tuple[int, int]:
    """``(lo, hi)``: the values field `name` of `layout` holds."""
    shape = Shape.cast(data.Layout.cast(layout)[name].shape)
    width, signed = shape.width, shape.signed
    return (-(1 << width - 1), (1 << width - 1) - 1) if signed else (0, (1 << width) - 1)


def pack(layout, fields: Mapping[str, int], *, what: str = "descriptor") -> int:
    """The integer of `layout` with `fields` set (the other fields 0).

    Raises
    ------
    ValueError
        ``"<what> field must be one of a, b, ..., not 'x'"`` for an unknown field, or
        ``"<what> field f must be an integer in [lo, hi], not v"``.
    TypeError
        ``"<what> field f must be an integer, not v"`` for a value that is not one.
    """
    layout = data.Layout.cast(layout)
    names = [name for name, _ in layout if not name.startswith("_")]
    values = {}
    for name, value in fields.items():
        if name not in names:
            raise ValueError(f"{what} field must be one of {', '.join(names)}, not {name!r}")
        if isinstance(value, bool):
            raise TypeError(f"{what} field {name} must be an integer, not {value!r}")
        try:
            value = operator.index(value)       # int, or a numpy integer
        except TypeError:
            raise TypeError(f"{what} field {name} must be an integer, not {value!r}") from None
        lo, hi = field_range(layout, name)
        if not lo <= value <= hi:
            raise ValueError(f"{what} field {name} must be an integer in [{lo}, {hi}], "
                             f"not {value!r}")
        values[name] = value
    return layout.const(values).as_value().value


def unpack(layout, value: int) -> dict[str, int]:
    """The fields of `value` (an integer of `layout`), signed ones sign-extended."""
    layout = data.Layout.cast(layout)
    out = {}
    for name, field in layout:
        if name.startswith("_"):
            continue
        raw = (value >> field.offset) & ((1 << field.width) - 1)
        if Shape.cast(field.shape).signed and raw >> (field.width - 1):
            raw -= 1 << field.width
        out[name] = raw
    return out


def words(value: int, count: int) -> list[int]:
    """`value` as `count` little-endian 32-bit words (word 0 holds bits 0-31)."""
    return [(value >> (32 * i)) & 0xFFFF_FFFF for i in range(count)]
