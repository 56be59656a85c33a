"""The simulation's clock gates change nothing but speed: the same firmware (DMA, NPU and CIM
drivers at work, weights by DMA into the units' windows, interrupts, errors, a CPU-only kernel,
the ISA tests with their traps, timer interrupts and wfi, the examples) and two whole networks
on the Verilator SoC with gated clocks for the core (stopped in a wfi), the banks, the DMA, the
NPU and the CIM (the default build) and with one clock (``Soc(gated_acc=False)``, as on a board)
end with the same status, exit code, cycle and instruction counts and console output (where the
firmware prints its counters and checks every result against golden), and the networks with the
same outputs and step cycles."""

import zlib
from pathlib import Path

import pytest

from hetsoc.accel.cim.testgen import dma_cases as cim_dma_cases
from hetsoc.accel.cim.testgen import write_headers as write_cim_headers
from hetsoc.accel.npu.testgen import dma_cases as npu_dma_cases
from hetsoc.accel.npu.testgen import write_headers as write_npu_headers
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.sim.hdl import l3_fault_defines
from hetsoc.spec.config import load_config
from hetsoc.verify.toolchain import build_isa_test

CONFIG = "default"
DRIVER = {"dma": "dma.c", "npu": "npu.c", "cim": "cim.c"}
PROGRAMS = ("dma_chain", "dma_errors", "dma_two_channels", "dma_bus_error", "npu_layer",
            "npu_errors", "cim_layer", "cim_errors", "npu_dma_errors", "cim_dma_errors")
ISA = sorted((Path(__file__).resolve().parent / "isa").glob("*.S"))
EXAMPLES = ("hello", "timer_irq")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gated")
    config = load_config(CONFIG)
    _, _, npu_layers = write_npu_headers(tmp, CONFIG, seed=3)
    write_cim_headers(tmp, CONFIG, seed=3)
    # the weights by DMA: what the programs expect in L3 (the units' windows at work)
    npu_header, npu_blob = npu_dma_cases(config, npu_layers, config.l3.base)
    cim_header, cim_blob = cim_dma_cases(config, config.l3.base, seed=3 + 100)
    (tmp / "npu_dma_cases.h").write_text(npu_header)
    (tmp / "cim_dma_cases.h").write_text(cim_header)
    l3 = {"npu_dma_errors": npu_blob, "cim_dma_errors": cim_blob}
    flags = [f"-I{sw_path('drivers')}", f"-I{tmp}"]
    fault = l3_fault_defines(config)  # for dma_bus_error
    elfs = [build_firmware([sw_path("tests", f"{name}.c"),
                            *dict.fromkeys((sw_path("drivers", DRIVER[name.split("_")[0]]),
                                            sw_path("drivers", "dma.c")))],
                           CONFIG, tmp / f"{name}.elf", extra_cflags=flags,
                           defines=fault if name == "dma_bus_error" else None)
            for name in PROGRAMS]
    length = 512
    crc = zlib.crc32(bytes((i * 7 + 3) & 0xFF for i in range(length)))
    elfs.append(build_firmware([sw_path("bench", "crc32.c")], CONFIG, tmp / "crc32.elf",
                               defines={"LEN": length, "CRC32_EXPECTED": f"{crc:#x}u"}))
    elfs += [build_isa_test(src, tmp / f"isa_{src.stem}.elf") for src in ISA]
    elfs += [build_firmware([sw_path("examples", f"{name}.c")], CONFIG, tmp / f"{name}.elf")
             for name in EXAMPLES]
    names = (*PROGRAMS, "crc32", *(f"isa_{src.stem}" for src in ISA), *EXAMPLES)
    jobs = [Job(elf, max_cycles=3_000_000,
                l3_load=(config.l3.base, l3[name]) if name in l3 else None)
            for elf, name in zip(elfs, names, strict=True)]
    gated = run_batch(jobs, CONFIG, "verilator", gate_acc_clock=True)
    plain = run_batch(jobs, CONFIG, "verilator", gate_acc_clock=False)
    return {n: (g, p) for n, g, p in zip(names, gated, plain, strict=True)}


@pytest.mark.parametrize("name", (*PROGRAMS, "crc32", *(f"isa_{src.stem}" for src in ISA),
                                  *EXAMPLES))
def test_gated_clock_is_cycle_exact(runs, name):
    gated, plain = runs[name]
    assert plain.passed, f"{name} (one clock): {plain.status} {plain.exit_code}: {plain.console}"
    assert gated.passed, f"{name} (gated): {gated.status} {gated.exit_code}: {gated.console}"
    assert (gated.exit_code, gated.cycles, gated.instret) == \
        (plain.exit_code, plain.cycles, plain.instret)
    assert gated.console == plain.console



def test_gated_acc_must_be_a_bool():
    from hetsoc.hw.soc import Soc

    with pytest.raises(TypeError, match=r"^Gated_acc must be a bool, not 1$"):
        Soc(load_config(CONFIG), gated_acc=1)


@pytest.mark.parametrize("model, strategy", [("resnet-8", "npu"), ("autoencoder", "cpu")])
def test_gated_clock_is_cycle_exact_on_a_network(tmp_path, model, strategy):
    from hetsoc.compiler import compile_graph
    from hetsoc.crosscheck import random_input
    from hetsoc.models import load_model
    from hetsoc.runtime import run_networks

    graph = load_model(model)[1]
    plan = compile_graph(graph, config=CONFIG, strategy=strategy, out_dir=tmp_path)
    x = random_input(graph, 5)
    (gated,) = run_networks([(plan, x)], gate_acc_clock=True)
    (plain,) = run_networks([(plan, x)], gate_acc_clock=False)
    assert gated.exact and plain.exact
    assert (gated.cycles, gated.instret, gated.step_cycles) == \
        (plain.cycles, plain.instret, plain.step_cycles)
    assert (gated.output_q == plain.output_q).all() and gated.console == plain.console
