"""The CIM's gather: the im2col row of one output pixel, from L1 into an input buffer.

It runs beside the rest of the CIM: while the macro multiplies pixel ``p`` from one of the two
input buffers and the readout writes its results, the gather fills the other buffer with pixel
``p + 1``, using the L1 port in the cycles the sequencer leaves it (``grant``). The rows are
walked tap by tap (``(i, j)`` of the kernel from the chunk's first row ``row_i0, row_j0,
row_c0``); a tap's channels are contiguous in L1 (HWC), so one beat takes them up to the end of
their 8-byte word, at most 8 rows; a padding tap reads nothing and takes 8 rows a beat. Each
beat is tagged (``beat_*``) for the macro, whose input banks take its bytes the cycle after.

A gather is started by ``kick`` (its pixel is the one after the previous gather's, the first
after ``restart``); ``done`` rises the cycle after the last beat's data arrived and stays up
until the next kick.
"""

from amaranth import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.cim import DESCRIPTOR

__all__ = ["CimGather"]


class CimGather(wiring.Component):
    """Members
    -------
    desc : In(DESCRIPTOR)
    restart : In(1)
        The descriptor starts: the next gather is its first pixel's.
    kick : In(1)
        Gather the next pixel into the other buffer.
    done : Out(1), buf : Out(1)
        The last gather is complete, into input buffer ``buf``.
    req : Out(1), addr : Out(32), grant : In(1)
        A beat wants L1 (``req``) and is taken when ``grant``; a padding beat needs no grant
        but waits for one all the same, so that it never shares a cycle with another beat.
    beat_valid : Out(1), beat_pad, beat_row, beat_lane, beat_count : Out
        The beat taken this cycle: its first row, first byte in the word and rows.
    """

    def __init__(self):
        super().__init__({
            "desc": In(DESCRIPTOR), "restart": In(1), "kick": In(1),
            "done": Out(1), "buf": Out(1),
            "req": Out(1), "addr": Out(32), "grant": In(1),
            "beat_valid": Out(1), "beat_pad": Out(1), "beat_row": Out(16), "beat_lane": Out(3),
            "beat_count": Out(4),
        })

    def elaborate(self, platform):
        m = Module()
        d = self.desc
        r, i, j, c = Signal(16), Signal(4), Signal(4), Signal(16)
        y0, x0 = Signal(signed(18)), Signal(signed(18))     # the pixel's window corner
        ow = Signal(16)
        running = Signal()

        yy, xx = Signal(signed(18)), Signal(signed(18))
        m.d.comb += [yy.eq(y0 + i), xx.eq(x0 + j)]
        pad = (yy < 0) | (yy >= d.in_h) | (xx < 0) | (xx >= d.in_w)
        m.d.comb += self.addr.eq(d.in_addr + (yy[:16] * d.in_w + xx[:16]) * d.in_c + c)
        room = Mux(pad, 8, 8 - self.addr[:3])
        chans_left, rows_left = Signal(16), Signal(16)
        m.d.comb += [chans_left.eq(d.in_c - c), rows_left.eq(d.rows - r)]
        least = Mux(chans_left < rows_left, chans_left, rows_left)
        count = Signal(4)
        m.d.comb += count.eq(Mux(least < room, least, room))

        with m.If(self.restart):
            m.d.sync += [y0.eq(-d.pad_top), x0.eq(-d.pad_left), ow.eq(0), self.buf.eq(1),
                         self.done.eq(0), running.eq(0)]
        with m.Elif(self.kick):
            m.d.sync += [r.eq(0), i.eq(d.row_i0), j.eq(d.row_j0), c.eq(d.row_c0),
                         self.buf.eq(~self.buf), self.done.eq(0), running.eq(1)]
        with m.Elif(running):
            with m.If(r < d.rows):
                m.d.comb += [self.req.eq(~pad), self.beat_pad.eq(pad), self.beat_row.eq(r),
                             self.beat_lane.eq(self.addr[:3]), self.beat_count.eq(count)]
                with m.If(self.grant):
                    m.d.comb += self.beat_valid.eq(1)
                    m.d.sync += r.eq(r + count)
                    with m.If(count == chans_left):
                        m.d.sync += c.eq(0)
                        with m.If(j == d.kw - 1):
                            m.d.sync += [j.eq(0), i.eq(i + 1)]
                        with m.Else():
                            m.d.sync += j.eq(j + 1)
                    with m.Else():
                        m.d.sync += c.eq(c + count)
            with m.Else():
                # the last beat's data arrives in this cycle: done from the next; on to the
                # next pixel's window
                m.d.sync += [self.done.eq(1), running.eq(0)]
                with m.If(ow == d.out_w - 1):
                    m.d.sync += [ow.eq(0), x0.eq(-d.pad_left), y0.eq(y0 + d.stride)]
                with m.Else():
                    m.d.sync += [ow.eq(ow + 1), x0.eq(x0 + d.stride)]
        return m
