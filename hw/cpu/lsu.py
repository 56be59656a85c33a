"""Load/store unit: request formatting in the execute stage, the second access of a split
(misaligned) access and load data alignment in the memory stage.

The bus is 32 bits wide with byte strobes. A store rotates its data to the addressed lanes
(bytes and halfwords replicated, as the peripherals read their registers from lane 0) and
selects them with ``wstrb``; a load reads whole words and the memory stage shifts and extends
the addressed bytes.

Misaligned accesses complete in hardware, as programs built for other environments (the
official ISA suites among them) expect. One inside a word (``lh`` at offset 1) is a single bus
access. One that crosses a word boundary is split into two aligned accesses: the *upper* word
first, issued by the execute stage like any access, then the *lower* word, issued by the memory
stage when the first has answered without an error. Upper first makes a fault of the upper half
precise for stores too: nothing of the lower half has been written when it is taken.

Misaligned accesses complete only inside the memory windows given (the SoC's memories); one
that touches anything else (a peripheral page, an unmapped address) or crosses the end of a
window is an access fault raised in the execute stage, before any bus access. Its ``mtval`` is
the address of the part that is outside: the access's own address, or the first byte past the
window's end when only the upper part is outside.
"""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["LoadStoreUnit"]

_SIZE_MASK = (0b0001, 0b0011, 0b1111, 0b1111)


