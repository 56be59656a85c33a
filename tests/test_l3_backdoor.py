"""The HDL simulations' L3 backdoor: bytes loaded into the L3 model before a run reach the SoC
through the DMA, and what the DMA writes to L3 comes back in the job's L3 dump."""

import numpy as np
import pytest

from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.config import load_config

CONFIG = load_config("default")
SRC = CONFIG.l3.base + 0x1238  # not at the start of the array, 8-byte aligned
DST = CONFIG.l3.base + 0x8000
SIZE = 1000


def test_l3_load_and_dump_round_trip(tmp_path):
    elf = build_firmware([sw_path("tests", "l3_backdoor.c"), sw_path("drivers", "dma.c")],
                         CONFIG, tmp_path / "l3_backdoor.elf",
                         defines={"L3_SRC": f"{SRC:#x}u", "L3_DST": f"{DST:#x}u",
                                  "SRC_BYTES": f"{SIZE}u"},
                         extra_cflags=[f"-I{sw_path('drivers')}"])
    data = np.random.default_rng(5).integers(0, 256, SIZE).astype(np.uint8)
    (res,) = run_batch([Job(elf, 2_000_000, l3_load=(SRC, data.tobytes()),
                            l3_dump=((DST, SIZE), (SRC, 16)))], CONFIG, "verilator")
    assert res.passed, (res.status, res.exit_code, res.console)
    assert res.l3_dumps[0] == (data + 1).astype(np.uint8).tobytes()
    assert res.l3_dumps[1] == data[:16].tobytes()  # the source is left as loaded


def test_l3_ranges_are_checked():
    with pytest.raises(ValueError, match="must be 8-byte aligned and inside L3"):
        run_batch([Job("unused.elf", l3_load=(SRC + 4, b"\0" * 8))], CONFIG, "verilator")
    with pytest.raises(ValueError, match="the amaranth backend has no L3 backdoor"):
        run_batch([Job("unused.elf", l3_dump=((SRC, 8),))], CONFIG, "amaranth")
