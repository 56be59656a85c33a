"""Load RV32 ELF executables into memory images for the simulators and the FPGA loader.

:func:`load_elf` validates the file (RISC-V, 32-bit, little-endian, loadable, inside main
memory) and returns an :class:`ElfImage`; :func:`to_memory_words` renders it as the word array
a ``$readmemh`` backdoor load or a memory initialiser needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from elftools.common.exceptions import ELFError as _PyElfError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from .spec.config import MemoryRegion, SocConfig, load_config

__all__ = ["ElfError", "ElfImage", "image_words", "load_elf", "readmemh_text",
           "to_memory_words"]

_ELF_MAGIC = b"\x7fELF"
_EM_RISCV = 243

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
    machine = int.from_bytes(head[18:20], "little" if ei_data == 1 else "big")
    if machine != _EM_RISCV:
        return  # named below from pyelftools' decoding
    if ei_class == 2:
        raise ElfError(f"{path}: 64-bit RISC-V ELF (RV64); the hetsoc host is RV32, "
                       f"build with -target riscv32")
    if ei_data == 2:
        raise ElfError(f"{path}: big-endian ELF; the hetsoc host is little-endian")


def load_elf(path: str | Path, config: SocConfig | str | Path | None = None) -> ElfImage:
    """Load and validate an RV32 little-endian executable.

    Parameters
    ----------
    path : str or Path
        The ELF file.
    config : SocConfig, str, Path or None
        If given (object, name or TOML path), every loadable segment must lie in its
        main memory.

    Returns
    -------
    ElfImage

    Raises
    ------
    ElfError
        One line: missing file, not ELF, wrong architecture (named), RV64, big-endian,
        no loadable segments, or a segment outside main memory (addresses and region named).
    """
    path = Path(path)
    soc = _resolve_config(config)
    if not path.is_file():
        raise ElfError(f"{path}: no such file")
    with open(path, "rb") as f:
        _check_header(path, f.read(64))
        f.seek(0)
        try:
            elf = ELFFile(f)
            machine = elf["e_machine"]
            if machine != "EM_RISCV":
                name = _MACHINE_NAMES.get(machine, str(machine).removeprefix("EM_"))
                raise ElfError(f"{path}: ELF for {name}, not RISC-V")
            segments = []
            for seg in elf.iter_segments():
                if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                    continue
                data = seg.data()[:seg["p_filesz"]]
                data += bytes(seg["p_memsz"] - len(data))  # .bss: zero-filled
                segments.append((seg["p_paddr"], data))
            symbols = {}
            for section in elf.iter_sections():
                if isinstance(section, SymbolTableSection):
                    for sym in section.iter_symbols():
                        if sym.name and sym["st_shndx"] != "SHN_UNDEF":
                            symbols[sym.name] = sym["st_value"]
            entry = elf["e_entry"]
        except _PyElfError as e:
            raise ElfError(f"{path}: corrupt ELF: {e}") from None
    if not segments:
        raise ElfError(f"{path}: no loadable segments")
    if soc is not None:
        mm = soc.main_memory
        for addr, data in segments:
            if not mm.contains(addr, len(data)):
                raise ElfError(f"{path}: segment [{addr:#010x}, {addr + len(data):#010x}) "
                               f"lies outside main_memory [{mm.base:#010x}, {mm.end:#010x}) "
                               f"of config {soc.name!r}")
    segments.sort()
    return ElfImage(path=path, entry=entry, segments=segments, symbols=symbols,
                    tohost=symbols.get("tohost"))


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
