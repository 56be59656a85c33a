"""The firmware's view of a :class:`~hetsoc.spec.config.SocConfig`: C header, linker script,
address map.

Every number here comes from the config object or from the register tables in
:mod:`hetsoc.spec.regmap`, so the gateware and the firmware cannot disagree on an address.
The header is usable from C and from assembly (``.S`` files run through the preprocessor):
constants carry their ``u`` suffix only outside ``__ASSEMBLER__``.
"""

from __future__ import annotations

import dataclasses
import enum
import re

from amaranth.lib import data

from .spec import dma, page
from .spec.config import SocConfig
from .spec.dma import DESCRIPTOR_WORDS, DmaStatus
from .spec.regmap import DMA_CH_STRIDE

__all__ = [
    "DEFAULT_STACK_SIZE",
    "HEADER_NAME",
    "LINKER_SCRIPT_NAME",
    "address_map",
    "address_map_markdown",
    "generate_header",
    "generate_linker_script",
]

HEADER_NAME = "hetsoc_soc.h"
LINKER_SCRIPT_NAME = "hetsoc.ld"
DEFAULT_STACK_SIZE = 0x1000

_PREFIX = "HETSOC"


def _macro(*parts: str) -> str:
    """Join name parts into an upper-case C identifier (``pynq-z2`` -> ``PYNQ_Z2``)."""
    name = "_".join((_PREFIX, *parts)).upper()
    return re.sub(r"[^A-Z0-9_]", "_", name)


def _define(name: str, value: int, comment: str = "", *, kind: str = "addr") -> str:
    # Addresses in hex (they are compared with dumps and disassembly), counts in decimal.
    text = {"addr": f"0x{value:08X}", "offset": f"0x{value:02X}", "count": f"{value}"}[kind]
    text = f"HETSOC_U({text})"
    line = f"#define {name:<36} {text}"
    return f"{line}  /* {comment} */" if comment else line


def _enum_defines(prefix: str, codes: type[enum.IntEnum], comment: str) -> list[str]:
    """``#define HETSOC_<PREFIX>_<MEMBER> value`` for every member of an IntEnum."""
    return [_define(_macro(prefix, c.name), c.value, comment, kind="count") for c in codes]


def _layout_defines(prefix: str, layout: data.StructLayout, what: str) -> list[str]:
    """``_SHIFT`` and ``_MASK`` (in place) of every field of a register's layout (reserved
    fields, ``_``-prefixed, have none)."""
    out = []
    for name, field in layout:
        if name.startswith("_"):
            continue
        mask = ((1 << field.width) - 1) << field.offset
        out.append(_define(_macro(prefix, name, "SHIFT"), field.offset, what, kind="count"))
        out.append(_define(_macro(prefix, name, "MASK"), mask, kind="addr"))
    return out


