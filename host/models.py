"""Models by name: a zoo model's name or the path of an ONNX file, imported to the IR.

`load_model` is what every command that takes a MODEL argument calls, so a zoo name and a
file behave the same everywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .onnx_import import ModelError, import_model, load_onnx

__all__ = ["load_model"]


def load_model(spec: str | Path, *, calibration: np.ndarray | None = None):
    """``(onnx.ModelProto, hetsoc.ir.Graph)`` of a zoo model name or an ``.onnx`` path.

    Raises
    ------
    hetsoc.onnx_import.ModelError
        One line: an unknown name, a file that is not a model, an unsupported operator...
    """
    name = str(spec)
    if Path(name).suffix == ".onnx" or Path(name).exists() or "/" in name:
        model = load_onnx(name)
        label = model.graph.name or Path(name).stem
    else:
        from . import zoo

        if name not in zoo.names():
            raise ModelError(f"{name!r} is neither a zoo model ({', '.join(zoo.names())}) "
                             f"nor an existing .onnx file")
        model, label = zoo.load(name), name
    return model, import_model(model, calibration=calibration, name=label)
