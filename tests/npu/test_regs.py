"""The NPU behind its register page: a layer driven only through bus writes and reads."""

import numpy as np
from amaranth import Elaboratable, Module
from amaranth.sim import Simulator

from hetsoc import golden
from hetsoc.accel.npu.bench import L1Model
from hetsoc.accel.npu.encoder import conv_job
from hetsoc.hw.npu.npu import Npu
from hetsoc.hw.npu.regs import NPU_REGS
from hetsoc.spec.npu import GEOMETRY, NpuError
from hetsoc.spec.pack import pack
from hetsoc.spec.page import INFO, IRQ, STATUS
from hetsoc.testing import bus_access

R = NPU_REGS.offset
L1 = 4096



class _Bed(Elaboratable):
    def __init__(self):
        self.npu = Npu(4, 4, l1_size=L1, weight_memory=1024)
        self.l1 = L1Model(self.npu.l1, L1, stall=True)

    def elaborate(self, platform):
        m = Module()
        m.submodules.npu, m.submodules.l1 = self.npu, self.l1
        return m


async def _access(ctx, bus, addr, data=None):
    rdata, err = await bus_access(ctx, bus, addr, data)
    assert not err, hex(addr)
    return rdata


def test_layer_through_registers():
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (1, 3, 6, 6)).astype(np.int8)
    w = rng.integers(-127, 128, (5, 3, 3, 3)).astype(np.int8)
    b = rng.integers(-3000, 3000, 5)
    kw = dict(x_zero_point=-7, multiplier=rng.integers(1 << 30, 1 << 31, 5), shift=[40] * 5,
              y_zero_point=3, strides=(2, 2), pads=(1, 1, 0, 0), y_min=0, y_max=127)
    job = conv_job(x, w, b, rows=4, cols=4, w_base=3, **kw)
    want = golden.conv2d(x, w, b, **kw)
    bed = _Bed()
    npu, bus = bed.npu, bed.npu.bus
    seen = {}

    async def bench(ctx):
        l1 = bytearray(L1)
        for base, data in job.inputs:
            l1[base:base + len(data)] = data
        for i in range(L1 // 8):
            ctx.set(bed.l1.mem.data[i], int.from_bytes(l1[8 * i:8 * i + 8], "little"))
        await _access(ctx, bus, R("WMEM_ADDR"), job.w_base)
        for i in range(0, len(job.weights), 4):
            await _access(ctx, bus, R("WMEM_DATA"), int.from_bytes(job.weights[i:i + 4], "little"))
        for k, word in enumerate(job.desc):
            await _access(ctx, bus, R(f"DESC{k}"), word)
        seen["desc1"] = await _access(ctx, bus, R("DESC1"))
        await _access(ctx, bus, R("IRQ_EN"), 3)
        await _access(ctx, bus, R("CTRL"), 1)
        seen["geometry"] = await _access(ctx, bus, R("GEOMETRY"))
        seen["wmem_words"] = await _access(ctx, bus, R("WMEM_WORDS"))
        seen["info"] = await _access(ctx, bus, R("INFO"))
        while not (await _access(ctx, bus, R("STATUS"))) & pack(STATUS, {"done": 1}):
            pass
        seen["status"] = await _access(ctx, bus, R("STATUS"))
        seen["irq"] = ctx.get(npu.irq)
        seen["macs"] = await _access(ctx, bus, R("WORK"))
        seen["busy"] = await _access(ctx, bus, R("BUSY_CYCLES"))
        seen["stall"] = await _access(ctx, bus, R("STALL_CYCLES"))
        seen["rd"] = await _access(ctx, bus, R("L1_RD_BYTES"))
        seen["wr"] = await _access(ctx, bus, R("L1_WR_BYTES"))
        await _access(ctx, bus, R("IRQ"), 1)
        seen["irq_after"] = ctx.get(npu.irq)
        out = bytearray()
        for i in range(L1 // 8):
            out += ctx.get(bed.l1.mem.data[i]).to_bytes(8, "little")
        seen["out"] = job.output(out)
        # a rejected descriptor: done and error, its code, both events, no work, no L1 byte
        await _access(ctx, bus, R("DESC0"), job.desc[0] & ~(0x7 << 2))   # kh = 0
        await _access(ctx, bus, R("CTRL"), 1)
        await ctx.tick().repeat(3)
        seen["bad"] = await _access(ctx, bus, R("STATUS"))
        seen["bad_irq"] = await _access(ctx, bus, R("IRQ"))
        seen["bad_counts"] = [await _access(ctx, bus, R(n)) for n in ("WORK", "L1_RD_BYTES",
                                                                       "L1_WR_BYTES")]

    sim = Simulator(bed)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert seen["desc1"] == job.desc[1]
    assert seen["geometry"] == pack(GEOMETRY, {"rows": 4, "cols": 4})
    assert seen["wmem_words"] == 256
    assert seen["info"] == pack(INFO, {"desc_words": len(job.desc), "port_bytes": 8})
    assert seen["status"] == pack(STATUS, {"done": 1})
    assert seen["irq"] == 1 and seen["irq_after"] == 0
    assert seen["macs"] == want.size * w[0].size
    # the model L1 stalls every other request: stalls are part of the busy cycles
    assert 0 < seen["stall"] < seen["busy"]
    # every output byte written once (the port writes with byte enables); the input is read
    assert seen["wr"] == want.size and seen["rd"] >= x.size
    np.testing.assert_array_equal(seen["out"], want)
    assert seen["bad"] == pack(STATUS, {"done": 1, "error": 1, "code": NpuError.KERNEL})
    assert seen["bad_irq"] == pack(IRQ, {"done": 1, "error": 1})
    assert seen["bad_counts"] == [0, 0, 0]
