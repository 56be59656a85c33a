"""Assemble the ISA tests and generated programs with the project's toolchain (zig's clang).

The ISA tests take their addresses from the generated ``hetsoc_soc.h`` (through
:func:`hetsoc.firmware.build_asm_test`) and the few derived ones from ``-D`` defines computed
here from the config (:func:`isa_defines`), so no address is written twice by hand.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["CC", "assemble_program", "build_isa_test", "isa_defines", "program_link_script"]

CC = [sys.executable, "-m", "ziglang", "cc", "-target", "riscv32-freestanding-none",
      "-mcpu=generic_rv32+m", "-mno-relax", "-nostdlib"]


def _config(config):
    if isinstance(config, str | Path):
        from ..spec.config import load_config
        return load_config(config)
    return config


def _unmapped(config) -> int:
    """A word-aligned, non-zero address that no memory and no peripheral page decodes."""
    taken = [(m.base, m.end) for m in (*config.memories, config.peripheral_window)]
    for cand in (0x100, 0x1000, 0x4000_0000, 0xF000_0000):
        if not any(lo <= cand < hi for lo, hi in taken):
            return cand
    raise ValueError("no unmapped address found in this config")


def isa_defines(config="default") -> dict[str, int]:
    """Preprocessor symbols of the ISA tests beyond the generated ``hetsoc_soc.h``.

    Returns
    -------
    dict of str to int
        ``UNMAPPED_ADDR``: a non-zero word address that neither a memory nor a peripheral page
        decodes (fetches, loads and stores there must raise access faults).
    """
    return {"UNMAPPED_ADDR": _unmapped(_config(config))}


def build_isa_test(source: str | Path, out: str | Path, config="default") -> Path:
    """Assemble and link one ``tests/isa/*.S`` file into the ELF ``out``.

    Uses :func:`hetsoc.firmware.build_asm_test` (the config's header and linker script) with
    the defines of :func:`isa_defines`.

    Parameters
    ----------
    source : path
        The assembly source; it may ``#include`` files next to it.
    out : path
        The ELF to write (the build directory goes beside it).
    config : str, Path or SocConfig
        The SoC the test is built for.
    """
    from ..firmware import build_asm_test

    config = _config(config)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return build_asm_test(source, config, out,
                          defines={k: f"{v:#x}" for k, v in isa_defines(config).items()})


def program_link_script(layout) -> str:
    """The linker script that reproduces a generated program's :class:`Layout`."""
    return f"""ENTRY(_start)
SECTIONS {{
  .text {layout.code_base:#x} : {{ *(.text) }}
  .data {layout.region_base:#x} : {{ *(.data) }}
  .tohost {layout.tohost:#x} : {{ *(.tohost) }}
}}
"""


def assemble_program(prog, out: str | Path) -> Path:
    """Assemble a generated program's :meth:`~hetsoc.verify.generator.Program.asm` text.

    The differential test encodes programs itself; this route through the real assembler is
    how ``tests/test_differential.py`` checks that encoder.
    """
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        src, script = Path(tmp) / "prog.S", Path(tmp) / "prog.ld"
        src.write_text(prog.asm())
        script.write_text(program_link_script(prog.layout))
        cmd = [*CC, "-T", str(script), str(src), "-o", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"assembling the program of seed {prog.seed} failed:\n"
                               f"{proc.stderr}")
    return out
