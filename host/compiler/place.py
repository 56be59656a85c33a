"""place: lower every layer on its unit and give every byte an address.

- Each dispatched layer is lowered by its target into parts (`hetsoc.accel.target.Part`).
- Activations live in L1, NCHW, each buffer aligned to the widest port that reads it (the
  NPU's ``2 * cols`` bytes) and placed by `memplan.plan_offsets` with layer lifetimes, so L1 is
  reused across layers. A layer whose tensors cannot be in L1 together is refused, naming the
  layer and the bytes, until tiling lands.
- Each part's constants are staged from L3 into L2 by a blocking DMA transfer right before it
  runs, with its scratch after them in L2.
- The L3 image holds every part's constants, then the network's input and output regions (and,
  with ``check_layers``, one region per layer for a copy of its output).
"""

from __future__ import annotations

import dataclasses

from ..accel.dma.cost import transfer_cycles
from ..accel.target import Addresses
from .memplan import Interval, align_up, plan_offsets
from .plan import Buffer, CompileError, PlacedPart, Plan, Step, Transfer
from .targets import targets

__all__ = ["place", "activation_inputs", "LOAD_CHANNEL", "STORE_CHANNEL"]

#: DMA channel for L3 -> L2/L1 loads and for L1 -> L3 stores.
LOAD_CHANNEL, STORE_CHANNEL = 0, 1
_DMA_ALIGN = 8


def activation_inputs(graph, layer) -> tuple[str, ...]:
    """The inputs a layer reads as activations (conv2d and dense: x; their weights and bias
    are constants the unit's lowering owns)."""
    if layer.op in ("conv2d", "dense"):
        return layer.inputs[:1]
    return layer.inputs


def _lower(plan, units, nodes):
    parts = {}
    for layer in plan.layers:
        if layer.alias:
            continue
        try:
            parts[layer.name] = units[layer.unit].lower(plan.graph, nodes[layer.name])
        except ValueError as e:
            raise CompileError(f"layer {layer.name!r} ({layer.op}) on the {layer.unit}: "
                               f"{e}") from None
    return parts


def _lifetimes(plan, graph):
    """Root tensor of every activation (aliases share their input's) and its live range."""
    root = {}

    def rootof(name):
        while name in root:
            name = root[name]
        return name

    first, last = {plan.boundary.input: -1}, {}
    consts = []
    for layer in plan.layers:
        if layer.alias:
            root[layer.output] = rootof(layer.inputs[0])
            continue
        for name in activation_inputs(graph, layer):
            r = rootof(name)
            if graph.tensors[r].is_const and r not in first:
                first[r] = -1          # a constant operand: loaded with the input
                consts.append(r)
            last[r] = max(last.get(r, -1), layer.index)
        r = rootof(layer.output)
        first.setdefault(r, layer.index)
        last[r] = max(last.get(r, layer.index), layer.index)
    out = rootof(plan.boundary.output)
    last[out] = len(plan.layers)
    first.setdefault(out, -1)  # the output may be the input (a network of aliases only)
    for r in first:
        last.setdefault(r, first[r])
    return rootof, first, last, consts


def _check_working_sets(plan, graph, rootof, sizes, l1_size):
    for layer in plan.layers:
        if layer.alias:
            continue
        ins = {rootof(n) for n in activation_inputs(graph, layer)}
        out = rootof(layer.output)
        need = sum(sizes[n] for n in ins | {out})
        if need > l1_size:
            inputs = " + ".join(str(sizes[n]) for n in sorted(ins))
            raise CompileError(f"layer {layer.name!r} ({layer.op}) needs {need} bytes of L1 "
                               f"(inputs {inputs}, output {sizes[out]}), L1 has {l1_size}: "
                               f"it is too big until tiling lands; use a config with a larger "
                               f"L1")


def _peak_layer(plan, first, last, sizes) -> tuple[str, int]:
    best = ("input", 0)
    for layer in plan.layers:
        live = sum(s for n, s in sizes.items() if first[n] <= layer.index <= last[n])
        if live > best[1]:
            best = (layer.name, live)
    return best


