"""hetsoc: emulated heterogeneous TinyML SoCs and the tools that deploy networks to them."""

__version__ = "0.1.0"
