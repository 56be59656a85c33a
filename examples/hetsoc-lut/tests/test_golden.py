"""The LUT unit's host side: golden against independent formulations, the encoder's words and
its one-line errors, the plug-in's registration."""

import math

import numpy as np
import pytest
from hetsoc_lut.encoder import descriptor, table_words
from hetsoc_lut.golden import activation_table, busy_cycles, translate, verdict
from hetsoc_lut.spec import DESCRIPTOR, PLUGIN, LutError

from hetsoc.spec.accelerators import hdl_paths, plugins
from hetsoc.spec.pack import unpack


def test_translate_indexes_the_table_by_the_input_bits():
    rng = np.random.default_rng(1)
    table = rng.integers(-128, 128, 256).astype(np.int8)
    x = rng.integers(-128, 128, 1000).astype(np.int8)
    want = [table[v + 256 if v < 0 else v] for v in x.tolist()]
    assert translate(table, x).tolist() == [int(v) for v in want]


def test_an_activation_table_is_the_float_activation_between_quantizations():
    table = activation_table(np.tanh, x_scale=0.05, x_zp=3, y_scale=1 / 127, y_zp=0)
    for bits in range(256):
        q = bits - 256 if bits >= 128 else bits
        y = math.tanh((q - 3) * 0.05) * 127
        want = max(-128, min(127, round(y)))       # Python's round is ties-to-even too
        assert int(table[bits]) == want, bits


@pytest.mark.parametrize("src, dst, count, code", [
    (0, 8, 0, LutError.EMPTY), (4, 64, 8, LutError.ALIGN), (0, 60, 8, LutError.ALIGN),
    (65536 - 8, 0, 16, LutError.WINDOW), (0, 65536 - 8, 9, LutError.WINDOW),
    (0, 8, 16, LutError.OVERLAP), (8, 0, 16, LutError.OVERLAP), (0, 16, 16, LutError.NONE),
    (16, 16, 100, LutError.NONE),
])
def test_verdict(src, dst, count, code):
    assert verdict(src, dst, count, lanes=8, l1_size=65536) == code


def test_cycle_model():
    assert busy_cycles(1, lanes=8) == 4
    assert busy_cycles(16, lanes=8) == 6 and busy_cycles(17, lanes=8) == 8
    assert busy_cycles(0, lanes=8, refused=True) == 1


def test_descriptor_words_follow_the_layout():
    words = descriptor(0x40, 0x80, 300)
    value = sum(w << (32 * k) for k, w in enumerate(words))
    assert unpack(DESCRIPTOR, value) == {"src": 0x40, "dst": 0x80, "count": 300}


def test_encoder_errors_are_one_line():
    with pytest.raises(ValueError) as e:
        descriptor(-1, 0, 1)
    assert str(e.value) == ("LUT descriptor field src must be an integer in [0, 4294967295], "
                            "not -1")
    with pytest.raises(ValueError) as e:
        table_words(np.zeros(255, np.int8))
    assert str(e.value) == "table must be 256 int8 entries, not int8 (255,)"


def test_table_words_put_entry_4k_in_the_low_byte():
    table = np.arange(256, dtype=np.uint8).view(np.int8)
    words = table_words(table)
    assert len(words) == 64 and words[0] == 0x03020100 and words[63] == 0xFFFEFDFC


def test_the_plugin_is_registered_with_its_verilog():
    assert plugins()["lut"] == PLUGIN
    (engine,) = hdl_paths([PLUGIN])
    assert engine.name == "hetsoc_lut_engine.v" and "module hetsoc_lut_engine" in \
        engine.read_text()
