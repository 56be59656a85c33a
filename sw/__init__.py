"""RISC-V firmware sources (C runtime, drivers); built by hetsoc.firmware."""
