"""The compiler's passes on real models, without a simulator: boundary, dispatch, placement,
splits, refusals and the JSON of every stage."""

import json
from pathlib import Path

import numpy as np
import pytest

from hetsoc.compiler import PASS_NAMES, CompileError, compile_graph
from hetsoc.ir import Graph, Node, QuantParams, Tensor
from hetsoc.models import load_model
from hetsoc.spec.config import load_config

SMALL = load_config(Path(__file__).parents[1] / "dma" / "small.toml")


@pytest.fixture(scope="module")
def resnet8():
    return load_model("resnet-8")[1]


@pytest.fixture(scope="module")
def autoencoder():
    return load_model("autoencoder")[1]


def test_every_pass_dumps_json(resnet8):
    seen = []
    plan = compile_graph(resnet8, strategy="npu",
                         on_pass=lambda name, p: seen.append((name, json.dumps(p.to_json()))))
    assert [name for name, _ in seen] == list(PASS_NAMES[:-1])  # no -o: stops after codegen
    assert '"unit": "npu"' in seen[1][1] and '"steps"' in seen[2][1] and "c_source" in seen[3][1]
    assert plan.passes_done == PASS_NAMES[:-1]


def test_boundary_runs_on_the_host(resnet8):
    plan = compile_graph(resnet8, strategy="cpu", until="legalize")
    b = plan.boundary
    assert b.quantize and b.dequantize
    assert resnet8.tensors[b.model_input].dtype == "float32"
    assert resnet8.tensors[b.input].dtype == "int8"
    assert {layer.op for layer in plan.layers}.isdisjoint({"quantize", "dequantize"})
    assert [layer.alias for layer in plan.layers if layer.op == "reshape"] == [True]


def test_strategies_dispatch(resnet8):
    cpu = compile_graph(resnet8, strategy="cpu", until="dispatch")
    assert {layer.unit for layer in cpu.layers if not layer.alias} == {"cpu"}
    npu = compile_graph(resnet8, strategy="npu", until="dispatch")
    units = {layer.op: layer.unit for layer in npu.layers if not layer.alias}
    assert units == {"conv2d": "npu", "add": "npu", "dense": "npu", "avgpool": "cpu",
                     "softmax": "cpu"}
    pool = next(layer for layer in npu.layers if layer.op == "avgpool")
    assert "runs conv2d, depthwise conv2d, dense and add, not avgpool" in pool.refused["npu"]


def test_ds_cnn_first_conv_falls_back_with_the_reason():
    graph = load_model("ds-cnn")[1]
    plan = compile_graph(graph, strategy="npu", until="dispatch")
    conv1 = plan.layer("conv1")
    assert conv1.unit == "cpu"
    assert conv1.refused == {"npu": "kernel 10x4 is outside 1..7"}


def test_overrides_pin_layers(resnet8, tmp_path):
    path = tmp_path / "pins.toml"
    path.write_text('[layers]\nconv1 = "cpu"\nconv3 = "npu"\n')
    plan = compile_graph(resnet8, strategy="npu", overrides=path, until="dispatch")
    assert plan.layer("conv1").unit == "cpu" and plan.layer("conv1").pinned
    assert plan.layer("conv3").unit == "npu" and plan.layer("conv3").pinned
    assert not plan.layer("conv5").pinned


@pytest.mark.parametrize("text, message", [
    ('[layers]\nnope = "cpu"\n', "overrides: model 'resnet-8' has no layer 'nope' (see "
                                 "`hetsoc inspect resnet-8` for the layer names)"),
    ('[layers]\navgpool20 = "npu"\n', "overrides: layer 'avgpool20' (avgpool) is pinned to the "
                                      "npu, which cannot run it: npu: it runs conv2d, depthwise "
                                      "conv2d, dense and add, not avgpool"),
    ('[layers]\nflatten21 = "cpu"\n', "overrides: layer 'flatten21' is a reshape that runs no "
                                      "code; it cannot be pinned to a unit"),
])
def test_overrides_refused(resnet8, tmp_path, text, message):
    path = tmp_path / "pins.toml"
    path.write_text(text)
    with pytest.raises(CompileError) as e:
        compile_graph(resnet8, strategy="npu", overrides=path, until="dispatch")
    assert str(e.value) == message


