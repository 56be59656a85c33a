"""The ``cim`` strategy: ternary conv2d and dense layers on the CIM, the rest on the host.

Every ``-mixed`` zoo model compiles under it on ``default``; its reference follows the dispatch
(each CIM layer computed by the CIM's numpy model with the integers the compiler chose, which
is not the int8 golden); the two smallest run bit-exact on Verilator with every layer's output
compared, and each CIM step's measured cycles (the firmware's step marks) are within 5% of the
compiler's estimate.
"""

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from hetsoc import zoo
from hetsoc.accel.cim.network import cim_layers, plan_cim, run_graph_cim
from hetsoc.accel.cim.target import calibration_batch
from hetsoc.compiler import OUTPUTS, compile_graph
from hetsoc.crosscheck import random_input
from hetsoc.golden import run_graph
from hetsoc.models import load_model
from hetsoc.runtime import run_networks
from hetsoc.runtime.reference import host_dequantize, host_quantize, reference
from hetsoc.spec.config import load_config

MIXED = [name for name in zoo.names() if name.endswith("-mixed")]
#: The smallest ternary models (by MACs and by cycles under cim), run on Verilator.
RUN = ("ds-cnn-mixed", "resnet-8-mixed")


@pytest.fixture(scope="module")
def graphs():
    return {name: load_model(name)[1] for name in MIXED}


def test_the_zoo_has_ternary_models():
    assert sorted(MIXED) == ["ds-cnn-mixed", "mobilenet-v1-0.25-mixed", "resnet-8-mixed"]


