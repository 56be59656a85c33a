"""DMA firmware on the Verilator SoC: the driver, the L3 -> L2 -> L1 -> L2 -> L3 round trip,
protection with interrupts, two channels at once, and AXI errors from the L3 model's fault
window (``hetsoc.sim.hdl.l3_fault_window``) ending descriptors with BUS_ERROR."""

import pytest

from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.sim.hdl import l3_fault_defines
from hetsoc.spec.config import load_config

CONFIG = "default"
PROGRAMS = ("dma_chain", "dma_errors", "dma_two_channels", "dma_bus_error")


def _defines(name):
    # The fault window is the simulation's, so the firmware gets it from here, not a literal.
    return l3_fault_defines(load_config(CONFIG)) if name == "dma_bus_error" else None


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dma_fw")
    elfs = [build_firmware([sw_path("tests", f"{name}.c"), sw_path("drivers", "dma.c")],
                           CONFIG, tmp / f"{name}.elf", defines=_defines(name),
                           extra_cflags=[f"-I{sw_path('drivers')}"]) for name in PROGRAMS]
    runs = run_batch([Job(elf, max_cycles=2_000_000) for elf in elfs], CONFIG, "verilator")
    return dict(zip(PROGRAMS, runs, strict=True))


@pytest.mark.parametrize("name", PROGRAMS)
def test_dma_program_passes(results, name):
    result = results[name]
    assert result.passed, f"{result.status} {result.exit_code}: {result.console}"
    assert f"{name}: ok" in result.console


def test_bus_errors_reach_the_firmware(results):
    console = results["dma_bus_error"].console
    for what in ("read from the window", "write into the window",
                 "read running into the window"):
        assert f"dma_bus_error: {what}: bus error" in console, console
    assert "dma_bus_error: read below the window: ok" in console, console
