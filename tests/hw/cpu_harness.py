"""Test harness for the CPU core: assemble RISC-V code, run it on the core in the Amaranth
simulator against Python models of the instruction and data memories.

Memory map seen by the programs:

* ``RAM_BASE`` .. ``RAM_BASE + RAM_SIZE``: unified instruction/data memory (so self-modifying
  code works), single-cycle by default.
* ``TOHOST``: a store here ends the run.
* ``IRQ``: a store here sets the interrupt lines (bit 0 software, 1 timer, 2 external) from the
  next cycle on.
* ``ERR_BASE`` .. ``ERR_BASE + 0x1000`` and anything unmapped: the access gets a bus error.

The bus models check the protocol of :mod:`hetsoc.hw.bus` as they go: at most one request
outstanding, and a presented request holds (unchanged) until accepted.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from amaranth.sim import Simulator
from elftools.elf.elffile import ELFFile

from hetsoc.hw.cpu.core import Core

RAM_BASE = 0x8000_0000
RAM_SIZE = 0x1_0000
TOHOST = 0x1000_0000
IRQ = 0x1000_0004
ERR_BASE = 0x2000_0000

PRELUDE = f"""
.equ TOHOST, {TOHOST:#x}
.equ IRQ, {IRQ:#x}
.equ ERR_BASE, {ERR_BASE:#x}
.macro END
    li t6, TOHOST
    sw zero, 0(t6)
1:  j 1b
.endm
.section .text
.globl _start
_start:
"""

_LINKER_SCRIPT = f"""
ENTRY(_start)
SECTIONS {{
  . = {RAM_BASE:#x};
  .text : {{ *(.text*) }}
  . = ALIGN(16);
  .data : {{ *(.data*) *(.rodata*) *(.sdata*) *(.bss*) *(.sbss*) }}
}}
"""

_CACHE = Path(tempfile.gettempdir()) / "hetsoc-cpu-tests"


@dataclass
class Program:
    """An assembled program: its memory image and symbol table."""

    image: dict[int, bytes]
    symbols: dict[str, int]
    entry: int


@functools.cache
def assemble(source: str) -> Program:
    """Assemble (and link at ``RAM_BASE``) a program body; the prelude defines ``END``."""
    text = PRELUDE + source + "\n"
    key = hashlib.sha1(text.encode()).hexdigest()[:16]
    _CACHE.mkdir(exist_ok=True)
    elf = _CACHE / f"{key}.elf"
    if not elf.exists():
        # Per-process scratch names: parallel test workers may build the same program at once;
        # the atomic rename publishes one complete ELF.
        tag = f"{key}.{os.getpid()}"
        src, ld, tmp = (_CACHE / f"{tag}.S", _CACHE / f"{tag}.ld", _CACHE / f"{tag}.elf")
        src.write_text(text)
        ld.write_text(_LINKER_SCRIPT)
        cmd = [sys.executable, "-m", "ziglang", "cc", "-target", "riscv32-freestanding-none",
               "-mcpu=generic_rv32+m", "-mno-relax", "-nostdlib", "-Wl,-T," + str(ld),
               str(src), "-o", str(tmp)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        src.unlink()
        ld.unlink()
        if done.returncode:
            raise RuntimeError(f"assembly failed:\n{done.stderr}\n{text}")
        tmp.replace(elf)
    with open(elf, "rb") as f:
        e = ELFFile(f)
        image = {s["p_paddr"]: s.data() for s in e.iter_segments()
                 if s["p_type"] == "PT_LOAD" and s["p_filesz"]}
        symtab = e.get_section_by_name(".symtab")
        symbols = {s.name: s["st_value"] for s in symtab.iter_symbols() if s.name}
        return Program(image, symbols, e.header.e_entry)


@dataclass
class Trap:
    cycle: int
    cause: int
    pc: int
    tval: int
    target: int


@dataclass
class Result:
    """What a run left behind."""

    finished: bool
    cycles: int
    instret: int
    regs: list[int]
    ram: bytearray
    traps: list[Trap] = field(default_factory=list)
    symbols: dict[str, int] = field(default_factory=dict)

    def word(self, addr: int) -> int:
        """Little-endian word of RAM at ``addr`` (or at a symbol)."""
        if isinstance(addr, str):
            addr = self.symbols[addr]
        return struct.unpack_from("<I", self.ram, addr - RAM_BASE)[0]

    def reg(self, name: str | int) -> int:
        return self.regs[name if isinstance(name, int) else REG_NAMES.index(name)]


REG_NAMES = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
             "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
             "s10", "s11", "t3", "t4", "t5", "t6"]


class _Port:
    """Python model of one bus target: RAM, the test devices, an error window."""

    def __init__(self, name, bus, ram, rng, ready_prob, max_delay, err_ranges):
        self.name = name
        self.bus = bus
        self.ram = ram
        self.rng = rng
        self.ready_prob = ready_prob
        self.max_delay = max_delay
        self.err_ranges = err_ranges
        self.pending = None          # (due cycle, rdata, err)
        self.last_unaccepted = None  # request presented but not accepted in the last cycle

    def drive(self, ctx, cycle):
        bus = self.bus
        if self.pending is not None and self.pending[0] <= cycle:
            _, rdata, err = self.pending
            self.pending = None
            ctx.set(bus.rsp_valid, 1)
            ctx.set(bus.rdata, rdata)
            ctx.set(bus.err, err)
        else:
            ctx.set(bus.rsp_valid, 0)
            ctx.set(bus.rdata, 0xDEADBEEF)
            ctx.set(bus.err, 0)
        self.ready = self.ready_prob >= 1 or self.rng.random() < self.ready_prob
        ctx.set(bus.req_ready, self.ready)

    def sample(self, ctx, cycle, run):
        bus = self.bus
        if not ctx.get(bus.req_valid):
            assert self.last_unaccepted is None, f"{self.name}: request withdrawn at {cycle}"
            return
        req = (ctx.get(bus.addr), ctx.get(bus.we), ctx.get(bus.wdata), ctx.get(bus.wstrb))
        assert self.pending is None, f"{self.name}: second outstanding request at {cycle}"
        if self.last_unaccepted is not None:
            assert req == self.last_unaccepted, f"{self.name}: request changed at {cycle}"
        if not self.ready:
            self.last_unaccepted = req
            return
        self.last_unaccepted = None
        addr, we, wdata, wstrb = req
        delay = 1 if self.max_delay <= 1 else self.rng.randint(1, self.max_delay)
        self.pending = (cycle + delay, *run.access(addr, we, wdata, wstrb, self.err_ranges))


class _Run:
    def __init__(self, program, irq_delay):
        self.ram = bytearray(RAM_SIZE)
        for addr, data in program.image.items():
            self.ram[addr - RAM_BASE:addr - RAM_BASE + len(data)] = data
        self.done_at = None
        self.irq = 0
        self.irq_delay = irq_delay
        self.irq_changes = []
        self.cycle = 0

    def access(self, addr, we, wdata, wstrb, err_ranges):
        word = addr & ~3
        if any(lo <= addr < hi for lo, hi in err_ranges):
            return 0, 1
        if RAM_BASE <= word < RAM_BASE + RAM_SIZE:
            off = word - RAM_BASE
            old = struct.unpack_from("<I", self.ram, off)[0]
            if we:
                mask = sum(0xFF << (8 * i) for i in range(4) if wstrb >> i & 1)
                struct.pack_into("<I", self.ram, off, (old & ~mask) | (wdata & mask))
            return old, 0
        if word == TOHOST and we:
            self.done_at = self.cycle
            return 0, 0
        if word == IRQ and we:
            self.irq_changes.append((self.cycle + self.irq_delay, wdata & 7))
            return 0, 0
        return 0, 1


def run(source: str | Program, *, max_cycles=20_000, ibus_ready=1.0, dbus_ready=1.0,
        ibus_delay=1, dbus_delay=1, err_ranges=((ERR_BASE, ERR_BASE + 0x1000),), seed=0,
        irq_delay=1, irq_schedule=(), ibus_err_ranges=None, vcd=None,
        must_finish=True, memory_windows=((RAM_BASE, RAM_SIZE),)) -> Result:
    """Run a program until it stores to ``TOHOST`` (or ``max_cycles``).

    ``*_ready`` is the probability that the bus accepts a request in a given cycle; ``*_delay``
    the maximum response latency in cycles (uniformly random from 1). Unless ``must_finish`` is
    false, running out of cycles fails the test. ``irq_schedule`` lists ``(cycle, lines)``
    changes of the interrupt lines, beside the program's own stores to ``IRQ``.
    ``memory_windows`` are the core's (where misaligned accesses complete): RAM by default.
    """
    program = assemble(source) if isinstance(source, str) else source
    core = Core(program.entry, memory_windows=memory_windows)
    sim = Simulator(core)
    sim.add_clock(1e-8)
    run_state = _Run(program, irq_delay)
    run_state.irq_changes.extend(irq_schedule)
    rng = random.Random(seed)
    ibus = _Port("ibus", core.ibus, run_state.ram, rng, ibus_ready, ibus_delay,
                 err_ranges if ibus_err_ranges is None else ibus_err_ranges)
    dbus = _Port("dbus", core.dbus, run_state.ram, rng, dbus_ready, dbus_delay, err_ranges)
    out = {}

    async def testbench(ctx):
        traps = []
        cycle = 0
        while cycle < max_cycles:
            run_state.cycle = cycle
            for when, value in list(run_state.irq_changes):
                if when <= cycle:
                    run_state.irq = value
                    run_state.irq_changes.remove((when, value))
                    ctx.set(core.irq_software, value & 1)
                    ctx.set(core.irq_timer, value >> 1 & 1)
                    ctx.set(core.irq_external, value >> 2 & 1)
            ibus.drive(ctx, cycle)
            dbus.drive(ctx, cycle)
            ibus.sample(ctx, cycle, run_state)
            dbus.sample(ctx, cycle, run_state)
            if ctx.get(core.trap_valid):
                traps.append(Trap(cycle, ctx.get(core.trap_cause), ctx.get(core.trap_pc),
                                  ctx.get(core.trap_tval), ctx.get(core.trap_target)))
            await ctx.tick()
            cycle += 1
            if run_state.done_at is not None and cycle >= run_state.done_at + 3:
                break
        out["finished"] = run_state.done_at is not None
        out["cycles"] = cycle if run_state.done_at is None else run_state.done_at
        out["instret"] = ctx.get(core.instret)
        out["regs"] = [ctx.get(core.regfile.mem.data[i]) for i in range(32)]
        out["traps"] = traps

    sim.add_testbench(testbench)
    if vcd:
        with sim.write_vcd(vcd):
            sim.run()
    else:
        sim.run()
    if must_finish and not out["finished"]:
        raise AssertionError(f"the program did not finish within {max_cycles} cycles")
    return Result(out["finished"], out["cycles"], out["instret"], out["regs"], run_state.ram,
                  out["traps"], program.symbols)
