"""Simulation backends: Verilator and Icarus under cocotb, Amaranth simulator."""
