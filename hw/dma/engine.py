"""The DMA engine: its register page, the channels and the arbiters in front of each memory."""

from amaranth import Cat, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.config import SocConfig
from ...spec.dma import CH_CPL, CH_IRQ, CH_STATUS, DESCRIPTOR_WORDS
from ...spec.regmap import dma_page
from ..periph.base import RegisterPage
from .arbiter import BurstArbiter
from .channel import DmaChannel
from .ports import BurstReadSignature, BurstWriteSignature

__all__ = ["MEMORIES", "Dma"]

#: Memories behind the engine, in the order of a channel's ``rd_sel`` / ``wr_sel``; the units'
#: DMA windows (write only) follow them.
MEMORIES = ("l1", "l2", "l3")
# Interrupt events per channel (CH_IRQ, CH_IRQ_EN: hetsoc.spec.dma.CH_IRQ).
_EVENTS = CH_IRQ.size


class Dma(RegisterPage):
    """``config.dma.channels`` channels behind one register page (``host/spec/regmap.py``).

    Each memory has one burst read and one burst write port (``l1_rd``, ``l1_wr``, ...), shared
    by the channels chunk by chunk (:class:`~.arbiter.BurstArbiter`), so two channels moving
    between different memories run at full speed side by side. ``irq`` is high while any
    channel has an event pending that its ``CH_IRQ_EN`` enables: done, error (a descriptor
    ended with a status other than OK) or overflow (a ``CH_PUSH`` found the queue full and was
    dropped). ``l1_conflicts`` and ``l2_conflicts`` are the memories' bank-conflict counters,
    shown in the page. Each unit's DMA window (`SocConfig.dma_sinks`) has a burst write port
    ``<slot>_wr`` and the unit's in-use bytes ``<slot>_lo``/``<slot>_hi`` (offsets in the
    window; see `~.sink.BurstSink`). ``active`` is high while any channel is busy or has
    descriptors queued (the simulation's clock gate, ``Soc(gated_acc=True)``, keeps the engine
    clocked then).

    Parameters
    ----------
    config : SocConfig
    """

    def __init__(self, config: SocConfig):
        if not isinstance(config, SocConfig):
            raise TypeError(f"Config must be a SocConfig, not {config!r}")
        self.config = config
        members = {"irq": Out(1), "active": Out(1), "l1_conflicts": In(32), "l2_conflicts": In(32)}
        for t in MEMORIES:
            members[f"{t}_rd"] = Out(BurstReadSignature())
            members[f"{t}_wr"] = Out(BurstWriteSignature())
        #: The units with a DMA window, in the order of the targets after the memories.
        self.sinks = tuple(slot.name for slot, _ in config.dma_sinks)
        for (slot, region) in config.dma_sinks:
            width = (region.size - 1).bit_length() + 1
            members[f"{slot.name}_wr"] = Out(BurstWriteSignature())
            members[f"{slot.name}_lo"] = In(width)
            members[f"{slot.name}_hi"] = In(width)
        super().__init__(dma_page(config.dma.channels), extra_members=members)

    def elaborate(self, platform):
        m = self.elaborate_page()
        n = self.config.dma.channels
        w, r = self.write, self.read
        irqs = []
        chans = []
        working = []
        for c in range(n):
            m.submodules[f"ch{c}"] = ch = DmaChannel(self.config)
            chans.append(ch)
            p = f"CH{c}_"
            staged = [Signal(32, name=f"ch{c}_desc{k}") for k in range(DESCRIPTOR_WORDS)]
            for k, word in enumerate(staged):
                with m.If(w[f"{p}DESC{k}"]):
                    m.d.sync += word.eq(self.wdata)
                m.d.comb += r[f"{p}DESC{k}"].eq(word)
            windows = {}
            for name in ("RWIN_BASE", "RWIN_END", "WWIN_BASE", "WWIN_END"):
                windows[name] = reg = Signal(32, name=f"ch{c}_{name.lower()}")
                with m.If(w[p + name]):
                    m.d.sync += reg.eq(self.wdata)
                m.d.comb += r[p + name].eq(reg)
            pending = Signal(_EVENTS, name=f"ch{c}_irq")
            enable = Signal(_EVENTS, name=f"ch{c}_irq_en")
            with m.If(w[p + "IRQ_EN"]):
                m.d.sync += enable.eq(self.wdata[:_EVENTS])
            # A push onto a full queue is dropped by the queue; say so, since the descriptor
            # will never complete and software waiting for it would wait forever.
            overflow = Signal(name=f"ch{c}_overflow")
            m.d.comb += overflow.eq(w[p + "PUSH"] & ~ch.push_ready)
            # New events win over a clear in the same cycle: an event is never lost.
            cleared = Signal(_EVENTS)
            m.d.comb += cleared.eq(self.wdata[:_EVENTS] & w[p + "IRQ"].replicate(_EVENTS))
            events = Signal(CH_IRQ)
            m.d.comb += [events.done.eq(ch.done), events.error.eq(ch.error),
                         events.overflow.eq(overflow)]
            m.d.sync += pending.eq((pending & ~cleared) | events.as_value())
            status, cpl = Signal(CH_STATUS), Signal(CH_CPL)
            m.d.comb += [status.busy.eq(ch.busy), status.overflow.eq(pending.bit_select(
                             CH_IRQ["overflow"].offset, 1)),
                         status.queued.eq(ch.queued), status.completions.eq(ch.cpl_count),
                         cpl.tag.eq(ch.cpl_tag), cpl.status.eq(ch.cpl_status),
                         cpl.valid.eq(ch.cpl_valid)]
            irqs.append((pending & enable).any())
            working.append(ch.busy | (ch.queued != 0))
            for j, name in enumerate(self.sinks):
                m.d.comb += [getattr(ch, f"sink{j}_lo").eq(getattr(self, f"{name}_lo")),
                             getattr(ch, f"sink{j}_hi").eq(getattr(self, f"{name}_hi"))]
            m.d.comb += [
                ch.push_valid.eq(w[p + "PUSH"]),
                ch.push_desc.eq(Cat(*staged)),
                ch.rwin_base.eq(windows["RWIN_BASE"]), ch.rwin_end.eq(windows["RWIN_END"]),
                ch.wwin_base.eq(windows["WWIN_BASE"]), ch.wwin_end.eq(windows["WWIN_END"]),
                ch.cpl_pop.eq(w[p + "CPL"] & ch.cpl_valid),
                ch.clear.eq(w[p + "CLEAR"]),
                r[p + "PUSH"].eq(self.config.dma.queue_depth - ch.queued),
                r[p + "STATUS"].eq(status.as_value()),
                r[p + "CPL"].eq(cpl.as_value()),
                r[p + "IRQ"].eq(pending),
                r[p + "IRQ_EN"].eq(enable),
                r[p + "BYTES"].eq(ch.bytes),
                r[p + "BUSY_CYCLES"].eq(ch.busy_cycles),
                r[p + "STALL_CYCLES"].eq(ch.stall_cycles),
            ]
        m.d.comb += [
            self.irq.eq(Cat(*irqs).any()),
            self.active.eq(Cat(*working).any()),
            r["CHANNELS"].eq(n),
            r["L1_CONFLICTS"].eq(self.l1_conflicts),
            r["L2_CONFLICTS"].eq(self.l2_conflicts),
        ]

        # One arbiter per target and direction (a unit's window is written only); a channel's
        # command goes to the one its descriptor selected, and its data and completions come
        # back from there.
        ports = [(t, kind) for t in MEMORIES for kind in ("rd", "wr")]
        ports += [(t, "wr") for t in self.sinks]
        targets = (*MEMORIES, *self.sinks)
        for t, kind in ports:
            t_index = targets.index(t)
            sel_name = f"{kind}_sel"
            arb = BurstArbiter(n, "read" if kind == "rd" else "write")
            m.submodules[f"{t}_{kind}_arb"] = arb
            wiring.connect(m, arb.down, wiring.flipped(getattr(self, f"{t}_{kind}")))
            for c, ch in enumerate(chans):
                up = getattr(arb, f"up{c}")
                src = getattr(ch, kind)
                mine = getattr(ch, sel_name) == t_index
                m.d.comb += [up.cmd_valid.eq(src.cmd_valid & mine),
                             up.cmd_addr.eq(src.cmd_addr), up.cmd_len.eq(src.cmd_len)]
                if kind == "wr":
                    m.d.comb += [up.data_valid.eq(src.data_valid & mine),
                                 up.data.eq(src.data)]
        # Back to the channels: the selected target's handshakes (a channel's data and
        # completions only ever come from the target it has commands outstanding at).
        for c, ch in enumerate(chans):
            for t, kind in ports:
                t_index, sel_name = targets.index(t), f"{kind}_sel"
                dst = getattr(ch, kind)
                up = getattr(m.submodules[f"{t}_{kind}_arb"], f"up{c}")
                with m.If(getattr(ch, sel_name) == t_index):
                    m.d.comb += dst.cmd_ready.eq(up.cmd_ready)
                    if kind == "wr":
                        m.d.comb += dst.data_ready.eq(up.data_ready)
                if kind == "rd":
                    with m.If(up.data_valid):
                        m.d.comb += [dst.data_valid.eq(1), dst.data.eq(up.data),
                                     dst.data_err.eq(up.data_err)]
                else:
                    with m.If(up.done):
                        m.d.comb += [dst.done.eq(1), dst.done_err.eq(up.done_err)]
        return m
