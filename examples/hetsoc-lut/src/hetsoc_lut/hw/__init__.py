"""The LUT unit's gateware: its register page in Amaranth around the Verilog engine."""
