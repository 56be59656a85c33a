"""The DMA engine: descriptor, channels with 3-D walkers, memory ports, register page."""
