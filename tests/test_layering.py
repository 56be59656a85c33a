"""The direction of imports between the layers (docs/architecture.md, "Layers").

Each rule names a layer and what its modules may import; the test reads every module of the
package (and of the plug-in examples under ``examples/``) with `ast`, resolves relative imports
and fails naming each import that goes the wrong way, with the file and line.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Source folder of each top-level package (pyproject.toml's package-dir).
PACKAGE_DIRS = {"hetsoc": ROOT / "host", "hetsoc.hw": ROOT / "hw"}

_STDLIB = set(sys.stdlib_module_names)
#: What the pure-data layer may import from amaranth: layouts, enums and shapes, no gateware.
_SPEC_AMARANTH = {"amaranth", "amaranth.lib", "amaranth.lib.data", "amaranth.lib.enum",
                  "amaranth.hdl"}
_SPEC_AMARANTH_NAMES = {"signed", "unsigned", "Shape", "data", "enum"}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def check_import(layer: str, module: str, names=()) -> str | None:
    """Why `module` (imported by a module of `layer`) goes the wrong way, or None."""
    top = module.split(".")[0]
    if layer == "spec":
        if top in _STDLIB or _within(module, "hetsoc.spec"):
            return None
        if module in _SPEC_AMARANTH and (module.startswith("amaranth.lib.")
                                          or set(names) <= _SPEC_AMARANTH_NAMES):
            return None
        return "hetsoc.spec imports only the standard library and amaranth.lib.data/enum"
    if layer == "hw":
        if top in _STDLIB or top == "amaranth" or _within(module, "hetsoc.spec") \
                or _within(module, "hetsoc.hw"):
            return None
        if top != "hetsoc":       # a plug-in's gateware may use its own package's gateware
            return None
        return "gateware imports only amaranth and hetsoc.spec"
    if layer == "ir":
        if _within(module, "hetsoc") and not _within(module, "hetsoc.ir"):
            return "hetsoc.ir imports nothing else of hetsoc"
        return None
    forbidden = {
        "golden": ("hetsoc.hw", "hetsoc.sim", "hetsoc.accel", "hetsoc.compiler",
                   "hetsoc.runtime", "hetsoc.cli"),
        "accel": ("hetsoc.hw", "hetsoc.sim", "hetsoc.rtlgen", "hetsoc.runtime", "hetsoc.cli"),
        "compiler": ("hetsoc.hw", "hetsoc.sim", "hetsoc.runtime", "hetsoc.cli", "hetsoc.rtlgen"),
        "host": ("hetsoc.cli",),
    }[layer]
    for prefix in forbidden:
        if _within(module, prefix):
            return f"hetsoc.{layer} never imports {prefix}"
    return None


def layer_of(module: str) -> str | None:
    for layer in ("spec", "hw", "ir", "golden", "compiler"):
        if _within(module, f"hetsoc.{layer}"):
            return layer
    if _within(module, "hetsoc.accel"):
        # a unit's test bench and test generator drive its gateware; the rest never does
        return "host" if module.endswith((".bench", ".testgen")) else "accel"
    if module in ("hetsoc.cli", "hetsoc.__main__") or _within(module, "hetsoc.verify.__main__"):
        return None
    return "host"


def _modules():
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("").parts
            if package == "hetsoc" and rel[0] == "hw":
                continue
            is_pkg = rel[-1] == "__init__"
            name = ".".join((package, *(rel[:-1] if is_pkg else rel)))
            yield path, name, is_pkg
    # Plug-in packages: src/<name>/ ; their `hw` subpackages follow the gateware's rule.
    for path in sorted((ROOT / "examples").glob("*/src/**/*.py")):
        src = next(p for p in path.parents if p.name == "src")
        rel = path.relative_to(src).with_suffix("").parts
        is_pkg = rel[-1] == "__init__"
        yield path, ".".join(rel[:-1] if is_pkg else rel), is_pkg


def _imports(path: Path, name: str, is_pkg: bool):
    tree = ast.parse(path.read_text(), str(path))
    package = name.split(".") if is_pkg else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names = [a.name for a in node.names]
            # `from . import x` imports submodules: check each as a module.
            if node.module is None:
                for n in names:
                    yield node.lineno, f"{module}.{n}", ()
            else:
                yield node.lineno, module, names


def _layer_of_path(path: Path, name: str) -> str | None:
    if path.is_relative_to(ROOT / "examples"):
        return "hw" if ".hw." in f".{name}." or name.endswith(".hw") else "plugin"
    return layer_of(name)


def violations():
    found = []
    for path, name, is_pkg in _modules():
        layer = _layer_of_path(path, name)
        if layer in (None, "plugin"):
            continue
        for line, module, names in _imports(path, name, is_pkg):
            why = check_import(layer, module, names)
            if why:
                found.append(f"{path.relative_to(ROOT)}:{line}: imports {module}: {why}")
    return found


def test_imports_follow_the_layers():
    found = violations()
    assert not found, "imports that go the wrong way:\n" + "\n".join(found)


@pytest.mark.parametrize("layer, module, names, bad", [
    ("spec", "amaranth.lib.data", ["StructLayout"], False),
    ("spec", "amaranth", ["signed"], False),
    ("spec", "amaranth", ["Module"], True),
    ("spec", "amaranth.lib.wiring", ["In"], True),
    ("spec", "numpy", [], True),
    ("hw", "hetsoc.spec.config", ["SocConfig"], False),
    ("hw", "hetsoc.golden.cim_noise", ["ADC_MAX"], True),
    ("hw", "hetsoc.config", [], True),
    ("ir", "hetsoc.golden", [], True),
    ("compiler", "hetsoc.sim.harness", [], True),
    ("compiler", "hetsoc.hw.soc", [], True),
    ("host", "hetsoc.cli", [], True),
    ("accel", "hetsoc.hw.npu.core", [], True),
    ("accel", "hetsoc.spec.npu", ["Op"], False),
])
def test_rules_catch_wrong_arrows(layer, module, names, bad):
    assert (check_import(layer, module, names) is not None) == bad
