"""Register maps of the memory-mapped peripherals.

The gateware decodes these offsets and :mod:`hetsoc.cheader` turns the same tables into the
firmware's C header, so an offset is written once, here. Peripheral ``i`` occupies page ``i`` of
the peripheral window (``SocConfig.peripheral_base(i)``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PERIPHERALS", "Peripheral", "Register", "peripheral"]


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

PERIPHERALS: tuple[Peripheral, ...] = (TIMER, CONSOLE, FINISHER)


def peripheral(name: str) -> Peripheral:
    for p in PERIPHERALS:
        if p.name == name:
            return p
    raise KeyError(f"no peripheral {name!r}")
