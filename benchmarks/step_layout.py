"""The step graph's stacked product in two layouts (docs/deploy.md): the exported graph, whose recurrent ``Gemm``
reads the stacked weight transposed, ``(F + H, G)`` (``transB=0``), against the same graph with that weight as
torch.nn keeps it, a row per output (``transB=1``), ``session.run`` at batch 1, the two taking turns in blocks
(``serve.medians_us``), in one process; the outputs must be equal. Run it several times: each process places
the weights anew::

    cd benchmarks && OMP_NUM_THREADS=1 python step_layout.py
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from serve import medians_us

from rnnkit.deploy import export_onnx
from rnnkit.deploy.export import ort_session
from rnnkit.models import SequenceToSequence
from rnnkit.report import machine, machine_line

F = 8


def flipped(path: Path, out: Path) -> int:
    """Write ``path``'s graph with every recurrent ``Gemm`` (the head's left as it is) reading its weight in the
    other layout (``transB`` flipped, the weight transposed); returns how many were flipped."""
    model = onnx.load(path)
    weights = {w.name: w for w in model.graph.initializer}
    turned = 0
    for node in model.graph.node:
        if node.op_type != "Gemm" or node.input[1].startswith("head") or node.input[1] not in weights:
            continue
        flag = [a for a in node.attribute if a.name == "transB"]
        if not flag:
            node.attribute.append(onnx.helper.make_attribute("transB", 0))
            flag = [node.attribute[-1]]
        w = numpy_helper.to_array(weights[node.input[1]])
        weights[node.input[1]].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(w.T), node.input[1]))
        flag[0].i, turned = 1 - flag[0].i, turned + 1
    onnx.save(model, out)
    return turned


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=3000, help="timed calls of each layout per round")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    print(machine_line(machine("cpu")))
    print("| cell | H | Gemms flipped | max difference | transB=0 µs | transB=1 µs |\n|---|--:|--:|--:|--:|--:|")
    for cell in ("lstm", "gru"):
        for H in (64, 256):
            torch.manual_seed(0)
            directory = Path(tempfile.mkdtemp())
            info = export_onnx(SequenceToSequence(F, H, 4, cell=cell).eval(), directory / "e", verbose=False)
            turned = flipped(directory / "e" / "step.onnx", directory / "flipped.onnx")
            cols, rows = (ort_session(path, threads=1) for path in (directory / "e" / "step.onnx",
                                                                    directory / "flipped.onnx"))
            rng = np.random.default_rng(0)
            feed = dict(zip([i.name for i in rows.get_inputs()], [
                rng.normal(size=(1, F)).astype(np.float32),
                (rng.normal(size=(1, info["step"]["state_size"])) * 0.5).astype(np.float32)], strict=True))
            diff = max(float(np.abs(a - b).max()) for a, b in zip(rows.run(None, feed), cols.run(None, feed),
                                                                   strict=True))
            runs = [medians_us({"0": lambda: cols.run(None, feed), "1": lambda: rows.run(None, feed)},  # noqa: B023
                               args.steps) for _ in range(args.rounds)]
            print(f"| {cell} | {H} | {turned} | {diff:.1e} | " + ", ".join(f"{r['0']:.1f}" for r in runs) + " | "
                  + ", ".join(f"{r['1']:.1f}" for r in runs) + " |", flush=True)


if __name__ == "__main__":
    main()
