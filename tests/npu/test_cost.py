"""The NPU's cycle model without simulation: hand-counted layers, the descriptor decoder and
the argument checks. (Equality with the hardware's counter is tested in ``test_layers.py``.)

Cycle numbers below are counted from the core's schedule (docs/npu.md, "Cycle model"): cycle 0
checks the descriptor, the fetcher starts at cycle 1, the sequencer reads the block's
parameters in cycles 1..PARAM_CYCLES and taps from the cycle after.
"""

import re

import numpy as np
import pytest

from hetsoc.accel.npu.cost import (
    ADD_WORD_CYCLES,
    CHECK_CYCLES,
    DRAIN_STEP,
    PARAM_CYCLES,
    busy_cycles,
    drain_writes,
    job_cycles,
    unpack_descriptor,
)
from hetsoc.accel.npu.encoder import add_job, conv_job
from hetsoc.spec.npu import DESC_WORDS, DESCRIPTOR, Op, pack_descriptor

# after a tile's last tap: two cycles until the drain has the accumulators, then its steps
TO_DRAIN = 2
# after the last drain step: the cycle that sees the core idle (its write's response is back)
TO_IDLE = 1


def fields(**values):
    f = {name: 0 for name, _ in DESCRIPTOR}
    f.update(y_min=-128, y_max=127, stride=1)
    f.update(values)
    return f


def conv(**values):
    return fields(op=int(Op.CONV), **values)


def test_add_is_six_cycles_per_port_word():
    # 300 bytes on the 32-byte port of a 16-column array: 10 words
    assert busy_cycles(fields(op=int(Op.ADD), length=300), rows=16, cols=16) \
        == CHECK_CYCLES + 10 * ADD_WORD_CYCLES == 61
    # a partial last word costs a whole one
    assert busy_cycles(fields(op=int(Op.ADD), length=33), rows=4, cols=4) == 1 + 5 * 6
    assert busy_cycles(fields(op=int(Op.ADD), length=1), rows=4, cols=4) == 7


ONE_BY_ONE = dict(kh=1, kw=1, in_c=1, in_h=1, in_w=4, in_cs=4, in_rs=4, out_k=1, out_h=1,
                  out_w=4, out_cs=4, out_rs=4)


def test_one_by_one_conv():
    """One channel, one 4-pixel row, 1x1 kernel on 4x4: one word read at cycle 1 (full at 3),
    the only tap waits for the parameters (cycle 11), one drain step (one write)."""
    tap = CHECK_CYCLES + PARAM_CYCLES
    assert tap == 11
    want = tap + 1 + TO_DRAIN + DRAIN_STEP + TO_IDLE
    assert busy_cycles(conv(out_base=64, **ONE_BY_ONE), rows=4, cols=4) == want == 18


def test_output_crossing_a_port_word_costs_a_second_write():
    """The same layer with its 4 output bytes at offset 6 of an 8-byte word: the drain writes
    twice and the core waits a cycle more for the second response."""
    assert busy_cycles(conv(out_base=70, **ONE_BY_ONE), rows=4, cols=4) == 18 + 1


def test_folded_3x3():
    """A 2x2 image, pads 1, 3x3 kernel, 2x2 output on 4x4: folded, one tile holds both output
    rows. Segments (ky = 0, 1, 2) read rows (pad, 0), (0, 1), (1, pad), one word each.

    - ky=0: padding at cycle 1, read at 2, full at 4; taps 11..13 (parameters first)
    - ky=1: reads at 3 and 4 (the other buffer), full at 6; taps 14..16
    - ky=2: its buffer is free after tap 13: read at 14, its padding row waits for that read's
      response (15) and completes at 16, full at 17; taps 17..19
    - drain: two steps (two output rows of one channel), no word crossed: 19 + 1 + 2 + 6 + 1
    """
    f = conv(kh=3, kw=3, pad_t=1, pad_l=1, pad_b=1, pad_r=1, in_c=1, in_h=2, in_w=2, in_cs=4,
             in_rs=2, out_base=16, out_k=1, out_h=2, out_w=2, out_cs=4, out_rs=2, fold=1)
    assert busy_cycles(f, rows=4, cols=4) == 19 + 1 + TO_DRAIN + 2 * DRAIN_STEP + TO_IDLE == 29


def test_dense_two_inputs():
    """Dense K=2 -> 1: two one-byte segments read at cycles 1 and 2; taps at 11 and 12."""
    f = fields(op=int(Op.DENSE), kh=1, kw=1, in_c=2, in_h=1, in_w=1, in_cs=1, in_rs=2,
               out_base=8, out_k=1, out_h=1, out_w=1, out_cs=1, out_rs=1)
    assert busy_cycles(f, rows=4, cols=4) == 12 + 1 + TO_DRAIN + DRAIN_STEP + TO_IDLE == 19


