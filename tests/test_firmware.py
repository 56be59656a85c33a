"""Firmware builds for every config, and the runtime and examples behave when run on unicorn.

The RTL CPU is not needed here: unicorn (QEMU's RV32 model) runs the ELFs, with the console
and finisher writes hooked, so the runtime's printf, traps and 64-bit helpers are checked on a
real RISC-V instruction stream.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import pytest
from elftools.elf.elffile import ELFFile

from hetsoc.elf import load_elf
from hetsoc.firmware import FirmwareError, build_asm_test, build_firmware, sw_path
from hetsoc.spec.config import config_names, load_config
from hetsoc.spec.regmap import peripheral

PROGRAMS = [("examples", "hello.c"), ("examples", "timer_irq.c"), ("bench", "dot_int8.c"),
            ("bench", "crc32.c")]


@dataclass
class Run:
    status: str  # "exit", "trap" or "timeout"
    code: int | None
    console: str


def run_unicorn(elf, config="default", max_instr=5_000_000) -> Run:
    """Run an ELF until it writes the finisher, emulating M-mode trap entry.

    Unicorn reports exceptions through its interrupt hook instead of vectoring to mtvec, with
    the pc already past the faulting instruction, so the hook does what the hardware does:
    mepc, mcause, mtval, mstatus.MPIE/MPP, then jumps to mtvec; mret then runs natively.
    """
    from unicorn import UC_ARCH_RISCV, UC_HOOK_INTR, UC_HOOK_MEM_WRITE, UC_MODE_RISCV32, Uc
    from unicorn import riscv_const as rc

    soc = load_config(config) if isinstance(config, str) else config
    image = load_elf(elf, soc)
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
    for region in (soc.main_memory, soc.l2):
        uc.mem_map(region.base, region.size)
    uc.mem_map(soc.peripherals.base, soc.peripherals.page * 3)
    for addr, data in image.segments:
        uc.mem_write(addr, data)
    console, end = bytearray(), {}
    tx = soc.peripheral_base(peripheral("console").index) + peripheral("console").offset("TX")
    fin = peripheral("finisher")
    exit_reg = soc.peripheral_base(fin.index) + fin.offset("EXIT")
    trap_reg = soc.peripheral_base(fin.index) + fin.offset("TRAP")

    def on_write(uc, access, addr, size, value, user):
        if addr == tx:
            console.append(value & 0xFF)
        elif addr in (exit_reg, trap_reg):
            end["status"] = "exit" if addr == exit_reg else "trap"
            end["code"] = value & 0xFFFFFFFF
            uc.emu_stop()

    def on_exception(uc, intno, user):
        pc = uc.reg_read(rc.UC_RISCV_REG_PC) - 4
        insn = int.from_bytes(uc.mem_read(pc, 4), "little")
        cause = 11 if intno == 8 else intno  # unicorn reports M-mode ecall as 8
        uc.reg_write(rc.UC_RISCV_REG_MEPC, pc)
        uc.reg_write(rc.UC_RISCV_REG_MCAUSE, cause)
        uc.reg_write(rc.UC_RISCV_REG_MTVAL, insn if cause == 2 else pc if cause == 3 else 0)
        ms = uc.reg_read(rc.UC_RISCV_REG_MSTATUS)
        mie = (ms >> 3) & 1
        ms = (ms & ~(1 << 3 | 1 << 7 | 3 << 11)) | mie << 7 | 3 << 11
        uc.reg_write(rc.UC_RISCV_REG_MSTATUS, ms)
        uc.reg_write(rc.UC_RISCV_REG_PC, uc.reg_read(rc.UC_RISCV_REG_MTVEC))

    uc.hook_add(UC_HOOK_MEM_WRITE, on_write, begin=soc.peripherals.base,
                end=soc.peripherals.base + soc.peripherals.page * 3 - 1)
    uc.hook_add(UC_HOOK_INTR, on_exception)
    uc.emu_start(image.entry, 0, count=max_instr)
    return Run(end.get("status", "timeout"), end.get("code"), console.decode("latin-1"))


def _build(tmp_path, source: str, name="prog", **kwargs):
    path = tmp_path / f"{name}.c"
    path.write_text(source)
    return build_firmware(path, kwargs.pop("config", "default"), tmp_path / f"{name}.elf",
                          **kwargs)


# ---- builds ------------------------------------------------------------------------------


@pytest.mark.parametrize("config", config_names())
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p[1])
def test_programs_build(tmp_path, config, program):
    soc = load_config(config)
    elf = build_firmware(sw_path(*program), config, tmp_path / "p.elf",
                         extra_cflags=["-Werror"])
    image = load_elf(elf, soc)
    assert image.entry == soc.cpu.reset_vector
    assert (tmp_path / "p.build" / "hetsoc_soc.h").is_file()
    # The core has no C extension: every instruction must be 32 bits wide.
    with open(elf, "rb") as f:
        for section in ELFFile(f).iter_sections():
            if section.name.startswith(".text"):
                code = section.data()
                assert all(code[i] & 3 == 3 for i in range(0, len(code), 4)), section.name


@pytest.mark.parametrize("opt", ["-O0", "-O2", "-Os"])
def test_runtime_is_warning_free(tmp_path, opt):
    elf = build_firmware([sw_path("examples", "hello.c")], "default", tmp_path / "h.elf",
                         opt=opt, extra_cflags=["-Werror"])
    log = (tmp_path / "h.build" / "compile.log").read_text()
    assert "warning" not in log.split("\n\n", 1)[1]
    assert elf.is_file()


def test_compile_error_is_one_line(tmp_path):
    (tmp_path / "stale.elf").write_bytes(b"old")
    with pytest.raises(FirmwareError) as info:
        _build(tmp_path, "int main(void) { return undefined_thing; }\n", name="stale")
    message = str(info.value)
    assert "\n" not in message
    assert re.match(r".*stale\.c:1:\d+: error: use of undeclared identifier 'undefined_thing'",
                    message)
    assert "fix the source" in message and "compile.log" in message
    assert not (tmp_path / "stale.elf").exists()


def test_link_error_when_program_does_not_fit(tmp_path):
    size = load_config("pynq-z2").main_memory.size
    with pytest.raises(FirmwareError, match="do not fit in main_memory"):
        _build(tmp_path, f"char big[{size}];\nint main(void) {{ big[1] = 1; return big[2]; }}\n",
               config="pynq-z2")


def test_bad_sources(tmp_path):
    with pytest.raises(FirmwareError, match=r"source .*missing\.c does not exist"):
        build_firmware(tmp_path / "missing.c", "default", tmp_path / "x.elf")
    (tmp_path / "x.cpp").write_text("")
    with pytest.raises(FirmwareError, match="unsupported type '.cpp'"):
        build_firmware(tmp_path / "x.cpp", "default", tmp_path / "x.elf")


def test_symbols_stack_and_l2(tmp_path):
    soc = load_config("default")
    elf = _build(tmp_path, """
