"""The conformance kit (hetsoc.testing) on every accelerator slot of the shipped configs: the
protocol, and the plug-in's random cases bit-exact with its golden model and timed by its
cycle model; and on units that break them (the failure names the check or the case and the
seed, with a waveform)."""

import functools

import pytest

from hetsoc.spec.config import config_names, load_config
from hetsoc.spec.page import INFO
from hetsoc.testing import ConformanceError, check_cases, check_protocol

pytest_plugins = ["hetsoc.testing.plugin"]

SLOTS = sorted({(name, slot.name) for name in config_names()
                for slot in load_config(name).accelerators})


@pytest.mark.parametrize("config, unit", SLOTS, ids=[f"{c}-{u}" for c, u in SLOTS])
def test_every_shipped_unit_conforms(hetsoc_conformance, config, unit):
    passed = hetsoc_conformance(load_config(config).accelerator(unit))
    assert {"reset STATUS", "INFO desc_words", "INFO port_bytes", "DESC read back", "ends",
            "events", "line is a level", "acknowledged", "counters reset by a start"} <= set(passed)


def test_a_unit_that_breaks_the_protocol_is_named_with_its_seed(tmp_path, monkeypatch):
    """An NPU whose INFO lies: the check, the unit, the seed and a waveform."""
    from hetsoc.hw.npu import npu as npu_module

    slot = load_config("default").accelerator("npu")

    class Lying(npu_module.Npu):
        def elaborate_page(self):
            m = super().elaborate_page()
            lie = INFO.const({"desc_words": self.desc_words + 1, "port_bytes": self.port_bytes})
            m.d.comb += self.read["INFO"].eq(lie.as_value())     # the last assignment wins
            return m

    def lying(cls, s, *, l1_size, gated):
        p = s.params
        return Lying(p.rows, p.cols, l1_size=l1_size, weight_memory=p.weight_memory, page=s.page)

    monkeypatch.setattr(npu_module.Npu, "for_slot", classmethod(lying))
    with pytest.raises(ConformanceError) as e:
        check_protocol(slot, seed=11, vcd_dir=tmp_path)
    message = str(e.value)
    assert message.startswith("npu 'npu', seed 11: INFO desc_words: INFO says 14 descriptor "
                              "words, the spec 13")
    assert message.endswith(f"(waveform: {tmp_path / 'npu-npu-seed11.vcd'})")
    assert (tmp_path / "npu-npu-seed11.vcd").stat().st_size > 0


@pytest.mark.parametrize("config, unit", SLOTS, ids=[f"{c}-{u}" for c, u in SLOTS])
def test_every_shipped_unit_matches_its_golden_and_cycle_models(hetsoc_conformance, config,
                                                                 unit):
    names = hetsoc_conformance.cases(load_config(config).accelerator(unit))
    assert len(names) == 4


def test_a_case_the_unit_gets_wrong_is_named_with_its_seed(tmp_path, monkeypatch):
    """The NPU's own cases with golden's output off by one in a byte: the case, the byte, the
    seed and a waveform."""
    from hetsoc.accel.npu import testgen

    real = testgen.conformance_cases

    def off_by_one(slot, rng, l1_size):
        cases = real(slot, rng, l1_size)
        job, want = cases[0].verify.__defaults__
        wrong = want.copy()
        wrong.reshape(-1)[0] ^= 1
        cases[0].verify = functools.partial(cases[0].verify, job=job, want=wrong)
        return cases

    monkeypatch.setattr(testgen, "conformance_cases", off_by_one)
    with pytest.raises(ConformanceError) as e:
        check_cases(load_config("default").accelerator("npu"), seed=4, vcd_dir=tmp_path)
    message = str(e.value)
    assert message.startswith("npu 'npu', seed 4: case conv3x3: output byte 0 is ")
    assert message.endswith(f"(waveform: {tmp_path / 'npu-npu-cases-seed4.vcd'})")
