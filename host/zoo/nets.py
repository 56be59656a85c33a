"""The four MLPerf Tiny reference networks, rebuilt from their published layer lists.

Layer lists follow mlcommons/tiny ``training/`` (see ``/work/shared/REFERENCE.md`` in the
project notes and ``hetsoc.zoo.describe``). Weights are seeded synthetic (He init, BN folded
with batch statistics of a seeded synthetic calibration batch, see
:mod:`hetsoc.zoo.builder`); inputs are synthetic too. In ``mixed`` variants every convolution
except the first, the last and the depthwise ones has ternary weights (HTVM's mixed mode and
``docs/numerics.md``). Only conv2d goes to the CIM, so the fully connected autoencoder has no
``mixed`` variant (it would be identical to the int8 one).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from .builder import NetBuilder

__all__ = ["NETWORKS", "Network", "synthetic_inputs"]


def _images(rng: np.random.Generator, n: int, c: int, h: int, w: int) -> np.ndarray:
    # Natural images are mostly low-frequency: a coarse random field upsampled, plus fine
    # noise, in [0, 1] as the reference training pipelines scale pixels.
    coarse = rng.uniform(0.0, 1.0, size=(n, c, h // 8 + 1, w // 8 + 1))
    up = coarse.repeat(8, axis=2).repeat(8, axis=3)[:, :, :h, :w]
    x = 0.7 * up + 0.3 * rng.uniform(0.0, 1.0, size=(n, c, h, w))
    return x.astype(np.float32)


def _features(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> np.ndarray:
    # Standardised audio features (MFCC / log-mel): roughly zero mean, unit variance.
    return rng.standard_normal((n, *shape)).astype(np.float32)


class Network:
    """A zoo network: its input and how to build its float graph.

    Parameters
    ----------
    name : str
        Zoo name (without the ``-mixed`` suffix).
    task : str
        One-line description.
    input_shape : tuple of int
        Input shape without the batch dimension (NCHW for images).
    build : callable
        ``build(builder) -> output tensor name``.
    kind : str
        ``"image"`` or ``"features"`` (how synthetic inputs are drawn).
    published_macs, published_params : int
        The figures published with the reference network.
    mixed : bool
        Whether the network has a ``mixed`` variant (some conv2d is eligible for the CIM).
    """

    def __init__(self, name: str, task: str, input_shape: tuple[int, ...],
                 build: Callable[[NetBuilder], str], kind: str, published_macs: int,
                 published_params: int, mixed: bool = True):
        self.name = name
        self.task = task
        self.input_shape = input_shape
        self.build = build
        self.kind = kind
        self.published_macs = published_macs
        self.published_params = published_params
        self.mixed = mixed

    def inputs(self, seed: int, n: int) -> np.ndarray:
        """``n`` seeded synthetic inputs, shape ``(n, *input_shape)``, float32."""
        return synthetic_inputs(self.kind, self.input_shape, seed, n)

    def float_model(self, seed: int, calib: np.ndarray, ternary: bool) -> onnx.ModelProto:
        """Build the float model (batch 1) with weights normalised on ``calib``."""
        b = NetBuilder(self.name, self.input_shape, calib, seed, ternary=ternary)
        return b.finish(self.build(b))


def synthetic_inputs(kind: str, shape: tuple[int, ...], seed: int, n: int) -> np.ndarray:
    """Seeded synthetic inputs of ``kind`` ``"image"`` or ``"features"``."""
    rng = np.random.default_rng(seed)
    if kind == "image":
        return _images(rng, n, *shape)
    if kind == "features":
        return _features(rng, n, shape)
    raise ValueError(f"kind must be 'image' or 'features', not {kind!r}")


def _ds_cnn(b: NetBuilder) -> str:
    x = b.conv("input", 64, (10, 4), 2)  # 49x10x1 -> 25x5x64; first layer stays int8
    for _ in range(4):
        x = b.conv(x, 64, (3, 3), 1, depthwise=True)
        x = b.conv(x, 64, (1, 1), 1, eligible=True)
    x = b.avgpool(x, (24, 5))  # Keras: pool (24, 5) on 25x5, 'valid' -> 1x1
    x = b.dense(b.flatten(x), 12, relu=False, out_std=1.5)
    return b.softmax(x)


def _mobilenet(b: NetBuilder) -> str:
    x = b.conv("input", 8, (3, 3), 2)  # 96x96x3 -> 48x48x8
    blocks = [(1, 16), (2, 32), (1, 32), (2, 64), (1, 64), (2, 128)] + [(1, 128)] * 5 \
        + [(2, 256), (1, 256)]
    for stride, ch in blocks:
        x = b.conv(x, b.shapes[x][0], (3, 3), stride, depthwise=True)
        x = b.conv(x, ch, (1, 1), 1, eligible=True)
    x = b.avgpool(x, b.shapes[x][1:])  # 3x3x256 -> 256
    x = b.dense(b.flatten(x), 2, relu=False, out_std=1.5)
    return b.softmax(x)


def _resnet8(b: NetBuilder) -> str:
    x = b.conv("input", 16, (3, 3), 1)  # 32x32x3 -> 32x32x16
    # Stack 1: identity shortcut.
    y = b.conv(x, 16, (3, 3), 1, eligible=True)
    y = b.conv(y, 16, (3, 3), 1, relu=False, eligible=True)
    x = b.add(x, y)
    # Stacks 2 and 3: stride 2, 1x1 stride-2 projection shortcut.
    for ch in (32, 64):
        y = b.conv(x, ch, (3, 3), 2, eligible=True)
        y = b.conv(y, ch, (3, 3), 1, relu=False, eligible=True)
        s = b.conv(x, ch, (1, 1), 2, relu=False, eligible=True)
        x = b.add(s, y)
    x = b.avgpool(x, b.shapes[x][1:])  # 8x8x64 -> 64
    x = b.dense(b.flatten(x), 10, relu=False, out_std=1.5)
    return b.softmax(x)


def _autoencoder(b: NetBuilder) -> str:
    x = b.dense("input", 128)
    for _ in range(3):
        x = b.dense(x, 128)
    x = b.dense(x, 8)
    for _ in range(4):
        x = b.dense(x, 128)
    return b.dense(x, 640, relu=False)  # linear reconstruction


NETWORKS: dict[str, Network] = {n.name: n for n in [
    Network("ds-cnn", "keyword spotting (Speech Commands), DS-CNN", (1, 49, 10), _ds_cnn,
            "features", 2_660_000, 22_600),
    Network("mobilenet-v1-0.25", "visual wake words, MobileNetV1 width 0.25", (3, 96, 96),
            _mobilenet, "image", 7_490_000, 211_000),
    Network("resnet-8", "image classification (CIFAR-10), ResNet-8 with 16 filters",
            (3, 32, 32), _resnet8, "image", 12_500_000, 77_700),
    Network("autoencoder", "anomaly detection (ToyADMOS), fully connected autoencoder", (640,),
            _autoencoder, "features", 264_000, 266_000, mixed=False),
]}
