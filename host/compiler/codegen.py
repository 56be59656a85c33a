"""codegen: the network as C, the L3 image, and the manifest.

The C is straight-line, one block per layer as DORY and HTVM emit it: mark the step's start
(mcycle into ``net_marks``), stage each part's constants by DMA, run the part (a kernel call
or NPU descriptor, from the target's `Part.emit`), and with ``check_layers`` copy the layer's
output to L3. The prologue loads the input, the epilogue stores the output. Everything the
host needs to run and check it is in the manifest: every layer's unit, shapes, buffers and
addresses, DMA transfers and cycle estimates.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from .place import activation_inputs
from .plan import Plan, Transfer

__all__ = ["codegen", "BUSY_SYMBOL", "MARKS_SYMBOL"]

#: The firmware's array of step start cycles (``net_marks[steps + 1]``).
MARKS_SYMBOL = "net_marks"
#: The firmware's array of each step's accelerator busy cycles, the sum of the units'
#: BUSY_CYCLES counters after each descriptor (``net_busy[steps + 1]``, uint32).
BUSY_SYMBOL = "net_busy"


def _transfer_c(t: Transfer) -> str:
    fn = "net_dma_load" if t.channel == 0 else "net_dma_store"
    return f"{fn}(0x{t.src:08x}u, 0x{t.dst:08x}u, {t.size}u);  /* {t.what} */"


def _indent(text: str, n: int = 4) -> str:
    return "\n".join((" " * n + line) if line else line for line in text.splitlines())


def _c_name(name: str) -> str:
    safe = "".join(ch if ch.isalnum() else "_" for ch in name)
    return safe if safe[:1].isalpha() else f"l_{safe}"


def _source(plan: Plan) -> str:
    units = sorted({layer.unit for layer in plan.layers if layer.unit})
    lines = [
        f"/* network.c: model {plan.name!r} compiled by hetsoc for config "
        f"{plan.config.name!r}, strategy {plan.strategy!r}",
        f" * ({len(plan.steps)} steps on {', '.join(units)}). Generated: do not edit. */",
        "#include <stdint.h>", "", '#include "hetsoc.h"', '#include "netrt.h"',
    ]
    if "npu" in units:
        lines.append('#include "npu.h"')
    if "cim" in units:
        lines.append('#include "cim.h"')
    if "cpu" in units:
        lines.append('#include "kernels.h"')
    lines += ["", f"#define NET_STEPS {len(plan.steps)}",
              f"uint64_t {MARKS_SYMBOL}[NET_STEPS + 1];",
              f"uint32_t {BUSY_SYMBOL}[NET_STEPS + 1];", "", "int main(void)", "{",
              "    net_init();"]
    lines += [f"    {_transfer_c(t)}" for t in plan.prologue]
    for i, step in enumerate(plan.steps):
        layer = plan.layers[step.layer]
        lines += ["", f"    /* step {i}: layer {layer.name!r} ({layer.op}) on the {layer.unit}, "
                      f"estimate {step.cycles} cycles */", f"    net_mark({i});"]
        for k, placed in enumerate(step.parts):
            lines += [f"    {_transfer_c(t)}" for t in placed.transfers]
            name = f"s{i}_{_c_name(layer.name)}" + (f"_p{k}" if len(step.parts) > 1 else "")
            lines += ["    {", _indent(placed.part.emit(placed.addresses, name), 8), "    }"]
        lines += [f"    {_transfer_c(t)}" for t in step.after]
    lines += ["", "    net_mark(NET_STEPS);"]
    lines += [f"    {_transfer_c(t)}" for t in plan.epilogue]
    lines += ["    return 0;", "}", ""]
    return "\n".join(lines)


def _tensor_json(plan: Plan, name: str) -> dict:
    t = plan.graph.tensors[name]
    out = {"tensor": name, "shape": list(t.shape), "dtype": t.dtype,
           "layout": plan.layouts.get(name, "")}
    if t.quant is not None and not t.quant.per_channel:
        out["scale"] = float(t.quant.scale)
        out["zero_point"] = int(t.quant.zp)
    buf = plan.buffers.get(name)
    if buf is not None:
        out.update(memory=buf.memory, addr=f"0x{buf.addr:08x}", bytes=buf.nbytes)
    return out


def _manifest(plan: Plan) -> dict:
    steps = {s.layer: s for s in plan.steps}
    layers = []
    for layer in plan.layers:
        entry = layer.to_json()
        entry["inputs"] = [_tensor_json(plan, n)
                           for n in activation_inputs(plan.graph, layer)]
        entry["output"] = _tensor_json(plan, layer.output)
        step = steps.get(layer.index)
        if step is not None:
            entry["step"] = plan.steps.index(step)
            entry["macs"] = sum(p.part.macs for p in step.parts)
            entry["cycles_estimate"] = step.cycles
            entry["parts"] = [p.to_json() for p in step.parts]
            if step.after:
                entry["after"] = [t.to_json() for t in step.after]
            if step.debug_addr is not None:
                entry["debug_addr"] = f"0x{step.debug_addr:08x}"
        layers.append(entry)
    b = plan.boundary
    in_addr, in_size = plan.l3_regions["input"]
    out_addr, out_size = plan.l3_regions["output"]
    base, used = plan.l3_regions["used"]
    return {
        "model": plan.name, "config": plan.config.name, "strategy": plan.strategy,
        "overrides": dict(plan.overrides), "check_layers": plan.check_layers,
        "unit_options": {k: dict(v) for k, v in plan.unit_options.items()},
        "input": {**_tensor_json(plan, b.input), "l3_addr": f"0x{in_addr:08x}",
                  "host_quantize": b.quantize, "model_input": b.model_input},
        "output": {**_tensor_json(plan, b.output), "l3_addr": f"0x{out_addr:08x}",
                   "host_dequantize": b.dequantize, "model_output": b.model_output},
        "l3": {"base": f"0x{base:08x}", "image_bytes": len(plan.l3_image), "used_bytes": used},
        "prologue": [t.to_json() for t in plan.prologue],
        "epilogue": [t.to_json() for t in plan.epilogue],
        "layers": layers,
        "steps": len(plan.steps),
        "macs": int(sum(p.part.macs for s in plan.steps for p in s.parts)),
        "cycles_estimate": int(sum(s.cycles for s in plan.steps)),
        "marks_symbol": MARKS_SYMBOL, "busy_symbol": BUSY_SYMBOL,
        "units": dict(sorted(Counter(la.unit for la in plan.layers if la.unit).items())),
    }


def codegen(plan: Plan) -> Plan:
    """The C source and the manifest of a placed plan."""
    return dataclasses.replace(plan, c_source=_source(plan), manifest=_manifest(plan))
