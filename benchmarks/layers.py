"""Forward+backward time of rnnkit's layers against torch.nn, on one device, in one run.

    python benchmarks/layers.py                 # rnnkit.{RNN,LSTM,GRU} against torch.nn, on CPU (or --device cuda)
    python benchmarks/layers.py --quick         # small sizes, a smoke run
    python benchmarks/layers.py --zoo --threads 1 --clock cpu
                                                # every cell of the zoo against torch.nn.LSTM, and the
                                                # batch-1 streaming step against torch.nn.LSTMCell

``--zoo``: one row per layer (LSTM, with zoneout and with hidden dropout, in training mode; GRU, with zoneout;
Elman RNN, with zoneout; LayerNorm-LSTM; MinGRU and MinLSTM in their CPU default, sequential; TimeAware around
LSTM and GRU, which read ``[x, m, delta]`` of F features, so 3F inputs), each with the backend ``auto``
picked, as ratios to torch.nn.LSTM(F, H) timed in the same run: forward + backward, and the forward alone
under ``torch.inference_mode()``; ``--reference`` adds the reference loop's forward + backward. Then the
streaming rows: one step at batch 1 under ``torch.inference_mode()`` against one ``torch.nn.LSTMCell`` call
timed in turn with it: :func:`rnnkit.kernels.step.inference_step` (the lean step), and the cell's own
``project`` and ``step`` (the reference; TimeAware's ``stream_step``, which carries ``x_last`` beside its state,
on a step with half of its F features missing).

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
from rnnkit.cells import TimeAware, time_aware_inputs
from rnnkit.kernels.step import inference_step, step_backend
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


def _clock(kind: str):
    return time.process_time if kind == "cpu" else time.perf_counter


def _fwd_bwd(fn, x):
    """Forward + backward of ``fn(x)[0].sum()``, as a call."""

    def once():
        out = fn(x)[0]
        out.float().sum().backward()

    return once


def _inference(fn, x):
    """The forward ``fn(x)`` under ``torch.inference_mode()`` (no graph is built), as a call."""

    def once():
        with torch.inference_mode():
            fn(x)

    return once


def time_fwd_bwd(fn, x, *, repeat: int, device: str, clock: str = "wall", warmup: bool = True) -> float:
    """Median milliseconds of forward + backward of ``fn(x)[0].sum()``."""
    return _median_ms(_fwd_bwd(fn, x), repeat=repeat, device=device, clock=clock, warmup=warmup)


def time_inference(fn, x, *, repeat: int, device: str, clock: str = "wall", warmup: bool = True) -> float:
    """Median milliseconds of the forward ``fn(x)`` under ``torch.inference_mode()`` (no graph is built)."""
    return _median_ms(_inference(fn, x), repeat=repeat, device=device, clock=clock, warmup=warmup)


def paired_ms(once, base, *, repeat: int, device: str, clock: str, warmup: bool = True):
    """``(ms, base_ms, ratio)``: the medians of ``once()`` and ``base()`` timed in turn, ``repeat`` times each,
    and the median of the ratios of each pair, which a load that moves between the pairs leaves alone."""
    a, b = [], []
    if warmup:
        base()
        once()
    for _ in range(repeat):
        b.append(_median_ms(base, repeat=1, device=device, clock=clock, warmup=False))
        a.append(_median_ms(once, repeat=1, device=device, clock=clock, warmup=False))
    return statistics.median(a), statistics.median(b), statistics.median(x / y for x, y in zip(a, b, strict=True))


def _median_ms(once, *, repeat: int, device: str, clock: str, warmup: bool = True) -> float:
    now = _clock(clock)
    if warmup:
        once()  # allocations, cuDNN plans
    times = []
    for _ in range(repeat):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = now()
        once()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((now() - t0) * 1000)
    return statistics.median(times)


def zoo(F: int, H: int, device: str) -> list[tuple[str, rnnkit.Stacked, int]]:
    """``(name, layer, input width)`` for every cell of the zoo, built for inputs of F features."""
    from rnnkit.cells import GRUCell, LSTMCell

    def time_aware(cell):  # GRU-D reads [x, m, delta] of F features: 3F inputs, the inner cell 2F
        return rnnkit.Stacked([rnnkit.Recurrent(TimeAware(cell(2 * F, H)))])

    rows = [
        ("LSTM", rnnkit.LSTM(F, H), F),
        ("LSTM zoneout=0.1", rnnkit.LSTM(F, H, zoneout=0.1), F),
        ("LSTM hidden_dropout=0.25", rnnkit.LSTM(F, H, hidden_dropout=0.25), F),
        ("GRU", rnnkit.GRU(F, H), F),
        ("GRU zoneout=0.1", rnnkit.GRU(F, H, zoneout=0.1), F),
        ("RNN (Elman)", rnnkit.RNN(F, H), F),
        ("RNN zoneout=0.1", rnnkit.RNN(F, H, zoneout=0.1), F),
        ("LayerNormLSTM", rnnkit.LayerNormLSTM(F, H), F),
        ("MinGRU", rnnkit.MinGRU(F, H), F),
        ("MinLSTM", rnnkit.MinLSTM(F, H), F),
        ("TimeAware(LSTM)", time_aware(LSTMCell), 3 * F),
        ("TimeAware(GRU)", time_aware(GRUCell), 3 * F),
    ]
    return [(name, layer.to(device), width) for name, layer, width in rows]


def zoo_table(args, sizes) -> None:
    """Every cell against torch.nn.LSTM: forward + backward and inference, then the batch-1 streaming step.

    torch.nn.LSTM is timed again beside every row, the two calls in turn (``paired_ms``), and each ratio is the
    median of the ratios of those pairs: on a machine shared with other work the speed moves between rows and
    between repeats, much less between two calls taken one after the other."""
    timing = dict(repeat=args.repeat, device=args.device, clock=args.clock, warmup=not args.no_warmup)
    ref_head = " reference ms | reference / nn.LSTM |" if args.reference else ""
    print("| size (B, T, F, H) | layer | auto picks | nn.LSTM fwd+bwd ms | fwd+bwd ms | / nn.LSTM "
          f"| nn.LSTM inference ms | inference ms | / nn.LSTM |{ref_head}")
    print("|---|---|---|---|---|---|---|---|---|" + ("---|---|" if args.reference else ""))
    for B, T, F, H in sizes:
        base = nn.LSTM(F, H, batch_first=True).to(args.device)
        x = torch.randn(B, T, F, device=args.device, requires_grad=True)
        for name, layer, width in zoo(F, H, args.device):
            if args.rows and name not in args.rows.split(","):
                continue
            if args.no_warmup:  # the one-off costs a warm-up would take (a C++ build) stay out of the timing
                layer(torch.randn(1, 2, width, device=args.device).abs())
            xs = torch.randn(B, T, width, device=args.device).abs().requires_grad_()  # deltas are >= 0
            t, t_base, ratio = paired_ms(_fwd_bwd(layer, xs), _fwd_bwd(base, x), **timing)
            picked = layer.last_backend
            i, i_base, i_ratio = paired_ms(_inference(layer, xs), _inference(base, x), **timing)
            row = (f"| ({B}, {T}, {F}, {H}) | {name} | {picked} | {t_base:.1f} | {t:.1f} | {ratio:.2f} "
                   f"| {i_base:.1f} | {i:.1f} | {i_ratio:.2f} |")
            if args.reference:
                layer.backend = "reference"
                r = time_fwd_bwd(layer, xs, **timing)
                row += f" {r:.1f} | {r / t_base:.2f} |"
            print(row, flush=True)
    if args.no_streaming:
        return
    print("\nStreaming: one step at batch 1 under torch.inference_mode(), µs (median of 5 runs of 2000)\n")
    print("| H | layer | lean step | step µs | / nn.LSTMCell | reference step µs | / nn.LSTMCell |")
    print("|---|---|---|---|---|---|---|")
    for _, _, F, H in sizes:
        base = nn.LSTMCell(F, H).to(args.device)
        x_t = torch.randn(1, F, device=args.device)
        state = (torch.zeros(1, H, device=args.device), torch.zeros(1, H, device=args.device))
        t_base = time_steps(lambda: base(x_t, state), clock=args.clock)
        print(f"| {H} | torch.nn.LSTMCell | | {t_base:.1f} | 1.00 | | |")
        # TimeAware's step reads [x, m, delta] of the F features: half of them missing, each a step late
        values = torch.randn(1, 2, F, device=args.device)
        values[0, 1, ::2] = float("nan")
        x3_t = time_aware_inputs(values)[:, 1]  # (1, 3F)
        for name, layer, _ in zoo(F, H, args.device):
            cell = layer.cells()[0]
            if layer.directions()[0].uses_recurrent_dropout:
                continue  # dropouts are training-time
            if isinstance(cell, TimeAware):  # it carries x_last beside its state: its reference is stream_step
                x, s = x3_t, cell.stream_start(1, device=args.device)
                reference = (lambda cell=cell, x=x, s=s: cell.stream_step(x, s))
            else:
                x, s = x_t, cell.zero_state(1, device=args.device)
                reference = (lambda cell=cell, x=x, s=s: cell.step(cell.project(x), s))
            # each timed beside its own nn.LSTMCell run: the load of this machine moves between rows
            t, t_base = time_steps_paired(lambda cell=cell, x=x, s=s: inference_step(cell, x, s),
                                          lambda: base(x_t, state), clock=args.clock)
            t_ref, t_base_ref = time_steps_paired(reference, lambda: base(x_t, state), clock=args.clock)
            with torch.inference_mode():
                lean = step_backend(cell)[1]
            print(f"| {H} | {name} | {lean} | {t:.1f} | {t / t_base:.2f} | {t_ref:.1f} "
                  f"| {t_ref / t_base_ref:.2f} |", flush=True)


def time_steps_paired(step, base, *, clock: str, n: int = 2000) -> tuple[float, float]:
    """Median microseconds of one ``step()`` and of one ``base()`` under ``torch.inference_mode()``, over 5
    runs of ``n`` calls each, their runs interleaved so that both see the same load."""
    now = _clock(clock)
    runs: tuple[list, list] = ([], [])
    with torch.inference_mode():
        for k in range(12):
            f = step if k % 2 == 0 else base
            t0 = now()
            for _ in range(n):
                f()
            runs[k % 2].append((now() - t0) / n * 1e6)
    return statistics.median(runs[0][1:]), statistics.median(runs[1][1:])


def time_steps(step, *, clock: str, n: int = 2000) -> float:
    """Median microseconds of one ``step()`` under ``torch.inference_mode()``, over 5 runs of ``n`` steps."""
    now = _clock(clock)
    runs = []
    with torch.inference_mode():
        for _ in range(6):
            t0 = now()
            for _ in range(n):
                step()
            runs.append((now() - t0) / n * 1e6)
    return statistics.median(runs[1:])


def machine(device: str) -> str:
    """The line naming the machine, shared by the benchmarks: rnnkit.report's description."""
    return machine_line(describe_machine(device))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    p.add_argument("--cells", default="rnn,lstm,gru")
    p.add_argument("--zoo", action="store_true", help="every cell against torch.nn.LSTM, and the streaming step")
    p.add_argument("--reference", action="store_true", help="with --zoo: also time the reference loop")
    p.add_argument("--no-streaming", action="store_true", help="with --zoo: leave out the streaming rows")
    p.add_argument("--rows", help="with --zoo: only these rows (comma-separated names, as in the table)")
    p.add_argument("--no-warmup", action="store_true", help="no untimed first call (for sizes that take seconds)")
    p.add_argument("--sizes", help="B,T,F,H;B,T,F,H (default: the zoo's or the torch table's sizes)")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="cpu: this process's CPU time, steady under load at one thread")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.sizes:
        sizes = [tuple(int(v) for v in size.split(",")) for size in args.sizes.split(";")]
    elif args.quick:
        sizes = [(8, 50, 16, 32)]
    elif args.zoo:
        sizes = [(16, 200, 32, 128), (64, 512, 128, 512)]
    else:
        sizes = [(64, 512, 128, 512), (16, 1000, 64, 256)]
    print(f"device: {machine(args.device)}; torch threads: {torch.get_num_threads()}; clock: {args.clock}\n")
    if args.zoo:
        zoo_table(args, sizes)
        return 0
    pairs = {"rnn": (rnnkit.RNN, nn.RNN), "lstm": (rnnkit.LSTM, nn.LSTM), "gru": (rnnkit.GRU, nn.GRU)}
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
            t_torch = time_fwd_bwd(ref, x, repeat=args.repeat, device=args.device, clock=args.clock)
            t_auto = time_fwd_bwd(auto, x, repeat=args.repeat, device=args.device, clock=args.clock)
            t_ref = time_fwd_bwd(loop, x, repeat=args.repeat, device=args.device, clock=args.clock)
            t_naive = time_fwd_bwd(lambda x: naive_loop(loop, x), x, repeat=args.repeat, device=args.device,
                                     clock=args.clock)
            print(
                f"| ({B}, {T}, {F}, {H}) | {name} | {t_torch:.1f} | {t_auto:.1f} | {t_auto / t_torch:.2f} "
                f"| {t_ref:.1f} | {t_naive:.1f} | {t_naive / t_ref:.2f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
