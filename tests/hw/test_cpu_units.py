"""Unit-level checks of the CPU's building blocks and the core's constructor."""

import random

import pytest
from amaranth.sim import Simulator

from hetsoc.hw.cpu.core import Core
from hetsoc.hw.cpu.csr import CsrFile
from hetsoc.hw.cpu.decoder import Decoder
from hetsoc.hw.cpu.divider import Divider
from hetsoc.hw.cpu.fetch import FetchUnit
from hetsoc.hw.cpu.predictor import BranchTargetBuffer


def test_constructor_checks():
    with pytest.raises(TypeError, match="Reset vector must be an integer, not '0'"):
        Core("0")
    with pytest.raises(TypeError):
        Core(True)
    with pytest.raises(ValueError, match="Reset vector must be a 4-byte aligned 32-bit address"):
        Core(0x8000_0002)
    with pytest.raises(ValueError):
        Core(1 << 32)
    with pytest.raises(ValueError):
        FetchUnit(-4)
    with pytest.raises(ValueError, match="BTB entries must be a power of two"):
        BranchTargetBuffer(12)
    core = Core(0x8000_0000)
    assert core.reset_vector == 0x8000_0000
    assert {name for name, _ in core.signature.members.items()} == {
        "ibus", "dbus", "irq_timer", "irq_software", "irq_external", "trap_valid",
        "trap_cause", "trap_pc", "trap_tval", "trap_target", "cycle", "instret", "sleeping"}
    with pytest.raises(TypeError, match=r"^counter_domain must be a str, not 0$"):
        Core(0x8000_0000, counter_domain=0)
    with pytest.raises(TypeError, match=r"^counter_domain must be a str, not None$"):
        CsrFile(None)


def _legal(w):
    """Reference: is ``w`` an RV32IM + Zicsr + Zifencei encoding (CSR addresses aside)?"""
    if w & 3 != 3:
        return False
    op, f3, f7 = (w >> 2) & 31, (w >> 12) & 7, w >> 25
    if op in (0b01101, 0b00101, 0b11011):            # lui, auipc, jal
        return True
    if op == 0b11001:                                # jalr
        return f3 == 0
    if op == 0b11000:                                # branch
        return f3 not in (2, 3)
    if op == 0b00000:                                # load
        return f3 in (0, 1, 2, 4, 5)
    if op == 0b01000:                                # store
        return f3 in (0, 1, 2)
    if op == 0b00100:                                # op-imm
        return f7 == 0 if f3 == 1 else f7 in (0, 0x20) if f3 == 5 else True
    if op == 0b01100:                                # op
        return f7 in (0, 1) or (f7 == 0x20 and f3 in (0, 5))
    if op == 0b00011:                                # misc-mem
        return f3 in (0, 1)
    if op == 0b11100:                                # system
        if f3 == 0:
            return w in (0x00000073, 0x00100073, 0x30200073, 0x10500073)
        return f3 != 4
    return False


def test_decoder_legality_matches_reference():
    rng = random.Random(1)
    words = []
    for _ in range(3000):
        w = rng.getrandbits(32)
        if rng.random() < 0.9:
            w = (w & ~0x7F) | (rng.getrandbits(5) << 2) | 3
        if rng.random() < 0.3:
            w &= ~(0x7F << 25) | (rng.choice([0, 1, 0x20]) << 25)
        words.append(w)
    words += [0x00000073, 0x00100073, 0x30200073, 0x10500073, 0x10200073, 0x00000013]
    dut = Decoder()
    sim = Simulator(dut)
    bad = []

    async def testbench(ctx):
        for w in words:
            ctx.set(dut.insn, w)
            if ctx.get(dut.out.illegal) != (not _legal(w)):
                bad.append(hex(w))

    sim.add_testbench(testbench)
    sim.run()
    assert not bad, bad[:10]


def test_divider_latency_and_hold():
    dut = Divider()
    sim = Simulator(dut)
    sim.add_clock(1e-8)

    async def testbench(ctx):
        for a, b, op, want in [(100, 7, 0, 14), (100, 7, 2, 2), (5, 0, 1, 0xFFFF_FFFF),
                               (0x8000_0000, 0xFFFF_FFFF, 0, 0x8000_0000)]:
            ctx.set(dut.a, a)
            ctx.set(dut.b, b)
            ctx.set(dut.op, op)
            ctx.set(dut.start, 1)
            cycles = 0
            while not ctx.get(dut.done):
                await ctx.tick()
                cycles += 1
            assert cycles == 33
            ctx.set(dut.start, 0)
            await ctx.tick().repeat(3)          # the result holds until cleared
            assert ctx.get(dut.result) == want
            ctx.set(dut.clear, 1)
            await ctx.tick()
            ctx.set(dut.clear, 0)
            assert not ctx.get(dut.done) and not ctx.get(dut.busy)

    sim.add_testbench(testbench)
    sim.run()
