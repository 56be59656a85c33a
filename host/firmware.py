"""Build RV32IM firmware for a hetsoc config with the zig-packaged clang (``python -m ziglang cc``).

The build directory next to the output ELF receives the generated ``hetsoc_soc.h`` and linker
script, so a build is reproducible from what is on disk, and ``compile.log`` with the full
compiler output when something fails. The runtime (crt0, string, printf, traps, 64-bit
division) comes from the installed :mod:`hetsoc.sw` package.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path

from .cheader import (
    DEFAULT_STACK_SIZE,
    HEADER_NAME,
    LINKER_SCRIPT_NAME,
    generate_header,
    generate_linker_script,
)
from .spec.config import SocConfig, load_config

__all__ = [
    "CFLAGS",
    "TARGET_FLAGS",
    "FirmwareError",
    "build_asm_test",
    "build_dir_for",
    "build_firmware",
    "compiler",
    "runtime_sources",
    "sw_path",
]

#: RV32IM, ilp32, no compressed instructions (the core implements I and M only).
TARGET_FLAGS = ("-target", "riscv32-freestanding-none", "-mcpu=generic_rv32+m")

#: Flags every build needs, and why:
#: -ffreestanding   no hosted library is assumed; implies -fno-builtin, so the runtime's own
#:                  memset/memcpy loops are not "optimised" into calls to themselves;
#: -nostdlib        no crt files, libc or compiler_rt from zig: crt0 and libgcc.c are ours;
#: -fno-sanitize=undefined  zig turns UBSan on at -O0, whose handlers do not exist here;
#: -mno-relax       no linker relaxation: gp is set by crt0 and code stays as compiled
#:                  (zig 0.17 happens to default to it; say so explicitly);
#: -fno-asynchronous-unwind-tables  no .eh_frame: nothing unwinds on this target;
#: -ffunction-sections/-fdata-sections + --gc-sections  unused runtime code is dropped.
CFLAGS = (
    *TARGET_FLAGS,
    "-ffreestanding", "-nostdlib", "-fno-sanitize=undefined", "-mno-relax",
    "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
    "-ffunction-sections", "-fdata-sections", "-Wl,--gc-sections",
    "-g", "-Wall", "-Wextra",
)

_SOURCE_SUFFIXES = (".c", ".S")


class FirmwareError(RuntimeError):
    """A firmware build failed; the message is one line (the first error and what to do)."""


def compiler() -> list[str]:
    """The C compiler command: zig's clang, run by the current interpreter's ziglang."""
    return [sys.executable, "-m", "ziglang", "cc"]


def sw_path(*parts: str) -> Path:
    """A path inside the installed :mod:`hetsoc.sw` package, e.g. ``sw_path("bench", "crc32.c")``.

    Raises
    ------
    FirmwareError
        If the file is not there (the compiler needs real files, not zipped resources).
    """
    path = Path(str(resources.files("hetsoc.sw"))).joinpath(*parts)
    if not path.exists():
        raise FirmwareError(f"{'/'.join(parts)} is not part of hetsoc.sw (looked in {path})")
    return path


def runtime_sources() -> list[Path]:
    """crt0.S and the runtime's C files, in a stable order."""
    folder = sw_path("runtime")
    return [folder / "crt0.S", *sorted(folder.glob("*.c"))]


def _config(config: SocConfig | str | Path) -> SocConfig:
    return config if isinstance(config, SocConfig) else load_config(config)


def _define_flags(defines: Mapping[str, object] | Iterable[str] | None) -> list[str]:
    if defines is None:
        return []
    if isinstance(defines, Mapping):
        return [f"-D{k}" if v is None else f"-D{k}={v}" for k, v in defines.items()]
    return [f"-D{d}" for d in defines]


