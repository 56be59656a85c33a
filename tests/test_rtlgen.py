"""Verilog generation: the fast memory initialisers write what Amaranth's own code writes."""

from amaranth import Module, signed
from amaranth.back import rtlil
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from hetsoc.rtlgen import fast_memory_init


class _Memories(wiring.Component):
    addr: In(4)
    a: Out(12)
    b: Out(signed(7))

    def elaborate(self, platform):
        m = Module()
        # a wide unsigned memory, a signed one with negative words, and an empty initialiser
        m.submodules.wide = wide = Memory(shape=12, depth=16, init=[i * 263 for i in range(13)])
        m.submodules.neg = neg = Memory(shape=signed(7), depth=16, init=[-64, -1, 5, 63, -33])
        m.submodules.zero = zero = Memory(shape=3, depth=4, init=[])
        for mem, out in ((wide, self.a), (neg, self.b)):
            port = mem.read_port(domain="comb")
            m.d.comb += [port.addr.eq(self.addr), out.eq(port.data)]
        port = zero.read_port()
        m.d.comb += port.addr.eq(self.addr)
        return m


def test_fast_memory_init_writes_the_same_rtlil():
    slow = rtlil.convert(_Memories(), name="top", emit_src=False)
    with fast_memory_init():
        fast = rtlil.convert(_Memories(), name="top", emit_src=False)
    assert "$meminit_v2" in slow
    assert fast == slow
    assert rtlil.ModuleEmitter.emit_memory is not None and \
        rtlil.ModuleEmitter.emit_memory.__name__ == "emit_memory"   # restored
