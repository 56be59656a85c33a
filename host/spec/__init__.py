"""The pure-data layer every other layer reads: the SoC's config, register maps, descriptor
layouts, enums and format constants, and the accelerator plug-in records.

It imports only the standard library and ``amaranth.lib.data``/``enum`` (no gateware, no host
code), so the gateware, the compiler, the C header generator and the test benches can all
depend on it (``tests/test_layering.py``)."""
