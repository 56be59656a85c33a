"""DMA fault handling in the Amaranth simulator: AXI errors from L3 and pushes onto a full
queue end in an error status or event, an interrupt, nothing written past what docs/dma.md
allows, and a channel that still works afterwards."""

import numpy as np
import pytest

from hetsoc.accel.dma.bench import Bench, reg
from hetsoc.accel.dma.encoder import Transfer
from hetsoc.accel.dma.testgen import random_batch
from hetsoc.hw.axi.ram import DECERR, SLVERR, AxiRam
from hetsoc.spec.dma import DmaStatus

from . import SMALL

L1, L2, L3 = SMALL.l1.base, SMALL.l2.base, SMALL.l3.base
READ_FAULT = (L3 + 0x12A8, L3 + 0x12B0, SLVERR)   # one beat in the middle of a source
WRITE_FAULT = (L3 + 0x3140, L3 + 0x3150, DECERR)  # two beats in the middle of a destination
DONE, ERROR, OVERFLOW = 0b001, 0b010, 0b100

# (channel, transfer, expected status); the channel-1 transfer runs beside the one before it.
CASES = [
    # L3 -> L2, 4 rows of 256 bytes; the failing beat is byte 680 of the transfer.
    (0, Transfer(L3 + 0x1000, L2 + 0x1000, 256, 4, 1, 256, 0, 256, 0, tag=1),
     DmaStatus.BUS_ERROR),
    (0, Transfer(L3 + 0x2000, L2 + 0x1800, 512, tag=2), DmaStatus.OK),
    # L1 -> L3, 16 rows of 64 bytes (one chunk each); row 5 fails.
    (0, Transfer(L1 + 0x100, L3 + 0x3000, 64, 16, 1, 64, 0, 64, 0, tag=3),
     DmaStatus.BUS_ERROR),
    (0, Transfer(L1 + 0x600, L3 + 0x3800, 256, 2, 2, 256, 512, 256, 512, tag=4), DmaStatus.OK),
    # L3 -> L3 across the read fault on channel 0 while channel 1 copies L3 -> L1.
    (0, Transfer(L3 + 0x1100, L3 + 0x4000, 128, 8, 1, 128, 0, 128, 0, tag=5),
     DmaStatus.BUS_ERROR),
    (1, Transfer(L3 + 0x2400, L1 + 0x1000, 128, 8, 1, 128, 0, 128, 0, tag=6), DmaStatus.OK),
    (0, Transfer(L2 + 0x400, L3 + 0x5000, 1024, tag=7), DmaStatus.OK),
]


def test_axi_errors_end_the_descriptor_raise_the_interrupt_and_write_nothing_past_the_fault():
    bench = Bench(SMALL, seed=7, faults=(READ_FAULT, WRITE_FAULT))
    seen = {}

    async def check_completion(ctx, b, ch):
        tag, status = await b.completion(ctx, ch)
        pending = await b.read(ctx, reg("CH_IRQ", ch))
        irq = ctx.get(b.top.irq)
        written = await b.read(ctx, reg("CH_BYTES", ch))
        await b.write(ctx, reg("CH_IRQ", ch), DONE | ERROR)
        await b.write(ctx, reg("CH_CLEAR", ch), 1)
        seen[tag] = (DmaStatus(status), pending, irq, ctx.get(b.top.irq), written)

    async def body(ctx, b):
        for ch in range(2):
            await b.set_windows(ctx, ch)
            await b.write(ctx, reg("CH_IRQ_EN", ch), ERROR)
        i = 0
        while i < len(CASES):
            if i + 1 < len(CASES) and CASES[i + 1][0] == 1:
                # Both channels at once: push both, then collect both.
                await b.push(ctx, 0, CASES[i][1])
                await b.push(ctx, 1, CASES[i + 1][1])
                await check_completion(ctx, b, 0)
                await check_completion(ctx, b, 1)
                i += 2
            else:
                await b.push(ctx, 0, CASES[i][1])
                await check_completion(ctx, b, 0)
                i += 1

    bench.run(body)
    for _, t, want in CASES:
        assert bench.model.run(t) == want, t.tag
        status, pending, irq, irq_after_clear, written = seen[t.tag]
        assert status == want, t.tag
        if want == DmaStatus.OK:
            assert (pending, irq, written) == (DONE, 0, t.nbytes), t.tag
        else:
            assert (pending, irq) == (ERROR, 1), t.tag
        assert irq_after_clear == 0, t.tag
    # Read errors: nothing from the failing beat (byte 680 of tag 1, byte 0x1A8 of tag 5) on.
    assert seen[1][4] <= 680 and seen[5][4] <= 0x1A8
    # Write error: the failing chunk (row 5) and at most ORDER_DEPTH - 1 = 3 chunks after it.
    assert seen[3][4] <= 9 * 64
    # Every byte outside the unsettled prefixes is as the model says; inside them, either the
    # old value or the copied one.
    assert bench.model.mismatches(bench.final) == {"l1": 0, "l2": 0, "l3": 0}
    assert len(bench.model.unsettled) == 3


