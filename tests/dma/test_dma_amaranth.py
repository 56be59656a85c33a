"""The DMA engine in the Amaranth simulator: random 3-D transfers against the numpy model."""

import numpy as np
import pytest

from hetsoc.accel.dma.bench import Bench
from hetsoc.accel.dma.testgen import random_batch
from hetsoc.spec.dma import DmaStatus

from . import SMALL


def test_random_transfers_match_the_model_on_two_channels():
    bench = Bench(SMALL, seed=1)
    rng = np.random.default_rng(1)
    transfers = random_batch(rng, SMALL, 12)
    assert len(transfers) >= 8
    statuses = {}

    async def body(ctx, b):
        for ch in range(2):
            await b.set_windows(ctx, ch)
        # Alternate channels; each channel's queue takes up to its depth.
        for i, t in enumerate(transfers):
            await b.push(ctx, i % 2, t)
        for i in range(len(transfers)):
            tag, status = await b.completion(ctx, i % 2)
            statuses[tag] = status

    bench.run(body)
    for t in transfers:
        assert bench.model.run(t) == DmaStatus.OK
    assert statuses == {t.tag: DmaStatus.OK.value for t in transfers}
    for name, expected in bench.model.memories.items():
        np.testing.assert_array_equal(bench.final[name], expected, err_msg=name)


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
