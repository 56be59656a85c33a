"""AXI4 and AXI4-Lite: signatures, the DMA's master, the host's slave, a RAM model."""