def _struct_offsets(prefix: str, layout, what: str) -> list[str]:
    """Byte offset and size of every field of a layout a C struct mirrors (``_OFFSET``,
    ``_BYTES``): the driver's ``_Static_assert``s tie its struct to the Python layout."""
    out = []
    for name, field in data.Layout.cast(layout):
        if field.offset % 8 or field.width % 8:
            raise ValueError(f"{prefix}.{name} is not byte-aligned: no C struct can mirror it")
        out.append(_define(_macro(prefix, name, "OFFSET"), field.offset // 8, what, kind="count"))
        out.append(_define(_macro(prefix, name, "BYTES"), field.width // 8, kind="count"))
    return out


def _protocol_defines() -> list[str]:
    """The accelerator register-page protocol (hetsoc.spec.page): offsets and fields."""
    out = ["", "/* Accelerator register-page protocol (hetsoc.spec.page, sw/drivers/acc.h): every "
           "unit's page */"]
    for reg in page.protocol_registers(1, "the unit's"):
        out.append(_define(_macro("ACC", reg.name), reg.offset, f"{reg.access}: {reg.doc}",
                           kind="offset"))
    out.append(_define("HETSOC_ACC_DESC_MAX_WORDS", page.DESC_MAX_WORDS, kind="count"))
    out.append(_define("HETSOC_ACC_UNIT_BASE", page.UNIT_BASE, "a unit's own registers",
                       kind="offset"))
    for reg, layout in (("CTRL", page.CTRL), ("STATUS", page.STATUS), ("IRQ", page.IRQ),
                        ("INFO", page.INFO)):
        out += _layout_defines(f"ACC_{reg}", layout, f"{reg} field")
    return out


def _kind_defines(config: SocConfig) -> list[str]:
    """What a kind's driver needs, whatever its units are named: descriptor words, register
    offsets, its registers' fields and its codes (from its `AcceleratorSpec`)."""
    out = []
    done = set()
    for slot in config.accelerators:
        spec = slot.spec
        if spec.kind in done:
            continue
        done.add(spec.kind)
        out += ["", f"/* kind {spec.kind}: {spec.doc} (offsets within a unit's page) */",
                _define(_macro(spec.kind, "DESC_WORDS"), spec.desc_words, kind="count")]
        for reg in slot.page.registers:
            out.append(_define(_macro(spec.kind, reg.name), reg.offset,
                               f"{reg.access}: {reg.doc}", kind="offset"))
        for reg, layout in spec.fields.items():
            out += _layout_defines(f"{spec.kind}_{reg}", layout, f"{reg} field")
        for name, codes in spec.enums.items():
            out += _enum_defines(f"{spec.kind}_{name}", codes, codes.__name__)
        if spec.descriptor is not None:
            out += _descriptor_defines(spec.kind, spec.descriptor)
    return out


def _descriptor_defines(kind: str, layout: data.StructLayout) -> list[str]:
    """``_WORD``, ``_SHIFT`` and ``_MASK`` (within the word) of each descriptor field that lies
    in one 32-bit word, for firmware that builds descriptors itself."""
    out = []
    for name, field in layout:
        word, shift = divmod(field.offset, 32)
        if name.startswith("_") or shift + field.width > 32:
            continue
        out.append(_define(_macro(kind, "DESC", name, "WORD"), word, "descriptor field",
                           kind="count"))
        out.append(_define(_macro(kind, "DESC", name, "SHIFT"), shift, kind="count"))
        out.append(_define(_macro(kind, "DESC", name, "MASK"),
                           ((1 << field.width) - 1) << shift, kind="addr"))
    return out


def _clock_hz(config: SocConfig) -> int:
    return round(config.clock_mhz * 1_000_000)


def generate_header(config: SocConfig) -> str:
    """Render ``hetsoc_soc.h`` for one config.

    Parameters
    ----------
    config : SocConfig
        The SoC whose addresses the firmware is built for.

    Returns
    -------
    str
        A self-contained C header: config name and clock, base/size/banks of every memory
        region, base and register offsets of every peripheral, and MMIO accessor macros.
    """
    guard = "HETSOC_SOC_H"
    out = [
        f"/* {HEADER_NAME}: generated by hetsoc.cheader from config {config.name!r}."
        " Do not edit. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#ifdef __ASSEMBLER__",
        "#define HETSOC_U(x) x",
        "#else",
        "#define HETSOC_U(x) x##u",
        "#endif",
        "",
        f"#define {'HETSOC_CONFIG_NAME':<36} \"{config.name}\"",
        _define("HETSOC_CLOCK_HZ", _clock_hz(config), kind="count"),
        _define("HETSOC_RESET_VECTOR", config.cpu.reset_vector),
        "",
        "/* Memory regions */",
    ]
    for region in (*config.memories, config.l3):
        out.append(_define(_macro(region.name, "BASE"), region.base))
        out.append(_define(_macro(region.name, "SIZE"), region.size))
        out.append(_define(_macro(region.name, "END"), region.end))
        out.append(_define(_macro(region.name, "BANKS"), region.banks, kind="count"))
    out += ["", "/* Accelerators: one per [[accelerator]] table; HETSOC_HAS_<NAME> for each */"]
    for slot in config.accelerators:
        out += [f"#define {_macro('HAS', slot.name):<36} 1  /* kind {slot.kind} */"]
        out += [_define(_macro(slot.name, f.name), getattr(slot.params, f.name),
                        kind="addr" if f.name.endswith("memory") else "count")
                for f in dataclasses.fields(slot.params)]
        out += [_define(_macro(slot.name, "L1_PORT_BITS"), slot.l1_port_bits, kind="count")]
        window = config.dma_sink(slot.name)
        if window is not None:   # a DMA destination, on the DMA's address map only
            out += [_define(_macro(slot.name, "DMA_BASE"), window.base, "its DMA window"),
                    _define(_macro(slot.name, "DMA_SIZE"), window.size),
                    _define(_macro(slot.name, "DMA_BYTES"), slot.dma_sink_bytes,
                            "bytes the window maps")]
    out += [
        "",
        "/* Peripherals: page i of the window holds peripheral i */",
        _define("HETSOC_PERIPH_BASE", config.peripherals.base),
        _define("HETSOC_PERIPH_PAGE", config.peripherals.page),
    ]
    kinds = {slot.name for slot in config.accelerators if slot.name == slot.kind}
    for periph in config.pages:
        out += ["", f"/* {periph.name}: {periph.doc} */",
                _define(_macro(periph.name, "BASE"), config.peripheral_base(periph.index))]
        if periph.name in kinds:
            continue  # its offsets are its kind's, below
        for reg in periph.registers:
            out.append(_define(_macro(periph.name, reg.name), reg.offset,
                               f"{reg.access}: {reg.doc}", kind="offset"))
    out += [
        "",
        "",
        "/* DMA: channel c's registers at HETSOC_DMA_BASE + c * HETSOC_DMA_CH_STRIDE + CH_* */",
        _define("HETSOC_DMA_CH_STRIDE", DMA_CH_STRIDE, kind="offset"),
        _define("HETSOC_DMA_CHANNEL_COUNT", config.dma.channels, kind="count"),
        _define("HETSOC_DMA_QUEUE_DEPTH", config.dma.queue_depth, kind="count"),
        _define("HETSOC_DMA_DESC_WORDS", DESCRIPTOR_WORDS, kind="count"),
        *(_define(_macro("DMA_STATUS", s.name), s.value, "completion status", kind="count")
          for s in DmaStatus),
        *_layout_defines("DMA_CH_STATUS", dma.CH_STATUS, "CH_STATUS field"),
        *_layout_defines("DMA_CH_CPL", dma.CH_CPL, "CH_CPL field"),
        *_layout_defines("DMA_CH_IRQ", dma.CH_IRQ, "CH_IRQ field"),
        *_struct_offsets("DMA_DESC", dma.Descriptor, "dma_desc_t"),
        "",
        *_protocol_defines(),
        *_kind_defines(config),
        "",
        "#ifndef __ASSEMBLER__",
        "#include <stdint.h>",
        "/* MMIO accessors: volatile so the compiler neither merges nor drops device accesses. */",
        "#define HETSOC_MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))",
        "#define HETSOC_MMIO8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))",
        "/* HETSOC_REG(CONSOLE, TX) is the lvalue of the console's TX register. */",
        "#define HETSOC_REG(periph, reg) \\",
        "    HETSOC_MMIO32(HETSOC_##periph##_BASE + HETSOC_##periph##_##reg)",
        "static inline uint32_t hetsoc_read32(uintptr_t addr) { return HETSOC_MMIO32(addr); }",
        "static inline void hetsoc_write32(uintptr_t addr, uint32_t value)",
        "{",
        "    HETSOC_MMIO32(addr) = value;",
        "}",
        "#endif /* __ASSEMBLER__ */",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(out)


def generate_linker_script(config: SocConfig, stack_size: int = DEFAULT_STACK_SIZE) -> str:
    """Render the GNU ld / lld linker script for one config.

    Parameters
    ----------
    config : SocConfig
        Places ``.text.init`` (crt0) at ``cpu.reset_vector`` and everything else after it in
        main memory; the NOLOAD ``.l2`` section goes to L2.
    stack_size : int
        Default of the ``__stack_size`` symbol; ``-Wl,--defsym=__stack_size=N`` overrides it.

    Returns
    -------
    str
        The script. Symbols: ``__global_pointer$``, ``_bss_start``, ``_bss_end``, ``_end``,
        ``_stack_bottom``, ``_stack_top`` (top of main memory), ``__stack_size``,
        ``_l2_start``, ``_l2_end``.
    """
    mm, l2 = config.main_memory, config.l2
    rv = config.cpu.reset_vector
    return f"""\
/* {LINKER_SCRIPT_NAME}: generated by hetsoc.cheader from config {config.name!r}. Do not edit. */
OUTPUT_ARCH("riscv")
ENTRY(_start)

__stack_size = DEFINED(__stack_size) ? __stack_size : {stack_size:#x};

MEMORY
{{
    main_memory (rwx) : ORIGIN = {mm.base:#010x}, LENGTH = {mm.size:#x}
    l2 (rw)           : ORIGIN = {l2.base:#010x}, LENGTH = {l2.size:#x}
}}

/* L2 buffers get a PT_NULL header: lld would otherwise emit an empty PT_LOAD for them, and
   loaders would try to place it in main memory. Only `image` is loaded. */
PHDRS
{{
    image PT_LOAD;
    l2buf PT_NULL;
}}

SECTIONS
{{
    /* crt0 first, at the reset vector, where the core starts fetching. */
    .text.init {rv:#010x} : {{ KEEP(*(.text.init)) }} > main_memory :image
    .text : {{ *(.text.unlikely .text.unlikely.*) *(.text .text.*) }} > main_memory :image
    .rodata : ALIGN(4) {{ *(.rodata .rodata.*) *(.srodata .srodata.*) }} > main_memory :image
    .data : ALIGN(4) {{
        *(.data .data.*)
        /* riscv-tests style HTIF mailbox; the harness finds it by its symbol. */
        . = ALIGN(64);
        *(.tohost .tohost.*)
    }} > main_memory :image
    .sdata : ALIGN(4) {{
        /* gp points 2 KiB into the small data so +-2 KiB offsets cover .sdata and .sbss. */
        __global_pointer$ = . + 0x800;
        *(.sdata .sdata.*)
    }} > main_memory :image
    /* .sbss before .bss: both stay within gp's reach and _bss_start.._bss_end is one range. */
    .sbss (NOLOAD) : ALIGN(4) {{
        _bss_start = .;
        *(.sbss .sbss.* .scommon)
    }} > main_memory :image
    .bss (NOLOAD) : ALIGN(4) {{
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(4);
        _bss_end = .;
    }} > main_memory :image
    . = ALIGN(16);
    _end = .;

    _stack_top = {mm.end:#010x};
    _stack_bottom = _stack_top - __stack_size;
    ASSERT(_end <= _stack_bottom, "hetsoc: program and stack do not fit in main_memory")

    /* Large buffers: __attribute__((section(".l2"))); not loaded, not zeroed by crt0. */
    .l2 (NOLOAD) : ALIGN(16) {{
        _l2_start = .;
        *(.l2 .l2.*)
        _l2_end = .;
    }} > l2 :l2buf

    /DISCARD/ : {{ *(.comment) *(.note .note.*) *(.eh_frame .eh_frame_hdr) }}
}}
"""


def address_map(config: SocConfig) -> list[tuple[str, int, int]]:
    """The SoC's address map as ``(name, base, size)`` rows, sorted by base address.

    Memories come from the config (L3 and the units' DMA windows included: the DMA's, not the
    core's), peripherals from the register tables (one page each).
    """
    rows = [(region.name, region.base, region.size) for region in (*config.memories, config.l3)]
    rows += [(region.name, region.base, region.size) for _, region in config.dma_sinks]
    rows += [(p.name, config.peripheral_base(p.index), config.peripherals.page)
             for p in config.pages]
    return sorted(rows, key=lambda row: row[1])


def _human(size: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def address_map_markdown(config: SocConfig) -> str:
    """Render :func:`address_map` as a markdown table (for the docs)."""
    lines = [
        f"Address map of config `{config.name}`:",
        "",
        "| region | base | end (exclusive) | size |",
        "|---|---|---|---|",
    ]
    for name, base, size in address_map(config):
        lines.append(f"| {name} | `0x{base:08x}` | `0x{base + size:08x}` | {_human(size)} |")
    return "\n".join(lines) + "\n"
