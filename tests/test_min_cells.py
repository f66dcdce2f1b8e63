"""LayerNorm-LSTM, minGRU and minLSTM: gradcheck, golden values by hand, sequential mode = parallel scan."""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.cells import LayerNormLSTMCell, LSTMState, MinGRUCell, MinLSTMCell
from rnnkit.cells.base import map_state, state_fields
from rnnkit.kernels.scan import log_space_scan
from rnnkit.layers import LayerNormLSTM, MinGRU, MinLSTM


def _step(cell, x, state):
    return cell.step(cell.project(x[:, None])[:, 0], state)


@pytest.mark.parametrize(
    "make",
    [
        lambda: LayerNormLSTMCell(3, 4),
        lambda: LayerNormLSTMCell(3, 4, bias=False),
        lambda: MinGRUCell(3, 4),
        lambda: MinLSTMCell(3, 4),
        lambda: MinLSTMCell(3, 4, bias=False),
    ],
)
def test_gradcheck_float64(make):
    cell = make().double()
    with torch.no_grad():  # move the norms' gains and shifts off their constant init
        for p in cell.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    state = map_state(lambda s: torch.randn_like(s).requires_grad_(), cell.zero_state(2, dtype=torch.float64))
    fields = state_fields(state)

    def f(x, *rest):
        st = rest[0] if len(fields) == 1 else type(state)(*rest[: len(fields)])
        y, new = _step(cell, x, st)
        return (y, *state_fields(new))

    assert torch.autograd.gradcheck(f, (x, *fields, *cell.parameters()))


def test_log_space_scan_gradcheck_and_value():
    B, T, H = 2, 5, 3
    log_a = (-torch.rand(B, T, H, dtype=torch.float64) - 0.1).requires_grad_()
    log_b = torch.randn(B, T, H, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=torch.float64, requires_grad=True)  # any sign: it has its own term
    h, expected = h0, []
    for t in range(T):
        h = log_a[:, t].exp() * h + log_b[:, t].exp()
        expected.append(h)
    torch.testing.assert_close(log_space_scan(log_a, log_b, h0), torch.stack(expected, 1))
    assert torch.autograd.gradcheck(log_space_scan, (log_a, log_b, h0))


def test_min_gru_golden_values():
    """H = F = 1, z = sigmoid(x), h~ = g(2x): three steps by hand."""
    cell = MinGRUCell(1, 1)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor([[1.0], [2.0]]))
        cell.bias_ih.zero_()
    xs, h, expected = [0.5, -1.0, 2.0], 0.3, []
    for x in xs:
        z = 1 / (1 + math.exp(-x))
        h_tilde = 2 * x + 0.5 if x >= 0 else 1 / (1 + math.exp(-2 * x))
        h = (1 - z) * h + z * h_tilde
        expected.append(h)
    layer = rnnkit.Recurrent(cell)
    x = torch.tensor(xs).view(1, 3, 1)
    out, _ = layer(x, state=torch.tensor([[0.3]]))
    assert out.flatten().tolist() == pytest.approx(expected, rel=1e-6)
    stacked = MinGRU(1, 1)
    stacked.layers[0].cell.load_state_dict(cell.state_dict())
    for mode in ("sequential", "parallel"):
        out, h_T = stacked(x, state=torch.tensor([[[0.3]]]), mode=mode)
        assert out.flatten().tolist() == pytest.approx(expected, rel=1e-5)
        assert h_T.item() == pytest.approx(expected[-1], rel=1e-5)


def test_min_lstm_normalised_gates_by_hand():
    cell = MinLSTMCell(2, 3)
    x, h = torch.randn(4, 2), torch.randn(4, 3)
    k_f, k_i, p = cell.project(x[:, None])[:, 0].chunk(3, dim=-1)
    f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
    h_tilde = torch.where(p >= 0, p + 0.5, torch.sigmoid(p))
    expected = f / (f + i) * h + i / (f + i) * h_tilde
    torch.testing.assert_close(_step(cell, x, h)[1], expected)
    log_a, log_b = cell.log_coefficients(cell.project(x[:, None])[:, 0])  # the scan's view of the same step
    torch.testing.assert_close(log_a.exp() * h + log_b.exp(), expected)


def test_layer_norm_lstm_step_by_hand():
    cell = LayerNormLSTMCell(3, 4)
    with torch.no_grad():
        for p in cell.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)

    def norm(a):  # zero mean, unit biased variance over the last axis
        return (a - a.mean(-1, keepdim=True)) / torch.sqrt(a.var(-1, unbiased=False, keepdim=True) + 1e-5)

    wx, wh = (x @ cell.weight_ih.T).view(2, 4, 4), (h @ cell.weight_hh.T).view(2, 4, 4)  # (B, gate, H)
    pre = norm(wx).flatten(1) * cell.gamma_ih + norm(wh).flatten(1) * cell.gamma_hh + cell.bias
    i, f, g, o = pre.chunk(4, dim=-1)
    c1 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h1 = torch.sigmoid(o) * torch.tanh(norm(c1) * cell.gamma_c + cell.beta_c)
    y, (h2, c2) = _step(cell, x, LSTMState(h, c))
    torch.testing.assert_close(c2, c1)
    torch.testing.assert_close(h2, h1)
    assert torch.equal(y, h2)


