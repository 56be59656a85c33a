"""The CIM as a bus peripheral: `Cim` behind its register page
(``hetsoc.spec.cim.CIM_REGISTERS``).

The page is the accelerator protocol (`AcceleratorPage`, ``docs/accelerators.md``: staging
of the ``DESC0..DESC12`` words of ``hetsoc.spec.cim.DESCRIPTOR``, ``CTRL``, ``STATUS`` with the
``CimError`` code and the ``weight_error`` unit flag, the level interrupt, the counters of the
last descriptor, ``WORK`` counting matrix-vector products); descriptor addresses are L1 offsets
(system address minus the L1 base). The CIM's own registers (``docs/cim.md`` "Register page"):

* ``PROG_CYCLES``: weight-programming beats accepted since reset, CPU or DMA.
* Weight programming: ``PROG_ADDR`` (layout ``hetsoc.spec.cim.PROG_ADDR``: row, group,
  groups per row) selects the next beat (a macro row of ``cols_per_cycle`` cells starting at
  column ``group * cols_per_cycle``); ``max(1, 2 * cols_per_cycle / 32)`` writes to
  ``PROG_DATA`` (low word first) make one beat, which goes to the engine's ``prog`` port, and
  the address advances to the next group, or after ``groups`` groups (0: up to the macro's
  last) to the next row at the group written. ``PROG_CTRL`` bit 0 clears a refused-weight
  error.
* ``TILE`` (layout ``hetsoc.spec.cim.TILE``): rows_per_cycle, cols_per_cycle.

A ``PROG_DATA`` write while the engine is busy (its ``prog.ready`` is low), or with
``PROG_ADDR`` outside the macro, is **refused with a bus error** and changes nothing (the
staged words, the address and the weights stay as they were): a beat is never silently lost,
and the bus never waits for a layer to end. Firmware waits for ``busy`` to fall first.

With a DMA window (``hetsoc.spec.cim.dma_sink_bytes``: ``cols`` a power of two of at least
32) the page has a member ``dma``, the window's beats: the 8 bytes at offset ``o`` are the 32
cells of macro row ``o // (cols / 4)`` from column ``(o % (cols / 4)) * 4`` on, written in one
cycle. A beat is ``ready`` while the engine is idle and no ``PROG_DATA`` beat is issued in the
same cycle (the CPU's wins: its bus write cannot wait); a beat past the macro's rows gets
``err`` and writes nothing; a beat with a cell 0b10 is taken, writes nothing and sets
``weight_error``. While the engine is busy the whole window is in use (``in_use_lo/hi``), so
the DMA offers no beat there: programming is serialised with computation on both paths.
"""

from __future__ import annotations

from amaranth import Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ...spec.cim import (
    CIM_REGISTERS,
    CIM_SPEC,
    DESCRIPTOR_WORDS,
    PROG_ADDR,
    TILE,
    UNIT_FLAGS,
    CimParams,
)
from ...spec.regmap import Peripheral
from ..dma.ports import SinkSignature
from ..periph.accel_page import AcceleratorPage
from .engine import Cim
from .ports import L1PortSignature

__all__ = ["CimPeripheral"]


