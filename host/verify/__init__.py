"""ISA-level verification of the host CPU: random programs checked against reference models.

* :mod:`~hetsoc.verify.generator`: seeded random RV32IM programs (:func:`generate_program`).
* :mod:`~hetsoc.verify.reference`: :func:`run_unicorn`, a Python ISS and the spec's arithmetic.
* :mod:`~hetsoc.verify.differential`: runs programs on the RTL and compares with unicorn.
* :mod:`~hetsoc.verify.toolchain`: assembles ``tests/isa/*.S`` against the config.

``python -m hetsoc.verify --seed S --count N --backend verilator`` runs a differential campaign.
"""

from .generator import Layout, Program, generate, generate_program
from .reference import alu, run_iss, run_unicorn

__all__ = ["Layout", "Program", "alu", "generate", "generate_program", "run_iss", "run_unicorn"]
