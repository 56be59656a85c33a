"""Object files of firmware sources, compiled once per content and cached.

Generated network firmware links the same runtime, drivers and CPU kernels every time; only
its ``network.c`` changes. `compile_objects` compiles such sources once per digest of
everything that goes into them (the compiler and its flags, the config's generated header,
every header in the include folders, the sources themselves) into
``$HETSOC_CACHE/objects/<digest>/`` (default ``~/.cache/hetsoc``), so a compile only builds and
links what changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .cheader import HEADER_NAME, generate_header
from .firmware import CFLAGS, FirmwareError, _first_error, compiler, sw_path
from .spec.config import SocConfig, load_config

__all__ = ["compile_objects", "objects_dir"]


def objects_dir() -> Path:
    root = os.environ.get("HETSOC_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "hetsoc") / "objects"


def _digest(flags: list[str], header: str, sources: list[Path], include_dirs) -> str:
    import ziglang

    h = hashlib.sha256()
    h.update(f"zig {getattr(ziglang, '__version__', '?')}\0{' '.join(flags)}\0".encode())
    h.update(header.encode() + b"\0")
    for folder in include_dirs:
        for p in sorted(Path(folder).glob("*.h")):
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    for p in sources:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def compile_objects(sources: Sequence[str | Path], config: SocConfig | str = "default", *,
                    opt: str = "-O2", include_dirs: Sequence[str | Path] = ()) -> list[Path]:
    """Object files of `sources` (``.c``/``.S``) for `config`, from the cache when present.

    Raises
    ------
    FirmwareError
        One line: the first compiler error, and where the full output is.
    """
    soc = config if isinstance(config, SocConfig) else load_config(config)
    srcs = [Path(s) for s in sources]
    for p in srcs:
        if not p.is_file() or p.suffix not in (".c", ".S"):
            raise FirmwareError(f"source {p} must be an existing .c or .S file")
    includes = [Path(d) for d in include_dirs] + [sw_path("include")]
    # Linker flags mean nothing to -c (clang would warn that they are unused).
    flags = [f for f in CFLAGS if not f.startswith("-Wl,")] + [opt]
    header = generate_header(soc)
    out = objects_dir() / _digest(flags, header, srcs, includes)
    names = [f"{i:02d}-{p.stem}.o" for i, p in enumerate(srcs)]
    if (out / "DONE").exists():
        return [out / n for n in names]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out.parent))
    try:
        (tmp / HEADER_NAME).write_text(header)
        procs = [subprocess.Popen([*compiler(), *flags, f"-I{tmp}",
                                   *[f"-I{d}" for d in includes], "-c", str(src),
                                   "-o", str(tmp / name)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for src, name in zip(srcs, names, strict=True)]
        for src, proc in zip(srcs, procs, strict=True):
            output, _ = proc.communicate()
            if proc.returncode != 0:
                log = tmp.parent / f"{src.stem}.log"
                log.write_text(output)
                raise FirmwareError(f"{_first_error(output)} -- compiling {src.name} for config "
                                    f"{soc.name!r} failed; full output in {log}")
        (tmp / "DONE").write_text("\n".join(str(s) for s in srcs) + "\n")
        try:
            tmp.rename(out)
        except OSError:  # another process finished the same objects first: use theirs
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / n for n in names]
