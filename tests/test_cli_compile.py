"""`hetsoc compile` and `hetsoc run`: what they write and print, and bad input (one line,
exit 2, no traceback, nothing half-written in the output directory)."""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from hetsoc.cli import main

sys.path.insert(0, str(Path(__file__).parent / "models"))
from qdq_builders import conv_model  # noqa: E402


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compile_writes_its_outputs(tmp_path, capsys):
    code, out, err = _run(capsys, "compile", "digits", "--strategy", "npu", "-o",
                          str(tmp_path / "d"))
    assert code == 0, err
    assert "compiled digits for default (npu): 5 layers" in out
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert [layer["unit"] for layer in manifest["layers"] if "unit" in layer] == \
        ["npu", "npu", "npu", "cpu"]
    for layer in manifest["layers"]:
        if "step" in layer:
            assert layer["cycles_estimate"] > 0 and layer["output"]["addr"].startswith("0x2")
    assert (tmp_path / "d" / "firmware.elf").read_bytes()[:4] == b"\x7fELF"


def test_dump_after_prints_the_plan_and_stops(tmp_path, capsys):
    code, out, _ = _run(capsys, "compile", "digits", "--dump-after", "dispatch")
    assert code == 0
    plan = json.loads(out)
    assert plan["passes_done"] == ["legalize", "dispatch"]
    assert [la.get("unit") for la in plan["layers"]] == [None, "npu", "npu", "npu", "cpu"]


def test_run_golden_prints_the_output(capsys):
    code, out, _ = _run(capsys, "run", "digits", "--backend", "golden")
    assert code == 0 and out.startswith("output probabilities float32[1, 10]: [")


