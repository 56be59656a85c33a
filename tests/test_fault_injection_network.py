"""Fault injection through the network runtime (Verilator): an L3 error injected over a compiled
network's data (`run_network(..., l3_fault=...)`) ends the run with one line naming the layer,
its unit, the transfer and the DMA descriptor that failed, and the network's L3 as the run left
it shows nothing written but the layer copies of the steps that had finished.

The model is the ToyADMOS autoencoder on the NPU, whose first and last dense layers are two NPU
parts each (their weights do not fit the weight memory at once): the fault lies in the middle
of the last layer's second part's constants, so the layer's first part has run when its second
part's load fails part-way, mid-layer. A second case puts the fault in the network's input
(loaded before the first layer), through `hetsoc run` in-process: its one error line.
"""

import functools
import re

import numpy as np
import pytest

from hetsoc import cli, runtime
from hetsoc.compiler import compile_graph
from hetsoc.crosscheck import random_input
from hetsoc.models import load_model
from hetsoc.runtime import UNWRITTEN, RunError, run_network
from hetsoc.runtime.reference import host_quantize, reference

MODEL = "autoencoder"
SEED = 1


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    graph = load_model(MODEL)[1]
    plan = compile_graph(graph, strategy="npu", check_layers=True,
                         out_dir=tmp_path_factory.mktemp("fault_network"))
    return graph, plan


def _mid_layer(plan):
    """The last step with two NPU parts, and the transfer of its second part's constants."""
    i = max(k for k, s in enumerate(plan.steps) if len(s.parts) > 1)
    (load,) = plan.steps[i].parts[1].transfers
    return i, load


@pytest.fixture(scope="module")
def mid_layer(network):
    graph, plan = network
    step, load = _mid_layer(plan)
    fault = (load.src + load.size // 2 // 8 * 8, 16)
    with pytest.raises(RunError) as info:
        run_network(plan, random_input(graph, SEED), l3_fault=fault)
    return step, load, fault, info.value


def _descriptor(src, dst, n, tag):
    return f"descriptor tag {tag}: {n} bytes (1 x 1 x {n}) {src:#010x} -> {dst:#010x}"


def test_the_error_names_the_layer_its_unit_the_transfer_and_the_descriptor(network, mid_layer):
    _, plan = network
    step, load, fault, error = mid_layer
    layer = plan.layers[plan.steps[step].layer]
    assert layer.unit == "npu" and load.size <= 65528   # one descriptor, tag 2 (netrt.c)
    message = str(error)
    assert "\n" not in message
    m = re.fullmatch(
        rf"the firmware stopped: a DMA transfer failed: layer {re.escape(repr(layer.name))} "
        rf"\({layer.op} on the npu, step {step}\): {re.escape(load.what)}: DMA channel 0: "
        rf"bus error on {re.escape(_descriptor(load.src, load.dst, load.size, 2))}; "
        rf"(\d+) of {load.size} bytes written", message)
    assert m, message
    assert 0 < int(m.group(1)) <= fault[0] - load.src   # part-way, nothing from the fault on
    assert error.result.status == "exit" and error.result.exit_code == 10


def test_nothing_in_l3_changed_but_the_copies_of_the_layers_that_finished(network, mid_layer):
    graph, plan = network
    step, _, _, error = mid_layer
    base, used = plan.l3_regions["used"]
    got = np.frombuffer(error.result.l3_dumps[-1], np.uint8)[:used]
    x_q = host_quantize(plan, random_input(graph, SEED))
    ref = reference(plan, x_q)
    # What L3 held before the run: the image (constants, input), then UNWRITTEN bytes.
    image = np.frombuffer(runtime._l3_load(plan, x_q)[1], np.uint8)
    want = np.full(used, UNWRITTEN, np.uint8)
    want[:len(image)] = image
    checked = np.ones(used, bool)
    for s in plan.steps[:step]:   # the steps that finished copied their outputs: golden's
        data = np.frombuffer(np.asarray(ref[plan.layers[s.layer].output], np.int8).tobytes(),
                             np.uint8)
        off = s.debug_addr - base
        want[off:off + len(data)] = data
        checked[off + len(data):off + -(-len(data) // 8) * 8] = False   # L1's padding bytes
    assert step > 0 and np.count_nonzero(~checked) < 8 * step
    assert np.array_equal(got[checked], want[checked])
    # The copy of the failing layer's output and the network's output were never written.
    for addr in (plan.steps[step].debug_addr, plan.l3_regions["output"][0]):
        assert got[addr - base] == UNWRITTEN


def test_hetsoc_run_prints_one_line_naming_the_load_before_the_first_layer(network, monkeypatch,
                                                                          capsys):
    graph, _ = network
    plan = compile_graph(graph, strategy="npu")    # as `hetsoc run` compiles it
    addr, size = plan.l3_regions["input"]
    (load,) = [t for t in plan.prologue if t.src == addr]
    # The fault is the input's second beat: the chunk holding it is its first, so nothing of
    # the input is written.
    monkeypatch.setattr(runtime, "run_network",
                        functools.partial(run_network, l3_fault=(addr + 8, 8)))
    code = cli.main(["run", MODEL, "--backend", "verilator", "--strategy", "npu"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_TRAP
    assert err == (f"hetsoc: error: the firmware stopped: a DMA transfer failed: before the "
                   f"first layer: {load.what}: DMA channel 0: bus error on "
                   f"{_descriptor(addr, load.dst, load.size, 2)}; 0 of {load.size} bytes "
                   f"written\n"), err
