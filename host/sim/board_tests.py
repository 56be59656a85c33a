"""cocotb tests of the board top, run by :func:`hetsoc.sim.board.run_board` (not by pytest).

Parameters come from the environment: ``HETSOC_BOARD_CONFIG`` (config path or name),
``HETSOC_BOARD_SEED``, ``HETSOC_BOARD_TRANSFERS``, ``HETSOC_BOARD_PAUSE`` (L3 stall
probability), ``HETSOC_BOARD_LIMIT`` (bytes of each memory the random transfers use) and
``HETSOC_BOARD_RESULT`` (a JSON file the test writes its figures to).
"""

from __future__ import annotations

import json
import os

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles
from cocotb.utils import get_sim_time

from ..accel.dma.encoder import Transfer
from ..accel.dma.model import DmaModel
from ..accel.dma.testgen import random_batch
from ..spec.config import load_config
from ..spec.dma import DmaStatus
from .board_tb import TB


def _env():
    return (load_config(os.environ["HETSOC_BOARD_CONFIG"]),
            int(os.environ.get("HETSOC_BOARD_SEED", "0")),
            int(os.environ.get("HETSOC_BOARD_TRANSFERS", "100")),
            float(os.environ.get("HETSOC_BOARD_PAUSE", "0")),
            int(os.environ.get("HETSOC_BOARD_LIMIT", "8192")))


def _report(figures: dict):
    path = os.environ.get("HETSOC_BOARD_RESULT")
    if path:
        with open(path, "w") as f:
            json.dump(figures, f)


async def _run(tb: TB, model: DmaModel, channel: int, t: Transfer):
    await tb.push(channel, t)
    tag, status = await tb.completion(channel)
    assert (tag, status) == (t.tag, model.run(t).value), (t, status)


@cocotb.test()
async def host_registers_and_window(dut):
    """The host holds and releases the core, and reaches L2 through its window."""
    config, *_ = _env()
    tb = TB(dut, config)
    await tb.reset()
    assert await tb.host_read("CTRL") == 1  # the core starts held
    assert await tb.host_read("BOOT_ADDR") == config.cpu.reset_vector
    await tb.host_write("MAILBOX1", 0xCAFE_F00D)
    assert await tb.host_read("MAILBOX1") == 0xCAFE_F00D
    await tb.soc_write(config.l2.base + 0x40, 0x1234_5678)
    assert await tb.soc_read(config.l2.base + 0x40) == 0x1234_5678
    held = await tb.host_read("CYCLE_LO")
    await ClockCycles(dut.clk, 20)
    assert await tb.host_read("CYCLE_LO") == held == 0  # the core's counters stay in reset


@cocotb.test()
async def random_dma_transfers(dut):
    """Seeded random 3-D transfers on both channels between L1, L2 and L3 (an AxiRam with
    random stalls), with random idle gaps; afterwards every memory equals the numpy model."""
    config, seed, count, pause, limit = _env()
    rng = np.random.default_rng(seed)
    tb = TB(dut, config, pause=pause, seed=seed)
    await tb.reset()
    model = DmaModel(config)
    l3 = model.memories["l3"]
    l3[:] = rng.integers(0, 256, l3.size, dtype=np.uint8)
    tb.ram.write(0, l3.tobytes())
    for ch in range(config.dma.channels):
        await tb.open_windows(ch)
    # Seed the lower halves of L1 and L2 (the random transfers' sources) from L3.
    half = limit // 2
    await _run(tb, model, 0, Transfer(config.l3.base, config.l1.base, half, tag=0xF000))
    await _run(tb, model, 1, Transfer(config.l3.base + half, config.l2.base, half, tag=0xF001))

    done = 0
    moved = 0
    while done < count:
        batch = random_batch(rng, config, min(24, count - done), limit=limit)
        pending = {ch: [] for ch in range(config.dma.channels)}
        for t in batch:
            ch = int(rng.integers(0, config.dma.channels))
            await tb.push(ch, t)
            pending[ch].append(t)
            if rng.random() < 0.3:
                await ClockCycles(dut.clk, int(rng.integers(1, 40)))
            # Keep queues short enough never to block on a full queue with nothing popped.
            while len(pending[ch]) >= config.dma.queue_depth:
                t0 = pending[ch].pop(0)
                tag, status = await tb.completion(ch)
                assert (tag, status) == (t0.tag, DmaStatus.OK.value), (t0, status)
        for ch, ts in pending.items():
            for t0 in ts:
                tag, status = await tb.completion(ch)
                assert (tag, status) == (t0.tag, DmaStatus.OK.value), (t0, status)
        for t in batch:
            assert model.run(t) == DmaStatus.OK
            moved += t.nbytes
        done += len(batch)

    # Bring L1 and L2 out to L3 (above what the transfers use) and compare all of L3.
    for i, name in enumerate(("l1", "l2")):
        region = getattr(config, name)
        dump = config.l3.base + config.l3.size // 2 + i * limit
        await _run(tb, model, i % 2, Transfer(region.base, dump, limit, tag=0xF100 + i))
    got = np.frombuffer(tb.ram.read(0, config.l3.size), dtype=np.uint8)
    mismatches = int(np.count_nonzero(got != l3))
    cycles = round(get_sim_time("ns") / 10)
    _report({"transfers": done, "bytes": moved, "mismatches": mismatches, "seed": seed,
             "pause": pause, "cycles": cycles})
    assert mismatches == 0, f"{mismatches} bytes of L3 differ from the model"
