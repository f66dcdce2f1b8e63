"""Forward+backward time and memory of rnnkit's backends against torch.nn.LSTM, on one device, in one run.

    python benchmarks/kernels.py                      # GPU if there is one: sizes of the issue, fp32 and bf16
    python benchmarks/kernels.py --device cpu         # the same table on CPU (fp32), then the CPU GRU table
    python benchmarks/kernels.py --quick              # small sizes, a smoke run
    python benchmarks/kernels.py --check              # first check every fast path against the reference

Table 1, per size and dtype: torch.nn.LSTM (cuDNN on GPU) as the baseline; rnnkit's native, fused and
reference backends for LSTM, GRU, RNN, LayerNorm-LSTM and GRU-D (fused: with and without the CUDA graphs of
the step loop), and the C++ CPU GRU; MinGRU/MinLSTM as the sequential loop, the log-space scan (parallel
mode) and the fused Triton scan. Columns: median ms of
forward+backward, ratio to torch.nn.LSTM, memory saved for the backward (any device) and peak memory of the
step (CUDA only). A backend that cannot run a row says why (fused on CPU: Triton runs there only in its
slow interpreter).

Table 2 (CPU): the C++ CPU GRU (backend "cpu_gru") against torch.nn.GRU at (B=8, T=500, F=16, H=64),
forward+backward and forward alone without gradients.

``--gemm`` (CPU): the C++ loops' products (:data:`rnnkit.kernels.cpu_gru.GEMM`, oneDNN's brgemm micro-kernel
over tiles) against ``torch.mm`` (MKL's sgemm on x86) at the shapes the loops run, float32: per step, the input
projection over all steps and its backward, and the recurrent weight's gradient, at the zoo's two sizes.

On a machine shared with other jobs, ``--threads 1 --clock cpu`` (this process's CPU time on one thread)
gives steady figures where wall-clock times with several threads do not.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import statistics
import time
import warnings

import torch
from layers import machine
from torch import nn

import rnnkit
from rnnkit.kernels import dispatch, fused
from rnnkit.kernels.dispatch import select_backend


def saved_megabytes(fn, x) -> float:
    """Megabytes that autograd keeps for the backward of ``fn(x)`` (distinct storages)."""
    storages = {}

    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn(x)[0]
    out.float().sum().backward()
    return sum(storages.values()) / 2**20


def peak_megabytes(fn, x) -> float | None:
    """Peak CUDA memory of one forward+backward above what was allocated before it (None on CPU)."""
    if x.device.type != "cuda":
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    fn(x)[0].float().sum().backward()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - before) / 2**20


class GRUD(rnnkit.Stacked):
    """GRU-D, ``rnnkit.TimeAware(GRUCell)``, on ``F`` features: the forward reads ``(B, T, F)`` values and feeds
    ``[x, m, delta]`` with every value observed one time unit apart (the decays are computed all the same).
    Layers after the first read ``[x, m, delta]`` of ``D * H / 3`` features from the previous layer."""

    def __init__(self, F: int, H: int, *, backend: str = "auto", num_layers: int = 1, bidirectional: bool = False):
        D = 2 if bidirectional else 1

        def direction(n, reverse):
            return rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.GRUCell(2 * n, H)), reverse=reverse)

        layers = []
        for i in range(num_layers):
            n = F if i == 0 else D * H // 3
            layers.append(rnnkit.Bidirectional(direction(n, False), direction(n, True)) if D == 2
                          else direction(n, False))
        super().__init__(layers, backend=backend)

    def forward(self, x, lengths=None, state=None):
        if x.shape[-1] * 3 != self.input_size:
            raise ValueError(f"GRUD: expected {self.input_size // 3} features, got {x.shape[-1]}")
        return super().forward(torch.cat([x, torch.ones_like(x), torch.ones_like(x)], dim=-1), lengths, state)


# label -> (layer class, called as cls(F, H, backend=...); backend, or None for the torch.nn baseline;
#           options: keywords of the forward call, and "graph_steps" to set fused.GRAPH_STEPS for the row)
ROWS = {
    "torch.nn.LSTM": (functools.partial(nn.LSTM, batch_first=True), None),
    "native LSTM": (rnnkit.LSTM, "native"),
    "native GRU": (rnnkit.GRU, "native"),
    "native RNN": (rnnkit.RNN, "native"),
    "cpu_gru GRU": (rnnkit.GRU, "cpu_gru"),
    "fused LSTM": (rnnkit.LSTM, "fused"),
    "fused GRU": (rnnkit.GRU, "fused"),
    "fused RNN": (rnnkit.RNN, "fused"),
    "fused LayerNorm-LSTM": (rnnkit.layers.LayerNormLSTM, "fused"),
    "fused GRU-D": (GRUD, "fused"),
    "fused LSTM, no CUDA graph": (rnnkit.LSTM, "fused", {"graph_steps": 0}),
    "fused LayerNorm-LSTM, no CUDA graph": (rnnkit.layers.LayerNormLSTM, "fused", {"graph_steps": 0}),
    "reference LSTM": (rnnkit.LSTM, "reference"),
    "reference GRU": (rnnkit.GRU, "reference"),
    "reference RNN": (rnnkit.RNN, "reference"),
    "reference LayerNorm-LSTM": (rnnkit.layers.LayerNormLSTM, "reference"),
    "reference GRU-D": (GRUD, "reference"),
    "MinGRU sequential loop": (rnnkit.layers.MinGRU, "reference", {"mode": "sequential"}),
    "MinLSTM sequential loop": (rnnkit.layers.MinLSTM, "reference", {"mode": "sequential"}),
    "MinGRU log-space scan": (rnnkit.layers.MinGRU, "reference", {"mode": "parallel"}),
    "MinLSTM log-space scan": (rnnkit.layers.MinLSTM, "reference", {"mode": "parallel"}),
    "MinGRU fused scan": (rnnkit.layers.MinGRU, "fused"),
    "MinLSTM fused scan": (rnnkit.layers.MinLSTM, "fused"),
}


def build(label: str, F: int, H: int, x: torch.Tensor):
    """The row's module on x's device and dtype as a function of x, or None and why it cannot run there."""
    cls, backend, *options = ROWS[label]
    if backend is None:
        return cls(F, H).to(device=x.device, dtype=x.dtype), ""
    module = cls(F, H, backend=backend).to(device=x.device, dtype=x.dtype)
    try:  # ask the dispatch point itself, as a call would
        select_backend(module, x)
    except ValueError as why:
        return None, str(why).split("cannot run this call: ")[-1]
    call_options = {k: v for k, v in (options[0] if options else {}).items() if k != "graph_steps"}
    return functools.partial(module, **call_options), ""


@contextlib.contextmanager
def row_settings(label: str):
    """fused.GRAPH_STEPS as the row asks (the CUDA graph's chunk length; 0: every step launched eagerly)."""
    options = (ROWS[label][2:] or [{}])[0]
    saved = fused.GRAPH_STEPS
    fused.GRAPH_STEPS = options.get("graph_steps", saved)
    try:
        yield
    finally:
        fused.GRAPH_STEPS = saved


def table(sizes, dtypes, device: str, repeat: int, clock: str) -> None:
    print("| size (B, T, F, H) | dtype | row | ms | / nn.LSTM | saved MB | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for B, T, F, H in sizes:
        for dtype in dtypes:
            x = torch.randn(B, T, F, device=device, dtype=dtype, requires_grad=True)
            baseline = None
            for label in ROWS:
                module, why = build(label, F, H, x)
                head = f"| ({B}, {T}, {F}, {H}) | {str(dtype).removeprefix('torch.')} | {label} |"
                if module is None:
                    print(f"{head} n/a: {why} | | | |", flush=True)
                    continue
                with row_settings(label):
                    ms = median_ms(fwd_bwd(module, x), repeat=repeat, device=device, clock=clock)
                    saved = saved_megabytes(module, x)
                    peak = peak_megabytes(module, x)
                baseline = baseline or ms
                peak_text = "-" if peak is None else f"{peak:.0f}"
                print(f"{head} {ms:.1f} | {ms / baseline:.2f} | {saved:.0f} | {peak_text} |", flush=True)


def cpu_gru_table(size, repeat: int, clock: str) -> None:
    B, T, F, H = size
    x = torch.randn(B, T, F, requires_grad=True)
    ref = nn.GRU(F, H, batch_first=True)
    rows = {
        "torch.nn.GRU": ref,
        "torch.nn.LSTM": nn.LSTM(F, H, batch_first=True),
        "rnnkit GRU cpu_gru": rnnkit.GRU.from_torch(ref, backend="cpu_gru"),
        "rnnkit GRU native": rnnkit.GRU.from_torch(ref, backend="native"),
        "rnnkit GRU reference": rnnkit.GRU.from_torch(ref, backend="reference"),
    }
    print(f"\nCPU GRU at (B, T, F, H) = {size}, float32, {clock} clock\n")
    print("| row | fwd+bwd ms | / nn.GRU | fwd (no grad) ms | / nn.GRU |")
    print("|---|---|---|---|---|")
    base = base_fwd = None
    for label, module in rows.items():
        ms = median_ms(fwd_bwd(module, x), repeat=repeat, device="cpu", clock=clock)
        fwd = median_ms(fwd_no_grad(module, x), repeat=repeat, device="cpu", clock=clock)
        base, base_fwd = base or ms, base_fwd or fwd
        print(f"| {label} | {ms:.1f} | {ms / base:.2f} | {fwd:.1f} | {fwd / base_fwd:.2f} |", flush=True)


def gemm_table(repeat: int, clock: str) -> None:
    """The loops' products against torch.mm, float32, one row a shape; median µs of ``repeat`` timings of many
    calls each."""
    from rnnkit.kernels import cpu_gru

    ok, reason = cpu_gru.build()
    if not ok:
        print(f"the loops' GEMM: not run ({reason})")
        return
    matmul = torch.ops.rnnkit_cpu_gru.matmul
    shapes = [  # (what, M, K, N) at (B, T, F, H) = (16, 200, 32, 128) and (64, 512, 128, 512), the LSTM's G = 4H
        ("step h W_hh^T, small", 16, 128, 512), ("step d(hw) W_hh, small", 16, 512, 128),
        ("projection x W_ih^T, small", 3200, 32, 512), ("its d(x), small", 3200, 512, 32),
        ("dW_hh^T, small", 128, 3200, 512),
        ("step h W_hh^T, large", 64, 512, 2048), ("projection x W_ih^T, large", 32768, 128, 2048),
        ("dW_hh^T, large", 512, 32768, 2048),
    ]
    print(f"The loops' products, float32, {torch.get_num_threads()} thread(s), median µs ({clock} clock)\n")
    print("| product | M × K by K × N | torch.mm µs | rnnkit GEMM µs | torch.mm / GEMM | max rel. difference |")
    print("|---|---|--:|--:|--:|--:|")
    for what, M, K, N in shapes:
        g = torch.Generator().manual_seed(M + K + N)
        a, b = torch.randn(M, K, generator=g), torch.randn(K, N, generator=g)
        calls = max(1, int(2e8 // (M * K * N)))  # about 0.2 GFLOP a timing
        times = {}
        for name, fn in (("mm", lambda: torch.mm(a, b)), ("gemm", lambda: matmul(a, b, None))):
            def many(fn=fn):
                for _ in range(calls):
                    fn()
            times[name] = median_ms(many, repeat=repeat, device="cpu", clock=clock) * 1000 / calls
        diff = ((matmul(a, b, None) - a @ b).abs().max() / (a.abs() @ b.abs()).max()).item()
        print(f"| {what} | {M} × {K} by {K} × {N} | {times['mm']:.1f} | {times['gemm']:.1f} | "
              f"{times['mm'] / times['gemm']:.2f} | {diff:.1e} |")
    print()


def median_ms(fn, *, repeat: int, device: str, clock: str = "wall") -> float:
    """Median milliseconds of ``fn()`` after a warm-up call. ``clock="cpu"`` counts this process's CPU time
    instead of wall time: steadier on a machine shared with other jobs, and with one thread (``--threads
    1``) it is the compute time itself."""
    now = time.process_time if clock == "cpu" else time.perf_counter
    fn()
    times = []
    for _ in range(repeat):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = now()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((now() - t0) * 1000)
    return statistics.median(times)


def fwd_bwd(module, x):
    return lambda: module(x)[0].float().sum().backward()


def fwd_no_grad(module, x):
    def run():
        with torch.no_grad():
            module(x)

    return run


class Checks:
    """Each check prints one Markdown row ``| check | dtype | PASS/FAIL/n/a | detail |``; counts the outcomes."""

    def __init__(self):
        self.counts = collections.Counter()
        print("| check | dtype | result | detail |")
        print("|---|---|---|---|")

    def row(self, name: str, dtype, ok: bool | None, detail: str) -> None:
        result = "n/a" if ok is None else "PASS" if ok else "FAIL"
        self.counts[result] += 1
        detail = " ".join(detail.split())[:400].replace("|", "/")
        print(f"| {name} | {str(dtype).removeprefix('torch.')} | {result} | {detail} |", flush=True)

    def run(self, name: str, dtype, fn) -> None:
        """``fn() -> (ok, detail)``; an exception is a FAIL with its message."""
        try:
            ok, detail = fn()
        except Exception as error:  # noqa: BLE001 (a check reports every failure and goes on to the next)
            ok, detail = False, f"{type(error).__name__}: {error}"
        self.row(name, dtype, ok, detail)


def check_backends(checks: Checks, device: str, dtypes) -> None:
    """Every backend row of table 1 against the float64 reference: outputs, final states and gradients with
    respect to input, state and every parameter, 2 layers, bidirectional, (B, T, F, H) = (4, 150, 6, 6) with
    lengths (150, 37, 99, 1), which spans three chunks of the fused CUDA graphs (64 + 64 + 22 steps on the
    32-step graph). Errors are relative to each tensor's largest entry (at least 1); a row passes within twice
    the reference's own error in that dtype plus ``dispatch.SELF_CHECK_TOLERANCE``, the self-check's rule."""
    F, H, lengths = 6, 6, (150, 37, 99, 1)
    for label, (cls, backend, *_) in ROWS.items():
        if backend in (None, "reference"):
            continue
        for dtype in dtypes:
            layer = cls(F, H, num_layers=2, bidirectional=True, backend=backend).to(device=device, dtype=dtype)
            x = torch.zeros(len(lengths), max(lengths), layer.input_size, device=device, dtype=dtype)
            try:
                select_backend(layer, x)
            except ValueError as why:
                checks.row(f"{label} vs reference", dtype, None, str(why).split("cannot run this call: ")[-1])
                continue

            def compare(layer=layer, x=x, label=label, backend=backend, dtype=dtype):
                with row_settings(label):
                    err, err_ref = dispatch.compare_with_reference(dispatch.FAST_PATHS[backend][1], layer, x,
                                                                   lengths)
                allowed = 2 * err_ref + dispatch.SELF_CHECK_TOLERANCE[dtype]
                return err <= allowed, f"max err {err:.1e} (reference {err_ref:.1e}, allowed {allowed:.1e})"

            checks.run(f"{label} vs reference", dtype, compare)


def check_auto(checks: Checks, device: str, dtypes) -> None:
    """What ``backend="auto"`` picks for each layer on the device, and why (the fused self-check's outcome)."""
    layers = {"LSTM": rnnkit.LSTM, "GRU": rnnkit.GRU, "RNN": rnnkit.RNN, "LayerNorm-LSTM": rnnkit.LayerNormLSTM,
              "GRU-D": GRUD, "MinGRU": rnnkit.MinGRU, "MinLSTM": rnnkit.MinLSTM}
    expected = {"LSTM": "native", "GRU": "cpu_gru" if device == "cpu" else "native", "RNN": "native"}
    others = "reference" if device == "cpu" else "fused"  # auto never picks the fused kernels on CPU
    for name, cls in layers.items():
        for dtype in dtypes:
            def auto(cls=cls, name=name, dtype=dtype):
                layer = cls(5, 8).to(device=device, dtype=dtype)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # a failed self-check is the reported row
                    layer(torch.randn(3, 20, 5, device=device, dtype=dtype))
                ok = layer.last_backend == expected.get(name, others)
                return ok, f"auto ran {layer.last_backend}: {layer.last_backend_reason}"

            checks.run(f"auto {name}", dtype, auto)


def check_cudnn_buffer(checks: Checks, device: str) -> None:
    """The native path on cuDNN: weights made views into one buffer once (no copy per call: torch warns when
    it has to compact them), still the layer's parameters, equal to torch.nn.LSTM after an optimizer step."""

    def buffer():
        theirs = nn.LSTM(5, 8, num_layers=2, bidirectional=True, batch_first=True).to(device)
        ours = rnnkit.LSTM.from_torch(theirs, backend="native")
        x = torch.randn(3, 20, 5, device=device)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for model in (ours, theirs):
                opt = torch.optim.SGD(model.parameters(), lr=0.1)
                model(x)[0].square().sum().backward()
                opt.step()
            err = (ours(x)[0] - theirs(x)[0]).abs().max().item()
        storages = len({p.untyped_storage().data_ptr() for p in ours.parameters()})
        compacted = [str(w.message) for w in caught if "contiguous chunk" in str(w.message)]
        ok = storages == 1 and not compacted and err < 1e-5
        return ok, f"{storages} storage(s) for the weights; {len(compacted)} compaction warnings; max diff {err:.1e}"

    checks.run("cuDNN weights in one buffer", torch.float32, buffer)


def check_graphs(checks: Checks, device: str) -> None:
    """The fused step loop's CUDA graphs: captured once per chunk size and reused across calls; and a fused
    layer inside a user's own CUDA graph capture (the loop then runs eagerly into the user's graph)."""

    def reuse():
        layer = rnnkit.LSTM(5, 8, backend="fused").to(device)
        x = torch.randn(3, 100, 5, device=device)
        layer(x)[0].sum().backward()
        cell = layer.cells()[0]
        captured = sum(len(steps.graphs) for steps in fused._GraphedSteps._cache.get(cell, {}).values())
        layer(x)[0].sum().backward()
        again = sum(len(steps.graphs) for steps in fused._GraphedSteps._cache.get(cell, {}).values())
        return captured > 0 and again == captured, f"{captured} graphs captured, {again} after a second call"

    def inside_user_capture():
        layer = rnnkit.GRU(5, 8, backend="fused").to(device).eval()
        static_x = torch.randn(3, 20, 5, device=device)
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream), torch.no_grad():
            layer(static_x)  # warm-up outside the capture: compiles the kernels
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph), torch.no_grad():
            static_out, _ = layer(static_x)
        x = torch.randn(3, 20, 5, device=device)
        static_x.copy_(x)
        graph.replay()
        torch.cuda.synchronize()
        with torch.no_grad():
            err = (static_out - layer.forward_reference(x, None, None)[0]).abs().max().item()
        return err < 1e-5, f"replayed user graph vs reference: max diff {err:.1e}"

    checks.run("fused CUDA graphs reused", torch.float32, reuse)
    checks.run("fused inside a user's CUDA graph", torch.float32, inside_user_capture)


def check_device(device: str, dtypes) -> int:
    """Every check of the fast paths on the device; the number of failures."""
    checks = Checks()
    check_backends(checks, device, dtypes)
    check_auto(checks, device, dtypes)
    if device == "cuda":
        check_cudnn_buffer(checks, device)
        check_graphs(checks, device)
    counts = checks.counts
    print(f"\nchecks: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['n/a']} not applicable\n", flush=True)
    return counts["FAIL"]


def _sizes(text: str) -> list[tuple[int, ...]]:
    return [tuple(int(n) for n in size.split(",")) for size in text.split(";")]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dtypes", help="comma-separated; default float32,bfloat16 on cuda, float32 on cpu")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="cpu: this process's CPU time (CPU only; steadier on a shared machine)")
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    p.add_argument("--sizes", help="B,T,F,H;B,T,F,H... instead of the issue's two sizes")
    p.add_argument("--gru-sizes", help="B,T,F,H;... for the CPU GRU table instead of (8, 500, 16, 64)")
    p.add_argument("--check", action="store_true",
                   help="first check every fast path against the reference on the device (exit 1 if one fails)")
    p.add_argument("--no-table", action="store_true", help="skip table 1 (on CPU: only the CPU GRU table)")
    p.add_argument("--gemm", action="store_true", help="only the C++ loops' products against torch.mm (CPU)")
    args = p.parse_args(argv)
    dtypes = args.dtypes or ("float32,bfloat16" if args.device == "cuda" else "float32")
    sizes = [(8, 50, 16, 64)] if args.quick else [(64, 512, 128, 512), (16, 1000, 64, 256)]
    if args.sizes:
        sizes = _sizes(args.sizes)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.clock == "cpu" and args.device != "cpu":
        p.error("--clock cpu measures CPU runs only")
    print(f"device: {machine(args.device)}\n")
    if args.gemm:
        gemm_table(args.repeat, args.clock)
        return 0
    failed = check_device(args.device, [getattr(torch, d) for d in dtypes.split(",")]) if args.check else 0
    if not args.no_table:
        table(sizes, [getattr(torch, d) for d in dtypes.split(",")], args.device, args.repeat, args.clock)
    if args.device == "cpu":
        default = [(8, 100, 16, 64) if args.quick else (8, 500, 16, 64)]
        for size in _sizes(args.gru_sizes) if args.gru_sizes else default:
            cpu_gru_table(size, args.repeat, args.clock)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
