"""The pooling unit as a bus peripheral: `PoolEngine` behind the accelerator page.

The page is the protocol of ``hetsoc.spec.page`` alone (`AcceleratorPage`): the ``DESC0`` ..
``DESC6`` words of ``hetsoc_pool.spec.DESCRIPTOR``, ``CTRL``, ``STATUS`` with the `PoolError`
code, the level interrupt and the counters of the last descriptor, ``WORK`` counting the output
values written. The unit has no registers of its own: a descriptor says everything.
"""

from __future__ import annotations

from amaranth.lib import wiring

from hetsoc.hw.periph.accel_page import AcceleratorPage
from hetsoc.hw.widebus import WideBusSignature
from hetsoc.spec.regmap import Peripheral

from ..spec import DESC_WORDS, SPEC, PoolParams
from .engine import PoolEngine

__all__ = ["Pool"]


class Pool(AcceleratorPage):
    """Register page + engine: ``bus`` (In BusSignature(12)), ``l1`` (Out WideBusSignature,
    ``8 * lanes`` bits), ``irq`` (Out(1), level: pending & enabled), ``active`` (Out(1), busy).

    Parameters
    ----------
    params : PoolParams
    l1_size : int
        Bytes of L1, a power of two (the width of the port's addresses, and the bound the
        descriptor check holds tensors to).
    page : Peripheral, optional
        The register page (a slot's, named after it); a standalone ``pool`` page by default.
    """

    def __init__(self, params: PoolParams, *, l1_size: int, page: Peripheral | None = None):
        if not isinstance(params, PoolParams):
            raise TypeError(f"params must be a PoolParams, not {params!r}")
        problem = SPEC.check(params)
        if problem:
            raise ValueError(problem)
        if not isinstance(l1_size, int) or l1_size < 64 or l1_size & (l1_size - 1):
            raise ValueError(f"l1_size must be a power of two of at least 64, not {l1_size!r}")
        self.params = params
        self.engine = PoolEngine(params.lanes, l1_size)
        page = page or Peripheral("pool", 0, tuple(SPEC.registers(params)), SPEC.doc)
        super().__init__(page, desc_words=DESC_WORDS,
                         l1_signature=WideBusSignature((l1_size - 1).bit_length(),
                                                       SPEC.l1_port_bits(params)),
                         work_width=len(self.engine.work))

    @classmethod
    def for_slot(cls, slot, *, l1_size: int, gated: bool) -> Pool:
        """The plug-in factory (`hetsoc.spec.accelerators.Plugin.gateware`) of a ``pool`` slot.
        The unit works only while busy, so the simulation's gated clock needs nothing of it:
        ``gated`` is unused."""
        return cls(slot.params, l1_size=l1_size, page=slot.page)

    def elaborate(self, platform):
        m = self.elaborate_page()
        engine = m.submodules.engine = self.engine
        wiring.connect(m, wiring.flipped(self.l1), engine.l1)
        m.d.comb += [engine.desc.as_value().eq(self.desc), engine.start.eq(self.start),
                     self.busy.eq(engine.busy), self.end.eq(engine.end),
                     self.code.eq(engine.code), self.stall.eq(engine.stall),
                     self.work.eq(engine.work)]
        return m
