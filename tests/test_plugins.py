"""Accelerator plug-ins: discovery through the entry-point group, lazy references, and the
one-line errors of a plug-in that does not load (hetsoc.spec.accelerators)."""

import os
import subprocess
import sys
import textwrap

import pytest

from hetsoc.spec.accelerators import (
    AcceleratorSpec,
    Plugin,
    PluginError,
    driver_paths,
    load_reference,
    plugins,
)
from hetsoc.spec.config import ConfigError, load_config


def test_the_builtin_units_register_like_any_plugin():
    found = plugins()
    assert {"npu", "cim"} <= set(found)
    for kind, plugin in found.items():
        spec = plugin.load_spec()
        assert isinstance(spec, AcceleratorSpec) and spec.kind == kind
        assert callable(load_reference(plugin.gateware))
        assert all(p.is_file() for p in driver_paths(plugin))


def test_finding_plugins_and_loading_a_config_import_no_gateware():
    code = textwrap.dedent("""
        import sys
        from hetsoc.spec.config import load_config
        load_config("two-npus"); load_config("default")
        bad = sorted(m for m in sys.modules if m.startswith(("hetsoc.hw", "hetsoc.sim")))
        print(bad)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("kwargs, message", [
    (dict(spec="nocolon", gateware="a:b"), "Plugin.spec must be a 'module:attr' reference, "
                                           "not 'nocolon'"),
    (dict(spec="a:b", gateware=3), "Plugin.gateware must be a 'module:attr' reference, not 3"),
    (dict(spec="a:b", gateware="a:b", target="x"),
     "Plugin.target must be a 'module:attr' reference, not 'x'"),
    (dict(spec="a:b", gateware="a:b", drivers=["x.c"]),
     "Plugin.drivers must be a tuple of 'package:path' strings, not ['x.c']"),
])
def test_plugin_records_are_checked(kwargs, message):
    with pytest.raises(PluginError) as e:
        Plugin(**kwargs)
    assert str(e.value) == message


def test_a_reference_that_does_not_load_is_one_line():
    with pytest.raises(PluginError) as e:
        load_reference("hetsoc_no_such_module:THING")
    assert str(e.value) == ("hetsoc_no_such_module:THING does not load: ModuleNotFoundError: "
                            "No module named 'hetsoc_no_such_module'")
    with pytest.raises(PluginError) as e:
        load_reference("hetsoc.spec.npu:NO_SUCH")
    assert str(e.value).startswith("hetsoc.spec.npu:NO_SUCH does not load: AttributeError: ")


def _fake_distribution(tmp_path, entry_points):
    """A distribution on sys.path (as pip would install it) whose only content is its
    hetsoc.accelerators entry points."""
    info = tmp_path / "fake_accel-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-accel\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[hetsoc.accelerators]\n" + "".join(
        f"{name} = {value}\n" for name, value in entry_points.items()))
    return tmp_path


@pytest.mark.parametrize("value, message", [
    ("fake_accel_missing:PLUGIN",
     "fake_accel_missing:PLUGIN does not load: ModuleNotFoundError: No module named "
     "'fake_accel_missing'"),
    ("hetsoc.spec.npu:NPU_SPEC",
     "entry point 'broken' of group hetsoc.accelerators (hetsoc.spec.npu:NPU_SPEC) is not a "
     "hetsoc Plugin record"),
])
def test_an_entry_point_that_does_not_load_stops_the_cli_with_one_line(tmp_path, value, message):
    path = _fake_distribution(tmp_path, {"broken": value})
    env = {**os.environ, "PYTHONPATH": str(path)}
    proc = subprocess.run([sys.executable, "-m", "hetsoc", "config", "default"], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == f"hetsoc: error: default.toml: {message}\n"


def test_an_unknown_kind_from_the_cli(tmp_path):
    text = (load_config.__globals__["resources"].files("hetsoc.boards") / "configs" /
            "default.toml").read_text().replace('kind = "cim"', 'kind = "tpu"')
    path = tmp_path / "c.toml"
    path.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "hetsoc", "config", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"unknown accelerator kind 'tpu': choose one of {', '.join(sorted(plugins()))}" \
        in proc.stderr


def test_config_error_for_a_plugin_is_a_config_error(monkeypatch):
    from hetsoc.spec import accelerators

    broken = Plugin(spec="hetsoc_no_such_module:SPEC", gateware="a:b")
    monkeypatch.setattr(accelerators, "plugins", lambda: {**plugins(), "cim": broken})
    monkeypatch.setattr("hetsoc.spec.config.plugins", accelerators.plugins)
    with pytest.raises(ConfigError) as e:
        load_config("default")
    assert str(e.value) == ("default.toml: accelerator 'cim': hetsoc_no_such_module:SPEC does "
                            "not load: ModuleNotFoundError: No module named "
                            "'hetsoc_no_such_module'")
