"""Accelerator kinds, plug-ins and the slots of a config: what every layer knows of a unit.

A *kind* (``npu``, ``cim``, a hardware team's own) is described by an `AcceleratorSpec`: its
parameters (a frozen dataclass the ``[[accelerator]]`` table fills), its register page and the
width of its port onto L1. A *plug-in* makes a kind known: a `Plugin` record registered in the
entry-point group ``hetsoc.accelerators`` holds ``module:attr`` references, resolved only when
needed, to the spec, the gateware factory, the compiler target and the C driver sources, so
finding plug-ins imports no gateware. A *slot* is one unit of a config: a kind, a name and its
parameters, placed on a register page; `Soc`, the memory system, the C header and the docs'
address map iterate the config's slots and never name a unit.

This module imports only the standard library: it is part of ``hetsoc.spec``.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from .regmap import Peripheral, Register

__all__ = [
    "ENTRY_POINT_GROUP", "AcceleratorSpec", "AcceleratorSlot", "Plugin", "PluginError",
    "driver_paths", "hdl_paths", "load_reference", "plugins",
]

#: The entry-point group plug-ins register their `Plugin` records in.
ENTRY_POINT_GROUP = "hetsoc.accelerators"

_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class PluginError(ValueError):
    """A plug-in does not load, or what it declares is inconsistent. The message is one line."""


@dataclass(frozen=True, eq=False)   # one object per kind: equal and hashed by identity
class AcceleratorSpec:
    """What the hardware, the firmware and the compiler share about one kind of accelerator.

    Attributes
    ----------
    kind : str
        The name ``[[accelerator]]`` tables give as ``kind``.
    params : type
        A frozen dataclass: the table's other keys (``name`` and ``kind`` aside).
    registers : callable
        ``registers(params)`` gives the register page's registers (offsets within the page).
    l1_port_bits : callable
        ``l1_port_bits(params)`` gives the width of the unit's data port onto L1: a power of
        two of at least 64 bits, an aligned group of L1's 32-bit banks.
    check : callable
        ``check(params)`` returns None or a message naming the parameter and what it must be.
    doc : str
        One line for the C header and the docs.
    desc_words : int
        32-bit words of the kind's descriptor (``DESC0`` ..).
    fields : dict of str to amaranth.lib.data.StructLayout
        Bit fields of the kind's own registers, by register name: the C header gets
        ``HETSOC_<KIND>_<REG>_<FIELD>_SHIFT`` and ``_MASK`` from them.
    enums : dict of str to enum.IntEnum
        Codes the firmware needs (the error codes in STATUS), as
        ``HETSOC_<KIND>_<NAME>_<MEMBER>``.
    descriptor : amaranth.lib.data.StructLayout, optional
        The descriptor's layout (word ``k`` is bits ``32k..32k+31``), for firmware that builds
        descriptors itself: the C header gets ``HETSOC_<KIND>_DESC_<FIELD>_WORD``, ``_SHIFT``
        and ``_MASK`` (within the word) of each field that lies in one word.
    dma_sink : callable, optional
        ``dma_sink(params)`` gives the bytes of the unit's DMA window (None: it has none). A
        unit with one is a DMA destination (`SocConfig.dma_sinks` places the window): its
        gateware has a member ``dma`` (``In(hw.dma.ports.SinkSignature(log2(window)))``) that
        takes the beats DMA channels write there. What a byte of the window means is the
        kind's (the NPU's weight memory, the CIM's cells).
    """

    kind: str
    params: type
    registers: Callable
    l1_port_bits: Callable
    check: Callable
    doc: str
    desc_words: int
    fields: dict = dataclasses.field(default_factory=dict)
    enums: dict = dataclasses.field(default_factory=dict)
    descriptor: object = None
    dma_sink: Callable | None = None

    def __post_init__(self):
        if not isinstance(self.kind, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", self.kind):
            raise PluginError(f"Accelerator kind must be a lower-case identifier, "
                              f"not {self.kind!r}")
        if not (isinstance(self.params, type) and dataclasses.is_dataclass(self.params)):
            raise PluginError(f"Params of kind {self.kind!r} must be a dataclass, "
                              f"not {self.params!r}")


@dataclass(frozen=True)
class Plugin:
    """One accelerator plug-in, as its entry point declares it: lazy ``module:attr`` references.

    Attributes
    ----------
    spec : str
        The kind's `AcceleratorSpec` (a ``hetsoc.spec``-layer module: pure data).
    gateware : str
        A callable ``factory(slot, *, l1_size, gated)`` returning the unit's
        ``wiring.Component`` with members ``bus`` (its register page, ``In(BusSignature)``),
        ``l1`` (its L1 port, ``slot.l1_port_bits`` wide), ``irq`` and ``active`` (``Out(1)``).
        ``gated`` is True in the simulation build, where the unit runs on a clock of its own
        that ticks only while ``active`` or addressed.
    target : str, optional
        The compiler's target for the kind (``hetsoc.accel``), if it has one.
    drivers : tuple of str
        The C driver's sources as ``package:path`` (``.c`` files are compiled, their folder is
        on the include path).
    cases : str, optional
        ``cases(slot, rng, l1_size)``: random descriptors with what the kind's golden and
        cycle models expect (`hetsoc.testing.Case`), for the conformance kit.
    hdl : tuple of str
        Verilog (``.v``) or SystemVerilog (``.sv``) sources as ``package:path``, for gateware
        that instantiates modules of its own HDL (``amaranth.hdl.Instance``): the simulation,
        board and ``hetsoc rtl`` builds compile them with the SoC, and the conformance kit
        runs such a unit on Verilator.
    """

    spec: str
    gateware: str
    target: str | None = None
    drivers: tuple[str, ...] = ()
    cases: str | None = None
    hdl: tuple[str, ...] = ()

    def __post_init__(self):
        refs = [("spec", self.spec), ("gateware", self.gateware)]
        refs += [(f, getattr(self, f)) for f in ("target", "cases")
                 if getattr(self, f) is not None]
        for field, ref in refs:
            if not isinstance(ref, str) or not _REFERENCE.match(ref):
                raise PluginError(f"Plugin.{field} must be a 'module:attr' reference, "
                                  f"not {ref!r}")
        for field in ("drivers", "hdl"):
            files = getattr(self, field)
            if not isinstance(files, tuple) or not all(
                    isinstance(f, str) and _REFERENCE.match(f.replace("/", ".").replace("-", "_"))
                    for f in files):
                raise PluginError(f"Plugin.{field} must be a tuple of 'package:path' strings, "
                                  f"not {files!r}")
        bad = [f for f in self.hdl if not f.endswith((".v", ".sv"))]
        if bad:
            raise PluginError(f"Plugin.hdl must name .v or .sv files, not {bad[0]!r}")

    def load_spec(self) -> AcceleratorSpec:
        spec = load_reference(self.spec)
        if not isinstance(spec, AcceleratorSpec):
            raise PluginError(f"{self.spec} must be an AcceleratorSpec, not {spec!r}")
        return spec


def load_reference(ref: str):
    """Import ``module:attr.attr``; any failure becomes a one-line `PluginError`."""
    module_name, _, attrs = ref.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for attr in attrs.split("."):
            obj = getattr(obj, attr)
    except Exception as e:  # an error in a plug-in's code is the plug-in's to report
        raise PluginError(f"{ref} does not load: {type(e).__name__}: "
                          f"{str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")) from None
    return obj


def _package_files(refs: tuple[str, ...], what: str) -> list[Path]:
    paths = []
    for ref in refs:
        package, _, path = ref.partition(":")
        try:
            file = Path(str(resources.files(package).joinpath(path)))
        except ModuleNotFoundError:
            raise PluginError(f"{what} {ref}: no package {package!r}") from None
        if not file.is_file():
            raise PluginError(f"{what} {ref}: no file {path!r} in package {package!r}")
        paths.append(file)
    return paths


def driver_paths(plugin: Plugin) -> list[Path]:
    """The files of a plug-in's C driver (``Plugin.drivers``), checked to exist."""
    return _package_files(plugin.drivers, "driver")


