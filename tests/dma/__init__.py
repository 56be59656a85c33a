"""DMA tests. `SMALL` is their SoC: small memories elaborate and start fast."""

from pathlib import Path

from hetsoc.spec.config import load_config

SMALL_PATH = Path(__file__).with_name("small.toml")
SMALL = load_config(SMALL_PATH)
