"""The hetsoc command as a user meets it: help everywhere, one-line errors, exit codes."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hetsoc.cli import _COMMANDS, EXIT_TIMEOUT, EXIT_TRAP, EXIT_USAGE
from hetsoc.firmware import build_firmware

ROOT = Path(__file__).resolve().parent.parent


def hetsoc(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "hetsoc", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_error(proc, code, *fragments):
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("hetsoc: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize("command", [None, *sorted(_COMMANDS)])
def test_every_subcommand_has_help(command):
    proc = hetsoc(*([command] if command else []), "--help")
    assert proc.returncode == 0
    assert "usage: hetsoc" in proc.stdout


def test_doctor_passes_on_this_machine():
    proc = hetsoc("doctor")
    assert proc.returncode == 0, proc.stdout
    assert "all required tools found" in proc.stdout
    for tool in ("amaranth", "yosys", "verilator", "zig", "unicorn"):
        assert f"] {tool}" in proc.stdout


def test_sim_elf_rejects_a_file_that_is_not_elf(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert_one_line_error(hetsoc("sim-elf", path), EXIT_USAGE, "not an ELF file")


def test_sim_elf_rejects_an_elf_for_another_architecture():
    exe = Path(sys.executable).resolve()
    assert_one_line_error(hetsoc("sim-elf", exe), EXIT_USAGE, "x86", "RISC-V")


def test_sim_elf_rejects_a_missing_file_and_config(tmp_path):
    assert_one_line_error(hetsoc("sim-elf", tmp_path / "nope.elf"), EXIT_USAGE, "nope.elf")
    assert_one_line_error(hetsoc("sim-elf", tmp_path / "x.elf", "--config", "nope"),
                          EXIT_USAGE, "unknown config 'nope'")


def test_sim_c_reports_compile_errors_in_one_line(tmp_path):
    src = tmp_path / "broken.c"
    src.write_text("int main(void) { return undefined_name; }\n")
    assert_one_line_error(hetsoc("sim-c", src), EXIT_USAGE, "undefined_name")


def test_sim_c_takes_include_folders_and_defines_and_keeps_its_elf(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "extra.h").write_text('#define NAME "from -I"\n')
    src = tmp_path / "prog.c"
    src.write_text('#include "hetsoc.h"\n#include "extra.h"\n'
                   'int main(void) { printf("%d %s\\n", VALUE, NAME); return 0; }\n')
    kept = tmp_path / "prog.elf"
    proc = hetsoc("sim-c", src, "-I", tmp_path / "inc", "-D", "VALUE=42", "-o", kept,
                  "--backend", "amaranth")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "42 from -I"
    assert proc.stderr.strip() == f"hetsoc: wrote {kept}"
    again = hetsoc("sim-elf", kept, "--backend", "amaranth")   # the kept program runs alone
    assert again.returncode == 0 and again.stdout.splitlines()[0] == "42 from -I"


def _build(tmp_path, name, body):
    src = tmp_path / f"{name}.c"
    src.write_text(body)
    return build_firmware([src], "default", tmp_path / f"{name}.elf")


@pytest.mark.parametrize("backend", ["verilator", "amaranth"])
def test_sim_elf_illegal_instruction_names_pc_and_word(tmp_path, backend):
    elf = _build(tmp_path, "illegal", "int main(void) {\n"
                 "  __asm__ volatile(\".word 0xffffffff\");\n  return 0;\n}\n")
    proc = hetsoc("sim-elf", elf, "--backend", backend, "--max-cycles", 200000)
    assert_one_line_error(proc, EXIT_TRAP, "illegal instruction at pc=0x8",
                          "(instruction 0xffffffff)")
    assert "cycles=" in proc.stdout


def test_sim_elf_never_ending_program_hits_max_cycles(tmp_path):
    elf = _build(tmp_path, "forever", "int main(void) { for (;;) { } }\n")
    proc = hetsoc("sim-elf", elf, "--max-cycles", 20000)
    assert_one_line_error(proc, EXIT_TIMEOUT, "did not finish within 20000 cycles")


def test_sim_elf_passes_the_exit_code_through(tmp_path):
    elf = _build(tmp_path, "seven", "int main(void) { return 7; }\n")
    proc = hetsoc("sim-elf", elf)
    assert proc.returncode == 7
    assert proc.stderr == "hetsoc: the program exited with code 7\n"


@pytest.mark.parametrize("code, status", [(668, 156), (256, 1)])
def test_an_exit_code_the_shell_cannot_hold_is_said_in_full(tmp_path, code, status):
    elf = _build(tmp_path, f"code{code}", f"int main(void) {{ return {code}; }}\n")
    proc = hetsoc("sim-elf", elf)
    assert proc.returncode == status
    assert proc.stderr == (f"hetsoc: the program exited with code {code} ({code:#x}; "
                           f"exit status {status})\n")


def test_demo_runs_hello():
    proc = hetsoc("demo")
    assert proc.returncode == 0, proc.stderr
    assert "cycles=" in proc.stdout and "instret=" in proc.stdout


@pytest.mark.parametrize("backend, suffix", [
    ("amaranth", "vcd"),
    pytest.param("icarus", "fst", marks=pytest.mark.skipif(
        not shutil.which("iverilog"), reason="Icarus Verilog not installed")),
    pytest.param("verilator", "vcd", marks=pytest.mark.slow),  # a second (traced) build
])
def test_sim_elf_writes_waves(tmp_path, backend, suffix):
    elf = _build(tmp_path, "seven", "int main(void) { return 7; }\n")
    waves = tmp_path / f"run.{suffix}"
    assert hetsoc("sim-elf", elf, "--backend", backend, "--waves", waves).returncode == 7
    assert waves.stat().st_size > 1000