def test_push_onto_a_full_queue_is_reported_and_cleared():
    bench = Bench(SMALL, seed=9)
    big = Transfer(L2, L1, 4096, tag=100)  # 512 beats: keeps the channel busy while we push
    small = [Transfer(L3 + 0x100 * k, L2 + 0x1000 + 0x100 * k, 64, tag=k) for k in range(1, 6)]
    out = {}

    async def body(ctx, b):
        await b.set_windows(ctx, 0)
        await b.write(ctx, reg("CH_IRQ_EN", 0), OVERFLOW)
        await b.push(ctx, 0, big)
        depth = SMALL.dma.queue_depth
        # Fill the queue behind the running transfer, then push once more without looking.
        for t in small[:depth]:
            await b.push(ctx, 0, t)
        out["free"] = await b.read(ctx, reg("CH_PUSH", 0))
        out["before"] = (await b.read(ctx, reg("CH_IRQ", 0)) & OVERFLOW, ctx.get(b.top.irq))
        await b.stage(ctx, 0, small[depth])
        await b.write(ctx, reg("CH_PUSH", 0), 1)
        out["status"] = await b.read(ctx, reg("CH_STATUS", 0))
        out["after"] = (await b.read(ctx, reg("CH_IRQ", 0)) & OVERFLOW, ctx.get(b.top.irq))
        # The flag is sticky: still set after the queue drains, until written with a 1.
        out["tags"] = [await b.completion(ctx, 0) for _ in range(depth + 1)]
        while await b.read(ctx, reg("CH_STATUS", 0)) & 1:
            pass
        out["drained"] = (await b.read(ctx, reg("CH_STATUS", 0)),
                          await b.read(ctx, reg("CH_CPL", 0)))
        await b.write(ctx, reg("CH_IRQ", 0), OVERFLOW)
        out["cleared"] = (await b.read(ctx, reg("CH_STATUS", 0)),
                          await b.read(ctx, reg("CH_IRQ", 0)) & OVERFLOW, ctx.get(b.top.irq))
        # Pushed again, the dropped descriptor runs.
        await b.push(ctx, 0, small[depth])
        out["retry"] = await b.completion(ctx, 0)

    bench.run(body)
    depth = SMALL.dma.queue_depth
    assert out["free"] == 0
    assert out["before"] == (0, 0)
    assert out["status"] & 0b11 == 0b11            # busy, overflow
    assert out["after"] == (OVERFLOW, 1)
    assert out["tags"] == [(t.tag, DmaStatus.OK.value) for t in (big, *small[:depth])]
    assert out["drained"][0] == 0b10               # idle, nothing queued, overflow still set
    assert out["drained"][1] >> 31 == 0            # no completion for the dropped push
    assert out["cleared"] == (0, 0, 0)
    assert out["retry"] == (small[depth].tag, DmaStatus.OK.value)
    for t in (big, *small):
        assert bench.model.run(t) == DmaStatus.OK
    for name, expected in bench.model.memories.items():
        np.testing.assert_array_equal(bench.final[name], expected, err_msg=name)


@pytest.mark.parametrize("fault", [(8, 8, SLVERR), (0, 12, DECERR), (0, 8, 0b01), (0, 4096, SLVERR),
                                   (0, 8)])
def test_axi_ram_rejects_bad_fault_windows(fault):
    with pytest.raises(ValueError, match=r"^Fault must be \(lo, hi, SLVERR or DECERR\) with 0 <= "
                                         r"lo < hi <= size, multiples of 8, not "):
        AxiRam(1024, faults=[fault])


def test_random_transfers_on_two_channels_with_faults_in_l3():
    # Eight-byte holes every 1.75 KiB of L3, SLVERR and DECERR alternating: some sources and
    # destinations cross one, most do not; both channels run at once, so aborted descriptors
    # drain while the other channel's bursts share the AXI port.
    faults = [(L3 + 0x700 * k + 0x38, L3 + 0x700 * k + 0x40, (SLVERR, DECERR)[k % 2])
              for k in range(SMALL.l3.size // 0x700)]
    bench = Bench(SMALL, seed=5, faults=faults)
    rng = np.random.default_rng(5)
    transfers = random_batch(rng, SMALL, 16, regions=("l2", "l3"))
    assert len(transfers) >= 12
    statuses = {}

    async def body(ctx, b):
        for ch in range(2):
            await b.set_windows(ctx, ch)
        for i, t in enumerate(transfers):
            await b.push(ctx, i % 2, t)
        for i in range(len(transfers)):
            tag, status = await b.completion(ctx, i % 2)
            statuses[tag] = DmaStatus(status)

    bench.run(body, max_cycles=400_000)
    want = {t.tag: bench.model.run(t) for t in transfers}
    assert statuses == want
    kinds = set(want.values())
    assert kinds == {DmaStatus.OK, DmaStatus.BUS_ERROR}, kinds
    assert bench.model.mismatches(bench.final) == {"l1": 0, "l2": 0, "l3": 0}
