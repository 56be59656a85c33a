"""The one source of truth: a frozen :class:`SocConfig` loaded from a named TOML file.

The Amaranth generators, the firmware's C header and linker script, the compiler's cost model and
the board files all read the same object, so no address or size is written twice by hand.
Named configs live in ``boards/configs/NAME.toml``; a path to any TOML file works too.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .accelerators import AcceleratorSlot, PluginError, hdl_paths, plugins
from .regmap import PERIPHERALS, Peripheral

__all__ = ["ConfigError", "MemoryRegion", "SocConfig", "config_names", "load_config"]


class ConfigError(ValueError):
    """A config file is missing, malformed or inconsistent. The message is one line."""


#: Names a slot cannot take: the other pages and memories, and the simulation build's clock
#: domains (a slot's name is its unit's domain there).
RESERVED_NAMES = frozenset({
    *(p.name for p in PERIPHERALS), "main_memory", "l1", "l2", "l3", "peripherals",
    "sync", "mem", "core", "neg", "cpu", "host", "bus", "conflicts"})


def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


@dataclass(frozen=True)
class MemoryRegion:
    """An address window ``[base, base + size)`` on the system bus."""

    name: str
    base: int
    size: int
    banks: int = 1

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, addr: int, length: int = 1) -> bool:
        return self.base <= addr and addr + length <= self.end

    def _check(self, where: str):
        if not isinstance(self.base, int) or self.base < 0 or self.base >= 1 << 32:
            raise ConfigError(f"{where}.base must be a 32-bit address, not {self.base!r}")
        if not isinstance(self.size, int) or not _is_pow2(self.size) or self.size < 1024:
            raise ConfigError(f"{where}.size must be a power of two of at least 1024 bytes, "
                              f"not {self.size!r}")
        if self.base % self.size:
            raise ConfigError(f"{where}.base must be aligned to its size {self.size:#x}, "
                              f"not {self.base:#x}")
        if self.end > 1 << 32:
            raise ConfigError(f"{where} ends past the 32-bit address space")
        if not isinstance(self.banks, int) or not _is_pow2(self.banks) or self.banks > 64:
            raise ConfigError(f"{where}.banks must be a power of two up to 64, not {self.banks!r}")
        if self.size // self.banks < 1024:
            raise ConfigError(f"{where}: each of {self.banks} banks must hold at least 1024 bytes")


@dataclass(frozen=True)
class CpuConfig:
    reset_vector: int


@dataclass(frozen=True)
class PeripheralConfig:
    base: int
    page: int


@dataclass(frozen=True)
class DmaConfig:
    """The DMA engine: ``channels`` independent channels, each a queue of ``queue_depth``
    descriptors. ``sink_base``: where the units' DMA windows start (`SocConfig.dma_sinks`);
    they are on the DMA's address map only, not on the core's bus."""

    channels: int
    queue_depth: int
    sink_base: int = 0x3000_0000


@dataclass(frozen=True)
class FpgaConfig:
    part: str
    bram36: int
    dsp: int
    lut: int
    ff: int


@dataclass(frozen=True)
class SocConfig:
    """Everything that sizes and places the blocks of one SoC.

    Attributes
    ----------
    name : str
        The config's name (its file stem for named configs).
    main_memory, l2, l1 : MemoryRegion
        Host memory (instructions and data), the banked L2 and the accelerators' banked L1.
    l3 : MemoryRegion
        The external memory window (DDR on a board) the DMA reaches over its AXI4 master;
        not on the host core's bus.
    dma : DmaConfig
        Channels and queue depth of the DMA.
    peripherals : PeripheralConfig
        Base address of the peripheral pages; page ``i`` holds peripheral ``i``: the timer,
        the console, the finisher and the DMA (:mod:`hetsoc.spec.regmap`), then the
        accelerators in the order the config lists them.
    accelerators : tuple of AcceleratorSlot
        The ``[[accelerator]]`` tables: kind, name, parameters, register page.
    """

    name: str
    description: str
    clock_mhz: float
    cpu: CpuConfig
    main_memory: MemoryRegion
    l2: MemoryRegion
    l1: MemoryRegion
    peripherals: PeripheralConfig
    l3: MemoryRegion
    dma: DmaConfig
    accelerators: tuple[AcceleratorSlot, ...] = ()
    fpga: FpgaConfig | None = None

    def fingerprint(self) -> str:
        """Everything the config sets, as text that is the same in every process (for cache
        keys): unlike ``repr``, which shows each slot's spec with the addresses of its
        functions in this process, a slot is its kind, name, page, parameters and plug-in
        references."""
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "accelerators":
                value = tuple((s.kind, s.name, s.index, repr(s.params), repr(s.plugin))
                              for s in value)
            parts.append(f"{f.name}={value!r}")
        return "; ".join(parts)

    @property
    def memories(self) -> tuple[MemoryRegion, ...]:
        return (self.main_memory, self.l2, self.l1)

    def peripheral_base(self, index: int) -> int:
        return self.peripherals.base + index * self.peripherals.page

    @property
    def peripheral_window(self) -> MemoryRegion:
        """The peripheral pages' window: one page per fixed peripheral and per accelerator."""
        p = self.peripherals
        return MemoryRegion("peripherals", p.base, p.page * len(self.pages))

    @property
    def pages(self) -> tuple[Peripheral, ...]:
        """Every register page in page order: the fixed peripherals, then the accelerators."""
        return (*PERIPHERALS, *(slot.page for slot in self.accelerators))

    def accelerator(self, name: str) -> AcceleratorSlot:
        for slot in self.accelerators:
            if slot.name == name:
                return slot
        raise ConfigError(f"config {self.name!r} has no accelerator named {name!r} "
                          f"(it has: {', '.join(s.name for s in self.accelerators) or 'none'})")

    def units(self, kind: str) -> tuple[AcceleratorSlot, ...]:
        """The slots of one kind, in config order."""
        return tuple(slot for slot in self.accelerators if slot.kind == kind)

    def has(self, kind: str) -> bool:
        return bool(self.units(kind))

    def hdl_sources(self) -> list[Path]:
        """The Verilog/SystemVerilog files the config's plug-ins add to the SoC's
        (`Plugin.hdl`), each once: every build of the config compiles them."""
        return hdl_paths(slot.plugin for slot in self.accelerators)

    def _first(self, kind: str):
        units = self.units(kind)
        if not units:
            raise ConfigError(f"config {self.name!r} has no {kind} accelerator: add an "
                              f"[[accelerator]] table with kind = {kind!r}")
        return units[0].params

    @property
    def npu(self):
        """Parameters of the first NPU (the one the compiler targets)."""
        return self._first("npu")

    @property
    def cim(self):
        """Parameters of the first CIM."""
        return self._first("cim")

    @property
    def dma_memories(self) -> tuple[MemoryRegion, ...]:
        """What a DMA descriptor may read and write: L1, L2 and L3."""
        return (self.l1, self.l2, self.l3)

    @property
    def dma_sinks(self) -> tuple[tuple[AcceleratorSlot, MemoryRegion], ...]:
        """The units' DMA windows, write-only DMA destinations (`AcceleratorSpec.dma_sink`):
        each slot that has one, in config order, gets a region named ``<slot>_dma`` of its
        bytes rounded up to a power of two (at least 1 KiB), aligned to its size, placed from
        ``dma.sink_base`` on."""
        sinks, cursor = [], self.dma.sink_base
        for slot in self.accelerators:
            size = slot.dma_sink_bytes
            if not size:
                continue
            size = max(1024, 1 << (size - 1).bit_length())
            cursor = -(-cursor // size) * size
            sinks.append((slot, MemoryRegion(f"{slot.name}_dma", cursor, size)))
            cursor += size
        return tuple(sinks)

    def dma_sink(self, name: str) -> MemoryRegion | None:
        """The DMA window of the unit in slot ``name``, or None."""
        return next((r for slot, r in self.dma_sinks if slot.name == name), None)

    def validate(self):
        for region in (*self.memories, self.l3):
            region._check(region.name)
        if self.l3.banks != 1:
            raise ConfigError(f"l3.banks must be 1 (one AXI port), not {self.l3.banks!r}")
        for field, value, top in (("dma.channels", self.dma.channels, 4),
                                  ("dma.queue_depth", self.dma.queue_depth, 16)):
            if not isinstance(value, int) or not 1 <= value <= top:
                raise ConfigError(f"{field} must be an integer in [1, {top}], not {value!r}")
        if self.cpu.reset_vector % 4:
            raise ConfigError(f"cpu.reset_vector must be 4-byte aligned, "
                              f"not {self.cpu.reset_vector:#x}")
        if not self.main_memory.contains(self.cpu.reset_vector, 4):
            mm = self.main_memory
            raise ConfigError(f"cpu.reset_vector {self.cpu.reset_vector:#x} must lie in "
                              f"main_memory [{mm.base:#x}, {mm.end:#x})")
        p = self.peripherals
        if not _is_pow2(p.page) or p.page < 256 or p.base % p.page:
            raise ConfigError(f"peripherals.page must be a power of two >= 256 dividing base, "
                              f"not page={p.page:#x} base={p.base:#x}")
        base = self.dma.sink_base
        if not isinstance(base, int) or isinstance(base, bool) or not 0 <= base < 1 << 32 \
                or base % 1024:
            shown = f"{base:#x}" if isinstance(base, int) and not isinstance(base, bool) \
                else repr(base)
            raise ConfigError(f"dma.sink_base must be a 1 KiB-aligned 32-bit address, "
                              f"not {shown}")
        sinks = [region for _, region in self.dma_sinks]
        if sinks and sinks[-1].end > 1 << 32:
            raise ConfigError(f"the units' DMA windows from dma.sink_base {base:#x} end past "
                              f"the 32-bit address space; lower dma.sink_base")
        regions = [*self.memories, self.l3, self.peripheral_window, *sinks]
        for i, a in enumerate(regions):
            for b in regions[i + 1:]:
                if a.base < b.end and b.base < a.end:
                    raise ConfigError(f"{a.name} [{a.base:#x}, {a.end:#x}) overlaps "
                                      f"{b.name} [{b.base:#x}, {b.end:#x})")
        for slot in self.accelerators:
            bits, banks = slot.l1_port_bits, self.l1.banks
            if bits > 32 * banks:
                raise ConfigError(f"accelerator {slot.name!r}: its L1 port of {bits} bits is "
                                  f"wider than l1's {banks} banks of 32 bits allow; give l1 "
                                  f"more banks or the unit a narrower port")
        if self.clock_mhz <= 0:
            raise ConfigError(f"clock_mhz must be positive, not {self.clock_mhz!r}")
        return self


_SECTIONS = {
    "cpu": CpuConfig, "peripherals": PeripheralConfig, "fpga": FpgaConfig, "dma": DmaConfig,
}
_MEMORIES = ("main_memory", "l2", "l1", "l3")


def _build(cls, section: str, raw, source: str):
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [{section}] must be a table, not {raw!r}")
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise ConfigError(f"{source}: unknown key {section}.{unknown[0]} "
                          f"(known: {', '.join(sorted(fields))})")
    missing = sorted(fields - set(raw) - {"name", "banks", "sink_base"})
    if missing:
        raise ConfigError(f"{source}: missing key {section}.{missing[0]}")
    return cls(**raw)


def _slots(raw, source: str) -> tuple[AcceleratorSlot, ...]:
    """The ``[[accelerator]]`` tables as slots, pages after the fixed peripherals."""
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(f"{source}: accelerator must be an array of tables "
                          f"([[accelerator]]), not {raw!r}")
    try:
        known = plugins()
    except PluginError as e:
        raise ConfigError(f"{source}: {e}") from None
    slots, names = [], set()
    for i, table in enumerate(raw):
        where = f"accelerator #{i + 1}"
        kind = table.get("kind")
        if kind is None:
            raise ConfigError(f"{source}: {where}: missing key 'kind' (one of "
                              f"{', '.join(sorted(known))})")
        if kind not in known:
            raise ConfigError(f"{source}: {where}: unknown accelerator kind {kind!r}: choose one "
                              f"of {', '.join(sorted(known))}, or install the plug-in that "
                              f"registers it (entry-point group hetsoc.accelerators)")
        name = table.get("name", kind)
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,15}", name):
            raise ConfigError(f"{source}: {where}: name must be a lower-case identifier of at "
                              f"most 16 characters, not {name!r}")
        where = f"accelerator {name!r}"
        if name in names:
            raise ConfigError(f"{source}: {where}: duplicate name (give each [[accelerator]] "
                              f"its own name)")
        if name in RESERVED_NAMES:
            raise ConfigError(f"{source}: {where}: the name is taken by another part of the "
                              f"SoC; choose another")
        if name != kind and name in known:
            raise ConfigError(f"{source}: {where}: the name is that of accelerator kind "
                              f"{name!r} (the C header's HETSOC_{name.upper()}_* are that "
                              f"kind's); choose another")
        names.add(name)
        plugin = known[kind]
        try:
            spec = plugin.load_spec()
        except PluginError as e:
            raise ConfigError(f"{source}: {where}: {e}") from None
        values = {k: v for k, v in table.items() if k not in ("kind", "name")}
        fields = {f.name: f for f in dataclasses.fields(spec.params)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ConfigError(f"{source}: {where}: unknown parameter {unknown[0]!r} of kind "
                              f"{kind!r} (known: {', '.join(fields)})")
        required = [n for n, f in fields.items() if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING]
        missing = [n for n in required if n not in values]
        if missing:
            raise ConfigError(f"{source}: {where}: missing parameter {missing[0]!r} of kind "
                              f"{kind!r}")
        params = spec.params(**values)
        problem = spec.check(params)
        if problem:
            raise ConfigError(f"{source}: {where}: {problem}")
        bits = spec.l1_port_bits(params)
        if not isinstance(bits, int) or bits < 64 or bits & (bits - 1):
            raise ConfigError(f"{source}: {where}: its L1 port width must be a power of two "
                              f"of at least 64 bits, not {bits!r} (a bug in plug-in {kind!r})")
        slots.append(AcceleratorSlot(kind, name, len(PERIPHERALS) + i, params, spec, plugin))
    return tuple(slots)


def config_names() -> list[str]:
    """Names of the configs shipped in ``boards/configs``."""
    folder = resources.files("hetsoc.boards") / "configs"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _config_text(name_or_path: str | Path) -> tuple[str, str]:
    text_path = Path(name_or_path)
    if text_path.suffix == ".toml" or text_path.parent != Path("."):
        if not text_path.is_file():
            raise ConfigError(f"config file {str(text_path)!r} does not exist")
        return text_path.read_text(), str(text_path)
    names = config_names()
    if str(name_or_path) not in names:
        raise ConfigError(f"unknown config {str(name_or_path)!r}: choose one of "
                          f"{', '.join(names)} or give a path to a .toml file")
    res = resources.files("hetsoc.boards") / "configs" / f"{name_or_path}.toml"
    return res.read_text(), f"{name_or_path}.toml"


def load_config(name_or_path: str | Path = "default") -> SocConfig:
    """Load and validate a config by name (``default``, ``pynq-z2``) or by path.

    Raises
    ------
    ConfigError
        With a one-line message naming the file, the key and what is expected.
    """
    text, source = _config_text(name_or_path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    known = {"name", "description", "clock_mhz", "accelerator", *_SECTIONS, *_MEMORIES}
    unknown = sorted(set(raw) - known)
    for section in ("npu", "cim"):
        if section in unknown:
            raise ConfigError(f"{source}: [{section}] is now an [[accelerator]] table with "
                              f"kind = {section!r} (see boards/configs/default.toml)")
    if unknown:
        raise ConfigError(f"{source}: unknown key {unknown[0]!r} "
                          f"(known: {', '.join(sorted(known))})")
    for key in ("name", "cpu", "peripherals", "dma", *_MEMORIES):
        if key not in raw:
            raise ConfigError(f"{source}: missing [{key}]" if key != "name"
                              else f"{source}: missing key 'name'")
    kwargs = {
        "name": raw["name"],
        "description": raw.get("description", ""),
        "clock_mhz": raw.get("clock_mhz", 100),
    }
    for section, cls in _SECTIONS.items():
        if section in raw:
            kwargs[section] = _build(cls, section, raw[section], source)
    for section in _MEMORIES:
        kwargs[section] = _build(MemoryRegion, section, {**raw[section], "name": section}, source)
    kwargs["accelerators"] = _slots(raw.get("accelerator", []), source)
    try:
        config = SocConfig(**kwargs)
        return config.validate()
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}") from None
    except TypeError as e:
        raise ConfigError(f"{source}: {e}") from None
