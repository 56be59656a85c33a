"""The CIM accelerator: a ternary weight-stationary macro with a 6-bit ADC per column, a seeded
noise model and digital post-processing, emulated digitally (``docs/cim.md``)."""

from .descriptor import DESCRIPTOR, DESCRIPTOR_WORDS, CimError
from .engine import Cim
from .peripheral import CimPeripheral

__all__ = ["DESCRIPTOR", "DESCRIPTOR_WORDS", "Cim", "CimError", "CimPeripheral"]