#include "hetsoc.h"
__attribute__((section(".l2"))) uint8_t buffer[4096];
int counter;
int main(void) { buffer[7] = 1; return counter + buffer[7]; }
""", stack_size=0x3000)
    image = load_elf(elf, soc)
    sym = image.symbols
    assert sym["_stack_top"] == soc.main_memory.end
    assert sym["_stack_bottom"] == soc.main_memory.end - 0x3000
    assert sym["_bss_start"] <= sym["counter"] < sym["_bss_end"] <= sym["_end"]
    assert soc.l2.base <= sym["buffer"] < soc.l2.end
    assert "__global_pointer$" in sym
    # The L2 buffer is not part of the loaded image: all segments are in main memory.
    assert all(soc.main_memory.contains(a, len(d)) for a, d in image.segments)


def test_asm_test_entry_must_be_reset_vector(tmp_path):
    src = tmp_path / "bad.S"
    src.write_text("    .section .text.init\n    nop\n"
                   "    .text\n    .globl _start\n_start:\n    j _start\n")
    with pytest.raises(FirmwareError, match="not at the reset vector"):
        build_asm_test(src, "default", tmp_path / "bad.elf")
    (tmp_path / "err.S").write_text("    .section .text.init\n    bogus x1\n")
    with pytest.raises(FirmwareError, match="error:"):
        build_asm_test(tmp_path / "err.S", "default", tmp_path / "err.elf")


# ---- running on unicorn --------------------------------------------------------------------

KERNEL_LINE = re.compile(r"^kernel cycles=\d+ instret=\d+$", re.M)


@pytest.mark.parametrize("config", config_names())
def test_hello_runs(tmp_path, config):
    run = run_unicorn(build_firmware(sw_path("examples", "hello.c"), config,
                                     tmp_path / "h.elf"), config)
    soc = load_config(config)
    assert (run.status, run.code) == ("exit", 0)
    assert run.console.startswith(f"Hello from hetsoc ({soc.name}, {round(soc.clock_mhz)} MHz)!")
    assert KERNEL_LINE.search(run.console)


@pytest.mark.parametrize("length", [1024, 333])
def test_crc32_matches_zlib(tmp_path, length):
    expected = zlib.crc32(bytes((i * 7 + 3) & 0xFF for i in range(length)))
    elf = build_firmware(sw_path("bench", "crc32.c"), "default", tmp_path / "crc.elf",
                         defines={"LEN": length, "CRC32_EXPECTED": f"{expected:#x}u"})
    run = run_unicorn(elf)
    assert (run.status, run.code) == ("exit", 0), run.console
    assert f"crc32: len={length} crc=0x{expected:08x}" in run.console
    assert KERNEL_LINE.search(run.console)
    # A wrong expectation is caught by the program itself.
    elf = build_firmware(sw_path("bench", "crc32.c"), "default", tmp_path / "bad.elf",
                         defines={"LEN": length, "CRC32_EXPECTED": f"{expected ^ 1:#x}u"})
    assert run_unicorn(elf).code == 1


def test_crc32_default_length_carries_zlib_value(tmp_path):
    run = run_unicorn(build_firmware(sw_path("bench", "crc32.c"), "default", tmp_path / "c.elf"))
    expected = zlib.crc32(bytes((i * 7 + 3) & 0xFF for i in range(1024)))
    assert (run.status, run.code) == ("exit", 0)
    assert f"crc=0x{expected:08x}" in run.console


@pytest.mark.parametrize("opt", ["-O0", "-O2"])
def test_dot_int8_runs(tmp_path, opt):
    run = run_unicorn(build_firmware(sw_path("bench", "dot_int8.c"), "default",
                                     tmp_path / "d.elf", opt=opt))
    assert (run.status, run.code) == ("exit", 0), run.console
    assert KERNEL_LINE.search(run.console) and "dot_int8: 16 rows x 256: ok" in run.console


# ---- runtime behaviour ----------------------------------------------------------------------

# (format, C arguments, Python arguments): Python's % formatting is the reference; it accepts
# the same flags and ignores 'l', so the 'l'/'ll' modifiers are stripped for it.
FORMATS = [
    ("[%d]", "0", (0,)),
    ("[%d|%i]", "-42, 2147483647", (-42, 2147483647)),
    ("[%d]", "(-2147483647 - 1)", (-2147483648,)),
    ("[%u]", "4294967295u", (4294967295,)),
    ("[%x|%X|%08x]", "0xbeefu, 0xbeefu, 0x12abu", (0xBEEF, 0xBEEF, 0x12AB)),
    ("[%5d|%-5d|%05d|%-05d]", "-42, 7, -42, 3", (-42, 7, -42, 3)),
    ("[%c|%3c|%-3c]", "'q', 'z', 'y'", ("q", "z", "y")),
    ("[%s|%8s|%-8s]", '"str", "ab", "cd"', ("str", "ab", "cd")),
    ("[%ld|%lu|%lx]", "-5l, 4000000000ul, 0xfffffffful", (-5, 4000000000, 0xFFFFFFFF)),
    ("[%lld|%llu]", "-1234567890123ll, 18446744073709551615ull",
     (-1234567890123, 18446744073709551615)),
    ("[%lld]", "(-9223372036854775807ll - 1)", (-9223372036854775808,)),
    ("[%llx|%016llX]", "0x123456789abcdefull, 0xabcull", (0x123456789ABCDEF, 0xABC)),
    ("[%20llu|%-20lld]", "12345678901234ull, -1ll", (12345678901234, -1)),
    ("[100%%]", "0", ()),
]


def test_printf_matches_python(tmp_path):
    calls = "\n".join(f'    printf("{fmt}\\n", {args});' if py else f'    printf("{fmt}\\n");'
                      for fmt, args, py in FORMATS)
    elf = _build(tmp_path, f"""
