"""Misaligned loads and stores complete in the core: every width at every offset, inside a word
and across one, with the loaded value forwarded to the next instruction, on ideal and stressed
buses. The expected values come from a byte-array model of the accesses, not from the core."""

import pytest
from cpu_harness import run
from test_cpu_traps import STRESS

LOADS = {"lb": (1, True), "lbu": (1, False), "lh": (2, True), "lhu": (2, False),
         "lw": (4, True)}
STORES = {"sb": 1, "sh": 2, "sw": 4}
PATTERN = bytes(0x80 | (7 * i + 3) & 0x7F if i % 3 else (5 * i + 1) & 0x7F for i in range(16))


@pytest.fixture(params=["ideal", "stressed"])
def bus(request):
    return {} if request.param == "ideal" else STRESS


def _cases():
    return [(op, base + off) for op in LOADS for base in (0, 4) for off in range(4)]


def test_every_load_width_and_offset(bus):
    # Each load is followed at once by a use of its value (forwarding from the memory stage),
    # and the sum of all of them is kept too.
    lines = ["    la s0, pattern", "    la s1, out", "    li s2, 0"]
    for i, (op, addr) in enumerate(_cases()):
        lines += [f"    {op} a0, {addr}(s0)", "    add s2, s2, a0", f"    sw a0, {4 * i}(s1)"]
    data = (".balign 16\npattern: .byte " + ", ".join(f"{b:#x}" for b in PATTERN)
            + f"\n.balign 4\nout: .space {4 * len(_cases())}\n")
    r = run("\n".join(lines) + "\n    END\n.data\n" + data, max_cycles=4000, **bus)
    total = 0
    for i, (op, addr) in enumerate(_cases()):
        size, signed = LOADS[op]
        want = int.from_bytes(PATTERN[addr:addr + size], "little", signed=signed) & 0xFFFF_FFFF
        assert r.word(r.symbols["out"] + 4 * i) == want, (op, addr)
        total = (total + want) & 0xFFFF_FFFF
    assert r.reg("s2") == total


def test_every_store_width_and_offset(bus):
    # Each store goes to a fresh 16-byte slot filled with the pattern, then a load of the
    # whole slot's middle reads it back at once (a misaligned load right after the store).
    cases = [(op, off) for op in STORES for off in range(4, 8)]
    lines = ["    la s0, slots", "    li a1, 0xc3b2a190"]
    for i, (op, off) in enumerate(cases):
        lines += [f"    {op} a1, {16 * i + off}(s0)", f"    lw a2, {16 * i + off - 1}(s0)",
                  f"    sw a2, {4 * i}(s1)"]
    lines.insert(1, "    la s1, out")
    slots = "\n".join(".byte " + ", ".join(f"{b:#x}" for b in PATTERN) for _ in cases)
    data = f".balign 16\nslots:\n{slots}\n.balign 4\nout: .space {4 * len(cases)}\n"
    r = run("\n".join(lines) + "\n    END\n.data\n" + data, max_cycles=4000, **bus)
    value = (0xc3b2a190).to_bytes(4, "little")
    for i, (op, off) in enumerate(cases):
        slot = bytearray(PATTERN)
        size = STORES[op]
        slot[off:off + size] = value[:size]
        base = r.symbols["slots"] + 16 * i
        got = b"".join(r.word(base + 4 * k).to_bytes(4, "little") for k in range(4))
        assert got == bytes(slot), (op, off)
        assert r.word(r.symbols["out"] + 4 * i) == int.from_bytes(slot[off - 1:off + 3],
                                                                  "little"), (op, off)


def test_a_misaligned_access_costs_cycles_only_when_it_crosses_a_word():
    def cycles(op, offset):
        body = "    la s0, buf\n" + f"    {op} a0, {offset}(s0)\n" * 32
        return run(body + "    END\n.data\n.balign 16\nbuf: .space 64\n").cycles

    assert cycles("lw", 0) == cycles("lh", 1) == cycles("sh", 1)
    for op, offset in (("lw", 1), ("lw", 3), ("lh", 3), ("sw", 2), ("sh", 3)):
        extra = cycles(op, offset) - cycles("lw", 0)
        assert extra == 32, (op, offset, extra)   # one cycle each: the lower word's access
