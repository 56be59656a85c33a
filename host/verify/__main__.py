"""``python -m hetsoc.verify``: a differential campaign from the command line.

Examples
--------
Run 500 programs from seed 1000 on Verilator::

    python -m hetsoc.verify --seed 1000 --count 500 --backend verilator

Show one program, its reference result and its differences (the reproducer of a failure)::

    python -m hetsoc.verify --seed 1234 --count 1 --backend verilator --show
"""

from __future__ import annotations

import argparse
import json
import sys

from .differential import reproducer, run_differential, table
from .generator import Layout, generate


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hetsoc.verify",
                                description="Random RV32IM programs on the RTL vs unicorn.")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--count", type=int, default=100, help="number of programs (default 100)")
    p.add_argument("--n-instr", type=int, default=200, help="body instructions per program")
    p.add_argument("--backend", default="verilator",
                   choices=["verilator", "amaranth", "icarus", "none"],
                   help="simulation backend; 'none' compares unicorn with the ISS only")
    p.add_argument("--config", default="default", help="SoC config name or TOML path")
    p.add_argument("--batch", type=int, default=250, help="programs per simulator process")
    p.add_argument("--workers", type=int, default=1, help="simulator processes at once")
    p.add_argument("--vote", action="store_true", help="also run the ISS against unicorn")
    p.add_argument("--show", action="store_true",
                   help="print the assembly of each program (use with a small --count)")
    p.add_argument("--json", action="store_true", help="end with a JSON line of the figures")
    return p


def _reference_only(args, soc) -> int:
    from .reference import run_iss, run_unicorn

    layout = Layout.from_config(soc)
    bad = 0
    for seed in range(args.seed, args.seed + args.count):
        prog = generate(seed, args.n_instr, layout)
        if run_unicorn(prog, config=soc) != run_iss(prog, config=soc):
            bad += 1
            print(f"seed {seed}: unicorn and the ISS disagree")
    print(f"{args.count} programs, {bad} disagreements between unicorn and the ISS")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from ..spec.config import load_config

    soc = load_config(args.config)
    if args.show:
        layout = Layout.from_config(soc)
        for seed in range(args.seed, args.seed + args.count):
            print(generate(seed, args.n_instr, layout).asm())
    if args.backend == "none":
        return _reference_only(args, soc)
    summary = run_differential(range(args.seed, args.seed + args.count), args.n_instr,
                               args.backend, soc, batch=args.batch, vote=args.vote,
                               workers=args.workers)
    for o in summary.failures:
        print(f"seed {o.seed}: {o.status}: {o.detail}")
        print(f"  reproduce: {reproducer(o.seed, args.n_instr, args.backend, args.config)}")
    print(table(summary))
    if args.json:
        print(json.dumps(summary.figures()))
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
