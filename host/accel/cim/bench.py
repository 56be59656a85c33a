"""Run the CIM accelerator alone in Amaranth's simulator, with L1 modelled in the harness
(a 64-bit memory loaded and read by backdoor) and the weights programmed through its port.

`CimBench` runs whole layers (`hetsoc.cim.plan_conv2d` jobs) and returns the int8 outputs and
the counters, for the bit-exactness tests and ``bench/cim.py``.
"""

from __future__ import annotations

import numpy as np
from amaranth import Elaboratable, Module, Signal
from amaranth.lib import memory
from amaranth.sim import Simulator

from ...hw.cim import Cim
from .encoder import encode_descriptor, plan_conv2d, weight_beats

__all__ = ["CimBench", "L1Top", "LayerRun"]


class L1Top(Elaboratable):
    """``cim`` (anything with the CIM's ``l1`` port: `Cim`, `CimPeripheral`) with an L1 model
    of ``l1_words`` 64-bit words (``self.l1``, loaded and read by backdoor) that accepts a
    request when the pseudo-random pattern masked by ``stall_mask`` is 0 (always if the mask is
    0) and answers one cycle later, as the banked L1 does."""

    def __init__(self, cim, l1_words, stall_mask):
        self.cim = cim
        self.l1 = memory.Memory(shape=64, depth=l1_words, init=[])
        self.stall_mask = stall_mask

    def elaborate(self, platform):
        m = Module()
        m.submodules.cim = cim = self.cim
        m.submodules.l1 = self.l1
        rd = self.l1.read_port()
        wr = self.l1.write_port(granularity=8)
        bus = cim.l1
        tick = Signal(16)
        m.d.sync += tick.eq(tick * 5 + 1)          # a cheap pseudo-random stall pattern
        ready = (tick & self.stall_mask) == 0 if self.stall_mask else 1
        ok = bus.req_valid & ready
        word = bus.addr[3:]
        m.d.comb += [bus.req_ready.eq(ready), rd.addr.eq(word), rd.en.eq(ok & ~bus.we),
                     wr.addr.eq(word), wr.data.eq(bus.wdata),
                     wr.en.eq(bus.wstrb & (ok & bus.we).replicate(8)),
                     bus.rdata.eq(rd.data)]
        m.d.sync += bus.rsp_valid.eq(ok)
        return m


class LayerRun:
    """Outputs (int8, (K, OH, OW)) and counter deltas of one image of one layer."""

    def __init__(self, y, busy_cycles, mvms, prog_cycles, jobs, errors):
        self.y, self.busy_cycles, self.mvms = y, busy_cycles, mvms
        self.prog_cycles, self.jobs, self.errors = prog_cycles, jobs, errors


