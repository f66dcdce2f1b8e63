"""Thirty-sixth round, core: second derivatives towards the initial state, and the default state's dtype (K36-NN
rows of docs/bad_inputs.md). Each test fails on the commit before its fix."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.cells import LSTMState

LAYERS = [(lambda: rnnkit.GRU(3, 4), "cpu_gru"), (lambda: rnnkit.GRU(3, 4), "cpu_loop"),
          (lambda: rnnkit.LSTM(3, 4), "cpu_loop"), (lambda: rnnkit.LayerNormLSTM(3, 4), "cpu_loop"),
          (lambda: rnnkit.RNN(3, 4), "cpu_loop"), (lambda: rnnkit.GRU(3, 4, num_layers=2), "cpu_gru")]


def _state_hessian_term(layer, backend):
    """``d/dh0 sum((dL/dh0)^2)`` of a loss linear in the outputs (``y.sum()``): nonzero through the tanh."""
    layer.backend = backend
    torch.manual_seed(1)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    fields = [(0.5 * torch.randn_like(f)).requires_grad_() for f in (lambda s: s if isinstance(s, tuple) else (s,))(
        layer.initial_state(2, dtype=torch.float64))]
    y, _ = layer(x, state=LSTMState(*fields) if len(fields) == 2 else fields[0])
    assert layer.last_backend == backend, layer.last_backend_reason
    g = torch.autograd.grad(y.sum(), fields, create_graph=True)
    return torch.autograd.grad(sum(gi.pow(2).sum() for gi in g), fields, allow_unused=True)


@pytest.mark.parametrize("make, backend", LAYERS)
def test_K36_01_second_derivative_towards_the_initial_state_raises_not_none(make, backend):
    torch.manual_seed(0)
    layer = make().double()
    reference = _state_hessian_term(layer, "reference")
    assert reference[0].abs().sum() > 1e-3  # the true term is not zero
    with pytest.raises(RuntimeError, match="compute first derivatives only.*backend='reference'"):
        _state_hessian_term(layer, backend)  # was (None,): the state's second derivative dropped without a word


def test_K36_01_first_derivatives_towards_the_state_unchanged():
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4, backend="cpu_loop").double()
    x = torch.randn(3, 5, 3, dtype=torch.float64, requires_grad=True)
    h0, c0 = (torch.randn(3, 1, 4, dtype=torch.float64, requires_grad=True) for _ in range(2))
    grads = {}
    for backend in ("cpu_loop", "reference"):
        layer.backend = backend
        y, (h, c) = layer(x, torch.tensor([5, 2, 4]), LSTMState(h0, c0))
        grads[backend] = torch.autograd.grad(y.sin().sum() + h.sum() + c.pow(2).sum(), [x, h0, c0])
    for a, b in zip(grads["cpu_loop"], grads["reference"], strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4), lambda: rnnkit.GRU(3, 4, num_layers=2,
                                                                                  bidirectional=True),
                                  lambda: rnnkit.cells.LSTMCell(3, 4), lambda: rnnkit.cells.GRUCell(3, 4)])
def test_K36_02_default_state_takes_the_weights_dtype(make):
    module = make().double()
    state = module.initial_state(2) if hasattr(module, "initial_state") else module.zero_state(2)
    fields = state if isinstance(state, tuple) else (state,)
    assert all(f.dtype == torch.float64 for f in fields)  # was float32, which the layer then refused
    if hasattr(module, "initial_state"):
        x = torch.randn(2, 5, 3, dtype=torch.float64)
        y, _ = module(x, state=state)  # was "state field 'h' is torch.float32 but x is torch.float64"
        assert y.dtype == torch.float64
    explicit = module.initial_state(2, dtype=torch.float32) if hasattr(module, "initial_state") else \
        module.zero_state(2, dtype=torch.float32)
    assert all(f.dtype == torch.float32 for f in (explicit if isinstance(explicit, tuple) else (explicit,)))


@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4), lambda: rnnkit.LayerNormLSTM(3, 4)])
def test_K36_01_fused_kernels_too(make, monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "1")  # the Triton kernels on the CPU, in Triton's interpreter
    torch.manual_seed(0)
    layer = make()
    layer.backend = "fused"
    x = torch.randn(2, 3, 3)
    h0, c0 = (0.5 * torch.randn(2, 1, 4)).requires_grad_(), (0.5 * torch.randn(2, 1, 4)).requires_grad_()
    y, _ = layer(x, state=LSTMState(h0, c0))
    assert layer.last_backend == "fused", layer.last_backend_reason
    g = torch.autograd.grad(y.sum(), [h0, c0], create_graph=True)
    with pytest.raises(RuntimeError, match="first derivatives only.*backend='reference'"):
        torch.autograd.grad(sum(gi.pow(2).sum() for gi in g), [h0, c0], allow_unused=True)  # was (None, None)


def test_K36_03_atomic_writes_into_a_fifo_write_in_place(tmp_path):
    import json
    import os
    import shutil
    import stat
    import tempfile
    import threading
    from pathlib import Path

    from rnnkit.data import atomic_write, write_json

    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    write_json(fifo, {"mae": 1.5})  # was a file renamed over the FIFO: its reader blocked, and read nothing
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the FIFO
    assert got and json.loads(got[0]) == {"mae": 1.5}
    from rnnkit.data import is_stream

    assert is_stream(fifo) and is_stream("/dev/null") and not is_stream(tmp_path) and not is_stream(tmp_path / "x")
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):  # a tmpfs: its files are plain files
        shm = Path(tempfile.mkdtemp(dir="/dev/shm"))
        try:
            (shm / "p.csv").write_text("a\n")
            assert not is_stream(shm / "p.csv")
        finally:
            shutil.rmtree(shm)
    plain = tmp_path / "plain.txt"
    with atomic_write(plain) as f:  # a file is still written beside and renamed
        f.write("a\n")
    assert plain.read_text() == "a\n" and not list(tmp_path.glob(".plain.txt.*"))
