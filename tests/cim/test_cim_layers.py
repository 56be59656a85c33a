"""Hypothesis-generated conv2d and dense layers on the CIM RTL (Amaranth simulation) against
the golden model, bit for bit, noise off and on with many seeds; the timing model and the
counters exactly; and L1 stalls change timing only."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hetsoc.accel.cim.bench import CimBench
from hetsoc.accel.cim.cost import cycles

from .layers import golden, layers

# (rows, cols, rows per cycle, cols per cycle): small macros so layers need row and column
# splits. Hypothesis tries the minimal batch first, then 2 random ones per config:
# 3 configs x 2 x 9 = 54 random layers.
MACROS = [(32, 16, 8, 8), (16, 8, 4, 2), (64, 8, 16, 8)]
_SETTINGS = settings(max_examples=3, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))


def _check_batch(bench, batch):
    runs = bench.run(batch)
    for layer, run in zip(batch, runs, strict=True):
        assert run.errors == [0] * len(run.jobs)
        np.testing.assert_array_equal(run.y, golden(layer, bench.rows, bench.cols))
        model = sum(cycles(j.fields, bench.rp, bench.cp) for j in run.jobs)
        assert run.busy_cycles == model
        pixels = run.y.shape[1] * run.y.shape[2]
        assert run.mvms == pixels * len(run.jobs)
        assert run.prog_cycles == sum(j.weights.shape[0] * -(-j.weights.shape[1] // bench.cp)
                                      for j in run.jobs)
    return runs


@pytest.mark.parametrize("macro", MACROS, ids=lambda m: "x".join(map(str, m)))
@_SETTINGS
@given(batch=st.lists(layers(), min_size=9, max_size=9))
def test_layers_bit_exact_and_timed(macro, batch):
    _check_batch(CimBench(*macro), batch)


def test_noise_changes_outputs_and_seeds_differ():
    rng = np.random.default_rng(4)
    base = dict(x=rng.integers(-128, 128, (4, 6, 6)).astype(np.int8),
                w=rng.integers(-1, 2, (8, 4, 3, 3)).astype(np.int8), bias=None,
                multiplier=2 ** 30, shift=8, x_zero_point=0, y_zero_point=0, input_shift=1,
                adc_shift=2, pads=(1, 1, 1, 1))
    batch = [dict(base, noise_scale=0), dict(base, noise_scale=2000, seed=1),
             dict(base, noise_scale=2000, seed=2)]
    ideal, a, b = _check_batch(CimBench(32, 16, 8, 8), batch)
    assert (ideal.y != a.y).any() and (a.y != b.y).any()


@pytest.mark.parametrize("mask", [0b1, 0b101])
def test_l1_stalls_change_timing_only(mask):
    rng = np.random.default_rng(mask)
    layer = dict(x=rng.integers(-128, 128, (3, 5, 5)).astype(np.int8),
                 w=rng.integers(-1, 2, (20, 3, 3, 3)).astype(np.int8),
                 bias=rng.integers(-50, 50, 20), multiplier=2 ** 30 + 12345, shift=9,
                 x_zero_point=2, y_zero_point=1, input_shift=1, adc_shift=1, strides=(2, 2),
                 pads=(1, 1, 1, 1), noise_scale=700, seed=5)
    bench = CimBench(16, 8, 4, 4, stall_mask=mask)
    run, = bench.run([layer])
    np.testing.assert_array_equal(run.y, golden(layer, 16, 8))
    assert run.busy_cycles > sum(cycles(j.fields, 4, 4) for j in run.jobs)


def test_stuck_cells_bit_exact():
    """Stuck cells overlaid on each programmed chunk (the array) == golden on
    ``apply_faults`` of the layer's weights (cell (r % rows, k % cols))."""
    from hetsoc.golden.cim_noise import apply_faults, fault_map

    rng = np.random.default_rng(9)
    stuck, value = fault_map(16, 8, 0.2, seed=3)
    layer = dict(x=rng.integers(-128, 128, (3, 5, 5)).astype(np.int8),
                 w=rng.integers(-1, 2, (11, 3, 3, 3)).astype(np.int8), bias=None,
                 multiplier=2 ** 30, shift=8, x_zero_point=0, y_zero_point=0, input_shift=1,
                 adc_shift=1, pads=(1, 1, 1, 1), noise_scale=300, seed=2)
    run, = CimBench(16, 8, 4, 4, faults=(stuck, value)).run([layer])
    assert len(run.jobs) == 4
    faulty = dict(layer, w=apply_faults(layer["w"], stuck, value))
    assert (faulty["w"] != layer["w"]).any()
    np.testing.assert_array_equal(run.y, golden(faulty, 16, 8))
