"""Burst ports between the DMA channels and the memories (L1, L2 and the L3 AXI master).

A channel moves data in *chunks*: up to :data:`MAX_BURST` beats of 8 bytes that never cross a
256-byte boundary (so an AXI burst never crosses a 4 KiB page). A chunk is one command; its beats
follow on a data stream. Commands may be pipelined: a target accepts the next command before
the previous chunk's data has finished, and serves chunks in order.

Read port (initiator's view)
    ``cmd_valid``/``cmd_ready`` with ``cmd_addr`` and ``cmd_len`` (beats, 1..32); then
    ``cmd_len`` pulses of ``data_valid`` with ``data`` and ``data_err``. There is no
    back-pressure on read data: a channel only asks for a chunk when it has room for all of it.
    ``data_err`` marks a beat the target could not read (an AXI SLVERR or DECERR; the SRAMs
    never raise it); every beat of a chunk still arrives, erroneous or not.

Write port (initiator's view)
    ``cmd_valid``/``cmd_ready`` with ``cmd_addr``/``cmd_len``; beats on ``data_valid``/
    ``data_ready``/``data`` in command order; one ``done`` pulse per chunk once it is written,
    with ``done_err`` if the target refused the chunk (an AXI write response SLVERR or DECERR).
    Every beat of a command must be sent, even after an error.
"""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.dma import LEN_WIDTH

__all__ = ["BurstReadSignature", "BurstWriteSignature", "SinkSignature"]



class BurstReadSignature(wiring.Signature):
    """Initiator side of a burst read port (see the module docstring)."""

    def __init__(self):
        super().__init__({
            "cmd_valid": Out(1), "cmd_ready": In(1),
            "cmd_addr": Out(32), "cmd_len": Out(LEN_WIDTH),
            "data_valid": In(1), "data": In(64), "data_err": In(1),
        })

    def __eq__(self, other):
        return isinstance(other, BurstReadSignature)

    def __repr__(self):
        return "BurstReadSignature()"


class BurstWriteSignature(wiring.Signature):
    """Initiator side of a burst write port (see the module docstring)."""

    def __init__(self):
        super().__init__({
            "cmd_valid": Out(1), "cmd_ready": In(1),
            "cmd_addr": Out(32), "cmd_len": Out(LEN_WIDTH),
            "data_valid": Out(1), "data_ready": In(1), "data": Out(64),
            "done": In(1), "done_err": In(1),
        })

    def __eq__(self, other):
        return isinstance(other, BurstWriteSignature)

    def __repr__(self):
        return "BurstWriteSignature()"


class SinkSignature(wiring.Signature):
    """Initiator side (the DMA's) of a unit's DMA window: beat writes into the unit.

    A unit whose spec declares ``dma_sink`` (`hetsoc.spec.accelerators.AcceleratorSpec`) has a
    window on the DMA's address map (`hetsoc.spec.config.SocConfig.dma_sinks`); the engine turns
    the chunks a channel writes there into beats on this port (`hw.dma.sink.BurstSink`).

    ``valid`` with ``addr`` (byte offset in the window, a multiple of 8) and ``data`` (8 bytes,
    byte ``i`` at ``addr + i``) offer one beat; it is taken in a cycle where the unit raises
    ``ready`` (the unit wrote it) or ``err`` (the unit refuses it and writes nothing: outside
    what the window maps, or a bad value); a refused beat ends the transfer with a bus error.
    ``in_use_lo`` / ``in_use_hi`` are the window's bytes ``[lo, hi)`` the unit is using now (for
    example the weights of the layer it runs; ``lo >= hi``: none): the engine offers no beat
    there (it refuses the beat itself) and refuses a whole descriptor that would write there
    before it moves a byte.
    """

    def __init__(self, addr_width: int):
        if not isinstance(addr_width, int) or not 10 <= addr_width <= 32:
            raise TypeError(f"Address width must be an integer in [10, 32], not {addr_width!r}")
        self.addr_width = addr_width
        super().__init__({
            "valid": Out(1), "addr": Out(addr_width), "data": Out(64),
            "ready": In(1), "err": In(1),
            "in_use_lo": In(addr_width + 1), "in_use_hi": In(addr_width + 1),
        })

    def __eq__(self, other):
        return isinstance(other, SinkSignature) and other.addr_width == self.addr_width

    def __repr__(self):
        return f"SinkSignature({self.addr_width})"
