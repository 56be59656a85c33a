"""The generated C header, linker script and address map agree with the config object."""

from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest

from hetsoc.cheader import (
    HEADER_NAME,
    address_map,
    address_map_markdown,
    generate_header,
    generate_linker_script,
)
from hetsoc.firmware import TARGET_FLAGS, compiler
from hetsoc.spec.config import config_names, load_config
from hetsoc.spec.regmap import PERIPHERALS

CONFIGS = config_names()


def _defines(header: str) -> dict[str, int | str]:
    """Every ``#define NAME HETSOC_U(value)`` / string define of the header, evaluated."""
    out: dict[str, int | str] = {}
    for name, value in re.findall(r"^#define (HETSOC_\w+)\s+HETSOC_U\((\w+)\)", header, re.M):
        out[name] = int(value, 0)
    for name, value in re.findall(r'^#define (HETSOC_\w+)\s+"([^"]*)"', header, re.M):
        out[name] = value
    return out


def _expected(config) -> dict[str, int | str]:
    """What the header must define, derived from the config and the register tables."""
    want: dict[str, int | str] = {
        "HETSOC_CONFIG_NAME": config.name,
        "HETSOC_CLOCK_HZ": round(config.clock_mhz * 1e6),
        "HETSOC_RESET_VECTOR": config.cpu.reset_vector,
        "HETSOC_PERIPH_BASE": config.peripherals.base,
        "HETSOC_PERIPH_PAGE": config.peripherals.page,
    }
    for slot in config.accelerators:
        for field in dataclasses.fields(slot.params):
            want[f"HETSOC_{slot.name.upper()}_{field.name.upper()}"] = getattr(slot.params,
                                                                             field.name)
        want[f"HETSOC_{slot.name.upper()}_L1_PORT_BITS"] = slot.l1_port_bits
    for region in (*config.memories, config.l3):
        key = f"HETSOC_{region.name.upper()}"
        want |= {f"{key}_BASE": region.base, f"{key}_SIZE": region.size,
                 f"{key}_END": region.end, f"{key}_BANKS": region.banks}
    for p in config.pages:
        want[f"HETSOC_{p.name.upper()}_BASE"] = config.peripheral_base(p.index)
        for reg in p.registers:
            want[f"HETSOC_{p.name.upper()}_{reg.name}"] = reg.offset
    return want


@pytest.mark.parametrize("name", CONFIGS)
def test_header_values_match_config(name):
    config = load_config(name)
    header = generate_header(config)
    got = _defines(header)
    for key, value in _expected(config).items():
        assert got.get(key) == value, key
    assert "#ifndef HETSOC_SOC_H" in header
    assert header.rstrip().endswith("#endif /* HETSOC_SOC_H */")
    assert "HETSOC_MMIO32" in header and "HETSOC_REG" in header


def test_header_names_examples():
    got = _defines(generate_header(load_config("default")))
    assert {"HETSOC_MAIN_MEMORY_BASE", "HETSOC_L2_BASE", "HETSOC_FINISHER_BASE",
            "HETSOC_FINISHER_EXIT", "HETSOC_CONSOLE_TX"} <= set(got)


