"""Run ELF programs on the simulated SoC: the one entry point every backend shares.

>>> result = run_elf("prog.elf", config="default", backend="verilator")
>>> result.status, result.exit_code, result.cycles, result.instret, result.console
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..elf import ElfImage, load_elf, to_memory_words
from ..spec.config import SocConfig, load_config
from .watch import busy_units, watch_list

__all__ = ["BACKENDS", "Job", "SimResult", "run_batch", "run_elf"]

BACKENDS = ("verilator", "icarus", "amaranth")
DEFAULT_MAX_CYCLES = 50_000_000
_STATUS = {1: "exit", 2: "trap", 3: "fatal", 4: "timeout"}
_RESULT = re.compile(r"status=(\d+) code=(\d+) cycles=(\d+) instret=(\d+) "
                     r"cause=([0-9a-fx]+) pc=([0-9a-fx]+) tval=([0-9a-fx]+)")


@dataclass(frozen=True)
class Job:
    """One program to run: an ELF (path or loaded image), a cycle limit, memory to dump.

    ``dump`` lists main-memory ranges ``(addr, size)`` to read back after the run. On the HDL
    backends, ``l3_load`` ``(addr, data)`` is written into the L3 model by backdoor before the
    run (a network's weights and input) and ``l3_dump`` lists L3 ranges to read back after it;
    ``l3_fault`` ``(addr, size)`` injects an L3 error: the L3 model answers DECERR to reads and
    writes of those bytes during this job (beside its fixed fault window,
    `hetsoc.sim.hdl.l3_fault_window`). L3 addresses and sizes are multiples of 8 (the model's
    word).
    """

    elf: str | Path | ElfImage
    max_cycles: int = DEFAULT_MAX_CYCLES
    dump: tuple[tuple[int, int], ...] = ()
    l3_load: tuple[int, bytes] | None = None
    l3_dump: tuple[tuple[int, int], ...] = ()
    l3_fault: tuple[int, int] | None = None


@dataclass
class SimResult:
    """How a run ended.

    ``status`` is ``"exit"`` (finisher EXIT register or HTIF tohost; ``exit_code`` holds the
    code), ``"trap"`` (a trap handler reported ``trap_cause`` at ``trap_pc``), ``"fatal"`` (a trap
    with no reachable handler) or ``"timeout"`` (``max_cycles`` reached). ``cycles`` and
    ``instret`` are the core's mcycle and minstret counters at the end.
    """

    status: str
    exit_code: int
    cycles: int
    instret: int
    console: str
    trap_cause: int
    trap_pc: int
    trap_tval: int
    dumps: list[bytes] = field(default_factory=list)
    image: ElfImage | None = None
    l3_dumps: list[bytes] = field(default_factory=list)
    #: After a ``"timeout"`` on Verilator or Icarus: the units still busy, one phrase each,
    #: with their last descriptors (`hetsoc.sim.watch.busy_units`).
    busy_units: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "exit" and self.exit_code == 0


def _as_config(config) -> SocConfig:
    return config if isinstance(config, SocConfig) else load_config(config)


def _check_dump(config: SocConfig, addr: int, size: int):
    mm = config.main_memory
    if size <= 0 or addr % 4 or size % 4 or not mm.contains(addr, size):
        raise ValueError(f"dump region {addr:#x}+{size:#x} must be word-aligned and inside "
                         f"main memory [{mm.base:#x}, {mm.end:#x})")


def _check_l3(config: SocConfig, addr: int, size: int, what: str):
    l3 = config.l3
    if size <= 0 or addr % 8 or size % 8 or not l3.contains(addr, size):
        raise ValueError(f"{what} {addr:#x}+{size:#x} must be 8-byte aligned and inside L3 "
                         f"[{l3.base:#x}, {l3.end:#x})")


def _l3_words(addr: int) -> int:
    # The L3 model's array index of a byte address: 64-bit words, wrapping at the model's size
    # (hdl.l3_model_words), as axi_ram.v decodes them.
    from .hdl import l3_model_words

    return (addr >> 3) % l3_model_words()


def _l3_line(tmp: Path, i: int, job: Job) -> str:
    """The L3 fields of a job line: what to load, what to dump and the injected fault window,
    as model word indices."""
    if job.l3_load is not None:
        addr, data = job.l3_load
        words = np.frombuffer(bytes(data), dtype="<u8")
        (tmp / f"{i}.l3").write_text("\n".join(f"{int(w):016x}" for w in words) + "\n")
        first = _l3_words(addr)
        load = f"{tmp / f'{i}.l3'} {first:x} {first + len(words) - 1:x}"
    else:
        load = "- 0 0"
    if job.l3_dump:
        lo = min(a for a, _ in job.l3_dump)
        hi = max(a + s for a, s in job.l3_dump)
        first = _l3_words(lo)
        dump = f"{tmp / f'{i}.l3dump'} {first:x} {first + (hi - lo) // 8 - 1:x}"
    else:
        dump = "- 0 0"
    if job.l3_fault is not None:
        addr, size = job.l3_fault
        first = _l3_words(addr)
        fault = f"{first:x} {first + size // 8:x}"
    else:
        fault = "0 0"
    return f"{load} {dump} {fault}"


def _watched(lines: list[str]) -> dict[int, int]:
    """The ``watch ADDR VALUE ERR`` lines after a result: register values read without error."""
    values = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[0] == "watch" and parts[3] == "0":
            try:   # a simulator may read unknown bits (x) of a register never written
                values[int(parts[1], 16)] = int(parts[2], 16)
            except ValueError:
                continue
    return values


def _parse_result(line: str) -> tuple:
    match = _RESULT.fullmatch(line.strip())
    if not match:
        raise RuntimeError(f"simulation wrote an unreadable result line: {line!r}")
    status, code, cycles, instret = (int(match.group(i)) for i in range(1, 5))
    cause, pc, tval = (int(match.group(i).replace("x", "0"), 16) for i in range(5, 8))
    return _STATUS.get(status, f"unknown({status})"), code, cycles, instret, cause, pc, tval


def _read_dump(path: Path, size: int, word_bytes: int = 4) -> bytes:
    """A ``$writememh`` file of ``word_bytes``-byte words (main memory 4, the L3 model 8)."""
    # Icarus adds `// 0xADDR` comments and Verilator may add `@addr` markers: keep data only.
    text = "\n".join(line.split("//")[0] for line in path.read_text().splitlines())
    try:
        words = [int(tok, 16) for tok in text.split() if not tok.startswith("@")]
    except ValueError:
        raise RuntimeError(f"memory dump {path} holds unknown (x) values: the dumped range was "
                           f"never written") from None
    data = b"".join(w.to_bytes(word_bytes, "little") for w in words)
    if len(data) != size:
        raise RuntimeError(f"memory dump {path} holds {len(data)} bytes, expected {size}")
    return data


def run_batch(jobs, config="default", backend="verilator", *, waves=None,
              workdir: Path | None = None, gate_acc_clock: bool = True) -> list[SimResult]:
    """Run several programs in one simulator process (one start-up for all of them).

    Parameters
    ----------
    jobs : list of Job
    config : str or SocConfig
    backend : {"verilator", "icarus", "amaranth"}
    waves : path, optional
        Write a waveform of the run (VCD for Verilator, FST for Icarus).
    gate_acc_clock : bool
        Verilator and Icarus: clock the memory system and accelerators only while in use (the
        default; cycle for cycle the same results, faster), or with one clock as on a board.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    config = _as_config(config)
    images = []
    for job in jobs:
        if job.l3_load is not None:
            _check_l3(config, job.l3_load[0], len(job.l3_load[1]), "L3 load")
        for addr, size in job.l3_dump:
            _check_l3(config, addr, size, "L3 dump")
        if job.l3_fault is not None:
            _check_l3(config, *job.l3_fault, "L3 fault")
        if backend == "amaranth" and (job.l3_load is not None or job.l3_dump
                                      or job.l3_fault is not None):
            raise ValueError("the amaranth backend has no L3 backdoor or L3 fault injection: use "
                             "verilator or icarus")
        image = job.elf if isinstance(job.elf, ElfImage) else load_elf(job.elf, config)
        for addr, size in job.dump:
            _check_dump(config, addr, size)
        if job.max_cycles <= 0:
            raise ValueError(f"max_cycles must be positive, not {job.max_cycles!r}")
        images.append(image)
    if backend == "amaranth":
        from .amaranth_backend import run_image

        if waves is not None and len(jobs) != 1:
            raise ValueError(f"waves need a single job on the amaranth backend, not {len(jobs)}")
        return [run_image(config, image, job.max_cycles, job.dump, waves)
                for image, job in zip(images, jobs, strict=True)]

    from .hdl import run_jobs

    with tempfile.TemporaryDirectory(prefix="hetsoc-sim-", dir=workdir) as tmp:
        tmp = Path(tmp)
        lines, ranges = [], []
        for i, (image, job) in enumerate(zip(images, jobs, strict=True)):
            words = to_memory_words(image, config.main_memory.base, config.main_memory.size)
            (tmp / f"{i}.hex").write_text("\n".join(f"{w:08x}" for w in words) + "\n")
            # A job dumps at most one contiguous range (the union of what it asked for).
            if job.dump:
                lo = min(a for a, _ in job.dump)
                hi = max(a + s for a, s in job.dump)
                ranges.append((lo, hi))
                first = (lo - config.main_memory.base) // 4
                last = (hi - config.main_memory.base) // 4 - 1
                dump = f"{tmp / f'{i}.dump'} {first:x} {last:x}"
            else:
                dump = "- 0 0"
                ranges.append(None)
            lines.append(f"{tmp / f'{i}.hex'} {image.tohost or 0:x} {job.max_cycles} "
                         f"{tmp / f'{i}.console'} {tmp / f'{i}.result'} {dump} "
                         f"{_l3_line(tmp, i, job)}")
        jobs_file = tmp / "jobs.txt"
        jobs_file.write_text("\n".join(lines) + "\n")
        watch_file = tmp / "watch.txt"
        watched = watch_list(config)
        watch_file.write_text("\n".join([str(len(watched)), *(f"{a:x}" for a in watched)]) + "\n")
        run_jobs(config, backend, jobs_file, waves=Path(waves) if waves else None,
                 gate_acc_clock=gate_acc_clock, watch_file=watch_file)
        results = []
        for i, (image, job) in enumerate(zip(images, jobs, strict=True)):
            result_path = tmp / f"{i}.result"
            if not result_path.exists():
                raise RuntimeError(f"simulation ended before job {i} reported; "
                                   f"log: {jobs_file.with_suffix('.log')}")
            result_lines = result_path.read_text().splitlines()
            status, code, cycles, instret, cause, pc, tval = _parse_result(result_lines[0])
            busy = busy_units(config, _watched(result_lines[1:])) if status == "timeout" else []
            dumps = []
            if job.dump:
                lo, hi = ranges[i]
                blob = _read_dump(tmp / f"{i}.dump", hi - lo)
                dumps = [blob[a - lo:a - lo + s] for a, s in job.dump]
            l3_dumps = []
            if job.l3_dump:
                lo = min(a for a, _ in job.l3_dump)
                hi = max(a + s for a, s in job.l3_dump)
                blob = _read_dump(tmp / f"{i}.l3dump", hi - lo, 8)
                l3_dumps = [blob[a - lo:a - lo + s] for a, s in job.l3_dump]
            console = (tmp / f"{i}.console").read_bytes().decode("latin-1")
            results.append(SimResult(status, code, cycles, instret, console, cause, pc, tval,
                                     dumps, image, l3_dumps, busy))
        return results


def run_elf(elf, config="default", backend="verilator", *, max_cycles=DEFAULT_MAX_CYCLES,
            dump=(), waves=None) -> SimResult:
    """Run one ELF program to its end; see :class:`SimResult`."""
    return run_batch([Job(elf, max_cycles, tuple(dump))], config, backend, waves=waves)[0]