def place(plan: Plan) -> Plan:
    """Lower, plan L1, stage constants in L2, lay out L3, list every DMA transfer."""
    cfg, graph = plan.config, plan.graph
    units = targets(cfg)
    nodes = {n.name: n for n in graph.nodes}
    lowered = _lower(plan, units, nodes)
    align = max([8] + [units[la.unit].constraints(graph, nodes[la.name]).align
                       for la in plan.layers if not la.alias])
    rootof, first, last, consts = _lifetimes(plan, graph)
    nbytes = {n: graph.tensors[n].size for n in first}
    sizes = {n: align_up(b, align) for n, b in nbytes.items()}
    _check_working_sets(plan, graph, rootof, sizes, cfg.l1.size)
    offsets, used = plan_offsets([Interval(n, sizes[n], first[n], last[n]) for n in first], align)
    if used > cfg.l1.size:
        layer, live = _peak_layer(plan, first, last, sizes)
        raise CompileError(f"the activations need {used} bytes of L1 ({live} live at layer "
                           f"{layer!r}), L1 has {cfg.l1.size}: too big until tiling lands")
    roots = {n: Buffer(n, "l1", cfg.l1.base + offsets[n], sizes[n], nbytes[n], first[n],
                       last[n]) for n in first}
    buffers = {}
    for name in plan.layouts:
        if not graph.tensors[name].is_const or name in roots:
            r = roots[rootof(name)]
            buffers[name] = dataclasses.replace(r, tensor=name, nbytes=graph.tensors[name].size)

    # L3: every part's constants, then constant operands, the input, the output, debug copies.
    l3 = bytearray()
    l3_end = 0

    def l3_put(data: bytes) -> int:
        addr = cfg.l3.base + len(l3)
        l3.extend(data)
        l3.extend(b"\0" * (align_up(len(l3), _DMA_ALIGN) - len(l3)))
        return addr

    def l3_reserve(size: int) -> int:
        # Past the image: regions the SoC writes (output, layer copies) are never loaded.
        nonlocal l3_end
        addr = cfg.l3.base + max(l3_end, len(l3))
        l3_end = addr - cfg.l3.base + align_up(size, _DMA_ALIGN)
        return addr

    def load(buf: Buffer, src: int, what: str) -> Transfer:
        return Transfer(LOAD_CHANNEL, src, buf.addr, align_up(buf.nbytes, _DMA_ALIGN), what)

    l2_limit = cfg.l2.size
    steps = []
    for layer in plan.layers:
        if layer.alias:
            continue
        placed, cycles = [], 0
        for k, part in enumerate(lowered[layer.name]):
            blob = cfg.l2.base
            scratch = cfg.l2.base + align_up(len(part.blob), _DMA_ALIGN)
            need = scratch - cfg.l2.base + align_up(part.scratch, _DMA_ALIGN)
            if need > l2_limit:
                raise CompileError(f"layer {layer.name!r} ({layer.op}) on the {layer.unit} "
                                   f"needs {need} bytes of L2 for its constants and scratch, "
                                   f"L2 has {l2_limit}: too big until tiling lands")
            addr = Addresses(tuple(buffers[n].addr for n in activation_inputs(graph, layer)),
                             buffers[layer.output].addr, blob, scratch)
            transfers, l3_blob = (), None
            if part.blob:
                l3_blob = l3_put(part.blob)
                transfers = (Transfer(LOAD_CHANNEL, l3_blob, blob,
                                      align_up(len(part.blob), _DMA_ALIGN),
                                      f"{layer.name} part {k} constants"),)
            placed.append(PlacedPart(part, addr, transfers, l3_blob))
            cycles += part.cycles + sum(transfer_cycles(t.size) for t in transfers)
        steps.append(Step(layer.index, tuple(placed), (), cycles))

    regions = {}
    start = []
    for name in consts:
        data = graph.tensors[name].data.tobytes()
        src = l3_put(data)
        regions[name] = (src, len(data))
        start.append(load(roots[name], src, f"constant {name}"))
    b = plan.boundary
    in_addr = l3_put(b"\0" * align_up(nbytes[rootof(b.input)], _DMA_ALIGN))
    out_addr = l3_reserve(nbytes[rootof(b.output)])
    regions["input"] = (in_addr, graph.tensors[b.input].size)
    regions["output"] = (out_addr, graph.tensors[b.output].size)
    start.insert(0, load(roots[rootof(b.input)], in_addr, "network input"))
    if plan.check_layers:
        with_debug = []
        for step in steps:
            out = buffers[plan.layers[step.layer].output]
            dbg = l3_reserve(out.nbytes)
            copy = Transfer(STORE_CHANNEL, out.addr, dbg, align_up(out.nbytes, _DMA_ALIGN),
                            f"{plan.layers[step.layer].name} output (check-layers)")
            with_debug.append(dataclasses.replace(step, after=(copy,), debug_addr=dbg))
        steps = with_debug
    if max(l3_end, len(l3)) > cfg.l3.size:
        raise CompileError(f"the network needs {max(l3_end, len(l3))} bytes of L3 for its "
                           f"constants and tensors, L3 has {cfg.l3.size}")
    regions["used"] = (cfg.l3.base, max(l3_end, len(l3)))
    out_buf = roots[rootof(b.output)]
    end = Transfer(STORE_CHANNEL, out_buf.addr, out_addr, align_up(out_buf.nbytes, _DMA_ALIGN),
                   "network output")
    return dataclasses.replace(plan, buffers=buffers, steps=tuple(steps), l3_image=bytes(l3),
                               l3_regions=regions, prologue=tuple(start), epilogue=(end,))
