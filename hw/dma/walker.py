"""Walk one side (source or destination) of a 3-D transfer, chunk by chunk."""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.dma import LEN_WIDTH, MAX_BURST

__all__ = ["Walker"]


class Walker(wiring.Component):
    """Produce the chunks of ``planes`` x ``rows`` rows of ``row_bytes`` bytes.

    ``start`` (one cycle) loads the geometry; then ``valid`` holds with the current chunk's
    ``addr`` and ``len`` (beats) until ``next`` moves on. ``stop`` (one cycle) abandons the
    walk: ``valid`` falls, even if ``next`` takes a chunk in the same cycle. A chunk ends at the
    end of its row or at a 256-byte boundary, whichever is first, so it never exceeds
    :data:`~.ports.MAX_BURST` beats and never crosses a 4 KiB page (an AXI rule). Geometry is
    assumed checked (nonzero, multiples of 8).
    """

    def __init__(self):
        super().__init__({
            "start": In(1), "base": In(32), "row_bytes": In(16), "rows": In(16),
            "planes": In(16), "row_stride": In(32), "plane_stride": In(32),
            "next": In(1), "stop": In(1),
            "valid": Out(1), "addr": Out(32), "len": Out(LEN_WIDTH),
        })

    def elaborate(self, platform):
        m = Module()
        plane_addr = Signal(32)
        row_addr = Signal(32)
        off = Signal(16)
        row = Signal(16)
        plane = Signal(16)
        geometry = [Signal(16), Signal(16), Signal(16), Signal(32), Signal(32)]
        row_bytes, rows, planes, row_stride, plane_stride = geometry

        m.d.comb += self.addr.eq(row_addr + off)
        left = (row_bytes - off)[3:]
        to_boundary = MAX_BURST - self.addr[3:8]
        m.d.comb += self.len.eq(Mux(left < to_boundary, left, to_boundary))

        with m.If(self.next & self.valid):
            new_off = off + (self.len << 3)
            with m.If(new_off[:16] == row_bytes):
                m.d.sync += off.eq(0)
                with m.If(row + 1 == rows):
                    m.d.sync += row.eq(0)
                    with m.If(plane + 1 == planes):
                        m.d.sync += self.valid.eq(0)
                    with m.Else():
                        m.d.sync += [plane.eq(plane + 1), plane_addr.eq(plane_addr + plane_stride),
                                     row_addr.eq(plane_addr + plane_stride)]
                with m.Else():
                    m.d.sync += [row.eq(row + 1), row_addr.eq(row_addr + row_stride)]
            with m.Else():
                m.d.sync += off.eq(new_off)
        with m.If(self.stop):
            m.d.sync += self.valid.eq(0)
        with m.If(self.start):
            m.d.sync += [
                plane_addr.eq(self.base), row_addr.eq(self.base), off.eq(0), row.eq(0),
                plane.eq(0), self.valid.eq(1),
                row_bytes.eq(self.row_bytes), rows.eq(self.rows), planes.eq(self.planes),
                row_stride.eq(self.row_stride), plane_stride.eq(self.plane_stride),
            ]
        return m
