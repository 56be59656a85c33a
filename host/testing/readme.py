"""The README's shell commands, as a new user would type them: in order (the install steps
first), for `bench/readme_commands.py`, which runs every one of them in a fresh clone and a
fresh virtual environment, and for `tests/test_readme_commands.py`, which parses each
``hetsoc`` command with the CLI's own parser and runs the cheap ones.

A command is one line of a fenced ``sh``/``bash``/``shell`` block (a line ending in ``\\``
continues on the next), without its trailing ``# comment``. A command that cannot run on a
development machine (a board, a licence) says so in its comment as ``[not run here: REASON]``;
the bench lists it as skipped with that reason, and nothing else is skipped. Its steps are
the parts of its top-level ``&&`` list, run in order until one fails, as the shell would.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Command", "hetsoc_argv", "readme_commands", "split_and", "split_comment"]

#: Fence languages whose lines are commands.
SHELL_LANGUAGES = ("sh", "bash", "shell")
_FENCE = re.compile(r"^\s*```\s*([\w+-]*)")
_SKIP = re.compile(r"\[not run here:\s*([^\]]+)\]")


@dataclass(frozen=True)
class Command:
    text: str      # the command as written, continuations joined, comment removed
    comment: str   # its trailing comment, without the '#'
    line: int      # the line it starts on, from 1
    #: Why it is not run (from ``[not run here: ...]`` in its comment), or None.
    skip: str | None = None

    @property
    def steps(self) -> list[str]:
        """The parts of its top-level ``&&`` list: `split_and`."""
        return split_and(self.text)


def _scan(text: str):
    """Yield (index, char, quoted) for each character, ``quoted`` when inside '...', "..." or
    after a backslash: a small shell lexer, enough for one command line."""
    quote = None
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
            yield i, ch, True
        elif quote is not None:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"':
                escaped = True
            yield i, ch, True
        elif ch in "'\"":
            quote = ch
            yield i, ch, True
        elif ch == "\\":
            escaped = True
            yield i, ch, True
        else:
            yield i, ch, False


def split_comment(line: str) -> tuple[str, str]:
    """``(command, comment)``: a ``#`` outside quotes that starts a word starts a comment."""
    for i, ch, quoted in _scan(line):
        if ch == "#" and not quoted and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def split_and(text: str) -> list[str]:
    """The parts of ``a && b && c`` (``&&`` outside quotes), stripped."""
    parts, start = [], 0
    chars = list(_scan(text))
    for (i, ch, quoted), nxt in zip(chars, chars[1:] + [None], strict=True):
        if ch == "&" and not quoted and nxt is not None and nxt[1] == "&" and not nxt[2] \
                and (i == 0 or text[i - 1] != "&"):
            parts.append(text[start:i].strip())
            start = i + 2
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def hetsoc_argv(step: str) -> list[str] | None:
    """The arguments after ``hetsoc`` (or ``.venv/bin/hetsoc``) when `step` runs the CLI."""
    words = shlex.split(step)
    if words and Path(words[0]).name == "hetsoc":
        return words[1:]
    return None


def readme_commands(text: str) -> list[Command]:
    """Every command of the shell code blocks of a README's text, in order."""
    commands: list[Command] = []
    in_shell = in_block = False
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        fence = _FENCE.match(raw)
        if fence:
            if in_block:
                if pending:
                    raise ValueError(f"line {number}: a block ends in a continued command")
                in_block = in_shell = False
            else:
                in_block, in_shell = True, fence.group(1) in SHELL_LANGUAGES
            continue
        if not in_shell:
            continue
        code, comment = split_comment(raw)
        code = code.strip()
        if not pending:
            start = number
        if code.endswith("\\"):
            pending += code[:-1].rstrip() + " "
            continue
        code = pending + code
        pending = ""
        if not code:
            continue
        skip = _SKIP.search(comment)
        commands.append(Command(code, comment, start, skip.group(1).strip() if skip else None))
    if in_block:
        raise ValueError("the README ends inside a code block")
    return commands
