"""Invalid descriptors: error status with the right code, nothing written; argument errors."""

import numpy as np
import pytest

from hetsoc.accel.npu.bench import NpuBed, run_jobs
from hetsoc.accel.npu.encoder import NpuJob, conv_job
from hetsoc.hw.npu.core import NpuCore
from hetsoc.hw.npu.port import NpuL1Signature
from hetsoc.spec.npu import NpuError, Op, pack_descriptor

L1, WMEM, ROWS = 4096, 2048, 4   # 512 weight words


def _conv(**over):
    f = dict(op=int(Op.CONV), kh=3, kw=3, stride=1, pad_t=1, pad_l=1, pad_b=1, pad_r=1,
             in_base=0, in_c=2, in_h=8, in_w=8, in_cs=64, in_rs=8, out_base=256, out_k=4,
             out_h=8, out_w=8, out_cs=64, out_rs=8, w_base=0, y_min=-128, y_max=127)
    f.update(over)
    return NpuJob(pack_descriptor(**f), b"", 0)


def _add(**over):
    f = dict(op=int(Op.ADD), in_base=0, b_base=64, out_base=128, length=40, a_mult=1 << 30,
             b_mult=1 << 30, add_shift=31, y_min=-128, y_max=127)
    f.update(over)
    return NpuJob(pack_descriptor(**f), b"", 0)


BAD = [
    ("kernel 0", _conv(kh=0), NpuError.KERNEL),
    ("kernel width 0", _conv(kw=0, pad_l=0, pad_r=0), NpuError.KERNEL),
    ("stride 3", _conv(stride=3), NpuError.STRIDE),
    ("stride 0", _conv(stride=0), NpuError.STRIDE),
    ("pad equal to kernel", _conv(pad_t=3), NpuError.SHAPE),
    ("output too tall", _conv(out_h=9), NpuError.SHAPE),
    ("no channels", _conv(in_c=0), NpuError.SHAPE),
    ("fold with out_w > cols / 2", _conv(fold=1), NpuError.SHAPE),
    ("dense on a wide image", _conv(op=int(Op.DENSE), kh=1, kw=1, pad_t=0, pad_l=0,
                                    pad_b=0, pad_r=0), NpuError.SHAPE),
    ("depthwise 2 -> 4", _conv(op=int(Op.DEPTHWISE)), NpuError.CHANNELS),
    ("input tile larger than L1", _conv(in_c=65, in_cs=64), NpuError.INPUT),
    ("input past the end", _conv(in_base=L1 - 100), NpuError.INPUT),
    ("output past the end", _conv(out_base=L1 - 200, out_cs=64), NpuError.OUTPUT),
    ("weights past the end", _conv(in_c=57, in_cs=64, out_base=3700, out_k=1), NpuError.WEIGHTS),
    ("add misaligned", _add(b_base=66), NpuError.ALIGN),
    ("add a past the end", _add(in_base=L1 - 32), NpuError.INPUT),
    ("add b past the end", _add(b_base=L1 - 32), NpuError.OTHER),
    ("add y past the end", _add(out_base=L1 - 32), NpuError.OUTPUT),
    ("add length 0", _add(length=0), NpuError.SHAPE),
    ("add shift 63", _add(add_shift=63), NpuError.SHAPE),
]


def test_invalid_descriptors_write_nothing():
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (1, 2, 5, 5)).astype(np.int8)
    w = rng.integers(-127, 128, (3, 2, 3, 3)).astype(np.int8)
    good = conv_job(x, w, None, x_zero_point=1, multiplier=1 << 30, shift=40, y_zero_point=0,
                    pads=(1, 1, 1, 1), rows=ROWS, cols=4)
    jobs = [job for _, job, _ in BAD] + [good]
    res = run_jobs(NpuBed(ROWS, 4, l1_size=L1, weight_memory=WMEM), jobs)
    for (name, _, code), r in zip(BAD, res, strict=False):
        assert (r["error"], r["done"], r["code"]) == (1, 0, code), name
        assert r["l1_after"] == r["l1_before"], name
        assert r["macs"] == 0, name
    assert res[-1]["done"] == 1 and res[-1]["error"] == 0   # the NPU recovers


def test_pack_descriptor_messages():
    with pytest.raises(ValueError, match=r"^descriptor field kh must be an integer in \[0, 7\], "
                                         r"not 8$"):
        pack_descriptor(kh=8)
    with pytest.raises(ValueError, match=r"^descriptor field x_zp must be an integer in "
                                         r"\[-128, 127\], not 128$"):
        pack_descriptor(x_zp=128)
    with pytest.raises(TypeError, match=r"^descriptor field stride must be an integer, not 1.0$"):
        pack_descriptor(stride=1.0)
    with pytest.raises(TypeError, match=r"^descriptor field fold must be an integer, not True$"):
        pack_descriptor(fold=True)
    with pytest.raises(ValueError, match=r"^descriptor field must be one of op, kh, kw, .*, "
                                         r"fold, not 'bogus'$"):
        pack_descriptor(bogus=1)


def test_constructor_messages():
    with pytest.raises(ValueError, match=r"^rows must be a power of two, not 12$"):
        NpuCore(12, 16)
    with pytest.raises(ValueError, match=r"^l1_size must be a power of two, not 1000$"):
        NpuCore(16, 16, l1_size=1000)
    with pytest.raises(TypeError, match=r"^gated_capture must be a bool, not 1$"):
        NpuCore(16, 16, gated_capture=1)
    with pytest.raises(TypeError, match=r"^data_bytes must be a power of two from 4 to 128, "
                                        r"not 3$"):
        NpuL1Signature(12, 3)
    with pytest.raises(TypeError, match=r"^addr_width must be an integer in \[4, 32\], "
                                        r"not 2$"):
        NpuL1Signature(2, 16)
