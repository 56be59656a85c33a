"""The trained digits model: held-out int8 accuracy has a floor."""

import numpy as np
import pytest

from hetsoc import zoo
from hetsoc.zoo.digits import accuracy, digits_split, onnxruntime_predict

pytest.importorskip("sklearn")

# Measured 0.9756 on the 450 held-out images (float and int8 alike); the floor leaves a little
# room for onnxruntime versions, never for a broken model (chance is 0.1).
FLOOR = 0.96


def test_split_is_fixed_and_disjoint():
    x_tr, y_tr, x_te, y_te = digits_split()
    assert (len(x_tr), len(x_te)) == (1347, 450)
    assert x_tr.shape[1:] == (1, 8, 8) and x_tr.dtype == np.float32
    assert 0.0 <= x_tr.min() and x_tr.max() <= 1.0
    train = {x.tobytes() for x in x_tr}
    # Duplicated images exist in the dataset; nearly all test images are unseen.
    assert np.mean([x.tobytes() not in train for x in x_te]) > 0.95
    assert set(np.unique(y_te)) == set(range(10))


def test_int8_accuracy_onnxruntime():
    _, _, x_te, y_te = digits_split()
    acc = accuracy(onnxruntime_predict(zoo.load("digits")), x_te, y_te)
    assert acc >= FLOOR, acc


def test_accuracy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="x and y must have equal lengths, not 2 and 3"):
        accuracy(lambda x: x, np.zeros((2, 1)), np.zeros(3))


@pytest.mark.slow
def test_training_script_reproduces_the_committed_model(tmp_path):
    from hetsoc.zoo import train_digits

    out = tmp_path / "digits.onnx"
    assert train_digits.main(["-o", str(out)]) == 0
    assert out.read_bytes() == (zoo.HERE / "digits.onnx").read_bytes()


def _golden_predict():
    from hetsoc.golden import run_graph
    from hetsoc.onnx_import import import_model

    graph = import_model(zoo.load("digits"))
    (out,) = graph.outputs
    return lambda x: run_graph(graph, {graph.inputs[0]: x})[out]


def test_int8_accuracy_golden():
    # The figure the README quotes: the golden executor on the 450 held-out images.
    _, _, x_te, y_te = digits_split()
    acc = accuracy(_golden_predict(), x_te, y_te)
    assert acc >= FLOOR, acc


def test_golden_and_onnxruntime_predict_the_same_classes():
    _, _, x_te, _ = digits_split()
    gold, ref = _golden_predict(), onnxruntime_predict(zoo.load("digits"))
    for x in x_te[:100]:
        np.testing.assert_array_equal(gold(x[None]), ref(x[None]))
