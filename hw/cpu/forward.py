"""Operand forwarding into the decode stage, and the hazards it cannot cover."""

from amaranth import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["Forwarding"]


class Forwarding(wiring.Component):
    """The value of one source register as decode must see it, from the youngest producer.

    An instruction in X that writes the register wins over one in M, which wins over the
    register file. A result not computed yet (a load or multiply in X, a load in M whose
    response has not arrived) is a hazard: decode waits.

    Members
    -------
    rs : In(5)
        The source register.
    rf_data : In(32)
        Its value in the register file.
    x_valid, x_rd_we, x_rd, x_result, x_result_ready : In
        The instruction in X: whether it writes ``x_rd``, its result and whether that is ready.
    m_valid, m_rd_we, m_rd, m_value, m_ready : In
        The same for the instruction in M.
    value : Out(32)
    hazard : Out(1)
    """

    rs: In(5)
    rf_data: In(32)
    x_valid: In(1)
    x_rd_we: In(1)
    x_rd: In(5)
    x_result: In(32)
    x_result_ready: In(1)
    m_valid: In(1)
    m_rd_we: In(1)
    m_rd: In(5)
    m_value: In(32)
    m_ready: In(1)
    value: Out(32)
    hazard: Out(1)

    def elaborate(self, platform):
        m = Module()
        x_hit = self.x_valid & self.x_rd_we & (self.x_rd == self.rs)
        m_hit = self.m_valid & self.m_rd_we & (self.m_rd == self.rs)
        m.d.comb += [
            self.value.eq(Mux(x_hit, self.x_result, Mux(m_hit, self.m_value, self.rf_data))),
            self.hazard.eq(Mux(x_hit, ~self.x_result_ready, m_hit & ~self.m_ready)),
        ]
        return m
