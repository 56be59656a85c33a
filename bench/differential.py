"""Differential-testing throughput: >= 10,000 random RV32IM programs on the RTL vs unicorn.

Usage::

    python bench/differential.py [--count 10000] [--backend verilator] [--seed 0]

Prints a table (programs, instructions, mismatches, programs/s, simulated cycles/s), the
reproducer of every failing seed, and as its last line one JSON object of the figures.
Exit status 1 if any program failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from hetsoc.verify.differential import reproducer, run_differential, table


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=10_000, help="programs (default 10,000)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--n-instr", type=int, default=200, help="body instructions per program")
    p.add_argument("--backend", default="verilator", help="simulation backend")
    p.add_argument("--config", default="default", help="SoC config")
    p.add_argument("--batch", type=int, default=250, help="programs per simulator process")
    p.add_argument("--workers", type=int, default=2,
                   help="simulator processes at once (default 2: the machine's cores)")
    p.add_argument("--vote", action="store_true", help="also run the ISS against unicorn")
    args = p.parse_args(argv)

    last = [0.0]

    def progress(summary):
        # One line every ~10 s so a long run shows it is alive, on stderr to keep stdout clean.
        if summary.seconds - last[0] >= 10:
            last[0] = summary.seconds
            print(f"  {len(summary.outcomes):,}/{args.count:,} programs, "
                  f"{len(summary.failures)} failures, {summary.seconds:.0f} s",
                  file=sys.stderr, flush=True)

    t = time.perf_counter()
    summary = run_differential(range(args.seed, args.seed + args.count), args.n_instr,
                               args.backend, args.config, batch=args.batch, vote=args.vote,
                               workers=args.workers, progress=progress)
    figures = summary.figures()
    figures.update(seed=args.seed, workers=args.workers, batch=args.batch,
                   total_seconds=round(time.perf_counter() - t, 3))
    for o in summary.failures:
        print(f"seed {o.seed}: {o.status}: {o.detail}")
        print(f"  reproduce: {reproducer(o.seed, args.n_instr, args.backend, args.config)}")
    print(table(summary))
    print(json.dumps(figures))
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
