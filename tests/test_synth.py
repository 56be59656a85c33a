"""hetsoc.synth: Yosys' xc7 statistics read into resources (the benches' Yosys runs need the
`synth` extra and minutes; here, the parsing and the argument checks)."""

import pytest

from hetsoc.synth import SynthError, estimate, parse_stat, resource_table

# The cell list of `stat -width` on an xc7 netlist (numbers made up, format as Yosys prints it).
STAT = """
=== hetsoc_npu ===

   Number of wires:              51234
   Number of cells:              40210
     BUFG                            1
     CARRY4                       1500
     DSP48E1                       181
     FDRE                         5300
     FDSE                           98
     LUT1                          120
     LUT2                         4000
     LUT6                        20000
     RAM64M                         10
     RAMB18E1                        3
     RAMB36E1                        2
     SRLC32E                        13
"""


def test_parse_stat_counts_resources():
    used = parse_stat(STAT)
    assert used["lutram"] == 10 * 4 + 13
    assert used["lut"] == 120 + 4000 + 20000 + used["lutram"]
    assert used["ff"] == 5300 + 98
    assert used["bram36"] == 2 + 3 / 2
    assert used["dsp"] == 181
    assert used["cells"]["CARRY4"] == 1500
    assert "Number" not in " ".join(used["cells"])


def test_parse_stat_without_luts_is_an_error():
    with pytest.raises(SynthError, match="no LUTs in yosys' statistics"):
        parse_stat("=== top ===\n     FDRE     3\n")


def test_resource_table_sets_usage_against_the_fpga():
    class Fpga:
        lut, ff, bram36, dsp = 53200, 106400, 140, 220

    table = resource_table(parse_stat(STAT), Fpga)
    assert table.splitlines()[0].split() == ["resource", "used", "available", "share"]
    assert table.splitlines()[4].split() == ["dsp", "181", "220", "82.3%"]


def test_estimate_top_must_be_an_identifier():
    with pytest.raises(ValueError, match=r"^Top must be a Verilog identifier, not 'a b'$"):
        estimate(None, "a b")
