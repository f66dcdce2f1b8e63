"""Layers against torch.nn: outputs, final states and every gradient, for both backends."""

import itertools

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnkit
from rnnkit.cells import LSTMState
from rnnkit.layers import reverse_padded

PAIRS = [(rnnkit.RNN, nn.RNN), (rnnkit.LSTM, nn.LSTM), (rnnkit.GRU, nn.GRU)]


def _torch_run(module, x, lengths, state):
    """torch.nn's answer, batch-first states, outputs zero past each length."""
    if state is not None:
        state = (
            tuple(s.transpose(0, 1).contiguous() for s in state)
            if isinstance(state, tuple)
            else (state.transpose(0, 1).contiguous())
        )
    if lengths is None:
        out, st = module(x, state)
    else:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, st = module(packed, state)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    st = tuple(s.transpose(0, 1) for s in st) if isinstance(st, tuple) else (st.transpose(0, 1),)
    return out, st


def _fields(state):
    return tuple(state) if isinstance(state, tuple) else (state,)


CASES = [
    # (num_layers, bidirectional, B, T, lengths, given_state)
    *[
        (L, bi, 3, 6, lens, given)
        for L, bi, lens, given in itertools.product(
            (1, 2, 3), (False, True), (None, [6, 1, 4]), (False, True)
        )
    ],
    (1, False, 1, 5, None, False),  # batch 1
    (2, True, 1, 5, [3], True),  # batch 1 with a length
    (2, True, 4, 1, None, True),  # T = 1
    (1, False, 4, 1, [1, 1, 1, 1], False),
]


@pytest.mark.parametrize("ours,theirs", PAIRS, ids=["rnn", "lstm", "gru"])
@pytest.mark.parametrize("backend", ["native", "reference"])
@pytest.mark.parametrize("L,bi,B,T,lengths,given", CASES)
def test_equals_torch_nn_values_and_gradients(ours, theirs, backend, L, bi, B, T, lengths, given):
    F, H = 3, 5
    ref = theirs(F, H, num_layers=L, bidirectional=bi, batch_first=True)
    layer = ours.from_torch(ref, backend=backend)
    x = torch.randn(B, T, F)
    lens = None if lengths is None else torch.tensor(lengths)
    D = 2 if bi else 1
    n_fields = 2 if ours is rnnkit.LSTM else 1
    s0 = [torch.randn(B, L * D, H) for _ in range(n_fields)] if given else None

    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    s1 = None if s0 is None else [s.clone().requires_grad_() for s in s0]
    s2 = None if s0 is None else [s.clone().requires_grad_() for s in s0]
    out1, st1 = layer(x1, lens, None if s1 is None else (LSTMState(*s1) if n_fields == 2 else s1[0]))
    out2, st2 = _torch_run(ref, x2, lens, None if s2 is None else (tuple(s2) if n_fields == 2 else s2[0]))
    assert layer.last_backend == backend

    torch.testing.assert_close(out1, out2, atol=1e-5, rtol=1e-5)
    for a, b in zip(_fields(st1), st2, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)

    w_out = torch.randn_like(out1)
    w_st = [torch.randn_like(s) for s in st2]
    loss1 = (out1 * w_out).sum() + sum((s * w).sum() for s, w in zip(_fields(st1), w_st, strict=True))
    loss2 = (out2 * w_out).sum() + sum((s * w).sum() for s, w in zip(st2, w_st, strict=True))
    loss1.backward()
    loss2.backward()
    torch.testing.assert_close(x1.grad, x2.grad, atol=1e-5, rtol=1e-5)
    if given:
        for a, b in zip(s1, s2, strict=True):
            torch.testing.assert_close(a.grad, b.grad, atol=1e-5, rtol=1e-5)
    D = 2 if bi else 1
    for k, cell in enumerate(layer.cells()):
        suffix = f"_l{k // D}" + ("_reverse" if k % D else "")
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            torch.testing.assert_close(
                getattr(cell, name).grad,
                getattr(ref, name + suffix).grad,
                atol=1e-5,
                rtol=1e-5,
                msg=f"gradient of {name}{suffix}",
            )


@pytest.mark.parametrize("ours,theirs", PAIRS, ids=["rnn", "lstm", "gru"])
def test_to_torch_round_trip(ours, theirs):
    layer = ours(4, 6, num_layers=2, bidirectional=True)
    module = layer.to_torch()
    assert isinstance(module, theirs) and module.batch_first
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(layer(x)[0], module(x)[0])
    back = ours.from_torch(module)
    torch.testing.assert_close(back(x)[0], layer(x)[0])


def test_relu_rnn_and_no_bias_match_torch():
    for kwargs in ({"nonlinearity": "relu"}, {"bias": False}):
        ref = nn.RNN(3, 4, num_layers=2, batch_first=True, **kwargs)
        x = torch.randn(2, 5, 3)
        for backend in ("native", "reference"):
            layer = rnnkit.RNN.from_torch(ref, backend=backend)
            torch.testing.assert_close(layer(x)[0], ref(x)[0], atol=1e-6, rtol=1e-5)


