"""Load RV32 ELF executables into memory images for the simulators and the FPGA loader.

:func:`load_elf` validates the file (RISC-V, 32-bit, little-endian, loadable, inside main
memory) and returns an :class:`ElfImage`; :func:`to_memory_words` renders it as the word array
a ``$readmemh`` backdoor load or a memory initialiser needs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from elftools.common.exceptions import ELFError as _PyElfError
from elftools.construct.core import ConstructError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from .spec.config import MemoryRegion, SocConfig, load_config

__all__ = ["ElfError", "ElfImage", "image_words", "load_elf", "readmemh_text",
           "to_memory_words"]

_ELF_MAGIC = b"\x7fELF"
_EM_RISCV = 243
_ET_EXEC = 2

# e_type values other than ET_EXEC, each with the way to an executable. A relocatable object
# or a position-independent one would be loaded unrelocated and run garbage.
_TYPE_FIXES = {
    0: "ELF of no type (ET_NONE), not an executable",
    1: "relocatable object (ET_REL), not an executable: link it (hetsoc sim-c links .c and "
       ".S sources with the runtime)",
    3: "shared object or position-independent executable (ET_DYN): link a static executable "
       "at fixed addresses (-static, no -pie)",
    4: "core dump (ET_CORE), not an executable",
}

# Big-endian architectures' e_machine numbers (as a big-endian header holds them), so that a
# big-endian file is named by its architecture rather than by a number.
_BIG_ENDIAN_MACHINES = {2: "SPARC", 8: "MIPS", 20: "PowerPC", 21: "PowerPC64", 22: "S/390",
                        43: "SPARC v9", 42: "SuperH", 4: "m68k"}
# The largest segment worth allocating before the memory-region check can refuse it: a
# corrupt p_memsz must not make the loader allocate gigabytes first.
_MAX_SEGMENT = 1 << 30

# e_machine names for the messages; anything else is shown as pyelftools spells it.
_MACHINE_NAMES = {
    "EM_X86_64": "x86-64", "EM_386": "x86", "EM_ARM": "ARM", "EM_AARCH64": "AArch64",
    "EM_MIPS": "MIPS", "EM_PPC": "PowerPC", "EM_PPC64": "PowerPC64", "EM_SPARC": "SPARC",
    "EM_S390": "S/390", "EM_XTENSA": "Xtensa", "EM_AVR": "AVR", "EM_MSP430": "MSP430",
    "EM_LOONGARCH": "LoongArch", "EM_BPF": "BPF",
}


class ElfError(ValueError):
    """The file cannot be loaded into the SoC; the message is one line naming the file."""


@dataclass(frozen=True)
class ElfImage:
    """A validated RV32 executable.

    Attributes
    ----------
    path : Path
        Where it was loaded from.
    entry : int
        ``e_entry``.
    segments : list of (int, bytes)
        Load address and contents of every ``PT_LOAD`` segment, each ``p_memsz`` long: the
        part past ``p_filesz`` (``.bss``) is zero-filled.
    symbols : dict of str to int
        Every named symbol's value.
    tohost : int or None
        Address of the HTIF ``tohost`` symbol, if the program has one.
    """

    path: Path
    entry: int
    segments: list[tuple[int, bytes]]
    symbols: dict[str, int] = field(repr=False)
    tohost: int | None = None

    def word_at(self, addr: int) -> int:
        """The little-endian 32-bit word the image holds at ``addr``.

        Raises
        ------
        KeyError
            If no segment covers ``[addr, addr + 4)``.
        """
        for base, data in self.segments:
            if base <= addr and addr + 4 <= base + len(data):
                return int.from_bytes(data[addr - base:addr - base + 4], "little")
        raise KeyError(f"{self.path}: no loaded segment covers {addr:#010x}..{addr + 4:#010x}")

    @property
    def size(self) -> int:
        """Bytes spanned from the lowest to the highest loaded address."""
        lo = min(a for a, _ in self.segments)
        return max(a + len(d) for a, d in self.segments) - lo


def _resolve_config(config: SocConfig | str | Path | None) -> SocConfig | None:
    if config is None or isinstance(config, SocConfig):
        return config
    return load_config(config)


def _check_header(path: Path, head: bytes):
    """Reject what pyelftools would misparse or parse into something we cannot run."""
    if len(head) < 20 or head[:4] != _ELF_MAGIC:
        raise ElfError(f"{path}: not an ELF file")
    ei_class, ei_data = head[4], head[5]
    if ei_data not in (1, 2) or ei_class not in (1, 2):
        raise ElfError(f"{path}: not an ELF file (bad class/encoding bytes)")
    order = "little" if ei_data == 1 else "big"
    machine = int.from_bytes(head[18:20], order)
    if machine != _EM_RISCV:
        if ei_data == 2:  # pyelftools would name the number, and a swapped RISC-V is 62208
            name = _BIG_ENDIAN_MACHINES.get(machine)
            raise ElfError(f"{path}: ELF for {name} (big-endian), not RISC-V" if name else
                           f"{path}: big-endian ELF (e_machine {machine}); the hetsoc host is "
                           f"little-endian RISC-V (RV32)")
        return  # named below from pyelftools' decoding
    if ei_class == 2:
        raise ElfError(f"{path}: 64-bit RISC-V ELF (RV64); the hetsoc host is RV32, "
                       f"build with -target riscv32")
    if ei_data == 2:
        raise ElfError(f"{path}: big-endian ELF; the hetsoc host is little-endian")
    e_type = int.from_bytes(head[16:18], order)
    if e_type != _ET_EXEC:
        raise ElfError(f"{path}: " + _TYPE_FIXES.get(e_type, f"ELF type {e_type:#x} is not an "
                                                             f"executable (ET_EXEC)"))


def load_elf(path: str | Path, config: SocConfig | str | Path | None = None, *,
             check_entry: bool = True) -> ElfImage:
    """Load and validate an RV32 little-endian executable.

    Parameters
    ----------
    path : str or Path
        The ELF file.
    config : SocConfig, str, Path or None
        If given (object, name or TOML path), every loadable segment must lie in its
        main memory and the entry point must be its reset vector (where the core starts).
    check_entry : bool
        With a config, check the entry point (the firmware builder checks it itself, naming
        the source).

    Returns
    -------
    ElfImage

    Raises
    ------
    ElfError
        One line: missing file, a directory, not ELF, wrong architecture (named), RV64,
        big-endian, not an executable (a relocatable object...), corrupt or truncated, no
        loadable segments, a segment outside main memory (addresses and region named), or an
        entry point other than the reset vector.
    """
    path = Path(path)
    soc = _resolve_config(config)
    if path.is_dir():
        raise ElfError(f"{path}: is a directory, not an ELF file")
    if not path.is_file():
        raise ElfError(f"{path}: no such file")
    try:
        with open(path, "rb") as f:
            _check_header(path, f.read(64))
            f.seek(0)
            segments, symbols, entry = _parse(path, f)
    except ElfError:
        raise
    except OSError as e:
        raise ElfError(f"{path}: cannot read: {e.strerror or type(e).__name__}") from None
    except (_PyElfError, ValueError, LookupError, ArithmeticError, struct.error,
            ConstructError, UnicodeDecodeError) as e:
        # pyelftools reads whatever offsets the headers hold: a corrupt file raises anything
        # from its own ELFError to construct's and struct's errors.
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ElfError(f"{path}: corrupt ELF: {detail[:120]}") from None
    if not segments:
        raise ElfError(f"{path}: no loadable segments")
    if soc is not None:
        mm = soc.main_memory
        for addr, data in segments:
            if not mm.contains(addr, len(data)):
                raise ElfError(f"{path}: segment [{addr:#010x}, {addr + len(data):#010x}) "
                               f"lies outside main_memory [{mm.base:#010x}, {mm.end:#010x}) "
                               f"of config {soc.name!r}")
    if soc is not None and check_entry and entry != soc.cpu.reset_vector:
        raise ElfError(f"{path}: entry point {entry:#010x} is not the reset vector "
                       f"{soc.cpu.reset_vector:#010x} of config {soc.name!r}, where the core "
                       f"starts: link _start there (first in section .text.init)")
    segments.sort()
    return ElfImage(path=path, entry=entry, segments=segments, symbols=symbols,
                    tohost=symbols.get("tohost"))


def _parse(path: Path, f) -> tuple[list[tuple[int, bytes]], dict[str, int], int]:
    """Segments, symbols and entry point of an open ELF whose header has been checked."""
    elf = ELFFile(f)
    machine = elf["e_machine"]
    if machine != "EM_RISCV":
        name = _MACHINE_NAMES.get(machine, str(machine).removeprefix("EM_"))
        if isinstance(machine, int):  # pyelftools knows no name for it
            name = f"machine {machine}"
        raise ElfError(f"{path}: ELF for {name}, not RISC-V")
    size = path.stat().st_size
    segments = []
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
            continue
        if seg["p_memsz"] > _MAX_SEGMENT or seg["p_filesz"] > seg["p_memsz"]:
            raise ElfError(f"{path}: corrupt ELF: a segment of {seg['p_memsz']:#x} bytes "
                           f"({seg['p_filesz']:#x} in the file)")
        if seg["p_offset"] + seg["p_filesz"] > size:
            raise ElfError(f"{path}: truncated ELF: a segment needs bytes up to "
                           f"{seg['p_offset'] + seg['p_filesz']:#x}, the file has {size:#x}")
        data = seg.data()[:seg["p_filesz"]]
        data += bytes(seg["p_memsz"] - len(data))  # .bss: zero-filled
        segments.append((seg["p_paddr"], data))
    symbols = {}
    for section in elf.iter_sections():
        if isinstance(section, SymbolTableSection):
            for sym in section.iter_symbols():
                if sym.name and sym["st_shndx"] != "SHN_UNDEF":
                    symbols[sym.name] = sym["st_value"]
    return segments, symbols, elf["e_entry"]


def to_memory_words(image: ElfImage, base: int, size_bytes: int) -> list[int]:
    """Render the image as the ``size_bytes // 4`` little-endian words of ``[base, base+size)``.

    Bytes no segment covers are zero. This is what a ``$readmemh`` backdoor load writes.

    Raises
    ------
    ElfError
        If a segment does not fit in the window, or the window is not word-aligned.
    """
    if base % 4 or size_bytes % 4:
        raise ElfError(f"memory window {base:#x}+{size_bytes:#x} is not word-aligned")
    mem = bytearray(size_bytes)
    for addr, data in image.segments:
        if addr < base or addr + len(data) > base + size_bytes:
            raise ElfError(f"{image.path}: segment [{addr:#010x}, {addr + len(data):#010x}) "
                           f"lies outside [{base:#010x}, {base + size_bytes:#010x})")
        mem[addr - base:addr - base + len(data)] = data
    return np.frombuffer(bytes(mem), dtype="<u4").tolist()


def image_words(image: ElfImage, region: MemoryRegion):
    """:func:`to_memory_words` over a config region, as a numpy ``uint32`` array."""
    return np.asarray(to_memory_words(image, region.base, region.size), dtype=np.uint32)


def readmemh_text(words: list[int]) -> str:
    """One 8-digit hex word per line, the format Verilog's ``$readmemh`` reads."""
    return "".join(f"{w:08x}\n" for w in words)
