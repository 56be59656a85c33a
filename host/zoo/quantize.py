"""Post-training quantization of zoo float models to QDQ int8 ONNX.

onnxruntime's ``quantize_static`` does the work: QDQ format, int8 activations (asymmetric,
MinMax calibration on a seeded synthetic batch), int8 weights symmetric per output channel
in [-127, 127], int32 bias with scale ``x_scale * w_scale[c]``; this is the tensor format of
``docs/numerics.md``. ReLU after conv/dense/add is removed by the quantizer and becomes the
clamp of the producer's output (its range starts at 0, so its zero point is -128).

Ternary layers (``mixed`` variants) are ternary already in the float model (``alpha_c * t``);
``quantize_static`` turns them into int8 values in {-127, 0, 127} with scale ``alpha_c / 127``.
:func:`ternary_rewrite` stores them as {-1, 0, +1} with scale ``alpha_c`` and requantizes the
bias with the new scale, which is how ``docs/numerics.md`` represents CIM weights.

The synthetic networks use power-of-two scales throughout (``pow2=True``): the builder makes
every weight scale a power of two and :func:`pow2_activations` rounds the activation scales.
Every requantization multiplier is then a power of two, so onnxruntime's float32
requantization and the integer multiply-and-shift of ``docs/numerics.md`` agree exactly.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)

from .builder import Layer

__all__ = ["pow2_activations", "quantize_qdq", "requantize_biases", "ternary_rewrite"]


class _Reader(CalibrationDataReader):
    """Calibration data reader: one batch-1 input at a time, as ``quantize_static`` wants."""

    def __init__(self, calib: np.ndarray):
        self._it = iter([{"input": x[None].astype(np.float32)} for x in calib])

    def get_next(self):
        return next(self._it, None)


def quantize_qdq(model: onnx.ModelProto, calib: np.ndarray, ternary: list[Layer] = (),
                 pow2: bool = False) -> onnx.ModelProto:
    """Quantize a float zoo model to QDQ int8.

    Parameters
    ----------
    model : onnx.ModelProto
        Float model, batch 1, input named ``input``.
    calib : numpy.ndarray
        Calibration inputs, shape ``(B, *input_shape)``.
    ternary : list of Layer
        Layers whose (already ternary) weights are stored as {-1, 0, +1}.
    pow2 : bool
        Round every activation scale to a power of two (:func:`pow2_activations`); the
        caller makes the weight scales powers of two.

    Returns
    -------
    onnx.ModelProto
        The checked QDQ model.
    """
    floats = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    # quantize_static moves the initializers of the model it is given to external data files.
    work = onnx.ModelProto()
    work.CopyFrom(model)
    # The quantizer logs a pre-processing hint on every call; our graphs need none.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="hetsoc-zoo-") as tmp:
            out = Path(tmp) / "q.onnx"
            quantize_static(
                work, out, _Reader(calib), quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                per_channel=True, calibrate_method=CalibrationMethod.MinMax,
                extra_options={"ActivationSymmetric": False, "WeightSymmetric": True})
            qmodel = onnx.load(out)
    finally:
        root.setLevel(level)
    if pow2:
        pow2_activations(qmodel)
    for layer in ternary:
        ternary_rewrite(qmodel, layer, floats)
    if pow2 or ternary:
        requantize_biases(qmodel, floats)
    onnx.checker.check_model(qmodel, full_check=True)
    return qmodel


def pow2_activations(qmodel: onnx.ModelProto):
    """Round every activation scale to the nearest power of two (in log2).

    Rounding to nearest rather than up keeps more resolution; a range up to 1.41x narrower
    than calibrated clips only the extreme tail (the calibration report shows how much).
    The zero point keeps a range that starts at 0 (after ReLU) at -128 and otherwise centres
    the calibrated range. The softmax output gets scale 1/256 and zero point -128 (TFLite's
    int8 softmax convention) instead of onnxruntime's 1/255. Biases must be requantized
    afterwards (:func:`requantize_biases`).
    """
    inits = _inits(qmodel)
    producers = {o: n for n in qmodel.graph.node for o in n.output}
    done = set()
    for q in qmodel.graph.node:
        if q.op_type != "QuantizeLinear" or q.input[0] in inits or q.input[1] in done:
            continue
        done.add(q.input[1])
        scale = float(numpy_helper.to_array(inits[q.input[1]]))
        zp = int(numpy_helper.to_array(inits[q.input[2]]))
        src = producers.get(q.input[0])
        if src is not None and src.op_type == "Softmax":
            new_scale, new_zp = 2.0 ** -8, -128
        else:
            new_scale = 2.0 ** np.round(np.log2(scale))
            if zp == -128:
                new_zp = -128
            else:
                mid = (127 + -128 - 2 * zp) / 2 * scale  # real value at the range's centre
                new_zp = int(np.clip(np.round(-0.5 - mid / new_scale), -128, 127))
        _set(inits[q.input[1]], np.array(new_scale))
        _set(inits[q.input[2]], np.array(new_zp))


def requantize_biases(qmodel: onnx.ModelProto, floats: dict[str, np.ndarray]):
    """Recompute every int32 bias from its float value with scale ``x_scale * w_scale[c]``.

    Rounded half to even, as onnxruntime's quantizer does; needed after input or weight
    scales change.
    """
    inits = _inits(qmodel)
    producers = {o: n for n in qmodel.graph.node for o in n.output}
    for node in qmodel.graph.node:
        if node.op_type not in ("Conv", "Gemm") or len(node.input) < 3:
            continue
        x_dq, w_dq, b_dq = (producers[i] for i in node.input[:3])
        x_scale = numpy_helper.to_array(inits[x_dq.input[1]]).astype(np.float32)
        w_scale = numpy_helper.to_array(inits[w_dq.input[1]]).astype(np.float32)
        b_scale = (x_scale * w_scale).astype(np.float32)
        b = floats[node.input[2]].astype(np.float64)
        b_q = np.clip(np.round(b / b_scale.astype(np.float64)), -2**31, 2**31 - 1)
        _set(inits[b_dq.input[0]], b_q.astype(np.int32))
        _set(inits[b_dq.input[1]], b_scale)


def _inits(model: onnx.ModelProto) -> dict[str, onnx.TensorProto]:
    return {i.name: i for i in model.graph.initializer}


def _set(init: onnx.TensorProto, value: np.ndarray):
    init.CopyFrom(numpy_helper.from_array(value.astype(numpy_helper.to_array(init).dtype),
                                          init.name))


def ternary_rewrite(qmodel: onnx.ModelProto, layer: Layer, floats: dict[str, np.ndarray]):
    """Store ``layer``'s weights as {-1, 0, +1} with the ternary scale.

    The bias must be requantized afterwards (:func:`requantize_biases`).

    Parameters
    ----------
    qmodel : onnx.ModelProto
        The QDQ model, changed in place.
    layer : Layer
        A ternary layer (its float weights are ``alpha_c * t``).
    floats : dict
        The float model's initializers (weights and biases).
    """
    if not layer.ternary:
        raise ValueError(f"layer must be ternary, not {layer!r}")
    nodes = {n.name: n for n in qmodel.graph.node}
    producers = {o: n for n in qmodel.graph.node for o in n.output}
    inits = _inits(qmodel)
    w_dq = producers[nodes[layer.name].input[1]]

    w = floats[layer.weight]
    alpha = np.abs(w.reshape(w.shape[0], -1)).max(axis=1).astype(np.float32)
    alpha = np.where(alpha > 0, alpha, np.float32(1.0))
    t = np.sign(w).astype(np.int8)
    if not np.allclose(np.abs(w), alpha[:, None, None, None] * np.abs(t), rtol=1e-6):
        raise ValueError(f"weights of {layer.name} must be ternary, not general int8")
    _set(inits[w_dq.input[0]], t)
    _set(inits[w_dq.input[1]], alpha)
