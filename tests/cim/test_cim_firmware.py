"""CIM firmware on the Verilator SoC: the driver programs weights (host-made beats and int8
weights packed in C), runs seeded random layers from L1 against the golden model with the
counters checked against the host's timing model, and the refused cases end with the right
CimError, an error interrupt and nothing written (headers from `hetsoc.cim_firmware`)."""

import re

import pytest

from hetsoc.accel.cim.testgen import write_headers
from hetsoc.cheader import generate_header
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.cim import DESCRIPTOR_WORDS, CimError
from hetsoc.spec.config import load_config

PROGRAMS = ("cim_layer", "cim_errors")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cim_fw")
    layers = write_headers(tmp, "default", seed=1)
    elfs = [build_firmware([sw_path("tests", f"{name}.c"), sw_path("drivers", "cim.c")],
                           "default", tmp / f"{name}.elf",
                           extra_cflags=[f"-I{sw_path('drivers')}", f"-I{tmp}"])
            for name in PROGRAMS]
    runs = run_batch([Job(elf, max_cycles=3_000_000) for elf in elfs], "default", "verilator")
    return layers, dict(zip(PROGRAMS, runs, strict=True))


@pytest.mark.parametrize("name", PROGRAMS)
def test_cim_program_passes(built, name):
    result = built[1][name]
    assert result.passed, f"{result.status} {result.exit_code}: {result.console}"
    assert f"{name}: ok" in result.console


def test_cim_layer_counters_are_the_timing_model(built):
    layers, runs = built
    console = runs["cim_layer"].console
    for layer in layers:
        line = re.search(rf"cim_layer: {layer.name}: (\d+) descriptors, busy (\d+) \(model "
                         rf"\d+\), mvms (\d+) .* programming beats (\d+) .* (\d+) mismatches",
                         console)
        assert line, console
        jobs, busy, mvms, beats, mismatches = map(int, line.groups())
        assert (jobs, busy, mvms, beats, mismatches) == (
            len(layer.jobs), layer.busy_cycles, layer.mvms, layer.prog_beats, 0)
    assert {len(layer.jobs) for layer in layers} == {1, 2}    # row and column splits ran


def test_cim_errors_counts(built):
    console = built[1]["cim_errors"].console
    assert "cim_errors: ok, 6 refused descriptors, 6 error interrupts" in console


def test_driver_constants_are_the_generated_ones():
    """cim.h types no number: its codes are the generated header's, made from CimError."""
    text = sw_path("drivers", "cim.h").read_text()
    codes = dict(re.findall(r"#define CIM_ERR_(\w+) HETSOC_CIM_ERROR_(\w+)", text))
    assert codes == {e.name: e.name for e in CimError}
    assert "#define CIM_DESC_WORDS HETSOC_CIM_DESC_WORDS" in text
    assert not re.search(r"#define CIM_\w+ \d", text)
    header = generate_header(load_config("default"))
    for e in CimError:
        assert re.search(rf"#define HETSOC_CIM_ERROR_{e.name}\s+HETSOC_U\({e.value}\)", header)
    assert re.search(rf"#define HETSOC_CIM_DESC_WORDS\s+HETSOC_U\({DESCRIPTOR_WORDS}\)", header)
