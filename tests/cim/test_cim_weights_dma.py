"""CIM programming by DMA from L3 on the Verilator SoC: the CIM firmware test's layers with every
descriptor's weights programmed by DMA into the CIM's window (bit-exact with golden, busy cycles
the timing model's, PROG_CYCLES the programming model's), and what the window refuses: any write
while a descriptor runs (a bus error, nothing written), a transfer leaving the channel's write
window or the unit's window."""

import re

import pytest

from hetsoc.accel.cim.cost import dma_program_cycles
from hetsoc.accel.cim.testgen import dma_cases, l3_windows, write_headers
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.config import load_config

CONFIG = "default"
SEED = 1


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cim_dma")
    config = load_config(CONFIG)
    layers = write_headers(tmp, CONFIG, seed=SEED)
    l3 = config.l3.base
    header, blob = dma_cases(config, l3, seed=SEED + 100)   # write_headers' valid layer
    (tmp / "cim_dma_cases.h").write_text(header)
    flags = [f"-I{sw_path('drivers')}", f"-I{tmp}"]
    drivers = [sw_path("drivers", "cim.c"), sw_path("drivers", "dma.c")]
    layer_elf = build_firmware([sw_path("tests", "cim_layer.c"), *drivers], CONFIG,
                               tmp / "cim_layer_dma.elf",
                               extra_cflags=[*flags, f"-DCIM_WEIGHTS_L3=0x{l3:x}u"])
    errors_elf = build_firmware([sw_path("tests", "cim_dma_errors.c"), *drivers], CONFIG,
                                tmp / "cim_dma_errors.elf", extra_cflags=flags)
    jobs = [Job(layer_elf, max_cycles=5_000_000, l3_load=(l3, l3_windows(config, layers))),
            Job(errors_elf, max_cycles=1_000_000, l3_load=(l3, blob))]
    layer_run, errors_run = run_batch(jobs, CONFIG, "verilator")
    return config, layers, layer_run, errors_run


def test_layers_programmed_by_dma_are_bit_exact_with_golden(results):
    config, layers, run, _ = results
    assert run.passed, f"{run.status} {run.exit_code}: {run.console}"
    assert "cim_layer: ok" in run.console
    for layer in layers:
        line = re.search(rf"cim_layer: {layer.name}: (\d+) descriptors, busy (\d+) \(model "
                         rf"\d+\), mvms (\d+) .* programming beats (\d+) .* (\d+) mismatches",
                         run.console)
        assert line, run.console
        want_beats = sum(dma_program_cycles(job.weights.shape[0] * config.cim.cols // 4)
                         for job in layer.jobs)
        assert tuple(map(int, line.groups())) == (
            len(layer.jobs), layer.busy_cycles, layer.mvms, want_beats, 0)


def test_the_cim_window_refuses_writes_while_busy_and_transfers_out_of_bounds(results):
    *_, run = results
    assert run.passed, f"{run.status} {run.exit_code}: {run.console}"
    checks = re.findall(r"cim_dma_errors: ([^\n]+): (ok|FAIL)\n", run.console)
    assert len(checks) == 7 and all(v == "ok" for _, v in checks), run.console
    assert "cim_dma_errors: ok" in run.console


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
