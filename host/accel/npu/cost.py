"""The NPU's cycle model: busy cycles of one descriptor, equal to the hardware's ``BUSY_CYCLES``
on every layer that runs without L1 stalls (``tests/npu/test_layers.py``, ``bench/npu.py``,
``sw/tests/npu_layer.c``), and a lower bound with them (docs/npu.md, "Cycle model").

It is the schedule of `hetsoc.hw.npu.core.NpuCore`, in cycles counted from the one that checks
the descriptor (cycle 0):

- **add**: per port word of ``2 * cols`` bytes a read of ``a``, a read of ``b`` and a write of
  ``y``, each waiting for its response: ``1 + 6 * ceil(length / (2 * cols))``.
- **conv, depthwise, dense**: tiles of ``rows`` output channels x ``cols`` output pixels (two
  output rows of ``cols / 2`` if folded), in the order block, output row, column block. Per
  ``(c, ky)`` *segment* of a tile the *fetcher* reads the input rows the tile needs: it starts
  once its line buffer is free (the sequencer has finished the segment two before) and it has
  sent the previous segment's requests; a row costs one request per port word it spans (from
  ``in_base + c * in_cs + iy * in_rs + max(ix0, 0)`` to ``min(ix0 + (cols - 1) * s + kw - 1,
  in_w - 1)`` further, ``ix0 = ox0 * s - pad_l``), one a cycle, none in a cycle the drain
  writes; the buffer is full two cycles after the last request (its response, then the flag).
  A row in the padding costs a cycle and no request, one more if it is a folded tile's second
  row after a row that was read (that read is still in flight). The fetcher starts at cycle 1.
  The *sequencer* taps a full buffer ``kw`` cycles, from the cycle after its previous tap at
  the earliest; a block's parameters come first (its first tap is ``PARAM_CYCLES`` later:
  cycle 11 for the first block), and a tile's last tap waits until the previous tile's drain
  is idle. The *drain* of a tile then takes its accumulators two cycles after the last tap and
  spends three cycles on each output row segment (a channel's ``cols`` outputs of one row):
  requantize, write the low port word, write the high one if the segment crosses into it.
  The layer ends when the last write's response is back: ``busy = last tap + 4 + 3 * steps``
  of the last drain, one more if its last step wrote twice.

The replay is exact (max and plus over those times), and fast because it replays little:
channels whose rows start alike modulo the port width fetch alike, so a tile is a repeating
cycle of a few kinds of channel; a tile's time depends only on its rows, the previous tile's
drain, how far ahead the fetcher is and whether parameters come first, so tiles are looked up
once replayed; and once a channel or tile row meets a state it met a whole period of kinds
before, the schedule repeats and its repeats are added at once.
"""

from __future__ import annotations

from math import gcd, lcm

from ...spec.npu import DESC_WORDS, DESCRIPTOR, MAX_KERNEL, PARAM_WORDS, Op
from .encoder import NpuJob

__all__ = ["busy_cycles", "job_cycles", "drain_writes", "job_drain_writes", "unpack_descriptor",
           "add_cycles", "CHECK_CYCLES", "PARAM_CYCLES", "DRAIN_STEP", "ADD_WORD_CYCLES"]

#: The cycle that latches and checks the descriptor (counted; a refused layer costs only it).
CHECK_CYCLES = 1
#: Parameter reads of a channel block: PARAM_WORDS reads, the last word lands a cycle later.
PARAM_CYCLES = PARAM_WORDS + 1
#: Drain cycles per output row segment: requantize, write the low word, write the high word.
DRAIN_STEP = 3
#: Residual add cycles per port word: read a, read b, write y, each request then its response.
ADD_WORD_CYCLES = 6

_SIGNED = ("x_zp", "y_zp", "y_min", "y_max", "b_zp")


