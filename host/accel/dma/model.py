"""The DMA's numpy golden model (the encoder is `hetsoc.accel.dma.encoder`).

The model applies descriptors to byte arrays of L1, L2 and L3 with the engine's checks, in order;
tests compare the simulated memories with it after a run (:meth:`DmaModel.mismatches`). It also
models L3 ranges that answer AXI errors: the status, and which destination bytes the engine may
or may not have written before it stopped.
"""

from __future__ import annotations

import numpy as np

from ...spec.config import SocConfig
from ...spec.dma import BEAT_BYTES, MAX_BURST, ORDER_DEPTH, DmaStatus
from .encoder import Transfer

__all__ = ["DMA_REGIONS", "DmaModel", "check", "chunks", "extent"]

#: Memories a descriptor may read or write, by config attribute.
DMA_REGIONS = ("l1", "l2", "l3")


def extent(base: int, row_bytes: int, rows: int, planes: int, row_stride: int,
           plane_stride: int) -> tuple[int, int]:
    """``[lo, hi)`` of the bytes one side of a transfer touches (strides are unsigned)."""
    return base, base + (planes - 1) * plane_stride + (rows - 1) * row_stride + row_bytes


def chunks(base: int, row_bytes: int, rows: int, planes: int, row_stride: int,
           plane_stride: int) -> list[tuple[int, int]]:
    """``(address, bytes)`` of each chunk of one side, in order, as the engine's walker cuts
    them: a chunk ends at the end of its row or at a ``MAX_BURST``-beat boundary."""
    out = []
    boundary = MAX_BURST * BEAT_BYTES
    for p in range(planes):
        for r in range(rows):
            addr = base + p * plane_stride + r * row_stride
            end = addr + row_bytes
            while addr < end:
                n = min(end, (addr // boundary + 1) * boundary) - addr
                out.append((addr, n))
                addr += n
    return out


def _regions(config: SocConfig):
    return [getattr(config, name) for name in DMA_REGIONS]


def check(config: SocConfig, t: Transfer, read_window, write_window,
          in_use=None) -> DmaStatus:
    """The engine's verdict on a descriptor before it moves anything.

    ``read_window`` and ``write_window`` are ``(base, end)`` pairs, ``end`` exclusive. A
    destination may also be a unit's DMA window (`SocConfig.dma_sinks`, write only);
    ``in_use`` maps a window's name to the offsets ``(lo, hi)`` its unit is using now, which a
    descriptor may not write (``BUS_ERROR``).
    """
    if not (t.row_bytes and t.rows and t.planes):
        return DmaStatus.ZERO_SIZE
    if any(v % BEAT_BYTES for v in (t.src, t.dst, t.row_bytes, t.src_row_stride,
                                    t.src_plane_stride, t.dst_row_stride, t.dst_plane_stride)):
        return DmaStatus.MISALIGNED
    src = extent(t.src, t.row_bytes, t.rows, t.planes, t.src_row_stride, t.src_plane_stride)
    dst = extent(t.dst, t.row_bytes, t.rows, t.planes, t.dst_row_stride, t.dst_plane_stride)
    sinks = [region for _, region in config.dma_sinks]
    for (lo, hi), regions in ((src, _regions(config)), (dst, _regions(config) + sinks)):
        if not any(r.base <= lo and hi <= r.end for r in regions):
            return DmaStatus.UNMAPPED
    if not (read_window[0] <= src[0] and src[1] <= read_window[1]):
        return DmaStatus.SRC_WINDOW
    if not (write_window[0] <= dst[0] and dst[1] <= write_window[1]):
        return DmaStatus.DST_WINDOW
    for region in sinks:
        lo, hi = (in_use or {}).get(region.name, (0, 0))
        if region.contains(dst[0]) and lo < hi and dst[0] < region.base + hi \
                and dst[1] > region.base + lo:
            return DmaStatus.BUS_ERROR
    return DmaStatus.OK


class DmaModel:
    """Golden model: L1, L2 and L3 as numpy byte arrays, descriptors applied in order.

    A descriptor that touches one of ``bus_errors`` ends with ``BUS_ERROR``. How much of it
    the engine wrote before the error stopped it depends on timing, so the model leaves its
    memories unchanged and remembers, in :attr:`unsettled`, the destination bytes that may hold
    either their old value or the one the transfer would have written; everything after them is
    certainly unchanged. The bound is the engine's (docs/dma.md): for a failing read beat, the
    bytes of the transfer before it; for a failing write chunk, the bytes up to the end of the
    ``ORDER_DEPTH - 1`` chunks after it (sent before its error response came back). A later
    transfer that reads unsettled bytes has an unpredictable result; tests avoid that.

    Parameters
    ----------
    config : SocConfig
        Where the memories are and how large they are.
    bus_errors : sequence of (int, int), optional
        Bus address ranges ``[lo, hi)`` inside L3 whose reads and writes answer SLVERR or
        DECERR (which of the two does not matter to the engine).
    """

    def __init__(self, config: SocConfig, bus_errors=()):
        if not isinstance(config, SocConfig):
            raise TypeError(f"config must be a SocConfig, not {config!r}")
        bus_errors = [tuple(r) for r in bus_errors]
        for r in bus_errors:
            if (len(r) != 2 or not all(isinstance(v, int) for v in r)
                    or not config.l3.base <= r[0] < r[1] <= config.l3.end):
                raise ValueError(f"bus error range must be (lo, hi) inside L3 "
                                 f"[{config.l3.base:#x}, {config.l3.end:#x}), not {r!r}")
        self.config = config
        self.bus_errors = bus_errors
        self.memories = {name: np.zeros(getattr(config, name).size, np.uint8)
                         for name in DMA_REGIONS}
        #: The bytes written into each unit's DMA window, by region name (``npu_dma`` ...).
        self.sinks = {region.name: np.zeros(region.size, np.uint8)
                      for _, region in config.dma_sinks}
        #: ``(addresses, values)`` per failed descriptor: destination bytes that may hold their
        #: old value or ``values``.
        self.unsettled: list[tuple[np.ndarray, np.ndarray]] = []

    def locate(self, addr: int) -> tuple[str, int]:
        """``(memory name, offset)`` of a bus address."""
        regions = [getattr(self.config, name) for name in DMA_REGIONS]
        for region in (*regions, *(r for _, r in self.config.dma_sinks)):
            if region.contains(addr):
                return region.name, addr - region.base
        raise ValueError(f"address must lie in L1, L2, L3 or a unit's DMA window, "
                         f"not {addr:#x}")

    def _bytes(self, name: str) -> np.ndarray:
        return self.memories[name] if name in self.memories else self.sinks[name]

    def _region(self, name: str):
        return getattr(self.config, name) if name in self.memories else next(
            r for _, r in self.config.dma_sinks if r.name == name)

    def view(self, addr: int, size: int) -> np.ndarray:
        """The model's bytes ``[addr, addr + size)`` (a view: writes go to the model)."""
        name, off = self.locate(addr)
        return self._bytes(name)[off:off + size]

    def _faulty(self, addresses: np.ndarray) -> np.ndarray:
        """Which of these bus addresses lie in a bus error range."""
        bad = np.zeros(addresses.shape, bool)
        for lo, hi in self.bus_errors:
            bad |= (addresses >= lo) & (addresses < hi)
        return bad

    def _unsettled_bytes(self, t: Transfer, src_addr: np.ndarray,
                         dst_addr: np.ndarray) -> int | None:
        """``None`` if the transfer meets no bus error, else how many of its leading bytes (in
        transfer order) the engine may have written before it stopped."""
        bounds = []
        src_bad = np.flatnonzero(self._faulty(src_addr))
        if src_bad.size:
            # Reads fail beat by beat; nothing from the failing beat on reaches the FIFO.
            bounds.append(src_bad[0] // BEAT_BYTES * BEAT_BYTES)
        dst_bad = np.flatnonzero(self._faulty(dst_addr))
        if dst_bad.size:
            # Writes fail chunk by chunk; the chunks already sent behind it still go out.
            ends = np.cumsum([n for _, n in chunks(t.dst, t.row_bytes, t.rows, t.planes,
                                                   t.dst_row_stride, t.dst_plane_stride)])
            failing = int(np.searchsorted(ends, dst_bad[0], side="right"))
            bounds.append(int(ends[min(failing + ORDER_DEPTH - 1, len(ends) - 1)]))
        return max(bounds) if bounds else None

    def run(self, t: Transfer, read_window=(0, 1 << 32), write_window=(0, 1 << 32),
            in_use=None) -> DmaStatus:
        """Apply one descriptor; return its completion status (``in_use``: as `check`).

        Nothing moves when a check fails; on ``BUS_ERROR`` the memories stay as they were and
        the bytes the engine may have written are added to :attr:`unsettled`.
        """
        status = check(self.config, t, read_window, write_window, in_use)
        if status != DmaStatus.OK:
            return status
        # Overlapping source and destination ranges are undefined on the engine (its reads run
        # ahead of its writes by a variable distance); tests never generate them.
        src_name, src_off = self.locate(t.src)
        dst_name, dst_off = self.locate(t.dst)
        src_mem, dst_mem = self._bytes(src_name), self._bytes(dst_name)
        p = np.arange(t.planes)[:, None, None]
        r = np.arange(t.rows)[None, :, None]
        i = np.arange(t.row_bytes)[None, None, :]
        src_idx = (src_off + p * t.src_plane_stride + r * t.src_row_stride + i).ravel()
        dst_idx = (dst_off + p * t.dst_plane_stride + r * t.dst_row_stride + i).ravel()
        if self.bus_errors:
            src_base = self._region(src_name).base
            dst_base = self._region(dst_name).base
            written = self._unsettled_bytes(t, src_idx + src_base, dst_idx + dst_base)
            if written is not None:
                if written:
                    self.unsettled.append((dst_idx[:written] + dst_base,
                                           src_mem[src_idx[:written]].copy()))
                return DmaStatus.BUS_ERROR
        dst_mem[dst_idx] = src_mem[src_idx]
        return status

    def mismatches(self, actual: dict) -> dict[str, int]:
        """Bytes of each memory in ``actual`` (name: byte array, as :attr:`memories`) that
        differ from the model, where an :attr:`unsettled` byte may hold either value."""
        allowed = {name: [] for name in self.memories}
        for addresses, values in self.unsettled:
            name, _ = self.locate(int(addresses[0]))
            base = getattr(self.config, name).base
            allowed[name].append((addresses - base, values))
        out = {}
        for name, want in self.memories.items():
            got = np.asarray(actual[name])
            bad = got != want
            for offsets, values in allowed[name]:
                bad[offsets] &= got[offsets] != values
            out[name] = int(np.count_nonzero(bad))
        return out
