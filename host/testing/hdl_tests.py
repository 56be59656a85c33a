"""The cocotb side of the kit on Verilator (`hetsoc.testing.hdl`): runs in the simulator.

It makes the slot again from the request file, starts the clock, seeds the L1 model's stall
pattern, and runs the same testbench as Amaranth's simulator does, through `_Context`: a
stand-in for Amaranth's testbench context (``get``, ``set``, ``tick``) over cocotb handles.
The stand-in samples and drives between clock edges (at the falling edge), which is where
Amaranth's testbenches see a design: after the rising edge has settled, before the next.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

from .cases import cases_bench, make_cases
from .conformance import protocol_bench
from .hdl import slot_from_request


class _Tick:
    def __init__(self, clk):
        self.clk = clk

    def __await__(self):
        return FallingEdge(self.clk).__await__()

    async def repeat(self, count: int):
        for _ in range(count):
            await FallingEdge(self.clk)


class _Context:
    """Amaranth's testbench context, as far as the kit's benches use it."""

    def __init__(self, clk):
        self.clk = clk

    @staticmethod
    def get(handle) -> int:
        value = handle.value     # a LogicArray, or a Logic for one bit
        return value.to_unsigned() if hasattr(value, "to_unsigned") else int(value)

    @staticmethod
    def set(handle, value: int) -> None:
        handle.value = int(value)

    def tick(self) -> _Tick:
        return _Tick(self.clk)


class _Port:
    """The unit's page as the top's ports: ``unit.bus.addr`` is ``bus__addr``."""

    def __init__(self, dut, prefix: str):
        self._dut, self._prefix = dut, prefix

    def __getattr__(self, name):
        return getattr(self._dut, f"{self._prefix}__{name}")


class _Unit:
    def __init__(self, dut):
        self.bus = _Port(dut, "bus")
        self.irq = dut.irq


@cocotb.test()
async def kit(dut):
    request = json.loads(Path(os.environ["HETSOC_KIT_REQUEST"]).read_text())
    slot = slot_from_request(request["slot"])
    seed, l1_size = request["seed"], request["l1_size"]
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value = 1
    dut.bus__req_valid.value = 0
    await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    dut.l1.lfsr.value = seed & 0xFFFF or 1    # as UnitBed seeds L1Model in Amaranth's simulator
    await FallingEdge(dut.clk)
    ctx, unit = _Context(dut.clk), _Unit(dut)
    passed: list[str] = []
    failure: list[str] = []
    if request["check"] == "protocol":
        bench = protocol_bench(slot, unit, random.Random(seed), passed, failure)
    else:
        cases = make_cases(slot, request["count"], l1_size, seed)
        width = slot.l1_port_bits // 8
        mem = dut.l1.mem
        bench = cases_bench(slot, unit, [mem[i] for i in range(l1_size // width)], width,
                            l1_size, cases, failure)
    await bench(ctx)
    Path(request["result"]).write_text(json.dumps({"passed": passed, "failure": failure}))