class LoadStoreUnit(wiring.Component):
    """Access formatting around the data bus and the sequencing of split accesses.

    Parameters
    ----------
    memory_windows : sequence of (int, int)
        ``(base, size)`` of the address windows where a misaligned access completes; sizes are
        powers of two (at least 4) and bases aligned to them.

    Members
    -------
    x_addr : In(32)
        Effective address (execute stage).
    x_size : In(2)
        log2 of the access size (``funct3[1:0]``).
    x_store_data : In(32)
        ``rs2``.
    x_split : Out(1)
        The access crosses a word boundary: two bus accesses, the upper word first.
    x_fault : Out(1)
        A misaligned access outside the memory windows: an access fault, no bus access.
    x_fault_addr : Out(32)
        Its ``mtval``.
    x_req_addr, x_wdata, x_wstrb : Out(32), Out(32), Out(4)
        The execute stage's bus request: the access, or the upper word of a split one.
    x_lo_wstrb : Out(4)
        Byte strobes of the lower word of a split store (the memory stage's request).
    m_valid : In(1)
        The memory stage holds a load or store whose bus access went out.
    m_split : In(1)
        That access is split.
    m_addr : In(32)
        Its address.
    m_rsp_valid, m_rsp_err : In(1)
    m_rdata : In(32)
        The bus response.
    m_funct3 : In(3)
        Size and signedness of the load.
    m_req_valid : Out(1)
        The memory stage requests the lower word of a split access (the core sends the
        execute stage's data with ``x_lo_wstrb``, kept in the memory stage's register) ...
    m_req_ready : In(1)
        ... and the bus takes it.
    m_req_addr : Out(32)
    m_last : Out(1)
        The response this cycle (if any) is the access's last: the instruction can complete.
    m_first_fault : Out(1)
        The response this cycle is an error on the upper word of a split access.
    m_value : Out(32)
        The loaded value, extended to 32 bits (valid with the last response).
    """

    def __init__(self, memory_windows=((0, 1 << 32),)):
        windows = []
        for base, size in memory_windows:
            if size < 4 or size & (size - 1) or base % size or base + size > 1 << 32:
                raise ValueError(f"Memory window must be a power-of-two size of at least 4 "
                                 f"aligned to its base, not base={base:#x} size={size:#x}")
            windows.append((base, size))
        self.memory_windows = tuple(windows)
        super().__init__({
            "x_addr": In(32), "x_size": In(2), "x_store_data": In(32),
            "x_split": Out(1), "x_fault": Out(1), "x_fault_addr": Out(32),
            "x_req_addr": Out(32), "x_wdata": Out(32), "x_wstrb": Out(4), "x_lo_wstrb": Out(4),
            "m_valid": In(1), "m_split": In(1), "m_addr": In(32),
            "m_rsp_valid": In(1), "m_rsp_err": In(1), "m_rdata": In(32), "m_funct3": In(3),
            "m_req_valid": Out(1), "m_req_ready": In(1), "m_req_addr": Out(32),
            "m_last": Out(1), "m_first_fault": Out(1), "m_value": Out(32),
        })

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self._execute(m)
        self._memory(m)
        return m

    def _execute(self, m):
        addr, offset = self.x_addr, self.x_addr[:2]
        mask = Signal(4)
        with m.Switch(self.x_size):
            for size, value in enumerate(_SIZE_MASK):
                with m.Case(size):
                    m.d.comb += mask.eq(value)
        lanes = Signal(8)       # byte lanes of the lower and the upper word
        m.d.comb += lanes.eq(mask << offset)
        misaligned = Mux(self.x_size == 0, 0,
                         Mux(self.x_size == 1, offset[0], offset != 0))

        # Replicate bytes and halfwords across the word, then rotate to the addressed lanes:
        # the same word serves the lower and the upper part of a split store.
        data = self.x_store_data
        spread = Mux(self.x_size == 0, data[:8].replicate(4),
                     Mux(self.x_size == 1, data[:16].replicate(2), data))
        wdata = Signal(32)
        with m.Switch(offset):
            for k in range(4):
                with m.Case(k):
                    m.d.comb += wdata.eq(spread.rotate_left(8 * k))

        # Inside a window, and not in its last word when split (a window holds whole words):
        # both parts are then in the same window. No adder on the request path but the upper
        # word's address, which the bus needs anyway.
        split = lanes[4:].any()
        allowed = Const(0)
        for base, size in self.memory_windows:
            k = size.bit_length() - 1
            inside = addr[k:] == base >> k if k < 32 else Const(1)
            last_word = addr[2:k].all() if k > 2 else Const(1)
            allowed = allowed | (inside & ~(split & last_word))
        first_inside = Const(0)
        for base, size in self.memory_windows:
            k = size.bit_length() - 1
            first_inside = first_inside | (addr[k:] == base >> k if k < 32 else Const(1))
        upper = Cat(Const(0, 2), addr[2:] + 1)
        return [
            self.x_split.eq(split),
            self.x_fault.eq(misaligned & ~allowed),
            self.x_fault_addr.eq(Mux(first_inside, upper, addr)),
            self.x_req_addr.eq(Mux(split, upper, addr)),
            self.x_wdata.eq(wdata),
            self.x_wstrb.eq(Mux(split, lanes[4:], lanes[:4])),
            self.x_lo_wstrb.eq(lanes[:4]),
        ]

    def _memory(self, m):
        # A split access: the upper word's response (phase 0), the lower word's request
        # (the same cycle if the bus takes it, else phase 1), its response (phase 2).
        phase = Signal(2)
        upper_word = Signal(32)
        first = self.m_valid & self.m_split & (phase == 0)
        first_ok = first & self.m_rsp_valid & ~self.m_rsp_err
        m.d.comb += [
            self.m_req_valid.eq(first_ok | (self.m_valid & (phase == 1))),
            self.m_req_addr.eq(Cat(Const(0, 2), self.m_addr[2:])),
            self.m_last.eq(~self.m_split | (phase == 2)),
            self.m_first_fault.eq(first & self.m_rsp_valid & self.m_rsp_err),
        ]
        with m.If(~self.m_valid | (self.m_last & self.m_rsp_valid) | self.m_first_fault):
            m.d.sync += phase.eq(0)
        with m.Elif(self.m_req_valid):
            m.d.sync += phase.eq(Mux(self.m_req_ready, 2, 1))
        with m.If(first_ok):
            m.d.sync += upper_word.eq(self.m_rdata)

        # The lower word is the last response's (the only one when not split).
        both = Cat(self.m_rdata, Mux(self.m_split, upper_word, 0))
        shifted = Signal(32)
        with m.Switch(self.m_addr[:2]):
            for k in range(4):
                with m.Case(k):
                    m.d.comb += shifted.eq(both[8 * k:8 * k + 32])
        unsigned = self.m_funct3[2]
        byte, half = shifted[:8], shifted[:16]
        with m.Switch(self.m_funct3[:2]):
            with m.Case(0):
                m.d.comb += self.m_value.eq(Cat(byte, (~unsigned & byte[7]).replicate(24)))
            with m.Case(1):
                m.d.comb += self.m_value.eq(Cat(half, (~unsigned & half[15]).replicate(16)))
            with m.Default():
                m.d.comb += self.m_value.eq(shifted)
