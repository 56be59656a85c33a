"""The simulator cache survives Python environments: a Verilator build links cocotb's libraries
from the environment that built it (its RUNPATH), so that environment is part of the build's
key, and removing it never breaks a build another environment uses."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from hetsoc.sim import hdl
from hetsoc.sim.toolchain import environment_key
from hetsoc.spec.config import load_config

CONFIG = "npu-only"   # a whole SoC with one unit: builds faster than the default


def test_the_environment_is_part_of_every_verilator_build_key(monkeypatch):
    import cocotb

    config = load_config(CONFIG)
    assert str(Path(cocotb.__file__).resolve().parent / "libs") in environment_key()
    here = hdl._build_key(config, "verilator", False, True)
    monkeypatch.setattr(hdl, "environment_key", lambda: "cocotb 2.1.0 libs /elsewhere/libs")
    assert hdl._build_key(config, "verilator", False, True) != here
    # Icarus loads cocotb's VPI module when it runs, from the running environment
    assert hdl._build_key(config, "icarus", False, True) == \
        hdl._build_key(config, "icarus", False, True)


def test_a_build_key_is_the_same_in_every_process():
    """A new process finds the simulator an earlier one built (a key from ``repr(config)``
    once held the addresses of the slots' spec functions, so every process built anew)."""
    code = ("from hetsoc.sim import hdl; from hetsoc.spec.config import load_config; "
            "c = load_config('default'); print(hdl._build_key(c, 'verilator', False, True), "
            "c.fingerprint())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    assert "0x7f" not in runs[0]


_RUN = """
import sys
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
elf = build_firmware([sw_path("examples", "hello.c")], sys.argv[1], sys.argv[2])
(result,) = run_batch([Job(elf, max_cycles=200_000)], sys.argv[1], "verilator")
print(result.status, result.exit_code, result.console.strip().splitlines()[0])
"""


def _other_environment(root: Path) -> Path:
    """A second environment: its own copy of cocotb (so its own libraries), everything else
    from this one's site-packages (their .pth files included, for the editable hetsoc)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    import cocotb

    shutil.copytree(Path(cocotb.__file__).parent, site / "cocotb")
    ours = sysconfig.get_paths()["purelib"]
    (site / "zz_hetsoc_parent.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


@pytest.mark.slow
def test_a_build_outlives_the_environment_that_made_it(tmp_path):
    env = {**os.environ, "HETSOC_CACHE": str(tmp_path / "cache")}
    other = _other_environment(tmp_path / "venv2")
    first = subprocess.run([other, "-c", _RUN, CONFIG, str(tmp_path / "a.elf")], env=env,
                           capture_output=True, text=True)
    assert first.returncode == 0 and first.stdout.startswith("exit 0"), first.stderr[-2000:]
    shutil.rmtree(tmp_path / "venv2")
    then = subprocess.run([sys.executable, "-c", _RUN, CONFIG, str(tmp_path / "b.elf")],
                          env=env, capture_output=True, text=True)
    assert then.returncode == 0 and then.stdout.startswith("exit 0"), then.stderr[-2000:]
    builds = sorted(p.name for p in (tmp_path / "cache" / "sim").iterdir() if p.is_dir())
    assert len(builds) == 2, builds      # one per environment
