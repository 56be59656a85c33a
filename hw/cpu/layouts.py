"""Payloads of the pipeline registers between the stages of :class:`~hetsoc.hw.cpu.core.Core`.

Fetch -> decode is an entry of the fetch queue (whose head is the decode stage's instruction
register), then decode -> execute and execute -> memory. An exception travels with its
instruction as ``exc``/``cause``/``tval`` and is taken when the instruction reaches the memory
stage, which is what makes traps precise: everything older has completed by then, nothing
younger has had an effect.
"""

from amaranth.lib import data

from .decoder import DecodedLayout

__all__ = ["ExecuteLayout", "FetchEntryLayout", "MemoryLayout"]


FetchEntryLayout = data.StructLayout({
    "pc": 32,
    "insn": 32,
    "err": 1,           # the fetch got a bus error (instruction access fault)
    "predicted": 1,     # the BTB sent the next fetch to a branch target
})

ExecuteLayout = data.StructLayout({
    "pc": 32,
    "dec": DecodedLayout,
    "rs1": 32,          # operand values, forwarded in decode
    "rs2": 32,
    "target": 32,       # pc + imm: branch / jal target
    "predicted": 1,     # decode redirected fetch to `target`
    "exc": 1,           # exception (or interrupt) raised before execute
    "interrupt": 1,
    "cause": 4,
    "tval": 32,         # mtval of that exception; else the instruction word (for CSR traps)
})

MemoryLayout = data.StructLayout({
    "pc": 32,
    "rd": 5,
    "rd_we": 1,
    "value": 32,        # result computed in execute
    "load": 1,
    "mul": 1,           # the result comes from the multiplier's second stage
    "mem": 1,           # a data bus access is outstanding
    "store": 1,
    "funct3": 3,        # load size and signedness
    "split": 1,         # the access crosses a word: M issues the lower word's access
    "wdata": 32,        # store data, rotated to its lanes (for the lower word's access)
    "lo_wstrb": 4,      # the lower word's byte strobes
    "no_count": 1,      # wrote minstret: the write replaces this instruction's increment
    "exc": 1,
    "interrupt": 1,
    "cause": 4,
    "tval": 32,         # mtval; the address of a memory access
})
