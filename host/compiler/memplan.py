"""Activation memory planning: offsets for buffers with lifetimes, reusing memory across layers.

Greedy by size (as TFLite's arena planner): the largest buffer first, each at the lowest
aligned offset where it overlaps no placed buffer whose lifetime overlaps its own. Lifetimes
are closed layer intervals, so a layer's output never shares bytes with its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Interval", "align_up", "plan_offsets"]


def align_up(n: int, a: int) -> int:
    return -(-n // a) * a


@dataclass(frozen=True)
class Interval:
    """A buffer to place: `size` bytes live from layer `first` to layer `last` inclusive."""

    name: str
    size: int
    first: int
    last: int


def plan_offsets(items: list[Interval], align: int) -> tuple[dict[str, int], int]:
    """Offsets (multiples of `align`) for `items`; returns them and the bytes used."""
    if align < 1 or align & (align - 1):
        raise ValueError(f"align must be a power of two, not {align!r}")
    placed: list[tuple[int, int, Interval]] = []   # (offset, end, item)
    offsets = {}
    for item in sorted(items, key=lambda i: (-i.size, i.first, i.name)):
        busy = sorted((off, end) for off, end, other in placed
                      if other.first <= item.last and item.first <= other.last)
        offset = 0
        for lo, hi in busy:
            if offset + item.size <= lo:
                break
            offset = max(offset, align_up(hi, align))
        offsets[item.name] = offset
        placed.append((offset, offset + item.size, item))
    used = max((end for _, end, _ in placed), default=0)
    return offsets, used