def hdl_paths(plugins_used) -> list[Path]:
    """The HDL sources (``Plugin.hdl``) of the given plug-ins, each file once, in order,
    checked to exist; what a build of a config compiles with the SoC (pass the plug-ins of
    ``config.accelerators``)."""
    paths: list[Path] = []
    for plugin in plugins_used:
        for path in _package_files(plugin.hdl, "HDL source"):
            if path not in paths:
                paths.append(path)
    return paths


@cache
def plugins() -> dict[str, Plugin]:
    """The installed plug-ins by kind, from the entry-point group ``hetsoc.accelerators``.

    Loading an entry point imports only the module holding its `Plugin` record.

    Raises
    ------
    PluginError
        An entry point that does not load or is not a `Plugin`, or two for one kind.
    """
    found: dict[str, Plugin] = {}
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        plugin = load_reference(ep.value) if _REFERENCE.match(ep.value) else None
        if not isinstance(plugin, Plugin):
            raise PluginError(f"entry point {ep.name!r} of group {ENTRY_POINT_GROUP} "
                              f"({ep.value}) is not a hetsoc Plugin record")
        if ep.name in found and found[ep.name] != plugin:
            raise PluginError(f"two plug-ins register accelerator kind {ep.name!r} "
                              f"(uninstall one)")
        found[ep.name] = plugin
    return found


@dataclass(frozen=True)
class AcceleratorSlot:
    """One accelerator of a config: its kind, its name, its parameters and its register page.

    Attributes
    ----------
    kind, name : str
        ``name`` is the unit's in the C header (``HETSOC_<NAME>_BASE``), the gateware (its
        clock domain in the simulation build) and reports.
    index : int
        Its page of the peripheral window.
    params : dataclass
        The kind's parameters.
    spec : AcceleratorSpec
    plugin : Plugin
    """

    kind: str
    name: str
    index: int
    params: object
    spec: AcceleratorSpec
    plugin: Plugin

    @property
    def l1_port_bits(self) -> int:
        return self.spec.l1_port_bits(self.params)

    @property
    def dma_sink_bytes(self) -> int | None:
        """Bytes of the unit's DMA window (`AcceleratorSpec.dma_sink`), or None."""
        return self.spec.dma_sink(self.params) if self.spec.dma_sink else None

    @property
    def page(self) -> Peripheral:
        """The register page, named after the slot."""
        registers: tuple[Register, ...] = tuple(self.spec.registers(self.params))
        return Peripheral(self.name, self.index, registers, self.spec.doc)

    def load_gateware(self):
        """The gateware factory (imports the plug-in's gateware)."""
        return load_reference(self.plugin.gateware)

    def __reduce__(self):
        # A spec holds functions (often lambdas), which do not pickle: a slot travels to
        # another process (a worker of a sweep or of the differential bench) as its plug-in
        # reference, and the spec is imported again there.
        return (_slot_from_plugin, (self.kind, self.name, self.index, self.params, self.plugin))


def _slot_from_plugin(kind, name, index, params, plugin) -> AcceleratorSlot:
    return AcceleratorSlot(kind, name, index, params, plugin.load_spec(), plugin)
