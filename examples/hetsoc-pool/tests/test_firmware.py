"""Real C on the SoC under Verilator: the example config's pooling unit runs the generated
layers through the C driver; every output is golden's, and the counters the firmware prints
are the models' (WORK the outputs, BUSY_CYCLES the cycle model exactly, no stall: nothing else
uses L1 meanwhile, L1 bytes read and written); the refused descriptors end with their codes."""

import re
from pathlib import Path

import pytest

from hetsoc.firmware import build_firmware
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.accelerators import driver_paths
from hetsoc_pool.golden import CHECK_CYCLES
from hetsoc_pool.testgen import error_cases, write_header

FW = Path(__file__).parent / "fw"
_LINE = re.compile(r"pool_layers: (\w+)( \(irq\))?: (\d+) outputs, (\d+) busy cycles, "
                   r"(\d+) stall cycles, (\d+) read bytes, (\d+) written bytes")
_ERROR = re.compile(r"pool_layers: error ([\w ]+): code (\d+) \((\w+)\), (\d+) busy cycles")


@pytest.fixture(scope="module")
def run(config, slot, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pool_fw")
    lanes, l1_size = slot.params.lanes, config.l1.size
    layers = write_header(tmp / "gen", lanes, l1_size, seed=5)
    drivers = driver_paths(slot.plugin)
    flags = [f"-I{tmp / 'gen'}", *{f"-I{p.parent}" for p in drivers}]
    elf = build_firmware([FW / "pool_layers.c", *drivers], config, tmp / "pool_layers.elf",
                         extra_cflags=flags)
    (result,) = run_batch([Job(elf, max_cycles=3_000_000)], config, "verilator")
    print(result.console)
    return layers, result


def test_layers_are_golden(run):
    layers, result = run
    assert result.passed, f"{result.status}: {result.console}"
    assert "pool_layers: ok" in result.console


def test_counters_are_the_models(run, slot):
    layers, result = run
    seen = {m.group(1): m.groups() for m in _LINE.finditer(result.console)}
    assert set(seen) == {la.name for la in layers}, result.console
    for la in layers:
        _, irq, outputs, busy, stall, read, written = seen[la.name]
        assert (int(outputs), int(busy), int(stall), int(read), int(written)) == (
            la.outputs, la.cycles, 0, la.beats * slot.params.lanes, la.outputs), la.name
    assert seen[layers[1].name][1] == " (irq)"


def test_errors_are_refused(run, config, slot):
    layers, result = run
    want = {name: code for name, _, code in error_cases(layers[0], config.l1.size)}
    seen = {m.group(1): m.groups() for m in _ERROR.finditer(result.console)}
    assert set(seen) == set(want), result.console
    for name, code in want.items():
        _, got, label, busy = seen[name]
        assert (int(got), label, int(busy)) == (int(code), code.name.lower(), CHECK_CYCLES), name
