"""The cocotb testbench of the board top: the host's AXI4-Lite master and the L3 AXI RAM.

Runs inside a cocotb simulation of ``hetsoc_board_top`` (see :mod:`hetsoc.sim.board`). The
clock is cocotb's here: AXI bus models are Python coroutines that act every cycle anyway.
"""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

from ..accel.dma.encoder import Transfer, encode
from ..hw.axi.lite_slave import HOST_REGISTERS, WINDOW_OFFSET
from ..spec.config import SocConfig
from ..spec.regmap import DMA, DMA_CH_STRIDE

__all__ = ["TB"]


def _pauses(rng: random.Random, probability: float):
    while True:
        yield rng.random() < probability


class TB:
    """Clock, reset, the host port (``axil``) and L3 (``ram``, an AxiRam) of a board top.

    Parameters
    ----------
    dut : cocotb handle of ``hetsoc_board_top``
    config : SocConfig
    pause : float
        Probability that each L3 AXI channel (AW, W, B, AR, R) stalls in a given cycle.
    seed : int
        Seeds the stall pattern.
    """

    def __init__(self, dut, config: SocConfig, *, pause: float = 0.0, seed: int = 0):
        self.dut = dut
        self.config = config
        cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil_"), dut.clk, dut.rst)
        self.ram = AxiRam(AxiBus.from_prefix(dut, "m_axi_"), dut.clk, dut.rst,
                          size=config.l3.size)
        if pause:
            rng = random.Random(seed)
            for channel in (self.ram.write_if.aw_channel, self.ram.write_if.w_channel,
                            self.ram.write_if.b_channel, self.ram.read_if.ar_channel,
                            self.ram.read_if.r_channel):
                channel.set_pause_generator(_pauses(rng, pause))
        self.window = None

    async def reset(self):
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 5)
        self.dut.rst.value = 0
        await RisingEdge(self.dut.clk)

    async def host_write(self, name: str, value: int):
        offset = next(off for off, n, _, _ in HOST_REGISTERS if n == name)
        await self.axil.write_dword(offset, value)

    async def host_read(self, name: str) -> int:
        offset = next(off for off, n, _, _ in HOST_REGISTERS if n == name)
        return await self.axil.read_dword(offset)

    async def soc_write(self, addr: int, value: int):
        """A 32-bit store at a SoC address, through the host's window."""
        await self._aim(addr)
        await self.axil.write_dword(WINDOW_OFFSET + (addr & (WINDOW_OFFSET - 1)), value)

    async def soc_read(self, addr: int) -> int:
        await self._aim(addr)
        return await self.axil.read_dword(WINDOW_OFFSET + (addr & (WINDOW_OFFSET - 1)))

    async def _aim(self, addr: int):
        base = addr & ~(WINDOW_OFFSET - 1)
        if base != self.window:
            await self.host_write("WINDOW", base)
            self.window = base

    def dma_reg(self, name: str, channel: int = 0) -> int:
        base = self.config.peripheral_base(DMA.index)
        return base + DMA.offset(name) + (channel * DMA_CH_STRIDE if name.startswith("CH_")
                                          else 0)

    async def open_windows(self, channel: int, rwin=(0, 0xFFFF_FFFF), wwin=(0, 0xFFFF_FFFF)):
        for name, value in zip(("CH_RWIN_BASE", "CH_RWIN_END", "CH_WWIN_BASE", "CH_WWIN_END"),
                               (*rwin, *wwin), strict=True):
            await self.soc_write(self.dma_reg(name, channel), value)

    async def push(self, channel: int, transfer: Transfer):
        while await self.soc_read(self.dma_reg("CH_PUSH", channel)) == 0:
            pass
        for k, word in enumerate(encode(transfer)):
            await self.soc_write(self.dma_reg(f"CH_DESC{k}", channel), word)
        await self.soc_write(self.dma_reg("CH_PUSH", channel), 1)

    async def completion(self, channel: int) -> tuple[int, int]:
        """Wait for and pop the channel's next completion: ``(tag, status)``."""
        while True:
            value = await self.soc_read(self.dma_reg("CH_CPL", channel))
            if value >> 31:
                await self.soc_write(self.dma_reg("CH_CPL", channel), 1)
                return value & 0xFFFF, (value >> 16) & 0xF
