"""Argument and config errors of the DMA's building blocks: exact one-line messages."""

from pathlib import Path

import pytest

from hetsoc.hw.axi.ram import AxiRam
from hetsoc.hw.axi.signature import Axi4Signature
from hetsoc.hw.board import BoardTop
from hetsoc.hw.dma.arbiter import BurstArbiter
from hetsoc.hw.dma.channel import DmaChannel
from hetsoc.hw.dma.engine import Dma
from hetsoc.hw.memory import BankedSram
from hetsoc.hw.memsys import MemorySystem
from hetsoc.hw.widebus import WideBusSignature
from hetsoc.spec.config import ConfigError, load_config
from hetsoc.spec.regmap import dma_page

SMALL = Path(__file__).with_name("small.toml")


@pytest.mark.parametrize("cls", [DmaChannel, Dma, MemorySystem, BoardTop])
def test_components_want_a_config(cls):
    with pytest.raises(TypeError, match=r"^Config must be a SocConfig, not 'default'$"):
        cls("default")


def test_bad_sizes_and_kinds():
    with pytest.raises(ValueError, match=r"^Kind must be 'read' or 'write', not 'both'$"):
        BurstArbiter(2, "both")
    with pytest.raises(ValueError, match=r"^Initiator count must be a positive integer, "
                                         r"not 0$"):
        BurstArbiter(0, "read")
    with pytest.raises(ValueError, match=r"^Size must be a power of two of at least 8 bytes, "
                                         r"not 100$"):
        AxiRam(100)
    with pytest.raises(ValueError, match=r"^Banks must be at least 2 with wide ports, not 1$"):
        BankedSram(1024, 1, ("dma_wr",))
    with pytest.raises(TypeError, match=r"^Data width must be a power of two from 32 to 1024, "
                                        r"not 16$"):
        WideBusSignature(16, 16)
    with pytest.raises(ValueError, match=r"^Width of port 'npu' must be a power of two from 64 "
                                         r"to 128 bits, not 256$"):
        BankedSram(1024, 4, (("npu", 256),))
    with pytest.raises(TypeError, match=r"^Data width must be one of \(32, 64, 128\), not 8$"):
        Axi4Signature(32, 8)
    with pytest.raises(ValueError, match=r"^Channel count must be an integer in \[1, 4\], "
                                         r"not 5$"):
        dma_page(5)


@pytest.mark.parametrize("edit, message", [
    (("channels = 2", "channels = 5"), r"dma\.channels must be an integer in \[1, 4\], not 5"),
    (("queue_depth = 4", "queue_depth = 0"),
     r"dma\.queue_depth must be an integer in \[1, 16\], not 0"),
    (("base = 0x4000_0000", "base = 0x2000_0000"),
     r"l1 \[0x20000000, 0x20002000\) overlaps l3 \[0x20000000, 0x20010000\)"),
])
def test_dma_config_errors(tmp_path, edit, message):
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.read_text().replace(*edit))
    with pytest.raises(ConfigError, match=message):
        load_config(path)
