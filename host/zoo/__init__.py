"""Model zoo: the MLPerf Tiny reference networks as QDQ int8 ONNX, and a trained digits model.

``names()`` lists the models, ``load(name)`` returns one as an ``onnx.ModelProto`` (the same
bytes every time), ``export(name, path)`` writes it, ``describe(name)`` summarises it and
``report(name)`` gives the per-layer calibration figures.

The four MLPerf Tiny networks (and their ``-mixed`` variants with ternary CIM layers) have
seeded synthetic weights and power-of-two quantization scales (``quantize.py`` says why), and
are built, calibrated and quantized on first use (about a second each), then
cached under ``$HETSOC_CACHE/zoo`` (default ``~/.cache/hetsoc/zoo``), keyed by a digest of
the zoo's source and the versions of numpy, onnx and onnxruntime. ``digits`` is a small
network trained on scikit-learn's digits (``train_digits.py``); its ONNX file is committed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import onnx

from .builder import NetBuilder
from .nets import NETWORKS, Network
from .quantize import quantize_qdq
from .report import LayerCost, LayerStats, calibration_report, layer_costs

__all__ = ["LayerCost", "LayerStats", "calibration_inputs", "describe", "export", "layer_costs",
           "load", "names", "report", "report_inputs"]

HERE = Path(__file__).resolve().parent
DIGITS_ONNX = HERE / "digits.onnx"
MIXED = "-mixed"
#: Seeds: weights, the calibration batch, and the held-out inputs of the calibration report.
WEIGHT_SEED, CALIB_SEED, REPORT_SEED = 1, 0, 1000
CALIB_SIZE, REPORT_SIZE = 32, 16


def names() -> list[str]:
    """All zoo model names."""
    out = []
    for net in NETWORKS.values():
        out.append(net.name)
        if net.mixed:
            out.append(net.name + MIXED)
    return [*out, "digits"]


def _resolve(name: str) -> tuple[Network | None, bool]:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {name!r}")
    if name not in names():
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(names())}")
    if name == "digits":
        return None, False
    mixed = name.endswith(MIXED)
    return NETWORKS[name.removesuffix(MIXED)], mixed


def cache_dir() -> Path:
    """Where built models are cached: ``$HETSOC_CACHE/zoo`` or ``~/.cache/hetsoc/zoo``."""
    root = os.environ.get("HETSOC_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "hetsoc") / "zoo"


def source_digest() -> str:
    """Digest of everything a built model depends on: zoo source and library versions."""
    import onnxruntime

    h = hashlib.sha256()
    for path in sorted(HERE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for mod in (np, onnx, onnxruntime):
        h.update(f"{mod.__name__}={mod.__version__}\0".encode())
    return h.hexdigest()[:16]


def calibration_inputs(name: str) -> np.ndarray:
    """The seeded synthetic calibration batch of a zoo network, ``(B, *input_shape)``."""
    net, _ = _resolve(name)
    if net is None:
        from .digits import digits_split
        return digits_split()[0][:CALIB_SIZE]
    return net.inputs(CALIB_SEED, CALIB_SIZE)


def report_inputs(name: str) -> np.ndarray:
    """Held-out seeded inputs (not the calibration batch), ``(n, *input_shape)``."""
    net, _ = _resolve(name)
    if net is None:
        from .digits import digits_split
        return digits_split()[2][:REPORT_SIZE]
    return net.inputs(REPORT_SEED, REPORT_SIZE)


def build(name: str) -> onnx.ModelProto:
    """Build, calibrate and quantize a synthetic zoo network (no cache)."""
    net, mixed = _resolve(name)
    if net is None:
        raise ValueError(f"name must be a synthetic network, not {name!r} (it is committed)")
    calib = net.inputs(CALIB_SEED, CALIB_SIZE)
    b = NetBuilder(name, net.input_shape, calib, WEIGHT_SEED, ternary=mixed)
    fmodel = b.finish(net.build(b))
    model = quantize_qdq(fmodel, calib, [layer for layer in b.layers if layer.ternary],
                         pow2=True)
    model.graph.name = name
    model.doc_string = f"hetsoc zoo {name}: {net.task}; seeded synthetic weights, QDQ int8" \
        + (", ternary CIM layers (mixed)" if mixed else "")
    return model


def _load_bytes(name: str) -> bytes:
    net, _ = _resolve(name)
    if net is None:
        return DIGITS_ONNX.read_bytes()
    path = cache_dir() / f"{name}-{source_digest()}.onnx"
    if path.exists():
        return path.read_bytes()
    data = build(name).SerializeToString()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic: parallel test workers may build the same model at once.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return data


def load(name: str) -> onnx.ModelProto:
    """The zoo model ``name`` as a QDQ int8 ``onnx.ModelProto`` (deterministic).

    Raises
    ------
    ValueError
        If ``name`` is not a zoo model.
    """
    return onnx.load_from_string(_load_bytes(name))


def export(name: str, path: str | os.PathLike) -> Path:
    """Write the zoo model ``name`` to ``path`` (an ``.onnx`` file); return the path."""
    data = _load_bytes(name)
    path = Path(path)
    path.write_bytes(data)
    return path


def report(name: str) -> list[LayerStats]:
    """Per-layer calibration figures of ``name`` on held-out inputs (:func:`report_inputs`)."""
    return calibration_report(load(name), report_inputs(name))


def describe(name: str) -> str:
    """A human-readable summary: task, input, every weighted layer, MACs and parameters."""
    net, mixed = _resolve(name)
    model = load(name)
    costs = layer_costs(model)
    inp = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    task = net.task if net is not None else "handwritten digits (scikit-learn), trained"
    lines = [f"{name}: {task}", f"input {inp} float32 (QDQ int8 inside)",
             f"{'layer':<10} {'op':<5} {'output':<18} {'MACs':>10} {'params':>8}  weights"]
    for c in costs:
        lines.append(f"{c.name:<10} {c.op:<5} {str(list(c.output_shape)):<18} {c.macs:>10,} "
                     f"{c.params:>8,}  {'ternary' if c.ternary else 'int8'}")
    macs, params = sum(c.macs for c in costs), sum(c.params for c in costs)
    lines.append(f"total: {macs:,} MACs, {params:,} parameters")
    if net is not None:
        lines.append(f"published: about {net.published_macs:,} MACs, "
                     f"{net.published_params:,} parameters")
    return "\n".join(lines)
