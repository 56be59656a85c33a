"""SocConfig: the shipped configs load, and every kind of bad config gets a one-line error."""

import dataclasses

import pytest

from hetsoc.spec.accelerators import plugins
from hetsoc.spec.config import ConfigError, SocConfig, config_names, load_config

#: The installed kinds, as the errors list them (hetsoc's own and any plug-in installed).
KINDS = ", ".join(sorted(plugins()))


def test_shipped_configs_load():
    assert config_names() == ["default", "npu-only", "pynq-z2", "two-npus"]
    for name in config_names():
        config = load_config(name)
        assert isinstance(config, SocConfig)
        assert config.name == name


def test_default_is_diana_sized():
    c = load_config("default")
    assert (c.l2.size, c.l1.size) == (512 * 1024, 256 * 1024)
    assert (c.npu.rows, c.npu.cols) == (16, 16)
    assert (c.cim.rows, c.cim.cols) == (1152, 512)
    assert c.main_memory.base == c.cpu.reset_vector == 0x8000_0000


def test_pynq_z2_memories_fit_the_xc7z020_with_headroom():
    c = load_config("pynq-z2")
    bram36_bytes = 36 * 1024 // 8
    used = sum(-(-r.size // bram36_bytes) for r in c.memories)
    used += -(-c.npu.weight_memory // bram36_bytes)
    assert used <= 0.7 * c.fpga.bram36


def test_config_is_frozen():
    c = load_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.name = "other"


def _write(tmp_path, text):
    path = tmp_path / "bad.toml"
    base = (load_config.__globals__["resources"].files("hetsoc.boards") / "configs" /
            "default.toml").read_text()
    path.write_text(text(base) if callable(text) else text)
    return path


BAD = {
    "unknown key": (lambda t: "bogus = 1\n" + t, "unknown key 'bogus'"),
    "missing section": (lambda t: t.replace("[dma]\n", "[dmaa]\n"), "unknown key 'dmaa'"),
    "missing dma": (lambda t: t.replace("[dma]\n", "#\n").replace("channels = 2", "")
                    .replace("queue_depth = 4", ""), "missing [dma]"),
    "not toml": ("name = [", "not valid TOML"),
    "size not pow2": (lambda t: t.replace("size = 0x8_0000", "size = 0x7_0000"),
                      "l2.size must be a power of two"),
    "overlap": (lambda t: t.replace("base = 0x2000_0000", "base = 0x1000_0000"), "overlaps"),
    "reset vector outside": (lambda t: t.replace("reset_vector = 0x8000_0000",
                                                 "reset_vector = 0x1000_0000"),
                             "cpu.reset_vector 0x10000000 must lie in main_memory"),
    "unknown section key": (lambda t: t.replace("channels = 2", "channels = 2\nspeed = 3"),
                            "unknown key dma.speed"),
    # the accelerator slots
    "unknown kind": (lambda t: t.replace('kind = "cim"', 'kind = "tpu"'),
                     f"accelerator #2: unknown accelerator kind 'tpu': choose one of {KINDS}, "
                     "or install the plug-in that registers it (entry-point group "
                     "hetsoc.accelerators)"),
    "missing kind": (lambda t: t.replace('kind = "cim"\n', ""),
                     f"accelerator #2: missing key 'kind' (one of {KINDS})"),
    "duplicate name": (lambda t: t.replace('name = "cim"', 'name = "npu"'),
                       "accelerator 'npu': duplicate name (give each [[accelerator]] its own "
                       "name)"),
    "reserved name": (lambda t: t.replace('name = "cim"', 'name = "dma"'),
                      "accelerator 'dma': the name is taken by another part of the SoC; "
                      "choose another"),
    "bad name": (lambda t: t.replace('name = "cim"', 'name = "My CIM"'),
                 "accelerator #2: name must be a lower-case identifier of at most 16 "
                 "characters, not 'My CIM'"),
    "missing parameter": (lambda t: t.replace("cols = 512\n", ""),
                          "accelerator 'cim': missing parameter 'cols' of kind 'cim'"),
    "unknown parameter": (lambda t: t.replace("rows = 16\n", "rows = 16\nspeed = 3\n"),
                          "accelerator 'npu': unknown parameter 'speed' of kind 'npu' "
                          "(known: rows, cols, weight_memory)"),
    "bad parameter": (lambda t: t.replace("rows = 16\n", "rows = 18\n"),
                      "accelerator 'npu': rows must be a multiple of 4 (WMEM_DATA writes 4 "
                      "bytes), not 18"),
    "bad post_cols": (lambda t: t.replace("cols = 512\n", "cols = 512\npost_cols = 3\n"),
                      "accelerator 'cim': post_cols must be a power of two of at most 8 and at "
                      "most cols_per_cycle (16), not 3"),
    "slot too wide": (lambda t: t.replace("banks = 16", "banks = 4"),
                      "accelerator 'npu': its L1 port of 256 bits is wider than l1's 4 banks "
                      "of 32 bits allow; give l1 more banks or the unit a narrower port"),
    "old section": (lambda t: t + "\n[npu]\nrows = 4\n",
                    "[npu] is now an [[accelerator]] table with kind = 'npu'"),
    "bad banks": (lambda t: t.replace("banks = 4", "banks = 3"), "l2.banks must be a power"),
    # the units' DMA windows
    "sink base misaligned": (lambda t: t.replace("queue_depth = 4", "queue_depth = 4\n"
                                                 "sink_base = 0x3000_0100"),
                             "dma.sink_base must be a 1 KiB-aligned 32-bit address, "
                             "not 0x30000100"),
    "sink windows overlap l2": (lambda t: t.replace("queue_depth = 4", "queue_depth = 4\n"
                                                    "sink_base = 0x1000_0000"),
                                "l2 [0x10000000, 0x10080000) overlaps npu_dma [0x10000000, "
                                "0x10010000)"),
    "sink windows past 4 GiB": (lambda t: t.replace("queue_depth = 4", "queue_depth = 4\n"
                                                    "sink_base = 0xFFFF_0000"),
                                "the units' DMA windows from dma.sink_base 0xffff0000 end past "
                                "the 32-bit address space; lower dma.sink_base"),
}


def test_dma_windows_follow_the_slots_aligned_to_their_size():
    c = load_config("default")
    assert [(s.name, r.name, r.base, r.size) for s, r in c.dma_sinks] == [
        ("npu", "npu_dma", 0x3000_0000, 0x1_0000),
        ("cim", "cim_dma", 0x3004_0000, 0x4_0000)]   # 1152 * 512 / 4 bytes, in 256 KiB
    assert c.dma_sink("cim").base == 0x3004_0000 and c.dma_sink("nope") is None
    small_cim = load_config("pynq-z2").accelerator("cim")
    assert small_cim.dma_sink_bytes == small_cim.params.rows * small_cim.params.cols // 4


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_configs_give_one_line_errors(tmp_path, case):
    text, expected = BAD[case]
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert message.startswith(str(path))


def test_unknown_name_lists_the_choices():
    with pytest.raises(ConfigError, match=r"unknown config 'nope': choose one of default, "
                                          r"npu-only, pynq-z2, two-npus or give a path"):
        load_config("nope")


def test_missing_file():
    with pytest.raises(ConfigError, match=r"config file '/no/such.toml' does not exist"):
        load_config("/no/such.toml")


def test_accelerator_slots_of_the_default_config():
    c = load_config("default")
    assert [(s.kind, s.name, s.index, s.l1_port_bits) for s in c.accelerators] == [
        ("npu", "npu", 4, 16 * 16), ("cim", "cim", 5, 64)]
    assert [p.name for p in c.pages] == ["timer", "console", "finisher", "dma", "npu", "cim"]
    assert c.npu is c.accelerator("npu").params and c.has("cim")


def test_configs_without_a_cim_and_with_two_npus():
    c = load_config("npu-only")
    assert not c.has("cim") and [s.name for s in c.accelerators] == ["npu"]
    with pytest.raises(ConfigError) as e:
        _ = c.cim
    assert str(e.value) == ("config 'npu-only' has no cim accelerator: add an [[accelerator]] "
                            "table with kind = 'cim'")
    c = load_config("two-npus")
    big, small = c.units("npu")
    assert (big.name, big.params.rows, big.params.cols) == ("npu", 16, 16)
    assert (small.name, small.params.rows, small.params.cols) == ("npu2", 8, 8)
    assert (big.index, small.index) == (4, 5) and c.npu is big.params
    with pytest.raises(ConfigError) as e:
        c.accelerator("npu3")
    assert str(e.value) == "config 'two-npus' has no accelerator named 'npu3' (it has: npu, npu2)"


def test_accelerators_must_be_tables(tmp_path):
    path = _write(tmp_path, lambda t: "accelerator = 3\n" + t.split("[[accelerator]]")[0])
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value) == (f"{path}: accelerator must be an array of tables ([[accelerator]]), "
                            f"not 3")


@pytest.mark.parametrize("name", ["default", "pynq-z2"])
def test_a_config_pickles_for_worker_processes(name):
    """Process pools (the differential bench, sweeps) send configs to their workers."""
    import pickle

    config = load_config(name)
    again = pickle.loads(pickle.dumps(config))
    assert again == config and again.fingerprint() == config.fingerprint()
    assert [s.spec for s in again.accelerators] == [s.spec for s in config.accelerators]
