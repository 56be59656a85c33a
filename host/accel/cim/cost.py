"""The CIM's cycle model: busy cycles of one descriptor as a function of its fields and the
macro's tile (rows and columns evaluated per cycle), equal to the hardware's ``BUSY_CYCLES``
on every stall-free layer (``tests/cim/test_cim_layers.py``, ``bench/cim.py``)."""

from __future__ import annotations

__all__ = ["cycles"]


def cycles(fields, rows_per_cycle: int, cols_per_cycle: int) -> int:
    """Busy cycles of one descriptor without L1 stalls (the timing model of ``docs/cim.md``):
    ``2 + 2K + P * (R + 2 + ceil(R/Rp) * ceil(K/Cp) + 2K)``."""
    r, k = fields["rows"], fields["out_c"]
    p = fields["out_h"] * fields["out_w"]
    mvm = -(-r // rows_per_cycle) * -(-k // cols_per_cycle)
    return 2 + 2 * k + p * (r + 2 + mvm + 2 * k)
