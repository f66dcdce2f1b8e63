"""The C++ CPU loop's float32 products and layouts against the float32 reference loop, in training.

On Intel CPUs the loop's weight gradients, and its steps' products from 2^22 multiply-adds (B = 64, H = 128
here), go to ATen's BLAS (MKL), elsewhere to oneDNN's micro-kernel; float64 (tests/test_fastpath_cpu_loop.py)
runs ATen's matmul on every CPU, so these float32 cases are where the two differ. Where the step is fed a
decayed or masked h (TimeAware, hidden dropout) the loop keeps the fed h and, for the GRU and LayerNorm-LSTM,
d(W_hh h) batch-first; the biases' gradients are summed inside the loop. Both sides draw the same masks (the same
seed, float32 each).
"""

import pytest
import torch

import rnnkit
from rnnkit.cells import GRUCell, LayerNormLSTMCell, LSTMCell, TimeAware
from rnnkit.kernels import cpu_loop

F = 7  # TimeAware reads [x, m, delta]: 3F inputs, its inner cell 2F


def layers(H):
    return {
        "TimeAware(GRU)": lambda: rnnkit.Stacked([rnnkit.Recurrent(TimeAware(GRUCell(2 * F, H)), hidden_dropout=0.3)]),
        "TimeAware(LSTM) no bias": lambda: rnnkit.Stacked(
            [rnnkit.Recurrent(TimeAware(LSTMCell(2 * F, H, bias=False)))]),
        "GRU hidden dropout": lambda: rnnkit.GRU(3 * F, H, hidden_dropout=0.3),
        "LayerNormLSTM hidden dropout": lambda: rnnkit.Stacked(
            [rnnkit.Recurrent(LayerNormLSTMCell(3 * F, H), hidden_dropout=0.3)]),
        "LSTM zoneout": lambda: rnnkit.LSTM(3 * F, H, zoneout=0.2),
    }


CASES = [(name, 19, 23, 70) for name in sorted(layers(1))] + [  # (B, T, H); then the steps' products of 4.2M
    (name, 64, 6, 128) for name in ("TimeAware(GRU)", "LSTM zoneout", "LayerNormLSTM hidden dropout")]


@pytest.fixture(scope="module", autouse=True)
def extension():
    ok, reason = cpu_loop.build()
    assert ok, reason


@pytest.mark.parametrize("name,B,T,H", CASES)
def test_float32_training_equals_the_float32_reference(name, B, T, H):
    torch.manual_seed(0)
    layer = layers(H)[name]()
    with torch.no_grad():  # gains and biases off their init, where some mistakes cancel
        for p in layer.parameters():
            p.add_(0.1 * torch.randn_like(p))
    layer.backend = "cpu_loop"
    ref = layers(H)[name]()
    ref.load_state_dict(layer.state_dict())
    ref.backend = "reference"
    x = torch.randn(B, T, 3 * F)
    x[..., F : 2 * F] = (x[..., F : 2 * F] > 0).float()
    x[..., 2 * F :] = x[..., 2 * F :].abs()
    lengths = torch.randint(1, T + 1, (B,))
    w = torch.randn(B, T, H)
    results = []
    for m in (layer, ref):
        xi = x.clone().requires_grad_()
        torch.manual_seed(1)  # the same dropout and zoneout draws on both sides
        out, _ = m(xi, lengths)
        (out * w).sum().backward()
        results.append((out, xi.grad, {k: p.grad for k, p in m.named_parameters()}))
    assert layer.last_backend == "cpu_loop" and ref.last_backend == "reference"
    (out1, dx1, g1), (out2, dx2, g2) = results
    torch.testing.assert_close(out1, out2, atol=2e-5, rtol=1e-4)
    torch.testing.assert_close(dx1, dx2, atol=1e-4, rtol=1e-3)
    assert g1.keys() == g2.keys()
    for k in g1:
        scale = g2[k].abs().max().item() + 1.0
        assert (g1[k] - g2[k]).abs().max().item() <= 1e-4 * scale, k
