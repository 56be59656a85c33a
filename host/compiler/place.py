"""place: lower every layer on its unit and give every byte an address.

- Each dispatched layer is lowered by its target into parts (`hetsoc.accel.target.Part`).
- Activations live in L1, NCHW, each buffer aligned to the widest port that reads it (the
  NPU's ``2 * cols`` bytes) and placed by `memplan.plan_offsets` with layer lifetimes, so L1 is
  reused across layers. A layer whose tensors cannot be in L1 together is refused, naming the
  layer and the bytes, until tiling lands.
- Each part's constants are staged from L3 into L2 by a blocking DMA transfer right before it
  runs, with its scratch after them in L2; a part that moves its constants itself
  (`Part.stage` False: the CIM's weights into its DMA window) gets their L3 address. A part's
  L1 scratch (`Part.l1_scratch`) is a buffer of its layer's lifetime, planned with the
  activations.
- The L3 image holds every part's constants, then the network's input and output regions (and,
  with ``check_layers``, one region per layer for a copy of its output).
"""

from __future__ import annotations

import dataclasses

from ..accel.dma.cost import transfer_cycles
from ..accel.target import Addresses
from .memplan import Interval, align_up, plan_offsets
from .plan import Buffer, CompileError, PlacedPart, Plan, Step, Transfer
from .targets import plan_targets

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


def native_layouts(plan, units) -> dict[str, str]:
    """4-D tensors stored in a unit's native layout (`Target.native_layout`): those a layer on
    such a unit produces and only layers on units with the same native layout read (not the
    network output, nothing a reshape reads)."""
    readers: dict[str, list] = {}
    for layer in plan.layers:
        for name in (layer.inputs if layer.alias else activation_inputs(plan.graph, layer)):
            readers.setdefault(name, []).append(layer)

    def native(layer):
        return None if layer.alias else units[layer.unit].native_layout

    out = {}
    for layer in plan.layers:
        lay = native(layer)
        if (lay is not None and layer.output != plan.boundary.output
                and len(plan.graph.tensors[layer.output].shape) == 4
                and readers.get(layer.output)
                and all(native(r) == lay for r in readers[layer.output])):
            out[layer.output] = lay
    return out


def _lower(plan, units, nodes, layouts):
    parts = {}
    for layer in plan.layers:
        if layer.alias:
            continue
        target = units[layer.unit]
        try:
            if target.native_layout is not None:
                parts[layer.name] = target.lower(plan.graph, nodes[layer.name], layouts=layouts)
            else:
                parts[layer.name] = target.lower(plan.graph, nodes[layer.name])
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


def _scratch_name(layer) -> str:
    return f"{layer.name} (L1 scratch)"


def _check_working_sets(plan, graph, rootof, sizes, l1_size):
    for layer in plan.layers:
        if layer.alias:
            continue
        ins = {rootof(n) for n in activation_inputs(graph, layer)}
        out = rootof(layer.output)
        scratch = sizes.get(_scratch_name(layer), 0)
        need = sum(sizes[n] for n in ins | {out}) + scratch
        if need > l1_size:
            inputs = " + ".join(str(sizes[n]) for n in sorted(ins))
            more = f", scratch {scratch}" if scratch else ""
            raise CompileError(f"layer {layer.name!r} ({layer.op}) needs {need} bytes of L1 "
                               f"(inputs {inputs}, output {sizes[out]}{more}), L1 has {l1_size}: "
                               f"it is too big until tiling lands; use a config with a larger "
                               f"L1")


def _peak_layer(plan, items) -> tuple[str, int]:
    best = ("input", 0)
    for layer in plan.layers:
        live = sum(i.size for i in items if i.first <= layer.index <= i.last)
        if live > best[1]:
            best = (layer.name, live)
    return best


class _L3Layout:
    """The L3 image as it is laid out: bytes the host loads (constants, the input) from the
    base, then regions only the SoC writes (the output, layer copies), never loaded."""

    def __init__(self, base: int):
        self.base, self.image, self.written_end = base, bytearray(), 0

    def put(self, data: bytes) -> int:
        addr = self.base + len(self.image)
        self.image.extend(data)
        self.image.extend(b"\0" * (align_up(len(self.image), _DMA_ALIGN) - len(self.image)))
        return addr

    def reserve(self, size: int) -> int:
        addr = self.base + max(self.written_end, len(self.image))
        self.written_end = addr - self.base + align_up(size, _DMA_ALIGN)
        return addr

    @property
    def used(self) -> int:
        return max(self.written_end, len(self.image))


def _plan_l1(plan, graph, align, lowered):
    """Every activation's buffer in L1 (aliases share their input's), each layer's L1 scratch
    (the largest of its parts'), and the constant operands that must be loaded into L1 with
    the input."""
    cfg = plan.config
    rootof, first, last, consts = _lifetimes(plan, graph)
    nbytes = {n: graph.tensors[n].size for n in first}
    sizes = {n: align_up(b, align) for n, b in nbytes.items()}
    scratch = {}
    for layer in plan.layers:
        need = max((p.l1_scratch for p in lowered.get(layer.name, ())), default=0)
        if need:
            scratch[_scratch_name(layer)] = (align_up(need, align), layer.index)
    sizes.update({n: s for n, (s, _) in scratch.items()})
    _check_working_sets(plan, graph, rootof, sizes, cfg.l1.size)
    items = [Interval(n, sizes[n], first[n], last[n]) for n in first]
    items += [Interval(n, s, i, i) for n, (s, i) in scratch.items()]
    offsets, used = plan_offsets(items, align)
    if used > cfg.l1.size:
        layer, live = _peak_layer(plan, items)
        raise CompileError(f"the activations need {used} bytes of L1 ({live} live at layer "
                           f"{layer!r}), L1 has {cfg.l1.size}: too big until tiling lands")
    roots = {n: Buffer(n, "l1", cfg.l1.base + offsets[n], sizes[n], nbytes[n], first[n],
                       last[n]) for n in first}
    scratch_at = {n.removesuffix(" (L1 scratch)"): cfg.l1.base + offsets[n] for n in scratch}
    buffers = {}
    for name in plan.layouts:
        if not graph.tensors[name].is_const or name in roots:
            r = roots[rootof(name)]
            buffers[name] = dataclasses.replace(r, tensor=name, nbytes=graph.tensors[name].size)
    return rootof, roots, buffers, consts, scratch_at


