"""Amaranth generators of the SoC's blocks."""
