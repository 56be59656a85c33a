"""Move bit-fields of the register layouts in hetsoc.spec, then build the SoC and the firmware
from them and run the driver tests: run by tests/test_mutation.py in a process of its own.

Every field moved here is one the C drivers once typed by hand (STATUS and IRQ bits, the NPU's
GEOMETRY, the CIM's TILE and PROG_ADDR, the DMA's CH_STATUS, CH_CPL and CH_IRQ); if any copy
survived in C or in the gateware, a test below would fail. Prints one line per program, then
the generated masks of the moved fields, as JSON.
"""

import json
import sys
from pathlib import Path

from amaranth.lib import data

import hetsoc.spec.cim as cim
import hetsoc.spec.dma as dma
import hetsoc.spec.npu as npu
import hetsoc.spec.page as page

MOVED = {
    (page, "STATUS"): data.StructLayout({"busy": 1, "error": 1, "done": 1, "_gap": 5,
                                         "unit": 5, "_gap2": 3, "code": 8}),
    (page, "IRQ"): data.StructLayout({"error": 1, "_gap": 2, "done": 1}),
    (page, "INFO"): data.StructLayout({"port_bytes": 16, "desc_words": 8}),
    (npu, "GEOMETRY"): data.StructLayout({"cols": 16, "rows": 16}),
    (cim, "TILE"): data.StructLayout({"cols_per_cycle": 16, "rows_per_cycle": 16}),
    (cim, "PROG_ADDR"): data.StructLayout({"groups": 8, "row": 16, "group": 8}),
    (cim, "UNIT_FLAGS"): data.StructLayout({"_gap": 2, "weight_error": 1}),
    (dma, "CH_STATUS"): data.StructLayout({"queued": 8, "completions": 8, "overflow": 1,
                                           "_gap": 3, "busy": 1}),
    (dma, "CH_CPL"): data.StructLayout({"valid": 1, "status": 4, "_gap": 3, "tag": 16}),
    (dma, "CH_IRQ"): data.StructLayout({"overflow": 1, "done": 1, "error": 1}),
}


def mutate():
    """Before anything imports the layouts by name (the gateware does at import)."""
    for (module, name), layout in MOVED.items():
        setattr(module, name, layout)
    for spec in (npu.NPU_SPEC, cim.CIM_SPEC):
        for reg in spec.fields:
            spec.fields[reg] = getattr(npu if spec is npu.NPU_SPEC else cim, reg)


def main(tmp: Path) -> int:
    mutate()
    from hetsoc.accel.cim.testgen import write_headers as cim_headers
    from hetsoc.accel.npu.testgen import write_headers as npu_headers
    from hetsoc.cheader import generate_header
    from hetsoc.firmware import build_firmware, sw_path
    from hetsoc.sim.harness import Job, run_batch
    from hetsoc.sim.hdl import l3_fault_defines
    from hetsoc.spec.config import load_config

    config = load_config("default")
    npu_headers(tmp, config, seed=7)
    cim_headers(tmp, config, seed=7)
    programs = {"npu_layer": "npu.c", "npu_errors": "npu.c", "cim_layer": "cim.c",
                "cim_errors": "cim.c", "dma_errors": "dma.c", "dma_chain": "dma.c",
                "dma_bus_error": "dma.c"}
    flags = [f"-I{sw_path('drivers')}", f"-I{tmp}"]
    elfs = [build_firmware([sw_path("tests", f"{p}.c"), sw_path("drivers", d)], config,
                           tmp / f"{p}.elf", extra_cflags=flags,
                           defines=l3_fault_defines(config) if p == "dma_bus_error" else None)
            for p, d in programs.items()]
    results = run_batch([Job(e, max_cycles=4_000_000) for e in elfs], config, "verilator")
    bad = 0
    for name, result in zip(programs, results, strict=True):
        ok = result.passed and f"{name}: ok" in result.console
        bad |= not ok
        print(f"{name}: {'pass' if ok else 'FAIL'} {result.status} {result.exit_code} "
              f"{result.console.strip().splitlines()[-1] if result.console.strip() else ''}")
    header = generate_header(config)
    masks = {line.split()[1]: line.split()[2] for line in header.splitlines()
             if line.startswith("#define") and line.split()[1].endswith("_MASK")}
    print(json.dumps(masks))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
