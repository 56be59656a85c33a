"""Run a compiled network: load its L3 image and input by backdoor, run the firmware on a
simulated SoC, read the output back, and always compare it with the golden reference.

>>> plan = compile_graph(graph, strategy="npu", out_dir="out")
>>> run = run_network(plan, x, backend="verilator")
>>> run.output, run.cycles, run.mismatch

The ``golden`` backend runs only the reference. On the HDL backends a mismatch of the output
is located: the network is compiled again with every layer's output copied to L3
(``check_layers``) and run once more, and the first layer whose output differs is named.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..compiler import BUSY_SYMBOL, MARKS_SYMBOL, compile_graph
from .reference import host_dequantize, host_quantize, reference

__all__ = ["BACKENDS", "DEFAULT_MAX_CYCLES", "UNWRITTEN", "Mismatch", "NetworkRun", "RunError",
           "run_network", "run_networks"]

BACKENDS = ("golden", "verilator", "icarus")
_NET_EXIT = {10: "a DMA transfer failed", 11: "the NPU refused a layer",
             12: "the CIM refused a layer"}
DEFAULT_MAX_CYCLES = 2_000_000_000
#: With an injected L3 fault, the value the regions only the SoC writes hold before the run.
UNWRITTEN = 0xA5


class RunError(RuntimeError):
    """The firmware did not complete (a trap, a unit's error, the cycle limit); one line.

    ``result`` is the simulation's `hetsoc.sim.harness.SimResult` when there was a run (its
    console, cycles and the L3 regions read back), else None."""

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Mismatch:
    """The first layer whose output differs from the reference (or the network output, when
    the layers were not compared): where, and how much."""

    layer: str
    unit: str | None
    index: tuple[int, ...]
    got: int
    want: int
    count: int
    size: int

    def line(self) -> str:
        where = f"layer {self.layer!r}" + (f" (on the {self.unit})" if self.unit else "")
        return (f"{where} differs from golden at index {list(self.index)}: got {self.got}, "
                f"want {self.want} ({self.count} of {self.size} values differ)")


@dataclass
class NetworkRun:
    """What a run returned, and how it compares with the reference."""

    backend: str
    output: np.ndarray                  # as the model declares it (float32 for QDQ models)
    output_q: np.ndarray                # the SoC's int8 output
    reference_q: np.ndarray
    mismatch: Mismatch | None
    cycles: int | None = None           # mcycle at the end (HDL backends)
    instret: int | None = None
    step_cycles: list[int] = field(default_factory=list)   # per step, from net_marks
    layers_compared: int = 0
    console: str = ""
    step_busy: list[int] = field(default_factory=list)  # per step, units' BUSY_CYCLES

    @property
    def exact(self) -> bool:
        return self.mismatch is None


def _first_difference(name, unit, got, want) -> Mismatch | None:
    diff = np.asarray(got) != np.asarray(want)
    if not diff.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(diff)[0])
    return Mismatch(name, unit, idx, int(np.asarray(got)[idx]), int(np.asarray(want)[idx]),
                    int(diff.sum()), int(diff.size))


def _l3_load(plan, x_q) -> tuple[int, bytes]:
    image = bytearray(plan.l3_image)
    addr, size = plan.l3_regions["input"]
    off = addr - plan.config.l3.base
    image[off:off + size] = np.ascontiguousarray(x_q, dtype=np.int8).tobytes()
    return plan.config.l3.base, bytes(image)


def _check_fault_window(plan):
    from ..sim.hdl import l3_fault_window

    base, used = plan.l3_regions["used"]
    lo, size = l3_fault_window(plan.config)
    if base + used > lo:
        raise RunError(f"the network uses L3 up to 0x{base + used:08x}, into the simulation "
                       f"L3 model's fault window at 0x{lo:08x}: use a config with a larger L3")


def _job(plan, x_q, max_cycles, l3_fault=None):
    from ..elf import load_elf
    from ..sim.harness import Job

    _check_fault_window(plan)
    out_addr, out_size = plan.l3_regions["output"]
    dumps = [(out_addr, -(-out_size // 8) * 8)]
    for s in plan.steps:
        if s.debug_addr is not None:
            nbytes = plan.buffers[plan.layers[s.layer].output].nbytes
            dumps.append((s.debug_addr, -(-nbytes // 8) * 8))
    l3_load = _l3_load(plan, x_q)
    if l3_fault is not None:
        # Everything the network has in L3 is read back, to see what changed; the regions only
        # the SoC writes (output, layer copies) start as UNWRITTEN bytes, so the untouched show.
        base, used = plan.l3_regions["used"]
        size = -(-used // 8) * 8
        dumps.append((base, size))
        l3_load = (base, l3_load[1] + bytes([UNWRITTEN]) * (size - len(l3_load[1])))
    image = load_elf(plan.elf, plan.config)
    marks, busy = image.symbols[MARKS_SYMBOL], image.symbols[BUSY_SYMBOL]
    return Job(image, max_cycles, dump=((marks, 8 * (len(plan.steps) + 1)),
                                        (busy, -(-4 * (len(plan.steps) + 1) // 8) * 8)),
               l3_load=l3_load, l3_dump=tuple(dumps), l3_fault=l3_fault)


# netrt.c's line for a failed copy.
_DMA_FAILURE = re.compile(
    r"net: step (-?\d+): DMA channel (\d+): (.+?) on (descriptor tag .+?); (\d+) of the copy's "
    r"(\d+) bytes written \(0x([0-9a-f]+) -> 0x([0-9a-f]+)\)")
_STEP = re.compile(r"net: step (-?\d+): (.*)")


def _where(plan, step: int) -> str:
    """The layer of firmware step ``step`` (-1: before the first, ``len(steps)``: after the
    last), with its op, unit and step."""
    if 0 <= step < len(plan.steps):
        layer = plan.layers[plan.steps[step].layer]
        return f"layer {layer.name!r} ({layer.op} on the {layer.unit}, step {step})"
    return "before the first layer" if step < 0 else "after the last layer"


def _transfers(plan, step: int):
    if 0 <= step < len(plan.steps):
        s = plan.steps[step]
        return [t for p in s.parts for t in p.transfers] + list(s.after)
    return list(plan.prologue if step < 0 else plan.epilogue)


def _failure(plan, line: str) -> str | None:
    """One line naming the layer, its unit, the transfer and the descriptor of a failure line
    of netrt.c, or None when the line is not one."""
    m = _DMA_FAILURE.fullmatch(line.strip())
    if m:
        step, ch, status, desc, written, n = m.group(1, 2, 3, 4, 5, 6)
        step, src, dst = int(step), int(m.group(7), 16), int(m.group(8), 16)
        what = next((t.what for t in _transfers(plan, step)
                     if (t.src, t.dst, t.size) == (src, dst, int(n))), "a transfer")
        return (f"{_where(plan, step)}: {what}: DMA channel {ch}: {status} on {desc}; "
                f"{written} of {n} bytes written")
    m = _STEP.fullmatch(line.strip())
    if m:
        return f"{_where(plan, int(m.group(1)))}: {m.group(2)}"
    return None


def _outcome(res, max_cycles, plan=None):
    """Raise RunError unless the firmware ran to its end and exited 0."""
    from ..traps import describe_trap

    if res.status == "timeout":
        busy = getattr(res, "busy_units", [])
        raise RunError(f"the network did not finish within {max_cycles} cycles"
                       + (f"; still busy: {'; '.join(busy)}" if busy else ""), res)
    if res.status in ("trap", "fatal"):
        try:
            insn = res.image.word_at(res.trap_pc)
        except KeyError:
            insn = None
        raise RunError(f"trap: {describe_trap(res.trap_cause, res.trap_pc, res.trap_tval, insn)}",
                       res)
    if res.exit_code != 0:
        last = (res.console.strip().splitlines() or [""])[-1]
        what = _NET_EXIT.get(res.exit_code, f"exit code {res.exit_code}")
        named = _failure(plan, last) if plan is not None else None
        raise RunError(f"the firmware stopped: {what}: {named or last}", res)


def _tensor(plan, name, raw: bytes) -> np.ndarray:
    """A tensor from its bytes as the SoC stores it (NCHW, or NHWC between CIM layers)."""
    t = plan.graph.tensors[name]
    flat = np.frombuffer(raw[:t.size], dtype=np.int8)
    if plan.layouts.get(name) == "NHWC":
        n, c, h, w = t.shape
        return flat.reshape(n, h, w, c).transpose(0, 3, 1, 2)
    return flat.reshape(t.shape)


def _compare(plan, x, res, ref, backend, max_cycles, locate) -> NetworkRun:
    out_name = plan.boundary.output
    y_q = _tensor(plan, out_name, res.l3_dumps[0])
    mismatch, compared = None, 0
    debug = [s for s in plan.steps if s.debug_addr is not None]
    for step, raw in zip(debug, res.l3_dumps[1:], strict=True):
        layer = plan.layers[step.layer]
        compared += 1
        mismatch = _first_difference(layer.name, layer.unit, _tensor(plan, layer.output, raw),
                                     ref[layer.output])
        if mismatch is not None:
            break
    if mismatch is None:
        mismatch = _first_difference("(network output)", None, y_q, ref[out_name])
        if mismatch is not None and locate and not plan.check_layers:
            mismatch = _locate(plan, x, backend, max_cycles) or mismatch
    marks = np.frombuffer(res.dumps[0], dtype="<u8").astype(np.int64)
    busy = np.frombuffer(res.dumps[1], dtype="<u4")[:len(plan.steps)].astype(np.int64)
    return NetworkRun(backend, host_dequantize(plan, y_q), y_q, ref[out_name], mismatch,
                      res.cycles, res.instret, np.diff(marks).tolist(), compared, res.console,
                      step_busy=busy.tolist())


def run_networks(runs, *, backend: str = "verilator", max_cycles: int = DEFAULT_MAX_CYCLES,
                 locate: bool = True, gate_acc_clock: bool = True,
                 l3_fault: tuple[int, int] | None = None) -> list[NetworkRun]:
    """Run several built plans, each on its input ``[(plan, x), ...]``, in one simulator
    process (one start-up for all; every plan must be for the same config).
    ``gate_acc_clock=False`` runs them on the one-clock SoC a board runs (`run_batch`).

    ``l3_fault`` ``(addr, size)`` injects an L3 error (`hetsoc.sim.harness.Job.l3_fault`): the
    simulation's L3 answers DECERR there, so a transfer touching it fails and the run ends
    with a `RunError` naming the layer, its unit, the transfer and the DMA descriptor; its
    ``result.l3_dumps[-1]`` is then the network's whole L3 region as the run left it (the
    regions only the SoC writes were loaded with `UNWRITTEN` bytes first)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if not isinstance(max_cycles, int) or max_cycles <= 0:
        raise ValueError(f"max_cycles must be a positive int, not {max_cycles!r}")
    prepared = []
    for plan, x in runs:
        x_q = host_quantize(plan, x)
        prepared.append((plan, x, x_q, reference(plan, x_q)))
    if backend == "golden":
        if l3_fault is not None:
            raise ValueError("l3_fault needs a simulation backend (verilator or icarus)")
        out = []
        for plan, _, _, ref in prepared:
            y_q = ref[plan.boundary.output]
            out.append(NetworkRun(backend, host_dequantize(plan, y_q), y_q, y_q, None))
        return out
    configs = {plan.config for plan, *_ in prepared}
    if len(configs) > 1:
        raise ValueError("run_networks runs plans of one config per simulator process")
    for plan, *_ in prepared:
        if plan.elf is None:
            raise ValueError(f"plan {plan.name!r} has no firmware: compile it with an output "
                             f"directory")
    from ..sim.harness import run_batch

    jobs = [_job(plan, x_q, max_cycles, l3_fault) for plan, _, x_q, _ in prepared]
    results = run_batch(jobs, configs.pop(), backend, gate_acc_clock=gate_acc_clock)
    out = []
    for (plan, x, _, ref), res in zip(prepared, results, strict=True):
        _outcome(res, max_cycles, plan)
        out.append(_compare(plan, x, res, ref, backend, max_cycles, locate))
    return out


