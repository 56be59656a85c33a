"""The DMA's host side: descriptor encoder and numpy model, and the Amaranth bench."""
