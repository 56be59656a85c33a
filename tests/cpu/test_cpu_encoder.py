"""The CPU kernels' host side without simulation: what the encoder accepts and refuses (exact
messages), the blob layouts the kernels read, the C it writes, the cycle model's structure."""

import re

import numpy as np
import pytest

from hetsoc import golden, zoo
from hetsoc.accel.cpu import cost, layout
from hetsoc.accel.cpu import testgen as tg
from hetsoc.accel.cpu.bench import place, run_cases
from hetsoc.accel.cpu.calibrate import nnls
from hetsoc.accel.cpu.encoder import lower, supports
from hetsoc.accel.cpu.target import CpuTarget
from hetsoc.ir import macs
from hetsoc.models import load_model
from hetsoc.spec.config import load_config


def _raises(msg):
    return pytest.raises(ValueError, match="^" + re.escape(msg) + "$")


def test_every_zoo_layer_lowers():
    """Every node of every zoo model but the boundary's quantize/dequantize has a kernel, with
    the IR's MAC count and a positive estimate; the compiler's CPU target agrees."""
    target = CpuTarget(load_config("default"))
    for name in zoo.names():
        graph = load_model(name)[1]
        for node in graph.nodes:
            ok, reason = supports(graph, node)
            if node.op in ("quantize", "dequantize"):
                assert not ok and reason == (f"{node.op} is the model boundary, run by the host, "
                                             f"not a CPU kernel")
                continue
            assert ok, f"{name}/{node.name}: {reason}"
            call = lower(graph, node)
            shapes = [graph.tensors[n].shape for n in node.inputs]
            assert call.macs == macs(node, shapes, graph.tensors[node.outputs[0]].shape)
            assert call.cycles > 0
            assert target.supports(graph, node).ok
            (part,) = target.lower(graph, node)
            assert part.blob == call.blob and part.cycles == call.cycles


def test_refusals_have_one_line_reasons():
    rng = np.random.default_rng(0)
    case = tg.conv_case(rng, "grouped", c=4, o=4, h=5, w=5, kernel=(3, 3))
    node = case.node
    node.attrs["groups"] = 2
    w = case.graph.tensors[node.inputs[1]]
    w.shape, w.data = (4, 2, 3, 3), w.data[:, :2].copy()
    with _raises("conv2d groups must be 1 or the channel count (depthwise), not 2"):
        lower(case.graph, node)
    assert supports(case.graph, node) == (
        False, "conv2d groups must be 1 or the channel count (depthwise), not 2")
    pool = tg.pool_case(rng, "dilated", op="avgpool", shape=(1, 2, 6, 6), kernel=(2, 2))
    pool.node.attrs["dilations"] = (2, 1)
    with _raises("avgpool dilations must be (1, 1), not (2, 1)"):
        lower(pool.graph, pool.node)
    with _raises("avgpool windows must overlap the input when count_include_pad is 0 (an "
                 "average of no taps)"):
        tg.pool_case(rng, "outside", op="avgpool", shape=(1, 2, 6, 6), kernel=(2, 2),
                     pads=(2, 0, 0, 0))
    tg.pool_case(rng, "counted", op="avgpool", shape=(1, 2, 6, 6), kernel=(2, 2),
                 pads=(2, 0, 0, 0), count_include_pad=True)
    wide = tg.softmax_case(rng, "long", shape=(1, 40))
    wide.graph.tensors["x0"].shape = wide.graph.tensors["y"].shape = (1, 32768)
    with _raises("softmax rows must be at most 32767 long, not 32768"):
        lower(wide.graph, wide.node)
    with _raises("add broadcasting needs at most 4 axes after merging, not 5"):
        tg.add_case(rng, "rank5", a_shape=(2, 1, 2, 1, 2), b_shape=(1, 2, 1, 2, 1))