#include "hetsoc.h"
int main(void)
{{
{calls}
    printf("[%p]\\n", (void *)0x1234);
    char buf[8];
    int n = snprintf(buf, sizeof buf, "%s-%d", "abcdef", 12345);
    printf("[%s|%d|%d]\\n", buf, n, snprintf(NULL, 0, "%05d", 1));
    return 0;
}}
""", extra_cflags=["-Wno-format"])
    run = run_unicorn(elf)
    assert (run.status, run.code) == ("exit", 0)
    lines = run.console.splitlines()
    for (fmt, _, py), line in zip(FORMATS, lines, strict=False):
        assert line == fmt.replace("ll", "").replace("l", "") % py, fmt
    assert lines[len(FORMATS):] == ["[0x00001234]", "[abcdef-|12|5]"]


def test_divide_and_string_helpers(tmp_path):
    pairs = [(10**10, 3), (-(10**10), 7), (2**63 - 1, 2**32 + 5), (-(2**63), -3), (99, 100),
             (2**64 - 1, 2**64 - 2), (123456789, 1)]
    checks = []
    for a, b in pairs:
        if a >= 0 and b >= 0:
            checks.append(f"check_u({a}ull, {b}ull, {a // b}ull, {a % b}ull);")
        a, b = (a - 2**64 if a >= 2**63 else a), (b - 2**64 if b >= 2**63 else b)
        q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)  # C truncates toward zero
        checks.append(f"check_s({_c_int64(a)}, {_c_int64(b)}, {_c_int64(q)}, "
                      f"{_c_int64(a - q * b)});")
    body = "\n    ".join(checks)
    elf = _build(tmp_path, f"""
