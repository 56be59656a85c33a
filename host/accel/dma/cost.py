"""The DMA's cycle estimate for one blocking transfer, as the compiler schedules them.

The datapath moves 8 bytes per cycle once a transfer streams (7.96 B/cycle measured on 64 KiB
transfers, docs/dma.md); a blocking transfer also pays its start (the driver's eight descriptor
writes and the push, the first burst's latency) and its end (the completion poll). Those are
`SETUP_CYCLES`, an estimate until the per-layer counters measure them.
"""

from __future__ import annotations

from ...spec.dma import BEAT_BYTES

__all__ = ["SETUP_CYCLES", "transfer_cycles"]

#: Estimated cycles a blocking transfer costs beyond its beats (submit, first burst, poll).
SETUP_CYCLES = 100


def transfer_cycles(nbytes: int) -> int:
    """Estimated cycles of a blocking transfer of `nbytes` bytes (one beat per cycle)."""
    if not isinstance(nbytes, int) or nbytes < 0:
        raise ValueError(f"nbytes must be a non-negative int, not {nbytes!r}")
    return -(-nbytes // BEAT_BYTES) + SETUP_CYCLES