@pytest.mark.parametrize("name", MIXED)
def test_every_mixed_zoo_model_compiles_under_cim(graphs, name, tmp_path):
    graph = graphs[name]
    plan = compile_graph(graph, strategy="cim", out_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(OUTPUTS)
    on_cim = [la.name for la in plan.layers if la.unit == "cim"]
    assert on_cim == cim_layers(plan.graph) and on_cim
    assert {la.unit for la in plan.layers if la.unit} == {"cim", "cpu"}
    source = (tmp_path / "network.c").read_text()
    jobs = 0
    for step in plan.steps:
        if plan.layers[step.layer].unit != "cim":
            continue
        (placed,) = step.parts
        part = placed.part
        jobs += part.info["jobs"]
        # Constants stay in L3 (weights go by DMA into the CIM's window), none staged in L2.
        assert placed.transfers == () and part.stage is False
        at = placed.l3_blob - plan.config.l3.base
        assert plan.l3_image[at:at + len(part.blob)] == part.blob
        assert plan.config.l1.base <= placed.addresses.l1_scratch < plan.config.l1.end
    assert source.count("net_cim_run(") == source.count("net_cim_weights(") == jobs
    # A tensor between CIM layers only stays NHWC (no transposes); every other stays NCHW.
    nhwc = sorted(t for t, lay in plan.layouts.items() if lay == "NHWC")
    between = sorted(la.output for la in plan.layers if la.unit == "cim"
                     and la.output in plan.layouts and len(plan.graph.tensors[la.output].shape) == 4
                     and all(r.unit == "cim" for r in plan.layers if la.output in r.inputs))
    assert nhwc == between
    assert len(nhwc) == {"resnet-8-mixed": 3}.get(name, 0)
    assert plan.manifest["units"]["cim"] == len(on_cim)


def test_reference_follows_the_dispatch(graphs):
    """The compiled network's reference equals the CIM executor with the compiler's
    calibration on every CIM layer, and is not the int8 golden."""
    graph = graphs["resnet-8-mixed"]
    plan = compile_graph(graph, strategy="cim", until="dispatch")
    config = load_config("default")
    x = random_input(graph, 5)
    values = reference(plan, host_quantize(plan, x))
    y = host_dequantize(plan, values[plan.boundary.output])
    plans = plan_cim(plan.graph, calibration_batch(plan.graph), rows=config.cim.rows)
    expected = run_graph_cim(plan.graph, x, plans, rows=config.cim.rows, cols=config.cim.cols)
    assert np.array_equal(y, expected[plan.graph.outputs[0]])
    int8 = run_graph(plan.graph, x, keep=True)
    differ = [n for n in cim_layers(plan.graph)
              if not np.array_equal(values[plan.layer(n).output], int8[plan.layer(n).output])]
    assert differ == cim_layers(plan.graph)


def test_the_smallest_mixed_models_on_the_cim_are_bit_exact(graphs, tmp_path):
    """And ResNet-8-mixed under npu with two layers pinned to the CIM: both units in one
    network."""
    plans = [(compile_graph(graphs[n], strategy="cim", out_dir=tmp_path / n, check_layers=True),
              random_input(graphs[n], 1)) for n in RUN]
    pinned = compile_graph(graphs["resnet-8-mixed"], strategy="npu", check_layers=True,
                           overrides={"conv3": "cim", "conv16": "cim"}, out_dir=tmp_path / "p")
    assert [la.name for la in pinned.layers if la.unit == "cim"] == ["conv3", "conv16"]
    assert {la.unit for la in pinned.layers if la.unit} == {"cim", "npu", "cpu"}
    plans.append((pinned, random_input(graphs["resnet-8-mixed"], 2)))
    runs = run_networks(plans, backend="verilator")
    for (plan, _), run in zip(plans, runs, strict=True):
        assert run.exact, f"{plan.name}: {run.mismatch.line()}"
        assert run.layers_compared == len(plan.steps)
        assert len(run.step_cycles) == len(plan.steps) and sum(run.step_cycles) < run.cycles
        for step, measured in zip(plan.steps, run.step_cycles, strict=True):
            if plan.layers[step.layer].unit == "cim":
                # The check-layers copy after the step is in the measurement, not the estimate.
                copy = step.after[0].size // 8 + 100
                assert abs(measured - copy - step.cycles) <= 0.05 * step.cycles, \
                    (plan.name, plan.layers[step.layer].name, measured, step.cycles)


def _split_models():
    """Models the zoo does not have, with their (row chunks, column chunks) on the default
    macro: a ternary 3x3 conv of 130 -> 520 channels (1,170 rows: two row chunks with int32
    partial sums; two column chunks), with ReLU; a ternary dense layer 1,200 -> 600; a ternary
    3x3 conv of 128 -> 64 channels with stride 2, whose 1,152 rows fill the macro's."""
    sys.path.insert(0, str(Path(__file__).parent / "models"))
    from qdq_builders import conv_model, gemm_model

    rng = np.random.default_rng(11)
    w = rng.integers(-1, 2, (520, 130, 3, 3)).astype(np.int8)
    conv = conv_model((1, 130, 4, 4), (1 / 127, 0), w, np.full(520, 0.05, np.float32),
                      rng.normal(0, 0.3, 520).astype(np.float32), (0.02, -128), relu="relu",
                      pads=[1, 1, 1, 1])
    wd = rng.integers(-1, 2, (600, 1200)).astype(np.int8)
    dense = gemm_model((1, 1200), (1 / 127, 0), wd, np.full(600, 0.03, np.float32),
                       rng.normal(0, 0.3, 600).astype(np.float32), (0.05, 3))
    wf = rng.integers(-1, 2, (64, 128, 3, 3)).astype(np.int8)
    full = conv_model((1, 128, 7, 7), (1 / 127, 0), wf, np.full(64, 0.05, np.float32),
                      rng.normal(0, 0.3, 64).astype(np.float32), (0.05, 0), strides=[2, 2],
                      pads=[1, 1, 1, 1])
    return {"conv": (conv, (2, 2)), "dense": (dense, (2, 2)), "full": (full, (1, 1))}


@pytest.mark.parametrize("sigma", [0.0, 1.5])
def test_layers_beyond_the_macro_split_and_run_bit_exact(tmp_path, sigma):
    """Noise off, and on (1.5 ADC LSBs): the reference draws the hardware's seeded samples,
    per descriptor of each row and column chunk."""
    plans = []
    options = {"cim": {"noise_sigma": sigma}}
    for name, (model, chunks) in _split_models().items():
        path = tmp_path / f"{name}.onnx"
        onnx.save(model, path)
        graph = load_model(path)[1]
        plan = compile_graph(graph, strategy="cim", out_dir=tmp_path / name, check_layers=True,
                             unit_options=options)
        x_q = host_quantize(plan, random_input(graph, 4))
        quiet = compile_graph(graph, strategy="cim", until="dispatch")
        noisy = not np.array_equal(reference(plan, x_q)[plan.boundary.output],
                                   reference(quiet, x_q)[plan.boundary.output])
        assert noisy == (sigma > 0), name
        (step,) = [s for s in plan.steps if plan.layers[s.layer].unit == "cim"]
        info = step.parts[0].part.info
        assert (info["row_chunks"], info["col_chunks"]) == chunks, name
        plans.append((plan, random_input(graph, 4)))
    runs = run_networks(plans, backend="verilator")
    for (plan, _), run in zip(plans, runs, strict=True):
        assert run.exact, f"{plan.name}: {run.mismatch.line()}"
        assert run.layers_compared == len(plan.steps)
        assert len(np.unique(run.output_q)) > 20  # not a saturated or constant output
        (step,) = [k for k, s in enumerate(plan.steps) if plan.layers[s.layer].unit == "cim"]
        info = plan.steps[step].parts[0].part.info
        assert run.step_busy[step] == info["busy_cycles_estimate"]
