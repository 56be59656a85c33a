"""hetsoc-pool: an int8 max/average pooling accelerator for hetsoc, as a plug-in package.

``hetsoc_pool.spec`` is its plug-in record (entry point ``hetsoc.accelerators``: ``pool``),
``hetsoc_pool.hw`` its gateware, ``hetsoc_pool.golden`` its golden and cycle models,
``hetsoc_pool.encoder`` its descriptor encoder, ``hetsoc_pool.testgen`` its conformance cases
and firmware test layers, ``c/pool.c`` its C driver.
"""

from importlib import resources
from pathlib import Path

__all__ = ["config_path"]


def config_path() -> Path:
    """The example config (``configs/pool.toml``): the SoC with one pooling unit."""
    return Path(str(resources.files(__name__).joinpath("configs", "pool.toml")))
