"""Packaging: every package is listed in pyproject, and rtl/ matches the generators."""

import tomllib
from pathlib import Path

from hetsoc.rtlgen import TOP_NAME, generate_verilog

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_in_pyproject():
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    dirs = {name: ROOT / path for name, path in setup["package-dir"].items()}
    found = set()
    for root_name, root_dir in dirs.items():
        for init in root_dir.rglob("__init__.py"):
            rel = init.parent.relative_to(root_dir).parts
            found.add(".".join((root_name, *rel)))
    assert found == set(setup["packages"])


def _body(text: str) -> str:
    # The first line names the generator and config; the rest must match exactly.
    return text.split("\n", 1)[1]


def test_committed_rtl_is_not_stale():
    committed = ROOT / "rtl" / "default" / f"{TOP_NAME}.v"
    assert committed.exists(), "run: hetsoc rtl --config default -o rtl/default"
    assert _body(committed.read_text()) == _body(generate_verilog("default")), \
        "rtl/default is stale: run `hetsoc rtl --config default -o rtl/default` and commit it"
