"""hetsoc cim-sweep and the CIM-mapped golden executor."""

import json

import numpy as np
import pytest

from hetsoc import zoo
from hetsoc.accel.cim.network import cim_layers, plan_cim, run_graph_cim, ternarize_hidden
from hetsoc.cli import main
from hetsoc.golden import run_graph
from hetsoc.onnx_import import import_model


@pytest.fixture(scope="module")
def resnet():
    return import_model(zoo.load("resnet-8-mixed"), name="resnet-8-mixed")


def test_eligible_layers_are_the_ternary_convs(resnet):
    ternary = [n.name for n in resnet.nodes if n.op == "conv2d"
               and np.isin(resnet.tensors[n.inputs[1]].data, (-1, 0, 1)).all()]
    assert cim_layers(resnet) == ternary and len(ternary) == 8


def test_digits_needs_ternarize_and_maps_dense2():
    g = import_model(zoo.load("digits"), name="digits")
    assert cim_layers(g) == []
    assert cim_layers(ternarize_hidden(g)) == ["dense2"]


def test_noise_zero_is_deterministic_and_noise_moves_outputs(resnet):
    x = zoo.report_inputs("resnet-8-mixed")[:2]
    plans = plan_cim(resnet, x, rows=288)
    out = resnet.outputs[0]
    a = run_graph_cim(resnet, x[:1], plans, rows=288, cols=64)[out]
    b = run_graph_cim(resnet, x[:1], plans, rows=288, cols=64)[out]
    c = run_graph_cim(resnet, x[:1], plans, rows=288, cols=64, noise_scale=4000, seed=1)[out]
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert run_graph(resnet, x[:1])[out].shape == a.shape


def test_cli_cim_sweep(tmp_path, capsys):
    png = tmp_path / "s.png"
    rc = main(["cim-sweep", "digits", "--ternarize", "--sigma", "0,2", "--seeds", "2",
               "--images", "40", "--plot", str(png)])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads(out[-1])
    assert [r["sigma"] for r in result["sweep"]] == [0, 2]
    assert result["sweep"][0]["top1_agree"] == [1.0]
    assert len(result["sweep"][1]["accuracy"]) == 2


@pytest.mark.parametrize("argv,message", [
    (["digits"], "hetsoc: error: model digits has no CIM-eligible layer (ternary conv2d with "
                 "groups 1 or dense); --ternarize maps its hidden layers to the CIM"),
    (["digits", "--sigma", "1,-1"],
     "hetsoc: error: --sigma must be comma-separated numbers >= 0, not '1,-1'"),
    (["nosuch"], "hetsoc: error: model must be a zoo model ("),
])
def test_cli_cim_sweep_errors(argv, message, capsys):
    assert main(["cim-sweep", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_stuck_cells_change_the_cim_output(resnet):
    from hetsoc.golden.cim_noise import fault_map

    x = zoo.report_inputs("resnet-8-mixed")[:1]
    plans = plan_cim(resnet, x, rows=288)
    out = resnet.outputs[0]
    a = run_graph_cim(resnet, x, plans, rows=288, cols=64)[out]
    none = run_graph_cim(resnet, x, plans, rows=288, cols=64,
                         faults=fault_map(288, 64, 0.0, seed=1))[out]
    bad = run_graph_cim(resnet, x, plans, rows=288, cols=64,
                        faults=fault_map(288, 64, 0.3, seed=1))[out]
    np.testing.assert_array_equal(a, none)
    assert (a != bad).any()
