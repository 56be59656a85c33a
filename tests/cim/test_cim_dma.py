"""Weight programming through the CIM's DMA window (`CimPeripheral.dma`; Amaranth simulator, L1
modelled in the harness): beats of 32 cells taken back to back, one per cycle, on banked
(cols_per_cycle < 32), one-word (= 32) and sub-lane (> 32) weight arrays; layers bit-exact
against the golden model and equal to the same weights programmed through PROG_DATA; a cell
0b10 refused; beats past the macro refused with ``err``; nothing taken and the whole window in
use while a descriptor runs; the CPU's beat winning a cycle both offer one."""

import numpy as np
import pytest
from amaranth.lib.wiring import In

from hetsoc.accel.cim.cost import cpu_program_beats, dma_program_cycles
from hetsoc.accel.cim.encoder import plan_conv2d, weight_beats, weight_window
from hetsoc.hw.cim import Cim, CimPeripheral
from hetsoc.hw.dma.ports import SinkSignature
from hetsoc.spec.cim import CELL_MINUS, CELL_PLUS, CimError, CimParams, dma_sink_bytes
from hetsoc.spec.config import load_config

from .layers import golden
from .test_cim_peripheral import BUSY, DONE, ERROR, WEIGHT_ERROR, R, _Bench, _layer


class _DmaBench(_Bench):
    """`_Bench` (the page on an L1 model, driven over its bus) plus the DMA window."""

    async def dma_write(self, ctx, image, offset=0):
        """Offer the beats of ``image`` from window byte ``offset`` on, one per cycle, each
        taken in its cycle (``ready``, no ``err``); returns the cycles they took."""
        sink = self.periph.dma
        cycles = 0
        for i in range(0, len(image), 8):
            ctx.set(sink.valid, 1)
            ctx.set(sink.addr, offset + i)
            ctx.set(sink.data, int.from_bytes(image[i:i + 8], "little"))
            assert (ctx.get(sink.ready), ctx.get(sink.err)) == (1, 0), offset + i
            await ctx.tick()
            cycles += 1
        ctx.set(sink.valid, 0)
        return cycles

    async def run_job(self, ctx, job):
        self.poke(ctx, job.fields["param_addr"], job.params)
        return await self.run_descriptor(ctx, job.fields)


def _jobs(layer, rows, cols, out_addr):
    layer = dict(layer)
    x = layer.pop("x")
    return plan_conv2d(x.shape, rows=rows, cols=cols, in_addr=0, out_addr=out_addr,
                       param_addr=2048, psum_addr=4096, **layer)


def _output(b, ctx, layer, out_addr):
    k = layer["w"].shape[0]
    jobs = _jobs(layer, b.rows, b.cols, out_addr)
    oh, ow = jobs[0].fields["out_h"], jobs[0].fields["out_w"]
    y = np.frombuffer(b.peek(ctx, out_addr, k * oh * ow), np.int8)
    return y.reshape(oh, ow, k).transpose(2, 0, 1)


# (rows, cols, rows per cycle, cols per cycle): 4 and 2 weight banks, one word, 2 and 4
# 64-bit sub-lanes per tile row; rows per cycle below, at and above the input's 8 banks.
MACROS = [(64, 64, 4, 8), (64, 64, 16, 16), (64, 64, 8, 32), (64, 64, 16, 64),
          (16, 128, 4, 128)]


