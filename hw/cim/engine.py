"""The CIM accelerator: weight-stationary ternary macro, im2col input streaming from L1, one
tile of ``rows_per_cycle x cols_per_cycle`` ternary MACs per cycle, a 6-bit ADC per column
with seeded noise, and post-processing to int8 (or int32 partial sums) written to L1.

Timing: the next pixel's gather overlaps this pixel's MVM and readout; the exact stall-free
model is ``hetsoc.accel.cim.cost.cycles`` (``docs/cim.md``, "Timing model").

The units, each a component of its own: `CimSequencer` (the descriptor, the state machine and
every L1 request, with `CimGather` filling the input buffers), `CimMacro` (weight programming,
the input's DAC codes in two buffers, the tile MACs and column sums) and `CimReadout`
(``post_cols`` columns at once: parameters, partial sum, ADC and requantization via
`PostProc`). This file only wires them.
"""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.cim import DESCRIPTOR
from .macro import CimMacro
from .ports import L1PortSignature, ProgSignature
from .readout import CimReadout
from .sequencer import CimSequencer

__all__ = ["Cim"]


def _pow2(name, v, limit):
    if not isinstance(v, int) or v < 1 or v & (v - 1) or limit % v:
        raise ValueError(f"{name} must be a power of two dividing {limit}, not {v!r}")


class Cim(wiring.Component):
    """The CIM accelerator (standalone; the SoC attaches ``l1``, ``prog`` and ``dma``).

    Parameters
    ----------
    rows, cols : int
        Macro size (``SocConfig.cim``).
    rows_per_cycle, cols_per_cycle : int
        The digital emulation's parallelism: one tile of this many rows by columns (an adder
        tree per column) per cycle. Powers of two dividing ``rows`` and ``cols``.
    l1_addr_width : int
        Byte address width of L1.
    post_cols : int, optional
        Columns converted and written per cycle: a power of two of at most 8 dividing
        ``cols_per_cycle`` (by default the largest).
    dma : bool, optional
        Add the ``dma`` programming port (``cols`` a multiple of 32).

    Members
    -------
    desc : In(DESCRIPTOR), start : In(1)
        A descriptor is taken in a cycle where ``start`` is high and ``busy`` is low.
    busy, done : Out(1)
        ``done`` pulses for one cycle when a descriptor ends (also when refused).
    error : Out(3)
        ``CimError`` of the last descriptor; when not 0, nothing was read or written.
    weight_error : Out(1)
        A programming beat was refused since the last ``prog.clear_error``: the next
        descriptor will end with ``CimError.WEIGHTS``.
    l1 : Out(L1PortSignature), prog : In(ProgSignature)
    dma : In(ProgSignature(rows, cols // 32, 32)), with ``dma``
        Programming beats of 32 cells (64 bits) of a row from the DMA, one per cycle; ready
        while idle and ``prog`` offers no beat (`CimMacro`).
    busy_cycles, mvms, prog_cycles : Out(32)
        Counters: cycles busy, matrix-vector products done, programming beats accepted (CPU
        or DMA).
    mvm_end : Out(1)
        One cycle per matrix-vector product done.
    """

    def __init__(self, rows: int, cols: int, rows_per_cycle: int = 16, cols_per_cycle: int = 16,
                 l1_addr_width: int = 18, post_cols: int | None = None, dma: bool = False):
        for name, v in (("rows", rows), ("cols", cols)):
            if not isinstance(v, int) or not 1 <= v <= 4096:
                raise ValueError(f"{name} must be an integer in [1, 4096], not {v!r}")
        _pow2("rows_per_cycle", rows_per_cycle, rows)
        _pow2("cols_per_cycle", cols_per_cycle, cols)
        post_cols = min(8, cols_per_cycle) if post_cols is None else post_cols
        _pow2("post_cols", post_cols, min(8, cols_per_cycle))
        if dma and cols % 32:
            raise ValueError(f"cols must be a multiple of 32 for a DMA port, not {cols!r}")
        self.rows, self.cols = rows, cols
        self.rp, self.cp, self.post_cols = rows_per_cycle, cols_per_cycle, post_cols
        self.row_groups, self.col_groups = rows // rows_per_cycle, cols // cols_per_cycle
        self.dma_port = dma
        dma_port = {"dma": In(ProgSignature(rows, cols // 32, 32))} if dma else {}
        super().__init__({
            "desc": In(DESCRIPTOR), "start": In(1),
            "busy": Out(1), "done": Out(1), "error": Out(3), "weight_error": Out(1),
            "l1": Out(L1PortSignature(l1_addr_width)),
            "prog": In(ProgSignature(rows, self.col_groups, cols_per_cycle)), **dma_port,
            "busy_cycles": Out(32), "mvms": Out(32), "prog_cycles": Out(32), "mvm_end": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        tile = dict(rows_per_cycle=self.rp, cols_per_cycle=self.cp)
        psum_width = (self.rows * 64).bit_length() + 1    # |p| <= rows * 64
        m.submodules.sequencer = seq = CimSequencer(
            rows=self.rows, cols=self.cols, **tile, post_cols=self.post_cols,
            l1_addr_width=len(self.l1.addr))
        m.submodules.macro = macro = CimMacro(rows=self.rows, cols=self.cols, **tile,
                                              psum_width=psum_width, dma=self.dma_port)
        m.submodules.readout = readout = CimReadout(cols=self.cols, cols_per_cycle=self.cp,
                                                    post_cols=self.post_cols,
                                                    psum_width=psum_width)
        wiring.connect(m, wiring.flipped(self.l1), seq.l1)
        wiring.connect(m, wiring.flipped(self.prog), macro.prog)
        if self.dma_port:
            wiring.connect(m, wiring.flipped(self.dma), macro.dma)
        wiring.connect(m, seq.rsp, macro.rsp, readout.rsp)
        wiring.connect(m, seq.mvm, macro.mvm)
        wiring.connect(m, seq.column, readout.column)
        m.d.comb += [
            seq.start.eq(self.start), seq.desc_in.eq(self.desc),
            macro.desc.eq(seq.desc), readout.desc.eq(seq.desc),
            macro.busy.eq(seq.busy), seq.weight_error.eq(macro.weight_error),
            readout.psum_data.eq(macro.psum_data), macro.psum_addr.eq(readout.psum_addr),
            self.busy.eq(seq.busy), self.done.eq(seq.done), self.error.eq(seq.error),
            self.weight_error.eq(macro.weight_error),
            self.busy_cycles.eq(seq.busy_cycles), self.mvms.eq(seq.mvms),
            self.mvm_end.eq(seq.mvm_end),
            self.prog_cycles.eq(macro.prog_cycles),
        ]
        return m
