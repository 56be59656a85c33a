"""Random DMA transfers for the tests and benches: valid, and independent of their order."""

from __future__ import annotations

import numpy as np

from ...spec.config import SocConfig
from .encoder import Transfer
from .model import DMA_REGIONS, extent

__all__ = ["random_batch"]


def _strides(rng, row, rows):
    """Random source and destination strides for a tile (rows padded by 0..32 bytes)."""
    out = []
    for _ in range(2):
        rs = row + 8 * int(rng.integers(0, 5))
        out += [rs, rows * rs + 8 * int(rng.integers(0, 5))]
    return out


def random_batch(rng: np.random.Generator, config: SocConfig, count: int, *,
                 max_row_beats: int = 16, max_rows: int = 4, max_planes: int = 3,
                 regions=DMA_REGIONS, limit: int | None = None) -> list[Transfer]:
    """Up to ``count`` random valid transfers whose results do not depend on their order.

    Sources lie in the lower half of each memory, destinations in the upper half, and no two
    destinations overlap, so any interleaving of the transfers (two channels at once) leaves the
    memories as the model does. ``limit`` caps the bytes of each memory used (small test
    memories, or to keep a simulation short). Stops early when the upper halves are full.
    """
    free = {}
    for name in regions:
        region = getattr(config, name)
        size = min(region.size, limit or region.size)
        free[name] = [region.base + size // 2, region.base + size]
    out = []
    for tag in range(count):
        src_mem, dst_mem = (regions[int(i)] for i in rng.integers(0, len(regions), 2))
        row = 8 * int(rng.integers(1, max_row_beats + 1))
        rows = int(rng.integers(1, max_rows + 1))
        planes = int(rng.integers(1, max_planes + 1))

        srs, sps, drs, dps = _strides(rng, row, rows)
        src_span = extent(0, row, rows, planes, srs, sps)[1]
        dst_span = extent(0, row, rows, planes, drs, dps)[1]
        src_region = getattr(config, src_mem)
        half = (free[src_mem][1] - src_region.base) // 2
        if src_span > half or free[dst_mem][0] + dst_span > free[dst_mem][1]:
            break
        src = src_region.base + 8 * int(rng.integers(0, (half - src_span) // 8 + 1))
        dst = free[dst_mem][0]
        free[dst_mem][0] += (dst_span + 7) // 8 * 8
        out.append(Transfer(src, dst, row, rows, planes, srs, sps, drs, dps, tag=tag))
    return out
