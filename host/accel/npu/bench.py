"""Standalone NPU testbed: the core, an L1 model with random stalls, backdoor loading.

L1 is an Amaranth memory behind a port model that withholds ``req_ready`` and delays responses
according to an LFSR, so stalls cost no Python per cycle; the testbench only loads memories,
starts a layer and waits for done or error.
"""

from __future__ import annotations

import numpy as np
from amaranth import Elaboratable, Module, Mux, Signal
from amaranth.lib.memory import Memory
from amaranth.sim import Simulator

from hetsoc.hw.npu.core import NpuCore


class L1Model(Elaboratable):
    """A one-port L1 answering the NPU's port; ``stall`` makes ready and response random."""

    def __init__(self, port, size, stall: bool, seed: int = 0xACE1):
        self.port, self.size, self.stall, self.seed = port, size, stall, seed
        self.bytes = len(port.wstrb)
        self.mem = Memory(shape=8 * self.bytes, depth=size // self.bytes, init=[])

    def elaborate(self, platform):
        m = Module()
        p, log = self.port, self.bytes.bit_length() - 1
        m.submodules.mem = self.mem
        rd = self.mem.read_port()
        wr = self.mem.write_port(granularity=8)
        lfsr = Signal(16, init=self.seed)
        m.d.sync += lfsr.eq(Mux(lfsr[0], (lfsr >> 1) ^ 0xB400, lfsr >> 1))
        ready_bit = (lfsr[3] | lfsr[7]) if self.stall else 1
        go_bit = (lfsr[5] | lfsr[11]) if self.stall else 1
        pending, fresh = Signal(), Signal()
        hold = Signal(8 * self.bytes)
        m.d.comb += [p.rsp_valid.eq(pending & go_bit),
                     p.rdata.eq(Mux(fresh, rd.data, hold))]
        m.d.comb += p.req_ready.eq(ready_bit & (~pending | p.rsp_valid))
        accept = p.req_valid & p.req_ready
        m.d.comb += [rd.addr.eq(p.addr >> log), rd.en.eq(accept & ~p.we),
                     wr.addr.eq(p.addr >> log), wr.data.eq(p.wdata),
                     wr.en.eq(Mux(accept & p.we, p.wstrb, 0))]
        m.d.sync += fresh.eq(accept)
        with m.If(fresh):
            m.d.sync += hold.eq(rd.data)
        with m.If(accept):
            m.d.sync += pending.eq(1)
        with m.Elif(p.rsp_valid):
            m.d.sync += pending.eq(0)
        return m


class NpuBed(Elaboratable):
    def __init__(self, rows, cols, l1_size=4096, weight_memory=2048, stall=True, seed=0xACE1):
        self.core = NpuCore(rows, cols, l1_size=l1_size, weight_memory=weight_memory)
        self.l1 = L1Model(self.core.l1, l1_size, stall, seed)
        self.rows, self.l1_size = rows, l1_size
        self.pb = self.core.port_bytes

    def elaborate(self, platform):
        m = Module()
        m.submodules.core = self.core
        m.submodules.l1 = self.l1
        return m


def run_jobs(bed: NpuBed, jobs, *, fill_seed=1, max_cycles=2_000_000):
    """Run NpuJobs one after another in one simulation.

    Returns a list of dicts: ``l1_before``, ``l1_after`` (bytes), ``done``, ``error``,
    ``code``, ``busy``, ``stall``, ``macs``.
    """
    core, pb = bed.core, bed.pb
    rng = np.random.default_rng(fill_seed)
    results = []

    async def bench(ctx):
        for job in jobs:
            l1 = bytearray(rng.integers(0, 256, bed.l1_size, dtype=np.uint8).tobytes())
            for base, data in job.inputs:
                l1[base:base + len(data)] = data
            for i in range(bed.l1_size // pb):
                ctx.set(bed.l1.mem.data[i], int.from_bytes(l1[i * pb:(i + 1) * pb], "little"))
            wb = bed.rows
            for i in range(len(job.weights) // wb):
                ctx.set(core.wmem.data[job.w_base + i],
                        int.from_bytes(job.weights[i * wb:(i + 1) * wb], "little"))
            value = sum(w << (32 * i) for i, w in enumerate(job.desc))
            ctx.set(core.desc.as_value(), value)
            ctx.set(core.start, 1)
            await ctx.tick()
            ctx.set(core.start, 0)
            cycles = 0
            while not (ctx.get(core.done) or ctx.get(core.error)):
                await ctx.tick()
                cycles += 1
                if cycles >= max_cycles:
                    state = {k: ctx.get(v) for k, v in getattr(core, "_dbg", {}).items()}
                    raise AssertionError(f"NPU did not finish: {state}")
            after = bytearray()
            for i in range(bed.l1_size // pb):
                after += ctx.get(bed.l1.mem.data[i]).to_bytes(pb, "little")
            results.append(dict(
                l1_before=bytes(l1), l1_after=bytes(after), done=ctx.get(core.done),
                error=ctx.get(core.error), code=ctx.get(core.err_code),
                busy=ctx.get(core.busy_cycles), stall=ctx.get(core.stall_cycles),
                macs=ctx.get(core.macs)))

    sim = Simulator(bed)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return results
