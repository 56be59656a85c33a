"""Differential testing of the CPU against unicorn, and checks of the test machinery itself.

``HETSOC_DIFF_SEED`` (default 0) moves the window of seeds; a failing seed's message carries
a one-line reproducer command.
"""

import os
import re
import shutil
from collections import Counter

import pytest

from hetsoc.spec.config import load_config
from hetsoc.verify import generate
from hetsoc.verify.differential import reproducer, rtl_runner, run_differential
from hetsoc.verify.reference import check_arith, load_image, run_iss, run_unicorn
from hetsoc.verify.toolchain import assemble_program

SEED = int(os.environ.get("HETSOC_DIFF_SEED", "0"))
N_INSTR = 200

try:
    from hetsoc.sim.harness import run_batch  # noqa: F401
    HAVE_HARNESS = True
except ImportError:
    HAVE_HARNESS = False
needs_harness = pytest.mark.skipif(not HAVE_HARNESS, reason="hetsoc.sim has no run_batch yet")

RV32IM_GENERATED = {
    "lui", "auipc", "jal", "jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu", "lb", "lh",
    "lw", "lbu", "lhu", "sb", "sh", "sw", "addi", "slti", "sltiu", "xori", "ori", "andi",
    "slli", "srli", "srai", "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or",
    "and", "fence", "fence.i", "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
    "csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci",
}


def _flat(segments) -> dict[int, int]:
    return {a + i: b for a, d in segments for i, b in enumerate(d)}


def test_generator_is_deterministic():
    assert generate(7, N_INSTR).code() == generate(7, N_INSTR).code()
    assert generate(7, N_INSTR).data == generate(7, N_INSTR).data
    assert generate(7, N_INSTR).code() != generate(8, N_INSTR).code()


def test_generator_covers_every_instruction_class():
    seen = Counter(ins[0] for s in range(50) for ins in generate(s, N_INSTR).instrs)
    assert RV32IM_GENERATED <= set(seen), RV32IM_GENERATED - set(seen)
    text = generate(3, N_INSTR).asm()
    assert re.search(r"jalr x\d+, -?\d+\(x\d+\)", text)


def test_generator_reaches_l2_l1_and_the_console():
    from hetsoc.verify.generator import Layout

    layout = Layout.from_config(load_config("default"))
    areas = {a for _, a in layout.far}
    prog = generate(0, 1000, layout)
    iss_console = run_iss(prog).console
    assert iss_console and iss_console == run_unicorn(prog).console
    lui_targets = {ins[2] << 12 for ins in prog.instrs if ins[0] == "lui"}
    assert all(any(0 <= a - t < 4096 + 2048 for t in lui_targets) for a in areas)


def test_encoder_matches_the_assembler(tmp_path):
    for seed in (0, 1, 2):
        prog = generate(seed, N_INSTR)
        elf = assemble_program(prog, tmp_path / f"{seed}.elf")
        assert _flat(load_image(elf).segments) == _flat(load_image(prog.elf()).segments)


def test_generated_elf_passes_the_project_loader(tmp_path):
    from hetsoc.elf import load_elf

    prog = generate(5, N_INSTR)
    path = tmp_path / "p.elf"
    path.write_bytes(prog.elf())
    image = load_elf(path, load_config("default"))
    assert image.entry == prog.layout.code_base
    assert image.tohost == prog.layout.tohost
    assert _flat(image.segments) == _flat((a, d) for _, a, d in prog.segments())


def test_programs_fit_the_smaller_config():
    from hetsoc.verify.generator import Layout

    layout = Layout.from_config(load_config("pynq-z2"))
    prog = generate(11, 2000, layout)
    assert run_unicorn(prog, config=load_config("pynq-z2")).tohost == 1


def test_unicorn_arithmetic_matches_the_spec():
    """mulh*/div/rem corner cases (INT_MIN / -1, division by zero) on unicorn vs the spec."""
    assert check_arith() == []


def test_arithmetic_check_detects_a_deviation():
    def broken(prog, dump=None, config=None):
        ref = run_unicorn(prog, dump=dump, config=config)
        return ref._replace(memory=bytes([ref.memory[0] ^ 1]) + ref.memory[1:])

    deviations = check_arith(broken)
    assert deviations and deviations[0] == "add(0x0, 0x0): got 0x1 expected 0x0"


def test_unicorn_and_iss_agree():
    for seed in range(SEED, SEED + 100):
        prog = generate(seed, N_INSTR)
        assert run_unicorn(prog) == run_iss(prog), reproducer(seed, N_INSTR, "verilator")


@needs_harness
def test_rtl_arithmetic_matches_the_spec():
    assert check_arith(rtl_runner("verilator")) == []


def _check(summary, backend):
    lines = [f"seed {o.seed}: {o.status}: {o.detail}\n  reproduce: "
             f"{reproducer(o.seed, N_INSTR, backend)}" for o in summary.failures]
    assert not lines, f"{len(lines)} of {len(summary.outcomes)} programs failed:\n" + \
        "\n".join(lines[:10])


@needs_harness
def test_differential_verilator():
    """200 random programs on Verilator, compared with unicorn (and the ISS as a tie-break)."""
    summary = run_differential(range(SEED, SEED + 200), N_INSTR, "verilator", batch=200,
                               vote=True)
    assert len(summary.outcomes) == 200
    _check(summary, "verilator")


@needs_harness
def test_differential_amaranth():
    summary = run_differential(range(SEED + 200, SEED + 208), N_INSTR, "amaranth")
    _check(summary, "amaranth")


@needs_harness
def test_differential_detects_a_wrong_result(monkeypatch):
    """End to end: RTL runs of subtly different programs are reported as mismatches. Seeds
    alternate between a flipped data byte and the signature slot of x7 receiving x8."""
    import hetsoc.verify.differential as diff

    real = diff._image

    def mutated(prog):
        instrs, data = list(prog.instrs), bytearray(prog.data)
        if prog.seed % 2:
            data[-1] ^= 0x40
        else:
            i = next(i for i, ins in enumerate(instrs) if ins[:3] == ("sw", 7, 3))
            instrs[i] = ("sw", 8, *instrs[i][2:])
        return real(type(prog)(prog.seed, prog.layout, instrs, prog.labels, bytes(data)))

    monkeypatch.setattr(diff, "_image", mutated)
    summary = run_differential(range(SEED, SEED + 4), N_INSTR, "verilator")
    assert [o.status for o in summary.outcomes] == ["mismatch"] * 4
    assert any(o.detail.startswith("x7: rtl 0x") for o in summary.outcomes)
    assert any(o.detail.startswith("mem 0x") for o in summary.outcomes)


@needs_harness
@pytest.mark.icarus
@pytest.mark.skipif(shutil.which("iverilog") is None, reason="Icarus Verilog is not on PATH")
def test_differential_icarus():
    summary = run_differential(range(SEED + 300, SEED + 308), N_INSTR, "icarus")
    _check(summary, "icarus")
