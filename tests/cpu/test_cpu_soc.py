"""The CPU kernels on the Verilator SoC: bit-exact with hetsoc.golden, nothing but the output and
the scratch written, and the cycle model (`hetsoc.accel.cpu.cost`) within 5% of the cycles
measured around each call; activations in L1 or L2 cost the same. One batch of small layers of
every kernel and path (bench/cpu_kernels.py measures the large ones)."""

import numpy as np
import pytest

from hetsoc.accel.cpu import testgen as tg
from hetsoc.accel.cpu.bench import run_cases


def _cases():
    rng = np.random.default_rng(51)
    same = (1, 1, 1, 1)
    conv = tg.conv_case(rng, "conv3x3", c=4, o=5, h=9, w=10, kernel=(3, 3), pads=same)
    return [
        (conv, "l1"),
        (conv, "l2"),
        (tg.conv_case(rng, "conv3x3_s2", c=3, o=6, h=11, w=12, kernel=(3, 3), strides=(2, 2),
                      pads=(0, 0, 1, 1), clamp="random"), "l2"),
        (tg.conv_case(rng, "conv10x4_s2", c=1, o=12, h=24, w=10, kernel=(10, 4),
                      strides=(2, 2), pads=(4, 1, 5, 1)), "l1"),
        (tg.conv_case(rng, "conv1x1", c=16, o=13, h=6, w=7, kernel=(1, 1), ties=True), "l1"),
        (tg.conv_case(rng, "conv_wide", c=3, o=4, h=6, w=6, kernel=(2, 2), wide=True,
                      w_range=(-3, 3)), "l1"),
        (tg.conv_case(rng, "dw3x3", c=6, o=6, h=9, w=10, kernel=(3, 3), pads=same,
                      depthwise=True), "l1"),
        (tg.conv_case(rng, "dw3x3_s2", c=5, o=5, h=11, w=9, kernel=(3, 3), strides=(2, 2),
                      pads=(0, 0, 1, 1), depthwise=True), "l2"),
        (tg.conv_case(rng, "dw5x5_dil", c=3, o=3, h=10, w=10, kernel=(5, 5),
                      dilations=(2, 1), pads=same, depthwise=True), "l1"),
        (tg.dense_case(rng, "dense", k=100, o=21, n=2), "l1"),
        (tg.add_case(rng, "add_bcast", a_shape=(1, 8, 9, 9), b_shape=(1, 8, 1, 1)), "l1"),
        (tg.add_case(rng, "add_direct", a_shape=(3, 100), b_shape=(3, 100),
                     ratio=(0.05, 0.45)), "l2"),
        (tg.pool_case(rng, "maxpool", op="maxpool", shape=(1, 4, 12, 12), kernel=(2, 2),
                      strides=(2, 2)), "l1"),
        (tg.pool_case(rng, "maxpool_pads", op="maxpool", shape=(1, 3, 11, 11), kernel=(3, 3),
                      strides=(2, 2), pads=same, requant=False), "l1"),
        (tg.pool_case(rng, "avgpool", op="avgpool", shape=(1, 3, 8, 8), kernel=(3, 3),
                      pads=same, ties=True), "l1"),
        (tg.pool_case(rng, "global_avgpool", op="global_avgpool", shape=(1, 16, 6, 5)), "l1"),
        (tg.softmax_case(rng, "softmax", shape=(2, 30)), "l1"),
        (tg.concat_case(rng, "concat", shapes=[(1, 3, 5, 6), (1, 2, 5, 6)], axis=1), "l1"),
        (tg.rescale_case(rng, "clip", op="clip", shape=(1, 500)), "l1"),
    ]


@pytest.fixture(scope="module")
def results():
    cases = _cases()
    return run_cases([c for c, _ in cases], "verilator", where=[w for _, w in cases])


def test_bit_exact_and_in_bounds(results):
    bad = [r.mismatch() or f"{r.case.name}: wrote outside its output"
           for r in results if not (r.exact and r.guards_ok)]
    assert not bad, "\n".join(bad)


def test_cycle_model_within_5_percent(results):
    errors = {r.case.name: (r.case.call.cycles - r.cycles) / r.cycles for r in results}
    assert all(abs(e) <= 0.05 for e in errors.values()), errors


def test_l1_and_l2_cost_the_same(results):
    """Both answer the core in one cycle: the same layer costs the same within the few
    cycles of a branch target buffer that the first run warmed for the second."""
    l1, l2 = results[0], results[1]
    assert l1.case is l2.case and abs(l1.cycles - l2.cycles) <= 16
    assert l1.instructions == l2.instructions
