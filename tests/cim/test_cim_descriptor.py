"""The shared descriptor layout: word-aligned fields, and the host encoder packing exactly what
the gateware's ``data.StructLayout`` reads."""

import numpy as np
import pytest
from amaranth import Shape

from hetsoc.accel.cim.encoder import encode_descriptor
from hetsoc.spec.cim import DESCRIPTOR, DESCRIPTOR_WORDS


def test_fields_stay_inside_32_bit_words():
    assert DESCRIPTOR_WORDS == 13
    for name, field in DESCRIPTOR:
        width = Shape.cast(field.shape).width
        assert field.offset // 32 == (field.offset + width - 1) // 32, name


def test_encoder_matches_the_layout():
    rng = np.random.default_rng(0)
    for _ in range(200):
        fields = {}
        for name, field in DESCRIPTOR:
            if name.startswith("_"):
                continue            # reserved: the encoder leaves them 0 (hetsoc.spec.pack)
            shape = Shape.cast(field.shape)
            lo, hi = ((-(1 << shape.width - 1), (1 << shape.width - 1) - 1) if shape.signed
                      else (0, (1 << shape.width) - 1))
            fields[name] = int(rng.integers(lo, hi, endpoint=True))
        want = DESCRIPTOR.const(fields).as_value().value
        assert encode_descriptor(**fields) == want
    with pytest.raises(ValueError, match=r"^descriptor field must be one of .*, not '_reserved0'$"):
        encode_descriptor(_reserved0=1)


def test_l1_port_connects_to_a_banked_sram_wide_port():
    """The CIM's L1 port attaches to the memory hierarchy's 64-bit wide port as is."""
    from amaranth import Module
    from amaranth.back import rtlil
    from amaranth.lib import wiring

    from hetsoc.hw.cim import Cim
    from hetsoc.hw.memory import BankedSram

    m = Module()
    m.submodules.cim = cim = Cim(16, 8, 4, 4, l1_addr_width=12)
    m.submodules.l1 = l1 = BankedSram(4096, 4, ("cim",))
    wiring.connect(m, cim.l1, l1.cim)
    assert "module" in rtlil.convert(m, ports=[])     # and the whole elaborates
