"""Input files the commands take besides models and ELFs (which their loaders check): arrays
(``--input``, ``--calibration``) and SoC configs, read with one-line errors naming the option
and the file, before any long work. The input-side twin of :mod:`hetsoc.outputs`.

Light on purpose (numpy and the config loader are imported when called): the CLI imports this
module for every command, ``--help`` included.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["InputError", "load_config_arg", "load_npy"]


class InputError(ValueError):
    """An input file that cannot be used; the message is one line."""


def load_npy(path: str | os.PathLike, option: str):
    """The array in the ``.npy`` file ``option`` names: a real-valued numeric array.

    Raises
    ------
    InputError
        A missing file or a directory, a file numpy cannot read as one array (truncated,
        text, pickled objects, an ``.npz`` archive), or values that are not numbers
        (complex, strings).
    """
    import numpy as np

    text = os.fspath(path)
    if Path(text).is_dir():
        raise InputError(f"{option} {text!r} is a directory: give a .npy file")
    if not Path(text).is_file():
        raise InputError(f"{option} file {text!r} does not exist")
    try:
        x = np.load(text, allow_pickle=False)
    except Exception as e:  # numpy raises ValueError, OSError, EOFError... for a bad file
        raise InputError(f"{option} file {text!r} is not a .npy array ({type(e).__name__})") \
            from None
    if not isinstance(x, np.ndarray):  # np.load gives an NpzFile for a .npz archive
        x.close()
        raise InputError(f"{option} file {text!r} is a .npz archive, not a .npy array: save "
                         f"one array with numpy.save")
    if x.dtype.kind not in "biuf":  # complex, strings, records: nothing a model takes
        raise InputError(f"{option} file {text!r} holds {x.dtype} values: give float32 (or "
                         f"int8) numbers")
    return x


def load_config_arg(value: str, option: str = "--config"):
    """The SocConfig that a config name or TOML path names.

    The config loader's own errors name the file; a directory (which it calls missing) and a
    binary file (which fails in decoding, before it knows what it reads) are caught here.

    Raises
    ------
    InputError, hetsoc.spec.config.ConfigError
    """
    from .spec.config import load_config

    if Path(value).is_dir():
        raise InputError(f"{option} {value!r} is a directory: give a config name or a .toml "
                         f"file")
    try:
        return load_config(value)
    except UnicodeDecodeError:
        raise InputError(f"{option} {value!r}: not a text file (a config is a UTF-8 TOML "
                         f"file)") from None
