"""The descriptor encoder and the numpy golden model."""

import numpy as np
import pytest

from hetsoc.accel.dma.encoder import Transfer, decode, encode
from hetsoc.accel.dma.model import DmaModel, check, chunks, extent
from hetsoc.accel.dma.testgen import random_batch
from hetsoc.spec.config import load_config
from hetsoc.spec.dma import DESCRIPTOR_WORDS, Descriptor, DmaStatus

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
    with pytest.raises(ValueError, match=r"^DMA descriptor field row_bytes must be an integer "
                                         r"in \[0, 65535\], not 65536$"):
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


def test_chunks_follow_the_walker():
    # A chunk ends at a row end or a 256-byte boundary.
    assert chunks(L3 + 0xF8, 24, 2, 1, 512, 0) == [(L3 + 0xF8, 8), (L3 + 0x100, 16),
                                                  (L3 + 0x2F8, 8), (L3 + 0x300, 16)]
    assert chunks(L2, 600, 1, 2, 0, 1024) == [(L2, 256), (L2 + 256, 256), (L2 + 512, 88),
                                              (L2 + 1024, 256), (L2 + 1280, 256),
                                              (L2 + 1536, 88)]


def test_model_bus_errors_status_and_unsettled_bytes():
    with pytest.raises(ValueError, match=r"^bus error range must be \(lo, hi\) inside L3 "):
        DmaModel(CONFIG, bus_errors=[(L2, L2 + 8)])
    model = DmaModel(CONFIG, bus_errors=[(L3 + 0x1010, L3 + 0x1018)])
    model.view(L3, 0x2000)[:] = np.arange(0x2000) % 251
    before = {k: v.copy() for k, v in model.memories.items()}
    # Read fault at byte 0x10 of the transfer: at most 16 bytes may have been written.
    assert model.run(Transfer(L3 + 0x1000, L2, 64)) == DmaStatus.BUS_ERROR
    addresses, values = model.unsettled[-1]
    np.testing.assert_array_equal(addresses, L2 + np.arange(16))
    np.testing.assert_array_equal(values, before["l3"][0x1000:0x1010])
    # Write fault in the third of 8 one-row chunks: it and 3 more may have been written.
    assert model.run(Transfer(L3, L3 + 0x1000, 8, 8, 1, 8, 0, 8, 0)) == DmaStatus.BUS_ERROR
    addresses, values = model.unsettled[-1]
    np.testing.assert_array_equal(addresses, L3 + 0x1000 + np.arange(6 * 8))
    # A fault on the first beat leaves nothing unsettled; transfers clear of it copy as usual.
    assert model.run(Transfer(L3 + 0x1010, L2 + 0x100, 8)) == DmaStatus.BUS_ERROR
    assert len(model.unsettled) == 2
    assert model.run(Transfer(L3 + 0x1018, L2 + 0x200, 8)) == DmaStatus.OK
    for k in ("l1", "l3"):
        np.testing.assert_array_equal(model.memories[k], before[k])
    # mismatches(): unsettled bytes may hold either value, all others must match.
    actual = {k: v.copy() for k, v in model.memories.items()}
    actual["l2"][:16] = before["l3"][0x1000:0x1010]
    assert model.mismatches(actual) == {"l1": 0, "l2": 0, "l3": 0}
    actual["l2"][16] ^= 1
    actual["l3"][0x1000 + 40] ^= 1
    assert model.mismatches(actual) == {"l1": 0, "l2": 1, "l3": 1}
