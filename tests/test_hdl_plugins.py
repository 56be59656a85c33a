"""Plug-ins whose gateware is Verilog (`Plugin.hdl`): the files are checked, every build of a
config compiles them with the SoC (``hetsoc rtl`` writes them beside it, the simulation's
build key covers them), Amaranth's simulator refuses such a config in one line, and the
conformance kit runs its very testbenches on Verilator (the same checks pass as in Amaranth's
simulator, and a failure names the check and the seed with a waveform)."""

import dataclasses

import pytest

from hetsoc.spec import accelerators
from hetsoc.spec.accelerators import Plugin, PluginError, hdl_paths, plugins
from hetsoc.spec.config import load_config
from hetsoc.spec.page import INFO
from hetsoc.testing import ConformanceError, check_cases, check_protocol


@pytest.mark.parametrize("hdl, message", [
    (["x.v"], "Plugin.hdl must be a tuple of 'package:path' strings, not ['x.v']"),
    (("hetsoc.sim:harness.py",), "Plugin.hdl must name .v or .sv files, "
                                 "not 'hetsoc.sim:harness.py'"),
])
def test_hdl_references_are_checked(hdl, message):
    with pytest.raises(PluginError) as e:
        Plugin(spec="a:b", gateware="a:b", hdl=hdl)
    assert str(e.value) == message


def test_a_missing_hdl_file_is_one_line():
    plugin = Plugin(spec="a:b", gateware="a:b", hdl=("hetsoc.sim:nothing.sv",))
    with pytest.raises(PluginError) as e:
        hdl_paths([plugin])
    assert str(e.value) == ("HDL source hetsoc.sim:nothing.sv: no file 'nothing.sv' in "
                            "package 'hetsoc.sim'")


@pytest.fixture
def cim_with_hdl(monkeypatch):
    """The shipped configs with a CIM plug-in that also names an HDL file (the simulation's
    L3 model, a real Verilog file), as a Verilog plug-in would."""
    cim = dataclasses.replace(plugins()["cim"], hdl=("hetsoc.sim:axi_ram.v",))
    monkeypatch.setattr(accelerators, "plugins", lambda: {**plugins(), "cim": cim})
    monkeypatch.setattr("hetsoc.spec.config.plugins", accelerators.plugins)
    return cim


def test_a_config_lists_its_plugins_hdl(cim_with_hdl):
    assert load_config("npu-only").hdl_sources() == []
    (path,) = load_config("default").hdl_sources()
    assert path.name == "axi_ram.v" and path.is_file()


def test_rtl_is_written_with_the_plugins_hdl_and_the_build_key_covers_it(cim_with_hdl,
                                                                         tmp_path):
    from hetsoc import rtlgen

    config = load_config("default")
    plain = rtlgen.hw_source_digest()
    assert rtlgen.hw_source_digest(config) != plain    # the HDL file is in the digest
    assert rtlgen.hw_source_digest(load_config("npu-only")) == plain
    paths = rtlgen.write_rtl(config, tmp_path)
    assert [p.name for p in paths] == ["hetsoc_soc.v", "axi_ram.v"]
    assert paths[1].read_bytes() == config.hdl_sources()[0].read_bytes()


def test_amaranth_simulator_refuses_a_verilog_unit(cim_with_hdl):
    from hetsoc.sim.amaranth_backend import run_image
    from hetsoc.sim.hdl import SimulatorError

    with pytest.raises(SimulatorError) as e:
        run_image(load_config("default"), None, 10)
    assert str(e.value) == ("config 'default': unit 'cim' is Verilog (Plugin.hdl), which "
                            "Amaranth's simulator cannot run: use --backend verilator")
    with pytest.raises(ConformanceError) as e:
        check_protocol(load_config("default").accelerator("cim"), simulator="amaranth")
    assert str(e.value).endswith("use simulator='verilator'")


def test_the_kit_runs_the_same_checks_on_verilator():
    """The CIM (Amaranth gateware, converted to Verilog): on Verilator the kit passes the
    same checks, and the same random cases bit-exact and cycle-exact, as in Amaranth's
    simulator for one seed."""
    slot = load_config("default").accelerator("cim")
    on_verilator = check_protocol(slot, seed=3, simulator="verilator")
    assert on_verilator == check_protocol(slot, seed=3, simulator="amaranth")
    assert {"ends", "events", "line is a level", "counters reset by a start"} <= set(on_verilator)
    assert check_cases(slot, seed=3, count=2, simulator="verilator") == \
        check_cases(slot, seed=3, count=2, simulator="amaranth")


def test_a_failure_on_verilator_names_the_check_with_a_waveform(tmp_path, monkeypatch):
    from hetsoc.hw.cim import peripheral

    class Lying(peripheral.CimPeripheral):
        def elaborate_page(self):
            m = super().elaborate_page()
            lie = INFO.const({"desc_words": self.desc_words, "port_bytes": self.port_bytes * 2})
            m.d.comb += self.read["INFO"].eq(lie.as_value())     # the last assignment wins
            return m

    real = peripheral.CimPeripheral.for_slot.__func__
    monkeypatch.setattr(peripheral.CimPeripheral, "for_slot",
                        classmethod(lambda cls, *a, **k: real(Lying, *a, **k)))
    slot = load_config("default").accelerator("cim")
    with pytest.raises(ConformanceError) as e:
        check_protocol(slot, seed=5, vcd_dir=tmp_path, simulator="verilator")
    vcd = tmp_path / "cim-cim-seed5.vcd"
    assert str(e.value) == (f"cim 'cim', seed 5: INFO port_bytes: INFO says 16 bytes per L1 "
                            f"access, the slot 8 (waveform: {vcd})")
    assert vcd.stat().st_size > 0
