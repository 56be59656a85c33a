"""The register-page protocol every accelerator speaks, as data.

The first ``0x80`` bytes of an accelerator's page are the same for every kind: the descriptor's
staging words, CTRL (start), STATUS (busy, done, error and its code), IRQ/IRQ_EN (done and error
events, a level that stays up until acknowledged) and the standard counters of the last
descriptor (cycles busy, cycles of them waiting on L1, the unit's work units, bytes read from
and written to L1). A kind's own registers (weight loading, its extra counters) start at
`UNIT_BASE`. The gateware (`hetsoc.hw.periph.accel_page`), the C header (``HETSOC_ACC_*``) and
the drivers' shared API (``sw/drivers/acc.h``) are all made from these tables and layouts.
"""

from __future__ import annotations

from amaranth.lib import data

from .regmap import Register

__all__ = [
    "CTRL", "DESC_MAX_WORDS", "INFO", "IRQ", "STATUS", "UNIT_BASE", "protocol_registers",
]

#: Descriptor words a page can stage (``DESC0`` .. ``DESC15`` at offsets 0x00 .. 0x3C).
DESC_MAX_WORDS = 16
#: Offset of a kind's own first register.
UNIT_BASE = 0x80

#: CTRL: a write with ``start`` set starts the staged descriptor (ignored while busy).
CTRL = data.StructLayout({"start": 1})
#: STATUS. ``done``: the last descriptor ended (accepted or refused), cleared by a start;
#: ``error``: it was refused, ``code`` says why (the kind's error enum, 0 when accepted);
#: ``unit``: flags of the kind's own (the CIM's refused weight beat).
STATUS = data.StructLayout({"busy": 1, "done": 1, "error": 1, "unit": 5, "code": 8})
#: IRQ and IRQ_EN: events pending (write 1s to acknowledge) and those that raise the interrupt.
#: ``done`` comes with every end, ``error`` with a refusal.
IRQ = data.StructLayout({"done": 1, "error": 1})
#: INFO: what a driver (or the conformance kit) can check the unit against.
INFO = data.StructLayout({"desc_words": 8, "port_bytes": 16})


def protocol_registers(desc_words: int, work: str) -> tuple[Register, ...]:
    """The protocol's registers for a kind whose descriptor has `desc_words` words and whose
    work unit is `work` (for the WORK counter's description)."""
    if not isinstance(desc_words, int) or not 1 <= desc_words <= DESC_MAX_WORDS:
        raise ValueError(f"Descriptor words must be an integer in [1, {DESC_MAX_WORDS}], "
                         f"not {desc_words!r}")
    return (
        *(Register(f"DESC{k}", 4 * k, "rw", f"descriptor word {k}") for k in range(desc_words)),
        Register("CTRL", 0x40, "w", "write bit 0 = 1: start the descriptor in DESC* (ignored "
                                    "while busy)"),
        Register("STATUS", 0x44, "r", "bit 0 busy, bit 1 done (the last descriptor ended; "
                                      "cleared by a start), bit 2 error (it was refused), bits "
                                      "3-7 the unit's own flags, bits 8-15 error code"),
        Register("IRQ", 0x48, "rw", "pending events, bit 0 done, bit 1 error; write 1s to "
                                    "clear"),
        Register("IRQ_EN", 0x4C, "rw", "events that raise the unit's interrupt (a level until "
                                       "acknowledged)"),
        Register("BUSY_CYCLES", 0x50, "r", "cycles of the last descriptor, start to end"),
        Register("STALL_CYCLES", 0x54, "r", "cycles of it spent waiting on L1"),
        Register("WORK", 0x58, "r", f"work units of the last descriptor: {work}"),
        Register("L1_RD_BYTES", 0x5C, "r", "bytes the last descriptor read from L1"),
        Register("L1_WR_BYTES", 0x60, "r", "bytes the last descriptor wrote to L1"),
        Register("INFO", 0x64, "r", "bits 0-7 descriptor words, bits 8-23 bytes per access of "
                                    "the unit's L1 port"),
    )
