"""The bad inputs of the campaign: the files they need (`make_assets`) and the cases (`CASES`).

A case is a command line and the fragments its one error line must hold: the option or the
file it is about, and often the problem. ``{a}`` in either stands for the directory of shared
input files, ``{t}`` for the case's own scratch directory (where outputs would go). Cases are
generated as products (every output option x every kind of bad path, every config command x
every bad config...) so a new option or command is one line here and gets them all.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .common import EM_X86_64, craft_elf, default_toml, float_model, good_elf, good_onnx, qdq_models

BASE = 0x8000_0000
CODE = b"\x6f\x00\x00\x00"  # j . : anything loadable


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    fragments: tuple[str, ...]
    #: An output-path case: every long step (import, compile, build, simulation) must not run.
    output: bool = False
    #: Guarded steps the case may enter, because the check it trips is their first act.
    reaches: tuple[str, ...] = ()


def make_assets(a: Path) -> None:
    """Write every input file the cases name into ``a`` (a few seconds: one firmware build)."""
    a.mkdir(parents=True, exist_ok=True)
    elf = good_elf(a).read_bytes()
    onnx_bytes = good_onnx(a).read_bytes()
    toml = default_toml()
    seg = [(BASE, CODE, 4)]
    files = {
        # ELF files: every way one can be unrunnable
        "rv64.elf": craft_elf(seg, cls=2), "be.elf": craft_elf(seg, data=2),
        "be-flipped.elf": elf[:5] + b"\x02" + elf[6:],
        "x86.elf": craft_elf([(0x1000, CODE, 4)], machine=EM_X86_64, cls=2),
        "mips.elf": craft_elf([(0x1000, CODE, 4)], machine=8, data=2),
        "unknown.elf": craft_elf(seg, machine=0x1234),
        "rel.elf": craft_elf(seg, e_type=1), "dyn.elf": craft_elf(seg, e_type=3),
        "core.elf": craft_elf(seg, e_type=4), "notype.elf": craft_elf(seg, e_type=0),
        "entry0.elf": craft_elf(seg, entry=0), "entry4.elf": craft_elf(seg, entry=BASE + 4),
        "far.elf": craft_elf([(0x1000, CODE, 4)], entry=0x1000),
        "noseg.elf": craft_elf([]), "huge.elf": craft_elf([(BASE, CODE, 0xFFFF_FFF0)]),
        "bad-class.elf": elf[:4] + b"\x03" + elf[5:],
        "empty.elf": b"", "text.elf": b"hello, not a program\n" * 8, "zeros.elf": bytes(1024),
        "onnx.elf": onnx_bytes,
        **{f"cut{n}.elf": elf[:n] for n in (4, 16, 40, 52, 84, 300, len(elf) // 2)},
        # ONNX files
        "empty.onnx": b"", "text.onnx": b"not a model\n", "junk.onnx": bytes(range(256)) * 4,
        "elf.onnx": elf, **{f"cut{n}.onnx": onnx_bytes[:n] for n in (10, 100, 2000)},
        "float.onnx": float_model().SerializeToString(),
        **{f"{k}.onnx": m.SerializeToString() for k, m in qdq_models().items()},
        # TOML configs: malformed
        "empty.toml": "", "garbage.toml": "name = [", "binary.toml": bytes(range(256)),
        "cut.toml": toml[:len(toml) // 2],
        # semantically invalid (after tests/test_config.py's list)
        "unknown-key.toml": "bogus = 1\n" + toml,
        "not-pow2.toml": toml.replace("size = 0x8_0000", "size = 0x7_0000"),
        "overlap.toml": toml.replace("base = 0x2000_0000", "base = 0x1000_0000"),
        "reset.toml": toml.replace("reset_vector = 0x8000_0000", "reset_vector = 0x1000_0000"),
        "kind.toml": toml.replace('kind = "cim"', 'kind = "tpu"'),
        "banks.toml": toml.replace("banks = 4", "banks = 3"),
        "string-int.toml": toml.replace("channels = 2", 'channels = "two"'),
        "negative.toml": toml.replace("channels = 2", "channels = -2"),
        "huge-int.toml": toml.replace("channels = 2", "channels = 99999999999999999999"),
        "npu-rows.toml": toml.replace("rows = 16\n", "rows = 18\n"),
        # overrides files
        "ov-garbage.toml": "[layers\n", "ov-unit.toml": '[layers]\ndense1 = "tpu"\n',
        "ov-layer.toml": '[layers]\nnope = "cpu"\n', "ov-int.toml": "[layers]\ndense1 = 3\n",
        "ov-table.toml": "layers = 3\n", "ov-key.toml": '[units]\ndense1 = "cpu"\n',
        # other
        "hello.txt": "hello\n", "empty.c": "",
    }
    for name, data in files.items():
        (a / name).write_bytes(data.encode() if isinstance(data, str) else data)
    for name in ("elf.dir", "onnx.dir", "toml.dir", "npy.dir", "src.dir"):
        (a / name).mkdir(exist_ok=True)
    shutil.copy(a / "good.elf", a / "good-copy.elf")
    # .npy inputs: digits takes float32 [1, 1, 8, 8]; float.onnx calibrates on (B, 3, 8, 8)
    x = np.random.default_rng(1).uniform(0, 1, (1, 1, 8, 8)).astype(np.float32)
    arrays = {
        "x64": x.astype(np.float64), "xi8": x.astype(np.int8), "xi32": x.astype(np.int32),
        "shape": x.reshape(1, 64), "zero-size": np.zeros((0,), np.float32),
        "scalar": np.float32(1), "nan": np.full_like(x, np.nan), "inf": np.full_like(x, np.inf),
        "one-nan": np.where(np.arange(64).reshape(x.shape) == 7, np.nan, x).astype(np.float32),
        "complex": x.astype(np.complex64), "str": np.array(["a", "b"]),
        "bool": np.ones(x.shape, bool),
        "calib-nan": np.full((4, 3, 8, 8), np.nan, np.float32),
        "calib-shape": np.zeros((4, 3, 4, 4), np.float32),
        "calib-int": np.zeros((4, 3, 8, 8), np.int8),
        "calib-empty": np.zeros((0, 3, 8, 8), np.float32),
    }
    for name, arr in arrays.items():
        np.save(a / f"{name}.npy", arr)
    np.save(a / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    raw = (a / "x64.npy").read_bytes()
    (a / "cut.npy").write_bytes(raw[:len(raw) // 2])
    (a / "text.npy").write_text("not numpy\n")
    (a / "empty.npy").write_bytes(b"")
    with open(a / "npz.npy", "wb") as f:
        np.savez(f, x=x)


HELLO = "{a}/good.elf"

# Output paths of files, each of them bad: (id, path, fragment). "{sfx}" is the right suffix.
BAD_FILE_PATHS = [
    ("missing-dir", "{t}/no/out{sfx}", "does not exist"),
    ("under-a-file", "{t}/file/out{sfx}", "Not a directory"),
    ("proc", "/proc/out{sfx}", "cannot create a file in '/proc'"),
    ("a-directory", "{t}", "is a directory"),
    ("empty", "", "is empty"),
    ("device", "/dev/null", ""),
    ("fifo", "{t}/fifo{sfx}", "not a regular file"),
]
if os.geteuid() != 0:  # root writes anywhere: a read-only directory refuses only others
    BAD_FILE_PATHS.append(("read-only-dir", "{t}/ro/out{sfx}", "cannot create a file"))

# Every option that names a file to write: (id, argv before the option, option, suffix).
FILE_OPTIONS = [
    ("sim-elf-verilator", ["sim-elf", HELLO], "--waves", ".vcd"),
    ("sim-elf-amaranth", ["sim-elf", HELLO, "--backend", "amaranth"], "--waves", ".vcd"),
    ("sim-elf-icarus", ["sim-elf", HELLO, "--backend", "icarus"], "--waves", ".fst"),
    ("sim-c", ["sim-c", "{a}/empty.c"], "--waves", ".vcd"),
    ("sim-c-elf", ["sim-c", "{a}/empty.c"], "-o", ""),
    ("demo", ["demo"], "--waves", ".vcd"),
    ("run-golden", ["run", "digits"], "--output", ""),
    ("run-verilator", ["run", "digits", "--backend", "verilator"], "--output", ""),
    ("zoo-export", ["zoo", "export", "digits"], "-o", ""),
    ("cim-sweep", ["cim-sweep", "resnet-8", "--images", "2"], "--plot", ".png"),
]
SUFFIXED = {"--waves", "--plot"}

BAD_DIR_PATHS = [
    ("existing-file", "{t}/file", "exists and is not a directory"),
    ("under-a-file", "{t}/file/out", "is not a directory"),
    ("proc-child", "/proc/out", "cannot create a file in '/proc'"),
    ("proc", "/proc", "cannot create a file in '/proc'"),
    ("empty", "", "is empty"),
    ("device", "/dev/null", "exists and is not a directory"),
]
DIR_OPTIONS = [("rtl", ["rtl"]), ("compile", ["compile", "digits"])]


def _output_cases():
    for oid, pre, option, sfx in FILE_OPTIONS:
        paths = list(BAD_FILE_PATHS)
        if option in SUFFIXED:
            paths.append(("wrong-suffix", "{t}/out.txt", f"ending in {sfx}"))
        for pid, path, frag in paths:
            yield Case(f"out-{oid}-{pid}", (*pre, option, path.replace("{sfx}", sfx)),
                       (option, frag), output=True)
    for oid, pre in DIR_OPTIONS:
        for pid, path, frag in BAD_DIR_PATHS:
            yield Case(f"outdir-{oid}-{pid}", (*pre, "-o", path), (path or "-o", frag),
                       output=True)


ELF_CASES = {  # file: fragment of the problem
    "missing.elf": "no such file", "elf.dir": "is a directory", "empty.elf": "not an ELF",
    "text.elf": "not an ELF", "zeros.elf": "not an ELF", "onnx.elf": "not an ELF",
    "rv64.elf": "RV64", "be.elf": "big-endian", "be-flipped.elf": "big-endian",
    "x86.elf": "x86-64", "mips.elf": "MIPS", "unknown.elf": "machine 4660",
    "rel.elf": "ET_REL", "dyn.elf": "ET_DYN", "core.elf": "ET_CORE", "notype.elf": "ET_NONE",
    "entry0.elf": "entry point 0x00000000", "entry4.elf": "entry point 0x80000004",
    "far.elf": "outside main_memory", "noseg.elf": "no loadable segments",
    "huge.elf": "corrupt ELF", "bad-class.elf": "bad class",
    **{f"cut{n}.elf": "" for n in (4, 16, 40, 52, 84, 300)},
}

CONFIGS = {  # --config value: fragment
    "nope": "unknown config 'nope'", "{a}/missing.toml": "does not exist",
    "{a}/toml.dir": "is a directory", "{a}/empty.toml": "empty.toml",
    "{a}/garbage.toml": "not valid TOML", "{a}/binary.toml": "binary.toml",
    "{a}/cut.toml": "cut.toml", "{a}/unknown-key.toml": "unknown key 'bogus'",
    "{a}/not-pow2.toml": "power of two", "{a}/overlap.toml": "overlaps",
    "{a}/reset.toml": "reset_vector", "{a}/kind.toml": "unknown accelerator kind 'tpu'",
    "{a}/banks.toml": "banks", "{a}/string-int.toml": "channels",
    "{a}/negative.toml": "channels", "{a}/huge-int.toml": "channels",
    "{a}/npu-rows.toml": "rows must be a multiple of 4",
}
CONFIG_COMMANDS = {
    "config": lambda c: ["config", c], "config-header": lambda c: ["config", c, "--header"],
    "rtl": lambda c: ["rtl", "--config", c, "-o", "{t}/rtl"],
    "sim-elf": lambda c: ["sim-elf", HELLO, "--config", c],
    "compile": lambda c: ["compile", "digits", "--config", c, "-o", "{t}/c"],
    "run": lambda c: ["run", "digits", "--config", c],
    "demo": lambda c: ["demo", "--config", c],
}

MODELS = {  # model argument: fragment
    "{a}/missing.onnx": "does not exist", "{a}/onnx.dir": "not a file",
    "{a}/empty.onnx": "empty", "{a}/text.onnx": "not an ONNX model",
    "{a}/junk.onnx": "not an ONNX model", "{a}/elf.onnx": "not an ONNX model",
    "{a}/cut10.onnx": "", "{a}/cut100.onnx": "", "{a}/cut2000.onnx": "",
    "{a}/float.onnx": "calibration", "{a}/sigmoid.onnx": "Sigmoid", "no-such-model": "no-such",
}
MODEL_COMMANDS = {
    "inspect": lambda m: ["inspect", m],
    "compile": lambda m: ["compile", m, "-o", "{t}/c"],
    "dump": lambda m: ["compile", m, "--dump-after", "dispatch"],
    "run": lambda m: ["run", m],
}

NPY = {  # --input file: fragment (digits takes float32 [1, 1, 8, 8])
    "missing.npy": "does not exist", "npy.dir": "is a directory", "empty.npy": "not a .npy",
    "text.npy": "not a .npy", "cut.npy": "not a .npy", "obj.npy": "not a .npy",
    "npz.npy": ".npz archive", "x64.npy": "not float64", "xi8.npy": "not int8",
    "xi32.npy": "not int32", "bool.npy": "not bool", "shape.npy": "shape [1, 1, 8, 8]",
    "zero-size.npy": "shape", "scalar.npy": "shape", "nan.npy": "NaN", "inf.npy": "infinite",
    "one-nan.npy": "NaN", "complex.npy": "complex64", "str.npy": "<U1",
}
CALIBRATION = {  # --calibration of float.onnx: fragment
    "missing.npy": "does not exist", "npy.dir": "is a directory", "text.npy": "not a .npy",
    "calib-nan.npy": "NaN", "calib-shape.npy": "shape", "calib-int.npy": "must be float",
    "calib-empty.npy": "shape", "complex.npy": "complex64", "obj.npy": "not a .npy",
}
OVERRIDES = {
    "{a}/missing.toml": "does not exist", "{a}/toml.dir": "is a directory",
    "{a}/ov-garbage.toml": "ov-garbage.toml", "{a}/ov-unit.toml": "'tpu'",
    "{a}/ov-layer.toml": "nope", "{a}/ov-int.toml": "dense1", "{a}/ov-table.toml": "layers",
    "{a}/ov-key.toml": "units",
}

OPTIONS = [  # (id, argv, fragment): options out of range or of the wrong kind
    ("no-command", [], "COMMAND"), ("unknown-command", ["frob"], "frob"),
    ("unknown-option", ["run", "digits", "--frob"], "--frob"), ("zoo-no-action", ["zoo"], "ACTION"),
    ("zoo-unknown", ["zoo", "export", "nope"], "unknown model 'nope'"),
    ("sim-elf-no-elf", ["sim-elf"], "elf"),
    ("sim-elf-cycles-0", ["sim-elf", HELLO, "--max-cycles", "0"], "--max-cycles"),
    ("sim-elf-cycles-neg", ["sim-elf", HELLO, "--max-cycles", "-5"], "--max-cycles"),
    ("sim-elf-cycles-text", ["sim-elf", HELLO, "--max-cycles", "abc"], "--max-cycles"),
    ("sim-elf-cycles-float", ["sim-elf", HELLO, "--max-cycles", "1.5"], "--max-cycles"),
    ("sim-elf-backend", ["sim-elf", HELLO, "--backend", "qemu"], "--backend"),
    ("sim-c-no-source", ["sim-c"], "sources"),
    ("sim-c-missing", ["sim-c", "{a}/missing.c"], "missing.c"),
    ("sim-c-dir", ["sim-c", "{a}/src.dir"], "src.dir"),
    ("sim-c-txt", ["sim-c", "{a}/hello.txt"], "hello.txt"),
    ("sim-c-opt", ["sim-c", "{a}/empty.c", "-O", "9"], "-O"),
    ("sim-c-cycles-0", ["sim-c", "{a}/empty.c", "--max-cycles", "0"], "--max-cycles"),
    ("sim-c-include-missing", ["sim-c", "{a}/empty.c", "-I", "{a}/nowhere"], "-I"),
    ("sim-c-include-file", ["sim-c", "{a}/empty.c", "-I", "{a}/empty.c"], "no such directory"),
    ("sim-c-define-number", ["sim-c", "{a}/empty.c", "-D", "1X=2"], "-D '1X=2'"),
    ("sim-c-define-empty", ["sim-c", "{a}/empty.c", "-D", ""], "NAME or NAME=VALUE"),
    ("demo-cycles-0", ["demo", "--max-cycles", "0"], "--max-cycles"),
    ("demo-backend", ["demo", "--backend", "gpu"], "--backend"),
    ("run-seed", ["run", "digits", "--seed", "abc"], "--seed"),
    ("run-backend", ["run", "digits", "--backend", "amaranth"], "--backend"),
    ("run-strategy", ["run", "digits", "--strategy", "gpu"], "'gpu'"),
    ("run-cycles-0", ["run", "digits", "--max-cycles", "0"], "--max-cycles"),
    ("run-cycles-text", ["run", "digits", "--max-cycles", "x"], "--max-cycles"),
    ("compile-strategy", ["compile", "digits", "--strategy", "gpu", "-o", "{t}/c"], "'gpu'"),
    ("compile-dump-after", ["compile", "digits", "--dump-after", "nope"], "--dump-after"),
    ("compile-no-output", ["compile", "digits"], "-o DIR"),
    ("rtl-no-output", ["rtl"], "-o"),
    ("sweep-sigma-text", ["cim-sweep", "resnet-8", "--sigma", "abc"], "sigma"),
    ("sweep-sigma-empty", ["cim-sweep", "resnet-8", "--sigma", ""], "sigma"),
    ("sweep-sigma-neg", ["cim-sweep", "resnet-8", "--sigma", "-1"], "sigma"),
    ("sweep-sigma-nan", ["cim-sweep", "resnet-8", "--sigma", "nan"], "sigma"),
    ("sweep-sigma-inf", ["cim-sweep", "resnet-8", "--sigma", "0,inf"], "sigma"),
    ("sweep-seeds-0", ["cim-sweep", "resnet-8", "--seeds", "0"], "--seeds"),
    ("sweep-images-0", ["cim-sweep", "resnet-8", "--images", "0"], "--images"),
    ("sweep-images-neg", ["cim-sweep", "resnet-8", "--images", "-3"], "--images"),
    ("sweep-not-zoo", ["cim-sweep", "{a}/digits.onnx"], "zoo model"),
    ("sweep-unknown", ["cim-sweep", "nope"], "'nope'"),
    ("sweep-no-cim-layer", ["cim-sweep", "digits"], "no CIM-eligible layer"),
    ("sweep-config", ["cim-sweep", "resnet-8", "--config", "nope"], "'nope'"),
    ("compile-grouped", ["compile", "{a}/grouped.onnx", "-o", "{t}/c"], "groups 2"),
    ("run-grouped", ["run", "{a}/grouped.onnx"], "groups 2"),
]


def _generated():
    yield from _output_cases()
    for name, frag in ELF_CASES.items():
        yield Case(f"elf-{name}", ("sim-elf", f"{{a}}/{name}"), (f"{{a}}/{name}", frag))
    for cid, make in CONFIG_COMMANDS.items():
        for value, frag in CONFIGS.items():
            yield Case(f"config-{cid}-{Path(value).name}", tuple(make(value)), (frag,))
    for cid, make in MODEL_COMMANDS.items():
        for value, frag in MODELS.items():
            yield Case(f"model-{cid}-{Path(value).name}", tuple(make(value)),
                       (value if value.startswith("{a}") else frag, frag))
    for name, frag in NPY.items():
        yield Case(f"input-{name}", ("run", "digits", "--input", f"{{a}}/{name}"),
                   ("--input", frag))
    for cid in ("inspect", "compile", "run"):
        out = ["-o", "{t}/c"] if cid == "compile" else []
        for name, frag in CALIBRATION.items():
            yield Case(f"calibration-{cid}-{name}",
                       (cid, "{a}/float.onnx", "--calibration", f"{{a}}/{name}", *out),
                       (frag,))
        if cid != "inspect":
            for value, frag in OVERRIDES.items():
                yield Case(f"overrides-{cid}-{Path(value).name}",
                           (cid, "digits", "--overrides", value, *out), ("overrides", frag))
    for cid, argv, frag in OPTIONS:
        # cim-sweep finds out whether a model has CIM layers in its first lines
        reaches = ("hetsoc.cim_sweep.sweep",) if cid == "sweep-no-cim-layer" else ()
        yield Case(f"option-{cid}", tuple(argv), (frag,), reaches=reaches)


CASES = list(_generated())
