"""The CIM as a bus peripheral: `Cim` behind the ``cim`` register page (``regmap.CIM``).

Registers (offsets in ``hw/periph/regmap.py``, ``docs/cim.md`` "Register page"):

* ``DESC0..DESC12`` stage a descriptor (``descriptor.DESCRIPTOR``, word ``k`` = bits
  ``[32k, 32k + 32)``); ``CTRL`` bit 0 starts it (ignored while busy). Its addresses are L1
  offsets (system address minus the L1 base).
* ``STATUS``: bit 0 busy, bit 1 done (sticky until the next start), bit 2 error (the last
  descriptor was refused), bit 3 a refused weight beat is pending, bits 8-10 the ``CimError``.
* ``IRQ``/``IRQ_EN``: pending events (bit 0 a descriptor ended, bit 1 it was refused), set on
  the cycle the engine ends, cleared by writing 1s; ``irq`` is high while an enabled event is
  pending (a level interrupt, like the NPU's).
* ``BUSY_CYCLES``, ``MVMS``, ``PROG_CYCLES``: the engine's counters, since reset.
* Weight programming: ``PROG_ADDR`` = row | group << 16 | groups_per_row << 24 selects the next
  beat (a macro row of ``cols_per_cycle`` cells starting at column ``group * cols_per_cycle``);
  ``max(1, 2 * cols_per_cycle / 32)`` writes to ``PROG_DATA`` (low word first) make one beat,
  which goes to the engine's ``prog`` port, and the address advances to the next group, or
  after ``groups_per_row`` groups (0: up to the macro's last) to the next row at the group
  written. ``PROG_CTRL`` bit 0 clears a refused-weight error.
* ``TILE``: rows_per_cycle | cols_per_cycle << 16.

A ``PROG_DATA`` write while the engine is busy (its ``prog.ready`` is low), or with
``PROG_ADDR`` outside the macro, is **refused with a bus error** and changes nothing (the
staged words, the address and the weights stay as they were): a beat is never silently lost,
and the bus never waits for a layer to end. Firmware waits for ``busy`` to fall first.
"""

from __future__ import annotations

from amaranth import Cat, Const, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

from ...config import SocConfig
from ..periph.base import RegisterPage
from ..periph.regmap import CIM
from .descriptor import DESCRIPTOR_WORDS
from .engine import Cim
from .ports import L1PortSignature

__all__ = ["CimPeripheral"]


