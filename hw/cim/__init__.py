"""The CIM accelerator: a ternary weight-stationary macro with a 6-bit ADC per column, a seeded
noise model and digital post-processing, emulated digitally (``docs/cim.md``)."""

from .engine import Cim
from .peripheral import CimPeripheral

__all__ = ["Cim", "CimPeripheral"]
