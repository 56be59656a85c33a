"""The ``hetsoc`` command.

Bad input ends with one line ``hetsoc: error: ...`` on stderr and exit code 2, never a
traceback; a program that traps or runs out of cycles gets a one-line report and its own code.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from .inputs import load_config_arg, load_npy

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_TRAP = 3
EXIT_TIMEOUT = 124


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the problem and where to read more
    (argparse's own prints the whole usage block first). Subparsers inherit the class."""

    def error(self, message):
        command = self.prog.removeprefix("hetsoc").strip()
        where = f"{command}: " if command else ""
        self.exit(EXIT_USAGE, f"hetsoc: error: {where}{message} (see {self.prog} --help)\n")


def _config_help() -> str:
    from .spec.config import config_names  # light: the standard library and the spec

    return (f"SoC config name ({', '.join(config_names())}) or path to a .toml "
            f"(default: default)")


_CONFIG_HELP = _config_help()


def _add_sim_options(p: argparse.ArgumentParser):
    p.add_argument("--config", default="default",
                   help=_CONFIG_HELP)
    p.add_argument("--backend", default="verilator", choices=("verilator", "icarus", "amaranth"),
                   help="simulator (default: verilator)")
    p.add_argument("--max-cycles", type=int, default=None, metavar="N",
                   help="stop after N cycles (default: 50,000,000)")
    p.add_argument("--waves", metavar="FILE", help="write a waveform (VCD/FST) of the run")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    p.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="add DIR to the include path (repeatable)")
    p.add_argument("-D", dest="define", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a preprocessor macro (repeatable)")
    p.add_argument("-o", "--output", metavar="ELF", help="keep the built program here")
    _add_sim_options(p)

    p = sub.add_parser("inspect", help="show a model's layers, shapes, MACs, parameters",
                       description="Import an ONNX model (or zoo model) and print one line per "
                                   "layer: output shape, MACs, parameters, quantization.")
    p.add_argument("model", help="zoo model name or .onnx path")
    p.add_argument("--calibration", metavar="X.npy",
                   help="calibration inputs (B, ...) float32, to quantize a float model")

    p = sub.add_parser("compile", help="compile a model to firmware for the SoC",
                       description="Compile a quantized model (zoo name or .onnx) for a config "
                                   "and strategy: DIR gets network.c, firmware.elf, l3.bin "
                                   "and manifest.json (every layer's unit, shapes, buffers, "
                                   "DMA transfers and estimated cycles).")
    p.add_argument("model", help="zoo model name or .onnx path")
    _add_compile_options(p)
    p.add_argument("-o", "--output", metavar="DIR",
                   help="output directory (required unless --dump-after stops earlier)")
    p.add_argument("--dump-after", metavar="PASS", choices=_pass_names(),
                   help=f"print the plan after PASS as JSON and stop "
                        f"({', '.join(_pass_names())})")

    p = sub.add_parser("run", help="run a model on the SoC (or golden) and check it",
                       description="Compile a model, run it on a simulated SoC (its L3 image "
                                   "and input loaded by backdoor) or on the golden executor, "
                                   "and compare the output with the golden reference: exit 1 "
                                   "naming the first differing layer. The input is what the "
                                   "model declares (float32 for a QDQ model); without --input "
                                   "a seeded random one is used.")
    p.add_argument("model", help="zoo model name or .onnx path")
    p.add_argument("--backend", default="golden", choices=("golden", "verilator", "icarus"),
                   help="where it runs (default: golden)")
    _add_compile_options(p)
    p.add_argument("--input", metavar="X.npy", help="the input tensor")
    p.add_argument("--output", metavar="Y.npy", help="write the output tensor here")
    p.add_argument("--seed", type=int, default=0, help="seed of the random input (default: 0)")
    p.add_argument("--check-layers", action="store_true",
                   help="copy every layer's output out and compare each with golden")
    p.add_argument("--max-cycles", type=int, default=None, metavar="N",
                   help="stop the simulation after N cycles (default: 2,000,000,000)")

    p = sub.add_parser("zoo", help="list or export the model zoo",
                       description="The MLPerf Tiny networks and the trained digits model.")
    zsub = p.add_subparsers(dest="zoo_command", metavar="ACTION", required=True)
    zsub.add_parser("list", help="list the zoo models")
    z = zsub.add_parser("export", help="write a zoo model as ONNX")
    z.add_argument("name", help="zoo model name")
    z.add_argument("-o", "--output", metavar="FILE.onnx", help="default: NAME.onnx")

    p = sub.add_parser("cim-sweep", help="CIM layers at several noise levels vs the ideal CIM",
                       description="Run the golden executor with the model's CIM layers on the "
                                   "CIM model at each noise sigma (ADC LSBs); print agreement "
                                   "with the ideal CIM and accuracy (labelled inputs) as a "
                                   "table and a JSON line, and write a PNG plot.")
    p.add_argument("model", help="zoo model name")
    p.add_argument("--sigma", default="0,0.5,1,2", help="noise levels (default: 0,0.5,1,2)")
    p.add_argument("--seeds", type=int, default=3, help="noise seeds per sigma (default: 3)")
    p.add_argument("--images", type=int, default=None, help="use the first N inputs")
    p.add_argument("--ternarize", action="store_true",
                   help="ternarize the hidden conv2d/dense layers first (HTVM's mixed)")
    p.add_argument("--config", default="default", help="config giving the macro size")
    p.add_argument("--plot", metavar="FILE.png", help="default: cim-sweep-MODEL.png")

    p = sub.add_parser("demo", help="build and run the hello-world firmware on the SoC",
                       description="The first thing to run on a fresh install.")
    _add_sim_options(p)
    return parser


def _add_compile_options(p: argparse.ArgumentParser):
    p.add_argument("--config", default="default",
                   help=_CONFIG_HELP)
    p.add_argument("--strategy", default="npu", metavar="S",
                   help="cpu (every layer on the host), npu (every layer the NPU supports "
                        "on the NPU, the rest on the host) or cim (every ternary conv2d and "
                        "dense layer on the CIM, the rest on the host) (default: npu)")
    p.add_argument("--overrides", metavar="FILE",
                   help="TOML file pinning layers to units: [layers] name = "
                        "\"cpu\"|\"npu\"|\"cim\"")
    p.add_argument("--cim-noise", type=float, default=0.0, metavar="SIGMA",
                   help="the CIM's noise model on, SIGMA ADC LSBs (default 0: off); the "
                        "reference draws the hardware's seeded samples")
    p.add_argument("--calibration", metavar="X.npy",
                   help="calibration inputs (B, ...) float32, to quantize a float model")


def _pass_names() -> tuple[str, ...]:
    # The compiler's pass names, without importing it for every command's --help.
    return ("legalize", "dispatch", "place", "codegen", "build")


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

    config = load_config_arg(args.name, "config")
    if args.header:
        print(generate_header(config), end="")
        return 0
    print(f"config {config.name}: {config.description}")
    print(address_map_markdown(config), end="")
    return 0


def _cmd_rtl(args) -> int:
    from .outputs import check_output_dir
    from .rtlgen import write_rtl

    out_dir = check_output_dir(args.output, "-o")
    config = load_config_arg(args.config)
    for path in write_rtl(config, out_dir):
        print(f"wrote {path}")
    return 0


#: The waveform format each simulator writes, as the suffix --waves must end in.
_WAVE_SUFFIX = {"verilator": ".vcd", "amaranth": ".vcd", "icarus": ".fst"}


def _check_sim_options(args):
    """Everything a simulation command is given, checked before any build: the config, a
    positive --max-cycles and a writable --waves file. Returns (config, max_cycles)."""
    from .outputs import check_output_file
    from .sim.harness import DEFAULT_MAX_CYCLES

    max_cycles = DEFAULT_MAX_CYCLES if args.max_cycles is None else args.max_cycles
    if max_cycles <= 0:
        raise UsageError(f"--max-cycles must be a positive number, not {max_cycles}")
    if args.waves is not None:
        suffix = _WAVE_SUFFIX[args.backend]
        check_output_file(args.waves, "--waves", suffixes=(suffix,),
                          what=f"the {args.backend} waveform")
    return load_config_arg(args.config), max_cycles


def _run_and_report(elf, args, config, max_cycles) -> int:
    from .outputs import atomic_output
    from .sim.harness import run_elf
    from .traps import describe_trap

    if args.waves is None:
        result = run_elf(elf, config, args.backend, max_cycles=max_cycles)
    else:
        # Kept whatever the program's ending (a trap is what waves are for), but only once
        # the simulator has finished writing them.
        with atomic_output(args.waves) as waves:
            result = run_elf(elf, config, args.backend, max_cycles=max_cycles, waves=waves)
    sys.stdout.write(result.console)
    if result.console and not result.console.endswith("\n"):
        sys.stdout.write("\n")
    print(f"cycles={result.cycles} instret={result.instret}")
    sys.stdout.flush()
    if result.status == "exit":
        status = result.exit_code & 0xFF
        status = status if status or not result.exit_code else 1
        if result.exit_code:
            # The shell keeps 8 bits of it: say the whole code (an HTIF test's case and flag).
            full = result.exit_code
            shown = f"{full}" if full == status else f"{full} ({full:#x}; exit status {status})"
            print(f"hetsoc: the program exited with code {shown}", file=sys.stderr)
        return status
    if result.status == "timeout":
        busy = getattr(result, "busy_units", [])
        waiting = f"; still busy: {'; '.join(busy)}" if busy else ""
        print(f"hetsoc: error: the program did not finish within {max_cycles} cycles"
              f"{waiting} (raise --max-cycles, or check for an endless loop"
              f"{' or a unit that never finishes' if busy else ''})", file=sys.stderr)
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
    from .elf import load_elf

    config, max_cycles = _check_sim_options(args)
    return _run_and_report(load_elf(args.elf, config), args, config, max_cycles)


def _cmd_sim_c(args) -> int:
    from .firmware import build_firmware
    from .outputs import atomic_output, check_output_file

    for src in args.sources:
        if Path(src).is_dir():
            raise UsageError(f"source {src!r} is a directory: give .c and .S files")
        if not Path(src).is_file():
            raise UsageError(f"source file {src!r} does not exist")
    for folder in getattr(args, "include", ()):
        if not Path(folder).is_dir():
            raise UsageError(f"-I {folder!r}: no such directory")
    for define in getattr(args, "define", ()):
        if not re.fullmatch(r"[A-Za-z_]\w*(=.*)?", define, re.S) or "\n" in define:
            raise UsageError(f"-D {define!r}: give NAME or NAME=VALUE, NAME a C identifier")
    output = getattr(args, "output", None)
    if output is not None:
        check_output_file(output, "-o")
    config, max_cycles = _check_sim_options(args)
    with tempfile.TemporaryDirectory(prefix="hetsoc-c-") as tmp:
        elf = build_firmware(args.sources, config, Path(tmp) / "program.elf",
                             opt=f"-O{args.opt}", defines=getattr(args, "define", None),
                             extra_cflags=[f"-I{Path(d).resolve()}"
                                           for d in getattr(args, "include", ())])
        if output is not None:   # kept before the run: a trapping program is worth keeping
            with atomic_output(output) as kept:
                shutil.copyfile(elf, kept)
            print(f"hetsoc: wrote {output}", file=sys.stderr)
        return _run_and_report(elf, args, config, max_cycles)


def _cmd_demo(args) -> int:
    from .firmware import sw_path

    args.sources, args.opt = [str(sw_path("examples", "hello.c"))], "2"
    print(f"hetsoc demo: hello.c on the {args.config} SoC, {args.backend} backend "
          "(the first run builds the simulator, about a minute)", flush=True)
    return _cmd_sim_c(args)


def _import(args):
    from .models import load_model

    calib = None if args.calibration is None else load_npy(args.calibration, "--calibration")
    try:
        return load_model(args.model, calibration=calib)
    except ValueError as e:
        # The loader names the file when reading fails; the importer names the node. Say
        # which model too, when several commands in a script take different ones.
        if args.model in str(e):
            raise
        raise UsageError(f"model {args.model!r}: {str(e).splitlines()[0]}") from None


def _cmd_inspect(args) -> int:
    from .ir import layer_table

    _, graph = _import(args)
    print(layer_table(graph))
    return 0


def _compile(args, graph, out_dir, *, check_layers=False, until=None, on_pass=None):
    from .compiler import compile_graph

    options = {"cim": {"noise_sigma": args.cim_noise}} if args.cim_noise else None
    return compile_graph(graph, config=args.config, strategy=args.strategy,
                         overrides=args.overrides, unit_options=options, out_dir=out_dir,
                         check_layers=check_layers, until=until, on_pass=on_pass)


def _cmd_compile(args) -> int:
    import json

    from .outputs import check_output_dir

    if args.dump_after is None and args.output is None:
        raise UsageError("give an output directory with -o DIR (or stop early with "
                         "--dump-after PASS)")
    out_dir = check_output_dir(args.output, "-o") if args.output is not None else None
    load_config_arg(args.config)
    _, graph = _import(args)
    if args.dump_after is not None:
        plan = _compile(args, graph, out_dir if args.dump_after == "build" else None,
                        until=args.dump_after)
        print(json.dumps(plan.to_json(), indent=1))
        return 0
    plan = _compile(args, graph, out_dir)
    m = plan.manifest
    units = ", ".join(f"{n} on the {u}" for u, n in m["units"].items())
    print(f"compiled {plan.name} for {plan.config.name} ({plan.strategy}): {len(plan.layers)} "
          f"layers ({units}), {m['macs']:,} MACs, {m['cycles_estimate']:,} cycles estimated")
    from .compiler import OUTPUTS

    print("wrote " + ", ".join(str(plan.out_dir / name) for name in OUTPUTS))
    return 0


def _show(y, label):
    import numpy as np

    flat = y.reshape(-1)
    shown = ", ".join(f"{v:.4g}" if y.dtype.kind == "f" else str(v) for v in flat[:16])
    more = ", ..." if flat.size > 16 else ""
    print(f"output {label} {y.dtype}{list(y.shape)}: [{shown}{more}]")
    if flat.size > 1:
        print(f"argmax {int(np.argmax(flat))}")


def _cmd_run(args) -> int:
    import numpy as np

    from .crosscheck import check_input, random_input
    from .outputs import atomic_output, check_output_file
    from .runtime import DEFAULT_MAX_CYCLES, RunError, run_network

    max_cycles = DEFAULT_MAX_CYCLES if args.max_cycles is None else args.max_cycles
    if max_cycles <= 0:
        raise UsageError(f"--max-cycles must be a positive number, not {max_cycles}")
    out_path = check_output_file(args.output, "--output") if args.output is not None else None
    x = load_npy(args.input, "--input") if args.input is not None else None
    load_config_arg(args.config)
    _, graph = _import(args)
    if x is None:
        x = random_input(graph, args.seed)
    else:
        try:
            check_input(graph, x)  # before a compile and a firmware build, not after
        except ValueError as e:
            raise UsageError(f"--input {args.input!r}: {e}") from None
    with tempfile.TemporaryDirectory(prefix="hetsoc-run-") as tmp:
        hdl = args.backend != "golden"
        plan = _compile(args, graph, Path(tmp) if hdl else None,
                        check_layers=args.check_layers and hdl)
        try:
            run = run_network(plan, x, backend=args.backend, max_cycles=max_cycles)
        except RunError as e:
            print(f"hetsoc: error: {e}", file=sys.stderr)
            return EXIT_TIMEOUT if "did not finish" in str(e) else EXIT_TRAP
    _show(run.output, plan.boundary.model_output)
    if run.cycles is not None:
        print(f"cycles={run.cycles} instret={run.instret} ({args.backend}, {plan.strategy} "
              f"strategy, config {plan.config.name})")
    if out_path is not None:
        with atomic_output(out_path) as tmp, open(tmp, "wb") as f:
            np.save(f, run.output)  # to a file object: np.save(path) adds ".npy" to a name
        print(f"wrote {out_path}")
    if run.mismatch is not None:
        print(f"hetsoc: error: mismatch: {run.mismatch.line()}", file=sys.stderr)
        return 1
    if args.backend != "golden":
        what = f"all {run.layers_compared} layers and the output" if run.layers_compared \
            else "the output"
        print(f"bit-exact with golden: {what}")
    return 0


def _cmd_zoo(args) -> int:
    from . import zoo
    from .outputs import atomic_output, check_output_file

    if args.zoo_command == "list":
        for name in zoo.names():
            print(name)
        return 0
    path = check_output_file(f"{args.name}.onnx" if args.output is None else args.output, "-o")
    with atomic_output(path) as tmp:
        zoo.export(args.name, tmp)
    print(f"wrote {path}")
    return 0


#: Image formats matplotlib's Agg backend writes without extra packages.
_PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def _cmd_cim_sweep(args) -> int:
    from . import zoo
    from .cim_sweep import parse_sigmas, plot_sweep, sweep, sweep_table
    from .onnx_import import import_model
    from .outputs import atomic_output, check_output_file

    sigmas = parse_sigmas(args.sigma)
    if args.seeds < 1 or (args.images is not None and args.images < 1):
        raise UsageError(f"--seeds and --images must be >= 1, not {args.seeds}, {args.images}")
    if args.model not in zoo.names():
        raise UsageError(f"model must be a zoo model ({', '.join(zoo.names())}), "
                         f"not {args.model!r}")
    # The default name too: the current directory may be read-only. Matplotlib picks the
    # format from the suffix (and adds ".png" to a name without one), so the suffix is checked.
    path = check_output_file(f"cim-sweep-{args.model}.png" if args.plot is None else args.plot,
                             "--plot", suffixes=_PLOT_SUFFIXES, what="the plot")
    cim = load_config_arg(args.config).cim
    graph = import_model(zoo.load(args.model), name=args.model)
    result = sweep(args.model, graph, sigmas, seeds=args.seeds, images=args.images,
                   rows=cim.rows, cols=cim.cols, ternarize=args.ternarize)
    with atomic_output(path) as tmp:
        plot_sweep(result, tmp)
    print(sweep_table(result))
    print(f"wrote {path}", file=sys.stderr)
    return 0


_COMMANDS = {
    "doctor": _cmd_doctor, "config": _cmd_config, "rtl": _cmd_rtl, "sim-elf": _cmd_sim_elf,
    "sim-c": _cmd_sim_c, "demo": _cmd_demo, "inspect": _cmd_inspect, "run": _cmd_run,
    "compile": _cmd_compile,
    "zoo": _cmd_zoo, "cim-sweep": _cmd_cim_sweep,
}


def main(argv=None) -> int:
    # Only light imports here: every command pays for them. The compiler's, importer's, IR's,
    # config's and ELF loader's errors are ValueErrors, each a one-line message.
    from .firmware import FirmwareError
    from .sim.hdl import SimulatorError

    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed as one line
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        return _COMMANDS[args.command](args)
    except (UsageError, FirmwareError, SimulatorError, ValueError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"hetsoc: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hetsoc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`hetsoc inspect model | head`): stop quietly, as cat does.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