@pytest.mark.parametrize("macro", MACROS, ids=lambda m: "x".join(map(str, m)))
def test_layer_programmed_by_dma_matches_golden_and_prog_data(macro):
    rows, cols, rp, cp = macro
    # A 2x2 conv using every cell of the macro: rows / 4 channels, as many outputs as columns.
    layer = _layer(21, rows // 4, 3, 3, cols, 2, 1, (0, 0, 0, 0), 0.5)
    bench = _DmaBench(rows, cols, rp, cp)
    seen = {}

    async def body(ctx, b):
        b.poke(ctx, 0, layer["x"].transpose(1, 2, 0).tobytes())
        took = []
        for out_addr, path in ((256, "dma"), (1024, "cpu")):
            prog0 = await b.read(ctx, "PROG_CYCLES")
            for job in _jobs(layer, rows, cols, out_addr):
                if path == "dma":
                    image = weight_window(job.weights, cols)
                    took.append((await b.dma_write(ctx, image), dma_program_cycles(len(image))))
                else:
                    await b.program(ctx, weight_beats(job.weights, cp))
                assert await b.run_job(ctx, job) == DONE
            seen[path] = (_output(b, ctx, layer, out_addr),
                          await b.read(ctx, "PROG_CYCLES") - prog0)
        seen["took"] = took

    bench.run(body)
    jobs = _jobs(layer, rows, cols, 0)
    assert [j.weights.shape for j in jobs] == [(rows, cols)]
    expected = golden(layer, rows, cols)
    np.testing.assert_array_equal(seen["dma"][0], expected)
    np.testing.assert_array_equal(seen["cpu"][0], expected)
    # back to back: one cycle per 8 bytes, each beat counted once
    assert all(cycles == model for cycles, model in seen["took"])
    assert seen["dma"][1] == sum(model for _, model in seen["took"])
    assert seen["cpu"][1] == sum(cpu_program_beats(*j.weights.shape, cp) for j in jobs)


def _dense(seed, rows, cols):
    """A dense layer using the whole macro."""
    return _layer(seed, rows, 1, 1, cols, 1, 1, (0, 0, 0, 0), 0.0)


def test_refused_cell_leaves_the_cells_and_sets_weight_error():
    rows, cols = 64, 64
    layer = _dense(31, rows, cols)
    bench = _DmaBench(rows, cols, 16, 16)
    seen = {}

    async def body(ctx, b):
        b.poke(ctx, 0, layer["x"].tobytes())
        (job,) = _jobs(layer, rows, cols, 256)
        await b.dma_write(ctx, weight_window(job.weights, cols))
        # row 3, columns 32..63: all +1 but one 0b10 cell
        bad = sum(CELL_PLUS << 2 * i for i in range(32)) ^ (0b11 << 2 * 7)
        await b.dma_write(ctx, bad.to_bytes(8, "little"), offset=3 * cols // 4 + 8)
        seen["flag"] = await b.read(ctx, "STATUS")
        seen["prog"] = await b.read(ctx, "PROG_CYCLES")
        seen["refused"] = await b.run_job(ctx, job)
        await b.write(ctx, "PROG_CTRL", 1)
        seen["ok"] = await b.run_job(ctx, job)
        seen["y"] = _output(b, ctx, layer, 256)

    bench.run(body)
    assert seen["flag"] == WEIGHT_ERROR
    assert seen["prog"] == rows * cols // 32 + 1
    assert seen["refused"] == DONE | ERROR | WEIGHT_ERROR | (CimError.WEIGHTS << 8)
    assert seen["ok"] == DONE
    np.testing.assert_array_equal(seen["y"], golden(layer, rows, cols))


def test_window_in_use_while_busy_and_beats_past_the_macro():
    rows, cols = 48, 64                 # 768 bytes of cells in a 1 KiB window
    layer = _dense(41, rows, cols)
    bench = _DmaBench(rows, cols, 16, 16)
    sink = bench.periph.dma
    seen = {}

    def port(ctx):
        return tuple(ctx.get(s) for s in (sink.ready, sink.err, sink.in_use_lo, sink.in_use_hi))

    async def body(ctx, b):
        b.poke(ctx, 0, layer["x"].tobytes())
        seen["idle"] = port(ctx)
        ctx.set(sink.valid, 1)
        outside = []
        for offset in (768, 1016):          # row 48, and the window's last beat
            ctx.set(sink.addr, offset)
            outside.append(port(ctx))
            await ctx.tick()
        seen["outside"] = outside
        ctx.set(sink.valid, 0)
        seen["prog_outside"] = await b.read(ctx, "PROG_CYCLES")
        (job,) = _jobs(layer, rows, cols, 256)
        await b.dma_write(ctx, weight_window(job.weights, cols))     # the last beat at 760
        b.poke(ctx, job.fields["param_addr"], job.params)
        await b.descriptor(ctx, job.fields)
        await b.write(ctx, "CTRL", 1)
        # while busy: a beat (all -1, row 0) is offered every cycle and never taken
        ctx.set(sink.valid, 1)
        ctx.set(sink.addr, 0)
        ctx.set(sink.data, sum(CELL_MINUS << 2 * i for i in range(32)))
        busy = set()
        while ctx.get(b.periph.core.busy):
            busy.add(port(ctx))
            await ctx.tick()
        ctx.set(sink.valid, 0)
        seen["busy"] = busy
        seen["after"] = port(ctx)
        await ctx.tick()                        # STATUS takes the end a cycle later
        seen["status"] = await b.read(ctx, "STATUS")
        seen["prog"] = await b.read(ctx, "PROG_CYCLES")
        seen["y"] = _output(b, ctx, layer, 256)

    bench.run(body)
    assert bench.periph.dma_addr_width == 10
    assert seen["idle"] == (1, 0, 0, 0)
    assert seen["outside"] == [(0, 1, 0, 0), (0, 1, 0, 0)]
    assert seen["prog_outside"] == 0
    assert seen["busy"] == {(0, 0, 0, 1024)}
    assert seen["after"] == (1, 0, 0, 0)
    assert seen["status"] == DONE and not seen["status"] & BUSY
    assert seen["prog"] == rows * cols // 32
    np.testing.assert_array_equal(seen["y"], golden(layer, rows, cols))


def test_cpu_beat_wins_and_the_dma_beat_waits():
    rows, cols = 64, 64
    layer = _dense(51, rows, cols)
    rng = np.random.default_rng(52)
    cpu_cells = rng.integers(-1, 2, 16)
    dma_cells = -np.resize(cpu_cells, 32)      # differs in every non-zero cell
    layer["w"][:] = 0
    bench = _DmaBench(rows, cols, 16, 16)
    sink, bus = bench.periph.dma, bench.periph.bus
    seen = {}

    async def body(ctx, b):
        b.poke(ctx, 0, layer["x"].tobytes())
        await b.write(ctx, "PROG_ADDR", 5)      # row 5, group 0: columns 0..15
        ctx.set(sink.valid, 1)
        ctx.set(sink.addr, 5 * cols // 4)       # row 5, columns 0..31
        ctx.set(sink.data, int.from_bytes(weight_window(dma_cells[None], 32), "little"))
        ctx.set(bus.addr, R("PROG_DATA"))
        ctx.set(bus.we, 1)
        ctx.set(bus.wdata, weight_beats(cpu_cells[None], 16)[0][2])
        ctx.set(bus.wstrb, 0xF)
        ctx.set(bus.req_valid, 1)
        ready = [ctx.get(sink.ready)]           # the CPU's beat: the DMA's waits
        await ctx.tick()
        ctx.set(bus.req_valid, 0)
        ready.append(ctx.get(sink.ready))       # taken now, after the CPU's
        await ctx.tick()
        ctx.set(sink.valid, 0)
        await ctx.tick()
        seen["ready"] = ready
        seen["prog"] = await b.read(ctx, "PROG_CYCLES")
        (job,) = _jobs(layer, rows, cols, 256)
        seen["status"] = await b.run_job(ctx, job)
        seen["y"] = _output(b, ctx, layer, 256)

    bench.run(body)
    assert seen["ready"] == [0, 1]
    assert seen["prog"] == 2
    assert seen["status"] == DONE
    layer["w"][:32, 5, 0, 0] = dma_cells        # output channel k reads column k of row 5
    np.testing.assert_array_equal(seen["y"], golden(layer, rows, cols))


def test_window_size_and_layout():
    assert dma_sink_bytes(CimParams(64, 64)) == 1024
    assert dma_sink_bytes(CimParams(288, 64)) == 4608
    assert dma_sink_bytes(CimParams(1, 32, 1, 32)) == 8
    for cols in (16, 96):                  # a row narrower than a beat; a pitch not 2^n
        assert dma_sink_bytes(CimParams(32, cols, 8, 16 if cols == 16 else 32)) is None
        assert CimPeripheral(CimParams(32, cols, 8, 16 if cols == 16 else 32),
                             l1_size=8192).dma_addr_width is None
    with pytest.raises(ValueError) as e:
        Cim(16, 48, 16, 16, dma=True)
    assert str(e.value) == "cols must be a multiple of 32 for a DMA port, not 48"
    # cell c of a row in bits 2 (c % 4) of byte c / 4, rows cols / 4 bytes apart
    t = np.zeros((2, 40), np.int8)
    t[0, :5] = [1, -1, 0, 1, -1]
    t[1, 39] = 1
    image = weight_window(t, 64)
    assert len(image) == 32
    assert image[:2] == bytes([0b01_00_11_01, 0b11])
    assert image[16 + 9] == 0b01 << 6 and sum(image) == image[0] + image[1] + image[25]
    # the SoC's window for the slot (SocConfig.dma_sinks) is the page's
    for name in ("pynq-z2", "default"):
        config = load_config(name)
        (slot,) = [s for s in config.accelerators if s.kind == "cim"]
        periph = CimPeripheral.for_slot(slot, l1_size=config.l1.size, gated=False)
        aw = periph.dma_addr_width
        assert 1 << aw == config.dma_sink(slot.name).size
        assert periph.signature.members["dma"] == In(SinkSignature(aw))