def test_sequencer_bound_conv_is_one_cycle_per_tap():
    """3x3 conv 16->16 on 16x16 (pads 1) on a 16x16 array: a tile is one output row, 16
    channels x 3 rows x 3 taps. Its input rows are 16 bytes at offset 0 or 16 of the 32-byte
    port: one word each, so a buffer is full two cycles after its read (three if a drain write
    delays the read), in time for the sequencer, which spends three cycles on the buffer
    before it; a tile's 144 taps outlast the previous drain (16 steps). So the taps run back
    to back from the first one after the parameters, then the last drain."""
    x = np.zeros((1, 16, 16, 16), np.int8)
    w = np.zeros((16, 16, 3, 3), np.int8)
    job = conv_job(x, w, None, x_zero_point=0, multiplier=1 << 30, shift=31, y_zero_point=0,
                   pads=(1, 1, 1, 1), rows=16, cols=16)
    taps = 16 * 16 * 3 * 3
    last_tap = CHECK_CYCLES + PARAM_CYCLES + taps - 1
    assert job_cycles(job, rows=16, cols=16) \
        == last_tap + 1 + TO_DRAIN + 16 * DRAIN_STEP + TO_IDLE == 2366


def test_drain_writes_count_port_words_of_output_row_segments():
    # one 4-byte segment at offset 0 or 6 of an 8-byte word: one write, or two
    assert drain_writes(conv(out_base=64, **ONE_BY_ONE), rows=4, cols=4) == 1
    assert drain_writes(conv(out_base=70, **ONE_BY_ONE), rows=4, cols=4) == 2
    # 3 channels x 2 rows of 6 outputs on 4 columns: per row a segment of 4 outputs and one
    # of 2; channel c, row y starts at 20 + 12c + 6y: of the 12 segments only bytes 38..41
    # (channel 1, row 1) cross an 8-byte word
    f = conv(kh=1, kw=1, in_c=1, in_h=2, in_w=6, in_cs=12, in_rs=6, out_base=20, out_k=3,
             out_h=2, out_w=6, out_cs=12, out_rs=6)
    assert drain_writes(f, rows=4, cols=4) == 12 + 1
    assert drain_writes(fields(op=int(Op.ADD), length=300), rows=4, cols=4) == 0


def test_job_cycles_decodes_the_descriptor():
    a = np.arange(-50, 50, dtype=np.int8)
    job = add_job(a, a, a_zero_point=1, b_zero_point=-2, a_multiplier=1 << 30,
                  b_multiplier=1 << 29, shift=31, y_zero_point=3, align=16)
    assert job_cycles(job, rows=8, cols=8) == busy_cycles(unpack_descriptor(job.desc),
                                                          rows=8, cols=8) == 1 + 7 * 6


def test_unpack_descriptor_inverts_pack_descriptor():
    rng = np.random.default_rng(5)
    for _ in range(50):
        values = {}
        for name, field in DESCRIPTOR:
            if name in ("x_zp", "y_zp", "y_min", "y_max", "b_zp"):
                values[name] = int(rng.integers(-128, 128))
            else:
                values[name] = int(rng.integers(0, 1 << field.width))
        assert unpack_descriptor(pack_descriptor(**values)) == values


def message(text):
    return "^" + re.escape(text) + "$"


@pytest.mark.parametrize("call, text", [
    (lambda: busy_cycles(conv(**ONE_BY_ONE), rows=3, cols=4),
     "rows must be a power of two, not 3"),
    (lambda: busy_cycles(conv(**ONE_BY_ONE), rows=4, cols=0),
     "cols must be a power of two, not 0"),
    (lambda: busy_cycles(conv(**dict(ONE_BY_ONE, kh=0)), rows=4, cols=4),
     "kh must be in [1, 7], not 0"),
    (lambda: busy_cycles(conv(**dict(ONE_BY_ONE, stride=3)), rows=4, cols=4),
     "stride must be 1 or 2, not 3"),
    (lambda: busy_cycles(conv(**dict(ONE_BY_ONE, out_h=0)), rows=4, cols=4),
     "out_h must be at least 1, not 0"),
    (lambda: busy_cycles(conv(fold=1, **ONE_BY_ONE), rows=4, cols=4),
     "fold needs out_w <= cols / 2 = 2, not 4"),
    (lambda: busy_cycles(fields(op=int(Op.ADD)), rows=4, cols=4),
     "length must be at least 1, not 0"),
    (lambda: busy_cycles({"op": 0}, rows=4, cols=4),
     "fields must hold every field of DESCRIPTOR, not ['op']"),
    (lambda: unpack_descriptor([0] * (DESC_WORDS - 1)),
     f"words must be {DESC_WORDS} 32-bit ints, not {[0] * (DESC_WORDS - 1)!r}"),
])
def test_bad_arguments(call, text):
    with pytest.raises(ValueError, match=message(text)):
        call()