def test_native_path_really_ran(monkeypatch):
    """The fused op is called (and the reference loop is not) when auto picks native."""
    layer = rnnkit.LSTM(3, 4, num_layers=2)
    calls = []
    real = torch._VF.lstm
    monkeypatch.setattr(torch._VF, "lstm", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(type(layer), "forward_reference", lambda *a: pytest.fail("reference loop ran"))
    layer(torch.randn(2, 5, 3))
    assert calls == [1] and layer.last_backend == "native"
    assert "fused lstm kernel on cpu" in layer.last_backend_reason


def test_auto_falls_back_with_reason_and_native_raises():
    layer = rnnkit.GRU(3, 4, zoneout=0.1)
    layer(torch.randn(2, 5, 3))
    assert layer.last_backend == "cpu_loop"  # the C++ CPU loop runs recurrent dropout and zoneout
    layer.backend = "reference"
    layer(torch.randn(2, 5, 3))
    assert layer.last_backend == "reference"
    forced = rnnkit.GRU(3, 4, zoneout=0.1, backend="native")
    with pytest.raises(ValueError, match="zoneout"):
        forced(torch.randn(2, 5, 3))
    # Variational dropout is a training-time option: in eval the native path runs.
    layer = rnnkit.LSTM(3, 4, hidden_dropout=0.3)
    layer(torch.randn(2, 5, 3))
    assert layer.last_backend == "cpu_loop"
    layer.eval()
    layer(torch.randn(2, 5, 3))
    assert layer.last_backend == "native"


def test_learned_initial_state_native_equals_reference():
    layer = rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True, learn_initial_state=True)
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    x, lengths = torch.randn(3, 5, 3), torch.tensor([5, 2, 4])
    layer.backend = "native"
    out_n, st_n = layer(x, lengths)
    out_n.sum().backward()
    g_n = [p.grad.clone() for p in layer.parameters()]
    layer.zero_grad()
    layer.backend = "reference"
    out_r, st_r = layer(x, lengths)
    out_r.sum().backward()
    torch.testing.assert_close(out_n, out_r, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(st_n.c, st_r.c, atol=1e-6, rtol=1e-5)
    for a, p in zip(g_n, layer.parameters(), strict=True):
        torch.testing.assert_close(a, p.grad, atol=1e-6, rtol=1e-5)
    assert layer.directions()[0].initial[0].grad.abs().sum() > 0


def test_reverse_padded_by_hand():
    x = torch.arange(1, 9, dtype=torch.float32).view(2, 4, 1)  # [[1,2,3,4],[5,6,7,8]]
    got = reverse_padded(x, torch.tensor([4, 2]))[..., 0]
    assert got.tolist() == [[4, 3, 2, 1], [6, 5, 7, 8]]
    torch.testing.assert_close(
        reverse_padded(reverse_padded(x, torch.tensor([3, 1])), torch.tensor([3, 1])), x
    )


def test_masking_by_hand_with_constant_weights():
    # Identity-like Elman cell with linear-regime weights: h_t = tanh(x_t + 0.5 h_{t-1}), H = F = 1.
    cell = rnnkit.ElmanCell(1, 1)
    with torch.no_grad():
        cell.weight_ih.fill_(1.0), cell.weight_hh.fill_(0.5), cell.bias_ih.zero_(), cell.bias_hh.zero_()
    x = torch.tensor([[[0.1], [0.2], [0.3]], [[0.4], [0.5], [9.0]]])
    out, h = rnnkit.Recurrent(cell)(x, torch.tensor([3, 2]))
    h11 = torch.tanh(torch.tensor(0.4))
    h12 = torch.tanh(0.5 + 0.5 * h11)
    assert out[1, :, 0].tolist() == pytest.approx([h11.item(), h12.item(), 0.0], abs=1e-7)
    assert h[1, 0].item() == pytest.approx(h12.item(), abs=1e-7)  # the padded 9.0 never entered
    # Reversed: sequence 1 reads 0.5 then 0.4; its outputs stay aligned with the input positions.
    out_r, h_r = rnnkit.Recurrent(cell, reverse=True)(x, torch.tensor([3, 2]))
    a = torch.tanh(torch.tensor(0.5))
    b = torch.tanh(0.4 + 0.5 * a)
    assert out_r[1, :, 0].tolist() == pytest.approx([b.item(), a.item(), 0.0], abs=1e-7)
    assert h_r[1, 0].item() == pytest.approx(b.item(), abs=1e-7)


def test_inter_layer_dropout_active_only_in_training():
    layer = rnnkit.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = torch.randn(2, 5, 3)
    layer.eval()
    torch.testing.assert_close(layer(x)[0], layer(x)[0])
    layer.train()
    for backend in ("native", "reference"):
        layer.backend = backend
        assert not torch.allclose(layer(x)[0], layer(x)[0])


def test_one_layer_walk_with_a_replaceable_time_loop():
    """Stacked.unroll walks layers and directions once for every backend; a loop given to it replaces only
    the per-direction time loop, sees the projected inputs in processing order, and hooks on the layers fire."""
    layer = rnnkit.GRU(3, 4, num_layers=2, bidirectional=True, backend="reference")
    x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 3])
    seen, hooked = [], []
    for direction in layer.directions():
        direction.register_forward_hook(lambda *a: hooked.append(1))

    def loop(cell, xw, lengths, state):  # the reference loop, called through the seam
        seen.append((cell, xw.shape))
        return rnnkit.Recurrent(cell).steps(cell, xw, lengths, state)

    out, h = layer.unroll(x, lengths, None, loop)
    expected, expected_h = layer(x, lengths)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(h, expected_h)
    assert [cell for cell, _ in seen] == layer.cells() and all(shape == (2, 5, 12) for _, shape in seen)
    assert len(hooked) == 2 * 4  # each direction's hook, on both calls
    with pytest.raises(ValueError, match="reference loop only"):
        rnnkit.Recurrent(rnnkit.GRUCell(3, 4), zoneout=0.1)(x, loop=loop)
