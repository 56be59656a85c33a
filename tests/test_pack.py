"""hetsoc.spec.pack: the one check-and-pack helper of every packed format."""

import numpy as np
import pytest
from amaranth import signed
from amaranth.lib import data

from hetsoc.spec.pack import field_range, pack, unpack, words

LAYOUT = data.StructLayout({"a": 4, "b": signed(8), "_pad": 4, "c": 16})


def test_pack_places_fields_as_the_layout_does():
    value = pack(LAYOUT, {"a": 5, "b": -2, "c": 0xBEEF})
    assert value == LAYOUT.const({"a": 5, "b": -2, "c": 0xBEEF}).as_value().value
    assert value == 5 | (0xFE << 4) | (0xBEEF << 16)
    assert unpack(LAYOUT, value) == {"a": 5, "b": -2, "c": 0xBEEF}
    assert pack(LAYOUT, {"a": np.int64(3)}) == 3
    assert words(0x1_2345_6789, 2) == [0x2345_6789, 1]


def test_ranges():
    assert field_range(LAYOUT, "a") == (0, 15)
    assert field_range(LAYOUT, "b") == (-128, 127)


@pytest.mark.parametrize("fields, error, message", [
    ({"d": 1}, ValueError, "register field must be one of a, b, c, not 'd'"),
    ({"_pad": 1}, ValueError, "register field must be one of a, b, c, not '_pad'"),
    ({"a": 16}, ValueError, "register field a must be an integer in [0, 15], not 16"),
    ({"b": -129}, ValueError, "register field b must be an integer in [-128, 127], not -129"),
    ({"c": 1.0}, TypeError, "register field c must be an integer, not 1.0"),
    ({"a": True}, TypeError, "register field a must be an integer, not True"),
])
def test_messages(fields, error, message):
    with pytest.raises(error) as e:
        pack(LAYOUT, fields, what="register")
    assert str(e.value) == message
