"""hetsoc's conformance kit on the LUT unit (Verilator: its engine is Verilog): the register-page
protocol, then random descriptors bit-exact with golden and cycle-exact with the model."""

from pathlib import Path

from hetsoc.spec.config import load_config

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "lut.toml"


def test_the_unit_speaks_the_protocol(hetsoc_conformance):
    passed = hetsoc_conformance(load_config(CONFIG).accelerator("lut"))
    assert {"reset STATUS", "INFO port_bytes", "ends", "code with error", "refusal moves nothing",
            "line is a level", "acknowledged", "counters reset by a start"} <= set(passed)


def test_random_descriptors_match_golden_and_the_cycle_model(hetsoc_conformance):
    assert len(hetsoc_conformance.cases(load_config(CONFIG).accelerator("lut"))) == 4
