"""The trained ``digits`` zoo model: data split and accuracy helpers.

scikit-learn's digits (1,797 8x8 images, 17 grey levels) ships with scikit-learn, so nothing
is downloaded. The split is fixed (stratified, seed 0, 25 % held out); the held-out part is
never used for training or calibration. ``train_digits.py`` trains the network and writes
``digits.onnx`` next to this file.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

__all__ = ["accuracy", "digits_split", "onnxruntime_predict"]

TEST_FRACTION = 0.25
SPLIT_SEED = 0


def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``; images ``(n, 1, 8, 8)`` float32 in [0, 1].

    Needs scikit-learn (a test dependency of hetsoc).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.images / 16.0).astype(np.float32)[:, None, :, :]
    y = data.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=TEST_FRACTION,
                                              random_state=SPLIT_SEED, stratify=y)
    return x_tr, y_tr, x_te, y_te


def onnxruntime_predict(model: onnx.ModelProto) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping one input ``(1, 1, 8, 8)`` to the model's output, via onnxruntime."""
    from ..crosscheck import ort_session

    sess = ort_session(model)  # the graph as written, not the CPU-dependent fused kernels
    name = model.graph.input[0].name
    return lambda x: sess.run(None, {name: x})[0]


def accuracy(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
             y: np.ndarray) -> float:
    """Fraction of ``x`` (one sample at a time, batch 1) whose output's argmax is ``y``."""
    if len(x) != len(y):
        raise ValueError(f"x and y must have equal lengths, not {len(x)} and {len(y)}")
    hits = [int(np.argmax(predict(xi[None]))) == int(yi) for xi, yi in zip(x, y, strict=True)]
    return float(np.mean(hits))