@pytest.mark.parametrize("text, message", [
    ("[layers\n", "is not valid TOML: "),
    ('[pins]\nconv1 = "cpu"\n', "unknown key 'pins' (it holds one [layers] table of "
                                "layer = \"unit\")"),
    ('[layers]\nconv1 = "gpu"\n', "layer 'conv1' must be pinned to one of cpu, npu, cim, "
                                  "not 'gpu'"),
    ('layers = 3\n', "[layers] must be a table of layer = \"unit\", not 3"),
])
def test_bad_overrides_files(resnet8, tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CompileError) as e:
        compile_graph(resnet8, overrides=path, until="dispatch")
    assert str(e.value).startswith(f"overrides file {str(path)!r}")
    assert message in str(e.value)
    with pytest.raises(CompileError, match="does not exist"):
        compile_graph(resnet8, overrides=tmp_path / "missing.toml")


def test_unknown_strategy_and_pass(resnet8):
    with pytest.raises(CompileError) as e:
        compile_graph(resnet8, strategy="gpu")
    assert str(e.value) == "unknown strategy 'gpu': choose one of cpu, npu, cim"
    with pytest.raises(CompileError) as e:
        compile_graph(resnet8, until="tile")
    assert str(e.value) == ("pass must be one of legalize, dispatch, place, codegen, build, "
                            "not 'tile'")


def test_layer_too_big_for_l1_is_refused_with_the_bytes(resnet8):
    with pytest.raises(CompileError) as e:
        compile_graph(resnet8, config=SMALL, strategy="npu", until="place")
    assert str(e.value) == ("layer 'conv1' (conv2d) needs 19456 bytes of L1 (inputs 3072, "
                            "output 16384), L1 has 8192: it is too big until tiling lands; "
                            "use a config with a larger L1")


def _overlaps(a, b):
    return a.addr < b.addr + b.size and b.addr < a.addr + a.size and \
        a.first <= b.last and b.first <= a.last


@pytest.mark.parametrize("model", ["resnet-8", "mobilenet-v1-0.25", "ds-cnn"])
def test_buffers_never_collide_while_alive(model):
    graph = load_model(model)[1]
    plan = compile_graph(graph, strategy="npu", until="place")
    roots = {(b.addr, b.first, b.last): b for b in plan.buffers.values()}.values()
    l1 = plan.config.l1
    align = 2 * plan.config.npu.cols
    for b in roots:
        assert l1.base <= b.addr and b.addr + b.size <= l1.end and b.addr % align == 0
    roots = list(roots)
    for i, a in enumerate(roots):
        for b in roots[i + 1:]:
            assert not _overlaps(a, b), (a, b)
    # L1 is reused: the planned footprint is well below the sum of all tensors.
    assert max(b.addr + b.size for b in roots) - l1.base < sum(b.size for b in roots)


def test_weights_larger_than_the_weight_memory_are_split(autoencoder):
    plan = compile_graph(autoencoder, strategy="npu", until="place")
    step = next(s for s in plan.steps if plan.layers[s.layer].name == "dense1")
    words = plan.config.npu.weight_memory
    ranges = [p.part.info["channels"] for p in step.parts]
    assert len(ranges) == 2 and ranges[0][0] == 0 and ranges[-1][1] == 128
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    for p in step.parts:
        assert len(p.part.blob) <= words and p.transfers[0].size % 8 == 0


def test_clip_after_conv_folds_into_its_clamp():
    g = Graph("clip")
    q = QuantParams(np.float32(0.05), np.int64(-3))
    g.add_tensor(Tensor("x", (1, 2, 4, 4), "int8", q, "NCHW"))
    g.add_tensor(Tensor("w", (3, 2, 1, 1), "int8", QuantParams(np.float32(0.01), np.int64(0)),
                        "OIHW", data=np.ones((3, 2, 1, 1), np.int8)))
    g.add_tensor(Tensor("y", (1, 3, 4, 4), "int8", q, "NCHW"))
    g.add_tensor(Tensor("z", (1, 3, 4, 4), "int8", q, "NCHW"))
    g.add_node(Node("conv", "conv2d", ("x", "w"), ("y",), {"y_min": -100}))
    g.add_node(Node("relu", "clip", ("y",), ("z",), {"y_min": -3, "y_max": 90}))
    g.inputs, g.outputs = ["x"], ["z"]
    g.validate()
    plan = compile_graph(g, strategy="npu", until="legalize")
    assert [(layer.name, layer.output) for layer in plan.layers] == [("conv", "z")]
    conv = next(n for n in plan.graph.nodes if n.name == "conv")
    assert (conv.attrs["y_min"], conv.attrs["y_max"]) == (-3, 90)
    assert g.nodes[0].attrs["y_min"] == -100  # the caller's graph is not changed