class CimPeripheral(AcceleratorPage):
    """Register page + engine: ``bus`` (In BusSignature(12)), ``l1`` (Out L1PortSignature,
    the engine's), ``irq`` (Out(1), level: pending & enabled), ``active`` (Out(1), the engine
    is busy) and, when the params give a DMA window, ``dma`` (In SinkSignature(
    ``dma_addr_width``), the window's beats).

    Parameters
    ----------
    params : CimParams
        Macro size and tile (a ``cim`` slot's parameters).
    l1_size : int
        Bytes of L1 (the width of the port's addresses).
    page : Peripheral, optional
        The register page (a slot's, named after it); a standalone ``cim`` page by default.
    """

    def __init__(self, params: CimParams, *, l1_size: int, page: Peripheral | None = None):
        if not isinstance(params, CimParams):
            raise TypeError(f"Params must be a CimParams, not {params!r}")
        addr_width = (l1_size - 1).bit_length()
        sink = CIM_SPEC.dma_sink(params)
        #: Byte address bits of the DMA window (None: no window): the sink's bytes rounded up
        #: to a power of two of at least 1 KiB, the region `SocConfig.dma_sinks` places.
        self.dma_addr_width = None if sink is None else max(10, (sink - 1).bit_length())
        self.core = Cim(params.rows, params.cols, l1_addr_width=addr_width,
                        rows_per_cycle=params.rows_per_cycle,
                        cols_per_cycle=params.cols_per_cycle, post_cols=params.post_cols,
                        dma=sink is not None)
        if self.core.col_groups > 256:
            raise ValueError(f"column groups must be at most 256 (PROG_ADDR bits 16-23), "
                             f"not {self.core.col_groups!r}")
        #: 32-bit PROG_DATA writes per programming beat.
        self.words_per_beat = max(1, 2 * self.core.cp // 32)
        page = page or Peripheral("cim", 0, CIM_REGISTERS, CIM_SPEC.doc)
        dma = {} if sink is None else {"dma": In(SinkSignature(self.dma_addr_width))}
        super().__init__(page, desc_words=DESCRIPTOR_WORDS,
                         l1_signature=L1PortSignature(addr_width), extra_members=dma)

    @classmethod
    def for_slot(cls, slot, *, l1_size: int, gated: bool) -> CimPeripheral:
        """The plug-in factory (`hetsoc.spec.accelerators.Plugin.gateware`) of a ``cim``
        slot (its clock needs nothing of its own: ``gated`` is unused)."""
        return cls(slot.params, l1_size=l1_size, page=slot.page)

    def elaborate(self, platform):
        m = self.elaborate_page()
        core = self.core
        m.submodules.core = core
        wiring.connect(m, wiring.flipped(self.l1), core.l1)

        # ---- the protocol's engine side -----------------------------------------------------
        l1 = self.l1
        flags = Signal(UNIT_FLAGS)
        m.d.comb += [flags.weight_error.eq(core.weight_error),
                     self.unit_flags.eq(flags.as_value())]
        m.d.comb += [core.desc.as_value().eq(self.desc), core.start.eq(self.start),
                     self.busy.eq(core.busy), self.end.eq(core.done), self.code.eq(core.error),
                     # a request L1 does not take this cycle: the engine waits for it
                     self.stall.eq(core.busy & l1.req_valid & ~l1.req_ready),
                     self.work.eq(core.mvm_end),
                     self.read["PROG_CYCLES"].eq(core.prog_cycles),
                     self.read["TILE"].eq(TILE.const({"rows_per_cycle": core.rp,
                                                      "cols_per_cycle": core.cp}).as_value())]

        # ---- weight programming -------------------------------------------------------------
        wpb = self.words_per_beat
        row, group, group0, per_row = Signal(16), Signal(8), Signal(8), Signal(8)
        part = Signal(range(max(2, wpb)))
        stage = Signal(32 * wpb)
        written, current = PROG_ADDR(self.wdata), Signal(PROG_ADDR)
        m.d.comb += [current.row.eq(row), current.group.eq(group), current.groups.eq(per_row),
                     self.read["PROG_ADDR"].eq(current.as_value())]
        with m.If(self.write["PROG_ADDR"]):
            m.d.sync += [row.eq(written.row), group.eq(written.group),
                         group0.eq(written.group), per_row.eq(written.groups), part.eq(0)]
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

        # ---- weight programming by the DMA ------------------------------------------------
        if self.dma_addr_width is not None:
            sink, beat, aw = self.dma, core.dma, self.dma_addr_width
            pitch_bits = (core.cols // 4).bit_length() - 1      # a row's bytes, log2
            row = sink.addr[pitch_bits:]
            inside = row < core.rows
            m.d.comb += [beat.valid.eq(sink.valid & inside), beat.row.eq(row),
                         beat.group.eq(sink.addr[3:pitch_bits]), beat.data.eq(sink.data),
                         sink.ready.eq(beat.ready & inside), sink.err.eq(sink.valid & ~inside),
                         # the running descriptor reads every cell: the whole window is in use
                         sink.in_use_lo.eq(0), sink.in_use_hi.eq(Mux(core.busy, 1 << aw, 0))]
        return m

