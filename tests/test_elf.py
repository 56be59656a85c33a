"""ELF loading: one-line errors for every way a file can be unusable, and correct images."""

from __future__ import annotations

import numpy as np
import pytest

# the bad-input campaign's ELF maker (tests/ is on sys.path: robustness is its package)
from robustness.common import EM_X86_64, craft_elf

from hetsoc.elf import ElfError, image_words, load_elf, readmemh_text, to_memory_words
from hetsoc.firmware import build_asm_test, build_firmware, sw_path
from hetsoc.spec.config import load_config


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _error(path, config=None) -> str:
    with pytest.raises(ElfError) as info:
        load_elf(path, config)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.elf"
    assert _error(path) == f"{path}: no such file"


def test_not_an_elf(tmp_path):
    path = _write(tmp_path, "text.elf", b"hello, this is text\n" * 4)
    assert _error(path) == f"{path}: not an ELF file"
    empty = _write(tmp_path, "empty.elf", b"")
    assert _error(empty) == f"{empty}: not an ELF file"


def test_other_architecture(tmp_path):
    path = _write(tmp_path, "x86.elf", craft_elf([(0x1000, b"\x90" * 4, 4)], machine=EM_X86_64,
                                                 cls=2))
    assert _error(path) == f"{path}: ELF for x86-64, not RISC-V"


def test_rv64(tmp_path):
    path = _write(tmp_path, "rv64.elf", craft_elf([(0x8000_0000, bytes(4), 4)], cls=2))
    assert _error(path) == (f"{path}: 64-bit RISC-V ELF (RV64); the hetsoc host is RV32, "
                            f"build with -target riscv32")


def test_big_endian(tmp_path):
    path = _write(tmp_path, "be.elf", craft_elf([(0x8000_0000, bytes(4), 4)], data=2))
    assert _error(path) == f"{path}: big-endian ELF; the hetsoc host is little-endian"


def test_no_loadable_segments(tmp_path):
    path = _write(tmp_path, "empty.elf", craft_elf([]))
    assert _error(path) == f"{path}: no loadable segments"


def test_segment_outside_main_memory(tmp_path):
    config = load_config("pynq-z2")
    mm = config.main_memory
    # Starts inside main memory and runs 4 bytes past its end.
    addr = mm.end - 4
    path = _write(tmp_path, "far.elf", craft_elf([(addr, bytes(8), 8)]))
    assert _error(path, config) == (
        f"{path}: segment [{addr:#010x}, {addr + 8:#010x}) lies outside main_memory "
        f"[{mm.base:#010x}, {mm.end:#010x}) of config 'pynq-z2'")
    # Without a config nothing constrains the address.
    assert load_elf(path).segments == [(addr, bytes(8))]


def test_truncated_elf(tmp_path):
    good = craft_elf([(0x8000_0000, bytes(16), 16)])
    path = _write(tmp_path, "cut.elf", good[:60])
    assert _error(path).startswith(f"{path}: corrupt ELF: ")


def test_crafted_image_bss_zero_filled(tmp_path):
    base = load_config("default").main_memory.base
    path = _write(tmp_path, "ok.elf", craft_elf([(base, b"\x13\x00\x00\x00\xef\xbe\xad\xde", 16)],
                                                entry=base))
    image = load_elf(path, "default")
    assert image.entry == base
    assert image.segments == [(base, b"\x13\x00\x00\x00\xef\xbe\xad\xde" + bytes(8))]
    assert image.word_at(base + 4) == 0xDEADBEEF
    assert image.word_at(base + 12) == 0
    with pytest.raises(KeyError):
        image.word_at(base + 14)
    assert image.tohost is None


@pytest.fixture(scope="module")
def hello(tmp_path_factory):
    out = tmp_path_factory.mktemp("elf") / "hello.elf"
    return build_firmware(sw_path("examples", "hello.c"), "default", out)


def test_firmware_image(hello):
    config = load_config("default")
    image = load_elf(hello, config)
    mm = config.main_memory
    assert image.entry == config.cpu.reset_vector
    assert image.segments[0][0] == config.cpu.reset_vector
    for addr, data in image.segments:
        assert mm.contains(addr, len(data))
    # The loaded image ends exactly at _bss_end (bss included, zero-filled).
    last_addr, last = image.segments[-1]
    assert last_addr + len(last) == image.symbols["_bss_end"]
    assert image.symbols["_stack_top"] == mm.end
    assert {"main", "_start", "printf", "_trap_entry"} <= set(image.symbols)


def test_memory_words(hello):
    config = load_config("default")
    image = load_elf(hello, config)
    mm = config.main_memory
    words = to_memory_words(image, mm.base, mm.size)
    assert len(words) == mm.size // 4
    for addr in (image.entry, image.entry + 4, image.symbols["main"]):
        assert words[(addr - mm.base) // 4] == image.word_at(addr)
    assert words[-1] == 0  # the stack region is not part of the image
    array = image_words(image, mm)
    assert array.dtype == np.uint32 and array.tolist() == words
    text = readmemh_text(words[:2])
    assert text == f"{words[0]:08x}\n{words[1]:08x}\n"
    with pytest.raises(ElfError, match="lies outside"):
        to_memory_words(image, mm.base, 64)


def test_asm_test_tohost(tmp_path):
    src = tmp_path / "t.S"
    src.write_text("""
    .section .text.init, "ax"
    .globl _start
_start:
    la t0, tohost
    li t1, 1
    sw t1, 0(t0)
1:  j 1b
    .section .tohost, "aw"
    .balign 64
    .globl tohost
tohost: .word 0
""")
    image = load_elf(build_asm_test(src, "pynq-z2", tmp_path / "t.elf"), "pynq-z2")
    assert image.tohost is not None and image.tohost % 64 == 0
    assert image.word_at(image.tohost) == 0
    assert image.entry == load_config("pynq-z2").cpu.reset_vector
