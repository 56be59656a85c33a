"""Nothing is typed twice: move bit-fields of the register layouts in Python (hetsoc.spec),
regenerate the gateware and the C header from them, and the firmware tests of every driver
still pass (tests/mutation/run_mutated.py), while the generated masks did move."""

import json
import subprocess
import sys
from pathlib import Path

from hetsoc.cheader import generate_header
from hetsoc.spec.config import load_config

SCRIPT = Path(__file__).resolve().parent / "mutation" / "run_mutated.py"


def _masks(header: str) -> dict[str, str]:
    return {line.split()[1]: line.split()[2] for line in header.splitlines()
            if line.startswith("#define") and line.split()[1].endswith("_MASK")}


def test_moved_bit_fields_change_nothing_but_the_bits(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True,
                          text=True, timeout=1200)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(" pass " in line for line in lines[:-1]) and len(lines) == 8, proc.stdout
    moved, original = json.loads(lines[-1]), _masks(generate_header(load_config("default")))
    for name in ("HETSOC_ACC_STATUS_DONE_MASK", "HETSOC_ACC_STATUS_CODE_MASK",
                 "HETSOC_ACC_IRQ_DONE_MASK", "HETSOC_NPU_GEOMETRY_ROWS_MASK",
                 "HETSOC_CIM_TILE_COLS_PER_CYCLE_MASK", "HETSOC_CIM_PROG_ADDR_ROW_MASK",
                 "HETSOC_DMA_CH_CPL_VALID_MASK", "HETSOC_DMA_CH_STATUS_BUSY_MASK",
                 "HETSOC_DMA_CH_IRQ_DONE_MASK"):
        assert moved[name] != original[name], name