def unpack_descriptor(words) -> dict[str, int]:
    """The field values of ``DESC_WORDS`` register words (the inverse of `pack_descriptor`)."""
    words = list(words)
    if len(words) != DESC_WORDS or not all(isinstance(w, int) and 0 <= w < 1 << 32
                                           for w in words):
        raise ValueError(f"words must be {DESC_WORDS} 32-bit ints, not {words!r}")
    value = sum(w << (32 * i) for i, w in enumerate(words))
    fields = {}
    for name, field in DESCRIPTOR:
        v = (value >> field.offset) & ((1 << field.width) - 1)
        fields[name] = v - 256 if name in _SIGNED and v >= 128 else v
    return fields


def _power_of_two(name, v):
    if not isinstance(v, int) or isinstance(v, bool) or v < 1 or v & (v - 1):
        raise ValueError(f"{name} must be a power of two, not {v!r}")


def add_cycles(length: int, port_bytes: int) -> int:
    """Busy cycles of a residual add of ``length`` bytes over a ``port_bytes`` port."""
    return CHECK_CYCLES + ADD_WORD_CYCLES * -(-length // port_bytes)


def busy_cycles(fields: dict, *, rows: int, cols: int) -> int:
    """Busy cycles of the descriptor ``fields`` (names of ``DESCRIPTOR``) on a ``rows x cols``
    array with a ``2 * cols``-byte L1 port, without L1 stalls. The descriptor must be one the
    hardware accepts (docs/npu.md, "Limits"); the fields the model relies on are checked."""
    port_bytes = _checked(fields, rows, cols)
    if fields["op"] == Op.ADD:
        return add_cycles(fields["length"], port_bytes)
    return _MacSchedule(fields, rows, cols, port_bytes).busy_cycles()


def drain_writes(fields: dict, *, rows: int, cols: int) -> int:
    """L1 writes of the layer's drain: one per output row segment of a tile (up to ``cols``
    outputs of one channel and row), two when the segment crosses a port word (0 for add).

    With L1 stalls these writes are what the counters leave out: a stall can push a row fetch
    into a drain write that the stall-free schedule missed, and the write takes the port first
    without being a stall. A write can cost the fetcher a cycle at most once, which gives the
    bound the tests check:
    ``busy_cycles <= BUSY_CYCLES <= busy_cycles + STALL_CYCLES + drain_writes``."""
    pb = _checked(fields, rows, cols)
    f = fields
    if f["op"] == Op.ADD:
        return 0
    # channel k's segment starts k * out_cs bytes after channel 0's, which modulo the port
    # repeats every `period` channels: count the crossings of one period
    period = _period(f["out_cs"], pb)
    whole, rest = divmod(f["out_k"], period)
    writes = 0
    for ox0 in range(0, f["out_w"], cols):
        width = min(cols, f["out_w"] - ox0)
        for oy in range(f["out_h"]):
            first = f["out_base"] + oy * f["out_rs"] + ox0
            crossing = [(first + k * f["out_cs"]) % pb + width > pb for k in range(period)]
            writes += f["out_k"] + whole * sum(crossing) + sum(crossing[:rest])
    return writes


def _checked(fields, rows, cols) -> int:
    """Check what the model relies on; returns the port width in bytes."""
    _power_of_two("rows", rows)
    _power_of_two("cols", cols)
    if any(name not in fields for name, _ in DESCRIPTOR):
        raise ValueError(f"fields must hold every field of DESCRIPTOR, not {sorted(fields)!r}")
    if fields["op"] == Op.ADD:
        if fields["length"] < 1:
            raise ValueError(f"length must be at least 1, not {fields['length']!r}")
    else:
        for name in ("kh", "kw"):
            if not 1 <= fields[name] <= MAX_KERNEL:
                raise ValueError(f"{name} must be in [1, {MAX_KERNEL}], not {fields[name]!r}")
        if fields["stride"] not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, not {fields['stride']!r}")
        for name in ("in_c", "in_h", "in_w", "out_k", "out_h", "out_w"):
            if fields[name] < 1:
                raise ValueError(f"{name} must be at least 1, not {fields[name]!r}")
        if fields["fold"] and 2 * fields["out_w"] > cols:
            raise ValueError(f"fold needs out_w <= cols / 2 = {cols // 2}, "
                             f"not {fields['out_w']!r}")
    return max(4, 2 * cols)   # the core's port is never narrower than a word


def job_cycles(job: NpuJob, *, rows: int, cols: int) -> int:
    """`busy_cycles` of an encoded job (its descriptor words decoded)."""
    return busy_cycles(unpack_descriptor(job.desc), rows=rows, cols=cols)


def job_drain_writes(job: NpuJob, *, rows: int, cols: int) -> int:
    """`drain_writes` of an encoded job."""
    return drain_writes(unpack_descriptor(job.desc), rows=rows, cols=cols)


class _MacSchedule:
    """The schedule of one conv / depthwise / dense layer (see the module docstring).

    Times are cycles relative to ``T``, the previous tile's last tap. Between two tiles the
    timeline is a *boundary* ``(lead, drain, older, params)``: ``lead``, the cycle the fetcher
    may start the tile's first segment (its line buffer free, the previous segment's requests
    issued); ``drain``, the previous tile's drain (an index into ``self.drains``: per output
    row segment whether it writes a second port word; its writes are at ``T + 4 + 3j`` and
    ``T + 5 + 3j``, it is idle from ``T + 3 + 3 * steps``); ``older``, writes of earlier drains
    still ahead of the fetcher (tiles of one or two segments let it run that far ahead);
    ``params``, whether the sequencer reads a block's parameters before the tile's first tap.
    """

    def __init__(self, f, rows, cols, port_bytes):
        self.f, self.rows, self.cols, self.pb = f, rows, cols, port_bytes
        self.kh, self.kw, self.s, self.fold = f["kh"], f["kw"], f["stride"], f["fold"]
        self.blocks = -(-f["out_k"] // rows)
        self.tile_rows = (f["out_h"] + self.fold) >> self.fold   # one or two output rows each
        self.col_blocks = -(-f["out_w"] // cols)
        # Channel c's rows start c * in_cs bytes further; modulo the port width, which is all
        # that decides how many words a row spans, that repeats every `channel_period`
        # channels. Likewise the next tile row's inputs and outputs start a fixed number of
        # bytes further, so tile rows clear of the padding repeat every `row_period`.
        step_in = (1 + self.fold) * self.s * f["in_rs"]
        step_out = (1 + self.fold) * f["out_rs"]
        self.channel_period = _period(f["in_cs"], port_bytes)
        self.row_period = lcm(_period(step_in, port_bytes), _period(step_out, port_bytes))
        # those tile rows: no input row in the padding, both output rows there if folded
        down = (1 + self.fold) * self.s
        self.inner_first = min(-(-f["pad_t"] // down), self.tile_rows)
        last = (f["in_h"] - self.kh + f["pad_t"] - self.fold * self.s) // down
        if self.fold:
            last = min(last, (f["out_h"] - 2) // 2)
        self.inner_stop = max(self.inner_first, min(last + 1, self.tile_rows))
        self.row_ids, self.row_list = {}, []     # a tile's input rows, interned
        self.drain_ids, self.drains = {}, []     # a tile's drain (`_add_drain`), interned
        self.kind_ids, self.kind_list = {}, []   # a channel's segments, interned
        self.tile_kinds = {}     # (rows, channel offsets) -> (kinds, period)
        self.channel_steps = {}  # (kind, lead) -> (cycles, lead after)
        self.tiles = {}          # (rows, channels, boundary) -> (cycles, lead, older)
        self.block_results = {}  # (channels, outputs, boundary) -> (cycles, boundary)

    # ---- what a tile reads and writes

    def _rows(self, ty, oxb):
        """The tile's input rows as an id of ``(span, starts)``: ``starts`` per ``(ky, r)``
        the row's first byte modulo the port width, or None for a row in the padding; a
        channel adds its own offset. Tiles with the same rows fetch alike."""
        f, pb, s = self.f, self.pb, self.s
        ix0 = oxb * self.cols * s - f["pad_l"]
        ixa, ixb = max(ix0, 0), min(ix0 + (self.cols - 1) * s + self.kw - 1, f["in_w"] - 1)
        starts = []
        for ky in range(self.kh):
            for r in range(1 + self.fold):
                oy = (ty << self.fold) + r
                iy = oy * s + ky - f["pad_t"]
                inside = 0 <= iy < f["in_h"] and oy < f["out_h"] and ixa <= ixb
                starts.append((f["in_base"] + iy * f["in_rs"] + ixa) % pb if inside else None)
        key = (ixb - ixa, tuple(starts))
        if key not in self.row_ids:
            self.row_ids[key] = len(self.row_list)
            self.row_list.append(key)
        return self.row_ids[key]

    def _kinds(self, row, channels):
        """The tile's channels as kinds (`_kind`): (the kinds of the first channels, the
        period after which they repeat: that of the channels' offsets or a divisor of it)."""
        key = (row, channels[0])
        if key not in self.tile_kinds:
            (span, starts), pb = self.row_list[row], self.pb
            kinds = []
            for residue in channels[0]:
                words = tuple(0 if x is None else ((x + residue) % pb + span) // pb + 1
                              for x in starts)
                kind = self.kind_ids.get(words)
                kinds.append(self._kind(words) if kind is None else kind)
            period = _period_of(kinds, len(kinds))
            self.tile_kinds[key] = (tuple(kinds[:period]), period)
        return self.tile_kinds[key]

    def _kind(self, words):
        """Intern a channel's kind: its ``kh`` segments, each (port words per row, 0 for one
        in the padding; L, the cycles the fetcher spends on it; D, the cycles until its buffer
        is full), both without drain writes. Channels of one kind fetch alike."""
        n = 1 + self.fold
        segments = []
        for i in range(0, len(words), n):
            seg = words[i:i + n]
            full, free = _fetch(seg, 0, ())
            segments.append((seg, free, full))
        self.kind_ids[words] = len(self.kind_list)
        self.kind_list.append(tuple(segments))
        return self.kind_ids[words]

    def _drain(self, k0, ty, oxb):
        """Id of the tile's drain: per step (channel-major, then row) whether the output row
        segment crosses a port word, which costs the drain a second write."""
        f, pb = self.f, self.pb
        oy0, ox0 = ty << self.fold, oxb * self.cols
        channels = min(self.rows, f["out_k"] - k0)
        two = bool(self.fold) and oy0 + 1 < f["out_h"]
        width = min(self.cols, f["out_w"] - ox0)
        first = (f["out_base"] + k0 * f["out_cs"] + oy0 * f["out_rs"] + ox0) % pb
        key = (first, channels, two, width)
        if key not in self.drain_ids:
            self.drain_ids[key] = len(self.drains)
            steps = tuple((first + dk * f["out_cs"] + dr * f["out_rs"]) % pb + width > pb
                          for dk in range(channels) for dr in range(1 + two))
            self._add_drain(steps, (1 + two) * _period(f["out_cs"], pb))
        return self.drain_ids[key]

    def _add_drain(self, steps, repeat):
        """Record a drain: its steps, the write cycles relative to the tap before it (two
        cycles until its first step, then per step a cycle to requantize, the low word's write
        and maybe the high word's), and the cycles after which they repeat (its steps repeat
        every ``repeat``, maybe sooner)."""
        writes = set()
        for j, second in enumerate(steps):
            writes.update((4 + 3 * j, 5 + 3 * j) if second else (4 + 3 * j,))
        self.drains.append((steps, frozenset(writes), DRAIN_STEP * _period_of(steps, repeat)))

    # ---- the replay, from the inside out

    def _channel(self, kind, lead):
        """(cycles, lead after) of one channel's segments with no drain write ahead and no
        parameters pending: the last tap moves by ``cycles``; ``lead`` is the fetcher's start
        for the next segment relative to the last tap."""
        key = (kind, lead)
        if key not in self.channel_steps:
            a, end, kw = lead, 0, self.kw
            for _, fetch_cycles, full_after in self.kind_list[kind]:
                # the buffer is used kw cycles from when it is full or the previous segment is
                # done; the fetcher moves on when its requests are out and the other buffer is
                # free (the segment before this one done)
                a, end = max(a + fetch_cycles, end + 1), max(a + full_after, end + 1) + kw - 1
            self.channel_steps[key] = (end, a - end)
        return self.channel_steps[key]

    def _replay_channel(self, kind, a, end, writes, last_write, wait=0):
        """One channel's segments from fetcher start ``a`` and last tap ``end``, with the drain
        writing in ``writes`` and ``wait`` cycles of parameter reads before the first tap:
        (fetcher start of the next segment, last tap)."""
        kw = self.kw
        for words, fetch_cycles, full_after in self.kind_list[kind]:
            if a > last_write or not writes.intersection(range(a, a + fetch_cycles)):
                full, free = a + full_after, a + fetch_cycles   # no write in its way
            else:
                full, free = _fetch(words, a, writes)
            a, end, wait = max(free, end + 1), max(full, end + 1 + wait) + kw - 1, 0
        return a, end

    def _tile(self, row, channels, boundary):
        """Replay one tile from ``boundary``: (cycles from T to its last tap, the fetcher's
        lead and the older writes for the next tile, both relative to that last tap)."""
        lead, drain, older, params = boundary
        steps, writes, cycle = self.drains[drain]
        writes = writes.union(older) if older else writes
        drain_idle = 3 + DRAIN_STEP * len(steps)
        last_write = max(writes, default=-1)
        kinds, period = self._kinds(row, channels)
        a, end = lead, 0
        wait = PARAM_CYCLES if params else 0     # the sequencer reads parameters first
        i, last = 0, channels[1] - 1
        # 1. While the previous drain writes (or parameters are read), channel by channel.
        # From T + 4 its writes repeat every `cycle` cycles, so a channel that starts with the
        # lead, the phase of the writes and the kind of one before it repeats what followed
        # that one: skip as many whole repeats as stay inside the writes.
        seen = {}
        while i < last and (a <= last_write or wait):
            if a >= 4 and not wait and seen is not None:
                key = (i % period, a - end, (end - 4) % cycle)
                if key in seen:
                    j, end_j = seen[key]
                    gain = end - end_j
                    repeats = min((last - i) // (i - j), (drain_idle - a) // gain)
                    a, end, i = a + repeats * gain, end + repeats * gain, i + repeats * (i - j)
                    seen = None          # less than one repeat is left
                    continue
                seen[key] = (i, end)
            a, end = self._replay_channel(kinds[i % period], a, end, writes, last_write, wait)
            i, wait = i + 1, 0
        # 2. Nothing left to disturb the fetcher: a channel's cycles depend on its kind and
        # the lead alone.
        if i < last:
            cycles, lead = _repeat(i, last, period, a - end, lambda c, lead:
                                   self._channel(kinds[c % period], lead))
            a, end = end + cycles + lead, end + cycles
        # 3. The last channel: the tile's last tap waits until the previous drain is idle.
        a, end = self._replay_channel(kinds[last % period], a, end, writes, last_write, wait)
        end = max(end, drain_idle)
        older = tuple(sorted(w - end for w in writes if w >= a)) if a <= last_write else ()
        return end, a - end, older

    def _tile_row(self, channels, k0, ty, boundary):
        """The tiles of output row(s) ``ty`` of one block: (cycles, boundary after)."""
        t = 0
        for oxb in range(self.col_blocks):
            row = self._rows(ty, oxb)
            key = (row, channels, boundary)
            found = self.tiles.get(key)
            if found is None:
                found = self.tiles[key] = self._tile(row, channels, boundary)
            cycles, lead, older = found
            t += cycles
            boundary = (lead, self._drain(k0, ty, oxb), older, False)
        return t, boundary

    def _block(self, channels, k0, boundary):
        """The tiles of the block of output channels from ``k0``: (cycles from the boundary's
        T to the block's last tap, the boundary after it)."""
        def row(ty, b):
            return self._tile_row(channels, k0, ty, b)

        t = 0
        for ty in range(self.inner_first):          # rows reaching into the top padding
            cycles, boundary = row(ty, boundary)
            t += cycles
        cycles, boundary = _repeat(self.inner_first, self.inner_stop, self.row_period,
                                   boundary, row)
        t += cycles
        for ty in range(self.inner_stop, self.tile_rows):   # bottom padding, odd last row
            cycles, boundary = row(ty, boundary)
            t += cycles
        return t, boundary

    def busy_cycles(self) -> int:
        f, pb = self.f, self.pb
        # the layer starts like a block: T = 0 is the check cycle, the fetcher starts the cycle
        # after it, the sequencer reads parameters first, no drain yet
        self._add_drain((), 1)
        t, boundary = 0, (1, 0, (), True)
        for kb in range(self.blocks):
            k0 = kb * self.rows
            outputs = min(self.rows, f["out_k"] - k0)
            # a block's input channels: all of them, or its own if depthwise; as the offsets of
            # the first `channel_period` (they repeat after that) and the count
            first, count = (k0, outputs) if f["op"] == Op.DEPTHWISE else (0, f["in_c"])
            channels = (tuple((first + c) * f["in_cs"] % pb
                              for c in range(min(count, self.channel_period))), count)
            # blocks differ only in their channels and where their outputs start
            key = (channels, k0 * f["out_cs"] % pb, outputs, boundary)
            found = self.block_results.get(key)
            if found is None:
                found = self.block_results[key] = self._block(channels, k0, boundary)
            cycles, (lead, drain, older, _) = found
            t += cycles
            boundary = (lead, drain, older, True)
        # busy counts cycles 0 .. t (the last tap), two more until the last drain has the
        # accumulators (shadow bank), DRAIN_STEP per drain step, and the cycle that sees the
        # core idle with the last write's response back: one more if that step wrote twice
        steps = self.drains[boundary[1]][0]
        return (t + 1) + 2 + DRAIN_STEP * len(steps) + 1 + steps[-1]


def _period(step: int, modulus: int) -> int:
    """How many steps of ``step`` bytes until an offset modulo ``modulus`` repeats."""
    return modulus // gcd(step % modulus, modulus)


def _repeat(first, stop, period, state, step):
    """Run units ``first .. stop - 1``, ``step(i, state) -> (cycles, state after)``, where unit
    ``i`` behaves like unit ``i - period``: once a unit starts in the state a unit a whole
    number of periods before it started in, the units in between repeat from there on, so
    as many whole repeats as fit are added at once. Returns (cycles, state after)."""
    cycles, seen, i = 0, {}, first
    while i < stop:
        key = (i % period, state)
        if seen is not None and key in seen:
            j, cycles_j = seen[key]
            repeats = (stop - i) // (i - j)
            i, cycles = i + repeats * (i - j), cycles + repeats * (cycles - cycles_j)
            seen = None          # less than one repeat is left
            continue
        if seen is not None:
            seen[key] = (i, cycles)
        unit_cycles, state = step(i, state)
        cycles, i = cycles + unit_cycles, i + 1
    return cycles, state


def _period_of(items, whole: int) -> int:
    """The smallest divisor p of ``whole`` with ``items[i] == items[i % p]`` for every i:
    ``items`` are known to repeat every ``whole``, maybe sooner."""
    return next(p for p in range(1, whole + 1) if whole % p == 0
                and all(x == items[i % p] for i, x in enumerate(items) if i >= p))


def _fetch(words, t, writes):
    """Fetch one segment from cycle ``t`` while the drain owns the port in ``writes``: (cycle
    its buffer is full, cycle the fetcher is free for the next segment)."""
    read = False
    for n in words:
        if n:                      # one request a cycle per port word; a drain write goes first
            for _ in range(n):
                while t in writes:
                    t += 1
                t += 1
            read = True
        else:                      # padding: no request; the buffer is complete this cycle,
            t += 1 + read          # or the next if this slot's previous read is in flight
            read = False
    return (t + 1 if read else t), t    # a read's response comes, then the buffer's flag