#include "hetsoc.h"
static int failures;
/* volatile operands: the compiler must call the helpers, not fold the division. */
static void check_u(volatile uint64_t a, volatile uint64_t b, uint64_t q, uint64_t r)
{{
    if (a / b != q || a % b != r) {{ failures++; printf("u %llu %llu\\n", a, b); }}
}}
static void check_s(volatile int64_t a, volatile int64_t b, int64_t q, int64_t r)
{{
    if (a / b != q || a % b != r) {{ failures++; printf("s %lld %lld\\n", a, b); }}
}}
int main(void)
{{
    {body}
    char a[32], b[32];
    for (int i = 0; i < 32; i++) a[i] = (char)i;
    memcpy(b, a, sizeof a);
    failures += memcmp(a, b, sizeof a) != 0;
    memmove(a + 1, a, 20);               /* overlapping, backwards */
    failures += a[1] != 0 || a[20] != 19 || a[21] != 21;
    memmove(a, a + 3, 10);               /* overlapping, forwards */
    failures += a[0] != 2 || a[9] != 11;
    memset(b + 1, 0x5a, 13);
    failures += b[0] != 0 || b[1] != 0x5a || b[13] != 0x5a || b[14] != 14;
    failures += memcmp("abc", "abd", 3) >= 0 || memcmp("b", "a", 1) <= 0;
    failures += strlen("hetsoc") != 6 || strlen("") != 0;
    return failures;
}}
""", opt="-O1")
    run = run_unicorn(elf)
    assert (run.status, run.code) == ("exit", 0), run.console


def _c_int64(v: int) -> str:
    # -2**63 has no literal form in C: spell it as an expression.
    return "(-9223372036854775807ll - 1)" if v == -(2**63) else f"{v}ll"


@pytest.mark.parametrize("opt", ["-O0", "-O2"])
def test_unhandled_trap_reports_and_ends(tmp_path, opt):
    elf = _build(tmp_path, """
#include "hetsoc.h"
int main(void)
{
    __asm__ volatile(".globl bad_insn\\nbad_insn: .word 0");
    return 5;
}
""", opt=opt)
    image = load_elf(elf)
    bad = image.symbols["bad_insn"]
    run = run_unicorn(elf)
    assert (run.status, run.code) == ("trap", 2)
    assert run.console == (f"trap: illegal instruction (mcause=0x00000002) at pc=0x{bad:08x} "
                           f"mtval=0x00000000\n")


def test_trap_hook_handles_ecall_and_resumes(tmp_path):
    elf = _build(tmp_path, """
#include "hetsoc.h"
static int ecalls;
int trap_handler_hook(struct trap_frame *f)
{
    if (f->mcause != 11)
        return 0;
    ecalls++;
    f->regs[10] = f->regs[10] * 2 + f->regs[11]; /* a0 = 2*a0 + a1, every register restored */
    f->mepc += 4;
    return 1;
}
static uint32_t syscall(uint32_t x, uint32_t y)
{
    register uint32_t a0 __asm__("a0") = x;
    register uint32_t a1 __asm__("a1") = y;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1) : "memory");
    return a0;
}
int main(void)
{
    uint32_t v = syscall(20, 2);
    v = syscall(v, 1);
    printf("v=%u ecalls=%d\\n", (unsigned)v, ecalls);
    __asm__ volatile("unimp"); /* csrrw x0, cycle, x0: writes a read-only CSR */
    return 0;
}
""")
    run = run_unicorn(elf)
    assert run.console.startswith("v=85 ecalls=2\ntrap: illegal instruction (mcause=0x00000002)")
    assert run.console.endswith(" mtval=0xc0001073\n")
    assert (run.status, run.code) == ("trap", 2)
