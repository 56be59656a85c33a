"""The accelerator list is a config edit: a SoC without a CIM, and one with two NPUs of
different sizes, build, and the NPU firmware tests pass on every NPU of them (each against its
own golden layers and cycle model, through its own register page, L1 port and interrupt)."""

import pytest
from test_npu_firmware import _LINE  # tests/npu is on sys.path (conftest.py)

from hetsoc.accel.npu.testgen import write_headers
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.config import load_config

PROGRAMS = ("npu_layer", "npu_errors")
UNITS = {"two-npus": ("npu", "npu2"), "npu-only": ("npu",)}


@pytest.fixture(scope="module", params=sorted(UNITS))
def runs(request, tmp_path_factory):
    config = request.param
    tmp = tmp_path_factory.mktemp(config)
    jobs, layers = [], {}
    for unit in UNITS[config]:
        gen = tmp / unit
        _, _, layers[unit] = write_headers(gen, config, seed=5, unit=unit)
        flags = [f"-I{sw_path('drivers')}", f"-I{gen}", f"-DNPU_UNIT=HETSOC_{unit.upper()}_BASE"]
        for name in PROGRAMS:
            elf = build_firmware([sw_path("tests", f"{name}.c"), sw_path("drivers", "npu.c")],
                                 config, tmp / f"{unit}_{name}.elf", extra_cflags=flags)
            jobs.append(((unit, name), Job(elf, max_cycles=3_000_000)))
    results = run_batch([j for _, j in jobs], config, "verilator")
    return config, layers, {key: r for (key, _), r in zip(jobs, results, strict=True)}


def test_every_npu_of_the_config_passes(runs):
    config, layers, results = runs
    assert {unit for unit, _ in results} == set(UNITS[config])
    for (unit, name), result in results.items():
        assert result.passed, f"{config}/{unit}/{name}: {result.status}: {result.console}"
        assert f"{name}: ok" in result.console


def test_each_npu_runs_its_own_geometry(runs):
    """Busy cycles are each unit's own cycle model (a 16x16 and an 8x8 array differ), MACs the
    layers' counts."""
    config, layers, results = runs
    for unit, unit_layers in layers.items():
        seen = {m[0]: m for m in _LINE.findall(results[unit, "npu_layer"].console) if not m[1]}
        assert set(seen) == {la.name for la in unit_layers}
        for la in unit_layers:
            _, _, macs, busy, model, stall, _ = seen[la.name]
            assert (int(macs), int(busy), int(model), int(stall)) == (
                la.macs, la.cycles, la.cycles, 0), (config, unit, la.name)
    if config == "two-npus":
        big, small = (load_config(config).accelerator(u).params for u in ("npu", "npu2"))
        assert (big.rows, small.rows) == (16, 8)
        conv = {u: next(la for la in layers[u] if la.name == "conv3x3_s2") for u in layers}
        assert conv["npu2"].cycles > conv["npu"].cycles

