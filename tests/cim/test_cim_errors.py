"""Refused work: the host encoder's one-line ValueErrors, and the hardware's error status with
nothing read or written."""

import numpy as np
import pytest

from hetsoc.accel.cim.bench import CimBench
from hetsoc.accel.cim.encoder import encode_descriptor, plan_conv2d, weight_beats
from hetsoc.spec.cim import CimError

_OK = dict(in_addr=0, out_addr=256, param_addr=512, psum_addr=1024, in_h=4, in_w=4, in_c=2,
           out_c=4, out_h=2, out_w=2, out_pix_stride=4, rows=18, kh=3, kw=3, stride=1,
           in_shift=1, adc_shift=1, y_min=-128, y_max=127, seed=3, noise_scale=100)
_PATTERN = bytes((7 * i + 3) & 0xFF for i in range(4096))


def _run(fields, beats=()):
    bench = CimBench(32, 16, 8, 8, l1_bytes=4096)
    return bench.run_descriptor(fields, beats, _PATTERN)


@pytest.mark.parametrize("change,code", [
    (dict(rows=33), CimError.SHAPE),               # a layer beyond the macro, not split
    (dict(out_c=17), CimError.SHAPE),
    (dict(kh=8), CimError.SHAPE),
    (dict(stride=3), CimError.SHAPE),
    (dict(row_c0=2), CimError.SHAPE),
    (dict(in_shift=3), CimError.INPUT_SHIFT),      # int8 inputs would not fit 7 bits
    (dict(param_addr=516), CimError.ALIGN),
])
def test_refused_descriptor_writes_nothing(change, code):
    error, l1, (busy, mvms, _) = _run(dict(_OK, **change))
    assert error == code
    assert l1 == _PATTERN
    assert (busy, mvms) == (1, 0)


def test_non_ternary_weight_is_refused_and_flags_the_next_descriptor():
    good = weight_beats(np.ones((18, 4), dtype=np.int8), 8)
    bad = [(0, 0, 0b10)]                           # 0b10 is no ternary weight
    error, l1, (_, mvms, prog) = _run(_OK, good + bad)
    assert error == CimError.WEIGHTS
    assert l1 == _PATTERN and mvms == 0
    assert prog == len(good) + 1
    error, l1, _ = _run(_OK, good)
    assert error == CimError.NONE and l1 != _PATTERN


_LAYER = dict(w=np.ones((20, 4, 3, 3), dtype=np.int8), bias=None, multiplier=2 ** 30, shift=8,
              x_zero_point=0, y_zero_point=0, input_shift=1, adc_shift=1, rows=32, cols=16)


@pytest.mark.parametrize("change,message", [
    (dict(w=np.full((2, 4, 3, 3), 2, dtype=np.int8)), "CIM weights must be in {-1, 0, +1}, not 2"),
    (dict(input_shift=3), "input_shift must be 0, 1 or 2 (7-bit inputs), not 3"),
    (dict(adc_shift=16), "adc_shift must be an integer in [0, 15], not 16"),
    (dict(w=np.ones((2, 4, 8, 8), dtype=np.int8)), "kernel must be at most 7x7, not 8x8"),
    (dict(strides=(3, 3)), "strides must be (1, 1) or (2, 2), not (3, 3)"),
    (dict(pads=(8, 0, 0, 0)), "pads must be in [0, 7], not (8, 0, 0, 0)"),
    (dict(split=False), "layer needs 36 rows x 20 columns but the macro has 32 x 16; "
                        "split it (split=True)"),
])
def test_encoder_errors(change, message):
    with pytest.raises(ValueError) as e:
        plan_conv2d((4, 6, 6), **dict(_LAYER, **change))
    assert str(e.value) == message


def test_descriptor_field_errors():
    with pytest.raises(ValueError) as e:
        encode_descriptor(rowz=3)
    assert str(e.value).startswith("descriptor field must be one of in_addr, out_addr, ")
    assert str(e.value).endswith(", seed, noise_scale, not 'rowz'")
    with pytest.raises(ValueError) as e:
        encode_descriptor(x_zp=128)
    assert str(e.value) == "descriptor field x_zp must be an integer in [-128, 127], not 128"
    with pytest.raises(ValueError) as e:
        weight_beats(np.array([[1, -2]]), 8)
    assert str(e.value) == "CIM weights must be in {-1, 0, +1}, not -2"


def test_split_fits_without_split():
    jobs = plan_conv2d((2, 6, 6), **dict(_LAYER, w=np.ones((16, 2, 3, 3), dtype=np.int8),
                                         split=False))
    assert len(jobs) == 1 and jobs[0].fields["rows"] == 18