def run_network(plan, x, *, backend: str = "verilator", max_cycles: int = DEFAULT_MAX_CYCLES,
                locate: bool = True, l3_fault: tuple[int, int] | None = None) -> NetworkRun:
    """Run a built plan (`compile_graph(..., out_dir=...)`) on one input.

    Parameters
    ----------
    plan : hetsoc.compiler.Plan
    x : numpy.ndarray
        The input as the model declares it (float32 for a QDQ model).
    backend : {"golden", "verilator", "icarus"}
    locate : bool
        On an output mismatch, compile and run again with every layer's output copied out,
        to name the first layer that differs (HDL backends).
    l3_fault : (addr, size), optional
        Inject an L3 error there (HDL backends; see `run_networks`).
    """
    return run_networks([(plan, x)], backend=backend, max_cycles=max_cycles, locate=locate,
                        l3_fault=l3_fault)[0]


def _locate(plan, x, backend, max_cycles) -> Mismatch | None:
    """Compile again with every layer's output copied to L3; the first differing layer."""
    with tempfile.TemporaryDirectory(prefix="hetsoc-locate-") as tmp:
        again = compile_graph(plan.graph, config=plan.config, strategy=plan.strategy,
                              overrides=plan.overrides, out_dir=Path(tmp), check_layers=True)
        again = dataclasses.replace(again, name=plan.name)
        return run_network(again, x, backend=backend, max_cycles=max_cycles,
                           locate=False).mismatch
