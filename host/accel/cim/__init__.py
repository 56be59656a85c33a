"""The CIM accelerator's host side: encoder (descriptors, programming beats), cycle model,
network-level golden runs with CIM layers, firmware test layers and the Amaranth bench."""