class CimBench:
    """A CIM of ``rows x cols`` with parallelism ``rp x cp`` and an L1 of ``l1_bytes``.

    Use `run(layers)`: each layer is a dict of `plan_conv2d` keyword arguments plus ``x``
    (int8 (C, H, W)); returns one `LayerRun` per layer, all in one simulation.
    """

    def __init__(self, rows, cols, rp, cp, l1_bytes=1 << 16, stall_mask=0, faults=None):
        self.rows, self.cols, self.rp, self.cp = rows, cols, rp, cp
        self.faults = faults        # (stuck, value) of golden.cim_noise.fault_map, or None
        self.l1_bytes = l1_bytes
        self.cim = Cim(rows, cols, rp, cp, l1_addr_width=(l1_bytes - 1).bit_length())
        self.top = L1Top(self.cim, l1_bytes // 8, stall_mask)

    def _layout(self, x, k, oh, ow, n_params):
        # L1: input, output, parameters, partial sums; each 8-byte aligned.
        def up(a):
            return (a + 7) & ~7
        in_addr = 0
        out_addr = up(x.size)
        param_addr = up(out_addr + k * oh * ow)
        psum_addr = up(param_addr + 16 * n_params)
        end = psum_addr + 4 * oh * ow * min(k, self.cols)
        if end > self.l1_bytes:
            raise ValueError(f"layer needs {end} bytes of L1, the harness has {self.l1_bytes}")
        return in_addr, out_addr, param_addr, psum_addr

    def run(self, layers):
        sim = Simulator(self.top)
        sim.add_clock(1e-8)
        results = []
        dut, l1 = self.cim, self.top.l1

        async def write_bytes(ctx, addr, data):
            data = bytes(data)
            for w in range(addr // 8, (addr + len(data) + 7) // 8):
                old = ctx.get(l1.data[w]).to_bytes(8, "little")
                buf = bytearray(old)
                for b in range(8):
                    a = w * 8 + b
                    if addr <= a < addr + len(data):
                        buf[b] = data[a - addr]
                ctx.set(l1.data[w], int.from_bytes(buf, "little"))

        async def read_bytes(ctx, addr, n):
            out = bytearray()
            for w in range(addr // 8, (addr + n + 7) // 8):
                out += ctx.get(l1.data[w]).to_bytes(8, "little")
            off = addr % 8
            return bytes(out[off:off + n])

        async def tb(ctx):
            for layer in layers:
                layer = dict(layer)
                x = np.asarray(layer.pop("x"))
                w = np.asarray(layer["w"])
                k = w.shape[0]
                c, h, wd = x.shape
                kh, kw = w.shape[2:]
                s = layer.get("strides", (1, 1))[0]
                pt, pl, pb, pr = layer.get("pads", (0, 0, 0, 0))
                oh, ow = (h + pt + pb - kh) // s + 1, (wd + pl + pr - kw) // s + 1
                addrs = self._layout(x, k, oh, ow, min(k, self.cols))
                jobs = plan_conv2d(x.shape, rows=self.rows, cols=self.cols,
                                   in_addr=addrs[0], out_addr=addrs[1], param_addr=addrs[2],
                                   psum_addr=addrs[3], **layer)
                await write_bytes(ctx, addrs[0], x.transpose(1, 2, 0).astype(np.int8).tobytes())
                c0 = [ctx.get(dut.busy_cycles), ctx.get(dut.mvms), ctx.get(dut.prog_cycles)]
                errors = []
                for job in jobs:
                    await self._program(ctx, job.weights)
                    await write_bytes(ctx, addrs[2], job.params)
                    ctx.set(dut.desc.as_value(), encode_descriptor(**job.fields))
                    ctx.set(dut.start, 1)
                    await ctx.tick()
                    ctx.set(dut.start, 0)
                    await ctx.tick().until(dut.done)
                    errors.append(ctx.get(dut.error))
                raw = await read_bytes(ctx, addrs[1], k * oh * ow)
                y = np.frombuffer(raw, dtype=np.int8).reshape(oh, ow, k).transpose(2, 0, 1)
                c1 = [ctx.get(dut.busy_cycles), ctx.get(dut.mvms), ctx.get(dut.prog_cycles)]
                results.append(LayerRun(y.copy(), c1[0] - c0[0], c1[1] - c0[1], c1[2] - c0[2],
                                        jobs, errors))

        sim.add_testbench(tb)
        sim.run()
        return results

    def run_descriptor(self, fields, beats=(), l1=b""):
        """Offer raw programming beats ``(row, group, data)``, load ``l1`` at address 0, run one
        descriptor; returns ``(error, L1 contents after the run, counters)``."""
        sim = Simulator(self.top)
        sim.add_clock(1e-8)
        dut, mem = self.cim, self.top.l1
        out = {}

        async def tb(ctx):
            image = bytes(l1).ljust(self.l1_bytes, b"\0")
            for w in range(-(-len(l1) // 8)):
                ctx.set(mem.data[w], int.from_bytes(image[8 * w:8 * w + 8], "little"))
            await self._beats(ctx, beats)
            ctx.set(dut.desc.as_value(), encode_descriptor(**fields))
            ctx.set(dut.start, 1)
            await ctx.tick()
            ctx.set(dut.start, 0)
            await ctx.tick().until(dut.done)
            out["error"] = ctx.get(dut.error)
            out["l1"] = b"".join(ctx.get(mem.data[w]).to_bytes(8, "little")
                                 for w in range(self.l1_bytes // 8))
            out["counters"] = (ctx.get(dut.busy_cycles), ctx.get(dut.mvms),
                               ctx.get(dut.prog_cycles))

        sim.add_testbench(tb)
        sim.run()
        return out["error"], out["l1"], out["counters"]

    async def _program(self, ctx, t):
        if self.faults is not None:
            # The array overrides what is programmed into its stuck cells.
            stuck, value = (f[:t.shape[0], :t.shape[1]] for f in self.faults)
            t = np.where(stuck, value, t)
        await self._beats(ctx, weight_beats(t, self.cp))

    async def _beats(self, ctx, beats):
        prog = self.cim.prog
        for row, group, data in beats:
            ctx.set(prog.valid, 1)
            ctx.set(prog.row, row)
            ctx.set(prog.group, group)
            ctx.set(prog.data, data)
            await ctx.tick()
        ctx.set(prog.valid, 0)
