"""One layer in a training loop, as a user's loop runs it: CPU time and minor page faults per forward + backward.

`layers.py` times each layer beside torch.nn.LSTM, alternating between them; here each layer runs alone in its
own process, call after call, the way one model trains, so what the memory allocator does between calls shows:
a buffer of a few MB allocated afresh each call may be handed back to the operating system when it is freed and
faulted in again, a page fault (and a cleared page) per 4 kB, at the next call. Each row: a fresh process runs
``--warmup`` calls, then ``--calls`` timed ones (``out.sum().backward()``, the layer in training mode, inputs
built as in ``layers.py --zoo``), and reports the median CPU time and the median count of minor page faults per
call (``getrusage``). Linux only.

    OMP_NUM_THREADS=1 python benchmarks/steady_loop.py                     # every row of the zoo, (16, 200, 32, 128)
    OMP_NUM_THREADS=1 python benchmarks/steady_loop.py --rows "LSTM hidden_dropout=0.25,torch.nn.LSTM" --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layers import zoo  # noqa: E402

NN = "torch.nn.LSTM"


def child(row: str, size: tuple[int, int, int, int], warmup: int, calls: int) -> dict:
    B, T, F, H = size
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if row == NN:
        layer, width = torch.nn.LSTM(F, H, batch_first=True), F
    else:
        found = {name: (layer, width) for name, layer, width in zoo(F, H, "cpu")}
        if row not in found:
            raise SystemExit(f"unknown row {row!r}; rows: {NN}, {', '.join(found)}")
        layer, width = found[row]
    layer.train()
    x = torch.randn(B, T, width)
    if row.startswith("TimeAware"):  # [x, m, delta]: a 0/1 mask and elapsed steps >= 0, as layers.py builds them
        f = width // 3
        x[..., f : 2 * f] = (torch.rand(B, T, f) > 0.3).float()
        x[..., 2 * f :] = torch.rand(B, T, f) * 3
    seconds, faults = [], []
    for i in range(warmup + calls):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.process_time()
        layer(x)[0].sum().backward()
        if i >= warmup:
            seconds.append(time.process_time() - t0)
            faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    return {"row": row, "ms": 1000 * statistics.median(seconds), "faults": statistics.median(faults)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="16,200,32,128", help="B,T,F,H")
    parser.add_argument("--rows", help="comma-separated row names (default: torch.nn.LSTM and every zoo row)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1, help="processes per row, taken in turn; medians")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.sizes.split(","))
    if args.child:
        print(json.dumps(child(args.child, size, args.warmup, args.calls)))
        return
    B, T, F, H = size
    rows = args.rows.split(",") if args.rows else [NN, *(name for name, _, _ in zoo(F, H, "cpu"))]
    results: dict[str, list[dict]] = {row: [] for row in rows}
    for _ in range(args.repeat):
        for row in rows:
            out = subprocess.run([sys.executable, __file__, "--child", row, "--sizes", args.sizes, "--warmup",
                                  str(args.warmup), "--calls", str(args.calls)], capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(out.stderr.strip().splitlines()[-1])
            results[row].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"one torch thread, {size} (B, T, F, H), {args.calls} calls after {args.warmup}, {args.repeat} "
          f"process(es) per row; torch {torch.__version__}\n")
    print("| layer | fwd+bwd ms | minor page faults per call | ms of the processes |")
    print("|---|--:|--:|---|")
    for row, rs in results.items():
        ms = [r["ms"] for r in rs]
        print(f"| {row} | {statistics.median(ms):.1f} | {statistics.median(r['faults'] for r in rs):.0f} | "
              f"{', '.join(f'{v:.1f}' for v in ms)} |")


if __name__ == "__main__":
    main()
