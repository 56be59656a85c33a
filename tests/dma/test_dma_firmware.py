"""DMA firmware on the Verilator SoC: the driver, the L3 -> L2 -> L1 -> L2 -> L3 round trip,
protection with interrupts, two channels at once."""

import pytest

from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch

PROGRAMS = ("dma_chain", "dma_errors", "dma_two_channels")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dma_fw")
    elfs = [build_firmware([sw_path("tests", f"{name}.c"), sw_path("drivers", "dma.c")],
                           "default", tmp / f"{name}.elf",
                           extra_cflags=[f"-I{sw_path('drivers')}"]) for name in PROGRAMS]
    runs = run_batch([Job(elf, max_cycles=2_000_000) for elf in elfs], "default", "verilator")
    return dict(zip(PROGRAMS, runs, strict=True))


@pytest.mark.parametrize("name", PROGRAMS)
def test_dma_program_passes(results, name):
    result = results[name]
    assert result.passed, f"{result.status} {result.exit_code}: {result.console}"
    assert f"{name}: ok" in result.console
