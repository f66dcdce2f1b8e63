"""What bounds the streaming step of an LSTM at H = 256 under onnxruntime (docs/deploy.md): the exported step
graph against its one matrix product alone, an empty graph, ONNX's own ``LSTM`` operator for one step, and
the eager step, at one and at two threads. Medians in µs, the functions taking turns in blocks
(``serve.medians_us``)::

    cd benchmarks && OMP_NUM_THREADS=2 python step_bound.py
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from onnx import TensorProto, helper, numpy_helper
from serve import medians_us

from rnnkit.deploy import StepGraph, export_onnx
from rnnkit.deploy.export import ort_session, resolve
from rnnkit.models import SequenceToSequence
from rnnkit.report import machine, machine_line

F, H = 8, 256


def graph(nodes, inputs, outputs, initializers) -> bytes:
    floats = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
    g = helper.make_graph(nodes, "g", [floats(*i) for i in inputs], [floats(*o) for o in outputs],
                          [numpy_helper.from_array(a, n) for n, a in initializers.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def lstm_operator(rng: np.random.Generator) -> bytes:
    """One step of ONNX's ``LSTM`` operator, ``x (1, F)`` and the state ``[h, c] (1, 2H)`` in and out."""
    weights = {"W": rng.normal(size=(1, 4 * H, F)), "R": rng.normal(size=(1, 4 * H, H)),
               "B": rng.normal(size=(1, 8 * H)), "axis": np.array([0], np.int64)}
    weights = {k: (v * 0.1).astype(np.float32) if v.dtype != np.int64 else v for k, v in weights.items()}
    nodes = [helper.make_node("Unsqueeze", ["x", "axis"], ["x3"]),
             helper.make_node("Split", ["s"], ["h0", "c0"], axis=1),
             helper.make_node("Unsqueeze", ["h0", "axis"], ["h3"]),
             helper.make_node("Unsqueeze", ["c0", "axis"], ["c3"]),
             helper.make_node("LSTM", ["x3", "W", "R", "B", "", "h3", "c3"], ["", "yh", "yc"], hidden_size=H),
             helper.make_node("Concat", ["yh", "yc"], ["s3"], axis=2),
             helper.make_node("Squeeze", ["s3", "axis"], ["s_out"])]
    return graph(nodes, [("x", [1, F]), ("s", [1, 2 * H])], [("s_out", [1, 2 * H])], weights)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=3000, help="timed calls of each function")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    model = SequenceToSequence(F, H, 4, cell="lstm").eval()
    directory = Path(tempfile.mkdtemp())
    info = export_onnx(model, directory / "e", verbose=False)
    x = rng.normal(size=(1, F)).astype(np.float32)
    state = np.zeros((1, info["step"]["state_size"]), np.float32)
    K, G = F + H, 4 * H  # the fused step's product: [x_t, h] (1, K) by (K, G)
    a, w = rng.normal(size=(1, K)).astype(np.float32), rng.normal(size=(K, G)).astype(np.float32)
    matmul = graph([helper.make_node("MatMul", ["a", "W"], ["y"])], [("a", [1, K])], [("y", [1, G])], {"W": w})
    identity = graph([helper.make_node("Identity", ["a"], ["y"])], [("a", [1, K])], [("y", [1, K])], {})
    eager_graph = StepGraph(resolve(model), fuse="reference").eval()  # the model's own cells, as serve.py
    xt, st = torch.from_numpy(x), torch.from_numpy(state)

    def eager():
        with torch.inference_mode():
            eager_graph(xt, st)

    print(machine_line(machine("cpu")))
    print("| threads | step graph, session.run | its MatMul alone | numpy's product | empty graph | ONNX LSTM operator "
          "| eager step |\n|--:|--:|--:|--:|--:|--:|--:|")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        sessions = {name: ort_session(m, threads=threads) for name, m in (
            ("step", directory / "e" / "step.onnx"), ("matmul", matmul), ("identity", identity),
            ("lstm", lstm_operator(rng)))}
        s_lstm = np.zeros((1, 2 * H), np.float32)
        us = medians_us({"step": lambda: sessions["step"].run(None, {"x_t": x, "state_in": state}),  # noqa: B023
                         "matmul": lambda: sessions["matmul"].run(None, {"a": a}),  # noqa: B023
                         "numpy": lambda: a @ w,
                         "identity": lambda: sessions["identity"].run(None, {"a": a}),  # noqa: B023
                         "lstm": lambda: sessions["lstm"].run(None, {"x": x, "s": s_lstm}),  # noqa: B023
                         "eager": eager}, args.steps)
        print(f"| {threads} | " + " | ".join(f"{us[k]:.1f}" for k in ("step", "matmul", "numpy", "identity", "lstm",
                                                                      "eager")) + " |", flush=True)


if __name__ == "__main__":
    main()
