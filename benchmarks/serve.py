"""Deployment benchmark: the model server under load, and one streaming step through onnxruntime vs torch.

    python benchmarks/serve.py              # 1, 8, 64 clients, with and without batching; H = 64, 256
    python benchmarks/serve.py --quick      # a smoke run: fewer requests and steps

**Server.** A small LSTM classifier (F = 4, H = 32, sequences of 20-50 steps) is saved and served by
``rnnkit serve`` in a child process on 127.0.0.1 (a free port), once with dynamic batching and once with
``--no-batching``. For 1, 8 and 64 concurrent clients (each on its own keep-alive connection, asyncio
streams; each sends one sequence per request, the next when the answer came) it runs a bounded load
(``--requests`` per configuration, at most ``--seconds``) and reports requests/s and the p50/p99 latency.
Every answer is checked against ``predict`` on the same sequence: the label must be equal and the
probabilities within 1e-5; a wrong or failed answer is counted, never dropped.

**Streaming step.** For LSTM and GRU at H = 64 and 256 (F = 8, one layer, a per-step head) the median time
of one step at batch 1: ``step.onnx`` under onnxruntime (one thread), called with ``session.run`` on numpy
arrays and in a loop with I/O binding (the state kept in onnxruntime's buffers), and the whole
``Streamer.step`` (checks, standardising, I/O binding, decoding), beside the eager torch step (the model's
own cells: :class:`rnnkit.deploy.StepGraph` with ``fuse="reference"`` under ``torch.inference_mode``, one
thread), the same step in the exported graph's fused form in eager torch, and the eager ``Streamer.step``
(fused); the six take turns in blocks of 100 steps, so all see the same load. The goal's ratio is the eager
torch step over the whole onnxruntime ``Streamer.step``; the load average at the start and end of these rows
is printed with them.

Goals: onnxruntime's step >= 5x faster than eager torch's; batching >= 3x the throughput at 64 clients.
Prints Markdown tables with the machine; ``--out`` also writes them as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import torch

from rnnkit import SequenceClassifier
from rnnkit.deploy import StepGraph, Streamer, export_onnx
from rnnkit.deploy.export import ort_session, resolve
from rnnkit.deploy.server import steps_by_features
from rnnkit.models import SequenceToSequence
from rnnkit.report import machine as describe_machine
from rnnkit.report import machine_line


# -- the server ----------------------------------------------------------------------------------------------
def train_model(directory: Path, seed: int = 0) -> tuple[SequenceClassifier, np.random.Generator]:
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(rng.integers(20, 51), 4)).astype(np.float32) for _ in range(300)]
    y = [int(x[:, 0].mean() > 0) + 2 * int(x[:, 1].mean() > 0) for x in X]
    clf = SequenceClassifier(hidden_size=32, max_epochs=3, random_state=seed, device="cpu").fit(X, y)
    clf.save(directory)
    return clf, rng


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model_dir: Path, batching: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "rnnkit.cli", "serve", str(model_dir), "--host", "127.0.0.1",
               "--port", str(port), "--threads", "1"] + ([] if batching else ["--no-batching"])
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, port
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start within 120 s")


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: a load generator far lighter than a full client
    library, whose own cost would otherwise dominate at 64 concurrent clients on two cores."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def load(port: int, clients: int, bodies: list[bytes], expected: list, *, total: int,
               seconds: float) -> dict:
    """``clients`` concurrent clients, each on its own connection, send one request after another until
    ``total`` were answered or ``seconds`` passed; every answer is checked."""
    latencies, wrong, failed, sent = [], 0, 0, 0
    stop_at = time.perf_counter() + seconds

    async def client():
        nonlocal wrong, failed, sent
        connection = Connection("127.0.0.1", port)
        try:
            while sent < total and time.perf_counter() < stop_at:
                k = sent % len(bodies)
                sent += 1
                start = time.perf_counter()
                try:
                    status, raw = await connection.post("/predict", bodies[k])
                    body = json.loads(raw)
                    ok = status == 200
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    ok = False
                    await connection.close()
                    connection = Connection("127.0.0.1", port)
                latencies.append(time.perf_counter() - start)
                if not ok:
                    failed += 1
                    continue
                label, proba = expected[k]
                if body["predictions"] != [label] or \
                        np.abs(np.asarray(body["probabilities"][0]) - proba).max() > 1e-5:
                    wrong += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    ms = sorted(1000 * t for t in latencies)
    return {"clients": clients, "requests": len(ms), "seconds": round(elapsed, 2),
            "requests_per_s": round(len(ms) / elapsed, 1), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1), "wrong": wrong, "failed": failed}


def server_benchmark(args) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        clf, rng = train_model(model_dir)
        requests = [rng.normal(size=(rng.integers(20, 51), 4)).astype(np.float32) for _ in range(200)]
        served = steps_by_features(clf)
        labels, probabilities = served.predict(requests), served.predict_proba(requests)
        expected = [(labels[k].item(), probabilities[k]) for k in range(len(requests))]
        bodies = [json.dumps({"sequences": [r.tolist()]}).encode() for r in requests]
        for batching in (True, False):
            process, port = start_server(model_dir, batching)
            try:
                for clients in (1, 8, 64):
                    row = asyncio.run(load(port, clients, bodies, expected, total=args.requests,
                                           seconds=args.seconds))
                    row["batching"] = batching
                    rows.append(row)
                    print(f"  batching={batching} clients={clients}: {row}", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=30)
    return rows


# -- the streaming step ---------------------------------------------------------------------------------------
def medians_us(fns: dict, steps: int, *, block: int = 100) -> dict:
    """The median time of one call of each function, in µs. The functions take turns in blocks of ``block``
    calls (the first of each block untimed): a change of load on the machine during the run reaches all of
    them alike, while each runs with its own data in the caches, as a stream would."""
    times = {name: [] for name in fns}
    for _ in range(max(1, steps // block)):
        for name, fn in fns.items():
            fn()
            for _ in range(block):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: 1e6 * statistics.median(t) for name, t in times.items()}


def bound_stepper(session, x: np.ndarray, state: np.ndarray):
    """One stream's step loop with onnxruntime's I/O binding: the state stays in two onnxruntime buffers,
    each step's ``state_out`` bound as the next step's ``state_in``, so nothing is copied through numpy."""
    import onnxruntime as ort

    buffers = [ort.OrtValue.ortvalue_from_numpy(state.copy()), ort.OrtValue.ortvalue_from_numpy(state.copy())]
    y = ort.OrtValue.ortvalue_from_shape_and_type([1, session.get_outputs()[0].shape[1]], np.float32)
    bindings = []
    for k in range(2):
        b = session.io_binding()
        b.bind_ortvalue_input("x_t", ort.OrtValue.ortvalue_from_numpy(x))
        b.bind_ortvalue_input("state_in", buffers[k])
        b.bind_ortvalue_output("y_t", y)
        b.bind_ortvalue_output("state_out", buffers[1 - k])
        bindings.append(b)
    turn = [0]

    def step():
        session.run_with_iobinding(bindings[turn[0]])
        turn[0] = 1 - turn[0]

    return step


def step_benchmark(args) -> list[dict]:
    rows = []
    torch.set_num_threads(1)
    for cell in ("lstm", "gru"):
        for H in (64, 256):
            torch.manual_seed(0)
            model = SequenceToSequence(8, H, 4, cell=cell).eval()
            with tempfile.TemporaryDirectory() as tmp:
                info = export_onnx(model, Path(tmp) / "e", verbose=False)
                session = ort_session(Path(tmp) / "e" / "step.onnx", threads=1)
                streamer = Streamer(Path(tmp) / "e", threads=1)
                nodes = len(onnx.load(Path(tmp) / "e" / "step.onnx").graph.node)
            eager_streamer = Streamer(model)
            graph = StepGraph(resolve(model), fuse="reference").eval()  # the cells' own project and step
            fused_graph = StepGraph(resolve(model)).eval()
            x = np.random.default_rng(0).normal(size=(1, 8)).astype(np.float32)
            state = np.zeros((1, info["step"]["state_size"]), dtype=np.float32)
            feed = {"x_t": x, "state_in": state}
            xt, st = torch.from_numpy(x), torch.from_numpy(state)

            def eager():
                with torch.inference_mode():
                    graph(xt, st)

            def eager_fused():
                with torch.inference_mode():
                    fused_graph(xt, st)

            us = medians_us({"run": lambda: session.run(None, feed),  # noqa: B023
                             "bound": bound_stepper(session, x, state), "torch": eager,
                             "torch_fused": eager_fused,
                             "streamer": lambda: streamer.step(0, x[0]),  # noqa: B023
                             "torch_streamer": lambda: eager_streamer.step(0, x[0])}, args.steps)  # noqa: B023
            ort_us, bound_us, torch_us = us["run"], us["bound"], us["torch"]
            streamer_us, eager_streamer_us = us["streamer"], us["torch_streamer"]
            row = {"cell": cell, "hidden_size": H, "onnxruntime_us": round(ort_us, 1),
                   "onnxruntime_bound_us": round(bound_us, 1), "torch_us": round(torch_us, 1),
                   "torch_fused_us": round(us["torch_fused"], 1),
                   "streamer_us": round(streamer_us, 1), "torch_streamer_us": round(eager_streamer_us, 1),
                   "speedup": round(torch_us / ort_us, 2), "speedup_bound": round(torch_us / bound_us, 2),
                   "speedup_streamer": round(torch_us / streamer_us, 2),
                   "speedup_streamers": round(eager_streamer_us / streamer_us, 2),
                   "step_nodes": nodes,
                   "export_max_abs_error": info["step"]["max_abs_error"]}
            rows.append(row)
            print(f"  {row}", flush=True)
    return rows


# -- report ---------------------------------------------------------------------------------------------------
def markdown(server_rows: list[dict], step_rows: list[dict], machine: str, load: list | None = None) -> str:
    lines = [f"Machine: {machine}", "", "| batching | clients | requests | req/s | p50 ms | p99 ms | wrong | failed |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in server_rows:
        lines.append(f"| {'on' if r['batching'] else 'off'} | {r['clients']} | {r['requests']} | "
                     f"{r['requests_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['wrong']} | {r['failed']} |")
    by = {(r["batching"], r["clients"]): r["requests_per_s"] for r in server_rows}
    if (True, 64) in by and (False, 64) in by:
        lines += ["", f"Batching at 64 clients: {by[True, 64] / by[False, 64]:.2f}x the throughput (goal >= 3)."]
    lines += ["", "| cell | H | step nodes | onnxruntime `run` µs | onnxruntime I/O binding µs | `Streamer.step` µs | "
              "eager torch µs | speedup (run / binding / `Streamer`) | eager torch fused µs | torch "
              "`Streamer.step` µs | `Streamer` speedup | export error |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in step_rows:
        lines.append(f"| {r['cell']} | {r['hidden_size']} | {r['step_nodes']} | {r['onnxruntime_us']} | "
                     f"{r['onnxruntime_bound_us']} | {r['streamer_us']} | {r['torch_us']} | {r['speedup']}x / "
                     f"{r['speedup_bound']}x / {r['speedup_streamer']}x | {r['torch_fused_us']} | "
                     f"{r['torch_streamer_us']} | {r['speedup_streamers']}x | {r['export_max_abs_error']:.1g} |")
    if step_rows:
        met = sum(r["speedup_streamer"] >= 5 for r in step_rows)
        lines += ["", f"`Streamer.step` through onnxruntime >= 5x the eager torch step in {met} of {len(step_rows)} "
                      f"rows (goal: all)."]
    if load:
        lines += [f"Load average (1 min) at the start and end of the streaming rows: {load[0]:.2f}, {load[1]:.2f} "
                  f"on {os.cpu_count()} cores."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and steps (a smoke run)")
    parser.add_argument("--requests", type=int, help="requests per configuration (default 600; quick 60)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per configuration (default 20)")
    parser.add_argument("--steps", type=int, help="timed steps per streaming row (default 2000; quick 200)")
    parser.add_argument("--out", help="also write the results as JSON here")
    parser.add_argument("--step-only", action="store_true", help="only the streaming step timings")
    args = parser.parse_args()
    args.requests = args.requests or (60 if args.quick else 600)
    args.steps = args.steps or (200 if args.quick else 2000)
    import onnxruntime

    machine = f"{machine_line(describe_machine('cpu'))}, onnxruntime {onnxruntime.__version__}"
    server_rows = []
    if not args.step_only:
        print("server (loopback):", flush=True)
        server_rows = server_benchmark(args)
    print("streaming step (batch 1):", flush=True)
    load = [os.getloadavg()[0]]  # the other jobs on the machine: the timings move with them
    step_rows = step_benchmark(args)
    load.append(os.getloadavg()[0])
    print()
    print(markdown(server_rows, step_rows, machine, load))
    if args.out:
        Path(args.out).write_text(json.dumps({"machine": machine, "server": server_rows, "step": step_rows,
                                              "step_load_average": load}, indent=1) + "\n")


if __name__ == "__main__":
    main()
