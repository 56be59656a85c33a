"""The LUT unit: hetsoc's register page (`AcceleratorPage`) around the Verilog engine
(``rtl/hetsoc_lut_engine.v``, named in the plug-in's ``Plugin.hdl``), instantiated with
`amaranth.hdl.Instance`. The page does the protocol; the engine only translates; this file wires
the two and keeps the table's write index (TABLE_INDEX / TABLE_DATA)."""

from __future__ import annotations

from amaranth import ClockSignal, Instance, ResetSignal, Signal

from hetsoc.hw.periph.accel_page import AcceleratorPage
from hetsoc.hw.widebus import WideBusSignature
from hetsoc.spec.regmap import Peripheral

from ..spec import DESC_WORDS, LUT_REGISTERS, LutParams

__all__ = ["ENGINE", "LutUnit"]

#: The Verilog module of the engine.
ENGINE = "hetsoc_lut_engine"


class LutUnit(AcceleratorPage):
    """Members ``bus`` (the register page), ``l1`` (``Out(WideBusSignature)``, ``8 * lanes``
    bits), ``irq`` and ``active``, as every accelerator's.

    Parameters
    ----------
    params : LutParams
    l1_size : int
        Bytes of L1, a power of two: the width of the port's byte address.
    page : Peripheral
        The slot's register page.
    """

    def __init__(self, params: LutParams, *, l1_size: int, page: Peripheral | None = None):
        if not isinstance(l1_size, int) or l1_size < 1024 or l1_size & (l1_size - 1):
            raise ValueError(f"l1_size must be a power of two of at least 1024, not {l1_size!r}")
        self.params = params
        self.addr_width = l1_size.bit_length() - 1
        page = page or Peripheral("lut", 4, LUT_REGISTERS, "int8 lookup-table unit")
        super().__init__(page, desc_words=DESC_WORDS,
                         l1_signature=WideBusSignature(self.addr_width, 8 * params.lanes),
                         work_width=6)

    @classmethod
    def for_slot(cls, slot, *, l1_size: int, gated: bool) -> LutUnit:
        """The plug-in's gateware factory (``gated`` needs nothing: the engine runs on the
        domain the SoC puts the unit in)."""
        return cls(slot.params, l1_size=l1_size, page=slot.page)

    def elaborate(self, platform):
        m = self.elaborate_page()
        # TABLE_INDEX: where TABLE_DATA's next four entries go; the table does not change
        # under a running descriptor
        index = Signal(8)
        table_write = self.write["TABLE_DATA"] & ~self.busy
        with m.If(self.write["TABLE_INDEX"]):
            m.d.sync += index.eq(self.wdata[:8])
        with m.Elif(table_write):
            m.d.sync += index.eq(index + 4)
        m.d.comb += self.read["TABLE_INDEX"].eq(index)

        l1 = self.l1
        m.submodules.engine = Instance(
            ENGINE,
            p_ADDR_W=self.addr_width, p_LANES=self.params.lanes,
            i_clk=ClockSignal(), i_rst=ResetSignal(),
            i_desc=self.desc, i_start=self.start,
            o_busy=self.busy, o_done=self.end, o_code=self.code, o_stall=self.stall,
            o_work=self.work,
            i_tbl_we=table_write, i_tbl_index=index, i_tbl_data=self.wdata,
            o_l1_req_valid=l1.req_valid, i_l1_req_ready=l1.req_ready, o_l1_addr=l1.addr,
            o_l1_we=l1.we, o_l1_wdata=l1.wdata, o_l1_wstrb=l1.wstrb,
            i_l1_rsp_valid=l1.rsp_valid, i_l1_rdata=l1.rdata)
        return m
