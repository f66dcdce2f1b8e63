"""Twenty-fourth round: the CPU fast paths (``cpu_gru``, ``cpu_loop``, ``native``) on parameters and inputs of odd
memory layouts, each against the reference loop on the same layer and inputs: outputs, final states and every
gradient (docs/bad_inputs.md, "Twenty-fourth round")."""

import copy

import pytest
import torch

import rnnkit

B, T, F, H = 3, 5, 4, 6


def _strided_vectors(layer):
    """Replace every 1-D parameter (biases, LayerNorm gains and shifts) by a strided view of the same values:
    every other entry of a buffer twice as long, as a bias sliced out of a larger tensor is."""
    for cell in layer.cells():
        for name, p in list(cell.named_parameters(recurse=False)):
            if p.dim() == 1:
                buffer = torch.zeros(2 * p.numel(), dtype=p.dtype)
                buffer[::2] = p.detach()
                setattr(cell, name, torch.nn.Parameter(buffer[::2]))
    return layer


def _run(layer, dtype):
    torch.manual_seed(2)
    x = torch.randn(B, T, F, dtype=dtype, requires_grad=True)
    out, final = layer(x, torch.tensor([5, 2, 3]))
    finals = list(final) if isinstance(final, tuple) else [final]
    weights = torch.Generator().manual_seed(5)
    loss = sum((t * torch.randn(t.shape, generator=weights, dtype=dtype)).sum() for t in [out, *finals])
    grads = torch.autograd.grad(loss, [x, *layer.parameters()])
    return [out, *finals, *grads]


LAYERS = {
    ("GRU", "cpu_gru"): lambda dtype: rnnkit.GRU(F, H, bidirectional=True, dtype=dtype),
    ("GRU", "cpu_loop"): lambda dtype: rnnkit.GRU(F, H, bidirectional=True, dtype=dtype),
    ("LSTM", "cpu_loop"): lambda dtype: rnnkit.LSTM(F, H, bidirectional=True, dtype=dtype),
    ("RNN", "cpu_loop"): lambda dtype: rnnkit.RNN(F, H, bidirectional=True, dtype=dtype),
    ("LayerNormLSTM", "cpu_loop"): lambda dtype: rnnkit.LayerNormLSTM(F, H, bidirectional=True, dtype=dtype),
    ("GRU zoneout", "cpu_loop"): lambda dtype: rnnkit.GRU(F, H, zoneout=0.3, dtype=dtype).eval(),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kind, backend", sorted(LAYERS), ids=[f"{k}-{b}" for k, b in sorted(LAYERS)])
def test_K24_01_strided_biases_and_gains_read_as_the_reference_reads_them(kind, backend, dtype):
    """A bias, LayerNorm gain or shift that is a strided view (``buffer[::2]``) was read by the C++ loops as if
    dense: wrong outputs and gradients (errors 0.2-1.6) without a word. The loops now get contiguous copies."""
    torch.manual_seed(1)
    layer = _strided_vectors(LAYERS[kind, backend](dtype))
    reference = copy.deepcopy(layer)
    layer.backend, reference.backend = backend, "reference"
    fast, slow = _run(layer, dtype), _run(reference, dtype)
    assert layer.last_backend == backend
    tol = 1e-5 if dtype == torch.float32 else 1e-10
    for a, b in zip(fast, slow, strict=True):
        torch.testing.assert_close(a, b, atol=tol, rtol=tol)


@pytest.mark.parametrize("kind, backend", [("GRU", "cpu_gru"), ("LSTM", "cpu_loop"), ("LayerNormLSTM", "cpu_loop")])
def test_K24_02_a_second_derivative_through_the_cpp_loops_names_the_backend_to_use(kind, backend):
    """A gradient penalty (``create_graph=True``, then backward) through the C++ loops raised torch's
    ``trying to differentiate twice a function that was marked with @once_differentiable``, which names neither
    the layer's option nor the fix; the reference loop computes it (checked against it here)."""
    torch.manual_seed(1)
    layer = getattr(rnnkit, kind)(F, H)
    reference = copy.deepcopy(layer)
    layer.backend, reference.backend = backend, "reference"

    def penalty(model):
        x = torch.randn(B, T, F, generator=torch.Generator().manual_seed(2), requires_grad=True)
        out, _ = model(x, torch.tensor([5, 2, 3]))
        (g,) = torch.autograd.grad(out.pow(2).sum(), x, create_graph=True)
        return g.pow(2).sum()

    with pytest.raises(RuntimeError, match=r"compute first derivatives only.*backend='reference'"):
        penalty(layer).backward()
    assert layer.last_backend == backend
    penalty(reference).backward()  # the fix the message gives
    assert all(p.grad is not None and p.grad.isfinite().all() for p in reference.parameters())


def test_K24_03_the_streaming_layernorm_lstm_step_reads_strided_gains_as_the_cell_does():
    """``inference_step`` of a LayerNorm-LSTM cell (the C++ step on CPU) read a strided gain or shift as if
    dense: a state unlike the cell's own ``step`` without a word."""
    from rnnkit.cells import LayerNormLSTMCell, LSTMState
    from rnnkit.kernels.step import inference_step, step_backend

    torch.manual_seed(1)
    cell = LayerNormLSTMCell(F, H)
    with torch.no_grad():
        for p in cell.parameters():
            p.add_(torch.randn_like(p) * 0.5)  # gains and shifts away from 1 and 0, so a misread shows
    _strided_vectors(type("One", (), {"cells": lambda self: [cell]})())
    x = torch.randn(B, F)
    state = LSTMState(torch.randn(B, H), torch.randn(B, H))
    with torch.no_grad():
        assert step_backend(cell) == ("lean", "the C++ CPU loop's LayerNorm-LSTM step")
        y, new = inference_step(cell, x, state)
        y_ref, new_ref = cell.step(cell.project(x), state)
    torch.testing.assert_close(y, y_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(new.c, new_ref.c, atol=1e-5, rtol=1e-5)
