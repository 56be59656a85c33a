"""The DMA into a unit's DMA window (`SocConfig.dma_sinks`), in the Amaranth simulator: a
stand-in unit with a RAM behind the window, a stall pattern and an in-use range the test sets.
The real units' windows (NPU weights, CIM cells) are tested with their firmware."""

import numpy as np
import pytest
from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In

from hetsoc.accel.dma.bench import Bench
from hetsoc.accel.dma.encoder import Transfer
from hetsoc.hw.dma.ports import SinkSignature
from hetsoc.spec.dma import DmaStatus

from . import SMALL

SLOT, REGION = next((s.name, r) for s, r in SMALL.dma_sinks)
WIDTH = (REGION.size - 1).bit_length()
LIMIT = REGION.size - 512      # the stand-in maps all but the window's last 512 bytes


class StandIn(wiring.Component):
    """A unit's side of a DMA window: a RAM, ``err`` past `LIMIT`, ``ready`` low in the cycles
    a 5-bit LFSR says when ``stalls`` is set, and the in-use range ``lo``/``hi``."""

    def __init__(self):
        self.ram = Memory(shape=64, depth=REGION.size // 8, init=[])
        super().__init__({"dma": In(SinkSignature(WIDTH)), "stalls": In(1),
                          "lo": In(WIDTH + 1), "hi": In(WIDTH + 1), "taken": In(32)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.ram = self.ram
        wp = self.ram.write_port()
        dma = self.dma
        lfsr = Signal(5, init=1)
        m.d.sync += lfsr.eq((lfsr << 1) | (lfsr[4] ^ lfsr[2]))
        stall = self.stalls & lfsr[0]
        m.d.comb += [dma.err.eq(dma.valid & (dma.addr >= LIMIT)),
                     dma.ready.eq(dma.valid & ~dma.err & ~stall),
                     dma.in_use_lo.eq(self.lo), dma.in_use_hi.eq(self.hi),
                     wp.en.eq(dma.ready), wp.addr.eq(dma.addr[3:]), wp.data.eq(dma.data)]
        return m


def run(transfers, *, stalls=False, in_use=(0, 0), seed=3):
    """Push ``transfers`` on channel 0 in order; the statuses and the stand-in's RAM."""
    unit = StandIn()
    bench = Bench(SMALL, seed=seed, units={SLOT: unit})
    statuses = []

    async def body(ctx, b):
        ctx.set(unit.stalls, stalls)
        ctx.set(unit.lo, in_use[0])
        ctx.set(unit.hi, in_use[1])
        await b.set_windows(ctx, 0)
        for t in transfers:
            await b.push(ctx, 0, t)
            statuses.append(DmaStatus((await b.completion(ctx, 0))[1]))
        words = [ctx.get(unit.ram.data[i]) for i in range(unit.ram.depth)]
        b.sink = np.array(words, dtype="<u8").view(np.uint8)

    bench.run(body)
    return bench, statuses


def test_transfers_into_a_window_match_the_model_with_and_without_stalls():
    rng = np.random.default_rng(5)
    transfers = []
    for tag in range(6):
        rows, row_bytes = int(rng.integers(1, 5)), 8 * int(rng.integers(1, 40))
        src = (SMALL.l2.base, SMALL.l1.base, SMALL.l3.base)[tag % 3] + 8 * int(rng.integers(64))
        dst = REGION.base + 8 * int(rng.integers(0, (LIMIT - rows * 512) // 8))
        transfers.append(Transfer(src, dst, row_bytes, rows, src_row_stride=row_bytes + 8,
                                  dst_row_stride=512, tag=tag))
    for stalls in (False, True):
        bench, statuses = run(transfers, stalls=stalls)
        assert statuses == [bench.model.run(t) for t in transfers] == [DmaStatus.OK] * 6
        np.testing.assert_array_equal(bench.sink, bench.model.sinks[REGION.name])


def test_a_descriptor_into_bytes_in_use_is_refused_before_anything_moves():
    lo, hi = 1024, 2048
    inside = Transfer(SMALL.l2.base, REGION.base + 64, 64, 2, src_row_stride=64,
                      dst_row_stride=1024, tag=1)    # rows at 64 and 1088: the second hits
    beside = Transfer(SMALL.l2.base, REGION.base + hi, 256, tag=2)
    bench, statuses = run([inside, beside], in_use=(lo, hi))
    want = [bench.model.run(t, in_use={REGION.name: (lo, hi)}) for t in (inside, beside)]
    assert statuses == want == [DmaStatus.BUS_ERROR, DmaStatus.OK]
    np.testing.assert_array_equal(bench.sink, bench.model.sinks[REGION.name])
    assert not bench.sink[:hi].any()     # not even the first row, outside the range


def test_a_beat_the_unit_refuses_ends_with_a_bus_error_and_the_rest_of_its_chunk_is_dropped():
    # one row of 256 bytes (one chunk) whose second half lies past what the unit maps
    t = Transfer(SMALL.l2.base, REGION.base + LIMIT - 128, 256, tag=7)
    bench, statuses = run([t])
    assert statuses == [DmaStatus.BUS_ERROR]
    src = bench.model.memories["l2"][:128]
    np.testing.assert_array_equal(bench.sink[LIMIT - 128:LIMIT], src)   # before the refusal
    assert not bench.sink[LIMIT:].any()


def test_a_window_is_write_only():
    t = Transfer(REGION.base, SMALL.l2.base, 64, tag=9)
    bench, statuses = run([t])
    assert statuses == [bench.model.run(t)] == [DmaStatus.UNMAPPED]


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
