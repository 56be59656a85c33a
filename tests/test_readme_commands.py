"""The README's commands run as written (issue 17): each ``hetsoc`` command parses with the
CLI's own parser, every file a command reads is in the checkout or written by an earlier
command, nothing but ``.venv/bin/...`` runs before the activation step, every command is one
that `bench/readme_commands.py` runs (or lists as skipped, with its reason), and the cheap
ones run here, in-process, in README order. The bench runs all of them from a fresh clone."""

import re
import shlex
import subprocess
import sys
from importlib import util
from pathlib import Path

import pytest

from hetsoc.cli import _parser, main
from hetsoc.testing.readme import hetsoc_argv, readme_commands, split_and, split_comment

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = readme_commands((ROOT / "README.md").read_text())
STEPS = [(c, step) for c in COMMANDS if c.skip is None for step in c.steps]
HETSOC = [(c, argv) for c, step in STEPS if (argv := hetsoc_argv(step)) is not None]
ACTIVATE = {". .venv/bin/activate", "source .venv/bin/activate"}

#: Options and arguments naming a file or folder a command reads; and one it writes.
INPUTS = ("sources", "elf", "input", "include", "calibration", "overrides")
OUTPUT = "output"


def _args(argv):
    try:
        return _parser().parse_args(argv)
    except SystemExit as e:
        raise AssertionError(f"hetsoc {shlex.join(argv)}: exit {e.code} from argparse") from None


def test_the_shell_lexer():
    assert split_and("a && b 'x && y' && c") == ["a", "b 'x && y'", "c"]
    assert split_comment("python -c \"print('# no')\"  # yes") == ("python -c \"print('# no')\"",
                                                                   "yes")
    text = "```sh\nrun a \\\n  --flag  # why [not run here: no board]\n```\n```toml\nx = 1\n```\n"
    (command,) = readme_commands(text)
    assert (command.text, command.skip, command.line) == ("run a --flag", "no board", 2)


def test_install_comes_first_and_nothing_runs_outside_the_venv_before_activation():
    assert COMMANDS[0].steps[:2] == ["python3 -m venv .venv", ".venv/bin/pip install ."]
    active = False
    for command, step in STEPS:
        if step in ACTIVATE:
            active = True
            continue
        tool = shlex.split(step)[0]
        if tool in ("hetsoc", "python", "pip", "pytest"):
            assert active, f"README line {command.line}: {step!r} before `. .venv/bin/activate`"


@pytest.mark.parametrize("argv", [argv for _, argv in HETSOC], ids=shlex.join)
def test_every_hetsoc_command_parses(argv):
    _args(argv)


def test_the_docs_hetsoc_commands_parse_too():
    """docs/*.md show commands in shell blocks as well: the same parser takes each."""
    shown = [(doc.name, argv) for doc in sorted((ROOT / "docs").glob("*.md"))
             for c in readme_commands(doc.read_text()) for step in c.steps
             if (argv := hetsoc_argv(step)) is not None]
    assert len(shown) >= 5, shown
    for _, argv in shown:
        _args(argv)


def test_every_file_a_command_reads_is_there_or_written_before():
    written: set[Path] = set()
    for command, step in STEPS:
        where = f"README line {command.line}: {step}"
        words = shlex.split(step)
        argv = hetsoc_argv(step)
        if argv is not None:
            args = _args(argv)
            names = [getattr(args, a, None) for a in INPUTS]
            if str(getattr(args, "model", "")).endswith(".onnx"):
                names.append(args.model)
            for name in names:
                for path in [name] if isinstance(name, str) else name or []:
                    assert (ROOT / path).exists() or Path(path) in written, f"{where}: {path}"
            if getattr(args, OUTPUT, None):
                written.add(Path(getattr(args, OUTPUT)))
        elif words[0] == ".venv/bin/python" and words[1].endswith(".py"):
            assert (ROOT / words[1]).is_file(), where
        elif "pip" in Path(words[0]).name and "install" in words:
            for target in words[words.index("install") + 1:]:
                path = re.sub(r"\[.*\]$", "", target)
                assert (ROOT / path).exists(), f"{where}: {path}"
        elif words[1:3] == ["-m", "pytest"]:
            for path in (w for w in words[3:] if not w.startswith("-") and "/" in w):
                assert (ROOT / path).exists(), f"{where}: {path}"
        written.update(Path(p) for p in re.findall(r"np\.save\('([^']+)'", step))


def _bench():
    spec = util.spec_from_file_location("readme_commands_bench",
                                        ROOT / "bench" / "readme_commands.py")
    module = util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_bench_runs_every_readme_command():
    steps = _bench().plan(COMMANDS)
    for number, command in enumerate(COMMANDS, 1):
        mine = [s for s in steps if s.command == number]
        if command.skip is not None:
            assert len(mine) == 1 and mine[0].note == f"skipped: {command.skip}"
        else:
            assert " && ".join(s.text for s in mine) == " && ".join(command.steps)


def _cheap(step):
    argv = hetsoc_argv(step)
    if argv is None:
        return shlex.split(step)[:2] == ["python", "-c"]
    args = _args(argv)
    return args.command in ("config", "zoo", "inspect") or (
        args.command == "run" and args.backend == "golden")


def test_the_cheap_commands_run_in_process(tmp_path, monkeypatch, capsys):
    """In README order in one folder (a later command reads what an earlier one wrote)."""
    monkeypatch.chdir(tmp_path)
    ran = []
    for command, step in STEPS:
        if not _cheap(step):
            continue
        argv = hetsoc_argv(step)
        if argv is None:
            proc = subprocess.run([sys.executable, *shlex.split(step)[1:]], cwd=tmp_path,
                                  capture_output=True, text=True, timeout=300)
            code, err = proc.returncode, proc.stderr
        else:
            code, err = main(argv), capsys.readouterr().err
        assert code == 0, f"README line {command.line}: {step}: exit {code}\n{err}"
        ran.append(step)
    assert len(ran) >= 6, ran
