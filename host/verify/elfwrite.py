"""Write a minimal statically linked RV32 ELF executable from in-memory segments.

Generated differential programs never touch the toolchain (see :mod:`hetsoc.verify.encode`), but
the simulation harness takes ELF files, so this writes one: a loadable segment and a section per
chunk of memory, and a symbol table carrying ``_start`` and ``tohost``.
"""

from __future__ import annotations

import struct

__all__ = ["write_elf"]

_EM_RISCV = 243
_PT_LOAD = 1
_SHT_PROGBITS, _SHT_SYMTAB, _SHT_STRTAB = 1, 2, 3
_SHF_WRITE, _SHF_ALLOC, _SHF_EXECINSTR = 1, 2, 4
_PF_X, _PF_W, _PF_R = 1, 2, 4


def _strtab(names: list[str]) -> tuple[bytes, dict[str, int]]:
    blob, index = b"\0", {}
    for n in names:
        index[n] = len(blob)
        blob += n.encode() + b"\0"
    return blob, index


def write_elf(segments: list[tuple[str, int, bytes]], entry: int,
              symbols: dict[str, int]) -> bytes:
    """Build an ELF32 little-endian RISC-V executable.

    Parameters
    ----------
    segments : list of (name, address, data)
        Each becomes a PT_LOAD segment and a PROGBITS section named ``name``; the first is taken
        as code (executable), the others as data.
    entry : int
        Entry address (``e_entry``).
    symbols : dict of str to int
        Global symbols; each is attached to the section whose range holds its address.

    Returns
    -------
    bytes
        The file's contents.
    """
    ehsize, phentsize, shentsize = 52, 32, 40
    phoff = ehsize
    offset = phoff + phentsize * len(segments)
    placed = []
    for _, _addr, data in segments:
        offset = (offset + 3) & ~3
        placed.append(offset)
        offset += len(data)

    sym_names = sorted(symbols)
    strtab, str_index = _strtab(sym_names)
    symtab = bytes(16)
    for n in sym_names:
        shndx = next((i + 1 for i, (_, a, d) in enumerate(segments)
                      if a <= symbols[n] < a + len(d)), 0xFFF1)  # SHN_ABS otherwise
        symtab += struct.pack("<IIIBBH", str_index[n], symbols[n], 0, 0x10, 0, shndx)
    sec_names = [s[0] for s in segments] + [".symtab", ".strtab", ".shstrtab"]
    shstrtab, sh_index = _strtab(sec_names)

    offset = (offset + 3) & ~3
    symtab_off = offset
    strtab_off = symtab_off + len(symtab)
    shstrtab_off = strtab_off + len(strtab)
    shoff = (shstrtab_off + len(shstrtab) + 3) & ~3
    nsec = len(segments) + 4

    out = bytearray(shoff + shentsize * nsec)
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    out[0:ehsize] = ident + struct.pack("<HHIIIIIHHHHHH", 2, _EM_RISCV, 1, entry, phoff, shoff,
                                        0, ehsize, phentsize, len(segments), shentsize, nsec,
                                        nsec - 1)
    for i, ((_, addr, data), off) in enumerate(zip(segments, placed, strict=True)):
        flags = _PF_R | (_PF_X if i == 0 else _PF_W)
        out[phoff + i * phentsize:phoff + (i + 1) * phentsize] = struct.pack(
            "<IIIIIIII", _PT_LOAD, off, addr, addr, len(data), len(data), flags, 4)
        out[off:off + len(data)] = data
    out[symtab_off:strtab_off] = symtab
    out[strtab_off:shstrtab_off] = strtab
    out[shstrtab_off:shstrtab_off + len(shstrtab)] = shstrtab

    def section(i, name, typ, flags, addr, off, size, link=0, info=0, align=4, entsize=0):
        out[shoff + i * shentsize:shoff + (i + 1) * shentsize] = struct.pack(
            "<IIIIIIIIII", sh_index[name] if name else 0, typ, flags, addr, off, size, link,
            info, align, entsize)

    section(0, "", 0, 0, 0, 0, 0, align=0)
    for i, ((name, addr, data), off) in enumerate(zip(segments, placed, strict=True)):
        flags = _SHF_ALLOC | (_SHF_EXECINSTR if i == 0 else _SHF_WRITE)
        section(i + 1, name, _SHT_PROGBITS, flags, addr, off, len(data))
    n = len(segments)
    section(n + 1, ".symtab", _SHT_SYMTAB, 0, 0, symtab_off, len(symtab), link=n + 2, info=1,
            entsize=16)
    section(n + 2, ".strtab", _SHT_STRTAB, 0, 0, strtab_off, len(strtab), align=1)
    section(n + 3, ".shstrtab", _SHT_STRTAB, 0, 0, shstrtab_off, len(shstrtab), align=1)
    return bytes(out)
