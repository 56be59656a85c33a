"""The CIM behind its register page, driven only through bus reads and writes (Amaranth
simulator, L1 modelled in the harness): weights programmed through PROG_ADDR/PROG_DATA, layers
against the golden model (noise off and on), the timing model and counters, error codes and
the interrupt, and PROG_DATA refused with a bus error while the engine is busy."""


import numpy as np
import pytest
from amaranth.sim import Simulator

from hetsoc.accel.cim.bench import L1Top
from hetsoc.accel.cim.cost import cycles
from hetsoc.accel.cim.encoder import encode_descriptor, plan_conv2d, weight_beats
from hetsoc.golden.cim_noise import noise_scale
from hetsoc.hw.cim import CimPeripheral
from hetsoc.spec.cim import CIM_REGISTERS, UNIT_FLAGS, CimError, CimParams
from hetsoc.spec.pack import pack
from hetsoc.spec.page import STATUS
from hetsoc.spec.regmap import Peripheral
from hetsoc.testing import bus_access

from .layers import golden

R = Peripheral("cim", 0, CIM_REGISTERS, "").offset
L1_BYTES = 8192



# STATUS bits: the accelerator protocol's, and the CIM's unit flag (hetsoc.spec.cim.UNIT_FLAGS)
BUSY, DONE, ERROR = (pack(STATUS, {field: 1}) for field in ("busy", "done", "error"))
WEIGHT_ERROR = pack(STATUS, {"unit": pack(UNIT_FLAGS, {"weight_error": 1})})