def test_run_verilator_is_bit_exact_and_writes_the_output(tmp_path, capsys):
    x = np.random.default_rng(4).uniform(0, 1, (1, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    code, out, err = _run(capsys, "run", "digits", "--backend", "verilator", "--strategy",
                          "npu", "--input", str(tmp_path / "x.npy"), "--output",
                          str(tmp_path / "y.out"), "--check-layers")
    assert code == 0, err
    assert "bit-exact with golden: all 4 layers and the output" in out
    assert "cycles=" in out
    y = np.load(tmp_path / "y.out")  # written under the exact name given
    code, golden_out, _ = _run(capsys, "run", "digits", "--input", str(tmp_path / "x.npy"),
                               "--output", str(tmp_path / "golden.npy"))
    assert code == 0 and golden_out.splitlines()[0] in out
    assert np.array_equal(y, np.load(tmp_path / "golden.npy")) and y.dtype == np.float32


def test_run_cim_strategy_on_verilator(capsys):
    """`hetsoc run` under cim: ResNet-8-mixed's eight ternary layers on the CIM, bit-exact with
    the reference that follows the dispatch; the golden backend prints the same output."""
    code, out, err = _run(capsys, "run", "resnet-8-mixed", "--backend", "verilator",
                          "--strategy", "cim")
    assert code == 0, err
    assert "(verilator, cim strategy, config default)" in out
    assert "bit-exact with golden: the output" in out
    code, golden_out, err = _run(capsys, "run", "resnet-8-mixed", "--strategy", "cim")
    assert code == 0, err
    assert golden_out.splitlines()[0] == out.splitlines()[0]


@pytest.mark.parametrize("argv, message", [
    (["compile", "digits", "--strategy", "gpu", "-o", "{tmp}/o"],
     "unknown strategy 'gpu': choose one of cpu, npu, cim"),
    (["compile", "digits", "-o", "{tmp}/o", "--overrides", "{tmp}/none.toml"],
     "overrides file '{tmp}/none.toml' does not exist"),
    (["compile", "digits", "-o", "{tmp}/o", "--overrides", "{tmp}/bad.toml"],
     "overrides file '{tmp}/bad.toml': layer 'dense1' must be pinned to one of cpu, npu, cim, "
     "not 'tpu'"),
    (["compile", "digits", "-o", "{tmp}/o", "--overrides", "{tmp}/pool.toml"],
     "overrides: layer 'softmax' (softmax) is pinned to the npu, which cannot run it: npu: "
     "it runs conv2d, depthwise conv2d, dense and add, not softmax"),
    (["compile", "digits", "--strategy", "cim", "-o", "{tmp}/o"],
     "strategy cim: model 'digits' has no layer the CIM runs (a ternary conv2d or dense "
     "layer); use --strategy cpu or npu"),
    (["run", "resnet-8", "--backend", "verilator", "--strategy", "cim"],
     "strategy cim: model 'resnet-8' has no layer the CIM runs"),
    (["compile", "digits", "-o", "{tmp}/o", "--overrides", "{tmp}/cim.toml"],
     "overrides: layer 'dense1' (dense) is pinned to the cim, which cannot run it: cim: its "
     "weights are not ternary ({{-1, 0, +1}})"),
    (["compile", "resnet-8-mixed", "--strategy", "cim", "--cim-noise", "-1", "-o", "{tmp}/o"],
     "the CIM's noise_sigma (ADC LSBs): sigma must be a number >= 0, not -1.0"),
    (["compile", "resnet-8-mixed", "--strategy", "cim", "--config", "pynq-z2", "-o", "{tmp}/o"],
     "the activations need 65792 bytes of L1 (65792 live at layer 'conv5'), L1 has 65536: too "
     "big until tiling lands"),
    (["compile", "resnet-8-mixed", "--strategy", "cim", "--config", "npu-only", "-o", "{tmp}/o"],
     "strategy cim: config 'npu-only' has no cim"),
    (["compile", "digits", "-o", "{tmp}/file"],
     "output '{tmp}/file' exists and is not a directory: choose a directory for -o"),
    (["compile", "digits"], "give an output directory with -o DIR (or stop early with "
                            "--dump-after PASS)"),
    (["compile", "nope", "-o", "{tmp}/o"], "'nope' is neither a zoo model"),
    (["compile", "resnet-8", "--config", "{small}", "-o", "{tmp}/o"],
     "layer 'conv1' (conv2d) needs 19456 bytes of L1 (inputs 3072, output 16384), L1 has "
     "8192: it is too big until tiling lands; use a config with a larger L1"),
    (["compile", "{tmp}/grouped.onnx", "-o", "{tmp}/o"],
     "(conv2d): no unit runs it (npu: groups 2: it runs groups 1 or depthwise; cpu: conv2d "
     "groups must be 1 or the channel count (depthwise), not 2)"),
    (["run", "digits", "--output", "{tmp}"], "--output '{tmp}' is a directory: give a file "
                                             "name"),
    (["run", "digits", "--output", "{tmp}/no/y.npy"], "--output '{tmp}/no/y.npy': directory "
                                                      "'{tmp}/no' does not exist"),
    (["run", "digits", "--input", "{tmp}/nan.npy"], "input holds NaN or infinite values: give "
                                                    "finite float32 values"),
    (["run", "digits", "--input", "{tmp}/x64.npy"], "input must be float32 (as the model "
                                                    "declares), not float64"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, argv, message):
    small = Path(__file__).parent / "dma" / "small.toml"
    grouped = conv_model((1, 4, 6, 6), (0.05, 0), np.ones((4, 2, 3, 3), np.int8),
                         np.full(4, 0.01, np.float32), None, (0.1, 0), group=2,
                         pads=[1, 1, 1, 1])
    onnx.save(grouped, tmp_path / "grouped.onnx")
    (tmp_path / "bad.toml").write_text('[layers]\ndense1 = "tpu"\n')
    (tmp_path / "pool.toml").write_text('[layers]\nsoftmax = "npu"\n')
    (tmp_path / "cim.toml").write_text('[layers]\ndense1 = "cim"\n')
    (tmp_path / "file").write_text("")
    np.save(tmp_path / "nan.npy", np.full((1, 1, 8, 8), np.nan, np.float32))
    np.save(tmp_path / "x64.npy", np.zeros((1, 1, 8, 8)))
    before = sorted(tmp_path.iterdir())
    argv = [a.format(tmp=tmp_path, small=small) for a in argv]
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("hetsoc: error: ")
    assert message.format(tmp=tmp_path) in err
    assert sorted(tmp_path.iterdir()) == before  # no output directory, nothing half-written
