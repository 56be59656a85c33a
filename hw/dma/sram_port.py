"""Serve DMA burst ports from a banked SRAM: one 64-bit access per beat, one beat per cycle."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.dma import LEN_WIDTH
from ..widebus import WideBusSignature
from .ports import BurstReadSignature, BurstWriteSignature

__all__ = ["SramBurstPort"]


class SramBurstPort(wiring.Component):
    """Turn chunk commands into beat requests on a memory's two wide ports.

    The next command is taken in the cycle the current chunk's last beat goes out, so a stream
    of chunks runs without bubbles while the memory grants every cycle. The memory's offset is
    the low ``addr_width`` bits of the bus address (regions are aligned to their size).

    Parameters
    ----------
    addr_width : int
        Byte address width of the memory.
    """

    def __init__(self, addr_width: int):
        if not isinstance(addr_width, int) or not 3 <= addr_width <= 32:
            raise TypeError(f"Address width must be an integer in [3, 32], not {addr_width!r}")
        super().__init__({
            "rd": In(BurstReadSignature()), "wr": In(BurstWriteSignature()),
            "mem_rd": Out(WideBusSignature(addr_width)),
            "mem_wr": Out(WideBusSignature(addr_width)),
        })

    def _sequencer(self, m, name, cmd, mem, go):
        """Address and beat count of the chunk in progress; ``go``: a beat is accepted now."""
        active = Signal(name=f"{name}_active")
        addr = Signal(32, name=f"{name}_addr")
        left = Signal(LEN_WIDTH, name=f"{name}_left")
        last = go & (left == 1)
        m.d.comb += [cmd.cmd_ready.eq(~active | last), mem.addr.eq(addr)]
        with m.If(go):
            m.d.sync += [addr.eq(addr + 8), left.eq(left - 1)]
            with m.If(last):
                m.d.sync += active.eq(0)
        with m.If(cmd.cmd_valid & cmd.cmd_ready):
            m.d.sync += [active.eq(1), addr.eq(cmd.cmd_addr), left.eq(cmd.cmd_len)]
        return active, last

    def elaborate(self, platform):
        m = Module()
        rd, wr, mem_rd, mem_wr = self.rd, self.wr, self.mem_rd, self.mem_wr

        rd_go = Signal()
        rd_active, _ = self._sequencer(m, "rd", rd, mem_rd, rd_go)
        m.d.comb += [
            rd_go.eq(mem_rd.req_valid & mem_rd.req_ready),
            mem_rd.req_valid.eq(rd_active),
            mem_rd.we.eq(0),
            rd.data_valid.eq(mem_rd.rsp_valid),
            rd.data.eq(mem_rd.rdata),
        ]

        wr_go = Signal()
        wr_active, wr_last = self._sequencer(m, "wr", wr, mem_wr, wr_go)
        m.d.comb += [
            wr_go.eq(mem_wr.req_valid & mem_wr.req_ready),
            mem_wr.req_valid.eq(wr_active & wr.data_valid),
            mem_wr.we.eq(1),
            mem_wr.wstrb.eq(0xFF),
            mem_wr.wdata.eq(wr.data),
            wr.data_ready.eq(wr_active & mem_wr.req_ready),
        ]
        m.d.sync += wr.done.eq(wr_last)
        return m
