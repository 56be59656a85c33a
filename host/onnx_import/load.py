"""Reading an ONNX file, classifying it (float / QDQ / QOperator), and PTQ for float models."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx

__all__ = ["ModelError", "load_onnx", "model_kind", "quantize_float_model"]

_QOPS = {"QLinearConv", "QLinearMatMul", "QLinearAdd", "QGemm", "QLinearAveragePool",
         "QLinearGlobalAveragePool", "QLinearConcat", "QLinearSoftmax"}


class ModelError(ValueError):
    """A model that cannot be imported; the message names the file, node or tensor."""


def load_onnx(path) -> onnx.ModelProto:
    """Parse an ONNX file, turning every failure into a one-line ModelError."""
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a str or Path, not {path!r}")
    p = Path(path)
    if not p.exists():
        raise ModelError(f"model file {str(p)!r} does not exist")
    if not p.is_file():
        raise ModelError(f"model path {str(p)!r} is not a file")
    data = p.read_bytes()
    if not data:
        raise ModelError(f"model file {str(p)!r} is empty")
    try:
        model = onnx.load_from_string(data)
    except Exception as e:  # protobuf raises DecodeError and others; all mean "not ONNX"
        raise ModelError(f"{str(p)!r} is not an ONNX model (truncated or not protobuf: "
                         f"{type(e).__name__})") from None
    if not model.graph.node:
        raise ModelError(f"{str(p)!r} is not an ONNX model (no graph nodes)")
    return model


def model_kind(model: onnx.ModelProto) -> str:
    """'qoperator' if it uses QLinear* ops, 'qdq' if it has Q/DQ nodes, else 'float'."""
    ops = {n.op_type for n in model.graph.node}
    if ops & _QOPS:
        return "qoperator"
    if {"QuantizeLinear", "DequantizeLinear"} & ops:
        return "qdq"
    return "float"


class _Reader:
    # onnxruntime's CalibrationDataReader protocol: one feed dict per call, None at the end.
    def __init__(self, name, batch):
        self._it = iter([{name: x[None]} for x in batch])

    def get_next(self):
        return next(self._it, None)

    def __iter__(self):
        return self

    def __next__(self):
        item = self.get_next()
        if item is None:
            raise StopIteration
        return item

    def set_range(self, start_index, end_index):  # part of the reader protocol; unused
        pass


def quantize_float_model(model: onnx.ModelProto, calibration) -> onnx.ModelProto:
    """Post-training quantization with onnxruntime: QDQ, int8, per-channel symmetric weights.

    onnxruntime's quantizer emits exactly the tensor format of docs/numerics.md (int8
    asymmetric activations from MinMax calibration, int8 weights symmetric per output channel
    in [-127, 127], int32 biases at ``x_scale * w_scale``), removes ReLU/Clip into the
    producer's output range, and its QDQ output is what onnxruntime itself runs for the
    cross-check, so writing our own calibrator would only add a second, unchecked one.

    Parameters
    ----------
    model : onnx.ModelProto
        A float model with one input.
    calibration : numpy.ndarray
        Calibration inputs ``(B, *input_shape[1:])`` float32, one sample per row.
    """
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    inits = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if len(inputs) != 1:
        raise ModelError(f"a float model must have one input, not {len(inputs)}")
    dims = inputs[0].type.tensor_type.shape.dim
    calib = np.asarray(calibration)
    if calib.dtype.kind != "f":
        raise ModelError(f"calibration data must be float, not {calib.dtype}")
    if not np.isfinite(calib).all():  # MinMax calibration would give NaN scales, silently
        raise ModelError("calibration data holds NaN or infinite values: give finite values")
    want = tuple(d.dim_value for d in dims[1:])
    if calib.ndim != len(dims) or tuple(calib.shape[1:]) != want or len(calib) == 0:
        raise ModelError(f"calibration data must have shape (B, {', '.join(map(str, want))}), "
                         f"not {calib.shape}")
    work = onnx.ModelProto()
    work.CopyFrom(model)
    for d in work.graph.input[[i.name for i in work.graph.input].index(inputs[0].name)] \
            .type.tensor_type.shape.dim[:1]:
        d.Clear()
        d.dim_value = 1
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs a pre-processing hint on every call
    try:
        with tempfile.TemporaryDirectory(prefix="hetsoc-ptq-") as tmp:
            out = Path(tmp) / "q.onnx"
            quantize_static(work, out, _Reader(inputs[0].name, calib.astype(np.float32)),
                            quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                            weight_type=QuantType.QInt8, per_channel=True,
                            calibrate_method=CalibrationMethod.MinMax,
                            extra_options={"ActivationSymmetric": False,
                                           "WeightSymmetric": True})
            return onnx.load(out)
    except ModelError:
        raise
    except Exception as e:
        raise ModelError(f"post-training quantization failed: {str(e).splitlines()[0]}") \
            from None
    finally:
        root.setLevel(level)
