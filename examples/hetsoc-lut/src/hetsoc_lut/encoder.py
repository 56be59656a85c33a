"""The LUT unit's host encoder: descriptor words (through `hetsoc.spec.pack`, on the spec's
layout) and the TABLE_DATA words of a table."""

from __future__ import annotations

import numpy as np

from hetsoc.spec.pack import pack, words

from .spec import DESC_WORDS, DESCRIPTOR, TABLE_ENTRIES

__all__ = ["descriptor", "table_words"]


def descriptor(src: int, dst: int, count: int) -> list[int]:
    """The ``DESC_WORDS`` words of one descriptor (L1 byte offsets and a byte count); a value
    that does not fit its field is a one-line `ValueError` naming it."""
    value = pack(DESCRIPTOR, {"src": src, "dst": dst, "count": count}, what="LUT descriptor")
    return words(value, DESC_WORDS)


def table_words(table) -> list[int]:
    """The 64 words TABLE_DATA takes after TABLE_INDEX is set to 0: entries ``4k .. 4k + 3``
    in word ``k``, byte 0 first."""
    table = np.asarray(table)
    if table.shape != (TABLE_ENTRIES,) or table.dtype != np.int8:
        raise ValueError(f"table must be {TABLE_ENTRIES} int8 entries, not {table.dtype} "
                         f"{table.shape!r}")
    return [int(w) for w in table.view(np.uint8).view("<u4")]
