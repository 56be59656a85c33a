"""Bit-exactness and the cycle model of a plug-in, on random descriptors: the second half of the
conformance kit.

A plug-in declares ``Plugin.cases``, a reference to ``cases(slot, rng, l1_size)`` returning
`Case` objects made by its own encoder and golden model: what to write into its own registers
first (weights), what L1 holds, the descriptor, and how to check L1 afterwards, with the work
units and busy cycles its models predict. `check_cases` runs each on the unit's gateware with an
L1 that never stalls (so the busy counter must equal the cycle model exactly), loaded and read
by backdoor, and raises `ConformanceError` naming the case and the seed at the first difference.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..spec.accelerators import AcceleratorSlot, load_reference
from ..spec.pack import unpack
from ..spec.page import STATUS
from .conformance import ConformanceError, UnitBed, bus_access, fail, run_bench, simulator_for

__all__ = ["Case", "cases_bench", "check_cases", "exact_timing", "make_cases"]


@dataclass
class Case:
    """One random descriptor of a plug-in, with what its golden and cycle models expect."""

    name: str
    desc: list[int]
    l1: list[tuple[int, bytes]]                 # (L1 offset, bytes) before the run
    verify: Callable[[bytes], str | None]       # the L1 image after the run -> None or why not
    writes: list[tuple[str, int]] = field(default_factory=list)   # own registers, in order
    work: int | None = None                     # WORK the shapes give
    cycles: int | None = None                   # BUSY_CYCLES of the cycle model, L1 never stalling
    written: int | None = None                  # L1_WR_BYTES


def make_cases(slot: AcceleratorSlot, count: int, l1_size: int, seed: int) -> list[Case]:
    """The first `count` of the plug-in's cases for `seed`."""
    if slot.plugin.cases is None:
        raise ConformanceError(f"{slot.kind} {slot.name!r}: its plug-in declares no cases "
                               f"(Plugin.cases)")
    make = load_reference(slot.plugin.cases)
    return list(make(slot, random.Random(seed), l1_size))[:count]


def exact_timing(case: Case, got: dict[str, int]) -> str | None:
    """The counters of a run on an L1 that never stalls: the models' figures exactly."""
    for name, want in (("WORK", case.work), ("BUSY_CYCLES", case.cycles),
                       ("L1_WR_BYTES", case.written)):
        if want is not None and got[name] != want:
            return f"{name} {got[name]}, the model {want}"
    return None


def cases_bench(slot: AcceleratorSlot, unit, mem_data, width: int, l1_size: int,
                cases: list[Case], problems: list[str], *, timing=exact_timing):
    """The cases as a testbench ``bench(ctx)`` on `unit` (its ``bus``) and an L1 of words
    ``mem_data[i]`` of `width` bytes, read and written by backdoor; the first difference goes
    to `problems`. `ctx` is Amaranth's testbench context or its cocotb stand-in. ``timing(case,
    counters)`` judges ``WORK``, ``BUSY_CYCLES``, ``STALL_CYCLES`` and ``L1_WR_BYTES`` of a
    correct run (by default `exact_timing`; a plug-in whose busy cycles are its model plus its
    stalls checks that on a stalling L1)."""
    offsets = {r.name: r.offset for r in slot.page.registers}

    async def bench(ctx):
        for case in cases:
            image = bytearray(l1_size)
            for base, data in case.l1:
                image[base:base + len(data)] = data
            for i in range(l1_size // width):
                ctx.set(mem_data[i], int.from_bytes(image[width * i:width * (i + 1)], "little"))
            for name, value in case.writes:
                await bus_access(ctx, unit.bus, offsets[name], value)
            for k, word in enumerate(case.desc):
                await bus_access(ctx, unit.bus, offsets[f"DESC{k}"], word)
            await bus_access(ctx, unit.bus, offsets["CTRL"], 1)
            while True:
                status = (await bus_access(ctx, unit.bus, offsets["STATUS"]))[0]
                if unpack(STATUS, status)["done"]:
                    break
            got = {n: (await bus_access(ctx, unit.bus, offsets[n]))[0]
                   for n in ("WORK", "BUSY_CYCLES", "STALL_CYCLES", "L1_WR_BYTES")}
            after = b"".join(ctx.get(mem_data[i]).to_bytes(width, "little")
                             for i in range(l1_size // width))
            code = unpack(STATUS, status)["code"]
            why = (f"refused with code {code}" if code else case.verify(after)) \
                or timing(case, got)
            if why and not problems:
                problems.append(f"case {case.name}: {why}")

    return bench


def check_cases(slot: AcceleratorSlot, *, count: int = 4, l1_size: int = 16384,
                seed: int | None = None, vcd_dir: str | Path | None = None,
                simulator: str | None = None) -> list[str]:
    """Run `count` of the plug-in's random cases; returns their names.

    `simulator` as `check_protocol`'s: Amaranth's by default, Verilator's for a plug-in with
    HDL sources.

    Raises
    ------
    ConformanceError
        ``"<kind> <name>, seed S: case <case>: <what>"``; a plug-in without ``cases`` is one too.
    """
    seed = random.randrange(1 << 16) if seed is None else seed
    simulator = simulator_for(slot, simulator)
    cases = make_cases(slot, count, l1_size, seed)
    problems: list[str] = []

    def simulate(vcd: Path | None):
        problems.clear()
        if simulator == "verilator":
            from .hdl import run_on_verilator

            result = run_on_verilator(slot, "cases", l1_size=l1_size, seed=seed, stall=False,
                                      count=count, vcd=vcd)
            problems[:] = result["failure"]
            return
        unit = slot.load_gateware()(slot, l1_size=l1_size, gated=False)
        bed = UnitBed(unit, l1_size, seed, stall=False)
        run_bench(bed, cases_bench(slot, unit, bed.l1.mem.data, bed.l1.bytes, l1_size, cases,
                                   problems), vcd)

    simulate(None)
    if problems:
        fail(slot, seed, problems[0], vcd_dir, "cases-", simulate)
    return [c.name for c in cases]
