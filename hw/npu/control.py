"""The NPU's control: the descriptor, its check, the run flags, ``done``/``error`` and counters.

A ``start`` while idle latches the descriptor; the next cycle checks it (`check_descriptor`) and
either refuses it (``error``) or starts the layer: ``running`` for a conv / depthwise / dense
(the fetcher, sequencer and drain work until each says it is idle), ``adding`` for a residual
add. Every other unit reads the latched descriptor from here, so it holds still for the whole
layer whatever the register page does meanwhile.
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.npu import DESCRIPTOR, Op
from .check import check_descriptor

__all__ = ["Control"]


class Control(wiring.Component):
    """Descriptor latch and check, run flags and the status of `NpuCore`.

    Parameters
    ----------
    rows, cols, port_bytes : int
        PE array shape and L1 port width (the limits `check_descriptor` applies).
    l1_size, weight_words : int
        L1 bytes and weight-memory words.
    mac_width : int
        Width of ``mac_inc``.

    Members
    -------
    start : In(1)
    desc_in : In(DESCRIPTOR)
        Latched into ``desc`` when ``start`` is high and the core is idle.
    desc : Out(DESCRIPTOR)
        The layer being run, for every unit.
    running, adding : Out(1)
        A conv / depthwise / dense layer runs; a residual add runs.
    run_init : Out(1)
        The cycle a conv / depthwise / dense layer is accepted: the units reset their loops.
    fetch_done, seq_idle, drain_idle, outst : In(1)
        The fetcher has requested every row; the sequencer, the drain are idle; an L1 request
        is outstanding. A running layer ends when the fetcher is done, the sequencer and the
        drain are idle and no request is outstanding (the last write's response is in).
    add_done : In(1)
        The residual add wrote its last word.
    stall : In(1)
        A cycle waiting on L1 (counted in ``stall_cycles`` while busy).
    mac_valid : In(1), mac_inc : In(mac_width)
        A MAC step and the multiply-accumulates it made (counted in ``macs``).
    busy, done, error, err_code, busy_cycles, stall_cycles, macs : Out
        As `NpuCore`.
    w_lo, w_hi : Out(range(weight_words + 1))
        The weight-memory words ``[w_lo, w_hi)`` the layer reads, while it is checked or runs
        (a residual add reads none; ``w_lo == w_hi`` then and while idle).
    """

    def __init__(self, *, rows: int, cols: int, port_bytes: int, l1_size: int,
                 weight_words: int, mac_width: int):
        self._check = dict(l1_size=l1_size, weight_words=weight_words, rows=rows, cols=cols,
                           port_bytes=port_bytes)
        self.weight_words = weight_words
        super().__init__({
            "start": In(1), "desc_in": In(DESCRIPTOR), "desc": Out(DESCRIPTOR),
            "running": Out(1), "adding": Out(1), "run_init": Out(1),
            "fetch_done": In(1), "seq_idle": In(1), "drain_idle": In(1),
            "outst": In(1), "add_done": In(1), "stall": In(1),
            "mac_valid": In(1), "mac_inc": In(mac_width),
            "busy": Out(1), "done": Out(1), "error": Out(1), "err_code": Out(4),
            "busy_cycles": Out(32), "stall_cycles": Out(32), "macs": Out(32),
            "w_lo": Out(range(weight_words + 1)), "w_hi": Out(range(weight_words + 1)),
        })

    def elaborate(self, platform):
        m = Module()
        d = self.desc
        running, adding = self.running, self.adding
        checking = Signal()
        code, w_end = check_descriptor(m, d, **self._check)
        m.d.comb += self.busy.eq(running | adding | checking)
        # The words the layer reads (clipped to the memory: a descriptor reaching past it is
        # refused in its check cycle), so the weight port can refuse DMA writes into them.
        words = self.weight_words
        with m.If((running | checking) & (d.op != Op.ADD) & (d.w_base < words)):
            m.d.comb += [self.w_lo.eq(d.w_base),
                         self.w_hi.eq(Mux(w_end > words, words, w_end))]
        with m.If(self.busy):
            m.d.sync += self.busy_cycles.eq(self.busy_cycles + 1)
            with m.If(self.stall):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
        with m.If(self.start & ~self.busy):
            m.d.sync += [d.eq(self.desc_in), checking.eq(1), self.done.eq(0), self.error.eq(0),
                         self.err_code.eq(0), self.busy_cycles.eq(0), self.stall_cycles.eq(0),
                         self.macs.eq(0)]
        with m.If(checking):
            m.d.sync += checking.eq(0)
            with m.If(code != 0):
                m.d.sync += [self.error.eq(1), self.err_code.eq(code)]
            with m.Elif(d.op == Op.ADD):
                m.d.sync += adding.eq(1)
            with m.Else():
                m.d.sync += running.eq(1)
                m.d.comb += self.run_init.eq(1)
        with m.If(self.mac_valid):
            m.d.sync += self.macs.eq(self.macs + self.mac_inc)
        # in `run_init` the units' flags still say the last layer ended (they restart at its edge)
        with m.If(running & self.fetch_done & self.seq_idle & self.drain_idle & ~self.outst
                  & ~self.run_init):
            m.d.sync += [running.eq(0), self.done.eq(1)]
        with m.If(self.add_done):
            m.d.sync += [adding.eq(0), self.done.eq(1)]
        self._dbg = dict(running=running)
        return m
