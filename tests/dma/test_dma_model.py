"""The descriptor encoder and the numpy golden model."""

import numpy as np
import pytest

from hetsoc.config import load_config
from hetsoc.dma import DmaModel, Transfer, check, decode, encode, extent, random_batch
from hetsoc.hw.dma.descriptor import DESCRIPTOR_WORDS, Descriptor
from hetsoc.hw.dma.status import DmaStatus

CONFIG = load_config("default")
L1, L2, L3 = CONFIG.l1.base, CONFIG.l2.base, CONFIG.l3.base
OPEN = (0, 1 << 32)


def test_descriptor_is_eight_words_in_field_order():
    assert DESCRIPTOR_WORDS == 8
    t = Transfer(0x1000_0008, 0x2000_0010, 64, 3, 2, 72, 300, 80, 400, tag=7)
    words = encode(t)
    assert words[:4] == [0x1000_0008, 0x2000_0010, 64 | 3 << 16, 2 | 7 << 16]
    assert words[4:] == [72, 300, 80, 400]
    assert decode(words) == t
    assert list(dict(Descriptor.as_shape())) == [
        "src", "dst", "row_bytes", "rows", "planes", "tag",
        "src_row_stride", "src_plane_stride", "dst_row_stride", "dst_plane_stride"]


def test_encode_rejects_fields_that_do_not_fit():
    with pytest.raises(ValueError, match=r"^row_bytes must be an integer in \[0, 2\*\*16\), "
                                         r"not 65536$"):
        encode(Transfer(0, 0, 65536))
    with pytest.raises(TypeError, match=r"^transfer must be a Transfer, not 3$"):
        encode(3)
    with pytest.raises(ValueError, match=r"^words must be 8 32-bit words, not 2$"):
        decode([1, 2])


def test_model_rejects_a_non_config():
    with pytest.raises(TypeError, match=r"^config must be a SocConfig, not 'default'$"):
        DmaModel("default")


def test_extent_and_checks_in_order():
    assert extent(100, 16, 3, 2, 24, 80) == (100, 100 + 80 + 48 + 16)
    ok = Transfer(L2, L1, 16, 2, 1, 16, 32, 16, 32)
    assert check(CONFIG, ok, OPEN, OPEN) == DmaStatus.OK
    assert check(CONFIG, Transfer(L2, L1, 0), OPEN, OPEN) == DmaStatus.ZERO_SIZE
    assert check(CONFIG, Transfer(L2, L1, 8, 0), OPEN, OPEN) == DmaStatus.ZERO_SIZE
    assert check(CONFIG, Transfer(L2 + 4, L1, 8), OPEN, OPEN) == DmaStatus.MISALIGNED
    assert check(CONFIG, Transfer(L2, L1, 8, 2, 1, 12), OPEN, OPEN) == DmaStatus.MISALIGNED
    end = CONFIG.l2.end
    assert check(CONFIG, Transfer(end - 8, L1, 16), OPEN, OPEN) == DmaStatus.UNMAPPED
    assert check(CONFIG, Transfer(0x8000_0000, L1, 8), OPEN, OPEN) == DmaStatus.UNMAPPED
    assert check(CONFIG, ok, (L2, L2 + 16), OPEN) == DmaStatus.SRC_WINDOW
    assert check(CONFIG, ok, OPEN, (L1 + 8, L1 + 64)) == DmaStatus.DST_WINDOW
    assert check(CONFIG, ok, (L2, L2 + 48), (L1, L1 + 48)) == DmaStatus.OK


def test_model_copies_a_strided_tile_and_moves_nothing_on_error():
    model = DmaModel(CONFIG)
    src = model.view(L3, 256)
    src[:] = np.arange(256, dtype=np.uint8)
    # Two planes of three rows of 16 bytes, gathered from a 32-byte pitch into a dense tile.
    t = Transfer(L3, L2, 16, 3, 2, 32, 128, 16, 48)
    assert model.run(t) == DmaStatus.OK
    want = np.concatenate([np.arange(p * 128 + r * 32, p * 128 + r * 32 + 16)
                           for p in range(2) for r in range(3)]).astype(np.uint8)
    np.testing.assert_array_equal(model.view(L2, 96), want)
    before = {k: v.copy() for k, v in model.memories.items()}
    assert model.run(t, write_window=(L2, L2 + 64)) == DmaStatus.DST_WINDOW
    for k in before:
        np.testing.assert_array_equal(model.memories[k], before[k])


def test_random_batch_is_valid_and_order_free():
    rng = np.random.default_rng(5)
    batch = random_batch(rng, CONFIG, 200)
    assert len(batch) == 200
    dst = sorted(extent(t.dst, t.row_bytes, t.rows, t.planes, t.dst_row_stride,
                        t.dst_plane_stride) for t in batch)
    assert all(a[1] <= b[0] for a, b in zip(dst, dst[1:], strict=False))
    assert all(check(CONFIG, t, OPEN, OPEN) == DmaStatus.OK for t in batch)
