"""The digital NPU's host side: encoder (descriptors, weight images), cycle model, firmware
test layers and the Amaranth bench."""
