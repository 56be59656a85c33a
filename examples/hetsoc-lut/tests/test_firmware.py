"""Real C on the SoC of configs/lut.toml under Verilator (the engine compiled from its Verilog
with the SoC): the driver loads tables and runs descriptors; each output is golden's, each
refusal the code golden names, and BUSY_CYCLES is the cycle model exactly, with no stall."""

import re
from pathlib import Path

import pytest
from hetsoc_lut.spec import LutError
from hetsoc_lut.testgen import firmware_header

from hetsoc.firmware import build_firmware
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.accelerators import driver_paths
from hetsoc.spec.config import load_config

HERE = Path(__file__).resolve().parent
CONFIG = HERE.parent / "configs" / "lut.toml"
_LINE = re.compile(r"^lut: (.+?): code (\w+) busy (\d+) stall (\d+) work (\d+) rd (\d+) "
                   r"wr (\d+)", re.M)
_NAMES = {LutError.NONE: "ok", LutError.EMPTY: "empty", LutError.ALIGN: "align",
          LutError.WINDOW: "window", LutError.OVERLAP: "overlap"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    config = load_config(CONFIG)
    slot = config.accelerator("lut")
    tmp = tmp_path_factory.mktemp("lut")
    cases = firmware_header(tmp / "lut_cases.h", lanes=slot.params.lanes,
                            l1_size=config.l1.size, seed=11)
    driver = driver_paths(slot.plugin)
    elf = build_firmware([HERE / "fw" / "lut_test.c", *driver], config, tmp / "lut_test.elf",
                         extra_cflags=[f"-I{driver[0].parent}", f"-I{tmp}"])
    (result,) = run_batch([Job(elf, max_cycles=2_000_000)], config, "verilator")
    return cases, result


def test_every_case_is_golden(run):
    cases, result = run
    assert result.passed, f"{result.status}: {result.console}"
    assert "lut_test: ok" in result.console


def test_counters_are_the_cycle_model(run):
    cases, result = run
    lines = {m[0]: m[1:] for m in _LINE.findall(result.console)}
    assert set(lines) == {c.name for c in cases}
    for c in cases:
        code, busy, stall, work, rd, wr = lines[c.name]
        moved = c.count if c.code == LutError.NONE else 0
        assert code == _NAMES[c.code], c.name
        assert (int(busy), int(stall), int(work), int(wr)) == (c.cycles, 0, moved, moved), c.name
        assert int(rd) == -(-moved // 8) * 8, c.name     # whole words read
