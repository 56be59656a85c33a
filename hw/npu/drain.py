"""The NPU's drain: a captured tile, requantized one output channel per step, written to L1.

When the sequencer captures a tile (the PE array copies its accumulators into the shadow bank),
the drain takes the tile's position and the block's multipliers and shifts, then for each of
the tile's ``nr`` channels (and each of its two output rows, for a folded tile) requantizes the
shadow row (`Requant`, ``cols`` lanes) and writes the bytes to L1: one or two port writes, as
the row's bytes may straddle a port word, a write with no byte in it skipped. It works while
the next tile computes; the sequencer holds a tile's last step until the drain is idle.

Its data registers change only when a tile is captured or a channel is requantized or written:
in the simulation build they are on a clock of their own (`domain`, the parent's ``drain``)
that ticks only then, so the requantization, which reads nothing else, is evaluated in those
cycles only. They have no reset: the flags (``d_req``, ``d_w0``, ``d_w1``, in ``sync`` with a
reset) say when they hold something, and the capture loads them before any use.
"""

from __future__ import annotations

from amaranth import Array, Const, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.npu import DESCRIPTOR
from .requant import Requant
from .sequencer import TileSignature, tile_layout

__all__ = ["Drain"]

#: The descriptor's fields the drain reads, copied at the capture like the data registers: its
#: logic then reads registers of its own clock only.
_OUT_FIELDS = ("y_zp", "y_min", "y_max", "out_base", "out_cs", "out_rs")


class Drain(wiring.Component):
    """Requantizes the shadow bank a channel at a time and writes it to L1.

    Parameters
    ----------
    rows, cols : int
        PE array shape (powers of two).
    port_bytes : int
        L1 port width (a power of two).
    addr_width : int
        L1 byte address width.
    domain : str
        Clock domain of the data registers: ``sync``, or a clock that ticks in the cycles
        where ``active`` was high (the simulation build).

    Members
    -------
    desc : In(DESCRIPTOR)
    tile : In(TileSignature(rows, cols))
        Captured tiles, from the sequencer; ``tile.idle`` is this unit's: nothing left to
        write, the shadow bank may be overwritten.
    sel : Out(range(rows)), row : In(ArrayLayout(signed(32), cols))
        The shadow bank's row being drained.
    req : Out(1), addr : Out(addr_width), wdata : Out(8 * port_bytes),
    wstrb : Out(port_bytes)
        A write to L1.
    accepted, own_w : In(1)
        The L1 port (`RequestMux`): a request is accepted; it is a write (this one).
    active : Out(1)
        A capture, or work to do: the enable of `domain`'s clock.
    """

    def __init__(self, *, rows: int, cols: int, port_bytes: int, addr_width: int,
                 domain: str = "sync"):
        self.rows, self.cols, self.port_bytes, self.domain = rows, cols, port_bytes, domain
        self.addr_width = addr_width
        super().__init__({
            "desc": In(DESCRIPTOR),
            "tile": In(TileSignature(rows, cols)),
            "sel": Out(range(rows)), "row": In(data.ArrayLayout(signed(32), cols)),
            "req": Out(1), "addr": Out(addr_width), "wdata": Out(8 * port_bytes),
            "wstrb": Out(port_bytes),
            "accepted": In(1), "own_w": In(1),
            "active": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        R, NC, PB, dd = self.rows, self.cols, self.port_bytes, self.domain
        log_r, log_pb = R.bit_length() - 1, PB.bit_length() - 1
        d = self.desc
        m.submodules.requant = rq = Requant(NC)
        d_tile = Signal(tile_layout(R, NC), reset_less=True)
        d_mult = Signal(32 * R, reset_less=True)
        d_shift = Signal(8 * R, reset_less=True)
        dk = Signal(log_r + 1, reset_less=True)
        dr = Signal(reset_less=True)            # second output row of a folded tile
        d_out = {name: Signal(getattr(d, name).shape(), name=f"d_{name}", reset_less=True)
                 for name in _OUT_FIELDS}
        d_req = Signal()         # the channel (row) `dk` (`dr`) is to be requantized
        d_w0, d_w1 = Signal(), Signal()    # its first, second port word is to be written
        w_data = Signal(16 * PB, reset_less=True)
        w_strb = Signal(2 * PB, reset_less=True)
        w_addr = Signal(self.addr_width + 2, reset_less=True)
        t = self.tile
        m.d.comb += [t.idle.eq(~(d_req | d_w0 | d_w1)),
                     self.active.eq(t.capture | d_req | d_w0 | d_w1)]
        with m.If(t.capture):
            m.d[dd] += [d_tile.eq(t.tile), d_mult.eq(t.mult), d_shift.eq(t.shifts),
                        dk.eq(0), dr.eq(0), *(v.eq(getattr(d, name)) for name, v in d_out.items())]
            m.d.sync += d_req.eq(1)
        # channel dk's row and parameters come through cases over dk (a case, not a wide shift)
        m.d.comb += [self.sel.eq(dk), rq.acc.eq(self.row),
                     rq.mult.eq(Array(d_mult.word_select(r, 32) for r in range(R))[dk]),
                     rq.shift.eq(Array(d_shift.word_select(r, 8) for r in range(R))[dk]),
                     rq.zp.eq(d_out["y_zp"]),
                     rq.y_min.eq(d_out["y_min"]), rq.y_max.eq(d_out["y_max"])]
        o = Signal(48)
        m.d.comb += o.eq(d_out["out_base"] + (d_tile.k0 + dk) * d_out["out_cs"]
                         + (d_tile.oy + dr) * d_out["out_rs"] + d_tile.ox0)
        off = o[:log_pb]
        with m.If(d_req):
            y_seg = Mux(dr, rq.y.as_value() >> (4 * NC), rq.y.as_value())
            strb = Signal(NC + 1)
            m.d.comb += strb.eq((Const(1, NC + 1) << d_tile.nc) - 1)
            # placed at byte `off` by a case over the offset (a shift by `off * 8` is the same
            # value, but a multi-word shift in a simulator)
            m.d[dd] += [w_data.eq(Array(y_seg << (8 * o) for o in range(PB))[off]),
                        w_strb.eq(Array(strb << o for o in range(PB))[off]),
                        w_addr.eq(o >> log_pb)]
            m.d.sync += [d_req.eq(0), d_w0.eq(1)]
        lo_strb, hi_strb = w_strb[:PB], w_strb[PB:]
        m.d.comb += [self.req.eq((d_w0 & (lo_strb != 0)) | (d_w1 & (hi_strb != 0))),
                     self.addr.eq(Mux(d_w0, w_addr, w_addr + 1) << log_pb),
                     self.wdata.eq(Mux(d_w0, w_data[:8 * PB], w_data[8 * PB:])),
                     self.wstrb.eq(Mux(d_w0, lo_strb, hi_strb))]
        written = self.accepted & self.own_w
        with m.If(d_w0 & ((lo_strb == 0) | written)):
            m.d.sync += [d_w0.eq(0), d_w1.eq(1)]
        with m.If(d_w1 & ((hi_strb == 0) | written)):
            m.d.sync += d_w1.eq(0)
            with m.If(d_tile.two & ~dr):
                m.d[dd] += dr.eq(1)
                m.d.sync += d_req.eq(1)
            with m.Elif(dk + 1 < d_tile.nr):
                m.d[dd] += [dk.eq(dk + 1), dr.eq(0)]
                m.d.sync += d_req.eq(1)
        self._dbg = dict(d_req=d_req, d_w0=d_w0, d_w1=d_w1)
        return m
