"""`hetsoc inspect` and `hetsoc run` on ONNX paths and zoo names."""

import numpy as np
import pytest
from qdq_builders import conv_model, qlinear_conv_model

from hetsoc.cli import main
from hetsoc.golden import run_graph
from hetsoc.ir import summarize
from hetsoc.onnx_import import import_model

RNG = np.random.default_rng(0)
W = RNG.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
WS = np.full(4, 0.01, np.float32)


@pytest.fixture
def conv_path(tmp_path):
    path = tmp_path / "conv.onnx"
    model = conv_model((1, 3, 8, 8), (0.02, 0), W, WS, np.zeros(4, np.int32), (0.05, 0),
                       strides=[2, 2], pads=[0, 0, 1, 1])
    path.write_bytes(model.SerializeToString())
    return path


def test_inspect_prints_layers_macs_params_and_quantization(conv_path, capsys):
    assert main(["inspect", str(conv_path)]) == 0
    out = capsys.readouterr().out
    # 8x8 input, 3x3 kernel, stride 2, pads bottom/right 1: 4x4 outputs x 4 channels x 27 taps.
    assert "[1, 4, 4, 4]" in out and "1,728" in out
    assert "112" in out                               # 108 weights + 4 biases
    assert "scale[4]" in out and "stride 2x2" in out and "pads [0, 0, 1, 1]" in out
    assert "total: 3 layers, 1,728 MACs, 112 parameters" in out


def test_run_with_input_and_output_files(conv_path, tmp_path, capsys):
    x = RNG.uniform(-2, 2, (1, 3, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    code = main(["run", str(conv_path), "--backend", "golden", "--input",
                 str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy")])
    assert code == 0, capsys.readouterr().err
    y = np.load(tmp_path / "y.npy")
    graph = import_model(str(conv_path))
    assert y.dtype == np.float32
    assert np.array_equal(y, run_graph(graph, x)[graph.outputs[0]])


def test_run_integer_model_takes_and_returns_int8(tmp_path, capsys):
    path = tmp_path / "q.onnx"
    path.write_bytes(qlinear_conv_model((1, 3, 8, 8), (0.02, 0), W, WS, None, (0.05, 3),
                                        pads=[1, 1, 1, 1]).SerializeToString())
    np.save(tmp_path / "x.npy", RNG.integers(-128, 128, (1, 3, 8, 8), dtype=np.int8))
    assert main(["run", str(path), "--input", str(tmp_path / "x.npy"), "--output",
                 str(tmp_path / "y.npy")]) == 0
    assert np.load(tmp_path / "y.npy").dtype == np.int8


def test_run_without_input_is_seeded(conv_path, tmp_path, capsys):
    for name in ("a", "b"):
        assert main(["run", str(conv_path), "--output", str(tmp_path / f"{name}.npy")]) == 0
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))


def test_zoo_name_resolves_and_ds_cnn_macs_match_the_layer_list(capsys):
    pytest.importorskip("hetsoc.zoo")
    assert main(["inspect", "ds-cnn"]) == 0
    out = capsys.readouterr().out
    # From the published layer list (REFERENCE.md): conv 10x4 -> 25x5x64; 4 x (dw 3x3 + pw 64);
    # dense 64 -> 12.
    expected = 25 * 5 * 64 * 40 + 4 * (25 * 5 * 64 * 9 + 25 * 5 * 64 * 64) + 64 * 12
    assert f"{expected:,} MACs" in out


def test_summary_counts_depthwise_macs_per_channel():
    from qdq_builders import conv_model as cm

    w = RNG.integers(-127, 128, (6, 1, 3, 3)).astype(np.int8)
    g = import_model(cm((1, 6, 5, 5), (0.02, 0), w, np.full(6, 0.01, np.float32), None,
                        (0.05, 0), group=6, pads=[1, 1, 1, 1]))
    conv = next(r for r in summarize(g) if r.op == "conv2d")
    assert conv.macs == 6 * 5 * 5 * 9 and conv.params == 54
