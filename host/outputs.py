"""Output paths: checked before any long work starts, written atomically, under the exact name.

Every command that writes a file or a directory checks the path first with
:func:`check_output_file` or :func:`check_output_dir`, so a typo costs a second, not a
simulator build, and writes the file through :func:`atomic_output`, so a failed or interrupted
run leaves either the old file or nothing, never half a file.

The policy (README, "Using it"):

* the file is written under exactly the name given: no suffix is added (``--output y`` writes
  ``y``); where the suffix chooses the format (a waveform, a plot) a name whose suffix does not
  match is refused, naming the suffix to use;
* an existing regular file is replaced, as ``cc -o`` and ``cp`` do, but only once the new one
  is complete; an existing read-only file, directory or special file (``/dev/null``, a FIFO)
  is refused;
* the directory it goes into must exist and be writable: checked by creating (and removing) a
  scratch file there, since permission bits say nothing of /proc, read-only mounts or root;
* an output directory (``-o DIR``) may exist or not; if not it is created, with its parents.

Errors are :class:`OutputError`, a ``ValueError`` whose message is one line naming the option,
the path and the way out; the CLI prints it and exits with code 2.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["OutputError", "atomic_output", "check_output_dir", "check_output_file"]


class OutputError(ValueError):
    """An output path that cannot be written; the message is one line."""


def _probe(directory: Path, option: str, path: str) -> None:
    """Create and remove a scratch file in ``directory``: the only test that is right for root,
    read-only mounts and pseudo file systems alike."""
    try:
        fd, name = tempfile.mkstemp(prefix=".hetsoc-probe-", dir=directory)
    except OSError as e:
        raise OutputError(f"{option} {path!r}: cannot create a file in {str(directory)!r} "
                          f"({e.strerror or type(e).__name__}): choose a writable "
                          f"directory") from None
    os.close(fd)
    os.unlink(name)


def check_output_file(path: str | os.PathLike, option: str, *,
                      suffixes: tuple[str, ...] | None = None, what: str = "") -> Path:
    """The file ``path`` that ``option`` names, checked so that writing it will succeed.

    Parameters
    ----------
    path : str or path-like
    option : str
        The option as the user typed it (``--output``), for the message.
    suffixes : tuple of str, optional
        If given, the name must end in one of them (lower case, with the dot): the first is
        suggested. For files whose format the suffix decides.
    what : str
        What the file holds (``"the waveform (VCD)"``), for the suffix message.

    Returns
    -------
    Path
        ``path`` itself: nothing is added to it.

    Raises
    ------
    OutputError
        Empty path, a directory, a special or read-only file, a missing or unwritable
        directory, or a suffix not in ``suffixes``.
    """
    text = os.fspath(path)
    if not text:
        raise OutputError(f"{option} is empty: give a file name")
    p = Path(text)
    if p.is_dir():
        raise OutputError(f"{option} {text!r} is a directory: give a file name, e.g. "
                          f"{str(p / ('out' + (suffixes[0] if suffixes else '')))!r}")
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise OutputError(f"{option} {text!r}: {what} is written as {suffixes[0]}: give a name "
                          f"ending in {' or '.join(suffixes)}, e.g. "
                          f"{str(p.with_name(p.stem + suffixes[0]))!r}")
    try:
        st = p.stat()
    except FileNotFoundError:
        st = None
    except OSError as e:  # a path through a file (a/b where a is a file), a loop, too long...
        raise OutputError(f"{option} {text!r}: {e.strerror or type(e).__name__}: choose "
                          f"another path") from None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{option} {text!r} exists and is not a regular file: choose "
                              f"another name")
        if not os.access(p, os.W_OK):
            raise OutputError(f"{option} {text!r} is read-only: remove it or choose another "
                              f"name")
    parent = p.absolute().parent
    if not parent.exists():
        raise OutputError(f"{option} {text!r}: directory {str(p.parent)!r} does not exist: "
                          f"create it first or choose another path")
    if not parent.is_dir():
        raise OutputError(f"{option} {text!r}: {str(p.parent)!r} is not a directory: choose "
                          f"another path")
    _probe(parent, option, text)
    return p


def check_output_dir(path: str | os.PathLike, option: str) -> Path:
    """The output directory ``path`` that ``option`` names: an existing writable directory, or
    one that can be created (with its parents). Nothing is created here.

    Raises
    ------
    OutputError
        Empty path, an existing non-directory, or no writable place to create it.
    """
    text = os.fspath(path)
    if not text:
        raise OutputError(f"{option} is empty: give a directory")
    p = Path(text)
    # The wording of an existing file is the compiler's own check's (tests rely on it).
    if p.exists() and not p.is_dir():
        raise OutputError(f"output {text!r} exists and is not a directory: choose a directory "
                          f"for {option}")
    ancestor = p.absolute()
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{option} {text!r}: {str(ancestor)!r} is not a directory: choose "
                          f"another path")
    _probe(ancestor, option, text)
    return p


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a scratch path beside ``path`` (same directory, same suffix) to write; when the
    block ends normally, move it onto ``path`` in one step. If the block raises, or wrote
    nothing, ``path`` is left as it was and the scratch file is removed.

    The scratch name does not exist when yielded: writers that refuse to overwrite, or that
    infer the format from the suffix (matplotlib, simulators' wave dumpers), work unchanged.
    """
    p = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{p.stem}.", suffix=f".part{p.suffix}",
                                dir=p.absolute().parent)
    os.close(fd)
    scratch = Path(name)
    scratch.unlink()
    try:
        yield scratch
        if scratch.exists():
            os.replace(scratch, p)
    finally:
        with contextlib.suppress(FileNotFoundError):
            scratch.unlink()
