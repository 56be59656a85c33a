"""Differential testing: generated programs on the RTL, compared with unicorn.

For every seed, :func:`~hetsoc.verify.generator.generate` builds a program; unicorn runs it to
its ``tohost`` write, the RTL runs it through the simulation harness (many programs per
simulator process with ``run_batch``), and the signature (x1..x31, mscratch) and the whole data
region must match byte for byte. The ISS can vote too, to tell a unicorn deviation from an RTL
bug.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

from .generator import FAR_SIZE, REGION_SIZE, SIG_SIZE, Layout, Program, generate
from .reference import RefResult, UnicornError, run_iss, run_unicorn

__all__ = ["Outcome", "Summary", "compare_dumps", "reproducer", "run_differential"]

MAX_CYCLES = 400_000


@dataclass
class Outcome:
    """What happened to one seed: ``status`` is ``"ok"``, ``"mismatch"`` (RTL differs from the
    reference), ``"rtl"`` (the RTL did not exit through tohost), ``"reference"`` (unicorn and
    the ISS disagree, or unicorn failed)."""

    seed: int
    status: str
    detail: str = ""
    cycles: int = 0
    instret: int = 0
    body_instrs: int = 0


@dataclass
class Summary:
    """Figures of a campaign."""

    backend: str
    n_instr: int
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    sim_seconds: float = 0.0

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    def figures(self) -> dict:
        n = len(self.outcomes)
        cycles = sum(o.cycles for o in self.outcomes)
        return {
            "programs": n, "backend": self.backend, "body_instructions": self.n_instr,
            "static_instructions": sum(o.body_instrs for o in self.outcomes),
            "retired_instructions": sum(o.instret for o in self.outcomes),
            "simulated_cycles": cycles,
            "mismatches": sum(o.status == "mismatch" for o in self.outcomes),
            "rtl_errors": sum(o.status == "rtl" for o in self.outcomes),
            "reference_errors": sum(o.status == "reference" for o in self.outcomes),
            "seconds": round(self.seconds, 3),
            "programs_per_s": round(n / self.seconds, 2) if self.seconds else 0.0,
            "simulated_cycles_per_s": round(cycles / self.sim_seconds) if self.sim_seconds else 0,
        }


def reproducer(seed: int, n_instr: int, backend: str, config: str = "default") -> str:
    """The one-line command that reruns ``seed`` and shows the program and the differences."""
    args = ["python", "-m", "hetsoc.verify", "--seed", str(seed), "--count", "1",
            "--n-instr", str(n_instr), "--backend", backend, "--show"]
    if config != "default":
        args += ["--config", config]
    return shlex.join(args)


def compare_dumps(layout: Layout, rtl: bytes, ref: bytes, limit: int = 8) -> list[str]:
    """Differences between two dumps of ``layout.dumps`` (joined), readably.

    Returns
    -------
    list of str
        ``x5: rtl 0x... ref 0x...`` for registers (signature word ``i`` is ``x_i``; word 0 is
        mscratch), ``mem 0x...: rtl ... ref ...`` for data words (far areas under their own
        L2/L1 address); at most ``limit``.
    """
    names = []
    for off in range(0, REGION_SIZE, 4):
        names.append(("mscratch" if off == 0 else f"x{off // 4}") if off < SIG_SIZE
                     else f"mem {layout.region_base + off:#010x}")
    for name, area in layout.far:
        names += [f"{name} {area + off:#010x}" for off in range(0, FAR_SIZE, 4)]
    out = []
    for i, where in enumerate(names):
        a = int.from_bytes(rtl[4 * i:4 * i + 4], "little")
        b = int.from_bytes(ref[4 * i:4 * i + 4], "little")
        if a != b:
            out.append(f"{where}: rtl {a:#010x} ref {b:#010x}")
    if len(rtl) != len(ref):
        out.append(f"dump sizes differ: rtl {len(rtl)} ref {len(ref)} bytes")
    if len(out) > limit:
        out = out[:limit] + [f"... {len(out) - limit} more"]
    return out


def _reference(prog: Program, config, vote: bool):
    """Unicorn's result of ``prog`` (memory, console), or ``None`` and why not."""
    try:
        ref = run_unicorn(prog, config=config)
    except UnicornError as e:
        return None, f"unicorn: {e}"
    if ref.tohost != 1:
        return None, f"unicorn wrote {ref.tohost} to tohost"
    # x5-x8 are reused by the epilogue after the signature is stored.
    sig = [int.from_bytes(ref.memory[4 * i:4 * i + 4], "little") for i in range(32)]
    if any(sig[i] != ref.regs[i] for i in range(1, 32) if i not in (5, 6, 7, 8)):
        return None, "unicorn's registers differ from its own signature"
    if vote:
        iss = run_iss(prog, config=config)
        if (iss.memory, iss.console) != (ref.memory, ref.console):
            diff = compare_dumps(prog.layout, iss.memory, ref.memory)
            return None, "ISS and unicorn disagree (ISS as rtl): " + "; ".join(
                diff or ["console output"])
    return ref, ""


def _image(prog: Program):
    from ..elf import ElfImage

    return ElfImage(Path(f"<generated seed {prog.seed}>"), prog.layout.code_base,
                    [(a, d) for _, a, d in prog.segments()],
                    {"_start": prog.layout.code_base, "tohost": prog.layout.tohost},
                    prog.layout.tohost)


