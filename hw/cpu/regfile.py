"""Register file: 31 general-purpose registers, two asynchronous read ports, one write port.

Asynchronous reads map to distributed (LUT) RAM on 7-series parts, two copies for two read
ports, so the decode stage reads operands in the same cycle it sees the instruction. A write
lands at the end of the cycle; the core forwards values in flight, including the one being
written, so the read-during-write value of the RAM never matters. ``x0`` is never written.
"""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

__all__ = ["RegisterFile"]


class RegisterFile(wiring.Component):
    """32 x 32-bit register file.

    Members
    -------
    rs1_addr, rs2_addr : In(5)
        Read addresses.
    rs1_data, rs2_data : Out(32)
        Read data (zero for ``x0``).
    rd_addr : In(5)
        Write address.
    rd_data : In(32)
        Write data.
    rd_we : In(1)
        Write enable (ignored for ``x0``).
    """

    rs1_addr: In(5)
    rs2_addr: In(5)
    rs1_data: Out(32)
    rs2_data: Out(32)
    rd_addr: In(5)
    rd_data: In(32)
    rd_we: In(1)

    def __init__(self):
        super().__init__()
        #: The storage, exposed so that simulations can inspect registers.
        self.mem = Memory(shape=32, depth=32, init=[])

    def elaborate(self, platform):
        m = Module()
        m.submodules.mem = mem = self.mem
        write = mem.write_port()
        m.d.comb += [
            write.addr.eq(self.rd_addr),
            write.data.eq(self.rd_data),
            write.en.eq(self.rd_we & (self.rd_addr != 0)),
        ]
        for addr, data in ((self.rs1_addr, self.rs1_data), (self.rs2_addr, self.rs2_data)):
            read = mem.read_port(domain="comb")
            # Location 0 is never written, so it reads as zero without an extra mux.
            m.d.comb += [read.addr.eq(addr), data.eq(read.data)]
        return m
