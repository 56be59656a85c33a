"""The one source of truth: a frozen :class:`SocConfig` loaded from a named TOML file.

The Amaranth generators, the firmware's C header and linker script, the compiler's cost model and
the board files all read the same object, so no address or size is written twice by hand.
Named configs live in ``boards/configs/NAME.toml``; a path to any TOML file works too.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["ConfigError", "MemoryRegion", "SocConfig", "config_names", "load_config"]


class ConfigError(ValueError):
    """A config file is missing, malformed or inconsistent. The message is one line."""


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
class NpuConfig:
    rows: int
    cols: int
    weight_memory: int


@dataclass(frozen=True)
class CimConfig:
    rows: int
    cols: int


@dataclass(frozen=True)
class DmaConfig:
    """The DMA engine: ``channels`` independent channels, each a queue of ``queue_depth``
    descriptors."""

    channels: int
    queue_depth: int


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
        Base address of the peripheral pages; page ``i`` holds peripheral ``i`` (see
        :mod:`hetsoc.hw.periph.regmap`).
    """

    name: str
    description: str
    clock_mhz: float
    cpu: CpuConfig
    main_memory: MemoryRegion
    l2: MemoryRegion
    l1: MemoryRegion
    peripherals: PeripheralConfig
    npu: NpuConfig
    cim: CimConfig
    l3: MemoryRegion
    dma: DmaConfig
    fpga: FpgaConfig | None = None

    @property
    def memories(self) -> tuple[MemoryRegion, ...]:
        return (self.main_memory, self.l2, self.l1)

    def peripheral_base(self, index: int) -> int:
        return self.peripherals.base + index * self.peripherals.page

    @property
    def dma_memories(self) -> tuple[MemoryRegion, ...]:
        """What a DMA descriptor may read and write: L1, L2 and L3."""
        return (self.l1, self.l2, self.l3)

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
        from .hw.periph.regmap import PERIPHERALS  # late: the register maps live with the gateware

        periph = MemoryRegion("peripherals", p.base, max(1024, p.page * len(PERIPHERALS)))
        regions = [*self.memories, self.l3, periph]
        for i, a in enumerate(regions):
            for b in regions[i + 1:]:
                if a.base < b.end and b.base < a.end:
                    raise ConfigError(f"{a.name} [{a.base:#x}, {a.end:#x}) overlaps "
                                      f"{b.name} [{b.base:#x}, {b.end:#x})")
        for field, value in (("npu.rows", self.npu.rows), ("npu.cols", self.npu.cols),
                             ("cim.rows", self.cim.rows), ("cim.cols", self.cim.cols)):
            if not isinstance(value, int) or value <= 0:
                raise ConfigError(f"{field} must be a positive integer, not {value!r}")
        if not _is_pow2(self.npu.weight_memory):
            raise ConfigError(f"npu.weight_memory must be a power of two, "
                              f"not {self.npu.weight_memory!r}")
        if self.clock_mhz <= 0:
            raise ConfigError(f"clock_mhz must be positive, not {self.clock_mhz!r}")
        return self


_SECTIONS = {
    "cpu": CpuConfig, "peripherals": PeripheralConfig, "npu": NpuConfig, "cim": CimConfig,
    "fpga": FpgaConfig, "dma": DmaConfig,
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
    missing = sorted(fields - set(raw) - {"name", "banks"})
    if missing:
        raise ConfigError(f"{source}: missing key {section}.{missing[0]}")
    return cls(**raw)


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
    known = {"name", "description", "clock_mhz", *_SECTIONS, *_MEMORIES}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key {unknown[0]!r} "
                          f"(known: {', '.join(sorted(known))})")
    for key in ("name", "cpu", "peripherals", "npu", "cim", "dma", *_MEMORIES):
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
    try:
        config = SocConfig(**kwargs)
        return config.validate()
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}") from None
    except TypeError as e:
        raise ConfigError(f"{source}: {e}") from None
