"""Mutation campaign: random byte mutations of a valid ONNX model, ELF and TOML config, each
run through the ``hetsoc`` CLI in-process; prints a table of outcomes per kind and, as its last
line, one JSON object of the figures.

    .venv/bin/python bench/robustness.py [--n 300] [--seed 0] [--show 5]

Outcomes: ``one-line`` (exit 2 with one ``hetsoc: error:`` line: refused well), ``exit-0``
(the mutation left it valid), ``reached-sim`` (an ELF that passed every check and would have
been simulated: the simulator launch is replaced, so the campaign takes a minute, not hours),
``traceback`` (a Python exception escaped: a bug), ``other`` (another exit code, or exit 2
with more than one line), ``timeout`` (took over --timeout seconds). The goal is 0 tracebacks;
``--show N`` prints the first N tracebacks' last lines to find them.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import signal
import sys
import tempfile
import time
from importlib import util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _common():
    # tests/robustness/common.py by path: its package name would clash with this script's.
    spec = util.spec_from_file_location("robustness_common",
                                        ROOT / "tests" / "robustness" / "common.py")
    module = util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class _Reached(BaseException):
    """The simulator would have started: the ELF passed every check."""


class _Timeout(BaseException):
    pass


def mutate(data: bytes, rng: random.Random, text: bool = False) -> bytes:
    """One to four random edits: flip bits, overwrite, insert, delete, duplicate, truncate;
    for text, also change a number (semantic rather than syntactic damage)."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(["flip", "byte", "insert", "delete", "dup", "truncate"]
                        + (["number", "number"] if text else []))
        i = rng.randrange(max(len(b), 1))
        if op == "flip" and b:
            b[i] ^= 1 << rng.randrange(8)
        elif op == "byte" and b:
            b[i] = rng.randrange(256)
        elif op == "insert":
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == "delete":
            del b[i:i + rng.randint(1, 16)]
        elif op == "dup":
            b[i:i] = b[i:i + rng.randint(1, 64)]
        elif op == "truncate" and rng.random() < 0.3:
            del b[i:]
        elif op == "number":
            numbers = list(re.finditer(rb"\d+", bytes(b)))
            if numbers:
                m = rng.choice(numbers)
                new = str(rng.choice([0, 1, 3, 7, 255, 4096, 2**31, 2**64, -1])).encode()
                b[m.start():m.end()] = new
    return bytes(b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="mutations per kind (default: 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    ap.add_argument("--show", type=int, default=5, help="tracebacks to print (default: 5)")
    args = ap.parse_args(argv)

    common = _common()
    import hetsoc.sim.hdl

    def reached(*a, **k):
        raise _Reached()

    hetsoc.sim.hdl.run_jobs = reached  # the harness runs every check, then would launch this

    def on_alarm(signum, frame):
        raise _Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    rng = random.Random(args.seed)
    counts = collections.defaultdict(collections.Counter)
    shown, started = [], time.time()
    with tempfile.TemporaryDirectory(prefix="hetsoc-robustness-") as tmp:
        tmp = Path(tmp)
        out = common.run_cli(["zoo", "export", "digits", "-o", tmp / "digits.onnx"])
        assert out.code == 0, out.err
        good_elf = common.good_elf(tmp)
        bases = {
            "onnx": ((tmp / "digits.onnx").read_bytes(), ".onnx",
                     [["inspect", "{f}"], ["run", "{f}"]]),
            "elf": (good_elf.read_bytes(), ".elf", [["sim-elf", "{f}"]]),
            "toml": (common.default_toml().encode(), ".toml",
                     [["config", "{f}"], ["config", "{f}", "--header"],
                      ["sim-elf", str(good_elf), "--config", "{f}"]]),
        }
        for kind, (data, suffix, commands) in bases.items():
            for i in range(args.n):
                path = tmp / f"m{i}{suffix}"
                path.write_bytes(mutate(data, rng, text=kind == "toml"))
                argv = [a.format(f=path) for a in rng.choice(commands)]
                signal.setitimer(signal.ITIMER_REAL, args.timeout)
                try:
                    outcome = common.run_cli(argv)
                    what = outcome.kind
                except _Reached:
                    what = "reached-sim"
                except _Timeout:
                    what = "timeout"
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                counts[kind][what] += 1
                if what == "traceback" and len(shown) < args.show:
                    last = outcome.traceback.strip().splitlines()[-1]
                    shown.append(f"{kind} {' '.join(argv[:1])} #{i}: {last}")
                path.unlink()
    kinds = ["one-line", "exit-0", "reached-sim", "other", "timeout", "traceback"]
    print(f"{'kind':<6} {'cases':>6} " + " ".join(f"{k:>11}" for k in kinds))
    for kind, c in counts.items():
        print(f"{kind:<6} {sum(c.values()):>6} " + " ".join(f"{c[k]:>11}" for k in kinds))
    for line in shown:
        print("traceback:", line)
    figures = {kind: dict(c) for kind, c in counts.items()}
    total = {k: sum(c[k] for c in counts.values()) for k in kinds}
    print(json.dumps({"seed": args.seed, "per_kind": args.n, "counts": figures,
                      "tracebacks": total["traceback"], "timeouts": total["timeout"],
                      "seconds": round(time.time() - started, 1)}))
    return 0 if total["traceback"] == 0 and total["timeout"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
