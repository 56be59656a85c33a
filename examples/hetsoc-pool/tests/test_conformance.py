"""The conformance kit on the example config's pooling unit and on a 16-lane variant of it
(the protocol with a stalling L1, then the plug-in's random cases against golden and the
cycle model), and the same random layers once more with L1 stalling at random: still golden's
output, the same outputs and bytes written, and more busy cycles than the model's."""

import dataclasses
import random

import pytest

from hetsoc.testing.cases import cases_bench
from hetsoc.testing.conformance import UnitBed, run_bench
from hetsoc_pool.spec import PoolParams
from hetsoc_pool.testgen import conformance_cases


@pytest.fixture(params=[8, 16], ids=["lanes8", "lanes16"])
def pool_slot(request, slot):
    return dataclasses.replace(slot, params=PoolParams(lanes=request.param))


def test_protocol(hetsoc_conformance, pool_slot):
    assert "refusal moves nothing" in hetsoc_conformance(pool_slot)


def test_cases(hetsoc_conformance, pool_slot):
    assert len(hetsoc_conformance.cases(pool_slot)) == 4


def _model_plus_stalls(case, got):
    """With L1 stalling, every stall is one more busy cycle: busy = the model + the stalls."""
    if got["WORK"] != case.work or got["L1_WR_BYTES"] != case.written:
        return f"counted {got}"
    if got["BUSY_CYCLES"] != case.cycles + got["STALL_CYCLES"] or not got["STALL_CYCLES"]:
        return f"{got} with L1 stalling, the model {case.cycles} without"
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cases_with_stalls(pool_slot, seed):
    l1_size = 16384
    cases = conformance_cases(pool_slot, random.Random(seed), l1_size)
    unit = pool_slot.load_gateware()(pool_slot, l1_size=l1_size, gated=False)
    bed = UnitBed(unit, l1_size, seed)      # the kit's bed: L1 withholding ready, responses late
    problems = []
    run_bench(bed, cases_bench(pool_slot, unit, bed.l1.mem.data, bed.l1.bytes, l1_size, cases,
                               problems, timing=_model_plus_stalls))
    assert not problems, problems