def _sources(sources: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(sources, (str, Path)):
        sources = [sources]
    paths = [Path(s) for s in sources]
    if not paths:
        raise FirmwareError("no sources given: pass at least one .c or .S file")
    for p in paths:
        if not p.is_file():
            raise FirmwareError(f"source {p} does not exist")
        if p.suffix not in _SOURCE_SUFFIXES:
            raise FirmwareError(f"source {p}: unsupported type {p.suffix!r} (use .c or .S)")
    return paths


def build_dir_for(out: Path) -> Path:
    """Where the generated header, linker script and log of the build of ``out`` go."""
    return out.parent / f"{out.stem}.build"


def _prepare(config: SocConfig, out: Path, stack_size: int) -> Path:
    build = build_dir_for(out)
    build.mkdir(parents=True, exist_ok=True)
    (build / HEADER_NAME).write_text(generate_header(config))
    (build / LINKER_SCRIPT_NAME).write_text(generate_linker_script(config, stack_size))
    return build


def _first_error(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for ln in lines:
        if "error:" in ln:
            return ln
    return lines[0] if lines else "no output"


def _run(cmd: list[str], build: Path, out: Path, config: SocConfig) -> Path:
    out.unlink(missing_ok=True)  # a stale ELF must not survive a failed build
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log = build / "compile.log"
    log.write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
    if proc.returncode != 0 or not out.is_file():
        raise FirmwareError(f"{_first_error(proc.stderr + proc.stdout)} -- building {out.name} "
                            f"for config {config.name!r} failed: fix the source; full output "
                            f"in {log}")
    return out


def build_firmware(
    sources: str | Path | Sequence[str | Path],
    config: SocConfig | str | Path = "default",
    out: str | Path = "firmware.elf",
    *,
    opt: str = "-O2",
    defines: Mapping[str, object] | Iterable[str] | None = None,
    extra_cflags: Sequence[str] = (),
    stack_size: int = DEFAULT_STACK_SIZE,
    prebuilt: Sequence[str | Path] = (),
) -> Path:
    """Compile and link a C/assembly program with the hetsoc runtime.

    Parameters
    ----------
    sources : path or sequence of paths
        The program's ``.c`` and ``.S`` files (the runtime is added).
    config : SocConfig, name or TOML path
        Addresses for the generated header and linker script.
    out : path
        The ELF to write. Generated files and ``compile.log`` go to ``<out-stem>.build/``
        beside it.
    opt : str
        Optimisation flag, e.g. ``"-O0"``, ``"-O2"``, ``"-Os"``.
    defines : mapping or iterable of str, optional
        ``{"LEN": 64}`` or ``["LEN=64"]`` become ``-DLEN=64``; a ``None`` value gives ``-DNAME``.
    extra_cflags : sequence of str
        Appended after everything else (so they can override).
    stack_size : int
        Bytes reserved at the top of main memory; the link fails if the program overlaps it.
    prebuilt : sequence of paths
        Object files to link instead of compiling the runtime (`compile_objects`, which caches
        them); they must include the runtime's.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    FirmwareError
        One line: the first compiler or linker error, and where the full log is.
    """
    soc = _config(config)
    srcs = _sources(sources)
    out = Path(out)
    build = _prepare(soc, out, stack_size)
    cmd = [
        *compiler(), *CFLAGS, opt,
        f"-I{build}", f"-I{sw_path('include')}",
        *_define_flags(defines),
        "-T", str(build / LINKER_SCRIPT_NAME),
        *[str(s) for s in (prebuilt or runtime_sources())], *[str(s) for s in srcs],
        *extra_cflags,
        "-o", str(out),
    ]
    return _run(cmd, build, out, soc)


def build_asm_test(
    source: str | Path,
    config: SocConfig | str | Path = "default",
    out: str | Path = "test.elf",
    *,
    defines: Mapping[str, object] | Iterable[str] | None = None,
    extra_cflags: Sequence[str] = (),
) -> Path:
    """Assemble a bare test (no runtime) with the config's linker script.

    The source provides ``_start`` in section ``.text.init`` (placed at the reset vector) and,
    for HTIF, a ``tohost`` symbol (section ``.tohost`` is placed in ``.data``). It may
    ``#include "hetsoc_soc.h"`` for addresses. Nothing is garbage-collected away. The ELF must
    pass :func:`hetsoc.elf.load_elf` for the config and its entry must be the reset vector.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    FirmwareError
        One line: the first assembler or linker error, and where the full log is; or an entry
        point that is not the reset vector.
    hetsoc.elf.ElfError
        If a segment lies outside main memory.
    """
    soc = _config(config)
    (src,) = _sources([source])
    out = Path(out)
    build = _prepare(soc, out, DEFAULT_STACK_SIZE)
    flags = [f for f in CFLAGS if f != "-Wl,--gc-sections"]
    cmd = [
        *compiler(), *flags, f"-I{build}", *_define_flags(defines),
        "-T", str(build / LINKER_SCRIPT_NAME), str(src), *extra_cflags, "-o", str(out),
    ]
    _run(cmd, build, out, soc)
    from .elf import load_elf  # late: pyelftools is only needed once something was built

    entry = load_elf(out, soc, check_entry=False).entry
    if entry != soc.cpu.reset_vector:
        raise FirmwareError(f"{src}: _start is at {entry:#010x}, not at the reset vector "
                            f"{soc.cpu.reset_vector:#010x}: put it first in section .text.init")
    return out
