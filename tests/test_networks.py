"""Whole networks compiled to firmware and run on the Verilator SoC, bit-exact with golden.

The reference is the golden executor on the same int8 input (`hetsoc.runtime.reference`);
every run also checks the firmware's step marks (one per step, increasing) against the total
cycle count of the core. Every zoo model runs on the NPU; ds-cnn, autoencoder, digits, ResNet-8
and MobileNet also on the CPU (ResNet-8 and MobileNet are 38M and 30M cycles there, about 35 s
each at the simulator's speed with the core working on L1 and L2); `bench/networks.py` has the
cycle figures of every model under both strategies.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from hetsoc import zoo
from hetsoc.compiler import OUTPUTS, compile_graph
from hetsoc.crosscheck import random_input
from hetsoc.models import load_model
from hetsoc.runtime import run_networks

sys.path.insert(0, str(Path(__file__).parent / "models"))
import unseen  # noqa: E402

CPU_SMALL = ("ds-cnn", "autoencoder", "digits")


@pytest.fixture(scope="module")
def graphs():
    return {name: load_model(name)[1] for name in zoo.names()}


def _check(runs, plans):
    for (plan, _), run in zip(plans, runs, strict=True):
        assert run.exact, f"{plan.name} ({plan.strategy}): {run.mismatch.line()}"
        assert np.array_equal(run.output_q, run.reference_q)
        assert len(run.step_cycles) == len(plan.steps)
        assert all(c > 0 for c in run.step_cycles)
        assert sum(run.step_cycles) < run.cycles


@pytest.mark.parametrize("strategy", ["cpu", "npu"])
def test_every_zoo_model_compiles(graphs, strategy, tmp_path):
    for name, graph in graphs.items():
        plan = compile_graph(graph, strategy=strategy, out_dir=tmp_path / name)
        assert sorted(p.name for p in (tmp_path / name).iterdir() if p.is_file()) == \
            sorted(OUTPUTS)
        assert plan.manifest["macs"] == sum(
            p.part.macs for s in plan.steps for p in s.parts)


def test_every_zoo_model_on_the_npu_is_bit_exact(graphs, tmp_path):
    plans = [(compile_graph(g, strategy="npu", out_dir=tmp_path / n), random_input(g, 1))
             for n, g in graphs.items()]
    runs = run_networks(plans, backend="verilator")
    _check(runs, plans)
    for plan, _ in plans:
        assert any(plan.layers[s.layer].unit == "npu" for s in plan.steps), plan.name


def test_small_zoo_models_on_the_cpu_are_bit_exact(graphs, tmp_path):
    plans = [(compile_graph(graphs[n], strategy="cpu", out_dir=tmp_path / n),
              random_input(graphs[n], 2)) for n in CPU_SMALL]
    _check(run_networks(plans, backend="verilator"), plans)


@pytest.mark.parametrize("name", ["resnet-8", "mobilenet-v1-0.25"])
def test_large_zoo_models_on_the_cpu_are_bit_exact(graphs, name, tmp_path):
    plans = [(compile_graph(graphs[name], strategy="cpu", out_dir=tmp_path / name),
              random_input(graphs[name], 2))]
    _check(run_networks(plans, backend="verilator"), plans)


def test_an_unseen_qdq_model_under_both_strategies(tmp_path):
    path = tmp_path / "unseen.onnx"
    onnx.save(unseen.qdq_model(), path)
    graph = load_model(path)[1]
    ops = {n.op for n in graph.nodes}
    assert {"conv2d", "dense", "add", "maxpool", "avgpool"} <= ops
    plans = [(compile_graph(graph, strategy=s, out_dir=tmp_path / s, check_layers=True),
              unseen.calibration(1, seed=s == "npu")[0][None]) for s in ("cpu", "npu")]
    runs = run_networks(plans, backend="verilator")
    _check(runs, plans)
    for (plan, _), run in zip(plans, runs, strict=True):
        assert run.layers_compared == len(plan.steps)
    units = {layer.name: layer.unit for layer in plans[1][0].layers}
    assert units["conv_asym"] == units["dw_s2"] == units["residual"] == "npu"
    assert units["maxpool"] == units["avgpool"] == "cpu"


@pytest.mark.icarus
@pytest.mark.skipif(shutil.which("iverilog") is None,
                    reason="Icarus Verilog (iverilog) is not on PATH")
def test_icarus_runs_a_network_cycle_for_cycle_as_verilator(graphs, tmp_path):
    """DMA, NPU and CPU kernels under Icarus: bit-exact, and the same cycle count."""
    graph = graphs["digits"]
    plan = compile_graph(graph, strategy="npu", out_dir=tmp_path, check_layers=True)
    x = random_input(graph, 3)
    (icarus,) = run_networks([(plan, x)], backend="icarus")
    (verilator,) = run_networks([(plan, x)], backend="verilator")
    _check([icarus], [(plan, x)])
    assert icarus.layers_compared == len(plan.steps)
    assert (icarus.cycles, icarus.step_cycles) == (verilator.cycles, verilator.step_cycles)
