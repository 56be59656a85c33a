"""RISC-V machine trap causes (mcause values) and their names, for reports and errors."""

__all__ = ["INTERRUPT", "cause_name", "describe_trap"]

INTERRUPT = 1 << 31

_EXCEPTIONS = {
    0: "instruction address misaligned",
    1: "instruction access fault",
    2: "illegal instruction",
    3: "breakpoint",
    4: "load address misaligned",
    5: "load access fault",
    6: "store address misaligned",
    7: "store access fault",
    8: "environment call from U-mode",
    11: "environment call from M-mode",
}
_INTERRUPTS = {3: "machine software interrupt", 7: "machine timer interrupt",
               11: "machine external interrupt"}


def cause_name(mcause: int) -> str:
    """The privileged spec's name of an mcause value."""
    if mcause & INTERRUPT:
        code = mcause & ~INTERRUPT
        return _INTERRUPTS.get(code, f"interrupt {code}")
    return _EXCEPTIONS.get(mcause, f"exception {mcause}")


def describe_trap(mcause: int, pc: int, tval: int, instruction: int | None) -> str:
    """One line: the cause, the pc, the instruction word there and what mtval held."""
    text = f"{cause_name(mcause)} at pc={pc:#010x}"
    if instruction is not None:
        text += f" (instruction {instruction:#010x})"
    if mcause in (0, 1, 4, 5, 6, 7):
        text += f", address {tval:#010x}"
    return text
