"""NPU firmware on the Verilator SoC: the C driver (sw/drivers/npu.c) runs layers from L1 against
golden's outputs and the cycle model's busy cycles, and gets every error code of invalid
descriptors, with interrupts."""

import re

import numpy as np
import pytest

from hetsoc.accel.npu.cost import job_cycles
from hetsoc.accel.npu.testgen import bad_descriptors, write_headers
from hetsoc.cheader import generate_header
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.config import load_config
from hetsoc.spec.npu import NpuError, pack_descriptor

PROGRAMS = ("npu_layer", "npu_errors")
CONFIG = "default"
_LINE = re.compile(r"npu_layer: (\w+)(?: \(([\w ]+)\))?: (\d+) MACs, (\d+) busy cycles "
                   r"\(model (\d+)\), (\d+) stall cycles, utilization ([\d.]+)%")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("npu_fw")
    _, _, layers = write_headers(tmp / "gen", CONFIG, seed=1)
    return tmp, layers


@pytest.fixture(scope="module")
def results(generated):
    tmp, _ = generated
    flags = [f"-I{sw_path('drivers')}", f"-I{tmp / 'gen'}"]
    elfs = [build_firmware([sw_path("tests", f"{name}.c"), sw_path("drivers", "npu.c")],
                           CONFIG, tmp / f"{name}.elf", extra_cflags=flags)
            for name in PROGRAMS]
    runs = run_batch([Job(elf, max_cycles=3_000_000) for elf in elfs], CONFIG, "verilator")
    return dict(zip(PROGRAMS, runs, strict=True))


@pytest.mark.parametrize("name", PROGRAMS)
def test_npu_program_passes(results, name):
    result = results[name]
    assert result.passed, f"{result.status} {result.exit_code}: {result.console}"
    assert f"{name}: ok" in result.console


def test_layer_counters(results, generated):
    """Every layer ran (the first once more on the interrupt and once with the CPU contending
    for L1) with MACS equal to the MAC count of its shapes; the host's count agrees with the
    encoder's; BUSY_CYCLES is the cycle model's with no stall when the NPU has L1 to itself;
    the contended run waits on L1 more than the same layer alone and stays within the model's
    bound (model <= busy <= model + stalls + drain writes)."""
    _, layers = generated
    console = results["npu_layer"].console
    seen = [m.groups() for m in _LINE.finditer(console)]
    assert [(s[0], s[1]) for s in seen] == [(la.name, None) for la in layers] + [
        (layers[0].name, "irq"), (layers[0].name, "L1 contended")], console
    by_name = {la.name: la for la in layers}
    for name, mode, n, busy, model, stall, util in seen:
        layer, busy, stall = by_name[name], int(busy), int(stall)
        assert int(n) == layer.macs
        assert int(model) == layer.cycles
        if mode == "L1 contended":
            assert layer.cycles <= busy <= layer.cycles + stall + layer.drain_writes
        else:
            assert (busy, stall) == (layer.cycles, 0), name
        assert 0 <= float(util) <= 100
    alone, contended = int(seen[0][5]), int(seen[-1][5])
    assert contended > alone, "the CPU's L1 traffic should cost the NPU stall cycles"
    npu = load_config(CONFIG).npu      # the model's figures are for this SoC's array
    for la in layers:
        assert la.macs == la.job.macs
        assert la.cycles == job_cycles(la.job, rows=npu.rows, cols=npu.cols)


def test_generated_codes_match_python():
    """The C side's codes and bits are the Python definitions: NpuError through hetsoc_soc.h
    (the STATUS bits are the protocol's, generated from hetsoc.spec.page: tests/test_cheader.py)
    and the error names of the driver checked here."""
    header = generate_header(load_config(CONFIG))
    for e in NpuError:
        assert re.search(rf"#define HETSOC_NPU_ERROR_{e.name}\s+HETSOC_U\({e.value}\)", header)
    driver_h = sw_path("drivers", "npu.h").read_text()
    assert "NPU_STATUS_" not in driver_h  # the protocol's, acc.h
    for e in NpuError:
        member = "NPU_OK" if e is NpuError.NONE else f"NPU_ERR_{e.name}"
        assert f"{member} = HETSOC_NPU_ERROR_{e.name}," in driver_h
    names = re.search(r"names\[\] = \{(.*?)\};", sw_path("drivers", "npu.c").read_text(), re.S)
    got = re.findall(r'"(\w+)"', names.group(1))
    assert got == ["ok"] + [e.name.lower() for e in NpuError if e is not NpuError.NONE]


def test_every_error_code_is_exercised():
    cases, _ = bad_descriptors(load_config(CONFIG))
    assert {c.error for c in cases} == set(NpuError) - {NpuError.NONE}


def test_kernel_above_the_limit_is_not_encodable():
    """The kernel fields are 3 bits: a kernel of 8 cannot reach the hardware, so the firmware
    test's KERNEL cases are the encodable out-of-range side, 0."""
    with pytest.raises(ValueError):
        pack_descriptor(kh=8)


def test_generated_layers_are_not_degenerate(generated):
    """The expected outputs spread over the int8 range (mostly not clamped, even the ReLU
    layer; not constant), so a wrong accumulator, multiplier or zero point shows in the bytes."""
    _, layers = generated
    for la in layers:
        y = la.expected.astype(int)
        assert len(np.unique(y)) > 20, la.name
        assert np.mean((y > y.min()) & (y < y.max())) > 0.3, la.name
