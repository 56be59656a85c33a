"""NPU weights by DMA from L3 on the Verilator SoC: every layer of the NPU firmware test with its
weights loaded by DMA into the NPU's window (bit-exact with golden, busy cycles the model's), and
what the window refuses: the running layer's words (a bus error, nothing written), a transfer
leaving the channel's write window or the unit's window."""

import re

import pytest

from hetsoc.accel.npu.testgen import dma_cases, l3_weights, write_headers
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.config import load_config

CONFIG = "default"
_DMA_LINE = re.compile(r"npu_layer: (\w+): (\d+) weight bytes by DMA in (\d+) cycles")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("npu_dma")
    config = load_config(CONFIG)
    _, _, layers = write_headers(tmp / "gen", CONFIG, seed=1)
    l3 = config.l3.base
    header, blob = dma_cases(config, layers, l3)
    (tmp / "gen" / "npu_dma_cases.h").write_text(header)
    flags = [f"-I{sw_path('drivers')}", f"-I{tmp / 'gen'}"]
    drivers = [sw_path("drivers", "npu.c"), sw_path("drivers", "dma.c")]
    layer_elf = build_firmware([sw_path("tests", "npu_layer.c"), *drivers], CONFIG,
                               tmp / "npu_layer_dma.elf",
                               extra_cflags=[*flags, f"-DNPU_WEIGHTS_L3=0x{l3:x}u"])
    errors_elf = build_firmware([sw_path("tests", "npu_dma_errors.c"), *drivers], CONFIG,
                                tmp / "npu_dma_errors.elf", extra_cflags=flags)
    jobs = [Job(layer_elf, max_cycles=3_000_000, l3_load=(l3, l3_weights(layers))),
            Job(errors_elf, max_cycles=1_000_000, l3_load=(l3, blob))]
    layer_run, errors_run = run_batch(jobs, CONFIG, "verilator")
    return layers, layer_run, errors_run


def test_layers_with_weights_by_dma_are_bit_exact_with_golden(results):
    layers, run, _ = results
    assert run.passed, f"{run.status} {run.exit_code}: {run.console}"
    assert "npu_layer: ok" in run.console
    loads = {name: (int(n), int(c)) for name, n, c in _DMA_LINE.findall(run.console)}
    # every layer with weights loaded them by DMA, the whole image
    want = {la.name: -(-len(la.job.weights) // 8) * 8 for la in layers if la.job.weights}
    assert {name: n for name, (n, _) in loads.items()} == want, run.console


def test_the_weight_window_refuses_words_in_use_and_transfers_out_of_bounds(results):
    _, _, run = results
    assert run.passed, f"{run.status} {run.exit_code}: {run.console}"
    checks = re.findall(r"npu_dma_errors: ([^:\n]+(?::[^:\n]+)?): (ok|FAIL)", run.console)
    assert len(checks) == 9 and all(v == "ok" for _, v in checks), run.console
    assert "npu_dma_errors: ok" in run.console


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