def _stage(plan, graph, lowered, buffers, scratch_at, l3: _L3Layout) -> list[Step]:
    """Each part's constants into L3 and, right before it runs, into L2 (its scratch after
    them); its addresses; its cycle estimate with the transfers."""
    cfg = plan.config
    steps = []
    for layer in plan.layers:
        if layer.alias:
            continue
        placed, cycles = [], 0
        for k, part in enumerate(lowered[layer.name]):
            blob = cfg.l2.base
            staged = len(part.blob) if part.stage else 0
            scratch = cfg.l2.base + align_up(staged, _DMA_ALIGN)
            need = scratch - cfg.l2.base + align_up(part.scratch, _DMA_ALIGN)
            if need > cfg.l2.size:
                raise CompileError(f"layer {layer.name!r} ({layer.op}) on the {layer.unit} "
                                   f"needs {need} bytes of L2 for its constants and scratch, "
                                   f"L2 has {cfg.l2.size}: too big until tiling lands")
            transfers, l3_blob = (), None
            if part.blob and not part.stage:
                l3_blob = blob = l3.put(part.blob)
            addr = Addresses(tuple(buffers[n].addr for n in activation_inputs(graph, layer)),
                             buffers[layer.output].addr, blob, scratch,
                             scratch_at.get(layer.name, 0))
            if part.blob and part.stage:
                l3_blob = l3.put(part.blob)
                transfers = (Transfer(LOAD_CHANNEL, l3_blob, blob,
                                      align_up(len(part.blob), _DMA_ALIGN),
                                      f"{layer.name} part {k} constants"),)
            placed.append(PlacedPart(part, addr, transfers, l3_blob))
            cycles += part.cycles + sum(transfer_cycles(t.size) for t in transfers)
        steps.append(Step(layer.index, tuple(placed), (), cycles))
    return steps


def _with_layer_copies(plan, steps, buffers, l3: _L3Layout) -> list[Step]:
    """``check_layers``: after each step, its output copied to a region of L3."""
    out = []
    for step in steps:
        layer = plan.layers[step.layer]
        buf = buffers[layer.output]
        dbg = l3.reserve(buf.nbytes)
        copy = Transfer(STORE_CHANNEL, buf.addr, dbg, align_up(buf.nbytes, _DMA_ALIGN),
                        f"{layer.name} output (check-layers)")
        out.append(dataclasses.replace(step, after=(copy,), debug_addr=dbg))
    return out


def place(plan: Plan) -> Plan:
    """Lower, plan L1, stage constants in L2, lay out L3, list every DMA transfer."""
    cfg, graph = plan.config, plan.graph
    units = plan_targets(plan)
    nodes = {n.name: n for n in graph.nodes}
    layouts = {**plan.layouts, **native_layouts(plan, units)}
    plan = dataclasses.replace(plan, layouts=layouts)
    lowered = _lower(plan, units, nodes, layouts)
    align = max([8] + [units[la.unit].constraints(graph, nodes[la.name]).align
                       for la in plan.layers if not la.alias])
    rootof, roots, buffers, consts, scratch_at = _plan_l1(plan, graph, align, lowered)
    l3 = _L3Layout(cfg.l3.base)
    steps = _stage(plan, graph, lowered, buffers, scratch_at, l3)

    def load(buf: Buffer, src: int, what: str) -> Transfer:
        return Transfer(LOAD_CHANNEL, src, buf.addr, align_up(buf.nbytes, _DMA_ALIGN), what)

    regions, prologue = {}, []
    for name in consts:
        data = graph.tensors[name].data.tobytes()
        regions[name] = (l3.put(data), len(data))
        prologue.append(load(roots[name], regions[name][0], f"constant {name}"))
    b = plan.boundary
    net_in, net_out = roots[rootof(b.input)], roots[rootof(b.output)]
    regions["input"] = (l3.put(b"\0" * align_up(net_in.nbytes, _DMA_ALIGN)), net_in.nbytes)
    regions["output"] = (l3.reserve(net_out.nbytes), net_out.nbytes)
    prologue.insert(0, load(net_in, regions["input"][0], "network input"))
    epilogue = Transfer(STORE_CHANNEL, net_out.addr, regions["output"][0],
                        align_up(net_out.nbytes, _DMA_ALIGN), "network output")
    if plan.check_layers:
        steps = _with_layer_copies(plan, steps, buffers, l3)
    if l3.used > cfg.l3.size:
        raise CompileError(f"the network needs {l3.used} bytes of L3 for its constants and "
                           f"tensors, L3 has {cfg.l3.size}")
    regions["used"] = (cfg.l3.base, l3.used)
    return dataclasses.replace(plan, buffers=buffers, steps=tuple(steps),
                               l3_image=bytes(l3.image), l3_regions=regions,
                               prologue=tuple(prologue), epilogue=(epilogue,))
