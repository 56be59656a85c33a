"""One DMA channel: a descriptor queue, the up-front checks, two walkers and a data FIFO."""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from ...spec.config import SocConfig
from ...spec.dma import BEAT_BYTES, Descriptor, DmaStatus
from .ports import BurstReadSignature, BurstWriteSignature
from .walker import Walker

__all__ = ["FIFO_BEATS", "DmaChannel"]

#: Beats of data buffered between the read and the write side: four full chunks, so the read
#: side runs a chunk ahead of the write side, which waits for a whole chunk before it starts.
FIFO_BEATS = 128
_WIDE = 52  # extents are computed without overflow: 32 + 16 + 32 bits of products, summed


class DmaChannel(wiring.Component):
    """Run a queue of descriptors, one at a time, in order.

    A popped descriptor is checked first (zero size, alignment, which memory each side lies in,
    the channel's read and write windows; see :class:`~.status.DmaStatus`). A failing one moves
    nothing. A passing one is walked on both sides at once: the read side asks for a chunk
    whenever the FIFO has room for all of it, the write side sends a chunk whenever the FIFO
    holds all of its data, so at most FIFO_BEATS beats are buffered per channel. Each
    descriptor ends with an entry ``(tag, status)`` in the completion queue and a pulse on
    ``done`` or ``error``.

    A read beat flagged ``data_err`` or a write ``done`` flagged ``done_err`` (an AXI SLVERR or
    DECERR from L3) ends the descriptor with ``BUS_ERROR``: both walkers stop, so no new chunk
    is asked for or sent; the failing beat and every read beat after it are dropped, never
    written; write chunks already sent still get their data (a target must have every beat of
    a command it accepted) and their ``done``; then the beats left in the FIFO are thrown away.
    Only when nothing is outstanding does the completion go out, so the next descriptor starts
    from a clean channel.

    Ports ``rd`` / ``wr`` carry chunks to the target selected by ``rd_sel`` / ``wr_sel``
    (0: L1, 1: L2, 2: L3, then the units' DMA windows, `SocConfig.dma_sinks`, which are write
    only: a source there is ``UNMAPPED``). A descriptor that would write bytes a unit is using
    (``sink_lo[j]``/``sink_hi[j]``: window offsets, empty if ``lo >= hi``) ends with
    ``BUS_ERROR`` before it moves anything; the window refuses such beats too, should the unit
    start using them during the transfer. Counters: ``bytes`` written, ``busy_cycles`` (a
    descriptor is being checked or moved), ``stall_cycles`` (moving, but no beat written this
    cycle); ``clear`` zeroes them.

    Parameters
    ----------
    config : SocConfig
        Regions (L1, L2, L3) and the queue depth.
    """

    def __init__(self, config: SocConfig):
        if not isinstance(config, SocConfig):
            raise TypeError(f"Config must be a SocConfig, not {config!r}")
        self.config = config
        depth = config.dma.queue_depth
        self.targets = (*config.dma_memories, *(region for _, region in config.dma_sinks))
        sel = range(len(self.targets))
        sinks = {}
        for j, (_, region) in enumerate(config.dma_sinks):
            width = (region.size - 1).bit_length() + 1
            sinks[f"sink{j}_lo"] = In(width)
            sinks[f"sink{j}_hi"] = In(width)
        super().__init__({
            "push_valid": In(1), "push_desc": In(Descriptor), "push_ready": Out(1),
            "queued": Out(range(depth + 1)),
            "rwin_base": In(32), "rwin_end": In(32), "wwin_base": In(32), "wwin_end": In(32),
            "cpl_valid": Out(1), "cpl_tag": Out(16), "cpl_status": Out(DmaStatus),
            "cpl_pop": In(1), "cpl_count": Out(range(depth + 1)),
            "busy": Out(1), "done": Out(1), "error": Out(1),
            "bytes": Out(32), "busy_cycles": Out(32), "stall_cycles": Out(32), "clear": In(1),
            "rd": Out(BurstReadSignature()), "rd_sel": Out(sel),
            "wr": Out(BurstWriteSignature()), "wr_sel": Out(sel), **sinks,
        })

    def _locate(self, m, lo, hi, name, regions):
        """Index of the region holding ``[lo, hi)``, and whether there is one."""
        sel = Signal(range(len(self.targets)), name=f"{name}_sel")
        hit = Signal(name=f"{name}_mapped")
        for i, region in enumerate(regions):
            with m.If((lo >= region.base) & (hi <= region.end)):
                m.d.comb += [sel.eq(i), hit.eq(1)]
        return sel, hit

    def elaborate(self, platform):
        m = Module()
        depth = self.config.dma.queue_depth
        width = Descriptor.as_shape().size
        m.submodules.queue = queue = SyncFIFO(width=width, depth=depth)
        m.submodules.cpl = cpl = SyncFIFO(width=16 + 4, depth=depth)
        m.submodules.data = fifo = SyncFIFO(width=64, depth=FIFO_BEATS)
        m.submodules.rwalk = rwalk = Walker()
        m.submodules.wwalk = wwalk = Walker()

        m.d.comb += [
            queue.w_en.eq(self.push_valid), queue.w_data.eq(self.push_desc),
            self.push_ready.eq(queue.w_rdy), self.queued.eq(queue.level),
            self.cpl_valid.eq(cpl.r_rdy), self.cpl_tag.eq(cpl.r_data[:16]),
            self.cpl_status.eq(cpl.r_data[16:]), cpl.r_en.eq(self.cpl_pop),
            self.cpl_count.eq(cpl.level),
        ]

        d = Signal(Descriptor)
        src_hi = Signal(_WIDE)
        dst_hi = Signal(_WIDE)
        status = Signal(DmaStatus)
        inflight = Signal(range(FIFO_BEATS + 1))   # read beats asked for, not yet arrived
        committed = Signal(range(FIFO_BEATS + 1))  # FIFO beats promised to issued write chunks
        pending = Signal(8)                        # write chunks issued, not yet done

        # A bus error (now) ends the descriptor; ``failed`` (from the next cycle on) keeps the
        # channel draining what is outstanding until the completion goes out.
        rd, wr = self.rd, self.wr
        bus_error = Signal()
        failed = Signal()
        m.d.comb += [
            bus_error.eq((rd.data_valid & rd.data_err) | (wr.done & wr.done_err)),
            failed.eq(status == DmaStatus.BUS_ERROR),
            rwalk.stop.eq(bus_error), wwalk.stop.eq(bus_error),
        ]

        # Read side: ask for a chunk only when the FIFO has room for all of it. Beats of an
        # erroneous chunk still arrive (and count against ``inflight``) but stay out of the
        # FIFO from the failing one on, so none of them can reach the destination.
        credits = FIFO_BEATS - fifo.level - inflight
        m.d.comb += [
            rd.cmd_valid.eq(rwalk.valid & (credits >= rwalk.len)),
            rd.cmd_addr.eq(rwalk.addr), rd.cmd_len.eq(rwalk.len),
            rwalk.next.eq(rd.cmd_valid & rd.cmd_ready),
            fifo.w_en.eq(rd.data_valid & ~rd.data_err & ~failed), fifo.w_data.eq(rd.data),
        ]
        asked = Mux(rwalk.next, rwalk.len, 0)
        m.d.sync += inflight.eq(inflight + asked - rd.data_valid)

        # Write side: send a chunk only when the FIFO already holds all of its data. After a bus
        # error, once the chunks already sent have taken their beats, drop the rest.
        beat = Signal()
        m.d.comb += [
            wr.cmd_valid.eq(wwalk.valid & (fifo.level - committed >= wwalk.len)),
            wr.cmd_addr.eq(wwalk.addr), wr.cmd_len.eq(wwalk.len),
            wwalk.next.eq(wr.cmd_valid & wr.cmd_ready),
            wr.data_valid.eq(fifo.r_rdy & (committed != 0)),
            wr.data.eq(fifo.r_data),
            beat.eq(wr.data_valid & wr.data_ready),
            fifo.r_en.eq(beat | (failed & (committed == 0))),
        ]
        promised = Mux(wwalk.next, wwalk.len, 0)
        m.d.sync += [committed.eq(committed + promised - beat),
                     pending.eq(pending + wwalk.next - wr.done)]

        # Geometry of the checked descriptor, for both walkers.
        for walk, base, rs, ps in ((rwalk, d.src, d.src_row_stride, d.src_plane_stride),
                                   (wwalk, d.dst, d.dst_row_stride, d.dst_plane_stride)):
            m.d.comb += [walk.base.eq(base), walk.row_bytes.eq(d.row_bytes),
                         walk.rows.eq(d.rows), walk.planes.eq(d.planes),
                         walk.row_stride.eq(rs), walk.plane_stride.eq(ps)]

        src_sel, src_mapped = self._locate(m, d.src, src_hi, "src", self.config.dma_memories)
        dst_sel, dst_mapped = self._locate(m, d.dst, dst_hi, "dst", self.targets)
        # The destination overlaps bytes its unit is using now (checked again beat by beat).
        in_use = Signal()
        first = len(self.config.dma_memories)
        for j, (_, region) in enumerate(self.config.dma_sinks):
            lo = region.base + getattr(self, f"sink{j}_lo")
            hi = region.base + getattr(self, f"sink{j}_hi")
            with m.If((dst_sel == first + j) & (lo < hi) & (d.dst < hi) & (dst_hi > lo)):
                m.d.comb += in_use.eq(1)
        aligned = ~Cat(d.src[:3], d.dst[:3], d.row_bytes[:3], d.src_row_stride[:3],
                       d.src_plane_stride[:3], d.dst_row_stride[:3],
                       d.dst_plane_stride[:3]).any()
        nonzero = (d.row_bytes != 0) & (d.rows != 0) & (d.planes != 0)
        in_rwin = (d.src >= self.rwin_base) & (src_hi <= self.rwin_end)
        in_wwin = (d.dst >= self.wwin_base) & (dst_hi <= self.wwin_end)

        moving = Signal()
        with m.FSM() as fsm:
            with m.State("IDLE"):
                with m.If(queue.r_rdy):
                    m.d.comb += queue.r_en.eq(1)
                    m.d.sync += d.eq(queue.r_data)
                    m.next = "CHECK"
            with m.State("CHECK"):
                # One past the last byte of each side (strides are unsigned: walks go forwards).
                m.d.sync += [
                    src_hi.eq(d.src + (d.planes - 1) * d.src_plane_stride
                              + (d.rows - 1) * d.src_row_stride + d.row_bytes),
                    dst_hi.eq(d.dst + (d.planes - 1) * d.dst_plane_stride
                              + (d.rows - 1) * d.dst_row_stride + d.row_bytes),
                ]
                m.next = "DECIDE"
            with m.State("DECIDE"):
                with m.If(~nonzero):
                    m.d.sync += status.eq(DmaStatus.ZERO_SIZE)
                    m.next = "FINISH"
                with m.Elif(~aligned):
                    m.d.sync += status.eq(DmaStatus.MISALIGNED)
                    m.next = "FINISH"
                with m.Elif(~src_mapped | ~dst_mapped):
                    m.d.sync += status.eq(DmaStatus.UNMAPPED)
                    m.next = "FINISH"
                with m.Elif(~in_rwin):
                    m.d.sync += status.eq(DmaStatus.SRC_WINDOW)
                    m.next = "FINISH"
                with m.Elif(~in_wwin):
                    m.d.sync += status.eq(DmaStatus.DST_WINDOW)
                    m.next = "FINISH"
                with m.Elif(in_use):
                    m.d.sync += status.eq(DmaStatus.BUS_ERROR)
                    m.next = "FINISH"
                with m.Else():
                    m.d.sync += [status.eq(DmaStatus.OK), self.rd_sel.eq(src_sel),
                                 self.wr_sel.eq(dst_sel)]
                    m.d.comb += [rwalk.start.eq(1), wwalk.start.eq(1)]
                    m.next = "MOVE"
            with m.State("MOVE"):
                m.d.comb += moving.eq(1)
                with m.If(bus_error):
                    m.d.sync += status.eq(DmaStatus.BUS_ERROR)
                # Normally the FIFO is empty once every chunk is written; after a bus error it is
                # empty once the leftover beats are dropped.
                with m.If(~rwalk.valid & ~wwalk.valid & (committed == 0) & (pending == 0)
                          & (inflight == 0) & ~fifo.r_rdy):
                    m.next = "FINISH"
            with m.State("FINISH"):
                with m.If(cpl.w_rdy):
                    m.d.comb += [cpl.w_en.eq(1), cpl.w_data.eq(Cat(d.tag, status)),
                                 self.done.eq(status == DmaStatus.OK),
                                 self.error.eq(status != DmaStatus.OK)]
                    m.next = "IDLE"
        m.d.comb += self.busy.eq(~fsm.ongoing("IDLE"))

        with m.If(self.clear):
            m.d.sync += [self.bytes.eq(0), self.busy_cycles.eq(0), self.stall_cycles.eq(0)]
        with m.Else():
            with m.If(beat):
                m.d.sync += self.bytes.eq(self.bytes + BEAT_BYTES)
            with m.If(self.busy):
                m.d.sync += self.busy_cycles.eq(self.busy_cycles + 1)
            with m.If(moving & ~beat):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
        return m
