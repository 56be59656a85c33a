"""``hetsoc cim-sweep``: a model's CIM layers at several noise levels, against the ideal CIM.

For each sigma (ADC LSBs) and seed, the golden executor runs every input with the CIM layers
on the CIM golden model (`hetsoc.cim_run`); the table reports top-1 agreement and identical
outputs with the ideal (sigma 0) CIM model, and accuracy where the inputs have labels (the
trained ``digits`` model).
"""

from __future__ import annotations

import json
import math

import numpy as np

from .accel.cim.network import cim_layers, plan_cim, run_graph_cim, ternarize_hidden
from .golden import run_graph
from .golden.cim_noise import noise_scale

__all__ = ["parse_sigmas", "plot_sweep", "sweep", "sweep_table"]


def parse_sigmas(text: str) -> list[float]:
    """``"0,0.5,1"`` -> ``[0.0, 0.5, 1.0]``; ValueError on anything else."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = None
    if not values or any(not (math.isfinite(v) and v >= 0) for v in values):
        raise ValueError(f"--sigma must be comma-separated numbers >= 0, not {text!r}")
    return values


def _inputs(name, graph, images):
    """(inputs, labels or None, calibration) of a zoo model."""
    from . import zoo
    if name == "digits":
        from .zoo.digits import digits_split
        x_tr, _, x_te, y_te = digits_split()
        return x_te[:images], y_te[:images], x_tr[:64]
    x = zoo.report_inputs(name)[:images]
    return x, None, zoo.calibration_inputs(name)[:8]


def sweep(name, graph, sigmas, *, seeds=3, images=None, rows=1152, cols=512, ternarize=False):
    """Run the sweep; returns a dict with the per-sigma rows and the model's summary."""
    if ternarize:
        graph = ternarize_hidden(graph)
    layers = cim_layers(graph)
    if not layers:
        raise ValueError(f"model {name} has no CIM-eligible layer (ternary conv2d with groups 1 "
                         f"or dense); --ternarize maps its hidden layers to the CIM")
    x, labels, calib = _inputs(name, graph, images)
    plans = plan_cim(graph, calib, rows=rows)
    out = graph.outputs[0]

    def run(scale, seed):
        return np.stack([run_graph_cim(graph, xi[None], plans, rows=rows, cols=cols,
                                       noise_scale=scale, seed=seed)[out][0] for xi in x])

    int8 = np.stack([run_graph(graph, xi[None])[out][0] for xi in x])
    ideal = run(0, 0)
    result = {"model": name, "cim_layers": layers, "images": len(x), "seeds": seeds,
              "rows": rows, "cols": cols, "labels": labels is not None,
              "int8_accuracy": None if labels is None else float(np.mean(
                  int8.argmax(-1) == labels)),
              "ideal_vs_int8_top1": float(np.mean(ideal.argmax(-1) == int8.argmax(-1))),
              "plans": {k: [p.input_shift, p.adc_shift] for k, p in plans.items()},
              "sweep": []}
    for sigma in sigmas:
        scale = noise_scale(sigma)
        agree, same, acc = [], [], []
        for seed in range(seeds if scale else 1):
            y = run(scale, seed)
            agree.append(float(np.mean(y.argmax(-1) == ideal.argmax(-1))))
            same.append(float(np.mean(np.all(y == ideal, axis=-1))))
            if labels is not None:
                acc.append(float(np.mean(y.argmax(-1) == labels)))
        result["sweep"].append({"sigma": sigma, "noise_scale": scale, "top1_agree": agree,
                                "identical": same, "accuracy": acc or None})
    return result


def _stat(v):
    return f"{100 * np.mean(v):6.2f} [{100 * min(v):.1f}, {100 * max(v):.1f}]"


def sweep_table(result) -> str:
    """The sweep as a text table, then one JSON line."""
    lines = [f"model {result['model']}: {len(result['cim_layers'])} CIM layer(s) "
             f"({', '.join(result['cim_layers'])}), macro {result['rows']}x{result['cols']}, "
             f"{result['images']} input(s), {result['seeds']} seed(s) per sigma",
             "ideal CIM vs int8 golden (same weights): top-1 agreement "
             f"{100 * result['ideal_vs_int8_top1']:.1f}%"
             + ("" if result["int8_accuracy"] is None
                else f"; int8 golden accuracy {100 * result['int8_accuracy']:.1f}%"),
             "sigma (LSB) | top-1 agree with ideal CIM % [min, max] | identical outputs % "
             "| accuracy % [min, max]",
             "---|---|---|---"]
    for row in result["sweep"]:
        acc = _stat(row["accuracy"]) if row["accuracy"] else "n/a (no labels)"
        lines.append(f"{row['sigma']:g} | {_stat(row['top1_agree'])} | "
                     f"{_stat(row['identical'])} | {acc}")
    lines.append(json.dumps(result, separators=(",", ":")))
    return "\n".join(lines)


def plot_sweep(result, path):
    """A PNG: top-1 agreement (and accuracy, with labels) against sigma, min-max bars."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sig = [r["sigma"] for r in result["sweep"]]
    fig, ax = plt.subplots(figsize=(6, 4))
    series = [("top1_agree", "top-1 agreement with ideal CIM")]
    if result["labels"]:
        series.append(("accuracy", "accuracy"))
    for key, label in series:
        vals = [r[key] for r in result["sweep"]]
        mean = [100 * np.mean(v) for v in vals]
        lo = [m - 100 * min(v) for m, v in zip(mean, vals, strict=True)]
        hi = [100 * max(v) - m for m, v in zip(mean, vals, strict=True)]
        ax.errorbar(sig, mean, yerr=[lo, hi], marker="o", capsize=3, label=label)
    ax.set_xlabel("noise sigma (ADC LSB)")
    ax.set_ylabel("%")
    ax.set_title(f"{result['model']}: CIM noise sweep ({result['images']} inputs, "
                 f"{result['seeds']} seeds)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
