"""Every command of the README, run as written from a fresh clone and a fresh virtual environment.

The repository is cloned (``git clone``, the committed tree of HEAD) into a temporary
directory, and each command of the README's shell blocks (`hetsoc.testing.readme`: in order, so
the install steps come first) runs there in bash, each part of an ``a && b`` list its own step.
Every step starts in the directory and environment the previous one left (an activation step
or a ``cd`` carries over, as in one terminal), from an environment with no virtual environment
on PATH and, unless ``--shared-cache``, an empty ``$HETSOC_CACHE`` (every simulator is built
again, as on a fresh machine; pip's own download cache is the user's). A step stops the
command it belongs to when it fails, as ``&&`` does; the next command still runs. A command
marked ``[not run here: REASON]`` in its comment is listed as skipped with the reason.

Prints one line per step as it ends (on stderr), then a table (command, exit code, seconds)
and, as its last line, one JSON object of the figures: ``commands``, ``steps``, ``passed``,
``failed``, ``skipped``, ``not_run``, ``total_s``, and ``step_s`` (seconds per step, keyed by its
command's number and its text). Exit 1
if any step failed. Each step's output is in ``<work>/logs/NN.log``; ``--keep`` keeps
``<work>``, which is removed otherwise.

    python bench/readme_commands.py [--repo DIR] [--readme FILE] [--only N,M] [--keep]
                                    [--shared-cache] [--timeout S]

``--readme FILE`` runs the commands of FILE (copied over the clone's README.md) instead of the
committed README: to try an edited README before committing it. ``--only`` runs commands by
their number in the table (the install commands are not added: give them too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hetsoc.testing.readme import Command, readme_commands  # noqa: E402

#: Appended to every step: the environment and directory it leaves, for the next step.
_SAVE_STATE = '\n__rc=$?; env -0 > "$__HETSOC_ENV"; pwd > "$__HETSOC_PWD"; exit $__rc\n'


@dataclass
class Step:
    command: int        # its command's number, from 1
    text: str
    code: int | None = None     # None: not run (skipped, or an earlier step failed)
    seconds: float = 0.0
    note: str = ""


def plan(commands: list[Command]) -> list[Step]:
    """The steps of every command, in order; a skipped command is one step with its reason."""
    steps = []
    for number, command in enumerate(commands, 1):
        if command.skip is not None:
            steps.append(Step(number, command.text, note=f"skipped: {command.skip}"))
        else:
            steps.extend(Step(number, part) for part in command.steps)
    return steps


def fresh_env(work: Path, shared_cache: bool) -> dict[str, str]:
    """This process's environment without any virtual environment, and with a new cache."""
    env = dict(os.environ)
    venv = env.pop("VIRTUAL_ENV", None)
    for name in ("PYTHONPATH", "PYTHONHOME", "__PYVENV_LAUNCHER__"):
        env.pop(name, None)
    drop = {str(Path(sys.prefix) / "bin")} | ({str(Path(venv) / "bin")} if venv else set())
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and p not in drop)
    if not shared_cache:
        env["HETSOC_CACHE"] = str(work / "cache")
    return env


def run_step(step: Step, state: dict, log: Path, timeout: float | None) -> None:
    """Run one step in bash from ``state`` (env, cwd), update ``state`` with what it leaves."""
    env_file, pwd_file = log.with_suffix(".env"), log.with_suffix(".pwd")
    env = dict(state["env"], __HETSOC_ENV=str(env_file), __HETSOC_PWD=str(pwd_file))
    start = time.monotonic()
    with open(log, "w") as out:
        out.write(f"$ {step.text}\n")
        out.flush()
        try:
            proc = subprocess.run(["bash", "-c", step.text + _SAVE_STATE], cwd=state["cwd"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=timeout)
            step.code = proc.returncode
        except subprocess.TimeoutExpired:
            step.code, step.note = 124, f"timed out after {timeout:g} s"
    step.seconds = time.monotonic() - start
    if env_file.exists():
        pairs = env_file.read_bytes().split(b"\0")
        new = dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)
        state["env"] = {k: v for k, v in new.items()
                        if not k.startswith("__HETSOC_") and k not in ("_", "SHLVL", "OLDPWD")}
        state["cwd"] = pwd_file.read_text().strip() or state["cwd"]
    if step.code:
        tail = log.read_text(errors="replace").splitlines()[-8:]
        step.note = step.note or (tail[-1][:100] if tail else "")
        print("\n".join("    | " + line for line in tail), file=sys.stderr)


def table(steps: list[Step]) -> str:
    width = min(max(len(s.text) for s in steps), 90)
    rows = [f"{'#':>3}  {'command':<{width}}  {'exit':>4}  {'seconds':>8}  note",
            "-" * (width + 30)]
    for s in steps:
        text = s.text if len(s.text) <= width else s.text[:width - 3] + "..."
        code, secs = ("-", "-") if s.code is None else (str(s.code), f"{s.seconds:.1f}")
        rows.append(f"{s.command:>3}  {text:<{width}}  {code:>4}  {secs:>8}  {s.note}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=str(ROOT), help="repository to clone (default: this one)")
    ap.add_argument("--readme", help="run this file's commands (default: the clone's README.md)")
    ap.add_argument("--only", help="command numbers to run, comma-separated (default: all)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--shared-cache", action="store_true",
                    help="use the user's $HETSOC_CACHE instead of an empty one")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per step (default: none)")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="hetsoc-readme-"))
    clone = work / "hetsoc"
    (work / "logs").mkdir()
    try:
        subprocess.run(["git", "clone", "--quiet", args.repo, str(clone)], check=True)
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, check=True,
                              capture_output=True, text=True).stdout.strip()
        if args.readme:
            shutil.copyfile(args.readme, clone / "README.md")
        commands = readme_commands((clone / "README.md").read_text())
        steps = plan(commands)
        only = None if args.only is None else {int(n) for n in args.only.split(",")}
        print(f"{len(commands)} commands ({len(steps)} steps) of "
              f"{args.readme or 'README.md'} in a clone of {args.repo} at {head}, in {work}",
              file=sys.stderr)
        state = {"env": fresh_env(work, args.shared_cache), "cwd": str(clone)}
        failed_command = None
        start = time.monotonic()
        for i, step in enumerate(steps, 1):
            if only is not None and step.command not in only:
                step.note = "not selected (--only)"
                continue
            if step.note.startswith("skipped") or step.command == failed_command:
                step.note = step.note or "not run: an earlier step of its && list failed"
                continue
            run_step(step, state, work / "logs" / f"{i:02d}.log", args.timeout)
            if step.code:
                failed_command = step.command
            print(f"[{i}/{len(steps)}] exit {step.code} in {step.seconds:.1f} s: {step.text}",
                  file=sys.stderr, flush=True)
        total = time.monotonic() - start
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    ran = [s for s in steps if s.code is not None]
    figures = {
        "commit": head, "commands": len(commands), "steps": len(steps),
        "passed": sum(s.code == 0 for s in ran), "failed": sum(s.code != 0 for s in ran),
        "skipped": sum(s.note.startswith("skipped") for s in steps),
        "not_run": sum(s.code is None for s in steps), "total_s": round(total, 1),
        "step_s": {f"{s.command} {s.text}": round(s.seconds, 1) for s in ran},
    }
    print(table(steps))
    print(json.dumps(figures))
    return 1 if figures["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