def test_c_code_checks_its_addresses():
    call = tg.conv_case(np.random.default_rng(1), "c", c=3, o=5, h=6, w=6, kernel=(3, 3),
                        pads=(1, 1, 1, 1)).call
    with _raises("name must be a C identifier, not '1st'"):
        call.c_code("1st", [0x20000000], 0x20001000, 0x10000000, 0x10010000)
    with _raises("inputs must be 1 address(es) for cpu_conv2d, not [536870912, 536870920]"):
        call.c_code("c", [0x20000000, 0x20000008], 0x20001000, 0x10000000, 0x10010000)
    with _raises("input address must be a non-negative multiple of 8, not 536870916"):
        call.c_code("c", [0x20000004], 0x20001000, 0x10000000, 0x10010000)
    with _raises("output address must be a non-negative multiple of 8, not 536875009"):
        call.c_code("c", [0x20000000], 0x20001001, 0x10000000, 0x10010000)
    with _raises("scratch address must be a non-negative multiple of 8, not -8"):
        call.c_code("c", [0x20000000], 0x20001000, 0x10000000, -8)


def test_c_code_is_a_static_struct_and_the_call():
    rng = np.random.default_rng(2)
    conv = tg.conv_case(rng, "c", c=3, o=5, h=6, w=6, kernel=(3, 3), pads=(1, 1, 1, 1)).call
    code = conv.c_code("s0_conv", [0x20000000], 0x20001000, 0x10000000, 0x10010000)
    lines = code.splitlines()
    assert lines[0] == "static const cpu_conv2d_args_t s0_conv = {"
    assert lines[-2:] == ["};", "cpu_conv2d(&s0_conv);"]
    assert "    .x = (const int8_t *)0x20000000u," in lines
    assert "    .y = (int8_t *)0x20001000u," in lines
    assert "    .rq = (const cpu_rq_t *)0x10000000u," in lines
    assert f"    .wt = (const int8_t *)0x{0x10000000 + 5 * 20:08x}u," in lines
    assert "    .scratch = (int8_t *)0x10010000u," in lines
    cat = tg.concat_case(rng, "k", shapes=[(1, 2, 3), (1, 4, 3)], axis=1, same=(1,)).call
    code = cat.c_code("s1", [0x20000000, 0x20000040], 0x20000100, 0x10000000, 0)
    assert code.splitlines()[0] == (
        "static const cpu_concat_part_t s1_parts[] = {{(const int8_t *)0x20000000u, "
        "(const int8_t *)0x10000000u, 6}, {(const int8_t *)0x20000040u, 0, 12}};")
    assert "    .parts = s1_parts," in code and code.endswith("cpu_concat(&s1);")


def test_gemm_weights_are_blocks_of_8_4_2_1_k_major():
    w = np.arange(15 * 3, dtype=np.int64).reshape(15, 3).astype(np.int8)
    blob = np.frombuffer(layout.gemm_weights(w), np.int8)
    want = np.concatenate([w[0:8].T.ravel(), w[8:12].T.ravel(), w[12:14].T.ravel(),
                           w[14:15].T.ravel()])
    assert np.array_equal(blob, want)


def test_conv3x3_weights_are_kernel_rows_then_channels_then_pairs():
    w = np.arange(3 * 2 * 9, dtype=np.int64).reshape(3, 2, 3, 3).astype(np.int8)
    blob = np.frombuffer(layout.conv3x3_weights(w), np.int8)
    assert blob[:8].tolist() == [w[0, 0, 0, 0], w[1, 0, 0, 0], w[0, 0, 0, 1], w[1, 0, 0, 1],
                                 w[0, 0, 0, 2], w[1, 0, 0, 2], w[0, 1, 0, 0], w[1, 1, 0, 0]]
    assert blob[12:14].tolist() == [w[0, 0, 1, 0], w[1, 0, 1, 0]]
    assert blob[36:].tolist() == w[2].transpose(1, 0, 2).ravel().tolist()


