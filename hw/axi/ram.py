"""An AXI4 RAM model (subordinate side): the L3 memory for the Amaranth simulator and tests."""

from amaranth import Module, Mux, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In

from .signature import Axi4Signature

__all__ = ["SLVERR", "DECERR", "AxiRam"]

#: AXI response codes a fault window may answer with.
SLVERR = 0b10
DECERR = 0b11

# B responses the RAM may owe at once; AW is held beyond this.
_B_DEPTH = 8


class AxiRam(wiring.Component):
    """A 64-bit AXI4 RAM answering INCR bursts at one beat per cycle.

    Reads and writes proceed independently; the next burst's address is taken in the cycle the
    previous burst's last beat goes out, so back-to-back bursts stream without bubbles. The
    address is taken modulo ``size`` (the L3 window is aligned to its size). The storage is
    ``self.storage`` (64-bit words), loadable as initial contents or through the simulator.

    Fault windows make the RAM answer like a subordinate with a hole in it, to test the error
    paths of its managers: a read beat inside a window returns RRESP ``resp`` (and its data is
    unspecified); a write beat inside one is not stored, and its burst's B response carries
    the response of its first faulting beat.

    Parameters
    ----------
    size : int
        Bytes, a power of two of at least 8.
    init : list of int, optional
        Initial 64-bit words.
    faults : sequence of (int, int, int), optional
        ``(lo, hi, resp)``: byte offsets ``[lo, hi)`` into the RAM (after wrapping), multiples
        of 8, and :data:`SLVERR` or :data:`DECERR`.
    """

    def __init__(self, size: int, init=(), faults=()):
        if not isinstance(size, int) or size < 8 or size & (size - 1):
            raise ValueError(f"Size must be a power of two of at least 8 bytes, not {size!r}")
        faults = tuple(tuple(f) for f in faults)
        for fault in faults:
            if (len(fault) != 3 or not all(isinstance(v, int) for v in fault)
                    or not 0 <= fault[0] < fault[1] <= size
                    or fault[0] % 8 or fault[1] % 8 or fault[2] not in (SLVERR, DECERR)):
                raise ValueError(f"Fault must be (lo, hi, SLVERR or DECERR) with 0 <= lo < hi <= "
                                 f"size, multiples of 8, not {fault!r}")
        self.size = size
        self.faults = faults
        super().__init__({"axi": In(Axi4Signature(32, 64))})
        self.storage = memory.Memory(shape=64, depth=size // 8, init=list(init))

    def _resp(self, m, index, name):
        """The response for the word at ``index``: OKAY, or the first matching window's."""
        resp = Signal(2, name=name)
        for lo, hi, code in reversed(self.faults):
            with m.If((index >= lo // 8) & (index < hi // 8)):
                m.d.comb += resp.eq(code)
        return resp

    def elaborate(self, platform):
        m = Module()
        axi = self.axi
        m.submodules.storage = self.storage
        rport = self.storage.read_port()
        wport = self.storage.write_port(granularity=8)
        index_bits = (self.size // 8 - 1).bit_length()

        # Read bursts: issue a read when the beat slot is free; hold data while rready is low.
        ractive = Signal()
        raddr = Signal(index_bits)
        rleft = Signal(9)
        issue = ractive & (~axi.rvalid | axi.rready)
        rlast_issue = issue & (rleft == 1)
        m.d.comb += [
            axi.arready.eq(~ractive | rlast_issue),
            rport.addr.eq(raddr), rport.en.eq(issue), axi.rdata.eq(rport.data),
            axi.rid.eq(0),
        ]
        with m.If(issue):
            m.d.sync += [raddr.eq(raddr + 1), rleft.eq(rleft - 1), axi.rlast.eq(rleft == 1),
                         axi.rresp.eq(self._resp(m, raddr, "rresp_next"))]
            with m.If(rleft == 1):
                m.d.sync += ractive.eq(0)
        with m.If(issue):
            m.d.sync += axi.rvalid.eq(1)
        with m.Elif(axi.rready):
            m.d.sync += axi.rvalid.eq(0)
        with m.If(axi.arvalid & axi.arready):
            m.d.sync += [ractive.eq(1), raddr.eq(axi.araddr[3:3 + index_bits]),
                         rleft.eq(axi.arlen + 1)]

        # Write bursts: beats land as they come; one B per burst, queued with its response so
        # none is lost. A new burst is taken only while the queue has room for it as well as
        # for the burst in progress.
        m.submodules.bq = bq = SyncFIFO(width=2, depth=_B_DEPTH + 2)
        wactive = Signal()
        waddr = Signal(index_bits)
        werr = Signal(2)  # the burst's response so far
        wbeat = axi.wvalid & axi.wready
        wend = wbeat & axi.wlast
        beat_resp = self._resp(m, waddr, "wresp_beat")
        burst_resp = Signal(2)
        m.d.comb += [
            burst_resp.eq(Mux(werr != 0, werr, beat_resp)),  # the first faulting beat's
            axi.awready.eq((~wactive | wend) & (bq.level < _B_DEPTH)),
            axi.wready.eq(wactive),
            wport.addr.eq(waddr), wport.data.eq(axi.wdata),
            wport.en.eq(axi.wstrb & (wbeat & (beat_resp == 0)).replicate(8)),
            bq.w_en.eq(wend), bq.w_data.eq(burst_resp),
            axi.bid.eq(0), axi.bresp.eq(bq.r_data), axi.bvalid.eq(bq.r_rdy),
            bq.r_en.eq(axi.bready),
        ]
        with m.If(wbeat):
            m.d.sync += [waddr.eq(waddr + 1), werr.eq(burst_resp)]
            with m.If(axi.wlast):
                m.d.sync += [wactive.eq(0), werr.eq(0)]
        with m.If(axi.awvalid & axi.awready):
            m.d.sync += [wactive.eq(1), waddr.eq(axi.awaddr[3:3 + index_bits])]
        return m
