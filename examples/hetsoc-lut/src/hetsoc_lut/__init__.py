"""hetsoc-lut: an int8 lookup-table activation unit for hetsoc whose engine is Verilog.

A plug-in example (hetsoc's docs/accelerators.md): the register page is hetsoc's
`AcceleratorPage` in Amaranth, the engine `rtl/hetsoc_lut_engine.v` under an ``Instance``.
"""
