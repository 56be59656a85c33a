"""Train the ``digits`` zoo model and write it as QDQ int8 ONNX.

Run ``python -m hetsoc.zoo.train_digits [-o host/zoo/digits.onnx]`` (needs scikit-learn).
The network is a multilayer perceptron, 64 -> 64 -> 32 -> 10 with ReLU, trained by
scikit-learn's ``MLPClassifier`` (Adam, seeded), written by hand as an ONNX graph
(Flatten, Gemm, Relu, Softmax) and quantized like the synthetic zoo networks (QDQ int8,
per-channel symmetric weights), calibrated on training images only. It prints the float and
int8 (onnxruntime) accuracy on the held-out split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .digits import accuracy, digits_split, onnxruntime_predict
from .quantize import quantize_qdq

__all__ = ["float_model", "main", "train"]

HIDDEN = (64, 32)
CALIB_SIZE = 256


def train(x: np.ndarray, y: np.ndarray):
    """A fitted ``MLPClassifier`` on flattened images."""
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", alpha=1e-3,
                        max_iter=600, random_state=0)
    return clf.fit(x.reshape(len(x), -1), y)


def float_model(clf) -> onnx.ModelProto:
    """The classifier as a float ONNX model, input ``(1, 1, 8, 8)``, output probabilities."""
    nodes = [helper.make_node("Flatten", ["input"], ["flat"], name="flatten", axis=1)]
    inits = []
    x = "flat"
    n_layers = len(clf.coefs_)
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_, strict=True)):
        name = f"dense{i + 1}"
        # Same layout as the other zoo models: Gemm with transB=1, weights (out, in).
        inits += [numpy_helper.from_array(w.T.astype(np.float32), f"{name}.weight"),
                  numpy_helper.from_array(b.astype(np.float32), f"{name}.bias")]
        nodes.append(helper.make_node("Gemm", [x, f"{name}.weight", f"{name}.bias"],
                                      [f"{name}.out"], name=name, transB=1))
        x = f"{name}.out"
        if i < n_layers - 1:
            nodes.append(helper.make_node("Relu", [x], [f"relu{i + 1}"], name=f"relu{i + 1}"))
            x = f"relu{i + 1}"
    nodes.append(helper.make_node("Softmax", [x], ["probabilities"], name="softmax", axis=-1))
    graph = helper.make_graph(
        nodes, "digits",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="hetsoc.zoo")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def quantize_input_first(qmodel: onnx.ModelProto):
    """Quantize the input before the Flatten, not after it (in place).

    The quantizer leaves a float Flatten in front of the first QuantizeLinear; this moves a
    QuantizeLinear/DequantizeLinear pair with the same parameters onto the input, so the model
    is integer from its input on (``docs/numerics.md``: floating point only at the boundary).
    Values are unchanged: Flatten moves data only.
    """
    g = qmodel.graph
    (flat,) = [n for n in g.node if n.op_type == "Flatten"]
    (q,) = [n for n in g.node if n.op_type == "QuantizeLinear" and n.input[0] == flat.output[0]]
    pair = [helper.make_node("QuantizeLinear", ["input", q.input[1], q.input[2]], ["input_q"],
                             name="input_QuantizeLinear"),
            helper.make_node("DequantizeLinear", ["input_q", q.input[1], q.input[2]],
                             ["input_dq"], name="input_DequantizeLinear")]
    flat.input[0] = "input_dq"
    index = list(g.node).index(flat)
    for offset, node in enumerate(pair):
        g.node.insert(index + offset, node)


def softmax_scale_1_256(qmodel: onnx.ModelProto):
    """Give the softmax output scale 1/256, zero point -128 (in place).

    That is TFLite's int8 softmax convention; onnxruntime's quantizer picks 1/255, for which
    its fused QLinearSoftmax (it multiplies by floor(1 / y_scale) = 254) disagrees with the
    QDQ graph's own definition. Nothing follows the softmax, so no other tensor changes.
    """
    inits = {i.name: i for i in qmodel.graph.initializer}
    (q,) = [n for n in qmodel.graph.node
            if n.op_type == "QuantizeLinear" and n.input[0].startswith("probabilities")]
    inits[q.input[1]].CopyFrom(numpy_helper.from_array(np.array(2.0 ** -8, np.float32),
                                                       q.input[1]))
    inits[q.input[2]].CopyFrom(numpy_helper.from_array(np.array(-128, np.int8), q.input[2]))


def main(argv: list[str] | None = None) -> int:
    """Train, quantize, write the model and print its accuracies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(Path(__file__).with_name("digits.onnx")))
    args = parser.parse_args(argv)
    x_tr, y_tr, x_te, y_te = digits_split()
    clf = train(x_tr, y_tr)
    fmodel = float_model(clf)
    rng = np.random.default_rng(0)
    calib = x_tr[rng.choice(len(x_tr), CALIB_SIZE, replace=False)]
    qmodel = quantize_qdq(fmodel, calib)
    quantize_input_first(qmodel)
    softmax_scale_1_256(qmodel)
    onnx.checker.check_model(qmodel, full_check=True)
    qmodel.graph.name = "digits"
    qmodel.doc_string = ("hetsoc zoo digits: MLP 64-64-32-10 trained on scikit-learn digits "
                         "(train_digits.py), QDQ int8")
    onnx.save(qmodel, args.output)
    print(f"float accuracy (held-out, {len(y_te)} images): "
          f"{accuracy(onnxruntime_predict(fmodel), x_te, y_te):.4f}")
    print(f"int8 accuracy (onnxruntime): {accuracy(onnxruntime_predict(qmodel), x_te, y_te):.4f}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
