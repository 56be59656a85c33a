"""pytest plugin of the conformance kit: ``pytest -p hetsoc.testing.plugin`` (or
``pytest_plugins = ["hetsoc.testing.plugin"]`` in a conftest).

Adds ``--hetsoc-seed`` (default: a fresh one per run, printed in the header and in every
failure) and ``--hetsoc-vcd-dir`` (where the waveform of a failing check goes; default
``hetsoc-vcd`` under pytest's base temporary directory), and the fixture
``hetsoc_conformance``: ``hetsoc_conformance(slot)`` runs `check_protocol` on a config slot,
``hetsoc_conformance.cases(slot)`` the plug-in's random cases (`check_cases`).
JUnit XML comes from pytest itself (``--junitxml``).
"""

from __future__ import annotations

import random

import pytest

from .cases import check_cases
from .conformance import check_protocol


def pytest_addoption(parser):
    group = parser.getgroup("hetsoc", "hetsoc accelerator conformance")
    group.addoption("--hetsoc-seed", type=int, default=None,
                    help="seed of the random cases (default: a new one, printed)")
    group.addoption("--hetsoc-vcd-dir", default=None,
                    help="directory for the waveform of a failing case")


def _seed(config) -> int:
    if not hasattr(config, "_hetsoc_seed"):
        given = config.getoption("--hetsoc-seed")
        config._hetsoc_seed = random.randrange(1 << 16) if given is None else given
    return config._hetsoc_seed


def pytest_report_header(config):
    return f"hetsoc conformance seed: {_seed(config)} (repeat with --hetsoc-seed {_seed(config)})"


@pytest.fixture
def hetsoc_conformance(request, tmp_path_factory):
    """``check(slot)``: the protocol checks on one slot; ``check.cases(slot)``: its plug-in's
    random cases against its golden and cycle models; both with the run's seed and VCD
    directory."""
    config = request.config
    vcd_dir = config.getoption("--hetsoc-vcd-dir") or tmp_path_factory.getbasetemp() / "hetsoc-vcd"

    class Conformance:
        def __call__(self, slot, **kwargs):
            return check_protocol(slot, **self._defaults(kwargs))

        def cases(self, slot, **kwargs):
            return check_cases(slot, **self._defaults(kwargs))

        @staticmethod
        def _defaults(kwargs):
            kwargs.setdefault("seed", _seed(config))
            kwargs.setdefault("vcd_dir", vcd_dir)
            return kwargs

    return Conformance()