def test_layer_norm_lstm_init_and_layer():
    cell = LayerNormLSTMCell(3, 4)
    assert cell.bias[4:8].tolist() == [1.0] * 4 and cell.bias[:4].abs().sum() == 0
    assert (cell.gamma_ih == 1).all() and (cell.gamma_c == 1).all() and (cell.beta_c == 0).all()
    assert cell.bias_ih is None and cell.bias_hh is None
    layer = LayerNormLSTM(3, 4, num_layers=2, bidirectional=True, forget_bias=None)
    out, state = layer(torch.randn(2, 5, 3), torch.tensor([5, 3]))
    assert out.shape == (2, 5, 8) and state.c.shape == (2, 4, 4) and out[1, 3:].abs().sum() == 0
    assert layer.last_backend == "cpu_loop" and "LayerNormLSTMCell" in layer.last_backend_reason
    with pytest.raises(ValueError, match="no fused kernel for LayerNormLSTMCell|native"):
        LayerNormLSTM(3, 4, backend="native")(torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match="no torch.nn counterpart"):
        layer.to_torch()
    with pytest.raises(ValueError, match="no torch.nn counterpart"):
        LayerNormLSTM.from_torch(torch.nn.LSTM(3, 4))


def _run(layer, x, lengths, state, mode):
    """Outputs, final state and every gradient of a weighted sum of them."""
    layer.zero_grad()
    x = x.clone().requires_grad_()
    state = None if state is None else state.clone().requires_grad_()
    out, final = layer(x, lengths, state, mode=mode)
    torch.manual_seed(1)
    ((out * torch.randn_like(out)).sum() + (final * torch.randn_like(final)).sum()).backward()
    grads = [x.grad] + ([] if state is None else [state.grad]) + [p.grad for p in layer.parameters()]
    return [out, final, *grads]


CASES = list(itertools.product((1, 2), (False, True), (None, [7, 1, 4]), (False, True)))


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
@pytest.mark.parametrize("L,bi,lengths,given", CASES)
def test_parallel_scan_equals_sequential_loop(cls, L, bi, lengths, given):
    F_, H, B, T = 3, 5, 3, 7
    layer = cls(F_, H, num_layers=L, bidirectional=bi, learn_initial_state=not given)
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.3 * torch.randn_like(p))
    x = torch.randn(B, T, F_)
    lens = None if lengths is None else torch.tensor(lengths)
    state = torch.randn(B, L * (2 if bi else 1), H) if given else None
    sequential = _run(layer, x, lens, state, "sequential")
    parallel = _run(layer, x, lens, state, "parallel")
    assert layer.last_backend == "reference" and layer.mode == "parallel"
    for a, b in zip(sequential, parallel, strict=True):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)
    if lens is not None:  # outputs zero past each length, in both directions
        assert parallel[0][1, 1:].abs().sum() == 0


@pytest.mark.parametrize("mode", ["sequential", "parallel"])
def test_padding_leaves_the_state_and_reverse_keeps_it_at_the_end(mode):
    """Each sequence of a padded batch gives what it gives alone, trimmed to its length."""
    layer = MinLSTM(3, 4, bidirectional=True)
    x, lengths = torch.randn(3, 6, 3), torch.tensor([6, 2, 4])
    state = torch.randn(3, 2, 4)
    out, final = layer(x, lengths, state, mode=mode)
    for b, n in enumerate(lengths.tolist()):
        alone, final_alone = layer(x[b : b + 1, :n], state=state[b : b + 1], mode=mode)
        torch.testing.assert_close(out[b, :n], alone[0])
        torch.testing.assert_close(final[b], final_alone[0])
        assert out[b, n:].abs().sum() == 0


def test_parallel_scan_long_sequence_precision():
    """The log-space scan's error grows with |sum log a|; at T = 300 it stays well inside 1e-4."""
    layer = MinGRU(8, 16)
    x = torch.randn(4, 300, 8)
    with torch.no_grad():
        sequential, _ = layer(x, mode="sequential")
        parallel, _ = layer(x, mode="parallel")
    torch.testing.assert_close(parallel, sequential, atol=1e-4, rtol=1e-4)


def test_mode_errors_and_recurrent_dropout():
    layer = MinGRU(3, 4, zoneout=0.1)
    x = torch.randn(2, 5, 3)
    with pytest.raises(ValueError, match="mode must be one of"):
        layer(x, mode="scan")
    with pytest.raises(ValueError, match="mode='sequential' only"):
        layer(x, mode="parallel")
    out, _ = layer(x)  # on CPU the default mode is sequential
    assert out.shape == (2, 5, 4) and layer.last_backend == "cpu_loop" and layer.mode == "sequential"
    with pytest.raises(ValueError, match="no torch.nn counterpart"):
        MinGRU.from_torch(torch.nn.GRU(3, 4))
    with pytest.raises(TypeError, match="forget_bias"):
        MinLSTM(3, 4, forget_bias=1.0)


def test_min_lstm_trains_in_parallel_mode():
    """A few Adam steps on a copy task halve the loss: the scan's gradients are usable, not just equal."""
    layer, head = MinLSTM(2, 16), torch.nn.Linear(16, 2)
    opt = torch.optim.Adam([*layer.parameters(), *head.parameters()], lr=2e-2)
    x = torch.randn(16, 10, 2)
    losses = []
    for _ in range(25):
        loss = F.mse_loss(head(layer(x, mode="parallel")[0]), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
