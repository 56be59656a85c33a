"""A run that waits forever on a unit ends at its cycle limit with a report naming the unit and
its last descriptor (`hetsoc.sim.watch`): an L3 that stops answering a DMA read or write (the L3
model's hang window), an accelerator still busy; the CLI says so on its one timeout line; the
next program of the batch runs normally (reset clears the hang)."""

import shutil
import subprocess
import sys

import pytest

from hetsoc.accel.npu.testgen import write_headers
from hetsoc.cli import EXIT_TIMEOUT
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.sim.hdl import l3_hang_defines, l3_hang_window
from hetsoc.spec.config import load_config

CONFIG = "default"
LIMIT = 20_000


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("watchdog")
    config = load_config(CONFIG)
    _, _, layers = write_headers(tmp, CONFIG, seed=1)
    longest = max(range(len(layers)), key=lambda i: layers[i].cycles)
    flags = [f"-I{sw_path('drivers')}", f"-I{tmp}"]
    drivers = [sw_path("drivers", "dma.c"), sw_path("drivers", "npu.c")]
    modes = {"read": {"HANG_DMA_READ": None}, "write": {"HANG_DMA_WRITE": None},
             "npu": {"NPU_LONG": longest}}
    elfs = {mode: build_firmware([sw_path("tests", "watchdog.c"), *drivers], CONFIG,
                                 tmp / f"watchdog_{mode}.elf", extra_cflags=flags,
                                 defines={**l3_hang_defines(config), **extra})
            for mode, extra in modes.items()}
    hello = build_firmware([sw_path("examples", "hello.c")], CONFIG, tmp / "hello.elf")
    jobs = [Job(elfs["read"], LIMIT), Job(hello, 200_000), Job(elfs["write"], LIMIT),
            Job(elfs["npu"], LIMIT)]
    read, after, write, npu = run_batch(jobs, CONFIG, "verilator")
    return config, layers[longest], elfs, {"read": read, "after": after, "write": write,
                                           "npu": npu}


def test_an_l3_that_stops_answering_a_read_is_named_with_the_descriptor(runs):
    config, _, _, r = runs
    run = r["read"]
    assert run.status == "timeout" and "watchdog: waiting" in run.console
    hang, _ = l3_hang_window(config)
    assert run.busy_units == [f"dma channel 0 (busy, 0 queued; last descriptor tag 5: 4096 "
                              f"bytes (1 x 1 x 4096) {hang:#010x} -> {config.l2.base:#010x})"]


def test_an_l3_that_stops_taking_a_write_is_named_too(runs):
    config, _, _, r = runs
    hang, _ = l3_hang_window(config)
    assert r["write"].busy_units == [
        f"dma channel 1 (busy, 0 queued; last descriptor tag 6: 4096 bytes (1 x 1 x 4096) "
        f"{config.l2.base:#010x} -> {hang:#010x})"]


def test_a_busy_accelerator_is_named_with_its_descriptor_fields(runs):
    _, layer, _, r = runs
    run = r["npu"]
    assert run.status == "timeout", run.console
    (only,) = run.busy_units
    assert only.startswith("npu (busy; last descriptor ")
    f = layer.job
    assert f"w_base={f.w_base}" in only or f.w_base == 0
    assert f"out_base={f.out_base}" in only


def test_the_next_program_runs_after_a_hang(runs):
    after = runs[3]["after"]
    assert after.passed and after.busy_units == [], after.console


def test_the_cli_timeout_line_names_the_unit(runs, tmp_path):
    config, _, elfs, _ = runs
    proc = subprocess.run([sys.executable, "-m", "hetsoc", "sim-elf", str(elfs["read"]),
                           "--max-cycles", str(LIMIT)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == EXIT_TIMEOUT
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"hetsoc: error: the program did not finish within {LIMIT} "
                               f"cycles; still busy: dma channel 0 (busy, 0 queued; last "
                               f"descriptor tag 5: 4096 bytes")


@pytest.mark.icarus
@pytest.mark.skipif(shutil.which("iverilog") is None,
                    reason="Icarus Verilog (iverilog) is not on PATH")
def test_icarus_names_the_hung_channel_as_verilator_does(runs):
    _, _, elfs, r = runs
    (run,) = run_batch([Job(elfs["read"], LIMIT)], CONFIG, "icarus")
    assert run.status == "timeout" and run.busy_units == r["read"].busy_units
