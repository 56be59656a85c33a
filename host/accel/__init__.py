"""The host side of each unit, in one place: for the CPU, the NPU, the CIM and the DMA, its
encoder (what the hardware is given), its cycle model, its test-layer generator and its bench
harness, beside the gateware in ``hetsoc.hw``; and the `Target` interface the compiler asks.
"""
