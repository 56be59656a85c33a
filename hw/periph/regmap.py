"""Register maps of the memory-mapped peripherals (and the DMA's register page).

The gateware decodes these offsets and :mod:`hetsoc.cheader` turns the same tables into the
firmware's C header, so an offset is written once, here. Peripheral ``i`` occupies page ``i`` of
the peripheral window (``SocConfig.peripheral_base(i)``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CIM", "CIM_DESC_WORDS", "DMA", "DMA_CHANNEL_REGISTERS", "DMA_CH_STRIDE", "NPU",
    "NPU_DESC_WORDS", "PERIPHERALS", "Peripheral", "Register", "dma_page", "peripheral",
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

#: Words of the NPU's layer descriptor (``hetsoc.hw.npu.descriptor.DESCRIPTOR``, asserted there).
NPU_DESC_WORDS = 13
NPU = Peripheral("npu", 4, (
    *(Register(f"DESC{k}", 4 * k, "rw", f"descriptor word {k} (hetsoc.hw.npu.descriptor)")
      for k in range(NPU_DESC_WORDS)),
    Register("CTRL", 0x40, "w", "write bit 0 = 1: start the layer in DESC* (ignored while busy)"),
    Register("STATUS", 0x44, "r", "bit 0 busy, bit 1 done, bit 2 error; bits 8-11 error code "
                                  "(NpuError) of a rejected descriptor"),
    Register("IRQ", 0x48, "rw", "pending events, bit 0 done, bit 1 error; write 1s to clear"),
    Register("IRQ_EN", 0x4C, "rw", "events that raise the NPU interrupt"),
    Register("BUSY_CYCLES", 0x50, "r", "cycles of the last layer, start to done"),
    Register("STALL_CYCLES", 0x54, "r", "cycles of it spent waiting on L1"),
    Register("MACS", 0x58, "r", "multiply-accumulates of the last layer"),
    Register("WMEM_ADDR", 0x5C, "rw", "weight memory word index for WMEM_DATA; reset by writing"),
    Register("WMEM_DATA", 0x60, "w", "next 4 bytes of the weight word at WMEM_ADDR; the word "
                                     "is written, and WMEM_ADDR advances, after rows/4 writes"),
), "digital NPU: layer descriptor, start/status, interrupt, counters, weight loading")

#: Words of the CIM's descriptor (``hetsoc.hw.cim.descriptor.DESCRIPTOR``, asserted there).
CIM_DESC_WORDS = 13
CIM = Peripheral("cim", 5, (
    *(Register(f"DESC{k}", 4 * k, "rw", f"descriptor word {k} (hetsoc.hw.cim.descriptor)")
      for k in range(CIM_DESC_WORDS)),
    Register("CTRL", 0x40, "w", "write bit 0 = 1: start the descriptor in DESC* (ignored while "
                                "busy)"),
    Register("STATUS", 0x44, "r", "bit 0 busy, bit 1 done (the last descriptor ended; cleared "
                                  "by a start), bit 2 error (it was refused), bit 3 a refused "
                                  "weight beat is pending (PROG_CTRL clears it); bits 8-10 "
                                  "error code (CimError) of a refused descriptor"),
    Register("IRQ", 0x48, "rw", "pending events, bit 0 done (a descriptor ended), bit 1 error "
                                "(it was refused); write 1s to clear"),
    Register("IRQ_EN", 0x4C, "rw", "events that raise the CIM interrupt"),
    Register("BUSY_CYCLES", 0x50, "r", "cycles busy, counted since reset"),
    Register("MVMS", 0x54, "r", "matrix-vector products done, counted since reset"),
    Register("PROG_CYCLES", 0x58, "r", "weight-programming beats accepted, counted since reset"),
    Register("PROG_ADDR", 0x5C, "rw", "next programming beat: bits 0-15 macro row, bits 16-23 "
                                      "column group, bits 24-31 groups per row (0: up to the "
                                      "macro's last); advances group first, then row (back to "
                                      "the group written); a write restarts the beat"),
    Register("PROG_DATA", 0x60, "w", "next 32 bits of the beat at PROG_ADDR (2-bit cells, cell i "
                                     "in bits 2i+1..2i); the beat is issued after "
                                     "max(1, 2*cols_per_cycle/32) writes; refused with a bus "
                                     "error, changing nothing, while busy"),
    Register("PROG_CTRL", 0x64, "w", "write bit 0 = 1: clear a refused-weight error"),
    Register("TILE", 0x68, "r", "bits 0-15 rows_per_cycle, bits 16-31 cols_per_cycle (cells "
                                "per beat)"),
), "CIM accelerator: descriptor, start/status, interrupt, counters, weight programming")

PERIPHERALS: tuple[Peripheral, ...] = (TIMER, CONSOLE, FINISHER, DMA, NPU, CIM)


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