def _run_chunk(seeds: list[int], n_instr: int, backend: str, soc, vote: bool):
    """One simulator process's worth: outcomes of ``seeds`` and the seconds spent simulating."""
    from ..sim.harness import Job, run_batch

    layout = Layout.from_config(soc)
    progs = [generate(s, n_instr, layout) for s in seeds]
    refs = [_reference(p, soc, vote) for p in progs]
    jobs = [Job(_image(p), MAX_CYCLES, layout.dumps) for p in progs]
    t = time.perf_counter()
    results = run_batch(jobs, soc, backend)
    sim_seconds = time.perf_counter() - t
    outcomes = []
    for prog, (ref, why), r in zip(progs, refs, results, strict=True):
        o = Outcome(prog.seed, "ok", cycles=r.cycles, instret=r.instret,
                    body_instrs=prog.body_instrs)
        if ref is None:
            o.status, o.detail = "reference", why
        elif r.status != "exit" or r.exit_code != 0:
            o.status = "rtl"
            o.detail = (f"status {r.status} code {r.exit_code} trap cause {r.trap_cause:#x} "
                        f"pc {r.trap_pc:#010x} tval {r.trap_tval:#x}")
        elif b"".join(r.dumps) != ref.memory:
            o.status = "mismatch"
            o.detail = "; ".join(compare_dumps(layout, b"".join(r.dumps), ref.memory))
        elif r.console.encode("latin-1") != ref.console:
            o.status = "mismatch"
            o.detail = (f"console: rtl {r.console.encode('latin-1')[:32]!r} "
                        f"ref {ref.console[:32]!r}")
        outcomes.append(o)
    return outcomes, sim_seconds


def run_differential(seeds, n_instr: int = 200, backend: str = "verilator",
                     config="default", batch: int = 250, vote: bool = False,
                     workers: int = 1, progress=None) -> Summary:
    """Run the programs of ``seeds`` on the RTL and on unicorn and compare them.

    Parameters
    ----------
    seeds : iterable of int
        One program per seed.
    n_instr : int
        Body size of each program.
    backend : str
        A :mod:`hetsoc.sim` backend.
    config : str or SocConfig
        The SoC (main memory placement of the programs).
    batch : int
        Programs per simulator process.
    vote : bool
        Also run the ISS and flag programs where it disagrees with unicorn.
    workers : int
        Batches run in this many processes at once.
    progress : callable, optional
        Called with the :class:`Summary` after every batch.
    """
    from ..spec.config import SocConfig, load_config

    soc = config if isinstance(config, SocConfig) else load_config(config)
    summary = Summary(backend, n_instr)
    seeds = list(seeds)
    chunks = [seeds[i:i + batch] for i in range(0, len(seeds), batch)]
    start = time.perf_counter()
    if workers > 1 and len(chunks) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(workers)
        results = pool.map(_run_chunk, chunks, *zip(*[(n_instr, backend, soc, vote)] * len(chunks),
                                                    strict=True))
    else:
        pool = None
        results = (_run_chunk(c, n_instr, backend, soc, vote) for c in chunks)
    try:
        for outcomes, sim_seconds in results:
            summary.outcomes += outcomes
            # With several workers the simulators overlap: count wall time, not the sum.
            summary.sim_seconds += sim_seconds / max(1, min(workers, len(chunks)))
            summary.seconds = time.perf_counter() - start
            if progress:
                progress(summary)
    finally:
        if pool:
            pool.shutdown()
    return summary


def table(summary: Summary) -> str:
    """The campaign's figures as an aligned two-column table."""
    f = summary.figures()
    rows = [("backend", f["backend"]), ("programs", f"{f['programs']:,}"),
            ("body instructions / program", f"{f['body_instructions']:,}"),
            ("static instructions", f"{f['static_instructions']:,}"),
            ("retired instructions (RTL)", f"{f['retired_instructions']:,}"),
            ("mismatches", f"{f['mismatches']:,}"), ("RTL errors", f"{f['rtl_errors']:,}"),
            ("reference errors", f"{f['reference_errors']:,}"),
            ("wall time", f"{f['seconds']:.1f} s"),
            ("programs/s", f"{f['programs_per_s']:.1f}"),
            ("simulated cycles", f"{f['simulated_cycles']:,}"),
            ("simulated cycles/s", f"{f['simulated_cycles_per_s']:,}")]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def rtl_runner(backend: str = "verilator", max_cycles: int = MAX_CYCLES):
    """A runner with the signature of :func:`~hetsoc.verify.reference.run_unicorn` on the RTL.

    The returned callable takes ``(prog, dump=(addr, size), config=None)`` and returns a
    :class:`~hetsoc.verify.reference.RefResult`; ``regs`` is empty (the RTL's registers are
    only seen through what programs store). Used to run directed programs such as
    :func:`~hetsoc.verify.reference.check_arith` on a simulator.
    """
    def run(prog: Program, dump=None, config=None):
        from ..sim.harness import run_elf
        from ..spec.config import load_config

        soc = config or load_config("default")
        ranges = prog.layout.dumps if dump is None else (
            [dump] if isinstance(dump[0], int) else list(dump))
        r = run_elf(_image(prog), soc, backend, max_cycles=max_cycles, dump=ranges)
        if r.status != "exit":
            raise RuntimeError(f"{backend}: program ended with status {r.status} (trap cause "
                               f"{r.trap_cause:#x} at {r.trap_pc:#010x})")
        value = 1 if r.exit_code == 0 else (r.exit_code << 1) | 1
        return RefResult([], b"".join(r.dumps), value, r.console.encode("latin-1"))

    return run
