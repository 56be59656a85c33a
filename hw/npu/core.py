"""The NPU core: control, row fetcher, MAC sequencer, PE array, drain and residual add, wired.

Dataflow (docs/npu.md): output-stationary, OX x K unrolled as on DIANA's digital core. A tile is
``rows`` output channels x ``cols`` output pixels of one output row; for each input channel
``c`` and kernel row ``ky`` the *fetcher* reads the input row segment the tile needs (at most
``NW`` port words) into one of two line buffers, and the *sequencer* spends ``kw`` cycles on it,
one kernel column per cycle, broadcasting a weight word (``rows`` int8 from the weight memory)
along the rows and the line buffer's bytes ``x[ix0 + j*stride + kx]`` down the columns. The two
line buffers let the next row load while the current one is used, so a 3x3 layer keeps the
array busy as long as a row needs at most three port cycles. When a tile's last tap is in, the
accumulators move to a shadow bank and the *drain* requantizes one channel (``cols`` values) per
step and writes it back while the next tile computes. A residual add (`ResidualAdd`) uses the
L1 port alone. Each unit is a component of its own (`Control`, `Fetcher`, `Sequencer`,
`PeArray`, `Drain`, `ResidualAdd`, `RequestMux` for the shared L1 port); this file only wires
them.
"""

from __future__ import annotations

from amaranth import ClockDomain, ClockSignal, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...spec.npu import DESCRIPTOR, MAX_KERNEL
from .array import PeArray
from .control import Control
from .drain import Drain
from .fetcher import Fetcher
from .gates import ClockGates
from .port import NpuL1Signature
from .requests import RequestMux
from .residual import ResidualAdd
from .sequencer import Sequencer

__all__ = ["NpuCore"]


def _log2(v, name):
    if not isinstance(v, int) or v < 1 or v & (v - 1):
        raise ValueError(f"{name} must be a power of two, not {v!r}")
    return v.bit_length() - 1