def test_records_fold_the_zero_point_and_move_small_shifts_to_33():
    w = np.array([[1, -2, 3], [127, 127, 127], [0, 0, 1]], np.int8)
    rec, wide = layout.rq_records(w, np.array([10, 2**31 - 1, 0]), -5, [1 << 30] * 3,
                                  [40, 32, 9])
    r = np.frombuffer(rec, "<i4").reshape(3, 5)
    assert r[0].tolist() == [10 + 5 * 2, 1 << 30, 40, 0, 31]
    assert r[1, 0] == (2**31 - 1 + 5 * 381) - 2**32       # wrapped, as the kernel sums
    assert r[1, 2:].tolist() == [33, 1, 30]                 # n 32: x2, shift 33
    assert r[2, 2:].tolist() == [33, 11, 20]                # n 9 acts as 22: x2^11, shift 33
    assert wide
    _, wide = layout.rq_records(w, None, 0, [1 << 30] * 3, [33, 40, 62])
    assert not wide


def test_tables_are_golden_over_all_inputs():
    assert layout.lut_bytes({}) == np.arange(256, dtype=np.uint8).tobytes()
    p = dict(x_zero_point=3, multiplier=1 << 30, shift=31, y_zero_point=-7)
    lut = np.frombuffer(layout.lut_bytes(p, -100, 50), np.int8)
    x = np.arange(256, dtype=np.uint8).view(np.int8)
    assert np.array_equal(lut, golden.clip(golden.rescale(x, **p), y_min=-100, y_max=50))


@pytest.mark.parametrize("a, b, want", [
    ((1, 3, 4, 5), (1, 3, 4, 5), ((1, 1, 1, 60), (0, 0, 0, 1), (0, 0, 0, 1))),
    ((1, 3, 4, 5), (1, 3, 1, 1), ((1, 1, 3, 20), (0, 0, 20, 1), (0, 0, 1, 0))),
    ((2, 1, 5), (1, 3, 1), ((1, 2, 3, 5), (0, 5, 0, 1), (0, 0, 1, 0))),
    ((4, 5), (5,), ((1, 1, 4, 5), (0, 0, 5, 1), (0, 0, 0, 1))),
    ((1,), (1,), ((1, 1, 1, 1), (0, 0, 0, 0), (0, 0, 0, 0))),
])
def test_add_broadcasting_merges_axes(a, b, want):
    out = np.broadcast_shapes(a, b)
    dims, sa, sb = layout.add_strides(a, b, out)
    assert (dims, sa, sb) == want


def test_cost_model_counts_the_loops():
    case = tg.conv_case(np.random.default_rng(3), "c", c=5, o=3, h=9, w=10, kernel=(3, 3),
                        pads=(1, 1, 1, 1))
    c = cost.counts(case.call.kernel, dict(case.call.args))
    assert c["c3.tile2x4s1"] == 1 * 9 * 2 and c["c3.iter2x4s1"] == 3 * 5 * 18
    assert c["c3.tile1x1s1"] == 9 * 2 and c["pad.call"] == 1
    assert case.call.cycles == round(sum(n * cost.CYCLES[k] for k, n in c.items()))
    with _raises("kernel must be one of cpu_conv2d, cpu_dwconv2d, cpu_dense, cpu_add, "
                 "cpu_rescale, cpu_concat, cpu_maxpool, cpu_avgpool, cpu_softmax, not 'cpu_x'"):
        cost.counts("cpu_x", {})


def test_harness_arguments():
    case = tg.rescale_case(np.random.default_rng(4), "r", op="clip", shape=(1, 8))
    with _raises("where must be 'l1' or 'l2', not 'l3'"):
        place(case, load_config("default"), "l3")
    with _raises("backend must be 'unicorn' or 'verilator', not 'qemu'"):
        run_cases([case], "qemu")
    with _raises("seed must be in 1..2^32-1, not 0"):
        tg.prng_int8(0, 4)
    with _raises("lo, hi must satisfy -128 <= lo <= hi <= 127, not (5, 4)"):
        tg.prng_int8(1, 4, 5, 4)


def test_prng_is_xorshift32():
    s, want = 7, []
    for _ in range(5):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        want.append(((s >> 16) * 256 >> 16) - 128)
    assert tg.prng_int8(7, 5).tolist() == want


def test_nnls_keeps_costs_non_negative():
    a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    x = nnls(a, np.array([2.0, -1.0, 1.0]))
    assert x[1] == 0 and x[0] == pytest.approx(1.5)
