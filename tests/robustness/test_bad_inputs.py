"""The bad-input campaign (issue 17): every case of cases.py through `hetsoc`, in-process.

Each must end with exit code 2 and exactly one line on stderr, ``hetsoc: error: ...``, naming
the option or file and the problem; no traceback; no file written or left half-written, in the
case's directory or beside the inputs; and for an output path, the refusal must come before
any long step (import, compile, firmware build, RTL generation, simulation), which is checked
by making each of those fail loudly if it is reached.
"""

from __future__ import annotations

import os

import pytest

from .cases import CASES, make_assets
from .common import run_cli

# What must not run for a bad output path: (module, attribute). The CLI imports each at call
# time, so replacing the module attribute intercepts it.
LONG_WORK = [("hetsoc.models", "load_model"), ("hetsoc.compiler", "compile_graph"),
             ("hetsoc.firmware", "build_firmware"), ("hetsoc.zoo", "export"),
             ("hetsoc.elf", "load_elf"), ("hetsoc.runtime", "run_network")]
# What no case of the campaign may reach: a simulator, RTL generation, the CIM sweep.
NEVER = [("hetsoc.sim.harness", "run_batch"), ("hetsoc.sim.hdl", "build"),
         ("hetsoc.rtlgen", "write_rtl"), ("hetsoc.cim_sweep", "sweep")]


class LongWorkReached(BaseException):
    """Raised by a guarded step: a BaseException, so no `except Exception` hides it."""


def _guard(monkeypatch, targets):
    import importlib

    for module, attr in targets:
        def reached(*args, _where=f"{module}.{attr}", **kwargs):
            raise LongWorkReached(f"{_where} ran before the bad input was refused")
        monkeypatch.setattr(importlib.import_module(module), attr, reached)


def _snapshot(*dirs):
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for d in dirs for p in d.rglob("*")
            if not p.is_fifo()}


@pytest.fixture(scope="session")
def assets(tmp_path_factory):
    a = tmp_path_factory.mktemp("assets")
    make_assets(a)
    return a


def test_the_campaign_is_big_enough():
    assert len(CASES) >= 200
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, assets, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "file").write_text("an existing file\n")
    for name in ("fifo", "fifo.vcd", "fifo.fst", "fifo.png"):
        os.mkfifo(work / name)
    if os.geteuid() != 0:
        (work / "ro").mkdir(mode=0o555)
    monkeypatch.chdir(work)  # default output names (zoo export, cim-sweep) land here
    _guard(monkeypatch, [(m, a) for m, a in NEVER + (LONG_WORK if case.output else [])
                         if f"{m}.{a}" not in case.reaches])
    before = _snapshot(work, assets)
    argv = [s.format(a=assets, t=work) for s in case.argv]
    try:
        result = run_cli(argv)
    except LongWorkReached as e:
        pytest.fail(str(e))
    assert result.traceback == "", result.traceback
    lines = result.err.strip().splitlines()
    assert result.code == 2, (result.code, result.err)
    assert len(lines) == 1, result.err
    assert lines[0].startswith("hetsoc: error: ")
    assert "Traceback" not in result.err
    for fragment in case.fragments:
        assert fragment.format(a=assets, t=work) in lines[0], lines[0]
    assert _snapshot(work, assets) == before  # nothing written, nothing half-written