class NpuCore(wiring.Component):
    """The NPU without its register page.

    Parameters
    ----------
    rows, cols : int
        PE array shape, powers of two (output channels x output pixels per cycle).
    l1_size : int
        L1 bytes (power of two); descriptor addresses are offsets into it.
    weight_memory : int
        Weight memory bytes (power of two).
    gated_capture : bool
        Simulation builds only: the shadow bank on a clock of its own that ticks only when a
        tile's accumulators are captured, and the drain's data registers on one that ticks only
        while the drain works (local domains, gated by enables latched on the falling edge), so
        a simulator does not evaluate 256 held registers and the requantization in every
        cycle. Same behaviour as the enabled registers of the default.

    Members
    -------
    l1 : Out(NpuL1Signature(log2(l1_size), 2 * cols))
    desc : In(DESCRIPTOR)
        Sampled when ``start`` is high and the core is idle.
    start : In(1)
    busy, done, error : Out(1)
        ``done`` and ``error`` stay high until the next start.
    err_code : Out(4)
        `NpuError` of a rejected descriptor.
    busy_cycles, stall_cycles, macs : Out(32)
        Cycles from start to done, cycles waiting on L1 (a request not accepted or a response
        not yet back), and multiply-accumulates of the layer (padding taps included).
    stall : Out(1)
        This busy cycle waits on L1.
    work : Out
        Multiply-accumulates made this cycle.
    wmem_we, wmem_addr, wmem_data : In
        Weight memory write port: one ``rows``-byte word per cycle, ``wmem_we`` a write enable
        per lane of ``wmem_lane_bits`` (8 bytes, or the whole word if it is smaller), so a DMA
        beat writes its lane of a word.
    w_lo, w_hi : Out
        Weight-memory words the layer in progress reads (`Control`).
    """

    def __init__(self, rows: int = 16, cols: int = 16, *, l1_size: int = 1 << 18,
                 weight_memory: int = 1 << 16, gated_capture: bool = False):
        if not isinstance(gated_capture, bool):
            raise TypeError(f"gated_capture must be a bool, not {gated_capture!r}")
        self.gated_capture = gated_capture
        self.log_r = _log2(rows, "rows")
        self.log_nc = _log2(cols, "cols")
        self.log_l1 = _log2(l1_size, "l1_size")
        _log2(weight_memory, "weight_memory")
        self.rows, self.cols, self.l1_size = rows, cols, l1_size
        self.port_bytes = max(4, 2 * cols)
        self.log_pb = _log2(self.port_bytes, "port width")
        self.weight_words = weight_memory // rows
        self.wmem_lane_bits = min(64, 8 * rows)
        self.wmem_lanes = 8 * rows // self.wmem_lane_bits
        span = (cols - 1) * 2 + MAX_KERNEL
        self.line_words = -(-(self.port_bytes - 1 + span) // self.port_bytes)
        self.wmem = Memory(shape=8 * rows, depth=self.weight_words, init=[])
        super().__init__({
            "l1": Out(NpuL1Signature(self.log_l1, self.port_bytes)),
            "desc": In(DESCRIPTOR), "start": In(1),
            "busy": Out(1), "done": Out(1), "error": Out(1), "err_code": Out(4),
            "busy_cycles": Out(32), "stall_cycles": Out(32), "macs": Out(32),
            "stall": Out(1), "work": Out(self.log_r + self.log_nc + 2),
            "wmem_we": In(self.wmem_lanes), "wmem_addr": In(range(self.weight_words)),
            "wmem_data": In(8 * rows),
            "w_lo": Out(range(self.weight_words + 1)), "w_hi": Out(range(self.weight_words + 1)),
        })

    def elaborate(self, platform):
        m = Module()
        R, NC, PB, NW = self.rows, self.cols, self.port_bytes, self.line_words
        shape = dict(rows=R, cols=NC)
        gated = self.gated_capture
        m.submodules.wmem = self.wmem
        wp = self.wmem.write_port(granularity=self.wmem_lane_bits)
        rp = self.wmem.read_port()
        m.submodules.control = ctrl = Control(
            **shape, port_bytes=PB, l1_size=self.l1_size, weight_words=self.weight_words,
            mac_width=self.log_r + self.log_nc + 2)
        m.submodules.port = port = RequestMux(self.log_l1, PB)
        m.submodules.fetcher = fetch = Fetcher(**shape, port_bytes=PB, line_words=NW,
                                               addr_width=self.log_l1)
        m.submodules.sequencer = seq = Sequencer(**shape, port_bytes=PB, line_words=NW,
                                                 weight_words=self.weight_words)
        m.submodules.array = array = PeArray(R, NC, capture_domain="capture" if gated else None)
        m.submodules.drain = drain = Drain(**shape, port_bytes=PB, addr_width=self.log_l1,
                                           domain="drain" if gated else "sync")
        m.submodules.residual = add = ResidualAdd(port_bytes=PB, addr_width=self.log_l1)
        self._units = (ctrl, port, fetch, seq, drain)
        l1, d = self.l1, ctrl.desc

        # the register page's side: descriptor, start, status, counters, weight writes
        m.d.comb += [ctrl.start.eq(self.start), ctrl.desc_in.eq(self.desc),
                     self.busy.eq(ctrl.busy), self.done.eq(ctrl.done),
                     self.error.eq(ctrl.error), self.err_code.eq(ctrl.err_code),
                     self.busy_cycles.eq(ctrl.busy_cycles),
                     self.stall_cycles.eq(ctrl.stall_cycles), self.macs.eq(ctrl.macs),
                     self.w_lo.eq(ctrl.w_lo), self.w_hi.eq(ctrl.w_hi),
                     wp.en.eq(self.wmem_we), wp.addr.eq(self.wmem_addr),
                     wp.data.eq(self.wmem_data)]
        # the latched descriptor and the run flags, to every unit; their ends, to the control
        m.d.comb += [fetch.desc.eq(d), seq.desc.eq(d), drain.desc.eq(d), add.desc.eq(d),
                     fetch.running.eq(ctrl.running), fetch.run_init.eq(ctrl.run_init),
                     seq.run_init.eq(ctrl.run_init), fetch.adding.eq(ctrl.adding),
                     port.adding.eq(ctrl.adding), add.adding.eq(ctrl.adding),
                     ctrl.fetch_done.eq(fetch.done), ctrl.seq_idle.eq(seq.idle),
                     ctrl.drain_idle.eq(drain.tile.idle), ctrl.outst.eq(port.outst),
                     ctrl.add_done.eq(add.done), ctrl.stall.eq(port.stall),
                     ctrl.mac_valid.eq(seq.valid), ctrl.mac_inc.eq(seq.mac_inc),
                     # per cycle, for the register page's counters
                     self.stall.eq(port.stall & ctrl.busy),
                     self.work.eq(Mux(seq.valid, seq.mac_inc, 0))]
        # L1: the fetcher's reads, the drain's writes, the add's reads and writes
        wiring.connect(m, wiring.flipped(l1), port.l1)
        m.d.comb += [port.fetch_req.eq(fetch.req), port.fetch_addr.eq(fetch.addr),
                     port.drain_req.eq(drain.req), port.drain_addr.eq(drain.addr),
                     port.drain_wdata.eq(drain.wdata), port.drain_wstrb.eq(drain.wstrb),
                     port.add_req.eq(add.req), port.add_we.eq(add.we),
                     port.add_addr.eq(add.addr), port.add_wdata.eq(add.wdata),
                     port.add_wstrb.eq(add.wstrb),
                     fetch.own_w.eq(port.own_w), fetch.accepted.eq(port.accepted),
                     fetch.outst.eq(port.outst), fetch.outst_read.eq(port.outst_read),
                     fetch.read_rsp.eq(port.read_rsp), fetch.rdata.eq(l1.rdata),
                     drain.accepted.eq(port.accepted), drain.own_w.eq(port.own_w),
                     add.accepted.eq(port.accepted), add.rsp_valid.eq(l1.rsp_valid),
                     add.rdata.eq(l1.rdata)]
        # rows: fetcher -> line buffers -> sequencer -> PE array (weights from the memory)
        wiring.connect(m, fetch.lines, seq.lines)
        m.d.comb += [rp.addr.eq(seq.w_addr), rp.en.eq(seq.w_en), seq.w_data.eq(rp.data),
                     array.en.eq(seq.valid), array.first.eq(seq.first), array.x.eq(seq.x),
                     array.w.eq(rp.data), array.bias.eq(seq.bias)]
        # tiles: sequencer -> capture into the shadow bank -> drain, a row at a time
        wiring.connect(m, seq.drain, drain.tile)
        m.d.comb += [array.capture.eq(seq.drain.capture), array.sel.eq(drain.sel),
                     drain.row.eq(array.row)]
        if gated:
            # the shadow bank's and the drain's clocks (`ClockGates`), local to the core
            m.submodules.gates = gates = ClockGates(("capture", "drain"))
            m.d.comb += [gates.capture_en.eq(seq.drain.capture),
                         gates.drain_en.eq(drain.active)]
            for name in gates.names:
                m.domains += ClockDomain(name, local=True, reset_less=True)
                m.d.comb += ClockSignal(name).eq(getattr(gates, f"{name}_clk"))
        return m

    @property
    def _dbg(self):
        """Internal state the testbench prints when a layer does not finish (once elaborated)."""
        state = {}
        for unit in getattr(self, "_units", ()):
            state.update(getattr(unit, "_dbg", {}))
        return state
