"""Generated Verilog of the default config (hetsoc rtl -o rtl)."""
