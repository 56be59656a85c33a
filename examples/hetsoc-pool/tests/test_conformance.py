"""The conformance kit on the example config's pooling unit and on a 16-lane variant of it
(the protocol with a stalling L1, then the plug-in's random cases against golden and the
cycle model), and the same random layers once more with L1 stalling at random: still golden's
output, the same outputs and bytes written, and more busy cycles than the model's."""

import dataclasses
import random

import pytest
from amaranth import Elaboratable, Module

from hetsoc.accel.npu.bench import L1Model
from hetsoc.spec.pack import unpack
from hetsoc.spec.page import STATUS
from hetsoc.testing.conformance import bus_access, run_bench
from hetsoc_pool.spec import PoolParams
from hetsoc_pool.testgen import conformance_cases


@pytest.fixture(params=[8, 16], ids=["lanes8", "lanes16"])
def pool_slot(request, slot):
    return dataclasses.replace(slot, params=PoolParams(lanes=request.param))


def test_protocol(hetsoc_conformance, pool_slot):
    assert "refusal moves nothing" in hetsoc_conformance(pool_slot)


def test_cases(hetsoc_conformance, pool_slot):
    assert len(hetsoc_conformance.cases(pool_slot)) == 4


class _Bed(Elaboratable):
    def __init__(self, unit, l1_size, seed):
        self.unit, self.l1 = unit, L1Model(unit.l1, l1_size, stall=True, seed=seed)

    def elaborate(self, platform):
        m = Module()
        m.submodules.unit, m.submodules.l1 = self.unit, self.l1
        return m


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cases_with_stalls(pool_slot, seed):
    l1_size = 16384
    cases = conformance_cases(pool_slot, random.Random(seed), l1_size)
    unit = pool_slot.load_gateware()(pool_slot, l1_size=l1_size, gated=False)
    bed = _Bed(unit, l1_size, seed)
    offsets = {r.name: r.offset for r in pool_slot.page.registers}
    width, problems = bed.l1.bytes, []

    async def bench(ctx):
        for case in cases:
            image = bytearray(l1_size)
            for base, data in case.l1:
                image[base:base + len(data)] = data
            for i in range(l1_size // width):
                ctx.set(bed.l1.mem.data[i], int.from_bytes(image[width * i:width * (i + 1)],
                                                           "little"))
            for k, word in enumerate(case.desc):
                await bus_access(ctx, unit.bus, offsets[f"DESC{k}"], word)
            await bus_access(ctx, unit.bus, offsets["CTRL"], 1)
            while not unpack(STATUS, (status := (await bus_access(
                    ctx, unit.bus, offsets["STATUS"]))[0]))["done"]:
                pass
            got = {n: (await bus_access(ctx, unit.bus, offsets[n]))[0]
                   for n in ("WORK", "BUSY_CYCLES", "STALL_CYCLES", "L1_WR_BYTES")}
            after = b"".join(ctx.get(bed.l1.mem.data[i]).to_bytes(width, "little")
                             for i in range(l1_size // width))
            why = case.verify(after) or (unpack(STATUS, status)["code"] and "refused")
            if got["WORK"] != case.work or got["L1_WR_BYTES"] != case.written:
                why = why or f"counted {got}"
            if got["BUSY_CYCLES"] != case.cycles + got["STALL_CYCLES"] or not got["STALL_CYCLES"]:
                why = why or f"{got} with L1 stalling, the model {case.cycles} without"
            if why:
                problems.append(f"{case.name}: {why}")

    run_bench(bed, bench)
    assert not problems, problems
