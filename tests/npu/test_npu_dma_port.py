"""The NPU's DMA window (its ``dma`` port) in the Amaranth simulator: beats land in the weight
memory byte for byte at the rate of the word size, a beat past the memory is refused, a CPU
word takes the cycle first, and the in-use range is the running layer's words."""

import numpy as np
import pytest
from amaranth import Elaboratable, Module
from amaranth.sim import Simulator

from hetsoc import golden
from hetsoc.accel.npu.bench import L1Model
from hetsoc.accel.npu.encoder import conv_job
from hetsoc.hw.npu.npu import Npu
from hetsoc.hw.npu.regs import NPU_REGS
from hetsoc.testing import bus_access

R = NPU_REGS.offset
L1 = 4096


class _Bed(Elaboratable):
    def __init__(self, rows, weight_memory=1024):
        self.npu = Npu(rows, 4, l1_size=L1, weight_memory=weight_memory)
        self.l1 = L1Model(self.npu.l1, L1, stall=False)

    def elaborate(self, platform):
        m = Module()
        m.submodules.npu, m.submodules.l1 = self.npu, self.l1
        return m


def _run(bed, bench):
    sim = Simulator(bed)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()


def _memory(ctx, npu) -> bytes:
    core = npu.core
    return b"".join(ctx.get(core.wmem.data[i]).to_bytes(core.rows, "little")
                    for i in range(core.weight_words))


async def _beat(ctx, dma, addr, data):
    """Offer one beat; the cycles until it was taken, and whether it was refused."""
    ctx.set(dma.valid, 1)
    ctx.set(dma.addr, addr)
    ctx.set(dma.data, data)
    cycles = 1
    while not (ctx.get(dma.ready) or ctx.get(dma.err)):
        await ctx.tick()
        cycles += 1
    refused = ctx.get(dma.err)
    await ctx.tick()
    ctx.set(dma.valid, 0)
    return cycles, refused


@pytest.mark.parametrize("rows", [4, 8, 16])
def test_beats_fill_the_weight_memory_byte_for_byte(rows):
    bed = _Bed(rows)
    image = np.random.default_rng(rows).integers(0, 256, 1024, np.uint8).tobytes()
    seen = {}

    async def bench(ctx):
        dma = bed.npu.dma
        waits = []
        for off in np.random.default_rng(1).permutation(len(image) // 8) * 8:
            waits.append(await _beat(ctx, dma, int(off),
                                     int.from_bytes(image[off:off + 8], "little")))
        seen["waits"] = waits
        seen["memory"] = _memory(ctx, bed.npu)

    _run(bed, bench)
    assert seen["memory"] == image
    # one cycle a beat, two when a word is 4 bytes; none refused
    assert set(seen["waits"]) == {(1 if rows >= 8 else 2, 0)}


def test_a_beat_past_the_memory_is_refused_and_writes_nothing():
    bed = _Bed(8, weight_memory=512)   # a 1 KiB window over 512 bytes
    seen = {}

    async def bench(ctx):
        seen["past"] = await _beat(ctx, bed.npu.dma, 512, 0x0102030405060708)
        seen["last"] = await _beat(ctx, bed.npu.dma, 504, 0x1112131415161718)
        seen["memory"] = _memory(ctx, bed.npu)

    _run(bed, bench)
    assert seen["past"] == (1, 1) and seen["last"] == (1, 0)
    assert seen["memory"] == bytes(504) + (0x1112131415161718).to_bytes(8, "little")


def test_a_cpu_word_goes_first_and_the_beat_waits_a_cycle():
    bed = _Bed(8)
    seen = {}

    async def bench(ctx):
        npu, dma = bed.npu, bed.npu.dma
        for addr, data in ((R("WMEM_ADDR"), 2), (R("WMEM_DATA"), 0xAAAAAAAA)):
            await bus_access(ctx, npu.bus, addr, data)
        # the word's second half and a beat into another word, offered in the same cycle
        bus = npu.bus
        ctx.set(bus.req_valid, 1)
        ctx.set(bus.addr, R("WMEM_DATA"))
        ctx.set(bus.we, 1)
        ctx.set(bus.wdata, 0xBBBBBBBB)
        ctx.set(bus.wstrb, 0xF)
        ctx.set(dma.valid, 1)
        ctx.set(dma.addr, 40)
        ctx.set(dma.data, 0x0123456789ABCDEF)
        seen["ready_with_cpu"] = ctx.get(dma.ready)
        await ctx.tick()
        ctx.set(bus.req_valid, 0)
        seen["ready_after"] = ctx.get(dma.ready)
        await ctx.tick()
        ctx.set(dma.valid, 0)
        await ctx.tick()
        seen["memory"] = _memory(ctx, npu)

    _run(bed, bench)
    assert (seen["ready_with_cpu"], seen["ready_after"]) == (0, 1)
    memory = seen["memory"]
    assert memory[16:24] == bytes.fromhex("aaaaaaaabbbbbbbb")
    assert memory[40:48] == (0x0123456789ABCDEF).to_bytes(8, "little")


def test_the_in_use_range_is_the_running_layers_words():
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (1, 3, 6, 6)).astype(np.int8)
    w = rng.integers(-127, 128, (5, 3, 3, 3)).astype(np.int8)
    b = rng.integers(-3000, 3000, 5)
    kw = dict(x_zero_point=-7, multiplier=rng.integers(1 << 30, 1 << 31, 5), shift=[40] * 5,
              y_zero_point=3, strides=(1, 1), pads=(1, 1, 1, 1), y_min=-128, y_max=127)
    job = conv_job(x, w, b, rows=8, cols=4, w_base=5, **kw)
    want = golden.conv2d(x, w, b, **kw)
    bed = _Bed(8)
    seen = {"ranges": set()}

    async def bench(ctx):
        npu, dma = bed.npu, bed.npu.dma
        for i in range(0, len(job.weights), 8):
            await _beat(ctx, dma, 8 * job.w_base + i,
                        int.from_bytes(job.weights[i:i + 8], "little"))
        for base, data in job.inputs:
            for i, byte in enumerate(data):
                a = base + i
                word = ctx.get(bed.l1.mem.data[a // 8])
                word = (word & ~(0xFF << 8 * (a % 8))) | (byte << 8 * (a % 8))
                ctx.set(bed.l1.mem.data[a // 8], word)
        seen["idle"] = (ctx.get(dma.in_use_lo), ctx.get(dma.in_use_hi))
        for k, word in enumerate(job.desc):
            await bus_access(ctx, npu.bus, R(f"DESC{k}"), word)
        await bus_access(ctx, npu.bus, R("CTRL"), 1)
        while ctx.get(npu.core.busy):
            seen["ranges"].add((ctx.get(dma.in_use_lo), ctx.get(dma.in_use_hi)))
            await ctx.tick()
        seen["after"] = (ctx.get(dma.in_use_lo), ctx.get(dma.in_use_hi))
        l1 = b"".join(ctx.get(bed.l1.mem.data[i]).to_bytes(8, "little") for i in range(L1 // 8))
        seen["out"] = job.output(l1)

    _run(bed, bench)
    words = len(job.weights) // 8
    assert seen["idle"] == seen["after"] == (0, 0)
    assert seen["ranges"] == {(8 * job.w_base, 8 * (job.w_base + words))}
    np.testing.assert_array_equal(seen["out"], want)


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