class CimPeripheral(RegisterPage):
    """Register page + engine: ``bus`` (In BusSignature(12)), ``l1`` (Out L1PortSignature,
    the engine's), ``irq`` (Out(1), level: pending & enabled), ``active`` (Out(1), the engine
    is busy).

    Parameters
    ----------
    config : SocConfig
        Macro size from ``config.cim``, the L1 address width from ``config.l1.size``;
        ``config.cim.rows_per_cycle``/``cols_per_cycle`` if the config has them.
    rows_per_cycle, cols_per_cycle : int, optional
        Override the tile (default: the config's, else `Cim`'s defaults).
    """

    def __init__(self, config: SocConfig, *, rows_per_cycle: int | None = None,
                 cols_per_cycle: int | None = None):
        if not isinstance(config, SocConfig):
            raise TypeError(f"Config must be a SocConfig, not {config!r}")
        tile = {}
        for name, v in (("rows_per_cycle", rows_per_cycle), ("cols_per_cycle", cols_per_cycle)):
            v = getattr(config.cim, name, None) if v is None else v
            if v is not None:
                tile[name] = v
        addr_width = (config.l1.size - 1).bit_length()
        self.core = Cim(config.cim.rows, config.cim.cols, l1_addr_width=addr_width, **tile)
        if self.core.col_groups > 256:
            raise ValueError(f"column groups must be at most 256 (PROG_ADDR bits 16-23), "
                             f"not {self.core.col_groups!r}")
        #: 32-bit PROG_DATA writes per programming beat.
        self.words_per_beat = max(1, 2 * self.core.cp // 32)
        super().__init__(CIM, extra_members={"l1": Out(L1PortSignature(addr_width)),
                                             "irq": Out(1), "active": Out(1)})

    def elaborate(self, platform):
        m = self.elaborate_page()
        core = self.core
        m.submodules.core = core
        wiring.connect(m, wiring.flipped(self.l1), core.l1)

        # ---- descriptor, start, status ------------------------------------------------
        desc = [Signal(32, name=f"desc{k}") for k in range(DESCRIPTOR_WORDS)]
        for k, word in enumerate(desc):
            with m.If(self.write[f"DESC{k}"]):
                m.d.sync += word.eq(self.wdata)
            m.d.comb += self.read[f"DESC{k}"].eq(word)
        start = self.write["CTRL"] & self.wdata[0] & ~core.busy
        m.d.comb += [core.desc.as_value().eq(Cat(*desc)), core.start.eq(start),
                     self.active.eq(core.busy)]  # for the simulation's clock gate (Soc)
        done = Signal()
        with m.If(start):               # first: a start in the cycle the last one ends is new
            m.d.sync += done.eq(0)
        with m.Elif(core.done):
            m.d.sync += done.eq(1)
        refused = done & (core.error != 0)
        m.d.comb += self.read["STATUS"].eq(Cat(core.busy, done, refused, core.weight_error,
                                               0, 0, 0, 0, core.error))

        # ---- interrupt: events on the cycle the engine ends ---------------------------------
        pending, enable = Signal(2), Signal(2)
        events = Cat(core.done, core.done & (core.error != 0))
        with m.If(self.write["IRQ"]):
            m.d.sync += pending.eq((pending & ~self.wdata[:2]) | events)
        with m.Else():
            m.d.sync += pending.eq(pending | events)
        with m.If(self.write["IRQ_EN"]):
            m.d.sync += enable.eq(self.wdata[:2])
        m.d.comb += [self.read["IRQ"].eq(pending), self.read["IRQ_EN"].eq(enable),
                     self.irq.eq((pending & enable) != 0),
                     self.read["BUSY_CYCLES"].eq(core.busy_cycles),
                     self.read["MVMS"].eq(core.mvms),
                     self.read["PROG_CYCLES"].eq(core.prog_cycles),
                     self.read["TILE"].eq(Cat(Const(core.rp, 16), Const(core.cp, 16)))]

        # ---- weight programming -------------------------------------------------------------
        wpb = self.words_per_beat
        row, group, group0, per_row = Signal(16), Signal(8), Signal(8), Signal(8)
        part = Signal(range(max(2, wpb)))
        stage = Signal(32 * wpb)
        m.d.comb += self.read["PROG_ADDR"].eq(Cat(row, group, per_row))
        with m.If(self.write["PROG_ADDR"]):
            m.d.sync += [row.eq(self.wdata[:16]), group.eq(self.wdata[16:24]),
                         group0.eq(self.wdata[16:24]), per_row.eq(self.wdata[24:]),
                         part.eq(0)]
        inside = (row < core.rows) & (group < core.col_groups)
        refuse = self.write["PROG_DATA"] & (core.busy | ~inside)
        with m.If(refuse):
            m.d.sync += self.bus.err.eq(1)          # overrides the page's err: a bus error
        take = self.write["PROG_DATA"] & ~core.busy & inside
        beat = Signal(32 * wpb)
        m.d.comb += [beat.eq(stage), beat.word_select(part, 32).eq(self.wdata)]
        prog = core.prog
        m.d.comb += [prog.row.eq(row), prog.group.eq(group), prog.data.eq(beat),
                     prog.clear_error.eq(self.write["PROG_CTRL"] & self.wdata[0])]
        end = Signal(9)
        m.d.comb += end.eq(self.core.col_groups)
        with m.If(per_row != 0):
            m.d.comb += end.eq(group0 + per_row)
        with m.If(take):
            m.d.sync += stage.eq(beat)
            if wpb > 1:
                with m.If(part != wpb - 1):
                    m.d.sync += part.eq(part + 1)
            with m.If(part == wpb - 1):
                m.d.comb += prog.valid.eq(1)
                m.d.sync += part.eq(0)
                with m.If(group + 1 >= end):
                    m.d.sync += [group.eq(group0), row.eq(row + 1)]
                with m.Else():
                    m.d.sync += group.eq(group + 1)
        return m

