"""What the bad-input campaign (test_bad_inputs.py) and bench/robustness.py share: the valid
files that bad ones are made from, and a way to run the CLI in-process and classify the result.

In-process (``hetsoc.cli.main``) rather than a subprocess per case: a case then costs
milliseconds instead of the second an interpreter and numpy take to start, which is what keeps
several hundred cases inside CI's budget.
"""

from __future__ import annotations

import contextlib
import io
import struct
import sys
import traceback
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import onnx

from hetsoc.cli import main

EM_RISCV, EM_X86_64 = 243, 62


@dataclass
class Outcome:
    """One CLI call: its exit code (None if it raised), output, and the traceback if any."""

    code: int | None
    out: str
    err: str
    traceback: str = ""

    @property
    def kind(self) -> str:
        """'one-line' (exit 2, one ``hetsoc: error:`` line), 'exit-0', 'traceback' or
        'other' (another code, or exit 2 with something else on stderr)."""
        if self.traceback or "Traceback" in self.err:
            return "traceback"
        lines = self.err.strip().splitlines()
        if self.code == 2 and len(lines) == 1 and lines[0].startswith("hetsoc: error: "):
            return "one-line"
        return "exit-0" if self.code == 0 else "other"


def run_cli(argv) -> Outcome:
    """``hetsoc ARGV`` in this process, stdout and stderr captured. An exception escaping
    ``main`` is what a user would see as a traceback; it is caught and returned."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as e:  # main returns its code; argparse's exit is a bug here
            code = e.code if isinstance(e.code, int) else 1
        except Exception:
            return Outcome(None, out.getvalue(), err.getvalue(), traceback.format_exc())
    return Outcome(code, out.getvalue(), err.getvalue())


def craft_elf(segments=(), *, machine=EM_RISCV, cls=1, data=1, entry=0x8000_0000,
              e_type=2) -> bytes:
    """A minimal ELF: header, program headers, then each ``(addr, payload, memsz)`` segment.
    Only what a loader reads is filled in (as tests/test_elf.py does)."""
    end = "<" if data == 1 else ">"
    if cls == 1:
        ehsize, phsize, hdr, ph = 52, 32, "HHIIIIIHHHHHH", "IIIIIIII"
    else:
        ehsize, phsize, hdr, ph = 64, 56, "HHIQQQIHHHHHH", "IIQQQQQQ"
    ident = b"\x7fELF" + bytes([cls, data, 1]) + bytes(9)
    offset = ehsize + phsize * len(segments)
    phdrs, payloads = b"", b""
    for addr, payload, memsz in segments:
        fields = (1, offset + len(payloads), addr, addr, len(payload), memsz, 7, 4)
        if cls == 2:
            fields = (1, 7, offset + len(payloads), addr, addr, len(payload), memsz, 4)
        phdrs += struct.pack(end + ph, *fields)
        payloads += payload
    header = struct.pack(end + hdr, e_type, machine, 1, entry, ehsize if segments else 0, 0, 0,
                         ehsize, phsize, len(segments), 40 if cls == 1 else 64, 0, 0)
    return ident + header + phdrs + payloads


def default_toml() -> str:
    """The text of the default SoC config, the base of every config mutation."""
    return (resources.files("hetsoc.boards") / "configs" / "default.toml").read_text()


def good_elf(directory: Path) -> Path:
    """hello.c built for the default config: a real ELF (sections, symbols) to mutate."""
    from hetsoc.firmware import build_firmware, sw_path

    return build_firmware(sw_path("examples", "hello.c"), "default", directory / "good.elf")


def good_onnx(directory: Path) -> Path:
    """The digits model from the zoo, as a file."""
    from hetsoc import zoo

    return zoo.export("digits", directory / "digits.onnx")


def float_model(shape=(1, 3, 8, 8)) -> onnx.ModelProto:
    """A float Conv model: importing it needs --calibration (the model tests' builder)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "models"))
    from qdq_builders import float_conv_model

    return float_conv_model(shape)


def qdq_models() -> dict[str, onnx.ModelProto]:
    """Well-formed quantized models the compiler cannot take, from the model tests' builders."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "models"))
    from qdq_builders import Builder, conv_model

    b = Builder((1, 3, 8, 8))
    sigmoid = b.model(b.qdq(b.node("Sigmoid", [b.qdq("x", 0.02, 0)]), 0.02, 0))
    grouped = conv_model((1, 4, 6, 6), (0.05, 0), np.ones((4, 2, 3, 3), np.int8),
                         np.full(4, 0.01, np.float32), None, (0.1, 0), group=2,
                         pads=[1, 1, 1, 1])
    return {"sigmoid": sigmoid, "grouped": grouped}
