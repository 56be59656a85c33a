"""Build float ONNX networks layer by layer with seeded weights and folded batch norm.

Each layer is a float ONNX node with random He-initialised weights. Right after a layer is
added, the partial network runs in onnxruntime on a seeded calibration batch and the layer's
weights and bias are rescaled per output channel so its pre-activation output has zero mean
and unit variance plus a small random shift. That is batch normalisation with batch
statistics, folded into the weights as it is before quantization, and it is what keeps every
layer's activations well spread (a random network without it drifts to all-zero or exploding
activations within a few layers, and int8 quantization of such a layer proves nothing).

Layout: the Keras reference networks are NHWC; ONNX convolutions are NCHW. All zoo networks
end in pooling to 1x1 or are fully connected, so no flatten ever sees a spatial layout and the
NCHW graph computes exactly the Keras network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

__all__ = ["Layer", "NetBuilder", "same_pads", "ternarize"]

OPSET = 13
#: Spread of the per-channel shift added after normalisation (the folded BN beta): it makes
#: channels differ in how much of their output ReLU removes, as trained networks do.
BETA_STD = 0.3


@dataclass(frozen=True)
class Layer:
    """One weighted layer of a zoo network.

    Attributes
    ----------
    name : str
        Node name in the ONNX graph.
    kind : str
        ``"conv"``, ``"depthwise"`` or ``"dense"``.
    weight : str
        Name of the weight initializer.
    ternary : bool
        Whether the weights are ternary (eligible for the CIM in a ``mixed`` variant).
    """

    name: str
    kind: str
    weight: str
    ternary: bool


def same_pads(size: tuple[int, int], kernel: tuple[int, int], stride: int) -> list[int]:
    """ONNX ``pads`` reproducing Keras ``padding='same'``.

    Keras pads so the output is ``ceil(size / stride)`` and puts the odd padding element at
    the bottom/right, which is what ONNX ``auto_pad=SAME_UPPER`` does; explicit pads are used
    so the importer never has to resolve ``auto_pad``.

    Returns
    -------
    list of int
        ``[top, left, bottom, right]``.
    """
    begin, end = [], []
    for n, k in zip(size, kernel, strict=True):
        out = -(-n // stride)
        total = max((out - 1) * stride + k - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return begin + end


def ternarize(w: np.ndarray) -> np.ndarray:
    """Ternary approximation ``alpha_c * t`` with ``t`` in {-1, 0, +1} per output channel.

    Uses the threshold of Ternary Weight Networks (Li et al., 2016): ``0.7 * mean|w|`` per
    output channel, and ``alpha_c`` the mean magnitude of the weights above it, which
    minimises the L2 error for that threshold (``docs/numerics.md``; 1 for a channel with no
    weight above it).
    """
    flat = w.reshape(w.shape[0], -1)
    delta = 0.7 * np.abs(flat).mean(axis=1, keepdims=True)
    t = np.where(flat > delta, 1.0, np.where(flat < -delta, -1.0, 0.0))
    nz = np.abs(t).sum(axis=1, keepdims=True)
    alpha = np.where(nz > 0, (np.abs(flat) * np.abs(t)).sum(axis=1, keepdims=True)
                     / np.maximum(nz, 1.0), 1.0)
    return (alpha * t).reshape(w.shape).astype(np.float32)


def pow2_gain(w: np.ndarray, ternary: bool) -> np.ndarray:
    """Per-output-channel factor, within [2^-0.5, 2^0.5], making the weight scale a power of 2.

    The int8 weight scale of a channel is ``max|w| / 127`` (the ternary scale is ``max|w|``).
    With power-of-two weight and activation scales every requantization multiplier is a power
    of two, exact both in float32 (onnxruntime) and as ``m * 2^-n`` (``docs/numerics.md``), so
    the two never round differently; these deep random networks amplify any single 1-LSB
    difference into many (measured: one differing element in MobileNet's 8th layer became a
    third of the elements, up to 7 LSB apart, nine layers later), which would hide every other
    discrepancy in a cross-check.
    """
    top = np.abs(w.reshape(w.shape[0], -1)).max(axis=1).astype(np.float64)
    scale = top if ternary else top / 127.0
    scale = np.where(scale > 0, scale, 1.0)
    return 2.0 ** np.round(np.log2(scale)) / scale


class NetBuilder:
    """Float ONNX network under construction, with a calibration batch to normalise layers.

    Parameters
    ----------
    name : str
        Graph name.
    input_shape : tuple of int
        Shape of one input without the batch dimension (``(C, H, W)`` or ``(features,)``).
    calib : numpy.ndarray
        Calibration batch, shape ``(B, *input_shape)``, float32.
    seed : int
        Seed of the weight generator.
    ternary : bool
        Ternarize the weights of the layers marked eligible (``mixed`` variants).
    """

    def __init__(self, name: str, input_shape: tuple[int, ...], calib: np.ndarray, seed: int,
                 ternary: bool = False):
        if calib.shape[1:] != tuple(input_shape):
            raise ValueError(f"calib must have shape (B, {input_shape}), not {calib.shape!r}")
        self.name = name
        self.input_shape = tuple(input_shape)
        self.calib = calib.astype(np.float32)
        self.rng = np.random.default_rng(seed)
        self.ternary = ternary
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, np.ndarray] = {}
        self.shapes: dict[str, tuple[int, ...]] = {"input": self.input_shape}
        self.layers: list[Layer] = []
        self._count = 0

    # -- plumbing -------------------------------------------------------------------------

    def _fresh(self, stem: str) -> str:
        self._count += 1
        return f"{stem}{self._count}"

    def _model(self, outputs: list[str], batch: int | str) -> onnx.ModelProto:
        def vi(name):
            return helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                 [batch, *self.shapes[name]])
        inits = [numpy_helper.from_array(a, n) for n, a in self.inits.items()]
        graph = helper.make_graph(self.nodes, self.name, [vi("input")], [vi(o) for o in outputs],
                                  initializer=inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="hetsoc.zoo")
        model.ir_version = 8
        return model

    def evaluate(self, name: str) -> np.ndarray:
        """Run the network built so far on the calibration batch; return tensor ``name``."""
        model = self._model([name], "N")
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(model.SerializeToString(), opts,
                                    providers=["CPUExecutionProvider"])
        return sess.run([name], {"input": self.calib})[0]

    def finish(self, output: str) -> onnx.ModelProto:
        """The finished float model, batch 1, checked."""
        model = self._model([output], 1)
        onnx.checker.check_model(model, full_check=True)
        return model

    def _normalise(self, node_out: str, wname: str, bname: str, channel_axis: int,
                   target_std: float, shift: bool, ternary: bool = False):
        # Fold batch statistics (and a random beta) into the weights: y' = (y - mean)/std*t + b.
        y = self.evaluate(node_out)
        axes = tuple(i for i in range(y.ndim) if i != channel_axis)
        mean, std = y.mean(axis=axes), y.std(axis=axes) + 1e-6
        w, b = self.inits[wname], self.inits[bname]
        scale = target_std / std.astype(np.float64)
        shape = (-1, *[1] * (w.ndim - 1))
        # Then a per-channel gain in [2^-0.5, 2^0.5] (a BN gamma) that makes the channel's int8
        # weight scale (max|w| / 127, or the ternary alpha) a power of two: see pow2_gain.
        # All in float64 so the largest weight lands exactly on 127 * 2^k in float32.
        gain = pow2_gain(w.astype(np.float64) * scale.reshape(shape), ternary=ternary)
        scale = scale * gain
        beta = self.rng.normal(0.0, BETA_STD, size=b.shape) * gain if shift else 0.0
        self.inits[wname] = (w.astype(np.float64) * scale.reshape(shape)).astype(np.float32)
        self.inits[bname] = ((b - mean) * scale + beta).astype(np.float32)

    # -- layers ---------------------------------------------------------------------------

    def conv(self, x: str, cout: int, kernel: tuple[int, int], stride: int = 1, *,
             depthwise: bool = False, relu: bool = True, eligible: bool = False) -> str:
        """Convolution with Keras 'same' padding, folded BN and optional ReLU.

        ``eligible`` marks a layer that a ``mixed`` variant puts on the CIM (ternary weights).
        """
        cin, h, w = self.shapes[x]
        groups = cin if depthwise else 1
        if depthwise and cout != cin:
            raise ValueError(f"depthwise cout must be {cin}, not {cout!r}")
        kh, kw = kernel
        fan_in = (cin // groups) * kh * kw
        weight = self.rng.standard_normal((cout, cin // groups, kh, kw)) * np.sqrt(2.0 / fan_in)
        ternary = self.ternary and eligible and not depthwise
        if ternary:
            weight = ternarize(weight)
        name = self._fresh("dwconv" if depthwise else "conv")
        wname, bname = f"{name}.weight", f"{name}.bias"
        self.inits[wname] = weight.astype(np.float32)
        self.inits[bname] = np.zeros(cout, np.float32)
        pads = same_pads((h, w), kernel, stride)
        out = f"{name}.out"
        self.nodes.append(helper.make_node(
            "Conv", [x, wname, bname], [out], name=name, kernel_shape=[kh, kw],
            strides=[stride, stride], pads=pads, group=groups, dilations=[1, 1]))
        self.shapes[out] = (cout, -(-h // stride), -(-w // stride))
        self._normalise(out, wname, bname, 1, 1.0, shift=relu, ternary=ternary)
        kind = "depthwise" if depthwise else "conv"
        self.layers.append(Layer(name, kind, wname, ternary))
        return self.relu(out) if relu else out

    def dense(self, x: str, n: int, *, relu: bool = True, out_std: float = 1.0) -> str:
        """Fully connected layer (``Gemm``, weights ``(out, in)``) with folded BN.

        Dense layers stay int8 in every variant: the CIM takes conv2d only.
        """
        (k,) = self.shapes[x]
        weight = self.rng.standard_normal((n, k)) * np.sqrt(2.0 / k)
        name = self._fresh("dense")
        wname, bname = f"{name}.weight", f"{name}.bias"
        self.inits[wname] = weight.astype(np.float32)
        self.inits[bname] = np.zeros(n, np.float32)
        out = f"{name}.out"
        self.nodes.append(helper.make_node("Gemm", [x, wname, bname], [out], name=name,
                                           transB=1))
        self.shapes[out] = (n,)
        self._normalise(out, wname, bname, 1, out_std, shift=relu)
        self.layers.append(Layer(name, "dense", wname, False))
        return self.relu(out) if relu else out

    def relu(self, x: str) -> str:
        """ReLU (the quantizer folds it into the producer's output range)."""
        out = self._fresh("relu")
        self.nodes.append(helper.make_node("Relu", [x], [out], name=out))
        self.shapes[out] = self.shapes[x]
        return out

    def add(self, a: str, b: str, *, relu: bool = True) -> str:
        """Elementwise residual add, optionally followed by ReLU."""
        if self.shapes[a] != self.shapes[b]:
            raise ValueError(f"add operands must have equal shapes, not "
                             f"{self.shapes[a]!r} and {self.shapes[b]!r}")
        out = self._fresh("add")
        self.nodes.append(helper.make_node("Add", [a, b], [out], name=out))
        self.shapes[out] = self.shapes[a]
        return self.relu(out) if relu else out

    def avgpool(self, x: str, kernel: tuple[int, int]) -> str:
        """Keras ``AveragePooling2D(pool_size=kernel)``: stride = kernel, 'valid' padding."""
        c, h, w = self.shapes[x]
        out = self._fresh("avgpool")
        self.nodes.append(helper.make_node("AveragePool", [x], [out], name=out,
                                           kernel_shape=list(kernel), strides=list(kernel)))
        self.shapes[out] = (c, (h - kernel[0]) // kernel[0] + 1, (w - kernel[1]) // kernel[1] + 1)
        return out

    def flatten(self, x: str) -> str:
        """Flatten to ``(batch, features)``."""
        out = self._fresh("flatten")
        self.nodes.append(helper.make_node("Flatten", [x], [out], name=out, axis=1))
        self.shapes[out] = (int(np.prod(self.shapes[x])),)
        return out

    def softmax(self, x: str) -> str:
        """Softmax over the last axis."""
        out = "probabilities"
        self.nodes.append(helper.make_node("Softmax", [x], [out], name="softmax", axis=-1))
        self.shapes[out] = self.shapes[x]
        return out
