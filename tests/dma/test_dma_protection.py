"""DMA protection: bad descriptors end with an error status and an interrupt, move nothing."""

import numpy as np

from hetsoc.accel.dma.bench import Bench, reg
from hetsoc.accel.dma.encoder import Transfer
from hetsoc.spec.dma import DmaStatus

from . import SMALL

L1, L2, L3 = SMALL.l1.base, SMALL.l2.base, SMALL.l3.base
RWIN = (L2, L2 + 1024)
WWIN = (L1 + 1024, L1 + 2048)

CASES = [
    (Transfer(L2, L1 + 1024, 64, 4, 1, 64, 0, 400, 0, tag=1), DmaStatus.DST_WINDOW),
    (Transfer(L2 + 1016, L1 + 1024, 16, tag=2), DmaStatus.SRC_WINDOW),
    (Transfer(L2 + 4, L1 + 1024, 16, tag=3), DmaStatus.MISALIGNED),
    (Transfer(L2, L1 + 1024, 16, 2, 1, 20, 0, 16, 0, tag=4), DmaStatus.MISALIGNED),
    (Transfer(L2, L1 + 1024, 16, 0, tag=5), DmaStatus.ZERO_SIZE),
    (Transfer(L2, L1 + 1024, 0, tag=6), DmaStatus.ZERO_SIZE),
    (Transfer(L2, 0x6000_0000, 16, tag=7), DmaStatus.UNMAPPED),  # nothing is mapped there
    (Transfer(L2 + 8, L1 + 2040, 16, tag=8), DmaStatus.DST_WINDOW),
    (Transfer(L2, L1 + 1024, 64, 4, 1, 64, 0, 128, 0, tag=9), DmaStatus.OK),
]


def test_bad_descriptors_error_interrupt_and_leave_memory_unchanged():
    bench = Bench(SMALL, seed=3)
    seen = []

    async def body(ctx, b):
        await b.set_windows(ctx, 0, RWIN, WWIN)
        await b.write(ctx, reg("CH_IRQ_EN", 0), 0b10)  # errors only
        for t, _ in CASES:
            await b.push(ctx, 0, t)
            tag, status = await b.completion(ctx, 0)
            pending = await b.read(ctx, reg("CH_IRQ", 0))
            irq = ctx.get(b.top.irq)
            await b.write(ctx, reg("CH_IRQ", 0), 0b11)
            seen.append((tag, status, pending, irq, ctx.get(b.top.irq)))

    bench.run(body)
    for (t, want), (tag, status, pending, irq, irq_after_clear) in zip(CASES, seen, strict=True):
        assert (tag, DmaStatus(status)) == (t.tag, want)
        assert bench.model.run(t, RWIN, WWIN) == want
        if want == DmaStatus.OK:
            assert (pending, irq) == (0b01, 0)   # done is pending but not enabled
        else:
            assert (pending, irq) == (0b10, 1)
        assert irq_after_clear == 0
    # Only the valid transfer wrote, inside the window; everything else is as loaded.
    for name, expected in bench.model.memories.items():
        np.testing.assert_array_equal(bench.final[name], expected, err_msg=name)
