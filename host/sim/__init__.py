"""Simulation backends: Verilator and Icarus under cocotb, Amaranth simulator.

The entry points are :func:`run_elf` and :func:`run_batch` (see :mod:`.harness`).
"""

from .harness import BACKENDS, Job, SimResult, run_batch, run_elf

__all__ = ["BACKENDS", "Job", "SimResult", "run_batch", "run_elf"]