def _cc(args, cwd):
    proc = subprocess.run([*compiler(), *TARGET_FLAGS, *args], cwd=cwd, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("name", CONFIGS)
def test_header_compiles_in_c_and_assembly(tmp_path, name):
    config = load_config(name)
    (tmp_path / HEADER_NAME).write_text(generate_header(config))
    fin = config.peripheral_base(2)  # index of the finisher in the register tables
    assert PERIPHERALS[2].name == config.pages[2].name == "finisher"
    (tmp_path / "t.c").write_text(f"""
#include "{HEADER_NAME}"
_Static_assert(HETSOC_FINISHER_BASE + HETSOC_FINISHER_EXIT == {fin:#x}u, "finisher");
_Static_assert(HETSOC_MAIN_MEMORY_SIZE == {config.main_memory.size:#x}u, "size");
void f(uint32_t code) {{ HETSOC_REG(FINISHER, EXIT) = code; }}
uint32_t g(void) {{ return hetsoc_read32(HETSOC_CONSOLE_BASE + HETSOC_CONSOLE_STATUS); }}
""")
    (tmp_path / "t.S").write_text(f"""
#include "{HEADER_NAME}"
    li t0, HETSOC_FINISHER_BASE + HETSOC_FINISHER_EXIT
    li t1, HETSOC_MAIN_MEMORY_BASE
""")
    _cc(["-ffreestanding", "-Wall", "-Wextra", "-Werror", "-c", "t.c", "-o", "t.o"], tmp_path)
    _cc(["-c", "t.S", "-o", "s.o"], tmp_path)


@pytest.mark.parametrize("name", CONFIGS)
def test_linker_script_places_sections(name):
    config = load_config(name)
    script = generate_linker_script(config, stack_size=0x2000)
    mm, l2 = config.main_memory, config.l2
    assert "ENTRY(_start)" in script
    assert re.search(rf"\.text\.init {config.cpu.reset_vector:#010x} :", script)
    assert f"ORIGIN = {mm.base:#010x}, LENGTH = {mm.size:#x}" in script
    assert f"ORIGIN = {l2.base:#010x}, LENGTH = {l2.size:#x}" in script
    assert f"_stack_top = {mm.end:#010x};" in script
    assert "DEFINED(__stack_size) ? __stack_size : 0x2000" in script
    # Every output section of the program, in link order, with .text.init first.
    order = [".text.init", ".text", ".rodata", ".data", ".sdata", ".sbss", ".bss", ".l2"]
    positions = [script.index(f"\n    {s} ") for s in order]
    assert positions == sorted(positions)
    for symbol in ("__global_pointer$", "_bss_start", "_bss_end", "_end", "_stack_bottom"):
        assert f"{symbol} = " in script
    assert re.search(r"\.l2 \(NOLOAD\).*> l2 :l2buf", script, re.S)


@pytest.mark.parametrize("name", CONFIGS)
def test_address_map(name):
    config = load_config(name)
    rows = address_map(config)
    names = [r[0] for r in rows]
    assert set(names) == ({m.name for m in (*config.memories, config.l3)}
                          | {p.name for p in config.pages}
                          | {r.name for _, r in config.dma_sinks})
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    for (_, base, size), (_, nxt, _) in zip(rows, rows[1:], strict=False):
        assert base + size <= nxt
    table = address_map_markdown(config)
    for region in config.memories:
        assert f"| {region.name} | `0x{region.base:08x}` | `0x{region.end:08x}` |" in table
    assert table.count("\n| ") == len(rows) + 1  # header row + one per region


def test_the_units_dma_windows_are_in_the_header():
    config = load_config("default")
    header = generate_header(config)
    for slot, region in config.dma_sinks:
        name = slot.name.upper()
        assert re.search(rf"#define HETSOC_{name}_DMA_BASE +HETSOC_U\(0x{region.base:08x}\)",
                         header)
        assert re.search(rf"#define HETSOC_{name}_DMA_SIZE +HETSOC_U\(0x{region.size:08x}\)",
                         header)
        assert re.search(rf"#define HETSOC_{name}_DMA_BYTES +HETSOC_U\(0x"
                         rf"{slot.dma_sink_bytes:08x}\)", header)
    assert [s.name for s, _ in config.dma_sinks] == ["npu", "cim"]


def test_descriptor_fields_within_a_word_get_word_shift_and_mask():
    """`AcceleratorSpec.descriptor`: a field's word, shift and mask within the word, from the
    layout (the CIM's as an example), for firmware that builds descriptors itself."""
    from hetsoc.cheader import _descriptor_defines
    from hetsoc.spec.cim import DESCRIPTOR

    defines = {}
    for line in _descriptor_defines("cim", DESCRIPTOR):
        name, value = line.split()[1:3]
        defines[name] = int(value.removeprefix("HETSOC_U(").rstrip(")"), 0)
    for name, field in DESCRIPTOR:
        word, shift = divmod(field.offset, 32)
        key = f"HETSOC_CIM_DESC_{name.upper()}"
        if name.startswith("_"):
            assert f"{key}_WORD" not in defines
            continue
        assert defines[f"{key}_WORD"] == word and defines[f"{key}_SHIFT"] == shift
        assert defines[f"{key}_MASK"] == ((1 << field.width) - 1) << shift
    assert defines["HETSOC_CIM_DESC_IN_W_WORD"] == 4
    assert defines["HETSOC_CIM_DESC_IN_W_MASK"] == 0xFFFF0000
