"""SocConfig: the shipped configs load, and every kind of bad config gets a one-line error."""

import dataclasses

import pytest

from hetsoc.config import ConfigError, SocConfig, config_names, load_config


def test_shipped_configs_load():
    assert config_names() == ["default", "pynq-z2"]
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
    "missing section": (lambda t: t.replace("[cim]\nrows = 1152\ncols = 512\n", ""),
                        "missing [cim]"),
    "not toml": ("name = [", "not valid TOML"),
    "size not pow2": (lambda t: t.replace("size = 0x8_0000", "size = 0x7_0000"),
                      "l2.size must be a power of two"),
    "overlap": (lambda t: t.replace("base = 0x2000_0000", "base = 0x1000_0000"), "overlaps"),
    "reset vector outside": (lambda t: t.replace("reset_vector = 0x8000_0000",
                                                 "reset_vector = 0x1000_0000"),
                             "cpu.reset_vector 0x10000000 must lie in main_memory"),
    "unknown section key": (lambda t: t.replace("rows = 16", "rows = 16\nspeed = 3"),
                            "unknown key npu.speed"),
    "bad banks": (lambda t: t.replace("banks = 4", "banks = 3"), "l2.banks must be a power"),
}


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
    with pytest.raises(ConfigError, match=r"unknown config 'nope': choose one of default, pynq-z2"):
        load_config("nope")


def test_missing_file():
    with pytest.raises(ConfigError, match=r"config file '/no/such.toml' does not exist"):
        load_config("/no/such.toml")
