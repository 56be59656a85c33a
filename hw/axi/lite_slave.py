"""The board host's AXI4-Lite port: control registers and a window onto the SoC's bus."""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..bus import BusSignature
from .signature import Axi4LiteSignature

__all__ = ["HOST_REGISTERS", "WINDOW_OFFSET", "AxiLiteHost"]

#: Byte offset of the window in the AXI4-Lite space; the window is this many bytes long.
WINDOW_OFFSET = 0x8000

#: Control registers (offset, name, access, meaning); tests and docs use this table.
HOST_REGISTERS = (
    (0x00, "CTRL", "rw", "bit 0: hold the core in reset (reset value 1)"),
    (0x04, "STATUS", "r", "finisher status: 0 running, 1 exit, 2 trap, 3 fatal"),
    (0x08, "EXIT_CODE", "r", "exit code or mcause reported through the finisher"),
    (0x0C, "WINDOW", "rw", "SoC address seen at WINDOW_OFFSET (multiple of 0x8000)"),
    (0x10, "CYCLE_LO", "r", "core mcycle, low word"),
    (0x14, "CYCLE_HI", "r", "core mcycle, high word"),
    (0x18, "INSTRET_LO", "r", "core minstret, low word"),
    (0x1C, "INSTRET_HI", "r", "core minstret, high word"),
    (0x20, "BOOT_ADDR", "r", "the core's reset vector (fixed by the config)"),
    (0x24, "MAILBOX0", "rw", "scratch word for host software"),
    (0x28, "MAILBOX1", "rw", "scratch word for host software"),
)


def _offset(name):
    return next(off for off, n, _, _ in HOST_REGISTERS if n == name)


class AxiLiteHost(wiring.Component):
    """Serve one AXI4-Lite transaction at a time (writes first when both are asked).

    Offsets below :data:`WINDOW_OFFSET` are the registers of :data:`HOST_REGISTERS` (unknown
    ones read 0 and answer SLVERR); the upper half is a window onto the SoC's address space at
    ``WINDOW``, turned into system-bus accesses on ``bus`` (a bus error answers SLVERR). The
    ``status`` ... ``instret`` inputs come from the SoC; ``hold`` goes to its core.

    Parameters
    ----------
    boot_addr : int
        Shown in BOOT_ADDR.
    """

    def __init__(self, boot_addr: int):
        self.boot_addr = boot_addr
        super().__init__({
            "axi": In(Axi4LiteSignature(16, 32)),
            "bus": Out(BusSignature()),
            "hold": Out(1, init=1),
            "status": In(2), "exit_code": In(32), "cycle": In(64), "instret": In(64),
        })

    def elaborate(self, platform):
        m = Module()
        axi, bus = self.axi, self.bus
        addr = Signal(16)
        wdata = Signal(32)
        wstrb = Signal(4)
        is_write = Signal()
        window = Signal(32)
        mailbox = [Signal(32), Signal(32)]

        reads = {"CTRL": self.hold, "STATUS": self.status, "EXIT_CODE": self.exit_code,
                 "WINDOW": window, "CYCLE_LO": self.cycle[:32], "CYCLE_HI": self.cycle[32:],
                 "INSTRET_LO": self.instret[:32], "INSTRET_HI": self.instret[32:],
                 "BOOT_ADDR": self.boot_addr, "MAILBOX0": mailbox[0], "MAILBOX1": mailbox[1]}
        writes = {"CTRL": None, "WINDOW": window, "MAILBOX0": mailbox[0], "MAILBOX1": mailbox[1]}

        m.d.comb += [bus.addr.eq(window + addr[:15]), bus.we.eq(is_write),
                     bus.wdata.eq(wdata), bus.wstrb.eq(wstrb)]
        resp = Signal(2)
        with m.FSM():
            with m.State("IDLE"):
                m.d.comb += axi.awready.eq(axi.awvalid & axi.wvalid)
                m.d.comb += axi.wready.eq(axi.awvalid & axi.wvalid)
                m.d.comb += axi.arready.eq(~(axi.awvalid & axi.wvalid))
                with m.If(axi.awvalid & axi.wvalid):
                    m.d.sync += [addr.eq(axi.awaddr), wdata.eq(axi.wdata), wstrb.eq(axi.wstrb),
                                 is_write.eq(1)]
                    m.next = "DECODE"
                with m.Elif(axi.arvalid):
                    m.d.sync += [addr.eq(axi.araddr), is_write.eq(0)]
                    m.next = "DECODE"
            with m.State("DECODE"):
                with m.If(addr >= WINDOW_OFFSET):
                    m.next = "BUS"
                with m.Else():
                    known = Signal()
                    m.d.sync += axi.rdata.eq(0)
                    for name, value in reads.items():
                        hit = addr[2:15] == _offset(name) >> 2
                        with m.If(hit & ~is_write):
                            m.d.sync += axi.rdata.eq(value)
                            m.d.comb += known.eq(1)
                        if name in writes:
                            with m.If(hit & is_write):
                                m.d.comb += known.eq(1)
                                if name == "CTRL":
                                    m.d.sync += self.hold.eq(wdata[0])
                                else:
                                    m.d.sync += writes[name].eq(wdata)
                    m.d.sync += resp.eq(Mux(known, 0, 0b10))
                    m.next = "RESPOND"
            with m.State("BUS"):
                m.d.comb += bus.req_valid.eq(1)
                with m.If(bus.req_ready):
                    m.next = "WAIT"
            with m.State("WAIT"):
                with m.If(bus.rsp_valid):
                    m.d.sync += [axi.rdata.eq(bus.rdata), resp.eq(Mux(bus.err, 0b10, 0))]
                    m.next = "RESPOND"
            with m.State("RESPOND"):
                m.d.comb += [axi.bvalid.eq(is_write), axi.rvalid.eq(~is_write),
                             axi.bresp.eq(resp), axi.rresp.eq(resp)]
                with m.If((is_write & axi.bready) | (~is_write & axi.rready)):
                    m.next = "IDLE"
        return m
