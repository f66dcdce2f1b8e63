"""Forward+backward time of rnnkit.{RNN,LSTM,GRU} against torch.nn, on one device, in one run.

    python benchmarks/layers.py                 # the two sizes of the issue, on CPU (or --device cuda)
    python benchmarks/layers.py --quick         # small sizes, a smoke run

Rows per cell: torch.nn; rnnkit backend="auto"; rnnkit backend="reference" (the readable loop, input
projection hoisted out of it); and a naive per-step loop that projects each input inside the loop.
Ratios are against torch.nn (for auto, goal <= 1.05) and of the naive loop against the reference loop
(goal >= 2). Prints a Markdown table with the machine it ran on.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import rnnkit
from rnnkit.report import machine as describe_machine
from rnnkit.report import machine_line


def naive_loop(layer: rnnkit.Stacked, x: torch.Tensor):
    """A per-step loop that projects every input inside the loop (one layer, one direction)."""
    cell = layer.cells()[0]
    state = cell.zero_state(x.shape[0], device=x.device, dtype=x.dtype)
    outs = []
    for t in range(x.shape[1]):
        y, state = cell.step(cell.project(x[:, t : t + 1])[:, 0], state)
        outs.append(y)
    return torch.stack(outs, 1), state


def time_fwd_bwd(fn, x, *, repeat: int, device: str) -> float:
    """Median milliseconds of forward + backward of ``fn(x)[0].sum()``."""

    def once():
        out = fn(x)[0]
        out.float().sum().backward()

    once()  # warm-up (allocations, cuDNN plans)
    times = []
    for _ in range(repeat):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        once()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def machine(device: str) -> str:
    """The line naming the machine, shared by the benchmarks: rnnkit.report's description."""
    return machine_line(describe_machine(device))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    p.add_argument("--cells", default="rnn,lstm,gru")
    args = p.parse_args(argv)
    sizes = [(8, 50, 16, 32)] if args.quick else [(64, 512, 128, 512), (16, 1000, 64, 256)]
    pairs = {"rnn": (rnnkit.RNN, nn.RNN), "lstm": (rnnkit.LSTM, nn.LSTM), "gru": (rnnkit.GRU, nn.GRU)}
    print(f"device: {machine(args.device)}\n")
    print(
        "| size (B, T, F, H) | cell | torch.nn ms | auto ms | auto / torch | reference ms | naive ms "
        "| naive / reference |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for B, T, F, H in sizes:
        x = torch.randn(B, T, F, device=args.device, requires_grad=True)
        for name in args.cells.split(","):
            ours_cls, torch_cls = pairs[name]
            ref = torch_cls(F, H, batch_first=True).to(args.device)
            auto = ours_cls.from_torch(ref, backend="auto")
            loop = ours_cls.from_torch(ref, backend="reference")
            t_torch = time_fwd_bwd(ref, x, repeat=args.repeat, device=args.device)
            t_auto = time_fwd_bwd(auto, x, repeat=args.repeat, device=args.device)
            t_ref = time_fwd_bwd(loop, x, repeat=args.repeat, device=args.device)
            t_naive = time_fwd_bwd(lambda x: naive_loop(loop, x), x, repeat=args.repeat, device=args.device)
            print(
                f"| ({B}, {T}, {F}, {H}) | {name} | {t_torch:.1f} | {t_auto:.1f} | {t_auto / t_torch:.2f} "
                f"| {t_ref:.1f} | {t_naive:.1f} | {t_naive / t_ref:.2f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
