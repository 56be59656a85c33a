"""Register maps of the memory-mapped peripherals (and the DMA's register page).

The gateware decodes these offsets and :mod:`hetsoc.cheader` turns the same tables into the
firmware's C header, so an offset is written once, here. Peripheral ``i`` occupies page ``i`` of
the peripheral window (``SocConfig.peripheral_base(i)``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONSOLE", "DMA", "DMA_CHANNEL_REGISTERS", "DMA_CH_STRIDE", "FINISHER", "PERIPHERALS",
    "TIMER", "Peripheral", "Register", "dma_page", "peripheral",
]


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    access: str  # "r", "w" or "rw"
    doc: str


@dataclass(frozen=True)
class Peripheral:
    name: str
    index: int
    registers: tuple[Register, ...]
    doc: str

    def offset(self, name: str) -> int:
        for reg in self.registers:
            if reg.name == name:
                return reg.offset
        raise KeyError(f"{self.name} has no register {name!r}")


TIMER = Peripheral("timer", 0, (
    Register("MTIME_LO", 0x00, "rw", "machine timer, low word; counts clock cycles"),
    Register("MTIME_HI", 0x04, "rw", "machine timer, high word"),
    Register("MTIMECMP_LO", 0x08, "rw", "compare value, low word; mip.MTIP = mtime >= mtimecmp"),
    Register("MTIMECMP_HI", 0x0C, "rw", "compare value, high word (reset: all ones)"),
), "RISC-V machine timer (CLINT layout reduced to one hart)")

CONSOLE = Peripheral("console", 1, (
    Register("TX", 0x00, "w", "write a byte: the simulation host captures it"),
    Register("STATUS", 0x04, "r", "bit 0: ready to accept a byte (always 1)"),
), "character console captured by the simulation host")

FINISHER = Peripheral("finisher", 2, (
    Register("EXIT", 0x00, "w", "write the exit code: ends the run (0 = pass)"),
    Register("TRAP", 0x04, "w", "write mcause from a trap handler: ends the run as a trap; "
                                "the SoC reports the cause, pc and tval it latched"),
), "test finisher: ends a simulation with an exit code or a trap report")

#: Offset between the register blocks of consecutive DMA channels.
DMA_CH_STRIDE = 0x100
#: Registers of DMA channel 0; channel ``c`` has them at ``+ c * DMA_CH_STRIDE``.
DMA_CHANNEL_REGISTERS = (
    *(Register(f"CH_DESC{k}", 4 * k, "rw", f"descriptor staging word {k}") for k in range(8)),
    Register("CH_PUSH", 0x20, "rw", "write: queue the staged descriptor (dropped when the queue "
                                    "is full, raising the overflow event); read: free queue "
                                    "slots"),
    Register("CH_STATUS", 0x24, "r", "bit 0 busy; bit 1 overflow (CH_IRQ bit 2: a push was "
                                     "dropped); bits 8-15 queued descriptors; bits 16-23 "
                                     "completions waiting in CH_CPL"),
    Register("CH_CPL", 0x28, "rw", "read: oldest completion, bit 31 valid, bits 16-19 status "
                                   "(DmaStatus), bits 0-15 tag; write: drop it"),
    Register("CH_IRQ", 0x2C, "rw", "pending events, bit 0 done, bit 1 error, bit 2 overflow "
                                   "(sticky); write 1s to clear"),
    Register("CH_IRQ_EN", 0x30, "rw", "events that raise the external interrupt"),
    Register("CH_RWIN_BASE", 0x34, "rw", "read window, first byte (reset 0)"),
    Register("CH_RWIN_END", 0x38, "rw", "read window, one past the last byte (reset 0: empty)"),
    Register("CH_WWIN_BASE", 0x3C, "rw", "write window, first byte (reset 0)"),
    Register("CH_WWIN_END", 0x40, "rw", "write window, one past the last byte (reset 0: empty)"),
    Register("CH_BYTES", 0x44, "r", "bytes written since the last clear"),
    Register("CH_BUSY_CYCLES", 0x48, "r", "cycles spent checking or moving a descriptor"),
    Register("CH_STALL_CYCLES", 0x4C, "r", "cycles moving with no beat written"),
    Register("CH_CLEAR", 0x50, "w", "write: zero the three counters"),
)

DMA = Peripheral("dma", 3, (
    *DMA_CHANNEL_REGISTERS,
    Register("CHANNELS", 0x800, "r", "number of channels"),
    Register("L1_CONFLICTS", 0x804, "r", "cycles an L1 port waited for a bank taken by another"),
    Register("L2_CONFLICTS", 0x808, "r", "cycles an L2 port waited for a bank taken by another"),
), "DMA engine: per-channel descriptor queues, windows, completions, counters "
   "(channel c at + c * HETSOC_DMA_CH_STRIDE)")

#: The fixed pages; the config's accelerators take the pages after them
#: (``SocConfig.pages``, ``hetsoc.spec.accelerators``).
PERIPHERALS: tuple[Peripheral, ...] = (TIMER, CONSOLE, FINISHER, DMA)


def dma_page(channels: int) -> Peripheral:
    """The DMA's register page with every channel's block spelt out (``CH1_DESC0`` ...)."""
    if not isinstance(channels, int) or not 1 <= channels <= 4:
        raise ValueError(f"Channel count must be an integer in [1, 4], not {channels!r}")
    regs = [Register(f"CH{c}{r.name[2:]}", r.offset + c * DMA_CH_STRIDE, r.access, r.doc)
            for c in range(channels) for r in DMA_CHANNEL_REGISTERS]
    regs += [r for r in DMA.registers if not r.name.startswith("CH_")]
    return Peripheral("dma", DMA.index, tuple(regs), DMA.doc)


def peripheral(name: str) -> Peripheral:
    for p in PERIPHERALS:
        if p.name == name:
            return p
    raise KeyError(f"no peripheral {name!r}")
