"""The ``hetsoc`` command.

Bad input ends with one line ``hetsoc: error: ...`` on stderr and exit code 2, never a
traceback; a program that traps or runs out of cycles gets a one-line report and its own code.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_TRAP = 3
EXIT_TIMEOUT = 124


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


def _add_sim_options(p: argparse.ArgumentParser):
    p.add_argument("--config", default="default",
                   help="SoC config name (default, pynq-z2) or path to a .toml (default: default)")
    p.add_argument("--backend", default="verilator", choices=("verilator", "icarus", "amaranth"),
                   help="simulator (default: verilator)")
    p.add_argument("--max-cycles", type=int, default=None, metavar="N",
                   help="stop after N cycles (default: 50,000,000)")
    p.add_argument("--waves", metavar="FILE", help="write a waveform (VCD/FST) of the run")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hetsoc", description="Emulated heterogeneous TinyML SoCs: build, simulate, deploy.")
    parser.add_argument("--version", action="version", version=f"hetsoc {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser("doctor", help="check the toolchain; say how to install what is missing",
                   description="One line per tool; exit 0 when the default path works.")

    p = sub.add_parser("config", help="show a config and its address map",
                       description="Print the address map generated from a SocConfig.")
    p.add_argument("name", nargs="?", default="default", help="config name or .toml path")
    p.add_argument("--header", action="store_true", help="print the generated C header instead")

    p = sub.add_parser("rtl", help="write the SoC's Verilog",
                       description="Generate the Verilog of the SoC for a config.")
    p.add_argument("--config", default="default", help="config name or .toml path")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")

    p = sub.add_parser("sim-elf", help="run an RV32IM ELF on the simulated SoC",
                       description="Load the ELF by backdoor, run it to its end, print its console "
                                   "output and `cycles=N instret=N`; exit with its exit code.")
    p.add_argument("elf", help="the program (ELF32 RISC-V)")
    _add_sim_options(p)

    p = sub.add_parser("sim-c", help="compile C/assembly with the runtime and run it",
                       description="Build with the project's runtime (zig cc, rv32im) and run as "
                                   "sim-elf does.")
    p.add_argument("sources", nargs="+", help=".c and .S files")
    p.add_argument("-O", dest="opt", default="2", choices=("0", "1", "2", "3", "s", "z"),
                   help="optimisation level (default: 2)")
    _add_sim_options(p)

    p = sub.add_parser("demo", help="build and run the hello-world firmware on the SoC",
                       description="The first thing to run on a fresh install.")
    _add_sim_options(p)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def _cmd_doctor(args) -> int:
    from .doctor import run_checks

    checks = run_checks()
    for check in checks:
        print(check.line())
    missing = [c for c in checks if c.required and not c.ok]
    print("all required tools found" if not missing else
          f"{len(missing)} required tool(s) missing: run the command after each MISS")
    return 0 if not missing else 1


def _cmd_config(args) -> int:
    from .cheader import address_map_markdown, generate_header
    from .config import load_config

    config = load_config(args.name)
    if args.header:
        print(generate_header(config), end="")
        return 0
    print(f"config {config.name}: {config.description}")
    print(address_map_markdown(config), end="")
    return 0


def _cmd_rtl(args) -> int:
    from .config import load_config
    from .rtlgen import write_rtl

    config = load_config(args.config)
    path = write_rtl(config, Path(args.output))
    print(f"wrote {path}")
    return 0


def _run_and_report(elf, args) -> int:
    from .config import load_config
    from .sim.harness import DEFAULT_MAX_CYCLES, run_elf
    from .traps import describe_trap

    config = load_config(args.config)
    max_cycles = DEFAULT_MAX_CYCLES if args.max_cycles is None else args.max_cycles
    if max_cycles <= 0:
        raise UsageError(f"--max-cycles must be a positive number, not {max_cycles}")
    result = run_elf(elf, config, args.backend, max_cycles=max_cycles, waves=args.waves)
    sys.stdout.write(result.console)
    if result.console and not result.console.endswith("\n"):
        sys.stdout.write("\n")
    print(f"cycles={result.cycles} instret={result.instret}")
    sys.stdout.flush()
    if result.status == "exit":
        code = result.exit_code & 0xFF
        return code if code or not result.exit_code else 1
    if result.status == "timeout":
        print(f"hetsoc: error: the program did not finish within {max_cycles} cycles "
              f"(raise --max-cycles, or check for an endless loop)", file=sys.stderr)
        return EXIT_TIMEOUT
    try:
        insn = result.image.word_at(result.trap_pc)
    except KeyError:
        insn = None
    what = describe_trap(result.trap_cause, result.trap_pc, result.trap_tval, insn)
    if result.status == "fatal":
        what += "; no trap handler could be fetched (mtvec not set?)"
    print(f"hetsoc: error: trap: {what}", file=sys.stderr)
    return EXIT_TRAP


def _cmd_sim_elf(args) -> int:
    return _run_and_report(args.elf, args)


def _cmd_sim_c(args) -> int:
    from .firmware import build_firmware

    for src in args.sources:
        if not Path(src).is_file():
            raise UsageError(f"source file {src!r} does not exist")
    with tempfile.TemporaryDirectory(prefix="hetsoc-c-") as tmp:
        elf = build_firmware(args.sources, args.config, Path(tmp) / "program.elf",
                             opt=f"-O{args.opt}")
        return _run_and_report(elf, args)


def _cmd_demo(args) -> int:
    from .firmware import sw_path

    args.sources, args.opt = [str(sw_path("examples", "hello.c"))], "2"
    print(f"hetsoc demo: hello.c on the {args.config} SoC, {args.backend} backend "
          "(the first run builds the simulator, about a minute)", flush=True)
    return _cmd_sim_c(args)


_COMMANDS = {
    "doctor": _cmd_doctor, "config": _cmd_config, "rtl": _cmd_rtl, "sim-elf": _cmd_sim_elf,
    "sim-c": _cmd_sim_c, "demo": _cmd_demo,
}


def main(argv=None) -> int:
    from .config import ConfigError
    from .elf import ElfError
    from .firmware import FirmwareError
    from .sim.hdl import SimulatorError

    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (UsageError, ConfigError, ElfError, FirmwareError, SimulatorError, ValueError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"hetsoc: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hetsoc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
