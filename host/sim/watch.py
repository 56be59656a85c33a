"""What a run that reached its cycle limit was waiting for: the units still busy, by name, with
their last descriptors.

After such a job the simulation top holds the core and reads the registers :func:`watch_list`
names over the SoC's host port (``sim_top.v``, ``+watch=FILE``); :func:`busy_units` turns the
values into one phrase per unit still busy, which the CLI prints on its timeout line. A timeout
is then never silent about an accelerator or a DMA channel that never finished (an L3 that
stopped answering, a descriptor that never completes).
"""

from __future__ import annotations

from amaranth import Shape

from ..spec.config import SocConfig
from ..spec.dma import CH_STATUS, DESCRIPTOR_WORDS, Descriptor
from ..spec.page import STATUS
from ..spec.regmap import DMA, DMA_CH_STRIDE

__all__ = ["busy_units", "watch_list"]


def _dma_base(config: SocConfig) -> int:
    return config.peripheral_base(DMA.index)


def watch_list(config: SocConfig) -> list[int]:
    """Register addresses to read after a timeout: each DMA channel's ``CH_STATUS`` and staged
    descriptor, each accelerator's ``STATUS`` and staged descriptor."""
    dma = _dma_base(config)
    out = []
    for c in range(config.dma.channels):
        ch = dma + c * DMA_CH_STRIDE
        out.append(ch + DMA.offset("CH_STATUS"))
        out += [ch + DMA.offset(f"CH_DESC{k}") for k in range(DESCRIPTOR_WORDS)]
    for slot in config.accelerators:
        page = slot.page
        base = config.peripheral_base(slot.index)
        out.append(base + page.offset("STATUS"))
        out += [base + page.offset(f"DESC{k}") for k in range(slot.spec.desc_words)]
    return out


def _field(layout, name: str, value: int) -> int:
    f = layout[name]
    v = (value >> f.offset) & ((1 << f.width) - 1)
    signed = Shape.cast(f.shape).signed
    return v - (1 << f.width) if signed and v >> (f.width - 1) else v


def _words(values: dict[int, int], addrs) -> int:
    return sum(values[a] << (32 * k) for k, a in enumerate(addrs))


def _transfer(d: int) -> str:
    layout = Descriptor.as_shape()
    f = {name: _field(layout, name, d) for name, _ in layout}
    size = f["row_bytes"] * f["rows"] * f["planes"]
    shape = f"{f['planes']} x {f['rows']} x {f['row_bytes']}"
    return (f"last descriptor tag {f['tag']}: {size} bytes ({shape}) "
            f"{f['src']:#010x} -> {f['dst']:#010x}")


def _unit_descriptor(slot, d: int) -> str:
    layout = slot.spec.descriptor
    if layout is None:
        words = [(d >> (32 * k)) & 0xFFFF_FFFF for k in range(slot.spec.desc_words)]
        return "last descriptor " + " ".join(f"{w:08x}" for w in words)
    fields = [(name, _field(layout, name, d)) for name, _ in layout
              if not name.startswith("_")]
    shown = ", ".join(f"{name}={value}" for name, value in fields if value)
    return f"last descriptor {shown or 'all zero'}"


def busy_units(config: SocConfig, values: dict[int, int]) -> list[str]:
    """One phrase per unit busy in ``values`` (register address: value, as read after the
    timeout): ``"dma channel 0 (busy, 1 queued; last descriptor tag 3: ...)"``, ``"npu (busy;
    last descriptor ...)"``. Registers missing from ``values`` (unread) skip their unit."""
    out = []
    dma = _dma_base(config)
    for c in range(config.dma.channels):
        ch = dma + c * DMA_CH_STRIDE
        status_addr = ch + DMA.offset("CH_STATUS")
        descs = [ch + DMA.offset(f"CH_DESC{k}") for k in range(DESCRIPTOR_WORDS)]
        if status_addr not in values or any(a not in values for a in descs):
            continue
        status = values[status_addr]
        busy = _field(CH_STATUS, "busy", status)
        queued = _field(CH_STATUS, "queued", status)
        if busy or queued:
            state = "busy" if busy else "idle"
            out.append(f"dma channel {c} ({state}, {queued} queued; "
                       f"{_transfer(_words(values, descs))})")
    for slot in config.accelerators:
        base = config.peripheral_base(slot.index)
        status_addr = base + slot.page.offset("STATUS")
        descs = [base + slot.page.offset(f"DESC{k}") for k in range(slot.spec.desc_words)]
        if status_addr not in values or any(a not in values for a in descs):
            continue
        if _field(STATUS, "busy", values[status_addr]):
            out.append(f"{slot.name} (busy; "
                       f"{_unit_descriptor(slot, _words(values, descs))})")
    return out
