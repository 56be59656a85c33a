"""The NPU's residual add: ``y = a + b`` over ``length`` bytes of L1, a port word at a time.

Per port word it reads ``a`` (at ``in_base``), reads ``b`` (at ``b_base``), then writes ``y``
(at ``out_base``), one request at a time: three port cycles per word of ``2 * cols`` lanes.
The PE array, the fetcher and the drain are idle meanwhile, so the L1 port is its alone. The
lanes (`AddLanes`) compute ``y`` from the two words held; the last word's strobe covers the
bytes below ``length`` only.
"""

from __future__ import annotations

from amaranth import Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.npu import DESCRIPTOR
from .eltwise import AddLanes

__all__ = ["ResidualAdd"]


class ResidualAdd(wiring.Component):
    """The ``ADD`` operation: read a, read b, write y, per port word.

    Parameters
    ----------
    port_bytes : int
        L1 port width (a power of two); operands are aligned to it (`check_descriptor`).
    addr_width : int
        L1 byte address width.

    Members
    -------
    desc : In(DESCRIPTOR)
    adding : In(1)
        The layer is an add and runs.
    req, we : Out(1), addr : Out(addr_width), wdata : Out(8 * port_bytes),
    wstrb : Out(port_bytes)
        A request on L1 (the port is this unit's alone while it runs).
    accepted, rsp_valid : In(1), rdata : In(8 * port_bytes)
        The L1 port: the request is accepted; its response arrives, with its word.
    done : Out(1)
        The last word's write is done (the layer ends).
    """

    def __init__(self, *, port_bytes: int, addr_width: int):
        self.port_bytes = port_bytes
        super().__init__({
            "desc": In(DESCRIPTOR), "adding": In(1),
            "req": Out(1), "we": Out(1), "addr": Out(addr_width),
            "wdata": Out(8 * port_bytes), "wstrb": Out(port_bytes),
            "accepted": In(1), "rsp_valid": In(1), "rdata": In(8 * port_bytes),
            "done": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        PB = self.port_bytes
        d, adding = self.desc, self.adding
        m.submodules.adder = adder = AddLanes(PB)
        pos = Signal(24)
        a_word, b_word = Signal(8 * PB), Signal(8 * PB)
        phase = Signal(2)      # 0 read a, 1 read b, 2 write y
        waiting = Signal()     # for the response of the request accepted
        m.d.comb += [adder.a.eq(a_word), adder.b.eq(b_word), adder.a_zp.eq(d.x_zp),
                     adder.b_zp.eq(d.b_zp), adder.y_zp.eq(d.y_zp), adder.y_min.eq(d.y_min),
                     adder.y_max.eq(d.y_max), adder.a_mult.eq(d.a_mult),
                     adder.b_mult.eq(d.b_mult), adder.shift.eq(d.add_shift)]
        left = d.length - pos
        strb = Mux(left >= PB, (1 << PB) - 1,
                   (Const(1, PB + 1) << left[:PB.bit_length() - 1]) - 1)
        m.d.comb += [self.addr.eq(Mux(phase == 0, d.in_base,
                                      Mux(phase == 1, d.b_base, d.out_base)) + pos),
                     self.wdata.eq(adder.y.as_value()), self.wstrb.eq(strb)]
        with m.If(adding & ~waiting):
            m.d.comb += [self.req.eq(1), self.we.eq(phase == 2)]
            with m.If(self.accepted):
                m.d.sync += waiting.eq(1)
        with m.If(adding & waiting & self.rsp_valid):
            m.d.sync += [waiting.eq(0), phase.eq(Mux(phase == 2, 0, phase + 1))]
            with m.If(phase == 0):
                m.d.sync += a_word.eq(self.rdata)
            with m.If(phase == 1):
                m.d.sync += b_word.eq(self.rdata)
            with m.If(phase == 2):
                m.d.sync += pos.eq(pos + PB)
                with m.If(left <= PB):
                    m.d.comb += self.done.eq(1)
                    m.d.sync += pos.eq(0)
        return m
