"""The cocotb test of a simulation run: wait for the simulation top to finish its jobs.

The clock, loading, console and cycle limit all live in the Verilog top (sim_top.v), so Python
is woken once, when ``done`` rises, never per cycle.
"""

import cocotb
from cocotb.triggers import RisingEdge


@cocotb.test()
async def run_jobs(dut):
    # `done` may still be X at time 0 (Icarus runs initial blocks after cocotb starts).
    while str(dut.done.value) != "1":
        await RisingEdge(dut.done)
