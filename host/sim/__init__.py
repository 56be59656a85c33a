"""Simulation backends: Verilator and Icarus under cocotb, Amaranth simulator.

The entry points are :func:`run_elf` and :func:`run_batch` (see :mod:`.harness`).

The names are loaded on first use: the simulator process imports this package's
``cocotb_wait`` module, and importing the harness (numpy, pyelftools) there would cost more
start-up time than everything else cocotb does.
"""

__all__ = ["BACKENDS", "Job", "SimResult", "run_batch", "run_elf"]


def __getattr__(name):
    if name in __all__:
        from . import harness

        return getattr(harness, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