class _Bench:
    """A `CimPeripheral` on an L1 model; ``run(body)`` runs ``async body(ctx, bench)``."""

    def __init__(self, rows, cols, rp, cp):
        self.periph = CimPeripheral(CimParams(rows, cols, rp, cp), l1_size=L1_BYTES)
        self.top = L1Top(self.periph, L1_BYTES // 8, 0)
        self.rows, self.cols, self.rp, self.cp = rows, cols, rp, cp

    async def access(self, ctx, addr, data=None):
        """One bus access; returns ``(rdata, err)``."""
        return await bus_access(ctx, self.periph.bus, addr, data)

    async def read(self, ctx, name):
        value, err = await self.access(ctx, R(name))
        assert not err, name
        return value

    async def write(self, ctx, name, value):
        _, err = await self.access(ctx, R(name), value)
        assert not err, name

    async def program(self, ctx, beats):
        """Beats ``(row, group, data)`` of `weight_beats`, in its order, from row 0 group 0."""
        groups = max(g for _, g, _ in beats) + 1
        await self.write(ctx, "PROG_ADDR", groups << 24)
        wpb = self.periph.words_per_beat
        for _, _, data in beats:
            for w in range(wpb):
                await self.write(ctx, "PROG_DATA", (data >> (32 * w)) & 0xFFFFFFFF)

    async def descriptor(self, ctx, fields):
        word = encode_descriptor(**fields)
        for k in range(13):
            await self.write(ctx, f"DESC{k}", (word >> (32 * k)) & 0xFFFFFFFF)

    async def run_descriptor(self, ctx, fields):
        """Stage and start ``fields``; poll STATUS until done; returns STATUS."""
        await self.descriptor(ctx, fields)
        await self.write(ctx, "CTRL", 1)
        while True:
            status = await self.read(ctx, "STATUS")
            if status & DONE:
                assert not status & BUSY
                return status

    def poke(self, ctx, addr, data):
        mem = self.top.l1
        data = bytes(data)
        for w in range(addr // 8, (addr + len(data) + 7) // 8):
            buf = bytearray(ctx.get(mem.data[w]).to_bytes(8, "little"))
            for b in range(8):
                if addr <= 8 * w + b < addr + len(data):
                    buf[b] = data[8 * w + b - addr]
            ctx.set(mem.data[w], int.from_bytes(buf, "little"))

    def peek(self, ctx, addr, n):
        mem = self.top.l1
        raw = b"".join(ctx.get(mem.data[w]).to_bytes(8, "little")
                       for w in range(addr // 8, (addr + n + 7) // 8))
        return raw[addr % 8:addr % 8 + n]

    def run(self, body):
        sim = Simulator(self.top)
        sim.add_clock(1e-8)
        done = {}

        async def tb(ctx):
            await body(ctx, self)
            done["ok"] = True

        sim.add_testbench(tb)
        sim.run()
        assert done.get("ok")


def _layer(seed, c, h, w, k, kh, stride, pads, sigma):
    rng = np.random.default_rng(seed)
    return dict(x=rng.integers(-128, 128, (c, h, w)).astype(np.int8),
                w=rng.integers(-1, 2, (k, c, kh, kh)).astype(np.int8),
                bias=rng.integers(-100, 100, k), multiplier=rng.integers(2 ** 30, 2 ** 31, k),
                shift=rng.integers(7, 12, k), x_zero_point=int(rng.integers(-8, 8)),
                y_zero_point=int(rng.integers(-5, 5)), input_shift=1, adc_shift=2,
                strides=(stride, stride), pads=pads, noise_scale=noise_scale(sigma),
                seed=seed)


# (rows, cols, rows per cycle, cols per cycle): one PROG_DATA write per beat (cp = 8: the low
# 16 bits; cp = 16: all 32) and two (cp = 32).
MACROS = [(32, 16, 8, 8), (64, 32, 16, 16), (64, 64, 16, 32)]


@pytest.mark.parametrize("macro", MACROS, ids=lambda m: "x".join(map(str, m)))
@pytest.mark.parametrize("sigma", [0.0, 1.5])
def test_layers_through_registers(macro, sigma):
    rows, cols, rp, cp = macro
    # A conv that needs row and column splits on the smallest macro, and a dense layer.
    conv = _layer(11, 4, 5, 5, 20, 3, 1, (1, 1, 1, 1), sigma)
    dense = _layer(12, 40, 1, 1, 10, 1, 1, (0, 0, 0, 0), sigma)
    bench = _Bench(rows, cols, rp, cp)
    seen = []

    async def body(ctx, b):
        for layer in (conv, dense):
            layer = dict(layer)
            x = layer.pop("x")
            c, h, w = x.shape
            k = layer["w"].shape[0]
            in_addr, out_addr, param_addr, psum_addr = 0, 1024, 2048, 4096
            jobs = plan_conv2d(x.shape, rows=rows, cols=cols, in_addr=in_addr,
                               out_addr=out_addr, param_addr=param_addr, psum_addr=psum_addr,
                               **layer)
            b.poke(ctx, in_addr, x.transpose(1, 2, 0).tobytes())
            prog0 = await b.read(ctx, "PROG_CYCLES")
            busy = mvms = 0
            for job in jobs:
                await b.program(ctx, weight_beats(job.weights, cp))
                b.poke(ctx, param_addr, job.params)
                status = await b.run_descriptor(ctx, job.fields)
                assert status == DONE, hex(status)
                # the counters of the descriptor that ran last
                busy += await b.read(ctx, "BUSY_CYCLES")
                mvms += await b.read(ctx, "WORK")
            counts = [busy, mvms, await b.read(ctx, "PROG_CYCLES") - prog0]
            oh, ow = jobs[0].fields["out_h"], jobs[0].fields["out_w"]
            y = np.frombuffer(b.peek(ctx, out_addr, k * oh * ow), np.int8)
            seen.append((jobs, y.reshape(oh, ow, k).transpose(2, 0, 1), counts))

    bench.run(body)
    for layer, (jobs, y, (busy, mvms, prog)) in zip((conv, dense), seen, strict=True):
        np.testing.assert_array_equal(y, golden(layer, rows, cols))
        assert busy == sum(cycles(j.fields, rp, cp) for j in jobs)
        assert mvms == y.shape[1] * y.shape[2] * len(jobs)
        assert prog == sum(j.weights.shape[0] * -(-j.weights.shape[1] // cp) for j in jobs)
    assert len(seen[0][0]) > 1 or rows >= 36


_OK = dict(in_addr=0, out_addr=256, param_addr=512, psum_addr=1024, in_h=4, in_w=4, in_c=2,
           out_c=4, out_h=2, out_w=2, out_pix_stride=4, rows=18, kh=3, kw=3, stride=1,
           in_shift=1, adc_shift=1, y_min=-128, y_max=127, seed=3, noise_scale=100)
_PATTERN = bytes((7 * i + 3) & 0xFF for i in range(L1_BYTES))


def test_error_codes_interrupt_and_nothing_written():
    bench = _Bench(32, 16, 8, 8)
    seen = {}

    async def body(ctx, b):
        b.poke(ctx, 0, _PATTERN)
        await b.write(ctx, "IRQ_EN", 2)                 # interrupt on errors only
        cases = []
        for change, code in ((dict(rows=33), CimError.SHAPE),
                             (dict(in_shift=3), CimError.INPUT_SHIFT),
                             (dict(psum_addr=1026), CimError.ALIGN)):
            status = await b.run_descriptor(ctx, dict(_OK, **change))
            cases.append((status, code, await b.read(ctx, "IRQ"), ctx.get(b.periph.irq)))
            await b.write(ctx, "IRQ", 3)
            cases[-1] += (ctx.get(b.periph.irq),)
        seen["cases"] = cases
        # A cell code 0b10 is refused; STATUS shows it until PROG_CTRL clears it, and the next
        # descriptor ends with WEIGHTS.
        good = weight_beats(np.ones((18, 4), dtype=np.int8), 8)
        await b.program(ctx, good)
        await b.write(ctx, "PROG_ADDR", 5)
        await b.write(ctx, "PROG_DATA", 0b10 << 6)
        seen["flag"] = await b.read(ctx, "STATUS")
        seen["weights"] = await b.run_descriptor(ctx, _OK)
        seen["l1"] = b.peek(ctx, 0, L1_BYTES)
        seen["counters"] = [await b.read(ctx, n) for n in ("BUSY_CYCLES", "WORK", "L1_RD_BYTES",
                                                           "L1_WR_BYTES", "PROG_CYCLES")]
        await b.write(ctx, "IRQ", 3)
        await b.write(ctx, "PROG_CTRL", 1)
        seen["cleared"] = await b.read(ctx, "STATUS")
        await b.write(ctx, "IRQ_EN", 1)                 # now on every end
        seen["ok"] = await b.run_descriptor(ctx, _OK)
        seen["irq_ok"] = (await b.read(ctx, "IRQ"), ctx.get(b.periph.irq))
        seen["l1_ok"] = b.peek(ctx, 0, L1_BYTES)

    bench.run(body)
    for status, code, irq, line, line_after in seen["cases"]:
        assert status == DONE | ERROR | (code << 8)
        assert (irq, line, line_after) == (3, 1, 0)
    assert seen["flag"] == WEIGHT_ERROR | DONE | ERROR | (CimError.ALIGN << 8)
    assert seen["weights"] == DONE | ERROR | WEIGHT_ERROR | (CimError.WEIGHTS << 8)
    assert seen["l1"] == _PATTERN
    # the refused descriptor: one check cycle, no work, no L1 byte; the beats since reset
    assert seen["counters"] == [1, 0, 0, 0, 18 + 1]
    assert seen["cleared"] == DONE | ERROR | (CimError.WEIGHTS << 8)
    assert seen["ok"] == DONE
    assert seen["irq_ok"] == (1, 1)
    assert seen["l1_ok"] != _PATTERN


def test_prog_data_refused_while_busy_and_outside_the_macro():
    bench = _Bench(32, 16, 8, 8)
    seen = {}

    async def body(ctx, b):
        await b.program(ctx, weight_beats(np.ones((18, 4), dtype=np.int8), 8))
        await b.write(ctx, "PROG_ADDR", 7 | 1 << 16)
        await b.descriptor(ctx, _OK)
        await b.write(ctx, "CTRL", 1)
        busy = await b.read(ctx, "STATUS")
        refused = await b.access(ctx, R("PROG_DATA"), 0x5555)
        seen["busy"] = (busy & BUSY, refused[1], await b.read(ctx, "PROG_ADDR"),
                        await b.read(ctx, "PROG_CYCLES"), await b.read(ctx, "STATUS") & BUSY)
        while not await b.read(ctx, "STATUS") & DONE:
            pass
        seen["after"] = ((await b.access(ctx, R("PROG_DATA"), 0x5555))[1],
                         await b.read(ctx, "PROG_ADDR"), await b.read(ctx, "PROG_CYCLES"))
        await b.write(ctx, "PROG_ADDR", 32)             # row 32 of a 32-row macro
        seen["row"] = (await b.access(ctx, R("PROG_DATA"), 0))[1]
        await b.write(ctx, "PROG_ADDR", 2 << 16)        # group 2 of 2
        seen["group"] = (await b.access(ctx, R("PROG_DATA"), 0))[1]
        seen["prog"] = await b.read(ctx, "PROG_CYCLES")

    bench.run(body)
    assert seen["busy"] == (1, 1, 7 | 1 << 16, 18, 1)
    assert seen["after"] == (0, 8 | 1 << 16, 19)        # group 1 was the last: next row
    assert seen["row"] == 1 and seen["group"] == 1
    assert seen["prog"] == 19


def test_start_in_the_cycle_the_last_descriptor_ends():
    """STATUS.done belongs to the descriptor started last, even when the start is accepted in
    the very cycle the previous one ends."""
    bench = _Bench(32, 16, 8, 8)
    seen = []

    async def body(ctx, b):
        await b.program(ctx, weight_beats(np.ones((18, 4), dtype=np.int8), 8))
        await b.descriptor(ctx, _OK)
        await b.write(ctx, "CTRL", 1)
        core, bus = b.periph.core, b.periph.bus
        while not ctx.get(core.done):
            await ctx.tick()
        ctx.set(bus.addr, R("CTRL"))
        ctx.set(bus.we, 1)
        ctx.set(bus.wdata, 1)
        ctx.set(bus.wstrb, 0xF)
        ctx.set(bus.req_valid, 1)
        await ctx.tick()
        ctx.set(bus.req_valid, 0)
        await ctx.tick()
        seen.append(await b.read(ctx, "STATUS"))
        while not (await b.read(ctx, "STATUS")) & DONE:
            pass
        seen.append(await b.read(ctx, "WORK"))

    bench.run(body)
    assert seen == [BUSY, 4]  # the second descriptor's matrix-vector products


def test_prog_addr_advance_and_tile():
    bench = _Bench(64, 64, 16, 32)
    seen = []

    async def body(ctx, b):
        seen.append(await b.read(ctx, "TILE"))
        await b.write(ctx, "PROG_ADDR", 3 | 0 << 16 | 1 << 24)   # one group per row
        for _ in range(2):
            await b.write(ctx, "PROG_DATA", 0)
            seen.append(await b.read(ctx, "PROG_ADDR"))        # half a beat: unchanged
            await b.write(ctx, "PROG_DATA", 0)
            seen.append(await b.read(ctx, "PROG_ADDR"))
        await b.write(ctx, "PROG_ADDR", 5 | 1 << 16)              # to the macro's last group
        await b.write(ctx, "PROG_DATA", 0)
        await b.write(ctx, "PROG_DATA", 0)
        seen.append(await b.read(ctx, "PROG_ADDR"))
        seen.append(await b.read(ctx, "PROG_CYCLES"))
        seen.append((await b.access(ctx, 0x6C))[1])              # not a register

    bench.run(body)
    assert seen == [16 | 32 << 16, 3 | 1 << 24, 4 | 1 << 24, 4 | 1 << 24, 5 | 1 << 24,
                    6 | 1 << 16, 3, 1]


def test_config_checks():
    with pytest.raises(TypeError) as e:
        CimPeripheral("default", l1_size=L1_BYTES)
    assert str(e.value) == "Params must be a CimParams, not 'default'"
    with pytest.raises(ValueError) as e:
        CimPeripheral(CimParams(32, 4096, cols_per_cycle=8), l1_size=L1_BYTES)
    assert str(e.value) == "column groups must be at most 256 (PROG_ADDR bits 16-23), not 512"
