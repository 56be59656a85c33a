"""Load/store unit: request formatting in the execute stage, load data alignment in the memory
stage.

The bus is 32 bits wide with byte strobes: a store replicates its byte or halfword across the
word and selects lanes with ``wstrb``; a load reads the whole word and the memory stage picks and
extends the addressed lanes. Misaligned accesses trap (no splitting), as the contracts allow.
"""

from amaranth import Cat, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["LoadStoreUnit"]


class LoadStoreUnit(wiring.Component):
    """Combinational helpers around the data bus.

    Members
    -------
    x_addr : In(32)
        Effective address (execute stage).
    x_size : In(2)
        log2 of the access size (``funct3[1:0]``).
    x_store_data : In(32)
        ``rs2``.
    x_misaligned : Out(1)
        The address is not a multiple of the size.
    x_wdata, x_wstrb : Out(32), Out(4)
        Bus write data (lanes replicated) and byte strobes.
    m_rdata : In(32)
        Bus read data (memory stage).
    m_offset : In(2)
        Low address bits of the load.
    m_funct3 : In(3)
        Size and signedness of the load.
    m_value : Out(32)
        The loaded value, extended to 32 bits.
    """

    x_addr: In(32)
    x_size: In(2)
    x_store_data: In(32)
    x_misaligned: Out(1)
    x_wdata: Out(32)
    x_wstrb: Out(4)
    m_rdata: In(32)
    m_offset: In(2)
    m_funct3: In(3)
    m_value: Out(32)

    def elaborate(self, platform):
        m = Module()
        offset = self.x_addr[:2]
        data = self.x_store_data
        with m.Switch(self.x_size):
            with m.Case(0):
                m.d.comb += [
                    self.x_wdata.eq(data[:8].replicate(4)),
                    self.x_wstrb.eq(1 << offset),
                ]
            with m.Case(1):
                m.d.comb += [
                    self.x_wdata.eq(data[:16].replicate(2)),
                    self.x_wstrb.eq(Mux(offset[1], 0b1100, 0b0011)),
                    self.x_misaligned.eq(offset[0]),
                ]
            with m.Default():
                m.d.comb += [
                    self.x_wdata.eq(data),
                    self.x_wstrb.eq(0b1111),
                    self.x_misaligned.eq(offset != 0),
                ]

        word = self.m_rdata
        half = Mux(self.m_offset[1], word[16:], word[:16])
        byte = half.word_select(self.m_offset[0], 8)
        unsigned = self.m_funct3[2]
        with m.Switch(self.m_funct3[:2]):
            with m.Case(0):
                m.d.comb += self.m_value.eq(Cat(byte, (~unsigned & byte[7]).replicate(24)))
            with m.Case(1):
                m.d.comb += self.m_value.eq(Cat(half, (~unsigned & half[15]).replicate(16)))
            with m.Default():
                m.d.comb += self.m_value.eq(word)
        return m
