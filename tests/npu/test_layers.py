"""End-to-end layers on the standalone NPU, bit-exact against `hetsoc.golden`, timed against
the cycle model (`hetsoc.accel.npu.cost`).

Every example is a batch of hypothesis-drawn layers run back to back in one simulation (the
simulator's start-up is paid once), with or without random L1 stalls. A layer passes if L1
afterwards is exactly L1 before with the output region replaced by golden's result (so nothing
else was written), the MAC counter equals the layer's MAC count, and the busy counter equals
the model's cycles without stalls. With stalls it lies between the model and the model plus
the stall counter plus the layer's drain writes (a stall can push a row fetch into a drain
write, which takes the port first and is no stall; `hetsoc.accel.npu.cost.drain_writes`), and
an add, which waits for every response, takes exactly the model plus the stalls.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layers import Limits, add_layers, conv_layers, dense_layers, expected_l1

from hetsoc.accel.npu.bench import NpuBed, run_jobs
from hetsoc.accel.npu.cost import job_cycles, job_drain_writes
from hetsoc.spec.npu import Op

BATCH = 12
CI = settings(max_examples=3, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(bed, layers, seed):
    results = run_jobs(bed, [job for job, _, _ in layers], fill_seed=seed)
    for (job, want, macs), res in zip(layers, results, strict=True):
        assert res["done"] == 1 and res["error"] == 0, res["code"]
        assert res["l1_after"] == expected_l1(job, want, res["l1_before"]), \
            (job.output(res["l1_after"]), want)
        assert res["macs"] == macs
        model = job_cycles(job, rows=bed.rows, cols=bed.core.cols)
        busy, stall = res["busy"], res["stall"]
        if not bed.l1.stall:
            assert (busy, stall) == (model, 0), (model, job.desc)
        elif job.desc[0] & 3 == Op.ADD:
            assert busy == model + stall, (model, busy, stall, job.desc)
        else:
            writes = job_drain_writes(job, rows=bed.rows, cols=bed.core.cols)
            assert model <= busy <= model + stall + writes, (model, busy, stall, job.desc)


SMALL = Limits()


@CI
@given(st.lists(conv_layers(SMALL), min_size=BATCH, max_size=BATCH), st.integers(1, 2**16 - 1))
def test_conv2d(layers, seed):
    _check(NpuBed(4, 4, seed=seed), layers, seed)


@CI
@given(st.lists(conv_layers(SMALL, depthwise=True), min_size=BATCH, max_size=BATCH),
       st.integers(1, 2**16 - 1))
def test_depthwise(layers, seed):
    _check(NpuBed(4, 4, seed=seed), layers, seed)


@CI
@given(st.lists(dense_layers(SMALL), min_size=BATCH, max_size=BATCH), st.integers(1, 2**16 - 1))
def test_dense(layers, seed):
    _check(NpuBed(4, 4, seed=seed), layers, seed)


@CI
@given(st.lists(add_layers(SMALL), min_size=BATCH, max_size=BATCH), st.integers(1, 2**16 - 1))
def test_add(layers, seed):
    _check(NpuBed(4, 4, seed=seed), layers, seed)


OPS = {"conv": conv_layers(SMALL), "depthwise": conv_layers(SMALL, depthwise=True),
       "dense": dense_layers(SMALL), "add": add_layers(SMALL)}


@pytest.mark.parametrize("op", OPS)
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_without_stalls(op, data):
    """A one-cycle L1 on the 4x4 array: the busy counter is the cycle model's, exactly."""
    layers = data.draw(st.lists(OPS[op], min_size=BATCH, max_size=BATCH))
    _check(NpuBed(4, 4, stall=False), layers, 5)


WIDE = Limits(rows=8, cols=8, max_c=3, max_k=10, max_hw=12, port_bytes=16)


@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(conv_layers(WIDE), conv_layers(WIDE, depthwise=True),
                          dense_layers(WIDE), add_layers(WIDE)), min_size=BATCH,
                max_size=BATCH))
def test_pynq_shape_without_stalls(layers):
    """The 8x8 array of the pynq-z2 config, a one-cycle L1 (no stall injection)."""
    _check(NpuBed(8, 8, l1_size=8192, weight_memory=8192, stall=False), layers, 3)


@pytest.mark.slow
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(conv_layers(SMALL), conv_layers(SMALL, depthwise=True),
                          dense_layers(SMALL), add_layers(SMALL)), min_size=BATCH,
                max_size=BATCH), st.integers(1, 2**16 - 1))
def test_many_layers(layers, seed):
    _check(NpuBed(4, 4, seed=seed), layers, seed)
