"""build: the firmware ELF, and the compiled network's files in its output directory.

``DIR/network.c`` (the generated C), ``DIR/firmware.elf``, ``DIR/l3.bin`` (the L3 image from
the config's L3 base: every part's constants; the host writes the input into it) and
``DIR/manifest.json``. Everything is built in a scratch directory inside DIR and moved into
place only when the firmware has linked, so a failed compile leaves nothing half-written.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..firmware import build_firmware, runtime_sources, sw_path
from ..firmware_objects import compile_objects
from ..spec.accelerators import driver_paths
from .plan import CompileError, Plan

__all__ = ["build", "firmware_sources", "OUTPUTS"]

#: The files a compile writes into its output directory.
OUTPUTS = ("network.c", "firmware.elf", "l3.bin", "manifest.json")


def firmware_sources(units, config) -> tuple[list[Path], list[Path]]:
    """Sources generated network firmware links besides network.c (the runtime, the network
    runtime, the DMA's driver, the drivers of the config's accelerators, as their plug-ins list
    them, and, if a layer runs on the CPU, its kernels) and their include folders."""
    sources = [*runtime_sources(), sw_path("network", "netrt.c"), sw_path("drivers", "dma.c")]
    includes = [sw_path("network"), sw_path("drivers")]
    kinds = {slot.kind: slot.plugin for slot in config.accelerators}
    for plugin in kinds.values():
        for path in driver_paths(plugin):
            sources.append(path)
            if path.parent not in includes:
                includes.append(path.parent)
    if "cpu" in units:
        from ..accel.cpu.encoder import kernel_include, kernel_sources

        sources += kernel_sources()
        includes.append(kernel_include())
    return sources, includes


def check_out_dir(out_dir: str | Path) -> Path:
    """The output directory, checked before any work: it must be a writable directory, or not
    exist yet in a writable directory (`build` creates it). Nothing is created here."""
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise CompileError(f"output {str(out)!r} exists and is not a directory: choose a "
                               f"directory for -o")
        if not os.access(out, os.W_OK | os.X_OK):
            raise CompileError(f"cannot write into output directory {str(out)!r}: permission "
                               f"denied")
        return out
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise CompileError(f"cannot create output directory {str(out)!r}: {str(parent)!r} is "
                           f"not a writable directory")
    return out


def build(plan: Plan) -> Plan:
    """Compile the generated C with the runtime; write the four outputs into `plan.out_dir`."""
    if plan.out_dir is None:
        raise CompileError("build needs an output directory (compile with -o DIR)")
    out = check_out_dir(plan.out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CompileError(f"cannot create output directory {str(out)!r}: "
                           f"{e.strerror or e}") from None
    units = {layer.unit for layer in plan.layers if layer.unit}
    sources, includes = firmware_sources(units, plan.config)
    objects = compile_objects(sources, plan.config, include_dirs=includes)  # cached
    scratch = Path(tempfile.mkdtemp(prefix=".hetsoc-build-", dir=out))
    try:
        (scratch / "network.c").write_text(plan.c_source)
        elf = build_firmware([scratch / "network.c"], plan.config, scratch / "firmware.elf",
                             opt="-O2", extra_cflags=[f"-I{d}" for d in includes],
                             prebuilt=objects)
        (scratch / "l3.bin").write_bytes(plan.l3_image)
        manifest = {**plan.manifest, "elf": "firmware.elf", "l3_image": "l3.bin"}
        (scratch / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        for name in OUTPUTS:
            (scratch / name).replace(out / name)
        build_log = out / "firmware.build"
        if build_log.exists():
            shutil.rmtree(build_log)
        (elf.parent / "firmware.build").replace(build_log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dataclasses.replace(plan, elf=out / "firmware.elf", out_dir=out)
